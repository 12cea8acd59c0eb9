/* SPDX-License-Identifier: MIT */
/* memstream — streaming memory bandwidth: memset- and memcpy-style passes over two 8 MiB
 * buffers (unrolled 64-bit stores and copies), checksummed by sampling. Built flat (M-mode
 * on the full board) and, with -DBENCH_SV39, under Sv39 paging on the full board
 * ("memstream-sv39"; para stays flat), to show what the software MMU costs on streaming
 * access. bytes counts every byte stored or loaded by the fill and copy loops. */
#include "bench.h"
#include "benchline.h"
#include "sv39.h"

#define BUF_BYTES (8u << 20)
#define WORDS (BUF_BYTES / 8u)
#define PASSES (6 * BENCH_SCALE)
#define MEMSTREAM_EXPECT 0x28d3ae563d689f4bull
#define NOLIBCALL __attribute__((noinline, optimize("no-tree-loop-distribute-patterns")))

#ifdef BENCH_SV39
#define NAME "memstream-sv39"
#else
#define NAME "memstream"
#endif

static uint64_t a[WORDS] __attribute__((aligned(4096)));
static uint64_t b[WORDS] __attribute__((aligned(4096)));

NOLIBCALL static void fill(uint64_t *d, uint64_t v, uint64_t words)
{
    for (uint64_t i = 0; i < words; i += 8) {
        d[i] = v; d[i + 1] = v; d[i + 2] = v; d[i + 3] = v;
        d[i + 4] = v; d[i + 5] = v; d[i + 6] = v; d[i + 7] = v;
    }
}

NOLIBCALL static void copy(uint64_t *d, const uint64_t *s, uint64_t words)
{
    for (uint64_t i = 0; i < words; i += 8) {
        uint64_t x0 = s[i], x1 = s[i + 1], x2 = s[i + 2], x3 = s[i + 3];
        uint64_t x4 = s[i + 4], x5 = s[i + 5], x6 = s[i + 6], x7 = s[i + 7];
        d[i] = x0; d[i + 1] = x1; d[i + 2] = x2; d[i + 3] = x3;
        d[i + 4] = x4; d[i + 5] = x5; d[i + 6] = x6; d[i + 7] = x7;
    }
}

static int work(void)
{
    uint64_t sum = 0, s = 77;
    uint64_t t0 = hv_guest_time_ns();
    for (int pass = 0; pass < PASSES; pass++) {
        fill(a, 0x0101010101010101ull * (uint64_t)(pass + 1), WORDS);
        for (int k = 0; k < 64; k++)                   /* make the copy's content vary */
            a[bench_rand(&s) % WORDS] ^= (uint64_t)k << 8;
        copy(b, a, WORDS);
        for (uint64_t i = 0; i < WORDS; i += 509)      /* sample the destination */
            sum = (sum ^ b[i]) * 0x100000001b3ull;
    }
    uint64_t ns = hv_guest_time_ns() - t0;
    bench_line(NAME, PASSES, (uint64_t)PASSES * 3u * BUF_BYTES, ns);
    return bench_report(NAME, sum, BENCH_SCALE == 1 ? MEMSTREAM_EXPECT : sum);
}

int main(void)
{
    return bench_sv39_run(work);
}
