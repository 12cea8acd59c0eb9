/* SPDX-License-Identifier: MIT */
/* Unit tests for the para backend's virtual S/U-mode (backends/para/smode.c on priv/):
 * S-mode CSRs through hv_vcpu_get_reg/set_reg, SRET to U and ECALL back, WFI, Sv48, a
 * vectored interrupt, the S state in a snapshot, and hostile
 * guests — wild satp, page tables outside RAM or at MMIO, PTEs with reserved bits, trap
 * storms with stvec on an unmapped page or on a faulting instruction. Each must end in a
 * guest-visible fault or a bounded exit with the budget exact, on every engine. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "hv/hv.h"
#include "hv/snapshot.h"
#include "hv/para.h"
#include "para_fixture.h"

#define RAM 0x80000000ull
#define MEM (1ull << 20)
#define CODE (RAM + 0x1000)
#define HANDLER (RAM + 0x2000)
#define PT (RAM + 0x10000)       /* page tables: root, level 1, level 0 */
#define CSR(n) (HV_REG_CSR_BASE + (n))
#define SATP_SV39 (8ull << 60)

#define ECALL 0x00000073u
#define JSELF 0x0000006fu
#define SRET 0x10200073u
#define WFI 0x10500073u
#define SFENCE 0x12000073u
#define ITYPE(imm, rs1, f3, rd, op) \
    ((((uint32_t)(imm) & 0xfff) << 20) | ((rs1) << 15) | ((f3) << 12) | ((rd) << 7) | (op))
#define ADDI(rd, rs1, imm) ITYPE(imm, rs1, 0, rd, 0x13)
#define LD(rd, rs1, imm) ITYPE(imm, rs1, 3, rd, 0x03)
#define CSRRW(rd, csr, rs1) ITYPE(csr, rs1, 1, rd, 0x73)
enum { A0 = 10, A1 = 11, T0 = 5 };

#define PTE_V 1ull
#define PTE_R 2ull
#define PTE_W 4ull
#define PTE_X 8ull
#define PTE_U 16ull
#define PTE_A 64ull
#define PTE_D 128ull

static void boot_engine(enum hv_engine engine)
{
    struct hv_config cfg;
    char err[512];
    hv_config_init(&cfg);
    cfg.backend = HV_BACKEND_PARA;
    cfg.mem_size = MEM;
    cfg.engine = engine;
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), 0, "hv_vm_create: %s", err);
    cr_assert_eq(hv_vcpu_create(vm, 0, &vcpu), 0);
}

static void fini(void)
{
    hv_vm_destroy(vm);
    vm = NULL;
}

static void put(uint64_t gpa, const uint32_t *w, size_t n)
{
    cr_assert_eq(hv_vm_mem_write(vm, gpa, w, n * 4), 0);
}

static void put64(uint64_t gpa, uint64_t v)
{
    cr_assert_eq(hv_vm_mem_write(vm, gpa, &v, 8), 0);
}

static struct hv_exit run(uint64_t budget)
{
    struct hv_exit e;
    memset(&e, 0, sizeof e);
    cr_assert_eq(hv_vcpu_run(vcpu, budget, &e), 0);
    return e;
}

static uint64_t instret(void)
{
    struct hv_stats st;
    hv_vcpu_get_stats(vcpu, &st);
    return st.instructions;
}

/* Run a test body on the interpreter and on the translator, each in a fresh VM. */
static void on_both_engines(void (*body)(enum hv_engine engine))
{
    static const enum hv_engine engines[] = { HV_ENGINE_INTERP, HV_ENGINE_JIT };
    for (unsigned i = 0; i < 2; i++) {
        boot_engine(engines[i]);
        body(engines[i]);
        fini();
    }
}

TestSuite(para_smode, .fini = fini);

Test(para_smode, reset_state_and_csrs)
{
    boot_engine(HV_ENGINE_INTERP);
    cr_assert_eq(reg(HV_REG_PRIV), 1);
    cr_assert_eq(reg(CSR(0x180)), 0);                  /* satp Bare */
    cr_assert_eq(reg(CSR(0x104)), 0);                  /* sie */
    cr_assert_eq(reg(CSR(0x105)), 0);                  /* stvec */
    uint64_t ss = reg(CSR(0x100));
    cr_assert_eq(ss & 2, 0, "sstatus.SIE clear");
    cr_assert_eq(ss & (3ull << 13), 3ull << 13, "FS Dirty");
    cr_assert(ss >> 63, "SD");
    /* WARL through set_reg as through the guest. */
    setreg(CSR(0x105), RAM + 0x103);                    /* reserved mode 3: keeps Direct */
    cr_assert_eq(reg(CSR(0x105)), RAM + 0x100);
    setreg(CSR(0x180), (10ull << 60) | 5);             /* Sv57: unsupported, unchanged */
    cr_assert_eq(reg(CSR(0x180)), 0);
    setreg(CSR(0x104), ~0ull);
    cr_assert_eq(reg(CSR(0x104)), (1 << 1) | (1 << 5) | (1 << 9));
    setreg(CSR(0x100), 0);                              /* FS stays Dirty */
    cr_assert_eq(reg(CSR(0x100)) & (3ull << 13), 3ull << 13);
    cr_assert_eq(hv_vcpu_set_reg(vcpu, HV_REG_PRIV, 3), HV_EINVAL, "no M-mode");
    uint64_t v;
    cr_assert_eq(hv_vcpu_get_reg(vcpu, CSR(0x300), &v), HV_ENOENT, "no mstatus");
}

/* SRET to U at sepc; the U code's ECALL traps to stvec with cause 8; WFI with nothing
 * enabled halts; SFENCE.VMA is legal in S. */
static void sret_ecall_wfi_on(enum hv_engine engine)
{
    const uint32_t s_code[] = { SFENCE, SRET };
    const uint32_t u_code[] = { ADDI(A0, 0, 42), ECALL, JSELF };
    const uint32_t handler[] = { ADDI(A1, 0, 7), WFI, JSELF };
    put(CODE, s_code, 2);
    put(CODE + 0x100, u_code, 3);
    put(HANDLER, handler, 3);
    setreg(CSR(0x105), HANDLER);
    setreg(CSR(0x141), CODE + 0x100);               /* sepc; SPP = U at reset */
    setreg(HV_REG_PC, CODE);
    struct hv_exit e = run(100);
    cr_assert_eq(e.reason, HV_EXIT_HALT, "engine %d: exit %d", engine, e.reason);
    cr_assert_eq(reg(HV_REG_PRIV), 1);
    cr_assert_eq(reg(CSR(0x142)), 8, "scause: ECALL from U");
    cr_assert_eq(reg(CSR(0x141)), CODE + 0x104);
    cr_assert_eq(reg(A0), 42);
    cr_assert_eq(reg(A1), 7);
    cr_assert_eq(reg(HV_REG_PC), HANDLER + 8, "WFI retired");
    /* sfence, sret, addi, addi: the ECALL trapped, and a WFI that ends the run with
     * HV_EXIT_HALT moves pc past itself without counting (as on the full backend). */
    cr_assert_eq(instret(), 4, "instret %llu", (unsigned long long)instret());
}

Test(para_smode, sret_ecall_wfi)
{
    on_both_engines(sret_ecall_wfi_on);
}

/* Sv39 with a root table outside RAM: every fetch is an access fault; with no stvec the
 * fault goes out, with stvec the handler's own fetch faults: out as well. */
static void hostile_wild_satp_on(enum hv_engine engine)
{
    const uint32_t code[] = { CSRRW(0, 0x180, A0), ADDI(A1, 0, 1), JSELF };
    put(CODE, code, 3);
    setreg(HV_REG_PC, CODE);
    setreg(A0, SATP_SV39 | (0x1000000000ull >> 12));        /* PPN far outside RAM */
    struct hv_exit e = run(1000);
    cr_assert_eq(e.reason, HV_EXIT_FAULT, "engine %d", engine);
    cr_assert_eq(e.u.fault.cause, 1);
    cr_assert_eq(e.u.fault.tval, CODE + 4);
    setreg(CSR(0x105), HANDLER);
    setreg(HV_REG_PC, CODE + 4);
    e = run(1000);
    cr_assert_eq(e.reason, HV_EXIT_FAULT);
    cr_assert_eq(e.u.fault.cause, 1);
    cr_assert_eq(e.u.fault.tval, HANDLER, "the handler's fetch faulted");
    cr_assert_eq(reg(CSR(0x141)), CODE + 4, "the first fault was taken");
    /* A bogus mode (5) leaves satp as it is. */
    setreg(CSR(0x180), 0);
    put(CODE, code, 3);
    setreg(HV_REG_PC, CODE);
    setreg(A0, (5ull << 60) | 0x1234);
    e = run(3);
    cr_assert_eq(e.reason, HV_EXIT_BUDGET);
    cr_assert_eq(reg(CSR(0x180)), 0);
    cr_assert_eq(reg(A1), 1);
}

Test(para_smode, hostile_wild_satp)
{
    on_both_engines(hostile_wild_satp_on);
}

/* Page tables with reserved bits, pointing at MMIO or outside RAM, a misaligned superpage:
 * page faults or access faults for the guest, never a host access outside RAM. */
static void hostile_page_tables_on(enum hv_engine engine)
{
    cr_assert_eq(hv_vm_mmio_add(vm, 0x10000000, 0x1000, NULL, NULL), 0);
    /* root[2]: identity gigapage for RAM (S, RWX); root[1]: a level-1 table at PT+0x1000
     * whose entry i maps (or fails to map) VA 1 GiB + i * 2 MiB. */
    put64(PT + 2 * 8, ((RAM >> 12) << 10) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
    put64(PT + 1 * 8, (((PT + 0x1000) >> 12) << 10) | PTE_V);
    const uint64_t l1[] = {
        ((0x1000000000ull >> 12) << 10) | PTE_V,                /* next level outside RAM */
        (((RAM + 0x1000) >> 12) << 10) | PTE_V | PTE_R | PTE_A, /* misaligned superpage */
        ((RAM >> 12) << 10) | PTE_V | PTE_R | PTE_A | (1ull << 55),     /* reserved bit */
        ((RAM >> 12) << 10) | PTE_V | PTE_R | PTE_A | (1ull << 61),     /* PBMT: no Svpbmt */
        ((RAM >> 12) << 10) | PTE_V | PTE_W | PTE_A,                    /* W without R */
        ((0x20000000ull >> 12) << 10) | PTE_V | PTE_R | PTE_A,          /* leaf: no memory */
        ((0x10000000ull >> 12) << 10) | PTE_V,                  /* next level in MMIO */
    };
    const uint64_t cause[] = { 5, 13, 13, 13, 13, 5, 5 };
    for (unsigned i = 0; i < 7; i++)
        put64(PT + 0x1000 + i * 8, l1[i]);
    const uint32_t code[] = { CSRRW(0, 0x180, A0), LD(A1, T0, 0), JSELF };
    put(CODE, code, 3);
    for (unsigned i = 0; i < 7; i++) {
        uint64_t va = 0x40000000ull + i * 0x200000ull;
        setreg(CSR(0x180), 0);
        setreg(HV_REG_PC, CODE);
        setreg(A0, SATP_SV39 | (PT >> 12));
        setreg(T0, va);
        struct hv_exit e = run(100);
        cr_assert_eq(e.reason, HV_EXIT_FAULT, "engine %d case %u: exit %d", engine, i,
                     e.reason);
        cr_assert_eq(e.u.fault.cause, cause[i], "engine %d case %u: cause %llu", engine, i,
                     (unsigned long long)e.u.fault.cause);
        cr_assert_eq(e.u.fault.tval, va);
        cr_assert_eq(e.pc, CODE + 4);
    }
    /* A trap storm under paging: stvec on an unmapped page (level-1 entry 7 is empty). The
     * load fault is taken, the handler's fetch page-faults at stvec: out, once. */
    setreg(CSR(0x180), 0);
    setreg(CSR(0x105), 0x40e00000);
    setreg(HV_REG_PC, CODE);
    setreg(T0, 0x40000000);
    struct hv_stats st0, st1;
    hv_vcpu_get_stats(vcpu, &st0);
    struct hv_exit e = run(100);
    hv_vcpu_get_stats(vcpu, &st1);
    cr_assert_eq(e.reason, HV_EXIT_FAULT);
    cr_assert_eq(e.u.fault.cause, 12);
    cr_assert_eq(e.u.fault.tval, 0x40e00000);
    cr_assert_eq(reg(CSR(0x142)), 5, "the load's access fault was taken");
    cr_assert_eq(st1.exceptions - st0.exceptions, 1);
}

Test(para_smode, hostile_page_tables)
{
    on_both_engines(hostile_page_tables_on);
}

/* Trap storms: stvec on an unmapped page (the handler's fetch faults: out), and stvec on
 * an instruction that faults itself (a livelock, as on hardware: the run ends exactly at
 * its budget, each entry counted as one instruction). */
static void hostile_trap_storm_on(enum hv_engine engine)
{
    const uint32_t code[] = { 0xffffffffu };        /* illegal */
    put(CODE, code, 1);
    setreg(CSR(0x105), 0x1000);                     /* below RAM: nothing there */
    setreg(HV_REG_PC, CODE);
    struct hv_exit e = run(1000);
    cr_assert_eq(e.reason, HV_EXIT_FAULT, "engine %d", engine);
    cr_assert_eq(e.u.fault.cause, 1);
    cr_assert_eq(e.u.fault.tval, 0x1000);

    const uint32_t bad_handler[] = { 0xffffffffu };
    put(HANDLER, bad_handler, 1);
    setreg(CSR(0x105), HANDLER);
    setreg(HV_REG_PC, CODE);
    uint64_t before = instret();
    e = run(5000);
    cr_assert_eq(e.reason, HV_EXIT_BUDGET, "engine %d: exit %d", engine, e.reason);
    cr_assert_eq(instret() - before, 5000);
    cr_assert_eq(reg(HV_REG_PC), HANDLER);
    cr_assert_eq(reg(CSR(0x142)), 2);
    cr_assert_eq(reg(CSR(0x141)), HANDLER);
}

Test(para_smode, hostile_trap_storm)
{
    on_both_engines(hostile_trap_storm_on);
}

/* The S state travels in the snapshot's para.vcpu section (version 2): saved with paging
 * on in U-mode, clobbered, loaded back, and the guest continues under its page tables. */
Test(para_smode, snapshot_round_trip)
{
    boot_engine(HV_ENGINE_JIT);
    cr_assert_eq(hv_vm_mem_write(vm, PT + 2 * 8, &(uint64_t){ ((RAM >> 12) << 10) | PTE_V |
                 PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D }, 8), 0);
    const uint32_t code[] = { ADDI(A0, A0, 1), JSELF };
    put(CODE, code, 2);
    static const unsigned csrs[] = { 0x100, 0x104, 0x105, 0x140, 0x141, 0x142, 0x143, 0x144,
                                     0x180, 0x106, 0x10a };
    /* sie without SSIE: the pending SSIP must not interrupt the U code afterwards. */
    const uint64_t vals[] = { (1ull << 18) | (1ull << 5) | (1ull << 8), 0x220, HANDLER + 1,
                              0x1234, CODE + 8, 13, 0xdead000, 2, SATP_SV39 | (PT >> 12), 5,
                              1 };
    for (unsigned i = 0; i < 11; i++)
        setreg(CSR(csrs[i]), vals[i]);
    setreg(HV_REG_PRIV, 0);
    setreg(HV_REG_PC, CODE);
    uint64_t saved[11];
    for (unsigned i = 0; i < 11; i++)
        saved[i] = reg(CSR(csrs[i]));
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    cr_assert_eq(hv_vm_snapshot_save(vm, fileno(f)), 0);
    for (unsigned i = 0; i < 11; i++)
        setreg(CSR(csrs[i]), 0);
    setreg(HV_REG_PRIV, 1);
    cr_assert_eq(lseek(fileno(f), 0, SEEK_SET), 0);
    cr_assert_eq(hv_vm_snapshot_load(vm, fileno(f)), 0);
    fclose(f);
    for (unsigned i = 0; i < 11; i++)
        cr_assert_eq(reg(CSR(csrs[i])), saved[i], "csr %#x: %#llx, saved %#llx", csrs[i],
                     (unsigned long long)reg(CSR(csrs[i])), (unsigned long long)saved[i]);
    cr_assert_eq(reg(HV_REG_PRIV), 0);
    setreg(A0, 0);
    struct hv_exit e = run(10);
    cr_assert_eq(e.reason, HV_EXIT_BUDGET);
    cr_assert_eq(reg(A0), 1, "ran under the restored page tables");
    cr_assert_eq(reg(HV_REG_PC), CODE + 4);
}

/* Sv48: four levels, a gigapage two levels down; a va that is not sign-extended from bit
 * 47 is a page fault. Vectored stvec: an interrupt enters at base + 4 * cause. */
static void sv48_and_vectored_on(enum hv_engine engine)
{
    put64(PT + 0x3000, (((PT + 0x4000) >> 12) << 10) | PTE_V);
    put64(PT + 0x4000 + 2 * 8, ((RAM >> 12) << 10) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A |
                               PTE_D);
    put64(RAM + 0x8000, 0x5a5a);
    const uint32_t code[] = { CSRRW(0, 0x180, A0), LD(A1, T0, 0), LD(A1, T0, 8), JSELF };
    put(CODE, code, 4);
    setreg(HV_REG_PC, CODE);
    setreg(A0, (9ull << 60) | ((PT + 0x3000) >> 12));
    setreg(T0, RAM + 0x8000);
    struct hv_exit e = run(3);
    cr_assert_eq(e.reason, HV_EXIT_BUDGET, "engine %d: exit %d", engine, e.reason);
    cr_assert_eq(reg(A1), 0);                   /* RAM + 0x8008 */
    cr_assert_eq(reg(CSR(0x180)) >> 60, 9);
    setreg(HV_REG_PC, CODE + 4);
    e = run(1);
    cr_assert_eq(reg(A1), 0x5a5a);
    setreg(T0, 0x0000800000000000ull);
    setreg(HV_REG_PC, CODE + 4);
    e = run(10);
    cr_assert_eq(e.reason, HV_EXIT_FAULT);
    cr_assert_eq(e.u.fault.cause, 13);
    cr_assert_eq(e.u.fault.tval, 0x0000800000000000ull);

    /* SSIP with sie.SSIE and sstatus.SIE, stvec vectored: taken at HANDLER + 4. */
    const uint32_t spin[] = { JSELF, JSELF };
    put(HANDLER, spin, 2);
    setreg(CSR(0x105), HANDLER | 1);
    setreg(CSR(0x104), 2);
    setreg(CSR(0x100), 2);
    setreg(CSR(0x144), 2);
    setreg(HV_REG_PC, CODE + 12);
    e = run(5);
    cr_assert_eq(e.reason, HV_EXIT_BUDGET);
    cr_assert_eq(reg(CSR(0x142)), (1ull << 63) | 1);
    cr_assert_eq(reg(CSR(0x141)), CODE + 12);
    cr_assert_eq(reg(HV_REG_PC), HANDLER + 4);
    cr_assert_eq(reg(CSR(0x100)) & 0x22, 0x20, "SIE cleared, SPIE set");
}

Test(para_smode, sv48_and_vectored)
{
    on_both_engines(sv48_and_vectored_on);
}

/* Linux's MMU switch-on: satp is written from code the new tables do not map (RAM is
 * mapped only at the top of the address space); the next fetch page-faults and enters
 * stvec, which already holds the handler's virtual address. */
static void mmu_enable_via_fault_on(enum hv_engine engine)
{
    const uint64_t kva = 0xffffffc000000000ull;     /* root index 256: the kernel's half */
    put64(PT + 256 * 8, ((RAM >> 12) << 10) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
    const uint32_t code[] = { CSRRW(0, 0x180, A0), JSELF };
    const uint32_t handler[] = { ADDI(A1, 0, 9), JSELF };
    put(CODE, code, 2);
    put(HANDLER, handler, 2);
    setreg(CSR(0x105), kva + (HANDLER - RAM));
    setreg(A0, SATP_SV39 | (PT >> 12));
    setreg(HV_REG_PC, CODE);
    struct hv_exit e = run(20);
    cr_assert_eq(e.reason, HV_EXIT_BUDGET, "engine %d: exit %d", engine, e.reason);
    cr_assert_eq(reg(CSR(0x142)), 12, "instruction page fault");
    cr_assert_eq(reg(CSR(0x143)), CODE + 4);
    cr_assert_eq(reg(CSR(0x141)), CODE + 4);
    cr_assert_eq(reg(A1), 9);
    cr_assert_eq(reg(HV_REG_PC), kva + (HANDLER - RAM) + 4);
    /* The debugger's view walks the guest's tables too. */
    uint64_t pa = 0;
    cr_assert_eq(hv_vcpu_translate(vcpu, kva + 0x1234, &pa), 0);
    cr_assert_eq(pa, RAM + 0x1234);
}

Test(para_smode, mmu_enable_via_fault)
{
    on_both_engines(mmu_enable_via_fault_on);
}
