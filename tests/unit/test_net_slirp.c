/* SPDX-License-Identifier: MIT */
/* Unit tests of user-mode networking (libhv/dev/net_slirp.c through the netdev API): port
 * forwards only on loopback, a busy port refused, ARP answered by slirp's gateway, a UDP
 * datagram to 10.0.2.2 reaching a socket on the host's 127.0.0.1 and its answer coming
 * back, and the host-only filter (checked on frames, never sent anywhere). Skipped when
 * libhv was built without libslirp. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "hv/hv.h"
#include "dev/dev.h"
#include "dev/net.h"
#include "dev/net_slirp.h"

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

/* A socket bound to 127.0.0.1 on a free port (its address in *a). */
static int loopback_socket(int type, struct sockaddr_in *a)
{
    int s = socket(AF_INET, type, 0);
    *a = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
    socklen_t al = sizeof(*a);
    cr_assert_eq(bind(s, (struct sockaddr *)a, sizeof(*a)), 0);
    cr_assert_eq(getsockname(s, (struct sockaddr *)a, &al), 0);
    return s;
}

static struct hv_netdev *open_user(struct hv_net *net, const struct hv_net_config *nc)
{
    struct hv_netdev *nd = NULL;
    char err[256];
    int rc = hv__netdev_open(net, nc, &nd, err, sizeof(err));
    if (rc == HV_ENOTSUP)
        cr_skip_test("built without libslirp: %s", err);
    cr_assert_eq(rc, 0, "%s", err);
    return nd;
}

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }

static size_t arp_request(uint8_t *f, uint32_t target)
{
    memset(f, 0xff, 6);
    memcpy(f + 6, guest_mac, 6);
    put16(f + 12, 0x0806);
    put16(f + 14, 1); put16(f + 16, 0x0800); f[18] = 6; f[19] = 4; put16(f + 20, 1);
    memcpy(f + 22, guest_mac, 6); put32(f + 28, 0x0a00020f);
    memset(f + 32, 0, 6); put32(f + 38, target);
    return 42;
}

static size_t udp_frame(uint8_t *f, const uint8_t *dst_mac, uint32_t dst, unsigned dport,
                        const char *msg)
{
    size_t n = strlen(msg);
    memcpy(f, dst_mac, 6);
    memcpy(f + 6, guest_mac, 6);
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14, *udp = ip + 20;
    memset(ip, 0, 20);
    ip[0] = 0x45; put16(ip + 2, (unsigned)(28 + n)); ip[8] = 64; ip[9] = 17;
    put32(ip + 12, 0x0a00020f); put32(ip + 16, dst);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)ip[i] << 8 | ip[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    put16(ip + 10, ~sum & 0xffff);
    put16(udp, 5555); put16(udp + 2, dport); put16(udp + 4, (unsigned)(8 + n)); put16(udp + 6, 0);
    memcpy(udp + 8, msg, n);
    return 42 + n;
}

Test(net_slirp, hostfwd_only_on_loopback)
{
    struct hv_net *net;
    char err[256];
    cr_assert_eq(hv__net_create(&net, NULL, err, sizeof(err)), 0);
    struct hv_net_config nc = { .type = HV_NET_USER, .nr_fwd = 1 };
    nc.fwd[0] = (struct hv_net_hostfwd){ .host_addr = 0xc0a80001u, .host_port = 2222,
                                         .guest_port = 22 };
    struct hv_netdev *nd = NULL;
    int rc = hv__netdev_open(net, &nc, &nd, err, sizeof(err));
    if (rc == HV_ENOTSUP)
        cr_skip_test("built without libslirp");
    cr_assert_eq(rc, HV_EINVAL);
    cr_assert_null(nd);
    cr_assert(strstr(err, "192.168.0.1") && strstr(err, "loopback"), "%s", err);
    nc.fwd[0].host_addr = 0;                      /* 0.0.0.0 would be every interface */
    nc.fwd[0].guest_port = 0;
    cr_assert_eq(hv__netdev_open(net, &nc, &nd, err, sizeof(err)), HV_EINVAL, "%s", err);
    hv__net_destroy(net);
}

Test(net_slirp, hostfwd_port_in_use)
{
    struct sockaddr_in a;
    int s = loopback_socket(SOCK_STREAM, &a);
    cr_assert_eq(listen(s, 1), 0);
    struct hv_net *net;
    char err[256];
    cr_assert_eq(hv__net_create(&net, NULL, err, sizeof(err)), 0);
    struct hv_net_config nc = { .type = HV_NET_USER, .nr_fwd = 1 };
    nc.fwd[0] = (struct hv_net_hostfwd){ .host_port = ntohs(a.sin_port), .guest_port = 22 };
    struct hv_netdev *nd = NULL;
    int rc = hv__netdev_open(net, &nc, &nd, err, sizeof(err));
    if (rc == HV_ENOTSUP)
        cr_skip_test("built without libslirp");
    cr_assert_eq(rc, HV_EBUSY, "%s", err);
    cr_assert(strstr(err, "cannot listen"), "%s", err);
    hv__net_destroy(net);
    close(s);
}

Test(net_slirp, arp_and_udp_to_the_host)
{
    /* The server: a UDP socket on the host's loopback. */
    struct sockaddr_in a;
    int srv = loopback_socket(SOCK_DGRAM, &a);

    struct hv_net *net;
    char err[256];
    cr_assert_eq(hv__net_create(&net, NULL, err, sizeof(err)), 0);
    struct hv_net_config nc = { .type = HV_NET_USER, .host_only = 1 };
    struct hv_netdev *nd = open_user(net, &nc);
    cr_assert(hv__netdev_needs_poll(nd));

    uint8_t f[2048];
    cr_assert_eq(hv__netdev_send(nd, f, arp_request(f, 0x0a000202)), 0);
    size_t n = hv__netdev_recv(nd, f, sizeof(f));     /* slirp answers at once */
    cr_assert_eq(n >= 42, 1, "no ARP reply (%zu)", n);
    cr_assert_eq(f[12] << 8 | f[13], 0x0806);
    cr_assert_eq(f[21], 2, "ARP opcode");
    uint8_t gw_mac[6];
    memcpy(gw_mac, f + 22, 6);
    cr_assert_eq(f[28] << 24 | f[29] << 16 | f[30] << 8 | f[31], 0x0a000202);

    n = udp_frame(f, gw_mac, 0x0a000202, ntohs(a.sin_port), "ping");
    cr_assert_eq(hv__netdev_send(nd, f, n), 0);
    char buf[64];
    struct sockaddr_in peer;
    socklen_t pl = sizeof(peer);
    ssize_t got = -1;
    for (int i = 0; i < 200 && got < 0; i++) {
        hv__netdev_poll(nd);
        struct pollfd p = { .fd = srv, .events = POLLIN };
        if (poll(&p, 1, 10) == 1)
            got = recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &pl);
    }
    cr_assert_eq(got, 4);
    cr_assert_eq(memcmp(buf, "ping", 4), 0);
    cr_assert_eq(ntohl(peer.sin_addr.s_addr), 0x7f000001u, "slirp's socket is on loopback");
    cr_assert_eq(sendto(srv, "pong!", 5, 0, (struct sockaddr *)&peer, pl), 5);
    n = 0;
    for (int i = 0; i < 200 && !n; i++) {
        usleep(5000);
        hv__netdev_poll(nd);
        n = hv__netdev_recv(nd, f, sizeof(f));
    }
    cr_assert_eq(n, 42 + 5, "reply frame %zu bytes", n);
    cr_assert_eq(memcmp(f, guest_mac, 6), 0);
    cr_assert_eq(f[14 + 12] << 24 | f[14 + 13] << 16 | f[14 + 14] << 8 | f[14 + 15],
                 0x0a000202, "from the gateway");
    cr_assert_eq(memcmp(f + 42, "pong!", 5), 0);
    hv__netdev_close(nd);
    hv__net_destroy(net);
    close(srv);
}

Test(net_slirp, host_only_filter)
{
    uint8_t f[128], mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
    cr_assert(hv__slirp_host_only_allows(f, arp_request(f, 0x0a000202)));
    cr_assert(hv__slirp_host_only_allows(f, udp_frame(f, mac, 0x0a000202, 80, "x")));
    cr_assert(hv__slirp_host_only_allows(f, udp_frame(f, mac, 0xffffffffu, 67, "x")));
    cr_assert_not(hv__slirp_host_only_allows(f, udp_frame(f, mac, 0x0a000203, 53, "x")),
                  "DNS");
    cr_assert_not(hv__slirp_host_only_allows(f, udp_frame(f, mac, 0x08080808, 53, "x")));
    cr_assert_not(hv__slirp_host_only_allows(f, udp_frame(f, mac, 0x0a000302, 80, "x")));
    cr_assert_not(hv__slirp_host_only_allows(f, udp_frame(f, mac, 0x7f000001, 80, "x")));
    put16(f + 12, 0x86dd);
    cr_assert_not(hv__slirp_host_only_allows(f, 60), "IPv6");
    cr_assert_not(hv__slirp_host_only_allows(f, 10), "runt");
}
