package dev.vgpio.protocol;

/** The interrupt trigger type carried by SET_IRQ_TYPE requests; {@link #NONE} disables the line's interrupt. */
public enum IrqType {
    NONE(0x0),
    EDGE_RISING(0x1),
    EDGE_FALLING(0x2),
    EDGE_BOTH(0x3),
    LEVEL_HIGH(0x4),
    LEVEL_LOW(0x8);

    private static final IrqType[] BY_CODE = new IrqType[0x9];

    static {
        for (IrqType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;

    IrqType(int code) {
        this.code = code;
    }

    /** The wire value. */
    public int code() {
        return code;
    }

    /** Whether this is an edge type: the device latches such events while the line is masked. */
    public boolean isEdge() {
        return this == EDGE_RISING || this == EDGE_FALLING || this == EDGE_BOTH;
    }

    /** Whether this is a level type: the device does not latch such events while the line is masked. */
    public boolean isLevel() {
        return this == LEVEL_HIGH || this == LEVEL_LOW;
    }

    /** Whether a low-to-high transition triggers this (edge) type. */
    public boolean triggersOnRising() {
        return this == EDGE_RISING || this == EDGE_BOTH;
    }

    /** Whether a high-to-low transition triggers this (edge) type. */
    public boolean triggersOnFalling() {
        return this == EDGE_FALLING || this == EDGE_BOTH;
    }

    /**
     * Whether this level type is active at the given line level (0 low, anything else high): {@link #LEVEL_HIGH}
     * at high, {@link #LEVEL_LOW} at low. Always false for the other types.
     */
    public boolean activeAt(int level) {
        return switch (this) {
            case LEVEL_HIGH -> level != 0;
            case LEVEL_LOW -> level == 0;
            default -> false;
        };
    }

    /** The type with this wire value, or {@code null} if none has it. Allocates nothing. */
    public static IrqType fromCode(long code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[(int) code] : null;
    }
}
