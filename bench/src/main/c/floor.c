/*
 * floor: the C floor for vgpio's request path.
 *
 * Two processes share one virtio 1.x split virtqueue of 256 entries in a memfd mapped MAP_SHARED and signal each
 * other with eventfds, as a driver (a guest kernel) and a device (a vhost-user back end) do:
 *
 *   driver (parent)                                   device (child)
 *     writes a chain: 8-byte request (readable)         waits on the kick eventfd (blocking read)
 *                     + 2-byte response (writable)      pops every available chain, walks and checks it,
 *     publishes avail.idx (release)                     reads the request, writes {status 0, gpio & 0xff},
 *     kicks the kick eventfd if the device asked        puts used elements, publishes used.idx (release),
 *     waits on the call eventfd (blocking read)         signals the call eventfd if the driver asked
 *
 * Notifications use VIRTIO_RING_F_EVENT_IDX suppression, both ways: the device writes avail_event before it sleeps
 * and the driver kicks only when its new avail.idx passes it; the driver writes used_event before it sleeps and the
 * device signals only when its new used.idx passes it (vring_need_event). A side that is busy is not woken, and a
 * side about to sleep re-checks the ring after a full fence, so no request is ever left unnoticed.
 *
 * Ring layout (virtio 1.x "Split Virtqueues", little-endian, addresses are offsets into the shared region, which
 * plays the role of guest physical memory): descriptor table at 0 (256 x 16 bytes), available ring at 4096 (flags,
 * idx, ring[256], used_event), used ring at 8192, 4096-aligned (flags, idx, ring[256] of {id, len}, avail_event),
 * request/response buffers from 16384 on, a control block (stop flag, error counter) after them.
 *
 * Two measurements, each after a warm-up:
 *   sync:  one request in flight; every round trip (submit to response seen) is timed with CLOCK_MONOTONIC;
 *          p50, p99, p99.9 and requests per second.
 *   batch: 128 requests in flight (each takes two of the 256 descriptors), refilled as completions arrive;
 *          requests per second.
 * Output: one line of JSON on stdout. Usage: floor [--duration SECONDS] [--warmup SECONDS] [--cpus D,V]
 *   --cpus D,V pins the driver to CPU D and the device to CPU V (D may equal V); by default the scheduler places
 *   them. Where waking a sleeping CPU is costly (a virtual machine whose idle vCPUs halt), the placement changes
 *   the figures several times over: two CPUs pay a cross-CPU wake-up per notification, one CPU a context switch.
 *
 * Build: gcc -O2 -Wall -Wextra -o floor floor.c   (Linux, glibc)
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define QUEUE_SIZE 256u
#define IN_FLIGHT (QUEUE_SIZE / 2) /* two descriptors a request */

#define DESC_F_NEXT 1u
#define DESC_F_WRITE 2u

#define MSG_GET_VALUE 0x4u
#define STATUS_OK 0u
#define STATUS_ERR 1u

#define REQUEST_SIZE 8u
#define RESPONSE_SIZE 2u

struct vring_desc {
    uint64_t addr; /* le64 */
    uint32_t len;  /* le32 */
    uint16_t flags; /* le16 */
    uint16_t next; /* le16 */
};

struct vring_used_elem {
    uint32_t id;  /* le32 */
    uint32_t len; /* le32 */
};

/* Offsets of the parts of the shared region. */
#define DESC_OFF 0u
#define AVAIL_OFF (DESC_OFF + 16u * QUEUE_SIZE)                  /* 4096 */
#define AVAIL_BYTES (6u + 2u * QUEUE_SIZE)
#define USED_OFF ((AVAIL_OFF + AVAIL_BYTES + 4095u) & ~4095u)    /* 8192 */
#define USED_BYTES (6u + 8u * QUEUE_SIZE)
#define BUF_OFF ((USED_OFF + USED_BYTES + 4095u) & ~4095u)       /* 16384 */
#define SLOT_BYTES 16u /* request at +0, response at +8 */
#define CTL_OFF (BUF_OFF + SLOT_BYTES * IN_FLIGHT)
#define REGION_BYTES (((CTL_OFF + 64u) + 4095u) & ~4095u)

struct control {
    uint32_t stop;       /* the driver asks the device to exit */
    uint32_t bad_chains; /* chains the device found malformed */
};

static uint8_t *region;
static struct vring_desc *desc;
static uint8_t *avail;
static uint8_t *used;
static struct control *ctl;
static int kick_fd;
static int call_fd;

/* Ring fields. Indices shared between the processes are accessed atomically (16-bit, naturally aligned). */
static uint16_t *avail_flags(void) { return (uint16_t *)(avail + 0); }
static uint16_t *avail_idx(void) { return (uint16_t *)(avail + 2); }
static uint16_t *avail_ring(unsigned i) { return (uint16_t *)(avail + 4 + 2 * (i % QUEUE_SIZE)); }
static uint16_t *used_event(void) { return (uint16_t *)(avail + 4 + 2 * QUEUE_SIZE); }
static uint16_t *used_flags(void) { return (uint16_t *)(used + 0); }
static uint16_t *used_idx(void) { return (uint16_t *)(used + 2); }
static struct vring_used_elem *used_ring(unsigned i) {
    return (struct vring_used_elem *)(used + 4 + 8 * (i % QUEUE_SIZE));
}
static uint16_t *avail_event(void) { return (uint16_t *)(used + 4 + 8 * QUEUE_SIZE); }

static uint16_t load_acquire16(uint16_t *p) { return le16toh(__atomic_load_n(p, __ATOMIC_ACQUIRE)); }
static uint16_t load_relaxed16(uint16_t *p) { return le16toh(__atomic_load_n(p, __ATOMIC_RELAXED)); }
static void store_release16(uint16_t *p, uint16_t v) { __atomic_store_n(p, htole16(v), __ATOMIC_RELEASE); }
static void store_relaxed16(uint16_t *p, uint16_t v) { __atomic_store_n(p, htole16(v), __ATOMIC_RELAXED); }
static void full_fence(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

/* vring_need_event: moving an index from old to new_idx crosses event. */
static int need_event(uint16_t event, uint16_t new_idx, uint16_t old) {
    return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

static void die(const char *what) {
    fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void notify(int fd) {
    uint64_t one = 1;
    while (write(fd, &one, sizeof one) != (ssize_t)sizeof one) {
        if (errno != EINTR) {
            die("eventfd write");
        }
    }
}

static volatile sig_atomic_t device_exited;

/* SIGCHLD: the device process ended. Wake the driver (eventfd writes are async-signal-safe) so it can stop. */
static void on_child(int sig) {
    (void)sig;
    uint64_t one = 1;
    int saved = errno;
    device_exited = 1;
    if (write(call_fd, &one, sizeof one) < 0) {
        /* nothing more a signal handler can do */
    }
    errno = saved;
}

static void wait_fd(int fd) {
    uint64_t count;
    while (read(fd, &count, sizeof count) != (ssize_t)sizeof count) {
        if (errno != EINTR) {
            die("eventfd read");
        }
    }
}

/* A guest address range inside the shared region, or NULL. */
static uint8_t *translate(uint64_t addr, uint32_t len) {
    if (len == 0 || addr >= REGION_BYTES || len > REGION_BYTES - addr) {
        return NULL;
    }
    return region + addr;
}

/* ------------------------------------------------------------------------------------------------------------ */
/* The device */

/*
 * Walks the chain at head: readable buffers first, then writable ones; gathers the request, scatters the response.
 * Returns the bytes written (the used length), 0 for a malformed chain.
 */
static uint32_t serve_chain(uint16_t head) {
    uint8_t request[REQUEST_SIZE];
    uint32_t got = 0;
    uint64_t readable = 0;
    uint8_t *out[QUEUE_SIZE];
    uint32_t out_len[QUEUE_SIZE];
    unsigned outs = 0;
    unsigned index = head;
    for (unsigned steps = 0;; steps++) {
        if (index >= QUEUE_SIZE || steps >= QUEUE_SIZE) {
            return 0; /* out of the table, or a loop */
        }
        struct vring_desc *d = &desc[index];
        uint64_t addr = le64toh(d->addr);
        uint32_t len = le32toh(d->len);
        uint16_t flags = le16toh(d->flags);
        uint8_t *p = translate(addr, len);
        if (p == NULL) {
            return 0;
        }
        if (flags & DESC_F_WRITE) {
            out[outs] = p;
            out_len[outs] = len;
            outs++;
        } else {
            if (outs > 0) {
                return 0; /* readable after writable */
            }
            uint32_t n = got >= REQUEST_SIZE ? 0 : len < REQUEST_SIZE - got ? len : REQUEST_SIZE - got;
            memcpy(request + got, p, n);
            readable += len;
            got += n;
        }
        if (!(flags & DESC_F_NEXT)) {
            break;
        }
        index = le16toh(d->next);
    }
    uint32_t room = 0;
    for (unsigned i = 0; i < outs; i++) {
        room += out_len[i];
    }
    if (outs == 0) {
        return 0;
    }
    uint8_t response[RESPONSE_SIZE];
    uint16_t type, gpio;
    memcpy(&type, request, 2);
    memcpy(&gpio, request + 2, 2);
    type = le16toh(type);
    gpio = le16toh(gpio);
    if (readable != REQUEST_SIZE || room != RESPONSE_SIZE || type != MSG_GET_VALUE) {
        response[0] = STATUS_ERR;
        response[1] = 0;
    } else {
        response[0] = STATUS_OK;
        response[1] = (uint8_t)(gpio & 0xff);
    }
    uint32_t done = 0;
    for (unsigned i = 0; i < outs && done < RESPONSE_SIZE; i++) {
        uint32_t n = out_len[i] < RESPONSE_SIZE - done ? out_len[i] : RESPONSE_SIZE - done;
        memcpy(out[i], response + done, n);
        done += n;
    }
    return done;
}

static void device_loop(void) {
    uint16_t last_avail = 0;
    uint16_t next_used = 0;
    uint16_t signalled_used = 0;
    for (;;) {
        uint16_t avail_now;
        while ((avail_now = load_acquire16(avail_idx())) != last_avail) {
            if ((uint16_t)(avail_now - last_avail) > QUEUE_SIZE) {
                fprintf(stderr, "floor: device: avail.idx moved from %u to %u\n", last_avail, avail_now);
                exit(3);
            }
            while (last_avail != avail_now) {
                uint16_t head = load_relaxed16(avail_ring(last_avail));
                last_avail++;
                uint32_t written = serve_chain(head);
                if (written == 0) {
                    __atomic_fetch_add(&ctl->bad_chains, 1, __ATOMIC_RELAXED);
                }
                struct vring_used_elem *e = used_ring(next_used);
                e->id = htole32(head);
                e->len = htole32(written);
                next_used++;
            }
            store_release16(used_idx(), next_used);
            full_fence(); /* used.idx before reading used_event */
            if (need_event(load_relaxed16(used_event()), next_used, signalled_used)) {
                notify(call_fd);
            }
            signalled_used = next_used;
        }
        if (__atomic_load_n(&ctl->stop, __ATOMIC_ACQUIRE)) {
            return;
        }
        /* About to sleep: ask for a kick at the next chain, then look once more. */
        store_relaxed16(avail_event(), last_avail);
        full_fence();
        if (load_acquire16(avail_idx()) != last_avail) {
            continue;
        }
        wait_fd(kick_fd);
    }
}

/* ------------------------------------------------------------------------------------------------------------ */
/* The driver */

static uint16_t next_avail;  /* avail.idx shadow */
static uint16_t kicked_avail; /* avail.idx at the last kick decision */
static uint16_t last_used;
static uint16_t free_slots[IN_FLIGHT];
static unsigned free_count;
static uint16_t expected[IN_FLIGHT]; /* the gpio each in-flight slot asked for */
static uint64_t request_seq;
static uint64_t bad_responses;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Writes the chain of slot s (descriptors 2s, 2s+1) and its request, and puts it on the available ring. */
static void add_request(uint16_t s) {
    uint64_t req = BUF_OFF + (uint64_t)SLOT_BYTES * s;
    uint16_t gpio = (uint16_t)(request_seq++ % 8);
    uint8_t *r = region + req;
    uint16_t type = htole16(MSG_GET_VALUE);
    uint16_t g = htole16(gpio);
    uint32_t value = 0;
    memcpy(r, &type, 2);
    memcpy(r + 2, &g, 2);
    memcpy(r + 4, &value, 4);
    r[8] = 0xee;
    r[9] = 0xee;
    expected[s] = gpio;
    unsigned d0 = 2u * s, d1 = d0 + 1;
    desc[d0].addr = htole64(req);
    desc[d0].len = htole32(REQUEST_SIZE);
    desc[d0].flags = htole16(DESC_F_NEXT);
    desc[d0].next = htole16((uint16_t)d1);
    desc[d1].addr = htole64(req + 8);
    desc[d1].len = htole32(RESPONSE_SIZE);
    desc[d1].flags = htole16(DESC_F_WRITE);
    desc[d1].next = 0;
    *avail_ring(next_avail) = htole16((uint16_t)d0);
    next_avail++;
}

/* Makes the added chains visible and kicks the device if it asked for it. */
static void publish_and_kick(void) {
    store_release16(avail_idx(), next_avail);
    full_fence(); /* avail.idx before reading avail_event */
    if (need_event(load_relaxed16(avail_event()), next_avail, kicked_avail)) {
        notify(kick_fd);
    }
    kicked_avail = next_avail;
}

/* Blocks until at least one used element is there (asking the device for an interrupt first). */
static void wait_used(void) {
    for (;;) {
        if (load_acquire16(used_idx()) != last_used) {
            return;
        }
        store_relaxed16(used_event(), last_used);
        full_fence();
        if (load_acquire16(used_idx()) != last_used) {
            return;
        }
        wait_fd(call_fd);
        if (device_exited) {
            int status = 0;
            waitpid(-1, &status, WNOHANG);
            fprintf(stderr, "floor: the device process ended before the run did (status 0x%x)\n", status);
            exit(1);
        }
    }
}

/* Collects every used element, checks its response and frees its slot; returns how many. */
static unsigned drain_used(void) {
    uint16_t now = load_acquire16(used_idx());
    unsigned n = 0;
    while (last_used != now) {
        struct vring_used_elem *e = used_ring(last_used);
        uint32_t id = le32toh(e->id);
        uint32_t len = le32toh(e->len);
        last_used++;
        if (id >= QUEUE_SIZE || (id & 1) || free_count == IN_FLIGHT) {
            fprintf(stderr, "floor: driver: the device returned descriptor %u, which is not a chain in flight\n", id);
            exit(3);
        }
        uint16_t s = (uint16_t)(id / 2);
        const uint8_t *resp = region + BUF_OFF + (uint64_t)SLOT_BYTES * s + 8;
        if (len != RESPONSE_SIZE || resp[0] != STATUS_OK || resp[1] != (uint8_t)expected[s]) {
            bad_responses++;
        }
        free_slots[free_count++] = s;
        n++;
    }
    return n;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The nearest-rank percentile p (0..1] of sorted samples. */
static uint64_t percentile(const uint64_t *sorted, size_t n, double p) {
    size_t rank = (size_t)(p * (double)n + 0.999999);
    if (rank < 1) {
        rank = 1;
    }
    if (rank > n) {
        rank = n;
    }
    return sorted[rank - 1];
}

struct sync_result {
    uint64_t p50, p99, p999;
    double ops_per_s;
};

/* One request in flight for `seconds`; samples are kept when `samples` is not NULL. */
static size_t run_sync(double seconds, uint64_t **samples, size_t *capacity, double *elapsed_s) {
    uint64_t start = now_ns();
    uint64_t end = start + (uint64_t)(seconds * 1e9);
    uint64_t t = start;
    size_t n = 0;
    while (t < end) {
        uint64_t t0 = now_ns();
        add_request(free_slots[--free_count]);
        publish_and_kick();
        do {
            wait_used();
        } while (drain_used() == 0);
        t = now_ns();
        if (samples != NULL) {
            if (n == *capacity) {
                *capacity = *capacity ? *capacity * 2 : 1 << 16;
                *samples = realloc(*samples, *capacity * sizeof **samples);
                if (*samples == NULL) {
                    die("realloc");
                }
            }
            (*samples)[n] = t - t0;
        }
        n++;
    }
    *elapsed_s = (double)(t - start) / 1e9;
    return n;
}

/* IN_FLIGHT requests in flight for `seconds`; returns the requests completed in that time. */
static uint64_t run_batch(double seconds, double *elapsed_s) {
    uint64_t start = now_ns();
    uint64_t end = start + (uint64_t)(seconds * 1e9);
    uint64_t t = start;
    uint64_t done = 0;
    while (free_count > 0) {
        add_request(free_slots[--free_count]);
    }
    publish_and_kick();
    while (t < end) {
        wait_used();
        done += drain_used();
        while (free_count > 0) {
            add_request(free_slots[--free_count]);
        }
        publish_and_kick();
        t = now_ns();
    }
    *elapsed_s = (double)(t - start) / 1e9;
    /* let the ring go quiet: collect what is still in flight (not counted) */
    while (free_count < IN_FLIGHT) {
        wait_used();
        drain_used();
    }
    return done;
}

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        die("sched_setaffinity");
    }
}

static double parse_seconds(const char *opt, const char *arg) {
    char *end;
    double v = arg != NULL ? strtod(arg, &end) : -1;
    if (arg == NULL || *end != '\0' || !(v > 0) || v > 3600) {
        fprintf(stderr, "floor: %s needs a number of seconds between 0 and 3600\n", opt);
        exit(64);
    }
    return v;
}

static void usage(FILE *to) {
    fprintf(to, "usage: floor [--duration SECONDS] [--warmup SECONDS] [--cpus D,V]\n"
                "  Two processes share a split virtqueue of %u entries and signal each other with eventfds.\n"
                "  Prints one line of JSON: sync (1 request in flight) round-trip percentiles and rate,\n"
                "  batch (%u in flight) rate. Defaults: --duration 5 --warmup 1; --cpus D,V pins the driver\n"
                "  to CPU D and the device to CPU V (default: the scheduler places them).\n",
            QUEUE_SIZE, IN_FLIGHT);
}

int main(int argc, char **argv) {
    double duration = 5, warmup = 1;
    int driver_cpu = -1, device_cpu = -1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--duration") == 0) {
            duration = parse_seconds(argv[i], argv[i + 1]);
            i++;
        } else if (strcmp(argv[i], "--warmup") == 0) {
            warmup = parse_seconds(argv[i], argv[i + 1]);
            i++;
        } else if (strcmp(argv[i], "--cpus") == 0) {
            char tail;
            if (argv[i + 1] == NULL || sscanf(argv[i + 1], "%d,%d%c", &driver_cpu, &device_cpu, &tail) != 2
                    || driver_cpu < 0 || device_cpu < 0 || driver_cpu >= CPU_SETSIZE || device_cpu >= CPU_SETSIZE) {
                fprintf(stderr, "floor: --cpus needs two CPU numbers, DRIVER,DEVICE (for example 0,1)\n");
                return 64;
            }
            i++;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "floor: unknown argument %s\n", argv[i]);
            usage(stderr);
            return 64;
        }
    }

    int mem_fd = memfd_create("vgpio-floor", MFD_CLOEXEC);
    if (mem_fd < 0) {
        die("memfd_create");
    }
    if (ftruncate(mem_fd, REGION_BYTES) != 0) {
        die("ftruncate");
    }
    region = mmap(NULL, REGION_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, mem_fd, 0);
    if (region == MAP_FAILED) {
        die("mmap");
    }
    desc = (struct vring_desc *)(region + DESC_OFF);
    avail = region + AVAIL_OFF;
    used = region + USED_OFF;
    ctl = (struct control *)(region + CTL_OFF);
    *avail_flags() = 0;
    *used_flags() = 0;
    kick_fd = eventfd(0, EFD_CLOEXEC);
    call_fd = eventfd(0, EFD_CLOEXEC);
    if (kick_fd < 0 || call_fd < 0) {
        die("eventfd");
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_child;
    sa.sa_flags = SA_NOCLDSTOP;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGCHLD, &sa, NULL) != 0) {
        die("sigaction");
    }
    pid_t parent = getpid();
    pid_t child = fork();
    if (child < 0) {
        die("fork");
    }
    if (child == 0) {
        /* the device: it only has the shared region (mapped again from the memfd) and the two eventfds */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) {
            _exit(4);
        }
        uint8_t *own = mmap(NULL, REGION_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, mem_fd, 0);
        if (own == MAP_FAILED) {
            die("mmap (device)");
        }
        munmap(region, REGION_BYTES);
        region = own;
        desc = (struct vring_desc *)(region + DESC_OFF);
        avail = region + AVAIL_OFF;
        used = region + USED_OFF;
        ctl = (struct control *)(region + CTL_OFF);
        if (device_cpu >= 0) {
            pin(device_cpu);
        }
        device_loop();
        _exit(0);
    }
    if (driver_cpu >= 0) {
        pin(driver_cpu);
    }

    for (unsigned s = 0; s < IN_FLIGHT; s++) {
        free_slots[free_count++] = (uint16_t)(IN_FLIGHT - 1 - s);
    }

    double elapsed;
    uint64_t *samples = NULL;
    size_t capacity = 0;
    run_sync(warmup, NULL, NULL, &elapsed);
    size_t n = run_sync(duration, &samples, &capacity, &elapsed);
    qsort(samples, n, sizeof *samples, cmp_u64);
    struct sync_result sync = {
        .p50 = percentile(samples, n, 0.50),
        .p99 = percentile(samples, n, 0.99),
        .p999 = percentile(samples, n, 0.999),
        .ops_per_s = (double)n / elapsed,
    };
    free(samples);

    run_batch(warmup, &elapsed);
    uint64_t done = run_batch(duration, &elapsed);
    double batch_ops = (double)done / elapsed;

    char cpus[32] = "any";
    if (driver_cpu >= 0) {
        snprintf(cpus, sizeof cpus, "%d,%d", driver_cpu, device_cpu);
    }
    signal(SIGCHLD, SIG_DFL);
    __atomic_store_n(&ctl->stop, 1, __ATOMIC_RELEASE);
    notify(kick_fd);
    int status;
    if (waitpid(child, &status, 0) != child) {
        die("waitpid");
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "floor: the device process failed (status 0x%x)\n", status);
        return 1;
    }
    uint32_t bad_chains = __atomic_load_n(&ctl->bad_chains, __ATOMIC_RELAXED);
    if (bad_responses != 0 || bad_chains != 0) {
        fprintf(stderr, "floor: %llu wrong responses, %u malformed chains\n", (unsigned long long)bad_responses,
                bad_chains);
        return 1;
    }
    printf("{\"sync\":{\"p50_ns\":%llu,\"p99_ns\":%llu,\"p999_ns\":%llu,\"ops_per_s\":%.0f},"
           "\"batch\":{\"ops_per_s\":%.0f,\"in_flight\":%u},\"queue_size\":%u,\"notification\":\"event_idx\","
           "\"cpus\":\"%s\"}\n",
            (unsigned long long)sync.p50, (unsigned long long)sync.p99, (unsigned long long)sync.p999, sync.ops_per_s,
            batch_ops, IN_FLIGHT, QUEUE_SIZE, cpus);
    return 0;
}
