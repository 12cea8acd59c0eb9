/* SPDX-License-Identifier: MIT */
/* Entry of the QEMU-compatibility guests: every hart starts here in M-mode (hv run --bios
 * none), takes a stack by mhartid (8 KiB each, tests/guest/boot/link.ld) and its own trap
 * vector, then calls main(hartid). RAM is zero at power-on, so .bss needs no clearing (and
 * must not be cleared: other harts already use it). trap(mcause) runs with the caller-saved
 * registers preserved, then MRET. */
    .section .text.start, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    csrr a0, mhartid
    la sp, __stack_top
    slli t0, a0, 13
    sub sp, sp, t0
    la t0, trap_entry
    csrw mtvec, t0
    call main
1:  wfi
    j 1b

    .align 4
trap_entry:
    addi sp, sp, -128
    sd ra, 0(sp)
    sd t0, 8(sp)
    sd t1, 16(sp)
    sd t2, 24(sp)
    sd t3, 32(sp)
    sd t4, 40(sp)
    sd t5, 48(sp)
    sd t6, 56(sp)
    sd a0, 64(sp)
    sd a1, 72(sp)
    sd a2, 80(sp)
    sd a3, 88(sp)
    sd a4, 96(sp)
    sd a5, 104(sp)
    sd a6, 112(sp)
    sd a7, 120(sp)
    csrr a0, mcause
    call trap
    ld ra, 0(sp)
    ld t0, 8(sp)
    ld t1, 16(sp)
    ld t2, 24(sp)
    ld t3, 32(sp)
    ld t4, 40(sp)
    ld t5, 48(sp)
    ld t6, 56(sp)
    ld a0, 64(sp)
    ld a1, 72(sp)
    ld a2, 80(sp)
    ld a3, 88(sp)
    ld a4, 96(sp)
    ld a5, 104(sp)
    ld a6, 112(sp)
    ld a7, 120(sp)
    addi sp, sp, 128
    mret
