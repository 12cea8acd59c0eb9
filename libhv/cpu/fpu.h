/* SPDX-License-Identifier: MIT */
/* libhv cpu — IEEE 754 binary16/binary32/binary64 arithmetic with RISC-V semantics (rounding modes
 * RNE/RTZ/RDN/RUP/RMM, fflags accrual, canonical NaNs, saturating conversions), shared by
 * the reference interpreter and the translator's helpers. Values are raw bit patterns:
 * singles in the low 32 bits (NaN-boxing is the caller's business). Every function ORs
 * the exception flags it raises into *ff and leaves the host FP environment untouched. */
#ifndef HV_CPU_FPU_H
#define HV_CPU_FPU_H

#include <stdbool.h>
#include <stdint.h>

/* rm encodings (instruction field and frm); 7 = dynamic in instructions only. */
enum hv_rm { HV_RM_RNE = 0, HV_RM_RTZ = 1, HV_RM_RDN = 2, HV_RM_RUP = 3, HV_RM_RMM = 4,
             HV_RM_DYN = 7 };

/* fflags bits. */
#define HV_FF_NX 0x01u
#define HV_FF_UF 0x02u
#define HV_FF_OF 0x04u
#define HV_FF_DZ 0x08u
#define HV_FF_NV 0x10u

#define HV_F32_CANON_NAN 0x7fc00000u
#define HV_F64_CANON_NAN 0x7ff8000000000000ull
#define HV_F16_CANON_NAN 0x7e00u

/* Arithmetic: rm must be 0..4 (the caller resolves dynamic and rejects 5..7). */
uint32_t hv__f32_add(uint32_t a, uint32_t b, unsigned rm, uint32_t *ff);
uint32_t hv__f32_sub(uint32_t a, uint32_t b, unsigned rm, uint32_t *ff);
uint32_t hv__f32_mul(uint32_t a, uint32_t b, unsigned rm, uint32_t *ff);
uint32_t hv__f32_div(uint32_t a, uint32_t b, unsigned rm, uint32_t *ff);
uint32_t hv__f32_sqrt(uint32_t a, unsigned rm, uint32_t *ff);
/* (neg_prod ? -(a*b) : a*b) + (neg_c ? -c : c), rounded once: fmadd/fmsub/fnmsub/fnmadd. */
uint32_t hv__f32_fma(uint32_t a, uint32_t b, uint32_t c, bool neg_prod, bool neg_c,
                     unsigned rm, uint32_t *ff);
uint64_t hv__f64_add(uint64_t a, uint64_t b, unsigned rm, uint32_t *ff);
uint64_t hv__f64_sub(uint64_t a, uint64_t b, unsigned rm, uint32_t *ff);
uint64_t hv__f64_mul(uint64_t a, uint64_t b, unsigned rm, uint32_t *ff);
uint64_t hv__f64_div(uint64_t a, uint64_t b, unsigned rm, uint32_t *ff);
uint64_t hv__f64_sqrt(uint64_t a, unsigned rm, uint32_t *ff);
uint64_t hv__f64_fma(uint64_t a, uint64_t b, uint64_t c, bool neg_prod, bool neg_c,
                     unsigned rm, uint32_t *ff);

/* The same operations computed entirely in software (no host FPU). The functions above use
 * them for RMM, which x86 lacks; exported so tests can cross-check them against the host. */
uint32_t hv__sf32_add(uint32_t a, uint32_t b, bool sub, unsigned rm, uint32_t *ff);
uint32_t hv__sf32_mul(uint32_t a, uint32_t b, unsigned rm, uint32_t *ff);
uint32_t hv__sf32_div(uint32_t a, uint32_t b, unsigned rm, uint32_t *ff);
uint32_t hv__sf32_sqrt(uint32_t a, unsigned rm, uint32_t *ff);
uint32_t hv__sf32_fma(uint32_t a, uint32_t b, uint32_t c, bool neg_prod, bool neg_c,
                      unsigned rm, uint32_t *ff);
uint64_t hv__sf64_add(uint64_t a, uint64_t b, bool sub, unsigned rm, uint32_t *ff);
uint64_t hv__sf64_mul(uint64_t a, uint64_t b, unsigned rm, uint32_t *ff);
uint64_t hv__sf64_div(uint64_t a, uint64_t b, unsigned rm, uint32_t *ff);
uint64_t hv__sf64_sqrt(uint64_t a, unsigned rm, uint32_t *ff);
uint64_t hv__sf64_fma(uint64_t a, uint64_t b, uint64_t c, bool neg_prod, bool neg_c,
                      unsigned rm, uint32_t *ff);

/* min/max (IEEE 754-2019 minimumNumber/maximumNumber: -0 < +0, a NaN operand yields the
 * other, both NaN -> canonical, sNaN raises NV). */
uint32_t hv__f32_min(uint32_t a, uint32_t b, uint32_t *ff);
uint32_t hv__f32_max(uint32_t a, uint32_t b, uint32_t *ff);
uint64_t hv__f64_min(uint64_t a, uint64_t b, uint32_t *ff);
uint64_t hv__f64_max(uint64_t a, uint64_t b, uint32_t *ff);

/* Comparisons: feq quiet (NV on sNaN only), flt/fle signalling (NV on any NaN). */
bool hv__f32_eq(uint32_t a, uint32_t b, uint32_t *ff);
bool hv__f32_lt(uint32_t a, uint32_t b, uint32_t *ff);
bool hv__f32_le(uint32_t a, uint32_t b, uint32_t *ff);
bool hv__f64_eq(uint64_t a, uint64_t b, uint32_t *ff);
bool hv__f64_lt(uint64_t a, uint64_t b, uint32_t *ff);
bool hv__f64_le(uint64_t a, uint64_t b, uint32_t *ff);

/* fclass: the 10-bit one-hot mask. */
uint32_t hv__f32_class(uint32_t a);
uint32_t hv__f64_class(uint64_t a);

/* Conversions. Float -> integer results are returned as the 64-bit value written to rd
 * (W forms sign-extended from 32 bits, also for the unsigned ones). */
uint64_t hv__f32_to_i32(uint32_t a, unsigned rm, uint32_t *ff);
uint64_t hv__f32_to_u32(uint32_t a, unsigned rm, uint32_t *ff);
uint64_t hv__f32_to_i64(uint32_t a, unsigned rm, uint32_t *ff);
uint64_t hv__f32_to_u64(uint32_t a, unsigned rm, uint32_t *ff);
uint64_t hv__f64_to_i32(uint64_t a, unsigned rm, uint32_t *ff);
uint64_t hv__f64_to_u32(uint64_t a, unsigned rm, uint32_t *ff);
uint64_t hv__f64_to_i64(uint64_t a, unsigned rm, uint32_t *ff);
uint64_t hv__f64_to_u64(uint64_t a, unsigned rm, uint32_t *ff);
uint32_t hv__i32_to_f32(int32_t v, unsigned rm, uint32_t *ff);
uint32_t hv__u32_to_f32(uint32_t v, unsigned rm, uint32_t *ff);
uint32_t hv__i64_to_f32(int64_t v, unsigned rm, uint32_t *ff);
uint32_t hv__u64_to_f32(uint64_t v, unsigned rm, uint32_t *ff);
uint64_t hv__i32_to_f64(int32_t v, unsigned rm, uint32_t *ff);
uint64_t hv__u32_to_f64(uint32_t v, unsigned rm, uint32_t *ff);
uint64_t hv__i64_to_f64(int64_t v, unsigned rm, uint32_t *ff);
uint64_t hv__u64_to_f64(uint64_t v, unsigned rm, uint32_t *ff);
uint64_t hv__f32_to_f64(uint32_t a, uint32_t *ff);
uint32_t hv__f64_to_f32(uint64_t a, unsigned rm, uint32_t *ff);

/* Half precision (Zfh): the same operations, computed exactly in software (the operands
 * are tiny, and x86 has no half arithmetic whose flags would match). Integer conversions
 * take the width (32/64) and signedness; float -> integer results are what rd receives. */
uint16_t hv__f16_add(uint16_t a, uint16_t b, unsigned rm, uint32_t *ff);
uint16_t hv__f16_sub(uint16_t a, uint16_t b, unsigned rm, uint32_t *ff);
uint16_t hv__f16_mul(uint16_t a, uint16_t b, unsigned rm, uint32_t *ff);
uint16_t hv__f16_div(uint16_t a, uint16_t b, unsigned rm, uint32_t *ff);
uint16_t hv__f16_sqrt(uint16_t a, unsigned rm, uint32_t *ff);
uint16_t hv__f16_fma(uint16_t a, uint16_t b, uint16_t c, bool neg_prod, bool neg_c, unsigned rm,
                     uint32_t *ff);
uint16_t hv__f16_min(uint16_t a, uint16_t b, uint32_t *ff);
uint16_t hv__f16_max(uint16_t a, uint16_t b, uint32_t *ff);
bool hv__f16_eq(uint16_t a, uint16_t b, uint32_t *ff);
bool hv__f16_lt(uint16_t a, uint16_t b, uint32_t *ff);
bool hv__f16_le(uint16_t a, uint16_t b, uint32_t *ff);
uint32_t hv__f16_class(uint16_t a);
uint64_t hv__f16_to_int(uint16_t a, unsigned rm, bool is_signed, unsigned bits, uint32_t *ff);
uint16_t hv__int_to_f16(uint64_t v, bool is_signed, unsigned bits, unsigned rm, uint32_t *ff);
uint32_t hv__f16_to_f32(uint16_t a, uint32_t *ff);
uint64_t hv__f16_to_f64(uint16_t a, uint32_t *ff);
uint16_t hv__f32_to_f16(uint32_t a, unsigned rm, uint32_t *ff);
uint16_t hv__f64_to_f16(uint64_t a, unsigned rm, uint32_t *ff);

/* NaN-boxing of halves and singles in 64-bit f registers: a narrower value is valid only
 * when every bit above it is one, otherwise it reads as the canonical NaN. */
static inline uint64_t hv__f16_box(uint16_t v)
{
    return 0xffffffffffff0000ull | v;
}

static inline uint16_t hv__f16_unbox(uint64_t v)
{
    return (v >> 16) == 0xffffffffffffull ? (uint16_t)v : (uint16_t)HV_F16_CANON_NAN;
}

static inline uint64_t hv__f32_box(uint32_t v)
{
    return 0xffffffff00000000ull | v;
}

static inline uint32_t hv__f32_unbox(uint64_t v)
{
    return (v >> 32) == 0xffffffffu ? (uint32_t)v : HV_F32_CANON_NAN;
}

#endif
