/* SPDX-License-Identifier: MIT */
/* Regression (issue 17, item 1): a trap handler whose first instruction faults re-enters
 * itself without retiring an instruction. The hart livelocks, as real hardware would, but
 * hv_vcpu_run's instruction budget must still end the run (exit 124 from `hv run`).
 * Variant selected at build time: TRAP_LOOP_S delegates the illegal-instruction and
 * load-fault exceptions to S-mode and livelocks there. */
    .section .text.init, "ax"
    .globl _start
_start:
    la t0, m_handler
    csrw mtvec, t0
#ifdef TRAP_LOOP_S
    li t0, -1
    csrw pmpaddr0, t0
    li t0, 0x1f
    csrw pmpcfg0, t0
    la t0, s_handler
    csrw stvec, t0
    li t0, (1 << 2) | (1 << 5)         /* illegal instruction, load access fault */
    csrw medeleg, t0
    li t0, (1 << 11)                   /* MPP = S */
    csrc mstatus, t0
    li t0, (1 << 11)
    csrs mstatus, t0
    la t0, 1f
    csrw mepc, t0
    mret
1:
#endif
    .word 0x1234500b                   /* custom-0: illegal instruction */
    j .

    .align 4
m_handler:
    ld t0, 0(zero)                     /* nothing is mapped at 0: load access fault */
    j .

    .align 4
s_handler:
    ld t0, 0(zero)
    j .
