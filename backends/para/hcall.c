/* SPDX-License-Identifier: MIT */
/* libhv para backend — hypercall dispatch: one static const table indexed by extension
 * (EID) then function (FID), the standard SBI extensions (BASE, TIME, SRST, DBCN), the para
 * extension, MULTICALL, and HV_EXIT_HYPERCALL for extensions nobody here implements. Every
 * guest-supplied address, length and index is validated before use. */
#include <string.h>
#include "backends/para/hcall.h"
#include "core/wait.h"

/* ---- BASE ----------------------------------------------------------------------------- */

static const struct ext_desc *find_ext(uint64_t eid);

static int base_spec(struct call *c, uint64_t *j) { return ret(c, 0, HVP_SBI_SPEC_VERSION); }
static int base_impl_id(struct call *c, uint64_t *j) { return ret(c, 0, HVP_SBI_IMPL_ID); }
static int base_impl_ver(struct call *c, uint64_t *j) { return ret(c, 0, HV_VERSION); }
static int base_zero(struct call *c, uint64_t *j) { return ret(c, 0, 0); }
static int base_probe(struct call *c, uint64_t *j)
{
    return ret(c, 0, find_ext(c->a[0]) || hv__hypercall_has_handler(c->h->pv->vm, c->a[0]));
}

static const struct fn_desc base_fns[] = {
    [HVP_BASE_GET_SPEC_VERSION] = { base_spec, 0 },
    [HVP_BASE_GET_IMPL_ID] = { base_impl_id, 0 },
    [HVP_BASE_GET_IMPL_VERSION] = { base_impl_ver, 0 },
    [HVP_BASE_PROBE_EXTENSION] = { base_probe, 0 },
    [HVP_BASE_GET_MVENDORID] = { base_zero, 0 },
    [HVP_BASE_GET_MARCHID] = { base_zero, 0 },
    [HVP_BASE_GET_MIMPID] = { base_zero, 0 },
};

/* ---- TIME ------------------------------------------------------------------------------ */

/* Arming (or disarming) the timer lowers STIP: it is the level "the deadline passed", set
 * when it fires (hvp_timer_check) until the next set_timer, as an S-mode kernel expects. */
void hvp_timer_arm(struct hvp_vcpu *h, uint64_t deadline)
{
    hvp_set_sip_self(h, MIP_STIP, false);
    h->timer_deadline = deadline;
    h->stimecmp = deadline;
    struct hvp_vcpu_info *vi = hvp_vinfo(h->pv, h->id);
    if (vi)
        vi->timer_deadline = deadline;
    h->vcpu->cpu.exit_request = 1;      /* a deadline in the past fires at the next poll */
}

int hvp_sbi_set_timer(struct call *c, uint64_t *j)
{
    hvp_timer_arm(c->h, c->a[0]);
    return ret(c, 0, 0);
}

static const struct fn_desc time_fns[] = {
    [HVP_TIME_SET_TIMER] = { hvp_sbi_set_timer, 0 },
};

/* ---- SRST ------------------------------------------------------------------------------ */

int hvp_sbi_reset(struct call *c, uint64_t *j)
{
    uint64_t type = c->a[0], reason = c->a[1];
    enum hv_exit_reason why;
    int code = 0;
    if (type > HVP_SRST_TYPE_WARM_REBOOT)
        return ret(c, HVP_SBI_ERR_INVALID_PARAM, 0);
    if (reason == HVP_SRST_REASON_NONE) {
        why = HV_EXIT_SHUTDOWN;
    } else if (reason == HVP_SRST_REASON_SYSFAIL) {
        why = HV_EXIT_CRASH;
        code = 1;
    } else if ((reason & 0xFFFF0000u) == HVP_SRST_REASON_EXIT_CODE) {
        code = (int)(reason & 0xffff);
        why = HV_EXIT_SHUTDOWN;         /* every exit code is a power-off (include/hv/vm.h) */
    } else {
        return ret(c, HVP_SBI_ERR_INVALID_PARAM, 0);
    }
    if (type != HVP_SRST_TYPE_SHUTDOWN) {
        why = HV_EXIT_REBOOT;
        code = 0;
    }
    /* The whole VM stops: other vCPUs see stop_reason at their next poll. */
    struct hvp_vm *pv = c->h->pv;
    atomic_store(&pv->stop_code, code);
    atomic_store(&pv->stop_reason, (int)why);
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
        if (pv->vcpus[i] && pv->vcpus[i] != c->h)
            hvp_wake(pv->vcpus[i]);
    hv__vcpu_exit(c->h->vcpu, why, code);
    return EXIT;
}

static const struct fn_desc srst_fns[] = {
    [HVP_SRST_SYSTEM_RESET] = { hvp_sbi_reset, NOBATCH },
};

/* ---- DBCN ------------------------------------------------------------------------------ */

/* SBI passes the buffer as (lo, hi); on RV64 hi must be 0. The whole buffer must be RAM. */
static void *dbcn_buffer(struct call *c, uint64_t *len)
{
    *len = c->a[0] < HVP_DBCN_MAX_WRITE ? c->a[0] : HVP_DBCN_MAX_WRITE;
    if (c->a[2] != 0)
        return NULL;
    if (*len == 0)
        return hvp_ram(c->h->pv, c->a[1], 1);
    return hvp_ram(c->h->pv, c->a[1], *len);
}

static int dbcn_write(struct call *c, uint64_t *j)
{
    uint64_t len;
    /* Validate the guest's full length (not just the part written now): a buffer that
     * leaves RAM or wraps around is an error even if the first chunk is fine. */
    if (c->a[2] != 0 || !hvp_ram(c->h->pv, c->a[1], c->a[0] ? c->a[0] : 1))
        return ret(c, HVP_SBI_ERR_INVALID_PARAM, 0);
    const void *buf = dbcn_buffer(c, &len);
    if (!buf)
        return ret(c, HVP_SBI_ERR_INVALID_PARAM, 0);
    hvp_console_out(c->h->pv, buf, len);
    return ret(c, 0, len);
}

static int dbcn_read(struct call *c, uint64_t *j)
{
    uint64_t len;
    void *buf = dbcn_buffer(c, &len);
    if (!buf)
        return ret(c, HVP_SBI_ERR_INVALID_PARAM, 0);
    struct hv_vm *vm = c->h->pv->vm;
    size_t n = len && vm->serial ? hv__chardev_read(vm->serial, buf, len) : 0;
    if (n)
        hv__mem_mark_dirty(&vm->mem, c->a[1], n);
    return ret(c, 0, n);
}

static int dbcn_write_byte(struct call *c, uint64_t *j)
{
    uint8_t b = (uint8_t)c->a[0];
    hvp_console_out(c->h->pv, &b, 1);
    return ret(c, 0, 0);
}

static const struct fn_desc dbcn_fns[] = {
    [HVP_DBCN_CONSOLE_WRITE] = { dbcn_write, 0 },
    [HVP_DBCN_CONSOLE_READ] = { dbcn_read, 0 },
    [HVP_DBCN_CONSOLE_WRITE_BYTE] = { dbcn_write_byte, 0 },
};

/* ---- the para extension ------------------------------------------------------------------ */

static int pv_start_info(struct call *c, uint64_t *j)
{
    struct hvp_vm *pv = c->h->pv;
    uint64_t size = c->a[1] < sizeof(pv->start) ? c->a[1] : sizeof(pv->start);
    if (size == 0)
        return ret(c, 0, sizeof(pv->start));    /* a size query */
    void *dst = hvp_ram(pv, c->a[0], size);
    if (!dst)
        return ret(c, HVP_SBI_ERR_INVALID_ADDRESS, 0);
    pthread_mutex_lock(&pv->lock);
    memcpy(dst, &pv->start, size);
    pthread_mutex_unlock(&pv->lock);
    hv__mem_mark_dirty(&pv->vm->mem, c->a[0], size);
    return ret(c, 0, sizeof(pv->start));
}

static bool valid_entry(struct hvp_vm *pv, uint64_t pc)
{
    if (pc == 0)
        return true;
    if (pc & 1)
        return false;
    struct hv_region *r = hv__mem_find(&pv->vm->mem, pc);
    return r && r->kind != HV_REGION_MMIO && (r->flags & HV_MEM_EXEC);
}

static int pv_set_callbacks(struct call *c, uint64_t *j)
{
    struct hvp_vcpu *h = c->h;
    if (!valid_entry(h->pv, c->a[0]) || !valid_entry(h->pv, c->a[1]))
        return ret(c, HVP_SBI_ERR_INVALID_ADDRESS, 0);
    h->event_entry = c->a[0];
    h->fault_entry = c->a[1];
    h->vcpu->cpu.exit_request = 1;      /* an event may be deliverable now */
    return ret(c, 0, 0);
}

static void restore_frame(struct hv_cpu *cpu, const struct hvp_frame *f)
{
    for (unsigned i = 1; i < 32; i++)
        cpu->x[i] = f->x[i];
}

/* Return from the innermost live frame (fault inside an upcall is the only nesting).
 * Restoring the registers and unmasking happen in this one hypercall, and the poll that
 * follows before the restored pc executes delivers anything that became pending: no event
 * can be lost in between. */
static int pv_event_return(struct call *c, uint64_t *jump_to)
{
    struct hvp_vcpu *h = c->h;
    struct hvp_vcpu_info *vi = hvp_vinfo(h->pv, h->id);
    struct hv_cpu *cpu = &h->vcpu->cpu;
    if (!vi || (!h->in_fault && !h->in_upcall))
        return ret(c, HVP_SBI_ERR_INVALID_STATE, 0);
    const struct hvp_frame *f;
    uint8_t mask;
    if (h->in_fault) {
        f = &vi->fault_frame;
        mask = vi->fault_frame.saved_mask ? 1 : 0;
        h->in_fault = false;
        vi->in_fault = 0;
    } else {
        f = &vi->event_frame;
        mask = 0;
        h->in_upcall = false;
        vi->in_upcall = 0;
    }
    *jump_to = f->pc;
    restore_frame(cpu, f);
    __atomic_store_n(&vi->upcall_mask, mask, __ATOMIC_RELEASE);
    cpu->exit_request = 1;
    return JUMP;
}

static int pv_evtchn(struct call *c, uint64_t *j)
{
    c->error = hvp_evtchn_op(c->h, c->a[0], &c->a[1], &c->value);
    return DONE;
}

static int pv_sched(struct call *c, uint64_t *j)
{
    int r = hvp_sched_op(c->h, c->a[0], &c->a[1], c->batch, &c->error, &c->value);
    return r == HVP_STEP_AGAIN ? AGAIN : r == HV_STEP_EXIT ? EXIT : DONE;
}

static int pv_ring_connect(struct call *c, uint64_t *j)
{
    c->value = 0;
    c->error = hvp_ring_connect(c->h, c->a);
    return DONE;
}

static int pv_notify(struct call *c, uint64_t *j)
{
    return ret(c, hvp_evtchn_send(c->h, c->a[0]), 0);
}

static int pv_wallclock(struct call *c, uint64_t *j)
{
    return ret(c, 0, hv__clock_wall_ns(&c->h->pv->vm->clock));
}

static int dispatch(struct call *c, uint64_t *jump_to);

/* MULTICALL: many calls, one exit from the guest. Each entry is dispatched as if called
 * directly (same validation), its sbiret written back into the entry. Calls that transfer
 * control or stop the vCPU are refused per entry with DENIED; the batch goes on. */
static int pv_multicall(struct call *c, uint64_t *j)
{
    struct hvp_vm *pv = c->h->pv;
    uint64_t gpa = c->a[0], count = c->a[1];
    if (count == 0)
        return ret(c, 0, 0);
    if (count > HVP_MULTICALL_MAX)
        return ret(c, HVP_SBI_ERR_INVALID_PARAM, 0);
    if (gpa & 7)
        return ret(c, HVP_SBI_ERR_INVALID_ADDRESS, 0);
    struct hvp_multicall *mc = hvp_ram(pv, gpa, count * sizeof(*mc));
    if (!mc)
        return ret(c, HVP_SBI_ERR_INVALID_ADDRESS, 0);
    for (uint64_t i = 0; i < count; i++) {
        struct call e = { .h = c->h, .eid = mc[i].eid, .fid = mc[i].fid, .batch = true };
        memcpy(e.a, mc[i].args, sizeof(e.a));
        uint64_t unused;
        dispatch(&e, &unused);          /* NOBATCH entries come back DENIED */
        mc[i].error = e.error;
        mc[i].value = e.value;
    }
    hv__mem_mark_dirty(&pv->vm->mem, gpa, count * sizeof(*mc));
    return ret(c, 0, count);
}

static const struct fn_desc para_fns[] = {
    [HVP_FID_GET_START_INFO] = { pv_start_info, 0 },
    [HVP_FID_SET_CALLBACKS] = { pv_set_callbacks, 0 },
    [HVP_FID_EVENT_RETURN] = { pv_event_return, NOBATCH },
    [HVP_FID_EVTCHN_OP] = { pv_evtchn, 0 },
    [HVP_FID_SCHED_OP] = { pv_sched, 0 },        /* block/poll refused in a batch */
    [HVP_FID_MULTICALL] = { pv_multicall, NOBATCH },
    [HVP_FID_RING_CONNECT] = { pv_ring_connect, 0 },
    [HVP_FID_NOTIFY] = { pv_notify, 0 },
    [HVP_FID_WALLCLOCK] = { pv_wallclock, 0 },
};

/* ---- the table --------------------------------------------------------------------------- */

#define EXT(id, t) { id, t, sizeof(t) / sizeof(t[0]) }
static const struct ext_desc extensions[] = {
    EXT(HVP_EID_BASE, base_fns),
    EXT(HVP_EID_TIME, time_fns),
    EXT(HVP_EID_SRST, srst_fns),
    EXT(HVP_EID_DBCN, dbcn_fns),
    EXT(HVP_EID_PARA, para_fns),
};
static const struct ext_desc *const more_extensions[] = {
    &hvp_sbi_ipi, &hvp_sbi_rfence, &hvp_sbi_hsm,
};

static const struct ext_desc *find_ext(uint64_t eid)
{
    for (unsigned i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++)
        if (extensions[i].eid == eid)
            return &extensions[i];
    for (unsigned i = 0; i < sizeof(more_extensions) / sizeof(more_extensions[0]); i++)
        if (more_extensions[i]->eid == eid)
            return more_extensions[i];
    for (unsigned i = 0; i < hvp_sbi_nr_legacy; i++)
        if (hvp_sbi_legacy[i].eid == eid)
            return &hvp_sbi_legacy[i];
    return NULL;
}

/* Hand an unknown extension to the embedder (HV_EXIT_HYPERCALL). The guest sees
 * NOT_SUPPORTED unless the embedder writes an answer into the exit before resuming. */
static int to_embedder(struct call *c)
{
    struct hvp_vcpu *h = c->h;
    hv__vcpu_exit(h->vcpu, HV_EXIT_HYPERCALL, 0);
    h->vcpu->exit.u.hypercall.eid = c->eid;
    h->vcpu->exit.u.hypercall.fid = c->fid;
    memcpy(h->vcpu->exit.u.hypercall.args, c->a, sizeof(c->a));
    h->vcpu->exit.u.hypercall.ret_error = HVP_SBI_ERR_NOT_SUPPORTED;
    h->vcpu->exit.u.hypercall.ret_value = 0;
    h->hcall_pending = true;
    c->error = HVP_SBI_ERR_NOT_SUPPORTED;
    c->value = 0;
    return EXIT;
}

/* The embedder's handlers (hv_vm_set_hypercall_handler) come first when they apply. */
static bool embedder_claims(struct call *c, bool builtin)
{
    struct hv_hypercall hc = { .eid = c->eid, .fid = c->fid };
    memcpy(hc.args, c->a, sizeof(hc.args));
    if (!hv__hypercall_embedder(c->h->vcpu, &hc, builtin))
        return false;
    ret(c, hc.ret_error, hc.ret_value);
    return true;
}

static int dispatch(struct call *c, uint64_t *jump_to)
{
    const struct ext_desc *x = find_ext(c->eid);
    if (embedder_claims(c, x != NULL))
        return DONE;
    if (!x) {
        if (c->batch)
            return ret(c, HVP_SBI_ERR_NOT_SUPPORTED, 0);
        return to_embedder(c);
    }
    if (c->eid < LEGACY_EID_END) {
        c->legacy = true;               /* v0.1: a6 is not a function id */
        c->fid = 0;
    }
    if (c->fid >= x->nr || !x->fns[c->fid].fn)
        return ret(c, HVP_SBI_ERR_NOT_SUPPORTED, 0);
    const struct fn_desc *f = &x->fns[c->fid];
    if (c->batch && (f->flags & NOBATCH))
        return ret(c, HVP_SBI_ERR_DENIED, 0);
    return f->fn(c, jump_to);
}

static int hypercall(struct hvp_vcpu *h);

/* hv_config.time_exits: the host time of each hypercall, less the idle time of a blocking
 * one (SCHED_OP), goes into stats.exit_ns. */
int hvp_hypercall(struct hvp_vcpu *h)
{
    if (!h->pv->vm->cfg.time_exits)
        return hypercall(h);
    struct hv_stats *st = &h->vcpu->stats;
    uint64_t idle0 = st->idle_ns, t0 = hv__wait_now_ns();
    int rc = hypercall(h);
    uint64_t spent = hv__wait_now_ns() - t0, idle = st->idle_ns - idle0;
    st->exit_ns += spent > idle ? spent - idle : 0;
    return rc;
}

static int hypercall(struct hvp_vcpu *h)
{
    struct hv_cpu *cpu = &h->vcpu->cpu;
    struct call c = { .h = h, .eid = cpu->x[17], .fid = cpu->x[16] };
    memcpy(c.a, &cpu->x[10], sizeof(c.a));
    h->vcpu->stats.hypercalls++;
    uint64_t jump_to = 0;
    uint64_t next = cpu->pc + 4;        /* ECALL has no compressed form */
    switch (dispatch(&c, &jump_to)) {
    case JUMP:
        return hvp_jump(h, jump_to);
    case AGAIN:
        return HV_STEP_EXIT;            /* pc and registers untouched: the ECALL runs again */
    case EXIT:
        /* Resuming continues after the ecall with the sbiret in a0/a1. */
        cpu->x[10] = (uint64_t)c.error;
        if (!c.legacy)
            cpu->x[11] = c.value;
        cpu->pc = next;
        h->vcpu->exit.pc = next;
        return HV_STEP_EXIT;
    default:
        cpu->x[10] = (uint64_t)c.error;
        if (!c.legacy)                  /* v0.1 calls return in a0 only */
            cpu->x[11] = c.value;
        cpu->pc = next;
        return HV_STEP_OK;
    }
}
