/* SPDX-License-Identifier: MIT */
/* libhv full backend — internal interface between the virtio-mmio transport
 * (virtio_mmio.c) and the virtio devices on it (virtio_blk.c, virtio_rng.c,
 * virtio_net.c): the device ops table, split-virtqueue pop/push, and helpers that view a
 * descriptor chain as two byte streams (device-readable, then device-writable).
 * Every function here is called with the slot's lock held (the transport takes it around
 * MMIO accesses and hvf_virtio_poll). */
#ifndef HV_FULL_VIRTIO_MMIO_H
#define HV_FULL_VIRTIO_MMIO_H

#include "backends/full/devices.h"
#include "snapshot/stream.h"

struct hvf_virtio_ops {
    const char *name;
    uint32_t device_id;
    unsigned nr_queues;               /* <= HVF_VQ_MAX_QUEUES */
    uint16_t queue_max;               /* power of two */
    /* Config space at 0x100: off relative to it; size 1, 2, 4 or 8. Out-of-range reads
     * return 0, writes are ignored. */
    int (*config_read)(void *dev, uint64_t off, unsigned size, uint64_t *val);
    int (*config_write)(void *dev, uint64_t off, unsigned size, uint64_t val);
    /* The driver kicked queue q (q < nr_queues, the queue is ready). */
    void (*notify)(struct hvf_virtio *vio, void *dev, unsigned q);
    /* Device reset (status written 0): forget in-flight state. May be NULL. */
    void (*reset)(void *dev);
    /* Deferred work (hvf_virtio_poll). May be NULL. */
    void (*poll)(struct hvf_virtio *vio, void *dev);
    void (*destroy)(void *dev);
    /* Snapshot: append the device's own state to the slot's section / read it
     * back (the reader is positioned after the transport state; the device consumes the
     * rest and applies it only if hv__snap_r_done succeeds). NULL: no state of its own. */
    void (*save)(void *dev, struct hv_snap_w *w);
    void (*load)(void *dev, struct hv_snap_r *r);
};

/* Attach a device to an empty slot. features: device feature bits beyond the transport's
 * own (VERSION_1 and INDIRECT_DESC are added). On success the slot owns dev (ops->destroy
 * runs when the slot is destroyed). */
int hvf_virtio_attach(struct hvf_virtio *vio, const struct hvf_virtio_ops *ops, void *dev,
                      uint64_t features, char *err, size_t errlen);
struct hv_vm *hvf_virtio_vm(const struct hvf_virtio *vio);
/* Features the driver accepted. */
uint64_t hvf_virtio_driver_features(const struct hvf_virtio *vio);

/* A device-side protocol violation: set DEVICE_NEEDS_RESET, raise the config-change
 * interrupt, stop processing queues until the driver resets the device. */
void hvf_virtio_needs_reset(struct hvf_virtio *vio, const char *why);

struct hvf_vq_seg {
    uint64_t gpa;
    uint32_t len;
    bool write;
};

/* One popped descriptor chain: segments in order, all device-readable ones first. The
 * segment storage belongs to the slot and is reused by the next pop. */
struct hvf_vq_chain {
    uint16_t head;
    unsigned nr;
    uint64_t rlen, wlen;              /* readable / writable bytes */
    struct hvf_vq_seg *seg;
};

/* Take the next available chain of queue q: 1 with *c filled, 0 if none (or the queue is
 * not usable), negative if the chain was malformed (the device is then marked
 * needs-reset). Every segment has been checked against guest RAM (writable ones against
 * writable RAM). */
int hvf_vq_pop(struct hvf_virtio *vio, unsigned q, struct hvf_vq_chain *c);
/* True if queue q has a chain to pop (cheap). */
bool hvf_vq_has_avail(struct hvf_virtio *vio, unsigned q);
/* Return a chain to the driver with `len` bytes written into its writable part. */
void hvf_vq_push(struct hvf_virtio *vio, unsigned q, const struct hvf_vq_chain *c,
                 uint32_t len);
/* Signal used buffers on queue q (after one or more pushes), unless the driver asked for
 * no interrupts. */
void hvf_vq_interrupt(struct hvf_virtio *vio, unsigned q);

/* Copy from the readable stream at byte `off` / to the writable stream at `off`. Return 0
 * or HV_ERANGE if the stream is too short (nothing partial is promised). */
int hvf_vq_read(struct hvf_virtio *vio, const struct hvf_vq_chain *c, uint64_t off,
                void *buf, uint64_t len);
int hvf_vq_write(struct hvf_virtio *vio, const struct hvf_vq_chain *c, uint64_t off,
                 const void *buf, uint64_t len);
/* Describe [off, off+len) of the readable (writable = false) or writable stream as guest
 * segments for the block engine. Returns the segment count, or -1 if it does not fit in
 * `max` segments or the stream is too short. */
int hvf_vq_slice(const struct hvf_vq_chain *c, bool writable, uint64_t off, uint64_t len,
                 struct hv_blk_seg *out, unsigned max);

/* Little-endian config-space read from a byte image (out-of-range bytes read 0). */
uint64_t hvf_virtio_config_bytes(const void *cfg, size_t cfglen, uint64_t off, unsigned size);

#endif
