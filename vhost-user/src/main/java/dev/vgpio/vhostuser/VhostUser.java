package dev.vgpio.vhostuser;

/** vhost-user protocol constants: message types, header flags and feature bits. */
public final class VhostUser {
    public static final int HEADER_SIZE = 12;
    /** The largest payload accepted; every message this back end handles is far smaller. */
    public static final int MAX_PAYLOAD = 4096;
    /** The most memory regions SET_MEM_TABLE may carry (VHOST_MEMORY_BASELINE_NREGIONS). */
    public static final int MAX_REGIONS = 8;
    /** The most bytes of configuration space a GET_CONFIG / SET_CONFIG message carries. */
    public static final int MAX_CONFIG = 256;

    public static final int FLAG_VERSION = 0x1;
    public static final int FLAG_VERSION_MASK = 0x3;
    public static final int FLAG_REPLY = 0x4;
    public static final int FLAG_NEED_REPLY = 0x8;

    /** VHOST_USER_F_PROTOCOL_FEATURES, a virtio feature bit. */
    public static final int F_PROTOCOL_FEATURES = 30;
    public static final int PROTOCOL_F_MQ = 0;
    public static final int PROTOCOL_F_REPLY_ACK = 3;
    public static final int PROTOCOL_F_CONFIG = 9;

    /** In SET_VRING_KICK/CALL/ERR: the queue index bits, and the flag saying no fd is passed. */
    public static final long VRING_INDEX_MASK = 0xff;
    public static final long VRING_NOFD = 0x100;

    public static final int GET_FEATURES = 1;
    public static final int SET_FEATURES = 2;
    public static final int SET_OWNER = 3;
    public static final int RESET_OWNER = 4;
    public static final int SET_MEM_TABLE = 5;
    public static final int SET_LOG_BASE = 6;
    public static final int SET_LOG_FD = 7;
    public static final int SET_VRING_NUM = 8;
    public static final int SET_VRING_ADDR = 9;
    public static final int SET_VRING_BASE = 10;
    public static final int GET_VRING_BASE = 11;
    public static final int SET_VRING_KICK = 12;
    public static final int SET_VRING_CALL = 13;
    public static final int SET_VRING_ERR = 14;
    public static final int GET_PROTOCOL_FEATURES = 15;
    public static final int SET_PROTOCOL_FEATURES = 16;
    public static final int GET_QUEUE_NUM = 17;
    public static final int SET_VRING_ENABLE = 18;
    public static final int GET_CONFIG = 24;
    public static final int SET_CONFIG = 25;

    private static final String[] NAMES = {
        "NONE", "GET_FEATURES", "SET_FEATURES", "SET_OWNER", "RESET_OWNER", "SET_MEM_TABLE", "SET_LOG_BASE",
        "SET_LOG_FD", "SET_VRING_NUM", "SET_VRING_ADDR", "SET_VRING_BASE", "GET_VRING_BASE", "SET_VRING_KICK",
        "SET_VRING_CALL", "SET_VRING_ERR", "GET_PROTOCOL_FEATURES", "SET_PROTOCOL_FEATURES", "GET_QUEUE_NUM",
        "SET_VRING_ENABLE", "SEND_RARP", "NET_SET_MTU", "SET_BACKEND_REQ_FD", "IOTLB_MSG", "SET_VRING_ENDIAN",
        "GET_CONFIG", "SET_CONFIG", "CREATE_CRYPTO_SESSION", "CLOSE_CRYPTO_SESSION", "POSTCOPY_ADVISE",
        "POSTCOPY_LISTEN", "POSTCOPY_END", "GET_INFLIGHT_FD", "SET_INFLIGHT_FD", "GPU_SET_SOCKET", "RESET_DEVICE",
        "VRING_KICK", "GET_MAX_MEM_SLOTS", "ADD_MEM_REG", "REM_MEM_REG", "SET_STATUS", "GET_STATUS",
        "GET_SHARED_OBJECT", "SET_DEVICE_STATE_FD", "CHECK_DEVICE_STATE"
    };

    private VhostUser() {
    }

    /** The name of a front-end message type, e.g. {@code SET_MEM_TABLE}, or {@code request N}. */
    public static String name(int request) {
        return request >= 0 && request < NAMES.length ? NAMES[request] : "request " + request;
    }

    public static long bit(int b) {
        return 1L << b;
    }

    /** Protocol feature names, for logs. */
    public static String describeProtocolFeatures(long f) {
        StringBuilder sb = new StringBuilder();
        append(sb, f, PROTOCOL_F_MQ, "MQ");
        append(sb, f, PROTOCOL_F_REPLY_ACK, "REPLY_ACK");
        append(sb, f, PROTOCOL_F_CONFIG, "CONFIG");
        long rest = f & ~(bit(PROTOCOL_F_MQ) | bit(PROTOCOL_F_REPLY_ACK) | bit(PROTOCOL_F_CONFIG));
        for (int b = 0; b < 64; b++) {
            if ((rest & bit(b)) != 0) {
                append(sb, f, b, "bit" + b);
            }
        }
        return sb.isEmpty() ? "none" : sb.toString();
    }

    /** Virtio feature names that matter here, for logs. */
    public static String describeFeatures(long f) {
        StringBuilder sb = new StringBuilder();
        append(sb, f, 0, "GPIO_F_IRQ");
        append(sb, f, 28, "RING_INDIRECT_DESC");
        append(sb, f, 29, "RING_EVENT_IDX");
        append(sb, f, F_PROTOCOL_FEATURES, "PROTOCOL_FEATURES");
        append(sb, f, 32, "VERSION_1");
        long rest = f & ~(bit(0) | bit(28) | bit(29) | bit(F_PROTOCOL_FEATURES) | bit(32));
        for (int b = 0; b < 64; b++) {
            if ((rest & bit(b)) != 0) {
                append(sb, f, b, "bit" + b);
            }
        }
        return String.format("0x%x (%s)", f, sb.isEmpty() ? "none" : sb);
    }

    private static void append(StringBuilder sb, long f, int b, String name) {
        if ((f & bit(b)) != 0) {
            sb.append(sb.isEmpty() ? "" : " ").append(name);
        }
    }
}
