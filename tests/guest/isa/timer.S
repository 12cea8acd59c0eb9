/* SPDX-License-Identifier: MIT */
/* CLINT and machine interrupts: mtime advances and agrees with the time CSR, mtimecmp
 * reads back, MTIP follows mtime >= mtimecmp, a timer interrupt is taken (direct and
 * vectored mtvec), WFI wakes on a pending enabled interrupt even with MIE = 0, MSIP through
 * the CLINT, and the priority order MSI > MTI > SEI > SSI > STI. */
#include "test.h"

#define MIP_SSIP (1 << 1)
#define MIP_MSIP (1 << 3)
#define MIP_STIP (1 << 5)
#define MIP_MTIP (1 << 7)
#define MIP_SEIP (1 << 9)

/* Spin until the M handler counted a trap (bounded), then check the count. */
#define WAIT_MTRAP \
    li t4, 5000000; 91: la t5, trap_rec; ld t5, REC_MCOUNT(t5); bnez t5, 92f; \
    addi t4, t4, -1; bnez t4, 91b; 92:

    .text
    .globl test_main
test_main:
    li gp, 1
    li s0, CLINT_MTIME
    ld a0, 0(s0)
    li t0, 200000
1:  addi t0, t0, -1
    bnez t0, 1b
    ld a1, 0(s0)
    bleu a1, a0, fail
    rdtime a2
    bltu a2, a1, fail
    li gp, 2
    li s1, CLINT_MTIMECMP
    li a0, 0x123456789
    sd a0, 0(s1)
    ld a1, 0(s1)
    bne a0, a1, fail
    lw a1, 4(s1)                        /* 32-bit halves */
    EXPECT(a1, 1)
    li a0, -1
    sd a0, 0(s1)
    csrr a1, mip
    andi a1, a1, MIP_MTIP
    EXPECT(a1, 0)
    /* timer interrupt, direct mode */
    li gp, 3
    CLEAR_TRAPS
    ld a0, 0(s0)
    addi a0, a0, 1000                   /* 100 us */
    sd a0, 0(s1)
    li a0, MIP_MTIP
    csrw mie, a0
    csrsi mstatus, MSTATUS_MIE
    WAIT_MTRAP
    csrci mstatus, MSTATUS_MIE
    CHECK_MCOUNT(1)
    CHECK_MCAUSE(INTR | 7)
    CHECK_REC(REC_MPP, 3)
    csrr a1, mip
    andi a1, a1, MIP_MTIP
    EXPECT(a1, MIP_MTIP)                /* still pending until mtimecmp moves */
    li a0, -1
    sd a0, 0(s1)
    csrr a1, mip
    andi a1, a1, MIP_MTIP
    EXPECT(a1, 0)
    li a0, MIP_MTIP
    csrc mip, a0                        /* read-only: no effect, no trap */
    /* WFI wakes with MIE = 0 when the enabled timer becomes pending */
    li gp, 4
    CLEAR_TRAPS
    ld a0, 0(s0)
    li t0, 20000                        /* 2 ms */
    add s2, a0, t0
    sd s2, 0(s1)
    li a0, MIP_MTIP
    csrw mie, a0
    li t0, 100
2:  wfi
    csrr a1, mip
    andi a1, a1, MIP_MTIP
    bnez a1, 3f
    addi t0, t0, -1
    bnez t0, 2b
    j fail
3:  ld a0, 0(s0)
    bltu a0, s2, fail
    CHECK_MCOUNT(0)
    li a0, -1
    sd a0, 0(s1)
    csrw mie, zero
    /* vectored mtvec: interrupts go to base + 4 * cause, exceptions to base */
    li gp, 5
    CLEAR_TRAPS
    la a0, vflag
    sd zero, 0(a0)
    csrr s3, mtvec
    la a0, vtable
    ori a0, a0, 1
    csrw mtvec, a0
    sd zero, 0(s1)                      /* mtimecmp = 0: pending now */
    li a0, MIP_MTIP
    csrw mie, a0
    csrsi mstatus, MSTATUS_MIE
    nop
    csrci mstatus, MSTATUS_MIE
    la a0, vflag
    ld a1, 0(a0)
    EXPECT(a1, 7)
    csrr a1, mcause
    EXPECT(a1, INTR | 7)
    li a7, 0
    ecall                               /* exception: entry 0 = the recording handler */
    CHECK_MCOUNT(1)
    CHECK_MCAUSE(CAUSE_ECALL_M)
    csrw mtvec, s3
    li a0, -1
    sd a0, 0(s1)
    /* MSIP through the CLINT */
    li gp, 6
    CLEAR_TRAPS
    li s4, CLINT_MSIP
    li a0, 1
    sw a0, 0(s4)
    lw a1, 0(s4)
    EXPECT(a1, 1)
    csrr a1, mip
    andi a1, a1, MIP_MSIP
    EXPECT(a1, MIP_MSIP)
    li a0, MIP_MSIP
    csrw mie, a0
    csrsi mstatus, MSTATUS_MIE
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_MCOUNT(1)
    CHECK_MCAUSE(INTR | 3)
    sw zero, 0(s4)
    csrr a1, mip
    andi a1, a1, MIP_MSIP
    EXPECT(a1, 0)
    /* priorities: MSI over MTI */
    li gp, 7
    CLEAR_TRAPS
    li a0, 1
    sw a0, 0(s4)
    sd zero, 0(s1)
    li a0, MIP_MSIP | MIP_MTIP
    csrw mie, a0
    csrsi mstatus, MSTATUS_MIE
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_MCOUNT(1)
    CHECK_MCAUSE(INTR | 3)
    sw zero, 0(s4)
    /* MTI over SEI, SSI, STI (all M-level here: mideleg = 0) */
    li gp, 8
    CLEAR_TRAPS
    li a0, MIP_SEIP | MIP_SSIP | MIP_STIP
    csrs mip, a0
    li a0, MIP_MTIP | MIP_SEIP | MIP_SSIP | MIP_STIP
    csrw mie, a0
    csrsi mstatus, MSTATUS_MIE
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_MCAUSE(INTR | 7)
    li a0, -1
    sd a0, 0(s1)
    li gp, 9                            /* SEI over SSI, STI */
    CLEAR_TRAPS
    li a0, MIP_SEIP | MIP_SSIP | MIP_STIP
    csrw mie, a0
    csrsi mstatus, MSTATUS_MIE
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_MCAUSE(INTR | 9)
    li gp, 10                           /* SSI over STI */
    CLEAR_TRAPS
    li a0, MIP_SEIP
    csrc mip, a0
    li a0, MIP_SSIP | MIP_STIP
    csrw mie, a0
    csrsi mstatus, MSTATUS_MIE
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_MCAUSE(INTR | 1)
    li gp, 11                           /* STI alone */
    CLEAR_TRAPS
    li a0, MIP_SSIP
    csrc mip, a0
    li a0, MIP_STIP
    csrw mie, a0
    csrsi mstatus, MSTATUS_MIE
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_MCAUSE(INTR | 5)
    csrw mip, zero
    /* WFI returns at once when an enabled interrupt is already pending */
    li gp, 12
    CLEAR_TRAPS
    li a0, MIP_SSIP
    csrs mip, a0
    csrw mie, a0
    wfi
    CHECK_MCOUNT(0)
    csrw mie, zero
    csrw mip, zero
    PASS

    .align 6
    .option push
    .option norvc                       /* every entry must be 4 bytes */
vtable:
    j m_trap_vector                     /* 0: exceptions */
    .rept 6
    j fail
    .endr
    j vec_mti                           /* 7: machine timer */
    .rept 8
    j fail
    .endr
    .option pop
vec_mti:
    csrrw sp, mscratch, sp
    sd t0, 0(sp)
    sd t1, 8(sp)
    csrw mie, zero
    la t0, vflag
    li t1, 7
    sd t1, 0(t0)
    ld t1, 8(sp)
    ld t0, 0(sp)
    csrrw sp, mscratch, sp
    mret

    .data
    .align 3
vflag: .dword 0
