/* SPDX-License-Identifier: MIT */
/* libhv cpu/jit — translation of integer loads and stores: the inline soft-TLB probe
 * (or the direct-memory window check) with a cold stub for every miss, same-page groups
 * (one probe for several accesses through the same base register), and FENCE.
 * A (AMO, LR/SC) goes through the interpreter's semantics (tr_sys.c).
 *
 * Same-page groups. An access (the owner) whose block goes on to access memory through the
 * same, unchanged base register (sp-relative spills and reloads, `lw a5,0(a0); ld a0,8(a0)`)
 * probes once for all of them: its check covers the span of every member's bytes (one
 * page, or the direct window) and the strictest member alignment, and leaves the host -
 * guest offset of that page in RDI (GRP). A member (a follower) then only tests that GRP is
 * not -1 and accesses [base + GRP + imm]. GRP is -1 whenever the proof does not hold: a
 * span that leaves the owner's page sets it without a branch after the owner's access, and
 * every load/store helper call inside a group leaves it -1 (translate.c's emit_cold), so
 * after any slow path (TLB refill, MMIO, code page, misaligned access, fault) each follower
 * takes its own ordinary probe in a cold stub ("re-probe"). Nothing but those helpers can change the
 * soft-TLB while the block runs: a group spans only instructions that tr_int / this file
 * emit inline without calls (keeps_group), so a GRP other than -1 means the entry the
 * owner hit is unchanged (same permission, no HV_TLB_CODE / HV_TLB_HOOKED flag set since;
 * no mapping has the offset -1: they are page aligned). A load owner's group holds loads
 * only (a read probe proves no write permission), a store owner's stores and loads (write
 * permission implies read: no W-only pages, and hooks keep groups off), the first access
 * in program order is the owner, so the first access that would fault still faults first. Not with hooks
 * (t->hooked). Loop streams (below) extend the idea across a self-loop's iterations. */
#include "cpu/jit/tr.h"

#define GRP RDI
/* Longest span of a group's bytes: the longer, the more often the owner's one-page check
 * fails for a base near a page end (then every member re-probes). */
#define GRP_SPAN 256
/* How far after the owner members are looked for (translation time). */
#define GRP_WINDOW 24

/* ---- memory accesses ----------------------------------------------------------------------- */

/* What one inline check covers: va a multiple of align and, in the direct window, bytes
 * [va + lo, va + end) (on the full backend owner_span checks the page). */
struct cover {
    int32_t lo, end;
    unsigned align;
    int off_reg;                /* receives the host - guest offset: RDX, or GRP for a group */
    bool hint;                  /* may use t->addend_hint (with a COLD_ADDEND stub) */
};

/* Loads and stores through the direct window (para), or loads only (flat M-mode data on
 * the full backend: stores keep the soft-TLB, whose write tags flag code pages). */
static bool direct_for(const struct tr *t, bool store)
{
    return t->direct || (t->flat_ld && !store);
}

/* RCX := the soft-TLB entry's offset for va in RAX ((va >> 12 & 0xfff) * 32). With BMI2,
 * rorx copies and shifts in one instruction (the bits it rotates in are masked off). */
static void tlb_index(struct tr *t)
{
    _Static_assert(HV_TLB_SIZE == 4096 && sizeof(struct hv_tlb_entry) == 32, "index mask");
    if (t->jit->features & HV_X86_F_BMI2) {
        hv__x86_rorx(t->b, 4, RCX, RAX, 7);
    } else {
        hv__x86_mov_rr(t->b, 4, RCX, RAX);
        hv__x86_shift_ri(t->b, HV_X86_SHR, 4, RCX, 7);
    }
    hv__x86_alu_ri(t->b, HV_X86_AND, 4, RCX, 0x1ffe0);
}

/* The check for va in RAX; failures jump to c. Returns the memory operand of the access at
 * va (RAX stays va on every path to c). */
static struct hv__x86_mem check(struct tr *t, struct cold *c, const struct cover *o,
                                unsigned size, bool store)
{
    struct hv__x86_buf *b = t->b;
    if (direct_for(t, store)) {
        /* One unsigned compare of (va + lo - base) with the window size less the span, then
         * [va + (host - base)]: the address does not wait for the compare's operands. */
        int64_t disp = (int64_t)o->lo - (int64_t)t->win_base;
        if (disp >= INT32_MIN && disp <= INT32_MAX) {
            hv__x86_lea(b, 8, RCX, hv__x86_mb(RAX, (int32_t)disp));
        } else {
            hv__x86_mov_ri(b, RDX, t->win_base - (uint64_t)(int64_t)o->lo);
            hv__x86_mov_rr(b, 8, RCX, RAX);
            hv__x86_alu_rr(b, HV_X86_SUB, 8, RCX, RDX);
        }
        uint64_t lim = t->win_size - (uint64_t)(o->end - o->lo);
        if (lim <= INT32_MAX) {
            hv__x86_alu_ri(b, HV_X86_CMP, 8, RCX, (int32_t)lim);
        } else {
            hv__x86_mov_ri(b, RDX, lim);
            hv__x86_alu_rr(b, HV_X86_CMP, 8, RCX, RDX);
        }
        c->from[c->nfrom++] = hv__x86_jcc_fwd(b, HV_X86_CC_A);
        int64_t nb = -(int64_t)t->win_base;
        if (o->off_reg == RDX && t->rsi_base && !t->rsi_busy && nb >= INT32_MIN)
            return hv__x86_mbi(RAX, RSI, 1, (int32_t)nb);   /* va + (host - base) */
        hv__x86_mov_ri(b, o->off_reg, (uint64_t)(uintptr_t)t->win_host - t->win_base);
        return hv__x86_mbi(RAX, o->off_reg, 1, 0);
    }
    tlb_index(t);
    hv__x86_mov_rr(b, 8, RDX, RAX);
    if (store) {
        /* The write tag may carry HV_TLB_CODE (bit 0): test alignment separately so a
         * misaligned address can never match a flagged tag. */
        if (o->align > 1) {
            hv__x86_test_ri(b, 4, RAX, (int32_t)(o->align - 1));
            c->from[c->nfrom++] = hv__x86_jcc_fwd(b, HV_X86_CC_NE);
        }
        hv__x86_alu_ri(b, HV_X86_AND, 8, RDX, (int32_t)0xfffff000);
    } else {
        hv__x86_alu_ri(b, HV_X86_AND, 8, RDX, (int32_t)(0xfffff000u | (o->align - 1)));
    }
    hv__x86_alu_rm(b, HV_X86_CMP, 8, RDX,
                   hv__x86_mbi(RBX, RCX, 1, TLB_OFF + 8 * (store ? HV_ACC_WRITE : HV_ACC_READ)));
    c->from[c->nfrom++] = hv__x86_jcc_fwd(b, HV_X86_CC_NE);
    if (o->hint && t->hint_exact) {
        /* M-mode with a near addend (HV_TLB_FAR, cpu.h): the tag hit proves the addend is
         * addend_hint, nothing to compare. A far page (outside main RAM, or MPRV through
         * paging) misses the tag compare and takes the helper, which masks the flag. */
        hv__x86_mov_ri(b, o->off_reg, (uint64_t)t->addend_hint);
        return hv__x86_mbi(RAX, o->off_reg, 1, 0);
    }
    if (o->hint && t->addend_hint) {
        /* Without paging all of RAM shares the code's mapping offset: address with that
         * constant and only compare the entry's addend, so the addend load is off the
         * address's dependency chain (it fed every load's address: ~5 cycles on each
         * pointer chase / table lookup). Another addend: a cold stub loads it into the
         * offset register and comes back. */
        struct cold *a = new_cold(t, COLD_ADDEND);
        a->dst = o->off_reg;
        hv__x86_mov_ri(b, o->off_reg, (uint64_t)t->addend_hint);
        hv__x86_alu_rm(b, HV_X86_CMP, 8, o->off_reg, hv__x86_mbi(RBX, RCX, 1, TLB_OFF + 24));
        a->from[a->nfrom++] = hv__x86_jcc_fwd(b, HV_X86_CC_NE);
        a->resume = hv__x86_label(b);
        return hv__x86_mbi(RAX, o->off_reg, 1, 0);
    }
    if (o->off_reg == RDX) {
        hv__x86_alu_rm(b, HV_X86_ADD, 8, RAX, hv__x86_mbi(RBX, RCX, 1, TLB_OFF + 24));
        return hv__x86_mb(RAX, 0);
    }
    hv__x86_load(b, 8, o->off_reg, hv__x86_mbi(RBX, RCX, 1, TLB_OFF + 24));
    return hv__x86_mbi(RAX, o->off_reg, 1, 0);
}

static void va_to_rax(struct tr *t, int base, int64_t imm)
{
    if (imm)
        hv__x86_lea(t->b, 8, RAX, hv__x86_mb(base, (int32_t)imm));
    else if (base != RAX)
        hv__x86_mov_rr(t->b, 8, RAX, base);
}

/* A single access in the direct window, checked from the base register: RCX = va - window
 * base (one lea) and the unsigned compare, while the access itself is [base + RSI + imm -
 * window base] (RSI = the window's host address; else RDX = host - window base): its
 * address does not wait for the lea. va itself is not needed on the fast path, so the cold
 * stub computes it into RAX (c->va_lazy). false: the displacement does not fit (negative
 * offsets with a window at 2 GiB), use check(). */
static bool direct_single(struct tr *t, struct cold *c, int base, int64_t imm, unsigned size,
                          struct hv__x86_mem *m)
{
    int64_t disp = imm - (int64_t)t->win_base;
    uint64_t lim = t->win_size - size;
    if (disp < INT32_MIN || disp > INT32_MAX || lim > INT32_MAX)
        return false;
    struct hv__x86_buf *b = t->b;
    hv__x86_lea(b, 8, RCX, hv__x86_mb(base, (int32_t)disp));
    hv__x86_alu_ri(b, HV_X86_CMP, 8, RCX, (int32_t)lim);
    c->from[c->nfrom++] = hv__x86_jcc_fwd(b, HV_X86_CC_A);
    c->va_lazy = true;
    c->va_base = base;
    c->va_imm = (int32_t)imm;
    /* The access addresses from the base register, not from RCX: the load does not wait
     * for the lea (one cycle more on every dependent load: linked lists, table lookups). */
    if (t->rsi_base && !t->rsi_busy) {
        *m = hv__x86_mbi(base, RSI, 1, (int32_t)disp);
        return true;
    }
    hv__x86_mov_ri(b, RDX, (uint64_t)(uintptr_t)t->win_host - t->win_base);
    *m = hv__x86_mbi(base, RDX, 1, (int32_t)imm);
    return true;
}

/* Emit the fast path for an access of `size` at [base + imm]; jumps to the cold stub c on
 * any miss, with va in RAX there. Returns the memory operand for the access. */
struct hv__x86_mem hv__tr_fast_path(struct tr *t, struct cold *c, int base, int64_t imm,
                                    unsigned size, bool store)
{
    struct hv__x86_mem m;
    if (direct_for(t, store) && direct_single(t, c, base, imm, size, &m))
        return m;
    struct cover o = { 0, (int32_t)size, size, RDX, true };
    va_to_rax(t, base, imm);
    return check(t, c, &o, size, store);
}

static void access(struct tr *t, struct hv__x86_mem m, unsigned size, bool sign, bool store,
                   int reg)
{
    struct hv__x86_buf *b = t->b;
    if (store) {
        if (reg < 0)
            hv__x86_store_imm(b, size, m, 0);
        else
            hv__x86_store(b, size, m, reg);
    } else if (size == 8) {
        hv__x86_load(b, 8, reg, m);
    } else if (size == 4 && sign) {
        hv__x86_movsxd_load(b, reg, m);
    } else if (size == 4) {
        hv__x86_load(b, 4, reg, m);
    } else if (sign) {
        hv__x86_movsx_load(b, 8, size, reg, m);
    } else {
        hv__x86_movzx_load(b, 4, size, reg, m);
    }
}

/* ---- same-page groups (see the header comment) -------------------------------------------- */

static unsigned mem_size(unsigned op)
{
    switch (op) {
    case HV_OP_LB: case HV_OP_LBU: case HV_OP_SB: return 1;
    case HV_OP_LH: case HV_OP_LHU: case HV_OP_SH: return 2;
    case HV_OP_LW: case HV_OP_LWU: case HV_OP_SW: return 4;
    case HV_OP_LD: case HV_OP_SD: return 8;
    default: return 0;
    }
}

static bool is_store(unsigned op);

/* How many of the first n decoded instructions (block and tails) access memory through
 * the direct window (integer or FP loads, and stores when the block is direct)? */
unsigned hv__tr_mem_count(const struct tr *t, unsigned n)
{
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned op = t->in[i].op;
        bool ld = (mem_size(op) && !is_store(op)) || op == HV_OP_FLW || op == HV_OP_FLD;
        bool st = is_store(op) || op == HV_OP_FSW || op == HV_OP_FSD;
        k += ld || (st && t->direct);
    }
    return k;
}

static bool is_store(unsigned op)
{
    return op == HV_OP_SB || op == HV_OP_SH || op == HV_OP_SW || op == HV_OP_SD;
}

static bool is_branch_or_jal(unsigned op)
{
    switch (op) {
    case HV_OP_BEQ: case HV_OP_BNE: case HV_OP_BLT: case HV_OP_BGE: case HV_OP_BLTU:
    case HV_OP_BGEU: case HV_OP_JAL:
        return true;
    default:
        return false;
    }
}

/* Instructions a group may span: emitted inline by tr_int.c / this file with no helper
 * call, no use of GRP and no change to the soft-TLB (conditional branches leave through
 * cold side exits). */
static bool keeps_group(unsigned op)
{
    switch (op) {
    case HV_OP_LUI: case HV_OP_AUIPC: case HV_OP_ADDI: case HV_OP_XORI: case HV_OP_ORI:
    case HV_OP_ANDI: case HV_OP_ADDIW: case HV_OP_SLTI: case HV_OP_SLTIU: case HV_OP_SLT:
    case HV_OP_SLTU: case HV_OP_SLLI: case HV_OP_SRLI: case HV_OP_SRAI: case HV_OP_SLLIW:
    case HV_OP_SRLIW: case HV_OP_SRAIW: case HV_OP_ADD: case HV_OP_SUB: case HV_OP_XOR:
    case HV_OP_OR: case HV_OP_AND: case HV_OP_ADDW: case HV_OP_SUBW: case HV_OP_SLL:
    case HV_OP_SRL: case HV_OP_SRA: case HV_OP_SLLW: case HV_OP_SRLW: case HV_OP_SRAW:
    case HV_OP_MUL: case HV_OP_MULW: case HV_OP_MULH: case HV_OP_MULHU: case HV_OP_MULHSU:
    case HV_OP_DIV: case HV_OP_DIVU: case HV_OP_REM: case HV_OP_REMU: case HV_OP_DIVW:
    case HV_OP_DIVUW: case HV_OP_REMW: case HV_OP_REMUW: case HV_OP_ADD_UW:
    case HV_OP_SH1ADD: case HV_OP_SH2ADD: case HV_OP_SH3ADD: case HV_OP_SH1ADD_UW:
    case HV_OP_SH2ADD_UW: case HV_OP_SH3ADD_UW: case HV_OP_SLLI_UW: case HV_OP_ANDN:
    case HV_OP_ORN: case HV_OP_XNOR: case HV_OP_SEXT_B: case HV_OP_SEXT_H: case HV_OP_ZEXT_H:
    case HV_OP_MAX: case HV_OP_MIN: case HV_OP_MAXU: case HV_OP_MINU: case HV_OP_BEXT:
    case HV_OP_BEXTI: case HV_OP_BSET: case HV_OP_BSETI: case HV_OP_BCLR: case HV_OP_BCLRI:
    case HV_OP_BINV: case HV_OP_BINVI: case HV_OP_CZERO_EQZ: case HV_OP_CZERO_NEZ:
    case HV_OP_BEQ: case HV_OP_BNE: case HV_OP_BLT: case HV_OP_BGE: case HV_OP_BLTU:
    case HV_OP_BGEU: case HV_OP_FENCE:
        return true;
    default:
        return mem_size(op) != 0;
    }
}

/* GRP (RDI) is free for groups and streams: no guest register is cached in it (a block
 * whose register allocation uses it gets neither; the allocator leaves it free when
 * hv__tr_mem_wants_rdi says the block has a group candidate). */
static bool grp_reg_free(const struct tr *t)
{
    for (unsigned g = 1; g < 32; g++)
        if (t->host_of[g] == GRP)
            return false;
    return true;
}

/* Instructions reached other than by falling through from the one before: targets of the
 * block's conditional branches and jals, loop heads (translate.c's plan: head_end[]), and
 * the targets of the side exits' tails (back to a head, or forward joins). A group never
 * spans one, so every path to a member runs its owner first. */
static void mark_target(struct tr *t, uint64_t target)
{
    int j = idx_of(t, target);
    if (j >= 0)
        t->grp_target[j] = true;
}

static void scan_targets(struct tr *t)
{
    if (t->grp_scanned)
        return;
    t->grp_scanned = true;
    for (unsigned i = 0; i < t->n; i++) {
        const struct hv_insn *in = &t->in[i];
        if (is_branch_or_jal(in->op))
            mark_target(t, t->ipc[i] + (uint64_t)in->imm);
        if (t->head_end[i] >= 0 || (t->region && t->seg_first[i]))
            t->grp_target[i] = true;
        if (t->region && t->seg_last[i])
            mark_target(t, fall_pc(t, i));  /* a run falling into the region */
        if (t->tail[i].present) {
            mark_target(t, t->tail[i].to);
            if (t->tail[i].cond)
                mark_target(t, t->tail[i].fall);
        }
    }
}

/* For translate.c's register allocator, before it runs: the block has a same-page group
 * candidate (two accesses through one base within GRP_WINDOW, nothing in between that ends
 * a group), so RDI goes to groups rather than to a ninth cached guest register. */
bool hv__tr_mem_wants_rdi(struct tr *t)
{
    if (t->hooked || (!t->direct && !t->addend_hint))
        return false;
    scan_targets(t);
    for (unsigned i = 0; i < t->n; i++) {
        const struct hv_insn *in = &t->in[i];
        unsigned base = in->rs1;
        if (!mem_size(in->op) || !base || (!is_store(in->op) && in->rd == base))
            continue;
        for (unsigned j = i + 1; j < t->n && j <= i + GRP_WINDOW; j++) {
            const struct hv_insn *x = &t->in[j];
            if (!keeps_group(x->op) || t->grp_target[j] || (t->region && is_cond_branch(x->op)))
                break;
            if (mem_size(x->op) && x->rs1 == base && (is_store(in->op) || !is_store(x->op)))
                return true;
            if (x->rd == base)
                break;
        }
    }
    return false;
}

/* (In a region a group ends at a conditional branch: there the code after a branch is no
 * likelier than its target, and an owner would pay for members that rarely run, e.g. the
 * access after a list walk's loop.) */

/* Access i becomes a group's owner if later accesses of the block through the same base
 * register (not written in between, only keeps_group instructions in between) can share
 * its check: marks them in t->grp_follow and returns the owner's cover. */
static bool plan_group(struct tr *t, unsigned i, struct cover *o)
{
    const struct hv_insn *in = &t->in[i];
    unsigned size = mem_size(in->op), base = in->rs1;
    bool store = is_store(in->op), any = false;
    /* Not under paging (no addend hint): there TLB flushes are frequent, the members' cold
     * re-probes and the bigger code cost more than they save (Linux boot: +12 % CPU). */
    bool dir = direct_for(t, store);
    if (t->hooked || (!t->direct && !t->addend_hint) || i < t->grp_end || !base ||
        (!store && in->rd == base) || !grp_reg_free(t))
        return false;
    scan_targets(t);
    int32_t o1 = (int32_t)in->imm, lo = o1, end = o1 + (int32_t)size;
    unsigned align = size;
    for (unsigned j = i + 1; j < t->n && j <= i + GRP_WINDOW; j++) {
        const struct hv_insn *x = &t->in[j];
        if (!keeps_group(x->op) || t->grp_target[j] || (t->region && is_cond_branch(x->op)))
            break;
        unsigned s = mem_size(x->op);
        /* A write probe also proves the page readable (RAM: no W without R) */
        if (s && x->rs1 == base && (store || !is_store(x->op)) && !t->stream_reg[j]) {
            int32_t xo = (int32_t)x->imm;
            int32_t nlo = xo < lo ? xo : lo, nend = xo + (int32_t)s > end ? xo + (int32_t)s : end;
            /* Aligned whenever the owner's va is a multiple of the largest member size. */
            bool aligned = dir || (xo - o1) % (int32_t)s == 0;
            bool fits = nend - nlo <= GRP_SPAN && (!dir || (uint64_t)(nend - nlo) <= t->win_size);
            if (aligned && fits) {
                lo = nlo;
                end = nend;
                if (s > align)
                    align = s;
                t->grp_follow[j] = true;
                t->grp_end = j + 1;
                any = true;
            }
        }
        if (x->rd == base)
            break;
    }
    if (!any)
        return false;
    o->lo = lo - o1;
    o->end = end - o1;
    o->align = align;
    o->off_reg = GRP;
    o->hint = true;
    return true;
}

/* After a group owner's access on the full backend (RAX = va, GRP = the offset): GRP := -1
 * unless the group's bytes lie in the owner's page, without a branch (a base near a page
 * end must not send the owner to a slow path): c = ((va + lo) & 0xfff) <= 4096 - span,
 * RCX = c ? 0 : -1, GRP |= RCX. */
static void owner_span(struct tr *t, const struct cover *o, unsigned size, bool store)
{
    struct hv__x86_buf *b = t->b;
    if (direct_for(t, store) || (o->lo == 0 && o->end == (int32_t)size))
        return;
    hv__x86_lea(b, 4, RCX, hv__x86_mb(RAX, o->lo));
    hv__x86_alu_ri(b, HV_X86_AND, 4, RCX, 0xfff);
    hv__x86_alu_ri(b, HV_X86_CMP, 4, RCX, 4096 - (o->end - o->lo) + 1);
    hv__x86_alu_rr(b, HV_X86_SBB, 8, RCX, RCX);
    hv__x86_unary(b, HV_X86_NOT, 8, RCX);
    hv__x86_alu_rr(b, HV_X86_OR, 8, GRP, RCX);
}

/* The address of access i (RAX = va afterwards unless it is a follower) and its check:
 * a group's owner (*owner set: owner_span follows the access), a follower, or a single
 * access. */
static struct hv__x86_mem address(struct tr *t, unsigned i, struct cold *c, int base,
                                  unsigned size, bool store, struct cover *o, bool *owner)
{
    const struct hv_insn *in = &t->in[i];
    *owner = false;
    if (t->grp_follow[i]) {
        /* GRP not -1: the owner's check covered this access. */
        c->reprobe = true;
        c->base = base;
        hv__x86_alu_ri(t->b, HV_X86_CMP, 8, GRP, -1);
        c->from[c->nfrom++] = hv__x86_jcc_fwd(t->b, HV_X86_CC_E);
        return hv__x86_mbi(base, GRP, 1, (int32_t)in->imm);
    }
    if (t->stream_reg[i]) {
        /* Same page as this access's last fast hit: [va + hint]. */
        int sreg = t->stream_reg[i];
        c->reprobe = true;
        c->base = -1;
        c->sreg = sreg;
        va_to_rax(t, base, in->imm);
        if (base == RAX)        /* now va */
            hv__x86_mov_rr(t->b, 8, RCX, RAX);
        else
            hv__x86_lea(t->b, 8, RCX, hv__x86_mb(base, (int32_t)in->imm));
        hv__x86_alu_ri(t->b, HV_X86_AND, 8, RCX, (int32_t)(0xfffff000u | (size - 1)));
        hv__x86_alu_rr(t->b, HV_X86_CMP, 8, RCX, sreg);
        c->from[c->nfrom++] = hv__x86_jcc_fwd(t->b, HV_X86_CC_NE);
        hv__x86_mov_ri(t->b, RDX, (uint64_t)t->addend_hint);
        return hv__x86_mbi(RAX, RDX, 1, 0);
    }
    if (plan_group(t, i, o)) {
        /* Misses go to the helper (then GRP is -1); the full backend's probe checks the
         * owner's page and the largest member alignment (a member that needs more than
         * the base gives is misaligned: a slow access anyway), the direct window the span. */
        *owner = true;
        va_to_rax(t, base, in->imm);
        return check(t, c, o, size, store);
    }
    return hv__tr_fast_path(t, c, base, in->imm, size, store);
}

/* Cold: a loop stream's access in another page than its last fast hit (va in RAX). The
 * ordinary probe; on a hit the stream's register takes the page when the entry's addend is
 * the hint (else -1), then the access and back; a miss falls into the helper call. */
static void stream_probe(struct tr *t, struct cold *c, unsigned size, bool store)
{
    struct hv__x86_buf *b = t->b;
    tlb_index(t);
    hv__x86_mov_rr(b, 8, RDX, RAX);
    c->nfrom = 0;
    if (store) {
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
    hv__x86_mov_rr(b, 8, c->sreg, RDX);
    hv__x86_mov_ri(b, RDX, (uint64_t)t->addend_hint);
    hv__x86_alu_rm(b, HV_X86_CMP, 8, RDX, hv__x86_mbi(RBX, RCX, 1, TLB_OFF + 24));
    struct hv__x86_fixup same = hv__x86_jcc8_fwd(b, HV_X86_CC_E);
    hv__x86_mov_ri_sx(b, c->sreg, -1);
    hv__x86_load(b, 8, RDX, hv__x86_mbi(RBX, RCX, 1, TLB_OFF + 24));
    hv__x86_bind(b, same);
    access(t, hv__x86_mbi(RAX, RDX, 1, 0), size, (c->kind_arg & 0x10) != 0, store,
           store ? c->val : c->dst);
    hv__x86_jmp_to(b, c->resume);
    for (unsigned j = 0; j < c->nfrom; j++)
        hv__x86_bind(b, c->from[j]);
    c->nfrom = 0;
}

/* Loop streams. In a loop whose body (instructions 0..loop_end) holds only
 * keeps_group instructions, an access whose base register no other access of the loop uses
 * (those form groups) and the loop only advances by
 * constants (`addi base, base, imm`, or not at all: strings, arrays, matrix columns) keeps
 * the page of its last fast-path hit in a register (RSI, or RDI when no group can use it)
 * across iterations: the access checks that va masked as in the tag compare equals it (the
 * same page, aligned) and accesses [va + hint] (M-mode code, t->addend_hint: the register is
 * only set when the entry's addend is the hint); otherwise the ordinary probe runs in a
 * cold stub and sets the register on a hit. -1 means none (a masked va never equals it):
 * the value before the loop head and after every helper call (translate.c's emit_cold), so
 * a page is trusted only while nothing has run that could change the soft-TLB.
 * Loops may hold inner heads and forward joins (translate.c's plan): the register's value
 * does not depend on the path, only on this access's own hits and the resets.
 * translate.c calls hv__tr_mem_loop once per block, for a loop head at instruction 0
 * (range 0..head_end[0]) on its entry path; loops headed elsewhere get no streams. Calling
 * it for more heads would have to keep the registers distinct block-wide: two streams
 * sharing one would let a store trust a page a load's probe set (a read probe proves no
 * write permission). */
static bool advances_by_constants(const struct tr *t, int loop_end, unsigned r)
{
    for (int j = 0; j <= loop_end; j++) {
        const struct hv_insn *x = &t->in[j];
        if (x->rd == r && !(x->op == HV_OP_ADDI && x->rs1 == r))
            return false;
        for (unsigned k = 0; t->tail[j].present && k < t->tail[j].m; k++) {
            x = &t->in[t->tail[j].first + k];
            if (x->rd == r && !(x->op == HV_OP_ADDI && x->rs1 == r))
                return false;
        }
    }
    return true;
}

void hv__tr_mem_loop(struct tr *t, int loop_end)
{
    if (t->direct || t->flat_ld || !t->addend_hint || t->hooked)
        return;
    bool rsi_free = true, rdi_free = true;
    for (int i = 0; i <= loop_end; i++) {
        const struct hv_insn *in = &t->in[i];
        if (!keeps_group(in->op))
            return;
        if (in->op == HV_OP_MULHSU || (is_store(in->op) && in->rs2 && t->host_of[in->rs2] < 0))
            rsi_free = false;       /* RSI is their scratch register */
        for (int j = 0; j < i && mem_size(in->op); j++)
            if (mem_size(t->in[j].op) && t->in[j].rs1 == in->rs1)
                rdi_free = false;   /* two accesses through one base: leave RDI to groups */
    }
    int regs[2], nregs = 0, used = 0;
    if (rsi_free)
        regs[nregs++] = RSI;
    if (rdi_free && grp_reg_free(t))
        regs[nregs++] = RDI;
    for (int i = 0; i <= loop_end && used < nregs; i++) {
        const struct hv_insn *in = &t->in[i];
        if (!mem_size(in->op) || !in->rs1 || !advances_by_constants(t, loop_end, in->rs1))
            continue;
        bool shared = false;        /* accesses that share a base form groups instead */
        for (int j = 0; j <= loop_end; j++)
            shared |= j != i && mem_size(t->in[j].op) && t->in[j].rs1 == in->rs1;
        if (shared)
            continue;
        t->stream_reg[i] = (uint8_t)regs[used];
        t->streams = true;
        hv__x86_mov_ri_sx(t->b, regs[used], -1);
        if (regs[used] == RDI && t->grp_end < (unsigned)loop_end + 1)
            t->grp_end = (unsigned)loop_end + 1;    /* no group owner in the loop */
        used++;
    }
}

/* Cold: a group member whose group check did not hold (GRP -1, or the owner's cover
 * failed): GRP := -1, the ordinary check and access, back to the block; a miss falls into
 * the helper call that follows (translate.c). */
void hv__tr_mem_reprobe(struct tr *t, struct cold *c)
{
    struct hv__x86_buf *b = t->b;
    unsigned size = c->kind_arg & 0xf;
    bool store = c->kind == COLD_STORE;
    struct cover o = { 0, (int32_t)size, size, RDX, false };
    if (c->sreg) {
        stream_probe(t, c, size, store);
        return;
    }
    hv__x86_alu_ri(b, HV_X86_OR, 8, GRP, -1);
    if (c->base >= 0)
        va_to_rax(t, c->base, t->in[c->k].imm);
    c->nfrom = 0;
    t->rsi_busy = store && c->val == RSI;   /* the stored value, not the window */
    struct hv__x86_mem m = check(t, c, &o, size, store);
    t->rsi_busy = false;
    access(t, m, size, (c->kind_arg & 0x10) != 0, store, store ? c->val : c->dst);
    hv__x86_jmp_to(b, c->resume);
    for (unsigned j = 0; j < c->nfrom; j++)
        hv__x86_bind(b, c->from[j]);
    c->nfrom = 0;
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
    struct cover o = { 0, 0, 1, RDX, false };
    bool owner;
    access(t, address(t, i, c, base, size, false, &o, &owner), size, sign, false, d);
    if (owner)
        owner_span(t, &o, size, false);
    c->reset = i < t->grp_end || t->streams;
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
    struct cover o = { 0, 0, 1, RDX, false };
    bool owner;
    t->rsi_busy = v == RSI;
    access(t, address(t, i, c, base, size, true, &o, &owner), size, false, true, v);
    t->rsi_busy = false;
    if (owner)
        owner_span(t, &o, size, true);
    c->reset = i < t->grp_end || t->streams;
    c->resume = hv__x86_label(t->b);
    if (v == RSI)
        rsi_restore(t);
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
