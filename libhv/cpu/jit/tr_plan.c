/* SPDX-License-Identifier: MIT */
/* libhv cpu/jit — the plan of a block, made before translate.c emits any code: which exits
 * stay inside the block (backward targets become loop heads, forward ones joins), which side
 * exits get their short out-of-line target translated inline (tails), and the longest path
 * through the block (its max_n, which budget checks rely on). Analysis only: nothing here
 * emits code. */
#include "cpu/jit/tr.h"

/* Decode one instruction at pc on the page at host_page; false when it straddles the page
 * end or does not decode. */
static bool decode_at(uint64_t pc, uintptr_t host_page, struct hv_insn *in)
{
    unsigned off = pc & 0xfff;
    if (off + 2 > 4096)
        return false;
    uint16_t lo, hi = 0;
    memcpy(&lo, (const void *)(host_page + off), 2);
    unsigned len = hv__insn_len(lo);
    if (off + len > 4096)
        return false;
    if (len == 4)
        memcpy(&hi, (const void *)(host_page + off + 2), 2);
    if (!hv__decode((uint32_t)lo | (uint32_t)hi << 16, in))
        return false;
    in->len = (uint8_t)len;
    return true;
}

/* Instructions a loop tail may hold: translated inline with no helper, no cold stub and
 * no use of their own pc. */
static bool tail_op(unsigned op)
{
    switch (op) {
    case HV_OP_LUI: case HV_OP_ADDI: case HV_OP_XORI: case HV_OP_ORI: case HV_OP_ANDI:
    case HV_OP_ADDIW: case HV_OP_SLTI: case HV_OP_SLTIU: case HV_OP_SLT: case HV_OP_SLTU:
    case HV_OP_SLLI: case HV_OP_SRLI: case HV_OP_SRAI: case HV_OP_SLLIW: case HV_OP_SRLIW:
    case HV_OP_SRAIW: case HV_OP_ADD: case HV_OP_SUB: case HV_OP_XOR: case HV_OP_OR:
    case HV_OP_AND: case HV_OP_ADDW: case HV_OP_SUBW: case HV_OP_SH1ADD: case HV_OP_SH2ADD:
    case HV_OP_SH3ADD: case HV_OP_MUL:
        return true;
    default:
        return false;
    }
}

/* Decode the side-exit target `target` (host_page = host address of its page) into out[]:
 * up to TAIL_MAX tail_op instructions, then `j T` or a conditional branch to T (stored in
 * out[m]) whose not-taken path goes on at the next instruction, or at the target of a `j`
 * there. Fills tl (all but first and present) and *bytes (code length); returns the number
 * of ALU instructions, or -1 when it is not such a tail. */
static int decode_tail(uint64_t target, uintptr_t host_page, struct hv_insn *out,
                       struct tail *tl, unsigned *bytes)
{
    uint64_t pc = target;
    for (unsigned m = 0; m <= TAIL_MAX; m++) {
        struct hv_insn in;
        if ((pc & ~0xfffull) != (target & ~0xfffull) || !decode_at(pc, host_page, &in))
            return -1;
        tl->to = pc + (uint64_t)in.imm;
        if (in.op == HV_OP_JAL && in.rd == 0) {
            tl->cond = false;
            *bytes = (unsigned)(pc + in.len - target);
            return (int)m;
        }
        if (is_cond_branch(in.op)) {
            out[m] = in;
            tl->cond = true;
            tl->xk = 1;
            tl->fall = pc + in.len;
            struct hv_insn j;
            if ((tl->fall & ~0xfffull) == (target & ~0xfffull) &&
                decode_at(tl->fall, host_page, &j) && j.op == HV_OP_JAL && j.rd == 0) {
                tl->xk = 2;
                tl->fall += (uint64_t)j.imm;
                pc += j.len;
            }
            *bytes = (unsigned)(pc + in.len - target);
            return (int)m;
        }
        if (m == TAIL_MAX || !tail_op(in.op))
            return -1;
        out[m] = in;
        pc += in.len;
    }
    return -1;
}

static unsigned succs(const struct tr *t, unsigned i, int out[4]);

/* In a region a jump to an earlier instruction need not close a loop (a run placed after
 * the first one jumps back into it on the way out): a head is kept only when it reaches
 * one of the instructions jumping back to it. The others' backward jumps lie on no cycle
 * (t->acyclic), so they need no budget check and their target no loop head's loads:
 * every cycle still passes a checked back-edge, and the longest path between checks stays
 * within the block's length. */
static void region_real_loops(struct tr *t)
{
    unsigned n = t->n;
    for (unsigned h = 0; h < n; h++) {
        if (t->head_end[h] < 0)
            continue;
        bool seen[HV_JIT_BLOCK_MAX] = { false }, cyclic = false;
        unsigned stack[HV_JIT_BLOCK_MAX], sp = 0;
        seen[h] = true;
        stack[sp++] = h;
        while (sp && !cyclic) {
            unsigned x = stack[--sp];
            int out[4];
            unsigned k = succs(t, x, out);
            for (unsigned e = 0; e < k; e++) {
                if (out[e] == (int)h && x >= h)
                    cyclic = true;
                if (!seen[out[e]]) {
                    seen[out[e]] = true;
                    stack[sp++] = (unsigned)out[e];
                }
            }
        }
        if (!cyclic) {
            t->head_end[h] = -1;
            t->acyclic[h] = true;
        }
    }
}

/* Where exits to block instructions go (translate's plan, before any code): loop heads for
 * backward targets, joins for forward ones. `loops`: back-edges allowed (chained mode, no
 * hooks but coverage); t->ext: the rest. Records heads; returns false when target (from
 * instruction src) would be an exit. */
static bool plan_target(struct tr *t, uint64_t target, unsigned src, bool loops)
{
    int j = idx_of(t, target);
    if (j < 0)
        return false;
    if (j > (int)src)
        return t->ext;
    if (!loops || (j && !t->ext))
        return false;
    if (t->head_end[j] < (int)src)
        t->head_end[j] = (int16_t)src;
    return true;
}

/* ---- regions ----------------------------------------------------------------------------
 *
 * A superblock follows the not-taken side of its branches; when a loop's hot path takes a
 * branch (a state machine whose common case jumps to another arm, `if (c) continue;`
 * placed out of line by the compiler), every iteration used to leave the block for a
 * second and third one, writing back and reloading the cached registers at each change.
 * A region adds to the first linear run (segment 0) more runs of the same guest page,
 * each starting at a branch or `j` target of the region that is not in it yet, decoded
 * like a superblock and ending at an instruction the region already holds (it falls into
 * it), at a block-ending instruction, after SIDE_MAX branches or at the page end. A run is
 * kept only when it leads back into the region as it was before it (falls into it, or one
 * of its branches or jumps targets it): the arms and continuations of a loop, not the code
 * after it. translate.c keeps the region only when one of its loops closes through an
 * added run; otherwise the block is the first run alone, as before. */

static bool is_jump(const struct hv_insn *in)
{
    return is_cond_branch(in->op) || (in->op == HV_OP_JAL && in->rd == 0);
}

/* Runs are short (a loop's arm, its latch); decoding longer candidates for cold code only
 * costs translation time. */
#define RUN_MAX 32

static bool held(const uint64_t *map, uint64_t pc)
{
    unsigned k = (pc & 0xfff) >> 1;
    return map[k / 64] >> (k % 64) & 1;
}

static void hold(uint64_t *map, uint64_t pc)
{
    unsigned k = (pc & 0xfff) >> 1;
    map[k / 64] |= 1ull << (k % 64);
}

bool hv__tr_region_likely(const struct tr *t, const struct hv_insn *insns)
{
    uint64_t base = t->pc0 & ~0xfffull;
    for (unsigned i = 0; i < t->n; i++) {
        uint64_t target = t->ipc[i] + (uint64_t)insns[i].imm;
        if (is_jump(&insns[i]) && target < t->ipc[i] && (target & ~0xfffull) == base &&
            idx_of(t, target) < 0)
            return true;
    }
    return false;
}

unsigned hv__tr_region(struct tr *t, struct hv_insn *insns, uintptr_t host, unsigned max)
{
    uintptr_t page = host - (t->pc0 & 0xfff);
    uint64_t base = t->pc0 & ~0xfffull;
    unsigned n = t->n;
    uint64_t map[2048 / 64] = { 0 };    /* the region's instructions, by pc on the page */
    for (unsigned i = 0; i < n; i++)
        hold(map, t->ipc[i]);
    t->seg_last[n - 1] = true;
    for (unsigned i = 0; i < n && n < max; i++) {
        if (!is_jump(&insns[i]))
            continue;
        uint64_t target = t->ipc[i] + (uint64_t)insns[i].imm;
        if ((target & ~0xfffull) != base || held(map, target))
            continue;
        unsigned m = 0, nside = 0;
        bool back = false;
        uint64_t pc = target;
        while (n + m < max && m < RUN_MAX && (pc & ~0xfffull) == base) {
            if (m && held(map, pc)) {
                back = true;            /* falls into the region */
                break;
            }
            struct hv_insn *in = &insns[n + m];
            if (!decode_at(pc, page, in))
                break;
            t->ipc[n + m] = pc;
            t->ipc[n + m + 1] = pc + in->len;
            m++;
            if (is_jump(in)) {
                uint64_t to = pc + (uint64_t)in->imm;
                back |= (to & ~0xfffull) == base && held(map, to);
            }
            if (hv__insn_ends_block(in->op) && !(is_cond_branch(in->op) && nside++ < SIDE_MAX))
                break;
            pc += in->len;
        }
        if (!back || !m)
            continue;
        t->seg_first[n] = true;
        t->seg_last[n + m - 1] = true;
        for (unsigned j = n; j < n + m; j++)
            hold(map, t->ipc[j]);
        n += m;
        t->n = n;
    }
    t->ipc[n] = fall_pc(t, n - 1);
    return n;
}

/* ---- loop depth ------------------------------------------------------------------------ */

/* Successors of instruction i inside the block (up to 4: its fall-through or next
 * instruction, a branch or jal target, a tail's targets); returns how many. */
static unsigned succs(const struct tr *t, unsigned i, int out[4])
{
    const struct hv_insn *in = &t->in[i];
    unsigned k = 0;
    int j;
    if (in->op == HV_OP_JALR || (hv__insn_ends_block(in->op) && !is_cond_branch(in->op) &&
                                 in->op != HV_OP_JAL))
        return 0;
    if (in->op != HV_OP_JAL) {
        j = run_ends(t, i) ? (t->region ? idx_of(t, fall_pc(t, i)) : -1) : (int)i + 1;
        if (j >= 0)
            out[k++] = j;
    }
    if (is_cond_branch(in->op) || in->op == HV_OP_JAL) {
        j = idx_of(t, t->ipc[i] + (uint64_t)in->imm);
        if (j >= 0)
            out[k++] = j;
    }
    if (t->tail[i].present) {
        if ((j = idx_of(t, t->tail[i].to)) >= 0)
            out[k++] = j;
        if (t->tail[i].cond && (j = idx_of(t, t->tail[i].fall)) >= 0)
            out[k++] = j;
    }
    return k;
}

/* How many loops each instruction lies in: for each loop head h (head_end[h] >= 0), its
 * natural loop, the instructions of [h, head_end[h]] that reach an edge back to h without
 * passing through h. In a linear block that is the whole range; in a region the range can
 * hold code of other loops that merely sits between (index order is not nesting). */
void hv__tr_loop_depths(const struct tr *t, uint8_t *depth)
{
    unsigned n = t->n;
    if (!t->region) {
        /* A linear block (with tails and joins): every instruction of a head's range lies
         * on its loop's path. */
        memset(depth, 0, n);
        for (unsigned h = 0; h < n; h++)
            for (int i = h; i <= t->head_end[h]; i++)
                depth[i]++;
        return;
    }
    uint64_t pred[HV_JIT_BLOCK_MAX][(HV_JIT_BLOCK_MAX + 63) / 64];
    memset(pred, 0, sizeof pred);
    memset(depth, 0, n);
    for (unsigned i = 0; i < n; i++) {
        int out[4];
        unsigned k = succs(t, i, out);
        for (unsigned e = 0; e < k; e++)
            pred[out[e]][i / 64] |= 1ull << (i % 64);
    }
    for (unsigned h = 0; h < n; h++) {
        int e = t->head_end[h];
        if (e < 0)
            continue;
        bool in_loop[HV_JIT_BLOCK_MAX] = { false };
        unsigned stack[HV_JIT_BLOCK_MAX], sp = 0;
        in_loop[h] = true;
        for (unsigned s = h; s <= (unsigned)e; s++)
            if (pred[h][s / 64] & (1ull << (s % 64)) && !in_loop[s]) {
                in_loop[s] = true;
                stack[sp++] = s;
            }
        while (sp) {
            unsigned x = stack[--sp];
            for (unsigned p = h; p <= (unsigned)e; p++)
                if (pred[x][p / 64] & (1ull << (p % 64)) && !in_loop[p]) {
                    in_loop[p] = true;
                    stack[sp++] = p;
                }
        }
        for (unsigned i = h; i <= (unsigned)e; i++)
            depth[i] += in_loop[i];
    }
}

/* One past the last instruction of the block's first loop nest (its outermost loop and
 * the loops inside it), or n without loops. */
unsigned hv__tr_loop_nest_end(const struct tr *t)
{
    int end = -1;
    for (unsigned i = 0; i < t->n; i++) {
        if (end >= 0 && (int)i > end)
            break;
        if (t->head_end[i] > end)
            end = t->head_end[i];
    }
    return end < 0 ? t->n : (unsigned)end + 1;
}

/* The plan: loop heads (back-edges of the body's branches and jumps), tails for side
 * exits whose targets lead back into the block, and the longest path (max_n). Tail
 * instructions go to tails[] (*ntail of them). */
unsigned hv__tr_plan(struct tr *t, uintptr_t host, bool loops, bool tails_ok,
                     struct hv_insn *tails, unsigned *ntail, uint64_t *tail_pc,
                     unsigned *tail_bytes)
{
    unsigned n = t->n, maxlen = n, shift = 0;
    uintptr_t page = host - (t->pc0 & 0xfff);
    for (unsigned i = 0; i < n; i++) {
        const struct hv_insn *in = &t->in[i];
        if (is_cond_branch(in->op) || in->op == HV_OP_JAL)
            plan_target(t, t->ipc[i] + (uint64_t)in->imm, i, loops);
        /* A region's run that falls into another instruction of the region (a jump). */
        if (t->region && t->seg_last[i] &&
            (!hv__insn_ends_block(in->op) || is_cond_branch(in->op)))
            plan_target(t, fall_pc(t, i), i, loops);
    }
    for (unsigned i = 0; i + 1 < n && tails_ok; i++) {
        const struct hv_insn *in = &t->in[i];
        uint64_t target = t->ipc[i] + (uint64_t)in->imm;
        if (!is_cond_branch(in->op) || idx_of(t, target) >= 0 ||
            (target & ~0xfffull) != (t->pc0 & ~0xfffull) ||
            *ntail + TAIL_MAX + 1 > 2 * HV_JIT_BLOCK_MAX)
            continue;
        struct tail tl;
        memset(&tl, 0, sizeof tl);
        int m = decode_tail(target, page, &tails[*ntail], &tl, &tail_bytes[i]);
        if (m < 0 || (tl.cond && !t->ext))
            continue;
        /* Worth it only when the tail leads back into the block. */
        int jt = idx_of(t, tl.to);
        if (jt < 0 || (jt > (int)i && !t->ext) || (jt <= (int)i && (!loops || (jt && !t->ext))))
            continue;
        plan_target(t, tl.to, i, loops);
        unsigned kt = i + 1 + (unsigned)m + 1, kf = i + 1 + (unsigned)m + tl.xk;
        if (jt > (int)i && kt > (unsigned)jt)
            shift += kt - (unsigned)jt;
        if (tl.cond && plan_target(t, tl.fall, i, loops) && idx_of(t, tl.fall) > (int)i &&
            kf > (unsigned)idx_of(t, tl.fall))
            shift += kf - (unsigned)idx_of(t, tl.fall);
        if (kt > maxlen)
            maxlen = kt;
        if (tl.cond && kf > maxlen)
            maxlen = kf;
        tl.present = true;
        tl.first = (uint16_t)(n + *ntail);
        tl.m = (uint8_t)m;
        t->tail[i] = tl;
        tail_pc[i] = target;
        *ntail += (unsigned)m + tl.cond;
    }
    /* Loops must nest: a head whose loop overlaps an earlier one without lying inside it
     * is dropped (its back-edges become exits, whose target gets a block of its own). Not
     * in a region, where index ranges are not loops (an inner loop closing through a later
     * run overlaps the outer one's range): there every back-edge checks the budget, and
     * nothing else relies on nesting (loop streams cover the whole region, translate.c). */
    if (t->region)
        region_real_loops(t);
    for (unsigned h = 1; h < n && !t->region; h++) {
        for (unsigned o = 0; o < h && t->head_end[h] >= 0; o++)
            if (t->head_end[o] >= (int)h && t->head_end[h] > t->head_end[o])
                t->head_end[h] = -1;
    }
    return maxlen + shift;
}
