/* SPDX-License-Identifier: MIT */
/* libhv cpu — the reference interpreter (the oracle the translator is checked against):
 * pre-decoded basic blocks executed with threaded dispatch (a computed-goto table indexed
 * by enum hv_op), exact instruction budgets, and every privileged matter left to the
 * policy hooks of cpu.h.
 *
 * Block cache. A block is keyed by the HOST address of its first instruction, obtained
 * through the EXEC soft-TLB entry: a host address is unique per RAM page (two guest
 * mappings of one page share blocks, which is correct because decoded instructions are
 * position independent: pc-relative operands are applied to cpu->pc at run time). Every
 * block lies within one 4 KiB page, ends at a control transfer, system/CSR instruction,
 * FENCE.I, an illegal encoding, the page end or BLOCK_MAX instructions; an instruction that
 * straddles two pages, and code fetched from MMIO, run uncached one at a time. Each block is
 * also linked to its code page; a store to a code page (seen through cpu.c's
 * engine_hooks, see the comment there) or FENCE.I drops blocks. Dropped blocks may still
 * be executing, so they go to a zombie list freed between blocks, and the running block
 * stops after the current instruction. If the cache cannot be allocated the interpreter
 * still works, uncached.
 *
 * Chaining. After a jump, a branch or a block's last instruction exec goes straight on with
 * the block at the new pc when the run loop would do nothing else (chain_next: no poll due,
 * the whole block fits the budget, an EXEC soft-TLB hit, the block cached; a jump cache
 * keyed by host address sits in front of the hash). System and CSR instructions, traps,
 * breakpoints and hooks always return to the loop, so what they may change is looked at
 * there as before. */
#include <stdlib.h>
#include <string.h>
#include "core/zalloc.h"
#include "cpu/codepages.h"
#include "cpu/cpu.h"
#include "cpu/fpu.h"
#include "cpu/interp_ops.h"

#define BLOCK_MAX 64
#define CACHE_MAX_BLOCKS (1u << 16)    /* beyond this the cache is dropped and rebuilt */
#define HASH_BITS 12
#define PAGE_MASK (~(uintptr_t)0xfff)
#define JCACHE_BITS 12

struct block {
    uintptr_t host;             /* host address of the first instruction (the key) */
    struct block *next;         /* hash chain, or zombie list */
    struct block *page_next;    /* blocks of the same code page */
    uint32_t n;
    struct hv_insn insn[];      /* n instructions, then an OP_END sentinel */
};

/* The sentinel that ends every run of decoded instructions exec is given (a private op
 * number past the ISA's, seen by nothing but exec). */
#define OP_END HV_OP__COUNT
static const struct hv_insn end_insn = { .op = OP_END };

struct engine {
    struct block *hash[1u << HASH_BITS];
    /* Jump cache in front of the hash for chained runs, indexed by the host address alone
     * (jcache_index): a block or &no_block, so that a probe is one load and one compare.
     * A block leaves it when it leaves the hash. */
    const struct block *jcache[1u << JCACHE_BITS];
    struct hv_code_pages pages;     /* each page's `blocks`: its struct block list */
    struct block *zombies;
    unsigned nblocks;
    bool stale;                 /* blocks were dropped while a block ran */
    uint64_t stop_at;           /* of the run exec chains blocks for (see chain_next) */
};

/* ---- block cache ----------------------------------------------------------------------- */

static unsigned block_hash(uintptr_t host)
{
    return (unsigned)((host >> 1) ^ (host >> 13)) & ((1u << HASH_BITS) - 1);
}

static const struct block no_block = { .host = 1 };    /* code addresses are even */

static unsigned jcache_index(uintptr_t host)
{
    return (unsigned)(host >> 1) & ((1u << JCACHE_BITS) - 1);
}

static void unlink_block(struct engine *eng, struct block *b)
{
    struct block **pp = &eng->hash[block_hash(b->host)];
    while (*pp != b)
        pp = &(*pp)->next;
    *pp = b->next;
    if (eng->jcache[jcache_index(b->host)] == b)
        eng->jcache[jcache_index(b->host)] = &no_block;
    b->next = eng->zombies;
    eng->zombies = b;
    eng->nblocks--;
}

/* Unlink (to the zombie list) every block cached from the page. */
static void drop_page_blocks(struct hv_code_page *cp, void *opaque)
{
    struct engine *eng = opaque;
    for (struct block *b = cp->blocks, *nb; b; b = nb) {
        nb = b->page_next;
        unlink_block(eng, b);
    }
    cp->blocks = NULL;
    eng->stale = true;
}

/* Drop every cached block; no page holds code afterwards, so the soft-TLB's code flags go. */
static void drop_all(struct hv_cpu *cpu, struct engine *eng)
{
    hv__code_pages_clear(&eng->pages, cpu, drop_page_blocks, eng);
}

static void free_zombies(struct engine *eng)
{
    while (eng->zombies) {
        struct block *b = eng->zombies;
        eng->zombies = b->next;
        free(b);
    }
}

static bool hook_is_code_page(struct hv_cpu *cpu, uintptr_t host_page)
{
    return hv__code_page_find(&((struct engine *)cpu->engine)->pages, host_page) != NULL;
}

/* A store hit a page holding cached code: drop the page's blocks only when the bytes
 * written overlap code (stores to data sharing the page leave the cache alone). */
static void code_write_page(struct hv_cpu *cpu, uintptr_t page, unsigned off, unsigned len)
{
    struct engine *eng = cpu->engine;
    struct hv_code_page *cp = hv__code_page_find(&eng->pages, page);
    if (!hv__code_page_overlaps(cp, off, len))
        return;
    drop_page_blocks(cp, eng);
    hv__code_page_remove(&eng->pages, cpu, page);
}

static void hook_code_write(struct hv_cpu *cpu, uintptr_t host, unsigned len)
{
    uintptr_t page = host & PAGE_MASK, end_page = (host + len - 1) & PAGE_MASK;
    unsigned off = (unsigned)(host - page);
    if (end_page == page) {
        code_write_page(cpu, page, off, len);
        return;
    }
    code_write_page(cpu, page, off, 4096 - off);
    code_write_page(cpu, end_page, 0, (unsigned)(host + len - end_page));
}

static const struct hv_engine_hooks engine_hooks = {
    .is_code_page = hook_is_code_page,
    .code_write = hook_code_write,
};

static struct engine *engine_get(struct hv_cpu *cpu)
{
    if (!cpu->engine) {
        cpu->engine = hv__zalloc(sizeof(struct engine));   /* 32 KiB hash: core/zalloc.h */
        if (!cpu->engine)
            return NULL;
        cpu->engine_hooks = &engine_hooks;
        struct engine *eng = cpu->engine;
        for (unsigned i = 0; i < (1u << JCACHE_BITS); i++)
            eng->jcache[i] = &no_block;
    }
    return cpu->engine;
}

void hv__interp_fini(struct hv_cpu *cpu)
{
    struct engine *eng = cpu->engine;
    if (!eng)
        return;
    drop_all(cpu, eng);
    free_zombies(eng);
    hv__zfree(eng, sizeof(*eng));
    cpu->engine = NULL;
    cpu->engine_hooks = NULL;
}

/* Blocks are keyed by host address, so a guest range cannot be mapped back cheaply: any
 * invalidation drops the whole cache (it is rebuilt on demand). */
void hv__interp_invalidate(struct hv_cpu *cpu, uint64_t addr, uint64_t len)
{
    if (cpu->engine)
        drop_all(cpu, cpu->engine);
}

static void decode_one(uint32_t raw, struct hv_insn *in)
{
    if (!hv__decode(raw, in)) {
        in->op = HV_OP_ILLEGAL;
        in->raw = raw;
    }
    in->len = (uint8_t)hv__insn_len((uint16_t)raw);
}

/* Decode from host memory starting at pc (the EXEC TLB maps the page). NULL when the first
 * instruction straddles the page end or memory is short. */
static struct block *build_block(struct hv_cpu *cpu, struct engine *eng, uint64_t pc,
                                 uintptr_t host)
{
    struct hv_insn tmp[BLOCK_MAX];
    unsigned n = 0, off = pc & 0xfff;
    const uint8_t *p = (const uint8_t *)host;

    while (n < BLOCK_MAX && off + 2 <= 4096) {
        uint16_t lo, hi = 0;
        memcpy(&lo, p, 2);
        unsigned len = hv__insn_len(lo);
        if (off + len > 4096)
            break;
        if (len == 4)
            memcpy(&hi, p + 2, 2);
        struct hv_insn *in = &tmp[n++];
        decode_one((uint32_t)lo | (uint32_t)hi << 16, in);
        p += len;
        off += len;
        if (hv__insn_ends_block(in->op))
            break;
    }
    if (!n)
        return NULL;
    if (eng->nblocks >= CACHE_MAX_BLOCKS)
        drop_all(cpu, eng); /* safe: called between blocks, zombies are freed later */

    /* From now on stores to this page must reach the slow path (cpu.c). */
    struct hv_code_page *cp = hv__code_page_add(&eng->pages, cpu, host,
                                                (unsigned)(p - (const uint8_t *)host));
    if (!cp)
        return NULL;
    struct block *b = malloc(sizeof(*b) + (n + 1) * sizeof(struct hv_insn));
    if (!b)
        return NULL;
    b->host = host;
    b->n = n;
    memcpy(b->insn, tmp, n * sizeof(struct hv_insn));
    b->insn[n] = end_insn;
    b->page_next = cp->blocks;
    cp->blocks = b;
    unsigned h = block_hash(host);
    b->next = eng->hash[h];
    eng->hash[h] = b;
    eng->nblocks++;
    return b;
}

static struct block *lookup(struct engine *eng, uintptr_t host)
{
    for (struct block *b = eng->hash[block_hash(host)]; b; b = b->next)
        if (b->host == host)
            return b;
    return NULL;
}

/* ---- the dispatch loop ----------------------------------------------------------------- */

/* hv__tlb_entry, indexed with one shift and one mask. */
static inline const struct hv_tlb_entry *tlb_entry(const struct hv_cpu *cpu, uint64_t va)
{
    _Static_assert(sizeof(struct hv_tlb_entry) == 32, "index shift below");
    return (const struct hv_tlb_entry *)((const char *)cpu->tlb +
                                         ((va >> 7) & ((HV_TLB_SIZE - 1) << 5)));
}

/* The block exec may run next without returning to the loop of hv__interp_run, after a
 * jump, a branch or a block's last instruction: NULL whenever that loop would do anything
 * but look the block up and run it whole (a poll is due, the budget ends inside the block,
 * an EXEC soft-TLB miss, a block not built yet). Breakpoints and hooks never chain
 * (step_block passes no engine then). Watches are armed and disarmed only by CSR writes and
 * trap entry/return (full/csr.c), and system and CSR instructions, which may change
 * anything, always return to the loop. */
static inline const struct block *chain_next(struct hv_cpu *cpu, struct engine *eng)
{
    uint64_t pc = cpu->pc, instret = cpu->instret;
    /* Polls due end the chain in hv__interp_run_nopoll too (its loop then goes on block
     * by block, without polling). */
    if (cpu->exit_request || instret >= cpu->poll_at)
        return NULL;
    /* ~0xffe keeps bit 0: an odd pc misses (step_block runs it uncached). */
    const struct hv_tlb_entry *e = tlb_entry(cpu, pc);
    if (e->tag[HV_ACC_EXEC] != (pc & ~0xffeull))
        return NULL;
    uintptr_t host = (uintptr_t)(pc + e->addend);
    const struct block **slot = &eng->jcache[jcache_index(host)], *b = *slot;
    if (__builtin_expect(b->host != host, 0)) {
        b = lookup(eng, host);
        if (!b)
            return NULL;
        *slot = b;
    }
    if (instret + b->n > eng->stop_at)
        return NULL;
    return b;
}

#define X(r) (cpu->x[r])
#define RS1 X(in->rs1)
#define RS2 X(in->rs2)
#define IMM ((uint64_t)in->imm)
/* x0 is zeroed right after every write (it may be rd), so x[0] reads 0 in between. */
#define WR(v) (cpu->x[in->rd] = (v), cpu->x[0] = 0)

/* Retire the current instruction and dispatch the next one of the run. Only instructions
 * that called out of the loop (slow memory paths, helpers, the policy) can have dropped
 * cached code, so only they test *stale (NEXT_CALLED); the others use NEXT. */
#define NEXT()                                                                          \
    do {                                                                                \
        cpu->pc += in->len;                                                             \
        cpu->instret++;                                                                 \
        in++;                                                                           \
        goto *labels[in->op];                                                           \
    } while (0)

#define NEXT_CALLED()                                                                   \
    do {                                                                                \
        cpu->x[0] = 0;          /* helpers may write x[rd] themselves */                \
        if (*stale) {                                                                   \
            cpu->pc += in->len;                                                         \
            cpu->instret++;                                                             \
            return HV_STEP_OK;                                                          \
        }                                                                               \
        NEXT();                                                                         \
    } while (0)

/* Retire a control transfer that already set cpu->pc (always last in a block): the run
 * may go on with the block at the new pc (see block_end). */
#define RETIRE_JUMP()                                                                   \
    do {                                                                                \
        cpu->instret++;                                                                 \
        goto block_end;                                                                 \
    } while (0)

/* Retire a system or CSR instruction (always last in a block): the policy may have changed
 * anything, so the run returns to the loop of hv__interp_run. */
#define RETIRE_SYSTEM()                                                                 \
    do {                                                                                \
        cpu->x[0] = 0;                                                                  \
        cpu->instret++;                                                                 \
        return HV_STEP_OK;                                                              \
    } while (0)

#define CHECK(expr)                                                                     \
    do {                                                                                \
        int r_ = (expr);                                                                \
        if (r_ != HV_STEP_OK)                                                           \
            return r_;                                                                  \
    } while (0)

#define ALU(name, expr) op_##name: { WR(expr); NEXT(); }
#define BRANCH(name, cond)                                                              \
    op_##name: {                                                                        \
        cpu->pc += (cond) ? IMM : in->len;                                              \
        RETIRE_JUMP();                                                                  \
    }
/* Loads and stores inline the soft-TLB hit and call the slow path otherwise. For loads one
 * compare checks page and alignment, as in the translator (READ tags are page aligned and
 * their flags lie above bit 2, see cpu.h). A WRITE tag may carry HV_TLB_CODE in bit 0,
 * which a misaligned address would match: stores test alignment on its own. */
#define LOAD_MATCH(va, size) ((va) & (~0xfffull | ((size) - 1)))
#define STORE_HIT(e, va, size)                                                          \
    ((e)->tag[HV_ACC_WRITE] == ((va) & ~0xfffull) && !((va) & ((size) - 1)))
#define LOAD(name, type, conv)                                                          \
    op_##name: {                                                                        \
        uint64_t va = RS1 + IMM;                                                        \
        const struct hv_tlb_entry *e = tlb_entry(cpu, va);                              \
        if (__builtin_expect(e->tag[HV_ACC_READ] == LOAD_MATCH(va, sizeof(type)), 1)) {  \
            type t;                                                                     \
            memcpy(&t, (const void *)(uintptr_t)(va + e->addend), sizeof(type));       \
            uint64_t v = t;                                                             \
            WR(conv);                                                                   \
            NEXT();                                                                     \
        }                                                                               \
        uint64_t v;                                                                     \
        CHECK(hv__cpu_load_slow(cpu, va, sizeof(type), &v));                            \
        WR(conv);                                                                       \
        NEXT_CALLED();                                                                  \
    }
#define STORE(name, type)                                                               \
    op_##name: {                                                                        \
        uint64_t va = RS1 + IMM;                                                        \
        const struct hv_tlb_entry *e = tlb_entry(cpu, va);                              \
        if (__builtin_expect(STORE_HIT(e, va, sizeof(type)), 1)) {                      \
            type t = (type)RS2;                                                         \
            memcpy((void *)(uintptr_t)(va + e->addend), &t, sizeof(type));              \
            NEXT();                                                                     \
        }                                                                               \
        CHECK(hv__cpu_store_slow(cpu, va, sizeof(type), RS2));                          \
        NEXT_CALLED();                                                                  \
    }
/* The FS gate (policy->fp_check through hv__interp_fp_enter) gives the same answer until
 * the run returns to the loop: only CSR writes, traps and polls change mstatus.FS, as the
 * translator's fp_gate relies on too. So a run asks once for reads (bit 0) and once for
 * writes (bit 1, which marks FS Dirty). */
#define FP_GATE(writes)                                                                 \
    do {                                                                                \
        unsigned need_ = (writes) ? 3u : 1u;                                            \
        if ((fp_gate & need_) != need_) {                                               \
            CHECK(hv__interp_fp_enter(cpu, (writes)));                                  \
            fp_gate |= need_;                                                           \
        }                                                                               \
    } while (0)
#define BOX64(v) (v)
#define FLOAD(name, type, box)                                                          \
    op_##name: {                                                                        \
        FP_GATE(true);                                                                  \
        uint64_t va = RS1 + IMM;                                                        \
        const struct hv_tlb_entry *e = tlb_entry(cpu, va);                              \
        if (__builtin_expect(e->tag[HV_ACC_READ] == LOAD_MATCH(va, sizeof(type)), 1)) {  \
            type t;                                                                     \
            memcpy(&t, (const void *)(uintptr_t)(va + e->addend), sizeof(type));       \
            cpu->f[in->rd] = box(t);                                                    \
            NEXT();                                                                     \
        }                                                                               \
        uint64_t v;                                                                     \
        CHECK(hv__cpu_load_slow(cpu, va, sizeof(type), &v));                            \
        cpu->f[in->rd] = box((type)v);                                                  \
        NEXT_CALLED();                                                                  \
    }
#define FSTORE(name, type)                                                              \
    op_##name: {                                                                        \
        FP_GATE(false);                                                                 \
        uint64_t va = RS1 + IMM;                                                        \
        type t = (type)cpu->f[in->rs2];                                                 \
        const struct hv_tlb_entry *e = tlb_entry(cpu, va);                              \
        if (__builtin_expect(STORE_HIT(e, va, sizeof(type)), 1)) {                      \
            memcpy((void *)(uintptr_t)(va + e->addend), &t, sizeof(type));              \
            NEXT();                                                                     \
        }                                                                               \
        CHECK(hv__cpu_store_slow(cpu, va, sizeof(type), t));                            \
        NEXT_CALLED();                                                                  \
    }
#define AMO(name, kind, size)                                                           \
    op_##name: {                                                                        \
        uint64_t old;                                                                   \
        CHECK(hv__interp_amo(cpu, kind, RS1, RS2, size, &old));                                 \
        WR(size == 4 ? sx32(old) : old);                                                \
        NEXT_CALLED();                                                                  \
    }

/* Execute the instructions from `in` up to the OP_END sentinel (at least one), or fewer if
 * a trap, an exit or an invalidation of cached code intervenes. With `chain` (the engine,
 * whose stale flag is *stale) the run continues with the next blocks while chain_next
 * finds them. */
static int exec(struct hv_cpu *cpu, const struct hv_insn *in, const bool *stale,
                struct engine *chain)
{
    /* One label per row of the ISA tables, generated from them: a row without semantics
     * here (no op_NAME label below) is a compile error, not an instruction that silently
     * runs as illegal. */
    static const void *const labels[HV_OP__COUNT + 1] = {
        [HV_OP_ILLEGAL] = &&op_ILLEGAL,
        [OP_END] = &&block_end,
#define HV_INSN(name, mnem, mask, match, fmt) [HV_OP_##name] = &&op_##name,
#include "cpu/isa/all.def"
#undef HV_INSN
    };
    unsigned fp_gate = 0;           /* see FP_GATE */

    goto *labels[in->op];

op_ILLEGAL:
    return hv__cpu_raise(cpu, HV_EXC_ILLEGAL, in->raw);

    /* RV64I */
    ALU(LUI, IMM)
    ALU(AUIPC, cpu->pc + IMM)
op_JAL: {
        uint64_t link = cpu->pc + in->len;
        cpu->pc += IMM;
        WR(link);
        RETIRE_JUMP();
    }
op_JALR: {
        uint64_t link = cpu->pc + in->len;
        cpu->pc = (RS1 + IMM) & ~1ull;
        WR(link);
        RETIRE_JUMP();
    }
    BRANCH(BEQ, RS1 == RS2)
    BRANCH(BNE, RS1 != RS2)
    BRANCH(BLT, (int64_t)RS1 < (int64_t)RS2)
    BRANCH(BGE, (int64_t)RS1 >= (int64_t)RS2)
    BRANCH(BLTU, RS1 < RS2)
    BRANCH(BGEU, RS1 >= RS2)
    LOAD(LB, uint8_t, (uint64_t)(int64_t)(int8_t)v)
    LOAD(LH, uint16_t, (uint64_t)(int64_t)(int16_t)v)
    LOAD(LW, uint32_t, sx32(v))
    LOAD(LD, uint64_t, v)
    LOAD(LBU, uint8_t, v)
    LOAD(LHU, uint16_t, v)
    LOAD(LWU, uint32_t, v)
    STORE(SB, uint8_t)
    STORE(SH, uint16_t)
    STORE(SW, uint32_t)
    STORE(SD, uint64_t)
    ALU(ADDI, RS1 + IMM)
    ALU(SLTI, (int64_t)RS1 < in->imm)
    ALU(SLTIU, RS1 < IMM)
    ALU(XORI, RS1 ^ IMM)
    ALU(ORI, RS1 | IMM)
    ALU(ANDI, RS1 & IMM)
    ALU(SLLI, RS1 << (IMM & 63))
    ALU(SRLI, RS1 >> (IMM & 63))
    ALU(SRAI, (uint64_t)((int64_t)RS1 >> (IMM & 63)))
    ALU(ADD, RS1 + RS2)
    ALU(SUB, RS1 - RS2)
    ALU(SLL, RS1 << (RS2 & 63))
    ALU(SLT, (int64_t)RS1 < (int64_t)RS2)
    ALU(SLTU, RS1 < RS2)
    ALU(XOR, RS1 ^ RS2)
    ALU(SRL, RS1 >> (RS2 & 63))
    ALU(SRA, (uint64_t)((int64_t)RS1 >> (RS2 & 63)))
    ALU(OR, RS1 | RS2)
    ALU(AND, RS1 & RS2)
    ALU(ADDIW, sx32(RS1 + IMM))
    ALU(SLLIW, sx32((uint32_t)RS1 << (IMM & 31)))
    ALU(SRLIW, sx32((uint32_t)RS1 >> (IMM & 31)))
    ALU(SRAIW, (uint64_t)(int64_t)((int32_t)RS1 >> (IMM & 31)))
    ALU(ADDW, sx32(RS1 + RS2))
    ALU(SUBW, sx32(RS1 - RS2))
    ALU(SLLW, sx32((uint32_t)RS1 << (RS2 & 31)))
    ALU(SRLW, sx32((uint32_t)RS1 >> (RS2 & 31)))
    ALU(SRAW, (uint64_t)(int64_t)((int32_t)RS1 >> (RS2 & 31)))
op_FENCE:
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    NEXT();

    /* System instructions: the policy decides; pc falls through unless the hook moved it. */
op_FENCE_I:
    /* The interpreter's blocks go; the translator (which runs FENCE.I through here too)
     * drops its code only if guest bytes it translated changed (cpu/jit/jit.c). */
    hv__interp_invalidate(cpu, 0, ~0ull);
    hv__jit_fence_i(cpu);
    /* fall through */
op_ECALL:
op_EBREAK:
op_SRET:
op_MRET:
op_WFI:
op_SFENCE_VMA:
op_SINVAL_VMA:
op_SFENCE_W_INVAL:
op_SFENCE_INVAL_IR: {
        uint64_t pc = cpu->pc;
        CHECK(cpu->policy->system(cpu, in));
        if (cpu->pc == pc)
            cpu->pc += in->len;
        RETIRE_SYSTEM();
    }

    /* M */
    ALU(MUL, RS1 * RS2)
    ALU(MULH, (uint64_t)(((__int128)(int64_t)RS1 * (__int128)(int64_t)RS2) >> 64))
    ALU(MULHSU, (uint64_t)(((__int128)(int64_t)RS1 * (__int128)RS2) >> 64))
    ALU(MULHU, (uint64_t)(((unsigned __int128)RS1 * RS2) >> 64))
    ALU(DIV, (uint64_t)div64((int64_t)RS1, (int64_t)RS2))
    ALU(DIVU, RS2 ? RS1 / RS2 : ~0ull)
    ALU(REM, (uint64_t)rem64((int64_t)RS1, (int64_t)RS2))
    ALU(REMU, RS2 ? RS1 % RS2 : RS1)
    ALU(MULW, sx32(RS1 * RS2))
    ALU(DIVW, (uint64_t)(int64_t)div32((int32_t)RS1, (int32_t)RS2))
    ALU(DIVUW, (uint32_t)RS2 ? sx32((uint32_t)RS1 / (uint32_t)RS2) : ~0ull)
    ALU(REMW, (uint64_t)(int64_t)rem32((int32_t)RS1, (int32_t)RS2))
    ALU(REMUW, (uint32_t)RS2 ? sx32((uint32_t)RS1 % (uint32_t)RS2) : sx32(RS1))

    /* A */
op_LR_W: {
        uint64_t v;
        CHECK(hv__interp_lr(cpu, RS1, 4, &v));
        WR(sx32(v));
        NEXT_CALLED();
    }
op_LR_D: {
        uint64_t v;
        CHECK(hv__interp_lr(cpu, RS1, 8, &v));
        WR(v);
        NEXT_CALLED();
    }
op_SC_W: {
        uint64_t v;
        CHECK(hv__interp_sc(cpu, RS1, RS2, 4, &v));
        WR(v);
        NEXT_CALLED();
    }
op_SC_D: {
        uint64_t v;
        CHECK(hv__interp_sc(cpu, RS1, RS2, 8, &v));
        WR(v);
        NEXT_CALLED();
    }
    AMO(AMOSWAP_W, AMO_SWAP, 4)
    AMO(AMOADD_W, AMO_ADD, 4)
    AMO(AMOXOR_W, AMO_XOR, 4)
    AMO(AMOAND_W, AMO_AND, 4)
    AMO(AMOOR_W, AMO_OR, 4)
    AMO(AMOMIN_W, AMO_MIN, 4)
    AMO(AMOMAX_W, AMO_MAX, 4)
    AMO(AMOMINU_W, AMO_MINU, 4)
    AMO(AMOMAXU_W, AMO_MAXU, 4)
    AMO(AMOSWAP_D, AMO_SWAP, 8)
    AMO(AMOADD_D, AMO_ADD, 8)
    AMO(AMOXOR_D, AMO_XOR, 8)
    AMO(AMOAND_D, AMO_AND, 8)
    AMO(AMOOR_D, AMO_OR, 8)
    AMO(AMOMIN_D, AMO_MIN, 8)
    AMO(AMOMAX_D, AMO_MAX, 8)
    AMO(AMOMINU_D, AMO_MINU, 8)
    AMO(AMOMAXU_D, AMO_MAXU, 8)

    /* F/D loads and stores move raw bits (flw NaN-boxes). */
    FLOAD(FLW, uint32_t, hv__f32_box)
    FLOAD(FLD, uint64_t, BOX64)
    FLOAD(FLH, uint16_t, hv__f16_box)
    FSTORE(FSW, uint32_t)
    FSTORE(FSD, uint64_t)
    FSTORE(FSH, uint16_t)

    /* Zicbom/Zicboz: the policy decides whether the mode may use the operation (menvcfg /
     * senvcfg on the full board), the engine checks the address like a store would. */
op_CBO_INVAL:
op_CBO_CLEAN:
op_CBO_FLUSH:
op_CBO_ZERO:
    CHECK(cpu->policy->system(cpu, in));
    CHECK(hv__interp_cbo(cpu, in->op, RS1));
    NEXT_CALLED();

    /* Zicsr: CSRRW(I) with rd = x0 does not read; CSRRS/C(I) with rs1 = x0 (zimm = 0) do
     * not write. rd is written only after the whole access succeeded. */
op_CSRRW:
op_CSRRWI: {
        uint64_t src = in->op == HV_OP_CSRRW ? RS1 : in->rs1, old = 0;
        unsigned csr = (unsigned)in->imm & 0xfff;
        if (in->rd)
            CHECK(cpu->policy->csr_read(cpu, csr, &old));
        cpu->csr_wmask = ~0ull;
        CHECK(cpu->policy->csr_write(cpu, csr, src));
        WR(old);
        cpu->pc += in->len;
        RETIRE_SYSTEM();
    }
op_CSRRS:
op_CSRRC:
op_CSRRSI:
op_CSRRCI: {
        bool imm = in->op == HV_OP_CSRRSI || in->op == HV_OP_CSRRCI;
        bool set = in->op == HV_OP_CSRRS || in->op == HV_OP_CSRRSI;
        uint64_t mask = imm ? in->rs1 : RS1, old;
        unsigned csr = (unsigned)in->imm & 0xfff;
        CHECK(cpu->policy->csr_read(cpu, csr, &old));
        cpu->csr_wmask = mask;
        if (in->rs1)
            CHECK(cpu->policy->csr_write(cpu, csr, set ? old | mask : old & ~mask));
        WR(old);
        cpu->pc += in->len;
        RETIRE_SYSTEM();
    }

    /* Zba */
    ALU(ADD_UW, RS2 + (uint32_t)RS1)
    ALU(SH1ADD, (RS1 << 1) + RS2)
    ALU(SH2ADD, (RS1 << 2) + RS2)
    ALU(SH3ADD, (RS1 << 3) + RS2)
    ALU(SH1ADD_UW, ((uint64_t)(uint32_t)RS1 << 1) + RS2)
    ALU(SH2ADD_UW, ((uint64_t)(uint32_t)RS1 << 2) + RS2)
    ALU(SH3ADD_UW, ((uint64_t)(uint32_t)RS1 << 3) + RS2)
    ALU(SLLI_UW, (uint64_t)(uint32_t)RS1 << (IMM & 63))

    /* Zbb */
    ALU(ANDN, RS1 & ~RS2)
    ALU(ORN, RS1 | ~RS2)
    ALU(XNOR, ~(RS1 ^ RS2))
    ALU(CLZ, RS1 ? (uint64_t)__builtin_clzll(RS1) : 64)
    ALU(CLZW, (uint32_t)RS1 ? (uint64_t)__builtin_clz((uint32_t)RS1) : 32)
    ALU(CTZ, RS1 ? (uint64_t)__builtin_ctzll(RS1) : 64)
    ALU(CTZW, (uint32_t)RS1 ? (uint64_t)__builtin_ctz((uint32_t)RS1) : 32)
    ALU(CPOP, (uint64_t)__builtin_popcountll(RS1))
    ALU(CPOPW, (uint64_t)__builtin_popcount((uint32_t)RS1))
    ALU(MAX, (int64_t)RS1 > (int64_t)RS2 ? RS1 : RS2)
    ALU(MAXU, RS1 > RS2 ? RS1 : RS2)
    ALU(MIN, (int64_t)RS1 < (int64_t)RS2 ? RS1 : RS2)
    ALU(MINU, RS1 < RS2 ? RS1 : RS2)
    ALU(SEXT_B, (uint64_t)(int64_t)(int8_t)RS1)
    ALU(SEXT_H, (uint64_t)(int64_t)(int16_t)RS1)
    ALU(ZEXT_H, (uint16_t)RS1)
    ALU(ROL, rol64(RS1, (unsigned)RS2))
    ALU(ROLW, sx32(rol32((uint32_t)RS1, (unsigned)RS2)))
    ALU(ROR, rol64(RS1, (64 - ((unsigned)RS2 & 63)) & 63))
    ALU(RORI, rol64(RS1, (64 - ((unsigned)IMM & 63)) & 63))
    ALU(RORIW, sx32(rol32((uint32_t)RS1, (32 - ((unsigned)IMM & 31)) & 31)))
    ALU(RORW, sx32(rol32((uint32_t)RS1, (32 - ((unsigned)RS2 & 31)) & 31)))
    ALU(ORC_B, orc_b(RS1))
    ALU(REV8, __builtin_bswap64(RS1))

    /* Zbc */
    ALU(CLMUL, clmul_lo(RS1, RS2))
    ALU(CLMULH, clmul_hi(RS1, RS2))
    ALU(CLMULR, clmul_rev(RS1, RS2))

    /* Zbs */
    ALU(BCLR, RS1 & ~(1ull << (RS2 & 63)))
    ALU(BCLRI, RS1 & ~(1ull << (IMM & 63)))
    ALU(BEXT, (RS1 >> (RS2 & 63)) & 1)
    ALU(BEXTI, (RS1 >> (IMM & 63)) & 1)
    ALU(BINV, RS1 ^ (1ull << (RS2 & 63)))
    ALU(BINVI, RS1 ^ (1ull << (IMM & 63)))
    ALU(BSET, RS1 | (1ull << (RS2 & 63)))
    ALU(BSETI, RS1 | (1ull << (IMM & 63)))

    /* Zicond */
    ALU(CZERO_EQZ, RS2 ? RS1 : 0)
    ALU(CZERO_NEZ, RS2 ? 0 : RS1)

    /* Zbkb, Zbkx */
    ALU(BREV8, brev8(RS1))
    ALU(PACK, (uint32_t)RS1 | RS2 << 32)
    ALU(PACKH, (RS1 & 0xff) | (RS2 & 0xff) << 8)
    ALU(PACKW, sx32((RS1 & 0xffff) | (RS2 & 0xffff) << 16))
    ALU(XPERM4, xperm(RS1, RS2, 2))
    ALU(XPERM8, xperm(RS1, RS2, 3))

    /* F/D computation */
op_FADD_S: op_FSUB_S: op_FMUL_S: op_FDIV_S: op_FSQRT_S: op_FMADD_S: op_FMSUB_S:
op_FNMSUB_S: op_FNMADD_S: op_FSGNJ_S: op_FSGNJN_S: op_FSGNJX_S: op_FMIN_S: op_FMAX_S:
op_FEQ_S: op_FLT_S: op_FLE_S: op_FCLASS_S: op_FCVT_W_S: op_FCVT_WU_S: op_FCVT_L_S:
op_FCVT_LU_S: op_FCVT_S_W: op_FCVT_S_WU: op_FCVT_S_L: op_FCVT_S_LU: op_FMV_X_W: op_FMV_W_X:
op_FADD_D: op_FSUB_D: op_FMUL_D: op_FDIV_D: op_FSQRT_D: op_FMADD_D: op_FMSUB_D:
op_FNMSUB_D: op_FNMADD_D: op_FSGNJ_D: op_FSGNJN_D: op_FSGNJX_D: op_FMIN_D: op_FMAX_D:
op_FEQ_D: op_FLT_D: op_FLE_D: op_FCLASS_D: op_FCVT_W_D: op_FCVT_WU_D: op_FCVT_L_D:
op_FCVT_LU_D: op_FCVT_D_W: op_FCVT_D_WU: op_FCVT_D_L: op_FCVT_D_LU: op_FCVT_S_D:
op_FCVT_D_S: op_FMV_X_D: op_FMV_D_X:
op_FADD_H: op_FSUB_H: op_FMUL_H: op_FDIV_H: op_FSQRT_H: op_FMADD_H: op_FMSUB_H:
op_FNMSUB_H: op_FNMADD_H: op_FSGNJ_H: op_FSGNJN_H: op_FSGNJX_H: op_FMIN_H: op_FMAX_H:
op_FEQ_H: op_FLT_H: op_FLE_H: op_FCLASS_H: op_FCVT_W_H: op_FCVT_WU_H: op_FCVT_L_H:
op_FCVT_LU_H: op_FCVT_H_W: op_FCVT_H_WU: op_FCVT_H_L: op_FCVT_H_LU: op_FCVT_S_H:
op_FCVT_H_S: op_FCVT_D_H: op_FCVT_H_D: op_FMV_X_H: op_FMV_H_X:
    CHECK(hv__interp_fp(cpu, in, &fp_gate));
    NEXT_CALLED();

    /* The sentinel, or a jump or branch retired. Cached code cannot have been dropped
     * since the last test of *stale: instructions that call out test it (NEXT_CALLED). */
block_end:
    if (!chain)
        return HV_STEP_OK;
    {
        const struct block *b = chain_next(cpu, chain);
        if (!b)
            return HV_STEP_OK;
        in = b->insn;
        goto *labels[in->op];
    }
}

/* ---- the run loop ---------------------------------------------------------------------- */

/* One decoded instruction (copied before a sentinel). */
static int exec_one(struct hv_cpu *cpu, const struct hv_insn *insn, const bool *stale)
{
    struct hv_insn run[2] = { *insn, end_insn };
    return exec(cpu, run, stale, NULL);
}

/* The first n instructions of a block (a budget or a breakpoint ends the run inside it). */
static int exec_prefix(struct hv_cpu *cpu, const struct hv_insn *insn, unsigned n,
                       const bool *stale)
{
    struct hv_insn run[BLOCK_MAX + 1];
    memcpy(run, insn, n * sizeof(*insn));
    run[n] = end_insn;
    return exec(cpu, run, stale, NULL);
}

/* ---- watches (cpu.h): checked around single instructions ---------------------------------- */

/* The data bytes an instruction accesses, as watches see them; false when it accesses none.
 * AMOs both load and store; cbo.zero stores its whole block; cache-management cbo.* and
 * prefetch hints access nothing. */
static bool watch_access(const struct hv_cpu *cpu, const struct hv_insn *in, uint64_t *va,
                         unsigned *size, unsigned *kinds)
{
    static const struct { uint16_t op; uint8_t size, kinds; } acc[] = {
        { HV_OP_LB, 1, HV_WATCH_LOAD }, { HV_OP_LBU, 1, HV_WATCH_LOAD },
        { HV_OP_LH, 2, HV_WATCH_LOAD }, { HV_OP_LHU, 2, HV_WATCH_LOAD },
        { HV_OP_LW, 4, HV_WATCH_LOAD }, { HV_OP_LWU, 4, HV_WATCH_LOAD },
        { HV_OP_LD, 8, HV_WATCH_LOAD }, { HV_OP_FLH, 2, HV_WATCH_LOAD },
        { HV_OP_FLW, 4, HV_WATCH_LOAD }, { HV_OP_FLD, 8, HV_WATCH_LOAD },
        { HV_OP_SB, 1, HV_WATCH_STORE }, { HV_OP_SH, 2, HV_WATCH_STORE },
        { HV_OP_SW, 4, HV_WATCH_STORE }, { HV_OP_SD, 8, HV_WATCH_STORE },
        { HV_OP_FSH, 2, HV_WATCH_STORE }, { HV_OP_FSW, 4, HV_WATCH_STORE },
        { HV_OP_FSD, 8, HV_WATCH_STORE },
    };
    uint64_t base = cpu->x[in->rs1];
    for (size_t k = 0; k < sizeof(acc) / sizeof(acc[0]); k++) {
        if (acc[k].op == in->op) {
            *va = base + (uint64_t)in->imm;
            *size = acc[k].size;
            *kinds = acc[k].kinds;
            return true;
        }
    }
    *va = base;
    if (in->fmt == HV_FMT_LR || in->fmt == HV_FMT_AMO) {
        unsigned f3 = (in->raw >> 12) & 7;
        *size = f3 == 3 ? 8 : 4;
        *kinds = in->fmt == HV_FMT_LR ? HV_WATCH_LOAD
               : (in->op == HV_OP_SC_W || in->op == HV_OP_SC_D) ? HV_WATCH_STORE
               : HV_WATCH_LOAD | HV_WATCH_STORE;
        return true;
    }
    if (in->op == HV_OP_CBO_ZERO) {
        *va = base & ~(uint64_t)(HV_CBO_BLOCK - 1);
        *size = HV_CBO_BLOCK;
        *kinds = HV_WATCH_STORE;
        return true;
    }
    return false;
}

/* Breakpoint exception when a data watch matches the decoded instruction's access. */
static int watch_data(struct hv_cpu *cpu, const struct hv_insn *in)
{
    uint64_t va;
    unsigned size, kinds;
    if (!watch_access(cpu, in, &va, &size, &kinds))
        return HV_STEP_OK;
    for (unsigned k = HV_WATCH_LOAD; k <= HV_WATCH_STORE; k <<= 1)
        if ((kinds & k) &&
            hv__cpu_watch_match(cpu->watch, cpu->nr_watch, k, cpu->priv, va, size) >= 0)
            return hv__cpu_raise(cpu, HV_EXC_BREAKPOINT,
                                 in->op == HV_OP_CBO_ZERO ? cpu->x[in->rs1] : va);
    return HV_STEP_OK;
}

/* One instruction fetched through hv__cpu_fetch, uncached (MMIO code, page-straddling
 * instructions, no cache memory, armed watches). */
static int exec_single(struct hv_cpu *cpu, const bool *stale)
{
    uint32_t raw;
    struct hv_insn in;
    if (cpu->nr_watch &&
        hv__cpu_watch_match(cpu->watch, cpu->nr_watch, HV_WATCH_EXEC, cpu->priv, cpu->pc, 1) >= 0)
        return hv__cpu_raise(cpu, HV_EXC_BREAKPOINT, cpu->pc);
    int r = hv__cpu_fetch(cpu, cpu->pc, &raw);
    if (r != HV_STEP_OK)
        return r;
    decode_one(raw, &in);
    if (cpu->nr_watch && in.op != HV_OP_ILLEGAL) {
        r = watch_data(cpu, &in);
        if (r != HV_STEP_OK)
            return r;
    }
    return exec_one(cpu, &in, stale);
}

/* ---- breakpoints (cpu.h's contract) ------------------------------------------------------ */

#define STEP_BREAK 3                    /* step_block: stopped before a breakpoint */

/* Must the engine stop before the instruction at cpu->pc? Consumes the one-shot step-over. */
static bool bp_stop_here(struct hv_cpu *cpu)
{
    struct hv_cpu_debug *d = &cpu->dbg;
    bool skip = d->skip && d->skip_pc == cpu->pc;
    d->skip = false;
    return !skip && hv__cpu_is_breakpoint(d, cpu->pc);
}

/* Instructions of a block (starting at cpu->pc, whose first instruction was already
 * checked) that run before the next breakpointed pc. Blocks are straight-line code up to
 * their last instruction, so the pcs follow from the lengths. */
static unsigned bp_limit(const struct hv_cpu *cpu, const struct hv_insn *in, unsigned n)
{
    uint64_t pc = cpu->pc + in[0].len;
    for (unsigned i = 1; i < n; pc += in[i].len, i++)
        if (hv__cpu_is_breakpoint(&cpu->dbg, pc))
            return i;
    return n;
}

int hv__interp_exec(struct hv_cpu *cpu, const struct hv_insn *insn)
{
    static const bool no_stale;
    return exec_one(cpu, insn, &no_stale);
}

int hv__interp_step(struct hv_cpu *cpu)
{
    static const bool no_stale;
    return exec_single(cpu, &no_stale);
}

/* ---- hooks (cpu.h's contract) ------------------------------------------------------------ */

#define STEP_HOOK 4                     /* a hook asked to stop (cpu->hk.stop) */

/* One instruction with hooks on: block event, instruction hook, execution, and the
 * bookkeeping of hk.fall. STEP_HOOK when a hook asked to stop (before the instruction for
 * block/instruction hooks, after it for memory hooks); HV_STEP_OK without executing when a
 * hook moved pc (the caller dispatches again). */
static int exec_hooked(struct hv_cpu *cpu, const struct hv_insn *in, const bool *stale)
{
    struct hv_cpu_hooks *h = &cpu->hk;
    uint64_t pc = cpu->pc;
    hv__hk_enter(cpu);
    if (h->stop)
        return STEP_HOOK;
    if (cpu->pc != pc)
        return HV_STEP_OK;
    if (h->insn && h->ops->insn_hooked(cpu, pc)) {
        h->ops->insn(cpu, pc, in->raw, in->len);
        if (h->stop)
            return STEP_HOOK;
        if (cpu->pc != pc)
            return HV_STEP_OK;
    }
    int r = exec_one(cpu, in, stale);
    if (r == HV_STEP_TRAP)
        h->fall = HV_HK_NOFALL;
    else if (r == HV_STEP_OK && hv__insn_ends_block(in->op) && !*stale)
        h->fall = HV_HK_NOFALL;
    else
        h->fall = cpu->pc;
    if (r == HV_STEP_OK && h->stop)
        return STEP_HOOK;
    return r;
}

/* A block with hooks on: instruction by instruction (hooks may stop between any two). */
static int exec_block_hooked(struct hv_cpu *cpu, const struct hv_insn *in, unsigned n,
                             const bool *stale)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t pc = cpu->pc;
        int r = exec_hooked(cpu, &in[i], stale);
        if (r != HV_STEP_OK || *stale || cpu->pc != pc + in[i].len)
            return r;
    }
    return HV_STEP_OK;
}

/* exec_single with hooks on: the same checks (Sdtrig watches, fetch), then exec_hooked. */
static int exec_single_hooked(struct hv_cpu *cpu, const bool *stale)
{
    uint32_t raw = 0;
    struct hv_insn in;
    int r = HV_STEP_OK;
    if (cpu->nr_watch &&
        hv__cpu_watch_match(cpu->watch, cpu->nr_watch, HV_WATCH_EXEC, cpu->priv, cpu->pc, 1) >= 0)
        r = hv__cpu_raise(cpu, HV_EXC_BREAKPOINT, cpu->pc);
    if (r == HV_STEP_OK)
        r = hv__cpu_fetch(cpu, cpu->pc, &raw);
    if (r == HV_STEP_OK) {
        decode_one(raw, &in);
        if (cpu->nr_watch && in.op != HV_OP_ILLEGAL)
            r = watch_data(cpu, &in);
    }
    if (r != HV_STEP_OK) {
        cpu->hk.fall = HV_HK_NOFALL;    /* no event: the trap's handler starts a block */
        return r;
    }
    return exec_hooked(cpu, &in, stale);
}

int hv__interp_step_hooked(struct hv_cpu *cpu)
{
    static const bool no_stale;
    int r = exec_single_hooked(cpu, &no_stale);
    return r == STEP_HOOK ? HV_STEP_OK : r;
}

static int run_single(struct hv_cpu *cpu, bool hooked)
{
    static const bool no_stale;
    return hooked ? exec_single_hooked(cpu, &no_stale) : exec_single(cpu, &no_stale);
}

/* One block at cpu->pc (or one uncached instruction). With hooks on (cpu->hk.on, one
 * predictable branch per block otherwise) instruction by instruction, see exec_hooked. */
static int step_block(struct hv_cpu *cpu, struct engine *eng, uint64_t budget)
{
    uint64_t pc = cpu->pc;
    bool hooked = cpu->hk.on;
    if (cpu->dbg.nr_bp && bp_stop_here(cpu))
        return STEP_BREAK;
    if (!eng || (pc & 1) || cpu->nr_watch)
        return run_single(cpu, hooked);
    struct hv_tlb_entry *e = hv__tlb_entry(cpu, pc);
    if (e->tag[HV_ACC_EXEC] != (pc & ~0xfffull)) {
        struct hv_xlat x;
        int r = hv__cpu_translate(cpu, pc, HV_ACC_EXEC, &x);
        if (r != HV_STEP_OK) {
            if (hooked)
                cpu->hk.fall = HV_HK_NOFALL;    /* the fetch fault's handler starts a block */
            return r;
        }
        if (x.is_mmio)
            return run_single(cpu, hooked);
    }
    uintptr_t host = (uintptr_t)(pc + e->addend);
    struct block *b = lookup(eng, host);
    if (!b)
        b = build_block(cpu, eng, pc, host);
    if (!b)
        return run_single(cpu, hooked);
    eng->stale = false;
    unsigned n = b->n < budget ? b->n : (unsigned)budget;
    if (cpu->dbg.nr_bp)
        n = bp_limit(cpu, b->insn, n);
    if (hooked)
        return exec_block_hooked(cpu, b->insn, n, &eng->stale);
    if (n < b->n)
        return exec_prefix(cpu, b->insn, n, &eng->stale);
    return exec(cpu, b->insn, &eng->stale, cpu->dbg.nr_bp ? NULL : eng);
}

/* The lockstep checker's catch-up: run to stop_at without polling (the checker polls both
 * engines itself, at the same instruction counts), taking traps as they come. */
int hv__interp_run_nopoll(struct hv_cpu *cpu, uint64_t stop_at)
{
    struct engine *eng = engine_get(cpu);
    if (eng)
        eng->stop_at = stop_at;
    while (cpu->instret < stop_at) {
        if (eng)
            free_zombies(eng);
        int r = step_block(cpu, eng, stop_at - cpu->instret);
        if (r == STEP_BREAK || r == STEP_HOOK)
            return HV_STEP_OK;
        if (r == HV_STEP_TRAP)
            r = cpu->policy->take_trap(cpu);
        if (r == HV_STEP_EXIT)
            return HV_STEP_EXIT;
    }
    return HV_STEP_OK;
}

int hv__interp_run(struct hv_cpu *cpu, uint64_t stop_at)
{
    struct engine *eng = engine_get(cpu);
    if (eng)
        eng->stop_at = stop_at;
    for (;;) {
        if (eng)
            free_zombies(eng);
        if (cpu->instret >= stop_at)
            return HV_STEP_OK;
        if (cpu->exit_request || cpu->instret >= cpu->poll_at) {
            if (cpu->policy->poll(cpu) == HV_STEP_EXIT)
                return HV_STEP_EXIT;
            if (cpu->instret >= stop_at)
                return HV_STEP_OK;
        }
        int r = step_block(cpu, eng, stop_at - cpu->instret);
        if (r == STEP_BREAK) {
            cpu->dbg.hit = true;
            return HV_STEP_OK;
        }
        if (r == STEP_HOOK)
            return HV_STEP_OK;
        if (r == HV_STEP_TRAP)
            r = cpu->policy->take_trap(cpu);
        if (r == HV_STEP_EXIT)
            return HV_STEP_EXIT;
    }
}
