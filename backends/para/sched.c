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

/* Deterministic mode: an idle vCPU fast-forwards its instruction count (the clock source)
 * to the deadline; idle time counts as executed instructions for the clock. */
static void skip_to(struct hvp_vcpu *h, uint64_t deadline, uint64_t now)
{
    const struct hv_clock *clk = &h->pv->vm->clock;
    uint64_t ipt = clk->insns_per_tick ? clk->insns_per_tick : 1;
    uint64_t d = deadline - now;
    uint64_t skip = d > UINT64_MAX / ipt ? UINT64_MAX / 2 : d * ipt;
    struct hv_cpu *cpu = &h->vcpu->cpu;
    cpu->instret = cpu->instret + skip < cpu->instret ? UINT64_MAX / 2 : cpu->instret + skip;
}

/* Sleep until the VM clock reaches `deadline` (ticks, UINT64_MAX: none) or a wake-up
 * newer than `seen` arrives; at most MAX_SLEEP_NS. */
static void wait_for(struct hvp_vcpu *h, uint64_t deadline, uint32_t seen)
{
    const struct hv_clock *clk = &h->pv->vm->clock;
    uint64_t now = hv__clock_ticks(clk);
    if (deadline != UINT64_MAX && deadline <= now)
        return;
    if (clk->deterministic && deadline != UINT64_MAX) {
        skip_to(h, deadline, now);
        return;
    }
    uint64_t ns = MAX_SLEEP_NS;
    if (deadline != UINT64_MAX && deadline - now < ns / NS_PER_TICK)
        ns = (deadline - now) * NS_PER_TICK;
    hv__wait(&h->wake, seen, ns);
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
        hvp_timer_check(h);
        hvp_devices_poll(h);
        if (__atomic_load_n(&vi->upcall_pending, __ATOMIC_SEQ_CST) || interrupted(h))
            break;
        if (h->timer_deadline == UINT64_MAX && !hvp_async_wakers(h, false))
            return halt(h, error, value);
        wait_for(h, h->timer_deadline, seen);
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
        hvp_timer_check(h);
        hvp_devices_poll(h);
        for (uint64_t i = 0; i < count; i++)
            if (hvp_port_pending(pv, ports[i])) {
                *value = 1;
                return HV_STEP_OK;
            }
        if (interrupted(h) || hv__clock_ticks(&pv->vm->clock) >= timeout)
            return HV_STEP_OK;
        uint64_t deadline = timeout < h->timer_deadline ? timeout : h->timer_deadline;
        if (deadline == UINT64_MAX && !hvp_async_wakers(h, true))
            return halt(h, error, value);
        wait_for(h, deadline, seen);
    }
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
