/* SPDX-License-Identifier: MIT */
/* Unit tests for libhv/dev block devices: raw files (read-write and read-only), memory
 * disks, range checking with overflowing offsets, flush and discard, and open errors. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "dev/dev.h"
#include "hv/error.h"

#define DISK_SIZE (1024u * 1024u)
#define PATTERN_IMG HV_TEST_DATA "/dev/pattern.img"
#define PATTERN_SIZE 8192u

static char tmpdir[64];
static char disk_path[128];

/* .fini of every test that made a temp dir: remove its (flat) contents and the dir. */
static void remove_tmpdir(void)
{
    if (!tmpdir[0])
        return;
    DIR *d = opendir(tmpdir);
    if (d) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
                unlink(p);
            }
        closedir(d);
    }
    rmdir(tmpdir);
}

/* A fresh DISK_SIZE file filled with 0xAA. */
static void make_disk(void)
{
    strcpy(tmpdir, "/tmp/hv-blockdev-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(disk_path, sizeof(disk_path), "%s/disk.img", tmpdir);
    int fd = open(disk_path, O_CREAT | O_RDWR | O_TRUNC, 0644);
    cr_assert_geq(fd, 0);
    uint8_t *buf = malloc(DISK_SIZE);
    memset(buf, 0xAA, DISK_SIZE);
    cr_assert_eq(write(fd, buf, DISK_SIZE), (ssize_t)DISK_SIZE);
    free(buf);
    close(fd);
}

static struct hv_blockdev *open_ok(const struct hv_disk_config *cfg)
{
    char err[256] = "";
    struct hv_blockdev *bd = NULL;
    int rc = hv__blockdev_open(cfg, &bd, err, sizeof(err));
    cr_assert_eq(rc, 0, "open failed: %d %s", rc, err);
    cr_assert_not_null(bd);
    return bd;
}

static void file_pread(const char *path, void *buf, size_t len, off_t off)
{
    int fd = open(path, O_RDONLY);
    cr_assert_geq(fd, 0);
    cr_assert_eq(pread(fd, buf, len, off), (ssize_t)len);
    close(fd);
}

static uint8_t pattern_byte(size_t i)
{
    return (uint8_t)(((i * 7 + 3) ^ (i >> 8)) & 0xff);
}

static bool all_equal(const uint8_t *p, size_t len, uint8_t v)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != v)
            return false;
    return true;
}

/* The range checks every back-end shares. */
static void check_ranges(struct hv_blockdev *bd)
{
    uint64_t size = hv__blockdev_size(bd);
    uint8_t b[16];
    cr_assert_eq(hv__blockdev_read(bd, b, 1, size), HV_ERANGE);
    cr_assert_eq(hv__blockdev_read(bd, b, 2, size - 1), HV_ERANGE);
    cr_assert_eq(hv__blockdev_read(bd, b, 16, UINT64_MAX - 7), HV_ERANGE);   /* off+len wraps */
    cr_assert_eq(hv__blockdev_read(bd, b, 16, UINT64_MAX), HV_ERANGE);
    cr_assert_eq(hv__blockdev_read(bd, b, SIZE_MAX, 16), HV_ERANGE);
    cr_assert_eq(hv__blockdev_read(bd, b, 0, size), 0);                      /* empty at end */
    cr_assert_eq(hv__blockdev_read(bd, b, 1, size - 1), 0);
    cr_assert_eq(hv__blockdev_discard(bd, UINT64_MAX - 1, 4), HV_ERANGE);
    cr_assert_eq(hv__blockdev_discard(bd, 4, UINT64_MAX - 1), HV_ERANGE);
    cr_assert_eq(hv__blockdev_discard(bd, size, 1), HV_ERANGE);
    if (!hv__blockdev_readonly(bd)) {
        cr_assert_eq(hv__blockdev_write(bd, b, 16, UINT64_MAX - 7), HV_ERANGE);
        cr_assert_eq(hv__blockdev_write(bd, b, 16, size - 8), HV_ERANGE);
    }
}

/* ---- read-write files --------------------------------------------------------------------- */

Test(blockdev_file, round_trip_lands_in_file, .fini = remove_tmpdir)
{
    make_disk();
    struct hv_disk_config cfg = { .path = disk_path };
    struct hv_blockdev *bd = open_ok(&cfg);
    cr_assert_eq(hv__blockdev_size(bd), DISK_SIZE);
    cr_assert_not(hv__blockdev_readonly(bd));

    enum { LEN = 10000, OFF = 4096 + 3 };   /* unaligned on purpose */
    uint8_t *w = malloc(LEN), *r = malloc(LEN);
    for (size_t i = 0; i < LEN; i++)
        w[i] = (uint8_t)(i * 13 + 1);
    cr_assert_eq(hv__blockdev_write(bd, w, LEN, OFF), 0);
    cr_assert_eq(hv__blockdev_read(bd, r, LEN, OFF), 0);
    cr_assert_eq(memcmp(w, r, LEN), 0);
    cr_assert_eq(hv__blockdev_flush(bd), 0);

    /* the bytes are really in the file, and the neighbours are untouched */
    file_pread(disk_path, r, LEN, OFF);
    cr_assert_eq(memcmp(w, r, LEN), 0);
    uint8_t edge[2];
    file_pread(disk_path, edge, 1, OFF - 1);
    file_pread(disk_path, edge + 1, 1, OFF + LEN);
    cr_assert_eq(edge[0], 0xAA);
    cr_assert_eq(edge[1], 0xAA);

    /* the last byte of the disk is reachable */
    cr_assert_eq(hv__blockdev_write(bd, "Z", 1, DISK_SIZE - 1), 0);
    file_pread(disk_path, edge, 1, DISK_SIZE - 1);
    cr_assert_eq(edge[0], 'Z');

    free(w);
    free(r);
    hv__blockdev_close(bd);
}

Test(blockdev_file, out_of_range_fails_and_changes_nothing, .fini = remove_tmpdir)
{
    make_disk();
    struct hv_disk_config cfg = { .path = disk_path };
    struct hv_blockdev *bd = open_ok(&cfg);
    check_ranges(bd);
    hv__blockdev_close(bd);

    struct stat st;
    cr_assert_eq(stat(disk_path, &st), 0);
    cr_assert_eq(st.st_size, DISK_SIZE, "a refused write must not grow the file");
    uint8_t tail[8];
    file_pread(disk_path, tail, sizeof(tail), DISK_SIZE - sizeof(tail));
    cr_assert(all_equal(tail, sizeof(tail), 0xAA));
}

Test(blockdev_file, discard_zeros_the_range, .fini = remove_tmpdir)
{
    make_disk();
    struct hv_disk_config cfg = { .path = disk_path };
    struct hv_blockdev *bd = open_ok(&cfg);
    enum { OFF = 4096 + 100, LEN = 100000 };
    cr_assert_eq(hv__blockdev_discard(bd, OFF, LEN), 0);
    cr_assert_eq(hv__blockdev_discard(bd, 0, 0), 0);

    uint8_t *r = malloc(LEN + 2);
    cr_assert_eq(hv__blockdev_read(bd, r, LEN + 2, OFF - 1), 0);
    cr_assert_eq(r[0], 0xAA);
    cr_assert(all_equal(r + 1, LEN, 0));
    cr_assert_eq(r[LEN + 1], 0xAA);
    cr_assert_eq(hv__blockdev_flush(bd), 0);
    hv__blockdev_close(bd);

    /* the host file agrees, and keeps its size */
    file_pread(disk_path, r, LEN + 2, OFF - 1);
    cr_assert_eq(r[0], 0xAA);
    cr_assert(all_equal(r + 1, LEN, 0));
    cr_assert_eq(r[LEN + 1], 0xAA);
    struct stat st;
    cr_assert_eq(stat(disk_path, &st), 0);
    cr_assert_eq(st.st_size, DISK_SIZE);
    free(r);
}

Test(blockdev_file, data_survives_reopen, .fini = remove_tmpdir)
{
    make_disk();
    struct hv_disk_config cfg = { .path = disk_path };
    struct hv_blockdev *bd = open_ok(&cfg);
    cr_assert_eq(hv__blockdev_write(bd, "persist", 7, 512), 0);
    cr_assert_eq(hv__blockdev_flush(bd), 0);
    hv__blockdev_close(bd);
    bd = open_ok(&cfg);
    char b[7];
    cr_assert_eq(hv__blockdev_read(bd, b, 7, 512), 0);
    cr_assert_eq(memcmp(b, "persist", 7), 0);
    hv__blockdev_close(bd);
}

/* ---- read-only files ---------------------------------------------------------------------- */

Test(blockdev_readonly, reads_test_image_and_refuses_writes)
{
    struct hv_disk_config cfg = { .path = PATTERN_IMG, .readonly = 1 };
    struct hv_blockdev *bd = open_ok(&cfg);
    cr_assert(hv__blockdev_readonly(bd));
    cr_assert_eq(hv__blockdev_size(bd), PATTERN_SIZE);

    uint8_t *r = malloc(PATTERN_SIZE);
    cr_assert_eq(hv__blockdev_read(bd, r, PATTERN_SIZE, 0), 0);
    for (size_t i = 0; i < PATTERN_SIZE; i++)
        cr_assert_eq(r[i], pattern_byte(i), "byte %zu", i);

    cr_assert_eq(hv__blockdev_write(bd, "x", 1, 0), HV_ENOTSUP);
    cr_assert_eq(hv__blockdev_discard(bd, 0, 512), HV_ENOTSUP);
    cr_assert_eq(hv__blockdev_flush(bd), 0);
    check_ranges(bd);
    hv__blockdev_close(bd);

    /* and the image is unchanged */
    file_pread(PATTERN_IMG, r, PATTERN_SIZE, 0);
    for (size_t i = 0; i < PATTERN_SIZE; i++)
        cr_assert_eq(r[i], pattern_byte(i), "byte %zu", i);
    free(r);
}

Test(blockdev_readonly, works_on_a_file_without_write_permission, .fini = remove_tmpdir)
{
    make_disk();
    cr_assert_eq(chmod(disk_path, 0444), 0);
    struct hv_disk_config cfg = { .path = disk_path, .readonly = 1 };
    struct hv_blockdev *bd = open_ok(&cfg);
    uint8_t b[4];
    cr_assert_eq(hv__blockdev_read(bd, b, 4, 0), 0);
    cr_assert(all_equal(b, 4, 0xAA));
    hv__blockdev_close(bd);

    if (geteuid() == 0)
        return;   /* root may open it read-write anyway */
    char err[256] = "";
    cfg.readonly = 0;
    cr_assert_eq(hv__blockdev_open(&cfg, &bd, err, sizeof(err)), HV_EIO);
    cr_assert_not_null(strstr(err, disk_path), "message: %s", err);
}

/* ---- memory disks ------------------------------------------------------------------------- */

Test(blockdev_mem, round_trip_discard_and_ranges)
{
    struct hv_disk_config cfg = { .mem_size = DISK_SIZE };
    struct hv_blockdev *bd = open_ok(&cfg);
    cr_assert_eq(hv__blockdev_size(bd), DISK_SIZE);
    cr_assert_not(hv__blockdev_readonly(bd));

    uint8_t *r = malloc(DISK_SIZE);
    cr_assert_eq(hv__blockdev_read(bd, r, DISK_SIZE, 0), 0);
    cr_assert(all_equal(r, DISK_SIZE, 0), "a new memory disk reads as zeros");

    memset(r, 0x5C, DISK_SIZE);
    cr_assert_eq(hv__blockdev_write(bd, r, DISK_SIZE, 0), 0);
    cr_assert_eq(hv__blockdev_write(bd, "abc", 3, 12345), 0);
    char b[3];
    cr_assert_eq(hv__blockdev_read(bd, b, 3, 12345), 0);
    cr_assert_eq(memcmp(b, "abc", 3), 0);

    /* a range spanning partial and whole pages */
    enum { OFF = 1000, LEN = 5 * 4096 + 77 };
    cr_assert_eq(hv__blockdev_discard(bd, OFF, LEN), 0);
    cr_assert_eq(hv__blockdev_read(bd, r, DISK_SIZE, 0), 0);
    cr_assert(all_equal(r, OFF, 0x5C));
    cr_assert(all_equal(r + OFF, LEN, 0));
    cr_assert(all_equal(r + OFF + LEN, 4096, 0x5C));
    /* a range inside one page */
    cr_assert_eq(hv__blockdev_discard(bd, 100, 10), 0);
    cr_assert_eq(hv__blockdev_read(bd, r, 120, 0), 0);
    cr_assert(all_equal(r, 100, 0x5C) && all_equal(r + 100, 10, 0) &&
              all_equal(r + 110, 10, 0x5C));

    cr_assert_eq(hv__blockdev_flush(bd), 0);
    check_ranges(bd);
    free(r);
    hv__blockdev_close(bd);
}

Test(blockdev_mem, large_sparse_disk_and_readonly)
{
    struct hv_disk_config cfg = { .mem_size = 1ull << 30 };   /* only touched pages cost */
    struct hv_blockdev *bd = open_ok(&cfg);
    cr_assert_eq(hv__blockdev_write(bd, "end", 3, (1ull << 30) - 3), 0);
    char b[3];
    cr_assert_eq(hv__blockdev_read(bd, b, 3, (1ull << 30) - 3), 0);
    cr_assert_eq(memcmp(b, "end", 3), 0);
    hv__blockdev_close(bd);

    struct hv_disk_config ro = { .mem_size = 4096, .readonly = 1 };
    bd = open_ok(&ro);
    cr_assert(hv__blockdev_readonly(bd));
    cr_assert_eq(hv__blockdev_write(bd, "x", 1, 0), HV_ENOTSUP);
    hv__blockdev_close(bd);
}

/* ---- open errors -------------------------------------------------------------------------- */

Test(blockdev_open, missing_file_names_the_path)
{
    char err[256] = "";
    struct hv_blockdev *bd = (struct hv_blockdev *)1;
    const char *path = "/nonexistent-hv-dir/disk.img";
    struct hv_disk_config cfg = { .path = path };
    cr_assert_eq(hv__blockdev_open(&cfg, &bd, err, sizeof(err)), HV_ENOENT);
    cr_assert_null(bd);
    cr_assert_not_null(strstr(err, path), "message: %s", err);
    cr_assert_not_null(strstr(err, strerror(ENOENT)), "message: %s", err);
}

Test(blockdev_open, directory_and_devices_are_refused)
{
    char err[256] = "";
    struct hv_blockdev *bd = NULL;
    struct hv_disk_config cfg = { .path = HV_TEST_DATA "/dev", .readonly = 1 };
    cr_assert_eq(hv__blockdev_open(&cfg, &bd, err, sizeof(err)), HV_EINVAL);
    cr_assert_null(bd);
    cr_assert_not_null(strstr(err, cfg.path), "message: %s", err);
    cr_assert_not_null(strstr(err, "directory"), "message: %s", err);

    cfg.readonly = 0;   /* read-write: the open itself fails (EISDIR) */
    cr_assert_lt(hv__blockdev_open(&cfg, &bd, err, sizeof(err)), 0);
    cr_assert_null(bd);
    cr_assert_not_null(strstr(err, cfg.path), "message: %s", err);

    cfg.path = "/dev/null";   /* a character device has no size */
    cr_assert_eq(hv__blockdev_open(&cfg, &bd, err, sizeof(err)), HV_ENOTSUP);
    cr_assert_null(bd);
}

Test(blockdev_open, memory_disk_needs_a_size)
{
    char err[256] = "";
    struct hv_blockdev *bd = NULL;
    struct hv_disk_config cfg = { .path = NULL, .mem_size = 0 };
    cr_assert_eq(hv__blockdev_open(&cfg, &bd, err, sizeof(err)), HV_EINVAL);
    cr_assert_null(bd);
    cr_assert(strlen(err) > 0);
    hv__blockdev_close(NULL);
}
