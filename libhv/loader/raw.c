/* SPDX-License-Identifier: MIT */
/* libhv loader — raw images (firmware .bin, kernel Image, initrd, DTB) copied verbatim to a
 * guest-physical address, and reading whole host files into memory for the loaders. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/err.h"
#include "loader/loader.h"
#include "loader/loader_int.h"

int hv__raw_load(struct hv_mem *mem, uint64_t gpa, const void *image, size_t len,
                 char *err, size_t errlen)
{
    if (!mem || !image)
        return hv__errf(err, errlen, HV_EINVAL, "raw image: no guest memory or no image");
    /* An empty image is almost always an empty or wrong file: say so rather than "load" it. */
    if (len == 0)
        return hv__errf(err, errlen, HV_EINVAL, "raw image for 0x%" PRIx64 " is empty", gpa);
    if (len > UINT64_MAX - gpa)
        return hv__errf(err, errlen, HV_ERANGE, "raw image [0x%" PRIx64 "+0x%zx) wraps around "
                        "the 64-bit address space", gpa, len);
    uint64_t bad;
    bool is_mmio;
    if (!hv__loader_range_ok(mem, gpa, len, &bad, &is_mmio))
        return hv__errf(err, errlen, HV_ERANGE, "raw image [0x%" PRIx64 "+0x%zx) is outside "
                        "guest RAM/ROM (0x%" PRIx64 " is %s)", gpa, len, bad,
                        is_mmio ? "MMIO" : "not mapped");
    if (hv__mem_write(mem, gpa, image, len) < 0)
        return hv__errf(err, errlen, HV_EINTERNAL, "raw image [0x%" PRIx64 "+0x%zx) could not "
                        "be written after validation", gpa, len);
    return 0;
}

/* errno of open(2) to an HV_E* code: a missing path is ENOENT, anything else is host I/O. */
static int open_error(int e)
{
    return e == ENOENT || e == ENOTDIR ? HV_ENOENT : HV_EIO;
}

/* Read exactly up to `size` bytes (fewer only if the file shrank meanwhile). */
static int read_all(int fd, uint8_t *buf, size_t size, size_t *got)
{
    size_t done = 0;
    while (done < size) {
        ssize_t n = read(fd, buf + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            break;
        done += (size_t)n;
    }
    *got = done;
    return 0;
}

int hv__file_read(const char *path, size_t max_len, void **data, size_t *len,
                  char *err, size_t errlen)
{
    char why[128];
    if (!path || !data || !len)
        return hv__errf(err, errlen, HV_EINVAL, "file read: no path or no result pointers");
    *data = NULL;
    *len = 0;
    /* O_NONBLOCK so that opening a FIFO does not wait for a writer; we refuse it below. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        return hv__errf(err, errlen, open_error(e), "cannot open '%s': %s", path,
                        strerror_r(e, why, sizeof(why)));
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return hv__errf(err, errlen, HV_EIO, "cannot stat '%s': %s", path,
                        strerror_r(e, why, sizeof(why)));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return hv__errf(err, errlen, HV_EINVAL, "'%s' is not a regular file", path);
    }
    if ((uint64_t)st.st_size > max_len) {
        close(fd);
        return hv__errf(err, errlen, HV_ELIMIT, "'%s' is %lld bytes, over the limit of %zu bytes",
                        path, (long long)st.st_size, max_len);
    }
    size_t size = (size_t)st.st_size;
    uint8_t *buf = malloc(size ? size : 1);   /* never malloc(0): NULL would look like ENOMEM */
    if (!buf) {
        close(fd);
        return hv__errf(err, errlen, HV_ENOMEM, "no memory to read '%s' (%zu bytes)", path, size);
    }
    size_t got = 0;
    int rc = read_all(fd, buf, size, &got);
    close(fd);
    if (rc < 0) {
        free(buf);
        return hv__errf(err, errlen, HV_EIO, "cannot read '%s': %s", path,
                        strerror_r(-rc, why, sizeof(why)));
    }
    *data = buf;
    *len = got;
    return 0;
}
