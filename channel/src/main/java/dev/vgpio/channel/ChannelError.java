package dev.vgpio.channel;

/** The codes of an ERROR frame (docs/channel.md, "Liveness and errors"). */
public enum ChannelError {
    VERSION(1),
    MALFORMED(2),
    SEQUENCE(3),
    BUSY(4),
    TAG(5),
    TOO_LARGE(6),
    DENIED(7),
    FEATURES(8),
    TIMEOUT(9),
    SHUTDOWN(10),
    INTERNAL(11);

    private final int code;

    ChannelError(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The error of {@code code}, or null for a code this side does not know. */
    public static ChannelError of(int code) {
        for (ChannelError e : values()) {
            if (e.code == code) {
                return e;
            }
        }
        return null;
    }
}
