/* SPDX-License-Identifier: MIT */
/* SDK example: block I/O. Writes a text pattern to sectors 8..71 of the first disk, flushes
 * (durable on the host), reads it back, verifies it and prints a checksum. The test that
 * runs it checks the disk file afterwards: each sector holds 32 lines "hvblk s=NNNN ok". */
#include "hvguest.h"

#define FIRST 8u
#define COUNT 64u

static uint8_t wbuf[COUNT * HV_GUEST_SECTOR], rbuf[COUNT * HV_GUEST_SECTOR];

static void fill(uint8_t *p, unsigned sector)
{
    for (unsigned rec = 0; rec < HV_GUEST_SECTOR / 16; rec++, p += 16) {
        const char *t = "hvblk s=0000 ok\n";
        for (unsigned i = 0; i < 16; i++)
            p[i] = (uint8_t)t[i];
        p[8] = (uint8_t)('0' + sector / 1000 % 10);
        p[9] = (uint8_t)('0' + sector / 100 % 10);
        p[10] = (uint8_t)('0' + sector / 10 % 10);
        p[11] = (uint8_t)('0' + sector % 10);
    }
}

static int fail(const char *what)
{
    hv_guest_printf("blk: %s failed\n", what);
    return 1;
}

int main(void)
{
    int n = hv_guest_blk_count();
    if (n < 1)
        return fail("finding a disk");
    hv_guest_printf("blk: %d disk(s), capacity %lu sectors\n", n,
                    (unsigned long)hv_guest_blk_capacity(0));
    for (unsigned s = 0; s < COUNT; s++)
        fill(wbuf + s * HV_GUEST_SECTOR, FIRST + s);
    if (hv_guest_blk_write(0, FIRST, wbuf, COUNT) < 0)
        return fail("write");
    if (hv_guest_blk_flush(0) < 0)
        return fail("flush");
    /* Read back in pieces of different sizes. */
    for (unsigned s = 0; s < COUNT;) {
        unsigned k = s % 3 + 1 < COUNT - s ? s % 3 + 1 : COUNT - s;
        if (hv_guest_blk_read(0, FIRST + s, rbuf + s * HV_GUEST_SECTOR, k) < 0)
            return fail("read");
        s += k;
    }
    uint32_t sum = 2166136261u;                 /* FNV-1a */
    for (unsigned i = 0; i < sizeof(rbuf); i++) {
        if (rbuf[i] != wbuf[i])
            return fail("verify");
        sum = (sum ^ rbuf[i]) * 16777619u;
    }
    if (hv_guest_blk_read(0, hv_guest_blk_capacity(0), rbuf, 1) == 0)
        return fail("refusing a read past the end");
    hv_guest_printf("blk: wrote %u sectors, flushed, read back: ok\n", COUNT);
    hv_guest_printf("blk: checksum %08x\n", (unsigned)sum);
    return 0;
}
