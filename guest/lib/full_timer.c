/* SPDX-License-Identifier: MIT */
/* libhv guest SDK, bare-metal flavour — the timer primitive on the full board's CLINT:
 * mtimecmp of hart 0 holds the deadline; hv_guest_wait() enables the machine timer in mie
 * (with mstatus.MIE clear, so no trap is taken) and sleeps in WFI, which wakes when the
 * timer interrupt is pending. */
#include "hvguest.h"

#define CLINT_MTIMECMP0 ((volatile uint64_t *)0x2004000)
#define MIE_MTIE (1ul << 7)
#define MSTATUS_MIE (1ul << 3)

void hv_guest_timer_set(uint64_t deadline_ns)
{
    /* Round up: the timer must not fire before the deadline in ns. */
    *CLINT_MTIMECMP0 = deadline_ns == UINT64_MAX ? UINT64_MAX : (deadline_ns + 99) / 100;
}

void hv_guest_wait(void)
{
    unsigned long mie = MIE_MTIE, mst = MSTATUS_MIE;
    __asm__ volatile("csrc mstatus, %0" ::"r"(mst));
    __asm__ volatile("csrs mie, %0" ::"r"(mie));
    __asm__ volatile("wfi");
    /* A fired timer stays pending until mtimecmp moves: disarm it (one-shot). */
    unsigned long mip;
    __asm__ volatile("csrr %0, mip" : "=r"(mip));
    if (mip & MIE_MTIE)
        *CLINT_MTIMECMP0 = UINT64_MAX;
}

void hv_guest_sleep_ns(uint64_t ns)
{
    uint64_t deadline = hv_guest_time_ns() + ns;
    hv_guest_timer_set(deadline);
    while (hv_guest_time_ns() < deadline)
        hv_guest_wait();
}
