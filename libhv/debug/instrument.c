/* SPDX-License-Identifier: MIT */
/* libhv debug — hooks, edge coverage and watchpoints (hv/hooks.h): the VM keeps the list
 * (changed only while no vCPU runs) and pushes a summary into every vCPU's cpu.hk, which
 * the engines consult (the contract is in cpu/cpu.h); the callbacks below turn the engines'
 * events into calls of the embedder's hooks. */
#include <stddef.h>
#include <string.h>
#include "core/vm.h"

#define PAGE_MASK (~0xfffull)

static struct hv_vcpu *vcpu_of(struct hv_cpu *cpu)
{
    return (struct hv_vcpu *)((char *)cpu - offsetof(struct hv_vcpu, cpu));
}

static bool covers(const struct hv_hook *h, uint64_t lo, uint64_t hi)
{
    return lo <= h->end && hi >= h->begin;
}

/* Run one callback with register and memory calls allowed; record a stop. */
#define CALL_HOOK(v, expr)                                                               \
    ({                                                                                  \
        (v)->in_hook = true;                                                            \
        int rc_ = (expr);                                                               \
        (v)->in_hook = false;                                                           \
        if (rc_ == HV_HOOK_STOP)                                                        \
            (v)->cpu.hk.stop = true;                                                    \
        rc_;                                                                            \
    })

static void ev_block(struct hv_cpu *cpu, uint64_t pc)
{
    struct hv_vcpu *v = vcpu_of(cpu);
    struct hv_vm *vm = v->vm;
    for (unsigned i = 0; i < vm->nr_hooks; i++) {
        const struct hv_hook *h = &vm->hooks[i].h;
        if (h->type == HV_HOOK_BLOCK && covers(h, pc, pc))
            CALL_HOOK(v, h->fn.block(h->opaque, v, pc));
    }
}

static bool ev_insn_hooked(struct hv_cpu *cpu, uint64_t pc)
{
    struct hv_vm *vm = vcpu_of(cpu)->vm;
    for (unsigned i = 0; i < vm->nr_hooks; i++) {
        const struct hv_hook *h = &vm->hooks[i].h;
        if (h->type == HV_HOOK_INSN && covers(h, pc, pc))
            return true;
    }
    return false;
}

static void ev_insn(struct hv_cpu *cpu, uint64_t pc, uint32_t raw, unsigned len)
{
    struct hv_vcpu *v = vcpu_of(cpu);
    struct hv_vm *vm = v->vm;
    if (len == 2)
        raw &= 0xffff;
    for (unsigned i = 0; i < vm->nr_hooks; i++) {
        const struct hv_hook *h = &vm->hooks[i].h;
        if (h->type == HV_HOOK_INSN && covers(h, pc, pc))
            CALL_HOOK(v, h->fn.insn(h->opaque, v, pc, raw, len));
    }
}

static int mem_type(enum hv_access acc)
{
    return acc == HV_ACC_WRITE ? HV_HOOK_MEM_WRITE : HV_HOOK_MEM_READ;
}

static bool ev_page_hooked(struct hv_cpu *cpu, uint64_t va_page, uintptr_t host_page,
                           enum hv_access acc)
{
    struct hv_vm *vm = vcpu_of(cpu)->vm;
    uint64_t pa_page = (uint64_t)(host_page - (uintptr_t)vm->mem.base);
    for (unsigned i = 0; i < vm->nr_hooks; i++) {
        const struct hv_hook *h = &vm->hooks[i].h;
        if (h->type != mem_type(acc))
            continue;
        uint64_t lo = (h->flags & HV_HOOK_PHYS) ? pa_page : va_page;
        if (covers(h, lo, lo + 0xfff))
            return true;
    }
    return false;
}

static void ev_mem(struct hv_cpu *cpu, enum hv_access acc, uint64_t va, uintptr_t host,
                   uint64_t pa, bool is_mmio, unsigned size, uint64_t value)
{
    struct hv_vcpu *v = vcpu_of(cpu);
    struct hv_vm *vm = v->vm;
    if (!is_mmio)
        pa = (uint64_t)(host - (uintptr_t)vm->mem.base);
    uint64_t pc = cpu->pc;
    for (unsigned i = 0; i < vm->nr_hooks; i++) {
        const struct hv__hook *k = &vm->hooks[i];
        const struct hv_hook *h = &k->h;
        if (h->type != mem_type(acc))
            continue;
        uint64_t addr = (h->flags & HV_HOOK_PHYS) ? pa : va;
        if (!covers(h, addr, addr + size - 1))
            continue;
        if (k->watch) {
            if (!v->watch_hit) {
                v->watch_hit = true;
                v->watch_type = k->watch;
                /* The first watched byte the access touched (what gdb matches). */
                v->watch_addr = va < h->begin ? h->begin : va;
                v->watch_size = size;
                v->watch_write = acc == HV_ACC_WRITE;
            }
            cpu->hk.stop = true;
            continue;
        }
        CALL_HOOK(v, h->fn.mem(h->opaque, v, h->type, addr, size, value));
    }
    cpu->pc = pc;               /* memory hooks cannot redirect the instruction */
}

static bool ev_invalid(struct hv_cpu *cpu, enum hv_access acc, uint64_t va, unsigned size,
                       uint64_t *value)
{
    struct hv_vcpu *v = vcpu_of(cpu);
    struct hv_vm *vm = v->vm;
    uint64_t pc = cpu->pc;
    bool resolved = false;
    for (unsigned i = 0; i < vm->nr_hooks; i++) {
        const struct hv_hook *h = &vm->hooks[i].h;
        if (h->type != HV_HOOK_MEM_INVALID || !covers(h, va, va + size - 1))
            continue;
        int rc = CALL_HOOK(v, h->fn.invalid(h->opaque, v, mem_type(acc), va, size, value));
        if (rc == HV_HOOK_RESOLVED || rc == HV_HOOK_STOP)
            resolved = true;
    }
    cpu->pc = pc;
    return resolved;
}

static const struct hv_cpu_hook_ops hook_ops = {
    .block = ev_block,
    .insn_hooked = ev_insn_hooked,
    .insn = ev_insn,
    .page_hooked = ev_page_hooked,
    .mem = ev_mem,
    .invalid = ev_invalid,
};

/* ---- the VM's list -> every vCPU ------------------------------------------------------- */

void hv__hooks_apply_vcpu(struct hv_vcpu *v)
{
    struct hv_vm *vm = v->vm;
    struct hv_cpu_hooks *hk = &v->cpu.hk;
    bool was_on = hk->on;
    hk->block = hk->insn = hk->mem = hk->invalid = false;
    for (unsigned i = 0; i < vm->nr_hooks; i++) {
        switch (vm->hooks[i].h.type) {
        case HV_HOOK_BLOCK: hk->block = true; break;
        case HV_HOOK_INSN: hk->insn = true; break;
        case HV_HOOK_MEM_READ:
        case HV_HOOK_MEM_WRITE: hk->mem = true; break;
        case HV_HOOK_MEM_INVALID: hk->invalid = true; break;
        }
    }
    hk->cov = vm->cov;
    hk->cov_mask = vm->cov_size ? vm->cov_size - 1 : 0;
    hk->ops = &hook_ops;
    hk->on = hk->block || hk->insn || hk->mem || hk->invalid || hk->cov;
    if (hk->on && !was_on)
        hk->fall = HV_HK_NOFALL;    /* the next instruction starts a block */
    hk->gen++;                      /* translated code bakes the hooks in */
    hv__cpu_tlb_flush(&v->cpu);     /* hooked pages must leave the soft-TLB */
}

static int vm_busy(struct hv_vm *vm, const char *what)
{
    if (atomic_load(&vm->running) > 0)
        return hv__vm_error(vm, HV_EBUSY, "%s: a vCPU is running", what);
    return 0;
}

static void apply_all(struct hv_vm *vm)
{
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
        if (vm->vcpus[i])
            hv__hooks_apply_vcpu(vm->vcpus[i]);
}

static int add(struct hv_vm *vm, const struct hv_hook *hook, int watch)
{
    if (vm->nr_hooks >= HV_MAX_HOOKS)
        return hv__vm_error(vm, HV_ELIMIT, "at most %d hooks and watchpoints", HV_MAX_HOOKS);
    struct hv__hook *k = &vm->hooks[vm->nr_hooks++];
    k->id = vm->next_hook_id++;
    k->h = *hook;
    k->watch = watch;
    apply_all(vm);
    return k->id;
}

HV_API int hv_vm_hook_add(hv_vm *vm, const struct hv_hook *hook)
{
    if (!vm || !hook)
        return HV_EINVAL;
    int rc = vm_busy(vm, "hv_vm_hook_add");
    if (rc < 0)
        return rc;
    if (hook->type < HV_HOOK_BLOCK || hook->type > HV_HOOK_MEM_INVALID)
        return hv__vm_error(vm, HV_EINVAL, "hv_vm_hook_add: bad type %d", hook->type);
    if (hook->flags & ~(unsigned)HV_HOOK_PHYS)
        return hv__vm_error(vm, HV_EINVAL, "hv_vm_hook_add: bad flags %#x", hook->flags);
    if ((hook->flags & HV_HOOK_PHYS) && hook->type != HV_HOOK_MEM_READ &&
        hook->type != HV_HOOK_MEM_WRITE)
        return hv__vm_error(vm, HV_EINVAL, "hv_vm_hook_add: HV_HOOK_PHYS is for memory "
                            "read/write hooks");
    if (hook->begin > hook->end)
        return hv__vm_error(vm, HV_EINVAL, "hv_vm_hook_add: begin > end");
    if (!hook->fn.block)
        return hv__vm_error(vm, HV_EINVAL, "hv_vm_hook_add: no callback");
    return add(vm, hook, 0);
}

static void del_at(struct hv_vm *vm, unsigned i)
{
    /* Keep the order (hooks run in the order they were added). */
    memmove(&vm->hooks[i], &vm->hooks[i + 1], (vm->nr_hooks - i - 1) * sizeof(vm->hooks[0]));
    vm->nr_hooks--;
    apply_all(vm);
}

HV_API int hv_vm_hook_del(hv_vm *vm, int id)
{
    if (!vm)
        return HV_EINVAL;
    int rc = vm_busy(vm, "hv_vm_hook_del");
    if (rc < 0)
        return rc;
    for (unsigned i = 0; i < vm->nr_hooks; i++) {
        if (vm->hooks[i].id == id && !vm->hooks[i].watch) {
            del_at(vm, i);
            return 0;
        }
    }
    return HV_ENOENT;
}

HV_API int hv_vm_set_coverage(hv_vm *vm, uint8_t *map, size_t size)
{
    if (!vm)
        return HV_EINVAL;
    int rc = vm_busy(vm, "hv_vm_set_coverage");
    if (rc < 0)
        return rc;
    if (map && (size < 64 || size > (1u << 28) || (size & (size - 1))))
        return hv__vm_error(vm, HV_EINVAL, "coverage map size %zu: must be a power of two "
                            "between 64 and 2^28", size);
    vm->cov = map;
    vm->cov_size = map ? size : 0;
    apply_all(vm);
    return 0;
}

HV_API int hv_vm_coverage_reset(hv_vm *vm)
{
    if (!vm)
        return HV_EINVAL;
    int rc = vm_busy(vm, "hv_vm_coverage_reset");
    if (rc < 0)
        return rc;
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++) {
        if (vm->vcpus[i]) {
            vm->vcpus[i]->cpu.hk.cov_prev = 0;
            vm->vcpus[i]->cpu.hk.fall = HV_HK_NOFALL;
        }
    }
    return 0;
}

/* ---- watchpoints: memory hooks that stop --------------------------------------------- */

static int watch_noop(void *opaque, hv_vcpu *vcpu, int type, uint64_t addr, unsigned size,
                      uint64_t value)
{
    (void)opaque, (void)vcpu, (void)type, (void)addr, (void)size, (void)value;
    return HV_HOOK_CONTINUE;
}

static int watch_check(struct hv_vm *vm, uint64_t addr, uint64_t len, int type)
{
    if (!vm)
        return HV_EINVAL;
    int rc = vm_busy(vm, "watchpoint");
    if (rc < 0)
        return rc;
    if (!len || addr + len - 1 < addr || type < HV_WATCH_WRITE || type > HV_WATCH_ACCESS)
        return hv__vm_error(vm, HV_EINVAL, "watchpoint: bad range or type");
    return 0;
}

HV_API int hv_vm_set_watchpoint(hv_vm *vm, uint64_t addr, uint64_t len, int type)
{
    int rc = watch_check(vm, addr, len, type);
    if (rc < 0)
        return rc;
    unsigned need = type == HV_WATCH_ACCESS ? 2 : 1;
    if (vm->nr_hooks + need > HV_MAX_HOOKS)
        return hv__vm_error(vm, HV_ELIMIT, "at most %d hooks and watchpoints", HV_MAX_HOOKS);
    struct hv_hook h = { .begin = addr, .end = addr + len - 1, .fn.mem = watch_noop };
    if (type & HV_WATCH_WRITE) {
        h.type = HV_HOOK_MEM_WRITE;
        add(vm, &h, type);
    }
    if (type & HV_WATCH_READ) {
        h.type = HV_HOOK_MEM_READ;
        add(vm, &h, type);
    }
    return 0;
}

HV_API int hv_vm_clear_watchpoint(hv_vm *vm, uint64_t addr, uint64_t len, int type)
{
    int rc = watch_check(vm, addr, len, type);
    if (rc < 0)
        return rc;
    bool found = false;
    for (unsigned i = vm->nr_hooks; i-- > 0;) {
        const struct hv__hook *k = &vm->hooks[i];
        if (k->watch == type && k->h.begin == addr && k->h.end == addr + len - 1) {
            del_at(vm, i);
            found = true;
        }
    }
    return found ? 0 : HV_ENOENT;
}

void hv__watchpoints_clear(struct hv_vm *vm)
{
    for (unsigned i = vm->nr_hooks; i-- > 0;)
        if (vm->hooks[i].watch)
            del_at(vm, i);
}
