/* SPDX-License-Identifier: MIT */
/* paging — random read-modify-writes over a 32 MiB array. On the full board the work runs in
 * S-mode under Sv39 with 4 KiB pages (sv39.h; every access goes through the software MMU and
 * the array spans 8192 pages, far more than the soft-TLB holds); the para flavour runs the
 * same loop on flat guest-physical memory. Comparing the two shows what paging costs. */
#include "bench.h"
#include "sv39.h"

#define ARRAY_BYTES (32u << 20)
#define WORDS (ARRAY_BYTES / 8)
static uint64_t array[WORDS] __attribute__((aligned(4096)));

static int work(void)
{
    uint64_t s = 2024, sum = 0;
    for (uint64_t i = 0; i < WORDS; i += 512)        /* touch every page once */
        array[i] = i;
    for (long i = 0; i < 1000000L * BENCH_SCALE; i++) {
        uint64_t r = bench_rand(&s);
        uint64_t *p = &array[r % WORDS];
        *p += r >> 32;
        sum ^= *p + (uint64_t)i;
    }
    return bench_report("paging", sum, BENCH_SCALE == 1 ? 0x322294284ull : sum);
}

int main(void)
{
    return bench_sv39_run(work);
}
