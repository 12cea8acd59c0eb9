/* SPDX-License-Identifier: MIT */
/* hv bench — side-by-side benchmarking of the two backends (and QEMU, and the workloads'
 * native host builds): every workload on every configuration (backend x engine), runs
 * interleaved A/B/A/B, a VM per run created through the public API only; reports as a
 * text table, JSON, CSV and a bar chart.
 * Options and orchestration live here; bench_run.c runs, bench_report.c reports. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bench_harness.h"
#include "hv_tool.h"

static const struct bench_wl_info known[] = {
    { "intmix", "cpu", 0, 0, "integer ALU mix" },
    { "sort", "cpu", 0, 0, "quicksort and heapsort of 64-bit keys" },
    { "crc", "cpu", 0, 1, "table-driven CRC-32 and FNV-1a over 256 KiB" },
    { "matmul", "cpu", 0, 0, "double-precision matrix multiply" },
    { "bytecode", "cpu", 0, 0, "a bytecode interpreter (indirect branches)" },
    { "ptrchase", "cpu", 0, 0, "dependent loads through a shuffled list" },
    { "stackvm", "cpu", 0, 0, "bytecode VM: 34-opcode switch (jump table), CALL/RET" },
    { "linklist", "cpu", 0, 0, "linked list: find, reverse, merge sort, unlink" },
    { "lexer", "cpu", 0, 0, "table-driven state machine tokenizing C-like text" },
    { "crc16", "cpu", 0, 0, "CRC-16 CCITT and Modbus, bit by bit, short frames" },
    { "mac16", "cpu", 0, 0, "Q15 16-bit matrix multiply-accumulate and FIR" },
    { "bintree", "cpu", 0, 0, "recursion: BST insert/walks, expression trees" },
    { "qsortcb", "cpu", 0, 0, "generic qsort with comparator callbacks" },
    { "strops", "cpu", 0, 0, "strlen/strcmp/strchr/memcpy-style loops, atoi/utoa" },
    { "smallfn", "cpu", 0, 0, "many small out-of-line functions, 8/16-bit values" },
    { "paging", "memory", 0, 1, "random read-modify-writes over 32 MiB (full: Sv39)" },
    { "memstream", "memory", 0, 1, "memset/memcpy streaming over 2 x 8 MiB, flat" },
    { "memstream-sv39", "memory", 0, 0, "memstream under Sv39 on full (para: flat)" },
    { "console", "console", 0, 1, "64 KiB of console output in 64-byte lines" },
    { "hypercall", "micro", 0, 1, "round trip: para SBI BASE call / full RTC MMIO read" },
    { "event", "micro", 0, 1, "self-event: para evtchn upcall / full CLINT msip interrupt" },
    { "timer-irq", "irq", 0, 1, "2000 timer deadlines of 20 us" },
    { "blk-seq-4k", "io", 1, 1, "block: 8 MiB written then read, 4 KiB sequential" },
    { "blk-rand-4k", "io", 1, 0, "block: 8 MiB written then read, 4 KiB random" },
    { "blk-seq-1m", "io", 1, 1, "block: 32 MiB written then read, 1 MiB sequential" },
    { "blk-rand-1m", "io", 1, 0, "block: 32 MiB written then read, 1 MiB random" },
    { "blk-seq-4k-flush", "io", 1, 0, "block: 64 x 4 KiB writes, each flushed, read back" },
    { "blk-seq-1m-flush", "io", 1, 0, "block: 16 x 1 MiB writes, each flushed, read back" },
    { "blk-qd32-seq-4k", "io", 1, 1, "block: as blk-seq-4k, 32 requests in flight" },
    { "blk-qd32-rand-4k", "io", 1, 0, "block: as blk-rand-4k, 32 requests in flight" },
    { "blk-qd32-seq-4k-sg", "io", 1, 0, "block: blk-qd32-seq-4k, buffers not adjacent" },
};
#define NKNOWN (sizeof(known) / sizeof(known[0]))

/* Workloads bench/CMakeLists.txt also builds as NAME-x10 (BENCH_SCALE=10: ten times the
 * work, for timings of a second or more). Runnable by name; not in the default set. */
static const char *const scaled[] = { "intmix", "sort", "crc", "matmul", "bytecode",
                                      "ptrchase", "paging", "stackvm", "linklist", "lexer",
                                      "crc16", "mac16", "bintree", "qsortcb", "strops",
                                      "smallfn" };
#define NSCALED (sizeof(scaled) / sizeof(scaled[0]))

/* --cpu: the translator's CPU suite (docs/BENCHMARKS.md, "Translator vs interpreter vs
 * QEMU"). bytecode, ptrchase and paging at scale 1: their x10 variants grow super-linearly.
 * The second line: kernels of real programs ("Real-program workloads"). */
static const char *const cpu_suite[] = { "intmix-x10", "sort-x10", "crc-x10", "matmul-x10",
                                         "bytecode", "ptrchase", "paging",
                                         "stackvm-x10", "linklist-x10", "lexer-x10",
                                         "crc16-x10", "mac16-x10", "bintree-x10",
                                         "qsortcb-x10", "strops-x10", "smallfn-x10" };
#define NCPU_SUITE (sizeof(cpu_suite) / sizeof(cpu_suite[0]))

static void bench_usage(FILE *f)
{
    fprintf(f,
        "usage: hv bench [options] [WORKLOAD...]\n"
        "Run benchmark workloads on each backend side by side and report time, guest\n"
        "instructions, MIPS, exits (MMIO traps, hypercalls), TLB misses, throughput.\n\n"
        "  --backends LIST     full,para (default both)\n"
        "  --engines LIST      interp,jit (default: each backend's default engine)\n"
        "  --qemu              also run the -full.elf flavour under qemu-system-riscv64\n"
        "  --native            also run the workload's x86-64 build (BENCH_DIR/native/NAME,\n"
        "                      gcc -O2) as a process: ratios give the fraction of native\n"
        "  --runs N            runs per workload and configuration (default 3; --quick: 1)\n"
        "  --json FILE         write the results as JSON\n"
        "  --csv FILE          write one CSV row per workload and configuration\n"
        "  --plot FILE.svg     bar chart of the median times (gnuplot if installed)\n"
        "  --disk-size SIZE    disk image for the block workloads (default 64M)\n"
        "  --mem SIZE          guest RAM (default 256M)\n"
        "  --timeout SECONDS   per run (default 300)\n"
        "  --bench-dir DIR     where NAME-full.elf / NAME-para.elf are (default\n"
        "                      <bindir>/../bench, or $HV_BENCH_DIR)\n"
        "  --quick             one run each; without WORKLOADs, a short default set\n"
        "  --coverage          also run each libhv column with an AFL-style edge-coverage\n"
        "                      map (hv_vm_set_coverage, 64 KiB): column suffix +cov\n"
        "  --cpu               the translator's CPU suite (see --list), before any\n"
        "                      WORKLOADs\n"
        "  --linux             the Linux workloads (linux-*: boot the full / para kernel\n"
        "                      with the benchmark initramfs; slow, never in the default\n"
        "                      set); with WORKLOADs, only the linux-* ones named. Default\n"
        "                      engine jit; --quick: small operation counts\n"
        "  --linux-initrd FILE the initramfs (default BENCH_DIR/linux/initrd.gz); the\n"
        "                      kernels: scripts/build-linux.sh [--para] --print-path, or\n"
        "                      $HV_LINUX_IMAGE / $HV_LINUX_PARA_IMAGE\n"
        "  --list              list the known workloads\n"
        "  -h, --help          this help\n\n"
        "Without WORKLOADs every known workload that is built runs (not the -x10 ones).\n"
        "With more than one engine, --qemu or --native, a summary follows the table: per\n"
        "workload the interp/jit and qemu/config time ratios, with --native each\n"
        "configuration's fraction of native speed, their geometric means, and the\n"
        "translation cost (ns per guest instruction translated) of each configuration.\n");
}

static const struct bench_wl_info *lookup(const char *name)
{
    for (size_t i = 0; i < NKNOWN; i++)
        if (!strcmp(known[i].name, name))
            return &known[i];
    return NULL;
}

/* <dir of this executable>/../bench */
static void default_bench_dir(char *out, size_t n)
{
    const char *env = getenv("HV_BENCH_DIR");
    if (env && *env) {
        snprintf(out, n, "%s", env);
        return;
    }
    char exe[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k <= 0) {
        snprintf(out, n, "bench");
        return;
    }
    exe[k] = 0;
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = 0;
    if (snprintf(out, n, "%s/../bench", exe) >= (int)n)
        snprintf(out, n, "bench");
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static const char *find_qemu(void)
{
    static const char *const cands[] = { "/usr/bin/qemu-system-riscv64",
                                         "/usr/local/bin/qemu-system-riscv64" };
    const char *env = getenv("HV_QEMU");
    if (env && *env)
        return access(env, X_OK) == 0 ? env : NULL;
    for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++)
        if (access(cands[i], X_OK) == 0)
            return cands[i];
    return NULL;
}

/* ---- options --------------------------------------------------------------------------- */

struct bench_opts {
    int backends;               /* bit 0 full, bit 1 para */
    int engines;                /* bit 0 interp, bit 1 jit; 0 = default */
    int qemu, native, list, runs_given, cpu, coverage, linux_rows;
    const char *initrd;
    const char *json, *csv, *plot;
    char bench_dir[PATH_MAX];
};

static int parse_list(const char *arg, const char *a, const char *b, int *mask)
{
    char tmp[128];
    snprintf(tmp, sizeof tmp, "%s", arg);
    *mask = 0;
    char *save = NULL;
    for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!strcmp(t, a))
            *mask |= 1;
        else if (!strcmp(t, b))
            *mask |= 2;
        else
            return -1;
    }
    return *mask ? 0 : -1;
}

enum { O_BACKENDS = 256, O_ENGINES, O_QEMU, O_RUNS, O_JSON, O_CSV, O_PLOT, O_DISK, O_MEM,
       O_TIMEOUT, O_DIR, O_QUICK, O_LIST, O_CPU, O_NATIVE, O_COVERAGE, O_LINUX,
       O_LINUX_INITRD };

static const struct option bench_longopts[] = {
    { "backends", required_argument, 0, O_BACKENDS },
    { "engines", required_argument, 0, O_ENGINES },
    { "qemu", no_argument, 0, O_QEMU },
    { "runs", required_argument, 0, O_RUNS },
    { "json", required_argument, 0, O_JSON },
    { "csv", required_argument, 0, O_CSV },
    { "plot", required_argument, 0, O_PLOT },
    { "disk-size", required_argument, 0, O_DISK },
    { "mem", required_argument, 0, O_MEM },
    { "timeout", required_argument, 0, O_TIMEOUT },
    { "bench-dir", required_argument, 0, O_DIR },
    { "quick", no_argument, 0, O_QUICK },
    { "list", no_argument, 0, O_LIST },
    { "cpu", no_argument, 0, O_CPU },
    { "native", no_argument, 0, O_NATIVE },
    { "coverage", no_argument, 0, O_COVERAGE },
    { "linux", no_argument, 0, O_LINUX },
    { "linux-initrd", required_argument, 0, O_LINUX_INITRD },
    { "help", no_argument, 0, 'h' },
    { 0, 0, 0, 0 }
};

static int parse_opts(int argc, char **argv, struct bench *b, struct bench_opts *o)
{
    o->backends = 3;
    b->runs = 3;
    b->mem_size = 256ull << 20;
    b->disk_size = 64ull << 20;
    b->timeout_s = 300;
    default_bench_dir(o->bench_dir, sizeof o->bench_dir);
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", bench_longopts, NULL)) != -1) {
        uint64_t n;
        switch (c) {
        case O_BACKENDS:
            if (parse_list(optarg, "full", "para", &o->backends) < 0)
                goto bad;
            break;
        case O_ENGINES:
            if (parse_list(optarg, "interp", "jit", &o->engines) < 0)
                goto bad;
            break;
        case O_QEMU: o->qemu = 1; break;
        case O_RUNS:
            if (hv_tool_parse_u64(optarg, BENCH_MAX_RUNS, &n) < 0 || n < 1)
                goto bad;
            b->runs = (unsigned)n;
            o->runs_given = 1;
            break;
        case O_JSON: o->json = optarg; break;
        case O_CSV: o->csv = optarg; break;
        case O_PLOT: o->plot = optarg; break;
        case O_DISK:
            if (hv_parse_size(optarg, &b->disk_size) < 0 || b->disk_size < (1u << 20) ||
                b->disk_size % 512)
                goto bad;
            break;
        case O_MEM:
            if (hv_parse_size(optarg, &b->mem_size) < 0 || b->mem_size < (16u << 20))
                goto bad;
            break;
        case O_TIMEOUT:
            if (hv_tool_parse_u64(optarg, 86400, &n) < 0 || n < 1)
                goto bad;
            b->timeout_s = (unsigned)n;
            break;
        case O_DIR: snprintf(o->bench_dir, sizeof o->bench_dir, "%s", optarg); break;
        case O_QUICK: b->quick = 1; break;
        case O_LIST: o->list = 1; break;
        case O_CPU: o->cpu = 1; break;
        case O_NATIVE: o->native = 1; break;
        case O_COVERAGE: o->coverage = 1; break;
        case O_LINUX: o->linux_rows = 1; break;
        case O_LINUX_INITRD: o->initrd = optarg; break;
        case 'h': bench_usage(stdout); exit(0);
        default: bench_usage(stderr); return 2;
        }
        continue;
    bad:
        fprintf(stderr, "hv bench: invalid value '%s' for --%s\n", optarg,
                bench_longopts[c - O_BACKENDS].name);
        return 2;
    }
    if (b->quick && !o->runs_given)
        b->runs = 1;
    return 0;
}

static void add_config(struct bench *b, enum hv_backend be, enum hv_engine en, int qemu,
                       int native, int coverage)
{
    struct bench_config *c = &b->cfg[b->ncfg++];
    c->coverage = coverage;
    c->backend = be;
    c->engine = en;
    c->qemu = qemu;
    c->native = native;
    const char *bn = be == HV_BACKEND_PARA ? "para" : "full";
    if (native)
        snprintf(c->label, sizeof c->label, "native");
    else if (qemu)
        snprintf(c->label, sizeof c->label, "qemu");
    else if (en == HV_ENGINE_DEFAULT)
        snprintf(c->label, sizeof c->label, "%s", bn);
    else
        snprintf(c->label, sizeof c->label, "%s/%s", bn, en == HV_ENGINE_JIT ? "jit" : "interp");
    if (coverage)
        strncat(c->label, "+cov", sizeof c->label - strlen(c->label) - 1);
}

static void make_configs(struct bench *b, const struct bench_opts *o)
{
    static const enum hv_engine engines[] = { HV_ENGINE_INTERP, HV_ENGINE_JIT };
    for (int be = 0; be < 2; be++) {
        if (!(o->backends & (1 << be)))
            continue;
        enum hv_backend backend = be ? HV_BACKEND_PARA : HV_BACKEND_FULL;
        for (int cov = 0; cov <= o->coverage; cov++) {
            if (!o->engines) {
                add_config(b, backend, HV_ENGINE_DEFAULT, 0, 0, cov);
                continue;
            }
            for (int e = 0; e < 2; e++)
                if (o->engines & (1 << e))
                    add_config(b, backend, engines[e], 0, 0, cov);
        }
    }
    if (o->qemu)
        add_config(b, HV_BACKEND_FULL, HV_ENGINE_DEFAULT, 1, 0, 0);
    if (o->native)
        add_config(b, HV_BACKEND_FULL, HV_ENGINE_DEFAULT, 0, 1, 0);
}

/* Resolve names to ELFs. Returns -1 (message printed) when a named workload is not built
 * for any flavour. */
static int add_workload(struct bench *b, const char *name, const char *dir, int explicit)
{
    struct bench_workload *w = &b->wl[b->nwl];
    memset(w, 0, sizeof *w);
    w->name = name;
    const struct bench_wl_info *info = lookup(name);
    char base[64];
    size_t len = strlen(name);
    /* NAME-x10: the same workload built with ten times the work (BENCH_SCALE=10). */
    if (!info && len > 4 && len < sizeof base && !strcmp(name + len - 4, "-x10")) {
        snprintf(base, sizeof base, "%.*s", (int)(len - 4), name);
        info = lookup(base);
    }
    w->info = info ? *info
                   : (struct bench_wl_info){ name, "other", !strncmp(name, "blk", 3), 0, "" };
    w->info.name = name;
    if (info && strcmp(info->name, name)) {
        snprintf(w->what, sizeof w->what, "%s (x10 work)", info->what);
        w->info.what = w->what;
    }
    snprintf(w->elf[0], sizeof w->elf[0], "%s/%s-full.elf", dir, name);
    snprintf(w->elf[1], sizeof w->elf[1], "%s/%s-para.elf", dir, name);
    int any = 0;
    for (int i = 0; i < 2; i++) {
        if (file_exists(w->elf[i]))
            any = 1;
        else
            w->elf[i][0] = 0;
    }
    snprintf(w->native, sizeof w->native, "%s/native/%s", dir, name);
    if (!file_exists(w->native) || access(w->native, X_OK) != 0)
        w->native[0] = 0;
    if (!any) {
        if (explicit) {
            fprintf(stderr, "hv bench: workload '%s' not found (%s/%s-{full,para}.elf)\n",
                    name, dir, name);
            return -1;
        }
        return 0;
    }
    w->cells = calloc(b->ncfg, sizeof *w->cells);
    if (!w->cells)
        return -1;
    b->nwl++;
    return 0;
}

/* A Linux workload: the kernel Images of both flavours (images[k] "": why[k] says why). */
static int add_linux_workload(struct bench *b, const struct bench_linux_wl *lw,
                              char images[2][PATH_MAX], char why[2][BENCH_ERR])
{
    struct bench_workload *w = &b->wl[b->nwl];
    memset(w, 0, sizeof *w);
    w->name = lw->info.name;
    w->info = lw->info;
    w->linux_row = 1;
    for (int k = 0; k < 2; k++) {
        snprintf(w->elf[k], sizeof w->elf[k], "%s", images[k]);
        snprintf(w->why[k], sizeof w->why[k], "%s", why[k]);
    }
    w->cells = calloc(b->ncfg, sizeof *w->cells);
    if (!w->cells)
        return -1;
    b->nwl++;
    return 0;
}

/* Before the Linux rows: does the para kernel boot on the para backend? One linux-boot run
 * (a failure is quick: the first unsupported instruction); if not, the para column of
 * every Linux row is n/a with the reason. */
static void probe_para_linux(struct bench *b, char images[2][PATH_MAX],
                             char why[2][BENCH_ERR])
{
    const struct bench_config *para = NULL;
    for (unsigned k = 0; k < b->ncfg && !para; k++)
        if (b->cfg[k].backend == HV_BACKEND_PARA && !b->cfg[k].qemu && !b->cfg[k].native)
            para = &b->cfg[k];
    if (!para || !images[1][0])
        return;
    const struct bench_linux_wl *boot = bench_linux_find("linux-boot");
    struct bench_job job = {
        .elf = images[1], .cfg = para, .info = &boot->info, .mem_size = b->mem_size,
        .timeout_s = b->timeout_s < 120 ? b->timeout_s : 120, .tmpdir = b->tmpdir,
        .initrd = b->initrd, .quick = 1,
    };
    struct bench_sample *s = calloc(1, sizeof *s);
    if (!s)
        return;
    if (bench_linux_run_one(&job, s) == 0 && s->status != BENCH_OK) {
        snprintf(why[1], BENCH_ERR, "para kernel does not boot on para: %.150s",
                 s->err);
        images[1][0] = 0;
        fprintf(stderr, "hv bench: para column of the Linux rows: n/a (%s)\n", why[1]);
    }
    free(s);
}

/* ---- running --------------------------------------------------------------------------- */

static void on_signal(int sig)
{
    (void)sig;
    bench_interrupt();
}

static void progress(int tty, unsigned done, unsigned total, const struct bench_workload *w,
                     const struct bench_config *c, unsigned run, unsigned runs)
{
    if (!tty)
        return;
    fprintf(stderr, "\r\033[K[%3u/%u] %-18s %-12s run %u/%u", done + 1, total, w->name,
            c->label, run + 1, runs);
    fflush(stderr);
}

static const char *cell_elf(const struct bench_workload *w, const struct bench_config *c)
{
    if (c->native)
        return w->native;
    return w->elf[c->backend == HV_BACKEND_PARA ? 1 : 0];
}

/* Cells that run the same program must compute the same checksum: the configurations of
 * one guest flavour (QEMU runs the full one), and, for a workload with a native build (a
 * CPU workload: the same computation everywhere), every column. The guest's own "ok" only
 * covers scale-1 builds, whose expected value is compiled in. */
static void cross_check(const struct bench *b, struct bench_workload *w)
{
    const char *ref[3] = { NULL, NULL, NULL };
    unsigned refk[3] = { 0, 0, 0 };
    for (unsigned k = 0; k < b->ncfg; k++) {
        struct bench_cell *c = &w->cells[k];
        const struct bench_config *cfg = &b->cfg[k];
        unsigned g = w->native[0] ? 0 : cfg->native ? 2 : cfg->backend == HV_BACKEND_PARA;
        for (unsigned r = 0; r < c->nruns; r++) {
            const struct bench_sample *s = &c->runs[r];
            if (s->status != BENCH_OK || !s->checksum[0])
                continue;
            if (!ref[g]) {
                ref[g] = s->checksum;
                refk[g] = k;
            } else if (strcmp(s->checksum, ref[g]) && c->status == BENCH_OK) {
                c->status = BENCH_FAILED;
                snprintf(c->err, sizeof c->err, "checksum %s, %s computed %s", s->checksum,
                         b->cfg[refk[g]].label, ref[g]);
                fprintf(stderr, "%shv bench: %s on %s: %s\n", isatty(2) ? "\r\033[K" : "",
                        w->name, cfg->label, c->err);
            }
        }
    }
}

/* Every workload: runs interleaved over the configurations (A B A B ...). */
static int run_all(struct bench *b)
{
    int tty = isatty(2);
    unsigned total = b->nwl * b->ncfg * b->runs, done = 0, seq = 0;
    for (unsigned wi = 0; wi < b->nwl; wi++) {
        struct bench_workload *w = &b->wl[wi];
        for (unsigned k = 0; k < b->ncfg; k++) {
            struct bench_cell *c = &w->cells[k];
            const struct bench_config *cfg = &b->cfg[k];
            if (w->linux_row && (cfg->qemu || cfg->native)) {
                c->status = BENCH_UNSUPPORTED;
                snprintf(c->err, sizeof c->err, "Linux rows run on libhv only");
            } else if (w->linux_row && !cell_elf(w, cfg)[0]) {
                c->status = BENCH_UNSUPPORTED;
                snprintf(c->err, sizeof c->err, "%s",
                         w->why[cfg->backend == HV_BACKEND_PARA]);
            } else if (!cell_elf(w, cfg)[0]) {
                c->status = BENCH_UNSUPPORTED;
                if (cfg->native)
                    snprintf(c->err, sizeof c->err, "no native build");
                else
                    snprintf(c->err, sizeof c->err, "%s flavour not built",
                             cfg->backend == HV_BACKEND_PARA ? "para" : "full");
            } else if (cfg->qemu && !b->qemu) {
                c->status = BENCH_UNSUPPORTED;
                snprintf(c->err, sizeof c->err, "qemu-system-riscv64 not installed");
            }
        }
        for (unsigned r = 0; r < b->runs; r++) {
            for (unsigned k = 0; k < b->ncfg; k++, done++) {
                struct bench_cell *c = &w->cells[k];
                if (c->status != BENCH_OK)
                    continue;
                progress(tty, done, total, w, &b->cfg[k], r, b->runs);
                struct bench_job job = {
                    .elf = cell_elf(w, &b->cfg[k]), .cfg = &b->cfg[k], .info = &w->info,
                    .mem_size = b->mem_size, .disk_size = b->disk_size,
                    .timeout_s = b->timeout_s, .qemu = b->qemu, .tmpdir = b->tmpdir,
                    .seq = seq++, .initrd = b->initrd, .quick = b->quick,
                };
                struct bench_sample *s = &c->runs[c->nruns++];
                int rc = w->linux_row ? bench_linux_run_one(&job, s) : bench_run_one(&job, s);
                if (rc < 0) {
                    if (tty)
                        fputs("\r\033[K", stderr);
                    return -1;
                }
                if (s->status != BENCH_OK) {
                    /* One failure marks the cell; later runs would only repeat it. */
                    c->status = s->status;
                    snprintf(c->err, sizeof c->err, "%s", s->err);
                    if (s->status == BENCH_FAILED)
                        fprintf(stderr, "%shv bench: %s on %s: %s\n", tty ? "\r\033[K" : "",
                                w->name, b->cfg[k].label, s->err);
                }
            }
        }
        cross_check(b, w);
    }
    if (tty)
        fputs("\r\033[K", stderr);
    return 0;
}

static void join_command(struct bench *b, int argc, char **argv)
{
    size_t used = (size_t)snprintf(b->command, sizeof b->command, "hv");
    for (int i = 0; i < argc && used < sizeof b->command; i++)
        used += (size_t)snprintf(b->command + used, sizeof b->command - used, " %s", argv[i]);
}

static int outputs(struct bench *b, const struct bench_opts *o)
{
    int rc = 0;
    bench_print_table(b, stdout);
    fflush(stdout);
    if (o->json && bench_write_json(b, o->json) < 0) {
        fprintf(stderr, "hv bench: cannot write %s: %s\n", o->json, strerror(errno));
        rc = 1;
    }
    if (o->csv && bench_write_csv(b, o->csv) < 0) {
        fprintf(stderr, "hv bench: cannot write %s: %s\n", o->csv, strerror(errno));
        rc = 1;
    }
    if (o->plot) {
        char msg[512];
        if (bench_write_plot(b, o->plot, msg, sizeof msg) < 0) {
            fprintf(stderr, "hv bench: cannot write %s: %s\n", o->plot, strerror(errno));
            rc = 1;
        } else {
            fprintf(stderr, "hv bench: %s\n", msg);
        }
    }
    return rc;
}

static int native_built(const char *dir, const char *name)
{
    char p[PATH_MAX + 96];
    snprintf(p, sizeof p, "%s/native/%s", dir, name);
    return file_exists(p);
}

static void list_workloads(const char *dir)
{
    printf("known workloads (in %s):\n", dir);
    for (size_t i = 0; i < NKNOWN; i++) {
        char p[PATH_MAX + 64];
        snprintf(p, sizeof p, "%s/%s-full.elf", dir, known[i].name);
        printf("  %-18s %-8s %s%s%s%s\n", known[i].name, known[i].kind, known[i].what,
               known[i].quick ? " [quick]" : "", file_exists(p) ? "" : " (not built)",
               native_built(dir, known[i].name) ? " [native]" : "");
    }
    printf("ten times the work (run by name or --cpu, not by default):\n");
    for (size_t i = 0; i < NSCALED; i++) {
        const struct bench_wl_info *info = lookup(scaled[i]);
        char p[PATH_MAX + 96], name[32];
        snprintf(name, sizeof name, "%s-x10", scaled[i]);
        snprintf(p, sizeof p, "%s/%s-full.elf", dir, name);
        printf("  %-18s %-8s %s (x10 work)%s%s\n", name, info ? info->kind : "cpu",
               info ? info->what : "", file_exists(p) ? "" : " (not built)",
               native_built(dir, name) ? " [native]" : "");
    }
    printf("Linux workloads (--linux, or by name; kernels from scripts/build-linux.sh):\n");
    for (unsigned i = 0; i < bench_linux_nwls; i++)
        printf("  %-22s %s\n", bench_linux_wls[i].info.name, bench_linux_wls[i].info.what);
    printf("--cpu runs:");
    for (size_t i = 0; i < NCPU_SUITE; i++)
        printf(" %s", cpu_suite[i]);
    printf("\n");
}

static void free_workloads(struct bench *b)
{
    for (unsigned w = 0; w < b->nwl; w++)
        free(b->wl[w].cells);
    free(b->wl);
    b->wl = NULL;
    b->nwl = 0;
}

int hv_cmd_bench(int argc, char **argv)
{
    struct bench b;
    struct bench_opts o;
    memset(&b, 0, sizeof b);
    memset(&o, 0, sizeof o);
    int rc = parse_opts(argc, argv, &b, &o);
    if (rc)
        return rc;
    if (o.list) {
        list_workloads(o.bench_dir);
        return 0;
    }
    join_command(&b, argc, argv);
    /* The Linux rows compare the backends on the translator unless told otherwise. */
    int any_linux = o.linux_rows;
    for (int i = optind; i < argc; i++)
        any_linux |= bench_linux_find(argv[i]) != NULL;
    if (any_linux && !o.engines)
        o.engines = 2;
    make_configs(&b, &o);
    if (o.qemu) {
        b.qemu = find_qemu();
        if (!b.qemu)
            fprintf(stderr, "hv bench: qemu-system-riscv64 not found; its column stays empty\n");
    }
    unsigned named = (unsigned)(argc - optind) + (o.cpu ? (unsigned)NCPU_SUITE : 0);
    b.wl = calloc((named ? named : NKNOWN) + bench_linux_nwls, sizeof *b.wl);
    if (!b.wl)
        return 1;
    /* A suite member that is not built is skipped with a note, not an error: the others
     * still make a table. */
    for (size_t i = 0; o.cpu && i < NCPU_SUITE; i++) {
        unsigned before = b.nwl;
        if (add_workload(&b, cpu_suite[i], o.bench_dir, 0) < 0) {
            free_workloads(&b);
            return 1;
        }
        if (b.nwl == before)
            fprintf(stderr, "hv bench: --cpu: %s not built in %s: skipped\n", cpu_suite[i],
                    o.bench_dir);
    }
    /* Linux rows: --linux (all of them, or the linux-* WORKLOADs), or linux-* named. */
    char images[2][PATH_MAX], why[2][BENCH_ERR], initrd[PATH_MAX + 32];
    int want_linux = o.linux_rows;
    for (int i = optind; i < argc; i++)
        want_linux |= bench_linux_find(argv[i]) != NULL;
    if (want_linux) {
        for (int k = 0; k < 2; k++)
            bench_linux_image(k, images[k], sizeof images[k], why[k], sizeof why[k]);
        snprintf(initrd, sizeof initrd, "%s/linux/initrd.gz", o.bench_dir);
        b.initrd = o.initrd ? o.initrd : initrd;
        if (!file_exists(b.initrd)) {
            fprintf(stderr, "hv bench: no Linux initramfs at %s (built by the bench target "
                    "when riscv64-linux-gnu-gcc and cpio are installed)\n", b.initrd);
            free_workloads(&b);
            return 2;
        }
    }
    int named_linux = 0;
    for (int i = optind; i < argc; i++) {
        const struct bench_linux_wl *lw = bench_linux_find(argv[i]);
        if (lw)
            named_linux = 1;
        if (lw ? add_linux_workload(&b, lw, images, why) < 0
               : add_workload(&b, argv[i], o.bench_dir, 1) < 0) {
            free_workloads(&b);
            return 2;
        }
    }
    for (unsigned i = 0; o.linux_rows && !named_linux && i < bench_linux_nwls; i++)
        if (add_linux_workload(&b, &bench_linux_wls[i], images, why) < 0) {
            free_workloads(&b);
            return 1;
        }
    for (size_t i = 0; !named && !o.linux_rows && i < NKNOWN; i++)
        if (!b.quick || known[i].quick)
            add_workload(&b, known[i].name, o.bench_dir, 0);
    if (!b.nwl) {
        fprintf(stderr, "hv bench: no workloads built in %s (configure with a RISC-V "
                "cross compiler)\n", o.bench_dir);
        free_workloads(&b);
        return 2;
    }
    char tmpl[] = "/tmp/hv-bench-XXXXXX";
    const char *td = getenv("TMPDIR");
    char tbuf[PATH_MAX];
    snprintf(tbuf, sizeof tbuf, "%s/hv-bench-XXXXXX", td && *td ? td : "/tmp");
    b.tmpdir = mkdtemp(tbuf) ? tbuf : mkdtemp(tmpl);
    if (!b.tmpdir) {
        fprintf(stderr, "hv bench: cannot create a temporary directory: %s\n", strerror(errno));
        free_workloads(&b);
        return 1;
    }
    if (want_linux)
        probe_para_linux(&b, images, why);
    for (unsigned i = 0; want_linux && i < b.nwl; i++)
        if (b.wl[i].linux_row && !images[1][0]) {
            b.wl[i].elf[1][0] = 0;
            snprintf(b.wl[i].why[1], sizeof b.wl[i].why[1], "%s", why[1]);
        }
    struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    int interrupted = run_all(&b) < 0;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    rmdir(b.tmpdir);
    bench_summarize(&b);
    int status = outputs(&b, &o);
    for (unsigned w = 0; w < b.nwl; w++)
        for (unsigned k = 0; k < b.ncfg; k++)
            if (b.wl[w].cells[k].status == BENCH_FAILED)
                status = 1;
    free_workloads(&b);
    if (interrupted) {
        fprintf(stderr, "hv bench: interrupted\n");
        return 130;
    }
    return status;
}
