/* SPDX-License-Identifier: MIT */
/* RV64I loads and stores: every width, sign vs zero extension, offsets (positive,
 * negative, +-2047/2048), store of sub-word parts, and misaligned accesses (emulated by the
 * engine: they succeed without a trap, including across a page boundary). */
#include "test.h"
    .text
    .globl test_main
test_main:
    la s0, data
    li gp, 1
    lb a0, 0(s0)
    EXPECT(a0, 0xfffffffffffffff0)
    li gp, 2
    lbu a0, 0(s0)
    EXPECT(a0, 0xf0)
    li gp, 3
    lh a0, 0(s0)
    EXPECT(a0, 0xffffffffffff80f0)
    li gp, 4
    lhu a0, 0(s0)
    EXPECT(a0, 0x80f0)
    li gp, 5
    lw a0, 0(s0)
    EXPECT(a0, 0xfffffffff00f80f0)
    li gp, 6
    lwu a0, 0(s0)
    EXPECT(a0, 0xf00f80f0)
    li gp, 7
    ld a0, 0(s0)
    EXPECT(a0, 0x07ff00fff00f80f0)
    li gp, 8
    lb a0, 7(s0)
    EXPECT(a0, 0x07)
    li gp, 9
    lw a0, 4(s0)
    EXPECT(a0, 0x07ff00ff)
    li gp, 10
    lh a0, 8(s0)              /* 0x8001 */
    EXPECT(a0, 0xffffffffffff8001)
    li gp, 11
    addi s1, s0, 16
    ld a0, -8(s1)
    EXPECT(a0, 0x0123456789ab8001)
    /* stores */
    la s1, buf
    li gp, 12
    li a0, 0x1122334455667788
    sd a0, 0(s1)
    ld a1, 0(s1)
    bne a0, a1, fail
    li gp, 13
    li a0, 0xaabbccdd
    sw a0, 0(s1)
    ld a1, 0(s1)
    EXPECT(a1, 0x11223344aabbccdd)
    li gp, 14
    li a0, 0xffffeeee
    sh a0, 2(s1)
    ld a1, 0(s1)
    EXPECT(a1, 0x11223344eeeeccdd)
    li gp, 15
    li a0, 0x99
    sb a0, 7(s1)
    ld a1, 0(s1)
    EXPECT(a1, 0x99223344eeeeccdd)
    li gp, 16
    li a0, 0x5a
    sb a0, -1(s1)
    lbu a1, -1(s1)
    EXPECT(a1, 0x5a)
    /* large offsets */
    li gp, 17
    la s2, buf + 2048
    li a0, 0x77
    sb a0, -2048(s2)
    lbu a1, 0(s1)
    EXPECT(a1, 0x77)
    li gp, 18
    la s2, buf
    li a0, 0x66
    sb a0, 2047(s2)
    addi s3, s2, 2047
    lbu a1, 0(s3)
    EXPECT(a1, 0x66)
    /* misaligned (emulated, no trap) */
    li gp, 19
    CLEAR_TRAPS
    la s1, buf
    li a0, 0x0102030405060708
    sd a0, 1(s1)
    ld a1, 1(s1)
    bne a0, a1, fail
    lbu a2, 1(s1)
    EXPECT(a2, 0x08)
    lbu a2, 8(s1)
    EXPECT(a2, 0x01)
    lw a2, 3(s1)
    EXPECT(a2, 0x03040506)
    lh a2, 5(s1)
    EXPECT(a2, 0x0304)
    lhu a2, 7(s1)
    EXPECT(a2, 0x0102)
    CHECK_MCOUNT(0)
    li gp, 20
    la s1, page_end
    li a0, 0x8877665544332211
    sd a0, -3(s1)                /* crosses a page boundary */
    ld a1, -3(s1)
    bne a0, a1, fail
    lwu a2, -2(s1)
    EXPECT(a2, 0x55443322)
    CHECK_MCOUNT(0)
    /* x0 destination load has no effect but still performs the access */
    li gp, 21
    ld zero, 0(s0)
    bnez zero, fail
    PASS

    .data
    .align 4
data:
    .dword 0x07ff00fff00f80f0
    .dword 0x0123456789ab8001
    .align 12
    .fill 4088, 1, 0
page_end_minus:
    .fill 8, 1, 0
page_end:
    .fill 16, 1, 0
    .bss
    .align 12
buf:
    .fill 4096, 1, 0
