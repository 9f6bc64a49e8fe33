/*
 * Unit tests of the library: frames and byte streams in, every answer checked byte for byte against the
 * bytes docs/channel.md and the virtio-gpio semantics (as GpioController has them) call for.
 */
#include <stdlib.h>

#include "testutil.h"

#define NL 64

/* The application: pins in arrays, every callback recorded. */
struct fake {
    uint8_t out[80000];
    size_t out_len;
    int fail_send;
    int fail_lines;
    int dir[NL], out_value[NL], input[NL], irq[NL], caps[NL], init_dir[NL];
    unsigned cfg_log[32][3];
    size_t cfg_n;
    int framing;
};

static struct fake F;
static struct vgpio_dev D;

static int f_send(void *ctx, const uint8_t *data, size_t len)
{
    struct fake *f = ctx;
    if (f->fail_send || f->out_len + len > sizeof f->out) {
        return -1;
    }
    memcpy(f->out + f->out_len, data, len);
    f->out_len += len;
    return 0;
}

static int f_get_level(void *ctx, unsigned line)
{
    struct fake *f = ctx;
    if (f->fail_lines) {
        return -1;
    }
    return f->dir[line] == VGPIO_DIR_OUT ? f->out_value[line] : f->input[line];
}

static int f_set_direction(void *ctx, unsigned line, unsigned dir, int value)
{
    struct fake *f = ctx;
    if (f->fail_lines) {
        return -1;
    }
    f->dir[line] = (int)dir;
    if (dir == VGPIO_DIR_OUT) {
        f->out_value[line] = value;
    }
    return 0;
}

static int f_set_value(void *ctx, unsigned line, int value)
{
    struct fake *f = ctx;
    if (f->fail_lines) {
        return -1;
    }
    f->out_value[line] = value;
    return 0;
}

static int f_set_irq_type(void *ctx, unsigned line, unsigned type)
{
    struct fake *f = ctx;
    f->irq[line] = (int)type;
    return 0;
}

static int f_get_caps(void *ctx, unsigned line)
{
    return ((struct fake *)ctx)->caps[line];
}

static int f_get_direction(void *ctx, unsigned line)
{
    return ((struct fake *)ctx)->init_dir[line];
}

static int f_set_config(void *ctx, unsigned line, unsigned param, uint32_t arg)
{
    struct fake *f = ctx;
    if (f->fail_lines) {
        return -1;
    }
    if (f->cfg_n < 32) {
        f->cfg_log[f->cfg_n][0] = line;
        f->cfg_log[f->cfg_n][1] = param;
        f->cfg_log[f->cfg_n][2] = arg;
        f->cfg_n++;
    }
    return 0;
}

static const struct vgpio_dev_ops OPS = {f_send, f_get_level, f_set_direction, f_set_value, f_get_direction,
                                         f_set_irq_type, f_get_caps, f_set_config};

/* Names of the spec's example: 8 lines, a 42-byte names block. */
static const char *const NAMES8[8] = {"LED0", "LED1", "BTN0", "BTN1", "RELAY", "SENSE", "IO6", "ALERT"};

struct setup {
    unsigned ngpio;
    const char *const *names;
    int irq;
    int framing;
    const char *token;
    int caps0; /* caps of line 0; line 1 gets pull-up only */
};

static int start(struct setup s)
{
    struct vgpio_dev_config cfg;
    memset(&F, 0, sizeof F);
    F.caps[0] = s.caps0;
    F.caps[1] = s.caps0 ? (int)VGPIO_CAP_PULL_UP : 0;
    F.framing = s.framing;
    memset(&cfg, 0, sizeof cfg);
    cfg.ops = &OPS;
    cfg.ctx = &F;
    cfg.ngpio = s.ngpio;
    cfg.names = s.names;
    cfg.irq = s.irq;
    cfg.framing = (enum vgpio_dev_framing)s.framing;
    if (s.token) {
        cfg.token = (const uint8_t *)s.token;
        cfg.token_len = strlen(s.token);
    }
    return vgpio_dev_init(&D, &cfg);
}

/* The frames sent since the last check: envelopes are checked and stripped in stream framing. */
static size_t sent(uint8_t *frames)
{
    size_t n = 0, i = 0;
    if (F.framing == VGPIO_DEV_FRAMES) {
        memcpy(frames, F.out, F.out_len);
        n = F.out_len;
    } else {
        while (i < F.out_len) {
            size_t len = get16(F.out + i + 2);
            CHECK(F.out[i] == 'V' && F.out[i + 1] == 'G');
            CHECK(len >= 8 && len <= 496 && i + len + 8 <= F.out_len);
            CHECK(get32(F.out + i + 4 + len) == vgpio_crc32c(0, F.out + i + 4, len));
            memcpy(frames + n, F.out + i + 4, len);
            n += len;
            i += len + 8;
        }
    }
    F.out_len = 0;
    return n;
}

#define EXPECT(hexstr) expect_(__LINE__, hexstr)
static void expect_(int line, const char *hexstr)
{
    static uint8_t want[80000], got[80000];
    size_t nw = hex(want, sizeof want, hexstr), ng = sent(got);
    test_checks++;
    if (nw != ng || memcmp(want, got, nw) != 0) {
        test_failures++;
        fprintf(stderr, "%s:%d: sent frames differ\n  want: ", __FILE__, line);
        print_hex(stderr, want, nw);
        fprintf(stderr, "  got:  ");
        print_hex(stderr, got, ng);
    }
}

/* Checks that exactly one ERROR with code was sent (its message is free text). */
#define EXPECT_ERROR(code) expect_error_(__LINE__, code)
static void expect_error_(int line, unsigned code)
{
    static uint8_t got[80000];
    size_t n = sent(got), i;
    int ok = n >= 12 && n <= 496 && got[0] == VGPIO_CH_ERROR && get16(got + 2) == 0 && get32(got + 4) == 0
             && get16(got + 8) == code && get16(got + 10) == 0;
    for (i = 12; ok && i < n; i++) {
        ok = got[i] >= 0x20 && got[i] < 0x7f; /* one frame, a message for people */
    }
    test_checks++;
    if (!ok) {
        test_failures++;
        fprintf(stderr, "%s:%d: expected one ERROR %u (%s), got: ", __FILE__, line, code, vgpio_ch_error_name(code));
        print_hex(stderr, got, n);
    }
}

/* Two ERROR frames, {@code first} then {@code second}, and nothing else (the second found by its header). */
#define EXPECT_TWO_ERRORS(first, second) expect_two_errors_(__LINE__, first, second)
static void expect_two_errors_(int line, unsigned first, unsigned second)
{
    static uint8_t got[80000];
    size_t n = sent(got), i;
    int ok = 0;
    for (i = 12; i + 12 <= n && !ok; i++) {
        ok = got[i] == VGPIO_CH_ERROR && get16(got + i + 2) == 0 && get32(got + i + 4) == 0
             && get16(got + i + 8) == second && get16(got + i + 10) == 0;
    }
    ok = ok && got[0] == VGPIO_CH_ERROR && get16(got + 8) == first;
    test_checks++;
    if (!ok) {
        test_failures++;
        fprintf(stderr, "%s:%d: expected ERROR %u then ERROR %u, got: ", __FILE__, line, first, second);
        print_hex(stderr, got, n);
    }
}

/* Feeds a frame given in hex; in stream framing inside an envelope. */
static int in(const char *hexstr)
{
    uint8_t f[600], w[610];
    size_t n = hex(f, sizeof f, hexstr);
    if (F.framing == VGPIO_DEV_FRAMES) {
        return vgpio_dev_on_frame(&D, f, n);
    }
    return vgpio_dev_on_bytes(&D, w, wrap(w, f, n));
}

static int in_raw(const uint8_t *f, size_t n)
{
    uint8_t w[610];
    if (F.framing == VGPIO_DEV_FRAMES) {
        return vgpio_dev_on_frame(&D, f, n);
    }
    return vgpio_dev_on_bytes(&D, w, wrap(w, f, n));
}

static int req(unsigned tag, unsigned size, unsigned type, unsigned gpio, uint32_t value)
{
    uint8_t f[16];
    return in_raw(f, request(f, tag, size, type, gpio, value));
}

static int irq_buf(unsigned tag, unsigned gpio)
{
    uint8_t f[10];
    return in_raw(f, irq_request(f, tag, gpio));
}

/* Sends req and checks its 2-byte answer on the requestq. */
#define ASK(type, gpio, value, status, val) ask_(__LINE__, type, gpio, value, status, val)
static void ask_(int line, unsigned type, unsigned gpio, uint32_t value, unsigned status, unsigned val)
{
    uint8_t want[10], got[80000];
    size_t n;
    CHECK(req(3, 2, type, gpio, value) == VGPIO_DEV_OK);
    header(want, VGPIO_CH_RESPONSE, 0, 3, 2, 0);
    want[8] = (uint8_t)status;
    want[9] = (uint8_t)val;
    n = sent(got);
    test_checks++;
    if (n != 10 || memcmp(want, got, 10) != 0) {
        test_failures++;
        fprintf(stderr, "%s:%d: message %u line %u value %lu: want ", __FILE__, line, type, gpio,
                (unsigned long)value);
        print_hex(stderr, want, 10);
        fprintf(stderr, "  got ");
        print_hex(stderr, got, n);
    }
}

#define HELLO "01 00 0000 0000 0000 | 0100 0100 0000"
#define FEAT_IRQ "03 00 0000 0000 0000 | 0100000001000000"
#define FEAT_ALL "03 00 0000 0000 0000 | 0300000001000000"
#define FEAT_PLAIN "03 00 0000 0000 0000 | 0000000001000000"
#define DEVICE8_ALL                                                                   \
    "02 00 0000 0000 0000 | 0100 2900 00000000 0300000001000000 02 00 0800 2000 0800" \
    " | 0800 0000 2a000000"

/* A live session on the 8-line example device with features f (hex of FEATURES). */
static void live8(const char *features, int framing)
{
    struct setup s = {8, NAMES8, 1, 0, NULL, (int)VGPIO_CAP_ALL};
    s.framing = framing;
    CHECK(start(s) == VGPIO_DEV_OK);
    CHECK(in(HELLO) == VGPIO_DEV_OK);
    EXPECT(DEVICE8_ALL);
    CHECK(in(features) == VGPIO_DEV_OK);
    sent(F.out + 40000); /* FEATURES_OK, checked elsewhere */
    CHECK(vgpio_dev_state(&D) == VGPIO_DEV_LIVE);
}

static void test_crc(void)
{
    CHECK(vgpio_crc32c(0, (const uint8_t *)"123456789", 9) == 0xe3069283u);
    CHECK(vgpio_crc32c(vgpio_crc32c(0, (const uint8_t *)"1234", 4), (const uint8_t *)"56789", 5) == 0xe3069283u);
    CHECK(vgpio_crc32c(0, NULL, 0) == 0);
}

static void test_init(void)
{
    static const char *const dup[3] = {"A", "B", "A"};
    static const char *const unnamed[3] = {NULL, "", NULL};
    static const char *const high[2] = {"ok", "caf\xc3\xa9"};
    static const char *const blanks[3] = {"", "X", ""};
    struct setup s = {3, dup, 0, 0, NULL, 0};
    struct vgpio_dev_config cfg;
    struct vgpio_dev_ops no_send = OPS;
    int i;

    CHECK(start(s) == VGPIO_DEV_ERR_NAME_DUP);
    CHECK(vgpio_dev_on_frame(&D, (const uint8_t *)"x", 1) == VGPIO_DEV_ERR_ARG); /* a failed init serves nothing */
    s.names = unnamed;
    CHECK(start(s) == VGPIO_DEV_OK); /* unnamed lines may repeat: they are not names */
    CHECK(D.names_size == 0);
    s.names = blanks;
    CHECK(start(s) == VGPIO_DEV_OK);
    CHECK(D.names_size == 4); /* "" "X\0" "" */
    s.names = high;
    s.ngpio = 2;
    CHECK(start(s) == VGPIO_DEV_ERR_NAME);
    s.names = NULL;
    s.ngpio = 0;
    CHECK(start(s) == VGPIO_DEV_ERR_LINES);
    s.ngpio = VGPIO_DEV_MAX_LINES + 1;
    CHECK(start(s) == VGPIO_DEV_ERR_LINES);
    s.ngpio = 2;
    s.token = "0123456789012345678901234567890123456789012345678901234567890123456789";
    CHECK(start(s) == VGPIO_DEV_ERR_TOKEN);
    s.token = NULL;
    s.framing = 7;
    CHECK(start(s) == VGPIO_DEV_ERR_ARG);
    CHECK(vgpio_dev_init(NULL, NULL) == VGPIO_DEV_ERR_ARG);
    memset(&cfg, 0, sizeof cfg);
    no_send.send = NULL;
    cfg.ops = &no_send;
    cfg.ngpio = 1;
    CHECK(vgpio_dev_init(&D, &cfg) == VGPIO_DEV_ERR_OPS);
    no_send = OPS;
    no_send.set_config = NULL;
    memset(&F, 0, sizeof F);
    F.caps[0] = VGPIO_CAP_PULL_UP;
    cfg.ops = &no_send;
    cfg.ctx = &F;
    CHECK(vgpio_dev_init(&D, &cfg) == VGPIO_DEV_ERR_OPS); /* caps need set_config */
    for (i = 0; i >= -11; i--) {
        CHECK(strncmp(vgpio_dev_error_name(i), "VGPIO_DEV_", 10) == 0);
    }
    CHECK(strstr(vgpio_dev_error_name(VGPIO_DEV_ERR_NAME_DUP), "NAME_DUP") != NULL);
    CHECK(strcmp(vgpio_ch_error_name(VGPIO_CH_E_BUSY), "BUSY") == 0);
    CHECK(strcmp(vgpio_ch_error_name(99), "UNKNOWN") == 0);
}

/* The example of docs/channel.md, byte for byte (but our requestq has 32 tags, not 64). */
static void test_spec_example(void)
{
    live8(FEAT_IRQ, VGPIO_DEV_FRAMES);
    F.input[3] = 1;
    CHECK(in("05 00 0700 0200 0000 | 0400 0300 00000000") == VGPIO_DEV_OK);
    EXPECT("06 00 0700 0200 0000 | 00 01");
    /* FEATURES_OK echoes the driver's bits */
    live8(FEAT_IRQ, VGPIO_DEV_FRAMES);
    CHECK(vgpio_dev_features(&D) == (VGPIO_F_IRQ | VGPIO_F_VERSION_1));
    CHECK(start((struct setup){8, NAMES8, 1, 0, NULL, (int)VGPIO_CAP_ALL}) == VGPIO_DEV_OK);
    CHECK(in(HELLO) == VGPIO_DEV_OK);
    EXPECT(DEVICE8_ALL);
    CHECK(in(FEAT_IRQ) == VGPIO_DEV_OK);
    EXPECT("04 00 0000 0000 0000 | 0100000001000000");
}

static void test_hello(void)
{
    struct setup plain = {2, NULL, 0, 0, NULL, 0};
    CHECK(start(plain) == VGPIO_DEV_OK);
    /* no line config, no IRQ: only VERSION_1; no names */
    CHECK(in("01 00 0000 0000 0000 | 0000 0500 0000") == VGPIO_DEV_OK); /* versions 0..5: 1 */
    EXPECT("02 00 0000 0000 0000 | 0100 2900 00000000 0000000001000000 02 00 0800 2000 0200 | 0200 0000 00000000");
    CHECK(in("01 00 0000 0000 0000 | 0200 0300 0000") == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT("09 00 0000 0000 0000 | 0100 0000 74 68 69 73 20 64 65 76 69 63 65 20 73 70 65 61 6b 73 20 76 65 72 73 69"
           " 6f 6e 20 31 20 6f 6e 6c 79");
    CHECK(vgpio_dev_state(&D) == VGPIO_DEV_IDLE);
    CHECK(vgpio_dev_last_error(&D) == VGPIO_CH_E_VERSION);
    CHECK(in("01 00 0000 0000 0000 | 0100 0000 0000") == VGPIO_DEV_ERR_PROTOCOL); /* min above max */
    EXPECT_ERROR(VGPIO_CH_E_VERSION);
    CHECK(in("01 00 0000 0000 0000 | 0100 01") == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_MALFORMED);
    CHECK(in("01 00 0000 0000 0000 | 0100 0100 0200 aa") == VGPIO_DEV_ERR_PROTOCOL); /* token past the end */
    EXPECT_ERROR(VGPIO_CH_E_MALFORMED);
    {
        uint8_t f[8 + 6 + 65];
        memset(f, 0, sizeof f);
        header(f, VGPIO_CH_HELLO, 0, 0, 0, 0);
        put16(f + 8, 1);
        put16(f + 10, 1);
        put16(f + 12, 65);
        CHECK(in_raw(f, sizeof f) == VGPIO_DEV_ERR_PROTOCOL); /* tokens are at most 64 bytes */
        EXPECT_ERROR(VGPIO_CH_E_MALFORMED);
    }
    /* a device without a token takes a HELLO with one */
    CHECK(in("01 00 0000 0000 0000 | 0100 0100 0300 616263") == VGPIO_DEV_OK);
    CHECK(sent(F.out + 40000) == 40);

    /* tokens */
    plain.token = "sesame";
    CHECK(start(plain) == VGPIO_DEV_OK);
    CHECK(in(HELLO) == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_DENIED);
    CHECK(in("01 00 0000 0000 0000 | 0100 0100 0600 736573616d66") == VGPIO_DEV_ERR_PROTOCOL); /* sesamf */
    EXPECT_ERROR(VGPIO_CH_E_DENIED);
    CHECK(in("01 00 0000 0000 0000 | 0100 0100 0700 736573616d6521") == VGPIO_DEV_ERR_PROTOCOL); /* sesame! */
    EXPECT_ERROR(VGPIO_CH_E_DENIED);
    CHECK(in("01 00 0000 0000 0000 | 0100 0100 0500 736573616d") == VGPIO_DEV_ERR_PROTOCOL); /* sesam */
    EXPECT_ERROR(VGPIO_CH_E_DENIED);
    CHECK(in("01 00 0000 0000 0000 | 0100 0100 0600 736573616d65") == VGPIO_DEV_OK);
    CHECK(sent(F.out + 40000) == 40);
    CHECK(vgpio_dev_state(&D) == VGPIO_DEV_HELLO);
    /* the version is refused before the token is looked at */
    CHECK(in("01 00 0000 0000 0000 | 0200 0200 0000") == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_VERSION);
}

static void test_sequence_and_features(void)
{
    struct setup plain = {2, NULL, 1, 0, NULL, 0};
    CHECK(start(plain) == VGPIO_DEV_OK);
    CHECK(req(0, 2, VGPIO_MSG_GET_VALUE, 0, 0) == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_SEQUENCE);
    CHECK(in(FEAT_IRQ) == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_SEQUENCE);
    CHECK(in("07 00 0000 0000 0000 | 0102030405060708") == VGPIO_DEV_ERR_PROTOCOL); /* PING before HELLO */
    EXPECT_ERROR(VGPIO_CH_E_SEQUENCE);
    CHECK(in(HELLO) == VGPIO_DEV_OK);
    sent(F.out + 40000);
    CHECK(req(0, 2, VGPIO_MSG_GET_VALUE, 0, 0) == VGPIO_DEV_ERR_PROTOCOL); /* before FEATURES_OK */
    EXPECT_ERROR(VGPIO_CH_E_SEQUENCE);
    CHECK(vgpio_dev_state(&D) == VGPIO_DEV_IDLE); /* an ERROR ends the session */
    CHECK(in(FEAT_IRQ) == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_SEQUENCE);

    /* PING and PONG, features */
    CHECK(in(HELLO) == VGPIO_DEV_OK);
    sent(F.out + 40000);
    CHECK(in("07 00 0000 0000 0000 | 0102030405060708") == VGPIO_DEV_OK);
    EXPECT("08 00 0000 0000 0000 | 0102030405060708");
    CHECK(in("08 00 0000 0000 0000 | 0102030405060708") == VGPIO_DEV_OK); /* an unasked PONG: dropped */
    EXPECT("");
    CHECK(in("07 00 0000 0000 0000 | 01020304050607") == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_MALFORMED);
    CHECK(in(HELLO) == VGPIO_DEV_OK);
    sent(F.out + 40000);
    CHECK(in(FEAT_ALL) == VGPIO_DEV_ERR_PROTOCOL); /* LINE_CONFIG not offered: no line has caps */
    EXPECT_ERROR(VGPIO_CH_E_FEATURES);
    CHECK(in(HELLO) == VGPIO_DEV_OK);
    sent(F.out + 40000);
    CHECK(in("03 00 0000 0000 0000 | 0100000000000000") == VGPIO_DEV_ERR_PROTOCOL); /* no VERSION_1 */
    EXPECT_ERROR(VGPIO_CH_E_FEATURES);
    CHECK(in(HELLO) == VGPIO_DEV_OK);
    sent(F.out + 40000);
    CHECK(in("03 00 0000 0000 0000 | 0000001001000000") == VGPIO_DEV_ERR_PROTOCOL); /* ring bit 28 */
    EXPECT_ERROR(VGPIO_CH_E_FEATURES);
    CHECK(in(HELLO) == VGPIO_DEV_OK);
    sent(F.out + 40000);
    CHECK(in("03 00 0000 0000 0000 | 00000000010000") == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_MALFORMED);
    CHECK(in(HELLO) == VGPIO_DEV_OK);
    sent(F.out + 40000);
    CHECK(in(FEAT_PLAIN) == VGPIO_DEV_OK);
    EXPECT("04 00 0000 0000 0000 | 0000000001000000");
    CHECK(in(FEAT_PLAIN) == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_SEQUENCE);

    /* frames no driver sends, and frames nobody can read */
    CHECK(in(HELLO) == VGPIO_DEV_OK);
    sent(F.out + 40000);
    CHECK(in("02 00 0000 0000 0000") == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_SEQUENCE);
    CHECK(in("06 00 0000 0200 0000 | 0000") == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_SEQUENCE);
    CHECK(in("0a 00 0000 0000 0000") == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_MALFORMED);
    CHECK(in("00 00 0000 0000 0000") == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_MALFORMED);
    CHECK(vgpio_dev_on_frame(&D, (const uint8_t *)"\x01\0\0\0\0\0\0", 7) == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_MALFORMED);
    {
        uint8_t big[497];
        memset(big, 0, sizeof big);
        big[0] = VGPIO_CH_PING;
        CHECK(vgpio_dev_on_frame(&D, big, sizeof big) == VGPIO_DEV_ERR_PROTOCOL);
        EXPECT_ERROR(VGPIO_CH_E_MALFORMED);
    }
    /* the driver's ERROR ends the session and is not answered */
    CHECK(in(HELLO) == VGPIO_DEV_OK);
    sent(F.out + 40000);
    CHECK(in("09 00 0000 0000 0000 | 0900 0000 6279 65") == VGPIO_DEV_ERR_PEER);
    EXPECT("");
    CHECK(vgpio_dev_state(&D) == VGPIO_DEV_IDLE);
    CHECK(vgpio_dev_last_error(&D) == VGPIO_CH_E_TIMEOUT);
    CHECK(in("09 00 0000 0000 0000") == VGPIO_DEV_ERR_PEER); /* even one that says nothing */
    EXPECT("");
}

static void test_messages(void)
{
    uint8_t f[16];
    live8(FEAT_IRQ, VGPIO_DEV_FRAMES);
    /* GET_LINE_NAMES: status, then the block, used length 1 + 42 */
    CHECK(req(5, 43, VGPIO_MSG_GET_LINE_NAMES, 0, 0) == VGPIO_DEV_OK);
    EXPECT("06 00 0500 2b00 0000 | 00 4c454430 00 4c454431 00 42544e30 00 42544e31 00 52454c4159 00 53454e5345 00"
           " 494f36 00 414c455254 00");
    /* directions */
    ASK(VGPIO_MSG_GET_DIRECTION, 2, 0, 0, VGPIO_DIR_NONE);
    ASK(VGPIO_MSG_SET_DIRECTION, 2, VGPIO_DIR_IN, 0, 0);
    CHECK(F.dir[2] == VGPIO_DIR_IN);
    ASK(VGPIO_MSG_GET_DIRECTION, 2, 0, 0, VGPIO_DIR_IN);
    ASK(VGPIO_MSG_SET_DIRECTION, 2, 3, 1, 0);
    ASK(VGPIO_MSG_GET_DIRECTION, 2, 0, 0, VGPIO_DIR_IN); /* unchanged */
    F.input[2] = 1;
    ASK(VGPIO_MSG_GET_VALUE, 2, 0, 0, 1);
    F.input[2] = 0;
    ASK(VGPIO_MSG_GET_VALUE, 2, 0, 0, 0);
    /* SET_VALUE before SET_DIRECTION(OUT) gives the initial value */
    ASK(VGPIO_MSG_SET_VALUE, 0, 1, 0, 0);
    CHECK(F.dir[0] == VGPIO_DIR_NONE);
    ASK(VGPIO_MSG_SET_DIRECTION, 0, VGPIO_DIR_OUT, 0, 0);
    CHECK(F.dir[0] == VGPIO_DIR_OUT && F.out_value[0] == 1);
    ASK(VGPIO_MSG_GET_VALUE, 0, 0, 0, 1); /* an output reads what it drives */
    ASK(VGPIO_MSG_SET_VALUE, 0, 0, 0, 0);
    CHECK(F.out_value[0] == 0);
    ASK(VGPIO_MSG_GET_VALUE, 0, 0, 0, 0);
    ASK(VGPIO_MSG_SET_VALUE, 0, 2, 1, 0);
    CHECK(F.out_value[0] == 0);
    ASK(VGPIO_MSG_SET_VALUE, 0, 1, 0, 0);
    /* NONE discards the value: OUT again drives 0 */
    ASK(VGPIO_MSG_SET_DIRECTION, 0, VGPIO_DIR_NONE, 0, 0);
    CHECK(F.dir[0] == VGPIO_DIR_NONE);
    ASK(VGPIO_MSG_SET_DIRECTION, 0, VGPIO_DIR_OUT, 0, 0);
    CHECK(F.out_value[0] == 0);
    /* an input keeps a value set for later */
    ASK(VGPIO_MSG_SET_DIRECTION, 1, VGPIO_DIR_IN, 0, 0);
    ASK(VGPIO_MSG_SET_VALUE, 1, 1, 0, 0);
    CHECK(F.out_value[1] == 0);
    ASK(VGPIO_MSG_SET_DIRECTION, 1, VGPIO_DIR_OUT, 0, 0);
    CHECK(F.out_value[1] == 1);
    /* out of range, unknown types */
    {
        unsigned type, gpios[2] = {8, 0xffff};
        int g;
        for (type = VGPIO_MSG_GET_DIRECTION; type <= VGPIO_MSG_SET_LINE_CONFIG; type++) {
            for (g = 0; g < 2; g++) {
                ASK(type, gpios[g], 0, 1, 0);
            }
        }
        ASK(0, 0, 0, 1, 0);
        ASK(9, 0, 0, 1, 0);
        ASK(0xffff, 0, 0, 1, 0);
    }
    /* line config without the feature */
    ASK(VGPIO_MSG_GET_LINE_CAPS, 0, 0, 1, 0);
    ASK(VGPIO_MSG_SET_LINE_CONFIG, 0, 0x0001, 1, 0);
    /* a request of the wrong size: STATUS_ERR cut to the room given */
    header(f, VGPIO_CH_REQUEST, 0, 4, 2, 0);
    put16(f + 8, VGPIO_MSG_GET_VALUE);
    CHECK(in_raw(f, 15) == VGPIO_DEV_OK);
    EXPECT("06 00 0400 0200 0000 | 01 00");
    header(f, VGPIO_CH_REQUEST, 0, 4, 1, 0);
    CHECK(in_raw(f, 8) == VGPIO_DEV_OK);
    EXPECT("06 00 0400 0100 0000 | 01");
    header(f, VGPIO_CH_REQUEST, 0, 4, 0, 0);
    CHECK(in_raw(f, 12) == VGPIO_DEV_OK);
    EXPECT("06 00 0400 0000 0000"); /* used length 0: one empty RESPONSE */
    /* a response size that is not the answer's: answered as a buffer of that size */
    CHECK(req(6, 1, VGPIO_MSG_GET_VALUE, 2, 0) == VGPIO_DEV_OK);
    EXPECT("06 00 0600 0100 0000 | 01");
    CHECK(req(6, 43, VGPIO_MSG_GET_VALUE, 2, 0) == VGPIO_DEV_OK);
    EXPECT("06 00 0600 0200 0000 | 01 00");
    CHECK(req(6, 2, VGPIO_MSG_GET_LINE_NAMES, 0, 0) == VGPIO_DEV_OK);
    EXPECT("06 00 0600 0200 0000 | 01 00");
    CHECK(req(6, 0, VGPIO_MSG_SET_VALUE, 0, 1) == VGPIO_DEV_OK);
    EXPECT("06 00 0600 0000 0000");
    CHECK(F.out_value[0] == 0); /* and nothing was done */
    /* the lines fail: STATUS_ERR */
    F.fail_lines = 1;
    ASK(VGPIO_MSG_GET_VALUE, 2, 0, 1, 0);
    ASK(VGPIO_MSG_SET_DIRECTION, 3, VGPIO_DIR_IN, 1, 0);
    F.fail_lines = 0;
    ASK(VGPIO_MSG_GET_DIRECTION, 3, 0, 0, VGPIO_DIR_NONE);
    /* a device without names answers GET_LINE_NAMES (size 1 + 0) with a 1-byte STATUS_ERR */
    CHECK(start((struct setup){2, NULL, 0, 0, NULL, 0}) == VGPIO_DEV_OK);
    CHECK(in(HELLO) == VGPIO_DEV_OK && in(FEAT_PLAIN) == VGPIO_DEV_OK);
    sent(F.out + 40000);
    CHECK(req(1, 1, VGPIO_MSG_GET_LINE_NAMES, 0, 0) == VGPIO_DEV_OK);
    EXPECT("06 00 0100 0100 0000 | 01");
}

static void test_init_directions(void)
{
    struct vgpio_dev_config cfg;
    memset(&F, 0, sizeof F);
    F.init_dir[0] = VGPIO_DIR_OUT;
    F.dir[0] = VGPIO_DIR_OUT;
    F.out_value[0] = 1;
    F.init_dir[1] = VGPIO_DIR_IN;
    F.init_dir[2] = 7; /* nonsense: starts released */
    memset(&cfg, 0, sizeof cfg);
    cfg.ops = &OPS;
    cfg.ctx = &F;
    cfg.ngpio = 3;
    CHECK(vgpio_dev_init(&D, &cfg) == VGPIO_DEV_OK);
    CHECK(in(HELLO) == VGPIO_DEV_OK && in(FEAT_PLAIN) == VGPIO_DEV_OK);
    sent(F.out + 40000);
    ASK(VGPIO_MSG_GET_DIRECTION, 0, 0, 0, VGPIO_DIR_OUT);
    ASK(VGPIO_MSG_GET_DIRECTION, 1, 0, 0, VGPIO_DIR_IN);
    ASK(VGPIO_MSG_GET_DIRECTION, 2, 0, 0, VGPIO_DIR_NONE);
    ASK(VGPIO_MSG_SET_DIRECTION, 0, VGPIO_DIR_OUT, 0, 0);
    CHECK(F.out_value[0] == 1); /* the value the hardware had */
}

static void test_names_in_pieces(void)
{
    static char buf[64][24];
    static const char *names[64];
    uint8_t got[4000], block[2000];
    size_t n, total = 1, i, pos = 0, off = 0;
    for (i = 0; i < 64; i++) {
        snprintf(buf[i], sizeof buf[i], "LINE_%02u_PADDING_%04u", (unsigned)i, (unsigned)(i * 37));
        names[i] = buf[i];
        total += strlen(buf[i]) + 1; /* 21 + 1 each: 1409 with the status */
    }
    CHECK(start((struct setup){64, names, 0, 0, NULL, 0}) == VGPIO_DEV_OK);
    CHECK(in(HELLO) == VGPIO_DEV_OK && in(FEAT_PLAIN) == VGPIO_DEV_OK);
    sent(got);
    CHECK(req(9, (unsigned)total, VGPIO_MSG_GET_LINE_NAMES, 0, 0) == VGPIO_DEV_OK);
    n = sent(got);
    /* pieces of 488 bytes in order of offset, the last shorter, each with the whole used length */
    CHECK(n == total + 8 * 3);
    while (pos < n) {
        size_t len = total - off < 488 ? total - off : 488;
        CHECK(got[pos] == VGPIO_CH_RESPONSE && got[pos + 1] == 0 && get16(got + pos + 2) == 9);
        CHECK(get16(got + pos + 4) == total && get16(got + pos + 6) == off);
        memcpy(block + off, got + pos + 8, len);
        pos += 8 + len;
        off += len;
    }
    CHECK(off == total && block[0] == 0);
    for (i = 0, pos = 1; i < 64; i++) {
        CHECK(strcmp((const char *)block + pos, names[i]) == 0);
        pos += strlen(names[i]) + 1;
    }
    /* a block that fills its pieces exactly: no empty piece after them (7 x 61 + 60 + 1 = 488) */
    {
        static char big[8][64];
        for (i = 0; i < 8; i++) {
            memset(big[i], 'A' + (int)i, 60);
            big[i][i == 7 ? 59 : 60] = '\0';
            names[i] = big[i];
        }
    }
    CHECK(start((struct setup){8, names, 0, 0, NULL, 0}) == VGPIO_DEV_OK);
    CHECK(in(HELLO) == VGPIO_DEV_OK && in(FEAT_PLAIN) == VGPIO_DEV_OK);
    sent(got);
    CHECK(req(1, 488, VGPIO_MSG_GET_LINE_NAMES, 0, 0) == VGPIO_DEV_OK);
    CHECK(sent(got) == 496);
    CHECK(get16(got + 4) == 488 && get16(got + 6) == 0);
}

static void test_tags_and_limits(void)
{
    unsigned i;
    live8(FEAT_IRQ, VGPIO_DEV_FRAMES);
    CHECK(req(31, 2, VGPIO_MSG_GET_DIRECTION, 0, 0) == VGPIO_DEV_OK);
    EXPECT("06 00 1f00 0200 0000 | 00 00");
    CHECK(req(31, 2, VGPIO_MSG_GET_DIRECTION, 0, 0) == VGPIO_DEV_OK); /* answered, so free again */
    sent(F.out + 40000);
    CHECK(req(32, 2, VGPIO_MSG_GET_DIRECTION, 0, 0) == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_TAG);
    live8(FEAT_IRQ, VGPIO_DEV_FRAMES);
    CHECK(in("05 00 0000 0200 0000 | 0200 0000 00000000 00") == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_TOO_LARGE);
    live8(FEAT_IRQ, VGPIO_DEV_FRAMES);
    CHECK(req(0, 44, VGPIO_MSG_GET_LINE_NAMES, 0, 0) == VGPIO_DEV_ERR_PROTOCOL); /* 1 + 42 is the most */
    EXPECT_ERROR(VGPIO_CH_E_TOO_LARGE);
    live8(FEAT_IRQ, VGPIO_DEV_FRAMES);
    CHECK(in("05 02 0000 0200 0000 | 0200 0000 00000000") == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_TAG); /* no queue 2 */
    live8(FEAT_PLAIN, VGPIO_DEV_FRAMES);
    CHECK(irq_buf(0, 0) == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_TAG); /* no eventq without VIRTIO_GPIO_F_IRQ */
    live8(FEAT_IRQ, VGPIO_DEV_FRAMES);
    CHECK(irq_buf(8, 0) == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_TAG); /* eventq size = ngpio */
    live8(FEAT_IRQ, VGPIO_DEV_FRAMES);
    CHECK(in("05 01 0000 0200 0000 | 0000") == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_TOO_LARGE);
    live8(FEAT_IRQ, VGPIO_DEV_FRAMES);
    CHECK(in("05 01 0000 0100 0000 | 000000") == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_TOO_LARGE);
    live8(FEAT_IRQ, VGPIO_DEV_FRAMES);
    CHECK(in("05 01 0000 0100 0000 | 00") == VGPIO_DEV_OK);
    EXPECT("06 01 0000 0100 0000 | 00");
    CHECK(in("05 01 0000 0000 0000 | 0000") == VGPIO_DEV_OK);
    EXPECT("06 01 0000 0000 0000");
    /* back-pressure: one held buffer per line, then every tag is in flight */
    for (i = 0; i < 8; i++) {
        ASK(VGPIO_MSG_SET_IRQ_TYPE, i, VGPIO_IRQ_EDGE_RISING, 0, 0);
        CHECK(irq_buf(7 - i, i) == VGPIO_DEV_OK);
    }
    EXPECT("");
    CHECK(irq_buf(3, 0) == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_TAG);
}

static void test_interrupts(void)
{
    live8(FEAT_IRQ, VGPIO_DEV_FRAMES);
    /* a buffer for a line whose interrupt is not enabled comes back INVALID at once */
    CHECK(irq_buf(2, 4) == VGPIO_DEV_OK);
    EXPECT("06 01 0200 0100 0000 | 00");
    CHECK(irq_buf(2, 0xffff) == VGPIO_DEV_OK);
    EXPECT("06 01 0200 0100 0000 | 00");
    /* enabling a released line makes it an input and arms the app */
    ASK(VGPIO_MSG_SET_IRQ_TYPE, 4, VGPIO_IRQ_EDGE_RISING, 0, 0);
    CHECK(F.dir[4] == VGPIO_DIR_IN && F.irq[4] == VGPIO_IRQ_EDGE_RISING);
    ASK(VGPIO_MSG_GET_DIRECTION, 4, 0, 0, VGPIO_DIR_IN);
    CHECK(irq_buf(2, 4) == VGPIO_DEV_OK);
    EXPECT("");
    CHECK(vgpio_dev_line_changed(&D, 4, 0) == VGPIO_DEV_OK); /* no change */
    EXPECT("");
    CHECK(vgpio_dev_line_changed(&D, 4, 1) == VGPIO_DEV_OK);
    EXPECT("06 01 0200 0100 0000 | 01");
    CHECK(vgpio_dev_line_changed(&D, 4, 1) == VGPIO_DEV_OK); /* a repeat is no edge */
    CHECK(vgpio_dev_line_changed(&D, 4, 0) == VGPIO_DEV_OK); /* falling: not asked for */
    CHECK(irq_buf(2, 4) == VGPIO_DEV_OK);
    EXPECT("");
    /* an edge while masked is latched and delivered on unmask */
    CHECK(vgpio_dev_line_changed(&D, 4, 1) == VGPIO_DEV_OK);
    EXPECT("06 01 0200 0100 0000 | 01");
    CHECK(vgpio_dev_line_changed(&D, 4, 0) == VGPIO_DEV_OK);
    CHECK(vgpio_dev_line_changed(&D, 4, 1) == VGPIO_DEV_OK);
    CHECK(vgpio_dev_line_changed(&D, 4, 0) == VGPIO_DEV_OK);
    CHECK(vgpio_dev_line_changed(&D, 4, 1) == VGPIO_DEV_OK);
    EXPECT("");
    CHECK(irq_buf(5, 4) == VGPIO_DEV_OK);
    EXPECT("06 01 0500 0100 0000 | 01"); /* two latched edges make one interrupt */
    CHECK(irq_buf(5, 4) == VGPIO_DEV_OK);
    EXPECT("");
    /* a second pair for the line comes back INVALID; the first stays */
    CHECK(irq_buf(6, 4) == VGPIO_DEV_OK);
    EXPECT("06 01 0600 0100 0000 | 00");
    /* the same type again is fine; another type needs NONE first; outputs and bad types are refused */
    ASK(VGPIO_MSG_SET_IRQ_TYPE, 4, VGPIO_IRQ_EDGE_RISING, 0, 0);
    ASK(VGPIO_MSG_SET_IRQ_TYPE, 4, VGPIO_IRQ_EDGE_FALLING, 1, 0);
    ASK(VGPIO_MSG_SET_IRQ_TYPE, 4, 5, 1, 0);
    ASK(VGPIO_MSG_SET_IRQ_TYPE, 4, 9, 1, 0);
    ASK(VGPIO_MSG_SET_IRQ_TYPE, 4, 0x100, 1, 0);
    ASK(VGPIO_MSG_SET_DIRECTION, 4, VGPIO_DIR_OUT, 1, 0); /* not while its interrupt is enabled */
    ASK(VGPIO_MSG_SET_DIRECTION, 5, VGPIO_DIR_OUT, 0, 0);
    ASK(VGPIO_MSG_SET_IRQ_TYPE, 5, VGPIO_IRQ_EDGE_BOTH, 1, 0);
    /* disabling returns the held buffer INVALID, before the request's answer */
    CHECK(req(3, 2, VGPIO_MSG_SET_IRQ_TYPE, 4, VGPIO_IRQ_NONE) == VGPIO_DEV_OK);
    EXPECT("06 01 0500 0100 0000 | 00  06 00 0300 0200 0000 | 00 00");
    CHECK(F.irq[4] == VGPIO_IRQ_NONE);
    /* disabling discards a latched edge */
    ASK(VGPIO_MSG_SET_IRQ_TYPE, 4, VGPIO_IRQ_EDGE_BOTH, 0, 0);
    CHECK(vgpio_dev_line_changed(&D, 4, 1) == VGPIO_DEV_OK); /* an edge, latched */
    ASK(VGPIO_MSG_SET_IRQ_TYPE, 4, VGPIO_IRQ_NONE, 0, 0);
    ASK(VGPIO_MSG_SET_IRQ_TYPE, 4, VGPIO_IRQ_EDGE_BOTH, 0, 0);
    CHECK(irq_buf(1, 4) == VGPIO_DEV_OK);
    EXPECT("");
    CHECK(vgpio_dev_line_changed(&D, 4, 1) == VGPIO_DEV_OK);
    EXPECT("06 01 0100 0100 0000 | 01");
    /* SET_DIRECTION(NONE) disables the interrupt and returns the buffer */
    CHECK(irq_buf(1, 4) == VGPIO_DEV_OK);
    CHECK(req(3, 2, VGPIO_MSG_SET_DIRECTION, 4, VGPIO_DIR_NONE) == VGPIO_DEV_OK);
    EXPECT("06 01 0100 0100 0000 | 00  06 00 0300 0200 0000 | 00 00");
    CHECK(F.irq[4] == VGPIO_IRQ_NONE && F.dir[4] == VGPIO_DIR_NONE);
    CHECK(irq_buf(1, 4) == VGPIO_DEV_OK);
    EXPECT("06 01 0100 0100 0000 | 00");
    /* falling edges */
    F.input[6] = 1;
    ASK(VGPIO_MSG_SET_IRQ_TYPE, 6, VGPIO_IRQ_EDGE_FALLING, 0, 0);
    CHECK(irq_buf(0, 6) == VGPIO_DEV_OK);
    CHECK(vgpio_dev_line_changed(&D, 6, 1) == VGPIO_DEV_OK); /* the level it had when enabled */
    EXPECT("");
    CHECK(vgpio_dev_line_changed(&D, 6, 0) == VGPIO_DEV_OK);
    EXPECT("06 01 0000 0100 0000 | 01");

    /* level high: fires while unmasked, again on unmask while the level holds, never latched */
    ASK(VGPIO_MSG_SET_IRQ_TYPE, 7, VGPIO_IRQ_LEVEL_HIGH, 0, 0);
    CHECK(F.irq[7] == VGPIO_IRQ_LEVEL_HIGH);
    CHECK(irq_buf(2, 7) == VGPIO_DEV_OK);
    EXPECT("");
    F.input[7] = 1;
    CHECK(vgpio_dev_line_changed(&D, 7, 1) == VGPIO_DEV_OK);
    EXPECT("06 01 0200 0100 0000 | 01");
    CHECK(irq_buf(2, 7) == VGPIO_DEV_OK);
    EXPECT("06 01 0200 0100 0000 | 01");
    F.input[7] = 0;
    CHECK(vgpio_dev_line_changed(&D, 7, 0) == VGPIO_DEV_OK);
    CHECK(irq_buf(2, 7) == VGPIO_DEV_OK);
    EXPECT("");
    CHECK(req(3, 2, VGPIO_MSG_SET_IRQ_TYPE, 7, VGPIO_IRQ_NONE) == VGPIO_DEV_OK);
    EXPECT("06 01 0200 0100 0000 | 00  06 00 0300 0200 0000 | 00 00");
    ASK(VGPIO_MSG_SET_IRQ_TYPE, 7, VGPIO_IRQ_LEVEL_HIGH, 0, 0);
    F.input[7] = 1; /* active while masked ... */
    CHECK(vgpio_dev_line_changed(&D, 7, 1) == VGPIO_DEV_OK);
    F.input[7] = 0; /* ... and gone again before the unmask: nothing was latched */
    CHECK(vgpio_dev_line_changed(&D, 7, 0) == VGPIO_DEV_OK);
    CHECK(irq_buf(2, 7) == VGPIO_DEV_OK);
    EXPECT("");
    /* level low */
    ASK(VGPIO_MSG_SET_IRQ_TYPE, 3, VGPIO_IRQ_LEVEL_LOW, 0, 0);
    CHECK(irq_buf(4, 3) == VGPIO_DEV_OK);
    EXPECT("06 01 0400 0100 0000 | 01"); /* low already */
    F.input[3] = 1;
    CHECK(vgpio_dev_line_changed(&D, 3, 1) == VGPIO_DEV_OK);
    CHECK(irq_buf(4, 3) == VGPIO_DEV_OK);
    EXPECT("");
    F.input[3] = 0;
    CHECK(vgpio_dev_line_changed(&D, 3, 0) == VGPIO_DEV_OK);
    EXPECT("06 01 0400 0100 0000 | 01");
    CHECK(vgpio_dev_line_changed(&D, 8, 0) == VGPIO_DEV_ERR_ARG);

    /* without the feature, SET_IRQ_TYPE is refused */
    live8(FEAT_PLAIN, VGPIO_DEV_FRAMES);
    ASK(VGPIO_MSG_SET_IRQ_TYPE, 0, VGPIO_IRQ_EDGE_RISING, 1, 0);
    ASK(VGPIO_MSG_SET_IRQ_TYPE, 0, VGPIO_IRQ_NONE, 1, 0);
}

static void test_line_config(void)
{
    live8(FEAT_ALL, VGPIO_DEV_FRAMES);
    ASK(VGPIO_MSG_GET_LINE_CAPS, 0, 0, 0, 0x3f);
    ASK(VGPIO_MSG_GET_LINE_CAPS, 1, 0, 0, VGPIO_CAP_PULL_UP);
    ASK(VGPIO_MSG_GET_LINE_CAPS, 2, 0, 0, 0);
    F.cfg_n = 0;
    ASK(VGPIO_MSG_SET_LINE_CONFIG, 1, 0x0201, 0, 0); /* bias pull-up */
    CHECK(F.cfg_n == 1 && F.cfg_log[0][0] == 1 && F.cfg_log[0][1] == VGPIO_CONFIG_BIAS && F.cfg_log[0][2] == 2);
    ASK(VGPIO_MSG_SET_LINE_CONFIG, 1, 0x0301, 1, 0); /* pull-down: line 1 lacks the bit */
    ASK(VGPIO_MSG_SET_LINE_CONFIG, 1, 0x0102, 1, 0); /* open-drain */
    ASK(VGPIO_MSG_SET_LINE_CONFIG, 1, 0x03e803, 1, 0); /* debounce 1000 us */
    ASK(VGPIO_MSG_SET_LINE_CONFIG, 0, 0x0401, 1, 0); /* bias 4 does not exist */
    ASK(VGPIO_MSG_SET_LINE_CONFIG, 0, 0xffffff01, 1, 0);
    ASK(VGPIO_MSG_SET_LINE_CONFIG, 0, 0x0302, 1, 0); /* drive 3 */
    ASK(VGPIO_MSG_SET_LINE_CONFIG, 0, 0x0000, 1, 0); /* parameter 0 */
    ASK(VGPIO_MSG_SET_LINE_CONFIG, 0, 0x0004, 1, 0);
    ASK(VGPIO_MSG_SET_LINE_CONFIG, 0, 0x00ff, 1, 0);
    CHECK(F.cfg_n == 1); /* none of those reached the line */
    ASK(VGPIO_MSG_SET_LINE_CONFIG, 0, 0x0102, 0, 0);
    ASK(VGPIO_MSG_SET_LINE_CONFIG, 0, 0x0202, 0, 0);
    ASK(VGPIO_MSG_SET_LINE_CONFIG, 0, 0xffffff03, 0, 0); /* the longest debounce */
    ASK(VGPIO_MSG_SET_LINE_CONFIG, 0, 0x0101, 0, 0);
    /* the defaults, on a line without any caps */
    ASK(VGPIO_MSG_SET_LINE_CONFIG, 2, 0x0001, 0, 0);
    ASK(VGPIO_MSG_SET_LINE_CONFIG, 2, 0x0002, 0, 0);
    ASK(VGPIO_MSG_SET_LINE_CONFIG, 2, 0x0003, 0, 0);
    CHECK(F.cfg_n == 8);
    F.fail_lines = 1;
    ASK(VGPIO_MSG_SET_LINE_CONFIG, 0, 0x0201, 1, 0);
    F.fail_lines = 0;
    /* SET_DIRECTION(NONE) puts the defaults back */
    F.cfg_n = 0;
    ASK(VGPIO_MSG_SET_DIRECTION, 0, VGPIO_DIR_NONE, 0, 0);
    CHECK(F.cfg_n == 3);
    CHECK(F.cfg_log[0][1] == VGPIO_CONFIG_BIAS && F.cfg_log[0][2] == VGPIO_BIAS_AS_IS);
    CHECK(F.cfg_log[1][1] == VGPIO_CONFIG_DRIVE && F.cfg_log[1][2] == VGPIO_DRIVE_PUSH_PULL);
    CHECK(F.cfg_log[2][1] == VGPIO_CONFIG_DEBOUNCE && F.cfg_log[2][2] == 0);
    ASK(VGPIO_MSG_SET_DIRECTION, 0, VGPIO_DIR_NONE, 0, 0);
    CHECK(F.cfg_n == 3); /* once is enough */
    /* offered but not accepted: STATUS_ERR */
    live8(FEAT_IRQ, VGPIO_DEV_FRAMES);
    ASK(VGPIO_MSG_GET_LINE_CAPS, 0, 0, 1, 0);
    ASK(VGPIO_MSG_SET_LINE_CONFIG, 0, 0x0001, 1, 0);
}

static void test_new_session(void)
{
    live8(FEAT_ALL, VGPIO_DEV_FRAMES);
    ASK(VGPIO_MSG_SET_VALUE, 0, 1, 0, 0);
    ASK(VGPIO_MSG_SET_DIRECTION, 0, VGPIO_DIR_OUT, 0, 0);
    ASK(VGPIO_MSG_SET_IRQ_TYPE, 2, VGPIO_IRQ_EDGE_BOTH, 0, 0);
    ASK(VGPIO_MSG_SET_IRQ_TYPE, 3, VGPIO_IRQ_EDGE_BOTH, 0, 0);
    CHECK(irq_buf(2, 2) == VGPIO_DEV_OK);
    ASK(VGPIO_MSG_SET_LINE_CONFIG, 1, 0x0201, 0, 0);
    CHECK(vgpio_dev_line_changed(&D, 3, 1) == VGPIO_DEV_OK); /* latched on line 3 */
    F.cfg_n = 0;
    /* a new HELLO: a new session at once; held buffers forgotten (not returned) */
    CHECK(in(HELLO) == VGPIO_DEV_OK);
    EXPECT(DEVICE8_ALL);
    CHECK(F.irq[2] == VGPIO_IRQ_NONE && F.irq[3] == VGPIO_IRQ_NONE);
    CHECK(F.cfg_n == 3 && F.cfg_log[0][0] == 1); /* line 1's settings went back to the defaults */
    CHECK(F.dir[0] == VGPIO_DIR_OUT && F.out_value[0] == 1);
    CHECK(in(FEAT_ALL) == VGPIO_DEV_OK);
    EXPECT("04 00 0000 0000 0000 | 0300000001000000");
    ASK(VGPIO_MSG_GET_DIRECTION, 0, 0, 0, VGPIO_DIR_OUT); /* directions and values are kept */
    ASK(VGPIO_MSG_GET_VALUE, 0, 0, 0, 1);
    ASK(VGPIO_MSG_GET_DIRECTION, 2, 0, 0, VGPIO_DIR_IN);
    CHECK(irq_buf(2, 2) == VGPIO_DEV_OK); /* tag 2 is free again; the interrupt is disabled */
    EXPECT("06 01 0200 0100 0000 | 00");
    ASK(VGPIO_MSG_SET_IRQ_TYPE, 3, VGPIO_IRQ_EDGE_BOTH, 0, 0);
    CHECK(irq_buf(3, 3) == VGPIO_DEV_OK);
    EXPECT(""); /* the latched edge was discarded */
    /* the connection goes away: the same reset */
    CHECK(irq_buf(1, 3) == VGPIO_DEV_OK);
    EXPECT("06 01 0100 0100 0000 | 00");
    vgpio_dev_disconnect(&D);
    CHECK(vgpio_dev_state(&D) == VGPIO_DEV_IDLE && F.irq[3] == VGPIO_IRQ_NONE);
    EXPECT("");
}

static void test_send_failure(void)
{
    live8(FEAT_IRQ, VGPIO_DEV_FRAMES);
    F.fail_send = 1;
    CHECK(req(0, 2, VGPIO_MSG_GET_VALUE, 0, 0) == VGPIO_DEV_ERR_SEND);
    F.fail_send = 0;
    ASK(VGPIO_MSG_SET_IRQ_TYPE, 1, VGPIO_IRQ_EDGE_RISING, 0, 0);
    CHECK(irq_buf(0, 1) == VGPIO_DEV_OK);
    F.fail_send = 1;
    CHECK(vgpio_dev_line_changed(&D, 1, 1) == VGPIO_DEV_ERR_SEND);
    CHECK(vgpio_dev_send_error(&D, VGPIO_CH_E_SHUTDOWN, "bye") == VGPIO_DEV_ERR_SEND);
    F.fail_send = 0;
    live8(FEAT_IRQ, VGPIO_DEV_FRAMES);
    CHECK(vgpio_dev_send_error(&D, VGPIO_CH_E_SHUTDOWN, "going away") == VGPIO_DEV_OK);
    EXPECT_ERROR(VGPIO_CH_E_SHUTDOWN);
    CHECK(vgpio_dev_state(&D) == VGPIO_DEV_IDLE);
    CHECK(vgpio_dev_send_error(&D, 0, "no") == VGPIO_DEV_ERR_ARG);
}

static int feed(const uint8_t *b, size_t n)
{
    return vgpio_dev_on_bytes(&D, b, n);
}

static void test_stream_socket(void)
{
    uint8_t f[600], w[1300];
    size_t n, m, i;
    int rc = VGPIO_DEV_OK;
    CHECK(start((struct setup){8, NAMES8, 1, VGPIO_DEV_SOCKET, NULL, (int)VGPIO_CAP_ALL}) == VGPIO_DEV_OK);
    /* the envelope itself, byte for byte: "VG", le16 length, frame, le32 CRC-32C of the frame */
    n = hex(f, sizeof f, HELLO);
    CHECK(feed(w, wrap(w, f, n)) == VGPIO_DEV_OK);
    n = hex(f, sizeof f, "5647 2800" DEVICE8_ALL);
    put32(f + n, vgpio_crc32c(0, f + 4, 40));
    CHECK(F.out_len == n + 4 && memcmp(F.out, f, n + 4) == 0);
    F.out_len = 0;
    /* split anywhere: byte by byte, two frames in one call */
    n = hex(f, sizeof f, FEAT_IRQ);
    m = wrap(w, f, n);
    n = request(f, 1, 2, VGPIO_MSG_GET_DIRECTION, 0, 0);
    m += wrap(w + m, f, n);
    for (i = 0; i < m; i++) {
        rc |= feed(w + i, 1);
    }
    CHECK(rc == VGPIO_DEV_OK);
    EXPECT("04 00 0000 0000 0000 | 0100000001000000  06 00 0100 0200 0000 | 00 00");
    m = wrap(w, f, n);
    m += wrap(w + m, f, n);
    CHECK(feed(w, m) == VGPIO_DEV_OK);
    EXPECT("06 00 0100 0200 0000 | 00 00  06 00 0100 0200 0000 | 00 00");
    CHECK(vgpio_dev_rx_pending(&D) == 0);
    CHECK(feed(w, 5) == VGPIO_DEV_OK);
    CHECK(vgpio_dev_rx_pending(&D) == 5);
    CHECK(feed(w + 5, m - 5) == VGPIO_DEV_OK);
    CHECK(vgpio_dev_rx_pending(&D) == 0);
    sent(f);
    /* a bad CRC: MALFORMED, the session ends, the app closes the connection */
    m = wrap(w, f, request(f, 1, 2, VGPIO_MSG_GET_DIRECTION, 0, 0));
    w[m - 1] ^= 0x40;
    CHECK(feed(w, m) == VGPIO_DEV_ERR_FRAMING);
    EXPECT_ERROR(VGPIO_CH_E_MALFORMED);
    CHECK(vgpio_dev_state(&D) == VGPIO_DEV_IDLE);
    CHECK(feed(w, 1) == VGPIO_DEV_ERR_CLOSED);
    vgpio_dev_disconnect(&D); /* a new connection */
    n = hex(f, sizeof f, HELLO);
    CHECK(feed(w, wrap(w, f, n)) == VGPIO_DEV_OK);
    sent(f);
    /* a bad magic, a length out of range */
    CHECK(feed((const uint8_t *)"XG", 2) == VGPIO_DEV_ERR_FRAMING);
    EXPECT_ERROR(VGPIO_CH_E_MALFORMED);
    vgpio_dev_disconnect(&D);
    CHECK(feed((const uint8_t *)"VG\x07\x00", 4) == VGPIO_DEV_ERR_FRAMING);
    EXPECT_ERROR(VGPIO_CH_E_MALFORMED);
    vgpio_dev_disconnect(&D);
    CHECK(feed((const uint8_t *)"VG\xf1\x01", 4) == VGPIO_DEV_ERR_FRAMING); /* 497 */
    EXPECT_ERROR(VGPIO_CH_E_MALFORMED);
    vgpio_dev_disconnect(&D);
    CHECK(feed((const uint8_t *)"VG\xf0\x01", 4) == VGPIO_DEV_OK); /* 496 is fine: wait for it */
    vgpio_dev_disconnect(&D);
    /* any ERROR ends a socket's session: the rest of the bytes are not read */
    n = hex(f, sizeof f, FEAT_IRQ);
    m = wrap(w, f, n);
    n = hex(f, sizeof f, HELLO);
    m += wrap(w + m, f, n);
    CHECK(feed(w, m) == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_SEQUENCE);
    CHECK(feed(w, m) == VGPIO_DEV_ERR_CLOSED);
    vgpio_dev_disconnect(&D);
    CHECK(vgpio_dev_on_frame(&D, f, 0) == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_MALFORMED);
    /* ERROR BUSY for a second connection */
    n = vgpio_ch_build_error(w, sizeof w, VGPIO_CH_E_BUSY, "busy", 1);
    m = hex(f, sizeof f, "5647 1000 09 00 0000 0000 0000 0400 0000 62757379");
    put32(f + m, vgpio_crc32c(0, f + 4, 16));
    CHECK(n == m + 4 && memcmp(w, f, n) == 0);
    CHECK(vgpio_ch_build_error(w, 20, VGPIO_CH_E_BUSY, "busy", 0) == 16);
    CHECK(vgpio_ch_build_error(w, 23, VGPIO_CH_E_BUSY, "busy", 1) == 0);
    CHECK(vgpio_dev_on_bytes(NULL, w, 1) == VGPIO_DEV_ERR_ARG);
}

static void test_stream_serial(void)
{
    uint8_t f[600], w[1400];
    size_t n, m;
    CHECK(start((struct setup){8, NAMES8, 1, VGPIO_DEV_SERIAL, NULL, (int)VGPIO_CAP_ALL}) == VGPIO_DEV_OK);
    /* garbage before the first frame is skipped */
    memcpy(w, "\x00\xffVxVVG\x05", 8);
    n = hex(f, sizeof f, HELLO);
    m = 8 + wrap(w + 8, f, n);
    CHECK(feed(w, m) == VGPIO_DEV_OK);
    EXPECT(DEVICE8_ALL);
    n = hex(f, sizeof f, FEAT_IRQ);
    CHECK(feed(w, wrap(w, f, n)) == VGPIO_DEV_OK);
    EXPECT("04 00 0000 0000 0000 | 0100000001000000");
    ASK(VGPIO_MSG_SET_IRQ_TYPE, 2, VGPIO_IRQ_EDGE_RISING, 0, 0);
    CHECK(irq_buf(0, 2) == VGPIO_DEV_OK);
    /* a bad CRC: the session ends, and the driver is told (a request of its may be lost) */
    m = wrap(w, f, request(f, 1, 2, VGPIO_MSG_GET_DIRECTION, 0, 0));
    w[10] ^= 1;
    CHECK(feed(w, m) == VGPIO_DEV_OK);
    EXPECT_ERROR(VGPIO_CH_E_MALFORMED);
    CHECK(vgpio_dev_state(&D) == VGPIO_DEV_IDLE && F.irq[2] == VGPIO_IRQ_NONE);
    /* until a new HELLO, any frame gets SEQUENCE */
    CHECK(req(1, 2, VGPIO_MSG_GET_DIRECTION, 0, 0) == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_SEQUENCE);
    n = hex(f, sizeof f, HELLO);
    CHECK(feed(w, wrap(w, f, n)) == VGPIO_DEV_OK);
    EXPECT(DEVICE8_ALL);
    /* a frame that starts inside a bad one is found: a bogus header claims 300 bytes */
    memcpy(w, "VG\x2c\x01", 4);
    n = hex(f, sizeof f, "07 00 0000 0000 0000 | 1122334455667788");
    m = 4 + wrap(w + 4, f, n);
    memset(w + m, 0xee, 320);
    CHECK(feed(w, m + 320) == VGPIO_DEV_ERR_PROTOCOL);
    CHECK(vgpio_dev_state(&D) == VGPIO_DEV_IDLE);
    EXPECT_TWO_ERRORS(VGPIO_CH_E_MALFORMED, VGPIO_CH_E_SEQUENCE); /* the PING was found; the session had ended */
    CHECK(vgpio_dev_rx_pending(&D) == 0);
    /* the longest frame, enveloped, and bytes split around it */
    n = hex(f, sizeof f, HELLO);
    CHECK(feed(w, wrap(w, f, n)) == VGPIO_DEV_OK);
    sent(f);
    memset(f, 0, 496);
    header(f, VGPIO_CH_PING, 0, 0, 0, 0);
    m = wrap(w, f, 496);
    CHECK(feed(w, 100) == VGPIO_DEV_OK && feed(w + 100, m - 100) == VGPIO_DEV_ERR_PROTOCOL);
    EXPECT_ERROR(VGPIO_CH_E_MALFORMED); /* a PING's body is 8 bytes */
    CHECK(vgpio_dev_on_frame(&D, f, 8) == VGPIO_DEV_ERR_PROTOCOL); /* serial keeps reading after an ERROR */
    sent(f);
    CHECK(feed((const uint8_t *)"VGVG", 4) == VGPIO_DEV_OK);
    CHECK(vgpio_dev_rx_pending(&D) == 2);
}

int main(void)
{
    test_crc();
    test_init();
    test_spec_example();
    test_hello();
    test_sequence_and_features();
    test_messages();
    test_init_directions();
    test_names_in_pieces();
    test_tags_and_limits();
    test_interrupts();
    test_line_config();
    test_new_session();
    test_send_failure();
    test_stream_socket();
    test_stream_serial();
    printf("sizeof(struct vgpio_dev) = %lu bytes (VGPIO_DEV_MAX_LINES %d)\n", (unsigned long)sizeof(struct vgpio_dev),
           VGPIO_DEV_MAX_LINES);
    return test_summary("test_dev");
}
