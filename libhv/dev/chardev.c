/* SPDX-License-Identifier: MIT */
/* libhv dev — character device core: picks the back-end ops table for a config, owns the
 * thread-safe 64 KiB input queue every chardev has, and the I/O helpers the back-ends share.
 * The back-ends themselves live in chardev_*.c. */
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "core/err.h"
#include "dev/dev_internal.h"

/* ---- shared helpers ------------------------------------------------------------------ */

int hv__dev_syserr(char *err, size_t errlen, int e, const char *fmt, ...)
{
    int code = hv__dev_errno_code(e);
    if (!err || !errlen)
        return code;
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    char ebuf[128];
    /* GNU strerror_r: thread-safe, returns a pointer that may or may not be ebuf */
    const char *msg = strerror_r(e, ebuf, sizeof(ebuf));
    return hv__errf(err, errlen, code, "%s: %s", what, msg);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

ssize_t hv__dev_write_all(int fd, const uint8_t *buf, size_t len, int timeout_ms, bool sock)
{
    size_t done = 0;
    int64_t deadline = now_ms() + timeout_ms;
    while (done < len) {
        ssize_t n = sock ? send(fd, buf + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT)
                         : write(fd, buf + done, len - done);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            return -errno;
        /* EAGAIN (or a 0-byte write): wait for room, but only within the budget so a stuck
         * reader cannot stall the vCPU. */
        int64_t left = deadline - now_ms();
        if (left <= 0)
            break;
        struct pollfd p = { .fd = fd, .events = POLLOUT };
        if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
            return -errno;
    }
    return (ssize_t)done;
}

/* ---- input queue ----------------------------------------------------------------------- */

static size_t queue_take(struct hv_chardev *chr, uint8_t *buf, size_t len)
{
    pthread_mutex_lock(&chr->q_lock);
    size_t n = len < chr->q_count ? len : chr->q_count;
    for (size_t copied = 0; copied < n;) {
        size_t chunk = HV__CHR_QUEUE_SIZE - chr->q_head;
        if (chunk > n - copied)
            chunk = n - copied;
        memcpy(buf + copied, chr->q + chr->q_head, chunk);
        chr->q_head = (chr->q_head + chunk) % HV__CHR_QUEUE_SIZE;
        copied += chunk;
    }
    chr->q_count -= n;
    pthread_mutex_unlock(&chr->q_lock);
    return n;
}

/* Append all of buf or nothing; caller holds q_lock. */
static int queue_put_locked(struct hv_chardev *chr, const uint8_t *buf, size_t len)
{
    if (len > HV__CHR_QUEUE_SIZE - chr->q_count)
        return HV_ELIMIT;
    size_t tail = (chr->q_head + chr->q_count) % HV__CHR_QUEUE_SIZE;
    for (size_t copied = 0; copied < len;) {
        size_t chunk = HV__CHR_QUEUE_SIZE - tail;
        if (chunk > len - copied)
            chunk = len - copied;
        memcpy(chr->q + tail, buf + copied, chunk);
        tail = (tail + chunk) % HV__CHR_QUEUE_SIZE;
        copied += chunk;
    }
    chr->q_count += len;
    return 0;
}

/* ---- public (internal) API --------------------------------------------------------------- */

static const struct hv_chardev_ops *ops_for(enum hv_chardev_type type)
{
    switch (type) {
    case HV_CHARDEV_NULL:
        return &hv__chardev_null_ops;
    case HV_CHARDEV_STDIO:
        return &hv__chardev_stdio_ops;
    case HV_CHARDEV_FILE:
        return &hv__chardev_file_ops;
    case HV_CHARDEV_BUFFER:
        return &hv__chardev_buffer_ops;
    case HV_CHARDEV_PTY:
        return &hv__chardev_pty_ops;
    case HV_CHARDEV_SOCKET:
        return &hv__chardev_socket_ops;
    }
    return NULL;
}

int hv__chardev_open(const struct hv_chardev_config *cfg, struct hv_chardev **out,
                     char *err, size_t errlen)
{
    if (!cfg || !out)
        return hv__errf(err, errlen, HV_EINVAL, "chardev: NULL argument");
    *out = NULL;
    const struct hv_chardev_ops *ops = ops_for(cfg->type);
    if (!ops)
        return hv__errf(err, errlen, HV_EINVAL, "chardev: unknown type %d", (int)cfg->type);

    struct hv_chardev *chr = calloc(1, sizeof(*chr));
    if (!chr)
        return hv__errf(err, errlen, HV_ENOMEM, "chardev: out of memory");
    chr->ops = ops;
    chr->out_fd = chr->in_fd = chr->slave_fd = chr->listen_fd = chr->client_fd = -1;
    pthread_mutex_init(&chr->q_lock, NULL);
    pthread_mutex_init(&chr->io_lock, NULL);

    int rc = ops->open(chr, cfg, err, errlen);
    if (rc < 0) {
        pthread_mutex_destroy(&chr->q_lock);
        pthread_mutex_destroy(&chr->io_lock);
        free(chr->name);
        free(chr);
        return rc;
    }
    *out = chr;
    return 0;
}

void hv__chardev_close(struct hv_chardev *chr)
{
    if (!chr)
        return;
    if (chr->ops->close)
        chr->ops->close(chr);
    pthread_mutex_destroy(&chr->q_lock);
    pthread_mutex_destroy(&chr->io_lock);
    free(chr->name);
    free(chr);
}

ssize_t hv__chardev_write(struct hv_chardev *chr, const void *buf, size_t len)
{
    if (!chr || (!buf && len))
        return HV_EINVAL;
    if (!len || !chr->ops->write)
        return (ssize_t)len;
    return chr->ops->write(chr, buf, len);
}

size_t hv__chardev_read(struct hv_chardev *chr, void *buf, size_t len)
{
    if (!chr || !buf || !len)
        return 0;
    /* Queued (injected or already polled) bytes come first so input stays in order. */
    size_t n = queue_take(chr, buf, len);
    if (n < len && chr->ops->read)
        n += chr->ops->read(chr, (uint8_t *)buf + n, len - n);
    return n;
}

size_t hv__chardev_pending(struct hv_chardev *chr)
{
    if (!chr)
        return 0;
    /* Move whatever the host side has ready into the queue, so the count is exact and the
     * next read returns those bytes without polling again. The host read never blocks, so
     * holding q_lock across it is cheap, and it keeps a concurrent push from taking the
     * room we measured (lock order: q_lock, then the back-end's io_lock). */
    pthread_mutex_lock(&chr->q_lock);
    if (chr->ops->read) {
        uint8_t tmp[4096];
        size_t room = HV__CHR_QUEUE_SIZE - chr->q_count;
        if (room > sizeof(tmp))
            room = sizeof(tmp);
        size_t got = room ? chr->ops->read(chr, tmp, room) : 0;
        queue_put_locked(chr, tmp, got);
    }
    size_t n = chr->q_count;
    pthread_mutex_unlock(&chr->q_lock);
    return n;
}

int hv__chardev_push_input(struct hv_chardev *chr, const void *buf, size_t len)
{
    if (!chr || (!buf && len))
        return HV_EINVAL;
    pthread_mutex_lock(&chr->q_lock);
    int rc = queue_put_locked(chr, buf, len);
    pthread_mutex_unlock(&chr->q_lock);
    return rc;
}

void hv__chardev_send_break(struct hv_chardev *chr)
{
    if (chr)
        atomic_store(&chr->brk, true);
}

bool hv__chardev_take_break(struct hv_chardev *chr)
{
    /* Only once the input queued before the break has been read. */
    return chr && atomic_load_explicit(&chr->brk, memory_order_relaxed) &&
           !hv__chardev_pending(chr) && atomic_exchange(&chr->brk, false);
}

const char *hv__chardev_name(const struct hv_chardev *chr)
{
    return chr && chr->name ? chr->name : "";
}
