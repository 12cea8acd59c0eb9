/* SPDX-License-Identifier: MIT */
/* Unit tests for the para backend on the binary translator with direct RAM access: loads and
 * stores at and around the ends of RAM and wild pointers fault exactly as on the interpreter,
 * misaligned accesses inside RAM and cache-block operations work the same, and checkpoints switch direct mode off so a
 * rollback restores pages written by translated code after the checkpoint. */
#include <criterion/criterion.h>
#include <string.h>
#include "hv/hv.h"
#include "hv/para.h"
#include "core/vm.h"
#include "backends/para/para.h"

#define RAM 0x80000000ull
#define MEM (1ull << 20)
#define CODE (RAM + 0x100)
#define DATA (RAM + 0x8000)

#define ITYPE(imm, rs1, f3, rd, op) \
    ((((uint32_t)(imm) & 0xfff) << 20) | ((rs1) << 15) | ((f3) << 12) | ((rd) << 7) | (op))
#define STYPE(imm, rs2, rs1, f3) \
    (((((uint32_t)(imm) >> 5) & 0x7f) << 25) | ((rs2) << 20) | ((rs1) << 15) | ((f3) << 12) | \
     (((uint32_t)(imm) & 0x1f) << 7) | 0x23)
#define LB(rd, rs1, imm) ITYPE(imm, rs1, 0, rd, 0x03)
#define LW(rd, rs1, imm) ITYPE(imm, rs1, 2, rd, 0x03)
#define LD(rd, rs1, imm) ITYPE(imm, rs1, 3, rd, 0x03)
#define FLD(rd, rs1, imm) ITYPE(imm, rs1, 3, rd, 0x07)
#define SB(rs2, rs1, imm) STYPE(imm, rs2, rs1, 0)
#define SH(rs2, rs1, imm) STYPE(imm, rs2, rs1, 1)
#define SD(rs2, rs1, imm) STYPE(imm, rs2, rs1, 3)
#define ADDI(rd, rs1, imm) ITYPE(imm, rs1, 0, rd, 0x13)
#define JSELF 0x0000006fu
enum { A0 = 10, A1 = 11 };

struct result {
    struct hv_exit exit;
    uint64_t a0, f0, mem;
    uint64_t blocks;
};

static hv_vm *make_vm(enum hv_engine engine, hv_vcpu **vcpu)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = HV_BACKEND_PARA;
    cfg.mem_size = MEM;
    cfg.engine = engine;
    char err[512];
    hv_vm *vm = NULL;
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), 0, "hv_vm_create: %s", err);
    cr_assert_eq(hv_vcpu_create(vm, 0, vcpu), 0);
    return vm;
}

/* Run `insn; addi a0, a0, 1; j .` with a1 = addr, a0 = 0x55 on a fresh VM. */
static struct result run_one(enum hv_engine engine, uint32_t insn, uint64_t addr)
{
    hv_vcpu *vcpu;
    hv_vm *vm = make_vm(engine, &vcpu);
    const uint8_t pattern[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
    cr_assert_eq(hv_vm_mem_write(vm, DATA, pattern, sizeof pattern), 0);
    cr_assert_eq(hv_vm_mem_write(vm, RAM + MEM - 16, pattern, sizeof pattern), 0);
    const uint32_t code[] = { insn, ADDI(A0, A0, 1), JSELF };
    cr_assert_eq(hv_vm_mem_write(vm, CODE, code, sizeof code), 0);
    cr_assert_eq(hv_vcpu_set_reg(vcpu, HV_REG_PC, CODE), 0);
    cr_assert_eq(hv_vcpu_set_reg(vcpu, A0, 0x55), 0);
    cr_assert_eq(hv_vcpu_set_reg(vcpu, A1, addr), 0);
    struct result r;
    memset(&r, 0, sizeof r);
    cr_assert_eq(hv_vcpu_run(vcpu, 20, &r.exit), 0);
    cr_assert_eq(hv_vcpu_get_reg(vcpu, A0, &r.a0), 0);
    cr_assert_eq(hv_vcpu_get_reg(vcpu, HV_REG_F0, &r.f0), 0);
    if (hv_vm_mem_read(vm, addr & ~7ull, &r.mem, 8) != 0)
        r.mem = 0xdeadull;                  /* outside RAM */
    struct hv_stats st;
    cr_assert_eq(hv_vcpu_get_stats(vcpu, &st), 0);
    r.blocks = st.blocks_translated;
    hv_vm_destroy(vm);
    return r;
}

/* The translator (direct RAM window) and the interpreter (soft-TLB) must agree exactly. */
static void same(const char *what, uint32_t insn, uint64_t addr, bool faults)
{
    struct result i = run_one(HV_ENGINE_INTERP, insn, addr);
    struct result j = run_one(HV_ENGINE_JIT, insn, addr);
    cr_assert_gt(j.blocks, 0, "%s: translator did not run", what);
    cr_assert_eq(j.exit.reason, i.exit.reason, "%s: exit %d vs %d", what, j.exit.reason,
                 i.exit.reason);
    cr_assert_eq(i.exit.reason, faults ? HV_EXIT_FAULT : HV_EXIT_BUDGET, "%s: exit %d", what,
                 i.exit.reason);
    cr_assert_eq(j.exit.pc, i.exit.pc, "%s: pc", what);
    if (faults) {
        cr_assert_eq(j.exit.u.fault.cause, i.exit.u.fault.cause, "%s: cause", what);
        cr_assert_eq(j.exit.u.fault.tval, i.exit.u.fault.tval, "%s: tval %#llx vs %#llx",
                     what, (unsigned long long)j.exit.u.fault.tval,
                     (unsigned long long)i.exit.u.fault.tval);
        cr_assert_eq(j.exit.pc, CODE, "%s: fault pc", what);
    }
    cr_assert_eq(j.a0, i.a0, "%s: a0 %#llx vs %#llx", what, (unsigned long long)j.a0,
                 (unsigned long long)i.a0);
    cr_assert_eq(j.f0, i.f0, "%s: f0", what);
    cr_assert_eq(j.mem, i.mem, "%s: memory", what);
}

Test(para_jit, ram_end_and_wild_pointers_fault_like_the_interpreter)
{
    const uint64_t end = RAM + MEM;
    same("ld last 8 bytes", LD(A0, A1, 0), end - 8, false);
    same("sd last 8 bytes", SD(A0, A1, 0), end - 8, false);
    same("lb last byte", LB(A0, A1, 0), end - 1, false);
    same("ld straddling end", LD(A0, A1, 0), end - 4, true);
    same("sd straddling end", SD(A0, A1, 0), end - 1, true);
    same("lw straddling end", LW(A0, A1, 0), end - 2, true);
    same("fld straddling end", FLD(0, A1, 0), end - 4, true);
    same("ld just past end", LD(A0, A1, 0), end, true);
    same("sb just past end", SB(A0, A1, 0), end, true);
    same("ld before base", LD(A0, A1, 0), RAM - 4, true);
    same("ld null", LD(A0, A1, 0), 0, true);
    same("sd null", SD(A0, A1, 0), 0, true);
    same("ld wild", LD(A0, A1, 0), 0xffffffffffff0000ull, true);
    same("sd wild", SD(A0, A1, 0), 0xffffffffffff0000ull, true);
    same("ld wild + offset wraps", LD(A0, A1, -8), 0, true);
}

Test(para_jit, misaligned_accesses_inside_ram_like_the_interpreter)
{
    same("ld misaligned", LD(A0, A1, 0), DATA + 3, false);
    same("lw misaligned", LW(A0, A1, 0), DATA + 1, false);
    same("sd misaligned", SD(A0, A1, 0), DATA + 5, false);
    same("sh misaligned", SH(A0, A1, 0), DATA + 7, false);
    same("fld misaligned", FLD(0, A1, 0), DATA + 2, false);
    same("ld misaligned across a page", LD(A0, A1, 0), DATA + 0xffd, false);
}

/* Zicbom/Zicboz need no enabling on para: cbo.zero zeroes the 64-byte block, the others
 * only check the address; outside RAM both fault (store access fault). */
#define CBO(imm) ITYPE(imm, A1, 2, 0, 0x0f)
Test(para_jit, cache_block_operations_like_the_interpreter)
{
    same("cbo.zero", CBO(4), DATA + 3, false);
    cr_assert_eq(run_one(HV_ENGINE_JIT, CBO(4), DATA + 3).mem, 0);
    same("cbo.zero last block", CBO(4), RAM + MEM - 1, false);
    same("cbo.clean", CBO(1), DATA, false);
    same("cbo.flush", CBO(2), DATA, false);
    same("cbo.inval", CBO(0), DATA, false);
    same("cbo.zero null", CBO(4), 0, true);
    same("cbo.clean wild", CBO(1), 0xffffffffffff0000ull, true);
}

static uint64_t peek(hv_vm *vm, uint64_t gpa)
{
    uint64_t v = 0;
    cr_assert_eq(hv_vm_mem_read(vm, gpa, &v, 8), 0);
    return v;
}

/* Store a0 to [a1] and a0+1 to [a1 + 0x1000] (two pages) with translated code. */
static void store_run(hv_vcpu *vcpu, uint64_t val)
{
    cr_assert_eq(hv_vcpu_set_reg(vcpu, HV_REG_PC, CODE), 0);
    cr_assert_eq(hv_vcpu_set_reg(vcpu, A0, val), 0);
    cr_assert_eq(hv_vcpu_set_reg(vcpu, A1, DATA), 0);
    struct hv_exit e;
    cr_assert_eq(hv_vcpu_run(vcpu, 20, &e), 0);
    cr_assert_eq(e.reason, HV_EXIT_BUDGET);
}

Test(para_jit, rollback_restores_pages_written_by_translated_code)
{
    hv_vcpu *vcpu;
    hv_vm *vm = make_vm(HV_ENGINE_JIT, &vcpu);
    struct hvp_vcpu *h = vcpu->backend;
    /* sd a0,0(a1); lui-free second page: a1 += 2047 twice + 2 = 0x1000 */
    const uint32_t code[] = { SD(A0, A1, 0), ADDI(A1, A1, 2047), ADDI(A1, A1, 2047),
                              ADDI(A1, A1, 2), ADDI(A0, A0, 1), SD(A0, A1, 0), JSELF };
    cr_assert_eq(hv_vm_mem_write(vm, CODE, code, sizeof code), 0);
    store_run(vcpu, 0x1111);
    cr_assert_not_null(h->policy.direct_host, "direct mode off without a checkpoint");
    cr_assert_eq(peek(vm, DATA), 0x1111);
    cr_assert_eq(peek(vm, DATA + 0x1000), 0x1112);

    hv_checkpoint *cp = NULL;
    cr_assert_eq(hv_vm_checkpoint(vm, &cp), 0);
    /* A page clean at the checkpoint, first written by translated code afterwards. */
    cr_assert_eq(peek(vm, DATA + 0x3000), 0);
    cr_assert_eq(hv_vcpu_set_reg(vcpu, HV_REG_PC, CODE), 0);
    store_run(vcpu, 0x2222);
    cr_assert_null(h->policy.direct_host, "direct mode on while a checkpoint exists");
    cr_assert_eq(peek(vm, DATA), 0x2222);
    cr_assert_eq(peek(vm, DATA + 0x1000), 0x2223);
    const uint32_t code2[] = { SD(A0, A1, 0x7f8), JSELF };
    cr_assert_eq(hv_vm_mem_write(vm, CODE + 0x200, code2, sizeof code2), 0);
    cr_assert_eq(hv_vcpu_set_reg(vcpu, HV_REG_PC, CODE + 0x200), 0);
    cr_assert_eq(hv_vcpu_set_reg(vcpu, A1, DATA + 0x3000 - 0x7f8 + 0x10), 0);
    struct hv_exit e;
    cr_assert_eq(hv_vcpu_run(vcpu, 20, &e), 0);
    cr_assert_eq(peek(vm, DATA + 0x3010), 0x2223);
    struct hv_stats st;
    cr_assert_eq(hv_vcpu_get_stats(vcpu, &st), 0);
    cr_assert_gt(st.blocks_translated, 0);

    cr_assert_eq(hv_vm_rollback(vm, cp), 0);
    cr_assert_eq(peek(vm, DATA), 0x1111, "page written after the checkpoint not restored");
    cr_assert_eq(peek(vm, DATA + 0x1000), 0x1112);
    cr_assert_eq(peek(vm, DATA + 0x3010), 0, "clean page written after it not restored");
    /* And again from the rolled-back state. */
    store_run(vcpu, 0x3333);
    cr_assert_eq(peek(vm, DATA), 0x3333);
    cr_assert_eq(hv_vm_rollback(vm, cp), 0);
    cr_assert_eq(peek(vm, DATA), 0x1111);
    hv_checkpoint_free(cp);
    hv_vm_destroy(vm);
}

Test(para_jit, engine_jit_is_accepted_and_default_translates)
{
    hv_vcpu *vcpu;
    hv_vm *vm = make_vm(HV_ENGINE_DEFAULT, &vcpu);
    const uint32_t code[] = { ADDI(A0, A0, 1), JSELF };
    cr_assert_eq(hv_vm_mem_write(vm, CODE, code, sizeof code), 0);
    cr_assert_eq(hv_vcpu_set_reg(vcpu, HV_REG_PC, CODE), 0);
    struct hv_exit e;
    cr_assert_eq(hv_vcpu_run(vcpu, 10, &e), 0);
    struct hv_stats st;
    cr_assert_eq(hv_vcpu_get_stats(vcpu, &st), 0);
    cr_assert_gt(st.blocks_translated, 0);
    hv_vm_destroy(vm);
}
