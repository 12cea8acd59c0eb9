/* SPDX-License-Identifier: MIT */
/* Hooks and snapshot-reset fuzzing loops, libhv against Unicorn 2 (Debian's libunicorn-dev,
 * RISC-V 64) on the same RV64 code: a loop of LOOP iterations, each one basic block with a
 * store and a load to a data page. Measured per side (medians of RUNS):
 *  - plain run; with a block hook; with read+write hooks on the data page, each run
 *    started by setting pc (no reset) -> hook cost per event = (hooked - plain) / events;
 *  - a fuzzing-style loop: reset (libhv: hv_vm_rollback; Unicorn: uc_context_restore plus
 *    rewriting the data page) then run with a block hook -> execs/s.
 * Both run the code translated (libhv jit, full backend M-mode; Unicorn's TCG).
 * usage: bench_hooks_unicorn [K] [RUNS]   (K * 4096 loop iterations per run, default 8) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unicorn/unicorn.h>
#include "hv/hv.h"

#define BASE 0x80000000ull
#define DATA (BASE + 0x10000)
#define END (BASE + 0x20)

static uint32_t code[] = {
    0x00000293,              /* addi t0, x0, 0 */
    0x00000337,              /* lui t1, K: LOOP = K * 4096 iterations (patched) */
    0x00010397,              /* auipc t2, 0x10: t2 = BASE + 8 + 0x10000 -> data page */
    0x0053b023,              /* loop: sd t0, 0(t2) */
    0x0003b503,              /* ld a0, 0(t2) */
    0x00a60633,              /* add a2, a2, a0 */
    0x00128293,              /* addi t0, t0, 1 */
    0xfe62c8e3,              /* blt t0, t1, loop (-16) */
    0x0000006f,              /* END: j . */
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return v[n / 2];
}

static uint64_t nblocks, nmem;

/* ---- libhv ------------------------------------------------------------------------------ */

static int hv_block(void *o, hv_vcpu *v, uint64_t pc)
{
    (void)o, (void)v, (void)pc;
    nblocks++;
    return HV_HOOK_CONTINUE;
}

static int hv_mem(void *o, hv_vcpu *v, int type, uint64_t a, unsigned size, uint64_t val)
{
    (void)o, (void)v, (void)type, (void)a, (void)size, (void)val;
    nmem++;
    return HV_HOOK_CONTINUE;
}

struct hvside {
    hv_vm *vm;
    hv_vcpu *cpu;
    hv_checkpoint *cp;
};

static int hv_setup(struct hvside *h)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = HV_BACKEND_FULL;
    cfg.engine = HV_ENGINE_JIT;
    cfg.mem_size = 1 << 20;
    cfg.bios = "none";
    cfg.serial.type = HV_CHARDEV_NULL;
    char err[256];
    if (hv_vm_create(&cfg, &h->vm, err, sizeof err) < 0 || hv_vcpu_create(h->vm, 0, &h->cpu) < 0 ||
        hv_vm_mem_write(h->vm, BASE, code, sizeof code) < 0 ||
        hv_vcpu_set_reg(h->cpu, HV_REG_PC, BASE) < 0 || hv_vcpu_set_breakpoint(h->cpu, END) < 0 ||
        hv_vm_checkpoint(h->vm, &h->cp) < 0) {
        fprintf(stderr, "libhv setup failed: %s\n", err);
        return -1;
    }
    return 0;
}

/* One run of the code from BASE; `reset`: roll back to the checkpoint first, else only
 * set pc (the code initialises its own registers; hook costs are measured this way). */
static double hv_run(struct hvside *h, int reset)
{
    if (reset)
        hv_vm_rollback(h->vm, h->cp);
    else
        hv_vcpu_set_reg(h->cpu, HV_REG_PC, BASE);
    struct hv_exit ex;
    double t0 = now();
    hv_vcpu_run(h->cpu, 0, &ex);
    double t = now() - t0;
    if (ex.reason != HV_EXIT_BREAKPOINT || ex.pc != END)
        fprintf(stderr, "libhv: unexpected exit %d at %#llx\n", ex.reason,
                (unsigned long long)ex.pc);
    return t;
}

/* ---- Unicorn ---------------------------------------------------------------------------- */

static void uc_block(uc_engine *uc, uint64_t addr, uint32_t size, void *o)
{
    (void)uc, (void)addr, (void)size, (void)o;
    nblocks++;
}

static void uc_memhook(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t val,
                       void *o)
{
    (void)uc, (void)type, (void)addr, (void)size, (void)val, (void)o;
    nmem++;
}

struct ucside {
    uc_engine *uc;
    uc_context *ctx;
    uint8_t page[4096];
};

static int uc_setup(struct ucside *u)
{
    uc_err e = uc_open(UC_ARCH_RISCV, UC_MODE_RISCV64, &u->uc);
    if (e != UC_ERR_OK) {
        fprintf(stderr, "unicorn: %s\n", uc_strerror(e));
        return -1;
    }
    uc_mem_map(u->uc, BASE, 1 << 20, UC_PROT_ALL);
    uc_mem_write(u->uc, BASE, code, sizeof code);
    uint64_t pc = BASE;
    uc_reg_write(u->uc, UC_RISCV_REG_PC, &pc);
    uc_context_alloc(u->uc, &u->ctx);
    uc_context_save(u->uc, u->ctx);
    memset(u->page, 0, sizeof u->page);
    return 0;
}

static double uc_run(struct ucside *u, int reset)
{
    if (reset) {
        uc_context_restore(u->uc, u->ctx);
        uc_mem_write(u->uc, DATA, u->page, sizeof u->page);   /* the data the code writes */
    }
    double t0 = now();
    uc_err e = uc_emu_start(u->uc, BASE, END, 0, 0);
    double t = now() - t0;
    if (e != UC_ERR_OK)
        fprintf(stderr, "unicorn: %s\n", uc_strerror(e));
    return t;
}

/* ---- measurement ------------------------------------------------------------------------- */

#define MAXRUNS 101
enum { PLAIN, BLOCK, MEM, NSIDE };

/* One sample: `reps` runs of each of the six setups, interleaved so that load changes on a
 * shared machine hit all of them alike; per-run seconds in t[side][setup]. */
static void sample(struct hvside *h, struct ucside *u, int reps, double t[2][NSIDE])
{
    memset(t, 0, sizeof(double) * 2 * NSIDE);
    for (int k = 0; k < reps; k++)
        for (int s = 0; s < NSIDE; s++) {
            t[0][s] += hv_run(&h[s], 0) / reps;
            t[1][s] += uc_run(&u[s], 0) / reps;
        }
}

int main(int argc, char **argv)
{
    int kk = argc > 1 ? atoi(argv[1]) : 8;
    int runs = argc > 2 ? atoi(argv[2]) : 11;
    if (kk < 1 || kk > 100 || runs < 1 || runs > MAXRUNS)
        return 2;
    int loop = kk * 4096;
    code[1] = 0x00000337u | ((uint32_t)kk << 12);
    const int reps = 5;
    struct hvside h[NSIDE];
    struct ucside u[NSIDE];
    memset(h, 0, sizeof h);
    memset(u, 0, sizeof u);
    for (int s = 0; s < NSIDE; s++)
        if (hv_setup(&h[s]) < 0 || uc_setup(&u[s]) < 0)
            return 1;
    /* setup BLOCK: a counting block hook; MEM: read + write hooks on the data page */
    struct hv_hook hk = { .type = HV_HOOK_BLOCK, .end = UINT64_MAX, .fn.block = hv_block };
    struct hv_hook mr = { .type = HV_HOOK_MEM_READ, .begin = DATA, .end = DATA + 4095,
                          .fn.mem = hv_mem };
    struct hv_hook mw = mr;
    mw.type = HV_HOOK_MEM_WRITE;
    hv_vm_hook_add(h[BLOCK].vm, &hk);
    hv_vm_hook_add(h[MEM].vm, &mr);
    hv_vm_hook_add(h[MEM].vm, &mw);
    uc_hook ub, um;
    uc_hook_add(u[BLOCK].uc, &ub, UC_HOOK_BLOCK, (void *)uc_block, NULL, 1, 0);
    uc_hook_add(u[MEM].uc, &um, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, (void *)uc_memhook, NULL,
                DATA, DATA + 4095);
    /* events per run, and warm-up (translation) */
    uint64_t ev[2][NSIDE];
    for (int s = 0; s < NSIDE; s++) {
        nblocks = nmem = 0;
        hv_run(&h[s], 0);
        ev[0][s] = s == BLOCK ? nblocks : nmem;
        nblocks = nmem = 0;
        uc_run(&u[s], 0);
        ev[1][s] = s == BLOCK ? nblocks : nmem;
    }
    double t[2][NSIDE], v[2][NSIDE + 2][MAXRUNS];
    for (int r = 0; r < runs; r++) {
        sample(h, u, reps, t);
        for (int side = 0; side < 2; side++) {
            for (int s = 0; s < NSIDE; s++)
                v[side][s][r] = t[side][s];
            /* marginal cost per event, from the same sample */
            v[side][NSIDE][r] = (t[side][BLOCK] - t[side][PLAIN]) / (double)ev[side][BLOCK];
            v[side][NSIDE + 1][r] = (t[side][MEM] - t[side][PLAIN]) / (double)ev[side][MEM];
        }
    }
    double m[2][NSIDE + 2];
    for (int side = 0; side < 2; side++)
        for (int s = 0; s < NSIDE + 2; s++)
            m[side][s] = median(v[side][s], runs);

    /* Fuzzing-style loop: reset + run with a block hook, execs/s (reset included). */
    double ve[2][MAXRUNS];
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        for (int k = 0; k < reps; k++)
            hv_run(&h[BLOCK], 1);
        double t1 = now();
        for (int k = 0; k < reps; k++)
            uc_run(&u[BLOCK], 1);
        double t2 = now();
        ve[0][r] = reps / (t1 - t0);
        ve[1][r] = reps / (t2 - t1);
    }
    double hv_eps = median(ve[0], runs), uc_eps = median(ve[1], runs);

    printf("code: %d loop iterations, %d instructions per run; medians of %d samples of %d "
           "interleaved runs\n", loop, 3 + 5 * loop, runs, reps);
    printf("%-34s %14s %14s %8s\n", "", "libhv (jit)", "unicorn 2", "unicorn/libhv");
    printf("%-34s %11.1f us %11.1f us %7.2fx\n", "run, no hooks", m[0][PLAIN] * 1e6,
           m[1][PLAIN] * 1e6, m[1][PLAIN] / m[0][PLAIN]);
    printf("%-34s %11.2f ns %11.2f ns %7.2fx  (events/run: %llu, %llu)\n",
           "block hook, added cost per event", m[0][NSIDE] * 1e9, m[1][NSIDE] * 1e9,
           m[1][NSIDE] / m[0][NSIDE], (unsigned long long)ev[0][BLOCK],
           (unsigned long long)ev[1][BLOCK]);
    printf("%-34s %11.2f ns %11.2f ns %7.2fx  (events/run: %llu, %llu)\n",
           "mem hook (r+w), added cost/event", m[0][NSIDE + 1] * 1e9, m[1][NSIDE + 1] * 1e9,
           m[1][NSIDE + 1] / m[0][NSIDE + 1], (unsigned long long)ev[0][MEM],
           (unsigned long long)ev[1][MEM]);
    printf("%-34s %11.2f ns %11.2f ns %7.2fx\n", "time per block, block hook on",
           m[0][BLOCK] / (double)ev[0][BLOCK] * 1e9, m[1][BLOCK] / (double)ev[1][BLOCK] * 1e9,
           (m[1][BLOCK] / (double)ev[1][BLOCK]) / (m[0][BLOCK] / (double)ev[0][BLOCK]));
    printf("%-34s %11.2f ns %11.2f ns %7.2fx\n", "time per access, mem hooks on",
           m[0][MEM] / (double)ev[0][MEM] * 1e9, m[1][MEM] / (double)ev[1][MEM] * 1e9,
           (m[1][MEM] / (double)ev[1][MEM]) / (m[0][MEM] / (double)ev[0][MEM]));
    printf("%-34s %11.0f /s %11.0f /s %7.2fx\n", "reset + run with block hook", hv_eps, uc_eps,
           hv_eps / uc_eps);
    for (int s = 0; s < NSIDE; s++) {
        hv_checkpoint_free(h[s].cp);
        hv_vm_destroy(h[s].vm);
        uc_context_free(u[s].ctx);
        uc_close(u[s].uc);
    }
    return 0;
}
