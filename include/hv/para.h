/* SPDX-License-Identifier: MIT */
/* libhv — the para ABI: what a guest built for the para backend (HV_BACKEND_PARA) may rely
 * on. Freestanding C11 (fixed-width integer types only): the same header is compiled into
 * guests (riscv64-unknown-elf-gcc -ffreestanding) and into libhv. docs/PARA-ABI.md is the
 * prose specification; this header is its normative data layout. All structures are
 * little-endian, naturally aligned, and their sizes/offsets are checked below.
 *
 * Calling convention (SBI, unchanged): `ecall` with a7 = extension id (EID), a6 = function
 * id (FID), arguments in a0..a5. The hypervisor returns `sbiret` in a0 (error: 0 or a
 * negative HVP_SBI_ERR_*) and a1 (value). No other register changes (except for the calls
 * that transfer control: EVENT_RETURN restores a saved frame). */
#ifndef HV_PARA_H
#define HV_PARA_H

#include <stddef.h>
#include <stdint.h>

/* ---- versioning ------------------------------------------------------------------------ */

/* major << 16 | minor. A guest checks start_info.abi_version >> 16 == HVP_ABI_MAJOR; a new
 * minor only adds (functions, fields in reserved space, device types). */
#define HVP_ABI_MAJOR 1u
#define HVP_ABI_MINOR 2u           /* 1.1: block and net devices; 1.2: virtual S/U-mode, SBI
                                       for S-mode kernels (IPI, RFENCE, HSM, legacy), the
                                       Linux boot protocol */
#define HVP_ABI_VERSION ((HVP_ABI_MAJOR << 16) | HVP_ABI_MINOR)

/* ---- SBI error codes (sbiret.error) ------------------------------------------------------ */
#define HVP_SBI_SUCCESS                 0
#define HVP_SBI_ERR_FAILED             (-1)
#define HVP_SBI_ERR_NOT_SUPPORTED      (-2)
#define HVP_SBI_ERR_INVALID_PARAM      (-3)
#define HVP_SBI_ERR_DENIED             (-4)
#define HVP_SBI_ERR_INVALID_ADDRESS    (-5)
#define HVP_SBI_ERR_ALREADY_AVAILABLE  (-6)
#define HVP_SBI_ERR_ALREADY_STARTED    (-7)
#define HVP_SBI_ERR_ALREADY_STOPPED    (-8)
#define HVP_SBI_ERR_NO_SHMEM           (-9)
#define HVP_SBI_ERR_INVALID_STATE      (-10)
#define HVP_SBI_ERR_BAD_RANGE          (-11)
#define HVP_SBI_ERR_TIMEOUT            (-12)

/* ---- standard SBI extensions used ------------------------------------------------------ */
#define HVP_EID_BASE 0x10u
#define HVP_BASE_GET_SPEC_VERSION  0u   /* value = 2.0 = (2 << 24) | 0 */
#define HVP_BASE_GET_IMPL_ID       1u   /* value = HVP_SBI_IMPL_ID */
#define HVP_BASE_GET_IMPL_VERSION  2u   /* value = libhv version (major*10000+minor*100+patch) */
#define HVP_BASE_PROBE_EXTENSION   3u   /* a0 = EID; value = 1 implemented, 0 not */
#define HVP_BASE_GET_MVENDORID     4u   /* value = 0 */
#define HVP_BASE_GET_MARCHID       5u   /* value = 0 */
#define HVP_BASE_GET_MIMPID        6u   /* value = 0 */
#define HVP_SBI_SPEC_VERSION ((2u << 24) | 0u)
/* Implementation id of libhv's SBI ("HV" in ASCII). Not in the SBI registry: chosen well
 * away from the registered ids (0..~12) so it cannot collide with one. */
#define HVP_SBI_IMPL_ID 0x4856u

#define HVP_EID_TIME 0x54494D45u
#define HVP_TIME_SET_TIMER 0u           /* a0 = absolute deadline in timebase ticks;
                                           UINT64_MAX disarms */

#define HVP_EID_SRST 0x53525354u
#define HVP_SRST_SYSTEM_RESET 0u        /* a0 = type, a1 = reason; does not return */
#define HVP_SRST_TYPE_SHUTDOWN    0u
#define HVP_SRST_TYPE_COLD_REBOOT 1u
#define HVP_SRST_TYPE_WARM_REBOOT 2u
#define HVP_SRST_REASON_NONE           0u
#define HVP_SRST_REASON_SYSFAIL        1u
/* libhv vendor reason: shutdown with an exit code (1..0xffff) in the low 16 bits. */
#define HVP_SRST_REASON_EXIT_CODE 0xF0000000u

#define HVP_EID_DBCN 0x4442434Eu
#define HVP_DBCN_CONSOLE_WRITE      0u  /* a0 = len, a1 = gpa lo, a2 = gpa hi (0); value = n */
#define HVP_DBCN_CONSOLE_READ       1u  /* a0 = len, a1 = gpa lo, a2 = gpa hi (0); value = n */
#define HVP_DBCN_CONSOLE_WRITE_BYTE 2u  /* a0 = byte */
#define HVP_DBCN_MAX_WRITE 4096u        /* at most this many bytes per call (value says) */

/* For S-mode kernels (ABI 1.2, docs/PARA-ABI.md section 3). */
#define HVP_EID_IPI 0x735049u           /* send_ipi(hart_mask, hart_mask_base): SSIP */
#define HVP_EID_RFENCE 0x52464E43u      /* remote fence.i / sfence.vma / sfence.vma.asid */
#define HVP_EID_HSM 0x48534Du           /* hart_start, hart_stop, hart_get_status, hart_suspend */
#define HVP_HSM_HART_START   0u         /* a0 = hartid, a1 = start_addr, a2 = opaque */
#define HVP_HSM_HART_STOP    1u
#define HVP_HSM_HART_STATUS  2u         /* a0 = hartid; value = 0 started, 1 stopped, ... */
#define HVP_HSM_HART_SUSPEND 3u         /* a0 = type (0: retentive), a1 = resume, a2 = opaque */

/* ---- the para extension ------------------------------------------------------------------ */
#define HVP_EID_PARA 0x08485650u        /* "\x08HVP", SBI experimental range */

#define HVP_FID_GET_START_INFO 0u   /* a0 = gpa, a1 = size: copy start-info (truncated to
                                       size); value = sizeof(struct hvp_start_info) */
#define HVP_FID_SET_CALLBACKS  1u   /* a0 = event entry, a1 = fault entry (0 = none) */
#define HVP_FID_EVENT_RETURN   2u   /* return from the innermost upcall/fault frame */
#define HVP_FID_EVTCHN_OP      3u   /* a0 = HVP_EVTCHN_*, a1.. = op arguments */
#define HVP_FID_SCHED_OP       4u   /* a0 = HVP_SCHED_*, a1.. = op arguments */
#define HVP_FID_MULTICALL      5u   /* a0 = gpa of struct hvp_multicall[], a1 = count */
#define HVP_FID_RING_CONNECT   6u   /* a0 = device id, a1 = ring gpa, a2 = order, a3 = port */
#define HVP_FID_NOTIFY         7u   /* a0 = port: same as EVTCHN_OP SEND, one argument */
#define HVP_FID_WALLCLOCK      8u   /* value = ns since the Unix epoch */
#define HVP_FID__COUNT         9u
/* FID 9 (MEMORY_OP, guest-managed address spaces) is reserved for a later minor version. */

/* ---- events ------------------------------------------------------------------------------ */
#define HVP_NR_PORTS 4096u          /* ports 1..4095; port 0 is never valid */
#define HVP_PORT_WORDS (HVP_NR_PORTS / 64u)

/* EVTCHN_OP operations (a0). Arguments in a1..a3, result in sbiret.value. */
#define HVP_EVTCHN_ALLOC_UNBOUND 0u /* a1 = notify vCPU; value = port (guest-to-itself) */
#define HVP_EVTCHN_BIND_VIRQ     1u /* a1 = virq, a2 = vCPU; value = port */
#define HVP_EVTCHN_SEND          2u /* a1 = port: make it pending (or kick its back-end) */
#define HVP_EVTCHN_CLOSE         3u /* a1 = port */
#define HVP_EVTCHN_UNMASK        4u /* a1 = port: clear mask, re-raise if pending */
#define HVP_EVTCHN_STATUS        5u /* a1 = port; value = HVP_EVTCHN_STATUS_VALUE(...) */
#define HVP_EVTCHN_BIND_VCPU     6u /* a1 = port, a2 = vCPU: where its upcalls go */

/* Port states reported by STATUS: value = state | vcpu << 8 | detail << 16 (detail = virq
 * number for VIRQ ports, device id for DEVICE ports). */
#define HVP_PORT_FREE    0u
#define HVP_PORT_UNBOUND 1u
#define HVP_PORT_VIRQ    2u
#define HVP_PORT_DEVICE  3u
#define HVP_EVTCHN_STATUS_STATE(v)  ((uint32_t)(v) & 0xffu)
#define HVP_EVTCHN_STATUS_VCPU(v)   (((uint32_t)(v) >> 8) & 0xffu)
#define HVP_EVTCHN_STATUS_DETAIL(v) (((uint32_t)(v) >> 16) & 0xffffu)

/* Virtual IRQs (per vCPU). */
#define HVP_VIRQ_TIMER   0u         /* TIME.set_timer deadline reached */
#define HVP_VIRQ_CONSOLE 1u         /* console input arrived (DBCN users; ring users get the
                                       console device's own port) */
#define HVP_NR_VIRQS     2u

/* SCHED_OP operations (a0). */
#define HVP_SCHED_YIELD 0u          /* give the host CPU away; returns 0 */
#define HVP_SCHED_BLOCK 1u          /* clear upcall_mask and sleep until upcall_pending */
#define HVP_SCHED_POLL  2u          /* a1 = gpa of uint32_t ports[], a2 = count (<= 64),
                                       a3 = absolute timeout in ticks (UINT64_MAX none);
                                       value = 1 a port is pending, 0 timed out */
#define HVP_POLL_MAX_PORTS 64u

/* Upcall and fault entry: pc = entry, a0 = gpa of the saved frame (struct hvp_frame inside
 * this vCPU's hvp_vcpu_info), a1 = cause, a2 = tval; every other register is as it was.
 * The hypervisor saved x1..x31 and pc in the frame; EVENT_RETURN restores all of them from
 * the (possibly edited) frame, so a handler may clobber any integer register. Floating-point
 * state is NOT saved: a handler that uses F/D registers or fcsr saves them itself. */
#define HVP_CAUSE_EVENT 0x8000000000000000ull   /* a1 of an event upcall */

struct hvp_frame {
    uint64_t pc;                /* interrupted (event) or faulting (fault) instruction */
    uint64_t cause;             /* HVP_CAUSE_EVENT or an RV exception code (2 illegal...) */
    uint64_t tval;              /* faulting address / instruction bits / 0 */
    uint64_t saved_mask;        /* fault frame: upcall_mask at the time of the fault */
    uint64_t x[32];             /* x[0] unused (reads 0) */
};

/* Per-vCPU part of the shared-info page. */
struct hvp_vcpu_info {
    uint8_t upcall_pending;     /* hypervisor sets, guest clears before scanning */
    uint8_t upcall_mask;        /* guest-writable: non-zero = no upcalls (like SIE=0) */
    uint8_t in_upcall;          /* read-only mirror: an event frame is live */
    uint8_t in_fault;           /* read-only mirror: a fault frame is live */
    uint32_t reserved0;
    uint64_t pending_sel;       /* bit i: word i of evtchn_pending may have news */
    uint64_t timer_deadline;    /* read-only mirror of the armed TIME deadline */
    uint64_t reserved1[5];
    struct hvp_frame event_frame;
    struct hvp_frame fault_frame;
};

#define HVP_MAX_VCPUS 8u
#define HVP_SHARED_MAGIC 0x49534856u        /* "HVSI" */

/* The shared-info area (2 pages): event bitmaps and per-vCPU state, shared by guest and
 * hypervisor. Bits are changed with atomic read-modify-write operations (amoor/amoand). */
struct hvp_shared_info {
    uint32_t magic;
    uint32_t abi_version;
    uint32_t nr_ports;
    uint32_t nr_vcpus;
    uint64_t reserved[6];
    uint64_t evtchn_pending[HVP_PORT_WORDS];   /* bit p%64 of word p/64: port p pending */
    uint64_t evtchn_mask[HVP_PORT_WORDS];      /* set: port masked (no upcall) */
    uint64_t reserved2[8];
    struct hvp_vcpu_info vcpu[HVP_MAX_VCPUS];
};
#define HVP_SHARED_INFO_SIZE 8192u

/* ---- start-info ------------------------------------------------------------------------ */
#define HVP_START_MAGIC 0x53505648u          /* "HVPS" */
#define HVP_CMDLINE_MAX 1024u
#define HVP_MAX_DEVICES 16u

#define HVP_DEV_CONSOLE 1u
#define HVP_DEV_BLOCK   2u
#define HVP_DEV_NET     3u

#define HVP_DEVF_CONNECTED 1u               /* ring and port already set up (console) */
#define HVP_DEVF_READONLY  2u               /* block: writes fail */
#define HVP_DEVF_NET_RX    4u               /* net: this entry is the NIC's rx ring */

struct hvp_dev_info {
    uint16_t type;              /* HVP_DEV_* */
    uint16_t id;                /* index used by RING_CONNECT */
    uint32_t flags;             /* HVP_DEVF_* */
    uint64_t ring_gpa;          /* connected: the ring; else 0 */
    uint32_t ring_order;        /* ring size = 4096 << order bytes */
    uint32_t event_port;        /* connected: the port both sides notify; else 0 */
    uint64_t param[2];          /* block: sectors, sector size; net: MAC (low 48 bits,
                                   first byte in bits 0..7), NIC index */
};

struct hvp_start_info {
    uint32_t magic;             /* HVP_START_MAGIC */
    uint32_t abi_version;       /* HVP_ABI_VERSION of the hypervisor */
    uint32_t size;              /* sizeof(struct hvp_start_info) of the hypervisor */
    uint32_t nr_vcpus;
    uint64_t ram_base;          /* 0x80000000 */
    uint64_t ram_size;
    uint64_t reserved_base;     /* [reserved_base, ram_base + ram_size): start-info,
                                   shared-info, console ring; the guest must not allocate it */
    uint64_t shared_info_gpa;
    uint64_t kernel_start, kernel_end;   /* loaded image span */
    uint64_t timebase_hz;       /* 10000000: TIME deadlines and the time CSR */
    uint32_t nr_ports;          /* HVP_NR_PORTS */
    uint32_t nr_devices;
    uint64_t reserved[6];
    char cmdline[HVP_CMDLINE_MAX];       /* NUL-terminated */
    struct hvp_dev_info devices[HVP_MAX_DEVICES];
};

/* The reserved area at the top of RAM (offsets from start_info.reserved_base). */
#define HVP_RESERVED_SIZE       0x4000u
#define HVP_START_INFO_OFFSET   0x0000u
#define HVP_SHARED_INFO_OFFSET  0x1000u
#define HVP_CONSOLE_RING_OFFSET 0x3000u

/* ---- multicall ------------------------------------------------------------------------- */
#define HVP_MULTICALL_MAX 64u
struct hvp_multicall {
    uint64_t eid, fid;
    uint64_t args[6];
    int64_t error;              /* written back: sbiret.error */
    uint64_t value;             /* written back: sbiret.value */
};

/* ---- rings ------------------------------------------------------------------------------ */
/* Xen sring-style ring in 4096 << order bytes: this header, then N slots of one union
 * {request, response}, N the largest power of two that fits. Indices are free-running
 * uint32_t (wrap at 2^32), slot = index & (N - 1).
 *
 * Barrier rules (both sides, producer first):
 *  - producer: write the slot, then a release fence (fence rw,w), then bump *_prod;
 *  - consumer: read *_prod, then an acquire fence (fence r,rw), then read slots;
 *  - notification suppression: after publishing, the producer notifies only if the new
 *    range [old_prod, new_prod) contains *_event - 1 (i.e. (new - event) < (new - old));
 *    the consumer, before sleeping, sets *_event = cons + 1, then a full fence (fence rw,rw),
 *    then re-checks *_prod (so a request published concurrently is never missed). */
struct hvp_ring_hdr {
    uint32_t req_prod, req_event;
    uint32_t rsp_prod, rsp_event;
    uint8_t pad[48];
};

static inline uint32_t hvp_ring_slots(uint32_t order, uint32_t slot_size)
{
    uint32_t n = ((4096u << order) - (uint32_t)sizeof(struct hvp_ring_hdr)) / slot_size;
    uint32_t p = 1;
    while (p * 2 <= n)
        p *= 2;
    return n ? p : 0;
}

/* Console ring (one page, its own layout: two byte rings with free-running indices). */
#define HVP_CONS_IN_SIZE  1024u
#define HVP_CONS_OUT_SIZE 2048u
struct hvp_console_ring {
    char in[HVP_CONS_IN_SIZE];          /* host -> guest */
    char out[HVP_CONS_OUT_SIZE];        /* guest -> host */
    uint32_t in_cons, in_prod;
    uint32_t out_cons, out_prod;
};

/* Block device requests (ABI 1.1). Every request gets one response, in request order. */
#define HVP_BLK_OP_READ    0u
#define HVP_BLK_OP_WRITE   1u
#define HVP_BLK_OP_FLUSH   2u       /* durable on the host before the response */
#define HVP_BLK_OP_DISCARD 3u
#define HVP_BLK_MAX_SEGS   8u
#define HVP_BLK_SECTOR     512u
#define HVP_BLK_OK          0
#define HVP_BLK_EIO        (-1)
#define HVP_BLK_ENOTSUP    (-2)
struct hvp_blk_seg {
    uint64_t gpa;
    uint32_t len;               /* bytes, a multiple of 512 */
    uint32_t pad;
};
struct hvp_blk_req {
    uint64_t id;                /* echoed in the response */
    uint8_t op;
    uint8_t nr_segments;        /* READ/WRITE: 1..HVP_BLK_MAX_SEGS; FLUSH/DISCARD: ignored */
    uint16_t pad0;
    uint32_t discard_sectors;   /* DISCARD: sectors from `sector` (1.1; was padding) */
    uint64_t sector;            /* 512-byte units */
    struct hvp_blk_seg seg[HVP_BLK_MAX_SEGS];
};
struct hvp_blk_rsp {
    uint64_t id;
    int32_t status;             /* HVP_BLK_* */
    uint32_t pad;
};
union hvp_blk_slot {
    struct hvp_blk_req req;
    struct hvp_blk_rsp rsp;
};

/* Network (ABI 1.1): a tx ring and an rx ring per NIC, two consecutive device entries of
 * type NET (tx first; the rx entry has HVP_DEVF_NET_RX), each RING_CONNECTed with its own
 * port. Every request gets one response, in request order. */
#define HVP_NET_F_MORE 1u           /* tx: frame continues in the next request */
#define HVP_NET_OK      0
#define HVP_NET_EIO    (-1)         /* buffer not in RAM, bad length, frame not sent */
#define HVP_NET_E2BIG  (-2)         /* rx: frame larger than the buffer (frame dropped) */
struct hvp_net_req {
    uint64_t id;
    uint64_t gpa;               /* tx: frame bytes; rx: empty buffer */
    uint32_t len;               /* tx: frame length; rx: buffer size */
    uint32_t flags;
};
struct hvp_net_rsp {
    uint64_t id;
    uint32_t len;               /* rx: bytes received */
    int16_t status;             /* 0 ok, negative error */
    uint16_t flags;
};
union hvp_net_slot {
    struct hvp_net_req req;
    struct hvp_net_rsp rsp;
};

/* ---- layout checks -------------------------------------------------------------------- */
#define HVP__OFF(t, m) offsetof(t, m)
#ifdef __cplusplus
#define HVP__SA static_assert
#else
#define HVP__SA _Static_assert
#endif
HVP__SA(sizeof(struct hvp_frame) == 288, "hvp_frame size");
HVP__SA(sizeof(struct hvp_vcpu_info) == 640, "hvp_vcpu_info size");
HVP__SA(HVP__OFF(struct hvp_vcpu_info, event_frame) == 64, "event_frame offset");
HVP__SA(HVP__OFF(struct hvp_vcpu_info, fault_frame) == 352, "fault_frame offset");
HVP__SA(HVP__OFF(struct hvp_shared_info, evtchn_pending) == 64, "pending offset");
HVP__SA(HVP__OFF(struct hvp_shared_info, evtchn_mask) == 576, "mask offset");
HVP__SA(HVP__OFF(struct hvp_shared_info, vcpu) == 1152, "vcpu offset");
HVP__SA(sizeof(struct hvp_shared_info) <= HVP_SHARED_INFO_SIZE, "shared-info fits");
HVP__SA(sizeof(struct hvp_dev_info) == 40, "hvp_dev_info size");
HVP__SA(HVP__OFF(struct hvp_start_info, cmdline) == 128, "cmdline offset");
HVP__SA(sizeof(struct hvp_start_info) == 1792, "hvp_start_info size");
HVP__SA(sizeof(struct hvp_multicall) == 80, "hvp_multicall size");
HVP__SA(sizeof(struct hvp_ring_hdr) == 64, "ring header size");
HVP__SA(sizeof(struct hvp_console_ring) == 3088, "console ring size");
HVP__SA(sizeof(struct hvp_blk_req) == 152, "blk req size");
HVP__SA(sizeof(struct hvp_blk_rsp) == 16, "blk rsp size");
HVP__SA(sizeof(union hvp_blk_slot) == 152, "blk slot size");
HVP__SA(sizeof(struct hvp_net_req) == 24, "net req size");
HVP__SA(sizeof(struct hvp_net_rsp) == 16, "net rsp size");

#endif
