/* SPDX-License-Identifier: MIT */
/* Unit tests for the para backend's block and net devices (backends/para/blkback.c,
 * netback.c, ring.c): the device list in start-info, RING_CONNECT, read/write/flush/discard
 * through the ring, batching and notification suppression, net tx -> loopback -> rx, and
 * hostile guests (impossible ring indices, buffers outside RAM or wrapping, bad segment
 * counts and lengths, sectors beyond the disk, read-only disks, bad ports, reconnects,
 * frames larger than the buffer): each gets an error status or a broken device, never a
 * host crash. The guest side is played by the test through hv_vm_mem_ptr plus single
 * `ecall`s at the RAM base. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hv/hv.h"
#include "hv/para.h"
#include "para_fixture.h"

#define RAM 0x80000000ull
#define MEM (1ull << 20)
#define RING (RAM + 0x10000)         /* rings: one page each from here */
#define BUF (RAM + 0x20000)          /* data buffers */
#define DISK_BYTES (64 * 1024ull)
#define ECALL 0x00000073u
#define JSELF 0x0000006fu
enum { A0 = 10, A1 = 11, A2 = 12, A3 = 13, A6 = 16, A7 = 17 };

static char disk_path[64];

static void fini(void)
{
    hv_vm_destroy(vm);
    vm = NULL;
    if (disk_path[0])
        unlink(disk_path);
    disk_path[0] = 0;
}

TestSuite(para_dev, .fini = fini);

static void init_cfg(struct hv_config *cfg)
{
    hv_config_init(cfg);
    cfg->backend = HV_BACKEND_PARA;
    cfg->mem_size = MEM;
    cfg->serial.type = HV_CHARDEV_NULL;
}

static void add_mem_disk(struct hv_config *cfg, int ro)
{
    struct hv_disk_config *d = &cfg->disks[cfg->nr_disks++];
    d->mem_size = DISK_BYTES;
    d->readonly = ro;
}

static void boot_cfg(struct hv_config *cfg)
{
    char err[512];
    cr_assert_eq(hv_vm_create(cfg, &vm, err, sizeof err), 0, "hv_vm_create: %s", err);
    cr_assert_eq(hv_vcpu_create(vm, 0, &vcpu), 0);
}

/* One in-memory disk (device 1). */
static void boot_disk(void)
{
    struct hv_config cfg;
    init_cfg(&cfg);
    add_mem_disk(&cfg, 0);
    boot_cfg(&cfg);
}

/* One loopback NIC (devices 1 = tx, 2 = rx). */
static void boot_nic(void)
{
    struct hv_config cfg;
    init_cfg(&cfg);
    cfg.nics[0].type = HV_NET_LOOPBACK;
    cfg.nr_nics = 1;
    boot_cfg(&cfg);
}

struct sbiret { int64_t error; uint64_t value; };

static struct sbiret pv(uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    struct sbiret r;
    r.error = para_hypercall(RAM, fid, a0, a1, a2, a3, &r.value);
    return r;
}

static uint32_t alloc_port(void)
{
    struct sbiret r = pv(HVP_FID_EVTCHN_OP, HVP_EVTCHN_ALLOC_UNBOUND, 0, 0, 0);
    cr_assert_eq(r.error, 0);
    return (uint32_t)r.value;
}

static struct hvp_shared_info *shared(void)
{
    struct hvp_start_info *si = gptr(RAM + MEM - HVP_RESERVED_SIZE, sizeof(*si));
    return gptr(si->shared_info_gpa, HVP_SHARED_INFO_SIZE);
}

static bool port_pending(uint32_t p)
{
    return (shared()->evtchn_pending[p / 64] >> (p % 64)) & 1;
}

static void port_clear(uint32_t p)
{
    shared()->evtchn_pending[p / 64] &= ~(1ull << (p % 64));
}

static uint64_t hypercalls(void)
{
    struct hv_stats st;
    cr_assert_eq(hv_vcpu_get_stats(vcpu, &st), 0);
    return st.hypercalls;
}

/* ---- a guest-side ring, played by the test ---------------------------------------------- */

struct ring {
    unsigned dev;
    uint64_t gpa;
    uint32_t port, nr, slot_size, req_prod, rsp_cons;
    struct hvp_ring_hdr *hdr;
};

static struct ring connect(unsigned dev, uint64_t gpa, uint32_t slot_size)
{
    struct ring r = { .dev = dev, .gpa = gpa, .slot_size = slot_size };
    memset(gptr(gpa, 4096), 0, 4096);
    r.hdr = gptr(gpa, sizeof(*r.hdr));
    r.hdr->rsp_event = 1;
    r.port = alloc_port();
    r.nr = hvp_ring_slots(0, slot_size);
    cr_assert_eq(pv(HVP_FID_RING_CONNECT, dev, gpa, 0, r.port).error, 0);
    return r;
}

static void *slot(struct ring *r, uint32_t idx)
{
    return gptr(r->gpa + 64 + (uint64_t)(idx & (r->nr - 1)) * r->slot_size, r->slot_size);
}

static void publish(struct ring *r)
{
    __atomic_store_n(&r->hdr->req_prod, r->req_prod, __ATOMIC_RELEASE);
}

static int64_t notify(struct ring *r)
{
    return pv(HVP_FID_NOTIFY, r->port, 0, 0, 0).error;
}

/* ---- block helpers ------------------------------------------------------------------------- */

static void blk_queue(struct ring *r, uint64_t id, uint8_t op, uint64_t sector,
                      unsigned nsegs, const uint64_t *gpa, const uint32_t *len)
{
    struct hvp_blk_req *q = slot(r, r->req_prod++);
    memset(q, 0, sizeof(*q));
    q->id = id;
    q->op = op;
    q->sector = sector;
    q->nr_segments = (uint8_t)nsegs;
    for (unsigned i = 0; i < nsegs && i < HVP_BLK_MAX_SEGS; i++)
        q->seg[i] = (struct hvp_blk_seg){ gpa[i], len[i], 0 };
}

static struct hvp_blk_rsp blk_take(struct ring *r)
{
    cr_assert_neq(r->hdr->rsp_prod, r->rsp_cons, "no response");
    struct hvp_blk_rsp rsp = *(struct hvp_blk_rsp *)slot(r, r->rsp_cons++);
    return rsp;
}

/* One request, one NOTIFY, its status. */
static int32_t blk_do(struct ring *r, uint8_t op, uint64_t sector, unsigned nsegs,
                      const uint64_t *gpa, const uint32_t *len)
{
    blk_queue(r, 0x1234 + r->req_prod, op, sector, nsegs, gpa, len);
    publish(r);
    cr_assert_eq(notify(r), 0);
    struct hvp_blk_rsp rsp = blk_take(r);
    cr_assert_eq(rsp.id, 0x1234 + r->req_prod - 1);
    return rsp.status;
}

static int32_t blk_rw1(struct ring *r, uint8_t op, uint64_t sector, uint64_t gpa, uint32_t len)
{
    return blk_do(r, op, sector, 1, &gpa, &len);
}

/* ---- start-info and connecting ------------------------------------------------------------- */

Test(para_dev, start_info_lists_disks_and_nics)
{
    struct hv_config cfg;
    init_cfg(&cfg);
    add_mem_disk(&cfg, 0);
    add_mem_disk(&cfg, 1);
    cfg.nics[0].type = HV_NET_LOOPBACK;
    memcpy(cfg.nics[0].mac, "\x02\x11\x22\x33\x44\x55", 6);
    cfg.nr_nics = 1;
    boot_cfg(&cfg);
    struct hvp_start_info *si = gptr(RAM + MEM - HVP_RESERVED_SIZE, sizeof(*si));
    cr_assert_eq(si->abi_version, HVP_ABI_VERSION);
    cr_assert_geq(HVP_ABI_MINOR, 1);    /* block and net devices exist since 1.1 */
    cr_assert_eq(si->nr_devices, 5);
    cr_assert_eq(si->devices[1].type, HVP_DEV_BLOCK);
    cr_assert_eq(si->devices[1].id, 1);
    cr_assert_eq(si->devices[1].param[0], DISK_BYTES / 512);
    cr_assert_eq(si->devices[1].param[1], 512);
    cr_assert_eq(si->devices[1].flags, 0);
    cr_assert_eq(si->devices[1].ring_gpa, 0);
    cr_assert_eq(si->devices[2].flags, HVP_DEVF_READONLY);
    cr_assert_eq(si->devices[3].type, HVP_DEV_NET);
    cr_assert_eq(si->devices[3].flags, 0);
    cr_assert_eq(si->devices[4].type, HVP_DEV_NET);
    cr_assert_eq(si->devices[4].flags, HVP_DEVF_NET_RX);
    cr_assert_eq(si->devices[3].param[0], 0x554433221102ull);
    cr_assert_eq(si->devices[4].param[0], 0x554433221102ull);

    /* After RING_CONNECT, GET_START_INFO reports the connection. */
    struct ring r = connect(1, RING, sizeof(union hvp_blk_slot));
    struct hvp_start_info *copy = gptr(BUF, sizeof(*copy));
    cr_assert_eq(pv(HVP_FID_GET_START_INFO, BUF, sizeof(*copy), 0, 0).error, 0);
    cr_assert_eq(copy->devices[1].ring_gpa, RING);
    cr_assert_eq(copy->devices[1].event_port, r.port);
    cr_assert(copy->devices[1].flags & HVP_DEVF_CONNECTED);
    cr_assert_eq(r.hdr->req_event, 1, "the back-end asks for the first request's kick");
}

Test(para_dev, ring_connect_rejects_bad_arguments)
{
    boot_disk();
    uint32_t port = alloc_port();
    cr_assert_eq(pv(HVP_FID_RING_CONNECT, 9, RING, 0, port).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(pv(HVP_FID_RING_CONNECT, 1, RING, 5, port).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(pv(HVP_FID_RING_CONNECT, 1, RING + 8, 0, port).error,
                 HVP_SBI_ERR_INVALID_ADDRESS);
    cr_assert_eq(pv(HVP_FID_RING_CONNECT, 1, 0x1000, 0, port).error,
                 HVP_SBI_ERR_INVALID_ADDRESS);
    cr_assert_eq(pv(HVP_FID_RING_CONNECT, 1, RAM + MEM - 0x1000, 1, port).error,
                 HVP_SBI_ERR_INVALID_ADDRESS, "a ring crossing the end of RAM");
    cr_assert_eq(pv(HVP_FID_RING_CONNECT, 1, ~0xfffull, 0, port).error,
                 HVP_SBI_ERR_INVALID_ADDRESS, "a ring wrapping around");
    /* Ports: 0, out of range, free, a VIRQ's, the console's. */
    const uint64_t bad[] = { 0, HVP_NR_PORTS, 1ull << 40, 4000, 1 };
    for (unsigned i = 0; i < 5; i++)
        cr_assert_eq(pv(HVP_FID_RING_CONNECT, 1, RING, 0, bad[i]).error,
                     HVP_SBI_ERR_INVALID_PARAM, "port %llu", (unsigned long long)bad[i]);
    struct sbiret v = pv(HVP_FID_EVTCHN_OP, HVP_EVTCHN_BIND_VIRQ, HVP_VIRQ_TIMER, 0, 0);
    cr_assert_eq(v.error, 0);
    cr_assert_eq(pv(HVP_FID_RING_CONNECT, 1, RING, 0, v.value).error,
                 HVP_SBI_ERR_INVALID_PARAM);
    /* NOTIFY with ports out of range or unused. */
    cr_assert_eq(pv(HVP_FID_NOTIFY, 0, 0, 0, 0).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(pv(HVP_FID_NOTIFY, HVP_NR_PORTS, 0, 0, 0).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(pv(HVP_FID_NOTIFY, ~0ull, 0, 0, 0).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(pv(HVP_FID_NOTIFY, 3000, 0, 0, 0).error, HVP_SBI_ERR_INVALID_PARAM);
    /* A NOTIFY on an unconnected device's would-be port is just an unbound port. */
    cr_assert_eq(pv(HVP_FID_NOTIFY, port, 0, 0, 0).error, 0);
}

/* ---- block: functional ----------------------------------------------------------------- */

Test(para_dev, block_write_read_discard)
{
    boot_disk();
    struct ring r = connect(1, RING, sizeof(union hvp_blk_slot));
    uint8_t *buf = gptr(BUF, 8192);
    for (unsigned i = 0; i < 2048; i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    /* Two segments, three sectors. */
    uint64_t g[2] = { BUF, BUF + 1024 };
    uint32_t l[2] = { 1024, 1024 };
    cr_assert_eq(blk_do(&r, HVP_BLK_OP_WRITE, 10, 2, g, l), HVP_BLK_OK);
    memset(buf + 4096, 0, 2048);
    cr_assert_eq(blk_rw1(&r, HVP_BLK_OP_READ, 10, BUF + 4096, 2048), HVP_BLK_OK);
    cr_assert_eq(memcmp(buf, buf + 4096, 2048), 0);
    cr_assert_eq(blk_do(&r, HVP_BLK_OP_FLUSH, 0, 0, NULL, NULL), HVP_BLK_OK);
    /* DISCARD two sectors: they read back as zeros, the others stay. */
    struct hvp_blk_req *q = slot(&r, r.req_prod);
    blk_queue(&r, 77, HVP_BLK_OP_DISCARD, 11, 0, NULL, NULL);
    q->discard_sectors = 2;
    publish(&r);
    cr_assert_eq(notify(&r), 0);
    struct hvp_blk_rsp rsp = blk_take(&r);
    cr_assert_eq(rsp.id, 77);
    cr_assert_eq(rsp.status, HVP_BLK_OK);
    cr_assert_eq(blk_rw1(&r, HVP_BLK_OP_READ, 10, BUF + 4096, 2048), HVP_BLK_OK);
    cr_assert_eq(memcmp(buf, buf + 4096, 512), 0);
    for (unsigned i = 512; i < 1536; i++)
        cr_assert_eq(buf[4096 + i], 0);
    cr_assert_eq(memcmp(buf + 1536, buf + 4096 + 1536, 512), 0);
    /* Unknown op. */
    cr_assert_eq(blk_rw1(&r, 9, 0, BUF, 512), HVP_BLK_ENOTSUP);
    cr_assert_eq(r.hdr->rsp_prod, r.req_prod);
}

Test(para_dev, block_flush_reaches_the_file)
{
    strcpy(disk_path, "/tmp/hv-para-dev-XXXXXX");
    int fd = mkstemp(disk_path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, (off_t)DISK_BYTES), 0);
    close(fd);
    struct hv_config cfg;
    init_cfg(&cfg);
    cfg.disks[0].path = disk_path;
    cfg.nr_disks = 1;
    boot_cfg(&cfg);
    struct ring r = connect(1, RING, sizeof(union hvp_blk_slot));
    memset(gptr(BUF, 512), 0xA5, 512);
    cr_assert_eq(blk_rw1(&r, HVP_BLK_OP_WRITE, 3, BUF, 512), HVP_BLK_OK);
    cr_assert_eq(blk_do(&r, HVP_BLK_OP_FLUSH, 0, 0, NULL, NULL), HVP_BLK_OK);
    uint8_t got[512];
    fd = open(disk_path, O_RDONLY);
    cr_assert_eq(pread(fd, got, 512, 3 * 512), 512);
    close(fd);
    for (unsigned i = 0; i < 512; i++)
        cr_assert_eq(got[i], 0xA5);
}

Test(para_dev, block_batch_one_notify_and_suppression)
{
    boot_disk();
    struct ring r = connect(1, RING, sizeof(union hvp_blk_slot));
    cr_assert_eq(r.nr, 16);
    uint8_t *buf = gptr(BUF, 16 * 512);
    for (unsigned i = 0; i < 16 * 512; i++)
        buf[i] = (uint8_t)(i / 512 + 1);
    for (unsigned i = 0; i < 16; i++) {
        uint64_t g = BUF + i * 512;
        uint32_t l = 512;
        blk_queue(&r, 100 + i, HVP_BLK_OP_WRITE, i, 1, &g, &l);
    }
    publish(&r);
    uint64_t before = hypercalls();
    cr_assert_eq(notify(&r), 0);
    cr_assert_eq(hypercalls() - before, 1, "one NOTIFY for the batch");
    cr_assert_eq(r.hdr->rsp_prod, 16);
    for (unsigned i = 0; i < 16; i++) {
        struct hvp_blk_rsp rsp = blk_take(&r);
        cr_assert_eq(rsp.id, 100 + i);
        cr_assert_eq(rsp.status, HVP_BLK_OK);
    }
    /* The back-end wants the next kick at the 17th request; the guest asked for an event
     * at the first response (rsp_event 1), so the port was raised once. */
    cr_assert_eq(r.hdr->req_event, 17);
    cr_assert(port_pending(r.port));
    port_clear(r.port);
    /* Suppressed: rsp_event far ahead, no event. */
    r.hdr->rsp_event = r.rsp_cons + 100;
    cr_assert_eq(blk_rw1(&r, HVP_BLK_OP_READ, 5, BUF, 512), HVP_BLK_OK);
    cr_assert_not(port_pending(r.port));
    cr_assert_eq(buf[0], 6);
    /* rsp_event inside the new range: event. */
    r.hdr->rsp_event = r.rsp_cons + 1;
    cr_assert_eq(blk_rw1(&r, HVP_BLK_OP_READ, 0, BUF, 512), HVP_BLK_OK);
    cr_assert(port_pending(r.port));
}

Test(para_dev, block_indices_wrap_around)
{
    boot_disk();
    struct ring r = connect(1, RING, sizeof(union hvp_blk_slot));
    /* Many more requests than slots, in rounds: indices keep running. */
    for (unsigned round = 0; round < 10; round++) {
        for (unsigned i = 0; i < 10; i++) {
            uint64_t g = BUF;
            uint32_t l = 512;
            blk_queue(&r, round * 100 + i, HVP_BLK_OP_READ, i, 1, &g, &l);
        }
        publish(&r);
        cr_assert_eq(notify(&r), 0);
        for (unsigned i = 0; i < 10; i++)
            cr_assert_eq(blk_take(&r).id, round * 100 + i);
    }
    cr_assert_eq(r.hdr->rsp_prod, 100);
}

/* ---- block: hostile guests ------------------------------------------------------------- */

Test(para_dev, block_bad_requests_get_errors)
{
    struct hv_config cfg;
    init_cfg(&cfg);
    add_mem_disk(&cfg, 0);
    add_mem_disk(&cfg, 1);
    boot_cfg(&cfg);
    struct ring r = connect(1, RING, sizeof(union hvp_blk_slot));
    const uint64_t end = RAM + MEM;
    struct { uint64_t sector, gpa; uint32_t len; const char *what; } bad[] = {
        { 0, end - 512, 1024, "segment crossing the end of RAM" },
        { 0, end, 512, "segment just past RAM" },
        { 0, 0x1000, 512, "segment below RAM" },
        { 0, ~0ull - 511, 1024, "segment wrapping around the address space" },
        { 0, BUF, 0, "zero-length segment" },
        { 0, BUF, 100, "length not a whole sector" },
        { 0, BUF, 0xfffffe00u, "huge segment" },
        { DISK_BYTES / 512, BUF, 512, "sector just past the disk" },
        { DISK_BYTES / 512 - 1, BUF, 1024, "request running past the disk" },
        { ~0ull >> 9, BUF, 512, "sector overflowing the byte offset" },
        { ~0ull, BUF, 512, "sector UINT64_MAX" },
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(blk_rw1(&r, HVP_BLK_OP_READ, bad[i].sector, bad[i].gpa, bad[i].len),
                     HVP_BLK_EIO, "read: %s", bad[i].what);
        cr_assert_eq(blk_rw1(&r, HVP_BLK_OP_WRITE, bad[i].sector, bad[i].gpa, bad[i].len),
                     HVP_BLK_EIO, "write: %s", bad[i].what);
    }
    /* Segment counts: none, one too many, 255. */
    uint64_t g[HVP_BLK_MAX_SEGS];
    uint32_t l[HVP_BLK_MAX_SEGS];
    for (unsigned i = 0; i < HVP_BLK_MAX_SEGS; i++)
        g[i] = BUF + i * 512, l[i] = 512;
    cr_assert_eq(blk_do(&r, HVP_BLK_OP_READ, 0, 0, g, l), HVP_BLK_EIO);
    cr_assert_eq(blk_do(&r, HVP_BLK_OP_READ, 0, HVP_BLK_MAX_SEGS + 1, g, l), HVP_BLK_EIO);
    cr_assert_eq(blk_do(&r, HVP_BLK_OP_READ, 0, 255, g, l), HVP_BLK_EIO);
    cr_assert_eq(blk_do(&r, HVP_BLK_OP_READ, 0, HVP_BLK_MAX_SEGS, g, l), HVP_BLK_OK);
    /* DISCARD: zero sectors, past the end. */
    struct hvp_blk_req *q = slot(&r, r.req_prod);
    blk_queue(&r, 1, HVP_BLK_OP_DISCARD, 0, 0, NULL, NULL);
    q->discard_sectors = 0;
    q = slot(&r, r.req_prod);
    blk_queue(&r, 2, HVP_BLK_OP_DISCARD, DISK_BYTES / 512 - 1, 0, NULL, NULL);
    q->discard_sectors = 2;
    publish(&r);
    cr_assert_eq(notify(&r), 0);
    cr_assert_eq(blk_take(&r).status, HVP_BLK_EIO);
    cr_assert_eq(blk_take(&r).status, HVP_BLK_EIO);
    /* The device still works. */
    cr_assert_eq(blk_rw1(&r, HVP_BLK_OP_WRITE, 0, BUF, 512), HVP_BLK_OK);

    /* Read-only disk: reads work, writes and discards fail. */
    struct ring ro = connect(2, RING + 0x1000, sizeof(union hvp_blk_slot));
    cr_assert_eq(blk_rw1(&ro, HVP_BLK_OP_READ, 0, BUF, 512), HVP_BLK_OK);
    cr_assert_eq(blk_rw1(&ro, HVP_BLK_OP_WRITE, 0, BUF, 512), HVP_BLK_EIO);
    q = slot(&ro, ro.req_prod);
    blk_queue(&ro, 3, HVP_BLK_OP_DISCARD, 0, 0, NULL, NULL);
    q->discard_sectors = 1;
    publish(&ro);
    cr_assert_eq(notify(&ro), 0);
    cr_assert_eq(blk_take(&ro).status, HVP_BLK_EIO);
}

Test(para_dev, block_req_prod_far_ahead_breaks_the_device)
{
    boot_disk();
    struct ring r = connect(1, RING, sizeof(union hvp_blk_slot));
    r.hdr->req_prod = 1000;                 /* claims 1000 requests in a 16-slot ring */
    cr_assert_eq(notify(&r), 0);
    cr_assert_eq(r.hdr->rsp_prod, 0, "nothing executed");
    /* Broken: even a sane ring state is ignored now. */
    r.hdr->req_prod = 0;
    r.req_prod = 0;
    blk_queue(&r, 5, HVP_BLK_OP_READ, 0, 1, (uint64_t[]){ BUF }, (uint32_t[]){ 512 });
    publish(&r);
    cr_assert_eq(notify(&r), 0);
    cr_assert_eq(r.hdr->rsp_prod, 0);
    /* Reconnecting repairs it. */
    struct ring r2 = connect(1, RING + 0x1000, sizeof(union hvp_blk_slot));
    cr_assert_eq(blk_rw1(&r2, HVP_BLK_OP_READ, 0, BUF, 512), HVP_BLK_OK);
    /* req_prod exactly one ring ahead is legal: a full ring. */
    for (unsigned i = 0; i < r2.nr; i++)
        blk_queue(&r2, i, HVP_BLK_OP_READ, 0, 1, (uint64_t[]){ BUF }, (uint32_t[]){ 512 });
    publish(&r2);
    cr_assert_eq(notify(&r2), 0);
    cr_assert_eq(r2.hdr->rsp_prod, 1 + r2.nr);
    /* req_prod behind the consumer (it went backwards) is also more than a ring ahead. */
    r2.hdr->req_prod = 3;
    cr_assert_eq(notify(&r2), 0);
    cr_assert_eq(r2.hdr->rsp_prod, 1 + r2.nr);
}

Test(para_dev, block_rsp_prod_and_event_scribbles_are_harmless)
{
    boot_disk();
    struct ring r = connect(1, RING, sizeof(union hvp_blk_slot));
    cr_assert_eq(blk_rw1(&r, HVP_BLK_OP_READ, 0, BUF, 512), HVP_BLK_OK);
    r.hdr->rsp_prod = 0xdeadbeef;           /* the guest owns nothing of this */
    r.hdr->req_event = 0x12345678;
    r.hdr->rsp_event = 0x87654321;
    cr_assert_eq(blk_rw1(&r, HVP_BLK_OP_READ, 0, BUF, 512), HVP_BLK_OK);
    cr_assert_eq(r.hdr->rsp_prod, 2, "rewritten from the back-end's own index");
    cr_assert_eq(r.hdr->req_event, 3);
}

Test(para_dev, block_reconnect_and_close)
{
    boot_disk();
    struct ring r = connect(1, RING, sizeof(union hvp_blk_slot));
    cr_assert_eq(blk_rw1(&r, HVP_BLK_OP_READ, 0, BUF, 512), HVP_BLK_OK);
    /* Reconnect to another ring and port: the old port goes back to UNBOUND. */
    struct ring r2 = connect(1, RING + 0x2000, sizeof(union hvp_blk_slot));
    struct sbiret st = pv(HVP_FID_EVTCHN_OP, HVP_EVTCHN_STATUS, r.port, 0, 0);
    cr_assert_eq(HVP_EVTCHN_STATUS_STATE(st.value), HVP_PORT_UNBOUND);
    st = pv(HVP_FID_EVTCHN_OP, HVP_EVTCHN_STATUS, r2.port, 0, 0);
    cr_assert_eq(HVP_EVTCHN_STATUS_STATE(st.value), HVP_PORT_DEVICE);
    cr_assert_eq(HVP_EVTCHN_STATUS_DETAIL(st.value), 1);
    cr_assert_eq(blk_rw1(&r2, HVP_BLK_OP_READ, 0, BUF, 512), HVP_BLK_OK);
    /* The old ring is dead: kicking its port does nothing to it. */
    blk_queue(&r, 9, HVP_BLK_OP_READ, 0, 1, (uint64_t[]){ BUF }, (uint32_t[]){ 512 });
    publish(&r);
    cr_assert_eq(notify(&r), 0);
    cr_assert_eq(r.hdr->rsp_prod, 1);
    /* Reconnect the same ring with the same port is refused (it is the device's now). */
    cr_assert_eq(pv(HVP_FID_RING_CONNECT, 1, RING + 0x2000, 0, r2.port).error,
                 HVP_SBI_ERR_INVALID_PARAM);
    /* Closing the port disconnects; a later NOTIFY on it is refused. */
    cr_assert_eq(pv(HVP_FID_EVTCHN_OP, HVP_EVTCHN_CLOSE, r2.port, 0, 0).error, 0);
    cr_assert_eq(notify(&r2), HVP_SBI_ERR_INVALID_PARAM);
    /* And connecting again works from a clean state. */
    struct ring r3 = connect(1, RING + 0x3000, sizeof(union hvp_blk_slot));
    cr_assert_eq(blk_rw1(&r3, HVP_BLK_OP_READ, 0, BUF, 512), HVP_BLK_OK);
}

Test(para_dev, block_ring_over_its_own_buffers)
{
    /* A guest reading data into its own ring: its problem, not the host's. */
    boot_disk();
    struct ring r = connect(1, RING, sizeof(union hvp_blk_slot));
    memset(gptr(BUF, 4096), 0xff, 4096);
    cr_assert_eq(blk_rw1(&r, HVP_BLK_OP_WRITE, 0, BUF, 4096), HVP_BLK_OK);
    blk_queue(&r, 1, HVP_BLK_OP_READ, 0, 1, (uint64_t[]){ RING }, (uint32_t[]){ 4096 });
    publish(&r);
    cr_assert_eq(notify(&r), 0);
    /* The header got overwritten by the data; the next NOTIFY sees garbage indices. */
    cr_assert_eq(notify(&r), 0);
    cr_assert_eq(notify(&r), 0);
}

/* ---- net --------------------------------------------------------------------------------- */

static void net_post(struct ring *r, uint64_t id, uint64_t gpa, uint32_t len, uint32_t flags)
{
    struct hvp_net_req *q = slot(r, r->req_prod++);
    *q = (struct hvp_net_req){ id, gpa, len, flags };
}

static struct hvp_net_rsp net_take(struct ring *r)
{
    cr_assert_neq(r->hdr->rsp_prod, r->rsp_cons, "no response");
    return *(struct hvp_net_rsp *)slot(r, r->rsp_cons++);
}

Test(para_dev, net_tx_loopback_rx)
{
    boot_nic();
    struct ring tx = connect(1, RING, sizeof(union hvp_net_slot));
    struct ring rx = connect(2, RING + 0x1000, sizeof(union hvp_net_slot));
    /* Post four 2 KiB receive buffers. */
    for (unsigned i = 0; i < 4; i++)
        net_post(&rx, 50 + i, BUF + 0x4000 + i * 2048, 2048, 0);
    publish(&rx);
    cr_assert_eq(notify(&rx), 0);
    cr_assert_eq(rx.hdr->rsp_prod, 0, "buffers wait for frames");
    /* Three frames: 60 bytes, 1514 bytes, and 100 bytes in two fragments. */
    uint8_t *buf = gptr(BUF, 0x4000);
    for (unsigned i = 0; i < 0x4000; i++)
        buf[i] = (uint8_t)(i * 13);
    net_post(&tx, 1, BUF, 60, 0);
    net_post(&tx, 2, BUF + 100, 1514, 0);
    net_post(&tx, 3, BUF + 0x2000, 40, HVP_NET_F_MORE);
    net_post(&tx, 4, BUF + 0x3000, 60, 0);
    publish(&tx);
    uint64_t before = hypercalls();
    cr_assert_eq(notify(&tx), 0);
    cr_assert_eq(hypercalls() - before, 1);
    for (unsigned i = 0; i < 4; i++) {
        struct hvp_net_rsp t = net_take(&tx);
        cr_assert_eq(t.id, 1 + i);
        cr_assert_eq(t.status, HVP_NET_OK);
    }
    cr_assert(port_pending(tx.port));
    cr_assert(port_pending(rx.port), "loopback frames arrived in the same NOTIFY");
    struct hvp_net_rsp a = net_take(&rx), b = net_take(&rx), c = net_take(&rx);
    cr_assert_eq(a.id, 50);
    cr_assert_eq(a.len, 60);
    cr_assert_eq(b.len, 1514);
    cr_assert_eq(c.len, 100);
    cr_assert_eq(a.status | b.status | c.status, 0);
    cr_assert_eq(memcmp(buf + 0x4000 - 0x4000 + 0x0, gptr(BUF + 0x4000, 60), 60), 0);
    cr_assert_eq(memcmp(buf + 100, gptr(BUF + 0x4000 + 2048, 1514), 1514), 0);
    uint8_t *f3 = gptr(BUF + 0x4000 + 4096, 100);
    cr_assert_eq(memcmp(buf + 0x2000, f3, 40), 0);
    cr_assert_eq(memcmp(buf + 0x3000, f3 + 40, 60), 0);
    cr_assert_eq(rx.hdr->rsp_prod, 3, "one buffer left");
}

Test(para_dev, net_hostile_requests)
{
    boot_nic();
    struct ring tx = connect(1, RING, sizeof(union hvp_net_slot));
    struct ring rx = connect(2, RING + 0x1000, sizeof(union hvp_net_slot));
    const uint64_t end = RAM + MEM;
    /* tx: zero length, outside RAM, wrapping, larger than a frame may be. */
    net_post(&tx, 1, BUF, 0, 0);
    net_post(&tx, 2, end - 10, 20, 0);
    net_post(&tx, 3, ~0ull - 5, 64, 0);
    net_post(&tx, 4, BUF, 0xffffffffu, 0);
    net_post(&tx, 5, RAM, 65537, 0);
    /* A chain of fragments that grows past the largest frame, then a good frame. */
    for (unsigned i = 0; i < 3; i++)
        net_post(&tx, 10 + i, RAM, 30000, HVP_NET_F_MORE);
    net_post(&tx, 13, RAM, 30000, 0);
    net_post(&tx, 14, BUF, 64, 0);
    publish(&tx);
    cr_assert_eq(notify(&tx), 0);
    for (unsigned i = 0; i < 5; i++)
        cr_assert_eq(net_take(&tx).status, HVP_NET_EIO, "tx request %u", i + 1);
    cr_assert_eq(net_take(&tx).status, HVP_NET_OK);
    cr_assert_eq(net_take(&tx).status, HVP_NET_OK);
    cr_assert_eq(net_take(&tx).status, HVP_NET_EIO, "fragment past 64 KiB");
    cr_assert_eq(net_take(&tx).status, HVP_NET_EIO, "the poisoned frame is not sent");
    cr_assert_eq(net_take(&tx).status, HVP_NET_OK);
    /* Exactly one frame (64 bytes) is waiting. rx: a buffer outside RAM fails and keeps
     * the frame, a too small buffer drops it with E2BIG. */
    net_post(&rx, 1, end - 8, 64, 0);
    net_post(&rx, 2, BUF + 0x1000, 0, 0);
    net_post(&rx, 3, BUF + 0x1000, 32, 0);
    publish(&rx);
    cr_assert_eq(notify(&rx), 0);
    cr_assert_eq(net_take(&rx).status, HVP_NET_EIO);
    cr_assert_eq(net_take(&rx).status, HVP_NET_EIO);
    struct hvp_net_rsp small = net_take(&rx);
    cr_assert_eq(small.id, 3);
    cr_assert_eq(small.status, HVP_NET_E2BIG);
    cr_assert_eq(small.len, 0);
    /* The next frame goes into a good buffer. */
    net_post(&rx, 4, BUF + 0x1000, 2048, 0);
    publish(&rx);
    cr_assert_eq(notify(&rx), 0);
    cr_assert_eq(rx.hdr->rsp_prod, 3);
    net_post(&tx, 20, BUF, 80, 0);
    publish(&tx);
    cr_assert_eq(notify(&tx), 0);
    struct hvp_net_rsp ok = net_take(&rx);
    cr_assert_eq(ok.status, HVP_NET_OK);
    cr_assert_eq(ok.len, 80);
    /* Impossible indices break one ring; the other keeps working. */
    rx.hdr->req_prod = rx.req_prod + 500;
    cr_assert_eq(notify(&rx), 0);
    tx.hdr->req_prod = tx.req_prod - 1;
    cr_assert_eq(notify(&tx), 0);
    tx.hdr->req_prod = tx.req_prod;
    net_post(&tx, 30, BUF, 64, 0);
    publish(&tx);
    cr_assert_eq(notify(&tx), 0);
    uint32_t before = tx.hdr->rsp_prod;
    cr_assert_eq(before, tx.req_prod - 1, "the broken tx ring answers nothing");
}

Test(para_dev, net_hub_between_two_nics)
{
    struct hv_config cfg;
    init_cfg(&cfg);
    cfg.nics[0].type = HV_NET_HUB;
    cfg.nics[1].type = HV_NET_HUB;
    cfg.nr_nics = 2;
    boot_cfg(&cfg);
    struct ring tx0 = connect(1, RING, sizeof(union hvp_net_slot));
    struct ring rx1 = connect(4, RING + 0x1000, sizeof(union hvp_net_slot));
    struct ring rx0 = connect(2, RING + 0x2000, sizeof(union hvp_net_slot));
    net_post(&rx1, 1, BUF + 0x1000, 2048, 0);
    publish(&rx1);
    net_post(&rx0, 1, BUF + 0x2000, 2048, 0);
    publish(&rx0);
    cr_assert_eq(notify(&rx1), 0);
    cr_assert_eq(notify(&rx0), 0);
    memset(gptr(BUF, 64), 0x42, 64);
    net_post(&tx0, 1, BUF, 64, 0);
    publish(&tx0);
    cr_assert_eq(notify(&tx0), 0);
    /* NIC 1 receives at its next device poll (a NOTIFY of its rx ring forces one). */
    cr_assert_eq(notify(&rx1), 0);
    struct hvp_net_rsp got = net_take(&rx1);
    cr_assert_eq(got.len, 64);
    cr_assert_eq(rx0.hdr->rsp_prod, 0, "a hub does not echo to the sender");
}
