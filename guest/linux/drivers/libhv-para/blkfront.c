// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libhv para platform: block front-end (blk-mq).
 *
 * One gendisk per BLOCK entry of start-info ("hvpara-blk" platform devices registered by
 * evtchn.c, numbered in configuration order). Disks are named vda, vdb, ... like the full
 * board's virtio disks, so the same userland (/dev/vda) works on both kernels. Each disk
 * has one ring of 4096 << HVPBLK_RING_ORDER bytes (64 slots) and one event port; the
 * blk-mq queue depth equals the ring's slot count, so a tag always has a slot and the
 * request id on the ring is the tag. queue_rq() writes a request (up to 8 segments, the
 * guest-physical addresses of the request's scatter-gather list) and publishes the batch
 * at bd->last / commit_rqs() with at most one NOTIFY. Responses are reaped right after the
 * NOTIFY (the libhv back-end answers before the call returns) and from the event-channel
 * interrupt (a back-end that answers later raises the port: rsp_event is armed whenever
 * requests are in flight). REQ_OP_FLUSH maps to the ring's FLUSH (the host file is
 * fdatasync()ed before the response), DISCARD and WRITE_ZEROES to DISCARD (the range reads
 * back as zeros).
 *
 * Copyright (c) the libhv authors.
 */
#define pr_fmt(fmt) "hvpara-blk: " fmt

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "hvpara.h"

#define HVPBLK_RING_ORDER 2u		/* 16 KiB: 64 slots of 152 bytes */
#define HVPBLK_MINORS 16
#define HVPBLK_MAX_DISKS 26

struct hvpblk {
	struct platform_device *pdev;
	struct hvp_dev_info info;
	struct hvpara_ring ring;
	spinlock_t lock;		/* the ring */
	struct blk_mq_tag_set tag_set;
	struct gendisk *disk;
	unsigned int depth;
};

/* Per-request data (blk-mq pdu). */
struct hvpblk_cmd {
	struct scatterlist sg[HVP_BLK_MAX_SEGS];
	blk_status_t status;
};

static int hvpblk_major;

static blk_status_t hvpblk_status(s32 status)
{
	switch (status) {
	case HVP_BLK_OK:
		return BLK_STS_OK;
	case HVP_BLK_ENOTSUP:
		return BLK_STS_NOTSUPP;
	default:
		return BLK_STS_IOERR;
	}
}

/*
 * Take every response that is there (b->lock held), up to the size of done[]. Returns the
 * number of requests to complete; *more says whether to call again.
 */
static unsigned int hvpblk_reap_locked(struct hvpblk *b, struct request **done,
				       unsigned int max, bool *more)
{
	struct hvpara_ring *r = &b->ring;
	unsigned int n = 0;
	u32 prod;

	*more = false;
	for (;;) {
		/* Acquire: the response slots are read after the index (ABI ring rule). */
		prod = smp_load_acquire(&r->hdr->rsp_prod);
		if (prod - r->rsp_cons > hvpara_ring_inflight(r)) {
			/* The back-end answered requests nobody made: ignore the index. */
			dev_err_ratelimited(&b->pdev->dev, "bad rsp_prod %u (cons %u)\n", prod,
					    r->rsp_cons);
			return n;
		}
		while (r->rsp_cons != prod) {
			const struct hvp_blk_rsp *rsp;
			struct request *rq;
			u64 id;

			if (n == max) {
				*more = true;
				return n;
			}
			rsp = hvpara_ring_slot(r, r->rsp_cons);
			id = READ_ONCE(rsp->id);
			r->rsp_cons++;
			if (id >= b->depth) {
				dev_err_ratelimited(&b->pdev->dev, "response with bad id %llu\n", id);
				continue;
			}
			rq = blk_mq_tag_to_rq(b->tag_set.tags[0], id);
			if (!rq)
				continue;
			((struct hvpblk_cmd *)blk_mq_rq_to_pdu(rq))->status =
				hvpblk_status(READ_ONCE(rsp->status));
			done[n++] = rq;
		}
		if (!hvpara_ring_final_check(r))
			return n;
	}
}

/* Reap and complete outside the lock (completion may restart the queue). */
static void hvpblk_reap(struct hvpblk *b)
{
	struct request *done[16];
	unsigned long flags;
	unsigned int n, i;
	bool more;

	do {
		spin_lock_irqsave(&b->lock, flags);
		n = hvpblk_reap_locked(b, done, ARRAY_SIZE(done), &more);
		spin_unlock_irqrestore(&b->lock, flags);
		for (i = 0; i < n; i++)
			blk_mq_complete_request(done[i]);
	} while (more);
}

/* Publish what queue_rq() wrote; NOTIFY if the back-end asked for it (b->lock held). */
static bool hvpblk_kick_locked(struct hvpblk *b)
{
	if (b->ring.hdr->req_prod == b->ring.req_prod_pvt)
		return false;
	hvpara_ring_push_notify(&b->ring);
	return true;
}

static irqreturn_t hvpblk_interrupt(int irq, void *data)
{
	hvpblk_reap(data);
	return IRQ_HANDLED;
}

static blk_status_t hvpblk_queue_rq(struct blk_mq_hw_ctx *hctx,
				    const struct blk_mq_queue_data *bd)
{
	struct hvpblk *b = hctx->queue->queuedata;
	struct request *rq = bd->rq;
	struct hvpblk_cmd *cmd = blk_mq_rq_to_pdu(rq);
	struct hvp_blk_req *q;
	struct scatterlist *sg;
	unsigned long flags;
	int nsg = 0, i;
	bool kicked = false;
	u8 op;

	switch (req_op(rq)) {
	case REQ_OP_READ:
		op = HVP_BLK_OP_READ;
		break;
	case REQ_OP_WRITE:
		op = HVP_BLK_OP_WRITE;
		break;
	case REQ_OP_FLUSH:
		op = HVP_BLK_OP_FLUSH;
		break;
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		op = HVP_BLK_OP_DISCARD;
		break;
	default:
		return BLK_STS_NOTSUPP;
	}
	if (op == HVP_BLK_OP_READ || op == HVP_BLK_OP_WRITE) {
		sg_init_table(cmd->sg, HVP_BLK_MAX_SEGS);
		nsg = blk_rq_map_sg(rq->q, rq, cmd->sg);
		if (nsg <= 0 || nsg > HVP_BLK_MAX_SEGS)
			return BLK_STS_IOERR;
		for_each_sg(cmd->sg, sg, nsg, i) {
			if (!sg->length || sg->length % HVP_BLK_SECTOR) {
				dev_err_ratelimited(&b->pdev->dev, "segment of %u bytes\n",
						    sg->length);
				return BLK_STS_IOERR;
			}
		}
	}
	cmd->status = BLK_STS_OK;

	spin_lock_irqsave(&b->lock, flags);
	if (!hvpara_ring_free(&b->ring)) {
		/* Cannot happen with depth == slots; be safe: retry after a completion. */
		kicked = hvpblk_kick_locked(b);
		spin_unlock_irqrestore(&b->lock, flags);
		if (kicked)
			hvpblk_reap(b);
		return BLK_STS_DEV_RESOURCE;
	}
	blk_mq_start_request(rq);
	q = hvpara_ring_slot(&b->ring, b->ring.req_prod_pvt);
	q->id = rq->tag;
	q->op = op;
	q->nr_segments = nsg;
	q->pad0 = 0;
	q->discard_sectors = op == HVP_BLK_OP_DISCARD ? blk_rq_sectors(rq) : 0;
	q->sector = blk_rq_pos(rq);
	for_each_sg(cmd->sg, sg, nsg, i) {
		q->seg[i].gpa = sg_phys(sg);
		q->seg[i].len = sg->length;
		q->seg[i].pad = 0;
	}
	b->ring.req_prod_pvt++;
	if (bd->last)
		kicked = hvpblk_kick_locked(b);
	spin_unlock_irqrestore(&b->lock, flags);
	if (kicked)
		hvpblk_reap(b);
	return BLK_STS_OK;
}

static void hvpblk_commit_rqs(struct blk_mq_hw_ctx *hctx)
{
	struct hvpblk *b = hctx->queue->queuedata;
	unsigned long flags;
	bool kicked;

	spin_lock_irqsave(&b->lock, flags);
	kicked = hvpblk_kick_locked(b);
	spin_unlock_irqrestore(&b->lock, flags);
	if (kicked)
		hvpblk_reap(b);
}

static void hvpblk_complete_rq(struct request *rq)
{
	blk_mq_end_request(rq, ((struct hvpblk_cmd *)blk_mq_rq_to_pdu(rq))->status);
}

static const struct blk_mq_ops hvpblk_mq_ops = {
	.queue_rq = hvpblk_queue_rq,
	.commit_rqs = hvpblk_commit_rqs,
	.complete = hvpblk_complete_rq,
};

static const struct block_device_operations hvpblk_fops = {
	.owner = THIS_MODULE,
};

static int hvpblk_probe(struct platform_device *pdev)
{
	const struct hvp_dev_info *info = dev_get_platdata(&pdev->dev);
	struct request_queue *q;
	struct hvpblk *b;
	int rc;

	if (!info || info->type != HVP_DEV_BLOCK)
		return -ENODEV;
	if (pdev->id < 0 || pdev->id >= HVPBLK_MAX_DISKS)
		return -ENOSPC;
	if (info->param[1] != HVP_BLK_SECTOR) {
		dev_err(&pdev->dev, "sector size %llu not supported\n", info->param[1]);
		return -EINVAL;
	}
	b = devm_kzalloc(&pdev->dev, sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->pdev = pdev;
	b->info = *info;
	spin_lock_init(&b->lock);

	rc = hvpara_ring_connect(&b->ring, info->id, HVPBLK_RING_ORDER,
				 sizeof(union hvp_blk_slot));
	if (rc) {
		dev_err(&pdev->dev, "RING_CONNECT of device %u failed (%d)\n", info->id, rc);
		return rc;
	}
	b->depth = b->ring.nr;
	rc = request_irq(b->ring.irq, hvpblk_interrupt, 0, dev_name(&pdev->dev), b);
	if (rc)
		goto fail_ring;

	b->tag_set.ops = &hvpblk_mq_ops;
	b->tag_set.nr_hw_queues = 1;
	b->tag_set.queue_depth = b->depth;
	b->tag_set.numa_node = NUMA_NO_NODE;
	b->tag_set.cmd_size = sizeof(struct hvpblk_cmd);
	b->tag_set.flags = BLK_MQ_F_SHOULD_MERGE;
	b->tag_set.driver_data = b;
	rc = blk_mq_alloc_tag_set(&b->tag_set);
	if (rc)
		goto fail_irq;

	b->disk = blk_mq_alloc_disk(&b->tag_set, b);
	if (IS_ERR(b->disk)) {
		rc = PTR_ERR(b->disk);
		goto fail_tags;
	}
	q = b->disk->queue;
	blk_queue_logical_block_size(q, HVP_BLK_SECTOR);
	blk_queue_physical_block_size(q, HVP_BLK_SECTOR);
	blk_queue_max_segments(q, HVP_BLK_MAX_SEGS);
	blk_queue_max_segment_size(q, SZ_1M);
	blk_queue_max_hw_sectors(q, SZ_1M >> SECTOR_SHIFT);
	blk_queue_dma_alignment(q, HVP_BLK_SECTOR - 1);
	blk_queue_write_cache(q, true, false);
	if (!(info->flags & HVP_DEVF_READONLY)) {
		q->limits.discard_granularity = HVP_BLK_SECTOR;
		blk_queue_max_discard_sectors(q, UINT_MAX >> SECTOR_SHIFT);
		blk_queue_max_write_zeroes_sectors(q, UINT_MAX >> SECTOR_SHIFT);
	}

	b->disk->major = hvpblk_major;
	b->disk->first_minor = pdev->id * HVPBLK_MINORS;
	b->disk->minors = HVPBLK_MINORS;
	b->disk->fops = &hvpblk_fops;
	b->disk->private_data = b;
	snprintf(b->disk->disk_name, DISK_NAME_LEN, "vd%c", 'a' + pdev->id);
	set_capacity(b->disk, info->param[0]);
	set_disk_ro(b->disk, !!(info->flags & HVP_DEVF_READONLY));
	rc = add_disk(b->disk);
	if (rc)
		goto fail_disk;
	platform_set_drvdata(pdev, b);
	dev_info(&pdev->dev, "%s: %llu sectors%s, ring of %u slots, port %u\n",
		 b->disk->disk_name, info->param[0],
		 info->flags & HVP_DEVF_READONLY ? " (read-only)" : "", b->ring.nr,
		 b->ring.port);
	return 0;

fail_disk:
	put_disk(b->disk);
fail_tags:
	blk_mq_free_tag_set(&b->tag_set);
fail_irq:
	free_irq(b->ring.irq, b);
fail_ring:
	hvpara_ring_disconnect(&b->ring);
	return rc;
}

static struct platform_driver hvpblk_driver = {
	.probe = hvpblk_probe,
	.driver = {
		.name = "hvpara-blk",
		/* Built in and never unbound: the ring's pages belong to the back-end. */
		.suppress_bind_attrs = true,
	},
};

static int __init hvpblk_init(void)
{
	int rc;

	hvpblk_major = register_blkdev(0, "hvpara-blk");
	if (hvpblk_major < 0)
		return hvpblk_major;
	rc = platform_driver_register(&hvpblk_driver);
	if (rc)
		unregister_blkdev(hvpblk_major, "hvpara-blk");
	return rc;
}
device_initcall(hvpblk_init);

MODULE_DESCRIPTION("libhv para block front-end");
MODULE_LICENSE("Dual MIT/GPL");
