/* SPDX-License-Identifier: MIT */
/* libhv cpu/jit — translation of one RV64 basic block to x86-64: the block driver (block
 * scan, superblocks and side exits, loop tails, register allocation, exits and chaining,
 * cold stubs, control transfer). Instructions by concern: tr_int.c, tr_mem.c, tr_fp.c,
 * tr_sys.c; the plan and regions: tr_plan.c; if-conversion: tr_ifc.c; the trace:
 * tr_trace.c; the shared stubs (enter/exit, jump-cache lookup) at the start of every code
 * cache generation: tr_stubs.c; what they share: tr.h.
 *
 * Generated code conventions: RBX holds the struct hv_cpu pointer for as long as generated
 * code runs. Guest registers live in cpu->x; within a block the most used ones are cached
 * in host registers (RBP, R12-R14 survive helper calls; R8-R11 and RDI are reloaded after
 * them), loaded on first use and written back at block exits and before any helper that
 * may observe them. RAX, RCX, RDX, RSI are scratch (RDI too, around helper calls). R15 holds cpu->instret for as long as
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

/* Host registers that cache guest registers, callee-saved first. RDI is only an argument
 * register of helper calls, which happen with the cache written back and the caller-saved
 * registers reloaded after (RSI stays scratch: stores and mulhsu use it). */
static const int cache_regs[] = { RBP, R12, R13, R14, R8, R9, R10, R11, RDI };
#define NCACHE (sizeof(cache_regs) / sizeof(cache_regs[0]))
#define NCALLEE 4

/* Budget checks assume no block's longest path (max_n) exceeds HV_JIT_MAX_PATH (jit.h):
 * the body, or a tail (up to TAIL_MAX ALU instructions, a branch and a `j`), plus what
 * each tail that joins the block further on adds to the paths through it. */
_Static_assert(offsetof(struct hv_cpu, jit_heat) >= 128, "heat counts need a disp32 operand");
_Static_assert(HV_JIT_BLOCK_MAX + (SIDE_MAX + 1) * (TAIL_MAX + 2) <= HV_JIT_MAX_PATH,
               "max_n within the budget check's span");

/* Most used guest registers first; uses inside loops (their natural loops, tr_plan.c)
 * count far more than the code outside, which runs once, and inner loops more than outer
 * ones; tails count as the loop they leave. */
static void alloc_regs(struct tr *t)
{
    uint64_t count[32] = { 0 };
    uint8_t *depth = t->depth;
    hv__tr_loop_depths(t, depth);
    for (unsigned i = 0; i < t->n; i++) {
        const struct hv_insn *in = &t->in[i];
        unsigned d = depth[i];
        uint64_t w = 2ull << (4 * (d < 7 ? d : 7));   /* each level counts 16x */
        count[in->rs1] += w;
        count[in->rs2] += w;
        count[in->rd] += w;
        for (unsigned j = 0; t->tail[i].present && j < t->tail[i].m + (unsigned)t->tail[i].cond; j++) {
            const struct hv_insn *ti = &t->in[t->tail[i].first + j];
            uint64_t tw = d ? w : 32;
            count[ti->rs1] += tw;
            count[ti->rs2] += tw;
            count[ti->rd] += tw;
        }
    }
    count[0] = 0;
    memset(t->host_of, -1, sizeof(t->host_of));
    t->callee_mask = 0;
    /* RDI (the last of cache_regs) goes to same-page groups when the block has one. */
    unsigned ncache = hv__tr_mem_wants_rdi(t) ? NCACHE - 1 : NCACHE;
    for (unsigned k = 0; k < ncache; k++) {
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

/* ---- indirect jumps: per-site jump-cache probes, inline caches ----------------------------
 *
 * Every indirect jump (`jalr`: returns, calls through function pointers, switch jump
 * tables) and every cross-page direct jump used to leave through the one shared jc_lookup
 * stub, so a single host `jmp [rcx+8]` carried all of the guest's indirect branches and the
 * host predictor could only tell the sites apart by global history. Each site now probes
 * the jump cache inline and has its own host indirect jump (for a direct cross-page jump
 * the entry's offset is a constant); only a miss takes the shared stub, which stores pc
 * and leaves for the dispatcher. The probe reads the jump cache itself, so it is exactly
 * as valid as the stub's lookup (the cache is emptied on code-cache and soft-TLB flushes,
 * jit.c), and the target's checked entry (budget, polls) runs as before. A JALR site also
 * has a monomorphic inline cache for targets on its own guest page (jc_probe).
 *
 * Tried and dropped (docs/BENCHMARKS.md): a return-address stack, first as a 16-entry
 * ring in the cpu struct, then on the host stack (guest call = push the return pc and a
 * host `call` over a landing pad, guest return = compare and host `ret`, predicted by the
 * host's return stack buffer). Both were slower than these probes on the call-heavy
 * workloads except deep recursion: the host predicts the probes' per-site indirect jumps
 * well, and the stack costs more instructions and taken branches per call. */

/* Per-site probes need chained mode (lockstep compares after every block) and no hooks
 * (they observe every block start through the dispatcher's path). */
static bool predict_ok(const struct tr *t)
{
    return !t->jit->opts.no_chain && !t->hooked;
}

/* rax = target (any value; state written back, instret counted): this site's own jump-
 * cache probe, then the shared stub on a miss. Clobbers RCX, RDX. With an inline cache
 * (t->ic), first `cmp` the target with the cache's pc and take its direct jump (a patched
 * rel32 to the target's checked entry, like a chained exit), and let a probe miss on a
 * target on the block's guest page ask the dispatcher to fill the cache (run_block, once:
 * it stays monomorphic). Same page only: like chaining, valid without a mapping check. */
static void jc_probe(struct tr *t)
{
    struct hv__x86_buf *b = t->b;
    if (t->ic) {
        hv__x86_movabs(b, RCX, 1);
        t->ic->pc_field = b->exec + hv__x86_label(b) - 8;
        hv__x86_alu_rr(b, HV_X86_CMP, 8, RAX, RCX);
        struct hv__x86_fixup other = hv__x86_jcc8_fwd(b, HV_X86_CC_NE);
        struct hv__x86_fixup hit = hv__x86_jmp_patchable(b);
        t->ic->jmp_field = b->exec + hit.at;
        hv__x86_bind(b, hit);   /* empty: the probe */
        hv__x86_bind(b, other);
    }
    /* ((pc >> 1) & (JC_SIZE - 1)) * 32 = (pc << 4) & 0x1ffe0. No test for pc 0: the
     * entry it probes never holds pc 0 (jit.c, jc_clear). */
    _Static_assert(HV_JIT_JC_SIZE == 4096 && sizeof(struct hv__jit_jc) == 32, "jc index");
    if (t->jit->features & HV_X86_F_BMI2) {
        hv__x86_rorx(b, 4, RCX, RAX, 28);
    } else {
        hv__x86_mov_rr(b, 4, RCX, RAX);
        hv__x86_shift_ri(b, HV_X86_SHL, 4, RCX, 4);
    }
    hv__x86_alu_ri(b, HV_X86_AND, 4, RCX, (HV_JIT_JC_SIZE - 1) << 5);
    hv__x86_alu_rm(b, HV_X86_CMP, 8, RAX, hv__x86_mbi(RBX, RCX, 1, JC_OFF));
    struct hv__x86_fixup miss = hv__x86_jcc8_fwd(b, HV_X86_CC_NE);
    hv__x86_jmp_m(b, hv__x86_mbi(RBX, RCX, 1, JC_OFF + 8));
    hv__x86_bind(b, miss);
    if (t->ic) {
        /* The shared stub checks the page (one copy: Linux has many JALR blocks). */
        t->ic->page = t->pc0 & ~0xfffull;
        hv__x86_mov_ri(b, RDX, (uintptr_t)hv__cc_rx(&t->jit->cc, t->ic) | 1);
        hv__x86_jmp_abs(b, (uintptr_t)t->jit->ic_fill, RCX);
    }
    hv__x86_jmp_abs(b, (uintptr_t)t->jit->jc_lookup, RCX);
}

/* A block ending in a switch statement's dispatch through a jump table of relative
 * offsets (gcc: `lw rX, 0(rX); add rX, rX, rT; jr rX`): its targets are the cases, one
 * after another, so a monomorphic inline cache would mostly miss and only add its compare
 * (stackvm: 3 of the ~30 host instructions per dispatch). The probe alone. */
static bool switch_dispatch(const struct hv_insn *in, unsigned n)
{
    if (n < 3)
        return false;
    const struct hv_insn *j = &in[n - 1], *add = &in[n - 2], *lw = &in[n - 3];
    unsigned r = j->rs1;
    return j->rd == 0 && j->imm == 0 && r != 1 && r != 5 && add->op == HV_OP_ADD &&
           add->rd == r && (add->rs1 == r || add->rs2 == r) && lw->op == HV_OP_LW &&
           lw->rd == r;
}

/* The same for a target known now (not 0): the entry's offset is a constant. */
static void jc_probe_const(struct tr *t, uint64_t target)
{
    struct hv__x86_buf *b = t->b;
    int32_t off = (int32_t)(((target >> 1) & (HV_JIT_JC_SIZE - 1)) * 32);
    hv__x86_mov_ri(b, RAX, target);
    hv__x86_alu_rm(b, HV_X86_CMP, 8, RAX, hv__x86_mb(RBX, JC_OFF + off));
    struct hv__x86_fixup miss = hv__x86_jcc8_fwd(b, HV_X86_CC_NE);
    hv__x86_jmp_m(b, hv__x86_mb(RBX, JC_OFF + off + 8));
    hv__x86_bind(b, miss);
    hv__x86_jmp_abs(b, (uintptr_t)t->jit->jc_lookup, RCX);
}

/* ---- block exits (continued) ------------------------------------------------------------- */

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
    if (predict_ok(t) && target) {
        jc_probe_const(t, target);
        return;
    }
    hv__x86_mov_ri(b, RAX, target);
    hv__x86_jmp_abs(b, (uintptr_t)t->jit->jc_lookup, RCX);
}


/* Make the register cache state (dirty, loaded) what the code at instruction j expects:
 * write back what it does not consider dirty, load what it considers loaded. */
static void reconcile(struct tr *t, unsigned j, uint32_t dirty, uint32_t loaded)
{
    write_back(t, dirty & ~t->idirty[j]);
    for (unsigned g = 1; g < 32; g++)
        if ((t->iloaded[j] & ~loaded) & (1u << g))
            hv__x86_load(t->b, 8, t->host_of[g], xmem(g));
}

/* Back-edge to loop head j after k instructions of the block (`dirty` / `loaded`: the
 * register cache state here): count them, the same budget / exit-request check as the
 * checked entry, then straight to the head without writing back or reloading (registers
 * lost to helper calls excepted). instret is rebased so that the head is again "j
 * instructions into the block". Every iteration checks, so budgets stay exact and
 * interrupt latency bounded. */
static void back_to(struct tr *t, unsigned j, unsigned k, uint32_t dirty, uint32_t loaded)
{
    struct hv__x86_buf *b = t->b;
    reconcile(t, j, dirty, loaded);
    add_instret(t, (int64_t)k - (int64_t)j);
    /* instret >= jit_stop_at: budget end near, poll due or exit requested (jit.h). The
     * count is rebased to the head, so `instret` here is a lower bound. */
    hv__x86_alu_rm(b, HV_X86_CMP, 8, IREG, hv__x86_mb(RBX, STOP_OFF));
    if (t->cov_only) {
        struct hv__x86_fixup over = hv__x86_jcc_fwd(b, HV_X86_CC_AE);
        emit_cov(t, t->ipc[j]);     /* the back-edge is a taken branch: a block start */
        hv__x86_jmp_to(b, (uint32_t)t->ilabel[j]);
        hv__x86_bind(b, over);
    } else {
        hv__x86_jcc_to(b, HV_X86_CC_B, (uint32_t)t->ilabel[j]);
    }
    /* Leave for the dispatcher at the head, state written back (reconcile stored the
     * rest). */
    write_back(t, dirty & t->idirty[j]);
    if (j) {
        add_instret(t, j);
        set_pc(t, t->ipc[j], RAX);
        hv__x86_alu_rr(b, HV_X86_XOR, 4, RAX, RAX);
        hv__x86_jmp_abs(b, (uintptr_t)t->jit->exit_nochain, RCX);
    } else if (t->entry_label >= 0) {
        hv__x86_jmp_to(b, (uint32_t)t->entry_label);
    } else {
        t->to_entry[t->nto_entry++] = hv__x86_jmp_fwd(b);
    }
}

/* The loop head an exit to `target` from instruction src loops back to, or -1. */
static int back_target(const struct tr *t, uint64_t target, unsigned src)
{
    if (!t->loop)
        return -1;
    int j = idx_of(t, target);
    if (j < 0 || j > (int)src || t->head_end[j] < (int)src || t->ilabel[j] < 0)
        return -1;
    if (!j && t->entry_label < 0 &&
        t->nto_entry >= sizeof(t->to_entry) / sizeof(t->to_entry[0]))
        return -1;
    return j;
}

/* Leave for `target` after k instructions of the block, from instruction src (a side
 * exit's tail counts as its branch), the cache in state dirty / loaded, FP gate state fp:
 * a back-edge when target is a loop head, a jump to a later instruction of the block when
 * the state allows it, else an exit. */
static void exit_path(struct tr *t, uint64_t target, unsigned k, unsigned src, uint32_t dirty,
                      uint32_t loaded, uint8_t fp)
{
    int j = back_target(t, target, src);
    if (j >= 0) {
        back_to(t, (unsigned)j, k, dirty, loaded);
        return;
    }
    j = t->ext ? idx_of(t, target) : -1;
    if ((j > (int)src || (j >= 0 && t->region && t->acyclic[j])) &&
        (t->ilabel[j] >= 0 || (t->region && t->seg_first[j])) && !(t->ifp[j] & ~fp)) {
        /* A forward join (a diamond's arms meet, or a jump to a later segment of a
         * region): the code there assumes j instructions retired and its own register
         * state (a segment's is known before its code, see hv__jit_translate). */
        reconcile(t, (unsigned)j, dirty, loaded);
        if (t->ilabel[j] >= 0) {
            add_instret(t, (int64_t)k - j);
            hv__x86_jmp_to(t->b, (uint32_t)t->ilabel[j]);
        } else {
            if (t->land_k[j] < 0)
                t->land_k[j] = (int16_t)k;
            add_instret(t, (int64_t)k - t->land_k[j]);
            t->fwd[t->nfwd].f = hv__x86_jmp_fwd(t->b);
            t->fwd[t->nfwd++].j = (unsigned)j;
        }
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

static uint8_t fp_state(const struct tr *t)
{
    return (uint8_t)(t->fp_ok | t->fp_dirty << 1);
}

/* Leaving after instruction i (the block's last on this path): state to memory. */
static void end_block_common(struct tr *t, unsigned i)
{
    write_back(t, t->dirty);
    add_instret(t, i + 1);
}

/* ---- control transfer -------------------------------------------------------------------- */

/* cmp rs1, rs2 (or 0) for conditional branch `in`. */
void hv__tr_emit_cmp(struct tr *t, const struct hv_insn *in)
{
    int a = src(t, in->rs1, RAX), c = in->rs2 ? src(t, in->rs2, RCX) : -1;
    if (c < 0)
        hv__x86_test_rr(t->b, 8, a, a);     /* the same flags as cmp a, 0, shorter */
    else
        hv__x86_alu_rr(t->b, HV_X86_CMP, 8, a, c);
}

static enum hv__x86_cc branch_cc(unsigned op)
{
    switch (op) {
    case HV_OP_BEQ: return HV_X86_CC_E;
    case HV_OP_BNE: return HV_X86_CC_NE;
    case HV_OP_BLT: return HV_X86_CC_L;
    case HV_OP_BGE: return HV_X86_CC_GE;
    case HV_OP_BLTU: return HV_X86_CC_B;
    default: return HV_X86_CC_AE;   /* BGEU */
    }
}

/* The later segment of the region at `target` when a branch from instruction src can jump
 * to its landing pad with nothing to do on the way (no register to write back or load, the
 * count the pad expects), else -1. */
static int seg_land(const struct tr *t, uint64_t target, unsigned src)
{
    if (!t->region)
        return -1;
    int j = idx_of(t, target);
    if (j <= (int)src || !t->seg_first[j] || t->ilabel[j] >= 0 ||
        (t->land_k[j] >= 0 && t->land_k[j] != (int)src + 1) ||
        (t->dirty & ~t->idirty[j]) || (t->iloaded[j] & ~t->loaded))
        return -1;
    return j;
}

static void emit_branch(struct tr *t, unsigned i, enum hv__x86_cc cc)
{
    const struct hv_insn *in = &t->in[i];
    uint64_t pc = t->ipc[i];
    if (!run_ends(t, i) && !t->cov_only && back_target(t, pc + (uint64_t)in->imm, i) >= 0) {
        /* Inside a superblock, taken: a back-edge, inline (one taken branch per
         * iteration). Not taken: the block goes on. */
        hv__tr_emit_cmp(t, in);
        struct hv__x86_fixup on = hv__x86_jcc_fwd(t->b, (enum hv__x86_cc)(cc ^ 1));
        back_to(t, (unsigned)back_target(t, pc + (uint64_t)in->imm, i), i + 1, t->dirty,
                t->loaded);
        hv__x86_bind(t->b, on);
        hv__tr_ifc_pay_carry(t, i);
        return;
    }
    if (!run_ends(t, i) && (hv__tr_ifc_tail(t, i, cc) || hv__tr_ifc_skip(t, i, cc)))
        return;
    int j = seg_land(t, pc + (uint64_t)in->imm, i);
    if (j >= 0 && !t->cov_only) {
        /* Taken: to a later segment of the region, straight to its landing pad. */
        hv__tr_emit_cmp(t, in);
        t->land_k[j] = (int16_t)(i + 1);
        t->fwd[t->nfwd].f = hv__x86_jcc_fwd(t->b, cc);
        t->fwd[t->nfwd++].j = (unsigned)j;
        hv__tr_ifc_pay_carry(t, i);
        if (!run_ends(t, i))
            return;
        exit_path(t, pc + in->len, i + 1, i, t->dirty, t->loaded, fp_state(t));
        return;
    }
    if (!run_ends(t, i)) {
        /* Inside a superblock: the taken path is a side exit, the block goes on. */
        hv__tr_emit_cmp(t, in);
        struct cold *s = new_cold(t, COLD_SIDE);
        s->pc = pc + (uint64_t)in->imm;
        s->k = i;
        s->from[s->nfrom++] = hv__x86_jcc_fwd(t->b, cc);
        if (t->cov_only)
            emit_cov(t, pc + in->len);  /* not taken: the next instruction starts a block */
        hv__tr_ifc_pay_carry(t, i);
        return;
    }
    uint64_t fall = pc + in->len, target = pc + (uint64_t)in->imm;
    if (back_target(t, target, i) >= 0 || back_target(t, fall, i) >= 0 ||
        (t->region && (idx_of(t, target) >= 0 || idx_of(t, fall) >= 0))) {
        /* A back-edge keeps the register cache (see back_to); so do jumps inside a
         * region. */
        hv__tr_emit_cmp(t, in);
        uint32_t dirty = t->dirty, loaded = t->loaded;
        uint8_t fp = fp_state(t);
        struct hv__x86_fixup taken = hv__x86_jcc_fwd(t->b, cc);
        hv__tr_ifc_pay_carry(t, i);
        exit_path(t, fall, i + 1, i, dirty, loaded, fp);
        hv__x86_bind(t->b, taken);
        exit_path(t, target, i + 1, i, dirty, loaded, fp);
        return;
    }
    end_block_common(t, i);
    hv__tr_emit_cmp(t, in);
    struct hv__x86_fixup taken = hv__x86_jcc_fwd(t->b, cc);
    hv__tr_ifc_pay_carry(t, i);
    exit_to(t, fall);
    hv__x86_bind(t->b, taken);
    exit_to(t, target);
}

static void emit_jal(struct tr *t, unsigned i)
{
    const struct hv_insn *in = &t->in[i];
    uint64_t pc = t->ipc[i];
    int d = dst(t, in->rd);
    if (d >= 0) {
        hv__x86_mov_ri(t->b, d, pc + in->len);
        commit(t, in->rd, d);
    }
    exit_path(t, pc + (uint64_t)in->imm, i + 1, i, t->dirty, t->loaded, fp_state(t));
}

static void emit_jalr(struct tr *t, unsigned i)
{
    const struct hv_insn *in = &t->in[i];
    uint64_t pc = t->ipc[i];
    struct hv__x86_buf *b = t->b;
    int a = src(t, in->rs1, RAX);
    hv__x86_lea(b, 8, RAX, hv__x86_mb(a, (int32_t)in->imm));
    hv__x86_alu_ri(b, HV_X86_AND, 8, RAX, -2);
    int d = dst(t, in->rd);
    if (d >= 0) {
        hv__x86_mov_ri(b, d, pc + in->len);
        commit(t, in->rd, d);
    }
    end_block_common(t, i);
    if (t->jit->opts.no_chain) {
        hv__x86_store(b, 8, hv__x86_mb(RBX, PC_OFF), RAX);
        hv__x86_alu_rr(b, HV_X86_XOR, 4, RAX, RAX);
        hv__x86_jmp_abs(b, (uintptr_t)t->jit->exit_nochain, RCX);
        return;
    }
    if (!predict_ok(t)) {
        hv__x86_jmp_abs(b, (uintptr_t)t->jit->jc_lookup, RCX);
        return;
    }
    /* The inline cache belongs to the block's last instruction (a region may hold more
     * JALRs: the others only probe). */
    struct hv__jit_ic *ic = t->ic;
    if (i + 1 != t->n)
        t->ic = NULL;
    jc_probe(t);
    t->ic = ic;
}

/* ---- one instruction ------------------------------------------------------------------------ */
/* ---- one instruction ------------------------------------------------------------------------ */

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
    if (!hv__tr_int(t, i) && !hv__tr_mem(t, i) && !hv__tr_fp(t, i))
        hv__tr_sys(t, i);
    if (t->ifc_end && i == t->ifc_end)
        hv__tr_ifc_skip_end(t);
}

/* A guest register is cached in RDI (then same-page groups and RDI loop streams are off,
 * tr_mem.c, and the reload after a helper call restores it). */
static bool rdi_cached(const struct tr *t)
{
    for (unsigned g = 1; g < 32; g++)
        if (t->host_of[g] == RDI)
            return true;
    return false;
}

/* ---- cold stubs -------------------------------------------------------------------------- */

static void emit_cold(struct tr *t, struct cold *c)
{
    struct hv__x86_buf *b = t->b;
    for (unsigned j = 0; j < c->nfrom; j++)
        hv__x86_bind(b, c->from[j]);
    if (c->va_lazy)
        hv__x86_lea(b, 8, RAX, hv__x86_mb(c->va_base, c->va_imm));
    switch (c->kind) {
    case COLD_ENTRY:
        t->entry_label = hv__x86_label(b);
        for (unsigned j = 0; j < t->nto_entry; j++)
            hv__x86_bind(b, t->to_entry[j]);
        set_pc(t, t->pc0, RAX);
        hv__x86_alu_rr(b, HV_X86_XOR, 4, RAX, RAX);
        hv__x86_jmp_abs(b, (uintptr_t)t->jit->exit_nochain, RCX);
        return;
    case COLD_HEAT:
        /* Hot: back to the dispatcher at the block's start (nothing loaded or retired
         * yet), which translates it again (jit.c). */
        hv__x86_store_imm(b, 4, hv__x86_mb(RBX, (int32_t)offsetof(struct hv_cpu, jit_hot)), 1);
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
            /* A tail: its ALU instructions, then its `j` or conditional branch, whose
             * targets are loop heads, later instructions of the block or exits. */
            const struct tail *tl = &t->tail[c->k];
            uint32_t keep_loaded = t->loaded, keep_dirty = t->dirty;
            unsigned k = c->k + 1 + tl->m;
            if (t->cov_only)
                emit_cov(t, c->pc);     /* the tail starts a block */
            t->loaded = c->loaded;
            t->dirty = c->dirty;
            for (unsigned j = 0; j < tl->m; j++)
                emit_insn(t, tl->first + j);
            if (tl->cond) {
                const struct hv_insn *br = &t->in[tl->first + tl->m];
                hv__tr_emit_cmp(t, br);
                uint32_t dirty = t->dirty, loaded = t->loaded;
                /* Taken (the loop's way) falls through; not taken jumps over. */
                struct hv__x86_fixup other =
                    hv__x86_jcc_fwd(b, (enum hv__x86_cc)(branch_cc(br->op) ^ 1));
                exit_path(t, tl->to, k + 1, c->k, dirty, loaded, c->fp);
                hv__x86_bind(b, other);
                exit_path(t, tl->fall, k + tl->xk, c->k, dirty, loaded, c->fp);
            } else {
                exit_path(t, tl->to, k + 1, c->k, t->dirty, t->loaded, c->fp);
            }
            t->loaded = keep_loaded;
            t->dirty = keep_dirty;
            return;
        }
        exit_path(t, c->pc, c->k + 1, c->k, c->dirty, c->loaded, c->fp);
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
        if (!rdi_cached(t))
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
                             uintptr_t host2, struct hv_insn *out, unsigned *bytes)
{
    unsigned n = 0, off = pc & 0xfff, nside = 0;
    const uint8_t *p = (const uint8_t *)host;
    if (host2) {
        /* The one instruction straddling the page end (jit.h). */
        uint16_t lo, hi;
        memcpy(&lo, p, 2);
        memcpy(&hi, (const void *)host2, 2);
        uint32_t raw = (uint32_t)lo | (uint32_t)hi << 16;
        if (off != 4094 || hv__insn_len(lo) != 4)
            return 0;
        if (!hv__decode(raw, out)) {
            out->op = HV_OP_ILLEGAL;
            out->raw = raw;
        }
        out->len = 4;
        *bytes = 4;
        return 1;
    }
    while (n < HV_JIT_LINEAR_MAX && off + 2 <= 4096) {
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

/* Cached registers written from loop head h to its last back-edge (tails included). */
static uint32_t loop_writes(const struct tr *t, unsigned h)
{
    uint32_t m = 0;
    for (int i = (int)h; i <= t->head_end[h]; i++) {
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

struct jit_block *hv__jit_translate(struct hv_cpu *cpu, struct hv__jit *jit, uint64_t pc,
                                    uintptr_t host, uintptr_t host2)
{
    struct tr tr_, *t = &tr_;
    struct hv_insn insns[HV_JIT_BLOCK_MAX];
    unsigned bytes;
    unsigned regime = hv__jit_regime(cpu);
    unsigned n = decode_block(cpu, pc, host, host2, insns, &bytes);
    if (!n)
        return NULL;
    if (jit->npool >= jit->maxpool) {
        jit->full = true;
        return NULL;
    }
    memset(t, 0, offsetof(struct tr, cold));
    memset(t->tail, 0, n * sizeof t->tail[0]);     /* only tail[0..n) is read */
    t->region = false;      /* seg_first .. acyclic are read only in a region */
    t->nfwd = 0;
    t->ncold = 0;
    t->nfail = 0;
    t->nto_entry = 0;
    t->loop = false;
    t->fp_ok = t->fp_dirty = false;
    t->cpu = cpu;
    t->jit = jit;
    t->in = insns;
    t->n = n;
    t->pc0 = pc;
    t->hooked = cpu->hk.on;
    t->cov_only = cov_only(cpu);
    /* Jumps inside the block need no hooks at block starts; loops and tails, chained mode
     * (lockstep compares after every block, so nothing may loop there) and no tail
     * instructions outside the breakpoint-checked block. */
    t->ext = !t->hooked;
    t->ipc[0] = pc;
    for (unsigned i = 0; i < n; i++) {
        t->ipc[i + 1] = t->ipc[i] + insns[i].len;
        t->head_end[i] = -1;
        t->ilabel[i] = -1;
    }
    bool loops = !jit->opts.no_chain && (!t->hooked || t->cov_only);
    struct hv_insn tails[HV_JIT_BLOCK_MAX * 2];
    uint64_t tail_pc[HV_JIT_BLOCK_MAX];
    unsigned tail_bytes[HV_JIT_BLOCK_MAX];
    unsigned ntail = 0;
    unsigned maxlen = hv__tr_plan(t, host, loops, loops && !cpu->dbg.nr_bp, tails, &ntail,
                                 tail_pc, tail_bytes);
    unsigned end = hv__tr_loop_nest_end(t);
    if (end < n) {
        /* The block ends with its first loop nest: the code after it (often another
         * loop) gets a block of its own, whose loops get the cache registers. */
        n = t->n = end;
        bytes = (unsigned)(t->ipc[n] - pc);
        memset(t->tail, 0, n * sizeof t->tail[0]);
        for (unsigned i = 0; i < n; i++)
            t->head_end[i] = -1;
        ntail = 0;
        maxlen = hv__tr_plan(t, host, loops, loops && !cpu->dbg.nr_bp, tails, &ntail, tail_pc,
                            tail_bytes);
    }
    t->n0 = n;
    /* Regions are built for hot blocks only: a candidate is first translated as its first
     * run with a heat count at its checked entry; after HV_JIT_REGION_HEAT entries it asks
     * the dispatcher (jit.c, reheat) to translate it again, as a region, and patch the old
     * entry to the new one. Cold code (a kernel boot: ~5,000 candidates, most entered a
     * few times) pays neither the region's translation nor its larger code. */
    bool counted = false;
    if (loops && t->ext && !cpu->dbg.nr_bp && !host2 && hv__tr_region_likely(t, insns) &&
        !jit->region_ok)
        counted = true;
    if (loops && t->ext && !cpu->dbg.nr_bp && !host2 && jit->region_ok) {
        /* A region (tr_plan.c), kept when a loop closes through one of its added runs. It
         * needs no tails (its runs are more general) and its longest path is its length:
         * jumps inside it go forward, back to loop heads, which check the budget, or back
         * along no cycle (tr_plan.c). */
        int16_t head0[HV_JIT_LINEAR_MAX];
        struct tail tail0[HV_JIT_LINEAR_MAX];
        memset(t->seg_first, 0, sizeof t->seg_first);
        memset(t->seg_last, 0, sizeof t->seg_last);
        memset(t->land_k, 0xff, sizeof t->land_k);
        memset(t->acyclic, 0, sizeof t->acyclic);
        unsigned nr = hv__tr_region(t, insns, host, HV_JIT_BLOCK_MAX);
        bool keep = false;
        if (nr > n) {
            memcpy(head0, t->head_end, n * sizeof head0[0]);
            memcpy(tail0, t->tail, n * sizeof tail0[0]);
            t->n = nr;
            t->region = true;
            memset(t->tail, 0, nr * sizeof t->tail[0]);
            for (unsigned i = 0; i < nr; i++)
                t->head_end[i] = -1;
            unsigned nt = 0;
            hv__tr_plan(t, host, loops, false, tails, &nt, tail_pc, tail_bytes);
            for (unsigned i = 0; i < nr; i++)
                keep |= t->head_end[i] >= (int)n;
        }
        if (keep) {
            n = nr;
            for (unsigned i = t->n0; i < n; i++)
                t->ilabel[i] = -1;
            ntail = 0;
            maxlen = n;
        } else if (nr > n) {
            /* Back to the first run and its plan (tails[], tail_pc[], ntail and maxlen are
             * still the first plan's: the region's plan had no tails). */
            t->n = n;
            t->region = false;
            t->ipc[n] = pc + bytes;
            memset(t->seg_first, 0, sizeof t->seg_first);
            memset(t->seg_last, 0, sizeof t->seg_last);
            memset(t->acyclic, 0, sizeof t->acyclic);
            memcpy(t->head_end, head0, n * sizeof head0[0]);
            memcpy(t->tail, tail0, n * sizeof tail0[0]);
        }
    }
    struct hv_insn *stored = hv__cc_alloc(&jit->cc, (n + ntail) * sizeof(struct hv_insn), 8);
    if (!stored) {
        jit->full = true;
        return NULL;
    }
    struct hv__jit_ic *ic = NULL;
    if (insns[n - 1].op == HV_OP_JALR && !jit->opts.no_chain && !cpu->hk.on &&
        !switch_dispatch(insns, n)) {
        ic = hv__cc_alloc(&jit->cc, sizeof(*ic), 8);
        if (!ic) {
            jit->full = true;
            return NULL;
        }
    }
    memcpy(stored, insns, n * sizeof(struct hv_insn));
    if (ntail)
        memcpy(stored + n, tails, ntail * sizeof(struct hv_insn));
    t->in = stored;
    t->in_rx = hv__cc_rx(&jit->cc, stored);
    t->maxlen = maxlen;
    t->ic = ic;
    /* Memory hooks need every access to reach the soft-TLB, which keeps hooked pages out. */
    t->direct = cpu->policy->direct_host != NULL && !cpu->hk.mem;
    /* Only for code translated in M-mode: there the code and data translations are the
     * same (bare) unless MPRV is set; under paging, data pages rarely share the code's
     * offset and every access would take the cold detour (Sv39 workload: 20 % slower).
     * With tlb_near, a tag hit in M-mode means the addend is tlb_near (HV_TLB_FAR); the
     * block runs only in M-mode (jit.c keys blocks by it). */
    t->hint_exact = !t->direct && cpu->priv == HV_PRIV_M && cpu->tlb_near;
    /* Flat data (M-mode, MPRV off): loads read main RAM directly, as on para. */
    t->flat_ld = !t->direct && !cpu->hk.mem && (regime & 2);
    t->rsi_busy = false;
    if (t->direct) {
        t->win_base = cpu->policy->direct_base_gpa;
        t->win_size = cpu->policy->direct_size;
        t->win_host = cpu->policy->direct_host;
    } else if (t->flat_ld) {
        t->win_base = cpu->flat_base;
        t->win_size = cpu->flat_size;
        t->win_host = cpu->flat_host;
    }
    t->addend_hint = t->direct || cpu->priv != HV_PRIV_M ? 0 :
                     t->hint_exact ? cpu->tlb_near : host - (uintptr_t)pc;
    t->entry_label = -1;
    for (unsigned i = 0; i < n; i++)
        if (t->head_end[i] >= 0)
            t->loop = true;
    /* One `mov rsi` at the body entry instead of one `mov rdx` per access: worth it from two
     * accesses on, or one in a loop (a call-heavy guest's small blocks often hold one). */
    unsigned nmem = (t->direct || t->flat_ld) && !cpu->hk.on ? hv__tr_mem_count(t, n + ntail) : 0;
    t->rsi_base = nmem >= 2 || (nmem && t->loop);
    alloc_regs(t);
    uint32_t cached = 0;
    for (unsigned g = 1; g < 32; g++)
        if (t->host_of[g] >= 0)
            cached |= 1u << g;
    if (t->region) {
        /* A segment's entry state, known before its code so that forward jumps can go
         * straight to it: every cached register loaded, every one the region writes
         * counted dirty (a superset of what any path brings, so jumps write nothing
         * back), no FP gate passed. */
        t->seg_dirty = 0;
        for (unsigned i = 0; i < n; i++)
            if (t->in[i].rd && t->host_of[t->in[i].rd] >= 0)
                t->seg_dirty |= 1u << t->in[i].rd;
        for (unsigned i = 1; i < n; i++) {
            if (!t->seg_first[i])
                continue;
            t->iloaded[i] = cached;
            t->idirty[i] = t->seg_dirty;
            t->ifp[i] = 0;
        }
    }

    struct hv__x86_buf buf;
    t->b = &buf;
    hv__cc_begin(&jit->cc, &buf);
    uintptr_t rx = buf.exec;
    /* Checked entry: poll / exit requests and the budget (exact stop). */
    new_cold(t, COLD_ENTRY);   /* first cold stub: `over` falls into it */
    unsigned slot = 0;
    if (counted) {
        /* The heat count: 7 bytes (disp32: the slots lie far into struct hv_cpu), so that
         * jit.c can overwrite its first 5 with a jmp to the block's region. */
        slot = jit->heat_slot++ % HV_CPU_HEAT_SLOTS;
        cpu->jit_heat[slot] = HV_JIT_REGION_HEAT;
        hv__x86_alu_mi(&buf, HV_X86_SUB, 4,
                       hv__x86_mb(RBX, (int32_t)offsetof(struct hv_cpu, jit_heat[slot])), 1);
        struct cold *h = new_cold(t, COLD_HEAT);
        h->from[h->nfrom++] = hv__x86_jcc_fwd(&buf, HV_X86_CC_E);
    }
    /* instret >= jit_stop_at: a poll due, the budget end within HV_JIT_MAX_PATH, or 0
     * with breakpoints set or an exit requested (jit.h): back to the dispatcher, which
     * polls / single-steps / checks. */
    hv__x86_alu_rm(&buf, HV_X86_CMP, 8, IREG, hv__x86_mb(RBX, STOP_OFF));
    struct hv__x86_fixup over = hv__x86_jcc_fwd(&buf, HV_X86_CC_AE);
    uint32_t body = hv__x86_label(&buf);
    rsi_restore(t);
    t->ifc_carry = t->ifc_end = 0;
    if (t->hooked)
        emit_block_event(t, hv__insn_ends_block(t->in[n - 1].op) ? HV_HK_NOFALL : pc + bytes);
    for (unsigned i = 0; i < n; i++) {
        if (t->hooked && cpu->hk.insn && cpu->hk.ops->insn_hooked(cpu, t->ipc[i]))
            emit_insn_hook(t, i);
        if (t->region && t->seg_first[i] && i) {
            /* Reached by jumps only (the code before ends its own run). */
            t->loaded = t->iloaded[i];
            t->dirty = t->idirty[i];
            t->fp_ok = t->fp_dirty = false;
            for (unsigned f = 0; f < t->nfwd; f++)
                if (t->fwd[f].j == i)
                    hv__x86_bind(&buf, t->fwd[f].f);
            if (t->land_k[i] >= 0)
                add_instret(t, t->land_k[i] - (int)i);
        }
        if (t->head_end[i] >= 0) {
            /* A loop head: every cached register loaded here, so back-edges jump in with
             * the registers still valid; they do not write back either, so from here on
             * every cached register the loop writes counts as dirty (a redundant store of
             * an unchanged value is harmless). */
            for (unsigned g = 1; g < 32; g++)
                if (t->host_of[g] >= 0 && !(t->loaded & (1u << g)))
                    hv__x86_load(&buf, 8, t->host_of[g], xmem(g));
            for (unsigned g = 1; g < 32; g++)
                if (t->host_of[g] >= 0)
                    t->loaded |= 1u << g;
            t->dirty |= loop_writes(t, i);
            /* Loop streams (tr_mem.c) only for a head at instruction 0: their page registers
             * are set to -1 here, on the one entry path (back-edges jump to ilabel[0]). */
            if (i == 0)
                hv__tr_mem_loop(t, t->region ? (int)n - 1 : t->head_end[0]);
        }
        t->ilabel[i] = (int32_t)hv__x86_label(&buf);
        t->iloaded[i] = t->loaded;
        t->idirty[i] = t->dirty;
        t->ifp[i] = fp_state(t);
        emit_insn(t, i);
        if (t->region && t->seg_last[i] && !hv__insn_ends_block(t->in[i].op))
            /* The run goes on at an instruction of the region (a jump there) or leaves. */
            exit_path(t, fall_pc(t, i), i + 1, i, t->dirty, t->loaded, fp_state(t));
    }
    if (!t->region && !hv__insn_ends_block(t->in[n - 1].op)) {
        /* Page end or BLOCK_MAX: fall through to the next block. */
        end_block_common(t, n - 1);
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
    blk->host2 = host2;
    blk->counted = counted;
    blk->regime = (uint8_t)regime;
    /* Stores into the block's code (or a tail's) must drop it: without the tracking
     * (out of memory) it cannot be kept. The dispatcher flushes and retries. */
    bool tracked = host2 ? hv__jit_track_code(cpu, jit, host, 2) == 0 &&
                           hv__jit_track_code(cpu, jit, host2, 2) == 0
                         : hv__jit_track_code(cpu, jit, host, bytes) == 0;
    for (unsigned i = t->n0; i < n && tracked && t->region; i++) {
        if (!t->seg_first[i])
            continue;
        unsigned e = i;
        while (!t->seg_last[e])
            e++;
        tracked = hv__jit_track_code(cpu, jit, host - (pc & 0xfff) + (t->ipc[i] & 0xfff),
                                     (unsigned)(fall_pc(t, e) - t->ipc[i])) == 0;
    }
    for (unsigned i = 0; i < n && tracked; i++)
        if (t->tail[i].present)
            tracked = hv__jit_track_code(cpu, jit, host - (pc & 0xfff) + (tail_pc[i] & 0xfff),
                                         tail_bytes[i]) == 0;
    if (!tracked) {
        jit->npool--;
        jit->full = true;
        return NULL;
    }
    jit->stats.blocks++;
    if (jit->opts.trace)
        hv__tr_trace_block(jit, t, buf.start, len, rx);
    return blk;
}

