package dev.kscope.capture;

import dev.kscope.core.KscopeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The compiled programs are tcpdump's; invalid expressions say what and where. Needs tcpdump, not root. */
class PacketFilterTest {
    static Path emptyEthernetPcap;

    @BeforeAll
    static void emptyFile() throws Exception {
        emptyEthernetPcap = Files.createTempFile("cap2-empty", ".pcap");
        var h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(262144).putInt(1);
        Files.write(emptyEthernetPcap, h.array());
    }

    @AfterAll
    static void cleanUp() throws Exception {
        Files.deleteIfExists(emptyEthernetPcap);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "tcp port 80", "udp and not port 53", "host 10.0.0.1 and (tcp or icmp)", "tcp[tcpflags] & tcp-syn != 0",
            "ether host 02:00:00:00:00:01", "vlan 10 and ip", "ip6 and tcp", "greater 1000", "net 192.168.0.0/16"})
    void compilesTheProgramTcpdumpCompiles(String expr) {
        var tcpdump = Tools.run("tcpdump", "-r", emptyEthernetPcap.toString(), "-dd", expr);
        assertThat(PacketFilter.compile(expr, PacketFilter.DLT_EN10MB, 262144).dump()).isEqualTo(tcpdump);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "tcp prt 80          | syntax error at \"prt\", character 5",
            "tcp port            | syntax error at the end: the expression is incomplete",
            "tcp and ( udp or )  | syntax error at \")\", character 18",
            "port 99999          | illegal port number 99999 > 65535 at \"99999\", character 6",
            "net 10.0.0.1/8      | non-network bits set in \"10.0.0.1/8\" at character 5",
            "ether host zz       | unknown ether host 'zz' at character 12",
            "tcp and udp         | expression rejects all packets"})
    void invalidExpressionsSayWhatAndWhere(String expr, String message) {
        assertThatThrownBy(() -> PacketFilter.compile(expr, PacketFilter.DLT_EN10MB, 262144))
                .isInstanceOf(KscopeException.class)
                .hasMessageStartingWith("invalid filter \"" + expr + "\": ")
                .hasMessageContaining(message)
                .hasMessageContaining("man 7 pcap-filter");
    }
}
