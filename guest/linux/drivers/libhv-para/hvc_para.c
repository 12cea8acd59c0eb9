// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libhv para platform: hvc console on the console ring.
 *
 * The hypervisor connects the console before the kernel runs: start-info's CONSOLE entry
 * (flag CONNECTED) gives the ring's guest-physical address (one page: in[1024] host->guest,
 * out[2048] guest->host, free-running indices) and its event port. Output is copied into
 * out[], published with a release store of out_prod and pushed with NOTIFY (the back-end
 * drains the ring before the call returns, so a full ring never loses characters).
 * Input: once the tty is opened the port's interrupt is requested (HVC_IRQ), which
 * unmasks the port; the back-end then moves host input into in[] as it arrives and raises
 * the port. The console is registered at console_initcall as /dev/hvc0 ("console=hvc0"),
 * so boot messages use the ring as soon as the event-channel controller (init_IRQ) has
 * fetched start-info; "earlycon=sbi" covers the time before.
 *
 * Copyright (c) the libhv authors.
 */
#define pr_fmt(fmt) "hvc-para: " fmt

#include <linux/console.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/spinlock.h>

#include "../tty/hvc/hvc_console.h"
#include "hvpara.h"

#define HVPCONS_VTERM 0x48565000u	/* "HVP\0": our vterm number */

static struct hvp_console_ring *ring;
static u32 ring_port;
static bool irq_mode;
static DEFINE_SPINLOCK(out_lock);
static DEFINE_SPINLOCK(in_lock);

static int hvpcons_put_chars(u32 vtermno, const char *buf, int count)
{
	unsigned long flags;
	int done = 0, stalls = 0;

	spin_lock_irqsave(&out_lock, flags);
	while (done < count && stalls < 2) {
		u32 cons = READ_ONCE(ring->out_cons), prod = ring->out_prod, space, n, off;

		if (prod - cons > HVP_CONS_OUT_SIZE)
			prod = cons;	/* the indices are off: start again where the host is */
		space = HVP_CONS_OUT_SIZE - (prod - cons);
		n = min_t(u32, space, count - done);
		off = prod % HVP_CONS_OUT_SIZE;
		if (n > HVP_CONS_OUT_SIZE - off) {
			memcpy(&ring->out[off], buf + done, HVP_CONS_OUT_SIZE - off);
			memcpy(&ring->out[0], buf + done + (HVP_CONS_OUT_SIZE - off),
			       n - (HVP_CONS_OUT_SIZE - off));
		} else {
			memcpy(&ring->out[off], buf + done, n);
		}
		/* Release: the bytes are in out[] before the host sees the index. */
		smp_store_release(&ring->out_prod, prod + n);
		done += n;
		stalls = n ? 0 : stalls + 1;
		/* The back-end drains out[] (and refills in[]) before NOTIFY returns. */
		hvpara_notify(ring_port);
	}
	spin_unlock_irqrestore(&out_lock, flags);
	return done;
}

static int hvpcons_get_chars(u32 vtermno, char *buf, int count)
{
	unsigned long flags;
	u32 cons, prod, n, off;

	spin_lock_irqsave(&in_lock, flags);
	cons = ring->in_cons;
	/* Acquire: in[] is read after the index. */
	prod = smp_load_acquire(&ring->in_prod);
	if (prod == cons && !irq_mode) {
		/* Polled (no interrupt): NOTIFY makes the back-end refill in[]. */
		hvpara_notify(ring_port);
		/* Acquire, as above. */
		prod = smp_load_acquire(&ring->in_prod);
	}
	if (prod - cons > HVP_CONS_IN_SIZE)
		cons = prod;		/* the indices are off: drop, resynchronise */
	n = min_t(u32, prod - cons, count);
	off = cons % HVP_CONS_IN_SIZE;
	if (n > HVP_CONS_IN_SIZE - off) {
		memcpy(buf, &ring->in[off], HVP_CONS_IN_SIZE - off);
		memcpy(buf + (HVP_CONS_IN_SIZE - off), &ring->in[0], n - (HVP_CONS_IN_SIZE - off));
	} else {
		memcpy(buf, &ring->in[off], n);
	}
	/* Release: done reading in[] before the host may overwrite it. */
	smp_store_release(&ring->in_cons, cons + n);
	spin_unlock_irqrestore(&in_lock, flags);
	return n;
}

static const struct hv_ops hvpcons_ops = {
	.get_chars = hvpcons_get_chars,
	.put_chars = hvpcons_put_chars,
	.notifier_add = notifier_add_irq,
	.notifier_del = notifier_del_irq,
	.notifier_hangup = notifier_hangup_irq,
};

static const struct hvp_dev_info *hvpcons_find(void)
{
	const struct hvp_start_info *si = hvpara_start_info();
	unsigned int i;

	if (!si)
		return NULL;
	for (i = 0; i < si->nr_devices; i++)
		if (si->devices[i].type == HVP_DEV_CONSOLE &&
		    (si->devices[i].flags & HVP_DEVF_CONNECTED) && si->devices[i].ring_gpa &&
		    si->devices[i].event_port)
			return &si->devices[i];
	return NULL;
}

/* As a console, early: after init_IRQ (start-info), before most of the boot's output. */
static int __init hvpcons_console_init(void)
{
	const struct hvp_dev_info *d = hvpcons_find();

	if (!d)
		return 0;
	ring = memremap(d->ring_gpa, PAGE_SIZE, MEMREMAP_WB);
	if (!ring) {
		pr_err("cannot map the console ring at %#llx\n", d->ring_gpa);
		return -ENOMEM;
	}
	ring_port = d->event_port;
	hvc_instantiate(HVPCONS_VTERM, 0, &hvpcons_ops);
	return 0;
}
console_initcall(hvpcons_console_init);

/* As a tty (/dev/hvc0), with the port's interrupt for input. */
static int __init hvpcons_init(void)
{
	struct hvc_struct *hp;
	int irq;

	if (!ring)
		return 0;
	irq = hvpara_evtchn_port_irq(ring_port);
	if (irq < 0) {
		pr_warn("no interrupt for port %u (%d): polling for input\n", ring_port, irq);
		irq = 0;
	}
	irq_mode = irq > 0;
	hp = hvc_alloc(HVPCONS_VTERM, irq, &hvpcons_ops, 256);
	if (IS_ERR(hp))
		return PTR_ERR(hp);
	return 0;
}
device_initcall(hvpcons_init);
