/* SPDX-License-Identifier: MIT */
/* Svpbmt: with menvcfg.PBMTE clear a leaf PTE with non-zero PBMT (bits 62:61) is a page
 * fault; with it set PMA (0), NC (1) and IO (2) translate normally (to the same memory: the
 * attributes change no observable behaviour here) while the reserved value 3 faults, and a
 * non-leaf PTE with PBMT set faults either way. */
#include "test.h"

#define VA_L0 0x40000000
#define PG(i) (VA_L0 + (i) * 0x1000)
#define VA_BADPTR 0x40200000
#define MENVCFG_PBMTE (1 << 62)
/* table[idx] |= pbmt << 61 */
#define SET_PBMT(table, idx, pbmt) \
    la t5, table; ld t6, (8 * (idx))(t5); li t4, (pbmt) << 61; or t6, t6, t4; \
    sd t6, (8 * (idx))(t5)

    .text
    .globl test_main
test_main:
    la s0, dpage0
    li a0, 0x1111
    sd a0, 0(s0)
    li a0, 0x80000000
    SET_PTE(root, 2, a0, PTE_RWXAD)               /* identity for code and data */
    SET_PTR(root, 1, l1)
    SET_PTR(l1, 0, l0)
    SET_PTR(l1, 1, l0b)
    SET_PBMT(l1, 1, 1)                            /* non-leaf with PBMT = NC */
    SET_PTE(l0, 0, s0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    SET_PTE(l0, 1, s0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    SET_PBMT(l0, 1, 1)                            /* NC */
    SET_PTE(l0, 2, s0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    SET_PBMT(l0, 2, 2)                            /* IO */
    SET_PTE(l0, 3, s0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    SET_PBMT(l0, 3, 3)                            /* reserved */
    SET_PTE(l0b, 0, s0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    SV39_ON(root)

    /* PBMTE = 0: only PBMT = 0 translates */
    GOTO_S
    li gp, 1
    li s2, PG(0)
    ld a0, 0(s2)
    EXPECT(a0, 0x1111)
    li s3, PG(1)
    TEST_TRAP_M(2, CAUSE_LOAD_PAGE, ld a0, 0(s3))
    CHECK_REC(REC_MTVAL, PG(1))
    li s4, PG(2)
    TEST_TRAP_M(3, CAUSE_STORE_PAGE, sd a0, 0(s4))
    li s5, VA_BADPTR
    TEST_TRAP_M(4, CAUSE_LOAD_PAGE, ld a0, 0(s5))
    GOTO_M

    /* PBMTE = 1 */
    li t0, MENVCFG_PBMTE
    csrs menvcfg, t0
    sfence.vma
    GOTO_S
    li gp, 5
    ld a0, 0(s3)                                  /* NC */
    EXPECT(a0, 0x1111)
    li gp, 6
    li a0, 0x2222
    sd a0, 8(s4)                                  /* IO */
    ld a1, 8(s2)
    EXPECT(a1, 0x2222)
    li s6, PG(3)
    TEST_TRAP_M(7, CAUSE_LOAD_PAGE, ld a0, 0(s6)) /* PBMT = 3 is reserved */
    TEST_TRAP_M(8, CAUSE_LOAD_PAGE, ld a0, 0(s5)) /* PBMT in a non-leaf PTE */
    CHECK_REC(REC_MTVAL, VA_BADPTR)
    GOTO_M

    /* clearing PBMTE again makes the NC mapping fault */
    li t0, MENVCFG_PBMTE
    csrc menvcfg, t0
    sfence.vma
    GOTO_S
    TEST_TRAP_M(9, CAUSE_LOAD_PAGE, ld a0, 0(s3))
    GOTO_M
    SV39_OFF
    PASS

    .data
    PAGE(root)
    PAGE(l1)
    PAGE(l0)
    PAGE(l0b)
    PAGE(dpage0)
