/* SPDX-License-Identifier: MIT */
/* Entry of the small boot-test guests (S-mode SBI payload, M-mode board tests): a per-hart
 * stack, then main(hartid, a1) for the first entry and secondary(hartid, a1) for harts
 * started later (SBI HSM hart_start jumps to _start2). */
    .section .text.start, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, __stack_top
    slli t0, a0, 13
    sub sp, sp, t0
    call main
1:  j 1b

    .globl _start2
_start2:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, __stack_top
    slli t0, a0, 13
    sub sp, sp, t0
    call secondary
2:  wfi
    j 2b
