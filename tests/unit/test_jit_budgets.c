/* SPDX-License-Identifier: MIT */
/* Differential test of the translator in its normal, chained mode (the lockstep tests run
 * it block by block, with chaining and self-loops off): the same deterministic program on
 * the translator and on the interpreter, stopped by instruction budgets of pseudo-random
 * sizes, must agree on every register, pc and instret at every stop. Stops land inside
 * chained blocks, superblock side exits, self-loops and loop tails, so this checks that
 * budgets are exact and that state is written back correctly on every exit path. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "hv/hv.h"

#define BENCH(name) HV_BUILD_DIR "/bench/" name "-full.elf"

static hv_vm *make(const char *elf, enum hv_engine engine, hv_vcpu **vcpu)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.mem_size = 64ull << 20;
    cfg.bios = "none";
    cfg.kernel = elf;
    cfg.serial.type = HV_CHARDEV_NULL;
    cfg.deterministic = 1;
    cfg.engine = engine;
    hv_vm *vm;
    char err[256];
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), 0, "%s", err);
    cr_assert_eq(hv_vcpu_create(vm, 0, vcpu), 0);
    return vm;
}

static void compare(hv_vcpu *a, hv_vcpu *b, const char *elf, uint64_t stop)
{
    struct hv_regs ra, rb;
    cr_assert_eq(hv_vcpu_get_regs(a, &ra), 0);
    cr_assert_eq(hv_vcpu_get_regs(b, &rb), 0);
    cr_assert_eq(ra.pc, rb.pc, "%s: stop %llu: pc %#llx (jit) vs %#llx", elf,
                 (unsigned long long)stop, (unsigned long long)ra.pc,
                 (unsigned long long)rb.pc);
    for (unsigned i = 1; i < 32; i++)
        cr_assert_eq(ra.x[i], rb.x[i], "%s: stop %llu pc %#llx: x%u %#llx (jit) vs %#llx", elf,
                     (unsigned long long)stop, (unsigned long long)ra.pc, i,
                     (unsigned long long)ra.x[i], (unsigned long long)rb.x[i]);
    for (unsigned i = 0; i < 32; i++)
        cr_assert_eq(ra.f[i], rb.f[i], "%s: stop %llu: f%u", elf, (unsigned long long)stop, i);
    struct hv_stats sa, sb;
    hv_vcpu_get_stats(a, &sa);
    hv_vcpu_get_stats(b, &sb);
    cr_assert_eq(sa.instructions, sb.instructions, "%s: stop %llu: instret", elf,
                 (unsigned long long)stop);
}

static void run_pair(const char *elf, uint64_t seed, unsigned max_budget)
{
    if (access(elf, R_OK) != 0) {
        cr_log_warn("%s not built: skipped", elf);
        return;
    }
    hv_vcpu *a, *b;
    hv_vm *va = make(elf, HV_ENGINE_JIT, &a), *vb = make(elf, HV_ENGINE_INTERP, &b);
    uint64_t s = seed, stops = 0;
    for (;;) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t budget = 1 + (s >> 33) % max_budget;
        struct hv_exit ea, eb;
        cr_assert_eq(hv_vcpu_run(a, budget, &ea), 0, "%s", hv_vm_last_error(va));
        cr_assert_eq(hv_vcpu_run(b, budget, &eb), 0, "%s", hv_vm_last_error(vb));
        cr_assert_eq(ea.reason, eb.reason, "%s: exit %d (jit) vs %d", elf, ea.reason,
                     eb.reason);
        stops++;
        compare(a, b, elf, stops);
        if (ea.reason != HV_EXIT_BUDGET)
            break;
    }
    cr_assert_eq(memcmp(hv_vm_mem_ptr(va, 0x80000000ull, 64ull << 20),
                        hv_vm_mem_ptr(vb, 0x80000000ull, 64ull << 20), 64ull << 20), 0,
                 "%s: RAM differs at the end", elf);
    cr_log_info("%s: %llu budget stops agree", elf, (unsigned long long)stops);
    hv_vm_destroy(va);
    hv_vm_destroy(vb);
}

Test(jit_budgets, bench_programs_agree_at_random_stops, .timeout = 240)
{
    static const char *const w[] = { BENCH("sort"), BENCH("crc"), BENCH("bytecode"),
                                     BENCH("intmix"), BENCH("matmul"), BENCH("ptrchase"),
                                     BENCH("paging"), BENCH("timer-irq") };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        run_pair(w[i], 0x1234 + i, 20000);
}

/* The real-program kernels: calls and returns through ra, jump tables, callbacks, 8/16-bit
 * values; the stops land inside call chains and switch dispatch. */
Test(jit_budgets, real_program_kernels_agree_at_random_stops, .timeout = 240)
{
    static const char *const w[] = { BENCH("stackvm"), BENCH("linklist"), BENCH("lexer"),
                                     BENCH("crc16"), BENCH("mac16"), BENCH("bintree"),
                                     BENCH("qsortcb"), BENCH("strops"), BENCH("smallfn") };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        run_pair(w[i], 0x5678 + i, 20000);
}

Test(jit_budgets, small_budgets_stop_inside_loops, .timeout = 240)
{
    /* Budgets of 1..40 instructions: most stops fall inside a loop iteration. */
    run_pair(BENCH("sort"), 99, 40);
}

/* tests/guest/isa/jit_loops.S: the loop shapes kept inside one block (loop heads inside
 * superblocks, diamonds joined forward, tails ending in a conditional back-edge or jumping
 * forward into the block, a helper call inside a loop, overlapping loops); the stops land
 * on back-edges, joins and tails. */
Test(jit_budgets, loop_shapes_agree_at_random_stops, .timeout = 240)
{
    for (uint64_t seed = 7; seed < 17; seed++)
        run_pair(HV_BUILD_DIR "/tests/guest/isa_jit_loops.elf", seed, 40);
    run_pair(HV_BUILD_DIR "/tests/guest/isa_jit_loops.elf", 17, 3000);
}
