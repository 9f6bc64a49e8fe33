package dev.vgpio.vhostuser;

import dev.vgpio.virtio.FeatureNames;

/**
 * vhost-user protocol constants (QEMU's {@code docs/interop/vhost-user.rst}): the front end's message types, the
 * feature bit vhost-user adds to the virtio feature word, and the protocol features with their names. The layouts of
 * the messages are {@link Header} and the payload classes beside it.
 */
public final class VhostUser {
    /** The largest payload accepted; every message handled here is far smaller. */
    public static final int MAX_PAYLOAD = 4096;

    /** VHOST_USER_F_PROTOCOL_FEATURES, a bit of the virtio feature word. */
    public static final int F_PROTOCOL_FEATURES = 30;
    public static final int PROTOCOL_F_MQ = 0;
    public static final int PROTOCOL_F_REPLY_ACK = 3;
    public static final int PROTOCOL_F_CONFIG = 9;
    /** Names of the protocol feature bits this side knows. */
    public static final FeatureNames PROTOCOL_FEATURE_NAMES = FeatureNames.NONE
            .with(PROTOCOL_F_MQ, "VHOST_USER_PROTOCOL_F_MQ")
            .with(PROTOCOL_F_REPLY_ACK, "VHOST_USER_PROTOCOL_F_REPLY_ACK")
            .with(PROTOCOL_F_CONFIG, "VHOST_USER_PROTOCOL_F_CONFIG");

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

    /** A device's feature names, with vhost-user's own bit in the virtio feature word. */
    public static FeatureNames featureNames(FeatureNames device) {
        return device.with(F_PROTOCOL_FEATURES, "VHOST_USER_F_PROTOCOL_FEATURES");
    }
}
