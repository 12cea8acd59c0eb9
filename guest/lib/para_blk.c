/* SPDX-License-Identifier: MIT */
/* libhv guest SDK, para flavour — block driver: one ring (order 2: 64 slots) per disk listed
 * in start-info, connected on first use. A transfer is cut into requests of up to 64 KiB
 * (one segment each, the caller's buffer in place), queued as a batch, published with one
 * NOTIFY at most, and waited for. The asynchronous calls put up to HV_GUEST_BLK_QDEPTH
 * requests on the same ring (the cookie travels as the request id) and publish them with
 * one NOTIFY per kick; the back-end answers the whole batch before NOTIFY returns. */
#include "hvguest.h"
#include "para_ring.h"

#define MAX_DISKS 4
#define CHUNK_SECTORS 128u
#define RING_ORDER 2u
#define RING_BYTES (4096u << RING_ORDER)

struct pdisk {
    struct hvg_ring ring;
    uint64_t sectors;
};

static struct pdisk disks[MAX_DISKS];
static uint8_t pages[MAX_DISKS][RING_BYTES] __attribute__((aligned(4096)));
static int nr_disks = -1;
static uint64_t next_id;

/* hvg_ring_connect() with a larger ring: enough slots for a full asynchronous queue plus a
 * synchronous 1 MiB transfer in one batch. */
static int connect(struct hvg_ring *r, uint16_t dev, uint8_t *page)
{
    for (unsigned i = 0; i < RING_BYTES; i++)
        page[i] = 0;
    r->hdr = (struct hvp_ring_hdr *)page;
    r->slots = page + sizeof(struct hvp_ring_hdr);
    r->slot_size = sizeof(union hvp_blk_slot);
    r->nr = hvp_ring_slots(RING_ORDER, r->slot_size);
    r->req_prod = r->rsp_cons = 0;
    r->hdr->rsp_event = 1;
    r->dev = dev;
    r->port = hvg_port_alloc();
    if (!r->port || hvp_ring_connect(dev, page, RING_ORDER, r->port))
        return -1;
    return 0;
}

static void probe(void)
{
    if (nr_disks >= 0)
        return;
    nr_disks = 0;
    const struct hvp_start_info *si = hvg_start_info();
    for (unsigned i = 0; i < si->nr_devices && i < HVP_MAX_DEVICES && nr_disks < MAX_DISKS;
         i++) {
        const struct hvp_dev_info *d = &si->devices[i];
        if (d->type != HVP_DEV_BLOCK)
            continue;
        struct pdisk *p = &disks[nr_disks];
        if (connect(&p->ring, d->id, pages[nr_disks]) < 0)
            continue;
        p->sectors = d->param[0];
        nr_disks++;
    }
}

static struct pdisk *disk(int dev)
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
    struct pdisk *p = disk(dev);
    return p ? p->sectors : 0;
}

static void queue_id(struct hvg_ring *r, uint64_t id, uint8_t op, uint64_t sector,
                     uintptr_t buf, uint32_t nsec)
{
    struct hvp_blk_req *q = hvg_ring_slot(r, r->req_prod++);
    q->id = id;
    q->op = op;
    q->nr_segments = nsec ? 1 : 0;
    q->sector = sector;
    q->discard_sectors = 0;
    q->seg[0].gpa = buf;
    q->seg[0].len = nsec * HVP_BLK_SECTOR;
}

static void queue(struct hvg_ring *r, uint8_t op, uint64_t sector, uintptr_t buf,
                  uint32_t nsec)
{
    queue_id(r, ++next_id, op, sector, buf, nsec);
}

/* Take every outstanding response; -1 if any failed. */
static int collect(struct hvg_ring *r)
{
    int rc = 0;
    while (r->rsp_cons != r->req_prod) {
        hvg_ring_wait_rsp(r, UINT64_MAX);
        struct hvp_blk_rsp *rsp = hvg_ring_slot(r, r->rsp_cons++);
        if (rsp->status != HVP_BLK_OK)
            rc = -1;
    }
    return rc;
}

static int transfer(int dev, uint8_t op, uint64_t sector, uintptr_t buf, uint32_t nsec)
{
    struct pdisk *p = disk(dev);
    if (!p || p->ring.req_prod != p->ring.rsp_cons)    /* asynchronous requests pending */
        return -1;
    int rc = 0;
    while (nsec) {
        /* Fill the free slots, publish once, wait for the batch. */
        while (nsec && hvg_ring_free(&p->ring)) {
            uint32_t n = nsec < CHUNK_SECTORS ? nsec : CHUNK_SECTORS;
            queue(&p->ring, op, sector, buf, n);
            sector += n;
            buf += n * HVP_BLK_SECTOR;
            nsec -= n;
        }
        hvg_ring_push(&p->ring);
        if (collect(&p->ring) < 0)
            rc = -1;
    }
    return rc;
}

int hv_guest_blk_read(int dev, uint64_t sector, void *buf, uint32_t nsec)
{
    return transfer(dev, HVP_BLK_OP_READ, sector, (uintptr_t)buf, nsec);
}

int hv_guest_blk_write(int dev, uint64_t sector, const void *buf, uint32_t nsec)
{
    return transfer(dev, HVP_BLK_OP_WRITE, sector, (uintptr_t)buf, nsec);
}

int hv_guest_blk_flush(int dev)
{
    struct pdisk *p = disk(dev);
    if (!p || p->ring.req_prod != p->ring.rsp_cons)
        return -1;
    queue(&p->ring, HVP_BLK_OP_FLUSH, 0, 0, 0);
    hvg_ring_push(&p->ring);
    return collect(&p->ring);
}

/* ---- asynchronous requests -------------------------------------------------------------- */

int hv_guest_blk_submit(int dev, int write, uint64_t sector, void *buf, uint32_t nsec,
                        uint64_t cookie)
{
    struct pdisk *p = disk(dev);
    if (!p || nsec == 0 || nsec > HV_GUEST_BLK_ASYNC_MAX)
        return -1;
    struct hvg_ring *r = &p->ring;
    if (r->req_prod - r->rsp_cons >= HV_GUEST_BLK_QDEPTH || !hvg_ring_free(r))
        return -1;
    queue_id(r, cookie, write ? HVP_BLK_OP_WRITE : HVP_BLK_OP_READ, sector, (uintptr_t)buf,
             nsec);
    return 0;
}

void hv_guest_blk_kick(int dev)
{
    struct pdisk *p = disk(dev);
    if (p && p->ring.hdr->req_prod != p->ring.req_prod)
        hvg_ring_push(&p->ring);
}

int hv_guest_blk_complete(int dev, uint64_t *cookie)
{
    struct pdisk *p = disk(dev);
    if (!p)
        return 0;
    struct hvg_ring *r = &p->ring;
    if (r->rsp_cons == r->req_prod)
        return 0;
    hv_guest_blk_kick(dev);              /* never wait for a request nobody was told of */
    hvg_ring_wait_rsp(r, UINT64_MAX);
    struct hvp_blk_rsp *rsp = hvg_ring_slot(r, r->rsp_cons++);
    if (cookie)
        *cookie = rsp->id;
    return rsp->status == HVP_BLK_OK ? 1 : -1;
}
