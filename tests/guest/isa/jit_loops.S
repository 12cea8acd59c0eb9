/* SPDX-License-Identifier: MIT */
/* Loop shapes the translator keeps inside one block (cpu/jit/translate.c: loop heads,
 * forward joins, tails): a bit loop whose taken branch goes to an out-of-line arm ending in
 * `bnez head; j join` (CRC-16/CCITT), a diamond with a one-instruction arm (CRC-16/Modbus),
 * a diamond whose arm holds FP instructions (the join is refused: FP gate state), an inner
 * loop with loads, stores and a CSR read (a helper call inside the loop), two overlapping
 * loops (the later head is dropped), and an out-of-line arm that jumps forward into the
 * block. Each result is checked against a constant; on the translator, test_jit_budgets
 * also stops it at random budgets and compares with the interpreter. */
#include "test.h"

/* Expected values (computed by a model of each loop). */
#define CCITT 0xfd2f
#define MODBUS 0x8d9
#define OVL_A 499
#define OVL_B 2397
#define FWD 800

    .text
    .globl test_main
test_main:
    /* 1: CRC-16/CCITT (MSB first, poly 0x1021, init 0xffff) over the bytes 0..63 */
    li gp, 1
    li s0, 0xffff
    li s1, 0
    li s2, 64
    li s5, 0x1021
    li s6, 0xffff
1:  slli t0, s1, 8
    xor s0, s0, t0
    li a4, 8
ccitt_bit:
    slliw ra, s0, 1
    slli t2, s0, 48             /* bit 15 into the sign */
    addiw a4, a4, -1
    and s0, ra, s6
    bltz t2, 19f                /* out of line: xor, then back or on */
    bnez a4, ccitt_bit
ccitt_next:
    addi s1, s1, 1
    bne s1, s2, 1b
    EXPECT(s0, CCITT)

    /* 2: CRC-16/Modbus (LSB first, poly 0xa001, init 0xffff) over the bytes 0..63 */
    li gp, 2
    li s0, 0xffff
    li s1, 0
    li s4, 0xa001
1:  xor s0, s0, s1
    li a5, 8
2:  andi t3, s0, 1
    srli s0, s0, 1
    addi a5, a5, -1
    beqz t3, 3f
    xor s0, s0, s4              /* the one-instruction arm */
3:  bnez a5, 2b
    addi s1, s1, 1
    bne s1, s2, 1b
    EXPECT(s0, MODBUS)

    /* 3: sum of the multiples of 4 below 100, in double precision inside the arm */
    li gp, 3
    fmv.d.x fa1, zero
    li s1, 0
    li s2, 100
1:  andi t4, s1, 3
    bnez t4, 2f
    fcvt.d.l fa0, s1
    fadd.d fa1, fa1, fa0
2:  addi s1, s1, 1
    bne s1, s2, 1b
    fcvt.l.d a0, fa1, rtz
    EXPECT(a0, 1200)

    /* 4: 20 passes over 8 doublewords: buf[k] = (buf[k] + pass) ^ mscratch */
    li gp, 4
    la s2, buf
    li s1, 20
    csrr s7, mscratch
1:  li a6, 8
    mv s3, s2
2:  ld t5, 0(s3)
    add t5, t5, s1
    csrr t6, mscratch
    xor t5, t5, t6
    sd t5, 0(s3)
    addi s3, s3, 8
    addi a6, a6, -1
    bnez a6, 2b
    addi s1, s1, -1
    bnez s1, 1b
    li a0, 0
    li a6, 8
    mv s3, s2
2:  ld t5, 0(s3)
    add a0, a0, t5
    addi s3, s3, 8
    addi a6, a6, -1
    bnez a6, 2b
    /* the same recurrence for one doubleword, times 8 */
    li a1, 0
    li s1, 20
3:  add a1, a1, s1
    xor a1, a1, s7
    addi s1, s1, -1
    bnez s1, 3b
    slli a1, a1, 3
    bne a0, a1, fail

    /* 5: overlapping loops: A = [A, beqz A], B = [B, bnez B] starts inside A, ends after */
    li gp, 5
    li s1, 0
    li s2, 0
    li t3, 400
ovl_a:
    addi s1, s1, 1              /* A */
5:  addi s2, s2, 3              /* B */
    andi t0, s2, 4
    beqz t0, ovl_a
    addi t3, t3, -1
    andi t1, t3, 3
    bnez t1, 5b
    bnez t3, 18f                /* back to A through a block of its own */
    EXPECT(s1, OVL_A)
    EXPECT(s2, OVL_B)

    /* 6: an out-of-line arm (two ALU instructions) that jumps forward into the loop */
    li gp, 6
    li s1, 0
    li s2, 0
    li s3, 200
1:  andi t0, s1, 1
    bnez t0, 17f
    addi s2, s2, 1
fwd_join:
    addi s1, s1, 1
    bne s1, s3, 1b
    EXPECT(s2, FWD)
    PASS

    /* out-of-line arms (same page as the loops above) */
17: addi s2, s2, 7
    xori s2, s2, 1
    j fwd_join
18: ld t4, 0(sp)                /* not an ALU instruction: no tail, a real exit */
    j ovl_a
19: xor s0, s0, s5
    bnez a4, ccitt_bit
    j ccitt_next

    .data
    .balign 8
buf:
    .zero 64
