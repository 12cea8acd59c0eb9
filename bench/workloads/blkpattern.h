/* SPDX-License-Identifier: MIT */
/* The data pattern the block workloads (blkio.c) write, shared with the harness that checks
 * the disk image afterwards (tools/hv/bench_run.c). Word 0 of each 512-byte sector is a tag
 * derived from the absolute sector number, words 1..63 depend only on their position, so
 * the guest rewrites one word per sector per request and the host can verify every byte.
 * Freestanding: only <stdint.h>. */
#ifndef BLKPATTERN_H
#define BLKPATTERN_H

#include <stdint.h>

#define BLKPAT_SECTOR 512u
#define BLKPAT_WORDS (BLKPAT_SECTOR / 8u)

static inline uint64_t blkpat_tag(uint64_t sector)
{
    return (sector + 1) * 0x9E3779B97F4A7C15ull ^ 0x4856424E43480000ull;
}

static inline uint64_t blkpat_word(unsigned w)
{
    return (uint64_t)w * 0x0101010101010101ull ^ 0xA55A5AA5F00F0FF0ull;
}

#endif
