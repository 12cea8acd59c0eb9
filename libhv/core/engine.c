/* libhv core — engine selection shared by the full and para backends: which engine runs a
 * vCPU (interpreter or translator), lazy translator set-up, the translator's stats in the
 * vCPU's counters. */
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
    return rc;
}
