/* libhv internal — sleeping vCPUs and waking them: a futex word bumped on every wake-up.
 * Waking is one atomic add and one system call, so it is safe from any thread and from
 * signal handlers (hv_vcpu_kick promises that); sleepers recheck their condition after
 * every return (spurious wake-ups and time-outs are normal). Shared by both backends. */
#ifndef HV_CORE_WAIT_H
#define HV_CORE_WAIT_H

#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Read the word before checking the condition; pass that value to hv__wait. */
static inline uint32_t hv__wait_seq(_Atomic uint32_t *word)
{
    return __atomic_load_n((uint32_t *)word, __ATOMIC_SEQ_CST);
}

/* Sleep at most `ns` nanoseconds unless the word changed since `seen` was read. */
static inline void hv__wait(_Atomic uint32_t *word, uint32_t seen, uint64_t ns)
{
    struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
                           .tv_nsec = (long)(ns % 1000000000ull) };
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, seen, &ts, NULL, 0);
}

/* Wake every sleeper on the word. */
static inline void hv__wake(_Atomic uint32_t *word)
{
    __atomic_add_fetch((uint32_t *)word, 1, __ATOMIC_SEQ_CST);
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL, NULL, 0);
}

#endif
