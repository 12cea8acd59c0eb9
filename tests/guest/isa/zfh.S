/* SPDX-License-Identifier: MIT */
/* Zfh / Zfhmin: half-precision arithmetic in every rounding mode with exact flags (ties,
 * overflow, underflow, double rounding in fcvt.h.d), NaN-boxing of inputs (a half whose
 * bits 63:16 are not all ones reads as the canonical NaN) and results, canonical NaNs,
 * flh/fsh/fmv moving raw bits, fclass, compares and their NV rules, fmin/fmax, fused
 * multiply-add, and conversions to and from integers, singles and doubles. */
#include "test.h"
    .option arch, +zfh

#define NV 0x10
#define DZ 0x08
#define OF 0x04
#define UF 0x02
#define NX 0x01

/* f1 = a, f2 = b (boxed halves); f3 = result; fmv.x.h sign-extends bit 15. */
#define LOADH(a, b) li t0, a; fmv.h.x f1, t0; li t0, b; fmv.h.x f2, t0
#define CHECKH(exp, flags) fmv.x.h a0, f3; li t6, exp; slli t6, t6, 48; srai t6, t6, 48; \
    bne a0, t6, fail; csrr a1, fflags; li t6, flags; bne a1, t6, fail
#define HT2(n, op, rm, exp, a, b, flags) \
    li TESTNUM, n; csrwi fflags, 0; LOADH(a, b); op f3, f1, f2, rm; CHECKH(exp, flags)
#define HT2N(n, op, exp, a, b, flags) \
    li TESTNUM, n; csrwi fflags, 0; LOADH(a, b); op f3, f1, f2; CHECKH(exp, flags)
#define HT1(n, op, rm, exp, a, flags) \
    li TESTNUM, n; csrwi fflags, 0; LOADH(a, 0); op f3, f1, rm; CHECKH(exp, flags)
#define HT3(n, op, exp, a, b, c, flags) \
    li TESTNUM, n; csrwi fflags, 0; LOADH(a, b); li t0, c; fmv.h.x f4, t0; \
    op f3, f1, f2, f4; CHECKH(exp, flags)
/* a0 = insn (compare / class / to-integer) with f1 = a, f2 = b. */
#define HTI(n, exp, a, b, flags, insn...) \
    li TESTNUM, n; csrwi fflags, 0; LOADH(a, b); insn; li t6, exp; bne a0, t6, fail; \
    csrr a1, fflags; li t6, flags; bne a1, t6, fail
/* f3 = op(a0 = a) (integer to half). */
#define HTC(n, op, rm, exp, a, flags) \
    li TESTNUM, n; csrwi fflags, 0; li a0, a; op f3, a0, rm; CHECKH(exp, flags)
/* f3 = op(half a) widened; mv reads it back (fmv.x.w / fmv.x.d) and compares with exp. */
#define WIDEN(op, mv, exp, a) LOADH(a, 0); op f3, f1; mv a0, f3; li t6, exp; bne a0, t6, fail
/* Raw 64-bit f3 check. */
#define CHECKRAW(exp, flags) fmv.x.d a0, f3; li t6, exp; bne a0, t6, fail; \
    csrr a1, fflags; li t6, flags; bne a1, t6, fail

#define ONE 0x3c00
#define TWO 0x4000
#define THREE 0x4200
#define FIVE 0x4500
#define HALF 0x3800
#define MONE 0xbc00
#define INF 0x7c00
#define MINF 0xfc00
#define QNAN 0x7e00
#define SNAN 0x7c01
#define HMAX 0x7bff          /* 65504 */
#define MZERO 0x8000
#define ULP1 0x1000          /* 2^-11: half an ulp of 1.0 */
#define MINNORM 0x0400       /* 2^-14 */
#define MINSUB 0x0001        /* 2^-24 */

    .text
    .globl test_main
test_main:
    HT2(1, fadd.h, rne, THREE, ONE, TWO, 0)
    HT2(2, fsub.h, rne, MONE, ONE, TWO, 0)
    HT2(3, fmul.h, rne, 0x4600, TWO, THREE, 0)
    HT2(4, fdiv.h, rne, 0x3555, ONE, THREE, NX)
    HT2(5, fdiv.h, rtz, 0x3555, ONE, THREE, NX)
    HT2(6, fdiv.h, rdn, 0x3555, ONE, THREE, NX)
    HT2(7, fdiv.h, rup, 0x3556, ONE, THREE, NX)
    HT2(8, fdiv.h, rdn, 0xb556, MONE, THREE, NX)
    HT2(9, fdiv.h, rmm, 0x3555, ONE, THREE, NX)
    /* ties: 1 + 2^-11 */
    HT2(10, fadd.h, rne, ONE, ONE, ULP1, NX)
    HT2(11, fadd.h, rtz, ONE, ONE, ULP1, NX)
    HT2(12, fadd.h, rup, 0x3c01, ONE, ULP1, NX)
    HT2(13, fadd.h, rmm, 0x3c01, ONE, ULP1, NX)
    HT2(14, fadd.h, rdn, 0xbc01, MONE, 0x9000, NX)
    /* overflow */
    HT2(15, fadd.h, rne, INF, HMAX, HMAX, OF | NX)
    HT2(16, fadd.h, rtz, HMAX, HMAX, HMAX, OF | NX)
    HT2(17, fmul.h, rdn, MINF, HMAX, 0xc000, OF | NX)
    HT2(18, fmul.h, rup, 0xfbff, HMAX, 0xc000, OF | NX)
    /* subnormals: exact results raise nothing, inexact tiny ones UF | NX */
    HT2(19, fmul.h, rne, 0x0200, MINNORM, HALF, 0)
    HT2(20, fmul.h, rne, 0x0000, MINSUB, HALF, UF | NX)
    HT2(21, fmul.h, rup, MINSUB, MINSUB, HALF, UF | NX)
    HT2(22, fmul.h, rne, 0x0002, 0x0003, HALF, UF | NX)
    HT2(23, fsub.h, rne, 0x0001, 0x0401, MINNORM, 0)
    /* division by zero, invalid operations */
    HT2(24, fdiv.h, rne, INF, ONE, 0, DZ)
    HT2(25, fdiv.h, rne, QNAN, 0, 0, NV)
    HT2(26, fsub.h, rne, QNAN, INF, INF, NV)
    HT2(27, fmul.h, rne, QNAN, INF, 0, NV)
    HT2(28, fadd.h, rne, QNAN, SNAN, ONE, NV)
    HT2(29, fadd.h, rne, QNAN, 0x7e55, ONE, 0)      /* quiet NaN in, canonical out */
    HT2(30, fadd.h, rdn, MZERO, ONE, MONE, 0)        /* x - x = -0 only in RDN */
    HT2(31, fadd.h, rne, 0, ONE, MONE, 0)
    /* sqrt */
    HT1(32, fsqrt.h, rne, 0x3da8, TWO, NX)
    HT1(33, fsqrt.h, rup, 0x3da9, TWO, NX)
    HT1(34, fsqrt.h, rne, QNAN, MONE, NV)
    HT1(35, fsqrt.h, rne, MZERO, MZERO, 0)
    HT1(36, fsqrt.h, rne, 0x4400, 0x4c00, 0)         /* sqrt(16) = 4 */
    /* fused multiply-add family (one rounding) */
    HT3(37, fmadd.h, FIVE, ONE, TWO, THREE, 0)
    HT3(38, fmsub.h, 0xbc00, ONE, TWO, THREE, 0)
    HT3(39, fnmsub.h, ONE, ONE, TWO, THREE, 0)
    HT3(40, fnmadd.h, 0xc500, ONE, TWO, THREE, 0)
    HT3(41, fmadd.h, QNAN, INF, 0, QNAN, NV)         /* inf * 0 + qNaN raises NV */
    /* (1 + 2^-10)^2 - 1 = 2^-9 + 2^-20 rounded up once (rounding the product first
     * would give 2^-9 + 2^-10) */
    li TESTNUM, 42
    csrwi fflags, 0
    LOADH(0x3c01, ONE)
    fmsub.h f3, f1, f1, f2, rup
    CHECKH(0x1801, NX)
    /* dynamic rounding */
    li TESTNUM, 43
    csrwi frm, 3
    csrwi fflags, 0
    LOADH(ONE, THREE)
    fdiv.h f3, f1, f2
    CHECKH(0x3556, NX)
    csrwi frm, 0
    /* NaN-boxing: an unboxed input is the canonical NaN */
    li TESTNUM, 44
    csrwi fflags, 0
    li t0, ONE
    fmv.d.x f1, t0                      /* bits 63:16 zero: not a valid half */
    LOADH(0, ONE)
    fmv.d.x f1, t0
    fadd.h f3, f1, f2
    CHECKRAW(0xffffffffffff7e00, 0)
    li TESTNUM, 45
    li t0, 0xffffffff00003c00           /* boxed as a single, not as a half */
    fmv.d.x f1, t0
    fsgnjn.h f3, f1, f1
    CHECKRAW(0xfffffffffffffe00, 0)
    li TESTNUM, 46
    li t0, 0xfffffffffffe3c00           /* one bit of the box clear */
    fmv.d.x f1, t0
    fcvt.s.h f3, f1
    fmv.x.w a0, f3
    li t6, 0x7fc00000
    addiw t6, t6, 0
    bne a0, t6, fail
    /* fmv.x.h / fsh / flh move raw bits */
    li TESTNUM, 47
    li t0, 0x0000000012348765
    fmv.d.x f1, t0
    fmv.x.h a0, f1
    li t6, 0xffffffffffff8765
    bne a0, t6, fail
    la t1, hbuf
    fsh f1, 2(t1)
    lhu a0, 2(t1)
    li t6, 0x8765
    bne a0, t6, fail
    li t0, 0x4321
    sh t0, 4(t1)
    flh f5, 4(t1)
    fmv.x.d a0, f5
    li t6, 0xffffffffffff4321
    bne a0, t6, fail
    fmv.h.x f6, t0
    fmv.x.d a0, f6
    bne a0, t6, fail
    /* sign injection with boxed inputs */
    HT2N(48, fsgnj.h, 0xbc00, ONE, 0x8000, 0)
    HT2N(49, fsgnjn.h, ONE, MONE, MONE, 0)
    HT2N(50, fsgnjx.h, 0xbc00, MONE, ONE, 0)
    HT2N(51, fsgnjx.h, ONE, MONE, 0x8000, 0)
    /* min / max */
    HT2N(52, fmin.h, MZERO, 0, MZERO, 0)
    HT2N(53, fmax.h, 0, MZERO, 0, 0)
    HT2N(54, fmin.h, ONE, QNAN, ONE, 0)
    HT2N(55, fmax.h, ONE, SNAN, ONE, NV)
    HT2N(56, fmin.h, QNAN, SNAN, QNAN, NV)
    HT2N(57, fmax.h, TWO, ONE, TWO, 0)
    /* compares */
    HTI(58, 1, ONE, ONE, 0, feq.h a0, f1, f2)
    HTI(59, 1, 0, MZERO, 0, feq.h a0, f1, f2)
    HTI(60, 0, QNAN, ONE, 0, feq.h a0, f1, f2)
    HTI(61, 0, SNAN, ONE, NV, feq.h a0, f1, f2)
    HTI(62, 0, QNAN, ONE, NV, flt.h a0, f1, f2)
    HTI(63, 1, ONE, TWO, 0, flt.h a0, f1, f2)
    HTI(64, 1, MZERO, 0, 0, fle.h a0, f1, f2)
    HTI(65, 0, MZERO, 0, 0, flt.h a0, f1, f2)
    HTI(66, 0, ONE, QNAN, NV, fle.h a0, f1, f2)
    /* fclass */
    HTI(67, 0x001, MINF, 0, 0, fclass.h a0, f1)
    HTI(68, 0x002, MONE, 0, 0, fclass.h a0, f1)
    HTI(69, 0x004, 0x8001, 0, 0, fclass.h a0, f1)
    HTI(70, 0x008, MZERO, 0, 0, fclass.h a0, f1)
    HTI(71, 0x010, 0, 0, 0, fclass.h a0, f1)
    HTI(72, 0x020, 0x03ff, 0, 0, fclass.h a0, f1)
    HTI(73, 0x040, HMAX, 0, 0, fclass.h a0, f1)
    HTI(74, 0x080, INF, 0, 0, fclass.h a0, f1)
    HTI(75, 0x100, SNAN, 0, 0, fclass.h a0, f1)
    HTI(76, 0x200, QNAN, 0, 0, fclass.h a0, f1)
    /* half -> integer, with saturation */
    HTI(77, 65504, HMAX, 0, 0, fcvt.w.h a0, f1, rtz)
    HTI(78, -2, 0xbe00, 0, NX, fcvt.w.h a0, f1, rne)        /* -1.5 */
    HTI(79, -1, 0xbe00, 0, NX, fcvt.w.h a0, f1, rtz)
    HTI(80, 2, 0x3e00, 0, NX, fcvt.l.h a0, f1, rmm)         /* 1.5 */
    HTI(81, 1, 0x3e00, 0, NX, fcvt.lu.h a0, f1, rdn)
    HTI(82, 0, MONE, 0, NV, fcvt.wu.h a0, f1, rtz)
    HTI(83, 0, 0xb800, 0, NX, fcvt.wu.h a0, f1, rtz)        /* -0.5 truncates to 0 */
    HTI(84, 0x7fffffff, INF, 0, NV, fcvt.w.h a0, f1, rtz)
    HTI(85, 0x7fffffff, QNAN, 0, NV, fcvt.w.h a0, f1, rtz)
    HTI(86, 0xffffffff80000000, MINF, 0, NV, fcvt.w.h a0, f1, rtz)
    HTI(87, 0x7fffffffffffffff, SNAN, 0, NV, fcvt.l.h a0, f1, rtz)
    HTI(88, -1, QNAN, 0, NV, fcvt.lu.h a0, f1, rtz)
    HTI(89, 65504, HMAX, 0, 0, fcvt.wu.h a0, f1, rtz)
    /* integer -> half */
    HTC(90, fcvt.h.w, rne, THREE, 3, 0)
    HTC(91, fcvt.h.w, rne, HMAX, 65505, NX)
    HTC(92, fcvt.h.w, rne, INF, 65520, OF | NX)             /* tie rounds up to 2^16 */
    HTC(93, fcvt.h.w, rtz, HMAX, 70000, OF | NX)
    HTC(94, fcvt.h.w, rne, 0xfbff, -65504, 0)
    HTC(95, fcvt.h.wu, rne, INF, -1, OF | NX)               /* 2^32 - 1 */
    HTC(96, fcvt.h.l, rdn, 0xfc00, 0x8000000000000000, OF | NX)
    HTC(97, fcvt.h.lu, rtz, HMAX, -1, OF | NX)
    HTC(98, fcvt.h.w, rne, 0x6c00, 4097, NX)                 /* ulp 4 above 4096 */
    HTC(99, fcvt.h.w, rne, 0x6c01, 4099, NX)
    HTC(110, fcvt.h.w, rne, 0x6c00, 4098, NX)                /* ties to even */
    HTC(111, fcvt.h.w, rne, 0x6c02, 4102, NX)
    HTC(112, fcvt.h.w, rmm, 0x6c01, 4098, NX)
    HTC(100, fcvt.h.l, rne, 0, 0, 0)
    /* single / double <-> half */
    li TESTNUM, 101
    csrwi fflags, 0
    li t0, 0x3eaaaaab                   /* 1/3 as a single */
    fmv.w.x f1, t0
    fcvt.h.s f3, f1
    CHECKH(0x3555, NX)
    li TESTNUM, 102
    csrwi fflags, 0
    li t0, 0x7f800001                   /* sNaN single */
    fmv.w.x f1, t0
    fcvt.h.s f3, f1
    CHECKH(QNAN, NV)
    li TESTNUM, 103
    csrwi fflags, 0
    li t0, 0x322bcc77                   /* 1e-8: below half the smallest subnormal */
    fmv.w.x f1, t0
    fcvt.h.s f3, f1, rne
    CHECKH(0, UF | NX)
    li TESTNUM, 104
    csrwi fflags, 0
    li t0, 0x477ff000                   /* 65520.0: rounds to 65504 unbounded, no OF */
    fmv.w.x f1, t0
    fcvt.h.s f3, f1, rtz
    CHECKH(HMAX, NX)
    li TESTNUM, 105
    csrwi fflags, 0
    li t0, 0x3ff0020000001000           /* 1 + 2^-11 + 2^-40: just above a tie */
    fmv.d.x f1, t0
    fcvt.h.d f3, f1, rne
    CHECKH(0x3c01, NX)
    li TESTNUM, 106
    csrwi fflags, 0
    li t0, 0x3fd5555555555555
    fmv.d.x f1, t0
    fcvt.h.d f3, f1, rup
    CHECKH(0x3556, NX)
    li TESTNUM, 107
    csrwi fflags, 0
    WIDEN(fcvt.s.h, fmv.x.w, 0x3eaaa000, 0x3555)
    WIDEN(fcvt.s.h, fmv.x.w, 0x33800000, MINSUB)
    WIDEN(fcvt.d.h, fmv.x.d, 0x7ff8000000000000, SNAN)
    csrr a1, fflags
    li t6, NV
    bne a1, t6, fail
    WIDEN(fcvt.d.h, fmv.x.d, 0xbff0000000000000, MONE)
    /* reserved rounding modes are illegal */
    li TESTNUM, 108
    CLEAR_TRAPS
    .insn r 0x53, 5, 0x02, f3, f1, f2     /* fadd.h rm = 5 */
    CHECK_MCOUNT(1)
    CHECK_MCAUSE(CAUSE_ILLEGAL)
    /* with FS = Off every Zfh instruction is illegal */
    li TESTNUM, 109
    li t0, MSTATUS_FS
    csrc mstatus, t0
    CLEAR_TRAPS
    la t1, hbuf
    flh f1, 0(t1)
    CHECK_MCOUNT(1)
    CHECK_MCAUSE(CAUSE_ILLEGAL)
    li t0, (1 << 13)
    csrs mstatus, t0
    PASS

    .data
    .align 3
hbuf: .dword 0, 0
