/* SPDX-License-Identifier: MIT */
/* Guest test of the SDK's asynchronous block API (hvguest.h: hv_guest_blk_submit / kick /
 * complete), built for both flavours and run on both backends by compare.sh (same output,
 * exit 0). Needs a 1 MiB disk. Checks: a full queue of 32 writes in one kick, the 33rd
 * submit refused, synchronous calls refused while requests are outstanding, every cookie
 * completed once, data read back through scattered buffers, a bad request inside a batch
 * failing alone, argument checks, and the synchronous API working again afterwards. The
 * first 32 KiB of the disk end up holding 1024 text lines "hvq c=NNN l=NN ok". */
#include "hvguest.h"

#define QD HV_GUEST_BLK_QDEPTH
#define REQ 1024u                       /* bytes per request: 2 sectors */
#define LINE 32u

static uint8_t wbuf[QD][REQ] __attribute__((aligned(64)));
static uint8_t rbuf[QD][2 * REQ] __attribute__((aligned(64)));   /* scattered: 2 KiB apart */

static int step;

static int check(int ok, const char *what)
{
    step++;
    if (!ok)
        hv_guest_printf("blkasync: step %d (%s) FAILED\n", step, what);
    return ok;
}

static void put2(uint8_t *p, unsigned v, unsigned digits)
{
    for (unsigned i = digits; i-- > 0; v /= 10)
        p[i] = (uint8_t)('0' + v % 10);
}

/* 32 lines of "hvq c=NNN l=NN ok" padded with '.' to 31 bytes plus '\n'. */
static void make_lines(uint8_t *p, unsigned c)
{
    for (unsigned l = 0; l < REQ / LINE; l++) {
        uint8_t *s = p + l * LINE;
        const char *t = "hvq c=000 l=00 ok";
        unsigned i = 0;
        for (; t[i]; i++)
            s[i] = (uint8_t)t[i];
        for (; i < LINE - 1; i++)
            s[i] = '.';
        s[LINE - 1] = '\n';
        put2(s + 6, c, 3);
        put2(s + 12, l, 2);
    }
}

/* Complete n requests; each cookie in [base, base + n) exactly once, status as `want`
 * except the cookie `bad` (if < base + n), which must fail. */
static int complete_all(unsigned n, uint64_t base, uint64_t bad)
{
    uint64_t seen = 0;
    for (unsigned i = 0; i < n; i++) {
        uint64_t c = ~0ull;
        int rc = hv_guest_blk_complete(0, &c);
        if (c < base || c >= base + n || (seen >> (c - base) & 1))
            return 0;
        seen |= 1ull << (c - base);
        if (rc != (c == bad ? -1 : 1))
            return 0;
    }
    return hv_guest_blk_complete(0, 0) == 0;
}

int main(void)
{
    if (!check(hv_guest_blk_count() >= 1 && hv_guest_blk_capacity(0) == 2048, "disk"))
        return 1;
    /* 1. A full queue of writes, one kick. */
    int ok = 1;
    for (unsigned i = 0; i < QD; i++) {
        make_lines(wbuf[i], i);
        ok &= hv_guest_blk_submit(0, 1, i * 2ull, wbuf[i], 2, 100 + i) == 0;
    }
    if (!check(ok, "32 submits") ||
        !check(hv_guest_blk_submit(0, 1, 200, wbuf[0], 2, 99) < 0, "33rd refused") ||
        !check(hv_guest_blk_read(0, 0, rbuf[0], 1) < 0, "sync read refused") ||
        !check(hv_guest_blk_flush(0) < 0, "sync flush refused"))
        return 1;
    hv_guest_blk_kick(0);
    if (!check(complete_all(QD, 100, ~0ull), "32 completions"))
        return 1;
    /* 2. Read back in reverse order into scattered buffers, kicked by complete itself. */
    for (unsigned i = 0; i < QD; i++) {
        for (unsigned k = 0; k < REQ; k++)
            rbuf[i][k] = 0;
        ok &= hv_guest_blk_submit(0, 0, (QD - 1 - i) * 2ull, rbuf[i], 2, 500 + i) == 0;
    }
    if (!check(ok, "32 read submits") || !check(complete_all(QD, 500, ~0ull), "32 reads"))
        return 1;
    for (unsigned i = 0; i < QD; i++)
        for (unsigned k = 0; k < REQ; k++)
            ok &= rbuf[i][k] == wbuf[QD - 1 - i][k];
    if (!check(ok, "read-back data"))
        return 1;
    /* 3. A request past the end of the disk fails alone. */
    for (unsigned i = 0; i < 8; i++) {
        uint64_t sector = i == 5 ? 2047 : i * 2ull;       /* 2047 + 2 sectors > 2048 */
        ok &= hv_guest_blk_submit(0, 0, sector, rbuf[i], 2, 700 + i) == 0;
    }
    hv_guest_blk_kick(0);
    if (!check(ok, "8 submits") || !check(complete_all(8, 700, 705), "bad one fails alone"))
        return 1;
    /* 4. Argument checks. */
    if (!check(hv_guest_blk_submit(0, 0, 0, rbuf[0], 0, 1) < 0, "nsec 0") ||
        !check(hv_guest_blk_submit(0, 0, 0, rbuf[0], HV_GUEST_BLK_ASYNC_MAX + 1, 1) < 0,
               "nsec too large") ||
        !check(hv_guest_blk_submit(7, 0, 0, rbuf[0], 1, 1) < 0, "no such disk") ||
        !check(hv_guest_blk_complete(0, 0) == 0, "idle complete") ||
        !check(hv_guest_blk_complete(7, 0) == 0, "idle complete, no disk"))
        return 1;
    /* 5. The synchronous API works again; make the lines durable. */
    if (!check(hv_guest_blk_read(0, 62, rbuf[0], 2) == 0, "sync read") ||
        !check(rbuf[0][6] == '0' && rbuf[0][7] == '3' && rbuf[0][8] == '1', "sync data") ||
        !check(hv_guest_blk_flush(0) == 0, "sync flush"))
        return 1;
    hv_guest_printf("blkasync: %d steps ok\n", step);
    return 0;
}
