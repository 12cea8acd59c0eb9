/* SPDX-License-Identifier: MIT */
/* hv bench --linux — the Linux workloads: a Linux Image (full: the unmodified kernel via
 * OpenSBI and virtio; para: the para kernel) boots the shared initramfs, whose /init runs
 * the benchmark program (guest/linux/bench/hvlbench.c) named by hvlbench= on the kernel
 * command line. The program prints "hvlbench: begin NAME" when its timed section starts
 * and "hvlbench: end NAME" when it ends (console drained each time); this harness kicks the
 * vCPU(s) as each line arrives and snapshots the statistics, so the reported counters and
 * wall time cover the section only (boot and power-off excluded; the kick lands at the
 * vCPU's next block boundary, a few microseconds of console output at most are included).
 * linux-net runs two VMs in this process on one shared network fabric
 * (hv_config.net_fabric), each on its own thread: the echo side and the client, whose lines
 * snapshot both; its counters are the sum over both VMs. linux-boot has no section: the
 * whole run, VM creation to power-off. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "bench_harness.h"

#define LINUX_OUT_MAX (4u << 20)
#define LINUX_DISK (64ull << 20)

#define LX(n, a, o, q, d, nt, w) { { n, "linux", 0, 0, w }, a, o, q, d, nt }
const struct bench_linux_wl bench_linux_wls[] = {
    LX("linux-boot", NULL, 0, 0, 0, 0, "boot to /init and power off (whole run)"),
    LX("linux-syscall", "syscall", 200000, 5000, 0, 0, "getppid() round trips"),
    LX("linux-pipe", "pipe", 20000, 500, 0, 0, "1-byte pipe ping-pong, two processes"),
    LX("linux-fork", "fork", 500, 20, 0, 0, "fork + _exit + waitpid"),
    LX("linux-pgfault", "pgfault", 20480, 1024, 0, 0, "mmap, touch each page, munmap"),
    LX("linux-blk-seq-4k-qd1", "blk-seq-4k-qd1", 2048, 256, 1, 0,
       "O_DIRECT 8 MiB written then read, 4 KiB sequential, QD1 (pread/pwrite)"),
    LX("linux-blk-rand-4k-qd1", "blk-rand-4k-qd1", 2048, 256, 1, 0,
       "O_DIRECT 4 KiB random, QD1"),
    LX("linux-blk-seq-1m-qd1", "blk-seq-1m-qd1", 32, 8, 1, 0,
       "O_DIRECT 32 MiB written then read, 1 MiB sequential, QD1"),
    LX("linux-blk-rand-1m-qd1", "blk-rand-1m-qd1", 32, 8, 1, 0, "O_DIRECT 1 MiB random, QD1"),
    LX("linux-blk-seq-4k-qd32", "blk-seq-4k-qd32", 2048, 256, 1, 0,
       "O_DIRECT 4 KiB sequential, QD32 (32 threads)"),
    LX("linux-blk-rand-4k-qd32", "blk-rand-4k-qd32", 2048, 256, 1, 0,
       "O_DIRECT 4 KiB random, QD32 (32 threads)"),
    LX("linux-blk-seq-1m-qd32", "blk-seq-1m-qd32", 32, 32, 1, 0,
       "O_DIRECT 1 MiB sequential, QD32 (32 threads)"),
    LX("linux-blk-rand-1m-qd32", "blk-rand-1m-qd32", 32, 32, 1, 0,
       "O_DIRECT 1 MiB random, QD32 (32 threads)"),
    LX("linux-timer", "timer", 200, 20, 0, 0, "nanosleep(1 ms) wake-ups (HZ=250)"),
    LX("linux-net", "net", 2000, 200, 0, 1, "UDP 64-byte ping-pong between two VMs"),
};
const unsigned bench_linux_nwls = sizeof bench_linux_wls / sizeof bench_linux_wls[0];

const struct bench_linux_wl *bench_linux_find(const char *name)
{
    for (unsigned i = 0; i < bench_linux_nwls; i++)
        if (!strcmp(bench_linux_wls[i].info.name, name))
            return &bench_linux_wls[i];
    return NULL;
}

void bench_linux_image(int para, char *out, size_t n, char *why, size_t whylen)
{
    out[0] = why[0] = 0;
    const char *env = getenv(para ? "HV_LINUX_PARA_IMAGE" : "HV_LINUX_IMAGE");
    char cmd[4200], line[4096] = "";
    if (env && *env) {
        snprintf(line, sizeof line, "%s", env);
    } else {
        snprintf(cmd, sizeof cmd, "sh '%s/scripts/build-linux.sh' %s--print-path 2>/dev/null",
                 HV_SOURCE_DIR, para ? "--para " : "");
        FILE *p = popen(cmd, "r");
        if (p) {
            if (!fgets(line, sizeof line, p))
                line[0] = 0;
            pclose(p);
        }
        line[strcspn(line, "\n")] = 0;
    }
    if (!line[0]) {
        snprintf(why, whylen, "scripts/build-linux.sh%s --print-path gave no path",
                 para ? " --para" : "");
        return;
    }
    if (access(line, R_OK) != 0) {
        snprintf(why, whylen, "no %s kernel Image at %.120s (build: scripts/build-linux.sh%s)",
                 para ? "para" : "full", line, para ? " --para" : "");
        return;
    }
    snprintf(out, n, "%s", line);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- one VM ----------------------------------------------------------------------------- */

struct lrun;

struct lvm {
    struct lrun *run;
    int client;                 /* its lines drive the snapshots */
    hv_vm *vm;
    hv_vcpu *vcpu;
    char *out;
    size_t len, cap, scanned;
    int truncated;
    unsigned snaps;             /* snapshots taken: 0, 1 (begin), 2 (end) */
    struct hv_stats snap[2];
    double snap_ms[2];
    double t0;                  /* the run loop's start */
    double wall_ms;
    int exit_code;
    char err[BENCH_ERR];
    int failed, unsupported;
    pthread_t thread;
};

struct lrun {
    struct lvm v[2];
    unsigned n;
    _Atomic unsigned want;      /* snapshots asked for by the client's lines */
    _Atomic int abort;          /* stop every VM (the client ended, or Ctrl-C) */
    unsigned timeout_s;
};

static void kick_all(struct lrun *r)
{
    for (unsigned i = 0; i < r->n; i++)
        if (r->v[i].vcpu)
            hv_vcpu_kick(r->v[i].vcpu);
}

/* The serial console's bytes (the vCPU's own thread). */
static void on_output(void *opaque, const uint8_t *data, size_t len)
{
    struct lvm *v = opaque;
    if (v->len + len + 1 > LINUX_OUT_MAX) {
        v->truncated = 1;
        return;
    }
    if (v->len + len + 1 > v->cap) {
        size_t cap = v->cap ? v->cap : 65536;
        while (cap < v->len + len + 1)
            cap *= 2;
        char *d = realloc(v->out, cap);
        if (!d) {
            v->truncated = 1;
            return;
        }
        v->out = d;
        v->cap = cap;
    }
    for (size_t i = 0; i < len; i++)    /* the tty's CR LF line ends: keep the LF */
        if (data[i] != '\r')
            v->out[v->len++] = (char)data[i];
    v->out[v->len] = 0;
    if (!v->client)
        return;
    char *nl;
    while ((nl = memchr(v->out + v->scanned, '\n', v->len - v->scanned))) {
        const char *line = v->out + v->scanned;
        unsigned want = atomic_load(&v->run->want);
        if (!strncmp(line, "hvlbench: begin ", 16) && want == 0)
            atomic_store(&v->run->want, 1);
        else if (!strncmp(line, "hvlbench: end ", 14) && want == 1)
            atomic_store(&v->run->want, 2);
        if (atomic_load(&v->run->want) != want)
            kick_all(v->run);
        v->scanned = (size_t)(nl - v->out) + 1;
    }
}

static void take_snapshots(struct lvm *v)
{
    unsigned want = atomic_load(&v->run->want);
    while (v->snaps < want && v->snaps < 2) {
        hv_vcpu_get_stats(v->vcpu, &v->snap[v->snaps]);
        v->snap_ms[v->snaps] = now_ms();
        v->snaps++;
    }
}

static void vfail(struct lvm *v, const char *what, const char *detail)
{
    if (v->failed)
        return;
    v->failed = 1;
    snprintf(v->err, sizeof v->err, "%s%.80s%s%.100s", v->client ? "" : "echo VM: ", what,
             detail && *detail ? ": " : "", detail ? detail : "");
}

static void run_loop(struct lvm *v)
{
    hv_vcpu_set_deadline(v->vcpu, hv_vm_clock_ns(v->vm) +
                         (uint64_t)v->run->timeout_s * 1000000000ull);
    v->t0 = now_ms();
    for (;;) {
        struct hv_exit e;
        int rc = hv_vcpu_run(v->vcpu, 0, &e);
        take_snapshots(v);
        if (rc < 0) {
            vfail(v, hv_strerror(rc), hv_vm_last_error(v->vm));
            v->unsupported = rc == HV_ENOTSUP;
            break;
        }
        if (e.reason == HV_EXIT_KICK) {
            if (atomic_load(&v->run->abort) || (v->client && bench_interrupted())) {
                vfail(v, bench_interrupted() ? "interrupted" : "stopped", NULL);
                break;
            }
            continue;
        }
        if (e.reason == HV_EXIT_HYPERCALL) {
            e.u.hypercall.ret_error = -2;
            continue;
        }
        char what[96];
        if (e.reason == HV_EXIT_SHUTDOWN || e.reason == HV_EXIT_CRASH) {
            v->exit_code = e.u.shutdown.code;
            if (e.u.shutdown.code) {
                snprintf(what, sizeof what, "guest exit code %d", e.u.shutdown.code);
                vfail(v, what, NULL);
            }
        } else if (e.reason == HV_EXIT_DEADLINE) {
            snprintf(what, sizeof what, "timed out after %u s", v->run->timeout_s);
            vfail(v, what, NULL);
        } else if (e.reason == HV_EXIT_FAULT) {
            snprintf(what, sizeof what, "unhandled guest fault: cause %llu at pc %#llx",
                     (unsigned long long)e.u.fault.cause, (unsigned long long)e.pc);
            vfail(v, what, NULL);
        } else {
            snprintf(what, sizeof what, "vCPU stopped (exit reason %d at pc %#llx)",
                     (int)e.reason, (unsigned long long)e.pc);
            vfail(v, what, hv_vm_last_error(v->vm));
        }
        break;
    }
    v->wall_ms = now_ms() - v->t0;
}

static void *echo_thread(void *arg)
{
    run_loop(arg);
    return NULL;
}

static int create_vm(const struct bench_job *job, const struct bench_linux_wl *lw,
                     struct lvm *v, const char *disk, hv_net_fabric *fabric, int echo)
{
    int para = job->cfg->backend == HV_BACKEND_PARA;
    char cmdline[512], args[160] = "";
    if (echo)
        snprintf(args, sizeof args, "hvlbench=net-echo hvlbench_ip=10.0.3.1");
    else if (!lw->arg)
        snprintf(args, sizeof args, "hvlbench=boot");
    else if (lw->net)
        snprintf(args, sizeof args, "hvlbench=%s,%u hvlbench_ip=10.0.3.2 hvlbench_peer=10.0.3.1",
                 lw->arg, job->quick ? lw->quick_ops : lw->ops);
    else
        snprintf(args, sizeof args, "hvlbench=%s,%u", lw->arg,
                 job->quick ? lw->quick_ops : lw->ops);
    snprintf(cmdline, sizeof cmdline, "%s quiet %s",
             para ? "console=hvc0 earlycon=sbi" : "console=ttyS0", args);
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = job->cfg->backend;
    cfg.engine = job->cfg->engine;
    cfg.name = echo ? "hv-bench-echo" : "hv-bench-linux";
    cfg.mem_size = job->mem_size;
    cfg.kernel = job->elf;
    cfg.initrd = job->initrd;
    cfg.cmdline = cmdline;
    cfg.time_exits = 1;
    cfg.serial.type = HV_CHARDEV_BUFFER;
    cfg.serial.on_output = on_output;
    cfg.serial.opaque = v;
    if (disk) {
        cfg.disks[0].path = disk;
        cfg.nr_disks = 1;
    }
    if (fabric) {
        cfg.net_fabric = fabric;
        cfg.nics[0].type = HV_NET_HUB;
        memcpy(cfg.nics[0].mac, (uint8_t[6]){ 0x52, 0x54, 0x00, 0x4c, 0x42, echo ? 1 : 2 }, 6);
        cfg.nr_nics = 1;
    }
    char err[512];
    int rc = hv_vm_create(&cfg, &v->vm, err, sizeof err);
    if (rc < 0) {
        vfail(v, "cannot create the VM", err);
        v->unsupported = rc == HV_ENOTSUP;
        return -1;
    }
    if (hv_vcpu_create(v->vm, 0, &v->vcpu) < 0) {
        vfail(v, "vCPU", hv_vm_last_error(v->vm));
        return -1;
    }
    return 0;
}

static void stats_add_delta(struct hv_stats *acc, const struct hv_stats *a,
                            const struct hv_stats *b)
{
    acc->instructions += b->instructions - a->instructions;
    acc->exits += b->exits - a->exits;
    for (unsigned i = 0; i < 16; i++)
        acc->exits_by_reason[i] += b->exits_by_reason[i] - a->exits_by_reason[i];
    acc->mmio_traps += b->mmio_traps - a->mmio_traps;
    acc->hypercalls += b->hypercalls - a->hypercalls;
    acc->interrupts += b->interrupts - a->interrupts;
    acc->exceptions += b->exceptions - a->exceptions;
    acc->tlb_misses += b->tlb_misses - a->tlb_misses;
    acc->blocks_translated += b->blocks_translated - a->blocks_translated;
    acc->insns_translated += b->insns_translated - a->insns_translated;
    acc->translate_ns += b->translate_ns - a->translate_ns;
    acc->idle_ns += b->idle_ns - a->idle_ns;
    acc->exit_ns += b->exit_ns - a->exit_ns;
}

/* The uptime /init printed ("init: reached /init, uptime 1.09 s"), ms, or -1. */
static double init_uptime_ms(const char *text)
{
    const char *p = text ? strstr(text, "init: reached /init, uptime ") : NULL;
    return p ? strtod(p + strlen("init: reached /init, uptime "), NULL) * 1e3 : -1;
}

static void finish_sample(const struct bench_job *job, const struct bench_linux_wl *lw,
                          struct lrun *r, struct bench_sample *s)
{
    struct lvm *c = &r->v[0];
    s->linux_row = 1;
    s->nvms = r->n;
    s->run_ms = c->wall_ms;
    s->exit_code = c->exit_code;
    for (unsigned i = 0; i < r->n; i++)
        if (r->v[i].failed) {
            s->status = r->v[i].unsupported ? BENCH_UNSUPPORTED : BENCH_FAILED;
            snprintf(s->err, sizeof s->err, "%s", r->v[i].err);
            break;
        }
    const char *out = c->out ? c->out : "";
    const char *bad = strstr(out, "init: FAIL");
    if (!bad)
        bad = strstr(out, "hvlbench: FAIL");
    if (s->status == BENCH_OK && bad) {
        s->status = BENCH_FAILED;
        snprintf(s->err, sizeof s->err, "%.*s", (int)strcspn(bad, "\n"), bad);
    }
    if (!lw->arg) {             /* linux-boot: the whole run */
        s->wall_ms = c->wall_ms;
        s->boot_ms = c->wall_ms;
        s->ops = 1;
        s->has_line = 1;
        s->guest_ms = init_uptime_ms(out);
        if (hv_vcpu_get_stats(c->vcpu, &s->stats) == 0)
            s->has_stats = 1;
        if (s->status == BENCH_OK && !strstr(out, "init: hvlbench boot")) {
            s->status = BENCH_FAILED;
            snprintf(s->err, sizeof s->err, "/init did not report the boot");
        }
        return;
    }
    int ok = s->status == BENCH_OK;
    bench_parse_console(out, c->truncated, &lw->info, s);
    if (!ok || s->status != BENCH_OK)
        return;
    for (unsigned i = 0; i < r->n; i++)
        if (r->v[i].snaps < 2) {
            s->status = BENCH_FAILED;
            snprintf(s->err, sizeof s->err, "%s: no begin/end section seen",
                     i ? "echo VM" : "guest");
            return;
        }
    memset(&s->stats, 0, sizeof s->stats);
    for (unsigned i = 0; i < r->n; i++)
        stats_add_delta(&s->stats, &r->v[i].snap[0], &r->v[i].snap[1]);
    s->has_stats = 1;
    s->wall_ms = c->snap_ms[1] - c->snap_ms[0];
    s->boot_ms = c->snap_ms[0] - c->t0;
}

int bench_linux_run_one(const struct bench_job *job, struct bench_sample *s)
{
    memset(s, 0, sizeof *s);
    s->guest_ms = -1;
    s->guest_total_ms = -1;
    const struct bench_linux_wl *lw = bench_linux_find(job->info->name);
    if (!lw) {
        snprintf(s->err, sizeof s->err, "unknown Linux workload %s", job->info->name);
        s->status = BENCH_FAILED;
        return 0;
    }
    if (bench_interrupted()) {
        s->status = BENCH_FAILED;
        snprintf(s->err, sizeof s->err, "interrupted");
        return -1;
    }
    struct lrun *r = calloc(1, sizeof *r);
    if (!r) {
        s->status = BENCH_FAILED;
        snprintf(s->err, sizeof s->err, "out of memory");
        return 0;
    }
    r->timeout_s = job->timeout_s;
    r->n = lw->net ? 2 : 1;
    for (unsigned i = 0; i < r->n; i++)
        r->v[i] = (struct lvm){ .run = r, .client = i == 0 };
    char disk[4096] = "";
    hv_net_fabric *fabric = NULL;
    int ok = 1;
    if (lw->disk) {
        snprintf(disk, sizeof disk, "%s/linux%u.img", job->tmpdir, job->seq);
        int fd = open(disk, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || ftruncate(fd, (off_t)LINUX_DISK) < 0) {
            vfail(&r->v[0], "scratch disk", strerror(errno));
            ok = 0;
        }
        if (fd >= 0)
            close(fd);
    }
    if (ok && lw->net && hv_net_fabric_create(&fabric) < 0) {
        vfail(&r->v[0], "network fabric", "out of memory");
        ok = 0;
    }
    if (ok)
        ok = create_vm(job, lw, &r->v[0], lw->disk ? disk : NULL, fabric, 0) == 0;
    if (ok && lw->net)
        ok = create_vm(job, lw, &r->v[1], NULL, fabric, 1) == 0;
    hv_net_fabric_release(fabric);      /* the VMs hold theirs */
    int echo_started = 0;
    if (ok && lw->net) {
        if (pthread_create(&r->v[1].thread, NULL, echo_thread, &r->v[1]) == 0)
            echo_started = 1;
        else
            vfail(&r->v[1], "cannot start its thread", NULL);
        ok = echo_started;
    }
    if (ok) {
        bench_watch_vcpu(r->v[0].vcpu);
        run_loop(&r->v[0]);
        bench_watch_vcpu(NULL);
    }
    if (echo_started) {
        /* The echo side powers off on the client's "quit"; give it 10 s, then stop it. */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 10;
        if (pthread_timedjoin_np(r->v[1].thread, NULL, &until) != 0) {
            atomic_store(&r->abort, 1);
            hv_vcpu_kick(r->v[1].vcpu);
            pthread_join(r->v[1].thread, NULL);
            if (!r->v[0].failed && !r->v[1].failed)
                vfail(&r->v[1], "did not power off after the client's quit", NULL);
        }
    }
    if (ok || r->v[0].vm)
        finish_sample(job, lw, r, s);
    else {
        s->status = r->v[0].unsupported ? BENCH_UNSUPPORTED : BENCH_FAILED;
        snprintf(s->err, sizeof s->err, "%s", r->v[0].failed ? r->v[0].err : r->v[1].err);
    }
    /* Keep the last line of the console in a failure: it usually names the step. */
    if (s->status == BENCH_FAILED && r->v[0].len && strlen(s->err) < 80) {
        char *o = r->v[0].out;
        size_t e = r->v[0].len;
        while (e > 0 && (o[e - 1] == '\n' || o[e - 1] == '\r'))
            e--;
        size_t b0 = e;
        while (b0 > 0 && o[b0 - 1] != '\n')
            b0--;
        size_t used = strlen(s->err);
        snprintf(s->err + used, sizeof s->err - used, "; last output: %.*s", (int)(e - b0),
                 o + b0);
    }
    /* $HV_BENCH_LINUX_LOG=DIR: keep each VM's console (NAME-SEQ[-echo].log) for a look. */
    const char *logdir = getenv("HV_BENCH_LINUX_LOG");
    for (unsigned i = 0; logdir && *logdir && i < r->n; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s-%u%s.log", logdir, lw->info.name, job->seq,
                 i ? "-echo" : "");
        FILE *f = fopen(path, "w");
        if (f) {
            fwrite(r->v[i].out ? r->v[i].out : "", 1, r->v[i].len, f);
            fclose(f);
        }
    }
    int interrupted = bench_interrupted();
    for (unsigned i = 0; i < r->n; i++) {
        if (r->v[i].vm)
            hv_vm_destroy(r->v[i].vm);
        free(r->v[i].out);
    }
    free(r);
    if (disk[0])
        unlink(disk);
    return interrupted ? -1 : 0;
}
