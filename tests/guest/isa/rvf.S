/* SPDX-License-Identifier: MIT */
/* RV64F: arithmetic with every rounding mode (static rm and dynamic frm), exception flags
 * (NV DZ OF UF NX, sticky), invalid rounding modes -> illegal, NaN-boxing of inputs and
 * results, canonical NaNs, fmin/fmax with signed zeros and NaNs, compares and their NV
 * rules, fclass, fused multiply-add family, sign injection, and int<->float conversions
 * with saturation. */
#include "test.h"

#define NV 0x10
#define DZ 0x08
#define OF 0x04
#define UF 0x02
#define NX 0x01

/* f3 = op(f1 = a, f2 = b) [, rm]; check f3 (fmv.x.w sign-extends) and this op's flags. */
#define LOAD2(a, b) li t0, a; fmv.w.x f1, t0; li t0, b; fmv.w.x f2, t0
#define CHECKF(exp, flags) fmv.x.w a0, f3; li t6, exp; addiw t6, t6, 0; bne a0, t6, fail; \
    csrr a1, fflags; li t6, flags; bne a1, t6, fail
#define FT2(n, op, rm, exp, a, b, flags) \
    li TESTNUM, n; csrwi fflags, 0; LOAD2(a, b); op f3, f1, f2, rm; CHECKF(exp, flags)
#define FT2N(n, op, exp, a, b, flags) \
    li TESTNUM, n; csrwi fflags, 0; LOAD2(a, b); op f3, f1, f2; CHECKF(exp, flags)
#define FT1(n, op, rm, exp, a, flags) \
    li TESTNUM, n; csrwi fflags, 0; LOAD2(a, 0); op f3, f1, rm; CHECKF(exp, flags)
/* a0 = op(f1 = a) (compare / class / to-integer); check a0 and flags. */
#define FTI(n, exp, a, b, flags, insn...) \
    li TESTNUM, n; csrwi fflags, 0; LOAD2(a, b); insn; li t6, exp; bne a0, t6, fail; \
    csrr a1, fflags; li t6, flags; bne a1, t6, fail
/* f3 = op(a0 = a) (integer to float). */
#define FTC(n, op, rm, exp, a, flags) \
    li TESTNUM, n; csrwi fflags, 0; li a0, a; op f3, a0, rm; CHECKF(exp, flags)
#define FT3(n, op, exp, a, b, c, flags) \
    li TESTNUM, n; csrwi fflags, 0; LOAD2(a, b); li t0, c; fmv.w.x f4, t0; \
    op f3, f1, f2, f4; CHECKF(exp, flags)

#define ONE 0x3f800000
#define TWO 0x40000000
#define THREE 0x40400000
#define HALF 0x3f000000
#define MONE 0xbf800000
#define INF 0x7f800000
#define MINF 0xff800000
#define QNAN 0x7fc00000
#define SNAN 0x7f800001
#define FMAX 0x7f7fffff
#define MZERO 0x80000000
#define TINY 0x33800000     /* 2^-24 */
#define MTINY 0xb3800000

    .text
    .globl test_main
test_main:
    FT2(1, fadd.s, rne, THREE, ONE, TWO, 0)
    FT2(2, fsub.s, rne, MONE, ONE, TWO, 0)
    FT2(3, fmul.s, rne, 0x40c00000, TWO, THREE, 0)
    FT2(4, fdiv.s, rne, 0x3eaaaaab, ONE, THREE, NX)
    FT2(5, fdiv.s, rtz, 0x3eaaaaaa, ONE, THREE, NX)
    FT2(6, fdiv.s, rdn, 0x3eaaaaaa, ONE, THREE, NX)
    FT2(7, fdiv.s, rup, 0x3eaaaaab, ONE, THREE, NX)
    FT2(8, fdiv.s, rdn, 0xbeaaaaab, MONE, THREE, NX)
    FT2(9, fdiv.s, rup, 0xbeaaaaaa, MONE, THREE, NX)
    /* a tie: 1 + 2^-24 */
    FT2(10, fadd.s, rne, ONE, ONE, TINY, NX)
    FT2(11, fadd.s, rtz, ONE, ONE, TINY, NX)
    FT2(12, fadd.s, rdn, ONE, ONE, TINY, NX)
    FT2(13, fadd.s, rup, 0x3f800001, ONE, TINY, NX)
    FT2(14, fadd.s, rmm, 0x3f800001, ONE, TINY, NX)
    FT2(15, fadd.s, rne, MONE, MONE, MTINY, NX)
    FT2(16, fadd.s, rdn, 0xbf800001, MONE, MTINY, NX)
    FT2(17, fadd.s, rup, MONE, MONE, MTINY, NX)
    FT2(18, fadd.s, rmm, 0xbf800001, MONE, MTINY, NX)
    /* dynamic rounding through frm */
    li gp, 19
    csrwi frm, 1                        /* RTZ */
    csrwi fflags, 0
    LOAD2(ONE, THREE)
    fdiv.s f3, f1, f2, dyn
    CHECKF(0x3eaaaaaa, NX)
    csrwi frm, 3                        /* RUP */
    csrwi fflags, 0
    fadd.s f3, f1, f2                   /* default rm is dyn */
    CHECKF(0x40800000, 0)
    LOAD2(ONE, TINY)
    csrwi fflags, 0
    fadd.s f3, f1, f2
    CHECKF(0x3f800001, NX)
    csrwi frm, 0
    /* invalid rounding modes */
    li a0, 5
    csrw frm, a0
    TEST_TRAP_M(20, CAUSE_ILLEGAL, fadd.s f3, f1, f2, dyn)
    li a0, 7
    csrw frm, a0
    TEST_TRAP_M(21, CAUSE_ILLEGAL, fadd.s f3, f1, f2, dyn)
    csrwi frm, 0
    TEST_TRAP_M(22, CAUSE_ILLEGAL, .insn r 0x53, 5, 0, f3, f1, f2)   /* static rm 5 */
    TEST_TRAP_M(23, CAUSE_ILLEGAL, .insn r 0x53, 6, 0, f3, f1, f2)
    /* special values and flags */
    FT2(24, fdiv.s, rne, INF, ONE, 0, DZ)
    FT2(25, fdiv.s, rne, QNAN, 0, 0, NV)
    FT2(26, fadd.s, rne, INF, FMAX, FMAX, OF | NX)
    FT2(27, fadd.s, rtz, FMAX, FMAX, FMAX, OF | NX)
    FT2(28, fmul.s, rne, 0, 1, HALF, UF | NX)           /* 2^-150: tie to even 0 */
    FT2(29, fmul.s, rne, 0x00400000, 0x00800000, HALF, 0)   /* exact subnormal */
    FT2(30, fsub.s, rne, QNAN, INF, INF, NV)
    FT2(31, fadd.s, rne, QNAN, SNAN, ONE, NV)          /* result is the canonical NaN */
    FT2(32, fadd.s, rne, QNAN, 0x7fc12345, ONE, 0)      /* qNaN payload not propagated */
    FT1(33, fsqrt.s, rne, TWO, 0x40800000, 0)
    FT1(34, fsqrt.s, rne, 0x3fb504f3, TWO, NX)
    FT1(35, fsqrt.s, rne, QNAN, MONE, NV)
    FT1(36, fsqrt.s, rne, MZERO, MZERO, 0)
    /* sticky flags */
    li gp, 37
    csrwi fflags, 0
    LOAD2(ONE, 0)
    fdiv.s f3, f1, f2
    LOAD2(ONE, THREE)
    fdiv.s f3, f1, f2
    csrr a0, fflags
    EXPECT(a0, DZ | NX)
    /* min / max */
    FT2N(40, fmin.s, MZERO, MZERO, 0, 0)
    FT2N(41, fmin.s, MZERO, 0, MZERO, 0)
    FT2N(42, fmax.s, 0, MZERO, 0, 0)
    FT2N(43, fmin.s, ONE, QNAN, ONE, 0)
    FT2N(44, fmax.s, ONE, ONE, QNAN, 0)
    FT2N(45, fmin.s, ONE, SNAN, ONE, NV)
    FT2N(46, fmax.s, QNAN, QNAN, SNAN, NV)
    FT2N(47, fmin.s, MONE, MONE, TWO, 0)
    FT2N(48, fmax.s, INF, MINF, INF, 0)
    /* compares */
    FTI(50, 1, ONE, ONE, 0, feq.s a0, f1, f2)
    FTI(51, 1, MZERO, 0, 0, feq.s a0, f1, f2)
    FTI(52, 0, QNAN, ONE, 0, feq.s a0, f1, f2)
    FTI(53, 0, SNAN, ONE, NV, feq.s a0, f1, f2)
    FTI(54, 0, QNAN, ONE, NV, flt.s a0, f1, f2)
    FTI(55, 0, ONE, QNAN, NV, fle.s a0, f1, f2)
    FTI(56, 1, MONE, ONE, 0, flt.s a0, f1, f2)
    FTI(57, 0, MZERO, 0, 0, flt.s a0, f1, f2)
    FTI(58, 1, MZERO, 0, 0, fle.s a0, f1, f2)
    FTI(59, 1, MINF, MINF, 0, fle.s a0, f1, f2)
    /* fclass */
    FTI(60, 0x001, MINF, 0, 0, fclass.s a0, f1)
    FTI(61, 0x002, MONE, 0, 0, fclass.s a0, f1)
    FTI(62, 0x004, 0x80000001, 0, 0, fclass.s a0, f1)
    FTI(63, 0x008, MZERO, 0, 0, fclass.s a0, f1)
    FTI(64, 0x010, 0, 0, 0, fclass.s a0, f1)
    FTI(65, 0x020, 0x007fffff, 0, 0, fclass.s a0, f1)
    FTI(66, 0x040, ONE, 0, 0, fclass.s a0, f1)
    FTI(67, 0x080, INF, 0, 0, fclass.s a0, f1)
    FTI(68, 0x100, SNAN, 0, 0, fclass.s a0, f1)
    FTI(69, 0x200, QNAN, 0, 0, fclass.s a0, f1)
    /* fused multiply-add */
    FT3(70, fmadd.s, 0x40e00000, TWO, THREE, ONE, 0)      /*  2*3+1 */
    FT3(71, fmsub.s, 0x40a00000, TWO, THREE, ONE, 0)      /*  2*3-1 */
    FT3(72, fnmsub.s, 0xc0a00000, TWO, THREE, ONE, 0)     /* -2*3+1 */
    FT3(73, fnmadd.s, 0xc0e00000, TWO, THREE, ONE, 0)     /* -2*3-1 */
    FT3(74, fmadd.s, QNAN, INF, 0, ONE, NV)
    FT3(75, fmadd.s, QNAN, INF, 0, QNAN, NV)              /* inf*0 with qNaN addend: NV */
    FT3(76, fmadd.s, 0xa8800000, 0x3f800001, 0x3f7ffffe, MONE, 0)  /* fused: exactly -2^-46 */
    /* sign injection */
    FT2N(80, fsgnj.s, MONE, ONE, MTINY, 0)
    FT2N(81, fsgnjn.s, ONE, ONE, MTINY, 0)
    FT2N(82, fsgnjx.s, ONE, MONE, MTINY, 0)
    FT2N(83, fsgnjx.s, MONE, MONE, TINY, 0)
    FT2N(84, fsgnj.s, 0x7fc00001, 0xffc00001, 0, 0)          /* NaNs copied bit-exactly */
    /* NaN-boxing */
    li gp, 85
    li a0, 0x000000003f800000
    fmv.d.x f1, a0                      /* not a boxed single */
    fadd.s f3, f1, f1
    fmv.x.d a1, f3
    EXPECT(a1, 0xffffffff7fc00000)      /* canonical NaN, boxed */
    li gp, 86
    li a0, MONE
    fmv.w.x f2, a0
    fsgnj.s f3, f1, f2
    fmv.x.d a1, f3
    EXPECT(a1, 0xffffffffffc00000)      /* unboxed input reads as the canonical NaN */
    li gp, 87
    fmv.x.w a1, f1                      /* moves the low bits without checking */
    EXPECT(a1, 0x3f800000)
    li gp, 88
    la s0, fbuf
    li a0, 0x40490fdb
    sw a0, 0(s0)
    flw f5, 0(s0)
    fmv.x.d a1, f5
    EXPECT(a1, 0xffffffff40490fdb)
    li a0, 0x123456789abcdef0
    fmv.d.x f6, a0
    fsw f6, 4(s0)                       /* stores the low 32 bits as they are */
    lwu a1, 4(s0)
    EXPECT(a1, 0x9abcdef0)
    li gp, 89
    li a0, 0xbf800000
    fmv.w.x f7, a0
    fmv.x.w a1, f7
    EXPECT(a1, 0xffffffffbf800000)
    /* float -> int */
    FTI(90, 2, 0x40200000, 0, NX, fcvt.w.s a0, f1, rne)
    FTI(91, 3, 0x40200000, 0, NX, fcvt.w.s a0, f1, rmm)
    FTI(92, 3, 0x40200000, 0, NX, fcvt.w.s a0, f1, rup)
    FTI(93, 2, 0x40200000, 0, NX, fcvt.w.s a0, f1, rdn)
    FTI(94, 2, 0x40200000, 0, NX, fcvt.w.s a0, f1, rtz)
    FTI(95, -2, 0xc0200000, 0, NX, fcvt.w.s a0, f1, rne)
    FTI(96, -3, 0xc0200000, 0, NX, fcvt.w.s a0, f1, rmm)
    FTI(97, -2, 0xc0200000, 0, NX, fcvt.w.s a0, f1, rup)
    FTI(98, -3, 0xc0200000, 0, NX, fcvt.w.s a0, f1, rdn)
    FTI(99, 0x7fffffff, QNAN, 0, NV, fcvt.w.s a0, f1, rtz)
    FTI(100, 0x7fffffff, INF, 0, NV, fcvt.w.s a0, f1, rtz)
    FTI(101, 0xffffffff80000000, MINF, 0, NV, fcvt.w.s a0, f1, rtz)
    FTI(102, 0x7fffffff, 0x4f32d05e, 0, NV, fcvt.w.s a0, f1, rtz)     /* 3e9 */
    FTI(103, 0xffffffff80000000, 0xcf000000, 0, 0, fcvt.w.s a0, f1, rtz)  /* -2^31 exact */
    FTI(104, 0, MONE, 0, NV, fcvt.wu.s a0, f1, rtz)
    FTI(105, 0, 0xbf000000, 0, NX, fcvt.wu.s a0, f1, rtz)            /* -0.5 -> 0 */
    FTI(106, 0xffffffffee6b2800, 0x4f6e6b28, 0, 0, fcvt.wu.s a0, f1, rtz)  /* 4e9 */
    FTI(107, 0xffffffffffffffff, QNAN, 0, NV, fcvt.wu.s a0, f1, rtz)
    FTI(108, 0x7fffffffffffffff, QNAN, 0, NV, fcvt.l.s a0, f1, rtz)
    FTI(109, 0x8000000000000000, MINF, 0, NV, fcvt.l.s a0, f1, rtz)
    FTI(110, 0, MINF, 0, NV, fcvt.lu.s a0, f1, rtz)
    FTI(111, 0xffffffffffffffff, INF, 0, NV, fcvt.lu.s a0, f1, rtz)
    FTI(112, 0xffffffff00000000, 0xcf800000, 0, 0, fcvt.l.s a0, f1, rtz)   /* -2^32 */
    /* int -> float */
    FTC(120, fcvt.s.w, rne, MONE, -1, 0)
    FTC(121, fcvt.s.w, rne, 0xcf000000, 0x80000000, 0)          /* only the low word */
    FTC(122, fcvt.s.wu, rne, 0x4f800000, 0xffffffff, NX)
    FTC(123, fcvt.s.l, rne, 0x4b800000, 16777217, NX)
    FTC(124, fcvt.s.l, rup, 0x4b800001, 16777217, NX)
    FTC(125, fcvt.s.lu, rne, 0x5f800000, -1, NX)
    FTC(126, fcvt.s.l, rne, 0xdf000000, 0x8000000000000000, 0)
    FTC(127, fcvt.s.w, rne, 0, 0, 0)
    /* FP state: an FP instruction makes FS dirty */
    li gp, 130
    li a0, MSTATUS_FS
    csrc mstatus, a0
    li a0, (1 << 13)
    csrs mstatus, a0
    fadd.s f3, f1, f2
    csrr a0, mstatus
    srli a0, a0, 13
    andi a0, a0, 3
    EXPECT(a0, 3)
    PASS

    .data
    .align 3
fbuf: .dword 0, 0
