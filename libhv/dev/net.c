/* SPDX-License-Identifier: MIT */
/* libhv dev — network back-ends: a per-VM fabric of hubs and NICs, loopback and hub
 * delivery into bounded per-NIC receive queues; user NICs hand frames to their own slirp
 * stack (net_slirp.c), whose replies land in the same queue. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "dev/net.h"
#include "dev/net_slirp.h"

struct frame {
    size_t len;
    uint8_t *data;
};

struct hv_netdev {
    struct hv_net *net;
    struct hv_netdev *next;           /* fabric list */
    enum hv_net_type type;
    unsigned hub;
    struct hv_slirp *slirp;           /* USER */
    hv_net_notify_fn notify;
    void *notify_opaque;

    pthread_mutex_t q_lock;           /* receive queue + counters */
    struct frame q[HV_NET_RX_QUEUE];
    unsigned q_head, q_count;
    struct hv_netdev_stats stats;
};

struct hv_net {
    _Atomic unsigned refs;            /* each VM using it, and hv_net_fabric_create's caller */
    /* Guards the NIC list. Held (read side) while a hub send walks it, so a NIC cannot be
     * closed under a sender. */
    pthread_rwlock_t lock;
    struct hv_netdev *nics;
};

static void slirp_rx(void *opaque, const void *frame, size_t len);

int hv__net_create(struct hv_net **out, struct hv_net *shared, char *err, size_t errlen)
{
    if (shared) {
        atomic_fetch_add(&shared->refs, 1);
        *out = shared;
        return 0;
    }
    struct hv_net *net = calloc(1, sizeof(*net));
    if (!net)
        return hv__errf(err, errlen, HV_ENOMEM, "net: out of memory");
    atomic_init(&net->refs, 1);
    pthread_rwlock_init(&net->lock, NULL);
    *out = net;
    return 0;
}

void hv__net_destroy(struct hv_net *net)
{
    if (!net || atomic_fetch_sub(&net->refs, 1) != 1)
        return;
    pthread_rwlock_destroy(&net->lock);
    free(net);
}

HV_API int hv_net_fabric_create(hv_net_fabric **out)
{
    if (!out)
        return HV_EINVAL;
    *out = NULL;
    return hv__net_create(out, NULL, NULL, 0);
}

HV_API void hv_net_fabric_release(hv_net_fabric *fabric)
{
    hv__net_destroy(fabric);
}

int hv__netdev_open(struct hv_net *net, const struct hv_net_config *cfg,
                    struct hv_netdev **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!net || !cfg)
        return hv__errf(err, errlen, HV_EINVAL, "net: no fabric or config");
    if (cfg->type != HV_NET_LOOPBACK && cfg->type != HV_NET_HUB && cfg->type != HV_NET_USER)
        return hv__errf(err, errlen, HV_ENOTSUP, "net: back-end type %d not available",
                        (int)cfg->type);
    struct hv_netdev *nd = calloc(1, sizeof(*nd));
    if (!nd)
        return hv__errf(err, errlen, HV_ENOMEM, "net: out of memory");
    nd->net = net;
    nd->type = cfg->type;
    nd->hub = cfg->hub;
    pthread_mutex_init(&nd->q_lock, NULL);
    if (cfg->type == HV_NET_USER) {
        int rc = hv__slirp_open(cfg, slirp_rx, nd, &nd->slirp, err, errlen);
        if (rc < 0) {
            pthread_mutex_destroy(&nd->q_lock);
            free(nd);
            return rc;
        }
    }
    pthread_rwlock_wrlock(&net->lock);
    nd->next = net->nics;
    net->nics = nd;
    pthread_rwlock_unlock(&net->lock);
    *out = nd;
    return 0;
}

void hv__netdev_close(struct hv_netdev *nd)
{
    if (!nd)
        return;
    struct hv_net *net = nd->net;
    pthread_rwlock_wrlock(&net->lock);
    for (struct hv_netdev **pp = &net->nics; *pp; pp = &(*pp)->next)
        if (*pp == nd) {
            *pp = nd->next;
            break;
        }
    pthread_rwlock_unlock(&net->lock);
    hv__slirp_close(nd->slirp);       /* may deliver nothing more: the stack is gone */
    for (unsigned i = 0; i < nd->q_count; i++)
        free(nd->q[(nd->q_head + i) % HV_NET_RX_QUEUE].data);
    pthread_mutex_destroy(&nd->q_lock);
    free(nd);
}

void hv__netdev_set_notify(struct hv_netdev *nd, hv_net_notify_fn fn, void *opaque)
{
    pthread_mutex_lock(&nd->q_lock);
    nd->notify = fn;
    nd->notify_opaque = opaque;
    pthread_mutex_unlock(&nd->q_lock);
}

/* Queue a copy of the frame on `to`; drop it when the queue is full or memory is short. */
static void deliver(struct hv_netdev *to, const void *frame, size_t len)
{
    uint8_t *copy = malloc(len);
    pthread_mutex_lock(&to->q_lock);
    if (!copy || to->q_count == HV_NET_RX_QUEUE) {
        to->stats.rx_dropped++;
        pthread_mutex_unlock(&to->q_lock);
        free(copy);
        return;
    }
    memcpy(copy, frame, len);
    to->q[(to->q_head + to->q_count) % HV_NET_RX_QUEUE] = (struct frame){ len, copy };
    to->q_count++;
    to->stats.rx_frames++;
    hv_net_notify_fn fn = to->notify;
    void *op = to->notify_opaque;
    pthread_mutex_unlock(&to->q_lock);
    if (fn)
        fn(op);
}

/* The slirp stack's frames for the guest (under the stack's lock, any vCPU thread). */
static void slirp_rx(void *opaque, const void *frame, size_t len)
{
    if (len && len <= HV_NET_MAX_FRAME)
        deliver(opaque, frame, len);
}

int hv__netdev_send(struct hv_netdev *nd, const void *frame, size_t len)
{
    if (!nd || !frame || len == 0 || len > HV_NET_MAX_FRAME)
        return HV_EINVAL;
    pthread_mutex_lock(&nd->q_lock);
    nd->stats.tx_frames++;
    pthread_mutex_unlock(&nd->q_lock);
    if (nd->type == HV_NET_LOOPBACK) {
        deliver(nd, frame, len);
        return 0;
    }
    if (nd->type == HV_NET_USER) {
        hv__slirp_input(nd->slirp, frame, len);
        return 0;
    }
    pthread_rwlock_rdlock(&nd->net->lock);
    for (struct hv_netdev *p = nd->net->nics; p; p = p->next)
        if (p != nd && p->type == HV_NET_HUB && p->hub == nd->hub)
            deliver(p, frame, len);
    pthread_rwlock_unlock(&nd->net->lock);
    return 0;
}

void hv__netdev_poll(struct hv_netdev *nd)
{
    if (nd && nd->slirp)
        hv__slirp_poll(nd->slirp);
}

bool hv__netdev_needs_poll(const struct hv_netdev *nd)
{
    return nd && nd->type == HV_NET_USER;
}

size_t hv__netdev_peek(struct hv_netdev *nd)
{
    pthread_mutex_lock(&nd->q_lock);
    size_t len = nd->q_count ? nd->q[nd->q_head].len : 0;
    pthread_mutex_unlock(&nd->q_lock);
    return len;
}

size_t hv__netdev_recv(struct hv_netdev *nd, void *buf, size_t cap)
{
    pthread_mutex_lock(&nd->q_lock);
    if (!nd->q_count) {
        pthread_mutex_unlock(&nd->q_lock);
        return 0;
    }
    struct frame f = nd->q[nd->q_head];
    nd->q_head = (nd->q_head + 1) % HV_NET_RX_QUEUE;
    nd->q_count--;
    pthread_mutex_unlock(&nd->q_lock);
    memcpy(buf, f.data, f.len < cap ? f.len : cap);
    free(f.data);
    return f.len;
}

void hv__netdev_stats(struct hv_netdev *nd, struct hv_netdev_stats *st)
{
    pthread_mutex_lock(&nd->q_lock);
    *st = nd->stats;
    pthread_mutex_unlock(&nd->q_lock);
}
