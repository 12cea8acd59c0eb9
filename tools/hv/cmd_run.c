/* SPDX-License-Identifier: MIT */
/* hv run — build a VM from flags and/or a domain XML file and run it until the guest powers
 * off, one thread per vCPU. Console goes to stdout (an interactive raw console on a
 * terminal: console.c; the monitor: monitor.c); the exit status is the guest's exit code
 * when it reports one, 124 when the budget ran out, 125 when the VM could not be run or
 * stopped abnormally, 0 when the user quit, 130 on SIGINT (other stop signals re-raised). */
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hv_tool.h"

#define EXIT_HV_FAILED 125

static void run_usage(FILE *f)
{
    fprintf(f,
        "usage: hv run [DOMAIN.xml] [options]\n"
        "Run a RISC-V RV64GC VM. Options override values from DOMAIN.xml.\n\n"
        "  --backend full|para    virtualization technique (default full)\n"
        "  --engine interp|jit|lockstep\n"
        "                         execution engine (default: best available); lockstep\n"
        "                         checks the translator against the interpreter after\n"
        "                         every block (full, --smp 1, implies --deterministic)\n"
        "  --kernel FILE          kernel / program (ELF or raw image)\n"
        "  --bios FILE|none       firmware; 'none' boots the kernel directly in M-mode\n"
        "  --initrd FILE          initial ramdisk\n"
        "  --append STRING        kernel command line\n"
        "  --dtb FILE             use this device tree instead of generating one\n"
        "  --disk FILE[,ro][,transient]\n"
        "                         add a raw disk (repeatable); transient: guest writes\n"
        "                         stay in memory, the file is never modified\n"
        "  --net TYPE             add a NIC: loopback | hub:N | none | user[,hostonly=on]\n"
        "                         [,hostfwd=tcp:127.0.0.1:HOSTPORT-:GUESTPORT] (repeatable)\n"
        "  --mem SIZE             guest RAM, e.g. 256M, 2G (default 128M)\n"
        "  --kernel-boot auto|linux|entry\n"
        "                         para: boot protocol of the kernel (auto: Linux's for a\n"
        "                         kernel Image, every hart at the entry otherwise)\n"
        "  --hugepages auto|on|off\n"
        "                         back RAM with transparent huge pages (auto: for RAM of\n"
        "                         256M or more)\n"
        "  --smp N                number of vCPUs (default 1)\n"
        "  --serial SPEC          stdio | null | file:PATH | pty | unix:PATH (default stdio)\n"
        "  --rng                  add an entropy device\n"
        "  --deterministic[=SEED] virtual time from retired instructions; seeded rng\n"
        "  --budget N             stop after N guest instructions per vCPU (exit 124)\n"
        "  --stats                print execution statistics to stderr at the end (and time\n"
        "                         device accesses and hypercalls for them: exit-ns)\n"
        "  --gdb PORT             serve the GDB remote protocol on 127.0.0.1:PORT (0: any)\n"
        "  --gdb-wait             with --gdb: do not start the guest before gdb attaches\n"
        "  --trace=in_asm,out_asm log translated guest blocks / generated host code\n"
        "  --snapshot-at N        once vCPU 0 has retired N instructions (counted from VM\n"
        "                         creation, or the restored count), save a snapshot (--smp 1)\n"
        "  --snapshot-file FILE   where --snapshot-at writes (default hv.snap)\n"
        "  --snapshot-exit        stop after writing the snapshot instead of continuing\n"
        "  --restore FILE         load FILE (made with the same flags/XML) before running\n"
        "  --state-hash           print a hash of the final state (registers, instret, RAM)\n"
        "                         to stderr as 'state-hash: HEX'\n"
        "  --slice N              call hv_vcpu_run with at most N instructions at a time (a\n"
        "                         harness check: with --deterministic the run is the same)\n"
        "  --monitor PATH         serve the monitor on a unix socket at PATH: one command\n"
        "                         per line, one reply line each ('help' lists them)\n"
        "  --escape KEY           console escape key when stdin is a terminal: ^A (default),\n"
        "                         ^], C-b, 0x1d, ... or none; C-a h lists the escapes\n"
        "  --no-raw               leave the terminal alone (line-buffered, host echo, no\n"
        "                         escape keys), as when stdin is not a terminal\n"
        "  -v, --verbose          log library messages to stderr\n"
        "  -h, --help             this help\n");
}

static int parse_serial(const char *s, struct hv_chardev_config *c)
{
    memset(c, 0, sizeof(*c));
    if (!strcmp(s, "stdio"))
        c->type = HV_CHARDEV_STDIO;
    else if (!strcmp(s, "null"))
        c->type = HV_CHARDEV_NULL;
    else if (!strcmp(s, "pty"))
        c->type = HV_CHARDEV_PTY;
    else if (!strncmp(s, "file:", 5) && s[5])
        c->type = HV_CHARDEV_FILE, c->path = s + 5;
    else if (!strncmp(s, "unix:", 5) && s[5])
        c->type = HV_CHARDEV_SOCKET, c->path = s + 5;
    else
        return -1;
    return 0;
}

enum { OPT_BACKEND = 256, OPT_ENGINE, OPT_KERNEL, OPT_BIOS, OPT_INITRD, OPT_APPEND, OPT_DTB,
       OPT_DISK, OPT_MEM, OPT_SMP, OPT_SERIAL, OPT_RNG, OPT_DET, OPT_BUDGET, OPT_STATS, OPT_NET,
       OPT_TRACE, OPT_GDB, OPT_GDB_WAIT, OPT_SNAP_AT, OPT_SNAP_FILE, OPT_SNAP_EXIT,
       OPT_RESTORE, OPT_STATE_HASH, OPT_SLICE, OPT_ESCAPE, OPT_MONITOR, OPT_NO_RAW, OPT_HUGEPAGES,
       OPT_KERNEL_BOOT };

static const struct option run_opts[] = {
    { "backend", required_argument, 0, OPT_BACKEND },
    { "engine", required_argument, 0, OPT_ENGINE },
    { "kernel", required_argument, 0, OPT_KERNEL },
    { "bios", required_argument, 0, OPT_BIOS },
    { "initrd", required_argument, 0, OPT_INITRD },
    { "append", required_argument, 0, OPT_APPEND },
    { "dtb", required_argument, 0, OPT_DTB },
    { "disk", required_argument, 0, OPT_DISK },
    { "mem", required_argument, 0, OPT_MEM },
    { "smp", required_argument, 0, OPT_SMP },
    { "serial", required_argument, 0, OPT_SERIAL },
    { "rng", no_argument, 0, OPT_RNG },
    { "deterministic", optional_argument, 0, OPT_DET },
    { "budget", required_argument, 0, OPT_BUDGET },
    { "stats", no_argument, 0, OPT_STATS },
    { "net", required_argument, 0, OPT_NET },
    { "trace", required_argument, 0, OPT_TRACE },
    { "gdb", required_argument, 0, OPT_GDB },
    { "gdb-wait", no_argument, 0, OPT_GDB_WAIT },
    { "snapshot-at", required_argument, 0, OPT_SNAP_AT },
    { "snapshot-file", required_argument, 0, OPT_SNAP_FILE },
    { "snapshot-exit", no_argument, 0, OPT_SNAP_EXIT },
    { "restore", required_argument, 0, OPT_RESTORE },
    { "state-hash", no_argument, 0, OPT_STATE_HASH },
    { "slice", required_argument, 0, OPT_SLICE },
    { "escape", required_argument, 0, OPT_ESCAPE },
    { "monitor", required_argument, 0, OPT_MONITOR },
    { "no-raw", no_argument, 0, OPT_NO_RAW },
    { "hugepages", required_argument, 0, OPT_HUGEPAGES },
    { "kernel-boot", required_argument, 0, OPT_KERNEL_BOOT },
    { "verbose", no_argument, 0, 'v' },
    { "help", no_argument, 0, 'h' },
    { 0, 0, 0, 0 }
};

struct run_opts {
    uint64_t budget;
    int stats, verbose;
    const char *gdb;        /* --gdb PORT: run under the GDB stub */
    int gdb_wait;
    /* Snapshots: --snapshot-at/-file/-exit, --restore, --state-hash. */
    uint64_t snap_at;       /* 0: none */
    const char *snap_file;
    int snap_exit;
    const char *restore;
    int state_hash;
    uint64_t slice;         /* --slice N: hv_vcpu_run N instructions at a time */
    /* Interactive runs: console escape byte (HV_CONSOLE_NO_ESCAPE: none), --monitor PATH,
     * --no-raw (leave the terminal alone). */
    int escape;
    const char *monitor;
    int no_raw;
};

static void log_stderr(void *opaque, enum hv_log_level level, const char *msg)
{
    static const char *names[] = { "error", "warn", "info", "debug" };
    fprintf(stderr, "libhv %s: %s\n", names[level & 3], msg);
}

/* Two passes: the first finds the positional DOMAIN.xml (GNU getopt moves positionals to the
 * end), which is loaded first; the second applies the flags on top of it. */
static int parse_args(int argc, char **argv, struct hv_config *cfg, struct run_opts *ro)
{
    const char *xml = NULL;
    int c;
    hv_config_init(cfg);                  /* the caller disposes of it whatever happens */
    /* Option errors are reported here, before anything is taken for DOMAIN.xml: with
     * "--kernal x.elf" the value of the misspelt option would otherwise be read as XML. */
    opterr = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":vh", run_opts, NULL)) != -1) {
        if (c == '?' || c == ':') {
            const char *arg = argv[optind - 1];
            if (c == ':')
                fprintf(stderr, "hv run: option '%s' needs a value\n", arg);
            else if (optopt)
                fprintf(stderr, "hv run: unknown option '-%c'\n", optopt);
            else
                fprintf(stderr, "hv run: unknown option '%s' (see hv run --help)\n", arg);
            return 2;
        }
    }
    opterr = 1;
    if (optind < argc)
        xml = argv[optind];
    if (optind + 1 < argc) {
        fprintf(stderr, "hv run: unexpected argument '%s'\n", argv[optind + 1]);
        return 2;
    }
    if (xml) {
        char err[512];
        int rc = hv_config_from_xml_file(cfg, xml, err, sizeof(err));
        if (rc < 0) {
            fprintf(stderr, "hv run: %s\n", err);     /* the message names the file */
            return 2;
        }
    }
    optind = 0;
    while ((c = getopt_long(argc, argv, "vh", run_opts, NULL)) != -1) {
        switch (c) {
        case OPT_BACKEND:
            if (!strcmp(optarg, "full"))
                cfg->backend = HV_BACKEND_FULL;
            else if (!strcmp(optarg, "para"))
                cfg->backend = HV_BACKEND_PARA;
            else
                goto bad;
            break;
        case OPT_ENGINE:
            if (!strcmp(optarg, "interp"))
                cfg->engine = HV_ENGINE_INTERP;
            else if (!strcmp(optarg, "jit"))
                cfg->engine = HV_ENGINE_JIT;
            else if (!strcmp(optarg, "default"))
                cfg->engine = HV_ENGINE_DEFAULT;
            else if (!strcmp(optarg, "lockstep"))
                cfg->engine = HV_ENGINE_LOCKSTEP;
            else
                goto bad;
            break;
        case OPT_KERNEL: cfg->kernel = optarg; break;
        case OPT_BIOS: cfg->bios = optarg; break;
        case OPT_INITRD: cfg->initrd = optarg; break;
        case OPT_APPEND: cfg->cmdline = optarg; break;
        case OPT_DTB: cfg->dtb = optarg; break;
        case OPT_DISK: {
            if (cfg->nr_disks >= HV_MAX_DISKS) {
                fprintf(stderr, "hv run: at most %d disks\n", HV_MAX_DISKS);
                return 2;
            }
            struct hv_disk_config *d = &cfg->disks[cfg->nr_disks++];
            memset(d, 0, sizeof(*d));
            char *comma;
            while ((comma = strrchr(optarg, ',')) &&
                   (!strcmp(comma, ",ro") || !strcmp(comma, ",transient"))) {
                *comma = 0;
                if (comma[1] == 'r')
                    d->readonly = 1;
                else
                    d->transient = 1;
            }
            d->path = optarg;
            break;
        }
        case OPT_MEM:
            if (hv_parse_size(optarg, &cfg->mem_size) < 0)
                goto bad;
            break;
        case OPT_SMP: {
            uint64_t n;
            if (hv_tool_parse_u64(optarg, HV_MAX_VCPUS, &n) < 0 || n < 1)
                goto bad;
            cfg->nr_vcpus = (unsigned)n;
            break;
        }
        case OPT_SERIAL:
            if (parse_serial(optarg, &cfg->serial) < 0)
                goto bad;
            break;
        case OPT_RNG: cfg->rng = 1; break;
        case OPT_NET: {
            char why[160];
            if (hv_tool_parse_net(optarg, cfg, why, sizeof(why)) < 0) {
                fprintf(stderr, "hv run: --net %s: %s\n", optarg, why);
                return 2;
            }
            break;
        }
        case OPT_DET:
            cfg->deterministic = 1;
            if (optarg && hv_tool_parse_u64(optarg, UINT64_MAX, &cfg->rng_seed) < 0)
                goto bad;
            break;
        case OPT_BUDGET:
            if (hv_tool_parse_u64(optarg, UINT64_MAX, &ro->budget) < 0 || !ro->budget)
                goto bad;
            break;
        case OPT_STATS: ro->stats = 1; cfg->time_exits = 1; break;
        case OPT_GDB: ro->gdb = optarg; break;
        case OPT_GDB_WAIT: ro->gdb_wait = 1; break;
        case OPT_SNAP_AT:
            if (hv_tool_parse_u64(optarg, UINT64_MAX, &ro->snap_at) < 0 || !ro->snap_at)
                goto bad;
            break;
        case OPT_SNAP_FILE: ro->snap_file = optarg; break;
        case OPT_SNAP_EXIT: ro->snap_exit = 1; break;
        case OPT_RESTORE: ro->restore = optarg; break;
        case OPT_STATE_HASH: ro->state_hash = 1; break;
        case OPT_KERNEL_BOOT:
            if (!strcmp(optarg, "auto"))
                cfg->kernel_boot = HV_KERNEL_BOOT_AUTO;
            else if (!strcmp(optarg, "linux"))
                cfg->kernel_boot = HV_KERNEL_BOOT_LINUX;
            else if (!strcmp(optarg, "entry"))
                cfg->kernel_boot = HV_KERNEL_BOOT_ENTRY;
            else
                goto bad;
            break;
        case OPT_HUGEPAGES:
            if (!strcmp(optarg, "auto"))
                cfg->hugepages = HV_HUGEPAGES_AUTO;
            else if (!strcmp(optarg, "on"))
                cfg->hugepages = HV_HUGEPAGES_ON;
            else if (!strcmp(optarg, "off"))
                cfg->hugepages = HV_HUGEPAGES_OFF;
            else
                goto bad;
            break;
        case OPT_SLICE:
            if (hv_tool_parse_u64(optarg, UINT64_MAX, &ro->slice) < 0 || !ro->slice)
                goto bad;
            break;
        case OPT_ESCAPE:
            if (hv_console_parse_escape(optarg, &ro->escape) < 0)
                goto bad;
            break;
        case OPT_MONITOR: ro->monitor = optarg; break;
        case OPT_NO_RAW: ro->no_raw = 1; break;
        case OPT_TRACE: {
            char *save = NULL;
            for (char *tok = strtok_r(optarg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                if (!strcmp(tok, "in_asm"))
                    cfg->trace |= HV_TRACE_IN_ASM;
                else if (!strcmp(tok, "out_asm"))
                    cfg->trace |= HV_TRACE_OUT_ASM;
                else
                    goto bad;
            }
            cfg->log = log_stderr;
            if (cfg->log_level < HV_LOG_INFO)
                cfg->log_level = HV_LOG_INFO;
            break;
        }
        case 'v':
            ro->verbose = 1;
            cfg->log = log_stderr;
            cfg->log_level = HV_LOG_DEBUG;
            break;
        case 'h': run_usage(stdout); exit(0);
        default: run_usage(stderr); return 2;
        }
        continue;
    bad:
        fprintf(stderr, "hv run: invalid value '%s' for --%s\n", optarg,
                run_opts[c - OPT_BACKEND].name);
        return 2;
    }
    if (!xml && !cfg->kernel && !cfg->bios) {
        fprintf(stderr, "hv run: nothing to run: give DOMAIN.xml or --kernel FILE\n");
        return 2;
    }
    if (ro->gdb && ro->monitor) {
        fprintf(stderr, "hv run: --monitor cannot be combined with --gdb (gdb drives the "
                "vCPUs)\n");
        return 2;
    }
    return 0;
}

/* ---- running ------------------------------------------------------------------------ */

struct vcpu_thread {
    pthread_t tid;
    hv_vcpu *vcpu;
    struct hv_tool_run *ctx;
    struct hv_exit exit;
    int status;             /* exit status this vCPU asks for, -1 while running or when it
                               was stopped from outside */
};

/* The run loop's shared state (struct hv_tool_run in hv_tool.h). `stop` and `stop_signal`
 * are written by signal handlers, so they are lock-free atomics; the rest is under mu. */
struct hv_tool_run {
    hv_vm *vm;
    unsigned n;
    struct vcpu_thread t[HV_MAX_VCPUS];
    uint64_t budget;
    uint64_t slice;             /* 0: each hv_vcpu_run gets the whole budget left */
    atomic_int stop;            /* the run is ending: vCPUs return at their next kick */
    atomic_int stop_signal;     /* the signal that ended it, 0 if none */
    atomic_uint pause_req;      /* pauses held (hv_tool_pause / user stop) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned parked;            /* vCPU threads parked by a pause */
    unsigned active;            /* vCPU threads still driving their vCPU */
    int final;                  /* the process exit status, -1 until decided */
    int user_stopped;           /* the monitor's `stop` holds a pause */
    const char *kernel;         /* for the hint after a fault: was it an ELF? */
};

static struct hv_tool_run *g_ctx;   /* the tool's own signal plumbing; the library has none */
static int g_exit_signal;           /* the signal that ended the run (re-raised at the end) */

static void kick_all(struct hv_tool_run *ctx)
{
    for (unsigned i = 0; i < ctx->n; i++)
        hv_vcpu_kick(ctx->t[i].vcpu);
}

/* SIGINT, SIGTERM, SIGHUP, SIGQUIT: stop the vCPUs and let the run unwind (terminal
 * restored, VM destroyed, disks flushed); hv_cmd_run then exits 130 for SIGINT and
 * re-raises the others. A second signal while unwinding (or before the run loop exists)
 * restores the terminal and dies by the signal at once. */
static void on_stop_signal(int sig)
{
    struct hv_tool_run *ctx = g_ctx;
    if (!ctx || atomic_load(&ctx->stop_signal)) {
        hv_console_restore_terminal();
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    atomic_store(&ctx->stop_signal, sig);
    atomic_store(&ctx->stop, 1);
    kick_all(ctx);
}

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

static void install_stop_signals(void)
{
    struct sigaction sa = { .sa_handler = on_stop_signal };
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
        sigaction(stop_signals[i], &sa, NULL);
}

static const char *exit_name(enum hv_exit_reason r)
{
    static const char *names[] = { "none", "shutdown", "reboot", "crash", "mmio", "hypercall",
                                   "budget", "deadline", "breakpoint", "kick", "fault",
                                   "halt", "internal" };
    return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

static void timed_wait(struct hv_tool_run *ctx)
{
    /* Bounded: a signal handler cannot signal the condition variable, so waiters re-check
     * `stop` now and then. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait(&ctx->cv, &ctx->mu, &ts);
}

/* A vCPU thread waits here, outside hv_vcpu_run, while a pause is held. */
static void park(struct hv_tool_run *ctx)
{
    pthread_mutex_lock(&ctx->mu);
    ctx->parked++;
    pthread_cond_broadcast(&ctx->cv);
    while (atomic_load(&ctx->pause_req) && !atomic_load(&ctx->stop))
        timed_wait(ctx);
    ctx->parked--;
    pthread_mutex_unlock(&ctx->mu);
}

int hv_tool_pause(struct hv_tool_run *ctx)
{
    pthread_mutex_lock(&ctx->mu);
    atomic_fetch_add(&ctx->pause_req, 1);
    kick_all(ctx);
    while (ctx->parked < ctx->active && !atomic_load(&ctx->stop))
        timed_wait(ctx);
    int rc = atomic_load(&ctx->stop) ? -1 : 0;
    if (rc < 0)
        atomic_fetch_sub(&ctx->pause_req, 1);
    pthread_mutex_unlock(&ctx->mu);
    return rc;
}

void hv_tool_resume(struct hv_tool_run *ctx)
{
    pthread_mutex_lock(&ctx->mu);
    atomic_fetch_sub(&ctx->pause_req, 1);
    pthread_cond_broadcast(&ctx->cv);
    pthread_mutex_unlock(&ctx->mu);
}

int hv_tool_user_stop(struct hv_tool_run *ctx)
{
    if (hv_tool_user_stopped(ctx))
        return 0;
    if (hv_tool_pause(ctx) < 0)
        return -1;
    pthread_mutex_lock(&ctx->mu);
    int already = ctx->user_stopped;       /* a concurrent stop won the race */
    ctx->user_stopped = 1;
    pthread_mutex_unlock(&ctx->mu);
    if (already)
        hv_tool_resume(ctx);
    return 0;
}

void hv_tool_user_cont(struct hv_tool_run *ctx)
{
    pthread_mutex_lock(&ctx->mu);
    int was = ctx->user_stopped;
    ctx->user_stopped = 0;
    pthread_mutex_unlock(&ctx->mu);
    if (was)
        hv_tool_resume(ctx);
}

int hv_tool_user_stopped(struct hv_tool_run *ctx)
{
    pthread_mutex_lock(&ctx->mu);
    int s = ctx->user_stopped;
    pthread_mutex_unlock(&ctx->mu);
    return s;
}

/* Decide the exit status (first decision wins) and stop every vCPU. */
static void finish(struct hv_tool_run *ctx, int status)
{
    pthread_mutex_lock(&ctx->mu);
    if (ctx->final < 0 && status >= 0)
        ctx->final = status;
    atomic_store(&ctx->stop, 1);
    pthread_cond_broadcast(&ctx->cv);
    pthread_mutex_unlock(&ctx->mu);
    kick_all(ctx);
}

void hv_tool_quit(struct hv_tool_run *ctx, int status) { finish(ctx, status); }
hv_vm *hv_tool_run_vm_of(struct hv_tool_run *ctx) { return ctx->vm; }
unsigned hv_tool_run_nr_vcpus(struct hv_tool_run *ctx) { return ctx->n; }

hv_vcpu *hv_tool_run_vcpu(struct hv_tool_run *ctx, unsigned i)
{
    return i < ctx->n ? ctx->t[i].vcpu : NULL;
}

/* Instructions this vCPU may still run under --budget (counted from its first run, so
 * pauses do not extend it); 0 = no budget. */
static uint64_t budget_left(struct vcpu_thread *t, uint64_t end)
{
    if (!end)
        return 0;
    struct hv_stats s;
    hv_vcpu_get_stats(t->vcpu, &s);
    return s.instructions < end ? end - s.instructions : 1;
}

static bool budget_spent(struct vcpu_thread *t, uint64_t end)
{
    struct hv_stats s;
    hv_vcpu_get_stats(t->vcpu, &s);
    return end && s.instructions >= end;
}

/* Drive one vCPU; returns the status the process should exit with, or -1 when the run was
 * stopped from outside (signal, quit, another vCPU finished). */
static int drive(struct vcpu_thread *t)
{
    struct hv_tool_run *ctx = t->ctx;
    struct hv_stats st;
    hv_vcpu_get_stats(t->vcpu, &st);
    uint64_t end = ctx->budget ? st.instructions + ctx->budget : 0;
    for (;;) {
        if (atomic_load(&ctx->pause_req))
            park(ctx);
        if (atomic_load(&ctx->stop))
            return -1;
        uint64_t b = budget_left(t, end);
        if (ctx->slice && (!b || ctx->slice < b))
            b = ctx->slice;
        int rc = hv_vcpu_run(t->vcpu, b, &t->exit);
        if (rc == 0 && t->exit.reason == HV_EXIT_BUDGET && ctx->slice && !budget_spent(t, end))
            continue;                  /* only a slice ended */
        if (rc < 0) {
            fprintf(stderr, "hv run: %s (%s)\n", hv_vm_last_error(ctx->vm), hv_strerror(rc));
            return EXIT_HV_FAILED;
        }
        struct hv_exit *e = &t->exit;
        switch (e->reason) {
        case HV_EXIT_SHUTDOWN:
            return e->u.shutdown.code == 0 ? 0 : ((e->u.shutdown.code & 0xff) ? e->u.shutdown.code & 0xff : 1);
        case HV_EXIT_CRASH:
            fprintf(stderr, "hv run: guest reported failure (code %d) at pc %#llx\n",
                    e->u.shutdown.code, (unsigned long long)e->pc);
            return (e->u.shutdown.code & 0xff) ? e->u.shutdown.code & 0xff : 1;
        case HV_EXIT_REBOOT:
            fprintf(stderr, "hv run: guest requested a reboot; stopping (on_reboot=destroy)\n");
            return 0;
        case HV_EXIT_BUDGET:
            fprintf(stderr, "hv run: instruction budget reached at pc %#llx\n",
                    (unsigned long long)e->pc);
            return 124;
        case HV_EXIT_KICK:
            continue;                  /* stop or pause: seen at the top of the loop */
        case HV_EXIT_MMIO:
            fprintf(stderr, "hv run: unhandled MMIO %s of %u bytes at %#llx (pc %#llx)\n",
                    e->u.mmio.is_write ? "write" : "read", e->u.mmio.size,
                    (unsigned long long)e->u.mmio.gpa, (unsigned long long)e->pc);
            return EXIT_HV_FAILED;
        case HV_EXIT_HYPERCALL:
            /* Nobody claimed it: answer "not supported" the SBI way and go on. */
            e->u.hypercall.ret_error = -2;
            e->u.hypercall.ret_value = 0;
            continue;
        case HV_EXIT_FAULT:
            fprintf(stderr, "hv run: unhandled guest fault: cause %llu (%s) tval %#llx at pc "
                    "%#llx\n", (unsigned long long)e->u.fault.cause,
                    hv_tool_cause_name(e->u.fault.cause), (unsigned long long)e->u.fault.tval,
                    (unsigned long long)e->pc);
            hv_tool_kernel_hint(ctx->kernel);
            return EXIT_HV_FAILED;
        default:
            fprintf(stderr, "hv run: vCPU stopped: %s at pc %#llx%s%s\n", exit_name(e->reason),
                    (unsigned long long)e->pc, hv_vm_last_error(ctx->vm)[0] ? ": " : "",
                    hv_vm_last_error(ctx->vm));
            return EXIT_HV_FAILED;
        }
    }
}

static void *vcpu_main(void *arg)
{
    struct vcpu_thread *t = arg;
    struct hv_tool_run *ctx = t->ctx;
    t->status = drive(t);
    /* The first vCPU to finish stops the others (and decides the exit status). */
    pthread_mutex_lock(&ctx->mu);
    ctx->active--;
    pthread_mutex_unlock(&ctx->mu);
    finish(ctx, t->status);
    return NULL;
}

void hv_tool_print_stats(struct hv_tool_run *ctx, FILE *f)
{
    for (unsigned i = 0; i < ctx->n; i++) {
        struct hv_stats s;
        if (hv_vcpu_get_stats(ctx->t[i].vcpu, &s) < 0)
            continue;
        fprintf(f, "vcpu%u: instructions %llu exits %llu mmio %llu hypercalls %llu "
                "interrupts %llu exceptions %llu tlb-misses %llu blocks %llu "
                "insns-translated %llu translate-ns %llu code-flushes %llu interp-steps %llu "
                "idle-ns %llu exit-ns %llu\n", i,
                (unsigned long long)s.instructions, (unsigned long long)s.exits,
                (unsigned long long)s.mmio_traps, (unsigned long long)s.hypercalls,
                (unsigned long long)s.interrupts, (unsigned long long)s.exceptions,
                (unsigned long long)s.tlb_misses, (unsigned long long)s.blocks_translated,
                (unsigned long long)s.insns_translated, (unsigned long long)s.translate_ns,
                (unsigned long long)s.code_flushes, (unsigned long long)s.interp_steps,
                (unsigned long long)s.idle_ns, (unsigned long long)s.exit_ns);
    }
}

static int create_vcpus(struct hv_tool_run *ctx)
{
    for (unsigned i = 0; i < ctx->n; i++) {
        int rc = hv_vcpu_create(ctx->vm, i, &ctx->t[i].vcpu);
        if (rc < 0) {
            fprintf(stderr, "hv run: vCPU %u: %s\n", i, hv_vm_last_error(ctx->vm));
            return EXIT_HV_FAILED;
        }
        ctx->t[i].ctx = ctx;
        ctx->t[i].status = -1;
    }
    return 0;
}

/* How the run is made interactive (console, monitor); zero: neither. */
struct run_ui {
    int console;                    /* hv_console_start with `co` */
    struct hv_console_opts co;
    const char *monitor;            /* --monitor PATH */
};

static int run_created(struct hv_tool_run *ctx, int stats, const struct run_ui *ui);

int hv_tool_run_vm(hv_vm *vm, const struct hv_config *cfg, uint64_t budget, int stats)
{
    struct hv_tool_run ctx = { .vm = vm, .n = cfg->nr_vcpus, .budget = budget,
                               .kernel = cfg->kernel };
    int rc = create_vcpus(&ctx);
    return rc ? rc : run_created(&ctx, stats, NULL);
}

/* Run vCPUs already created in ctx (vCPU 0 on this thread) until the guest stops, the user
 * quits or a signal arrives; the console and the monitor run alongside. */
static int run_created(struct hv_tool_run *ctx_, int stats, const struct run_ui *ui)
{
    struct hv_tool_run ctx = *ctx_;
    for (unsigned i = 0; i < ctx.n; i++)
        ctx.t[i].ctx = &ctx;
    pthread_mutex_init(&ctx.mu, NULL);
    pthread_cond_init(&ctx.cv, NULL);
    ctx.active = ctx.n;
    ctx.final = -1;
    struct hv_monitor *mon = NULL;
    int status = -1;
    g_ctx = &ctx;
    install_stop_signals();         /* before raw mode: a signal must find it restorable */
    if (ui && ui->monitor && hv_monitor_open(ui->monitor, &ctx, &mon) < 0)
        status = EXIT_HV_FAILED;
    if (status < 0 && ui && ui->console && hv_console_start(&ctx, &ui->co) < 0)
        status = EXIT_HV_FAILED;
    if (status < 0) {
        for (unsigned i = 1; i < ctx.n; i++)
            pthread_create(&ctx.t[i].tid, NULL, vcpu_main, &ctx.t[i]);
        vcpu_main(&ctx.t[0]);
        for (unsigned i = 1; i < ctx.n; i++)
            pthread_join(ctx.t[i].tid, NULL);
        int sig = atomic_load(&ctx.stop_signal);
        status = sig ? 130 : ctx.final >= 0 ? ctx.final : EXIT_HV_FAILED;
        g_exit_signal = sig;
    }
    hv_console_stop();
    hv_monitor_close(mon);
    g_ctx = NULL;
    pthread_cond_destroy(&ctx.cv);
    pthread_mutex_destroy(&ctx.mu);
    if (stats)
        hv_tool_print_stats(&ctx, stderr);
    return status;
}

/* ---- snapshots -------------------------------------------------------------------------- */

/* Run vCPU 0 alone until its instret reaches `at`; 0, or the exit status if the guest
 * stopped for good before that. */
static int run_to(struct hv_tool_run *ctx, uint64_t at)
{
    hv_vcpu *v = ctx->t[0].vcpu;
    struct hv_exit e;
    memset(&e, 0, sizeof(e));
    for (;;) {
        struct hv_stats st;
        hv_vcpu_get_stats(v, &st);
        if (st.instructions >= at)
            return 0;
        if (hv_vcpu_run(v, at - st.instructions, &e) < 0) {
            fprintf(stderr, "hv run: %s\n", hv_vm_last_error(ctx->vm));
            return EXIT_HV_FAILED;
        }
        if (e.reason == HV_EXIT_BUDGET || e.reason == HV_EXIT_KICK)
            continue;
        if (e.reason == HV_EXIT_HYPERCALL) {
            e.u.hypercall.ret_error = -2;      /* as drive(): not supported, passed in */
            e.u.hypercall.ret_value = 0;       /* `e` to the next hv_vcpu_run */
            continue;
        }
        fprintf(stderr, "hv run: guest stopped (%s) at pc %#llx before instruction %llu; no "
                "snapshot written\n", exit_name(e.reason), (unsigned long long)e.pc,
                (unsigned long long)at);
        return e.reason == HV_EXIT_SHUTDOWN ? (e.u.shutdown.code & 0xff) : EXIT_HV_FAILED;
    }
}

static int file_op(hv_vm *vm, const char *path, int save)
{
    int fd = save ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
                  : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "hv run: %s: %m\n", path);
        return EXIT_HV_FAILED;
    }
    int rc = save ? hv_vm_snapshot_save(vm, fd) : hv_vm_snapshot_load(vm, fd);
    if (close(fd) < 0 && rc == 0 && save)
        rc = HV_EIO;
    if (rc < 0) {
        fprintf(stderr, "hv run: %s %s: %s\n", save ? "saving snapshot" : "restoring", path,
                hv_vm_last_error(vm)[0] ? hv_vm_last_error(vm) : hv_strerror(rc));
        return EXIT_HV_FAILED;
    }
    return 0;
}

/* The normal path: restore / snapshot-at first when asked, then run with the console and
 * the monitor. */
static int run_full(hv_vm *vm, const struct hv_config *cfg, const struct run_opts *ro,
                    int console)
{
    struct hv_tool_run ctx = { .vm = vm, .n = cfg->nr_vcpus, .budget = ro->budget,
                               .slice = ro->slice, .kernel = cfg->kernel };
    int rc = create_vcpus(&ctx);
    if (rc)
        return rc;
    if (ro->restore && (rc = file_op(vm, ro->restore, 0)) != 0)
        return rc;
    if (ro->snap_at) {
        if (ctx.n != 1) {
            fprintf(stderr, "hv run: --snapshot-at needs --smp 1\n");
            return 2;
        }
        const char *file = ro->snap_file ? ro->snap_file : "hv.snap";
        if ((rc = run_to(&ctx, ro->snap_at)) != 0 || (rc = file_op(vm, file, 1)) != 0)
            return rc;
        fprintf(stderr, "hv run: snapshot at instruction %llu written to %s\n",
                (unsigned long long)ro->snap_at, file);
        if (ro->snap_exit)
            return 0;
    }
    struct run_ui ui = { .console = console, .monitor = ro->monitor };
    ui.co.escape = ro->escape;
    ui.co.snap_file = ro->snap_file ? ro->snap_file : "hv.snap";
    int status = run_created(&ctx, ro->stats, &ui);
    uint64_t h;
    if (ro->state_hash && hv_vm_state_hash(vm, &h) == 0)
        fprintf(stderr, "state-hash: %016llx\n", (unsigned long long)h);
    return status;
}

int hv_cmd_run(int argc, char **argv)
{
    struct hv_config cfg;
    struct run_opts ro = { .escape = 0x01 };
    int rc = parse_args(argc, argv, &cfg, &ro);
    if (rc) {
        hv_config_dispose(&cfg);
        return rc;
    }
    /* The interactive console needs the tool to read stdin (not the library's stdio
     * chardev) and is left out under gdb (the stub drives the vCPUs) and lockstep (console
     * input would reach only the checked VM). */
    int console = !ro.no_raw && !ro.gdb && cfg.engine != HV_ENGINE_LOCKSTEP &&
                  hv_console_wanted(&cfg);
    if (console)
        hv_console_prepare(&cfg);
    hv_vm *vm;
    char err[512];
    rc = hv_vm_create(&cfg, &vm, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "hv run: cannot create the VM: %s\n", err);
        hv_config_dispose(&cfg);
        return EXIT_HV_FAILED;
    }
    if (cfg.serial.type == HV_CHARDEV_PTY)
        fprintf(stderr, "hv: serial on %s\n", hv_vm_chardev_name(vm));
    fflush(stdout);
    int status = ro.gdb ? hv_tool_run_gdb(vm, ro.gdb, ro.gdb_wait)
                        : run_full(vm, &cfg, &ro, console);
    hv_vm_destroy(vm);
    hv_config_dispose(&cfg);
    /* Killed by SIGTERM, SIGHUP or SIGQUIT: the run unwound (terminal restored, disks
     * flushed); now die by the signal so the parent sees it. SIGINT exits 130. */
    int sig = g_exit_signal;
    if (sig && sig != SIGINT) {
        fflush(NULL);
        signal(sig, SIG_DFL);
        raise(sig);
    }
    return status;
}
