/* SPDX-License-Identifier: MIT */
/* Unit tests for the x86-64 emitter (libhv/cpu/x86/emit.h): every instruction form over
 * the register, addressing-mode and immediate combinations that matter is emitted, then
 * disassembled with capstone (Intel syntax) and compared with text generated here
 * independently of the encoder. Also: buffer bounds, fix-ups, the disassembly helper. */
#include <capstone/capstone.h>
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cpu/x86/disas.h"
#include "cpu/x86/emit.h"

/* ---- the checking harness -------------------------------------------------------------- */

#define EXEC 0x100000u          /* the address the test buffer "executes" at */

static csh cs;
static uint8_t code[64];
static struct hv__x86_buf B;
static unsigned n_checked, n_failed;

static void setup(void)
{
    cr_assert_eq(cs_open(CS_ARCH_X86, CS_MODE_64, &cs), CS_ERR_OK);
    n_checked = n_failed = 0;
}

static void teardown(void)
{
    cs_close(&cs);
}

static void begin(void)
{
    memset(code, 0, sizeof(code));
    hv__x86_buf_init(&B, code, sizeof(code), EXEC);
}

/* Disassemble everything emitted since begin() into "insn; insn". Returns false if capstone
 * did not consume exactly the emitted bytes. */
static bool disassemble(char *out, size_t n)
{
    cs_insn *insn;
    size_t len = hv__x86_buf_len(&B);
    size_t cnt = cs_disasm(cs, code, len, EXEC, 0, &insn);
    size_t used = 0, o = 0;
    out[0] = 0;
    for (size_t i = 0; i < cnt; i++) {
        o += (size_t)snprintf(out + o, n - o, "%s%s%s%s", i ? "; " : "", insn[i].mnemonic,
                              insn[i].op_str[0] ? " " : "", insn[i].op_str);
        used += insn[i].size;
    }
    cs_free(insn, cnt);
    return cnt > 0 && used == len;
}

static void report(const char *why, const char *want, const char *got)
{
    if (++n_failed > 40)
        return;
    char hex[200] = "";
    size_t h = 0;
    for (size_t i = 0; i < hv__x86_buf_len(&B) && h + 4 < sizeof(hex); i++)
        h += (size_t)snprintf(hex + h, sizeof(hex) - h, "%02x ", code[i]);
    fprintf(stderr, "%s: want \"%s\" got \"%s\" bytes %s\n", why, want, got, hex);
}

/* Compare what was emitted since begin() with the expected text; len_want != 0 also checks
 * the encoded length (short immediate / displacement forms). */
static void check_len(size_t len_want, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void check_len(size_t len_want, const char *fmt, ...)
{
    char want[256], got[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(want, sizeof(want), fmt, ap);
    va_end(ap);
    n_checked++;
    if (!hv__x86_buf_ok(&B)) {
        report("buffer not ok", want, "");
        return;
    }
    if (!disassemble(got, sizeof(got))) {
        report("undecodable", want, got);
        return;
    }
    if (strcmp(want, got) != 0) {
        report("mismatch", want, got);
        return;
    }
    if (len_want && hv__x86_buf_len(&B) != len_want) {
        char l[64];
        snprintf(l, sizeof(l), "length %zu, want %zu", hv__x86_buf_len(&B), len_want);
        report("length", want, l);
    }
}

#define check(...) check_len(0, __VA_ARGS__)

static void done(const char *group)
{
    fprintf(stderr, "x86emit %-10s %6u forms checked against capstone, %u failed\n", group,
            n_checked, n_failed);
    cr_assert_eq(n_failed, 0, "%u of %u forms differ from capstone", n_failed, n_checked);
    cr_assert_gt(n_checked, 0);
}

/* ---- independent text generation ---------------------------------------------------------- */

static const char *const r64[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                     "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
static const char *const r32[16] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
                                     "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d",
                                     "r15d" };
static const char *const r16[16] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w",
                                     "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w" };
static const char *const r8[16] = { "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", "r8b",
                                    "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b" };
static const char *const ccs[16] = { "o", "no", "b", "ae", "e", "ne", "be", "a",
                                     "s", "ns", "p", "np", "l", "ge", "le", "g" };
static const char *const alus[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };

static const char *reg(unsigned sz, int r)
{
    return sz == 8 ? r64[r] : sz == 4 ? r32[r] : sz == 2 ? r16[r] : r8[r];
}

static const char *xmm(int r)
{
    static const char *const names[16] = { "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
                                           "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
                                           "xmm12", "xmm13", "xmm14", "xmm15" };
    return names[r & 15];
}

static const char *ptr(unsigned sz)
{
    return sz == 1 ? "byte ptr " : sz == 2 ? "word ptr " : sz == 4 ? "dword ptr " :
           sz == 8 ? "qword ptr " : sz == 16 ? "xmmword ptr " : "";
}

/* capstone prints numbers up to 9 in decimal, larger ones in hex, negatives with a '-'. */
static const char *imm_u(uint64_t v)
{
    static char s[4][32];
    static unsigned k;
    char *o = s[k++ & 3];
    snprintf(o, 32, v <= 9 ? "%" PRIu64 : "0x%" PRIx64, v);
    return o;
}

static const char *imm_s(int64_t v)
{
    static char s[4][32];
    static unsigned k;
    if (v >= 0)
        return imm_u((uint64_t)v);
    char *o = s[k++ & 3];
    uint64_t m = -(uint64_t)v;
    snprintf(o, 32, m <= 9 ? "-%" PRIu64 : "-0x%" PRIx64, m);
    return o;
}

static uint64_t mask(unsigned sz, int64_t v)
{
    return sz == 8 ? (uint64_t)v : (uint64_t)v & ((1ull << (8 * sz)) - 1);
}

/* An immediate of operand size sz as the CPU sees it: a full-width immediate (no
 * sign-extension) is unsigned, except the 64-bit forms which sign-extend imm32. */
static const char *imm_full(unsigned sz, int32_t v)
{
    return sz == 8 ? imm_s(v) : imm_u(mask(sz, v));
}

/* Group-1 immediate as capstone shows it: logical operations unsigned at operand width,
 * the sign-extended imm8 form signed, otherwise as imm_full. */
static const char *imm_alu(int op, unsigned sz, int32_t v)
{
    if (op == HV_X86_AND || op == HV_X86_OR || op == HV_X86_XOR)
        return imm_u(mask(sz, sz == 2 && !hv__x86_fits8(v) ? (int64_t)(uint16_t)v : v));
    if (sz == 1)
        return imm_u((uint8_t)v);
    if (hv__x86_fits8(v))
        return imm_s(v);
    return imm_full(sz, v);
}

static const char *memtxt(unsigned sz, struct hv__x86_mem m)
{
    static char s[4][96];
    static unsigned k;
    char *o = s[k++ & 3];
    size_t n = (size_t)snprintf(o, 96, "%s[", ptr(sz));
    bool any = false;
    if (m.base != HV_X86_NOREG) {
        n += (size_t)snprintf(o + n, 96 - n, "%s", r64[m.base]);
        any = true;
    }
    if (m.index != HV_X86_NOREG) {
        n += (size_t)snprintf(o + n, 96 - n, "%s%s", any ? " + " : "", r64[m.index]);
        if (m.scale > 1)
            n += (size_t)snprintf(o + n, 96 - n, "*%u", m.scale);
        any = true;
    }
    if (!any)
        n += (size_t)snprintf(o + n, 96 - n, "%s", imm_u((uint64_t)(int64_t)m.disp));
    else if (m.disp > 0)
        n += (size_t)snprintf(o + n, 96 - n, " + %s", imm_u((uint64_t)m.disp));
    else if (m.disp < 0)
        n += (size_t)snprintf(o + n, 96 - n, " - %s", imm_u(-(uint64_t)(int64_t)m.disp));
    snprintf(o + n, 96 - n, "]");
    return o;
}

/* Independent length of the ModRM/SIB/displacement bytes of a memory operand. */
static size_t mem_len(struct hv__x86_mem m)
{
    if (m.base == HV_X86_NOREG)
        return 1 + 1 + 4;
    size_t sib = (m.index != HV_X86_NOREG || (m.base & 7) == 4) ? 1 : 0;
    size_t disp = m.disp == 0 && (m.base & 7) != 5 ? 0 : hv__x86_fits8(m.disp) ? 1 : 4;
    return 1 + sib + disp;
}

/* ---- the operand sets ------------------------------------------------------------------- */

static const int32_t disps[] = { 0, 1, -1, 9, 10, 127, -128, 128, -129, 0x12345678,
                                 INT32_MAX, INT32_MIN };
#define NDISPS (sizeof(disps) / sizeof(disps[0]))

/* Every base with every displacement; every base x index (not RSP) x scale with a few
 * displacements; index without base; absolute. */
static size_t all_mems(struct hv__x86_mem *out)
{
    static const int32_t few[] = { 0, -128, 0x1000 };
    size_t n = 0;
    for (int b = 0; b < 16; b++)
        for (size_t d = 0; d < NDISPS; d++)
            out[n++] = hv__x86_mb(b, disps[d]);
    for (int b = 0; b < 16; b++)
        for (int i = 0; i < 16; i++) {
            if (i == HV_X86_RSP)
                continue;
            for (unsigned s = 1; s <= 8; s *= 2)
                for (size_t d = 0; d < 3; d++)
                    out[n++] = hv__x86_mbi(b, i, s, few[d]);
        }
    for (int i = 0; i < 16; i++) {
        if (i == HV_X86_RSP)
            continue;
        for (unsigned s = 1; s <= 8; s *= 2)
            out[n++] = hv__x86_mbi(HV_X86_NOREG, i, s, 0x40);
    }
    out[n++] = hv__x86_mbi(HV_X86_NOREG, HV_X86_NOREG, 1, 0x1234);
    out[n++] = hv__x86_mbi(HV_X86_NOREG, HV_X86_NOREG, 1, 0x7fffffff);
    return n;
}

#define MAXMEMS 4096
static struct hv__x86_mem mems[MAXMEMS];

static const int32_t imms[] = { 0, 1, -1, 9, 10, 0x7f, -0x80, 0x80, -0x81, 0xff, 0x7fff,
                                -0x8000, 0x12345678, INT32_MAX, INT32_MIN };
#define NIMMS (sizeof(imms) / sizeof(imms[0]))
static const unsigned sizes[] = { 1, 2, 4, 8 };

TestSuite(x86emit, .init = setup, .fini = teardown);

/* ---- moves ---------------------------------------------------------------------------------- */

Test(x86emit, mov_reg_imm)
{
    for (size_t z = 0; z < 4; z++)
        for (int d = 0; d < 16; d++)
            for (int s = 0; s < 16; s++) {
                unsigned sz = sizes[z];
                begin();
                hv__x86_mov_rr(&B, sz, d, s);
                /* REX needed for r8+ and for SPL..DIL, 66 for 16-bit */
                bool rex = sz == 8 || d >= 8 || s >= 8 ||
                           (sz == 1 && ((d >= 4 && d < 8) || (s >= 4 && s < 8)));
                check_len(2 + rex + (sz == 2), "mov %s, %s", reg(sz, d), reg(sz, s));
            }
    static const uint64_t vals[] = { 0, 1, 9, 10, 0x7fffffff, 0x80000000, 0xffffffff,
                                     0x100000000ull, 0xffffffff80000000ull, ~0ull,
                                     0x8000000000000000ull, 0x7fffffffffffffffull,
                                     0x123456789abcdef0ull, 0xfffffffffffffffeull };
    for (int d = 0; d < 16; d++)
        for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
            uint64_t v = vals[i];
            begin();
            hv__x86_mov_ri(&B, d, v);
            if (v <= UINT32_MAX)
                check_len(5 + (d >= 8), "mov %s, %s", r32[d], imm_u(v));
            else if ((int64_t)v >= INT32_MIN && (int64_t)v <= INT32_MAX)
                check_len(7, "mov %s, %s", r64[d], imm_s((int64_t)v));
            else
                check_len(10, "movabs %s, %s", r64[d], imm_u(v));
            begin();
            hv__x86_movabs(&B, d, v);
            check_len(10, "movabs %s, %s", r64[d], imm_u(v));
        }
    for (int d = 0; d < 16; d++)
        for (size_t i = 0; i < NIMMS; i++) {
            begin();
            hv__x86_mov_ri_sx(&B, d, imms[i]);
            check("mov %s, %s", r64[d], imm_s(imms[i]));
            begin();
            hv__x86_mov_ri32(&B, d, (uint32_t)imms[i]);
            check("mov %s, %s", r32[d], imm_u((uint32_t)imms[i]));
        }
    done("mov");
}

Test(x86emit, load_store)
{
    size_t nm = all_mems(mems);
    for (size_t i = 0; i < nm; i++) {
        struct hv__x86_mem m = mems[i];
        bool rexbx = (m.base != HV_X86_NOREG && m.base >= 8) ||
                     (m.index != HV_X86_NOREG && m.index >= 8);
        for (size_t z = 0; z < 4; z++) {
            unsigned sz = sizes[z];
            int r = (int)((i * 7 + z) & 15);   /* vary the reg field too */
            bool rex = sz == 8 || rexbx || r >= 8 || (sz == 1 && r >= 4 && r < 8);
            size_t len = (sz == 2) + rex + 1 + mem_len(m);
            begin();
            hv__x86_load(&B, sz, r, m);
            check_len(len, "mov %s, %s", reg(sz, r), memtxt(sz, m));
            begin();
            hv__x86_store(&B, sz, m, r);
            check_len(len, "mov %s, %s", memtxt(sz, m), reg(sz, r));
            int32_t v = imms[i % NIMMS];
            begin();
            hv__x86_store_imm(&B, sz, m, v);
            check("mov %s, %s", memtxt(sz, m), imm_full(sz, v));
        }
    }
    /* every register with a few addressing modes */
    for (int r = 0; r < 16; r++)
        for (int bse = 0; bse < 16; bse++) {
            struct hv__x86_mem m = hv__x86_mbi(bse, r == 4 ? 12 : r, 8, -8);
            for (size_t z = 0; z < 4; z++) {
                unsigned sz = sizes[z];
                begin();
                hv__x86_load(&B, sz, r, m);
                check("mov %s, %s", reg(sz, r), memtxt(sz, m));
                begin();
                hv__x86_store(&B, sz, hv__x86_mb(bse, 0), r);
                check("mov %s, %s", memtxt(sz, hv__x86_mb(bse, 0)), reg(sz, r));
            }
        }
    done("load/store");
}

Test(x86emit, extend)
{
    static const unsigned dsz[] = { 2, 4, 8 };
    for (size_t z = 0; z < 3; z++)
        for (unsigned ssz = 1; ssz <= 2; ssz++) {
            if (dsz[z] == 2 && ssz == 2)
                continue;
            for (int d = 0; d < 16; d++)
                for (int s = 0; s < 16; s++) {
                    begin();
                    hv__x86_movzx(&B, dsz[z], ssz, d, s);
                    check("movzx %s, %s", reg(dsz[z], d), reg(ssz, s));
                    begin();
                    hv__x86_movsx(&B, dsz[z], ssz, d, s);
                    check("movsx %s, %s", reg(dsz[z], d), reg(ssz, s));
                }
        }
    for (int d = 0; d < 16; d++)
        for (int s = 0; s < 16; s++) {
            begin();
            hv__x86_movsxd(&B, d, s);
            check("movsxd %s, %s", r64[d], r32[s]);
        }
    size_t nm = all_mems(mems);
    for (size_t i = 0; i < nm; i++) {
        int d = (int)(i % 16);
        unsigned ds = (i & 16) ? 8 : 4;
        for (unsigned ssz = 1; ssz <= 2; ssz++) {
            begin();
            hv__x86_movzx_load(&B, ds, ssz, d, mems[i]);
            check("movzx %s, %s", reg(ds, d), memtxt(ssz, mems[i]));
            begin();
            hv__x86_movsx_load(&B, ds, ssz, d, mems[i]);
            check("movsx %s, %s", reg(ds, d), memtxt(ssz, mems[i]));
        }
        begin();
        hv__x86_movsxd_load(&B, d, mems[i]);
        check("movsxd %s, %s", r64[d], memtxt(4, mems[i]));
        begin();
        hv__x86_lea(&B, ds, d, mems[i]);
        check("lea %s, %s", reg(ds, d), memtxt(0, mems[i]));
    }
    done("extend/lea");
}

/* ---- arithmetic ----------------------------------------------------------------------------- */

Test(x86emit, alu)
{
    for (int op = 0; op < 8; op++)
        for (size_t z = 0; z < 4; z++)
            for (int d = 0; d < 16; d++) {
                unsigned sz = sizes[z];
                for (int s = 0; s < 16; s++) {
                    begin();
                    hv__x86_alu_rr(&B, op, sz, d, s);
                    check("%s %s, %s", alus[op], reg(sz, d), reg(sz, s));
                }
                for (size_t i = 0; i < NIMMS; i++) {
                    int32_t v = imms[i];
                    bool rex = sz == 8 || d >= 8 || (sz == 1 && d >= 4);
                    size_t ilen = sz == 1 || hv__x86_fits8(v) ? 1 : sz == 2 ? 2 : 4;
                    begin();
                    hv__x86_alu_ri(&B, op, sz, d, v);
                    check_len((sz == 2) + rex + 2 + ilen, "%s %s, %s", alus[op], reg(sz, d),
                              imm_alu(op, sz, v));
                }
            }
    size_t nm = all_mems(mems);
    for (size_t i = 0; i < nm; i++) {
        struct hv__x86_mem m = mems[i];
        int op = (int)(i % 8);
        unsigned sz = sizes[(i / 8) % 4];
        int r = (int)((i * 5) & 15);
        int32_t v = imms[i % NIMMS];
        begin();
        hv__x86_alu_rm(&B, op, sz, r, m);
        check("%s %s, %s", alus[op], reg(sz, r), memtxt(sz, m));
        begin();
        hv__x86_alu_mr(&B, op, sz, m, r);
        check("%s %s, %s", alus[op], memtxt(sz, m), reg(sz, r));
        begin();
        hv__x86_alu_mi(&B, op, sz, m, v);
        check("%s %s, %s", alus[op], memtxt(sz, m), imm_alu(op, sz, v));
    }
    done("alu");
}

Test(x86emit, test_mul_div_unary)
{
    static const char *const un[8] = { "", "", "not", "neg", "mul", "imul", "div", "idiv" };
    for (size_t z = 0; z < 4; z++) {
        unsigned sz = sizes[z];
        for (int d = 0; d < 16; d++) {
            for (int s = 0; s < 16; s++) {
                begin();
                hv__x86_test_rr(&B, sz, d, s);
                check("test %s, %s", reg(sz, d), reg(sz, s));
                if (sz == 1)
                    continue;
                begin();
                hv__x86_imul_rr(&B, sz, d, s);
                check("imul %s, %s", reg(sz, d), reg(sz, s));
                int32_t v = imms[(size_t)(d * 16 + s) % NIMMS];
                begin();
                hv__x86_imul_rri(&B, sz, d, s, v);
                check("imul %s, %s, %s", reg(sz, d), reg(sz, s),
                      hv__x86_fits8(v) ? imm_s(v) : imm_full(sz, v));
            }
            for (size_t i = 0; i < NIMMS; i++) {
                begin();
                hv__x86_test_ri(&B, sz, d, imms[i]);
                check("test %s, %s", reg(sz, d), imm_full(sz, imms[i]));
            }
            for (int op = HV_X86_NOT; op <= HV_X86_IDIV; op++) {
                begin();
                hv__x86_unary(&B, op, sz, d);
                check("%s %s", un[op], reg(sz, d));
            }
        }
    }
    begin();
    hv__x86_cqo(&B, 8);
    check("cqo");
    begin();
    hv__x86_cqo(&B, 4);
    check("cdq");
    done("test/mul");
}

Test(x86emit, shifts)
{
    static const char *const sh[8] = { "rol", "ror", "", "", "shl", "shr", "", "sar" };
    static const int ops[] = { HV_X86_ROL, HV_X86_ROR, HV_X86_SHL, HV_X86_SHR, HV_X86_SAR };
    static const uint8_t counts[] = { 1, 2, 9, 10, 31, 32, 63 };
    for (size_t o = 0; o < 5; o++)
        for (size_t z = 0; z < 4; z++)
            for (int r = 0; r < 16; r++) {
                unsigned sz = sizes[z];
                int op = ops[o];
                begin();
                hv__x86_shift_rcl(&B, op, sz, r);
                check("%s %s, cl", sh[op], reg(sz, r));
                for (size_t c = 0; c < sizeof(counts); c++) {
                    begin();
                    hv__x86_shift_ri(&B, op, sz, r, counts[c]);
                    check("%s %s, %s", sh[op], reg(sz, r), imm_u(counts[c]));
                }
            }
    done("shifts");
}

Test(x86emit, setcc_cmov_bits)
{
    static const char *const bits[8] = { "", "", "", "", "bt", "bts", "btr", "btc" };
    for (int cc = 0; cc < 16; cc++)
        for (int d = 0; d < 16; d++) {
            begin();
            hv__x86_setcc(&B, cc, d);
            check_len(3 + (d >= 4), "set%s %s", ccs[cc], r8[d]);
            for (int s = 0; s < 16; s++)
                for (unsigned sz = 2; sz <= 8; sz *= 2) {
                    begin();
                    hv__x86_cmov(&B, cc, sz, d, s);
                    check("cmov%s %s, %s", ccs[cc], reg(sz, d), reg(sz, s));
                }
        }
    for (int d = 0; d < 16; d++) {
        for (unsigned sz = 4; sz <= 8; sz *= 2) {
            begin();
            hv__x86_bswap(&B, sz, d);
            check("bswap %s", reg(sz, d));
        }
        for (unsigned sz = 2; sz <= 8; sz *= 2) {
            for (int s = 0; s < 16; s++) {
                begin();
                hv__x86_popcnt(&B, sz, d, s);
                check("popcnt %s, %s", reg(sz, d), reg(sz, s));
                begin();
                hv__x86_lzcnt(&B, sz, d, s);
                check("lzcnt %s, %s", reg(sz, d), reg(sz, s));
                begin();
                hv__x86_tzcnt(&B, sz, d, s);
                check("tzcnt %s, %s", reg(sz, d), reg(sz, s));
                for (uint8_t r = 1; sz >= 4 && r < sz * 8; r = (uint8_t)(r * 3 + 1)) {
                    begin();
                    hv__x86_rorx(&B, sz, d, s, r);
                    check("rorx %s, %s, %s", reg(sz, d), reg(sz, s), imm_u(r));
                }
                for (int op = HV_X86_BT; op <= HV_X86_BTC; op++) {
                    begin();
                    hv__x86_bit_rr(&B, op, sz, d, s);
                    check("%s %s, %s", bits[op], reg(sz, d), reg(sz, s));
                }
            }
            for (int op = HV_X86_BT; op <= HV_X86_BTC; op++) {
                uint8_t bit = (uint8_t)(sz * 8 - 1);
                begin();
                hv__x86_bit_ri(&B, op, sz, d, bit);
                check("%s %s, %s", bits[op], reg(sz, d), imm_u(bit));
            }
        }
    }
    done("setcc/cmov");
}

/* ---- atomics, stack, control flow ---------------------------------------------------------- */

Test(x86emit, atomics_misc)
{
    for (size_t z = 0; z < 4; z++)
        for (int a = 0; a < 16; a++)
            for (int c = 0; c < 16; c++) {
                unsigned sz = sizes[z];
                begin();
                hv__x86_xchg_rr(&B, sz, a, c);
                check("xchg %s, %s", reg(sz, a), reg(sz, c));
            }
    size_t nm = all_mems(mems);
    for (size_t i = 0; i < nm; i++) {
        unsigned sz = sizes[i % 4];
        int r = (int)((i * 3) & 15);
        begin();
        hv__x86_xchg_mr(&B, sz, mems[i], r);
        check("xchg %s, %s", memtxt(sz, mems[i]), reg(sz, r));
        begin();
        hv__x86_lock_cmpxchg(&B, sz, mems[i], r);
        check("lock cmpxchg %s, %s", memtxt(sz, mems[i]), reg(sz, r));
        begin();
        hv__x86_lock_xadd(&B, sz, mems[i], r);
        check("lock xadd %s, %s", memtxt(sz, mems[i]), reg(sz, r));
        begin();
        hv__x86_lock(&B);
        hv__x86_alu_mr(&B, HV_X86_OR, sz, mems[i], r);
        check("lock or %s, %s", memtxt(sz, mems[i]), reg(sz, r));
        begin();
        hv__x86_call_m(&B, mems[i]);
        check("call %s", memtxt(8, mems[i]));
        begin();
        hv__x86_jmp_m(&B, mems[i]);
        check("jmp %s", memtxt(8, mems[i]));
        begin();
        hv__x86_ldmxcsr(&B, mems[i]);
        check("ldmxcsr %s", memtxt(4, mems[i]));
        begin();
        hv__x86_stmxcsr(&B, mems[i]);
        check("stmxcsr %s", memtxt(4, mems[i]));
    }
    for (int r = 0; r < 16; r++) {
        begin();
        hv__x86_push(&B, r);
        check("push %s", r64[r]);
        begin();
        hv__x86_pop(&B, r);
        check("pop %s", r64[r]);
        begin();
        hv__x86_call_r(&B, r);
        check("call %s", r64[r]);
        begin();
        hv__x86_jmp_r(&B, r);
        check("jmp %s", r64[r]);
    }
    begin();
    hv__x86_mfence(&B);
    check("mfence");
    begin();
    hv__x86_pause(&B);
    check("pause");
    begin();
    hv__x86_ret(&B);
    check("ret");
    begin();
    hv__x86_int3(&B);
    check("int3");
    begin();
    hv__x86_ud2(&B);
    check("ud2");
    static const char *const nops[10] = {
        "", "nop", "nop", "nop dword ptr [rax]", "nop dword ptr [rax]",
        "nop dword ptr [rax + rax]", "nop word ptr [rax + rax]", "nop dword ptr [rax]",
        "nop dword ptr [rax + rax]", "nop word ptr [rax + rax]" };
    for (unsigned n = 1; n <= 9; n++) {
        begin();
        hv__x86_nop(&B, n);
        check_len(n, "%s", nops[n]);
    }
    begin();
    hv__x86_nop(&B, 12);
    check_len(12, "%s; %s", nops[9], nops[3]);
    done("atomics");
}

Test(x86emit, branches)
{
    /* forward rel32 / rel8 bound to the current position after some filler */
    for (int cc = 0; cc < 16; cc++) {
        begin();
        struct hv__x86_fixup f = hv__x86_jcc_fwd(&B, cc);
        hv__x86_nop(&B, 3);
        hv__x86_bind(&B, f);
        check_len(9, "j%s 0x%x; nop dword ptr [rax]", ccs[cc], EXEC + 9);
        begin();
        f = hv__x86_jcc8_fwd(&B, cc);
        hv__x86_nop(&B, 1);
        hv__x86_bind(&B, f);
        check_len(3, "j%s 0x%x; nop", ccs[cc], EXEC + 3);
        /* backward: rel8 when it reaches */
        begin();
        uint32_t top = hv__x86_label(&B);
        hv__x86_nop(&B, 1);
        hv__x86_jcc_to(&B, cc, top);
        check_len(3, "nop; j%s 0x%x", ccs[cc], EXEC);
    }
    begin();
    struct hv__x86_fixup f = hv__x86_jmp_fwd(&B);
    hv__x86_ret(&B);
    hv__x86_bind(&B, f);
    check("jmp 0x%x; ret", EXEC + 6);
    begin();
    f = hv__x86_jmp8_fwd(&B);
    hv__x86_ret(&B);
    hv__x86_bind(&B, f);
    check("jmp 0x%x; ret", EXEC + 3);
    /* patching to an earlier offset: negative displacement */
    begin();
    hv__x86_ret(&B);
    f = hv__x86_jmp_fwd(&B);
    hv__x86_patch(&B, f, 0);
    check("ret; jmp 0x%x", EXEC);
    begin();
    hv__x86_jmp_to(&B, 0);
    check_len(2, "jmp 0x%x", EXEC);

    /* backward branches that need rel32: a large buffer */
    static uint8_t big[512];
    struct hv__x86_buf bb;
    hv__x86_buf_init(&bb, big, sizeof(big), EXEC);
    hv__x86_nop(&bb, 200);
    hv__x86_jcc_to(&bb, HV_X86_CC_NE, 0);
    hv__x86_jmp_to(&bb, 0);
    cr_assert(hv__x86_buf_ok(&bb));
    cr_assert_eq(hv__x86_buf_len(&bb), 200 + 6 + 5, "rel32 forms expected");
    cs_insn *insn;
    size_t cnt = cs_disasm(cs, big + 200, 11, EXEC + 200, 0, &insn);
    cr_assert_eq(cnt, 2);
    cr_assert_str_eq(insn[0].op_str, "0x100000");
    cr_assert_str_eq(insn[0].mnemonic, "jne");
    cr_assert_str_eq(insn[1].op_str, "0x100000");
    cs_free(insn, cnt);
    n_checked += 2;
    /* a rel8 fix-up out of range marks the buffer invalid */
    hv__x86_buf_init(&bb, big, sizeof(big), EXEC);
    f = hv__x86_jmp8_fwd(&bb);
    hv__x86_nop(&bb, 200);
    hv__x86_bind(&bb, f);
    cr_assert(bb.invalid);

    /* patchable jumps: the displacement is 4-byte aligned at any starting alignment */
    for (unsigned pad = 0; pad < 4; pad++) {
        begin();
        hv__x86_nop(&B, pad);
        f = hv__x86_jmp_patchable(&B);
        cr_assert_eq((EXEC + f.at) % 4, 0);
        cr_assert_eq(f.size, 4);
        hv__x86_patch(&B, f, 0);
        char got[256];
        cr_assert(disassemble(got, sizeof(got)));
        cr_assert(strstr(got, "jmp 0x100000") != NULL, "%s", got);
        n_checked++;
    }

    /* absolute targets: rel32 within reach of the execution address, else movabs + reg */
    static const uintptr_t near[] = { (uintptr_t)EXEC + 0x100, (uintptr_t)EXEC - 0x100,
                                      (uintptr_t)EXEC + 5 + 0x7fffffff,
                                      (uintptr_t)EXEC + 5 - 0x80000000ull };
    for (size_t i = 0; i < 4; i++) {
        begin();
        hv__x86_jmp_abs(&B, near[i], HV_X86_R11);
        check_len(5, "jmp 0x%" PRIxPTR, near[i]);
        begin();
        hv__x86_call_abs(&B, near[i], HV_X86_R11);
        check_len(5, "call 0x%" PRIxPTR, near[i]);
    }
    static const uintptr_t far[] = { (uintptr_t)EXEC + 5 + 0x80000000ull,
                                     (uintptr_t)EXEC + 4 - 0x80000000ull, 0x7f0012345678u };
    for (size_t i = 0; i < 3; i++)
        for (int r = 0; r < 16; r++) {
            begin();
            hv__x86_jmp_abs(&B, far[i], r);
            check("movabs %s, 0x%" PRIxPTR "; jmp %s", r64[r], far[i], r64[r]);
            begin();
            hv__x86_call_abs(&B, far[i], r);
            check("movabs %s, 0x%" PRIxPTR "; call %s", r64[r], far[i], r64[r]);
        }
    done("branches");
}

/* ---- floating point --------------------------------------------------------------------- */

Test(x86emit, sse)
{
    static const char *const ar[0x60] = {
        [0x51] = "sqrt", [0x58] = "add", [0x59] = "mul", [0x5c] = "sub", [0x5d] = "min",
        [0x5e] = "div", [0x5f] = "max" };
    static const int arops[] = { 0x51, 0x58, 0x59, 0x5c, 0x5d, 0x5e, 0x5f };
    static const char *const lg[0x58] = { [0x54] = "and", [0x55] = "andn", [0x56] = "or",
                                          [0x57] = "xor" };
    for (int d = 0; d < 16; d++)
        for (int s = 0; s < 16; s++) {
            int xd = HV_X86_XMM0 + d, xs = HV_X86_XMM0 + s;
            for (int dbl = 0; dbl <= 1; dbl++) {
                const char *sfx = dbl ? "d" : "s";
                begin();
                hv__x86_movs_rr(&B, dbl, xd, xs);
                check("movs%s %s, %s", sfx, xmm(d), xmm(s));
                for (size_t o = 0; o < 7; o++) {
                    begin();
                    hv__x86_sse_rr(&B, arops[o], dbl, xd, xs);
                    check("%ss%s %s, %s", ar[arops[o]], sfx, xmm(d), xmm(s));
                }
                for (int o = 0x54; o <= 0x57; o++) {
                    begin();
                    hv__x86_sse_logic(&B, o, dbl, xd, xs);
                    check("%sp%s %s, %s", lg[o], sfx, xmm(d), xmm(s));
                }
                begin();
                hv__x86_ucomis(&B, dbl, xd, xs);
                check("ucomis%s %s, %s", sfx, xmm(d), xmm(s));
                begin();
                hv__x86_comis(&B, dbl, xd, xs);
                check("comis%s %s, %s", sfx, xmm(d), xmm(s));
                begin();
                hv__x86_cvtfp(&B, dbl, xd, xs);
                check("%s %s, %s", dbl ? "cvtss2sd" : "cvtsd2ss", xmm(d), xmm(s));
                begin();
                hv__x86_rounds(&B, dbl, xd, xs, (uint8_t)(d & 15));
                check("rounds%s %s, %s, %s", sfx, xmm(d), xmm(s), imm_u((unsigned)d & 15));
                for (unsigned isz = 4; isz <= 8; isz *= 2) {
                    /* d, s as general registers */
                    begin();
                    hv__x86_cvtsi2s(&B, dbl, isz, xd, s);
                    check("cvtsi2s%s %s, %s", sfx, xmm(d), reg(isz, s));
                    begin();
                    hv__x86_cvtts2si(&B, dbl, isz, d, xs);
                    check("cvtts%s2si %s, %s", sfx, reg(isz, d), xmm(s));
                    begin();
                    hv__x86_cvts2si(&B, dbl, isz, d, xs);
                    check("cvts%s2si %s, %s", sfx, reg(isz, d), xmm(s));
                }
            }
            begin();
            hv__x86_movapd(&B, xd, xs);
            check("movapd %s, %s", xmm(d), xmm(s));
            for (unsigned sz = 4; sz <= 8; sz *= 2) {
                const char *mn = sz == 8 ? "movq" : "movd";
                begin();
                hv__x86_movq_xr(&B, sz, xd, s);
                check("%s %s, %s", mn, xmm(d), reg(sz, s));
                begin();
                hv__x86_movq_rx(&B, sz, d, xs);
                check("%s %s, %s", mn, reg(sz, d), xmm(s));
            }
        }
    size_t nm = all_mems(mems);
    for (size_t i = 0; i < nm; i++) {
        int x = HV_X86_XMM0 + (int)(i & 15);
        bool dbl = (i >> 4) & 1;
        const char *sfx = dbl ? "d" : "s";
        unsigned msz = dbl ? 8 : 4;
        begin();
        hv__x86_movs_load(&B, dbl, x, mems[i]);
        check("movs%s %s, %s", sfx, xmm(x), memtxt(msz, mems[i]));
        begin();
        hv__x86_movs_store(&B, dbl, mems[i], x);
        check("movs%s %s, %s", sfx, memtxt(msz, mems[i]), xmm(x));
        int op = arops[i % 7];
        begin();
        hv__x86_sse_rm(&B, op, dbl, x, mems[i]);
        check("%ss%s %s, %s", ar[op], sfx, xmm(x), memtxt(msz, mems[i]));
    }
    done("sse");
}

Test(x86emit, fma)
{
    static const char *const ops[4] = { "vfmadd", "vfmsub", "vfnmadd", "vfnmsub" };
    static const int forms[3] = { HV_X86_FMA132, HV_X86_FMA213, HV_X86_FMA231 };
    static const char *const fnames[3] = { "132", "213", "231" };
    for (int op = 0; op < 4; op++)
        for (int f = 0; f < 3; f++)
            for (int dbl = 0; dbl <= 1; dbl++)
                for (int a = 0; a < 16; a++)
                    for (int c = 0; c < 16; c++) {
                        /* all of dst x src2 x src3 for one form, a diagonal for the rest */
                        int lim = (op == 0 && f == 2) ? 16 : 1;
                        for (int k = 0; k < lim; k++) {
                            int s3 = lim == 16 ? k : (a + c) & 15;
                            begin();
                            hv__x86_vfma(&B, op, forms[f], dbl, HV_X86_XMM0 + a,
                                         HV_X86_XMM0 + c, HV_X86_XMM0 + s3);
                            check("%s%s%s %s, %s, %s", ops[op], fnames[f], dbl ? "sd" : "ss",
                                  xmm(a), xmm(c), xmm(s3));
                        }
                    }
    done("fma");
}

/* ---- buffer bounds and errors ------------------------------------------------------------ */

Test(x86emit, overflow_never_writes_past_end)
{
    uint8_t mem[32];
    for (size_t size = 0; size <= 16; size++) {
        memset(mem, 0xa5, sizeof(mem));
        struct hv__x86_buf b;
        hv__x86_buf_init(&b, mem, size, (uintptr_t)mem);
        hv__x86_movabs(&b, HV_X86_R9, 0x1122334455667788ull);          /* 10 bytes */
        hv__x86_load(&b, 8, HV_X86_R12, hv__x86_mbi(HV_X86_R13, HV_X86_R14, 8, 0x1000));
        for (size_t i = size; i < sizeof(mem); i++)
            cr_assert_eq(mem[i], 0xa5, "byte %zu written with buffer size %zu", i, size);
        cr_assert_eq(b.overflow, size < 18, "size %zu", size);
        cr_assert(hv__x86_buf_len(&b) <= size);
        struct hv__x86_fixup f = hv__x86_jmp_fwd(&b);
        if (size < 18) {
            cr_assert_eq(f.size, 0);
            hv__x86_bind(&b, f);    /* a no-op, must not write */
        }
    }
    /* exactly enough space: no overflow */
    struct hv__x86_buf b;
    hv__x86_buf_init(&b, mem, 10, (uintptr_t)mem);
    hv__x86_movabs(&b, HV_X86_RAX, 1);
    cr_assert(hv__x86_buf_ok(&b));
    cr_assert_eq(hv__x86_buf_len(&b), 10);
    /* RSP cannot be an index */
    hv__x86_buf_init(&b, mem, sizeof(mem), (uintptr_t)mem);
    hv__x86_load(&b, 8, HV_X86_RAX, hv__x86_mbi(HV_X86_RAX, HV_X86_RSP, 1, 0));
    cr_assert(b.invalid);
    hv__x86_buf_init(&b, mem, sizeof(mem), (uintptr_t)mem);
    hv__x86_load(&b, 8, HV_X86_RAX, hv__x86_mbi(HV_X86_RAX, HV_X86_RCX, 3, 0));
    cr_assert(b.invalid);
}

Test(x86emit, host_features)
{
    uint32_t f = hv__x86_host_features();
    cr_assert_eq(f, hv__x86_host_features(), "stable across calls");
    /* FMA implies AVX state; report for the log */
    if (f & HV_X86_F_FMA)
        cr_assert(f & HV_X86_F_AVX);
    fprintf(stderr, "x86emit host features: 0x%x (sse4.1 %d popcnt %d lzcnt %d bmi1 %d bmi2 %d "
            "fma %d)\n", f, !!(f & HV_X86_F_SSE41), !!(f & HV_X86_F_POPCNT),
            !!(f & HV_X86_F_LZCNT), !!(f & HV_X86_F_BMI1), !!(f & HV_X86_F_BMI2),
            !!(f & HV_X86_F_FMA));
}

/* ---- the disassembly helper --------------------------------------------------------------- */

struct lines {
    unsigned n;
    char text[8][160];
};

static void collect(void *opaque, const char *text)
{
    struct lines *l = opaque;
    if (l->n < 8)
        snprintf(l->text[l->n], sizeof(l->text[0]), "%s", text);
    l->n++;
}

Test(x86emit, disas_helper)
{
    begin();
    hv__x86_mov_ri(&B, HV_X86_RAX, 42);
    hv__x86_alu_rr(&B, HV_X86_ADD, 8, HV_X86_RAX, HV_X86_R12);
    hv__x86_byte(&B, 0x06);     /* invalid in 64-bit mode */
    hv__x86_ret(&B);
    struct lines l = { 0 };
    int n = hv__x86_disas(code, hv__x86_buf_len(&B), 0x4000, collect, &l);
    cr_assert_eq(n, 4);
    cr_assert_eq(l.n, 4);
    cr_assert(strstr(l.text[0], "0x0000000000004000:") && strstr(l.text[0], "mov eax, 0x2a"),
              "%s", l.text[0]);
    cr_assert(strstr(l.text[1], "add rax, r12"), "%s", l.text[1]);
    cr_assert(strstr(l.text[2], ".byte 0x06"), "%s", l.text[2]);
    cr_assert(strstr(l.text[3], "0x0000000000004009:") && strstr(l.text[3], "ret"), "%s",
              l.text[3]);
}
