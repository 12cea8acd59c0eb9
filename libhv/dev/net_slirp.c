/* SPDX-License-Identifier: MIT */
/* libhv dev — user-mode networking on libslirp (HV_NET_USER): one slirp stack per NIC,
 * driven by the VM's device polls (non-blocking poll(2) on slirp's sockets, slirp's timers
 * on the host monotonic clock), port forwards on loopback only, and the optional host-only
 * filter that keeps the guest inside 10.0.2.0/24 (i.e. on the host's loopback). */
#include <errno.h>
#include "core/err.h"
#include "dev/net_slirp.h"

#ifndef HV_HAVE_SLIRP

int hv__slirp_open(const struct hv_net_config *cfg, hv_slirp_rx_fn rx, void *opaque,
                   struct hv_slirp **out, char *err, size_t errlen)
{
    *out = NULL;
    return hv__errf(err, errlen, HV_ENOTSUP,
                    "net: user networking needs libslirp (libhv was built without it)");
}

void hv__slirp_close(struct hv_slirp *s) {}
void hv__slirp_input(struct hv_slirp *s, const void *frame, size_t len) {}
void hv__slirp_poll(struct hv_slirp *s) {}
bool hv__slirp_host_only_allows(const void *frame, size_t len) { return false; }

#else

#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <slirp/libslirp.h>
#include "dev/dev.h"

#define NET_ADDR 0x0a000200u          /* 10.0.2.0/24: slirp's default guest network */
#define NET_MASK 0xffffff00u
#define HOST_ADDR 0x0a000202u         /* the gateway; stands for the host's loopback */
#define DNS_ADDR 0x0a000203u
#define GUEST_ADDR 0x0a00020fu        /* first DHCP lease; hostfwd target */
#define POLL_PERIOD_NS 1000000ull     /* host sockets are looked at once a millisecond */

struct slirp_timer {
    struct slirp_timer *next;
    SlirpTimerId id;
    void *cb_opaque;
    int64_t expire_ms;                /* -1: not armed */
};

struct hv_slirp {
    pthread_mutex_t lock;             /* everything below; libslirp is not thread-safe */
    Slirp *slirp;
    hv_slirp_rx_fn rx;
    void *rx_opaque;
    bool host_only;
    bool kicked;                      /* input or slirp's notify since the last poll */
    uint64_t next_poll_ns;
    struct slirp_timer *timers;
    struct pollfd *fds;               /* filled by slirp_pollfds_fill on every poll */
    unsigned nfds, fds_cap;
};

/* ---- callbacks (opaque = the instance; all run with s->lock held) ---------------------- */

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
    struct hv_slirp *s = opaque;
    s->rx(s->rx_opaque, buf, len);
    return (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
    /* The guest sent something slirp cannot parse: the frame is dropped, as a real
     * network would; nothing for the library to report. */
}

static int64_t cb_clock_get_ns(void *opaque)
{
    return (int64_t)hv__host_monotonic_ns();
}

static void *cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
    struct hv_slirp *s = opaque;
    struct slirp_timer *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->id = id;
    t->cb_opaque = cb_opaque;
    t->expire_ms = -1;
    t->next = s->timers;
    s->timers = t;
    return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
    struct hv_slirp *s = opaque;
    for (struct slirp_timer **pp = &s->timers; *pp; pp = &(*pp)->next)
        if (*pp == timer) {
            *pp = (*pp)->next;
            free(timer);
            return;
        }
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    struct slirp_timer *t = timer;
    if (t)
        t->expire_ms = expire_ms;
}

static void cb_register_poll_fd(int fd, void *opaque) {}
static void cb_unregister_poll_fd(int fd, void *opaque) {}

static void cb_notify(void *opaque)
{
    struct hv_slirp *s = opaque;
    s->kicked = true;
}

static const SlirpCb slirp_callbacks = {
    .send_packet = cb_send_packet,
    .guest_error = cb_guest_error,
    .clock_get_ns = cb_clock_get_ns,
    .timer_free = cb_timer_free,
    .timer_mod = cb_timer_mod,
    .register_poll_fd = cb_register_poll_fd,
    .unregister_poll_fd = cb_unregister_poll_fd,
    .notify = cb_notify,
    .timer_new_opaque = cb_timer_new_opaque,
};

static int cb_add_poll(int fd, int events, void *opaque)
{
    struct hv_slirp *s = opaque;
    if (s->nfds == s->fds_cap) {
        unsigned cap = s->fds_cap ? 2 * s->fds_cap : 16;
        struct pollfd *p = realloc(s->fds, cap * sizeof(*p));
        if (!p)
            return -1;                /* slirp skips this socket until the next poll */
        s->fds = p;
        s->fds_cap = cap;
    }
    short ev = 0;
    if (events & SLIRP_POLL_IN)
        ev |= POLLIN;
    if (events & SLIRP_POLL_OUT)
        ev |= POLLOUT;
    if (events & SLIRP_POLL_PRI)
        ev |= POLLPRI;
    s->fds[s->nfds] = (struct pollfd){ .fd = fd, .events = ev };
    return (int)s->nfds++;
}

static int cb_get_revents(int idx, void *opaque)
{
    struct hv_slirp *s = opaque;
    if (idx < 0 || (unsigned)idx >= s->nfds)
        return 0;
    short re = s->fds[idx].revents;
    int ev = 0;
    if (re & POLLIN)
        ev |= SLIRP_POLL_IN;
    if (re & POLLOUT)
        ev |= SLIRP_POLL_OUT;
    if (re & POLLPRI)
        ev |= SLIRP_POLL_PRI;
    if (re & (POLLERR | POLLNVAL))
        ev |= SLIRP_POLL_ERR;
    if (re & POLLHUP)
        ev |= SLIRP_POLL_HUP;
    return ev;
}

/* ---- life cycle ------------------------------------------------------------------------ */

static int add_forwards(struct hv_slirp *s, const struct hv_net_config *cfg, char *err,
                        size_t errlen)
{
    if (cfg->nr_fwd > HV_MAX_HOSTFWD)
        return hv__errf(err, errlen, HV_EINVAL, "net: %u port forwards: at most %d",
                        cfg->nr_fwd, HV_MAX_HOSTFWD);
    for (unsigned i = 0; i < cfg->nr_fwd; i++) {
        const struct hv_net_hostfwd *f = &cfg->fwd[i];
        uint32_t host = f->host_addr ? f->host_addr : 0x7f000001u;
        char addr[INET_ADDRSTRLEN];
        struct in_addr h = { .s_addr = htonl(host) }, g = { .s_addr = htonl(GUEST_ADDR) };
        inet_ntop(AF_INET, &h, addr, sizeof(addr));
        if ((host >> 24) != 127)
            return hv__errf(err, errlen, HV_EINVAL, "net: hostfwd %s:%u: only loopback "
                            "host addresses (127.0.0.0/8) are allowed", addr, f->host_port);
        if (!f->host_port || !f->guest_port)
            return hv__errf(err, errlen, HV_EINVAL, "net: hostfwd %s:%u -> guest port %u: "
                            "ports must be 1..65535", addr, f->host_port, f->guest_port);
        if (slirp_add_hostfwd(s->slirp, f->udp != 0, h, f->host_port, g, f->guest_port) < 0)
            return hv__errf(err, errlen, HV_EBUSY, "net: hostfwd %s:%s:%u: cannot listen "
                            "(port in use?)", f->udp ? "udp" : "tcp", addr, f->host_port);
    }
    return 0;
}

int hv__slirp_open(const struct hv_net_config *cfg, hv_slirp_rx_fn rx, void *opaque,
                   struct hv_slirp **out, char *err, size_t errlen)
{
    *out = NULL;
    struct hv_slirp *s = calloc(1, sizeof(*s));
    if (!s)
        return hv__errf(err, errlen, HV_ENOMEM, "net: out of memory");
    pthread_mutex_init(&s->lock, NULL);
    s->rx = rx;
    s->rx_opaque = opaque;
    s->host_only = cfg->host_only != 0;
    SlirpConfig sc = {
        .version = 4,
        .in_enabled = true,
        .vnetwork = { htonl(NET_ADDR) },
        .vnetmask = { htonl(NET_MASK) },
        .vhost = { htonl(HOST_ADDR) },
        .vdhcp_start = { htonl(GUEST_ADDR) },
        .vnameserver = { htonl(DNS_ADDR) },
        .disable_dns = s->host_only,
    };
    s->slirp = slirp_new(&sc, &slirp_callbacks, s);
    if (!s->slirp) {
        hv__slirp_close(s);
        return hv__errf(err, errlen, HV_ENOMEM, "net: libslirp could not start");
    }
    int rc = add_forwards(s, cfg, err, errlen);
    if (rc < 0) {
        hv__slirp_close(s);
        return rc;
    }
    /* libslirp stamps new sockets with the clock it read at the last poll (0 before the
     * first one, which would make the guest's first UDP socket expire at once). */
    hv__slirp_poll(s);
    *out = s;
    return 0;
}

void hv__slirp_close(struct hv_slirp *s)
{
    if (!s)
        return;
    if (s->slirp)
        slirp_cleanup(s->slirp);      /* frees its timers through cb_timer_free */
    while (s->timers) {
        struct slirp_timer *t = s->timers;
        s->timers = t->next;
        free(t);
    }
    free(s->fds);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* ---- data path ------------------------------------------------------------------------- */

/* Host-only mode: ARP, and IPv4 to slirp's own network (gateway = host loopback, DHCP),
 * nothing else: no DNS server, no other address, no IPv6. */
bool hv__slirp_host_only_allows(const void *frame, size_t len)
{
    const uint8_t *f = frame;
    if (len < 14)
        return false;
    unsigned type = (unsigned)f[12] << 8 | f[13];
    if (type == 0x0806)
        return true;
    if (type != 0x0800 || len < 14 + 20)
        return false;
    uint32_t dst = (uint32_t)f[30] << 24 | (uint32_t)f[31] << 16 | (uint32_t)f[32] << 8 | f[33];
    if (dst == 0xffffffffu)
        return true;                  /* DHCP discover/request */
    return (dst & NET_MASK) == NET_ADDR && dst != DNS_ADDR;
}

void hv__slirp_input(struct hv_slirp *s, const void *frame, size_t len)
{
    if (!s || len > INT32_MAX || (s->host_only && !hv__slirp_host_only_allows(frame, len)))
        return;
    pthread_mutex_lock(&s->lock);
    slirp_input(s->slirp, frame, (int)len);
    s->kicked = true;                 /* a connect or send may be waiting on a socket */
    pthread_mutex_unlock(&s->lock);
}

static void run_timers(struct hv_slirp *s, uint64_t now_ns)
{
    int64_t now_ms = (int64_t)(now_ns / 1000000u);
    for (struct slirp_timer *t = s->timers, *next; t; t = next) {
        next = t->next;
        if (t->expire_ms >= 0 && t->expire_ms <= now_ms) {
            t->expire_ms = -1;
            slirp_handle_timer(s->slirp, t->id, t->cb_opaque);
        }
    }
}

void hv__slirp_poll(struct hv_slirp *s)
{
    if (!s)
        return;
    /* Several vCPUs may poll at once: one at a time does the work, the others skip. */
    if (pthread_mutex_trylock(&s->lock) != 0)
        return;
    uint64_t now = hv__host_monotonic_ns();
    if (!s->kicked && now < s->next_poll_ns) {
        pthread_mutex_unlock(&s->lock);
        return;
    }
    s->kicked = false;
    s->next_poll_ns = now + POLL_PERIOD_NS;
    uint32_t timeout = UINT32_MAX;
    s->nfds = 0;
    slirp_pollfds_fill(s->slirp, &timeout, cb_add_poll, s);
    int rc = s->nfds ? poll(s->fds, s->nfds, 0) : 0;
    slirp_pollfds_poll(s->slirp, rc < 0 && errno != EINTR, cb_get_revents, s);
    run_timers(s, now);
    pthread_mutex_unlock(&s->lock);
}

#endif
