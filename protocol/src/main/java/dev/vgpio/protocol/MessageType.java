package dev.vgpio.protocol;

/** The {@code type} field of a requestq request. */
public enum MessageType {
    GET_LINE_NAMES(0x1),
    GET_DIRECTION(0x2),
    SET_DIRECTION(0x3),
    GET_VALUE(0x4),
    SET_VALUE(0x5),
    /** Enables or disables a line's interrupt; only allowed when VIRTIO_GPIO_F_IRQ is negotiated. */
    SET_IRQ_TYPE(0x6),
    /**
     * Asks which settings a line can apply ({@link LineCaps} bits in the response's value); only allowed when
     * VIRTIO_GPIO_F_LINE_CONFIG is negotiated (vgpio's extension, docs/line-config.md).
     */
    GET_LINE_CAPS(0x7),
    /**
     * Applies one setting to a line ({@link LineConfig}: bias, drive or debounce period, packed into the value);
     * only allowed when VIRTIO_GPIO_F_LINE_CONFIG is negotiated (vgpio's extension, docs/line-config.md).
     */
    SET_LINE_CONFIG(0x8);

    private static final MessageType[] BY_CODE = new MessageType[0x9];

    static {
        for (MessageType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;

    MessageType(int code) {
        this.code = code;
    }

    /** The wire value. */
    public int code() {
        return code;
    }

    /** The type with this wire value, or {@code null} if none has it. Allocates nothing. */
    public static MessageType fromCode(long code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[(int) code] : null;
    }
}
