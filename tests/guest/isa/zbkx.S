/* SPDX-License-Identifier: MIT */
/* Zbkx: xperm4 / xperm8 (crossbar permutations; out-of-range indices select 0). */
#include "test.h"
    .option arch, +zbkx

    .text
    .globl test_main
test_main:
    TEST_RR(1, xperm8, 0x1122334455667788, 0x8877665544332211, 0x0001020304050607)
    TEST_RR(2, xperm8, 0x0011111111111100, 0x8877665544332211, 0xff00000000000008)
    TEST_RR(3, xperm8, 0, 0x8877665544332211, 0x0808080808080808)
    TEST_RR(4, xperm4, 0x0123456789abcdef, 0xfedcba9876543210, 0x0123456789abcdef)
    TEST_RR(5, xperm4, -1, 0x0123456789abcdef, 0)
    TEST_RR(6, xperm4, 0x6666666677777777, 0x0000000000007650, 0x2222222233333333)
    TEST_RR_SRC1(7, xperm8, 0x0202020202020202, 0x0201, 0x0101010101010101)
    TEST_RR_SRC2(8, xperm4, 0x0101010101010101, 0x0010, 0x0101010101010101)
    TEST_RR_ZERO(9, xperm8, 1, 2)
    PASS
