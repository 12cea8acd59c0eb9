/* SPDX-License-Identifier: MIT */
/* libhv debug — the GDB remote serial protocol's packet layer: an incremental receiver
 * ($payload#cs with checksum check, acks, Ctrl-C), framing with escaping, and the hex
 * helpers. Pure functions over caller buffers: any byte sequence is safe to feed. */
#include <string.h>
#include "debug/gdb.h"

enum { RX_IDLE, RX_DATA, RX_CSUM1, RX_CSUM2 };

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void hv__gdb_rx_init(struct hv__gdb_rx *rx)
{
    rx->state = RX_IDLE;
    rx->len = 0;
    rx->overflow = false;
    rx->sum = rx->csum = 0;
    rx->buf[0] = 0;
}

enum hv__gdb_rx_event hv__gdb_rx_byte(struct hv__gdb_rx *rx, uint8_t c)
{
    switch (rx->state) {
    case RX_IDLE:
        if (c == '$') {
            rx->state = RX_DATA;
            rx->len = 0;
            rx->sum = 0;
            rx->overflow = false;
            return HV__GDB_RX_NONE;
        }
        if (c == '+')
            return HV__GDB_RX_ACK;
        if (c == '-')
            return HV__GDB_RX_NAK;
        if (c == 0x03)
            return HV__GDB_RX_INTERRUPT;
        return HV__GDB_RX_NONE;            /* noise between packets is ignored */
    case RX_DATA:
        if (c == '#') {
            rx->state = RX_CSUM1;
            return HV__GDB_RX_NONE;
        }
        if (c == '$') {                    /* a new packet restarts (the old one was cut) */
            rx->len = 0;
            rx->sum = 0;
            rx->overflow = false;
            return HV__GDB_RX_NONE;
        }
        rx->sum += c;
        if (rx->len < sizeof(rx->buf) - 1)
            rx->buf[rx->len++] = (char)c;
        else
            rx->overflow = true;
        return HV__GDB_RX_NONE;
    case RX_CSUM1: {
        int v = hexval(c);
        rx->csum = (uint8_t)(v < 0 ? 0 : v << 4);
        rx->state = v < 0 ? RX_IDLE : RX_CSUM2;
        return v < 0 ? HV__GDB_RX_BAD : HV__GDB_RX_NONE;
    }
    default: {
        int v = hexval(c);
        rx->state = RX_IDLE;
        rx->buf[rx->len] = 0;
        if (v < 0 || rx->overflow || (uint8_t)(rx->csum | v) != rx->sum)
            return HV__GDB_RX_BAD;
        return HV__GDB_RX_PACKET;
    }
    }
}

static bool needs_escape(char c)
{
    return c == '$' || c == '#' || c == '}' || c == '*';
}

size_t hv__gdb_frame(const char *payload, size_t len, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    uint8_t sum = 0;
    if (cap < 4)
        return 0;
    out[o++] = '$';
    for (size_t i = 0; i < len; i++) {
        char c = payload[i];
        if (o + 2 + 3 > cap)
            return 0;
        if (needs_escape(c)) {
            out[o++] = '}';
            sum += '}';
            c ^= 0x20;
        }
        out[o++] = c;
        sum += (uint8_t)c;
    }
    if (o + 3 > cap)
        return 0;
    out[o++] = '#';
    out[o++] = hex[sum >> 4];
    out[o++] = hex[sum & 15];
    return o;
}

long hv__gdb_unescape(char *buf, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] != '}') {
            buf[o++] = buf[i];
            continue;
        }
        if (++i == len)
            return -1;
        buf[o++] = (char)(buf[i] ^ 0x20);
    }
    return (long)o;
}

void hv__gdb_hex_encode(const void *data, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[p[i] >> 4];
        out[2 * i + 1] = hex[p[i] & 15];
    }
}

long hv__gdb_hex_decode(const char *hex, size_t len, void *out, size_t cap)
{
    uint8_t *p = out;
    if (len & 1 || len / 2 > cap)
        return -1;
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hexval((unsigned char)hex[2 * i]), lo = hexval((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        p[i] = (uint8_t)(hi << 4 | lo);
    }
    return (long)(len / 2);
}

bool hv__gdb_parse_hex(const char **p, const char *end, uint64_t *val)
{
    const char *s = *p;
    uint64_t v = 0;
    unsigned n = 0;
    for (; s < end && hexval((unsigned char)*s) >= 0; s++, n++) {
        if (n == 16)
            return false;
        v = v << 4 | (uint64_t)hexval((unsigned char)*s);
    }
    if (!n)
        return false;
    *val = v;
    *p = s;
    return true;
}
