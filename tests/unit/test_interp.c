/* SPDX-License-Identifier: MIT */
/* Unit tests for the reference interpreter (libhv/cpu/interp.c) and the engine services in
 * cpu.c, run under a tiny flat policy: RAM-only soft-TLB fills with a read-only and an
 * unmapped page, a small MMIO window, fflags/frm/fcsr/mscratch CSRs, ECALL = exit, traps
 * recorded and redirected to a handler that exits. Programs are hand-encoded from the
 * decoder's own match values. Covers every integer op class with edge values, M, Zb*,
 * Zicond, LR/SC, every AMO, misaligned accesses, exact budgets, self-modifying code,
 * CSR read/write rules, traps and precise state, RVC and FP integration. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "cpu/cpu.h"
#include "cpu/fpu.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x10000ull
#define MMIO_BASE 0x10000000ull
#define MMIO_EXIT (MMIO_BASE + 0x100)
#define TRAP_VEC (RAM_BASE + 0xf000)
#define DATA (RAM_BASE + 0x2000)
#define CSR_FFLAGS 0x001
#define CSR_FRM 0x002
#define CSR_FCSR 0x003
#define CSR_MSCRATCH 0x340
#define CSR_CYCLE 0xc00

struct tvm {
    struct hv_cpu cpu;
    uint8_t *ram;
    uint64_t ro_page, unmapped_page;
    unsigned traps;
    uint64_t cause, tval, epc;
    unsigned csr_reads, csr_writes;
    uint64_t csr_wmasks[8];     /* cpu->csr_wmask seen by the first 8 csr_writes */
    uint64_t scratch;
    unsigned polls;
    bool poll_exit, fs_off;
    unsigned fp_checks, fp_writes;
    uint64_t mmio_reg[64];
    unsigned mmio_reads, mmio_writes;
    unsigned exits, fence_i;
};

static struct tvm *T;
static struct hv_cpu *C;

/* ---- the flat policy ------------------------------------------------------------------- */

static struct tvm *tvm_of(struct hv_cpu *cpu) { return cpu->backend; }

static int fault(struct hv_cpu *cpu, uint64_t va, enum hv_access acc)
{
    static const uint64_t cause[3] = { HV_EXC_LOAD_PAGE, HV_EXC_STORE_PAGE, HV_EXC_INSN_PAGE };
    return hv__cpu_raise(cpu, cause[acc], va);
}

static int p_tlb_fill(struct hv_cpu *cpu, uint64_t va, enum hv_access acc, uint64_t *pa,
                      bool *is_mmio)
{
    struct tvm *t = tvm_of(cpu);
    uint64_t page = va & ~0xfffull;
    if (va >= MMIO_BASE && va < MMIO_BASE + 0x1000) {
        *is_mmio = true;
        *pa = va;
        return HV_STEP_OK;
    }
    if (va < RAM_BASE || va >= RAM_BASE + RAM_SIZE || page == t->unmapped_page)
        return fault(cpu, va, acc);
    if (acc == HV_ACC_WRITE && page == t->ro_page)
        return fault(cpu, va, acc);
    struct hv_tlb_entry *e = hv__tlb_entry(cpu, va);
    for (int k = 0; k < 3; k++)
        if (e->tag[k] != page)
            e->tag[k] = HV_TLB_INVALID;
    e->tag[acc] = page;
    e->addend = (uint64_t)(uintptr_t)(t->ram + (page - RAM_BASE)) - page;
    return HV_STEP_OK;
}

static int p_mmio(struct hv_cpu *cpu, uint64_t pa, unsigned size, uint64_t *val, bool write)
{
    struct tvm *t = tvm_of(cpu);
    if (write) {
        t->mmio_writes++;
        if (pa == MMIO_EXIT)
            return HV_STEP_EXIT;
        t->mmio_reg[(pa - MMIO_BASE) / 8 % 64] = *val;
    } else {
        t->mmio_reads++;
        *val = t->mmio_reg[(pa - MMIO_BASE) / 8 % 64];
    }
    return HV_STEP_OK;
}

static int p_csr_read(struct hv_cpu *cpu, unsigned csr, uint64_t *val)
{
    struct tvm *t = tvm_of(cpu);
    t->csr_reads++;
    switch (csr) {
    case CSR_FFLAGS: *val = cpu->fflags; return HV_STEP_OK;
    case CSR_FRM: *val = cpu->frm; return HV_STEP_OK;
    case CSR_FCSR: *val = cpu->frm << 5 | cpu->fflags; return HV_STEP_OK;
    case CSR_MSCRATCH: *val = t->scratch; return HV_STEP_OK;
    case CSR_CYCLE: *val = cpu->instret; return HV_STEP_OK;
    default: return hv__cpu_raise(cpu, HV_EXC_ILLEGAL, 0);
    }
}

static int p_csr_write(struct hv_cpu *cpu, unsigned csr, uint64_t val)
{
    struct tvm *t = tvm_of(cpu);
    if (t->csr_writes < 8)
        t->csr_wmasks[t->csr_writes] = cpu->csr_wmask;
    t->csr_writes++;
    switch (csr) {
    case CSR_FFLAGS: cpu->fflags = val & 0x1f; return HV_STEP_OK;
    case CSR_FRM: cpu->frm = val & 7; return HV_STEP_OK;
    case CSR_FCSR: cpu->fflags = val & 0x1f; cpu->frm = (val >> 5) & 7; return HV_STEP_OK;
    case CSR_MSCRATCH: t->scratch = val; return HV_STEP_OK;
    default: return hv__cpu_raise(cpu, HV_EXC_ILLEGAL, 0);
    }
}

static int p_system(struct hv_cpu *cpu, const struct hv_insn *in)
{
    struct tvm *t = tvm_of(cpu);
    switch (in->op) {
    case HV_OP_ECALL: t->exits++; return HV_STEP_EXIT;
    case HV_OP_EBREAK: return hv__cpu_raise(cpu, HV_EXC_BREAKPOINT, cpu->pc);
    case HV_OP_FENCE_I: t->fence_i++; return HV_STEP_OK;
    default: return HV_STEP_OK;
    }
}

static int p_take_trap(struct hv_cpu *cpu)
{
    struct tvm *t = tvm_of(cpu);
    t->traps++;
    t->cause = cpu->trap_cause;
    t->tval = cpu->trap_tval;
    t->epc = cpu->pc;
    cpu->pc = TRAP_VEC;
    return HV_STEP_OK;
}

static int p_poll(struct hv_cpu *cpu)
{
    struct tvm *t = tvm_of(cpu);
    t->polls++;
    cpu->exit_request = 0;
    cpu->poll_at = ~0ull;
    return t->poll_exit ? HV_STEP_EXIT : HV_STEP_OK;
}

static int p_fp_check(struct hv_cpu *cpu, bool writes)
{
    struct tvm *t = tvm_of(cpu);
    t->fp_checks++;
    if (t->fs_off)
        return hv__cpu_raise(cpu, HV_EXC_ILLEGAL, 0);
    t->fp_writes += writes;
    return HV_STEP_OK;
}

static const struct hv_cpu_policy policy = {
    .tlb_fill = p_tlb_fill, .mmio = p_mmio, .csr_read = p_csr_read,
    .csr_write = p_csr_write, .system = p_system, .take_trap = p_take_trap, .poll = p_poll,
    .fp_check = p_fp_check,
};

static void setup(void)
{
    T = calloc(1, sizeof(*T));
    T->ram = calloc(1, RAM_SIZE);
    cr_assert(T && T->ram);
    C = &T->cpu;
    C->policy = &policy;
    C->backend = T;
    T->ro_page = T->unmapped_page = ~0ull;
    hv__cpu_reset(C, RAM_BASE);
    C->poll_at = ~0ull;
    /* the trap handler exits */
    uint32_t ecall = hv__op_info[HV_OP_ECALL].match;
    memcpy(T->ram + (TRAP_VEC - RAM_BASE), &ecall, 4);
}

static void teardown(void)
{
    hv__interp_fini(C);
    free(T->ram);
    free(T);
}

TestSuite(interp, .init = setup, .fini = teardown);

/* ---- encoders (from the decoder's match values) ---------------------------------------- */

static uint32_t M(unsigned op) { return hv__op_info[op].match; }
static uint32_t R(unsigned op, unsigned rd, unsigned rs1, unsigned rs2)
{
    return M(op) | rd << 7 | rs1 << 15 | rs2 << 20;
}
static uint32_t RM(unsigned op, unsigned rd, unsigned rs1, unsigned rs2, unsigned rm)
{
    return R(op, rd, rs1, rs2) | rm << 12;
}
static uint32_t R4(unsigned op, unsigned rd, unsigned rs1, unsigned rs2, unsigned rs3,
                   unsigned rm)
{
    return RM(op, rd, rs1, rs2, rm) | rs3 << 27;
}
static uint32_t I(unsigned op, unsigned rd, unsigned rs1, int32_t imm)
{
    return M(op) | rd << 7 | rs1 << 15 | ((uint32_t)imm & 0xfff) << 20;
}
static uint32_t S(unsigned op, unsigned rs1, unsigned rs2, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return M(op) | (u & 0x1f) << 7 | rs1 << 15 | rs2 << 20 | ((u >> 5) & 0x7f) << 25;
}
static uint32_t B(unsigned op, unsigned rs1, unsigned rs2, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return M(op) | ((u >> 11) & 1) << 7 | ((u >> 1) & 0xf) << 8 | rs1 << 15 | rs2 << 20 |
           ((u >> 5) & 0x3f) << 25 | ((u >> 12) & 1) << 31;
}
static uint32_t U(unsigned op, unsigned rd, uint32_t imm) { return M(op) | rd << 7 | (imm & 0xfffff000u); }
static uint32_t J(unsigned op, unsigned rd, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return M(op) | rd << 7 | ((u >> 12) & 0xff) << 12 | ((u >> 11) & 1) << 20 |
           ((u >> 1) & 0x3ff) << 21 | ((u >> 20) & 1) << 31;
}
static uint32_t CSR(unsigned op, unsigned rd, unsigned rs1, unsigned csr)
{
    return M(op) | rd << 7 | rs1 << 15 | csr << 20;
}
#define ECALL M(HV_OP_ECALL)
#define NOP I(HV_OP_ADDI, 0, 0, 0)

/* Copy words to guest memory; like any embedder that writes code behind the engine's back,
 * tell the interpreter. */
static void put(uint64_t addr, const uint32_t *w, size_t n)
{
    memcpy(T->ram + (addr - RAM_BASE), w, n * 4);
    hv__interp_invalidate(C, 0, ~0ull);
}

static uint64_t rd64(uint64_t addr) { uint64_t v; memcpy(&v, T->ram + (addr - RAM_BASE), 8); return v; }
static uint32_t rd32(uint64_t addr) { uint32_t v; memcpy(&v, T->ram + (addr - RAM_BASE), 4); return v; }
static void wr64(uint64_t addr, uint64_t v) { memcpy(T->ram + (addr - RAM_BASE), &v, 8); }
static void wr32(uint64_t addr, uint32_t v) { memcpy(T->ram + (addr - RAM_BASE), &v, 4); }

/* Run from `pc` until an ECALL exits (budget 100000 instructions). */
static int run_at(uint64_t pc)
{
    C->pc = pc;
    return hv__interp_run(C, C->instret + 100000);
}

#define PROG(...)                                                                       \
    do {                                                                                \
        const uint32_t prog_[] = { __VA_ARGS__, ECALL };                                \
        put(RAM_BASE, prog_, sizeof(prog_) / 4);                                        \
    } while (0)

/* ---- integer ALU tables ---------------------------------------------------------------- */

struct rcase { unsigned op; uint64_t a, b, want; };

#define MIN64 0x8000000000000000ull
#define ALL ~0ull

static const struct rcase rcases[] = {
    { HV_OP_ADD, 1, 2, 3 }, { HV_OP_ADD, ALL, 1, 0 }, { HV_OP_SUB, 0, 1, ALL },
    { HV_OP_SLL, 1, 65, 2 }, { HV_OP_SRL, MIN64, 63, 1 }, { HV_OP_SRL, MIN64, 64 + 4, MIN64 >> 4 },
    { HV_OP_SRA, MIN64, 63, ALL }, { HV_OP_SRA, MIN64, 64 + 1, 0xc000000000000000ull },
    { HV_OP_SLT, ALL, 0, 1 }, { HV_OP_SLT, 0, ALL, 0 }, { HV_OP_SLTU, ALL, 0, 0 },
    { HV_OP_SLTU, 0, ALL, 1 }, { HV_OP_XOR, 0xff, 0x0f, 0xf0 }, { HV_OP_OR, 0xf0, 0x0f, 0xff },
    { HV_OP_AND, 0xff, 0x3c, 0x3c },
    { HV_OP_ADDW, 0x7fffffff, 1, 0xffffffff80000000ull }, { HV_OP_ADDW, 0x100000000ull, 0, 0 },
    { HV_OP_SUBW, 0, 1, ALL }, { HV_OP_SLLW, 1, 31, 0xffffffff80000000ull },
    { HV_OP_SLLW, 1, 33, 2 }, { HV_OP_SRLW, 0xffffffff80000000ull, 31, 1 },
    { HV_OP_SRLW, 0x80000000ull, 0, 0xffffffff80000000ull },
    { HV_OP_SRAW, 0x80000000ull, 31, ALL }, { HV_OP_SRAW, 0x80000000ull, 32 + 4, 0xfffffffff8000000ull },
    /* M */
    { HV_OP_MUL, 3, (uint64_t)-2, (uint64_t)-6 }, { HV_OP_MULH, ALL, ALL, 0 },
    { HV_OP_MULH, MIN64, MIN64, 0x4000000000000000ull }, { HV_OP_MULH, MIN64, 1, ALL },
    { HV_OP_MULHSU, ALL, ALL, ALL }, { HV_OP_MULHSU, 2, ALL, 1 },
    { HV_OP_MULHU, ALL, ALL, 0xfffffffffffffffeull },
    { HV_OP_DIV, 7, (uint64_t)-2, (uint64_t)-3 }, { HV_OP_DIV, 5, 0, ALL },
    { HV_OP_DIV, MIN64, ALL, MIN64 }, { HV_OP_DIVU, 7, 0, ALL }, { HV_OP_DIVU, ALL, 2, ALL >> 1 },
    { HV_OP_REM, (uint64_t)-7, 2, ALL }, { HV_OP_REM, 7, 0, 7 }, { HV_OP_REM, MIN64, ALL, 0 },
    { HV_OP_REMU, 7, 0, 7 }, { HV_OP_REMU, 7, 3, 1 },
    { HV_OP_MULW, 0x7fffffff, 2, 0xfffffffffffffffeull },
    { HV_OP_DIVW, 0x80000000ull, 0xffffffffull, 0xffffffff80000000ull }, { HV_OP_DIVW, 5, 0, ALL },
    { HV_OP_DIVW, 0xfffffff9ull, 2, (uint64_t)-3 },
    { HV_OP_DIVUW, 0xffffffffull, 0, ALL }, { HV_OP_DIVUW, 0xfffffffeull, 2, 0x7fffffff },
    { HV_OP_REMW, 0x80000000ull, ALL, 0 }, { HV_OP_REMW, 0xfffffff9ull, 0, 0xfffffffffffffff9ull },
    { HV_OP_REMUW, 0x80000001ull, 0, 0xffffffff80000001ull }, { HV_OP_REMUW, 9, 4, 1 },
    /* Zba */
    { HV_OP_ADD_UW, 0xffffffff00000001ull, 1, 2 }, { HV_OP_SH1ADD, 1, 1, 3 },
    { HV_OP_SH2ADD, 1, 1, 5 }, { HV_OP_SH3ADD, 1, 1, 9 }, { HV_OP_SH1ADD_UW, 0x100000001ull, 0, 2 },
    { HV_OP_SH2ADD_UW, 0xffffffff80000000ull, 0, 0x200000000ull },
    { HV_OP_SH3ADD_UW, 0x1ffffffffull, 1, 0x7fffffff9ull },
    /* Zbb */
    { HV_OP_ANDN, 0xff, 0x0f, 0xf0 }, { HV_OP_ORN, 0, ALL ^ 1, 1 }, { HV_OP_XNOR, 0xf0, 0xff, ~0x0full },
    { HV_OP_MAX, ALL, 1, 1 }, { HV_OP_MAXU, ALL, 1, ALL }, { HV_OP_MIN, ALL, 1, ALL },
    { HV_OP_MINU, ALL, 1, 1 }, { HV_OP_ROL, 0x8000000000000001ull, 1, 3 },
    { HV_OP_ROL, 0x1234, 64, 0x1234 }, { HV_OP_ROLW, 0x80000001ull, 1, 3 },
    { HV_OP_ROLW, 0x40000000ull, 33, 0xffffffff80000000ull }, { HV_OP_ROR, 1, 1, MIN64 },
    { HV_OP_ROR, 3, 65, 0x8000000000000001ull }, { HV_OP_RORW, 1, 1, 0xffffffff80000000ull },
    { HV_OP_RORW, 0x100000002ull, 1, 1 },
    /* Zbc */
    { HV_OP_CLMUL, 3, 3, 5 }, { HV_OP_CLMUL, MIN64, 2, 0 }, { HV_OP_CLMUL, ALL, ALL, 0x5555555555555555ull },
    { HV_OP_CLMULH, MIN64, 2, 1 }, { HV_OP_CLMULH, ALL, ALL, 0x5555555555555555ull },
    { HV_OP_CLMULH, 3, 3, 0 }, { HV_OP_CLMULR, MIN64, 2, 2 }, { HV_OP_CLMULR, MIN64, 1, 1 },
    { HV_OP_CLMULR, ALL, ALL, 0xaaaaaaaaaaaaaaaaull },
    /* Zbs */
    { HV_OP_BCLR, ALL, 65, ~2ull }, { HV_OP_BEXT, 4, 2, 1 }, { HV_OP_BEXT, 4, 66, 1 },
    { HV_OP_BEXT, 4, 1, 0 }, { HV_OP_BINV, 0, 63, MIN64 }, { HV_OP_BINV, MIN64, 63, 0 },
    { HV_OP_BSET, 0, 64 + 5, 32 },
    /* Zicond */
    { HV_OP_CZERO_EQZ, 5, 0, 0 }, { HV_OP_CZERO_EQZ, 5, 1ull << 63, 5 },
    { HV_OP_CZERO_NEZ, 5, 0, 5 }, { HV_OP_CZERO_NEZ, 5, 7, 0 },
};

static const struct rcase icases[] = {
    { HV_OP_ADDI, 1, (uint64_t)-1, 0 }, { HV_OP_ADDI, 0, 0x7ff, 0x7ff },
    { HV_OP_ADDI, 0, (uint64_t)-2048, (uint64_t)-2048 },
    { HV_OP_SLTI, (uint64_t)-5, (uint64_t)-4, 1 }, { HV_OP_SLTI, 3, (uint64_t)-4, 0 },
    { HV_OP_SLTIU, 1, (uint64_t)-1, 1 }, { HV_OP_SLTIU, ALL, 1, 0 },
    { HV_OP_XORI, 0, (uint64_t)-1, ALL }, { HV_OP_ORI, 0x100, 0x0ff, 0x1ff },
    { HV_OP_ANDI, ALL, 0x7f0, 0x7f0 }, { HV_OP_ANDI, ALL, (uint64_t)-16, ~0xfull },
    { HV_OP_SLLI, 1, 63, MIN64 }, { HV_OP_SRLI, ALL, 60, 0xf }, { HV_OP_SRAI, MIN64, 63, ALL },
    { HV_OP_ADDIW, 0x7fffffff, 1, 0xffffffff80000000ull }, { HV_OP_ADDIW, 0xffffffffull, 1, 0 },
    { HV_OP_SLLIW, 1, 31, 0xffffffff80000000ull }, { HV_OP_SRLIW, 0xffffffffull, 4, 0x0fffffff },
    { HV_OP_SRLIW, 0x80000000ull, 0, 0xffffffff80000000ull },
    { HV_OP_SRAIW, 0x80000000ull, 4, 0xfffffffff8000000ull },
    { HV_OP_SLLI_UW, 0xffffffff80000000ull, 4, 0x800000000ull },
    { HV_OP_RORI, 1, 1, MIN64 }, { HV_OP_RORI, 0x10, 4, 1 }, { HV_OP_RORIW, 1, 1, 0xffffffff80000000ull },
    { HV_OP_RORIW, 0xffffffff00000010ull, 4, 1 },
    { HV_OP_BCLRI, ALL, 63, ALL >> 1 }, { HV_OP_BEXTI, 1ull << 40, 40, 1 },
    { HV_OP_BINVI, 0, 0, 1 }, { HV_OP_BSETI, 0, 33, 1ull << 33 },
};

static const struct rcase ucases[] = {
    { HV_OP_CLZ, 0, 0, 64 }, { HV_OP_CLZ, 1, 0, 63 }, { HV_OP_CLZ, MIN64, 0, 0 },
    { HV_OP_CLZW, 0xffffffff00000000ull, 0, 32 }, { HV_OP_CLZW, 0xffffffff00000001ull, 0, 31 },
    { HV_OP_CTZ, 0, 0, 64 }, { HV_OP_CTZ, 8, 0, 3 }, { HV_OP_CTZW, 0x100000000ull, 0, 32 },
    { HV_OP_CTZW, 0x80000000ull, 0, 31 }, { HV_OP_CPOP, ALL, 0, 64 }, { HV_OP_CPOP, 0, 0, 0 },
    { HV_OP_CPOPW, ALL, 0, 32 }, { HV_OP_SEXT_B, 0x80, 0, ~0x7full }, { HV_OP_SEXT_B, 0x17f, 0, 0x7f },
    { HV_OP_SEXT_H, 0x8000, 0, 0xffffffffffff8000ull }, { HV_OP_ZEXT_H, ALL, 0, 0xffff },
    { HV_OP_ORC_B, 0x0100000000ff0010ull, 0, 0xff00000000ff00ffull },
    { HV_OP_REV8, 0x0102030405060708ull, 0, 0x0807060504030201ull },
};

static void check_table(const struct rcase *c, size_t n, int kind)
{
    for (size_t i = 0; i < n; i++) {
        unsigned fmt = hv__op_info[c[i].op].fmt;
        uint32_t w;
        if (kind == 0)
            w = R(c[i].op, 3, 1, 2);
        else if (kind == 2)
            w = R(c[i].op, 3, 1, 0);
        else if (fmt == HV_FMT_SHIFT || fmt == HV_FMT_SHIFTW)
            w = M(c[i].op) | 3u << 7 | 1u << 15 | (uint32_t)c[i].b << 20;
        else
            w = I(c[i].op, 3, 1, (int32_t)c[i].b);
        PROG(w);
        C->x[1] = c[i].a;
        C->x[2] = c[i].b;
        C->x[3] = 0xdeadbeef;
        cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
        cr_expect_eq(C->x[3], c[i].want, "%s(%#llx, %#llx) = %#llx, want %#llx",
                     hv__op_info[c[i].op].mnemonic, (unsigned long long)c[i].a,
                     (unsigned long long)c[i].b, (unsigned long long)C->x[3],
                     (unsigned long long)c[i].want);
        cr_expect_eq(C->pc, RAM_BASE + 4);
    }
}

Test(interp, alu_register_ops) { check_table(rcases, sizeof(rcases) / sizeof(rcases[0]), 0); }
Test(interp, alu_immediate_ops) { check_table(icases, sizeof(icases) / sizeof(icases[0]), 1); }
Test(interp, alu_unary_ops) { check_table(ucases, sizeof(ucases) / sizeof(ucases[0]), 2); }

Test(interp, lui_auipc_and_x0)
{
    PROG(U(HV_OP_LUI, 3, 0x80000000u), U(HV_OP_AUIPC, 4, 0x1000), I(HV_OP_ADDI, 0, 0, 5),
         R(HV_OP_ADD, 5, 0, 0), U(HV_OP_LUI, 0, 0x12345000));
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(C->x[3], 0xffffffff80000000ull);
    cr_expect_eq(C->x[4], RAM_BASE + 4 + 0x1000);
    cr_expect_eq(C->x[5], 0);
    cr_expect_eq(C->x[0], 0);
    cr_expect_eq(C->instret, 5);    /* the exiting ECALL does not retire */
    cr_expect_eq(C->pc, RAM_BASE + 20);
}

Test(interp, branches_and_jumps)
{
    PROG(I(HV_OP_ADDI, 1, 0, 10),           /* 0 */
         I(HV_OP_ADDI, 2, 0, 0),            /* 4 */
         R(HV_OP_ADD, 2, 2, 1),             /* 8: loop */
         I(HV_OP_ADDI, 1, 1, -1),           /* 12 */
         B(HV_OP_BNE, 1, 0, -8),            /* 16 */
         J(HV_OP_JAL, 5, 8),                /* 20 -> 28 */
         I(HV_OP_ADDI, 2, 2, 1000),         /* 24 skipped */
         U(HV_OP_AUIPC, 6, 0),              /* 28 */
         I(HV_OP_JALR, 7, 6, 13),           /* 32 -> 40 (bit 0 cleared) */
         I(HV_OP_ADDI, 2, 2, 1000));        /* 36 skipped; 40: ecall */
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(C->x[2], 55);
    cr_expect_eq(C->x[5], RAM_BASE + 24);
    cr_expect_eq(C->x[7], RAM_BASE + 36);
    cr_expect_eq(C->pc, RAM_BASE + 40);

    struct { unsigned op; uint64_t a, b; bool taken; } bc[] = {
        { HV_OP_BEQ, 5, 5, true }, { HV_OP_BEQ, 5, 6, false }, { HV_OP_BNE, 5, 6, true },
        { HV_OP_BLT, ALL, 0, true }, { HV_OP_BLT, 0, ALL, false }, { HV_OP_BGE, 0, ALL, true },
        { HV_OP_BGE, 5, 5, true }, { HV_OP_BLTU, 0, ALL, true }, { HV_OP_BLTU, ALL, 0, false },
        { HV_OP_BGEU, ALL, 0, true }, { HV_OP_BGEU, 0, 1, false },
    };
    for (size_t i = 0; i < sizeof(bc) / sizeof(bc[0]); i++) {
        PROG(B(bc[i].op, 1, 2, 8), I(HV_OP_ADDI, 3, 0, 1));
        C->x[1] = bc[i].a;
        C->x[2] = bc[i].b;
        C->x[3] = 0;
        cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
        cr_expect_eq(C->x[3], bc[i].taken ? 0 : 1, "branch case %zu", i);
    }
    /* jal/jalr with rd == rs1: the link is written after the target is computed */
    PROG(U(HV_OP_AUIPC, 1, 0), I(HV_OP_JALR, 1, 1, 12), ECALL);
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(C->pc, RAM_BASE + 12);
    cr_expect_eq(C->x[1], RAM_BASE + 8);
}

/* ---- loads and stores ------------------------------------------------------------------ */

Test(interp, loads_stores_extension)
{
    C->x[1] = DATA;
    C->x[2] = 0x8182838485868788ull;
    PROG(S(HV_OP_SD, 1, 2, 0), S(HV_OP_SW, 1, 2, 8), S(HV_OP_SH, 1, 2, 16), S(HV_OP_SB, 1, 2, 24),
         I(HV_OP_LB, 3, 1, 0), I(HV_OP_LBU, 4, 1, 0), I(HV_OP_LH, 5, 1, 0), I(HV_OP_LHU, 6, 1, 0),
         I(HV_OP_LW, 7, 1, 4), I(HV_OP_LWU, 8, 1, 4), I(HV_OP_LD, 9, 1, 0), I(HV_OP_LD, 10, 1, 8),
         I(HV_OP_LD, 11, 1, 16), I(HV_OP_LD, 12, 1, 24));
    wr64(DATA + 8, ALL);
    wr64(DATA + 16, ALL);
    wr64(DATA + 24, ALL);
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(C->x[3], 0xffffffffffffff88ull);
    cr_expect_eq(C->x[4], 0x88);
    cr_expect_eq(C->x[5], 0xffffffffffff8788ull);
    cr_expect_eq(C->x[6], 0x8788);
    cr_expect_eq(C->x[7], 0xffffffff81828384ull);
    cr_expect_eq(C->x[8], 0x81828384ull);
    cr_expect_eq(C->x[9], 0x8182838485868788ull);
    cr_expect_eq(C->x[10], 0xffffffff85868788ull);
    cr_expect_eq(C->x[11], 0xffffffffffff8788ull);
    cr_expect_eq(C->x[12], 0xffffffffffffff88ull);
}

Test(interp, misaligned_emulated)
{
    C->x[1] = DATA;
    C->x[2] = 0x1122334455667788ull;
    C->x[4] = RAM_BASE + 0x2ffd;       /* crosses into the next (mapped) page */
    PROG(S(HV_OP_SD, 1, 2, 3), I(HV_OP_LD, 3, 1, 3), I(HV_OP_LW, 5, 1, 5), I(HV_OP_LHU, 6, 1, 7),
         S(HV_OP_SD, 4, 2, 0), I(HV_OP_LD, 7, 4, 0), I(HV_OP_LH, 8, 4, 2));
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(T->traps, 0);
    cr_expect_eq(C->x[3], 0x1122334455667788ull);
    cr_expect_eq(C->x[5], 0x33445566ull);
    cr_expect_eq(C->x[6], 0x3344);
    cr_expect_eq(C->x[7], 0x1122334455667788ull);
    cr_expect_eq(C->x[8], 0x5566);
    cr_expect_eq(rd64(RAM_BASE + 0x2ffd), 0x1122334455667788ull);
}

Test(interp, misaligned_page_cross_faults_precisely)
{
    T->unmapped_page = RAM_BASE + 0x4000;
    C->x[1] = RAM_BASE + 0x3ffe;
    C->x[3] = 77;
    PROG(I(HV_OP_LW, 3, 1, 0));
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(T->traps, 1);
    cr_expect_eq(T->cause, HV_EXC_LOAD_PAGE);
    cr_expect_eq(T->tval, RAM_BASE + 0x3ffe);   /* the original address */
    cr_expect_eq(T->epc, RAM_BASE);
    cr_expect_eq(C->x[3], 77);                  /* rd untouched */
    cr_expect_eq(C->instret, 0);                /* the faulting load did not retire */

    /* a store crossing into a read-only page writes nothing */
    T->ro_page = RAM_BASE + 0x6000;
    wr64(RAM_BASE + 0x5ff8, 0);
    C->x[1] = RAM_BASE + 0x5ffe;
    C->x[2] = ALL;
    PROG(S(HV_OP_SW, 1, 2, 0));
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(T->traps, 2);
    cr_expect_eq(T->cause, HV_EXC_STORE_PAGE);
    cr_expect_eq(T->tval, RAM_BASE + 0x5ffe);
    cr_expect_eq(rd64(RAM_BASE + 0x5ff8), 0);
}

Test(interp, mmio_access_and_exit)
{
    T->mmio_reg[1] = 0xabcdef;
    C->x[1] = MMIO_BASE;
    C->x[2] = 42;
    PROG(I(HV_OP_LW, 3, 1, 8), S(HV_OP_SD, 1, 2, 16), I(HV_OP_ADDI, 4, 0, 1),
         S(HV_OP_SB, 1, 2, 0x100), I(HV_OP_ADDI, 5, 0, 1));
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(C->x[3], 0xabcdef);
    cr_expect_eq(T->mmio_reg[2], 42);
    cr_expect_eq(C->x[4], 1);
    /* the exit write does not retire: pc stays on it, the next instruction did not run */
    cr_expect_eq(C->pc, RAM_BASE + 12);
    cr_expect_eq(C->x[5], 0);
    cr_expect_eq(C->instret, 3);
    cr_expect_eq(T->exits, 0);
}

/* ---- atomics --------------------------------------------------------------------------- */

Test(interp, lr_sc_rules)
{
    C->x[1] = DATA;
    C->x[2] = 0x1234;
    C->x[8] = DATA + 8;
    wr64(DATA, 0x80000000ull);
    PROG(R(HV_OP_LR_W, 3, 1, 0),        /* reserve DATA */
         R(HV_OP_SC_W, 4, 1, 2),        /* succeeds */
         R(HV_OP_SC_W, 5, 1, 2),        /* fails: the reservation was consumed */
         R(HV_OP_LR_D, 6, 1, 0),
         R(HV_OP_SC_D, 7, 8, 2),        /* other address: fails and clears */
         R(HV_OP_SC_D, 9, 1, 2),        /* fails */
         R(HV_OP_LR_D, 10, 1, 0),
         R(HV_OP_SC_D, 11, 1, 2));      /* succeeds */
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(C->x[3], 0xffffffff80000000ull);
    cr_expect_eq(C->x[4], 0);
    cr_expect_eq(C->x[5], 1);
    cr_expect_eq(C->x[6], 0x1234);
    cr_expect_eq(C->x[7], 1);
    cr_expect_eq(C->x[9], 1);
    cr_expect_eq(C->x[11], 0);
    cr_expect_eq(rd64(DATA), 0x1234);
    cr_expect_eq(rd64(DATA + 8), 0);
    cr_expect_eq(C->reservation, HV_TLB_INVALID);

    /* SC fails when memory changed behind the reservation (another hart's store) */
    PROG(R(HV_OP_LR_D, 3, 1, 0), S(HV_OP_SD, 1, 8, 0), R(HV_OP_SC_D, 4, 1, 2));
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(C->x[4], 1);
    cr_expect_eq(rd64(DATA), DATA + 8);
}

Test(interp, atomic_alignment_and_permission_faults)
{
    struct { uint32_t w; uint64_t addr, cause; } fc[] = {
        { R(HV_OP_LR_W, 3, 1, 0), DATA + 2, HV_EXC_LOAD_MISALIGNED },
        { R(HV_OP_LR_D, 3, 1, 0), DATA + 4, HV_EXC_LOAD_MISALIGNED },
        { R(HV_OP_SC_W, 3, 1, 2), DATA + 1, HV_EXC_STORE_MISALIGNED },
        { R(HV_OP_AMOADD_W, 3, 1, 2), DATA + 2, HV_EXC_STORE_MISALIGNED },
        { R(HV_OP_AMOSWAP_D, 3, 1, 2), DATA + 4, HV_EXC_STORE_MISALIGNED },
        { R(HV_OP_AMOOR_W, 3, 1, 2), RAM_BASE + 0x6000, HV_EXC_STORE_PAGE },   /* read-only */
        { R(HV_OP_AMOMAX_D, 3, 1, 2), RAM_BASE + 0x7000, HV_EXC_STORE_PAGE },  /* unmapped */
        { R(HV_OP_LR_D, 3, 1, 0), RAM_BASE + 0x7000, HV_EXC_LOAD_PAGE },
    };
    T->ro_page = RAM_BASE + 0x6000;
    T->unmapped_page = RAM_BASE + 0x7000;
    for (size_t i = 0; i < sizeof(fc) / sizeof(fc[0]); i++) {
        PROG(fc[i].w);
        C->x[1] = fc[i].addr;
        C->x[3] = 99;
        unsigned traps = T->traps;
        cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
        cr_expect_eq(T->traps, traps + 1, "case %zu", i);
        cr_expect_eq(T->cause, fc[i].cause, "case %zu cause %llu", i, (unsigned long long)T->cause);
        cr_expect_eq(T->tval, fc[i].addr, "case %zu", i);
        cr_expect_eq(C->x[3], 99, "case %zu", i);
    }
    /* the SC with a valid reservation on a read-only page faults as a store */
    C->x[1] = RAM_BASE + 0x6000;
    PROG(R(HV_OP_LR_W, 3, 1, 0), R(HV_OP_SC_W, 4, 1, 2));
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(T->cause, HV_EXC_STORE_PAGE);
}

Test(interp, every_amo)
{
    struct { unsigned op; unsigned size; uint64_t mem, src, rd, after; } ac[] = {
        { HV_OP_AMOSWAP_W, 4, 0x80000000ull, 5, 0xffffffff80000000ull, 5 },
        { HV_OP_AMOADD_W, 4, 0xffffffffull, 1, ALL, 0 },
        { HV_OP_AMOXOR_W, 4, 0xf0f0, 0xff, 0xf0f0, 0xf00f },
        { HV_OP_AMOAND_W, 4, 0xf0f0, 0xff, 0xf0f0, 0xf0 },
        { HV_OP_AMOOR_W, 4, 0xf000, 0xf, 0xf000, 0xf00f },
        { HV_OP_AMOMIN_W, 4, 0x80000000ull, 0xffffffff00000001ull, 0xffffffff80000000ull, 0x80000000ull },
        { HV_OP_AMOMAX_W, 4, 0x80000000ull, 1, 0xffffffff80000000ull, 1 },
        { HV_OP_AMOMINU_W, 4, 0x80000000ull, 1, 0xffffffff80000000ull, 1 },
        { HV_OP_AMOMAXU_W, 4, 0x80000000ull, 1, 0xffffffff80000000ull, 0x80000000ull },
        { HV_OP_AMOMAXU_W, 4, 1, 0x00000000ffffffffull, 1, 0xffffffffull },
        { HV_OP_AMOSWAP_D, 8, MIN64, 5, MIN64, 5 },
        { HV_OP_AMOADD_D, 8, ALL, 2, ALL, 1 },
        { HV_OP_AMOXOR_D, 8, ALL, 1, ALL, ALL - 1 },
        { HV_OP_AMOAND_D, 8, 0xff00ff00ff00ff00ull, 0x0ff00ff00ff00ff0ull, 0xff00ff00ff00ff00ull, 0x0f000f000f000f00ull },
        { HV_OP_AMOOR_D, 8, MIN64, 1, MIN64, MIN64 | 1 },
        { HV_OP_AMOMIN_D, 8, MIN64, 1, MIN64, MIN64 },
        { HV_OP_AMOMAX_D, 8, MIN64, 1, MIN64, 1 },
        { HV_OP_AMOMINU_D, 8, MIN64, 1, MIN64, 1 },
        { HV_OP_AMOMAXU_D, 8, MIN64, 1, MIN64, MIN64 },
    };
    for (size_t i = 0; i < sizeof(ac) / sizeof(ac[0]); i++) {
        wr64(DATA, 0x5a5a5a5a5a5a5a5aull);
        if (ac[i].size == 4)
            wr32(DATA, (uint32_t)ac[i].mem);
        else
            wr64(DATA, ac[i].mem);
        PROG(R(ac[i].op, 3, 1, 2));
        C->x[1] = DATA;
        C->x[2] = ac[i].src;
        cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
        const char *m = hv__op_info[ac[i].op].mnemonic;
        cr_expect_eq(C->x[3], ac[i].rd, "%s rd %#llx", m, (unsigned long long)C->x[3]);
        if (ac[i].size == 4) {
            cr_expect_eq(rd32(DATA), (uint32_t)ac[i].after, "%s mem %#x", m, rd32(DATA));
            cr_expect_eq(rd32(DATA + 4), 0x5a5a5a5au, "%s touched the next word", m);
        } else {
            cr_expect_eq(rd64(DATA), ac[i].after, "%s mem", m);
        }
    }
    /* rd = rs2 = rs1 aliasing: the source and address are read before rd is written */
    wr64(DATA, 7);
    C->x[1] = DATA;
    PROG(R(HV_OP_AMOADD_D, 1, 1, 1));
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(C->x[1], 7);
    cr_expect_eq(rd64(DATA), 7 + DATA);
}

/* ---- budgets, polling ------------------------------------------------------------------ */

/* 0: addi x1,x0,0; 4: addi x1,x1,1; 8: addi x2,x2,3; 12: jal x0,-8 (loop forever) */
static void check_loop_state(uint64_t n)
{
    uint64_t k = n ? (n - 1) / 3 : 0, r = n ? (n - 1) % 3 : 0;
    cr_assert_eq(C->instret, n);
    if (n == 0)
        return;
    cr_expect_eq(C->x[1], k + (r >= 1), "after %llu", (unsigned long long)n);
    cr_expect_eq(C->x[2], 3 * (k + (r >= 2)), "after %llu", (unsigned long long)n);
    static const uint64_t pcs[3] = { 4, 8, 12 };
    cr_expect_eq(C->pc, RAM_BASE + pcs[r], "after %llu", (unsigned long long)n);
}

Test(interp, exact_budgets)
{
    const uint32_t loop[] = { I(HV_OP_ADDI, 1, 0, 0), I(HV_OP_ADDI, 1, 1, 1),
                              I(HV_OP_ADDI, 2, 2, 3), J(HV_OP_JAL, 0, -8) };
    put(RAM_BASE, loop, 4);
    C->pc = RAM_BASE;
    const uint64_t stops[] = { 0, 1, 2, 3, 4, 5, 7, 64, 65, 66, 129, 1000, 1001, 4096, 100003 };
    for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
        cr_assert_eq(hv__interp_run(C, stops[i]), HV_STEP_OK);
        check_loop_state(stops[i]);
    }
    /* single steps */
    for (uint64_t n = C->instret + 1; n < 100020; n++) {
        cr_assert_eq(hv__interp_run(C, n), HV_STEP_OK);
        check_loop_state(n);
    }
}

Test(interp, poll_hook)
{
    const uint32_t loop[] = { I(HV_OP_ADDI, 1, 0, 0), I(HV_OP_ADDI, 1, 1, 1),
                              I(HV_OP_ADDI, 2, 2, 3), J(HV_OP_JAL, 0, -8) };
    put(RAM_BASE, loop, 4);
    C->pc = RAM_BASE;
    C->poll_at = 50;
    cr_assert_eq(hv__interp_run(C, 200), HV_STEP_OK);
    cr_expect_eq(T->polls, 1);
    check_loop_state(200);
    /* exit_request forces a poll before anything runs; an EXIT from poll stops */
    T->poll_exit = true;
    C->exit_request = 1;
    cr_assert_eq(hv__interp_run(C, 1000), HV_STEP_EXIT);
    cr_expect_eq(T->polls, 2);
    check_loop_state(200);
}

/* ---- self-modifying code --------------------------------------------------------------- */

Test(interp, self_modifying_code_with_fence_i)
{
    C->x[5] = I(HV_OP_ADDI, 3, 0, 2);
    C->x[6] = RAM_BASE;
    C->x[12] = 2;
    PROG(I(HV_OP_ADDI, 3, 0, 1),        /* 0: rewritten to addi x3,x0,2 */
         I(HV_OP_ADDI, 10, 10, 1),      /* 4 */
         B(HV_OP_BEQ, 10, 12, 20),      /* 8: second pass -> 28 */
         S(HV_OP_SW, 6, 5, 0),          /* 12 */
         M(HV_OP_FENCE_I),              /* 16 */
         R(HV_OP_ADD, 4, 3, 0),         /* 20 */
         J(HV_OP_JAL, 0, -24));         /* 24 -> 0; 28: ecall */
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(C->x[4], 1);
    cr_expect_eq(C->x[3], 2);
    cr_expect_eq(T->fence_i, 1);
    cr_expect_eq(T->traps, 0);
}

Test(interp, store_into_cached_code_is_seen)
{
    /* without FENCE.I: the store slow path drops the page's blocks */
    C->x[5] = I(HV_OP_ADDI, 3, 0, 2);
    C->x[6] = RAM_BASE;
    C->x[12] = 2;
    PROG(I(HV_OP_ADDI, 3, 0, 1), I(HV_OP_ADDI, 10, 10, 1), B(HV_OP_BEQ, 10, 12, 20),
         S(HV_OP_SW, 6, 5, 0), NOP, R(HV_OP_ADD, 4, 3, 0), J(HV_OP_JAL, 0, -24));
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(C->x[4], 1);
    cr_expect_eq(C->x[3], 2);

    /* a store into the running block itself: the rest of the block is re-decoded */
    C->x[3] = 0;
    PROG(S(HV_OP_SW, 6, 5, 8), NOP, I(HV_OP_ADDI, 3, 0, 1));
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(C->x[3], 2);

    /* the same through an AMO */
    C->x[3] = 0;
    C->x[6] = RAM_BASE + 8;
    PROG(R(HV_OP_AMOSWAP_W, 0, 6, 5), NOP, I(HV_OP_ADDI, 3, 0, 1));
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(C->x[3], 2);

    /* and a misaligned store whose bytes land in code */
    C->x[3] = 0;
    C->x[6] = RAM_BASE + 7;
    C->x[5] = (uint64_t)I(HV_OP_ADDI, 3, 0, 9) << 8;
    PROG(S(HV_OP_SD, 6, 5, 0), NOP, I(HV_OP_ADDI, 3, 0, 1));
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(C->x[3], 9);

    /* a halfword store at an odd address: the address's bit 0 equals HV_TLB_CODE in the
     * WRITE tag, so a fast path that compared tag and alignment at once would hit */
    C->x[3] = 0;
    C->x[6] = RAM_BASE + 9;
    C->x[5] = (I(HV_OP_ADDI, 3, 0, 9) >> 8) & 0xffff;
    PROG(S(HV_OP_SH, 6, 5, 0), NOP, I(HV_OP_ADDI, 3, 0, 1));
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(C->x[3], 9);
}

/* ---- traps, illegal instructions, RVC, fetch ------------------------------------------- */

Test(interp, illegal_and_ebreak)
{
    PROG(I(HV_OP_ADDI, 3, 0, 1), 0xffffffffu);
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(T->cause, HV_EXC_ILLEGAL);
    cr_expect_eq(T->tval, 0xffffffffu);
    cr_expect_eq(T->epc, RAM_BASE + 4);
    cr_expect_eq(C->instret, 1);

    /* RVC: c.li x3, 5 then the all-zero parcel (illegal; tval = the 16-bit parcel) */
    const uint32_t w[] = { 0x00004195u, ECALL };
    put(RAM_BASE, w, 2);
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(C->x[3], 5);
    cr_expect_eq(T->cause, HV_EXC_ILLEGAL);
    cr_expect_eq(T->tval, 0);
    cr_expect_eq(T->epc, RAM_BASE + 2);

    PROG(M(HV_OP_EBREAK));
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(T->cause, HV_EXC_BREAKPOINT);
    cr_expect_eq(T->epc, RAM_BASE);
}

Test(interp, straddling_instruction_and_fetch_fault)
{
    /* c.nop at 0xffc, a 32-bit addi straddling 0xffe..0x1001, then ecall at 0x1002 */
    uint8_t *p = T->ram + 0xffc;
    uint16_t cnop = 0x0001;
    uint32_t addi = I(HV_OP_ADDI, 3, 0, 33), ecall = ECALL;
    memcpy(p, &cnop, 2);
    memcpy(p + 2, &addi, 4);
    memcpy(p + 6, &ecall, 4);
    hv__interp_invalidate(C, 0, ~0ull);
    cr_assert_eq(run_at(RAM_BASE + 0xffc), HV_STEP_EXIT);
    cr_expect_eq(C->x[3], 33);
    cr_expect_eq(C->pc, RAM_BASE + 0x1002);
    cr_expect_eq(T->traps, 0);

    /* the second half lies on an unmapped page: fetch fault reports that parcel */
    T->unmapped_page = RAM_BASE + 0x4000;
    memcpy(T->ram + 0x3ffe, &addi, 2);
    cr_assert_eq(run_at(RAM_BASE + 0x3ffe), HV_STEP_EXIT);
    cr_expect_eq(T->cause, HV_EXC_INSN_PAGE);
    cr_expect_eq(T->tval, RAM_BASE + 0x4000);
    cr_expect_eq(T->epc, RAM_BASE + 0x3ffe);

    /* jumping into an unmapped page */
    cr_assert_eq(run_at(RAM_BASE + 0x4010), HV_STEP_EXIT);
    cr_expect_eq(T->cause, HV_EXC_INSN_PAGE);
    cr_expect_eq(T->tval, RAM_BASE + 0x4010);
}

/* ---- CSR rules ------------------------------------------------------------------------- */

Test(interp, csr_read_write_rules)
{
    C->x[1] = 0x100;
    PROG(CSR(HV_OP_CSRRW, 0, 1, CSR_MSCRATCH));         /* rd = x0: no read */
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(T->csr_reads, 0);
    cr_expect_eq(T->csr_writes, 1);
    cr_expect_eq(T->scratch, 0x100);

    PROG(CSR(HV_OP_CSRRS, 3, 0, CSR_MSCRATCH),          /* rs1 = x0: no write */
         CSR(HV_OP_CSRRSI, 4, 0, CSR_MSCRATCH),         /* zimm = 0: no write */
         CSR(HV_OP_CSRRC, 5, 0, CSR_MSCRATCH));
    T->csr_reads = T->csr_writes = 0;
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(T->csr_reads, 3);
    cr_expect_eq(T->csr_writes, 0);
    cr_expect_eq(C->x[3], 0x100);
    cr_expect_eq(C->x[4], 0x100);
    cr_expect_eq(C->x[5], 0x100);

    C->x[2] = 0xf0;
    C->x[7] = 0x10f;
    PROG(CSR(HV_OP_CSRRS, 3, 2, CSR_MSCRATCH),          /* 0x100 -> 0x1f0 */
         CSR(HV_OP_CSRRC, 4, 7, CSR_MSCRATCH),          /* 0x1f0 -> 0xf0 */
         CSR(HV_OP_CSRRWI, 5, 5, CSR_MSCRATCH),         /* -> 5 */
         CSR(HV_OP_CSRRCI, 6, 1, CSR_MSCRATCH),         /* -> 4 */
         CSR(HV_OP_CSRRSI, 8, 8, CSR_MSCRATCH),         /* -> 12 */
         CSR(HV_OP_CSRRW, 9, 9, CSR_MSCRATCH));         /* rd == rs1: old value into x9 */
    C->x[9] = 0x77;
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(C->x[3], 0x100);
    cr_expect_eq(C->x[4], 0x1f0);
    cr_expect_eq(C->x[5], 0xf0);
    cr_expect_eq(C->x[6], 5);
    cr_expect_eq(C->x[8], 4);
    cr_expect_eq(C->x[9], 12);
    cr_expect_eq(T->scratch, 0x77);

    /* A CSR write tells the policy which bits the instruction modifies (mip.SEIP needs it). */
    static const uint64_t wmasks[6] = { 0xf0, 0x10f, ~0ull, 1, 8, ~0ull };
    cr_expect_eq(T->csr_writes, 6);
    for (unsigned i = 0; i < 6; i++)
        cr_expect_eq(T->csr_wmasks[i], wmasks[i], "write %u: mask %#lx", i,
                     (unsigned long)T->csr_wmasks[i]);

    /* a read-only CSR may be read with csrrs x0 but not written; rd stays on a trap */
    C->x[11] = 0x55;
    PROG(CSR(HV_OP_CSRRS, 10, 0, CSR_CYCLE), CSR(HV_OP_CSRRW, 11, 1, CSR_CYCLE));
    unsigned traps = T->traps;
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(T->traps, traps + 1);
    cr_expect_eq(T->cause, HV_EXC_ILLEGAL);
    cr_expect_eq(T->epc, RAM_BASE + 4);
    cr_expect_eq(C->x[11], 0x55);
}

/* ---- floating point through the interpreter -------------------------------------------- */

Test(interp, fp_boxing_moves_and_loads)
{
    C->x[1] = DATA;
    wr32(DATA, 0x3f800000u);            /* 1.0f */
    wr64(DATA + 8, 0x4000000000000000ull);
    C->f[4] = 0x0000000080000000ull;    /* not NaN-boxed */
    C->f[5] = 0x000000003f800000ull;    /* not NaN-boxed: reads as canonical NaN */
    C->f[7] = hv__f32_box(0xc0000000u); /* -2.0f */
    C->x[9] = 0x12345678;
    PROG(I(HV_OP_FLW, 1, 1, 0),
         RM(HV_OP_FADD_S, 2, 1, 1, 0),
         R(HV_OP_FMV_X_W, 3, 4, 0),
         RM(HV_OP_FADD_S, 6, 5, 1, 0),
         R(HV_OP_FSGNJ_S, 8, 1, 7),
         R(HV_OP_FMV_W_X, 10, 9, 0),
         S(HV_OP_FSW, 1, 4, 16),        /* raw low bits, no canonicalization */
         I(HV_OP_FLD, 11, 1, 8),
         S(HV_OP_FSD, 1, 5, 24),
         R(HV_OP_FMV_X_D, 12, 11, 0),
         R(HV_OP_FCLASS_S, 13, 5, 0),
         RM(HV_OP_FCVT_D_S, 14, 1, 0, 0),
         R4(HV_OP_FMADD_D, 15, 14, 11, 11, 0),      /* 1*2+2 */
         R4(HV_OP_FNMSUB_S, 16, 1, 1, 1, 0));       /* -(1*1)+1 = +0 */
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(T->traps, 0);
    cr_expect_eq(C->f[1], 0xffffffff3f800000ull);
    cr_expect_eq(C->f[2], 0xffffffff40000000ull);
    cr_expect_eq(C->x[3], 0xffffffff80000000ull);
    cr_expect_eq(C->f[6], 0xffffffff7fc00000ull);
    cr_expect_eq(C->f[8], 0xffffffffbf800000ull);
    cr_expect_eq(C->f[10], 0xffffffff12345678ull);
    cr_expect_eq(rd32(DATA + 16), 0x80000000u);
    cr_expect_eq(rd64(DATA + 24), 0x000000003f800000ull);
    cr_expect_eq(C->x[12], 0x4000000000000000ull);
    cr_expect_eq(C->x[13], 1u << 9);
    cr_expect_eq(C->f[14], 0x3ff0000000000000ull);
    cr_expect_eq(C->f[15], 0x4010000000000000ull);
    cr_expect_eq(C->f[16], 0xffffffff00000000ull);
    cr_expect_eq(C->fflags, 0);
    cr_expect_gt(T->fp_writes, 0);
}

Test(interp, fp_rounding_mode_and_flags)
{
    C->f[1] = hv__f32_box(0x40200000u);     /* 2.5f */
    C->f[2] = hv__f32_box(0);
    C->f[3] = hv__f32_box(0x3f800000u);
    PROG(RM(HV_OP_FCVT_W_S, 3, 1, 0, 0),               /* RNE: 2 */
         RM(HV_OP_FCVT_W_S, 4, 1, 0, 4),               /* RMM: 3 */
         CSR(HV_OP_CSRRWI, 0, 3, CSR_FRM),             /* frm = RUP */
         RM(HV_OP_FCVT_W_S, 5, 1, 0, 7),               /* dynamic: 3 */
         RM(HV_OP_FDIV_S, 6, 3, 2, 0),                 /* 1/0: DZ */
         CSR(HV_OP_CSRRS, 7, 0, CSR_FFLAGS),
         RM(HV_OP_FDIV_S, 6, 3, 1, 0),                 /* 1/2.5: NX */
         CSR(HV_OP_CSRRS, 8, 0, CSR_FCSR),
         R(HV_OP_FEQ_S, 9, 1, 1),
         R(HV_OP_FLT_S, 10, 3, 1));
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(T->traps, 0);
    cr_expect_eq(C->x[3], 2);
    cr_expect_eq(C->x[4], 3);
    cr_expect_eq(C->x[5], 3);
    cr_expect_eq(C->x[7], HV_FF_DZ | HV_FF_NX);     /* NX from the inexact conversions */
    cr_expect_eq(C->x[8], (3u << 5) | HV_FF_DZ | HV_FF_NX);
    cr_expect_eq(C->x[9], 1);
    cr_expect_eq(C->x[10], 1);

    /* rm = 5 and 6 are reserved; dynamic with frm = 5..7 is illegal */
    uint32_t bad = RM(HV_OP_FADD_S, 6, 3, 3, 5);
    PROG(bad);
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(T->cause, HV_EXC_ILLEGAL);
    cr_expect_eq(T->tval, bad);
    PROG(RM(HV_OP_FSQRT_D, 6, 3, 0, 6));
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(T->cause, HV_EXC_ILLEGAL);
    C->frm = 5;
    C->f[6] = 0;
    PROG(RM(HV_OP_FADD_D, 6, 3, 3, 7));
    unsigned traps = T->traps;
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(T->traps, traps + 1);
    cr_expect_eq(C->f[6], 0);
}

Test(interp, fp_disabled_is_illegal)
{
    T->fs_off = true;
    C->x[1] = DATA;
    C->f[1] = 0x1234;
    PROG(I(HV_OP_FLD, 1, 1, 0));
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(T->cause, HV_EXC_ILLEGAL);
    cr_expect_eq(T->epc, RAM_BASE);
    cr_expect_eq(C->f[1], 0x1234);
    PROG(R(HV_OP_FMV_X_D, 3, 1, 0));
    C->x[3] = 5;
    cr_assert_eq(run_at(RAM_BASE), HV_STEP_EXIT);
    cr_expect_eq(T->cause, HV_EXC_ILLEGAL);
    cr_expect_eq(C->x[3], 5);
    cr_expect_eq(T->traps, 2);
}

/* cpu.h's watch matching: kinds, privileges, byte overlap of the access, wrap-around. */
Test(interp, watch_match)
{
    struct hv_cpu_watch w[2] = {
        { .lo = 0x1000, .hi = 0x1007, .kinds = HV_WATCH_LOAD, .privs = 1u << HV_PRIV_S },
        { .lo = 0x2000, .hi = ~0ull, .kinds = HV_WATCH_STORE | HV_WATCH_EXEC,
          .privs = (1u << HV_PRIV_U) | (1u << HV_PRIV_M) },
    };
    cr_expect_eq(hv__cpu_watch_match(w, 2, HV_WATCH_LOAD, HV_PRIV_S, 0x1000, 1), 0);
    cr_expect_eq(hv__cpu_watch_match(w, 2, HV_WATCH_LOAD, HV_PRIV_S, 0xff9, 8), 0);
    cr_expect_eq(hv__cpu_watch_match(w, 2, HV_WATCH_LOAD, HV_PRIV_S, 0xff8, 8), -1);
    cr_expect_eq(hv__cpu_watch_match(w, 2, HV_WATCH_LOAD, HV_PRIV_S, 0x1008, 4), -1);
    cr_expect_eq(hv__cpu_watch_match(w, 2, HV_WATCH_LOAD, HV_PRIV_U, 0x1000, 1), -1);
    cr_expect_eq(hv__cpu_watch_match(w, 2, HV_WATCH_STORE, HV_PRIV_S, 0x1000, 1), -1);
    cr_expect_eq(hv__cpu_watch_match(w, 2, HV_WATCH_STORE, HV_PRIV_M, 0x1ffc, 8), 1);
    cr_expect_eq(hv__cpu_watch_match(w, 2, HV_WATCH_EXEC, HV_PRIV_U, ~0ull, 1), 1);
    /* an access that wraps past 2^64 covers both ends */
    cr_expect_eq(hv__cpu_watch_match(w, 1, HV_WATCH_LOAD, HV_PRIV_S, ~0ull - 3, 8), -1);
    w[0].lo = 0;
    w[0].hi = 1;
    cr_expect_eq(hv__cpu_watch_match(w, 1, HV_WATCH_LOAD, HV_PRIV_S, ~0ull - 3, 8), 0);
    cr_expect_eq(hv__cpu_watch_match(w, 0, HV_WATCH_LOAD, HV_PRIV_S, 0, 8), -1);
}
