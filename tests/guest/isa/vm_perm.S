/* SPDX-License-Identifier: MIT */
/* Effective privilege and permission bits: U-mode runs only on U pages and faults on
 * S pages; S cannot execute U pages; MPRV makes M-mode loads/stores use MPP's privilege
 * and translation (instruction fetch unaffected); MPRV with MPP = M is untranslated;
 * SUM and MXR apply to MPRV accesses too. */
#include "test.h"

#define VA_D 0x40000000

    .text
    .globl test_main
test_main:
    la s0, dpage
    li a0, 0x5555
    sd a0, 0(s0)
    li a0, 0x80000000
    /* root_s: code as an S page; root_u: code as a U page; both map VA_D */
    SET_PTE(root_s, 2, a0, PTE_RWXAD)
    SET_PTE(root_u, 2, a0, PTE_RWXAD | PTE_U)
    SET_PTR(root_s, 1, l1)
    SET_PTR(root_u, 1, l1)
    SET_PTR(l1, 0, l0)
    SET_PTE(l0, 0, s0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)           /* S data */
    SET_PTE(l0, 1, s0, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D)   /* U data */
    SET_PTE(l0, 2, s0, PTE_V | PTE_X | PTE_U | PTE_A)                   /* U exec-only */
    la a0, root_u
    srli a0, a0, 12
    li a1, SATP_SV39
    or s10, a0, a1                              /* satp for U tests */
    la a0, root_s
    srli a0, a0, 12
    or s11, a0, a1                              /* satp for S / MPRV tests */

    /* U-mode */
    csrw satp, s10
    sfence.vma
    GOTO_U
    li gp, 1
    li s1, VA_D + 0x1000
    ld a0, 0(s1)
    EXPECT(a0, 0x5555)
    li s1, VA_D
    TEST_TRAP_M(2, CAUSE_LOAD_PAGE, ld a0, 0(s1))       /* S page from U */
    CHECK_REC(REC_MPP, 0)
    TEST_TRAP_M(3, CAUSE_STORE_PAGE, sd a0, 0(s1))
    li s1, VA_D + 0x2000
    TEST_TRAP_M(4, CAUSE_LOAD_PAGE, ld a0, 0(s1))       /* exec-only, MXR = 0 */
    GOTO_M
    li a0, MSTATUS_MXR
    csrs mstatus, a0
    GOTO_U
    TEST_NO_TRAP(5, ld a0, 0(s1))                        /* MXR applies to U too */
    GOTO_M
    li a0, MSTATUS_MXR
    csrc mstatus, a0
    /* S cannot run on U pages, even with SUM */
    li a0, MSTATUS_SUM
    csrs mstatus, a0
    li gp, 6
    CLEAR_TRAPS
    M_RESUME_M(1f)
    GOTO_S                                       /* the mret target is a U page */
1:  CHECK_MCOUNT(1)
    CHECK_MCAUSE(CAUSE_FETCH_PAGE)
    CHECK_REC(REC_MPP, 1)
    li a0, MSTATUS_SUM
    csrc mstatus, a0

    /* MPRV from M */
    csrw satp, s11
    sfence.vma
    li gp, 7
    li a0, MSTATUS_MPP
    csrc mstatus, a0
    li a0, (1 << 11) | MSTATUS_MPRV              /* MPP = S */
    csrs mstatus, a0
    li s1, VA_D
    ld a0, 0(s1)                                 /* translated with S rights */
    EXPECT(a0, 0x5555)
    li s1, VA_D + 0x1000
    li gp, 8
    CLEAR_TRAPS
    ld a0, 0(s1)                                 /* U page, SUM = 0: fault */
    li a0, MSTATUS_MPRV                          /* the handler's MRET left MPP = U: */
    csrc mstatus, a0                             /* check the record untranslated */
    CHECK_MCOUNT(1)
    CHECK_MCAUSE(CAUSE_LOAD_PAGE)
    CHECK_REC(REC_MPP, 3)                        /* the trap came from M */
    CHECK_REC(REC_MTVAL, VA_D + 0x1000)
    li a0, MSTATUS_MPP
    csrc mstatus, a0
    li a0, (1 << 11) | MSTATUS_MPRV | MSTATUS_SUM
    csrs mstatus, a0
    li gp, 9
    ld a0, 0(s1)                                 /* with SUM: allowed */
    EXPECT(a0, 0x5555)
    li gp, 10
    li a0, MSTATUS_MPP                           /* MPP = U */
    csrc mstatus, a0
    li s1, VA_D + 0x1000
    ld a0, 0(s1)
    EXPECT(a0, 0x5555)
    li s1, VA_D
    li gp, 11
    li a0, MSTATUS_MPRV
    csrc mstatus, a0
    CLEAR_TRAPS
    csrs mstatus, a0
    sd a0, 0(s1)                                 /* S page with U rights */
    li a0, MSTATUS_MPRV
    csrc mstatus, a0
    CHECK_MCOUNT(1)
    CHECK_MCAUSE(CAUSE_STORE_PAGE)
    /* fetches are not affected by MPRV: we are still executing M code */
    li gp, 12
    li a0, MSTATUS_MPP | MSTATUS_MPRV
    csrs mstatus, a0                             /* MPP = M: untranslated */
    la s1, dpage
    ld a0, 0(s1)
    EXPECT(a0, 0x5555)
    li a0, MSTATUS_MPRV | MSTATUS_SUM
    csrc mstatus, a0
    TEST_TRAP_M(13, CAUSE_LOAD_ACCESS, li s1, VA_D; ld a0, 0(s1))  /* M: bare, no RAM there */
    csrw satp, zero
    PASS

    .bss
    .align 12
root_s: .fill 512, 8, 0
root_u: .fill 512, 8, 0
l1: .fill 512, 8, 0
l0: .fill 512, 8, 0
dpage: .fill 512, 8, 0
