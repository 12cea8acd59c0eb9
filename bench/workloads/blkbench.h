/* SPDX-License-Identifier: MIT */
/* Shared by the block workloads (blkio.c, blkqd.c): the disk checks before the timed part.
 * Freestanding guest code on the SDK. */
#ifndef BLKBENCH_H
#define BLKBENCH_H

#include "hvguest.h"

/* 0 when disk 0 exists and holds at least `sectors`; else prints why and returns 1. */
static inline int blk_disk_ready(const char *name, uint64_t sectors)
{
    if (hv_guest_blk_count() < 1) {
        hv_guest_printf("%s: finding a disk failed\n", name);
        return 1;
    }
    uint64_t cap = hv_guest_blk_capacity(0);
    if (cap < sectors) {
        hv_guest_printf("%s: disk too small: %llu sectors, need %llu\n", name,
                        (unsigned long long)cap, (unsigned long long)sectors);
        return 1;
    }
    return 0;
}

#endif
