/* SPDX-License-Identifier: MIT */
/* libhv internal — sleeping vCPUs and waking them: a futex word bumped on every wake-up.
 * Waking is an atomic update and, when a sleeper announced itself, one system call, so it
 * is safe from any thread and from signal handlers (hv_vcpu_kick promises that); sleepers
 * recheck their condition after every return (spurious wake-ups and time-outs are
 * normal). Shared by both backends. */
#ifndef HV_CORE_WAIT_H
#define HV_CORE_WAIT_H

#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Bit 31 of the word says a sleeper may be waiting on it, so that waking a vCPU that is
 * running (an interrupt raised by its own MMIO store, the common case) costs one atomic
 * operation and no system call. The low 31 bits count wake-ups. */
#define HV__WAIT_SLEEPER 0x80000000u

/* Read the word before checking the condition; pass that value to hv__wait. */
static inline uint32_t hv__wait_seq(_Atomic uint32_t *word)
{
    return __atomic_load_n((uint32_t *)word, __ATOMIC_SEQ_CST);
}

/* Waits shorter than this spin on the clock instead of sleeping: the kernel's timer slack
 * (50 us by default) would otherwise stretch every short guest timer (timer-irq: 20 us
 * deadlines took 84 us each). */
#define HV__WAIT_SPIN_NS 100000ull

/* A spin-loop hint to the CPU (x86 PAUSE); nothing elsewhere. */
static inline void hv__wait_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static inline uint64_t hv__wait_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Sleep at most `ns` nanoseconds unless the word changed since `seen` was read. */
static inline void hv__wait(_Atomic uint32_t *word, uint32_t seen, uint64_t ns)
{
    if (ns < HV__WAIT_SPIN_NS) {
        uint64_t end = hv__wait_now_ns() + ns;
        while (__atomic_load_n((uint32_t *)word, __ATOMIC_SEQ_CST) == seen &&
               hv__wait_now_ns() < end)
            hv__wait_relax();
        return;
    }
    uint32_t want = seen | HV__WAIT_SLEEPER;
    /* Announce the sleeper; a wake-up since `seen` makes this fail: do not sleep. */
    if (want != seen && !__atomic_compare_exchange_n((uint32_t *)word, &seen, want, false,
                                                     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        return;
    struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
                           .tv_nsec = (long)(ns % 1000000000ull) };
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, want, &ts, NULL, 0);
}

/* Wake every sleeper on the word (a system call only when one announced itself). */
static inline void hv__wake(_Atomic uint32_t *word)
{
    uint32_t old = __atomic_load_n((uint32_t *)word, __ATOMIC_SEQ_CST), next;
    do
        next = (old + 1) & ~HV__WAIT_SLEEPER;
    while (!__atomic_compare_exchange_n((uint32_t *)word, &old, next, true, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST));
    if (old & HV__WAIT_SLEEPER)
        syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL, NULL, 0);
}

#endif
