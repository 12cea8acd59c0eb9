/* SPDX-License-Identifier: MIT */
/* hvlbench — the Linux guest benchmark program of `hv bench --linux` (static riscv64 Linux
 * binary in the shared initramfs; /init runs it when the kernel command line says
 * hvlbench=NAME[,OPS]). Each workload times OPS operations with CLOCK_MONOTONIC inside
 * the guest and prints, in this order:
 *   hvlbench: begin NAME          (console drained before the clock starts)
 *   hvlbench: end NAME            (right after the clock stops, drained too)
 *   bench: name=linux-NAME ops=N bytes=B ns=T
 *   hvlbench: NAME ns_per_op=... (and workload-specific figures)
 *   linux-NAME: checksum HEX ok   ("bad" instead of "ok" when the verification failed)
 * The host harness snapshots the vCPU statistics when the begin and end lines arrive.
 * Workloads: syscall, pipe, fork, pgfault, blk-{seq,rand}-{4k,1m}-qd{1,32}, timer,
 * net (client) and net-echo (server). Block I/O uses O_DIRECT on /dev/vda (a scratch disk:
 * every block is written, then read back and verified); queue depth 32 is 32 threads each
 * with one request in flight (the kernels are built without CONFIG_AIO). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void drain(void)
{
    fflush(stdout);
    tcdrain(1);
}

static const char *cur;
static uint64_t t_begin;

static void begin(const char *name)
{
    cur = name;
    printf("hvlbench: begin %s\n", name);
    drain();
    t_begin = now_ns();
}

/* Stop the clock; print the end marker and the result lines. */
static void end(uint64_t ops, uint64_t bytes, uint64_t sum, int ok, const char *extra)
{
    uint64_t ns = now_ns() - t_begin;
    printf("hvlbench: end %s\n", cur);
    drain();
    printf("bench: name=linux-%s ops=%llu bytes=%llu ns=%llu\n", cur, (unsigned long long)ops,
           (unsigned long long)bytes, (unsigned long long)ns);
    printf("hvlbench: %s ns_per_op=%.1f%s%s\n", cur, ops ? (double)ns / ops : 0.0,
           extra ? " " : "", extra ? extra : "");
    printf("linux-%s: checksum %016llx %s\n", cur, (unsigned long long)sum, ok ? "ok" : "bad");
    drain();
}

static int die(const char *what)
{
    printf("hvlbench: FAIL %s: %s\n", what, strerror(errno));
    drain();
    return 1;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v;
    return h * 0x100000001b3ull;
}

/* ---- CPU / kernel ---------------------------------------------------------------------- */

static int w_syscall(uint64_t n)
{
    uint64_t sum = 0xcbf29ce484222325ull;
    long want = syscall(SYS_getppid);
    int ok = 1;
    begin("syscall");
    for (uint64_t i = 0; i < n; i++) {
        long r = syscall(SYS_getppid);
        ok &= r == want;
        sum = mix(sum, (uint64_t)r);
    }
    end(n, 0, sum, ok, NULL);
    return 0;
}

/* 1-byte messages between parent and child over two pipes: one op = one round trip. */
static int w_pipe(uint64_t n)
{
    int ab[2], ba[2];
    if (pipe(ab) < 0 || pipe(ba) < 0)
        return die("pipe");
    pid_t pid = fork();
    if (pid < 0)
        return die("fork");
    if (pid == 0) {
        unsigned char c;
        close(ab[1]);               /* so that the parent's close ends the loop (EOF) */
        close(ba[0]);
        while (read(ab[0], &c, 1) == 1) {
            c = (unsigned char)(c + 1);
            if (write(ba[1], &c, 1) != 1)
                break;
        }
        _exit(0);
    }
    close(ab[0]);
    close(ba[1]);
    uint64_t sum = 0xcbf29ce484222325ull;
    int ok = 1;
    begin("pipe");
    for (uint64_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)i, r = 0;
        if (write(ab[1], &c, 1) != 1 || read(ba[0], &r, 1) != 1) {
            ok = 0;
            break;
        }
        ok &= r == (unsigned char)(c + 1);
        sum = mix(sum, r);
    }
    end(n, 2 * n, sum, ok, NULL);
    close(ab[1]);
    waitpid(pid, NULL, 0);
    return 0;
}

static int w_fork(uint64_t n)
{
    uint64_t sum = 0xcbf29ce484222325ull;
    int ok = 1;
    begin("fork");
    for (uint64_t i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit((int)(i & 0x7f));
        int st = 0;
        if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
            WEXITSTATUS(st) != (int)(i & 0x7f)) {
            ok = 0;
            break;
        }
        sum = mix(sum, (uint64_t)WEXITSTATUS(st));
    }
    end(n, 0, sum, ok, NULL);
    return 0;
}

/* Page faults: map 256 anonymous pages, write each once (one fault each), unmap; op = one
 * page faulted in. */
static int w_pgfault(uint64_t n)
{
    const uint64_t chunk = 256;
    long pg = sysconf(_SC_PAGESIZE);
    uint64_t sum = 0xcbf29ce484222325ull, done = 0;
    int ok = 1;
    begin("pgfault");
    while (done < n) {
        uint64_t k = n - done < chunk ? n - done : chunk;
        unsigned char *p = mmap(NULL, k * (uint64_t)pg, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            ok = 0;
            break;
        }
        for (uint64_t i = 0; i < k; i++)
            p[i * (uint64_t)pg + (i & 63)] = (unsigned char)(done + i);
        for (uint64_t i = 0; i < k; i++)
            sum = mix(sum, p[i * (uint64_t)pg + (i & 63)]);
        munmap(p, k * (uint64_t)pg);
        done += k;
    }
    end(n, 0, sum, ok, NULL);
    return 0;
}

/* nanosleep(1 ms) wake-ups: op = one wake-up; latency = sleep time beyond the 1 ms asked. */
static int w_timer(uint64_t n)
{
    uint64_t late_sum = 0, late_max = 0, sum = 0xcbf29ce484222325ull;
    begin("timer");
    for (uint64_t i = 0; i < n; i++) {
        struct timespec req = { 0, 1000000 };
        uint64_t t0 = now_ns();
        while (nanosleep(&req, &req) < 0 && errno == EINTR)
            ;
        uint64_t late = now_ns() - t0 - 1000000;
        late_sum += late;
        late_max = late > late_max ? late : late_max;
        sum = mix(sum, 1);
    }
    char extra[128];
    snprintf(extra, sizeof extra, "wakeups_per_s=%.1f late_avg_us=%.1f late_max_us=%.1f",
             n * 1e9 / (double)(now_ns() - t_begin), late_sum / 1e3 / n, late_max / 1e3);
    end(n, 0, sum, 1, extra);
    return 0;
}

/* ---- block I/O ------------------------------------------------------------------------- */

struct blk {
    int fd;
    size_t bs;
    uint64_t nblk;
    const uint32_t *order;      /* block index of op i (identity for sequential) */
    int write;
    _Atomic uint64_t next;
    _Atomic int bad;
};

/* Block b's content: every 512-byte sector starts with its tag (sector number hashed),
 * then the fixed pattern of tmpl (built once: the guest's own work per request stays a
 * copy or a compare, small next to the I/O). */
static unsigned char tmpl[1u << 20];

static uint64_t tag_of(size_t bs, uint64_t b, size_t s)
{
    return (b * bs + s) / 512 * 0x9e3779b97f4a7c15ull + 0x484c42;
}

static int do_op(struct blk *j, unsigned char *buf, uint64_t i)
{
    uint64_t b = j->order[i];
    size_t bs = j->bs;
    off_t off = (off_t)(b * bs);
    if (j->write) {
        memcpy(buf, tmpl, bs);
        for (size_t s = 0; s < bs; s += 512) {
            uint64_t t = tag_of(bs, b, s);
            memcpy(buf + s, &t, 8);
        }
        return pwrite(j->fd, buf, bs, off) == (ssize_t)bs ? 0 : -1;
    }
    if (pread(j->fd, buf, bs, off) != (ssize_t)bs)
        return -1;
    for (size_t s = 0; s < bs; s += 512) {
        uint64_t t;
        memcpy(&t, buf + s, 8);
        if (t != tag_of(bs, b, s))
            return -1;
        memset(buf + s, 0, 8);
    }
    return memcmp(buf, tmpl, bs) ? -1 : 0;
}

static void *blk_worker(void *arg)
{
    struct blk *j = arg;
    unsigned char *buf;
    if (posix_memalign((void **)&buf, 4096, j->bs)) {
        j->bad = 1;
        return NULL;
    }
    for (;;) {
        uint64_t i = j->next++;
        if (i >= j->nblk)
            break;
        if (do_op(j, buf, i) < 0)
            j->bad = 1;
    }
    free(buf);
    return NULL;
}

/* One pass (all writes or all reads) at queue depth qd: qd threads, one request each. */
static int blk_pass(struct blk *j, unsigned qd)
{
    j->next = 0;
    if (qd == 1) {
        blk_worker(j);
        return j->bad ? -1 : 0;
    }
    pthread_t t[32];
    unsigned started = 0;
    for (; started < qd; started++)
        if (pthread_create(&t[started], NULL, blk_worker, j))
            break;
    for (unsigned i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    return j->bad || started < qd ? -1 : 0;
}

/* blk-{seq,rand}-{4k,1m}-qd{1,32}: the region (8 MiB for 4 KiB, 32 MiB for 1 MiB blocks,
 * or ops blocks when given) is written, then read back and verified; op = one request. */
static int w_blk(const char *name, uint64_t n)
{
    int rnd = strstr(name, "rand") != NULL;
    size_t bs = strstr(name, "-1m") ? 1u << 20 : 4096;
    unsigned qd = strstr(name, "qd32") ? 32 : 1;
    if (!n)
        n = bs == 4096 ? 2048 : 32;
    int fd = open("/dev/vda", O_RDWR | O_DIRECT);
    if (fd < 0)
        return die("open /dev/vda O_DIRECT");
    uint32_t *order = malloc(n * sizeof *order);
    if (!order)
        return die("malloc");
    for (uint64_t i = 0; i < n; i++)
        order[i] = (uint32_t)i;
    uint64_t x = 0x2545f4914f6cdd1dull;
    for (uint64_t i = n - 1; rnd && i > 0; i--) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t k = x % (i + 1);
        uint32_t t = order[i];
        order[i] = order[k];
        order[k] = t;
    }
    for (size_t k = 0; k < sizeof tmpl; k++)
        tmpl[k] = (k & 511) < 8 ? 0 : (unsigned char)((k & 511) * 7 + 3);
    struct blk j = { .fd = fd, .bs = bs, .nblk = n, .order = order, .write = 1 };
    begin(name);
    uint64_t t0 = now_ns();
    int ok = blk_pass(&j, qd) == 0;
    uint64_t tw = now_ns() - t0;
    j.write = 0;
    if (rnd)    /* read back in the reverse of the write order */
        for (uint64_t i = 0; i < n / 2; i++) {
            uint32_t t = order[i];
            order[i] = order[n - 1 - i];
            order[n - 1 - i] = t;
        }
    ok &= blk_pass(&j, qd) == 0;
    uint64_t tr = now_ns() - t0 - tw;
    char extra[160];
    snprintf(extra, sizeof extra, "write_us_per_op=%.1f read_us_per_op=%.1f write_mb_s=%.1f "
             "read_mb_s=%.1f qd=%u", tw / 1e3 / n, tr / 1e3 / n, n * bs * 1e3 / tw,
             n * bs * 1e3 / tr, qd);
    end(2 * n, 2 * n * bs, mix(n, bs), ok, extra);
    close(fd);
    free(order);
    return 0;
}

/* ---- network: UDP ping-pong between two VMs -------------------------------------------- */

static char cmdline[2048];

/* The value of KEY=... on the kernel command line ("" if absent). */
static const char *arg(const char *key, char *out, size_t n)
{
    size_t len = strlen(key);
    out[0] = 0;
    for (char *p = cmdline; (p = strstr(p, key)); p += len)
        if ((p == cmdline || p[-1] == ' ') && p[len] == '=') {
            snprintf(out, n, "%.*s", (int)strcspn(p + len + 1, " \n"), p + len + 1);
            break;
        }
    return out;
}

static int eth0(const char *ip)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "eth0");
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = inet_addr(ip);
    int rc = ioctl(s, SIOCSIFADDR, &ifr);
    sin->sin_addr.s_addr = inet_addr("255.255.255.0");
    rc |= ioctl(s, SIOCSIFNETMASK, &ifr);
    rc |= ioctl(s, SIOCGIFFLAGS, &ifr);
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    rc |= ioctl(s, SIOCSIFFLAGS, &ifr);
    close(s);
    return rc;
}

#define NET_PORT 7777
#define NET_MSG 64

static int udp(const char *ip)
{
    char a[32];
    if (eth0(arg("hvlbench_ip", a, sizeof a)[0] ? a : ip) < 0)
        return -1;
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(NET_PORT) };
    if (s < 0 || bind(s, (struct sockaddr *)&me, sizeof me) < 0)
        return -1;
    return s;
}

static void rcv_timeout(int s, long us)
{
    struct timeval tv = { us / 1000000, us % 1000000 };
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

/* The echo side: answers every datagram until one says "quit" (or 300 s of silence). */
static int w_net_echo(void)
{
    int s = udp("10.0.3.1");
    if (s < 0)
        return die("net-echo: eth0/socket");
    rcv_timeout(s, 300 * 1000000L);
    printf("hvlbench: echo ready\n");
    drain();
    unsigned long n = 0;
    for (;;) {
        char m[NET_MSG];
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t k = recvfrom(s, m, sizeof m, 0, (struct sockaddr *)&from, &fl);
        if (k < 0)
            break;
        if (k == 4 && !memcmp(m, "quit", 4))
            break;
        sendto(s, m, (size_t)k, 0, (struct sockaddr *)&from, fl);
        n++;
    }
    printf("hvlbench: echo answered %lu datagrams\n", n);
    close(s);
    return 0;
}

/* The client: 64-byte datagrams to the peer, each waiting for its echo; op = round trip. */
static int w_net(uint64_t n)
{
    char peer[32];
    int s = udp("10.0.3.2");
    if (s < 0)
        return die("net: eth0/socket");
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(NET_PORT) };
    to.sin_addr.s_addr = inet_addr(arg("hvlbench_peer", peer, sizeof peer)[0] ? peer
                                                                               : "10.0.3.1");
    char m[NET_MSG], r[NET_MSG];
    memset(m, 'h', sizeof m);
    /* Warm-up until the peer answers (it may still be booting; ARP on the first one). */
    rcv_timeout(s, 200000);
    int up = 0;
    for (int i = 0; i < 600 && !up; i++)
        up = sendto(s, m, sizeof m, 0, (struct sockaddr *)&to, sizeof to) == sizeof m &&
             recv(s, r, sizeof r, 0) == sizeof m;
    if (!up) {
        errno = ETIMEDOUT;
        return die("net: no echo from the peer");
    }
    while (recv(s, r, sizeof r, MSG_DONTWAIT) > 0)
        ;
    rcv_timeout(s, 2000000);
    uint64_t sum = 0xcbf29ce484222325ull, lost = 0;
    int ok = 1;
    begin("net");
    for (uint64_t i = 0; i < n; i++) {
        memcpy(m, &i, sizeof i);
        if (sendto(s, m, sizeof m, 0, (struct sockaddr *)&to, sizeof to) != sizeof m) {
            ok = 0;
            break;
        }
        uint64_t got;
        do {                        /* skip late echoes (warm-up, or given up on) */
            if (recv(s, r, sizeof r, 0) != sizeof m) {
                got = UINT64_MAX;
                break;
            }
            memcpy(&got, r, sizeof got);
        } while (got != i);
        if (got != i) {
            lost++;
            ok = 0;
        }
        sum = mix(sum, got);
    }
    char extra[64];
    snprintf(extra, sizeof extra, "lost=%llu", (unsigned long long)lost);
    end(n, 2 * n * NET_MSG, sum, ok, extra);
    for (int i = 0; i < 5; i++)
        sendto(s, "quit", 4, 0, (struct sockaddr *)&to, sizeof to);
    close(s);
    return 0;
}

/* ---- main ------------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: hvlbench NAME [OPS]\n");
        return 2;
    }
    int fd = open("/proc/cmdline", O_RDONLY);
    if (fd >= 0) {
        ssize_t k = read(fd, cmdline, sizeof cmdline - 1);
        cmdline[k > 0 ? k : 0] = 0;
        close(fd);
    }
    const char *w = argv[1];
    uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 0) : 0;
    if (!strcmp(w, "syscall"))
        return w_syscall(n ? n : 200000);
    if (!strcmp(w, "pipe"))
        return w_pipe(n ? n : 20000);
    if (!strcmp(w, "fork"))
        return w_fork(n ? n : 500);
    if (!strcmp(w, "pgfault"))
        return w_pgfault(n ? n : 20480);
    if (!strcmp(w, "timer"))
        return w_timer(n ? n : 200);
    if (!strncmp(w, "blk-", 4))
        return w_blk(w, n);
    if (!strcmp(w, "net"))
        return w_net(n ? n : 2000);
    if (!strcmp(w, "net-echo"))
        return w_net_echo();
    fprintf(stderr, "hvlbench: unknown workload %s\n", w);
    return 2;
}
