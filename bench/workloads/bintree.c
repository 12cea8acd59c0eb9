/* SPDX-License-Identifier: MIT */
/* bintree — recursive code over trees, as in symbol tables, expression evaluators and
 * file-system walkers: a binary search tree built by recursive insertion from a node pool,
 * walked recursively (sum, height, count in a key range, in-order copy, mirror), and
 * random arithmetic expression trees built and evaluated recursively. Every call and return
 * goes through ra and the stack. */
#include "bench.h"

#define TNODES 2048
#define ENODES 4096

struct tnode {
    struct tnode *l, *r;
    int32_t key;
    uint32_t count;
};

struct enode {
    struct enode *a, *b;
    uint8_t op;                 /* 0: leaf with value v */
    int32_t v;
};

static struct tnode tpool[TNODES];
static struct enode epool[ENODES];
static unsigned tused, eused;
static int32_t inorder[TNODES];

static struct tnode *insert(struct tnode *t, int32_t key)
{
    if (!t) {
        t = &tpool[tused++];
        t->l = t->r = 0;
        t->key = key;
        t->count = 1;
        return t;
    }
    if (key < t->key)
        t->l = insert(t->l, key);
    else if (key > t->key)
        t->r = insert(t->r, key);
    else
        t->count++;
    return t;
}

static uint64_t sum_keys(const struct tnode *t)
{
    return t ? (uint64_t)(uint32_t)t->key * t->count + sum_keys(t->l) + sum_keys(t->r) : 0;
}

static unsigned height(const struct tnode *t)
{
    if (!t)
        return 0;
    unsigned a = height(t->l), b = height(t->r);
    return 1 + (a > b ? a : b);
}

static unsigned count_range(const struct tnode *t, int32_t lo, int32_t hi)
{
    if (!t)
        return 0;
    if (t->key < lo)
        return count_range(t->r, lo, hi);
    if (t->key > hi)
        return count_range(t->l, lo, hi);
    return 1 + count_range(t->l, lo, hi) + count_range(t->r, lo, hi);
}

static unsigned walk_inorder(const struct tnode *t, unsigned at)
{
    if (!t)
        return at;
    at = walk_inorder(t->l, at);
    inorder[at++] = t->key;
    return walk_inorder(t->r, at);
}

static void mirror(struct tnode *t)
{
    if (!t)
        return;
    struct tnode *x = t->l;
    t->l = t->r;
    t->r = x;
    mirror(t->l);
    mirror(t->r);
}

static struct enode *build_expr(uint64_t *s, int depth)
{
    struct enode *e = &epool[eused++];
    uint64_t r = bench_rand(s);
    if (depth == 0 || (r & 7) == 0 || eused + 2 > ENODES) {
        e->op = 0;
        e->v = (int32_t)(r >> 40) % 1000;
        return e;
    }
    e->op = (uint8_t)(1 + (r >> 8) % 5);
    e->a = build_expr(s, depth - 1);
    e->b = build_expr(s, depth - 1);
    return e;
}

static int32_t eval(const struct enode *e, int32_t bias)
{
    int32_t a, b;
    switch (e->op) {
    case 0: return e->v + bias;
    case 1: return eval(e->a, bias) + eval(e->b, bias);
    case 2: return eval(e->a, bias) - eval(e->b, bias);
    case 3:
        a = eval(e->a, bias);
        b = eval(e->b, bias);
        return (int32_t)((uint32_t)a * (uint32_t)b) >> 3;
    case 4: a = eval(e->a, bias); b = eval(e->b, bias); return a > b ? a : b;
    default: a = eval(e->a, bias); b = eval(e->b, bias); return a ^ b;
    }
}

int main(void)
{
    uint64_t s = 2718, sum = 0;
    for (int round = 0; round < 12 * BENCH_SCALE; round++) {
        tused = 0;
        struct tnode *root = 0;
        for (unsigned i = 0; i < TNODES; i++)
            root = insert(root, (int32_t)(bench_rand(&s) >> 44) - 100000);
        sum += sum_keys(root) + height(root) * 1000003ull;
        for (int q = 0; q < 64; q++) {
            int32_t lo = (int32_t)(bench_rand(&s) >> 44) - 100000;
            sum += count_range(root, lo, lo + 20000);
        }
        unsigned n = walk_inorder(root, 0);
        for (unsigned i = 1; i < n; i++)
            if (inorder[i - 1] >= inorder[i])
                return bench_report("bintree", 0, 1);
        mirror(root);
        sum = sum * 7 + walk_inorder(root, 0) + (uint32_t)inorder[0];
        for (int e = 0; e < 8; e++) {
            eused = 0;
            const struct enode *x = build_expr(&s, 10);
            for (int k = 0; k < 4; k++)
                sum = sum * 31 + (uint32_t)eval(x, k);
        }
    }
    return bench_report("bintree", sum, BENCH_SCALE == 1 ? 0xcd9459b32c235b54ull : sum);
}
