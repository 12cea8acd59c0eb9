/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * libhv para drivers: what the front-ends share. Hypercalls (SBI calling convention, the
 * para extension of include/hv/para.h, copied into this directory by
 * scripts/build-linux.sh --para), the platform state set up by the event-channel
 * controller (evtchn.c: start-info, shared-info, the port irq_domain) and the front-end
 * half of the generic request/response ring (Xen-style indices and notification
 * suppression, docs/PARA-ABI.md section 9).
 *
 * Copyright (c) the libhv authors.
 */
#ifndef HVPARA_H
#define HVPARA_H

#include <linux/types.h>
#include <linux/spinlock.h>
#include <asm/sbi.h>

#include "hv/para.h"

#if HVP_ABI_MAJOR != 1
#error "these drivers implement major version 1 of the libhv para ABI"
#endif

/* ---- hypercalls ----------------------------------------------------------------------- */

static inline struct sbiret hvpara_call(unsigned long fid, unsigned long a0,
					unsigned long a1, unsigned long a2,
					unsigned long a3)
{
	return sbi_ecall(HVP_EID_PARA, fid, a0, a1, a2, a3, 0, 0);
}

/* An SBI error code as a negative errno (0 stays 0). */
static inline int hvpara_errno(long error)
{
	return error ? sbi_err_map_linux_errno((int)error) : 0;
}

static inline void hvpara_notify(u32 port)
{
	hvpara_call(HVP_FID_NOTIFY, port, 0, 0, 0);
}

/* ---- platform state (evtchn.c) ----------------------------------------------------------- */

/* The start-info as fetched at boot (NULL before the controller probed or if it failed). */
const struct hvp_start_info *hvpara_start_info(void);

/*
 * A new port bound to the boot CPU's vCPU, mapped to a Linux irq in the event-channel
 * domain. Returns the irq (> 0) and the port in *port, or a negative errno.
 */
int hvpara_evtchn_alloc_irq(u32 *port);
/* The Linux irq of a port the hypervisor allocated (the console's), or a negative errno. */
int hvpara_evtchn_port_irq(u32 port);
/* Undo hvpara_evtchn_alloc_irq (the irq must be freed already). */
void hvpara_evtchn_free_irq(unsigned int irq, u32 port);

/*
 * Platform data of an "hvpara-net" device: the NIC's two start-info entries. "hvpara-blk"
 * devices carry their struct hvp_dev_info.
 */
struct hvpara_net_pdata {
	struct hvp_dev_info tx, rx;
};

/* ---- generic rings (front-end side) ------------------------------------------------------- */

struct hvpara_ring {
	struct hvp_ring_hdr *hdr;	/* the shared page(s) */
	u8 *slots;
	u32 nr;				/* slots, a power of two */
	u32 slot_size;
	u32 order;			/* ring is 4096 << order bytes */
	u32 req_prod_pvt;		/* requests written, not necessarily published */
	u32 rsp_cons;			/* responses consumed */
	u32 port;			/* the device's event port */
	unsigned int irq;		/* its Linux irq */
	u16 dev_id;			/* start-info device id */
};

/* Allocate and zero 4096 << order bytes, allocate a port (and its irq), RING_CONNECT. */
int hvpara_ring_connect(struct hvpara_ring *r, u16 dev_id, u32 order, u32 slot_size);
/*
 * Disconnect (close the port), free the irq mapping and the pages. The caller freed its
 * irq handler.
 */
void hvpara_ring_disconnect(struct hvpara_ring *r);

static inline void *hvpara_ring_slot(struct hvpara_ring *r, u32 idx)
{
	return r->slots + (size_t)(idx & (r->nr - 1)) * r->slot_size;
}

/* Requests in flight (written and not yet answered). */
static inline u32 hvpara_ring_inflight(const struct hvpara_ring *r)
{
	return r->req_prod_pvt - r->rsp_cons;
}

static inline u32 hvpara_ring_free(const struct hvpara_ring *r)
{
	return r->nr - hvpara_ring_inflight(r);
}

/* Publish the written requests; returns true if the back-end asked to be notified. */
bool hvpara_ring_push(struct hvpara_ring *r);

/* Publish and notify if needed. */
static inline void hvpara_ring_push_notify(struct hvpara_ring *r)
{
	if (hvpara_ring_push(r))
		hvpara_notify(r->port);
}

/* Is a response waiting at rsp_cons? (Acquire: the slot may be read after it.) */
static inline bool hvpara_ring_has_rsp(const struct hvpara_ring *r)
{
	/* Acquire: the caller reads the slot after this. */
	return smp_load_acquire(&r->hdr->rsp_prod) != r->rsp_cons;
}

/*
 * After consuming responses: ask for an event at the next one if requests are still in
 * flight, then re-check. Returns true if more responses arrived meanwhile (consume them
 * and call again).
 */
bool hvpara_ring_final_check(struct hvpara_ring *r);

#endif
