/* SPDX-License-Identifier: MIT */
/* RV64I word (W) forms: 32-bit results sign-extended to 64 bits, shift amounts masked to
 * 5 bits, upper input bits ignored. */
#include "test.h"
    .text
    .globl test_main
test_main:
    TEST_RR(1, addw, 0, 0, 0)
    TEST_RR(2, addw, 0xffffffff80000000, 0x7fffffff, 1)          /* 32-bit overflow */
    TEST_RR(3, addw, 0, 0xffffffff, 1)
    TEST_RR(4, addw, 2, 0x1234567800000001, 0x0000000100000001)  /* upper bits ignored */
    TEST_RR(5, addw, 0xfffffffffffffffe, -1, -1)
    TEST_RR(6, subw, 0x7fffffff, 0x80000000, 1)
    TEST_RR(7, subw, -1, 0, 1)
    TEST_RR(8, subw, 0xffffffff80000000, 0, 0x80000000)
    TEST_RR(9, sllw, 0xffffffff80000000, 1, 31)
    TEST_RR(10, sllw, 1, 1, 32)                                  /* shamt & 31 = 0 */
    TEST_RR(11, sllw, 0, 0x100000000, 0)
    TEST_RR(12, sllw, 0xfffffffffffffff0, 0xffffffff, 4)
    TEST_RR(13, srlw, 1, 0x80000000, 31)
    TEST_RR(14, srlw, 0xffffffff80000000, 0x80000000, 0)          /* result sign-extended */
    TEST_RR(15, srlw, 0x7fffffff, 0xffffffffffffffff, 33)         /* shamt 1 */
    TEST_RR(16, srlw, 0x00ffffff, 0x12345678ffffffff, 8)
    TEST_RR(17, sraw, -1, 0x80000000, 31)
    TEST_RR(18, sraw, 0xfffffffff8000000, 0x80000000, 4)
    TEST_RR(19, sraw, 0x7fffffff, 0xf7fffffff, 0)
    TEST_RR(20, sraw, 0x3fffffff, 0x7fffffff, 1)
    TEST_RI(21, addiw, 0xffffffff80000000, 0x7fffffff, 1)
    TEST_RI(22, addiw, -1, 0, -1)
    TEST_RI(23, addiw, 0x7ff, 0x100000000, 2047)
    TEST_RI(24, addiw, 0xffffffff80000000, 0x80000000, 0)        /* sext.w */
    TEST_RI(25, slliw, 0xffffffff80000000, 1, 31)
    TEST_RI(26, slliw, 0x12345678, 0x912345678, 0)
    TEST_RI(27, srliw, 1, 0x80000000, 31)
    TEST_RI(28, srliw, 0xffffffff80000000, 0x80000000, 0)
    TEST_RI(29, srliw, 0x0fffffff, 0xffffffff, 4)
    TEST_RI(30, sraiw, -1, 0x80000000, 31)
    TEST_RI(31, sraiw, 0xfffffffff8000000, 0x80000000, 4)
    TEST_RI(32, sraiw, 0x7fffffff, 0x17fffffff, 0)
    TEST_RR_SRC1(33, addw, 3, 1, 2)
    TEST_RR_SRC2(34, subw, 0xffffffffffffffff, 1, 2)
    PASS
