/* SPDX-License-Identifier: MIT */
/* MRET/SRET: privilege restored from MPP/SPP, xIE <- xPIE, xPIE <- 1, xPP <- U, MPRV
 * cleared when returning below M (kept by MRET to M), SRET always clears MPRV; trap entry
 * saves xIE into xPIE and the previous privilege into xPP. */
#include "test.h"
    .text
    .globl test_main
test_main:
    /* MRET to M: MPP <- U, MIE <- MPIE, MPIE <- 1 */
    li gp, 1
    li a0, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE
    csrs mstatus, a0                   /* MPP = M, MPIE = 1 */
    li a0, MSTATUS_MIE
    csrc mstatus, a0
    la a0, 1f
    csrw mepc, a0
    mret
1:  csrr a0, mstatus
    li a1, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE
    and a0, a0, a1
    EXPECT(a0, MSTATUS_MPIE | MSTATUS_MIE)
    csrci mstatus, MSTATUS_MIE
    /* MRET with MPIE = 0 -> MIE = 0, MPIE = 1 */
    li gp, 2
    li a0, MSTATUS_MPP
    csrs mstatus, a0
    li a0, MSTATUS_MPIE | MSTATUS_MIE
    csrc mstatus, a0
    la a0, 2f
    csrw mepc, a0
    mret
2:  csrr a0, mstatus
    li a1, MSTATUS_MPIE | MSTATUS_MIE
    and a0, a0, a1
    EXPECT(a0, MSTATUS_MPIE)
    /* MRET to M keeps MPRV */
    li gp, 3
    li a0, MSTATUS_MPP | MSTATUS_MPRV
    csrs mstatus, a0
    la a0, 3f
    csrw mepc, a0
    mret
3:  csrr a0, mstatus
    li a1, MSTATUS_MPRV
    and a0, a0, a1
    csrc mstatus, a1
    EXPECT(a0, MSTATUS_MPRV)
    /* MRET to S clears MPRV, sets priv S; trap back records MPP = S and MPIE = MIE(S) = 1 */
    li gp, 4
    li a0, MSTATUS_MPP
    csrc mstatus, a0
    li a0, (1 << 11) | MSTATUS_MPIE | MSTATUS_MPRV
    csrs mstatus, a0
    la a0, 4f
    csrw mepc, a0
    mret
4:  li a7, 0
    CLEAR_TRAPS
    ecall                              /* from S */
    CHECK_MCAUSE(CAUSE_ECALL_S)
    CHECK_REC(REC_MPP, 1)
    GOTO_M
    csrr a0, mstatus
    li a1, MSTATUS_MPRV
    and a1, a0, a1
    EXPECT(a1, 0)
    csrci mstatus, MSTATUS_MIE
    /* SRET from M to U: SIE <- SPIE, SPIE <- 1, SPP <- U, MPRV <- 0 */
    li gp, 5
    li a0, MSTATUS_SPP | MSTATUS_SIE
    csrc mstatus, a0
    li a0, MSTATUS_SPIE | MSTATUS_MPRV
    csrs mstatus, a0
    la a0, 5f
    csrw sepc, a0
    sret
5:  li a7, 0
    CLEAR_TRAPS
    ecall
    CHECK_MCAUSE(CAUSE_ECALL_U)
    GOTO_M
    csrr a0, mstatus
    li a1, MSTATUS_SPP | MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_MPRV
    and a0, a0, a1
    EXPECT(a0, MSTATUS_SIE | MSTATUS_SPIE)
    /* SRET from M to S (SPP = 1), SPIE = 0 -> SIE = 0 */
    li gp, 6
    li a0, MSTATUS_SPIE | MSTATUS_SIE
    csrc mstatus, a0
    li a0, MSTATUS_SPP
    csrs mstatus, a0
    la a0, 6f
    csrw sepc, a0
    sret
6:  csrr a0, sstatus                   /* legal only in S (or M): proves priv >= S */
    li a1, MSTATUS_SPP | MSTATUS_SIE | MSTATUS_SPIE
    and a0, a0, a1
    EXPECT(a0, MSTATUS_SPIE)
    li a7, 0
    CLEAR_TRAPS
    ecall
    CHECK_MCAUSE(CAUSE_ECALL_S)        /* and not M: we were in S */
    GOTO_M
    /* SRET inside S returns to U via SPP = 0 */
    li gp, 7
    GOTO_S
    li a0, MSTATUS_SPP
    csrc sstatus, a0
    la a0, 7f
    csrw sepc, a0
    sret
7:  CLEAR_TRAPS
    li a7, 0
    ecall
    CHECK_MCAUSE(CAUSE_ECALL_U)
    GOTO_M
    /* S trap entry from S: SPP = 1, SPIE = old SIE */
    li gp, 8
    li a0, 1 << CAUSE_ILLEGAL
    csrw medeleg, a0
    GOTO_S
    csrsi sstatus, MSTATUS_SIE
    CLEAR_TRAPS
    .word 0x1234500b
    csrr s1, sstatus
    GOTO_M
    CHECK_SCOUNT(1)
    CHECK_REC(REC_SPP, 1)
    andi s1, s1, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP
    EXPECT(s1, MSTATUS_SIE | MSTATUS_SPIE)      /* after SRET: SIE restored, SPP = U */
    csrw medeleg, zero
    csrci sstatus, MSTATUS_SIE
    /* M trap entry: MPIE <- MIE, MIE <- 0 */
    li gp, 9
    csrsi mstatus, MSTATUS_MIE
    li a0, MSTATUS_MPIE
    csrc mstatus, a0
    CLEAR_TRAPS
    li a0, 0
    csrw mie, zero
    la a1, 9f
    csrw mscratch, zero                /* make the handler not touch sp: use a custom hook */
    la a0, m_save
    csrw mscratch, a0
    M_RESUME(9f)
    .word 0x1234500b
9:  csrr a0, mstatus                   /* after the handler's MRET: MIE <- MPIE (1) */
    andi a0, a0, MSTATUS_MIE
    EXPECT(a0, MSTATUS_MIE)
    csrci mstatus, MSTATUS_MIE
    PASS
