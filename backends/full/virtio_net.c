/* SPDX-License-Identifier: MIT */
/* libhv full backend — virtio-net on the virtio-mmio transport: queue 0 receives, queue 1
 * transmits; frames go through a netdev back-end (dev/net.h: loopback, hub or user).
 * Features: MAC, STATUS (link always up). No offloads, no mergeable buffers: each frame is
 * preceded by the 12-byte virtio 1.0 header, or by the 10-byte legacy one for a driver that
 * did not acknowledge VIRTIO_F_VERSION_1 (accepted as on QEMU, see virtio_mmio.c). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "backends/full/full.h"
#include "backends/full/virtio_mmio.h"

#define VIRTIO_ID_NET 1
#define F_MAC 5
#define F_STATUS 16
#define STATUS_LINK_UP 1u
#define QUEUE_MAX 256u
#define Q_RX 0u
#define Q_TX 1u
#define HDR_LEN 12u             /* the largest header: buffers leave room for it */
#define HDR_LEN_LEGACY 10u

struct net_config {
    uint8_t mac[6];
    uint16_t status;
    uint16_t max_virtqueue_pairs;
} __attribute__((packed));

struct vnet {
    struct hvf_virtio *vio;
    struct hv_netdev *nd;
    struct net_config cfg;
    atomic_bool rx_kick;             /* frames arrived (set on the sender's thread) */
    uint8_t buf[HDR_LEN + HV_NET_MAX_FRAME];
};

static int config_read(void *dev, uint64_t off, unsigned size, uint64_t *val)
{
    struct vnet *n = dev;
    *val = hvf_virtio_config_bytes(&n->cfg, sizeof(n->cfg), off, size);
    return 0;
}

/* The header before each frame: QEMU's rule (12 bytes with VERSION_1 or mergeable
 * buffers, which are not offered here; else the legacy 10). */
static uint32_t hdr_len(const struct hvf_virtio *vio)
{
    return (hvf_virtio_driver_features(vio) >> HVF_VIRTIO_F_VERSION_1) & 1 ? HDR_LEN
                                                                            : HDR_LEN_LEGACY;
}

/* Move queued frames into the driver's receive buffers while both exist. */
static void rx_drain(struct hvf_virtio *vio, struct vnet *n)
{
    bool pushed = false;
    struct hvf_vq_chain c;
    uint32_t hl = hdr_len(vio);
    while (hv__netdev_peek(n->nd) && hvf_vq_has_avail(vio, Q_RX)) {
        if (hvf_vq_pop(vio, Q_RX, &c) <= 0)
            break;
        size_t len = hv__netdev_recv(n->nd, n->buf + hl, HV_NET_MAX_FRAME);
        uint32_t used = 0;
        if (len && hl + len <= c.wlen) {
            memset(n->buf, 0, hl);
            if (hl == HDR_LEN)
                n->buf[10] = 1;              /* num_buffers = 1 (little-endian u16) */
            if (hvf_vq_write(vio, &c, 0, n->buf, hl + len) == 0)
                used = (uint32_t)(hl + len);
        }
        /* A buffer too small for the frame comes back empty: the frame is dropped. */
        hvf_vq_push(vio, Q_RX, &c, used);
        pushed = true;
    }
    if (pushed)
        hvf_vq_interrupt(vio, Q_RX);
}

static void tx(struct hvf_virtio *vio, struct vnet *n)
{
    bool pushed = false;
    struct hvf_vq_chain c;
    uint32_t hl = hdr_len(vio);
    while (hvf_vq_pop(vio, Q_TX, &c) > 0) {
        uint64_t len = c.rlen > hl ? c.rlen - hl : 0;
        if (len && len <= HV_NET_MAX_FRAME &&
            hvf_vq_read(vio, &c, hl, n->buf, len) == 0)
            (void)hv__netdev_send(n->nd, n->buf, len);
        hvf_vq_push(vio, Q_TX, &c, 0);
        pushed = true;
    }
    if (pushed)
        hvf_vq_interrupt(vio, Q_TX);
}

static void notify(struct hvf_virtio *vio, void *dev, unsigned q)
{
    struct vnet *n = dev;
    if (q == Q_TX)
        tx(vio, n);
    /* Loopback frames, and receive buffers just added by the driver. */
    atomic_store(&n->rx_kick, false);
    rx_drain(vio, n);
}

static void net_poll(struct hvf_virtio *vio, void *dev)
{
    struct vnet *n = dev;
    hv__netdev_poll(n->nd);            /* user networking: host sockets, slirp timers */
    if (atomic_exchange(&n->rx_kick, false))
        rx_drain(vio, n);
}

/* Frames arrived, on the sender's thread (another vCPU, another VM on a shared fabric, the
 * slirp stack): flag them, and have the board poll its devices now and wake the harts
 * (else a hart asleep in WFI saw them at its next periodic device poll, up to
 * HVF_DEV_SLEEP_NS later, and a running one up to DEV_POLL_NS later). */
static void rx_notify(void *opaque)
{
    struct vnet *n = opaque;
    atomic_store(&n->rx_kick, true);
    struct hv_vm *vm = hvf_virtio_vm(n->vio);
    if (vm && vm->backend)
        hvf_board_poll_soon(vm->backend);
}

static void destroy(void *dev)
{
    struct vnet *n = dev;
    hv__netdev_set_notify(n->nd, NULL, NULL);
    free(n);
}

static const struct hvf_virtio_ops vnet_ops = {
    .name = "net",
    .device_id = VIRTIO_ID_NET,
    .nr_queues = 2,
    .queue_max = QUEUE_MAX,
    .config_read = config_read,
    .notify = notify,
    .poll = net_poll,
    .destroy = destroy,
};

int hvf_virtio_net_attach(struct hvf_virtio *vio, struct hv_netdev *nd, const uint8_t mac[6],
                          char *err, size_t errlen)
{
    if (!nd)
        return hv__errf(err, errlen, HV_EINVAL, "virtio-net: no network back-end");
    struct vnet *n = calloc(1, sizeof(*n));
    if (!n)
        return hv__errf(err, errlen, HV_ENOMEM, "virtio-net: out of memory");
    n->nd = nd;
    n->vio = vio;
    memcpy(n->cfg.mac, mac, 6);
    n->cfg.status = STATUS_LINK_UP;
    n->cfg.max_virtqueue_pairs = 1;
    int rc = hvf_virtio_attach(vio, &vnet_ops, n, (1ull << F_MAC) | (1ull << F_STATUS),
                               err, errlen);
    if (rc < 0) {
        free(n);
        return rc;
    }
    hv__netdev_set_notify(nd, rx_notify, n);
    return 0;
}
