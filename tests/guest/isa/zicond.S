/* SPDX-License-Identifier: MIT */
/* Zicond: czero.eqz / czero.nez (encoded with .insn: binutils 2.40 lacks the mnemonics). */
#include "test.h"
#define CZERO_EQZ(rd, rs1, rs2) .insn r 0x33, 5, 7, rd, rs1, rs2
#define CZERO_NEZ(rd, rs1, rs2) .insn r 0x33, 7, 7, rd, rs1, rs2
#define T(n, op, exp, v1, v2) \
    li TESTNUM, n; li a1, v1; li a2, v2; op(a0, a1, a2); li t6, exp; bne a0, t6, fail
    .text
    .globl test_main
test_main:
    T(1, CZERO_EQZ, 0, 0x1234, 0)
    T(2, CZERO_EQZ, 0x1234, 0x1234, 1)
    T(3, CZERO_EQZ, -1, -1, 0x8000000000000000)
    T(4, CZERO_NEZ, 0x1234, 0x1234, 0)
    T(5, CZERO_NEZ, 0, 0x1234, -1)
    T(6, CZERO_NEZ, 0, -1, 0x100000000)     /* whole register compared */
    li gp, 7
    li a1, 77
    CZERO_EQZ(a1, a1, zero)
    EXPECT(a1, 0)
    li gp, 8
    li a1, 77
    CZERO_NEZ(a1, a1, a1)                   /* rs2 = rd = rs1 */
    EXPECT(a1, 0)
    PASS
