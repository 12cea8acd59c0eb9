/* SPDX-License-Identifier: MIT */
/* libhv cpu/jit — the shared stubs at the start of every code cache generation: enter
 * (callee-saved registers, MXCSR, RBX = cpu, R15 = instret), the exits (instret and the
 * accrued FP flags back to the cpu, the embedder's MXCSR), the jump-cache lookup a probe
 * miss ends in, and the inline-cache fill request; plus the MXCSR -> fflags table. */
#include "cpu/jit/tr.h"
#include "cpu/fpu.h"

int hv__jit_emit_stubs(struct hv__jit *jit)
{
    static const int saved[] = { RBX, RBP, R12, R13, R14, R15 };
    struct hv__x86_buf buf, *b = &buf;
    /* MXCSR exception flags (IE DE ZE OE UE PE) -> fflags (NV - DZ OF UF NX). */
    uint8_t *tab = hv__cc_alloc(&jit->cc, 64, 64);
    if (!tab)
        return -1;
    for (unsigned m = 0; m < 64; m++)
        tab[m] = (uint8_t)(((m & 1) ? HV_FF_NV : 0) | ((m & 4) ? HV_FF_DZ : 0) |
                           ((m & 8) ? HV_FF_OF : 0) | ((m & 16) ? HV_FF_UF : 0) |
                           ((m & 32) ? HV_FF_NX : 0));
    jit->mx_table = hv__cc_rx(&jit->cc, tab);
    hv__cc_begin(&jit->cc, b);
    uintptr_t base = b->exec;
    /* enter(cpu, code): save callee-saved registers, keep 16-byte alignment for calls;
     * [rsp] keeps the embedder's MXCSR, [rsp+4] is scratch; generated code runs with
     * 0x1f80 (RNE, all exceptions masked, no FTZ/DAZ, flags clear). */
    for (unsigned i = 0; i < 6; i++)
        hv__x86_push(b, saved[i]);
    hv__x86_alu_ri(b, HV_X86_SUB, 8, RSP, 8);
    hv__x86_stmxcsr(b, hv__x86_mb(RSP, 0));
    hv__x86_store_imm(b, 4, hv__x86_mb(RSP, 4), 0x1f80);
    hv__x86_ldmxcsr(b, hv__x86_mb(RSP, 4));
    hv__x86_mov_rr(b, 8, RBX, RDI);
    hv__x86_load(b, 8, IREG, hv__x86_mb(RBX, INSTRET_OFF));
    hv__x86_jmp_r(b, RSI);
    /* exit_nochain falls into exit_chain: status in eax, chain field in rdx. */
    uint32_t nochain = hv__x86_label(b);
    hv__x86_alu_rr(b, HV_X86_XOR, 4, RDX, RDX);
    uint32_t chain = hv__x86_label(b);
    hv__x86_store(b, 8, hv__x86_mb(RBX, INSTRET_OFF), IREG);
    /* fold the accrued FP flags into fflags, restore the embedder's MXCSR */
    hv__x86_stmxcsr(b, hv__x86_mb(RSP, 4));
    hv__x86_load(b, 4, RCX, hv__x86_mb(RSP, 4));
    hv__x86_alu_ri(b, HV_X86_AND, 4, RCX, 0x3d);
    hv__x86_mov_ri(b, RSI, (uint64_t)(uintptr_t)jit->mx_table);
    hv__x86_movzx_load(b, 4, 1, RCX, hv__x86_mbi(RSI, RCX, 1, 0));
    hv__x86_alu_mr(b, HV_X86_OR, 4, hv__x86_mb(RBX, FFLAGS_OFF), RCX);
    hv__x86_ldmxcsr(b, hv__x86_mb(RSP, 0));
    hv__x86_alu_ri(b, HV_X86_ADD, 8, RSP, 8);
    for (int i = 5; i >= 0; i--)
        hv__x86_pop(b, saved[i]);
    hv__x86_ret(b);
    /* jc_lookup: rax = guest pc. An empty entry is all zero (the table starts as untouched
     * zero pages), so pc 0 never probes it: it takes the dispatcher. */
    uint32_t lookup = hv__x86_label(b);
    hv__x86_store(b, 8, hv__x86_mb(RBX, PC_OFF), RAX);
    hv__x86_test_rr(b, 8, RAX, RAX);
    struct hv__x86_fixup zero = hv__x86_jcc8_fwd(b, HV_X86_CC_E);
    hv__x86_mov_rr(b, 4, RCX, RAX);
    hv__x86_shift_ri(b, HV_X86_SHR, 4, RCX, 1);
    hv__x86_alu_ri(b, HV_X86_AND, 4, RCX, HV_JIT_JC_SIZE - 1);
    hv__x86_shift_ri(b, HV_X86_SHL, 4, RCX, 5);
    hv__x86_alu_rm(b, HV_X86_CMP, 8, RAX, hv__x86_mbi(RBX, RCX, 1, JC_OFF));
    struct hv__x86_fixup miss = hv__x86_jcc8_fwd(b, HV_X86_CC_NE);
    hv__x86_jmp_m(b, hv__x86_mbi(RBX, RCX, 1, JC_OFF + 8));
    hv__x86_bind(b, miss);
    hv__x86_bind(b, zero);
    hv__x86_alu_rr(b, HV_X86_XOR, 4, RAX, RAX);
    hv__x86_jmp_to(b, nochain);
    /* ic_fill: a JALR site's probe missed (rax = target, rdx = its inline cache record | 1):
     * a target on the block's page leaves to have the cache filled, any other is looked up. */
    uint32_t fill = hv__x86_label(b);
    hv__x86_mov_rr(b, 8, RCX, RAX);
    hv__x86_alu_rm(b, HV_X86_XOR, 8, RCX, hv__x86_mb(RDX, 16 - 1));
    hv__x86_shift_ri(b, HV_X86_SHR, 8, RCX, 12);
    struct hv__x86_fixup other = hv__x86_jcc8_fwd(b, HV_X86_CC_NE);
    hv__x86_store(b, 8, hv__x86_mb(RBX, PC_OFF), RAX);
    hv__x86_alu_rr(b, HV_X86_XOR, 4, RAX, RAX);
    hv__x86_jmp_to(b, chain);
    hv__x86_bind(b, other);
    hv__x86_jmp_to(b, lookup);
    if (!hv__cc_commit(&jit->cc, b))
        return -1;
    jit->enter = (void *)base;
    jit->exit_nochain = (void *)(base + nochain);
    jit->exit_chain = (void *)(base + chain);
    jit->jc_lookup = (void *)(base + lookup);
    jit->ic_fill = (void *)(base + fill);
    return 0;
}
