/* SPDX-License-Identifier: MIT */
/* jitfuzz — differential fuzzer: random valid RV64GC instruction sequences (ALU incl. W and
 * Zb* / Zbkb / Zbkx forms and Zicbop hints, forward branches and jumps, loads/stores into a
 * scratch area incl. misaligned and faulting ones, AMOs, LR/SC, F/D/Zfh with random rounding
 * modes, special values and NaN-boxing, cbo.* (Zicbom/Zicboz), fcsr CSR accesses,
 * ecall/ebreak/illegal encodings, Svinval fences, compressed instructions; one sequence in
 * 16 with an Sdtrig address-match trigger armed) run on two
 * full-backend VMs from the same initial state, one on the interpreter (the oracle), one
 * on the translator; every register, fcsr, instret, pc, the scratch memory and the trap log
 * must match.
 *
 * Guest layout (M-mode, bios none): a trap handler at RAM that logs mcause/mepc/mtval and
 * skips the faulting instruction (x28-x31 are reserved for it), the sequence at RAM+0x1000
 * ending in WFI (HV_EXIT_HALT), scratch data at RAM+0x10000 (x27 points into it).
 *
 * --backend para: the same sequences on two para VMs (docs/PARA-ABI.md), whose translated
 * loads and stores go through the direct RAM window (libhv/cpu/jit/tr_mem.c). The guest runs
 * in S-mode; the handler sits at RAM+0x2000 (stvec), logs scause/sepc/stval and returns with
 * sret, and RAM's first page stays free so that accesses straddling the start of RAM land
 * there. What para has not got or means otherwise: no Sdtrig triggers; ECALL is a
 * hypercall, so a para ECALL item sets a7 first, to the SBI Base extension (answered inside
 * the run) or to an unknown extension id (HV_EXIT_HYPERCALL: the fuzzer resumes with the
 * pre-filled NOT_SUPPORTED and compares the calls); stores into the code page are only the
 * self-modifying-code item, followed by fence.i (direct-window stores are not checked
 * against translated code: PARA-ABI "Self-modifying code"); x26 points just below RAM, at
 * and beyond its end (accesses through it mostly within 16 bytes: they straddle the edges)
 * or into a small MMIO register file the fuzzer adds: the window's cold path, and its way
 * back into the block. RAM's first and last pages and the register file are compared too.
 * WFI with sie = 0 is HV_EXIT_HALT as on full.
 *
 * usage: jitfuzz [--backend full|para] [--seed N] [--count N] [--verbose] */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hv/hv.h"
#include "hv/para.h"
#include "cpu/insn.h"

#define RAM 0x80000000ull
#define CODE (RAM + 0x1000)
#define SCRATCH (RAM + 0x10000)
#define SCRATCH_SIZE 0x2000
#define TRAPLOG (RAM + 0x20000)
#define TRAPLOG_SIZE 0x1000
#define MAXN 48
#define MEM (1ull << 20)
#define PARA_HANDLER (RAM + 0x2000)     /* para: stvec; RAM's first page stays free */
#define EDGE 0x1000                     /* para: RAM's first and last pages, compared */
#define PMMIO 0x10000000ull             /* para: the fuzzer's MMIO register file */
#define PMMIO_SIZE 0x100
#define EID_UNKNOWN 0x4a465000u         /* para: no extension has it (lui a7, 0x4a465) */

static bool para;                /* --backend para */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static unsigned rn(unsigned n)
{
    return (unsigned)(rnd() % n);
}

/* ---- encoders -------------------------------------------------------------------------- */

static uint32_t enc_i(unsigned op, unsigned f3, unsigned rd, unsigned rs1, int32_t imm)
{
    return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}

static uint32_t enc_s(unsigned op, unsigned f3, unsigned rs1, unsigned rs2, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return ((u >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 0x1f) << 7 | op;
}

static uint32_t enc_b(unsigned f3, unsigned rs1, unsigned rs2, int32_t off)
{
    uint32_t u = (uint32_t)off;
    return ((u >> 12) & 1) << 31 | ((u >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 |
           f3 << 12 | ((u >> 1) & 0xf) << 8 | ((u >> 11) & 1) << 7 | 0x63;
}

static uint32_t enc_j(unsigned rd, int32_t off)
{
    uint32_t u = (uint32_t)off;
    return ((u >> 20) & 1) << 31 | ((u >> 1) & 0x3ff) << 21 | ((u >> 11) & 1) << 20 |
           ((u >> 12) & 0xff) << 12 | rd << 7 | 0x6f;
}

/* ---- random instruction items ----------------------------------------------------------- */

enum item_kind { IT_RAW, IT_BRANCH, IT_JAL, IT_JALR_PAIR, IT_BACK, IT_ECALL, IT_SMC };

struct item {
    enum item_kind kind;
    uint32_t raw;               /* IT_RAW: the encoding (16 or 32 bits) */
    unsigned len;               /* bytes */
    unsigned skip;              /* control transfer: target = this many items ahead */
    unsigned back;              /* IT_BACK: target = this many items before */
    bool unknown;               /* IT_ECALL: a7 = EID_UNKNOWN, else the Base extension */
    unsigned f3, rs1, rs2, rd;
    uint64_t pos;
};

static unsigned gpr(void)       /* destination or source for random ops */
{
    return rn(8) == 0 ? 0 : 1 + rn(20);     /* x21: the loop counter (IT_BACK) */
}

static unsigned src_reg(void)
{
    return rn(10) == 0 ? 0 : 1 + rn(27);
}

static bool is_fmt(unsigned fmt, const unsigned *list, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (fmt == list[i])
            return true;
    return false;
}

/* A random encoding of an opcode of one of the given formats from the decoder's table
 * (the register fields are then forced into the allowed ranges). */
static uint32_t random_op(const unsigned *fmts, unsigned nf, bool fp)
{
    for (;;) {
        unsigned op = 1 + rn(HV_OP__COUNT - 1);
        const struct hv_op_info *oi = &hv__op_info[op];
        if (!is_fmt(oi->fmt, fmts, nf))
            continue;
        const char *m = oi->mnemonic;
        bool isfp = m[0] == 'f' && strncmp(m, "fence", 5);
        if (isfp != fp)
            continue;
        if (!strncmp(m, "csr", 3) || !strcmp(m, "jalr") || op == HV_OP_FENCE_I)
            continue;
        if (oi->fmt == HV_FMT_I && (oi->match & 0x7f) == 0x03)
            continue;           /* loads: generated with a base register below */
        uint32_t raw = oi->match | ((uint32_t)rnd() & ~oi->mask);
        /* rd in 1..26 (or x0), rs1/rs2 in 0..27; FP registers are free. */
        unsigned rd = (raw >> 7) & 31, rs1 = (raw >> 15) & 31, rs2 = (raw >> 20) & 31;
        if (!fp || strstr(m, "fmv.x") || strstr(m, "fcvt.w") || strstr(m, "fcvt.l") ||
            !strncmp(m, "feq", 3) || !strncmp(m, "flt", 3) || !strncmp(m, "fle", 3) ||
            !strncmp(m, "fclass", 6))
            rd = gpr();
        if (!fp || strstr(m, ".x") || strstr(m, "fcvt.s.w") || strstr(m, "fcvt.s.l") ||
            strstr(m, "fcvt.d.w") || strstr(m, "fcvt.d.l") || strstr(m, "fcvt.h.w") ||
            strstr(m, "fcvt.h.l"))
            rs1 = src_reg();
        if (!fp)
            rs2 = src_reg();
        uint32_t fields = (31u << 7) | (31u << 15);
        if (!fp)
            fields |= 31u << 20;
        fields &= ~oi->mask;
        raw = (raw & ~fields) | (((uint32_t)rd << 7 | rs1 << 15 | (fp ? 0 : rs2 << 20)) & fields);
        struct hv_insn in;
        if (hv__decode(raw, &in) && in.op == op)
            return raw;
    }
}

/* Same-page group candidates (tr_mem.c: one soft-TLB probe for several accesses through
 * one base register): small offsets from a base that is mostly x27 (scratch, sometimes
 * near the page boundary at SCRATCH + 0x1000), sometimes x20 (x27 plus a small delta until
 * a random ALU op overwrites it: loads only), x24, x25 (the code page) or x26 (anything:
 * MMIO, unmapped, misaligned). */
static unsigned near_base(void)
{
    static const unsigned b[] = { 27, 27, 27, 27, 20, 24, 25, 26 };
    return b[rn(8)];
}

static int32_t near_imm(unsigned size)
{
    return rn(8) ? ((int32_t)rn(33) - 16) * (int32_t)size : (int32_t)rn(129) - 64;
}

/* The offset of a scratch (x27) or anything (x26) access: any 12-bit one; on para half the
 * x26 ones stay within 16 bytes of x26, which points at the RAM window's edges (main). */
static int32_t wild_imm(unsigned base)
{
    int32_t v = (int32_t)rn(4096);
    if (para && base == 26 && (v & 1))
        return (v >> 1 & 31) - 16;
    return v - 2048;
}

static void add_raw(struct item *it, uint32_t raw)
{
    memset(it, 0, sizeof(*it));
    it->kind = IT_RAW;
    it->raw = raw;
    it->len = (raw & 3) == 3 ? 4 : 2;
}

/* Loops: in a sequence with loops, some items are `addi x21, x21, -1; blt x0, x21, T`
 * with T up to 8 items back; x21 starts at 0..5 (or 512..575) and nothing else writes it, so
 * the back-edges are taken at most that often in all. With the forward branches and jumps
 * around them this makes loops whose paths leave the straight line and come back: the
 * translator's loop heads, joins and regions. */
static bool long_loops;          /* this sequence's loops run 512+ times: no fence.i */

static void gen_item(struct item *it, unsigned left, unsigned done, bool loops)
{
    if (loops && done && rn(100) < 6) {
        memset(it, 0, sizeof(*it));
        it->kind = IT_BACK;
        it->len = 8;
        it->back = 1 + rn(done < 8 ? done : 8);
        return;
    }
    static const unsigned alu_fmts[] = { HV_FMT_R, HV_FMT_R1, HV_FMT_I, HV_FMT_SHIFT,
                                         HV_FMT_SHIFTW, HV_FMT_U };
    static const unsigned fp_fmts[] = { HV_FMT_R, HV_FMT_R_RM, HV_FMT_R1, HV_FMT_R1_RM,
                                        HV_FMT_R4_RM };
    static const unsigned amo_fmts[] = { HV_FMT_AMO, HV_FMT_LR };
    unsigned r = rn(100);
    if (r < 38) {
        if (rn(24) == 0)    /* a group base: x20 = x27 + small, or x27 moved a little */
            add_raw(it, rn(3) ? enc_i(0x13, 0, 20, 27, (int32_t)rn(257) - 128)
                              : enc_i(0x13, 0, 27, 27, ((int32_t)rn(9) - 4) * 8));
        else
            add_raw(it, random_op(alu_fmts, 6, false));
    } else if (r < 50) {
        /* load: mostly scratch-relative, sometimes through x26 (anything) */
        static const unsigned f3s[] = { 0, 1, 2, 3, 4, 5, 6 };
        unsigned f3 = f3s[rn(7)];
        if (rn(3) == 0) {
            add_raw(it, enc_i(0x03, f3, gpr(), near_base(), near_imm(1u << (f3 & 3))));
        } else {
            unsigned base = rn(8) ? 27 : 26;
            add_raw(it, enc_i(0x03, f3, gpr(), base, wild_imm(base)));
        }
    } else if (r < 60) {
        if (rn(3) == 0) {
            unsigned f3 = rn(4), base = near_base();
            if ((base == 25 && rn(4)) || base == 20)
                base = 27;      /* code page stores now and then, never a wild x20 */
            if (para && base == 25)
                base = 27;      /* para: code is only rewritten by IT_SMC (fence.i) */
            add_raw(it, enc_s(0x23, f3, base, src_reg(), near_imm(1u << f3)));
        } else if (rn(10) == 0) {
            /* self-modifying code: a valid ALU instruction (x23) over another item */
            add_raw(it, enc_s(0x23, 2, 25, 23, 0));
            if (para && long_loops) {
                add_raw(it, enc_s(0x23, 2, 27, 23, 0));     /* fence.i each iteration */
            } else if (para) {
                /* In the RAM window stores are not checked against translated code: it
                 * is seen after a fence.i (PARA-ABI "Self-modifying code", Zifencei). */
                it->kind = IT_SMC;
                it->len = 8;
            }
        } else {
            unsigned base = rn(8) ? 27 : 26;
            add_raw(it, enc_s(0x23, rn(4), base, src_reg(), wild_imm(base)));
        }
    } else if (r < 66) {
        uint32_t raw = random_op(amo_fmts, 2, false);
        unsigned base = rn(6) ? 24 : 26;
        raw = (raw & ~(31u << 15)) | base << 15;
        add_raw(it, raw);
    } else if (r < 78) {
        add_raw(it, random_op(fp_fmts, 5, true));
    } else if (r < 82) {
        /* flh/flw/fld/fsh/fsw/fsd, or now and then a cbo.* on the scratch block x27 is in
         * (rarely through x26: anywhere) */
        unsigned k = rn(13), base = rn(8) ? 27 : 26;
        int32_t imm = wild_imm(base);
        static const unsigned width[3] = { 1, 2, 3 };  /* funct3 of h, w, d */
        if (k < 6)
            add_raw(it, enc_i(0x07, width[k % 3], rn(32), base, imm));
        else if (k < 12)
            add_raw(it, enc_s(0x27, width[k % 3], base, rn(32), imm));
        else {
            static const unsigned cbo[4] = { 0, 1, 2, 4 };  /* inval, clean, flush, zero */
            add_raw(it, enc_i(0x0f, 2, 0, base, (int32_t)cbo[rn(4)]));
        }
    } else if (r < 86) {
        /* fcsr accesses: csrrw/s/c(i) on fflags/frm/fcsr, rarely a random CSR */
        static const unsigned csrs[] = { 1, 2, 3 };
        if (rn(20)) {
            unsigned f3 = 1 + rn(3) + (rn(2) ? 4 : 0);
            add_raw(it, enc_i(0x73, f3, gpr(), f3 >= 4 ? rn(32) : src_reg(),
                              (int32_t)csrs[rn(3)]));
        } else {
            /* any CSR, read-only (csrrs rd, csr, x0): absent ones trap */
            add_raw(it, enc_i(0x73, 2, gpr(), 0, (int32_t)rn(4096)));
        }
    } else if (r < 92 && left > 1) {
        memset(it, 0, sizeof(*it));
        it->kind = IT_BRANCH;
        it->len = 4;
        static const unsigned f3s[] = { 0, 1, 4, 5, 6, 7 };
        it->f3 = f3s[rn(6)];
        it->rs1 = src_reg();
        it->rs2 = src_reg();
        it->skip = 1 + rn(left < 6 ? left : 6);
    } else if (r < 94 && left > 1) {
        memset(it, 0, sizeof(*it));
        it->kind = IT_JAL;
        it->len = 4;
        it->rd = gpr();
        it->skip = 1 + rn(left < 4 ? left : 4);
    } else if (r < 95 && left > 2) {
        memset(it, 0, sizeof(*it));
        it->kind = IT_JALR_PAIR;
        it->len = 8;
        it->rd = gpr();
        it->skip = 1 + rn(left - 1 < 4 ? left - 1 : 4);
    } else if (r < 97) {
        /* compressed: a random parcel that expands to a non-control-transfer op */
        for (;;) {
            uint16_t p = (uint16_t)rnd();
            if ((p & 3) == 3)
                continue;
            uint32_t e = hv__rvc_expand(p);
            struct hv_insn in;
            if (!e || !hv__decode(e, &in))
                continue;
            unsigned op = in.op;
            if (op == HV_OP_JAL || op == HV_OP_JALR || op == HV_OP_BEQ || op == HV_OP_BNE ||
                op == HV_OP_EBREAK)
                continue;
            /* keep x2 (sp-relative forms) and the reserved registers out of reach */
            if (in.rd >= 21 || in.rs1 == 2 || in.rd == 2 || in.rs1 >= 28)
                continue;
            if ((op >= HV_OP_LB && op <= HV_OP_SD) || op == HV_OP_FLD || op == HV_OP_FSD ||
                op == HV_OP_FLW || op == HV_OP_FSW)
                continue;
            add_raw(it, p);
            break;
        }
    } else {
        static const uint32_t sys[] = { 0x00000073 /* ecall */, 0x00100073 /* ebreak */,
                                        0x00000000 /* illegal */, 0xffffffff,
                                        0x0ff0000f /* fence */, 0x0000100f /* fence.i */,
                                        0x18000073 /* sfence.w.inval */,
                                        0x18100073 /* sfence.inval.ir */,
                                        0x16000073 /* sinval.vma */ };
        unsigned k = rn(9);
        if (long_loops && sys[k] == 0x0000100f)
            k = 4;      /* fence.i flushes the translations each iteration: plain fence */
        add_raw(it, sys[k]);
        if (para && sys[k] == 0x00000073) {
            /* a hypercall: a7 set right before it (no random EID: SRST, HSM...) */
            it->kind = IT_ECALL;
            it->len = 8;
            it->unknown = done & 1;
        }
    }
}

/* ---- the guest --------------------------------------------------------------------------- */

/* The trap handler: logs (mcause, mepc, mtval) at t5 and resumes after the faulting
 * instruction. Anything that would make it fault itself (t5 or mepc out of range after a
 * wild jump) ends in a self-loop, which retires instructions until the budget runs out. */
static unsigned build_handler(uint32_t *w)
{
    unsigned n = 0;
    const unsigned bad = 31;
    /* para: the S-mode CSRs (scause, sepc, stval = the M ones - 0x200) and sret */
    const int32_t cs = para ? -0x200 : 0;
    w[n++] = enc_i(0x73, 2, 28, 0, 0x342 + cs);        /* csrr t3, mcause */
    w[n++] = enc_i(0x73, 2, 29, 0, 0x341 + cs);        /* csrr t4, mepc */
    w[n++] = 0x80020u << 12 | 31u << 7 | 0x37;          /* lui t6, TRAPLOG */
    w[n++] = enc_i(0x13, 1, 31, 31, 32);               /* slli t6, t6, 32 */
    w[n++] = enc_i(0x13, 5, 31, 31, 32);               /* srli t6, t6, 32 */
    w[n] = enc_b(6, 30, 31, (int32_t)(bad - n) * 4); n++;  /* bltu t5, t6, bad */
    w[n++] = enc_i(0x13, 0, 31, 31, 0x7f0);            /* addi t6, t6, 0x7f0 */
    w[n] = enc_b(7, 30, 31, (int32_t)(bad - n) * 4); n++;  /* bgeu t5, t6, bad */
    w[n++] = 0x01cf3023;                                /* sd t3, 0(t5) */
    w[n++] = 0x01df3423;                                /* sd t4, 8(t5) */
    w[n++] = enc_i(0x73, 2, 31, 0, 0x343 + cs);        /* csrr t6, mtval */
    w[n++] = 0x01ff3823;                                /* sd t6, 16(t5) */
    w[n++] = enc_i(0x13, 0, 30, 30, 24);               /* addi t5, t5, 24 */
    w[n++] = 0x80001u << 12 | 31u << 7 | 0x37;          /* lui t6, CODE */
    w[n++] = enc_i(0x13, 1, 31, 31, 32);
    w[n++] = enc_i(0x13, 5, 31, 31, 32);
    w[n] = enc_b(6, 29, 31, (int32_t)(bad - n) * 4); n++;  /* bltu t4, t6, bad */
    w[n++] = 0x80002u << 12 | 31u << 7 | 0x37;          /* lui t6, CODE + 0x1000 */
    w[n++] = enc_i(0x13, 1, 31, 31, 32);
    w[n++] = enc_i(0x13, 5, 31, 31, 32);
    w[n] = enc_b(7, 29, 31, (int32_t)(bad - n) * 4); n++;  /* bgeu t4, t6, bad */
    w[n++] = 0x000edf83;                                /* lhu t6, 0(t4) */
    w[n++] = 0x003fff93;                                /* andi t6, t6, 3 */
    w[n++] = 0x00300e13;                                /* li t3, 3 */
    w[n++] = 0x01cf9663;                                /* bne t6, t3, +12 */
    w[n++] = 0x004e8e93;                                /* addi t4, t4, 4 */
    w[n++] = 0x0080006f;                                /* j +8 */
    w[n++] = 0x002e8e93;                                /* addi t4, t4, 2 */
    w[n++] = enc_i(0x73, 1, 0, 29, 0x341 + cs);        /* csrw mepc, t4 */
    w[n++] = para ? 0x10200073 : 0x30200073;            /* mret (para: sret) */
    while (n < bad)
        w[n++] = 0x00000013;                            /* nop */
    w[n++] = enc_j(0, 0);                               /* bad: j bad */
    return n;
}

static unsigned layout(struct item *items, unsigned n, uint8_t *code)
{
    uint64_t pos = 0;
    for (unsigned i = 0; i < n; i++) {
        items[i].pos = pos;
        pos += items[i].len;
    }
    uint64_t end = pos;
    for (unsigned i = 0; i < n; i++) {
        struct item *it = &items[i];
        uint64_t target = i + it->skip < n ? items[i + it->skip].pos : end;
        int32_t off = (int32_t)(target - it->pos);
        uint32_t w[2];
        unsigned nw = 1;
        switch (it->kind) {
        case IT_RAW:
            w[0] = it->raw;
            break;
        case IT_BRANCH:
            w[0] = enc_b(it->f3, it->rs1, it->rs2, off);
            break;
        case IT_JAL:
            w[0] = enc_j(it->rd, off);
            break;
        case IT_JALR_PAIR:
            w[0] = 0x00000b17;                                  /* auipc x22, 0 */
            w[1] = enc_i(0x67, 0, it->rd, 22, off);              /* jalr rd, off(x22) */
            nw = 2;
            break;
        case IT_BACK:
            w[0] = enc_i(0x13, 0, 21, 21, -1);                  /* addi x21, x21, -1 */
            w[1] = enc_b(4, 0, 21, (int32_t)(items[i - it->back].pos - (it->pos + 4)));
            nw = 2;                                             /* blt x0, x21, back */
            break;
        case IT_SMC:
            w[0] = it->raw;                                     /* sw x23, 0(x25) */
            w[1] = 0x0000100f;                                  /* fence.i */
            nw = 2;
            break;
        case IT_ECALL:
            w[0] = it->unknown ? EID_UNKNOWN | 17u << 7 | 0x37  /* lui a7, EID_UNKNOWN */
                               : enc_i(0x13, 0, 17, 0, HVP_EID_BASE);    /* li a7, 0x10 */
            w[1] = 0x00000073;                                  /* ecall */
            nw = 2;
            break;
        }
        if (it->kind == IT_RAW && it->len == 2) {
            uint16_t h = (uint16_t)w[0];
            memcpy(code + it->pos, &h, 2);
        } else {
            memcpy(code + it->pos, w, 4 * nw);
        }
    }
    uint32_t wfi = 0x10500073;
    memcpy(code + end, &wfi, 4);
    return (unsigned)end + 4;
}

static uint64_t special_f(void)
{
    static const uint64_t d[] = { 0, 0x8000000000000000ull, 0x7ff0000000000000ull,
                                  0xfff0000000000000ull, 0x7ff8000000000000ull,
                                  0x7ff4000000000000ull, 0x0000000000000001ull,
                                  0x000fffffffffffffull, 0x3ff0000000000000ull,
                                  0x43e0000000000000ull, 0xc3e0000000000000ull,
                                  0x41dfffffffc00000ull };
    static const uint32_t s[] = { 0, 0x80000000u, 0x7f800000u, 0xff800000u, 0x7fc00000u,
                                  0x7fa00000u, 1, 0x007fffffu, 0x3f800000u, 0x4f000000u,
                                  0xcf000000u, 0x5f000000u };
    static const uint16_t h[] = { 0, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x7d00, 1, 0x03ff,
                                  0x3c00, 0x7bff, 0xfbff, 0x3555 };
    switch (rn(6)) {
    case 0: return d[rn(12)];
    case 1: return 0xffffffff00000000ull | s[rn(12)];
    case 5:     /* a boxed half, sometimes one with a box bit missing */
        return (rn(8) ? 0xffffffffffff0000ull : 0xfffffffeffff0000ull) |
               (rn(2) ? h[rn(12)] : (uint16_t)rnd());
    case 2: return 0xffffffff00000000ull | (uint32_t)rnd();
    case 3: return rnd();
    default: return (uint64_t)(rnd() & 0x800fffffffffffffull) | (uint64_t)(0x3f0 + rn(32)) << 52;
    }
}

static uint64_t special_x(void)
{
    static const uint64_t v[] = { 0, 1, 2, 0x7fffffffffffffffull, 0x8000000000000000ull,
                                  ~0ull, 0x80000000ull, 0x7fffffffull, 0xffffffff80000000ull,
                                  0xffffffffull, 31, 32, 63, 64 };
    return rn(3) ? rnd() >> rn(64) : v[rn(14)];
}

struct vmside {
    hv_vm *vm;
    hv_vcpu *cpu;
    uint8_t mmio[PMMIO_SIZE];   /* para: the register file at PMMIO */
};

/* para: a plain register file, so an access that leaves the RAM window and succeeds
 * returns into its block (the translator restores RSI after the helper). Accesses that
 * do not fit fail (a load/store access fault). */
static int pmmio_read(void *opaque, uint64_t off, unsigned size, uint64_t *value)
{
    struct vmside *s = opaque;
    if (off > PMMIO_SIZE || size > PMMIO_SIZE - off)
        return -1;
    *value = 0;
    memcpy(value, s->mmio + off, size);
    return 0;
}

static int pmmio_write(void *opaque, uint64_t off, unsigned size, uint64_t value)
{
    struct vmside *s = opaque;
    if (off > PMMIO_SIZE || size > PMMIO_SIZE - off)
        return -1;
    memcpy(s->mmio + off, &value, size);
    return 0;
}

static const struct hv_mmio_ops pmmio_ops = { pmmio_read, pmmio_write };

static int mkside(struct vmside *s, enum hv_engine engine)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = para ? HV_BACKEND_PARA : HV_BACKEND_FULL;
    cfg.mem_size = MEM;
    cfg.bios = "none";
    cfg.serial.type = HV_CHARDEV_NULL;
    cfg.engine = engine;
    cfg.deterministic = 1;
    char err[256];
    if (hv_vm_create(&cfg, &s->vm, err, sizeof err) < 0 ||
        hv_vcpu_create(s->vm, 0, &s->cpu) < 0) {
        fprintf(stderr, "jitfuzz: cannot create VM: %s\n", err);
        return -1;
    }
    if (para && hv_vm_mmio_add(s->vm, PMMIO, PMMIO_SIZE, &pmmio_ops, s) < 0) {
        fprintf(stderr, "jitfuzz: cannot add the MMIO register file\n");
        return -1;
    }
    return 0;
}

struct result {
    struct hv_regs regs;
    struct hv_exit ex;
    uint64_t instret;
    uint8_t scratch[SCRATCH_SIZE];
    uint8_t log[TRAPLOG_SIZE];
    uint8_t code[0x1000];
    uint8_t edge[2][EDGE];      /* para: RAM's first and last pages */
    uint8_t mmio[PMMIO_SIZE];   /* para: the register file */
    unsigned hcalls;            /* para: HV_EXIT_HYPERCALL exits, and a hash of them */
    uint64_t hchash;
};

/* Sdtrig trigger 0 for one sequence (tdata1 = 0: none). */
struct trig {
    uint64_t tdata1, tdata2, tcontrol;
};

/* Now and then an M-mode address-match trigger (tcontrol.mte set) on an instruction of the
 * sequence or on scratch data: both engines then step through the checked slow path. */
static struct trig random_trig(const struct item *items, unsigned n)
{
    struct trig t = { 0, 0, 0 };
    if (rn(16))
        return t;
    uint64_t type = rn(2) ? 6 : 2, kinds = 1 + rn(7), match = rn(4) ? 0 : rn(4);
    t.tdata2 = rn(2) ? CODE + items[rn(n)].pos : SCRATCH + 0x800 + rn(0x800);
    if (match == 1)
        t.tdata2 = (t.tdata2 & ~63ull) | ((1ull << rn(6)) - 1);   /* NAPOT up to 64 bytes */
    t.tdata1 = type << 60 | match << 7 | 1ull << 6 | kinds;
    t.tcontrol = 8;
    return t;
}

static void run_side(struct vmside *s, const struct hv_regs *init, const struct trig *trig,
                     const uint8_t *code, unsigned codelen, const uint8_t *scratch,
                     struct result *out)
{
    static const uint8_t zero[TRAPLOG_SIZE];
    /* The handler's page and the whole code page, every time: what earlier sequences left
     * there (their longer code, stores into the page, a handler a wild store corrupted)
     * would otherwise be run by a later one, making its outcome depend on the ones before
     * (and a store storm into a page with translated code drops every translation on
     * each store: one such sequence translated 40,000 blocks). */
    uint32_t handler[0x1000 / 4] = { 0 };
    build_handler(handler);
    hv_vm_mem_write(s->vm, para ? PARA_HANDLER : RAM, handler, sizeof handler);
    (void)codelen;
    hv_vm_mem_write(s->vm, CODE, code, 0x1000);
    hv_vm_mem_write(s->vm, SCRATCH, scratch, SCRATCH_SIZE);
    hv_vm_mem_write(s->vm, TRAPLOG, zero, TRAPLOG_SIZE);
    hv_vcpu_set_regs(s->cpu, init);
    if (para) {
        hv_vm_mem_write(s->vm, RAM, zero, EDGE);
        hv_vm_mem_write(s->vm, RAM + MEM - EDGE, zero, EDGE);
        for (unsigned i = 0; i < PMMIO_SIZE; i++)
            s->mmio[i] = (uint8_t)(i * 0x9d + 0x35);
        hv_vcpu_set_reg(s->cpu, HV_REG_CSR(0x105), PARA_HANDLER);    /* stvec */
        hv_vcpu_set_reg(s->cpu, HV_REG_CSR(0x100), 1ull << 8);       /* sstatus: SPP = S */
        static const unsigned zeroed[] = { 0x140, 0x141, 0x142, 0x143 };  /* sscratch.. */
        for (unsigned i = 0; i < 4; i++)
            hv_vcpu_set_reg(s->cpu, HV_REG_CSR(zeroed[i]), 0);
    } else {
        hv_vcpu_set_reg(s->cpu, HV_REG_CSR(0x305), RAM);             /* mtvec */
        hv_vcpu_set_reg(s->cpu, HV_REG_CSR(0x300), 3ull << 13);      /* mstatus.FS */
        hv_vcpu_set_reg(s->cpu, HV_REG_CSR(0x7a0), 0);               /* tselect */
        hv_vcpu_set_reg(s->cpu, HV_REG_CSR(0x7a2), trig->tdata2);
        hv_vcpu_set_reg(s->cpu, HV_REG_CSR(0x7a1), trig->tdata1);
        hv_vcpu_set_reg(s->cpu, HV_REG_CSR(0x7a5), trig->tcontrol);
    }
    struct hv_stats st0, st1;
    hv_vcpu_get_stats(s->cpu, &st0);
    memset(&out->ex, 0, sizeof(out->ex));
    hv_vcpu_run(s->cpu, 20000, &out->ex);
    out->hcalls = 0;
    out->hchash = 0;
    /* para: a hypercall to EID_UNKNOWN leaves the run; resume (the guest gets the
     * pre-filled NOT_SUPPORTED) with what is left of the budget, noting each call. */
    while (out->ex.reason == HV_EXIT_HYPERCALL) {
        const uint64_t *a = out->ex.u.hypercall.args;
        out->hcalls++;
        out->hchash = (out->hchash ^ out->ex.u.hypercall.eid) * 0x100000001b3ull;
        out->hchash = (out->hchash ^ out->ex.u.hypercall.fid ^ out->ex.pc) * 0x100000001b3ull;
        for (unsigned i = 0; i < 6; i++)
            out->hchash = (out->hchash ^ a[i]) * 0x100000001b3ull;
        hv_vcpu_get_stats(s->cpu, &st1);
        uint64_t used = st1.instructions - st0.instructions;
        if (used >= 20000)
            break;
        hv_vcpu_run(s->cpu, 20000 - used, &out->ex);
    }
    hv_vcpu_get_stats(s->cpu, &st1);
    out->instret = st1.instructions - st0.instructions;
    hv_vcpu_get_regs(s->cpu, &out->regs);
    hv_vm_mem_read(s->vm, SCRATCH, out->scratch, SCRATCH_SIZE);
    hv_vm_mem_read(s->vm, TRAPLOG, out->log, TRAPLOG_SIZE);
    hv_vm_mem_read(s->vm, CODE, out->code, sizeof(out->code));
    if (para) {
        hv_vm_mem_read(s->vm, RAM, out->edge[0], EDGE);
        hv_vm_mem_read(s->vm, RAM + MEM - EDGE, out->edge[1], EDGE);
        memcpy(out->mmio, s->mmio, PMMIO_SIZE);
    }
}

static void dump_seq(const uint8_t *code, unsigned len)
{
    for (unsigned off = 0; off < len;) {
        uint16_t lo;
        memcpy(&lo, code + off, 2);
        uint32_t raw = lo;
        unsigned l = (lo & 3) == 3 ? 4 : 2;
        if (l == 4)
            memcpy(&raw, code + off, 4);
        struct hv_insn in;
        char buf[96] = "?";
        if (hv__decode(raw, &in))
            hv__disasm(&in, CODE + off, buf, sizeof buf);
        fprintf(stderr, "  %08llx: %08x  %s\n", (unsigned long long)(CODE + off), raw, buf);
        off += l;
    }
}

static int compare(const struct result *a, const struct result *b, char *why, size_t n)
{
    if (a->ex.reason != b->ex.reason)
        return snprintf(why, n, "exit reason %d vs %d", a->ex.reason, b->ex.reason), 1;
    if (a->instret != b->instret)
        return snprintf(why, n, "instret %" PRIu64 " vs %" PRIu64, a->instret, b->instret), 1;
    if (a->regs.pc != b->regs.pc)
        return snprintf(why, n, "pc %" PRIx64 " vs %" PRIx64, a->regs.pc, b->regs.pc), 1;
    for (unsigned i = 0; i < 32; i++)
        if (a->regs.x[i] != b->regs.x[i])
            return snprintf(why, n, "x%u %" PRIx64 " vs %" PRIx64, i, a->regs.x[i],
                            b->regs.x[i]), 1;
    for (unsigned i = 0; i < 32; i++)
        if (a->regs.f[i] != b->regs.f[i])
            return snprintf(why, n, "f%u %" PRIx64 " vs %" PRIx64, i, a->regs.f[i],
                            b->regs.f[i]), 1;
    if (a->regs.fcsr != b->regs.fcsr)
        return snprintf(why, n, "fcsr %" PRIx64 " vs %" PRIx64, a->regs.fcsr, b->regs.fcsr), 1;
    if (memcmp(a->scratch, b->scratch, SCRATCH_SIZE))
        return snprintf(why, n, "scratch memory differs"), 1;
    if (memcmp(a->log, b->log, TRAPLOG_SIZE))
        return snprintf(why, n, "trap log differs"), 1;
    if (memcmp(a->code, b->code, sizeof(a->code)))
        return snprintf(why, n, "code memory differs"), 1;
    if (!para)
        return 0;
    if (a->hcalls != b->hcalls || a->hchash != b->hchash)
        return snprintf(why, n, "hypercall exits %u vs %u (or their eid/fid/pc/args)",
                        a->hcalls, b->hcalls), 1;
    if (memcmp(a->edge[0], b->edge[0], EDGE))
        return snprintf(why, n, "RAM's first page differs"), 1;
    if (memcmp(a->edge[1], b->edge[1], EDGE))
        return snprintf(why, n, "RAM's last page differs"), 1;
    if (memcmp(a->mmio, b->mmio, PMMIO_SIZE))
        return snprintf(why, n, "MMIO register file differs"), 1;
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t seed = 1, count = 2000, start = 0;
    int verbose = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--count") && i + 1 < argc)
            count = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--verbose"))
            verbose++;
        else if (!strcmp(argv[i], "--start") && i + 1 < argc)
            start = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--backend") && i + 1 < argc &&
                 (!strcmp(argv[i + 1], "full") || !strcmp(argv[i + 1], "para")))
            para = !strcmp(argv[++i], "para");
        else {
            fprintf(stderr, "usage: jitfuzz [--backend full|para] [--seed N] [--count N] "
                    "[--start N] [--verbose]\n");
            return 2;
        }
    }
    static struct vmside ref, jit;
    if (mkside(&ref, HV_ENGINE_INTERP) < 0 || mkside(&jit, HV_ENGINE_JIT) < 0)
        return 2;
    static struct result ra, rb;
    static uint8_t scratch[SCRATCH_SIZE];
    uint8_t code[0x1000];
    struct item items[MAXN];
    unsigned fails = 0;
    for (uint64_t iter = start; iter < start + count; iter++) {
        rng_state = (seed * 0x9E3779B97F4A7C15ull) ^ (iter + 1) * 0xBF58476D1CE4E5B9ull;
        if (!rng_state)
            rng_state = 1;
        unsigned n = 1 + rn(MAXN);
        bool loops = rn(2);
        long_loops = loops && !rn(4);
        for (unsigned i = 0; i < n; i++)
            gen_item(&items[i], n - 1 - i, i, loops);
        memset(code, 0, sizeof code);
        unsigned codelen = layout(items, n, code);
        for (unsigned i = 0; i < SCRATCH_SIZE; i += 8) {
            uint64_t v = rn(4) ? rnd() : special_x();
            memcpy(scratch + i, &v, 8);
        }
        struct hv_regs init;
        memset(&init, 0, sizeof init);
        for (unsigned i = 1; i < 32; i++)
            init.x[i] = special_x();
        for (unsigned i = 0; i < 32; i++)
            init.f[i] = special_f();
        /* MMIO, unmapped, misaligned, and the end of RAM (accesses there straddle it) */
        static const uint64_t odd[] = { 0x10000005, 0x10000000, 0x2000001, 0x0c000000, 0,
                                        RAM + (1 << 20) - 0x40, 0x10000003, 0x40000000 };
        /* para: the RAM window's edges (below its start, straddling its end, beyond) */
        static const uint64_t podd[] = { PMMIO + 5, PMMIO + 0x80, RAM - 4, 0,
                                         RAM + MEM - 0x40, RAM + MEM - 4, RAM + MEM + 0x40,
                                         RAM + MEM + (1ull << 32) };
        init.x[24] = SCRATCH + 0x800 + 8 * rn(64) + (rn(10) ? 0 : 1 + rn(7));
        /* x25: a 4-byte item that is not part of a jalr pair; x23: what SMC writes */
        init.x[25] = CODE + codelen - 4;
        for (unsigned tries = 0; tries < 8; tries++) {
            unsigned k = rn(n);
            if (items[k].len == 4 && items[k].kind != IT_JALR_PAIR) {
                init.x[25] = CODE + items[k].pos;
                break;
            }
        }
        static const unsigned alu_fmts2[] = { HV_FMT_R, HV_FMT_I, HV_FMT_SHIFT };
        init.x[23] = random_op(alu_fmts2, 3, false);
        init.x[26] = rn(2) ? (para ? podd : odd)[rn(8)] + rn(16) - 8 : special_x();
        if (!para && init.x[26] + 0x800 >= RAM && init.x[26] < RAM + 0x3000)
            init.x[26] += 0x40000;      /* never let wild stores hit the handler or code */
        if (para && init.x[26] + 0x808 >= CODE && init.x[26] < PARA_HANDLER + 0x1000)
            init.x[26] += 0x40000;
        init.x[27] = SCRATCH + 0x800 + rn(0x800);
        if (loops)     /* sometimes enough iterations for the translator's regions, which
                          it builds for blocks entered HV_JIT_REGION_HEAT (512) times */
            init.x[21] = long_loops ? 512 + rn(64) : rn(6);
        init.x[30] = TRAPLOG;
        init.pc = CODE;
        init.fcsr = rn(32) | (uint64_t)(rn(4) ? rn(5) : rn(8)) << 5;
        init.priv = para ? 1 : 3;
        struct trig trig = { 0, 0, 0 };
        if (!para)      /* no Sdtrig on para */
            trig = random_trig(items, n);
        run_side(&ref, &init, &trig, code, codelen, scratch, &ra);
        run_side(&jit, &init, &trig, code, codelen, scratch, &rb);
        char why[160];
        if (compare(&ra, &rb, why, sizeof why)) {
            fprintf(stderr, "jitfuzz: MISMATCH seed %" PRIu64 " iter %" PRIu64 ": %s "
                    "(interp first)\n", seed, iter, why);
            dump_seq(code, codelen);
            if (++fails >= 3)
                break;
        } else if (verbose && (verbose > 1 || iter % 10000 == 0)) {
            fprintf(stderr, "jitfuzz: %" PRIu64 " sequences ok\n", iter);
        }
    }
    struct hv_stats st;
    hv_vcpu_get_stats(jit.cpu, &st);
    printf("jitfuzz: %sseed %" PRIu64 ": %" PRIu64 " sequences, %u mismatches, %" PRIu64
           " blocks translated, %" PRIu64 " instructions\n", para ? "para, " : "", seed,
           count, fails,
           st.blocks_translated, st.instructions);
    hv_vm_destroy(ref.vm);
    hv_vm_destroy(jit.vm);
    return fails ? 1 : 0;
}
