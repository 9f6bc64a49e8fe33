package dev.vgpio.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;

/**
 * The Linux GPIO character device's uAPI v2 ({@code include/uapi/linux/gpio.h}), each structure declared once as a
 * {@link MemoryLayout} in the kernel's field order, with the flag and attribute codes and the ioctl request numbers
 * derived from the layouts' sizes as {@code _IOR}/{@code _IOWR} do. x86_64, little-endian.
 */
public final class GpioUapi {
    private GpioUapi() {
    }

    /** GPIO_MAX_NAME_SIZE: chip and line names and labels, NUL-padded. */
    public static final int NAME_SIZE = 32;
    /** GPIO_V2_LINES_MAX: lines in one request. */
    public static final int LINES_MAX = 64;
    /** GPIO_V2_LINE_NUM_ATTRS_MAX: attributes in one line config or line info. */
    public static final int ATTRS_MAX = 10;

    // enum gpio_v2_line_flag
    public static final long FLAG_USED = 1L;
    public static final long FLAG_ACTIVE_LOW = 1L << 1;
    public static final long FLAG_INPUT = 1L << 2;
    public static final long FLAG_OUTPUT = 1L << 3;
    public static final long FLAG_EDGE_RISING = 1L << 4;
    public static final long FLAG_EDGE_FALLING = 1L << 5;
    public static final long FLAG_OPEN_DRAIN = 1L << 6;
    public static final long FLAG_OPEN_SOURCE = 1L << 7;
    public static final long FLAG_BIAS_PULL_UP = 1L << 8;
    public static final long FLAG_BIAS_PULL_DOWN = 1L << 9;
    public static final long FLAG_BIAS_DISABLED = 1L << 10;
    /** Every flag this uAPI defines; a kernel that reports others is newer than this code. */
    public static final long FLAGS_KNOWN = (1L << 11) - 1;

    // enum gpio_v2_line_attr_id
    public static final int ATTR_ID_FLAGS = 1;
    public static final int ATTR_ID_OUTPUT_VALUES = 2;
    public static final int ATTR_ID_DEBOUNCE = 3;

    // enum gpio_v2_line_event_id
    public static final int EVENT_RISING_EDGE = 1;
    public static final int EVENT_FALLING_EDGE = 2;

    // enum gpio_v2_line_changed_type
    public static final int CHANGED_REQUESTED = 1;
    public static final int CHANGED_RELEASED = 2;
    public static final int CHANGED_CONFIG = 3;

    private static MemoryLayout name(String n) {
        return MemoryLayout.sequenceLayout(NAME_SIZE, JAVA_BYTE).withName(n);
    }

    private static MemoryLayout u32s(int count, String n) {
        return MemoryLayout.sequenceLayout(count, JAVA_INT).withName(n);
    }

    /** struct gpiochip_info. */
    public static final StructLayout CHIP_INFO = MemoryLayout.structLayout(
            name("name"), name("label"), JAVA_INT.withName("lines"));

    /** The union inside struct gpio_v2_line_attribute. */
    static final UnionLayout ATTRIBUTE_VALUE = MemoryLayout.unionLayout(
            JAVA_LONG.withName("flags"), JAVA_LONG.withName("values"), JAVA_INT.withName("debounce_period_us"));

    /** struct gpio_v2_line_attribute. */
    public static final StructLayout ATTRIBUTE = MemoryLayout.structLayout(
            JAVA_INT.withName("id"), JAVA_INT.withName("padding"), ATTRIBUTE_VALUE.withName("value"));

    /** struct gpio_v2_line_config_attribute. */
    public static final StructLayout CONFIG_ATTRIBUTE = MemoryLayout.structLayout(
            ATTRIBUTE.withName("attr"), JAVA_LONG.withName("mask"));

    /** struct gpio_v2_line_config. */
    public static final StructLayout LINE_CONFIG = MemoryLayout.structLayout(
            JAVA_LONG.withName("flags"), JAVA_INT.withName("num_attrs"), u32s(5, "padding"),
            MemoryLayout.sequenceLayout(ATTRS_MAX, CONFIG_ATTRIBUTE).withName("attrs"));

    /** struct gpio_v2_line_request. */
    public static final StructLayout LINE_REQUEST = MemoryLayout.structLayout(
            u32s(LINES_MAX, "offsets"), name("consumer"), LINE_CONFIG.withName("config"),
            JAVA_INT.withName("num_lines"), JAVA_INT.withName("event_buffer_size"), u32s(5, "padding"),
            JAVA_INT.withName("fd"));

    /** struct gpio_v2_line_info. */
    public static final StructLayout LINE_INFO = MemoryLayout.structLayout(
            name("name"), name("consumer"), JAVA_INT.withName("offset"), JAVA_INT.withName("num_attrs"),
            JAVA_LONG.withName("flags"), MemoryLayout.sequenceLayout(ATTRS_MAX, ATTRIBUTE).withName("attrs"),
            u32s(4, "padding"));

    /** struct gpio_v2_line_info_changed. */
    public static final StructLayout LINE_INFO_CHANGED = MemoryLayout.structLayout(
            LINE_INFO.withName("info"), JAVA_LONG.withName("timestamp_ns"), JAVA_INT.withName("event_type"),
            u32s(5, "padding"));

    /** struct gpio_v2_line_values. */
    public static final StructLayout LINE_VALUES = MemoryLayout.structLayout(
            JAVA_LONG.withName("bits"), JAVA_LONG.withName("mask"));

    /** struct gpio_v2_line_event. */
    public static final StructLayout LINE_EVENT = MemoryLayout.structLayout(
            JAVA_LONG.withName("timestamp_ns"), JAVA_INT.withName("id"), JAVA_INT.withName("offset"),
            JAVA_INT.withName("seqno"), JAVA_INT.withName("line_seqno"), u32s(6, "padding"));

    /** Byte offsets of the fields the code uses, from the layouts (never written out by hand). */
    static final long CHIP_INFO_NAME = CHIP_INFO.byteOffset(groupElement("name"));
    static final long CHIP_INFO_LABEL = CHIP_INFO.byteOffset(groupElement("label"));
    static final long CHIP_INFO_LINES = CHIP_INFO.byteOffset(groupElement("lines"));
    static final long INFO_NAME = LINE_INFO.byteOffset(groupElement("name"));
    static final long INFO_CONSUMER = LINE_INFO.byteOffset(groupElement("consumer"));
    static final long INFO_OFFSET = LINE_INFO.byteOffset(groupElement("offset"));
    static final long INFO_NUM_ATTRS = LINE_INFO.byteOffset(groupElement("num_attrs"));
    static final long INFO_FLAGS = LINE_INFO.byteOffset(groupElement("flags"));
    static final long INFO_ATTRS = LINE_INFO.byteOffset(groupElement("attrs"));
    static final long ATTR_ID = ATTRIBUTE.byteOffset(groupElement("id"));
    static final long ATTR_VALUE = ATTRIBUTE.byteOffset(groupElement("value"));
    static final long REQ_OFFSETS = LINE_REQUEST.byteOffset(groupElement("offsets"));
    static final long REQ_CONSUMER = LINE_REQUEST.byteOffset(groupElement("consumer"));
    static final long REQ_CONFIG = LINE_REQUEST.byteOffset(groupElement("config"));
    static final long REQ_NUM_LINES = LINE_REQUEST.byteOffset(groupElement("num_lines"));
    static final long REQ_EVENT_BUFFER_SIZE = LINE_REQUEST.byteOffset(groupElement("event_buffer_size"));
    static final long REQ_FD = LINE_REQUEST.byteOffset(groupElement("fd"));
    static final long CONFIG_FLAGS = LINE_CONFIG.byteOffset(groupElement("flags"));
    static final long CONFIG_NUM_ATTRS = LINE_CONFIG.byteOffset(groupElement("num_attrs"));
    static final long CONFIG_ATTRS = LINE_CONFIG.byteOffset(groupElement("attrs"));
    static final long CONFIG_ATTR_MASK = CONFIG_ATTRIBUTE.byteOffset(groupElement("mask"));
    static final long VALUES_BITS = LINE_VALUES.byteOffset(groupElement("bits"));
    static final long VALUES_MASK = LINE_VALUES.byteOffset(groupElement("mask"));
    static final long EVENT_TIMESTAMP = LINE_EVENT.byteOffset(groupElement("timestamp_ns"));
    static final long EVENT_ID = LINE_EVENT.byteOffset(groupElement("id"));
    static final long EVENT_OFFSET = LINE_EVENT.byteOffset(groupElement("offset"));
    static final long EVENT_SEQNO = LINE_EVENT.byteOffset(groupElement("seqno"));
    static final long EVENT_LINE_SEQNO = LINE_EVENT.byteOffset(groupElement("line_seqno"));
    static final long CONFIG_ATTR_SIZE = CONFIG_ATTRIBUTE.byteSize();
    static final long OFFSET_STRIDE = LINE_REQUEST.select(groupElement("offsets")).byteSize() / LINES_MAX;

    private static final int IOC_WRITE = 1;
    private static final int IOC_READ = 2;
    private static final int GPIO_MAGIC = 0xB4;

    /** {@code _IOC(dir, 0xB4, nr, size)} as {@code <asm-generic/ioctl.h>} encodes it. */
    static long ioc(int dir, int nr, long size) {
        if (size >= 1 << 14) {
            throw new IllegalArgumentException("ioctl argument of " + size + " bytes does not fit _IOC's 14 bits");
        }
        return ((long) dir << 30) | (size << 16) | ((long) GPIO_MAGIC << 8) | nr;
    }

    /** GPIO_GET_CHIPINFO_IOCTL, {@code _IOR(0xB4, 0x01, struct gpiochip_info)}. */
    public static final long GET_CHIPINFO = ioc(IOC_READ, 0x01, CHIP_INFO.byteSize());
    /** GPIO_V2_GET_LINEINFO_IOCTL, {@code _IOWR(0xB4, 0x05, struct gpio_v2_line_info)}. */
    public static final long GET_LINEINFO = ioc(IOC_READ | IOC_WRITE, 0x05, LINE_INFO.byteSize());
    /** GPIO_V2_GET_LINEINFO_WATCH_IOCTL. */
    public static final long GET_LINEINFO_WATCH = ioc(IOC_READ | IOC_WRITE, 0x06, LINE_INFO.byteSize());
    /** GPIO_V2_GET_LINE_IOCTL, {@code _IOWR(0xB4, 0x07, struct gpio_v2_line_request)}. */
    public static final long GET_LINE = ioc(IOC_READ | IOC_WRITE, 0x07, LINE_REQUEST.byteSize());
    /** GPIO_GET_LINEINFO_UNWATCH_IOCTL, {@code _IOWR(0xB4, 0x0C, __u32)}. */
    public static final long GET_LINEINFO_UNWATCH = ioc(IOC_READ | IOC_WRITE, 0x0C, 4);
    /** GPIO_V2_LINE_SET_CONFIG_IOCTL, {@code _IOWR(0xB4, 0x0D, struct gpio_v2_line_config)}. */
    public static final long LINE_SET_CONFIG = ioc(IOC_READ | IOC_WRITE, 0x0D, LINE_CONFIG.byteSize());
    /** GPIO_V2_LINE_GET_VALUES_IOCTL. */
    public static final long LINE_GET_VALUES = ioc(IOC_READ | IOC_WRITE, 0x0E, LINE_VALUES.byteSize());
    /** GPIO_V2_LINE_SET_VALUES_IOCTL. */
    public static final long LINE_SET_VALUES = ioc(IOC_READ | IOC_WRITE, 0x0F, LINE_VALUES.byteSize());
}
