/* SPDX-License-Identifier: MIT */
/* intmix — an integer and branch mix in the spirit of Dhrystone: record copies, string
 * compares, small integer arithmetic and data-dependent branches. */
#include "bench.h"

struct record {
    struct record *next;
    int kind, ival;
    char name[32];
};

static int str_cmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

static void str_copy(char *d, const char *s)
{
    while ((*d++ = *s++))
        ;
}

static int proc(struct record *r, int i)
{
    int v = r->ival;
    switch ((i ^ v) & 7) {
    case 0: v += i; break;
    case 1: v -= i >> 1; break;
    case 2: v ^= i * 3; break;
    case 3: v = v * 5 + 1; break;
    case 4: v = (v >> 2) | (i << 3); break;
    case 5: v += str_cmp(r->name, "DHRYSTONE PROGRAM, SOME STRING") ; break;
    default: v = -v; break;
    }
    r->ival = v & 0xffffff;
    return v;
}

int main(void)
{
    static struct record recs[64];
    static const char *names[4] = { "DHRYSTONE PROGRAM, SOME STRING", "DHRYSTONE PROGRAM, 1'ST STRING",
                                    "DHRYSTONE PROGRAM, 2'ND STRING", "DHRYSTONE PROGRAM, 3'RD STRING" };
    for (int i = 0; i < 64; i++) {
        recs[i].next = &recs[(i * 7 + 1) & 63];
        recs[i].kind = i & 3;
        recs[i].ival = i * 17;
        str_copy(recs[i].name, names[i & 3]);
    }
    uint64_t sum = 0;
    struct record *r = recs;
    for (long i = 0; i < 2000000L * BENCH_SCALE; i++) {
        sum += (unsigned)proc(r, (int)i);
        if (r->kind == 2)
            str_copy(r->name, names[(i >> 3) & 3]);
        r = r->next;
    }
    return bench_report("intmix", sum, BENCH_SCALE == 1 ? 0x9af3e659c30adull : sum);
}
