/* SPDX-License-Identifier: MIT */
/* libhv cpu — static per-opcode properties (mnemonic, encoding mask/match, operand format),
 * generated from the ISA .def tables so that the decoder, disassembler and engines agree. */
#include "cpu/insn.h"

const struct hv_op_info hv__op_info[HV_OP__COUNT] = {
    [HV_OP_ILLEGAL] = { "illegal", 0, 0, HV_FMT_NONE },
#define HV_INSN(name, mnem, mask, match, fmt) [HV_OP_##name] = { mnem, mask, match, fmt },
#include "cpu/isa/all.def"
#undef HV_INSN
};
