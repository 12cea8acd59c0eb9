/* SPDX-License-Identifier: MIT */
/* libhv cpu/x86 — x86-64 machine-code emitter, the host back-end the translator writes
 * guest blocks with. Encoders are static inline (the translator calls several per guest
 * instruction); each appends to a bounded buffer and, when space runs out, only sets a flag:
 * nothing is ever written past the end, and the caller checks hv__x86_buf_ok() once per block.
 *
 * Conventions: `sz` is the operand size in bytes (1, 2, 4, 8; the comment of each encoder
 * says which sizes it accepts). Register operands are enum hv__x86_reg; general-purpose
 * registers name their 8/16/32/64-bit views by `sz` (with sz == 1, RSP..RDI are SPL..DIL,
 * never AH..BH: a REX prefix is forced). Operand order is Intel's: destination first. */
#ifndef HV_CPU_X86_EMIT_H
#define HV_CPU_X86_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hv__x86_reg {
    HV_X86_NOREG = -1,
    HV_X86_RAX = 0, HV_X86_RCX, HV_X86_RDX, HV_X86_RBX,
    HV_X86_RSP, HV_X86_RBP, HV_X86_RSI, HV_X86_RDI,
    HV_X86_R8, HV_X86_R9, HV_X86_R10, HV_X86_R11,
    HV_X86_R12, HV_X86_R13, HV_X86_R14, HV_X86_R15,
    HV_X86_XMM0 = 16, HV_X86_XMM1, HV_X86_XMM2, HV_X86_XMM3,
    HV_X86_XMM4, HV_X86_XMM5, HV_X86_XMM6, HV_X86_XMM7,
    HV_X86_XMM8, HV_X86_XMM9, HV_X86_XMM10, HV_X86_XMM11,
    HV_X86_XMM12, HV_X86_XMM13, HV_X86_XMM14, HV_X86_XMM15
};

/* Condition codes (the low nibble of Jcc/SETcc/CMOVcc). */
enum hv__x86_cc {
    HV_X86_CC_O = 0, HV_X86_CC_NO, HV_X86_CC_B, HV_X86_CC_AE,
    HV_X86_CC_E, HV_X86_CC_NE, HV_X86_CC_BE, HV_X86_CC_A,
    HV_X86_CC_S, HV_X86_CC_NS, HV_X86_CC_P, HV_X86_CC_NP,
    HV_X86_CC_L, HV_X86_CC_GE, HV_X86_CC_LE, HV_X86_CC_G
};

/* Group-1 arithmetic (the /digit of opcodes 80/81/83 and bits 5:3 of the r/m forms). */
enum hv__x86_alu {
    HV_X86_ADD = 0, HV_X86_OR = 1, HV_X86_ADC = 2, HV_X86_SBB = 3,
    HV_X86_AND = 4, HV_X86_SUB = 5, HV_X86_XOR = 6, HV_X86_CMP = 7
};

/* Group-3 one-operand forms (F7 /digit). MUL/IMUL1/DIV/IDIV use RDX:RAX implicitly. */
enum hv__x86_unary {
    HV_X86_NOT = 2, HV_X86_NEG = 3, HV_X86_MUL = 4, HV_X86_IMUL1 = 5,
    HV_X86_DIV = 6, HV_X86_IDIV = 7
};

/* Group-2 shifts and rotates (C1/D1/D3 /digit). */
enum hv__x86_shift {
    HV_X86_ROL = 0, HV_X86_ROR = 1, HV_X86_SHL = 4, HV_X86_SHR = 5, HV_X86_SAR = 7
};

/* Bit tests (0F BA /digit with an immediate). */
enum hv__x86_bitop { HV_X86_BT = 4, HV_X86_BTS = 5, HV_X86_BTR = 6, HV_X86_BTC = 7 };

/* Scalar SSE arithmetic (the opcode byte after F2/F3 0F). */
enum hv__x86_sse {
    HV_X86_SQRTS = 0x51, HV_X86_ADDS = 0x58, HV_X86_MULS = 0x59, HV_X86_SUBS = 0x5c,
    HV_X86_MINS = 0x5d, HV_X86_DIVS = 0x5e, HV_X86_MAXS = 0x5f
};

/* Packed bitwise SSE (ANDPD/ANDPS etc.; used on scalars for sign manipulation). */
enum hv__x86_sselogic {
    HV_X86_ANDP = 0x54, HV_X86_ANDNP = 0x55, HV_X86_ORP = 0x56, HV_X86_XORP = 0x57
};

/* FMA3 variants. Note x86's sign conventions: FMADD = a*b+c, FMSUB = a*b-c,
 * FNMADD = -(a*b)+c, FNMSUB = -(a*b)-c (RISC-V's fnmsub is x86's FNMADD and vice versa). */
enum hv__x86_fma { HV_X86_FMADD = 0, HV_X86_FMSUB = 1, HV_X86_FNMADD = 2, HV_X86_FNMSUB = 3 };
/* Operand order of the FMA form: 132: dst = dst*src3 + src2; 213: dst = src2*dst + src3;
 * 231: dst = src2*src3 + dst. */
enum hv__x86_fma_form { HV_X86_FMA132 = 0x99, HV_X86_FMA213 = 0xa9, HV_X86_FMA231 = 0xb9 };

/* Host CPU features the translator must check before using the corresponding encoders
 * (LZCNT/TZCNT silently execute as BSR/BSF on CPUs without them). */
enum hv__x86_feature {
    HV_X86_F_SSE41 = 1u << 0,   /* roundsd/roundss */
    HV_X86_F_POPCNT = 1u << 1,
    HV_X86_F_LZCNT = 1u << 2,   /* ABM */
    HV_X86_F_BMI1 = 1u << 3,    /* tzcnt */
    HV_X86_F_BMI2 = 1u << 4,
    HV_X86_F_AVX = 1u << 5,     /* CPU and OS (XSAVE state) support */
    HV_X86_F_FMA = 1u << 6      /* FMA3, implies usable AVX state */
};

/* Query the host CPU with CPUID (and XGETBV for the OS-enabled AVX state) on every call;
 * a translator calls it once and keeps the mask in its own state. Thread-safe, no globals. */
uint32_t hv__x86_host_features(void);

/* ---- the buffer --------------------------------------------------------------------- */

/* Emission buffer. `exec` is the address at which `start` will execute (the RX view of the
 * code cache, or `start` itself for a plain buffer): relative branches and calls to absolute
 * addresses are computed against it. The buffer does not own the memory. */
struct hv__x86_buf {
    uint8_t *start, *cur, *end;
    uintptr_t exec;
    bool overflow;      /* ran out of space: the contents are incomplete */
    bool invalid;       /* an unencodable request (RSP as index, rel8 out of range, ...) */
};

static inline void hv__x86_buf_init(struct hv__x86_buf *b, void *mem, size_t size,
                                    uintptr_t exec)
{
    b->start = b->cur = (uint8_t *)mem;
    b->end = b->start + size;
    b->exec = exec;
    b->overflow = false;
    b->invalid = false;
}

static inline bool hv__x86_buf_ok(const struct hv__x86_buf *b)
{
    return !b->overflow && !b->invalid;
}

static inline size_t hv__x86_buf_len(const struct hv__x86_buf *b)
{
    return (size_t)(b->cur - b->start);
}

/* Execution address of the next byte to be emitted. */
static inline uintptr_t hv__x86_buf_pc(const struct hv__x86_buf *b)
{
    return b->exec + hv__x86_buf_len(b);
}

static inline void hv__x86_byte(struct hv__x86_buf *b, unsigned v)
{
    if (b->cur < b->end)
        *b->cur++ = (uint8_t)v;
    else
        b->overflow = true;
}

static inline void hv__x86_imm16(struct hv__x86_buf *b, uint32_t v)
{
    hv__x86_byte(b, v & 0xff);
    hv__x86_byte(b, (v >> 8) & 0xff);
}

static inline void hv__x86_imm32(struct hv__x86_buf *b, uint32_t v)
{
    hv__x86_imm16(b, v & 0xffff);
    hv__x86_imm16(b, v >> 16);
}

static inline void hv__x86_imm64(struct hv__x86_buf *b, uint64_t v)
{
    hv__x86_imm32(b, (uint32_t)v);
    hv__x86_imm32(b, (uint32_t)(v >> 32));
}

/* Immediate of the operand size: 1, 2 or 4 bytes (64-bit operations take 4, sign-extended). */
static inline void hv__x86_imm_sz(struct hv__x86_buf *b, unsigned sz, uint32_t v)
{
    if (sz == 1)
        hv__x86_byte(b, v & 0xff);
    else if (sz == 2)
        hv__x86_imm16(b, v & 0xffff);
    else
        hv__x86_imm32(b, v);
}

static inline bool hv__x86_fits8(int64_t v)
{
    return v >= -128 && v <= 127;
}

static inline bool hv__x86_fits32(int64_t v)
{
    return v >= INT32_MIN && v <= INT32_MAX;
}

/* ---- memory operands ------------------------------------------------------------------ */

/* [base + index*scale + disp]. base and/or index may be HV_X86_NOREG (with no base the
 * displacement is an absolute 32-bit address); RSP cannot be an index. scale: 1, 2, 4, 8. */
struct hv__x86_mem {
    int8_t base, index;
    uint8_t scale;
    int32_t disp;
};

static inline struct hv__x86_mem hv__x86_mb(int base, int32_t disp)
{
    struct hv__x86_mem m = { (int8_t)base, HV_X86_NOREG, 1, disp };
    return m;
}

static inline struct hv__x86_mem hv__x86_mbi(int base, int index, unsigned scale,
                                             int32_t disp)
{
    struct hv__x86_mem m = { (int8_t)base, (int8_t)index, (uint8_t)scale, disp };
    return m;
}

/* ---- the encoding core ----------------------------------------------------------------- */

/* Encoding flags for the core below. */
enum {
    HV__X86_W = 1,          /* REX.W: 64-bit operand size */
    HV__X86_BYTE_REG = 2,   /* the ModRM.reg operand is an 8-bit register */
    HV__X86_BYTE_RM = 4,    /* the ModRM.rm register operand is an 8-bit register */
    HV__X86_P66 = 8,        /* operand-size (or mandatory 66) prefix */
    HV__X86_PF2 = 16,       /* mandatory F2 prefix */
    HV__X86_PF3 = 32        /* mandatory F3 prefix */
};

/* Flags for a general-purpose operation of size sz (1, 2, 4, 8). */
static inline unsigned hv__x86_szf(unsigned sz)
{
    return sz == 8 ? HV__X86_W : sz == 2 ? HV__X86_P66 : 0;
}

/* Legacy prefixes, then REX (which must immediately precede the opcode). SPL, BPL, SIL
 * and DIL exist only with a REX prefix: without one, encodings 4-7 mean AH, CH, DH, BH. */
static inline void hv__x86_prefixes(struct hv__x86_buf *b, unsigned f, unsigned reg,
                                    unsigned index, unsigned base, bool rm_is_reg)
{
    if (f & HV__X86_P66)
        hv__x86_byte(b, 0x66);
    if (f & HV__X86_PF2)
        hv__x86_byte(b, 0xf2);
    if (f & HV__X86_PF3)
        hv__x86_byte(b, 0xf3);
    unsigned rex = ((f & HV__X86_W) ? 8 : 0) | ((reg >> 3) & 1) << 2 |
                   ((index >> 3) & 1) << 1 | ((base >> 3) & 1);
    bool force = ((f & HV__X86_BYTE_REG) && (reg & 15) >= 4 && (reg & 15) <= 7) ||
                 ((f & HV__X86_BYTE_RM) && rm_is_reg && (base & 15) >= 4 && (base & 15) <= 7);
    if (rex || force)
        hv__x86_byte(b, 0x40 | rex);
}

/* Opcode of 1-3 bytes given as an integer, most significant byte first (0x0faf). */
static inline void hv__x86_opcode(struct hv__x86_buf *b, uint32_t opc)
{
    if (opc > 0xffff)
        hv__x86_byte(b, opc >> 16);
    if (opc > 0xff)
        hv__x86_byte(b, (opc >> 8) & 0xff);
    hv__x86_byte(b, opc & 0xff);
}

/* ModRM (+SIB +displacement) for a memory operand with `reg` in the reg field. The special
 * cases: rm=100 means "SIB follows" (so RSP/R12 as base need a SIB), mod=00 rm=101 means
 * RIP-relative (so RBP/R13 as base need an explicit disp8 of 0), SIB base=101 with mod=00
 * means "no base, disp32", SIB index=100 means "no index" (R12 as index is fine: REX.X). */
static inline void hv__x86_modrm_mem(struct hv__x86_buf *b, unsigned reg,
                                     struct hv__x86_mem m)
{
    unsigned r = (reg & 7) << 3;
    int32_t d = m.disp;
    unsigned ss = m.scale == 8 ? 3 : m.scale == 4 ? 2 : m.scale == 2 ? 1 : 0;
    if (m.index == HV_X86_RSP || (m.scale != 1 && m.scale != 2 && m.scale != 4 &&
                                  m.scale != 8)) {
        b->invalid = true;
        return;
    }
    unsigned idx = m.index == HV_X86_NOREG ? 4 : (unsigned)(m.index & 7);
    if (m.base == HV_X86_NOREG) {
        hv__x86_byte(b, 0x04 | r);
        hv__x86_byte(b, ss << 6 | idx << 3 | 5);
        hv__x86_imm32(b, (uint32_t)d);
        return;
    }
    unsigned base = (unsigned)(m.base & 7);
    unsigned mod = (d == 0 && base != 5) ? 0x00 : hv__x86_fits8(d) ? 0x40 : 0x80;
    if (m.index == HV_X86_NOREG && base != 4) {
        hv__x86_byte(b, mod | r | base);
    } else {
        hv__x86_byte(b, mod | r | 4);
        hv__x86_byte(b, ss << 6 | idx << 3 | base);
    }
    if (mod == 0x40)
        hv__x86_byte(b, (uint8_t)d);
    else if (mod == 0x80)
        hv__x86_imm32(b, (uint32_t)d);
}

/* opcode with ModRM register-direct: reg field `reg`, rm field `rm`. */
static inline void hv__x86_op_rr(struct hv__x86_buf *b, unsigned f, uint32_t opc,
                                 unsigned reg, unsigned rm)
{
    hv__x86_prefixes(b, f, reg, 0, rm, true);
    hv__x86_opcode(b, opc);
    hv__x86_byte(b, 0xc0 | (reg & 7) << 3 | (rm & 7));
}

/* opcode with a memory operand in the rm field. */
static inline void hv__x86_op_rm(struct hv__x86_buf *b, unsigned f, uint32_t opc,
                                 unsigned reg, struct hv__x86_mem m)
{
    unsigned index = m.index == HV_X86_NOREG ? 0 : (unsigned)m.index;
    unsigned base = m.base == HV_X86_NOREG ? 0 : (unsigned)m.base;
    hv__x86_prefixes(b, f, reg, index, base, false);
    hv__x86_opcode(b, opc);
    hv__x86_modrm_mem(b, reg, m);
}

/* ---- moves ------------------------------------------------------------------------------ */

/* mov dst, src (sz 1, 2, 4, 8). A 32-bit move zero-extends into the 64-bit register. */
static inline void hv__x86_mov_rr(struct hv__x86_buf *b, unsigned sz, int dst, int src)
{
    unsigned f = hv__x86_szf(sz) | (sz == 1 ? HV__X86_BYTE_REG | HV__X86_BYTE_RM : 0);
    hv__x86_op_rr(b, f, sz == 1 ? 0x88 : 0x89, (unsigned)src, (unsigned)dst);
}

/* mov r32, imm32 (B8+r): zero-extends into the 64-bit register. */
static inline void hv__x86_mov_ri32(struct hv__x86_buf *b, int dst, uint32_t imm)
{
    if (dst & 8)
        hv__x86_byte(b, 0x41);
    hv__x86_byte(b, 0xb8 | (dst & 7));
    hv__x86_imm32(b, imm);
}

/* mov r64, imm32 sign-extended (REX.W C7 /0). */
static inline void hv__x86_mov_ri_sx(struct hv__x86_buf *b, int dst, int32_t imm)
{
    hv__x86_op_rr(b, HV__X86_W, 0xc7, 0, (unsigned)dst);
    hv__x86_imm32(b, (uint32_t)imm);
}

/* movabs r64, imm64: always 10 bytes, so the constant can be patched in place later. */
static inline void hv__x86_movabs(struct hv__x86_buf *b, int dst, uint64_t imm)
{
    hv__x86_byte(b, 0x48 | ((dst >> 3) & 1));
    hv__x86_byte(b, 0xb8 | (dst & 7));
    hv__x86_imm64(b, imm);
}

/* Load a 64-bit constant into dst with the shortest encoding. Does not touch flags (it
 * never uses xor reg,reg), so it may sit between a compare and its branch. */
static inline void hv__x86_mov_ri(struct hv__x86_buf *b, int dst, uint64_t imm)
{
    if (imm <= UINT32_MAX)
        hv__x86_mov_ri32(b, dst, (uint32_t)imm);
    else if (hv__x86_fits32((int64_t)imm))
        hv__x86_mov_ri_sx(b, dst, (int32_t)imm);
    else
        hv__x86_movabs(b, dst, imm);
}

/* mov dst, [m] (sz 1, 2, 4, 8; sizes 1 and 2 merge into the old register value: use
 * hv__x86_movzx_load / hv__x86_movsx_load to extend). */
static inline void hv__x86_load(struct hv__x86_buf *b, unsigned sz, int dst,
                                struct hv__x86_mem m)
{
    unsigned f = hv__x86_szf(sz) | (sz == 1 ? HV__X86_BYTE_REG : 0);
    hv__x86_op_rm(b, f, sz == 1 ? 0x8a : 0x8b, (unsigned)dst, m);
}

/* mov [m], src (sz 1, 2, 4, 8). */
static inline void hv__x86_store(struct hv__x86_buf *b, unsigned sz, struct hv__x86_mem m,
                                 int src)
{
    unsigned f = hv__x86_szf(sz) | (sz == 1 ? HV__X86_BYTE_REG : 0);
    hv__x86_op_rm(b, f, sz == 1 ? 0x88 : 0x89, (unsigned)src, m);
}

/* mov [m], imm (sz 1, 2, 4, 8; the 64-bit store sign-extends imm32). */
static inline void hv__x86_store_imm(struct hv__x86_buf *b, unsigned sz,
                                     struct hv__x86_mem m, int32_t imm)
{
    hv__x86_op_rm(b, hv__x86_szf(sz), sz == 1 ? 0xc6 : 0xc7, 0, m);
    hv__x86_imm_sz(b, sz, (uint32_t)imm);
}

/* movzx/movsx dst, src: dsz 2, 4 or 8, ssz 1 or 2 (movzx to 4 bytes already clears the
 * upper half of the 64-bit register). */
static inline void hv__x86_movzx(struct hv__x86_buf *b, unsigned dsz, unsigned ssz, int dst,
                                 int src)
{
    unsigned f = hv__x86_szf(dsz) | (ssz == 1 ? HV__X86_BYTE_RM : 0);
    hv__x86_op_rr(b, f, ssz == 1 ? 0x0fb6 : 0x0fb7, (unsigned)dst, (unsigned)src);
}

static inline void hv__x86_movsx(struct hv__x86_buf *b, unsigned dsz, unsigned ssz, int dst,
                                 int src)
{
    unsigned f = hv__x86_szf(dsz) | (ssz == 1 ? HV__X86_BYTE_RM : 0);
    hv__x86_op_rr(b, f, ssz == 1 ? 0x0fbe : 0x0fbf, (unsigned)dst, (unsigned)src);
}

static inline void hv__x86_movzx_load(struct hv__x86_buf *b, unsigned dsz, unsigned ssz,
                                      int dst, struct hv__x86_mem m)
{
    hv__x86_op_rm(b, hv__x86_szf(dsz), ssz == 1 ? 0x0fb6 : 0x0fb7, (unsigned)dst, m);
}

static inline void hv__x86_movsx_load(struct hv__x86_buf *b, unsigned dsz, unsigned ssz,
                                      int dst, struct hv__x86_mem m)
{
    hv__x86_op_rm(b, hv__x86_szf(dsz), ssz == 1 ? 0x0fbe : 0x0fbf, (unsigned)dst, m);
}

/* movsxd r64, r32 / [m32]: sign-extend 32 -> 64 (RV64 *W results). */
static inline void hv__x86_movsxd(struct hv__x86_buf *b, int dst, int src)
{
    hv__x86_op_rr(b, HV__X86_W, 0x63, (unsigned)dst, (unsigned)src);
}

static inline void hv__x86_movsxd_load(struct hv__x86_buf *b, int dst, struct hv__x86_mem m)
{
    hv__x86_op_rm(b, HV__X86_W, 0x63, (unsigned)dst, m);
}

/* lea dst, [m] (sz 4 or 8). */
static inline void hv__x86_lea(struct hv__x86_buf *b, unsigned sz, int dst,
                               struct hv__x86_mem m)
{
    hv__x86_op_rm(b, hv__x86_szf(sz), 0x8d, (unsigned)dst, m);
}

/* xchg a, b and xchg [m], r (the memory form is implicitly locked: AMOSWAP). */
static inline void hv__x86_xchg_rr(struct hv__x86_buf *b, unsigned sz, int r1, int r2)
{
    unsigned f = hv__x86_szf(sz) | (sz == 1 ? HV__X86_BYTE_REG | HV__X86_BYTE_RM : 0);
    hv__x86_op_rr(b, f, sz == 1 ? 0x86 : 0x87, (unsigned)r2, (unsigned)r1);
}

static inline void hv__x86_xchg_mr(struct hv__x86_buf *b, unsigned sz, struct hv__x86_mem m,
                                   int r)
{
    unsigned f = hv__x86_szf(sz) | (sz == 1 ? HV__X86_BYTE_REG : 0);
    hv__x86_op_rm(b, f, sz == 1 ? 0x86 : 0x87, (unsigned)r, m);
}

/* ---- integer arithmetic ------------------------------------------------------------------ */

/* op dst, src (sz 1, 2, 4, 8). */
static inline void hv__x86_alu_rr(struct hv__x86_buf *b, enum hv__x86_alu op, unsigned sz,
                                  int dst, int src)
{
    unsigned f = hv__x86_szf(sz) | (sz == 1 ? HV__X86_BYTE_REG | HV__X86_BYTE_RM : 0);
    hv__x86_op_rr(b, f, (unsigned)op << 3 | (sz == 1 ? 0 : 1), (unsigned)src, (unsigned)dst);
}

/* op dst, imm: the sign-extended imm8 form (83) whenever imm fits, else imm16/32 (81);
 * 64-bit operations sign-extend the 32-bit immediate. sz 1 uses 80 ib. */
static inline void hv__x86_alu_ri(struct hv__x86_buf *b, enum hv__x86_alu op, unsigned sz,
                                  int dst, int32_t imm)
{
    if (sz == 1) {
        hv__x86_op_rr(b, HV__X86_BYTE_RM, 0x80, (unsigned)op, (unsigned)dst);
        hv__x86_byte(b, (uint8_t)imm);
    } else if (hv__x86_fits8(imm)) {
        hv__x86_op_rr(b, hv__x86_szf(sz), 0x83, (unsigned)op, (unsigned)dst);
        hv__x86_byte(b, (uint8_t)imm);
    } else {
        hv__x86_op_rr(b, hv__x86_szf(sz), 0x81, (unsigned)op, (unsigned)dst);
        hv__x86_imm_sz(b, sz, (uint32_t)imm);
    }
}

/* op dst, [m] (e.g. the soft-TLB tag compare). */
static inline void hv__x86_alu_rm(struct hv__x86_buf *b, enum hv__x86_alu op, unsigned sz,
                                  int dst, struct hv__x86_mem m)
{
    unsigned f = hv__x86_szf(sz) | (sz == 1 ? HV__X86_BYTE_REG : 0);
    hv__x86_op_rm(b, f, (unsigned)op << 3 | (sz == 1 ? 2 : 3), (unsigned)dst, m);
}

/* op [m], src. */
static inline void hv__x86_alu_mr(struct hv__x86_buf *b, enum hv__x86_alu op, unsigned sz,
                                  struct hv__x86_mem m, int src)
{
    unsigned f = hv__x86_szf(sz) | (sz == 1 ? HV__X86_BYTE_REG : 0);
    hv__x86_op_rm(b, f, (unsigned)op << 3 | (sz == 1 ? 0 : 1), (unsigned)src, m);
}

/* op [m], imm (same immediate rules as hv__x86_alu_ri). */
static inline void hv__x86_alu_mi(struct hv__x86_buf *b, enum hv__x86_alu op, unsigned sz,
                                  struct hv__x86_mem m, int32_t imm)
{
    if (sz == 1) {
        hv__x86_op_rm(b, 0, 0x80, (unsigned)op, m);
        hv__x86_byte(b, (uint8_t)imm);
    } else if (hv__x86_fits8(imm)) {
        hv__x86_op_rm(b, hv__x86_szf(sz), 0x83, (unsigned)op, m);
        hv__x86_byte(b, (uint8_t)imm);
    } else {
        hv__x86_op_rm(b, hv__x86_szf(sz), 0x81, (unsigned)op, m);
        hv__x86_imm_sz(b, sz, (uint32_t)imm);
    }
}

/* test r1, r2 / test r, imm (no short immediate form exists). */
static inline void hv__x86_test_rr(struct hv__x86_buf *b, unsigned sz, int r1, int r2)
{
    unsigned f = hv__x86_szf(sz) | (sz == 1 ? HV__X86_BYTE_REG | HV__X86_BYTE_RM : 0);
    hv__x86_op_rr(b, f, sz == 1 ? 0x84 : 0x85, (unsigned)r2, (unsigned)r1);
}

static inline void hv__x86_test_ri(struct hv__x86_buf *b, unsigned sz, int r, int32_t imm)
{
    unsigned f = hv__x86_szf(sz) | (sz == 1 ? HV__X86_BYTE_RM : 0);
    hv__x86_op_rr(b, f, sz == 1 ? 0xf6 : 0xf7, 0, (unsigned)r);
    hv__x86_imm_sz(b, sz, (uint32_t)imm);
}

/* imul dst, src (sz 2, 4, 8): the low half of the product. */
static inline void hv__x86_imul_rr(struct hv__x86_buf *b, unsigned sz, int dst, int src)
{
    hv__x86_op_rr(b, hv__x86_szf(sz), 0x0faf, (unsigned)dst, (unsigned)src);
}

/* imul dst, src, imm (sz 2, 4, 8). */
static inline void hv__x86_imul_rri(struct hv__x86_buf *b, unsigned sz, int dst, int src,
                                    int32_t imm)
{
    bool short_imm = hv__x86_fits8(imm);
    hv__x86_op_rr(b, hv__x86_szf(sz), short_imm ? 0x6b : 0x69, (unsigned)dst, (unsigned)src);
    if (short_imm)
        hv__x86_byte(b, (uint8_t)imm);
    else
        hv__x86_imm_sz(b, sz, (uint32_t)imm);
}

/* not/neg/mul/imul/div/idiv r (sz 1, 2, 4, 8). mul/imul: RDX:RAX = RAX * r; div/idiv:
 * RAX = RDX:RAX / r, RDX = remainder (#DE on zero or overflow: the translator guards). */
static inline void hv__x86_unary(struct hv__x86_buf *b, enum hv__x86_unary op, unsigned sz,
                                 int r)
{
    unsigned f = hv__x86_szf(sz) | (sz == 1 ? HV__X86_BYTE_RM : 0);
    hv__x86_op_rr(b, f, sz == 1 ? 0xf6 : 0xf7, (unsigned)op, (unsigned)r);
}

/* cdq (sz 4) / cqo (sz 8): sign-extend RAX into RDX before idiv. */
static inline void hv__x86_cqo(struct hv__x86_buf *b, unsigned sz)
{
    if (sz == 8)
        hv__x86_byte(b, 0x48);
    hv__x86_byte(b, 0x99);
}

/* shift/rotate r by an immediate (masked by the CPU to 5/6 bits) or by CL. */
static inline void hv__x86_shift_ri(struct hv__x86_buf *b, enum hv__x86_shift op, unsigned sz,
                                    int r, uint8_t imm)
{
    unsigned f = hv__x86_szf(sz) | (sz == 1 ? HV__X86_BYTE_RM : 0);
    unsigned base = sz == 1 ? 0 : 1;
    if (imm == 1) {
        hv__x86_op_rr(b, f, 0xd0 | base, (unsigned)op, (unsigned)r);
        return;
    }
    hv__x86_op_rr(b, f, 0xc0 | base, (unsigned)op, (unsigned)r);
    hv__x86_byte(b, imm);
}

static inline void hv__x86_shift_rcl(struct hv__x86_buf *b, enum hv__x86_shift op,
                                     unsigned sz, int r)
{
    unsigned f = hv__x86_szf(sz) | (sz == 1 ? HV__X86_BYTE_RM : 0);
    hv__x86_op_rr(b, f, sz == 1 ? 0xd2 : 0xd3, (unsigned)op, (unsigned)r);
}

/* setcc r8 (writes only the low byte: movzx afterwards, or xor before the compare). */
static inline void hv__x86_setcc(struct hv__x86_buf *b, enum hv__x86_cc cc, int r)
{
    hv__x86_op_rr(b, HV__X86_BYTE_RM, 0x0f90 | (unsigned)cc, 0, (unsigned)r);
}

/* cmovcc dst, src (sz 2, 4, 8; a 32-bit cmov zero-extends dst even when not taken). */
static inline void hv__x86_cmov(struct hv__x86_buf *b, enum hv__x86_cc cc, unsigned sz,
                                int dst, int src)
{
    hv__x86_op_rr(b, hv__x86_szf(sz), 0x0f40 | (unsigned)cc, (unsigned)dst, (unsigned)src);
}

/* bswap r (sz 4, 8). */
static inline void hv__x86_bswap(struct hv__x86_buf *b, unsigned sz, int r)
{
    unsigned rex = (sz == 8 ? 8 : 0) | ((r >> 3) & 1);
    if (rex)
        hv__x86_byte(b, 0x40 | rex);
    hv__x86_byte(b, 0x0f);
    hv__x86_byte(b, 0xc8 | (r & 7));
}

/* popcnt / lzcnt / tzcnt dst, src (sz 2, 4, 8). Check hv__x86_host_features() first. */
static inline void hv__x86_popcnt(struct hv__x86_buf *b, unsigned sz, int dst, int src)
{
    hv__x86_op_rr(b, hv__x86_szf(sz) | HV__X86_PF3, 0x0fb8, (unsigned)dst, (unsigned)src);
}

static inline void hv__x86_lzcnt(struct hv__x86_buf *b, unsigned sz, int dst, int src)
{
    hv__x86_op_rr(b, hv__x86_szf(sz) | HV__X86_PF3, 0x0fbd, (unsigned)dst, (unsigned)src);
}

static inline void hv__x86_tzcnt(struct hv__x86_buf *b, unsigned sz, int dst, int src)
{
    hv__x86_op_rr(b, hv__x86_szf(sz) | HV__X86_PF3, 0x0fbc, (unsigned)dst, (unsigned)src);
}

/* rorx dst, src, imm (sz 4, 8; BMI2: check HV_X86_F_BMI2): a copy rotated right, flags
 * untouched. 3-byte VEX: C4, [~R ~X ~B m-mmmm=00011 (0F3A)], [W vvvv=1111 L=0 pp=11 (F2)],
 * F0 /r ib. */
static inline void hv__x86_rorx(struct hv__x86_buf *b, unsigned sz, int dst, int src,
                                uint8_t imm)
{
    hv__x86_byte(b, 0xc4);
    hv__x86_byte(b, (((dst >> 3) & 1) ? 0 : 0x80) | 0x40 | (((src >> 3) & 1) ? 0 : 0x20) |
                        0x03);
    hv__x86_byte(b, (sz == 8 ? 0x80 : 0) | 0x7b);
    hv__x86_byte(b, 0xf0);
    hv__x86_byte(b, 0xc0 | (dst & 7) << 3 | (src & 7));
    hv__x86_byte(b, imm);
}

/* bt/bts/btr/btc r, imm and r, rbit (sz 2, 4, 8): CF = the selected bit. */
static inline void hv__x86_bit_ri(struct hv__x86_buf *b, enum hv__x86_bitop op, unsigned sz,
                                  int r, uint8_t bit)
{
    hv__x86_op_rr(b, hv__x86_szf(sz), 0x0fba, (unsigned)op, (unsigned)r);
    hv__x86_byte(b, bit);
}

static inline void hv__x86_bit_rr(struct hv__x86_buf *b, enum hv__x86_bitop op, unsigned sz,
                                  int r, int rbit)
{
    /* BT A3, BTS AB, BTR B3, BTC BB */
    unsigned opc = 0x0fa3 + ((unsigned)op - HV_X86_BT) * 8;
    hv__x86_op_rr(b, hv__x86_szf(sz), opc, (unsigned)rbit, (unsigned)r);
}

/* ---- atomics and barriers ------------------------------------------------------------------ */

/* A bare LOCK prefix for the next read-modify-write memory instruction (lock or [m], r).
 * Must be emitted immediately before it: legacy prefixes precede 66/REX. */
static inline void hv__x86_lock(struct hv__x86_buf *b)
{
    hv__x86_byte(b, 0xf0);
}

/* lock cmpxchg [m], r: compares RAX (of size sz) with [m]; equal: [m] = r, ZF = 1; else
 * RAX = [m], ZF = 0. sz 1, 2, 4, 8. */
static inline void hv__x86_lock_cmpxchg(struct hv__x86_buf *b, unsigned sz,
                                        struct hv__x86_mem m, int r)
{
    unsigned f = hv__x86_szf(sz) | (sz == 1 ? HV__X86_BYTE_REG : 0);
    hv__x86_lock(b);
    hv__x86_op_rm(b, f, sz == 1 ? 0x0fb0 : 0x0fb1, (unsigned)r, m);
}

/* lock xadd [m], r: r receives the old value, [m] the sum (AMOADD). */
static inline void hv__x86_lock_xadd(struct hv__x86_buf *b, unsigned sz, struct hv__x86_mem m,
                                     int r)
{
    unsigned f = hv__x86_szf(sz) | (sz == 1 ? HV__X86_BYTE_REG : 0);
    hv__x86_lock(b);
    hv__x86_op_rm(b, f, sz == 1 ? 0x0fc0 : 0x0fc1, (unsigned)r, m);
}

static inline void hv__x86_mfence(struct hv__x86_buf *b)
{
    hv__x86_byte(b, 0x0f);
    hv__x86_byte(b, 0xae);
    hv__x86_byte(b, 0xf0);
}

static inline void hv__x86_pause(struct hv__x86_buf *b)
{
    hv__x86_byte(b, 0xf3);
    hv__x86_byte(b, 0x90);
}

/* ---- stack, calls, misc ------------------------------------------------------------------- */

static inline void hv__x86_push(struct hv__x86_buf *b, int r)
{
    if (r & 8)
        hv__x86_byte(b, 0x41);
    hv__x86_byte(b, 0x50 | (r & 7));
}

static inline void hv__x86_pop(struct hv__x86_buf *b, int r)
{
    if (r & 8)
        hv__x86_byte(b, 0x41);
    hv__x86_byte(b, 0x58 | (r & 7));
}

static inline void hv__x86_ret(struct hv__x86_buf *b)
{
    hv__x86_byte(b, 0xc3);
}

static inline void hv__x86_int3(struct hv__x86_buf *b)
{
    hv__x86_byte(b, 0xcc);
}

static inline void hv__x86_ud2(struct hv__x86_buf *b)
{
    hv__x86_byte(b, 0x0f);
    hv__x86_byte(b, 0x0b);
}

/* call r / jmp r / call [m] / jmp [m] (the operand is 64-bit; no REX.W needed). */
static inline void hv__x86_call_r(struct hv__x86_buf *b, int r)
{
    hv__x86_op_rr(b, 0, 0xff, 2, (unsigned)r);
}

static inline void hv__x86_jmp_r(struct hv__x86_buf *b, int r)
{
    hv__x86_op_rr(b, 0, 0xff, 4, (unsigned)r);
}

static inline void hv__x86_call_m(struct hv__x86_buf *b, struct hv__x86_mem m)
{
    hv__x86_op_rm(b, 0, 0xff, 2, m);
}

static inline void hv__x86_jmp_m(struct hv__x86_buf *b, struct hv__x86_mem m)
{
    hv__x86_op_rm(b, 0, 0xff, 4, m);
}

/* Pad with n bytes of the recommended multi-byte NOPs. */
void hv__x86_nop(struct hv__x86_buf *b, unsigned n);

/* ---- branches, labels, fix-ups ----------------------------------------------------------- */

/* A branch whose target is not known yet: `at` is the buffer offset of its displacement
 * field, `size` 1 (rel8) or 4 (rel32); size 0 when the buffer had overflowed (binding or
 * patching it is then a no-op). */
struct hv__x86_fixup {
    uint32_t at;
    uint8_t size;
};

/* Forward branches: emit with a zero displacement, bind later. */
struct hv__x86_fixup hv__x86_jcc_fwd(struct hv__x86_buf *b, enum hv__x86_cc cc);   /* rel32 */
struct hv__x86_fixup hv__x86_jcc8_fwd(struct hv__x86_buf *b, enum hv__x86_cc cc);  /* rel8 */
struct hv__x86_fixup hv__x86_jmp_fwd(struct hv__x86_buf *b);                       /* rel32 */
struct hv__x86_fixup hv__x86_jmp8_fwd(struct hv__x86_buf *b);                      /* rel8 */
/* jmp rel32 whose displacement is 4-byte aligned (NOP padding before it) so it can later be
 * re-pointed with one atomic 4-byte store: the block-chaining exit. */
struct hv__x86_fixup hv__x86_jmp_patchable(struct hv__x86_buf *b);

/* Point fix-up f at buffer offset `target` (hv__x86_label() value). A rel8 out of range
 * marks the buffer invalid. */
void hv__x86_patch(struct hv__x86_buf *b, struct hv__x86_fixup f, uint32_t target);

/* The current offset, as a branch target. */
static inline uint32_t hv__x86_label(const struct hv__x86_buf *b)
{
    return (uint32_t)hv__x86_buf_len(b);
}

/* Point f at the current position. */
static inline void hv__x86_bind(struct hv__x86_buf *b, struct hv__x86_fixup f)
{
    hv__x86_patch(b, f, hv__x86_label(b));
}

/* Backward branches to a known label: rel8 when it reaches, else rel32. */
void hv__x86_jcc_to(struct hv__x86_buf *b, enum hv__x86_cc cc, uint32_t label);
void hv__x86_jmp_to(struct hv__x86_buf *b, uint32_t label);

/* jmp / call to an absolute execution address (a C helper, another block, an exit stub):
 * rel32 when it is within ±2 GiB of the emitted instruction's execution address, else
 * movabs scratch, target; jmp/call scratch (scratch is clobbered). */
void hv__x86_jmp_abs(struct hv__x86_buf *b, uintptr_t target, int scratch);
void hv__x86_call_abs(struct hv__x86_buf *b, uintptr_t target, int scratch);

/* ---- scalar floating point (SSE2, SSE4.1, FMA3) ------------------------------------------ */

/* Flags of a scalar op: F2 for double, F3 for single. */
static inline unsigned hv__x86_fpf(bool dbl)
{
    return dbl ? HV__X86_PF2 : HV__X86_PF3;
}

/* movsd/movss dst, src (merges the low lane), load (zeroes the upper lanes) and store. */
static inline void hv__x86_movs_rr(struct hv__x86_buf *b, bool dbl, int dst, int src)
{
    hv__x86_op_rr(b, hv__x86_fpf(dbl), 0x0f10, (unsigned)dst, (unsigned)src);
}

static inline void hv__x86_movs_load(struct hv__x86_buf *b, bool dbl, int dst,
                                     struct hv__x86_mem m)
{
    hv__x86_op_rm(b, hv__x86_fpf(dbl), 0x0f10, (unsigned)dst, m);
}

static inline void hv__x86_movs_store(struct hv__x86_buf *b, bool dbl, struct hv__x86_mem m,
                                      int src)
{
    hv__x86_op_rm(b, hv__x86_fpf(dbl), 0x0f11, (unsigned)src, m);
}

/* movapd dst, src: whole-register copy (no merge dependency). */
static inline void hv__x86_movapd(struct hv__x86_buf *b, int dst, int src)
{
    hv__x86_op_rr(b, HV__X86_P66, 0x0f28, (unsigned)dst, (unsigned)src);
}

/* movq xmm, r64 / movd xmm, r32 (sz 8 / 4; zeroes the rest of xmm) and back. */
static inline void hv__x86_movq_xr(struct hv__x86_buf *b, unsigned sz, int xmm, int gpr)
{
    unsigned f = HV__X86_P66 | (sz == 8 ? HV__X86_W : 0);
    hv__x86_op_rr(b, f, 0x0f6e, (unsigned)xmm, (unsigned)gpr);
}

static inline void hv__x86_movq_rx(struct hv__x86_buf *b, unsigned sz, int gpr, int xmm)
{
    unsigned f = HV__X86_P66 | (sz == 8 ? HV__X86_W : 0);
    hv__x86_op_rr(b, f, 0x0f7e, (unsigned)xmm, (unsigned)gpr);
}

/* addsd/subsd/mulsd/divsd/sqrtsd/minsd/maxsd (and ss) dst, src / dst, [m]. */
static inline void hv__x86_sse_rr(struct hv__x86_buf *b, enum hv__x86_sse op, bool dbl,
                                  int dst, int src)
{
    hv__x86_op_rr(b, hv__x86_fpf(dbl), 0x0f00 | (unsigned)op, (unsigned)dst, (unsigned)src);
}

static inline void hv__x86_sse_rm(struct hv__x86_buf *b, enum hv__x86_sse op, bool dbl,
                                  int dst, struct hv__x86_mem m)
{
    hv__x86_op_rm(b, hv__x86_fpf(dbl), 0x0f00 | (unsigned)op, (unsigned)dst, m);
}

/* andpd/andnpd/orpd/xorpd (dbl) or the ps forms. */
static inline void hv__x86_sse_logic(struct hv__x86_buf *b, enum hv__x86_sselogic op,
                                     bool dbl, int dst, int src)
{
    hv__x86_op_rr(b, dbl ? HV__X86_P66 : 0, 0x0f00 | (unsigned)op, (unsigned)dst,
                  (unsigned)src);
}

/* ucomisd/ucomiss (quiet: only SNaN raises invalid) and comisd/comiss (signaling). Result
 * in ZF, PF, CF: unordered sets all three. */
static inline void hv__x86_ucomis(struct hv__x86_buf *b, bool dbl, int a, int c)
{
    hv__x86_op_rr(b, dbl ? HV__X86_P66 : 0, 0x0f2e, (unsigned)a, (unsigned)c);
}

static inline void hv__x86_comis(struct hv__x86_buf *b, bool dbl, int a, int c)
{
    hv__x86_op_rr(b, dbl ? HV__X86_P66 : 0, 0x0f2f, (unsigned)a, (unsigned)c);
}

/* cvtsi2sd/cvtsi2ss xmm, r32/r64 (isz 4 or 8; rounds per MXCSR). */
static inline void hv__x86_cvtsi2s(struct hv__x86_buf *b, bool dbl, unsigned isz, int xmm,
                                   int gpr)
{
    unsigned f = hv__x86_fpf(dbl) | (isz == 8 ? HV__X86_W : 0);
    hv__x86_op_rr(b, f, 0x0f2a, (unsigned)xmm, (unsigned)gpr);
}

/* cvttsd2si/cvttss2si r, xmm (truncating) and cvtsd2si/cvtss2si (rounding per MXCSR).
 * Out-of-range and NaN give the "integer indefinite" 0x80..0: the translator fixes up. */
static inline void hv__x86_cvtts2si(struct hv__x86_buf *b, bool dbl, unsigned isz, int gpr,
                                    int xmm)
{
    unsigned f = hv__x86_fpf(dbl) | (isz == 8 ? HV__X86_W : 0);
    hv__x86_op_rr(b, f, 0x0f2c, (unsigned)gpr, (unsigned)xmm);
}

static inline void hv__x86_cvts2si(struct hv__x86_buf *b, bool dbl, unsigned isz, int gpr,
                                   int xmm)
{
    unsigned f = hv__x86_fpf(dbl) | (isz == 8 ? HV__X86_W : 0);
    hv__x86_op_rr(b, f, 0x0f2d, (unsigned)gpr, (unsigned)xmm);
}

/* cvtss2sd (to_double) / cvtsd2ss dst, src. */
static inline void hv__x86_cvtfp(struct hv__x86_buf *b, bool to_double, int dst, int src)
{
    hv__x86_op_rr(b, to_double ? HV__X86_PF3 : HV__X86_PF2, 0x0f5a, (unsigned)dst,
                  (unsigned)src);
}

/* roundsd/roundss dst, src, imm (SSE4.1; imm bits 1:0 = mode, bit 2 = use MXCSR,
 * bit 3 = suppress precision exception). */
static inline void hv__x86_rounds(struct hv__x86_buf *b, bool dbl, int dst, int src,
                                  uint8_t imm)
{
    hv__x86_op_rr(b, HV__X86_P66, dbl ? 0x0f3a0b : 0x0f3a0a, (unsigned)dst, (unsigned)src);
    hv__x86_byte(b, imm);
}

/* vfm{add,sub}/vfnm{add,sub}{132,213,231}{sd,ss} dst, src2, src3 (FMA3, VEX-encoded:
 * check HV_X86_F_FMA). The VEX form zeroes bits 255:128 of dst. */
static inline void hv__x86_vfma(struct hv__x86_buf *b, enum hv__x86_fma op,
                                enum hv__x86_fma_form form, bool dbl, int dst, int src2,
                                int src3)
{
    /* 3-byte VEX: C4, [~R ~X ~B m-mmmm=00010 (0F38)], [W ~vvvv L=0 pp=01 (66)] */
    hv__x86_byte(b, 0xc4);
    hv__x86_byte(b, (((dst >> 3) & 1) ? 0 : 0x80) | 0x40 | (((src3 >> 3) & 1) ? 0 : 0x20) |
                        0x02);
    hv__x86_byte(b, (dbl ? 0x80 : 0) | ((~(unsigned)src2 & 15) << 3) | 0x01);
    hv__x86_byte(b, (unsigned)form + 2 * (unsigned)op);
    hv__x86_byte(b, 0xc0 | (dst & 7) << 3 | (src3 & 7));
}

/* ldmxcsr [m] / stmxcsr [m] (32-bit). */
static inline void hv__x86_ldmxcsr(struct hv__x86_buf *b, struct hv__x86_mem m)
{
    hv__x86_op_rm(b, 0, 0x0fae, 2, m);
}

static inline void hv__x86_stmxcsr(struct hv__x86_buf *b, struct hv__x86_mem m)
{
    hv__x86_op_rm(b, 0, 0x0fae, 3, m);
}

#endif
