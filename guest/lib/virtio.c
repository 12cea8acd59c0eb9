/* SPDX-License-Identifier: MIT */
/* libhv guest SDK, bare-metal flavour — virtio-mmio version 2 core: probing the virt
 * board's slots, feature negotiation (VERSION_1 plus the driver's wishes), split
 * virtqueue set-up and polling. Register offsets from the virtio 1.x specification. */
#include "virtio.h"

#define VIO_BASE 0x10001000ul
#define VIO_STRIDE 0x1000ul
#define VIO_SLOTS 8u
#define MAGIC 0x74726976u

enum {
    R_MAGIC = 0x000 / 4, R_VERSION = 0x004 / 4, R_DEVICE_ID = 0x008 / 4,
    R_DEV_FEATURES = 0x010 / 4, R_DEV_FEATURES_SEL = 0x014 / 4,
    R_DRV_FEATURES = 0x020 / 4, R_DRV_FEATURES_SEL = 0x024 / 4,
    R_QUEUE_SEL = 0x030 / 4, R_QUEUE_NUM_MAX = 0x034 / 4, R_QUEUE_NUM = 0x038 / 4,
    R_QUEUE_READY = 0x044 / 4, R_QUEUE_NOTIFY = 0x050 / 4,
    R_INT_STATUS = 0x060 / 4, R_INT_ACK = 0x064 / 4, R_STATUS = 0x070 / 4,
    R_DESC_LO = 0x080 / 4, R_DESC_HI = 0x084 / 4, R_DRIVER_LO = 0x090 / 4,
    R_DRIVER_HI = 0x094 / 4, R_DEVICE_LO = 0x0a0 / 4, R_DEVICE_HI = 0x0a4 / 4,
    R_CONFIG = 0x100 / 4
};
#define S_ACK 1u
#define S_DRIVER 2u
#define S_DRIVER_OK 4u
#define S_FEATURES_OK 8u

static void fence(void)
{
    __asm__ volatile("fence rw, rw" ::: "memory");
}

int vio_find(struct vio_dev *d, uint32_t device_id, unsigned n, uint32_t features)
{
    d->regs = 0;
    for (unsigned s = 0; s < VIO_SLOTS; s++) {
        volatile uint32_t *r = (volatile uint32_t *)(VIO_BASE + s * VIO_STRIDE);
        if (r[R_MAGIC] != MAGIC || r[R_VERSION] != 2 || r[R_DEVICE_ID] != device_id)
            continue;
        if (n--)
            continue;
        r[R_STATUS] = 0;                            /* reset */
        r[R_STATUS] = S_ACK;
        r[R_STATUS] = S_ACK | S_DRIVER;
        r[R_DEV_FEATURES_SEL] = 1;
        if (!(r[R_DEV_FEATURES] & 1u))              /* VERSION_1 is feature bit 32 */
            return -1;
        r[R_DEV_FEATURES_SEL] = 0;
        uint32_t lo = r[R_DEV_FEATURES] & features;
        r[R_DRV_FEATURES_SEL] = 0;
        r[R_DRV_FEATURES] = lo;
        r[R_DRV_FEATURES_SEL] = 1;
        r[R_DRV_FEATURES] = 1u;
        r[R_STATUS] = S_ACK | S_DRIVER | S_FEATURES_OK;
        if (!(r[R_STATUS] & S_FEATURES_OK))
            return -1;
        d->regs = r;
        return 0;
    }
    return -1;
}

int vio_queue_init(struct vio_dev *d, unsigned qi, struct vio_queue *q)
{
    volatile uint32_t *r = d->regs;
    r[R_QUEUE_SEL] = qi;
    if (r[R_QUEUE_NUM_MAX] < VIO_QSIZE)
        return -1;
    uint8_t *p = (uint8_t *)q;
    for (unsigned i = 0; i < sizeof(*q); i++)
        p[i] = 0;
    r[R_QUEUE_NUM] = VIO_QSIZE;
    uint64_t desc = (uintptr_t)q->desc, avail = (uintptr_t)&q->avail;
    uint64_t used = (uintptr_t)&q->used;
    r[R_DESC_LO] = (uint32_t)desc;
    r[R_DESC_HI] = (uint32_t)(desc >> 32);
    r[R_DRIVER_LO] = (uint32_t)avail;
    r[R_DRIVER_HI] = (uint32_t)(avail >> 32);
    r[R_DEVICE_LO] = (uint32_t)used;
    r[R_DEVICE_HI] = (uint32_t)(used >> 32);
    r[R_QUEUE_READY] = 1;
    return r[R_QUEUE_READY] == 1 ? 0 : -1;
}

void vio_driver_ok(struct vio_dev *d)
{
    d->regs[R_STATUS] = S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK;
}

uint32_t vio_config32(struct vio_dev *d, unsigned off)
{
    return d->regs[R_CONFIG + off / 4];
}

void vio_submit(struct vio_dev *d, unsigned qi, struct vio_queue *q, uint16_t head)
{
    q->avail.ring[q->avail.idx % VIO_QSIZE] = head;
    fence();                                    /* ring entry before the index */
    q->avail.idx++;
    fence();                                    /* index before the notify */
    d->regs[R_QUEUE_NOTIFY] = qi;
}

void vio_post(struct vio_queue *q, uint16_t head)
{
    q->avail.ring[q->avail.idx % VIO_QSIZE] = head;
    fence();                                    /* ring entry before the index */
    q->avail.idx++;
}

void vio_notify(struct vio_dev *d, unsigned qi)
{
    fence();                                    /* indices before the notify */
    d->regs[R_QUEUE_NOTIFY] = qi;
}

int vio_used(struct vio_queue *q, uint32_t *id, uint32_t *len)
{
    fence();
    if (*(volatile uint16_t *)&q->used.idx == q->last_used)
        return 0;
    fence();
    uint16_t i = q->last_used++ % VIO_QSIZE;
    *id = q->used.ring[i].id;
    *len = q->used.ring[i].len;
    return 1;
}
