package dev.kscope.kube.debug;

import dev.kscope.core.KscopeException;

import java.io.ByteArrayOutputStream;
import java.util.Locale;

/**
 * The key sequence that detaches from a debug session without ending it, written like Docker's
 * {@code --detach-keys} ({@code ctrl-p,ctrl-q}, the default). {@link #feed} filters the keyboard
 * stream: bytes of a partly typed sequence are held back and released if the sequence breaks.
 */
public final class DetachKeys {
    public static final String DEFAULT = "ctrl-p,ctrl-q";

    private final byte[] sequence;
    private int matched;

    private DetachKeys(byte[] sequence) {
        this.sequence = sequence;
    }

    /** {@code ""} or {@code none} disables detaching. */
    public static DetachKeys parse(String spec) {
        if (spec == null || spec.isEmpty() || spec.equals("none")) return new DetachKeys(new byte[0]);
        var parts = spec.split(",");
        var bytes = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            var p = parts[i].trim().toLowerCase(Locale.ROOT);
            if (p.length() == 1) {
                bytes[i] = (byte) p.charAt(0);
            } else if (p.startsWith("ctrl-") && p.length() == 6) {
                var c = p.charAt(5);
                if (c >= 'a' && c <= 'z') bytes[i] = (byte) (c - 'a' + 1);
                else if (c == '@') bytes[i] = 0;
                else if (c >= '[' && c <= '_') bytes[i] = (byte) (c - '[' + 27);
                else throw invalid(spec);
            } else {
                throw invalid(spec);
            }
        }
        return new DetachKeys(bytes);
    }

    private static KscopeException invalid(String spec) {
        return new KscopeException("invalid detach keys '" + spec + "' (write a comma-separated list of a-z, ctrl-a..ctrl-z, ctrl-@, ctrl-[..ctrl-_, e.g. ctrl-p,ctrl-q)");
    }

    /**
     * Passes {@code n} keyboard bytes through, writing those meant for the container to {@code forward};
     * returns true when the detach sequence completed (bytes after it are dropped).
     */
    public boolean feed(byte[] buf, int n, ByteArrayOutputStream forward) {
        for (int i = 0; i < n; i++) {
            var b = buf[i];
            if (sequence.length > 0 && b == sequence[matched]) {
                matched++;
                if (matched == sequence.length) {
                    matched = 0;
                    return true;
                }
                continue;
            }
            if (matched > 0) {
                forward.write(sequence, 0, matched);
                matched = 0;
                if (sequence.length > 0 && b == sequence[0]) {
                    matched = 1;
                    continue;
                }
            }
            forward.write(b);
        }
        return false;
    }
}
