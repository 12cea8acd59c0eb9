/* SPDX-License-Identifier: MIT */
/* libhv internal — struct hv_vm / hv_vcpu and the backend interface. The core owns the
 * life cycle (create, destroy, run-state bookkeeping, stats, errors, logging); a backend
 * (backends/full, backends/para) is a static const struct hv_backend_ops that builds the
 * platform, owns per-VM / per-vCPU private state and runs vCPUs with an engine. */
#ifndef HV_CORE_VM_H
#define HV_CORE_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include "hv/hv.h"
#include "core/err.h"
#include "cpu/cpu.h"
#include "dev/dev.h"
#include "mem/mem.h"

struct hv_snap_w;
struct hv_snap_index;
struct hv_elf_syms;

struct hv_backend_ops {
    const char *name;
    /* Build the platform for vm->cfg: map RAM/ROM, create devices, load boot images.
     * On failure set vm->last_error and return a negative code; vm_fini is still called. */
    int (*vm_init)(struct hv_vm *vm);
    void (*vm_fini)(struct hv_vm *vm);
    /* Set vcpu->cpu.policy and reset state for hart vcpu->id. */
    int (*vcpu_init)(struct hv_vcpu *vcpu);
    void (*vcpu_fini)(struct hv_vcpu *vcpu);
    /* Run until an exit for the embedder; `stop_at` is the absolute instret at which to stop
     * with HV_EXIT_BUDGET (UINT64_MAX: none). Fill *exit (reason, pc, details). */
    int (*vcpu_run)(struct hv_vcpu *vcpu, uint64_t stop_at, struct hv_exit *exit);
    /* End any sleep of the vCPU (WFI, SCHED_OP block/poll) so it re-checks kicks, input and
     * interrupts. Called from any thread and from signal handlers: async-signal-safe only
     * (atomics and libhv/core/wait.h). */
    void (*vcpu_wake)(struct hv_vcpu *vcpu);
    /* Registers beyond x/pc/f (CSRs, privilege). Return HV_ENOENT for unknown ones. */
    int (*get_reg)(struct hv_vcpu *vcpu, unsigned reg, uint64_t *val);
    int (*set_reg)(struct hv_vcpu *vcpu, unsigned reg, uint64_t val);
    /* Snapshots (libhv/snapshot). save: write the platform's device state and
     * each created vCPU's privileged state as sections (snapshot/stream.h). load: read
     * them back from `idx` for the same config; each component validates its section
     * completely before changing anything (the core re-applies a backup of the previous
     * state if a later component fails). Called only while no vCPU runs. */
    int (*snapshot_save)(struct hv_vm *vm, struct hv_snap_w *w);
    int (*snapshot_load)(struct hv_vm *vm, const struct hv_snap_index *idx, char *err,
                         size_t errlen);
    /* Mark in the dirty log the guest RAM the platform writes through host pointers
     * without marking it (shared pages, ring headers), so a rollback restores it. May be
     * NULL. */
    void (*snapshot_host_pages)(struct hv_vm *vm);
    /* Forget the exit the embedder has not answered yet (vcpu->last_exit: an MMIO access
     * or a hypercall) so that the instruction that made it executes again, and exits
     * again, on the next run. Called after a snapshot load or a rollback. May be NULL. */
    void (*vcpu_cancel_exit)(struct hv_vcpu *vcpu);
};

extern const struct hv_backend_ops hvf_backend_ops;  /* backends/full */
extern const struct hv_backend_ops hvp_backend_ops;  /* backends/para */

struct hv_vm {
    struct hv_config cfg;            /* deep copy; strings owned by the VM */
    const struct hv_backend_ops *ops;
    void *backend;                   /* backend private state */
    struct hv_mem mem;
    struct hv_clock clock;
    struct hv_chardev *serial;
    struct hv_blockdev *disks[HV_MAX_DISKS];
    struct hv_vcpu *vcpus[HV_MAX_VCPUS];
    atomic_int running;              /* vCPUs inside hv_vcpu_run */
    pthread_mutex_t lock;            /* map changes, vCPU creation */
    char last_error[HV__ERRLEN];
    /* Embedder hypercall handlers (hv_vm_set_hypercall_handler), changed only while no
     * vCPU runs; backends consult them through hv__hypercall_embedder(). */
    struct hv__hcall_handler {
        uint64_t eid;
        hv_hypercall_fn fn;
        void *opaque;
        unsigned flags;
    } hcall[HV_MAX_HYPERCALL_HANDLERS];
    unsigned nr_hcall;
    /* Checkpoints (libhv/snapshot): the dirty log is relative to the checkpoint
     * whose generation is snap_base_gen (0: none); snap_next_gen numbers checkpoints. */
    uint64_t snap_base_gen, snap_next_gen;
    /* HV_ENGINE_LOCKSTEP: the hidden interpreter twin, and whether its state was copied
     * from this VM since the last change made through the API (snapshot load, rollback,
     * memory or register writes). */
    struct hv_vm *twin;
    bool twin_synced;
    /* The kernel ELF's symbol table (hv_vm_symbol), NULL when there is none. */
    struct hv_elf_syms *kernel_syms;
    /* Hooks, coverage and watchpoints (libhv/debug/instrument.c), changed only while no
     * vCPU runs and pushed into every vCPU's cpu.hk by hv__hooks_apply_vcpu. */
    struct hv__hook {
        int id;
        struct hv_hook h;
        int watch;                   /* enum hv_watch_type for a watchpoint, else 0 */
    } hooks[HV_MAX_HOOKS];
    unsigned nr_hooks;
    int next_hook_id;
    uint8_t *cov;
    size_t cov_size;
};

struct hv_vcpu {
    struct hv_vm *vm;
    unsigned id;
    struct hv_cpu cpu;               /* architectural state, engines work on this */
    void *backend;                   /* backend private per-vCPU state */
    atomic_int running;
    atomic_int kicked;
    struct hv_stats stats;
    struct hv_exit last_exit;        /* to complete MMIO reads / hypercalls on re-entry */
    /* The current run (core/engine.c): its budget end (absolute instret), and the exit a
     * policy hook recorded with hv__vcpu_exit before returning HV_STEP_EXIT. */
    uint64_t stop_at;
    struct hv_exit exit;
    bool exit_set;
    /* Deterministic mode: the poll that starts a run only reports kicks, stops and
     * deadlines unless a poll was due anyway, so that where a run was cut into budget
     * slices changes nothing the guest can see (interrupts and device polls stay at the
     * instruction counts of the uncut run). Set by hv__engine_begin; the policies' poll
     * hooks consume it. */
    bool light_poll;
    uint64_t deadline_ns;            /* hv_vcpu_set_deadline; UINT64_MAX: none */
    uint64_t deadline_check_at;      /* host time: next instret at which a poll reads it */
    /* HV_ENGINE_LOCKSTEP (core/lockstep.c): the same vCPU of the twin VM, and counters. */
    struct hv_vcpu *twin;
    uint64_t ls_blocks, ls_ram_checks, ls_ram_at;
    /* Inside a hook callback: register and memory calls are allowed while running. */
    bool in_hook;
    bool watch_hit;                  /* a watchpoint stopped the run (exit.u.watch) */
    uint64_t watch_addr;
    unsigned watch_size;
    bool watch_write;
    int watch_type;                  /* enum hv_watch_type of the watchpoint hit */
};

/* Remove every watchpoint of the VM (the GDB stub on detach). */
void hv__watchpoints_clear(struct hv_vm *vm);

/* Push the VM's hooks and coverage map into vcpu->cpu.hk (instrument.c): after a change
 * and when a vCPU is created. */
void hv__hooks_apply_vcpu(struct hv_vcpu *vcpu);

/* Time budget (hv_vcpu_set_deadline). Backends call hv__vcpu_deadline_fire() in their poll
 * hook (true once: exit with HV_EXIT_DEADLINE) and treat hv__vcpu_deadline_due() like a
 * kick in their sleep loops (WFI, SCHED_OP block) so a sleeping vCPU reaches the poll. */
static inline bool hv__vcpu_deadline_due(struct hv_vcpu *v)
{
    if (v->deadline_ns == UINT64_MAX || hv__clock_ns(&v->vm->clock) < v->deadline_ns)
        return false;
    v->deadline_check_at = 0;        /* the next poll must see it (a sleeper woke for it) */
    return true;
}

/* With host time, a poll reads the clock for the deadline at most every
 * DEADLINE_CHECK_INSNS retired instructions: polls come at every interrupt and event, and
 * a clock read at each was ~15 % of an event-heavy guest under hv bench (which sets a
 * time-out deadline). Sleepers check exactly (hv__vcpu_deadline_due). Deterministic
 * time is read from instret, so it is checked at every poll, exactly. */
#define HV__DEADLINE_CHECK_INSNS 16384u

static inline bool hv__vcpu_deadline_fire(struct hv_vcpu *v)
{
    if (v->deadline_ns == UINT64_MAX)
        return false;
    if (!v->vm->clock.deterministic) {
        if (v->cpu.instret < v->deadline_check_at)
            return false;
        v->deadline_check_at = v->cpu.instret + HV__DEADLINE_CHECK_INSNS;
    }
    if (!hv__vcpu_deadline_due(v))
        return false;
    v->deadline_ns = UINT64_MAX;
    return true;
}

/* Offer a guest hypercall to the embedder's handlers (hv_vm_set_hypercall_handler) in
 * their documented order; `builtin` says whether libhv implements call->eid itself.
 * Returns true when a handler claimed it (call->ret_error / ret_value are the answer). */
bool hv__hypercall_embedder(struct hv_vcpu *v, struct hv_hypercall *call, bool builtin);
/* Has the embedder a handler that answers eid (for BASE probe_extension)? */
bool hv__hypercall_has_handler(const struct hv_vm *vm, uint64_t eid);

/* Record a formatted error on the VM and return `code`. */
int hv__vm_error(struct hv_vm *vm, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Log through the configured callback (no-op without one or above log_level). */
void hv__log(const struct hv_vm *vm, enum hv_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Messages a guest can trigger at will — a device model refusing or ignoring a request
 * (a feature negotiation it rejects, a register it does not have, an access width it does
 * not support) — go through a per-device-instance limiter: the first HV__LOG_BURST are
 * logged, then one in every HV__LOG_EVERY, saying how many were skipped. It only counts
 * (no clock), so it is deterministic, and nothing is counted while such messages would not
 * be logged. Messages read "<device>: <register>: <what was refused and why>". */
#define HV__LOG_BURST 16u
#define HV__LOG_EVERY 1000u
struct hv__logrl {
    atomic_uint seen;
};
static inline bool hv__log_enabled(const struct hv_vm *vm, enum hv_log_level level)
{
    return vm && vm->cfg.log && level <= vm->cfg.log_level;
}
/* Logs "<who>: <formatted message>". */
void hv__log_limited(const struct hv_vm *vm, struct hv__logrl *rl, enum hv_log_level level,
                     const char *who, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The level device refusals are logged at (`hv run -v` shows them). */
#define HV__LOG_REFUSED HV_LOG_INFO

/* Lockstep engine (core/lockstep.c). twin_config: the twin's configuration derived from
 * vm->cfg (interpreter, serial discarded, disks transient). sync: copy vm's whole state
 * into the twin (through an in-memory snapshot) while no vCPU runs. run: the engine. */
void hv__lockstep_twin_config(const struct hv_vm *vm, struct hv_config *twin);
int hv__lockstep_sync(struct hv_vm *vm);
int hv__lockstep_run(struct hv_vcpu *vcpu, uint64_t stop_at);
/* A run of vcpu begins (hv__engine_begin): the twin hart, which the engine drives directly
 * (never through vcpu_run), gets the same preparation. */
void hv__lockstep_begin(struct hv_vcpu *vcpu, uint64_t stop_at);
/* The first architectural difference (instret, pc, x, f, fcsr, privilege) between the
 * translator's hart a and the interpreter's hart b, as HV_EINTERNAL with a message. */
int hv__lockstep_diff(const struct hv_cpu *a, const struct hv_cpu *b, char *err,
                      size_t errlen);
/* The API changed vm's state: the twin is copied again before the next run. */
static inline void hv__lockstep_dirty(struct hv_vm *vm)
{
    if (vm)
        vm->twin_synced = false;
}

/* ---- embedder MMIO regions (core/mmio.c), the same on both backends ------------------ */

/* A pending HV_EXIT_MMIO access: the instruction that made it re-executes on the next run
 * and this one access is then satisfied from vcpu->last_exit (read data) or dropped (the
 * write was already reported). */
struct hv__mmio_pending {
    bool active;
    bool write;
    unsigned size;
    uint64_t pa;
};

/* The access (pa, size, write) the embedder answered? Then true, with a read's value in
 * *val. The pending state is cleared either way (another access means the guest moved on,
 * e.g. an interrupt was taken first). */
bool hv__mmio_complete(struct hv_vcpu *v, struct hv__mmio_pending *p, uint64_t pa,
                       unsigned size, uint64_t *val, bool write);

/* An access to MMIO region `r` (the caller found it): its callbacks (0, or negative when
 * one failed: the guest takes an access fault), or, without callbacks, HV_EXIT_MMIO
 * recorded in *p and *exit (returns 1: the backend exits with *exit). */
int hv__mmio_access(const struct hv_region *r, struct hv__mmio_pending *p,
                    struct hv_exit *exit, uint64_t pa, unsigned size, uint64_t *val,
                    bool write);

/* A backend loaded the kernel ELF `image`: keep a copy of its symbols for hv_vm_symbol
 * (a missing or malformed table only means there are none). */
void hv__vm_keep_symbols(struct hv_vm *vm, const void *image, size_t len);

/* Retired instructions of all vCPUs (deterministic clock source). */
uint64_t hv__vm_instructions(const struct hv_vm *vm);

#endif
