/* SPDX-License-Identifier: MIT */
/* libhv internal — the shared device model: host back-ends (character devices, block
 * devices), interrupt lines and the per-VM virtual clock. Both backends' device front-ends
 * (full: UART, virtio-mmio; para: rings) are built on these. Nothing here knows about
 * registers or rings. */
#ifndef HV_DEV_DEV_H
#define HV_DEV_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "hv/config.h"

/* ---- character devices ------------------------------------------------------------ */

struct hv_chardev;

/* Open the host side described by cfg. Errors name the cause (path, strerror) in err.
 * cfg and its strings only have to live until this returns. Host errno maps to HV_E*:
 * ENOENT→HV_ENOENT, ENOMEM→HV_ENOMEM, anything else (EACCES, EADDRINUSE...)→HV_EIO.
 * Threads: push_input may be called from any thread at any time; write/read/pending may be
 * called from any thread but the front-end normally serialises them per device. */
int hv__chardev_open(const struct hv_chardev_config *cfg, struct hv_chardev **out,
                     char *err, size_t errlen);
/* Close; NULL accepted. A SOCKET's socket file is unlinked; stdio fds are never closed. */
void hv__chardev_close(struct hv_chardev *chr);
/* Guest output. Never blocks for long; returns len or a negative HV_E* (EIO). Output that
 * cannot be delivered (no socket peer yet) is dropped, as a real UART with no cable does. */
ssize_t hv__chardev_write(struct hv_chardev *chr, const void *buf, size_t len);
/* Non-blocking guest input: copies up to len pending bytes, returns the count (0 if none). */
size_t hv__chardev_read(struct hv_chardev *chr, void *buf, size_t len);
/* Bytes of input pending (polls the host side, never blocks). */
size_t hv__chardev_pending(struct hv_chardev *chr);
/* Inject input from any thread (BUFFER, and any type for harnesses). Returns 0 or
 * HV_ELIMIT when the input queue (64 KiB) is full (nothing is queued then). */
int hv__chardev_push_input(struct hv_chardev *chr, const void *buf, size_t len);
/* A break condition on the line (what a serial terminal sends for "break"): recorded from
 * any thread; the front-end takes it where it pulls input — true once, and only when no
 * input is pending, so bytes queued before the break are read first (bytes queued after
 * it, before the front-end gets there, also go first). Front-ends without a line (para
 * console) never take it. */
void hv__chardev_send_break(struct hv_chardev *chr);
bool hv__chardev_take_break(struct hv_chardev *chr);
/* Host-visible name: pty path, socket path, file path, "stdio", "null", "buffer". The
 * string lives as long as chr. */
const char *hv__chardev_name(const struct hv_chardev *chr);

/* ---- block devices ----------------------------------------------------------------- */

struct hv_blockdev;

/* Open a raw file or block device (read-write, or O_RDONLY when cfg->readonly) or, when
 * cfg->path is NULL, a zero-filled in-memory disk of cfg->mem_size bytes. Missing file:
 * HV_ENOENT; a directory: HV_EINVAL; other non-disk files: HV_ENOTSUP; err names the path.
 * The size is fixed at open. A blockdev is not internally locked: the front-end serialises
 * requests (pread/pwrite themselves are safe to issue concurrently). */
int hv__blockdev_open(const struct hv_disk_config *cfg, struct hv_blockdev **out,
                      char *err, size_t errlen);
void hv__blockdev_close(struct hv_blockdev *bd);
uint64_t hv__blockdev_size(const struct hv_blockdev *bd);    /* bytes */
bool hv__blockdev_readonly(const struct hv_blockdev *bd);
/* Whole-range I/O: returns 0, HV_ERANGE (beyond the end: nothing done), HV_EIO, or
 * HV_ENOTSUP (write to a read-only disk). Short host reads/writes are retried. */
int hv__blockdev_read(struct hv_blockdev *bd, void *buf, size_t len, uint64_t off);
int hv__blockdev_write(struct hv_blockdev *bd, const void *buf, size_t len, uint64_t off);
/* Durable: returns only after fdatasync() succeeded (file disks). */
int hv__blockdev_flush(struct hv_blockdev *bd);
/* Discard (punch a hole / zero the range). Reads of a discarded range return zeros.
 * HV_ERANGE / HV_ENOTSUP (read-only) as for writes. */
int hv__blockdev_discard(struct hv_blockdev *bd, uint64_t off, uint64_t len);

/* ---- interrupt lines ----------------------------------------------------------------- */

/* A wire from a device to an interrupt controller input. The controller supplies `set`. */
struct hv_irq_line {
    void (*set)(void *opaque, unsigned irq, int level);
    void *opaque;
    unsigned irq;
};
static inline void hv__irq_set(const struct hv_irq_line *line, int level)
{
    if (line && line->set)
        line->set(line->opaque, line->irq, level);
}
static inline void hv__irq_raise(const struct hv_irq_line *l) { hv__irq_set(l, 1); }
static inline void hv__irq_lower(const struct hv_irq_line *l) { hv__irq_set(l, 0); }

/* ---- the virtual clock ---------------------------------------------------------------- */

#define HV_TIMEBASE_HZ 10000000ull     /* mtime / time CSR frequency */

/* One per VM. In host mode time follows CLOCK_MONOTONIC from VM creation; in deterministic
 * mode it is a pure function of retired instructions supplied by the `insns` hook:
 * ticks = insns / insns_per_tick, ns = ticks * 100, wall time starts at 2025-01-01T00:00Z.
 * hv__clock_init leaves the hook NULL (time reads 0 until the VM sets insns/insns_opaque). */
struct hv_clock {
    bool deterministic;
    uint64_t start_ns;                  /* host monotonic ns at creation */
    uint64_t insns_per_tick;            /* deterministic: instructions per 100 ns tick */
    uint64_t (*insns)(void *opaque);    /* deterministic: total retired instructions */
    void *insns_opaque;
    uint64_t wall_base_ns;              /* Unix-epoch ns at tick 0 (host time or fixed) */
};
/* insns_per_tick 0 means the default, 10. */
void hv__clock_init(struct hv_clock *clk, bool deterministic, uint64_t insns_per_tick);
uint64_t hv__clock_ns(const struct hv_clock *clk);      /* virtual ns since creation */
uint64_t hv__clock_ticks(const struct hv_clock *clk);   /* virtual 10 MHz ticks */
uint64_t hv__clock_wall_ns(const struct hv_clock *clk); /* virtual Unix-epoch ns */
uint64_t hv__host_monotonic_ns(void);
/* Deterministic mode: the instructions a sleeping vCPU must skip for the clock to reach
 * `deadline` (ticks): 0 when it has passed, UINT64_MAX when it is more than 2^62
 * instructions away (a sleep that long never ends by time: treat it as no deadline).
 * `instret` is the sleeping vCPU's count, which the skip is added to. */
uint64_t hv__clock_skip_insns(const struct hv_clock *clk, uint64_t deadline, uint64_t instret);
/* The most a sleeping vCPU may skip before the run's end `stop_at`. A skip that reaches it
 * ends the run there with the sleeping instruction (WFI, the hypercall's ECALL) not retired:
 * the next run executes it again and sleeps on to the same deadline, so a run cut into
 * budget slices retires exactly the instructions of the uncut run. */
static inline uint64_t hv__clock_skip_room(uint64_t instret, uint64_t stop_at)
{
    return stop_at > instret ? stop_at - instret : 0;
}
/* Snapshot: section "clock" holds the virtual time and the wall-clock base, so
 * a loaded VM's time continues from the snapshot instead of from its own creation. In
 * deterministic mode time is a function of the vCPUs' instret (restored with them), so
 * only the mode is checked. */
struct hv_snap_w;
struct hv_snap_index;
void hv__clock_snapshot_save(const struct hv_clock *clk, struct hv_snap_w *w);
int hv__clock_snapshot_load(struct hv_clock *clk, const struct hv_snap_index *idx,
                            char *err, size_t errlen);

#endif
