/* SPDX-License-Identifier: MIT */
/* libhv cpu — RISC-V F/D/Zfh arithmetic. Add/sub/mul/div/sqrt/fma in RNE/RTZ/RDN/RUP run on the
 * host's SSE unit with MXCSR set for the one operation (then restored, so the embedder's FP
 * environment is untouched); RMM, which x86 lacks, and every conversion run in an exact
 * software implementation (unpack, integer arithmetic on a 128-bit significand with a
 * sticky bit, one generic round-and-pack). NaN inputs are resolved in software before the
 * host is involved, so results are canonical NaNs and NV is raised per the RISC-V rules.
 * Tininess is detected after rounding, as RISC-V (and x86 SSE) specify. */
/* GCC ignores #pragma STDC FENV_ACCESS; CMake compiles this file with -frounding-math
 * -ffp-contract=off, and the asm barriers below order each operation against MXCSR. */
#include <math.h>
#include <string.h>
#include "cpu/fpu.h"

typedef unsigned __int128 u128;

/* ---- formats ------------------------------------------------------------------------- */

struct fmt {
    unsigned p;         /* significand precision including the hidden bit */
    unsigned ebits;
    int32_t emin, emax, bias;
};
static const struct fmt F32 = { 24, 8, -126, 127, 127 };
static const struct fmt F64 = { 53, 11, -1022, 1023, 1023 };
static const struct fmt F16 = { 11, 5, -14, 15, 15 };

enum cls { C_ZERO, C_FIN, C_INF, C_QNAN, C_SNAN };

/* A finite nonzero value is m * 2^e exactly. */
struct unp {
    enum cls cls;
    bool sign;
    int32_t e;
    uint64_t m;
};

static unsigned sign_pos(const struct fmt *f) { return f->p - 1 + f->ebits; }
static uint64_t frac_mask(const struct fmt *f) { return (1ull << (f->p - 1)) - 1; }
static uint64_t exp_all(const struct fmt *f) { return (1ull << f->ebits) - 1; }
static uint64_t canon_nan(const struct fmt *f)
{
    return f->p == 24 ? HV_F32_CANON_NAN : f->p == 11 ? HV_F16_CANON_NAN : HV_F64_CANON_NAN;
}

static struct unp unpack(const struct fmt *f, uint64_t v)
{
    struct unp u;
    uint64_t frac = v & frac_mask(f);
    uint64_t be = (v >> (f->p - 1)) & exp_all(f);
    u.sign = (v >> sign_pos(f)) & 1;
    u.e = 0;
    u.m = 0;
    if (be == exp_all(f)) {
        if (!frac)
            u.cls = C_INF;
        else
            u.cls = (frac >> (f->p - 2)) & 1 ? C_QNAN : C_SNAN;
    } else if (be == 0) {
        u.cls = frac ? C_FIN : C_ZERO;
        u.m = frac;
        u.e = f->emin - (int32_t)(f->p - 1);
    } else {
        u.cls = C_FIN;
        u.m = frac | (1ull << (f->p - 1));
        u.e = (int32_t)be - f->bias - (int32_t)(f->p - 1);
    }
    return u;
}

static bool is_nan(const struct unp *u) { return u->cls == C_QNAN || u->cls == C_SNAN; }

static uint64_t pack_zero(const struct fmt *f, bool sign)
{
    return (uint64_t)sign << sign_pos(f);
}

static uint64_t pack_inf(const struct fmt *f, bool sign)
{
    return pack_zero(f, sign) | exp_all(f) << (f->p - 1);
}

static uint64_t pack_max(const struct fmt *f, bool sign)
{
    return pack_zero(f, sign) | (exp_all(f) - 1) << (f->p - 1) | frac_mask(f);
}

static uint64_t with_sign(const struct fmt *f, uint64_t v, bool sign)
{
    uint64_t sb = 1ull << sign_pos(f);
    return (v & ~sb) | (sign ? sb : 0);
}

/* NaN result: canonical, NV when any operand is signalling (or the op is invalid). */
static uint64_t nan_result(const struct fmt *f, bool invalid, uint32_t *ff)
{
    if (invalid)
        *ff |= HV_FF_NV;
    return canon_nan(f);
}

static int msb128(u128 v)
{
    uint64_t hi = (uint64_t)(v >> 64);
    if (hi)
        return 127 - __builtin_clzll(hi);
    return 63 - __builtin_clzll((uint64_t)v);
}

static u128 low_mask(unsigned n)
{
    return n >= 128 ? ~(u128)0 : ((u128)1 << n) - 1;
}

/* Whether rounding increments the kept magnitude. */
static bool round_inc(unsigned rm, bool sign, u128 kept, bool rbit, bool sticky)
{
    switch (rm) {
    case HV_RM_RNE: return rbit && (sticky || (kept & 1));
    case HV_RM_RTZ: return false;
    case HV_RM_RDN: return sign && (rbit || sticky);
    case HV_RM_RUP: return !sign && (rbit || sticky);
    default: return rbit;  /* RMM: ties (and above) away from zero */
    }
}

/* Shift right by n >= 0 keeping the round bit and sticky separately. */
static u128 shift_round(u128 sig, int32_t n, bool *rbit, bool *sticky)
{
    *rbit = false;
    if (n <= 0)
        return sig << -n;
    if (n > 128) {
        *sticky |= sig != 0;
        return 0;
    }
    *rbit = (sig >> (n - 1)) & 1;
    *sticky |= (sig & low_mask((unsigned)n - 1)) != 0;
    return n == 128 ? 0 : sig >> n;
}

/* Round (sig + sticky) * 2^exp to format f; sig != 0. */
static uint64_t round_pack(const struct fmt *f, bool sign, int32_t exp, u128 sig, bool sticky,
                           unsigned rm, uint32_t *ff)
{
    int32_t p = (int32_t)f->p;
    int32_t big_e = exp + msb128(sig);                  /* value in [2^E, 2^(E+1)) */
    int32_t q = big_e - (p - 1);                        /* exponent of the result's LSB */
    if (q < f->emin - (p - 1))
        q = f->emin - (p - 1);
    bool rbit, st = sticky;
    u128 kept = shift_round(sig, q - exp, &rbit, &st);
    bool inexact = rbit || st;

    /* Tininess after rounding: the result rounded with unbounded exponent is < 2^emin. */
    bool tiny = big_e < f->emin - 1;
    if (big_e == f->emin - 1) {
        bool r2, s2 = sticky;
        u128 k2 = shift_round(sig, big_e - (p - 1) - exp, &r2, &s2);
        k2 += round_inc(rm, sign, k2, r2, s2);
        tiny = k2 < ((u128)1 << p);
    }
    kept += round_inc(rm, sign, kept, rbit, st);
    if (kept >> p) {
        kept >>= 1;
        q++;
    }
    if (inexact) {
        *ff |= HV_FF_NX;
        if (tiny)
            *ff |= HV_FF_UF;
    }
    if (kept >= ((u128)1 << (p - 1))) {
        int32_t top = q + p - 1;
        if (top > f->emax) {
            *ff |= HV_FF_OF | HV_FF_NX;
            bool to_inf = rm == HV_RM_RNE || rm == HV_RM_RMM ||
                          (rm == HV_RM_RDN && sign) || (rm == HV_RM_RUP && !sign);
            return to_inf ? pack_inf(f, sign) : pack_max(f, sign);
        }
        uint64_t be = (uint64_t)(top + f->bias);
        return pack_zero(f, sign) | be << (f->p - 1) | ((uint64_t)kept & frac_mask(f));
    }
    return pack_zero(f, sign) | (uint64_t)kept;      /* subnormal or zero */
}

/* ---- software arithmetic ------------------------------------------------------------- */

/* Exact-or-sticky sum of two nonzero finite values (A * 2^ea with sign sa, ...). */
static uint64_t add_core(const struct fmt *f, bool sa, int32_t ea, u128 a, bool sb, int32_t eb,
                         u128 b, unsigned rm, uint32_t *ff)
{
    int sh = 124 - msb128(a);
    a <<= sh;
    ea -= sh;
    sh = 124 - msb128(b);
    b <<= sh;
    eb -= sh;
    if (ea < eb) {
        u128 t = a; a = b; b = t;
        int32_t te = ea; ea = eb; eb = te;
        bool ts = sa; sa = sb; sb = ts;
    }
    int32_t diff = ea - eb, e;
    bool sticky = false;
    if (diff <= 2) {
        /* Massive cancellation needs exactness: align without losing bits. */
        a <<= diff;
        e = eb;
    } else {
        /* a's msb is at 124 and b's below 122: rounding still sees >= 120 exact bits. */
        sticky = (b & low_mask((unsigned)diff)) != 0;
        b = diff >= 128 ? 0 : b >> diff;
        e = ea;
    }
    u128 s;
    bool sign;
    if (sa == sb) {
        s = a + b;
        sign = sa;
    } else if (a >= b) {
        s = a - b;
        sign = sa;
        if (sticky)
            s -= 1;         /* a - (b + eps) = (a - b - 1) + (1 - eps) */
    } else {
        s = b - a;
        sign = sb;
    }
    if (s == 0 && !sticky)
        return pack_zero(f, rm == HV_RM_RDN);
    return round_pack(f, sign, e, s, sticky, rm, ff);
}

static uint64_t sf_add(const struct fmt *f, uint64_t av, uint64_t bv, bool sub, unsigned rm,
                       uint32_t *ff)
{
    struct unp a = unpack(f, av), b = unpack(f, bv);
    b.sign ^= sub;
    if (is_nan(&a) || is_nan(&b))
        return nan_result(f, a.cls == C_SNAN || b.cls == C_SNAN, ff);
    if (a.cls == C_INF) {
        if (b.cls == C_INF && a.sign != b.sign)
            return nan_result(f, true, ff);
        return pack_inf(f, a.sign);
    }
    if (b.cls == C_INF)
        return pack_inf(f, b.sign);
    if (a.cls == C_ZERO && b.cls == C_ZERO)
        return pack_zero(f, a.sign == b.sign ? a.sign : rm == HV_RM_RDN);
    if (a.cls == C_ZERO)
        return with_sign(f, bv, b.sign);
    if (b.cls == C_ZERO)
        return av;
    return add_core(f, a.sign, a.e, a.m, b.sign, b.e, b.m, rm, ff);
}

static uint64_t sf_mul(const struct fmt *f, uint64_t av, uint64_t bv, unsigned rm, uint32_t *ff)
{
    struct unp a = unpack(f, av), b = unpack(f, bv);
    bool sign = a.sign ^ b.sign;
    if (is_nan(&a) || is_nan(&b))
        return nan_result(f, a.cls == C_SNAN || b.cls == C_SNAN, ff);
    if ((a.cls == C_INF && b.cls == C_ZERO) || (a.cls == C_ZERO && b.cls == C_INF))
        return nan_result(f, true, ff);
    if (a.cls == C_INF || b.cls == C_INF)
        return pack_inf(f, sign);
    if (a.cls == C_ZERO || b.cls == C_ZERO)
        return pack_zero(f, sign);
    return round_pack(f, sign, a.e + b.e, (u128)a.m * b.m, false, rm, ff);
}

static uint64_t sf_div(const struct fmt *f, uint64_t av, uint64_t bv, unsigned rm, uint32_t *ff)
{
    struct unp a = unpack(f, av), b = unpack(f, bv);
    bool sign = a.sign ^ b.sign;
    if (is_nan(&a) || is_nan(&b))
        return nan_result(f, a.cls == C_SNAN || b.cls == C_SNAN, ff);
    if ((a.cls == C_INF && b.cls == C_INF) || (a.cls == C_ZERO && b.cls == C_ZERO))
        return nan_result(f, true, ff);
    if (a.cls == C_INF)
        return pack_inf(f, sign);
    if (b.cls == C_INF || a.cls == C_ZERO)
        return pack_zero(f, sign);
    if (b.cls == C_ZERO) {
        *ff |= HV_FF_DZ;
        return pack_inf(f, sign);
    }
    int sh = 127 - msb128(a.m);
    u128 n = (u128)a.m << sh;
    u128 q = n / b.m, r = n % b.m;
    return round_pack(f, sign, a.e - sh - b.e, q, r != 0, rm, ff);
}

static uint64_t isqrt128(u128 n)
{
    uint64_t r = 0;
    for (int i = 63; i >= 0; i--) {
        uint64_t t = r | (1ull << i);
        if ((u128)t * t <= n)
            r = t;
    }
    return r;
}

static uint64_t sf_sqrt(const struct fmt *f, uint64_t av, unsigned rm, uint32_t *ff)
{
    struct unp a = unpack(f, av);
    if (is_nan(&a))
        return nan_result(f, a.cls == C_SNAN, ff);
    if (a.cls == C_ZERO)
        return av;
    if (a.sign)
        return nan_result(f, true, ff);
    if (a.cls == C_INF)
        return av;
    u128 m = a.m;
    int32_t e = a.e;
    if (e & 1) {
        m <<= 1;
        e -= 1;
    }
    int sh = 126 - msb128(m);
    if (sh & 1)
        sh--;
    m <<= sh;
    uint64_t r = isqrt128(m);
    bool sticky = (u128)r * r != m;
    return round_pack(f, false, (e - sh) / 2, r, sticky, rm, ff);
}

static uint64_t sf_fma(const struct fmt *f, uint64_t av, uint64_t bv, uint64_t cv, bool neg_prod,
                       bool neg_c, unsigned rm, uint32_t *ff)
{
    struct unp a = unpack(f, av), b = unpack(f, bv), c = unpack(f, cv);
    bool sp = a.sign ^ b.sign ^ neg_prod;
    bool inf_zero = (a.cls == C_INF && b.cls == C_ZERO) || (a.cls == C_ZERO && b.cls == C_INF);
    c.sign ^= neg_c;
    /* RISC-V: inf * 0 raises NV even when the addend is a quiet NaN. */
    if (is_nan(&a) || is_nan(&b) || is_nan(&c))
        return nan_result(f, inf_zero || a.cls == C_SNAN || b.cls == C_SNAN ||
                          c.cls == C_SNAN, ff);
    if (inf_zero)
        return nan_result(f, true, ff);
    if (a.cls == C_INF || b.cls == C_INF) {
        if (c.cls == C_INF && c.sign != sp)
            return nan_result(f, true, ff);
        return pack_inf(f, sp);
    }
    if (c.cls == C_INF)
        return pack_inf(f, c.sign);
    if (a.cls == C_ZERO || b.cls == C_ZERO) {
        if (c.cls == C_ZERO)
            return pack_zero(f, sp == c.sign ? sp : rm == HV_RM_RDN);
        return with_sign(f, cv, c.sign);
    }
    u128 prod = (u128)a.m * b.m;
    if (c.cls == C_ZERO)
        return round_pack(f, sp, a.e + b.e, prod, false, rm, ff);
    return add_core(f, sp, a.e + b.e, prod, c.sign, c.e, c.m, rm, ff);
}

uint32_t hv__sf32_add(uint32_t a, uint32_t b, bool sub, unsigned rm, uint32_t *ff)
{
    return (uint32_t)sf_add(&F32, a, b, sub, rm, ff);
}
uint32_t hv__sf32_mul(uint32_t a, uint32_t b, unsigned rm, uint32_t *ff)
{
    return (uint32_t)sf_mul(&F32, a, b, rm, ff);
}
uint32_t hv__sf32_div(uint32_t a, uint32_t b, unsigned rm, uint32_t *ff)
{
    return (uint32_t)sf_div(&F32, a, b, rm, ff);
}
uint32_t hv__sf32_sqrt(uint32_t a, unsigned rm, uint32_t *ff)
{
    return (uint32_t)sf_sqrt(&F32, a, rm, ff);
}
uint32_t hv__sf32_fma(uint32_t a, uint32_t b, uint32_t c, bool neg_prod, bool neg_c,
                      unsigned rm, uint32_t *ff)
{
    return (uint32_t)sf_fma(&F32, a, b, c, neg_prod, neg_c, rm, ff);
}
uint64_t hv__sf64_add(uint64_t a, uint64_t b, bool sub, unsigned rm, uint32_t *ff)
{
    return sf_add(&F64, a, b, sub, rm, ff);
}
uint64_t hv__sf64_mul(uint64_t a, uint64_t b, unsigned rm, uint32_t *ff)
{
    return sf_mul(&F64, a, b, rm, ff);
}
uint64_t hv__sf64_div(uint64_t a, uint64_t b, unsigned rm, uint32_t *ff)
{
    return sf_div(&F64, a, b, rm, ff);
}
uint64_t hv__sf64_sqrt(uint64_t a, unsigned rm, uint32_t *ff)
{
    return sf_sqrt(&F64, a, rm, ff);
}
uint64_t hv__sf64_fma(uint64_t a, uint64_t b, uint64_t c, bool neg_prod, bool neg_c,
                      unsigned rm, uint32_t *ff)
{
    return sf_fma(&F64, a, b, c, neg_prod, neg_c, rm, ff);
}

/* ---- host SSE path ------------------------------------------------------------------- */

#if defined(__x86_64__)
#define HAVE_HOST_FP 1

enum hop { H_ADD, H_SUB, H_MUL, H_DIV, H_SQRT, H_FMA };

static uint32_t mx_get(void)
{
    uint32_t v;
    __asm__ volatile("stmxcsr %0" : "=m"(v));
    return v;
}

static void mx_set(uint32_t v)
{
    __asm__ volatile("ldmxcsr %0" : : "m"(v));
}

/* MXCSR for one operation: all exceptions masked, no FTZ/DAZ, the wanted rounding. x86 RC:
 * 00 nearest, 01 down, 10 up, 11 toward zero. */
static uint32_t mx_mode(unsigned rm)
{
    static const uint32_t rc[4] = { 0, 3, 1, 2 };
    return 0x1f80u | rc[rm] << 13;
}

static uint32_t mx_flags(uint32_t csr)
{
    uint32_t ff = 0;
    if (csr & 0x01) ff |= HV_FF_NV;
    if (csr & 0x04) ff |= HV_FF_DZ;
    if (csr & 0x08) ff |= HV_FF_OF;
    if (csr & 0x10) ff |= HV_FF_UF;
    if (csr & 0x20) ff |= HV_FF_NX;
    return ff;
}

/* The empty asm statements pin the operation between the two MXCSR writes: its inputs are
 * produced by the first barrier and its result consumed by the second. */
static uint64_t host64(enum hop op, uint64_t av, uint64_t bv, uint64_t cv, unsigned rm,
                       uint32_t *ff)
{
    double a, b, c, r;
    memcpy(&a, &av, 8);
    memcpy(&b, &bv, 8);
    memcpy(&c, &cv, 8);
    uint32_t saved = mx_get();
    mx_set(mx_mode(rm));
    __asm__ volatile("" : "+x"(a), "+x"(b), "+x"(c));
    switch (op) {
    case H_ADD: r = a + b; break;
    case H_SUB: r = a - b; break;
    case H_MUL: r = a * b; break;
    case H_DIV: r = a / b; break;
    case H_SQRT: r = __builtin_sqrt(a); break;
    default: r = fma(a, b, c); break;
    }
    __asm__ volatile("" : "+x"(r));
    uint32_t csr = mx_get();
    mx_set(saved);
    *ff |= mx_flags(csr);
    uint64_t rv;
    memcpy(&rv, &r, 8);
    return rv;
}

static uint32_t host32(enum hop op, uint32_t av, uint32_t bv, uint32_t cv, unsigned rm,
                       uint32_t *ff)
{
    float a, b, c, r;
    memcpy(&a, &av, 4);
    memcpy(&b, &bv, 4);
    memcpy(&c, &cv, 4);
    uint32_t saved = mx_get();
    mx_set(mx_mode(rm));
    __asm__ volatile("" : "+x"(a), "+x"(b), "+x"(c));
    switch (op) {
    case H_ADD: r = a + b; break;
    case H_SUB: r = a - b; break;
    case H_MUL: r = a * b; break;
    case H_DIV: r = a / b; break;
    case H_SQRT: r = __builtin_sqrtf(a); break;
    default: r = fmaf(a, b, c); break;
    }
    __asm__ volatile("" : "+x"(r));
    uint32_t csr = mx_get();
    mx_set(saved);
    *ff |= mx_flags(csr);
    uint32_t rv;
    memcpy(&rv, &r, 4);
    return rv;
}
#else
#define HAVE_HOST_FP 0
#endif

/* ---- public entry points: host for RNE..RUP with ordinary operands, software else ---- */

static bool has_nan(const struct fmt *f, uint64_t a, uint64_t b, uint64_t c, unsigned n)
{
    uint64_t ops[3] = { a, b, c };
    for (unsigned i = 0; i < n; i++) {
        struct unp u = unpack(f, ops[i]);
        if (is_nan(&u))
            return true;
    }
    return false;
}

/* Whether the host may compute the operation: NaN operands (canonical result, exact NV
 * rules) and RMM always go to software. */
static bool use_host(const struct fmt *f, unsigned rm, uint64_t a, uint64_t b, uint64_t c,
                     unsigned n)
{
    return HAVE_HOST_FP && rm != HV_RM_RMM && !has_nan(f, a, b, c, n);
}

/* A NaN the host produced (invalid operation) is replaced by the canonical one. */
static uint64_t canon_out(const struct fmt *f, uint64_t v)
{
    struct unp u = unpack(f, v);
    return is_nan(&u) ? canon_nan(f) : v;
}

#if HAVE_HOST_FP
#define HOST32(op, a, b, c, n, rm, ff) \
    if (use_host(&F32, rm, a, b, c, n)) \
        return (uint32_t)canon_out(&F32, host32(op, a, b, c, rm, ff))
#define HOST64(op, a, b, c, n, rm, ff) \
    if (use_host(&F64, rm, a, b, c, n)) \
        return canon_out(&F64, host64(op, a, b, c, rm, ff))
#else
#define HOST32(op, a, b, c, n, rm, ff) (void)0
#define HOST64(op, a, b, c, n, rm, ff) (void)0
#endif

uint32_t hv__f32_add(uint32_t a, uint32_t b, unsigned rm, uint32_t *ff)
{
    HOST32(H_ADD, a, b, 0, 2, rm, ff);
    return hv__sf32_add(a, b, false, rm, ff);
}

uint32_t hv__f32_sub(uint32_t a, uint32_t b, unsigned rm, uint32_t *ff)
{
    HOST32(H_SUB, a, b, 0, 2, rm, ff);
    return hv__sf32_add(a, b, true, rm, ff);
}

uint32_t hv__f32_mul(uint32_t a, uint32_t b, unsigned rm, uint32_t *ff)
{
    HOST32(H_MUL, a, b, 0, 2, rm, ff);
    return hv__sf32_mul(a, b, rm, ff);
}

uint32_t hv__f32_div(uint32_t a, uint32_t b, unsigned rm, uint32_t *ff)
{
    HOST32(H_DIV, a, b, 0, 2, rm, ff);
    return hv__sf32_div(a, b, rm, ff);
}

uint32_t hv__f32_sqrt(uint32_t a, unsigned rm, uint32_t *ff)
{
    HOST32(H_SQRT, a, 0, 0, 1, rm, ff);
    return hv__sf32_sqrt(a, rm, ff);
}

static bool inf_times_zero(const struct fmt *f, uint64_t a, uint64_t b)
{
    struct unp x = unpack(f, a), y = unpack(f, b);
    return (x.cls == C_INF && y.cls == C_ZERO) || (x.cls == C_ZERO && y.cls == C_INF);
}

uint32_t hv__f32_fma(uint32_t a, uint32_t b, uint32_t c, bool neg_prod, bool neg_c,
                     unsigned rm, uint32_t *ff)
{
    if (!inf_times_zero(&F32, a, b)) {
        uint32_t na = neg_prod ? a ^ 0x80000000u : a, nc = neg_c ? c ^ 0x80000000u : c;
        HOST32(H_FMA, na, b, nc, 3, rm, ff);
    }
    return hv__sf32_fma(a, b, c, neg_prod, neg_c, rm, ff);
}

uint64_t hv__f64_add(uint64_t a, uint64_t b, unsigned rm, uint32_t *ff)
{
    HOST64(H_ADD, a, b, 0, 2, rm, ff);
    return hv__sf64_add(a, b, false, rm, ff);
}

uint64_t hv__f64_sub(uint64_t a, uint64_t b, unsigned rm, uint32_t *ff)
{
    HOST64(H_SUB, a, b, 0, 2, rm, ff);
    return hv__sf64_add(a, b, true, rm, ff);
}

uint64_t hv__f64_mul(uint64_t a, uint64_t b, unsigned rm, uint32_t *ff)
{
    HOST64(H_MUL, a, b, 0, 2, rm, ff);
    return hv__sf64_mul(a, b, rm, ff);
}

uint64_t hv__f64_div(uint64_t a, uint64_t b, unsigned rm, uint32_t *ff)
{
    HOST64(H_DIV, a, b, 0, 2, rm, ff);
    return hv__sf64_div(a, b, rm, ff);
}

uint64_t hv__f64_sqrt(uint64_t a, unsigned rm, uint32_t *ff)
{
    HOST64(H_SQRT, a, 0, 0, 1, rm, ff);
    return hv__sf64_sqrt(a, rm, ff);
}

uint64_t hv__f64_fma(uint64_t a, uint64_t b, uint64_t c, bool neg_prod, bool neg_c,
                     unsigned rm, uint32_t *ff)
{
    if (!inf_times_zero(&F64, a, b)) {
        uint64_t sb = 1ull << 63;
        uint64_t na = neg_prod ? a ^ sb : a, nc = neg_c ? c ^ sb : c;
        HOST64(H_FMA, na, b, nc, 3, rm, ff);
    }
    return hv__sf64_fma(a, b, c, neg_prod, neg_c, rm, ff);
}

/* ---- min/max, compare, classify ----------------------------------------------------- */

/* Total order key for non-NaN values with -0 < +0 (unsigned compare). */
static uint64_t order_key(const struct fmt *f, uint64_t v)
{
    uint64_t sb = 1ull << sign_pos(f);
    return (v & sb) ? ~v & (sb | (sb - 1)) : v | sb;
}

static uint64_t minmax(const struct fmt *f, uint64_t a, uint64_t b, bool max, uint32_t *ff)
{
    struct unp x = unpack(f, a), y = unpack(f, b);
    if (x.cls == C_SNAN || y.cls == C_SNAN)
        *ff |= HV_FF_NV;
    if (is_nan(&x) && is_nan(&y))
        return canon_nan(f);
    if (is_nan(&x))
        return b;
    if (is_nan(&y))
        return a;
    bool a_less = order_key(f, a) < order_key(f, b);
    return (a_less != max) ? a : b;
}

static bool both_zero(const struct fmt *f, uint64_t a, uint64_t b)
{
    uint64_t sb = 1ull << sign_pos(f);
    return ((a | b) & ~sb) == 0;
}

/* quiet: NV only for sNaN; otherwise NV for any NaN. Returns -1 for unordered. */
static int compare(const struct fmt *f, uint64_t a, uint64_t b, bool quiet, uint32_t *ff)
{
    struct unp x = unpack(f, a), y = unpack(f, b);
    if (is_nan(&x) || is_nan(&y)) {
        if (!quiet || x.cls == C_SNAN || y.cls == C_SNAN)
            *ff |= HV_FF_NV;
        return -1;
    }
    if (a == b || both_zero(f, a, b))
        return 0;       /* equal */
    return order_key(f, a) < order_key(f, b) ? 1 : 2;   /* 1: a < b, 2: a > b */
}

uint32_t hv__f32_min(uint32_t a, uint32_t b, uint32_t *ff) { return (uint32_t)minmax(&F32, a, b, false, ff); }
uint32_t hv__f32_max(uint32_t a, uint32_t b, uint32_t *ff) { return (uint32_t)minmax(&F32, a, b, true, ff); }
uint64_t hv__f64_min(uint64_t a, uint64_t b, uint32_t *ff) { return minmax(&F64, a, b, false, ff); }
uint64_t hv__f64_max(uint64_t a, uint64_t b, uint32_t *ff) { return minmax(&F64, a, b, true, ff); }
bool hv__f32_eq(uint32_t a, uint32_t b, uint32_t *ff) { return compare(&F32, a, b, true, ff) == 0; }
bool hv__f32_lt(uint32_t a, uint32_t b, uint32_t *ff) { return compare(&F32, a, b, false, ff) == 1; }
bool hv__f32_le(uint32_t a, uint32_t b, uint32_t *ff)
{
    int c = compare(&F32, a, b, false, ff);
    return c == 0 || c == 1;
}
bool hv__f64_eq(uint64_t a, uint64_t b, uint32_t *ff) { return compare(&F64, a, b, true, ff) == 0; }
bool hv__f64_lt(uint64_t a, uint64_t b, uint32_t *ff) { return compare(&F64, a, b, false, ff) == 1; }
bool hv__f64_le(uint64_t a, uint64_t b, uint32_t *ff)
{
    int c = compare(&F64, a, b, false, ff);
    return c == 0 || c == 1;
}

static uint32_t classify(const struct fmt *f, uint64_t v)
{
    struct unp u = unpack(f, v);
    uint64_t be = (v >> (f->p - 1)) & exp_all(f);
    switch (u.cls) {
    case C_SNAN: return 1u << 8;
    case C_QNAN: return 1u << 9;
    case C_INF: return u.sign ? 1u << 0 : 1u << 7;
    case C_ZERO: return u.sign ? 1u << 3 : 1u << 4;
    default:
        if (be == 0)
            return u.sign ? 1u << 2 : 1u << 5;
        return u.sign ? 1u << 1 : 1u << 6;
    }
}

uint32_t hv__f32_class(uint32_t a) { return classify(&F32, a); }
uint32_t hv__f64_class(uint64_t a) { return classify(&F64, a); }

/* ---- conversions --------------------------------------------------------------------- */

/* Float -> integer with the RISC-V saturation table: NaN -> max, out of range -> the
 * nearest bound, both NV only; NX only for in-range inexact results. */
static uint64_t to_int(const struct fmt *f, uint64_t v, unsigned rm, bool is_signed,
                       unsigned bits, uint32_t *ff)
{
    struct unp u = unpack(f, v);
    uint64_t max = is_signed ? (1ull << (bits - 1)) - 1 : (bits == 64 ? ~0ull : (1ull << bits) - 1);
    uint64_t min = is_signed ? (uint64_t)0 - (1ull << (bits - 1)) : 0;
    uint64_t res;
    bool invalid = false;

    if (is_nan(&u)) {
        res = max;
        invalid = true;
    } else if (u.cls == C_INF) {
        res = u.sign ? min : max;
        invalid = true;
    } else if (u.cls == C_ZERO) {
        res = 0;
    } else {
        u128 mag;
        bool rbit = false, sticky = false;
        if (u.e >= 64)
            mag = (u128)1 << 65;        /* certainly out of range */
        else if (u.e >= 0)
            mag = (u128)u.m << u.e;
        else
            mag = shift_round(u.m, -u.e, &rbit, &sticky);
        mag += round_inc(rm, u.sign, mag, rbit, sticky);
        if (!u.sign) {
            invalid = mag > max;
            res = invalid ? max : (uint64_t)mag;
        } else if (is_signed) {
            invalid = mag > ((u128)1 << (bits - 1));
            res = invalid ? min : (uint64_t)0 - (uint64_t)mag;
        } else {
            invalid = mag != 0;
            res = 0;
        }
        if (!invalid && (rbit || sticky))
            *ff |= HV_FF_NX;
    }
    if (invalid)
        *ff |= HV_FF_NV;
    if (bits == 32)
        res = (uint64_t)(int64_t)(int32_t)(uint32_t)res;
    return res;
}

uint64_t hv__f32_to_i32(uint32_t a, unsigned rm, uint32_t *ff) { return to_int(&F32, a, rm, true, 32, ff); }
uint64_t hv__f32_to_u32(uint32_t a, unsigned rm, uint32_t *ff) { return to_int(&F32, a, rm, false, 32, ff); }
uint64_t hv__f32_to_i64(uint32_t a, unsigned rm, uint32_t *ff) { return to_int(&F32, a, rm, true, 64, ff); }
uint64_t hv__f32_to_u64(uint32_t a, unsigned rm, uint32_t *ff) { return to_int(&F32, a, rm, false, 64, ff); }
uint64_t hv__f64_to_i32(uint64_t a, unsigned rm, uint32_t *ff) { return to_int(&F64, a, rm, true, 32, ff); }
uint64_t hv__f64_to_u32(uint64_t a, unsigned rm, uint32_t *ff) { return to_int(&F64, a, rm, false, 32, ff); }
uint64_t hv__f64_to_i64(uint64_t a, unsigned rm, uint32_t *ff) { return to_int(&F64, a, rm, true, 64, ff); }
uint64_t hv__f64_to_u64(uint64_t a, unsigned rm, uint32_t *ff) { return to_int(&F64, a, rm, false, 64, ff); }

static uint64_t from_int(const struct fmt *f, bool neg, uint64_t mag, unsigned rm, uint32_t *ff)
{
    if (!mag)
        return pack_zero(f, false);
    return round_pack(f, neg, 0, mag, false, rm, ff);
}

static uint64_t neg_mag(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

uint32_t hv__i32_to_f32(int32_t v, unsigned rm, uint32_t *ff) { return (uint32_t)from_int(&F32, v < 0, neg_mag(v), rm, ff); }
uint32_t hv__u32_to_f32(uint32_t v, unsigned rm, uint32_t *ff) { return (uint32_t)from_int(&F32, false, v, rm, ff); }
uint32_t hv__i64_to_f32(int64_t v, unsigned rm, uint32_t *ff) { return (uint32_t)from_int(&F32, v < 0, neg_mag(v), rm, ff); }
uint32_t hv__u64_to_f32(uint64_t v, unsigned rm, uint32_t *ff) { return (uint32_t)from_int(&F32, false, v, rm, ff); }
uint64_t hv__i32_to_f64(int32_t v, unsigned rm, uint32_t *ff) { return from_int(&F64, v < 0, neg_mag(v), rm, ff); }
uint64_t hv__u32_to_f64(uint32_t v, unsigned rm, uint32_t *ff) { return from_int(&F64, false, v, rm, ff); }
uint64_t hv__i64_to_f64(int64_t v, unsigned rm, uint32_t *ff) { return from_int(&F64, v < 0, neg_mag(v), rm, ff); }
uint64_t hv__u64_to_f64(uint64_t v, unsigned rm, uint32_t *ff) { return from_int(&F64, false, v, rm, ff); }

static uint64_t convert(const struct fmt *from, const struct fmt *to, uint64_t v, unsigned rm,
                        uint32_t *ff)
{
    struct unp u = unpack(from, v);
    switch (u.cls) {
    case C_QNAN: case C_SNAN: return nan_result(to, u.cls == C_SNAN, ff);
    case C_INF: return pack_inf(to, u.sign);
    case C_ZERO: return pack_zero(to, u.sign);
    default: return round_pack(to, u.sign, u.e, u.m, false, rm, ff);
    }
}

uint64_t hv__f32_to_f64(uint32_t a, uint32_t *ff) { return convert(&F32, &F64, a, HV_RM_RNE, ff); }
uint32_t hv__f64_to_f32(uint64_t a, unsigned rm, uint32_t *ff) { return (uint32_t)convert(&F64, &F32, a, rm, ff); }

/* ---- half precision (Zfh): always the software paths ---------------------------------- */

uint16_t hv__f16_add(uint16_t a, uint16_t b, unsigned rm, uint32_t *ff) { return (uint16_t)sf_add(&F16, a, b, false, rm, ff); }
uint16_t hv__f16_sub(uint16_t a, uint16_t b, unsigned rm, uint32_t *ff) { return (uint16_t)sf_add(&F16, a, b, true, rm, ff); }
uint16_t hv__f16_mul(uint16_t a, uint16_t b, unsigned rm, uint32_t *ff) { return (uint16_t)sf_mul(&F16, a, b, rm, ff); }
uint16_t hv__f16_div(uint16_t a, uint16_t b, unsigned rm, uint32_t *ff) { return (uint16_t)sf_div(&F16, a, b, rm, ff); }
uint16_t hv__f16_sqrt(uint16_t a, unsigned rm, uint32_t *ff) { return (uint16_t)sf_sqrt(&F16, a, rm, ff); }
uint16_t hv__f16_fma(uint16_t a, uint16_t b, uint16_t c, bool neg_prod, bool neg_c, unsigned rm,
                     uint32_t *ff)
{
    return (uint16_t)sf_fma(&F16, a, b, c, neg_prod, neg_c, rm, ff);
}
uint16_t hv__f16_min(uint16_t a, uint16_t b, uint32_t *ff) { return (uint16_t)minmax(&F16, a, b, false, ff); }
uint16_t hv__f16_max(uint16_t a, uint16_t b, uint32_t *ff) { return (uint16_t)minmax(&F16, a, b, true, ff); }
bool hv__f16_eq(uint16_t a, uint16_t b, uint32_t *ff) { return compare(&F16, a, b, true, ff) == 0; }
bool hv__f16_lt(uint16_t a, uint16_t b, uint32_t *ff) { return compare(&F16, a, b, false, ff) == 1; }
bool hv__f16_le(uint16_t a, uint16_t b, uint32_t *ff)
{
    int c = compare(&F16, a, b, false, ff);
    return c == 0 || c == 1;
}
uint32_t hv__f16_class(uint16_t a) { return classify(&F16, a); }
uint64_t hv__f16_to_int(uint16_t a, unsigned rm, bool is_signed, unsigned bits, uint32_t *ff)
{
    return to_int(&F16, a, rm, is_signed, bits, ff);
}
uint16_t hv__int_to_f16(uint64_t v, bool is_signed, unsigned bits, unsigned rm, uint32_t *ff)
{
    if (bits == 32)
        v = is_signed ? (uint64_t)(int64_t)(int32_t)v : (uint32_t)v;
    bool neg = is_signed && (int64_t)v < 0;
    return (uint16_t)from_int(&F16, neg, neg ? neg_mag((int64_t)v) : v, rm, ff);
}
uint32_t hv__f16_to_f32(uint16_t a, uint32_t *ff) { return (uint32_t)convert(&F16, &F32, a, HV_RM_RNE, ff); }
uint64_t hv__f16_to_f64(uint16_t a, uint32_t *ff) { return convert(&F16, &F64, a, HV_RM_RNE, ff); }
uint16_t hv__f32_to_f16(uint32_t a, unsigned rm, uint32_t *ff) { return (uint16_t)convert(&F32, &F16, a, rm, ff); }
uint16_t hv__f64_to_f16(uint64_t a, unsigned rm, uint32_t *ff) { return (uint16_t)convert(&F64, &F16, a, rm, ff); }
