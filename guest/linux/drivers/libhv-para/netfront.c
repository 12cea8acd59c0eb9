// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libhv para platform: network front-end (NAPI).
 *
 * One net_device (eth%d) per NIC of start-info ("hvpara-net" platform devices registered
 * by evtchn.c with the NIC's tx and rx entries). Each direction is a generic ring of one
 * page (128 slots) with its own event port.
 *
 * - tx: ndo_start_xmit() puts the frame on the tx ring in place, one request per
 *   fragment (the linear part, then each page fragment; HVP_NET_F_MORE on all but the
 *   last), publishes with at most one NOTIFY and reaps the responses (the libhv back-end
 *   sends before NOTIFY returns). The skb is freed when the response of its last
 *   fragment arrives.
 * - rx: the rx ring is kept full of 1536-byte skbs (request id = slot index). The rx and
 *   tx ports' interrupts only schedule NAPI; the poll function takes up to `budget`
 *   frames, hands them to GRO, re-posts buffers with one push, reaps tx completions, and
 *   re-arms rsp_event (notification suppression) only when it completes.
 *
 * Copyright (c) the libhv authors.
 */
#define pr_fmt(fmt) "hvpara-net: " fmt

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/platform_device.h>
#include <linux/skbuff.h>
#include <linux/slab.h>

#include "hvpara.h"

#define HVPNET_RING_ORDER 0u		/* one page: 128 slots of 24 bytes */
#define HVPNET_RX_BUF (ETH_FRAME_LEN + VLAN_HLEN + 18)	/* 1536 */
#define HVPNET_TX_NEED (MAX_SKB_FRAGS + 1)	/* slots one skb may take */

struct hvpnet {
	struct net_device *ndev;
	struct platform_device *pdev;
	struct napi_struct napi;
	struct hvpara_ring tx, rx;
	spinlock_t tx_lock;		/* the tx ring and tx_skbs */
	struct sk_buff **tx_skbs;	/* at the slot of each frame's last fragment */
	struct sk_buff **rx_skbs;	/* posted buffers, by slot */
	struct hvpara_net_pdata info;
};

/* ---- tx ------------------------------------------------------------------------------- */

/*
 * Free what the back-end has sent, then re-arm rsp_event if frames are in flight (tx_lock
 * held).
 */
static void hvpnet_tx_reap_locked(struct hvpnet *n)
{
	struct hvpara_ring *r = &n->tx;
	struct net_device *ndev = n->ndev;
	u32 prod;

	do {
		/* Acquire: the response slots are read after the index. */
		prod = smp_load_acquire(&r->hdr->rsp_prod);
		if (prod - r->rsp_cons > hvpara_ring_inflight(r)) {
			netdev_err_once(ndev, "tx: bad rsp_prod %u (cons %u)\n", prod,
					r->rsp_cons);
			return;
		}
		while (r->rsp_cons != prod) {
			u32 slot = r->rsp_cons & (r->nr - 1);
			const struct hvp_net_rsp *rsp = hvpara_ring_slot(r, r->rsp_cons);
			struct sk_buff *skb = n->tx_skbs[slot];
			s16 status = READ_ONCE(rsp->status);

			r->rsp_cons++;
			if (!skb)
				continue;	/* not the frame's last fragment */
			n->tx_skbs[slot] = NULL;
			if (status == HVP_NET_OK) {
				ndev->stats.tx_packets++;
				ndev->stats.tx_bytes += skb->len;
			} else {
				ndev->stats.tx_errors++;
			}
			dev_consume_skb_any(skb);
		}
	} while (hvpara_ring_final_check(r));
	if (netif_queue_stopped(ndev) && hvpara_ring_free(r) >= HVPNET_TX_NEED)
		netif_wake_queue(ndev);
}

static void hvpnet_tx_reap(struct hvpnet *n)
{
	unsigned long flags;

	spin_lock_irqsave(&n->tx_lock, flags);
	hvpnet_tx_reap_locked(n);
	spin_unlock_irqrestore(&n->tx_lock, flags);
}

static void hvpnet_tx_put(struct hvpara_ring *r, phys_addr_t gpa, u32 len, bool more)
{
	struct hvp_net_req *q = hvpara_ring_slot(r, r->req_prod_pvt++);

	q->id = r->req_prod_pvt - 1;
	q->gpa = gpa;
	q->len = len;
	q->flags = more ? HVP_NET_F_MORE : 0;
}

static netdev_tx_t hvpnet_start_xmit(struct sk_buff *skb, struct net_device *ndev)
{
	struct hvpnet *n = netdev_priv(ndev);
	struct hvpara_ring *r = &n->tx;
	unsigned int nfrags = skb_shinfo(skb)->nr_frags, head = skb_headlen(skb), i;
	unsigned long flags;

	if (unlikely(!skb->len || skb->len > ETH_HLEN + VLAN_HLEN + ndev->mtu)) {
		ndev->stats.tx_dropped++;
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	spin_lock_irqsave(&n->tx_lock, flags);
	if (unlikely(hvpara_ring_free(r) < nfrags + 1)) {
		netif_stop_queue(ndev);
		spin_unlock_irqrestore(&n->tx_lock, flags);
		return NETDEV_TX_BUSY;
	}
	if (head)
		hvpnet_tx_put(r, virt_to_phys(skb->data), head, nfrags != 0);
	for (i = 0; i < nfrags; i++) {
		const skb_frag_t *f = &skb_shinfo(skb)->frags[i];

		hvpnet_tx_put(r, page_to_phys(skb_frag_page(f)) + skb_frag_off(f),
			      skb_frag_size(f), i + 1 < nfrags);
	}
	n->tx_skbs[(r->req_prod_pvt - 1) & (r->nr - 1)] = skb;
	skb_tx_timestamp(skb);
	hvpara_ring_push_notify(r);
	hvpnet_tx_reap_locked(n);
	if (hvpara_ring_free(r) < HVPNET_TX_NEED)
		netif_stop_queue(ndev);
	spin_unlock_irqrestore(&n->tx_lock, flags);
	return NETDEV_TX_OK;
}

/* ---- rx ------------------------------------------------------------------------------- */

/* Post buffers into every free rx slot; publish once. */
static void hvpnet_rx_refill(struct hvpnet *n)
{
	struct hvpara_ring *r = &n->rx;

	while (hvpara_ring_free(r)) {
		u32 slot = r->req_prod_pvt & (r->nr - 1);
		struct hvp_net_req *q;
		struct sk_buff *skb;

		skb = netdev_alloc_skb_ip_align(n->ndev, HVPNET_RX_BUF);
		if (!skb)
			break;
		n->rx_skbs[slot] = skb;
		q = hvpara_ring_slot(r, r->req_prod_pvt);
		q->id = slot;
		q->gpa = virt_to_phys(skb->data);
		q->len = HVPNET_RX_BUF;
		q->flags = 0;
		r->req_prod_pvt++;
	}
	hvpara_ring_push_notify(r);
}

static int hvpnet_poll(struct napi_struct *napi, int budget)
{
	struct hvpnet *n = container_of(napi, struct hvpnet, napi);
	struct net_device *ndev = n->ndev;
	struct hvpara_ring *r = &n->rx;
	int work = 0;

	hvpnet_tx_reap(n);
	while (work < budget) {
		const struct hvp_net_rsp *rsp;
		struct sk_buff *skb;
		/* Acquire: the response slots are read after the index. */
		u32 prod = smp_load_acquire(&r->hdr->rsp_prod);
		u64 id;
		u32 len;
		s16 status;

		if (prod == r->rsp_cons)
			break;
		if (prod - r->rsp_cons > hvpara_ring_inflight(r)) {
			netdev_err_once(ndev, "rx: bad rsp_prod %u (cons %u)\n", prod, r->rsp_cons);
			break;
		}
		rsp = hvpara_ring_slot(r, r->rsp_cons);
		id = READ_ONCE(rsp->id);
		len = READ_ONCE(rsp->len);
		status = READ_ONCE(rsp->status);
		r->rsp_cons++;
		work++;
		if (id >= r->nr || !n->rx_skbs[id]) {
			netdev_err_once(ndev, "rx: response with bad id %llu\n", id);
			ndev->stats.rx_errors++;
			continue;
		}
		skb = n->rx_skbs[id];
		n->rx_skbs[id] = NULL;
		if (status != HVP_NET_OK || len < ETH_HLEN || len > HVPNET_RX_BUF) {
			if (status == HVP_NET_E2BIG)
				ndev->stats.rx_length_errors++;
			else
				ndev->stats.rx_errors++;
			dev_kfree_skb_any(skb);
			continue;
		}
		skb_put(skb, len);
		skb->protocol = eth_type_trans(skb, ndev);
		ndev->stats.rx_packets++;
		ndev->stats.rx_bytes += len;
		napi_gro_receive(napi, skb);
	}
	hvpnet_rx_refill(n);
	if (!hvpara_ring_inflight(r))
		return budget;		/* no buffer could be posted: keep polling */
	if (work < budget && napi_complete_done(napi, work)) {
		/* Re-arm both rings; anything that slipped in means another round. */
		bool again = hvpara_ring_final_check(r);
		unsigned long flags;

		spin_lock_irqsave(&n->tx_lock, flags);
		again |= hvpara_ring_final_check(&n->tx);
		spin_unlock_irqrestore(&n->tx_lock, flags);
		if (again)
			napi_schedule(napi);
	}
	return work;
}

static irqreturn_t hvpnet_interrupt(int irq, void *data)
{
	struct hvpnet *n = data;

	napi_schedule(&n->napi);
	return IRQ_HANDLED;
}

/* ---- net_device ----------------------------------------------------------------------- */

static int hvpnet_open(struct net_device *ndev)
{
	struct hvpnet *n = netdev_priv(ndev);

	napi_enable(&n->napi);
	netif_start_queue(ndev);
	napi_schedule(&n->napi);	/* frames that arrived while the device was down */
	return 0;
}

static int hvpnet_stop(struct net_device *ndev)
{
	struct hvpnet *n = netdev_priv(ndev);

	netif_stop_queue(ndev);
	napi_disable(&n->napi);
	/* The rx buffers stay posted: the back-end owns them until the ring is replaced. */
	return 0;
}

static const struct net_device_ops hvpnet_ops = {
	.ndo_open = hvpnet_open,
	.ndo_stop = hvpnet_stop,
	.ndo_start_xmit = hvpnet_start_xmit,
	.ndo_validate_addr = eth_validate_addr,
	.ndo_set_mac_address = eth_mac_addr,
};

static int hvpnet_probe(struct platform_device *pdev)
{
	const struct hvpara_net_pdata *pd = dev_get_platdata(&pdev->dev);
	struct net_device *ndev;
	struct hvpnet *n;
	u8 mac[ETH_ALEN];
	int rc, i;

	if (!pd || pd->tx.type != HVP_DEV_NET || pd->rx.type != HVP_DEV_NET)
		return -ENODEV;
	ndev = devm_alloc_etherdev(&pdev->dev, sizeof(*n));
	if (!ndev)
		return -ENOMEM;
	SET_NETDEV_DEV(ndev, &pdev->dev);
	n = netdev_priv(ndev);
	n->ndev = ndev;
	n->pdev = pdev;
	n->info = *pd;
	spin_lock_init(&n->tx_lock);

	for (i = 0; i < ETH_ALEN; i++)
		mac[i] = pd->tx.param[0] >> (8 * i);
	if (is_valid_ether_addr(mac))
		eth_hw_addr_set(ndev, mac);
	else
		eth_hw_addr_random(ndev);
	ndev->netdev_ops = &hvpnet_ops;
	ndev->hw_features = NETIF_F_SG;
	ndev->features = NETIF_F_SG;
	ndev->min_mtu = ETH_MIN_MTU;
	ndev->max_mtu = HVPNET_RX_BUF - ETH_HLEN - VLAN_HLEN;
	netif_napi_add(ndev, &n->napi, hvpnet_poll);

	rc = hvpara_ring_connect(&n->tx, pd->tx.id, HVPNET_RING_ORDER,
				 sizeof(union hvp_net_slot));
	if (rc)
		goto fail_napi;
	rc = hvpara_ring_connect(&n->rx, pd->rx.id, HVPNET_RING_ORDER,
				 sizeof(union hvp_net_slot));
	if (rc)
		goto fail_tx;
	n->tx_skbs = devm_kcalloc(&pdev->dev, n->tx.nr, sizeof(*n->tx_skbs), GFP_KERNEL);
	n->rx_skbs = devm_kcalloc(&pdev->dev, n->rx.nr, sizeof(*n->rx_skbs), GFP_KERNEL);
	if (!n->tx_skbs || !n->rx_skbs) {
		rc = -ENOMEM;
		goto fail_rx;
	}
	hvpnet_rx_refill(n);
	rc = request_irq(n->tx.irq, hvpnet_interrupt, 0, "hvpara-net-tx", n);
	if (rc)
		goto fail_rx;
	rc = request_irq(n->rx.irq, hvpnet_interrupt, 0, "hvpara-net-rx", n);
	if (rc)
		goto fail_txirq;
	rc = register_netdev(ndev);
	if (rc)
		goto fail_rxirq;
	netif_carrier_on(ndev);
	platform_set_drvdata(pdev, n);
	netdev_info(ndev, "NIC %llu, %pM, tx port %u, rx port %u\n", pd->tx.param[1],
		    ndev->dev_addr, n->tx.port, n->rx.port);
	return 0;

fail_rxirq:
	free_irq(n->rx.irq, n);
fail_txirq:
	free_irq(n->tx.irq, n);
fail_rx:
	/* Disconnecting first: the back-end lets go of the buffers before they are freed. */
	hvpara_ring_disconnect(&n->rx);
	if (n->rx_skbs)
		for (i = 0; i < n->rx.nr; i++)
			dev_kfree_skb_any(n->rx_skbs[i]);
fail_tx:
	hvpara_ring_disconnect(&n->tx);
fail_napi:
	netif_napi_del(&n->napi);
	return rc;
}

static struct platform_driver hvpnet_driver = {
	.probe = hvpnet_probe,
	.driver = {
		.name = "hvpara-net",
		.suppress_bind_attrs = true,
	},
};
builtin_platform_driver(hvpnet_driver);

MODULE_DESCRIPTION("libhv para network front-end");
MODULE_LICENSE("Dual MIT/GPL");
