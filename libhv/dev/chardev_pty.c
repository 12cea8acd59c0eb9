/* SPDX-License-Identifier: MIT */
/* libhv dev — PTY chardev back-end: a fresh pseudo-terminal whose slave path (the name) a
 * user attaches to with screen/minicom. The master is non-blocking; the library keeps one
 * slave fd open in raw mode so the guest's bytes pass unmodified and the master never sees
 * the hang-up EIO while no user is attached. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "core/err.h"
#include "dev/dev_internal.h"

/* Output is dropped after this long when nobody drains the slave and the tty buffer is full;
 * zero: never wait, the buffer is the only slack (like a UART with no cable). */
#define PTY_WRITE_TIMEOUT_MS 0

static int set_cloexec_nonblock(int fd, bool nonblock)
{
    int fl = fcntl(fd, F_GETFD);
    if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
        return -1;
    if (!nonblock)
        return 0;
    fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    return 0;
}

/* Configure the slave raw: no echo, no line discipline, no CR/LF translation. */
static int make_raw(int fd)
{
    struct termios t;
    if (tcgetattr(fd, &t) < 0)
        return -1;
    cfmakeraw(&t);
    return tcsetattr(fd, TCSANOW, &t);
}

static void pty_close(struct hv_chardev *chr)
{
    if (chr->slave_fd >= 0)
        close(chr->slave_fd);
    if (chr->out_fd >= 0)
        close(chr->out_fd);
    chr->slave_fd = chr->out_fd = chr->in_fd = -1;
}

static int pty_fail(struct hv_chardev *chr, char *err, size_t errlen, const char *what)
{
    int e = errno;
    pty_close(chr);
    return hv__dev_syserr(err, errlen, e, "chardev pty: %s", what);
}

static int pty_open(struct hv_chardev *chr, const struct hv_chardev_config *cfg,
                    char *err, size_t errlen)
{
    /* O_NOCTTY: the pty must never become the host process's controlling terminal. */
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0)
        return pty_fail(chr, err, errlen, "posix_openpt");
    chr->out_fd = chr->in_fd = m;
    if (set_cloexec_nonblock(m, true) < 0)
        return pty_fail(chr, err, errlen, "fcntl");
    if (grantpt(m) < 0)
        return pty_fail(chr, err, errlen, "grantpt");
    if (unlockpt(m) < 0)
        return pty_fail(chr, err, errlen, "unlockpt");
    char path[256];
    int rc = ptsname_r(m, path, sizeof(path));
    if (rc != 0) {
        errno = rc;
        return pty_fail(chr, err, errlen, "ptsname");
    }
    chr->slave_fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (chr->slave_fd < 0) {
        int e = errno;
        pty_close(chr);
        return hv__dev_syserr(err, errlen, e, "chardev pty: open %s", path);
    }
    if (make_raw(chr->slave_fd) < 0) {
        int e = errno;
        pty_close(chr);
        return hv__dev_syserr(err, errlen, e, "chardev pty: raw mode on %s", path);
    }
    chr->name = strdup(path);
    if (!chr->name) {
        pty_close(chr);
        return hv__errf(err, errlen, HV_ENOMEM, "chardev pty: out of memory");
    }
    return 0;
}

static ssize_t pty_write(struct hv_chardev *chr, const uint8_t *buf, size_t len)
{
    ssize_t n = hv__dev_write_all(chr->out_fd, buf, len, PTY_WRITE_TIMEOUT_MS, false);
    /* EIO is the hang-up state; it cannot normally happen since we hold the slave, but
     * treat it like "no cable" rather than failing the guest's UART. */
    if (n < 0 && n != -EIO)
        return HV_EIO;
    return (ssize_t)len;
}

static size_t pty_read(struct hv_chardev *chr, uint8_t *buf, size_t len)
{
    ssize_t n;
    do
        n = read(chr->in_fd, buf, len);
    while (n < 0 && errno == EINTR);
    return n > 0 ? (size_t)n : 0;
}

const struct hv_chardev_ops hv__chardev_pty_ops = {
    .open = pty_open,
    .close = pty_close,
    .write = pty_write,
    .read = pty_read,
};
