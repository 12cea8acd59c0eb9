/* SPDX-License-Identifier: MIT */
/* timer-irq — timer-interrupt heavy: TIMER_OPS rounds of "arm a deadline TIMER_NS ahead,
 * sleep until it passes" through the SDK's timer (para: TIME set_timer + SCHED_OP poll on
 * the timer VIRQ; full: CLINT mtimecmp + WFI woken by the machine timer interrupt). The
 * checksum counts deadlines met (never early); the wall time is bounded below by
 * TIMER_OPS * TIMER_NS, so what matters is the overshoot per op. */
#include "bench.h"
#include "benchline.h"

#ifndef TIMER_OPS
#define TIMER_OPS 2000u
#endif
#ifndef TIMER_NS
#define TIMER_NS 20000u
#endif

int main(void)
{
    unsigned met = 0;
    uint64_t t0 = hv_guest_time_ns();
    for (unsigned i = 0; i < TIMER_OPS; i++) {
        uint64_t deadline = hv_guest_time_ns() + TIMER_NS;
        hv_guest_timer_set(deadline);
        uint64_t now;
        while ((now = hv_guest_time_ns()) < deadline)
            hv_guest_wait();
        met += now >= deadline;
    }
    uint64_t ns = hv_guest_time_ns() - t0;
    hv_guest_timer_set(UINT64_MAX);
    bench_line("timer-irq", TIMER_OPS, 0, ns);
    hv_guest_printf("timer-irq: overshoot %llu ns per deadline\n",
                    (unsigned long long)(ns / TIMER_OPS > TIMER_NS ? ns / TIMER_OPS - TIMER_NS
                                                                   : 0));
    return bench_report("timer-irq", met, TIMER_OPS);
}
