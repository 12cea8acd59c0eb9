/* SPDX-License-Identifier: MIT */
/* libhv full backend — the register-level devices of the QEMU-compatible `virt` board:
 * CLINT, PLIC, SiFive test, HTIF, NS16550A UART, virtio-mmio transport (+ blk, rng, net),
 * goldfish RTC, fw_cfg; the device table through which the board handles all of them
 * (bottom of this file), and the device-tree builder. Each device is self-contained: its
 * file holds its registers and its table row; platform.c walks the table and wires the
 * interrupt lines.
 *
 * Device convention
 * - A device is a state struct (opaque outside its file) plus one `static const struct
 *   hv_mmio_ops`. `hvf_<dev>_create(vm, base, <lines/params>, &dev, err, errlen)` allocates
 *   it and registers its MMIO region with hv__mem_add_mmio(); `hvf_<dev>_destroy(dev)`
 *   frees it (NULL accepted). The region itself belongs to the VM's memory map and goes
 *   away with it; destroy a device only when no vCPU runs (the usual teardown order is:
 *   vCPUs stopped, devices destroyed, hv__mem_fini).
 * - Interrupt outputs are `struct hv_irq_line`s copied at create time; the board points
 *   them at PLIC inputs (hvf_plic_input) and the PLIC's own outputs at MEIP/SEIP.
 * - DMA goes through vm->mem with bounds checks (dev/blk.h: hv__dma_ptr); nothing ever
 *   touches host memory outside guest RAM.
 * - MMIO callbacks return 0, or HV_EINVAL for an access the device rejects (wrong size or
 *   alignment): the engine turns that into an access fault in the guest.
 * - Devices never print; they log through hv__log(vm, ...). They are deterministic given
 *   their inputs; time only comes from vm->clock.
 * - Each device has its own mutex: MMIO callbacks may come from several vCPU threads and
 *   poll functions from the board's thread. Lock order: device -> PLIC -> hart (a device
 *   may raise a PLIC input while holding its lock; the PLIC never calls back into devices).
 */
#ifndef HV_FULL_DEVICES_H
#define HV_FULL_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/vm.h"
#include "dev/blk.h"
#include "dev/dev.h"
#include "dev/net.h"

/* ---- memory map and interrupt numbers (QEMU virt, see guests.md) ------------------- */
#define HVF_TEST_BASE       0x100000ull
#define HVF_TEST_SIZE       0x1000ull
#define HVF_CLINT_BASE      0x2000000ull
#define HVF_CLINT_SIZE      0x10000ull
#define HVF_UART_BASE       0x10000000ull
#define HVF_RAM_BASE        0x80000000ull
#define HVF_RTC_BASE        0x101000ull
#define HVF_RTC_SIZE        0x1000ull
#define HVF_PLIC_BASE       0xc000000ull
#define HVF_PLIC_SIZE       0x600000ull
#define HVF_UART16550_SIZE  0x100ull
#define HVF_VIRTIO_BASE     0x10001000ull
#define HVF_VIRTIO_STRIDE   0x1000ull
#define HVF_VIRTIO_SLOTS    8u
#define HVF_FW_CFG_BASE     0x10100000ull
#define HVF_FW_CFG_SIZE     0x18ull

#define HVF_PLIC_SOURCES    96u          /* source 0 is "no interrupt"; riscv,ndev = 95 */
#define HVF_PLIC_MAX_CTX    (2u * HV_MAX_VCPUS)
#define HVF_IRQ_VIRTIO0     1u           /* slot i uses source 1 + i */
#define HVF_IRQ_UART        10u
#define HVF_IRQ_RTC         11u

/* ---- PLIC (plic.c) ------------------------------------------------------------------- */

struct hvf_plic;

/* A SiFive PLIC for nr_harts harts: context 2h is hart h's M-mode, 2h+1 its S-mode.
 * ctx_out[c] (2 * nr_harts entries) is driven high while context c has a claimable
 * interrupt; the board wires it to MEIP (even c) / SEIP (odd c) of hart c/2. */
int hvf_plic_create(struct hv_vm *vm, uint64_t base, unsigned nr_harts,
                    const struct hv_irq_line *ctx_out, struct hvf_plic **out,
                    char *err, size_t errlen);
void hvf_plic_destroy(struct hvf_plic *plic);
/* The input wire of `source` (1..95), for a device's create call. Level-triggered. */
struct hv_irq_line hvf_plic_input(struct hvf_plic *plic, unsigned source);

/* ---- NS16550A UART (uart16550_full.c) ------------------------------------------------ */

struct hvf_uart16550;

/* A complete 16550A (16-byte FIFOs, IIR priorities, loopback) on `chr` (may be NULL:
 * output dropped, no input). `irq` is PLIC source 10 on the virt board. reg-shift 0;
 * 1- and 4-byte accesses. */
int hvf_uart16550_create(struct hv_vm *vm, uint64_t base, struct hv_chardev *chr,
                         struct hv_irq_line irq, struct hvf_uart16550 **out,
                         char *err, size_t errlen);
void hvf_uart16550_destroy(struct hvf_uart16550 *uart);
/* Pull pending host input into the RX FIFO and update the interrupt. The board calls this
 * periodically (e.g. on every run-loop poll or timer tick); input also arrives whenever
 * the guest reads RBR/LSR/IIR. Returns true if the interrupt line is high. */
bool hvf_uart16550_poll(struct hvf_uart16550 *uart);

/* ---- goldfish RTC (goldfish_rtc.c) --------------------------------------------------- */

struct hvf_rtc;

int hvf_rtc_create(struct hv_vm *vm, uint64_t base, struct hv_irq_line irq,
                   struct hvf_rtc **out, char *err, size_t errlen);
void hvf_rtc_destroy(struct hvf_rtc *rtc);
/* Fire an expired alarm (raises the interrupt if enabled). Call periodically. */
void hvf_rtc_poll(struct hvf_rtc *rtc);
/* Virtual clock ns (hv__clock_ns) at which the armed alarm fires, UINT64_MAX if none:
 * lets the board bound a WFI sleep. */
uint64_t hvf_rtc_next_deadline(struct hvf_rtc *rtc);

/* ---- virtio-mmio (virtio_mmio.c) ----------------------------------------------------- */

struct hvf_virtio;          /* one transport slot */

#define HVF_VIRTIO_F_INDIRECT_DESC 28
#define HVF_VIRTIO_F_VERSION_1 32
#define HVF_VIRTIO_STATUS_ACKNOWLEDGE 1u
#define HVF_VIRTIO_STATUS_DRIVER 2u
#define HVF_VIRTIO_STATUS_DRIVER_OK 4u
#define HVF_VIRTIO_STATUS_FEATURES_OK 8u
#define HVF_VIRTIO_STATUS_NEEDS_RESET 0x40u
#define HVF_VIRTIO_STATUS_FAILED 0x80u
#define HVF_VQ_MAX_CHAIN 1024u      /* descriptors per chain, indirect ones included */
#define HVF_VQ_MAX_QUEUES 4u

/* An empty slot (device id 0) at `base`, interrupt `irq` (PLIC source 1 + slot). */
int hvf_virtio_create(struct hv_vm *vm, uint64_t base, struct hv_irq_line irq,
                      struct hvf_virtio **out, char *err, size_t errlen);
/* Destroys the attached device too. */
void hvf_virtio_destroy(struct hvf_virtio *vio);
/* Let the attached device do deferred work (net: deliver received frames). Call
 * periodically; cheap when there is nothing to do. */
void hvf_virtio_poll(struct hvf_virtio *vio);
/* Device id of the attached device (0: empty slot). */
uint32_t hvf_virtio_device_id(const struct hvf_virtio *vio);

/* Devices; each attaches to an empty slot and is destroyed with it. */
/* virtio-blk on `bd` (borrowed: must outlive the slot). `serial` (copied, may be NULL) is
 * the GET_ID string. */
int hvf_virtio_blk_attach(struct hvf_virtio *vio, struct hv_blockdev *bd, const char *serial,
                          char *err, size_t errlen);
/* virtio-rng: getrandom() normally; a PRNG seeded with `seed` when deterministic. */
int hvf_virtio_rng_attach(struct hvf_virtio *vio, bool deterministic, uint64_t seed,
                          char *err, size_t errlen);
/* virtio-net on `nd` (borrowed: must outlive the slot; see dev/net.h), MAC in config. */
int hvf_virtio_net_attach(struct hvf_virtio *vio, struct hv_netdev *nd, const uint8_t mac[6],
                          char *err, size_t errlen);

/* ---- device tree (fdt.c) ------------------------------------------------------------- */

struct hvf_fdt_params {
    unsigned nr_harts;            /* 1..HV_MAX_VCPUS */
    uint64_t ram_size;            /* bytes at HVF_RAM_BASE */
    const char *cmdline;          /* /chosen/bootargs; NULL or "" for none */
    uint64_t initrd_start, initrd_end;   /* guest-physical; start == end: no initrd */
    bool sv39;                    /* mmu-type "riscv,sv39" instead of "riscv,sv48" */
    uint8_t virtio_populated;     /* bit i: slot i has a device (informational: all eight
                                     nodes are always present, as on QEMU) */
};

/* The tree is written with libfdt's sequential-write API; device rows (below) add their
 * node through these helpers. Errors stick in the writer (the first one wins). */
struct hvf_fdt;
/* Phandles: hart h's interrupt controller, the PLIC, the SiFive test device (syscon). */
#define HVF_PH_INTC(h) (1u + (h))
#define HVF_PH_PLIC (1u + 2 * HV_MAX_VCPUS)
#define HVF_PH_TEST (HVF_PH_PLIC + 1)
void hvf_fdt_begin_at(struct hvf_fdt *f, const char *name, uint64_t addr);  /* "name@addr" */
void hvf_fdt_end(struct hvf_fdt *f);
void hvf_fdt_u32(struct hvf_fdt *f, const char *name, uint32_t v);
void hvf_fdt_str(struct hvf_fdt *f, const char *name, const char *s);
void hvf_fdt_empty(struct hvf_fdt *f, const char *name);
/* A string list from a NUL-separated literal: HVF_FDT_STRS(f, "compatible", "a\0b"). */
void hvf_fdt_strs(struct hvf_fdt *f, const char *name, const char *list, size_t len);
#define HVF_FDT_STRS(f, n, lit) hvf_fdt_strs((f), (n), (lit), sizeof(lit))
/* reg = <addr size> (#address-cells = #size-cells = 2). */
void hvf_fdt_reg(struct hvf_fdt *f, uint64_t addr, uint64_t size);
/* interrupts = <irq>, interrupt-parent = <PLIC>. */
void hvf_fdt_plic_irq(struct hvf_fdt *f, uint32_t irq);
/* The usual start of a device node: "name@base", interrupts (PLIC source irq, 0: none), reg
 * = <base size>. The caller adds the rest and ends it. */
void hvf_fdt_node_begin(struct hvf_fdt *f, const char *name, uint64_t base, uint64_t size,
                        uint32_t irq);
/* interrupts-extended = <intc(h) a intc(h) b> for every hart. */
void hvf_fdt_irqs_extended(struct hvf_fdt *f, const struct hvf_fdt_params *p, uint32_t a,
                           uint32_t b);

/* Build the board's flattened device tree. *blob is malloc'd (caller frees); *size is its
 * total size (already packed). */
int hvf_fdt_build(const struct hvf_fdt_params *p, void **blob, size_t *size,
                  char *err, size_t errlen);

/* ---- the board's device table (platform.c) ------------------------------------------ */

struct hvf_board;
struct hv_snap_w;
struct hv_snap_index;
struct hv_snap_desc;

/* One row per device of the board, declared once in the device's own file as
 * `const struct hvf_device hvf_<name>_device` and listed in HVF_DEVICES below. The board
 * creates, polls, snapshots, resets and describes (device tree) its devices by walking the
 * rows: adding a device is its file plus one X(name) line. Every hook may be NULL.
 * Instances: a row stands for `count` identical devices (virtio: eight slots), instance i
 * at base + i * stride; state[i] is what create returned. */
struct hvf_device {
    const char *name;             /* snapshot section ("<name>.<i>" if count > 1), logs */
    uint64_t base, size;          /* MMIO window of instance 0; size 0: none of its own */
    uint64_t stride;
    unsigned count;               /* 0 means 1 */
    /* Power-on state: register the window (usually through the device's public create
     * call) and return the state pointer. A board reset destroys and re-creates every
     * device, so create is also the reset. */
    int (*create)(struct hvf_board *b, unsigned i, uint64_t base, void **state, char *err,
                  size_t errlen);
    /* Free the state; the board unmaps the window afterwards. */
    void (*destroy)(struct hvf_board *b, void *state);
    /* Deferred work: host input, expired alarms, received frames (board.c polls at a
     * bounded rate, or at instruction counts in deterministic mode). */
    void (*poll)(void *state);
    /* Virtual-clock ns by which poll must run again (bounds a WFI sleep), UINT64_MAX:
     * none. */
    uint64_t (*deadline)(void *state);
    /* Snapshot section of instance i (snapshot/stream.h); load validates the whole section
     * before changing anything. */
    void (*save)(void *state, unsigned i, struct hv_snap_w *w);
    int (*load)(void *state, unsigned i, const struct hv_snap_index *idx, char *err,
                size_t errlen);
    /* Or, without save/load: the state as a field list (snapshot/stream.h), saved and
     * loaded by the board (section "<name>", or "<name>.<i>" if count > 1). */
    const struct hv_snap_desc *snap;
    /* The instance's node under /soc (the tree lists rows in reverse order, as QEMU's). */
    void (*fdt)(struct hvf_fdt *f, const struct hvf_fdt_params *p, uint64_t base, unsigned i);
};

#define HVF_DEV_MAX_INSTANCES HVF_VIRTIO_SLOTS
/* Longest WFI sleep while a device without its own wake-up (host input of a stdio or pty
 * UART, frames from a hub) may need polling: such a device's deadline is now + this. */
#define HVF_DEV_SLEEP_NS 10000000ull

/* The rows, in creation order: the CLINT and PLIC first (the others take interrupt lines
 * from the PLIC), then the devices; teardown runs backwards. */
#define HVF_DEVICES(X) X(clint) X(plic) X(virtio) X(test) X(htif) X(uart) X(rtc) X(fw_cfg)

#define HVF_DEV_ENUM_(n) HVF_DEV_##n,
enum hvf_dev_id { HVF_DEVICES(HVF_DEV_ENUM_) HVF_NR_DEVICES };
#undef HVF_DEV_ENUM_
#define HVF_DEV_DECL_(n) extern const struct hvf_device hvf_##n##_device;
HVF_DEVICES(HVF_DEV_DECL_)
#undef HVF_DEV_DECL_
extern const struct hvf_device *const hvf_devices[HVF_NR_DEVICES];

static inline unsigned hvf_dev_count(const struct hvf_device *d)
{
    return d->count ? d->count : 1;
}

#endif
