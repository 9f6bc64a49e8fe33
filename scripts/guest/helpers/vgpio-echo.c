/*
 * vgpio-echo - guest-side half of vgpio's latency test.
 *
 *   vgpio-echo CHIP IN_LINE OUT_LINE COUNT
 *
 * Requests IN_LINE as an input with both edge events and OUT_LINE as an output driven to 0,
 * in one line request through the GPIO character device uAPI v2. Prints "VGPIO-ECHO ready",
 * then for each of COUNT edge events on IN_LINE sets OUT_LINE to 1 (rising) or 0 (falling)
 * at once. At the end it prints
 *   VGPIO-ECHO done N rising R falling F
 *   VGPIO-ECHO ev <seqno> <rising|falling> <timestamp_ns>      (one per event, in order)
 * where seqno is the kernel's sequence number of the event in this request (a gap means the
 * kernel dropped events) and timestamp_ns its CLOCK_MONOTONIC timestamp. The event lines are
 * kept in memory until the end so that printing does not slow down the echo.
 *
 * CHIP is a name under /dev (gpiochip0) or a path. Errors print "vgpio-echo: ..." on stderr
 * and exit 1. SIGTERM/SIGINT (e.g. busybox timeout) end the wait: the events seen so far
 * are printed after "VGPIO-ECHO interrupted N rising R falling F" and the exit status is 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/gpio.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MAX_COUNT 10000000UL

struct rec {
	uint32_t seqno;
	uint32_t rising;
	uint64_t timestamp_ns;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("vgpio-echo: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static unsigned long parse_num(const char *what, const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end != '\0' || s[0] == '-' || v > max)
		fail("bad %s '%s' (a number from 0 to %lu expected)", what, s, max);
	return v;
}

static void report(const char *verdict, const struct rec *recs, unsigned long n)
{
	unsigned long i, rising = 0;

	for (i = 0; i < n; i++)
		rising += recs[i].rising;
	printf("VGPIO-ECHO %s %lu rising %lu falling %lu\n", verdict, n, rising, n - rising);
	for (i = 0; i < n; i++)
		printf("VGPIO-ECHO ev %u %s %llu\n", recs[i].seqno,
		       recs[i].rising ? "rising" : "falling",
		       (unsigned long long)recs[i].timestamp_ns);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct gpio_v2_line_request req;
	struct gpio_v2_line_event ev;
	struct gpio_v2_line_values vals;
	struct sigaction sa;
	struct rec *recs;
	char path[PATH_MAX];
	unsigned long in_line, out_line, count, n = 0;
	int chip_fd, fd;
	ssize_t r;

	if (argc != 5) {
		fprintf(stderr, "usage: %s CHIP IN_LINE OUT_LINE COUNT\n",
			argc > 0 ? argv[0] : "vgpio-echo");
		return 1;
	}
	if (strchr(argv[1], '/'))
		snprintf(path, sizeof(path), "%s", argv[1]);
	else
		snprintf(path, sizeof(path), "/dev/%s", argv[1]);
	in_line = parse_num("IN_LINE", argv[2], UINT32_MAX);
	out_line = parse_num("OUT_LINE", argv[3], UINT32_MAX);
	count = parse_num("COUNT", argv[4], MAX_COUNT);
	if (in_line == out_line)
		fail("IN_LINE and OUT_LINE must differ (both %lu)", in_line);

	recs = calloc(count ? count : 1, sizeof(*recs));
	if (!recs)
		fail("cannot allocate room for %lu events", count);

	/* no SA_RESTART: a signal makes the blocking read fail with EINTR */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	chip_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (chip_fd < 0)
		fail("cannot open %s: %s", path, strerror(errno));

	/*
	 * One request, two lines: index 0 = IN_LINE with the request-wide input + both-edges
	 * flags, index 1 = OUT_LINE overridden to output with an initial value of 0.
	 */
	memset(&req, 0, sizeof(req));
	req.offsets[0] = (uint32_t)in_line;
	req.offsets[1] = (uint32_t)out_line;
	req.num_lines = 2;
	snprintf(req.consumer, sizeof(req.consumer), "vgpio-echo");
	req.config.flags = GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING |
			   GPIO_V2_LINE_FLAG_EDGE_FALLING;
	req.config.num_attrs = 2;
	req.config.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_FLAGS;
	req.config.attrs[0].attr.flags = GPIO_V2_LINE_FLAG_OUTPUT;
	req.config.attrs[0].mask = 1ULL << 1;
	req.config.attrs[1].attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
	req.config.attrs[1].attr.values = 0;
	req.config.attrs[1].mask = 1ULL << 1;
	if (ioctl(chip_fd, GPIO_V2_GET_LINE_IOCTL, &req) < 0)
		fail("cannot request lines %lu (input, both edges) and %lu (output) of %s: %s",
		     in_line, out_line, path, strerror(errno));
	close(chip_fd);
	fd = req.fd;

	printf("VGPIO-ECHO ready\n");
	fflush(stdout);

	memset(&vals, 0, sizeof(vals));
	vals.mask = 1ULL << 1;
	while (n < count) {
		r = read(fd, &ev, sizeof(ev));
		if (r < 0) {
			if (errno == EINTR && stop_signal) {
				report("interrupted", recs, n);
				fprintf(stderr, "vgpio-echo: stopped by signal %d after %lu of %lu events\n",
					(int)stop_signal, n, count);
				return 1;
			}
			if (errno == EINTR)
				continue;
			fail("reading an edge event failed after %lu events: %s", n, strerror(errno));
		}
		if (r != (ssize_t)sizeof(ev))
			fail("short edge event read (%zd of %zu bytes)", r, sizeof(ev));
		if (ev.id != GPIO_V2_LINE_EVENT_RISING_EDGE && ev.id != GPIO_V2_LINE_EVENT_FALLING_EDGE)
			fail("unknown event id %u", ev.id);

		vals.bits = ev.id == GPIO_V2_LINE_EVENT_RISING_EDGE ? 1ULL << 1 : 0;
		if (ioctl(fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &vals) < 0)
			fail("setting line %lu failed after %lu events: %s", out_line, n + 1,
			     strerror(errno));

		recs[n].seqno = ev.seqno;
		recs[n].rising = ev.id == GPIO_V2_LINE_EVENT_RISING_EDGE;
		recs[n].timestamp_ns = ev.timestamp_ns;
		n++;
	}
	close(fd);
	report("done", recs, n);
	free(recs);
	return 0;
}
