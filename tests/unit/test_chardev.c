/* SPDX-License-Identifier: MIT */
/* Unit tests for libhv/dev character devices: every back-end against real host objects
 * (files, pipes, a pty, a unix socket) plus the thread-safe input queue. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "dev/dev.h"
#include "hv/error.h"

static char tmpdir[64];

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

static void make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/hv-chardev-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void tmp_path(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", tmpdir, name);
}

static struct hv_chardev *open_ok(const struct hv_chardev_config *cfg)
{
    char err[256] = "";
    struct hv_chardev *chr = NULL;
    int rc = hv__chardev_open(cfg, &chr, err, sizeof(err));
    cr_assert_eq(rc, 0, "open failed: %d %s", rc, err);
    cr_assert_not_null(chr);
    return chr;
}

/* Read from the chardev until `want` bytes arrived or 3 s passed (pty and socket transfers
 * are asynchronous in the kernel). */
static size_t read_until(struct hv_chardev *chr, uint8_t *buf, size_t want)
{
    size_t got = 0;
    for (int i = 0; i < 3000 && got < want; i++) {
        got += hv__chardev_read(chr, buf + got, want - got);
        if (got < want)
            usleep(1000);
    }
    return got;
}

/* Read from a plain fd until `want` bytes arrived or 3 s passed. */
static size_t fd_read_until(int fd, uint8_t *buf, size_t want)
{
    size_t got = 0;
    while (got < want) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 3000) <= 0)
            break;
        ssize_t n = read(fd, buf + got, want - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return got;
}

static size_t slurp(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "fopen %s", path);
    size_t n = fread(buf, 1, len, f);
    fclose(f);
    return n;
}

/* ---- NULL ------------------------------------------------------------------------------ */

Test(chardev_null, discards_output_and_has_no_input)
{
    struct hv_chardev_config cfg = { .type = HV_CHARDEV_NULL };
    struct hv_chardev *chr = open_ok(&cfg);
    cr_assert_str_eq(hv__chardev_name(chr), "null");
    cr_assert_eq(hv__chardev_write(chr, "hello", 5), 5);
    uint8_t b[8];
    cr_assert_eq(hv__chardev_pending(chr), 0);
    cr_assert_eq(hv__chardev_read(chr, b, sizeof(b)), 0);
    /* harnesses may still inject input into any type */
    cr_assert_eq(hv__chardev_push_input(chr, "ab", 2), 0);
    cr_assert_eq(hv__chardev_pending(chr), 2);
    cr_assert_eq(hv__chardev_read(chr, b, sizeof(b)), 2);
    cr_assert_eq(memcmp(b, "ab", 2), 0);
    hv__chardev_close(chr);
}

Test(chardev, close_null_and_bad_type)
{
    hv__chardev_close(NULL);
    struct hv_chardev_config cfg = { .type = (enum hv_chardev_type)99 };
    struct hv_chardev *chr = (struct hv_chardev *)1;
    char err[128] = "";
    cr_assert_eq(hv__chardev_open(&cfg, &chr, err, sizeof(err)), HV_EINVAL);
    cr_assert_null(chr);
    cr_assert(strlen(err) > 0);
}

/* ---- FILE ------------------------------------------------------------------------------ */

Test(chardev_file, writes_land_in_file_and_append, .fini = remove_tmpdir)
{
    make_tmpdir();
    char path[128];
    tmp_path(path, sizeof(path), "serial.log");
    struct hv_chardev_config cfg = { .type = HV_CHARDEV_FILE, .path = path };

    struct hv_chardev *chr = open_ok(&cfg);
    cr_assert_str_eq(hv__chardev_name(chr), path);
    cr_assert_eq(hv__chardev_write(chr, "abc", 3), 3);
    cr_assert_eq(hv__chardev_write(chr, "d\0f", 3), 3);
    uint8_t b[4];
    cr_assert_eq(hv__chardev_read(chr, b, sizeof(b)), 0);
    hv__chardev_close(chr);

    char got[64];
    cr_assert_eq(slurp(path, got, sizeof(got)), 6);
    cr_assert_eq(memcmp(got, "abcd\0f", 6), 0);

    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    mode_t mask = umask(0);
    umask(mask);
    cr_assert_eq(st.st_mode & 0777, 0644 & ~mask, "mode %o", (unsigned)(st.st_mode & 0777));

    /* reopening appends rather than truncating */
    chr = open_ok(&cfg);
    cr_assert_eq(hv__chardev_write(chr, "ghi", 3), 3);
    hv__chardev_close(chr);
    cr_assert_eq(slurp(path, got, sizeof(got)), 9);
    cr_assert_eq(memcmp(got, "abcd\0fghi", 9), 0);
}

Test(chardev_file, errors_name_the_path)
{
    char err[256] = "";
    struct hv_chardev *chr = NULL;
    const char *path = "/nonexistent-hv-dir/serial.log";
    struct hv_chardev_config cfg = { .type = HV_CHARDEV_FILE, .path = path };
    cr_assert_eq(hv__chardev_open(&cfg, &chr, err, sizeof(err)), HV_ENOENT);
    cr_assert_null(chr);
    cr_assert_not_null(strstr(err, path), "message: %s", err);
    cr_assert_not_null(strstr(err, strerror(ENOENT)), "message: %s", err);

    cfg.path = NULL;
    cr_assert_eq(hv__chardev_open(&cfg, &chr, err, sizeof(err)), HV_EINVAL);
}

/* ---- BUFFER and the input queue ----------------------------------------------------------- */

struct sink {
    uint8_t data[256];
    size_t len;
    int calls;
};

static void sink_fn(void *opaque, const uint8_t *data, size_t len)
{
    struct sink *s = opaque;
    cr_assert_leq(s->len + len, sizeof(s->data));
    memcpy(s->data + s->len, data, len);
    s->len += len;
    s->calls++;
}

Test(chardev_buffer, callback_receives_exact_bytes)
{
    struct sink s = { .len = 0 };
    struct hv_chardev_config cfg = { .type = HV_CHARDEV_BUFFER, .on_output = sink_fn,
                                     .opaque = &s };
    struct hv_chardev *chr = open_ok(&cfg);
    cr_assert_str_eq(hv__chardev_name(chr), "buffer");
    const uint8_t msg[] = { 'h', 'i', 0, 0xff, '\r', '\n' };
    cr_assert_eq(hv__chardev_write(chr, msg, sizeof(msg)), (ssize_t)sizeof(msg));
    cr_assert_eq(hv__chardev_write(chr, "x", 1), 1);
    cr_assert_eq(hv__chardev_write(chr, "", 0), 0);
    cr_assert_eq(s.calls, 2);
    cr_assert_eq(s.len, sizeof(msg) + 1);
    cr_assert_eq(memcmp(s.data, msg, sizeof(msg)), 0);
    cr_assert_eq(s.data[sizeof(msg)], 'x');
    hv__chardev_close(chr);
}

Test(chardev_buffer, queue_full_gives_elimit_and_keeps_order)
{
    struct hv_chardev_config cfg = { .type = HV_CHARDEV_BUFFER };
    struct hv_chardev *chr = open_ok(&cfg);
    const size_t cap = 64 * 1024;
    uint8_t *in = malloc(cap), *out = malloc(cap);
    for (size_t i = 0; i < cap; i++)
        in[i] = (uint8_t)(i * 31 + (i >> 9));

    /* part-fill, drain part, then fill so the ring wraps around its end */
    cr_assert_eq(hv__chardev_push_input(chr, in, 40000), 0);
    cr_assert_eq(hv__chardev_read(chr, out, 30000), 30000);
    cr_assert_eq(memcmp(out, in, 30000), 0);
    cr_assert_eq(hv__chardev_push_input(chr, in, cap - 10000), 0);
    cr_assert_eq(hv__chardev_pending(chr), cap);
    /* full: nothing more is accepted, and nothing is partially queued */
    cr_assert_eq(hv__chardev_push_input(chr, "z", 1), HV_ELIMIT);
    cr_assert_eq(hv__chardev_pending(chr), cap);

    cr_assert_eq(hv__chardev_read(chr, out, 10000), 10000);
    cr_assert_eq(memcmp(out, in + 30000, 10000), 0);
    cr_assert_eq(hv__chardev_push_input(chr, in, 10001), HV_ELIMIT);
    cr_assert_eq(hv__chardev_read(chr, out, cap), cap - 10000);
    cr_assert_eq(memcmp(out, in, cap - 10000), 0);
    cr_assert_eq(hv__chardev_read(chr, out, cap), 0);

    free(in);
    free(out);
    hv__chardev_close(chr);
}

#define PRODUCE_TOTAL (512u * 1024u)

static uint8_t seq_byte(size_t i)
{
    return (uint8_t)(i ^ (i >> 8) ^ (i >> 16));
}

static void *producer(void *arg)
{
    struct hv_chardev *chr = arg;
    uint8_t chunk[997];
    size_t sent = 0;
    while (sent < PRODUCE_TOTAL) {
        size_t n = PRODUCE_TOTAL - sent < sizeof(chunk) ? PRODUCE_TOTAL - sent : sizeof(chunk);
        for (size_t i = 0; i < n; i++)
            chunk[i] = seq_byte(sent + i);
        int rc = hv__chardev_push_input(chr, chunk, n);
        if (rc == HV_ELIMIT) {
            usleep(100);
            continue;
        }
        if (rc != 0)
            return (void *)1;
        sent += n;
    }
    return NULL;
}

Test(chardev_buffer, push_from_another_thread_round_trips)
{
    struct hv_chardev_config cfg = { .type = HV_CHARDEV_BUFFER };
    struct hv_chardev *chr = open_ok(&cfg);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, producer, chr), 0);
    size_t got = 0;
    int bad = 0;
    uint8_t buf[1500];
    time_t deadline = time(NULL) + 20;
    while (got < PRODUCE_TOTAL && time(NULL) < deadline) {
        size_t n = hv__chardev_read(chr, buf, sizeof(buf));
        for (size_t i = 0; i < n; i++)
            bad += buf[i] != seq_byte(got + i);
        got += n;
        if (!n)
            usleep(50);
    }
    void *ret;
    pthread_join(t, &ret);
    cr_assert_null(ret);
    cr_assert_eq(got, PRODUCE_TOTAL);
    cr_assert_eq(bad, 0);
    hv__chardev_close(chr);
}

/* ---- STDIO ------------------------------------------------------------------------------ */

Test(chardev_stdio, writes_to_fd1_and_reads_fd0_without_changing_flags)
{
    int outp[2], inp[2];
    cr_assert_eq(pipe(outp), 0);
    cr_assert_eq(pipe(inp), 0);
    int saved_out = dup(1), saved_in = dup(0);
    cr_assert_eq(dup2(outp[1], 1), 1);
    cr_assert_eq(dup2(inp[0], 0), 0);
    int in_flags = fcntl(0, F_GETFL);

    struct hv_chardev_config cfg = { .type = HV_CHARDEV_STDIO };
    struct hv_chardev *chr = open_ok(&cfg);
    cr_assert_str_eq(hv__chardev_name(chr), "stdio");
    ssize_t wn = hv__chardev_write(chr, "to-stdout\n", 10);

    uint8_t b[32];
    /* nothing written yet: must return at once, not block on the pipe */
    size_t early = hv__chardev_read(chr, b, sizeof(b));
    size_t early_pending = hv__chardev_pending(chr);
    cr_assert_eq(write(inp[1], "from-stdin", 10), 10);
    size_t pend = hv__chardev_pending(chr);
    size_t rn = hv__chardev_read(chr, b, sizeof(b));
    int in_flags_after = fcntl(0, F_GETFL);
    hv__chardev_close(chr);

    dup2(saved_out, 1);
    dup2(saved_in, 0);
    close(saved_out);
    close(saved_in);

    cr_assert_eq(wn, 10);
    char out[32] = "";
    cr_assert_eq(read(outp[0], out, sizeof(out)), 10);
    cr_assert_eq(memcmp(out, "to-stdout\n", 10), 0);
    cr_assert_eq(early, 0);
    cr_assert_eq(early_pending, 0);
    cr_assert_eq(pend, 10);
    cr_assert_eq(rn, 10);
    cr_assert_eq(memcmp(b, "from-stdin", 10), 0);
    cr_assert_eq(in_flags_after, in_flags, "stdin flags changed");
    cr_assert_eq(in_flags & O_NONBLOCK, 0);
}

/* ---- PTY -------------------------------------------------------------------------------- */

Test(chardev_pty, bytes_pass_unmodified_both_ways)
{
    struct hv_chardev_config cfg = { .type = HV_CHARDEV_PTY };
    struct hv_chardev *chr = open_ok(&cfg);
    const char *name = hv__chardev_name(chr);
    cr_assert_eq(strncmp(name, "/dev/pts/", 9), 0, "name %s", name);

    int slave = open(name, O_RDWR | O_NOCTTY);
    cr_assert_geq(slave, 0, "open %s: %s", name, strerror(errno));

    /* guest -> user: CR, LF, ^C and high bytes must not be translated or interpreted */
    const uint8_t out[] = { 'a', '\r', 'b', '\n', 3, 0x7f, 0xff, 0, 'z' };
    cr_assert_eq(hv__chardev_write(chr, out, sizeof(out)), (ssize_t)sizeof(out));
    uint8_t got[32];
    cr_assert_eq(fd_read_until(slave, got, sizeof(out)), sizeof(out));
    cr_assert_eq(memcmp(got, out, sizeof(out)), 0);

    /* user -> guest */
    const uint8_t in[] = { 'x', '\n', 'y', '\r', 4, 0x1a };
    cr_assert_eq(write(slave, in, sizeof(in)), (ssize_t)sizeof(in));
    cr_assert_eq(read_until(chr, got, sizeof(in)), sizeof(in));
    cr_assert_eq(memcmp(got, in, sizeof(in)), 0);
    cr_assert_eq(hv__chardev_read(chr, got, sizeof(got)), 0);

    close(slave);
    hv__chardev_close(chr);
}

Test(chardev_pty, output_without_reader_never_blocks)
{
    struct hv_chardev_config cfg = { .type = HV_CHARDEV_PTY };
    struct hv_chardev *chr = open_ok(&cfg);
    static uint8_t blob[64 * 1024];
    memset(blob, 'q', sizeof(blob));
    time_t start = time(NULL);
    for (int i = 0; i < 32; i++)   /* 2 MiB, far beyond any tty buffer */
        cr_assert_eq(hv__chardev_write(chr, blob, sizeof(blob)), (ssize_t)sizeof(blob));
    cr_assert_leq(time(NULL) - start, 3);
    cr_assert_eq(hv__chardev_pending(chr), 0);
    hv__chardev_close(chr);
}

/* ---- SOCKET ----------------------------------------------------------------------------- */

static int connect_to(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    cr_assert_lt(strlen(path), sizeof(sa.sun_path));
    memcpy(sa.sun_path, path, strlen(path) + 1);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "connect: %s",
                 strerror(errno));
    return fd;
}

Test(chardev_socket, exchange_disconnect_reconnect, .fini = remove_tmpdir)
{
    make_tmpdir();
    char path[128];
    tmp_path(path, sizeof(path), "console.sock");
    struct hv_chardev_config cfg = { .type = HV_CHARDEV_SOCKET, .path = path };
    struct hv_chardev *chr = open_ok(&cfg);
    cr_assert_str_eq(hv__chardev_name(chr), path);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert(S_ISSOCK(st.st_mode));

    /* no client: output is dropped, nothing pending, never blocks */
    cr_assert_eq(hv__chardev_write(chr, "lost", 4), 4);
    cr_assert_eq(hv__chardev_pending(chr), 0);

    int c1 = connect_to(path);
    cr_assert_eq(hv__chardev_write(chr, "ping", 4), 4);
    uint8_t b[32];
    cr_assert_eq(fd_read_until(c1, b, 4), 4);
    cr_assert_eq(memcmp(b, "ping", 4), 0, "the dropped output must not reach the client");
    cr_assert_eq(write(c1, "pong\0", 5), 5);
    cr_assert_eq(read_until(chr, b, 5), 5);
    cr_assert_eq(memcmp(b, "pong\0", 5), 0);

    /* the client leaves; the next one gets the output */
    close(c1);
    int c2 = connect_to(path);
    cr_assert_eq(hv__chardev_write(chr, "again", 5), 5);
    cr_assert_eq(fd_read_until(c2, b, 5), 5);
    cr_assert_eq(memcmp(b, "again", 5), 0);
    cr_assert_eq(write(c2, "in2", 3), 3);
    cr_assert_eq(read_until(chr, b, 3), 3);
    cr_assert_eq(memcmp(b, "in2", 3), 0);

    /* disconnect noticed on the input side, then a third client */
    close(c2);
    cr_assert_eq(hv__chardev_pending(chr), 0);
    int c3 = connect_to(path);
    cr_assert_eq(write(c3, "in3", 3), 3);
    cr_assert_eq(read_until(chr, b, 3), 3);
    cr_assert_eq(memcmp(b, "in3", 3), 0);
    cr_assert_eq(hv__chardev_write(chr, "out3", 4), 4);
    cr_assert_eq(fd_read_until(c3, b, 4), 4);
    cr_assert_eq(memcmp(b, "out3", 4), 0);
    close(c3);

    hv__chardev_close(chr);
    cr_assert_eq(stat(path, &st), -1, "socket file must be unlinked on close");
    cr_assert_eq(errno, ENOENT);
}

Test(chardev_socket, stale_socket_file_is_replaced, .fini = remove_tmpdir)
{
    make_tmpdir();
    char path[128];
    tmp_path(path, sizeof(path), "stale.sock");
    /* a socket file left behind by a server that exited without unlinking */
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    cr_assert_lt(strlen(path), sizeof(sa.sun_path));
    memcpy(sa.sun_path, path, strlen(path) + 1);
    cr_assert_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
    close(s);

    struct hv_chardev_config cfg = { .type = HV_CHARDEV_SOCKET, .path = path };
    struct hv_chardev *chr = open_ok(&cfg);
    int c = connect_to(path);
    cr_assert_eq(hv__chardev_write(chr, "ok", 2), 2);
    uint8_t b[2];
    cr_assert_eq(fd_read_until(c, b, 2), 2);
    close(c);
    hv__chardev_close(chr);
}

Test(chardev_socket, bad_paths_are_refused, .fini = remove_tmpdir)
{
    char err[256] = "";
    struct hv_chardev *chr = NULL;
    char longpath[200];
    memset(longpath, 'a', sizeof(longpath) - 1);
    longpath[0] = '/';
    longpath[sizeof(longpath) - 1] = 0;
    struct hv_chardev_config cfg = { .type = HV_CHARDEV_SOCKET, .path = longpath };
    cr_assert_eq(hv__chardev_open(&cfg, &chr, err, sizeof(err)), HV_EINVAL);
    cr_assert_null(chr);

    cfg.path = "/nonexistent-hv-dir/console.sock";
    cr_assert_eq(hv__chardev_open(&cfg, &chr, err, sizeof(err)), HV_ENOENT);
    cr_assert_not_null(strstr(err, cfg.path), "message: %s", err);

    /* an existing non-socket file is never removed */
    make_tmpdir();
    char path[128];
    tmp_path(path, sizeof(path), "regular");
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    cr_assert_geq(fd, 0);
    close(fd);
    cfg.path = path;
    cr_assert_lt(hv__chardev_open(&cfg, &chr, err, sizeof(err)), 0);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert(S_ISREG(st.st_mode));
}
