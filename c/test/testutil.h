/* Small helpers shared by the tests: hex strings, frame builders, envelopes, a failure counter. */
#ifndef VGPIO_TESTUTIL_H
#define VGPIO_TESTUTIL_H

#include <stdio.h>
#include <string.h>

#include "vgpio_dev.h"

#if defined(__GNUC__)
#define TEST_UNUSED __attribute__((unused)) /* not every test uses every helper */
#else
#define TEST_UNUSED
#endif

static int test_failures;
static int test_checks;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        test_checks++;                                                                \
        if (!(cond)) {                                                                \
            test_failures++;                                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                             \
    } while (0)

/* Parses hex digits into buf, skipping spaces and '|' (the spec's way of writing frames). */
TEST_UNUSED static size_t hex(uint8_t *buf, size_t cap, const char *s)
{
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        int v;
        if (*s >= '0' && *s <= '9') {
            v = *s - '0';
        } else if (*s >= 'a' && *s <= 'f') {
            v = *s - 'a' + 10;
        } else if (*s >= 'A' && *s <= 'F') {
            v = *s - 'A' + 10;
        } else {
            continue;
        }
        if (hi < 0) {
            hi = v;
        } else if (n < cap) {
            buf[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return n;
}

TEST_UNUSED static void print_hex(FILE *f, const uint8_t *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        fprintf(f, "%02x%s", b[i], i + 1 < n ? " " : "");
    }
    fputc('\n', f);
}

TEST_UNUSED static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v & 0xffu);
    p[1] = (uint8_t)(v >> 8 & 0xffu);
}

TEST_UNUSED static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (unsigned)(v & 0xffffu));
    put16(p + 2, (unsigned)(v >> 16));
}

TEST_UNUSED static unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

TEST_UNUSED static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

/* A frame header at f; returns 8. */
TEST_UNUSED static size_t header(uint8_t *f, unsigned type, unsigned queue, unsigned tag, unsigned size,
                                 unsigned offset)
{
    f[0] = (uint8_t)type;
    f[1] = (uint8_t)queue;
    put16(f + 2, tag);
    put16(f + 4, size);
    put16(f + 6, offset);
    return 8;
}

/* A requestq REQUEST of the right shape; returns its length (16). */
TEST_UNUSED static size_t request(uint8_t *f, unsigned tag, unsigned size, unsigned type, unsigned gpio, uint32_t value)
{
    header(f, VGPIO_CH_REQUEST, 0, tag, size, 0);
    put16(f + 8, type);
    put16(f + 10, gpio);
    put32(f + 12, value);
    return 16;
}

/* An eventq REQUEST (interrupt buffer pair) for gpio; returns 10. */
TEST_UNUSED static size_t irq_request(uint8_t *f, unsigned tag, unsigned gpio)
{
    header(f, VGPIO_CH_REQUEST, 1, tag, 1, 0);
    put16(f + 8, gpio);
    return 10;
}

/* Wraps the frame of len bytes at f into out (room for len + 8); returns the envelope's length. */
TEST_UNUSED static size_t wrap(uint8_t *out, const uint8_t *f, size_t len)
{
    out[0] = 'V';
    out[1] = 'G';
    put16(out + 2, (unsigned)len);
    memmove(out + 4, f, len);
    put32(out + 4 + len, vgpio_crc32c(0, out + 4, len));
    return len + 8;
}

TEST_UNUSED static int test_summary(const char *name)
{
    if (test_failures) {
        fprintf(stderr, "%s: %d of %d checks FAILED\n", name, test_failures, test_checks);
        return 1;
    }
    printf("%s: all %d checks passed\n", name, test_checks);
    return 0;
}

#endif
