/* SPDX-License-Identifier: MIT */
/* libhv full backend — internal header: per-VM board state, per-hart privileged state
 * (the CSR file of RISC-V privileged spec 1.12 for an RV64 M/S/U hart), the board's
 * memory map and the helpers the policy hooks (csr.c, trap.c, mmu.c) share. */
#ifndef HV_FULL_FULL_H
#define HV_FULL_FULL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "core/engine.h"
#include "core/vm.h"
#include "backends/full/devices.h"
#include "priv/priv.h"

/* ---- CSR numbers -------------------------------------------------------------------- */
/* The unprivileged and supervisor CSRs, status/mip bits, envcfg and satp fields are in
 * priv/priv.h (the S/U layer both backends share); M-mode's are here. */
enum {
    CSR_MVENDORID = 0xf11, CSR_MARCHID = 0xf12, CSR_MIMPID = 0xf13, CSR_MHARTID = 0xf14,
    CSR_MCONFIGPTR = 0xf15,
    CSR_MSTATUS = 0x300, CSR_MISA = 0x301, CSR_MEDELEG = 0x302, CSR_MIDELEG = 0x303,
    CSR_MIE = 0x304, CSR_MTVEC = 0x305, CSR_MCOUNTEREN = 0x306, CSR_MENVCFG = 0x30a,
    CSR_MCOUNTINHIBIT = 0x320, CSR_MHPMEVENT3 = 0x323, CSR_MHPMEVENT31 = 0x33f,
    CSR_MSCRATCH = 0x340, CSR_MEPC = 0x341, CSR_MCAUSE = 0x342, CSR_MTVAL = 0x343,
    CSR_MIP = 0x344,
    CSR_PMPCFG0 = 0x3a0, CSR_PMPCFG15 = 0x3af, CSR_PMPADDR0 = 0x3b0, CSR_PMPADDR63 = 0x3ef,
    CSR_MCYCLE = 0xb00, CSR_MINSTRET = 0xb02, CSR_MHPMCOUNTER3 = 0xb03,
    CSR_MHPMCOUNTER31 = 0xb1f,
    CSR_TSELECT = 0x7a0, CSR_TDATA1 = 0x7a1, CSR_TDATA2 = 0x7a2, CSR_TDATA3 = 0x7a3,
    CSR_TINFO = 0x7a4, CSR_TCONTROL = 0x7a5
};

/* ---- Sdtrig (csr.c): address-match triggers with action 0 ---------------------------- */
#define HVF_TRIGGERS 4
#define TCONTROL_MTE  (1ull << 3)
#define TCONTROL_MPTE (1ull << 7)

/* ---- mstatus: the M-only write mask (the bits are in priv/priv.h) ------------------ */
/* Bits software can change through mstatus / sstatus (the rest is fixed or computed). */
#define MSTATUS_WMASK (MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP | \
                       MSTATUS_MPP | MSTATUS_FS | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | \
                       MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR)

/* ---- interrupts ---------------------------------------------------------------------- */
#define MIP_ALL (MIP_S_BITS | MIP_MSIP | MIP_MTIP | MIP_MEIP)

/* medeleg: every implemented synchronous cause except ECALL from M (11). */
#define MEDELEG_WMASK ((1ull << 0) | (1ull << 1) | (1ull << 2) | (1ull << 3) | (1ull << 4) | \
                       (1ull << 5) | (1ull << 6) | (1ull << 7) | (1ull << 8) | (1ull << 9) | \
                       (1ull << 12) | (1ull << 13) | (1ull << 15))

/* misa: MXL = 64, extensions A C D F I M S U. Writes are ignored (WARL: misa is fixed, the
 * hart cannot switch extensions off). */
#define MISA_VALUE ((2ull << 62) | (1u << 0) | (1u << 2) | (1u << 3) | (1u << 5) | \
                    (1u << 8) | (1u << 12) | (1u << 18) | (1u << 20))

#define HVF_PMP_ENTRIES 64

/* ---- state ----------------------------------------------------------------------------- */

struct hvf_board;


struct hvf_hart {
    struct hv_vcpu *vcpu;
    struct hvf_board *board;
    unsigned id;

    /* The S/U state (priv/priv.h): s.status is all of mstatus (without SD/UXL/SXL,
     * computed on read), s.ie is mie, s.ip_sw the software-writable SSIP, STIP, SEIP. */
    struct hv_priv_s s;
    uint64_t medeleg, mideleg;
    uint64_t mtvec, mepc, mcause, mtval, mscratch;
    uint64_t mcounteren, mcountinhibit, menvcfg, stimecmp;
    uint64_t cycle_off, instret_off;       /* counter = cpu->instret + off (not inhibited) */
    uint64_t cycle_frozen, instret_frozen; /* value while inhibited */
    uint8_t pmpcfg[HVF_PMP_ENTRIES];
    uint64_t pmpaddr[HVF_PMP_ENTRIES];
    /* Sdtrig: tdata1 legalised (type 2, 6 or 15 = disabled), tdata2 the compare value;
     * compiled into vcpu->cpu.watch by hvf_trig_sync. */
    uint64_t tselect, tcontrol;
    uint64_t tdata1[HVF_TRIGGERS], tdata2[HVF_TRIGGERS];

    _Atomic uint64_t hw_ip;    /* MSIP, MEIP, SEIP (line) driven by devices, any thread */
    _Atomic uint32_t wake;     /* futex word: bumped to wake a WFI sleeper */

    struct hv__mmio_pending mmio;
};

struct hv_net;
struct hv_netdev;

#define HVF_NR_VIRTIO HVF_VIRTIO_SLOTS

struct hvf_board {
    struct hv_vm *vm;
    uint64_t tohost, fromhost;                 /* HTIF symbol addresses, 0 if absent */
    uint64_t entry;                            /* where harts start (pc after reset) */
    uint64_t dtb_addr;                         /* a1 at reset; 0: no device tree */
    _Atomic uint64_t mtimecmp[HV_MAX_VCPUS];
    _Atomic int64_t mtime_off;                 /* mtime = clock ticks + off (mtime writes) */
    struct hvf_hart *harts[HV_MAX_VCPUS];
    /* Devices: state of instance i of row d of the device table (devices.h), created by
     * hvf_platform_create. The PLIC is also kept typed: the other rows wire to it. */
    void *dev[HVF_NR_DEVICES][HVF_DEV_MAX_INSTANCES];
    struct hvf_plic *plic;
    uint8_t virtio_populated;                  /* bit i: slot i has a device */
    struct hv_net *net;
    struct hv_netdev *netdevs[HV_MAX_NICS];
    /* MEIP/SEIP levels driven by the PLIC, per hart: kept here so that a hart created
     * after its line went high still sees it (hvf_platform_sync_hart). */
    _Atomic uint64_t ext_ip[HV_MAX_VCPUS];
    /* Device polling (hvf_platform_poll): host ns or, deterministic, hart 0's instret of
     * the next poll. */
    _Atomic uint64_t next_dev_poll;
    /* A device has input from another thread (virtio-net frames): the next poll runs now,
     * not at the end of the poll period (hvf_board_poll_soon). */
    _Atomic bool poll_now;
    /* True once a device that can raise MEIP/SEIP (an interrupt controller) is wired:
     * WFI then never reports HV_EXIT_HALT while external interrupts are enabled. */
    bool ext_irq_sources;
    /* A board-wide stop (test device / HTIF from any hart): reason + code, 0 = none. */
    _Atomic int stop_reason;
    _Atomic int stop_code;
};

static inline struct hvf_hart *hvf_hart_of(struct hv_cpu *cpu)
{
    return (struct hvf_hart *)cpu->backend;
}

static inline struct hv_vm *hvf_vm_of(struct hv_cpu *cpu)
{
    return hvf_hart_of(cpu)->board->vm;
}

/* ---- shared helpers (defined in the named files) ------------------------------------- */

/* clint.c */
uint64_t hvf_mtime(const struct hvf_board *b);
/* Set/clear a device-driven mip bit of a hart and wake it (any thread). */
void hvf_set_hw_irq(struct hvf_hart *h, uint64_t bit, bool level);
/* Wake a hart sleeping in WFI and make its engine poll (any thread). */
void hvf_hart_wake(struct hvf_hart *h);
/* From any thread: poll the devices at the next chance and wake every hart. */
void hvf_board_poll_soon(struct hvf_board *b);

/* csr.c */
uint64_t hvf_mip_read(struct hvf_hart *h);
uint64_t hvf_mstatus_read(const struct hvf_hart *h);
/* Raw access without privilege checks (debugger / hv_vcpu_get_reg). */
int hvf_csr_get(struct hvf_hart *h, unsigned csr, uint64_t *val);
int hvf_csr_set(struct hvf_hart *h, unsigned csr, uint64_t val);
int hvf_csr_read(struct hv_cpu *cpu, unsigned csr, uint64_t *val);
int hvf_csr_write(struct hv_cpu *cpu, unsigned csr, uint64_t val);
int hvf_fp_check(struct hv_cpu *cpu, bool writes_fp_state);
void hvf_hart_reset(struct hvf_hart *h);
/* Recompile the hart's triggers into vcpu->cpu.watch (after tdata/tcontrol writes, trap
 * entry into M and MRET, which move tcontrol.mte, and snapshot loads). */
void hvf_trig_sync(struct hvf_hart *h);

/* trap.c */
int hvf_take_trap(struct hv_cpu *cpu);
int hvf_system(struct hv_cpu *cpu, const struct hv_insn *insn);
int hvf_poll(struct hv_cpu *cpu);
/* The highest-priority interrupt that may be taken now, or -1. */
int hvf_pending_irq(struct hvf_hart *h);

/* mmu.c */
/* policy->data_flat: M-mode data accesses (MPRV clear, or MPP = M) are untranslated, and
 * PMP is storage only (csr.c), so main RAM is readable as it is. */
bool hvf_data_flat(struct hv_cpu *cpu);
int hvf_tlb_fill(struct hv_cpu *cpu, uint64_t va, enum hv_access acc, uint64_t *mmio_pa,
                 bool *is_mmio);
int hvf_mmio(struct hv_cpu *cpu, uint64_t pa, unsigned size, uint64_t *val, bool write);
void hvf_code_written(struct hv_cpu *cpu, uint64_t pa, uint64_t len);
/* Effective privilege for data accesses (MPRV). */
static inline unsigned hvf_data_priv(const struct hvf_hart *h, const struct hv_cpu *cpu)
{
    if (cpu->priv == HV_PRIV_M && (h->s.status & MSTATUS_MPRV))
        return (unsigned)((h->s.status & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT);
    return cpu->priv;
}

/* Is physical address pa executable guest memory (RAM/ROM with HV_MEM_EXEC)? */
static inline bool hvf_executable(struct hvf_board *b, uint64_t pa)
{
    const struct hv_region *r = hv__mem_find(&b->vm->mem, pa);
    return r && r->host && (r->flags & HV_MEM_EXEC);
}

/* htif.c */
int hvf_htif_write(struct hv_cpu *cpu, uint64_t pa, unsigned size, uint64_t val);
static inline bool hvf_htif_page(const struct hvf_board *b, uint64_t pa)
{
    return b->tohost && (pa >> 12) == (b->tohost >> 12);
}

/* platform.c: the devices of devices.h wired to the harts. */
int hvf_platform_create(struct hvf_board *b, char *err, size_t errlen);
/* Tear the devices down (rows backwards) and, with `unmap`, remove their windows from the
 * memory map (a board reset, which creates them again; at VM teardown the map goes away
 * with the VM, after the vCPUs). Returns the first unmap failure. */
int hvf_platform_destroy(struct hvf_board *b, bool unmap, char *err, size_t errlen);
/* The PLIC's context outputs (struct hv_irq_line .set; opaque = board): context 2h drives
 * MEIP of hart h, 2h+1 its SEIP. */
void hvf_platform_ext_irq(void *opaque, unsigned ctx, int level);
/* The virtio slot i (its state in the device table). */
static inline struct hvf_virtio *hvf_board_virtio(const struct hvf_board *b, unsigned i)
{
    return b->dev[HVF_DEV_virtio][i];
}
/* Apply the board's recorded MEIP/SEIP levels to a (newly created) hart. */
void hvf_platform_sync_hart(struct hvf_board *b, unsigned id);
/* Poll the devices (host input, alarms, received frames) if one is due; `force` polls
 * now. Called from the poll hook and the WFI sleep loop of any hart. */
void hvf_platform_poll(struct hvf_hart *h, bool force);
/* The instret at which hart h next has to poll devices (deterministic mode), or
 * UINT64_MAX. */
uint64_t hvf_platform_next_poll_insn(struct hvf_hart *h);
/* Longest a WFI may sleep (ns) before devices need polling again (RTC alarm, host input
 * that does not wake harts), UINT64_MAX: no bound. */
uint64_t hvf_platform_sleep_bound_ns(struct hvf_board *b);

/* boot.c: MROM, boot images, device tree. */
int hvf_boot_load(struct hvf_board *b);

/* board.c */
extern const struct hv_cpu_policy hvf_policy;
/* Ask every hart to stop with reason/code (test device, HTIF). */
void hvf_board_stop(struct hvf_board *b, enum hv_exit_reason reason, int code);

#endif
