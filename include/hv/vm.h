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
 * region exits to the caller of hv_vcpu_run() (HV_EXIT_MMIO) on every access. */
HV_API int hv_vm_mmio_add(hv_vm *vm, uint64_t gpa, uint64_t size,
                          const struct hv_mmio_ops *ops, void *opaque);

/* Feed bytes to the guest's console input (serial UART / para console). Thread-safe. */
HV_API int hv_vm_console_input(hv_vm *vm, const void *data, size_t len);

/* ---- vCPUs ----------------------------------------------------------------------- */

/* Create vCPU `id` (0 .. nr_vcpus-1 of the config). Its registers are at reset state for
 * the board (pc at the reset vector / entry point). The vCPU lives until the VM does. */
HV_API int hv_vcpu_create(hv_vm *vm, unsigned id, hv_vcpu **out);

enum hv_exit_reason {
    HV_EXIT_NONE = 0,
    HV_EXIT_SHUTDOWN = 1,   /* guest powered off; exit.code holds its exit code */
    HV_EXIT_REBOOT = 2,     /* guest asked for a reset (on_reboot = destroy) */
    HV_EXIT_CRASH = 3,      /* guest reported failure or crashed (on_crash = destroy) */
    HV_EXIT_MMIO = 4,       /* access to an MMIO region without callbacks */
    HV_EXIT_HYPERCALL = 5,  /* para: hypercall no handler claimed */
    HV_EXIT_BUDGET = 6,     /* instruction budget used up; pc is exact */
    HV_EXIT_DEADLINE = 7,   /* virtual-time deadline reached */
    HV_EXIT_BREAKPOINT = 8, /* pc hit a breakpoint set with hv_vcpu_set_breakpoint */
    HV_EXIT_KICK = 9,       /* hv_vcpu_kick() was called */
    HV_EXIT_FAULT = 10,     /* guest fault nobody handles (para without a fault entry,
                               full: trap with no handler, double fault) */
    HV_EXIT_HALT = 11,      /* vCPU waits for an interrupt that can never come */
    HV_EXIT_INTERNAL = 12   /* libhv internal error; see hv_vm_last_error */
};

struct hv_exit {
    enum hv_exit_reason reason;
    uint64_t pc;                 /* guest pc of the next instruction to execute */
    union {
        struct { int code; } shutdown;          /* SHUTDOWN, CRASH: guest exit code */
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
    } u;
};

/* Run the vCPU on the calling thread until something the caller must see happens or
 * `budget` guest instructions have retired (0 = no budget). Returns 0 and fills `exit`, or a
 * negative code for an API misuse. Devices and hypercalls handled by libhv never exit. */
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
    uint64_t blocks_translated;
};
HV_API int hv_vcpu_get_stats(hv_vcpu *vcpu, struct hv_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
