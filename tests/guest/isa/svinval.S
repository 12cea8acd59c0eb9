/* SPDX-License-Identifier: MIT */
/* Svinval: sfence.w.inval / sinval.vma / sfence.inval.ir make a changed PTE visible like
 * sfence.vma does; sinval.vma follows sfence.vma's rules (illegal in U, and in S with
 * mstatus.TVM), the two fences are illegal only in U. */
#include "test.h"
    .option arch, +svinval

#define VA_L0 0x40000000
#define SINVAL_ALL .insn r 0x73, 0, 0x0b, zero, zero, zero

    .text
    .globl test_main
test_main:
    TEST_NO_TRAP(1, sfence.w.inval; sinval.vma zero, zero; sfence.inval.ir)
    la s0, pga
    li a0, 0xaaaa
    sd a0, 0(s0)
    la s1, pgb
    li a0, 0xbbbb
    sd a0, 0(s1)
    li a0, 0x80000000
    SET_PTE(root, 2, a0, PTE_RWXAD)
    SET_PTR(root, 1, l1)
    SET_PTR(l1, 0, l0)
    SET_PTE(l0, 0, s0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    SV39_ON(root)
    GOTO_S
    li gp, 2
    li s2, VA_L0
    ld a0, 0(s2)
    EXPECT(a0, 0xaaaa)
    /* remap the page (S writes the PTE through the identity mapping) */
    li gp, 3
    SET_PTE(l0, 0, s1, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    sfence.w.inval
    sinval.vma s2, zero
    sfence.inval.ir
    ld a0, 0(s2)
    EXPECT(a0, 0xbbbb)
    li gp, 4
    SET_PTE(l0, 0, s0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    sfence.w.inval
    SINVAL_ALL
    sfence.inval.ir
    ld a0, 0(s2)
    EXPECT(a0, 0xaaaa)
    GOTO_M
    /* TVM: sinval.vma illegal in S, the fences are not */
    li t0, MSTATUS_TVM
    csrs mstatus, t0
    GOTO_S
    TEST_TRAP_M(5, CAUSE_ILLEGAL, sinval.vma s2, zero)
    TEST_NO_TRAP(6, sfence.w.inval; sfence.inval.ir)
    GOTO_M
    li t0, MSTATUS_TVM
    csrc mstatus, t0
    SV39_OFF
    /* U-mode: all three illegal */
    GOTO_U
    TEST_TRAP_M(7, CAUSE_ILLEGAL, sinval.vma zero, zero)
    TEST_TRAP_M(8, CAUSE_ILLEGAL, sfence.w.inval)
    TEST_TRAP_M(9, CAUSE_ILLEGAL, sfence.inval.ir)
    GOTO_M
    PASS

    .data
    PAGE(root)
    PAGE(l1)
    PAGE(l0)
    PAGE(pga)
    PAGE(pgb)
