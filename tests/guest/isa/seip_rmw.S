/* SPDX-License-Identifier: MIT */
/* mip.SEIP reads as the software-writable bit OR the PLIC's S-mode line, but only the
 * software bit takes part in a CSRRS/CSRRC read-modify-write (privileged spec, mip). The
 * line is driven here by the UART's THR-empty interrupt on hart 0's S context; an M-mode
 * `csrs mip, SSIP` (what OpenSBI does to inject an IPI) while it is high must not latch
 * SEIP, or Linux takes an external interrupt no claim can clear (issue 17 item 3: SMP
 * boots stalled in an interrupt storm under host load). Nothing is enabled in mie, so no
 * interrupt is taken. */
#include "test.h"

#define MIP_SSIP (1 << 1)
#define MIP_SEIP (1 << 9)
#define PLIC 0x0c000000
#define UART 0x10000000

    .text
    .globl test_main
test_main:
    /* UART source 10, priority 1, enabled on context 1 (hart 0, S), threshold 0. */
    li t0, PLIC
    li t1, 1
    sw t1, 40(t0)
    li t0, PLIC + 0x2080
    li t1, 1 << 10
    sw t1, 0(t0)
    li t0, PLIC + 0x201000
    sw zero, 0(t0)
    li t0, UART
    li t1, 0x02
    sb t1, 1(t0)                        /* IER.THRI with THR empty: the line goes high */

    li gp, 1
    csrr a1, mip
    andi a1, a1, MIP_SEIP
    EXPECT(a1, MIP_SEIP)
    li gp, 2
    li a0, MIP_SSIP
    csrs mip, a0                        /* read-modify-write while the line is high */
    csrr a1, mip
    andi a1, a1, MIP_SSIP | MIP_SEIP
    EXPECT(a1, MIP_SSIP | MIP_SEIP)
    li gp, 3
    li t0, UART
    lbu t1, 2(t0)                       /* IIR reports THRE and acknowledges it */
    andi t1, t1, 0x0f
    EXPECT(t1, 0x02)
    csrr a1, mip
    andi a1, a1, MIP_SEIP
    EXPECT(a1, 0)                       /* the line dropped: SEIP was not latched */
    li gp, 4
    li a0, MIP_SSIP
    csrc mip, a0
    csrr a1, mip
    andi a1, a1, MIP_SSIP | MIP_SEIP
    EXPECT(a1, 0)

    /* The software bit itself: set and cleared by M, ORed with the line. */
    li gp, 5
    li a0, MIP_SEIP
    csrs mip, a0
    csrr a1, mip
    andi a1, a1, MIP_SEIP
    EXPECT(a1, MIP_SEIP)
    li t0, UART
    sb zero, 1(t0)
    li t1, 0x02
    sb t1, 1(t0)                        /* THRI re-enabled, THR empty: the line high */
    li a0, MIP_SSIP
    csrc mip, a0                        /* a read-modify-write of another bit */
    lbu t1, 2(t0)                       /* line low again */
    csrr a1, mip
    andi a1, a1, MIP_SEIP
    EXPECT(a1, MIP_SEIP)                /* the software bit stayed set */
    li gp, 6
    li a0, MIP_SEIP
    csrc mip, a0
    csrr a1, mip
    andi a1, a1, MIP_SEIP
    EXPECT(a1, 0)
    li gp, 7
    li a0, MIP_SEIP
    csrrw a1, mip, a0                   /* CSRRW writes every bit */
    csrrw a1, mip, zero
    andi a1, a1, MIP_SEIP
    EXPECT(a1, MIP_SEIP)
    csrr a1, mip
    andi a1, a1, MIP_SEIP
    EXPECT(a1, 0)
    li t0, UART
    sb zero, 1(t0)                      /* IER off */
    PASS
