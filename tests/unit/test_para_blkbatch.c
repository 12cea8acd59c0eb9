/* SPDX-License-Identifier: MIT */
/* Unit tests for the para block back-end's batching (backends/para/blkback.c, blkback.h):
 * the run planner on its own, then whole batches through a real ring: adjacent requests
 * merged and written/read correctly, ring order kept across a write and a read of the same
 * sectors, a 256-request batch answered with one NOTIFY and at most one event, and hostile
 * requests inside a mergeable run (wild pointer, wrapping address, huge length, sector past
 * the end, bad segment count, write to a read-only disk) failing alone while their
 * neighbours succeed. The guest is played by the test through hv_vm_mem_ptr plus single
 * `ecall`s at the RAM base, like test_para_dev.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hv/hv.h"
#include "hv/para.h"
#include "para_fixture.h"
#include "backends/para/blkback.h"

#define RAM 0x80000000ull
#define MEM (1ull << 20)
#define RING (RAM + 0x10000)         /* up to 64 KiB of ring */
#define BUF (RAM + 0x20000)          /* data buffers */
#define DISK_BYTES (256 * 1024ull)
#define ECALL 0x00000073u
#define JSELF 0x0000006fu
enum { A0 = 10, A1 = 11, A2 = 12, A3 = 13, A6 = 16, A7 = 17 };

static char disk_path[64];
static int disk_fd = -1;

static void fini(void)
{
    hv_vm_destroy(vm);
    vm = NULL;
    if (disk_fd >= 0)
        close(disk_fd);
    disk_fd = -1;
    if (disk_path[0])
        unlink(disk_path);
    disk_path[0] = 0;
}

TestSuite(para_blkbatch, .fini = fini);

/* ---- the planner ---------------------------------------------------------------------- */

static struct hvp_blk_io io_rw(uint8_t op, uint64_t sector, uint64_t bytes)
{
    return (struct hvp_blk_io){ .sector = sector, .bytes = bytes, .op = op, .nr_segs = 1,
                                .ok = 1 };
}

Test(para_blkbatch, planner_merges_only_adjacent_requests_of_one_direction)
{
    struct hvp_blk_io io[6] = {
        io_rw(HVP_BLK_OP_WRITE, 0, 4096), io_rw(HVP_BLK_OP_WRITE, 8, 4096),
        io_rw(HVP_BLK_OP_WRITE, 16, 512), io_rw(HVP_BLK_OP_WRITE, 18, 512),   /* gap */
        io_rw(HVP_BLK_OP_READ, 19, 512), io_rw(HVP_BLK_OP_READ, 20, 512),
    };
    cr_assert_eq(hvp_blk_run_len(io, 6), 3);
    cr_assert_eq(hvp_blk_run_len(io + 3, 3), 1);      /* then a read: direction changes */
    cr_assert_eq(hvp_blk_run_len(io + 4, 2), 2);
    cr_assert_eq(hvp_blk_run_len(io, 1), 1);
    io[1].ok = 0;                                       /* an invalid request breaks a run */
    cr_assert_eq(hvp_blk_run_len(io, 6), 1);
    cr_assert_eq(hvp_blk_run_len(io + 1, 5), 1);
}

Test(para_blkbatch, planner_respects_the_byte_and_segment_bounds)
{
    struct hvp_blk_io io[40];
    for (unsigned i = 0; i < 40; i++)
        io[i] = io_rw(HVP_BLK_OP_READ, i * 64ull, 32768);
    cr_assert_eq(hvp_blk_run_len(io, 40), HVP_BLK_MERGE_MAX_BYTES / 32768);
    /* One request already larger than the bound runs alone (no wrap-around in the sum). */
    io[0].bytes = 1ull << 30;
    io[1].sector = io[0].sector + ((1ull << 30) >> 9);
    cr_assert_eq(hvp_blk_run_len(io, 40), 1);
    for (unsigned i = 0; i < 40; i++) {
        io[i] = io_rw(HVP_BLK_OP_WRITE, i, 512);
        io[i].nr_segs = 200;        /* not possible on the ring (max 8), but bounded anyway */
    }
    cr_assert_eq(hvp_blk_run_len(io, 40), HVP_BLK_MERGE_MAX_SEGS / 200);
}

/* ---- a VM with one file disk and a guest-side ring played by the test ------------------- */

static void boot(int readonly)
{
    strcpy(disk_path, "/tmp/hv-blkbatch-XXXXXX");
    disk_fd = mkstemp(disk_path);
    cr_assert_geq(disk_fd, 0);
    cr_assert_eq(ftruncate(disk_fd, DISK_BYTES), 0);
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = HV_BACKEND_PARA;
    cfg.mem_size = MEM;
    cfg.serial.type = HV_CHARDEV_NULL;
    cfg.disks[0].path = disk_path;
    cfg.disks[0].readonly = readonly;
    cfg.nr_disks = 1;
    char err[512];
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), 0, "hv_vm_create: %s", err);
    cr_assert_eq(hv_vcpu_create(vm, 0, &vcpu), 0);
}

static int64_t pv(uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                  uint64_t *value)
{
    return para_hypercall(RAM, fid, a0, a1, a2, a3, value);
}

static bool port_pending(uint32_t p)
{
    struct hvp_start_info *si = gptr(RAM + MEM - HVP_RESERVED_SIZE, sizeof(*si));
    struct hvp_shared_info *sh = gptr(si->shared_info_gpa, HVP_SHARED_INFO_SIZE);
    return (sh->evtchn_pending[p / 64] >> (p % 64)) & 1;
}

struct ring {
    uint32_t port, nr, req_prod, rsp_cons;
    struct hvp_ring_hdr *hdr;
};

static struct ring connect(unsigned order)
{
    struct ring r = { 0 };
    uint64_t bytes = 4096ull << order;
    memset(gptr(RING, bytes), 0, bytes);
    r.hdr = gptr(RING, sizeof(*r.hdr));
    r.hdr->rsp_event = 1;
    uint64_t port;
    cr_assert_eq(pv(HVP_FID_EVTCHN_OP, HVP_EVTCHN_ALLOC_UNBOUND, 0, 0, 0, &port), 0);
    r.port = (uint32_t)port;
    r.nr = hvp_ring_slots(order, sizeof(union hvp_blk_slot));
    cr_assert_eq(pv(HVP_FID_RING_CONNECT, 1, RING, order, r.port, NULL), 0);
    return r;
}

static void *slot(struct ring *r, uint32_t idx)
{
    uint64_t off = 64 + (uint64_t)(idx & (r->nr - 1)) * sizeof(union hvp_blk_slot);
    return gptr(RING + off, sizeof(union hvp_blk_slot));
}

static struct hvp_blk_req *queue(struct ring *r, uint8_t op, uint64_t sector, uint64_t gpa,
                                 uint32_t len)
{
    struct hvp_blk_req *q = slot(r, r->req_prod);
    memset(q, 0, sizeof(*q));
    q->id = 1000 + r->req_prod++;
    q->op = op;
    q->sector = sector;
    q->nr_segments = 1;
    q->seg[0] = (struct hvp_blk_seg){ gpa, len, 0 };
    return q;
}

/* Publish everything queued, one NOTIFY; the number of hypercalls it took. */
static void kick(struct ring *r)
{
    __atomic_store_n(&r->hdr->req_prod, r->req_prod, __ATOMIC_RELEASE);
    cr_assert_eq(pv(HVP_FID_NOTIFY, r->port, 0, 0, 0, NULL), 0);
}

/* The next response: it must answer request number `idx` (ids are 1000 + index). */
static int32_t take(struct ring *r)
{
    cr_assert_neq(r->hdr->rsp_prod, r->rsp_cons, "no response");
    struct hvp_blk_rsp *rsp = slot(r, r->rsp_cons);
    cr_assert_eq(rsp->id, 1000 + r->rsp_cons, "response out of order");
    r->rsp_cons++;
    return rsp->status;
}

static void fill(uint64_t gpa, size_t len, uint8_t seed)
{
    uint8_t *p = gptr(gpa, len);
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)(seed + i * 7);
}

static void disk_expect(uint64_t sector, size_t len, int seed)
{
    uint8_t *got = malloc(len);
    cr_assert_eq(pread(disk_fd, got, len, (off_t)(sector * 512)), (ssize_t)len);
    for (size_t i = 0; i < len; i++) {
        uint8_t want = seed < 0 ? 0 : (uint8_t)(seed + i * 7);
        if (got[i] != want) {
            unsigned g = got[i];
            free(got);
            cr_assert_fail("sector %llu byte %zu: %#x, expected %#x",
                           (unsigned long long)sector, i, g, want);
        }
    }
    free(got);
}

/* ---- batches through the ring ----------------------------------------------------------- */

Test(para_blkbatch, adjacent_writes_and_reads_in_one_batch)
{
    boot(0);
    struct ring r = connect(2);
    /* 32 x 4 KiB: contiguous buffers (become one host write) ... */
    for (unsigned i = 0; i < 32; i++) {
        fill(BUF + i * 4096ull, 4096, (uint8_t)i);
        queue(&r, HVP_BLK_OP_WRITE, i * 8ull, BUF + i * 4096ull, 4096);
    }
    kick(&r);
    for (unsigned i = 0; i < 32; i++)
        cr_assert_eq(take(&r), HVP_BLK_OK);
    for (unsigned i = 0; i < 32; i++)
        disk_expect(i * 8ull, 4096, (uint8_t)i);
    /* ... read back into scattered buffers, reversed (adjacent on disk, not in RAM). */
    memset(gptr(BUF, 0x40000), 0, 0x40000);
    for (unsigned i = 0; i < 32; i++)
        queue(&r, HVP_BLK_OP_READ, i * 8ull, BUF + 0x3f000 - i * 8192ull, 4096);
    kick(&r);
    for (unsigned i = 0; i < 32; i++) {
        cr_assert_eq(take(&r), HVP_BLK_OK);
        uint8_t *p = gptr(BUF + 0x3f000 - i * 8192ull, 4096);
        for (unsigned k = 0; k < 4096; k++)
            cr_assert_eq(p[k], (uint8_t)(i + k * 7), "request %u byte %u", i, k);
    }
}

Test(para_blkbatch, ring_order_is_kept_across_directions)
{
    boot(0);
    struct ring r = connect(1);
    fill(BUF, 1024, 5);
    memset(gptr(BUF + 4096, 1024), 0xee, 1024);
    queue(&r, HVP_BLK_OP_WRITE, 4, BUF, 1024);
    queue(&r, HVP_BLK_OP_READ, 4, BUF + 4096, 1024);     /* must see the write */
    fill(BUF + 8192, 512, 9);
    queue(&r, HVP_BLK_OP_WRITE, 5, BUF + 8192, 512);     /* then overwrite half of it */
    kick(&r);
    for (unsigned i = 0; i < 3; i++)
        cr_assert_eq(take(&r), HVP_BLK_OK);
    uint8_t *p = gptr(BUF + 4096, 1024);
    for (unsigned k = 0; k < 1024; k++)
        cr_assert_eq(p[k], (uint8_t)(5 + k * 7));
    disk_expect(4, 512, 5);
    disk_expect(5, 512, 9);
}

Test(para_blkbatch, a_full_ring_is_one_notify_and_one_event)
{
    boot(0);
    struct ring r = connect(4);
    cr_assert_eq(r.nr, 256);
    fill(BUF, 0x20000, 3);
    /* Ask for an event only at the last response of the batch. */
    r.hdr->rsp_event = 256;
    for (unsigned i = 0; i < 256; i++)
        queue(&r, i % 2 ? HVP_BLK_OP_READ : HVP_BLK_OP_WRITE, (i / 2) * 1ull,
              BUF + (i / 2) * 512ull, 512);
    struct hv_stats st0, st1;
    cr_assert_eq(hv_vcpu_get_stats(vcpu, &st0), 0);
    kick(&r);
    cr_assert_eq(hv_vcpu_get_stats(vcpu, &st1), 0);
    cr_assert_eq(st1.hypercalls - st0.hypercalls, 1);
    cr_assert_eq(r.hdr->rsp_prod, 256);
    cr_assert(port_pending(r.port));
    for (unsigned i = 0; i < 256; i++)
        cr_assert_eq(take(&r), HVP_BLK_OK);
    disk_expect(0, 128 * 512, 3);
    /* Without a request for an event (rsp_event behind), the next batch raises nothing. */
    struct hvp_start_info *si = gptr(RAM + MEM - HVP_RESERVED_SIZE, sizeof(*si));
    struct hvp_shared_info *sh = gptr(si->shared_info_gpa, HVP_SHARED_INFO_SIZE);
    sh->evtchn_pending[r.port / 64] = 0;
    for (unsigned i = 0; i < 8; i++)
        queue(&r, HVP_BLK_OP_READ, i, BUF + i * 512ull, 512);
    kick(&r);
    cr_assert_not(port_pending(r.port));
    for (unsigned i = 0; i < 8; i++)
        cr_assert_eq(take(&r), HVP_BLK_OK);
}

/* Seven adjacent 1 KiB writes from buffers `stride` bytes apart (1024: one contiguous host
 * write per run; more: scattered, through the bounce buffer); request `bad` is made hostile
 * by `spoil`. Only it fails; every other range is written, the bad one's sectors stay zero
 * (an unknown op answers ENOTSUP). */
static void bad_in_a_run(void (*spoil)(struct hvp_blk_req *q), uint8_t op, uint64_t stride)
{
    int32_t want = op == HVP_BLK_OP_WRITE ? HVP_BLK_EIO : HVP_BLK_ENOTSUP;
    boot(0);
    struct ring r = connect(1);
    const unsigned bad = 3;
    for (unsigned i = 0; i < 7; i++) {
        fill(BUF + i * stride, 1024, (uint8_t)(40 + i));
        struct hvp_blk_req *q = queue(&r, HVP_BLK_OP_WRITE, i * 2ull, BUF + i * stride, 1024);
        if (i == bad) {
            q->op = op;
            spoil(q);
        }
    }
    kick(&r);
    for (unsigned i = 0; i < 7; i++)
        cr_assert_eq(take(&r), i == bad ? want : HVP_BLK_OK, "request %u", i);
    for (unsigned i = 0; i < 7; i++)
        disk_expect(i * 2ull, 1024, i == bad ? -1 : 40 + (int)i);
    /* The device still works, also for a scattered read of the same run. */
    memset(gptr(BUF + 0x10000, 0x4000), 0, 0x4000);
    for (unsigned i = 0; i < 7; i++)
        queue(&r, HVP_BLK_OP_READ, i * 2ull, BUF + 0x10000 + i * 2048ull, 1024);
    kick(&r);
    for (unsigned i = 0; i < 7; i++) {
        cr_assert_eq(take(&r), HVP_BLK_OK);
        uint8_t *p = gptr(BUF + 0x10000 + i * 2048ull, 1024);
        cr_assert_eq(p[1023], i == bad ? 0 : (uint8_t)(40 + i + 1023 * 7), "request %u", i);
    }
}

static void one_bad_in_a_run(void (*spoil)(struct hvp_blk_req *q), uint8_t op)
{
    bad_in_a_run(spoil, op, 1024);
}

static void wild_pointer(struct hvp_blk_req *q) { q->seg[0].gpa = 0x1000; }
static void wrapping(struct hvp_blk_req *q) { q->seg[0].gpa = UINT64_MAX - 511; }
static void past_ram_end(struct hvp_blk_req *q) { q->seg[0].gpa = RAM + MEM - 512; }
static void huge_length(struct hvp_blk_req *q) { q->seg[0].len = 0xfffffe00u; }
static void odd_length(struct hvp_blk_req *q) { q->seg[0].len = 1000; }
static void zero_segments(struct hvp_blk_req *q) { q->nr_segments = 0; }
static void many_segments(struct hvp_blk_req *q) { q->nr_segments = HVP_BLK_MAX_SEGS + 1; }
static void eight_huge(struct hvp_blk_req *q)
{
    q->nr_segments = HVP_BLK_MAX_SEGS;
    for (unsigned i = 0; i < HVP_BLK_MAX_SEGS; i++)
        q->seg[i] = (struct hvp_blk_seg){ RAM, 0xfffffe00u, 0 };
}
static void nothing(struct hvp_blk_req *q) { (void)q; }

Test(para_blkbatch, wild_pointer_fails_alone) { one_bad_in_a_run(wild_pointer, HVP_BLK_OP_WRITE); }
Test(para_blkbatch, wrapping_address_fails_alone) { one_bad_in_a_run(wrapping, HVP_BLK_OP_WRITE); }
Test(para_blkbatch, buffer_past_ram_fails_alone) { one_bad_in_a_run(past_ram_end, HVP_BLK_OP_WRITE); }
Test(para_blkbatch, huge_length_fails_alone) { one_bad_in_a_run(huge_length, HVP_BLK_OP_WRITE); }
Test(para_blkbatch, odd_length_fails_alone) { one_bad_in_a_run(odd_length, HVP_BLK_OP_WRITE); }
Test(para_blkbatch, no_segments_fails_alone) { one_bad_in_a_run(zero_segments, HVP_BLK_OP_WRITE); }
Test(para_blkbatch, too_many_segments_fail_alone) { one_bad_in_a_run(many_segments, HVP_BLK_OP_WRITE); }
Test(para_blkbatch, over_a_gib_fails_alone) { one_bad_in_a_run(eight_huge, HVP_BLK_OP_WRITE); }
Test(para_blkbatch, unknown_op_fails_alone) { one_bad_in_a_run(nothing, 7); }
Test(para_blkbatch, wild_pointer_fails_alone_in_a_scattered_run)
{
    bad_in_a_run(wild_pointer, HVP_BLK_OP_WRITE, 4096);
}
Test(para_blkbatch, huge_length_fails_alone_in_a_scattered_run)
{
    bad_in_a_run(huge_length, HVP_BLK_OP_WRITE, 3072);
}

Test(para_blkbatch, sector_past_the_end_fails_alone)
{
    boot(0);
    struct ring r = connect(1);
    const uint64_t last = DISK_BYTES / 512;
    fill(BUF, 4096, 1);
    queue(&r, HVP_BLK_OP_WRITE, last - 4, BUF, 1024);
    queue(&r, HVP_BLK_OP_WRITE, last - 2, BUF + 1024, 1024);        /* ends at the end: ok */
    queue(&r, HVP_BLK_OP_WRITE, last, BUF + 2048, 512);             /* past it */
    queue(&r, HVP_BLK_OP_WRITE, UINT64_MAX, BUF + 2560, 512);       /* wraps */
    queue(&r, HVP_BLK_OP_WRITE, last - 1, BUF + 3072, 1024);        /* straddles the end */
    kick(&r);
    cr_assert_eq(take(&r), HVP_BLK_OK);
    cr_assert_eq(take(&r), HVP_BLK_OK);
    cr_assert_eq(take(&r), HVP_BLK_EIO);
    cr_assert_eq(take(&r), HVP_BLK_EIO);
    cr_assert_eq(take(&r), HVP_BLK_EIO);
    disk_expect(last - 4, 2048, 1);
}

Test(para_blkbatch, read_only_disk_refuses_writes_in_a_run_of_reads)
{
    boot(1);
    struct ring r = connect(1);
    memset(gptr(BUF, 4096), 0x55, 4096);
    queue(&r, HVP_BLK_OP_READ, 0, BUF, 1024);
    queue(&r, HVP_BLK_OP_WRITE, 2, BUF + 1024, 1024);
    queue(&r, HVP_BLK_OP_READ, 4, BUF + 2048, 1024);
    kick(&r);
    cr_assert_eq(take(&r), HVP_BLK_OK);
    cr_assert_eq(take(&r), HVP_BLK_EIO);
    cr_assert_eq(take(&r), HVP_BLK_OK);
    cr_assert_eq(((uint8_t *)gptr(BUF, 1))[0], 0);              /* read the zero disk */
    cr_assert_eq(((uint8_t *)gptr(BUF + 2048, 1))[0], 0);
    disk_expect(2, 1024, -1);
}

Test(para_blkbatch, impossible_indices_still_break_the_device)
{
    boot(0);
    struct ring r = connect(1);
    fill(BUF, 512, 2);
    queue(&r, HVP_BLK_OP_WRITE, 0, BUF, 512);
    r.req_prod += r.nr;                        /* claims more than a ring of requests */
    kick(&r);
    cr_assert_eq(r.hdr->rsp_prod, 0);
    disk_expect(0, 512, -1);
}
