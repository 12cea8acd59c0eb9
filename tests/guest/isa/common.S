/* SPDX-License-Identifier: MIT */
/* libhv ISA tests — start-up code and recording trap handlers shared by every test.
 * _start: stack, PMP (all memory RWX for S/U, for portability), mtvec/stvec, FS = Initial,
 * then test_main in M-mode. The M and S handlers record cause/epc/tval/previous privilege
 * in trap_rec, count traps, and then either resume at the recorded RESUME address (one
 * shot) or skip the trapping instruction (2 or 4 bytes, read at epc: tests keep code
 * identity-mapped). Interrupts are recorded and their enables cleared (mie / sie = 0) so the
 * handler returns to the interrupted instruction. An ECALL (or EBREAK, for tests that
 * delegate ECALLs) with a7 == ECALL_TO_M returns to M-mode after it. */
#include "test.h"

    .section .text.init, "ax"
    .globl _start
_start:
    la sp, stack_top
    li t0, -1
    csrw pmpaddr0, t0
    li t0, 0x1f                 /* NAPOT, R W X */
    csrw pmpcfg0, t0
    la t0, m_trap_vector
    csrw mtvec, t0
    la t0, s_trap_vector
    csrw stvec, t0
    la t0, m_save
    csrw mscratch, t0
    la t0, s_save
    csrw sscratch, t0
    li t0, (1 << 13)
    csrs mstatus, t0
    csrwi fcsr, 0
    call clear_traps
    li gp, 0
    call test_main
    /* test_main returning means pass */
    .globl pass
pass:
    li t0, MSTATUS_MPRV                 /* tohost is reached untranslated */
    csrc mstatus, t0
    li t0, 1
    la t1, tohost
    sd t0, 0(t1)
1:  j 1b

    .globl fail
fail:
    li t0, MSTATUS_MPRV
    csrc mstatus, t0
    slli gp, gp, 1
    ori gp, gp, 1
    la t1, tohost
    sd gp, 0(t1)
1:  j 1b

    .globl clear_traps
clear_traps:
    la t5, trap_rec
    li t6, -1
    sd t6, REC_MCAUSE(t5)
    sd t6, REC_SCAUSE(t5)
    sd t6, REC_MEPC(t5)
    sd t6, REC_SEPC(t5)
    sd t6, REC_MTVAL(t5)
    sd t6, REC_STVAL(t5)
    sd zero, REC_MCOUNT(t5)
    sd zero, REC_SCOUNT(t5)
    sd zero, REC_MRESUME(t5)
    sd zero, REC_SRESUME(t5)
    ret

    .globl goto_s
goto_s:
    li t6, MSTATUS_MPP
    csrc mstatus, t6
    li t6, (1 << 11)
    csrs mstatus, t6
    csrw mepc, ra
    mret

    .globl goto_u
goto_u:
    li t6, MSTATUS_MPP
    csrc mstatus, t6
    csrw mepc, ra
    mret

/* ---- M-mode handler -------------------------------------------------------------------- */
    .align 6
    .globl m_trap_vector
m_trap_vector:
    csrrw sp, mscratch, sp
    sd t0, 0(sp)
    sd t1, 8(sp)
    sd t2, 16(sp)
    la t0, trap_rec
    csrr t1, mcause
    sd t1, REC_MCAUSE(t0)
    csrr t1, mepc
    sd t1, REC_MEPC(t0)
    csrr t1, mtval
    sd t1, REC_MTVAL(t0)
    csrr t1, mstatus
    srli t1, t1, 11
    andi t1, t1, 3
    sd t1, REC_MPP(t0)
    ld t1, REC_MCOUNT(t0)
    addi t1, t1, 1
    sd t1, REC_MCOUNT(t0)
    ld t1, REC_MRESUME(t0)
    beqz t1, 1f
    sd zero, REC_MRESUME(t0)
    andi t2, t1, 1                      /* bit 0 set: resume in M-mode */
    beqz t2, 6f
    li t2, MSTATUS_MPP
    csrs mstatus, t2
6:  csrw mepc, t1                       /* (mepc ignores bit 0) */
    j 9f
1:  csrr t1, mcause
    bltz t1, 5f
    li t2, CAUSE_ECALL_U
    beq t1, t2, 3f
    li t2, CAUSE_ECALL_S
    beq t1, t2, 3f
    li t2, CAUSE_BREAKPOINT
    beq t1, t2, 3f
    j 4f
3:  li t2, ECALL_TO_M
    bne a7, t2, 4f
    li t2, MSTATUS_MPP
    csrs mstatus, t2
4:  /* skip the instruction at mepc (read with M's bare view: tests keep code identity-mapped) */
    csrr t1, mepc
    lhu t2, 0(t1)
    andi t2, t2, 3
    addi t1, t1, 2
    li t0, 3
    bne t2, t0, 2f
    addi t1, t1, 2
2:  csrw mepc, t1
    j 9f
5:  csrw mie, zero
9:  ld t0, 0(sp)
    ld t1, 8(sp)
    ld t2, 16(sp)
    csrrw sp, mscratch, sp
    mret

/* ---- S-mode handler -------------------------------------------------------------------- */
    .align 6
    .globl s_trap_vector
s_trap_vector:
    csrrw sp, sscratch, sp
    sd t0, 0(sp)
    sd t1, 8(sp)
    sd t2, 16(sp)
    la t0, trap_rec
    csrr t1, scause
    sd t1, REC_SCAUSE(t0)
    csrr t1, sepc
    sd t1, REC_SEPC(t0)
    csrr t1, stval
    sd t1, REC_STVAL(t0)
    csrr t1, sstatus
    srli t1, t1, 8
    andi t1, t1, 1
    sd t1, REC_SPP(t0)
    ld t1, REC_SCOUNT(t0)
    addi t1, t1, 1
    sd t1, REC_SCOUNT(t0)
    ld t1, REC_SRESUME(t0)
    beqz t1, 1f
    sd zero, REC_SRESUME(t0)
    csrw sepc, t1
    j 9f
1:  csrr t1, scause
    bltz t1, 5f
    csrr t1, sepc
    lhu t2, 0(t1)
    andi t2, t2, 3
    addi t1, t1, 2
    li t0, 3
    bne t2, t0, 2f
    addi t1, t1, 2
2:  csrw sepc, t1
    j 9f
5:  csrw sie, zero
9:  ld t0, 0(sp)
    ld t1, 8(sp)
    ld t2, 16(sp)
    csrrw sp, sscratch, sp
    sret

    .section .data
    .align 3
    .globl trap_rec
trap_rec:
    .fill 16, 8, 0
    .globl m_save
m_save:
    .fill 8, 8, 0
    .globl s_save
s_save:
    .fill 8, 8, 0

    .section .bss
    .align 4
stack:
    .fill 4096, 1, 0
stack_top:

    .section .tohost, "aw", @progbits
    .align 6
    .globl tohost
tohost: .dword 0
    .size tohost, 8
    .align 6
    .globl fromhost
fromhost: .dword 0
    .size fromhost, 8
