/* SPDX-License-Identifier: MIT */
/* SDK example: timer ping-pong. N rounds of "arm a deadline, sleep until it passes" with
 * growing deadlines; checks that each wake-up is at or after its deadline and that time
 * only moves forward. Prints no timing numbers, so the output is the same everywhere. */
#include "hvguest.h"

#define ROUNDS 20u

int main(void)
{
    uint64_t prev = hv_guest_time_ns();
    unsigned met = 0, monotonic = 1;
    for (unsigned i = 0; i < ROUNDS; i++) {
        uint64_t deadline = hv_guest_time_ns() + 50000ull * (i + 1);   /* 50 us steps */
        hv_guest_timer_set(deadline);
        uint64_t now;
        while ((now = hv_guest_time_ns()) < deadline)
            hv_guest_wait();
        if (now >= deadline)
            met++;
        if (now < prev)
            monotonic = 0;
        prev = now;
    }
    uint64_t before = hv_guest_time_ns();
    hv_guest_sleep_ns(2000000ull);
    uint64_t slept = hv_guest_time_ns() - before;
    hv_guest_printf("timer: %u round trips, %u deadlines met\n", ROUNDS, met);
    hv_guest_printf("timer: time went forward monotonically: %s\n", monotonic ? "yes" : "no");
    hv_guest_printf("timer: sleep lasted at least 2 ms: %s\n", slept >= 2000000ull ? "yes" : "no");
    return met == ROUNDS && monotonic && slept >= 2000000ull ? 0 : 1;
}
