/* SPDX-License-Identifier: MIT */
/* Unit tests for libhv/cpu/fpu.c: every rounding mode (RNE, RTZ, RDN, RUP, RMM) on add, mul,
 * div, sqrt, fma and conversions with values whose result differs per mode, every fflags
 * bit raised when it must be and not when it must not, NaN boxing and canonical NaNs,
 * fmin/fmax, the fcvt saturation table, fclass, and a randomized cross-check of the
 * software implementation (used for RMM) against the host FPU in the other four modes. */
#include <criterion/criterion.h>
#include <fenv.h>
#include <math.h>
#include <string.h>
#include "cpu/fpu.h"

static uint32_t fb(float f) { uint32_t v; memcpy(&v, &f, 4); return v; }
static uint64_t db(double d) { uint64_t v; memcpy(&v, &d, 8); return v; }

#define S_SNAN 0x7f800001u
#define S_QNAN 0x7fc12345u
#define D_SNAN 0x7ff0000000000001ull
#define D_QNAN 0x7ff8000000001234ull
#define S_INF 0x7f800000u
#define D_INF 0x7ff0000000000000ull

static const char *const rm_name[5] = { "RNE", "RTZ", "RDN", "RUP", "RMM" };

/* ---- rounding modes ------------------------------------------------------------------ */

enum op { ADD, SUB, MUL, DIV, SQRT, FMA };

struct case32 { enum op op; float a, b, c; uint32_t want[5]; };
struct case64 { enum op op; double a, b, c; uint64_t want[5]; };

static uint32_t run32(enum op op, uint32_t a, uint32_t b, uint32_t c, unsigned rm, uint32_t *ff)
{
    switch (op) {
    case ADD: return hv__f32_add(a, b, rm, ff);
    case SUB: return hv__f32_sub(a, b, rm, ff);
    case MUL: return hv__f32_mul(a, b, rm, ff);
    case DIV: return hv__f32_div(a, b, rm, ff);
    case SQRT: return hv__f32_sqrt(a, rm, ff);
    default: return hv__f32_fma(a, b, c, false, false, rm, ff);
    }
}

static uint64_t run64(enum op op, uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *ff)
{
    switch (op) {
    case ADD: return hv__f64_add(a, b, rm, ff);
    case SUB: return hv__f64_sub(a, b, rm, ff);
    case MUL: return hv__f64_mul(a, b, rm, ff);
    case DIV: return hv__f64_div(a, b, rm, ff);
    case SQRT: return hv__f64_sqrt(a, rm, ff);
    default: return hv__f64_fma(a, b, c, false, false, rm, ff);
    }
}

/* Columns: RNE RTZ RDN RUP RMM. Ties where RNE rounds to even toward zero separate RNE
 * from RMM; negative operands separate RDN from RUP. */
static const struct case32 cases32[] = {
    /* 1 + 2^-24: exact tie, even is below */
    { ADD, 1.0f, 0x1p-24f, 0, { 0x3f800000, 0x3f800000, 0x3f800000, 0x3f800001, 0x3f800001 } },
    { ADD, -1.0f, -0x1p-24f, 0, { 0xbf800000, 0xbf800000, 0xbf800001, 0xbf800000, 0xbf800001 } },
    /* (1 + 2^-23) + 2^-24: tie, even is above */
    { ADD, 0x1.000002p0f, 0x1p-24f, 0, { 0x3f800002, 0x3f800001, 0x3f800001, 0x3f800002, 0x3f800002 } },
    /* 1 - 2^-30: above the midpoint of [1-2^-24, 1] */
    { SUB, 1.0f, 0x1p-30f, 0, { 0x3f800000, 0x3f7fffff, 0x3f7fffff, 0x3f800000, 0x3f800000 } },
    /* (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24: tie */
    { MUL, 0x1.001p0f, 0x1.001p0f, 0, { 0x3f801000, 0x3f801000, 0x3f801000, 0x3f801001, 0x3f801001 } },
    { MUL, -0x1.001p0f, 0x1.001p0f, 0, { 0xbf801000, 0xbf801000, 0xbf801001, 0xbf801000, 0xbf801001 } },
    { DIV, 1.0f, 3.0f, 0, { 0x3eaaaaab, 0x3eaaaaaa, 0x3eaaaaaa, 0x3eaaaaab, 0x3eaaaaab } },
    { DIV, -1.0f, 3.0f, 0, { 0xbeaaaaab, 0xbeaaaaaa, 0xbeaaaaab, 0xbeaaaaaa, 0xbeaaaaab } },
    { DIV, 2.0f, 3.0f, 0, { 0x3f2aaaab, 0x3f2aaaaa, 0x3f2aaaaa, 0x3f2aaaab, 0x3f2aaaab } },
    { SQRT, 2.0f, 0, 0, { 0x3fb504f3, 0x3fb504f3, 0x3fb504f3, 0x3fb504f4, 0x3fb504f3 } },
    { SQRT, 3.0f, 0, 0, { 0x3fddb3d7, 0x3fddb3d7, 0x3fddb3d7, 0x3fddb3d8, 0x3fddb3d7 } },
    /* fma: 1*1 + 2^-24 is a tie only with a single rounding */
    { FMA, 1.0f, 1.0f, 0x1p-24f, { 0x3f800000, 0x3f800000, 0x3f800000, 0x3f800001, 0x3f800001 } },
    /* (1 + 2^-12)^2 - 1 = 2^-11 + 2^-24 exactly */
    { FMA, 0x1.001p0f, 0x1.001p0f, -1.0f, { 0x3a000400, 0x3a000400, 0x3a000400, 0x3a000400, 0x3a000400 } },
    { FMA, -1.0f, 1.0f, -0x1p-24f, { 0xbf800000, 0xbf800000, 0xbf800001, 0xbf800000, 0xbf800001 } },
    /* subnormal tie: 2^-149 * 0.5 lies between 0 and the smallest subnormal */
    { MUL, 0x1p-149f, 0.5f, 0, { 0x00000000, 0x00000000, 0x00000000, 0x00000001, 0x00000001 } },
    { MUL, 0x1p-149f, -0.5f, 0, { 0x80000000, 0x80000000, 0x80000001, 0x80000000, 0x80000001 } },
    /* overflow: RTZ/RDN clamp to max for positive results */
    { MUL, 0x1p127f, 4.0f, 0, { 0x7f800000, 0x7f7fffff, 0x7f7fffff, 0x7f800000, 0x7f800000 } },
    { MUL, -0x1p127f, 4.0f, 0, { 0xff800000, 0xff7fffff, 0xff800000, 0xff7fffff, 0xff800000 } },
};

static const struct case64 cases64[] = {
    { ADD, 1.0, 0x1p-53, 0, { 0x3ff0000000000000, 0x3ff0000000000000, 0x3ff0000000000000,
                              0x3ff0000000000001, 0x3ff0000000000001 } },
    { ADD, -1.0, -0x1p-53, 0, { 0xbff0000000000000, 0xbff0000000000000, 0xbff0000000000001,
                                0xbff0000000000000, 0xbff0000000000001 } },
    { SUB, 0x1.0000000000001p0, -0x1p-53, 0, { 0x3ff0000000000002, 0x3ff0000000000001,
        0x3ff0000000000001, 0x3ff0000000000002, 0x3ff0000000000002 } },
    /* (1 + 2^-27)(1 + 2^-26) = 1 + 2^-26 + 2^-27 + 2^-53: tie, even below */
    { MUL, 0x1.0000002p0, 0x1.0000004p0, 0, { 0x3ff0000006000000, 0x3ff0000006000000,
        0x3ff0000006000000, 0x3ff0000006000001, 0x3ff0000006000001 } },
    /* (1 + 2^-27)^2 = 1 + 2^-26 + 2^-54: a quarter ulp, RMM rounds down */
    { MUL, 0x1.0000002p0, 0x1.0000002p0, 0, { 0x3ff0000004000000, 0x3ff0000004000000,
        0x3ff0000004000000, 0x3ff0000004000001, 0x3ff0000004000000 } },
    { DIV, 1.0, 3.0, 0, { 0x3fd5555555555555, 0x3fd5555555555555, 0x3fd5555555555555,
                          0x3fd5555555555556, 0x3fd5555555555555 } },
    { DIV, -2.0, 3.0, 0, { 0xbfe5555555555555, 0xbfe5555555555555, 0xbfe5555555555556,
                           0xbfe5555555555555, 0xbfe5555555555555 } },
    { SQRT, 2.0, 0, 0, { 0x3ff6a09e667f3bcd, 0x3ff6a09e667f3bcc, 0x3ff6a09e667f3bcc,
                         0x3ff6a09e667f3bcd, 0x3ff6a09e667f3bcd } },
    { FMA, 1.0, 1.0, 0x1p-53, { 0x3ff0000000000000, 0x3ff0000000000000, 0x3ff0000000000000,
                                0x3ff0000000000001, 0x3ff0000000000001 } },
    /* (1 + 2^-27)^2 - 1 = 2^-26 + 2^-54 exactly, only with a single rounding */
    { FMA, 0x1.0000002p0, 0x1.0000002p0, -1.0, { 0x3e50000001000000, 0x3e50000001000000,
        0x3e50000001000000, 0x3e50000001000000, 0x3e50000001000000 } },
    { MUL, 0x1p-1074, 0.5, 0, { 0, 0, 0, 1, 1 } },
    { MUL, 0x1p-1074, 1.5, 0, { 2, 1, 1, 2, 2 } },
    { MUL, 0x1p1023, 2.0, 0, { 0x7ff0000000000000, 0x7fefffffffffffff, 0x7fefffffffffffff,
                               0x7ff0000000000000, 0x7ff0000000000000 } },
};

Test(fpu, rounding_modes_single)
{
    for (size_t i = 0; i < sizeof(cases32) / sizeof(cases32[0]); i++)
        for (unsigned rm = 0; rm < 5; rm++) {
            const struct case32 *c = &cases32[i];
            uint32_t ff = 0;
            uint32_t got = run32(c->op, fb(c->a), fb(c->b), fb(c->c), rm, &ff);
            cr_expect_eq(got, c->want[rm], "case %zu %s: got %08x want %08x", i, rm_name[rm],
                         got, c->want[rm]);
        }
}

Test(fpu, rounding_modes_double)
{
    for (size_t i = 0; i < sizeof(cases64) / sizeof(cases64[0]); i++)
        for (unsigned rm = 0; rm < 5; rm++) {
            const struct case64 *c = &cases64[i];
            uint32_t ff = 0;
            uint64_t got = run64(c->op, db(c->a), db(c->b), db(c->c), rm, &ff);
            cr_expect_eq(got, c->want[rm], "case %zu %s: got %016llx want %016llx", i,
                         rm_name[rm], (unsigned long long)got, (unsigned long long)c->want[rm]);
        }
}

Test(fpu, fma_variants_signs)
{
    uint32_t ff = 0;
    /* fmadd 2*3+1 = 7, fmsub 2*3-1 = 5, fnmsub -(2*3)+1 = -5, fnmadd -(2*3)-1 = -7 */
    cr_expect_eq(hv__f32_fma(fb(2), fb(3), fb(1), false, false, 0, &ff), fb(7));
    cr_expect_eq(hv__f32_fma(fb(2), fb(3), fb(1), false, true, 0, &ff), fb(5));
    cr_expect_eq(hv__f32_fma(fb(2), fb(3), fb(1), true, false, 0, &ff), fb(-5));
    cr_expect_eq(hv__f32_fma(fb(2), fb(3), fb(1), true, true, 0, &ff), fb(-7));
    cr_expect_eq(hv__f64_fma(db(2), db(3), db(1), true, true, 4, &ff), db(-7));
    cr_expect_eq(hv__f64_fma(db(2), db(3), db(1), false, true, 4, &ff), db(5));
    cr_expect_eq(ff, 0);
    /* exact zero sum: +0 except in RDN */
    cr_expect_eq(hv__f64_fma(db(1), db(1), db(-1), false, false, HV_RM_RNE, &ff), 0);
    cr_expect_eq(hv__f64_fma(db(1), db(1), db(-1), false, false, HV_RM_RDN, &ff), 1ull << 63);
    cr_expect_eq(hv__f32_add(fb(1), fb(-1), HV_RM_RMM, &ff), 0);
    cr_expect_eq(hv__f32_add(fb(1), fb(-1), HV_RM_RDN, &ff), 0x80000000u);
    cr_expect_eq(hv__f32_add(0x80000000u, 0x80000000u, HV_RM_RNE, &ff), 0x80000000u);
}

Test(fpu, conversion_rounding_modes)
{
    /* int -> float: 2^24 + 1 is a tie in binary32 (even below) */
    static const uint32_t i2f[5] = { 0x4b800000, 0x4b800000, 0x4b800000, 0x4b800001, 0x4b800001 };
    static const uint32_t ni2f[5] = { 0xcb800000, 0xcb800000, 0xcb800001, 0xcb800000, 0xcb800001 };
    /* u64 max -> double: RNE/RUP/RMM round to 2^64 */
    static const uint64_t u2d[5] = { 0x43f0000000000000, 0x43efffffffffffff, 0x43efffffffffffff,
                                     0x43f0000000000000, 0x43f0000000000000 };
    /* float -> int of 2.5 / -2.5 / 3.5 */
    static const int64_t p25[5] = { 2, 2, 2, 3, 3 }, n25[5] = { -2, -2, -3, -2, -3 };
    static const int64_t p35[5] = { 4, 3, 3, 4, 4 };
    /* double -> float: 1 + 2^-24 tie; 1 + 2^-24 + 2^-40 above the tie */
    static const uint32_t d2f[5] = { 0x3f800000, 0x3f800000, 0x3f800000, 0x3f800001, 0x3f800001 };
    static const uint32_t d2f2[5] = { 0x3f800001, 0x3f800000, 0x3f800000, 0x3f800001, 0x3f800001 };
    for (unsigned rm = 0; rm < 5; rm++) {
        uint32_t ff = 0;
        cr_expect_eq(hv__i32_to_f32(16777217, rm, &ff), i2f[rm], "%s", rm_name[rm]);
        cr_expect_eq(ff, HV_FF_NX);
        cr_expect_eq(hv__i64_to_f32(-16777217, rm, &ff), ni2f[rm], "%s", rm_name[rm]);
        cr_expect_eq(hv__u32_to_f32(16777217u, rm, &ff), i2f[rm], "%s", rm_name[rm]);
        cr_expect_eq(hv__u64_to_f32(16777217u, rm, &ff), i2f[rm], "%s", rm_name[rm]);
        cr_expect_eq(hv__u64_to_f64(~0ull, rm, &ff), u2d[rm], "%s", rm_name[rm]);
        cr_expect_eq((int64_t)hv__f32_to_i32(fb(2.5f), rm, &ff), p25[rm], "%s", rm_name[rm]);
        cr_expect_eq((int64_t)hv__f32_to_i64(fb(-2.5f), rm, &ff), n25[rm], "%s", rm_name[rm]);
        cr_expect_eq((int64_t)hv__f64_to_i32(db(3.5), rm, &ff), p35[rm], "%s", rm_name[rm]);
        cr_expect_eq((int64_t)hv__f64_to_u64(db(3.5), rm, &ff), p35[rm], "%s", rm_name[rm]);
        cr_expect_eq((int64_t)hv__f64_to_u32(db(2.5), rm, &ff), p25[rm], "%s", rm_name[rm]);
        cr_expect_eq((int64_t)hv__f32_to_u64(fb(2.5f), rm, &ff), p25[rm], "%s", rm_name[rm]);
        cr_expect_eq(hv__f64_to_f32(db(0x1.000001p0), rm, &ff), d2f[rm], "%s", rm_name[rm]);
        cr_expect_eq(hv__f64_to_f32(db(0x1.0000010001p0), rm, &ff), d2f2[rm], "%s", rm_name[rm]);
        cr_expect_eq(ff, HV_FF_NX, "%s flags %x", rm_name[rm], ff);
        /* exact conversions raise nothing */
        ff = 0;
        cr_expect_eq(hv__i32_to_f64(-7, rm, &ff), db(-7.0));
        cr_expect_eq(hv__i64_to_f64(1ll << 53, rm, &ff), db(0x1p53));
        cr_expect_eq(hv__f32_to_f64(fb(0.1f), &ff), db((double)0.1f));
        cr_expect_eq(hv__f64_to_i64(db(-12345.0), rm, &ff), (uint64_t)-12345);
        cr_expect_eq(ff, 0, "%s", rm_name[rm]);
    }
}

/* ---- exception flags ------------------------------------------------------------------ */

Test(fpu, flag_nv)
{
    uint32_t ff;
    ff = 0; hv__f32_div(0, 0, 0, &ff); cr_expect_eq(ff, HV_FF_NV);
    ff = 0; hv__f64_sqrt(db(-1), 0, &ff); cr_expect_eq(ff, HV_FF_NV);
    ff = 0; hv__f64_sub(D_INF, D_INF, 0, &ff); cr_expect_eq(ff, HV_FF_NV);
    ff = 0; hv__f32_mul(S_INF, 0, HV_RM_RMM, &ff); cr_expect_eq(ff, HV_FF_NV);
    ff = 0; hv__f32_add(S_SNAN, fb(1), 0, &ff); cr_expect_eq(ff, HV_FF_NV);
    ff = 0; hv__f64_add(D_SNAN, db(1), HV_RM_RMM, &ff); cr_expect_eq(ff, HV_FF_NV);
    /* fma: inf * 0 + qNaN raises NV (RISC-V), and any sNaN does */
    ff = 0; hv__f64_fma(D_INF, 0, D_QNAN, false, false, 0, &ff); cr_expect_eq(ff, HV_FF_NV);
    ff = 0; hv__f32_fma(fb(1), fb(1), S_SNAN, false, false, 0, &ff); cr_expect_eq(ff, HV_FF_NV);
    ff = 0; hv__f64_to_i32(D_QNAN, 0, &ff); cr_expect_eq(ff, HV_FF_NV);
    ff = 0; hv__f32_lt(S_QNAN, fb(1), &ff); cr_expect_eq(ff, HV_FF_NV);
    ff = 0; hv__f64_le(db(1), D_QNAN, &ff); cr_expect_eq(ff, HV_FF_NV);
    ff = 0; hv__f32_eq(S_SNAN, fb(1), &ff); cr_expect_eq(ff, HV_FF_NV);
    ff = 0; hv__f64_to_f32(D_SNAN, 0, &ff); cr_expect_eq(ff, HV_FF_NV);
    ff = 0; hv__f32_to_f64(S_SNAN, &ff); cr_expect_eq(ff, HV_FF_NV);
    /* ...and must not */
    ff = 0; hv__f32_eq(S_QNAN, fb(1), &ff); cr_expect_eq(ff, 0);
    ff = 0; hv__f64_eq(D_QNAN, D_QNAN, &ff); cr_expect_eq(ff, 0);
    ff = 0; hv__f32_add(S_QNAN, fb(1), 0, &ff); cr_expect_eq(ff, 0);
    ff = 0; hv__f64_min(D_QNAN, db(1), &ff); cr_expect_eq(ff, 0);
    ff = 0; hv__f64_fma(D_QNAN, db(2), db(1), false, false, 0, &ff); cr_expect_eq(ff, 0);
    ff = 0; hv__f64_sqrt(1ull << 63, 0, &ff); cr_expect_eq(ff, 0);    /* sqrt(-0) = -0 */
    ff = 0; hv__f32_add(S_INF, S_INF, 0, &ff); cr_expect_eq(ff, 0);
}

Test(fpu, flag_dz)
{
    uint32_t ff;
    ff = 0; cr_expect_eq(hv__f32_div(fb(1), 0, 0, &ff), S_INF); cr_expect_eq(ff, HV_FF_DZ);
    ff = 0; cr_expect_eq(hv__f64_div(db(-1), 0, HV_RM_RMM, &ff), D_INF | 1ull << 63);
    cr_expect_eq(ff, HV_FF_DZ);
    ff = 0; hv__f32_div(0, 0, 0, &ff); cr_expect_eq(ff, HV_FF_NV);      /* not DZ */
    ff = 0; hv__f32_div(S_INF, 0, 0, &ff); cr_expect_eq(ff, 0);          /* inf/0 exact */
    ff = 0; hv__f64_div(db(1), D_INF, 0, &ff); cr_expect_eq(ff, 0);
}

Test(fpu, flag_of)
{
    uint32_t ff;
    for (unsigned rm = 0; rm < 5; rm++) {
        ff = 0; hv__f32_mul(fb(0x1p127f), fb(2), rm, &ff);
        cr_expect_eq(ff, HV_FF_OF | HV_FF_NX, "%s", rm_name[rm]);
        ff = 0; hv__f64_add(db(0x1.fffffffffffffp1023), db(0x1p960), rm, &ff);
        /* huge + tiny relative: overflows only when rounding goes up */
        uint32_t want = (rm == HV_RM_RUP) ? (HV_FF_OF | HV_FF_NX) : HV_FF_NX;
        cr_expect_eq(ff, want, "%s %x", rm_name[rm], ff);
        ff = 0; hv__f64_mul(db(0x1.fffffffffffffp1023), db(1), rm, &ff);
        cr_expect_eq(ff, 0);
        ff = 0; hv__f64_to_f32(db(0x1p200), rm, &ff);
        cr_expect_eq(ff, HV_FF_OF | HV_FF_NX);
    }
}

Test(fpu, flag_uf_after_rounding)
{
    uint32_t ff;
    /* tiny and inexact */
    ff = 0; hv__f32_mul(fb(0x1p-130f), fb(0x1.000002p0f), 0, &ff);
    cr_expect_eq(ff, HV_FF_UF | HV_FF_NX);
    ff = 0; hv__f64_div(db(0x1p-1070), db(3), HV_RM_RMM, &ff);
    cr_expect_eq(ff, HV_FF_UF | HV_FF_NX);
    /* tiny but exact: no UF */
    ff = 0; hv__f32_mul(fb(0x1p-126f), fb(0.75f), 0, &ff); cr_expect_eq(ff, 0);
    ff = 0; hv__f64_mul(db(0x1p-1022), db(0.5), HV_RM_RMM, &ff); cr_expect_eq(ff, 0);
    /* 2^-126 - 2^-152 rounds to 2^-126 even with unbounded exponent: not tiny after
     * rounding (tininess-before-rounding would raise UF) */
    for (unsigned rm = 0; rm < 5; rm += 4) {
        ff = 0;
        uint32_t r = hv__f32_fma(fb(-0x1p-76f), fb(0x1p-76f), fb(0x1p-126f), false, false, rm, &ff);
        cr_expect_eq(r, 0x00800000u);
        cr_expect_eq(ff, HV_FF_NX, "%s %x", rm_name[rm], ff);
        /* 2^-126 - 2^-150 is exact at 24 bits below 2^-126: tiny, rounds to 2^-126 */
        ff = 0;
        r = hv__f32_fma(fb(-0x1p-76f), fb(0x1p-74f), fb(0x1p-126f), false, false, rm, &ff);
        cr_expect_eq(r, 0x00800000u);
        cr_expect_eq(ff, HV_FF_UF | HV_FF_NX, "%s %x", rm_name[rm], ff);
    }
    /* double version through fma */
    ff = 0;
    cr_expect_eq(hv__f64_fma(db(-0x1p-600), db(0x1p-477), db(0x1p-1022), false, false, 0, &ff),
                 0x0010000000000000ull);
    cr_expect_eq(ff, HV_FF_NX);
    /* underflow to zero */
    ff = 0; cr_expect_eq(hv__f64_mul(db(0x1p-1074), db(0x1p-10), HV_RM_RTZ, &ff), 0);
    cr_expect_eq(ff, HV_FF_UF | HV_FF_NX);
}

Test(fpu, flag_nx)
{
    uint32_t ff;
    ff = 0; hv__f32_div(fb(1), fb(3), 0, &ff); cr_expect_eq(ff, HV_FF_NX);
    ff = 0; hv__f64_sqrt(db(2), HV_RM_RMM, &ff); cr_expect_eq(ff, HV_FF_NX);
    ff = 0; hv__f64_to_i64(db(1.5), HV_RM_RTZ, &ff); cr_expect_eq(ff, HV_FF_NX);
    ff = 0; hv__f32_div(fb(1), fb(2), 0, &ff); cr_expect_eq(ff, 0);
    ff = 0; hv__f64_sqrt(db(4), HV_RM_RMM, &ff); cr_expect_eq(ff, 0);
    ff = 0; hv__f64_add(db(1), db(2), HV_RM_RUP, &ff); cr_expect_eq(ff, 0);
    ff = 0; hv__f64_to_i64(db(-3), HV_RM_RNE, &ff); cr_expect_eq(ff, 0);
}

/* ---- NaNs, boxing, min/max ------------------------------------------------------------- */

Test(fpu, canonical_nan_and_boxing)
{
    uint32_t ff = 0;
    cr_expect_eq(hv__f32_div(0, 0, 0, &ff), HV_F32_CANON_NAN);
    cr_expect_eq(hv__f64_sqrt(db(-2), 0, &ff), HV_F64_CANON_NAN);
    cr_expect_eq(hv__f32_add(0xffc00001u, fb(1), 0, &ff), HV_F32_CANON_NAN);  /* payload dropped */
    cr_expect_eq(hv__f64_mul(D_QNAN | 1ull << 63, db(2), HV_RM_RMM, &ff), HV_F64_CANON_NAN);
    cr_expect_eq(hv__f64_to_f32(D_QNAN, 0, &ff), HV_F32_CANON_NAN);
    cr_expect_eq(hv__f32_to_f64(S_QNAN, &ff), HV_F64_CANON_NAN);
    cr_expect_eq(hv__f64_fma(D_INF, 0, db(1), false, false, 0, &ff), HV_F64_CANON_NAN);
    cr_expect_eq(hv__f32_box(0x3f800000u), 0xffffffff3f800000ull);
    cr_expect_eq(hv__f32_unbox(0xffffffff3f800000ull), 0x3f800000u);
    cr_expect_eq(hv__f32_unbox(0x000000003f800000ull), HV_F32_CANON_NAN);
    cr_expect_eq(hv__f32_unbox(0xfffffffe3f800000ull), HV_F32_CANON_NAN);
    cr_expect_eq(hv__f32_unbox(db(1.0)), HV_F32_CANON_NAN);
}

Test(fpu, min_max)
{
    uint32_t ff = 0;
    cr_expect_eq(hv__f32_min(0x80000000u, 0, &ff), 0x80000000u);
    cr_expect_eq(hv__f32_min(0, 0x80000000u, &ff), 0x80000000u);
    cr_expect_eq(hv__f32_max(0x80000000u, 0, &ff), 0u);
    cr_expect_eq(hv__f64_max(0, 1ull << 63, &ff), 0u);
    cr_expect_eq(hv__f64_min(0, 1ull << 63, &ff), 1ull << 63);
    cr_expect_eq(hv__f64_min(db(-3), db(2), &ff), db(-3));
    cr_expect_eq(hv__f64_max(db(-3), db(-4), &ff), db(-3));
    cr_expect_eq(ff, 0);
    cr_expect_eq(hv__f32_min(S_QNAN, fb(1), &ff), fb(1));
    cr_expect_eq(hv__f32_max(fb(-1), S_QNAN, &ff), fb(-1));
    cr_expect_eq(ff, 0);
    cr_expect_eq(hv__f64_min(D_SNAN, db(1), &ff), db(1));
    cr_expect_eq(ff, HV_FF_NV);
    ff = 0;
    cr_expect_eq(hv__f64_max(D_QNAN, D_QNAN, &ff), HV_F64_CANON_NAN);
    cr_expect_eq(ff, 0);
    cr_expect_eq(hv__f32_max(S_SNAN, S_QNAN, &ff), HV_F32_CANON_NAN);
    cr_expect_eq(ff, HV_FF_NV);
}

Test(fpu, compare)
{
    uint32_t ff = 0;
    cr_expect(hv__f32_eq(0, 0x80000000u, &ff));
    cr_expect(hv__f64_le(1ull << 63, 0, &ff));
    cr_expect(!hv__f64_lt(1ull << 63, 0, &ff));
    cr_expect(hv__f32_lt(fb(-2), fb(-1), &ff));
    cr_expect(!hv__f32_lt(fb(1), fb(1), &ff));
    cr_expect(hv__f64_le(db(1), db(1), &ff));
    cr_expect(hv__f64_lt(db(-1e300), db(1e-300), &ff));
    cr_expect_eq(ff, 0);
    cr_expect(!hv__f64_eq(D_QNAN, D_QNAN, &ff));
    cr_expect(!hv__f32_le(S_QNAN, S_QNAN, &ff));
    cr_expect_eq(ff, HV_FF_NV);
}

/* ---- fcvt saturation ------------------------------------------------------------------- */

Test(fpu, fcvt_saturation)
{
    struct { uint64_t (*f64)(uint64_t, unsigned, uint32_t *);
             uint64_t (*f32)(uint32_t, unsigned, uint32_t *);
             uint64_t nan, pinf, ninf, big, nbig; } t[] = {
        /* w: sign-extended 32-bit results */
        { hv__f64_to_i32, hv__f32_to_i32, 0x7fffffff, 0x7fffffff, 0xffffffff80000000ull,
          0x7fffffff, 0xffffffff80000000ull },
        /* wu: 2^32-1 sign-extends to all ones */
        { hv__f64_to_u32, hv__f32_to_u32, ~0ull, ~0ull, 0, ~0ull, 0 },
        { hv__f64_to_i64, hv__f32_to_i64, 0x7fffffffffffffffull, 0x7fffffffffffffffull,
          0x8000000000000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull },
        { hv__f64_to_u64, hv__f32_to_u64, ~0ull, ~0ull, 0, ~0ull, 0 },
    };
    for (unsigned i = 0; i < 4; i++) {
        uint32_t ff;
        struct { uint64_t d; uint32_t s; uint64_t want; } in[] = {
            { D_QNAN, S_QNAN, t[i].nan }, { D_SNAN, S_SNAN, t[i].nan },
            { D_QNAN | 1ull << 63, 0xffc00000u, t[i].nan },
            { D_INF, S_INF, t[i].pinf }, { D_INF | 1ull << 63, S_INF | 0x80000000u, t[i].ninf },
            { db(1e30), fb(1e30f), t[i].big }, { db(-1e30), fb(-1e30f), t[i].nbig },
        };
        for (unsigned j = 0; j < sizeof(in) / sizeof(in[0]); j++) {
            ff = 0;
            cr_expect_eq(t[i].f64(in[j].d, 0, &ff), in[j].want, "conv %u input %u", i, j);
            cr_expect_eq(ff, HV_FF_NV, "conv %u input %u: NV only", i, j);
            ff = 0;
            cr_expect_eq(t[i].f32(in[j].s, HV_RM_RMM, &ff), in[j].want, "conv %u input %u", i, j);
            cr_expect_eq(ff, HV_FF_NV);
        }
    }
    /* boundaries */
    uint32_t ff = 0;
    cr_expect_eq(hv__f64_to_i32(db(-2147483648.0), 0, &ff), 0xffffffff80000000ull);
    cr_expect_eq(hv__f64_to_i32(db(2147483647.0), 0, &ff), 0x7fffffffull);
    cr_expect_eq(ff, 0);
    cr_expect_eq(hv__f64_to_i32(db(-2147483648.5), HV_RM_RTZ, &ff), 0xffffffff80000000ull);
    cr_expect_eq(ff, HV_FF_NX);
    ff = 0;
    cr_expect_eq(hv__f64_to_i32(db(2147483647.5), HV_RM_RNE, &ff), 0x7fffffffull);
    cr_expect_eq(ff, HV_FF_NV);     /* rounds to 2^31: out of range, NV without NX */
    ff = 0;
    cr_expect_eq(hv__f64_to_i32(db(-2147483648.5), HV_RM_RDN, &ff), 0xffffffff80000000ull);
    cr_expect_eq(ff, HV_FF_NV);
    ff = 0;
    cr_expect_eq(hv__f32_to_u32(fb(-0.5f), HV_RM_RTZ, &ff), 0);
    cr_expect_eq(ff, HV_FF_NX);     /* rounds to 0: in range */
    ff = 0;
    cr_expect_eq(hv__f32_to_u32(fb(-0.5f), HV_RM_RDN, &ff), 0);
    cr_expect_eq(ff, HV_FF_NV);     /* rounds to -1 */
    ff = 0;
    cr_expect_eq(hv__f64_to_u32(db(4294967295.0), 0, &ff), ~0ull);
    cr_expect_eq(hv__f64_to_u32(db(2147483648.0), 0, &ff), 0xffffffff80000000ull);
    cr_expect_eq(hv__f64_to_u64(db(0x1.fffffffffffffp63), 0, &ff), 0xfffffffffffff800ull);
    cr_expect_eq(hv__f64_to_i64(db(-0x1p63), 0, &ff), 0x8000000000000000ull);
    cr_expect_eq(ff, 0);
    cr_expect_eq(hv__f64_to_i64(db(0x1p63), 0, &ff), 0x7fffffffffffffffull);
    cr_expect_eq(hv__f64_to_u64(db(0x1p64), 0, &ff), ~0ull);
    cr_expect_eq(hv__f64_to_u64(db(-1.0), 0, &ff), 0);
    cr_expect_eq(ff, HV_FF_NV);
}

/* ---- fclass ---------------------------------------------------------------------------- */

Test(fpu, fclass_all_classes)
{
    const uint32_t s[10] = { 0xff800000u, fb(-1.5f), 0x80000001u, 0x80000000u, 0, 1,
                             fb(1.5f), 0x7f800000u, S_SNAN, S_QNAN };
    const uint64_t d[10] = { D_INF | 1ull << 63, db(-1.5), 0x8000000000000001ull, 1ull << 63, 0,
                             0x000fffffffffffffull, db(1e300), D_INF, D_SNAN, D_QNAN };
    for (unsigned i = 0; i < 10; i++) {
        cr_expect_eq(hv__f32_class(s[i]), 1u << i, "single class %u", i);
        cr_expect_eq(hv__f64_class(d[i]), 1u << i, "double class %u", i);
    }
    cr_expect_eq(hv__f32_class(HV_F32_CANON_NAN), 1u << 9);
    cr_expect_eq(hv__f64_class(0xfff0000000000001ull), 1u << 8);
}

/* ---- the environment is left alone and software agrees with the host --------------- */

Test(fpu, host_environment_untouched)
{
    fesetround(FE_UPWARD);
    feclearexcept(FE_ALL_EXCEPT);
    uint32_t ff = 0;
    hv__f64_div(db(1), db(3), HV_RM_RTZ, &ff);
    hv__f64_div(db(1), 0, HV_RM_RNE, &ff);
    hv__f32_sqrt(fb(-1), HV_RM_RDN, &ff);
    cr_expect_eq(fegetround(), FE_UPWARD);
    cr_expect_eq(fetestexcept(FE_ALL_EXCEPT), 0);
    fesetround(FE_TONEAREST);
    cr_expect_eq(ff, HV_FF_NX | HV_FF_DZ | HV_FF_NV);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Random bit patterns biased toward interesting exponents (subnormal, near 1, specials). */
static uint64_t rnd64(void)
{
    uint64_t v = rnd();
    switch (rnd() % 6) {
    case 0: return v & 0x800fffffffffffffull;
    case 1: return (v & 0x800fffffffffffffull) | (uint64_t)(1020 + rnd() % 8) << 52;
    case 2: return (v & 0x8000000000000000ull) | (uint64_t)(1020 + rnd() % 8) << 52 | (rnd() & 3);
    case 3: return (v & 0x80000000000000ffull) | (uint64_t)(rnd() % 2047) << 52;
    default: return v;
    }
}

static uint32_t rnd32(void)
{
    uint32_t v = (uint32_t)rnd();
    switch (rnd() % 6) {
    case 0: return v & 0x807fffffu;
    case 1: return (v & 0x807fffffu) | (uint32_t)(124 + rnd() % 8) << 23;
    case 2: return (v & 0x800000ffu) | (uint32_t)(rnd() % 255) << 23;
    default: return v;
    }
}

Test(fpu, software_matches_host_in_four_modes)
{
    for (unsigned i = 0; i < 200000; i++) {
        unsigned rm = (unsigned)(rnd() % 4), op = (unsigned)(rnd() % 6);
        bool np = rnd() & 1, nc = rnd() & 1;
        uint64_t a = rnd64(), b = rnd64(), c = rnd64(), h = 0, s = 0;
        uint32_t fh = 0, fs = 0;
        if (rnd() & 1)      /* same exponent: cancellation */
            b = (b & 0x800fffffffffffffull) | (a & 0x7ff0000000000000ull);
        switch (op) {
        case 0: h = hv__f64_add(a, b, rm, &fh); s = hv__sf64_add(a, b, false, rm, &fs); break;
        case 1: h = hv__f64_sub(a, b, rm, &fh); s = hv__sf64_add(a, b, true, rm, &fs); break;
        case 2: h = hv__f64_mul(a, b, rm, &fh); s = hv__sf64_mul(a, b, rm, &fs); break;
        case 3: h = hv__f64_div(a, b, rm, &fh); s = hv__sf64_div(a, b, rm, &fs); break;
        case 4: h = hv__f64_sqrt(a, rm, &fh); s = hv__sf64_sqrt(a, rm, &fs); break;
        default:
            h = hv__f64_fma(a, b, c, np, nc, rm, &fh);
            s = hv__sf64_fma(a, b, c, np, nc, rm, &fs);
        }
        if (h != s || fh != fs)
            cr_assert_fail("f64 op %u %s %016llx %016llx %016llx: host %016llx/%x soft %016llx/%x", op,
                     rm_name[rm], (unsigned long long)a, (unsigned long long)b,
                     (unsigned long long)c, (unsigned long long)h, fh, (unsigned long long)s, fs);

        uint32_t x = rnd32(), y = rnd32(), z = rnd32(), hs = 0, ss = 0;
        fh = fs = 0;
        if (rnd() & 1)
            y = (y & 0x807fffffu) | (x & 0x7f800000u);
        switch (op) {
        case 0: hs = hv__f32_add(x, y, rm, &fh); ss = hv__sf32_add(x, y, false, rm, &fs); break;
        case 1: hs = hv__f32_sub(x, y, rm, &fh); ss = hv__sf32_add(x, y, true, rm, &fs); break;
        case 2: hs = hv__f32_mul(x, y, rm, &fh); ss = hv__sf32_mul(x, y, rm, &fs); break;
        case 3: hs = hv__f32_div(x, y, rm, &fh); ss = hv__sf32_div(x, y, rm, &fs); break;
        case 4: hs = hv__f32_sqrt(x, rm, &fh); ss = hv__sf32_sqrt(x, rm, &fs); break;
        default:
            hs = hv__f32_fma(x, y, z, np, nc, rm, &fh);
            ss = hv__sf32_fma(x, y, z, np, nc, rm, &fs);
        }
        if (hs != ss || fh != fs)
            cr_assert_fail("f32 op %u %s %08x %08x %08x: host %08x/%x soft %08x/%x", op, rm_name[rm],
                     x, y, z, hs, fh, ss, fs);
    }
}

/* RMM differs from RNE only on exact ties: check that on random inputs (RNE from the host). */
Test(fpu, rmm_equals_rne_off_ties)
{
    unsigned diffs = 0;
    for (unsigned i = 0; i < 100000; i++) {
        uint64_t a = rnd64(), b = rnd64();
        uint32_t f1 = 0, f2 = 0;
        uint64_t n = hv__f64_div(a, b, HV_RM_RNE, &f1), m = hv__f64_div(a, b, HV_RM_RMM, &f2);
        /* division of normal results has no ties; subnormal ties are possible */
        uint64_t mag = n & ~(1ull << 63);
        if (mag >= 0x0010000000000000ull) {
            cr_assert_eq(n, m, "div %016llx %016llx", (unsigned long long)a, (unsigned long long)b);
            cr_assert_eq(f1, f2);
        } else if (n != m) {
            diffs++;
        }
        f1 = f2 = 0;
        n = hv__f64_sqrt(a, HV_RM_RNE, &f1);
        m = hv__f64_sqrt(a, HV_RM_RMM, &f2);
        cr_assert_eq(n, m);     /* square roots never tie */
        cr_assert_eq(f1, f2);
    }
    (void)diffs;
}

/* ---- half precision (Zfh) ------------------------------------------------------------ */

/* The exact value of a finite half, computed independently of fpu.c. */
static double half_value(uint16_t h)
{
    int e = (h >> 10) & 31;
    double m = h & 0x3ff;
    double v = e ? ldexp(1024 + m, e - 25) : ldexp(m, -24);
    return (h & 0x8000) ? -v : v;
}

Test(fpu, half_conversions_exhaustive)
{
    for (uint32_t h = 0; h < 0x10000; h++) {
        uint32_t ff = 0;
        uint16_t v = (uint16_t)h;
        unsigned e = (h >> 10) & 31;
        uint32_t s = hv__f16_to_f32(v, &ff);
        uint64_t d = hv__f16_to_f64(v, &ff);
        if (e == 31 && (h & 0x3ff)) {           /* NaN: canonical, NV only for sNaN */
            cr_assert_eq(s, HV_F32_CANON_NAN);
            cr_assert_eq(d, HV_F64_CANON_NAN);
            cr_assert_eq(ff, (h & 0x200) ? 0u : HV_FF_NV, "%04x", h);
            continue;
        }
        cr_assert_eq(ff, 0, "%04x", h);
        if (e != 31) {
            double want = half_value(v);
            cr_assert_eq(d, db(want), "f16 %04x -> f64", h);
            cr_assert_eq(s, fb((float)want), "f16 %04x -> f32", h);
        }
        /* Back again, in every mode: exact, so the same half and no flags. */
        for (unsigned rm = 0; rm < 5; rm++) {
            cr_assert_eq(hv__f32_to_f16(s, rm, &ff), v, "%04x %s", h, rm_name[rm]);
            cr_assert_eq(hv__f64_to_f16(d, rm, &ff), v, "%04x %s", h, rm_name[rm]);
        }
        cr_assert_eq(ff, 0, "%04x", h);
        uint32_t cls = hv__f64_class(d);
        if (e == 0 && (h & 0x3ff))              /* subnormal as a half, normal as a double */
            cls = (h & 0x8000) ? 1u << 2 : 1u << 5;
        cr_assert_eq(hv__f16_class(v), cls, "%04x", h);
    }
}

/* Sums, differences and products of two halves are exact in binary64 (at most 40 bits
 * between the extreme bit positions), so the host's double result rounded once to half
 * must be the half operation's result, flags included. */
Test(fpu, half_arithmetic_matches_exact_double)
{
    for (unsigned i = 0; i < 2000000; i++) {
        uint16_t a = (uint16_t)rnd(), b = (uint16_t)rnd();
        if (rnd() & 1)                          /* same exponent: cancellation */
            b = (uint16_t)((b & 0x83ff) | (a & 0x7c00));
        if (((a >> 10) & 31) == 31 || ((b >> 10) & 31) == 31)
            continue;                           /* specials are covered elsewhere */
        unsigned rm = (unsigned)(rnd() % 5), op = (unsigned)(rnd() % 3);
        double x = half_value(a), y = half_value(b);
        double exact = op == 0 ? x + y : op == 1 ? x - y : x * y;
        uint32_t fw = 0, fg = 0;
        uint16_t want = hv__f64_to_f16(db(exact), rm, &fw);
        uint16_t got = op == 0 ? hv__f16_add(a, b, rm, &fg)
                     : op == 1 ? hv__f16_sub(a, b, rm, &fg) : hv__f16_mul(a, b, rm, &fg);
        if (exact == 0 && op != 2) {            /* exact zero sums: IEEE sign rules */
            bool sx = signbit(x), sy = signbit(y) ^ (op == 1);
            want = sx == sy ? (uint16_t)(sx ? 0x8000 : 0) : rm == HV_RM_RDN ? 0x8000 : 0;
        }
        if (got != want || fg != fw)
            cr_assert_fail("f16 op %u %s %04x %04x: %04x/%x, want %04x/%x", op, rm_name[rm], a,
                           b, got, fg, want, fw);
    }
}

/* Rounding to half of random doubles checked against the nearest halves found by search:
 * round-to-nearest-even picks the closer neighbour (the even one on a tie), directed modes
 * the neighbour on their side; NX exactly when the double is not a half. */
Test(fpu, half_rounding_against_search)
{
    static double table[0x7c00];                /* the non-negative finite halves, ascending */
    for (unsigned h = 0; h < 0x7c00; h++)
        table[h] = half_value((uint16_t)h);
    for (unsigned i = 0; i < 300000; i++) {
        double d = ldexp((double)(rnd() >> 11), -(int)(rnd() % 90));
        if (d >= 65504.0)
            continue;
        unsigned lo = 0, hi = 0x7bff;           /* largest table[lo] <= d */
        while (lo < hi) {
            unsigned mid = (lo + hi + 1) / 2;
            if (table[mid] <= d)
                lo = mid;
            else
                hi = mid - 1;
        }
        bool exact = table[lo] == d;
        unsigned up = exact ? lo : lo + 1;
        unsigned want[5];
        double dl = d - table[lo], du = table[up] - d;
        want[HV_RM_RNE] = dl < du ? lo : du < dl ? up : (lo & 1 ? up : lo);
        want[HV_RM_RMM] = dl < du ? lo : du < dl ? up : up;
        want[HV_RM_RTZ] = want[HV_RM_RDN] = lo;
        want[HV_RM_RUP] = up;
        for (unsigned rm = 0; rm < 5; rm++) {
            uint32_t ff = 0;
            uint16_t got = hv__f64_to_f16(db(d), rm, &ff);
            cr_assert_eq(got, want[rm], "%a %s: %04x want %04x", d, rm_name[rm], got, want[rm]);
            cr_assert_eq(ff & HV_FF_NX, exact ? 0u : HV_FF_NX, "%a %s", d, rm_name[rm]);
        }
    }
}
