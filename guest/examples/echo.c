/* SPDX-License-Identifier: MIT */
/* SDK example: network echo over the loopback netdev. Sends frames of several sizes, takes
 * each one back, and verifies length and contents. */
#include "hvguest.h"

static uint8_t tx[HV_GUEST_NET_MTU], rx[2048];

static int fail(const char *what, unsigned size)
{
    hv_guest_printf("echo: %s failed for %u bytes\n", what, size);
    return 1;
}

int main(void)
{
    static const unsigned sizes[] = { 60, 64, 128, 333, 1000, 1514 };
    if (!hv_guest_net_present())
        return fail("finding a NIC", 0);
    for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        unsigned len = sizes[k];
        for (unsigned i = 0; i < 6; i++)
            tx[i] = 0xff;                        /* broadcast */
        for (unsigned i = 6; i < 12; i++)
            tx[i] = (uint8_t)(0x50 + i);
        tx[12] = 0x88, tx[13] = 0xb5;            /* local experimental ethertype */
        for (unsigned i = 14; i < len; i++)
            tx[i] = (uint8_t)(i * 7 + len);
        if (hv_guest_net_send(tx, len) < 0)
            return fail("send", len);
        size_t got = hv_guest_net_recv(rx, sizeof(rx), 1000000000ull);
        if (got != len)
            return fail("receive", len);
        for (unsigned i = 0; i < len; i++)
            if (rx[i] != tx[i])
                return fail("compare", len);
        hv_guest_printf("echo: %u-byte frame came back intact\n", len);
    }
    if (hv_guest_net_recv(rx, sizeof(rx), 1000000ull) != 0)
        return fail("expecting silence", 0);
    hv_guest_printf("echo: all %u frames ok\n", (unsigned)(sizeof(sizes) / sizeof(sizes[0])));
    return 0;
}
