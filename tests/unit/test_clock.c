/* SPDX-License-Identifier: MIT */
/* Unit tests for the libhv/dev virtual clock: host mode follows real monotonic time;
 * deterministic mode is a pure function of the retired-instruction hook. */
#include <criterion/criterion.h>
#include <time.h>
#include <unistd.h>
#include "dev/dev.h"

#define EPOCH_2025_NS (1735689600ull * 1000000000ull)

static uint64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

Test(clock_host, monotonic_and_advancing)
{
    struct hv_clock clk;
    hv__clock_init(&clk, false, 0);
    cr_assert_not(clk.deterministic);
    uint64_t prev = hv__clock_ns(&clk), prev_host = hv__host_monotonic_ns();
    for (int i = 0; i < 10000; i++) {
        uint64_t now = hv__clock_ns(&clk), host = hv__host_monotonic_ns();
        cr_assert_geq(now, prev);
        cr_assert_geq(host, prev_host);
        prev = now;
        prev_host = host;
    }
    uint64_t before = hv__clock_ns(&clk);
    usleep(20000);
    uint64_t after = hv__clock_ns(&clk);
    cr_assert_geq(after - before, 20000000ull, "slept 20 ms, clock moved %llu ns",
                  (unsigned long long)(after - before));
    cr_assert_lt(after, 60ull * 1000000000ull, "time counts from init");
}

Test(clock_host, ticks_and_wall_agree_with_ns)
{
    struct hv_clock clk;
    hv__clock_init(&clk, false, 0);
    usleep(1000);
    uint64_t ns0 = hv__clock_ns(&clk);
    uint64_t ticks = hv__clock_ticks(&clk);
    uint64_t ns1 = hv__clock_ns(&clk);
    cr_assert_geq(ticks, ns0 / 100);
    cr_assert_leq(ticks, ns1 / 100);

    uint64_t real0 = realtime_ns();
    uint64_t wall = hv__clock_wall_ns(&clk);
    uint64_t real1 = realtime_ns();
    /* wall = realtime at init + elapsed monotonic: within a second of the real clock */
    cr_assert_lt(wall > real0 ? wall - real0 : real0 - wall, 1000000000ull);
    cr_assert_lt(wall > real1 ? wall - real1 : real1 - wall, 1000000000ull);
}

static uint64_t counter_hook(void *opaque)
{
    return *(const uint64_t *)opaque;
}

Test(clock_det, pure_function_of_instructions)
{
    uint64_t insns = 0;
    struct hv_clock a, b;
    hv__clock_init(&a, true, 25);
    usleep(2000);   /* different host start times must not matter */
    hv__clock_init(&b, true, 25);
    a.insns = b.insns = counter_hook;
    a.insns_opaque = b.insns_opaque = &insns;

    const uint64_t samples[] = { 0, 24, 25, 26, 1000, 123456789, 1ull << 40 };
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        insns = samples[i];
        uint64_t ticks = samples[i] / 25;
        cr_assert_eq(hv__clock_ticks(&a), ticks);
        cr_assert_eq(hv__clock_ns(&a), ticks * 100);
        cr_assert_eq(hv__clock_wall_ns(&a), EPOCH_2025_NS + ticks * 100);
        cr_assert_eq(hv__clock_ticks(&b), hv__clock_ticks(&a));
        cr_assert_eq(hv__clock_ns(&b), hv__clock_ns(&a));
        cr_assert_eq(hv__clock_wall_ns(&b), hv__clock_wall_ns(&a));
    }
    /* host time passing changes nothing */
    insns = 5000;
    uint64_t ns = hv__clock_ns(&a);
    usleep(5000);
    cr_assert_eq(hv__clock_ns(&a), ns);
}

Test(clock_det, defaults_and_missing_hook)
{
    struct hv_clock clk;
    hv__clock_init(&clk, true, 0);
    cr_assert_eq(clk.insns_per_tick, 10);
    cr_assert_eq(clk.wall_base_ns, EPOCH_2025_NS);
    /* no hook yet: time stands at zero */
    cr_assert_eq(hv__clock_ns(&clk), 0);
    cr_assert_eq(hv__clock_ticks(&clk), 0);
    cr_assert_eq(hv__clock_wall_ns(&clk), EPOCH_2025_NS);

    uint64_t insns = 1234;
    clk.insns = counter_hook;
    clk.insns_opaque = &insns;
    cr_assert_eq(hv__clock_ticks(&clk), 123);
    cr_assert_eq(hv__clock_ns(&clk), 12300);
}
