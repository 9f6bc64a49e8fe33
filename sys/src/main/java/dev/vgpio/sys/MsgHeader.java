package dev.vgpio.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A preallocated x86_64 {@code struct msghdr} with one {@code iovec} and a control buffer, reused for every
 * {@code sendmsg} or {@code recvmsg} of one socket so that the steady state allocates nothing.
 */
final class MsgHeader {
    static final int SOL_SOCKET = 1;
    static final int SCM_RIGHTS = 1;
    static final int MSG_CTRUNC = 0x8;
    /** The kernel's limit on descriptors in one message ({@code SCM_MAX_FD}). */
    static final int MAX_SEND_FDS = 253;
    /** Control room on the receiving side, in descriptors. */
    static final int MAX_RECEIVE_FDS = 16;

    private static final long MSG_SIZE = 56;
    private static final long IOV = 16;
    private static final long IOVLEN = 24;
    private static final long CONTROL = 32;
    private static final long CONTROLLEN = 40;
    private static final long FLAGS = 48;
    private static final long IOV_SIZE = 16;
    private static final long CMSG_HEADER = 16;

    private final MemorySegment msg;
    private final MemorySegment iov;
    private final MemorySegment control;

    /** A header whose control buffer holds up to {@code maxFds} descriptors. */
    MsgHeader(int maxFds) {
        long controlRoom = space(maxFds);
        MemorySegment all = Arena.ofAuto().allocate(MSG_SIZE + 8 + IOV_SIZE + controlRoom, 16);
        msg = all.asSlice(0, MSG_SIZE);
        iov = all.asSlice(MSG_SIZE + 8, IOV_SIZE);
        control = all.asSlice(MSG_SIZE + 8 + IOV_SIZE, controlRoom);
        msg.set(ValueLayout.JAVA_LONG, IOV, iov.address());
        msg.set(ValueLayout.JAVA_LONG, IOVLEN, 1);
    }

    /** {@code CMSG_SPACE(n * sizeof(int))}. */
    static long space(int fds) {
        return CMSG_HEADER + ((4L * fds + 7) & ~7L);
    }

    MemorySegment segment() {
        return msg;
    }

    /** Points the iovec at {@code [address, address + length)} and resets the flags. */
    void data(long address, long length) {
        iov.set(ValueLayout.JAVA_LONG, 0, address);
        iov.set(ValueLayout.JAVA_LONG, 8, length);
        msg.set(ValueLayout.JAVA_INT, FLAGS, 0);
    }

    /** Attaches {@code fds[0, count)} as one SCM_RIGHTS message, or no control data when {@code count} is 0. */
    void attach(int[] fds, int count) {
        if (count == 0) {
            msg.set(ValueLayout.JAVA_LONG, CONTROL, 0);
            msg.set(ValueLayout.JAVA_LONG, CONTROLLEN, 0);
            return;
        }
        control.set(ValueLayout.JAVA_LONG, 0, CMSG_HEADER + 4L * count);
        control.set(ValueLayout.JAVA_INT, 8, SOL_SOCKET);
        control.set(ValueLayout.JAVA_INT, 12, SCM_RIGHTS);
        MemorySegment.copy(fds, 0, control, ValueLayout.JAVA_INT, CMSG_HEADER, count);
        msg.set(ValueLayout.JAVA_LONG, CONTROL, control.address());
        msg.set(ValueLayout.JAVA_LONG, CONTROLLEN, space(count));
    }

    /** Offers the whole control buffer to a receive. */
    void expectControl() {
        msg.set(ValueLayout.JAVA_LONG, CONTROL, control.address());
        msg.set(ValueLayout.JAVA_LONG, CONTROLLEN, control.byteSize());
    }

    /**
     * After a receive: moves the descriptors that arrived into {@code fds}. If the control data was truncated, or
     * {@code fds} has no room for them, closes every descriptor that arrived and throws.
     */
    void collect(FdSet fds) throws IOException {
        boolean truncated = (msg.get(ValueLayout.JAVA_INT, FLAGS) & MSG_CTRUNC) != 0;
        int arrived = walk(null, false);
        if (arrived == 0 && !truncated) {
            return;
        }
        if (truncated) {
            walk(null, true);
            throw new IOException("received more file descriptors than fit (MSG_CTRUNC)");
        }
        if (fds == null || fds.remaining() < arrived) {
            walk(null, true);
            throw new IOException("received " + arrived + " file descriptors but "
                    + (fds == null ? "none were expected" : "the FdSet has room for " + fds.remaining())
                    + "; closed them");
        }
        walk(fds, false);
    }

    /** Counts the received descriptors, adding each to {@code into} if given, closing each if {@code close}. */
    private int walk(FdSet into, boolean close) {
        long length = Math.min(msg.get(ValueLayout.JAVA_LONG, CONTROLLEN), control.byteSize());
        int count = 0;
        long pos = 0;
        while (pos + CMSG_HEADER <= length) {
            long len = control.get(ValueLayout.JAVA_LONG, pos);
            if (len < CMSG_HEADER || len > length - pos) {
                break;
            }
            if (control.get(ValueLayout.JAVA_INT, pos + 8) == SOL_SOCKET
                    && control.get(ValueLayout.JAVA_INT, pos + 12) == SCM_RIGHTS) {
                int n = (int) ((len - CMSG_HEADER) / 4);
                for (int k = 0; k < n; k++) {
                    int fd = control.get(ValueLayout.JAVA_INT, pos + CMSG_HEADER + 4L * k);
                    if (into != null) {
                        into.add(fd);
                    }
                    if (close) {
                        Fds.closeQuietly(fd);
                    }
                }
                count += n;
            }
            pos += (len + 7) & ~7L;
        }
        return count;
    }
}
