/* SPDX-License-Identifier: MIT */
/* libhv internal — network back-ends shared by virtio-net (full) and the PV net ring
 * (para). A struct hv_net is one VM's private network fabric (its hubs); each NIC opens a
 * struct hv_netdev on it: LOOPBACK returns the NIC's own frames, HUB delivers a frame to
 * every other NIC of the same VM on the same hub id, USER gives the NIC its own libslirp
 * stack (net_slirp.h), whose host sockets the front-end services by calling
 * hv__netdev_poll from its device poll. Received frames wait in a bounded
 * per-NIC queue until the front-end takes them (frames beyond the bound are dropped, as a
 * NIC without rx buffers does). No global state: hubs of different VMs never meet.
 *
 * Threads: send() may run on any thread (each vCPU drives its own NIC); a receiver's
 * queue is locked. The `notify` hook runs on the sender's thread with no lock held by the
 * net layer; it must not block or take the receiving front-end's locks (set a flag and let
 * the front-end poll). */
#ifndef HV_DEV_NET_H
#define HV_DEV_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hv/config.h"

#define HV_NET_MAX_FRAME 65536u      /* bytes, Ethernet header included */
#define HV_NET_RX_QUEUE 256u         /* frames queued per NIC before drops */

struct hv_net;
struct hv_netdev;

/* Tells a front-end that frames are waiting (any thread). */
typedef void (*hv_net_notify_fn)(void *opaque);

/* A new fabric, or (shared not NULL) another reference to a shared one
 * (hv_config.net_fabric). */
int hv__net_create(struct hv_net **out, struct hv_net *shared, char *err, size_t errlen);
/* Drop a reference; the last one frees the fabric, whose netdevs must all be closed by
 * then. NULL accepted. */
void hv__net_destroy(struct hv_net *net);

/* Attach a NIC described by cfg (LOOPBACK, HUB or USER; others, and USER without libslirp:
 * HV_ENOTSUP; a hostfwd that is not on loopback: HV_EINVAL; one that cannot listen:
 * HV_EBUSY). */
int hv__netdev_open(struct hv_net *net, const struct hv_net_config *cfg,
                    struct hv_netdev **out, char *err, size_t errlen);
void hv__netdev_close(struct hv_netdev *nd);
/* Install the receive notification (may be NULL). Set before frames can arrive. */
void hv__netdev_set_notify(struct hv_netdev *nd, hv_net_notify_fn fn, void *opaque);

/* Guest transmit: deliver a copy of the frame according to the back-end. Frames of 0 or
 * more than HV_NET_MAX_FRAME bytes are refused (HV_EINVAL). */
int hv__netdev_send(struct hv_netdev *nd, const void *frame, size_t len);
/* Service host-side I/O (USER: slirp's sockets and timers; no-op for the others). Call it
 * from the front-end's periodic device poll; frames it produces arrive through notify. */
void hv__netdev_poll(struct hv_netdev *nd);
/* Does the back-end produce frames only when polled (USER)? Front-ends then bound their
 * sleeps so the poll keeps running while the guest idles. */
bool hv__netdev_needs_poll(const struct hv_netdev *nd);
/* Length of the next received frame, 0 if none. */
size_t hv__netdev_peek(struct hv_netdev *nd);
/* Take the next frame: copies min(len, cap) bytes, returns the frame's full length (0 if
 * none). The frame is consumed even if truncated. */
size_t hv__netdev_recv(struct hv_netdev *nd, void *buf, size_t cap);

/* Counters (for tests and stats). */
struct hv_netdev_stats {
    uint64_t tx_frames, rx_frames, rx_dropped;
};
void hv__netdev_stats(struct hv_netdev *nd, struct hv_netdev_stats *st);

#endif
