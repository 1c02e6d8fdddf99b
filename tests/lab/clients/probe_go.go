// A Go client on Go's own dialer: connects to HOST PORT the way go-redis does (net.Dialer, which resolves the name
// and tries the first address's family first, the other after 300 ms: Happy Eyeballs) and prints, as JSON, what the
// server saw.
//
//	CGO_ENABLED=0 go build -tags netgo -ldflags "-X main.resolver=netgo" -o probe_go_netgo probe_go.go
//	    Go's own resolver, sorting with its own RFC 6724 table; never reads gai.conf
//	CGO_ENABLED=1 go build -tags netcgo -ldflags "-X main.resolver=cgo" -o probe_go_cgo probe_go.go
//	    glibc's getaddrinfo, which follows gai.conf
//	probe_go HOST PORT [--name CLIENT_NAME] [--password P] [--hold S]
//
// One entry: endpoint, port, and the CLIENT INFO fields addr (the client as the server saw it) and laddr (the server
// address the client connected to), plus the resolver the binary was built with. Exits 1 with a one-line error when
// it cannot connect. The dial and every read are bounded (5 s). --hold S keeps the connection open S seconds after
// printing.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

const timeout = 5 * time.Second

// The resolver the binary was built for, set at build time: -ldflags "-X main.resolver=netgo" (or cgo).
var resolver = "unset"

func command(w *bufio.Writer, words ...string) error {
	fmt.Fprintf(w, "*%d\r\n", len(words))
	for _, word := range words {
		fmt.Fprintf(w, "$%d\r\n%s\r\n", len(word), word)
	}
	return w.Flush()
}

// reply reads one RESP2 reply that is a simple string, an integer or a bulk string.
func reply(r *bufio.Reader) (string, error) {
	head, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	head = strings.TrimRight(head, "\r\n")
	if head == "" {
		return "", fmt.Errorf("empty reply")
	}
	switch head[0] {
	case '+', ':':
		return head[1:], nil
	case '-':
		return "", fmt.Errorf("server error: %s", head[1:])
	case '$':
		size, err := strconv.Atoi(head[1:])
		if err != nil || size < 0 || size > 1<<20 {
			return "", fmt.Errorf("bad bulk length %q", head)
		}
		data := make([]byte, size+2)
		if _, err := io.ReadFull(r, data); err != nil {
			return "", err
		}
		return string(data[:size]), nil
	}
	return "", fmt.Errorf("not a RESP2 reply this probe reads: %q", head)
}

func fields(text string) map[string]string {
	out := map[string]string{}
	for _, item := range strings.Fields(text) {
		if eq := strings.IndexByte(item, '='); eq > 0 {
			out[item[:eq]] = item[eq+1:]
		}
	}
	return out
}

func main() {
	var rest []string
	name, password, hold := "probe-go", "", 0.0
	args := os.Args[1:]
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "--name", "--password", "--hold":
			if i+1 >= len(args) {
				fail(fmt.Errorf("%s needs a value", args[i]))
			}
			switch args[i] {
			case "--name":
				name = args[i+1]
			case "--password":
				password = args[i+1]
			default:
				seconds, err := strconv.ParseFloat(args[i+1], 64)
				if err != nil || seconds < 0 {
					fail(fmt.Errorf("--hold takes seconds, not %q", args[i+1]))
				}
				hold = seconds
			}
			i++
		default:
			rest = append(rest, args[i])
		}
	}
	if len(rest) != 2 {
		fail(fmt.Errorf("usage: probe_go HOST PORT [--name N] [--password P]"))
	}
	host, port := rest[0], rest[1]
	dialer := net.Dialer{Timeout: timeout}
	conn, err := dialer.Dial("tcp", net.JoinHostPort(host, port))
	if err != nil {
		fail(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout)) // the hold after printing reads nothing
	r, w := bufio.NewReader(conn), bufio.NewWriter(conn)
	call := func(words ...string) string {
		if err := command(w, words...); err != nil {
			fail(err)
		}
		text, err := reply(r)
		if err != nil {
			fail(err)
		}
		return text
	}
	if password != "" {
		call("AUTH", password)
	}
	call("CLIENT", "SETNAME", name)
	info := fields(call("CLIENT", "INFO"))
	number, _ := strconv.Atoi(port)
	out, _ := json.Marshal([]map[string]interface{}{{
		"endpoint": host, "port": number, "addr": info["addr"], "laddr": info["laddr"], "name": info["name"],
		"resolver": resolver,
	}})
	fmt.Println(string(out))
	time.Sleep(time.Duration(hold * float64(time.Second)))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "probe_go: "+err.Error())
	os.Exit(1)
}
