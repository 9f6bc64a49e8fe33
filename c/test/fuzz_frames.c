/*
 * Random input for the library, libFuzzer style: LLVMFuzzerTestOneInput() runs one input; with clang
 * (-fsanitize=fuzzer -DVGPIO_LIBFUZZER) libFuzzer drives it, with gcc the main() below does: the seed
 * corpus, then inputs made from a fixed seed (random bytes, mutated seeds, and well-formed-ish sessions
 * from a small grammar), so every run checks the same inputs.
 *
 * Invariants, checked on every frame the device sends: it is 8..496 bytes, inside a correct envelope in
 * stream framing, of a type a device sends, with the shape its type has (DEVICE's fields, a RESPONSE's
 * queue, tag, size and offset, pieces in order with nothing between them, statuses that exist).
 *
 * An input: byte 0 chooses the device (bits 0-1 framing, 2 start with HELLO and FEATURES, 3 a token,
 * 4 interrupts, 5 line caps, 6-7 how many lines: 1, 3, 8, 64); then chunks:
 *   0xff L     the line L & 0x7f changes to level L >> 7
 *   0xfe N ... N raw bytes (on_bytes in stream framing, one frame otherwise)
 *   0xfd       the connection closes (vgpio_dev_disconnect)
 *   0xfc LL LH ... a frame of le16 length (enveloped in stream framing)
 *   0xfb       the send callback starts or stops failing
 *   N ...      a frame of N bytes (N < 0xfb), enveloped in stream framing
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpio_dev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LINES 64

struct world {
    struct vgpio_dev dev;
    int framing;
    unsigned ngpio;
    uint32_t names_size;
    int fail_send;
    int dir[LINES], out[LINES], in[LINES];
    /* the RESPONSE being sent in pieces, if any */
    unsigned piece_queue, piece_tag, piece_size, piece_next;
    unsigned long frames;
};

static struct world W;
static char name_buf[LINES][24];
static const char *names[LINES];

static void die(const char *why, const uint8_t *f, size_t len)
{
    size_t i;
    fprintf(stderr, "fuzz_frames: invariant broken: %s\n  frame:", why);
    for (i = 0; i < len && i < 64; i++) {
        fprintf(stderr, " %02x", f[i]);
    }
    fprintf(stderr, "\n");
    abort();
}

static unsigned u16(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t u32(const uint8_t *p)
{
    return (uint32_t)u16(p) | (uint32_t)u16(p + 2) << 16;
}

static void check_frame(const uint8_t *f, size_t len)
{
    unsigned type, queue, tag, size, offset;
    size_t blen;
    if (len < 8 || len > VGPIO_CH_FRAME_MAX) {
        die("frame length out of 8..496", f, len);
    }
    type = f[0];
    queue = f[1];
    tag = u16(f + 2);
    size = u16(f + 4);
    offset = u16(f + 6);
    blen = len - 8;
    if (W.piece_next < W.piece_size
        && (type != VGPIO_CH_RESPONSE || queue != W.piece_queue || tag != W.piece_tag || size != W.piece_size
            || offset != W.piece_next)) {
        die("another frame between the pieces of a RESPONSE", f, len);
    }
    if (type != VGPIO_CH_RESPONSE && (queue | tag | size | offset) != 0) {
        die("header fields not 0", f, len);
    }
    switch (type) {
    case VGPIO_CH_DEVICE: {
        uint64_t feat = (uint64_t)u32(f + 16) | (uint64_t)u32(f + 20) << 32;
        if (blen != 32 || u16(f + 8) != 1 || u16(f + 10) != 41 || u32(f + 12) != 0 || f[24] != 2 || f[25] != 0
            || u16(f + 26) != 8 || u16(f + 28) != VGPIO_DEV_REQUESTQ_SIZE || u16(f + 30) != W.ngpio
            || u16(f + 32) != W.ngpio || u16(f + 34) != 0 || u32(f + 36) != W.names_size
            || !(feat & VGPIO_F_VERSION_1) || (feat & ~(VGPIO_F_VERSION_1 | VGPIO_F_IRQ | VGPIO_F_LINE_CONFIG))) {
            die("bad DEVICE", f, len);
        }
        break;
    }
    case VGPIO_CH_FEATURES_OK:
    case VGPIO_CH_PONG:
        if (blen != 8) {
            die("FEATURES_OK or PONG without 8 bytes", f, len);
        }
        break;
    case VGPIO_CH_ERROR:
        if (blen < 4 || u16(f + 8) < 1 || u16(f + 8) > 11 || u16(f + 10) != 0) {
            die("bad ERROR", f, len);
        }
        break;
    case VGPIO_CH_RESPONSE: {
        unsigned most = queue == 0 ? (W.names_size + 1 > 2 ? W.names_size + 1 : 2) : 1;
        size_t want = size - offset < VGPIO_CH_BODY_MAX ? size - offset : VGPIO_CH_BODY_MAX;
        if (queue > 1 || tag >= (queue == 0 ? VGPIO_DEV_REQUESTQ_SIZE : W.ngpio) || size > most) {
            die("RESPONSE queue, tag or size out of range", f, len);
        }
        if (offset > size || blen != want || (offset == 0 && blen > 0 && f[8] > 1)) {
            die("RESPONSE piece or status wrong", f, len);
        }
        if (queue == 0 && size == 2 && f[8] == VGPIO_STATUS_ERR && f[9] != 0) {
            die("STATUS_ERR with a value", f, len);
        }
        W.piece_queue = queue;
        W.piece_tag = tag;
        W.piece_size = size;
        W.piece_next = offset + (unsigned)blen;
        break;
    }
    default:
        die("a frame type the device does not send", f, len);
    }
    W.frames++;
}

static int w_send(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    if (W.framing == VGPIO_DEV_FRAMES) {
        check_frame(data, len);
    } else {
        size_t flen;
        if (len < 16 || data[0] != 'V' || data[1] != 'G') {
            die("bad envelope", data, len);
        }
        flen = u16(data + 2);
        if (flen + 8 != len || u32(data + 4 + flen) != vgpio_crc32c(0, data + 4, flen)) {
            die("envelope length or CRC wrong", data, len);
        }
        check_frame(data + 4, flen);
    }
    return W.fail_send ? -1 : 0;
}

static int w_get_level(void *ctx, unsigned line)
{
    (void)ctx;
    if (line >= W.ngpio) {
        abort();
    }
    return W.dir[line] == VGPIO_DIR_OUT ? W.out[line] : W.in[line];
}

static int w_set_direction(void *ctx, unsigned line, unsigned dir, int value)
{
    (void)ctx;
    if (line >= W.ngpio || dir > 2 || (value != 0 && value != 1)) {
        abort();
    }
    W.dir[line] = (int)dir;
    W.out[line] = value;
    return line == 2 && dir == VGPIO_DIR_IN && W.in[1] ? -1 : 0; /* now and then the hardware refuses */
}

static int w_set_value(void *ctx, unsigned line, int value)
{
    (void)ctx;
    if (line >= W.ngpio || W.dir[line] != VGPIO_DIR_OUT || (value != 0 && value != 1)) {
        abort();
    }
    W.out[line] = value;
    return 0;
}

static int w_set_irq_type(void *ctx, unsigned line, unsigned type)
{
    (void)ctx;
    if (line >= W.ngpio || (type != 0 && type != 1 && type != 2 && type != 3 && type != 4 && type != 8)) {
        abort();
    }
    return 0;
}

static int w_get_caps(void *ctx, unsigned line)
{
    (void)ctx;
    return line % 3 == 0 ? (int)VGPIO_CAP_ALL : line % 3 == 1 ? (int)VGPIO_CAP_PULL_UP : 0;
}

static int w_set_config(void *ctx, unsigned line, unsigned param, uint32_t arg)
{
    (void)ctx;
    if (line >= W.ngpio || param < 1 || param > 3 || arg > VGPIO_DEBOUNCE_MAX_US) {
        abort();
    }
    return 0;
}

static const struct vgpio_dev_ops OPS = {w_send, w_get_level, w_set_direction, w_set_value, NULL,
                                         w_set_irq_type, w_get_caps, w_set_config};
static const struct vgpio_dev_ops OPS_NO_CAPS = {w_send, w_get_level, w_set_direction, w_set_value, NULL,
                                                 w_set_irq_type, NULL, NULL};

/* Gives a frame (or raw bytes) to the library the way the framing takes it; reconnects as an app would. */
static void deliver(const uint8_t *p, size_t n, int raw)
{
    static uint8_t env[VGPIO_CH_STREAM_MAX + 1200];
    int rc;
    if (W.framing == VGPIO_DEV_FRAMES) {
        rc = vgpio_dev_on_frame(&W.dev, p, n);
    } else if (raw || n > VGPIO_CH_FRAME_MAX) {
        rc = vgpio_dev_on_bytes(&W.dev, p, n);
    } else {
        env[0] = 'V';
        env[1] = 'G';
        env[2] = (uint8_t)(n & 0xff);
        env[3] = (uint8_t)(n >> 8);
        memcpy(env + 4, p, n);
        {
            uint32_t c = vgpio_crc32c(0, p, n);
            env[4 + n] = (uint8_t)(c & 0xff);
            env[5 + n] = (uint8_t)(c >> 8 & 0xff);
            env[6 + n] = (uint8_t)(c >> 16 & 0xff);
            env[7 + n] = (uint8_t)(c >> 24);
        }
        /* split in two calls somewhere, to exercise the decoder's partial state */
        rc = vgpio_dev_on_bytes(&W.dev, env, (n + 8) / 3);
        if (rc != VGPIO_DEV_ERR_CLOSED) {
            rc = vgpio_dev_on_bytes(&W.dev, env + (n + 8) / 3, n + 8 - (n + 8) / 3);
        }
    }
    if (rc == VGPIO_DEV_ERR_FRAMING || rc == VGPIO_DEV_ERR_CLOSED
        || (W.framing == VGPIO_DEV_SOCKET && (rc == VGPIO_DEV_ERR_PROTOCOL || rc == VGPIO_DEV_ERR_PEER))) {
        vgpio_dev_disconnect(&W.dev);
        W.piece_next = W.piece_size = 0;
    }
    if (rc == VGPIO_DEV_ERR_SEND) {
        W.piece_next = W.piece_size = 0; /* the pieces stopped with the channel */
    }
    if (W.piece_next < W.piece_size) {
        die("a RESPONSE left unfinished", NULL, 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned counts[4] = {1, 3, 8, 64};
    static const uint8_t hello[] = {1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 3, 0, 't', 'o', 'k'};
    uint8_t features[16] = {3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0};
    struct vgpio_dev_config cfg;
    size_t i = 1;
    unsigned flags, l;
    if (size < 1) {
        return 0;
    }
    flags = data[0];
    memset(&W, 0, sizeof W);
    W.framing = (flags & 3) == 3 ? VGPIO_DEV_FRAMES : (int)(flags & 3);
    W.ngpio = counts[flags >> 6];
    W.names_size = 0;
    for (l = 0; l < W.ngpio; l++) {
        snprintf(name_buf[l], sizeof name_buf[l], "GPIO_LINE_%u", l);
        names[l] = name_buf[l];
        W.names_size += (uint32_t)strlen(name_buf[l]) + 1;
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.ops = (flags & 0x20) ? &OPS : &OPS_NO_CAPS;
    cfg.ngpio = W.ngpio;
    cfg.names = names;
    cfg.irq = (flags & 0x10) != 0;
    cfg.framing = (enum vgpio_dev_framing)W.framing;
    if (flags & 8) {
        cfg.token = (const uint8_t *)"tok";
        cfg.token_len = 3;
    }
    if (vgpio_dev_init(&W.dev, &cfg) != VGPIO_DEV_OK) {
        abort();
    }
    if (flags & 4) {
        deliver(hello, sizeof hello, 0);
        features[8] = (uint8_t)(((flags & 0x10) ? 1 : 0) | ((flags & 0x20) ? 2 : 0));
        deliver(features, sizeof features, 0);
    }
    while (i < size) {
        unsigned h = data[i++];
        size_t n;
        if (h == 0xff) {
            if (i < size) {
                unsigned b = data[i++];
                unsigned line = b & 0x7f;
                int rc;
                if (line < W.ngpio) {
                    W.in[line] = (int)(b >> 7);
                }
                rc = vgpio_dev_line_changed(&W.dev, line, (int)(b >> 7));
                if ((rc == VGPIO_DEV_ERR_ARG) != (line >= W.ngpio)) {
                    abort();
                }
            }
            continue;
        }
        if (h == 0xfd) {
            vgpio_dev_disconnect(&W.dev);
            continue;
        }
        if (h == 0xfb) {
            W.fail_send = !W.fail_send;
            continue;
        }
        if (h == 0xfe || h == 0xfc) {
            if (i + (h == 0xfc ? 2 : 1) > size) {
                break;
            }
            n = h == 0xfc ? (size_t)data[i] | (size_t)data[i + 1] << 8 : data[i];
            i += h == 0xfc ? 2 : 1;
        } else {
            n = h;
        }
        if (n > size - i) {
            n = size - i;
        }
        deliver(data + i, n, h == 0xfe);
        i += n;
    }
    vgpio_dev_disconnect(&W.dev);
    return 0;
}

#ifndef VGPIO_LIBFUZZER
/* ---- the gcc driver: a fixed seed, so every run checks the same inputs */

#include <dirent.h>

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

#define MAX_SEEDS 64
#define FUZZ_MAX_INPUT 4096
static uint8_t seeds[MAX_SEEDS][FUZZ_MAX_INPUT];
static size_t seed_len[MAX_SEEDS];
static int nseeds;

static void load_corpus(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (d == NULL) {
        fprintf(stderr, "fuzz_frames: no corpus at %s\n", dir);
        exit(1);
    }
    while ((e = readdir(d)) != NULL && nseeds < MAX_SEEDS) {
        char path[1024];
        FILE *f;
        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        f = fopen(path, "rb");
        if (f == NULL) {
            continue;
        }
        seed_len[nseeds] = fread(seeds[nseeds], 1, FUZZ_MAX_INPUT, f);
        fclose(f);
        nseeds++;
    }
    closedir(d);
}

/* Appends a chunk: a frame with header and body, some fields chosen near their edges. */
static size_t grammar_chunk(uint8_t *p)
{
    static const unsigned types[] = {1, 3, 5, 5, 5, 5, 5, 5, 7, 8, 9, 2, 4, 6, 0, 10};
    unsigned type = types[rnd() % 16];
    size_t blen = 0;
    uint8_t *f = p + 1;
    unsigned r = rnd() % 20;
    if (r == 0) {
        p[0] = 0xff;
        p[1] = (uint8_t)rnd();
        return 2;
    }
    if (r == 1) {
        p[0] = 0xfd;
        return 1;
    }
    memset(f, 0, 40);
    f[0] = (uint8_t)type;
    if (type == VGPIO_CH_REQUEST) {
        unsigned q = rnd() % 8 == 0 ? rnd() % 3 : rnd() % 2;
        f[1] = (uint8_t)q;
        f[2] = (uint8_t)(rnd() % 8 == 0 ? rnd() : rnd() % 10);
        if (q == 0) {
            unsigned msg = rnd() % 10, sz = rnd() % 6 == 0 ? rnd() % 900 : msg == 1 ? 1 + W.names_size : 2;
            f[4] = (uint8_t)(sz & 0xff);
            f[5] = (uint8_t)(sz >> 8);
            f[8] = (uint8_t)msg;
            f[10] = (uint8_t)(rnd() % 10);
            f[12] = (uint8_t)(rnd() % 4 == 0 ? rnd() : rnd() % 5);
            f[13] = (uint8_t)(rnd() % 4 == 0 ? rnd() : 0);
            blen = rnd() % 10 == 0 ? rnd() % 12 : 8;
        } else {
            f[4] = (uint8_t)(rnd() % 10 == 0 ? rnd() % 3 : 1);
            f[8] = (uint8_t)(rnd() % 10);
            blen = rnd() % 10 == 0 ? rnd() % 4 : 2;
        }
    } else if (type == VGPIO_CH_HELLO) {
        f[8] = 1;
        f[10] = (uint8_t)(rnd() % 8 == 0 ? 0 : 1);
        blen = 6;
        if (rnd() % 2) {
            f[12] = 3;
            memcpy(f + 14, "tok", 3);
            blen = 9;
        }
    } else if (type == VGPIO_CH_FEATURES) {
        f[8] = (uint8_t)(rnd() % 4);
        f[12] = (uint8_t)(rnd() % 8 != 0);
        blen = rnd() % 10 == 0 ? rnd() % 10 : 8;
    } else {
        blen = rnd() % 10;
    }
    p[0] = (uint8_t)(8 + blen);
    return 9 + blen;
}

static size_t make_input(uint8_t *buf)
{
    size_t n = 0, k;
    unsigned kind = rnd() % 4;
    if (kind == 0) { /* noise */
        n = rnd() % 700;
        for (k = 0; k < n; k++) {
            buf[k] = (uint8_t)rnd();
        }
        return n;
    }
    if (kind == 1 && nseeds > 0) { /* a mutated seed */
        int s = (int)(rnd() % (unsigned)nseeds);
        unsigned m, muts = 1 + rnd() % 8;
        n = seed_len[s];
        memcpy(buf, seeds[s], n);
        for (m = 0; m < muts && n > 0; m++) {
            size_t at = rnd() % n;
            switch (rnd() % 5) {
            case 0: buf[at] ^= (uint8_t)(1u << (rnd() % 8)); break;
            case 1: buf[at] = (uint8_t)rnd(); break;
            case 2:
                if (n < FUZZ_MAX_INPUT - 1) {
                    memmove(buf + at + 1, buf + at, n - at);
                    buf[at] = (uint8_t)rnd();
                    n++;
                }
                break;
            case 3: memmove(buf + at, buf + at + 1, n - at - 1); n--; break;
            default: { /* splice in part of another seed */
                int o = (int)(rnd() % (unsigned)nseeds);
                size_t from = seed_len[o] ? rnd() % seed_len[o] : 0, len = rnd() % 64;
                if (from + len > seed_len[o]) len = seed_len[o] - from;
                if (at + len > FUZZ_MAX_INPUT) len = FUZZ_MAX_INPUT - at;
                memcpy(buf + at, seeds[o] + from, len);
                if (at + len > n) n = at + len;
            }
            }
        }
        return n;
    }
    /* a session from the grammar */
    buf[n++] = (uint8_t)(rnd() | (rnd() % 4 ? 4 : 0));
    W.names_size = 0;
    {
        static const unsigned counts[4] = {1, 3, 8, 64};
        unsigned l, c = counts[buf[0] >> 6];
        for (l = 0; l < c; l++) {
            W.names_size += l < 10 ? 12u : 13u;
        }
    }
    k = 1 + rnd() % 60;
    while (k-- > 0 && n < FUZZ_MAX_INPUT - 64) {
        n += grammar_chunk(buf + n);
    }
    return n;
}

int main(int argc, char **argv)
{
    static uint8_t buf[FUZZ_MAX_INPUT];
    long runs = argc > 1 ? atol(argv[1]) : 200000, r;
    unsigned long frames = 0;
    int s;
    load_corpus(argc > 2 ? argv[2] : "test/corpus");
    for (s = 0; s < nseeds; s++) {
        LLVMFuzzerTestOneInput(seeds[s], seed_len[s]);
        frames += W.frames;
    }
    for (r = 0; r < runs; r++) {
        size_t n = make_input(buf);
        LLVMFuzzerTestOneInput(buf, n);
        frames += W.frames;
    }
    printf("fuzz_frames: %d seeds and %ld generated inputs, %lu frames sent, every one well-formed\n", nseeds,
           runs, frames);
    return 0;
}
#endif
