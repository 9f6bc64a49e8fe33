/*
 * The device side of the vgpio channel (docs/channel.md): the session state machine, the requestq and
 * eventq semantics of virtio-gpio (as vgpio's GpioController has them) and the stream envelope.
 *
 * Every request is answered before the call that delivered it returns, so requestq tags are never in
 * flight between calls; eventq tags are, while their line is unmasked (one bit each in eventq_busy).
 * Frames are built in dev->tx, after room for the envelope's head, and handed to send() whole, so that
 * one frame is one message on a message transport.
 */
#include <string.h>

#include "vgpio_dev.h"

#define NO_TAG 0xffffu
#define FLAG_LATCHED 0x01u  /* an edge came while enabled and masked */
#define FLAG_SETTINGS 0x02u /* a SET_LINE_CONFIG was applied: the defaults go back on release and reset */
#define ANSWER_ERR 0x100    /* answer(): status in bit 8, value in bits 0-7 */
#define NAMES_MAX 65534u    /* the RESPONSE's le16 size carries 1 + gpio_names_size */
#define MSG_MAX (VGPIO_CH_BODY_MAX - 4)

/* ---- little-endian fields */

static unsigned rd16(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void wr16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v & 0xffu);
    p[1] = (uint8_t)((v >> 8) & 0xffu);
}

static void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, (unsigned)(v & 0xffffu));
    wr16(p + 2, (unsigned)(v >> 16));
}

static void wr64(uint8_t *p, uint64_t v)
{
    wr32(p, (uint32_t)(v & 0xffffffffu));
    wr32(p + 4, (uint32_t)(v >> 32));
}

/* ---- sending */

static uint8_t *tx_body(struct vgpio_dev *dev)
{
    return dev->tx + VGPIO_CH_ENVELOPE_HEAD + VGPIO_CH_HEADER;
}

/* Writes an envelope around the frame of len bytes at buf + 4; returns the envelope's length. */
static size_t envelope(uint8_t *buf, size_t len)
{
    buf[0] = 'V';
    buf[1] = 'G';
    wr16(buf + 2, (unsigned)len);
    wr32(buf + VGPIO_CH_ENVELOPE_HEAD + len, vgpio_crc32c(0, buf + VGPIO_CH_ENVELOPE_HEAD, len));
    return len + VGPIO_CH_ENVELOPE_HEAD + VGPIO_CH_ENVELOPE_TAIL;
}

/* Sends the frame whose body (body_len bytes) is in tx_body(); after one failure, nothing more this call. */
static void emit(struct vgpio_dev *dev, unsigned type, unsigned queue, unsigned tag, unsigned size,
                 unsigned offset, size_t body_len)
{
    uint8_t *f = dev->tx + VGPIO_CH_ENVELOPE_HEAD;
    size_t len = VGPIO_CH_HEADER + body_len;
    int rc;

    f[0] = (uint8_t)type;
    f[1] = (uint8_t)queue;
    wr16(f + 2, tag);
    wr16(f + 4, size);
    wr16(f + 6, offset);
    if (dev->send_failed) {
        return;
    }
    if (dev->framing == VGPIO_DEV_FRAMES) {
        rc = dev->ops->send(dev->ctx, f, len);
    } else {
        rc = dev->ops->send(dev->ctx, dev->tx, envelope(dev->tx, len));
    }
    if (rc < 0) {
        dev->send_failed = 1;
    }
}

/* The ERROR frame at f (room for VGPIO_CH_FRAME_MAX bytes); returns its length. */
static size_t error_frame(uint8_t *f, unsigned code, const char *message)
{
    size_t n = message ? strlen(message) : 0;
    if (n > MSG_MAX) {
        n = MSG_MAX;
    }
    memset(f, 0, VGPIO_CH_HEADER + 4);
    f[0] = VGPIO_CH_ERROR;
    wr16(f + VGPIO_CH_HEADER, code);
    if (n > 0) {
        memcpy(f + VGPIO_CH_HEADER + 4, message, n);
    }
    return VGPIO_CH_HEADER + 4 + n;
}

static void send_error(struct vgpio_dev *dev, unsigned code, const char *message)
{
    size_t len = error_frame(dev->tx + VGPIO_CH_ENVELOPE_HEAD, code, message);
    emit(dev, VGPIO_CH_ERROR, 0, 0, 0, 0, len - VGPIO_CH_HEADER);
    dev->last_error = (uint16_t)code;
}

/* ---- session */

static void reset_settings(struct vgpio_dev *dev, unsigned gpio)
{
    /* failures are ignored: there is nobody left to tell, and the next driver can set them again */
    (void)dev->ops->set_config(dev->ctx, gpio, VGPIO_CONFIG_BIAS, VGPIO_BIAS_AS_IS);
    (void)dev->ops->set_config(dev->ctx, gpio, VGPIO_CONFIG_DRIVE, VGPIO_DRIVE_PUSH_PULL);
    (void)dev->ops->set_config(dev->ctx, gpio, VGPIO_CONFIG_DEBOUNCE, 0);
    dev->line[gpio].flags = (uint8_t)(dev->line[gpio].flags & ~FLAG_SETTINGS);
}

/*
 * A device reset for the driver that goes: held interrupt buffers are forgotten (not returned: nobody
 * waits for them), interrupts disabled, settings back to the defaults. Directions and values stay.
 */
static void end_session(struct vgpio_dev *dev)
{
    unsigned i;
    if (dev->state == VGPIO_DEV_IDLE) {
        return; /* nothing can be enabled, held or set outside a session */
    }
    for (i = 0; i < dev->ngpio; i++) {
        struct vgpio_dev_line *l = &dev->line[i];
        l->held_tag = NO_TAG;
        l->flags = (uint8_t)(l->flags & ~FLAG_LATCHED);
        if (l->irq_type != VGPIO_IRQ_NONE) {
            l->irq_type = VGPIO_IRQ_NONE;
            if (dev->ops->set_irq_type) {
                (void)dev->ops->set_irq_type(dev->ctx, i, VGPIO_IRQ_NONE);
            }
        }
        if (l->flags & FLAG_SETTINGS) {
            reset_settings(dev, i);
        }
    }
    memset(dev->eventq_busy, 0, sizeof dev->eventq_busy);
    dev->negotiated = 0;
    dev->state = VGPIO_DEV_IDLE;
}

/* The driver broke the protocol: ERROR, and the session ends. */
static int protocol_error(struct vgpio_dev *dev, unsigned code, const char *message)
{
    send_error(dev, code, message);
    end_session(dev);
    if (dev->framing == VGPIO_DEV_SOCKET) {
        dev->closed = 1; /* on a socket the connection is the session: the app closes it */
    }
    return VGPIO_DEV_ERR_PROTOCOL;
}

/* ---- the eventq */

static void set_busy(struct vgpio_dev *dev, unsigned tag, int busy)
{
    uint8_t bit = (uint8_t)(1u << (tag & 7u));
    if (busy) {
        dev->eventq_busy[tag >> 3] = (uint8_t)(dev->eventq_busy[tag >> 3] | bit);
    } else {
        dev->eventq_busy[tag >> 3] = (uint8_t)(dev->eventq_busy[tag >> 3] & ~bit);
    }
}

static int is_busy(const struct vgpio_dev *dev, unsigned tag)
{
    return (dev->eventq_busy[tag >> 3] >> (tag & 7u)) & 1;
}

/* Returns the line's held interrupt buffer, if it has one, with status (masking the line again). */
static void complete(struct vgpio_dev *dev, unsigned gpio, unsigned status)
{
    struct vgpio_dev_line *l = &dev->line[gpio];
    unsigned tag = l->held_tag;
    if (tag == NO_TAG) {
        return;
    }
    l->held_tag = NO_TAG;
    set_busy(dev, tag, 0);
    tx_body(dev)[0] = (uint8_t)status;
    emit(dev, VGPIO_CH_RESPONSE, 1, tag, 1, 0, 1);
}

static int is_level_type(unsigned type)
{
    return type == VGPIO_IRQ_LEVEL_HIGH || type == VGPIO_IRQ_LEVEL_LOW;
}

static int level_fires(unsigned type, int level)
{
    return type == VGPIO_IRQ_LEVEL_HIGH ? level == 1 : level == 0;
}

/* Whether a level interrupt is active now (the level is read, not remembered: it is never latched). */
static int level_active(struct vgpio_dev *dev, unsigned gpio)
{
    struct vgpio_dev_line *l = &dev->line[gpio];
    int v;
    if (!is_level_type(l->irq_type)) {
        return 0;
    }
    v = dev->ops->get_level(dev->ctx, gpio);
    if (v < 0) {
        return 0;
    }
    l->level = (int8_t)(v != 0);
    return level_fires(l->irq_type, l->level);
}

static void disable_irq(struct vgpio_dev *dev, unsigned gpio)
{
    struct vgpio_dev_line *l = &dev->line[gpio];
    l->flags = (uint8_t)(l->flags & ~FLAG_LATCHED);
    if (l->irq_type != VGPIO_IRQ_NONE) {
        l->irq_type = VGPIO_IRQ_NONE;
        if (dev->ops->set_irq_type) {
            (void)dev->ops->set_irq_type(dev->ctx, gpio, VGPIO_IRQ_NONE);
        }
    }
    complete(dev, gpio, VGPIO_IRQ_INVALID);
}

/* An interrupt buffer pair: unmasks its line, or comes back INVALID at once. */
static void eventq_request(struct vgpio_dev *dev, unsigned tag, unsigned size, const uint8_t *body, size_t blen)
{
    struct vgpio_dev_line *l;
    unsigned gpio;
    if (blen != 2 || size != 1) {
        tx_body(dev)[0] = VGPIO_IRQ_INVALID; /* as a virtqueue device: cut to the room given */
        emit(dev, VGPIO_CH_RESPONSE, 1, tag, size, 0, size);
        return;
    }
    gpio = rd16(body);
    l = gpio < dev->ngpio ? &dev->line[gpio] : NULL;
    if (l == NULL || l->held_tag != NO_TAG || l->irq_type == VGPIO_IRQ_NONE) {
        tx_body(dev)[0] = VGPIO_IRQ_INVALID;
        emit(dev, VGPIO_CH_RESPONSE, 1, tag, 1, 0, 1);
        return;
    }
    l->held_tag = (uint16_t)tag;
    set_busy(dev, tag, 1);
    if ((l->flags & FLAG_LATCHED) || level_active(dev, gpio)) {
        l->flags = (uint8_t)(l->flags & ~FLAG_LATCHED);
        complete(dev, gpio, VGPIO_IRQ_VALID);
    }
}

/* ---- the requestq */

static int set_direction(struct vgpio_dev *dev, unsigned gpio, uint32_t code)
{
    struct vgpio_dev_line *l = &dev->line[gpio];
    switch (code) {
    case VGPIO_DIR_NONE:
        disable_irq(dev, gpio);
        if (dev->ops->set_direction(dev->ctx, gpio, VGPIO_DIR_NONE, 0) < 0) {
            return ANSWER_ERR;
        }
        if (l->flags & FLAG_SETTINGS) {
            reset_settings(dev, gpio); /* NONE discards the line's settings with the rest of its state */
        }
        l->value = -1;
        break;
    case VGPIO_DIR_OUT: {
        int initial = l->value < 0 ? 0 : l->value; /* a SET_VALUE before the direction gives it */
        if (l->irq_type != VGPIO_IRQ_NONE) {
            return ANSWER_ERR;
        }
        if (dev->ops->set_direction(dev->ctx, gpio, VGPIO_DIR_OUT, initial) < 0) {
            return ANSWER_ERR;
        }
        l->value = (int8_t)initial;
        break;
    }
    case VGPIO_DIR_IN:
        if (dev->ops->set_direction(dev->ctx, gpio, VGPIO_DIR_IN, 0) < 0) {
            return ANSWER_ERR;
        }
        break;
    default:
        return ANSWER_ERR;
    }
    l->dir = (uint8_t)code;
    return 0;
}

static int set_value(struct vgpio_dev *dev, unsigned gpio, uint32_t v)
{
    struct vgpio_dev_line *l = &dev->line[gpio];
    if (v > 1) {
        return ANSWER_ERR;
    }
    if (l->dir == VGPIO_DIR_OUT && dev->ops->set_value(dev->ctx, gpio, (int)v) < 0) {
        return ANSWER_ERR;
    }
    l->value = (int8_t)v; /* kept for a later SET_DIRECTION(OUT) if not an output yet */
    return 0;
}

static int set_irq_type(struct vgpio_dev *dev, unsigned gpio, uint32_t type)
{
    struct vgpio_dev_line *l = &dev->line[gpio];
    int v;
    if (!(dev->negotiated & VGPIO_F_IRQ)) {
        return ANSWER_ERR;
    }
    if (type > VGPIO_IRQ_LEVEL_LOW || (type > VGPIO_IRQ_LEVEL_HIGH && type < VGPIO_IRQ_LEVEL_LOW)) {
        return ANSWER_ERR;
    }
    if (type == VGPIO_IRQ_NONE) {
        disable_irq(dev, gpio);
        return 0;
    }
    if (l->dir == VGPIO_DIR_OUT) {
        return ANSWER_ERR;
    }
    if (l->irq_type == type) {
        return 0;
    }
    if (l->irq_type != VGPIO_IRQ_NONE) {
        return ANSWER_ERR; /* a change of trigger goes through NONE */
    }
    if (l->dir == VGPIO_DIR_NONE) {
        if (dev->ops->set_direction(dev->ctx, gpio, VGPIO_DIR_IN, 0) < 0) {
            return ANSWER_ERR;
        }
        l->dir = VGPIO_DIR_IN;
    }
    if (dev->ops->set_irq_type && dev->ops->set_irq_type(dev->ctx, gpio, type) < 0) {
        return ANSWER_ERR;
    }
    v = dev->ops->get_level(dev->ctx, gpio);
    l->level = (int8_t)(v < 0 ? -1 : v != 0); /* edges count from the level the line has now */
    l->irq_type = (uint8_t)type;
    l->flags = (uint8_t)(l->flags & ~FLAG_LATCHED);
    return 0;
}

/* The capability bit a setting needs (0: every line takes it), or -1 if the setting does not exist. */
static int setting_cap(unsigned param, uint32_t arg)
{
    static const uint8_t bias_caps[4] = {0, VGPIO_CAP_BIAS_DISABLED, VGPIO_CAP_PULL_UP, VGPIO_CAP_PULL_DOWN};
    static const uint8_t drive_caps[3] = {0, VGPIO_CAP_OPEN_DRAIN, VGPIO_CAP_OPEN_SOURCE};
    switch (param) {
    case VGPIO_CONFIG_BIAS:
        return arg < 4 ? bias_caps[arg] : -1;
    case VGPIO_CONFIG_DRIVE:
        return arg < 3 ? drive_caps[arg] : -1;
    case VGPIO_CONFIG_DEBOUNCE:
        return arg == 0 ? 0 : VGPIO_CAP_DEBOUNCE;
    default:
        return -1;
    }
}

static int set_line_config(struct vgpio_dev *dev, unsigned gpio, uint32_t value)
{
    struct vgpio_dev_line *l = &dev->line[gpio];
    unsigned param = (unsigned)(value & 0xffu);
    uint32_t arg = value >> 8;
    int cap;
    if (!(dev->negotiated & VGPIO_F_LINE_CONFIG)) {
        return ANSWER_ERR;
    }
    cap = setting_cap(param, arg);
    if (cap < 0 || (l->caps & (unsigned)cap) != (unsigned)cap) {
        return ANSWER_ERR;
    }
    if (dev->ops->set_config(dev->ctx, gpio, param, arg) < 0) {
        return ANSWER_ERR;
    }
    l->flags = (uint8_t)(l->flags | FLAG_SETTINGS);
    return 0;
}

/* One requestq message: status and value (ANSWER_ERR set for STATUS_ERR). */
static int answer(struct vgpio_dev *dev, unsigned type, unsigned gpio, uint32_t value)
{
    int v;
    if (type == VGPIO_MSG_GET_LINE_NAMES) {
        return dev->names_size > 0 ? 0 : ANSWER_ERR;
    }
    if (gpio >= dev->ngpio) {
        return ANSWER_ERR;
    }
    switch (type) {
    case VGPIO_MSG_GET_DIRECTION:
        return dev->line[gpio].dir;
    case VGPIO_MSG_SET_DIRECTION:
        return set_direction(dev, gpio, value);
    case VGPIO_MSG_GET_VALUE:
        v = dev->ops->get_level(dev->ctx, gpio);
        return v < 0 ? ANSWER_ERR : v != 0;
    case VGPIO_MSG_SET_VALUE:
        return set_value(dev, gpio, value);
    case VGPIO_MSG_SET_IRQ_TYPE:
        return set_irq_type(dev, gpio, value);
    case VGPIO_MSG_GET_LINE_CAPS:
        return (dev->negotiated & VGPIO_F_LINE_CONFIG) ? dev->line[gpio].caps : ANSWER_ERR;
    case VGPIO_MSG_SET_LINE_CONFIG:
        return set_line_config(dev, gpio, value);
    default:
        return ANSWER_ERR;
    }
}

/* A 2-byte response cut to the size the driver gave, as a virtqueue device writes what fits. */
static void respond(struct vgpio_dev *dev, unsigned tag, unsigned size, int a)
{
    unsigned n = size < 2 ? size : 2;
    uint8_t *b = tx_body(dev);
    b[0] = (a & ANSWER_ERR) ? VGPIO_STATUS_ERR : VGPIO_STATUS_OK;
    b[1] = (a & ANSWER_ERR) ? 0 : (uint8_t)(a & 0xff);
    emit(dev, VGPIO_CH_RESPONSE, 0, tag, n, 0, n);
}

/* The status byte and the names block, generated from the app's table in pieces of at most 488 bytes. */
static void send_names(struct vgpio_dev *dev, unsigned tag)
{
    uint8_t *b = tx_body(dev);
    unsigned total = 1 + (unsigned)dev->names_size;
    unsigned offset = 0;
    size_t fill = 0;
    unsigned i;
    b[fill++] = VGPIO_STATUS_OK;
    for (i = 0; i < dev->ngpio; i++) {
        const char *s = dev->names[i] ? dev->names[i] : "";
        do {
            b[fill++] = (uint8_t)*s;
            if (fill == VGPIO_CH_BODY_MAX) {
                emit(dev, VGPIO_CH_RESPONSE, 0, tag, total, offset, fill);
                offset += VGPIO_CH_BODY_MAX;
                fill = 0;
            }
        } while (*s++ != '\0');
    }
    if (fill > 0) {
        emit(dev, VGPIO_CH_RESPONSE, 0, tag, total, offset, fill);
    }
}

static void requestq_request(struct vgpio_dev *dev, unsigned tag, unsigned size, const uint8_t *body, size_t blen)
{
    unsigned type, gpio, expected;
    if (blen != 8) {
        respond(dev, tag, size, ANSWER_ERR);
        return;
    }
    type = rd16(body);
    gpio = rd16(body + 2);
    expected = type == VGPIO_MSG_GET_LINE_NAMES ? 1 + (unsigned)dev->names_size : 2;
    if (size != expected) {
        respond(dev, tag, size, ANSWER_ERR); /* the answer to a buffer of that size */
    } else if (type == VGPIO_MSG_GET_LINE_NAMES && dev->names_size > 0) {
        send_names(dev, tag);
    } else {
        respond(dev, tag, size, answer(dev, type, gpio, rd32(body + 4)));
    }
}

/* ---- frames */

static int on_hello(struct vgpio_dev *dev, const uint8_t *b, size_t blen)
{
    unsigned min_v, max_v, token_len, diff = 0, i;
    uint8_t *d = tx_body(dev);
    if (blen < 6) {
        return protocol_error(dev, VGPIO_CH_E_MALFORMED, "HELLO shorter than 6 bytes of body");
    }
    min_v = rd16(b);
    max_v = rd16(b + 2);
    token_len = rd16(b + 4);
    if (token_len > VGPIO_CH_TOKEN_MAX) {
        return protocol_error(dev, VGPIO_CH_E_MALFORMED, "HELLO token longer than 64 bytes");
    }
    if (6 + (size_t)token_len > blen) {
        return protocol_error(dev, VGPIO_CH_E_MALFORMED, "HELLO token runs past the frame");
    }
    end_session(dev); /* a new HELLO begins a new session at once */
    if (min_v > VGPIO_CH_VERSION || max_v < VGPIO_CH_VERSION) {
        return protocol_error(dev, VGPIO_CH_E_VERSION, "this device speaks version 1 only");
    }
    if (dev->has_token) {
        /* compared in full whatever differs, so that timing tells nothing about the token */
        diff = token_len ^ dev->token_len;
        for (i = 0; i < dev->token_len; i++) {
            diff |= (unsigned)(dev->token[i] ^ (i < token_len ? b[6 + i] : 0u));
        }
        if (diff != 0) {
            return protocol_error(dev, VGPIO_CH_E_DENIED, "this device needs another token");
        }
    }
    wr16(d, VGPIO_CH_VERSION);
    wr16(d + 2, VGPIO_DEVICE_ID);
    wr32(d + 4, 0);
    wr64(d + 8, dev->offered);
    d[16] = 2; /* queue_count */
    d[17] = 0;
    wr16(d + 18, 8); /* config_size */
    wr16(d + 20, VGPIO_DEV_REQUESTQ_SIZE);
    wr16(d + 22, dev->ngpio); /* eventq: one buffer pair per line */
    wr16(d + 24, dev->ngpio); /* virtio_gpio_config: ngpio, padding, gpio_names_size */
    wr16(d + 26, 0);
    wr32(d + 28, dev->names_size);
    emit(dev, VGPIO_CH_DEVICE, 0, 0, 0, 0, 32);
    dev->state = VGPIO_DEV_HELLO;
    return VGPIO_DEV_OK;
}

static int on_features(struct vgpio_dev *dev, const uint8_t *b, size_t blen)
{
    uint64_t f;
    if (blen != 8) {
        return protocol_error(dev, VGPIO_CH_E_MALFORMED, "FEATURES without 8 bytes of body");
    }
    if (dev->state != VGPIO_DEV_HELLO) {
        return protocol_error(dev, VGPIO_CH_E_SEQUENCE,
                              dev->state == VGPIO_DEV_IDLE ? "FEATURES before DEVICE" : "FEATURES twice");
    }
    f = rd64(b);
    if ((f & ~dev->offered) != 0 || !(f & VGPIO_F_VERSION_1)) {
        return protocol_error(dev, VGPIO_CH_E_FEATURES, "features not offered, or without VERSION_1");
    }
    dev->negotiated = f;
    dev->state = VGPIO_DEV_LIVE;
    wr64(tx_body(dev), f);
    emit(dev, VGPIO_CH_FEATURES_OK, 0, 0, 0, 0, 8);
    return VGPIO_DEV_OK;
}

static int on_request(struct vgpio_dev *dev, const uint8_t *f, size_t blen)
{
    unsigned queue = f[1], tag = rd16(f + 2), size = rd16(f + 4);
    const uint8_t *body = f + VGPIO_CH_HEADER;
    if (dev->state != VGPIO_DEV_LIVE) {
        return protocol_error(dev, VGPIO_CH_E_SEQUENCE, "REQUEST before FEATURES_OK");
    }
    if (queue == 0) {
        unsigned largest = dev->names_size + 1 > 2 ? (unsigned)dev->names_size + 1 : 2;
        if (tag >= VGPIO_DEV_REQUESTQ_SIZE) {
            return protocol_error(dev, VGPIO_CH_E_TAG, "requestq tag at or above the queue's size");
        }
        if (blen > 8 || size > largest) {
            return protocol_error(dev, VGPIO_CH_E_TOO_LARGE, "requestq request or size too large");
        }
        requestq_request(dev, tag, size, body, blen);
        return VGPIO_DEV_OK;
    }
    if (queue == 1 && (dev->negotiated & VGPIO_F_IRQ)) {
        if (tag >= dev->ngpio || is_busy(dev, tag)) {
            return protocol_error(dev, VGPIO_CH_E_TAG, "eventq tag out of range or in flight");
        }
        if (blen > 2 || size > 1) {
            return protocol_error(dev, VGPIO_CH_E_TOO_LARGE, "eventq request or size too large");
        }
        eventq_request(dev, tag, size, body, blen);
        return VGPIO_DEV_OK;
    }
    return protocol_error(dev, VGPIO_CH_E_TAG, "no such queue");
}

static int handle_frame(struct vgpio_dev *dev, const uint8_t *f, size_t len)
{
    const uint8_t *body = f + VGPIO_CH_HEADER;
    size_t blen;
    if (len < VGPIO_CH_HEADER || len > VGPIO_CH_FRAME_MAX) {
        return protocol_error(dev, VGPIO_CH_E_MALFORMED, "frame length not 8 to 496");
    }
    blen = len - VGPIO_CH_HEADER;
    switch (f[0]) {
    case VGPIO_CH_HELLO:
        return on_hello(dev, body, blen);
    case VGPIO_CH_FEATURES:
        return on_features(dev, body, blen);
    case VGPIO_CH_REQUEST:
        return on_request(dev, f, blen);
    case VGPIO_CH_PING:
    case VGPIO_CH_PONG:
        if (blen != 8) {
            return protocol_error(dev, VGPIO_CH_E_MALFORMED, "PING or PONG without 8 bytes of body");
        }
        if (dev->state == VGPIO_DEV_IDLE) {
            return protocol_error(dev, VGPIO_CH_E_SEQUENCE, "no session: HELLO first");
        }
        if (f[0] == VGPIO_CH_PING) {
            memcpy(tx_body(dev), body, 8);
            emit(dev, VGPIO_CH_PONG, 0, 0, 0, 0, 8);
        }
        return VGPIO_DEV_OK; /* the device never pings (it has no timers): a PONG is simply dropped */
    case VGPIO_CH_ERROR:
        /* never answered: two sides answering errors with errors would never stop */
        dev->last_error = (uint16_t)(blen >= 2 ? rd16(body) : 0);
        end_session(dev);
        if (dev->framing == VGPIO_DEV_SOCKET) {
            dev->closed = 1;
        }
        return VGPIO_DEV_ERR_PEER;
    case VGPIO_CH_DEVICE:
    case VGPIO_CH_FEATURES_OK:
    case VGPIO_CH_RESPONSE:
        return protocol_error(dev, VGPIO_CH_E_SEQUENCE, "a device's frame from the driver");
    default:
        return protocol_error(dev, VGPIO_CH_E_MALFORMED, "unknown frame type");
    }
}

/* ---- the envelope on a byte stream */

#if VGPIO_DEV_STREAM
static void rx_drop(struct vgpio_dev *dev, size_t n)
{
    memmove(dev->rx, dev->rx + n, dev->rx_len - n);
    dev->rx_len = (uint16_t)(dev->rx_len - n);
}

/* 0: more bytes needed; -1: not an envelope; else the length of the checked envelope at rx. */
static long rx_check(const struct vgpio_dev *dev)
{
    unsigned len;
    size_t total;
    if (dev->rx_len >= 1 && dev->rx[0] != 'V') {
        return -1;
    }
    if (dev->rx_len >= 2 && dev->rx[1] != 'G') {
        return -1;
    }
    if (dev->rx_len < VGPIO_CH_ENVELOPE_HEAD) {
        return 0;
    }
    len = rd16(dev->rx + 2);
    if (len < VGPIO_CH_HEADER || len > VGPIO_CH_FRAME_MAX) {
        return -1;
    }
    total = VGPIO_CH_ENVELOPE_HEAD + len + VGPIO_CH_ENVELOPE_TAIL;
    if (dev->rx_len < total) {
        return 0;
    }
    if (rd32(dev->rx + VGPIO_CH_ENVELOPE_HEAD + len) != vgpio_crc32c(0, dev->rx + VGPIO_CH_ENVELOPE_HEAD, len)) {
        return -1;
    }
    return (long)total;
}

/* Worse results win: a broken channel over lost framing over a session the driver ended or broke. */
static int merge(int a, int b)
{
    int ra = a == VGPIO_DEV_ERR_SEND ? 3 : a == VGPIO_DEV_ERR_FRAMING ? 2 : a != VGPIO_DEV_OK;
    int rb = b == VGPIO_DEV_ERR_SEND ? 3 : b == VGPIO_DEV_ERR_FRAMING ? 2 : b != VGPIO_DEV_OK;
    return rb > ra ? b : a;
}

/* Takes every whole envelope out of rx; keeps the start of an unfinished one. */
static int rx_scan(struct vgpio_dev *dev)
{
    int result = VGPIO_DEV_OK;
    while (dev->rx_len > 0) {
        long total = rx_check(dev);
        if (total == 0) {
            break;
        }
        if (total > 0) {
            unsigned len = rd16(dev->rx + 2);
            result = merge(result, handle_frame(dev, dev->rx + VGPIO_CH_ENVELOPE_HEAD, len));
            rx_drop(dev, (size_t)total);
            if (dev->closed) {
                dev->rx_len = 0;
                break;
            }
            continue;
        }
        if (dev->framing == VGPIO_DEV_SOCKET) {
            dev->rx_len = 0;
            (void)protocol_error(dev, VGPIO_CH_E_MALFORMED, "lost the framing: bad magic, length or CRC");
            return merge(result, VGPIO_DEV_ERR_FRAMING);
        }
        /*
         * Serial: a live session ends, and the driver is told at once (a frame of its may be lost); then
         * the decoder looks for the next "VG" after the one that failed, among the bytes it already has,
         * so that a frame that began inside the bad one is found.
         */
        if (dev->state != VGPIO_DEV_IDLE) {
            (void)protocol_error(dev, VGPIO_CH_E_MALFORMED, "lost the framing: bad magic, length or CRC");
        }
        rx_drop(dev, 1);
        while (dev->rx_len > 0 && dev->rx[0] != 'V') {
            size_t i = 1;
            while (i < dev->rx_len && dev->rx[i] != 'V') {
                i++;
            }
            rx_drop(dev, i);
        }
    }
    return result;
}

int vgpio_dev_on_bytes(struct vgpio_dev *dev, const uint8_t *bytes, size_t n)
{
    int result = VGPIO_DEV_OK;
    if (dev == NULL || dev->ops == NULL || (bytes == NULL && n > 0) || dev->framing == VGPIO_DEV_FRAMES) {
        return VGPIO_DEV_ERR_ARG;
    }
    if (dev->closed) {
        return VGPIO_DEV_ERR_CLOSED;
    }
    dev->send_failed = 0;
    while (n > 0 && !dev->closed) {
        size_t take = sizeof dev->rx - dev->rx_len;
        if (take > n) {
            take = n;
        }
        memcpy(dev->rx + dev->rx_len, bytes, take);
        dev->rx_len = (uint16_t)(dev->rx_len + take);
        bytes += take;
        n -= take;
        result = merge(result, rx_scan(dev));
    }
    return dev->send_failed ? VGPIO_DEV_ERR_SEND : result;
}

size_t vgpio_dev_rx_pending(const struct vgpio_dev *dev)
{
    return dev ? dev->rx_len : 0;
}
#endif

/* ---- the API */

int vgpio_dev_on_frame(struct vgpio_dev *dev, const uint8_t *frame, size_t len)
{
    int r;
    if (dev == NULL || dev->ops == NULL || (frame == NULL && len > 0)) {
        return VGPIO_DEV_ERR_ARG;
    }
    if (dev->closed) {
        return VGPIO_DEV_ERR_CLOSED;
    }
    dev->send_failed = 0;
    r = handle_frame(dev, frame, len);
    return dev->send_failed ? VGPIO_DEV_ERR_SEND : r;
}

int vgpio_dev_line_changed(struct vgpio_dev *dev, unsigned line, int level)
{
    struct vgpio_dev_line *l;
    int8_t now = (int8_t)(level != 0);
    int8_t before;
    if (dev == NULL || dev->ops == NULL || line >= dev->ngpio) {
        return VGPIO_DEV_ERR_ARG;
    }
    l = &dev->line[line];
    before = l->level;
    l->level = now;
    if (before == now || l->irq_type == VGPIO_IRQ_NONE || l->dir != VGPIO_DIR_IN) {
        return VGPIO_DEV_OK; /* no edge, or nobody asked for one */
    }
    dev->send_failed = 0;
    if (is_level_type(l->irq_type)) {
        if (level_fires(l->irq_type, now)) {
            complete(dev, line, VGPIO_IRQ_VALID); /* only while unmasked: a level is never latched */
        }
    } else if (l->irq_type & (now ? VGPIO_IRQ_EDGE_RISING : VGPIO_IRQ_EDGE_FALLING)) {
        if (l->held_tag == NO_TAG) {
            l->flags = (uint8_t)(l->flags | FLAG_LATCHED);
        } else {
            complete(dev, line, VGPIO_IRQ_VALID);
        }
    }
    return dev->send_failed ? VGPIO_DEV_ERR_SEND : VGPIO_DEV_OK;
}

int vgpio_dev_send_error(struct vgpio_dev *dev, unsigned code, const char *message)
{
    if (dev == NULL || dev->ops == NULL || code == 0 || code > 0xffffu) {
        return VGPIO_DEV_ERR_ARG;
    }
    dev->send_failed = 0;
    send_error(dev, code, message);
    end_session(dev);
    if (dev->framing == VGPIO_DEV_SOCKET) {
        dev->closed = 1;
    }
    return dev->send_failed ? VGPIO_DEV_ERR_SEND : VGPIO_DEV_OK;
}

void vgpio_dev_disconnect(struct vgpio_dev *dev)
{
    if (dev == NULL || dev->ops == NULL) {
        return;
    }
    end_session(dev);
    dev->closed = 0;
#if VGPIO_DEV_STREAM
    dev->rx_len = 0;
#endif
}

enum vgpio_dev_state vgpio_dev_state(const struct vgpio_dev *dev)
{
    return dev ? (enum vgpio_dev_state)dev->state : VGPIO_DEV_IDLE;
}

uint64_t vgpio_dev_features(const struct vgpio_dev *dev)
{
    return dev ? dev->negotiated : 0;
}

unsigned vgpio_dev_last_error(const struct vgpio_dev *dev)
{
    return dev ? dev->last_error : 0;
}

/* Checks the names (7-bit ASCII, unique, block small enough) and returns the block's size in *size. */
static int check_names(const char *const *names, unsigned ngpio, uint32_t *size)
{
    unsigned i, j;
    uint32_t total = 0;
    int any = 0;
    *size = 0;
    if (names == NULL) {
        return VGPIO_DEV_OK;
    }
    for (i = 0; i < ngpio; i++) {
        const char *s = names[i] ? names[i] : "";
        size_t n = 0;
        for (; s[n] != '\0'; n++) {
            if ((unsigned char)s[n] > 0x7f || n >= NAMES_MAX) {
                return VGPIO_DEV_ERR_NAME;
            }
        }
        total += (uint32_t)n + 1;
        if (total > NAMES_MAX) {
            return VGPIO_DEV_ERR_NAME;
        }
        any |= n > 0;
        for (j = 0; n > 0 && j < i; j++) {
            if (names[j] && strcmp(names[j], s) == 0) {
                return VGPIO_DEV_ERR_NAME_DUP;
            }
        }
    }
    *size = any ? total : 0; /* all unnamed: no names block at all */
    return VGPIO_DEV_OK;
}

int vgpio_dev_init(struct vgpio_dev *dev, const struct vgpio_dev_config *cfg)
{
    const struct vgpio_dev_ops *ops;
    uint32_t names_size;
    int any_caps = 0, rc;
    unsigned i;
    if (dev == NULL || cfg == NULL || cfg->ops == NULL) {
        return VGPIO_DEV_ERR_ARG;
    }
    ops = cfg->ops;
    if (!ops->send || !ops->get_level || !ops->set_direction || !ops->set_value) {
        return VGPIO_DEV_ERR_OPS;
    }
    if (cfg->ngpio < 1 || cfg->ngpio > VGPIO_DEV_MAX_LINES) {
        return VGPIO_DEV_ERR_LINES;
    }
    if (cfg->framing != VGPIO_DEV_FRAMES && (!VGPIO_DEV_STREAM || (cfg->framing != VGPIO_DEV_SOCKET
                                                                  && cfg->framing != VGPIO_DEV_SERIAL))) {
        return VGPIO_DEV_ERR_ARG;
    }
    if (cfg->token_len > VGPIO_CH_TOKEN_MAX) {
        return VGPIO_DEV_ERR_TOKEN;
    }
    if (cfg->token == NULL && cfg->token_len > 0) {
        return VGPIO_DEV_ERR_ARG;
    }
    rc = check_names(cfg->names, cfg->ngpio, &names_size);
    if (rc != VGPIO_DEV_OK) {
        return rc;
    }
    memset(dev, 0, sizeof *dev);
    dev->ctx = cfg->ctx;
    dev->ngpio = (uint16_t)cfg->ngpio;
    dev->names = names_size > 0 ? cfg->names : NULL;
    dev->names_size = names_size;
    dev->token = cfg->token;
    dev->token_len = (uint16_t)cfg->token_len;
    dev->has_token = cfg->token != NULL;
    dev->framing = (uint8_t)cfg->framing;
    for (i = 0; i < dev->ngpio; i++) {
        struct vgpio_dev_line *l = &dev->line[i];
        int c = ops->get_caps ? ops->get_caps(cfg->ctx, i) : 0;
        l->held_tag = NO_TAG;
        l->value = -1;
        l->level = -1;
        l->caps = (uint8_t)(c < 0 ? 0 : (unsigned)c & VGPIO_CAP_ALL);
        any_caps |= l->caps != 0;
        if (ops->get_direction) {
            int d = ops->get_direction(cfg->ctx, i);
            int v = d == VGPIO_DIR_OUT ? ops->get_level(cfg->ctx, i) : 0;
            if (d >= VGPIO_DIR_NONE && d <= VGPIO_DIR_IN && v >= 0) { /* else the line starts released */
                l->dir = (uint8_t)d;
                l->value = (int8_t)(d == VGPIO_DIR_OUT ? v != 0 : -1);
            }
        }
    }
    if (any_caps && !ops->set_config) {
        return VGPIO_DEV_ERR_OPS;
    }
    dev->offered = VGPIO_F_VERSION_1 | (cfg->irq ? VGPIO_F_IRQ : 0) | (any_caps ? VGPIO_F_LINE_CONFIG : 0);
    dev->ops = ops; /* last: a device whose init failed has no ops, and every call refuses it */
    return VGPIO_DEV_OK;
}

const char *vgpio_dev_error_name(int result)
{
    switch (result) {
    case VGPIO_DEV_OK: return "VGPIO_DEV_OK: success";
    case VGPIO_DEV_ERR_ARG: return "VGPIO_DEV_ERR_ARG: a NULL pointer or an argument out of range";
    case VGPIO_DEV_ERR_LINES: return "VGPIO_DEV_ERR_LINES: ngpio is 0 or above VGPIO_DEV_MAX_LINES";
    case VGPIO_DEV_ERR_OPS: return "VGPIO_DEV_ERR_OPS: a required callback is missing";
    case VGPIO_DEV_ERR_NAME: return "VGPIO_DEV_ERR_NAME: a name is not 7-bit ASCII or the names are too long";
    case VGPIO_DEV_ERR_NAME_DUP: return "VGPIO_DEV_ERR_NAME_DUP: two lines have the same name";
    case VGPIO_DEV_ERR_TOKEN: return "VGPIO_DEV_ERR_TOKEN: the token is longer than 64 bytes";
    case VGPIO_DEV_ERR_SEND: return "VGPIO_DEV_ERR_SEND: the send callback failed";
    case VGPIO_DEV_ERR_PROTOCOL: return "VGPIO_DEV_ERR_PROTOCOL: the driver broke the protocol; ERROR sent";
    case VGPIO_DEV_ERR_PEER: return "VGPIO_DEV_ERR_PEER: the driver sent ERROR";
    case VGPIO_DEV_ERR_FRAMING: return "VGPIO_DEV_ERR_FRAMING: the byte stream lost its framing";
    case VGPIO_DEV_ERR_CLOSED: return "VGPIO_DEV_ERR_CLOSED: the connection must be closed first";
    default: return "VGPIO_DEV_ERR_UNKNOWN: not a vgpio_dev result";
    }
}

const char *vgpio_ch_error_name(unsigned code)
{
    static const char *const names[] = {"NONE", "VERSION", "MALFORMED", "SEQUENCE", "BUSY", "TAG",
                                         "TOO_LARGE", "DENIED", "FEATURES", "TIMEOUT", "SHUTDOWN", "INTERNAL"};
    return code < sizeof names / sizeof names[0] ? names[code] : "UNKNOWN";
}

size_t vgpio_ch_build_error(uint8_t *buf, size_t cap, unsigned code, const char *message, int envelope_it)
{
    size_t n = message ? strlen(message) : 0;
    size_t head = envelope_it ? VGPIO_CH_ENVELOPE_HEAD : 0;
    size_t len;
    if (n > MSG_MAX) {
        n = MSG_MAX;
    }
    if (buf == NULL || cap < VGPIO_CH_HEADER + 4 + n + (envelope_it ? head + VGPIO_CH_ENVELOPE_TAIL : 0)) {
        return 0;
    }
    len = error_frame(buf + head, code, message); /* built in place: no frame-sized buffer on the stack */
    return envelope_it ? envelope(buf, len) : len;
}
