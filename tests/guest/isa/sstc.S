/* SPDX-License-Identifier: MIT */
/* Sstc: with menvcfg.STCE, STIP = (time >= stimecmp) and mip.STIP is not writable; without
 * it M writes STIP. A delegated supervisor timer interrupt is taken in S from stimecmp
 * programmed in S; WFI in S wakes on it; an undelegated STI is taken in M from S. */
#include "test.h"

#define MIP_STIP (1 << 5)

    .text
    .globl test_main
test_main:
    li gp, 1
    li a0, (1 << 63)
    csrs menvcfg, a0
    csrw stimecmp, zero
    csrr a1, mip
    andi a1, a1, MIP_STIP
    EXPECT(a1, MIP_STIP)
    li a0, -1
    csrw stimecmp, a0
    csrr a1, mip
    andi a1, a1, MIP_STIP
    EXPECT(a1, 0)
    li gp, 2
    li a0, MIP_STIP
    csrs mip, a0                        /* not writable while Sstc drives it */
    csrr a1, mip
    andi a1, a1, MIP_STIP
    EXPECT(a1, 0)
    li gp, 3
    li a0, (1 << 63)
    csrc menvcfg, a0
    li a0, MIP_STIP
    csrs mip, a0                        /* STCE = 0: M writes STIP */
    csrr a1, mip
    andi a1, a1, MIP_STIP
    EXPECT(a1, MIP_STIP)
    csrc mip, a0
    csrr a1, mip
    andi a1, a1, MIP_STIP
    EXPECT(a1, 0)
    li a0, (1 << 63)
    csrs menvcfg, a0
    /* delegated STI in S */
    li gp, 4
    CLEAR_TRAPS
    li a0, MIP_STIP
    csrw mideleg, a0
    csrw mie, a0
    li a0, 2
    csrw mcounteren, a0                 /* TM: S may use time and stimecmp */
    GOTO_S
    rdtime a0
    addi a0, a0, 1000
    csrw stimecmp, a0
    csrsi sstatus, MSTATUS_SIE
    li t4, 5000000
1:  la t5, trap_rec
    ld t5, REC_SCOUNT(t5)
    bnez t5, 2f
    addi t4, t4, -1
    bnez t4, 1b
2:  csrci sstatus, MSTATUS_SIE
    CHECK_SCOUNT(1)
    CHECK_MCOUNT(0)
    CHECK_SCAUSE(INTR | 5)
    CHECK_REC(REC_SPP, 1)
    /* WFI in S wakes on STIP with SIE = 0 */
    li gp, 5
    CLEAR_TRAPS
    li a0, MIP_STIP
    csrw sie, a0
    rdtime a0
    li t0, 20000
    add s2, a0, t0
    csrw stimecmp, s2
    li t0, 100
3:  wfi
    csrr a1, sip
    andi a1, a1, MIP_STIP
    bnez a1, 4f
    addi t0, t0, -1
    bnez t0, 3b
    j fail
4:  rdtime a0
    bltu a0, s2, fail
    CHECK_SCOUNT(0)
    li a0, -1
    csrw stimecmp, a0
    GOTO_M
    /* not delegated: taken in M from S even with MIE = 0 */
    li gp, 6
    CLEAR_TRAPS
    csrw mideleg, zero
    li a0, MIP_STIP
    csrw mie, a0
    csrw stimecmp, zero
    csrci mstatus, MSTATUS_MIE
    GOTO_S
    nop
    nop
    GOTO_M
    CHECK_MCOUNT(2)                     /* the interrupt, then the ECALL */
    CHECK_MCAUSE(CAUSE_ECALL_S)
    csrw mie, zero
    li a0, -1
    csrw stimecmp, a0
    csrw menvcfg, zero
    PASS
