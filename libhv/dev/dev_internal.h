/* SPDX-License-Identifier: MIT */
/* libhv internal — private to libhv/dev: the chardev object and the ops table each host
 * back-end fills in, plus errno mapping shared by the char and block back-ends. Front-ends
 * use dev.h only. */
#ifndef HV_DEV_DEV_INTERNAL_H
#define HV_DEV_DEV_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "dev/dev.h"
#include "hv/error.h"

#define HV__CHR_QUEUE_SIZE (64u * 1024u)  /* input queue capacity (bytes) */

struct hv_chardev;

/* One static const table per back-end type. Unused hooks may be NULL. */
struct hv_chardev_ops {
    /* Acquire host resources and set chr->name. On failure releases what it took. */
    int (*open)(struct hv_chardev *chr, const struct hv_chardev_config *cfg,
                char *err, size_t errlen);
    void (*close)(struct hv_chardev *chr);
    /* Deliver guest output; returns len (also when dropped) or HV_EIO. */
    ssize_t (*write)(struct hv_chardev *chr, const uint8_t *buf, size_t len);
    /* Non-blocking read of host input; returns bytes copied, 0 if none. */
    size_t (*read)(struct hv_chardev *chr, uint8_t *buf, size_t len);
};

/* Back-end state: fds are -1 when unused. The socket back-end guards its client fd with
 * io_lock because accept/disconnect can happen from write() and pending() on different
 * threads; the input queue has its own lock so push_input never waits on host I/O. */
struct hv_chardev {
    const struct hv_chardev_ops *ops;
    char *name;                    /* owned */

    int out_fd;                    /* STDIO, FILE, PTY master */
    int in_fd;                     /* STDIO (0), PTY master */
    int slave_fd;                  /* PTY: kept open so raw mode persists, no EIO on master */
    int listen_fd;                 /* SOCKET */
    int client_fd;                 /* SOCKET, -1 while no client is connected */
    pthread_mutex_t io_lock;       /* SOCKET client state */
    hv_output_fn on_output;        /* BUFFER */
    void *opaque;

    atomic_bool brk;               /* a break condition waits for the front-end */
    pthread_mutex_t q_lock;        /* input queue */
    size_t q_head, q_count;
    uint8_t q[HV__CHR_QUEUE_SIZE];
};

extern const struct hv_chardev_ops hv__chardev_null_ops;
extern const struct hv_chardev_ops hv__chardev_stdio_ops;
extern const struct hv_chardev_ops hv__chardev_file_ops;
extern const struct hv_chardev_ops hv__chardev_buffer_ops;
extern const struct hv_chardev_ops hv__chardev_pty_ops;
extern const struct hv_chardev_ops hv__chardev_socket_ops;

/* Map a host errno to an HV_E* code: ENOENT→ENOENT, ENOMEM→ENOMEM, anything else→EIO. */
static inline int hv__dev_errno_code(int e)
{
    switch (e) {
    case ENOENT:
        return HV_ENOENT;
    case ENOMEM:
        return HV_ENOMEM;
    default:
        return HV_EIO;
    }
}

/* Write "<what>: <strerror(e)>" into err and return the mapped code for e. */
int hv__dev_syserr(char *err, size_t errlen, int e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Write all of buf to a blocking or non-blocking fd, retrying on EINTR and waiting up to
 * timeout_ms in total for POLLOUT on EAGAIN (the rest is then dropped). Returns the bytes
 * written, or -errno after a hard error. sock: use send(MSG_NOSIGNAL) so a vanished peer
 * gives EPIPE instead of killing the host process with SIGPIPE. */
ssize_t hv__dev_write_all(int fd, const uint8_t *buf, size_t len, int timeout_ms, bool sock);

#endif
