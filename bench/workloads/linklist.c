/* SPDX-License-Identifier: MIT */
/* linklist — singly linked list code as found in schedulers, free lists and symbol tables:
 * nodes from a static pool pushed at the head, lookups by key (a pointer walk with a
 * compare per node), in-place reversal, a recursive merge sort (split by slow/fast pointers,
 * merge by relinking), removal of the nodes that match a predicate, and a final walk. */
#include "bench.h"

#define NODES 1500

struct node {
    struct node *next;
    int32_t key;
    uint16_t tag;
    uint8_t flags;
};

static struct node pool[NODES];

static struct node *find(struct node *l, int32_t key)
{
    for (; l; l = l->next)
        if (l->key == key)
            return l;
    return 0;
}

static struct node *reverse(struct node *l)
{
    struct node *prev = 0;
    while (l) {
        struct node *n = l->next;
        l->next = prev;
        prev = l;
        l = n;
    }
    return prev;
}

static struct node *merge(struct node *a, struct node *b)
{
    struct node head, *t = &head;
    while (a && b) {
        if (a->key <= b->key) {
            t->next = a;
            a = a->next;
        } else {
            t->next = b;
            b = b->next;
        }
        t = t->next;
    }
    t->next = a ? a : b;
    return head.next;
}

static struct node *msort(struct node *l)
{
    if (!l || !l->next)
        return l;
    struct node *slow = l, *fast = l->next;
    while (fast && fast->next) {
        slow = slow->next;
        fast = fast->next->next;
    }
    struct node *second = slow->next;
    slow->next = 0;
    return merge(msort(l), msort(second));
}

/* Unlink every node whose flags have bit 0 set; returns the new head. */
static struct node *remove_marked(struct node *l, unsigned *removed)
{
    struct node **pp = &l;
    while (*pp) {
        if ((*pp)->flags & 1) {
            *pp = (*pp)->next;
            (*removed)++;
        } else {
            pp = &(*pp)->next;
        }
    }
    return l;
}

int main(void)
{
    uint64_t s = 777, sum = 0;
    for (int round = 0; round < 10 * BENCH_SCALE; round++) {
        struct node *l = 0;
        for (unsigned i = 0; i < NODES; i++) {
            struct node *n = &pool[i];
            uint64_t r = bench_rand(&s);
            n->key = (int32_t)(r >> 40) - (1 << 23);
            n->tag = (uint16_t)i;
            n->flags = (uint8_t)(r >> 8);
            n->next = l;
            l = n;
        }
        /* lookups: half of them hit (keys of existing nodes), half miss */
        for (unsigned q = 0; q < 400; q++) {
            int32_t key = q & 1 ? pool[(q * 37) % NODES].key : (int32_t)q;
            struct node *n = find(l, key);
            sum += n ? n->tag : 0xffff;
        }
        l = reverse(l);
        sum += (uint64_t)l->tag << 16;
        l = msort(l);
        for (struct node *n = l; n && n->next; n = n->next)
            if (n->key > n->next->key)
                return bench_report("linklist", 0, 1);
        unsigned removed = 0;
        l = remove_marked(l, &removed);
        l = reverse(l);
        uint64_t h = removed;
        for (struct node *n = l; n; n = n->next)
            h = h * 31 + (uint32_t)n->key + n->tag;
        sum ^= h + (uint64_t)round;
    }
    return bench_report("linklist", sum, BENCH_SCALE == 1 ? 0x318bf24b9dde4e62ull : sum);
}
