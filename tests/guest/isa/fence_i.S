/* SPDX-License-Identifier: MIT */
/* FENCE / FENCE.I and self-modifying code: instructions written by stores are executed
 * after FENCE.I, including rewriting code that already ran (cached by the engine). */
#include "test.h"

#define LI_A0(v) (0x00000513 | ((v) << 20))     /* addi a0, zero, v */
#define RET 0x00008067

    .text
    .globl test_main
test_main:
    la s0, codebuf
    li gp, 1
    li t0, LI_A0(1)
    sw t0, 0(s0)
    li t0, RET
    sw t0, 4(s0)
    fence.i
    jalr s0
    EXPECT(a0, 1)
    li gp, 2
    li t1, 5
1:  li t0, LI_A0(2)                         /* run the new code several times */
    sw t0, 0(s0)
    fence.i
    jalr s0
    EXPECT(a0, 2)
    addi t1, t1, -1
    bnez t1, 1b
    li gp, 3
    li t0, LI_A0(3)
    sw t0, 0(s0)
    fence rw, rw
    fence.i
    jalr s0
    EXPECT(a0, 3)
    li gp, 4                                /* a 16-bit store patching half an insn */
    li t0, LI_A0(0x7ff)
    sw t0, 0(s0)
    fence.i
    jalr s0
    EXPECT(a0, 0x7ff)
    li t0, (LI_A0(0x123) >> 16)
    sh t0, 2(s0)
    fence.i
    jalr s0
    EXPECT(a0, 0x123)
    PASS

    .data
    .align 4
codebuf: .fill 16, 1, 0
