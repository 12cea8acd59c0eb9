/* SPDX-License-Identifier: MIT */
/* libhv — instrumentation for harnesses and fuzzers: hooks (block entry, instructions,
 * memory accesses, invalid accesses), an AFL-style edge-coverage map, watchpoints.
 *
 * Same semantics on both backends and every engine (interp, jit, lockstep): the translator
 * specialises the code it translates while hooks exist (calls from generated code, slow
 * paths only for hooked pages); with no hook and no coverage map nothing is added. */
#ifndef HV_HOOKS_H
#define HV_HOOKS_H

#include <stddef.h>
#include <stdint.h>
#include "hv/export.h"
#include "hv/vm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a hook returns. */
enum hv_hook_ret {
    HV_HOOK_CONTINUE = 0,
    /* End hv_vcpu_run with HV_EXIT_HOOK (exit.pc = the next instruction to execute):
     * block and instruction hooks stop BEFORE the instruction (running again executes it
     * without calling that hook again for the same event); memory and invalid-access
     * hooks stop AFTER the instruction that made the access retired. */
    HV_HOOK_STOP = 1,
    /* Invalid-access hooks only: the access succeeds (a load reads *value, a store is
     * dropped) instead of faulting. */
    HV_HOOK_RESOLVED = 2
};

enum hv_hook_type {
    /* A block starts: at the instruction after a control transfer, system or CSR
     * instruction or FENCE.I, at a trap or interrupt handler's first instruction, and at
     * the first instruction after hooks are first set or a snapshot is loaded / rolled
     * back. The same blocks on every engine (page ends are not boundaries). Range: pc. */
    HV_HOOK_BLOCK = 1,
    /* Before each instruction whose pc is in the range. */
    HV_HOOK_INSN = 2,
    /* Data accesses (loads, stores, FP loads/stores; not AMO/LR/SC) overlapping the
     * range, reported after they complete with their address, size and value (the value
     * loaded, or the value written). Misaligned accesses are reported byte by byte. */
    HV_HOOK_MEM_READ = 3,
    HV_HOOK_MEM_WRITE = 4,
    /* A load or store that would raise an access fault (unmapped / outside RAM, a device
     * that refuses it): return HV_HOOK_RESOLVED to complete it, HV_HOOK_CONTINUE to let the
     * guest take the fault, HV_HOOK_STOP to complete it (as resolved) and stop. */
    HV_HOOK_MEM_INVALID = 5
};

enum hv_hook_flags {
    /* The range is guest-physical (MEM_READ / MEM_WRITE / MEM_INVALID are reported with
     * the guest-physical address); default: guest-virtual (what the instruction used). */
    HV_HOOK_PHYS = 1
};

/* Callbacks run on the vCPU thread while the vCPU counts as running. Inside a hook the
 * calling vCPU's registers (hv_vcpu_get_reg / set_reg / get_regs / set_regs) and guest
 * memory (hv_vcpu_mem_*, hv_vm_mem_*) may be read and written. A block or instruction hook
 * may set pc (execution continues there, the hooked instruction is not executed); a memory
 * hook cannot change pc (the write is ignored) and its register writes take effect after
 * the hooked instruction (a load's destination gets the loaded value). Hooks cannot be
 * added or removed from a hook (HV_EBUSY), nor call hv_vcpu_run. Under the lockstep engine
 * hooks run on the translated side only: a hook that changes guest state, or resolves an
 * invalid access, makes the check report a divergence (HV_EXIT_INTERNAL). */
typedef int (*hv_hook_block_fn)(void *opaque, hv_vcpu *vcpu, uint64_t pc);
typedef int (*hv_hook_insn_fn)(void *opaque, hv_vcpu *vcpu, uint64_t pc, uint32_t insn,
                               unsigned len);
/* type: HV_HOOK_MEM_READ / HV_HOOK_MEM_WRITE. */
typedef int (*hv_hook_mem_fn)(void *opaque, hv_vcpu *vcpu, int type, uint64_t addr,
                              unsigned size, uint64_t value);
/* type: HV_HOOK_MEM_READ or HV_HOOK_MEM_WRITE (the access attempted); addr is
 * guest-virtual. For a write, *value holds the value being written. */
typedef int (*hv_hook_invalid_fn)(void *opaque, hv_vcpu *vcpu, int type, uint64_t addr,
                                  unsigned size, uint64_t *value);

struct hv_hook {
    int type;                   /* enum hv_hook_type */
    unsigned flags;             /* enum hv_hook_flags */
    uint64_t begin, end;        /* address range, inclusive: [begin, end]; 0, UINT64_MAX
                                   is everything (BLOCK / INVALID usually want that) */
    union {
        hv_hook_block_fn block;
        hv_hook_insn_fn insn;
        hv_hook_mem_fn mem;
        hv_hook_invalid_fn invalid;
    } fn;
    void *opaque;               /* passed back; must outlive the hook */
};

#define HV_MAX_HOOKS 64

/* Add a hook to every vCPU of the VM (present and future). Returns a hook id (>= 0) or
 * HV_EINVAL (bad type, flags, range or NULL callback), HV_ELIMIT (HV_MAX_HOOKS), HV_EBUSY
 * (a vCPU of the VM is running, including from inside a hook). Several hooks of a type
 * run in the order they were added; the first HV_HOOK_STOP / RESOLVED wins but all hooks
 * covering the event are called. Adding or removing hooks drops translated code (the next
 * run re-translates: expect a one-off cost). */
HV_API int hv_vm_hook_add(hv_vm *vm, const struct hv_hook *hook);

/* Remove hook `id`: 0, HV_ENOENT, or HV_EBUSY while a vCPU runs. */
HV_API int hv_vm_hook_del(hv_vm *vm, int id);

/* Edge coverage, AFL style, without callbacks: at every block start (as HV_HOOK_BLOCK
 * defines it) cur = hash(pc); map[(cur ^ prev) & (size - 1)]++ (8-bit, wrapping);
 * prev = cur >> 1. prev is per vCPU and restarts at 0 when a snapshot is loaded or rolled
 * back (hv_vm_coverage_reset also restarts it). The translator updates the map inline; the
 * interpreter does the same in C: every engine produces the same map for the same run.
 * `size` must be a power of two between 64 and 2^28 (HV_EINVAL otherwise: AFL's sizes
 * are powers of two; other sizes are refused rather than rounded). map == NULL turns
 * coverage off. The caller owns the map (clears and reads it between runs); it must stay
 * valid until coverage is turned off or the VM destroyed. HV_EBUSY while a vCPU runs. */
HV_API int hv_vm_set_coverage(hv_vm *vm, uint8_t *map, size_t size);

/* Restart the edge hash (prev = 0) of every vCPU: call before each input when not using
 * rollback. HV_EBUSY while a vCPU runs. */
HV_API int hv_vm_coverage_reset(hv_vm *vm);

/* Watchpoints: stop with HV_EXIT_WATCHPOINT after an instruction that reads (type
 * HV_WATCH_READ), writes (HV_WATCH_WRITE) or does either (HV_WATCH_ACCESS) guest-virtual
 * bytes [addr, addr+len). exit.pc is the next instruction; exit.u.watch tells the access
 * (addr: the first watched byte it touched; size: the access size).
 * Built on memory hooks (same engine rules, data accesses only). At most HV_MAX_HOOKS
 * together with hooks. HV_EBUSY while a vCPU runs; removing one that is not set gives
 * HV_ENOENT. */
enum hv_watch_type { HV_WATCH_WRITE = 1, HV_WATCH_READ = 2, HV_WATCH_ACCESS = 3 };
HV_API int hv_vm_set_watchpoint(hv_vm *vm, uint64_t addr, uint64_t len, int type);
HV_API int hv_vm_clear_watchpoint(hv_vm *vm, uint64_t addr, uint64_t len, int type);

#ifdef __cplusplus
}
#endif
#endif
