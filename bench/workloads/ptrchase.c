/* SPDX-License-Identifier: MIT */
/* ptrchase — follow a randomly permuted singly linked list much larger than the data
 * caches: one dependent load per step, the worst case for any memory path. */
#include "bench.h"

#define NODES (1 << 18)
struct node {
    struct node *next;
    uint64_t val;
};
static struct node nodes[NODES];
static uint32_t perm[NODES];

int main(void)
{
    uint64_t s = 99;
    for (uint32_t i = 0; i < NODES; i++)
        perm[i] = i;
    for (uint32_t i = NODES - 1; i > 0; i--) {       /* Fisher-Yates */
        uint32_t j = (uint32_t)(bench_rand(&s) % (i + 1));
        uint32_t t = perm[i]; perm[i] = perm[j]; perm[j] = t;
    }
    for (uint32_t i = 0; i < NODES; i++) {
        nodes[perm[i]].next = &nodes[perm[(i + 1) % NODES]];
        nodes[perm[i]].val = i;
    }
    struct node *p = &nodes[perm[0]];
    uint64_t sum = 0;
    for (long i = 0; i < 2000000L * BENCH_SCALE; i++) {
        sum += p->val;
        p = p->next;
    }
    return bench_report("ptrchase", sum, BENCH_SCALE == 1 ? 0x3b2b3addc0ull : sum);
}
