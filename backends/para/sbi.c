/* SPDX-License-Identifier: MIT */
/* libhv para backend — the SBI extensions an S-mode kernel needs beyond BASE/TIME/SRST/DBCN
 * (hcall.c): IPI (SSIP on the target harts), RFENCE (remote fence.i / sfence.vma as
 * requests the targets honour at their next poll), HSM (real stopped and started harts:
 * a stopped hart sleeps in vcpu_run until hart_start) and the legacy v0.1 calls Linux's
 * `earlycon=sbi` and old kernels use. Errors are the SBI spec's. */
#include <string.h>
#include "backends/para/hcall.h"
#include "core/wait.h"

/* Longest sleep of a stopped hart between re-checks (hart_start, kicks and stops wake the
 * futex at once: the bound only limits a lost race). */
#define HSM_MAX_SLEEP_NS 100000000ull
/* Longest wait of a remote fence for its targets (see rfence). */
#define RFENCE_MAX_WAIT_NS 100000000ull

/* Legacy EIDs (SBI v0.1). */
#define LEGACY_SET_TIMER 0x00u
#define LEGACY_PUTCHAR 0x01u
#define LEGACY_GETCHAR 0x02u
#define LEGACY_SHUTDOWN 0x08u

/* HSM hart_suspend types. */
#define SUSPEND_RETENTIVE 0x00000000u
#define SUSPEND_NON_RETENTIVE 0x80000000u

void hvp_set_sip_self(struct hvp_vcpu *h, uint64_t bits, bool level)
{
    if (level)
        atomic_fetch_or(&h->sip_hw, bits);
    else
        atomic_fetch_and(&h->sip_hw, ~bits);
}

void hvp_set_sip(struct hvp_vcpu *h, uint64_t bits, bool level)
{
    hvp_set_sip_self(h, bits, level);
    hvp_wake(h);
}

/* ---- hart masks ------------------------------------------------------------------------- */

/* The harts selected by (hart_mask, hart_mask_base) as a bit set over this VM's harts.
 * base == -1: all harts. Bits naming harts beyond the VM are an error (INVALID_PARAM), as
 * the spec asks for "an invalid hart in the mask". */
static int64_t hart_set(struct hvp_vm *pv, uint64_t mask, uint64_t base, uint32_t *set)
{
    unsigned n = pv->vm->cfg.nr_vcpus ? pv->vm->cfg.nr_vcpus : 1;
    uint32_t all = (n >= 32) ? ~0u : ((1u << n) - 1);
    *set = 0;
    if (base == UINT64_MAX) {
        *set = all;
        return 0;
    }
    if (mask == 0)
        return 0;
    if (base >= n)
        return HVP_SBI_ERR_INVALID_PARAM;
    /* base < n <= HV_MAX_VCPUS: every bit that lands at or past n is invalid. */
    uint64_t room = n - base;
    if (room < 64 && (mask >> room))
        return HVP_SBI_ERR_INVALID_PARAM;
    *set = (uint32_t)(mask << base) & all;
    return 0;
}

/* The call's (a0 = hart_mask, a1 = hart_mask_base) as a set of harts that exist as vCPUs
 * of this VM (a hart named but not yet created has no state to act on). */
static int64_t call_targets(struct call *c, uint32_t *set)
{
    struct hvp_vm *pv = c->h->pv;
    int64_t e = hart_set(pv, c->a[0], c->a[1], set);
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
        if (!pv->vcpus[i])
            *set &= ~(1u << i);
    return e;
}

/* ---- IPI -------------------------------------------------------------------------------- */

static int ipi_send(struct call *c, uint64_t *j)
{
    struct hvp_vm *pv = c->h->pv;
    uint32_t set;
    int64_t e = call_targets(c, &set);
    if (e)
        return ret(c, e, 0);
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++) {
        struct hvp_vcpu *t = pv->vcpus[i];
        if (!((set >> i) & 1))
            continue;
        if (t == c->h)
            hvp_set_sip_self(t, MIP_SSIP, true);    /* taken right after the ecall */
        else
            hvp_set_sip(t, MIP_SSIP, true);
    }
    return ret(c, 0, 0);
}

static const struct fn_desc ipi_fns[] = {
    [0] = { ipi_send, 0 },
};
const struct ext_desc hvp_sbi_ipi = { HVP_EID_IPI, ipi_fns, 1 };

/* ---- RFENCE ----------------------------------------------------------------------------- */

/* Ask every selected hart for `what`. The caller does its own at once; the others at their
 * next poll (before they execute another guest instruction: a kicked hart polls first).
 * Address ranges are not looked at: flushing everything is a correct implementation of
 * every range, huge or not, and costs one flush. */
static int rfence(struct call *c, unsigned what)
{
    struct hvp_vm *pv = c->h->pv;
    uint32_t set;
    int64_t e = call_targets(c, &set);
    if (e)
        return ret(c, e, 0);
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++) {
        struct hvp_vcpu *t = pv->vcpus[i];
        if (!((set >> i) & 1))
            continue;
        atomic_fetch_or(&t->fence_req, what);
        if (t != c->h)
            hvp_wake(t);                /* ends its block or its sleep: it polls */
    }
    hvp_sbi_poll(c->h);
    /* As SBI requires, the fences are done when the call returns: wait for every target
     * that is inside hv_vcpu_run (it answers at its next poll or wake-up, within a block's
     * time); one outside it polls before it runs again. Meanwhile answer requests aimed at
     * this hart, so two harts fencing each other cannot wait on each other. The bound is
     * a safety net against an embedder that blocks inside a callback. */
    uint64_t give_up = hv__wait_now_ns() + RFENCE_MAX_WAIT_NS;
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++) {
        struct hvp_vcpu *t = pv->vcpus[i];
        if (!((set >> i) & 1) || t == c->h)
            continue;
        while ((atomic_load(&t->fence_req) & what) && atomic_load(&t->in_run) &&
               hv__wait_now_ns() < give_up) {
            hvp_sbi_poll(c->h);
            hv__wait_relax();
        }
    }
    return ret(c, 0, 0);
}

static int rfence_i(struct call *c, uint64_t *j) { return rfence(c, HVP_FENCE_I); }
static int rfence_vma(struct call *c, uint64_t *j) { return rfence(c, HVP_FENCE_VMA); }

static const struct fn_desc rfence_fns[] = {
    [0] = { rfence_i, 0 },              /* remote_fence_i */
    [1] = { rfence_vma, 0 },            /* remote_sfence_vma */
    [2] = { rfence_vma, 0 },            /* remote_sfence_vma_asid */
    /* 3..6: the hypervisor-extension fences; there is no H extension here. */
};
const struct ext_desc hvp_sbi_rfence = { HVP_EID_RFENCE, rfence_fns, 3 };

void hvp_sbi_poll(struct hvp_vcpu *h)
{
    uint32_t what = atomic_load(&h->fence_req);
    if (!what)
        return;
    struct hv_cpu *cpu = &h->vcpu->cpu;
    if (what & HVP_FENCE_VMA)
        hv__cpu_tlb_flush(cpu);
    if (what & HVP_FENCE_I)
        hv__engine_code_written(cpu, 0, ~0ull);   /* deferred while translated code runs */
    atomic_fetch_and(&h->fence_req, ~what);     /* done: the requesters stop waiting */
}

/* ---- HSM -------------------------------------------------------------------------------- */

void hvp_enter_kernel(struct hvp_vcpu *h, uint64_t pc, uint64_t arg)
{
    struct hv_cpu *cpu = &h->vcpu->cpu;
    for (unsigned i = 1; i < 32; i++)
        cpu->x[i] = 0;
    cpu->x[10] = h->id;
    cpu->x[11] = arg;
    cpu->pc = pc;
    hvp_smode_reset(h);                 /* S-mode, satp Bare, SIE = 0, sie = 0, sip_hw = 0 */
    cpu->reservation = HV_TLB_INVALID;
    hv__cpu_tlb_flush(cpu);
    cpu->exit_request = 1;
}

/* Where a hart may start: 2-byte aligned executable RAM. */
static bool valid_start(struct hvp_vm *pv, uint64_t pc)
{
    if (pc & 1)
        return false;
    struct hv_region *r = hv__mem_find(&pv->vm->mem, pc);
    return r && r->kind != HV_REGION_MMIO && (r->flags & HV_MEM_EXEC);
}

static struct hvp_vcpu *hart(struct hvp_vm *pv, uint64_t id)
{
    if (id >= pv->vm->cfg.nr_vcpus || id >= HV_MAX_VCPUS)
        return NULL;
    return pv->vcpus[id];
}

static int hsm_start(struct call *c, uint64_t *j)
{
    struct hvp_vm *pv = c->h->pv;
    uint64_t pc = c->a[1];
    pthread_mutex_lock(&pv->lock);
    struct hvp_vcpu *t = hart(pv, c->a[0]);
    int64_t e = 0;
    if (!t)
        e = HVP_SBI_ERR_INVALID_PARAM;
    else if (!valid_start(pv, pc))
        e = HVP_SBI_ERR_INVALID_ADDRESS;
    else if (atomic_load(&t->hsm) != HVP_HSM_STOPPED)
        e = HVP_SBI_ERR_ALREADY_AVAILABLE;
    if (!e) {
        t->hsm_pc = pc;
        t->hsm_opaque = c->a[2];
        atomic_store(&t->hsm, HVP_HSM_START_PENDING);
    }
    pthread_mutex_unlock(&pv->lock);
    if (!e)
        hvp_wake(t);
    return ret(c, e, 0);
}

/* The calling hart stops: it leaves the engine (parked) and vcpu_run sleeps until a
 * hart_start. Never returns to the caller on success. */
static int hsm_stop(struct call *c, uint64_t *j)
{
    struct hvp_vcpu *h = c->h;
    pthread_mutex_lock(&h->pv->lock);
    atomic_store(&h->hsm, HVP_HSM_STOPPED);
    pthread_mutex_unlock(&h->pv->lock);
    h->parked = true;
    hv__vcpu_exit(h->vcpu, HV_EXIT_HALT, 0);    /* seen only by vcpu_run, which sleeps */
    return EXIT;
}

static int hsm_status(struct call *c, uint64_t *j)
{
    struct hvp_vm *pv = c->h->pv;
    pthread_mutex_lock(&pv->lock);
    struct hvp_vcpu *t = hart(pv, c->a[0]);
    uint32_t s = t ? atomic_load(&t->hsm) : 0;
    pthread_mutex_unlock(&pv->lock);
    return t ? ret(c, 0, s) : ret(c, HVP_SBI_ERR_INVALID_PARAM, 0);
}

static int hsm_suspend(struct call *c, uint64_t *j)
{
    uint64_t type = c->a[0];
    if (type > 0xffffffffull || (type > SUSPEND_RETENTIVE && type < 0x10000000u) ||
        (type > SUSPEND_NON_RETENTIVE && type < 0x90000000u))
        return ret(c, HVP_SBI_ERR_INVALID_PARAM, 0);      /* reserved types */
    if (type != SUSPEND_RETENTIVE)
        return ret(c, HVP_SBI_ERR_NOT_SUPPORTED, 0);      /* non-retentive, platform ones */
    /* Retentive: exactly WFI (back when an interrupt enabled in sie is pending, whatever
     * sstatus.SIE), then the call returns 0. */
    struct hvp_vcpu *h = c->h;
    atomic_store(&h->hsm, HVP_HSM_SUSPENDED);
    int r = hvp_wfi(h);
    atomic_store(&h->hsm, HVP_HSM_STARTED);
    ret(c, 0, 0);
    if (r == HV_STEP_EXIT && h->vcpu->exit.reason == HV_EXIT_BUDGET)
        return AGAIN;                   /* a deterministic sleep cut by the budget */
    return r == HV_STEP_EXIT ? EXIT : DONE;
}

static const struct fn_desc hsm_fns[] = {
    [0] = { hsm_start, 0 },
    [1] = { hsm_stop, NOBATCH },
    [2] = { hsm_status, 0 },
    [3] = { hsm_suspend, NOBATCH },
};
const struct ext_desc hvp_sbi_hsm = { HVP_EID_HSM, hsm_fns, 4 };

int hvp_hsm_wait(struct hvp_vcpu *h)
{
    struct hvp_vm *pv = h->pv;
    for (;;) {
        uint32_t seen = hv__wait_seq(&h->wake);
        pthread_mutex_lock(&pv->lock);
        uint32_t s = atomic_load(&h->hsm);
        uint64_t pc = h->hsm_pc, opaque = h->hsm_opaque;
        if (s == HVP_HSM_START_PENDING)
            atomic_store(&h->hsm, HVP_HSM_STARTED);
        pthread_mutex_unlock(&pv->lock);
        if (s == HVP_HSM_START_PENDING)
            hvp_enter_kernel(h, pc, opaque);
        if (s != HVP_HSM_STOPPED)
            return 0;
        int stop = atomic_load(&pv->stop_reason);
        if (stop) {
            hv__vcpu_exit(h->vcpu, (enum hv_exit_reason)stop, atomic_load(&pv->stop_code));
            return 1;
        }
        if (atomic_exchange(&h->vcpu->kicked, 0)) {
            hv__vcpu_exit(h->vcpu, HV_EXIT_KICK, 0);
            return 1;
        }
        if (hv__vcpu_deadline_fire(h->vcpu)) {
            hv__vcpu_exit(h->vcpu, HV_EXIT_DEADLINE, 0);
            return 1;
        }
        hvp_sbi_poll(h);                /* answer remote fences while stopped */
        /* A stopped hart retires nothing and has no timer: in deterministic mode too it
         * just waits for another hart's hart_start (which comes at a deterministic point
         * of that hart's instruction stream). */
        hv__wait(&h->wake, seen, HSM_MAX_SLEEP_NS);
    }
}

/* ---- legacy (v0.1) ------------------------------------------------------------------------ */

static int legacy_set_timer(struct call *c, uint64_t *j)
{
    hvp_sbi_set_timer(c, j);
    return ret(c, 0, 0);
}

static int legacy_putchar(struct call *c, uint64_t *j)
{
    uint8_t b = (uint8_t)c->a[0];
    hvp_console_out(c->h->pv, &b, 1);
    return ret(c, 0, 0);
}

/* One byte of console input, or -1 when there is none. */
static int legacy_getchar(struct call *c, uint64_t *j)
{
    struct hv_vm *vm = c->h->pv->vm;
    uint8_t b;
    if (vm->serial && hv__chardev_read(vm->serial, &b, 1) == 1)
        return ret(c, b, 0);
    return ret(c, -1, 0);
}

/* Shutdown: SRST's shutdown with no reason. */
static int legacy_shutdown(struct call *c, uint64_t *j)
{
    c->a[0] = HVP_SRST_TYPE_SHUTDOWN;
    c->a[1] = HVP_SRST_REASON_NONE;
    return hvp_sbi_reset(c, j);
}

static const struct fn_desc legacy_set_timer_fn[] = { { legacy_set_timer, 0 } };
static const struct fn_desc legacy_putchar_fn[] = { { legacy_putchar, 0 } };
static const struct fn_desc legacy_getchar_fn[] = { { legacy_getchar, 0 } };
static const struct fn_desc legacy_shutdown_fn[] = { { legacy_shutdown, NOBATCH } };
const struct ext_desc hvp_sbi_legacy[] = {
    { LEGACY_SET_TIMER, legacy_set_timer_fn, 1 },
    { LEGACY_PUTCHAR, legacy_putchar_fn, 1 },
    { LEGACY_GETCHAR, legacy_getchar_fn, 1 },
    { LEGACY_SHUTDOWN, legacy_shutdown_fn, 1 },
};
const unsigned hvp_sbi_nr_legacy = sizeof(hvp_sbi_legacy) / sizeof(hvp_sbi_legacy[0]);
