/* SPDX-License-Identifier: MIT */
/* libhv ISA tests — shared assembler macros. Every test program is `#include "test.h"`,
 * defines `test_main` (entered in M-mode with mtvec/stvec pointing at the recording trap
 * handlers of common.S, FS = Initial, sp set) and ends with PASS / falls into `fail`.
 * Result goes through HTIF: tohost = (code << 1) | 1, code 0 = pass, else the failing test
 * number (held in gp while the test runs).
 *
 * Registers: gp = current test number; t5/t6 are scratch for the checks; the trap
 * handlers preserve every register. */
#ifndef HV_ISA_TEST_H
#define HV_ISA_TEST_H

#define TESTNUM gp

/* Trap record layout (common.S: trap_rec). */
#define REC_MCAUSE 0
#define REC_MEPC 8
#define REC_MTVAL 16
#define REC_MPP 24
#define REC_MCOUNT 32
#define REC_MRESUME 40
#define REC_SCAUSE 48
#define REC_SEPC 56
#define REC_STVAL 64
#define REC_SPP 72
#define REC_SCOUNT 80
#define REC_SRESUME 88

/* a7 value that makes an ECALL from S/U return in M-mode (see GOTO_M). */
#define ECALL_TO_M 0x4d4d

#define MSTATUS_SIE   (1 << 1)
#define MSTATUS_MIE   (1 << 3)
#define MSTATUS_SPIE  (1 << 5)
#define MSTATUS_MPIE  (1 << 7)
#define MSTATUS_SPP   (1 << 8)
#define MSTATUS_MPP   (3 << 11)
#define MSTATUS_FS    (3 << 13)
#define MSTATUS_MPRV  (1 << 17)
#define MSTATUS_SUM   (1 << 18)
#define MSTATUS_MXR   (1 << 19)
#define MSTATUS_TVM   (1 << 20)
#define MSTATUS_TW    (1 << 21)
#define MSTATUS_TSR   (1 << 22)

#define CAUSE_MISALIGNED_FETCH 0
#define CAUSE_FETCH_ACCESS 1
#define CAUSE_ILLEGAL 2
#define CAUSE_BREAKPOINT 3
#define CAUSE_LOAD_ACCESS 5
#define CAUSE_STORE_ACCESS 7
#define CAUSE_ECALL_U 8
#define CAUSE_ECALL_S 9
#define CAUSE_ECALL_M 11
#define CAUSE_FETCH_PAGE 12
#define CAUSE_LOAD_PAGE 13
#define CAUSE_STORE_PAGE 15
#define INTR (1 << 63)

#define CLINT_MSIP 0x2000000
#define CLINT_MTIMECMP 0x2004000
#define CLINT_MTIME 0x200bff8

/* ---- result -------------------------------------------------------------------------- */

#define PASS j pass
#define FAIL j fail

/* ---- checks -------------------------------------------------------------------------- */

/* gp = n; compare reg with an immediate. */
#define CHECK(n, reg, exp) li TESTNUM, n; li t6, exp; bne reg, t6, fail
/* Compare without changing gp. */
#define EXPECT(reg, exp) li t6, exp; bne reg, t6, fail

#define TEST_RR(n, inst, exp, v1, v2) \
    li TESTNUM, n; li a1, v1; li a2, v2; inst a0, a1, a2; li t6, exp; bne a0, t6, fail
#define TEST_RI(n, inst, exp, v1, imm) \
    li TESTNUM, n; li a1, v1; inst a0, a1, imm; li t6, exp; bne a0, t6, fail
#define TEST_R(n, inst, exp, v1) \
    li TESTNUM, n; li a1, v1; inst a0, a1; li t6, exp; bne a0, t6, fail
/* rd == rs1 and rd == rs2 forms, to catch operand-read-after-write bugs. */
#define TEST_RR_SRC1(n, inst, exp, v1, v2) \
    li TESTNUM, n; li a1, v1; li a2, v2; inst a1, a1, a2; li t6, exp; bne a1, t6, fail
#define TEST_RR_SRC2(n, inst, exp, v1, v2) \
    li TESTNUM, n; li a1, v1; li a2, v2; inst a2, a1, a2; li t6, exp; bne a2, t6, fail
#define TEST_RR_ZERO(n, inst, v1, v2) \
    li TESTNUM, n; li a1, v1; li a2, v2; inst zero, a1, a2; bnez zero, fail

/* ---- traps ----------------------------------------------------------------------------- */

/* Forget earlier traps: counts to 0, causes to -1. */
#define CLEAR_TRAPS call clear_traps
/* Resume at `label` after the next M-/S-mode trap instead of skipping the instruction. */
#define M_RESUME(label) la t6, label; la t5, trap_rec; sd t6, REC_MRESUME(t5)
/* Same, but the M handler returns to M-mode (for traps the resumed code cannot survive in
 * the trapping mode, e.g. a fetch fault on the S/U code itself). */
#define M_RESUME_M(label) la t6, label + 1; la t5, trap_rec; sd t6, REC_MRESUME(t5)
#define S_RESUME(label) la t6, label; la t5, trap_rec; sd t6, REC_SRESUME(t5)
/* Compare one trap-record field with an immediate. */
#define CHECK_REC(field, exp) la t5, trap_rec; ld t5, field(t5); li t6, exp; bne t5, t6, fail
/* Compare one trap-record field with the address of a label. */
#define CHECK_REC_LABEL(field, label) \
    la t5, trap_rec; ld t5, field(t5); la t6, label; bne t5, t6, fail
#define CHECK_MCAUSE(c) CHECK_REC(REC_MCAUSE, c)
#define CHECK_SCAUSE(c) CHECK_REC(REC_SCAUSE, c)
#define CHECK_MCOUNT(c) CHECK_REC(REC_MCOUNT, c)
#define CHECK_SCOUNT(c) CHECK_REC(REC_SCOUNT, c)

/* Expect `insn...` to trap to M with cause c; the handler skips it. gp = n. */
#define TEST_TRAP_M(n, c, insn...) \
    li TESTNUM, n; CLEAR_TRAPS; insn; CHECK_MCOUNT(1); CHECK_MCAUSE(c)
/* Expect no trap. */
#define TEST_NO_TRAP(n, insn...) \
    li TESTNUM, n; CLEAR_TRAPS; insn; CHECK_MCOUNT(0); CHECK_SCOUNT(0)

/* ---- privilege switches (from M) ------------------------------------------------------- */

/* Continue at the next instruction in S / U mode (MPP set, mret). */
#define GOTO_S call goto_s
#define GOTO_U call goto_u
/* From S or U: back to M (an ECALL the M handler turns into a return in M). */
#define GOTO_M li a7, ECALL_TO_M; ecall
/* Same through EBREAK, for tests that delegate ECALL to S. */
#define GOTO_M_BRK li a7, ECALL_TO_M; ebreak

/* ---- Sv39/Sv48 page-table entries ------------------------------------------------------ */
#define PTE_V 0x1
#define PTE_R 0x2
#define PTE_W 0x4
#define PTE_X 0x8
#define PTE_U 0x10
#define PTE_G 0x20
#define PTE_A 0x40
#define PTE_D 0x80
#define PTE_RWXAD (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define SATP_SV39 (8 << 60)
#define SATP_SV48 (9 << 60)
/* table[idx] = leaf/pointer for physical address in register `pa` with flags. Uses t5/t6. */
#define SET_PTE(table, idx, pa, flags) \
    srli t6, pa, 12; slli t6, t6, 10; ori t6, t6, flags; la t5, table; sd t6, (8 * (idx))(t5)
/* table[idx] = pointer to next-level table `next`. */
#define SET_PTR(table, idx, next) la t4, next; SET_PTE(table, idx, t4, PTE_V)
/* Turn Sv39 on with root table `table` (uses t5/t6), and back to Bare. */
#define SV39_ON(table) \
    la t6, table; srli t6, t6, 12; li t5, SATP_SV39; or t6, t6, t5; csrw satp, t6; sfence.vma
#define SV39_OFF csrw satp, zero; sfence.vma
/* Page-aligned, zeroed 4 KiB pages (page tables or data), in the current section. */
#define PAGE(name) .align 12; name: .fill 512, 8, 0

/* Enable the FPU (FS = Initial). */
#define FP_ON li t6, (1 << 13); csrs mstatus, t6

#endif
