/*
 * vgpio-port: the example port of the vgpio_dev library to Linux. A table of simulated pins (as vgpio's
 * SimulatedChip has them: an undriven input reads its pull, an open-drain output that lets go reads the
 * outside, a debounced input passes a change on once it has lasted the period) is served as a
 * virtio-gpio device over a Unix socket, a serial line or a pseudo-terminal, with a control socket on
 * which the outside world drives the inputs (a subset of vgpio's control protocol: list, get, set,
 * release, help).
 *
 *   vgpio-port --unix PATH [--ctl PATH]     one driver connection at a time (PATH.ctl by default)
 *   vgpio-port --serial /dev/ttyX[,BAUD]    a tty in raw mode; the decoder resyncs after noise
 *   vgpio-port --pty                        a pseudo-terminal pair; its slave's path is printed
 *
 * Prints "ready unix:PATH" or "ready serial:PATH" on stdout once it serves. One thread, one poll()
 * loop: the library is never called from its own callbacks (line changes the callbacks cause are noted
 * and handed to it after the call that caused them returns).
 */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "vgpio_dev.h"

#define MAX_CTL_CLIENTS 8
#define CTL_LINE_MAX 1024
#define WRITE_TIMEOUT_MS 2000
#define PARTIAL_FRAME_NS (2 * 1000000000LL)

static const char LABEL[] = "vgpio-port";

/* ---- options */

enum mode { MODE_NONE, MODE_UNIX, MODE_SERIAL, MODE_PTY };

static struct {
    enum mode mode;
    const char *path; /* socket or tty */
    unsigned baud;
    const char *ctl;
    const char *token;
    unsigned lines;
    int irq;
    long idle_s;
    int verbose;
} opt = {MODE_NONE, NULL, 115200, NULL, NULL, 8, 1, 30, 0};

static void logf_(const char *fmt, ...)
{
    va_list ap;
    if (!opt.verbose) {
        return;
    }
    va_start(ap, fmt);
    fprintf(stderr, "vgpio-port: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "vgpio-port: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- the simulated pins */

struct pin {
    int dir;          /* VGPIO_DIR_* */
    int out;          /* what the driver drives */
    int ext;          /* the level the outside presents while it holds the line, or where it left it */
    int held;         /* the outside world holds the line (ctl set) */
    int bias, drive;  /* VGPIO_BIAS_*, VGPIO_DRIVE_* */
    unsigned irq;     /* the interrupt type the driver armed */
    uint32_t debounce_us;
    int settled;      /* a debounced input's level: the last one that lasted the period */
    int64_t since;    /* when the outside left the settled level (0: it has not) */
    int64_t deadline; /* when that change has lasted the period (0: none waits) */
};

static struct pin pins[VGPIO_DEV_MAX_LINES];
static char name_buf[VGPIO_DEV_MAX_LINES][16];
static const char *names[VGPIO_DEV_MAX_LINES];
static uint8_t caps[VGPIO_DEV_MAX_LINES];
static uint8_t notify[VGPIO_DEV_MAX_LINES]; /* a line whose input level the library must be told */

static void pins_init(unsigned n)
{
    static const char *const base[8] = {"LED0", "LED1", "BUTTON0", "BUTTON1", "RELAY0", "SENSOR0", "ALERT0",
                                        "GPIO7"};
    static const uint8_t base_caps[8] = {VGPIO_CAP_ALL, VGPIO_CAP_ALL,
                                         VGPIO_CAP_PULL_UP | VGPIO_CAP_PULL_DOWN | VGPIO_CAP_BIAS_DISABLED
                                             | VGPIO_CAP_DEBOUNCE,
                                         VGPIO_CAP_PULL_UP | VGPIO_CAP_DEBOUNCE,
                                         VGPIO_CAP_OPEN_DRAIN | VGPIO_CAP_OPEN_SOURCE, 0, 0, 0};
    unsigned i;
    for (i = 0; i < n; i++) {
        if (i < 8) {
            snprintf(name_buf[i], sizeof name_buf[i], "%s", base[i]);
            caps[i] = base_caps[i];
        } else {
            snprintf(name_buf[i], sizeof name_buf[i], "GPIO%u", i);
        }
        names[i] = name_buf[i];
    }
}

/* The level the outside presents: what holds the line, else its pull, else where it was left. */
static int outside(const struct pin *p)
{
    if (!p->held && p->bias == VGPIO_BIAS_PULL_UP) {
        return 1;
    }
    if (!p->held && p->bias == VGPIO_BIAS_PULL_DOWN) {
        return 0;
    }
    return p->ext;
}

/* The level on the wire: an output's drive (or the outside's where it lets go), else the outside's. */
static int physical(const struct pin *p)
{
    if (p->dir != VGPIO_DIR_OUT) {
        return outside(p);
    }
    if ((p->drive == VGPIO_DRIVE_OPEN_DRAIN && p->out) || (p->drive == VGPIO_DRIVE_OPEN_SOURCE && !p->out)) {
        return outside(p);
    }
    return p->out;
}

/* The level the driver reads: the wire's, or a debounced input's settled level. */
static int guest_level(const struct pin *p)
{
    return p->dir == VGPIO_DIR_IN && p->debounce_us ? p->settled : physical(p);
}

/* Starts debouncing afresh: the settled level is the outside's now, and no change waits. */
static void debounce_restart(struct pin *p)
{
    p->settled = outside(p);
    p->since = 0;
    p->deadline = 0;
}

/* The outside level (or the pull) of line i may have changed. */
static void outside_changed(unsigned i)
{
    struct pin *p = &pins[i];
    if (p->dir != VGPIO_DIR_IN) {
        return;
    }
    if (p->debounce_us == 0) {
        notify[i] = 1;
    } else if (outside(p) != p->settled) {
        int64_t t = now_ns();
        if (p->since == 0) {
            p->since = t;
        }
        p->deadline = t + (int64_t)p->debounce_us * 1000; /* every change waits the whole period again */
    } else {
        p->since = 0; /* back before the period was over: the pulse is filtered */
        p->deadline = 0;
    }
}

static void pins_tick(int64_t t)
{
    unsigned i;
    for (i = 0; i < opt.lines; i++) {
        struct pin *p = &pins[i];
        if (p->deadline != 0 && t >= p->deadline) {
            p->settled = outside(p);
            p->since = 0;
            p->deadline = 0;
            notify[i] = 1;
        }
    }
}

/* ---- the library's callbacks */

static int cb_get_level(void *ctx, unsigned line)
{
    (void)ctx;
    return guest_level(&pins[line]);
}

static int cb_set_direction(void *ctx, unsigned line, unsigned dir, int value)
{
    struct pin *p = &pins[line];
    int was = p->dir;
    (void)ctx;
    if (dir == VGPIO_DIR_NONE) {
        if (!p->held) {
            p->ext = outside(p); /* a floating line stays where its pull left it */
        }
        p->bias = VGPIO_BIAS_AS_IS;
        p->drive = VGPIO_DRIVE_PUSH_PULL;
        p->debounce_us = 0;
        p->since = p->deadline = 0;
    } else if (dir == VGPIO_DIR_OUT) {
        p->out = value;
    }
    p->dir = (int)dir;
    if (dir == VGPIO_DIR_IN && was != VGPIO_DIR_IN) {
        debounce_restart(p);
    }
    return 0;
}

static int cb_set_value(void *ctx, unsigned line, int value)
{
    (void)ctx;
    pins[line].out = value;
    return 0;
}

static int cb_set_irq_type(void *ctx, unsigned line, unsigned type)
{
    (void)ctx;
    pins[line].irq = type; /* real hardware would arm its edge detector here */
    return 0;
}

static int cb_get_caps(void *ctx, unsigned line)
{
    (void)ctx;
    return caps[line];
}

static int cb_set_config(void *ctx, unsigned line, unsigned param, uint32_t arg)
{
    struct pin *p = &pins[line];
    (void)ctx;
    switch (param) {
    case VGPIO_CONFIG_BIAS:
        if (!p->held) {
            p->ext = outside(p); /* a line that loses its pull stays where it was */
        }
        p->bias = (int)arg;
        outside_changed(line);
        return 0;
    case VGPIO_CONFIG_DRIVE:
        p->drive = (int)arg;
        return 0;
    case VGPIO_CONFIG_DEBOUNCE:
        if (arg == p->debounce_us) {
            return 0;
        }
        if (arg == 0) {
            p->debounce_us = 0;
            p->since = p->deadline = 0;
            notify[line] = 1; /* a change the period was holding back goes through now */
        } else if (p->debounce_us == 0) {
            p->debounce_us = arg;
            debounce_restart(p);
        } else {
            p->debounce_us = arg;
            if (p->since != 0) {
                p->deadline = p->since + (int64_t)arg * 1000; /* a waiting change waits the new period */
            }
        }
        return 0;
    default:
        return -1;
    }
}

/* ---- the channel: a connected socket, a tty or a pty master */

static struct vgpio_dev dev;
static int chan_fd = -1;    /* the connection, tty or pty master */
static int listen_fd = -1;  /* --unix */
static int pty_slave = -1;  /* kept open so that the master never sees a hang-up between clients */
static int64_t last_rx, partial_since;

/* Reads what the peer already sent: closing with unread bytes would reset its end before it reads ours. */
static void drain(int fd)
{
    uint8_t buf[512];
    int rounds = 64; /* a peer that keeps sending is not waited for */
    while (rounds-- > 0 && read(fd, buf, sizeof buf) > 0) {
    }
}

/* Writes all of data, waiting at most WRITE_TIMEOUT_MS for room each time. */
static int write_all(int fd, const uint8_t *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pf = {fd, POLLOUT, 0};
            if (poll(&pf, 1, WRITE_TIMEOUT_MS) <= 0) {
                return -1;
            }
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            return -1;
        }
    }
    return 0;
}

static int cb_send(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    return chan_fd < 0 ? -1 : write_all(chan_fd, data, len);
}

static const struct vgpio_dev_ops OPS = {cb_send, cb_get_level, cb_set_direction, cb_set_value, NULL,
                                         cb_set_irq_type, cb_get_caps, cb_set_config};

static void close_connection(const char *why)
{
    logf_("connection closed: %s", why);
    vgpio_dev_disconnect(&dev);
    if (chan_fd >= 0) {
        drain(chan_fd);
        close(chan_fd);
    }
    chan_fd = -1;
}

/* What the library's answer means for the connection: a socket closes after any ERROR. */
static void after_library(int rc)
{
    if (rc == VGPIO_DEV_OK) {
        return;
    }
    logf_("%s (ERROR %s)", vgpio_dev_error_name(rc), vgpio_ch_error_name(vgpio_dev_last_error(&dev)));
    if (opt.mode == MODE_UNIX) {
        close_connection(vgpio_dev_error_name(rc));
    } else if (rc == VGPIO_DEV_ERR_SEND) {
        vgpio_dev_disconnect(&dev); /* nobody reads the line: the session is over */
    }
}

/* Tells the library the input levels that changed since the last call. */
static void flush_notifications(void)
{
    unsigned i;
    for (i = 0; i < opt.lines; i++) {
        if (notify[i]) {
            notify[i] = 0;
            if (pins[i].dir == VGPIO_DIR_IN) {
                after_library(vgpio_dev_line_changed(&dev, i, guest_level(&pins[i])));
            }
        }
    }
}

static void channel_readable(void)
{
    uint8_t buf[4096];
    ssize_t n = read(chan_fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR || errno == EWOULDBLOCK)) {
        return;
    }
    if (n <= 0) {
        if (opt.mode == MODE_UNIX) {
            close_connection(n == 0 ? "the driver hung up" : strerror(errno));
        } else {
            logf_("reading the line failed: %s", n == 0 ? "end of file" : strerror(errno));
            (void)poll(NULL, 0, 100); /* a tty that went away: do not spin */
        }
        return;
    }
    last_rx = now_ns();
    after_library(vgpio_dev_on_bytes(&dev, buf, (size_t)n));
    if (chan_fd >= 0 && vgpio_dev_rx_pending(&dev) > 0) {
        if (partial_since == 0) {
            partial_since = last_rx;
        }
    } else {
        partial_since = 0;
    }
}

static void accept_driver(void)
{
    int fd = accept(listen_fd, NULL, NULL);
    if (fd < 0) {
        return;
    }
    if (chan_fd >= 0) {
        /* one driver at a time: the second hears why and is let go */
        uint8_t frame[64];
        size_t n = vgpio_ch_build_error(frame, sizeof frame, VGPIO_CH_E_BUSY, "the device serves another driver", 1);
        (void)fcntl(fd, F_SETFL, O_NONBLOCK);
        (void)write_all(fd, frame, n);
        drain(fd);
        close(fd);
        logf_("a second driver was turned away (BUSY)");
        return;
    }
    (void)fcntl(fd, F_SETFL, O_NONBLOCK);
    chan_fd = fd;
    last_rx = now_ns();
    partial_since = 0;
    logf_("driver connected");
}

static int unix_listen(const char *path, mode_t umask_bits)
{
    struct sockaddr_un sa;
    struct stat st;
    int fd;
    mode_t old;
    if (strlen(path) >= sizeof sa.sun_path) {
        fail("socket path too long: %s", path);
    }
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, path);
    if (stat(path, &st) == 0) {
        int probe = socket(AF_UNIX, SOCK_STREAM, 0);
        if (!S_ISSOCK(st.st_mode)) {
            fail("%s exists and is not a socket", path);
        }
        if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0) {
            fail("%s is served by another process", path);
        }
        if (probe >= 0) {
            close(probe);
        }
        unlink(path); /* stale: its server is gone */
    }
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) {
        fail("socket: %s", strerror(errno));
    }
    old = umask(umask_bits);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 4) < 0) {
        fail("cannot listen on %s: %s", path, strerror(errno));
    }
    umask(old);
    (void)fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

static speed_t baud_of(unsigned baud)
{
    static const struct {
        unsigned baud;
        speed_t speed;
    } table[] = {{9600, B9600}, {19200, B19200}, {38400, B38400}, {57600, B57600}, {115200, B115200},
                 {230400, B230400}, {460800, B460800}, {921600, B921600}, {1000000, B1000000},
                 {2000000, B2000000}};
    size_t i;
    for (i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (table[i].baud == baud) {
            return table[i].speed;
        }
    }
    fail("unsupported baud rate %u", baud);
    return B0;
}

static void raw_mode(int fd, speed_t speed)
{
    struct termios t;
    if (tcgetattr(fd, &t) < 0) {
        fail("not a terminal: %s", strerror(errno));
    }
    cfmakeraw(&t); /* no echo, no line editing, no CR/LF translation: frames are binary */
    t.c_cflag |= CLOCAL | CREAD;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (speed != B0) {
        cfsetispeed(&t, speed);
        cfsetospeed(&t, speed);
    }
    if (tcsetattr(fd, TCSANOW, &t) < 0) {
        fail("cannot set raw mode: %s", strerror(errno));
    }
}

/* ---- the control socket */

struct ctl_client {
    int fd;
    size_t len;
    char buf[CTL_LINE_MAX + 1];
};

static int ctl_fd = -1;
static struct ctl_client ctl_clients[MAX_CTL_CLIENTS];

static const char HELP[] = "commands (LINE is an offset or a line name):\n"
                           "  list                          every line: level, direction, who drives it, edge"
                           " detection, settings\n"
                           "  get LINE                      one line\n"
                           "  set LINE LEVEL                drive the level the line senses as an input"
                           " (1|active|on|true|high, 0|inactive|off|false|low)\n"
                           "  release LINE                  stop driving the line: it reads its pull (the guest's"
                           " bias)";

/* A reply being put together: "ok" or "err MESSAGE", detail lines, and the empty line. */
struct reply {
    char text[VGPIO_DEV_MAX_LINES * 160 + sizeof HELP + 64];
    size_t len;
};

static void say(struct reply *r, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (r->len >= sizeof r->text) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(r->text + r->len, sizeof r->text - r->len, fmt, ap);
    va_end(ap);
    if (n > 0) {
        r->len += (size_t)n;
        if (r->len > sizeof r->text - 1) {
            r->len = sizeof r->text - 1;
        }
    }
}

/* One line as LineStatus.describe() has it. */
static void describe(struct reply *r, unsigned i)
{
    static const char *const dirs[3] = {"released", "output", "input"};
    static const char *const biases[4] = {"as-is", "disabled", "pull-up", "pull-down"};
    static const char *const drives[3] = {"push-pull", "open-drain", "open-source"};
    const struct pin *p = &pins[i];
    const char *edge = p->irq == VGPIO_IRQ_NONE ? "none" : p->irq == VGPIO_IRQ_EDGE_RISING ? "rising"
                       : p->irq == VGPIO_IRQ_EDGE_FALLING ? "falling" : "both"; /* levels need both edges */
    const char *driver = p->dir == VGPIO_DIR_OUT ? "guest" : p->held ? "host" : "nobody";
    say(r, "\nline %u \"%s\": level=%d direction=%s driver=%s edge=%s", i, names[i], physical(p), dirs[p->dir],
        driver, edge);
    if (p->bias != VGPIO_BIAS_AS_IS) {
        say(r, " bias=%s", biases[p->bias]);
    }
    if (p->drive != VGPIO_DRIVE_PUSH_PULL) {
        say(r, " drive=%s", drives[p->drive]);
    }
    if (p->debounce_us != 0) {
        say(r, " debounce=%luus", (unsigned long)p->debounce_us);
    }
}

/* A line given as an offset or a name; -1 (with the error said) if there is none. */
static int resolve(struct reply *r, const char *word)
{
    size_t n = strlen(word), i;
    unsigned k;
    if (n >= 1 && n <= 9 && strspn(word, "0123456789") == n) {
        unsigned long off = strtoul(word, NULL, 10);
        if (off >= opt.lines) {
            say(r, "err line %lu does not exist: %s has %u lines (0..%u)", off, LABEL, opt.lines, opt.lines - 1);
            return -1;
        }
        return (int)off;
    }
    for (k = 0; k < opt.lines; k++) {
        if (strcmp(names[k], word) == 0) {
            return (int)k;
        }
    }
    say(r, "err no line named \"%s\" on %s (lines: ", word, LABEL);
    for (i = 0; i < opt.lines; i++) {
        say(r, "%s%s", i ? ", " : "", names[i]);
    }
    say(r, ")");
    return -1;
}

static int level_word(const char *w)
{
    static const char *const ones[] = {"1", "active", "on", "true", "high"};
    static const char *const zeros[] = {"0", "inactive", "off", "false", "low"};
    size_t i;
    for (i = 0; i < 5; i++) {
        if (strcasecmp(w, ones[i]) == 0) {
            return 1;
        }
        if (strcasecmp(w, zeros[i]) == 0) {
            return 0;
        }
    }
    return -1;
}

static void ctl_execute(char *command, struct reply *r)
{
    char *w[4];
    int n = 0, line;
    char *save = NULL, *tok;
    for (tok = strtok_r(command, " \t\r", &save); tok && n < 4; tok = strtok_r(NULL, " \t\r", &save)) {
        w[n++] = tok;
    }
    if (n == 0 || strcmp(w[0], "help") == 0) {
        say(r, "ok\n%s", HELP);
    } else if (strcmp(w[0], "list") == 0) {
        unsigned i;
        if (n != 1) {
            say(r, "err usage: list");
            return;
        }
        say(r, "ok");
        for (i = 0; i < opt.lines; i++) {
            describe(r, i);
        }
    } else if (strcmp(w[0], "get") == 0 || strcmp(w[0], "release") == 0) {
        int get = w[0][0] == 'g';
        if (n != 2) {
            say(r, get ? "err usage: get LINE" : "err usage: release LINE");
            return;
        }
        if ((line = resolve(r, w[1])) < 0) {
            return;
        }
        if (!get && pins[line].held) {
            pins[line].held = 0;
            outside_changed((unsigned)line);
        }
        say(r, "ok");
        describe(r, (unsigned)line);
    } else if (strcmp(w[0], "set") == 0) {
        int level;
        if (n != 3) {
            say(r, "err usage: set LINE LEVEL");
            return;
        }
        if ((line = resolve(r, w[1])) < 0) {
            return;
        }
        if ((level = level_word(w[2])) < 0) {
            say(r, "err invalid level '%s': use 1, active, on, true or high; or 0, inactive, off, false or low",
                w[2]);
            return;
        }
        pins[line].ext = level;
        pins[line].held = 1;
        outside_changed((unsigned)line);
        say(r, "ok");
        describe(r, (unsigned)line);
    } else {
        say(r, "err unknown command '%s' (commands: list, get, set, release, help)", w[0]);
    }
}

static void ctl_drop(struct ctl_client *c)
{
    close(c->fd);
    c->fd = -1;
    c->len = 0;
}

static void ctl_readable(struct ctl_client *c)
{
    ssize_t n = read(c->fd, c->buf + c->len, CTL_LINE_MAX - c->len);
    char *nl;
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    if (n <= 0) {
        ctl_drop(c);
        return;
    }
    c->len += (size_t)n;
    c->buf[c->len] = '\0';
    while ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
        static struct reply r;
        size_t used = (size_t)(nl - c->buf) + 1;
        *nl = '\0';
        r.len = 0;
        ctl_execute(c->buf, &r);
        say(&r, "\n\n");
        if (write_all(c->fd, (const uint8_t *)r.text, r.len) < 0) {
            ctl_drop(c);
            return;
        }
        memmove(c->buf, c->buf + used, c->len - used);
        c->len -= used;
        c->buf[c->len] = '\0';
    }
    if (c->len == CTL_LINE_MAX) {
        ctl_drop(c); /* a command longer than any there is */
    }
}

static void ctl_accept(void)
{
    int fd = accept(ctl_fd, NULL, NULL);
    size_t i;
    if (fd < 0) {
        return;
    }
    for (i = 0; i < MAX_CTL_CLIENTS; i++) {
        if (ctl_clients[i].fd < 0) {
            (void)fcntl(fd, F_SETFL, O_NONBLOCK);
            ctl_clients[i].fd = fd;
            ctl_clients[i].len = 0;
            return;
        }
    }
    close(fd); /* too many at once */
}

/* ---- main */

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: vgpio-port (--unix PATH | --serial /dev/ttyX[,BAUD] | --pty) [--ctl PATH] [--lines N]\n"
               "                  [--token TOKEN] [--no-irq] [--idle-timeout SECONDS] [-v]\n"
               "Serves %s, simulated pins, as a virtio-gpio device over the vgpio channel (docs/channel.md).\n",
            LABEL);
}

static void parse_args(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--pty") == 0) {
            opt.mode = MODE_PTY;
            continue;
        }
        if (strcmp(a, "--no-irq") == 0) {
            opt.irq = 0;
            continue;
        }
        if (strcmp(a, "-v") == 0) {
            opt.verbose = 1;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            exit(0);
        }
        if (v == NULL) {
            usage(stderr);
            fail("%s needs a value", a);
        }
        i++;
        if (strcmp(a, "--unix") == 0) {
            opt.mode = MODE_UNIX;
            opt.path = v;
        } else if (strcmp(a, "--serial") == 0) {
            static char dev_path[256];
            const char *comma = strchr(v, ',');
            size_t n = comma ? (size_t)(comma - v) : strlen(v);
            if (n >= sizeof dev_path) {
                fail("tty path too long");
            }
            memcpy(dev_path, v, n);
            dev_path[n] = '\0';
            opt.mode = MODE_SERIAL;
            opt.path = dev_path;
            if (comma) {
                opt.baud = (unsigned)strtoul(comma + 1, NULL, 10);
            }
        } else if (strcmp(a, "--ctl") == 0) {
            opt.ctl = v;
        } else if (strcmp(a, "--lines") == 0) {
            char *end;
            unsigned long n = strtoul(v, &end, 10);
            if (*end != '\0' || n < 1 || n > VGPIO_DEV_MAX_LINES) {
                fail("--lines takes 1 to %d", VGPIO_DEV_MAX_LINES);
            }
            opt.lines = (unsigned)n;
        } else if (strcmp(a, "--token") == 0) {
            opt.token = v;
        } else if (strcmp(a, "--idle-timeout") == 0) {
            opt.idle_s = strtol(v, NULL, 10);
        } else {
            usage(stderr);
            fail("unknown option %s", a);
        }
    }
    if (opt.mode == MODE_NONE) {
        usage(stderr);
        fail("give --unix, --serial or --pty");
    }
}

static void open_channel(char *ready, size_t cap)
{
    if (opt.mode == MODE_UNIX) {
        listen_fd = unix_listen(opt.path, 077);
        snprintf(ready, cap, "unix:%s", opt.path);
    } else if (opt.mode == MODE_SERIAL) {
        chan_fd = open(opt.path, O_RDWR | O_NOCTTY | O_NONBLOCK);
        if (chan_fd < 0) {
            fail("cannot open %s: %s", opt.path, strerror(errno));
        }
        raw_mode(chan_fd, baud_of(opt.baud));
        snprintf(ready, cap, "serial:%s", opt.path);
    } else {
        char slave[256];
        if (openpty(&chan_fd, &pty_slave, slave, NULL, NULL) < 0) {
            fail("openpty: %s", strerror(errno));
        }
        raw_mode(pty_slave, B0); /* the slave's echo would send our frames back to us */
        (void)fcntl(chan_fd, F_SETFL, O_NONBLOCK);
        snprintf(ready, cap, "serial:%s", slave);
    }
}

/* How long poll() may sleep: until the next debounce settles or a timeout is due (at most 1 s). */
static int poll_timeout(int64_t t)
{
    int64_t next = t + 1000000000LL;
    unsigned i;
    for (i = 0; i < opt.lines; i++) {
        if (pins[i].deadline != 0 && pins[i].deadline < next) {
            next = pins[i].deadline;
        }
    }
    if (partial_since != 0 && partial_since + PARTIAL_FRAME_NS < next) {
        next = partial_since + PARTIAL_FRAME_NS;
    }
    return next <= t ? 0 : (int)((next - t + 999999) / 1000000);
}

/* A frame started and not finished in time, or a driver silent for too long. */
static void check_timeouts(int64_t t)
{
    if (chan_fd < 0) {
        return;
    }
    if (opt.mode == MODE_UNIX && partial_since != 0 && t - partial_since > PARTIAL_FRAME_NS) {
        partial_since = 0;
        (void)vgpio_dev_send_error(&dev, VGPIO_CH_E_TIMEOUT, "a frame was started and not finished within 2 s");
        close_connection("unfinished frame");
    } else if (opt.idle_s > 0 && vgpio_dev_state(&dev) != VGPIO_DEV_IDLE
               && t - last_rx > (int64_t)opt.idle_s * 1000000000LL) {
        (void)vgpio_dev_send_error(&dev, VGPIO_CH_E_TIMEOUT, "the driver sent nothing for too long");
        if (opt.mode == MODE_UNIX) {
            close_connection("silent driver");
        }
    }
}

int main(int argc, char **argv)
{
    struct vgpio_dev_config cfg;
    struct sigaction sa;
    char ready[300];
    char ctl_default[300];
    int rc;
    size_t i;

    parse_args(argc, argv);
    pins_init(opt.lines);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns at once */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    memset(&cfg, 0, sizeof cfg);
    cfg.ops = &OPS;
    cfg.ngpio = opt.lines;
    cfg.names = names;
    cfg.irq = opt.irq;
    cfg.framing = opt.mode == MODE_UNIX ? VGPIO_DEV_SOCKET : VGPIO_DEV_SERIAL;
    if (opt.token) {
        cfg.token = (const uint8_t *)opt.token;
        cfg.token_len = strlen(opt.token);
    }
    rc = vgpio_dev_init(&dev, &cfg);
    if (rc != VGPIO_DEV_OK) {
        fail("%s", vgpio_dev_error_name(rc));
    }

    for (i = 0; i < MAX_CTL_CLIENTS; i++) {
        ctl_clients[i].fd = -1;
    }
    if (opt.ctl == NULL && opt.mode == MODE_UNIX) {
        snprintf(ctl_default, sizeof ctl_default, "%s.ctl", opt.path);
        opt.ctl = ctl_default;
    }
    if (opt.ctl) {
        ctl_fd = unix_listen(opt.ctl, 077); /* 0600: whoever drives the pins is the owner */
    }
    open_channel(ready, sizeof ready);
    printf("ready %s\n", ready);
    fflush(stdout);

    while (!stopping) {
        struct pollfd pf[3 + MAX_CTL_CLIENTS];
        int who[3 + MAX_CTL_CLIENTS]; /* -1 channel, -2 listener, -3 ctl listener, else a ctl client */
        nfds_t n = 0;
        int64_t t = now_ns();
        if (chan_fd >= 0) {
            pf[n].fd = chan_fd, pf[n].events = POLLIN, who[n++] = -1;
        }
        if (listen_fd >= 0) {
            pf[n].fd = listen_fd, pf[n].events = POLLIN, who[n++] = -2;
        }
        if (ctl_fd >= 0) {
            pf[n].fd = ctl_fd, pf[n].events = POLLIN, who[n++] = -3;
        }
        for (i = 0; i < MAX_CTL_CLIENTS; i++) {
            if (ctl_clients[i].fd >= 0) {
                pf[n].fd = ctl_clients[i].fd, pf[n].events = POLLIN, who[n++] = (int)i;
            }
        }
        for (i = 0; i < n; i++) {
            pf[i].revents = 0;
        }
        if (poll(pf, n, poll_timeout(t)) < 0 && errno != EINTR) {
            fail("poll: %s", strerror(errno));
        }
        for (i = 0; i < n && !stopping; i++) {
            if (pf[i].revents == 0) {
                continue;
            }
            if (who[i] == -1 && chan_fd >= 0) {
                channel_readable();
            } else if (who[i] == -2) {
                accept_driver();
            } else if (who[i] == -3) {
                ctl_accept();
            } else if (who[i] >= 0 && ctl_clients[who[i]].fd >= 0) {
                ctl_readable(&ctl_clients[who[i]]);
            }
            flush_notifications();
        }
        t = now_ns();
        pins_tick(t);
        flush_notifications();
        check_timeouts(t);
    }

    if (chan_fd >= 0 && vgpio_dev_state(&dev) != VGPIO_DEV_IDLE) {
        (void)vgpio_dev_send_error(&dev, VGPIO_CH_E_SHUTDOWN, "the device is going away");
    }
    if (chan_fd >= 0) {
        close(chan_fd);
    }
    if (listen_fd >= 0) {
        close(listen_fd);
        unlink(opt.path);
    }
    if (ctl_fd >= 0) {
        close(ctl_fd);
        unlink(opt.ctl);
    }
    for (i = 0; i < MAX_CTL_CLIENTS; i++) {
        if (ctl_clients[i].fd >= 0) {
            close(ctl_clients[i].fd);
        }
    }
    if (pty_slave >= 0) {
        close(pty_slave);
    }
    return 0;
}
