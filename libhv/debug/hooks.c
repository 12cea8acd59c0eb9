/* SPDX-License-Identifier: MIT */
/* libhv debug — the embedding hooks of the public API: breakpoints (the engines honour the
 * set kept in cpu->dbg, see cpu.h), virtual-time deadlines, embedder hypercall handlers,
 * bulk register access and a side-effect-free guest-virtual view of memory (debuggers). */
#include <string.h>
#include "core/vm.h"

#define CSR_SATP 0x180
#define SATP_MODE_SV39 8ull
#define SATP_MODE_SV48 9ull
#define PTE_V 1ull
#define PTE_R 2ull
#define PTE_W 4ull
#define PTE_X 8ull
#define PAGE 4096ull

/* Configuration-style calls are refused while the vCPU runs: engines read this state
 * without locks. */
static int check_stopped(struct hv_vcpu *v)
{
    return atomic_load(&v->running) && !v->in_hook ? HV_EBUSY : 0;
}

/* ---- breakpoints ------------------------------------------------------------------------ */

HV_API int hv_vcpu_set_breakpoint(hv_vcpu *vcpu, uint64_t pc)
{
    if (!vcpu)
        return HV_EINVAL;
    int rc = check_stopped(vcpu);
    if (rc < 0)
        return rc;
    struct hv_cpu_debug *d = &vcpu->cpu.dbg;
    if (hv__cpu_is_breakpoint(d, pc))
        return 0;
    if (d->nr_bp >= HV_CPU_MAX_BREAKPOINTS)
        return hv__vm_error(vcpu->vm, HV_ELIMIT, "vCPU %u: already %d breakpoints", vcpu->id,
                            HV_CPU_MAX_BREAKPOINTS);
    d->bp[d->nr_bp++] = pc;
    d->gen++;
    return 0;
}

HV_API int hv_vcpu_clear_breakpoint(hv_vcpu *vcpu, uint64_t pc)
{
    if (!vcpu)
        return HV_EINVAL;
    int rc = check_stopped(vcpu);
    if (rc < 0)
        return rc;
    struct hv_cpu_debug *d = &vcpu->cpu.dbg;
    for (uint32_t i = 0; i < d->nr_bp; i++) {
        if (d->bp[i] != pc)
            continue;
        d->bp[i] = d->bp[--d->nr_bp];
        d->gen++;
        return 0;
    }
    return HV_ENOENT;
}

/* ---- deadlines -------------------------------------------------------------------------- */

HV_API uint64_t hv_vm_clock_ns(hv_vm *vm)
{
    return vm ? hv__clock_ns(&vm->clock) : 0;
}

HV_API int hv_vcpu_set_deadline(hv_vcpu *vcpu, uint64_t virtual_ns)
{
    if (!vcpu)
        return HV_EINVAL;
    int rc = check_stopped(vcpu);
    if (rc < 0)
        return rc;
    vcpu->deadline_ns = virtual_ns;
    vcpu->deadline_check_at = 0;
    if (vcpu->twin)
        vcpu->twin->deadline_ns = virtual_ns;   /* virtual time is the same in the twin */
    /* Poll at once so a deadline already in the past is reported before any instruction. */
    __atomic_store_n(&vcpu->cpu.exit_request, 1, __ATOMIC_SEQ_CST);
    return 0;
}

/* ---- bulk registers --------------------------------------------------------------------- */

HV_API int hv_vcpu_get_regs(hv_vcpu *vcpu, struct hv_regs *regs)
{
    if (!vcpu || !regs)
        return HV_EINVAL;
    int rc = check_stopped(vcpu);
    if (rc < 0)
        return rc;
    const struct hv_cpu *c = &vcpu->cpu;
    memcpy(regs->x, c->x, sizeof(regs->x));
    regs->x[0] = 0;
    regs->pc = c->pc;
    memcpy(regs->f, c->f, sizeof(regs->f));
    regs->fcsr = (c->fflags & 0x1f) | ((uint64_t)(c->frm & 7) << 5);
    regs->priv = c->priv;
    return 0;
}

HV_API int hv_vcpu_set_regs(hv_vcpu *vcpu, const struct hv_regs *regs)
{
    if (!vcpu || !regs)
        return HV_EINVAL;
    int rc = check_stopped(vcpu);
    if (rc < 0)
        return rc;
    hv__lockstep_dirty(vcpu->vm);
    struct hv_cpu *c = &vcpu->cpu;
    /* Privilege first: it is the only field the backend may refuse. */
    if (regs->priv != c->priv) {
        if (vcpu->in_hook)
            return HV_EBUSY;    /* engines cache privileged state while running */
        if (!vcpu->vm->ops->set_reg)
            return HV_EINVAL;
        rc = vcpu->vm->ops->set_reg(vcpu, HV_REG_PRIV, regs->priv);
        if (rc < 0)
            return rc;
    }
    memcpy(c->x, regs->x, sizeof(c->x));
    c->x[0] = 0;
    c->pc = regs->pc;
    memcpy(c->f, regs->f, sizeof(c->f));
    c->fflags = (uint32_t)regs->fcsr & 0x1f;
    c->frm = (uint32_t)(regs->fcsr >> 5) & 7;
    return 0;
}

/* ---- guest-virtual memory (a debugger's view) ------------------------------------------- */

/* Sv39/Sv48 walk reading PTEs only: no A/D updates and no permission checks, so looking at
 * memory from a debugger never changes what the guest sees. */
static int walk(struct hv_vm *vm, uint64_t satp, uint64_t va, uint64_t *pa)
{
    unsigned levels = (satp >> 60) == SATP_MODE_SV39 ? 3 : 4;
    unsigned vabits = 12 + 9 * levels;
    if ((uint64_t)((int64_t)(va << (64 - vabits)) >> (64 - vabits)) != va)
        return HV_EFAULT;
    uint64_t base = (satp & ((1ull << 44) - 1)) << 12;
    for (int i = (int)levels - 1; i >= 0; i--) {
        uint64_t pte;
        if (hv__mem_read(&vm->mem, base + ((va >> (12 + 9 * i)) & 0x1ff) * 8, &pte, 8) < 0)
            return HV_EFAULT;
        if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W)))
            return HV_EFAULT;
        uint64_t ppn = (pte >> 10) & ((1ull << 44) - 1);
        if (!(pte & (PTE_R | PTE_X))) {
            base = ppn << 12;
            continue;
        }
        uint64_t mask = (1ull << (12 + 9 * i)) - 1;
        *pa = ((ppn << 12) & ~mask) | (va & mask);
        return 0;
    }
    return HV_EFAULT;
}

HV_API int hv_vcpu_translate(hv_vcpu *vcpu, uint64_t va, uint64_t *pa)
{
    if (!vcpu || !pa)
        return HV_EINVAL;
    int rc = check_stopped(vcpu);
    if (rc < 0)
        return rc;
    uint64_t satp = 0;
    /* No satp (a backend without one), Bare, or M-mode means identity. */
    if (vcpu->cpu.priv == HV_PRIV_M || !vcpu->vm->ops->get_reg ||
        vcpu->vm->ops->get_reg(vcpu, HV_REG_CSR(CSR_SATP), &satp) < 0 ||
        ((satp >> 60) != SATP_MODE_SV39 && (satp >> 60) != SATP_MODE_SV48)) {
        *pa = va;
        return 0;
    }
    return walk(vcpu->vm, satp, va, pa);
}

static int vmem_copy(struct hv_vcpu *vcpu, uint64_t va, void *buf, size_t len, bool write)
{
    uint8_t *p = buf;
    while (len) {
        size_t chunk = PAGE - (va & (PAGE - 1));
        if (chunk > len)
            chunk = len;
        uint64_t pa;
        int rc = hv_vcpu_translate(vcpu, va, &pa);
        if (rc == 0)
            rc = write ? hv_vm_mem_write(vcpu->vm, pa, p, chunk)
                       : hv_vm_mem_read(vcpu->vm, pa, p, chunk);
        if (rc < 0)
            return rc;
        va += chunk;
        p += chunk;
        len -= chunk;
    }
    return 0;
}

HV_API int hv_vcpu_mem_read(hv_vcpu *vcpu, uint64_t va, void *buf, size_t len)
{
    if (!vcpu || (!buf && len))
        return HV_EINVAL;
    return vmem_copy(vcpu, va, buf, len, false);
}

HV_API int hv_vcpu_mem_write(hv_vcpu *vcpu, uint64_t va, const void *buf, size_t len)
{
    if (!vcpu || (!buf && len))
        return HV_EINVAL;
    hv__lockstep_dirty(vcpu->vm);
    return vmem_copy(vcpu, va, (void *)(uintptr_t)buf, len, true);
}

/* ---- embedder hypercall handlers -------------------------------------------------------- */

static struct hv__hcall_handler *find_handler(struct hv_vm *vm, uint64_t eid)
{
    for (unsigned i = 0; i < vm->nr_hcall; i++)
        if (vm->hcall[i].eid == eid)
            return &vm->hcall[i];
    return NULL;
}

HV_API int hv_vm_set_hypercall_handler(hv_vm *vm, uint64_t eid, hv_hypercall_fn fn,
                                       void *opaque, unsigned flags)
{
    if (!vm)
        return HV_EINVAL;
    if (vm->cfg.backend != HV_BACKEND_PARA)
        return hv__vm_error(vm, HV_ENOTSUP, "hypercall handlers need the para backend");
    if (flags & ~(unsigned)HV_HYPERCALL_OVERRIDE)
        return hv__vm_error(vm, HV_EINVAL, "hv_vm_set_hypercall_handler: bad flags %#x", flags);
    if (atomic_load(&vm->running) > 0)
        return hv__vm_error(vm, HV_EBUSY, "hv_vm_set_hypercall_handler: a vCPU is running");
    struct hv__hcall_handler *h = find_handler(vm, eid);
    if (!fn) {
        if (!h)
            return HV_ENOENT;
        *h = vm->hcall[--vm->nr_hcall];
        return 0;
    }
    if (!h) {
        if (vm->nr_hcall >= HV_MAX_HYPERCALL_HANDLERS)
            return hv__vm_error(vm, HV_ELIMIT, "at most %d hypercall handlers",
                                HV_MAX_HYPERCALL_HANDLERS);
        h = &vm->hcall[vm->nr_hcall++];
    }
    *h = (struct hv__hcall_handler){ .eid = eid, .fn = fn, .opaque = opaque, .flags = flags };
    return 0;
}

bool hv__hypercall_has_handler(const struct hv_vm *vm, uint64_t eid)
{
    for (unsigned i = 0; i < vm->nr_hcall; i++)
        if (vm->hcall[i].eid == eid && eid != HV_HYPERCALL_ANY)
            return true;
    return false;
}

bool hv__hypercall_embedder(struct hv_vcpu *v, struct hv_hypercall *call, bool builtin)
{
    struct hv_vm *vm = v->vm;
    if (!vm->nr_hcall)
        return false;
    struct hv__hcall_handler *order[2] = { find_handler(vm, call->eid),
                                           find_handler(vm, HV_HYPERCALL_ANY) };
    if (order[0] == order[1])
        order[1] = NULL;
    for (unsigned i = 0; i < 2; i++) {
        struct hv__hcall_handler *h = order[i];
        if (!h || (builtin && !(h->flags & HV_HYPERCALL_OVERRIDE)))
            continue;
        call->ret_error = -2;           /* SBI_ERR_NOT_SUPPORTED unless the handler says */
        call->ret_value = 0;
        if (h->fn(h->opaque, v, call))
            return true;
    }
    return false;
}
