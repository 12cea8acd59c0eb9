/* SPDX-License-Identifier: MIT */
/* RV64A: LR/SC success and failure (no reservation, reservation consumed, other address),
 * SC writes 0/non-zero to rd, LR.W sign-extends, every AMO in W and D width returning the
 * old value (sign-extended for W) and ignoring rs2's upper half for W, AMOs with rd = x0,
 * and misaligned AMO / LR raising an exception instead of being emulated. */
#include "test.h"

/* amo(rd, rs2, (s0)); check rd == old; check memory == new (ld/lw). */
#define AMO_W(n, op, init, src, old, new) \
    li TESTNUM, n; li t0, init; sw t0, 0(s0); li a2, src; op a0, a2, (s0); \
    li t6, old; bne a0, t6, fail; lw a1, 0(s0); li t6, new; bne a1, t6, fail
#define AMO_D(n, op, init, src, old, new) \
    li TESTNUM, n; li t0, init; sd t0, 0(s0); li a2, src; op a0, a2, (s0); \
    li t6, old; bne a0, t6, fail; ld a1, 0(s0); li t6, new; bne a1, t6, fail

    .text
    .globl test_main
test_main:
    la s0, word
    /* LR/SC */
    li gp, 1
    li t0, 0x1111
    sd t0, 0(s0)
    lr.d a0, (s0)
    EXPECT(a0, 0x1111)
    li a2, 0x2222
    sc.d a1, a2, (s0)
    EXPECT(a1, 0)
    ld a0, 0(s0)
    EXPECT(a0, 0x2222)
    li gp, 2
    li a2, 0x3333
    sc.d a1, a2, (s0)                   /* reservation already used */
    beqz a1, fail
    ld a0, 0(s0)
    EXPECT(a0, 0x2222)
    li gp, 3
    lr.d a0, (s0)
    la s1, word2
    sc.d a1, a2, (s1)                   /* other address */
    beqz a1, fail
    ld a0, 0(s1)
    EXPECT(a0, 0)
    li gp, 4
    li t0, 0x80000000
    sw t0, 0(s0)
    lr.w a0, (s0)
    EXPECT(a0, 0xffffffff80000000)
    li a2, 0x123456789
    sc.w a1, a2, (s0)
    EXPECT(a1, 0)
    ld a0, 0(s0)
    EXPECT(a0, 0x23456789)              /* upper word kept (it was 0) */
    li gp, 5
    lr.d a0, (s0)
    sd zero, 0(s0)                      /* our own store: the reservation may stay */
    lr.d a0, (s0)                       /* a fresh LR always works */
    li a2, 7
    sc.d a1, a2, (s0)
    EXPECT(a1, 0)
    ld a0, 0(s0)
    EXPECT(a0, 7)
    /* AMO .w */
    AMO_W(10, amoadd.w, 0xfffffff0, 0x100000005, 0xfffffffffffffff0, 0xfffffffffffffff5)
    AMO_W(11, amoswap.w, 0x5, 0x1234567887654321, 5, 0xffffffff87654321)
    AMO_W(12, amoand.w, 0x87654321, 0xff00ff00, 0xffffffff87654321, 0xffffffff87004300)
    AMO_W(13, amoor.w, 0x87004300, 0xff, 0xffffffff87004300, 0xffffffff870043ff)
    AMO_W(14, amoxor.w, 0x870043ff, 0xffffffff, 0xffffffff870043ff, 0x78ffbc00)
    AMO_W(15, amomax.w, 0x78ffbc00, -1, 0x78ffbc00, 0x78ffbc00)
    AMO_W(16, amomax.w, 0x78ffbc00, 0x7fffffff, 0x78ffbc00, 0x7fffffff)
    AMO_W(17, amomin.w, 0x7fffffff, 0x80000000, 0x7fffffff, 0xffffffff80000000)
    AMO_W(18, amomin.w, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0xffffffff80000000)
    AMO_W(19, amomaxu.w, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0xffffffff80000000)
    AMO_W(20, amomaxu.w, 0x80000000, 0xffffffff, 0xffffffff80000000, 0xffffffffffffffff)
    AMO_W(21, amominu.w, 0xffffffff, 1, 0xffffffffffffffff, 1)
    AMO_W(22, amominu.w, 1, 0x100000000, 1, 0)      /* rs2 low word is 0 */
    /* AMO .d */
    AMO_D(30, amoadd.d, 0x7fffffffffffffff, 1, 0x7fffffffffffffff, 0x8000000000000000)
    AMO_D(31, amoswap.d, 0x1, 0x123456789abcdef0, 1, 0x123456789abcdef0)
    AMO_D(32, amoand.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0x0f000f000f000f00)
    AMO_D(33, amoor.d, 0xff00000000000000, 0xff, 0xff00000000000000, 0xff000000000000ff)
    AMO_D(34, amoxor.d, -1, 0x00ff00ff00ff00ff, -1, 0xff00ff00ff00ff00)
    AMO_D(35, amomax.d, -5, -7, -5, -5)
    AMO_D(36, amomax.d, 0x8000000000000000, 3, 0x8000000000000000, 3)
    AMO_D(37, amomin.d, 3, 0x8000000000000000, 3, 0x8000000000000000)
    AMO_D(38, amomaxu.d, 3, 0x8000000000000000, 3, 0x8000000000000000)
    AMO_D(39, amominu.d, -1, 0, -1, 0)
    /* rd = x0: memory still updated */
    li gp, 40
    li t0, 10
    sd t0, 0(s0)
    li a2, 5
    amoadd.d zero, a2, (s0)
    ld a0, 0(s0)
    EXPECT(a0, 15)
    /* rd = rs2 */
    li gp, 41
    li t0, 10
    sd t0, 0(s0)
    li a2, 5
    amoswap.d a2, a2, (s0)
    EXPECT(a2, 10)
    ld a0, 0(s0)
    EXPECT(a0, 5)
    /* misaligned AMO and LR raise (AMOs are never emulated byte by byte) */
    li gp, 50
    CLEAR_TRAPS
    addi s1, s0, 2
    amoadd.w a0, a2, (s1)
    CHECK_MCOUNT(1)
    la t5, trap_rec
    ld t5, REC_MCAUSE(t5)
    li t6, 6                            /* store/AMO address misaligned */
    beq t5, t6, 1f
    li t6, CAUSE_STORE_ACCESS           /* or access fault: both allowed by the spec */
    bne t5, t6, fail
1:  la t5, trap_rec
    ld t5, REC_MTVAL(t5)
    bne t5, s1, fail                    /* tval = the misaligned address */
    li gp, 51
    CLEAR_TRAPS
    addi s1, s0, 4
    lr.d a0, (s1)
    CHECK_MCOUNT(1)
    la t5, trap_rec
    ld t5, REC_MCAUSE(t5)
    li t6, 4                            /* load address misaligned */
    beq t5, t6, 2f
    li t6, CAUSE_LOAD_ACCESS
    bne t5, t6, fail
2:  PASS

    .data
    .align 4
word: .dword 0, 0
word2: .dword 0
