/* SPDX-License-Identifier: MIT */
/* libhv cpu/jit — C helpers called from generated code: memory slow paths (soft-TLB miss,
 * MMIO, misaligned, code pages) with cpu.c's semantics, and the generic path that runs one
 * instruction with the interpreter's semantics. Generated code has already written back
 * guest registers and made pc/instret exact, so a trap raised here is precise. A helper
 * that caused a flush of translated code returns HV_JIT_STALE (after retiring its
 * instruction) so the running block leaves before executing anything stale. */
#include "cpu/jit/jit.h"

static bool stale(struct hv_cpu *cpu)
{
    return ((struct hv__jit *)cpu->jit)->flush_pending;
}

struct hv__jit_r2 hv__jit_h_load(struct hv_cpu *cpu, uint64_t va, unsigned kind)
{
    struct hv__jit_r2 r = { 0, 0 };
    unsigned size = kind & 0xf;
    uint64_t v = 0;
    int s = hv__cpu_load_slow(cpu, va, size, &v);
    hv__jit_update_limit(cpu);
    if (s != HV_STEP_OK) {
        r.status = (uint64_t)s;
        return r;
    }
    if (kind & 0x10) {
        unsigned sh = 64 - 8 * size;
        v = (uint64_t)((int64_t)(v << sh) >> sh);
    }
    r.val = v;
    if (cpu->hk.stop) {
        /* A memory hook asked to stop: the load completes here (generated code leaves
         * without looking at the value), the run ends after it. */
        unsigned rd = (kind >> 16) & 31;
        if (kind & HV_JIT_LOAD_FP)
            cpu->f[rd] = size == 4 ? v | 0xffffffff00000000ull : v;
        else if (rd)
            cpu->x[rd] = v;
        cpu->pc += (kind >> 8) & 0xff;
        cpu->instret++;
        cpu->hk.fall = cpu->pc;
        r.status = HV_JIT_STALE;
    }
    return r;
}

int hv__jit_h_store(struct hv_cpu *cpu, uint64_t va, uint64_t val, unsigned kind)
{
    int s = hv__cpu_store_slow(cpu, va, kind & 0xf, val);
    hv__jit_update_limit(cpu);
    if (s == HV_STEP_OK && (stale(cpu) || cpu->hk.stop)) {
        cpu->pc += kind >> 8;
        cpu->instret++;
        return HV_JIT_STALE;
    }
    return s;
}

int hv__jit_h_exec(struct hv_cpu *cpu, const struct hv_insn *in)
{
    int s = hv__interp_exec(cpu, in);
    hv__jit_update_limit(cpu);
    if (s == HV_STEP_OK && stale(cpu))
        return HV_JIT_STALE;
    return s;
}

int hv__jit_h_fpcheck(struct hv_cpu *cpu, unsigned writes)
{
    int s = cpu->policy->fp_check(cpu, writes != 0);
    hv__jit_update_limit(cpu);
    if (s == HV_STEP_OK)
        ((struct hv__jit *)cpu->jit)->fp_gate |= writes ? 3u : 1u;
    return s;
}

int hv__jit_h_block(struct hv_cpu *cpu)
{
    uint64_t pc = cpu->pc;
    cpu->hk.ops->block(cpu, pc);
    hv__jit_update_limit(cpu);
    return cpu->hk.stop || cpu->pc != pc ? HV_JIT_STALE : HV_STEP_OK;
}

int hv__jit_h_insn(struct hv_cpu *cpu, const struct hv_insn *in)
{
    uint64_t pc = cpu->pc;
    cpu->hk.ops->insn(cpu, pc, in->raw, in->len);
    hv__jit_update_limit(cpu);
    return cpu->hk.stop || cpu->pc != pc ? HV_JIT_STALE : HV_STEP_OK;
}
