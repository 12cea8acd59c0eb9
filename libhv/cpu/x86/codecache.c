/* SPDX-License-Identifier: MIT */
/* libhv cpu/x86 — the W^X code cache: one shared-memory object (memfd, else POSIX shm,
 * else an unlinked temporary file) mapped once read-write and once read-execute, a bump
 * allocator with whole-cache flushes, and rel32 patching through the writable view. */
#include "cpu/x86/codecache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/err.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U    /* Linux 6.3+: ask for an executable memfd explicitly */
#endif

static int open_memfd(void)
{
    /* With vm.memfd_noexec=1 a memfd created without MFD_EXEC cannot be mapped executable;
     * kernels before 6.3 reject the unknown flag with EINVAL, so retry without it. */
    int fd = memfd_create("hv-codecache", MFD_CLOEXEC | MFD_EXEC);
    if (fd < 0 && errno == EINVAL)
        fd = memfd_create("hv-codecache", MFD_CLOEXEC);
    return fd;
}

static int open_shm(const void *cc)
{
    /* The name only has to be unique for the instant between create and unlink. */
    for (unsigned attempt = 0; attempt < 16; attempt++) {
        char name[64];
        snprintf(name, sizeof(name), "/hv-cc-%ld-%p-%u", (long)getpid(), cc, attempt);
        int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            shm_unlink(name);
            return fd;
        }
        if (errno != EEXIST)
            return -1;
    }
    return -1;
}

static int open_tmpfile(void)
{
    static const char *const dirs[] = { "/dev/shm", "/tmp" };
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        char path[64];
        snprintf(path, sizeof(path), "%s/hv-cc-XXXXXX", dirs[i]);
        int fd = mkostemp(path, O_CLOEXEC);
        if (fd >= 0) {
            unlink(path);
            return fd;
        }
    }
    return -1;
}

/* Size the object and map both views; on success the fd is no longer needed. */
static int map_views(struct hv__cc *cc, int fd, size_t size)
{
    if (ftruncate(fd, (off_t)size) != 0)
        return -1;
    void *rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (rw == MAP_FAILED)
        return -1;
    void *rx = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    if (rx == MAP_FAILED) {
        int e = errno;
        munmap(rw, size);
        errno = e;
        return -1;
    }
    cc->rw = rw;
    cc->rx = rx;
    return 0;
}

/* Try one backing; 0 on success, else errno of the failure. */
static int try_backing(struct hv__cc *cc, int fd, size_t size, const char *name)
{
    if (fd < 0)
        return errno ? errno : EIO;
    int rc = map_views(cc, fd, size);
    int e = errno;
    close(fd);
    if (rc != 0)
        return e ? e : EIO;
    cc->backing = name;
    return 0;
}

int hv__cc_init(struct hv__cc *cc, size_t size, unsigned flags, char *err, size_t errlen)
{
    memset(cc, 0, sizeof(*cc));
    long pg = sysconf(_SC_PAGESIZE);
    size_t page = pg > 0 ? (size_t)pg : 4096;
    if (size == 0 || size > ((size_t)1 << 40))
        return hv__errf(err, errlen, HV_EINVAL, "code cache: bad size %zu", size);
    size = (size + page - 1) & ~(page - 1);

    int e_memfd = 0, e_shm = 0, e_tmp = 0;
    if (!(flags & HV_CC_NO_MEMFD)) {
        errno = 0;
        if ((e_memfd = try_backing(cc, open_memfd(), size, "memfd")) == 0)
            goto ok;
    }
    if (!(flags & HV_CC_NO_SHM)) {
        errno = 0;
        if ((e_shm = try_backing(cc, open_shm(cc), size, "shm")) == 0)
            goto ok;
    }
    if (!(flags & HV_CC_NO_TMPFILE)) {
        errno = 0;
        if ((e_tmp = try_backing(cc, open_tmpfile(), size, "tmpfile")) == 0)
            goto ok;
    }
    /* Deliberately no RWX fallback: a mapping both writable and executable is what W^X
     * exists to prevent. */
    memset(cc, 0, sizeof(*cc));
    return hv__errf(err, errlen, (e_memfd == ENOMEM || e_shm == ENOMEM) ? HV_ENOMEM :
                    HV_ENOTSUP, "code cache: no shared memory can be mapped both RW and RX "
                    "(memfd: %s, shm: %s, tmpfile: %s); refusing an RWX mapping",
                    e_memfd ? strerror(e_memfd) : "skipped", e_shm ? strerror(e_shm) : "skipped",
                    e_tmp ? strerror(e_tmp) : "skipped");
ok:
    cc->size = size;
    cc->used = 0;
    cc->filled = 0;
    cc->generation = 1;
    return 0;
}

void hv__cc_fini(struct hv__cc *cc)
{
    if (!cc)
        return;
    if (cc->rw)
        munmap(cc->rw, cc->size);
    if (cc->rx)
        munmap(cc->rx, cc->size);
    memset(cc, 0, sizeof(*cc));
}

void hv__cc_flush(struct hv__cc *cc)
{
    memset(cc->rw, 0xcc, cc->used);
    cc->used = 0;
    cc->generation++;
    cc->flushes++;
}

static size_t align_up(size_t v, size_t align)
{
    return (v + align - 1) & ~(align - 1);
}

/* int3 over the cache ahead of the bump pointer, a chunk at a time: a wild jump into the
 * cache traps, and a VM that translates little never touches (and commits) the rest of
 * its space (filling all of it up front cost ~2 ms of page faults per vCPU start; 64 KiB
 * chunks cost ~100 KiB of RSS per VM of which a tiny guest used a few KiB). */
#define FILL_CHUNK ((size_t)16 * 1024)   /* 16 KiB: a small VM commits ~16 KiB of code */

static void fill_to(struct hv__cc *cc, size_t end)
{
    if (end > cc->size)
        end = cc->size;
    if (end <= cc->filled)
        return;
    end = align_up(end, FILL_CHUNK) < cc->size ? align_up(end, FILL_CHUNK) : cc->size;
    memset(cc->rw + cc->filled, 0xcc, end - cc->filled);
    cc->filled = end;
}

void *hv__cc_alloc(struct hv__cc *cc, size_t n, size_t align)
{
    if (align == 0 || (align & (align - 1)))
        return NULL;
    size_t at = align_up(cc->used, align);
    if (at > cc->size || n > cc->size - at)
        return NULL;
    cc->used = at + n;
    fill_to(cc, cc->used);
    return cc->rw + at;
}

void hv__cc_begin(struct hv__cc *cc, struct hv__x86_buf *b)
{
    size_t at = align_up(cc->used, 16);
    if (at > cc->size)
        at = cc->size;
    fill_to(cc, at + FILL_CHUNK);   /* a block is far smaller; code written past it is kept */
    hv__x86_buf_init(b, cc->rw + at, cc->size - at, (uintptr_t)(cc->rx + at));
}

void *hv__cc_commit(struct hv__cc *cc, const struct hv__x86_buf *b)
{
    if (!hv__x86_buf_ok(b) || b->start < cc->rw || b->cur > cc->rw + cc->size)
        return NULL;
    cc->used = (size_t)(b->cur - cc->rw);
    if (cc->used > cc->filled)
        cc->filled = cc->used;      /* a huge block ran past the fill: it is code now */
    fill_to(cc, cc->used + 1);
    return hv__cc_rx(cc, b->start);
}

int hv__cc_patch_rel32(struct hv__cc *cc, uintptr_t field, uintptr_t target)
{
    uintptr_t base = (uintptr_t)cc->rx;
    if (field < base || field + 4 > base + cc->used)
        return HV_ERANGE;
    int64_t rel = (int64_t)(target - (field + 4));
    if (rel < INT32_MIN || rel > INT32_MAX)
        return HV_ERANGE;
    uint8_t *p = hv__cc_rw(cc, (const void *)field);
    int32_t v = (int32_t)rel;
    if ((field & 3) == 0)
        __atomic_store_n((int32_t *)(void *)p, v, __ATOMIC_RELEASE);
    else
        memcpy(p, &v, 4);
    return 0;
}
