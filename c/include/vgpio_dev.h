/*
 * vgpio_dev: the device side of the vgpio channel protocol (docs/channel.md) in portable C99.
 *
 * A virtio-gpio device (virtio 1.2+ section 5.18, plus vgpio's line-configuration extension,
 * docs/line-config.md) for a board reached over rpmsg, a serial line or a socket. The library keeps the
 * protocol state; the application owns the pins and the transport and plugs them in with callbacks.
 *
 * No malloc, no OS calls, no global state: everything lives in a caller-allocated struct vgpio_dev,
 * sized at compile time (VGPIO_DEV_MAX_LINES and friends, overridable with -D). Not reentrant: call
 * the library from one context (the main loop, or an ISR-deferred task), never from its callbacks.
 */
#ifndef VGPIO_DEV_H
#define VGPIO_DEV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- compile-time sizing */

/** Most lines a device may have (memory: 8 bytes per line). */
#ifndef VGPIO_DEV_MAX_LINES
#define VGPIO_DEV_MAX_LINES 64
#endif
/** queue_size[0] in DEVICE: requestq tags 0..N-1. Requests are answered at once, so this is only a bound. */
#ifndef VGPIO_DEV_REQUESTQ_SIZE
#define VGPIO_DEV_REQUESTQ_SIZE 32
#endif
/** 0 leaves out vgpio_dev_on_bytes and its 504-byte receive buffer (message transports only). */
#ifndef VGPIO_DEV_STREAM
#define VGPIO_DEV_STREAM 1
#endif

#if VGPIO_DEV_MAX_LINES < 1 || VGPIO_DEV_MAX_LINES > 65535
#error "VGPIO_DEV_MAX_LINES must be 1..65535"
#endif
#if VGPIO_DEV_REQUESTQ_SIZE < 1 || VGPIO_DEV_REQUESTQ_SIZE > 65535
#error "VGPIO_DEV_REQUESTQ_SIZE must be 1..65535"
#endif

/* ---- the channel (docs/channel.md) */

#define VGPIO_CH_VERSION 1
#define VGPIO_CH_FRAME_MAX 496 /* one rpmsg buffer's payload */
#define VGPIO_CH_HEADER 8
#define VGPIO_CH_BODY_MAX (VGPIO_CH_FRAME_MAX - VGPIO_CH_HEADER)
#define VGPIO_CH_ENVELOPE_HEAD 4 /* "VG", le16 length */
#define VGPIO_CH_ENVELOPE_TAIL 4 /* le32 CRC-32C */
#define VGPIO_CH_STREAM_MAX (VGPIO_CH_ENVELOPE_HEAD + VGPIO_CH_FRAME_MAX + VGPIO_CH_ENVELOPE_TAIL)
#define VGPIO_CH_TOKEN_MAX 64

/* frame types */
#define VGPIO_CH_HELLO 0x01
#define VGPIO_CH_DEVICE 0x02
#define VGPIO_CH_FEATURES 0x03
#define VGPIO_CH_FEATURES_OK 0x04
#define VGPIO_CH_REQUEST 0x05
#define VGPIO_CH_RESPONSE 0x06
#define VGPIO_CH_PING 0x07
#define VGPIO_CH_PONG 0x08
#define VGPIO_CH_ERROR 0x09

/* ERROR codes */
#define VGPIO_CH_E_VERSION 1
#define VGPIO_CH_E_MALFORMED 2
#define VGPIO_CH_E_SEQUENCE 3
#define VGPIO_CH_E_BUSY 4
#define VGPIO_CH_E_TAG 5
#define VGPIO_CH_E_TOO_LARGE 6
#define VGPIO_CH_E_DENIED 7
#define VGPIO_CH_E_FEATURES 8
#define VGPIO_CH_E_TIMEOUT 9
#define VGPIO_CH_E_SHUTDOWN 10
#define VGPIO_CH_E_INTERNAL 11

/* ---- virtio-gpio (virtio spec 5.18) and vgpio's line configuration */

#define VGPIO_DEVICE_ID 41
#define VGPIO_F_IRQ (UINT64_C(1) << 0)
#define VGPIO_F_LINE_CONFIG (UINT64_C(1) << 1)
#define VGPIO_F_VERSION_1 (UINT64_C(1) << 32)

#define VGPIO_MSG_GET_LINE_NAMES 0x0001
#define VGPIO_MSG_GET_DIRECTION 0x0002
#define VGPIO_MSG_SET_DIRECTION 0x0003
#define VGPIO_MSG_GET_VALUE 0x0004
#define VGPIO_MSG_SET_VALUE 0x0005
#define VGPIO_MSG_SET_IRQ_TYPE 0x0006
#define VGPIO_MSG_GET_LINE_CAPS 0x0007
#define VGPIO_MSG_SET_LINE_CONFIG 0x0008

#define VGPIO_STATUS_OK 0
#define VGPIO_STATUS_ERR 1

#define VGPIO_DIR_NONE 0
#define VGPIO_DIR_OUT 1
#define VGPIO_DIR_IN 2

#define VGPIO_IRQ_NONE 0x00
#define VGPIO_IRQ_EDGE_RISING 0x01
#define VGPIO_IRQ_EDGE_FALLING 0x02
#define VGPIO_IRQ_EDGE_BOTH 0x03
#define VGPIO_IRQ_LEVEL_HIGH 0x04
#define VGPIO_IRQ_LEVEL_LOW 0x08

#define VGPIO_IRQ_INVALID 0
#define VGPIO_IRQ_VALID 1

#define VGPIO_CAP_BIAS_DISABLED (1u << 0)
#define VGPIO_CAP_PULL_UP (1u << 1)
#define VGPIO_CAP_PULL_DOWN (1u << 2)
#define VGPIO_CAP_OPEN_DRAIN (1u << 3)
#define VGPIO_CAP_OPEN_SOURCE (1u << 4)
#define VGPIO_CAP_DEBOUNCE (1u << 5)
#define VGPIO_CAP_ALL 0x3fu

#define VGPIO_CONFIG_BIAS 0x01
#define VGPIO_CONFIG_DRIVE 0x02
#define VGPIO_CONFIG_DEBOUNCE 0x03
#define VGPIO_BIAS_AS_IS 0x00
#define VGPIO_BIAS_DISABLED 0x01
#define VGPIO_BIAS_PULL_UP 0x02
#define VGPIO_BIAS_PULL_DOWN 0x03
#define VGPIO_DRIVE_PUSH_PULL 0x00
#define VGPIO_DRIVE_OPEN_DRAIN 0x01
#define VGPIO_DRIVE_OPEN_SOURCE 0x02
#define VGPIO_DEBOUNCE_MAX_US 0xffffffu

/* ---- the API */

/** What the library's functions return: 0 for success, a negative code otherwise. */
enum vgpio_dev_result {
    VGPIO_DEV_OK = 0,
    VGPIO_DEV_ERR_ARG = -1,       /* a NULL pointer, or an argument out of range */
    VGPIO_DEV_ERR_LINES = -2,     /* ngpio is 0 or above VGPIO_DEV_MAX_LINES */
    VGPIO_DEV_ERR_OPS = -3,       /* a required callback is missing (or set_config, when a line has caps) */
    VGPIO_DEV_ERR_NAME = -4,      /* a name is not 7-bit ASCII, or the names block exceeds 65534 bytes */
    VGPIO_DEV_ERR_NAME_DUP = -5,  /* two lines have the same name */
    VGPIO_DEV_ERR_TOKEN = -6,     /* the token is longer than VGPIO_CH_TOKEN_MAX */
    VGPIO_DEV_ERR_SEND = -7,      /* the send callback failed: the channel is unusable */
    VGPIO_DEV_ERR_PROTOCOL = -8,  /* the driver broke the protocol: ERROR sent, the session ended */
    VGPIO_DEV_ERR_PEER = -9,      /* the driver sent ERROR: the session ended */
    VGPIO_DEV_ERR_FRAMING = -10,  /* socket framing: the byte stream is lost, MALFORMED sent; close the connection */
    VGPIO_DEV_ERR_CLOSED = -11    /* bytes after VGPIO_DEV_ERR_FRAMING, before vgpio_dev_disconnect */
};

/** How frames travel (docs/channel.md "On a byte stream" and "On a message transport"). */
enum vgpio_dev_framing {
    VGPIO_DEV_FRAMES = 0, /* one frame per message, no envelope: input with vgpio_dev_on_frame */
    VGPIO_DEV_SOCKET = 1, /* enveloped byte stream; a bad envelope is fatal (ERROR MALFORMED, then close) */
    VGPIO_DEV_SERIAL = 2  /* enveloped byte stream; a bad envelope ends the session and the decoder resyncs */
};

/** Where the session is. */
enum vgpio_dev_state {
    VGPIO_DEV_IDLE = 0,     /* no session: waiting for HELLO */
    VGPIO_DEV_HELLO = 1,    /* DEVICE sent: waiting for FEATURES */
    VGPIO_DEV_LIVE = 2      /* FEATURES_OK sent: requests are served */
};

/**
 * The application's side. Lines are 0..ngpio-1. Unless said otherwise a callback returns 0 on success and
 * a negative number on failure, which the driver sees as STATUS_ERR for its request.
 */
struct vgpio_dev_ops {
    /* required */
    /** Puts one frame (with its envelope in stream framing) on the channel, all of it or fail. */
    int (*send)(void *ctx, const uint8_t *data, size_t len);
    /** The level the line reads, 0 or 1: an input's sensed level, an output's level on the pin. */
    int (*get_level)(void *ctx, unsigned line);
    /** Makes the line an output driving value (VGPIO_DIR_OUT), an input, or released (value 0). */
    int (*set_direction)(void *ctx, unsigned line, unsigned dir, int value);
    /** Drives an output (called only for lines the driver made outputs). */
    int (*set_value)(void *ctx, unsigned line, int value);
    /* optional: NULL when the application has none */
    /** At init: the direction the line has now (VGPIO_DIR_*); an output's value is read with get_level. */
    int (*get_direction)(void *ctx, unsigned line);
    /** Arms the line's interrupt hardware for a VGPIO_IRQ_* type (NONE disarms). */
    int (*set_irq_type)(void *ctx, unsigned line, unsigned type);
    /** At init: the line's VGPIO_CAP_* bits (asked once; they must not change). */
    int (*get_caps)(void *ctx, unsigned line);
    /** Applies VGPIO_CONFIG_BIAS/DRIVE/DEBOUNCE with its argument; required if any line has caps. */
    int (*set_config)(void *ctx, unsigned line, unsigned param, uint32_t arg);
};

struct vgpio_dev_config {
    const struct vgpio_dev_ops *ops;
    void *ctx;                  /* passed to every callback */
    unsigned ngpio;             /* 1..VGPIO_DEV_MAX_LINES */
    const char *const *names;   /* ngpio names (NULL or "" for none), unique, 7-bit ASCII; or NULL. Kept by reference */
    int irq;                    /* nonzero: offer VIRTIO_GPIO_F_IRQ (the app calls vgpio_dev_line_changed) */
    enum vgpio_dev_framing framing;
    const uint8_t *token;       /* a HELLO must carry these bytes (else DENIED); NULL: none. Kept by reference */
    size_t token_len;
};

/* Per line; the fields are the library's. */
struct vgpio_dev_line {
    uint16_t held_tag; /* eventq tag of the held interrupt buffer (the line is unmasked), or 0xffff */
    uint8_t dir;       /* VGPIO_DIR_* as the driver set it */
    int8_t value;      /* the output value the driver set (kept while not an output), or -1 */
    uint8_t irq_type;  /* VGPIO_IRQ_*; NONE = disabled */
    uint8_t caps;      /* VGPIO_CAP_* asked at init */
    int8_t level;      /* the level last seen, to tell edges from repeats; -1 unknown */
    uint8_t flags;     /* latched edge, non-default settings */
};

/* The device; allocate it (statically, on the stack...) and treat the fields as private. */
struct vgpio_dev {
    const struct vgpio_dev_ops *ops;
    void *ctx;
    const char *const *names;
    const uint8_t *token;
    uint64_t offered;
    uint64_t negotiated;
    uint32_t names_size;
    uint16_t ngpio;
    uint16_t token_len;
    uint16_t last_error; /* the channel ERROR code last sent or received */
    uint8_t has_token;
    uint8_t framing;
    uint8_t state;
    uint8_t closed;      /* socket framing: input refused until vgpio_dev_disconnect */
    uint8_t send_failed; /* within one call: a send failed, say nothing more */
    uint8_t eventq_busy[(VGPIO_DEV_MAX_LINES + 7) / 8]; /* eventq tags in flight */
    struct vgpio_dev_line line[VGPIO_DEV_MAX_LINES];
#if VGPIO_DEV_STREAM
    uint16_t rx_len;
    uint8_t rx[VGPIO_CH_STREAM_MAX];
#endif
    uint8_t tx[VGPIO_CH_STREAM_MAX];
};

/**
 * Sets up dev from cfg: checks the configuration, asks each line's caps and (if get_direction is given)
 * its direction and output value. Sends nothing. Returns VGPIO_DEV_OK or why the device cannot be served.
 */
int vgpio_dev_init(struct vgpio_dev *dev, const struct vgpio_dev_config *cfg);

/** One frame from a message transport (no envelope). */
int vgpio_dev_on_frame(struct vgpio_dev *dev, const uint8_t *frame, size_t len);

#if VGPIO_DEV_STREAM
/** Bytes from a byte stream (socket or serial framing), any amount, split anywhere. */
int vgpio_dev_on_bytes(struct vgpio_dev *dev, const uint8_t *bytes, size_t n);
/** How many bytes of an unfinished envelope are buffered (an app may time out a frame left unfinished). */
size_t vgpio_dev_rx_pending(const struct vgpio_dev *dev);
#endif

/**
 * An input's level changed to level (0 or 1): applies the interrupt rules (edges fire or latch, levels
 * fire only while unmasked) and sends the eventq RESPONSE when one is due. A repeat of the level last
 * seen is no edge. Returns VGPIO_DEV_ERR_ARG for a line that does not exist.
 */
int vgpio_dev_line_changed(struct vgpio_dev *dev, unsigned line, int level);

/** Sends ERROR code (e.g. VGPIO_CH_E_TIMEOUT, VGPIO_CH_E_SHUTDOWN) with a message and ends the session. */
int vgpio_dev_send_error(struct vgpio_dev *dev, unsigned code, const char *message);

/**
 * The connection went away (or the app starts over on a new one): ends the session as a device reset
 * does (held interrupt buffers forgotten, interrupts disabled, line settings back to the defaults;
 * directions and output values kept) and clears the stream decoder.
 */
void vgpio_dev_disconnect(struct vgpio_dev *dev);

enum vgpio_dev_state vgpio_dev_state(const struct vgpio_dev *dev);
/** The features the driver accepted (0 until FEATURES_OK). */
uint64_t vgpio_dev_features(const struct vgpio_dev *dev);
/** The channel ERROR code last sent or received (VGPIO_CH_E_*), 0 if none. */
unsigned vgpio_dev_last_error(const struct vgpio_dev *dev);
/** A word for a vgpio_dev_result, e.g. "VGPIO_DEV_ERR_NAME_DUP: two lines have the same name". */
const char *vgpio_dev_error_name(int result);
/** The name of a channel ERROR code ("BUSY"), or "UNKNOWN". */
const char *vgpio_ch_error_name(unsigned code);

/**
 * Builds an ERROR frame into buf (with its envelope if envelope is nonzero), for a connection the device
 * will not serve (ERROR BUSY to a second driver). Returns its length, or 0 if cap is too small.
 */
size_t vgpio_ch_build_error(uint8_t *buf, size_t cap, unsigned code, const char *message, int envelope);

/** CRC-32C (Castagnoli) of data, continuing from crc (start with 0). */
uint32_t vgpio_crc32c(uint32_t crc, const uint8_t *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif
