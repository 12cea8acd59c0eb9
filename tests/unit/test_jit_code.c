/* SPDX-License-Identifier: MIT */
/* Unit tests for what the translator keeps of translated code (cpu/jit/jit.c): a FENCE.I
 * with the translated bytes unchanged keeps the code (no flush, no re-translation), one
 * after a write the translator could not observe (guest RAM written through the host
 * pointer, as DMA or another hart would) runs the new instruction; both engines agree. */
#include <criterion/criterion.h>
#include <string.h>
#include "hv/hv.h"

#define RAM 0x80000000ull

struct machine {
    hv_vm *vm;
    hv_vcpu *cpu;
};

static void boot(struct machine *m, enum hv_engine engine, uint64_t pc, const void *code,
                 size_t len, uint64_t at)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.mem_size = 1 << 20;
    cfg.bios = "none";
    cfg.serial.type = HV_CHARDEV_NULL;
    cfg.engine = engine;
    char err[256];
    cr_assert_eq(hv_vm_create(&cfg, &m->vm, err, sizeof err), 0, "%s", err);
    cr_assert_eq(hv_vm_mem_write(m->vm, at, code, len), 0);
    cr_assert_eq(hv_vcpu_create(m->vm, 0, &m->cpu), 0);
    cr_assert_eq(hv_vcpu_set_reg(m->cpu, HV_REG_PC, pc), 0);
}

static void run(struct machine *m, uint64_t budget)
{
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(m->cpu, budget, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
}

static uint64_t reg(struct machine *m, unsigned r)
{
    uint64_t v = 0;
    cr_assert_eq(hv_vcpu_get_reg(m->cpu, r, &v), 0);
    return v;
}

/* loop: fence.i; addi a0,a0,1; addi a1,a1,-1; bnez a1,loop; j . */
static const uint32_t fence_loop[] = { 0x0000100f, 0x00150513, 0xfff58593, 0xfe059ae3,
                                       0x0000006f };
#define ADDI_A0_100 0x06450513u

Test(jit_code, fence_i_keeps_unchanged_code)
{
    struct machine m;
    boot(&m, HV_ENGINE_JIT, RAM, fence_loop, sizeof fence_loop, RAM);
    cr_assert_eq(hv_vcpu_set_reg(m.cpu, HV_REG_X(11), 1000), 0);
    run(&m, 4 * 1000 + 10);
    cr_assert_eq(reg(&m, HV_REG_X(10)), 1000);
    struct hv_stats st;
    cr_assert_eq(hv_vcpu_get_stats(m.cpu, &st), 0);
    /* 1000 FENCE.I: the loop is translated once (the code cache is never dropped for
     * them; before, each one flushed and the loop was translated 1000 times). */
    cr_assert_lt(st.blocks_translated, 10, "%llu blocks",
                 (unsigned long long)st.blocks_translated);
    cr_assert_leq(st.code_flushes, 1, "%llu flushes", (unsigned long long)st.code_flushes);
    hv_vm_destroy(m.vm);
}

static uint64_t patched_run(enum hv_engine engine, uint64_t *flushes)
{
    struct machine m;
    boot(&m, engine, RAM, fence_loop, sizeof fence_loop, RAM);
    cr_assert_eq(hv_vcpu_set_reg(m.cpu, HV_REG_X(11), 10), 0);
    run(&m, 4 * 3);                     /* three iterations, stopped before the fence.i */
    cr_assert_eq(reg(&m, HV_REG_PC), RAM);
    /* Unobserved: straight into guest RAM, no hv_vm_mem_write notification. */
    uint32_t *p = hv_vm_mem_ptr(m.vm, RAM + 4, 4);
    cr_assert_not_null(p);
    *p = ADDI_A0_100;
    run(&m, 4 * 7 + 1);                 /* the other seven, then the j . */
    uint64_t a0 = reg(&m, HV_REG_X(10));
    struct hv_stats st;
    cr_assert_eq(hv_vcpu_get_stats(m.cpu, &st), 0);
    *flushes = st.code_flushes;
    hv_vm_destroy(m.vm);
    return a0;
}

Test(jit_code, fence_i_sees_unobserved_writes)
{
    uint64_t fj = 0, fi = 0;
    cr_assert_eq(patched_run(HV_ENGINE_JIT, &fj), 3 + 7 * 100);
    cr_assert_eq(patched_run(HV_ENGINE_INTERP, &fi), 3 + 7 * 100);
    cr_assert_geq(fj, 1, "the changed bytes must drop the translation");
}
