/* SPDX-License-Identifier: MIT */
/* libhv cpu/jit — the translation trace (--trace=in_asm,out_asm): each block's guest
 * instructions, its tails, region runs and loop heads, and the generated host code. */
#include <stdio.h>
#include "cpu/jit/tr.h"
#include "cpu/x86/disas.h"

static void trace_line(void *opaque, const char *text)
{
    const struct hv__jit_opts *o = opaque;
    o->log(o->log_opaque, text);
}

void hv__tr_trace_block(struct hv__jit *jit, const struct tr *t, const void *code_rw,
                        size_t len, uintptr_t rx)
{
    const struct hv__jit_opts *o = &jit->opts;
    if (!o->log)
        return;
    char line[160];
    if (o->trace & HV_JIT_TRACE_IN_ASM) {
        snprintf(line, sizeof line, "IN: block at 0x%llx (%u insns)",
                 (unsigned long long)t->pc0, t->n);
        o->log(o->log_opaque, line);
        for (unsigned i = 0; i < t->n; i++) {
            char d[96];
            uint64_t pc = t->ipc[i];
            if (t->region && t->seg_first[i]) {
                snprintf(line, sizeof line, "  region run at insn %u (0x%llx)", i,
                         (unsigned long long)pc);
                o->log(o->log_opaque, line);
            }
            hv__disasm(&t->in[i], pc, d, sizeof d);
            snprintf(line, sizeof line, "0x%016llx:  %s", (unsigned long long)pc, d);
            o->log(o->log_opaque, line);
        }
        for (unsigned i = 0; i < t->n; i++) {
            if (!t->tail[i].present)
                continue;
            const struct tail *tl = &t->tail[i];
            if (tl->cond)
                snprintf(line, sizeof line, "  tail after insn %u: %u ALU insns + branch to "
                         "0x%llx, else 0x%llx", i, tl->m, (unsigned long long)tl->to,
                         (unsigned long long)tl->fall);
            else
                snprintf(line, sizeof line, "  tail after insn %u: %u ALU insns + j 0x%llx",
                         i, tl->m, (unsigned long long)tl->to);
            o->log(o->log_opaque, line);
            for (unsigned j = 0; j < tl->m + (unsigned)tl->cond; j++) {
                char d[96];
                hv__disasm(&t->in[t->tail[i].first + j], 0, d, sizeof d);
                snprintf(line, sizeof line, "  tail:  %s", d);
                o->log(o->log_opaque, line);
            }
        }
    }
    for (unsigned i = 0; i < t->n && (o->trace & HV_JIT_TRACE_IN_ASM); i++) {
        if (t->head_end[i] < 0)
            continue;
        snprintf(line, sizeof line, "  loop head at insn %u (0x%llx), back-edges up to insn %d",
                 i, (unsigned long long)t->ipc[i], t->head_end[i]);
        o->log(o->log_opaque, line);
    }
    if (o->trace & HV_JIT_TRACE_OUT_ASM) {
        snprintf(line, sizeof line, "OUT: block at 0x%llx -> %zu bytes of host code",
                 (unsigned long long)t->pc0, len);
        o->log(o->log_opaque, line);
        hv__x86_disas(code_rw, len, rx, trace_line, (void *)o);
    }
}
