/* SPDX-License-Identifier: MIT */
/* Decoder unit tests: operand extraction for every format, reserved and unknown encodings,
 * RVC reserved parcels, consistency of the .def tables, and a sweep over every 16-bit
 * parcel. (Mnemonics and operands of the whole corpus are checked against objdump in
 * test_disasm.c.) */
#include <criterion/criterion.h>
#include "cpu/insn.h"

static struct hv_insn dec(uint32_t raw)
{
    struct hv_insn i;
    unsigned len = hv__decode(raw, &i);
    cr_assert_eq(len, i.len, "return value and len differ for %08x", raw);
    return i;
}

static void expect_illegal(uint32_t raw)
{
    struct hv_insn i = dec(raw);
    cr_expect_eq(i.len, 0, "%08x should be illegal, decoded as %s", raw,
                 hv__op_info[i.op].mnemonic);
    cr_expect_eq(i.op, HV_OP_ILLEGAL, "%08x", raw);
}

Test(decode, tables_are_consistent)
{
    for (unsigned a = 1; a < HV_OP__COUNT; a++) {
        const struct hv_op_info *x = &hv__op_info[a];
        cr_assert_eq(x->match & x->mask, x->match, "%s: match outside mask", x->mnemonic);
        cr_assert_eq(x->match & 3, 3, "%s: not a 32-bit encoding", x->mnemonic);
        cr_assert_lt(x->fmt, HV_FMT__COUNT);
        /* The decoder's per-opcode index must find every op from its own MATCH word. */
        struct hv_insn i = dec(x->match | (a == HV_OP_PACKW ? 1u << 20 : 0)); /* see zext.h */
        cr_assert_eq(i.op, a, "match of %s decodes as %s", x->mnemonic,
                     hv__op_info[i.op].mnemonic);
        for (unsigned b = a + 1; b < HV_OP__COUNT; b++) {
            const struct hv_op_info *y = &hv__op_info[b];
            bool overlap = ((x->match ^ y->match) & x->mask & y->mask) == 0;
            /* The one intended overlap: zext.h (Zbb) is packw rd, rs1, x0 (Zbkb); the
             * earlier, more specific row wins. */
            if (a == HV_OP_ZEXT_H && b == HV_OP_PACKW) {
                cr_assert(overlap && (x->mask & y->mask) == y->mask && x->mask != y->mask);
                continue;
            }
            cr_assert(!overlap, "%s and %s encodings overlap", x->mnemonic, y->mnemonic);
        }
    }
}

Test(decode, r_and_i_formats)
{
    struct hv_insn i = dec(0x40b50533);             /* sub a0,a0,a1 */
    cr_expect_eq(i.op, HV_OP_SUB);
    cr_expect_eq(i.fmt, HV_FMT_R);
    cr_expect_eq(i.rd, 10); cr_expect_eq(i.rs1, 10); cr_expect_eq(i.rs2, 11);
    cr_expect_eq(i.len, 4); cr_expect_eq(i.raw, 0x40b50533);

    i = dec(0x80010093);                            /* addi ra,sp,-2048 */
    cr_expect_eq(i.op, HV_OP_ADDI);
    cr_expect_eq(i.rd, 1); cr_expect_eq(i.rs1, 2); cr_expect_eq(i.imm, -2048);
    i = dec(0x7ff10093);                            /* addi ra,sp,2047 */
    cr_expect_eq(i.imm, 2047);
    i = dec(0xff853503);                            /* ld a0,-8(a0) */
    cr_expect_eq(i.op, HV_OP_LD); cr_expect_eq(i.imm, -8);

    i = dec(0x03f51513);                            /* slli a0,a0,63 */
    cr_expect_eq(i.op, HV_OP_SLLI); cr_expect_eq(i.fmt, HV_FMT_SHIFT); cr_expect_eq(i.imm, 63);
    i = dec(0x41f5551b);                            /* sraiw a0,a0,31 */
    cr_expect_eq(i.op, HV_OP_SRAIW); cr_expect_eq(i.imm, 31);
    i = dec(0x6b855513);                            /* rev8 a0,a0 */
    cr_expect_eq(i.op, HV_OP_REV8); cr_expect_eq(i.rd, 10); cr_expect_eq(i.rs1, 10);
    i = dec(0x0ee655b3);                            /* czero.eqz a1,a2,a4 */
    cr_expect_eq(i.op, HV_OP_CZERO_EQZ); cr_expect_eq(i.rs2, 14);
}

Test(decode, s_b_u_j_formats)
{
    struct hv_insn i = dec(0xfea5bc23);             /* sd a0,-8(a1) */
    cr_expect_eq(i.op, HV_OP_SD); cr_expect_eq(i.rs1, 11); cr_expect_eq(i.rs2, 10);
    cr_expect_eq(i.imm, -8);
    i = dec(0x7ea5bfa3);                            /* sd a0,2047(a1) */
    cr_expect_eq(i.imm, 2047);

    i = dec(0xfeb50ee3);                            /* beq a0,a1,-4 */
    cr_expect_eq(i.op, HV_OP_BEQ); cr_expect_eq(i.imm, -4);
    i = dec(0x80000063);                            /* beq zero,zero,-4096 */
    cr_expect_eq(i.imm, -4096);
    i = dec(0x7e000fe3);                            /* beq zero,zero,4094 */
    cr_expect_eq(i.imm, 4094);

    i = dec(0xfffff537);                            /* lui a0,0xfffff */
    cr_expect_eq(i.op, HV_OP_LUI); cr_expect_eq(i.imm, -4096);
    i = dec(0x80000517);                            /* auipc a0,0x80000 */
    cr_expect_eq(i.op, HV_OP_AUIPC); cr_expect_eq(i.imm, -(int64_t)0x80000000);

    i = dec(0x800000ef);                            /* jal ra,-1048576 */
    cr_expect_eq(i.op, HV_OP_JAL); cr_expect_eq(i.rd, 1); cr_expect_eq(i.imm, -1048576);
    i = dec(0x7ffff06f);                            /* j 1048574 */
    cr_expect_eq(i.imm, 1048574);
    i = dec(0x0080006f);                            /* j 8 */
    cr_expect_eq(i.imm, 8);
}

Test(decode, system_csr_amo_fence_fp)
{
    struct hv_insn i = dec(0x30002573);             /* csrr a0,mstatus */
    cr_expect_eq(i.op, HV_OP_CSRRS); cr_expect_eq(i.fmt, HV_FMT_CSR);
    cr_expect_eq(i.imm, 0x300); cr_expect_eq(i.rd, 10); cr_expect_eq(i.rs1, 0);
    i = dec(0xfff7d573);                            /* csrrwi a0,0xfff,15 */
    cr_expect_eq(i.op, HV_OP_CSRRWI); cr_expect_eq(i.imm, 0xfff); cr_expect_eq(i.rs1, 15);

    i = dec(0x06c5b52f);                            /* amoadd.d.aqrl a0,a2,(a1) */
    cr_expect_eq(i.op, HV_OP_AMOADD_D); cr_expect_eq(i.aqrl, 3);
    cr_expect_eq(i.rd, 10); cr_expect_eq(i.rs1, 11); cr_expect_eq(i.rs2, 12);
    i = dec(0x1405a52f);                            /* lr.w.aq a0,(a1) */
    cr_expect_eq(i.op, HV_OP_LR_W); cr_expect_eq(i.aqrl, 2); cr_expect_eq(i.fmt, HV_FMT_LR);
    i = dec(0x1ac5b52f);                            /* sc.d.rl a0,a2,(a1) */
    cr_expect_eq(i.op, HV_OP_SC_D); cr_expect_eq(i.aqrl, 1);

    i = dec(0x0ff0000f);                            /* fence */
    cr_expect_eq(i.op, HV_OP_FENCE); cr_expect_eq(i.imm, 0xff);
    i = dec(0x8330000f);                            /* fence.tso: fm in bits 11:8 of imm */
    cr_expect_eq(i.op, HV_OP_FENCE); cr_expect_eq(i.imm, 0x833);
    i = dec(0x0000100f);
    cr_expect_eq(i.op, HV_OP_FENCE_I);
    i = dec(0x12b50073);                            /* sfence.vma a0,a1 */
    cr_expect_eq(i.op, HV_OP_SFENCE_VMA); cr_expect_eq(i.rs1, 10); cr_expect_eq(i.rs2, 11);
    cr_expect_eq(dec(0x30200073).op, HV_OP_MRET);
    cr_expect_eq(dec(0x10200073).op, HV_OP_SRET);
    cr_expect_eq(dec(0x10500073).op, HV_OP_WFI);
    cr_expect_eq(dec(0x00000073).op, HV_OP_ECALL);
    cr_expect_eq(dec(0x00100073).op, HV_OP_EBREAK);

    i = dec(0x62b57543);                            /* fmadd.d fa0,fa0,fa1,fa2 (rm 7) */
    cr_expect_eq(i.op, HV_OP_FMADD_D); cr_expect_eq(i.fmt, HV_FMT_R4_RM);
    cr_expect_eq(i.rs3, 12); cr_expect_eq(i.rm, 7);
    i = dec(0xc2251553);                            /* fcvt.l.d a0,fa0,rtz */
    cr_expect_eq(i.op, HV_OP_FCVT_L_D); cr_expect_eq(i.rm, 1); cr_expect_eq(i.fmt, HV_FMT_R1_RM);
    i = dec(0x02b55553);                            /* fadd.d fa0,fa0,fa1 with rm 5: decodes,
                                                       the engine raises illegal at run time */
    cr_expect_eq(i.op, HV_OP_FADD_D); cr_expect_eq(i.rm, 5);
    i = dec(0xe2050553);                            /* fmv.x.d a0,fa0 */
    cr_expect_eq(i.op, HV_OP_FMV_X_D); cr_expect_eq(i.fmt, HV_FMT_R1);
}

Test(decode, illegal_32bit)
{
    expect_illegal(0xffffffff);     /* longer-than-32-bit prefix */
    expect_illegal(0x0000001f);     /* 48-bit prefix */
    expect_illegal(0x0200101b);     /* slliw with shamt[5] set */
    expect_illegal(0x0200501b);     /* srliw with shamt[5] set */
    expect_illegal(0x1010202f);     /* lr.w with rs2 != 0 */
    expect_illegal(0x00100053 | 0x58000000u);   /* fsqrt.s with rs2 != 0 */
    expect_illegal(0xc0400053);     /* fcvt with rs2 = 4 */
    expect_illegal(0xe0002053);     /* fmv.x.w with funct3 = 2 */
    expect_illegal(0x06000053);     /* OP-FP fmt = 11 (quad/unsupported) */
    expect_illegal(0x00004073);     /* SYSTEM funct3 = 4 */
    expect_illegal(0x00200073);     /* uret (not in RV64GC privileged set) */
    expect_illegal(0x00100573);     /* ebreak with rd */
    expect_illegal(0x0000400f);     /* MISC-MEM funct3 = 4 */
    expect_illegal(0x00007003);     /* load funct3 = 7 */
    expect_illegal(0x00004023);     /* store funct3 = 4 */
    expect_illegal(0x00002063);     /* branch funct3 = 2 */
    expect_illegal(0x00001067);     /* jalr funct3 = 1 */
    expect_illegal(0x0000000b);     /* custom-0 */
    expect_illegal(0x00000057);     /* OP-V (no V extension) */
    expect_illegal(0x6030101b);     /* clzw-like with rs2 = 3 */
    expect_illegal(0x0800103b);     /* OP-32 funct7=4 funct3=1 */
}

Test(decode, rvc_expansion)
{
    struct hv_insn i = dec(0x4505);                 /* c.li a0,1 */
    cr_expect_eq(i.op, HV_OP_ADDI); cr_expect_eq(i.len, 2); cr_expect_eq(i.raw, 0x4505);
    cr_expect_eq(i.rd, 10); cr_expect_eq(i.rs1, 0); cr_expect_eq(i.imm, 1);
    i = dec(0x1141);                                /* c.addi sp,-16 */
    cr_expect_eq(i.op, HV_OP_ADDI); cr_expect_eq(i.rd, 2); cr_expect_eq(i.imm, -16);
    i = dec(0x7139);                                /* c.addi16sp sp,-64 */
    cr_expect_eq(i.op, HV_OP_ADDI); cr_expect_eq(i.rd, 2); cr_expect_eq(i.imm, -64);
    i = dec(0x0028);                                /* c.addi4spn a0,sp,8 */
    cr_expect_eq(i.op, HV_OP_ADDI); cr_expect_eq(i.rs1, 2); cr_expect_eq(i.imm, 8);
    i = dec(0xe406);                                /* c.sdsp ra,8(sp) */
    cr_expect_eq(i.op, HV_OP_SD); cr_expect_eq(i.rs2, 1); cr_expect_eq(i.imm, 8);
    i = dec(0x60a2);                                /* c.ldsp ra,8(sp) */
    cr_expect_eq(i.op, HV_OP_LD); cr_expect_eq(i.rd, 1); cr_expect_eq(i.imm, 8);
    i = dec(0x8082);                                /* c.jr ra = ret */
    cr_expect_eq(i.op, HV_OP_JALR); cr_expect_eq(i.rd, 0); cr_expect_eq(i.rs1, 1);
    i = dec(0x9502);                                /* c.jalr a0 */
    cr_expect_eq(i.op, HV_OP_JALR); cr_expect_eq(i.rd, 1); cr_expect_eq(i.rs1, 10);
    i = dec(0x9002);                                /* c.ebreak */
    cr_expect_eq(i.op, HV_OP_EBREAK); cr_expect_eq(i.len, 2);
    i = dec(0x852e);                                /* c.mv a0,a1 */
    cr_expect_eq(i.op, HV_OP_ADD); cr_expect_eq(i.rs1, 0); cr_expect_eq(i.rs2, 11);
    i = dec(0x7ffd);                                /* c.lui t6,0xfffff */
    cr_expect_eq(i.op, HV_OP_LUI); cr_expect_eq(i.imm, -4096);
    i = dec(0xb001);                                /* c.j with offset -2048 */
    cr_expect_eq(i.op, HV_OP_JAL); cr_expect_eq(i.rd, 0); cr_expect_eq(i.imm, -2048);
    i = dec(0xdffd);                                /* c.beqz a5,-2 */
    cr_expect_eq(i.op, HV_OP_BEQ); cr_expect_eq(i.rs1, 15); cr_expect_eq(i.imm, -2);
    i = dec(0x9fbd);                                /* c.addw a5,a5,a5 */
    cr_expect_eq(i.op, HV_OP_ADDW);
    i = dec(0x8401);                                /* c.srai s0,0 (HINT) */
    cr_expect_eq(i.op, HV_OP_SRAI); cr_expect_eq(i.imm, 0);
    i = dec(0x1ffe);                                /* c.slli t6,63 */
    cr_expect_eq(i.op, HV_OP_SLLI); cr_expect_eq(i.imm, 63);
    i = dec(0x3ffe);                                /* c.fldsp ft11,504(sp) */
    cr_expect_eq(i.op, HV_OP_FLD); cr_expect_eq(i.rd, 31); cr_expect_eq(i.imm, 504);
    i = dec(0x5ffc);                                /* c.lw a5,124(a5) */
    cr_expect_eq(i.op, HV_OP_LW); cr_expect_eq(i.imm, 124);
    /* The upper half of the word is ignored for a compressed parcel. */
    i = dec(0xdead4505);
    cr_expect_eq(i.op, HV_OP_ADDI); cr_expect_eq(i.raw, 0x4505);
}

Test(decode, rvc_reserved)
{
    static const uint16_t reserved[] = {
        0x0000,                 /* all-zero parcel */
        0x0004, 0x001c,         /* c.addi4spn nzuimm = 0 */
        0x6101,                 /* c.addi16sp imm = 0 */
        0x6081, 0x6f81,         /* c.lui imm = 0 */
        0x2001, 0x307d,         /* c.addiw rd = 0 */
        0x4002, 0x507e,         /* c.lwsp rd = 0 */
        0x6002, 0x707e,         /* c.ldsp rd = 0 */
        0x8002,                 /* c.jr rs1 = 0 */
        0x8000, 0x9ffc,         /* quadrant 0 funct3 = 100 */
        0x9c41, 0x9c61,         /* c.subw/c.addw neighbours (reserved funct2) */
    };
    for (size_t k = 0; k < sizeof reserved / sizeof reserved[0]; k++) {
        expect_illegal(reserved[k]);
        cr_expect_eq(hv__rvc_expand(reserved[k]), 0, "%04x", reserved[k]);
    }
}

Test(decode, every_parcel)
{
    /* Every 16-bit value, alone and as the low half of a word: the decoder returns a length
     * consistent with the parcel, fills a consistent struct, and (under ASan/UBSan) touches
     * nothing else. */
    unsigned legal16 = 0;
    for (uint32_t p = 0; p < 0x10000; p++) {
        for (unsigned hi = 0; hi < 2; hi++) {
            uint32_t w = p | (hi ? 0xffff0000u : 0);
            struct hv_insn i;
            unsigned len = hv__decode(w, &i);
            cr_assert(len == 0 || len == hv__insn_len((uint16_t)p), "%08x len %u", w, len);
            cr_assert_eq(len, i.len);
            cr_assert(i.op < HV_OP__COUNT);
            cr_assert((len == 0) == (i.op == HV_OP_ILLEGAL));
            if (len == 2) {
                cr_assert_eq(i.raw, p);
                cr_assert_eq(i.fmt, hv__op_info[i.op].fmt);
                cr_assert(i.rd < 32 && i.rs1 < 32 && i.rs2 < 32 && i.rs3 < 32);
                legal16 += !hi;
            }
        }
    }
    /* 49152 compressed parcels minus the reserved ones (counted from the spec's tables). */
    cr_expect_gt(legal16, 40000);
    cr_expect_lt(legal16, 49152);
}

Test(decode, new_extensions)
{
    /* Zfh */
    struct hv_insn i = dec(0x00259507);             /* flh fa0,2(a1) */
    cr_expect_eq(i.op, HV_OP_FLH); cr_expect_eq(i.imm, 2); cr_expect_eq(i.rs1, 11);
    i = dec(0x6cc5f543);                            /* fmadd.h fa0,fa1,fa2,fa3 */
    cr_expect_eq(i.op, HV_OP_FMADD_H); cr_expect_eq(i.rs3, 13);
    cr_expect_eq(dec(0x4405f553).op, HV_OP_FCVT_H_S);
    cr_expect_eq(dec(0x40258553).op, HV_OP_FCVT_S_H);
    cr_expect_eq(dec(0xe4058553).op, HV_OP_FMV_X_H);
    /* Zbkb / Zbkx; packw with rs2 = x0 stays zext.h */
    cr_expect_eq(dec(0x6875d513).op, HV_OP_BREV8);
    cr_expect_eq(dec(0x08c5c533).op, HV_OP_PACK);
    cr_expect_eq(dec(0x08c5f533).op, HV_OP_PACKH);
    cr_expect_eq(dec(0x08c5c53b).op, HV_OP_PACKW);
    cr_expect_eq(dec(0x0805c53b).op, HV_OP_ZEXT_H);
    cr_expect_eq(dec(0x28c5a533).op, HV_OP_XPERM4);
    cr_expect_eq(dec(0x28c5c533).op, HV_OP_XPERM8);
    /* Zicbom / Zicboz: rd must be x0, other imm values are reserved */
    i = dec(0x0045200f);                            /* cbo.zero (a0) */
    cr_expect_eq(i.op, HV_OP_CBO_ZERO); cr_expect_eq(i.rs1, 10); cr_expect_eq(i.fmt, HV_FMT_CBO);
    cr_expect_eq(dec(0x0005200f).op, HV_OP_CBO_INVAL);
    cr_expect_eq(dec(0x0015200f).op, HV_OP_CBO_CLEAN);
    cr_expect_eq(dec(0x0025200f).op, HV_OP_CBO_FLUSH);
    expect_illegal(0x0035200f);
    expect_illegal(0x0045208f);
    /* Zicbop hints are ORIs */
    cr_expect_eq(dec(0x02156013).op, HV_OP_ORI);
    /* Svinval */
    i = dec(0x16b50073);                            /* sinval.vma a0,a1 */
    cr_expect_eq(i.op, HV_OP_SINVAL_VMA); cr_expect_eq(i.rs1, 10); cr_expect_eq(i.rs2, 11);
    cr_expect_eq(dec(0x18000073).op, HV_OP_SFENCE_W_INVAL);
    cr_expect_eq(dec(0x18100073).op, HV_OP_SFENCE_INVAL_IR);
    cr_expect(hv__insn_ends_block(HV_OP_SINVAL_VMA));
    cr_expect(!hv__insn_ends_block(HV_OP_CBO_ZERO));
}
