package dev.kscope.core.output;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class JsonPrinterTest {
    /** Every kind of character in a string comes out as Jackson's UTF-8 generator writes it (-o json before core/output). */
    @Test
    void stringsAreEscapedAsJacksonEscapesThem() throws Exception {
        var mapper = new ObjectMapper();
        var random = new Random(11);
        String[] pieces = {"a", "Z", "0", " ", "\"", "\\", "/", "\u007f", "é", "ü", "中", "😀", "\u2028", "{\"k\":[1,2]}", "?", "\ud800" /* a lone surrogate */};
        var bytes = new ByteArrayOutputStream();
        var printer = new JsonPrinter<>(List.of(Column.<String>of("S", 10, Column.Align.LEFT, Column.Visibility.DEFAULT, s -> s)),
                new PrintStream(bytes, false, StandardCharsets.UTF_8), false);
        for (int i = 0; i < 20_000; i++) {
            var s = new StringBuilder();
            int length = random.nextInt(200);
            while (s.length() < length) {
                if (random.nextInt(4) == 0) s.append((char) random.nextInt(32)); // every control character
                else if (i % 2 == 0) s.append((char) (32 + random.nextInt(96))); // ASCII only: the fast path
                else s.append(pieces[random.nextInt(pieces.length)]);
            }
            bytes.reset();
            printer.print(s.toString());
            printer.flush();
            var jackson = new ByteArrayOutputStream(); // its UTF-8 generator, as -o json writes (surrogate pairs escaped)
            try (var g = mapper.getFactory().createGenerator(jackson)) {
                g.writeString(s.toString());
            }
            assertThat(bytes.toString(StandardCharsets.UTF_8)).as("%s", s).isEqualTo("{\"s\":" + jackson.toString(StandardCharsets.UTF_8) + "}\n");
        }
    }
}
