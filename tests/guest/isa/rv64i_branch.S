/* SPDX-License-Identifier: MIT */
/* RV64I control transfer: every branch taken / not taken with signed and unsigned edge
 * operands, JAL/JALR link values, JALR clearing bit 0 of the target, rd == rs1 for JALR,
 * backward branches. (With C, instruction-address-misaligned cannot occur: targets are
 * always 2-byte aligned and JALR clears bit 0.) */
#include "test.h"

#define TEST_BR_TAKEN(n, inst, v1, v2) \
    li TESTNUM, n; li a1, v1; li a2, v2; inst a1, a2, 1f; j fail; 1:
#define TEST_BR_NOT(n, inst, v1, v2) \
    li TESTNUM, n; li a1, v1; li a2, v2; inst a1, a2, fail

    .text
    .globl test_main
test_main:
    TEST_BR_TAKEN(1, beq, 0, 0)
    TEST_BR_TAKEN(2, beq, -1, -1)
    TEST_BR_NOT(3, beq, 0, 1)
    TEST_BR_NOT(4, beq, 0x100000000, 0)
    TEST_BR_TAKEN(5, bne, 0x100000000, 0)
    TEST_BR_NOT(6, bne, 7, 7)
    TEST_BR_TAKEN(7, blt, -1, 0)
    TEST_BR_TAKEN(8, blt, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_BR_NOT(9, blt, 0, -1)
    TEST_BR_NOT(10, blt, 5, 5)
    TEST_BR_TAKEN(11, bge, 5, 5)
    TEST_BR_TAKEN(12, bge, 0, -1)
    TEST_BR_NOT(13, bge, -1, 0)
    TEST_BR_TAKEN(14, bltu, 0, -1)
    TEST_BR_TAKEN(15, bltu, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_BR_NOT(16, bltu, -1, 0)
    TEST_BR_NOT(17, bltu, 3, 3)
    TEST_BR_TAKEN(18, bgeu, -1, 0)
    TEST_BR_TAKEN(19, bgeu, 3, 3)
    TEST_BR_NOT(20, bgeu, 0, -1)
    /* jal link */
    li gp, 21
    jal a0, 1f
2:  j fail
1:  la a1, 2b
    bne a0, a1, fail
    /* jalr: link = pc + 4, target = (rs1 + imm) & ~1 */
    li gp, 22
    la a1, 3f
    addi a1, a1, 1              /* odd target: bit 0 is cleared */
    jalr a0, 0(a1)
4:  j fail
    .align 2
3:  la a2, 4b
    bne a0, a2, fail
    li gp, 23
    la a1, 5f - 8
    jalr a0, 8(a1)
    j fail
5:  li gp, 24
    la a1, 6f
    jalr a1, 0(a1)              /* rd == rs1: target uses the old value */
7:  j fail
6:  la a2, 7b
    bne a1, a2, fail
    /* backward loop */
    li gp, 25
    li a0, 10
    li a1, 0
8:  addi a1, a1, 3
    addi a0, a0, -1
    bnez a0, 8b
    EXPECT(a1, 30)
    /* jal x0 (j) and jalr x0 (ret) do not write x0 */
    li gp, 26
    jal zero, 9f
    j fail
9:  bnez zero, fail
    PASS
