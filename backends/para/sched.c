/* SPDX-License-Identifier: MIT */
/* libhv para backend — scheduling hypercalls: yield, block (atomically re-enable upcalls
 * and sleep until an event is pending) and poll (sleep until one of a set of ports is
 * pending or a timeout). Sleeping never spins: a condition variable is signalled by every
 * event for the vCPU (hvp_wake, any thread), the sleep is bounded by the armed timer's
 * deadline in VM-clock time, and a vCPU that nothing could ever wake exits HV_EXIT_HALT.
 * In deterministic mode idle time is skipped: the clock jumps to the deadline. */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include "backends/para/para.h"
#include "core/wait.h"

/* Longest single sleep. Kicks and console input wake the futex at once (vcpu_wake); the
 * bound only limits how long a lost race could delay a re-check. */
#define MAX_SLEEP_NS 100000000ull
#define NS_PER_TICK (1000000000ull / HV_TIMEBASE_HZ)

void hvp_wake(struct hvp_vcpu *h)
{
    hv__cpu_request_exit(&h->vcpu->cpu);
    hv__wake(&h->wake);
}

static uint32_t wake_seq(struct hvp_vcpu *h)
{
    return hv__wait_seq(&h->wake);
}

/* A kick or a VM stop ends any sleep: the hypercall returns and the poll reports it. */
static bool interrupted(struct hvp_vcpu *h)
{
    return atomic_load(&h->vcpu->kicked) || atomic_load(&h->pv->stop_reason) ||
           hv__vcpu_deadline_due(h->vcpu);
}

/* Deterministic mode: a sleeping vCPU fast-forwards its instruction count (the clock
 * source) instead of sleeping; idle time counts as executed instructions for the clock. A
 * deadline too far away to reach that way counts as none (hv__clock_skip_insns). */
static uint64_t reachable(struct hvp_vcpu *h, uint64_t deadline)
{
    const struct hv_clock *clk = &h->pv->vm->clock;
    if (clk->deterministic &&
        hv__clock_skip_insns(clk, deadline, h->vcpu->cpu.instret) == UINT64_MAX)
        return UINT64_MAX;
    return deadline;
}

/* hv__wait, its time counted as idle (stats.idle_ns). */
static void idle_wait(struct hvp_vcpu *h, uint32_t seen, uint64_t ns)
{
    uint64_t t0 = hv__wait_now_ns();
    hv__wait(&h->wake, seen, ns);
    h->vcpu->stats.idle_ns += hv__wait_now_ns() - t0;
}

/* Sleep until the VM clock reaches `deadline` (ticks, UINT64_MAX: none; deterministic
 * callers pass it through reachable()) or a wake-up newer than `seen` arrives; at most
 * MAX_SLEEP_NS (pv->poll_sleep_ns with user networking, whose host sockets are only seen by
 * device polls). A deterministic skip stops at the run's budget, which hv_vcpu_run must
 * hit exactly: then it returns false and the caller stops the run inside the hypercall
 * (hvp_budget_cut). */
static bool wait_for(struct hvp_vcpu *h, uint64_t deadline, uint32_t seen)
{
    const struct hv_clock *clk = &h->pv->vm->clock;
    struct hv_cpu *cpu = &h->vcpu->cpu;
    uint64_t now = hv__clock_ticks(clk);
    if (deadline != UINT64_MAX && deadline <= now)
        return true;
    if (clk->deterministic && deadline != UINT64_MAX) {
        if (h->pv->poll_sleep_ns) {
            /* User networking: the host needs real time to answer, so the skip goes in
             * steps of the poll period, each after a real wait (the caller polls the
             * devices between steps). Network input is not reproducible anyway. */
            uint64_t step = h->pv->poll_sleep_ns / NS_PER_TICK;
            if (deadline - now > step)
                deadline = now + step;
            idle_wait(h, seen, h->pv->poll_sleep_ns);
        }
        uint64_t skip = hv__clock_skip_insns(clk, deadline, cpu->instret);
        uint64_t room = hv__clock_skip_room(cpu->instret, h->vcpu->stop_at);
        cpu->instret += skip < room ? skip : room;
        return skip < room;
    }
    uint64_t ns = h->pv->poll_sleep_ns ? h->pv->poll_sleep_ns : MAX_SLEEP_NS;
    if (deadline != UINT64_MAX && deadline - now < ns / NS_PER_TICK)
        ns = (deadline - now) * NS_PER_TICK;
    idle_wait(h, seen, ns);
    return true;
}

/* The run's budget ended a deterministic sleep: stop with HV_EXIT_BUDGET before the ECALL
 * retires, so resuming executes the same hypercall again and sleeps on. Block and poll have
 * no effect that a second execution would repeat differently. */
static int budget_cut(struct hvp_vcpu *h)
{
    hv__vcpu_exit(h->vcpu, HV_EXIT_BUDGET, 0);
    return HVP_STEP_AGAIN;
}

static int halt(struct hvp_vcpu *h, int64_t *error, uint64_t *value)
{
    *error = 0;                         /* resuming: a spurious wake-up, the guest re-checks */
    *value = 0;
    return hv__vcpu_exit(h->vcpu, HV_EXIT_HALT, 0);
}

static int block(struct hvp_vcpu *h, int64_t *error, uint64_t *value)
{
    struct hvp_vcpu_info *vi = hvp_vinfo(h->pv, h->id);
    *error = 0;
    *value = 0;
    if (!vi) {
        *error = HVP_SBI_ERR_FAILED;
        return HV_STEP_OK;
    }
    /* Re-enabling upcalls and checking for pending events happen before any sleep, so an
     * event that arrives between the guest's own check and this call is not missed. */
    __atomic_store_n(&vi->upcall_mask, 0, __ATOMIC_SEQ_CST);
    for (;;) {
        uint32_t seen = wake_seq(h);
        hvp_sbi_poll(h);                /* a remote fence waits for this sleeper's answer */
        hvp_timer_check(h);
        hvp_devices_poll(h);
        if (__atomic_load_n(&vi->upcall_pending, __ATOMIC_SEQ_CST) || interrupted(h))
            break;
        uint64_t deadline = reachable(h, h->timer_deadline);
        if (deadline == UINT64_MAX && !hvp_async_wakers(h, false))
            return halt(h, error, value);
        if (!wait_for(h, deadline, seen))
            return budget_cut(h);
    }
    h->vcpu->cpu.exit_request = 1;      /* deliver the upcall before the next instruction */
    return HV_STEP_OK;
}

static int poll_ports(struct hvp_vcpu *h, const uint64_t *a, int64_t *error, uint64_t *value)
{
    struct hvp_vm *pv = h->pv;
    uint64_t gpa = a[0], count = a[1], timeout = a[2];
    uint32_t ports[HVP_POLL_MAX_PORTS];
    *value = 0;
    *error = 0;
    if (count == 0 || count > HVP_POLL_MAX_PORTS) {
        *error = HVP_SBI_ERR_INVALID_PARAM;
        return HV_STEP_OK;
    }
    const void *src = (gpa & 3) ? NULL : hvp_ram(pv, gpa, count * 4);
    if (!src) {
        *error = HVP_SBI_ERR_INVALID_ADDRESS;
        return HV_STEP_OK;
    }
    memcpy(ports, src, count * 4);
    pthread_mutex_lock(&pv->lock);
    for (uint64_t i = 0; i < count; i++)
        if (ports[i] == 0 || ports[i] >= HVP_NR_PORTS ||
            pv->ports[ports[i]].state == HVP_PORT_FREE)
            *error = HVP_SBI_ERR_INVALID_PARAM;
    pthread_mutex_unlock(&pv->lock);
    if (*error)
        return HV_STEP_OK;
    for (;;) {
        uint32_t seen = wake_seq(h);
        hvp_sbi_poll(h);                /* a remote fence waits for this sleeper's answer */
        hvp_timer_check(h);
        hvp_devices_poll(h);
        for (uint64_t i = 0; i < count; i++)
            if (hvp_port_pending(pv, ports[i])) {
                *value = 1;
                return HV_STEP_OK;
            }
        if (interrupted(h) || hv__clock_ticks(&pv->vm->clock) >= timeout)
            return HV_STEP_OK;
        uint64_t deadline = reachable(h, timeout < h->timer_deadline ? timeout
                                                                     : h->timer_deadline);
        if (deadline == UINT64_MAX && !hvp_async_wakers(h, true))
            return halt(h, error, value);
        if (!wait_for(h, deadline, seen))
            return budget_cut(h);
    }
}

int hvp_wfi(struct hvp_vcpu *h)
{
    struct hv_cpu *cpu = &h->vcpu->cpu;
    for (;;) {
        uint32_t seen = wake_seq(h);
        hvp_sbi_poll(h);                /* a remote fence waits for this sleeper's answer */
        hvp_timer_check(h);
        hvp_devices_poll(h);
        /* An enabled pending interrupt ends WFI whatever sstatus.SIE says (spec 3.3.3). */
        if ((hvp_sip(h) & h->s.ie) || interrupted(h))
            break;
        uint64_t deadline = reachable(h, h->timer_deadline);
        /* Wakers: the timer (its VIRQ raises SEIP), other vCPUs (events, SBI IPIs), device
         * input; none of them matters with sie = 0. */
        if (!h->s.ie || (deadline == UINT64_MAX && !hvp_async_wakers(h, false))) {
            cpu->pc += 4;               /* WFI retires; resuming continues after it */
            return hv__vcpu_exit(h->vcpu, HV_EXIT_HALT, 0);
        }
        /* The budget ended a deterministic sleep: WFI does not retire and runs again. */
        if (!wait_for(h, deadline, seen))
            return hv__vcpu_exit(h->vcpu, HV_EXIT_BUDGET, 0);
    }
    cpu->exit_request = 1;              /* deliver it (or report the exit) at the poll */
    return HV_STEP_OK;
}

int hvp_sched_op(struct hvp_vcpu *h, uint64_t op, const uint64_t *a, bool batch,
                 int64_t *error, uint64_t *value)
{
    *error = 0;
    *value = 0;
    switch (op) {
    case HVP_SCHED_YIELD:
        sched_yield();
        return HV_STEP_OK;
    case HVP_SCHED_BLOCK:
    case HVP_SCHED_POLL:
        if (batch) {                    /* sleeping and halting do not mix with batches */
            *error = HVP_SBI_ERR_DENIED;
            return HV_STEP_OK;
        }
        return op == HVP_SCHED_BLOCK ? block(h, error, value) : poll_ports(h, a, error, value);
    default:
        *error = HVP_SBI_ERR_NOT_SUPPORTED;
        return HV_STEP_OK;
    }
}
