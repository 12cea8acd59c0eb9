/* SPDX-License-Identifier: MIT */
/* libhv guest SDK, bare-metal flavour — virtio-blk driver: every virtio-blk slot of the
 * full board is a disk (in slot order, like the para flavour's start-info order). The
 * synchronous calls make one request at a time: header, data, status descriptors; the
 * device completes it during the notify write, the driver polls the used ring. The
 * asynchronous calls keep up to HV_GUEST_BLK_QDEPTH chains (three descriptors each, one
 * header and status byte per slot) on the queue and notify once per kick. */
#include "hvguest.h"
#include "virtio.h"

#define VIRTIO_ID_BLOCK 2u
#define F_FLUSH (1u << 9)
#define T_IN 0u
#define T_OUT 1u
#define T_FLUSH 4u
#define MAX_DISKS 4
#define CHUNK_SECTORS 128u

struct ahdr {
    uint32_t type, reserved;
    uint64_t sector;
};

/* Asynchronous slot k uses descriptors 3k..3k+2 (the synchronous path 0..2, only while no
 * slot is busy). */
struct vdisk {
    struct vio_dev dev;
    struct vio_queue q;
    uint64_t sectors;
    unsigned busy, unkicked;                    /* slots in use, posted since the kick */
    uint8_t free[HV_GUEST_BLK_QDEPTH];          /* stack of free slots */
    struct ahdr ahdr[HV_GUEST_BLK_QDEPTH];
    volatile uint8_t astatus[HV_GUEST_BLK_QDEPTH];
    uint64_t cookie[HV_GUEST_BLK_QDEPTH];
};

static struct vdisk disks[MAX_DISKS];
static int nr_disks = -1;
static struct { uint32_t type, reserved; uint64_t sector; } hdr;
static volatile uint8_t status;

static void probe(void)
{
    if (nr_disks >= 0)
        return;
    nr_disks = 0;
    for (unsigned n = 0; n < MAX_DISKS; n++) {
        struct vdisk *d = &disks[nr_disks];
        if (vio_find(&d->dev, VIRTIO_ID_BLOCK, n, F_FLUSH) < 0)
            break;
        if (vio_queue_init(&d->dev, 0, &d->q) < 0)
            continue;
        vio_driver_ok(&d->dev);
        d->sectors = vio_config32(&d->dev, 0) | (uint64_t)vio_config32(&d->dev, 4) << 32;
        for (unsigned k = 0; k < HV_GUEST_BLK_QDEPTH; k++)
            d->free[k] = (uint8_t)(HV_GUEST_BLK_QDEPTH - 1 - k);
        nr_disks++;
    }
}

static struct vdisk *disk(int dev)
{
    probe();
    return dev >= 0 && dev < nr_disks ? &disks[dev] : 0;
}

int hv_guest_blk_count(void)
{
    probe();
    return nr_disks;
}

uint64_t hv_guest_blk_capacity(int dev)
{
    struct vdisk *d = disk(dev);
    return d ? d->sectors : 0;
}

/* One request; data may be NULL (flush). */
static int request(struct vdisk *d, uint32_t type, uint64_t sector, uintptr_t data,
                   uint32_t len)
{
    struct vio_desc *desc = d->q.desc;
    hdr.type = type;
    hdr.reserved = 0;
    hdr.sector = sector;
    status = 0xff;
    unsigned n = 0;
    desc[n++] = (struct vio_desc){ (uintptr_t)&hdr, sizeof(hdr), VIO_DESC_F_NEXT, 1 };
    if (len) {
        uint16_t fl = VIO_DESC_F_NEXT | (type == T_IN ? VIO_DESC_F_WRITE : 0);
        desc[n] = (struct vio_desc){ data, len, fl, (uint16_t)(n + 1) };
        n++;
    }
    desc[n] = (struct vio_desc){ (uintptr_t)&status, 1, VIO_DESC_F_WRITE, 0 };
    vio_submit(&d->dev, 0, &d->q, 0);
    uint32_t id, ulen;
    while (!vio_used(&d->q, &id, &ulen))
        ;
    return status == 0 ? 0 : -1;
}

static int transfer(int dev, uint32_t type, uint64_t sector, uintptr_t buf, uint32_t nsec)
{
    struct vdisk *d = disk(dev);
    if (!d || d->busy)                          /* asynchronous requests pending */
        return -1;
    int rc = 0;
    while (nsec) {
        uint32_t n = nsec < CHUNK_SECTORS ? nsec : CHUNK_SECTORS;
        if (request(d, type, sector, buf, n * HV_GUEST_SECTOR) < 0)
            rc = -1;
        sector += n;
        buf += n * HV_GUEST_SECTOR;
        nsec -= n;
    }
    return rc;
}

int hv_guest_blk_read(int dev, uint64_t sector, void *buf, uint32_t nsec)
{
    return transfer(dev, T_IN, sector, (uintptr_t)buf, nsec);
}

int hv_guest_blk_write(int dev, uint64_t sector, const void *buf, uint32_t nsec)
{
    return transfer(dev, T_OUT, sector, (uintptr_t)buf, nsec);
}

int hv_guest_blk_flush(int dev)
{
    struct vdisk *d = disk(dev);
    return d && !d->busy ? request(d, T_FLUSH, 0, 0, 0) : -1;
}

/* ---- asynchronous requests -------------------------------------------------------------- */

int hv_guest_blk_submit(int dev, int write, uint64_t sector, void *buf, uint32_t nsec,
                        uint64_t cookie)
{
    struct vdisk *d = disk(dev);
    if (!d || nsec == 0 || nsec > HV_GUEST_BLK_ASYNC_MAX || d->busy >= HV_GUEST_BLK_QDEPTH)
        return -1;
    unsigned k = d->free[HV_GUEST_BLK_QDEPTH - 1 - d->busy++];
    uint16_t h = (uint16_t)(3 * k);
    uint32_t type = write ? T_OUT : T_IN;
    d->ahdr[k] = (struct ahdr){ type, 0, sector };
    d->astatus[k] = 0xff;
    d->cookie[k] = cookie;
    struct vio_desc *desc = d->q.desc;
    desc[h] = (struct vio_desc){ (uintptr_t)&d->ahdr[k], sizeof(struct ahdr), VIO_DESC_F_NEXT,
                                 (uint16_t)(h + 1) };
    desc[h + 1] = (struct vio_desc){ (uintptr_t)buf, nsec * HV_GUEST_SECTOR,
                                     VIO_DESC_F_NEXT | (write ? 0 : VIO_DESC_F_WRITE),
                                     (uint16_t)(h + 2) };
    desc[h + 2] = (struct vio_desc){ (uintptr_t)&d->astatus[k], 1, VIO_DESC_F_WRITE, 0 };
    vio_post(&d->q, h);
    d->unkicked++;
    return 0;
}

void hv_guest_blk_kick(int dev)
{
    struct vdisk *d = disk(dev);
    if (d && d->unkicked) {
        d->unkicked = 0;
        vio_notify(&d->dev, 0);
    }
}

int hv_guest_blk_complete(int dev, uint64_t *cookie)
{
    struct vdisk *d = disk(dev);
    if (!d || !d->busy)
        return 0;
    hv_guest_blk_kick(dev);                 /* never wait for a request nobody was told of */
    uint32_t id, len;
    while (!vio_used(&d->q, &id, &len))
        ;
    unsigned k = id / 3;
    if (id % 3 || k >= HV_GUEST_BLK_QDEPTH)  /* not one of ours: a confused device */
        return -1;
    if (cookie)
        *cookie = d->cookie[k];
    int ok = d->astatus[k] == 0;
    d->free[HV_GUEST_BLK_QDEPTH - d->busy--] = (uint8_t)k;
    return ok ? 1 : -1;
}
