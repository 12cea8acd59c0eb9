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
 * still works, uncached. */
#include <stdlib.h>
#include <string.h>
#include "core/zalloc.h"
#include "cpu/codepages.h"
#include "cpu/cpu.h"
#include "cpu/fpu.h"

#define BLOCK_MAX 64
#define CACHE_MAX_BLOCKS (1u << 16)    /* beyond this the cache is dropped and rebuilt */
#define HASH_BITS 12
#define PAGE_MASK (~(uintptr_t)0xfff)

struct block {
    uintptr_t host;             /* host address of the first instruction (the key) */
    struct block *next;         /* hash chain, or zombie list */
    struct block *page_next;    /* blocks of the same code page */
    uint32_t n;
    struct hv_insn insn[];
};

struct engine {
    struct block *hash[1u << HASH_BITS];
    struct hv_code_pages pages;     /* each page's `blocks`: its struct block list */
    struct block *zombies;
    unsigned nblocks;
    bool stale;                 /* blocks were dropped while a block ran */
};

/* ---- block cache ----------------------------------------------------------------------- */

static unsigned block_hash(uintptr_t host)
{
    return (unsigned)((host >> 1) ^ (host >> 13)) & ((1u << HASH_BITS) - 1);
}

static void unlink_block(struct engine *eng, struct block *b)
{
    struct block **pp = &eng->hash[block_hash(b->host)];
    while (*pp != b)
        pp = &(*pp)->next;
    *pp = b->next;
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
    struct block *b = malloc(sizeof(*b) + n * sizeof(struct hv_insn));
    if (!b)
        return NULL;
    b->host = host;
    b->n = n;
    memcpy(b->insn, tmp, n * sizeof(struct hv_insn));
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

/* ---- helpers for the semantics --------------------------------------------------------- */

static inline uint64_t sx32(uint64_t v)
{
    return (uint64_t)(int64_t)(int32_t)(uint32_t)v;
}

static uint64_t clmul_lo(uint64_t a, uint64_t b)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 64; i++)
        if ((b >> i) & 1)
            r ^= a << i;
    return r;
}

static uint64_t clmul_hi(uint64_t a, uint64_t b)
{
    uint64_t r = 0;
    for (unsigned i = 1; i < 64; i++)
        if ((b >> i) & 1)
            r ^= a >> (64 - i);
    return r;
}

static uint64_t clmul_rev(uint64_t a, uint64_t b)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 64; i++)
        if ((b >> i) & 1)
            r ^= a >> (63 - i);
    return r;
}

static uint64_t orc_b(uint64_t v)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 64; i += 8)
        if ((v >> i) & 0xff)
            r |= 0xffull << i;
    return r;
}

/* Zbkb brev8: reverse the bits of every byte. */
static uint64_t brev8(uint64_t v)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 64; i += 8) {
        uint8_t b = (uint8_t)(v >> i), o = 0;
        for (unsigned k = 0; k < 8; k++)
            o |= (uint8_t)(((b >> k) & 1) << (7 - k));
        r |= (uint64_t)o << i;
    }
    return r;
}

/* Zbkx: every element of rs2 (lg2 bits = 2 for nibbles, 3 for bytes) selects an element of
 * rs1, or 0 when the index is out of range. */
static uint64_t xperm(uint64_t rs1, uint64_t rs2, unsigned lg2)
{
    unsigned w = 1u << lg2;
    uint64_t mask = (1ull << w) - 1, r = 0;
    for (unsigned i = 0; i < 64; i += w) {
        uint64_t idx = (rs2 >> i) & mask;
        if (idx * w < 64)
            r |= ((rs1 >> (idx * w)) & mask) << i;
    }
    return r;
}

static uint64_t rol64(uint64_t v, unsigned s)
{
    s &= 63;
    return s ? (v << s) | (v >> (64 - s)) : v;
}

static uint32_t rol32(uint32_t v, unsigned s)
{
    s &= 31;
    return s ? (v << s) | (v >> (32 - s)) : v;
}

static int64_t div64(int64_t a, int64_t b)
{
    if (b == 0)
        return -1;
    if (a == INT64_MIN && b == -1)
        return a;
    return a / b;
}

static int64_t rem64(int64_t a, int64_t b)
{
    if (b == 0)
        return a;
    if (a == INT64_MIN && b == -1)
        return 0;
    return a % b;
}

static int32_t div32(int32_t a, int32_t b)
{
    if (b == 0)
        return -1;
    if (a == INT32_MIN && b == -1)
        return a;
    return a / b;
}

static int32_t rem32(int32_t a, int32_t b)
{
    if (b == 0)
        return a;
    if (a == INT32_MIN && b == -1)
        return 0;
    return a % b;
}

enum amo_kind { AMO_SWAP, AMO_ADD, AMO_XOR, AMO_AND, AMO_OR, AMO_MIN, AMO_MAX, AMO_MINU,
                AMO_MAXU };

static uint64_t amo_compute(enum amo_kind k, uint64_t old, uint64_t src, unsigned size)
{
    int64_t so = size == 4 ? (int32_t)old : (int64_t)old;
    int64_t ss = size == 4 ? (int32_t)src : (int64_t)src;
    uint64_t uo = size == 4 ? (uint32_t)old : old, us = size == 4 ? (uint32_t)src : src;
    switch (k) {
    case AMO_SWAP: return src;
    case AMO_ADD: return old + src;
    case AMO_XOR: return old ^ src;
    case AMO_AND: return old & src;
    case AMO_OR: return old | src;
    case AMO_MIN: return so < ss ? old : src;
    case AMO_MAX: return so > ss ? old : src;
    case AMO_MINU: return uo < us ? old : src;
    default: return uo > us ? old : src;
    }
}

/* Read-modify-write on RAM, atomic with respect to other vCPU threads. */
static uint64_t amo_host(enum amo_kind k, void *p, uint64_t src, unsigned size)
{
    if (size == 4) {
        uint32_t *q = p, old = __atomic_load_n(q, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n(q, &old, (uint32_t)amo_compute(k, old, src, 4),
                                            false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
            ;
        return old;
    }
    uint64_t *q = p, old = __atomic_load_n(q, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(q, &old, amo_compute(k, old, src, 8), false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
        ;
    return old;
}

static void notify_code(struct hv_cpu *cpu, const struct hv_xlat *x, unsigned size)
{
    if (x->is_code)
        cpu->engine_hooks->code_write(cpu, (uintptr_t)x->host, size);
}

/* AMO: naturally aligned, write permission (faults are store/AMO faults). */
static int do_amo(struct hv_cpu *cpu, enum amo_kind k, uint64_t va, uint64_t src,
                  unsigned size, uint64_t *old)
{
    struct hv_xlat x;
    if (va & (size - 1))
        return hv__cpu_raise(cpu, HV_EXC_STORE_MISALIGNED, va);
    int r = hv__cpu_translate(cpu, va, HV_ACC_WRITE, &x);
    if (r != HV_STEP_OK)
        return r;
    if (x.is_mmio) {
        uint64_t v = 0;
        r = cpu->policy->mmio(cpu, x.pa, size, &v, false);
        if (r != HV_STEP_OK)
            return r;
        uint64_t nv = amo_compute(k, v, src, size);
        r = cpu->policy->mmio(cpu, x.pa, size, &nv, true);
        *old = v;
        return r;
    }
    *old = amo_host(k, x.host, src, size);
    notify_code(cpu, &x, size);
    return HV_STEP_OK;
}

static int do_lr(struct hv_cpu *cpu, uint64_t va, unsigned size, uint64_t *val)
{
    if (va & (size - 1))
        return hv__cpu_raise(cpu, HV_EXC_LOAD_MISALIGNED, va);
    int r = hv__cpu_load(cpu, va, size, val);
    if (r != HV_STEP_OK)
        return r;
    cpu->reservation = va;
    cpu->reservation_val = *val;
    return HV_STEP_OK;
}

/* SC succeeds only with a valid reservation for this address whose memory still holds the
 * value LR saw (compare-and-swap, so a store by another hart in between makes it fail). */
static int do_sc(struct hv_cpu *cpu, uint64_t va, uint64_t src, unsigned size, uint64_t *rd)
{
    if (va & (size - 1))
        return hv__cpu_raise(cpu, HV_EXC_STORE_MISALIGNED, va);
    if (cpu->reservation != va) {
        cpu->reservation = HV_TLB_INVALID;
        *rd = 1;
        return HV_STEP_OK;
    }
    struct hv_xlat x;
    int r = hv__cpu_translate(cpu, va, HV_ACC_WRITE, &x);
    if (r != HV_STEP_OK)
        return r;
    bool ok = true;
    if (x.is_mmio) {
        uint64_t v = size == 4 ? (uint32_t)src : src;
        r = cpu->policy->mmio(cpu, x.pa, size, &v, true);
        if (r != HV_STEP_OK)
            return r;
    } else if (size == 4) {
        uint32_t expect = (uint32_t)cpu->reservation_val;
        ok = __atomic_compare_exchange_n((uint32_t *)x.host, &expect, (uint32_t)src, false,
                                         __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
    } else {
        uint64_t expect = cpu->reservation_val;
        ok = __atomic_compare_exchange_n((uint64_t *)x.host, &expect, src, false,
                                         __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
    }
    if (ok)
        notify_code(cpu, &x, size);
    cpu->reservation = HV_TLB_INVALID;
    *rd = ok ? 0 : 1;
    return HV_STEP_OK;
}

/* Cache-block operations. There are no caches to manage, so only the architectural effects
 * remain: cbo.zero writes zeros to the naturally aligned HV_CBO_BLOCK-byte block holding
 * va (faults are store faults, tval = va); clean/flush/inval need a load or a store to be
 * permitted at va, and fault as a store otherwise (a page fault when translation permits
 * neither, else an access fault). */
static int do_cbo(struct hv_cpu *cpu, unsigned op, uint64_t va)
{
    struct hv_xlat x;
    if (op != HV_OP_CBO_ZERO) {
        int r = hv__cpu_translate(cpu, va, HV_ACC_READ, &x);
        if (r != HV_STEP_TRAP)
            return r;
        uint64_t rcause = cpu->trap_cause;
        r = hv__cpu_translate(cpu, va, HV_ACC_WRITE, &x);
        if (r != HV_STEP_TRAP)
            return r;
        bool page = rcause == HV_EXC_LOAD_PAGE || cpu->trap_cause == HV_EXC_STORE_PAGE;
        return hv__cpu_raise(cpu, page ? HV_EXC_STORE_PAGE : HV_EXC_STORE_ACCESS, va);
    }
    int r = hv__cpu_translate(cpu, va, HV_ACC_WRITE, &x);
    if (r != HV_STEP_OK)
        return r;
    uint64_t off = va & (HV_CBO_BLOCK - 1);
    if (x.is_mmio) {
        for (uint64_t k = 0; k < HV_CBO_BLOCK; k += 8) {
            uint64_t zero = 0;
            r = cpu->policy->mmio(cpu, x.pa - off + k, 8, &zero, true);
            if (r != HV_STEP_OK)
                return r;
        }
        return HV_STEP_OK;
    }
    x.host = (uint8_t *)x.host - off;
    memset(x.host, 0, HV_CBO_BLOCK);
    notify_code(cpu, &x, HV_CBO_BLOCK);
    return HV_STEP_OK;
}

/* FP gate: the policy checks mstatus.FS (Off -> illegal) and marks it Dirty on writes. */
static int fp_enter(struct hv_cpu *cpu, bool writes)
{
    if (cpu->policy->fp_check) {
        int r = cpu->policy->fp_check(cpu, writes);
        if (r != HV_STEP_OK)
            return r;
    }
    return HV_STEP_OK;
}

/* rm 5/6, or dynamic with frm > 4, is an illegal instruction. */
static int fp_rm(struct hv_cpu *cpu, const struct hv_insn *in, unsigned *rm)
{
    unsigned m = in->rm == HV_RM_DYN ? cpu->frm : in->rm;
    if (m > HV_RM_RMM)
        return hv__cpu_raise(cpu, HV_EXC_ILLEGAL, in->raw);
    *rm = m;
    return HV_STEP_OK;
}

static bool fp_op_writes(unsigned op)
{
    switch (op) {
    case HV_OP_FSW: case HV_OP_FSD: case HV_OP_FMV_X_W: case HV_OP_FMV_X_D:
    case HV_OP_FCLASS_S: case HV_OP_FCLASS_D: case HV_OP_FSH: case HV_OP_FMV_X_H:
    case HV_OP_FCLASS_H:
        return false;
    default:
        return true;
    }
}

#define FS(r) hv__f32_unbox(cpu->f[r])
#define FD(r) (cpu->f[r])
#define FH(r) hv__f16_unbox(cpu->f[r])

/* Zfh computation (H results NaN-boxed, X results as fcvt/fmv define them). */
static int exec_fp_h(struct hv_cpu *cpu, const struct hv_insn *in, unsigned rm, uint32_t *ff)
{
    uint64_t *fd = &cpu->f[in->rd], *xd = &cpu->x[in->rd];
    uint64_t x1 = cpu->x[in->rs1];
    const uint16_t sign = 0x8000;
    uint16_t a = FH(in->rs1), b = FH(in->rs2);

    switch (in->op) {
    case HV_OP_FADD_H: *fd = hv__f16_box(hv__f16_add(a, b, rm, ff)); break;
    case HV_OP_FSUB_H: *fd = hv__f16_box(hv__f16_sub(a, b, rm, ff)); break;
    case HV_OP_FMUL_H: *fd = hv__f16_box(hv__f16_mul(a, b, rm, ff)); break;
    case HV_OP_FDIV_H: *fd = hv__f16_box(hv__f16_div(a, b, rm, ff)); break;
    case HV_OP_FSQRT_H: *fd = hv__f16_box(hv__f16_sqrt(a, rm, ff)); break;
    case HV_OP_FMADD_H: case HV_OP_FMSUB_H: case HV_OP_FNMSUB_H: case HV_OP_FNMADD_H: {
        bool np = in->op == HV_OP_FNMSUB_H || in->op == HV_OP_FNMADD_H;
        bool nc = in->op == HV_OP_FMSUB_H || in->op == HV_OP_FNMADD_H;
        *fd = hv__f16_box(hv__f16_fma(a, b, FH(in->rs3), np, nc, rm, ff));
        break;
    }
    case HV_OP_FSGNJ_H: *fd = hv__f16_box((uint16_t)((a & ~sign) | (b & sign))); break;
    case HV_OP_FSGNJN_H: *fd = hv__f16_box((uint16_t)((a & ~sign) | (~b & sign))); break;
    case HV_OP_FSGNJX_H: *fd = hv__f16_box((uint16_t)(a ^ (b & sign))); break;
    case HV_OP_FMIN_H: *fd = hv__f16_box(hv__f16_min(a, b, ff)); break;
    case HV_OP_FMAX_H: *fd = hv__f16_box(hv__f16_max(a, b, ff)); break;
    case HV_OP_FEQ_H: *xd = hv__f16_eq(a, b, ff); break;
    case HV_OP_FLT_H: *xd = hv__f16_lt(a, b, ff); break;
    case HV_OP_FLE_H: *xd = hv__f16_le(a, b, ff); break;
    case HV_OP_FCLASS_H: *xd = hv__f16_class(a); break;
    case HV_OP_FCVT_W_H: *xd = hv__f16_to_int(a, rm, true, 32, ff); break;
    case HV_OP_FCVT_WU_H: *xd = hv__f16_to_int(a, rm, false, 32, ff); break;
    case HV_OP_FCVT_L_H: *xd = hv__f16_to_int(a, rm, true, 64, ff); break;
    case HV_OP_FCVT_LU_H: *xd = hv__f16_to_int(a, rm, false, 64, ff); break;
    case HV_OP_FCVT_H_W: *fd = hv__f16_box(hv__int_to_f16(x1, true, 32, rm, ff)); break;
    case HV_OP_FCVT_H_WU: *fd = hv__f16_box(hv__int_to_f16(x1, false, 32, rm, ff)); break;
    case HV_OP_FCVT_H_L: *fd = hv__f16_box(hv__int_to_f16(x1, true, 64, rm, ff)); break;
    case HV_OP_FCVT_H_LU: *fd = hv__f16_box(hv__int_to_f16(x1, false, 64, rm, ff)); break;
    case HV_OP_FCVT_S_H: *fd = hv__f32_box(hv__f16_to_f32(a, ff)); break;
    case HV_OP_FCVT_D_H: *fd = hv__f16_to_f64(a, ff); break;
    case HV_OP_FCVT_H_S: *fd = hv__f16_box(hv__f32_to_f16(FS(in->rs1), rm, ff)); break;
    case HV_OP_FCVT_H_D: *fd = hv__f16_box(hv__f64_to_f16(FD(in->rs1), rm, ff)); break;
    /* fmv.x.h: the raw low 16 bits sign-extended, no unboxing. */
    case HV_OP_FMV_X_H: *xd = (uint64_t)(int64_t)(int16_t)cpu->f[in->rs1]; break;
    case HV_OP_FMV_H_X: *fd = hv__f16_box((uint16_t)x1); break;
    default:
        return hv__cpu_raise(cpu, HV_EXC_ILLEGAL, in->raw);
    }
    return HV_STEP_OK;
}

/* All F/D computation instructions (not loads/stores): returns OK with the result written,
 * or TRAP. Kept out of the dispatch loop: one switch per FP instruction is fine here. */
static int exec_fp(struct hv_cpu *cpu, const struct hv_insn *in)
{
    int r = fp_enter(cpu, fp_op_writes(in->op));
    if (r != HV_STEP_OK)
        return r;
    unsigned rm = 0;
    if (in->fmt == HV_FMT_R_RM || in->fmt == HV_FMT_R1_RM || in->fmt == HV_FMT_R4_RM) {
        r = fp_rm(cpu, in, &rm);
        if (r != HV_STEP_OK)
            return r;
    }
    uint32_t ff = 0;
    uint64_t *fd = &cpu->f[in->rd], *xd = &cpu->x[in->rd];
    uint64_t x1 = cpu->x[in->rs1];
    const uint32_t s_sign = 0x80000000u;
    const uint64_t d_sign = 1ull << 63;

    switch (in->op) {
    case HV_OP_FADD_S: *fd = hv__f32_box(hv__f32_add(FS(in->rs1), FS(in->rs2), rm, &ff)); break;
    case HV_OP_FSUB_S: *fd = hv__f32_box(hv__f32_sub(FS(in->rs1), FS(in->rs2), rm, &ff)); break;
    case HV_OP_FMUL_S: *fd = hv__f32_box(hv__f32_mul(FS(in->rs1), FS(in->rs2), rm, &ff)); break;
    case HV_OP_FDIV_S: *fd = hv__f32_box(hv__f32_div(FS(in->rs1), FS(in->rs2), rm, &ff)); break;
    case HV_OP_FSQRT_S: *fd = hv__f32_box(hv__f32_sqrt(FS(in->rs1), rm, &ff)); break;
    case HV_OP_FMADD_S: case HV_OP_FMSUB_S: case HV_OP_FNMSUB_S: case HV_OP_FNMADD_S: {
        bool np = in->op == HV_OP_FNMSUB_S || in->op == HV_OP_FNMADD_S;
        bool nc = in->op == HV_OP_FMSUB_S || in->op == HV_OP_FNMADD_S;
        *fd = hv__f32_box(hv__f32_fma(FS(in->rs1), FS(in->rs2), FS(in->rs3), np, nc, rm, &ff));
        break;
    }
    case HV_OP_FSGNJ_S:
        *fd = hv__f32_box((FS(in->rs1) & ~s_sign) | (FS(in->rs2) & s_sign)); break;
    case HV_OP_FSGNJN_S:
        *fd = hv__f32_box((FS(in->rs1) & ~s_sign) | (~FS(in->rs2) & s_sign)); break;
    case HV_OP_FSGNJX_S:
        *fd = hv__f32_box(FS(in->rs1) ^ (FS(in->rs2) & s_sign)); break;
    case HV_OP_FMIN_S: *fd = hv__f32_box(hv__f32_min(FS(in->rs1), FS(in->rs2), &ff)); break;
    case HV_OP_FMAX_S: *fd = hv__f32_box(hv__f32_max(FS(in->rs1), FS(in->rs2), &ff)); break;
    case HV_OP_FEQ_S: *xd = hv__f32_eq(FS(in->rs1), FS(in->rs2), &ff); break;
    case HV_OP_FLT_S: *xd = hv__f32_lt(FS(in->rs1), FS(in->rs2), &ff); break;
    case HV_OP_FLE_S: *xd = hv__f32_le(FS(in->rs1), FS(in->rs2), &ff); break;
    case HV_OP_FCLASS_S: *xd = hv__f32_class(FS(in->rs1)); break;
    case HV_OP_FCVT_W_S: *xd = hv__f32_to_i32(FS(in->rs1), rm, &ff); break;
    case HV_OP_FCVT_WU_S: *xd = hv__f32_to_u32(FS(in->rs1), rm, &ff); break;
    case HV_OP_FCVT_L_S: *xd = hv__f32_to_i64(FS(in->rs1), rm, &ff); break;
    case HV_OP_FCVT_LU_S: *xd = hv__f32_to_u64(FS(in->rs1), rm, &ff); break;
    case HV_OP_FCVT_S_W: *fd = hv__f32_box(hv__i32_to_f32((int32_t)x1, rm, &ff)); break;
    case HV_OP_FCVT_S_WU: *fd = hv__f32_box(hv__u32_to_f32((uint32_t)x1, rm, &ff)); break;
    case HV_OP_FCVT_S_L: *fd = hv__f32_box(hv__i64_to_f32((int64_t)x1, rm, &ff)); break;
    case HV_OP_FCVT_S_LU: *fd = hv__f32_box(hv__u64_to_f32(x1, rm, &ff)); break;
    case HV_OP_FMV_X_W: *xd = sx32(cpu->f[in->rs1]); break;   /* raw low bits, no unboxing */
    case HV_OP_FMV_W_X: *fd = hv__f32_box((uint32_t)x1); break;

    case HV_OP_FADD_D: *fd = hv__f64_add(FD(in->rs1), FD(in->rs2), rm, &ff); break;
    case HV_OP_FSUB_D: *fd = hv__f64_sub(FD(in->rs1), FD(in->rs2), rm, &ff); break;
    case HV_OP_FMUL_D: *fd = hv__f64_mul(FD(in->rs1), FD(in->rs2), rm, &ff); break;
    case HV_OP_FDIV_D: *fd = hv__f64_div(FD(in->rs1), FD(in->rs2), rm, &ff); break;
    case HV_OP_FSQRT_D: *fd = hv__f64_sqrt(FD(in->rs1), rm, &ff); break;
    case HV_OP_FMADD_D: case HV_OP_FMSUB_D: case HV_OP_FNMSUB_D: case HV_OP_FNMADD_D: {
        bool np = in->op == HV_OP_FNMSUB_D || in->op == HV_OP_FNMADD_D;
        bool nc = in->op == HV_OP_FMSUB_D || in->op == HV_OP_FNMADD_D;
        *fd = hv__f64_fma(FD(in->rs1), FD(in->rs2), FD(in->rs3), np, nc, rm, &ff);
        break;
    }
    case HV_OP_FSGNJ_D: *fd = (FD(in->rs1) & ~d_sign) | (FD(in->rs2) & d_sign); break;
    case HV_OP_FSGNJN_D: *fd = (FD(in->rs1) & ~d_sign) | (~FD(in->rs2) & d_sign); break;
    case HV_OP_FSGNJX_D: *fd = FD(in->rs1) ^ (FD(in->rs2) & d_sign); break;
    case HV_OP_FMIN_D: *fd = hv__f64_min(FD(in->rs1), FD(in->rs2), &ff); break;
    case HV_OP_FMAX_D: *fd = hv__f64_max(FD(in->rs1), FD(in->rs2), &ff); break;
    case HV_OP_FEQ_D: *xd = hv__f64_eq(FD(in->rs1), FD(in->rs2), &ff); break;
    case HV_OP_FLT_D: *xd = hv__f64_lt(FD(in->rs1), FD(in->rs2), &ff); break;
    case HV_OP_FLE_D: *xd = hv__f64_le(FD(in->rs1), FD(in->rs2), &ff); break;
    case HV_OP_FCLASS_D: *xd = hv__f64_class(FD(in->rs1)); break;
    case HV_OP_FCVT_W_D: *xd = hv__f64_to_i32(FD(in->rs1), rm, &ff); break;
    case HV_OP_FCVT_WU_D: *xd = hv__f64_to_u32(FD(in->rs1), rm, &ff); break;
    case HV_OP_FCVT_L_D: *xd = hv__f64_to_i64(FD(in->rs1), rm, &ff); break;
    case HV_OP_FCVT_LU_D: *xd = hv__f64_to_u64(FD(in->rs1), rm, &ff); break;
    case HV_OP_FCVT_D_W: *fd = hv__i32_to_f64((int32_t)x1, rm, &ff); break;
    case HV_OP_FCVT_D_WU: *fd = hv__u32_to_f64((uint32_t)x1, rm, &ff); break;
    case HV_OP_FCVT_D_L: *fd = hv__i64_to_f64((int64_t)x1, rm, &ff); break;
    case HV_OP_FCVT_D_LU: *fd = hv__u64_to_f64(x1, rm, &ff); break;
    case HV_OP_FCVT_S_D: *fd = hv__f32_box(hv__f64_to_f32(FD(in->rs1), rm, &ff)); break;
    case HV_OP_FCVT_D_S: *fd = hv__f32_to_f64(FS(in->rs1), &ff); break;
    case HV_OP_FMV_X_D: *xd = FD(in->rs1); break;
    case HV_OP_FMV_D_X: *fd = x1; break;
    default:
        r = exec_fp_h(cpu, in, rm, &ff);
        if (r != HV_STEP_OK)
            return r;
        break;
    }
    cpu->fflags |= ff;
    return HV_STEP_OK;
}

/* ---- the dispatch loop ----------------------------------------------------------------- */

#define X(r) (cpu->x[r])
#define RS1 X(in->rs1)
#define RS2 X(in->rs2)
#define IMM ((uint64_t)in->imm)
#define WR(v) (cpu->x[in->rd] = (v))

/* Retire the current instruction and dispatch the next one of the run. */
#define NEXT()                                                                          \
    do {                                                                                \
        cpu->x[0] = 0;                                                                  \
        cpu->pc += in->len;                                                             \
        cpu->instret++;                                                                 \
        if (++in == end || *stale)                                                      \
            return HV_STEP_OK;                                                          \
        goto *labels[in->op];                                                           \
    } while (0)

/* Retire a control-transfer instruction that already set cpu->pc (always last in a block). */
#define RETIRE_JUMP()                                                                   \
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
#define LOAD(name, size, conv)                                                          \
    op_##name: {                                                                        \
        uint64_t v;                                                                     \
        CHECK(hv__cpu_load(cpu, RS1 + IMM, size, &v));                                  \
        WR(conv);                                                                       \
        NEXT();                                                                         \
    }
#define STORE(name, size)                                                               \
    op_##name: {                                                                        \
        CHECK(hv__cpu_store(cpu, RS1 + IMM, size, RS2));                                \
        NEXT();                                                                         \
    }
#define AMO(name, kind, size)                                                           \
    op_##name: {                                                                        \
        uint64_t old;                                                                   \
        CHECK(do_amo(cpu, kind, RS1, RS2, size, &old));                                 \
        WR(size == 4 ? sx32(old) : old);                                                \
        NEXT();                                                                         \
    }

/* Execute insns[0..n) (n >= 1) of one block, or fewer if a trap, an exit or an
 * invalidation of cached code intervenes. */
static int exec(struct hv_cpu *cpu, const struct hv_insn *in, unsigned n, const bool *stale)
{
    /* One label per row of the ISA tables, generated from them: a row without semantics
     * here (no op_NAME label below) is a compile error, not an instruction that silently
     * runs as illegal. */
    static const void *const labels[HV_OP__COUNT] = {
        [HV_OP_ILLEGAL] = &&op_ILLEGAL,
#define HV_INSN(name, mnem, mask, match, fmt) [HV_OP_##name] = &&op_##name,
#include "cpu/isa/all.def"
#undef HV_INSN
    };
    const struct hv_insn *end = in + n;

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
    LOAD(LB, 1, (uint64_t)(int64_t)(int8_t)v)
    LOAD(LH, 2, (uint64_t)(int64_t)(int16_t)v)
    LOAD(LW, 4, sx32(v))
    LOAD(LD, 8, v)
    LOAD(LBU, 1, v)
    LOAD(LHU, 2, v)
    LOAD(LWU, 4, v)
    STORE(SB, 1)
    STORE(SH, 2)
    STORE(SW, 4)
    STORE(SD, 8)
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
    /* Every engine's code goes: the translator runs FENCE.I through here too. */
    hv__interp_invalidate(cpu, 0, ~0ull);
    hv__jit_invalidate(cpu, 0, ~0ull);
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
        RETIRE_JUMP();
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
        CHECK(do_lr(cpu, RS1, 4, &v));
        WR(sx32(v));
        NEXT();
    }
op_LR_D: {
        uint64_t v;
        CHECK(do_lr(cpu, RS1, 8, &v));
        WR(v);
        NEXT();
    }
op_SC_W: {
        uint64_t v;
        CHECK(do_sc(cpu, RS1, RS2, 4, &v));
        WR(v);
        NEXT();
    }
op_SC_D: {
        uint64_t v;
        CHECK(do_sc(cpu, RS1, RS2, 8, &v));
        WR(v);
        NEXT();
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
op_FLW: {
        uint64_t v;
        CHECK(fp_enter(cpu, true));
        CHECK(hv__cpu_load(cpu, RS1 + IMM, 4, &v));
        cpu->f[in->rd] = hv__f32_box((uint32_t)v);
        NEXT();
    }
op_FLD: {
        uint64_t v;
        CHECK(fp_enter(cpu, true));
        CHECK(hv__cpu_load(cpu, RS1 + IMM, 8, &v));
        cpu->f[in->rd] = v;
        NEXT();
    }
op_FSW:
    CHECK(fp_enter(cpu, false));
    CHECK(hv__cpu_store(cpu, RS1 + IMM, 4, (uint32_t)cpu->f[in->rs2]));
    NEXT();
op_FSD:
    CHECK(fp_enter(cpu, false));
    CHECK(hv__cpu_store(cpu, RS1 + IMM, 8, cpu->f[in->rs2]));
    NEXT();
op_FLH: {
        uint64_t v;
        CHECK(fp_enter(cpu, true));
        CHECK(hv__cpu_load(cpu, RS1 + IMM, 2, &v));
        cpu->f[in->rd] = hv__f16_box((uint16_t)v);
        NEXT();
    }
op_FSH:
    CHECK(fp_enter(cpu, false));
    CHECK(hv__cpu_store(cpu, RS1 + IMM, 2, (uint16_t)cpu->f[in->rs2]));
    NEXT();

    /* Zicbom/Zicboz: the policy decides whether the mode may use the operation (menvcfg /
     * senvcfg on the full board), the engine checks the address like a store would. */
op_CBO_INVAL:
op_CBO_CLEAN:
op_CBO_FLUSH:
op_CBO_ZERO:
    CHECK(cpu->policy->system(cpu, in));
    CHECK(do_cbo(cpu, in->op, RS1));
    NEXT();

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
        RETIRE_JUMP();
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
        RETIRE_JUMP();
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
    CHECK(exec_fp(cpu, in));
    NEXT();
}

/* ---- the run loop ---------------------------------------------------------------------- */

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
    return exec(cpu, &in, 1, stale);
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
    return exec(cpu, insn, 1, &no_stale);
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
    int r = exec(cpu, in, 1, stale);
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
    return hooked ? exec_block_hooked(cpu, b->insn, n, &eng->stale)
                  : exec(cpu, b->insn, n, &eng->stale);
}

/* The lockstep checker's catch-up: run to stop_at without polling (the checker polls both
 * engines itself, at the same instruction counts), taking traps as they come. */
int hv__interp_run_nopoll(struct hv_cpu *cpu, uint64_t stop_at)
{
    struct engine *eng = engine_get(cpu);
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
