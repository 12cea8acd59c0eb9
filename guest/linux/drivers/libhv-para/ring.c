// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libhv para platform: the front-end half of the generic request/response ring
 * (docs/PARA-ABI.md section 9). The ring lives in guest pages the front-end allocates and
 * hands to the back-end with RING_CONNECT together with a fresh unbound event port.
 * Indices are free-running u32; the producer writes slots, then publishes with a release
 * store; notifications are suppressed Xen-style with req_event/rsp_event.
 *
 * Copyright (c) the libhv authors.
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "hvpara.h"

int hvpara_ring_connect(struct hvpara_ring *r, u16 dev_id, u32 order, u32 slot_size)
{
	struct page *pages;
	struct sbiret ret;
	int irq;

	memset(r, 0, sizeof(*r));
	pages = alloc_pages(GFP_KERNEL | __GFP_ZERO, order);
	if (!pages)
		return -ENOMEM;
	r->hdr = page_address(pages);
	r->slots = (u8 *)r->hdr + sizeof(struct hvp_ring_hdr);
	r->order = order;
	r->slot_size = slot_size;
	r->nr = hvp_ring_slots(order, slot_size);
	r->dev_id = dev_id;
	/* The ABI's rule before connecting: zeroed ring, rsp_event = 1. */
	r->hdr->rsp_event = 1;

	irq = hvpara_evtchn_alloc_irq(&r->port);
	if (irq < 0) {
		__free_pages(pages, order);
		r->hdr = NULL;
		return irq;
	}
	r->irq = irq;
	ret = hvpara_call(HVP_FID_RING_CONNECT, dev_id, page_to_phys(pages), order, r->port);
	if (ret.error) {
		hvpara_evtchn_free_irq(r->irq, r->port);
		__free_pages(pages, order);
		r->hdr = NULL;
		return hvpara_errno(ret.error);
	}
	return 0;
}
EXPORT_SYMBOL_GPL(hvpara_ring_connect);

void hvpara_ring_disconnect(struct hvpara_ring *r)
{
	if (!r->hdr)
		return;
	/* Closing the device's port disconnects the device: the back-end forgets the ring. */
	hvpara_evtchn_free_irq(r->irq, r->port);
	free_pages((unsigned long)r->hdr, r->order);
	r->hdr = NULL;
	r->irq = 0;
	r->port = 0;
}
EXPORT_SYMBOL_GPL(hvpara_ring_disconnect);

bool hvpara_ring_push(struct hvpara_ring *r)
{
	u32 old = r->hdr->req_prod, new = r->req_prod_pvt, event;

	if (old == new)
		return false;
	smp_store_release(&r->hdr->req_prod, new);	/* slots before the index */
	smp_mb();					/* the index before reading req_event */
	event = READ_ONCE(r->hdr->req_event);
	return (u32)(new - event) < (u32)(new - old);
}
EXPORT_SYMBOL_GPL(hvpara_ring_push);

bool hvpara_ring_final_check(struct hvpara_ring *r)
{
	if (hvpara_ring_has_rsp(r))
		return true;
	if (!hvpara_ring_inflight(r))
		return false;	/* nothing outstanding: no event wanted */
	WRITE_ONCE(r->hdr->rsp_event, r->rsp_cons + 1);
	/* rsp_event is visible before rsp_prod is re-read (Xen's final check). */
	smp_mb();
	return hvpara_ring_has_rsp(r);
}
EXPORT_SYMBOL_GPL(hvpara_ring_final_check);
