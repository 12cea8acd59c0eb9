/* SPDX-License-Identifier: MIT */
/* libhv cpu/jit — everything the translator does not emit natively (CSRs, system
 * instructions, A, Zbc, Zbkb, Zbkx, cbo.*, illegal, F/D the fast paths decline): a call to
 * the interpreter's semantics for the one instruction, state exact in memory. */
#include "cpu/jit/tr.h"

/* ---- the generic path: the interpreter's semantics for one instruction ------------------- */

/* In the hot path, before instruction i: state exact in memory (registers, pc, instret),
 * then fn(cpu, &insn[i]); a non-zero status leaves through the block's failure exit. */
void hv__tr_call_insn_helper(struct tr *t, unsigned i, uintptr_t fn)
{
    struct hv__x86_buf *b = t->b;
    sync_for_call(t);
    set_pc(t, insn_pc(t, i), RAX);
    instret_to_mem(t, i);
    hv__x86_mov_rr(b, 8, RDI, RBX);
    hv__x86_mov_ri(b, RSI, (uint64_t)(uintptr_t)&t->in_rx[i]);
    hv__x86_call_abs(b, fn, RAX);
    check_status(t);
    rsi_restore(t);
}

static void emit_generic(struct tr *t, unsigned i, bool ends)
{
    struct hv__x86_buf *b = t->b;
    hv__tr_call_insn_helper(t, i, (uintptr_t)hv__jit_h_exec);
    if (ends) {
        /* The helper retired the instruction and set pc: back to the dispatcher. */
        instret_reload(t);
        hv__x86_jmp_abs(b, (uintptr_t)t->jit->exit_nochain, RCX);
        return;
    }
    instret_from_mem(t, i + 1);
    unsigned rd = t->in[i].rd;
    t->loaded &= ~(1u << rd);
}

void hv__tr_sys(struct tr *t, unsigned i)
{
    const struct hv_insn *in = &t->in[i];
    if (hv__insn_ends_block(in->op))
        hv__tr_fflags_sync(t);
    emit_generic(t, i, hv__insn_ends_block(in->op));
}
