/* SPDX-License-Identifier: MIT */
/* libhv core — the engine life cycle, shared by the full and para backends: which engine
 * runs a vCPU (reference interpreter or binary translator per cfg.engine; HV_ENGINE_DEFAULT
 * = the translator when the host can run it, HV_ENGINE_LOCKSTEP = the translator checked
 * against a twin, core/lockstep.c), the translator set up lazily on a vCPU's first run,
 * cached code dropped when guest code is written, engine state freed with the vCPU; and the
 * frame of every backend's vcpu_run: begin, run, the exit a policy hook recorded. */
#ifndef HV_CORE_ENGINE_H
#define HV_CORE_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include "core/vm.h"

/* Start a run of vcpu (and of its lockstep twin): budget end `stop_at` (absolute instret),
 * no exit recorded, and a poll first (kicks, stops, pending interrupts). */
void hv__engine_begin(struct hv_vcpu *vcpu, uint64_t stop_at);
/* Run vcpu's hart until instret reaches stop_at or a hook stops it: the contract of
 * hv__interp_run / hv__jit_run (HV_STEP_OK / HV_STEP_EXIT ...), or a negative HV_E* code
 * (set on the VM, prefixed by `who`, e.g. "para backend") for an unknown engine or a
 * translator that cannot start when HV_ENGINE_JIT was asked for. Fills
 * vcpu->stats.blocks_translated; *used_jit (may be NULL) tells which engine ran. */
int hv__engine_run(struct hv_vcpu *vcpu, uint64_t stop_at, const char *who, bool *used_jit);
/* The end of a backend's vcpu_run: *exit from hv__engine_run's result `rc` — the recorded
 * exit, HV_EXIT_BUDGET, or HV_EXIT_INTERNAL (error set on the VM, prefixed by `who`) if the
 * engine stopped without one; pc is the hart's (a fault exit keeps the pc it recorded).
 * Returns rc when negative, else 0. */
int hv__engine_end(struct hv_vcpu *vcpu, int rc, const char *who, struct hv_exit *exit);
/* A policy hook stops the run: record the exit (reason, pc, shutdown code) for
 * hv__engine_end. Returns HV_STEP_EXIT for the hook to return. */
int hv__vcpu_exit(struct hv_vcpu *vcpu, enum hv_exit_reason reason, int code);

/* Guest memory [addr, addr + len) was written by something other than the hart's own
 * stores (host writes, DMA, a reloaded image, a restored snapshot; len ~0: everything):
 * every engine drops the code it cached from it. */
void hv__engine_code_written(struct hv_cpu *cpu, uint64_t addr, uint64_t len);
/* Free the engines' per-vCPU state (decoded blocks, translated code). Called once, by the
 * core, when the vCPU is destroyed. */
void hv__engine_fini(struct hv_cpu *cpu);

#endif
