package dev.vgpio.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;

/**
 * The libc functions this module calls, as downcall handles made once. Each wrapper returns the call's result, or
 * {@code -errno} when the call failed (all of them return -1 on failure, and no valid result is negative), so the
 * callers branch on the sign without allocating. errno is captured into a per-thread segment.
 *
 * <p>Every public entry point of the module calls {@link #requireSupported()} before touching a wrapper, so that
 * on another platform the error is a clear {@link UnsupportedOperationException}.
 */
final class Libc {
    private Libc() {}

    private static final String OS = System.getProperty("os.name", "?");
    private static final String ARCH = System.getProperty("os.arch", "?");
    static final boolean SUPPORTED = OS.toLowerCase(Locale.ROOT).equals("linux")
            && (ARCH.equals("amd64") || ARCH.equals("x86_64"));

    static void requireSupported() {
        if (!SUPPORTED) {
            throw new UnsupportedOperationException(
                    "vgpio-sys supports only Linux on x86_64 (amd64); this is " + OS + " on " + ARCH);
        }
    }

    /** Per-thread native scratch: the errno capture area and 8 bytes for eventfd reads. */
    private record PerThread(MemorySegment capture, MemorySegment scratch) {
        static PerThread allocate() {
            MemorySegment all = Arena.ofAuto().allocate(64, 16);
            return new PerThread(all.asSlice(0, H.CAPTURE.byteSize()), all.asSlice(32, 8));
        }
    }

    /** The handles; initialised on first use, after {@link #requireSupported()} has passed. */
    private static final class H {
        static {
            requireSupported();
        }
        static final Linker LINKER = Linker.nativeLinker();
        static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        static final ThreadLocal<PerThread> STATE = ThreadLocal.withInitial(PerThread::allocate);


        static MethodHandle errno(String name, MemoryLayout result, MemoryLayout... args) {
            return link(name, true, FunctionDescriptor.of(result, args));
        }

        static MethodHandle link(String name, boolean errno, FunctionDescriptor fd, Linker.Option... extra) {
            MemorySegment symbol = LINKER.defaultLookup().find(name)
                    .orElseThrow(() -> new UnsupportedOperationException("libc has no function " + name));
            Linker.Option[] options = extra;
            if (errno) {
                options = java.util.Arrays.copyOf(extra, extra.length + 1);
                options[extra.length] = Linker.Option.captureCallState("errno");
            }
            return LINKER.downcallHandle(symbol, fd, options);
        }

        static MemorySegment capture() {
            return STATE.get().capture();
        }

        static long result(long r, MemorySegment capture) {
            return r == -1 ? -(int) ERRNO.get(capture, 0L) : r;
        }

        static int result(int r, MemorySegment capture) {
            return r == -1 ? -(int) ERRNO.get(capture, 0L) : r;
        }

        static RuntimeException unchecked(Throwable t) {
            if (t instanceof RuntimeException r) {
                return r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            return new IllegalStateException(t);
        }
    }

    // One holder class per function, each linked on its first use: linking a downcall costs milliseconds, so a
    // daemon links only what it calls before its socket listens, and the rest when it first calls them.

    // Handles for descriptors: every caller needs them
    private static final class Close {
        static final MethodHandle M = H.errno("close", JAVA_INT, JAVA_INT);
    }
    private static final class Read {
        static final MethodHandle M = H.errno("read", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    }
    private static final class Write {
        static final MethodHandle M = H.errno("write", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    }
    private static final class Fcntl {
        static final MethodHandle M = H.link("fcntl", true,
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    }
    private static final class Fstat {
        static final MethodHandle M = H.errno("fstat", JAVA_INT, JAVA_INT, ADDRESS);
    }
    private static final class Ftruncate {
        static final MethodHandle M = H.errno("ftruncate", JAVA_INT, JAVA_INT, JAVA_LONG);
    }

    // Handles for making, binding and inspecting sockets
    private static final class Socket {
        static final MethodHandle M = H.errno("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    }
    private static final class Socketpair {
        static final MethodHandle M = H.errno("socketpair", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
    }
    private static final class Bind {
        static final MethodHandle M = H.errno("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    }
    private static final class Listen {
        static final MethodHandle M = H.errno("listen", JAVA_INT, JAVA_INT, JAVA_INT);
    }
    private static final class Connect {
        static final MethodHandle M = H.errno("connect", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    }
    private static final class Getsockopt {
        static final MethodHandle M = H.errno("getsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    }
    private static final class Getsockname {
        static final MethodHandle M = H.errno("getsockname", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    }
    private static final class Setsockopt {
        static final MethodHandle M = H.errno("setsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    }
    private static final class Shutdown {
        static final MethodHandle M = H.errno("shutdown", JAVA_INT, JAVA_INT, JAVA_INT);
    }

    // Handles for a connection's traffic
    private static final class Accept4 {
        static final MethodHandle M = H.errno("accept4", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
    }
    private static final class Sendmsg {
        static final MethodHandle M = H.errno("sendmsg", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    }
    private static final class Recvmsg {
        static final MethodHandle M = H.errno("recvmsg", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    }
    private static final class Poll {
        static final MethodHandle M = H.errno("poll", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    }

    // Handles for eventfds and epoll
    private static final class Eventfd {
        static final MethodHandle M = H.errno("eventfd", JAVA_INT, JAVA_INT, JAVA_INT);
    }
    private static final class EpollCreate1 {
        static final MethodHandle M = H.errno("epoll_create1", JAVA_INT, JAVA_INT);
    }
    private static final class EpollCtl {
        static final MethodHandle M = H.errno("epoll_ctl", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
    }
    private static final class EpollWait {
        static final MethodHandle M = H.errno("epoll_wait", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    }

    // Handles for shared memory
    private static final class Mmap {
        static final MethodHandle M =
                H.errno("mmap", ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG);
    }
    private static final class Munmap {
        static final MethodHandle M = H.errno("munmap", JAVA_INT, ADDRESS, JAVA_LONG);
    }
    private static final class MemfdCreate {
        static final MethodHandle M = H.errno("memfd_create", JAVA_INT, ADDRESS, JAVA_INT);
    }

    // Handles for device files (GPIO chips)
    private static final class Open {
        static final MethodHandle M = H.link("open", true,
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    }
    private static final class Ioctl {
        static final MethodHandle M = H.link("ioctl", true,
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    }
    private static final class Preadv2 {
        static final MethodHandle M = H.errno("preadv2", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_INT);
    }

    // Handles for file names and the process
    private static final class Link {
        static final MethodHandle M = H.errno("link", JAVA_INT, ADDRESS, ADDRESS);
    }
    private static final class Unlink {
        static final MethodHandle M = H.errno("unlink", JAVA_INT, ADDRESS);
    }
    private static final class Renameat2 {
        static final MethodHandle M = H.errno("renameat2", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT);
    }
    private static final class Umask {
        static final MethodHandle M = H.link("umask", false, FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class Geteuid {
        static final MethodHandle M = H.link("geteuid", false, FunctionDescriptor.of(JAVA_INT));
    }

    // Handles for system facts and messages
    private static final class Sysconf {
        static final MethodHandle M = H.link("sysconf", false, FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
    }
    private static final class Strerror {
        static final MethodHandle M = H.link("strerror", false, FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    /**
     * The terminal handles ({@link SerialPort}, {@link Pty}), apart from {@link H} so that a C library without one
     * of them (openpty before glibc 2.34 lives in libutil) breaks only the terminal calls, on their first use.
     */
    private static final class T {
        static final MethodHandle TCGETATTR = H.errno("tcgetattr", JAVA_INT, JAVA_INT, ADDRESS);
        static final MethodHandle TCSETATTR = H.errno("tcsetattr", JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
        static final MethodHandle TCFLUSH = H.errno("tcflush", JAVA_INT, JAVA_INT, JAVA_INT);
        static final MethodHandle CFMAKERAW = H.link("cfmakeraw", false, FunctionDescriptor.ofVoid(ADDRESS));
        static final MethodHandle CFSETISPEED = H.errno("cfsetispeed", JAVA_INT, ADDRESS, JAVA_INT);
        static final MethodHandle CFSETOSPEED = H.errno("cfsetospeed", JAVA_INT, ADDRESS, JAVA_INT);
        /**
         * glibc 2.42's explicitly numeric cfsetibaud and cfsetobaud, or null before 2.42. From 2.42 on, the default
         * version of cfsetispeed (the one a lookup finds) takes the rate itself, no longer a {@code Bxxx} code.
         */
        static final MethodHandle CFSETIBAUD = optional("cfsetibaud", JAVA_INT, ADDRESS, JAVA_INT);
        static final MethodHandle CFSETOBAUD = optional("cfsetobaud", JAVA_INT, ADDRESS, JAVA_INT);
        static final MethodHandle OPENPTY = openpty();

        private static MethodHandle optional(String name, MemoryLayout result, MemoryLayout... args) {
            return H.LINKER.defaultLookup().find(name).isPresent() ? H.errno(name, result, args) : null;
        }

        /** openpty from libc (glibc 2.34 and later), else from libutil.so.1. */
        @SuppressWarnings("restricted") // as every downcall here; this one also loads a library
        private static MethodHandle openpty() {
            MemorySegment symbol = H.LINKER.defaultLookup().find("openpty").or(() -> {
                try {
                    return SymbolLookup.libraryLookup("libutil.so.1", Arena.global()).find("openpty");
                } catch (IllegalArgumentException e) {
                    return java.util.Optional.empty();
                }
            }).orElseThrow(() -> new UnsupportedOperationException("neither libc nor libutil has openpty"));
            return H.LINKER.downcallHandle(symbol,
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS),
                    Linker.Option.captureCallState("errno"));
        }
    }

    static int tcgetattr(int fd, MemorySegment termios) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) T.TCGETATTR.invokeExact(c, fd, termios), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int tcsetattr(int fd, int action, MemorySegment termios) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) T.TCSETATTR.invokeExact(c, fd, action, termios), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int tcflush(int fd, int queue) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) T.TCFLUSH.invokeExact(c, fd, queue), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static void cfmakeraw(MemorySegment termios) {
        try {
            T.CFMAKERAW.invokeExact(termios);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    /** Whether {@link #cfsetibaud} and {@link #cfsetobaud} exist (glibc 2.42 and later). */
    static boolean hasNumericBaud() {
        return T.CFSETIBAUD != null && T.CFSETOBAUD != null;
    }

    /** Sets the input speed as a {@code Bxxx} code; before glibc 2.42 only (see {@link #hasNumericBaud}). */
    static int cfsetispeed(MemorySegment termios, int speed) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) T.CFSETISPEED.invokeExact(c, termios, speed), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    /** Sets the output speed as a {@code Bxxx} code; before glibc 2.42 only (see {@link #hasNumericBaud}). */
    static int cfsetospeed(MemorySegment termios, int speed) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) T.CFSETOSPEED.invokeExact(c, termios, speed), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    /** Sets the input speed in bits per second; only if {@link #hasNumericBaud}. */
    static int cfsetibaud(MemorySegment termios, int baud) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) T.CFSETIBAUD.invokeExact(c, termios, baud), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    /** Sets the output speed in bits per second; only if {@link #hasNumericBaud}. */
    static int cfsetobaud(MemorySegment termios, int baud) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) T.CFSETOBAUD.invokeExact(c, termios, baud), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    /**
     * openpty with default terminal settings and window size: the two descriptors into {@code master} and
     * {@code slave} (one int each), the slave's path into {@code name} (PATH_MAX bytes, as glibc copies it unbounded).
     */
    static int openpty(MemorySegment master, MemorySegment slave, MemorySegment name) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) T.OPENPTY.invokeExact(c, master, slave, name, MemorySegment.NULL,
                    MemorySegment.NULL), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    /** This thread's 8-byte native scratch buffer (for eventfd counters). */
    static MemorySegment scratch() {
        return H.STATE.get().scratch();
    }

    static int close(int fd) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) Close.M.invokeExact(c, fd), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static long read(int fd, MemorySegment buf, long len) {
        MemorySegment c = H.capture();
        try {
            return H.result((long) Read.M.invokeExact(c, fd, buf, len), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static long write(int fd, MemorySegment buf, long len) {
        MemorySegment c = H.capture();
        try {
            return H.result((long) Write.M.invokeExact(c, fd, buf, len), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int fcntl(int fd, int cmd, int arg) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) Fcntl.M.invokeExact(c, fd, cmd, arg), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int fstat(int fd, MemorySegment stat) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) Fstat.M.invokeExact(c, fd, stat), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int ftruncate(int fd, long size) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) Ftruncate.M.invokeExact(c, fd, size), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int socket(int domain, int type, int protocol) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) Socket.M.invokeExact(c, domain, type, protocol), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int socketpair(int domain, int type, int protocol, MemorySegment fds) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) Socketpair.M.invokeExact(c, domain, type, protocol, fds), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int bind(int fd, MemorySegment addr, int len) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) Bind.M.invokeExact(c, fd, addr, len), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int listen(int fd, int backlog) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) Listen.M.invokeExact(c, fd, backlog), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int connect(int fd, MemorySegment addr, int len) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) Connect.M.invokeExact(c, fd, addr, len), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int accept4(int fd, int flags) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) Accept4.M.invokeExact(c, fd, MemorySegment.NULL, MemorySegment.NULL, flags), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static long sendmsg(int fd, MemorySegment msg, int flags) {
        MemorySegment c = H.capture();
        try {
            return H.result((long) Sendmsg.M.invokeExact(c, fd, msg, flags), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static long recvmsg(int fd, MemorySegment msg, int flags) {
        MemorySegment c = H.capture();
        try {
            return H.result((long) Recvmsg.M.invokeExact(c, fd, msg, flags), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int poll(MemorySegment fds, long count, int timeoutMillis) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) Poll.M.invokeExact(c, fds, count, timeoutMillis), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int shutdown(int fd, int how) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) Shutdown.M.invokeExact(c, fd, how), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int setsockopt(int fd, int level, int name, MemorySegment value, int len) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) Setsockopt.M.invokeExact(c, fd, level, name, value, len), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment len) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) Getsockopt.M.invokeExact(c, fd, level, name, value, len), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int getsockname(int fd, MemorySegment addr, MemorySegment len) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) Getsockname.M.invokeExact(c, fd, addr, len), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int eventfd(int initval, int flags) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) Eventfd.M.invokeExact(c, initval, flags), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int epollCreate1(int flags) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) EpollCreate1.M.invokeExact(c, flags), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int epollCtl(int epfd, int op, int fd, MemorySegment event) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) EpollCtl.M.invokeExact(c, epfd, op, fd, event), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int epollWait(int epfd, MemorySegment events, int max, int timeoutMillis) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) EpollWait.M.invokeExact(c, epfd, events, max, timeoutMillis), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    /** The mapped address, or {@code -errno} ({@code MAP_FAILED} is -1 and no user address is negative). */
    static long mmap(long length, int prot, int flags, int fd, long offset) {
        MemorySegment c = H.capture();
        try {
            MemorySegment a =
                    (MemorySegment) Mmap.M.invokeExact(c, MemorySegment.NULL, length, prot, flags, fd, offset);
            return H.result(a.address(), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int munmap(long address, long length) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) Munmap.M.invokeExact(c, MemorySegment.ofAddress(address), length), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int memfdCreate(MemorySegment name, int flags) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) MemfdCreate.M.invokeExact(c, name, flags), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int open(MemorySegment path, int flags) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) Open.M.invokeExact(c, path, flags, 0), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int ioctl(int fd, long request, MemorySegment arg) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) Ioctl.M.invokeExact(c, fd, request, arg), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static long preadv2(int fd, MemorySegment iov, int count, long offset, int flags) {
        MemorySegment c = H.capture();
        try {
            return H.result((long) Preadv2.M.invokeExact(c, fd, iov, count, offset, flags), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int link(MemorySegment oldPath, MemorySegment newPath) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) Link.M.invokeExact(c, oldPath, newPath), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int unlink(MemorySegment path) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) Unlink.M.invokeExact(c, path), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int renameat2(int oldDir, MemorySegment oldPath, int newDir, MemorySegment newPath, int flags) {
        MemorySegment c = H.capture();
        try {
            return H.result((int) Renameat2.M.invokeExact(c, oldDir, oldPath, newDir, newPath, flags), c);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    /** Sets the process's file mode creation mask and returns the old one (tests use it to widen the mask). */
    static int umask(int mask) {
        try {
            return (int) Umask.M.invokeExact(mask);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static int geteuid() {
        try {
            return (int) Geteuid.M.invokeExact();
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    static long sysconf(int name) {
        try {
            return (long) Sysconf.M.invokeExact(name);
        } catch (Throwable t) {
            throw H.unchecked(t);
        }
    }

    /** strerror's text, or null if it cannot be had (cold path only). */
    static String strerror(int errno) {
        if (!SUPPORTED) {
            return null;
        }
        try {
            MemorySegment s = (MemorySegment) Strerror.M.invokeExact(errno);
            return s.equals(MemorySegment.NULL) ? null : s.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            return null;
        }
    }
}
