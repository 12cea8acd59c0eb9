/* SPDX-License-Identifier: MIT */
/* Sdtrig: tselect/tdata1-3/tinfo/tcontrol (WARL legalisation, reset state), address-match
 * triggers (mcontrol type 2 and mcontrol6 type 6, action 0) on execute, load and store in
 * M (with tcontrol.mte, which a trap into M saves in mpte and clears, and MRET restores),
 * S and U; match equal / NAPOT / >= / <; accesses that overlap the address; priority of
 * the breakpoint over illegal-instruction and misaligned cases; tval = matching address. */
#include "test.h"

#define T6 (6 << 60)
#define T2 (2 << 60)
#define TM (1 << 6)
#define TS (1 << 4)
#define TU (1 << 3)
#define TX 4
#define TST 2
#define TLD 1
#define MATCH(m) ((m) << 7)
#define MTE 8
#define MPTE 0x80
#define DISABLED (15 << 60)
/* Arm trigger 0: tdata1 = d1, tdata2 = register. */
#define ARM(d1, reg) csrw tselect, zero; csrw tdata2, reg; li t0, d1; csrw tdata1, t0
#define DISARM csrw tselect, zero; csrw tdata1, zero
/* The recorded mtval equals a register. */
#define CHECK_MTVAL_REG(reg) la t5, trap_rec; ld t5, REC_MTVAL(t5); bne t5, reg, fail

    .text
    .globl test_main
test_main:
    li gp, 1
    csrr a0, tinfo
    EXPECT(a0, 0x1008044)               /* version 1, types 2, 6, 15 */
    li gp, 2
    li t0, 3
    csrw tselect, t0
    csrr a0, tselect
    EXPECT(a0, 3)
    li t0, 4
    csrw tselect, t0                    /* no trigger 4: unchanged */
    csrr a0, tselect
    EXPECT(a0, 3)
    csrr a0, tdata1
    EXPECT(a0, DISABLED)                /* reset state */
    csrw tselect, zero
    li gp, 3
    li t0, -1
    csrw tdata1, t0                     /* type 15: stays disabled */
    csrr a0, tdata1
    EXPECT(a0, DISABLED)
    li t0, T6 | (1 << 59) | (0xf << 12) | (1 << 11) | MATCH(2) | TM | TS | TU | 7
    csrw tdata1, t0                     /* dmode, action 15, chain: WARL 0 */
    csrr a0, tdata1
    EXPECT(a0, T6 | MATCH(2) | TM | TS | TU | 7)
    li t0, T2 | MATCH(9) | TU | TLD     /* unsupported match: 0; maskmax reads 63 */
    csrw tdata1, t0
    csrr a0, tdata1
    EXPECT(a0, T2 | (63 << 53) | TU | TLD)
    csrw tdata3, t0
    csrr a0, tdata3
    EXPECT(a0, 0)
    DISARM
    csrr a0, tcontrol
    EXPECT(a0, 0)

    /* M-mode execute trigger: fires only with tcontrol.mte */
    li gp, 4
    la s0, xtarget
    ARM(T6 | TM | TX, s0)
    li a0, 0
    CLEAR_TRAPS
    call xfunc
    CHECK_MCOUNT(0)                     /* mte = 0 */
    EXPECT(a0, 1)
    li gp, 5
    csrsi tcontrol, MTE
    li a0, 0
    CLEAR_TRAPS
    call xfunc
    CHECK_MCOUNT(1)
    CHECK_MCAUSE(CAUSE_BREAKPOINT)
    CHECK_REC_LABEL(REC_MEPC, xtarget)
    CHECK_REC_LABEL(REC_MTVAL, xtarget)
    EXPECT(a0, 0)                       /* the handler skipped the instruction */
    csrr a1, tcontrol
    EXPECT(a1, MTE | MPTE)              /* mret restored mte from mpte */
    /* breakpoint before an illegal instruction */
    li gp, 6
    la s0, illegal
    ARM(T2 | TM | TX, s0)
    CLEAR_TRAPS
illegal:
    .word 0x0000707b                    /* custom-3: illegal here */
    CHECK_MCOUNT(1)
    CHECK_MCAUSE(CAUSE_BREAKPOINT)

    /* M-mode load trigger, exact address; overlapping accesses match */
    la s1, buf
    addi s2, s1, 8
    ARM(T2 | TM | TLD, s2)
    li a0, 0x55
    TEST_TRAP_M(7, CAUSE_BREAKPOINT, ld a0, 8(s1))
    CHECK_MTVAL_REG(s2)
    EXPECT(a0, 0x55)                    /* not loaded */
    TEST_NO_TRAP(8, lw a0, 4(s1); lw a0, 12(s1); sd a0, 8(s1))
    addi s3, s1, 4
    TEST_TRAP_M(9, CAUSE_BREAKPOINT, ld a0, 4(s1))   /* misaligned, covers byte 8 */
    CHECK_MTVAL_REG(s3)
    TEST_TRAP_M(10, CAUSE_BREAKPOINT, lr.d a0, (s2))
    TEST_TRAP_M(11, CAUSE_BREAKPOINT, c.ld a0, 8(s1))
    TEST_TRAP_M(12, CAUSE_BREAKPOINT, fld f1, 8(s1))

    /* store trigger, NAPOT range buf+16 .. buf+31 */
    addi s2, s1, 16 + 7
    ARM(T6 | TM | TST | MATCH(1), s2)
    addi s3, s1, 31
    TEST_TRAP_M(13, CAUSE_BREAKPOINT, sb a0, 31(s1))
    CHECK_MTVAL_REG(s3)
    TEST_NO_TRAP(14, sb a0, 32(s1); sd a0, 8(s1); lb a0, 20(s1))
    addi s3, s1, 15
    TEST_TRAP_M(15, CAUSE_BREAKPOINT, sd a0, 15(s1))
    CHECK_MTVAL_REG(s3)
    addi s3, s1, 16
    TEST_TRAP_M(16, CAUSE_BREAKPOINT, amoadd.d a0, a0, (s3))
    TEST_TRAP_M(17, CAUSE_BREAKPOINT, sc.d a0, a0, (s3))
    TEST_TRAP_M(18, CAUSE_BREAKPOINT, fsd f1, 24(s1))
    .option push
    .option arch, +zicboz
    TEST_TRAP_M(19, CAUSE_BREAKPOINT, cbo.zero (s1))   /* the block holds the range */
    CHECK_MTVAL_REG(s1)
    .option pop

    /* >= and < */
    addi s2, s1, 48
    ARM(T2 | TM | TLD | MATCH(2), s2)
    TEST_NO_TRAP(20, ld a0, 40(s1))
    TEST_TRAP_M(21, CAUSE_BREAKPOINT, ld a0, 48(s1))
    /* "<" matches every lower address, trap_rec included: checked from U with U-only
     * loads (the two loads, then the ECALL back to M) */
    ARM(T2 | TU | TLD | MATCH(3), s2)
    li gp, 22
    li t0, 0x99
    sd t0, 48(s1)
    li a0, 0x77
    li a1, 0x77
    CLEAR_TRAPS
    GOTO_U
    ld a0, 48(s1)
    ld a1, 44(s1)                       /* 44..51 starts below: skipped */
    GOTO_M
    CHECK_MCOUNT(2)
    EXPECT(a0, 0x99)
    EXPECT(a1, 0x77)
    DISARM
    TEST_NO_TRAP(25, ld a0, 40(s1))
    csrw tcontrol, zero

    /* S-mode load trigger: fires in S (trap to M), not in M */
    ARM(T6 | TS | TLD, s1)
    TEST_NO_TRAP(26, ld a0, 0(s1))
    GOTO_S
    TEST_TRAP_M(27, CAUSE_BREAKPOINT, ld a0, 0(s1))
    CHECK_MTVAL_REG(s1)
    CHECK_REC(REC_MPP, 1)
    GOTO_M
    /* U-mode execute trigger */
    la s0, utarget
    ARM(T2 | TU | TX, s0)
    GOTO_U
    li gp, 28
    CLEAR_TRAPS
    li a0, 0
utarget:
    addi a0, a0, 1
    CHECK_MCOUNT(1)
    CHECK_MCAUSE(CAUSE_BREAKPOINT)
    CHECK_REC_LABEL(REC_MEPC, utarget)
    EXPECT(a0, 0)
    GOTO_M
    DISARM
    li gp, 29
    csrr a0, tdata1
    EXPECT(a0, DISABLED)
    PASS

xfunc:
xtarget:
    addi a0, a0, 1
    ret

    .data
    .align 6
buf: .fill 16, 8, 0
