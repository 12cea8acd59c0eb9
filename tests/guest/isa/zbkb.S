/* SPDX-License-Identifier: MIT */
/* Zbkb: brev8, pack, packh, packw (and zext.h, which is packw with rs2 = x0). */
#include "test.h"
    .option arch, +zbkb

    .text
    .globl test_main
test_main:
    TEST_R(1, brev8, 0x8040201008040201, 0x0102040810204080)
    TEST_R(2, brev8, 0x8f, 0xf1)
    TEST_R(3, brev8, -1, -1)
    TEST_R(4, brev8, 0x0f0f0f0f0f0f0f0f, 0xf0f0f0f0f0f0f0f0)
    TEST_RR(5, pack, 0x4444444422222222, 0x1111111122222222, 0x3333333344444444)
    TEST_RR(6, pack, 0x0000000080000000, 0xffffffff80000000, 0)
    TEST_RR(7, packh, 0x9978, 0x12345678, 0xabcdef99)
    TEST_RR(8, packh, 0xffff, -1, -1)
    TEST_RR(9, packw, 0xffffffff99995678, 0x12345678, 0xabcd9999)
    TEST_RR(10, packw, 0x12345678, 0xffffffffffff5678, 0x1234)
    TEST_RR_SRC1(11, pack, 0x0000000200000001, 1, 2)
    TEST_RR_SRC2(12, packh, 0x0201, 1, 2)
    TEST_RR_ZERO(13, packw, 1, 2)
    li gp, 14
    li a1, 0x1234ffff
    packw a0, a1, zero                  /* zext.h */
    EXPECT(a0, 0xffff)
    PASS
