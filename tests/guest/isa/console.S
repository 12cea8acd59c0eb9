/* SPDX-License-Identifier: MIT */
/* Console output paths: the NS16550A UART (THR when LSR.THRE) and the HTIF console
 * (device 1, command 1: putchar, acknowledged through fromhost). The CTest checks the
 * text "uart-ok htif-ok" on the tool's output. */
#include "test.h"

#define UART 0x10000000
    .text
    .globl test_main
test_main:
    li gp, 1
    la s0, msg_uart
    li s1, UART
1:  lbu a0, 0(s0)
    beqz a0, 3f
2:  lbu t0, 5(s1)                       /* LSR */
    andi t0, t0, 0x20                   /* THRE */
    beqz t0, 2b
    sb a0, 0(s1)
    addi s0, s0, 1
    j 1b
3:  li gp, 2
    la s0, msg_htif
    la s1, tohost
    la s2, fromhost
4:  lbu a0, 0(s0)
    beqz a0, 6f
    li t0, (1 << 56) | (1 << 48)
    or t0, t0, a0
    sd t0, 0(s1)
    li t1, 1000
5:  ld t0, 0(s2)                        /* wait for the acknowledgement */
    addi t1, t1, -1
    beqz t1, fail
    beqz t0, 5b
    sd zero, 0(s2)
    ld t0, 0(s1)
    bnez t0, fail                       /* the host cleared tohost */
    addi s0, s0, 1
    j 4b
6:  PASS

    .data
msg_uart: .asciz "uart-ok "
msg_htif: .asciz "htif-ok\n"
