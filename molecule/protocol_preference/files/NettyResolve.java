// What a Lettuce application resolves: Netty's own DNS resolver (Debian's libnetty-java 4.1), built as Lettuce builds
// it (DnsNameResolverBuilder with a datagram channel type, nothing else: Netty's defaults decide the family). Resolves
// NAME every half second and writes the address it got to FILE (the one address Lettuce would connect to).
//
//   java -cp NETTY_JARS NettyResolve.java NAME FILE
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

public class NettyResolve {
    public static void main(String[] args) throws Exception {
        Object group = Class.forName("io.netty.channel.nio.NioEventLoopGroup").getConstructor(int.class).newInstance(1);
        Object loop = Class.forName("io.netty.channel.EventLoopGroup").getMethod("next").invoke(group);
        Class<?> builderClass = Class.forName("io.netty.resolver.dns.DnsNameResolverBuilder");
        Object builder = builderClass.getConstructor(Class.forName("io.netty.channel.EventLoop")).newInstance(loop);
        builderClass.getMethod("channelType", Class.class)
            .invoke(builder, Class.forName("io.netty.channel.socket.nio.NioDatagramChannel"));
        Object resolver = builderClass.getMethod("build").invoke(builder);
        Path out = Path.of(args[1]);
        Path tmp = Path.of(args[1] + ".tmp");
        while (true) {
            Future<?> future = (Future<?>) Class.forName("io.netty.resolver.NameResolver")
                .getMethod("resolve", String.class).invoke(resolver, args[0]);
            InetAddress address = (InetAddress) future.get(5, TimeUnit.SECONDS);
            Files.write(tmp, (address.getHostAddress() + "\n").getBytes(StandardCharsets.UTF_8));
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Thread.sleep(500);
        }
    }
}
