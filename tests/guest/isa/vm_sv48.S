/* SPDX-License-Identifier: MIT */
/* Sv48 translation from S-mode: a full four-level walk to a 4 KiB page, 1 GiB and 512 GiB
 * (terapage) leaves, misaligned terapage, canonical-address rule at bit 47 (an address that
 * is non-canonical under Sv39 is valid here), A/D update at the last level. */
#include "test.h"

    .text
    .globl test_main
test_main:
    la s0, dpage0
    li a0, 0x4444
    sd a0, 0(s0)
    li a0, 0x80000000
    SET_PTR(root, 0, l3)
    SET_PTE(l3, 2, a0, PTE_RWXAD)                 /* identity gigapage for code/data */
    li a1, 0
    SET_PTE(root, 1, a1, PTE_V | PTE_R | PTE_A)   /* VA 512G.. -> PA 0.. (terapage) */
    SET_PTE(root, 2, a0, PTE_V | PTE_R | PTE_A)   /* misaligned terapage */
    SET_PTR(l3, 1, l2)
    SET_PTR(l2, 0, l1)
    SET_PTE(l1, 0, s0, PTE_V | PTE_R | PTE_W)     /* VA 0x40000000 -> dpage0, A = D = 0 */
    la a0, root
    srli a0, a0, 12
    li a1, SATP_SV48
    or a0, a0, a1
    csrw satp, a0
    sfence.vma
    GOTO_S

    li gp, 1
    li s1, 0x40000000
    ld a0, 0(s1)
    EXPECT(a0, 0x4444)
    la t0, l1
    ld a1, 0(t0)
    andi a1, a1, PTE_A | PTE_D
    EXPECT(a1, PTE_A)
    li gp, 2
    sd a0, 8(s1)
    ld a1, 0(t0)
    andi a1, a1, PTE_A | PTE_D
    EXPECT(a1, PTE_A | PTE_D)
    li gp, 3
    li a1, 0x8000000000
    add s2, s0, a1                                /* terapage alias of dpage0 */
    ld a0, 0(s2)
    EXPECT(a0, 0x4444)
    TEST_TRAP_M(4, CAUSE_STORE_PAGE, sd a0, 0(s2))
    li s2, 0x10000000000
    TEST_TRAP_M(5, CAUSE_LOAD_PAGE, ld a0, 0(s2))       /* misaligned terapage */
    li s2, 0x0000800000000000
    TEST_TRAP_M(6, CAUSE_LOAD_PAGE, ld a0, 0(s2))       /* bit 47 without sign extension */
    CHECK_REC(REC_MTVAL, 0x0000800000000000)
    li s2, 0xffff800000000000
    TEST_TRAP_M(7, CAUSE_LOAD_PAGE, ld a0, 0(s2))       /* canonical but unmapped */
    li s2, 0x40001000
    TEST_TRAP_M(8, CAUSE_LOAD_PAGE, ld a0, 0(s2))       /* l1[1] invalid */
    GOTO_M
    csrw satp, zero
    PASS

    .bss
    .align 12
root: .fill 512, 8, 0
l3: .fill 512, 8, 0
l2: .fill 512, 8, 0
l1: .fill 512, 8, 0
dpage0: .fill 512, 8, 0
