/* SPDX-License-Identifier: MIT */
/* libhv guest SDK, para flavour — net driver for the first NIC: a tx ring (the caller's
 * frame sent in place, the call waits for its response) and an rx ring kept full of
 * 2 KiB buffers; a received frame is copied out and its buffer posted again. */
#include "hvguest.h"
#include "para_ring.h"

#define RX_BUFS 8u
#define RX_BUF_SIZE 2048u

static struct hvg_ring tx, rx;
static uint8_t tx_page[4096] __attribute__((aligned(4096)));
static uint8_t rx_page[4096] __attribute__((aligned(4096)));
static uint8_t rx_buf[RX_BUFS][RX_BUF_SIZE] __attribute__((aligned(64)));
static int state;                       /* 0 unprobed, 1 ready, -1 none */

static void post(uint32_t buf)
{
    struct hvp_net_req *q = hvg_ring_slot(&rx, rx.req_prod++);
    q->id = buf;
    q->gpa = (uintptr_t)rx_buf[buf];
    q->len = RX_BUF_SIZE;
    q->flags = 0;
}

static void probe(void)
{
    if (state)
        return;
    state = -1;
    const struct hvp_start_info *si = hvg_start_info();
    int txd = -1, rxd = -1;
    for (unsigned i = 0; i < si->nr_devices && i < HVP_MAX_DEVICES; i++) {
        const struct hvp_dev_info *d = &si->devices[i];
        if (d->type != HVP_DEV_NET || d->param[1] != 0)
            continue;                   /* NIC 0 only */
        if (d->flags & HVP_DEVF_NET_RX)
            rxd = d->id;
        else
            txd = d->id;
    }
    if (txd < 0 || rxd < 0)
        return;
    if (hvg_ring_connect(&tx, (uint16_t)txd, tx_page, sizeof(union hvp_net_slot)) < 0 ||
        hvg_ring_connect(&rx, (uint16_t)rxd, rx_page, sizeof(union hvp_net_slot)) < 0)
        return;
    for (uint32_t i = 0; i < RX_BUFS; i++)
        post(i);
    hvg_ring_push(&rx);
    hvg_add_wake_port(rx.port);
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
    struct hvp_net_req *q = hvg_ring_slot(&tx, tx.req_prod++);
    q->id = tx.req_prod;
    q->gpa = (uintptr_t)frame;
    q->len = (uint32_t)len;
    q->flags = 0;
    hvg_ring_push(&tx);
    hvg_ring_wait_rsp(&tx, UINT64_MAX);
    struct hvp_net_rsp *rsp = hvg_ring_slot(&tx, tx.rsp_cons++);
    return rsp->status == HVP_NET_OK ? 0 : -1;
}

size_t hv_guest_net_recv(void *buf, size_t maxlen, uint64_t timeout_ns)
{
    probe();
    if (state != 1)
        return 0;
    uint64_t deadline = hvp_rdtime() + timeout_ns / 100;
    for (;;) {
        if (!hvg_ring_wait_rsp(&rx, deadline))
            return 0;
        struct hvp_net_rsp *rsp = hvg_ring_slot(&rx, rx.rsp_cons++);
        uint32_t b = (uint32_t)rsp->id % RX_BUFS, len = rsp->len;
        int ok = rsp->status == HVP_NET_OK && len;
        if (ok) {
            uint8_t *dst = buf;
            size_t n = len < maxlen ? len : maxlen;
            for (size_t i = 0; i < n; i++)
                dst[i] = rx_buf[b][i];
        }
        post(b);
        hvg_ring_push(&rx);
        if (ok)
            return len < maxlen ? len : maxlen;
    }
}
