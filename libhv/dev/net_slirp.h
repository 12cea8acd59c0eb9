/* SPDX-License-Identifier: MIT */
/* libhv internal — user-mode networking (HV_NET_USER) on libslirp: a TCP/IP stack inside
 * the process that terminates the guest's connections and re-opens them as host sockets.
 * One instance per NIC (struct hv_netdev of type USER owns it); all its state hangs off
 * the instance, libslirp's callbacks get it as their opaque pointer.
 *
 * Threads: input() and poll() may be called from any thread (each vCPU polls its devices);
 * the instance's lock serialises them, since libslirp is not thread-safe. The receive hook
 * runs under that lock: it must not call back into the instance. */
#ifndef HV_DEV_NET_SLIRP_H
#define HV_DEV_NET_SLIRP_H

#include <stdbool.h>
#include <stddef.h>
#include "hv/config.h"

struct hv_slirp;

/* A frame from the stack to the guest (copied by the hook before it returns). */
typedef void (*hv_slirp_rx_fn)(void *opaque, const void *frame, size_t len);

/* Validate cfg (hostfwd addresses must be loopback) and start the stack with its port
 * forwards listening. HV_ENOTSUP when libhv was built without libslirp. */
int hv__slirp_open(const struct hv_net_config *cfg, hv_slirp_rx_fn rx, void *opaque,
                   struct hv_slirp **out, char *err, size_t errlen);
/* Closes the host sockets. NULL accepted. */
void hv__slirp_close(struct hv_slirp *s);
/* A frame from the guest. */
void hv__slirp_input(struct hv_slirp *s, const void *frame, size_t len);
/* Host-only mode's filter (exposed for tests): may the guest send this frame? ARP, and
 * IPv4 to 10.0.2.0/24 (not the DNS address 10.0.2.3) or the broadcast address. */
bool hv__slirp_host_only_allows(const void *frame, size_t len);
/* Service host sockets and timers without blocking. Cheap when called more often than
 * once a millisecond (it then returns at once, unless input arrived since). */
void hv__slirp_poll(struct hv_slirp *s);

#endif
