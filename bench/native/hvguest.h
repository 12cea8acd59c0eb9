/* SPDX-License-Identifier: MIT */
/* Native shim of the guest SDK API: lets bench/workloads build as ordinary host programs, so
 * `hv bench --native` can report "fraction of native speed" for the same source. */
#ifndef HVGUEST_NATIVE_H
#define HVGUEST_NATIVE_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#define hv_guest_printf printf

static inline uint64_t hv_native_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t hv_native_start_ns;

__attribute__((constructor)) static void hv_native_start(void)
{
    hv_native_start_ns = hv_native_mono_ns();
}

/* "Since the machine started": wall time since the process started (its constructors ran),
 * the same clock as a libhv guest's (CLOCK_MONOTONIC from VM creation) and QEMU's, so the
 * "time: ns=" a workload prints at its result compares across all three. */
static inline uint64_t hv_guest_time_ns(void)
{
    return hv_native_mono_ns() - hv_native_start_ns;
}
#endif
