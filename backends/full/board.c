/* SPDX-License-Identifier: MIT */
/* libhv full backend — the board and the backend ops table: RAM at 0x80000000, the devices
 * (the device table, platform.c) and boot images (boot.c), per-hart state, the run loop
 * around the engine (with the in-library reboot) and register access. */
#include <stdlib.h>
#include <string.h>
#include "backends/full/full.h"
#include "backends/full/snapshot.h"
#include "core/engine.h"

const struct hv_cpu_policy hvf_policy = {
    .tlb_fill = hvf_tlb_fill,
    .mmio = hvf_mmio,
    .csr_read = hvf_csr_read,
    .csr_write = hvf_csr_write,
    .system = hvf_system,
    .take_trap = hvf_take_trap,
    .poll = hvf_poll,
    .code_written = hvf_code_written,
    .fp_check = hvf_fp_check,
    .data_flat = hvf_data_flat,
};

void hvf_board_stop(struct hvf_board *b, enum hv_exit_reason reason, int code)
{
    atomic_store(&b->stop_code, code);
    atomic_store(&b->stop_reason, (int)reason);
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
        hvf_hart_wake(b->harts[i]);
}

static int vm_init(struct hv_vm *vm)
{
    char *err = vm->last_error;
    size_t errlen = sizeof(vm->last_error);
    struct hvf_board *b = calloc(1, sizeof(*b));
    if (!b)
        return hv__vm_error(vm, HV_ENOMEM, "full backend: out of memory");
    vm->backend = b;
    b->vm = vm;
    int rc;
    if ((rc = hv__mem_map(&vm->mem, HVF_RAM_BASE, vm->cfg.mem_size, HV_REGION_RAM, HV_MEM_RAM,
                          err, errlen)) < 0 ||
        (rc = hvf_platform_create(b, err, errlen)) < 0)
        return rc;
    return hvf_boot_load(b);
}

static void vm_fini(struct hv_vm *vm)
{
    if (vm->backend)
        (void)hvf_platform_destroy(vm->backend, false, vm->last_error, sizeof(vm->last_error));
    free(vm->backend);
    vm->backend = NULL;
}

static int vcpu_init(struct hv_vcpu *vcpu)
{
    struct hvf_board *b = vcpu->vm->backend;
    struct hvf_hart *h = calloc(1, sizeof(*h));
    if (!h)
        return hv__vm_error(vcpu->vm, HV_ENOMEM, "full backend: out of memory");
    h->vcpu = vcpu;
    h->board = b;
    h->id = vcpu->id;
    vcpu->backend = h;
    vcpu->cpu.backend = h;
    vcpu->cpu.policy = &hvf_policy;
    hv__cpu_reset(&vcpu->cpu, b->entry);
    /* M-mode data is untranslated: main RAM's addend marks the soft-TLB's near pages. */
    const struct hv_region *ram = hv__mem_find(&vcpu->vm->mem, HVF_RAM_BASE);
    if (ram && ram->kind == HV_REGION_RAM && ram->host) {
        vcpu->cpu.tlb_near = (uintptr_t)ram->host - (uintptr_t)HVF_RAM_BASE;
        vcpu->cpu.flat_base = ram->gpa;
        vcpu->cpu.flat_size = ram->size;
        vcpu->cpu.flat_host = ram->host;
    }
    hvf_hart_reset(h);
    vcpu->cpu.x[10] = vcpu->id;        /* a0 = hartid */
    vcpu->cpu.x[11] = b->dtb_addr;     /* a1 = DTB */
    vcpu->cpu.reservation = HV_TLB_INVALID;
    b->harts[vcpu->id] = h;
    hvf_platform_sync_hart(b, vcpu->id);   /* PLIC lines raised before this hart existed */
    return 0;
}

static void vcpu_fini(struct hv_vcpu *vcpu)
{
    struct hvf_hart *h = vcpu->backend;
    if (!h)
        return;
    if (h->board && vcpu->id < HV_MAX_VCPUS)
        h->board->harts[vcpu->id] = NULL;
    free(h);
    vcpu->backend = NULL;
    vcpu->cpu.backend = NULL;
}

/* on_reboot = restart is handled here for one hart; with several, the other harts would
 * have to be stopped and reset together, so the caller gets HV_EXIT_REBOOT instead. */
static bool restart_in_library(const struct hv_vm *vm)
{
    return vm->cfg.on_reboot == HV_ACTION_RESTART && vm->cfg.nr_vcpus <= 1;
}

/* A board reset as QEMU's: devices re-created (disks and the serial port stay), boot images
 * re-loaded over the kept RAM, the hart back at its reset state. */
static int restart(struct hv_vcpu *vcpu)
{
    struct hvf_hart *h = vcpu->backend;
    struct hvf_board *b = h->board;
    struct hv_vm *vm = b->vm;
    char *err = vm->last_error;
    size_t errlen = sizeof(vm->last_error);
    int rc = hvf_platform_destroy(b, true, err, errlen);
    if (rc < 0)
        return rc;
    atomic_store(&b->stop_reason, 0);
    atomic_store(&b->stop_code, 0);
    atomic_store(&b->next_dev_poll, 0);
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
        atomic_store(&b->ext_ip[i], 0);
    b->dtb_addr = 0;
    if ((rc = hvf_platform_create(b, err, errlen)) < 0 || (rc = hvf_boot_load(b)) < 0)
        return rc;
    struct hv_cpu *cpu = &vcpu->cpu;
    hvf_code_written(cpu, HVF_RAM_BASE, vm->cfg.mem_size);   /* images were rewritten */
    hvf_code_written(cpu, 0x1000, 0xf000);                   /* and the MROM */
    hv__cpu_reset(cpu, b->entry);
    hvf_hart_reset(h);
    cpu->x[10] = h->id;
    cpu->x[11] = b->dtb_addr;
    hvf_platform_sync_hart(b, h->id);
    hv__log(vm, HV_LOG_INFO, "full backend: guest reboot, board reset (on_reboot=restart)");
    return 0;
}

static int vcpu_run(struct hv_vcpu *vcpu, uint64_t stop_at, struct hv_exit *exit)
{
    int rc;
    hv__engine_begin(vcpu, stop_at);
    for (;;) {
        if ((rc = hv__engine_run(vcpu, stop_at, "full backend", NULL)) < 0)
            return rc;
        if (rc != HV_STEP_EXIT || !vcpu->exit_set || vcpu->exit.reason != HV_EXIT_REBOOT ||
            !restart_in_library(vcpu->vm))
            break;
        /* Under lockstep the twin VM reboots with this one. */
        if ((rc = restart(vcpu)) < 0 || (vcpu->twin && (rc = restart(vcpu->twin)) < 0))
            return rc;
        vcpu->cpu.exit_request = 1;        /* a full first poll after the reset */
        if (vcpu->twin)
            vcpu->twin->cpu.exit_request = 1;
        hv__engine_begin(vcpu, stop_at);
    }
    return hv__engine_end(vcpu, rc, "full backend", exit);
}

/* Kicks and console input: end a WFI sleep. Async-signal-safe (atomics and a futex wake). */
static void vcpu_wake(struct hv_vcpu *vcpu)
{
    hvf_hart_wake(vcpu->backend);
}

static int get_reg(struct hv_vcpu *vcpu, unsigned reg, uint64_t *val)
{
    struct hvf_hart *h = vcpu->backend;
    if (reg == HV_REG_PRIV) {
        *val = vcpu->cpu.priv;
        return 0;
    }
    if (reg >= HV_REG_CSR_BASE && reg < HV_REG_CSR_BASE + 4096)
        return hvf_csr_get(h, reg - HV_REG_CSR_BASE, val) < 0 ? HV_ENOENT : 0;
    return HV_ENOENT;
}

static int set_reg(struct hv_vcpu *vcpu, unsigned reg, uint64_t val)
{
    struct hvf_hart *h = vcpu->backend;
    if (reg == HV_REG_PRIV) {
        if (val != HV_PRIV_U && val != HV_PRIV_S && val != HV_PRIV_M)
            return HV_EINVAL;
        vcpu->cpu.priv = (uint32_t)val;
        hv__cpu_tlb_flush(&vcpu->cpu);
        vcpu->cpu.exit_request = 1;
        return 0;
    }
    if (reg >= HV_REG_CSR_BASE && reg < HV_REG_CSR_BASE + 4096)
        return hvf_csr_set(h, reg - HV_REG_CSR_BASE, val) < 0 ? HV_ENOENT : 0;
    return HV_ENOENT;
}

/* The access is made again when its instruction re-executes (mmu.c: hvf_mmio). */
static void vcpu_cancel_exit(struct hv_vcpu *vcpu)
{
    struct hvf_hart *h = vcpu->backend;
    h->mmio.active = false;
}

const struct hv_backend_ops hvf_backend_ops = {
    .name = "full",
    .vm_init = vm_init,
    .vm_fini = vm_fini,
    .vcpu_init = vcpu_init,
    .vcpu_fini = vcpu_fini,
    .vcpu_run = vcpu_run,
    .vcpu_wake = vcpu_wake,
    .get_reg = get_reg,
    .set_reg = set_reg,
    .snapshot_save = hvf_snapshot_save,      /* snapshot.c */
    .snapshot_load = hvf_snapshot_load,
    .vcpu_cancel_exit = vcpu_cancel_exit,
};
