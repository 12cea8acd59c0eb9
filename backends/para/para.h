/* SPDX-License-Identifier: MIT */
/* libhv para backend — internal header: per-VM platform state (reserved area, event-channel
 * ports, PV devices), per-vCPU state (callbacks, frames, timer, sleep/wake), and the
 * helpers the files of this backend share. The guest-visible layout is include/hv/para.h;
 * the specification is docs/PARA-ABI.md. */
#ifndef HV_PARA_PARA_H
#define HV_PARA_PARA_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "core/engine.h"
#include "core/vm.h"
#include "hv/para.h"
#include "priv/priv.h"

#define HVP_RAM_BASE 0x80000000ull

/* SBI HSM hart states (the SBI spec's numbering, returned by hart_get_status). */
enum {
    HVP_HSM_STARTED = 0,
    HVP_HSM_STOPPED = 1,
    HVP_HSM_START_PENDING = 2,
    HVP_HSM_STOP_PENDING = 3,
    HVP_HSM_SUSPENDED = 4,
};

/* Remote fences requested by SBI RFENCE, done by the target hart at its next poll. */
#define HVP_FENCE_I 1u                  /* drop translated/decoded code */
#define HVP_FENCE_VMA 2u                /* flush the soft-TLB */

/* ---- event-channel ports ---------------------------------------------------------------- */
struct hvp_port {
    uint8_t state;              /* HVP_PORT_* */
    uint8_t vcpu;               /* vCPU whose upcall the port raises */
    uint16_t detail;            /* virq number / device id */
};

/* ---- PV devices -------------------------------------------------------------------------- */
struct hvp_vm;
struct hvp_vcpu;
struct hvp_dev;

/* A PV device front-end: how a connected ring is serviced. Block and net plug in here. */
struct hvp_dev_ops {
    uint16_t type;                  /* HVP_DEV_* */
    uint32_t max_order;             /* largest ring order accepted by RING_CONNECT */
    /* The guest kicked the device's port (NOTIFY / EVTCHN SEND). Runs on that vCPU. */
    void (*notify)(struct hvp_vcpu *h, struct hvp_dev *d);
    /* Periodic service from the vCPU's poll (host-side input). May be NULL. */
    void (*poll)(struct hvp_vcpu *h, struct hvp_dev *d);
    /* Can the host side raise the device's port asynchronously (input)? May be NULL. */
    bool (*can_wake)(struct hvp_vm *pv, const struct hvp_dev *d);
    /* RING_CONNECT succeeded (d->lock held): reset the back-end's ring state. May be NULL. */
    void (*connect)(struct hvp_vm *pv, struct hvp_dev *d);
    /* VM teardown: free d->priv. May be NULL. */
    void (*fini)(struct hvp_dev *d);
    /* A snapshot or checkpoint was loaded (d->lock held): drop state that is not part of
     * it (snapshot.c). May be NULL. */
    void (*restored)(struct hvp_dev *d);
};

struct hvp_dev {
    const struct hvp_dev_ops *ops;
    uint16_t id;
    uint64_t ring_gpa;              /* 0: not connected */
    uint32_t order;
    uint32_t port;
    pthread_mutex_t lock;           /* serialises ring service between vCPUs */
    /* Generic rings (block, net; ring.c): the back-end's private indices, never read back
     * from guest memory, and the broken flag set by a protocol violation (cleared by the
     * next RING_CONNECT). */
    uint32_t req_cons, rsp_prod;
    bool broken;
    void *priv;                     /* front-end state (blkback.c, netback.c) */
};

/* The back-end's view of a connected generic ring (ring.c). */
struct hvp_bring {
    struct hvp_ring_hdr *hdr;
    uint8_t *slots;
    uint32_t nr;                    /* slots, a power of two */
    uint32_t slot_size;
};

/* ---- per VM ----------------------------------------------------------------------------- */
struct hvp_vm {
    struct hv_vm *vm;
    uint64_t ram_size;
    uint64_t reserved_base;         /* start of the hypervisor-owned area at top of RAM */
    uint64_t start_gpa, shared_gpa, console_gpa;
    uint64_t entry;
    struct hvp_start_info start;    /* authoritative copy (GET_START_INFO) */

    pthread_mutex_t lock;           /* ports[], virq[], device connections */
    struct hvp_port ports[HVP_NR_PORTS];
    uint16_t virq[HV_MAX_VCPUS][HVP_NR_VIRQS];    /* bound port or 0 */
    struct hvp_dev devs[HVP_MAX_DEVICES];
    unsigned nr_devs;
    struct hv_net *net;             /* this VM's network fabric (NICs), NULL without NICs */
    uint64_t poll_sleep_ns;         /* non-zero: longest sleep, because a back-end (user
                                     * networking) only delivers when the devices are polled */

    struct hvp_vcpu *vcpus[HV_MAX_VCPUS];
    /* The Linux boot protocol (boot.c): hart 0 enters S-mode at the kernel with a0 = 0 and
     * a1 = the device tree; the other harts stay STOPPED until SBI HSM hart_start. False:
     * ABI 1.x SDK guests, every vCPU starts at the entry with a1 = start-info. */
    bool linux_boot;
    uint64_t fdt_gpa;               /* linux_boot: where the device tree is */
    _Atomic int stop_reason;        /* VM-wide stop requested by SRST (0 = none) */
    _Atomic int stop_code;
};

/* ---- per vCPU --------------------------------------------------------------------------- */
struct hvp_vcpu {
    struct hv_vcpu *vcpu;
    struct hvp_vm *pv;
    unsigned id;

    uint64_t event_entry, fault_entry;   /* 0: none */
    bool in_upcall, in_fault;
    uint64_t timer_deadline;             /* absolute ticks, UINT64_MAX: disarmed */
    uint64_t stimecmp;                   /* Sstc: the last deadline armed (SBI TIME or the
                                          * stimecmp CSR), what stimecmp reads */
    bool hcall_pending;                  /* an HV_EXIT_HYPERCALL awaits the embedder */
    struct hv__mmio_pending mmio;        /* an HV_EXIT_MMIO access awaiting completion */
    bool jump_pending;                   /* see hvp_jump() */
    uint64_t jump_pc;
    unsigned polls;

    _Atomic uint32_t wake;               /* futex word (core/wait.h): SCHED_OP block/poll */
    /* The virtual S/U-mode (priv/priv.h; smode.c): every interrupt is S-level (no M-mode,
     * nothing to delegate), s.status holds the sstatus bits with FS fixed at Dirty, s.ip_sw
     * the SSIP written through sip. */
    struct hv_priv_s s;
    _Atomic uint64_t sip_hw;  /* SSIP/STIP raised by SBI IPI / TIME (mip bit positions) */
    /* SBI HSM (sbi.c): the hart's state (HVP_HSM_*; transitions under pv->lock), where a
     * START_PENDING hart begins (pc, a1 = opaque), remote fences to do at the next poll,
     * and `parked`: hart_stop ended the engine run, vcpu_run goes back to sleep. */
    _Atomic uint32_t hsm;
    uint64_t hsm_pc, hsm_opaque;
    _Atomic uint32_t fence_req;          /* HVP_FENCE_* */
    _Atomic bool in_run;                 /* inside vcpu_run: it will answer fence_req */
    bool parked;
    /* This vCPU's copy of hvp_policy (cpu.policy points here) with the translator's direct
     * RAM window filled in (hvp_policy_sync). Per vCPU so that switching direct mode on or
     * off at run entry never changes a policy another vCPU's translator is reading. */
    struct hv_cpu_policy policy;
};

static inline struct hvp_vcpu *hvp_of(struct hv_cpu *cpu)
{
    return (struct hvp_vcpu *)cpu->backend;
}

/* ---- guest memory helpers ---------------------------------------------------------------- */

/* Host pointer for [gpa, gpa+len) inside guest RAM (overflow-safe), else NULL. */
static inline void *hvp_ram(struct hvp_vm *pv, uint64_t gpa, uint64_t len)
{
    if (len == 0 || gpa + len < gpa)
        return NULL;
    return hv__mem_hva(&pv->vm->mem, gpa, len);
}

static inline struct hvp_shared_info *hvp_shared(struct hvp_vm *pv)
{
    return hvp_ram(pv, pv->shared_gpa, HVP_SHARED_INFO_SIZE);
}

static inline struct hvp_vcpu_info *hvp_vinfo(struct hvp_vm *pv, unsigned vcpu)
{
    struct hvp_shared_info *sh = hvp_shared(pv);
    return sh ? &sh->vcpu[vcpu] : NULL;
}

/* ---- shared helpers (defined in the named files) --------------------------------------- */

/* policy.c */
extern const struct hv_cpu_policy hvp_policy;
/* At run entry: the translator's direct RAM access is on (va - RAM base bounds-checked,
 * then host = RAM + offset, no soft-TLB) unless a checkpoint needs the dirty log, which only
 * soft-TLB stores feed. A change flushes the vCPU's translated code (it embeds the mode). */
void hvp_policy_sync(struct hvp_vcpu *h);
/* Deliver a pending event upcall now if allowed; true if delivered. */
bool hvp_try_upcall(struct hvp_vcpu *h);
/* Transfer control to pc from a system() hook (works even when pc == the ecall's pc). */
int hvp_jump(struct hvp_vcpu *h, uint64_t pc);
/* Fire the armed timer if its deadline passed; true if it fired. */
bool hvp_timer_check(struct hvp_vcpu *h);

/* smode.c: the virtual S/U-mode. */
/* Reset state: S-mode, satp Bare, sstatus.SIE = 0 (FS Dirty), sie = 0, stvec = 0. */
void hvp_smode_reset(struct hvp_vcpu *h);
/* sip: SSIP (written by S, or SBI IPI), STIP (SBI TIME), SEIP = the level "upcall pending
 * and not masked" of this vCPU's shared-info slot. */
uint64_t hvp_sip(struct hvp_vcpu *h);
/* Take the highest enabled pending S interrupt now (sie, and SIE unless in U); true if
 * one was taken. Cheap when sie is 0 (every ABI 1.x guest). */
bool hvp_s_interrupt(struct hvp_vcpu *h);
/* A synchronous exception taken architecturally into S (sepc = cpu->pc). */
int hvp_s_trap(struct hvp_vcpu *h, uint64_t cause, uint64_t tval);
/* The policy hooks: CSRs, SRET/WFI/SFENCE, and tlb_fill with paging on. */
int hvp_csr_read(struct hv_cpu *cpu, unsigned csr, uint64_t *val);
int hvp_csr_write(struct hv_cpu *cpu, unsigned csr, uint64_t val);
int hvp_s_system(struct hv_cpu *cpu, const struct hv_insn *insn);
int hvp_s_tlb_fill(struct hv_cpu *cpu, uint64_t va, enum hv_access acc, uint64_t *mmio_pa,
                   bool *is_mmio);
/* Raw CSR access for hv_vcpu_get_reg / set_reg (no privilege checks). 0 or HV_ENOENT. */
int hvp_csr_get(struct hvp_vcpu *h, unsigned csr, uint64_t *val);
int hvp_csr_set(struct hvp_vcpu *h, unsigned csr, uint64_t val);
/* sbi.c */
/* Arm the vCPU's timer at absolute tick `deadline` (SBI TIME set_timer, a stimecmp write):
 * STIP drops, and rises again when the clock reaches the deadline (hvp_timer_check), the
 * level "time >= stimecmp" of Sstc. hcall.c. */
void hvp_timer_arm(struct hvp_vcpu *h, uint64_t deadline);

/* Atomically set (level) or clear bits of h->sip_hw (MIP_SSIP/STIP), then hvp_wake. */
void hvp_set_sip(struct hvp_vcpu *h, uint64_t bits, bool level);
/* The same from h's own thread (its poll, sleep or hypercall, which deliver the interrupt
 * themselves): no wake-up, so that no extra poll happens where the two engines would place
 * it differently (deterministic runs stay identical across engines). */
void hvp_set_sip_self(struct hvp_vcpu *h, uint64_t bits, bool level);
/* At the hart's poll: do the remote fences other harts asked for. */
void hvp_sbi_poll(struct hvp_vcpu *h);
/* Enter S-mode at pc with a0 = hart id, a1 = arg, satp = 0, sstatus.SIE = 0 (HSM start, the
 * Linux boot protocol's hart 0). */
void hvp_enter_kernel(struct hvp_vcpu *h, uint64_t pc, uint64_t arg);
/* vcpu_run of a hart that is not STARTED: sleep until hart_start (then enter the kernel and
 * return 0: run it), or a kick / VM stop / deadline (an exit recorded, returns 1). */
int hvp_hsm_wait(struct hvp_vcpu *h);

/* boot.c: the Linux boot protocol (initrd and the generated device tree above the kernel).
 * hvp_boot_linux: a raw kernel, loaded at RAM + text_offset if it is a kernel Image (or at
 * RAM + 2 MiB when `force`d); returns 1 (pv->linux_boot set), 0 when it is not an Image
 * and not forced (the caller loads it the ABI 1.x way), or a negative HV_E* code.
 * hvp_boot_linux_loaded: the same for a kernel already loaded at [start, end) (an ELF). */
int hvp_boot_linux(struct hvp_vm *pv, const void *image, size_t len, bool force);
int hvp_boot_linux_loaded(struct hvp_vm *pv, uint64_t entry, uint64_t start, uint64_t end);
int hvp_fdt_build(struct hvp_vm *pv, uint64_t initrd_start, uint64_t initrd_end,
                  void **blob, size_t *size);

/* hcall.c: ECALL entry point (cpu->pc at the ecall). */
int hvp_hypercall(struct hvp_vcpu *h);

/* evtchn.c */
int hvp_evtchn_op(struct hvp_vcpu *h, uint64_t op, const uint64_t *a, uint64_t *value);
/* Make port pending and notify its vCPU (any thread). Returns 0 or an SBI error. */
int hvp_evtchn_raise(struct hvp_vm *pv, uint32_t port);
void hvp_raise_virq(struct hvp_vcpu *h, unsigned virq);
/* Guest kick on port: device ports notify their back-end, others become pending. */
int hvp_evtchn_send(struct hvp_vcpu *h, uint64_t port);
/* Allocate a port in `state` for vcpu (pv->lock held); 0 when none is free. */
uint32_t hvp_port_alloc_locked(struct hvp_vm *pv, uint8_t state, unsigned vcpu,
                               uint16_t detail);
bool hvp_port_pending(struct hvp_vm *pv, uint32_t port);
/* Is there an unmasked port whose host side can raise it asynchronously? */
bool hvp_async_wakers(struct hvp_vcpu *h, bool masked_too);

/* sched.c */
/* hvp_sched_op's answer when the run's budget ended a deterministic sleep: the exit is
 * recorded and the ECALL must not retire (it executes again on resume). */
#define HVP_STEP_AGAIN 3
int hvp_sched_op(struct hvp_vcpu *h, uint64_t op, const uint64_t *a, bool batch,
                 int64_t *error, uint64_t *value);
/* WFI in S-mode: sleep until an S interrupt is pending and enabled in sie (whatever
 * sstatus.SIE), a kick, a stop or the run's deadline; HV_EXIT_HALT when nothing could ever
 * wake the vCPU. */
int hvp_wfi(struct hvp_vcpu *h);
void hvp_wake(struct hvp_vcpu *h);

/* devices.c */
int hvp_devices_init(struct hvp_vm *pv, char *err, size_t errlen);
void hvp_devices_fini(struct hvp_vm *pv);
int hvp_ring_connect(struct hvp_vcpu *h, const uint64_t *a);
void hvp_devices_poll(struct hvp_vcpu *h);
/* Console output of the guest (DBCN and the console ring). */
void hvp_console_out(struct hvp_vm *pv, const void *buf, size_t len);
/* Append a device to the table (before the guest runs); NULL when full. */
struct hvp_dev *hvp_device_add(struct hvp_vm *pv, const struct hvp_dev_ops *ops);
/* Copy a device's connection state into start-info's device list. */
void hvp_device_publish(struct hvp_vm *pv, const struct hvp_dev *d);

/* ring.c: the generic request/response ring, back-end side (Xen ring.h semantics). */
bool hvp_ring_map(struct hvp_vm *pv, const struct hvp_dev *d, uint32_t slot_size,
                  struct hvp_bring *r);
/* Requests published and not yet consumed; -1 if req_prod is not within one ring of
 * req_cons (a protocol violation: the caller breaks the device). */
int64_t hvp_ring_pending(const struct hvp_dev *d, const struct hvp_bring *r);
static inline void *hvp_ring_slot(const struct hvp_bring *r, uint32_t idx)
{
    return r->slots + (size_t)(idx & (r->nr - 1)) * r->slot_size;
}
/* Nothing left: ask for a notification at the next request (req_event = cons + 1), then
 * re-check; true if requests arrived meanwhile. */
bool hvp_ring_final_check(struct hvp_dev *d, const struct hvp_bring *r);
/* Publish responses produced since old_rsp_prod; true if the guest asked to be notified. */
bool hvp_ring_push(struct hvp_vm *pv, struct hvp_dev *d, const struct hvp_bring *r,
                   uint32_t old_rsp_prod);
/* Mark the device broken (logged once); it ignores its ring until reconnected. */
void hvp_ring_break(struct hvp_vm *pv, struct hvp_dev *d, const char *why);
/* The generic connect hook: back-end indices to 0, req_event = 1, not broken. */
void hvp_ring_reset(struct hvp_vm *pv, struct hvp_dev *d);

/* snapshot.c: the backend ops' snapshot hooks (core/vm.h). */
int hvp_snapshot_save(struct hv_vm *vm, struct hv_snap_w *w);
int hvp_snapshot_load(struct hv_vm *vm, const struct hv_snap_index *idx, char *err,
                      size_t errlen);
void hvp_snapshot_host_pages(struct hv_vm *vm);

/* blkback.c / netback.c: add the VM's disks / NICs to the device table. */
int hvp_blkback_init(struct hvp_vm *pv, char *err, size_t errlen);
int hvp_netback_init(struct hvp_vm *pv, char *err, size_t errlen);

#endif
