/* SPDX-License-Identifier: MIT */
/* hypercall — the cost of one guest-to-hypervisor round trip. para: an SBI BASE
 * get_spec_version call in a loop (one hypercall per op); full: a load of the goldfish RTC's
 * TIME_LOW register in a loop (one trapped MMIO read per op). Same loop shape on both, so
 * the table shows "one exit-equivalent per op" and what it costs on each side. */
#include "bench.h"
#include "benchline.h"

#ifndef HCALL_OPS
#define HCALL_OPS 200000u
#endif

#ifdef HV_GUEST_PARA
#include "hvpara_guest.h"
static inline uint64_t round_trip(void)
{
    return HVP_CALL0(HVP_EID_BASE, HVP_BASE_GET_SPEC_VERSION).value;
}
#define EXPECT_EACH ((2u << 24) | 0u)
#else
#define RTC_TIME_LOW ((volatile uint32_t *)0x101000)
static inline uint64_t round_trip(void)
{
    return *RTC_TIME_LOW != 0;          /* nanoseconds: any non-zero value will do */
}
#define EXPECT_EACH 1u
#endif

int main(void)
{
    uint64_t sum = 0;
    uint64_t t0 = hv_guest_time_ns();
    for (unsigned i = 0; i < HCALL_OPS; i++)
        sum += round_trip();
    uint64_t ns = hv_guest_time_ns() - t0;
    bench_line("hypercall", HCALL_OPS, 0, ns);
    return bench_report("hypercall", sum, (uint64_t)HCALL_OPS * EXPECT_EACH);
}
