/* SPDX-License-Identifier: MIT */
/* libhv cpu — RVC: expands every RV64GC compressed parcel into the 32-bit instruction it
 * stands for (so one decoder and one set of semantics serve both), rejecting the encodings
 * the spec reserves. HINT encodings (e.g. c.li x0, c.slli with shamt 0) expand normally. */
#include "cpu/insn.h"

static inline uint32_t b(uint32_t v, unsigned hi, unsigned lo)
{
    return (v >> lo) & ((1u << (hi - lo + 1)) - 1);
}

/* 32-bit encoders, operands already in range. */
static uint32_t enc_i(uint32_t opc, unsigned f3, unsigned rd, unsigned rs1, int32_t imm)
{
    return ((uint32_t)imm << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
}

static uint32_t enc_s(uint32_t opc, unsigned f3, unsigned rs1, unsigned rs2, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return (b(u, 11, 5) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (b(u, 4, 0) << 7) | opc;
}

static uint32_t enc_r(uint32_t opc, unsigned f7, unsigned f3, unsigned rd, unsigned rs1,
                      unsigned rs2)
{
    return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
}

static uint32_t enc_b(unsigned f3, unsigned rs1, int32_t off)
{
    uint32_t u = (uint32_t)off;
    return (b(u, 12, 12) << 31) | (b(u, 10, 5) << 25) | (rs1 << 15) | (f3 << 12) |
           (b(u, 4, 1) << 8) | (b(u, 11, 11) << 7) | 0x63;
}

static uint32_t enc_j(unsigned rd, int32_t off)
{
    uint32_t u = (uint32_t)off;
    return (b(u, 20, 20) << 31) | (b(u, 10, 1) << 21) | (b(u, 11, 11) << 20) |
           (b(u, 19, 12) << 12) | (rd << 7) | 0x6f;
}

static inline int32_t sext(uint32_t v, unsigned bits)
{
    return (int32_t)(v << (32 - bits)) >> (32 - bits);
}

enum { OPC_LOAD = 0x03, OPC_LOAD_FP = 0x07, OPC_IMM = 0x13, OPC_IMM32 = 0x1b, OPC_STORE = 0x23,
       OPC_STORE_FP = 0x27, OPC_OP = 0x33, OPC_LUI = 0x37, OPC_OP32 = 0x3b, OPC_JALR = 0x67 };

/* Quadrant 0: stack-pointer-relative addi and loads/stores with 3-bit registers. */
static uint32_t quadrant0(uint32_t c)
{
    unsigned rdp = 8 + b(c, 4, 2), rs1p = 8 + b(c, 9, 7);
    unsigned uimm_d = (b(c, 12, 10) << 3) | (b(c, 6, 5) << 6);
    unsigned uimm_w = (b(c, 12, 10) << 3) | (b(c, 6, 6) << 2) | (b(c, 5, 5) << 6);

    switch (b(c, 15, 13)) {
    case 0: { /* c.addi4spn; nzuimm == 0 (including the all-zero parcel) is reserved */
        unsigned nz = (b(c, 12, 11) << 4) | (b(c, 10, 7) << 6) | (b(c, 6, 6) << 2) |
                      (b(c, 5, 5) << 3);
        return nz ? enc_i(OPC_IMM, 0, rdp, 2, (int32_t)nz) : 0;
    }
    case 1: return enc_i(OPC_LOAD_FP, 3, rdp, rs1p, (int32_t)uimm_d);   /* c.fld */
    case 2: return enc_i(OPC_LOAD, 2, rdp, rs1p, (int32_t)uimm_w);      /* c.lw */
    case 3: return enc_i(OPC_LOAD, 3, rdp, rs1p, (int32_t)uimm_d);      /* c.ld */
    case 5: return enc_s(OPC_STORE_FP, 3, rs1p, rdp, (int32_t)uimm_d);  /* c.fsd */
    case 6: return enc_s(OPC_STORE, 2, rs1p, rdp, (int32_t)uimm_w);     /* c.sw */
    case 7: return enc_s(OPC_STORE, 3, rs1p, rdp, (int32_t)uimm_d);     /* c.sd */
    default: return 0;                                                  /* reserved */
    }
}

/* Quadrant 1, funct3 = 100: shifts, andi and register-register ALU ops on x8..x15. */
static uint32_t quadrant1_alu(uint32_t c)
{
    unsigned rd = 8 + b(c, 9, 7), rs2 = 8 + b(c, 4, 2);
    unsigned imm6 = (b(c, 12, 12) << 5) | b(c, 6, 2);

    switch (b(c, 11, 10)) {
    case 0: return enc_i(OPC_IMM, 5, rd, rd, (int32_t)imm6);               /* c.srli */
    case 1: return enc_i(OPC_IMM, 5, rd, rd, (int32_t)(imm6 | 0x400));     /* c.srai */
    case 2: return enc_i(OPC_IMM, 7, rd, rd, sext(imm6, 6));               /* c.andi */
    default: break;
    }
    static const uint8_t f3[4] = { 0, 4, 6, 7 };    /* sub, xor, or, and */
    unsigned f2 = b(c, 6, 5);
    if (!b(c, 12, 12))
        return enc_r(OPC_OP, f2 == 0 ? 0x20 : 0, f3[f2], rd, rd, rs2);
    if (f2 == 0)
        return enc_r(OPC_OP32, 0x20, 0, rd, rd, rs2);                      /* c.subw */
    if (f2 == 1)
        return enc_r(OPC_OP32, 0, 0, rd, rd, rs2);                         /* c.addw */
    return 0;                                                              /* reserved */
}

/* Quadrant 1: immediates, jumps and branches. */
static uint32_t quadrant1(uint32_t c)
{
    unsigned rd = b(c, 11, 7), rs1p = 8 + b(c, 9, 7);
    int32_t imm6 = sext((b(c, 12, 12) << 5) | b(c, 6, 2), 6);

    switch (b(c, 15, 13)) {
    case 0: return enc_i(OPC_IMM, 0, rd, rd, imm6);                        /* c.addi, c.nop */
    case 1: return rd ? enc_i(OPC_IMM32, 0, rd, rd, imm6) : 0;             /* c.addiw */
    case 2: return enc_i(OPC_IMM, 0, rd, 0, imm6);                         /* c.li */
    case 3:
        if (rd == 2) {                                                     /* c.addi16sp */
            int32_t nz = sext((b(c, 12, 12) << 9) | (b(c, 6, 6) << 4) | (b(c, 5, 5) << 6) |
                              (b(c, 4, 3) << 7) | (b(c, 2, 2) << 5), 10);
            return nz ? enc_i(OPC_IMM, 0, 2, 2, nz) : 0;
        }
        /* c.lui: the 6-bit immediate lands in bits 17:12 */
        return imm6 ? ((uint32_t)imm6 << 12) | (rd << 7) | OPC_LUI : 0;
    case 4: return quadrant1_alu(c);
    case 5:                                                                /* c.j */
        return enc_j(0, sext((b(c, 12, 12) << 11) | (b(c, 11, 11) << 4) | (b(c, 10, 9) << 8) |
                             (b(c, 8, 8) << 10) | (b(c, 7, 7) << 6) | (b(c, 6, 6) << 7) |
                             (b(c, 5, 3) << 1) | (b(c, 2, 2) << 5), 12));
    default: {                                                             /* c.beqz/bnez */
        int32_t off = sext((b(c, 12, 12) << 8) | (b(c, 11, 10) << 3) | (b(c, 6, 5) << 6) |
                           (b(c, 4, 3) << 1) | (b(c, 2, 2) << 5), 9);
        return enc_b(b(c, 15, 13) == 6 ? 0 : 1, rs1p, off);
    }
    }
}

/* Quadrant 2, funct3 = 100: jr, mv, ebreak, jalr, add. */
static uint32_t quadrant2_cr(uint32_t c)
{
    unsigned rd = b(c, 11, 7), rs2 = b(c, 6, 2);

    if (!b(c, 12, 12)) {
        if (rs2)
            return enc_r(OPC_OP, 0, 0, rd, 0, rs2);                        /* c.mv */
        return rd ? enc_i(OPC_JALR, 0, 0, rd, 0) : 0;                      /* c.jr */
    }
    if (rs2)
        return enc_r(OPC_OP, 0, 0, rd, rd, rs2);                           /* c.add */
    return rd ? enc_i(OPC_JALR, 0, 1, rd, 0) : 0x00100073;                 /* c.jalr, c.ebreak */
}

/* Quadrant 2: sp-relative loads/stores, slli and the CR group. */
static uint32_t quadrant2(uint32_t c)
{
    unsigned rd = b(c, 11, 7), rs2 = b(c, 6, 2);
    unsigned ld_d = (b(c, 12, 12) << 5) | (b(c, 6, 5) << 3) | (b(c, 4, 2) << 6);
    unsigned ld_w = (b(c, 12, 12) << 5) | (b(c, 6, 4) << 2) | (b(c, 3, 2) << 6);
    unsigned st_d = (b(c, 12, 10) << 3) | (b(c, 9, 7) << 6);
    unsigned st_w = (b(c, 12, 9) << 2) | (b(c, 8, 7) << 6);

    switch (b(c, 15, 13)) {
    case 0: return enc_i(OPC_IMM, 1, rd, rd, (int32_t)((b(c, 12, 12) << 5) | rs2)); /* slli */
    case 1: return enc_i(OPC_LOAD_FP, 3, rd, 2, (int32_t)ld_d);            /* c.fldsp */
    case 2: return rd ? enc_i(OPC_LOAD, 2, rd, 2, (int32_t)ld_w) : 0;      /* c.lwsp */
    case 3: return rd ? enc_i(OPC_LOAD, 3, rd, 2, (int32_t)ld_d) : 0;      /* c.ldsp */
    case 4: return quadrant2_cr(c);
    case 5: return enc_s(OPC_STORE_FP, 3, 2, rs2, (int32_t)st_d);          /* c.fsdsp */
    case 6: return enc_s(OPC_STORE, 2, 2, rs2, (int32_t)st_w);             /* c.swsp */
    default: return enc_s(OPC_STORE, 3, 2, rs2, (int32_t)st_d);            /* c.sdsp */
    }
}

uint32_t hv__rvc_expand(uint16_t parcel)
{
    uint32_t c = parcel;
    switch (c & 3) {
    case 0: return quadrant0(c);
    case 1: return quadrant1(c);
    case 2: return quadrant2(c);
    default: return 0;      /* not a compressed parcel */
    }
}
