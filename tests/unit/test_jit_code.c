/* SPDX-License-Identifier: MIT */
/* Unit tests for what the translator keeps of translated code (cpu/jit/jit.c): a FENCE.I
 * with the translated bytes unchanged keeps the code (no flush, no re-translation), one
 * after a write the translator could not observe (guest RAM written through the host
 * pointer, as DMA or another hart would) runs the new instruction; both engines agree.
 * And an instruction straddling a page end is translated (its own block), not
 * single-stepped by the interpreter on every execution. */
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

/* outer: fence.i; li t0,100; inner: addi a0,a0,1; addi t0,t0,-1; bnez t0,inner;
 * addi a1,a1,-1; bnez a1,outer; j . — a FENCE.I every ~300 instructions. */
static const uint32_t fence_outer[] = { 0x0000100f, 0x06400293, 0x00150513, 0xfff28293,
                                        0xfe029ce3, 0xfff58593, 0xfe0594e3, 0x0000006f };

static void fence_counts(const uint32_t *code, size_t len, uint64_t a1, uint64_t budget,
                         uint64_t a0, struct hv_stats *st)
{
    struct machine m;
    boot(&m, HV_ENGINE_JIT, RAM, code, len, RAM);
    cr_assert_eq(hv_vcpu_set_reg(m.cpu, HV_REG_X(11), a1), 0);
    run(&m, budget);
    cr_assert_eq(reg(&m, HV_REG_X(10)), a0);
    cr_assert_eq(hv_vcpu_get_stats(m.cpu, st), 0);
    hv_vm_destroy(m.vm);
}

Test(jit_code, fence_i_keeps_unchanged_code)
{
    /* 1000 FENCE.I ~300 instructions apart: the code is translated once (before, each
     * FENCE.I flushed and everything was translated again). */
    struct hv_stats st;
    fence_counts(fence_outer, sizeof fence_outer, 1000, 1000 * 304 + 10, 100 * 1000, &st);
    cr_assert_lt(st.blocks_translated, 10, "%llu blocks",
                 (unsigned long long)st.blocks_translated);
    /* The run's first flush, and the first FENCE.I: it comes before any credit. */
    cr_assert_leq(st.code_flushes, 2, "%llu flushes", (unsigned long long)st.code_flushes);
}

Test(jit_code, fence_i_in_a_tight_loop_stays_correct)
{
    /* A FENCE.I every 4 instructions is more than the compare credit covers: the
     * translator may flush instead, with the same result. */
    struct hv_stats st;
    fence_counts(fence_loop, sizeof fence_loop, 1000, 4 * 1000 + 10, 1000, &st);
    cr_assert_eq(st.instructions, 4 * 1000 + 10);
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

/* At RAM + 0xff8: addi a1,a1,-1; c.addi a0,1; addi a0,a0,16 (bytes 0xffe..0x1001, across
 * the page end); bnez a1,-10; j . — entered by a jump from RAM. */
static const uint8_t straddle[] = {
    0x93, 0x85, 0xf5, 0xff,             /* 0xff8 addi a1,a1,-1 */
    0x05, 0x05,                         /* 0xffc c.addi a0,1 */
    0x13, 0x05, 0x05, 0x01,             /* 0xffe addi a0,a0,16 */
    0xe3, 0x9b, 0x05, 0xfe,             /* 0x1002 bnez a1,0xff8 */
    0x6f, 0x00, 0x00, 0x00,             /* 0x1006 j . */
};
static const uint32_t jump_ff8 = 0x7f90006f;    /* j 0xff8 (from RAM) */

static void straddle_run(enum hv_engine engine, uint64_t *a0, uint64_t *steps)
{
    struct machine m;
    boot(&m, engine, RAM, straddle, sizeof straddle, RAM + 0xff8);
    cr_assert_eq(hv_vm_mem_write(m.vm, RAM, &jump_ff8, 4), 0);
    cr_assert_eq(hv_vcpu_set_reg(m.cpu, HV_REG_X(11), 1000), 0);
    run(&m, 1 + 4 * 1000 + 5);
    cr_assert_eq(reg(&m, HV_REG_PC), RAM + 0x1006);
    *a0 = reg(&m, HV_REG_X(10));
    struct hv_stats st;
    cr_assert_eq(hv_vcpu_get_stats(m.cpu, &st), 0);
    *steps = st.interp_steps;
    hv_vm_destroy(m.vm);
}

Test(jit_code, page_straddling_instruction_is_translated)
{
    uint64_t a0j, a0i, steps, ignored;
    straddle_run(HV_ENGINE_JIT, &a0j, &steps);
    straddle_run(HV_ENGINE_INTERP, &a0i, &ignored);
    cr_assert_eq(a0i, 17 * 1000);
    cr_assert_eq(a0j, a0i);
    cr_assert_eq(steps, 0, "%llu instructions single-stepped", (unsigned long long)steps);
}
