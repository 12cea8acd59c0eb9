/* SPDX-License-Identifier: MIT */
/* libhv cpu — the interpreter's semantics for its larger instructions: AMOs and LR/SC
 * (reservation and code-page notification), the cache-block operations, and F/D/Zfh through
 * the exact software FPU. Called from the dispatch loop in interp.c. */
#include <string.h>
#include "cpu/fpu.h"
#include "cpu/interp_ops.h"

static uint64_t amo_compute(enum amo_kind k, uint64_t old, uint64_t src, unsigned size)
{
    int64_t so = size == 4 ? (int32_t)old : (int64_t)old;
    int64_t ss = size == 4 ? (int32_t)src : (int64_t)src;
    uint64_t uo = size == 4 ? (uint32_t)old : old, us = size == 4 ? (uint32_t)src : src;
    switch (k) {
    case AMO_SWAP: return src;
    case AMO_ADD: return old + src;
    case AMO_XOR: return old ^ src;
    case AMO_AND: return old & src;
    case AMO_OR: return old | src;
    case AMO_MIN: return so < ss ? old : src;
    case AMO_MAX: return so > ss ? old : src;
    case AMO_MINU: return uo < us ? old : src;
    default: return uo > us ? old : src;
    }
}

/* Read-modify-write on RAM, atomic with respect to other vCPU threads. */
static uint64_t amo_host(enum amo_kind k, void *p, uint64_t src, unsigned size)
{
    if (size == 4) {
        uint32_t *q = p, old = __atomic_load_n(q, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n(q, &old, (uint32_t)amo_compute(k, old, src, 4),
                                            false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
            ;
        return old;
    }
    uint64_t *q = p, old = __atomic_load_n(q, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(q, &old, amo_compute(k, old, src, 8), false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
        ;
    return old;
}

static void notify_code(struct hv_cpu *cpu, const struct hv_xlat *x, unsigned size)
{
    if (x->is_code)
        cpu->engine_hooks->code_write(cpu, (uintptr_t)x->host, size);
}

/* AMO: naturally aligned, write permission (faults are store/AMO faults). */
int hv__interp_amo(struct hv_cpu *cpu, enum amo_kind k, uint64_t va, uint64_t src,
                  unsigned size, uint64_t *old)
{
    struct hv_xlat x;
    if (va & (size - 1))
        return hv__cpu_raise(cpu, HV_EXC_STORE_MISALIGNED, va);
    int r = hv__cpu_translate(cpu, va, HV_ACC_WRITE, &x);
    if (r != HV_STEP_OK)
        return r;
    if (x.is_mmio) {
        uint64_t v = 0;
        r = cpu->policy->mmio(cpu, x.pa, size, &v, false);
        if (r != HV_STEP_OK)
            return r;
        uint64_t nv = amo_compute(k, v, src, size);
        r = cpu->policy->mmio(cpu, x.pa, size, &nv, true);
        *old = v;
        return r;
    }
    *old = amo_host(k, x.host, src, size);
    notify_code(cpu, &x, size);
    return HV_STEP_OK;
}

int hv__interp_lr(struct hv_cpu *cpu, uint64_t va, unsigned size, uint64_t *val)
{
    if (va & (size - 1))
        return hv__cpu_raise(cpu, HV_EXC_LOAD_MISALIGNED, va);
    int r = hv__cpu_load(cpu, va, size, val);
    if (r != HV_STEP_OK)
        return r;
    cpu->reservation = va;
    cpu->reservation_val = *val;
    return HV_STEP_OK;
}

/* SC succeeds only with a valid reservation for this address whose memory still holds the
 * value LR saw (compare-and-swap, so a store by another hart in between makes it fail). */
int hv__interp_sc(struct hv_cpu *cpu, uint64_t va, uint64_t src, unsigned size, uint64_t *rd)
{
    if (va & (size - 1))
        return hv__cpu_raise(cpu, HV_EXC_STORE_MISALIGNED, va);
    if (cpu->reservation != va) {
        cpu->reservation = HV_TLB_INVALID;
        *rd = 1;
        return HV_STEP_OK;
    }
    struct hv_xlat x;
    int r = hv__cpu_translate(cpu, va, HV_ACC_WRITE, &x);
    if (r != HV_STEP_OK)
        return r;
    bool ok = true;
    if (x.is_mmio) {
        uint64_t v = size == 4 ? (uint32_t)src : src;
        r = cpu->policy->mmio(cpu, x.pa, size, &v, true);
        if (r != HV_STEP_OK)
            return r;
    } else if (size == 4) {
        uint32_t expect = (uint32_t)cpu->reservation_val;
        ok = __atomic_compare_exchange_n((uint32_t *)x.host, &expect, (uint32_t)src, false,
                                         __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
    } else {
        uint64_t expect = cpu->reservation_val;
        ok = __atomic_compare_exchange_n((uint64_t *)x.host, &expect, src, false,
                                         __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
    }
    if (ok)
        notify_code(cpu, &x, size);
    cpu->reservation = HV_TLB_INVALID;
    *rd = ok ? 0 : 1;
    return HV_STEP_OK;
}

/* Cache-block operations. There are no caches to manage, so only the architectural effects
 * remain: cbo.zero writes zeros to the naturally aligned HV_CBO_BLOCK-byte block holding
 * va (faults are store faults, tval = va); clean/flush/inval need a load or a store to be
 * permitted at va, and fault as a store otherwise (a page fault when translation permits
 * neither, else an access fault). */
int hv__interp_cbo(struct hv_cpu *cpu, unsigned op, uint64_t va)
{
    struct hv_xlat x;
    if (op != HV_OP_CBO_ZERO) {
        int r = hv__cpu_translate(cpu, va, HV_ACC_READ, &x);
        if (r != HV_STEP_TRAP)
            return r;
        uint64_t rcause = cpu->trap_cause;
        r = hv__cpu_translate(cpu, va, HV_ACC_WRITE, &x);
        if (r != HV_STEP_TRAP)
            return r;
        bool page = rcause == HV_EXC_LOAD_PAGE || cpu->trap_cause == HV_EXC_STORE_PAGE;
        return hv__cpu_raise(cpu, page ? HV_EXC_STORE_PAGE : HV_EXC_STORE_ACCESS, va);
    }
    int r = hv__cpu_translate(cpu, va, HV_ACC_WRITE, &x);
    if (r != HV_STEP_OK)
        return r;
    uint64_t off = va & (HV_CBO_BLOCK - 1);
    if (x.is_mmio) {
        for (uint64_t k = 0; k < HV_CBO_BLOCK; k += 8) {
            uint64_t zero = 0;
            r = cpu->policy->mmio(cpu, x.pa - off + k, 8, &zero, true);
            if (r != HV_STEP_OK)
                return r;
        }
        return HV_STEP_OK;
    }
    x.host = (uint8_t *)x.host - off;
    memset(x.host, 0, HV_CBO_BLOCK);
    notify_code(cpu, &x, HV_CBO_BLOCK);
    return HV_STEP_OK;
}

/* FP gate: the policy checks mstatus.FS (Off -> illegal) and marks it Dirty on writes. */
int hv__interp_fp_enter(struct hv_cpu *cpu, bool writes)
{
    if (cpu->policy->fp_check) {
        int r = cpu->policy->fp_check(cpu, writes);
        if (r != HV_STEP_OK)
            return r;
    }
    return HV_STEP_OK;
}

/* rm 5/6, or dynamic with frm > 4, is an illegal instruction. */
static int fp_rm(struct hv_cpu *cpu, const struct hv_insn *in, unsigned *rm)
{
    unsigned m = in->rm == HV_RM_DYN ? cpu->frm : in->rm;
    if (m > HV_RM_RMM)
        return hv__cpu_raise(cpu, HV_EXC_ILLEGAL, in->raw);
    *rm = m;
    return HV_STEP_OK;
}

static bool fp_op_writes(unsigned op)
{
    switch (op) {
    case HV_OP_FSW: case HV_OP_FSD: case HV_OP_FMV_X_W: case HV_OP_FMV_X_D:
    case HV_OP_FCLASS_S: case HV_OP_FCLASS_D: case HV_OP_FSH: case HV_OP_FMV_X_H:
    case HV_OP_FCLASS_H:
        return false;
    default:
        return true;
    }
}

#define FS(r) hv__f32_unbox(cpu->f[r])
#define FD(r) (cpu->f[r])
#define FH(r) hv__f16_unbox(cpu->f[r])

/* Zfh computation (H results NaN-boxed, X results as fcvt/fmv define them). */
static int exec_fp_h(struct hv_cpu *cpu, const struct hv_insn *in, unsigned rm, uint32_t *ff)
{
    uint64_t *fd = &cpu->f[in->rd], *xd = &cpu->x[in->rd];
    uint64_t x1 = cpu->x[in->rs1];
    const uint16_t sign = 0x8000;
    uint16_t a = FH(in->rs1), b = FH(in->rs2);

    switch (in->op) {
    case HV_OP_FADD_H: *fd = hv__f16_box(hv__f16_add(a, b, rm, ff)); break;
    case HV_OP_FSUB_H: *fd = hv__f16_box(hv__f16_sub(a, b, rm, ff)); break;
    case HV_OP_FMUL_H: *fd = hv__f16_box(hv__f16_mul(a, b, rm, ff)); break;
    case HV_OP_FDIV_H: *fd = hv__f16_box(hv__f16_div(a, b, rm, ff)); break;
    case HV_OP_FSQRT_H: *fd = hv__f16_box(hv__f16_sqrt(a, rm, ff)); break;
    case HV_OP_FMADD_H: case HV_OP_FMSUB_H: case HV_OP_FNMSUB_H: case HV_OP_FNMADD_H: {
        bool np = in->op == HV_OP_FNMSUB_H || in->op == HV_OP_FNMADD_H;
        bool nc = in->op == HV_OP_FMSUB_H || in->op == HV_OP_FNMADD_H;
        *fd = hv__f16_box(hv__f16_fma(a, b, FH(in->rs3), np, nc, rm, ff));
        break;
    }
    case HV_OP_FSGNJ_H: *fd = hv__f16_box((uint16_t)((a & ~sign) | (b & sign))); break;
    case HV_OP_FSGNJN_H: *fd = hv__f16_box((uint16_t)((a & ~sign) | (~b & sign))); break;
    case HV_OP_FSGNJX_H: *fd = hv__f16_box((uint16_t)(a ^ (b & sign))); break;
    case HV_OP_FMIN_H: *fd = hv__f16_box(hv__f16_min(a, b, ff)); break;
    case HV_OP_FMAX_H: *fd = hv__f16_box(hv__f16_max(a, b, ff)); break;
    case HV_OP_FEQ_H: *xd = hv__f16_eq(a, b, ff); break;
    case HV_OP_FLT_H: *xd = hv__f16_lt(a, b, ff); break;
    case HV_OP_FLE_H: *xd = hv__f16_le(a, b, ff); break;
    case HV_OP_FCLASS_H: *xd = hv__f16_class(a); break;
    case HV_OP_FCVT_W_H: *xd = hv__f16_to_int(a, rm, true, 32, ff); break;
    case HV_OP_FCVT_WU_H: *xd = hv__f16_to_int(a, rm, false, 32, ff); break;
    case HV_OP_FCVT_L_H: *xd = hv__f16_to_int(a, rm, true, 64, ff); break;
    case HV_OP_FCVT_LU_H: *xd = hv__f16_to_int(a, rm, false, 64, ff); break;
    case HV_OP_FCVT_H_W: *fd = hv__f16_box(hv__int_to_f16(x1, true, 32, rm, ff)); break;
    case HV_OP_FCVT_H_WU: *fd = hv__f16_box(hv__int_to_f16(x1, false, 32, rm, ff)); break;
    case HV_OP_FCVT_H_L: *fd = hv__f16_box(hv__int_to_f16(x1, true, 64, rm, ff)); break;
    case HV_OP_FCVT_H_LU: *fd = hv__f16_box(hv__int_to_f16(x1, false, 64, rm, ff)); break;
    case HV_OP_FCVT_S_H: *fd = hv__f32_box(hv__f16_to_f32(a, ff)); break;
    case HV_OP_FCVT_D_H: *fd = hv__f16_to_f64(a, ff); break;
    case HV_OP_FCVT_H_S: *fd = hv__f16_box(hv__f32_to_f16(FS(in->rs1), rm, ff)); break;
    case HV_OP_FCVT_H_D: *fd = hv__f16_box(hv__f64_to_f16(FD(in->rs1), rm, ff)); break;
    /* fmv.x.h: the raw low 16 bits sign-extended, no unboxing. */
    case HV_OP_FMV_X_H: *xd = (uint64_t)(int64_t)(int16_t)cpu->f[in->rs1]; break;
    case HV_OP_FMV_H_X: *fd = hv__f16_box((uint16_t)x1); break;
    default:
        return hv__cpu_raise(cpu, HV_EXC_ILLEGAL, in->raw);
    }
    return HV_STEP_OK;
}

/* All F/D computation instructions (not loads/stores): returns OK with the result written,
 * or TRAP. Kept out of the dispatch loop: one switch per FP instruction is fine here. */
int hv__interp_fp(struct hv_cpu *cpu, const struct hv_insn *in, unsigned *gate)
{
    bool writes = fp_op_writes(in->op);
    unsigned need = writes ? 3u : 1u;
    int r;
    if ((*gate & need) != need) {
        r = hv__interp_fp_enter(cpu, writes);
        if (r != HV_STEP_OK)
            return r;
        *gate |= need;
    }
    unsigned rm = 0;
    if (in->fmt == HV_FMT_R_RM || in->fmt == HV_FMT_R1_RM || in->fmt == HV_FMT_R4_RM) {
        r = fp_rm(cpu, in, &rm);
        if (r != HV_STEP_OK)
            return r;
    }
    uint32_t ff = 0;
    uint64_t *fd = &cpu->f[in->rd], *xd = &cpu->x[in->rd];
    uint64_t x1 = cpu->x[in->rs1];
    const uint32_t s_sign = 0x80000000u;
    const uint64_t d_sign = 1ull << 63;

    switch (in->op) {
    case HV_OP_FADD_S: *fd = hv__f32_box(hv__f32_add(FS(in->rs1), FS(in->rs2), rm, &ff)); break;
    case HV_OP_FSUB_S: *fd = hv__f32_box(hv__f32_sub(FS(in->rs1), FS(in->rs2), rm, &ff)); break;
    case HV_OP_FMUL_S: *fd = hv__f32_box(hv__f32_mul(FS(in->rs1), FS(in->rs2), rm, &ff)); break;
    case HV_OP_FDIV_S: *fd = hv__f32_box(hv__f32_div(FS(in->rs1), FS(in->rs2), rm, &ff)); break;
    case HV_OP_FSQRT_S: *fd = hv__f32_box(hv__f32_sqrt(FS(in->rs1), rm, &ff)); break;
    case HV_OP_FMADD_S: case HV_OP_FMSUB_S: case HV_OP_FNMSUB_S: case HV_OP_FNMADD_S: {
        bool np = in->op == HV_OP_FNMSUB_S || in->op == HV_OP_FNMADD_S;
        bool nc = in->op == HV_OP_FMSUB_S || in->op == HV_OP_FNMADD_S;
        *fd = hv__f32_box(hv__f32_fma(FS(in->rs1), FS(in->rs2), FS(in->rs3), np, nc, rm, &ff));
        break;
    }
    case HV_OP_FSGNJ_S:
        *fd = hv__f32_box((FS(in->rs1) & ~s_sign) | (FS(in->rs2) & s_sign)); break;
    case HV_OP_FSGNJN_S:
        *fd = hv__f32_box((FS(in->rs1) & ~s_sign) | (~FS(in->rs2) & s_sign)); break;
    case HV_OP_FSGNJX_S:
        *fd = hv__f32_box(FS(in->rs1) ^ (FS(in->rs2) & s_sign)); break;
    case HV_OP_FMIN_S: *fd = hv__f32_box(hv__f32_min(FS(in->rs1), FS(in->rs2), &ff)); break;
    case HV_OP_FMAX_S: *fd = hv__f32_box(hv__f32_max(FS(in->rs1), FS(in->rs2), &ff)); break;
    case HV_OP_FEQ_S: *xd = hv__f32_eq(FS(in->rs1), FS(in->rs2), &ff); break;
    case HV_OP_FLT_S: *xd = hv__f32_lt(FS(in->rs1), FS(in->rs2), &ff); break;
    case HV_OP_FLE_S: *xd = hv__f32_le(FS(in->rs1), FS(in->rs2), &ff); break;
    case HV_OP_FCLASS_S: *xd = hv__f32_class(FS(in->rs1)); break;
    case HV_OP_FCVT_W_S: *xd = hv__f32_to_i32(FS(in->rs1), rm, &ff); break;
    case HV_OP_FCVT_WU_S: *xd = hv__f32_to_u32(FS(in->rs1), rm, &ff); break;
    case HV_OP_FCVT_L_S: *xd = hv__f32_to_i64(FS(in->rs1), rm, &ff); break;
    case HV_OP_FCVT_LU_S: *xd = hv__f32_to_u64(FS(in->rs1), rm, &ff); break;
    case HV_OP_FCVT_S_W: *fd = hv__f32_box(hv__i32_to_f32((int32_t)x1, rm, &ff)); break;
    case HV_OP_FCVT_S_WU: *fd = hv__f32_box(hv__u32_to_f32((uint32_t)x1, rm, &ff)); break;
    case HV_OP_FCVT_S_L: *fd = hv__f32_box(hv__i64_to_f32((int64_t)x1, rm, &ff)); break;
    case HV_OP_FCVT_S_LU: *fd = hv__f32_box(hv__u64_to_f32(x1, rm, &ff)); break;
    case HV_OP_FMV_X_W: *xd = sx32(cpu->f[in->rs1]); break;   /* raw low bits, no unboxing */
    case HV_OP_FMV_W_X: *fd = hv__f32_box((uint32_t)x1); break;

    case HV_OP_FADD_D: *fd = hv__f64_add(FD(in->rs1), FD(in->rs2), rm, &ff); break;
    case HV_OP_FSUB_D: *fd = hv__f64_sub(FD(in->rs1), FD(in->rs2), rm, &ff); break;
    case HV_OP_FMUL_D: *fd = hv__f64_mul(FD(in->rs1), FD(in->rs2), rm, &ff); break;
    case HV_OP_FDIV_D: *fd = hv__f64_div(FD(in->rs1), FD(in->rs2), rm, &ff); break;
    case HV_OP_FSQRT_D: *fd = hv__f64_sqrt(FD(in->rs1), rm, &ff); break;
    case HV_OP_FMADD_D: case HV_OP_FMSUB_D: case HV_OP_FNMSUB_D: case HV_OP_FNMADD_D: {
        bool np = in->op == HV_OP_FNMSUB_D || in->op == HV_OP_FNMADD_D;
        bool nc = in->op == HV_OP_FMSUB_D || in->op == HV_OP_FNMADD_D;
        *fd = hv__f64_fma(FD(in->rs1), FD(in->rs2), FD(in->rs3), np, nc, rm, &ff);
        break;
    }
    case HV_OP_FSGNJ_D: *fd = (FD(in->rs1) & ~d_sign) | (FD(in->rs2) & d_sign); break;
    case HV_OP_FSGNJN_D: *fd = (FD(in->rs1) & ~d_sign) | (~FD(in->rs2) & d_sign); break;
    case HV_OP_FSGNJX_D: *fd = FD(in->rs1) ^ (FD(in->rs2) & d_sign); break;
    case HV_OP_FMIN_D: *fd = hv__f64_min(FD(in->rs1), FD(in->rs2), &ff); break;
    case HV_OP_FMAX_D: *fd = hv__f64_max(FD(in->rs1), FD(in->rs2), &ff); break;
    case HV_OP_FEQ_D: *xd = hv__f64_eq(FD(in->rs1), FD(in->rs2), &ff); break;
    case HV_OP_FLT_D: *xd = hv__f64_lt(FD(in->rs1), FD(in->rs2), &ff); break;
    case HV_OP_FLE_D: *xd = hv__f64_le(FD(in->rs1), FD(in->rs2), &ff); break;
    case HV_OP_FCLASS_D: *xd = hv__f64_class(FD(in->rs1)); break;
    case HV_OP_FCVT_W_D: *xd = hv__f64_to_i32(FD(in->rs1), rm, &ff); break;
    case HV_OP_FCVT_WU_D: *xd = hv__f64_to_u32(FD(in->rs1), rm, &ff); break;
    case HV_OP_FCVT_L_D: *xd = hv__f64_to_i64(FD(in->rs1), rm, &ff); break;
    case HV_OP_FCVT_LU_D: *xd = hv__f64_to_u64(FD(in->rs1), rm, &ff); break;
    case HV_OP_FCVT_D_W: *fd = hv__i32_to_f64((int32_t)x1, rm, &ff); break;
    case HV_OP_FCVT_D_WU: *fd = hv__u32_to_f64((uint32_t)x1, rm, &ff); break;
    case HV_OP_FCVT_D_L: *fd = hv__i64_to_f64((int64_t)x1, rm, &ff); break;
    case HV_OP_FCVT_D_LU: *fd = hv__u64_to_f64(x1, rm, &ff); break;
    case HV_OP_FCVT_S_D: *fd = hv__f32_box(hv__f64_to_f32(FD(in->rs1), rm, &ff)); break;
    case HV_OP_FCVT_D_S: *fd = hv__f32_to_f64(FS(in->rs1), &ff); break;
    case HV_OP_FMV_X_D: *xd = FD(in->rs1); break;
    case HV_OP_FMV_D_X: *fd = x1; break;
    default:
        r = exec_fp_h(cpu, in, rm, &ff);
        if (r != HV_STEP_OK)
            return r;
        break;
    }
    cpu->fflags |= ff;
    return HV_STEP_OK;
}

