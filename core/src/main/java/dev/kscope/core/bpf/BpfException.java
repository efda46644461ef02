package dev.kscope.core.bpf;

import dev.kscope.core.KscopeException;

/** A libbpf call failed; the message names the operation, the errno and, where known, what to do about it. */
public final class BpfException extends KscopeException {
    private final int errno;
    private final String detail;

    BpfException(String what, int errno, String hint) {
        this(what, errno, hint, "");
    }

    BpfException(String what, int errno, String hint, String detail) {
        super(what + ": " + Errno.describe(errno) + (hint == null ? "" : " (" + hint + ")"));
        this.errno = errno;
        this.detail = detail;
    }

    /** libbpf's last log lines (the verifier's complaint on a load failure), for --debug. */
    public String detail() {
        return detail;
    }

    public int errno() {
        return errno;
    }

    static BpfException of(String what, int errno) {
        return new BpfException(what, errno, Errno.hint(errno));
    }
}
