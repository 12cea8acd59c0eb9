/* SPDX-License-Identifier: MIT */
/* libhv cpu/jit — translator engine state and the dispatcher: block lookup (jump cache by
 * guest pc, then a hash keyed by the host address of the first instruction AND its guest
 * pc, since generated code embeds pc constants), translation on miss, chaining (patching
 * exits once their same-page successor exists), budgets/polls, and self-modifying code.
 *
 * Invalidation design: any write that overlaps translated code (64-byte chunks per page,
 * as in the interpreter), a FENCE.I that finds translated bytes changed (hv__jit_fence_i:
 * a FENCE.I with everything unchanged keeps the code), hv__engine_code_written (memory map
 * changes, embedder writes) and a full code cache all flush EVERYTHING: code cache
 * (generation advances), blocks, hash, jump cache, code-page flags. This makes unchaining
 * trivial (no incoming chain lists: every patched jump dies with the cache). A flush requested while generated
 * code runs (from a helper) is deferred: the helper returns HV_JIT_STALE, the block exits
 * to the dispatcher, and the dispatcher flushes before its next lookup — so no stale code
 * is ever returned into, and freed code bytes (int3) are never executed. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cpu/codepages.h"
#include "cpu/jit/jit.h"
#include "core/err.h"
#include "core/zalloc.h"
#include "hv/error.h"

/* A Linux boot translates ~31,000 blocks, ~290,000 guest instructions, at ~1 KiB of host
 * code per block (with the guest instructions the helpers point at): ~23 MiB before the
 * kernel frees its init text. With the former 4 MiB the cache filled, was flushed and
 * everything re-translated 25 times per boot. The cache and the tables cost host memory
 * only where used (codecache.c fills lazily, the tables are hv__zalloc'd): a small guest
 * pays nothing for the room. */
#define HASH_BITS 15
#define DEFAULT_CACHE (64u << 20)
#define DEFAULT_BLOCKS (1u << 18)

struct jit_ret {
    uint64_t status;
    uint64_t chain;             /* RX address of the rel32 field to patch, or 0 */
};
typedef struct jit_ret (*enter_fn)(struct hv_cpu *cpu, void *code);

bool hv__jit_available(void)
{
#if defined(__x86_64__)
    return true;
#else
    return false;
#endif
}

static unsigned block_hash(uintptr_t host, uint64_t pc)
{
    uint64_t h = host ^ (pc << 7);
    return (unsigned)((h >> 1) ^ (h >> 13)) & ((1u << HASH_BITS) - 1);
}

/* Clear only the entries filled since the last clear: traps flush the soft-TLB (and with
 * it the jump cache) often, and most of the table is usually empty. An empty entry is all
 * zero (blk NULL), so a new table needs no initialisation and costs host memory only for
 * the entries a guest uses; entry 0, the only one a target pc 0 probes, holds pc 1 (no
 * target is odd) so that the generated probes need no test for pc 0 (translate.c). */
static void jc_clear(struct hv__jit *jit)
{
    static const struct hv__jit_jc empty;
    if (jit->jc_nused > HV_JIT_JC_SIZE / 4) {
        for (unsigned i = 0; i < HV_JIT_JC_SIZE; i++)
            jit->jc[i] = empty;
    } else {
        for (unsigned i = 0; i < jit->jc_nused; i++)
            jit->jc[jit->jc_used[i]] = empty;
    }
    jit->jc[0].pc = 1;
    jit->jc_nused = 0;
}

static void free_pages(struct hv_cpu *cpu, struct hv__jit *jit)
{
    hv__code_pages_clear(jit->pages, cpu, NULL, NULL);
}

/* Monotonic nanoseconds for the translation-cost stats: a vDSO call, small next to
 * translating a block or flushing the cache. */
static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Drop all translated code (see the header comment); only outside generated code. */
static void flush_all(struct hv_cpu *cpu, struct hv__jit *jit)
{
    uint64_t t0 = mono_ns();
    hv__cc_flush(&jit->cc);
    /* The chains of the blocks there are, or the whole table when they are many (a
     * guest storing into its own code in a loop flushes on every iteration: clearing
     * 256 KiB each time was most of that cost). */
    if (jit->npool < (1u << HASH_BITS) / 16) {
        for (unsigned i = 0; i < jit->npool; i++)
            jit->hash[block_hash(jit->pool[i].host, jit->pool[i].pc)] = NULL;
    } else {
        memset(jit->hash, 0, sizeof(*jit->hash) << HASH_BITS);
    }
    jit->npool = 0;
    jc_clear(jit);
    free_pages(cpu, jit);
    jit->shadow_bytes = 0;
    jit->flush_pending = false;
    jit->stats.flushes++;
    hv__jit_emit_stubs(jit);
    jit->stats.flush_ns += mono_ns() - t0;
}

static void request_flush(struct hv_cpu *cpu, struct hv__jit *jit)
{
    if (jit->in_code)
        jit->flush_pending = true;
    else
        flush_all(cpu, jit);
}

int hv__jit_track_code(struct hv_cpu *cpu, struct hv__jit *jit, uintptr_t host, unsigned len)
{
    uintptr_t page = host & ~(uintptr_t)0xfff;
    const struct hv_code_page *old = hv__code_page_find(jit->pages, page);
    uint64_t had = old ? old->chunks : 0;
    /* From now on stores to this page reach the slow path (cpu.c). */
    struct hv_code_page *cp = hv__code_page_add(jit->pages, cpu, host, len);
    if (!cp)
        return -1;
    if (!cp->shadow && !(cp->shadow = malloc(4096))) {
        cp->chunks = had;       /* as before this call; the caller drops the block */
        return -1;
    }
    /* The shadow of a chunk is taken when its first block is translated and kept: a later
     * block translated from changed bytes of the chunk leaves the shadow differing from
     * memory, which the next FENCE.I sees. */
    for (uint64_t fresh = cp->chunks & ~had; fresh; fresh &= fresh - 1) {
        unsigned i = (unsigned)__builtin_ctzll(fresh);
        memcpy(cp->shadow + 64 * i, (const uint8_t *)page + 64 * i, 64);
        jit->shadow_bytes += 64;
    }
    return 0;
}

/* Are the code chunks of every page as they were when translated? */
static bool code_unchanged(const struct hv__jit *jit)
{
    for (unsigned h = 0; h < (1u << HV_CODE_PAGE_HASH_BITS); h++) {
        for (const struct hv_code_page *cp = jit->pages->hash[h]; cp; cp = cp->next) {
            const uint8_t *mem = (const uint8_t *)cp->page;
            uint64_t bits = cp->chunks;
            while (bits) {
                /* One run of consecutive chunks per memcmp. */
                unsigned first = (unsigned)__builtin_ctzll(bits);
                uint64_t rest = ~(bits >> first);
                unsigned n = rest ? (unsigned)__builtin_ctzll(rest) : 64 - first;
                if (memcmp(cp->shadow + 64 * first, mem + 64 * first, 64 * n))
                    return false;
                bits &= n + first >= 64 ? 0 : ~0ull << (first + n);
            }
        }
    }
    return true;
}

/* ---- engine hooks (cpu.c's self-modifying-code protocol) ------------------------------ */

static bool hook_is_code_page(struct hv_cpu *cpu, uintptr_t host_page)
{
    return hv__code_page_find(((struct hv__jit *)cpu->jit)->pages, host_page) != NULL;
}

static void hook_code_write(struct hv_cpu *cpu, uintptr_t host, unsigned len)
{
    struct hv__jit *jit = cpu->jit;
    if (hv__code_pages_overlap(jit->pages, host, len))
        request_flush(cpu, jit);
}

static void hook_tlb_flushed(struct hv_cpu *cpu)
{
    jc_clear(cpu->jit);
}

static const struct hv_engine_hooks jit_hooks = {
    .is_code_page = hook_is_code_page,
    .code_write = hook_code_write,
    .tlb_flushed = hook_tlb_flushed,
};

/* ---- lifetime --------------------------------------------------------------------------- */

/* The per-vCPU tables come from hv__zalloc (core/zalloc.h): zero pages that cost host
 * memory only where a guest's code fills them (a small VM uses a few of the 64 Ki block
 * slots and 4 Ki jump-cache entries). */
static void free_tables(struct hv__jit *jit)
{
    free(jit->pages);
    hv__zfree(jit->hash, sizeof(*jit->hash) << HASH_BITS);
    hv__zfree(jit->pool, (size_t)jit->maxpool * sizeof(*jit->pool));
    hv__zfree(jit, sizeof(*jit));
}

void hv__jit_fini(struct hv_cpu *cpu)
{
    struct hv__jit *jit = cpu->jit;
    if (!jit)
        return;
    free_pages(cpu, jit);
    jc_clear(jit);
    jit->jc[0].pc = 0;              /* all zero again for the next hv__jit_init */
    hv__cc_fini(&jit->cc);
    free_tables(jit);
    cpu->jit = NULL;
    if (cpu->engine_hooks == &jit_hooks)
        cpu->engine_hooks = NULL;
}

int hv__jit_init(struct hv_cpu *cpu, const struct hv__jit_opts *opts, char *err,
                 size_t errlen)
{
    static const struct hv__jit_opts none;
    if (!opts)
        opts = &none;
    if (cpu->jit) {
        ((struct hv__jit *)cpu->jit)->opts = *opts;
        return 0;
    }
    if (!hv__jit_available())
        return hv__errf(err, errlen, HV_ENOTSUP, "translator: host is not x86-64");
    if (cpu->engine)
        return hv__errf(err, errlen, HV_EINVAL, "translator: the interpreter already runs "
                        "this vCPU");
    struct hv__jit *jit = hv__zalloc(sizeof(*jit));
    if (!jit)
        return hv__errf(err, errlen, HV_ENOMEM, "translator: out of memory");
    jit->opts = *opts;
    jit->maxpool = DEFAULT_BLOCKS;
    jit->hash = hv__zalloc(sizeof(*jit->hash) << HASH_BITS);
    jit->pool = hv__zalloc((size_t)jit->maxpool * sizeof(*jit->pool));
    /* The jump cache is cpu->jit_jc (zero in a new hv_cpu, and again after hv__jit_fini). */
    jit->jc = cpu->jit_jc;
    jit->pages = calloc(1, sizeof(*jit->pages));
    if (!jit->hash || !jit->pool || !jit->pages) {
        free_tables(jit);
        return hv__errf(err, errlen, HV_ENOMEM, "translator: out of memory");
    }
    int rc = hv__cc_init(&jit->cc, opts->cache_size ? opts->cache_size : DEFAULT_CACHE, 0,
                         err, errlen);
    if (rc < 0) {
        free_tables(jit);
        return rc;
    }
    jit->features = hv__x86_host_features();
    jit->jc_nused = 0;                  /* the zero-filled table is empty */
    if (hv__jit_emit_stubs(jit) < 0) {
        hv__cc_fini(&jit->cc);
        free_tables(jit);
        return hv__errf(err, errlen, HV_ENOMEM, "translator: code cache too small");
    }
    cpu->jit = jit;
    jit->jc[0].pc = 1;             /* see jc_clear */
    cpu->engine_hooks = &jit_hooks;
    return 0;
}

void hv__jit_invalidate(struct hv_cpu *cpu, uint64_t addr, uint64_t len)
{
    (void)addr;
    (void)len;
    if (cpu->jit)
        request_flush(cpu, cpu->jit);
}

/* FENCE.I. Every store this hart makes to translated code is seen when it happens (the
 * soft-TLB's code flags route it to hook_code_write), so what FENCE.I must still make
 * visible is what other writers put there unobserved: other harts, device DMA, anything
 * writing guest RAM directly. Rather than assume a kind of writer, compare every page's
 * translated chunks with the copy taken when they were translated: unchanged code stays
 * (a Linux boot runs ~200 FENCE.I, nearly all from flush_icache_pte as /init's text pages
 * are mapped: nothing translated changed), a difference drops everything.
 * The compare reads every translated byte, so it is paid from a credit: 4 bytes per guest
 * instruction retired (~0.4 ns of memcmp against ~1 ns per instruction run), at most
 * 64 MiB banked. A FENCE.I the credit does not cover flushes as before — a guest issuing
 * FENCE.I faster than it can be afforded (a JIT publishing code in a tight loop) loses at
 * most ~40 % to compares, and after the flush the set to compare is only what runs between
 * its FENCE.Is. A Linux boot's FENCE.Is (~600 instructions apart while /init is mapped,
 * each comparing a few hundred KiB) are all covered by the credit. */
#define FENCE_I_CREDIT_PER_INSN 4u
#define FENCE_I_CREDIT_MAX (64ull << 20)

void hv__jit_fence_i(struct hv_cpu *cpu)
{
    struct hv__jit *jit = cpu->jit;
    if (!jit)
        return;
    uint64_t t0 = mono_ns(), ran = cpu->instret - jit->fence_i_at;
    jit->fence_i_at = cpu->instret;
    jit->stats.fence_i++;
    uint64_t room = FENCE_I_CREDIT_MAX - jit->fence_i_credit;
    jit->fence_i_credit += ran < room / FENCE_I_CREDIT_PER_INSN ? ran * FENCE_I_CREDIT_PER_INSN
                                                                : room;
    bool afford = jit->shadow_bytes <= jit->fence_i_credit;
    if (afford)
        jit->fence_i_credit -= jit->shadow_bytes;
    bool same = afford && code_unchanged(jit);
    jit->stats.fence_i_ns += mono_ns() - t0;
    if (!same)
        request_flush(cpu, jit);
}

void hv__jit_get_stats(const struct hv_cpu *cpu, struct hv__jit_stats *st)
{
    const struct hv__jit *jit = cpu->jit;
    if (jit)
        *st = jit->stats;
    else
        memset(st, 0, sizeof(*st));
}

/* ---- lookup ----------------------------------------------------------------------------- */

static struct jit_block *hash_find(struct hv__jit *jit, uintptr_t host, uintptr_t host2,
                                   uint64_t pc, unsigned regime)
{
    for (struct jit_block *b = jit->hash[block_hash(host, pc)]; b; b = b->next)
        if (b->host == host && b->pc == pc && b->host2 == host2 && b->regime == regime)
            return b;
    return NULL;
}

/* hv__jit_translate with its cost counted (failed attempts included: they cost too). */
static struct jit_block *translate_counted(struct hv_cpu *cpu, struct hv__jit *jit,
                                           uint64_t pc, uintptr_t host, uintptr_t host2)
{
    uint64_t t0 = mono_ns();
    struct jit_block *b = hv__jit_translate(cpu, jit, pc, host, host2);
    jit->stats.translate_ns += mono_ns() - t0;
    if (b)
        jit->stats.insns_translated += b->n;
    return b;
}

/* The block at cpu->pc, translating it if needed. NULL with *r == HV_STEP_OK: nothing can be
 * translated there (MMIO code, a page-straddling first instruction): single-step it. */
static struct jit_block *lookup(struct hv_cpu *cpu, struct hv__jit *jit, int *r)
{
    uint64_t pc = cpu->pc;
    unsigned regime = hv__jit_regime(cpu);
    *r = HV_STEP_OK;
    /* (A change of regime flushes the soft-TLB and with it the jump cache, so an entry is
     * always of the current regime; checked here all the same.) */
    struct hv__jit_jc *jc = &jit->jc[(pc >> 1) & (HV_JIT_JC_SIZE - 1)];
    if (jc->pc == pc && jc->blk && jc->blk->regime == regime)
        return jc->blk;
    if (pc & 1)
        return NULL;
    struct hv_tlb_entry *e = hv__tlb_entry(cpu, pc);
    if (e->tag[HV_ACC_EXEC] != (pc & ~0xfffull)) {
        struct hv_xlat x;
        *r = hv__cpu_translate(cpu, pc, HV_ACC_EXEC, &x);
        if (*r != HV_STEP_OK || x.is_mmio)
            return NULL;
    }
    uintptr_t host = (uintptr_t)(pc + e->addend), host2 = 0;
    if ((pc & 0xfff) == 0xffe && (*(const uint8_t *)host & 3) == 3) {
        /* A 4-byte instruction straddling the page end (Linux's inflate_fast has one in
         * its hot loop: 236,000 single steps per boot): its block is that one instruction,
         * keyed by both pages' host addresses. When the second page cannot be fetched,
         * nothing is translated and the interpreter's step raises the fault. */
        struct hv_xlat x2;
        if (hv__cpu_translate(cpu, pc + 2, HV_ACC_EXEC, &x2) != HV_STEP_OK || x2.is_mmio)
            return NULL;
        host2 = (uintptr_t)x2.host;
    }
    struct jit_block *b = hash_find(jit, host, host2, pc, regime);
    if (!b) {
        jit->full = false;
        b = translate_counted(cpu, jit, pc, host, host2);
        if (!b && jit->full) {
            flush_all(cpu, jit);
            b = translate_counted(cpu, jit, pc, host, host2);
        }
        if (!b)
            return NULL;
        unsigned h = block_hash(host, pc);
        b->next = jit->hash[h];
        jit->hash[h] = b;
    }
    if (!jc->blk && jit->jc_nused < HV_JIT_JC_SIZE)
        jit->jc_used[jit->jc_nused++] = (uint16_t)(jc - jit->jc);
    jc->pc = pc;
    jc->code = b->check_entry;
    jc->blk = b;
    return b;
}

#define STEP_BREAK 4             /* stopped before a breakpoint (cpu.h's contract) */
#define STEP_HOOK 5              /* a hook asked to stop (cpu->hk.stop) */

/* Must the engine stop before the instruction at cpu->pc? Consumes the one-shot step-over
 * (same rule as the interpreter). */
static bool bp_stop_here(struct hv_cpu *cpu)
{
    struct hv_cpu_debug *d = &cpu->dbg;
    bool skip = d->skip && d->skip_pc == cpu->pc;
    d->skip = false;
    return !skip && hv__cpu_is_breakpoint(d, cpu->pc);
}

/* Before running from cpu->pc: rebuild the blocks when the breakpoint set changed (blocks
 * end before breakpointed pcs), and stop before a breakpoint at pc with cpu->dbg.hit set. */
static bool bp_stop(struct hv_cpu *cpu, struct hv__jit *jit)
{
    if (cpu->dbg.gen != jit->bp_gen || cpu->hk.gen != jit->hk_gen) {
        /* Blocks bake in the breakpoint set and the hooks (cpu.h). */
        flush_all(cpu, jit);
        jit->bp_gen = cpu->dbg.gen;
        jit->hk_gen = cpu->hk.gen;
    }
    if (cpu->dbg.nr_bp && bp_stop_here(cpu)) {
        cpu->dbg.hit = true;
        return true;
    }
    return false;
}

/* Execute n instructions with the interpreter's semantics (budget tails, untranslatable
 * code), like one interpreter block: no poll in between. */
static int step_n(struct hv_cpu *cpu, struct hv__jit *jit, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        if (i && cpu->dbg.nr_bp && hv__cpu_is_breakpoint(&cpu->dbg, cpu->pc))
            return STEP_BREAK;
        int r = cpu->hk.on ? hv__interp_step_hooked(cpu) : hv__interp_step(cpu);
        if (jit->flush_pending)
            flush_all(cpu, jit);
        if (r != HV_STEP_OK)
            return r;
        if (cpu->hk.stop)
            return STEP_HOOK;
        jit->stats.interp_steps++;
    }
    return HV_STEP_OK;
}

/* With hooks on, after a block or steps: a trap's handler entry is a block start, a stop
 * request ends the run (cpu.h). */
static int hooked_result(struct hv_cpu *cpu, int r)
{
    if (r == HV_STEP_TRAP)
        cpu->hk.fall = HV_HK_NOFALL;
    if (cpu->hk.stop && r != HV_STEP_EXIT && r != HV_STEP_TRAP)
        return STEP_HOOK;
    return r;
}

/* A region candidate's heat count ran out (translate.c, COLD_HEAT; cpu->pc is its start):
 * translate it again with regions allowed, put the new block in its place (hash chain,
 * jump cache) and overwrite the old checked entry's heat count with a jmp to the new one,
 * so that chained exits and inline caches into it follow. */
static void reheat(struct hv_cpu *cpu, struct hv__jit *jit)
{
    cpu->jit_hot = 0;
    int r;
    struct jit_block *b = lookup(cpu, jit, &r);
    if (!b || !b->counted)
        return;
    jit->region_ok = true;
    jit->full = false;
    struct jit_block *nb = translate_counted(cpu, jit, b->pc, b->host, b->host2);
    jit->region_ok = false;
    if (!nb) {
        if (jit->full)
            flush_all(cpu, jit);
        return;
    }
    b->counted = false;
    for (struct jit_block **p = &jit->hash[block_hash(b->host, b->pc)]; *p; p = &(*p)->next)
        if (*p == b) {
            nb->next = b->next;
            *p = nb;
            break;
        }
    struct hv__jit_jc *jc = &jit->jc[(b->pc >> 1) & (HV_JIT_JC_SIZE - 1)];
    if (jc->blk == b) {
        jc->code = nb->check_entry;
        jc->blk = nb;
    }
    uint8_t *p = hv__cc_rw(&jit->cc, b->check_entry);
    int32_t rel = (int32_t)((intptr_t)nb->check_entry - ((intptr_t)b->check_entry + 5));
    p[0] = 0xe9;
    memcpy(p + 1, &rel, 4);
}

static int run_block(struct hv_cpu *cpu, struct hv__jit *jit, struct jit_block *b)
{
    uint64_t gen = jit->cc.generation;
    jit->fp_gate = 0;
    jit->in_code = true;
    struct jit_ret ret = ((enter_fn)jit->enter)(cpu, b->body_entry);
    jit->in_code = false;
    if (jit->flush_pending) {
        flush_all(cpu, jit);
        return (int)ret.status;
    }
    if ((ret.chain & 1) && ret.status == HV_STEP_OK && !jit->opts.no_chain) {
        /* A JALR site's inline cache asks to be filled with its target (same guest page;
         * never a page-straddling block, whose second page lookup re-checks). */
        int r;
        const struct hv__jit_ic *ic = hv__cc_rw(&jit->cc, (const void *)(ret.chain & ~1ull));
        struct jit_block *t = lookup(cpu, jit, &r);
        uint8_t *field = t && !t->host2 && jit->cc.generation == gen ?
                         hv__cc_rw(&jit->cc, (const void *)ic->pc_field) : NULL;
        uint64_t cached = 0;
        if (field)
            memcpy(&cached, field, 8);
        if (cached == 1 && hv__cc_patch_rel32(&jit->cc, ic->jmp_field,
                                              (uintptr_t)t->check_entry) == 0) {
            memcpy(field, &cpu->pc, 8);
            jit->stats.chains++;
        }
        return (int)ret.status;
    }
    if (ret.chain && ret.status == HV_STEP_OK && !jit->opts.no_chain) {
        /* The exit set pc to a successor on the same guest page: patch the exit to it. */
        int r;
        struct jit_block *t = lookup(cpu, jit, &r);
        /* Never into a page-straddling block: lookup checks its second page's mapping. */
        if (t && !t->host2 && jit->cc.generation == gen &&
            hv__cc_patch_rel32(&jit->cc, (uintptr_t)ret.chain,
                               (uintptr_t)t->check_entry) == 0)
            jit->stats.chains++;
    }
    return (int)ret.status;
}

int hv__jit_run(struct hv_cpu *cpu, uint64_t stop_at)
{
    struct hv__jit *jit = cpu->jit;
    jit->stop_at = stop_at;
    for (;;) {
        if (jit->flush_pending)
            flush_all(cpu, jit);
        if (cpu->instret >= stop_at)
            return HV_STEP_OK;
        if (cpu->exit_request || cpu->instret >= cpu->poll_at) {
            if (cpu->policy->poll(cpu) == HV_STEP_EXIT)
                return HV_STEP_EXIT;
            if (cpu->instret >= stop_at)
                return HV_STEP_OK;
        }
        if (bp_stop(cpu, jit))
            return HV_STEP_OK;
        /* Armed watches: no generated code, one checked instruction at a time (cpu.h). */
        int r = HV_STEP_OK;
        struct jit_block *b = cpu->nr_watch ? NULL : lookup(cpu, jit, &r);
        if (r == HV_STEP_OK) {
            if (!b)
                r = step_n(cpu, jit, 1);
            else if (b->max_n > stop_at - cpu->instret)
                r = step_n(cpu, jit, stop_at - cpu->instret);
            else {
                hv__jit_update_limit(cpu);
                r = run_block(cpu, jit, b);
            }
        }
        if (cpu->jit_hot)
            reheat(cpu, jit);
        if (r == STEP_BREAK) {
            cpu->dbg.hit = true;
            return HV_STEP_OK;
        }
        if (cpu->hk.on && (r = hooked_result(cpu, r)) == STEP_HOOK)
            return HV_STEP_OK;
        if (r == HV_STEP_TRAP)
            r = cpu->policy->take_trap(cpu);
        if (r == HV_STEP_EXIT)
            return HV_STEP_EXIT;
    }
}

int hv__jit_exec_block(struct hv_cpu *cpu, uint64_t max, uint64_t *n)
{
    struct hv__jit *jit = cpu->jit;
    uint64_t start = cpu->instret;
    jit->stop_at = UINT64_MAX;
    if (jit->flush_pending)
        flush_all(cpu, jit);
    *n = 0;
    if (bp_stop(cpu, jit))
        return HV_STEP_OK;
    int r = HV_STEP_OK;
    struct jit_block *b = cpu->nr_watch ? NULL : lookup(cpu, jit, &r);
    hv__jit_update_limit(cpu);
    if (r == HV_STEP_OK) {
        if (!b)
            r = step_n(cpu, jit, 1);
        else if (b->max_n > max)
            r = step_n(cpu, jit, max);
        else
            r = run_block(cpu, jit, b);
    }
    if (cpu->jit_hot)
        reheat(cpu, jit);
    if (cpu->hk.on && (r = hooked_result(cpu, r)) == STEP_HOOK)
        r = HV_STEP_OK;
    if (r == STEP_BREAK)
        r = HV_STEP_OK;
    *n = cpu->instret - start;
    if (r == HV_STEP_TRAP) {
        r = cpu->policy->take_trap(cpu);
        return r == HV_STEP_EXIT ? HV_STEP_EXIT : HV_STEP_TRAP;
    }
    return r;
}
