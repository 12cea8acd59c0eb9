/* SPDX-License-Identifier: MIT */
/* Sv39 translation from S-mode: 4 KiB pages, 2 MiB and 1 GiB superpages, permission
 * faults (R/W/X, W without R, invalid, reserved bits, non-leaf at level 0, non-leaf with
 * U), misaligned superpages, non-canonical addresses, access faults on the final physical
 * address, hardware A/D update, MXR and SUM, instruction page faults, delegation of page
 * faults to S, SFENCE.VMA after a PTE change, and switching back to Bare. */
#include "test.h"

#define NOWHERE 0x100000000000
#define VA_L0 0x40000000
#define PG(i) (VA_L0 + (i) * 0x1000)

    .text
    .globl test_main
test_main:
    /* data: dpage0[0] = 0x1111, dpage1[0] = 0x2222 */
    la s0, dpage0
    li a0, 0x1111
    sd a0, 0(s0)
    la s1, dpage1
    li a0, 0x2222
    sd a0, 0(s1)
    li a0, 0x80000000
    SET_PTE(root, 0, a0, PTE_RWXAD)               /* VA 0 -> PA 0x80000000, 1 GiB */
    SET_PTE(root, 2, a0, PTE_RWXAD)               /* identity for code and data */
    SET_PTE(root, 3, a0, PTE_V | PTE_R | PTE_A)   /* VA 0xc0000000 alias, read-only */
    li a1, 0x80200000
    SET_PTE(root, 4, a1, PTE_V | PTE_R | PTE_A)   /* misaligned gigapage */
    SET_PTR(root, 1, l1)
    SET_PTR(l1, 0, l0)
    SET_PTE(l1, 1, a0, PTE_V | PTE_R | PTE_X | PTE_A)   /* 2 MiB page -> 0x80000000 */
    li a1, 0x80001000
    SET_PTE(l1, 2, a1, PTE_V | PTE_R | PTE_A)     /* misaligned megapage */
    la a1, l0
    SET_PTE(l1, 3, a1, PTE_V | PTE_U)             /* non-leaf with U: reserved */
    SET_PTE(l0, 0, s0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    SET_PTE(l0, 1, s0, PTE_V | PTE_R | PTE_A)
    SET_PTE(l0, 3, s0, PTE_V | PTE_W | PTE_A | PTE_D)
    SET_PTE(l0, 4, s0, PTE_V | PTE_X | PTE_A)
    SET_PTE(l0, 5, s1, PTE_V | PTE_R | PTE_W)     /* A = D = 0 */
    SET_PTE(l0, 6, s0, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D)
    SET_PTE(l0, 7, s0, PTE_V | PTE_R | PTE_A)
    la t5, l0
    ld t6, 56(t5)
    li t4, 1
    slli t4, t4, 63
    or t6, t6, t4
    sd t6, 56(t5)                                 /* bit 63 (N) set: reserved here */
    li a1, NOWHERE
    SET_PTE(l0, 8, a1, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    SET_PTE(l0, 9, s0, PTE_V)                     /* pointer at level 0 */
    SET_PTE(l0, 10, s1, PTE_V | PTE_R | PTE_W | PTE_A)   /* D = 0 */
    la a1, dpage2
    SET_PTE(l0, 11, a1, PTE_V | PTE_R | PTE_X | PTE_A)   /* code page; l0[12] invalid */
    li a2, 0xffc
    add a2, a2, a1
    li t0, 0x0513                                 /* addi a0, a0, 1 = 0x00150513 split */
    sh t0, 2(a2)                                  /* over the page end */
    li t0, 0x4505                                 /* c.li a0, 1 */
    sh t0, 0(a2)
    la a0, root
    srli a0, a0, 12
    li a1, SATP_SV39
    or a0, a0, a1
    csrw satp, a0
    sfence.vma
    GOTO_S

    li gp, 1
    li s2, PG(0)
    ld a0, 0(s2)
    EXPECT(a0, 0x1111)
    li gp, 2
    li a0, 0x3333
    sd a0, 8(s2)
    li s3, PG(1)
    ld a1, 8(s3)                                  /* same frame, other mapping */
    EXPECT(a1, 0x3333)
    TEST_TRAP_M(3, CAUSE_STORE_PAGE, sd a0, 0(s3))
    CHECK_REC(REC_MTVAL, PG(1))
    CHECK_REC(REC_MPP, 1)
    li s3, PG(2)
    TEST_TRAP_M(4, CAUSE_LOAD_PAGE, ld a0, 16(s3))
    CHECK_REC(REC_MTVAL, PG(2) + 16)
    TEST_TRAP_M(5, CAUSE_STORE_PAGE, sd a0, 0(s3))
    TEST_TRAP_M(6, CAUSE_STORE_PAGE, amoadd.d a0, a0, (s3))
    li s3, PG(3)
    TEST_TRAP_M(7, CAUSE_LOAD_PAGE, ld a0, 0(s3))       /* W without R */
    TEST_TRAP_M(8, CAUSE_STORE_PAGE, sd a0, 0(s3))
    li s3, PG(4)
    TEST_TRAP_M(9, CAUSE_LOAD_PAGE, ld a0, 0(s3))       /* execute-only */
    li a0, MSTATUS_MXR
    csrs sstatus, a0
    TEST_NO_TRAP(10, ld a0, 0(s3))
    EXPECT(a0, 0x1111)
    li a0, MSTATUS_MXR
    csrc sstatus, a0
    TEST_TRAP_M(11, CAUSE_LOAD_PAGE, ld a0, 0(s3))      /* MXR off again (TLB flushed) */
    /* A/D bits set by the walker */
    li gp, 12
    li s3, PG(5)
    ld a0, 0(s3)
    EXPECT(a0, 0x2222)
    la t0, l0
    ld a1, 40(t0)
    andi a1, a1, PTE_A | PTE_D
    EXPECT(a1, PTE_A)
    li gp, 13
    sd a0, 8(s3)
    ld a1, 40(t0)
    andi a1, a1, PTE_A | PTE_D
    EXPECT(a1, PTE_A | PTE_D)
    li gp, 14
    li s3, PG(10)
    ld a0, 0(s3)
    ld a1, 80(t0)
    andi a1, a1, PTE_D
    EXPECT(a1, 0)                                 /* a load does not set D */
    sd a0, 0(s3)
    ld a1, 80(t0)
    andi a1, a1, PTE_D
    EXPECT(a1, PTE_D)
    /* U pages from S: only with SUM, never executable */
    li s3, PG(6)
    TEST_TRAP_M(15, CAUSE_LOAD_PAGE, ld a0, 0(s3))
    li a0, MSTATUS_SUM
    csrs sstatus, a0
    TEST_NO_TRAP(16, ld a0, 0(s3); sd a0, 8(s3))
    li gp, 17
    CLEAR_TRAPS
    M_RESUME(1f)
    jr s3
1:  CHECK_MCAUSE(CAUSE_FETCH_PAGE)
    CHECK_REC(REC_MTVAL, PG(6))
    li a0, MSTATUS_SUM
    csrc sstatus, a0
    li s3, PG(7)
    TEST_TRAP_M(18, CAUSE_LOAD_PAGE, ld a0, 0(s3))      /* reserved bit */
    li s3, PG(8)
    TEST_TRAP_M(19, CAUSE_LOAD_ACCESS, ld a0, 0(s3))    /* PA not memory */
    CHECK_REC(REC_MTVAL, PG(8))
    TEST_TRAP_M(20, CAUSE_STORE_ACCESS, sd a0, 0(s3))
    li s3, PG(9)
    TEST_TRAP_M(21, CAUSE_LOAD_PAGE, ld a0, 0(s3))      /* non-leaf at level 0 */
    /* fetch from a non-executable page */
    li gp, 22
    CLEAR_TRAPS
    M_RESUME(2f)
    li s3, PG(0)
    jalr s3
2:  CHECK_MCAUSE(CAUSE_FETCH_PAGE)
    CHECK_REC(REC_MTVAL, PG(0))
    CHECK_REC(REC_MEPC, PG(0))
    /* a 32-bit instruction straddling into an unmapped page: mepc = its start, mtval = the
     * address of the half that faulted; the 16-bit instruction before it runs */
    li gp, 40
    CLEAR_TRAPS
    M_RESUME(3f)
    li a0, 0
    li s3, PG(11) + 0xffc
    jr s3
3:  CHECK_MCOUNT(1)
    CHECK_MCAUSE(CAUSE_FETCH_PAGE)
    CHECK_REC(REC_MEPC, PG(11) + 0xffe)
    CHECK_REC(REC_MTVAL, PG(12))
    EXPECT(a0, 1)
    /* superpages */
    li gp, 23
    li s3, 0x40200000
    lw a0, 0(s3)
    li s4, 0x80000000
    GOTO_M
    lw a1, 0(s4)                                  /* compare with the physical word */
    GOTO_S
    bne a0, a1, fail
    li s3, 0x40400000
    TEST_TRAP_M(24, CAUSE_LOAD_PAGE, lw a0, 0(s3))      /* misaligned megapage */
    li s3, 0x40600000
    TEST_TRAP_M(25, CAUSE_LOAD_PAGE, lw a0, 0(s3))      /* non-leaf with U */
    li gp, 26
    la s3, dpage0
    li a1, 0x40000000
    add s3, s3, a1                                /* 0xc0000000 alias */
    ld a0, 0(s3)
    EXPECT(a0, 0x1111)
    TEST_TRAP_M(27, CAUSE_STORE_PAGE, sd a0, 0(s3))     /* alias is read-only */
    li s3, 0x100000000
    TEST_TRAP_M(28, CAUSE_LOAD_PAGE, ld a0, 0(s3))      /* misaligned gigapage */
    /* canonical addresses */
    li gp, 29
    la s3, dpage0
    li a1, 0x80000000
    sub s3, s3, a1                                /* VA 0 + offset via root[0] */
    ld a0, 0(s3)
    EXPECT(a0, 0x1111)
    li a1, 0x8000000000
    add s3, s3, a1                                /* bit 39 set: not sign-extended */
    TEST_TRAP_M(30, CAUSE_LOAD_PAGE, ld a0, 0(s3))
    li s3, 0xffffffc000000000                    /* canonical, root[256] invalid */
    TEST_TRAP_M(31, CAUSE_LOAD_PAGE, ld a0, 0(s3))
    /* page faults delegated to S */
    GOTO_M
    li a0, (1 << CAUSE_LOAD_PAGE) | (1 << CAUSE_STORE_PAGE)
    csrw medeleg, a0
    GOTO_S
    li gp, 32
    CLEAR_TRAPS
    li s3, PG(2)
    ld a0, 24(s3)
    CHECK_SCOUNT(1)
    CHECK_MCOUNT(0)
    CHECK_SCAUSE(CAUSE_LOAD_PAGE)
    CHECK_REC(REC_STVAL, PG(2) + 24)
    li gp, 33
    CLEAR_TRAPS
    li s3, PG(1)
    sw a0, 4(s3)
    CHECK_SCOUNT(1)
    CHECK_SCAUSE(CAUSE_STORE_PAGE)
    CHECK_REC(REC_STVAL, PG(1) + 4)
    GOTO_M
    csrw medeleg, zero
    GOTO_S
    /* SFENCE.VMA makes a changed PTE visible */
    li gp, 34
    la t0, l0
    ld a0, 0(t0)
    la a1, dpage1
    srli a1, a1, 12
    slli a1, a1, 10
    ori a1, a1, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
    sd a1, 0(t0)
    sfence.vma
    li s3, PG(0)
    ld a0, 0(s3)
    EXPECT(a0, 0x2222)
    /* back to Bare */
    li gp, 35
    csrw satp, zero
    sfence.vma
    li s3, PG(0)
    TEST_TRAP_M(36, CAUSE_LOAD_ACCESS, ld a0, 0(s3))    /* VA = PA: nothing there */
    li gp, 37
    la s3, dpage0
    ld a0, 0(s3)
    EXPECT(a0, 0x1111)
    GOTO_M
    PASS

    .bss
    .align 12
root: .fill 512, 8, 0
l1: .fill 512, 8, 0
l0: .fill 512, 8, 0
dpage0: .fill 512, 8, 0
dpage1: .fill 512, 8, 0
dpage2: .fill 512, 8, 0
