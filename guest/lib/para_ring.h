/* SPDX-License-Identifier: MIT */
/* libhv guest SDK, para flavour — private helpers shared by the para drivers: the cached
 * start-info, event-port bits in shared-info, the front-end side of the generic ring
 * (Xen ring.h rules from hv/para.h) and the wait primitive. Not installed. */
#ifndef HVG_PARA_RING_H
#define HVG_PARA_RING_H

#include <stdint.h>
#include "hvpara_guest.h"

/* The hypervisor's start-info (fetched once). */
const struct hvp_start_info *hvg_start_info(void);

/* Clear a port's pending bit; returns whether it was set. */
int hvg_port_test_clear(uint32_t port);
/* A new unbound port for vCPU 0 (0 on failure). */
uint32_t hvg_port_alloc(void);
/* hv_guest_wait() also returns when this port becomes pending. */
void hvg_add_wake_port(uint32_t port);
/* Sleep until one of ports[] (plus the timer's port) is pending or the clock reaches
 * deadline_ticks (UINT64_MAX: none). */
void hvg_wait_ports(const uint32_t *ports, unsigned n, uint64_t deadline_ticks);

/* Front-end of a generic ring in one page. */
struct hvg_ring {
    struct hvp_ring_hdr *hdr;
    uint8_t *slots;
    uint32_t nr, slot_size;
    uint32_t req_prod, rsp_cons;
    uint32_t port;
    uint16_t dev;
};

/* Zero the page, allocate a port, RING_CONNECT. 0 or -1. */
int hvg_ring_connect(struct hvg_ring *r, uint16_t dev, void *page, uint32_t slot_size);
static inline void *hvg_ring_slot(struct hvg_ring *r, uint32_t idx)
{
    return r->slots + (idx & (r->nr - 1)) * r->slot_size;
}
static inline uint32_t hvg_ring_free(const struct hvg_ring *r)
{
    return r->nr - (r->req_prod - r->rsp_cons);
}
/* Publish queued requests; NOTIFY only if the back-end asked (req_event). */
void hvg_ring_push(struct hvg_ring *r);
/* Is a response waiting? */
static inline int hvg_ring_has_rsp(const struct hvg_ring *r)
{
    return __atomic_load_n(&r->hdr->rsp_prod, __ATOMIC_ACQUIRE) != r->rsp_cons;
}
/* Wait for a response until deadline_ticks (UINT64_MAX: forever). 1 if one is there. */
int hvg_ring_wait_rsp(struct hvg_ring *r, uint64_t deadline_ticks);

#endif
