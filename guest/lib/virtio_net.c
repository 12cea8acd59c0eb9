/* SPDX-License-Identifier: MIT */
/* libhv guest SDK, bare-metal flavour — virtio-net driver for the first NIC: queue 0 kept
 * full of receive buffers, queue 1 sends one frame at a time (12-byte virtio 1.0 header
 * then the frame, copied into a static buffer). Polls the used rings. */
#include "hvguest.h"
#include "virtio.h"

#define VIRTIO_ID_NET 1u
#define HDR_LEN 12u
#define RX_BUFS 8u
#define BUF_SIZE (HDR_LEN + 2048u)

static struct vio_dev dev;
static struct vio_queue rxq, txq;
static uint8_t rx_buf[RX_BUFS][BUF_SIZE] __attribute__((aligned(64)));
static uint8_t tx_buf[BUF_SIZE] __attribute__((aligned(64)));
static int state;                       /* 0 unprobed, 1 ready, -1 none */

static void post(uint16_t i)
{
    rxq.desc[i] = (struct vio_desc){ (uintptr_t)rx_buf[i], BUF_SIZE, VIO_DESC_F_WRITE, 0 };
    vio_submit(&dev, 0, &rxq, i);
}

static void probe(void)
{
    if (state)
        return;
    state = -1;
    if (vio_find(&dev, VIRTIO_ID_NET, 0, 0) < 0 || vio_queue_init(&dev, 0, &rxq) < 0 ||
        vio_queue_init(&dev, 1, &txq) < 0)
        return;
    vio_driver_ok(&dev);
    for (uint16_t i = 0; i < RX_BUFS; i++)
        post(i);
    state = 1;
}

int hv_guest_net_present(void)
{
    probe();
    return state == 1;
}

int hv_guest_net_send(const void *frame, size_t len)
{
    probe();
    if (state != 1 || len == 0 || len > HV_GUEST_NET_MTU)
        return -1;
    for (unsigned i = 0; i < HDR_LEN; i++)
        tx_buf[i] = 0;
    const uint8_t *src = frame;
    for (size_t i = 0; i < len; i++)
        tx_buf[HDR_LEN + i] = src[i];
    txq.desc[0] = (struct vio_desc){ (uintptr_t)tx_buf, (uint32_t)(HDR_LEN + len), 0, 0 };
    vio_submit(&dev, 1, &txq, 0);
    uint32_t id, ulen;
    while (!vio_used(&txq, &id, &ulen))
        ;
    return 0;
}

size_t hv_guest_net_recv(void *buf, size_t maxlen, uint64_t timeout_ns)
{
    probe();
    if (state != 1)
        return 0;
    uint64_t deadline = hv_guest_time_ns() + timeout_ns;
    for (;;) {
        uint32_t id, len;
        if (vio_used(&rxq, &id, &len)) {
            id %= RX_BUFS;
            size_t n = len > HDR_LEN ? len - HDR_LEN : 0;
            if (n > maxlen)
                n = maxlen;
            uint8_t *dst = buf;
            for (size_t i = 0; i < n; i++)
                dst[i] = rx_buf[id][HDR_LEN + i];
            post((uint16_t)id);
            if (n)
                return n;
            continue;
        }
        if (hv_guest_time_ns() >= deadline)
            return 0;
    }
}
