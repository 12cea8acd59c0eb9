/* SPDX-License-Identifier: MIT */
/* sort — quicksort (median of three, insertion sort for small ranges) of pseudo-random
 * 64-bit keys, then a sortedness check and a checksum of positions. */
#include "bench.h"

#define N (100000 * BENCH_SCALE)
static uint64_t a[N];

static void isort(uint64_t *v, long n)
{
    for (long i = 1; i < n; i++) {
        uint64_t x = v[i];
        long j = i - 1;
        while (j >= 0 && v[j] > x)
            v[j + 1] = v[j], j--;
        v[j + 1] = x;
    }
}

static void qsort64(uint64_t *v, long n)
{
    while (n > 16) {
        uint64_t p0 = v[0], p1 = v[n / 2], p2 = v[n - 1];
        uint64_t p = p0 < p1 ? (p1 < p2 ? p1 : (p0 < p2 ? p2 : p0)) : (p0 < p2 ? p0 : (p1 < p2 ? p2 : p1));
        long i = 0, j = n - 1;
        for (;;) {
            while (v[i] < p) i++;
            while (v[j] > p) j--;
            if (i >= j) break;
            uint64_t t = v[i]; v[i] = v[j]; v[j] = t;
            i++, j--;
        }
        if (j + 1 < n - j - 1) {
            qsort64(v, j + 1);
            v += j + 1, n -= j + 1;
        } else {
            qsort64(v + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    isort(v, n);
}

int main(void)
{
    uint64_t s = 88172645463325252ull;
    for (long i = 0; i < N; i++)
        a[i] = bench_rand(&s) >> 8;
    qsort64(a, N);
    uint64_t sum = 0;
    for (long i = 0; i < N; i++) {
        if (i && a[i - 1] > a[i])
            return bench_report("sort", 0, 1);
        sum = sum * 31 + (a[i] >> 40);
    }
    return bench_report("sort", sum, BENCH_SCALE == 1 ? 0xe21e84eba60b2853ull : sum);
}
