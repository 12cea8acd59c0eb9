/* SPDX-License-Identifier: MIT */
/* libhv debug — the GDB stub's server: a TCP listener on 127.0.0.1, the run loop that
 * drives the VM's vCPUs between gdb commands (round-robin slices when there are several),
 * and a watcher thread that turns incoming bytes (Ctrl-C, a new connection) into a kick
 * of the running vCPU, so a guest that never exits can still be interrupted. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "debug/gdb.h"

#define SLICE 20000u                    /* instructions per vCPU turn with several vCPUs */
#define SIG_INT 2
#define SIG_TRAP 5
#define SIG_SEGV 11

static const char *errstr(int e, char *buf, size_t len)
{
    return strerror_r(e, buf, len);     /* GNU form: thread-safe, returns the message */
}

/* ---- sockets ------------------------------------------------------------------------------ */

static int parse_listen(const char *s, uint16_t *port)
{
    const char *colon = strrchr(s, ':');
    if (colon) {
        size_t n = (size_t)(colon - s);
        if (!((n == 9 && !memcmp(s, "127.0.0.1", 9)) || (n == 9 && !memcmp(s, "localhost", 9))))
            return HV_EINVAL;
        s = colon + 1;
    }
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    /* strtoul takes blanks and signs ("-1" wraps): digits only. */
    if (*s < '0' || *s > '9' || *end || errno || v > 65535)
        return HV_EINVAL;
    *port = (uint16_t)v;
    return 0;
}

static int open_listener(struct hv_gdb *g, uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    char eb[128];
    if (fd < 0)
        return hv__vm_error(g->vm, HV_EIO, "gdb: socket: %s", errstr(errno, eb, sizeof(eb)));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t alen = sizeof(a);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
        int e = errno;
        close(fd);
        return hv__vm_error(g->vm, HV_EIO, "gdb: cannot listen on 127.0.0.1:%u: %s",
                            (unsigned)port, errstr(e, eb, sizeof(eb)));
    }
    g->listen_fd = fd;
    g->port = ntohs(a.sin_port);
    return 0;
}

static void set_client(struct hv_gdb *g, int fd)
{
    pthread_mutex_lock(&g->wlock);
    if (g->client_fd >= 0)
        close(g->client_fd);
    g->client_fd = fd;
    pthread_mutex_unlock(&g->wlock);
    hv__gdb_rx_init(&g->rx);
    g->no_ack = false;
    g->last_len = 0;
}

static int accept_client(struct hv_gdb *g, bool block)
{
    for (;;) {
        int fd = accept4(g->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            set_client(g, fd);
            return 1;
        }
        if (errno == EINTR)
            continue;
        if (!block || (errno != EAGAIN && errno != EWOULDBLOCK))
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : HV_EIO;
        struct pollfd p = { .fd = g->listen_fd, .events = POLLIN };
        poll(&p, 1, -1);
    }
}

static bool send_all(struct hv_gdb *g, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = send(g->client_fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

static bool send_packet(struct hv_gdb *g, const char *payload, size_t len)
{
    g->last_len = hv__gdb_frame(payload, len, g->last, sizeof(g->last));
    return g->last_len && send_all(g, g->last, g->last_len);
}

static bool send_reply(struct hv_gdb *g, const struct hv__gdb_reply *r)
{
    return send_packet(g, r->buf, r->len);
}

/* ---- the watcher ------------------------------------------------------------------------ */

/* While a vCPU runs, wait for input on the client (or, without one, a new connection) and
 * kick the running vCPU once; the run loop then looks at what arrived. */
static void *watcher_main(void *arg)
{
    struct hv_gdb *g = arg;
    pthread_mutex_lock(&g->wlock);
    for (;;) {
        while (!g->w_running && !g->w_quit)
            pthread_cond_wait(&g->wcond, &g->wlock);
        if (g->w_quit)
            break;
        struct pollfd p = { .fd = g->client_fd >= 0 ? g->client_fd : g->listen_fd,
                            .events = POLLIN };
        pthread_mutex_unlock(&g->wlock);
        int n = poll(&p, 1, 50);
        pthread_mutex_lock(&g->wlock);
        if (n > 0 && g->w_running) {
            hv_vcpu_kick(g->vcpus[g->stopped]);
            g->w_running = false;
        }
    }
    pthread_mutex_unlock(&g->wlock);
    return NULL;
}

static void watch(struct hv_gdb *g, bool on)
{
    pthread_mutex_lock(&g->wlock);
    g->w_running = on;
    pthread_cond_signal(&g->wcond);
    pthread_mutex_unlock(&g->wlock);
}

/* ---- input while running ------------------------------------------------------------------ */

enum { IN_NOTHING, IN_INTERRUPT, IN_ATTACH, IN_GONE };

/* Something woke the watcher: a Ctrl-C, stray bytes, a closed client or a new client. */
static int check_input(struct hv_gdb *g)
{
    if (g->client_fd < 0)
        return accept_client(g, false) == 1 ? IN_ATTACH : IN_NOTHING;
    int result = IN_NOTHING;
    for (;;) {
        uint8_t buf[512];
        ssize_t n = recv(g->client_fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return result;
        if (n == 0)
            return IN_GONE;
        for (ssize_t i = 0; i < n; i++)
            if (hv__gdb_rx_byte(&g->rx, buf[i]) == HV__GDB_RX_INTERRUPT)
                result = IN_INTERRUPT;
    }
}

static void drop_breakpoints(struct hv_gdb *g)
{
    for (unsigned k = 0; k < g->nr; k++) {
        struct hv_cpu_debug *d = &g->vcpus[k]->cpu.dbg;
        d->nr_bp = 0;
        d->gen++;
    }
    hv__watchpoints_clear(g->vm);
}

/* ---- the run loop ---------------------------------------------------------------------- */

enum { EV_STOP, EV_FINAL, EV_ERROR };

static bool final_reason(enum hv_exit_reason r)
{
    return r == HV_EXIT_SHUTDOWN || r == HV_EXIT_CRASH || r == HV_EXIT_REBOOT ||
           r == HV_EXIT_FAULT || r == HV_EXIT_HALT || r == HV_EXIT_MMIO ||
           r == HV_EXIT_INTERNAL;
}

/* Run (all vCPUs, or one step of g->step_vcpu) until gdb must hear about it: returns
 * EV_STOP with *sig, EV_FINAL with the final exit in g->exits[g->stopped], or EV_ERROR. */
static int run_until_event(struct hv_gdb *g, bool step, int *sig)
{
    unsigned i = step ? g->step_vcpu : g->stopped;
    for (;;) {
        struct hv_exit *ex = &g->exits[i];
        uint64_t budget = step ? 1 : g->nr > 1 ? SLICE : 0;
        g->stopped = i;
        watch(g, true);
        int rc = hv_vcpu_run(g->vcpus[i], budget, ex);
        watch(g, false);
        if (rc < 0)
            return EV_ERROR;
        if (final_reason(ex->reason))
            return EV_FINAL;
        switch (ex->reason) {
        case HV_EXIT_HYPERCALL:         /* nobody claimed it: SBI "not supported" */
            ex->u.hypercall.ret_error = -2;
            ex->u.hypercall.ret_value = 0;
            if (step) {
                *sig = SIG_TRAP;
                return EV_STOP;
            }
            continue;
        case HV_EXIT_BREAKPOINT:
        case HV_EXIT_WATCHPOINT:
        case HV_EXIT_HOOK:
            *sig = SIG_TRAP;
            return EV_STOP;
        case HV_EXIT_BUDGET:
            if (step) {
                *sig = SIG_TRAP;
                return EV_STOP;
            }
            break;
        case HV_EXIT_KICK: {
            int in = check_input(g);
            if (in == IN_INTERRUPT || in == IN_ATTACH) {
                *sig = SIG_INT;
                return EV_STOP;
            }
            if (in == IN_GONE) {        /* gdb vanished: behave as after a detach */
                set_client(g, -1);
                drop_breakpoints(g);
                step = false;
            }
            continue;
        }
        default:                        /* deadlines set by the embedder, ... */
            break;
        }
        if (!step)
            i = (i + 1) % g->nr;
    }
}

/* ---- gdb session --------------------------------------------------------------------------- */

enum { CMD_GONE = -1 };

/* Read packets until gdb asks for a resume, detach or kill; answers everything else. */
static int command_loop(struct hv_gdb *g, struct hv__gdb_reply *r)
{
    for (;;) {
        uint8_t buf[4096];
        ssize_t n = recv(g->client_fd, buf, sizeof(buf), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return CMD_GONE;
        for (ssize_t i = 0; i < n; i++) {
            switch (hv__gdb_rx_byte(&g->rx, buf[i])) {
            case HV__GDB_RX_PACKET: {
                if (!g->no_ack && !send_all(g, "+", 1))
                    return CMD_GONE;
                int act = hv__gdb_command(g, g->rx.buf, g->rx.len, r);
                if (act == HV__GDB_REPLY || act == HV__GDB_DETACH)
                    if (!send_reply(g, r))
                        return CMD_GONE;
                if (act != HV__GDB_REPLY)
                    return act;
                break;
            }
            case HV__GDB_RX_BAD:
                if (!g->no_ack && !send_all(g, "-", 1))
                    return CMD_GONE;
                break;
            case HV__GDB_RX_NAK:
                if (g->last_len && !send_all(g, g->last, g->last_len))
                    return CMD_GONE;
                break;
            default:
                break;
            }
        }
    }
}

static void final_packet(struct hv_gdb *g, const struct hv_exit *ex, struct hv__gdb_reply *r)
{
    r->len = 0;
    int code = ex->u.shutdown.code;
    if (ex->reason == HV_EXIT_SHUTDOWN || ex->reason == HV_EXIT_CRASH ||
        ex->reason == HV_EXIT_REBOOT) {
        /* Like a process exit status: a non-zero code never reads as success. */
        int status = code == 0 ? 0 : (code & 0xff) ? code & 0xff : 1;
        r->len = (size_t)snprintf(r->buf, sizeof(r->buf), "W%02x", status);
    } else {
        r->len = (size_t)snprintf(r->buf, sizeof(r->buf), "X%02x", SIG_SEGV);
    }
}

HV_API int hv_gdb_serve(hv_gdb *g, int wait, struct hv_exit *exit)
{
    if (!g || !exit)
        return HV_EINVAL;
    memset(exit, 0, sizeof(*exit));
    struct hv__gdb_reply *r = malloc(sizeof(*r));
    if (!r)
        return HV_ENOMEM;
    if (!g->watcher_started) {
        if (pthread_create(&g->watcher, NULL, watcher_main, g) != 0) {
            free(r);
            return hv__vm_error(g->vm, HV_ENOMEM, "gdb: cannot start the watcher thread");
        }
        g->watcher_started = true;
    }
    int rc = 0;
    bool stopped = false, final_pending = false;
    if (wait) {
        rc = accept_client(g, true);
        if (rc < 0)
            goto out;
        stopped = true;
    }
    for (;;) {
        int act = HV__GDB_CONTINUE;
        if (stopped && g->client_fd >= 0) {
            act = command_loop(g, r);
            if (act == CMD_GONE || act == HV__GDB_DETACH) {
                set_client(g, -1);
                drop_breakpoints(g);
                act = HV__GDB_CONTINUE;
            }
            if (act == HV__GDB_KILL) {
                set_client(g, -1);
                *exit = (struct hv_exit){ .reason = HV_EXIT_KICK,
                                          .pc = g->vcpus[g->stopped]->cpu.pc };
                goto out;
            }
        }
        if (final_pending) {            /* the guest already stopped for good */
            *exit = g->exits[g->stopped];
            if (g->client_fd >= 0) {
                final_packet(g, exit, r);
                send_reply(g, r);
            }
            goto out;
        }
        int sig = SIG_TRAP;
        int ev = run_until_event(g, act == HV__GDB_STEP, &sig);
        if (ev == EV_ERROR) {
            rc = HV_EINTERNAL;
            goto out;
        }
        stopped = true;
        if (ev == EV_FINAL) {
            struct hv_exit *ex = &g->exits[g->stopped];
            bool inspectable = ex->reason == HV_EXIT_FAULT || ex->reason == HV_EXIT_HALT ||
                               ex->reason == HV_EXIT_MMIO || ex->reason == HV_EXIT_INTERNAL;
            if (g->client_fd < 0 || !inspectable) {
                *exit = *ex;
                if (g->client_fd >= 0) {
                    final_packet(g, ex, r);
                    send_reply(g, r);
                }
                goto out;
            }
            /* Let the user look at the faulting state; the next resume ends the session. */
            final_pending = true;
            sig = ex->reason == HV_EXIT_HALT ? SIG_TRAP : SIG_SEGV;
        }
        if (g->client_fd >= 0) {
            hv__gdb_stop_reply(g, g->stopped, sig, r);
            g->cur_g = g->step_vcpu = g->stopped;
            if (!send_reply(g, r)) {
                set_client(g, -1);
                drop_breakpoints(g);
                stopped = false;
            }
        } else {
            stopped = false;
        }
    }
out:
    free(r);
    return rc;
}

HV_API int hv_gdb_open(hv_vm *vm, const char *listen, hv_gdb **out)
{
    if (!vm || !listen || !out)
        return HV_EINVAL;
    *out = NULL;
    uint16_t port;
    if (parse_listen(listen, &port) < 0)
        return hv__vm_error(vm, HV_EINVAL, "gdb: '%s' is not PORT or 127.0.0.1:PORT "
                            "(the stub listens on the loopback interface only)", listen);
    struct hv_gdb *g = calloc(1, sizeof(*g));
    if (!g)
        return hv__vm_error(vm, HV_ENOMEM, "gdb: out of memory");
    g->listen_fd = g->client_fd = -1;
    pthread_mutex_init(&g->wlock, NULL);
    pthread_cond_init(&g->wcond, NULL);
    hv__gdb_rx_init(&g->rx);
    int rc = hv__gdb_attach(g, vm);
    if (rc == 0)
        rc = open_listener(g, port);
    if (rc == 0) {
        int fl = fcntl(g->listen_fd, F_GETFL);
        fcntl(g->listen_fd, F_SETFL, fl | O_NONBLOCK);
    }
    if (rc < 0) {
        hv_gdb_close(g);
        return rc;
    }
    *out = g;
    return 0;
}

HV_API int hv_gdb_port(const hv_gdb *g)
{
    return g ? g->port : HV_EINVAL;
}

HV_API void hv_gdb_close(hv_gdb *g)
{
    if (!g)
        return;
    if (g->watcher_started) {
        pthread_mutex_lock(&g->wlock);
        g->w_quit = true;
        pthread_cond_signal(&g->wcond);
        pthread_mutex_unlock(&g->wlock);
        pthread_join(g->watcher, NULL);
    }
    if (g->client_fd >= 0)
        close(g->client_fd);
    if (g->listen_fd >= 0)
        close(g->listen_fd);
    hv__gdb_detach_vm(g);
    pthread_cond_destroy(&g->wcond);
    pthread_mutex_destroy(&g->wlock);
    free(g);
}
