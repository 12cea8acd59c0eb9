/* SPDX-License-Identifier: MIT */
/* RV64I register-register and register-immediate arithmetic, logic, compares, shifts
 * (amounts 0/31/32/63, masking of the shift operand), LUI/AUIPC, x0 as destination. */
#include "test.h"
    .text
    .globl test_main
test_main:
    TEST_RR(1, add, 0, 0, 0)
    TEST_RR(2, add, 2, 1, 1)
    TEST_RR(3, add, 0x8000000000000000, 0x7fffffffffffffff, 1)
    TEST_RR(4, add, 0, -1, 1)
    TEST_RR(5, add, 0xfffffffffffffffe, -1, -1)
    TEST_RR(6, sub, 0, 5, 5)
    TEST_RR(7, sub, -1, 0, 1)
    TEST_RR(8, sub, 0x7fffffffffffffff, 0x8000000000000000, 1)
    TEST_RR(9, and, 0x0f000f00, 0xff00ff00, 0x0f0f0f0f)
    TEST_RR(10, or, 0xff0fff0f, 0xff00ff00, 0x0f0f0f0f)
    TEST_RR(11, xor, 0xf00ff00f, 0xff00ff00, 0x0f0f0f0f)
    TEST_RR(12, slt, 1, -1, 0)
    TEST_RR(13, slt, 0, 0, -1)
    TEST_RR(14, slt, 1, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR(15, slt, 0, 7, 7)
    TEST_RR(16, sltu, 0, -1, 0)
    TEST_RR(17, sltu, 1, 0, -1)
    TEST_RR(18, sltu, 0, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR(19, sll, 0x8000000000000000, 1, 63)
    TEST_RR(20, sll, 0x100000000, 1, 32)
    TEST_RR(21, sll, 0x80000000, 1, 31)
    TEST_RR(22, sll, 1, 1, 0)
    TEST_RR(23, sll, 2, 1, 65)                  /* only rs2[5:0] counts */
    TEST_RR(24, srl, 1, 0x8000000000000000, 63)
    TEST_RR(25, srl, 0x80000000, 0x8000000000000000, 32)
    TEST_RR(26, srl, 0x8000000000000000, 0x8000000000000000, 0)
    TEST_RR(27, srl, 0x0fffffffffffffff, -1, 68)
    TEST_RR(28, sra, -1, 0x8000000000000000, 63)
    TEST_RR(29, sra, 0xffffffff80000000, 0x8000000000000000, 32)
    TEST_RR(30, sra, 0x3fffffffffffffff, 0x7fffffffffffffff, 1)
    TEST_RR(31, sra, 0xc000000000000000, 0x8000000000000000, 0x41)
    TEST_RI(32, addi, 0x7ff, 0, 2047)
    TEST_RI(33, addi, -2048, 0, -2048)
    TEST_RI(34, addi, 0x8000000000000000, 0x7fffffffffffffff, 1)
    TEST_RI(35, addi, 0xffffffffffffffff, 0, -1)
    TEST_RI(36, andi, 0xff00ff00, 0xff00ff00, -1)
    TEST_RI(37, andi, 0x700, 0xff00ff00, 0x70f)
    TEST_RI(38, ori, -1, 0, -1)
    TEST_RI(39, ori, 0xff00ff0f, 0xff00ff00, 0xf)
    TEST_RI(40, xori, 0xffffffff00ff00ff, 0xff00ff00, -1)
    TEST_RI(41, slti, 1, -1, 0)
    TEST_RI(42, slti, 0, 0, -1)
    TEST_RI(43, sltiu, 1, 0, -1)               /* immediate sign-extended, compared unsigned */
    TEST_RI(44, sltiu, 0, -1, 1)
    TEST_RI(45, sltiu, 1, 0, 1)                /* seqz */
    TEST_RI(46, slli, 0x8000000000000000, 1, 63)
    TEST_RI(47, slli, 0x100000000, 1, 32)
    TEST_RI(48, slli, 0xffffffff80000000, -1, 31)
    TEST_RI(49, srli, 1, 0x8000000000000000, 63)
    TEST_RI(50, srli, 0xffffffff, -1, 32)
    TEST_RI(51, srli, -1, -1, 0)
    TEST_RI(52, srai, -1, 0x8000000000000000, 63)
    TEST_RI(53, srai, 0xffffffff80000000, 0x8000000000000000, 32)
    TEST_RI(54, srai, 0xfffffffe, 0x7fffffff00000000, 31)
    /* rd aliasing */
    TEST_RR_SRC1(55, add, 24, 13, 11)
    TEST_RR_SRC2(56, sub, 2, 13, 11)
    TEST_RR_ZERO(57, add, 1, 2)
    /* lui/auipc */
    li gp, 58
    lui a0, 0x80000
    EXPECT(a0, 0xffffffff80000000)
    li gp, 59
    lui a0, 0x7ffff
    EXPECT(a0, 0x7ffff000)
    li gp, 60
1:  auipc a0, 0
    la a1, 1b
    bne a0, a1, fail
    li gp, 61
2:  auipc a0, 0x1
    la a1, 2b
    sub a0, a0, a1
    EXPECT(a0, 0x1000)
    li gp, 62
    li a0, 5
    addi zero, a0, 1
    bnez zero, fail
    /* sequences of dependent ops */
    li gp, 63
    li a0, 1
    slli a0, a0, 40
    addi a0, a0, -1
    srli a0, a0, 8
    EXPECT(a0, 0xffffffff)
    PASS
