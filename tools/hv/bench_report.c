/* SPDX-License-Identifier: MIT */
/* hv bench — from runs to reports: per-cell summaries (median/min/max, the median run's
 * counters, MIPS, throughput, exits per operation), the para/full, jit/interp and QEMU
 * ratios and the fraction of native speed, with their geometric means, the translation
 * cost, and the outputs: a text table, JSON, CSV and a bar chart (gnuplot when installed,
 * else bench_svg.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "bench_harness.h"
#include "bench_svg.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void summarize_cell(struct bench_cell *c)
{
    double t[BENCH_MAX_RUNS];
    unsigned n = 0;
    c->rep = NULL;
    if (c->status == BENCH_OK && c->nruns && c->runs[c->nruns - 1].status != BENCH_OK)
        snprintf(c->err, sizeof c->err, "%s", c->runs[c->nruns - 1].err);
    for (unsigned i = 0; i < c->nruns; i++)
        if (c->runs[i].status == BENCH_OK)
            t[n++] = c->runs[i].wall_ms;
    if (!n)
        return;
    qsort(t, n, sizeof t[0], cmp_double);
    c->min_ms = t[0];
    c->max_ms = t[n - 1];
    c->med_ms = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
    /* The representative run: the one closest to the median (its counters are reported). */
    double best = INFINITY;
    for (unsigned i = 0; i < c->nruns; i++) {
        const struct bench_sample *s = &c->runs[i];
        if (s->status == BENCH_OK && fabs(s->wall_ms - c->med_ms) < best) {
            best = fabs(s->wall_ms - c->med_ms);
            c->rep = s;
        }
    }
    const struct bench_sample *r = c->rep;
    c->guest_ms = r->guest_ms;
    /* The guest clock at the result: median over the runs, when every run reported it. */
    unsigned ng = 0;
    for (unsigned i = 0; i < c->nruns; i++)
        if (c->runs[i].status == BENCH_OK && c->runs[i].guest_total_ms > 0)
            t[ng++] = c->runs[i].guest_total_ms;
    c->guest_total_med_ms = -1;
    if (ng == n) {
        qsort(t, ng, sizeof t[0], cmp_double);
        c->guest_total_med_ms = ng % 2 ? t[ng / 2] : (t[ng / 2 - 1] + t[ng / 2]) / 2;
    }
    /* Throughput over the guest's own measurement when it has one (no VM start-up). */
    double secs = (r->guest_ms > 0 ? r->guest_ms : c->med_ms) / 1e3;
    c->mips = r->has_stats && c->med_ms > 0 ? r->stats.instructions / (c->med_ms * 1e3) : 0;
    c->mb_s = r->bytes && secs > 0 ? r->bytes / secs / 1e6 : 0;
    c->ops_s = r->ops && secs > 0 ? r->ops / secs : 0;
    c->exits = r->has_stats ? r->stats.mmio_traps + r->stats.hypercalls : 0;
    c->exits_per_op = r->has_stats && r->ops ? (double)c->exits / r->ops : -1;
}

void bench_summarize(struct bench *b)
{
    for (unsigned w = 0; w < b->nwl; w++)
        for (unsigned k = 0; k < b->ncfg; k++)
            summarize_cell(&b->wl[w].cells[k]);
}

double bench_ratio(const struct bench *b, const struct bench_workload *w, unsigned num,
                   unsigned den)
{
    const struct bench_cell *n = &w->cells[num], *d = &w->cells[den];
    if (!n->rep || !d->rep || d->med_ms <= 0)
        return 0;
    /* Against QEMU, whose wall time includes its process start-up (~0.1 s here, as much as
     * a short workload), compare the guest clocks at the result when both have them; the
     * same against a native process (its clock: wall time since the process started). */
    int proc = b->cfg[num].qemu || b->cfg[den].qemu || b->cfg[num].native ||
               b->cfg[den].native;
    if (proc && n->guest_total_med_ms > 0 && d->guest_total_med_ms > 0)
        return n->guest_total_med_ms / d->guest_total_med_ms;
    return n->med_ms / d->med_ms;
}

/* Pairs worth a ratio: para vs full with the same engine, QEMU vs each libhv column, and
 * native vs every other column. find_cfg: a libhv column (qemu 0) or QEMU's (qemu 1). */
static int find_cfg(const struct bench *b, int qemu, enum hv_backend be, enum hv_engine en)
{
    for (unsigned k = 0; k < b->ncfg; k++)
        if (!b->cfg[k].native && b->cfg[k].qemu == qemu &&
            (qemu || (b->cfg[k].backend == be && b->cfg[k].engine == en)))
            return (int)k;
    return -1;
}

static int find_native(const struct bench *b)
{
    for (unsigned k = 0; k < b->ncfg; k++)
        if (b->cfg[k].native)
            return (int)k;
    return -1;
}

static int is_libhv(const struct bench_config *c)
{
    return !c->qemu && !c->native;
}

#define VS_NATIVE "vs native"

struct pair {
    unsigned slow, fast;        /* baseline and config: speedup = time(slow) / time(fast) */
    const char *what;
};

/* The translator against the interpreter on the same backend. */
static unsigned engine_pairs(const struct bench *b, struct pair *p, unsigned n, unsigned max)
{
    for (int be = 0; be < 2 && n < max; be++) {
        enum hv_backend backend = be ? HV_BACKEND_PARA : HV_BACKEND_FULL;
        int i = find_cfg(b, 0, backend, HV_ENGINE_INTERP);
        int j = find_cfg(b, 0, backend, HV_ENGINE_JIT);
        if (i >= 0 && j >= 0)
            p[n++] = (struct pair){ (unsigned)i, (unsigned)j, "jit vs interp" };
    }
    return n;
}

/* Every column against native: its fraction of native speed. */
static unsigned native_pairs(const struct bench *b, struct pair *p, unsigned n, unsigned max)
{
    int nat = find_native(b);
    for (unsigned k = 0; nat >= 0 && k < b->ncfg && n < max; k++)
        if (!b->cfg[k].native)
            p[n++] = (struct pair){ (unsigned)nat, k, VS_NATIVE };
    return n;
}

static unsigned ratio_pairs(const struct bench *b, struct pair *p, unsigned max)
{
    unsigned n = 0;
    int q = find_cfg(b, 1, 0, 0);
    for (unsigned k = 0; k < b->ncfg && n < max; k++) {
        const struct bench_config *c = &b->cfg[k];
        if (!is_libhv(c) || c->backend != HV_BACKEND_FULL)
            continue;
        int para = find_cfg(b, 0, HV_BACKEND_PARA, c->engine);
        if (para >= 0)
            p[n++] = (struct pair){ k, (unsigned)para, "para vs full" };
        if (q >= 0 && n < max)
            p[n++] = (struct pair){ (unsigned)q, k, "full vs qemu" };
    }
    for (unsigned k = 0; q >= 0 && k < b->ncfg && n < max; k++)
        if (is_libhv(&b->cfg[k]) && b->cfg[k].backend == HV_BACKEND_PARA)
            p[n++] = (struct pair){ (unsigned)q, k, "para vs qemu" };
    n = engine_pairs(b, p, n, max);
    return native_pairs(b, p, n, max);
}

/* The summary's columns: jit vs interp on each backend, then every libhv column against
 * QEMU (full first), then every column's fraction of native speed. */
static unsigned summary_pairs(const struct bench *b, struct pair *p, unsigned max)
{
    unsigned n = engine_pairs(b, p, 0, max);
    int q = find_cfg(b, 1, 0, 0);
    for (int be = 0; q >= 0 && be < 2; be++)
        for (unsigned k = 0; k < b->ncfg && n < max; k++) {
            const struct bench_config *c = &b->cfg[k];
            if (is_libhv(c) && c->backend == (be ? HV_BACKEND_PARA : HV_BACKEND_FULL))
                p[n++] = (struct pair){ (unsigned)q, k, "vs qemu" };
        }
    return native_pairs(b, p, n, max);
}

/* Geometric mean of one pair's speedups over the workloads where both sides ran (0 when
 * none did); *count gets how many those were. */
static double pair_geomean(const struct bench *b, const struct pair *p, unsigned *count)
{
    double logsum = 0;
    unsigned n = 0;
    for (unsigned w = 0; w < b->nwl; w++) {
        double r = bench_ratio(b, &b->wl[w], p->slow, p->fast);
        if (r > 0) {
            logsum += log(r);
            n++;
        }
    }
    *count = n;
    return n ? exp(logsum / n) : 0;
}

/* The smallest of one pair's speedups (0 when none), *at the workload it came from. */
static double pair_min(const struct bench *b, const struct pair *p, unsigned *at)
{
    double m = 0;
    for (unsigned w = 0; w < b->nwl; w++) {
        double r = bench_ratio(b, &b->wl[w], p->slow, p->fast);
        if (r > 0 && (m == 0 || r < m)) {
            m = r;
            *at = w;
        }
    }
    return m;
}

/* Translation cost of one configuration over the table's workloads (each cell's median
 * run): blocks, guest instructions translated, ns spent translating, and the run time. */
struct xlat_cost {
    uint64_t blocks, insns, ns;
    double run_ms;
    unsigned cells;
};

static int config_xlat_cost(const struct bench *b, unsigned k, struct xlat_cost *x)
{
    memset(x, 0, sizeof *x);
    for (unsigned w = 0; w < b->nwl; w++) {
        const struct bench_cell *c = &b->wl[w].cells[k];
        if (!c->rep || !c->rep->has_stats || !c->rep->stats.blocks_translated)
            continue;
        x->blocks += c->rep->stats.blocks_translated;
        x->insns += c->rep->stats.insns_translated;
        x->ns += c->rep->stats.translate_ns;
        x->run_ms += c->rep->wall_ms;
        x->cells++;
    }
    return x->cells > 0;
}

/* ns per translated guest instruction of one run, or -1 when it translated nothing. */
static double ns_per_insn(const struct hv_stats *s)
{
    return s->insns_translated ? (double)s->translate_ns / (double)s->insns_translated : -1;
}

/* ---- text table ------------------------------------------------------------------------ */

static void fmt_ms(char *buf, size_t n, double ms)
{
    if (ms >= 10000)
        snprintf(buf, n, "%.2fs", ms / 1e3);
    else if (ms >= 1000)
        snprintf(buf, n, "%.3fs", ms / 1e3);
    else if (ms >= 10)
        snprintf(buf, n, "%.1fms", ms);
    else
        snprintf(buf, n, "%.2fms", ms);
}

static void fmt_count(char *buf, size_t n, double v)
{
    if (v < 0)
        snprintf(buf, n, "-");
    else if (v >= 1e9)
        snprintf(buf, n, "%.2fG", v / 1e9);
    else if (v >= 1e6)
        snprintf(buf, n, "%.2fM", v / 1e6);
    else if (v >= 1e4)
        snprintf(buf, n, "%.1fk", v / 1e3);
    else if (v == floor(v) || v >= 100)
        snprintf(buf, n, "%.0f", v);
    else
        snprintf(buf, n, "%.2f", v);
}

static const char *status_word(const struct bench_cell *c)
{
    if (c->rep && c->status == BENCH_OK)
        return "ok";
    if (c->status == BENCH_OK)
        return "not run";           /* interrupted before this cell had a result */
    return c->status == BENCH_UNSUPPORTED ? "n/a" : "FAIL";
}

static void print_cell(const struct bench *b, const struct bench_workload *w, unsigned k,
                       FILE *f)
{
    const struct bench_cell *c = &w->cells[k];
    const char *name = k == 0 ? w->name : "";
    if (!c->rep) {
        fprintf(f, "%-17s %-12s %s%s%s\n", name, b->cfg[k].label, status_word(c),
                c->err[0] ? ": " : "", c->err);
        return;
    }
    const struct bench_sample *r = c->rep;
    char med[16], mn[16], mx[16], ins[16], mips[16], mmio[16], hc[16], irq[16], tlb[16],
         blk[16], epo[16], mbs[16], ops[16];
    fmt_ms(med, sizeof med, c->med_ms);
    fmt_ms(mn, sizeof mn, c->min_ms);
    fmt_ms(mx, sizeof mx, c->max_ms);
    int st = r->has_stats;
    fmt_count(ins, sizeof ins, st ? (double)r->stats.instructions : -1);
    fmt_count(mips, sizeof mips, st ? c->mips : -1);
    fmt_count(mmio, sizeof mmio, st ? (double)r->stats.mmio_traps : -1);
    fmt_count(hc, sizeof hc, st ? (double)r->stats.hypercalls : -1);
    fmt_count(irq, sizeof irq, st ? (double)r->stats.interrupts : -1);
    fmt_count(tlb, sizeof tlb, st ? (double)r->stats.tlb_misses : -1);
    fmt_count(blk, sizeof blk, st ? (double)r->stats.blocks_translated : -1);
    fmt_count(epo, sizeof epo, c->exits_per_op);
    if (c->mb_s > 0)
        snprintf(mbs, sizeof mbs, "%.1f", c->mb_s);
    else
        snprintf(mbs, sizeof mbs, "-");
    fmt_count(ops, sizeof ops, c->ops_s > 0 ? c->ops_s : -1);
    fprintf(f, "%-17s %-12s %9s %9s %9s %8s %6s %7s %7s %6s %8s %6s %7s %7s %8s %-4s\n", name,
            b->cfg[k].label, med, mn, mx, ins, mips, mmio, hc, irq, tlb, blk, epo, mbs, ops,
            status_word(c));
}

static void print_ratios(const struct bench *b, const struct bench_workload *w, FILE *f)
{
    struct pair p[BENCH_MAX_CONFIGS * 2];
    unsigned n = ratio_pairs(b, p, BENCH_MAX_CONFIGS * 2);
    int nat = 0;
    for (unsigned i = 0; i < n; i++) {
        double r = bench_ratio(b, w, p[i].slow, p[i].fast);
        if (r <= 0)
            continue;
        if (!strcmp(p[i].what, VS_NATIVE)) {
            /* one line for all of them: "fraction of native: full/jit 0.31x, ..." */
            if (!nat)
                fprintf(f, "%-17s fraction of native:", "");
            fprintf(f, "%s %s %.3gx", nat ? "," : "", b->cfg[p[i].fast].label, r);
            nat = 1;
            continue;
        }
        const struct bench_cell *s = &w->cells[p[i].slow], *q = &w->cells[p[i].fast];
        fprintf(f, "%-17s %s: %s is %.2fx %s", "", p[i].what, b->cfg[p[i].fast].label,
                r >= 1 ? r : 1 / r, r >= 1 ? "faster" : "slower");
        if (s->exits_per_op >= 0 && q->exits_per_op >= 0)
            fprintf(f, "; exits/op %.3g (%s) vs %.3g (%s)", s->exits_per_op,
                    b->cfg[p[i].slow].label, q->exits_per_op, b->cfg[p[i].fast].label);
        fputc('\n', f);
    }
    if (nat)
        fputc('\n', f);
}

static void pair_header(const struct bench *b, const struct pair *p, char *buf, size_t n)
{
    snprintf(buf, n, "%s vs %s", b->cfg[p->fast].label, b->cfg[p->slow].label);
}

/* Per workload: each summary pair's speedup; then the geometric means and the minimum.
 * native: the pairs against native, headed by the config alone. */
static void print_summary_table(const struct bench *b, const struct pair *p, unsigned np,
                                int native, FILE *f)
{
    char h[64];
    int width[BENCH_MAX_CONFIGS * 2];
    if (native)
        fprintf(f, "\nfraction of native: median time natively / median time of the config "
                "(1: native speed; the workload's x86-64 build, gcc -O2)\n%-17s", "workload");
    else
        fprintf(f, "\nsummary: speedup = median time of the baseline / median time of the "
                "config (> 1: the config is faster)\n%-17s", "workload");
    for (unsigned i = 0; i < np; i++) {
        if (native)
            snprintf(h, sizeof h, "%s", b->cfg[p[i].fast].label);
        else
            pair_header(b, &p[i], h, sizeof h);
        width[i] = (int)strlen(h) < 10 ? 10 : (int)strlen(h);
        fprintf(f, "  %*s", width[i], h);
    }
    fputc('\n', f);
    for (unsigned w = 0; w < b->nwl; w++) {
        fprintf(f, "%-17s", b->wl[w].name);
        for (unsigned i = 0; i < np; i++) {
            double r = bench_ratio(b, &b->wl[w], p[i].slow, p[i].fast);
            if (r > 0)
                fprintf(f, native ? "  %*.3fx" : "  %*.2fx", width[i] - 1, r);
            else
                fprintf(f, "  %*s", width[i], "-");
        }
        fputc('\n', f);
    }
    fprintf(f, "%-17s", "geomean");
    for (unsigned i = 0; i < np; i++) {
        unsigned cnt;
        double g = pair_geomean(b, &p[i], &cnt);
        char v[32];
        if (g > 0)
            snprintf(v, sizeof v, native ? "%.3fx (%u)" : "%.2fx (%u)", g, cnt);
        else
            snprintf(v, sizeof v, "-");
        fprintf(f, "  %*s", width[i], v);
    }
    fprintf(f, "\n%-17s", "min");
    for (unsigned i = 0; i < np; i++) {
        unsigned at = 0;
        double m = pair_min(b, &p[i], &at);
        if (m > 0)
            fprintf(f, native ? "  %*.3fx" : "  %*.2fx", width[i] - 1, m);
        else
            fprintf(f, "  %*s", width[i], "-");
    }
    fputc('\n', f);
    if (native) {
        fputs("(native runs as a process; like qemu's, its time is the clock at the result: "
              "wall time since the process started)\n", f);
        return;
    }
    fputs("(geomean: over the workloads where both ran, their number in parentheses; ratios "
          "against qemu use the guest clock at the result, i.e. time since the machine "
          "started, excluding either process' start-up, when the workload reports it (CPU "
          "workloads do); otherwise qemu's whole process, start-up included)\n", f);
}

static void print_summary_ratios(const struct bench *b, const struct pair *p, unsigned np,
                                 FILE *f)
{
    struct pair vs[BENCH_MAX_CONFIGS * 2], nat[BENCH_MAX_CONFIGS * 2];
    unsigned nv = 0, nn = 0;
    for (unsigned i = 0; i < np; i++) {
        if (!strcmp(p[i].what, VS_NATIVE))
            nat[nn++] = p[i];
        else
            vs[nv++] = p[i];
    }
    if (nv)
        print_summary_table(b, vs, nv, 0, f);
    if (nn)
        print_summary_table(b, nat, nn, 1, f);
}

/* Per translating configuration: totals over the workloads, then per workload ns/insn. */
static void print_xlat_cost(const struct bench *b, FILE *f)
{
    int any = 0;
    for (unsigned k = 0; k < b->ncfg; k++) {
        struct xlat_cost x;
        if (!config_xlat_cost(b, k, &x))
            continue;
        if (!any)
            fprintf(f, "\ntranslation cost (each workload's median run, summed):\n"
                    "%-12s %8s %10s %12s %9s %10s  %s\n", "config", "blocks", "insns-tr",
                    "translate-ms", "ns/insn", "% of run", "ns/insn per workload");
        any = 1;
        char blk[16], ins[16];
        fmt_count(blk, sizeof blk, (double)x.blocks);
        fmt_count(ins, sizeof ins, (double)x.insns);
        fprintf(f, "%-12s %8s %10s %12.3f %9.0f %9.3f%% ", b->cfg[k].label, blk, ins,
                x.ns / 1e6, x.insns ? (double)x.ns / (double)x.insns : 0,
                x.run_ms > 0 ? x.ns / 1e4 / x.run_ms : 0);
        for (unsigned w = 0; w < b->nwl; w++) {
            const struct bench_cell *c = &b->wl[w].cells[k];
            double v = c->rep && c->rep->has_stats ? ns_per_insn(&c->rep->stats) : -1;
            if (v >= 0)
                fprintf(f, " %s %.0f", b->wl[w].name, v);
        }
        fputc('\n', f);
    }
}

/* Linux rows: per operation, and where the host time of the section went. */
struct linux_split {
    double guest_us, host_us, exits, mmio, hcalls, irqs, excs, idle_pct, exit_pct, run_pct;
    double exits_per_irq;           /* -1 without interrupts */
    double boot_ms;
};

static int linux_split(const struct bench_cell *c, struct linux_split *x)
{
    const struct bench_sample *r = c->rep;
    if (!r || !r->linux_row || !r->has_stats || !r->ops || c->med_ms <= 0)
        return 0;
    double ops = (double)r->ops, wall_ns = r->wall_ms * 1e6 * (r->nvms ? r->nvms : 1);
    const struct hv_stats *s = &r->stats;
    x->guest_us = r->guest_ms > 0 ? r->guest_ms * 1e3 / ops : -1;
    x->host_us = c->med_ms * 1e3 / ops;
    x->mmio = s->mmio_traps / ops;
    x->hcalls = s->hypercalls / ops;
    x->exits = x->mmio + x->hcalls;
    x->irqs = s->interrupts / ops;
    x->excs = s->exceptions / ops;
    x->exits_per_irq = s->interrupts ? (double)(s->mmio_traps + s->hypercalls) /
                                       (double)s->interrupts : -1;
    /* Fractions of the median run's section, vCPU time: for linux-net the two VMs' vCPUs
     * together (twice the wall time). */
    x->idle_pct = wall_ns > 0 ? 100.0 * s->idle_ns / wall_ns : 0;
    x->exit_pct = wall_ns > 0 ? 100.0 * s->exit_ns / wall_ns : 0;
    x->run_pct = 100.0 - x->idle_pct - x->exit_pct;
    x->boot_ms = r->boot_ms;
    return 1;
}

static void print_linux(const struct bench *b, FILE *f)
{
    int any = 0;
    for (unsigned w = 0; w < b->nwl; w++) {
        if (!b->wl[w].linux_row)
            continue;
        if (!any)
            fprintf(f, "\nLinux workloads, per operation (the guest's timed section; "
                    "linux-boot: the whole run):\n%-22s %-9s %9s %9s %8s %7s %7s %6s %8s "
                    "%7s %6s %6s %6s %8s\n", "workload", "config", "guest/op", "host/op",
                    "exits/op", "mmio/op", "hc/op", "irq/op", "exit/irq", "exc/op", "guest%",
                    "exit%", "idle%", "to-begin");
        any = 1;
        for (unsigned k = 0; k < b->ncfg; k++) {
            const struct bench_cell *c = &b->wl[w].cells[k];
            const char *name = k == 0 ? b->wl[w].name : "";
            struct linux_split x;
            if (!linux_split(c, &x)) {
                if (!c->rep)
                    fprintf(f, "%-22s %-9s %s%s%s\n", name, b->cfg[k].label, status_word(c),
                            c->err[0] ? ": " : "", c->err);
                continue;
            }
            char g[16], h[16], e[16], m[16], hc[16], i[16], ei[16], ex[16], bt[16];
            fmt_count(g, sizeof g, x.guest_us);
            fmt_count(h, sizeof h, x.host_us);
            fmt_count(e, sizeof e, x.exits);
            fmt_count(m, sizeof m, x.mmio);
            fmt_count(hc, sizeof hc, x.hcalls);
            fmt_count(i, sizeof i, x.irqs);
            fmt_count(ex, sizeof ex, x.excs);
            fmt_count(ei, sizeof ei, x.exits_per_irq);
            fmt_ms(bt, sizeof bt, x.boot_ms);
            fprintf(f, "%-22s %-9s %7sus %7sus %8s %7s %7s %6s %8s %7s %5.1f%% %5.1f%% "
                    "%5.1f%% %8s\n", name, b->cfg[k].label, g, h, e, m, hc, i, ei, ex,
                    x.run_pct, x.exit_pct, x.idle_pct, bt);
        }
    }
    if (any)
        fputs("(guest/op: the guest's clock; host/op: host wall time of the section, median "
              "run; exits: MMIO traps + hypercalls; exit/irq: exits per interrupt delivered; "
              "guest%: the rest of the host time, the guest's own execution incl. emulated "
              "firmware on full; exit%: device and "
              "hypercall handling (hv_config.time_exits); idle%: asleep in WFI / SCHED_OP; "
              "to-begin: host time from the run's start to the section (boot); linux-net: "
              "both VMs' counters, per cent of both vCPUs' time)\n", f);
}

void bench_print_table(const struct bench *b, FILE *f)
{
    fprintf(f, "%-17s %-12s %9s %9s %9s %8s %6s %7s %7s %6s %8s %6s %7s %7s %8s %-4s\n",
            "workload", "config", "median", "min", "max", "insns", "MIPS", "mmio", "hcalls",
            "irqs", "tlb-miss", "blocks", "exit/op", "MB/s", "ops/s", "check");
    for (unsigned w = 0; w < b->nwl; w++) {
        for (unsigned k = 0; k < b->ncfg; k++)
            print_cell(b, &b->wl[w], k, f);
        print_ratios(b, &b->wl[w], f);
    }
    fprintf(f, "\n%u run%s per cell, interleaved; median/min/max: wall time of the run "
            "(libhv: hv_vcpu_run loop; qemu, native: whole process). exit/op: (MMIO traps + "
            "hypercalls) per guest operation. MB/s and ops/s use the guest's own clock.\n",
            b->runs, b->runs == 1 ? "" : "s");
    struct pair p[BENCH_MAX_CONFIGS * 2];
    unsigned np = summary_pairs(b, p, BENCH_MAX_CONFIGS * 2);
    if (np)
        print_summary_ratios(b, p, np, f);
    print_xlat_cost(b, f);
    print_linux(b, f);
}

/* ---- JSON ------------------------------------------------------------------------------ */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", f);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static void json_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.6g", v);
    else
        fputs("null", f);
}

static const char *exit_names[16] = { "none", "shutdown", "reboot", "crash", "mmio",
                                      "hypercall", "budget", "deadline", "breakpoint", "kick",
                                      "fault", "halt", "internal" };

static void json_counters(FILE *f, const struct bench_sample *r)
{
    const struct hv_stats *s = &r->stats;
    fprintf(f, ", \"instructions\": %llu, \"mmio_traps\": %llu, \"hypercalls\": %llu, "
            "\"interrupts\": %llu, \"exceptions\": %llu, \"tlb_misses\": %llu, "
            "\"blocks_translated\": %llu, \"insns_translated\": %llu, \"translate_ns\": %llu, "
            "\"translate_ns_per_insn\": ",
            (unsigned long long)s->instructions, (unsigned long long)s->mmio_traps,
            (unsigned long long)s->hypercalls, (unsigned long long)s->interrupts,
            (unsigned long long)s->exceptions, (unsigned long long)s->tlb_misses,
            (unsigned long long)s->blocks_translated, (unsigned long long)s->insns_translated,
            (unsigned long long)s->translate_ns);
    json_num(f, ns_per_insn(s) >= 0 ? ns_per_insn(s) : NAN);
    fprintf(f, ", \"idle_ns\": %llu, \"exit_ns\": %llu", (unsigned long long)s->idle_ns,
            (unsigned long long)s->exit_ns);
    fprintf(f, ", \"run_exits\": %llu, \"exits_by_reason\": {", (unsigned long long)s->exits);
    int first = 1;
    for (unsigned i = 0; i < 16; i++) {
        if (!s->exits_by_reason[i])
            continue;
        fprintf(f, "%s\"%s\": %llu", first ? "" : ", ", exit_names[i] ? exit_names[i] : "?",
                (unsigned long long)s->exits_by_reason[i]);
        first = 0;
    }
    /* Exit-equivalents: every trip from the guest into the hypervisor's device or
     * hypercall code (the library handles them without returning from hv_vcpu_run). */
    fprintf(f, "}, \"exits\": %llu", (unsigned long long)(s->mmio_traps + s->hypercalls));
}

static const char *status_name(enum bench_status s)
{
    return s == BENCH_OK ? "ok" : s == BENCH_UNSUPPORTED ? "unsupported" : "failed";
}

static void json_cell(FILE *f, const struct bench *b, unsigned k, const struct bench_cell *c)
{
    const struct bench_config *cfg = &b->cfg[k];
    fputs("        {\"config\": ", f);
    json_str(f, cfg->label);
    fprintf(f, ", \"backend\": \"%s\", \"engine\": \"%s\", \"qemu\": %s, \"native\": %s, "
            "\"status\": \"%s\"",
            cfg->native ? "native" : cfg->backend == HV_BACKEND_PARA ? "para" : "full",
            cfg->native ? "gcc -O2" : cfg->qemu ? "tcg" : cfg->engine == HV_ENGINE_INTERP ? "interp"
                : cfg->engine == HV_ENGINE_JIT ? "jit" : "default",
            cfg->qemu ? "true" : "false", cfg->native ? "true" : "false",
            c->rep && c->status == BENCH_OK ? "ok" : status_name(c->status));
    if (c->err[0]) {
        fputs(", \"error\": ", f);
        json_str(f, c->err);
    }
    int all_ok = c->nruns > 0;
    for (unsigned i = 0; i < c->nruns; i++)
        all_ok &= c->runs[i].checksum_ok;
    fprintf(f, ", \"checksum_ok\": %s, \"checksum\": ", all_ok ? "true" : "false");
    json_str(f, c->rep ? c->rep->checksum : "");
    fputs(", \"runs_ms\": [", f);
    for (unsigned i = 0; i < c->nruns; i++) {
        fputs(i ? ", " : "", f);
        json_num(f, c->runs[i].status == BENCH_OK ? c->runs[i].wall_ms : NAN);
    }
    fputc(']', f);
    if (c->rep) {
        const struct bench_sample *r = c->rep;
        fputs(", \"wall_ms\": {\"median\": ", f);
        json_num(f, c->med_ms);
        fputs(", \"min\": ", f);
        json_num(f, c->min_ms);
        fputs(", \"max\": ", f);
        json_num(f, c->max_ms);
        fputs("}, \"guest_ms\": ", f);
        json_num(f, r->guest_ms >= 0 ? r->guest_ms : NAN);
        fputs(", \"guest_total_ms\": ", f);
        json_num(f, c->guest_total_med_ms > 0 ? c->guest_total_med_ms : NAN);
        fputs(", \"create_ms\": ", f);
        json_num(f, is_libhv(cfg) ? r->create_ms : NAN);
        if (r->has_stats) {
            json_counters(f, r);
            fputs(", \"mips\": ", f);
            json_num(f, c->mips);
        }
        if (r->has_line) {
            fprintf(f, ", \"ops\": %llu, \"bytes\": %llu", (unsigned long long)r->ops,
                    (unsigned long long)r->bytes);
            fputs(", \"ops_per_s\": ", f);
            json_num(f, c->ops_s > 0 ? c->ops_s : NAN);
            fputs(", \"mb_per_s\": ", f);
            json_num(f, c->mb_s > 0 ? c->mb_s : NAN);
            fputs(", \"exits_per_op\": ", f);
            json_num(f, c->exits_per_op >= 0 ? c->exits_per_op : NAN);
        }
        struct linux_split x;
        if (linux_split(c, &x)) {
            fputs(", \"linux\": {\"guest_us_per_op\": ", f);
            json_num(f, x.guest_us >= 0 ? x.guest_us : NAN);
            fputs(", \"host_us_per_op\": ", f);
            json_num(f, x.host_us);
            fputs(", \"mmio_per_op\": ", f);
            json_num(f, x.mmio);
            fputs(", \"hypercalls_per_op\": ", f);
            json_num(f, x.hcalls);
            fputs(", \"interrupts_per_op\": ", f);
            json_num(f, x.irqs);
            fputs(", \"exceptions_per_op\": ", f);
            json_num(f, x.excs);
            fputs(", \"exits_per_interrupt\": ", f);
            json_num(f, x.exits_per_irq >= 0 ? x.exits_per_irq : NAN);
            fputs(", \"time_pct\": {\"guest\": ", f);
            json_num(f, x.run_pct);
            fputs(", \"exits\": ", f);
            json_num(f, x.exit_pct);
            fputs(", \"idle\": ", f);
            json_num(f, x.idle_pct);
            fputs("}, \"to_begin_ms\": ", f);
            json_num(f, x.boot_ms);
            fputs(", \"run_ms\": ", f);
            json_num(f, r->run_ms);
            fputc('}', f);
        }
    }
    fputc('}', f);
}

static void json_host(FILE *f)
{
    struct utsname u;
    char model[256] = "";
    FILE *ci = fopen("/proc/cpuinfo", "r");
    if (ci) {
        char line[512];
        while (fgets(line, sizeof line, ci))
            if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
                snprintf(model, sizeof model, "%s", strchr(line, ':') + 2);
                model[strcspn(model, "\n")] = 0;
                break;
            }
        fclose(ci);
    }
    fputs("  \"host\": {\"cpu\": ", f);
    json_str(f, model);
    fprintf(f, ", \"cpus\": %ld", sysconf(_SC_NPROCESSORS_ONLN));
    if (uname(&u) == 0) {
        fputs(", \"system\": ", f);
        char sys[400];
        snprintf(sys, sizeof sys, "%s %s %s", u.sysname, u.release, u.machine);
        json_str(f, sys);
    }
    fputs("},\n", f);
}

/* "summary": the text summary's ratios (per workload and geometric mean) and the
 * translation cost of each configuration that translated. */
static void json_summary(FILE *f, const struct bench *b)
{
    struct pair p[BENCH_MAX_CONFIGS * 2];
    unsigned np = summary_pairs(b, p, BENCH_MAX_CONFIGS * 2);
    fputs("  \"summary\": {\n    \"ratios\": [", f);
    for (unsigned i = 0; i < np; i++) {
        unsigned cnt;
        double g = pair_geomean(b, &p[i], &cnt);
        fprintf(f, "%s\n      {\"what\": \"%s\", \"config\": ", i ? "," : "",
                p[i].what);
        json_str(f, b->cfg[p[i].fast].label);
        fputs(", \"baseline\": ", f);
        json_str(f, b->cfg[p[i].slow].label);
        fputs(", \"geomean_speedup\": ", f);
        json_num(f, g > 0 ? g : NAN);
        unsigned at = 0;
        double m = pair_min(b, &p[i], &at);
        fputs(", \"min_speedup\": ", f);
        json_num(f, m > 0 ? m : NAN);
        fputs(", \"min_workload\": ", f);
        json_str(f, m > 0 ? b->wl[at].name : "");
        fprintf(f, ", \"workloads\": %u, \"speedup\": {", cnt);
        int first = 1;
        for (unsigned w = 0; w < b->nwl; w++) {
            double r = bench_ratio(b, &b->wl[w], p[i].slow, p[i].fast);
            if (r <= 0)
                continue;
            fputs(first ? "" : ", ", f);
            json_str(f, b->wl[w].name);
            fputs(": ", f);
            json_num(f, r);
            first = 0;
        }
        fputs("}}", f);
    }
    fputs(np ? "\n    ],\n    \"translation\": [" : "],\n    \"translation\": [", f);
    int first = 1;
    for (unsigned k = 0; k < b->ncfg; k++) {
        struct xlat_cost x;
        if (!config_xlat_cost(b, k, &x))
            continue;
        fputs(first ? "\n      {\"config\": " : ",\n      {\"config\": ", f);
        json_str(f, b->cfg[k].label);
        fprintf(f, ", \"workloads\": %u, \"blocks_translated\": %llu, "
                "\"insns_translated\": %llu, \"translate_ns\": %llu, "
                "\"translate_ns_per_insn\": ", x.cells, (unsigned long long)x.blocks,
                (unsigned long long)x.insns, (unsigned long long)x.ns);
        json_num(f, x.insns ? (double)x.ns / (double)x.insns : NAN);
        fputs(", \"translate_share_of_run\": ", f);
        json_num(f, x.run_ms > 0 ? x.ns / 1e6 / x.run_ms : NAN);
        fputc('}', f);
        first = 0;
    }
    fputs(first ? "]\n  }\n" : "\n    ]\n  }\n", f);
}

int bench_write_json(const struct bench *b, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    char date[32];
    time_t t = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    fprintf(f, "{\n  \"tool\": \"hv bench\",\n  \"libhv\": ");
    json_str(f, hv_version_string());
    fprintf(f, ",\n  \"date\": \"%s\",\n  \"command\": ", date);
    json_str(f, b->command);
    fprintf(f, ",\n  \"runs\": %u,\n  \"quick\": %s,\n", b->runs, b->quick ? "true" : "false");
    json_host(f);
    fputs("  \"configs\": [", f);
    for (unsigned k = 0; k < b->ncfg; k++) {
        fputs(k ? ", " : "", f);
        json_str(f, b->cfg[k].label);
    }
    fputs("],\n  \"workloads\": [\n", f);
    struct pair p[BENCH_MAX_CONFIGS * 2];
    unsigned np = ratio_pairs(b, p, BENCH_MAX_CONFIGS * 2);
    for (unsigned w = 0; w < b->nwl; w++) {
        const struct bench_workload *wl = &b->wl[w];
        fputs("    {\"name\": ", f);
        json_str(f, wl->name);
        fputs(", \"kind\": ", f);
        json_str(f, wl->info.kind);
        fputs(", \"description\": ", f);
        json_str(f, wl->info.what);
        fputs(",\n      \"results\": [\n", f);
        for (unsigned k = 0; k < b->ncfg; k++) {
            json_cell(f, b, k, &wl->cells[k]);
            fputs(k + 1 < b->ncfg ? ",\n" : "\n", f);
        }
        fputs("      ],\n      \"ratios\": [", f);
        int first = 1;
        for (unsigned i = 0; i < np; i++) {
            double r = bench_ratio(b, wl, p[i].slow, p[i].fast);
            if (r <= 0)
                continue;
            /* speedup > 1: "config" is faster than "baseline" by that factor. */
            fprintf(f, "%s{\"what\": \"%s\", \"config\": ", first ? "" : ", ", p[i].what);
            json_str(f, b->cfg[p[i].fast].label);
            fputs(", \"baseline\": ", f);
            json_str(f, b->cfg[p[i].slow].label);
            fputs(", \"speedup\": ", f);
            json_num(f, r);
            const struct bench_cell *s = &wl->cells[p[i].slow], *q = &wl->cells[p[i].fast];
            if (s->exits_per_op >= 0 && q->exits_per_op >= 0) {
                fputs(", \"exits_per_op_config\": ", f);
                json_num(f, q->exits_per_op);
                fputs(", \"exits_per_op_baseline\": ", f);
                json_num(f, s->exits_per_op);
            }
            fputc('}', f);
            first = 0;
        }
        fprintf(f, "]}%s\n", w + 1 < b->nwl ? "," : "");
    }
    fputs("  ],\n", f);
    json_summary(f, b);
    fputs("}\n", f);
    return fclose(f) == 0 ? 0 : -1;
}

/* ---- CSV ------------------------------------------------------------------------------- */

static void csv_num(FILE *f, double v, int ok)
{
    if (ok && isfinite(v))
        fprintf(f, ",%.6g", v);
    else
        fputc(',', f);
}

static void csv_u64(FILE *f, uint64_t v, int ok)
{
    if (ok)
        fprintf(f, ",%llu", (unsigned long long)v);
    else
        fputc(',', f);
}

int bench_write_csv(const struct bench *b, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs("workload,kind,config,status,checksum_ok,runs,median_ms,min_ms,max_ms,guest_ms,"
          "instructions,mips,mmio_traps,hypercalls,interrupts,exceptions,tlb_misses,"
          "blocks_translated,run_exits,exits,ops,bytes,mb_per_s,ops_per_s,exits_per_op,"
          "insns_translated,translate_ns,translate_ns_per_insn,guest_total_ms,checksum,"
          "speedup_vs_qemu,fraction_of_native\n", f);
    int q = find_cfg(b, 1, 0, 0), nat = find_native(b);
    for (unsigned w = 0; w < b->nwl; w++) {
        for (unsigned k = 0; k < b->ncfg; k++) {
            const struct bench_cell *c = &b->wl[w].cells[k];
            const struct bench_sample *r = c->rep;
            int ok = r != NULL, st = ok && r->has_stats, ln = ok && r->has_line;
            int ck = c->nruns > 0;
            for (unsigned i = 0; i < c->nruns; i++)
                ck &= c->runs[i].checksum_ok;
            fprintf(f, "%s,%s,%s,%s,%d,%u", b->wl[w].name, b->wl[w].info.kind,
                    b->cfg[k].label,
                    ok && c->status == BENCH_OK ? "ok" : status_name(c->status), ck, c->nruns);
            csv_num(f, c->med_ms, ok);
            csv_num(f, c->min_ms, ok);
            csv_num(f, c->max_ms, ok);
            csv_num(f, ok ? r->guest_ms : 0, ok && r->guest_ms >= 0);
            const struct hv_stats *hs = ok ? &r->stats : NULL;
            csv_u64(f, st ? hs->instructions : 0, st);
            csv_num(f, c->mips, st);
            csv_u64(f, st ? hs->mmio_traps : 0, st);
            csv_u64(f, st ? hs->hypercalls : 0, st);
            csv_u64(f, st ? hs->interrupts : 0, st);
            csv_u64(f, st ? hs->exceptions : 0, st);
            csv_u64(f, st ? hs->tlb_misses : 0, st);
            csv_u64(f, st ? hs->blocks_translated : 0, st);
            csv_u64(f, st ? hs->exits : 0, st);
            csv_u64(f, c->exits, st);
            csv_u64(f, ln ? r->ops : 0, ln);
            csv_u64(f, ln ? r->bytes : 0, ln);
            csv_num(f, c->mb_s, ln && c->mb_s > 0);
            csv_num(f, c->ops_s, ln && c->ops_s > 0);
            csv_num(f, c->exits_per_op, st && ln && c->exits_per_op >= 0);
            csv_u64(f, st ? hs->insns_translated : 0, st);
            csv_u64(f, st ? hs->translate_ns : 0, st);
            csv_num(f, st ? ns_per_insn(hs) : 0, st && ns_per_insn(hs) >= 0);
            csv_num(f, c->guest_total_med_ms, ok && c->guest_total_med_ms > 0);
            fprintf(f, ",%s", ok ? r->checksum : "");
            double vq = q >= 0 && is_libhv(&b->cfg[k]) ? bench_ratio(b, &b->wl[w], (unsigned)q, k)
                                                       : 0;
            double vn = nat >= 0 && (int)k != nat ? bench_ratio(b, &b->wl[w], (unsigned)nat, k)
                                                  : 0;
            csv_num(f, vq, vq > 0);
            csv_num(f, vn, vn > 0);
            fputc('\n', f);
        }
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* ---- plot ------------------------------------------------------------------------------ */

/* A configuration with no result at all (para/jit before para has a translator, QEMU not
 * installed) says nothing in a chart: only the table shows it. */
static int cfg_has_results(const struct bench *b, unsigned k)
{
    for (unsigned w = 0; w < b->nwl; w++)
        if (b->wl[w].cells[k].rep)
            return 1;
    return 0;
}

int bench_write_plot(const struct bench *b, const char *path, char *msg, size_t msglen)
{
    unsigned ng = b->nwl, ns = 0, cols[BENCH_MAX_CONFIGS];
    for (unsigned k = 0; k < b->ncfg; k++)
        if (cfg_has_results(b, k))
            cols[ns++] = k;
    if (!ns)
        cols[ns++] = 0;
    double *v = calloc((size_t)ng * ns * 3, sizeof *v);
    const char **groups = calloc(ng, sizeof *groups);
    const char **series = calloc(ns, sizeof *series);
    if (!v || !groups || !series) {
        free(v), free(groups), free(series);
        return -1;
    }
    double *lo = v + ng * ns, *hi = lo + ng * ns;
    for (unsigned g = 0; g < ng; g++) {
        groups[g] = b->wl[g].name;
        for (unsigned s = 0; s < ns; s++) {
            const struct bench_cell *c = &b->wl[g].cells[cols[s]];
            v[g * ns + s] = c->rep ? c->med_ms : NAN;
            lo[g * ns + s] = c->rep ? c->min_ms : NAN;
            hi[g * ns + s] = c->rep ? c->max_ms : NAN;
        }
    }
    for (unsigned s = 0; s < ns; s++)
        series[s] = b->cfg[cols[s]].label;
    char sub[160];
    snprintf(sub, sizeof sub, "median of %u run%s, whiskers min..max; lower is better", b->runs,
             b->runs == 1 ? "" : "s");
    struct bench_chart c = {
        .title = "hv bench: wall time per workload and backend",
        .subtitle = sub,
        .ylabel = "wall time (ms)",
        .xlabel = "workload",
        .ngroups = ng, .nseries = ns, .groups = groups, .series = series,
        .value = v, .lo = lo, .hi = hi, .log_scale = -1,
    };
    int rc = bench_gnuplot_write(path, &c);
    if (rc == 0) {
        snprintf(msg, msglen, "plot written with gnuplot to %s", path);
    } else {
        FILE *f = fopen(path, "w");
        rc = f ? bench_svg_write(f, &c) : -1;
        if (f && fclose(f) != 0)
            rc = -1;
        snprintf(msg, msglen, "plot written to %s (%s scale)", path,
                 bench_chart_use_log(&c) ? "log" : "linear");
    }
    free(v), free(groups), free(series);
    return rc;
}
