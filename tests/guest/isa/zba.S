/* SPDX-License-Identifier: MIT */
/* Zba: address generation (shNadd, .uw forms zero-extending the low word of rs1). */
#include "test.h"
    .text
    .globl test_main
test_main:
    TEST_RR(1, sh1add, 0x1005, 0x800, 5)
    TEST_RR(2, sh2add, 0x2005, 0x800, 5)
    TEST_RR(3, sh3add, 0x4005, 0x800, 5)
    TEST_RR(4, sh1add, 0xfffffffffffffffe + 1, 0xffffffffffffffff, 1)
    TEST_RR(5, sh3add, 0x0000000000000000, 0x2000000000000000, 0)
    TEST_RR(6, add.uw, 0x100000000, 0xffffffffffffffff, 1)
    TEST_RR(7, add.uw, 0x80000005, 0x1234567880000000, 5)
    TEST_RR(8, sh1add.uw, 0x1fffffffe, 0xabcdef00ffffffff, 0)
    TEST_RR(9, sh2add.uw, 0x3fffffffc + 4, 0xffffffffffffffff, 4)
    TEST_RR(10, sh3add.uw, 0x400000000, 0x80000000, 0)
    TEST_RI(11, slli.uw, 0xffffffff00000000, 0x12345678ffffffff, 32)
    TEST_RI(12, slli.uw, 0x80000000, 0xffffffff80000000, 0)
    TEST_RI(13, slli.uw, 0x8000000000000000, 0x80000000, 32)
    TEST_R(14, zext.w, 0xffffffff, 0xffffffffffffffff)
    TEST_RR_SRC1(15, sh2add, 0x13, 4, 3)
    PASS
