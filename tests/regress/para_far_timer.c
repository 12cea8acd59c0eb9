/* SPDX-License-Identifier: MIT */
/* Regression (issue 17, item 2): in deterministic mode a para guest that arms the timer
 * far in the future and then blocks (SCHED_OP block) or polls with a huge timeout made the
 * host spin forever: the fast-forward of the instruction count was capped below the
 * deadline and ignored the run's budget. Variants (compile-time):
 *   FAR_BLOCK  deadline INT64_MAX ticks, then block: nothing can ever wake the vCPU
 *   FAR_POLL   no timer, poll one port with timeout UINT64_MAX - 1: likewise
 *   NEAR_BLOCK deadline 10^14 ns (about 28 hours) away, then block: reachable; the
 *              budget must end the run exactly, and a run cut into slices must finish the
 *              sleep at the same instruction as an uncut one.
 *   SHORT_BLOCK the same, 5 ms away (for runs cut into small slices).
 * A variant that returns from its sleep prints "woke" and exits 0. */
#include <stdint.h>
#include "hvpara_guest.h"
#include "hvguest.h"

int main(void)
{
#if defined(FAR_BLOCK)
    hvp_set_timer(INT64_MAX);
    hvp_sched_block();
#elif defined(FAR_POLL)
    struct hvp_sbiret p = hvp_alloc_unbound(0);
    uint32_t port = (uint32_t)p.value;
    if (p.error)
        return 2;
    hvp_sched_poll(&port, 1, UINT64_MAX - 1);
#elif defined(NEAR_BLOCK) || defined(SHORT_BLOCK)
#ifdef NEAR_BLOCK
    uint64_t deadline = hv_guest_time_ns() + 100000000000000ull;    /* 10^14 ns */
#else
    uint64_t deadline = hv_guest_time_ns() + 5000000;               /* 5 ms */
#endif
    hv_guest_timer_set(deadline);       /* the SDK binds the timer event; wait blocks */
    while (hv_guest_time_ns() < deadline)
        hv_guest_wait();
#endif
    hv_guest_printf("woke\n");
    return 0;
}
