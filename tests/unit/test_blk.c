/* SPDX-License-Identifier: MIT */
/* Unit tests for libhv/dev/blk.c, the shared block request engine: reads and writes over
 * several segments (memory and file disks), flush, discard, GET_ID, and every validation
 * path (outside RAM, wrap-around, ROM targets, huge lengths, sector overflow, partial
 * sectors, read-only disks) leaving disk and guest memory untouched. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dev/blk.h"
#include "core/err.h"

#define RAM 0x80000000ull
#define RAM_SIZE (4ull << 20)
#define ROM 0x1000ull
#define DISK_SIZE (64u * 1024u)

static struct hv_mem mem;
static struct hv_blockdev *bd;

static void setup(void)
{
    char err[256];
    cr_assert_eq(hv__mem_init(&mem, 1ull << 32, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(hv__mem_map(&mem, RAM, RAM_SIZE, HV_REGION_RAM, HV_MEM_RAM, err, sizeof(err)), 0);
    cr_assert_eq(hv__mem_map(&mem, ROM, 0x1000, HV_REGION_ROM, HV_MEM_ROM, err, sizeof(err)), 0);
    struct hv_disk_config dc = { .mem_size = DISK_SIZE };
    cr_assert_eq(hv__blockdev_open(&dc, &bd, err, sizeof(err)), 0, "%s", err);
}

static void teardown(void)
{
    hv__blockdev_close(bd);
    hv__mem_fini(&mem);
}

TestSuite(blk, .init = setup, .fini = teardown);

static uint8_t *ram(uint64_t gpa, uint64_t len)
{
    uint8_t *p = hv__mem_hva(&mem, gpa, len);
    cr_assert_not_null(p);
    return p;
}

static enum hv_blk_status run(enum hv_blk_type t, uint64_t sector, const struct hv_blk_seg *s,
                              unsigned n, uint64_t *written)
{
    struct hv_blk_req r = { .type = t, .sector = sector, .segs = s, .nr_segs = n };
    return hv__blk_execute(bd, &mem, &r, "serial-0123", written);
}

static void disk_fill(uint8_t v)
{
    uint8_t buf[DISK_SIZE];
    memset(buf, v, sizeof(buf));
    cr_assert_eq(hv__blockdev_write(bd, buf, sizeof(buf), 0), 0);
}

static bool disk_is(uint64_t off, uint64_t len, uint8_t v)
{
    uint8_t buf[DISK_SIZE];
    cr_assert_eq(hv__blockdev_read(bd, buf, len, off), 0);
    for (uint64_t i = 0; i < len; i++)
        if (buf[i] != v)
            return false;
    return true;
}

Test(blk, write_then_read_multi_segment)
{
    memset(ram(RAM + 0x1000, 512), 0x11, 512);
    memset(ram(RAM + 0x5000, 1024), 0x22, 1024);
    struct hv_blk_seg w[2] = { { RAM + 0x1000, 512 }, { RAM + 0x5000, 1024 } };
    uint64_t written = 99;
    cr_assert_eq(run(HV_BLK_WRITE, 3, w, 2, &written), HV_BLK_OK);
    cr_assert_eq(written, 0, "a write stores nothing into guest memory");
    cr_assert(disk_is(3 * 512, 512, 0x11));
    cr_assert(disk_is(4 * 512, 1024, 0x22));
    struct hv_blk_seg r[3] = { { RAM + 0x9000, 1024 }, { RAM + 0x9400, 0 }, { RAM + 0xa000, 512 } };
    cr_assert_eq(run(HV_BLK_READ, 3, r, 3, &written), HV_BLK_OK);
    cr_assert_eq(written, 1536);
    cr_assert_eq(ram(RAM + 0x9000, 1)[0], 0x11);
    cr_assert_eq(ram(RAM + 0x9200, 1)[0], 0x22);
    cr_assert_eq(ram(RAM + 0xa1ff, 1)[0], 0x22);
    cr_assert(hv__mem_is_dirty(&mem, RAM + 0xa000), "DMA writes mark pages dirty");
}

Test(blk, last_sector_ok_one_past_fails)
{
    struct hv_blk_seg s = { RAM, 512 };
    cr_assert_eq(run(HV_BLK_READ, DISK_SIZE / 512 - 1, &s, 1, NULL), HV_BLK_OK);
    cr_assert_eq(run(HV_BLK_READ, DISK_SIZE / 512, &s, 1, NULL), HV_BLK_IOERR);
    struct hv_blk_seg two = { RAM, 1024 };
    cr_assert_eq(run(HV_BLK_WRITE, DISK_SIZE / 512 - 1, &two, 1, NULL), HV_BLK_IOERR);
}

Test(blk, sector_overflow)
{
    struct hv_blk_seg s = { RAM, 512 };
    cr_assert_eq(run(HV_BLK_READ, UINT64_MAX, &s, 1, NULL), HV_BLK_IOERR);
    cr_assert_eq(run(HV_BLK_READ, UINT64_MAX >> 9, &s, 1, NULL), HV_BLK_IOERR);
    cr_assert_eq(run(HV_BLK_READ, (UINT64_MAX >> 9) + 1, &s, 1, NULL), HV_BLK_IOERR);
}

Test(blk, bad_segments_touch_nothing)
{
    disk_fill(0x5a);
    memset(ram(RAM, 512), 0x77, 512);
    struct hv_blk_seg outside[2] = { { RAM, 512 }, { RAM + RAM_SIZE - 256, 512 } };
    cr_assert_eq(run(HV_BLK_WRITE, 0, outside, 2, NULL), HV_BLK_IOERR);
    cr_assert(disk_is(0, 1024, 0x5a), "first segment must not have been written");
    struct hv_blk_seg wrap = { UINT64_MAX - 255, 512 };
    cr_assert_eq(run(HV_BLK_READ, 0, &wrap, 1, NULL), HV_BLK_IOERR);
    struct hv_blk_seg hole = { 0x40000000, 512 };
    cr_assert_eq(run(HV_BLK_READ, 0, &hole, 1, NULL), HV_BLK_IOERR);
    struct hv_blk_seg huge[2] = { { RAM, 1ull << 29 }, { RAM, (1ull << 29) + 512 } };
    cr_assert_eq(run(HV_BLK_READ, 0, huge, 2, NULL), HV_BLK_IOERR);
    struct hv_blk_seg max = { RAM, UINT64_MAX };
    cr_assert_eq(run(HV_BLK_WRITE, 0, &max, 1, NULL), HV_BLK_IOERR);
    cr_assert_eq(run(HV_BLK_READ, 0, NULL, 1, NULL), HV_BLK_IOERR);
    cr_assert_eq(run(HV_BLK_READ, 0, &max, HV_BLK_MAX_SEGS + 1, NULL), HV_BLK_IOERR);
    cr_assert(disk_is(0, DISK_SIZE, 0x5a));
}

Test(blk, read_into_rom_refused_write_from_rom_ok)
{
    struct hv_blk_seg rom = { ROM, 512 };
    cr_assert_eq(run(HV_BLK_READ, 0, &rom, 1, NULL), HV_BLK_IOERR);
    cr_assert_eq(run(HV_BLK_WRITE, 0, &rom, 1, NULL), HV_BLK_OK, "ROM is readable");
}

Test(blk, partial_sector_refused)
{
    struct hv_blk_seg s = { RAM, 100 };
    cr_assert_eq(run(HV_BLK_READ, 0, &s, 1, NULL), HV_BLK_IOERR);
    struct hv_blk_seg two[2] = { { RAM, 256 }, { RAM + 4096, 256 } };
    cr_assert_eq(run(HV_BLK_READ, 0, two, 2, NULL), HV_BLK_OK, "sectors may span segments");
}

Test(blk, flush_and_unknown)
{
    cr_assert_eq(run(HV_BLK_FLUSH, 0, NULL, 0, NULL), HV_BLK_OK);
    cr_assert_eq(run((enum hv_blk_type)77, 0, NULL, 0, NULL), HV_BLK_UNSUPP);
    struct hv_blk_req r = { .type = HV_BLK_FLUSH };
    cr_assert_eq(hv__blk_execute(NULL, &mem, &r, NULL, NULL), HV_BLK_IOERR);
}

Test(blk, get_id)
{
    memset(ram(RAM, 32), 0xee, 32);
    struct hv_blk_seg s = { RAM, 32 };
    uint64_t written;
    cr_assert_eq(run(HV_BLK_GET_ID, 0, &s, 1, &written), HV_BLK_OK);
    cr_assert_eq(written, HV_BLK_ID_BYTES);
    cr_assert_str_eq((char *)ram(RAM, 20), "serial-0123");
    cr_assert_eq(ram(RAM, 32)[19], 0);
    cr_assert_eq(ram(RAM, 32)[20], 0xee, "only 20 bytes are written");
    struct hv_blk_seg split[2] = { { RAM + 0x100, 3 }, { RAM + 0x200, 30 } };
    cr_assert_eq(run(HV_BLK_GET_ID, 0, split, 2, &written), HV_BLK_OK);
    cr_assert_eq(written, 20);
    cr_assert_eq(memcmp(ram(RAM + 0x100, 3), "ser", 3), 0);
    cr_assert_eq(memcmp(ram(RAM + 0x200, 8), "ial-0123", 8), 0);
    struct hv_blk_seg rom = { ROM, 20 };
    cr_assert_eq(run(HV_BLK_GET_ID, 0, &rom, 1, &written), HV_BLK_IOERR);
    /* A 20-character id has no terminator. */
    struct hv_blk_req r = { .type = HV_BLK_GET_ID, .segs = &s, .nr_segs = 1 };
    cr_assert_eq(hv__blk_execute(bd, &mem, &r, "0123456789abcdefghijKLM", &written), HV_BLK_OK);
    cr_assert_eq(memcmp(ram(RAM, 20), "0123456789abcdefghij", 20), 0);
}

Test(blk, discard)
{
    disk_fill(0xab);
    struct hv_blk_req r = { .type = HV_BLK_DISCARD, .sector = 2, .nr_sectors = 4 };
    cr_assert_eq(hv__blk_execute(bd, &mem, &r, NULL, NULL), HV_BLK_OK);
    cr_assert(disk_is(2 * 512, 4 * 512, 0));
    cr_assert(disk_is(0, 2 * 512, 0xab));
    cr_assert(disk_is(6 * 512, 512, 0xab));
    r.sector = DISK_SIZE / 512 - 1;
    r.nr_sectors = 2;
    cr_assert_eq(hv__blk_execute(bd, &mem, &r, NULL, NULL), HV_BLK_IOERR);
    r.nr_sectors = UINT64_MAX;
    cr_assert_eq(hv__blk_execute(bd, &mem, &r, NULL, NULL), HV_BLK_IOERR);
    r.nr_sectors = 0;
    cr_assert_eq(hv__blk_execute(bd, &mem, &r, NULL, NULL), HV_BLK_OK);
}

Test(blk, file_disk_and_read_only)
{
    char path[] = "/tmp/hv-blk-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, 8192), 0);
    close(fd);
    char err[256];
    struct hv_blockdev *f;
    struct hv_disk_config dc = { .path = path };
    cr_assert_eq(hv__blockdev_open(&dc, &f, err, sizeof(err)), 0, "%s", err);
    memcpy(ram(RAM, 512), "persisted", 10);
    struct hv_blk_seg s = { RAM, 512 };
    struct hv_blk_req w = { .type = HV_BLK_WRITE, .sector = 1, .segs = &s, .nr_segs = 1 };
    cr_assert_eq(hv__blk_execute(f, &mem, &w, NULL, NULL), HV_BLK_OK);
    struct hv_blk_req fl = { .type = HV_BLK_FLUSH };
    cr_assert_eq(hv__blk_execute(f, &mem, &fl, NULL, NULL), HV_BLK_OK);
    hv__blockdev_close(f);
    char got[10];
    fd = open(path, O_RDONLY);
    cr_assert_eq(pread(fd, got, 10, 512), 10);
    close(fd);
    cr_assert_str_eq(got, "persisted");

    dc.readonly = 1;
    cr_assert_eq(hv__blockdev_open(&dc, &f, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(hv__blk_execute(f, &mem, &w, NULL, NULL), HV_BLK_IOERR);
    struct hv_blk_req d = { .type = HV_BLK_DISCARD, .sector = 0, .nr_sectors = 1 };
    cr_assert_eq(hv__blk_execute(f, &mem, &d, NULL, NULL), HV_BLK_IOERR);
    struct hv_blk_req r = { .type = HV_BLK_READ, .sector = 1, .segs = &s, .nr_segs = 1 };
    memset(ram(RAM, 512), 0, 512);
    cr_assert_eq(hv__blk_execute(f, &mem, &r, NULL, NULL), HV_BLK_OK);
    cr_assert_str_eq((char *)ram(RAM, 10), "persisted");
    cr_assert_eq(hv__blk_execute(f, &mem, &fl, NULL, NULL), HV_BLK_OK);
    hv__blockdev_close(f);
    unlink(path);
}

Test(blk, dma_ptr)
{
    cr_assert_not_null(hv__dma_ptr(&mem, RAM, 16, true));
    cr_assert_null(hv__dma_ptr(&mem, ROM, 16, true));
    cr_assert_not_null(hv__dma_ptr(&mem, ROM, 16, false));
    cr_assert_null(hv__dma_ptr(&mem, RAM + RAM_SIZE - 8, 16, false));
    cr_assert_null(hv__dma_ptr(&mem, UINT64_MAX - 7, 16, false));
}
