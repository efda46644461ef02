package dev.kscope.traffic.dissect;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class BodyPreviewTest {
    @Test
    void asciiTextWithLineBreaksIsShownAsIs() {
        var s = "{\n\t\"id\": 1,\r\n \"name\": \"" + "x".repeat(100) + "\"}\n";
        assertThat(text(bytes(s))).isEqualTo(s);
    }

    @Test
    void aControlCharacterAnywhereMakesItBinary() {
        for (int at = 0; at < 40; at++) {
            var b = bytes("a".repeat(40));
            b[at] = 0x01;
            assertThat(text(b)).as("control byte at %d", at).startsWith("(binary) ");
        }
    }

    @Test
    void utf8TextIsDecodedAndACutCharacterAtTheEndIsDropped() {
        var s = "prix: 12 € — ok " + "é".repeat(30);
        assertThat(text(bytes(s))).isEqualTo(s);
        var cut = bytes(s + "€");
        assertThat(text(java.util.Arrays.copyOf(cut, cut.length - 1))).isEqualTo(s);
    }

    @Test
    void binaryIsShownAsHexOfItsFirstBytes() {
        var b = new byte[200];
        new Random(1).nextBytes(b);
        b[0] = (byte) 0xff;
        b[1] = 0x00;
        var shown = text(b);
        assertThat(shown).startsWith("(binary) ff00").endsWith("...");
        assertThat(shown).hasSize("(binary) ".length() + 128 + 3);
    }

    @Test
    void everyPrintableAsciiByteIsText() {
        var b = new byte[0x80 - 0x20];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (0x20 + i);
        assertThat(text(b)).isEqualTo(new String(b, StandardCharsets.US_ASCII));
    }

    @Test
    void longTextIsCutAtTheShownLimit() {
        assertThat(text(bytes("y".repeat(5000)))).hasSize(BodyPreview.MAX_SHOWN);
    }

    @Test
    void gzipBodiesAreInflatedForThePreview() throws Exception {
        var raw = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(raw)) {
            gz.write(bytes("hello, compressed world"));
        }
        var in = new ByteCumulator();
        var z = raw.toByteArray();
        in.append(z, 0, z.length);
        var preview = new BodyPreview();
        preview.compressed(true);
        preview.add(in, 0, z.length);
        assertThat(preview.render("gzip")).isEqualTo("hello, compressed world");
        assertThat(preview.render("br")).startsWith("(" + z.length + "+ bytes, br encoded)");
    }

    private static String text(byte[] raw) {
        return BodyPreview.text(raw, raw.length);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
