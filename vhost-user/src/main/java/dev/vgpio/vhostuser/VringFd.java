package dev.vgpio.vhostuser;

/**
 * The {@code u64} payload of SET_VRING_KICK, SET_VRING_CALL and SET_VRING_ERR: the queue index in bits 0..7, and
 * bit 8 set when no file descriptor comes with the message. Every other bit must be 0.
 */
final class VringFd {
    static final int SIZE = U64.SIZE;
    static final long INDEX_MASK = 0xff;
    static final long NO_FD = 0x100;

    private VringFd() {
    }

    static long of(int index, boolean noFd) {
        return (index & INDEX_MASK) | (noFd ? NO_FD : 0);
    }

    static int index(long value) {
        return (int) (value & INDEX_MASK);
    }

    static boolean noFd(long value) {
        return (value & NO_FD) != 0;
    }

    static void check(int request, long value) throws ProtocolException {
        if ((value & ~(INDEX_MASK | NO_FD)) != 0) {
            throw new ProtocolException(String.format("%s payload 0x%x has unknown bits", VhostUser.name(request),
                    value));
        }
    }
}
