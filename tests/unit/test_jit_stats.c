/* SPDX-License-Identifier: MIT */
/* Unit tests for the translator's cost counters: guest instructions translated and the time
 * spent translating, per vCPU, in the internal struct hv__jit_stats and the public
 * struct hv_stats (both must agree); zero on the interpreter; re-translation after a
 * flush counts again. */
#include <criterion/criterion.h>
#include <string.h>
#include "hv/hv.h"
#include "core/vm.h"
#include "cpu/jit/jit.h"

#define RAM 0x80000000ull

/* a0 += 1; a1 -= 1; bnez a1, loop; j . */
static const uint32_t prog[] = { 0x00150513, 0xfff58593, 0xfe059ce3, 0x0000006f };
#define LOOP_INSNS 3u

struct machine {
    hv_vm *vm;
    hv_vcpu *cpu;
};

static void boot(struct machine *m, enum hv_engine engine)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.mem_size = 1 << 20;
    cfg.bios = "none";
    cfg.serial.type = HV_CHARDEV_NULL;
    cfg.engine = engine;
    char err[256];
    cr_assert_eq(hv_vm_create(&cfg, &m->vm, err, sizeof err), 0, "%s", err);
    cr_assert_eq(hv_vm_mem_write(m->vm, RAM, prog, sizeof prog), 0);
    cr_assert_eq(hv_vcpu_create(m->vm, 0, &m->cpu), 0);
    cr_assert_eq(hv_vcpu_set_reg(m->cpu, HV_REG_PC, RAM), 0);
    cr_assert_eq(hv_vcpu_set_reg(m->cpu, HV_REG_X(11), 1000), 0);
}

static void run(struct machine *m, uint64_t budget)
{
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(m->cpu, budget, &ex), 0, "%s", hv_vm_last_error(m->vm));
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
}

Test(jit_stats, counts_translation)
{
    if (!hv__jit_available()) {
        cr_log_warn("no translator on this host: skipped");
        return;
    }
    struct machine m;
    boot(&m, HV_ENGINE_JIT);
    run(&m, 3005);
    struct hv_stats st;
    cr_assert_eq(hv_vcpu_get_stats(m.cpu, &st), 0);
    cr_assert_geq(st.blocks_translated, 1);
    /* Every block holds at least one instruction, and the loop body was translated. */
    cr_assert_geq(st.insns_translated, st.blocks_translated);
    cr_assert_geq(st.insns_translated, LOOP_INSNS);
    /* A loop run 1000 times is translated once, not per iteration. */
    cr_assert_lt(st.insns_translated, 100);
    cr_assert_gt(st.translate_ns, 0);
    /* Sanity bound: a few blocks do not take a second to translate. */
    cr_assert_lt(st.translate_ns, 1000000000ull);

    struct hv__jit_stats js;
    hv__jit_get_stats(&m.cpu->cpu, &js);
    cr_assert_eq(js.blocks, st.blocks_translated);
    cr_assert_eq(js.insns_translated, st.insns_translated);
    cr_assert_eq(js.translate_ns, st.translate_ns);
    hv_vm_destroy(m.vm);
}

Test(jit_stats, retranslation_after_flush_counts_again)
{
    if (!hv__jit_available()) {
        cr_log_warn("no translator on this host: skipped");
        return;
    }
    struct machine m;
    boot(&m, HV_ENGINE_JIT);
    run(&m, 300);
    struct hv_stats a, b;
    cr_assert_eq(hv_vcpu_get_stats(m.cpu, &a), 0);
    struct hv__jit_stats ja, jb;
    hv__jit_get_stats(&m.cpu->cpu, &ja);

    /* Rewrite the same code: the write drops every translation (a whole-cache flush). */
    cr_assert_eq(hv_vcpu_mem_write(m.cpu, RAM, prog, sizeof prog), 0);
    run(&m, 300);
    cr_assert_eq(hv_vcpu_get_stats(m.cpu, &b), 0);
    hv__jit_get_stats(&m.cpu->cpu, &jb);
    cr_assert_gt(jb.flushes, ja.flushes);
    cr_assert_gt(jb.flush_ns, ja.flush_ns);
    cr_assert_gt(b.blocks_translated, a.blocks_translated);
    cr_assert_geq(b.insns_translated, a.insns_translated + LOOP_INSNS);
    cr_assert_gt(b.translate_ns, a.translate_ns);
    hv_vm_destroy(m.vm);
}

Test(jit_stats, zero_on_the_interpreter)
{
    struct machine m;
    boot(&m, HV_ENGINE_INTERP);
    run(&m, 3005);
    struct hv_stats st;
    cr_assert_eq(hv_vcpu_get_stats(m.cpu, &st), 0);
    cr_assert_eq(st.instructions, 3005);
    cr_assert_eq(st.blocks_translated, 0);
    cr_assert_eq(st.insns_translated, 0);
    cr_assert_eq(st.translate_ns, 0);
    hv_vm_destroy(m.vm);
}
