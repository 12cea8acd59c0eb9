/* SPDX-License-Identifier: MIT */
/* libhv — virtual machines, guest memory, MMIO hooks, vCPUs and the run loop.
 *
 * Threading: a VM may be used from several threads, but each vCPU is driven by one thread
 * at a time (the one calling hv_vcpu_run). hv_vcpu_kick() and hv_vm_console_input() are
 * safe from any thread. Memory-map changes (map/unmap/mmio_add) are only allowed while no
 * vCPU of the VM is running. Distinct VMs share nothing: use as many as you like. */
#ifndef HV_VM_H
#define HV_VM_H

#include <stddef.h>
#include <stdint.h>
#include "hv/export.h"
#include "hv/config.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hv_vm hv_vm;
typedef struct hv_vcpu hv_vcpu;

/* ---- VM lifecycle ---------------------------------------------------------------- */

/* Create a VM from `cfg` (copied; it need not outlive the call): reserve guest memory, build
 * the board (full) or the para platform, open disk/char back-ends and load the boot images.
 * On failure returns a negative code; if `errbuf` is not NULL it receives the reason. */
HV_API int hv_vm_create(const struct hv_config *cfg, hv_vm **out, char *errbuf, size_t errlen);

/* Destroy a VM and all its vCPUs. NULL is accepted (returns 0). Returns HV_EBUSY and does
 * nothing while any vCPU of the VM is inside hv_vcpu_run(). Disks are flushed first. */
HV_API int hv_vm_destroy(hv_vm *vm);

/* The last error recorded on this VM (detail beyond the code: file, line, cause). Never
 * NULL; "" if none. Valid until the next failing call on the same VM. */
HV_API const char *hv_vm_last_error(const hv_vm *vm);

HV_API enum hv_backend hv_vm_backend(const hv_vm *vm);

/* ---- Guest-physical memory ------------------------------------------------------- */

enum hv_mem_flags {
    HV_MEM_READ = 1,
    HV_MEM_WRITE = 2,
    HV_MEM_EXEC = 4,
    HV_MEM_RAM = HV_MEM_READ | HV_MEM_WRITE | HV_MEM_EXEC,
    HV_MEM_ROM = HV_MEM_READ | HV_MEM_EXEC
};

/* Map zero-filled guest memory at [gpa, gpa+size). gpa and size must be 4 KiB aligned and
 * the range must not overlap another region (HV_EEXIST). Memory is reserved lazily: host
 * pages are committed only when touched. */
HV_API int hv_vm_mem_map(hv_vm *vm, uint64_t gpa, uint64_t size, unsigned flags);

/* Remove the region that starts at gpa (RAM, ROM or MMIO). */
HV_API int hv_vm_mem_unmap(hv_vm *vm, uint64_t gpa);

/* Copy between host buffers and guest RAM/ROM (ROM is writable from the host). The whole
 * range must be mapped memory, else HV_EFAULT and nothing is copied. Marks pages dirty. */
HV_API int hv_vm_mem_read(hv_vm *vm, uint64_t gpa, void *buf, size_t len);
HV_API int hv_vm_mem_write(hv_vm *vm, uint64_t gpa, const void *buf, size_t len);

/* Host pointer for [gpa, gpa+len) if it lies inside one RAM/ROM region, else NULL. The
 * pointer stays valid until the region is unmapped or the VM destroyed. */
HV_API void *hv_vm_mem_ptr(hv_vm *vm, uint64_t gpa, size_t len);

/* MMIO callbacks. Called on the vCPU thread. `size` is 1, 2, 4 or 8; `offset` is relative
 * to the region base. Return 0, or a negative code to make the access fault in the guest
 * (access fault exception on the full backend, guest fault on para). */
struct hv_mmio_ops {
    int (*read)(void *opaque, uint64_t offset, unsigned size, uint64_t *value);
    int (*write)(void *opaque, uint64_t offset, unsigned size, uint64_t value);
};

/* Register an MMIO region. `ops` and `opaque` must outlive the region. With ops == NULL the
 * region exits to the caller of hv_vcpu_run() (HV_EXIT_MMIO) on every access. Both
 * backends: a para guest reaches the region at its guest-physical address (with satp Bare
 * para addresses are physical; under Sv39/Sv48 through its page tables), its loads and
 * stores there trap out of the RAM window and are dispatched the same way. Instruction fetches from MMIO are access faults. */
HV_API int hv_vm_mmio_add(hv_vm *vm, uint64_t gpa, uint64_t size,
                          const struct hv_mmio_ops *ops, void *opaque);

/* Look up `name` in the symbol table of the kernel ELF the VM loaded (cfg.kernel; the table
 * is copied at hv_vm_create, the file is not read again). *addr receives the symbol's value
 * as linked (st_value: a guest-virtual address, for bare-metal and para guests also the
 * physical one; use it with hv_vcpu_set_breakpoint, hv_vcpu_mem_read...), *size its size in
 * bytes (st_size, 0 when the toolchain recorded none); either pointer may be NULL. A global
 * definition wins over local ones of the same name. HV_ENOENT (detail in the last error)
 * when the symbol is not defined, the kernel is a raw image or stripped, or there is none. */
HV_API int hv_vm_symbol(hv_vm *vm, const char *name, uint64_t *addr, uint64_t *size);

/* Host-side name of the VM's serial chardev (cfg.serial): for HV_CHARDEV_PTY the path of
 * the pseudo-terminal libhv created (e.g. "/dev/pts/3": attach a terminal program to it or
 * open it; the guest's console bytes pass unmodified), for FILE and SOCKET their path, else
 * "null", "stdio" or "buffer". Never NULL; valid until the VM is destroyed. Thread-safe. */
HV_API const char *hv_vm_chardev_name(const hv_vm *vm);

/* Feed bytes to the guest's console input (serial UART / para console). Thread-safe. */
HV_API int hv_vm_console_input(hv_vm *vm, const void *data, size_t len);

/* Send a break condition on the console line, as a serial terminal's "break" key does: on
 * the full backend the NS16550A reports it with LSR.BI (and a receiver-line-status
 * interrupt when IER enables one) together with a NUL byte in the RX FIFO, once the input
 * queued before it has been read (Linux turns a break into magic SysRq when enabled). HV_ENOTSUP on the para backend (its console ring has no line). Thread-safe. */
HV_API int hv_vm_console_break(hv_vm *vm);

/* ---- vCPUs ----------------------------------------------------------------------- */

/* Create vCPU `id` (0 .. nr_vcpus-1 of the config). Its registers are at reset state for
 * the board (pc at the reset vector / entry point). The vCPU lives until the VM does. */
HV_API int hv_vcpu_create(hv_vm *vm, unsigned id, hv_vcpu **out);

enum hv_exit_reason {
    HV_EXIT_NONE = 0,
    HV_EXIT_SHUTDOWN = 1,   /* guest powered off; u.shutdown.code is its exit code, 0 or
                               not (SiFive test finisher pass/fail, HTIF, para SRST with
                               the exit-code reason) */
    HV_EXIT_REBOOT = 2,     /* guest asked for a reset (on_reboot = destroy) */
    HV_EXIT_CRASH = 3,      /* guest reported a system failure without an exit code (para
                               SRST reason SYSTEM_FAILURE: u.shutdown.code = 1) */
    HV_EXIT_MMIO = 4,       /* access to an MMIO region without callbacks */
    HV_EXIT_HYPERCALL = 5,  /* para: hypercall no handler claimed */
    HV_EXIT_BUDGET = 6,     /* instruction budget used up; pc is exact */
    HV_EXIT_DEADLINE = 7,   /* virtual-time deadline reached */
    HV_EXIT_BREAKPOINT = 8, /* pc hit a breakpoint set with hv_vcpu_set_breakpoint */
    HV_EXIT_KICK = 9,       /* hv_vcpu_kick() was called */
    HV_EXIT_FAULT = 10,     /* guest fault nobody handles (para without a fault entry or
                               stvec, a para trap handler whose own fetch faults,
                               full: an M-mode trap whose handler address is not
                               executable memory, e.g. mtvec never set: reported with
                               the cause, tval and pc of that trap, which is not taken;
                               a fetch fault at the handler itself) */
    HV_EXIT_HALT = 11,      /* vCPU waits for an interrupt that can never come */
    HV_EXIT_INTERNAL = 12,  /* libhv internal error; see hv_vm_last_error */
    HV_EXIT_HOOK = 13,      /* a hook returned HV_HOOK_STOP (hv/hooks.h) */
    HV_EXIT_WATCHPOINT = 14 /* a watchpoint triggered (hv/hooks.h); exit.u.watch */
};

struct hv_exit {
    enum hv_exit_reason reason;
    uint64_t pc;                 /* guest pc of the next instruction to execute */
    union {
        struct { int code; } shutdown;          /* SHUTDOWN: guest exit code; CRASH: 1 */
        struct {
            uint64_t gpa;
            uint64_t data;       /* write: value written; read: set by the caller */
            unsigned size;       /* 1, 2, 4, 8 */
            int is_write;
        } mmio;                  /* for a read, store the value in mmio.data before the
                                    next hv_vcpu_run() call: the load then completes */
        struct {
            uint64_t eid, fid;   /* a7, a6 */
            uint64_t args[6];    /* a0..a5 */
            int64_t ret_error;   /* set by the caller: returned in a0 */
            uint64_t ret_value;  /* set by the caller: returned in a1 */
        } hypercall;
        struct { uint64_t cause, tval; } fault;
        struct {
            uint64_t addr;       /* the first watched byte the access touched */
            unsigned size;
            int is_write;
        } watch;                 /* WATCHPOINT: the (first) access that triggered */
    } u;
};

/* Run the vCPU on the calling thread until something the caller must see happens or
 * `budget` guest instructions have retired (0 = no budget). Returns 0 and fills `exit`, or a
 * negative code for an API misuse. Devices and hypercalls handled by libhv never exit.
 *
 * Budgets are exact: HV_EXIT_BUDGET comes with exactly `budget` more instructions counted,
 * also while the guest sleeps (WFI, SCHED_OP block/poll: in deterministic mode idle time is
 * counted as instructions; a budget that ends during a sleep stops inside it, and the next
 * run sleeps on) and while it livelocks in a trap handler that faults on its own first
 * instruction (each such trap entry counts as one instruction for budgets and time, not
 * for minstret).
 *
 * Slicing is invisible in deterministic mode: on one vCPU, the same inputs run through
 * calls with any sequence of budgets (say 1, 977, 4093...) reach exactly the state of one
 * uncut run (registers, instret, RAM, devices, console output; tests/unit/test_determinism
 * and the slow tier's Linux boot check it). Exits the embedder answers (MMIO, hypercalls)
 * must be answered the same way; kicks and host-timed input are not inputs of a run. */
HV_API int hv_vcpu_run(hv_vcpu *vcpu, uint64_t budget, struct hv_exit *exit);

/* Make hv_vcpu_run() return HV_EXIT_KICK soon (or immediately on its next call if the vCPU
 * is not running). Safe from any thread and from signal handlers. */
HV_API int hv_vcpu_kick(hv_vcpu *vcpu);

/* Register numbers for hv_vcpu_get_reg / hv_vcpu_set_reg. */
enum hv_reg {
    HV_REG_X0 = 0,            /* x0..x31 = 0..31 */
    HV_REG_PC = 32,
    HV_REG_F0 = 33,           /* f0..f31 = 33..64, raw 64-bit pattern */
    HV_REG_PRIV = 65,         /* privilege level: 0 U, 1 S, 3 M */
    HV_REG_CSR_BASE = 0x1000  /* HV_REG_CSR_BASE + csr number, e.g. + 0x300 = mstatus */
};
#define HV_REG_X(n) ((enum hv_reg)(HV_REG_X0 + (n)))
#define HV_REG_F(n) ((enum hv_reg)(HV_REG_F0 + (n)))
#define HV_REG_CSR(n) ((enum hv_reg)(HV_REG_CSR_BASE + (n)))

/* Read/write one register. Only while the vCPU is not running (HV_EBUSY otherwise). */
HV_API int hv_vcpu_get_reg(hv_vcpu *vcpu, unsigned reg, uint64_t *value);
HV_API int hv_vcpu_set_reg(hv_vcpu *vcpu, unsigned reg, uint64_t value);

/* Statistics; the same meaning on both backends. Counters only ever grow. */
struct hv_stats {
    uint64_t instructions;     /* guest instructions retired */
    uint64_t exits;            /* returns from hv_vcpu_run */
    uint64_t exits_by_reason[16];
    uint64_t mmio_traps;       /* device-register accesses (handled or not) */
    uint64_t hypercalls;
    uint64_t interrupts;       /* interrupts and events delivered to the guest */
    uint64_t exceptions;       /* synchronous traps taken by the guest */
    uint64_t tlb_misses;       /* soft-TLB refills (full backend) */
    uint64_t blocks_translated;   /* translator: blocks translated (0 on the interpreter) */
    /* Translation cost (translator only, 0 on the interpreter): guest instructions in the
     * translated blocks (re-translations after a flush count again) and the host time
     * (CLOCK_MONOTONIC ns) spent translating them; cache flushes are not included. */
    uint64_t insns_translated;
    uint64_t translate_ns;
    /* Translator only: whole code-cache flushes (FENCE.I, writes to translated code, a full
     * cache, breakpoint changes) and instructions it left to the interpreter. */
    uint64_t code_flushes;
    uint64_t interp_steps;
    /* Where host time went (CLOCK_MONOTONIC ns). idle_ns: asleep or spinning while the guest
     * waits for an interrupt or event (WFI; on para also SCHED_OP block/poll), always
     * counted. exit_ns: handling device-register accesses and hypercalls, the idle time
     * inside them excluded; counted only when hv_config.time_exits is set (two clock reads
     * per exit), else 0. The rest of the run is the guest's own execution. */
    uint64_t idle_ns;
    uint64_t exit_ns;
};
HV_API int hv_vcpu_get_stats(hv_vcpu *vcpu, struct hv_stats *stats);

/* All general state of a vCPU at once (hv_vcpu_get_regs / hv_vcpu_set_regs). fcsr is
 * fflags | frm << 5; priv is the privilege level (0 U, 1 S, 3 M; para: 0 U or 1 S). */
struct hv_regs {
    uint64_t x[32];          /* x[0] reads 0; writes to it are ignored */
    uint64_t pc;
    uint64_t f[32];          /* raw 64-bit patterns (singles NaN-boxed) */
    uint64_t fcsr;
    uint64_t priv;
};

/* Read/write every register of struct hv_regs in one call. Only while the vCPU is not
 * running (HV_EBUSY). set_regs validates priv first (HV_EINVAL: nothing is changed). */
HV_API int hv_vcpu_get_regs(hv_vcpu *vcpu, struct hv_regs *regs);
HV_API int hv_vcpu_set_regs(hv_vcpu *vcpu, const struct hv_regs *regs);

/* ---- Embedding hooks: breakpoints, deadlines, hypercall handlers, virtual memory ------- */

#define HV_MAX_BREAKPOINTS 64

/* Breakpoints: hv_vcpu_run returns HV_EXIT_BREAKPOINT with exit.pc = `pc` BEFORE the
 * instruction at guest-virtual address `pc` executes (no guest memory is patched, so the
 * guest cannot see or overwrite them). Running again executes that instruction: a
 * breakpoint at the pc a run starts from is stepped over once when the previous exit was
 * that breakpoint (gdb's step-over); hitting it again later stops again. Setting an
 * existing breakpoint is a no-op; at most HV_MAX_BREAKPOINTS per vCPU (HV_ELIMIT beyond);
 * clearing one that is not set gives HV_ENOENT. Per vCPU; only while it is not running
 * (HV_EBUSY). Both backends, every engine. Single-stepping is hv_vcpu_run(vcpu, 1, &exit)
 * (HV_EXIT_BUDGET after exactly one instruction, or an earlier exit). */
HV_API int hv_vcpu_set_breakpoint(hv_vcpu *vcpu, uint64_t pc);
HV_API int hv_vcpu_clear_breakpoint(hv_vcpu *vcpu, uint64_t pc);

#define HV_DEADLINE_NONE UINT64_MAX

/* Virtual time since the VM was created, in ns (the clock the guest sees as mtime/time,
 * host time or, in deterministic mode, derived from retired instructions). Thread-safe. */
HV_API uint64_t hv_vm_clock_ns(hv_vm *vm);

/* Time budget: hv_vcpu_run returns HV_EXIT_DEADLINE once hv_vm_clock_ns() >= virtual_ns.
 * Checked when the engine polls (at least every few thousand instructions, and while the
 * vCPU sleeps in WFI / SCHED_OP block), so the exit comes slightly after the deadline; pc
 * is exact (the next instruction to execute). One-shot: cleared when it fires.
 * HV_DEADLINE_NONE disarms it. Only while the vCPU is not running (HV_EBUSY). */
HV_API int hv_vcpu_set_deadline(hv_vcpu *vcpu, uint64_t virtual_ns);

/* Translate a guest-virtual address as the vCPU's next data access would see it, without
 * side effects (no A/D updates, no TLB fill, no permission checks: a debugger's view):
 * through satp when paging is on (S/U-mode on either backend; MPRV not considered), else
 * identity (M-mode, satp Bare). HV_EFAULT if unmapped. Only while the vCPU is not running. */
HV_API int hv_vcpu_translate(hv_vcpu *vcpu, uint64_t va, uint64_t *pa);

/* Copy between host buffers and guest memory at guest-VIRTUAL addresses (page by page
 * through hv_vcpu_translate). HV_EFAULT (nothing or a prefix copied) if a page is not
 * mapped. Writes drop cached translations of the code they overwrite. */
HV_API int hv_vcpu_mem_read(hv_vcpu *vcpu, uint64_t va, void *buf, size_t len);
HV_API int hv_vcpu_mem_write(hv_vcpu *vcpu, uint64_t va, const void *buf, size_t len);

/* A guest hypercall (para backend: ECALL with the SBI convention, a7 = eid, a6 = fid). */
struct hv_hypercall {
    uint64_t eid, fid;
    uint64_t args[6];        /* a0..a5 */
    int64_t ret_error;       /* set by a handler that claims the call: returned in a0 */
    uint64_t ret_value;      /* returned in a1 */
};

/* Hypercall handler, called on the vCPU thread while the vCPU counts as running (use the
 * arguments in `call`, guest memory through hv_vm_mem_*; register calls give HV_EBUSY).
 * Return 1 to claim the call (after setting ret_error / ret_value; the guest continues
 * after its ecall), 0 to decline (the next handler, the built-in implementation or an
 * HV_EXIT_HYPERCALL decides). Handlers must not block for long and must not call
 * hv_vcpu_run. */
typedef int (*hv_hypercall_fn)(void *opaque, hv_vcpu *vcpu, struct hv_hypercall *call);

#define HV_HYPERCALL_ANY UINT64_MAX     /* eid: a catch-all handler */
#define HV_MAX_HYPERCALL_HANDLERS 16
enum hv_hypercall_flags {
    /* Also call the handler for an extension libhv implements itself (BASE, TIME, SRST,
     * DBCN, the para extension), before the built-in implementation. */
    HV_HYPERCALL_OVERRIDE = 1
};

/* Register (fn != NULL, replacing any handler for the same eid) or remove (fn == NULL) the
 * embedder's handler for extension `eid` (para backend only; HV_ENOTSUP on full). Order
 * for a call: the eid's own handler, then the HV_HYPERCALL_ANY handler, then libhv's
 * built-in implementation, then HV_EXIT_HYPERCALL. A handler is consulted for an eid libhv
 * implements only with HV_HYPERCALL_OVERRIDE; without it, it serves only eids libhv does
 * not know. BASE probe_extension reports eids that have their own handler as present (the
 * HV_HYPERCALL_ANY catch-all makes no eid present: it may decline anything). Handlers
 * are also called for the entries of a MULTICALL batch. Only while no vCPU runs (HV_EBUSY);
 * at most HV_MAX_HYPERCALL_HANDLERS (HV_ELIMIT). `opaque` must outlive the handler. */
HV_API int hv_vm_set_hypercall_handler(hv_vm *vm, uint64_t eid, hv_hypercall_fn fn,
                                       void *opaque, unsigned flags);

/* ---- GDB remote stub ------------------------------------------------------------------ */

/* A GDB remote-serial-protocol server for one VM, listening on 127.0.0.1 only (it gives
 * full control of the guest: never expose it). It drives the VM's vCPUs itself (creating
 * those not created yet), one gdb thread per vCPU; memory is addressed guest-virtually.
 * The library prints nothing: use hv_gdb_port() to tell the user where to connect.
 *
 * hv_gdb_open: `listen` is "PORT" or "127.0.0.1:PORT"; port 0 picks a free port. */
typedef struct hv_gdb hv_gdb;
HV_API int hv_gdb_open(hv_vm *vm, const char *listen, hv_gdb **out);

/* The TCP port the stub listens on. */
HV_API int hv_gdb_port(const hv_gdb *gdb);

/* Run the VM under the debugger on the calling thread until the guest stops for good
 * (power-off, reboot, crash, unhandled fault, halt, unhandled MMIO, internal error) or gdb
 * kills it ('k': exit.reason = HV_EXIT_KICK). With `wait` non-zero the guest does not run
 * before gdb has connected (it is stopped at its first instruction); otherwise it runs at
 * once and gdb may attach (and detach, resuming the guest) at any time. Ctrl-C in gdb
 * stops the guest. Unclaimed hypercalls are answered NOT_SUPPORTED. Returns 0 with the
 * final exit in *exit, or a negative code (socket errors). */
HV_API int hv_gdb_serve(hv_gdb *gdb, int wait, struct hv_exit *exit);

/* Close the sockets and free the stub. NULL is accepted. Not while hv_gdb_serve runs. */
HV_API void hv_gdb_close(hv_gdb *gdb);

#ifdef __cplusplus
}
#endif
#endif
