/* SPDX-License-Identifier: MIT */
/* libhv cpu — disassembler that prints exactly what GNU objdump 2.40 (`objdump -d`, default
 * options, i.e. with aliases) prints in its instruction column: "mnemonic<TAB>operands".
 * Branch targets are absolute hex without the " <symbol>" suffix; objdump's stateful
 * "# address" comments after lui/auipc pairs are not reproduced. tests/unit/test_disasm.c
 * checks this against the real tool. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include "cpu/insn.h"
#include "cpu/csr_names.h"

static const char *const xname[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4",
    "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4",
    "t5", "t6"
};

static const char *const fname[32] = {
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2",
    "fa3", "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9",
    "fs10", "fs11", "ft8", "ft9", "ft10", "ft11"
};

/* objdump prints unnamed rounding modes (5, 6) as "unknown". */
static const char *const rmname[8] = {
    "rne", "rtz", "rdn", "rup", "rmm", "unknown", "unknown", "dyn"
};

/* Output cursor: appends with snprintf semantics into a fixed scratch line. */
struct out {
    char s[160];
    size_t n;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(o->s + o->n, sizeof o->s - o->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        o->n += (size_t)k < sizeof o->s - o->n ? (size_t)k : sizeof o->s - o->n - 1;
}

/* Which operands are FP registers: bit 0 rd, 1 rs1, 2 rs2, 3 rs3. */
enum { F_RD = 1, F_RS1 = 2, F_RS2 = 4, F_RS3 = 8 };

static unsigned fp_regs(unsigned op)
{
    switch (op) {
    case HV_OP_FCVT_W_S: case HV_OP_FCVT_WU_S: case HV_OP_FCVT_L_S: case HV_OP_FCVT_LU_S:
    case HV_OP_FCVT_W_D: case HV_OP_FCVT_WU_D: case HV_OP_FCVT_L_D: case HV_OP_FCVT_LU_D:
    case HV_OP_FMV_X_W: case HV_OP_FMV_X_D: case HV_OP_FCLASS_S: case HV_OP_FCLASS_D:
    case HV_OP_FEQ_S: case HV_OP_FLT_S: case HV_OP_FLE_S:
    case HV_OP_FEQ_D: case HV_OP_FLT_D: case HV_OP_FLE_D:
    case HV_OP_FCVT_W_H: case HV_OP_FCVT_WU_H: case HV_OP_FCVT_L_H: case HV_OP_FCVT_LU_H:
    case HV_OP_FMV_X_H: case HV_OP_FCLASS_H: case HV_OP_FEQ_H: case HV_OP_FLT_H:
    case HV_OP_FLE_H:
        return F_RS1 | F_RS2;
    case HV_OP_FCVT_S_W: case HV_OP_FCVT_S_WU: case HV_OP_FCVT_S_L: case HV_OP_FCVT_S_LU:
    case HV_OP_FCVT_D_W: case HV_OP_FCVT_D_WU: case HV_OP_FCVT_D_L: case HV_OP_FCVT_D_LU:
    case HV_OP_FMV_W_X: case HV_OP_FMV_D_X:
    case HV_OP_FCVT_H_W: case HV_OP_FCVT_H_WU: case HV_OP_FCVT_H_L: case HV_OP_FCVT_H_LU:
    case HV_OP_FMV_H_X:
        return F_RD;
    default:
        break;
    }
    switch (hv__op_info[op].match & 0x7f) {
    case 0x07: return F_RD;
    case 0x27: return F_RS2;
    case 0x43: case 0x47: case 0x4b: case 0x4f: case 0x53: return F_RD | F_RS1 | F_RS2 | F_RS3;
    default: return 0;
    }
}

static const char *reg(unsigned r, unsigned fp, unsigned which)
{
    return (fp & which) ? fname[r & 31] : xname[r & 31];
}

static void put_csr(struct out *o, int64_t csr)
{
    const char *name = hv__csr_name((unsigned)csr);
    if (name)
        put(o, "%s", name);
    else
        put(o, "0x%x", (unsigned)csr);
}

static void put_fence_set(struct out *o, unsigned set)
{
    if (!set) {
        put(o, "unknown");
        return;
    }
    static const char letters[] = "iorw";
    for (unsigned i = 0; i < 4; i++)
        if (set & (8u >> i))
            put(o, "%c", letters[i]);
}

static const char *aqrl_suffix(unsigned aqrl)
{
    static const char *const s[4] = { "", ".rl", ".aq", ".aqrl" };
    return s[aqrl & 3];
}

/* ---- aliases ------------------------------------------------------------------------- */

/* CSR instructions and their objdump aliases. */
static void dis_csr(const struct hv_insn *i, struct out *o)
{
    unsigned rd = i->rd, rs1 = i->rs1, csr = (unsigned)i->imm;
    const char *rdn = xname[rd], *rs1n = xname[rs1];
    bool imm = i->fmt == HV_FMT_CSRI;

    switch (i->op) {
    case HV_OP_CSRRW:
        if (csr == 0xc00 && rd == 0 && rs1 == 0) {
            put(o, "unimp");
            return;
        }
        if (csr >= 1 && csr <= 3) {
            static const char *const n[4] = { "", "fsflags", "fsrm", "fscsr" };
            if (rd)
                put(o, "%s\t%s,%s", n[csr], rdn, rs1n);
            else
                put(o, "%s\t%s", n[csr], rs1n);
            return;
        }
        if (rd == 0) {
            put(o, "csrw\t");
            put_csr(o, csr);
            put(o, ",%s", rs1n);
            return;
        }
        break;
    case HV_OP_CSRRS:
        if (rs1 == 0) {
            static const struct { unsigned csr; const char *m; } rd_alias[] = {
                { 1, "frflags" }, { 2, "frrm" }, { 3, "frcsr" }, { 0xc00, "rdcycle" },
                { 0xc01, "rdtime" }, { 0xc02, "rdinstret" },
            };
            for (size_t k = 0; k < sizeof rd_alias / sizeof rd_alias[0]; k++) {
                if (rd_alias[k].csr == csr) {
                    put(o, "%s\t%s", rd_alias[k].m, rdn);
                    return;
                }
            }
            put(o, "csrr\t%s,", rdn);
            put_csr(o, csr);
            return;
        }
        if (rd == 0) {
            put(o, "csrs\t");
            put_csr(o, csr);
            put(o, ",%s", rs1n);
            return;
        }
        break;
    case HV_OP_CSRRC:
        if (rd == 0) {
            put(o, "csrc\t");
            put_csr(o, csr);
            put(o, ",%s", rs1n);
            return;
        }
        break;
    case HV_OP_CSRRWI:
        /* objdump shows rd of fsrmi/fsflagsi even when it is zero */
        if (csr == 1 || csr == 2) {
            put(o, "%s\t%s,%u", csr == 1 ? "fsflagsi" : "fsrmi", rdn, rs1);
            return;
        }
        /* fall through */
    case HV_OP_CSRRSI:
    case HV_OP_CSRRCI:
        if (rd == 0) {
            /* objdump 2.40 names the immediate forms like the register ones */
            const char *m = i->op == HV_OP_CSRRWI ? "csrw" : i->op == HV_OP_CSRRSI ? "csrs"
                                                                                   : "csrc";
            put(o, "%s\t", m);
            put_csr(o, csr);
            put(o, ",%u", rs1);
            return;
        }
        break;
    default:
        break;
    }
    /* objdump 2.40 names the immediate forms like the register ones (csrrsi -> csrrs) */
    const char *m = i->op == HV_OP_CSRRW || i->op == HV_OP_CSRRWI   ? "csrrw"
                    : i->op == HV_OP_CSRRS || i->op == HV_OP_CSRRSI ? "csrrs"
                                                                    : "csrrc";
    put(o, "%s\t%s,", m, rdn);
    put_csr(o, csr);
    if (imm)
        put(o, ",%u", rs1);
    else
        put(o, ",%s", rs1n);
}

static void dis_jalr(const struct hv_insn *i, struct out *o)
{
    const char *base = xname[i->rs1];
    if (i->rd == 0 && i->imm == 0)
        put(o, i->rs1 == 1 ? "ret" : "jr\t%s", base);
    else if (i->rd == 0)
        put(o, "jr\t%d(%s)", (int)i->imm, base);
    else if (i->rd == 1 && i->imm == 0)
        put(o, "jalr\t%s", base);
    else if (i->rd == 1)
        put(o, "jalr\t%d(%s)", (int)i->imm, base);
    else if (i->imm == 0)
        put(o, "jalr\t%s,%s", xname[i->rd], base);
    else
        put(o, "jalr\t%s,%d(%s)", xname[i->rd], (int)i->imm, base);
}

static void dis_branch(const struct hv_insn *i, uint64_t target, struct out *o)
{
    const char *m = hv__op_info[i->op].mnemonic;
    const char *a = xname[i->rs1], *b = xname[i->rs2];
    unsigned long long t = (unsigned long long)target;

    switch (i->op) {
    case HV_OP_BEQ: if (i->rs2 == 0) { put(o, "beqz\t%s,%llx", a, t); return; } break;
    case HV_OP_BNE: if (i->rs2 == 0) { put(o, "bnez\t%s,%llx", a, t); return; } break;
    case HV_OP_BLT:
        if (i->rs2 == 0) { put(o, "bltz\t%s,%llx", a, t); return; }
        if (i->rs1 == 0) { put(o, "bgtz\t%s,%llx", b, t); return; }
        break;
    case HV_OP_BGE:
        if (i->rs1 == 0) { put(o, "blez\t%s,%llx", b, t); return; }
        if (i->rs2 == 0) { put(o, "bgez\t%s,%llx", a, t); return; }
        break;
    default:
        break;
    }
    put(o, "%s\t%s,%s,%llx", m, a, b, t);
}

/* objdump 2.40 prints register-immediate ALU ops with the register-form mnemonic
 * ("add a0,a0,8", "sll a0,a0,0x3"); returns NULL for ops that keep their own name. */
static const char *imm_alu_name(unsigned op)
{
    static const struct { uint16_t op; const char *m; } names[] = {
        { HV_OP_ADDI, "add" }, { HV_OP_XORI, "xor" }, { HV_OP_ORI, "or" }, { HV_OP_ANDI, "and" },
        { HV_OP_SLLI, "sll" }, { HV_OP_SRLI, "srl" }, { HV_OP_SRAI, "sra" },
        { HV_OP_ADDIW, "addw" }, { HV_OP_SLLIW, "sllw" }, { HV_OP_SRLIW, "srlw" },
        { HV_OP_SRAIW, "sraw" }, { HV_OP_RORI, "ror" }, { HV_OP_RORIW, "rorw" },
        { HV_OP_BCLRI, "bclr" }, { HV_OP_BEXTI, "bext" }, { HV_OP_BINVI, "binv" },
        { HV_OP_BSETI, "bset" },
    };
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (names[k].op == op)
            return names[k].m;
    return NULL;
}

/* Integer register-immediate and register-register aliases; returns true when printed. */
static bool dis_int_alias(const struct hv_insn *i, struct out *o)
{
    const char *d = xname[i->rd], *s = xname[i->rs1], *t = xname[i->rs2];

    switch (i->op) {
    case HV_OP_ADDI:
        if (i->rd == 0 && i->rs1 == 0 && i->imm == 0)
            put(o, "nop");
        else if (i->rs1 == 0)
            put(o, "li\t%s,%d", d, (int)i->imm);
        else if (i->imm == 0)
            put(o, "mv\t%s,%s", d, s);
        else
            return false;
        return true;
    case HV_OP_ADDIW:
        if (i->imm != 0)
            return false;
        put(o, "sext.w\t%s,%s", d, s);
        return true;
    case HV_OP_SLTIU:
        if (i->imm != 1)
            return false;
        put(o, "seqz\t%s,%s", d, s);
        return true;
    case HV_OP_XORI:
        if (i->imm != -1)
            return false;
        put(o, "not\t%s,%s", d, s);
        return true;
    case HV_OP_ANDI:
        if (i->imm != 255)
            return false;
        put(o, "zext.b\t%s,%s", d, s);
        return true;
    case HV_OP_SUB:
    case HV_OP_SUBW:
        if (i->rs1 != 0)
            return false;
        put(o, "%s\t%s,%s", i->op == HV_OP_SUB ? "neg" : "negw", d, t);
        return true;
    case HV_OP_SLT:
        if (i->rs2 == 0)
            put(o, "sltz\t%s,%s", d, s);
        else if (i->rs1 == 0)
            put(o, "sgtz\t%s,%s", d, t);
        else
            return false;
        return true;
    case HV_OP_SLTU:
        if (i->rs1 != 0)
            return false;
        put(o, "snez\t%s,%s", d, t);
        return true;
    case HV_OP_ADD_UW:
        if (i->rs2 != 0)
            return false;
        put(o, "zext.w\t%s,%s", d, s);
        return true;
    case HV_OP_ORI: {
        /* Zicbop: ori x0 with imm[4:0] = 0 / 1 / 3 is prefetch.i / .r / .w offset(rs1). */
        static const char *const pf[4] = { "prefetch.i", "prefetch.r", NULL, "prefetch.w" };
        unsigned kind = (unsigned)i->imm & 31;
        if (i->rd != 0 || kind > 3 || !pf[kind])
            return false;
        put(o, "%s\t%d(%s)", pf[kind], (int)(i->imm & ~31), s);
        return true;
    }
    default:
        return false;
    }
}

static void dis_fence(const struct hv_insn *i, struct out *o)
{
    unsigned pred = (unsigned)(i->imm >> 4) & 15, succ = (unsigned)i->imm & 15;
    unsigned fm = (unsigned)(i->imm >> 8) & 15;

    if (i->raw == 0x0100000f) {
        put(o, "pause");
        return;
    }
    if (i->raw == 0x8330000f) {
        put(o, "fence.tso");
        return;
    }
    /* objdump knows no other fm value and no non-zero rd/rs1: it shows the raw word */
    if (fm != 0 || i->rd || i->rs1) {
        put(o, ".4byte\t0x%x", i->raw);
        return;
    }
    if (pred == 15 && succ == 15) {
        put(o, "fence");
        return;
    }
    put(o, "fence\t");
    put_fence_set(o, pred);
    put(o, ",");
    put_fence_set(o, succ);
}

/* FP sign-injection aliases (fmv/fneg/fabs) when both sources are the same register. */
static bool dis_fsgnj_alias(const struct hv_insn *i, struct out *o)
{
    static const struct { uint16_t op; const char *m; } al[] = {
        { HV_OP_FSGNJ_S, "fmv.s" }, { HV_OP_FSGNJN_S, "fneg.s" }, { HV_OP_FSGNJX_S, "fabs.s" },
        { HV_OP_FSGNJ_D, "fmv.d" }, { HV_OP_FSGNJN_D, "fneg.d" }, { HV_OP_FSGNJX_D, "fabs.d" },
        { HV_OP_FSGNJ_H, "fmv.h" }, { HV_OP_FSGNJN_H, "fneg.h" }, { HV_OP_FSGNJX_H, "fabs.h" },
    };
    if (i->rs1 != i->rs2)
        return false;
    for (size_t k = 0; k < sizeof al / sizeof al[0]; k++) {
        if (al[k].op == i->op) {
            put(o, "%s\t%s,%s", al[k].m, fname[i->rd], fname[i->rs1]);
            return true;
        }
    }
    return false;
}

/* Conversions that are always exact: objdump prints no rounding mode for them. */
static bool rm_silent(unsigned op)
{
    return op == HV_OP_FCVT_D_S || op == HV_OP_FCVT_D_W || op == HV_OP_FCVT_D_WU ||
           op == HV_OP_FCVT_S_H || op == HV_OP_FCVT_D_H;
}

static void put_rm(const struct hv_insn *i, struct out *o)
{
    if (i->rm != 7 && !(rm_silent(i->op) && i->rm == 0))
        put(o, ",%s", rmname[i->rm & 7]);
}

/* ---- compressed forms ------------------------------------------------------------------ */

/* objdump names several RVC forms differently from their 32-bit expansion ("add" for
 * c.addi, "sll" for c.slli, c.* for HINTs). Returns true when printed. */
static bool dis_rvc(const struct hv_insn *i, struct out *o)
{
    unsigned c = i->raw & 0xffff, q = c & 3, f3 = c >> 13;
    const char *d = xname[i->rd];
    int imm = (int)i->imm;

    if (q == 0 && f3 == 0) {                                    /* c.addi4spn */
        put(o, "add\t%s,sp,%d", d, imm);
        return true;
    }
    if (q == 1 && f3 == 0) {                                    /* c.addi / c.nop */
        if (i->rd == 0)
            put(o, imm ? "c.nop\t%d" : "nop", imm);
        else
            put(o, "add\t%s,%s,%d", d, d, imm);
        return true;
    }
    if (q == 1 && f3 == 1) {                                    /* c.addiw */
        put(o, imm ? "addw\t%s,%s,%d" : "sext.w\t%s,%s", d, d, imm);
        return true;
    }
    if (q == 1 && f3 == 2 && i->rd == 0) {                      /* c.li HINT */
        put(o, "c.li\tzero,%d", imm);
        return true;
    }
    if (q == 1 && f3 == 3) {                                    /* c.addi16sp / c.lui */
        if (i->op == HV_OP_ADDI)
            put(o, "add\tsp,sp,%d", imm);
        else
            put(o, "%s\t%s,0x%x", i->rd ? "lui" : "c.lui", d,
                (unsigned)(i->imm >> 12) & 0xfffff);
        return true;
    }
    if (q == 1 && f3 == 4 && (i->op == HV_OP_SRLI || i->op == HV_OP_SRAI)) {
        const char *m = i->op == HV_OP_SRLI ? "srl" : "sra";
        if (imm == 0)
            put(o, "c.%s64\t%s", i->op == HV_OP_SRLI ? "srli" : "srai", d);
        else
            put(o, "%s\t%s,%s,0x%x", m, d, d, (unsigned)imm);
        return true;
    }
    if (q == 1 && f3 == 4 && i->op == HV_OP_ANDI) {
        put(o, "and\t%s,%s,%d", d, d, imm);
        return true;
    }
    if (q == 2 && f3 == 0) {                                    /* c.slli */
        if (imm == 0)
            put(o, "c.slli64\t%s", d);
        else if (i->rd == 0)
            put(o, "c.slli\tzero,0x%x", (unsigned)imm);
        else
            put(o, "sll\t%s,%s,0x%x", d, d, (unsigned)imm);
        return true;
    }
    if (q == 2 && f3 == 4 && i->op == HV_OP_ADD) {              /* c.mv / c.add */
        bool add = (c >> 12) & 1;
        if (i->rd == 0)
            put(o, "%s\tzero,%s", add ? "c.add" : "c.mv", xname[i->rs2]);
        else if (add)
            put(o, "add\t%s,%s,%s", d, d, xname[i->rs2]);
        else
            put(o, "mv\t%s,%s", d, xname[i->rs2]);
        return true;
    }
    return false;
}

/* ---- generic ---------------------------------------------------------------------------- */

static void dis_generic(const struct hv_insn *i, uint64_t addr, struct out *o)
{
    const char *m = hv__op_info[i->op].mnemonic;
    unsigned fp = fp_regs(i->op);
    const char *rd = reg(i->rd, fp, F_RD), *rs1 = reg(i->rs1, fp, F_RS1);
    const char *rs2 = reg(i->rs2, fp, F_RS2), *rs3 = reg(i->rs3, fp, F_RS3);
    unsigned opc = hv__op_info[i->op].match & 0x7f;

    if (imm_alu_name(i->op))
        m = imm_alu_name(i->op);
    switch (i->fmt) {
    case HV_FMT_NONE:
        put(o, "%s", m);
        return;
    case HV_FMT_R:
        put(o, "%s\t%s,%s,%s", m, rd, rs1, rs2);
        return;
    case HV_FMT_R_RM:
        put(o, "%s\t%s,%s,%s", m, rd, rs1, rs2);
        put_rm(i, o);
        return;
    case HV_FMT_R1:
        put(o, "%s\t%s,%s", m, rd, rs1);
        return;
    case HV_FMT_R1_RM:
        put(o, "%s\t%s,%s", m, rd, rs1);
        put_rm(i, o);
        return;
    case HV_FMT_R4_RM:
        put(o, "%s\t%s,%s,%s,%s", m, rd, rs1, rs2, rs3);
        put_rm(i, o);
        return;
    case HV_FMT_I:
        if (opc == 0x03 || opc == 0x07)
            put(o, "%s\t%s,%d(%s)", m, rd, (int)i->imm, rs1);
        else
            put(o, "%s\t%s,%s,%d", m, rd, rs1, (int)i->imm);
        return;
    case HV_FMT_SHIFT:
    case HV_FMT_SHIFTW:
        put(o, "%s\t%s,%s,0x%x", m, rd, rs1, (unsigned)i->imm);
        return;
    case HV_FMT_S:
        put(o, "%s\t%s,%d(%s)", m, rs2, (int)i->imm, rs1);
        return;
    case HV_FMT_U:
        put(o, "%s\t%s,0x%x", m, rd, (unsigned)(i->imm >> 12) & 0xfffff);
        return;
    case HV_FMT_J: {
        unsigned long long t = (unsigned long long)(addr + (uint64_t)i->imm);
        if (i->rd == 0)
            put(o, "j\t%llx", t);
        else if (i->rd == 1)
            put(o, "jal\t%llx", t);
        else
            put(o, "jal\t%s,%llx", rd, t);
        return;
    }
    case HV_FMT_AMO:
        put(o, "%s%s\t%s,%s,(%s)", m, aqrl_suffix(i->aqrl), rd, rs2, rs1);
        return;
    case HV_FMT_LR:
        put(o, "%s%s\t%s,(%s)", m, aqrl_suffix(i->aqrl), rd, rs1);
        return;
    case HV_FMT_CBO:
        put(o, "%s\t(%s)", m, rs1);
        return;
    case HV_FMT_SFENCE:
        if (i->op == HV_OP_SINVAL_VMA)      /* objdump always shows both operands */
            put(o, "%s\t%s,%s", m, rs1, rs2);
        else if (i->rs2)
            put(o, "%s\t%s,%s", m, rs1, rs2);
        else if (i->rs1)
            put(o, "%s\t%s", m, rs1);
        else
            put(o, "%s", m);
        return;
    default:
        put(o, "%s", m);
        return;
    }
}

int hv__disasm(const struct hv_insn *insn, uint64_t addr, char *buf, size_t len)
{
    struct out o = { .n = 0 };
    o.s[0] = 0;

    if (insn->op == HV_OP_ILLEGAL || insn->op >= HV_OP__COUNT || insn->len == 0) {
        if ((insn->raw & 3) != 3)
            put(&o, (insn->raw & 0xffff) ? ".2byte\t0x%x" : "unimp", insn->raw & 0xffff);
        else
            put(&o, ".4byte\t0x%x", insn->raw);
    } else if (insn->len == 2 && dis_rvc(insn, &o)) {
        /* printed */
    } else if (insn->fmt == HV_FMT_CSR || insn->fmt == HV_FMT_CSRI) {
        dis_csr(insn, &o);
    } else if (insn->op == HV_OP_JALR) {
        dis_jalr(insn, &o);
    } else if (insn->fmt == HV_FMT_B) {
        dis_branch(insn, addr + (uint64_t)insn->imm, &o);
    } else if (insn->fmt == HV_FMT_FENCE) {
        dis_fence(insn, &o);
    } else if (!dis_int_alias(insn, &o) && !dis_fsgnj_alias(insn, &o)) {
        dis_generic(insn, addr, &o);
    }
    return snprintf(buf, len, "%s", o.s);
}
