/* SPDX-License-Identifier: MIT */
/* libhv cpu/jit — internal to the translator (translate.c, tr_int.c, tr_mem.c, tr_fp.c,
 * tr_sys.c, tr_plan.c, tr_ifc.c, tr_trace.c): the translation context, the register cache and the small emitters the
 * files share, and the entry points each file offers the block driver. */
#ifndef HV_CPU_JIT_TR_H
#define HV_CPU_JIT_TR_H

#include <string.h>
#include "cpu/jit/jit.h"

#define X_OFF(g) ((int32_t)(offsetof(struct hv_cpu, x) + 8 * (g)))
#define PC_OFF ((int32_t)offsetof(struct hv_cpu, pc))
#define INSTRET_OFF ((int32_t)offsetof(struct hv_cpu, instret))
#define STOP_OFF ((int32_t)offsetof(struct hv_cpu, jit_stop_at))
#define JC_OFF ((int32_t)offsetof(struct hv_cpu, jit_jc))
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
_Static_assert(offsetof(struct hv__jit_ic, page) == 16, "ic_fill reads the page at 16");

enum { RAX = HV_X86_RAX, RCX = HV_X86_RCX, RDX = HV_X86_RDX, RBX = HV_X86_RBX,
       RSP = HV_X86_RSP, RBP = HV_X86_RBP, RSI = HV_X86_RSI, RDI = HV_X86_RDI,
       R8 = HV_X86_R8, R9 = HV_X86_R9, R10 = HV_X86_R10, R11 = HV_X86_R11,
       R12 = HV_X86_R12, R13 = HV_X86_R13, R14 = HV_X86_R14, R15 = HV_X86_R15 };

/* instret while generated code runs (callee-saved, so helpers preserve it). Counting in
 * memory chained every block and loop iteration to the previous one through a
 * read-modify-write and store-to-load forwarding (about 6 cycles each). */
#define IREG R15

enum cold_kind { COLD_LOAD, COLD_STORE, COLD_CHAIN, COLD_ENTRY, COLD_HEAT, COLD_GENERIC, COLD_SIDE,
                 COLD_FPGATE, COLD_ADDEND };
struct tail {
    uint16_t first;             /* index of its first instruction in tr.in (after the block) */
    uint8_t m;                  /* ALU instructions before the jump */
    bool present;
    bool cond;                  /* ends in a conditional branch (tr.in[first + m]), not `j` */
    uint8_t xk;                 /* cond: instructions the not-taken path retires after the
                                   ALU ones (the branch, and a `j` right after it) */
    uint64_t to;                /* the `j` target, or the branch's taken target */
    uint64_t fall;              /* cond: where the not-taken path continues */
};

struct cold {
    enum cold_kind kind;
    struct hv__x86_fixup from[4];
    unsigned nfrom;
    uint32_t resume;
    uint64_t pc;                /* instruction pc (LOAD/STORE), target (CHAIN, SIDE) */
    unsigned k;                 /* instructions retired before it in the block */
    uint32_t loaded, dirty;     /* register cache state at the instruction */
    uint8_t fp;                 /* fp_ok | fp_dirty << 1 at the instruction */
    int dst;                    /* LOAD: host register receiving the value */
    int val;                    /* STORE: host register holding the value, -1: zero */
    unsigned kind_arg;          /* size | sign << 4 | len << 8 */
    bool reprobe;               /* LOAD/STORE of a same-page group (tr_mem.c): the ordinary
                                   check first (hv__tr_mem_reprobe), then the helper */
    int base;                   /* reprobe: host register of the base, -1: va in RAX */
    int sreg;                   /* reprobe of a loop stream: its page register, else 0 */
    bool reset;                 /* LOAD/STORE: a group or loop stream register is live here
                                   (after the helper: RDI = RSI = -1, see tr_mem.c) */
    bool va_lazy;               /* RAX is not va yet: the stub starts with
                                   lea rax, [va_base + va_imm] (tr_mem.c, direct_single) */
    int va_base;
    int32_t va_imm;
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
    /* tr_mem.c's same-page groups: accesses covered by an earlier owner's check, and the
     * index after the live group's last member (no new owner before it). */
    bool grp_follow[HV_JIT_BLOCK_MAX];
    unsigned grp_end;
    bool grp_scanned;           /* grp_target[] filled */
    bool grp_target[HV_JIT_BLOCK_MAX];      /* some branch/jal of the block jumps here */
    /* tr_mem.c's loop streams: the page register of a self-loop access, else 0. */
    uint8_t stream_reg[HV_JIT_BLOCK_MAX];
    bool streams;               /* the block has loop streams */
    struct cold cold[4 * HV_JIT_BLOCK_MAX + 8];
    unsigned ncold;
    /* Loops (exits back to a loop head: translate.c's plan): at a head every cached
     * register is loaded, so a back-edge jumps there with the registers still valid. */
    bool loop;
    struct hv__x86_fixup to_entry[8];   /* back-edge checks that fail */
    unsigned nto_entry;
    int64_t entry_label;        /* COLD_ENTRY stub once emitted, else -1 */
    struct hv__x86_fixup fail[2 * HV_JIT_BLOCK_MAX + 8];
    unsigned nfail;
    bool direct;
    bool fp_ok, fp_dirty;       /* policy->fp_check already passed (for writes) */
    struct tail tail[HV_JIT_BLOCK_MAX];     /* by side-exit branch index */
    uintptr_t addend_hint;      /* M-mode: the data addend to expect (0: none), see check() */
    bool hint_exact;            /* a tag hit proves addend_hint (HV_TLB_FAR, cpu.h) */
    bool flat_ld;               /* loads use the window below (policy->data_flat) */
    bool rsi_base;              /* RSI holds win_host at every instruction boundary
                                   (direct or flat_ld blocks without hooks, with two or
                                   more window accesses, see rsi_restore) */
    bool rsi_busy;              /* RSI holds a store's value right now */
    uint64_t win_base, win_size;/* the direct window: loads and stores when direct, loads */
    uint8_t *win_host;          /* when flat_ld (tr_mem.c, direct_for) */
    unsigned maxlen;            /* longest path through the block (budget checks) */
    bool hooked;                /* cpu->hk.on: block events, hooks, no superblocks/loops */
    bool cov_only;              /* hooked with only the coverage map: superblocks and loops
                                   stay, internal block starts update the map inline */
    /* Jumps inside the block (translate.c, "joins"): a branch or loop-tail exit whose target
     * is one of the block's own instructions jumps to that instruction's host code, with
     * the register cache reconciled, instead of leaving the block. Backward targets are
     * loop heads (checked like a self-loop's back-edge); forward ones are joins of small
     * diamonds. */
    bool ext;                   /* inner loop heads, forward joins, conditional tails */
    uint64_t ipc[HV_JIT_BLOCK_MAX + 1];     /* guest pc of each instruction, and the end */
    int16_t head_end[HV_JIT_BLOCK_MAX];     /* loop head: last instruction looping back */
    int32_t ilabel[HV_JIT_BLOCK_MAX];       /* host code offset of each instruction */
    uint32_t iloaded[HV_JIT_BLOCK_MAX], idirty[HV_JIT_BLOCK_MAX];   /* cache state there */
    uint8_t ifp[HV_JIT_BLOCK_MAX];          /* fp_ok | fp_dirty << 1 there */
    struct hv__jit_ic *ic;      /* the block's JALR inline cache record (RW), or NULL */
    /* Regions (translate.c): the block is several linear runs ("segments") of one guest
     * page, laid out one after the other; seg_first / seg_last mark where each begins and
     * ends (a segment's last instruction goes on at its own pc + len, not at the next
     * index). A segment after the first is entered only by jumps, with every cached
     * register loaded and the cached registers the region writes counted dirty
     * (seg_dirty), so that jumps to it need not know its code yet (fwd[]). */
    bool region;
    unsigned n0;                /* instructions of the first segment */
    bool seg_first[HV_JIT_BLOCK_MAX], seg_last[HV_JIT_BLOCK_MAX];
    bool acyclic[HV_JIT_BLOCK_MAX];     /* jumped back to, on no cycle (tr_plan.c) */
    uint32_t seg_dirty;
    /* Jumps to a segment not emitted yet go to its landing pad, which adds land_k[j] - j to
     * instret (the count the first such jump brought, -1: none yet), so that jumps with that
     * count need no code of their own: a side exit's branch goes straight there. */
    int16_t land_k[HV_JIT_BLOCK_MAX];
    struct { struct hv__x86_fixup f; unsigned j; } fwd[2 * HV_JIT_BLOCK_MAX];
    unsigned nfwd;
    /* If-conversion of short conditional ALU sequences (translate.c, ifc_*): RDX holds
     * instret the not-taken path of branch ifc_carry still owes (0: none); a converted
     * skip ends after instruction ifc_end (0: none), restoring ifc_h from RDX when branch
     * ifc_br (condition ifc_cc) was taken and taking ifc_m off instret. */
    unsigned ifc_carry, ifc_end, ifc_br, ifc_m;
    uint8_t depth[HV_JIT_BLOCK_MAX];        /* loops each instruction lies in (alloc_regs) */
    int ifc_h;
    int ifc_cc;
};

/* The pc after instruction i (where it falls through to). */
static inline uint64_t fall_pc(const struct tr *t, unsigned i)
{
    return t->ipc[i] + t->in[i].len;
}

/* Instruction i is the last of its linear run: its fall-through is not instruction i + 1. */
static inline bool run_ends(const struct tr *t, unsigned i)
{
    return i + 1 >= t->n || (t->region && t->seg_last[i]);
}

static struct hv__x86_mem xmem(unsigned g)
{
    return hv__x86_mb(RBX, X_OFF(g));
}

/* ---- register cache ---------------------------------------------------------------------- */

static inline int src(struct tr *t, unsigned g, int scratch)
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
static inline int dst(struct tr *t, unsigned g)
{
    if (g == 0)
        return -1;
    return t->host_of[g] >= 0 ? t->host_of[g] : RDX;
}

static inline void commit(struct tr *t, unsigned g, int d)
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

static inline void write_back(struct tr *t, uint32_t dirty)
{
    for (unsigned g = 1; g < 32; g++)
        if (dirty & (1u << g))
            hv__x86_store(t->b, 8, xmem(g), t->host_of[g]);
}

/* Direct blocks keep the window's host address in RSI (tr_mem.c, direct_single): set at
 * the body entry, and put back after every helper call and every use of RSI as scratch
 * (an uncached store value, mulhsu), within the instruction, so that it holds at every
 * instruction boundary, label and join. */
static inline void rsi_restore(struct tr *t)
{
    if (t->rsi_base)
        hv__x86_mov_ri(t->b, RSI, (uint64_t)(uintptr_t)t->win_host);
}

static inline void reload_caller_saved(struct tr *t, uint32_t loaded)
{
    for (unsigned g = 1; g < 32; g++)
        if ((loaded & (1u << g)) && !(t->callee_mask & (1u << g)))
            hv__x86_load(t->b, 8, t->host_of[g], xmem(g));
    rsi_restore(t);
}

/* After a hook that may have changed guest registers: every cached one from memory. */
static inline void reload_all(struct tr *t, uint32_t loaded)
{
    for (unsigned g = 1; g < 32; g++)
        if (loaded & (1u << g))
            hv__x86_load(t->b, 8, t->host_of[g], xmem(g));
    rsi_restore(t);
}

/* Before a helper call in the hot path: memory is up to date afterwards, and the caller-
 * saved cache registers are considered empty. */
static inline void sync_for_call(struct tr *t)
{
    write_back(t, t->dirty);
    t->dirty = 0;
    t->loaded &= t->callee_mask;
}

/* Operand loading: guest register g into host register h (loaded from memory, or moved
 * from its cache register; x0 is zero). */
static inline void rs_to(struct tr *t, unsigned g, int h)
{
    int r = src(t, g, h);
    if (r != h)
        hv__x86_mov_rr(t->b, 8, h, r);
}

/* ---- helpers ------------------------------------------------------------------------------ */

static inline void set_pc(struct tr *t, uint64_t pc, int scratch)
{
    hv__x86_mov_ri(t->b, scratch, pc);
    hv__x86_store(t->b, 8, hv__x86_mb(RBX, PC_OFF), scratch);
}

static inline void add_instret(struct tr *t, int64_t k)
{
    if (k)
        hv__x86_alu_ri(t->b, HV_X86_ADD, 8, IREG, (int32_t)k);
}

/* Before a helper call at the block's k-th instruction: instret exact in memory. */
static inline void instret_to_mem(struct tr *t, unsigned k)
{
    add_instret(t, k);
    hv__x86_store(t->b, 8, hv__x86_mb(RBX, INSTRET_OFF), IREG);
}

/* After it: back to the block's base count, from memory (the helper may have changed
 * it: a retired instruction, a deterministic WFI's skip); `retired` is how many
 * instructions of the block memory counts by now. */
static inline void instret_from_mem(struct tr *t, unsigned retired)
{
    hv__x86_load(t->b, 8, IREG, hv__x86_mb(RBX, INSTRET_OFF));
    add_instret(t, -(int64_t)retired);
}

/* Leaving for the exit stub after a helper changed memory's instret: take that value. */
static inline void instret_reload(struct tr *t)
{
    hv__x86_load(t->b, 8, IREG, hv__x86_mb(RBX, INSTRET_OFF));
}

static inline uint64_t insn_pc(const struct tr *t, unsigned i)
{
    if (i <= t->n)
        return t->ipc[i];
    uint64_t pc = t->pc0;
    for (unsigned j = 0; j < i; j++)
        pc += t->in[j].len;
    return pc;
}

/* test eax, eax; jnz fail (the shared failure exit of the block). */
static inline void check_status(struct tr *t)
{
    hv__x86_test_rr(t->b, 4, RAX, RAX);
    t->fail[t->nfail++] = hv__x86_jcc_fwd(t->b, HV_X86_CC_NE);
}

static inline struct cold *new_cold(struct tr *t, enum cold_kind kind)
{
    struct cold *c = &t->cold[t->ncold++];
    memset(c, 0, sizeof(*c));
    c->kind = kind;
    c->loaded = t->loaded;
    c->dirty = t->dirty;
    c->fp = (uint8_t)(t->fp_ok | t->fp_dirty << 1);
    return c;
}

/* ---- block structure ------------------------------------------------------------------------ */

/* Superblocks: a block continues past up to this many not-taken conditional branches. */
#define SIDE_MAX 8
/* Tails: a side exit whose target is at most TAIL_MAX plain ALU instructions and then a
 * `j` or a conditional branch leading back into the block (e.g. `while (v[i] < p) i++;`
 * compiled as a branch out of the loop body to an increment that jumps back, or crc16's
 * `xor; bnez head; j on`) is translated inline (tr_plan.c), instead of leaving for a
 * two-block cycle that writes back and reloads every register on each iteration. */
#define TAIL_MAX 6

static inline bool is_cond_branch(unsigned op)
{
    switch (op) {
    case HV_OP_BEQ: case HV_OP_BNE: case HV_OP_BLT: case HV_OP_BGE: case HV_OP_BLTU:
    case HV_OP_BGEU:
        return true;
    default:
        return false;
    }
}

/* The index of the block instruction at guest pc `target`, or -1. */
static inline int idx_of(const struct tr *t, uint64_t target)
{
    for (unsigned j = 0; j < t->n; j++)
        if (t->ipc[j] == target)
            return (int)j;
    return -1;
}

/* ---- entry points ------------------------------------------------------------------------- */

/* Per concern: emit instruction i natively and return true, or return false (the block
 * driver then calls hv__tr_sys, the interpreter's semantics through a helper). */
bool hv__tr_int(struct tr *t, unsigned i);
bool hv__tr_mem(struct tr *t, unsigned i);
bool hv__tr_fp(struct tr *t, unsigned i);
void hv__tr_sys(struct tr *t, unsigned i);

/* tr_plan.c: the block's plan before any code is emitted (loop heads, tails, joins, the
 * longest path), and where its first loop nest ends. */
unsigned hv__tr_plan(struct tr *t, uintptr_t host, bool loops, bool tails_ok,
                     struct hv_insn *tails, unsigned *ntail, uint64_t *tail_pc,
                     unsigned *tail_bytes);
unsigned hv__tr_loop_nest_end(const struct tr *t);
/* tr_plan.c: the loop depth of each instruction (natural loops of the plan's heads). */
void hv__tr_loop_depths(const struct tr *t, uint8_t *depth);
/* tr_plan.c: extend the block's first run (t->n instructions in insns[], t->ipc) into a
 * region of at most max instructions: fills insns[], t->ipc, seg_first / seg_last; returns
 * the new count (t->n unchanged when nothing was added). */
unsigned hv__tr_region(struct tr *t, struct hv_insn *insns, uintptr_t host, unsigned max);
/* tr_plan.c: a region is worth trying for the block's first run: it jumps back (same page)
 * to code it does not hold, so a loop may close through another run. */
bool hv__tr_region_likely(const struct tr *t, const struct hv_insn *insns);
/* tr_mem.c: the inline soft-TLB / direct-memory probe (also for F/D loads and stores). */
unsigned hv__tr_mem_count(const struct tr *t, unsigned n);
struct hv__x86_mem hv__tr_fast_path(struct tr *t, struct cold *c, int base, int64_t imm,
                                    unsigned size, bool store);
/* tr_mem.c: the cold part of a group member whose group check failed (COLD_LOAD/STORE
 * with reprobe set), before the helper call. */
void hv__tr_mem_reprobe(struct tr *t, struct cold *c);
/* tr_mem.c: the block would use RDI for same-page groups (the allocator leaves it free). */
bool hv__tr_mem_wants_rdi(struct tr *t);
/* tr_mem.c: before a self-loop's head (instructions 0..loop_end loop): pick the loop
 * streams and emit their page registers' initial value. */
void hv__tr_mem_loop(struct tr *t, int loop_end);
/* tr_fp.c: MXCSR's sticky flags into cpu->fflags. */
void hv__tr_fflags_sync(struct tr *t);
/* translate.c: cmp rs1, rs2 (or 0) for conditional branch `in`. */
void hv__tr_emit_cmp(struct tr *t, const struct hv_insn *in);
/* tr_ifc.c: if-conversion of branch i (condition cc) inside a run: the out-of-line tail
 * shape, or a forward skip over ALU instructions (then hv__tr_ifc_skip_end after the last
 * of them); true when emitted. hv__tr_ifc_pay_carry on each branch's not-taken path. */
bool hv__tr_ifc_tail(struct tr *t, unsigned i, enum hv__x86_cc cc);
bool hv__tr_ifc_skip(struct tr *t, unsigned i, enum hv__x86_cc cc);
void hv__tr_ifc_skip_end(struct tr *t);
void hv__tr_ifc_pay_carry(struct tr *t, unsigned i);
/* tr_trace.c: log the block (in_asm / out_asm, per jit->opts.trace). */
void hv__tr_trace_block(struct hv__jit *jit, const struct tr *t, const void *code_rw,
                        size_t len, uintptr_t rx);
/* tr_sys.c: state exact in memory, then fn(cpu, &insn[i]). */
void hv__tr_call_insn_helper(struct tr *t, unsigned i, uintptr_t fn);

#endif
