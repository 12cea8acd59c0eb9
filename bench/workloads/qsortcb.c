/* SPDX-License-Identifier: MIT */
/* qsortcb — a libc-style generic qsort (element size at run time, a comparator called
 * through a function pointer for every comparison, elements swapped word by word), as
 * small C libraries implement it: median-of-three quicksort with an insertion sort below
 * 8 elements. It sorts 16-byte records by a signed key, then by a name compared like
 * strcmp, then by an unsigned 16-bit field with the key as tie-break, and 32-bit integers
 * descending; each result is checked in order and hashed. */
#include "bench.h"

#define RECS 1200

struct rec {
    int32_t key;
    uint16_t id;
    uint16_t prio;
    char name[8];
};

typedef int (*cmp_fn)(const void *, const void *);

static struct rec recs[RECS];
static uint32_t ints[RECS * 2];

static void swap_elems(void *a, void *b, size_t size)
{
    if (size % 4 == 0) {
        uint32_t *x = a, *y = b;
        for (size_t i = 0; i < size / 4; i++) {
            uint32_t t = x[i];
            x[i] = y[i];
            y[i] = t;
        }
    } else {
        uint8_t *x = a, *y = b;
        for (size_t i = 0; i < size; i++) {
            uint8_t t = x[i];
            x[i] = y[i];
            y[i] = t;
        }
    }
}

static void gen_qsort(void *base, size_t n, size_t size, cmp_fn cmp)
{
    char *b = base;
    while (n > 7) {
        char *lo = b, *mid = b + (n / 2) * size, *hi = b + (n - 1) * size;
        if (cmp(mid, lo) < 0)
            swap_elems(mid, lo, size);
        if (cmp(hi, mid) < 0) {
            swap_elems(hi, mid, size);
            if (cmp(mid, lo) < 0)
                swap_elems(mid, lo, size);
        }
        swap_elems(mid, lo, size);          /* the pivot at the start */
        char *i = lo + size, *j = hi;
        for (;;) {
            while (i <= j && cmp(i, lo) < 0)
                i += size;
            while (i <= j && cmp(j, lo) > 0)
                j -= size;
            if (i >= j)
                break;
            swap_elems(i, j, size);
            i += size;
            j -= size;
        }
        swap_elems(lo, j, size);
        size_t left = (size_t)(j - b) / size, right = n - left - 1;
        if (left < right) {
            gen_qsort(b, left, size, cmp);
            b = j + size;
            n = right;
        } else {
            gen_qsort(j + size, right, size, cmp);
            n = left;
        }
    }
    for (size_t k = 1; k < n; k++)
        for (char *p = b + k * size; p > b && cmp(p - size, p) > 0; p -= size)
            swap_elems(p - size, p, size);
}

static int by_key(const void *a, const void *b)
{
    int32_t x = ((const struct rec *)a)->key, y = ((const struct rec *)b)->key;
    return (x > y) - (x < y);
}

static int by_name(const void *a, const void *b)
{
    const unsigned char *x = (const unsigned char *)((const struct rec *)a)->name;
    const unsigned char *y = (const unsigned char *)((const struct rec *)b)->name;
    while (*x && *x == *y)
        x++, y++;
    return *x - *y;
}

static int by_prio_key(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    if (x->prio != y->prio)
        return x->prio < y->prio ? -1 : 1;
    return by_key(a, b);
}

static int desc_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x < y) - (x > y);
}

static uint64_t check(const void *base, size_t n, size_t size, cmp_fn cmp, uint64_t h)
{
    const char *b = base;
    for (size_t i = 0; i < n; i++) {
        if (i && cmp(b + (i - 1) * size, b + i * size) > 0)
            return 0;
        h = h * 131 + *(const uint32_t *)(b + i * size);
    }
    return h;
}

int main(void)
{
    uint64_t s = 4242, sum = 0;
    for (int round = 0; round < 8 * BENCH_SCALE; round++) {
        for (unsigned i = 0; i < RECS; i++) {
            uint64_t r = bench_rand(&s);
            recs[i].key = (int32_t)(r >> 32) >> 8;
            recs[i].id = (uint16_t)i;
            recs[i].prio = (uint16_t)((r >> 8) & 15);
            for (int k = 0; k < 7; k++)
                recs[i].name[k] = (char)('a' + (r >> (4 + 3 * k)) % (k < 2 ? 3 : 26));
            recs[i].name[7] = 0;
        }
        for (unsigned i = 0; i < RECS * 2; i++)
            ints[i] = (uint32_t)bench_rand(&s);
        static const cmp_fn rec_cmps[3] = { by_key, by_name, by_prio_key };
        for (int c = 0; c < 3; c++) {
            gen_qsort(recs, RECS, sizeof recs[0], rec_cmps[c]);
            uint64_t h = check(recs, RECS, sizeof recs[0], rec_cmps[c], 1);
            if (!h)
                return bench_report("qsortcb", 0, 1);
            sum = sum * 7 + h + recs[RECS / 2].id;
        }
        gen_qsort(ints, RECS * 2, sizeof ints[0], desc_u32);
        uint64_t h = check(ints, RECS * 2, sizeof ints[0], desc_u32, 3);
        if (!h)
            return bench_report("qsortcb", 0, 1);
        sum ^= h;
    }
    return bench_report("qsortcb", sum, BENCH_SCALE == 1 ? 0x38674604b5b9c2e1ull : sum);
}
