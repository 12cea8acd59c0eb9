/* SPDX-License-Identifier: MIT */
/* libhv cpu/jit — translation of integer instructions: RV64I ALU, M, Zba, Zbb/Zbs
 * (where the host has the instructions), Zicond; operands through the register cache. */
#include "cpu/jit/tr.h"

/* ---- ALU ------------------------------------------------------------------------------------ */

static void finish_w(struct tr *t, int d, bool w)
{
    if (w)
        hv__x86_movsxd(t->b, d, d);
}

/* Operand registers. Where an instruction computes into d (its cache register, or RDX),
 * an operand that is not cached (or x0) is loaded straight into d when nothing else still
 * needs d's old value: that saves the mov of a load-to-scratch-then-copy, and the two-
 * operand x86 form then works in place. */

/* rd = rs1 op rs2 (two-operand x86 form), optional 32-bit op + sign extension. */
static void alu_rr(struct tr *t, const struct hv_insn *in, enum hv__x86_alu op, bool comm,
                   bool w)
{
    int d = dst(t, in->rd);
    if (d < 0)
        return;
    unsigned sz = w ? 4 : 8;
    if (!in->rs1 || !in->rs2) {
        /* An x0 operand: and gives 0, x op 0 is x (mv, sext.w), 0 - x is neg / negw. */
        if (op == HV_X86_AND) {
            hv__x86_mov_ri(t->b, d, 0);
        } else {
            bool neg = op == HV_X86_SUB && !in->rs1;
            int v = src(t, in->rs1 ? in->rs1 : in->rs2, d);
            if (neg) {
                if (d != v)
                    hv__x86_mov_rr(t->b, 8, d, v);
                hv__x86_unary(t->b, HV_X86_NEG, sz, d);
                finish_w(t, d, w);
            } else if (w) {
                hv__x86_movsxd(t->b, d, v);
            } else if (d != v) {
                hv__x86_mov_rr(t->b, 8, d, v);
            }
        }
        commit(t, in->rd, d);
        return;
    }
    int c = src(t, in->rs2, RCX);
    /* d is rs2's register only when rd == rs2 */
    int a = src(t, in->rs1, in->rd != in->rs2 ? d : RAX);
    if (d == c && d != a) {
        if (comm) {
            hv__x86_alu_rr(t->b, op, sz, d, a);
        } else {
            /* sub: rd = -rs2 + rs1 */
            hv__x86_unary(t->b, HV_X86_NEG, sz, d);
            hv__x86_alu_rr(t->b, HV_X86_ADD, sz, d, a);
        }
    } else if (op == HV_X86_ADD && d != a) {
        hv__x86_lea(t->b, sz, d, hv__x86_mbi(a, c, 1, 0));
    } else {
        if (d != a)
            hv__x86_mov_rr(t->b, 8, d, a);
        hv__x86_alu_rr(t->b, op, sz, d, c);
    }
    finish_w(t, d, w);
    commit(t, in->rd, d);
}

static void alu_ri(struct tr *t, const struct hv_insn *in, enum hv__x86_alu op, bool w)
{
    int d = dst(t, in->rd);
    if (d < 0)
        return;
    if (!in->rs1) {
        /* li: the constant (the 12-bit immediate is already sign-extended) */
        int64_t v = op == HV_X86_AND ? 0 : in->imm;
        hv__x86_mov_ri(t->b, d, (uint64_t)v);
        commit(t, in->rd, d);
        return;
    }
    int a = src(t, in->rs1, d);
    if (op == HV_X86_ADD && w && !in->imm) {
        /* sext.w: one movsxd (it reads only the low 32 bits) */
        hv__x86_movsxd(t->b, d, a);
        commit(t, in->rd, d);
        return;
    }
    if (op == HV_X86_AND && in->imm == 0xff) {
        /* zext.b: one movzx, also when d != a */
        hv__x86_movzx(t->b, 4, 1, d, a);
        commit(t, in->rd, d);
        return;
    }
    if (op == HV_X86_ADD && d != a && (in->imm || w)) {
        hv__x86_lea(t->b, w ? 4 : 8, d, hv__x86_mb(a, (int32_t)in->imm));
    } else {
        if (d != a)
            hv__x86_mov_rr(t->b, 8, d, a);
        /* x op 0 is x for add/or/xor, not for and */
        if (in->imm || w || op == HV_X86_AND)
            hv__x86_alu_ri(t->b, op, w ? 4 : 8, d, (int32_t)in->imm);
    }
    finish_w(t, d, w);
    commit(t, in->rd, d);
}

static void shift_imm(struct tr *t, const struct hv_insn *in, enum hv__x86_shift op, bool w)
{
    int d = dst(t, in->rd);
    if (d < 0)
        return;
    int a = src(t, in->rs1, d);
    unsigned amt = (unsigned)in->imm & (w ? 31 : 63);
    struct hv__x86_buf *b = t->b;
    if (op == HV_X86_SHL && amt >= 1 && amt <= 3 && d != a) {
        /* one lea instead of mov + shl (sllw: on the low 32 bits, then extended) */
        hv__x86_lea(b, w ? 4 : 8, d, amt == 1 ? hv__x86_mbi(a, a, 1, 0)
                                             : hv__x86_mbi(HV_X86_NOREG, a, 1u << amt, 0));
        finish_w(t, d, w);
    } else if (w && !amt) {
        hv__x86_movsxd(b, d, a);
    } else if (w && op == HV_X86_SAR) {
        /* sraiw: the sign-extended word shifted arithmetically is already extended */
        hv__x86_movsxd(b, d, a);
        hv__x86_shift_ri(b, HV_X86_SAR, 8, d, (uint8_t)amt);
    } else if (w && op == HV_X86_SHR) {
        /* srliw by 1..31: bit 31 of the result is 0, the 32-bit op's zero extension is the
         * sign extension */
        if (d != a)
            hv__x86_mov_rr(b, 4, d, a);
        hv__x86_shift_ri(b, HV_X86_SHR, 4, d, (uint8_t)amt);
    } else {
        if (d != a)
            hv__x86_mov_rr(b, 8, d, a);
        if (amt || w)
            hv__x86_shift_ri(b, op, w ? 4 : 8, d, (uint8_t)amt);
        finish_w(t, d, w);
    }
    commit(t, in->rd, d);
}

static void shift_reg(struct tr *t, const struct hv_insn *in, enum hv__x86_shift op, bool w)
{
    int d = dst(t, in->rd);
    if (d < 0)
        return;
    rs_to(t, in->rs2, RCX);
    /* the count is in RCX now: d may be overwritten even when rd == rs2 */
    int a = src(t, in->rs1, d);
    if (d != a)
        hv__x86_mov_rr(t->b, 8, d, a);
    hv__x86_shift_rcl(t->b, op, w ? 4 : 8, d);
    finish_w(t, d, w);
    commit(t, in->rd, d);
}

static void set_cmp(struct tr *t, const struct hv_insn *in, enum hv__x86_cc cc, bool imm)
{
    int d = dst(t, in->rd);
    if (d < 0)
        return;
    /* rd cleared before the compare (no movzx after setcc) when it is not an operand */
    bool clear = in->rd != in->rs1 && (imm || in->rd != in->rs2);
    if (clear)
        hv__x86_alu_rr(t->b, HV_X86_XOR, 4, d, d);
    if (!imm && !in->rs1) {
        /* snez (sltu rd, x0, rs2) and sgtz (slt rd, x0, rs2): rs2 against 0 */
        int c = src(t, in->rs2, RCX);
        hv__x86_test_rr(t->b, 8, c, c);
        cc = cc == HV_X86_CC_B ? HV_X86_CC_NE : HV_X86_CC_G;
    } else {
        int a = src(t, in->rs1, RAX);
        if (imm && !in->imm) {
            hv__x86_test_rr(t->b, 8, a, a);     /* the same flags as cmp a, 0 */
        } else if (imm) {
            hv__x86_alu_ri(t->b, HV_X86_CMP, 8, a, (int32_t)in->imm);
        } else {
            int c = src(t, in->rs2, RCX);
            hv__x86_alu_rr(t->b, HV_X86_CMP, 8, a, c);
        }
    }
    if (clear) {
        hv__x86_setcc(t->b, cc, d);
    } else {
        hv__x86_setcc(t->b, cc, RAX);
        hv__x86_movzx(t->b, 4, 1, d, RAX);
    }
    commit(t, in->rd, d);
}

static void mul_high(struct tr *t, const struct hv_insn *in, unsigned op)
{
    int d = dst(t, in->rd);
    if (d < 0)
        return;
    int a = src(t, in->rs1, RAX), c = src(t, in->rs2, RCX);
    if (a != RAX)
        hv__x86_mov_rr(t->b, 8, RAX, a);
    if (op == HV_OP_MULH) {
        hv__x86_unary(t->b, HV_X86_IMUL1, 8, c);
    } else if (op == HV_OP_MULHU) {
        hv__x86_unary(t->b, HV_X86_MUL, 8, c);
    } else {
        /* mulhsu = mulhu - (rs1 < 0 ? rs2 : 0) */
        hv__x86_mov_rr(t->b, 8, RSI, RAX);
        hv__x86_unary(t->b, HV_X86_MUL, 8, c);
        hv__x86_shift_ri(t->b, HV_X86_SAR, 8, RSI, 63);
        hv__x86_alu_rr(t->b, HV_X86_AND, 8, RSI, c);
        hv__x86_alu_rr(t->b, HV_X86_SUB, 8, RDX, RSI);
        rsi_restore(t);
    }
    commit(t, in->rd, RDX);
}

/* DIV/DIVU/REM/REMU (and W forms) with RISC-V's results for x/0 and INT_MIN/-1. */
static void divrem(struct tr *t, const struct hv_insn *in, bool sign, bool rem, bool w)
{
    struct hv__x86_buf *b = t->b;
    int d = dst(t, in->rd);
    if (d < 0)
        return;
    unsigned sz = w ? 4 : 8;
    int a = src(t, in->rs1, RAX), c = src(t, in->rs2, RCX);
    if (c != RCX)
        hv__x86_mov_rr(b, 8, RCX, c);
    if (a != RAX)
        hv__x86_mov_rr(b, 8, RAX, a);
    hv__x86_test_rr(b, sz, RCX, RCX);
    struct hv__x86_fixup zero = hv__x86_jcc_fwd(b, HV_X86_CC_E), minus1 = { 0, 0 }, done2;
    if (sign) {
        hv__x86_alu_ri(b, HV_X86_CMP, sz, RCX, -1);
        minus1 = hv__x86_jcc_fwd(b, HV_X86_CC_E);
        hv__x86_cqo(b, sz);
        hv__x86_unary(b, HV_X86_IDIV, sz, RCX);
    } else {
        hv__x86_mov_ri(b, RDX, 0);
        hv__x86_unary(b, HV_X86_DIV, sz, RCX);
    }
    if (rem)
        hv__x86_mov_rr(b, 8, RAX, RDX);
    struct hv__x86_fixup done = hv__x86_jmp_fwd(b);
    hv__x86_bind(b, zero);
    if (!rem)
        hv__x86_mov_ri_sx(b, RAX, -1);      /* x/0 = -1; x%0 = x (already in RAX) */
    done2 = hv__x86_jmp_fwd(b);
    if (sign) {
        hv__x86_bind(b, minus1);
        if (rem)
            hv__x86_mov_ri(b, RAX, 0);       /* x % -1 = 0 */
        else
            hv__x86_unary(b, HV_X86_NEG, sz, RAX); /* x / -1 = -x (INT_MIN stays) */
    }
    hv__x86_bind(b, done);
    hv__x86_bind(b, done2);
    finish_w(t, RAX, w);
    commit(t, in->rd, RAX);
}

/* rd = (rs1 [zero-extended from 32] << sh) + rs2 */
static void shadd(struct tr *t, const struct hv_insn *in, unsigned sh, bool uw)
{
    int d = dst(t, in->rd);
    if (d < 0)
        return;
    if (!in->rs2) {
        /* zext.w (add.uw rd, rs1, x0), or a plain shift */
        int v = src(t, in->rs1, d);
        if (uw)
            hv__x86_mov_rr(t->b, 4, d, v);
        else if (d != v)
            hv__x86_mov_rr(t->b, 8, d, v);
        if (sh)
            hv__x86_shift_ri(t->b, HV_X86_SHL, 8, d, (uint8_t)sh);
        commit(t, in->rd, d);
        return;
    }
    int a = src(t, in->rs1, RAX), c = src(t, in->rs2, RCX);
    if (uw) {
        hv__x86_mov_rr(t->b, 4, RAX, a);
        a = RAX;
    }
    hv__x86_lea(t->b, 8, d, hv__x86_mbi(c, a, 1u << sh, 0));
    commit(t, in->rd, d);
}

static void unary_bits(struct tr *t, const struct hv_insn *in)
{
    int d = dst(t, in->rd);
    if (d < 0)
        return;
    int a = src(t, in->rs1, d);
    struct hv__x86_buf *b = t->b;
    switch (in->op) {
    case HV_OP_CLZ: hv__x86_lzcnt(b, 8, d, a); break;
    case HV_OP_CLZW: hv__x86_lzcnt(b, 4, d, a); break;
    case HV_OP_CTZ: hv__x86_tzcnt(b, 8, d, a); break;
    case HV_OP_CTZW: hv__x86_tzcnt(b, 4, d, a); break;
    case HV_OP_CPOP: hv__x86_popcnt(b, 8, d, a); break;
    case HV_OP_CPOPW: hv__x86_popcnt(b, 4, d, a); break;
    case HV_OP_SEXT_B: hv__x86_movsx(b, 8, 1, d, a); break;
    case HV_OP_SEXT_H: hv__x86_movsx(b, 8, 2, d, a); break;
    case HV_OP_ZEXT_H: hv__x86_movzx(b, 4, 2, d, a); break;
    default: /* REV8 */
        if (d != a)
            hv__x86_mov_rr(b, 8, d, a);
        hv__x86_bswap(b, 8, d);
        break;
    }
    commit(t, in->rd, d);
}

static void minmax(struct tr *t, const struct hv_insn *in, enum hv__x86_cc take_rs2)
{
    int d = dst(t, in->rd);
    if (d < 0)
        return;
    int a = src(t, in->rs1, RAX), c = src(t, in->rs2, RCX);
    if (d == c && d != a) {
        /* rd == rs2: keep it unless rs1 wins (max/min are symmetric: the condition for
         * taking the other operand is the same with the compare's operands swapped) */
        hv__x86_alu_rr(t->b, HV_X86_CMP, 8, d, a);
        hv__x86_cmov(t->b, take_rs2, 8, d, a);
    } else {
        if (d != a)
            hv__x86_mov_rr(t->b, 8, d, a);
        hv__x86_alu_rr(t->b, HV_X86_CMP, 8, d, c);
        hv__x86_cmov(t->b, take_rs2, 8, d, c);
    }
    commit(t, in->rd, d);
}

static void rotate(struct tr *t, const struct hv_insn *in, enum hv__x86_shift op, bool w,
                   bool imm)
{
    int d = dst(t, in->rd);
    if (d < 0)
        return;
    if (!imm)
        rs_to(t, in->rs2, RCX);
    int a = src(t, in->rs1, d);
    if (d != a)
        hv__x86_mov_rr(t->b, 8, d, a);
    if (imm)
        hv__x86_shift_ri(t->b, op, w ? 4 : 8, d, (uint8_t)(in->imm & (w ? 31 : 63)));
    else
        hv__x86_shift_rcl(t->b, op, w ? 4 : 8, d);
    finish_w(t, d, w);
    commit(t, in->rd, d);
}

static void logic_not(struct tr *t, const struct hv_insn *in)
{
    int d = dst(t, in->rd);
    if (d < 0)
        return;
    int a = src(t, in->rs1, RAX), c = src(t, in->rs2, RCX);
    struct hv__x86_buf *b = t->b;
    if (in->op == HV_OP_XNOR) {
        if (a != RAX)
            hv__x86_mov_rr(b, 8, RAX, a);
        hv__x86_alu_rr(b, HV_X86_XOR, 8, RAX, c);
        hv__x86_unary(b, HV_X86_NOT, 8, RAX);
    } else {
        hv__x86_mov_rr(b, 8, RDX, c);
        hv__x86_unary(b, HV_X86_NOT, 8, RDX);
        hv__x86_alu_rr(b, in->op == HV_OP_ANDN ? HV_X86_AND : HV_X86_OR, 8, RDX, a);
        commit(t, in->rd, RDX);
        return;
    }
    commit(t, in->rd, RAX);
}

static void bitop(struct tr *t, const struct hv_insn *in, enum hv__x86_bitop op, bool imm)
{
    int d = dst(t, in->rd);
    if (d < 0)
        return;
    if (!imm)
        rs_to(t, in->rs2, RCX);
    int a = src(t, in->rs1, d);
    if (d != a)
        hv__x86_mov_rr(t->b, 8, d, a);
    if (imm)
        hv__x86_bit_ri(t->b, op, 8, d, (uint8_t)(in->imm & 63));
    else
        hv__x86_bit_rr(t->b, op, 8, d, RCX);
    commit(t, in->rd, d);
}

static void bext(struct tr *t, const struct hv_insn *in, bool imm)
{
    int d = dst(t, in->rd);
    if (d < 0)
        return;
    if (!imm)
        rs_to(t, in->rs2, RCX);
    int a = src(t, in->rs1, d);
    if (d != a)
        hv__x86_mov_rr(t->b, 8, d, a);
    if (imm)
        hv__x86_shift_ri(t->b, HV_X86_SHR, 8, d, (uint8_t)(in->imm & 63));
    else
        hv__x86_shift_rcl(t->b, HV_X86_SHR, 8, d);
    hv__x86_alu_ri(t->b, HV_X86_AND, 4, d, 1);
    commit(t, in->rd, d);
}

static void czero(struct tr *t, const struct hv_insn *in, bool eqz)
{
    int d = dst(t, in->rd);
    if (d < 0)
        return;
    int a = src(t, in->rs1, RAX), c = src(t, in->rs2, RCX);
    int r = d == a || d == c ? RDX : d;
    hv__x86_mov_ri(t->b, r, 0);
    hv__x86_test_rr(t->b, 8, c, c);
    /* czero.eqz: rd = rs2 ? rs1 : 0; czero.nez: rd = rs2 ? 0 : rs1 */
    hv__x86_cmov(t->b, eqz ? HV_X86_CC_NE : HV_X86_CC_E, 8, r, a);
    commit(t, in->rd, r);
}

bool hv__tr_int(struct tr *t, unsigned i)
{
    const struct hv_insn *in = &t->in[i];
    uint32_t f = t->jit->features;
    switch (in->op) {
    case HV_OP_LUI: case HV_OP_AUIPC: {
        int d = dst(t, in->rd);
        if (d >= 0) {
            uint64_t v = (uint64_t)in->imm + (in->op == HV_OP_AUIPC ? insn_pc(t, i) : 0);
            hv__x86_mov_ri(t->b, d, v);
            commit(t, in->rd, d);
        }
        return true;
    }
    case HV_OP_ADDI: alu_ri(t, in, HV_X86_ADD, false); return true;
    case HV_OP_XORI: alu_ri(t, in, HV_X86_XOR, false); return true;
    case HV_OP_ORI: alu_ri(t, in, HV_X86_OR, false); return true;
    case HV_OP_ANDI: alu_ri(t, in, HV_X86_AND, false); return true;
    case HV_OP_ADDIW: alu_ri(t, in, HV_X86_ADD, true); return true;
    case HV_OP_SLTI: set_cmp(t, in, HV_X86_CC_L, true); return true;
    case HV_OP_SLTIU: set_cmp(t, in, HV_X86_CC_B, true); return true;
    case HV_OP_SLT: set_cmp(t, in, HV_X86_CC_L, false); return true;
    case HV_OP_SLTU: set_cmp(t, in, HV_X86_CC_B, false); return true;
    case HV_OP_SLLI: shift_imm(t, in, HV_X86_SHL, false); return true;
    case HV_OP_SRLI: shift_imm(t, in, HV_X86_SHR, false); return true;
    case HV_OP_SRAI: shift_imm(t, in, HV_X86_SAR, false); return true;
    case HV_OP_SLLIW: shift_imm(t, in, HV_X86_SHL, true); return true;
    case HV_OP_SRLIW: shift_imm(t, in, HV_X86_SHR, true); return true;
    case HV_OP_SRAIW: shift_imm(t, in, HV_X86_SAR, true); return true;
    case HV_OP_ADD: alu_rr(t, in, HV_X86_ADD, true, false); return true;
    case HV_OP_SUB: alu_rr(t, in, HV_X86_SUB, false, false); return true;
    case HV_OP_XOR: alu_rr(t, in, HV_X86_XOR, true, false); return true;
    case HV_OP_OR: alu_rr(t, in, HV_X86_OR, true, false); return true;
    case HV_OP_AND: alu_rr(t, in, HV_X86_AND, true, false); return true;
    case HV_OP_ADDW: alu_rr(t, in, HV_X86_ADD, true, true); return true;
    case HV_OP_SUBW: alu_rr(t, in, HV_X86_SUB, false, true); return true;
    case HV_OP_SLL: shift_reg(t, in, HV_X86_SHL, false); return true;
    case HV_OP_SRL: shift_reg(t, in, HV_X86_SHR, false); return true;
    case HV_OP_SRA: shift_reg(t, in, HV_X86_SAR, false); return true;
    case HV_OP_SLLW: shift_reg(t, in, HV_X86_SHL, true); return true;
    case HV_OP_SRLW: shift_reg(t, in, HV_X86_SHR, true); return true;
    case HV_OP_SRAW: shift_reg(t, in, HV_X86_SAR, true); return true;
    case HV_OP_MUL: case HV_OP_MULW: {
        int d = dst(t, in->rd);
        if (d < 0)
            return true;
        bool w = in->op == HV_OP_MULW;
        int a = src(t, in->rs1, RAX), c = src(t, in->rs2, RCX);
        if (d == c) {
            hv__x86_imul_rr(t->b, w ? 4 : 8, d, a);
        } else {
            if (d != a)
                hv__x86_mov_rr(t->b, 8, d, a);
            hv__x86_imul_rr(t->b, w ? 4 : 8, d, c);
        }
        finish_w(t, d, w);
        commit(t, in->rd, d);
        return true;
    }
    case HV_OP_MULH: case HV_OP_MULHU: case HV_OP_MULHSU: mul_high(t, in, in->op); return true;
    case HV_OP_DIV: divrem(t, in, true, false, false); return true;
    case HV_OP_DIVU: divrem(t, in, false, false, false); return true;
    case HV_OP_REM: divrem(t, in, true, true, false); return true;
    case HV_OP_REMU: divrem(t, in, false, true, false); return true;
    case HV_OP_DIVW: divrem(t, in, true, false, true); return true;
    case HV_OP_DIVUW: divrem(t, in, false, false, true); return true;
    case HV_OP_REMW: divrem(t, in, true, true, true); return true;
    case HV_OP_REMUW: divrem(t, in, false, true, true); return true;
    case HV_OP_ADD_UW: shadd(t, in, 0, true); return true;
    case HV_OP_SH1ADD: shadd(t, in, 1, false); return true;
    case HV_OP_SH2ADD: shadd(t, in, 2, false); return true;
    case HV_OP_SH3ADD: shadd(t, in, 3, false); return true;
    case HV_OP_SH1ADD_UW: shadd(t, in, 1, true); return true;
    case HV_OP_SH2ADD_UW: shadd(t, in, 2, true); return true;
    case HV_OP_SH3ADD_UW: shadd(t, in, 3, true); return true;
    case HV_OP_SLLI_UW: {
        int d = dst(t, in->rd);
        if (d < 0)
            return true;
        int a = src(t, in->rs1, d);
        hv__x86_mov_rr(t->b, 4, d, a);
        if (in->imm & 63)
            hv__x86_shift_ri(t->b, HV_X86_SHL, 8, d, (uint8_t)(in->imm & 63));
        commit(t, in->rd, d);
        return true;
    }
    case HV_OP_ANDN: case HV_OP_ORN: case HV_OP_XNOR: logic_not(t, in); return true;
    case HV_OP_CLZ: case HV_OP_CLZW:
        if (!(f & HV_X86_F_LZCNT))
            return false;
        unary_bits(t, in);
        return true;
    case HV_OP_CTZ: case HV_OP_CTZW:
        if (!(f & HV_X86_F_BMI1))
            return false;
        unary_bits(t, in);
        return true;
    case HV_OP_CPOP: case HV_OP_CPOPW:
        if (!(f & HV_X86_F_POPCNT))
            return false;
        unary_bits(t, in);
        return true;
    case HV_OP_SEXT_B: case HV_OP_SEXT_H: case HV_OP_ZEXT_H: case HV_OP_REV8:
        unary_bits(t, in);
        return true;
    case HV_OP_MAX: minmax(t, in, HV_X86_CC_L); return true;
    case HV_OP_MIN: minmax(t, in, HV_X86_CC_G); return true;
    case HV_OP_MAXU: minmax(t, in, HV_X86_CC_B); return true;
    case HV_OP_MINU: minmax(t, in, HV_X86_CC_A); return true;
    case HV_OP_ROL: rotate(t, in, HV_X86_ROL, false, false); return true;
    case HV_OP_ROLW: rotate(t, in, HV_X86_ROL, true, false); return true;
    case HV_OP_ROR: rotate(t, in, HV_X86_ROR, false, false); return true;
    case HV_OP_RORW: rotate(t, in, HV_X86_ROR, true, false); return true;
    case HV_OP_RORI: rotate(t, in, HV_X86_ROR, false, true); return true;
    case HV_OP_RORIW: rotate(t, in, HV_X86_ROR, true, true); return true;
    case HV_OP_BSET: bitop(t, in, HV_X86_BTS, false); return true;
    case HV_OP_BSETI: bitop(t, in, HV_X86_BTS, true); return true;
    case HV_OP_BCLR: bitop(t, in, HV_X86_BTR, false); return true;
    case HV_OP_BCLRI: bitop(t, in, HV_X86_BTR, true); return true;
    case HV_OP_BINV: bitop(t, in, HV_X86_BTC, false); return true;
    case HV_OP_BINVI: bitop(t, in, HV_X86_BTC, true); return true;
    case HV_OP_BEXT: bext(t, in, false); return true;
    case HV_OP_BEXTI: bext(t, in, true); return true;
    case HV_OP_CZERO_EQZ: czero(t, in, true); return true;
    case HV_OP_CZERO_NEZ: czero(t, in, false); return true;
    default:
        return false;
    }
}
