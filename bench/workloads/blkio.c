/* SPDX-License-Identifier: MIT */
/* blkio — block-device throughput. Writes BLK_COUNT requests of BLK_REQ bytes (in order, or
 * in a shuffled order with BLK_RANDOM), optionally flushing after each write (BLK_FLUSH),
 * then reads them all back in the same order and checks the tag of every sector. One
 * source, several ELFs (bench/CMakeLists.txt sets the defines: blk-seq-4k, blk-rand-1m...).
 * The data follows blkpattern.h so the harness can verify the disk image afterwards.
 * bytes = written + read; ops = requests (writes + reads + flushes). */
#include "bench.h"
#include "benchline.h"
#include "blkbench.h"
#include "blkpattern.h"

#ifndef BLK_REQ
#define BLK_REQ 4096u
#endif
#ifndef BLK_COUNT
#define BLK_COUNT 1024u
#endif
#ifndef BLK_RANDOM
#define BLK_RANDOM 0
#endif
#ifndef BLK_FLUSH
#define BLK_FLUSH 0
#endif
#ifndef BENCH_NAME
#define BENCH_NAME "blkio"
#endif
#define BLK_NAME BENCH_NAME

#define SECS (BLK_REQ / BLKPAT_SECTOR)

static uint64_t buf[BLK_REQ / 8] __attribute__((aligned(4096)));
static uint32_t order[BLK_COUNT];

static int fail(const char *what, uint32_t slot)
{
    hv_guest_printf("%s: %s failed at request %u\n", BLK_NAME, what, (unsigned)slot);
    return 1;
}

static void stamp(uint64_t first_sector)
{
    for (uint32_t k = 0; k < SECS; k++)
        buf[k * BLKPAT_WORDS] = blkpat_tag(first_sector + k);
}

int main(void)
{
    if (blk_disk_ready(BLK_NAME, (uint64_t)BLK_COUNT * SECS))
        return 1;
    bench_order(order, BLK_COUNT, BLK_RANDOM);
    for (uint32_t k = 0; k < SECS; k++)
        for (unsigned w = 1; w < BLKPAT_WORDS; w++)
            buf[k * BLKPAT_WORDS + w] = blkpat_word(w);
    uint64_t ops = 0, sum = 0;
    uint64_t t0 = hv_guest_time_ns();
    for (uint32_t i = 0; i < BLK_COUNT; i++) {
        uint64_t sector = (uint64_t)order[i] * SECS;
        stamp(sector);
        if (hv_guest_blk_write(0, sector, buf, SECS) < 0)
            return fail("write", i);
        ops++;
        if (BLK_FLUSH) {
            if (hv_guest_blk_flush(0) < 0)
                return fail("flush", i);
            ops++;
        }
    }
    for (uint32_t i = 0; i < BLK_COUNT; i++) {
        uint64_t sector = (uint64_t)order[i] * SECS;
        buf[0] = 0;
        if (hv_guest_blk_read(0, sector, buf, SECS) < 0)
            return fail("read", i);
        ops++;
        for (uint32_t k = 0; k < SECS; k++) {
            uint64_t tag = buf[k * BLKPAT_WORDS];
            if (tag != blkpat_tag(sector + k) || buf[k * BLKPAT_WORDS + 7] != blkpat_word(7))
                return fail("verify", i);
            sum += tag;
        }
    }
    uint64_t ns = hv_guest_time_ns() - t0;
    uint64_t bytes = 2ull * BLK_COUNT * BLK_REQ;
    hv_guest_printf("bench: name=%s ops=%llu bytes=%llu ns=%llu disk_written=%llu\n", BLK_NAME,
                    (unsigned long long)ops, (unsigned long long)bytes, (unsigned long long)ns,
                    (unsigned long long)BLK_COUNT * BLK_REQ);
    /* Order-independent: the sum of the tags of every sector read back. */
    uint64_t expect = 0;
    for (uint64_t sec = 0; sec < (uint64_t)BLK_COUNT * SECS; sec++)
        expect += blkpat_tag(sec);
    return bench_report(BLK_NAME, sum, expect);
}
