/* SPDX-License-Identifier: MIT */
/* libhv full backend — virtio-blk on the virtio-mmio transport: decodes requests (16-byte
 * header in the readable stream, status byte at the end of the writable stream) and runs
 * them on the shared block engine (dev/blk.h). Features: SEG_MAX, BLK_SIZE, FLUSH,
 * DISCARD, RO. */
#include <stdlib.h>
#include <string.h>
#include "backends/full/virtio_mmio.h"

#define VIRTIO_ID_BLOCK 2
#define F_SEG_MAX 2
#define F_RO 5
#define F_BLK_SIZE 6
#define F_FLUSH 9
#define F_DISCARD 13

enum { T_IN = 0, T_OUT = 1, T_FLUSH = 4, T_GET_ID = 8, T_DISCARD = 11 };

#define QUEUE_MAX 256u
#define SEG_MAX (QUEUE_MAX - 2)          /* header and status take a descriptor each */
#define MAX_DISCARD_SEG 32u
#define MAX_DISCARD_SECTORS 0x3fffffu    /* 2 GiB - 512 per range */
#define HDR_LEN 16u
#define DISCARD_LEN 16u

/* struct virtio_blk_config, little-endian, up to the discard fields. */
struct blk_config {
    uint64_t capacity;
    uint32_t size_max;
    uint32_t seg_max;
    uint16_t cylinders;
    uint8_t heads, sectors;
    uint32_t blk_size;
    uint8_t physical_block_exp, alignment_offset;
    uint16_t min_io_size;
    uint32_t opt_io_size;
    uint8_t writeback, unused0;
    uint16_t num_queues;
    uint32_t max_discard_sectors;
    uint32_t max_discard_seg;
    uint32_t discard_sector_alignment;
} __attribute__((packed));
_Static_assert(sizeof(struct blk_config) == 48, "virtio_blk_config layout");

struct vblk {
    struct hv_blockdev *bd;
    char serial[HV_BLK_ID_BYTES + 1];
    struct blk_config cfg;
    struct hv_blk_seg segs[HVF_VQ_MAX_CHAIN];
};

static int config_read(void *dev, uint64_t off, unsigned size, uint64_t *val)
{
    struct vblk *b = dev;
    *val = hvf_virtio_config_bytes(&b->cfg, sizeof(b->cfg), off, size);
    return 0;
}

static uint8_t do_discard(struct hvf_virtio *vio, struct vblk *b, const struct hvf_vq_chain *c)
{
    uint64_t len = c->rlen - HDR_LEN;
    if (len == 0 || len % DISCARD_LEN || len / DISCARD_LEN > MAX_DISCARD_SEG)
        return HV_BLK_UNSUPP;
    for (uint64_t off = HDR_LEN; off < c->rlen; off += DISCARD_LEN) {
        struct { uint64_t sector; uint32_t num, flags; } r;
        if (hvf_vq_read(vio, c, off, &r, sizeof(r)) < 0)
            return HV_BLK_IOERR;
        if (r.flags & ~1u)                   /* only the "unmap" flag is defined */
            return HV_BLK_UNSUPP;
        if (r.num > MAX_DISCARD_SECTORS)
            return HV_BLK_IOERR;
        struct hv_blk_req req = { .type = HV_BLK_DISCARD, .sector = r.sector,
                                  .nr_sectors = r.num };
        uint8_t st = (uint8_t)hv__blk_execute(b->bd, &hvf_virtio_vm(vio)->mem, &req, NULL, NULL);
        if (st != HV_BLK_OK)
            return st;
    }
    return HV_BLK_OK;
}

/* Execute one request; returns the status and sets *data_written. */
static uint8_t do_request(struct hvf_virtio *vio, struct vblk *b, const struct hvf_vq_chain *c,
                          uint64_t *data_written)
{
    struct { uint32_t type, reserved; uint64_t sector; } hdr;
    *data_written = 0;
    if (hvf_vq_read(vio, c, 0, &hdr, sizeof(hdr)) < 0)
        return HV_BLK_IOERR;
    struct hv_blk_req req = { .sector = hdr.sector, .segs = b->segs };
    bool data_in = false;
    uint64_t data_len;
    switch (hdr.type) {
    case T_IN: req.type = HV_BLK_READ; data_in = true; break;
    case T_OUT: req.type = HV_BLK_WRITE; break;
    case T_FLUSH:
        req.type = HV_BLK_FLUSH;
        return (uint8_t)hv__blk_execute(b->bd, &hvf_virtio_vm(vio)->mem, &req, NULL, NULL);
    case T_GET_ID: req.type = HV_BLK_GET_ID; data_in = true; break;
    case T_DISCARD: return do_discard(vio, b, c);
    default: return HV_BLK_UNSUPP;
    }
    /* Data: the writable stream minus the status byte, or the readable one minus the
     * header. */
    data_len = data_in ? c->wlen - 1 : c->rlen - HDR_LEN;
    int n = hvf_vq_slice(c, data_in, data_in ? 0 : HDR_LEN, data_len, b->segs,
                         HVF_VQ_MAX_CHAIN);
    if (n < 0)
        return HV_BLK_IOERR;
    req.nr_segs = (unsigned)n;
    return (uint8_t)hv__blk_execute(b->bd, &hvf_virtio_vm(vio)->mem, &req, b->serial,
                                    data_written);
}

static void notify(struct hvf_virtio *vio, void *dev, unsigned q)
{
    struct vblk *b = dev;
    struct hvf_vq_chain c;
    bool pushed = false;
    while (hvf_vq_pop(vio, q, &c) > 0) {
        if (c.rlen < HDR_LEN || c.wlen < 1) {
            hvf_virtio_needs_reset(vio, "request without header or status byte");
            break;
        }
        uint64_t written;
        uint8_t status = do_request(vio, b, &c, &written);
        if (hvf_vq_write(vio, &c, c.wlen - 1, &status, 1) < 0) {
            hvf_virtio_needs_reset(vio, "status byte not writable");
            break;
        }
        hvf_vq_push(vio, q, &c, (uint32_t)(written + 1));
        pushed = true;
    }
    if (pushed)
        hvf_vq_interrupt(vio, q);
}

static void destroy(void *dev)
{
    free(dev);
}

static const struct hvf_virtio_ops vblk_ops = {
    .name = "blk",
    .device_id = VIRTIO_ID_BLOCK,
    .nr_queues = 1,
    .queue_max = QUEUE_MAX,
    .config_read = config_read,
    .notify = notify,
    .destroy = destroy,
};

int hvf_virtio_blk_attach(struct hvf_virtio *vio, struct hv_blockdev *bd, const char *serial,
                          char *err, size_t errlen)
{
    if (!bd)
        return hv__errf(err, errlen, HV_EINVAL, "virtio-blk: no block device");
    struct vblk *b = calloc(1, sizeof(*b));
    if (!b)
        return hv__errf(err, errlen, HV_ENOMEM, "virtio-blk: out of memory");
    b->bd = bd;
    if (serial)
        strncpy(b->serial, serial, HV_BLK_ID_BYTES);
    bool ro = hv__blockdev_readonly(bd);
    b->cfg.capacity = hv__blockdev_size(bd) >> HV_BLK_SECTOR_SHIFT;
    b->cfg.seg_max = SEG_MAX;
    b->cfg.blk_size = HV_BLK_SECTOR_SIZE;
    b->cfg.num_queues = 1;
    b->cfg.max_discard_sectors = MAX_DISCARD_SECTORS;
    b->cfg.max_discard_seg = MAX_DISCARD_SEG;
    b->cfg.discard_sector_alignment = 1;
    uint64_t features = (1ull << F_SEG_MAX) | (1ull << F_BLK_SIZE) | (1ull << F_FLUSH);
    features |= ro ? (1ull << F_RO) : (1ull << F_DISCARD);
    int rc = hvf_virtio_attach(vio, &vblk_ops, b, features, err, errlen);
    if (rc < 0)
        free(b);
    return rc;
}
