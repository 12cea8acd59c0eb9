/* libhv cpu/jit — lockstep checker: one hart state run by the translator one block at a time
 * (chaining off), a second copy of the same machine run by the reference interpreter for
 * exactly as many instructions; registers, pc, fcsr, privilege and instret are compared
 * after every block, memory through a callback every `mem_every` blocks. Meant for pure-CPU
 * programs (no asynchronous devices): both harts poll at the same block boundaries, so
 * deterministic timers fire at the same instruction on both. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "cpu/jit/jit.h"
#include "core/err.h"
#include "hv/error.h"

int hv__jit_lockstep_diff(const struct hv_cpu *a, const struct hv_cpu *b, char *err,
                          size_t errlen)
{
#define D(cond, ...) do { if (cond) return hv__errf(err, errlen, HV_EINTERNAL, __VA_ARGS__); } while (0)
    D(a->instret != b->instret, "instret %" PRIu64 " (jit) vs %" PRIu64, a->instret, b->instret);
    D(a->pc != b->pc, "pc %#" PRIx64 " (jit) vs %#" PRIx64 " at instret %" PRIu64, a->pc, b->pc,
      a->instret);
    for (unsigned i = 1; i < 32; i++)
        D(a->x[i] != b->x[i], "x%u %#" PRIx64 " (jit) vs %#" PRIx64 " at pc %#" PRIx64
          " instret %" PRIu64, i, a->x[i], b->x[i], a->pc, a->instret);
    for (unsigned i = 0; i < 32; i++)
        D(a->f[i] != b->f[i], "f%u %#" PRIx64 " (jit) vs %#" PRIx64 " at pc %#" PRIx64, i,
          a->f[i], b->f[i], a->pc);
    D(a->fflags != b->fflags || a->frm != b->frm, "fcsr %x/%x (jit) vs %x/%x at pc %#" PRIx64,
      a->fflags, a->frm, b->fflags, b->frm, a->pc);
    D(a->priv != b->priv, "priv %u (jit) vs %u at pc %#" PRIx64, a->priv, b->priv, a->pc);
#undef D
    return 0;
}

int hv__jit_lockstep(struct hv_cpu *jc, struct hv_cpu *ic, uint64_t max_insns,
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
        int rj = hv__jit_step_block(jc, &n);
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
        if ((rc = hv__jit_lockstep_diff(jc, ic, err, errlen)) < 0)
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
