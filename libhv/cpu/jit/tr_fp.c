/* SPDX-License-Identifier: MIT */
/* libhv cpu/jit — translation of F/D: loads/stores, moves, sign injection, RNE
 * arithmetic with SSE, the fp_check gate, and MXCSR flag folding. */
#include "cpu/jit/tr.h"
#include "cpu/fpu.h"

/* ---- F/D -------------------------------------------------------------------------------------
 * Native where results and flags are exact: loads/stores, moves, sign injection, and
 * add/sub/mul/div/sqrt in RNE (static, or dynamic with frm checked at run time). Generated
 * code runs with its own MXCSR (all exceptions masked, RNE, no FTZ/DAZ, set by the enter
 * stub); the sticky flags accumulate there and are folded into cpu->fflags at every exit
 * and before CSR/system instructions (which may read or write fflags). A NaN result goes
 * to the interpreter's semantics (canonical NaN; the flags are the same either way). */

static void fp_gate(struct tr *t, unsigned i, bool writes)
{
    if (!t->cpu->policy->fp_check || (writes ? t->fp_dirty : t->fp_ok))
        return;
    /* The policy's answer holds until the next return to the dispatcher (only block-ending
     * instructions, traps and polls change it), so loops and chained blocks ask once per
     * dispatcher entry: jit->fp_gate remembers it; the call is a cold stub. */
    struct hv__x86_buf *b = t->b;
    struct cold *c = new_cold(t, COLD_FPGATE);
    c->pc = insn_pc(t, i);
    c->k = i;
    c->val = writes;
    hv__x86_mov_ri(b, RAX, (uint64_t)(uintptr_t)&t->jit->fp_gate);
    hv__x86_alu_mi(b, HV_X86_CMP, 4, hv__x86_mb(RAX, 0), writes ? 3 : 0);
    c->from[c->nfrom++] = hv__x86_jcc_fwd(b, writes ? HV_X86_CC_NE : HV_X86_CC_E);
    c->resume = hv__x86_label(b);
    t->fp_ok = true;
    t->fp_dirty |= writes;
}

static struct cold *generic_cold(struct tr *t, unsigned i)
{
    struct cold *c = new_cold(t, COLD_GENERIC);
    c->pc = insn_pc(t, i);
    c->k = i;
    return c;
}

static void emit_fload(struct tr *t, unsigned i, unsigned size)
{
    const struct hv_insn *in = &t->in[i];
    fp_gate(t, i, true);
    int base = src(t, in->rs1, RAX);
    struct cold *c = new_cold(t, COLD_LOAD);
    c->pc = insn_pc(t, i);
    c->k = i;
    c->kind_arg = size | (unsigned)in->len << 8 | HV_JIT_LOAD_FP | (unsigned)in->rd << 16;
    c->dst = RDX;
    struct hv__x86_mem m = hv__tr_fast_path(t, c, base, in->imm, size, false);
    hv__x86_load(t->b, size, RDX, m);
    c->resume = hv__x86_label(t->b);
    if (size == 4) {
        hv__x86_mov_ri(t->b, RCX, 0xffffffff00000000ull);
        hv__x86_alu_rr(t->b, HV_X86_OR, 8, RDX, RCX);
    }
    hv__x86_store(t->b, 8, hv__x86_mb(RBX, F_OFF(in->rd)), RDX);
}

static void emit_fstore(struct tr *t, unsigned i, unsigned size)
{
    const struct hv_insn *in = &t->in[i];
    fp_gate(t, i, false);
    int base = src(t, in->rs1, RAX);
    hv__x86_load(t->b, 8, RSI, hv__x86_mb(RBX, F_OFF(in->rs2)));
    struct cold *c = new_cold(t, COLD_STORE);
    c->pc = insn_pc(t, i);
    c->k = i;
    c->val = RSI;
    c->kind_arg = size | (unsigned)in->len << 8;
    t->rsi_busy = true;
    struct hv__x86_mem m = hv__tr_fast_path(t, c, base, in->imm, size, true);
    t->rsi_busy = false;
    hv__x86_store(t->b, size, m, RSI);
    c->resume = hv__x86_label(t->b);
    rsi_restore(t);
}

/* add/sub/mul/div/sqrt (.s when dbl is false). */
static bool emit_farith(struct tr *t, unsigned i, enum hv__x86_sse op, bool dbl, bool unary)
{
    const struct hv_insn *in = &t->in[i];
    if (in->rm != HV_RM_RNE && in->rm != HV_RM_DYN)
        return false;
    struct hv__x86_buf *b = t->b;
    fp_gate(t, i, true);
    struct cold *c = generic_cold(t, i);
    if (in->rm == HV_RM_DYN) {
        hv__x86_alu_mi(b, HV_X86_CMP, 4, hv__x86_mb(RBX, FRM_OFF), HV_RM_RNE);
        c->from[c->nfrom++] = hv__x86_jcc_fwd(b, HV_X86_CC_NE);
    }
    if (!dbl) {
        /* both operands must be NaN-boxed singles */
        hv__x86_alu_mi(b, HV_X86_CMP, 4, hv__x86_mb(RBX, F_OFF(in->rs1) + 4), -1);
        c->from[c->nfrom++] = hv__x86_jcc_fwd(b, HV_X86_CC_NE);
        if (!unary) {
            hv__x86_alu_mi(b, HV_X86_CMP, 4, hv__x86_mb(RBX, F_OFF(in->rs2) + 4), -1);
            c->from[c->nfrom++] = hv__x86_jcc_fwd(b, HV_X86_CC_NE);
        }
    }
    if (unary) {
        hv__x86_sse_rm(b, op, dbl, XMM0, hv__x86_mb(RBX, F_OFF(in->rs1)));
    } else {
        hv__x86_movs_load(b, dbl, XMM0, hv__x86_mb(RBX, F_OFF(in->rs1)));
        hv__x86_sse_rm(b, op, dbl, XMM0, hv__x86_mb(RBX, F_OFF(in->rs2)));
    }
    hv__x86_ucomis(b, dbl, XMM0, XMM0);
    c->from[c->nfrom++] = hv__x86_jcc_fwd(b, HV_X86_CC_P);
    if (dbl) {
        hv__x86_movs_store(b, true, hv__x86_mb(RBX, F_OFF(in->rd)), XMM0);
    } else {
        hv__x86_movq_rx(b, 4, RAX, XMM0);
        hv__x86_mov_ri(b, RCX, 0xffffffff00000000ull);
        hv__x86_alu_rr(b, HV_X86_OR, 8, RAX, RCX);
        hv__x86_store(b, 8, hv__x86_mb(RBX, F_OFF(in->rd)), RAX);
    }
    c->resume = hv__x86_label(b);
    return true;
}

/* fsgnj.d / fsgnjn.d / fsgnjx.d on the raw bits. */
static void emit_fsgnj_d(struct tr *t, unsigned i)
{
    const struct hv_insn *in = &t->in[i];
    struct hv__x86_buf *b = t->b;
    fp_gate(t, i, true);
    hv__x86_load(b, 8, RAX, hv__x86_mb(RBX, F_OFF(in->rs1)));
    hv__x86_load(b, 8, RCX, hv__x86_mb(RBX, F_OFF(in->rs2)));
    hv__x86_mov_ri(b, RDX, 0x8000000000000000ull);
    if (in->op == HV_OP_FSGNJN_D)
        hv__x86_unary(b, HV_X86_NOT, 8, RCX);
    hv__x86_alu_rr(b, HV_X86_AND, 8, RCX, RDX);         /* sign source */
    if (in->op != HV_OP_FSGNJX_D) {
        hv__x86_unary(b, HV_X86_NOT, 8, RDX);
        hv__x86_alu_rr(b, HV_X86_AND, 8, RAX, RDX);
        hv__x86_alu_rr(b, HV_X86_OR, 8, RAX, RCX);
    } else {
        hv__x86_alu_rr(b, HV_X86_XOR, 8, RAX, RCX);
    }
    hv__x86_store(b, 8, hv__x86_mb(RBX, F_OFF(in->rd)), RAX);
}

static void emit_fmv(struct tr *t, unsigned i)
{
    const struct hv_insn *in = &t->in[i];
    struct hv__x86_buf *b = t->b;
    bool to_f = in->op == HV_OP_FMV_D_X || in->op == HV_OP_FMV_W_X;
    fp_gate(t, i, to_f);
    if (to_f) {
        int a = src(t, in->rs1, RAX);
        if (in->op == HV_OP_FMV_W_X) {
            hv__x86_mov_rr(b, 4, RAX, a);
            hv__x86_mov_ri(b, RCX, 0xffffffff00000000ull);
            hv__x86_alu_rr(b, HV_X86_OR, 8, RAX, RCX);
            a = RAX;
        }
        hv__x86_store(b, 8, hv__x86_mb(RBX, F_OFF(in->rd)), a);
        return;
    }
    int d = dst(t, in->rd);
    if (d < 0)
        return;
    if (in->op == HV_OP_FMV_X_W)
        hv__x86_movsxd_load(b, d, hv__x86_mb(RBX, F_OFF(in->rs1)));
    else
        hv__x86_load(b, 8, d, hv__x86_mb(RBX, F_OFF(in->rs1)));
    commit(t, in->rd, d);
}

/* Fold MXCSR's sticky flags into cpu->fflags and clear them (before CSR/system ops). */
void hv__tr_fflags_sync(struct tr *t)
{
    struct hv__x86_buf *b = t->b;
    hv__x86_stmxcsr(b, hv__x86_mb(RSP, 4));
    hv__x86_load(b, 4, RCX, hv__x86_mb(RSP, 4));
    hv__x86_alu_ri(b, HV_X86_AND, 4, RCX, 0x3d);
    struct hv__x86_fixup none = hv__x86_jcc8_fwd(b, HV_X86_CC_E);
    hv__x86_mov_ri(b, RDX, (uint64_t)(uintptr_t)t->jit->mx_table);
    hv__x86_movzx_load(b, 4, 1, RCX, hv__x86_mbi(RDX, RCX, 1, 0));
    hv__x86_alu_mr(b, HV_X86_OR, 4, hv__x86_mb(RBX, FFLAGS_OFF), RCX);
    hv__x86_store_imm(b, 4, hv__x86_mb(RSP, 4), 0x1f80);
    hv__x86_ldmxcsr(b, hv__x86_mb(RSP, 4));
    hv__x86_bind(b, none);
}

bool hv__tr_fp(struct tr *t, unsigned i)
{
    switch (t->in[i].op) {
    case HV_OP_FLD: emit_fload(t, i, 8); return true;
    case HV_OP_FLW: emit_fload(t, i, 4); return true;
    case HV_OP_FSD: emit_fstore(t, i, 8); return true;
    case HV_OP_FSW: emit_fstore(t, i, 4); return true;
    case HV_OP_FADD_D: return emit_farith(t, i, HV_X86_ADDS, true, false);
    case HV_OP_FSUB_D: return emit_farith(t, i, HV_X86_SUBS, true, false);
    case HV_OP_FMUL_D: return emit_farith(t, i, HV_X86_MULS, true, false);
    case HV_OP_FDIV_D: return emit_farith(t, i, HV_X86_DIVS, true, false);
    case HV_OP_FSQRT_D: return emit_farith(t, i, HV_X86_SQRTS, true, true);
    case HV_OP_FADD_S: return emit_farith(t, i, HV_X86_ADDS, false, false);
    case HV_OP_FSUB_S: return emit_farith(t, i, HV_X86_SUBS, false, false);
    case HV_OP_FMUL_S: return emit_farith(t, i, HV_X86_MULS, false, false);
    case HV_OP_FDIV_S: return emit_farith(t, i, HV_X86_DIVS, false, false);
    case HV_OP_FSQRT_S: return emit_farith(t, i, HV_X86_SQRTS, false, true);
    case HV_OP_FSGNJ_D: case HV_OP_FSGNJN_D: case HV_OP_FSGNJX_D: emit_fsgnj_d(t, i); return true;
    case HV_OP_FMV_X_D: case HV_OP_FMV_D_X: case HV_OP_FMV_X_W: case HV_OP_FMV_W_X:
        emit_fmv(t, i);
        return true;
    default:
        return false;
    }
}
