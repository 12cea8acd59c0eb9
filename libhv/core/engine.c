/* SPDX-License-Identifier: MIT */
/* libhv core — the engine life cycle shared by the full and para backends (engine.h): which
 * engine runs a vCPU, lazy translator set-up, the translator's stats in the vCPU's
 * counters, code invalidation, teardown, and the begin/end frame of vcpu_run. */
#include <string.h>
#include "core/engine.h"
#include "cpu/jit/jit.h"

/* HV_ENGINE_DEFAULT picks the translator when the host can run it. */
#define DEFAULT_IS_JIT 1

static void jit_log(void *opaque, const char *msg)
{
    hv__log(opaque, HV_LOG_INFO, "%s", msg);
}

/* Decide the engine (the translator is set up on the first run); false: interpreter. A
 * vCPU that started on the interpreter stays there: its decoded-block cache is the state. */
static int want_jit(struct hv_vcpu *vcpu, const char *who, bool *jit)
{
    struct hv_cpu *cpu = &vcpu->cpu;
    enum hv_engine engine = vcpu->vm->cfg.engine;
    if (engine != HV_ENGINE_DEFAULT && engine != HV_ENGINE_INTERP && engine != HV_ENGINE_JIT &&
        engine != HV_ENGINE_LOCKSTEP)
        return hv__vm_error(vcpu->vm, HV_ENOTSUP, "%s: engine %d not available", who,
                            (int)engine);
    bool strict = engine == HV_ENGINE_JIT || engine == HV_ENGINE_LOCKSTEP;
    *jit = strict ||
           (engine == HV_ENGINE_DEFAULT && DEFAULT_IS_JIT && hv__jit_available());
    if (!*jit || cpu->jit)
        return 0;
    if (cpu->engine) {
        *jit = false;
        return 0;
    }
    /* Lockstep compares after every block: no chaining between blocks. */
    struct hv__jit_opts o = { .trace = vcpu->vm->cfg.trace, .log = jit_log,
                              .log_opaque = vcpu->vm,
                              .no_chain = engine == HV_ENGINE_LOCKSTEP };
    char err[256];
    int rc = hv__jit_init(cpu, &o, err, sizeof err);
    if (rc < 0) {
        if (strict)
            return hv__vm_error(vcpu->vm, rc, "%s: %s", who, err);
        *jit = false;
    }
    return 0;
}

int hv__engine_run(struct hv_vcpu *vcpu, uint64_t stop_at, const char *who, bool *used_jit)
{
    bool jit;
    int rc = want_jit(vcpu, who, &jit);
    if (rc < 0)
        return rc;
    if (used_jit)
        *used_jit = jit;
    struct hv_cpu *cpu = &vcpu->cpu;
    if (!jit)
        return hv__interp_run(cpu, stop_at);
    rc = vcpu->twin ? hv__lockstep_run(vcpu, stop_at) : hv__jit_run(cpu, stop_at);
    struct hv__jit_stats js;
    hv__jit_get_stats(cpu, &js);
    vcpu->stats.blocks_translated = js.blocks;
    vcpu->stats.insns_translated = js.insns_translated;
    vcpu->stats.translate_ns = js.translate_ns;
    vcpu->stats.code_flushes = js.flushes;
    vcpu->stats.interp_steps = js.interp_steps;
    return rc;
}

void hv__engine_begin(struct hv_vcpu *vcpu, uint64_t stop_at)
{
    vcpu->exit_set = false;
    vcpu->stop_at = stop_at;
    vcpu->light_poll = vcpu->vm->clock.deterministic && !vcpu->cpu.exit_request;
    vcpu->cpu.exit_request = 1;
    if (vcpu->twin)
        hv__lockstep_begin(vcpu, stop_at);
}

int hv__vcpu_exit(struct hv_vcpu *vcpu, enum hv_exit_reason reason, int code)
{
    vcpu->exit = (struct hv_exit){ .reason = reason, .pc = vcpu->cpu.pc };
    vcpu->exit.u.shutdown.code = code;
    vcpu->exit_set = true;
    return HV_STEP_EXIT;
}

int hv__engine_end(struct hv_vcpu *vcpu, int rc, const char *who, struct hv_exit *exit)
{
    if (rc < 0)
        return rc;
    memset(exit, 0, sizeof(*exit));
    if (rc == HV_STEP_EXIT && vcpu->exit_set) {
        *exit = vcpu->exit;
    } else if (rc == HV_STEP_OK) {
        exit->reason = HV_EXIT_BUDGET;
    } else {
        exit->reason = HV_EXIT_INTERNAL;
        hv__vm_error(vcpu->vm, HV_EINTERNAL, "%s: engine stopped without a reason", who);
    }
    if (exit->reason != HV_EXIT_FAULT)
        exit->pc = vcpu->cpu.pc;
    return 0;
}

void hv__engine_code_written(struct hv_cpu *cpu, uint64_t addr, uint64_t len)
{
    if (cpu->jit)
        hv__jit_invalidate(cpu, addr, len);
    hv__interp_invalidate(cpu, addr, len);
}

void hv__engine_fini(struct hv_cpu *cpu)
{
    hv__jit_fini(cpu);
    hv__interp_fini(cpu);
}
