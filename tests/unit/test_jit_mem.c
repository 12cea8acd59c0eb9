/* SPDX-License-Identifier: MIT */
/* Unit tests for the translator's memory accesses (cpu/jit/tr_mem.c), aimed at same-page
 * groups (one soft-TLB probe for several accesses through one base register): small
 * programs that run a group once with every access in one page (the soft-TLB warm), then
 * again straddling a page boundary into a code page or off the end of RAM, or with a slow
 * path (MMIO) between two members. Each runs on the translator and on the interpreter;
 * registers, trap CSRs and memory must agree, and the expected values are checked too. */
#include <criterion/criterion.h>
#include <string.h>
#include "hv/hv.h"

#define RAM 0x80000000ull
#define MEMSZ (1ull << 20)
#define CODE (RAM + 0x1000)

static uint32_t enc_i(unsigned op, unsigned f3, unsigned rd, unsigned rs1, int32_t imm)
{
    return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}

static uint32_t enc_s(unsigned f3, unsigned rs1, unsigned rs2, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return ((u >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 0x1f) << 7 | 0x23;
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

#define ADDI(rd, rs, imm) enc_i(0x13, 0, rd, rs, imm)
#define LD(rd, rs, imm) enc_i(0x03, 3, rd, rs, imm)
#define LBU(rd, rs, imm) enc_i(0x03, 4, rd, rs, imm)
#define SD(rs2, rs1, imm) enc_s(3, rs1, rs2, imm)
#define ADD(rd, a, b) ((uint32_t)(b) << 20 | (uint32_t)(a) << 15 | (uint32_t)(rd) << 7 | 0x33)
#define AUIPC(rd, imm20) ((uint32_t)(imm20) << 12 | (uint32_t)(rd) << 7 | 0x17)
#define LUI(rd, imm20) ((uint32_t)(imm20) << 12 | (uint32_t)(rd) << 7 | 0x37)
#define BNE(a, b, off) enc_b(1, a, b, off)
#define JAL(rd, off) enc_j(rd, off)
#define RET 0x00008067u
enum { RA = 1, T0 = 5, T1 = 6, T2 = 7, S0 = 8, A0 = 10, A1 = 11, A2 = 12, T3 = 28 };

struct state {
    uint64_t x[32], pc, mcause, mepc, mtval;
    uint8_t mem[0x2000];        /* RAM .. RAM + 0x2000: data page and code page */
    uint8_t top[0x100];         /* the last 256 bytes of RAM */
};

/* Run prog (at CODE, entry CODE + entry) for `budget` instructions on one engine. */
static void run(enum hv_engine engine, const uint32_t *prog, unsigned nwords, unsigned entry,
                const uint64_t *regs, uint64_t budget, struct state *out)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.mem_size = MEMSZ;
    cfg.bios = "none";
    cfg.serial.type = HV_CHARDEV_NULL;
    cfg.engine = engine;
    cfg.deterministic = 1;
    hv_vm *vm;
    hv_vcpu *cpu;
    char err[256];
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), 0, "%s", err);
    cr_assert_eq(hv_vcpu_create(vm, 0, &cpu), 0);
    uint8_t fill[0x100];
    for (unsigned i = 0; i < sizeof fill; i++)
        fill[i] = (uint8_t)(0x11 * i + 3);
    cr_assert_eq(hv_vm_mem_write(vm, RAM + MEMSZ - sizeof fill, fill, sizeof fill), 0);
    cr_assert_eq(hv_vm_mem_write(vm, CODE, prog, 4 * nwords), 0);
    for (unsigned r = 1; r < 32; r++)
        hv_vcpu_set_reg(cpu, HV_REG_X(r), regs[r]);
    hv_vcpu_set_reg(cpu, HV_REG_PC, CODE + entry);
    hv_vcpu_set_reg(cpu, HV_REG_CSR(0x305), CODE + 0x100);     /* mtvec: j . */
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(cpu, budget, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
    for (unsigned r = 0; r < 32; r++)
        hv_vcpu_get_reg(cpu, HV_REG_X(r), &out->x[r]);
    hv_vcpu_get_reg(cpu, HV_REG_PC, &out->pc);
    hv_vcpu_get_reg(cpu, HV_REG_CSR(0x342), &out->mcause);
    hv_vcpu_get_reg(cpu, HV_REG_CSR(0x341), &out->mepc);
    hv_vcpu_get_reg(cpu, HV_REG_CSR(0x343), &out->mtval);
    cr_assert_eq(hv_vm_mem_read(vm, RAM, out->mem, sizeof out->mem), 0);
    cr_assert_eq(hv_vm_mem_read(vm, RAM + MEMSZ - sizeof out->top, out->top, sizeof out->top),
                 0);
    hv_vm_destroy(vm);
}

/* Both engines; the translator's result in *jit. */
static void both(const uint32_t *prog, unsigned nwords, unsigned entry, const uint64_t *regs,
                 uint64_t budget, struct state *jit)
{
    static uint32_t image[0x44];
    cr_assert(nwords <= 0x40);
    memset(image, 0, sizeof image);
    memcpy(image, prog, 4 * nwords);
    image[0x40] = JAL(0, 0);                                    /* CODE + 0x100: j . */
    static struct state ref;
    run(HV_ENGINE_INTERP, image, 0x41, entry, regs, budget, &ref);
    run(HV_ENGINE_JIT, image, 0x41, entry, regs, budget, jit);
    for (unsigned r = 0; r < 32; r++)
        cr_assert_eq(jit->x[r], ref.x[r], "x%u: jit %#llx, interp %#llx", r,
                     (unsigned long long)jit->x[r], (unsigned long long)ref.x[r]);
    cr_assert_eq(jit->pc, ref.pc);
    cr_assert_eq(jit->mcause, ref.mcause);
    cr_assert_eq(jit->mepc, ref.mepc);
    cr_assert_eq(jit->mtval, ref.mtval);
    cr_assert(!memcmp(jit->mem, ref.mem, sizeof ref.mem), "memory differs");
    cr_assert(!memcmp(jit->top, ref.top, sizeof ref.top), "end of RAM differs");
}

/* A store group in a data page, then straddling into the next page, which holds translated
 * code: the second member must take the code-page slow path (the function it overwrites
 * runs the new code afterwards). */
Test(jit_mem, store_group_into_code_page)
{
    const uint32_t addi100 = ADDI(S0, S0, 100);
    const uint32_t prog[] = {
        ADDI(S0, S0, 1),        /* 0x00 f: s0 += 1 */
        RET,                    /* 0x04 */
        JAL(RA, -8),            /* 0x08 entry: call f */
        AUIPC(A0, 0),           /* 0x0c a0 = CODE + 0xc */
        ADDI(A0, A0, -0x10c),   /* 0x10 a0 = RAM + 0xf00 (data page) */
        ADDI(A1, 0, 2),         /* 0x14 */
        SD(T0, A0, 0),          /* 0x18 loop: owner */
        SD(T1, A0, 8),          /* 0x1c member: RAM + 0x1000 on the second pass */
        ADDI(A0, A0, 0xf8),     /* 0x20 */
        ADDI(A1, A1, -1),       /* 0x24 */
        BNE(A1, 0, -0x10),      /* 0x28 */
        JAL(RA, -0x2c),         /* 0x2c call f: now s0 += 100 */
        JAL(0, 0),              /* 0x30 j . */
    };
    uint64_t regs[32] = { 0 };
    regs[T0] = 0x1122334455667788ull;
    regs[T1] = (uint64_t)RET << 32 | addi100;
    static struct state s;
    both(prog, sizeof prog / sizeof prog[0], 0x08, regs, 200, &s);
    cr_assert_eq(s.x[S0], 101, "s0 = %llu: the store into cached code was missed",
                 (unsigned long long)s.x[S0]);
    uint64_t v;
    memcpy(&v, s.mem + 0xff8, 8);
    cr_assert_eq(v, regs[T0]);
}

/* A load group near the end of RAM, then straddling it: the second member faults (load
 * access fault at the end of RAM) after the first has loaded. */
Test(jit_mem, load_group_off_the_end_of_ram)
{
    const uint32_t prog[] = {
        AUIPC(A0, 0xff),        /* 0x00 a0 = CODE + 0xff000 = end of RAM */
        ADDI(A0, A0, -64),      /* 0x04 */
        ADDI(A1, 0, 2),         /* 0x08 */
        LD(T0, A0, 0),          /* 0x0c loop: owner */
        LD(T1, A0, 8),          /* 0x10 member: the end of RAM on the second pass */
        ADD(T2, T2, T0),        /* 0x14 */
        ADD(T2, T2, T1),        /* 0x18 */
        ADDI(A0, A0, 56),       /* 0x1c */
        ADDI(A1, A1, -1),       /* 0x20 */
        BNE(A1, 0, -0x18),      /* 0x24 */
        JAL(0, 0),              /* 0x28 j . */
    };
    uint64_t regs[32] = { 0 };
    static struct state s;
    both(prog, sizeof prog / sizeof prog[0], 0, regs, 200, &s);
    cr_assert_eq(s.mcause, 5, "mcause %llu", (unsigned long long)s.mcause);
    cr_assert_eq(s.mtval, RAM + MEMSZ);
    cr_assert_eq(s.mepc, CODE + 0x10);
    uint64_t last;
    memcpy(&last, s.top + sizeof s.top - 8, 8);
    cr_assert_eq(s.x[T0], last, "the owner's load happened before the fault");
}

/* A slow path (an MMIO load) between two members of a store group, every pass: the
 * member after it must not trust the group register. */
Test(jit_mem, slow_path_between_members)
{
    const uint32_t prog[] = {
        AUIPC(A0, 0),           /* 0x00 */
        ADDI(A0, A0, -0x100),   /* 0x04 a0 = RAM + 0xf00 */
        LUI(A2, 0x10000),       /* 0x08 a2 = the UART */
        ADDI(A1, 0, 3),         /* 0x0c */
        SD(T0, A0, 0),          /* 0x10 loop: owner */
        LBU(T3, A2, 5),         /* 0x14 MMIO: a helper call */
        SD(T1, A0, 8),          /* 0x18 member */
        ADDI(T0, T0, 1),        /* 0x1c */
        ADDI(A1, A1, -1),       /* 0x20 */
        BNE(A1, 0, -0x14),      /* 0x24 */
        JAL(0, 0),              /* 0x28 j . */
    };
    uint64_t regs[32] = { 0 };
    regs[T0] = 7;
    regs[T1] = 0x5555aaaa5555aaaaull;
    static struct state s;
    both(prog, sizeof prog / sizeof prog[0], 0, regs, 200, &s);
    uint64_t a, b;
    memcpy(&a, s.mem + 0xf00, 8);
    memcpy(&b, s.mem + 0xf08, 8);
    cr_assert_eq(a, 9);
    cr_assert_eq(b, regs[T1]);
}

/* A loop stream (one access per iteration through a base the loop advances) walking off
 * the end of RAM: the first byte past it faults, every byte before it was loaded. */
Test(jit_mem, load_stream_off_the_end_of_ram)
{
    const uint32_t prog[] = {
        AUIPC(A0, 0xff),        /* 0x00 a0 = end of RAM */
        ADDI(A1, A0, 16),       /* 0x04 */
        ADDI(A0, A0, -100),     /* 0x08 */
        LBU(T0, A0, 0),         /* 0x0c loop */
        ADD(T2, T2, T0),        /* 0x10 */
        ADDI(A0, A0, 1),        /* 0x14 */
        BNE(A0, A1, -0xc),      /* 0x18 */
        JAL(0, 0),              /* 0x1c j . */
    };
    uint64_t regs[32] = { 0 };
    static struct state s;
    both(prog, sizeof prog / sizeof prog[0], 0, regs, 1000, &s);
    cr_assert_eq(s.mcause, 5, "mcause %llu", (unsigned long long)s.mcause);
    cr_assert_eq(s.mtval, RAM + MEMSZ);
    uint64_t sum = 0;
    for (unsigned i = sizeof s.top - 100; i < sizeof s.top; i++)
        sum += s.top[i];
    cr_assert_eq(s.x[T2], sum);
}

/* A store stream from a data page into the next page, which holds translated code, with
 * an MMIO load (a helper call) in every iteration. */
Test(jit_mem, store_stream_into_code_page)
{
    const uint32_t addi100 = ADDI(S0, S0, 100);
    const uint32_t prog[] = {
        ADDI(S0, S0, 1),        /* 0x00 f: s0 += 1 */
        RET,                    /* 0x04 */
        JAL(RA, -8),            /* 0x08 entry: call f */
        AUIPC(A0, 0),           /* 0x0c a0 = CODE + 0xc */
        ADDI(A1, A0, 4),        /* 0x10 a1 = CODE + 0x10 */
        ADDI(A0, A0, -0x2c),    /* 0x14 a0 = RAM + 0xfe0 */
        LUI(A2, 0x10000),       /* 0x18 a2 = the UART */
        SD(T1, A0, 0),          /* 0x1c loop */
        LBU(T3, A2, 5),         /* 0x20 */
        ADDI(A0, A0, 8),        /* 0x24 */
        BNE(A0, A1, -0xc),      /* 0x28 */
        JAL(RA, -0x2c),         /* 0x2c call f: now s0 += 100 */
        JAL(0, 0),              /* 0x30 j . */
    };
    uint64_t regs[32] = { 0 };
    regs[T1] = (uint64_t)RET << 32 | addi100;
    static struct state s;
    both(prog, sizeof prog / sizeof prog[0], 0x08, regs, 400, &s);
    cr_assert_eq(s.x[S0], 101, "s0 = %llu: the store into cached code was missed",
                 (unsigned long long)s.x[S0]);
    for (unsigned off = 0xfe0; off < 0x1010; off += 8) {
        uint64_t v;
        memcpy(&v, s.mem + off, 8);
        cr_assert_eq(v, regs[T1], "at %#x", off);
    }
}

/* The same without the helper call: the stream's page register is what keeps the store at
 * the page boundary off the fast path. */
Test(jit_mem, store_stream_into_code_page_no_helper)
{
    const uint32_t addi100 = ADDI(S0, S0, 100);
    const uint32_t prog[] = {
        ADDI(S0, S0, 1),        /* 0x00 f: s0 += 1 */
        RET,                    /* 0x04 */
        JAL(RA, -8),            /* 0x08 entry: call f */
        AUIPC(A0, 0),           /* 0x0c a0 = CODE + 0xc */
        ADDI(A1, A0, 4),        /* 0x10 a1 = CODE + 0x10 */
        ADDI(A0, A0, -0x2c),    /* 0x14 a0 = RAM + 0xfe0 */
        SD(T1, A0, 0),          /* 0x18 loop */
        ADDI(A0, A0, 8),        /* 0x1c */
        BNE(A0, A1, -8),        /* 0x20 */
        JAL(RA, -0x24),         /* 0x24 call f: now s0 += 100 */
        JAL(0, 0),              /* 0x28 j . */
    };
    uint64_t regs[32] = { 0 };
    regs[T1] = (uint64_t)RET << 32 | addi100;
    static struct state s;
    both(prog, sizeof prog / sizeof prog[0], 0x08, regs, 400, &s);
    cr_assert_eq(s.x[S0], 101, "s0 = %llu: the store into cached code was missed",
                 (unsigned long long)s.x[S0]);
}

/* M-mode with MPRV clear reads main RAM straight through the direct window (flat loads):
 * a misaligned load inside RAM, then one straddling the end of RAM, which faults with the
 * misaligned address as mtval after the first load's value arrived. */
Test(jit_mem, flat_misaligned_load_across_the_end_of_ram)
{
    const uint32_t prog[] = {
        AUIPC(A0, 0),           /* 0x00 a0 = CODE */
        ADDI(A0, A0, -0xfd),    /* 0x04 a0 = RAM + 0xf03 */
        LD(T0, A0, 0),          /* 0x08 misaligned, inside RAM */
        AUIPC(A1, 0xff),        /* 0x0c a1 = CODE + 0xc + 0xff000 = end of RAM + 0xc */
        LD(T1, A1, -0x10),      /* 0x10 the last 4 bytes of RAM and 4 beyond: fault */
        JAL(0, 0),              /* 0x14 j . */
    };
    uint64_t regs[32] = { 0 };
    static struct state s;
    both(prog, sizeof prog / sizeof prog[0], 0, regs, 100, &s);
    uint64_t v;
    memcpy(&v, s.mem + 0xf03, 8);
    cr_assert_eq(s.x[T0], v);
    cr_assert_eq(s.mcause, 5, "mcause %llu", (unsigned long long)s.mcause);
    cr_assert_eq(s.mtval, RAM + MEMSZ - 4);
    cr_assert_eq(s.mepc, CODE + 0x10);
}

/* An indirect jump to pc 0 (nothing there): the JALR site's jump-cache probe has no test
 * for pc 0, so the empty entry 0 (the one pc 0 hashes to) must not match it. */
Test(jit_mem, jalr_to_pc_zero)
{
    const uint32_t jalr_t0 = enc_i(0x67, 0, 0, T0, 0);
    const uint32_t prog[] = {
        ADDI(T1, T1, 1),        /* 0x00 */
        jalr_t0,                /* 0x04 jr t0 (t0 = 0) */
    };
    uint64_t regs[32] = { 0 };
    static struct state s;
    both(prog, sizeof prog / sizeof prog[0], 0, regs, 50, &s);
    cr_assert_eq(s.mcause, 1, "mcause %llu", (unsigned long long)s.mcause);
    cr_assert_eq(s.mepc, 0);
    cr_assert_eq(s.x[T1], 1);
}
