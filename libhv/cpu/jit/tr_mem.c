/* SPDX-License-Identifier: MIT */
/* libhv cpu/jit — translation of integer loads and stores: the inline soft-TLB probe
 * (or the direct-memory window check) with a cold stub for every miss, and FENCE.
 * A (AMO, LR/SC) goes through the interpreter's semantics (tr_sys.c). */
#include "cpu/jit/tr.h"

/* ---- memory accesses ----------------------------------------------------------------------- */

/* Emit the fast path for an access of `size` at [base + imm] with va left in RAX; jumps to
 * the cold stub c on any miss. Returns the memory operand for the access. */
struct hv__x86_mem hv__tr_fast_path(struct tr *t, struct cold *c, int base, int64_t imm,
                                    unsigned size, bool store)
{
    struct hv__x86_buf *b = t->b;
    if (imm)
        hv__x86_lea(b, 8, RAX, hv__x86_mb(base, (int32_t)imm));
    else if (base != RAX)
        hv__x86_mov_rr(b, 8, RAX, base);
    if (t->direct) {
        const struct hv_cpu_policy *p = t->cpu->policy;
        /* One compare + one predicted branch: outside the RAM window -> slow path. */
        hv__x86_mov_rr(b, 8, RCX, RAX);
        hv__x86_mov_ri(b, RDX, p->direct_base_gpa);
        hv__x86_alu_rr(b, HV_X86_SUB, 8, RCX, RDX);
        hv__x86_mov_ri(b, RDX, p->direct_size - size);
        hv__x86_alu_rr(b, HV_X86_CMP, 8, RCX, RDX);
        c->from[c->nfrom++] = hv__x86_jcc_fwd(b, HV_X86_CC_A);
        hv__x86_mov_ri(b, RDX, (uint64_t)(uintptr_t)p->direct_host);
        return hv__x86_mbi(RDX, RCX, 1, 0);
    }
    hv__x86_mov_rr(b, 4, RCX, RAX);
    hv__x86_shift_ri(b, HV_X86_SHR, 4, RCX, 7);
    hv__x86_alu_ri(b, HV_X86_AND, 4, RCX, 0x1ffe0);
    hv__x86_mov_rr(b, 8, RDX, RAX);
    if (store) {
        /* The write tag may carry HV_TLB_CODE (bit 0): test alignment separately so a
         * misaligned address can never match a flagged tag. */
        if (size > 1) {
            hv__x86_test_ri(b, 4, RAX, (int32_t)(size - 1));
            c->from[c->nfrom++] = hv__x86_jcc_fwd(b, HV_X86_CC_NE);
        }
        hv__x86_alu_ri(b, HV_X86_AND, 8, RDX, (int32_t)0xfffff000);
    } else {
        hv__x86_alu_ri(b, HV_X86_AND, 8, RDX, (int32_t)(0xfffff000u | (size - 1)));
    }
    hv__x86_alu_rm(b, HV_X86_CMP, 8, RDX,
                   hv__x86_mbi(RBX, RCX, 1, TLB_OFF + 8 * (store ? HV_ACC_WRITE : HV_ACC_READ)));
    c->from[c->nfrom++] = hv__x86_jcc_fwd(b, HV_X86_CC_NE);
    if (t->addend_hint) {
        /* Without paging all of RAM shares the code's mapping offset: address with that
         * constant and only compare the entry's addend, so the addend load is off the address's dependency chain (it
         * fed every load's address: ~5 cycles on each pointer chase / table lookup).
         * Another addend: a cold stub loads it into RDX and comes back. */
        struct cold *a = new_cold(t, COLD_ADDEND);
        hv__x86_mov_ri(b, RDX, (uint64_t)t->addend_hint);
        hv__x86_alu_rm(b, HV_X86_CMP, 8, RDX, hv__x86_mbi(RBX, RCX, 1, TLB_OFF + 24));
        a->from[a->nfrom++] = hv__x86_jcc_fwd(b, HV_X86_CC_NE);
        a->resume = hv__x86_label(b);
        return hv__x86_mbi(RAX, RDX, 1, 0);
    }
    hv__x86_alu_rm(b, HV_X86_ADD, 8, RAX, hv__x86_mbi(RBX, RCX, 1, TLB_OFF + 24));
    return hv__x86_mb(RAX, 0);
}

static void emit_load(struct tr *t, unsigned i, unsigned size, bool sign)
{
    const struct hv_insn *in = &t->in[i];
    int base = src(t, in->rs1, RAX);
    struct cold *c = new_cold(t, COLD_LOAD);
    c->pc = insn_pc(t, i);
    c->k = i;
    c->kind_arg = size | (sign ? 0x10u : 0) | (unsigned)in->len << 8 | (unsigned)in->rd << 16;
    int d = in->rd ? dst(t, in->rd) : RDX;
    c->dst = d;
    struct hv__x86_mem m = hv__tr_fast_path(t, c, base, in->imm, size, false);
    if (size == 8)
        hv__x86_load(t->b, 8, d, m);
    else if (size == 4 && sign)
        hv__x86_movsxd_load(t->b, d, m);
    else if (size == 4)
        hv__x86_load(t->b, 4, d, m);
    else if (sign)
        hv__x86_movsx_load(t->b, 8, size, d, m);
    else
        hv__x86_movzx_load(t->b, 4, size, d, m);
    c->resume = hv__x86_label(t->b);
    commit(t, in->rd, d);
}

static void emit_store(struct tr *t, unsigned i, unsigned size)
{
    const struct hv_insn *in = &t->in[i];
    int base = src(t, in->rs1, RAX);
    int v = in->rs2 ? src(t, in->rs2, RSI) : -1;
    struct cold *c = new_cold(t, COLD_STORE);
    c->pc = insn_pc(t, i);
    c->k = i;
    c->val = v;
    c->kind_arg = size | (unsigned)in->len << 8;
    struct hv__x86_mem m = hv__tr_fast_path(t, c, base, in->imm, size, true);
    if (v < 0)
        hv__x86_store_imm(t->b, size, m, 0);
    else
        hv__x86_store(t->b, size, m, v);
    c->resume = hv__x86_label(t->b);
}

bool hv__tr_mem(struct tr *t, unsigned i)
{
    switch (t->in[i].op) {
    case HV_OP_LB: emit_load(t, i, 1, true); return true;
    case HV_OP_LH: emit_load(t, i, 2, true); return true;
    case HV_OP_LW: emit_load(t, i, 4, true); return true;
    case HV_OP_LD: emit_load(t, i, 8, false); return true;
    case HV_OP_LBU: emit_load(t, i, 1, false); return true;
    case HV_OP_LHU: emit_load(t, i, 2, false); return true;
    case HV_OP_LWU: emit_load(t, i, 4, false); return true;
    case HV_OP_SB: emit_store(t, i, 1); return true;
    case HV_OP_SH: emit_store(t, i, 2); return true;
    case HV_OP_SW: emit_store(t, i, 4); return true;
    case HV_OP_SD: emit_store(t, i, 8); return true;
    case HV_OP_FENCE: hv__x86_mfence(t->b); return true;
    default:
        return false;
    }
}
