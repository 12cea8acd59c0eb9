/* SPDX-License-Identifier: MIT */
/* libhv cpu/jit — translation of one RV64 basic block to x86-64: the block driver (block
 * scan, superblocks and side exits, loop tails, register allocation, exits and chaining,
 * cold stubs, control transfer), plus the shared stubs (enter/exit, jump-cache probe) at
 * the start of every code cache generation. Instructions by concern: tr_int.c, tr_mem.c,
 * tr_fp.c, tr_sys.c; what they share: tr.h.
 *
 * Generated code conventions: RBX holds the struct hv_cpu pointer for as long as generated
 * code runs. Guest registers live in cpu->x; within a block the most used ones are cached
 * in host registers (RBP, R12-R15 survive helper calls; R8-R11 are reloaded after them),
 * loaded on first use and written back at block exits and before any helper that may
 * observe them. RAX, RCX, RDX, RSI, RDI are scratch. R15 holds cpu->instret for as long as
 * generated code runs (blocks add to it as they retire instructions, chained blocks check
 * the budget against it); the enter stub loads it, the exit stub stores it, and the code
 * stores it before every helper call and reloads it after (helpers read and may change
 * instret). pc is only materialised at exits and before helpers (exact there, so
 * exceptions are precise). Slow paths (soft-TLB
 * misses, MMIO, misaligned accesses, code pages) are out-of-line "cold" stubs after the
 * block body, each restoring the exact register state of its instruction.
 *
 * Native: RV64I ALU/branches/jumps/loads/stores (inline soft-TLB or direct-memory fast
 * path), M, Zba, most of Zbb/Zbs, Zicond, FENCE. Everything else (F/D/Zfh, A, CSRs,
 * system, Zbc, Zbkb, Zbkx, cbo.*, orc.b, illegal) calls hv__jit_h_exec, i.e. the
 * interpreter's own semantics. Nothing here runs while Sdtrig watches are armed (jit.c). */
#include <stdio.h>
#include <string.h>
#include "cpu/jit/tr.h"
#include "cpu/x86/disas.h"
#include "cpu/fpu.h"

/* Host registers that cache guest registers, callee-saved first. */
static const int cache_regs[] = { RBP, R12, R13, R14, R8, R9, R10, R11 };
#define NCACHE (sizeof(cache_regs) / sizeof(cache_regs[0]))
#define NCALLEE 4

/* Superblocks: a block continues past up to this many not-taken conditional branches. */
#define SIDE_MAX 8
/* Loop tails: a side exit whose target is at most TAIL_MAX plain ALU instructions and a
 * `j pc0` (e.g. `while (v[i] < p) i++;` compiled as a branch out of the loop body to an
 * increment that jumps back) is translated inline as another back-edge of the self-loop,
 * instead of leaving for a two-block cycle that writes back and reloads every register
 * on each iteration. */
#define TAIL_MAX 6

/* Most used guest registers first; in a self-loop, uses inside the loop (up to its last
 * back-edge) count far more than the code after it, which runs once. */
static void alloc_regs(struct tr *t, int loop_end)
{
    unsigned count[32] = { 0 };
    for (unsigned i = 0; i < t->n; i++) {
        const struct hv_insn *in = &t->in[i];
        unsigned w = (int)i <= loop_end ? 32 : 2;
        count[in->rs1] += w;
        count[in->rs2] += w;
        count[in->rd] += w;
        for (unsigned j = 0; t->tail[i].present && j < t->tail[i].m; j++) {
            const struct hv_insn *ti = &t->in[t->tail[i].first + j];
            count[ti->rs1] += 32;
            count[ti->rs2] += 32;
            count[ti->rd] += 32;
        }
    }
    count[0] = 0;
    memset(t->host_of, -1, sizeof(t->host_of));
    t->callee_mask = 0;
    for (unsigned k = 0; k < NCACHE; k++) {
        unsigned best = 0;
        for (unsigned g = 1; g < 32; g++)
            if (count[g] > count[best])
                best = g;
        if (!best)
            break;
        t->host_of[best] = (int8_t)cache_regs[k];
        if (k < NCALLEE)
            t->callee_mask |= 1u << best;
        count[best] = 0;
    }
}

/* ---- block exits -------------------------------------------------------------------------- */

/* The edge-map update for a block start at `pc`: map[(loc ^ prev) & mask]++, prev = loc >> 1
 * (loc < 2^32, mask < 2^31). At block entries, and with coverage alone also inside the
 * translated code (after a not-taken branch of a superblock, on a self-loop's back-edge,
 * at a loop tail). Clobbers RCX, RDX and flags. */
static void emit_cov(struct tr *t, uint64_t pc)
{
    struct hv__x86_buf *b = t->b;
    const struct hv_cpu_hooks *h = &t->cpu->hk;
    uint64_t loc = hv__hk_loc(pc);
    hv__x86_load(b, 4, RCX, hv__x86_mb(RBX, HK_PREV_OFF));
    hv__x86_alu_ri(b, HV_X86_XOR, 4, RCX, (int32_t)(uint32_t)loc);
    hv__x86_alu_ri(b, HV_X86_AND, 4, RCX, (int32_t)h->cov_mask);
    hv__x86_mov_ri(b, RDX, (uint64_t)(uintptr_t)h->cov);
    hv__x86_alu_mi(b, HV_X86_ADD, 1, hv__x86_mbi(RDX, RCX, 1, 0), 1);
    hv__x86_store_imm(b, 4, hv__x86_mb(RBX, HK_PREV_OFF), (int32_t)(uint32_t)(loc >> 1));
}

/* Leave for guest pc `target` (state already written back, instret counted). */
static void exit_to(struct tr *t, uint64_t target)
{
    struct hv__x86_buf *b = t->b;
    if (t->jit->opts.no_chain) {
        set_pc(t, target, RAX);
        hv__x86_alu_rr(b, HV_X86_XOR, 4, RAX, RAX);
        hv__x86_jmp_abs(b, (uintptr_t)t->jit->exit_nochain, RAX);
        return;
    }
    if ((target & ~0xfffull) == (t->pc0 & ~0xfffull)) {
        /* Same guest page: chainable (QEMU's rule: no mapping re-check needed). */
        struct cold *c = new_cold(t, COLD_CHAIN);
        c->pc = target;
        c->from[0] = hv__x86_jmp_patchable(b);
        c->nfrom = 1;
        return;
    }
    hv__x86_mov_ri(b, RAX, target);
    hv__x86_jmp_abs(b, (uintptr_t)t->jit->jc_lookup, RCX);
}


/* Back-edge of a self-loop after k instructions of this iteration (`dirty` / `loaded`: the
 * register cache state here): count them, the same budget / exit-request check as the
 * checked entry, then straight to loop_head without writing back or reloading (registers
 * lost to helper calls excepted). Every iteration checks, so budgets stay exact and
 * interrupt latency bounded. */
static void loop_back(struct tr *t, unsigned k, uint32_t dirty, uint32_t loaded)
{
    struct hv__x86_buf *b = t->b;
    for (unsigned g = 1; g < 32; g++)
        if ((t->preload & ~loaded) & (1u << g))
            hv__x86_load(b, 8, t->host_of[g], xmem(g));
    add_instret(t, k);
    hv__x86_lea(b, 8, RAX, hv__x86_mb(IREG, (int32_t)t->maxlen));
    hv__x86_alu_rm(b, HV_X86_CMP, 8, RAX, hv__x86_mb(RBX, STOP_OFF));
    struct hv__x86_fixup over = hv__x86_jcc_fwd(b, HV_X86_CC_A);
    if (t->cov_only)
        emit_cov(t, t->pc0);    /* the back-edge is a taken branch: a block start */
    hv__x86_jmp_to(b, t->loop_head);
    /* Leave for the dispatcher at pc0 (the COLD_ENTRY stub), state written back. */
    hv__x86_bind(b, over);
    write_back(t, dirty);
    if (t->entry_label >= 0)
        hv__x86_jmp_to(b, (uint32_t)t->entry_label);
    else
        t->to_entry[t->nto_entry++] = hv__x86_jmp_fwd(b);
}

static bool is_loop_back(const struct tr *t, uint64_t target)
{
    return t->loop && target == t->pc0 &&
           (t->entry_label >= 0 || t->nto_entry < sizeof(t->to_entry) / sizeof(t->to_entry[0]));
}

/* Leave for `target` after k instructions of the block, the cache in state dirty /
 * loaded. */
static void exit_path(struct tr *t, uint64_t target, unsigned k, uint32_t dirty,
                      uint32_t loaded)
{
    if (is_loop_back(t, target)) {
        loop_back(t, k, dirty, loaded);
        return;
    }
    add_instret(t, k);
    write_back(t, dirty);
    if (t->cov_only) {
        /* A side exit: its target is a block start whatever the block's own fall-through
         * (set at entry) says. */
        hv__x86_mov_ri(t->b, RCX, HV_HK_NOFALL);
        hv__x86_store(t->b, 8, hv__x86_mb(RBX, HK_FALL_OFF), RCX);
    }
    exit_to(t, target);
}

static void end_block_common(struct tr *t)
{
    write_back(t, t->dirty);
    add_instret(t, t->n);
}

/* ---- control transfer -------------------------------------------------------------------- */

static void emit_branch(struct tr *t, unsigned i, enum hv__x86_cc cc)
{
    const struct hv_insn *in = &t->in[i];
    uint64_t pc = insn_pc(t, i);
    int a = src(t, in->rs1, RAX), c = in->rs2 ? src(t, in->rs2, RCX) : -1;
    if (i + 1 < t->n) {
        /* Inside a superblock: the taken path is a side exit, the block goes on. */
        if (c < 0)
            hv__x86_alu_ri(t->b, HV_X86_CMP, 8, a, 0);
        else
            hv__x86_alu_rr(t->b, HV_X86_CMP, 8, a, c);
        struct cold *s = new_cold(t, COLD_SIDE);
        s->pc = pc + (uint64_t)in->imm;
        s->k = i;
        s->from[s->nfrom++] = hv__x86_jcc_fwd(t->b, cc);
        if (t->cov_only)
            emit_cov(t, pc + in->len);  /* not taken: the next instruction starts a block */
        return;
    }
    uint64_t fall = pc + in->len, target = pc + (uint64_t)in->imm;
    if (t->loop && (target == t->pc0 || fall == t->pc0)) {
        /* Self-loop: the back-edge keeps the register cache (see loop_back). */
        uint32_t dirty = t->dirty, loaded = t->loaded;
        if (c < 0)
            hv__x86_alu_ri(t->b, HV_X86_CMP, 8, a, 0);
        else
            hv__x86_alu_rr(t->b, HV_X86_CMP, 8, a, c);
        struct hv__x86_fixup taken = hv__x86_jcc_fwd(t->b, cc);
        exit_path(t, fall, t->n, dirty, loaded);
        hv__x86_bind(t->b, taken);
        exit_path(t, target, t->n, dirty, loaded);
        return;
    }
    end_block_common(t);
    if (c < 0)
        hv__x86_alu_ri(t->b, HV_X86_CMP, 8, a, 0);
    else
        hv__x86_alu_rr(t->b, HV_X86_CMP, 8, a, c);
    struct hv__x86_fixup taken = hv__x86_jcc_fwd(t->b, cc);
    exit_to(t, fall);
    hv__x86_bind(t->b, taken);
    exit_to(t, target);
}

static void emit_jal(struct tr *t, unsigned i)
{
    const struct hv_insn *in = &t->in[i];
    uint64_t pc = insn_pc(t, i);
    int d = dst(t, in->rd);
    if (d >= 0) {
        hv__x86_mov_ri(t->b, d, pc + in->len);
        commit(t, in->rd, d);
    }
    exit_path(t, pc + (uint64_t)in->imm, t->n, t->dirty, t->loaded);
}

static void emit_jalr(struct tr *t, unsigned i)
{
    const struct hv_insn *in = &t->in[i];
    uint64_t pc = insn_pc(t, i);
    struct hv__x86_buf *b = t->b;
    int a = src(t, in->rs1, RAX);
    hv__x86_lea(b, 8, RAX, hv__x86_mb(a, (int32_t)in->imm));
    hv__x86_alu_ri(b, HV_X86_AND, 8, RAX, -2);
    int d = dst(t, in->rd);
    if (d >= 0) {
        hv__x86_mov_ri(b, d, pc + in->len);
        commit(t, in->rd, d);
    }
    end_block_common(t);
    if (t->jit->opts.no_chain) {
        hv__x86_store(b, 8, hv__x86_mb(RBX, PC_OFF), RAX);
        hv__x86_alu_rr(b, HV_X86_XOR, 4, RAX, RAX);
        hv__x86_jmp_abs(b, (uintptr_t)t->jit->exit_nochain, RCX);
    } else {
        hv__x86_jmp_abs(b, (uintptr_t)t->jit->jc_lookup, RCX);
    }
}

/* ---- one instruction ------------------------------------------------------------------------ */
/* ---- one instruction ------------------------------------------------------------------------ */

static bool is_cond_branch(unsigned op)
{
    switch (op) {
    case HV_OP_BEQ: case HV_OP_BNE: case HV_OP_BLT: case HV_OP_BGE: case HV_OP_BLTU:
    case HV_OP_BGEU:
        return true;
    default:
        return false;
    }
}

static void emit_insn(struct tr *t, unsigned i)
{
    const struct hv_insn *in = &t->in[i];
    switch (in->op) {
    case HV_OP_JAL: emit_jal(t, i); return;
    case HV_OP_JALR: emit_jalr(t, i); return;
    case HV_OP_BEQ: emit_branch(t, i, HV_X86_CC_E); return;
    case HV_OP_BNE: emit_branch(t, i, HV_X86_CC_NE); return;
    case HV_OP_BLT: emit_branch(t, i, HV_X86_CC_L); return;
    case HV_OP_BGE: emit_branch(t, i, HV_X86_CC_GE); return;
    case HV_OP_BLTU: emit_branch(t, i, HV_X86_CC_B); return;
    case HV_OP_BGEU: emit_branch(t, i, HV_X86_CC_AE); return;
    default:
        break;
    }
    if (hv__tr_int(t, i) || hv__tr_mem(t, i) || hv__tr_fp(t, i))
        return;
    hv__tr_sys(t, i);
}

/* ---- cold stubs -------------------------------------------------------------------------- */

static void emit_cold(struct tr *t, struct cold *c)
{
    struct hv__x86_buf *b = t->b;
    for (unsigned j = 0; j < c->nfrom; j++)
        hv__x86_bind(b, c->from[j]);
    switch (c->kind) {
    case COLD_ENTRY:
        t->entry_label = hv__x86_label(b);
        for (unsigned j = 0; j < t->nto_entry; j++)
            hv__x86_bind(b, t->to_entry[j]);
        set_pc(t, t->pc0, RAX);
        hv__x86_alu_rr(b, HV_X86_XOR, 4, RAX, RAX);
        hv__x86_jmp_abs(b, (uintptr_t)t->jit->exit_nochain, RCX);
        return;
    case COLD_CHAIN: {
        uintptr_t field = b->exec + c->from[0].at;
        set_pc(t, c->pc, RAX);
        hv__x86_mov_ri(b, RDX, field);
        hv__x86_alu_rr(b, HV_X86_XOR, 4, RAX, RAX);
        hv__x86_jmp_abs(b, (uintptr_t)t->jit->exit_chain, RCX);
        return;
    }
    case COLD_SIDE:
        /* Taken conditional branch inside a superblock: instructions 0..k retired. */
        if (t->tail[c->k].present) {
            /* A loop tail: its ALU instructions, then `j pc0` as a back-edge. */
            const struct tail *tl = &t->tail[c->k];
            uint32_t keep_loaded = t->loaded, keep_dirty = t->dirty;
            if (t->cov_only)
                emit_cov(t, c->pc);     /* the tail starts a block */
            t->loaded = c->loaded;
            t->dirty = c->dirty;
            for (unsigned j = 0; j < tl->m; j++)
                emit_insn(t, tl->first + j);
            exit_path(t, t->pc0, c->k + 1 + tl->m + 1, t->dirty, t->loaded);
            t->loaded = keep_loaded;
            t->dirty = keep_dirty;
            return;
        }
        exit_path(t, c->pc, c->k + 1, c->dirty, c->loaded);
        return;
    case COLD_ADDEND:
        hv__x86_load(b, 8, c->dst, hv__x86_mbi(RBX, RCX, 1, TLB_OFF + 24));
        hv__x86_jmp_to(b, c->resume);
        return;
    case COLD_FPGATE:
        write_back(t, c->dirty);
        set_pc(t, c->pc, RAX);
        instret_to_mem(t, c->k);
        hv__x86_mov_rr(b, 8, RDI, RBX);
        hv__x86_mov_ri(b, RSI, (uint64_t)c->val);
        hv__x86_call_abs(b, (uintptr_t)hv__jit_h_fpcheck, RAX);
        check_status(t);
        instret_from_mem(t, c->k);
        reload_caller_saved(t, c->loaded);
        hv__x86_jmp_to(b, c->resume);
        return;
    case COLD_GENERIC:
        /* The interpreter's semantics for one instruction the fast path declined. */
        write_back(t, c->dirty);
        set_pc(t, c->pc, RAX);
        instret_to_mem(t, c->k);
        hv__x86_mov_rr(b, 8, RDI, RBX);
        hv__x86_mov_ri(b, RSI, (uint64_t)(uintptr_t)&t->in_rx[c->k]);
        hv__x86_call_abs(b, (uintptr_t)hv__jit_h_exec, RAX);
        check_status(t);
        instret_from_mem(t, c->k + 1);
        reload_caller_saved(t, c->loaded);
        hv__x86_jmp_to(b, c->resume);
        return;
    case COLD_LOAD:
    case COLD_STORE:
        if (c->reprobe)
            hv__tr_mem_reprobe(t, c);
        break;
    }
    write_back(t, c->dirty);
    if (c->kind == COLD_STORE) {
        if (c->val < 0)
            hv__x86_mov_ri(b, RDX, 0);
        else
            hv__x86_mov_rr(b, 8, RDX, c->val);
    }
    set_pc(t, c->pc, RCX);
    instret_to_mem(t, c->k);
    hv__x86_mov_rr(b, 8, RSI, RAX);
    hv__x86_mov_rr(b, 8, RDI, RBX);
    if (c->kind == COLD_LOAD) {
        hv__x86_mov_ri(b, RDX, c->kind_arg);
        hv__x86_call_abs(b, (uintptr_t)hv__jit_h_load, RAX);
        hv__x86_test_rr(b, 4, RDX, RDX);
        struct hv__x86_fixup ok = hv__x86_jcc8_fwd(b, HV_X86_CC_E);
        hv__x86_mov_rr(b, 4, RAX, RDX);
        t->fail[t->nfail++] = hv__x86_jmp_fwd(b);
        hv__x86_bind(b, ok);
    } else {
        hv__x86_mov_ri(b, RCX, c->kind_arg);
        hv__x86_call_abs(b, (uintptr_t)hv__jit_h_store, RAX);
        check_status(t);
    }
    instret_from_mem(t, c->k);
    if (c->reset) {
        /* The helper may have changed the soft-TLB: no same-page group or loop stream page
         * past here (tr_mem.c). */
        hv__x86_alu_ri(b, HV_X86_OR, 8, RDI, -1);
        hv__x86_alu_ri(b, HV_X86_OR, 8, RSI, -1);
    }
    if (t->hooked)
        reload_all(t, c->loaded);   /* a memory hook may have changed registers */
    else
        reload_caller_saved(t, c->loaded);
    if (c->kind == COLD_LOAD && c->dst != RAX)
        hv__x86_mov_rr(b, 8, c->dst, RAX);
    hv__x86_jmp_to(b, c->resume);
}

/* Shared failure exit: status in eax; HV_JIT_STALE means "done, leave": report OK. */
static void emit_fail(struct tr *t)
{
    struct hv__x86_buf *b = t->b;
    if (!t->nfail)
        return;
    for (unsigned j = 0; j < t->nfail; j++)
        hv__x86_bind(b, t->fail[j]);
    /* Memory holds the count the helper left (it may have retired the instruction). */
    instret_reload(t);
    if (t->hooked) {
        /* Left early (exit, stop, stale code): the next block event is judged from here
         * (a trap's handler entry resets it in the dispatcher). */
        hv__x86_load(b, 8, RCX, hv__x86_mb(RBX, PC_OFF));
        hv__x86_store(b, 8, hv__x86_mb(RBX, HK_FALL_OFF), RCX);
    }
    hv__x86_alu_ri(b, HV_X86_CMP, 4, RAX, HV_JIT_STALE);
    struct hv__x86_fixup keep = hv__x86_jcc8_fwd(b, HV_X86_CC_NE);
    hv__x86_alu_rr(b, HV_X86_XOR, 4, RAX, RAX);
    hv__x86_bind(b, keep);
    hv__x86_jmp_abs(b, (uintptr_t)t->jit->exit_nochain, RCX);
}

/* ---- stubs -------------------------------------------------------------------------------- */

int hv__jit_emit_stubs(struct hv__jit *jit)
{
    static const int saved[] = { RBX, RBP, R12, R13, R14, R15 };
    struct hv__x86_buf buf, *b = &buf;
    /* MXCSR exception flags (IE DE ZE OE UE PE) -> fflags (NV - DZ OF UF NX). */
    uint8_t *tab = hv__cc_alloc(&jit->cc, 64, 64);
    if (!tab)
        return -1;
    for (unsigned m = 0; m < 64; m++)
        tab[m] = (uint8_t)(((m & 1) ? HV_FF_NV : 0) | ((m & 4) ? HV_FF_DZ : 0) |
                           ((m & 8) ? HV_FF_OF : 0) | ((m & 16) ? HV_FF_UF : 0) |
                           ((m & 32) ? HV_FF_NX : 0));
    jit->mx_table = hv__cc_rx(&jit->cc, tab);
    hv__cc_begin(&jit->cc, b);
    uintptr_t base = b->exec;
    /* enter(cpu, code): save callee-saved registers, keep 16-byte alignment for calls;
     * [rsp] keeps the embedder's MXCSR, [rsp+4] is scratch; generated code runs with
     * 0x1f80 (RNE, all exceptions masked, no FTZ/DAZ, flags clear). */
    for (unsigned i = 0; i < 6; i++)
        hv__x86_push(b, saved[i]);
    hv__x86_alu_ri(b, HV_X86_SUB, 8, RSP, 8);
    hv__x86_stmxcsr(b, hv__x86_mb(RSP, 0));
    hv__x86_store_imm(b, 4, hv__x86_mb(RSP, 4), 0x1f80);
    hv__x86_ldmxcsr(b, hv__x86_mb(RSP, 4));
    hv__x86_mov_rr(b, 8, RBX, RDI);
    hv__x86_load(b, 8, IREG, hv__x86_mb(RBX, INSTRET_OFF));
    hv__x86_jmp_r(b, RSI);
    /* exit_nochain falls into exit_chain: status in eax, chain field in rdx. */
    uint32_t nochain = hv__x86_label(b);
    hv__x86_alu_rr(b, HV_X86_XOR, 4, RDX, RDX);
    uint32_t chain = hv__x86_label(b);
    hv__x86_store(b, 8, hv__x86_mb(RBX, INSTRET_OFF), IREG);
    /* fold the accrued FP flags into fflags, restore the embedder's MXCSR */
    hv__x86_stmxcsr(b, hv__x86_mb(RSP, 4));
    hv__x86_load(b, 4, RCX, hv__x86_mb(RSP, 4));
    hv__x86_alu_ri(b, HV_X86_AND, 4, RCX, 0x3d);
    hv__x86_mov_ri(b, RSI, (uint64_t)(uintptr_t)jit->mx_table);
    hv__x86_movzx_load(b, 4, 1, RCX, hv__x86_mbi(RSI, RCX, 1, 0));
    hv__x86_alu_mr(b, HV_X86_OR, 4, hv__x86_mb(RBX, FFLAGS_OFF), RCX);
    hv__x86_ldmxcsr(b, hv__x86_mb(RSP, 0));
    hv__x86_alu_ri(b, HV_X86_ADD, 8, RSP, 8);
    for (int i = 5; i >= 0; i--)
        hv__x86_pop(b, saved[i]);
    hv__x86_ret(b);
    /* jc_lookup: rax = guest pc. An empty entry is all zero (the table starts as untouched
     * zero pages), so pc 0 never probes it: it takes the dispatcher. */
    uint32_t lookup = hv__x86_label(b);
    hv__x86_store(b, 8, hv__x86_mb(RBX, PC_OFF), RAX);
    hv__x86_test_rr(b, 8, RAX, RAX);
    struct hv__x86_fixup zero = hv__x86_jcc8_fwd(b, HV_X86_CC_E);
    hv__x86_mov_rr(b, 4, RCX, RAX);
    hv__x86_shift_ri(b, HV_X86_SHR, 4, RCX, 1);
    hv__x86_alu_ri(b, HV_X86_AND, 4, RCX, HV_JIT_JC_SIZE - 1);
    hv__x86_shift_ri(b, HV_X86_SHL, 4, RCX, 5);
    hv__x86_alu_rm(b, HV_X86_ADD, 8, RCX, hv__x86_mb(RBX, JC_OFF));
    hv__x86_alu_rm(b, HV_X86_CMP, 8, RAX, hv__x86_mb(RCX, 0));
    struct hv__x86_fixup miss = hv__x86_jcc8_fwd(b, HV_X86_CC_NE);
    hv__x86_jmp_m(b, hv__x86_mb(RCX, 8));
    hv__x86_bind(b, miss);
    hv__x86_bind(b, zero);
    hv__x86_alu_rr(b, HV_X86_XOR, 4, RAX, RAX);
    hv__x86_jmp_to(b, nochain);
    if (!hv__cc_commit(&jit->cc, b))
        return -1;
    jit->enter = (void *)base;
    jit->exit_nochain = (void *)(base + nochain);
    jit->exit_chain = (void *)(base + chain);
    jit->jc_lookup = (void *)(base + lookup);
    return 0;
}

/* ---- hooks (cpu.h's contract) -------------------------------------------------------------- */

/* At the body entry of a block translated with hooks on: the block event when pc0 differs
 * from hk.fall (coverage inline, block hooks through a helper), then hk.fall for a run of
 * the whole block (`fall`); early exits correct it (emit_fail, the dispatcher). */
static void emit_block_event(struct tr *t, uint64_t fall)
{
    struct hv__x86_buf *b = t->b;
    const struct hv_cpu_hooks *h = &t->cpu->hk;
    hv__x86_mov_ri(b, RAX, t->pc0);
    hv__x86_alu_rm(b, HV_X86_CMP, 8, RAX, hv__x86_mb(RBX, HK_FALL_OFF));
    struct hv__x86_fixup same = hv__x86_jcc_fwd(b, HV_X86_CC_E);
    hv__x86_store(b, 8, hv__x86_mb(RBX, HK_FALL_OFF), RAX);
    if (h->cov)
        emit_cov(t, t->pc0);
    if (h->block) {
        set_pc(t, t->pc0, RAX);
        instret_to_mem(t, 0);
        hv__x86_mov_rr(b, 8, RDI, RBX);
        hv__x86_call_abs(b, (uintptr_t)hv__jit_h_block, RAX);
        check_status(t);
    }
    hv__x86_bind(b, same);
    hv__x86_mov_ri(b, RAX, fall);
    hv__x86_store(b, 8, hv__x86_mb(RBX, HK_FALL_OFF), RAX);
}

/* Before instruction i when an instruction hook covers its pc. */
static void emit_insn_hook(struct tr *t, unsigned i)
{
    hv__tr_call_insn_helper(t, i, (uintptr_t)hv__jit_h_insn);
    instret_from_mem(t, i);
    t->loaded = 0;              /* the hook may have changed registers */
}

/* ---- the block ---------------------------------------------------------------------------- */

/* Hooks on, but only the coverage map: block starts inside translated code can be handled
 * inline, so superblocks and self-loops are kept. */
static bool cov_only(const struct hv_cpu *cpu)
{
    const struct hv_cpu_hooks *h = &cpu->hk;
    return h->on && h->cov && !h->block && !h->insn && !h->mem && !h->invalid;
}

static unsigned decode_block(const struct hv_cpu *cpu, uint64_t pc, uintptr_t host,
                             struct hv_insn *out, unsigned *bytes)
{
    unsigned n = 0, off = pc & 0xfff, nside = 0;
    const uint8_t *p = (const uint8_t *)host;
    while (n < HV_JIT_BLOCK_MAX && off + 2 <= 4096) {
        /* A block ends before a breakpointed pc (the dispatcher stops there). */
        if (n && cpu->dbg.nr_bp && hv__cpu_is_breakpoint(&cpu->dbg, pc + (off - (pc & 0xfff))))
            break;
        uint16_t lo, hi = 0;
        memcpy(&lo, p, 2);
        unsigned len = hv__insn_len(lo);
        if (off + len > 4096)
            break;
        if (len == 4)
            memcpy(&hi, p + 2, 2);
        struct hv_insn *in = &out[n++];
        uint32_t raw = (uint32_t)lo | (uint32_t)hi << 16;
        if (!hv__decode(raw, in)) {
            in->op = HV_OP_ILLEGAL;
            in->raw = raw;
        }
        in->len = (uint8_t)len;
        p += len;
        off += len;
        if (hv__insn_ends_block(in->op) &&
            ((cpu->hk.on && !cov_only(cpu)) || !(is_cond_branch(in->op) && nside++ < SIDE_MAX)))
            break;
    }
    *bytes = (unsigned)(p - (const uint8_t *)host);
    return n;
}

static void trace_line(void *opaque, const char *text)
{
    const struct hv__jit_opts *o = opaque;
    o->log(o->log_opaque, text);
}

static void trace_block(struct hv__jit *jit, const struct tr *t, const void *code_rw,
                        size_t len, uintptr_t rx)
{
    const struct hv__jit_opts *o = &jit->opts;
    if (!o->log)
        return;
    char line[160];
    if (o->trace & HV_JIT_TRACE_IN_ASM) {
        snprintf(line, sizeof line, "IN: block at 0x%llx (%u insns)",
                 (unsigned long long)t->pc0, t->n);
        o->log(o->log_opaque, line);
        uint64_t pc = t->pc0;
        for (unsigned i = 0; i < t->n; i++) {
            char d[96];
            hv__disasm(&t->in[i], pc, d, sizeof d);
            snprintf(line, sizeof line, "0x%016llx:  %s", (unsigned long long)pc, d);
            o->log(o->log_opaque, line);
            pc += t->in[i].len;
        }
        for (unsigned i = 0; i < t->n; i++) {
            if (!t->tail[i].present)
                continue;
            snprintf(line, sizeof line, "  loop tail after insn %u: %u ALU insns + j 0x%llx",
                     i, t->tail[i].m, (unsigned long long)t->pc0);
            o->log(o->log_opaque, line);
            for (unsigned j = 0; j < t->tail[i].m; j++) {
                char d[96];
                hv__disasm(&t->in[t->tail[i].first + j], 0, d, sizeof d);
                snprintf(line, sizeof line, "  tail:  %s", d);
                o->log(o->log_opaque, line);
            }
        }
    }
    if (o->trace & HV_JIT_TRACE_OUT_ASM) {
        snprintf(line, sizeof line, "OUT: block at 0x%llx -> %zu bytes of host code",
                 (unsigned long long)t->pc0, len);
        o->log(o->log_opaque, line);
        hv__x86_disas(code_rw, len, rx, trace_line, (void *)o);
    }
}

/* The index of the last instruction whose exit leads back to the block's own first
 * instruction (a self-loop's back-edge), or -1. */
static int self_loop_end(const struct tr *t)
{
    uint64_t pc = t->pc0;
    int last = -1;
    for (unsigned i = 0; i < t->n; i++) {
        const struct hv_insn *in = &t->in[i];
        if ((is_cond_branch(in->op) || in->op == HV_OP_JAL) && pc + (uint64_t)in->imm == t->pc0)
            last = (int)i;
        if (t->tail[i].present)
            last = (int)i;
        pc += in->len;
    }
    return last;
}

static uint32_t loop_writes(const struct tr *t, int loop_end)
{
    uint32_t m = 0;
    for (int i = 0; i <= loop_end; i++) {
        unsigned rd = t->in[i].rd;
        if (rd && t->host_of[rd] >= 0)
            m |= 1u << rd;
        for (unsigned j = 0; t->tail[i].present && j < t->tail[i].m; j++) {
            rd = t->in[t->tail[i].first + j].rd;
            if (rd && t->host_of[rd] >= 0)
                m |= 1u << rd;
        }
    }
    return m;
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

/* Decode the side-exit target `target` (same guest page as pc0, host_page = host address of
 * that page) into out[]: up to TAIL_MAX tail_op instructions then `jal x0, pc0`. Returns
 * the number of ALU instructions, or -1 when it is not a loop tail. *bytes: code length. */
static int decode_tail(uint64_t pc0, uint64_t target, uintptr_t host_page,
                       struct hv_insn *out, unsigned *bytes)
{
    unsigned off = target & 0xfff;
    uint64_t pc = target;
    for (unsigned m = 0; m <= TAIL_MAX; m++) {
        if (off + 2 > 4096)
            return -1;
        uint16_t lo, hi = 0;
        memcpy(&lo, (const void *)(host_page + off), 2);
        unsigned len = hv__insn_len(lo);
        if (off + len > 4096)
            return -1;
        if (len == 4)
            memcpy(&hi, (const void *)(host_page + off + 2), 2);
        struct hv_insn in;
        if (!hv__decode((uint32_t)lo | (uint32_t)hi << 16, &in))
            return -1;
        in.len = (uint8_t)len;
        if (in.op == HV_OP_JAL && in.rd == 0 && pc + (uint64_t)in.imm == pc0) {
            *bytes = (unsigned)(pc + len - target);
            return (int)m;
        }
        if (m == TAIL_MAX || !tail_op(in.op))
            return -1;
        out[m] = in;
        off += len;
        pc += len;
    }
    return -1;
}

struct jit_block *hv__jit_translate(struct hv_cpu *cpu, struct hv__jit *jit, uint64_t pc,
                                    uintptr_t host)
{
    struct tr tr_, *t = &tr_;
    struct hv_insn insns[HV_JIT_BLOCK_MAX];
    unsigned bytes;
    unsigned n = decode_block(cpu, pc, host, insns, &bytes);
    if (!n)
        return NULL;
    if (jit->npool >= jit->maxpool) {
        jit->full = true;
        return NULL;
    }
    /* Loop tails (chained mode only: lockstep compares after every block). */
    struct hv_insn tails[HV_JIT_BLOCK_MAX * 2];
    struct tail tail_of[HV_JIT_BLOCK_MAX];
    uint64_t tail_pc[HV_JIT_BLOCK_MAX];
    unsigned tail_bytes[HV_JIT_BLOCK_MAX];
    unsigned ntail = 0, maxlen = n;
    memset(tail_of, 0, sizeof tail_of);
    if (!jit->opts.no_chain && !cpu->dbg.nr_bp && (!cpu->hk.on || cov_only(cpu))) {
        uint64_t ipc = pc;
        uintptr_t page = host - (pc & 0xfff);
        for (unsigned i = 0; i + 1 < n; ipc += insns[i].len, i++) {
            uint64_t target = ipc + (uint64_t)insns[i].imm;
            if (!is_cond_branch(insns[i].op) || target == pc ||
                (target & ~0xfffull) != (pc & ~0xfffull) ||
                ntail + TAIL_MAX > sizeof tails / sizeof tails[0])
                continue;
            int m = decode_tail(pc, target, page, &tails[ntail], &tail_bytes[i]);
            if (m < 0)
                continue;
            tail_of[i].present = true;
            tail_of[i].first = (uint16_t)(n + ntail);
            tail_of[i].m = (uint8_t)m;
            tail_pc[i] = target;
            ntail += (unsigned)m;
            if (i + 1 + (unsigned)m + 1 > maxlen)
                maxlen = i + 1 + (unsigned)m + 1;
        }
    }
    struct hv_insn *stored = hv__cc_alloc(&jit->cc, (n + ntail) * sizeof(struct hv_insn), 8);
    if (!stored) {
        jit->full = true;
        return NULL;
    }
    memcpy(stored, insns, n * sizeof(struct hv_insn));
    if (ntail)
        memcpy(stored + n, tails, ntail * sizeof(struct hv_insn));

    memset(t, 0, offsetof(struct tr, cold));
    memcpy(t->tail, tail_of, sizeof tail_of);
    t->maxlen = maxlen;
    t->ncold = 0;
    t->nfail = 0;
    t->preload = 0;
    t->loop_head = 0;
    t->nto_entry = 0;
    t->fp_ok = t->fp_dirty = false;
    t->cpu = cpu;
    t->jit = jit;
    t->in = stored;
    t->in_rx = hv__cc_rx(&jit->cc, stored);
    t->n = n;
    t->pc0 = pc;
    t->hooked = cpu->hk.on;
    t->cov_only = cov_only(cpu);
    /* Memory hooks need every access to reach the soft-TLB, which keeps hooked pages out. */
    t->direct = cpu->policy->direct_host != NULL && !cpu->hk.mem;
    /* Only for code translated in M-mode: there the code and data translations are the
     * same (bare) unless MPRV is set; under paging, data pages rarely share the code's
     * offset and every access would take the cold detour (Sv39 workload: 20 % slower). */
    t->addend_hint = t->direct || cpu->priv != HV_PRIV_M ? 0 : host - (uintptr_t)pc;
    t->entry_label = -1;
    int loop_end = jit->opts.no_chain || (t->hooked && !t->cov_only) ? -1 : self_loop_end(t);
    t->loop = loop_end >= 0;
    alloc_regs(t, loop_end);

    struct hv__x86_buf buf;
    t->b = &buf;
    hv__cc_begin(&jit->cc, &buf);
    uintptr_t rx = buf.exec;
    /* Checked entry: poll / exit requests and the budget (exact stop). */
    new_cold(t, COLD_ENTRY);   /* first cold stub: `over` falls into it */
    /* instret + n > jit_stop_at: min(stop_at, poll_at), or 0 with breakpoints set or an
     * exit requested (jit.h): back to the dispatcher, which polls / single-steps / checks. */
    hv__x86_lea(&buf, 8, RAX, hv__x86_mb(IREG, (int32_t)maxlen));
    hv__x86_alu_rm(&buf, HV_X86_CMP, 8, RAX, hv__x86_mb(RBX, STOP_OFF));
    struct hv__x86_fixup over = hv__x86_jcc_fwd(&buf, HV_X86_CC_A);
    uint32_t body = hv__x86_label(&buf);
    if (t->hooked)
        emit_block_event(t, hv__insn_ends_block(t->in[n - 1].op) ? HV_HK_NOFALL : pc + bytes);
    if (t->loop) {
        for (unsigned g = 1; g < 32; g++) {
            if (t->host_of[g] >= 0) {
                hv__x86_load(&buf, 8, t->host_of[g], xmem(g));
                t->preload |= 1u << g;
            }
        }
        t->loaded = t->preload;
        hv__tr_mem_loop(t, loop_end);
        t->loop_head = hv__x86_label(&buf);
        /* Back-edges do not write back: from here on every cached register the loop
         * writes counts as dirty (a redundant store of an unchanged value is harmless). */
        t->dirty = loop_writes(t, loop_end);
    }

    for (unsigned i = 0; i < n; i++) {
        if (t->hooked && cpu->hk.insn && cpu->hk.ops->insn_hooked(cpu, insn_pc(t, i)))
            emit_insn_hook(t, i);
        emit_insn(t, i);
    }
    if (!hv__insn_ends_block(t->in[n - 1].op)) {
        /* Page end or BLOCK_MAX: fall through to the next block. */
        end_block_common(t);
        exit_to(t, pc + bytes);
    }
    hv__x86_bind(&buf, over);
    for (unsigned i = 0; i < t->ncold; i++)
        emit_cold(t, &t->cold[i]);
    emit_fail(t);

    size_t len = hv__x86_buf_len(&buf);
    void *code = hv__cc_commit(&jit->cc, &buf);
    if (!code) {
        jit->full = true;
        return NULL;
    }
    struct jit_block *blk = &jit->pool[jit->npool++];
    memset(blk, 0, sizeof(*blk));
    blk->pc = pc;
    blk->host = host;
    blk->check_entry = (void *)rx;
    blk->body_entry = (void *)(rx + body);
    blk->n = n + ntail;
    blk->max_n = maxlen;
    blk->bytes = bytes;
    /* Stores into the block's code (or a tail's) must drop it: without the tracking
     * (out of memory) it cannot be kept. The dispatcher flushes and retries. */
    bool tracked = hv__jit_track_code(cpu, jit, host, bytes) == 0;
    for (unsigned i = 0; i < n && tracked; i++)
        if (tail_of[i].present)
            tracked = hv__jit_track_code(cpu, jit, host - (pc & 0xfff) + (tail_pc[i] & 0xfff),
                                         tail_bytes[i]) == 0;
    if (!tracked) {
        jit->npool--;
        jit->full = true;
        return NULL;
    }
    jit->stats.blocks++;
    if (jit->opts.trace)
        trace_block(jit, t, buf.start, len, rx);
    return blk;
}

