/* SPDX-License-Identifier: MIT */
/* Unit tests for embedder MMIO regions on the para backend (hv_vm_mmio_add): callbacks,
 * KVM-style HV_EXIT_MMIO with completion on re-entry, a failing callback faulting the guest,
 * no execution from MMIO — on the interpreter and on the translator, whose direct RAM
 * window sends every access outside RAM down the slow path. */
#include <criterion/criterion.h>
#include <string.h>
#include "hv/hv.h"

#define RAM 0x80000000ull
#define DEV 0x40000000ull

#define ITYPE(imm, rs1, f3, rd, op) \
    ((((uint32_t)(imm) & 0xfff) << 20) | ((rs1) << 15) | ((f3) << 12) | ((rd) << 7) | (op))
#define LD(rd, rs1, imm) ITYPE(imm, rs1, 3, rd, 0x03)
#define LW(rd, rs1, imm) ITYPE(imm, rs1, 2, rd, 0x03)
#define SD(rs2, rs1, imm) \
    (((((uint32_t)(imm) >> 5) & 0x7f) << 25) | ((rs2) << 20) | ((rs1) << 15) | (3 << 12) | \
     (((uint32_t)(imm) & 0x1f) << 7) | 0x23)
#define LUI(rd, imm20) ((((uint32_t)(imm20)) << 12) | ((rd) << 7) | 0x37)
#define JALR(rd, rs1) ITYPE(0, rs1, 0, rd, 0x67)
#define SPIN 0x0000006fu                  /* j . */
enum { T0 = 5, A0 = 10, A1 = 11 };

static hv_vm *vm;
static hv_vcpu *cpu;

static void boot(enum hv_engine engine, const uint32_t *prog, size_t n)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = HV_BACKEND_PARA;
    cfg.engine = engine;
    cfg.mem_size = 1 << 20;
    cfg.serial.type = HV_CHARDEV_NULL;
    char err[256];
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), 0, "%s", err);
    cr_assert_eq(hv_vm_mem_write(vm, RAM, prog, n * 4), 0);
    cr_assert_eq(hv_vcpu_create(vm, 0, &cpu), 0);
    cr_assert_eq(hv_vcpu_set_reg(cpu, HV_REG_PC, RAM), 0);
}

static uint64_t reg(unsigned r)
{
    uint64_t v = 0;
    cr_assert_eq(hv_vcpu_get_reg(cpu, r, &v), 0);
    return v;
}

struct dev {
    uint64_t last_off, last_val;
    unsigned last_size, reads, writes;
    int fail;
};

static int dev_read(void *opaque, uint64_t off, unsigned size, uint64_t *value)
{
    struct dev *d = opaque;
    d->reads++;
    *value = 0x1000 + off;
    return d->fail ? -1 : 0;
}

static int dev_write(void *opaque, uint64_t off, unsigned size, uint64_t value)
{
    struct dev *d = opaque;
    d->writes++;
    d->last_off = off, d->last_size = size, d->last_val = value;
    return d->fail ? -1 : 0;
}

static const struct hv_mmio_ops dev_ops = { dev_read, dev_write };

/* t0 = DEV; a0 = ld 8(t0); sd a0, 16(t0); a1 = lw 4(t0); spin */
static const uint32_t prog[] = { LUI(T0, DEV >> 12), LD(A0, T0, 8), SD(A0, T0, 16),
                                 LW(A1, T0, 4), SPIN };

static void callbacks(enum hv_engine e)
{
    struct dev d = { 0 };
    boot(e, prog, 5);
    cr_assert_eq(hv_vm_mmio_add(vm, DEV, 0x100, &dev_ops, &d), 0);
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(cpu, 100, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET, "reason %d pc %#llx", ex.reason,
                 (unsigned long long)ex.pc);
    cr_assert_eq(reg(HV_REG_X(A0)), 0x1008);
    cr_assert_eq(reg(HV_REG_X(A1)), 0x1004);
    cr_assert_eq(d.reads, 2);
    cr_assert_eq(d.writes, 1);
    cr_assert_eq(d.last_off, 16);
    cr_assert_eq(d.last_size, 8);
    cr_assert_eq(d.last_val, 0x1008);
    struct hv_stats st;
    cr_assert_eq(hv_vcpu_get_stats(cpu, &st), 0);
    cr_assert_eq(st.mmio_traps, 3);
    hv_vm_destroy(vm);
}

Test(para_mmio, callbacks_interp) { callbacks(HV_ENGINE_INTERP); }
Test(para_mmio, callbacks_jit) { callbacks(HV_ENGINE_JIT); }

static void exits(enum hv_engine e)
{
    boot(e, prog, 5);
    cr_assert_eq(hv_vm_mmio_add(vm, DEV, 0x100, NULL, NULL), 0);
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(cpu, 100, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_MMIO, "reason %d", ex.reason);
    cr_assert_eq(ex.pc, RAM + 4);
    cr_assert_eq(ex.u.mmio.gpa, DEV + 8);
    cr_assert_eq(ex.u.mmio.size, 8);
    cr_assert_eq(ex.u.mmio.is_write, 0);
    ex.u.mmio.data = 0x55aa;              /* the load completes with this on re-entry */
    cr_assert_eq(hv_vcpu_run(cpu, 100, &ex), 0);
    cr_assert_eq(reg(HV_REG_X(A0)), 0x55aa);
    cr_assert_eq(ex.reason, HV_EXIT_MMIO);
    cr_assert_eq(ex.pc, RAM + 8);
    cr_assert_eq(ex.u.mmio.gpa, DEV + 16);
    cr_assert_eq(ex.u.mmio.is_write, 1);
    cr_assert_eq(ex.u.mmio.data, 0x55aa);
    cr_assert_eq(hv_vcpu_run(cpu, 100, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_MMIO);
    cr_assert_eq(ex.u.mmio.size, 4);
    ex.u.mmio.data = 0xffffffff87654321ull;  /* only the access's 4 bytes count */
    cr_assert_eq(hv_vcpu_run(cpu, 100, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
    cr_assert_eq(reg(HV_REG_X(A1)), 0xffffffff87654321ull, "lw sign-extends 0x87654321");
    hv_vm_destroy(vm);
}

Test(para_mmio, exits_interp) { exits(HV_ENGINE_INTERP); }
Test(para_mmio, exits_jit) { exits(HV_ENGINE_JIT); }

static void failing_callback(enum hv_engine e)
{
    struct dev d = { .fail = 1 };
    boot(e, prog, 5);
    cr_assert_eq(hv_vm_mmio_add(vm, DEV, 0x100, &dev_ops, &d), 0);
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(cpu, 100, &ex), 0);
    /* No fault entry registered: the access fault goes to the embedder. */
    cr_assert_eq(ex.reason, HV_EXIT_FAULT, "reason %d", ex.reason);
    cr_assert_eq(ex.u.fault.cause, 5);    /* load access fault */
    cr_assert_eq(ex.u.fault.tval, DEV + 8);
    cr_assert_eq(ex.pc, RAM + 4);
    hv_vm_destroy(vm);
}

Test(para_mmio, failing_callback_faults_interp) { failing_callback(HV_ENGINE_INTERP); }
Test(para_mmio, failing_callback_faults_jit) { failing_callback(HV_ENGINE_JIT); }

static void no_exec(enum hv_engine e)
{
    static const uint32_t jump[] = { LUI(T0, DEV >> 12), JALR(0, T0) };
    struct dev d = { 0 };
    boot(e, jump, 2);
    cr_assert_eq(hv_vm_mmio_add(vm, DEV, 0x100, &dev_ops, &d), 0);
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(cpu, 100, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_FAULT);
    cr_assert_eq(ex.u.fault.cause, 1);    /* instruction access fault */
    cr_assert_eq(d.reads, 0);
    hv_vm_destroy(vm);
}

Test(para_mmio, no_execution_from_mmio_interp) { no_exec(HV_ENGINE_INTERP); }
Test(para_mmio, no_execution_from_mmio_jit) { no_exec(HV_ENGINE_JIT); }
