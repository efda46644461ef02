package dev.kscope.capture;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** The few libc calls packet capture needs, through FFM. Each call returns the raw result; {@link #check} turns -1 into an exception with errno. */
final class Libc {
    static final int AF_PACKET = 17, SOCK_RAW = 3, SOCK_CLOEXEC = 02000000;
    static final int SOL_SOCKET = 1, SO_ERROR = 4, SO_ATTACH_FILTER = 26;
    static final int SOL_PACKET = 263, PACKET_ADD_MEMBERSHIP = 1, PACKET_RX_RING = 5, PACKET_STATISTICS = 6, PACKET_VERSION = 10;
    static final int TPACKET_V3 = 2, PACKET_MR_PROMISC = 1, PACKET_OUTGOING = 4;
    static final short ETH_P_ALL_NETWORK_ORDER = 0x0300;
    static final int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1;
    static final short POLLIN = 1, POLLERR = 8, POLLHUP = 0x10, POLLNVAL = 0x20;
    static final int O_RDONLY = 0, O_CLOEXEC = 02000000, CLONE_NEWNET = 0x40000000;
    static final long SIOCGIFFLAGS = 0x8913, SIOCGIFADDR = 0x8915, SIOCGIFNETMASK = 0x891b, SIOCGIFHWADDR = 0x8927;
    static final int IFF_UP = 1, IFF_LOOPBACK = 8;
    static final int EINTR = 4, ENETDOWN = 100, ENODEV = 19, ENXIO = 6;
    static final MemorySegment MAP_FAILED = MemorySegment.ofAddress(-1L);

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> STATE = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    private static final MethodHandle SOCKET = fn("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = fn("setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = fn("getsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle BIND = fn("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MMAP = fn("mmap", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = fn("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle POLL = fn("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle OPEN = fn("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETNS = fn("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle IOCTL = LINKER.downcallHandle(LINKER.defaultLookup().find("ioctl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IF_NAMEINDEX = LINKER.downcallHandle(LINKER.defaultLookup().find("if_nameindex").orElseThrow(), FunctionDescriptor.of(ADDRESS));
    private static final MethodHandle IF_FREENAMEINDEX = LINKER.downcallHandle(LINKER.defaultLookup().find("if_freenameindex").orElseThrow(), FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LINKER.defaultLookup().find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Libc() {}

    private static MethodHandle fn(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd, Linker.Option.captureCallState("errno"));
    }

    /** A failed system call: the call's name and errno. */
    static final class ErrnoException extends RuntimeException {
        final int errno;

        ErrnoException(String call, int errno) {
            super(call + ": " + strerror(errno));
            this.errno = errno;
        }
    }

    static int errno() {
        return (int) ERRNO.get(STATE.get(), 0L);
    }

    static int check(int rc, String call) {
        if (rc == -1) throw new ErrnoException(call, errno());
        return rc;
    }

    static String strerror(int errno) {
        try {
            return ((MemorySegment) STRERROR.invokeExact(errno)).reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    static int socket(int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(STATE.get(), domain, type, protocol);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int setsockopt(int fd, int level, int name, MemorySegment value) {
        try {
            return (int) SETSOCKOPT.invokeExact(STATE.get(), fd, level, name, value, (int) value.byteSize());
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment lengthInOut) {
        try {
            return (int) GETSOCKOPT.invokeExact(STATE.get(), fd, level, name, value, lengthInOut);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int bind(int fd, MemorySegment address) {
        try {
            return (int) BIND.invokeExact(STATE.get(), fd, address, (int) address.byteSize());
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static MemorySegment mmap(long length, int prot, int flags, int fd) {
        try {
            return (MemorySegment) MMAP.invokeExact(STATE.get(), MemorySegment.NULL, length, prot, flags, fd, 0L);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int munmap(MemorySegment address, long length) {
        try {
            return (int) MUNMAP.invokeExact(STATE.get(), address, length);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int poll(MemorySegment fds, long count, int timeoutMillis) {
        try {
            return (int) POLL.invokeExact(STATE.get(), fds, count, timeoutMillis);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int close(int fd) {
        try {
            return (int) CLOSE.invokeExact(STATE.get(), fd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int open(String path, int flags) {
        try (var arena = Arena.ofConfined()) {
            return (int) OPEN.invokeExact(STATE.get(), arena.allocateFrom(path), flags);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Moves the calling thread (only) into the network namespace behind fd. */
    static int setns(int fd, int nstype) {
        try {
            return (int) SETNS.invokeExact(STATE.get(), fd, nstype);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int ioctl(int fd, long request, MemorySegment arg) {
        try {
            return (int) IOCTL.invokeExact(STATE.get(), fd, request, arg);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Index and name of every interface in the calling thread's network namespace. */
    static java.util.Map<Integer, String> interfaces() {
        try {
            var list = ((MemorySegment) IF_NAMEINDEX.invokeExact()).reinterpret(Long.MAX_VALUE);
            if (list.equals(MemorySegment.NULL)) throw new ErrnoException("if_nameindex", errno());
            var result = new java.util.LinkedHashMap<Integer, String>();
            for (long off = 0; ; off += 16) {
                int index = list.get(JAVA_INT, off);
                if (index == 0) break;
                result.put(index, list.get(ADDRESS, off + 8).reinterpret(64).getString(0));
            }
            IF_FREENAMEINDEX.invokeExact(list);
            return result;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
