/* SPDX-License-Identifier: MIT */
/* libhv para backend — the PV block back-end: one device per configured disk, a generic
 * ring of struct hvp_blk_req / hvp_blk_rsp (hv/para.h) serviced on the kicking vCPU. Each
 * NOTIFY drains every pending request (one kick per batch): the batch is copied out of the
 * ring, each request validated on its own, runs of adjacent READs or WRITEs merged into one
 * host read/write (guest-contiguous buffers through the block engine, dev/blk.h, in place;
 * scattered small ones through a per-device bounce buffer), and the answers written in
 * ring order with at most one event. A request that is merely invalid gets HVP_BLK_EIO
 * without touching its neighbours; a ring whose indices are impossible breaks the device
 * (docs/PARA-ABI.md, "Block devices"). */
#include <stdlib.h>
#include <string.h>
#include "backends/para/para.h"
#include "backends/para/blkback.h"
#include "dev/blk.h"

#define BLK_MAX_ORDER 4u        /* 64 KiB rings: 256 slots */
#define BATCH_MAX 256u          /* the most slots a ring of BLK_MAX_ORDER has */

/* Per device; the batch buffers are used under the device's lock only. */
struct blkback {
    struct hv_blockdev *bd;
    const char *serial;
    struct hvp_blk_req req[BATCH_MAX];          /* the batch, copied out of the ring */
    struct hvp_blk_io io[BATCH_MAX];            /* its READ/WRITE requests, validated */
    int32_t status[BATCH_MAX];
    struct hv_blk_seg segs[HVP_BLK_MERGE_MAX_SEGS];
    uint8_t *bounce;                            /* HVP_BLK_MERGE_MAX_BYTES, on first use */
};

/* A merged run whose pieces in guest memory average at most this goes through the bounce
 * buffer: copying a few KiB costs less than the system call per piece it saves. */
#define BOUNCE_MAX_AVG (16u * 1024u)

static int32_t status_of(enum hv_blk_status st)
{
    switch (st) {
    case HV_BLK_OK: return HVP_BLK_OK;
    case HV_BLK_UNSUPP: return HVP_BLK_ENOTSUP;
    default: return HVP_BLK_EIO;
    }
}

/* Segments must be non-empty whole sectors; the engine checks RAM and the disk range. */
static int32_t rw_request(struct hvp_vm *pv, struct blkback *b, const struct hvp_blk_req *q)
{
    if (q->nr_segments == 0 || q->nr_segments > HVP_BLK_MAX_SEGS)
        return HVP_BLK_EIO;
    struct hv_blk_seg segs[HVP_BLK_MAX_SEGS];
    for (unsigned i = 0; i < q->nr_segments; i++) {
        if (q->seg[i].len == 0 || q->seg[i].len % HVP_BLK_SECTOR)
            return HVP_BLK_EIO;
        segs[i] = (struct hv_blk_seg){ q->seg[i].gpa, q->seg[i].len };
    }
    struct hv_blk_req req = { .type = q->op == HVP_BLK_OP_READ ? HV_BLK_READ : HV_BLK_WRITE,
                              .sector = q->sector, .segs = segs,
                              .nr_segs = q->nr_segments };
    return status_of(hv__blk_execute(b->bd, &pv->vm->mem, &req, b->serial, NULL));
}

static int32_t execute(struct hvp_vm *pv, struct blkback *b, const struct hvp_blk_req *q)
{
    switch (q->op) {
    case HVP_BLK_OP_READ:
    case HVP_BLK_OP_WRITE:
        return rw_request(pv, b, q);
    case HVP_BLK_OP_FLUSH: {
        /* Durable before the response: hv__blockdev_flush returns after fdatasync. */
        struct hv_blk_req req = { .type = HV_BLK_FLUSH };
        return status_of(hv__blk_execute(b->bd, &pv->vm->mem, &req, NULL, NULL));
    }
    case HVP_BLK_OP_DISCARD: {
        if (q->discard_sectors == 0)
            return HVP_BLK_EIO;
        struct hv_blk_req req = { .type = HV_BLK_DISCARD, .sector = q->sector,
                                  .nr_sectors = q->discard_sectors };
        return status_of(hv__blk_execute(b->bd, &pv->vm->mem, &req, NULL, NULL));
    }
    default:
        return HVP_BLK_ENOTSUP;
    }
}

/* Decode a READ/WRITE for merging: ok only if the engine would accept it as it is (every
 * segment whole sectors inside RAM, writable when the disk writes it, the range inside the
 * disk, no write to a read-only disk). Anything else is executed alone, which answers it
 * with the engine's own verdict. */
static void classify(struct hvp_vm *pv, struct blkback *b, const struct hvp_blk_req *q,
                     struct hvp_blk_io *io)
{
    *io = (struct hvp_blk_io){ .sector = q->sector, .op = q->op, .nr_segs = q->nr_segments };
    if (q->op != HVP_BLK_OP_READ && q->op != HVP_BLK_OP_WRITE)
        return;
    if (q->nr_segments == 0 || q->nr_segments > HVP_BLK_MAX_SEGS)
        return;
    bool is_read = q->op == HVP_BLK_OP_READ;
    if (!is_read && hv__blockdev_readonly(b->bd))
        return;
    struct hv_mem *mem = &pv->vm->mem;
    uint64_t bytes = 0;
    for (unsigned i = 0; i < q->nr_segments; i++) {
        const struct hvp_blk_seg *s = &q->seg[i];
        const struct hv_region *r;
        if (s->len == 0 || s->len % HVP_BLK_SECTOR ||
            !hv__mem_hva_region(mem, s->gpa, s->len, &r))
            return;
        if (is_read && !(r->flags & HV_MEM_WRITE))
            return;
        bytes += s->len;                         /* <= 8 x 4 GiB: no wrap */
    }
    uint64_t disk_sectors = hv__blockdev_size(b->bd) / HVP_BLK_SECTOR;
    if (bytes > HV_BLK_MAX_BYTES || q->sector > disk_sectors ||
        bytes / HVP_BLK_SECTOR > disk_sectors - q->sector)
        return;
    io->bytes = bytes;
    io->ok = 1;
}

/* One host read or write for a run whose buffers are scattered in guest memory, through the
 * device's bounce buffer (the block engine moves data with one host call per segment; it
 * has no vectored I/O). classify() validated every segment and the sector range; the
 * pointers are still looked up through hv__dma_ptr, which marks read targets dirty. */
static int bounce_io(struct hvp_vm *pv, struct blkback *b, bool is_read, uint64_t sector,
                     unsigned ns, uint64_t total)
{
    if (!b->bounce && !(b->bounce = malloc(HVP_BLK_MERGE_MAX_BYTES)))
        return -1;
    struct hv_mem *mem = &pv->vm->mem;
    uint64_t off = sector * HVP_BLK_SECTOR;
    if (is_read && hv__blockdev_read(b->bd, b->bounce, total, off) < 0)
        return -1;
    uint64_t pos = 0;
    for (unsigned k = 0; k < ns; k++) {
        uint64_t len = b->segs[k].len;
        uint8_t *p = hv__dma_ptr(mem, b->segs[k].gpa, len, is_read);
        if (!p)
            return -1;
        if (is_read)
            memcpy(p, b->bounce + pos, len);
        else
            memcpy(b->bounce + pos, p, len);
        pos += len;
    }
    return is_read ? 0 : hv__blockdev_write(b->bd, b->bounce, total, off);
}

/* Execute batch entries [i, i + n), a run hvp_blk_run_len() found mergeable, as one host
 * read or write: segments that continue each other in guest memory are joined; if pieces
 * remain and they are small, the bounce buffer gathers them, else the engine moves each
 * piece in place. If the merged I/O fails (a host I/O error), every request is retried
 * alone so that each gets its own status. */
static void run_merged(struct hvp_vm *pv, struct blkback *b, unsigned i, unsigned n)
{
    struct hv_mem *mem = &pv->vm->mem;
    unsigned ns = 0;
    uint64_t total = 0;
    for (unsigned k = i; k < i + n; k++) {
        const struct hvp_blk_req *q = &b->req[k];
        total += b->io[k].bytes;
        for (unsigned j = 0; j < q->nr_segments; j++) {
            struct hv_blk_seg s = { q->seg[j].gpa, q->seg[j].len };
            struct hv_blk_seg *last = ns ? &b->segs[ns - 1] : NULL;
            if (last && last->gpa + last->len == s.gpa &&
                hv__mem_hva(mem, last->gpa, last->len + s.len)) {
                last->len += s.len;
                continue;
            }
            b->segs[ns++] = s;
        }
    }
    bool is_read = b->io[i].op == HVP_BLK_OP_READ;
    int32_t st;
    if (ns > 1 && total / ns <= BOUNCE_MAX_AVG) {
        st = bounce_io(pv, b, is_read, b->io[i].sector, ns, total) < 0 ? HVP_BLK_EIO
                                                                      : HVP_BLK_OK;
    } else {
        struct hv_blk_req req = { .type = is_read ? HV_BLK_READ : HV_BLK_WRITE,
                                  .sector = b->io[i].sector, .segs = b->segs, .nr_segs = ns };
        st = status_of(hv__blk_execute(b->bd, mem, &req, b->serial, NULL));
    }
    for (unsigned k = i; k < i + n; k++)
        b->status[k] = n == 1 || st == HVP_BLK_OK ? st : execute(pv, b, &b->req[k]);
}

/* Answer the m requests in b->req[] into b->status[], in ring order. */
static void run_batch(struct hvp_vm *pv, struct blkback *b, unsigned m)
{
    for (unsigned k = 0; k < m; k++)
        classify(pv, b, &b->req[k], &b->io[k]);
    for (unsigned k = 0; k < m;) {
        if (!b->io[k].ok) {
            b->status[k] = execute(pv, b, &b->req[k]);
            k++;
            continue;
        }
        unsigned n = hvp_blk_run_len(&b->io[k], m - k);
        run_merged(pv, b, k, n);
        k += n;
    }
}

/* Drain the ring (d->lock held), a batch at a time. True if the guest wants an event. */
static bool service(struct hvp_vm *pv, struct hvp_dev *d)
{
    struct blkback *b = d->priv;
    struct hvp_bring r;
    if (!hvp_ring_map(pv, d, sizeof(union hvp_blk_slot), &r))
        return false;
    uint32_t old = d->rsp_prod;
    do {
        int64_t n = hvp_ring_pending(d, &r);
        if (n < 0) {
            hvp_ring_break(pv, d, "block ring: req_prod more than a ring ahead");
            break;
        }
        while (n > 0) {
            unsigned m = n < BATCH_MAX ? (unsigned)n : BATCH_MAX;
            /* Copy first: the guest may rewrite the slots while we work. */
            for (unsigned k = 0; k < m; k++)
                memcpy(&b->req[k], hvp_ring_slot(&r, d->req_cons++), sizeof(b->req[k]));
            run_batch(pv, b, m);
            /* Responses are produced in request order, so each slot is its request's. */
            for (unsigned k = 0; k < m; k++) {
                struct hvp_blk_rsp rsp = { .id = b->req[k].id, .status = b->status[k] };
                memcpy(hvp_ring_slot(&r, d->rsp_prod++), &rsp, sizeof(rsp));
            }
            n -= m;
        }
    } while (hvp_ring_final_check(d, &r));
    return hvp_ring_push(pv, d, &r, old);
}

static void blk_notify(struct hvp_vcpu *h, struct hvp_dev *d)
{
    struct hvp_vm *pv = h->pv;
    pthread_mutex_lock(&d->lock);
    bool kick = service(pv, d);
    uint32_t port = d->port;
    pthread_mutex_unlock(&d->lock);
    if (kick && port)
        hvp_evtchn_raise(pv, port);
}

static void blk_fini(struct hvp_dev *d)
{
    struct blkback *b = d->priv;
    if (b)
        free(b->bounce);
    free(d->priv);
    d->priv = NULL;
}

static const struct hvp_dev_ops blk_ops = {
    .type = HVP_DEV_BLOCK,
    .max_order = BLK_MAX_ORDER,
    .notify = blk_notify,
    .connect = hvp_ring_reset,
    .fini = blk_fini,
};

int hvp_blkback_init(struct hvp_vm *pv, char *err, size_t errlen)
{
    struct hv_vm *vm = pv->vm;
    for (unsigned i = 0; i < vm->cfg.nr_disks; i++) {
        struct hv_blockdev *bd = vm->disks[i];
        if (!bd)
            continue;
        struct blkback *b = calloc(1, sizeof(*b));
        if (!b)
            return hv__errf(err, errlen, HV_ENOMEM, "para block: out of memory");
        struct hvp_dev *d = hvp_device_add(pv, &blk_ops);
        if (!d) {
            free(b);
            return hv__errf(err, errlen, HV_ELIMIT, "para: more than %u devices",
                            HVP_MAX_DEVICES);
        }
        b->bd = bd;
        b->serial = vm->cfg.disks[i].serial;
        d->priv = b;
        struct hvp_dev_info *di = &pv->start.devices[d->id];
        di->param[0] = hv__blockdev_size(bd) / HVP_BLK_SECTOR;
        di->param[1] = HVP_BLK_SECTOR;
        if (hv__blockdev_readonly(bd))
            di->flags |= HVP_DEVF_READONLY;
        hvp_device_publish(pv, d);
    }
    return 0;
}
