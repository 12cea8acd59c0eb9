/* SPDX-License-Identifier: MIT */
/* Shared helpers for the bench workloads: a deterministic PRNG, a scale factor chosen at
 * build time (BENCH_SCALE, default 1), and a uniform report line "name: checksum" that lets
 * the harness check every engine computed the same result. */
#ifndef BENCH_H
#define BENCH_H

#include "hvguest.h"

/* Workloads written in plain C (stdio, malloc) build as hosted guests on picolibc
 * (HV_GUEST_LIBC, matmul.c) and natively; the others use the SDK's printf. */
#ifdef HV_GUEST_LIBC
#include <stdio.h>
#define bench_printf printf
#else
#define bench_printf hv_guest_printf
#endif

#ifndef BENCH_SCALE
#define BENCH_SCALE 1
#endif

/* A byte loop written in C stays a loop: without this GCC -O2 may turn it into a call to
 * memcpy/memset, which the freestanding guests do not have (and the native build would
 * get glibc's vector code instead of the same loop). */
#define BENCH_NOLIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))
/* Kept out of line, as a function in another translation unit would be. */
#define BENCH_NOINLINE __attribute__((noinline))

static inline uint64_t bench_rand(uint64_t *s)
{
    uint64_t x = *s;        /* xorshift64* */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* order[0..n) = 0..n-1, then (when shuffle) a Fisher-Yates shuffle with a fixed seed, so
 * every engine and backend visits the same sequence. */
static inline void bench_order(uint32_t *order, uint32_t n, int shuffle)
{
    uint64_t s = 4242;
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    for (uint32_t i = n - 1; shuffle && i > 0; i--) {
        uint32_t j = (uint32_t)(bench_rand(&s) % (i + 1));
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

/* Also "time: ns=0x<16 hex digits>": the guest clock at the result, i.e. the time since
 * the machine started, which excludes the start-up of whatever process hosts the machine
 * (libhv, QEMU); hv bench compares libhv with QEMU on it. Fixed width, digit by digit, so
 * the instruction count does not depend on the value (engines must retire the same). */
static inline int bench_report(const char *name, uint64_t checksum, uint64_t expect)
{
    char t[19] = "0x";
    uint64_t ns = hv_guest_time_ns();
    for (int i = 0; i < 16; i++)
        t[2 + i] = "0123456789abcdef"[(ns >> (60 - 4 * i)) & 15];
    t[18] = 0;
    bench_printf("time: ns=%s\n", t);
    bench_printf("%s: checksum %llx %s\n", name, (unsigned long long)checksum,
                 checksum == expect ? "ok" : "MISMATCH");
    return checksum == expect ? 0 : 1;
}

#endif
