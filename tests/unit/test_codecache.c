/* SPDX-License-Identifier: MIT */
/* Unit tests for the W^X code cache (libhv/cpu/x86/codecache.h) and execution tests of
 * emitted x86-64 sequences: code is written through the RW view, run through the RX view,
 * and its results are compared with the same computation in C on random inputs (fixed
 * seed), across register choices that exercise the REX / SIB / disp special cases. */
#include <criterion/criterion.h>
#include <fenv.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <xmmintrin.h>

#include "cpu/x86/codecache.h"
#include "cpu/x86/emit.h"
#include "hv/error.h"

static struct hv__cc cc;
static char err[256];

static void setup(void)
{
    cr_assert_eq(hv__cc_init(&cc, 1 << 20, 0, err, sizeof(err)), 0, "%s", err);
}

static void teardown(void)
{
    hv__cc_fini(&cc);
}

TestSuite(codecache, .init = setup, .fini = teardown);
TestSuite(x86exec, .init = setup, .fini = teardown);

typedef uint64_t (*fn3_t)(uint64_t, uint64_t, uint64_t);
typedef double (*fnd_t)(double, double, double);
typedef float (*fnf_t)(float, float, float);

static void *commit(struct hv__x86_buf *b)
{
    void *p = hv__cc_commit(&cc, b);
    cr_assert_not_null(p, "commit failed (overflow %d invalid %d)", b->overflow, b->invalid);
    return p;
}

/* fixed-seed xorshift, biased towards edge values */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    static const uint64_t edges[] = { 0, 1, ~0ull, 0x8000000000000000ull,
                                      0x7fffffffffffffffull, 0x80000000ull, 0xffffffffull,
                                      0x7fffffffull, 0xffffffff80000000ull, 63, 64, 31, 32 };
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    uint64_t v = rng_state;
    switch (v >> 60) {
    case 0: case 1: return edges[(v >> 8) % (sizeof(edges) / sizeof(edges[0]))];
    case 2: return v & 0xff;
    case 3: return (uint64_t)-(int64_t)(v & 0xff);
    case 4: return v & 0xffffffffu;
    default: return v;
    }
}

/* ---- the code cache ------------------------------------------------------------------- */

Test(codecache, run_through_rx_view)
{
    struct hv__x86_buf b;
    hv__cc_begin(&cc, &b);
    cr_assert_eq(b.exec, (uintptr_t)cc.rx);
    hv__x86_mov_ri(&b, HV_X86_RAX, 0x1234567890abcdefull);
    hv__x86_ret(&b);
    fn3_t k = (fn3_t)(uintptr_t)commit(&b);
    cr_assert_eq((uint8_t *)(uintptr_t)k, cc.rx);
    cr_assert_eq(k(0, 0, 0), 0x1234567890abcdefull);

    hv__cc_begin(&cc, &b);
    hv__x86_lea(&b, 8, HV_X86_RAX, hv__x86_mbi(HV_X86_RDI, HV_X86_RSI, 1, 0));
    hv__x86_ret(&b);
    fn3_t add = (fn3_t)(uintptr_t)commit(&b);
    cr_assert_eq((uintptr_t)add % 16, 0, "blocks start 16-byte aligned");
    cr_assert_eq(add(40, 2, 0), 42);
    cr_assert_eq(add(~0ull, 1, 0), 0);
    cr_assert(hv__cc_contains_rx(&cc, (void *)(uintptr_t)add));
    cr_assert_eq(hv__cc_rw(&cc, (void *)(uintptr_t)add), (void *)b.start);
    cr_assert_eq(hv__cc_rx(&cc, b.start), (void *)(uintptr_t)add);
    cr_assert_str_eq(cc.backing, "memfd");
}

/* Parse /proc/self/maps: no mapping may be writable and executable; the two views must
 * carry exactly the permissions we asked for. */
static void check_maps(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    cr_assert_not_null(f);
    char line[512];
    bool saw_rw = false, saw_rx = false;
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
            continue;
        cr_assert(!(perms[1] == 'w' && perms[2] == 'x'), "W+X mapping: %s", line);
        if (lo <= (uintptr_t)cc.rw && (uintptr_t)cc.rw < hi) {
            cr_assert_eq(strncmp(perms, "rw-s", 4), 0, "rw view: %s", line);
            saw_rw = true;
        }
        if (lo <= (uintptr_t)cc.rx && (uintptr_t)cc.rx < hi) {
            cr_assert_eq(strncmp(perms, "r-xs", 4), 0, "rx view: %s", line);
            saw_rx = true;
        }
    }
    fclose(f);
    cr_assert(saw_rw && saw_rx);
}

Test(codecache, no_writable_executable_mapping)
{
    check_maps();
}

Test(codecache, patch_rel32_and_rerun)
{
    struct hv__x86_buf b;
    /* two targets */
    hv__cc_begin(&cc, &b);
    hv__x86_mov_ri(&b, HV_X86_RAX, 1);
    hv__x86_ret(&b);
    uintptr_t one = (uintptr_t)commit(&b);
    hv__cc_begin(&cc, &b);
    hv__x86_mov_ri(&b, HV_X86_RAX, 2);
    hv__x86_ret(&b);
    uintptr_t two = (uintptr_t)commit(&b);
    /* a block that ends in a patchable jump, first to `one` */
    for (unsigned pad = 0; pad < 4; pad++) {
        hv__cc_begin(&cc, &b);
        hv__x86_nop(&b, pad);
        struct hv__x86_fixup f = hv__x86_jmp_patchable(&b);
        fn3_t blk = (fn3_t)(uintptr_t)commit(&b);
        uintptr_t field = (uintptr_t)blk + pad + (f.at - pad);
        cr_assert_eq(field % 4, 0);
        cr_assert_eq(hv__cc_patch_rel32(&cc, field, one), 0);
        cr_assert_eq(blk(0, 0, 0), 1);
        cr_assert_eq(hv__cc_patch_rel32(&cc, field, two), 0);
        cr_assert_eq(blk(0, 0, 0), 2);
    }
    /* out-of-range requests are refused */
    cr_assert_eq(hv__cc_patch_rel32(&cc, (uintptr_t)cc.rx + cc.used, one), HV_ERANGE);
    cr_assert_eq(hv__cc_patch_rel32(&cc, (uintptr_t)cc.rx - 4, one), HV_ERANGE);
    cr_assert_eq(hv__cc_patch_rel32(&cc, (uintptr_t)cc.rx, (uintptr_t)cc.rx + (1ull << 33)),
                 HV_ERANGE);
}

Test(codecache, flush_and_generation)
{
    uint64_t gen = hv__cc_generation(&cc);
    cr_assert_eq(gen, 1);
    size_t n = 0;
    void *p;
    while ((p = hv__cc_alloc(&cc, 1000, 64)) != NULL) {
        cr_assert_eq((uintptr_t)p % 64, 0);
        memset(p, 0x90, 1000);
        n++;
    }
    cr_assert_eq(n, (1u << 20) / 1024);
    cr_assert_leq(cc.used, cc.size);
    /* a block that does not fit is not committed */
    struct hv__x86_buf b;
    hv__cc_begin(&cc, &b);
    hv__x86_nop(&b, 4096);
    size_t used = cc.used;
    cr_assert(b.overflow);
    cr_assert_null(hv__cc_commit(&cc, &b));
    cr_assert_eq(cc.used, used);

    hv__cc_flush(&cc);
    cr_assert_eq(hv__cc_generation(&cc), gen + 1);
    cr_assert_eq(cc.used, 0);
    cr_assert_eq(cc.flushes, 1);
    for (size_t i = 0; i < used; i++)
        cr_assert_eq(cc.rw[i], 0xcc, "flushed code must trap (byte %zu)", i);
    hv__cc_begin(&cc, &b);
    hv__x86_mov_ri(&b, HV_X86_RAX, 7);
    hv__x86_ret(&b);
    fn3_t k = (fn3_t)(uintptr_t)commit(&b);
    cr_assert_eq((uint8_t *)(uintptr_t)k, cc.rx);
    cr_assert_eq(k(0, 0, 0), 7);
    cr_assert_null(hv__cc_alloc(&cc, 8, 3), "non-power-of-two alignment");
}

static void run_const(struct hv__cc *c, uint64_t v)
{
    struct hv__x86_buf b;
    hv__cc_begin(c, &b);
    hv__x86_mov_ri(&b, HV_X86_RAX, v);
    hv__x86_ret(&b);
    void *p = hv__cc_commit(c, &b);
    cr_assert_not_null(p);
    cr_assert_eq(((fn3_t)(uintptr_t)p)(0, 0, 0), v);
}

Test(codecache, fallback_backings)
{
    struct hv__cc c2;
    if (hv__cc_init(&c2, 65536, HV_CC_NO_MEMFD, err, sizeof(err)) == 0) {
        cr_assert(strcmp(c2.backing, "shm") == 0 || strcmp(c2.backing, "tmpfile") == 0);
        fprintf(stderr, "codecache fallback without memfd: %s\n", c2.backing);
        run_const(&c2, 11);
        hv__cc_fini(&c2);
    }
    if (hv__cc_init(&c2, 65536, HV_CC_NO_MEMFD | HV_CC_NO_SHM, err, sizeof(err)) == 0) {
        cr_assert_str_eq(c2.backing, "tmpfile");
        run_const(&c2, 12);
        hv__cc_fini(&c2);
    }
    /* nothing allowed: a clear error, never an RWX mapping */
    int rc = hv__cc_init(&c2, 65536, HV_CC_NO_MEMFD | HV_CC_NO_SHM | HV_CC_NO_TMPFILE, err,
                         sizeof(err));
    cr_assert_eq(rc, HV_ENOTSUP);
    cr_assert(strstr(err, "RWX") != NULL, "%s", err);
    cr_assert_null(c2.rw);
    hv__cc_fini(&c2);
    hv__cc_fini(NULL);
    cr_assert_eq(hv__cc_init(&c2, 0, 0, err, sizeof(err)), HV_EINVAL);
}

/* ---- execution tests: integer ------------------------------------------------------------ */

/* The generated test functions take (a, b, c) in RDI, RSI, RDX, save the callee-saved
 * registers, spill the arguments to the stack and reload them into the registers under test
 * (so any register can be an operand), and return one register in RAX. */
static const int callee_saved[] = { HV_X86_RBX, HV_X86_RBP, HV_X86_R12, HV_X86_R13,
                                    HV_X86_R14, HV_X86_R15 };
/* every register except RSP */
static const int gprs[15] = { HV_X86_RAX, HV_X86_RCX, HV_X86_RDX, HV_X86_RBX, HV_X86_RBP,
                              HV_X86_RSI, HV_X86_RDI, HV_X86_R8, HV_X86_R9, HV_X86_R10,
                              HV_X86_R11, HV_X86_R12, HV_X86_R13, HV_X86_R14, HV_X86_R15 };

static struct hv__x86_buf gb;

/* Starts a function; the stack is 16-byte aligned afterwards (6 pushes + 24 + return). */
static void gen_begin(int ra, int rb, int rc)
{
    if (cc.size - cc.used < 4096)
        hv__cc_flush(&cc);
    hv__cc_begin(&cc, &gb);
    for (int i = 0; i < 6; i++)
        hv__x86_push(&gb, callee_saved[i]);
    hv__x86_alu_ri(&gb, HV_X86_SUB, 8, HV_X86_RSP, 24);
    hv__x86_store(&gb, 8, hv__x86_mb(HV_X86_RSP, 0), HV_X86_RDI);
    hv__x86_store(&gb, 8, hv__x86_mb(HV_X86_RSP, 8), HV_X86_RSI);
    hv__x86_store(&gb, 8, hv__x86_mb(HV_X86_RSP, 16), HV_X86_RDX);
    if (ra != HV_X86_NOREG)
        hv__x86_load(&gb, 8, ra, hv__x86_mb(HV_X86_RSP, 0));
    if (rb != HV_X86_NOREG)
        hv__x86_load(&gb, 8, rb, hv__x86_mb(HV_X86_RSP, 8));
    if (rc != HV_X86_NOREG)
        hv__x86_load(&gb, 8, rc, hv__x86_mb(HV_X86_RSP, 16));
}

static fn3_t gen_end(int result)
{
    hv__x86_mov_rr(&gb, 8, HV_X86_RAX, result);
    hv__x86_alu_ri(&gb, HV_X86_ADD, 8, HV_X86_RSP, 24);
    for (int i = 5; i >= 0; i--)
        hv__x86_pop(&gb, callee_saved[i]);
    hv__x86_ret(&gb);
    return (fn3_t)(uintptr_t)commit(&gb);
}

static uint64_t c_alu(int op, unsigned sz, uint64_t a, uint64_t b)
{
    uint64_t r;
    switch (op) {
    case HV_X86_ADD: r = a + b; break;
    case HV_X86_SUB: r = a - b; break;
    case HV_X86_AND: r = a & b; break;
    case HV_X86_OR: r = a | b; break;
    default: r = a ^ b; break;
    }
    return sz == 8 ? r : (uint32_t)r;
}

#define NRAND 12

Test(x86exec, alu_and_imul)
{
    static const int ops[] = { HV_X86_ADD, HV_X86_SUB, HV_X86_AND, HV_X86_OR, HV_X86_XOR };
    unsigned runs = 0;
    for (int i = 0; i < 15; i++)
        for (int j = 0; j < 15; j++) {
            int d = gprs[i], s = gprs[j];
            if (d == s)
                continue;
            for (unsigned sz = 4; sz <= 8; sz *= 2) {
                int op = ops[(i + j + sz) % 5];
                gen_begin(d, s, HV_X86_NOREG);
                hv__x86_alu_rr(&gb, op, sz, d, s);
                fn3_t f = gen_end(d);
                gen_begin(d, s, HV_X86_NOREG);
                hv__x86_imul_rr(&gb, sz, d, s);
                fn3_t m = gen_end(d);
                int32_t imm = (int32_t)rnd();
                gen_begin(d, HV_X86_NOREG, HV_X86_NOREG);
                hv__x86_alu_ri(&gb, op, sz, d, imm);
                fn3_t fi = gen_end(d);
                for (int k = 0; k < NRAND; k++) {
                    uint64_t a = rnd(), b = rnd();
                    cr_assert_eq(f(a, b, 0), c_alu(op, sz, a, b), "op %d sz %u %s,%s", op, sz,
                                 "d", "s");
                    uint64_t p = a * b;
                    cr_assert_eq(m(a, b, 0), sz == 8 ? p : (uint32_t)p);
                    cr_assert_eq(fi(a, 0, 0), c_alu(op, sz, a, (uint64_t)(int64_t)imm));
                    runs += 3;
                }
            }
        }
    fprintf(stderr, "x86exec alu: %u executions\n", runs);
}

static uint64_t c_shift(int op, unsigned sz, uint64_t a, unsigned n)
{
    unsigned bits = sz * 8;
    n &= bits == 64 ? 63 : 31;
    uint64_t m = sz == 8 ? ~0ull : 0xffffffffull;
    a &= m;
    switch (op) {
    case HV_X86_SHL: return (a << n) & m;
    case HV_X86_SHR: return a >> n;
    case HV_X86_SAR:
        return sz == 8 ? (uint64_t)((int64_t)a >> n) : (uint32_t)((int32_t)(uint32_t)a >> n);
    case HV_X86_ROL: return n ? ((a << n) | (a >> (bits - n))) & m : a;
    default: return n ? ((a >> n) | (a << (bits - n))) & m : a;
    }
}

Test(x86exec, shifts)
{
    static const int ops[] = { HV_X86_SHL, HV_X86_SHR, HV_X86_SAR, HV_X86_ROL, HV_X86_ROR };
    for (int i = 0; i < 15; i++) {
        int d = gprs[i];
        for (size_t o = 0; o < 5; o++)
            for (unsigned sz = 4; sz <= 8; sz *= 2) {
                fn3_t fc = NULL;
                if (d != HV_X86_RCX) {
                    gen_begin(d, HV_X86_RCX, HV_X86_NOREG);
                    hv__x86_shift_rcl(&gb, ops[o], sz, d);
                    fc = gen_end(d);
                }
                uint8_t n = (uint8_t)(rnd() & 63);
                if (i & 1)
                    n = 1;
                gen_begin(d, HV_X86_NOREG, HV_X86_NOREG);
                hv__x86_shift_ri(&gb, ops[o], sz, d, n);
                fn3_t fi = gen_end(d);
                for (int k = 0; k < NRAND; k++) {
                    uint64_t a = rnd(), b = rnd();
                    if (fc)
                        cr_assert_eq(fc(a, b, 0), c_shift(ops[o], sz, a, (unsigned)b),
                                     "op %d sz %u reg %d", ops[o], sz, d);
                    cr_assert_eq(fi(a, 0, 0), c_shift(ops[o], sz, a, n));
                }
            }
    }
}

Test(x86exec, mul_div)
{
    for (int j = 0; j < 15; j++) {
        int s = gprs[j];
        if (s == HV_X86_RAX || s == HV_X86_RDX)
            continue;
        for (unsigned sz = 4; sz <= 8; sz *= 2) {
            fn3_t f[4];
            /* quotient of div, idiv; high half of mul, imul */
            for (int v = 0; v < 4; v++) {
                gen_begin(HV_X86_RAX, s, HV_X86_NOREG);
                int op = v == 0 ? HV_X86_DIV : v == 1 ? HV_X86_IDIV : v == 2 ? HV_X86_MUL :
                         HV_X86_IMUL1;
                if (op == HV_X86_DIV)
                    hv__x86_alu_rr(&gb, HV_X86_XOR, 4, HV_X86_RDX, HV_X86_RDX);
                else if (op == HV_X86_IDIV)
                    hv__x86_cqo(&gb, sz);
                hv__x86_unary(&gb, op, sz, s);
                /* return quotient in the low and remainder in the high half for 32-bit */
                if (sz == 4 && v < 2) {
                    hv__x86_shift_ri(&gb, HV_X86_SHL, 8, HV_X86_RDX, 32);
                    hv__x86_alu_rr(&gb, HV_X86_OR, 8, HV_X86_RAX, HV_X86_RDX);
                    f[v] = gen_end(HV_X86_RAX);
                } else {
                    f[v] = gen_end(v < 2 ? HV_X86_RAX : HV_X86_RDX);
                }
            }
            for (int k = 0; k < NRAND * 2; k++) {
                uint64_t a = rnd(), b = rnd();
                if (sz == 8) {
                    if (b == 0)
                        b = 3;
                    cr_assert_eq(f[0](a, b, 0), a / b);
                    if (!((int64_t)b == -1 && a == 0x8000000000000000ull))
                        cr_assert_eq(f[1](a, b, 0), (uint64_t)((int64_t)a / (int64_t)b));
                    cr_assert_eq(f[2](a, b, 0),
                                 (uint64_t)(((unsigned __int128)a * b) >> 64));
                    cr_assert_eq(f[3](a, b, 0),
                                 (uint64_t)(((__int128)(int64_t)a * (int64_t)b) >> 64));
                } else {
                    uint32_t x = (uint32_t)a, y = (uint32_t)b;
                    if (y == 0)
                        y = 7;
                    cr_assert_eq(f[0](x, y, 0), (uint64_t)(x % y) << 32 | (x / y));
                    if (!((int32_t)y == -1 && x == 0x80000000u)) {
                        uint32_t q = (uint32_t)((int32_t)x / (int32_t)y);
                        uint32_t r = (uint32_t)((int32_t)x % (int32_t)y);
                        cr_assert_eq(f[1](x, y, 0), (uint64_t)r << 32 | q);
                    }
                    /* mul r32 writes EDX (zero-extended) */
                    cr_assert_eq(f[2](x, y, 0), (uint64_t)(((uint64_t)x * y) >> 32));
                    cr_assert_eq(f[3](x, y, 0),
                                 (uint64_t)(uint32_t)(((int64_t)(int32_t)x * (int32_t)y) >> 32));
                }
            }
        }
    }
}

static bool c_cc(int cond, uint64_t a, uint64_t b)
{
    uint64_t r = a - b;
    bool cf = a < b, zf = r == 0, sf = (int64_t)r < 0;
    bool of = (((a ^ b) & (a ^ r)) >> 63) & 1;
    bool pf = !(__builtin_popcount((unsigned)(r & 0xff)) & 1);
    bool v;
    switch (cond >> 1) {
    case 0: v = of; break;
    case 1: v = cf; break;
    case 2: v = zf; break;
    case 3: v = cf || zf; break;
    case 4: v = sf; break;
    case 5: v = pf; break;
    case 6: v = sf != of; break;
    default: v = zf || sf != of; break;
    }
    return (cond & 1) ? !v : v;
}

Test(x86exec, setcc_cmov)
{
    for (int cond = 0; cond < 16; cond++)
        for (int i = 0; i < 15; i += 2) {
            int x = gprs[i], y = gprs[(i + 5) % 15], out = gprs[(i + 9) % 15];
            /* out = (x cmp y) ? 1 : 0 via setcc + movzx */
            gen_begin(x, y, HV_X86_NOREG);
            hv__x86_alu_rr(&gb, HV_X86_CMP, 8, x, y);
            hv__x86_setcc(&gb, cond, out);
            hv__x86_movzx(&gb, 4, 1, out, out);
            fn3_t fs = gen_end(out);
            /* x = cond ? y : x via cmov */
            gen_begin(x, y, HV_X86_NOREG);
            hv__x86_alu_rr(&gb, HV_X86_CMP, 8, x, y);
            hv__x86_cmov(&gb, cond, 8, x, y);
            fn3_t fm = gen_end(x);
            /* forward branch over an increment */
            gen_begin(x, y, out);
            hv__x86_mov_ri(&gb, out, 0);
            hv__x86_alu_rr(&gb, HV_X86_CMP, 8, x, y);
            struct hv__x86_fixup f = hv__x86_jcc_fwd(&gb, cond);
            hv__x86_alu_ri(&gb, HV_X86_ADD, 8, out, 1);
            hv__x86_bind(&gb, f);
            fn3_t fj = gen_end(out);
            for (int k = 0; k < NRAND * 2; k++) {
                uint64_t a = rnd(), b = (k & 3) == 0 ? a : rnd();
                bool want = c_cc(cond, a, b);
                cr_assert_eq(fs(a, b, 0), want, "cc %d a %" PRIx64 " b %" PRIx64, cond, a, b);
                cr_assert_eq(fm(a, b, 0), want ? b : a);
                cr_assert_eq(fj(a, b, 0), !want);
            }
        }
}

Test(x86exec, loads_stores_every_addressing_mode)
{
    static uint8_t mem[4096];
    for (size_t i = 0; i < sizeof(mem); i++)
        mem[i] = (uint8_t)(i * 37 + 11);
    static const int32_t dispv[] = { 0, 8, -8, 127, -128, 1000, -1000 };
    unsigned runs = 0;
    for (int bi = 0; bi < 15; bi++)
        for (int ii = -1; ii < 15; ii++) {
            int base = gprs[bi], index = ii < 0 ? HV_X86_NOREG : gprs[ii];
            if (index == base)
                continue;
            int dst = gprs[(bi + 7) % 15];
            if (dst == base || dst == index)
                dst = gprs[(bi + 8) % 15] == index ? gprs[(bi + 9) % 15] : gprs[(bi + 8) % 15];
            unsigned scale = 1u << ((bi + ii + 1) & 3);
            int32_t disp = dispv[(bi * 3 + ii + 1) % 7];
            unsigned sz = 1u << ((bi + ii + 1) % 4);
            struct hv__x86_mem m = hv__x86_mbi(base, index, scale, disp);
            /* zero-extending and sign-extending loads */
            gen_begin(base, index, HV_X86_NOREG);
            if (sz == 8)
                hv__x86_load(&gb, 8, dst, m);
            else if (sz == 4)
                hv__x86_movsxd_load(&gb, dst, m);
            else
                hv__x86_movsx_load(&gb, 8, sz, dst, m);
            fn3_t fl = gen_end(dst);
            gen_begin(base, index, HV_X86_NOREG);
            if (sz == 4)
                hv__x86_load(&gb, 4, dst, m);
            else if (sz == 8)
                hv__x86_load(&gb, 8, dst, m);
            else
                hv__x86_movzx_load(&gb, 4, sz, dst, m);
            fn3_t fz = gen_end(dst);
            /* store: [m] = c */
            gen_begin(base, index, dst);
            hv__x86_store(&gb, sz, m, dst);
            fn3_t fst = gen_end(dst);
            for (int k = 0; k < 4; k++) {
                uint64_t idx = index == HV_X86_NOREG ? 0 : rnd() & 63;
                uint64_t off = 2048 + (rnd() & 255);
                uintptr_t bp = (uintptr_t)mem + off - (uintptr_t)disp - idx * scale;
                const uint8_t *p = mem + off;
                uint64_t raw = 0;
                memcpy(&raw, p, sz);
                int64_t sx = sz == 8 ? (int64_t)raw : sz == 4 ? (int32_t)raw :
                             sz == 2 ? (int16_t)raw : (int8_t)raw;
                cr_assert_eq(fl(bp, idx, 0), (uint64_t)sx, "base %d index %d sz %u", base,
                             index, sz);
                cr_assert_eq(fz(bp, idx, 0), raw);
                uint64_t v = rnd();
                uint8_t before[16];
                memcpy(before, p - 4, 16);
                fst(bp, idx, v);
                cr_assert_eq(memcmp(p, &v, sz), 0);
                cr_assert_eq(memcmp(p - 4, before, 4), 0, "store wrote below");
                cr_assert_eq(memcmp(p + sz, before + 4 + sz, 12 - sz), 0, "store wrote above");
                runs += 3;
            }
        }
    /* RSP-relative addressing through the red zone */
    gen_begin(HV_X86_NOREG, HV_X86_NOREG, HV_X86_NOREG);
    hv__x86_store(&gb, 8, hv__x86_mb(HV_X86_RSP, -8), HV_X86_RDI);
    hv__x86_load(&gb, 8, HV_X86_R12, hv__x86_mbi(HV_X86_RSP, HV_X86_NOREG, 1, -8));
    fn3_t fr = gen_end(HV_X86_R12);
    cr_assert_eq(fr(0xfeedface12345678ull, 0, 0), 0xfeedface12345678ull);
    fprintf(stderr, "x86exec addressing: %u executions\n", runs);
}

Test(x86exec, atomics)
{
    static uint64_t cell;
    for (int bi = 0; bi < 15; bi++) {
        int base = gprs[bi];
        if (base == HV_X86_RAX)
            continue;
        int nv = base == HV_X86_R9 ? HV_X86_R10 : HV_X86_R9;
        for (unsigned sz = 4; sz <= 8; sz *= 2) {
            /* old = cmpxchg(ptr, expected, new) */
            gen_begin(base, HV_X86_RAX, nv);
            hv__x86_lock_cmpxchg(&gb, sz, hv__x86_mb(base, 0), nv);
            fn3_t fc = gen_end(HV_X86_RAX);
            /* old = xadd(ptr, v) */
            gen_begin(base, nv, HV_X86_NOREG);
            hv__x86_lock_xadd(&gb, sz, hv__x86_mb(base, 0), nv);
            fn3_t fx = gen_end(nv);
            /* old = xchg(ptr, v) */
            gen_begin(base, nv, HV_X86_NOREG);
            hv__x86_xchg_mr(&gb, sz, hv__x86_mb(base, 0), nv);
            hv__x86_mfence(&gb);
            fn3_t fw = gen_end(nv);
            uint64_t m = sz == 8 ? ~0ull : 0xffffffffull;
            for (int k = 0; k < NRAND; k++) {
                uint64_t init = rnd(), v = rnd();
                uint64_t exp = (k & 1) ? init : rnd();
                cell = init;
                uint64_t old = fc((uintptr_t)&cell, exp, v);
                bool eq = ((exp ^ init) & m) == 0;
                cr_assert_eq(cell, eq ? (init & ~m) | (v & m) : init, "cmpxchg sz %u", sz);
                /* RAX keeps `exp` on success, gets the old value (zero-extended) else */
                cr_assert_eq(old, eq ? exp : init & m);
                cell = init;
                cr_assert_eq(fx((uintptr_t)&cell, v, 0) & m, init & m);
                cr_assert_eq(cell, (init & ~m) | ((init + v) & m));
                cell = init;
                cr_assert_eq(fw((uintptr_t)&cell, v, 0) & m, init & m);
                cr_assert_eq(cell, (init & ~m) | (v & m));
            }
        }
    }
}

Test(x86exec, bits_and_counts)
{
    uint32_t feat = hv__x86_host_features();
    for (int i = 0; i < 15; i++) {
        int d = gprs[i], s = gprs[(i + 3) % 15];
        for (unsigned sz = 4; sz <= 8; sz *= 2) {
            gen_begin(d, HV_X86_NOREG, HV_X86_NOREG);
            hv__x86_bswap(&gb, sz, d);
            fn3_t fb = gen_end(d);
            fn3_t fp = NULL, fl = NULL, ft = NULL;
            if (feat & HV_X86_F_POPCNT) {
                gen_begin(HV_X86_NOREG, s, HV_X86_NOREG);
                hv__x86_popcnt(&gb, sz, d, s);
                fp = gen_end(d);
            }
            if (feat & HV_X86_F_LZCNT) {
                gen_begin(HV_X86_NOREG, s, HV_X86_NOREG);
                hv__x86_lzcnt(&gb, sz, d, s);
                fl = gen_end(d);
            }
            if (feat & HV_X86_F_BMI1) {
                gen_begin(HV_X86_NOREG, s, HV_X86_NOREG);
                hv__x86_tzcnt(&gb, sz, d, s);
                ft = gen_end(d);
            }
            /* bit 5 of s via bt + setc; then movsx/movzx of the low byte/word */
            gen_begin(HV_X86_NOREG, s, d);
            hv__x86_bit_ri(&gb, HV_X86_BT, sz, s, 5);
            hv__x86_setcc(&gb, HV_X86_CC_B, d);
            hv__x86_movzx(&gb, 4, 1, d, d);
            fn3_t fbt = gen_end(d);
            gen_begin(HV_X86_NOREG, s, HV_X86_NOREG);
            hv__x86_movsx(&gb, sz, (unsigned)(i & 1) + 1, d, s);
            fn3_t fsx = gen_end(d);
            for (int k = 0; k < NRAND; k++) {
                uint64_t a = rnd();
                uint64_t w = sz == 8 ? a : (uint32_t)a;
                cr_assert_eq(fb(a, 0, 0), sz == 8 ? __builtin_bswap64(a) :
                                                    __builtin_bswap32((uint32_t)a));
                if (fp)
                    cr_assert_eq(fp(0, a, 0), (uint64_t)__builtin_popcountll(w));
                if (fl)
                    cr_assert_eq(fl(0, a, 0), w ? (uint64_t)(__builtin_clzll(w) - (sz == 8 ? 0 : 32))
                                                : sz * 8);
                if (ft)
                    cr_assert_eq(ft(0, a, 0), w ? (uint64_t)__builtin_ctzll(w) : sz * 8);
                cr_assert_eq(fbt(0, a, 0), (a >> 5) & 1);
                int64_t sx = (i & 1) ? (int16_t)a : (int8_t)a;
                cr_assert_eq(fsx(0, a, 0), sz == 8 ? (uint64_t)sx : (uint32_t)sx);
            }
        }
    }
}

static uint64_t helper_mix(uint64_t a, uint64_t b, uint64_t c)
{
    return a * 3 + b * 5 + c;
}

Test(x86exec, loops_and_calls)
{
    /* sum 1..n with a backward jcc */
    gen_begin(HV_X86_R13, HV_X86_NOREG, HV_X86_NOREG);
    hv__x86_mov_ri(&gb, HV_X86_R12, 0);
    uint32_t top = hv__x86_label(&gb);
    hv__x86_alu_rr(&gb, HV_X86_ADD, 8, HV_X86_R12, HV_X86_R13);
    hv__x86_alu_ri(&gb, HV_X86_SUB, 8, HV_X86_R13, 1);
    hv__x86_jcc_to(&gb, HV_X86_CC_NE, top);
    fn3_t sum = gen_end(HV_X86_R12);
    cr_assert_eq(sum(100, 0, 0), 5050);
    cr_assert_eq(sum(1, 0, 0), 1);

    /* a call to a C function (far from the cache: movabs + call) with aligned stack */
    gen_begin(HV_X86_NOREG, HV_X86_NOREG, HV_X86_NOREG);
    hv__x86_call_abs(&gb, (uintptr_t)helper_mix, HV_X86_R11);
    fn3_t viac = gen_end(HV_X86_RAX);
    cr_assert_eq(viac(1, 2, 3), 1 * 3 + 2 * 5 + 3);

    /* a call to another block in the cache (rel32) */
    struct hv__x86_buf b;
    hv__cc_begin(&cc, &b);
    hv__x86_lea(&b, 8, HV_X86_RAX, hv__x86_mbi(HV_X86_RDI, HV_X86_RSI, 4, 1));
    hv__x86_ret(&b);
    uintptr_t callee = (uintptr_t)commit(&b);
    gen_begin(HV_X86_NOREG, HV_X86_NOREG, HV_X86_NOREG);
    size_t before = hv__x86_buf_len(&gb);
    hv__x86_call_abs(&gb, callee, HV_X86_R11);
    cr_assert_eq(hv__x86_buf_len(&gb) - before, 5, "near call must use rel32");
    fn3_t near = gen_end(HV_X86_RAX);
    cr_assert_eq(near(10, 3, 0), 10 + 12 + 1);
}

/* ---- execution tests: floating point -------------------------------------------------------- */

static const int xmms[] = { HV_X86_XMM2, HV_X86_XMM5, HV_X86_XMM8, HV_X86_XMM13,
                            HV_X86_XMM15 };

/* f(a, b, c) with a, b, c in XMM0..2: copy to x, y, z, run body, return x in XMM0. */
static void fgen_begin(int x, int y, int z)
{
    hv__cc_begin(&cc, &gb);
    hv__x86_movapd(&gb, HV_X86_XMM3, HV_X86_XMM0);
    hv__x86_movapd(&gb, HV_X86_XMM4, HV_X86_XMM1);
    hv__x86_movapd(&gb, HV_X86_XMM6, HV_X86_XMM2);
    hv__x86_movapd(&gb, x, HV_X86_XMM3);
    hv__x86_movapd(&gb, y, HV_X86_XMM4);
    hv__x86_movapd(&gb, z, HV_X86_XMM6);
}

static void *fgen_end(int x)
{
    hv__x86_movapd(&gb, HV_X86_XMM0, x);
    hv__x86_ret(&gb);
    return commit(&gb);
}

static double rndd(void)
{
    static const double edge[] = { 0.0, -0.0, 1.0, -1.5, 1e300, -1e-300, 3.0, 0.1 };
    uint64_t v = rnd();
    if ((v & 7) == 0)
        return edge[(v >> 3) & 7];
    return ((double)(int64_t)v / 9.2e18) * pow(10.0, (double)((int)((v >> 8) % 21) - 10));
}

static bool same(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof(a)) == 0;
}

Test(x86exec, sse_arith)
{
    uint32_t feat = hv__x86_host_features();
    for (size_t i = 0; i < 5; i++) {
        int x = xmms[i], y = xmms[(i + 2) % 5], z = xmms[(i + 3) % 5];
        static const int ops[] = { HV_X86_ADDS, HV_X86_SUBS, HV_X86_MULS, HV_X86_DIVS,
                                   HV_X86_SQRTS, HV_X86_MINS, HV_X86_MAXS };
        for (size_t o = 0; o < 7; o++) {
            fgen_begin(x, y, z);
            hv__x86_sse_rr(&gb, ops[o], true, x, y);
            fnd_t fd = (fnd_t)(uintptr_t)fgen_end(x);
            fgen_begin(x, y, z);
            hv__x86_sse_rr(&gb, ops[o], false, x, y);
            fnf_t ff = (fnf_t)(uintptr_t)fgen_end(x);
            for (int k = 0; k < NRAND; k++) {
                double a = rndd(), b = rndd();
                float fa = (float)a, fb = (float)b;
                double wd;
                float wf;
                switch (ops[o]) {
                case HV_X86_ADDS: wd = a + b; wf = fa + fb; break;
                case HV_X86_SUBS: wd = a - b; wf = fa - fb; break;
                case HV_X86_MULS: wd = a * b; wf = fa * fb; break;
                case HV_X86_DIVS: wd = a / b; wf = fa / fb; break;
                case HV_X86_SQRTS: wd = sqrt(b); wf = sqrtf(fb); break;
                /* x86 min/max return the second operand when unordered or both zero */
                case HV_X86_MINS: wd = a < b ? a : b; wf = fa < fb ? fa : fb; break;
                default: wd = a > b ? a : b; wf = fa > fb ? fa : fb; break;
                }
                cr_assert(same(fd(a, b, 0), wd), "op %x %g %g", ops[o], a, b);
                cr_assert(same(ff(fa, fb, 0), wf), "op %x (single)", ops[o]);
            }
        }
        /* int <-> fp conversions and single <-> double, via general registers */
        hv__cc_begin(&cc, &gb);
        hv__x86_cvtsi2s(&gb, true, 8, x, HV_X86_RDI);
        hv__x86_movapd(&gb, HV_X86_XMM0, x);
        hv__x86_ret(&gb);
        double (*i2d)(int64_t) = (double (*)(int64_t))(uintptr_t)commit(&gb);
        hv__cc_begin(&cc, &gb);
        hv__x86_cvtts2si(&gb, true, 8, HV_X86_R10, HV_X86_XMM0);
        hv__x86_mov_rr(&gb, 8, HV_X86_RAX, HV_X86_R10);
        hv__x86_ret(&gb);
        int64_t (*d2i)(double) = (int64_t (*)(double))(uintptr_t)commit(&gb);
        hv__cc_begin(&cc, &gb);
        hv__x86_cvtfp(&gb, false, x, HV_X86_XMM0);
        hv__x86_cvtfp(&gb, true, HV_X86_XMM0, x);
        hv__x86_ret(&gb);
        double (*rt)(double) = (double (*)(double))(uintptr_t)commit(&gb);
        /* movq round trip and sign flip with xorpd */
        hv__cc_begin(&cc, &gb);
        hv__x86_movq_rx(&gb, 8, HV_X86_R9, HV_X86_XMM0);
        hv__x86_mov_ri(&gb, HV_X86_R8, 0x8000000000000000ull);
        hv__x86_movq_xr(&gb, 8, y, HV_X86_R8);
        hv__x86_movq_xr(&gb, 8, x, HV_X86_R9);
        hv__x86_sse_logic(&gb, HV_X86_XORP, true, x, y);
        hv__x86_movapd(&gb, HV_X86_XMM0, x);
        hv__x86_ret(&gb);
        double (*neg)(double) = (double (*)(double))(uintptr_t)commit(&gb);
        for (int k = 0; k < NRAND; k++) {
            int64_t iv = (int64_t)rnd();
            cr_assert(same(i2d(iv), (double)iv));
            double d = rndd();
            if (fabs(d) < 9e18)
                cr_assert_eq(d2i(d), (int64_t)d);
            cr_assert(same(rt(d), (double)(float)d));
            cr_assert(same(neg(d), -d));
        }
        cr_assert_eq(d2i(1e300), INT64_MIN, "integer indefinite");
        if (feat & HV_X86_F_SSE41) {
            /* roundsd with the mode in the immediate (bit 3: no precision exception) */
            static const int modes[4] = { 0, 1, 2, 3 };
            for (int md = 0; md < 4; md++) {
                hv__cc_begin(&cc, &gb);
                hv__x86_rounds(&gb, true, x, HV_X86_XMM0, (uint8_t)(8 | modes[md]));
                hv__x86_movapd(&gb, HV_X86_XMM0, x);
                hv__x86_ret(&gb);
                double (*rd)(double) = (double (*)(double))(uintptr_t)commit(&gb);
                for (int k = 0; k < NRAND; k++) {
                    double d = rndd() * 1e3;
                    double w = md == 0 ? nearbyint(d) : md == 1 ? floor(d) : md == 2 ? ceil(d) :
                               trunc(d);
                    cr_assert(same(rd(d), w), "mode %d %g", md, d);
                }
            }
        }
        if (feat & HV_X86_F_FMA) {
            fgen_begin(x, y, z);
            hv__x86_vfma(&gb, HV_X86_FMADD, HV_X86_FMA231, true, x, y, z);
            fnd_t fm = (fnd_t)(uintptr_t)fgen_end(x);
            fgen_begin(x, y, z);
            hv__x86_vfma(&gb, HV_X86_FNMSUB, HV_X86_FMA231, true, x, y, z);
            fnd_t fn = (fnd_t)(uintptr_t)fgen_end(x);
            for (int k = 0; k < NRAND; k++) {
                double a = rndd(), b = rndd(), c = rndd();
                cr_assert(same(fm(a, b, c), fma(b, c, a)));
                cr_assert(same(fn(a, b, c), fma(-b, c, -a)), "%g %g %g", a, b, c);
            }
        }
    }
}

Test(x86exec, sse_compare_and_mxcsr)
{
    /* ucomisd + seta/setae/sete/setp: greater, greater-equal, equal-or-unordered, unordered */
    static const int ccs[] = { HV_X86_CC_A, HV_X86_CC_AE, HV_X86_CC_E, HV_X86_CC_P };
    fnd_t f[4];
    for (int i = 0; i < 4; i++) {
        hv__cc_begin(&cc, &gb);
        hv__x86_mov_ri(&gb, HV_X86_RAX, 0);
        hv__x86_ucomis(&gb, true, HV_X86_XMM0, HV_X86_XMM1);
        hv__x86_setcc(&gb, ccs[i], HV_X86_RAX);
        hv__x86_cvtsi2s(&gb, true, 4, HV_X86_XMM0, HV_X86_RAX);
        hv__x86_ret(&gb);
        f[i] = (fnd_t)(uintptr_t)commit(&gb);
    }
    double vals[] = { 1.0, 2.0, -0.0, 0.0, NAN, INFINITY };
    for (size_t i = 0; i < 6; i++)
        for (size_t j = 0; j < 6; j++) {
            double a = vals[i], b = vals[j];
            bool un = isnan(a) || isnan(b);
            cr_assert_eq(f[0](a, b, 0), !un && a > b);
            cr_assert_eq(f[1](a, b, 0), !un && a >= b);
            cr_assert_eq(f[2](a, b, 0), un || a == b);
            cr_assert_eq(f[3](a, b, 0), un);
        }
    /* stmxcsr / ldmxcsr: round-to-zero set by generated code changes cvtsd2si */
    static uint32_t saved, rz;
    hv__cc_begin(&cc, &gb);
    hv__x86_stmxcsr(&gb, hv__x86_mb(HV_X86_RDI, 0));
    hv__x86_ldmxcsr(&gb, hv__x86_mb(HV_X86_RSI, 0));
    hv__x86_cvts2si(&gb, true, 8, HV_X86_RAX, HV_X86_XMM0);
    hv__x86_ldmxcsr(&gb, hv__x86_mb(HV_X86_RDI, 0));
    hv__x86_ret(&gb);
    int64_t (*conv)(uint32_t *, uint32_t *, double) =
        (int64_t (*)(uint32_t *, uint32_t *, double))(uintptr_t)commit(&gb);
    uint32_t host = _mm_getcsr();
    rz = (host & ~0x6000u) | 0x6000u;     /* RC = toward zero */
    cr_assert_eq(conv(&saved, &rz, 2.7), 2);
    cr_assert_eq(conv(&saved, &rz, -2.7), -2);
    cr_assert_eq(saved, host);
    cr_assert_eq(_mm_getcsr(), host, "restored");
    uint32_t rn = host & ~0x6000u;        /* nearest */
    cr_assert_eq(conv(&saved, &rn, 2.7), 3);
}

/* The int3 fill runs a chunk ahead of the code, not over the whole cache at creation:
 * everything from the end of the code to the fill mark traps, and a large cache that
 * holds one small block has touched only its first chunk. */
Test(codecache, int3_fill_runs_ahead_of_the_code)
{
    struct hv__cc c;
    char why[256];
    cr_assert_eq(hv__cc_init(&c, 8u << 20, 0, why, sizeof why), 0, "%s", why);
    cr_assert_eq(c.filled, 0, "nothing filled before the first block");
    struct hv__x86_buf b;
    hv__cc_begin(&c, &b);
    hv__x86_mov_ri(&b, HV_X86_RAX, 42);
    hv__x86_ret(&b);
    cr_assert_not_null(hv__cc_commit(&c, &b));
    cr_assert_geq(c.filled, c.used + 1);
    cr_assert_lt(c.filled, c.size / 8, "filled %zu of %zu", c.filled, c.size);
    for (size_t i = c.used; i < c.filled; i++)
        cr_assert_eq(c.rw[i], 0xcc, "byte %zu past the code must trap", i);
    /* Data allocations past the mark extend it. */
    uint8_t *p = hv__cc_alloc(&c, 200000, 8);
    cr_assert_not_null(p);
    cr_assert_geq(c.filled, c.used);
    hv__cc_fini(&c);
}
