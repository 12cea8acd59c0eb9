/* libhv guest SDK — start-up code: set gp/sp, clear .bss, enable the FPU when running in
 * M-mode on the full board, call main(), then exit with its return value. */
    .section .text.start, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, __stack_top
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  call hv_guest_platform_init
    call main
    call hv_guest_exit
3:  j 3b
