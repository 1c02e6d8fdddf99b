// A JVM client on the JDK's own sockets: connects to HOST PORT the way Java Redis clients do (the first address
// InetAddress.getAllByName gives, which java.net.preferIPv6Addresses decides) and prints, as JSON, what each
// server saw.
//
//   java Probe.java HOST PORT [--cluster] [--ca CA_FILE] [--name CLIENT_NAME] [--password P]
//
// With --cluster it reads CLUSTER SLOTS and connects to every master's announced endpoint (a hostname is resolved
// by the JVM). With --ca, TLS with that CA and host name verification. One entry per node: endpoint, port, and the
// CLIENT INFO fields addr (the client as the server saw it) and laddr (the server address the client connected
// to). Exits 1 with a one-line error when it cannot connect. Every read and connect is bounded (5 s).
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

public class Probe {
    static final int TIMEOUT_MS = 5000;
    static SSLContext tls;
    static String name = "probe-jvm";
    static String password;

    public static void main(String[] args) {
        try {
            List<String> rest = new ArrayList<>();
            boolean cluster = false;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--cluster": cluster = true; break;
                    case "--ca": tls = context(args[++i]); break;
                    case "--name": name = args[++i]; break;
                    case "--password": password = args[++i]; break;
                    default: rest.add(args[i]);
                }
            }
            String host = rest.get(0);
            int port = Integer.parseInt(rest.get(1));
            List<Object[]> endpoints = new ArrayList<>();
            if (cluster) {
                try (Conn seed = new Conn(host, port)) {
                    for (Object range : (List<?>) seed.call("CLUSTER", "SLOTS")) {
                        List<?> master = (List<?>) ((List<?>) range).get(2);
                        Object[] endpoint = {master.get(0).toString(), ((Long) master.get(1)).intValue()};
                        if (endpoints.stream().noneMatch(e -> e[0].equals(endpoint[0]) && e[1].equals(endpoint[1]))) {
                            endpoints.add(endpoint);
                        }
                    }
                }
            } else {
                endpoints.add(new Object[] {host, port});
            }
            StringBuilder out = new StringBuilder("[");
            for (Object[] endpoint : endpoints) {
                try (Conn conn = new Conn((String) endpoint[0], (Integer) endpoint[1])) {
                    Map<String, String> info = fields(conn.call("CLIENT", "INFO").toString());
                    out.append(out.length() > 1 ? ", " : "").append(String.format(
                        "{\"endpoint\": \"%s\", \"port\": %d, \"addr\": \"%s\", \"laddr\": \"%s\", \"name\": \"%s\"}",
                        endpoint[0], endpoint[1], info.get("addr"), info.get("laddr"), info.get("name")));
                }
            }
            System.out.println(out.append("]"));
        } catch (Exception e) {
            System.err.println("probe_jvm: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            System.exit(1);
        }
    }

    static SSLContext context(String caFile) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = new FileInputStream(caFile)) {
            store.setCertificateEntry("lab-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    static Map<String, String> fields(String text) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String item : text.trim().split(" ")) {
            int eq = item.indexOf('=');
            if (eq > 0) map.put(item.substring(0, eq), item.substring(eq + 1));
        }
        return map;
    }

    static final class Conn implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        Conn(String host, int port) throws Exception {
            InetAddress first = InetAddress.getAllByName(host)[0];  // what Java clients connect to
            Socket plain = new Socket();
            plain.connect(new InetSocketAddress(first, port), TIMEOUT_MS);
            plain.setSoTimeout(TIMEOUT_MS);
            if (tls != null) {
                SSLSocket secure = (SSLSocket) tls.getSocketFactory().createSocket(plain, host, port, true);
                SSLParameters params = secure.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS");
                secure.setSSLParameters(params);
                secure.startHandshake();
                socket = secure;
            } else {
                socket = plain;
            }
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
            if (password != null) call("AUTH", password);
            call("CLIENT", "SETNAME", name);
        }

        Object call(String... words) throws IOException {
            StringBuilder req = new StringBuilder("*" + words.length + "\r\n");
            for (String word : words) {
                req.append('$').append(word.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(word).append("\r\n");
            }
            out.write(req.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            return read();
        }

        String line() throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) throw new IOException("connection closed");
                if (c != '\r') buf.write(c);
            }
            return buf.toString(StandardCharsets.UTF_8);
        }

        Object read() throws IOException {
            String head = line();
            switch (head.charAt(0)) {
                case '+': return head.substring(1);
                case '-': throw new IOException("server error: " + head.substring(1));
                case ':': return Long.parseLong(head.substring(1));
                case '$': {
                    int len = Integer.parseInt(head.substring(1));
                    if (len < 0) return null;
                    byte[] data = in.readNBytes(len + 2);
                    return new String(data, 0, len, StandardCharsets.UTF_8);
                }
                case '*': {
                    int count = Integer.parseInt(head.substring(1));
                    List<Object> items = new ArrayList<>();
                    for (int i = 0; i < count; i++) items.add(read());
                    return items;
                }
                default: throw new IOException("not a RESP2 reply: " + head);
            }
        }

        public void close() throws IOException {
            socket.close();
        }
    }
}
