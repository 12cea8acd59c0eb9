/* libhv para backend — the PV block back-end: one device per configured disk, a generic
 * ring of struct hvp_blk_req / hvp_blk_rsp (hv/para.h) serviced on the kicking vCPU. Each
 * NOTIFY drains every pending request (one kick per batch), requests are copied out of the
 * ring before they are checked, decoded into the shared block engine's form (dev/blk.h,
 * which bounds-checks guest memory and the sector range) and answered in ring order. A
 * request that is merely invalid gets HVP_BLK_EIO; a ring whose indices are impossible
 * breaks the device (docs/PARA-ABI.md, "Block devices"). */
#include <stdlib.h>
#include <string.h>
#include "backends/para/para.h"
#include "dev/blk.h"

#define BLK_MAX_ORDER 4u        /* 64 KiB rings: 256 slots */

struct blkback {
    struct hv_blockdev *bd;
    const char *serial;
};

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

/* Drain the ring (d->lock held). True if the guest wants a completion event. */
static bool service(struct hvp_vm *pv, struct hvp_dev *d)
{
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
        while (n-- > 0) {
            /* Copy first: the guest may rewrite the slot while we work. */
            struct hvp_blk_req q;
            memcpy(&q, hvp_ring_slot(&r, d->req_cons), sizeof(q));
            d->req_cons++;
            struct hvp_blk_rsp rsp = { .id = q.id, .status = execute(pv, d->priv, &q) };
            /* Responses are produced in request order, so the slot is the request's. */
            memcpy(hvp_ring_slot(&r, d->rsp_prod), &rsp, sizeof(rsp));
            d->rsp_prod++;
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
