/* SPDX-License-Identifier: MIT */
/* libhv cpu/x86 — capstone-based disassembler of emitted host code (tracing aid). A
 * capstone handle is opened per call: tracing is not a hot path and this keeps the
 * function free of shared state. */
#include "cpu/x86/disas.h"

#include <capstone/capstone.h>
#include <stdio.h>

#include "hv/error.h"

/* "0x<addr>:  <up to 10 hex bytes>  <text>". */
static void emit_line(void (*line)(void *, const char *), void *opaque, uint64_t addr,
                      const uint8_t *bytes, size_t n, const char *mnem, const char *ops)
{
    char hex[3 * 16 + 1] = "";
    size_t h = 0;
    for (size_t i = 0; i < n && i < 15; i++)
        h += (size_t)snprintf(hex + h, sizeof(hex) - h, "%02x ", bytes[i]);
    char text[256];
    snprintf(text, sizeof(text), "0x%016llx:  %-30s %s%s%s", (unsigned long long)addr, hex,
             mnem, ops[0] ? " " : "", ops);
    line(opaque, text);
}

int hv__x86_disas(const void *code, size_t len, uint64_t addr,
                  void (*line)(void *opaque, const char *text), void *opaque)
{
    csh h;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
        return HV_ENOTSUP;
    cs_insn *insn = cs_malloc(h);
    if (!insn) {
        cs_close(&h);
        return HV_ENOMEM;
    }
    const uint8_t *p = code;
    size_t left = len;
    uint64_t pc = addr;
    int lines = 0;
    while (left > 0) {
        const uint8_t *start = p;
        if (cs_disasm_iter(h, &p, &left, &pc, insn)) {
            emit_line(line, opaque, insn->address, start, insn->size, insn->mnemonic,
                      insn->op_str);
        } else {
            /* Skip one byte so a stray byte does not hide the rest of the block. */
            char ops[8];
            snprintf(ops, sizeof(ops), "0x%02x", *p);
            emit_line(line, opaque, pc, p, 1, ".byte", ops);
            p++;
            left--;
            pc++;
        }
        lines++;
    }
    cs_free(insn, 1);
    cs_close(&h);
    return lines;
}
