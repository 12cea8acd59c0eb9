/* SPDX-License-Identifier: MIT */
/* Zicbom / Zicboz / Zicbop: cbo.zero zeroes exactly the 64-byte block holding the address;
 * cbo.clean/flush/inval leave memory alone; prefetch hints do nothing; menvcfg (S) and
 * menvcfg + senvcfg (U) enable each group (CBZE, CBCFE, CBIE) or make it illegal; faults:
 * store access fault off memory, store page fault where translation forbids the access
 * (cbo.zero needs write permission, the others a load or a store), tval = rs1. */
#include "test.h"
    .option arch, +zicbom, +zicboz, +zicbop

#define CBIE_FLUSH (1 << 4)
#define CBCFE (1 << 6)
#define CBZE (1 << 7)
#define NOWHERE 0x40000000
#define VA_L0 0x40000000
/* Fill the 256-byte buffer with 0xff bytes. */
#define FILL la t0, buf; li t1, -1; li t2, 32; 1: sd t1, 0(t0); addi t0, t0, 8; \
    addi t2, t2, -1; bnez t2, 1b
/* a0 = sum of the 32 doublewords of buf (each all-ones doubleword counts -1). */
#define SUM la t0, buf; li a0, 0; li t2, 32; 1: ld t1, 0(t0); add a0, a0, t1; \
    addi t0, t0, 8; addi t2, t2, -1; bnez t2, 1b

    .text
    .globl test_main
test_main:
    /* M-mode: always allowed */
    li gp, 1
    FILL
    la a1, buf
    addi a2, a1, 64 + 6                 /* an unaligned address inside the second block */
    cbo.zero (a2)
    SUM
    EXPECT(a0, -24)                     /* 8 of 32 doublewords zeroed */
    ld t1, 56(a1)
    EXPECT(t1, -1)
    ld t1, 64(a1)
    EXPECT(t1, 0)
    ld t1, 120(a1)
    EXPECT(t1, 0)
    ld t1, 128(a1)
    EXPECT(t1, -1)
    TEST_NO_TRAP(2, cbo.clean (a1); cbo.flush (a1); cbo.inval (a1))
    li gp, 3
    SUM
    EXPECT(a0, -24)
    TEST_NO_TRAP(4, prefetch.i 0(a1); prefetch.r 64(a1); prefetch.w -64(a1))
    /* off memory: store access faults, tval = rs1 */
    li a3, NOWHERE + 8
    TEST_TRAP_M(5, CAUSE_STORE_ACCESS, cbo.zero (a3))
    CHECK_REC(REC_MTVAL, NOWHERE + 8)
    TEST_TRAP_M(6, CAUSE_STORE_ACCESS, cbo.clean (a3))
    CHECK_REC(REC_MTVAL, NOWHERE + 8)
    TEST_NO_TRAP(7, prefetch.w 0(a3))   /* hints never fault */

    /* S-mode: menvcfg = 0 -> illegal */
    csrw menvcfg, zero
    csrw senvcfg, zero
    GOTO_S
    TEST_TRAP_M(8, CAUSE_ILLEGAL, cbo.zero (a1))
    TEST_TRAP_M(9, CAUSE_ILLEGAL, cbo.clean (a1))
    TEST_TRAP_M(10, CAUSE_ILLEGAL, cbo.flush (a1))
    TEST_TRAP_M(11, CAUSE_ILLEGAL, cbo.inval (a1))
    GOTO_M
    li t0, CBZE
    csrw menvcfg, t0
    GOTO_S
    TEST_NO_TRAP(12, cbo.zero (a1))
    TEST_TRAP_M(13, CAUSE_ILLEGAL, cbo.clean (a1))
    TEST_TRAP_M(14, CAUSE_ILLEGAL, cbo.inval (a1))
    GOTO_M
    li gp, 15
    SUM
    EXPECT(a0, -16)
    li t0, CBCFE | CBIE_FLUSH
    csrw menvcfg, t0
    GOTO_S
    TEST_TRAP_M(16, CAUSE_ILLEGAL, cbo.zero (a1))
    TEST_NO_TRAP(17, cbo.clean (a1); cbo.flush (a1); cbo.inval (a1))
    GOTO_M

    /* U-mode: needs menvcfg and senvcfg */
    li t0, CBZE | CBCFE | CBIE_FLUSH
    csrw menvcfg, t0
    GOTO_U
    TEST_TRAP_M(18, CAUSE_ILLEGAL, cbo.zero (a1))
    TEST_TRAP_M(19, CAUSE_ILLEGAL, cbo.flush (a1))
    GOTO_M
    li t0, CBZE | CBCFE | CBIE_FLUSH
    csrw senvcfg, t0
    FILL
    GOTO_U
    TEST_NO_TRAP(20, cbo.zero (a2); cbo.clean (a1); cbo.inval (a1))
    GOTO_M
    li gp, 21
    SUM
    EXPECT(a0, -24)
    csrw senvcfg, zero
    csrw menvcfg, zero

    /* paging: l0[0] read-only, l0[1] invalid */
    li a0, 0x80000000
    SET_PTE(root, 2, a0, PTE_RWXAD)
    SET_PTR(root, 1, l1)
    SET_PTR(l1, 0, l0)
    la s0, buf
    SET_PTE(l0, 0, s0, PTE_V | PTE_R | PTE_A)
    SV39_ON(root)
    li t0, CBZE | CBCFE | CBIE_FLUSH
    csrw menvcfg, t0
    GOTO_S
    li s1, VA_L0 + 0x10
    TEST_TRAP_M(22, CAUSE_STORE_PAGE, cbo.zero (s1))
    CHECK_REC(REC_MTVAL, VA_L0 + 0x10)
    TEST_NO_TRAP(23, cbo.clean (s1); cbo.flush (s1); cbo.inval (s1))
    li s2, VA_L0 + 0x1008
    TEST_TRAP_M(24, CAUSE_STORE_PAGE, cbo.clean (s2))
    CHECK_REC(REC_MTVAL, VA_L0 + 0x1008)
    TEST_TRAP_M(25, CAUSE_STORE_PAGE, cbo.inval (s2))
    GOTO_M
    SV39_OFF
    csrw menvcfg, zero
    PASS

    .data
    PAGE(root)
    PAGE(l1)
    PAGE(l0)
buf: .fill 32, 8, 0
