/* libhv core — engine selection shared by the backends: the reference interpreter or the
 * binary translator per cfg.engine (HV_ENGINE_DEFAULT = the translator when the host can
 * run it), the translator set up lazily on a vCPU's first run. */
#ifndef HV_CORE_ENGINE_H
#define HV_CORE_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include "core/vm.h"

/* Run vcpu's hart until instret reaches stop_at or a hook stops it: the contract of
 * hv__interp_run / hv__jit_run (HV_STEP_OK / HV_STEP_EXIT ...), or a negative HV_E* code
 * (set on the VM, prefixed by `who`, e.g. "para backend") for an unknown engine or a
 * translator that cannot start when HV_ENGINE_JIT was asked for. Fills
 * vcpu->stats.blocks_translated; *used_jit (may be NULL) tells which engine ran. */
int hv__engine_run(struct hv_vcpu *vcpu, uint64_t stop_at, const char *who, bool *used_jit);

#endif
