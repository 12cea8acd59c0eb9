/* SPDX-License-Identifier: MIT */
/* RV64M: multiply high parts (signed, unsigned, mixed), division and remainder including
 * division by zero (quotient all ones, remainder = dividend) and overflow
 * (INT_MIN / -1 = INT_MIN, remainder 0), and the W forms with sign-extended 32-bit results. */
#include "test.h"
    .text
    .globl test_main
test_main:
    TEST_RR(1, mul, 0, 0, 0)
    TEST_RR(2, mul, 0x10, 4, 4)
    TEST_RR(3, mul, 0xfffffffffffffffe, 0x7fffffffffffffff, 2)
    TEST_RR(4, mul, 1, -1, -1)
    TEST_RR(5, mul, 0x8000000000000000, 0x8000000000000000, -1)
    TEST_RR(6, mul, 0xfffffffe00000001, 0xffffffff, 0xffffffff)
    TEST_RR(7, mulh, 0, 1, 1)
    TEST_RR(8, mulh, -1, -1, 1)
    TEST_RR(9, mulh, 0, -1, -1)
    TEST_RR(10, mulh, 0x4000000000000000, 0x8000000000000000, 0x8000000000000000)
    TEST_RR(11, mulh, 0xc000000000000000, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR(12, mulhu, 0xfffffffffffffffe, -1, -1)
    TEST_RR(13, mulhu, 0, 0xffffffff, 0xffffffff)
    TEST_RR(14, mulhu, 1, 0x100000000, 0x100000000)
    TEST_RR(15, mulhsu, -1, -1, 1)
    TEST_RR(16, mulhsu, 0xffffffffffffffff, -1, -1)
    TEST_RR(17, mulhsu, 0x7ffffffffffffffe, 0x7fffffffffffffff, -1)
    TEST_RR(18, mulhsu, 0xc000000000000000, 0x8000000000000000, 0x8000000000000000)
    TEST_RR(19, div, 3, 20, 6)
    TEST_RR(20, div, -3, -20, 6)
    TEST_RR(21, div, -3, 20, -6)
    TEST_RR(22, div, 3, -20, -6)
    TEST_RR(23, div, -1, 5, 0)                                 /* by zero */
    TEST_RR(24, div, 0x8000000000000000, 0x8000000000000000, -1) /* overflow */
    TEST_RR(25, divu, 3, 20, 6)
    TEST_RR(26, divu, 0x2aaaaaaaaaaaaaa7, -20, 6)
    TEST_RR(27, divu, -1, 5, 0)
    TEST_RR(28, divu, 0, 0x8000000000000000, -1)
    TEST_RR(29, rem, 2, 20, 6)
    TEST_RR(30, rem, -2, -20, 6)
    TEST_RR(31, rem, 2, 20, -6)
    TEST_RR(32, rem, -2, -20, -6)
    TEST_RR(33, rem, 5, 5, 0)                                  /* by zero: dividend */
    TEST_RR(34, rem, 0, 0x8000000000000000, -1)                /* overflow: 0 */
    TEST_RR(35, remu, 2, 20, 6)
    TEST_RR(36, remu, 2, -20, 6)
    TEST_RR(37, remu, -5, -5, 0)
    TEST_RR(38, remu, 0x8000000000000000, 0x8000000000000000, -1)
    /* W forms */
    TEST_RR(39, mulw, 0xffffffff80000000, 0x40000000, 2)
    TEST_RR(40, mulw, 1, 0xffffffff, 0xffffffff)
    TEST_RR(41, mulw, 6, 0x1200000002, 0x3400000003)
    TEST_RR(42, divw, 3, 20, 6)
    TEST_RR(43, divw, -3, 0xffffffffffffffec, 6)
    TEST_RR(44, divw, -3, 0x1ffffffec, 6)                      /* upper bits ignored */
    TEST_RR(45, divw, -1, 5, 0)
    TEST_RR(46, divw, 0xffffffff80000000, 0x80000000, -1)     /* overflow */
    TEST_RR(47, divuw, 0x2aaaaaa7, 0xffffffec, 6)
    TEST_RR(48, divuw, -1, 5, 0)
    TEST_RR(49, divuw, 0xffffffff80000000, 0x80000000, 1)     /* result sign-extended */
    TEST_RR(50, remw, -2, 0xffffffec, 6)
    TEST_RR(51, remw, 5, 5, 0)
    TEST_RR(52, remw, 0xffffffff80000005, 0x80000005, 0)      /* by zero: sext(dividend) */
    TEST_RR(53, remw, 0, 0x80000000, -1)
    TEST_RR(54, remuw, 2, 0xffffffec, 6)
    TEST_RR(55, remuw, 0xffffffffffffffec, 0xffffffec, 0)
    TEST_RR(56, remuw, 3, 0x100000003, 0x100000005)
    TEST_RR_SRC1(57, mul, 42, 6, 7)
    TEST_RR_SRC2(58, div, 7, 42, 6)
    PASS
