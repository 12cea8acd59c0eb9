/* SPDX-License-Identifier: MIT */
/* Machine-mode CSR rules: fixed identification CSRs, misa (writes ignored), read-only CSRs
 * (write -> illegal with mtval = instruction bits, CSRRS with a non-x0 zero register is a
 * write), unknown CSRs, WARL legalisation of mstatus (MPP, UXL/SXL, SD), sstatus as a view,
 * mtvec modes, medeleg/mideleg/mie/mip writable masks, sie/sip views through mideleg, satp
 * modes, xepc bit 0, counters and mcountinhibit, HPM counters, FP CSRs and FS, PMP WARL
 * storage with locking, menvcfg/senvcfg (incl. the Zicbom/Zicboz/Svpbmt bits), mconfigptr. */
#include "test.h"
    .text
    .globl test_main
test_main:
    li gp, 1
    csrr a0, misa
    EXPECT(a0, 0x800000000014112d)       /* RV64 A C D F I M S U */
    li gp, 2
    csrw misa, zero
    csrr a0, misa
    EXPECT(a0, 0x800000000014112d)
    li gp, 3
    csrr a0, mhartid
    EXPECT(a0, 0)
    csrr a0, mvendorid
    EXPECT(a0, 0)
    csrr a0, marchid
    EXPECT(a0, 0)
    csrr a0, mimpid
    EXPECT(a0, 0)
    csrr a0, mconfigptr
    EXPECT(a0, 0)
    /* read-only: a write traps, mtval holds the instruction */
    TEST_TRAP_M(4, CAUSE_ILLEGAL, csrw mhartid, zero)
    CHECK_REC(REC_MTVAL, 0xf1401073)
    TEST_TRAP_M(5, CAUSE_ILLEGAL, li a1, 0; csrrs a0, mhartid, a1)  /* rs1 != x0: a write */
    TEST_NO_TRAP(6, csrrsi a0, mhartid, 0)                          /* uimm 0: no write */
    TEST_NO_TRAP(7, csrrs a0, mhartid, zero)
    TEST_TRAP_M(8, CAUSE_ILLEGAL, csrw cycle, zero)
    TEST_TRAP_M(9, CAUSE_ILLEGAL, csrrc a0, time, a1)
    /* unknown CSRs */
    TEST_TRAP_M(10, CAUSE_ILLEGAL, csrr a0, 0x123)
    TEST_TRAP_M(11, CAUSE_ILLEGAL, csrr a0, 0x7c0)
    TEST_TRAP_M(12, CAUSE_ILLEGAL, csrr a0, pmpcfg1)                /* odd pmpcfg on RV64 */
    /* a trapping CSR instruction does not write rd */
    li gp, 13
    li a0, 77
    CLEAR_TRAPS
    csrr a0, 0x123
    EXPECT(a0, 77)
    /* mstatus WARL */
    li gp, 14
    csrw mie, zero
    csrr s0, mstatus
    li a0, -1
    csrw mstatus, a0
    csrr a1, mstatus
    csrw mstatus, s0
    EXPECT(a1, 0x8000000a007e79aa)
    li gp, 15
    csrr a0, mstatus
    srli a0, a0, 32
    andi a0, a0, 0xf
    EXPECT(a0, 0xa)                     /* UXL = SXL = 2 */
    li gp, 16
    li a0, MSTATUS_MPP
    csrc mstatus, a0
    li a0, (1 << 11)
    csrs mstatus, a0                    /* MPP = S */
    li a0, MSTATUS_MPP
    csrc mstatus, a0
    li a0, (2 << 11)
    csrs mstatus, a0                    /* MPP = 2 (reserved): csrc made it 0 first */
    csrr a1, mstatus
    srli a1, a1, 11
    andi a1, a1, 3
    EXPECT(a1, 0)                       /* 0 -> 2 is illegal: stays 0 */
    li gp, 17
    csrr a0, mstatus
    li a1, ~MSTATUS_MPP
    and a0, a0, a1
    li a1, (2 << 11)
    or a0, a0, a1
    csrw mstatus, a0                    /* one write of MPP = 2 */
    csrr a1, mstatus
    srli a1, a1, 11
    andi a1, a1, 3
    EXPECT(a1, 0)
    /* sstatus is a restricted view */
    li gp, 18
    csrr s0, mstatus
    li a0, -1
    csrw mstatus, a0
    csrr a1, sstatus
    csrw mstatus, s0
    EXPECT(a1, 0x80000002000c6122)
    li gp, 19
    li a0, -1
    csrw sstatus, a0                    /* only S fields change */
    csrr a1, mstatus
    csrw mstatus, s0
    li a2, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR | MSTATUS_MPRV
    and a1, a1, a2
    and a3, s0, a2
    bne a1, a3, fail
    li gp, 20
    csrr a0, mstatus
    li a1, MSTATUS_FS
    or a0, a0, a1
    csrw mstatus, a0
    csrr a0, mstatus
    bgez a0, fail                       /* FS = Dirty -> SD */
    li a1, MSTATUS_FS
    csrc mstatus, a1
    li a1, (1 << 13)
    csrs mstatus, a1
    csrr a0, mstatus
    bltz a0, fail                       /* FS = Initial -> no SD */
    /* mtvec modes */
    li gp, 21
    csrr s0, mtvec
    la a0, m_trap_vector
    ori a1, a0, 1
    csrw mtvec, a1
    csrr a2, mtvec
    bne a2, a1, fail
    ori a1, a0, 2                       /* reserved mode: keeps the old one (1) */
    csrw mtvec, a1
    csrr a2, mtvec
    ori a3, a0, 1
    bne a2, a3, fail
    csrw mtvec, s0
    li gp, 22
    csrr s0, stvec
    li a0, 0x80001001
    csrw stvec, a0
    csrr a1, stvec
    csrw stvec, s0
    EXPECT(a1, 0x80001001)
    /* delegation and interrupt masks */
    li gp, 23
    li a0, -1
    csrw medeleg, a0
    csrr a1, medeleg
    csrw medeleg, zero
    EXPECT(a1, 0xb3ff)                  /* no ECALL-from-M (11), reserved 10/14 */
    li gp, 24
    li a0, -1
    csrw mideleg, a0
    csrr a1, mideleg
    EXPECT(a1, 0x222)                   /* SSI STI SEI; M-level bits read-only 0 */
    li gp, 25
    csrw mie, a0
    csrr a1, mie
    EXPECT(a1, 0xaaa)
    li gp, 26
    csrr a1, sie                        /* view through mideleg */
    EXPECT(a1, 0x222)
    csrw mideleg, zero
    csrr a1, sie
    EXPECT(a1, 0)
    li gp, 27
    li a0, 0x222
    csrw mideleg, a0
    li a0, -1
    csrw sie, a0
    csrr a1, mie
    EXPECT(a1, 0xaaa)
    csrw sie, zero
    csrr a1, mie
    EXPECT(a1, 0x888)                   /* M bits untouched */
    csrw mie, zero
    li gp, 28
    li a0, -1
    csrw mip, a0                        /* M may set SSIP STIP SEIP */
    csrr a1, mip
    andi a1, a1, 0x2aa
    EXPECT(a1, 0x222)
    csrr a1, sip
    EXPECT(a1, 0x222)
    csrw sip, zero                      /* sip: only SSIP writable */
    csrr a1, mip
    andi a1, a1, 0x2aa
    EXPECT(a1, 0x220)
    csrw mip, zero
    csrr a1, mip
    andi a1, a1, 0x2aa
    EXPECT(a1, 0)
    csrw mideleg, zero
    li gp, 29
    li a0, (1 << 3) | (1 << 11)
    csrs mip, a0                        /* MSIP/MEIP are read-only in mip */
    csrr a1, mip
    and a1, a1, a0
    EXPECT(a1, 0)
    /* satp: unsupported modes are ignored */
    li gp, 30
    csrw satp, zero
    li a0, (1 << 60) | 0x1234
    csrw satp, a0                       /* Sv32 is not an RV64 mode */
    csrr a1, satp
    EXPECT(a1, 0)
    li a0, (10 << 60) | 0x1234          /* Sv57 not supported */
    csrw satp, a0
    csrr a1, satp
    EXPECT(a1, 0)
    li gp, 31
    li a0, SATP_SV39 | 0x80123
    csrw satp, a0
    csrr a1, satp
    EXPECT(a1, SATP_SV39 | 0x80123)
    li a0, SATP_SV48 | 0x80456
    csrw satp, a0
    csrr a1, satp
    EXPECT(a1, SATP_SV48 | 0x80456)
    csrw satp, zero
    /* xepc: bit 0 always zero (IALIGN 16) */
    li gp, 32
    li a0, 0x80001003
    csrw mepc, a0
    csrr a1, mepc
    EXPECT(a1, 0x80001002)
    csrw sepc, a0
    csrr a1, sepc
    EXPECT(a1, 0x80001002)
    li gp, 33
    li a0, 0x8000000000000005
    csrw mcause, a0
    csrr a1, mcause
    EXPECT(a1, 0x8000000000000005)
    csrw mscratch, a0
    csrr a1, mscratch
    bne a0, a1, fail
    la a0, m_save
    csrw mscratch, a0
    li a0, 0x1234
    csrw mtval, a0
    csrr a1, mtval
    EXPECT(a1, 0x1234)
    /* counters */
    li gp, 34
    rdinstret a0
    nop
    nop
    rdinstret a1
    bleu a1, a0, fail
    rdcycle a0
    nop
    rdcycle a1
    bleu a1, a0, fail
    li gp, 35
    li a0, -1
    csrw mcountinhibit, a0
    csrr a1, mcountinhibit
    EXPECT(a1, 5)                       /* CY, IR; no HPM counters */
    csrr a0, minstret
    nop
    nop
    csrr a1, minstret
    bne a0, a1, fail                    /* inhibited: frozen */
    csrw mcountinhibit, zero
    nop
    csrr a1, minstret
    beq a0, a1, fail
    li gp, 36
    li a0, 100000
    csrw minstret, a0
    csrr a1, minstret
    sub a1, a1, a0
    li a2, 10
    bgeu a1, a2, fail
    li a0, 200000
    csrw mcycle, a0
    csrr a1, mcycle
    sub a1, a1, a0
    bgeu a1, a2, fail
    li gp, 37
    csrr a0, hpmcounter3
    EXPECT(a0, 0)
    li a0, 5
    csrw mhpmcounter3, a0
    csrr a1, mhpmcounter3
    EXPECT(a1, 0)
    csrw mhpmevent3, a0
    csrr a1, mhpmevent3
    EXPECT(a1, 0)
    csrr a1, hpmcounter31
    EXPECT(a1, 0)
    li gp, 38
    rdtime a0
    li a2, 2000
1:  addi a2, a2, -1
    bnez a2, 1b
    rdtime a1
    bltu a1, a0, fail
    li gp, 39
    li a0, -1
    csrw mcounteren, a0
    csrr a1, mcounteren
    EXPECT(a1, 0xffffffff)
    csrw scounteren, a0
    csrr a1, scounteren
    EXPECT(a1, 0xffffffff)
    csrw mcounteren, zero
    csrw scounteren, zero
    /* FP CSRs */
    li gp, 40
    li a0, 0xfff
    csrw fcsr, a0
    csrr a1, fcsr
    EXPECT(a1, 0xff)
    csrr a1, fflags
    EXPECT(a1, 0x1f)
    csrr a1, frm
    EXPECT(a1, 7)
    csrwi frm, 2
    csrr a1, fcsr
    EXPECT(a1, 0x5f)
    csrwi fflags, 1
    csrr a1, fcsr
    EXPECT(a1, 0x41)
    csrwi fcsr, 0
    li gp, 41
    li a0, MSTATUS_FS
    csrc mstatus, a0
    li a0, (1 << 13)
    csrs mstatus, a0                    /* Initial */
    csrwi fflags, 0
    csrr a0, mstatus
    srli a0, a0, 13
    andi a0, a0, 3
    EXPECT(a0, 3)                       /* writing an FP CSR makes FS Dirty */
    li a0, MSTATUS_FS
    csrc mstatus, a0                    /* Off */
    TEST_TRAP_M(42, CAUSE_ILLEGAL, csrr a0, fflags)
    TEST_TRAP_M(43, CAUSE_ILLEGAL, csrw frm, zero)
    TEST_TRAP_M(44, CAUSE_ILLEGAL, fadd.d f1, f2, f3)
    TEST_TRAP_M(45, CAUSE_ILLEGAL, fmv.x.d a0, f1)
    TEST_TRAP_M(46, CAUSE_ILLEGAL, fld f1, 0(sp))
    li a0, (1 << 13)
    csrs mstatus, a0
    TEST_NO_TRAP(47, fmv.x.d a0, f1)
    /* PMP: WARL storage */
    li gp, 48
    li a0, -1
    csrw pmpaddr8, a0
    csrr a1, pmpaddr8
    EXPECT(a1, 0x003fffffffffffff)      /* 54 bits */
    li a0, 0x0000000000001f02           /* entry 8: W without R -> W dropped */
    csrw pmpcfg2, a0
    csrr a1, pmpcfg2
    EXPECT(a1, 0x1f00)
    li a0, 0x60                          /* reserved bits 6:5 read 0 */
    csrw pmpcfg2, a0
    csrr a1, pmpcfg2
    EXPECT(a1, 0)
    li gp, 49
    li a0, 0x1234
    csrw pmpaddr15, a0
    li a0, 0x8100000000000000            /* entry 15: locked, A = OFF, R */
    csrw pmpcfg2, a0
    li a0, 0x5678
    csrw pmpaddr15, a0                   /* ignored: locked */
    csrr a1, pmpaddr15
    EXPECT(a1, 0x1234)
    csrw pmpcfg2, zero                   /* entry 15 stays */
    csrr a1, pmpcfg2
    EXPECT(a1, 0x8100000000000000)
    csrr a1, pmpaddr63
    EXPECT(a1, 0)
    /* environment configuration */
    li gp, 50
    li a0, -1
    csrw menvcfg, a0
    csrr a1, menvcfg
    EXPECT(a1, 0xc0000000000000f1)       /* STCE, PBMTE, CBZE, CBCFE, CBIE, FIOM */
    csrw menvcfg, zero
    csrw senvcfg, a0
    csrr a1, senvcfg
    EXPECT(a1, 0xf1)                     /* CBZE, CBCFE, CBIE, FIOM */
    li a0, 0x20                          /* CBIE = 10 is reserved: reads 00 */
    csrw senvcfg, a0
    csrr a1, senvcfg
    EXPECT(a1, 0)
    csrw senvcfg, zero
    PASS
