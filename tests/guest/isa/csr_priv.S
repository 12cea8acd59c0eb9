/* SPDX-License-Identifier: MIT */
/* CSR access from lower privilege levels: M CSRs from S/U and S CSRs from U are illegal;
 * counter access gated by mcounteren (S) and mcounteren & scounteren (U); TVM traps satp
 * and SFENCE.VMA in S; stimecmp needs menvcfg.STCE and mcounteren.TM in S; TSR makes SRET
 * illegal in S; TW makes WFI illegal in S; WFI in U is always illegal; user FP CSRs are
 * accessible from U. Traps go to M (no delegation) and return to the trapping mode. */
#include "test.h"
    .text
    .globl test_main
test_main:
    GOTO_S
    TEST_TRAP_M(1, CAUSE_ILLEGAL, csrr a0, mstatus)
    CHECK_REC(REC_MPP, 1)
    CHECK_REC(REC_MTVAL, 0x30002573)         /* csrrs a0, mstatus, x0 */
    TEST_TRAP_M(2, CAUSE_ILLEGAL, csrr a0, mscratch)
    TEST_TRAP_M(3, CAUSE_ILLEGAL, csrw mepc, a0)
    TEST_TRAP_M(4, CAUSE_ILLEGAL, csrr a0, mhartid)
    TEST_TRAP_M(5, CAUSE_ILLEGAL, csrr a0, pmpaddr0)
    TEST_NO_TRAP(6, csrr a0, sstatus; csrr a0, sscratch; csrw sscratch, a0; csrr a0, satp)
    TEST_NO_TRAP(7, csrr a0, fflags)
    /* counters: mcounteren = 0 */
    TEST_TRAP_M(8, CAUSE_ILLEGAL, rdcycle a0)
    TEST_TRAP_M(9, CAUSE_ILLEGAL, rdtime a0)
    TEST_TRAP_M(10, CAUSE_ILLEGAL, rdinstret a0)
    TEST_TRAP_M(11, CAUSE_ILLEGAL, csrr a0, hpmcounter3)
    GOTO_M
    li a0, 0x5                               /* CY, IR */
    csrw mcounteren, a0
    GOTO_S
    TEST_NO_TRAP(12, rdcycle a0; rdinstret a0)
    TEST_TRAP_M(13, CAUSE_ILLEGAL, rdtime a0)
    GOTO_M
    GOTO_U
    TEST_TRAP_M(14, CAUSE_ILLEGAL, rdcycle a0)   /* scounteren = 0 */
    CHECK_REC(REC_MPP, 0)
    TEST_TRAP_M(15, CAUSE_ILLEGAL, csrr a0, sstatus)
    TEST_TRAP_M(16, CAUSE_ILLEGAL, csrr a0, mstatus)
    TEST_NO_TRAP(17, csrr a0, fcsr; csrw fflags, zero)
    GOTO_M
    li a0, 0x1
    csrw scounteren, a0
    GOTO_U
    TEST_NO_TRAP(18, rdcycle a0)
    TEST_TRAP_M(19, CAUSE_ILLEGAL, rdinstret a0)
    TEST_TRAP_M(20, CAUSE_ILLEGAL, wfi)          /* WFI in U: always illegal */
    TEST_TRAP_M(21, CAUSE_ILLEGAL, sfence.vma)
    TEST_TRAP_M(22, CAUSE_ILLEGAL, sret)
    TEST_TRAP_M(23, CAUSE_ILLEGAL, mret)
    GOTO_M
    csrw mcounteren, zero
    csrw scounteren, zero
    /* TVM */
    li a0, MSTATUS_TVM
    csrs mstatus, a0
    GOTO_S
    TEST_TRAP_M(24, CAUSE_ILLEGAL, csrr a0, satp)
    TEST_TRAP_M(25, CAUSE_ILLEGAL, csrw satp, zero)
    TEST_TRAP_M(26, CAUSE_ILLEGAL, sfence.vma)
    GOTO_M
    TEST_NO_TRAP(27, csrr a0, satp; sfence.vma)  /* TVM does not affect M */
    li a0, MSTATUS_TVM
    csrc mstatus, a0
    GOTO_S
    TEST_NO_TRAP(28, csrr a0, satp; sfence.vma)
    /* stimecmp */
    TEST_TRAP_M(29, CAUSE_ILLEGAL, csrr a0, stimecmp)   /* STCE = 0 */
    GOTO_M
    li a0, (1 << 63)
    csrs menvcfg, a0
    GOTO_S
    TEST_TRAP_M(30, CAUSE_ILLEGAL, csrr a0, stimecmp)   /* TM = 0 */
    GOTO_M
    li a0, 2
    csrw mcounteren, a0
    GOTO_S
    TEST_NO_TRAP(31, csrr a0, stimecmp; rdtime a0)
    GOTO_M
    li a0, (1 << 63)
    csrc menvcfg, a0
    csrw mcounteren, zero
    /* TSR */
    li a0, MSTATUS_TSR
    csrs mstatus, a0
    GOTO_S
    TEST_TRAP_M(32, CAUSE_ILLEGAL, sret)
    TEST_TRAP_M(33, CAUSE_ILLEGAL, mret)
    GOTO_M
    li a0, MSTATUS_TSR
    csrc mstatus, a0
    /* TW; WFI in S with TW = 0 completes at once when an interrupt is pending and
     * enabled in mie (here SSIP, delegated, with SIE = 0 so it is not taken). */
    li a0, MSTATUS_TW
    csrs mstatus, a0
    GOTO_S
    TEST_TRAP_M(34, CAUSE_ILLEGAL, wfi)
    GOTO_M
    li a0, MSTATUS_TW
    csrc mstatus, a0
    li a0, 2
    csrw mideleg, a0
    csrw mie, a0
    csrs mip, a0
    GOTO_S
    TEST_NO_TRAP(35, wfi)
    GOTO_M
    csrw mie, zero
    csrw mip, zero
    csrw mideleg, zero
    PASS
