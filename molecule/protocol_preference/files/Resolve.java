// Prints the addresses Java's InetAddress.getAllByName() returns for a name, in order, one per line.
import java.net.InetAddress;

public class Resolve {
    public static void main(String[] args) throws Exception {
        for (InetAddress address : InetAddress.getAllByName(args[0])) {
            System.out.println(address.getHostAddress());
        }
    }
}
