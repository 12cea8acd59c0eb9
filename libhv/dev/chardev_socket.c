/* SPDX-License-Identifier: MIT */
/* libhv dev — SOCKET chardev back-end: a unix stream socket server at cfg->path. One client
 * at a time is accepted lazily (non-blocking) whenever the guest writes or input is polled;
 * when it disconnects the next one is accepted. Output with no client is dropped. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "core/err.h"
#include "dev/dev_internal.h"

/* How long a slow client may hold the guest per write before the rest is dropped. */
#define SOCK_WRITE_TIMEOUT_MS 100

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa->sun_path))
        return -1;
    memcpy(sa->sun_path, path, strlen(path) + 1);
    return 0;
}

/* A socket file left by a previous run that nobody listens on is stale: remove it so the
 * bind can succeed. A live server, or any non-socket file, is left alone. */
static void remove_stale_socket(const struct sockaddr_un *sa)
{
    struct stat st;
    if (lstat(sa->sun_path, &st) < 0 || !S_ISSOCK(st.st_mode))
        return;
    /* non-blocking: a live server with a full backlog must not stall the open */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return;
    if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 && errno == ECONNREFUSED)
        unlink(sa->sun_path);
    close(fd);
}

static int sock_open(struct hv_chardev *chr, const struct hv_chardev_config *cfg,
                     char *err, size_t errlen)
{
    struct sockaddr_un sa;
    if (!cfg->path || !*cfg->path)
        return hv__errf(err, errlen, HV_EINVAL, "chardev socket: no path given");
    if (fill_addr(&sa, cfg->path) < 0)
        return hv__errf(err, errlen, HV_EINVAL, "chardev socket %s: path too long (max %zu)",
                        cfg->path, sizeof(sa.sun_path) - 1);
    chr->name = strdup(cfg->path);
    if (!chr->name)
        return hv__errf(err, errlen, HV_ENOMEM, "chardev socket: out of memory");

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return hv__dev_syserr(err, errlen, errno, "chardev socket %s: socket", cfg->path);
    remove_stale_socket(&sa);
    if (bind(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(fd);
        return hv__dev_syserr(err, errlen, e, "chardev socket %s: bind", cfg->path);
    }
    if (listen(fd, 1) < 0) {
        int e = errno;
        close(fd);
        unlink(cfg->path);
        return hv__dev_syserr(err, errlen, e, "chardev socket %s: listen", cfg->path);
    }
    chr->listen_fd = fd;
    return 0;
}

static void drop_client_locked(struct hv_chardev *chr)
{
    if (chr->client_fd >= 0)
        close(chr->client_fd);
    chr->client_fd = -1;
}

static void sock_close(struct hv_chardev *chr)
{
    drop_client_locked(chr);
    if (chr->listen_fd >= 0) {
        close(chr->listen_fd);
        unlink(chr->name);
    }
    chr->listen_fd = -1;
}

/* Caller holds io_lock. Returns the client fd, accepting a waiting one if needed, or -1. */
static int client_locked(struct hv_chardev *chr)
{
    if (chr->client_fd >= 0)
        return chr->client_fd;
    int fd;
    do
        fd = accept4(chr->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    chr->client_fd = fd;     /* -1 (EAGAIN etc.): nobody is waiting, try again later */
    return fd;
}

static ssize_t sock_write(struct hv_chardev *chr, const uint8_t *buf, size_t len)
{
    pthread_mutex_lock(&chr->io_lock);
    /* Two tries: if the current client turns out to have left (EPIPE/ECONNRESET), drop it
     * and hand the bytes to the next waiting client instead of losing them. */
    for (int tries = 0; tries < 2; tries++) {
        int fd = client_locked(chr);
        if (fd < 0)
            break;                         /* no client: output is dropped */
        if (hv__dev_write_all(fd, buf, len, SOCK_WRITE_TIMEOUT_MS, true) >= 0)
            break;
        drop_client_locked(chr);
    }
    pthread_mutex_unlock(&chr->io_lock);
    return (ssize_t)len;
}

static size_t sock_read(struct hv_chardev *chr, uint8_t *buf, size_t len)
{
    pthread_mutex_lock(&chr->io_lock);
    size_t got = 0;
    int fd = client_locked(chr);
    if (fd >= 0) {
        ssize_t n;
        do
            n = recv(fd, buf, len, MSG_DONTWAIT);
        while (n < 0 && errno == EINTR);
        if (n > 0)
            got = (size_t)n;
        else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
            drop_client_locked(chr);   /* orderly shutdown or reset */
    }
    pthread_mutex_unlock(&chr->io_lock);
    return got;
}

const struct hv_chardev_ops hv__chardev_socket_ops = {
    .open = sock_open,
    .close = sock_close,
    .write = sock_write,
    .read = sock_read,
};
