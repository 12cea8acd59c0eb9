/* SPDX-License-Identifier: MIT */
/* Unit tests for hv/hooks.h: block, instruction, memory and invalid-access hooks and the
 * edge-coverage map give the same event streams on interp, jit and lockstep (both
 * backends); stops, hooks that write registers, busy/odd-size refusals, watchpoints.
 * Guests are a few hand-encoded RV64 instructions. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "hv/hv.h"

#define RAM 0x80000000ull
#define DATA (RAM + 0x10008)
#define MEM (1ull << 20)

#define ITYPE(imm, rs1, f3, rd, op) \
    ((((uint32_t)(imm) & 0xfff) << 20) | ((rs1) << 15) | ((f3) << 12) | ((rd) << 7) | (op))
#define ADDI(rd, rs1, imm) ITYPE(imm, rs1, 0, rd, 0x13)
#define ANDI(rd, rs1, imm) ITYPE(imm, rs1, 7, rd, 0x13)
#define LD(rd, rs1, imm) ITYPE(imm, rs1, 3, rd, 0x03)
#define SD(rs2, rs1, imm) \
    (((((uint32_t)(imm) >> 5) & 0x7f) << 25) | ((rs2) << 20) | ((rs1) << 15) | (3 << 12) | \
     (((uint32_t)(imm) & 0x1f) << 7) | 0x23)
#define LUI(rd, imm20) ((((uint32_t)(imm20)) << 12) | ((rd) << 7) | 0x37)
#define AUIPC(rd, imm20) ((((uint32_t)(imm20)) << 12) | ((rd) << 7) | 0x17)
enum { T0 = 5, T1 = 6, T2 = 7, A0 = 10, A1 = 11, A2 = 12, A3 = 13 };

static uint32_t btype(unsigned f3, unsigned rs1, unsigned rs2, int32_t off)
{
    uint32_t i = (uint32_t)off;
    return (((i >> 12) & 1) << 31) | (((i >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) |
           (f3 << 12) | (((i >> 1) & 0xf) << 8) | (((i >> 11) & 1) << 7) | 0x63;
}
#define BEQ(a, b, off) btype(0, a, b, off)
#define BLT(a, b, off) btype(4, a, b, off)

static uint32_t jal(unsigned rd, int32_t off)
{
    uint32_t i = (uint32_t)off;
    return (((i >> 20) & 1) << 31) | (((i >> 1) & 0x3ff) << 21) | (((i >> 11) & 1) << 20) |
           (((i >> 12) & 0xff) << 12) | (rd << 7) | 0x6f;
}

/* 20 iterations: store i, load it back, count odd i in a2; then a load from an unmapped
 * address (invalid-access hook) and a self-loop. */
static const uint32_t prog[] = {
    ADDI(T0, 0, 0),          /* 0x00 */
    ADDI(T1, 0, 20),         /* 0x04 */
    AUIPC(T2, 0x10),         /* 0x08 t2 = DATA */
    SD(T0, T2, 0),           /* 0x0c loop: */
    LD(A0, T2, 0),           /* 0x10 */
    ANDI(A1, T0, 1),         /* 0x14 */
    0,                       /* 0x18 beq a1, x0, +8 */
    ADDI(A2, A2, 1),         /* 0x1c */
    ADDI(T0, T0, 1),         /* 0x20 */
    0,                       /* 0x24 blt t0, t1, loop */
    LUI(A3, 0x10),           /* 0x28 a3 = 0x10000: nothing mapped there */
    LD(A0, A3, 8),           /* 0x2c */
    0,                       /* 0x30 j . */
};

static hv_vm *vm;
static hv_vcpu *cpu;
static char events[1 << 16];
static size_t nev;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(events + nev, sizeof events - nev, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof events - nev)
        nev += (size_t)n;
}

static void boot(enum hv_backend backend, enum hv_engine engine)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = backend;
    cfg.engine = engine;
    cfg.mem_size = MEM;
    cfg.bios = "none";
    cfg.serial.type = HV_CHARDEV_NULL;
    char err[512];
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), 0, "%s", err);
    cr_assert_eq(hv_vcpu_create(vm, 0, &cpu), 0);
    cr_assert_eq(hv_vcpu_set_reg(cpu, HV_REG_PC, RAM), 0);
    uint32_t w[sizeof prog / 4];
    memcpy(w, prog, sizeof w);
    w[6] = BEQ(A1, 0, 8);
    w[9] = BLT(T0, T1, -0x18);
    w[12] = jal(0, 0);
    cr_assert_eq(hv_vm_mem_write(vm, RAM, w, sizeof w), 0);
    nev = 0;
    events[0] = 0;
}

static int on_block(void *o, hv_vcpu *v, uint64_t pc)
{
    (void)o, (void)v;
    logf_("B%llx ", (unsigned long long)(pc - RAM));
    return HV_HOOK_CONTINUE;
}

static int on_insn(void *o, hv_vcpu *v, uint64_t pc, uint32_t insn, unsigned len)
{
    (void)o, (void)v;
    logf_("I%llx:%x/%u ", (unsigned long long)(pc - RAM), insn, len);
    return HV_HOOK_CONTINUE;
}

static int on_mem(void *o, hv_vcpu *v, int type, uint64_t addr, unsigned size, uint64_t val)
{
    (void)o, (void)v;
    logf_("%c%llx/%u=%llu ", type == HV_HOOK_MEM_WRITE ? 'W' : 'R',
          (unsigned long long)(addr - DATA), size, (unsigned long long)val);
    return HV_HOOK_CONTINUE;
}

static int on_invalid(void *o, hv_vcpu *v, int type, uint64_t addr, unsigned size,
                      uint64_t *val)
{
    (void)v;
    logf_("X%d:%llx/%u ", type, (unsigned long long)addr, size);
    *val = 0x1234;
    return o ? HV_HOOK_RESOLVED : HV_HOOK_CONTINUE;
}

static int add_hook(int type, uint64_t b, uint64_t e, void *fn)
{
    struct hv_hook h = { .type = type, .begin = b, .end = e };
    h.fn.block = (hv_hook_block_fn)fn;
    int id = hv_vm_hook_add(vm, &h);
    cr_assert_geq(id, 0, "%s", hv_vm_last_error(vm));
    return id;
}

static uint8_t covmap[1 << 16];

/* Everything on; run 200 instructions; the events and the map. */
static void run_all(enum hv_backend backend, enum hv_engine engine, char *out, size_t outlen,
                    uint8_t *cov)
{
    boot(backend, engine);
    add_hook(HV_HOOK_BLOCK, 0, UINT64_MAX, (void *)on_block);
    add_hook(HV_HOOK_INSN, RAM + 0x14, RAM + 0x1c, (void *)on_insn);
    add_hook(HV_HOOK_MEM_WRITE, DATA, DATA + 7, (void *)on_mem);
    add_hook(HV_HOOK_MEM_READ, DATA, DATA + 7, (void *)on_mem);
    add_hook(HV_HOOK_MEM_INVALID, 0, UINT64_MAX, (void *)on_invalid);
    memset(covmap, 0, sizeof covmap);
    cr_assert_eq(hv_vm_set_coverage(vm, covmap, sizeof covmap), 0);
    struct hv_exit ex;
    /* Sliced runs: budgets must not change the events. The unmapped load faults (the
     * invalid-access hook lets it: the lockstep twin runs no hooks) and, without a trap
     * handler, ends the run. */
    ex.reason = HV_EXIT_BUDGET;
    for (int i = 0; i < 100 && ex.reason == HV_EXIT_BUDGET; i++)
        cr_assert_eq(hv_vcpu_run(cpu, 7, &ex), 0, "%s", hv_vm_last_error(vm));
    cr_assert_eq(ex.reason, HV_EXIT_FAULT, "reason %d: %s", ex.reason, hv_vm_last_error(vm));
    uint64_t a0 = 0, a2 = 0;
    cr_assert_eq(hv_vcpu_get_reg(cpu, HV_REG_X(A0), &a0), 0);
    cr_assert_eq(hv_vcpu_get_reg(cpu, HV_REG_X(A2), &a2), 0);
    cr_assert_eq(a0, 19);
    cr_assert_eq(a2, 10);
    snprintf(out, outlen, "%s", events);
    memcpy(cov, covmap, sizeof covmap);
    hv_vm_destroy(vm);
}

static void differential(enum hv_backend backend)
{
    static char ev[3][1 << 16];
    static uint8_t cov[3][1 << 16];
    enum hv_engine engines[3] = { HV_ENGINE_INTERP, HV_ENGINE_JIT, HV_ENGINE_LOCKSTEP };
    int n = backend == HV_BACKEND_FULL ? 3 : 2;     /* lockstep: full backend only */
    for (int i = 0; i < n; i++)
        run_all(backend, engines[i], ev[i], sizeof ev[i], cov[i]);
    cr_assert(strstr(ev[0], "B0 W0/8=0 R0/8=0 I14:12f593/4 I18:") != NULL, "%.300s", ev[0]);
    cr_assert(strstr(ev[0], "W0/8=3 R0/8=3 ") != NULL, "%.300s", ev[0]);
    cr_assert(strstr(ev[0], "X0:") == NULL);
    cr_assert(strstr(ev[0], "X3:10008/8") != NULL, "%.300s", ev[0]);
    for (int i = 1; i < n; i++) {
        cr_assert_str_eq(ev[i], ev[0], "engine %d:\n%s\ninterp:\n%s", i, ev[i], ev[0]);
        cr_assert(memcmp(cov[i], cov[0], sizeof cov[0]) == 0, "coverage differs (engine %d)",
                  i);
    }
    unsigned edges = 0;
    for (size_t i = 0; i < sizeof cov[0]; i++)
        edges += cov[0][i] != 0;
    cr_assert_geq(edges, 5);
}

Test(instrument, differential_full) { differential(HV_BACKEND_FULL); }
Test(instrument, differential_para) { differential(HV_BACKEND_PARA); }

/* ---- stops ---------------------------------------------------------------------------- */

static uint64_t stop_pc;
static int stop_block(void *o, hv_vcpu *v, uint64_t pc)
{
    (void)o, (void)v;
    return pc == stop_pc ? HV_HOOK_STOP : HV_HOOK_CONTINUE;
}

static int stop_write(void *o, hv_vcpu *v, int type, uint64_t addr, unsigned size, uint64_t val)
{
    (void)o, (void)v, (void)type, (void)addr, (void)size;
    return val == 5 ? HV_HOOK_STOP : HV_HOOK_CONTINUE;
}

static uint64_t reg(unsigned r)
{
    uint64_t v = 0;
    cr_assert_eq(hv_vcpu_get_reg(cpu, r, &v), 0);
    return v;
}

static void stops(enum hv_backend backend, enum hv_engine engine)
{
    boot(backend, engine);
    stop_pc = RAM + 0x20;
    int id = add_hook(HV_HOOK_BLOCK, 0, UINT64_MAX, (void *)stop_block);
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(cpu, 0, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_HOOK, "reason %d", ex.reason);
    cr_assert_eq(ex.pc, RAM + 0x20);
    cr_assert_eq(reg(HV_REG_X(T0)), 0, "stopped before the block's first instruction");
    /* Running again does not report the same event twice. */
    cr_assert_eq(hv_vcpu_run(cpu, 0, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_HOOK);
    cr_assert_eq(reg(HV_REG_X(T0)), 2, "odd i reach 0x20 by falling through from 0x1c");
    cr_assert_eq(hv_vm_hook_del(vm, id), 0);
    cr_assert_eq(hv_vm_hook_del(vm, id), HV_ENOENT);
    /* A write hook stops after the store retired. */
    add_hook(HV_HOOK_MEM_WRITE, DATA, DATA + 7, (void *)stop_write);
    cr_assert_eq(hv_vcpu_run(cpu, 0, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_HOOK);
    cr_assert_eq(ex.pc, RAM + 0x10);
    cr_assert_eq(reg(HV_REG_X(T0)), 5);
    uint64_t d = 0;
    cr_assert_eq(hv_vm_mem_read(vm, DATA, &d, 8), 0);
    cr_assert_eq(d, 5);
    hv_vm_destroy(vm);
}

Test(instrument, stops_interp) { stops(HV_BACKEND_FULL, HV_ENGINE_INTERP); }
Test(instrument, stops_jit) { stops(HV_BACKEND_FULL, HV_ENGINE_JIT); }
Test(instrument, stops_lockstep) { stops(HV_BACKEND_FULL, HV_ENGINE_LOCKSTEP); }
Test(instrument, stops_para_jit) { stops(HV_BACKEND_PARA, HV_ENGINE_JIT); }

/* ---- a hook that writes registers and memory ------------------------------------------ */

static int load_hook(void *o, hv_vcpu *v, int type, uint64_t addr, unsigned size, uint64_t val)
{
    (void)o, (void)type, (void)addr, (void)size, (void)val;
    /* a2 changes under the block's feet; pc writes are ignored in memory hooks. */
    uint64_t a2 = 0;
    cr_assert_eq(hv_vcpu_get_reg(v, HV_REG_X(A2), &a2), 0);
    cr_assert_eq(hv_vcpu_set_reg(v, HV_REG_X(A2), a2 + 100), 0);
    cr_assert_eq(hv_vcpu_set_reg(v, HV_REG_PC, 0), 0);
    cr_assert_eq(hv_vcpu_set_reg(v, HV_REG_CSR(0x300), 0), HV_EBUSY);
    struct hv_hook h = { .type = HV_HOOK_BLOCK, .end = 1, .fn.block = on_block };
    cr_assert_eq(hv_vm_hook_add(vm, &h), HV_EBUSY);
    return HV_HOOK_CONTINUE;
}

static void writer(enum hv_engine engine)
{
    boot(HV_BACKEND_FULL, engine);
    add_hook(HV_HOOK_MEM_READ, DATA, DATA + 7, (void *)load_hook);
    struct hv_exit ex;
    int rc = hv_vcpu_run(cpu, 200, &ex);
    if (engine == HV_ENGINE_LOCKSTEP) {
        /* Documented: the twin does not run hooks, so the check sees a difference. */
        cr_assert(rc < 0 || ex.reason == HV_EXIT_INTERNAL, "rc %d reason %d", rc, ex.reason);
        hv_vm_destroy(vm);
        return;
    }
    cr_assert_eq(rc, 0);
    /* The unmapped load at 0x2c faults (no invalid-access hook here, no trap handler). */
    cr_assert_eq(ex.reason, HV_EXIT_FAULT, "reason %d: %s", ex.reason, hv_vm_last_error(vm));
    cr_assert_eq(reg(HV_REG_X(A2)), 10 + 20 * 100);
    hv_vm_destroy(vm);
}

Test(instrument, hook_writes_registers_interp) { writer(HV_ENGINE_INTERP); }
Test(instrument, hook_writes_registers_jit) { writer(HV_ENGINE_JIT); }
Test(instrument, hook_writes_registers_lockstep) { writer(HV_ENGINE_LOCKSTEP); }

/* ---- refusals ----------------------------------------------------------------------------- */

Test(instrument, coverage_sizes)
{
    boot(HV_BACKEND_FULL, HV_ENGINE_JIT);
    static uint8_t map[1 << 12];
    cr_assert_eq(hv_vm_set_coverage(vm, map, 1000), HV_EINVAL);
    cr_assert_eq(hv_vm_set_coverage(vm, map, 32), HV_EINVAL);
    cr_assert_eq(hv_vm_set_coverage(vm, map, 3 << 10), HV_EINVAL);
    cr_assert_eq(hv_vm_set_coverage(vm, map, 64), 0);
    cr_assert_eq(hv_vm_set_coverage(vm, map, sizeof map), 0);
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(cpu, 300, &ex), 0);
    unsigned hits = 0;
    for (size_t i = 0; i < sizeof map; i++)
        hits += map[i];
    cr_assert_gt(hits, 20);
    cr_assert_eq(hv_vm_set_coverage(vm, NULL, 0), 0);
    struct hv_hook h = { .type = 99, .end = 1, .fn.block = on_block };
    cr_assert_eq(hv_vm_hook_add(vm, &h), HV_EINVAL);
    h.type = HV_HOOK_BLOCK;
    h.begin = 2;
    cr_assert_eq(hv_vm_hook_add(vm, &h), HV_EINVAL);
    h.begin = 0;
    h.fn.block = NULL;
    cr_assert_eq(hv_vm_hook_add(vm, &h), HV_EINVAL);
    h.fn.block = on_block;
    h.flags = HV_HOOK_PHYS;
    cr_assert_eq(hv_vm_hook_add(vm, &h), HV_EINVAL);
    hv_vm_destroy(vm);
}

/* ---- watchpoints ---------------------------------------------------------------------- */

static void watch(enum hv_backend backend, enum hv_engine engine)
{
    boot(backend, engine);
    cr_assert_eq(hv_vm_set_watchpoint(vm, DATA + 4, 2, HV_WATCH_WRITE), 0);
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(cpu, 0, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_WATCHPOINT, "reason %d", ex.reason);
    cr_assert_eq(ex.pc, RAM + 0x10);
    cr_assert_eq(ex.u.watch.addr, DATA + 4, "the first watched byte");
    cr_assert_eq(ex.u.watch.size, 8);
    cr_assert(ex.u.watch.is_write);
    cr_assert_eq(hv_vm_clear_watchpoint(vm, DATA + 4, 2, HV_WATCH_WRITE), 0);
    cr_assert_eq(hv_vm_clear_watchpoint(vm, DATA + 4, 2, HV_WATCH_WRITE), HV_ENOENT);
    cr_assert_eq(hv_vm_set_watchpoint(vm, DATA, 8, HV_WATCH_READ), 0);
    cr_assert_eq(hv_vcpu_run(cpu, 0, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_WATCHPOINT);
    cr_assert_eq(ex.pc, RAM + 0x14);
    cr_assert(!ex.u.watch.is_write);
    cr_assert_eq(reg(HV_REG_X(A0)), 0, "the load completed");
    hv_vm_destroy(vm);
}

Test(instrument, watch_interp) { watch(HV_BACKEND_FULL, HV_ENGINE_INTERP); }
Test(instrument, watch_jit) { watch(HV_BACKEND_FULL, HV_ENGINE_JIT); }
Test(instrument, watch_para_jit) { watch(HV_BACKEND_PARA, HV_ENGINE_JIT); }
Test(instrument, watch_lockstep) { watch(HV_BACKEND_FULL, HV_ENGINE_LOCKSTEP); }

/* An invalid access resolved by the hook (not under lockstep: documented). */
static void resolved(enum hv_backend backend, enum hv_engine engine)
{
    boot(backend, engine);
    struct hv_hook h = { .type = HV_HOOK_MEM_INVALID, .end = UINT64_MAX,
                         .fn.invalid = on_invalid, .opaque = &h };
    cr_assert_geq(hv_vm_hook_add(vm, &h), 0);
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(cpu, 200, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET, "reason %d", ex.reason);
    cr_assert_eq(ex.pc, RAM + 0x30);
    cr_assert_eq(reg(HV_REG_X(A0)), 0x1234, "the load reads what the hook resolved");
    cr_assert_str_eq(events, "X3:10008/8 ");
    hv_vm_destroy(vm);
}

Test(instrument, resolved_interp) { resolved(HV_BACKEND_FULL, HV_ENGINE_INTERP); }
Test(instrument, resolved_jit) { resolved(HV_BACKEND_FULL, HV_ENGINE_JIT); }
Test(instrument, resolved_para_jit) { resolved(HV_BACKEND_PARA, HV_ENGINE_JIT); }
Test(instrument, resolved_para_interp) { resolved(HV_BACKEND_PARA, HV_ENGINE_INTERP); }

/* ---- coverage alone: the translator keeps superblocks and self-loops ------------------- */

static void cov_run(const char *elf, enum hv_backend backend, enum hv_engine engine,
                    uint8_t *map, size_t size, uint64_t budget, uint64_t *pc)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = backend;
    cfg.engine = engine;
    cfg.mem_size = 64 << 20;
    cfg.bios = "none";
    cfg.kernel = elf;
    cfg.serial.type = HV_CHARDEV_NULL;
    cfg.deterministic = 1;
    hv_vm *v;
    hv_vcpu *c;
    char err[512];
    cr_assert_eq(hv_vm_create(&cfg, &v, err, sizeof err), 0, "%s", err);
    cr_assert_eq(hv_vcpu_create(v, 0, &c), 0);
    memset(map, 0, size);
    cr_assert_eq(hv_vm_set_coverage(v, map, size), 0);
    struct hv_exit ex;
    /* slices: budgets do not change the map */
    for (uint64_t done = 0; done < budget; done += budget / 8) {
        cr_assert_eq(hv_vcpu_run(c, budget / 8, &ex), 0);
        if (ex.reason != HV_EXIT_BUDGET)
            break;
    }
    *pc = ex.pc;
    hv_vm_destroy(v);
}

static void cov_engines(const char *name, enum hv_backend backend)
{
    char elf[512];
    snprintf(elf, sizeof elf, "%s/bench/%s-%s.elf", HV_BUILD_DIR, name,
             backend == HV_BACKEND_FULL ? "full" : "para");
    FILE *f = fopen(elf, "rb");
    if (!f)
        cr_skip_test("%s not built", elf);
    fclose(f);
    static uint8_t m[3][1 << 16];
    uint64_t pc[3];
    enum hv_engine engines[3] = { HV_ENGINE_INTERP, HV_ENGINE_JIT, HV_ENGINE_LOCKSTEP };
    int n = backend == HV_BACKEND_FULL ? 3 : 2;
    for (int i = 0; i < n; i++)
        cov_run(elf, backend, engines[i], m[i], sizeof m[i], 4000000, &pc[i]);
    unsigned edges = 0, hits = 0;
    for (size_t k = 0; k < sizeof m[0]; k++) {
        edges += m[0][k] != 0;
        hits += m[0][k];
    }
    cr_assert_gt(edges, 20, "%s: only %u edges", name, edges);
    for (int i = 1; i < n; i++) {
        cr_assert_eq(pc[i], pc[0]);
        size_t k = 0;
        while (k < sizeof m[0] && m[i][k] == m[0][k])
            k++;
        cr_assert_eq(k, sizeof m[0], "%s engine %d: map differs at %zu (%u vs %u)", name, i, k,
                     m[i][k], m[0][k]);
    }
}

Test(instrument, coverage_only_sort_full) { cov_engines("sort", HV_BACKEND_FULL); }
Test(instrument, coverage_only_bytecode_full) { cov_engines("bytecode", HV_BACKEND_FULL); }
Test(instrument, coverage_only_intmix_para) { cov_engines("intmix", HV_BACKEND_PARA); }
Test(instrument, coverage_only_crc_para) { cov_engines("crc", HV_BACKEND_PARA); }

/* ---- hv/fuzz.h: a crashing input corrupts guest state; the rollback restores it exactly -- */

static void fuzz_restores(enum hv_backend backend, enum hv_engine engine)
{
    char elf[512];
    snprintf(elf, sizeof elf, "%s/guest/examples/fuzzme-%s.elf", HV_BUILD_DIR,
             backend == HV_BACKEND_FULL ? "full" : "para");
    FILE *f = fopen(elf, "rb");
    if (!f)
        cr_skip_test("%s not built", elf);
    fclose(f);
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = backend;
    cfg.engine = engine;
    cfg.mem_size = 16 << 20;
    cfg.bios = "none";
    cfg.kernel = elf;
    cfg.serial.type = HV_CHARDEV_NULL;
    cfg.deterministic = 1;
    char err[512];
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), 0, "%s", err);
    static uint8_t map[2][1 << 16];
    struct hv_fuzz_config fc;
    hv_fuzz_config_init(&fc);
    fc.start = "fuzz_start";
    fc.end = "fuzz_end";
    fc.input = "fuzz_input";
    fc.input_len = "fuzz_input_len";
    fc.cov = map[0];
    fc.cov_size = sizeof map[0];
    hv_fuzz *fz;
    cr_assert_eq(hv_fuzz_create(vm, &fc, &fz), 0, "%s", hv_vm_last_error(vm));
    static const uint8_t clean[] = "HVC\x03" "abc", crash[] = "HVC\x20"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    struct hv_fuzz_result r[2];
    uint64_t hash[2];
    for (int k = 0; k < 2; k++) {
        struct hv_fuzz_result c;
        cr_assert_eq(hv_fuzz_one(fz, crash, sizeof crash - 1, &c), 0);
        cr_assert_eq(c.status, HV_FUZZ_CRASH);
        memset(map[0], 0, sizeof map[0]);
        cr_assert_eq(hv_fuzz_one(fz, clean, sizeof clean - 1, &r[k]), 0);
        cr_assert_eq(r[k].status, HV_FUZZ_OK);
        cr_assert_eq(hv_vm_state_hash(vm, &hash[k]), 0);
        if (k == 0)
            memcpy(map[1], map[0], sizeof map[0]);
    }
    cr_assert_eq(r[0].instructions, r[1].instructions);
    cr_assert_eq(r[0].exit.pc, r[1].exit.pc);
    cr_assert_eq(hash[0], hash[1], "the state after the clean input depends on the crash before");
    cr_assert(memcmp(map[0], map[1], sizeof map[0]) == 0, "same input, same edges");
    hv_fuzz_destroy(fz);
    hv_vm_destroy(vm);
}

Test(instrument, fuzz_rollback_full_jit) { fuzz_restores(HV_BACKEND_FULL, HV_ENGINE_JIT); }
Test(instrument, fuzz_rollback_full_interp) { fuzz_restores(HV_BACKEND_FULL, HV_ENGINE_INTERP); }
Test(instrument, fuzz_rollback_para_jit) { fuzz_restores(HV_BACKEND_PARA, HV_ENGINE_JIT); }
