/* SPDX-License-Identifier: MIT */
/* libhv cpu — what the interpreter's dispatch loop (interp.c) shares with the semantics of
 * its larger instructions (interp_ops.c: AMOs, LR/SC, cache-block operations, F/D/Zfh):
 * small arithmetic helpers inline, the rest as internal calls. */
#ifndef HV_CPU_INTERP_OPS_H
#define HV_CPU_INTERP_OPS_H

#include "cpu/cpu.h"

static inline uint64_t sx32(uint64_t v)
{
    return (uint64_t)(int64_t)(int32_t)(uint32_t)v;
}

static inline uint64_t clmul_lo(uint64_t a, uint64_t b)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 64; i++)
        if ((b >> i) & 1)
            r ^= a << i;
    return r;
}

static inline uint64_t clmul_hi(uint64_t a, uint64_t b)
{
    uint64_t r = 0;
    for (unsigned i = 1; i < 64; i++)
        if ((b >> i) & 1)
            r ^= a >> (64 - i);
    return r;
}

static inline uint64_t clmul_rev(uint64_t a, uint64_t b)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 64; i++)
        if ((b >> i) & 1)
            r ^= a >> (63 - i);
    return r;
}

static inline uint64_t orc_b(uint64_t v)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 64; i += 8)
        if ((v >> i) & 0xff)
            r |= 0xffull << i;
    return r;
}

/* Zbkb brev8: reverse the bits of every byte. */
static inline uint64_t brev8(uint64_t v)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 64; i += 8) {
        uint8_t b = (uint8_t)(v >> i), o = 0;
        for (unsigned k = 0; k < 8; k++)
            o |= (uint8_t)(((b >> k) & 1) << (7 - k));
        r |= (uint64_t)o << i;
    }
    return r;
}

/* Zbkx: every element of rs2 (lg2 bits = 2 for nibbles, 3 for bytes) selects an element of
 * rs1, or 0 when the index is out of range. */
static inline uint64_t xperm(uint64_t rs1, uint64_t rs2, unsigned lg2)
{
    unsigned w = 1u << lg2;
    uint64_t mask = (1ull << w) - 1, r = 0;
    for (unsigned i = 0; i < 64; i += w) {
        uint64_t idx = (rs2 >> i) & mask;
        if (idx * w < 64)
            r |= ((rs1 >> (idx * w)) & mask) << i;
    }
    return r;
}

static inline uint64_t rol64(uint64_t v, unsigned s)
{
    s &= 63;
    return s ? (v << s) | (v >> (64 - s)) : v;
}

static inline uint32_t rol32(uint32_t v, unsigned s)
{
    s &= 31;
    return s ? (v << s) | (v >> (32 - s)) : v;
}

static inline int64_t div64(int64_t a, int64_t b)
{
    if (b == 0)
        return -1;
    if (a == INT64_MIN && b == -1)
        return a;
    return a / b;
}

static inline int64_t rem64(int64_t a, int64_t b)
{
    if (b == 0)
        return a;
    if (a == INT64_MIN && b == -1)
        return 0;
    return a % b;
}

static inline int32_t div32(int32_t a, int32_t b)
{
    if (b == 0)
        return -1;
    if (a == INT32_MIN && b == -1)
        return a;
    return a / b;
}

static inline int32_t rem32(int32_t a, int32_t b)
{
    if (b == 0)
        return a;
    if (a == INT32_MIN && b == -1)
        return 0;
    return a % b;
}

enum amo_kind { AMO_SWAP, AMO_ADD, AMO_XOR, AMO_AND, AMO_OR, AMO_MIN, AMO_MAX, AMO_MINU,
                AMO_MAXU };

/* Each returns HV_STEP_OK, or a trap/exit status with nothing retired. */
int hv__interp_amo(struct hv_cpu *cpu, enum amo_kind k, uint64_t va, uint64_t src, unsigned size,
                   uint64_t *old);
int hv__interp_lr(struct hv_cpu *cpu, uint64_t va, unsigned size, uint64_t *val);
int hv__interp_sc(struct hv_cpu *cpu, uint64_t va, uint64_t src, unsigned size, uint64_t *rd);
int hv__interp_cbo(struct hv_cpu *cpu, unsigned op, uint64_t va);
/* FS gate: illegal when mstatus.FS is Off; `writes` marks the FP state dirty. */
int hv__interp_fp_enter(struct hv_cpu *cpu, bool writes);
/* Every F/D/Zfh instruction that is not a load or store. *gate: the FS gate's answers
 * already obtained in this run (bit 0 read, bit 1 write: see interp.c's FP_GATE), updated. */
int hv__interp_fp(struct hv_cpu *cpu, const struct hv_insn *in, unsigned *gate);

#endif
