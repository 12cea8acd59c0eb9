/* SPDX-License-Identifier: MIT */
/* libhv cpu — table-driven decoder for 32-bit RV64 instructions (compressed parcels are
 * expanded in decode_rvc.c). The .def tables are the only source of encodings; a compile-time
 * bitset per major opcode limits the mask/match scan to the handful of candidate rows. */
#include "cpu/insn.h"

#define SEL_WORDS 5
_Static_assert(HV_OP__COUNT <= SEL_WORDS * 64, "grow SEL_WORDS and decode_sel.inc");

/* Term for one .def row inside a bitset word: set bit (op % 64) of word SEL_W of row SEL_OPC
 * when the row's major opcode is SEL_OPC. */
#define HV_INSN(name, mnem, mask, match, fmt)                                               \
    | ((((match) & 0x7fu) == ((SEL_OPC << 2) | 3u) && HV_OP_##name / 64 == SEL_W)           \
           ? UINT64_C(1) << (HV_OP_##name % 64) : UINT64_C(0))

/* Major opcodes whose bits 4:2 are 111 introduce longer encodings and stay empty. */
static const uint64_t sel[32][SEL_WORDS] = {
#define SEL_OPC 0
#include "cpu/decode_sel.inc"
#define SEL_OPC 1
#include "cpu/decode_sel.inc"
#define SEL_OPC 2
#include "cpu/decode_sel.inc"
#define SEL_OPC 3
#include "cpu/decode_sel.inc"
#define SEL_OPC 4
#include "cpu/decode_sel.inc"
#define SEL_OPC 5
#include "cpu/decode_sel.inc"
#define SEL_OPC 6
#include "cpu/decode_sel.inc"
#define SEL_OPC 8
#include "cpu/decode_sel.inc"
#define SEL_OPC 9
#include "cpu/decode_sel.inc"
#define SEL_OPC 10
#include "cpu/decode_sel.inc"
#define SEL_OPC 11
#include "cpu/decode_sel.inc"
#define SEL_OPC 12
#include "cpu/decode_sel.inc"
#define SEL_OPC 13
#include "cpu/decode_sel.inc"
#define SEL_OPC 14
#include "cpu/decode_sel.inc"
#define SEL_OPC 16
#include "cpu/decode_sel.inc"
#define SEL_OPC 17
#include "cpu/decode_sel.inc"
#define SEL_OPC 18
#include "cpu/decode_sel.inc"
#define SEL_OPC 19
#include "cpu/decode_sel.inc"
#define SEL_OPC 20
#include "cpu/decode_sel.inc"
#define SEL_OPC 21
#include "cpu/decode_sel.inc"
#define SEL_OPC 22
#include "cpu/decode_sel.inc"
#define SEL_OPC 24
#include "cpu/decode_sel.inc"
#define SEL_OPC 25
#include "cpu/decode_sel.inc"
#define SEL_OPC 26
#include "cpu/decode_sel.inc"
#define SEL_OPC 27
#include "cpu/decode_sel.inc"
#define SEL_OPC 28
#include "cpu/decode_sel.inc"
#define SEL_OPC 29
#include "cpu/decode_sel.inc"
#define SEL_OPC 30
#include "cpu/decode_sel.inc"
};
#undef HV_INSN

static inline int64_t sext(uint64_t v, unsigned bits)
{
    return (int64_t)(v << (64 - bits)) >> (64 - bits);
}

static inline unsigned bits(uint32_t raw, unsigned hi, unsigned lo)
{
    return (raw >> lo) & ((1u << (hi - lo + 1)) - 1);
}

static unsigned find_op(uint32_t raw)
{
    const uint64_t *row = sel[bits(raw, 6, 2)];
    for (unsigned w = 0; w < SEL_WORDS; w++) {
        for (uint64_t b = row[w]; b; b &= b - 1) {
            unsigned op = w * 64 + (unsigned)__builtin_ctzll(b);
            if ((raw & hv__op_info[op].mask) == hv__op_info[op].match)
                return op;
        }
    }
    return HV_OP_ILLEGAL;
}

/* Fill the operand fields of `out` from a 32-bit word according to its format. */
static void extract(uint32_t raw, unsigned fmt, struct hv_insn *out)
{
    unsigned rd = bits(raw, 11, 7), rs1 = bits(raw, 19, 15), rs2 = bits(raw, 24, 20);
    unsigned f3 = bits(raw, 14, 12);

    switch (fmt) {
    case HV_FMT_NONE:
        break;
    case HV_FMT_R4_RM:
        out->rs3 = (uint8_t)bits(raw, 31, 27);
        /* fall through */
    case HV_FMT_R_RM:
        out->rm = (uint8_t)f3;
        /* fall through */
    case HV_FMT_R:
        out->rd = (uint8_t)rd, out->rs1 = (uint8_t)rs1, out->rs2 = (uint8_t)rs2;
        break;
    case HV_FMT_R1_RM:
        out->rm = (uint8_t)f3;
        /* fall through */
    case HV_FMT_R1:
        out->rd = (uint8_t)rd, out->rs1 = (uint8_t)rs1;
        break;
    case HV_FMT_I:
        out->rd = (uint8_t)rd, out->rs1 = (uint8_t)rs1;
        out->imm = sext(raw >> 20, 12);
        break;
    case HV_FMT_SHIFT:
        out->rd = (uint8_t)rd, out->rs1 = (uint8_t)rs1, out->imm = bits(raw, 25, 20);
        break;
    case HV_FMT_SHIFTW:
        out->rd = (uint8_t)rd, out->rs1 = (uint8_t)rs1, out->imm = bits(raw, 24, 20);
        break;
    case HV_FMT_S:
        out->rs1 = (uint8_t)rs1, out->rs2 = (uint8_t)rs2;
        out->imm = sext((bits(raw, 31, 25) << 5) | rd, 12);
        break;
    case HV_FMT_B:
        out->rs1 = (uint8_t)rs1, out->rs2 = (uint8_t)rs2;
        out->imm = sext((bits(raw, 31, 31) << 12) | (bits(raw, 7, 7) << 11) |
                        (bits(raw, 30, 25) << 5) | (bits(raw, 11, 8) << 1), 13);
        break;
    case HV_FMT_U:
        out->rd = (uint8_t)rd, out->imm = sext(raw & 0xfffff000u, 32);
        break;
    case HV_FMT_J:
        out->rd = (uint8_t)rd;
        out->imm = sext((bits(raw, 31, 31) << 20) | (bits(raw, 19, 12) << 12) |
                        (bits(raw, 20, 20) << 11) | (bits(raw, 30, 21) << 1), 21);
        break;
    case HV_FMT_CSR:
    case HV_FMT_CSRI:
        out->rd = (uint8_t)rd, out->rs1 = (uint8_t)rs1, out->imm = raw >> 20;
        break;
    case HV_FMT_AMO:
        out->rs2 = (uint8_t)rs2;
        /* fall through */
    case HV_FMT_LR:
        out->rd = (uint8_t)rd, out->rs1 = (uint8_t)rs1, out->aqrl = (uint8_t)bits(raw, 26, 25);
        break;
    case HV_FMT_FENCE:
        /* rd and rs1 are reserved-and-ignored; kept so the disassembler can show them. */
        out->rd = (uint8_t)rd, out->rs1 = (uint8_t)rs1, out->imm = raw >> 20;
        break;
    case HV_FMT_SFENCE:
        out->rs1 = (uint8_t)rs1, out->rs2 = (uint8_t)rs2;
        break;
    case HV_FMT_CBO:
        out->rs1 = (uint8_t)rs1;
        break;
    default:
        break;
    }
}

unsigned hv__decode(uint32_t raw, struct hv_insn *out)
{
    uint32_t word = raw;
    unsigned len = 4;

    *out = (struct hv_insn){ .raw = raw };
    if ((raw & 3) != 3) {
        /* A compressed parcel decodes as the 32-bit instruction it stands for. */
        out->raw = raw & 0xffff;
        word = hv__rvc_expand((uint16_t)raw);
        len = 2;
    }
    unsigned op = word ? find_op(word) : HV_OP_ILLEGAL;
    if (op == HV_OP_ILLEGAL)
        return 0;
    out->op = (uint16_t)op;
    out->fmt = hv__op_info[op].fmt;
    out->len = (uint8_t)len;
    extract(word, out->fmt, out);
    return len;
}
