import dev.kscope.traffic.pcap.SyntheticHttpCapture;

import java.nio.file.Path;

/** Usage: java -cp traffic/target/classes GenHttpPcap.java OUT.pcap [connections] [requestsPerConnection] */
public class GenHttpPcap {
    public static void main(String[] args) {
        int conns = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int perConn = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        long packets = SyntheticHttpCapture.write(Path.of(args[0]), conns, perConn);
        System.out.println(packets + " packets, " + conns * perConn + " HTTP calls -> " + args[0]);
    }
}
