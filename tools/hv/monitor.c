/* SPDX-License-Identifier: MIT */
/* hv run — the monitor: a small line protocol to inspect and control a running VM, served
 * on a unix socket (--monitor PATH) and on the console (escape key, then c). One command
 * per line; every command gets exactly one reply line: "ok" with optional " key=value"
 * fields, or "error: reason". Commands that look at or change the machine pause the vCPUs
 * (kick, wait until parked) and resume them afterwards. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "hv_tool.h"

const char hv_monitor_help[] =
    "commands: info registers [HART] | info stats | info status | stop | cont | "
    "savevm FILE | loadvm FILE | break | quit | help";

/* ---- replies ------------------------------------------------------------------------------- */

struct reply {
    char *buf;
    size_t len, used;
};

static void put(struct reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct reply *r, const char *fmt, ...)
{
    if (r->used >= r->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->buf + r->used, r->len - r->used, fmt, ap);
    va_end(ap);
    if (n > 0)
        r->used += (size_t)n < r->len - r->used ? (size_t)n : r->len - r->used - 1;
}

/* ---- commands ------------------------------------------------------------------------------ */

static const char *const abi_names[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3",
    "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
    "t3", "t4", "t5", "t6"
};

/* Machine-mode and supervisor CSRs worth seeing (full backend; para has none of them). */
static const struct { const char *name; unsigned num; } csrs[] = {
    { "mstatus", 0x300 }, { "mie", 0x304 }, { "mip", 0x344 }, { "mtvec", 0x305 },
    { "mepc", 0x341 }, { "mcause", 0x342 }, { "mtval", 0x343 }, { "stvec", 0x105 },
    { "sepc", 0x141 }, { "scause", 0x142 }, { "stval", 0x143 }, { "satp", 0x180 },
};

static void hart_registers(hv_vcpu *v, unsigned id, struct reply *r)
{
    struct hv_regs regs;
    if (hv_vcpu_get_regs(v, &regs) < 0) {
        put(r, " hart%u.error=unavailable", id);
        return;
    }
    static const char prv[4] = { 'U', 'S', '?', 'M' };
    put(r, " hart%u.pc=%#llx hart%u.priv=%c", id, (unsigned long long)regs.pc, id,
        prv[regs.priv & 3]);
    for (unsigned i = 1; i < 32; i++)
        put(r, " hart%u.%s=%#llx", id, abi_names[i], (unsigned long long)regs.x[i]);
    put(r, " hart%u.fcsr=%#llx", id, (unsigned long long)regs.fcsr);
    for (size_t i = 0; i < sizeof(csrs) / sizeof(csrs[0]); i++) {
        uint64_t val;
        if (hv_vcpu_get_reg(v, HV_REG_CSR(csrs[i].num), &val) == 0)
            put(r, " hart%u.%s=%#llx", id, csrs[i].name, (unsigned long long)val);
    }
}

static void info_registers(struct hv_tool_run *run, const char *arg, struct reply *r)
{
    unsigned n = hv_tool_run_nr_vcpus(run), first = 0, last = n;
    if (arg) {
        char *end;
        unsigned long h = strtoul(arg, &end, 0);
        if (*end || h >= n) {
            put(r, "error: no hart '%s' (0..%u)", arg, n - 1);
            return;
        }
        first = (unsigned)h;
        last = first + 1;
    }
    if (hv_tool_pause(run) < 0) {
        put(r, "error: the VM is stopping");
        return;
    }
    put(r, "ok");
    for (unsigned i = first; i < last; i++)
        hart_registers(hv_tool_run_vcpu(run, i), i, r);
    hv_tool_resume(run);
}

static void info_stats(struct hv_tool_run *run, struct reply *r)
{
    if (hv_tool_pause(run) < 0) {
        put(r, "error: the VM is stopping");
        return;
    }
    put(r, "ok");
    for (unsigned i = 0; i < hv_tool_run_nr_vcpus(run); i++) {
        struct hv_stats s;
        if (hv_vcpu_get_stats(hv_tool_run_vcpu(run, i), &s) < 0)
            continue;
        put(r, " hart%u.instructions=%llu hart%u.exits=%llu hart%u.mmio=%llu "
            "hart%u.hypercalls=%llu hart%u.interrupts=%llu hart%u.exceptions=%llu "
            "hart%u.tlb_misses=%llu hart%u.blocks_translated=%llu", i,
            (unsigned long long)s.instructions, i, (unsigned long long)s.exits, i,
            (unsigned long long)s.mmio_traps, i, (unsigned long long)s.hypercalls, i,
            (unsigned long long)s.interrupts, i, (unsigned long long)s.exceptions, i,
            (unsigned long long)s.tlb_misses, i, (unsigned long long)s.blocks_translated);
    }
    put(r, " clock_ns=%llu", (unsigned long long)hv_vm_clock_ns(hv_tool_run_vm_of(run)));
    hv_tool_resume(run);
}

static void snapshot_file(struct hv_tool_run *run, const char *path, int save, struct reply *r)
{
    if (!path) {
        put(r, "error: %s needs a FILE", save ? "savevm" : "loadvm");
        return;
    }
    int fd = save ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
                  : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        put(r, "error: %s: %s", path, strerror(errno));
        return;
    }
    if (hv_tool_pause(run) < 0) {
        close(fd);
        put(r, "error: the VM is stopping");
        return;
    }
    hv_vm *vm = hv_tool_run_vm_of(run);
    int rc = save ? hv_vm_snapshot_save(vm, fd) : hv_vm_snapshot_load(vm, fd);
    if (close(fd) < 0 && rc == 0 && save)
        rc = HV_EIO;
    if (rc < 0)
        put(r, "error: %s: %s", path, hv_vm_last_error(vm)[0] ? hv_vm_last_error(vm)
                                                               : hv_strerror(rc));
    else
        put(r, "ok file=%s", path);
    hv_tool_resume(run);
}

/* Split off the first word of *s (NUL-terminating it); NULL when none is left. */
static char *word(char **s)
{
    char *p = *s + strspn(*s, " \t");
    if (!*p)
        return NULL;
    char *end = p + strcspn(p, " \t");
    *s = *end ? end + 1 : end;
    *end = 0;
    return p;
}

/* The rest of the line without surrounding blanks, NULL if empty (file names may contain
 * spaces). */
static char *rest(char *s)
{
    s += strspn(s, " \t");
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = 0;
    return n ? s : NULL;
}

void hv_monitor_exec(struct hv_tool_run *run, const char *line, char *out, size_t len)
{
    struct reply r = { out, len, 0 };
    out[0] = 0;
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", line);
    buf[strcspn(buf, "\r\n")] = 0;
    char *s = buf, *cmd = word(&s);
    if (!cmd)
        return;                                  /* blank line: nothing to answer */
    if (!strcmp(cmd, "help")) {
        put(&r, "ok %s", hv_monitor_help);
    } else if (!strcmp(cmd, "info")) {
        char *what = word(&s), *arg = word(&s);
        if (what && !strcmp(what, "registers"))
            info_registers(run, arg, &r);
        else if (what && !strcmp(what, "stats") && !arg)
            info_stats(run, &r);
        else if (what && !strcmp(what, "status") && !arg)
            put(&r, "ok status=%s vcpus=%u", hv_tool_user_stopped(run) ? "stopped" : "running",
                hv_tool_run_nr_vcpus(run));
        else
            put(&r, "error: info registers [HART] | info stats | info status");
    } else if (!strcmp(cmd, "stop")) {
        if (hv_tool_user_stop(run) < 0)
            put(&r, "error: the VM is stopping");
        else
            put(&r, "ok status=stopped");
    } else if (!strcmp(cmd, "cont")) {
        hv_tool_user_cont(run);
        put(&r, "ok status=running");
    } else if (!strcmp(cmd, "savevm") || !strcmp(cmd, "loadvm")) {
        snapshot_file(run, rest(s), cmd[0] == 's', &r);
    } else if (!strcmp(cmd, "break")) {
        if (hv_vm_console_break(hv_tool_run_vm_of(run)) < 0)
            put(&r, "error: this backend's console has no line to break");
        else
            put(&r, "ok");
    } else if (!strcmp(cmd, "quit")) {
        put(&r, "ok");
        hv_tool_quit(run, 0);
    } else {
        put(&r, "error: unknown command '%s'; %s", cmd, hv_monitor_help);
    }
}

/* ---- the socket server ---------------------------------------------------------------------- */

#define REPLY_SIZE 16384

struct hv_monitor {
    struct hv_tool_run *run;
    char *path;
    int listen_fd;
    int bound;                   /* the socket file is ours to remove */
    int wake[2];                 /* self-pipe: ends the thread */
    pthread_t tid;
};

static int send_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int hv_tool_wait_readable(int fd, int wake_fd)
{
    for (;;) {
        struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
                               { .fd = wake_fd, .events = POLLIN } };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return 0;
        }
        if (p[1].revents)
            return 0;
        if (p[0].revents)
            return 1;
    }
}

/* One client: read lines, answer each; returns when it disconnects or the monitor closes. */
static void serve_client(struct hv_monitor *m, int fd)
{
    char line[4096];
    size_t used = 0;
    static char reply[REPLY_SIZE + 1];
    while (hv_tool_wait_readable(fd, m->wake[0])) {
        ssize_t n = recv(fd, line + used, sizeof(line) - 1 - used, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        used += (size_t)n;
        char *nl;
        while ((nl = memchr(line, '\n', used)) != NULL) {
            *nl = 0;
            hv_monitor_exec(m->run, line, reply, REPLY_SIZE);
            size_t rl = strlen(reply);
            if (rl) {
                reply[rl++] = '\n';
                if (send_all(fd, reply, rl) < 0)
                    return;
            }
            used -= (size_t)(nl + 1 - line);
            memmove(line, nl + 1, used);
        }
        if (used == sizeof(line) - 1) {
            static const char too_long[] = "error: line too long\n";
            if (send_all(fd, too_long, sizeof(too_long) - 1) < 0)
                return;
            used = 0;
        }
    }
}

static void *monitor_main(void *arg)
{
    struct hv_monitor *m = arg;
    while (hv_tool_wait_readable(m->listen_fd, m->wake[0])) {
        int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        serve_client(m, fd);
        close(fd);
    }
    return NULL;
}

int hv_monitor_open(const char *path, struct hv_tool_run *run, struct hv_monitor **out)
{
    *out = NULL;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "hv run: --monitor %s: path too long\n", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    /* A socket file left by an earlier run is replaced; anything else is not ours. */
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            fprintf(stderr, "hv run: --monitor %s: exists and is not a socket\n", path);
            return -1;
        }
        unlink(path);
    }
    struct hv_monitor *m = calloc(1, sizeof(*m));
    if (!m || !(m->path = strdup(path))) {
        free(m);
        fprintf(stderr, "hv run: --monitor: out of memory\n");
        return -1;
    }
    m->run = run;
    m->wake[0] = m->wake[1] = -1;
    m->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    m->bound = m->listen_fd >= 0 && bind(m->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    if (!m->bound || listen(m->listen_fd, 4) < 0 || pipe2(m->wake, O_CLOEXEC) < 0) {
        fprintf(stderr, "hv run: --monitor %s: %s\n", path, strerror(errno));
        hv_monitor_close(m);
        return -1;
    }
    if (pthread_create(&m->tid, NULL, monitor_main, m) != 0) {
        fprintf(stderr, "hv run: --monitor: cannot start its thread\n");
        close(m->wake[1]);
        m->wake[1] = -1;
        hv_monitor_close(m);
        return -1;
    }
    *out = m;
    return 0;
}

void hv_monitor_close(struct hv_monitor *m)
{
    if (!m)
        return;
    if (m->wake[1] >= 0) {
        ssize_t w = write(m->wake[1], "x", 1);
        (void)w;
        pthread_join(m->tid, NULL);
    }
    for (int i = 0; i < 2; i++)
        if (m->wake[i] >= 0)
            close(m->wake[i]);
    if (m->listen_fd >= 0)
        close(m->listen_fd);
    if (m->bound)
        unlink(m->path);
    free(m->path);
    free(m);
}
