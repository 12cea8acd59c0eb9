/* SPDX-License-Identifier: MIT */
/* Unit tests for the virtio-mmio transport and its devices (backends/full/virtio_*.c):
 * a fake driver built here writes descriptor tables and rings into guest RAM and drives
 * the registers through the MMIO ops. Covers register semantics, feature negotiation,
 * virtio-blk (read/write/flush/get_id/discard, split headers, indirect tables, read-only),
 * virtio-rng, virtio-net (loopback, hub) and hostile drivers (loops, out-of-RAM and
 * wrapping buffers, huge lengths, bad queue sizes, avail jumps, bad descriptor order). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "backends/full/devices.h"
#include "backends/full/virtio_mmio.h"

#define RAM 0x80000000ull
#define RAM_SIZE (16ull << 20)
#define SLOT(i) (HVF_VIRTIO_BASE + (i) * HVF_VIRTIO_STRIDE)
#define DISK_SIZE (1024u * 1024u)

enum {
    MAGIC = 0x000, VERSION = 0x004, DEVICE_ID = 0x008, VENDOR = 0x00c, DEV_FEAT = 0x010,
    DEV_FEAT_SEL = 0x014, DRV_FEAT = 0x020, DRV_FEAT_SEL = 0x024, QSEL = 0x030,
    QNUM_MAX = 0x034, QNUM = 0x038, QREADY = 0x044, QNOTIFY = 0x050, ISR = 0x060,
    IACK = 0x064, STATUS = 0x070, QDESC = 0x080, QDRIVER = 0x090, QDEVICE = 0x0a0,
    CONFIG = 0x100
};
#define F_NEXT 1
#define F_WRITE 2
#define F_INDIRECT 4
#define NEEDS_RESET 0x40u
#define F_INDIRECT_BIT (1ull << 28)
#define F_VERSION_1 (1ull << 32)

static struct hv_vm *vm;
static struct hvf_virtio *slot[4];
static struct hv_blockdev *disk;
static int irq_level[9];
static char disk_path[64];

static int irq_requests[9];     /* assertions signalled: each is a request to the PLIC */

static void irq_set(void *opaque, unsigned irq, int level)
{
    irq_level[irq] = level;
    if (level)
        irq_requests[irq]++;
}

static void setup(void)
{
    char err[256];
    vm = calloc(1, sizeof(*vm));
    hv_config_init(&vm->cfg);
    cr_assert_eq(hv__mem_init(&vm->mem, 1ull << 32, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(hv__mem_map(&vm->mem, RAM, RAM_SIZE, HV_REGION_RAM, HV_MEM_RAM, err,
                             sizeof(err)), 0);
    cr_assert_eq(hv__mem_map(&vm->mem, 0x1000, 0x1000, HV_REGION_ROM, HV_MEM_ROM, err,
                             sizeof(err)), 0);
    hv__clock_init(&vm->clock, false, 0);
    for (unsigned i = 0; i < 4; i++) {
        struct hv_irq_line l = { .set = irq_set, .irq = 1 + i };
        cr_assert_eq(hvf_virtio_create(vm, SLOT(i), l, &slot[i], err, sizeof(err)), 0, "%s", err);
    }
}

static void teardown(void)
{
    for (unsigned i = 0; i < 4; i++)
        hvf_virtio_destroy(slot[i]);
    hv__blockdev_close(disk);
    disk = NULL;
    if (disk_path[0])
        unlink(disk_path);
    hv__mem_fini(&vm->mem);
    free(vm);
}

TestSuite(virtio, .init = setup, .fini = teardown);

/* ---- register access ---------------------------------------------------------------- */

static struct hv_region *region(uint64_t gpa)
{
    struct hv_region *r = hv__mem_find(&vm->mem, gpa);
    cr_assert_not_null(r);
    return r;
}

static uint32_t mr(uint64_t base, uint64_t off)
{
    struct hv_region *r = region(base);
    uint64_t v = 0xdeadbeef;
    cr_assert_eq(r->ops->read(r->opaque, off, 4, &v), 0);
    return (uint32_t)v;
}

static void mw(uint64_t base, uint64_t off, uint32_t v)
{
    struct hv_region *r = region(base);
    cr_assert_eq(r->ops->write(r->opaque, off, 4, v), 0);
}

static uint8_t *ram(uint64_t gpa, uint64_t len)
{
    uint8_t *p = hv__mem_hva(&vm->mem, gpa, len);
    cr_assert_not_null(p);
    return p;
}

/* ---- the fake driver ------------------------------------------------------------------ */

struct drv {
    uint64_t base;
    unsigned q, num;
    uint64_t desc, avail, used;
    uint16_t aidx;
};

static uint64_t dev_features(uint64_t base)
{
    mw(base, DEV_FEAT_SEL, 0);
    uint64_t lo = mr(base, DEV_FEAT);
    mw(base, DEV_FEAT_SEL, 1);
    return lo | ((uint64_t)mr(base, DEV_FEAT) << 32);
}

/* Reset, negotiate `want` & offered, leave status at FEATURES_OK. */
static void drv_begin(uint64_t base, uint64_t want)
{
    mw(base, STATUS, 0);
    mw(base, STATUS, 1);
    mw(base, STATUS, 3);
    uint64_t f = dev_features(base) & want;
    mw(base, DRV_FEAT_SEL, 0);
    mw(base, DRV_FEAT, (uint32_t)f);
    mw(base, DRV_FEAT_SEL, 1);
    mw(base, DRV_FEAT, (uint32_t)(f >> 32));
    mw(base, STATUS, 0xb);
    cr_assert_eq(mr(base, STATUS), 0xb, "FEATURES_OK accepted");
}

static void drv_queue(struct drv *d, uint64_t base, unsigned q, unsigned num, uint64_t rings)
{
    *d = (struct drv){ .base = base, .q = q, .num = num, .desc = rings,
                       .avail = rings + 0x1000, .used = rings + 0x2000 };
    memset(ram(rings, 0x3000), 0, 0x3000);
    mw(base, QSEL, q);
    mw(base, QNUM, num);
    mw(base, QDESC, (uint32_t)d->desc);
    mw(base, QDESC + 4, (uint32_t)(d->desc >> 32));
    mw(base, QDRIVER, (uint32_t)d->avail);
    mw(base, QDRIVER + 4, (uint32_t)(d->avail >> 32));
    mw(base, QDEVICE, (uint32_t)d->used);
    mw(base, QDEVICE + 4, (uint32_t)(d->used >> 32));
    mw(base, QREADY, 1);
}

static void drv_ok(uint64_t base) { mw(base, STATUS, 0xf); }

static void set_desc_at(uint64_t table, unsigned i, uint64_t addr, uint32_t len,
                        uint16_t flags, uint16_t next)
{
    uint8_t *p = ram(table + 16ull * i, 16);
    memcpy(p, &addr, 8);
    memcpy(p + 8, &len, 4);
    memcpy(p + 12, &flags, 2);
    memcpy(p + 14, &next, 2);
}

static void set_desc(struct drv *d, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    set_desc_at(d->desc, i, addr, len, flags, next);
}

static void post(struct drv *d, uint16_t head)
{
    uint16_t *av = (uint16_t *)ram(d->avail, 6 + 2 * d->num);
    av[2 + d->aidx % d->num] = head;
    d->aidx++;
    av[1] = d->aidx;
}

static void kick(struct drv *d) { mw(d->base, QNOTIFY, d->q); }
static void submit(struct drv *d, uint16_t head) { post(d, head); kick(d); }

static uint16_t used_idx(struct drv *d) { return *(uint16_t *)ram(d->used + 2, 2); }

static void used_elem(struct drv *d, unsigned n, uint32_t *id, uint32_t *len)
{
    uint8_t *p = ram(d->used + 4 + 8ull * (n % d->num), 8);
    memcpy(id, p, 4);
    memcpy(len, p + 4, 4);
}

static bool needs_reset(uint64_t base) { return mr(base, STATUS) & NEEDS_RESET; }

/* ---- virtio-blk helpers ----------------------------------------------------------------- */

#define HDR RAM + 0x100000ull
#define DATA RAM + 0x200000ull
#define STAT RAM + 0x300000ull

static void open_disk(bool file, bool ro)
{
    char err[256];
    struct hv_disk_config dc = { .mem_size = DISK_SIZE, .readonly = ro };
    if (file) {
        strcpy(disk_path, "/tmp/hv-virtio-XXXXXX");
        int fd = mkstemp(disk_path);
        cr_assert_geq(fd, 0);
        cr_assert_eq(ftruncate(fd, DISK_SIZE), 0);
        close(fd);
        dc.path = disk_path;
    }
    cr_assert_eq(hv__blockdev_open(&dc, &disk, err, sizeof(err)), 0, "%s", err);
}

static void blk_setup(struct drv *d, bool file, bool ro, uint64_t want)
{
    char err[256];
    open_disk(file, ro);
    cr_assert_eq(hvf_virtio_blk_attach(slot[0], disk, "hv-disk-0", err, sizeof(err)), 0, "%s", err);
    drv_begin(SLOT(0), want);
    drv_queue(d, SLOT(0), 0, 16, RAM);
    drv_ok(SLOT(0));
}

static void blk_hdr(uint32_t type, uint64_t sector)
{
    uint8_t *p = ram(HDR, 16);
    memset(p, 0, 16);
    memcpy(p, &type, 4);
    memcpy(p + 8, &sector, 8);
    *ram(STAT, 1) = 0xff;
}

/* header -> data (len, device-writable if `in`) -> status, as descriptors 0, 1, 2. */
static void blk_req(struct drv *d, uint32_t type, uint64_t sector, uint32_t len, bool in)
{
    blk_hdr(type, sector);
    set_desc(d, 0, HDR, 16, F_NEXT, 1);
    if (len) {
        set_desc(d, 1, DATA, len, F_NEXT | (in ? F_WRITE : 0), 2);
        set_desc(d, 2, STAT, 1, F_WRITE, 0);
    } else {
        set_desc(d, 0, HDR, 16, F_NEXT, 2);
        set_desc(d, 2, STAT, 1, F_WRITE, 0);
    }
    submit(d, 0);
}

static uint8_t status_byte(void) { return *ram(STAT, 1); }

/* ---- registers ---------------------------------------------------------------------------- */

Test(virtio, empty_slot_identity)
{
    cr_assert_eq(mr(SLOT(0), MAGIC), 0x74726976);
    cr_assert_eq(mr(SLOT(0), VERSION), 2);
    cr_assert_eq(mr(SLOT(0), DEVICE_ID), 0);
    cr_assert_eq(mr(SLOT(0), VENDOR), 0x554d4551);
    cr_assert_eq(mr(SLOT(0), QNUM_MAX), 0);
    mw(SLOT(0), STATUS, 0xf);
    cr_assert_eq(mr(SLOT(0), STATUS), 0);
    cr_assert_eq(hvf_virtio_device_id(slot[0]), 0);
    hvf_virtio_poll(slot[0]);
}

Test(virtio, register_access_sizes)
{
    struct hv_region *r = region(SLOT(0));
    uint64_t v;
    cr_assert_lt(r->ops->read(r->opaque, MAGIC, 1, &v), 0);
    cr_assert_lt(r->ops->read(r->opaque, MAGIC, 8, &v), 0);
    cr_assert_lt(r->ops->read(r->opaque, 2, 4, &v), 0);
    cr_assert_lt(r->ops->write(r->opaque, STATUS, 2, 1), 0);
    cr_assert_eq(r->ops->read(r->opaque, CONFIG, 1, &v), 0, "config space: any size");
    cr_assert_lt(r->ops->read(r->opaque, CONFIG + 1, 2, &v), 0, "but aligned");
    cr_assert_lt(r->ops->read(r->opaque, CONFIG, 3, &v), 0);
}

Test(virtio, blk_identity_features_config)
{
    struct drv d;
    open_disk(false, false);
    char err[128];
    cr_assert_eq(hvf_virtio_blk_attach(slot[0], disk, NULL, err, sizeof(err)), 0);
    cr_assert_eq(hvf_virtio_blk_attach(slot[0], disk, NULL, err, sizeof(err)), HV_EBUSY);
    cr_assert_eq(mr(SLOT(0), DEVICE_ID), 2);
    cr_assert_eq(hvf_virtio_device_id(slot[0]), 2);
    uint64_t f = dev_features(SLOT(0));
    cr_assert(f & F_VERSION_1);
    cr_assert(f & F_INDIRECT_BIT);
    cr_assert(f & (1u << 9), "FLUSH");
    cr_assert(f & (1u << 13), "DISCARD");
    cr_assert_not(f & (1u << 5), "not RO");
    mw(SLOT(0), DEV_FEAT_SEL, 7);
    cr_assert_eq(mr(SLOT(0), DEV_FEAT), 0);
    mw(SLOT(0), QSEL, 0);
    cr_assert_eq(mr(SLOT(0), QNUM_MAX), 256);
    mw(SLOT(0), QSEL, 1);
    cr_assert_eq(mr(SLOT(0), QNUM_MAX), 0, "only one queue");
    struct hv_region *r = region(SLOT(0));
    uint64_t v;
    cr_assert_eq(r->ops->read(r->opaque, CONFIG, 8, &v), 0);
    cr_assert_eq(v, DISK_SIZE / 512, "capacity in sectors");
    cr_assert_eq(r->ops->read(r->opaque, CONFIG + 20, 4, &v), 0);
    cr_assert_eq(v, 512, "blk_size");
    cr_assert_eq(r->ops->read(r->opaque, CONFIG + 0x200, 4, &v), 0);
    cr_assert_eq(v, 0, "beyond the config");
    (void)d;
}

/* Two negotiations the device must refuse: features never offered, in word 1 next to
 * VERSION_1, then in word 0. `between` runs after the first. (A driver that only leaves
 * out VERSION_1 is accepted, as on QEMU: features_ok_without_version_1.) */
static void refused_negotiations(uint64_t base, void (*between)(void))
{
    mw(base, STATUS, 3);
    mw(base, DRV_FEAT_SEL, 1);
    mw(base, DRV_FEAT, 1 | (1u << 10));   /* VERSION_1 + a bit never offered */
    mw(base, STATUS, 0xb);
    cr_assert_eq(mr(base, STATUS) & 8, 0, "FEATURES_OK refused");
    if (between)
        between();
    mw(base, STATUS, 0);
    mw(base, STATUS, 3);
    mw(base, DRV_FEAT_SEL, 0);
    mw(base, DRV_FEAT, 1u << 29);         /* word 0, but a bit never offered */
    mw(base, STATUS, 0xb);
    cr_assert_eq(mr(base, STATUS) & 8, 0);
}

Test(virtio, feature_negotiation)
{
    open_disk(false, false);
    char err[128];
    cr_assert_eq(hvf_virtio_blk_attach(slot[0], disk, NULL, err, sizeof(err)), 0);
    refused_negotiations(SLOT(0), NULL);
    drv_begin(SLOT(0), ~0ull);
}

/* Refusals are logged (hv run -v): one line naming the slot, the device, the register and
 * the reason; a guest that repeats them is rate-limited, deterministically (by count). */
static char logged[64][512];
static unsigned nlogged, ncalls;

static void capture_log(void *opaque, enum hv_log_level level, const char *msg)
{
    (void)opaque;
    cr_assert_leq(level, HV_LOG_INFO, "refusals are logged at INFO or above");
    if (nlogged < 64)
        snprintf(logged[nlogged++], sizeof(logged[0]), "%s", msg);
    ncalls++;
}

static void start_capture(void)
{
    vm->cfg.log = capture_log;
    vm->cfg.log_level = HV_LOG_DEBUG;
    nlogged = ncalls = 0;
}

static bool log_has(const char *a, const char *b)
{
    for (unsigned i = 0; i < nlogged; i++)
        if (strstr(logged[i], a) && (!b || strstr(logged[i], b)))
            return true;
    return false;
}

Test(virtio, refusals_are_logged_rate_limited)
{
    open_disk(false, false);
    char err[128];
    cr_assert_eq(hvf_virtio_blk_attach(slot[0], disk, NULL, err, sizeof(err)), 0);
    uint64_t base = SLOT(0);
    /* Without a log callback nothing is formatted or counted: the first refusal happens
     * with logging off, the second with it on. */
    refused_negotiations(base, start_capture);
    cr_assert_eq(nlogged, 1);
    cr_assert(log_has("virtio-mmio@0x10001000 (blk): Status: FEATURES_OK refused: driver "
                      "features 0x20000000 include 0x20000000, which the device does not "
                      "offer", NULL), "%s", logged[0]);
    mw(base, STATUS, 0);
    mw(base, STATUS, 3);
    mw(base, DRV_FEAT_SEL, 1);
    mw(base, DRV_FEAT, 1 | (1u << 10));   /* VERSION_1 + a bit never offered */
    mw(base, STATUS, 0xb);
    cr_assert(log_has("virtio-mmio@0x10001000 (blk): Status: FEATURES_OK refused",
                      "include 0x40000000000,"), "%s", logged[1]);
    /* Wrong widths, read-only registers, a queue the device lacks. */
    struct hv_region *r = region(base);
    uint64_t v;
    cr_assert_eq(r->ops->read(r->opaque, STATUS, 2, &v), HV_EINVAL);
    cr_assert(log_has("register 0x70: 2-byte read", "refused"));
    mw(base, MAGIC, 1);
    cr_assert(log_has("register 0: write of 0x1 ignored: read-only", NULL));
    mw(base, QSEL, 7);
    mw(base, QNUM, 8);
    cr_assert(log_has("QueueSel 7, the device has 1 queues", NULL));
    mw(base, QNOTIFY, 0);
    cr_assert(log_has("QueueNotify: queue 0 ignored: queue not ready", NULL));
    /* 16 lines, then one in 1000: 2016 more refusals give 2 more lines. */
    unsigned before = ncalls;
    cr_assert_lt(before, HV__LOG_BURST);
    for (unsigned i = 0; i < HV__LOG_BURST - before + 2 * HV__LOG_EVERY; i++)
        mw(base, MAGIC, 2);
    cr_assert_eq(ncalls, HV__LOG_BURST + 2, "%u calls", ncalls);
    cr_assert(log_has("1 in 1000", NULL));
    cr_assert(log_has("999 similar messages skipped", NULL));
    vm->cfg.log = NULL;
}

/* Issue 17 item 9: a driver written against QEMU reads feature word 0 (never selecting
 * word 1), writes it back without VERSION_1 and sets FEATURES_OK. QEMU accepts it; so do
 * we, and the device then works as usual. */
Test(virtio, features_ok_without_version_1)
{
    open_disk(false, false);
    char err[128];
    cr_assert_eq(hvf_virtio_blk_attach(slot[0], disk, NULL, err, sizeof(err)), 0);
    uint64_t base = SLOT(0);
    memset(ram(DATA, 512), 0x5a, 512);
    cr_assert_eq(hv__blockdev_write(disk, ram(DATA, 512), 512, 3 * 512), 0);
    mw(base, STATUS, 0);
    mw(base, STATUS, 1);
    mw(base, STATUS, 3);
    uint32_t f = mr(base, DEV_FEAT);      /* DeviceFeaturesSel is still 0 */
    mw(base, DRV_FEAT, f & ~(1u << 5));   /* not read-only, the rest as offered */
    mw(base, STATUS, 0xb);
    cr_assert_eq(mr(base, STATUS), 0xb, "FEATURES_OK accepted without VERSION_1");
    cr_assert_eq(hvf_virtio_driver_features(slot[0]) & F_VERSION_1, 0);
    mw(base, DRV_FEAT_SEL, 1);
    mw(base, DRV_FEAT, 1);                /* features are frozen once FEATURES_OK is set */
    cr_assert_eq(hvf_virtio_driver_features(slot[0]) & F_VERSION_1, 0);
    struct drv d;
    drv_queue(&d, base, 0, 16, RAM);
    drv_ok(base);
    cr_assert_eq(mr(base, STATUS), 0xf);
    memset(ram(DATA, 512), 0, 512);
    blk_req(&d, 0, 3, 512, true);         /* VIRTIO_BLK_T_IN */
    cr_assert_eq(used_idx(&d), 1);
    cr_assert_eq(status_byte(), 0);
    for (unsigned i = 0; i < 512; i++)
        cr_assert_eq(ram(DATA, 512)[i], 0x5a);
    cr_assert_eq(mr(base, ISR) & 1, 1);
}

/* ---- virtio-blk ---------------------------------------------------------------------------- */

Test(virtio, blk_write_read_file_and_interrupts)
{
    struct drv d;
    blk_setup(&d, true, false, ~0ull);
    memset(ram(DATA, 1024), 0x3c, 1024);
    memcpy(ram(DATA, 5), "HELLO", 5);
    blk_req(&d, 1 /* OUT */, 4, 1024, false);
    cr_assert_eq(status_byte(), 0);
    cr_assert_eq(used_idx(&d), 1);
    uint32_t id, len;
    used_elem(&d, 0, &id, &len);
    cr_assert_eq(id, 0);
    cr_assert_eq(len, 1, "only the status byte was written");
    cr_assert_eq(mr(SLOT(0), ISR), 1);
    cr_assert_eq(irq_level[1], 1);
    mw(SLOT(0), IACK, 1);
    cr_assert_eq(irq_level[1], 0);
    cr_assert_eq(mr(SLOT(0), ISR), 0);

    /* the bytes are in the file */
    char got[6] = { 0 };
    int fd = open(disk_path, O_RDONLY);
    cr_assert_eq(pread(fd, got, 5, 4 * 512), 5);
    close(fd);
    cr_assert_str_eq(got, "HELLO");

    memset(ram(DATA, 1024), 0, 1024);
    blk_req(&d, 0 /* IN */, 4, 1024, true);
    cr_assert_eq(status_byte(), 0);
    used_elem(&d, 1, &id, &len);
    cr_assert_eq(len, 1025);
    cr_assert_eq(memcmp(ram(DATA, 5), "HELLO", 5), 0);
    cr_assert_eq(ram(DATA, 1024)[1023], 0x3c);

    blk_req(&d, 0, DISK_SIZE / 512, 512, true);
    cr_assert_eq(status_byte(), 1, "beyond the disk: IOERR");
    blk_req(&d, 0, 0, 100, true);
    cr_assert_eq(status_byte(), 1, "partial sector: IOERR");
    blk_req(&d, 99, 0, 0, false);
    cr_assert_eq(status_byte(), 2, "unknown type: UNSUPP");
    cr_assert_not(needs_reset(SLOT(0)));
}

Test(virtio, blk_flush_get_id_discard)
{
    struct drv d;
    blk_setup(&d, false, false, ~0ull);
    blk_req(&d, 4 /* FLUSH */, 0, 0, false);
    cr_assert_eq(status_byte(), 0);

    memset(ram(DATA, 64), 0xee, 64);
    blk_req(&d, 8 /* GET_ID */, 0, 64, true);
    cr_assert_eq(status_byte(), 0);
    cr_assert_str_eq((char *)ram(DATA, 20), "hv-disk-0");
    uint32_t id, len;
    used_elem(&d, 1, &id, &len);
    cr_assert_eq(len, 21);

    uint8_t ones[2048];
    memset(ones, 0xff, sizeof(ones));
    cr_assert_eq(hv__blockdev_write(disk, ones, sizeof(ones), 0), 0);
    struct { uint64_t sector; uint32_t num, flags; } seg = { 1, 2, 0 };
    memcpy(ram(DATA, 16), &seg, 16);
    blk_req(&d, 11 /* DISCARD */, 0, 16, false);
    cr_assert_eq(status_byte(), 0);
    uint8_t back[2048];
    cr_assert_eq(hv__blockdev_read(disk, back, sizeof(back), 0), 0);
    cr_assert_eq(back[511], 0xff);
    cr_assert_eq(back[512], 0);
    cr_assert_eq(back[1535], 0);
    cr_assert_eq(back[1536], 0xff);

    seg.flags = 0x80;                     /* undefined flag */
    memcpy(ram(DATA, 16), &seg, 16);
    blk_req(&d, 11, 0, 16, false);
    cr_assert_eq(status_byte(), 2);
    blk_req(&d, 11, 0, 15, false);        /* not a whole segment */
    cr_assert_eq(status_byte(), 2);
    seg = (typeof(seg)){ DISK_SIZE / 512, 1, 0 };
    memcpy(ram(DATA, 16), &seg, 16);
    blk_req(&d, 11, 0, 16, false);
    cr_assert_eq(status_byte(), 1);
}

Test(virtio, blk_split_header_and_indirect)
{
    struct drv d;
    blk_setup(&d, false, false, ~0ull);
    memcpy(ram(DATA, 8), "SPLITHDR", 8);
    /* header in two pieces, data, status: the device must not assume framing */
    blk_hdr(1, 7);
    set_desc(&d, 3, HDR, 5, F_NEXT, 9);
    set_desc(&d, 9, HDR + 5, 11, F_NEXT, 4);
    set_desc(&d, 4, DATA, 512, F_NEXT, 5);
    set_desc(&d, 5, STAT, 1, F_WRITE, 0);
    submit(&d, 3);
    cr_assert_eq(status_byte(), 0);
    char got[8];
    cr_assert_eq(hv__blockdev_read(disk, got, 8, 7 * 512), 0);
    cr_assert_eq(memcmp(got, "SPLITHDR", 8), 0);

    /* the same read through an indirect table; data and status in one writable buffer */
    uint64_t table = RAM + 0x400000;
    blk_hdr(0, 7);
    set_desc_at(table, 0, HDR, 16, F_NEXT, 1);
    set_desc_at(table, 1, DATA + 0x1000, 513, F_WRITE, 0);
    set_desc(&d, 6, table, 32, F_INDIRECT, 0);
    submit(&d, 6);
    cr_assert_not(needs_reset(SLOT(0)));
    cr_assert_eq(*ram(DATA + 0x1000 + 512, 1), 0, "status at the end of the writable stream");
    cr_assert_eq(memcmp(ram(DATA + 0x1000, 8), "SPLITHDR", 8), 0);
}

/* The PLIC pends a source per signalled assertion (plic.c): every completion notified is
 * a new request even while the line is already high, and an acknowledgement that leaves
 * bits set signals the line again (as QEMU's transport); one that clears all drops it. */
Test(virtio, interrupt_request_per_notification)
{
    struct drv d;
    blk_setup(&d, false, false, ~0ull);
    int base = irq_requests[1];
    blk_req(&d, 0, 0, 512, true);
    cr_assert_eq(irq_level[1], 1);
    cr_assert_eq(irq_requests[1], base + 1);
    blk_req(&d, 0, 1, 512, true);        /* not acknowledged yet: the line stays high */
    cr_assert_eq(irq_requests[1], base + 2, "a new completion is a new request");
    mw(SLOT(0), IACK, 2);                /* acknowledges a bit that is not set */
    cr_assert_eq(irq_level[1], 1);
    cr_assert_eq(irq_requests[1], base + 3, "still pending: signalled again");
    mw(SLOT(0), IACK, 1);
    cr_assert_eq(irq_level[1], 0);
    cr_assert_eq(irq_requests[1], base + 3);
}

Test(virtio, blk_read_only)
{
    struct drv d;
    blk_setup(&d, false, true, ~0ull);
    cr_assert(dev_features(SLOT(0)) & (1u << 5), "RO offered");
    cr_assert_not(dev_features(SLOT(0)) & (1u << 13), "no DISCARD on a read-only disk");
    blk_req(&d, 1, 0, 512, false);
    cr_assert_eq(status_byte(), 1);
    blk_req(&d, 0, 0, 512, true);
    cr_assert_eq(status_byte(), 0);
}

Test(virtio, blk_missing_status_needs_reset)
{
    struct drv d;
    blk_setup(&d, false, false, ~0ull);
    blk_hdr(0, 0);
    set_desc(&d, 0, HDR, 16, 0, 0);
    submit(&d, 0);
    cr_assert(needs_reset(SLOT(0)));
    cr_assert_eq(mr(SLOT(0), ISR) & 2, 2, "config-change interrupt");
    cr_assert_eq(irq_level[1], 1);
}

Test(virtio, no_interrupt_flag_respected)
{
    struct drv d;
    blk_setup(&d, false, false, ~0ull);
    *(uint16_t *)ram(d.avail, 2) = 1;     /* VIRTQ_AVAIL_F_NO_INTERRUPT */
    blk_req(&d, 4, 0, 0, false);
    cr_assert_eq(used_idx(&d), 1);
    cr_assert_eq(mr(SLOT(0), ISR), 0);
    cr_assert_eq(irq_level[1], 0);
}

Test(virtio, batch_of_requests)
{
    struct drv d;
    blk_setup(&d, false, false, ~0ull);
    /* three flushes posted, one kick */
    for (unsigned i = 0; i < 3; i++) {
        set_desc(&d, 2 * i, HDR, 16, F_NEXT, (uint16_t)(2 * i + 1));
        set_desc(&d, 2 * i + 1, STAT + i, 1, F_WRITE, 0);
        post(&d, (uint16_t)(2 * i));
    }
    blk_hdr(4, 0);
    kick(&d);
    cr_assert_eq(used_idx(&d), 3);
    uint32_t id, len;
    used_elem(&d, 2, &id, &len);
    cr_assert_eq(id, 4);
}

/* ---- hostile drivers ------------------------------------------------------------------------ */

Test(virtio, hostile_loop_then_reset_recovers)
{
    struct drv d;
    blk_setup(&d, false, false, ~0ull);
    blk_hdr(0, 0);
    set_desc(&d, 0, HDR, 16, F_NEXT, 1);
    set_desc(&d, 1, DATA, 512, F_NEXT | F_WRITE, 0);   /* 1 -> 0 -> 1 ... */
    submit(&d, 0);
    cr_assert(needs_reset(SLOT(0)));
    cr_assert_eq(used_idx(&d), 0);
    submit(&d, 0);                        /* ignored while broken */
    cr_assert_eq(used_idx(&d), 0);
    /* a write of the writable self-loop: 2 -> 2 */
    mw(SLOT(0), STATUS, 0);
    cr_assert_eq(mr(SLOT(0), STATUS), 0);
    cr_assert_eq(mr(SLOT(0), ISR), 0);
    cr_assert_eq(irq_level[1], 0);
    drv_begin(SLOT(0), ~0ull);
    drv_queue(&d, SLOT(0), 0, 16, RAM);
    drv_ok(SLOT(0));
    set_desc(&d, 2, STAT, 1, F_WRITE | F_NEXT, 2);
    set_desc(&d, 0, HDR, 16, F_NEXT, 2);
    submit(&d, 0);
    cr_assert(needs_reset(SLOT(0)));
    mw(SLOT(0), STATUS, 0);
    drv_begin(SLOT(0), ~0ull);
    drv_queue(&d, SLOT(0), 0, 16, RAM);
    drv_ok(SLOT(0));
    blk_req(&d, 4, 0, 0, false);
    cr_assert_eq(status_byte(), 0, "works again after reset");
}

static void expect_broken(struct drv *d, uint16_t head)
{
    submit(d, head);
    cr_assert(needs_reset(SLOT(0)));
    cr_assert_eq(used_idx(d), 0);
}

Test(virtio, hostile_buffer_outside_ram)
{
    struct drv d;
    blk_setup(&d, false, false, ~0ull);
    blk_hdr(0, 0);
    set_desc(&d, 0, HDR, 16, F_NEXT, 1);
    set_desc(&d, 1, RAM + RAM_SIZE - 256, 512, F_NEXT | F_WRITE, 2);
    set_desc(&d, 2, STAT, 1, F_WRITE, 0);
    expect_broken(&d, 0);
}

Test(virtio, hostile_wrapping_address)
{
    struct drv d;
    blk_setup(&d, false, false, ~0ull);
    set_desc(&d, 0, HDR, 16, F_NEXT, 1);
    set_desc(&d, 1, 0xfffffffffffffe00ull, 0x400, F_NEXT | F_WRITE, 2);
    set_desc(&d, 2, STAT, 1, F_WRITE, 0);
    expect_broken(&d, 0);
}

Test(virtio, hostile_huge_length)
{
    struct drv d;
    blk_setup(&d, false, false, ~0ull);
    set_desc(&d, 0, HDR, 16, F_NEXT, 1);
    set_desc(&d, 1, RAM, 0xffffffffu, F_NEXT | F_WRITE, 2);
    set_desc(&d, 2, STAT, 1, F_WRITE, 0);
    expect_broken(&d, 0);
}

Test(virtio, hostile_write_into_rom)
{
    struct drv d;
    blk_setup(&d, false, false, ~0ull);
    set_desc(&d, 0, HDR, 16, F_NEXT, 1);
    set_desc(&d, 1, 0x1000, 512, F_NEXT | F_WRITE, 2);
    set_desc(&d, 2, STAT, 1, F_WRITE, 0);
    expect_broken(&d, 0);
}

Test(virtio, hostile_readable_after_writable)
{
    struct drv d;
    blk_setup(&d, false, false, ~0ull);
    set_desc(&d, 0, STAT, 1, F_NEXT | F_WRITE, 1);
    set_desc(&d, 1, HDR, 16, 0, 0);
    expect_broken(&d, 0);
}

Test(virtio, hostile_indexes)
{
    struct drv d;
    blk_setup(&d, false, false, ~0ull);
    set_desc(&d, 0, HDR, 16, F_NEXT, 16);  /* next beyond the table */
    expect_broken(&d, 0);
}

Test(virtio, hostile_head_out_of_range)
{
    struct drv d;
    blk_setup(&d, false, false, ~0ull);
    expect_broken(&d, 200);
}

Test(virtio, hostile_avail_jump)
{
    struct drv d;
    blk_setup(&d, false, false, ~0ull);
    blk_hdr(4, 0);
    set_desc(&d, 0, HDR, 16, F_NEXT, 1);
    set_desc(&d, 1, STAT, 1, F_WRITE, 0);
    uint16_t *av = (uint16_t *)ram(d.avail, 4);
    av[1] = 17;                           /* 17 new entries in a 16-entry ring */
    kick(&d);
    cr_assert(needs_reset(SLOT(0)));
    cr_assert_eq(used_idx(&d), 0);
}

Test(virtio, hostile_indirect)
{
    struct drv d;
    uint64_t table = RAM + 0x400000;
    /* not negotiated */
    blk_setup(&d, false, false, ~F_INDIRECT_BIT);
    set_desc_at(table, 0, HDR, 16, 0, 0);
    set_desc(&d, 0, table, 16, F_INDIRECT, 0);
    expect_broken(&d, 0);

    /* nested indirect */
    mw(SLOT(0), STATUS, 0);
    drv_begin(SLOT(0), ~0ull);
    drv_queue(&d, SLOT(0), 0, 16, RAM);
    drv_ok(SLOT(0));
    set_desc_at(table, 0, table, 16, F_INDIRECT, 0);
    expect_broken(&d, 0);

    /* loop inside the table */
    mw(SLOT(0), STATUS, 0);
    drv_begin(SLOT(0), ~0ull);
    drv_queue(&d, SLOT(0), 0, 16, RAM);
    drv_ok(SLOT(0));
    set_desc_at(table, 0, HDR, 16, F_NEXT, 1);
    set_desc_at(table, 1, STAT, 1, F_NEXT | F_WRITE, 1);
    set_desc(&d, 0, table, 32, F_INDIRECT, 0);
    expect_broken(&d, 0);

    /* table length not a multiple of 16, table outside RAM, INDIRECT|NEXT */
    const struct { uint64_t addr; uint32_t len; uint16_t flags; } bad[] = {
        { table, 24, F_INDIRECT }, { RAM + RAM_SIZE - 16, 32, F_INDIRECT },
        { table, 32, F_INDIRECT | F_NEXT }, { table, 0, F_INDIRECT },
        { table, 0x100000, F_INDIRECT },
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mw(SLOT(0), STATUS, 0);
        drv_begin(SLOT(0), ~0ull);
        drv_queue(&d, SLOT(0), 0, 16, RAM);
        drv_ok(SLOT(0));
        set_desc_at(table, 0, HDR, 16, F_NEXT, 1);
        set_desc_at(table, 1, STAT, 1, F_WRITE, 0);
        set_desc(&d, 0, bad[i].addr, bad[i].len, bad[i].flags, 1);
        set_desc(&d, 1, STAT, 1, F_WRITE, 0);
        submit(&d, 0);
        cr_assert(needs_reset(SLOT(0)), "case %u", i);
    }
}

static void queue_refused(uint64_t base, unsigned num, uint64_t rings, const char *what)
{
    mw(base, STATUS, 0);
    drv_begin(base, ~0ull);
    mw(base, QSEL, 0);
    mw(base, QNUM, num);
    mw(base, QDESC, (uint32_t)rings);
    mw(base, QDESC + 4, (uint32_t)(rings >> 32));
    mw(base, QDRIVER, (uint32_t)(rings + 0x1000));
    mw(base, QDRIVER + 4, (uint32_t)((rings + 0x1000) >> 32));
    mw(base, QDEVICE, (uint32_t)(rings + 0x2000));
    mw(base, QDEVICE + 4, (uint32_t)((rings + 0x2000) >> 32));
    mw(base, QREADY, 1);
    cr_assert_eq(mr(base, QREADY), 0, "%s", what);
    cr_assert(needs_reset(base), "%s", what);
    mw(base, QNOTIFY, 0);                 /* harmless */
}

Test(virtio, hostile_queue_setup)
{
    open_disk(false, false);
    char err[128];
    cr_assert_eq(hvf_virtio_blk_attach(slot[0], disk, NULL, err, sizeof(err)), 0);
    queue_refused(SLOT(0), 0, RAM, "size 0");
    queue_refused(SLOT(0), 3, RAM, "size 3");
    queue_refused(SLOT(0), 512, RAM, "size above QueueNumMax");
    queue_refused(SLOT(0), 16, RAM + 8, "misaligned table");
    queue_refused(SLOT(0), 16, RAM + RAM_SIZE - 0x1000, "rings beyond RAM");
    queue_refused(SLOT(0), 16, 0x40000000, "rings in a hole");
    queue_refused(SLOT(0), 16, 0xfffffffffffff000ull, "rings wrapping");
    /* selecting a queue that does not exist changes nothing */
    mw(SLOT(0), STATUS, 0);
    mw(SLOT(0), QSEL, 3);
    mw(SLOT(0), QNUM, 8);
    mw(SLOT(0), QREADY, 1);
    cr_assert_eq(mr(SLOT(0), QREADY), 0);
    cr_assert_not(needs_reset(SLOT(0)));
}

Test(virtio, overlapping_buffer_over_own_ring)
{
    struct drv d;
    blk_setup(&d, false, false, ~0ull);
    /* A read whose destination is the descriptor table itself: the device must finish
     * the request it already decoded and stay sane (the next chain is what it is). */
    blk_hdr(0, 0);
    set_desc(&d, 0, HDR, 16, F_NEXT, 1);
    set_desc(&d, 1, d.desc, 512, F_NEXT | F_WRITE, 2);
    set_desc(&d, 2, STAT, 1, F_WRITE, 0);
    submit(&d, 0);
    cr_assert_eq(used_idx(&d), 1);
    cr_assert_eq(status_byte(), 0);
    cr_assert_eq(*(uint64_t *)ram(d.desc, 8), 0, "zeros from the fresh disk");
}

/* ---- virtio-rng ------------------------------------------------------------------------------ */

static void rng_read(unsigned s, bool det, uint64_t seed, uint64_t buf, uint32_t len)
{
    char err[128];
    cr_assert_eq(hvf_virtio_rng_attach(slot[s], det, seed, err, sizeof(err)), 0);
    cr_assert_eq(mr(SLOT(s), DEVICE_ID), 4);
    struct drv d;
    drv_begin(SLOT(s), ~0ull);
    drv_queue(&d, SLOT(s), 0, 8, RAM + 0x10000 * (s + 1));
    drv_ok(SLOT(s));
    memset(ram(buf, len), 0, len);
    set_desc(&d, 0, buf, len / 2, F_WRITE | F_NEXT, 1);
    set_desc(&d, 1, buf + len / 2, len - len / 2, F_WRITE, 0);
    submit(&d, 0);
    uint32_t id, ulen;
    cr_assert_eq(used_idx(&d), 1);
    used_elem(&d, 0, &id, &ulen);
    cr_assert_eq(ulen, len);
}

Test(virtio, rng_deterministic_and_random)
{
    rng_read(0, true, 42, DATA, 100);
    rng_read(1, true, 42, DATA + 0x1000, 100);
    rng_read(2, true, 43, DATA + 0x2000, 100);
    rng_read(3, false, 0, DATA + 0x3000, 100);
    cr_assert_eq(memcmp(ram(DATA, 100), ram(DATA + 0x1000, 100), 100), 0, "same seed");
    cr_assert_neq(memcmp(ram(DATA, 100), ram(DATA + 0x2000, 100), 100), 0, "other seed");
    static const uint8_t zero[100];
    cr_assert_neq(memcmp(ram(DATA + 0x3000, 100), zero, 100), 0, "host entropy");
}

/* ---- virtio-net ------------------------------------------------------------------------------ */

struct nic {
    struct drv rx, tx;
    struct hv_netdev *nd;
};

static void nic_setup_want(struct nic *n, unsigned s, struct hv_net *net,
                           enum hv_net_type type, uint64_t want)
{
    char err[128];
    struct hv_net_config nc = { .type = type, .hub = 7 };
    cr_assert_eq(hv__netdev_open(net, &nc, &n->nd, err, sizeof(err)), 0, "%s", err);
    const uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, (uint8_t)(0x56 + s) };
    cr_assert_eq(hvf_virtio_net_attach(slot[s], n->nd, mac, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(mr(SLOT(s), DEVICE_ID), 1);
    struct hv_region *r = region(SLOT(s));
    uint64_t v;
    cr_assert_eq(r->ops->read(r->opaque, CONFIG + 5, 1, &v), 0);
    cr_assert_eq(v, 0x56 + s, "MAC in config space");
    cr_assert_eq(r->ops->read(r->opaque, CONFIG + 6, 2, &v), 0);
    cr_assert_eq(v, 1, "link up");
    drv_begin(SLOT(s), want);
    uint64_t rings = RAM + 0x800000 + 0x10000ull * s;
    drv_queue(&n->rx, SLOT(s), 0, 16, rings);
    drv_queue(&n->tx, SLOT(s), 1, 16, rings + 0x4000);
    drv_ok(SLOT(s));
}

static void nic_setup(struct nic *n, unsigned s, struct hv_net *net, enum hv_net_type type)
{
    nic_setup_want(n, s, net, type, ~0ull);
}

static void nic_give_rx(struct nic *n, uint16_t i, uint64_t buf, uint32_t len)
{
    set_desc(&n->rx, i, buf, len, F_WRITE, 0);
    submit(&n->rx, i);
}

static void nic_send(struct nic *n, uint64_t buf, const char *payload)
{
    memset(ram(buf, 12), 0, 12);
    size_t len = strlen(payload);
    memcpy(ram(buf + 12, len), payload, len);
    set_desc(&n->tx, 0, buf, 12, F_NEXT, 1);
    set_desc(&n->tx, 1, buf + 12, (uint32_t)len, 0, 0);
    submit(&n->tx, 0);
}

Test(virtio, net_loopback)
{
    struct hv_net *net;
    char err[128];
    cr_assert_eq(hv__net_create(&net, NULL, err, sizeof(err)), 0);
    struct nic a;
    nic_setup(&a, 0, net, HV_NET_LOOPBACK);
    nic_send(&a, DATA, "frame-one-ethernet-payload");   /* no rx buffer yet: queued */
    cr_assert_eq(used_idx(&a.tx), 1);
    cr_assert_eq(used_idx(&a.rx), 0);
    nic_give_rx(&a, 0, DATA + 0x1000, 1526);
    cr_assert_eq(used_idx(&a.rx), 1);
    uint32_t id, len;
    used_elem(&a.rx, 0, &id, &len);
    cr_assert_eq(len, 12 + 26);
    cr_assert_eq(ram(DATA + 0x1000, 12)[10], 1, "num_buffers");
    cr_assert_eq(memcmp(ram(DATA + 0x1000 + 12, 26), "frame-one-ethernet-payload", 26), 0);
    cr_assert_eq(irq_level[1], 1);

    /* too small a buffer: returned empty, frame dropped */
    nic_give_rx(&a, 1, DATA + 0x2000, 16);
    nic_send(&a, DATA, "another-frame-longer-than-4");
    cr_assert_eq(used_idx(&a.rx), 2);
    used_elem(&a.rx, 1, &id, &len);
    cr_assert_eq(len, 0);

    hvf_virtio_destroy(slot[0]);
    slot[0] = NULL;
    hv__netdev_close(a.nd);
    hv__net_destroy(net);
}

/* A driver that did not acknowledge VERSION_1 (accepted as on QEMU) gets the legacy
 * 10-byte header, without num_buffers, in both directions. */
Test(virtio, net_legacy_header_without_version_1)
{
    struct hv_net *net;
    char err[128];
    cr_assert_eq(hv__net_create(&net, NULL, err, sizeof(err)), 0);
    struct nic a;
    nic_setup_want(&a, 0, net, HV_NET_LOOPBACK, ~F_VERSION_1);
    nic_give_rx(&a, 0, DATA + 0x1000, 1526);
    memset(ram(DATA + 0x1000, 64), 0xee, 64);
    const char *payload = "legacy-header-frame-payload";
    size_t plen = strlen(payload);
    memset(ram(DATA, 10), 0, 10);
    memcpy(ram(DATA + 10, plen), payload, plen);
    set_desc(&a.tx, 0, DATA, (uint32_t)(10 + plen), 0, 0);   /* header + frame, one buffer */
    submit(&a.tx, 0);
    cr_assert_eq(used_idx(&a.tx), 1);
    cr_assert_eq(used_idx(&a.rx), 1);
    uint32_t id, len;
    used_elem(&a.rx, 0, &id, &len);
    cr_assert_eq(len, 10 + plen);
    for (unsigned i = 0; i < 10; i++)
        cr_assert_eq(ram(DATA + 0x1000, 10)[i], 0, "header byte %u", i);
    cr_assert_eq(memcmp(ram(DATA + 0x1000 + 10, plen), payload, plen), 0);
    hvf_virtio_destroy(slot[0]);
    slot[0] = NULL;
    hv__netdev_close(a.nd);
    hv__net_destroy(net);
}

Test(virtio, net_hub)
{
    struct hv_net *net;
    char err[128];
    cr_assert_eq(hv__net_create(&net, NULL, err, sizeof(err)), 0);
    struct nic a, b, c;
    nic_setup(&a, 0, net, HV_NET_HUB);
    nic_setup(&b, 1, net, HV_NET_HUB);
    struct hv_net_config other = { .type = HV_NET_HUB, .hub = 8 };
    cr_assert_eq(hv__netdev_open(net, &other, &c.nd, err, sizeof(err)), 0);
    nic_give_rx(&a, 0, DATA + 0x1000, 1526);
    nic_give_rx(&b, 0, DATA + 0x2000, 1526);
    nic_send(&a, DATA, "hello-from-a");
    cr_assert_eq(used_idx(&a.rx), 0, "a hub does not echo");
    cr_assert_eq(used_idx(&b.rx), 0, "delivered on b's next poll");
    hvf_virtio_poll(slot[1]);
    cr_assert_eq(used_idx(&b.rx), 1);
    cr_assert_eq(memcmp(ram(DATA + 0x2000 + 12, 12), "hello-from-a", 12), 0);
    cr_assert_eq(irq_level[2], 1);
    cr_assert_eq(hv__netdev_peek(c.nd), 0, "other hub id");
    struct hv_netdev_stats st;
    hv__netdev_stats(a.nd, &st);
    cr_assert_eq(st.tx_frames, 1);
    hvf_virtio_destroy(slot[0]);
    hvf_virtio_destroy(slot[1]);
    slot[0] = slot[1] = NULL;
    hv__netdev_close(a.nd);
    hv__netdev_close(b.nd);
    hv__netdev_close(c.nd);
    hv__net_destroy(net);
}

/* A fabric shared between VMs (hv_config.net_fabric): each VM's hv__net_create takes a
 * reference; hub NICs of both "VMs" see each other's frames; the creator's release and
 * the VMs' destroys may come in any order, the last one frees it (ASan checks). */
Test(virtio, net_fabric_shared)
{
    hv_net_fabric *fab;
    char err[128];
    cr_assert_eq(hv_net_fabric_create(NULL), HV_EINVAL);
    cr_assert_eq(hv_net_fabric_create(&fab), 0);
    struct hv_net *vm1, *vm2, *own;
    cr_assert_eq(hv__net_create(&vm1, fab, err, sizeof(err)), 0);
    cr_assert_eq(hv__net_create(&vm2, fab, err, sizeof(err)), 0);
    cr_assert_eq(hv__net_create(&own, NULL, err, sizeof(err)), 0);
    cr_assert(vm1 == fab && vm2 == fab && own != fab);
    hv_net_fabric_release(fab);         /* the VMs keep it alive */
    struct hv_net_config hub = { .type = HV_NET_HUB, .hub = 3 };
    struct hv_netdev *a, *b, *c;
    cr_assert_eq(hv__netdev_open(vm1, &hub, &a, err, sizeof(err)), 0);
    cr_assert_eq(hv__netdev_open(vm2, &hub, &b, err, sizeof(err)), 0);
    cr_assert_eq(hv__netdev_open(own, &hub, &c, err, sizeof(err)), 0);
    uint8_t frame[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6 };
    cr_assert_eq(hv__netdev_send(a, frame, sizeof(frame)), 0);
    cr_assert_eq(hv__netdev_peek(b), sizeof(frame), "the other VM's NIC got it");
    cr_assert_eq(hv__netdev_peek(a), 0, "a hub does not echo");
    cr_assert_eq(hv__netdev_peek(c), 0, "a private fabric is not joined");
    uint8_t got[64];
    cr_assert_eq(hv__netdev_recv(b, got, sizeof(got)), sizeof(frame));
    cr_assert_eq(memcmp(got, frame, sizeof(frame)), 0);
    hv__netdev_close(a);
    hv__net_destroy(vm1);               /* VM 1 gone: VM 2 still sends into the fabric */
    cr_assert_eq(hv__netdev_send(b, frame, sizeof(frame)), 0);
    hv__netdev_close(b);
    hv__net_destroy(vm2);               /* the last reference */
    hv__netdev_close(c);
    hv__net_destroy(own);
}

Test(virtio, netdev_queue_bound)
{
    struct hv_net *net;
    char err[128];
    cr_assert_eq(hv__net_create(&net, NULL, err, sizeof(err)), 0);
    struct hv_netdev *nd;
    struct hv_net_config nc = { .type = HV_NET_LOOPBACK };
    cr_assert_eq(hv__netdev_open(net, &nc, &nd, err, sizeof(err)), 0);
    for (unsigned i = 0; i < HV_NET_RX_QUEUE + 5; i++)
        cr_assert_eq(hv__netdev_send(nd, "x", 1), 0);
    struct hv_netdev_stats st;
    hv__netdev_stats(nd, &st);
    cr_assert_eq(st.rx_dropped, 5);
    cr_assert_eq(hv__netdev_send(nd, "x", 0), HV_EINVAL);
    char big[4];
    cr_assert_eq(hv__netdev_recv(nd, big, sizeof(big)), 1);
    hv__netdev_close(nd);                 /* frees the queued frames */
    hv__net_destroy(net);
}
