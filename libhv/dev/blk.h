/* SPDX-License-Identifier: MIT */
/* libhv internal — the transport-independent block request engine shared by virtio-blk
 * (full backend) and the PV block ring (para backend), plus the bounds-checked guest
 * memory (DMA) helper every device front-end uses. A front-end decodes its own request
 * format into a struct hv_blk_req; the engine validates it completely (segments inside
 * guest RAM, overflow-safe lengths, sector range inside the disk) before touching the disk
 * or guest memory, then performs it. */
#ifndef HV_DEV_BLK_H
#define HV_DEV_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dev/dev.h"
#include "mem/mem.h"

/* Host pointer for a device access to [gpa, gpa+len) of guest RAM, or NULL when any byte
 * is outside one RAM region (holes, MMIO, wrap-around). `write` additionally requires a
 * writable region (a device never writes ROM) and marks the pages dirty. len 0 is refused
 * unless gpa itself is RAM. */
static inline uint8_t *hv__dma_ptr(struct hv_mem *mem, uint64_t gpa, uint64_t len, bool write)
{
    const struct hv_region *r;
    uint8_t *p = hv__mem_hva_region(mem, gpa, len, &r);
    if (!p)
        return NULL;
    if (write) {
        if (!(r->flags & HV_MEM_WRITE))
            return NULL;
        hv__mem_mark_dirty(mem, gpa, len);
    }
    return p;
}

#define HV_BLK_SECTOR_SHIFT 9
#define HV_BLK_SECTOR_SIZE 512u
#define HV_BLK_ID_BYTES 20u               /* GET_ID answer: serial, NUL-padded */
#define HV_BLK_MAX_SEGS 1024u             /* segments per request */
#define HV_BLK_MAX_BYTES (1ull << 30)     /* data bytes per request */

enum hv_blk_type {
    HV_BLK_READ = 0,      /* disk -> guest segments */
    HV_BLK_WRITE = 1,     /* guest segments -> disk */
    HV_BLK_FLUSH = 2,     /* durable (fdatasync) */
    HV_BLK_DISCARD = 3,   /* [sector, sector + nr_sectors) reads back as zeros */
    HV_BLK_GET_ID = 4     /* the disk's id string -> guest segments */
};

/* Values chosen to equal virtio-blk's status byte. */
enum hv_blk_status { HV_BLK_OK = 0, HV_BLK_IOERR = 1, HV_BLK_UNSUPP = 2 };

struct hv_blk_seg {
    uint64_t gpa;
    uint64_t len;
};

struct hv_blk_req {
    enum hv_blk_type type;
    uint64_t sector;                  /* READ/WRITE/DISCARD: first 512-byte sector */
    uint64_t nr_sectors;              /* DISCARD only */
    const struct hv_blk_seg *segs;    /* READ/WRITE/GET_ID */
    unsigned nr_segs;
};

/* Execute `req` on `bd` with guest memory `mem`. `id` is the GET_ID string (NULL: empty).
 * *written (may be NULL) receives the number of bytes stored into guest memory. Returns a
 * status, never a host error: anything invalid is HV_BLK_IOERR and leaves disk and guest
 * memory untouched; an unknown type is HV_BLK_UNSUPP. READ/WRITE data must be a whole
 * number of sectors. */
enum hv_blk_status hv__blk_execute(struct hv_blockdev *bd, struct hv_mem *mem,
                                   const struct hv_blk_req *req, const char *id,
                                   uint64_t *written);

#endif
