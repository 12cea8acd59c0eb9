/* SPDX-License-Identifier: MIT */
/* libhv cpu/jit — translation of one RV64 basic block to x86-64, plus the shared stubs
 * (enter/exit, jump-cache probe) at the start of every code cache generation.
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
#include "cpu/jit/jit.h"
#include "cpu/x86/disas.h"
#include "cpu/fpu.h"

#define X_OFF(g) ((int32_t)(offsetof(struct hv_cpu, x) + 8 * (g)))
#define PC_OFF ((int32_t)offsetof(struct hv_cpu, pc))
#define INSTRET_OFF ((int32_t)offsetof(struct hv_cpu, instret))
#define STOP_OFF ((int32_t)offsetof(struct hv_cpu, jit_stop_at))
#define JC_OFF ((int32_t)offsetof(struct hv_cpu, jit_jcache))
#define TLB_OFF ((int32_t)offsetof(struct hv_cpu, tlb))
#define F_OFF(r) ((int32_t)(offsetof(struct hv_cpu, f) + 8 * (r)))
#define FFLAGS_OFF ((int32_t)offsetof(struct hv_cpu, fflags))
#define FRM_OFF ((int32_t)offsetof(struct hv_cpu, frm))
#define HK_FALL_OFF ((int32_t)offsetof(struct hv_cpu, hk.fall))
#define HK_PREV_OFF ((int32_t)offsetof(struct hv_cpu, hk.cov_prev))
#define XMM0 HV_X86_XMM0

/* The inline soft-TLB probe depends on this layout. */
_Static_assert(sizeof(struct hv_tlb_entry) == 32, "TLB index is scaled by 32");
_Static_assert(offsetof(struct hv_tlb_entry, tag) == 0, "tag[] first");
_Static_assert(offsetof(struct hv_tlb_entry, addend) == 24, "addend after three tags");
_Static_assert(HV_TLB_SIZE == 4096, "index mask 0x1ffe0 assumes 4096 entries");
_Static_assert(sizeof(struct hv__jit_jc) == 32, "jump cache index is scaled by 32");
_Static_assert(offsetof(struct hv__jit_jc, code) == 8, "jump cache code pointer");

enum { RAX = HV_X86_RAX, RCX = HV_X86_RCX, RDX = HV_X86_RDX, RBX = HV_X86_RBX,
       RSP = HV_X86_RSP, RBP = HV_X86_RBP, RSI = HV_X86_RSI, RDI = HV_X86_RDI,
       R8 = HV_X86_R8, R9 = HV_X86_R9, R10 = HV_X86_R10, R11 = HV_X86_R11,
       R12 = HV_X86_R12, R13 = HV_X86_R13, R14 = HV_X86_R14, R15 = HV_X86_R15 };

/* Host registers that cache guest registers, callee-saved first. */
static const int cache_regs[] = { RBP, R12, R13, R14, R8, R9, R10, R11 };
#define NCACHE (sizeof(cache_regs) / sizeof(cache_regs[0]))
#define NCALLEE 4
/* instret while generated code runs (callee-saved, so helpers preserve it). Counting in
 * memory chained every block and loop iteration to the previous one through a
 * read-modify-write and store-to-load forwarding (about 6 cycles each). */
#define IREG R15

enum cold_kind { COLD_LOAD, COLD_STORE, COLD_CHAIN, COLD_ENTRY, COLD_GENERIC, COLD_SIDE,
                 COLD_FPGATE, COLD_ADDEND };

/* Superblocks: a block continues past up to this many not-taken conditional branches. */
#define SIDE_MAX 8
/* Loop tails: a side exit whose target is at most TAIL_MAX plain ALU instructions and a
 * `j pc0` (e.g. `while (v[i] < p) i++;` compiled as a branch out of the loop body to an
 * increment that jumps back) is translated inline as another back-edge of the self-loop,
 * instead of leaving for a two-block cycle that writes back and reloads every register
 * on each iteration. */
#define TAIL_MAX 6

struct tail {
    uint16_t first;             /* index of its first instruction in tr.in (after the block) */
    uint8_t m;                  /* ALU instructions before the jump */
    bool present;
};

struct cold {
    enum cold_kind kind;
    struct hv__x86_fixup from[4];
    unsigned nfrom;
    uint32_t resume;
    uint64_t pc;                /* instruction pc (LOAD/STORE), target (CHAIN, SIDE) */
    unsigned k;                 /* instructions retired before it in the block */
    uint32_t loaded, dirty;     /* register cache state at the instruction */
    int dst;                    /* LOAD: host register receiving the value */
    int val;                    /* STORE: host register holding the value, -1: zero */
    unsigned kind_arg;          /* size | sign << 4 | len << 8 */
};

struct tr {
    struct hv_cpu *cpu;
    struct hv__jit *jit;
    struct hv__x86_buf *b;
    const struct hv_insn *in;   /* the decoded block (RW copy) */
    const struct hv_insn *in_rx;/* the same, as seen by helpers */
    unsigned n;
    uint64_t pc0;
    int8_t host_of[32];
    uint32_t loaded, dirty;
    uint32_t callee_mask;       /* guest regs cached in callee-saved host registers */
    struct cold cold[4 * HV_JIT_BLOCK_MAX + 8];
    unsigned ncold;
    /* Self-loops (an exit back to pc0): every cached register is loaded right after the
     * body entry, so a back-edge jumps to loop_head with the registers still valid. */
    bool loop;
    uint32_t preload;           /* guest regs loaded before loop_head */
    uint32_t loop_head;
    struct hv__x86_fixup to_entry[8];   /* back-edge checks that fail */
    unsigned nto_entry;
    int64_t entry_label;        /* COLD_ENTRY stub once emitted, else -1 */
    struct hv__x86_fixup fail[2 * HV_JIT_BLOCK_MAX + 8];
    unsigned nfail;
    bool direct;
    bool fp_ok, fp_dirty;       /* policy->fp_check already passed (for writes) */
    struct tail tail[HV_JIT_BLOCK_MAX];     /* by side-exit branch index */
    uintptr_t addend_hint;      /* the code page's soft-TLB addend (0: none), see fast_path */
    unsigned maxlen;            /* longest path through the block (budget checks) */
    bool hooked;                /* cpu->hk.on: block events, hooks, no superblocks/loops */
    bool cov_only;              /* hooked with only the coverage map: superblocks and loops
                                   stay, internal block starts update the map inline */
};

static struct hv__x86_mem xmem(unsigned g)
{
    return hv__x86_mb(RBX, X_OFF(g));
}

/* ---- register cache ---------------------------------------------------------------------- */

static int src(struct tr *t, unsigned g, int scratch)
{
    if (g == 0) {
        hv__x86_mov_ri(t->b, scratch, 0);
        return scratch;
    }
    int h = t->host_of[g];
    if (h >= 0) {
        if (!(t->loaded & (1u << g))) {
            hv__x86_load(t->b, 8, h, xmem(g));
            t->loaded |= 1u << g;
        }
        return h;
    }
    hv__x86_load(t->b, 8, scratch, xmem(g));
    return scratch;
}

/* Where to compute rd: its cache register, or RDX (stored by commit). -1 for x0. */
static int dst(struct tr *t, unsigned g)
{
    if (g == 0)
        return -1;
    return t->host_of[g] >= 0 ? t->host_of[g] : RDX;
}

static void commit(struct tr *t, unsigned g, int d)
{
    if (g == 0)
        return;
    if (t->host_of[g] >= 0) {
        if (d != t->host_of[g])
            hv__x86_mov_rr(t->b, 8, t->host_of[g], d);
        t->loaded |= 1u << g;
        t->dirty |= 1u << g;
    } else {
        hv__x86_store(t->b, 8, xmem(g), d);
    }
}

static void write_back(struct tr *t, uint32_t dirty)
{
    for (unsigned g = 1; g < 32; g++)
        if (dirty & (1u << g))
            hv__x86_store(t->b, 8, xmem(g), t->host_of[g]);
}

static void reload_caller_saved(struct tr *t, uint32_t loaded)
{
    for (unsigned g = 1; g < 32; g++)
        if ((loaded & (1u << g)) && !(t->callee_mask & (1u << g)))
            hv__x86_load(t->b, 8, t->host_of[g], xmem(g));
}

/* After a hook that may have changed guest registers: every cached one from memory. */
static void reload_all(struct tr *t, uint32_t loaded)
{
    for (unsigned g = 1; g < 32; g++)
        if (loaded & (1u << g))
            hv__x86_load(t->b, 8, t->host_of[g], xmem(g));
}

/* Before a helper call in the hot path: memory is up to date afterwards, and the caller-
 * saved cache registers are considered empty. */
static void sync_for_call(struct tr *t)
{
    write_back(t, t->dirty);
    t->dirty = 0;
    t->loaded &= t->callee_mask;
}

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

/* ---- helpers ------------------------------------------------------------------------------ */

static void set_pc(struct tr *t, uint64_t pc, int scratch)
{
    hv__x86_mov_ri(t->b, scratch, pc);
    hv__x86_store(t->b, 8, hv__x86_mb(RBX, PC_OFF), scratch);
}

static void add_instret(struct tr *t, int64_t k)
{
    if (k)
        hv__x86_alu_ri(t->b, HV_X86_ADD, 8, IREG, (int32_t)k);
}

/* Before a helper call at the block's k-th instruction: instret exact in memory. */
static void instret_to_mem(struct tr *t, unsigned k)
{
    add_instret(t, k);
    hv__x86_store(t->b, 8, hv__x86_mb(RBX, INSTRET_OFF), IREG);
}

/* After it: back to the block's base count, from memory (the helper may have changed
 * it: a retired instruction, a deterministic WFI's skip); `retired` is how many
 * instructions of the block memory counts by now. */
static void instret_from_mem(struct tr *t, unsigned retired)
{
    hv__x86_load(t->b, 8, IREG, hv__x86_mb(RBX, INSTRET_OFF));
    add_instret(t, -(int64_t)retired);
}

/* Leaving for the exit stub after a helper changed memory's instret: take that value. */
static void instret_reload(struct tr *t)
{
    hv__x86_load(t->b, 8, IREG, hv__x86_mb(RBX, INSTRET_OFF));
}

static uint64_t insn_pc(const struct tr *t, unsigned i)
{
    uint64_t pc = t->pc0;
    for (unsigned j = 0; j < i; j++)
        pc += t->in[j].len;
    return pc;
}

/* test eax, eax; jnz fail (the shared failure exit of the block). */
static void check_status(struct tr *t)
{
    hv__x86_test_rr(t->b, 4, RAX, RAX);
    t->fail[t->nfail++] = hv__x86_jcc_fwd(t->b, HV_X86_CC_NE);
}

static struct cold *new_cold(struct tr *t, enum cold_kind kind)
{
    struct cold *c = &t->cold[t->ncold++];
    memset(c, 0, sizeof(*c));
    c->kind = kind;
    c->loaded = t->loaded;
    c->dirty = t->dirty;
    return c;
}

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

/* ---- block exits -------------------------------------------------------------------------- */

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

/* ---- memory accesses ----------------------------------------------------------------------- */

/* Emit the fast path for an access of `size` at [base + imm] with va left in RAX; jumps to
 * the cold stub c on any miss. Returns the memory operand for the access. */
static struct hv__x86_mem fast_path(struct tr *t, struct cold *c, int base, int64_t imm,
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
    struct hv__x86_mem m = fast_path(t, c, base, in->imm, size, false);
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
    struct hv__x86_mem m = fast_path(t, c, base, in->imm, size, true);
    if (v < 0)
        hv__x86_store_imm(t->b, size, m, 0);
    else
        hv__x86_store(t->b, size, m, v);
    c->resume = hv__x86_label(t->b);
}

/* ---- the generic path: the interpreter's semantics for one instruction ------------------- */

/* In the hot path, before instruction i: state exact in memory (registers, pc, instret),
 * then fn(cpu, &insn[i]); a non-zero status leaves through the block's failure exit. */
static void call_insn_helper(struct tr *t, unsigned i, uintptr_t fn)
{
    struct hv__x86_buf *b = t->b;
    sync_for_call(t);
    set_pc(t, insn_pc(t, i), RAX);
    instret_to_mem(t, i);
    hv__x86_mov_rr(b, 8, RDI, RBX);
    hv__x86_mov_ri(b, RSI, (uint64_t)(uintptr_t)&t->in_rx[i]);
    hv__x86_call_abs(b, fn, RAX);
    check_status(t);
}

static void emit_generic(struct tr *t, unsigned i, bool ends)
{
    struct hv__x86_buf *b = t->b;
    call_insn_helper(t, i, (uintptr_t)hv__jit_h_exec);
    if (ends) {
        /* The helper retired the instruction and set pc: back to the dispatcher. */
        instret_reload(t);
        hv__x86_jmp_abs(b, (uintptr_t)t->jit->exit_nochain, RCX);
        return;
    }
    instret_from_mem(t, i + 1);
    unsigned rd = t->in[i].rd;
    t->loaded &= ~(1u << rd);
}

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
    struct hv__x86_mem m = fast_path(t, c, base, in->imm, size, false);
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
    struct hv__x86_mem m = fast_path(t, c, base, in->imm, size, true);
    hv__x86_store(t->b, size, m, RSI);
    c->resume = hv__x86_label(t->b);
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
static void emit_fflags_sync(struct tr *t)
{
    struct hv__x86_buf *b = t->b;
    hv__x86_stmxcsr(b, hv__x86_mb(RSP, 4));
    hv__x86_load(b, 4, RCX, hv__x86_mb(RSP, 4));
    hv__x86_alu_ri(b, HV_X86_AND, 4, RCX, 0x3d);
    struct hv__x86_fixup none = hv__x86_jcc8_fwd(b, HV_X86_CC_E);
    hv__x86_mov_ri(b, RSI, (uint64_t)(uintptr_t)t->jit->mx_table);
    hv__x86_movzx_load(b, 4, 1, RCX, hv__x86_mbi(RSI, RCX, 1, 0));
    hv__x86_alu_mr(b, HV_X86_OR, 4, hv__x86_mb(RBX, FFLAGS_OFF), RCX);
    hv__x86_store_imm(b, 4, hv__x86_mb(RSP, 4), 0x1f80);
    hv__x86_ldmxcsr(b, hv__x86_mb(RSP, 4));
    hv__x86_bind(b, none);
}

/* ---- ALU ------------------------------------------------------------------------------------ */

static void finish_w(struct tr *t, int d, bool w)
{
    if (w)
        hv__x86_movsxd(t->b, d, d);
}

/* rd = rs1 op rs2 (two-operand x86 form), optional 32-bit op + sign extension. */
static void alu_rr(struct tr *t, const struct hv_insn *in, enum hv__x86_alu op, bool comm,
                   bool w)
{
    int d = dst(t, in->rd);
    if (d < 0)
        return;
    if ((op == HV_X86_ADD || op == HV_X86_OR || op == HV_X86_XOR) && (!in->rs1 || !in->rs2)) {
        /* mv / sext.w spelled with x0: one move */
        int v = src(t, in->rs1 ? in->rs1 : in->rs2, RAX);
        if (w)
            hv__x86_movsxd(t->b, d, v);
        else if (d != v)
            hv__x86_mov_rr(t->b, 8, d, v);
        commit(t, in->rd, d);
        return;
    }
    int a = src(t, in->rs1, RAX), c = src(t, in->rs2, RCX);
    unsigned sz = w ? 4 : 8;
    if (d == c && d != a) {
        if (comm) {
            hv__x86_alu_rr(t->b, op, sz, d, a);
        } else {
            hv__x86_mov_rr(t->b, 8, RAX, a);
            hv__x86_alu_rr(t->b, op, sz, RAX, c);
            d = RAX;
        }
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
    int a = src(t, in->rs1, RAX);
    if (op == HV_X86_ADD && w && !in->imm) {
        /* sext.w: one movsxd (it reads only the low 32 bits) */
        hv__x86_movsxd(t->b, d, a);
        commit(t, in->rd, d);
        return;
    }
    if (op == HV_X86_ADD && !w && d != a) {
        hv__x86_lea(t->b, 8, d, hv__x86_mb(a, (int32_t)in->imm));
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
    int a = src(t, in->rs1, RAX);
    if (d != a)
        hv__x86_mov_rr(t->b, 8, d, a);
    unsigned amt = (unsigned)in->imm & (w ? 31 : 63);
    if (amt || w)
        hv__x86_shift_ri(t->b, op, w ? 4 : 8, d, (uint8_t)amt);
    finish_w(t, d, w);
    commit(t, in->rd, d);
}

static void shift_reg(struct tr *t, const struct hv_insn *in, enum hv__x86_shift op, bool w)
{
    int d = dst(t, in->rd);
    if (d < 0)
        return;
    int c = src(t, in->rs2, RCX);
    if (c != RCX)
        hv__x86_mov_rr(t->b, 8, RCX, c);
    int a = src(t, in->rs1, RAX);
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
    int a = src(t, in->rs1, RAX);
    if (imm) {
        hv__x86_alu_ri(t->b, HV_X86_CMP, 8, a, (int32_t)in->imm);
    } else {
        int c = src(t, in->rs2, RCX);
        hv__x86_alu_rr(t->b, HV_X86_CMP, 8, a, c);
    }
    hv__x86_setcc(t->b, cc, RAX);
    hv__x86_movzx(t->b, 4, 1, d, RAX);
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
    int a = src(t, in->rs1, RAX);
    struct hv__x86_buf *b = t->b;
    switch (in->op) {
    case HV_OP_CLZ: hv__x86_lzcnt(b, 8, RAX, a); break;
    case HV_OP_CLZW: hv__x86_lzcnt(b, 4, RAX, a); break;
    case HV_OP_CTZ: hv__x86_tzcnt(b, 8, RAX, a); break;
    case HV_OP_CTZW: hv__x86_tzcnt(b, 4, RAX, a); break;
    case HV_OP_CPOP: hv__x86_popcnt(b, 8, RAX, a); break;
    case HV_OP_CPOPW: hv__x86_popcnt(b, 4, RAX, a); break;
    case HV_OP_SEXT_B: hv__x86_movsx(b, 8, 1, RAX, a); break;
    case HV_OP_SEXT_H: hv__x86_movsx(b, 8, 2, RAX, a); break;
    case HV_OP_ZEXT_H: hv__x86_movzx(b, 4, 2, RAX, a); break;
    default: /* REV8 */
        hv__x86_mov_rr(b, 8, RAX, a);
        hv__x86_bswap(b, 8, RAX);
        break;
    }
    commit(t, in->rd, RAX);
}

static void minmax(struct tr *t, const struct hv_insn *in, enum hv__x86_cc take_rs2)
{
    int d = dst(t, in->rd);
    if (d < 0)
        return;
    int a = src(t, in->rs1, RAX), c = src(t, in->rs2, RCX);
    if (a != RAX)
        hv__x86_mov_rr(t->b, 8, RAX, a);
    hv__x86_alu_rr(t->b, HV_X86_CMP, 8, RAX, c);
    hv__x86_cmov(t->b, take_rs2, 8, RAX, c);
    commit(t, in->rd, RAX);
}

static void rotate(struct tr *t, const struct hv_insn *in, enum hv__x86_shift op, bool w,
                   bool imm)
{
    int d = dst(t, in->rd);
    if (d < 0)
        return;
    if (!imm) {
        int c = src(t, in->rs2, RCX);
        if (c != RCX)
            hv__x86_mov_rr(t->b, 8, RCX, c);
    }
    int a = src(t, in->rs1, RAX);
    if (a != RAX)
        hv__x86_mov_rr(t->b, 8, RAX, a);
    if (imm)
        hv__x86_shift_ri(t->b, op, w ? 4 : 8, RAX, (uint8_t)(in->imm & (w ? 31 : 63)));
    else
        hv__x86_shift_rcl(t->b, op, w ? 4 : 8, RAX);
    finish_w(t, RAX, w);
    commit(t, in->rd, RAX);
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
    if (!imm) {
        int c = src(t, in->rs2, RCX);
        if (c != RCX)
            hv__x86_mov_rr(t->b, 8, RCX, c);
    }
    int a = src(t, in->rs1, RAX);
    if (a != RAX)
        hv__x86_mov_rr(t->b, 8, RAX, a);
    if (imm)
        hv__x86_bit_ri(t->b, op, 8, RAX, (uint8_t)(in->imm & 63));
    else
        hv__x86_bit_rr(t->b, op, 8, RAX, RCX);
    commit(t, in->rd, RAX);
}

static void bext(struct tr *t, const struct hv_insn *in, bool imm)
{
    int d = dst(t, in->rd);
    if (d < 0)
        return;
    if (!imm) {
        int c = src(t, in->rs2, RCX);
        if (c != RCX)
            hv__x86_mov_rr(t->b, 8, RCX, c);
    }
    int a = src(t, in->rs1, RAX);
    if (a != RAX)
        hv__x86_mov_rr(t->b, 8, RAX, a);
    if (imm)
        hv__x86_shift_ri(t->b, HV_X86_SHR, 8, RAX, (uint8_t)(in->imm & 63));
    else
        hv__x86_shift_rcl(t->b, HV_X86_SHR, 8, RAX);
    hv__x86_alu_ri(t->b, HV_X86_AND, 4, RAX, 1);
    commit(t, in->rd, RAX);
}

static void czero(struct tr *t, const struct hv_insn *in, bool eqz)
{
    int d = dst(t, in->rd);
    if (d < 0)
        return;
    int a = src(t, in->rs1, RAX), c = src(t, in->rs2, RCX);
    hv__x86_mov_ri(t->b, RDX, 0);
    hv__x86_test_rr(t->b, 8, c, c);
    /* czero.eqz: rd = rs2 ? rs1 : 0; czero.nez: rd = rs2 ? 0 : rs1 */
    hv__x86_cmov(t->b, eqz ? HV_X86_CC_NE : HV_X86_CC_E, 8, RDX, a);
    commit(t, in->rd, RDX);
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
    uint32_t f = t->jit->features;
    switch (in->op) {
    case HV_OP_LUI: case HV_OP_AUIPC: {
        int d = dst(t, in->rd);
        if (d >= 0) {
            uint64_t v = (uint64_t)in->imm + (in->op == HV_OP_AUIPC ? insn_pc(t, i) : 0);
            hv__x86_mov_ri(t->b, d, v);
            commit(t, in->rd, d);
        }
        return;
    }
    case HV_OP_JAL: emit_jal(t, i); return;
    case HV_OP_JALR: emit_jalr(t, i); return;
    case HV_OP_BEQ: emit_branch(t, i, HV_X86_CC_E); return;
    case HV_OP_BNE: emit_branch(t, i, HV_X86_CC_NE); return;
    case HV_OP_BLT: emit_branch(t, i, HV_X86_CC_L); return;
    case HV_OP_BGE: emit_branch(t, i, HV_X86_CC_GE); return;
    case HV_OP_BLTU: emit_branch(t, i, HV_X86_CC_B); return;
    case HV_OP_BGEU: emit_branch(t, i, HV_X86_CC_AE); return;
    case HV_OP_LB: emit_load(t, i, 1, true); return;
    case HV_OP_LH: emit_load(t, i, 2, true); return;
    case HV_OP_LW: emit_load(t, i, 4, true); return;
    case HV_OP_LD: emit_load(t, i, 8, false); return;
    case HV_OP_LBU: emit_load(t, i, 1, false); return;
    case HV_OP_LHU: emit_load(t, i, 2, false); return;
    case HV_OP_LWU: emit_load(t, i, 4, false); return;
    case HV_OP_SB: emit_store(t, i, 1); return;
    case HV_OP_SH: emit_store(t, i, 2); return;
    case HV_OP_SW: emit_store(t, i, 4); return;
    case HV_OP_SD: emit_store(t, i, 8); return;
    case HV_OP_ADDI: alu_ri(t, in, HV_X86_ADD, false); return;
    case HV_OP_XORI: alu_ri(t, in, HV_X86_XOR, false); return;
    case HV_OP_ORI: alu_ri(t, in, HV_X86_OR, false); return;
    case HV_OP_ANDI: alu_ri(t, in, HV_X86_AND, false); return;
    case HV_OP_ADDIW: alu_ri(t, in, HV_X86_ADD, true); return;
    case HV_OP_SLTI: set_cmp(t, in, HV_X86_CC_L, true); return;
    case HV_OP_SLTIU: set_cmp(t, in, HV_X86_CC_B, true); return;
    case HV_OP_SLT: set_cmp(t, in, HV_X86_CC_L, false); return;
    case HV_OP_SLTU: set_cmp(t, in, HV_X86_CC_B, false); return;
    case HV_OP_SLLI: shift_imm(t, in, HV_X86_SHL, false); return;
    case HV_OP_SRLI: shift_imm(t, in, HV_X86_SHR, false); return;
    case HV_OP_SRAI: shift_imm(t, in, HV_X86_SAR, false); return;
    case HV_OP_SLLIW: shift_imm(t, in, HV_X86_SHL, true); return;
    case HV_OP_SRLIW: shift_imm(t, in, HV_X86_SHR, true); return;
    case HV_OP_SRAIW: shift_imm(t, in, HV_X86_SAR, true); return;
    case HV_OP_ADD: alu_rr(t, in, HV_X86_ADD, true, false); return;
    case HV_OP_SUB: alu_rr(t, in, HV_X86_SUB, false, false); return;
    case HV_OP_XOR: alu_rr(t, in, HV_X86_XOR, true, false); return;
    case HV_OP_OR: alu_rr(t, in, HV_X86_OR, true, false); return;
    case HV_OP_AND: alu_rr(t, in, HV_X86_AND, true, false); return;
    case HV_OP_ADDW: alu_rr(t, in, HV_X86_ADD, true, true); return;
    case HV_OP_SUBW: alu_rr(t, in, HV_X86_SUB, false, true); return;
    case HV_OP_SLL: shift_reg(t, in, HV_X86_SHL, false); return;
    case HV_OP_SRL: shift_reg(t, in, HV_X86_SHR, false); return;
    case HV_OP_SRA: shift_reg(t, in, HV_X86_SAR, false); return;
    case HV_OP_SLLW: shift_reg(t, in, HV_X86_SHL, true); return;
    case HV_OP_SRLW: shift_reg(t, in, HV_X86_SHR, true); return;
    case HV_OP_SRAW: shift_reg(t, in, HV_X86_SAR, true); return;
    case HV_OP_FENCE: hv__x86_mfence(t->b); return;
    case HV_OP_MUL: case HV_OP_MULW: {
        int d = dst(t, in->rd);
        if (d < 0)
            return;
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
        return;
    }
    case HV_OP_MULH: case HV_OP_MULHU: case HV_OP_MULHSU: mul_high(t, in, in->op); return;
    case HV_OP_DIV: divrem(t, in, true, false, false); return;
    case HV_OP_DIVU: divrem(t, in, false, false, false); return;
    case HV_OP_REM: divrem(t, in, true, true, false); return;
    case HV_OP_REMU: divrem(t, in, false, true, false); return;
    case HV_OP_DIVW: divrem(t, in, true, false, true); return;
    case HV_OP_DIVUW: divrem(t, in, false, false, true); return;
    case HV_OP_REMW: divrem(t, in, true, true, true); return;
    case HV_OP_REMUW: divrem(t, in, false, true, true); return;
    case HV_OP_ADD_UW: shadd(t, in, 0, true); return;
    case HV_OP_SH1ADD: shadd(t, in, 1, false); return;
    case HV_OP_SH2ADD: shadd(t, in, 2, false); return;
    case HV_OP_SH3ADD: shadd(t, in, 3, false); return;
    case HV_OP_SH1ADD_UW: shadd(t, in, 1, true); return;
    case HV_OP_SH2ADD_UW: shadd(t, in, 2, true); return;
    case HV_OP_SH3ADD_UW: shadd(t, in, 3, true); return;
    case HV_OP_SLLI_UW: {
        int d = dst(t, in->rd);
        if (d < 0)
            return;
        int a = src(t, in->rs1, RAX);
        hv__x86_mov_rr(t->b, 4, RAX, a);
        if (in->imm & 63)
            hv__x86_shift_ri(t->b, HV_X86_SHL, 8, RAX, (uint8_t)(in->imm & 63));
        commit(t, in->rd, RAX);
        return;
    }
    case HV_OP_ANDN: case HV_OP_ORN: case HV_OP_XNOR: logic_not(t, in); return;
    case HV_OP_CLZ: case HV_OP_CLZW:
        if (!(f & HV_X86_F_LZCNT))
            break;
        unary_bits(t, in);
        return;
    case HV_OP_CTZ: case HV_OP_CTZW:
        if (!(f & HV_X86_F_BMI1))
            break;
        unary_bits(t, in);
        return;
    case HV_OP_CPOP: case HV_OP_CPOPW:
        if (!(f & HV_X86_F_POPCNT))
            break;
        unary_bits(t, in);
        return;
    case HV_OP_SEXT_B: case HV_OP_SEXT_H: case HV_OP_ZEXT_H: case HV_OP_REV8:
        unary_bits(t, in);
        return;
    case HV_OP_MAX: minmax(t, in, HV_X86_CC_L); return;
    case HV_OP_MIN: minmax(t, in, HV_X86_CC_G); return;
    case HV_OP_MAXU: minmax(t, in, HV_X86_CC_B); return;
    case HV_OP_MINU: minmax(t, in, HV_X86_CC_A); return;
    case HV_OP_ROL: rotate(t, in, HV_X86_ROL, false, false); return;
    case HV_OP_ROLW: rotate(t, in, HV_X86_ROL, true, false); return;
    case HV_OP_ROR: rotate(t, in, HV_X86_ROR, false, false); return;
    case HV_OP_RORW: rotate(t, in, HV_X86_ROR, true, false); return;
    case HV_OP_RORI: rotate(t, in, HV_X86_ROR, false, true); return;
    case HV_OP_RORIW: rotate(t, in, HV_X86_ROR, true, true); return;
    case HV_OP_BSET: bitop(t, in, HV_X86_BTS, false); return;
    case HV_OP_BSETI: bitop(t, in, HV_X86_BTS, true); return;
    case HV_OP_BCLR: bitop(t, in, HV_X86_BTR, false); return;
    case HV_OP_BCLRI: bitop(t, in, HV_X86_BTR, true); return;
    case HV_OP_BINV: bitop(t, in, HV_X86_BTC, false); return;
    case HV_OP_BINVI: bitop(t, in, HV_X86_BTC, true); return;
    case HV_OP_BEXT: bext(t, in, false); return;
    case HV_OP_BEXTI: bext(t, in, true); return;
    case HV_OP_CZERO_EQZ: czero(t, in, true); return;
    case HV_OP_CZERO_NEZ: czero(t, in, false); return;
    case HV_OP_FLD: emit_fload(t, i, 8); return;
    case HV_OP_FLW: emit_fload(t, i, 4); return;
    case HV_OP_FSD: emit_fstore(t, i, 8); return;
    case HV_OP_FSW: emit_fstore(t, i, 4); return;
    case HV_OP_FADD_D: if (emit_farith(t, i, HV_X86_ADDS, true, false)) return; break;
    case HV_OP_FSUB_D: if (emit_farith(t, i, HV_X86_SUBS, true, false)) return; break;
    case HV_OP_FMUL_D: if (emit_farith(t, i, HV_X86_MULS, true, false)) return; break;
    case HV_OP_FDIV_D: if (emit_farith(t, i, HV_X86_DIVS, true, false)) return; break;
    case HV_OP_FSQRT_D: if (emit_farith(t, i, HV_X86_SQRTS, true, true)) return; break;
    case HV_OP_FADD_S: if (emit_farith(t, i, HV_X86_ADDS, false, false)) return; break;
    case HV_OP_FSUB_S: if (emit_farith(t, i, HV_X86_SUBS, false, false)) return; break;
    case HV_OP_FMUL_S: if (emit_farith(t, i, HV_X86_MULS, false, false)) return; break;
    case HV_OP_FDIV_S: if (emit_farith(t, i, HV_X86_DIVS, false, false)) return; break;
    case HV_OP_FSQRT_S: if (emit_farith(t, i, HV_X86_SQRTS, false, true)) return; break;
    case HV_OP_FSGNJ_D: case HV_OP_FSGNJN_D: case HV_OP_FSGNJX_D: emit_fsgnj_d(t, i); return;
    case HV_OP_FMV_X_D: case HV_OP_FMV_D_X: case HV_OP_FMV_X_W: case HV_OP_FMV_W_X:
        emit_fmv(t, i);
        return;
    default:
        break;
    }
    if (hv__insn_ends_block(in->op))
        emit_fflags_sync(t);
    emit_generic(t, i, hv__insn_ends_block(in->op));
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
        hv__x86_load(b, 8, RDX, hv__x86_mbi(RBX, RCX, 1, TLB_OFF + 24));
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
    call_insn_helper(t, i, (uintptr_t)hv__jit_h_insn);
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
