/*
 * The example port over a real pseudo-terminal and a real Unix socket: starts vgpio-port --pty and
 * --unix, talks to it as a driver does (HELLO, FEATURES, names, values, an interrupt after the control
 * socket's "set"), and checks the control protocol's replies, reconnects, BUSY, MALFORMED and a clean
 * exit on SIGTERM.
 *
 *   port_test PATH/TO/vgpio-port
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

static const char *port;
static char dir[64];

/* ---- a driver's end of the channel */

struct conn {
    int fd;
    uint8_t rx[8192];
    size_t len;
    unsigned events[16][2]; /* eventq RESPONSEs seen while waiting for something else: tag, status */
    int nevents;
};

static int64_t ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void send_frame(struct conn *c, const uint8_t *f, size_t len)
{
    uint8_t w[VGPIO_CH_STREAM_MAX];
    size_t n = wrap(w, f, len);
    CHECK(write(c->fd, w, n) == (ssize_t)n);
}

/* The next frame (its length), 0 on timeout, -1 at end of file. Bytes before a checked "VG" are skipped. */
static int read_frame(struct conn *c, uint8_t *frame, int timeout_ms)
{
    int64_t end = ms_now() + timeout_ms;
    for (;;) {
        while (c->len >= 4) {
            size_t flen = get16(c->rx + 2);
            if (c->rx[0] != 'V' || c->rx[1] != 'G' || flen < 8 || flen > 496) {
                memmove(c->rx, c->rx + 1, --c->len);
                continue;
            }
            if (c->len < flen + 8) {
                break;
            }
            if (get32(c->rx + 4 + flen) != vgpio_crc32c(0, c->rx + 4, flen)) {
                memmove(c->rx, c->rx + 1, --c->len);
                continue;
            }
            memcpy(frame, c->rx + 4, flen);
            c->len -= flen + 8;
            memmove(c->rx, c->rx + flen + 8, c->len);
            return (int)flen;
        }
        {
            struct pollfd pf = {c->fd, POLLIN, 0};
            int64_t left = end - ms_now();
            ssize_t n;
            if (left <= 0 || poll(&pf, 1, (int)left) <= 0) {
                return 0;
            }
            n = read(c->fd, c->rx + c->len, sizeof c->rx - c->len);
            if (n <= 0) {
                return -1;
            }
            c->len += (size_t)n;
        }
    }
}

/* Waits for a frame of type (RESPONSE: of queue and tag); eventq answers met on the way are kept. */
static int await(struct conn *c, uint8_t *f, unsigned type, int queue, int tag, int timeout_ms)
{
    int64_t end = ms_now() + timeout_ms;
    for (;;) {
        int64_t left = end - ms_now();
        int n = left > 0 ? read_frame(c, f, (int)left) : 0;
        if (n <= 0) {
            return n;
        }
        if (f[0] == type && (type != VGPIO_CH_RESPONSE || (f[1] == queue && (int)get16(f + 2) == tag))) {
            return n;
        }
        if (f[0] == VGPIO_CH_RESPONSE && f[1] == 1 && c->nevents < 16) {
            c->events[c->nevents][0] = get16(f + 2);
            c->events[c->nevents][1] = f[8];
            c->nevents++;
        }
    }
}

/* Whether an eventq RESPONSE for tag with status came (or comes within timeout_ms). */
static int got_event(struct conn *c, unsigned tag, unsigned status, int timeout_ms)
{
    uint8_t f[496];
    int i;
    for (i = 0; i < c->nevents; i++) {
        if (c->events[i][0] == tag) {
            int ok = c->events[i][1] == status;
            memmove(c->events[i], c->events[i + 1], sizeof c->events[0] * (size_t)(c->nevents - i - 1));
            c->nevents--;
            return ok;
        }
    }
    return await(c, f, VGPIO_CH_RESPONSE, 1, (int)tag, timeout_ms) == 9 && f[4] == 1 && f[8] == status;
}

/* HELLO and FEATURES (all the device offers); returns the DEVICE frame's length. */
static int handshake(struct conn *c, uint8_t *device)
{
    uint8_t f[64];
    int n;
    header(f, VGPIO_CH_HELLO, 0, 0, 0, 0);
    put16(f + 8, 1);
    put16(f + 10, 1);
    put16(f + 12, 0);
    send_frame(c, f, 14);
    n = await(c, device, VGPIO_CH_DEVICE, 0, 0, 3000);
    if (n != 40) { /* the caller decides: a retried connection may be turned away */
        return n;
    }
    header(f, VGPIO_CH_FEATURES, 0, 0, 0, 0);
    memcpy(f + 8, device + 16, 8); /* device_features */
    send_frame(c, f, 16);
    CHECK(await(c, f, VGPIO_CH_FEATURES_OK, 0, 0, 3000) == 16);
    CHECK(memcmp(f + 8, device + 16, 8) == 0);
    return n;
}

/* One requestq message; returns status << 8 | value, or -1. */
static int call(struct conn *c, unsigned type, unsigned gpio, uint32_t value)
{
    uint8_t f[496];
    request(f, 5, 2, type, gpio, value);
    send_frame(c, f, 16);
    if (await(c, f, VGPIO_CH_RESPONSE, 0, 5, 3000) != 10) {
        return -1;
    }
    return f[8] << 8 | f[9];
}

static void queue_irq(struct conn *c, unsigned tag, unsigned gpio)
{
    uint8_t f[10];
    send_frame(c, f, irq_request(f, tag, gpio));
}

/* ---- the control socket */

static int unix_connect(const char *path)
{
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends one command; returns the reply without its final empty line, in a static buffer. */
static const char *ctl(const char *path, const char *command)
{
    static char reply[8192];
    size_t len = 0;
    int fd = unix_connect(path);
    if (fd < 0) {
        return "(no control socket)";
    }
    CHECK(write(fd, command, strlen(command)) == (ssize_t)strlen(command));
    CHECK(write(fd, "\n", 1) == 1);
    while (len < sizeof reply - 1) {
        struct pollfd pf = {fd, POLLIN, 0};
        ssize_t n;
        if (poll(&pf, 1, 3000) <= 0 || (n = read(fd, reply + len, sizeof reply - 1 - len)) <= 0) {
            break;
        }
        len += (size_t)n;
        reply[len] = '\0';
        if (len >= 2 && strcmp(reply + len - 2, "\n\n") == 0) {
            break;
        }
    }
    close(fd);
    reply[len] = '\0';
    if (len >= 2 && strcmp(reply + len - 2, "\n\n") == 0) {
        reply[len - 2] = '\0';
    } else {
        CHECK(!"control reply not ended by an empty line");
    }
    return reply;
}

#define CTL_IS(path, cmd, want) ctl_is_(__LINE__, path, cmd, want)
static void ctl_is_(int line, const char *path, const char *cmd, const char *want)
{
    const char *got = ctl(path, cmd);
    test_checks++;
    if (strcmp(got, want) != 0) {
        test_failures++;
        fprintf(stderr, "%s:%d: ctl '%s'\n  want: %s\n  got:  %s\n", __FILE__, line, cmd, want, got);
    }
}

/* ---- the port process */

struct proc {
    pid_t pid;
    char ready[256];
};

static void start(struct proc *p, char *const argv[])
{
    int out[2];
    size_t len = 0;
    CHECK(pipe(out) == 0);
    p->pid = fork();
    if (p->pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(out[1]);
    p->ready[0] = '\0';
    while (len < sizeof p->ready - 1) {
        struct pollfd pf = {out[0], POLLIN, 0};
        ssize_t n;
        if (poll(&pf, 1, 5000) <= 0 || (n = read(out[0], p->ready + len, 1)) <= 0) {
            break;
        }
        if (p->ready[len] == '\n') {
            break;
        }
        len++;
    }
    p->ready[len] = '\0';
    close(out[0]);
}

/* SIGTERM; returns whether it exited with status 0 within 5 s. */
static int stop(struct proc *p)
{
    int64_t end = ms_now() + 5000;
    int status;
    kill(p->pid, SIGTERM);
    while (ms_now() < end) {
        pid_t r = waitpid(p->pid, &status, WNOHANG);
        if (r == p->pid) {
            return WIFEXITED(status) && WEXITSTATUS(status) == 0;
        }
        usleep(10000);
    }
    kill(p->pid, SIGKILL);
    waitpid(p->pid, &status, 0);
    return 0;
}

static const char NAMES_BLOCK[] = "LED0\0LED1\0BUTTON0\0BUTTON1\0RELAY0\0SENSOR0\0ALERT0\0GPIO7";

/* What both channels must do: names, values, an interrupt driven from the control socket. */
static void serve_checks(struct conn *c, const char *ctlp)
{
    uint8_t device[64], f[496];
    int n;
    CHECK(handshake(c, device) == 40);
    CHECK(get16(device + 30) == 8 && get16(device + 32) == 8);     /* eventq size, ngpio */
    CHECK(get32(device + 36) == sizeof NAMES_BLOCK);               /* gpio_names_size */
    CHECK(get32(device + 16) == 3 && get32(device + 20) == 1);     /* IRQ, LINE_CONFIG, VERSION_1 */
    request(f, 1, 1 + sizeof NAMES_BLOCK, VGPIO_MSG_GET_LINE_NAMES, 0, 0);
    send_frame(c, f, 16);
    n = await(c, f, VGPIO_CH_RESPONSE, 0, 1, 3000);
    CHECK(n == 9 + (int)sizeof NAMES_BLOCK && f[8] == 0 && memcmp(f + 9, NAMES_BLOCK, sizeof NAMES_BLOCK) == 0);
    /* an output: the value set before the direction */
    CHECK(call(c, VGPIO_MSG_SET_VALUE, 0, 1) == 0);
    CHECK(call(c, VGPIO_MSG_SET_DIRECTION, 0, VGPIO_DIR_OUT) == 0);
    CHECK(call(c, VGPIO_MSG_GET_VALUE, 0, 0) == 1);
    CTL_IS(ctlp, "get LED0", "ok\nline 0 \"LED0\": level=1 direction=output driver=guest edge=none");
    /* an input edge from the outside world */
    CHECK(call(c, VGPIO_MSG_SET_IRQ_TYPE, 2, VGPIO_IRQ_EDGE_RISING) == 0);
    queue_irq(c, 0, 2);
    CHECK(call(c, VGPIO_MSG_GET_DIRECTION, 2, 0) == VGPIO_DIR_IN); /* also: the pair is held by now */
    CTL_IS(ctlp, "set BUTTON0 high", "ok\nline 2 \"BUTTON0\": level=1 direction=input driver=host edge=rising");
    CHECK(got_event(c, 0, VGPIO_IRQ_VALID, 2000));
    CHECK(call(c, VGPIO_MSG_GET_VALUE, 2, 0) == 1);
    /* no pull: let go, it stays; with a pull-down it falls */
    CTL_IS(ctlp, "release 2", "ok\nline 2 \"BUTTON0\": level=1 direction=input driver=nobody edge=rising");
    CHECK(call(c, VGPIO_MSG_SET_LINE_CONFIG, 2, VGPIO_CONFIG_BIAS | VGPIO_BIAS_PULL_DOWN << 8) == 0);
    CHECK(call(c, VGPIO_MSG_GET_VALUE, 2, 0) == 0);
    CTL_IS(ctlp, "get BUTTON0",
           "ok\nline 2 \"BUTTON0\": level=0 direction=input driver=nobody edge=rising bias=pull-down");
    CHECK(call(c, VGPIO_MSG_SET_LINE_CONFIG, 5, VGPIO_CONFIG_BIAS | VGPIO_BIAS_PULL_DOWN << 8) == 0x100);
    /* open drain letting go reads the outside */
    CHECK(call(c, VGPIO_MSG_SET_LINE_CONFIG, 1, VGPIO_CONFIG_DRIVE | VGPIO_DRIVE_OPEN_DRAIN << 8) == 0);
    CHECK(call(c, VGPIO_MSG_SET_VALUE, 1, 1) == 0);
    CHECK(call(c, VGPIO_MSG_SET_DIRECTION, 1, VGPIO_DIR_OUT) == 0);
    CTL_IS(ctlp, "set 1 0", "ok\nline 1 \"LED1\": level=0 direction=output driver=guest edge=none drive=open-drain");
    CHECK(call(c, VGPIO_MSG_GET_VALUE, 1, 0) == 0);
    CTL_IS(ctlp, "set 1 1", "ok\nline 1 \"LED1\": level=1 direction=output driver=guest edge=none drive=open-drain");
    CHECK(call(c, VGPIO_MSG_GET_VALUE, 1, 0) == 1);
    CHECK(call(c, VGPIO_MSG_SET_VALUE, 1, 0) == 0);
    CHECK(call(c, VGPIO_MSG_GET_VALUE, 1, 0) == 0);
    CHECK(call(c, VGPIO_MSG_SET_DIRECTION, 1, VGPIO_DIR_NONE) == 0);
    CTL_IS(ctlp, "release 1", "ok\nline 1 \"LED1\": level=1 direction=released driver=nobody edge=none");
    /* debouncing: a short pulse is filtered, a lasting change is seen once the period is over */
    CHECK(call(c, VGPIO_MSG_SET_DIRECTION, 3, VGPIO_DIR_IN) == 0);
    CHECK(call(c, VGPIO_MSG_SET_LINE_CONFIG, 3, VGPIO_CONFIG_DEBOUNCE | 100000u << 8) == 0); /* 100 ms */
    CHECK(call(c, VGPIO_MSG_SET_IRQ_TYPE, 3, VGPIO_IRQ_EDGE_BOTH) == 0);
    queue_irq(c, 3, 3);
    ctl(ctlp, "set 3 1");
    ctl(ctlp, "set 3 0");
    CHECK(!got_event(c, 3, VGPIO_IRQ_VALID, 250));
    CHECK(call(c, VGPIO_MSG_GET_VALUE, 3, 0) == 0);
    ctl(ctlp, "set 3 1");
    CHECK(call(c, VGPIO_MSG_GET_VALUE, 3, 0) == 0);
    CHECK(got_event(c, 3, VGPIO_IRQ_VALID, 1000));
    CHECK(call(c, VGPIO_MSG_GET_VALUE, 3, 0) == 1);
    /* the control protocol's errors and list */
    CTL_IS(ctlp, "set 9 1", "err line 9 does not exist: vgpio-port has 8 lines (0..7)");
    CTL_IS(ctlp, "set 2 maybe",
           "err invalid level 'maybe': use 1, active, on, true or high; or 0, inactive, off, false or low");
    CTL_IS(ctlp, "set 2", "err usage: set LINE LEVEL");
    CTL_IS(ctlp, "get NOPE", "err no line named \"NOPE\" on vgpio-port (lines: LED0, LED1, BUTTON0, BUTTON1, RELAY0,"
                             " SENSOR0, ALERT0, GPIO7)");
    CTL_IS(ctlp, "frobnicate", "err unknown command 'frobnicate' (commands: list, get, set, release, help)");
    {
        const char *l = ctl(ctlp, "list");
        int lines = 0;
        for (; *l; l++) {
            lines += *l == '\n';
        }
        CHECK(strncmp(ctl(ctlp, "list"), "ok\nline 0 \"LED0\": level=1 direction=output", 42) == 0);
        CHECK(lines == 8);
    }
    /* PING */
    header(f, VGPIO_CH_PING, 0, 0, 0, 0);
    memcpy(f + 8, "cookie!!", 8);
    send_frame(c, f, 16);
    CHECK(await(c, f, VGPIO_CH_PONG, 0, 0, 3000) == 16 && memcmp(f + 8, "cookie!!", 8) == 0);
}

static void test_pty(void)
{
    char ctlp[128];
    char *argv[6];
    struct proc p;
    static struct conn c;
    uint8_t device[64], f[496];
    struct termios t;
    snprintf(ctlp, sizeof ctlp, "%s/pty.ctl", dir);
    argv[0] = (char *)port;
    argv[1] = "--pty";
    argv[2] = "--ctl";
    argv[3] = ctlp;
    argv[4] = NULL;
    start(&p, argv);
    CHECK(strncmp(p.ready, "ready serial:/dev/", 18) == 0);
    memset(&c, 0, sizeof c);
    c.fd = open(p.ready + 13, O_RDWR | O_NOCTTY);
    CHECK(c.fd >= 0);
    if (c.fd < 0) {
        stop(&p);
        return;
    }
    tcgetattr(c.fd, &t);
    cfmakeraw(&t);
    tcsetattr(c.fd, TCSANOW, &t);
    /* noise on the line first: the device resyncs */
    CHECK(write(c.fd, "\x00\xffVGgarbage", 11) == 11);
    serve_checks(&c, ctlp);
    /* a bad CRC on a serial line: the session ends with ERROR MALFORMED, then only HELLO is answered */
    request(f, 1, 2, VGPIO_MSG_GET_DIRECTION, 0, 0);
    {
        uint8_t w[64];
        size_t n = wrap(w, f, 16);
        w[n - 1] ^= 0xff;
        CHECK(write(c.fd, w, n) == (ssize_t)n);
    }
    CHECK(await(&c, f, VGPIO_CH_ERROR, 0, 0, 3000) >= 12 && get16(f + 8) == VGPIO_CH_E_MALFORMED);
    request(f, 1, 2, VGPIO_MSG_GET_DIRECTION, 0, 0);
    send_frame(&c, f, 16);
    CHECK(await(&c, f, VGPIO_CH_ERROR, 0, 0, 3000) >= 12 && get16(f + 8) == VGPIO_CH_E_SEQUENCE);
    c.nevents = 0;
    CHECK(handshake(&c, device) == 40);
    CHECK(call(&c, VGPIO_MSG_GET_VALUE, 0, 0) == 1); /* the output still drives */
    CHECK(stop(&p)); /* its SHUTDOWN is not checked here: the master's close hangs the slave up, input and all */
    close(c.fd);
    CHECK(access(ctlp, F_OK) != 0); /* the control socket is removed */
}

static void test_unix(void)
{
    char sock[128], ctlp[140];
    char *argv[6];
    struct proc p;
    static struct conn a, b;
    uint8_t device[64], f[496];
    int64_t end;
    snprintf(sock, sizeof sock, "%s/dev.sock", dir);
    snprintf(ctlp, sizeof ctlp, "%s.ctl", sock);
    argv[0] = (char *)port;
    argv[1] = "--unix";
    argv[2] = sock;
    argv[3] = NULL;
    start(&p, argv);
    CHECK(strncmp(p.ready, "ready unix:", 11) == 0 && strcmp(p.ready + 11, sock) == 0);
    memset(&a, 0, sizeof a);
    a.fd = unix_connect(sock);
    CHECK(a.fd >= 0);
    serve_checks(&a, ctlp);
    /* a second driver hears BUSY and is let go */
    memset(&b, 0, sizeof b);
    b.fd = unix_connect(sock);
    CHECK(read_frame(&b, f, 3000) >= 12 && f[0] == VGPIO_CH_ERROR && get16(f + 8) == VGPIO_CH_E_BUSY);
    CHECK(read_frame(&b, f, 3000) == -1);
    close(b.fd);
    /* the first goes; a new one finds the pins as they were */
    close(a.fd);
    end = ms_now() + 3000;
    do {
        memset(&a, 0, sizeof a);
        a.fd = unix_connect(sock);
        if (handshake(&a, device) == 40) {
            break;
        }
        close(a.fd);
        usleep(20000);
    } while (ms_now() < end);
    CHECK(call(&a, VGPIO_MSG_GET_DIRECTION, 0, 0) == VGPIO_DIR_OUT);
    CHECK(call(&a, VGPIO_MSG_GET_VALUE, 0, 0) == 1);
    CHECK(call(&a, VGPIO_MSG_GET_DIRECTION, 2, 0) == VGPIO_DIR_IN);
    CTL_IS(ctlp, "get 2", "ok\nline 2 \"BUTTON0\": level=0 direction=input driver=nobody edge=none");
    /* falling edges, latched while masked */
    CTL_IS(ctlp, "set 4 1", "ok\nline 4 \"RELAY0\": level=1 direction=released driver=host edge=none");
    CHECK(call(&a, VGPIO_MSG_SET_IRQ_TYPE, 4, VGPIO_IRQ_EDGE_FALLING) == 0);
    ctl(ctlp, "set 4 0");
    queue_irq(&a, 1, 4);
    CHECK(got_event(&a, 1, VGPIO_IRQ_VALID, 2000));
    /* a bad CRC on a socket: MALFORMED, and the connection closes */
    request(f, 1, 2, VGPIO_MSG_GET_DIRECTION, 0, 0);
    {
        uint8_t w[64];
        size_t n = wrap(w, f, 16);
        w[6] ^= 0xff;
        CHECK(write(a.fd, w, n) == (ssize_t)n);
    }
    CHECK(await(&a, f, VGPIO_CH_ERROR, 0, 0, 3000) >= 12 && get16(f + 8) == VGPIO_CH_E_MALFORMED);
    CHECK(read_frame(&a, f, 3000) == -1);
    close(a.fd);
    /* SIGTERM with a session live: SHUTDOWN, exit 0, sockets removed */
    end = ms_now() + 3000;
    do {
        memset(&a, 0, sizeof a);
        a.fd = unix_connect(sock);
        if (handshake(&a, device) == 40) {
            break;
        }
        close(a.fd);
        usleep(20000);
    } while (ms_now() < end);
    CHECK(stop(&p));
    CHECK(await(&a, f, VGPIO_CH_ERROR, 0, 0, 1000) >= 12 && get16(f + 8) == VGPIO_CH_E_SHUTDOWN);
    close(a.fd);
    CHECK(access(sock, F_OK) != 0 && access(ctlp, F_OK) != 0);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: port_test PATH/TO/vgpio-port\n");
        return 2;
    }
    port = argv[1];
    signal(SIGPIPE, SIG_IGN);
    snprintf(dir, sizeof dir, "/tmp/vgpio-port-test.XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 2;
    }
    test_pty();
    test_unix();
    rmdir(dir);
    return test_summary("port_test");
}
