/* SPDX-License-Identifier: MIT */
/* libhv dev — the simple chardev back-ends: NULL (discard), STDIO (the process's fd 0/1),
 * FILE (append-only log file) and BUFFER (output to a callback, input only by push).
 * PTY and SOCKET, which manage connections, have their own files. */
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/err.h"
#include "dev/dev_internal.h"

/* A stuck terminal or full pipe may hold the guest this long per write, then output drops. */
#define STDIO_WRITE_TIMEOUT_MS 1000

static int set_name(struct hv_chardev *chr, const char *name, char *err, size_t errlen)
{
    chr->name = strdup(name);
    if (!chr->name)
        return hv__errf(err, errlen, HV_ENOMEM, "chardev: out of memory");
    return 0;
}

/* ---- NULL ----------------------------------------------------------------------------- */

static int null_open(struct hv_chardev *chr, const struct hv_chardev_config *cfg,
                     char *err, size_t errlen)
{
    return set_name(chr, "null", err, errlen);
}

const struct hv_chardev_ops hv__chardev_null_ops = {
    .open = null_open,
    /* no write hook: the core reports the bytes as written; no read hook: no input */
};

/* ---- STDIO ---------------------------------------------------------------------------- */

static int stdio_open(struct hv_chardev *chr, const struct hv_chardev_config *cfg,
                      char *err, size_t errlen)
{
    /* The fds are the process's, not ours: never closed, and their flags and terminal mode
     * are left alone (the embedding program decides whether stdin is raw). */
    chr->in_fd = STDIN_FILENO;
    chr->out_fd = STDOUT_FILENO;
    return set_name(chr, "stdio", err, errlen);
}

static ssize_t stdio_write(struct hv_chardev *chr, const uint8_t *buf, size_t len)
{
    ssize_t n = hv__dev_write_all(chr->out_fd, buf, len, STDIO_WRITE_TIMEOUT_MS, false);
    return n < 0 ? HV_EIO : (ssize_t)len;
}

/* Poll with a zero timeout instead of O_NONBLOCK: the flag lives in the open file
 * description, which is shared with the host process (and its shell). */
static size_t fd_read_nonblock(int fd, uint8_t *buf, size_t len)
{
    if (fd < 0)
        return 0;
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int r;
    do
        r = poll(&p, 1, 0);
    while (r < 0 && errno == EINTR);
    if (r <= 0 || !(p.revents & POLLIN))
        return 0;
    ssize_t n;
    do
        n = read(fd, buf, len);
    while (n < 0 && errno == EINTR);
    return n > 0 ? (size_t)n : 0;
}

static size_t stdio_read(struct hv_chardev *chr, uint8_t *buf, size_t len)
{
    return fd_read_nonblock(chr->in_fd, buf, len);
}

const struct hv_chardev_ops hv__chardev_stdio_ops = {
    .open = stdio_open,
    .write = stdio_write,
    .read = stdio_read,
};

/* ---- FILE ----------------------------------------------------------------------------- */

static int file_open(struct hv_chardev *chr, const struct hv_chardev_config *cfg,
                     char *err, size_t errlen)
{
    if (!cfg->path || !*cfg->path)
        return hv__errf(err, errlen, HV_EINVAL, "chardev file: no path given");
    int fd = open(cfg->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return hv__dev_syserr(err, errlen, errno, "chardev file %s", cfg->path);
    int rc = set_name(chr, cfg->path, err, errlen);
    if (rc < 0) {
        close(fd);
        return rc;
    }
    chr->out_fd = fd;
    return 0;
}

static void file_close(struct hv_chardev *chr)
{
    if (chr->out_fd >= 0)
        close(chr->out_fd);
    chr->out_fd = -1;
}

static ssize_t file_write(struct hv_chardev *chr, const uint8_t *buf, size_t len)
{
    /* A regular file never returns EAGAIN, so the timeout is never used. */
    ssize_t n = hv__dev_write_all(chr->out_fd, buf, len, 0, false);
    return n < 0 || (size_t)n != len ? HV_EIO : (ssize_t)len;
}

const struct hv_chardev_ops hv__chardev_file_ops = {
    .open = file_open,
    .close = file_close,
    .write = file_write,
};

/* ---- BUFFER --------------------------------------------------------------------------- */

static int buffer_open(struct hv_chardev *chr, const struct hv_chardev_config *cfg,
                       char *err, size_t errlen)
{
    chr->on_output = cfg->on_output;
    chr->opaque = cfg->opaque;
    return set_name(chr, "buffer", err, errlen);
}

static ssize_t buffer_write(struct hv_chardev *chr, const uint8_t *buf, size_t len)
{
    /* No lock held: the callback may push input (echo) or log without deadlocking. */
    if (chr->on_output)
        chr->on_output(chr->opaque, buf, len);
    return (ssize_t)len;
}

const struct hv_chardev_ops hv__chardev_buffer_ops = {
    .open = buffer_open,
    .write = buffer_write,
    /* no read hook: input arrives only through hv__chardev_push_input */
};
