/* SPDX-License-Identifier: MIT */
/* User networking from an SDK guest without a TCP/IP stack (both flavours): hand-built
 * Ethernet/ARP/IPv4/UDP frames on the first NIC. The guest (10.0.2.15) resolves slirp's
 * gateway 10.0.2.2 with ARP, sends a UDP datagram to 10.0.2.2:PORT — which slirp delivers
 * to the test's server on the host's 127.0.0.1:PORT — and prints the reply; then it waits
 * for a datagram on UDP port 7777, which the test sends through a hostfwd from the host's
 * loopback, and answers it. PORT comes from the disk's first sector (written by net-test.sh).
 * Exit 0 when both exchanges worked. */
#include "hvguest.h"

#define GUEST_IP 0x0a00020fu
#define GW_IP 0x0a000202u
#define LOCAL_PORT 5555u
#define FWD_PORT 7777u
#define SECOND 1000000000ull

static const uint8_t my_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static uint8_t gw_mac[6];
static uint8_t tx[HV_GUEST_NET_MTU], rx[2048];
static uint8_t sector[HV_GUEST_SECTOR];

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }
static unsigned get16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

static void copy(uint8_t *d, const void *s, size_t n)
{
    const uint8_t *b = s;
    while (n--)
        *d++ = *b++;
}

static void eth_header(const uint8_t *dst, unsigned type)
{
    copy(tx, dst, 6);
    copy(tx + 6, my_mac, 6);
    put16(tx + 12, type);
}

/* ARP reply to slirp's requests for our address; 1 if the frame was one. */
static int answer_arp(const uint8_t *f, size_t len)
{
    if (len < 42 || get16(f + 12) != 0x0806 || get16(f + 20) != 1 || get32(f + 38) != GUEST_IP)
        return 0;
    eth_header(f + 6, 0x0806);
    put16(tx + 14, 1); put16(tx + 16, 0x0800); tx[18] = 6; tx[19] = 4; put16(tx + 20, 2);
    copy(tx + 22, my_mac, 6); put32(tx + 28, GUEST_IP);
    copy(tx + 32, f + 22, 10);                 /* target = the asker's MAC and IP */
    hv_guest_net_send(tx, 42);
    return 1;
}

static int resolve_gateway(void)
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    for (int attempt = 0; attempt < 5; attempt++) {
        eth_header(bcast, 0x0806);
        put16(tx + 14, 1); put16(tx + 16, 0x0800); tx[18] = 6; tx[19] = 4; put16(tx + 20, 1);
        copy(tx + 22, my_mac, 6); put32(tx + 28, GUEST_IP);
        for (int i = 32; i < 38; i++)
            tx[i] = 0;
        put32(tx + 38, GW_IP);
        hv_guest_net_send(tx, 42);
        uint64_t end = hv_guest_time_ns() + SECOND;
        while (hv_guest_time_ns() < end) {
            size_t n = hv_guest_net_recv(rx, sizeof(rx), SECOND / 10);
            if (n >= 42 && get16(rx + 12) == 0x0806 && get16(rx + 20) == 2 &&
                get32(rx + 28) == GW_IP) {
                copy(gw_mac, rx + 22, 6);
                return 0;
            }
        }
    }
    return -1;
}

static uint16_t ip_checksum(const uint8_t *h, unsigned len)
{
    uint32_t sum = 0;
    for (unsigned i = 0; i < len; i += 2)
        sum += get16(h + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void send_udp(uint32_t dst_ip, unsigned sport, unsigned dport, const char *msg)
{
    unsigned n = 0;
    while (msg[n])
        n++;
    eth_header(gw_mac, 0x0800);
    uint8_t *ip = tx + 14, *udp = ip + 20;
    ip[0] = 0x45; ip[1] = 0; put16(ip + 2, 20 + 8 + n); put16(ip + 4, 1); put16(ip + 6, 0);
    ip[8] = 64; ip[9] = 17; put16(ip + 10, 0); put32(ip + 12, GUEST_IP); put32(ip + 16, dst_ip);
    put16(ip + 10, ip_checksum(ip, 20));
    put16(udp, sport); put16(udp + 2, dport); put16(udp + 4, 8 + n); put16(udp + 6, 0);
    copy(udp + 8, msg, n);
    hv_guest_net_send(tx, 14 + 20 + 8 + n);
}

/* Wait for a UDP datagram to port `port`; payload NUL-terminated into out. */
static int recv_udp(unsigned port, uint64_t timeout_ns, char *out, size_t cap,
                    uint32_t *src_ip, unsigned *src_port)
{
    uint64_t end = hv_guest_time_ns() + timeout_ns;
    while (hv_guest_time_ns() < end) {
        size_t n = hv_guest_net_recv(rx, sizeof(rx), SECOND / 10);
        if (!n || answer_arp(rx, n))
            continue;
        if (n < 42 || get16(rx + 12) != 0x0800 || rx[23] != 17)
            continue;
        const uint8_t *ip = rx + 14, *udp = ip + (ip[0] & 15) * 4;
        if (get16(udp + 2) != port)
            continue;
        size_t len = get16(udp + 4) - 8;
        if (len >= cap)
            len = cap - 1;
        copy((uint8_t *)out, udp + 8, len);
        out[len] = 0;
        *src_ip = get32(ip + 12);
        *src_port = get16(udp);
        return 0;
    }
    return -1;
}

int main(void)
{
    if (!hv_guest_net_present() || hv_guest_blk_read(0, 0, sector, 1) < 0) {
        hv_guest_printf("udp: needs a NIC and a disk\n");
        return 1;
    }
    unsigned port = 0;
    for (int i = 0; sector[i] >= '0' && sector[i] <= '9'; i++)
        port = port * 10 + (sector[i] - '0');
    if (resolve_gateway() < 0) {
        hv_guest_printf("udp: no ARP reply from 10.0.2.2\n");
        return 2;
    }
    hv_guest_printf("udp: gateway 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x\n", gw_mac[0],
                    gw_mac[1], gw_mac[2], gw_mac[3], gw_mac[4], gw_mac[5]);
    char msg[256];
    uint32_t ip;
    unsigned sport;
    for (int attempt = 0;; attempt++) {
        send_udp(GW_IP, LOCAL_PORT, port, "ping from the guest");
        if (recv_udp(LOCAL_PORT, SECOND, msg, sizeof(msg), &ip, &sport) == 0)
            break;
        if (attempt == 4) {
            hv_guest_printf("udp: no reply from 10.0.2.2:%u\n", port);
            return 3;
        }
    }
    hv_guest_printf("udp: reply from the host server: %s\n", msg);
    hv_guest_printf("udp: listening on port %u\n", FWD_PORT);
    if (recv_udp(FWD_PORT, 20 * SECOND, msg, sizeof(msg), &ip, &sport) < 0) {
        hv_guest_printf("udp: nothing arrived through the hostfwd\n");
        return 4;
    }
    hv_guest_printf("udp: hostfwd delivered: %s\n", msg);
    send_udp(ip, FWD_PORT, sport, "guest got it");
    /* Let the reply leave before powering off (slirp sends it on its next poll). */
    hv_guest_sleep_ns(SECOND / 5);
    hv_guest_printf("udp: done\n");
    return 0;
}
