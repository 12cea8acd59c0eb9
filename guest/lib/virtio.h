/* SPDX-License-Identifier: MIT */
/* libhv guest SDK, bare-metal flavour — a minimal virtio-mmio (version 2) driver core for
 * the full board: find a device among the 8 slots at 0x10001000, negotiate VERSION_1,
 * and drive split virtqueues kept in static memory by polling the used ring (no
 * interrupts). Not installed. */
#ifndef HVG_VIRTIO_H
#define HVG_VIRTIO_H

#include <stdint.h>

#define VIO_QSIZE 128u            /* room for 32 block requests of 3 descriptors */

struct vio_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
#define VIO_DESC_F_NEXT 1u
#define VIO_DESC_F_WRITE 2u

struct vio_queue {
    struct vio_desc desc[VIO_QSIZE];
    struct { uint16_t flags, idx, ring[VIO_QSIZE], used_event; } avail;
    uint8_t pad[2];
    struct { uint16_t flags, idx; struct { uint32_t id, len; } ring[VIO_QSIZE];
             uint16_t avail_event; } used;
    uint16_t last_used;         /* driver: next used entry to read */
    uint16_t free_head;         /* driver: simple allocator for chains */
} __attribute__((aligned(16)));

struct vio_dev {
    volatile uint32_t *regs;    /* NULL: not found */
};

/* Find the n-th (0-based) device with this id; 0 or -1. Features: the driver's wishes in
 * the low 32 bits (VERSION_1 is always negotiated). */
int vio_find(struct vio_dev *d, uint32_t device_id, unsigned n, uint32_t features);
/* Set up queue qi on q (static memory), then the device may be started. */
int vio_queue_init(struct vio_dev *d, unsigned qi, struct vio_queue *q);
void vio_driver_ok(struct vio_dev *d);
/* Device-specific configuration space. */
uint32_t vio_config32(struct vio_dev *d, unsigned off);
/* Put a chain of n descriptors (built by the caller in desc[head..head+n-1] order, using
 * vio_desc_at) on the avail ring and notify queue qi. */
void vio_submit(struct vio_dev *d, unsigned qi, struct vio_queue *q, uint16_t head);
/* The same in two steps, for batches: put a chain on the avail ring without telling the
 * device, then one notify for everything posted. */
void vio_post(struct vio_queue *q, uint16_t head);
void vio_notify(struct vio_dev *d, unsigned qi);
/* A used entry, if any: 1 and *id/*len, else 0. */
int vio_used(struct vio_queue *q, uint32_t *id, uint32_t *len);

#endif
