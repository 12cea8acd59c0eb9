/* SPDX-License-Identifier: MIT */
/* Zbc: carry-less multiply, low (clmul), high (clmulh) and reversed (clmulr). */
#include "test.h"
    .text
    .globl test_main
test_main:
    TEST_RR(1, clmul, 0x5, 0x3, 0x3)               /* (x+1)^2 = x^2+1 */
    TEST_RR(2, clmul, 0, 0, -1)
    TEST_RR(3, clmul, -1, -1, 1)
    TEST_RR(4, clmul, 1, -1, 3)
    TEST_RR(5, clmulh, 0x5555555555555555, -1, -1)
    TEST_RR(6, clmulh, 0x1, 0x8000000000000000, 2)
    TEST_RR(7, clmulh, 0, 0x8000000000000000, 1)
    TEST_RR(8, clmulr, 0x8000000000000000, 0x8000000000000000, 0x8000000000000000)
    TEST_RR(9, clmulr, 0xaaaaaaaaaaaaaaaa, -1, -1)
    TEST_RR(10, clmul, 0x1234567812345678 ^ (0x1234567812345678 << 1), 0x1234567812345678, 3)
    PASS
