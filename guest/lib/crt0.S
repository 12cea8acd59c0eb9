/* SPDX-License-Identifier: MIT */
/* libhv guest SDK — start-up code: set gp/sp, clear .bss, enable the FPU when running in
 * M-mode on the full board, call main(0, NULL) (there is no command line: argc = 0, argv =
 * NULL, so both `int main(void)` and `int main(int argc, char **argv)` are correct), then
 * exit with its return value. Built with -DHV_GUEST_LIBC for guests on picolibc: thread
 * pointer and constructors are set up first (libc_glue.c) and the return value goes
 * through exit(), which runs atexit handlers and flushes stdio. */
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
#ifdef HV_GUEST_LIBC
    call hv_guest_libc_init
#endif
    li a0, 0
    li a1, 0
    li a2, 0
    call main
#ifdef HV_GUEST_LIBC
    call exit
#else
    call hv_guest_exit
#endif
3:  j 3b
