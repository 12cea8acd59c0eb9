/* Shared helpers for the bench workloads: a deterministic PRNG, a scale factor chosen at
 * build time (BENCH_SCALE, default 1), and a uniform report line "name: checksum" that lets
 * the harness check every engine computed the same result. */
#ifndef BENCH_H
#define BENCH_H

#include "hvguest.h"

#ifndef BENCH_SCALE
#define BENCH_SCALE 1
#endif

static inline uint64_t bench_rand(uint64_t *s)
{
    uint64_t x = *s;        /* xorshift64* */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static inline int bench_report(const char *name, uint64_t checksum, uint64_t expect)
{
    hv_guest_printf("%s: checksum %llx %s\n", name, (unsigned long long)checksum,
                    checksum == expect ? "ok" : "MISMATCH");
    return checksum == expect ? 0 : 1;
}

#endif
