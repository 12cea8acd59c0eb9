/* SPDX-License-Identifier: MIT */
/* libhv cpu — RV64 hart state and the policy interface through which an execution engine
 * (reference interpreter or translator) reaches everything that differs between backends:
 * address translation, device access, CSRs, system instructions, traps and interrupts.
 * An engine never touches privileged state directly; the full backend's policy emulates
 * the privileged architecture, the para backend's policy turns ECALL into hypercalls. */
#ifndef HV_CPU_CPU_H
#define HV_CPU_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cpu/insn.h"

enum hv_priv { HV_PRIV_U = 0, HV_PRIV_S = 1, HV_PRIV_M = 3 };

/* Cache-block size of Zicbom/Zicboz (cbo.zero zeroes this many bytes; the device tree
 * advertises it as riscv,cbom-block-size / riscv,cboz-block-size). */
#define HV_CBO_BLOCK 64u
/* The device-tree riscv,isa prefix for what the decoder executes (both backends' trees
 * start with it; canonical order: single letters, then Z extensions by their first letter's
 * place in the base order (i m a f d ... b k) and alphabetically). */
#define HV_ISA_STRING_UNPRIV "rv64imafdc_zicbom_zicbop_zicboz_zicond_zicsr_zifencei_zfh_" \
                             "zfhmin_zba_zbb_zbc_zbkb_zbkx_zbs"

/* Memory access types, also used to index the soft-TLB tags. */
enum hv_access { HV_ACC_READ = 0, HV_ACC_WRITE = 1, HV_ACC_EXEC = 2 };

/* Exception causes (mcause values, interrupt bit clear), privileged spec table 3.6. */
enum hv_exc {
    HV_EXC_INSN_MISALIGNED = 0, HV_EXC_INSN_ACCESS = 1, HV_EXC_ILLEGAL = 2,
    HV_EXC_BREAKPOINT = 3, HV_EXC_LOAD_MISALIGNED = 4, HV_EXC_LOAD_ACCESS = 5,
    HV_EXC_STORE_MISALIGNED = 6, HV_EXC_STORE_ACCESS = 7, HV_EXC_ECALL_U = 8,
    HV_EXC_ECALL_S = 9, HV_EXC_ECALL_M = 11, HV_EXC_INSN_PAGE = 12, HV_EXC_LOAD_PAGE = 13,
    HV_EXC_STORE_PAGE = 15
};

/* Result of a policy hook or engine step. HV_STEP_EXIT from a hook means the current
 * instruction does not retire: registers, instret and pc stay as they were (except what
 * the hook itself changed), so after the embedder resumes the instruction executes again
 * (KVM-style MMIO exits). A system() hook that wants to resume after the instruction sets
 * cpu->pc itself before returning HV_STEP_EXIT. */
enum hv_step {
    HV_STEP_OK = 0,     /* continue with the next instruction (or cpu->pc if the hook set it) */
    HV_STEP_TRAP = 1,   /* an exception was recorded with hv__cpu_raise(); the engine calls
                           policy->take_trap() and continues at the new pc */
    HV_STEP_EXIT = 2    /* stop the engine: the backend has recorded why (exit to embedder) */
};

/* Soft-TLB: direct-mapped, indexed by virtual page number. A hit is one compare of the page
 * tag for the access type and one add: host = va + addend. Tags hold the page-aligned va, or
 * HV_TLB_INVALID. Only RAM/ROM pages are cached; MMIO always takes the slow path. */
/* 4096 entries (128 KiB, covering 16 MiB): against 256, pointer chasing -20 % and Sv39
 * paging -45 % on the translator (fewer refills and page walks; 1024 entries gave -15 % on
 * paging). Flushes only walk the entries used since the last one (tlb_used below). */
#define HV_TLB_BITS 12
#define HV_TLB_SIZE (1u << HV_TLB_BITS)
#define HV_TLB_VICTIMS 8
#define HV_TLB_INVALID (~0ull)
/* Set in a WRITE tag whose page holds cached code: the fast path's compare fails (tags are
 * page aligned), the slow path still has a valid translation and performs the store, then
 * tells the engine, which checks whether the bytes written overlap cached code. */
#define HV_TLB_CODE 1ull
/* Set in a READ or WRITE tag whose page a memory hook covers (cpu->hk): the fast paths'
 * compares fail (loads compare the tag with page | (size - 1), so the flag is above bit 2),
 * the slow path still has the translation and reports the access (no refill per access). */
#define HV_TLB_HOOKED 8ull
/* Set in the READ and WRITE tags of an entry filled in M-mode whose addend is not
 * cpu->tlb_near (a page outside main RAM, or MPRV translating through paging). Only
 * M-mode entries carry it (a privilege change flushes the soft-TLB), so in M-mode a fast
 * path whose tag compare hits knows the addend is tlb_near without loading it: the
 * translator addresses M-mode data with that constant (cpu/jit/tr_mem.c). The slow paths
 * mask it like the other flags: the translation stays valid. */
#define HV_TLB_FAR 16ull
#define HV_TLB_FLAGS (HV_TLB_CODE | HV_TLB_HOOKED | HV_TLB_FAR)
struct hv_tlb_entry {
    uint64_t tag[3];    /* [HV_ACC_READ], [HV_ACC_WRITE], [HV_ACC_EXEC] */
    uint64_t addend;    /* host address - guest virtual address */
};
_Static_assert(sizeof(struct hv_tlb_entry) == 32, "TLB entry must stay 32 bytes (index shift 5)");

struct hv_cpu;

/* Everything an engine needs from a backend. All hooks are called on the vCPU thread. */
struct hv_cpu_policy {
    /* Fill the TLB entry for `va` and `acc` at the current effective privilege, or report
     * why not: HV_STEP_OK with *mmio_pa set to the physical address for an MMIO access (the
     * engine then calls mmio()), HV_STEP_OK with the TLB filled for RAM, HV_STEP_TRAP with
     * an exception raised (page fault, access fault). */
    int (*tlb_fill)(struct hv_cpu *cpu, uint64_t va, enum hv_access acc, uint64_t *mmio_pa,
                    bool *is_mmio);
    /* Device access at physical address pa (size 1, 2, 4, 8). */
    int (*mmio)(struct hv_cpu *cpu, uint64_t pa, unsigned size, uint64_t *val, bool write);
    /* CSR access; the engine implements the CSRRW/S/C(I) read/write rules and calls these
     * only when the instruction reads / writes. Return HV_STEP_TRAP (illegal instruction)
     * for an absent CSR or insufficient privilege. csr_write may end the block (it returns
     * HV_STEP_OK but sets cpu->exit_request when state an engine caches changed). For
     * CSRRS/C(I) the value written is the value read with the mask applied; cpu->csr_wmask
     * holds the bits the instruction actually modifies. */
    int (*csr_read)(struct hv_cpu *cpu, unsigned csr, uint64_t *val);
    int (*csr_write)(struct hv_cpu *cpu, unsigned csr, uint64_t val);
    /* ECALL, EBREAK, MRET, SRET, WFI, SFENCE.VMA, FENCE.I. Must set cpu->pc when control
     * does not simply fall through (xRET, traps). */
    int (*system)(struct hv_cpu *cpu, const struct hv_insn *insn);
    /* Enter the trap recorded in cpu->trap_cause / trap_tval (pc = faulting instruction). */
    int (*take_trap)(struct hv_cpu *cpu);
    /* Called at block boundaries when cpu->exit_request is set or instret reached
     * cpu->poll_at: deliver pending interrupts, expire timers, honour kicks and budgets.
     * Returns HV_STEP_OK to continue, HV_STEP_EXIT to stop. */
    int (*poll)(struct hv_cpu *cpu);
    /* Invalidate translated code for guest-physical [pa, pa+len) (FENCE.I, code writes). */
    void (*code_written)(struct hv_cpu *cpu, uint64_t pa, uint64_t len);
    /* Called by the engine before every F/D instruction (NULL = FP always enabled).
     * Return HV_STEP_TRAP (illegal instruction raised) when mstatus.FS is Off; when
     * writes_fp_state is true (the instruction may write f registers or fflags) mark FS
     * Dirty. */
    int (*fp_check)(struct hv_cpu *cpu, bool writes_fp_state);
    /* Direct guest-physical memory for the translator.
     * When direct_host is non-NULL, guest virtual == guest physical for every data access
     * and [direct_base_gpa, direct_base_gpa + direct_size) is RAM at direct_host: generated
     * code bounds-checks the address and accesses host memory without the soft-TLB; anything
     * outside the window takes the slow path (tlb_fill, mmio). The interpreter ignores these
     * fields and keeps using tlb_fill (same results, slower). */
    uint64_t direct_base_gpa, direct_size;
    uint8_t *direct_host;
    /* Are data accesses untranslated right now (va == pa, no permission beyond the
     * region's own)? Then the translator may read cpu->flat_host's window directly, as
     * with direct_host but for loads only (stores keep the soft-TLB: it flags code pages).
     * NULL: never. Asked at every block lookup; a change of the answer must flush the
     * soft-TLB (which empties the translator's jump cache). */
    bool (*data_flat)(struct hv_cpu *cpu);
};

/* Engine side of self-modifying-code detection (see cpu.c). An engine that caches decoded
 * or translated code sets cpu->engine_hooks; the store slow path then never leaves write
 * permission in the soft-TLB for a host page that is_code_page() reports, and calls
 * code_write() after every store to such a page (the engine drops the page's blocks). */
struct hv_engine_hooks {
    bool (*is_code_page)(struct hv_cpu *cpu, uintptr_t host_page);
    void (*code_write)(struct hv_cpu *cpu, uintptr_t host_addr, unsigned len);
    /* Called by hv__cpu_tlb_flush (NULL: not interested). The translator drops its jump
     * cache (guest pc -> code), which depends on the mapping like the TLB does. */
    void (*tlb_flushed)(struct hv_cpu *cpu);
};

/* ---- breakpoints: the contract between the core and every engine ----------------------
 * The core (hv_vcpu_set_breakpoint) keeps a small unsorted set of guest-VIRTUAL pcs here and
 * only changes it while the vCPU is stopped. An engine honours it like this:
 *  - Before executing an instruction whose pc is in bp[0..nr_bp) the engine stops WITHOUT
 *    executing it: cpu->pc = that pc, instret unchanged, dbg.hit = true, and the engine's
 *    run function returns as if stop_at had been reached (HV_STEP_OK). Backends report
 *    HV_STEP_OK as HV_EXIT_BUDGET; the core turns that into HV_EXIT_BREAKPOINT when hit is
 *    set. A block must therefore end before a breakpointed pc (the interpreter executes
 *    only the instructions of a cached block that precede it; a translator checks the set
 *    when building a block and ends the block there, see `gen`).
 *  - Step-over: when skip is set, the FIRST instruction the engine considers in this run
 *    is not checked if its pc == skip_pc (resuming from a breakpoint executes it). The
 *    engine clears skip once it has considered that first instruction, whatever its pc
 *    (an interrupt taken at the start of the run means the handler runs first, and coming
 *    back to skip_pc stops again, as in gdb).
 *  - The check happens after the poll at a block boundary (interrupts are entered first).
 *  - gen is bumped on every change of the set: an engine that bakes breakpoint checks into
 *    cached/translated code drops that code when gen differs from the value it was built
 *    with. nr_bp == 0 must cost at most one compare per block. */
#define HV_CPU_MAX_BREAKPOINTS 64
struct hv_cpu_debug {
    uint64_t bp[HV_CPU_MAX_BREAKPOINTS];
    uint32_t nr_bp;
    uint32_t gen;
    uint64_t skip_pc;
    bool skip;
    bool hit;
};

static inline bool hv__cpu_is_breakpoint(const struct hv_cpu_debug *d, uint64_t pc)
{
    for (uint32_t i = 0; i < d->nr_bp; i++)
        if (d->bp[i] == pc)
            return true;
    return false;
}

/* ---- embedder hooks and coverage: the contract between the core and every engine --------
 * The core (libhv/debug/hooks.c, hv_vm_hook_add / hv_vm_set_coverage) fills this while no
 * vCPU runs; `on` is false when no hook and no coverage map is set, and then no engine
 * pays more than one predictable branch per block (the translator emits nothing).
 *
 * Block events. A block starts at an instruction that follows one ending a block
 * (hv__insn_ends_block: control transfers, system and CSR instructions, FENCE.I), at a
 * trap/interrupt handler's first instruction, and at the first instruction ever executed
 * with hooks on; page ends and block-length limits are NOT block boundaries, so every
 * engine sees the same blocks. An engine tracks this with `fall`: before executing the
 * instruction at pc it calls hv__hk_enter() (fires when pc != fall), and after a run of
 * instructions it sets fall to the sequential next pc when the last one retired did not end
 * a block, to HV_HK_NOFALL when it did or when a trap was taken, and to cpu->pc when the
 * engine stopped before an instruction (exit, budget, stop request): a block whose first
 * instruction exits and is executed again on the next run fires once.
 *
 * Coverage (AFL edge map): at each block event idx = (hash(pc) ^ cov_prev) & cov_mask,
 * cov[idx]++ (wrapping), cov_prev = hash(pc) >> 1.
 *
 * Stops. A hook returning "stop" sets `stop`; block and instruction hooks stop BEFORE the
 * instruction (pc = it, not retired), memory hooks AFTER the instruction that made the
 * access retired. The engine then returns HV_STEP_OK as if stop_at had been reached (like
 * a breakpoint); the core reports HV_EXIT_HOOK. `changed` is set when a hook changed
 * guest registers: engines reload what they cache and re-read pc after the hook. */
#define HV_HK_NOFALL 1ull       /* pcs are even: never equal to a pc */
struct hv_cpu_hook_ops {
    /* Block hooks (not coverage, which the engines do inline). HV_STEP_OK or, with `stop`
     * set, any value. */
    void (*block)(struct hv_cpu *cpu, uint64_t pc);
    /* Is an instruction hook registered for guest-virtual pc? (translation time) */
    bool (*insn_hooked)(struct hv_cpu *cpu, uint64_t pc);
    void (*insn)(struct hv_cpu *cpu, uint64_t pc, uint32_t raw, unsigned len);
    /* Must accesses of type acc to this page take the slow path? host_page is the host
     * address of the page (RAM), va_page its guest-virtual address. */
    bool (*page_hooked)(struct hv_cpu *cpu, uint64_t va_page, uintptr_t host_page,
                        enum hv_access acc);
    /* A completed RAM/MMIO access (value written or read). */
    void (*mem)(struct hv_cpu *cpu, enum hv_access acc, uint64_t va, uintptr_t host,
                uint64_t pa, bool is_mmio, unsigned size, uint64_t value);
    /* An access that faults with an access fault: return true when the hook resolved it
     * (*value is the load's result; a store is dropped). */
    bool (*invalid)(struct hv_cpu *cpu, enum hv_access acc, uint64_t va, unsigned size,
                    uint64_t *value);
};
struct hv_cpu_hooks {
    bool on;                    /* any of the below: engines take their hooked paths */
    bool block;                 /* block hooks registered (ops->block) */
    bool insn;                  /* instruction hooks registered */
    bool mem;                   /* read/write hooks registered (ops->page_hooked) */
    bool invalid;               /* invalid-access hooks registered */
    bool stop;                  /* a hook asked to stop (reset by the core per run) */
    bool changed;               /* a hook changed guest registers */
    uint32_t gen;               /* bumped on every change: translated code is rebuilt */
    uint64_t fall;              /* see above */
    uint8_t *cov;               /* coverage map or NULL */
    uint64_t cov_mask;          /* map size - 1 (size is a power of two) */
    uint64_t cov_prev;
    const struct hv_cpu_hook_ops *ops;
};

/* The coverage location of a block start (the same in every engine). */
static inline uint64_t hv__hk_loc(uint64_t pc)
{
    uint64_t h = pc * 0x9e3779b97f4a7c15ull;
    return (h >> 32) ^ (h >> 48);
}

/* ---- watches: address-match triggers checked by every engine ------------------------------
 * A small list of address ranges, each armed for instruction fetch, loads and/or stores in
 * a set of privilege levels. The full backend compiles the guest's Sdtrig triggers (tdata1
 * type 2 / 6 with action 0) into it (hvf_trig_sync rebuilds the whole list today); the list
 * is generic so that debugger watchpoints can share the mechanism later: they would add
 * their own entries when the list is rebuilt, with an action that stops the vCPU instead of
 * raising the guest exception (not implemented: every entry is HV_WATCH_EXC now). While nr_watch != 0 engines
 * execute one instruction at a time through hv__interp_step, which checks before each
 * instruction: an execute match on pc (before fetching, so ahead of any fetch fault), then
 * a load/store match on the accessed bytes [va, va + size) after decoding (ahead of
 * misaligned and page faults, as the priority of breakpoint exceptions requires). A match
 * with action HV_WATCH_EXC raises a breakpoint exception (cause 3) with tval = the matching
 * address (pc for execute). The translator runs no generated code while armed, which keeps
 * both engines exact at the cost of speed: triggers are a debugging aid. The owner changes
 * the list only between instructions (CSR writes end blocks; trap entry and xRET happen
 * outside blocks). */
#define HV_CPU_MAX_WATCHES 8
enum { HV_WATCH_EXEC = 1, HV_WATCH_LOAD = 2, HV_WATCH_STORE = 4 };
enum { HV_WATCH_EXC = 0 };              /* action: breakpoint exception into the guest */
struct hv_cpu_watch {
    uint64_t lo, hi;                    /* matching addresses: lo <= a <= hi (virtual) */
    uint8_t kinds;                      /* HV_WATCH_EXEC | LOAD | STORE */
    uint8_t privs;                      /* bit p: armed in privilege p (enum hv_priv) */
    uint8_t action;                     /* HV_WATCH_EXC */
};

/* The first watch of kind `kind` armed at privilege `priv` that any byte of
 * [va, va + size) hits, or -1. */
static inline int hv__cpu_watch_match(const struct hv_cpu_watch *w, unsigned n, unsigned kind,
                                      unsigned priv, uint64_t va, unsigned size)
{
    uint64_t last = va + (size ? size - 1 : 0);
    for (unsigned i = 0; i < n; i++) {
        if (!(w[i].kinds & kind) || !((w[i].privs >> priv) & 1))
            continue;
        if (last < va ? (va <= w[i].hi || last >= w[i].lo) : (va <= w[i].hi && last >= w[i].lo))
            return (int)i;
    }
    return -1;
}

#define HV_CPU_HEAT_SLOTS 256

/* The translator's jump cache (libhv/cpu/jit): guest pc -> the checked entry of its block,
 * direct-mapped by pc >> 1. In the cpu struct so that generated code reaches an entry as
 * [rbx + index + disp32], without loading a table pointer first. Zero: empty. */
#define HV_CPU_JC_SIZE 4096u
struct jit_block;
struct hv__jit_jc {
    uint64_t pc;
    void *code;
    struct jit_block *blk;
    uint64_t pad;
};

struct hv_cpu {
    uint64_t x[32];             /* x[0] is always 0 when observed */
    uint64_t pc;
    uint64_t f[32];             /* raw 64-bit patterns; singles are NaN-boxed */
    uint32_t fflags;            /* accrued exception flags, fcsr[4:0] */
    uint32_t frm;               /* dynamic rounding mode, fcsr[7:5] */
    uint32_t priv;              /* enum hv_priv */
    uint32_t fs_dirty_hook;     /* non-zero: policy tracks mstatus.FS; engines call
                                   hv__cpu_fs_dirty() after writing FP state */
    uint64_t instret;           /* instructions retired since creation */
    uint64_t poll_at;           /* call policy->poll() when instret >= poll_at */
    volatile uint32_t exit_request; /* set (any thread, atomically) to force a poll */
    uint32_t pad_;

    uint64_t reservation;       /* LR/SC reservation address, HV_TLB_INVALID when none */

    uint64_t trap_cause, trap_tval; /* recorded by hv__cpu_raise */
    uint64_t csr_wmask;         /* during policy->csr_write from a CSR instruction: the
                                   bits it modifies (all for CSRRW(I), the mask for
                                   CSRRS/C(I)); a CSR whose read value is not its written
                                   state (mip.SEIP) must leave the other bits alone */

    struct hv_tlb_entry tlb[HV_TLB_SIZE];
    /* Entries that may hold a valid tag (filled since the last flush), so that a flush
     * (satp writes, SFENCE.VMA, and on the full backend a change of translation regime:
     * privilege, or MPRV) costs what was used rather than all HV_TLB_SIZE entries. Entries
     * not listed are invalid. */
    uint16_t tlb_used[HV_TLB_SIZE];
    uint32_t tlb_nused;
    uint64_t tlb_used_bits[HV_TLB_SIZE / 64];
    /* Victim entries: what a refill evicted, looked up (slow path only) before the policy
     * is asked again, so two pages that share an index (a copy between buffers 4 MiB
     * apart) do not refill each other forever. Same invariants as tlb[]. */
    struct hv_tlb_entry tlb_victim[HV_TLB_VICTIMS];
    uint32_t tlb_victim_next;
    /* The addend (host - guest address) of main RAM for a hart whose M-mode data accesses
     * are untranslated, set by the backend when the vCPU is created (the full backend;
     * 0: none). See HV_TLB_FAR. */
    uintptr_t tlb_near;
    /* Main RAM for policy->data_flat: guest-physical [flat_base, flat_base + flat_size) at
     * flat_host (set with tlb_near; flat_size 0: none). */
    uint64_t flat_base, flat_size;
    uint8_t *flat_host;

    const struct hv_cpu_policy *policy;
    void *backend;              /* the backend's per-vCPU state (owner of this hv_cpu) */
    void *engine;               /* the engine's per-vCPU state (code cache, block map) */
    const struct hv_engine_hooks *engine_hooks; /* NULL: no engine caches code */
    uint64_t reservation_val;   /* value LR loaded: SC compare-and-swaps against it so
                                   stores by other harts break the reservation */
    /* Translator (libhv/cpu/jit): its per-vCPU state, the instret from which generated
     * code leaves for the dispatcher (checked at every block entry and loop back-edge; see
     * hv__jit_update_limit) and the jump cache generated code probes (guest pc -> code),
     * all reached from the cpu pointer it keeps in RBX. */
    void *jit;
    uint64_t jit_stop_at;
    struct hv__jit_jc jit_jc[HV_CPU_JC_SIZE];
    /* Block heat (translate.c, "regions"): entries left before a block that could be a
     * region is translated again as one, per slot; jit_hot set by the block whose count
     * ran out, for the dispatcher. */
    uint32_t jit_heat[HV_CPU_HEAT_SLOTS];
    uint32_t jit_hot;
    /* Debugger breakpoints (hv_vcpu_set_breakpoint); see "breakpoints" above. */
    struct hv_cpu_debug dbg;
    /* Embedder hooks and coverage (hv_vm_hook_add), additive; see "hooks" above. */
    struct hv_cpu_hooks hk;
    /* Address-match watches (Sdtrig triggers), additive; see "watches" above. */
    struct hv_cpu_watch watch[HV_CPU_MAX_WATCHES];
    uint32_t nr_watch;
};

/* Block event before executing at cpu->pc (engines call it only when hk.on): coverage and
 * block hooks when pc != fall. */
static inline void hv__hk_enter(struct hv_cpu *cpu)
{
    struct hv_cpu_hooks *h = &cpu->hk;
    uint64_t pc = cpu->pc;
    if (pc == h->fall)
        return;
    h->fall = pc;
    if (h->cov) {
        uint64_t loc = hv__hk_loc(pc);
        h->cov[(loc ^ h->cov_prev) & h->cov_mask]++;
        h->cov_prev = loc >> 1;
    }
    if (h->block)
        h->ops->block(cpu, pc);
}

/* Force a poll from another thread (kicks, input, IPIs, wake-ups; async-signal-safe).
 * Generated code only compares instret with jit_stop_at at block entries and loop
 * back-edges, so the request also zeroes that; the vCPU thread folds exit_request into
 * jit_stop_at whenever it recomputes it (hv__jit_update_limit), and should it overwrite
 * the zero in a race, the next poll (at most POLL_SLICE instructions on) sees the request. */
static inline void hv__cpu_request_exit(struct hv_cpu *cpu)
{
    __atomic_store_n(&cpu->exit_request, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&cpu->jit_stop_at, 0, __ATOMIC_SEQ_CST);
}

/* Record an exception; returns HV_STEP_TRAP for convenient `return hv__cpu_raise(...)`. */
static inline int hv__cpu_raise(struct hv_cpu *cpu, uint64_t cause, uint64_t tval)
{
    cpu->trap_cause = cause;
    cpu->trap_tval = tval;
    return HV_STEP_TRAP;
}

/* Invalidate the whole soft-TLB (SATP write, SFENCE.VMA, privilege change, map change). */
void hv__cpu_tlb_flush(struct hv_cpu *cpu);
/* Drop only the write tags (dirty tracking): every filled write tag implies its
 * page is marked in the dirty log (the policies mark when they fill one), so whoever
 * clears the log drops the write tags of every vCPU and the next store to each page takes
 * the slow path and marks it again. */
void hv__cpu_tlb_drop_writes(struct hv_cpu *cpu);
/* Snapshot state of the hart: x, f, pc, fcsr, priv, instret, reservation as
 * section "cpu.<id>" (snapshot/stream.h). load validates before changing anything and
 * flushes the soft-TLB. */
struct hv_snap_w;
struct hv_snap_index;
void hv__cpu_snapshot_save(const struct hv_cpu *cpu, unsigned id, struct hv_snap_w *w);
int hv__cpu_snapshot_load(struct hv_cpu *cpu, unsigned id, const struct hv_snap_index *idx,
                          char *err, size_t errlen);
/* Reset architectural state: registers zero, pc = reset_pc, priv = M, TLB flushed. */
void hv__cpu_reset(struct hv_cpu *cpu, uint64_t reset_pc);

/* Hot-path memory access through the soft-TLB; falls back to policy->tlb_fill / mmio.
 * Misaligned accesses are split into bytes by the slow path (emulated, see ARCHITECTURE).
 * Return HV_STEP_OK / TRAP / EXIT. Loads zero-extend into *val. */
int hv__cpu_load_slow(struct hv_cpu *cpu, uint64_t va, unsigned size, uint64_t *val);
int hv__cpu_store_slow(struct hv_cpu *cpu, uint64_t va, unsigned size, uint64_t val);

/* Record that entry `idx` may now be valid (every fill goes through hv__cpu_translate). */
static inline void hv__cpu_tlb_note(struct hv_cpu *cpu, unsigned idx)
{
    uint64_t bit = 1ull << (idx % 64);
    if (cpu->tlb_used_bits[idx / 64] & bit)
        return;
    cpu->tlb_used_bits[idx / 64] |= bit;
    cpu->tlb_used[cpu->tlb_nused++] = (uint16_t)idx;
}

static inline struct hv_tlb_entry *hv__tlb_entry(struct hv_cpu *cpu, uint64_t va)
{
    return &cpu->tlb[(va >> 12) & (HV_TLB_SIZE - 1)];
}

static inline int hv__cpu_load(struct hv_cpu *cpu, uint64_t va, unsigned size, uint64_t *val)
{
    struct hv_tlb_entry *e = hv__tlb_entry(cpu, va);
    /* Aligned accesses never cross a page, so the page tag alone decides. */
    if (e->tag[HV_ACC_READ] == (va & ~0xfffull) && !(va & (size - 1))) {
        const void *p = (const void *)(uintptr_t)(va + e->addend);
        switch (size) {
        case 1: *val = *(const uint8_t *)p; return HV_STEP_OK;
        case 2: *val = *(const uint16_t *)p; return HV_STEP_OK;
        case 4: *val = *(const uint32_t *)p; return HV_STEP_OK;
        default: *val = *(const uint64_t *)p; return HV_STEP_OK;
        }
    }
    return hv__cpu_load_slow(cpu, va, size, val);
}

static inline int hv__cpu_store(struct hv_cpu *cpu, uint64_t va, unsigned size, uint64_t val)
{
    struct hv_tlb_entry *e = hv__tlb_entry(cpu, va);
    if (e->tag[HV_ACC_WRITE] == (va & ~0xfffull) && !(va & (size - 1))) {
        void *p = (void *)(uintptr_t)(va + e->addend);
        switch (size) {
        case 1: *(uint8_t *)p = (uint8_t)val; return HV_STEP_OK;
        case 2: *(uint16_t *)p = (uint16_t)val; return HV_STEP_OK;
        case 4: *(uint32_t *)p = (uint32_t)val; return HV_STEP_OK;
        default: *(uint64_t *)p = val; return HV_STEP_OK;
        }
    }
    return hv__cpu_store_slow(cpu, va, size, val);
}

/* Fetch the 16/32-bit instruction at va (may straddle a page). */
int hv__cpu_fetch(struct hv_cpu *cpu, uint64_t va, uint32_t *raw);

/* Translate one (naturally aligned, single-page) access for an engine that operates on
 * host memory itself (AMOs, SC, block building). On HV_STEP_OK either is_mmio is set and
 * pa is valid, or host points at the byte for va; is_code is set for a WRITE to a page
 * holding cached code (the caller must call engine_hooks->code_write after writing). */
struct hv_xlat {
    void *host;
    uint64_t pa;
    bool is_mmio;
    bool is_code;
};
int hv__cpu_translate(struct hv_cpu *cpu, uint64_t va, enum hv_access acc,
                      struct hv_xlat *out);
/* Flag (or unflag) the write tags of every soft-TLB entry that maps host page `host_page` as
 * a code page (HV_TLB_CODE): an engine calls mark when it starts caching code from the page
 * and unmark when it drops the page's code. */
void hv__cpu_tlb_mark_code(struct hv_cpu *cpu, uintptr_t host_page);
void hv__cpu_tlb_unmark_code(struct hv_cpu *cpu, uintptr_t host_page);

/* ---- engines ---------------------------------------------------------------------------- */

/* Reference interpreter: run until policy->poll or a hook returns HV_STEP_EXIT, or until
 * instret reaches `stop_at` (exact). Returns HV_STEP_EXIT or HV_STEP_OK (stop_at reached,
 * or stopped before a breakpoint with cpu->dbg.hit set: see "breakpoints" above).
 * Per-vCPU engine state is created lazily in cpu->engine and freed by hv__interp_fini
 * (the core calls both engines' fini and invalidate together: core/engine.h). */
int hv__interp_run(struct hv_cpu *cpu, uint64_t stop_at);
/* The same without polls (lockstep catch-up: the caller polls). */
int hv__interp_run_nopoll(struct hv_cpu *cpu, uint64_t stop_at);
void hv__interp_fini(struct hv_cpu *cpu);
/* Drop the interpreter's pre-decoded blocks for a guest range (all if len == ~0; today
 * any range drops them all). */
void hv__interp_invalidate(struct hv_cpu *cpu, uint64_t addr, uint64_t len);
/* Reference semantics for other engines (the translator's helpers): execute one decoded
 * instruction at cpu->pc (retires it: pc, instret, rd), or fetch, decode and execute one
 * instruction uncached. Return HV_STEP_OK / TRAP / EXIT like a policy hook. */
int hv__interp_exec(struct hv_cpu *cpu, const struct hv_insn *insn);
int hv__interp_step(struct hv_cpu *cpu);
/* hv__interp_step with hooks on (cpu->hk.on): block event, instruction hook, hk.fall
 * bookkeeping. A stop request leaves cpu->hk.stop set and returns HV_STEP_OK. */
int hv__interp_step_hooked(struct hv_cpu *cpu);

/* Binary translator (libhv/cpu/jit/jit.h has the rest): drop all translated code (at the
 * next block boundary if translated code is running), free the translator's state. Both
 * accept a vCPU without a translator. Backends reach them through core/engine.h. */
void hv__jit_invalidate(struct hv_cpu *cpu, uint64_t addr, uint64_t len);
/* FENCE.I on this hart: keep the translated code whose guest bytes are unchanged, drop all
 * of it (as hv__jit_invalidate) when any changed behind the translator's back. */
void hv__jit_fence_i(struct hv_cpu *cpu);
void hv__jit_fini(struct hv_cpu *cpu);

#endif
