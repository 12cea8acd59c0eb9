/* SPDX-License-Identifier: MIT */
/* Calls, returns and indirect jumps as the translator predicts them (per-site jump-cache
 * probes, return prediction): nested calls in a loop, recursion deeper than any return
 * stack, a callee that returns elsewhere than its return address, a longjmp out of a deep
 * call chain, t0 as the link register, `auipc ra; jalr ra` calls, calls whose return
 * address or callee is on another page, a polymorphic function pointer, a jump table and
 * a trap inside a callee. Each case loops so that its blocks are translated, chained and
 * taken many times. */
#include "test.h"

    .text
    .globl test_main
test_main:
    mv s11, ra
    mv s10, sp
    la sp, big_stack_top        /* common.S's 4 KiB would not hold case 2 */

    /* 1: nested calls, 300 times: a0 += 1 + 2 + 4 per round */
    li gp, 1
    li a0, 0
    li s1, 300
1:  call f1
    addi s1, s1, -1
    bnez s1, 1b
    EXPECT(a0, 2100)

    /* 2: recursion 700 deep (sum 1..700 = 245350), three times */
    li gp, 2
    li s1, 3
2:  li a0, 700
    call rsum
    EXPECT(a0, 245350)
    addi s1, s1, -1
    bnez s1, 2b

    /* 3: the callee skips the instruction after the call (ra += 4), 200 times */
    li gp, 3
    li a0, 0
    li s1, 200
3:  call skipper
    j fail
    addi a0, a0, 1
    addi s1, s1, -1
    bnez s1, 3b
    EXPECT(a0, 200)

    /* 4: longjmp out of a 40-deep chain, then ordinary calls still return right */
    li gp, 4
    li s1, 50
    li s2, 0
4:  mv s3, sp
    la s4, 5f
    li a0, 40
    call deep
    j fail
5:  mv sp, s3
    addi s2, s2, 1
    li a0, 0
    call f1
    EXPECT(a0, 7)
    addi s1, s1, -1
    bnez s1, 4b
    EXPECT(s2, 50)

    /* 5: t0 as the link register, 100 times */
    li gp, 5
    li a0, 0
    li s1, 100
6:  jal t0, t0fn
    addi s1, s1, -1
    bnez s1, 6b
    EXPECT(a0, 300)

    /* 6: auipc ra; jalr ra (rd == rs1 == ra), 100 times */
    li gp, 6
    li a0, 0
    li s1, 100
7:  auipc ra, %pcrel_hi(f3)
    jalr ra, %pcrel_lo(7b)(ra)
    addi s1, s1, -1
    bnez s1, 7b
    EXPECT(a0, 400)

    /* 7: calls from the last instruction of a page (return address on the next page) to a
     * callee on another page, 100 times */
    li gp, 7
    li a0, 0
    li s1, 100
8:  call edge_caller
    addi s1, s1, -1
    bnez s1, 8b
    EXPECT(a0, 500)

    /* 8: a function pointer cycling through three callees, 300 calls */
    li gp, 8
    li a0, 0
    li s1, 300
    la s2, fptrs
    li s3, 0
9:  slli t1, s3, 3
    add t1, t1, s2
    ld t1, 0(t1)
    jalr ra, 0(t1)
    addi s3, s3, 1
    li t1, 3
    bne s3, t1, 10f
    li s3, 0
10: addi s1, s1, -1
    bnez s1, 9b
    EXPECT(a0, 2100)            /* 100 * (7 + 2 + 12): f1 (with f2, f3), f4, f5 */

    /* 9: a jump table (switch) over four cases, 400 times */
    li gp, 9
    li a0, 0
    li s1, 400
11: andi t1, s1, 3
    la t2, jtab
    slli t1, t1, 3
    add t1, t1, t2
    ld t1, 0(t1)
    jr t1
case0: addi a0, a0, 1
    j 12f
case1: addi a0, a0, 10
    j 12f
case2: addi a0, a0, 100
    j 12f
case3: addi a0, a0, 1000
12: addi s1, s1, -1
    bnez s1, 11b
    EXPECT(a0, 111100)

    /* 10: a trap (ecall, skipped by the handler) inside a callee, 50 times */
    li gp, 10
    call clear_traps
    li a0, 0
    li s1, 50
13: call trapper
    addi s1, s1, -1
    bnez s1, 13b
    EXPECT(a0, 50)
    la t1, trap_rec
    ld t2, REC_MCOUNT(t1)
    EXPECT(t2, 50)

    mv sp, s10
    mv ra, s11
    PASS

/* f1 -> f2 -> f3: a0 += 7 */
f1: addi sp, sp, -16
    sd ra, 8(sp)
    addi a0, a0, 1
    call f2
    ld ra, 8(sp)
    addi sp, sp, 16
    ret
f2: addi sp, sp, -16
    sd ra, 8(sp)
    addi a0, a0, 2
    call f3
    ld ra, 8(sp)
    addi sp, sp, 16
    ret
f3: addi a0, a0, 4
    ret
f4: addi a0, a0, 2
    ret
f5: addi a0, a0, 12
    ret

/* a0 = a0 + (a0 - 1) + ... + 1 */
rsum:
    beqz a0, 1f
    addi sp, sp, -16
    sd ra, 8(sp)
    sd a0, 0(sp)
    addi a0, a0, -1
    call rsum
    ld t1, 0(sp)
    add a0, a0, t1
    ld ra, 8(sp)
    addi sp, sp, 16
1:  ret

skipper:
    addi ra, ra, 4
    ret

/* a0 levels of calls, then jump to s4 without returning */
deep:
    addi sp, sp, -16
    sd ra, 8(sp)
    addi a0, a0, -1
    beqz a0, 1f
    call deep
    j fail
1:  jr s4

t0fn:
    addi a0, a0, 3
    jr t0

trapper:
    ecall
    addi a0, a0, 1
    ret

    .section .bss
    .align 4
big_stack:
    .fill 16384, 1, 0
big_stack_top:

    .section .rodata
    .align 3
fptrs:
    .dword f1, f4, f5
jtab:
    .dword case0, case1, case2, case3

/* On pages of their own: a call as the last instruction of a page. */
    .section .text.edge, "ax"
    .option push
    .option norelax
    .option norvc
    .balign 4096
edge_caller:
    addi sp, sp, -16
    sd ra, 8(sp)
    j 1f
    .balign 4096
    .skip 4096 - 4
1:  jal ra, far_callee         /* the page's last 4 bytes */
    ld ra, 8(sp)
    addi sp, sp, 16
    ret
    .balign 4096
far_callee:
    addi a0, a0, 5
    ret
    .option pop
