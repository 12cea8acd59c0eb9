/* SPDX-License-Identifier: MIT */
/* blkqd — block throughput with many requests in flight (the SDK's asynchronous block API,
 * hvguest.h): BLK_COUNT requests of BLK_REQ bytes, submitted BLK_QD at a time (in order, or
 * shuffled with BLK_RANDOM) and kicked once per batch, first writes, then reads of the same
 * requests whose every sector tag is checked. Each request has its own buffer slot, so a
 * batch never overlaps itself; the slots are one contiguous array, or with BLK_SCATTER
 * every other 4 KiB of a twice larger one (so adjacent requests never have adjacent
 * buffers: no host I/O can cover two of them). Data follows blkpattern.h like blkio.c, so
 * the harness verifies the disk image afterwards. bytes = written + read; ops = requests. */
#include "bench.h"
#include "benchline.h"
#include "blkbench.h"
#include "blkpattern.h"

#ifndef BLK_REQ
#define BLK_REQ 4096u
#endif
#ifndef BLK_COUNT
#define BLK_COUNT 2048u
#endif
#ifndef BLK_QD
#define BLK_QD 32u
#endif
#ifndef BLK_RANDOM
#define BLK_RANDOM 0
#endif
#ifndef BLK_SCATTER
#define BLK_SCATTER 0
#endif
#ifndef BENCH_NAME
#define BENCH_NAME "blkqd"
#endif
#define BLK_NAME BENCH_NAME

#define SECS (BLK_REQ / BLKPAT_SECTOR)
#define WORDS (BLK_REQ / 8)

_Static_assert(BLK_QD <= HV_GUEST_BLK_QDEPTH, "queue deeper than the SDK allows");
_Static_assert(SECS <= HV_GUEST_BLK_ASYNC_MAX, "request larger than the SDK allows");
_Static_assert(BLK_COUNT % BLK_QD == 0, "whole batches only");

#define STRIDE (BLK_SCATTER ? 2u : 1u)
static uint64_t slots[BLK_QD * STRIDE][WORDS] __attribute__((aligned(4096)));
#define buf(j) slots[(j) * STRIDE]
static uint32_t order[BLK_COUNT];

static int fail(const char *what, uint32_t req)
{
    hv_guest_printf("%s: %s failed at request %u\n", BLK_NAME, what, (unsigned)req);
    return 1;
}

/* Submit requests [first, first + BLK_QD) in one batch and wait for all of them; each
 * completion's cookie must be one of the batch, seen once. -1 names the failing request. */
static int batch(int write, uint32_t first, uint32_t *bad)
{
    for (uint32_t j = 0; j < BLK_QD; j++) {
        uint64_t sector = (uint64_t)order[first + j] * SECS;
        if (hv_guest_blk_submit(0, write, sector, buf(j), SECS, first + j) < 0) {
            *bad = first + j;
            return -1;
        }
    }
    hv_guest_blk_kick(0);
    uint64_t seen = 0;
    for (uint32_t j = 0; j < BLK_QD; j++) {
        uint64_t cookie = ~0ull;
        int rc = hv_guest_blk_complete(0, &cookie);
        uint64_t slot = cookie - first;
        if (rc != 1 || slot >= BLK_QD || (seen >> slot & 1)) {
            *bad = rc == 1 ? first + j : (uint32_t)cookie;
            return -1;
        }
        seen |= 1ull << slot;
    }
    return 0;
}

int main(void)
{
    if (blk_disk_ready(BLK_NAME, (uint64_t)BLK_COUNT * SECS))
        return 1;
    bench_order(order, BLK_COUNT, BLK_RANDOM);
    for (uint32_t j = 0; j < BLK_QD; j++)
        for (uint32_t k = 0; k < SECS; k++)
            for (unsigned w = 1; w < BLKPAT_WORDS; w++)
                buf(j)[k * BLKPAT_WORDS + w] = blkpat_word(w);
    uint64_t ops = 0, sum = 0;
    uint32_t bad = 0;
    uint64_t t0 = hv_guest_time_ns();
    for (uint32_t i = 0; i < BLK_COUNT; i += BLK_QD) {
        for (uint32_t j = 0; j < BLK_QD; j++) {
            uint64_t sector = (uint64_t)order[i + j] * SECS;
            for (uint32_t k = 0; k < SECS; k++)
                buf(j)[k * BLKPAT_WORDS] = blkpat_tag(sector + k);
        }
        if (batch(1, i, &bad) < 0)
            return fail("write", bad);
        ops += BLK_QD;
    }
    for (uint32_t i = 0; i < BLK_COUNT; i += BLK_QD) {
        for (uint32_t j = 0; j < BLK_QD; j++)
            buf(j)[0] = 0;
        if (batch(0, i, &bad) < 0)
            return fail("read", bad);
        ops += BLK_QD;
        for (uint32_t j = 0; j < BLK_QD; j++) {
            uint64_t sector = (uint64_t)order[i + j] * SECS;
            for (uint32_t k = 0; k < SECS; k++) {
                uint64_t tag = buf(j)[k * BLKPAT_WORDS];
                if (tag != blkpat_tag(sector + k) ||
                    buf(j)[k * BLKPAT_WORDS + 7] != blkpat_word(7))
                    return fail("verify", i + j);
                sum += tag;
            }
        }
    }
    uint64_t ns = hv_guest_time_ns() - t0;
    uint64_t bytes = 2ull * BLK_COUNT * BLK_REQ;
    hv_guest_printf("bench: name=%s ops=%llu bytes=%llu ns=%llu disk_written=%llu\n", BLK_NAME,
                    (unsigned long long)ops, (unsigned long long)bytes, (unsigned long long)ns,
                    (unsigned long long)BLK_COUNT * BLK_REQ);
    uint64_t expect = 0;
    for (uint64_t sec = 0; sec < (uint64_t)BLK_COUNT * SECS; sec++)
        expect += blkpat_tag(sec);
    return bench_report(BLK_NAME, sum, expect);
}
