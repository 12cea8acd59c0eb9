/* SPDX-License-Identifier: MIT */
/* libhv cpu/x86 — the out-of-line part of the x86-64 emitter: host feature detection,
 * NOP padding, branch fix-ups and jumps/calls to absolute addresses. The per-instruction
 * encoders are static inline in emit.h. */
#include "cpu/x86/emit.h"

#include <cpuid.h>
#include <string.h>

/* XCR0 via XGETBV, without requiring -mxsave for the whole file. */
static uint64_t read_xcr0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}

uint32_t hv__x86_host_features(void)
{
    unsigned a, b, c, d;
    uint32_t f = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    if (c & (1u << 19))
        f |= HV_X86_F_SSE41;
    if (c & (1u << 23))
        f |= HV_X86_F_POPCNT;
    /* AVX (and the VEX-encoded FMA) need the OS to save the YMM state: OSXSAVE, then XCR0
     * bits 1 (SSE) and 2 (AVX). */
    bool avx_os = (c & (1u << 27)) && (read_xcr0() & 6) == 6;
    if (avx_os && (c & (1u << 28))) {
        f |= HV_X86_F_AVX;
        if (c & (1u << 12))
            f |= HV_X86_F_FMA;
    }
    if (__get_cpuid(0x80000001u, &a, &b, &c, &d) && (c & (1u << 5)))
        f |= HV_X86_F_LZCNT;
    if (__get_cpuid_max(0, NULL) >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        if (b & (1u << 3))
            f |= HV_X86_F_BMI1;
        if (b & (1u << 8))
            f |= HV_X86_F_BMI2;
    }
    return f;
}

/* The NOP forms Intel recommends (SDM vol. 2B, "NOP"), 1 to 9 bytes. */
static const uint8_t nops[9][9] = {
    { 0x90 },
    { 0x66, 0x90 },
    { 0x0f, 0x1f, 0x00 },
    { 0x0f, 0x1f, 0x40, 0x00 },
    { 0x0f, 0x1f, 0x44, 0x00, 0x00 },
    { 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 },
    { 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 },
    { 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
    { 0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
};

void hv__x86_nop(struct hv__x86_buf *b, unsigned n)
{
    while (n > 0) {
        unsigned k = n > 9 ? 9 : n;
        for (unsigned i = 0; i < k; i++)
            hv__x86_byte(b, nops[k - 1][i]);
        n -= k;
    }
}

/* A fix-up for the displacement that was just emitted (size bytes before cur). */
static struct hv__x86_fixup fixup_here(struct hv__x86_buf *b, unsigned size)
{
    struct hv__x86_fixup f = { 0, 0 };
    if (b->overflow)
        return f;
    f.at = (uint32_t)(hv__x86_buf_len(b) - size);
    f.size = (uint8_t)size;
    return f;
}

struct hv__x86_fixup hv__x86_jcc_fwd(struct hv__x86_buf *b, enum hv__x86_cc cc)
{
    hv__x86_byte(b, 0x0f);
    hv__x86_byte(b, 0x80 | (unsigned)cc);
    hv__x86_imm32(b, 0);
    return fixup_here(b, 4);
}

struct hv__x86_fixup hv__x86_jcc8_fwd(struct hv__x86_buf *b, enum hv__x86_cc cc)
{
    hv__x86_byte(b, 0x70 | (unsigned)cc);
    hv__x86_byte(b, 0);
    return fixup_here(b, 1);
}

struct hv__x86_fixup hv__x86_jmp_fwd(struct hv__x86_buf *b)
{
    hv__x86_byte(b, 0xe9);
    hv__x86_imm32(b, 0);
    return fixup_here(b, 4);
}

struct hv__x86_fixup hv__x86_jmp8_fwd(struct hv__x86_buf *b)
{
    hv__x86_byte(b, 0xeb);
    hv__x86_byte(b, 0);
    return fixup_here(b, 1);
}

struct hv__x86_fixup hv__x86_jmp_patchable(struct hv__x86_buf *b)
{
    /* The displacement starts one byte after the E9 opcode. */
    unsigned mis = (unsigned)((hv__x86_buf_pc(b) + 1) & 3);
    hv__x86_nop(b, (4 - mis) & 3);
    return hv__x86_jmp_fwd(b);
}

void hv__x86_patch(struct hv__x86_buf *b, struct hv__x86_fixup f, uint32_t target)
{
    if (f.size == 0 || f.at + f.size > hv__x86_buf_len(b))
        return;
    /* Relative to the end of the displacement field, which ends every jump/call. */
    int64_t rel = (int64_t)target - (int64_t)(f.at + f.size);
    uint8_t *p = b->start + f.at;
    if (f.size == 1) {
        if (!hv__x86_fits8(rel)) {
            b->invalid = true;
            return;
        }
        p[0] = (uint8_t)rel;
        return;
    }
    uint32_t v = (uint32_t)(int32_t)rel;
    memcpy(p, &v, 4);   /* x86 is little-endian */
}

void hv__x86_jcc_to(struct hv__x86_buf *b, enum hv__x86_cc cc, uint32_t label)
{
    int64_t rel8 = (int64_t)label - (int64_t)(hv__x86_label(b) + 2);
    if (hv__x86_fits8(rel8)) {
        hv__x86_byte(b, 0x70 | (unsigned)cc);
        hv__x86_byte(b, (uint8_t)rel8);
        return;
    }
    hv__x86_patch(b, hv__x86_jcc_fwd(b, cc), label);
}

void hv__x86_jmp_to(struct hv__x86_buf *b, uint32_t label)
{
    int64_t rel8 = (int64_t)label - (int64_t)(hv__x86_label(b) + 2);
    if (hv__x86_fits8(rel8)) {
        hv__x86_byte(b, 0xeb);
        hv__x86_byte(b, (uint8_t)rel8);
        return;
    }
    hv__x86_patch(b, hv__x86_jmp_fwd(b), label);
}

/* E8/E9 rel32 if the target is reachable from the end of the 5-byte instruction. */
static bool branch_abs_rel32(struct hv__x86_buf *b, unsigned opc, uintptr_t target)
{
    int64_t rel = (int64_t)(target - (hv__x86_buf_pc(b) + 5));
    if (!hv__x86_fits32(rel))
        return false;
    hv__x86_byte(b, opc);
    hv__x86_imm32(b, (uint32_t)(int32_t)rel);
    return true;
}

void hv__x86_jmp_abs(struct hv__x86_buf *b, uintptr_t target, int scratch)
{
    if (branch_abs_rel32(b, 0xe9, target))
        return;
    hv__x86_movabs(b, scratch, target);
    hv__x86_jmp_r(b, scratch);
}

void hv__x86_call_abs(struct hv__x86_buf *b, uintptr_t target, int scratch)
{
    if (branch_abs_rel32(b, 0xe8, target))
        return;
    hv__x86_movabs(b, scratch, target);
    hv__x86_call_r(b, scratch);
}
