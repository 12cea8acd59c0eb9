/* SPDX-License-Identifier: MIT */
/* libhv core — vCPU life cycle and the run loop's embedder-facing half: run-state
 * bookkeeping (so a VM cannot be destroyed under a running vCPU), budgets, kicks, registers
 * and statistics. The backend's vcpu_run does the actual execution. */
#include <stdlib.h>
#include <string.h>
#include "core/vm.h"
#include "core/zalloc.h"

HV_API int hv_vcpu_create(hv_vm *vm, unsigned id, hv_vcpu **out)
{
    if (!vm || !out)
        return HV_EINVAL;
    *out = NULL;
    if (id >= vm->cfg.nr_vcpus)
        return hv__vm_error(vm, HV_ERANGE, "vCPU %u: the VM has %u vCPUs", id,
                            vm->cfg.nr_vcpus);
    pthread_mutex_lock(&vm->lock);
    if (vm->vcpus[id]) {
        pthread_mutex_unlock(&vm->lock);
        return hv__vm_error(vm, HV_EEXIST, "vCPU %u already exists", id);
    }
    struct hv_vcpu *v = hv__zalloc(sizeof(*v));     /* big (soft-TLB): core/zalloc.h */
    if (!v) {
        pthread_mutex_unlock(&vm->lock);
        return hv__vm_error(vm, HV_ENOMEM, "out of memory for vCPU %u", id);
    }
    v->vm = vm;
    v->id = id;
    v->deadline_ns = UINT64_MAX;
    hv__cpu_reset(&v->cpu, 0);
    int rc = vm->ops->vcpu_init(v);
    if (rc < 0) {
        if (vm->ops->vcpu_fini)
            vm->ops->vcpu_fini(v);
        hv__zfree(v, sizeof(*v));
        pthread_mutex_unlock(&vm->lock);
        return rc;
    }
    if (vm->twin && (rc = hv_vcpu_create(vm->twin, id, &v->twin)) < 0) {
        hv__vm_error(vm, rc, "lockstep engine: twin vCPU %u: %s", id,
                     hv_vm_last_error(vm->twin));
        if (vm->ops->vcpu_fini)
            vm->ops->vcpu_fini(v);
        hv__zfree(v, sizeof(*v));
        pthread_mutex_unlock(&vm->lock);
        return rc;
    }
    hv__hooks_apply_vcpu(v);
    vm->vcpus[id] = v;
    pthread_mutex_unlock(&vm->lock);
    *out = v;
    return 0;
}

HV_API int hv_vcpu_run(hv_vcpu *vcpu, uint64_t budget, struct hv_exit *exit)
{
    if (!vcpu || !exit)
        return HV_EINVAL;
    struct hv_vm *vm = vcpu->vm;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&vcpu->running, &expected, 1))
        return hv__vm_error(vm, HV_EBUSY, "vCPU %u is already running", vcpu->id);
    if (vm->twin && !vm->twin_synced) {
        /* Lockstep: the twin starts from this VM's state (images the embedder loaded,
         * a restored snapshot, registers it set). */
        int rs = hv__lockstep_sync(vm);
        if (rs < 0) {
            atomic_store(&vcpu->running, 0);
            return rs;
        }
    }
    atomic_fetch_add(&vm->running, 1);

    /* The embedder's answers to the previous exit (MMIO read data, hypercall results)
     * travel in *exit; the backend consumes them from last_exit. */
    if (vcpu->last_exit.reason == HV_EXIT_MMIO || vcpu->last_exit.reason == HV_EXIT_HYPERCALL)
        vcpu->last_exit.u = exit->u;
    memset(exit, 0, sizeof(*exit));

    int rc;
    if (atomic_exchange(&vcpu->kicked, 0)) {
        /* A kick that arrived while stopped is reported at once, without running. */
        exit->reason = HV_EXIT_KICK;
        exit->pc = vcpu->cpu.pc;
        rc = 0;
    } else {
        uint64_t stop_at = budget ? vcpu->cpu.instret + budget : UINT64_MAX;
        if (budget && stop_at < vcpu->cpu.instret)
            stop_at = UINT64_MAX;
        /* Breakpoints (cpu.h): resuming from one executes the instruction it stopped at.
         * skip stays armed until an engine has considered an instruction, so exits that
         * come before that (a kick at the first poll) do not lose the step-over. */
        struct hv_cpu_debug *dbg = &vcpu->cpu.dbg;
        dbg->hit = false;
        vcpu->cpu.hk.stop = false;
        vcpu->watch_hit = false;
        if (dbg->skip && dbg->skip_pc != vcpu->cpu.pc)
            dbg->skip = false;
        rc = vm->ops->vcpu_run(vcpu, stop_at, exit);
        /* Engines stop before a breakpoint the way they stop at stop_at. */
        if (rc == 0 && dbg->hit && exit->reason == HV_EXIT_BUDGET) {
            exit->reason = HV_EXIT_BREAKPOINT;
            exit->pc = vcpu->cpu.pc;
            dbg->skip = true;
            dbg->skip_pc = vcpu->cpu.pc;
        }
        dbg->hit = false;
        /* Hooks stop the engines the same way (hv/hooks.h). */
        if (rc == 0 && vcpu->cpu.hk.stop && exit->reason == HV_EXIT_BUDGET) {
            exit->reason = vcpu->watch_hit ? HV_EXIT_WATCHPOINT : HV_EXIT_HOOK;
            exit->pc = vcpu->cpu.pc;
            if (vcpu->watch_hit) {
                exit->u.watch.addr = vcpu->watch_addr;
                exit->u.watch.size = vcpu->watch_size;
                exit->u.watch.is_write = vcpu->watch_write;
            }
        }
        vcpu->cpu.hk.stop = false;
    }
    if (rc == 0) {
        vcpu->stats.exits++;
        if ((unsigned)exit->reason < 16)
            vcpu->stats.exits_by_reason[exit->reason]++;
        vcpu->last_exit = *exit;
    }
    vcpu->stats.instructions = vcpu->cpu.instret;
    atomic_fetch_sub(&vm->running, 1);
    atomic_store(&vcpu->running, 0);
    return rc;
}

HV_API int hv_vcpu_kick(hv_vcpu *vcpu)
{
    if (!vcpu)
        return HV_EINVAL;
    atomic_store(&vcpu->kicked, 1);
    /* exit_request makes the engine poll at the next block boundary; the wake ends a sleep
     * in WFI or SCHED_OP block at once. */
    hv__cpu_request_exit(&vcpu->cpu);
    if (vcpu->vm->ops->vcpu_wake)
        vcpu->vm->ops->vcpu_wake(vcpu);
    return 0;
}

HV_API int hv_vcpu_get_reg(hv_vcpu *vcpu, unsigned reg, uint64_t *value)
{
    if (!vcpu || !value)
        return HV_EINVAL;
    if (atomic_load(&vcpu->running) && !vcpu->in_hook)
        return HV_EBUSY;
    if (reg < 32) {
        *value = reg ? vcpu->cpu.x[reg] : 0;
        return 0;
    }
    if (reg == HV_REG_PC) {
        *value = vcpu->cpu.pc;
        return 0;
    }
    if (reg >= HV_REG_F0 && reg < HV_REG_F0 + 32) {
        *value = vcpu->cpu.f[reg - HV_REG_F0];
        return 0;
    }
    if (vcpu->vm->ops->get_reg)
        return vcpu->vm->ops->get_reg(vcpu, reg, value);
    return HV_ENOENT;
}

HV_API int hv_vcpu_set_reg(hv_vcpu *vcpu, unsigned reg, uint64_t value)
{
    if (!vcpu)
        return HV_EINVAL;
    /* Inside a hook: x, pc and f only (privileged state is cached by the engines). */
    if (atomic_load(&vcpu->running) && (!vcpu->in_hook || reg >= HV_REG_F0 + 32))
        return HV_EBUSY;
    hv__lockstep_dirty(vcpu->vm);
    if (reg < 32) {
        if (reg)
            vcpu->cpu.x[reg] = value;
        return 0;
    }
    if (reg == HV_REG_PC) {
        vcpu->cpu.pc = value;
        return 0;
    }
    if (reg >= HV_REG_F0 && reg < HV_REG_F0 + 32) {
        vcpu->cpu.f[reg - HV_REG_F0] = value;
        return 0;
    }
    if (vcpu->vm->ops->set_reg)
        return vcpu->vm->ops->set_reg(vcpu, reg, value);
    return HV_ENOENT;
}

HV_API int hv_vcpu_get_stats(hv_vcpu *vcpu, struct hv_stats *stats)
{
    if (!vcpu || !stats)
        return HV_EINVAL;
    *stats = vcpu->stats;
    stats->instructions = vcpu->cpu.instret;
    return 0;
}
