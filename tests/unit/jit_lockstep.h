/* SPDX-License-Identifier: MIT */
/* Test-only helper of test_jit.c: the CPU-level lockstep check. One hart state runs on the
 * translator one block at a time (chaining off, polling at block boundaries like the
 * interpreter), a second copy of the same machine on the reference interpreter for exactly
 * as many instructions; registers, pc, fcsr, privilege and instret are compared after every
 * block (hv__lockstep_diff, core/lockstep.c), memory through mem_equal every mem_every
 * blocks and at the end. Stops at max_insns or when both stop (HV_STEP_EXIT). Returns 0, or
 * HV_EINTERNAL with the first difference in err. Meant for pure-CPU programs. (The VM-level
 * lockstep engine is core/lockstep.c.) */
#ifndef HV_TEST_JIT_LOCKSTEP_H
#define HV_TEST_JIT_LOCKSTEP_H

#include <inttypes.h>
#include "core/vm.h"
#include "cpu/jit/jit.h"

static int jit_step_block(struct hv_cpu *cpu, uint64_t *n)
{
    *n = 0;
    if (cpu->exit_request || cpu->instret >= cpu->poll_at) {
        int p = cpu->policy->poll(cpu);
        if (p != HV_STEP_OK)
            return p;
    }
    return hv__jit_exec_block(cpu, UINT64_MAX, n);
}

static int hv__jit_lockstep(struct hv_cpu *jc, struct hv_cpu *ic, uint64_t max_insns,
                     uint64_t mem_every, bool (*mem_equal)(void *opaque), void *opaque,
                     uint64_t *blocks, char *err, size_t errlen)
{
    struct hv__jit_opts o = { .no_chain = true };
    int rc = hv__jit_init(jc, &o, err, errlen);
    if (rc < 0)
        return rc;
    uint64_t nblk = 0;
    for (;;) {
        if (jc->instret >= max_insns)
            break;
        uint64_t n = 0;
        int rj = jit_step_block(jc, &n);
        int ri = HV_STEP_OK;
        if (n)
            ri = hv__interp_run(ic, ic->instret + n);
        if (ri == HV_STEP_OK && (rj == HV_STEP_TRAP || rj == HV_STEP_EXIT)) {
            /* The translator stopped at an instruction that trapped or exited: the
             * interpreter executes the same instruction. */
            ri = hv__interp_step(ic);
            if (ri == HV_STEP_TRAP)
                ri = ic->policy->take_trap(ic);
        }
        nblk++;
        if ((rc = hv__lockstep_diff(jc, ic, err, errlen)) < 0)
            break;
        if (mem_equal && (rj == HV_STEP_EXIT || (mem_every && nblk % mem_every == 0)) &&
            !mem_equal(opaque)) {
            rc = hv__errf(err, errlen, HV_EINTERNAL, "memory differs after block %" PRIu64
                          " (pc %#" PRIx64 ", instret %" PRIu64 ")", nblk, jc->pc,
                          jc->instret);
            break;
        }
        if (rj == HV_STEP_EXIT || ri == HV_STEP_EXIT) {
            if (rj != ri)
                rc = hv__errf(err, errlen, HV_EINTERNAL, "only the %s stopped at pc %#" PRIx64,
                              rj == HV_STEP_EXIT ? "translator" : "interpreter", jc->pc);
            break;
        }
    }
    if (blocks)
        *blocks = nblk;
    return rc;
}

#endif
