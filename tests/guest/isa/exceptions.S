/* SPDX-License-Identifier: MIT */
/* Synchronous exceptions: illegal instruction (mtval = instruction bits, 16 and 32 bit),
 * EBREAK / C.EBREAK (mtval = pc), ECALL from U/S/M with the right cause and MPP, load /
 * store / AMO / fetch access faults on unmapped physical addresses (mtval = address),
 * fetch from an MMIO region, no register write-back on a faulting load, mepc = faulting
 * instruction. With the C extension instruction-address-misaligned cannot occur (every
 * target is 2-byte aligned; JALR clears bit 0), so it is not tested. */
#include "test.h"

#define NOWHERE 0x100000000000
    .text
    .globl test_main
test_main:
    li gp, 1
    CLEAR_TRAPS
1:  .word 0x1234500b                      /* custom-0: not implemented */
    CHECK_MCOUNT(1)
    CHECK_MCAUSE(CAUSE_ILLEGAL)
    CHECK_REC(REC_MTVAL, 0x1234500b)
    CHECK_REC_LABEL(REC_MEPC, 1b)
    li gp, 2
    CLEAR_TRAPS
2:  .half 0x0000                          /* the all-zero parcel is illegal */
    CHECK_MCOUNT(1)
    CHECK_MCAUSE(CAUSE_ILLEGAL)
    CHECK_REC(REC_MTVAL, 0)
    CHECK_REC_LABEL(REC_MEPC, 2b)
    li gp, 3
    CLEAR_TRAPS
3:  .word 0x00100073                      /* ebreak (32-bit) */
    CHECK_MCOUNT(1)
    CHECK_MCAUSE(CAUSE_BREAKPOINT)
    CHECK_REC_LABEL(REC_MTVAL, 3b)
    CHECK_REC_LABEL(REC_MEPC, 3b)
    li gp, 4
    CLEAR_TRAPS
4:  c.ebreak
    CHECK_MCOUNT(1)
    CHECK_MCAUSE(CAUSE_BREAKPOINT)
    CHECK_REC_LABEL(REC_MEPC, 4b)
    li gp, 5
    CLEAR_TRAPS
    li a7, 0
5:  ecall
    CHECK_MCOUNT(1)
    CHECK_MCAUSE(CAUSE_ECALL_M)
    CHECK_REC_LABEL(REC_MEPC, 5b)
    CHECK_REC(REC_MTVAL, 0)
    CHECK_REC(REC_MPP, 3)
    GOTO_S
    li gp, 6
    CLEAR_TRAPS
    li a7, 0
    ecall
    CHECK_MCOUNT(1)
    CHECK_MCAUSE(CAUSE_ECALL_S)
    CHECK_REC(REC_MPP, 1)
    GOTO_M
    GOTO_U
    li gp, 7
    CLEAR_TRAPS
    li a7, 0
    ecall
    CHECK_MCOUNT(1)
    CHECK_MCAUSE(CAUSE_ECALL_U)
    CHECK_REC(REC_MPP, 0)
    GOTO_M
    /* access faults */
    li gp, 8
    CLEAR_TRAPS
    li s0, NOWHERE
    li a0, 55
6:  ld a0, 0(s0)
    CHECK_MCOUNT(1)
    CHECK_MCAUSE(CAUSE_LOAD_ACCESS)
    CHECK_REC(REC_MTVAL, NOWHERE)
    CHECK_REC_LABEL(REC_MEPC, 6b)
    EXPECT(a0, 55)                         /* rd not written */
    TEST_TRAP_M(9, CAUSE_STORE_ACCESS, sd a0, 8(s0))
    CHECK_REC(REC_MTVAL, NOWHERE + 8)
    TEST_TRAP_M(10, CAUSE_STORE_ACCESS, amoadd.d a0, a1, (s0))
    TEST_TRAP_M(11, CAUSE_LOAD_ACCESS, lr.d a0, (s0))
    TEST_TRAP_M(13, CAUSE_LOAD_ACCESS, lb a0, 0x10(zero))
    TEST_TRAP_M(14, CAUSE_LOAD_ACCESS, li s1, 0x1000000; lw a0, 0(s1))
    li gp, 15
    CLEAR_TRAPS
    M_RESUME(7f)
    li s0, NOWHERE
    jalr s0
7:  CHECK_MCOUNT(1)
    CHECK_MCAUSE(CAUSE_FETCH_ACCESS)
    CHECK_REC(REC_MTVAL, NOWHERE)
    CHECK_REC(REC_MEPC, NOWHERE)
    li gp, 16
    CLEAR_TRAPS
    M_RESUME(8f)
    li s0, 0x10000000                      /* UART: not executable */
    jr s0
8:  CHECK_MCOUNT(1)
    CHECK_MCAUSE(CAUSE_FETCH_ACCESS)
    CHECK_REC(REC_MTVAL, 0x10000000)
    /* faults from S and U are reported with their privilege */
    GOTO_S
    TEST_TRAP_M(17, CAUSE_LOAD_ACCESS, li s0, NOWHERE; ld a0, 0(s0))
    CHECK_REC(REC_MPP, 1)
    GOTO_M
    GOTO_U
    TEST_TRAP_M(18, CAUSE_STORE_ACCESS, li s0, NOWHERE; sw a0, 0(s0))
    CHECK_REC(REC_MPP, 0)
    TEST_TRAP_M(19, CAUSE_ILLEGAL, .word 0x1234500b)
    CHECK_REC(REC_MPP, 0)
    GOTO_M
    /* illegal encodings of known opcodes */
    TEST_TRAP_M(20, CAUSE_ILLEGAL, .word 0x0000202f | (0x1f << 27)) /* AMO funct5 31 */
    CHECK_REC(REC_MTVAL, 0xf800202f)
    TEST_TRAP_M(21, CAUSE_ILLEGAL, .word 0x30200073 | (1 << 7))    /* mret with rd != 0 */
    TEST_TRAP_M(22, CAUSE_ILLEGAL, .half 0x6081)   /* c.lui x1, 0: reserved */
    CHECK_REC(REC_MTVAL, 0x6081)
    PASS
