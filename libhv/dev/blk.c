/* SPDX-License-Identifier: MIT */
/* libhv dev — the block request engine shared by virtio-blk and the PV block ring:
 * validate a decoded request against guest RAM and the disk, then run it with the block
 * back-end reading/writing guest memory in place (no bounce buffer). */
#include <string.h>
#include "dev/blk.h"

/* Total data length of the segments, or UINT64_MAX if any segment is outside RAM (or not
 * writable when the device writes it) or the total is over the bound. */
static uint64_t check_segs(struct hv_mem *mem, const struct hv_blk_req *req, bool dev_writes)
{
    if (req->nr_segs > HV_BLK_MAX_SEGS || (req->nr_segs && !req->segs))
        return UINT64_MAX;
    uint64_t total = 0;
    for (unsigned i = 0; i < req->nr_segs; i++) {
        const struct hv_blk_seg *s = &req->segs[i];
        if (s->len > HV_BLK_MAX_BYTES - total)
            return UINT64_MAX;
        if (s->len && !hv__mem_hva(mem, s->gpa, s->len))
            return UINT64_MAX;
        if (s->len && dev_writes) {
            struct hv_region *r = hv__mem_find(mem, s->gpa);
            if (!r || !(r->flags & HV_MEM_WRITE))
                return UINT64_MAX;
        }
        total += s->len;
    }
    return total;
}

/* [sector, sector + bytes) inside the disk, overflow-safe. */
static bool range_ok(struct hv_blockdev *bd, uint64_t sector, uint64_t bytes)
{
    uint64_t size = hv__blockdev_size(bd);
    if (sector > (size >> HV_BLK_SECTOR_SHIFT))
        return false;
    return bytes <= size - (sector << HV_BLK_SECTOR_SHIFT);
}

static enum hv_blk_status rw(struct hv_blockdev *bd, struct hv_mem *mem,
                             const struct hv_blk_req *req, uint64_t *written)
{
    bool is_read = req->type == HV_BLK_READ;
    uint64_t total = check_segs(mem, req, is_read);
    if (total == UINT64_MAX || total % HV_BLK_SECTOR_SIZE || !range_ok(bd, req->sector, total))
        return HV_BLK_IOERR;
    if (!is_read && hv__blockdev_readonly(bd))
        return HV_BLK_IOERR;
    uint64_t off = req->sector << HV_BLK_SECTOR_SHIFT;
    for (unsigned i = 0; i < req->nr_segs; i++) {
        const struct hv_blk_seg *s = &req->segs[i];
        if (!s->len)
            continue;
        uint8_t *p = hv__dma_ptr(mem, s->gpa, s->len, is_read);
        int rc = is_read ? hv__blockdev_read(bd, p, s->len, off)
                         : hv__blockdev_write(bd, p, s->len, off);
        if (rc < 0)
            return HV_BLK_IOERR;
        off += s->len;
        if (is_read && written)
            *written += s->len;
    }
    return HV_BLK_OK;
}

static enum hv_blk_status get_id(struct hv_mem *mem, const struct hv_blk_req *req,
                                 const char *id, uint64_t *written)
{
    uint64_t total = check_segs(mem, req, true);
    if (total == UINT64_MAX)
        return HV_BLK_IOERR;
    uint8_t buf[HV_BLK_ID_BYTES] = { 0 };
    if (id)
        memcpy(buf, id, strnlen(id, sizeof(buf)));   /* not NUL-terminated when 20 long */
    uint64_t left = total < sizeof(buf) ? total : sizeof(buf), done = 0;
    for (unsigned i = 0; i < req->nr_segs && done < left; i++) {
        const struct hv_blk_seg *s = &req->segs[i];
        uint64_t n = s->len < left - done ? s->len : left - done;
        if (!n)
            continue;
        memcpy(hv__dma_ptr(mem, s->gpa, n, true), buf + done, n);
        done += n;
    }
    if (written)
        *written += done;
    return HV_BLK_OK;
}

static enum hv_blk_status discard(struct hv_blockdev *bd, const struct hv_blk_req *req)
{
    if (req->nr_sectors > (UINT64_MAX >> HV_BLK_SECTOR_SHIFT))
        return HV_BLK_IOERR;
    uint64_t bytes = req->nr_sectors << HV_BLK_SECTOR_SHIFT;
    if (!range_ok(bd, req->sector, bytes) || hv__blockdev_readonly(bd))
        return HV_BLK_IOERR;
    if (!bytes)
        return HV_BLK_OK;
    return hv__blockdev_discard(bd, req->sector << HV_BLK_SECTOR_SHIFT, bytes) < 0
               ? HV_BLK_IOERR : HV_BLK_OK;
}

enum hv_blk_status hv__blk_execute(struct hv_blockdev *bd, struct hv_mem *mem,
                                   const struct hv_blk_req *req, const char *id,
                                   uint64_t *written)
{
    if (written)
        *written = 0;
    if (!bd || !mem || !req)
        return HV_BLK_IOERR;
    switch (req->type) {
    case HV_BLK_READ:
    case HV_BLK_WRITE:
        return rw(bd, mem, req, written);
    case HV_BLK_FLUSH:
        return hv__blockdev_flush(bd) < 0 ? HV_BLK_IOERR : HV_BLK_OK;
    case HV_BLK_DISCARD:
        return discard(bd, req);
    case HV_BLK_GET_ID:
        return get_id(mem, req, id, written);
    }
    return HV_BLK_UNSUPP;
}
