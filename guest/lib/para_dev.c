/* SPDX-License-Identifier: MIT */
/* libhv guest SDK, para flavour — what the para drivers share: start-info, event ports,
 * the front-end side of the generic ring (publish with notification suppression, wait for
 * responses with SCHED_OP poll), the one-shot timer and the wait primitive. */
#include "hvguest.h"
#include "para_ring.h"

static struct hvp_start_info start;
static int have_start;
static uint32_t timer_port;

const struct hvp_start_info *hvg_start_info(void)
{
    if (!have_start && hvp_get_start_info(&start).error == 0)
        have_start = 1;
    return &start;
}

static struct hvp_shared_info *shared(void)
{
    return (struct hvp_shared_info *)(uintptr_t)hvg_start_info()->shared_info_gpa;
}

int hvg_port_test_clear(uint32_t port)
{
    uint64_t bit = 1ull << (port % 64);
    uint64_t old = __atomic_fetch_and(&shared()->evtchn_pending[port / 64], ~bit,
                                      __ATOMIC_SEQ_CST);
    return (old & bit) != 0;
}

uint32_t hvg_port_alloc(void)
{
    struct hvp_sbiret r = hvp_alloc_unbound(0);
    return r.error ? 0 : (uint32_t)r.value;
}

/* The timer VIRQ's port, bound on first use. No event entry is registered, so ports only
 * ever become pending: SCHED_OP poll is how the SDK sleeps. */
static uint32_t timer(void)
{
    if (!timer_port) {
        struct hvp_sbiret r = hvp_bind_virq(HVP_VIRQ_TIMER, 0);
        if (r.error == 0)
            timer_port = (uint32_t)r.value;
    }
    return timer_port;
}

/* Device ports hv_guest_wait() also wakes for (the NIC's rx port). */
static uint32_t wake_ports[4];
static unsigned nr_wake_ports;

void hvg_add_wake_port(uint32_t port)
{
    if (nr_wake_ports < 4)
        wake_ports[nr_wake_ports++] = port;
}

void hvg_wait_ports(const uint32_t *ports, unsigned n, uint64_t deadline_ticks)
{
    uint32_t list[8];
    unsigned k = 0;
    for (unsigned i = 0; i < n && k < 7; i++)
        list[k++] = ports[i];
    if (timer())
        list[k++] = timer_port;
    if (k)
        hvp_sched_poll(list, k, deadline_ticks);
}

int hvg_ring_connect(struct hvg_ring *r, uint16_t dev, void *page, uint32_t slot_size)
{
    uint8_t *p = page;
    for (unsigned i = 0; i < 4096; i++)
        p[i] = 0;
    r->hdr = page;
    r->slots = p + sizeof(struct hvp_ring_hdr);
    r->slot_size = slot_size;
    r->nr = hvp_ring_slots(0, slot_size);
    r->req_prod = r->rsp_cons = 0;
    r->hdr->rsp_event = 1;
    r->dev = dev;
    r->port = hvg_port_alloc();
    if (!r->port || hvp_ring_connect(dev, page, 0, r->port))
        return -1;
    return 0;
}

void hvg_ring_push(struct hvg_ring *r)
{
    uint32_t old = r->hdr->req_prod, new = r->req_prod;
    __atomic_store_n(&r->hdr->req_prod, new, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    uint32_t event = __atomic_load_n(&r->hdr->req_event, __ATOMIC_ACQUIRE);
    if ((uint32_t)(new - event) < (uint32_t)(new - old))
        hvp_notify(r->port);
}

int hvg_ring_wait_rsp(struct hvg_ring *r, uint64_t deadline_ticks)
{
    for (;;) {
        if (hvg_ring_has_rsp(r))
            return 1;
        /* Ask for an event at the next response, then re-check before sleeping. */
        r->hdr->rsp_event = r->rsp_cons + 1;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (hvg_ring_has_rsp(r))
            return 1;
        if (deadline_ticks != UINT64_MAX && hvp_rdtime() >= deadline_ticks)
            return 0;
        hvp_sched_poll(&r->port, 1, deadline_ticks);
        hvg_port_test_clear(r->port);
    }
}

/* ---- timer ------------------------------------------------------------------------------ */

void hv_guest_timer_set(uint64_t deadline_ns)
{
    timer();
    if (timer_port)
        hvg_port_test_clear(timer_port);
    /* Round up: the timer must not fire before the deadline in ns. */
    hvp_set_timer(deadline_ns == UINT64_MAX ? UINT64_MAX : (deadline_ns + 99) / 100);
}

void hv_guest_wait(void)
{
    hvg_wait_ports(wake_ports, nr_wake_ports, UINT64_MAX);
    for (unsigned i = 0; i < nr_wake_ports; i++)
        hvg_port_test_clear(wake_ports[i]);
    if (timer_port)
        hvg_port_test_clear(timer_port);
}

void hv_guest_sleep_ns(uint64_t ns)
{
    uint64_t deadline = hv_guest_time_ns() + ns;
    hv_guest_timer_set(deadline);
    while (hv_guest_time_ns() < deadline)
        hv_guest_wait();
}
