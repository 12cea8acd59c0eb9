/* SPDX-License-Identifier: MIT */
/* libhv cpu/jit — if-conversion (translate.c's emit_branch asks first): a data-dependent
 * branch over a few ALU instructions becomes straight-line code with a cmov and an
 * instret correction. */
#include "cpu/jit/tr.h"

/* ---- if-conversion ------------------------------------------------------------------------
 * A data-dependent branch around one or a few ALU instructions (crc16's `bltz t2, T` with
 * T: `xor a5,a5,a2; bnez a4,head; j on` = the block's next instructions `bnez a4,head` at
 * i+1; or `beqz s2, J` over `xor a5,a5,a3; zext.h a5,a5`) mispredicts about every other
 * time on random data. Instead: the ALU instructions always run, rd's old value saved in
 * RDX and put back with a cmov, instret corrected with the branch's condition (setcc). */

static bool ifc_op(const struct tr *t, const struct hv_insn *a)
{
    switch (a->op) {
    case HV_OP_ADD: case HV_OP_ADDI: case HV_OP_XOR: case HV_OP_XORI: case HV_OP_OR:
    case HV_OP_ORI: case HV_OP_AND: case HV_OP_ANDI: case HV_OP_SUB: case HV_OP_ADDW:
    case HV_OP_ADDIW: case HV_OP_SUBW: case HV_OP_SLLI: case HV_OP_SRLI: case HV_OP_SRAI:
    case HV_OP_SLLIW: case HV_OP_SRLIW: case HV_OP_SRAIW: case HV_OP_ZEXT_H: case HV_OP_SEXT_H:
    case HV_OP_SEXT_B: case HV_OP_LUI:
        return a->rd && t->host_of[a->rd] >= 0;
    default:
        return false;
    }
}

/* Some other branch, jal, tail or loop of the block arrives at instruction j. */
static bool ifc_target(const struct tr *t, unsigned j, unsigned except)
{
    if (t->head_end[j] >= 0 || (t->region && (t->seg_first[j] || t->acyclic[j])))
        return true;
    uint64_t pc = t->ipc[j];
    for (unsigned k = 0; k < t->n; k++) {
        const struct hv_insn *in = &t->in[k];
        if (t->region && t->seg_last[k] && fall_pc(t, k) == pc)
            return true;    /* a region's run falling into it */
        if (k == except)
            continue;
        if ((is_cond_branch(in->op) || in->op == HV_OP_JAL) &&
            t->ipc[k] + (uint64_t)in->imm == pc)
            return true;
        if (t->tail[k].present && (t->tail[k].to == pc ||
                                   (t->tail[k].cond && t->tail[k].fall == pc)))
            return true;
    }
    return false;
}

/* Branch i (inside a superblock, cc its condition) to a tail of one ALU instruction and a
 * copy of instruction i+1 whose not-taken path goes on at i+2. */
/* In a region the same shape is a run of its own (tails are off there): the run at branch
 * i's target, read as a tail (one ALU instruction, a conditional branch, and a `j` or the
 * run's end where its not-taken path goes on). */
static bool region_tail(const struct tr *t, unsigned i, struct tail *tl)
{
    int r = idx_of(t, t->ipc[i] + (uint64_t)t->in[i].imm);
    if (r <= (int)i || !t->seg_first[r] || run_ends(t, (unsigned)r) ||
        !is_cond_branch(t->in[r + 1].op))
        return false;
    memset(tl, 0, sizeof *tl);
    tl->present = tl->cond = true;
    tl->first = (uint16_t)r;
    tl->m = 1;
    tl->to = t->ipc[r + 1] + (uint64_t)t->in[r + 1].imm;
    if (!run_ends(t, (unsigned)r + 1) && t->in[r + 2].op == HV_OP_JAL && !t->in[r + 2].rd) {
        tl->xk = 2;
        tl->fall = t->ipc[r + 2] + (uint64_t)t->in[r + 2].imm;
    } else if (run_ends(t, (unsigned)r + 1)) {
        tl->xk = 1;
        tl->fall = fall_pc(t, (unsigned)r + 1);
    } else {
        return false;
    }
    return true;
}

bool hv__tr_ifc_tail(struct tr *t, unsigned i, enum hv__x86_cc cc)
{
    struct tail rt;
    const struct tail *tl = &t->tail[i];
    const struct hv_insn *in = &t->in[i];
    if (!t->depth[i])
        return false;   /* only in loops: elsewhere a branch runs too rarely to matter */
    if (t->region) {
        if (!region_tail(t, i, &rt) || run_ends(t, i + 1))
            return false;
        tl = &rt;
    }
    if (t->cov_only || t->hooked || t->ifc_carry || t->ifc_end || !tl->present || !tl->cond ||
        tl->m != 1 || i + 2 > t->n)
        return false;
    const struct hv_insn *a = &t->in[tl->first], *br = &t->in[tl->first + 1];
    const struct hv_insn *nx = &t->in[i + 1];
    if (!is_cond_branch(nx->op) || br->op != nx->op || br->rs1 != nx->rs1 ||
        br->rs2 != nx->rs2 || tl->to != t->ipc[i + 1] + (uint64_t)nx->imm ||
        tl->fall != t->ipc[i + 2] || tl->xk > 2)
        return false;
    if (!ifc_op(t, a) || a->rd == in->rs1 || a->rd == in->rs2 || ifc_target(t, i + 1, i))
        return false;
    struct hv__x86_buf *b = t->b;
    int h = src(t, a->rd, RDX);
    hv__x86_mov_rr(b, 8, RDX, h);
    hv__tr_int(t, tl->first);
    hv__tr_emit_cmp(t, in);
    hv__x86_cmov(b, (enum hv__x86_cc)(cc ^ 1), 8, h, RDX);
    hv__x86_setcc(b, cc, RDX);
    hv__x86_movzx(b, 4, 1, RDX, RDX);
    hv__x86_alu_rr(b, HV_X86_ADD, 8, IREG, RDX);    /* the tail's ALU instruction */
    if (tl->xk == 2)
        t->ifc_carry = i + 1;       /* and its `j` when i+1 is not taken */
    return true;
}

/* Branch i (inside a superblock) forward over m <= 3 ALU instructions writing one cached
 * register: they run, emit_insn finishes after the last (ifc_end). */
bool hv__tr_ifc_skip(struct tr *t, unsigned i, enum hv__x86_cc cc)
{
    const struct hv_insn *in = &t->in[i];
    if (t->cov_only || t->hooked || t->ifc_carry || t->ifc_end || t->tail[i].present ||
        !t->depth[i])
        return false;
    int j = idx_of(t, t->ipc[i] + (uint64_t)in->imm);
    if (j <= (int)i + 1 || j > (int)i + 4 || j >= (int)t->n)
        return false;
    for (unsigned k = i; k < (unsigned)j; k++)
        if (run_ends(t, k))
            return false;   /* all of it in one run of a region */
    unsigned rd = t->in[i + 1].rd;
    for (unsigned k = i + 1; k < (unsigned)j; k++) {
        const struct hv_insn *a = &t->in[k];
        if (!ifc_op(t, a) || a->rd != rd || ifc_target(t, k, i))
            return false;
    }
    if (rd == in->rs1 || rd == in->rs2)
        return false;
    int h = src(t, rd, RDX);
    hv__x86_mov_rr(t->b, 8, RDX, h);
    t->ifc_end = (unsigned)j - 1;
    t->ifc_br = i;
    t->ifc_m = (unsigned)j - 1 - i;
    t->ifc_h = h;
    t->ifc_cc = cc;
    return true;
}

void hv__tr_ifc_skip_end(struct tr *t)
{
    struct hv__x86_buf *b = t->b;
    enum hv__x86_cc cc = (enum hv__x86_cc)t->ifc_cc;
    t->ifc_end = 0;
    hv__tr_emit_cmp(t, &t->in[t->ifc_br]);
    hv__x86_cmov(b, cc, 8, t->ifc_h, RDX);      /* taken: they did not run */
    hv__x86_setcc(b, cc, RDX);
    hv__x86_movzx(b, 4, 1, RDX, RDX);
    for (unsigned k = 0; k < t->ifc_m; k++)
        hv__x86_alu_rr(b, HV_X86_SUB, 8, IREG, RDX);
}

void hv__tr_ifc_pay_carry(struct tr *t, unsigned i)
{
    if (t->ifc_carry && t->ifc_carry == i) {
        hv__x86_alu_rr(t->b, HV_X86_ADD, 8, IREG, RDX);
        t->ifc_carry = 0;
    }
}
