/* SPDX-License-Identifier: MIT */
/* Unit tests for transient disks (hv_disk_config.transient, libvirt's <transient/>): the
 * guest sees its own writes, partial writes merge with the file's data, discards read back
 * as zeros, and the file itself never changes. Also the lockstep twin's disks. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hv/hv.h"
#include "dev/dev.h"

#define SIZE (256u * 1024u + 1000u)    /* not a multiple of the 4 KiB overlay chunk */

static uint8_t pattern(uint64_t off)
{
    return (uint8_t)(off * 7 + (off >> 9));
}

static int make_file(char *path)
{
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    uint8_t *buf = malloc(SIZE);
    for (uint64_t i = 0; i < SIZE; i++)
        buf[i] = pattern(i);
    cr_assert_eq(write(fd, buf, SIZE), (ssize_t)SIZE);
    free(buf);
    return fd;
}

static void file_unchanged(int fd)
{
    uint8_t *buf = malloc(SIZE);
    cr_assert_eq(pread(fd, buf, SIZE, 0), (ssize_t)SIZE);
    for (uint64_t i = 0; i < SIZE; i++)
        cr_assert_eq(buf[i], pattern(i), "file byte %llu changed", (unsigned long long)i);
    free(buf);
}

static struct hv_blockdev *open_transient(const char *path, int readonly)
{
    struct hv_disk_config cfg = { .path = path, .transient = 1, .readonly = readonly };
    struct hv_blockdev *bd = NULL;
    char err[256];
    cr_assert_eq(hv__blockdev_open(&cfg, &bd, err, sizeof err), 0, "%s", err);
    return bd;
}

Test(transient, writes_are_private_and_merge_with_the_file)
{
    char path[] = "/tmp/hv-transient-XXXXXX";
    int fd = make_file(path);
    struct hv_blockdev *bd = open_transient(path, 0);
    cr_assert_eq(hv__blockdev_size(bd), SIZE);
    cr_assert(!hv__blockdev_readonly(bd));
    /* A write straddling two chunks, not aligned to anything. */
    uint8_t w[5000];
    memset(w, 0xab, sizeof w);
    cr_assert_eq(hv__blockdev_write(bd, w, sizeof w, 3000), 0);
    /* And one into the last, partial chunk. */
    cr_assert_eq(hv__blockdev_write(bd, w, 100, SIZE - 100), 0);
    uint8_t *r = malloc(SIZE);
    cr_assert_eq(hv__blockdev_read(bd, r, SIZE, 0), 0);
    for (uint64_t i = 0; i < SIZE; i++) {
        bool written = (i >= 3000 && i < 8000) || i >= SIZE - 100;
        cr_assert_eq(r[i], written ? 0xab : pattern(i), "byte %llu", (unsigned long long)i);
    }
    /* Discard: zeros read back, neighbours keep their data. */
    cr_assert_eq(hv__blockdev_discard(bd, 10000, 9000), 0);
    cr_assert_eq(hv__blockdev_read(bd, r, 20000, 0), 0);
    for (uint64_t i = 0; i < 20000; i++) {
        uint8_t want = (i >= 10000 && i < 19000) ? 0
                       : (i >= 3000 && i < 8000) ? 0xab : pattern(i);
        cr_assert_eq(r[i], want, "byte %llu after discard", (unsigned long long)i);
    }
    cr_assert_eq(hv__blockdev_flush(bd), 0);
    cr_assert_eq(hv__blockdev_write(bd, w, 10, SIZE - 5), HV_ERANGE);
    hv__blockdev_close(bd);
    file_unchanged(fd);
    /* A new transient open sees the file again, not the dropped overlay. */
    bd = open_transient(path, 0);
    cr_assert_eq(hv__blockdev_read(bd, r, 8192, 0), 0);
    for (uint64_t i = 0; i < 8192; i++)
        cr_assert_eq(r[i], pattern(i));
    hv__blockdev_close(bd);
    free(r);
    close(fd);
    unlink(path);
}

Test(transient, readonly_transient_refuses_writes)
{
    char path[] = "/tmp/hv-transient-XXXXXX";
    int fd = make_file(path);
    struct hv_blockdev *bd = open_transient(path, 1);
    uint8_t w[512] = { 1 };
    cr_assert_eq(hv__blockdev_write(bd, w, sizeof w, 0), HV_ENOTSUP);
    hv__blockdev_close(bd);
    file_unchanged(fd);
    close(fd);
    unlink(path);
}

Test(transient, file_that_cannot_be_opened_is_a_clear_error)
{
    struct hv_disk_config cfg = { .path = "/nonexistent/hv-disk.img", .transient = 1 };
    struct hv_blockdev *bd = NULL;
    char err[256] = "";
    cr_assert_lt(hv__blockdev_open(&cfg, &bd, err, sizeof err), 0);
    cr_assert(strstr(err, "/nonexistent/hv-disk.img"), "%s", err);
    cr_assert_null(bd);
}

Test(transient, xml_round_trip)
{
    const char *xml =
        "<domain type='hv'><name>t</name><memory unit='MiB'>64</memory>"
        "<os><type arch='riscv64' machine='virt'>hvm</type></os>"
        "<devices><disk type='file' device='disk'><source file='/tmp/x.img'/>"
        "<target dev='vda' bus='virtio'/><transient/></disk></devices></domain>";
    struct hv_config cfg;
    char err[256] = "";
    cr_assert_eq(hv_config_from_xml(&cfg, xml, strlen(xml), err, sizeof err), 0, "%s", err);
    cr_assert_eq(cfg.nr_disks, 1);
    cr_assert(cfg.disks[0].transient);
    char *out = NULL;
    cr_assert_eq(hv_config_to_xml(&cfg, &out), 0);
    cr_assert(strstr(out, "<transient/>"), "%s", out);
    free(out);
    hv_config_dispose(&cfg);
}
