/* SPDX-License-Identifier: MIT */
/* RV64D: arithmetic and rounding modes, flags, canonical NaN, fused multiply-add (a case
 * where fusing changes the result), min/max/compare/class, conversions between double,
 * single and integers (saturation, NaN), and NaN-boxing of fcvt.s.d results. */
#include "test.h"

#define NV 0x10
#define DZ 0x08
#define OF 0x04
#define UF 0x02
#define NX 0x01

#define LOAD2(a, b) li t0, a; fmv.d.x f1, t0; li t0, b; fmv.d.x f2, t0
#define CHECKD(exp, flags) fmv.x.d a0, f3; li t6, exp; bne a0, t6, fail; \
    csrr a1, fflags; li t6, flags; bne a1, t6, fail
#define FT2(n, op, rm, exp, a, b, flags) \
    li TESTNUM, n; csrwi fflags, 0; LOAD2(a, b); op f3, f1, f2, rm; CHECKD(exp, flags)
#define FT2N(n, op, exp, a, b, flags) \
    li TESTNUM, n; csrwi fflags, 0; LOAD2(a, b); op f3, f1, f2; CHECKD(exp, flags)
#define FT1(n, op, rm, exp, a, flags) \
    li TESTNUM, n; csrwi fflags, 0; LOAD2(a, 0); op f3, f1, rm; CHECKD(exp, flags)
#define FT3(n, op, exp, a, b, c, flags) \
    li TESTNUM, n; csrwi fflags, 0; LOAD2(a, b); li t0, c; fmv.d.x f4, t0; \
    op f3, f1, f2, f4; CHECKD(exp, flags)
#define FTI(n, exp, a, b, flags, insn...) \
    li TESTNUM, n; csrwi fflags, 0; LOAD2(a, b); insn; li t6, exp; bne a0, t6, fail; \
    csrr a1, fflags; li t6, flags; bne a1, t6, fail
#define FTC(n, op, rm, exp, a, flags) \
    li TESTNUM, n; csrwi fflags, 0; li a0, a; op f3, a0, rm; CHECKD(exp, flags)

#define ONE 0x3ff0000000000000
#define TWO 0x4000000000000000
#define THREE 0x4008000000000000
#define MONE 0xbff0000000000000
#define INF 0x7ff0000000000000
#define MINF 0xfff0000000000000
#define QNAN 0x7ff8000000000000
#define SNAN 0x7ff0000000000001
#define DMAX 0x7fefffffffffffff
#define MZERO 0x8000000000000000
#define TINY 0x3ca0000000000000      /* 2^-53 */

    .text
    .globl test_main
test_main:
    FT2(1, fadd.d, rne, THREE, ONE, TWO, 0)
    FT2(2, fsub.d, rne, MONE, ONE, TWO, 0)
    FT2(3, fmul.d, rne, 0x4018000000000000, TWO, THREE, 0)
    FT2(4, fdiv.d, rne, 0x3fd5555555555555, ONE, THREE, NX)
    FT2(5, fdiv.d, rup, 0x3fd5555555555556, ONE, THREE, NX)
    FT2(6, fdiv.d, rtz, 0x3fd5555555555555, ONE, THREE, NX)
    FT2(7, fdiv.d, rdn, 0xbfd5555555555556, MONE, THREE, NX)
    FT2(8, fadd.d, rne, ONE, ONE, TINY, NX)                   /* tie to even */
    FT2(9, fadd.d, rmm, 0x3ff0000000000001, ONE, TINY, NX)
    FT2(10, fadd.d, rup, 0x3ff0000000000001, ONE, TINY, NX)
    FT2(11, fadd.d, rdn, ONE, ONE, TINY, NX)
    FT2(12, fdiv.d, rne, INF, ONE, 0, DZ)
    FT2(13, fdiv.d, rne, MINF, MONE, 0, DZ)
    FT2(14, fdiv.d, rne, QNAN, 0, 0, NV)
    FT2(15, fadd.d, rne, INF, DMAX, DMAX, OF | NX)
    FT2(16, fadd.d, rtz, DMAX, DMAX, DMAX, OF | NX)
    FT2(17, fadd.d, rdn, DMAX, DMAX, DMAX, OF | NX)
    FT2(18, fmul.d, rne, 0, 1, 0x3fe0000000000000, UF | NX)
    FT2(19, fadd.d, rne, QNAN, SNAN, ONE, NV)
    FT1(20, fsqrt.d, rne, 0x3ff6a09e667f3bcd, TWO, NX)
    FT1(21, fsqrt.d, rne, QNAN, MONE, NV)
    FT1(22, fsqrt.d, rne, MZERO, MZERO, 0)
    /* fused: x*x - (1 + 2^-26) with x = 1 + 2^-27 is exactly 2^-54; unfused it is 0 */
    FT3(30, fmadd.d, 0x3c90000000000000, 0x3ff0000002000000, 0x3ff0000002000000, 0xbff0000004000000, 0)
    FT3(31, fmsub.d, 0x4014000000000000, TWO, THREE, ONE, 0)
    FT3(32, fnmsub.d, 0xc014000000000000, TWO, THREE, ONE, 0)
    FT3(33, fnmadd.d, 0xc01c000000000000, TWO, THREE, ONE, 0)
    FT3(34, fmadd.d, QNAN, INF, 0, ONE, NV)
    /* min/max/sign */
    FT2N(40, fmin.d, MZERO, 0, MZERO, 0)
    FT2N(41, fmax.d, 0, MZERO, 0, 0)
    FT2N(42, fmin.d, ONE, QNAN, ONE, 0)
    FT2N(43, fmax.d, ONE, SNAN, ONE, NV)
    FT2N(44, fmin.d, QNAN, QNAN, QNAN, 0)
    FT2N(45, fsgnj.d, MONE, ONE, MZERO, 0)
    FT2N(46, fsgnjn.d, MONE, ONE, 0, 0)
    FT2N(47, fsgnjx.d, ONE, MONE, MONE, 0)
    /* compare and class */
    FTI(50, 1, ONE, ONE, 0, feq.d a0, f1, f2)
    FTI(51, 0, QNAN, QNAN, 0, feq.d a0, f1, f2)
    FTI(52, 0, SNAN, ONE, NV, feq.d a0, f1, f2)
    FTI(53, 0, QNAN, ONE, NV, flt.d a0, f1, f2)
    FTI(54, 1, MZERO, 0, 0, fle.d a0, f1, f2)
    FTI(55, 1, MINF, ONE, 0, flt.d a0, f1, f2)
    FTI(56, 0x001, MINF, 0, 0, fclass.d a0, f1)
    FTI(57, 0x004, 0x8000000000000001, 0, 0, fclass.d a0, f1)
    FTI(58, 0x008, MZERO, 0, 0, fclass.d a0, f1)
    FTI(59, 0x020, 0x000fffffffffffff, 0, 0, fclass.d a0, f1)
    FTI(60, 0x040, ONE, 0, 0, fclass.d a0, f1)
    FTI(61, 0x100, SNAN, 0, 0, fclass.d a0, f1)
    FTI(62, 0x200, QNAN, 0, 0, fclass.d a0, f1)
    /* double -> int */
    FTI(70, 0x7fffffff, 0x41e65a0bc0000000, 0, NV, fcvt.w.d a0, f1, rtz)     /* 3e9 */
    FTI(71, 0xffffffffb2d05e00, 0x41e65a0bc0000000, 0, 0, fcvt.wu.d a0, f1, rtz)
    FTI(72, 0x7fffffffffffffff, 0x43e0000000000000, 0, NV, fcvt.l.d a0, f1, rtz)  /* 2^63 */
    FTI(73, 0x8000000000000000, 0xc3e0000000000000, 0, 0, fcvt.l.d a0, f1, rtz)
    FTI(74, 0xffffffffffffffff, 0x43f0000000000000, 0, NV, fcvt.lu.d a0, f1, rtz) /* 2^64 */
    FTI(75, 0x7fffffffffffffff, QNAN, 0, NV, fcvt.l.d a0, f1, rtz)
    FTI(76, 0, MINF, 0, NV, fcvt.lu.d a0, f1, rtz)
    FTI(77, -2, 0xc004000000000000, 0, NX, fcvt.l.d a0, f1, rne)     /* -2.5 */
    FTI(78, -3, 0xc004000000000000, 0, NX, fcvt.l.d a0, f1, rmm)
    FTI(79, -3, 0xc004000000000000, 0, NX, fcvt.l.d a0, f1, rdn)
    FTI(80, -2, 0xc004000000000000, 0, NX, fcvt.l.d a0, f1, rup)
    FTI(81, 0xffffffff80000000, 0xc1e0000000000000, 0, 0, fcvt.w.d a0, f1, rtz)  /* -2^31 */
    FTI(82, 0x7fffffff, 0x41dfffffffc00000, 0, 0, fcvt.w.d a0, f1, rtz)  /* 2^31-1 exact */
    /* int -> double */
    FTC(90, fcvt.d.l, rne, 0x4340000000000000, 9007199254740993, NX)
    FTC(91, fcvt.d.l, rup, 0x4340000000000001, 9007199254740993, NX)
    FTC(92, fcvt.d.lu, rne, 0x43f0000000000000, -1, NX)
    li gp, 93                           /* exact: no rounding-mode operand */
    csrwi fflags, 0
    li a0, 0x80000000
    fcvt.d.w f3, a0
    CHECKD(0xc1e0000000000000, 0)
    li gp, 94
    li a0, 0xffffffff
    fcvt.d.wu f3, a0
    CHECKD(0x41efffffffe00000, 0)
    FTC(95, fcvt.d.l, rne, 0xc3e0000000000000, 0x8000000000000000, 0)
    /* single <-> double */
    li gp, 100
    csrwi fflags, 0
    li t0, 0x3fc00000                   /* 1.5f */
    fmv.w.x f1, t0
    fcvt.d.s f3, f1
    CHECKD(0x3ff8000000000000, 0)
    li gp, 101
    csrwi fflags, 0
    li t0, 0x7f800001                   /* sNaN single */
    fmv.w.x f1, t0
    fcvt.d.s f3, f1
    CHECKD(QNAN, NV)
    li gp, 102
    csrwi fflags, 0
    li t0, 0x3fd5555555555555
    fmv.d.x f1, t0
    fcvt.s.d f3, f1
    CHECKD(0xffffffff3eaaaaab, NX)      /* result is NaN-boxed */
    li gp, 103
    csrwi fflags, 0
    li t0, DMAX
    fmv.d.x f1, t0
    fcvt.s.d f3, f1
    CHECKD(0xffffffff7f800000, OF | NX)
    li gp, 104
    csrwi fflags, 0
    fcvt.s.d f3, f1, rtz
    CHECKD(0xffffffff7f7fffff, OF | NX)
    li gp, 105
    csrwi fflags, 0
    li t0, 0x7ff8000000012345           /* NaN payload is not kept */
    fmv.d.x f1, t0
    fcvt.s.d f3, f1
    CHECKD(0xffffffff7fc00000, 0)
    /* loads and stores */
    li gp, 110
    la s0, dbuf
    li t0, 0x400921fb54442d18
    sd t0, 0(s0)
    fld f8, 0(s0)
    fsd f8, 8(s0)
    ld a0, 8(s0)
    bne a0, t0, fail
    PASS

    .data
    .align 3
dbuf: .dword 0, 0
