/* SPDX-License-Identifier: MIT */
/* libhv para backend — the platform and the backend ops table: flat RAM at 0x80000000, the
 * kernel image (no firmware), the reserved area at the top of RAM (start-info, shared-info,
 * console ring), per-vCPU state, the run loop around the engine (including completion of
 * hypercalls answered by the embedder) and register access. */
#include <stdlib.h>
#include <string.h>
#include "backends/para/para.h"
#include "core/engine.h"
#include "loader/loader.h"

#define MAX_IMAGE (1ull << 30)

static int load_kernel(struct hv_vm *vm, struct hvp_vm *pv)
{
    const char *path = vm->cfg.kernel;
    pv->entry = HVP_RAM_BASE;
    if (!path)
        return 0;           /* the embedder writes code into RAM and starts at its base */
    void *data = NULL;
    size_t len = 0;
    int rc = hv__file_read(path, MAX_IMAGE, &data, &len, vm->last_error,
                           sizeof(vm->last_error));
    if (rc < 0)
        return rc;
    uint64_t lo = HVP_RAM_BASE, hi = HVP_RAM_BASE + len;
    bool elf = hv__elf_is_elf(data, len);
    if (elf) {
        struct hv_elf_info info;
        rc = hv__elf_load(&vm->mem, data, len, &info, vm->last_error, sizeof(vm->last_error));
        if (rc == 0) {
            hv__vm_keep_symbols(vm, data, len);
            pv->entry = info.entry;
            lo = info.lowest;
            hi = info.highest;
        }
    } else if (vm->cfg.kernel_boot != HV_KERNEL_BOOT_ENTRY &&
               (rc = hvp_boot_linux(pv, data, len,
                                    vm->cfg.kernel_boot == HV_KERNEL_BOOT_LINUX)) != 0) {
        free(data);                     /* a kernel Image: loaded with initrd and tree */
        return rc < 0 ? rc : 0;
    } else {
        rc = hv__raw_load(&vm->mem, HVP_RAM_BASE, data, len, vm->last_error,
                          sizeof(vm->last_error));
    }
    free(data);
    if (rc < 0)
        return rc;
    /* The image must leave the hypervisor's reserved area alone. */
    if (hi > pv->reserved_base)
        return hv__vm_error(vm, HV_ERANGE, "para: kernel %s ends at %#llx, inside the "
                            "reserved area at %#llx (give the VM more memory)", path,
                            (unsigned long long)hi, (unsigned long long)pv->reserved_base);
    pv->start.kernel_start = lo;
    pv->start.kernel_end = hi;
    /* An S-mode ELF kernel asked for the Linux protocol: initrd and device tree above it. */
    if (elf && vm->cfg.kernel_boot == HV_KERNEL_BOOT_LINUX &&
        (rc = hvp_boot_linux_loaded(pv, pv->entry, lo, hi)) < 0)
        return rc;
    return 0;
}

static void build_start_info(struct hvp_vm *pv)
{
    const struct hv_config *cfg = &pv->vm->cfg;
    struct hvp_start_info *si = &pv->start;
    si->magic = HVP_START_MAGIC;
    si->abi_version = HVP_ABI_VERSION;
    si->size = sizeof(*si);
    si->nr_vcpus = cfg->nr_vcpus;
    si->ram_base = HVP_RAM_BASE;
    si->ram_size = pv->ram_size;
    si->reserved_base = pv->reserved_base;
    si->shared_info_gpa = pv->shared_gpa;
    si->timebase_hz = HV_TIMEBASE_HZ;
    si->nr_ports = HVP_NR_PORTS;
    if (cfg->cmdline)
        memcpy(si->cmdline, cfg->cmdline, strlen(cfg->cmdline) + 1);
}

static int vm_init(struct hv_vm *vm)
{
    const struct hv_config *cfg = &vm->cfg;
    if (cfg->bios && strcmp(cfg->bios, "none"))
        return hv__vm_error(vm, HV_ENOTSUP, "para backend: no firmware (bios must be "
                            "\"none\"), got '%s'", cfg->bios);
    if (cfg->mem_size < 4 * HVP_RESERVED_SIZE)
        return hv__vm_error(vm, HV_EINVAL, "para backend: at least %u KiB of memory needed",
                            4 * HVP_RESERVED_SIZE / 1024);
    if (cfg->cmdline && strlen(cfg->cmdline) >= HVP_CMDLINE_MAX)
        return hv__vm_error(vm, HV_EINVAL, "para backend: command line longer than %u bytes",
                            HVP_CMDLINE_MAX - 1);
    if (cfg->nr_vcpus > HVP_MAX_VCPUS)
        return hv__vm_error(vm, HV_EINVAL, "para backend: at most %u vCPUs", HVP_MAX_VCPUS);
    struct hvp_vm *pv = calloc(1, sizeof(*pv));
    if (!pv)
        return hv__vm_error(vm, HV_ENOMEM, "para backend: out of memory");
    vm->backend = pv;
    pv->vm = vm;
    pthread_mutex_init(&pv->lock, NULL);
    pv->ram_size = cfg->mem_size;
    pv->reserved_base = HVP_RAM_BASE + cfg->mem_size - HVP_RESERVED_SIZE;
    pv->start_gpa = pv->reserved_base + HVP_START_INFO_OFFSET;
    pv->shared_gpa = pv->reserved_base + HVP_SHARED_INFO_OFFSET;
    pv->console_gpa = pv->reserved_base + HVP_CONSOLE_RING_OFFSET;

    int rc = hv__mem_map(&vm->mem, HVP_RAM_BASE, cfg->mem_size, HV_REGION_RAM, HV_MEM_RAM,
                         vm->last_error, sizeof(vm->last_error));
    if (rc < 0)
        return rc;
    if ((rc = load_kernel(vm, pv)) < 0)
        return rc;
    build_start_info(pv);

    struct hvp_shared_info *sh = hvp_shared(pv);
    if (!sh)
        return hv__vm_error(vm, HV_EINTERNAL, "para backend: shared-info not in RAM");
    sh->magic = HVP_SHARED_MAGIC;
    sh->abi_version = HVP_ABI_VERSION;
    sh->nr_ports = HVP_NR_PORTS;
    sh->nr_vcpus = cfg->nr_vcpus;
    for (unsigned i = 0; i < HVP_MAX_VCPUS; i++)
        sh->vcpu[i].timer_deadline = UINT64_MAX;
    if ((rc = hvp_devices_init(pv, vm->last_error, sizeof(vm->last_error))) < 0)
        return rc;
    return hv__mem_write(&vm->mem, pv->start_gpa, &pv->start, sizeof(pv->start));
}

static void vm_fini(struct hv_vm *vm)
{
    struct hvp_vm *pv = vm->backend;
    if (!pv)
        return;
    hvp_devices_fini(pv);
    pthread_mutex_destroy(&pv->lock);
    free(pv);
    vm->backend = NULL;
}

static int vcpu_init(struct hv_vcpu *vcpu)
{
    struct hvp_vm *pv = vcpu->vm->backend;
    struct hvp_vcpu *h = calloc(1, sizeof(*h));
    if (!h)
        return hv__vm_error(vcpu->vm, HV_ENOMEM, "para backend: out of memory");
    h->vcpu = vcpu;
    h->pv = pv;
    h->id = vcpu->id;
    h->timer_deadline = UINT64_MAX;
    vcpu->backend = h;
    vcpu->cpu.backend = h;
    h->policy = hvp_policy;                 /* direct window: hvp_policy_sync at run */
    vcpu->cpu.policy = &h->policy;
    hv__cpu_reset(&vcpu->cpu, pv->entry);
    /* A para vCPU boots in the virtual S-mode: it is the kernel of its VM (PARA-ABI §1). */
    hvp_smode_reset(h);
    vcpu->cpu.x[10] = vcpu->id;             /* a0 = hartid */
    vcpu->cpu.x[11] = pv->start_gpa;        /* a1 = start-info */
    atomic_store(&h->hsm, HVP_HSM_STARTED);
    if (pv->linux_boot && vcpu->id == 0)
        hvp_enter_kernel(h, pv->entry, pv->fdt_gpa);
    else if (pv->linux_boot)
        atomic_store(&h->hsm, HVP_HSM_STOPPED);     /* until SBI HSM hart_start */
    pthread_mutex_lock(&pv->lock);
    pv->vcpus[vcpu->id] = h;
    pthread_mutex_unlock(&pv->lock);
    return 0;
}

static void vcpu_fini(struct hv_vcpu *vcpu)
{
    struct hvp_vcpu *h = vcpu->backend;
    if (!h)
        return;
    if (h->pv) {
        pthread_mutex_lock(&h->pv->lock);
        h->pv->vcpus[h->id] = NULL;
        pthread_mutex_unlock(&h->pv->lock);
    }
    free(h);
    vcpu->backend = NULL;
    vcpu->cpu.backend = NULL;
}

/* The embedder answered an HV_EXIT_HYPERCALL: its sbiret goes to a0/a1 (the ecall itself
 * already completed, pc is past it). Without an answer the guest keeps NOT_SUPPORTED. */
static void complete_hypercall(struct hvp_vcpu *h)
{
    struct hv_vcpu *v = h->vcpu;
    if (!h->hcall_pending)
        return;
    h->hcall_pending = false;
    if (v->last_exit.reason != HV_EXIT_HYPERCALL)
        return;
    v->cpu.x[10] = (uint64_t)v->last_exit.u.hypercall.ret_error;
    v->cpu.x[11] = v->last_exit.u.hypercall.ret_value;
}

/* A hypercall handed to the embedder has moved pc past its ECALL: step back onto it with
 * the call's registers, so the next run makes the call (and exits) again. */
static void vcpu_cancel_exit(struct hv_vcpu *vcpu)
{
    struct hvp_vcpu *h = vcpu->backend;
    if (!h->hcall_pending || vcpu->last_exit.reason != HV_EXIT_HYPERCALL)
        return;
    const struct hv_exit *e = &vcpu->last_exit;
    for (unsigned i = 0; i < 6; i++)
        vcpu->cpu.x[10 + i] = e->u.hypercall.args[i];
    vcpu->cpu.x[16] = e->u.hypercall.fid;
    vcpu->cpu.x[17] = e->u.hypercall.eid;
    vcpu->cpu.pc = e->pc - 4;           /* ECALL has no compressed form */
    h->hcall_pending = false;
}


/* Run until an exit for the caller. A hart_stop inside a run (parked) goes back to the HSM
 * sleep instead of returning. */
static int run_loop(struct hvp_vcpu *h, uint64_t stop_at, struct hv_exit *exit)
{
    struct hv_vcpu *vcpu = h->vcpu;
    for (;;) {
        hv__engine_begin(vcpu, stop_at);
        /* A stopped hart (HSM) sleeps here until hart_start, a kick, a stop or a deadline. */
        uint32_t s = atomic_load(&h->hsm);
        if ((s == HVP_HSM_STOPPED || s == HVP_HSM_START_PENDING) && hvp_hsm_wait(h))
            return hv__engine_end(vcpu, HV_STEP_EXIT, "para backend", exit);
        hvp_policy_sync(h);
        int rc = hv__engine_run(vcpu, stop_at, "para backend", NULL);
        if (h->parked && rc == HV_STEP_EXIT) {
            h->parked = false;          /* hart_stop: back to sleep, not out to the caller */
            continue;
        }
        h->parked = false;
        return hv__engine_end(vcpu, rc, "para backend", exit);
    }
}

static int vcpu_run(struct hv_vcpu *vcpu, uint64_t stop_at, struct hv_exit *exit)
{
    struct hvp_vcpu *h = vcpu->backend;
    complete_hypercall(h);
    atomic_store(&h->in_run, true);     /* remote fences wait for this hart's answer */
    int rc = run_loop(h, stop_at, exit);
    atomic_store(&h->in_run, false);
    return rc;
}

static int get_reg(struct hv_vcpu *vcpu, unsigned reg, uint64_t *val)
{
    if (reg == HV_REG_PRIV) {
        *val = vcpu->cpu.priv;
        return 0;
    }
    if (reg >= HV_REG_CSR_BASE && reg < HV_REG_CSR_BASE + 4096)
        return hvp_csr_get(vcpu->backend, reg - HV_REG_CSR_BASE, val);
    return HV_ENOENT;
}

static int set_reg(struct hv_vcpu *vcpu, unsigned reg, uint64_t val)
{
    if (reg == HV_REG_PRIV) {
        /* U and S exist; there is no M-mode on para. */
        if (val != HV_PRIV_U && val != HV_PRIV_S)
            return HV_EINVAL;
        vcpu->cpu.priv = (uint32_t)val;
        hv__cpu_tlb_flush(&vcpu->cpu);
        vcpu->cpu.exit_request = 1;
        return 0;
    }
    if (reg >= HV_REG_CSR_BASE && reg < HV_REG_CSR_BASE + 4096)
        return hvp_csr_set(vcpu->backend, reg - HV_REG_CSR_BASE, val);
    return HV_ENOENT;
}

static void vcpu_wake(struct hv_vcpu *vcpu)
{
    if (vcpu->backend)
        hvp_wake(vcpu->backend);
}

const struct hv_backend_ops hvp_backend_ops = {
    .name = "para",
    .vm_init = vm_init,
    .vm_fini = vm_fini,
    .vcpu_init = vcpu_init,
    .vcpu_fini = vcpu_fini,
    .vcpu_run = vcpu_run,
    .vcpu_wake = vcpu_wake,
    .get_reg = get_reg,
    .set_reg = set_reg,
    .snapshot_save = hvp_snapshot_save,
    .snapshot_load = hvp_snapshot_load,
    .snapshot_host_pages = hvp_snapshot_host_pages,
    .vcpu_cancel_exit = vcpu_cancel_exit,
};
