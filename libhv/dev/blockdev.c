/* SPDX-License-Identifier: MIT */
/* libhv dev — block device back-ends: a raw host file or block device (read-write,
 * read-only, or transient: writes kept in a private overlay) and an anonymous-memory disk. The core range-checks every request once, so the
 * back-end hooks only ever see in-bounds I/O. */
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/err.h"
#include "dev/dev_internal.h"

struct hv_blockdev;

/* Hooks receive in-range, non-empty requests. */
struct hv_blockdev_ops {
    int (*read)(struct hv_blockdev *bd, void *buf, size_t len, uint64_t off);
    int (*write)(struct hv_blockdev *bd, const void *buf, size_t len, uint64_t off);
    int (*flush)(struct hv_blockdev *bd);
    int (*discard)(struct hv_blockdev *bd, uint64_t off, uint64_t len);
    void (*close)(struct hv_blockdev *bd);
};

struct hv_blockdev {
    const struct hv_blockdev_ops *ops;
    uint64_t size;
    bool readonly;
    int fd;            /* file disks */
    uint8_t *mem;      /* memory disks, transient overlays: anonymous mapping of `size` */
    uint64_t *present; /* transient: one bit per OVL_CHUNK, set once the chunk is in mem */
};

/* Chunk size when zeroing by writes (discard fallback). */
#define ZERO_CHUNK (64u * 1024u)
static const uint8_t zero_chunk[ZERO_CHUNK];

/* ---- file disks ------------------------------------------------------------------------ */

static int file_read(struct hv_blockdev *bd, void *buf, size_t len, uint64_t off)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t n = pread(bd->fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)          /* error, or the file shrank under us since open */
            return HV_EIO;
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

static int file_write(struct hv_blockdev *bd, const void *buf, size_t len, uint64_t off)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = pwrite(bd->fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return HV_EIO;
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

static int file_flush(struct hv_blockdev *bd)
{
    return fdatasync(bd->fd) < 0 ? HV_EIO : 0;
}

static int file_discard(struct hv_blockdev *bd, uint64_t off, uint64_t len)
{
    if (fallocate(bd->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
                  (off_t)len) == 0)
        return 0;
    if (errno != EOPNOTSUPP && errno != ENOSYS && errno != EINVAL && errno != ENODEV)
        return HV_EIO;
    /* The filesystem (or device) cannot punch holes: write zeros instead. */
    while (len) {
        size_t chunk = len < ZERO_CHUNK ? (size_t)len : ZERO_CHUNK;
        int rc = file_write(bd, zero_chunk, chunk, off);
        if (rc < 0)
            return rc;
        off += chunk;
        len -= chunk;
    }
    return 0;
}

static void file_close(struct hv_blockdev *bd)
{
    close(bd->fd);
}

static const struct hv_blockdev_ops file_ops = {
    .read = file_read,
    .write = file_write,
    .flush = file_flush,
    .discard = file_discard,
    .close = file_close,
};

/* Size of an open file or block device; refuses anything else (directories, fifos, ttys). */
static int file_size(int fd, const char *path, uint64_t *size, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return hv__dev_syserr(err, errlen, errno, "disk %s: stat", path);
    if (S_ISREG(st.st_mode)) {
        *size = (uint64_t)st.st_size;
        return 0;
    }
    if (S_ISBLK(st.st_mode)) {
        if (ioctl(fd, BLKGETSIZE64, size) < 0)
            return hv__dev_syserr(err, errlen, errno, "disk %s: BLKGETSIZE64", path);
        return 0;
    }
    if (S_ISDIR(st.st_mode))
        return hv__errf(err, errlen, HV_EINVAL, "disk %s: is a directory", path);
    return hv__errf(err, errlen, HV_ENOTSUP,
                    "disk %s: not a regular file or block device", path);
}

static int open_file(struct hv_blockdev *bd, const struct hv_disk_config *cfg,
                     char *err, size_t errlen)
{
    if (cfg->format != HV_DISK_RAW)
        return hv__errf(err, errlen, HV_ENOTSUP, "disk %s: unsupported format %d",
                        cfg->path, (int)cfg->format);
    int fd = open(cfg->path, (bd->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0)
        return hv__dev_syserr(err, errlen, errno, "disk %s", cfg->path);
    int rc = file_size(fd, cfg->path, &bd->size, err, errlen);
    if (rc < 0) {
        close(fd);
        return rc;
    }
    bd->fd = fd;
    bd->ops = &file_ops;
    return 0;
}

/* ---- memory disks ---------------------------------------------------------------------- */

static int mem_read(struct hv_blockdev *bd, void *buf, size_t len, uint64_t off)
{
    memcpy(buf, bd->mem + off, len);
    return 0;
}

static int mem_write(struct hv_blockdev *bd, const void *buf, size_t len, uint64_t off)
{
    memcpy(bd->mem + off, buf, len);
    return 0;
}

static int mem_flush(struct hv_blockdev *bd)
{
    return 0;   /* nothing below memory to make durable */
}

static int mem_discard(struct hv_blockdev *bd, uint64_t off, uint64_t len)
{
    /* Whole pages go back to the kernel (a private anonymous mapping reads back as zeros
     * afterwards); the partial pages at either end are cleared by hand. */
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t first = (off + page - 1) / page * page;
    uint64_t last = (off + len) / page * page;
    if (first < last && madvise(bd->mem + first, last - first, MADV_DONTNEED) == 0) {
        memset(bd->mem + off, 0, first - off);
        memset(bd->mem + last, 0, off + len - last);
        return 0;
    }
    memset(bd->mem + off, 0, len);
    return 0;
}

static void mem_close(struct hv_blockdev *bd)
{
    munmap(bd->mem, bd->size);
}

static const struct hv_blockdev_ops mem_ops = {
    .read = mem_read,
    .write = mem_write,
    .flush = mem_flush,
    .discard = mem_discard,
    .close = mem_close,
};

static int open_mem(struct hv_blockdev *bd, const struct hv_disk_config *cfg,
                    char *err, size_t errlen)
{
    if (cfg->mem_size == 0)
        return hv__errf(err, errlen, HV_EINVAL, "disk: no path and no memory size given");
    if (cfg->mem_size > SIZE_MAX / 2)
        return hv__errf(err, errlen, HV_ERANGE, "disk: memory size %llu too large",
                        (unsigned long long)cfg->mem_size);
    /* An anonymous mapping is zero-filled on first touch, so a large, mostly unused disk
     * costs only the pages the guest actually writes. */
    void *p = mmap(NULL, (size_t)cfg->mem_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return hv__dev_syserr(err, errlen, errno, "disk: memory disk of %llu bytes",
                              (unsigned long long)cfg->mem_size);
    bd->mem = p;
    bd->size = cfg->mem_size;
    bd->ops = &mem_ops;
    return 0;
}

/* ---- transient file disks: the file read-only below a private copy-on-write overlay ----- */

/* Overlay granule: a chunk is copied up from the file on its first partial write. */
#define OVL_CHUNK 4096u

static bool ovl_has(const struct hv_blockdev *bd, uint64_t chunk)
{
    return (bd->present[chunk / 64] >> (chunk % 64)) & 1;
}

/* Visit [off, off+len) chunk by chunk: fn(bd, buf offset, disk offset, length). */
typedef int (*ovl_fn)(struct hv_blockdev *bd, uint8_t *buf, uint64_t off, size_t n);

static int ovl_walk(struct hv_blockdev *bd, uint8_t *buf, size_t len, uint64_t off, ovl_fn fn)
{
    while (len) {
        size_t n = OVL_CHUNK - (size_t)(off % OVL_CHUNK);
        if (n > len)
            n = len;
        int rc = fn(bd, buf, off, n);
        if (rc < 0)
            return rc;
        if (buf)
            buf += n;
        off += n;
        len -= n;
    }
    return 0;
}

static int ovl_read_piece(struct hv_blockdev *bd, uint8_t *buf, uint64_t off, size_t n)
{
    if (ovl_has(bd, off / OVL_CHUNK)) {
        memcpy(buf, bd->mem + off, n);
        return 0;
    }
    return file_read(bd, buf, n, off);
}

/* Make the chunk holding off private: copy it up from the file unless it is already. */
static int ovl_copy_up(struct hv_blockdev *bd, uint64_t off, size_t n)
{
    uint64_t chunk = off / OVL_CHUNK;
    if (ovl_has(bd, chunk))
        return 0;
    uint64_t start = chunk * OVL_CHUNK, end = start + OVL_CHUNK;
    if (end > bd->size)
        end = bd->size;
    /* A write that covers the whole chunk needs nothing from the file. */
    if (!(off == start && off + n == end)) {
        int rc = file_read(bd, bd->mem + start, (size_t)(end - start), start);
        if (rc < 0)
            return rc;
    }
    bd->present[chunk / 64] |= 1ull << (chunk % 64);
    return 0;
}

static int ovl_write_piece(struct hv_blockdev *bd, uint8_t *buf, uint64_t off, size_t n)
{
    int rc = ovl_copy_up(bd, off, n);
    if (rc == 0)
        memcpy(bd->mem + off, buf, n);
    return rc;
}

static int ovl_zero_piece(struct hv_blockdev *bd, uint8_t *buf, uint64_t off, size_t n)
{
    (void)buf;
    int rc = ovl_copy_up(bd, off, n);
    if (rc == 0)
        memset(bd->mem + off, 0, n);
    return rc;
}

static int ovl_read(struct hv_blockdev *bd, void *buf, size_t len, uint64_t off)
{
    return ovl_walk(bd, buf, len, off, ovl_read_piece);
}

static int ovl_write(struct hv_blockdev *bd, const void *buf, size_t len, uint64_t off)
{
    return ovl_walk(bd, (uint8_t *)buf, len, off, ovl_write_piece);
}

static int ovl_discard(struct hv_blockdev *bd, uint64_t off, uint64_t len)
{
    /* In SIZE_MAX pieces so that a 32-bit size_t could not truncate (no-op on 64-bit). */
    while (len) {
        size_t n = len > SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)len;
        int rc = ovl_walk(bd, NULL, n, off, ovl_zero_piece);
        if (rc < 0)
            return rc;
        off += n;
        len -= n;
    }
    return 0;
}

static void ovl_close(struct hv_blockdev *bd)
{
    munmap(bd->mem, bd->size);
    free(bd->present);
    close(bd->fd);
}

static const struct hv_blockdev_ops ovl_ops = {
    .read = ovl_read,
    .write = ovl_write,
    .flush = mem_flush,          /* transient writes are not meant to last */
    .discard = ovl_discard,
    .close = ovl_close,
};

static int open_transient(struct hv_blockdev *bd, const struct hv_disk_config *cfg,
                          char *err, size_t errlen)
{
    bd->readonly = true;                /* open the file read-only ... */
    int rc = open_file(bd, cfg, err, errlen);
    bd->readonly = cfg->readonly != 0;  /* ... but the guest may write unless told not to */
    if (rc < 0)
        return rc;
    if (bd->size == 0 || bd->size > SIZE_MAX / 2) {
        close(bd->fd);
        return hv__errf(err, errlen, HV_ERANGE, "disk %s: size %llu unusable for a transient "
                        "disk", cfg->path, (unsigned long long)bd->size);
    }
    uint64_t chunks = (bd->size + OVL_CHUNK - 1) / OVL_CHUNK;
    bd->present = calloc((size_t)((chunks + 63) / 64), sizeof(uint64_t));
    void *p = mmap(NULL, (size_t)bd->size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (!bd->present || p == MAP_FAILED) {
        int e = errno;
        free(bd->present);
        bd->present = NULL;
        if (p != MAP_FAILED)
            munmap(p, (size_t)bd->size);
        close(bd->fd);
        return hv__dev_syserr(err, errlen, e ? e : ENOMEM,
                              "disk %s: transient overlay", cfg->path);
    }
    bd->mem = p;
    bd->ops = &ovl_ops;
    return 0;
}

/* ---- public (internal) API -------------------------------------------------------------- */

int hv__blockdev_open(const struct hv_disk_config *cfg, struct hv_blockdev **out,
                      char *err, size_t errlen)
{
    if (!cfg || !out)
        return hv__errf(err, errlen, HV_EINVAL, "disk: NULL argument");
    *out = NULL;
    struct hv_blockdev *bd = calloc(1, sizeof(*bd));
    if (!bd)
        return hv__errf(err, errlen, HV_ENOMEM, "disk: out of memory");
    bd->fd = -1;
    bd->readonly = cfg->readonly != 0;
    int rc = !cfg->path ? open_mem(bd, cfg, err, errlen)
             : cfg->transient ? open_transient(bd, cfg, err, errlen)
             : open_file(bd, cfg, err, errlen);
    if (rc < 0) {
        free(bd);
        return rc;
    }
    *out = bd;
    return 0;
}

void hv__blockdev_close(struct hv_blockdev *bd)
{
    if (!bd)
        return;
    bd->ops->close(bd);
    free(bd);
}

uint64_t hv__blockdev_size(const struct hv_blockdev *bd)
{
    return bd ? bd->size : 0;
}

bool hv__blockdev_readonly(const struct hv_blockdev *bd)
{
    return bd ? bd->readonly : true;
}

/* off + len <= size, written so that neither side can wrap around. */
static bool in_range(const struct hv_blockdev *bd, uint64_t off, uint64_t len)
{
    return len <= bd->size && off <= bd->size - len;
}

int hv__blockdev_read(struct hv_blockdev *bd, void *buf, size_t len, uint64_t off)
{
    if (!bd || (!buf && len))
        return HV_EINVAL;
    if (!in_range(bd, off, len))
        return HV_ERANGE;
    return len ? bd->ops->read(bd, buf, len, off) : 0;
}

int hv__blockdev_write(struct hv_blockdev *bd, const void *buf, size_t len, uint64_t off)
{
    if (!bd || (!buf && len))
        return HV_EINVAL;
    if (!in_range(bd, off, len))
        return HV_ERANGE;
    if (bd->readonly)
        return HV_ENOTSUP;
    return len ? bd->ops->write(bd, buf, len, off) : 0;
}

int hv__blockdev_flush(struct hv_blockdev *bd)
{
    if (!bd)
        return HV_EINVAL;
    /* A read-only disk has nothing of ours to make durable. */
    return bd->readonly ? 0 : bd->ops->flush(bd);
}

int hv__blockdev_discard(struct hv_blockdev *bd, uint64_t off, uint64_t len)
{
    if (!bd)
        return HV_EINVAL;
    if (!in_range(bd, off, len))
        return HV_ERANGE;
    if (bd->readonly)
        return HV_ENOTSUP;
    return len ? bd->ops->discard(bd, off, len) : 0;
}
