/* hv run — build a VM from flags and/or a domain XML file and run it until the guest powers
 * off. Console goes to stdout; the exit status is the guest's exit code when it reports one,
 * 125 when the VM could not be run or stopped abnormally, 130 on Ctrl-C. */
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
        "  --net TYPE             add a NIC: loopback | hub:N | user | none (repeatable)\n"
        "  --mem SIZE             guest RAM, e.g. 256M, 2G (default 128M)\n"
        "  --smp N                number of vCPUs (default 1)\n"
        "  --serial SPEC          stdio | null | file:PATH | pty | unix:PATH (default stdio)\n"
        "  --rng                  add an entropy device\n"
        "  --deterministic[=SEED] virtual time from retired instructions; seeded rng\n"
        "  --budget N             stop after N guest instructions per vCPU (exit 124)\n"
        "  --stats                print execution statistics to stderr at the end\n"
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
        "  -v, --verbose          log library messages to stderr\n"
        "  -h, --help             this help\n");
}

/* --net loopback | hub:N | user | none. "none" removes the NICs configured so far. */
static int parse_net(const char *s, struct hv_config *cfg)
{
    if (!strcmp(s, "none")) {
        cfg->nr_nics = 0;
        return 0;
    }
    if (cfg->nr_nics >= HV_MAX_NICS)
        return -1;
    struct hv_net_config n;
    memset(&n, 0, sizeof(n));
    if (!strcmp(s, "loopback")) {
        n.type = HV_NET_LOOPBACK;
    } else if (!strcmp(s, "user")) {
        n.type = HV_NET_USER;
    } else if (!strncmp(s, "hub:", 4) && s[4]) {
        char *end;
        unsigned long hub = strtoul(s + 4, &end, 10);
        if (*end || hub > 0xffff)
            return -1;
        n.type = HV_NET_HUB;
        n.hub = (unsigned)hub;
    } else {
        return -1;
    }
    cfg->nics[cfg->nr_nics++] = n;
    return 0;
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
       OPT_RESTORE, OPT_STATE_HASH };

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
    opterr = 0;
    optind = 0;
    while (getopt_long(argc, argv, "vh", run_opts, NULL) != -1)
        ;
    opterr = 1;
    if (optind < argc)
        xml = argv[optind];
    if (optind + 1 < argc) {
        fprintf(stderr, "hv run: unexpected argument '%s'\n", argv[optind + 1]);
        return 2;
    }
    hv_config_init(cfg);
    if (xml) {
        char err[512];
        int rc = hv_config_from_xml_file(cfg, xml, err, sizeof(err));
        if (rc < 0) {
            fprintf(stderr, "hv run: %s\n", err);     /* the message names the file */
            return 2;
        }
    }
    optind = 0;
    int c;
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
            char *end;
            unsigned long n = strtoul(optarg, &end, 10);
            if (*end || n < 1 || n > HV_MAX_VCPUS)
                goto bad;
            cfg->nr_vcpus = (unsigned)n;
            break;
        }
        case OPT_SERIAL:
            if (parse_serial(optarg, &cfg->serial) < 0)
                goto bad;
            break;
        case OPT_RNG: cfg->rng = 1; break;
        case OPT_NET:
            if (parse_net(optarg, cfg) < 0)
                goto bad;
            break;
        case OPT_DET:
            cfg->deterministic = 1;
            if (optarg)
                cfg->rng_seed = strtoull(optarg, NULL, 0);
            break;
        case OPT_BUDGET: {
            char *end;
            ro->budget = strtoull(optarg, &end, 0);
            if (*end || !ro->budget)
                goto bad;
            break;
        }
        case OPT_STATS: ro->stats = 1; break;
        case OPT_GDB: ro->gdb = optarg; break;
        case OPT_GDB_WAIT: ro->gdb_wait = 1; break;
        case OPT_SNAP_AT: {
            char *end;
            ro->snap_at = strtoull(optarg, &end, 0);
            if (*end || !ro->snap_at)
                goto bad;
            break;
        }
        case OPT_SNAP_FILE: ro->snap_file = optarg; break;
        case OPT_SNAP_EXIT: ro->snap_exit = 1; break;
        case OPT_RESTORE: ro->restore = optarg; break;
        case OPT_STATE_HASH: ro->state_hash = 1; break;
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
    return 0;
}

/* ---- running ------------------------------------------------------------------------ */

struct vcpu_thread {
    pthread_t tid;
    hv_vcpu *vcpu;
    struct run_ctx *ctx;
    struct hv_exit exit;
    int status;             /* exit status this vCPU asks for, -1 while running */
};

struct run_ctx {
    hv_vm *vm;
    unsigned n;
    struct vcpu_thread t[HV_MAX_VCPUS];
    uint64_t budget;
    volatile sig_atomic_t stop;
};

static struct run_ctx *g_ctx;   /* the tool's own signal plumbing; the library has none */

static void on_sigint(int sig)
{
    (void)sig;
    if (!g_ctx)
        return;
    g_ctx->stop = 1;
    for (unsigned i = 0; i < g_ctx->n; i++)
        hv_vcpu_kick(g_ctx->t[i].vcpu);
}

static const char *exit_name(enum hv_exit_reason r)
{
    static const char *names[] = { "none", "shutdown", "reboot", "crash", "mmio", "hypercall",
                                   "budget", "deadline", "breakpoint", "kick", "fault",
                                   "halt", "internal" };
    return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

/* Drive one vCPU; returns the status the process should exit with. */
static int drive(struct vcpu_thread *t)
{
    struct run_ctx *ctx = t->ctx;
    for (;;) {
        int rc = hv_vcpu_run(t->vcpu, ctx->budget, &t->exit);
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
            if (ctx->stop)
                return 130;
            continue;
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
            fprintf(stderr, "hv run: unhandled guest fault: cause %llu tval %#llx at pc %#llx\n",
                    (unsigned long long)e->u.fault.cause, (unsigned long long)e->u.fault.tval,
                    (unsigned long long)e->pc);
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
    t->status = drive(t);
    /* The first vCPU to finish stops the others. */
    t->ctx->stop = 1;
    for (unsigned i = 0; i < t->ctx->n; i++)
        hv_vcpu_kick(t->ctx->t[i].vcpu);
    return NULL;
}

static void print_stats(struct run_ctx *ctx)
{
    for (unsigned i = 0; i < ctx->n; i++) {
        struct hv_stats s;
        if (hv_vcpu_get_stats(ctx->t[i].vcpu, &s) < 0)
            continue;
        fprintf(stderr, "vcpu%u: instructions %llu exits %llu mmio %llu hypercalls %llu "
                "interrupts %llu exceptions %llu tlb-misses %llu blocks %llu "
                "insns-translated %llu translate-ns %llu\n", i,
                (unsigned long long)s.instructions, (unsigned long long)s.exits,
                (unsigned long long)s.mmio_traps, (unsigned long long)s.hypercalls,
                (unsigned long long)s.interrupts, (unsigned long long)s.exceptions,
                (unsigned long long)s.tlb_misses, (unsigned long long)s.blocks_translated,
                (unsigned long long)s.insns_translated, (unsigned long long)s.translate_ns);
    }
}

static int create_vcpus(struct run_ctx *ctx)
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

static int run_created(struct run_ctx *ctx, int stats);

int hv_tool_run_vm(hv_vm *vm, const struct hv_config *cfg, uint64_t budget, int stats)
{
    struct run_ctx ctx = { .vm = vm, .n = cfg->nr_vcpus, .budget = budget };
    int rc = create_vcpus(&ctx);
    return rc ? rc : run_created(&ctx, stats);
}

/* Run vCPUs already created in ctx (vCPU 0 on this thread) until the guest stops. */
static int run_created(struct run_ctx *ctx_, int stats)
{
    struct run_ctx ctx = *ctx_;
    for (unsigned i = 0; i < ctx.n; i++)
        ctx.t[i].ctx = &ctx;
    g_ctx = &ctx;
    struct sigaction sa = { .sa_handler = on_sigint };
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    for (unsigned i = 1; i < ctx.n; i++)
        pthread_create(&ctx.t[i].tid, NULL, vcpu_main, &ctx.t[i]);
    vcpu_main(&ctx.t[0]);
    for (unsigned i = 1; i < ctx.n; i++)
        pthread_join(ctx.t[i].tid, NULL);
    g_ctx = NULL;
    if (stats)
        print_stats(&ctx);
    return ctx.t[0].status;
}

/* ---- snapshots -------------------------------------------------------------------------- */

/* Run vCPU 0 alone until its instret reaches `at`; 0, or the exit status if the guest
 * stopped for good before that. */
static int run_to(struct run_ctx *ctx, uint64_t at)
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

static int run_stateful(hv_vm *vm, const struct hv_config *cfg, const struct run_opts *ro)
{
    struct run_ctx ctx = { .vm = vm, .n = cfg->nr_vcpus, .budget = ro->budget };
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
    int status = run_created(&ctx, ro->stats);
    uint64_t h;
    if (ro->state_hash && hv_vm_state_hash(vm, &h) == 0)
        fprintf(stderr, "state-hash: %016llx\n", (unsigned long long)h);
    return status;
}

int hv_cmd_run(int argc, char **argv)
{
    struct hv_config cfg;
    struct run_opts ro = { 0 };
    int rc = parse_args(argc, argv, &cfg, &ro);
    if (rc) {
        hv_config_dispose(&cfg);
        return rc;
    }
    hv_vm *vm;
    char err[512];
    rc = hv_vm_create(&cfg, &vm, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "hv run: cannot create the VM: %s\n", err);
        hv_config_dispose(&cfg);
        return EXIT_HV_FAILED;
    }
    fflush(stdout);
    int status = ro.gdb ? hv_tool_run_gdb(vm, ro.gdb, ro.gdb_wait)
                 : (ro.snap_at || ro.restore || ro.state_hash) ? run_stateful(vm, &cfg, &ro)
                 : hv_tool_run_vm(vm, &cfg, ro.budget, ro.stats);
    hv_vm_destroy(vm);
    hv_config_dispose(&cfg);
    return status;
}
