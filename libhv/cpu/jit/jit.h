/* SPDX-License-Identifier: MIT */
/* libhv cpu/jit — the binary translator: RV64GC basic blocks translated to x86-64 through
 * cpu/x86 (emitter + W^X code cache), run by a small dispatcher loop. Shares struct hv_cpu
 * and the policy hooks with the reference interpreter; anything it does not translate
 * natively is a call into the interpreter's semantics (hv__interp_exec). */
#ifndef HV_CPU_JIT_JIT_H
#define HV_CPU_JIT_JIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cpu/cpu.h"

/* Trace flags (same values as HV_TRACE_* in hv/config.h). */
#define HV_JIT_TRACE_IN_ASM 1u
#define HV_JIT_TRACE_OUT_ASM 2u

struct hv__jit_opts {
    unsigned trace;             /* HV_JIT_TRACE_* */
    bool no_chain;              /* never patch block exits (lockstep, debugging) */
    size_t cache_size;          /* code cache bytes, 0 = default */
    void (*log)(void *opaque, const char *msg);   /* trace output, one line per call */
    void *log_opaque;
};

struct hv__jit_stats {
    uint64_t blocks;            /* blocks translated */
    uint64_t flushes;           /* whole-cache flushes (full, SMC, FENCE.I) */
    uint64_t chains;            /* exits patched */
    uint64_t interp_steps;      /* instructions single-stepped by the interpreter */
    uint64_t insns_translated;  /* guest instructions in the blocks translated */
    uint64_t translate_ns;      /* CLOCK_MONOTONIC time inside hv__jit_translate */
    uint64_t flush_ns;          /* time spent flushing the code cache */
    uint64_t fence_i;           /* FENCE.I executed (each compares the translated bytes) */
    uint64_t fence_i_ns;        /* time spent in those compares */
};

/* True when the host can run generated code (x86-64; the code cache can be mapped). */
bool hv__jit_available(void);

/* Create the translator state for cpu (idempotent: a second call only updates options).
 * Returns 0 or a negative HV_E* code with a message in err. */
int hv__jit_init(struct hv_cpu *cpu, const struct hv__jit_opts *opts, char *err,
                 size_t errlen);

/* Run until instret reaches stop_at (HV_STEP_OK) or a hook / poll returns HV_STEP_EXIT
 * (HV_STEP_EXIT): the contract of hv__interp_run. Requires hv__jit_init. */
int hv__jit_run(struct hv_cpu *cpu, uint64_t stop_at);

/* Run at most `max` instructions of one translated block (a longer block is
 * single-stepped; one interpreted instruction when none can be translated at pc), no
 * chaining, no poll: the lockstep engine's step (core/lockstep.c polls both harts itself).
 * Returns the number retired in *n and HV_STEP_OK / TRAP (already taken) / EXIT. */
int hv__jit_exec_block(struct hv_cpu *cpu, uint64_t max, uint64_t *n);

void hv__jit_get_stats(const struct hv_cpu *cpu, struct hv__jit_stats *st);

/* ---- internal: shared by jit.c, translate.c, helpers.c ------------------------------- */

#include "cpu/x86/codecache.h"

#define HV_JIT_STALE 3          /* helper status: done, but cached code changed: leave */
/* Instructions of one translated block: a linear run of at most HV_JIT_LINEAR_MAX, or a
 * region of several runs on one page (translate.c, "regions"). */
#define HV_JIT_BLOCK_MAX 112
#define HV_JIT_LINEAR_MAX 64
/* Entries through check_entry before a region candidate is translated again as a region. */
#define HV_JIT_REGION_HEAT 512
/* Load helper kind: size | sign << 4 | len << 8 | HV_JIT_LOAD_FP | rd << 16. */
#define HV_JIT_LOAD_FP (1u << 12)
#define HV_JIT_JC_BITS 12
#define HV_JIT_JC_SIZE (1u << HV_JIT_JC_BITS)
_Static_assert(HV_JIT_JC_SIZE == HV_CPU_JC_SIZE, "the jump cache lives in struct hv_cpu");

struct jit_block;
struct hv_code_pages;


/* A JALR site's inline cache (translate.c): RX addresses of the 64-bit pc it compares
 * with (1 while empty) and of the rel32 of its direct jump, and the guest page of its
 * block. The ic_fill stub passes the record's RX address | 1 as the chain field;
 * run_block fills an empty cache. */
struct hv__jit_ic {
    uintptr_t pc_field;
    uintptr_t jmp_field;
    uint64_t page;
};

struct jit_block {
    uint64_t pc;
    uintptr_t host;
    void *check_entry;          /* RX: budget/poll check, then the body */
    void *body_entry;           /* RX: body (the dispatcher checked already) */
    uint32_t n;                 /* guest instructions translated (stats) */
    uint32_t max_n;             /* most instructions one execution can retire (budgets) */
    uint32_t bytes;             /* guest code bytes */
    struct jit_block *next;     /* hash chain */
    uintptr_t host2;            /* a first instruction straddling the page end: the host
                                 * address of its second half (the next page); else 0 */
    bool counted;               /* check_entry starts with a heat count (translate.c) */
    uint8_t regime;             /* hv__jit_regime() when translated: part of the key, the
                                   block runs only there (its data accesses may assume
                                   cpu->tlb_near, or read cpu->flat_host directly) */
};

/* What a block's code may assume about data accesses, part of its key: bit 0 M-mode
 * (HV_TLB_FAR in effect), bit 1 policy->data_flat. Every change of it flushes the soft-TLB
 * and with it the jump cache, and happens outside generated code (traps, xRET and CSR
 * writes end blocks), so chained exits and inline caches stay within one regime. */
static inline unsigned hv__jit_regime(struct hv_cpu *cpu)
{
    bool flat = cpu->policy->data_flat && cpu->flat_size && cpu->policy->data_flat(cpu);
    return (cpu->priv == HV_PRIV_M ? 1u : 0u) | (flat ? 2u : 0u);
}

struct hv__jit {
    struct hv__cc cc;
    void *enter;                /* struct jit_ret enter(cpu, code) */
    void *exit_nochain;         /* status in eax, rdx = 0 */
    void *exit_chain;           /* status in eax, rdx = patch field */
    void *jc_lookup;            /* rax = guest pc: probe the jump cache */
    void *ic_fill;              /* rax = guest pc, rdx = inline cache record | 1 */
    const uint8_t *mx_table;    /* MXCSR flags -> fflags (64 bytes, in the cache) */
    struct jit_block **hash;
    struct jit_block *pool;
    unsigned npool, maxpool;
    struct hv__jit_jc *jc;
    uint16_t jc_used[HV_JIT_JC_SIZE];   /* indices filled since the last clear */
    unsigned jc_nused;
    struct hv_code_pages *pages;        /* pages holding translated code (codepages.h) */
    bool in_code;               /* generated code (or a helper it called) is running */
    bool flush_pending;         /* flush once back in the dispatcher */
    bool full;
    uint32_t bp_gen;            /* cpu->dbg.gen the cached blocks were built for */
    uint32_t hk_gen;            /* cpu->hk.gen the cached blocks were built for */
    uint64_t stop_at;           /* the run's exact budget end */                  /* the last translation failed for lack of space */
    uint32_t features;          /* hv__x86_host_features() */
    uint32_t fp_gate;           /* policy fp_check passed since entering generated code:
                                 * 1 for reads, 3 for writes (cleared by run_block) */
    struct hv__jit_opts opts;
    struct hv__jit_stats stats;
    uint64_t shadow_bytes;      /* bytes FENCE.I compares: 64 per translated chunk */
    uint64_t fence_i_at;        /* instret of the last FENCE.I */
    uint64_t fence_i_credit;    /* bytes FENCE.I may still compare (jit.c) */
    bool region_ok;             /* translating a hot block again: regions allowed */
    unsigned heat_slot;         /* the next block's heat slot (round robin) */
};

/* Translate the block at pc (host = its first byte; host2, when not 0, the first byte of
 * the next page, where the second half of a first instruction at the page's last two bytes
 * is: such a block holds only that instruction). NULL when the cache is full or the first
 * instruction cannot be translated (caller flushes / single-steps). */
struct jit_block *hv__jit_translate(struct hv_cpu *cpu, struct hv__jit *jit, uint64_t pc,
                                    uintptr_t host, uintptr_t host2);
/* Emit the enter/exit/lookup stubs at the start of an empty cache. */
int hv__jit_emit_stubs(struct hv__jit *jit);
/* Record that [host, host+len) of a page holds translated code; -1 when out of memory
 * (the caller must then not keep the translation). */
int hv__jit_track_code(struct hv_cpu *cpu, struct hv__jit *jit, uintptr_t host, unsigned len);

/* The most instructions one execution of a block retires before its next check (its
 * max_n: the longest path through the body, loop tails included). */
#define HV_JIT_MAX_PATH 256u

/* cpu->jit_stop_at: block entries and loop back-edges leave generated code for the
 * dispatcher when instret >= jit_stop_at, one compare. It is
 *   min(stop_at + 1 - HV_JIT_MAX_PATH, poll_at),
 * or 0 while breakpoints or watches are set (every block start goes through the
 * dispatcher) or a poll is requested (exit_request: generated code does not read it).
 * The budget part assumes the longest path of any block: a check that passes leaves room
 * for a whole block before stop_at, and within the last HV_JIT_MAX_PATH instructions of a
 * run the dispatcher takes over (it runs a block only when it fits, else single-steps), so
 * budgets stay exact. The poll part is exact: generated code leaves at the first block
 * boundary at or after poll_at, and the dispatcher polls at once. (It used to compare
 * instret + max_n with poll_at, which in the last few dozen instructions before a poll sent
 * a tight loop through the dispatcher on every iteration without polling.) poll_at and
 * exit_request change on the vCPU thread inside policy hooks, so the dispatcher and every
 * helper refresh it after calling into the policy; other threads use
 * hv__cpu_request_exit. */
static inline void hv__jit_update_limit(struct hv_cpu *cpu)
{
    const struct hv__jit *jit = cpu->jit;
    uint64_t l = jit->stop_at < HV_JIT_MAX_PATH ? 0 : jit->stop_at + 1 - HV_JIT_MAX_PATH;
    if (cpu->poll_at < l)
        l = cpu->poll_at;
    cpu->jit_stop_at = cpu->dbg.nr_bp || cpu->nr_watch || cpu->exit_request ? 0 : l;
}

/* Helpers called from generated code (helpers.c). */
struct hv__jit_r2 { uint64_t val; uint64_t status; };
struct hv__jit_r2 hv__jit_h_load(struct hv_cpu *cpu, uint64_t va, unsigned kind);
int hv__jit_h_store(struct hv_cpu *cpu, uint64_t va, uint64_t val, unsigned kind);
int hv__jit_h_exec(struct hv_cpu *cpu, const struct hv_insn *in);
int hv__jit_h_fpcheck(struct hv_cpu *cpu, unsigned writes);
/* Hooks (cpu.h): the block hooks of the block at cpu->pc (coverage is inline), and the
 * instruction hook before `in` at cpu->pc. HV_JIT_STALE (leave, pc = cpu->pc) when a hook
 * asked to stop or moved pc. */
int hv__jit_h_block(struct hv_cpu *cpu);
int hv__jit_h_insn(struct hv_cpu *cpu, const struct hv_insn *in);

#endif
