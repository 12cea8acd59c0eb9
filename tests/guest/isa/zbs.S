/* SPDX-License-Identifier: MIT */
/* Zbs: single-bit clear/set/invert/extract, register (index masked to 6 bits) and
 * immediate forms. */
#include "test.h"
    .text
    .globl test_main
test_main:
    TEST_RR(1, bclr, 0xfffffffffffffffe, -1, 0)
    TEST_RR(2, bclr, 0x7fffffffffffffff, -1, 63)
    TEST_RR(3, bclr, 0xfffffffeffffffff, -1, 96)      /* 96 & 63 = 32 */
    TEST_RR(4, bset, 0x8000000000000000, 0, 63)
    TEST_RR(5, bset, 0x100000000, 0, 32)
    TEST_RR(6, bset, 1, 1, 64)
    TEST_RR(7, binv, 0x8000000000000001, 1, 63)
    TEST_RR(8, binv, 0, 1, 0)
    TEST_RR(9, bext, 1, 0x8000000000000000, 63)
    TEST_RR(10, bext, 0, 0x8000000000000000, 62)
    TEST_RR(11, bext, 1, 0x100000000, 32 + 64)
    TEST_RI(12, bclri, 0xffffffff7fffffff, -1, 31)
    TEST_RI(13, bseti, 0x8000000000000000, 0, 63)
    TEST_RI(14, binvi, 0xfffffffeffffffff, -1, 32)
    TEST_RI(15, bexti, 1, 0x80000000, 31)
    TEST_RI(16, bexti, 0, 0x80000000, 32)
    PASS
