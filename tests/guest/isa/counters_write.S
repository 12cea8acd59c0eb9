/* SPDX-License-Identifier: MIT */
/* Writes to minstret / mcycle: the writing instruction's own retirement is not counted, so
 * the next read returns exactly the value written (also through CSRRS/CSRRC and the user
 * views), counting resumes from there, and inhibited counters hold the written value. */
#include "test.h"

    .text
    .globl test_main
test_main:
    li gp, 1
    li t0, 1000
    csrw minstret, t0
    csrr a0, minstret
    EXPECT(a0, 1000)
    li gp, 2
    li t0, 2000
    csrw mcycle, t0
    csrr a0, mcycle
    EXPECT(a0, 2000)
    li gp, 3
    csrw minstret, t0
    nop
    nop
    csrr a0, minstret                   /* the two nops counted */
    EXPECT(a0, 2002)
    li gp, 4
    li t0, 0x100
    csrw minstret, t0
    csrsi minstret, 1                   /* read-modify-write: writes 0x101 */
    rdinstret a0
    EXPECT(a0, 0x101)
    li gp, 5
    li t0, 0x200
    csrw mcycle, t0
    csrci mcycle, 0                     /* no write: counts itself */
    rdcycle a0
    EXPECT(a0, 0x201)
    /* a loop in between (translated as one block that loops) */
    li gp, 6
    li t1, 10
    csrw minstret, zero
1:  addi t1, t1, -1
    bnez t1, 1b
    csrr a0, minstret
    EXPECT(a0, 20)
    li gp, 7
    li t0, -1
    csrw minstret, t0
    csrr a0, minstret
    EXPECT(a0, -1)
    csrr a0, minstret
    EXPECT(a0, 2)                       /* wrapped: csrr, li, bne retired since */
    /* inhibited: the written value stays */
    li gp, 8
    csrwi mcountinhibit, 5
    li t0, 77
    csrw minstret, t0
    csrw mcycle, t0
    nop
    csrr a0, minstret
    EXPECT(a0, 77)
    csrr a0, mcycle
    EXPECT(a0, 77)
    csrwi mcountinhibit, 0
    PASS
