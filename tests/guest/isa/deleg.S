/* SPDX-License-Identifier: MIT */
/* Trap delegation: medeleg sends exceptions from S/U to the S handler (scause, sepc, stval,
 * SPP, SPIE/SIE) but never exceptions raised in M; mideleg sends interrupts to S, where
 * they are taken when below S or in S with SIE, never in M; undelegated interrupts are
 * taken in M from S even with MIE = 0. */
#include "test.h"
    .text
    .globl test_main
test_main:
    li a0, (1 << CAUSE_ECALL_U) | (1 << CAUSE_ILLEGAL)
    csrw medeleg, a0
    /* ECALL from U -> S handler */
    li gp, 1
    CLEAR_TRAPS
    GOTO_U
    li a7, 0
1:  ecall
    GOTO_M_BRK
    CHECK_SCOUNT(1)
    CHECK_MCOUNT(1)                    /* only the EBREAK that brought us back */
    CHECK_SCAUSE(CAUSE_ECALL_U)
    CHECK_REC_LABEL(REC_SEPC, 1b)
    CHECK_REC(REC_SPP, 0)
    CHECK_REC(REC_STVAL, 0)
    /* illegal instruction in U and in S -> S, stval = instruction */
    li gp, 2
    CLEAR_TRAPS
    GOTO_S
2:  .word 0x1234500b
    GOTO_M
    CHECK_SCOUNT(1)
    CHECK_SCAUSE(CAUSE_ILLEGAL)
    CHECK_REC(REC_STVAL, 0x1234500b)
    CHECK_REC(REC_SPP, 1)
    CHECK_REC_LABEL(REC_SEPC, 2b)
    /* ECALL from S is not delegated (bit 9 clear) */
    li gp, 3
    CHECK_MCOUNT(1)
    CHECK_MCAUSE(CAUSE_ECALL_S)
    /* an illegal instruction in M stays in M even when delegated */
    li gp, 4
    CLEAR_TRAPS
    .word 0x1234500b
    CHECK_MCOUNT(1)
    CHECK_SCOUNT(0)
    CHECK_MCAUSE(CAUSE_ILLEGAL)
    /* SPIE/SIE on S trap entry: SIE = 1 before -> SPIE = 1, SIE = 0 in the handler;
     * SRET restores SIE = 1 */
    li gp, 5
    CLEAR_TRAPS
    li a0, MSTATUS_SIE | MSTATUS_SPIE
    csrc mstatus, a0
    li a0, MSTATUS_SIE
    csrs mstatus, a0
    GOTO_S
    .word 0x1234500b
    csrr s1, sstatus
    GOTO_M
    CHECK_SCOUNT(1)
    andi s1, s1, MSTATUS_SIE | MSTATUS_SPIE
    EXPECT(s1, MSTATUS_SIE | MSTATUS_SPIE)
    csrw medeleg, zero
    li a0, MSTATUS_SIE
    csrc mstatus, a0
    /* interrupts: SSIP delegated, taken in S with SIE = 1 */
    li gp, 6
    CLEAR_TRAPS
    li a0, 2
    csrw mideleg, a0
    csrw mie, a0
    csrs mip, a0                       /* pending, but in M a delegated interrupt waits */
    li a0, MSTATUS_MIE
    csrs mstatus, a0
    nop
    nop
    CHECK_SCOUNT(0)
    CHECK_MCOUNT(0)
    csrc mstatus, a0
    GOTO_S                             /* SIE = 0: still not taken */
    nop
    nop
    CHECK_SCOUNT(0)
    csrsi sstatus, MSTATUS_SIE         /* now it is */
    nop
    nop
    csrci sstatus, MSTATUS_SIE
    GOTO_M
    CHECK_SCOUNT(1)
    CHECK_SCAUSE(INTR | 1)
    CHECK_REC(REC_SPP, 1)
    li gp, 7                           /* taken in U regardless of SIE */
    CLEAR_TRAPS
    li a0, 2
    csrw mie, a0
    GOTO_U
    nop
    nop
    GOTO_M_BRK
    CHECK_SCOUNT(1)
    CHECK_SCAUSE(INTR | 1)
    CHECK_REC(REC_SPP, 0)
    /* not delegated: SSIP is an M-level interrupt, taken from S although MIE = 0 */
    li gp, 8
    CLEAR_TRAPS
    csrw mideleg, zero
    li a0, 2
    csrw mie, a0
    GOTO_S
    nop
    nop
    GOTO_M
    CHECK_MCOUNT(2)                    /* the interrupt, then the ECALL */
    CHECK_SCOUNT(0)
    CHECK_MCAUSE(CAUSE_ECALL_S)
    li gp, 9                           /* in M with MIE = 0: not taken */
    csrci mstatus, MSTATUS_MIE         /* (MRETs restore MIE from MPIE = 1) */
    CLEAR_TRAPS
    li a0, 2
    csrw mie, a0
    nop
    nop
    CHECK_MCOUNT(0)
    li a0, MSTATUS_MIE                 /* MIE = 1: taken at once */
    csrs mstatus, a0
    nop
    csrc mstatus, a0
    CHECK_MCOUNT(1)
    CHECK_MCAUSE(INTR | 1)
    CHECK_REC(REC_MPP, 3)
    csrw mip, zero
    csrw mie, zero
    PASS
