/* SPDX-License-Identifier: MIT */
/* libhv cpu — the decoded RV64 instruction, shared by the decoder, the disassembler, the
 * reference interpreter and the translator. The opcode list is data: one .def file per ISA
 * extension in libhv/cpu/isa/, each line
 *     HV_INSN(NAME, "mnemonic", MASK, MATCH, FORMAT)
 * where (raw & MASK) == MATCH identifies the 32-bit encoding and FORMAT names how operands
 * are extracted (enum hv_fmt). Adding an extension = adding one .def file (plus its
 * semantics in the interpreter and translator). Compressed (RVC) encodings are expanded by
 * the decoder to the base instruction they stand for, with len = 2. */
#ifndef HV_CPU_INSN_H
#define HV_CPU_INSN_H

#include <stddef.h>
#include <stdint.h>

/* Operand formats (how the decoder fills struct hv_insn from a 32-bit word). */
enum hv_fmt {
    HV_FMT_NONE,    /* no operands (ecall, ebreak, mret, sret, wfi, fence.i) */
    HV_FMT_R,       /* rd, rs1, rs2 */
    HV_FMT_R_RM,    /* rd, rs1, rs2, rm (FP arithmetic with rounding mode) */
    HV_FMT_R1,      /* rd, rs1 (unary: clz, sext.b, fmv.x.d, fclass, ...) */
    HV_FMT_R1_RM,   /* rd, rs1, rm (fsqrt, fcvt) */
    HV_FMT_R4_RM,   /* rd, rs1, rs2, rs3, rm (fused multiply-add) */
    HV_FMT_I,       /* rd, rs1, imm12 (sign-extended) — also loads, jalr */
    HV_FMT_SHIFT,   /* rd, rs1, shamt (6 bits) in imm */
    HV_FMT_SHIFTW,  /* rd, rs1, shamt (5 bits) in imm */
    HV_FMT_S,       /* rs1, rs2, imm12 (stores) */
    HV_FMT_B,       /* rs1, rs2, imm13 (branches, pc-relative) */
    HV_FMT_U,       /* rd, imm = sign-extended imm[31:12] << 12 */
    HV_FMT_J,       /* rd, imm21 (jal, pc-relative) */
    HV_FMT_CSR,     /* rd, rs1, imm = csr number (0..4095) */
    HV_FMT_CSRI,    /* rd, rs1 = uimm5, imm = csr number */
    HV_FMT_AMO,     /* rd, rs1, rs2, aqrl = raw bits 26:25 */
    HV_FMT_LR,      /* rd, rs1, aqrl */
    HV_FMT_FENCE,   /* imm = pred << 4 | succ, fm in bits 8..11 of imm */
    HV_FMT_SFENCE,  /* rs1 (vaddr), rs2 (asid) */
    HV_FMT_CBO,     /* rs1 (cache-block address): cbo.* */
    HV_FMT__COUNT
};

enum hv_op {
    HV_OP_ILLEGAL = 0,
#define HV_INSN(name, mnem, mask, match, fmt) HV_OP_##name,
#include "cpu/isa/all.def"
#undef HV_INSN
    HV_OP__COUNT
};

struct hv_insn {
    uint16_t op;        /* enum hv_op */
    uint8_t rd, rs1, rs2, rs3;
    uint8_t len;        /* 2 (compressed) or 4; 0 for an illegal encoding */
    uint8_t rm;         /* FP rounding-mode field (funct3), 7 = dynamic */
    uint8_t aqrl;       /* AMO/LR/SC ordering bits: bit 1 aq, bit 0 rl */
    uint8_t fmt;        /* enum hv_fmt of the base encoding */
    int64_t imm;        /* sign-extended immediate, shamt, csr number, or fence bits */
    uint32_t raw;       /* the instruction word as fetched (16 bits for RVC) */
};

/* Static properties of one opcode (from the .def table). */
struct hv_op_info {
    const char *mnemonic;
    uint32_t mask, match;
    uint8_t fmt;
};
extern const struct hv_op_info hv__op_info[HV_OP__COUNT];

/* Decode one instruction. `raw` holds at least the first 16 bits; if they denote a 32-bit
 * instruction the upper half must be present too. Returns the length (2 or 4), or 0 for an
 * illegal / unsupported encoding (out->op = HV_OP_ILLEGAL, out->len = 0, out->raw = raw).
 * Pure function: no state, thread-safe. */
unsigned hv__decode(uint32_t raw, struct hv_insn *out);

/* The 32-bit instruction a compressed parcel stands for, or 0 when the parcel is reserved,
 * illegal, or not an RV64GC compressed instruction. (The decoder uses this expansion.) */
uint32_t hv__rvc_expand(uint16_t parcel);

/* Length of the instruction whose first 16-bit parcel is `lo` (2 or 4). */
static inline unsigned hv__insn_len(uint16_t lo)
{
    return (lo & 3) == 3 ? 4 : 2;
}

/* True for instructions after which an engine must end a block (interpreter) or leave
 * straight-line translation (translator): control transfers, system instructions and CSR
 * accesses (they may change privilege, the memory map or interrupt state), and illegal
 * encodings. One list for both engines, so they always cut blocks at the same places. */
static inline int hv__insn_ends_block(unsigned op)
{
    switch (op) {
    case HV_OP_ILLEGAL:
    case HV_OP_JAL: case HV_OP_JALR:
    case HV_OP_BEQ: case HV_OP_BNE: case HV_OP_BLT: case HV_OP_BGE: case HV_OP_BLTU:
    case HV_OP_BGEU:
    case HV_OP_ECALL: case HV_OP_EBREAK: case HV_OP_MRET: case HV_OP_SRET: case HV_OP_WFI:
    case HV_OP_SFENCE_VMA: case HV_OP_FENCE_I:
    case HV_OP_SINVAL_VMA: case HV_OP_SFENCE_W_INVAL: case HV_OP_SFENCE_INVAL_IR:
    case HV_OP_CSRRW: case HV_OP_CSRRS: case HV_OP_CSRRC:
    case HV_OP_CSRRWI: case HV_OP_CSRRSI: case HV_OP_CSRRCI:
        return 1;
    default:
        return 0;
    }
}

/* Print one instruction in GNU objdump's syntax (mnemonics, aliases, register names,
 * immediates and branch targets as objdump prints them for `addr`). Returns the length of
 * the text (snprintf semantics). */
int hv__disasm(const struct hv_insn *insn, uint64_t addr, char *buf, size_t len);

#endif
