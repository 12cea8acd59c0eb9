/* SPDX-License-Identifier: MIT */
/* libhv para backend — event channels: a VM-wide table of ports (1..4095), each bound to a
 * vCPU as an unbound (guest-to-guest) port, a virtual IRQ, or a PV device; raising a port
 * sets its bit in the shared-info pending bitmap and, unless the port is masked, the
 * two-level selector and upcall_pending of its vCPU (Xen's 2-level scheme), then wakes
 * that vCPU. Port table changes are under pv->lock; bitmap updates are atomic. */
#include "backends/para/para.h"

static bool port_valid(uint64_t port)
{
    return port > 0 && port < HVP_NR_PORTS;
}

static bool vcpu_valid(struct hvp_vm *pv, uint64_t vcpu)
{
    return vcpu < pv->vm->cfg.nr_vcpus;
}

uint32_t hvp_port_alloc_locked(struct hvp_vm *pv, uint8_t state, unsigned vcpu,
                               uint16_t detail)
{
    for (uint32_t p = 1; p < HVP_NR_PORTS; p++) {
        if (pv->ports[p].state != HVP_PORT_FREE)
            continue;
        pv->ports[p] = (struct hvp_port){ .state = state, .vcpu = (uint8_t)vcpu,
                                          .detail = detail };
        /* A recycled port starts clean: not pending, not masked. */
        struct hvp_shared_info *sh = hvp_shared(pv);
        if (sh) {
            __atomic_fetch_and(&sh->evtchn_pending[p / 64], ~(1ull << (p % 64)),
                               __ATOMIC_SEQ_CST);
            __atomic_fetch_and(&sh->evtchn_mask[p / 64], ~(1ull << (p % 64)),
                               __ATOMIC_SEQ_CST);
        }
        return p;
    }
    return 0;
}

/* Mark the port's vCPU as having an event to look at, and wake it (pv->lock held). */
static void notify_vcpu_locked(struct hvp_vm *pv, struct hvp_shared_info *sh, uint32_t port)
{
    unsigned v = pv->ports[port].vcpu;
    struct hvp_vcpu_info *vi = &sh->vcpu[v];
    __atomic_fetch_or(&vi->pending_sel, 1ull << (port / 64), __ATOMIC_SEQ_CST);
    __atomic_store_n(&vi->upcall_pending, 1, __ATOMIC_SEQ_CST);
    if (pv->vcpus[v])
        hvp_wake(pv->vcpus[v]);
}

static int raise_locked(struct hvp_vm *pv, uint32_t port)
{
    struct hvp_shared_info *sh = hvp_shared(pv);
    if (!sh)
        return HVP_SBI_ERR_FAILED;
    uint64_t bit = 1ull << (port % 64);
    uint64_t old = __atomic_fetch_or(&sh->evtchn_pending[port / 64], bit, __ATOMIC_SEQ_CST);
    if (old & bit)
        return 0;                       /* already pending: the guest will see it */
    if (__atomic_load_n(&sh->evtchn_mask[port / 64], __ATOMIC_SEQ_CST) & bit) {
        /* Masked: no upcall, but a SCHED_OP poll on the port must wake up. */
        struct hvp_vcpu *v = pv->vcpus[pv->ports[port].vcpu];
        if (v)
            hvp_wake(v);
        return 0;
    }
    notify_vcpu_locked(pv, sh, port);
    return 0;
}

int hvp_evtchn_raise(struct hvp_vm *pv, uint32_t port)
{
    if (!port_valid(port))
        return HVP_SBI_ERR_INVALID_PARAM;
    pthread_mutex_lock(&pv->lock);
    int rc = pv->ports[port].state == HVP_PORT_FREE ? HVP_SBI_ERR_INVALID_PARAM
                                                     : raise_locked(pv, port);
    pthread_mutex_unlock(&pv->lock);
    return rc;
}

void hvp_raise_virq(struct hvp_vcpu *h, unsigned virq)
{
    struct hvp_vm *pv = h->pv;
    pthread_mutex_lock(&pv->lock);
    uint32_t port = pv->virq[h->id][virq];
    if (port)
        raise_locked(pv, port);
    pthread_mutex_unlock(&pv->lock);
}

bool hvp_port_pending(struct hvp_vm *pv, uint32_t port)
{
    struct hvp_shared_info *sh = hvp_shared(pv);
    if (!sh || !port_valid(port))
        return false;
    return (__atomic_load_n(&sh->evtchn_pending[port / 64], __ATOMIC_SEQ_CST) >>
            (port % 64)) & 1;
}

int hvp_evtchn_send(struct hvp_vcpu *h, uint64_t port)
{
    struct hvp_vm *pv = h->pv;
    if (!port_valid(port))
        return HVP_SBI_ERR_INVALID_PARAM;
    pthread_mutex_lock(&pv->lock);
    struct hvp_port p = pv->ports[port];
    int rc = 0;
    if (p.state == HVP_PORT_FREE)
        rc = HVP_SBI_ERR_INVALID_PARAM;
    else if (p.state != HVP_PORT_DEVICE)
        rc = raise_locked(pv, (uint32_t)port);
    pthread_mutex_unlock(&pv->lock);
    /* A device port kicks the back-end (outside pv->lock: it may raise the port back). */
    if (rc == 0 && p.state == HVP_PORT_DEVICE && p.detail < pv->nr_devs) {
        struct hvp_dev *d = &pv->devs[p.detail];
        if (d->ops && d->ops->notify)
            d->ops->notify(h, d);
    }
    return rc;
}

static int bind_virq(struct hvp_vm *pv, uint64_t virq, uint64_t vcpu, uint64_t *value)
{
    if (virq >= HVP_NR_VIRQS || !vcpu_valid(pv, vcpu))
        return HVP_SBI_ERR_INVALID_PARAM;
    if (pv->virq[vcpu][virq])
        return HVP_SBI_ERR_ALREADY_AVAILABLE;
    uint32_t p = hvp_port_alloc_locked(pv, HVP_PORT_VIRQ, (unsigned)vcpu, (uint16_t)virq);
    if (!p)
        return HVP_SBI_ERR_FAILED;
    pv->virq[vcpu][virq] = (uint16_t)p;
    *value = p;
    return 0;
}

static int close_port(struct hvp_vm *pv, uint64_t port)
{
    struct hvp_port *p = &pv->ports[port];
    if (p->state == HVP_PORT_FREE)
        return HVP_SBI_ERR_INVALID_PARAM;
    if (p->state == HVP_PORT_VIRQ)
        pv->virq[p->vcpu][p->detail] = 0;
    if (p->state == HVP_PORT_DEVICE && p->detail < pv->nr_devs) {
        /* Closing a device's port disconnects the device. */
        struct hvp_dev *d = &pv->devs[p->detail];
        pthread_mutex_lock(&d->lock);
        d->ring_gpa = 0;
        d->port = 0;
        pthread_mutex_unlock(&d->lock);
        pv->start.devices[p->detail].ring_gpa = 0;
        pv->start.devices[p->detail].event_port = 0;
        pv->start.devices[p->detail].flags &= ~HVP_DEVF_CONNECTED;
    }
    *p = (struct hvp_port){ 0 };
    return 0;
}

static int unmask(struct hvp_vm *pv, uint64_t port)
{
    if (pv->ports[port].state == HVP_PORT_FREE)
        return HVP_SBI_ERR_INVALID_PARAM;
    struct hvp_shared_info *sh = hvp_shared(pv);
    if (!sh)
        return HVP_SBI_ERR_FAILED;
    uint64_t bit = 1ull << (port % 64);
    __atomic_fetch_and(&sh->evtchn_mask[port / 64], ~bit, __ATOMIC_SEQ_CST);
    /* An event that arrived while masked must not be lost: re-raise its upcall. */
    if (__atomic_load_n(&sh->evtchn_pending[port / 64], __ATOMIC_SEQ_CST) & bit)
        notify_vcpu_locked(pv, sh, (uint32_t)port);
    return 0;
}

int hvp_evtchn_op(struct hvp_vcpu *h, uint64_t op, const uint64_t *a, uint64_t *value)
{
    struct hvp_vm *pv = h->pv;
    *value = 0;
    if (op == HVP_EVTCHN_SEND)
        return hvp_evtchn_send(h, a[0]);
    if (op > HVP_EVTCHN_BIND_VCPU)
        return HVP_SBI_ERR_NOT_SUPPORTED;
    if (op != HVP_EVTCHN_ALLOC_UNBOUND && op != HVP_EVTCHN_BIND_VIRQ && !port_valid(a[0]))
        return HVP_SBI_ERR_INVALID_PARAM;
    int rc = 0;
    pthread_mutex_lock(&pv->lock);
    switch (op) {
    case HVP_EVTCHN_ALLOC_UNBOUND:
        if (!vcpu_valid(pv, a[0])) {
            rc = HVP_SBI_ERR_INVALID_PARAM;
            break;
        }
        *value = hvp_port_alloc_locked(pv, HVP_PORT_UNBOUND, (unsigned)a[0], 0);
        if (!*value)
            rc = HVP_SBI_ERR_FAILED;
        break;
    case HVP_EVTCHN_BIND_VIRQ:
        rc = bind_virq(pv, a[0], a[1], value);
        break;
    case HVP_EVTCHN_CLOSE:
        rc = close_port(pv, a[0]);
        break;
    case HVP_EVTCHN_UNMASK:
        rc = unmask(pv, a[0]);
        break;
    case HVP_EVTCHN_STATUS: {
        struct hvp_port *p = &pv->ports[a[0]];
        *value = p->state | ((uint64_t)p->vcpu << 8) | ((uint64_t)p->detail << 16);
        break;
    }
    case HVP_EVTCHN_BIND_VCPU:
        if (pv->ports[a[0]].state == HVP_PORT_FREE || !vcpu_valid(pv, a[1]) ||
            pv->ports[a[0]].state == HVP_PORT_VIRQ)     /* a VIRQ belongs to its vCPU */
            rc = HVP_SBI_ERR_INVALID_PARAM;
        else
            pv->ports[a[0]].vcpu = (uint8_t)a[1];
        break;
    }
    pthread_mutex_unlock(&pv->lock);
    return rc;
}

static bool masked(struct hvp_shared_info *sh, uint32_t port)
{
    return (__atomic_load_n(&sh->evtchn_mask[port / 64], __ATOMIC_SEQ_CST) >> (port % 64)) & 1;
}

/* Could something raise a port of this vCPU while it sleeps, other than its own timer?
 * Other vCPUs can (SEND), and host-side device input can. Only unmasked ports count unless
 * masked_too (SCHED_OP poll waits for masked ports as well). */
bool hvp_async_wakers(struct hvp_vcpu *h, bool masked_too)
{
    struct hvp_vm *pv = h->pv;
    if (pv->vm->cfg.nr_vcpus > 1)
        return true;
    struct hvp_shared_info *sh = hvp_shared(pv);
    if (!sh)
        return false;
    bool any = false;
    pthread_mutex_lock(&pv->lock);
    for (unsigned i = 0; i < pv->nr_devs && !any; i++) {
        const struct hvp_dev *d = &pv->devs[i];
        bool input = d->ops->can_wake && d->ops->can_wake(pv, d);
        if (input && d->port && (masked_too || !masked(sh, d->port)))
            any = true;
        /* The console VIRQ is raised by the console device's input too. */
        uint32_t cport = pv->virq[h->id][HVP_VIRQ_CONSOLE];
        if (input && d->ops->type == HVP_DEV_CONSOLE && cport &&
            (masked_too || !masked(sh, cport)))
            any = true;
    }
    pthread_mutex_unlock(&pv->lock);
    return any;
}
