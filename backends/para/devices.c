/* SPDX-License-Identifier: MIT */
/* libhv para backend — PV devices: the generic device table behind start-info's device
 * list and RING_CONNECT, and the console front-end (a one-page byte ring pair, pre-connected
 * at boot like Xen's console, plus the DBCN path). Block (blkback.c) and net (netback.c)
 * plug into the same table through struct hvp_dev_ops. Rings live in guest memory: every
 * index read from them is checked before it is used, a violation is logged and the ring
 * resynchronised. */
#include <string.h>
#include "backends/para/para.h"
#include "dev/net.h"

void hvp_console_out(struct hvp_vm *pv, const void *buf, size_t len)
{
    if (pv->vm->serial && len)
        hv__chardev_write(pv->vm->serial, buf, len);
}

static struct hvp_console_ring *console_ring(struct hvp_vm *pv, struct hvp_dev *d)
{
    if (!d->ring_gpa)
        return NULL;
    return hvp_ram(pv, d->ring_gpa, sizeof(struct hvp_console_ring));
}

/* Guest -> host: drain out[out_cons, out_prod). */
static void console_drain(struct hvp_vm *pv, struct hvp_console_ring *r)
{
    uint32_t cons = __atomic_load_n(&r->out_cons, __ATOMIC_ACQUIRE);
    uint32_t prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);
    if (prod - cons > HVP_CONS_OUT_SIZE) {
        hv__log(pv->vm, HV_LOG_WARN, "para console: out ring indices %u/%u invalid, "
                "output dropped", cons, prod);
        __atomic_store_n(&r->out_cons, prod, __ATOMIC_RELEASE);
        return;
    }
    while (cons != prod) {
        uint32_t off = cons % HVP_CONS_OUT_SIZE;
        uint32_t n = prod - cons;
        if (n > HVP_CONS_OUT_SIZE - off)
            n = HVP_CONS_OUT_SIZE - off;
        hvp_console_out(pv, &r->out[off], n);
        cons += n;
    }
    __atomic_store_n(&r->out_cons, cons, __ATOMIC_RELEASE);
}

/* Host -> guest: copy pending input into in[in_prod, in_cons + size). True if any. */
static bool console_fill(struct hvp_vm *pv, struct hvp_console_ring *r)
{
    struct hv_chardev *chr = pv->vm->serial;
    if (!chr)
        return false;
    uint32_t cons = __atomic_load_n(&r->in_cons, __ATOMIC_ACQUIRE);
    uint32_t prod = __atomic_load_n(&r->in_prod, __ATOMIC_ACQUIRE);
    if (prod - cons > HVP_CONS_IN_SIZE) {
        hv__log(pv->vm, HV_LOG_WARN, "para console: in ring indices %u/%u invalid, reset",
                cons, prod);
        prod = cons;
    }
    bool any = false;
    while (prod - cons < HVP_CONS_IN_SIZE) {
        uint32_t off = prod % HVP_CONS_IN_SIZE;
        uint32_t space = HVP_CONS_IN_SIZE - (prod - cons);
        if (space > HVP_CONS_IN_SIZE - off)
            space = HVP_CONS_IN_SIZE - off;
        size_t n = hv__chardev_read(chr, &r->in[off], space);
        if (!n)
            break;
        prod += (uint32_t)n;
        any = true;
    }
    __atomic_store_n(&r->in_prod, prod, __ATOMIC_RELEASE);
    return any;
}

static void console_notify(struct hvp_vcpu *h, struct hvp_dev *d)
{
    struct hvp_vm *pv = h->pv;
    pthread_mutex_lock(&d->lock);
    struct hvp_console_ring *r = console_ring(pv, d);
    bool input = false;
    if (r) {
        console_drain(pv, r);
        input = console_fill(pv, r);
    }
    uint32_t port = d->port;
    pthread_mutex_unlock(&d->lock);
    if (input && port)
        hvp_evtchn_raise(pv, port);
}

static bool port_masked(struct hvp_vm *pv, uint32_t port)
{
    struct hvp_shared_info *sh = hvp_shared(pv);
    return !sh || ((__atomic_load_n(&sh->evtchn_mask[port / 64], __ATOMIC_SEQ_CST) >>
                    (port % 64)) & 1);
}

/* Input arrives from other threads without notifying us: look for it periodically. A ring
 * whose port the guest unmasked gets the bytes; otherwise they stay in the chardev for
 * DBCN console_read and the console VIRQ says so. */
static void console_poll(struct hvp_vcpu *h, struct hvp_dev *d)
{
    struct hvp_vm *pv = h->pv;
    struct hv_chardev *chr = pv->vm->serial;
    if (!chr || !hv__chardev_pending(chr))
        return;
    pthread_mutex_lock(&d->lock);
    uint32_t port = d->port;
    struct hvp_console_ring *r = port && !port_masked(pv, port) ? console_ring(pv, d) : NULL;
    bool input = r && console_fill(pv, r);
    pthread_mutex_unlock(&d->lock);
    if (input)
        hvp_evtchn_raise(pv, port);
    else if (!r)
        hvp_raise_virq(h, HVP_VIRQ_CONSOLE);
}

static bool console_can_wake(struct hvp_vm *pv, const struct hvp_dev *d)
{
    switch (pv->vm->cfg.serial.type) {
    case HV_CHARDEV_STDIO: case HV_CHARDEV_BUFFER: case HV_CHARDEV_PTY:
    case HV_CHARDEV_SOCKET:
        return true;
    default:
        return false;
    }
}

static const struct hvp_dev_ops console_ops = {
    .type = HVP_DEV_CONSOLE,
    .max_order = 0,
    .notify = console_notify,
    .poll = console_poll,
    .can_wake = console_can_wake,
};

/* ---- the device table -------------------------------------------------------------------- */

void hvp_device_publish(struct hvp_vm *pv, const struct hvp_dev *d)
{
    struct hvp_dev_info *di = &pv->start.devices[d->id];
    di->type = d->ops->type;
    di->id = d->id;
    di->ring_gpa = d->ring_gpa;
    di->ring_order = d->order;
    di->event_port = d->port;
    if (d->ring_gpa)
        di->flags |= HVP_DEVF_CONNECTED;
    else
        di->flags &= ~HVP_DEVF_CONNECTED;
}

struct hvp_dev *hvp_device_add(struct hvp_vm *pv, const struct hvp_dev_ops *ops)
{
    if (pv->nr_devs >= HVP_MAX_DEVICES)
        return NULL;
    struct hvp_dev *d = &pv->devs[pv->nr_devs];
    d->ops = ops;
    d->id = (uint16_t)pv->nr_devs;
    pthread_mutex_init(&d->lock, NULL);
    pv->nr_devs++;
    pv->start.nr_devices = pv->nr_devs;
    return d;
}

int hvp_devices_init(struct hvp_vm *pv, char *err, size_t errlen)
{
    struct hvp_dev *con = hvp_device_add(pv, &console_ops);
    if (!con)
        return hv__errf(err, errlen, HV_EINTERNAL, "para: device table full");
    /* The console is connected before the guest runs (its first output needs no set-up):
     * ring in the reserved area, port 1 bound to vCPU 0 and masked until the guest wants
     * input events. */
    pthread_mutex_lock(&pv->lock);
    uint32_t port = hvp_port_alloc_locked(pv, HVP_PORT_DEVICE, 0, con->id);
    pthread_mutex_unlock(&pv->lock);
    struct hvp_shared_info *sh = hvp_shared(pv);
    if (!port || !sh)
        return hv__errf(err, errlen, HV_EINTERNAL, "para: cannot set up the console");
    sh->evtchn_mask[port / 64] |= 1ull << (port % 64);
    con->ring_gpa = pv->console_gpa;
    con->order = 0;
    con->port = port;
    hvp_device_publish(pv, con);
    /* Disks, then NICs (two entries each: tx, rx), in configuration order. */
    int rc = hvp_blkback_init(pv, err, errlen);
    if (rc < 0)
        return rc;
    return hvp_netback_init(pv, err, errlen);
}

void hvp_devices_fini(struct hvp_vm *pv)
{
    for (unsigned i = 0; i < pv->nr_devs; i++) {
        if (pv->devs[i].ops->fini)
            pv->devs[i].ops->fini(&pv->devs[i]);
        pthread_mutex_destroy(&pv->devs[i].lock);
    }
    pv->nr_devs = 0;
    hv__net_destroy(pv->net);           /* every NIC was closed by its fini above */
    pv->net = NULL;
}

void hvp_devices_poll(struct hvp_vcpu *h)
{
    struct hvp_vm *pv = h->pv;
    for (unsigned i = 0; i < pv->nr_devs; i++)
        if (pv->devs[i].ops->poll)
            pv->devs[i].ops->poll(h, &pv->devs[i]);
}

/* RING_CONNECT(device, ring gpa, order, port): the port must be one the guest allocated
 * (UNBOUND); it becomes the device's port. The previous port, if any, goes back to UNBOUND
 * so the guest can close or reuse it. */
int hvp_ring_connect(struct hvp_vcpu *h, const uint64_t *a)
{
    struct hvp_vm *pv = h->pv;
    uint64_t id = a[0], gpa = a[1], order = a[2], port = a[3];
    if (id >= pv->nr_devs)
        return HVP_SBI_ERR_INVALID_PARAM;
    struct hvp_dev *d = &pv->devs[id];
    if (order > d->ops->max_order)
        return HVP_SBI_ERR_INVALID_PARAM;
    if ((gpa & (HV_PAGE_SIZE - 1)) || !hvp_ram(pv, gpa, HV_PAGE_SIZE << order))
        return HVP_SBI_ERR_INVALID_ADDRESS;
    if (port == 0 || port >= HVP_NR_PORTS)
        return HVP_SBI_ERR_INVALID_PARAM;
    pthread_mutex_lock(&pv->lock);
    int rc = 0;
    if (pv->ports[port].state != HVP_PORT_UNBOUND) {
        rc = HVP_SBI_ERR_INVALID_PARAM;
    } else {
        pthread_mutex_lock(&d->lock);
        if (d->port && d->port != port)
            pv->ports[d->port] = (struct hvp_port){ .state = HVP_PORT_UNBOUND,
                                                    .vcpu = pv->ports[d->port].vcpu };
        pv->ports[port].state = HVP_PORT_DEVICE;
        pv->ports[port].detail = d->id;
        d->ring_gpa = gpa;
        d->order = (uint32_t)order;
        d->port = (uint32_t)port;
        if (d->ops->connect)
            d->ops->connect(pv, d);
        hvp_device_publish(pv, d);
        pthread_mutex_unlock(&d->lock);
    }
    pthread_mutex_unlock(&pv->lock);
    return rc;
}
