// A JVM client on the JDK's own sockets: connects to HOST PORT the way Java Redis clients do and prints, as JSON,
// what each server saw.
//
//   java [-cp /usr/share/java/netty-all.jar] Probe.java HOST PORT [--cluster] [--ca CA_FILE] [--name CLIENT_NAME]
//        [--password P] [--resolver jdk|shuffle|netty] [--repeat N] [--hold S]
//
// --repeat N (without --cluster) connects N times, each a connection of its own, one entry each. --hold S keeps the
// connections open S seconds after printing.
// --resolver picks how a name becomes the address connected to:
//   jdk (default): the first address InetAddress.getAllByName gives, which java.net.preferIPv6Addresses decides
//     (Jedis up to 4.0, Lettuce without netty-resolver-dns);
//   shuffle: every address getAllByName gives, shuffled, then the first that connects (Jedis 4.1.0 and later,
//     DefaultJedisSocketFactory: the family is random per connection);
//   netty: Netty's own DNS resolver (io.netty.resolver.dns.DnsNameResolver, which reads /etc/hosts and
//     resolv.conf itself, never glibc), one address (Lettuce with netty-resolver-dns, always from 6.7.0). Netty
//     must be on the class path (Debian's libnetty-java); it is loaded by name, so the other modes do not need it.
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
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

public class Probe {
    static final int TIMEOUT_MS = 5000;
    static SSLContext tls;
    static String name = "probe-jvm";
    static String password;
    static String resolver = "jdk";
    static Object nettyGroup;
    static Object nettyResolver;

    public static void main(String[] args) {
        try {
            List<String> rest = new ArrayList<>();
            boolean cluster = false;
            int repeat = 1;
            double hold = 0;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--cluster": cluster = true; break;
                    case "--ca": tls = context(args[++i]); break;
                    case "--name": name = args[++i]; break;
                    case "--repeat": repeat = Integer.parseInt(args[++i]); break;
                    case "--hold": hold = Double.parseDouble(args[++i]); break;
                    case "--password": password = args[++i]; break;
                    case "--resolver":
                        resolver = args[++i];
                        if (!Arrays.asList("jdk", "shuffle", "netty").contains(resolver)) {
                            throw new IllegalArgumentException("--resolver is jdk, shuffle or netty, not " + resolver);
                        }
                        break;
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
                for (int i = 0; i < repeat; i++) endpoints.add(new Object[] {host, port});
            }
            StringBuilder out = new StringBuilder("[");
            List<Conn> open = new ArrayList<>();
            for (Object[] endpoint : endpoints) {
                Conn conn = new Conn((String) endpoint[0], (Integer) endpoint[1]);
                open.add(conn);
                Map<String, String> info = fields(conn.call("CLIENT", "INFO").toString());
                out.append(out.length() > 1 ? ", " : "").append(String.format(
                    "{\"endpoint\": \"%s\", \"port\": %d, \"addr\": \"%s\", \"laddr\": \"%s\", \"name\": \"%s\"}",
                    endpoint[0], endpoint[1], info.get("addr"), info.get("laddr"), info.get("name")));
                if (hold <= 0) {
                    conn.close();
                }
            }
            System.out.println(out.append("]"));
            System.out.flush();
            if (hold > 0) {
                Thread.sleep((long) (hold * 1000));
                for (Conn conn : open) conn.close();
            }
            if (nettyGroup != null) {
                nettyGroup.getClass().getMethod("shutdownGracefully", long.class, long.class, TimeUnit.class)
                    .invoke(nettyGroup, 0L, 1L, TimeUnit.SECONDS);
            }
            System.exit(0);
        } catch (Exception e) {
            if (e instanceof java.lang.reflect.InvocationTargetException && e.getCause() instanceof Exception) {
                e = (Exception) e.getCause();
            }
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

    // The address the chosen resolver gives for host, connected to (shuffle: the first of them that connects).
    static Socket connect(String host, int port) throws Exception {
        List<InetAddress> candidates;
        switch (resolver) {
            case "netty": candidates = List.of(nettyResolve(host)); break;
            case "shuffle":
                candidates = new ArrayList<>(Arrays.asList(InetAddress.getAllByName(host)));
                if (candidates.size() > 1) Collections.shuffle(candidates);
                break;
            default: candidates = List.of(InetAddress.getAllByName(host)[0]);
        }
        IOException last = null;
        for (InetAddress address : candidates) {
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(address, port), TIMEOUT_MS);
                return socket;
            } catch (IOException e) {
                socket.close();
                last = e;
            }
        }
        throw last;
    }

    // Netty's DnsNameResolver as Lettuce builds it (DnsAddressResolverGroup over a DnsNameResolverBuilder with a
    // datagram channel type and nothing else set: Netty's defaults decide the family), called by reflection.
    static InetAddress nettyResolve(String host) throws Exception {
        if (nettyResolver == null) {
            Class<?> groupClass = Class.forName("io.netty.channel.nio.NioEventLoopGroup");
            nettyGroup = groupClass.getConstructor(int.class).newInstance(1);
            Object loop = Class.forName("io.netty.channel.EventLoopGroup").getMethod("next").invoke(nettyGroup);
            Class<?> builderClass = Class.forName("io.netty.resolver.dns.DnsNameResolverBuilder");
            Object builder = builderClass.getConstructor(Class.forName("io.netty.channel.EventLoop")).newInstance(loop);
            builderClass.getMethod("channelType", Class.class)
                .invoke(builder, Class.forName("io.netty.channel.socket.nio.NioDatagramChannel"));
            nettyResolver = builderClass.getMethod("build").invoke(builder);
        }
        Future<?> future = (Future<?>) Class.forName("io.netty.resolver.NameResolver").getMethod("resolve", String.class)
            .invoke(nettyResolver, host);
        return (InetAddress) future.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    static final class Conn implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        Conn(String host, int port) throws Exception {
            Socket plain = connect(host, port);
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
