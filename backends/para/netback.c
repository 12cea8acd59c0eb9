/* SPDX-License-Identifier: MIT */
/* libhv para backend — the PV net back-end: per NIC a tx ring and an rx ring (two device
 * entries) on a netdev back-end of dev/net.h (loopback, hub, user), the same ones
 * virtio-net uses. tx requests (fragments chained with HVP_NET_F_MORE) are gathered and sent
 * on the kicking vCPU; received frames fill rx buffers the guest posted, when a buffer is
 * posted (NOTIFY), right after a tx batch (loopback) and from the vCPU's device poll (frames
 * from other NICs, user networking's host sockets). Requests are copied out of the ring
 * before they are checked; impossible ring indices break the ring (docs/PARA-ABI.md,
 * "Network devices"). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "backends/para/para.h"
#include "dev/blk.h"
#include "dev/net.h"

#define NET_MAX_ORDER 4u
/* User networking: a sleeping vCPU wakes this often to poll the host sockets. */
#define NET_POLL_SLEEP_NS 1000000ull

struct netback {
    struct hvp_vm *pv;
    struct hv_netdev *nd;
    struct hvp_dev *tx, *rx;
    atomic_bool rx_kick;            /* frames arrived (set on the sender's thread) */
    /* tx: frame being gathered (tx->lock) */
    size_t tx_len;
    bool tx_bad;
    uint8_t tx_frame[HV_NET_MAX_FRAME];
    uint8_t rx_frame[HV_NET_MAX_FRAME]; /* rx->lock */
};

/* ---- tx ------------------------------------------------------------------------------ */

/* Append one fragment; its status. A bad fragment poisons the whole frame. */
static int16_t tx_fragment(struct netback *n, const struct hvp_net_req *q)
{
    const uint8_t *p = q->len ? hv__dma_ptr(&n->pv->vm->mem, q->gpa, q->len, false) : NULL;
    if (!p || q->len > HV_NET_MAX_FRAME - n->tx_len) {
        n->tx_bad = true;
        return HVP_NET_EIO;
    }
    memcpy(n->tx_frame + n->tx_len, p, q->len);
    n->tx_len += q->len;
    return HVP_NET_OK;
}

static int16_t tx_request(struct netback *n, const struct hvp_net_req *q)
{
    int16_t st = tx_fragment(n, q);
    if (q->flags & HVP_NET_F_MORE)
        return st;
    /* Last fragment: send the frame, or drop it if any fragment was bad. */
    if (!n->tx_bad && hv__netdev_send(n->nd, n->tx_frame, n->tx_len) < 0)
        st = HVP_NET_EIO;
    if (n->tx_bad)
        st = HVP_NET_EIO;
    n->tx_len = 0;
    n->tx_bad = false;
    return st;
}

static bool tx_service(struct netback *n, struct hvp_dev *d)
{
    struct hvp_bring r;
    if (!hvp_ring_map(n->pv, d, sizeof(union hvp_net_slot), &r))
        return false;
    uint32_t old = d->rsp_prod;
    do {
        int64_t cnt = hvp_ring_pending(d, &r);
        if (cnt < 0) {
            hvp_ring_break(n->pv, d, "net tx ring: req_prod more than a ring ahead");
            break;
        }
        while (cnt-- > 0) {
            struct hvp_net_req q;
            memcpy(&q, hvp_ring_slot(&r, d->req_cons), sizeof(q));
            d->req_cons++;
            struct hvp_net_rsp rsp = { .id = q.id, .len = q.len,
                                       .status = tx_request(n, &q) };
            memcpy(hvp_ring_slot(&r, d->rsp_prod), &rsp, sizeof(rsp));
            d->rsp_prod++;
        }
    } while (hvp_ring_final_check(d, &r));
    return hvp_ring_push(n->pv, d, &r, old);
}

/* ---- rx ------------------------------------------------------------------------------ */

/* Fill one posted buffer with the next frame; the response's status. */
static int16_t rx_one(struct netback *n, const struct hvp_net_req *q, uint32_t *len)
{
    *len = 0;
    uint8_t *p = q->len ? hv__dma_ptr(&n->pv->vm->mem, q->gpa, q->len, true) : NULL;
    if (!p)
        return HVP_NET_EIO;             /* the frame stays queued for a good buffer */
    size_t flen = hv__netdev_recv(n->nd, n->rx_frame, sizeof(n->rx_frame));
    if (flen > q->len)
        return HVP_NET_E2BIG;           /* dropped, as a NIC does with too small buffers */
    memcpy(p, n->rx_frame, flen);
    *len = (uint32_t)flen;
    return HVP_NET_OK;
}

/* Move queued frames into posted buffers while both exist (d->lock held). */
static bool rx_service(struct netback *n, struct hvp_dev *d)
{
    struct hvp_bring r;
    if (!hvp_ring_map(n->pv, d, sizeof(union hvp_net_slot), &r))
        return false;
    uint32_t old = d->rsp_prod;
    for (;;) {
        int64_t cnt = hvp_ring_pending(d, &r);
        if (cnt < 0) {
            hvp_ring_break(n->pv, d, "net rx ring: req_prod more than a ring ahead");
            break;
        }
        if (cnt == 0) {
            /* Out of buffers: ask for a kick when the guest posts the next one. */
            if (!hvp_ring_final_check(d, &r))
                break;
            continue;
        }
        if (!hv__netdev_peek(n->nd))
            break;                      /* buffers wait for frames */
        struct hvp_net_req q;
        memcpy(&q, hvp_ring_slot(&r, d->req_cons), sizeof(q));
        d->req_cons++;
        struct hvp_net_rsp rsp = { .id = q.id };
        rsp.status = rx_one(n, &q, &rsp.len);
        memcpy(hvp_ring_slot(&r, d->rsp_prod), &rsp, sizeof(rsp));
        d->rsp_prod++;
    }
    return hvp_ring_push(n->pv, d, &r, old);
}

static void rx_run(struct netback *n)
{
    struct hvp_dev *d = n->rx;
    pthread_mutex_lock(&d->lock);
    atomic_store(&n->rx_kick, false);
    bool kick = rx_service(n, d);
    uint32_t port = d->port;
    pthread_mutex_unlock(&d->lock);
    if (kick && port)
        hvp_evtchn_raise(n->pv, port);
}

/* ---- device ops ------------------------------------------------------------------------ */

static void tx_notify(struct hvp_vcpu *h, struct hvp_dev *d)
{
    struct netback *n = d->priv;
    pthread_mutex_lock(&d->lock);
    bool kick = tx_service(n, d);
    uint32_t port = d->port;
    pthread_mutex_unlock(&d->lock);
    if (kick && port)
        hvp_evtchn_raise(h->pv, port);
    if (atomic_load(&n->rx_kick))       /* loopback: our own frames are back */
        rx_run(n);
}

static void rx_notify(struct hvp_vcpu *h, struct hvp_dev *d)
{
    rx_run(d->priv);
}

static void rx_poll(struct hvp_vcpu *h, struct hvp_dev *d)
{
    struct netback *n = d->priv;
    hv__netdev_poll(n->nd);             /* user networking: host sockets, slirp timers */
    if (atomic_load(&n->rx_kick))
        rx_run(n);
}

/* Another NIC on a hub can deliver while this vCPU sleeps, and a user network's host
 * sockets (seen by the sleeping vCPU's own device polls: sched.c bounds the sleep). */
static bool rx_can_wake(struct hvp_vm *pv, const struct hvp_dev *d)
{
    struct netback *n = d->priv;
    return n && (pv->vm->cfg.nr_nics > 1 || hv__netdev_needs_poll(n->nd));
}

/* The netdev's receive hook, on the sender's thread: flag and wake, nothing more. */
static void frames_arrived(void *opaque)
{
    struct netback *n = opaque;
    atomic_store(&n->rx_kick, true);
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++) {
        struct hvp_vcpu *v = __atomic_load_n(&n->pv->vcpus[i], __ATOMIC_ACQUIRE);
        if (v)
            hvp_wake(v);
    }
}

static void net_fini(struct hvp_dev *d)
{
    struct netback *n = d->priv;
    if (!n || d != n->tx)
        return;                         /* the tx entry owns the shared state */
    hv__netdev_set_notify(n->nd, NULL, NULL);
    hv__netdev_close(n->nd);
    free(n);
}

/* Snapshot loaded (snapshot.c): a frame half gathered before it is not part of it. */
static void tx_restored(struct hvp_dev *d)
{
    struct netback *n = d->priv;
    if (n) {
        n->tx_len = 0;
        n->tx_bad = false;
    }
}

static const struct hvp_dev_ops tx_ops = {
    .type = HVP_DEV_NET,
    .max_order = NET_MAX_ORDER,
    .notify = tx_notify,
    .connect = hvp_ring_reset,
    .fini = net_fini,
    .restored = tx_restored,
};

static const struct hvp_dev_ops rx_ops = {
    .type = HVP_DEV_NET,
    .max_order = NET_MAX_ORDER,
    .notify = rx_notify,
    .poll = rx_poll,
    .can_wake = rx_can_wake,
    .connect = hvp_ring_reset,
};

static uint64_t mac_param(const struct hv_net_config *c, unsigned idx)
{
    static const uint8_t zero[6];
    uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, (uint8_t)(0x56 + idx) };
    if (memcmp(c->mac, zero, 6))
        memcpy(mac, c->mac, 6);
    uint64_t v = 0;
    for (unsigned i = 0; i < 6; i++)
        v |= (uint64_t)mac[i] << (8 * i);
    return v;
}

static int add_nic(struct hvp_vm *pv, unsigned idx, char *err, size_t errlen)
{
    const struct hv_net_config *c = &pv->vm->cfg.nics[idx];
    if (pv->nr_devs + 2 > HVP_MAX_DEVICES)
        return hv__errf(err, errlen, HV_ELIMIT, "para: more than %u devices",
                        HVP_MAX_DEVICES);
    struct netback *n = calloc(1, sizeof(*n));
    if (!n)
        return hv__errf(err, errlen, HV_ENOMEM, "para net: out of memory");
    int rc = hv__netdev_open(pv->net, c, &n->nd, err, errlen);
    if (rc < 0) {
        free(n);
        return rc;
    }
    n->pv = pv;
    n->tx = hvp_device_add(pv, &tx_ops);
    n->rx = hvp_device_add(pv, &rx_ops);
    n->tx->priv = n->rx->priv = n;
    for (unsigned k = 0; k < 2; k++) {
        struct hvp_dev *d = k ? n->rx : n->tx;
        struct hvp_dev_info *di = &pv->start.devices[d->id];
        di->param[0] = mac_param(c, idx);
        di->param[1] = idx;
        di->flags = k ? HVP_DEVF_NET_RX : 0;
        hvp_device_publish(pv, d);
    }
    hv__netdev_set_notify(n->nd, frames_arrived, n);
    if (hv__netdev_needs_poll(n->nd))
        pv->poll_sleep_ns = NET_POLL_SLEEP_NS;
    return 0;
}

int hvp_netback_init(struct hvp_vm *pv, char *err, size_t errlen)
{
    const struct hv_config *cfg = &pv->vm->cfg;
    for (unsigned i = 0; i < cfg->nr_nics; i++) {
        if (cfg->nics[i].type == HV_NET_NONE)
            continue;
        if (!pv->net) {
            int rc = hv__net_create(&pv->net, cfg->net_fabric, err, errlen);
            if (rc < 0)
                return rc;
        }
        int rc = add_nic(pv, i, err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}
