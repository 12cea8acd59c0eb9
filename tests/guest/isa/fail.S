/* SPDX-License-Identifier: MIT */
/* A test that must fail: checks that the harness really reports failures (WILL_FAIL in
 * CTest; exit status 3 = test case 3). */
#include "test.h"
    .text
    .globl test_main
test_main:
    CHECK(1, zero, 0)
    li a0, 5
    CHECK(2, a0, 5)
    CHECK(3, a0, 6)         /* wrong on purpose */
    PASS
