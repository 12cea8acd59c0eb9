/* Native shim of the guest SDK API: lets bench/workloads build as ordinary host programs, so
 * the bench can report "fraction of native speed" for the same source. */
#ifndef HVGUEST_NATIVE_H
#define HVGUEST_NATIVE_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#define hv_guest_printf printf

static inline uint64_t hv_guest_time_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);   /* "since the machine started" */
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
#endif
