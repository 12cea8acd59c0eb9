/* SPDX-License-Identifier: MIT */
/* libhv para backend — the block back-end's batch planner, shared by blkback.c and its unit
 * tests: which consecutive ring requests can be merged into one host I/O (same direction,
 * each starting at the sector where the previous one ended, within the merge bounds). */
#ifndef HVP_BLKBACK_H
#define HVP_BLKBACK_H

#include <stdint.h>

#define HVP_BLK_MERGE_MAX_BYTES (1u << 20)   /* one host I/O moves at most 1 MiB */
#define HVP_BLK_MERGE_MAX_SEGS 1024u         /* == HV_BLK_MAX_SEGS of the block engine */

/* A READ/WRITE request after validation. Only requests with ok set take part in merging. */
struct hvp_blk_io {
    uint64_t sector;
    uint64_t bytes;       /* whole sectors, > 0 */
    uint8_t op;           /* HVP_BLK_OP_READ / _WRITE */
    uint8_t nr_segs;
    uint8_t ok;           /* validated: inside RAM and the disk, allowed on this disk */
};

/* How many requests from io[0] (1..n) form one mergeable run; 1 when io[0] cannot be merged
 * with its successor. n must be >= 1. */
static inline unsigned hvp_blk_run_len(const struct hvp_blk_io *io, unsigned n)
{
    if (!io[0].ok)
        return 1;
    uint64_t bytes = io[0].bytes, next = io[0].sector + (io[0].bytes >> 9);
    unsigned segs = io[0].nr_segs, k = 1;
    while (k < n) {
        const struct hvp_blk_io *q = &io[k];
        if (!q->ok || q->op != io[0].op || q->sector != next ||
            bytes + q->bytes > HVP_BLK_MERGE_MAX_BYTES ||   /* both <= 1 GiB: no wrap */
            segs + q->nr_segs > HVP_BLK_MERGE_MAX_SEGS)
            break;
        bytes += q->bytes;
        segs += q->nr_segs;
        next += q->bytes >> 9;
        k++;
    }
    return k;
}

#endif
