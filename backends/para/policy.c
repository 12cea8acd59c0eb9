/* SPDX-License-Identifier: MIT */
/* libhv para backend — the CPU policy: with satp Bare the direct identity mapping of guest
 * RAM (va == gpa, no page tables; paging is smode.c), the embedder's MMIO regions
 * (hv_vm_mmio_add), ECALL from S = hypercall and from U = a trap to S, fault and
 * event-upcall delivery through frames in the shared-info page for ABI 1.x guests, or
 * architectural traps into the virtual S-mode (smode.c); the poll hook (kicks, VM stops,
 * timer, device input, upcalls and S interrupts). */
#include "backends/para/para.h"
#include "priv/sv.h"

/* Instructions between two polls when nothing asks for one earlier: bounds the latency of
 * timer events and kicks. */
#define POLL_SLICE 4096u
/* Device input (console) is looked at every this many polls: it costs a host syscall. */
#define DEVICE_POLL_EVERY 8u

/* Control transfer from a system() hook. The engine advances pc past the instruction when
 * the hook leaves pc unchanged, so a target equal to the current pc goes through the trap
 * path instead: take_trap() sees jump_pending and sets pc unconditionally. */
int hvp_jump(struct hvp_vcpu *h, uint64_t pc)
{
    struct hv_cpu *cpu = &h->vcpu->cpu;
    if (pc != cpu->pc) {
        cpu->pc = pc;
        return HV_STEP_OK;
    }
    h->jump_pending = true;
    h->jump_pc = pc;
    return HV_STEP_TRAP;
}

/* ---- memory: identity mapping of RAM ------------------------------------------------------ */

/* va == gpa. A RAM/ROM page is installed in the soft-TLB for every access type its region
 * allows (one refill per page, then the fast path: host = va + addend, with the same addend
 * mem.base for every page: this is the interpreter's form of the translator's direct
 * `base + gpa` access). A load or store in an embedder's MMIO region goes to mmio() (the
 * translator's direct window covers RAM only, so such accesses reach here too; MMIO pages
 * are never cached). Anything else is an access fault for the guest. */
static int tlb_fill(struct hv_cpu *cpu, uint64_t va, enum hv_access acc, uint64_t *mmio_pa,
                    bool *is_mmio)
{
    struct hvp_vcpu *h = hvp_of(cpu);
    if (hv__priv_paging(&h->s))
        return hvp_s_tlb_fill(cpu, va, acc, mmio_pa, is_mmio);
    struct hv_mem *mem = &h->pv->vm->mem;
    *is_mmio = false;
    struct hv_region *r = hv__mem_find(mem, va);
    if (r && r->kind == HV_REGION_MMIO && acc != HV_ACC_EXEC) {
        *is_mmio = true;
        *mmio_pa = va;
        return HV_STEP_OK;
    }
    if (!r || r->kind == HV_REGION_MMIO || !(r->flags & hv__sv_region_flag(acc)))
        return hv__sv_access_fault(cpu, acc, va);
    uint64_t page = va & ~0xfffull;
    struct hv_tlb_entry *e = hv__tlb_entry(cpu, va);
    e->addend = (uint64_t)(uintptr_t)(r->host + (page - r->gpa)) - page;
    for (unsigned k = 0; k < 3; k++)
        e->tag[k] = (r->flags & hv__sv_region_flag((enum hv_access)k)) ? page : HV_TLB_INVALID;
    if (r->flags & HV_MEM_WRITE)
        hv__mem_mark_dirty(mem, page, HV_PAGE_SIZE);
    return HV_STEP_OK;
}

/* An access to an embedder's MMIO region (the para platform itself has no device
 * registers), as on the full backend: callbacks, or an HV_EXIT_MMIO after which the
 * instruction re-executes and that one access is completed from vcpu->last_exit (reads) or
 * dropped (writes, already reported). A failing callback is a guest access fault. */
static int mmio(struct hv_cpu *cpu, uint64_t pa, unsigned size, uint64_t *val, bool write)
{
    struct hvp_vcpu *h = hvp_of(cpu);
    struct hv_vcpu *vcpu = h->vcpu;
    uint64_t cause = write ? HV_EXC_STORE_ACCESS : HV_EXC_LOAD_ACCESS;
    vcpu->stats.mmio_traps++;
    if (hv__mmio_complete(vcpu, &h->mmio, pa, size, val, write))
        return HV_STEP_OK;
    struct hv_region *r = hv__mem_find(&h->pv->vm->mem, pa);
    if (!r || r->kind != HV_REGION_MMIO)
        return hv__cpu_raise(cpu, cause, pa);
    struct hv_exit ex;
    int rc = hv__mmio_access(r, &h->mmio, &ex, pa, size, val, write);
    if (rc == 1) {
        hv__vcpu_exit(h->vcpu, HV_EXIT_MMIO, 0);
        h->vcpu->exit.u.mmio = ex.u.mmio;
        return HV_STEP_EXIT;
    }
    return rc < 0 ? hv__cpu_raise(cpu, cause, pa) : HV_STEP_OK;
}

/* ---- system instructions ------------------------------------------------------------------ */

static int sys_illegal(struct hv_cpu *cpu, const struct hv_insn *insn)
{
    uint32_t raw = insn->raw;
    if ((raw & 3) != 3)
        raw &= 0xffff;
    return hv__cpu_raise(cpu, HV_EXC_ILLEGAL, raw);
}

/* Cache-block operations: always allowed in S (nothing above it restricts them); in U when
 * senvcfg enables them. */
static int cbo(struct hv_cpu *cpu, const struct hv_insn *insn)
{
    uint64_t need = insn->op == HV_OP_CBO_ZERO ? MENVCFG_CBZE
                  : insn->op == HV_OP_CBO_INVAL ? MENVCFG_CBIE : MENVCFG_CBCFE;
    if (cpu->priv == HV_PRIV_U && !(hvp_of(cpu)->s.senvcfg & need))
        return sys_illegal(cpu, insn);
    return HV_STEP_OK;                  /* the engine checks the address */
}

static int system_insn(struct hv_cpu *cpu, const struct hv_insn *insn)
{
    struct hvp_vcpu *h = hvp_of(cpu);
    switch (insn->op) {
    case HV_OP_ECALL: {
        if (cpu->priv == HV_PRIV_U)
            return hv__cpu_raise(cpu, HV_EXC_ECALL_U, 0);
        int rc = hvp_hypercall(h);
        /* The call may have raised an event or an IPI for this vCPU: an S-mode kernel
         * takes it before its next instruction (through poll). */
        if (rc == HV_STEP_OK && h->s.ie)
            cpu->exit_request = 1;
        return rc;
    }
    case HV_OP_EBREAK:
        return hv__cpu_raise(cpu, HV_EXC_BREAKPOINT, cpu->pc);
    case HV_OP_FENCE_I:
        return HV_STEP_OK;              /* the engine already dropped its cached code */
    case HV_OP_CBO_INVAL: case HV_OP_CBO_CLEAN: case HV_OP_CBO_FLUSH: case HV_OP_CBO_ZERO:
        return cbo(cpu, insn);
    default:
        /* SRET, WFI, SFENCE.VMA: the virtual S-mode's (illegal from U); MRET illegal. */
        return hvp_s_system(cpu, insn);
    }
}

static void code_written(struct hv_cpu *cpu, uint64_t pa, uint64_t len)
{
    hv__engine_code_written(cpu, pa, len);
}

/* ---- frames: faults and upcalls ---------------------------------------------------------- */

static void save_frame(struct hv_cpu *cpu, struct hvp_frame *f, uint64_t cause, uint64_t tval)
{
    f->pc = cpu->pc;
    f->cause = cause;
    f->tval = tval;
    f->x[0] = 0;
    for (unsigned i = 1; i < 32; i++)
        f->x[i] = cpu->x[i];
}

/* Enter a handler: a0 = gpa of the frame, a1 = cause, a2 = tval. */
static void enter(struct hvp_vcpu *h, uint64_t entry, uint64_t frame_gpa, uint64_t cause,
                  uint64_t tval)
{
    struct hv_cpu *cpu = &h->vcpu->cpu;
    cpu->pc = entry;
    cpu->x[10] = frame_gpa;
    cpu->x[11] = cause;
    cpu->x[12] = tval;
    cpu->reservation = HV_TLB_INVALID;  /* as any trap: LR/SC reservations are lost */
}

static uint64_t frame_gpa(struct hvp_vcpu *h, bool fault)
{
    uint64_t off = offsetof(struct hvp_shared_info, vcpu) +
                   h->id * sizeof(struct hvp_vcpu_info) +
                   (fault ? offsetof(struct hvp_vcpu_info, fault_frame)
                          : offsetof(struct hvp_vcpu_info, event_frame));
    return h->pv->shared_gpa + off;
}

bool hvp_try_upcall(struct hvp_vcpu *h)
{
    /* Frame upcalls enter the (S-mode) kernel's entry: never while a U-mode program runs
     * (a kernel with user programs takes events as SEIP instead). */
    if (!h->event_entry || h->in_upcall || h->in_fault || h->vcpu->cpu.priv != HV_PRIV_S)
        return false;
    struct hvp_vcpu_info *vi = hvp_vinfo(h->pv, h->id);
    if (!vi || !__atomic_load_n(&vi->upcall_pending, __ATOMIC_ACQUIRE) ||
        __atomic_load_n(&vi->upcall_mask, __ATOMIC_ACQUIRE))
        return false;
    struct hv_cpu *cpu = &h->vcpu->cpu;
    save_frame(cpu, &vi->event_frame, HVP_CAUSE_EVENT, 0);
    vi->event_frame.saved_mask = 0;
    __atomic_store_n(&vi->upcall_mask, 1, __ATOMIC_RELEASE);
    h->in_upcall = true;
    vi->in_upcall = 1;
    enter(h, h->event_entry, frame_gpa(h, false), HVP_CAUSE_EVENT, 0);
    h->vcpu->stats.interrupts++;
    return true;
}

/* A synchronous fault (cause/tval recorded by hv__cpu_raise, pc = faulting instruction):
 * to the fault entry, or out to the embedder when there is none or the fault handler
 * itself faulted. */
static int take_trap(struct hv_cpu *cpu)
{
    struct hvp_vcpu *h = hvp_of(cpu);
    if (h->jump_pending) {
        h->jump_pending = false;
        cpu->pc = h->jump_pc;
        return HV_STEP_OK;
    }
    /* Architectural traps: from U always (the kernel's stvec), from S when the guest has
     * no ABI 1.x fault entry but an stvec. */
    if (cpu->priv == HV_PRIV_U || (!h->fault_entry && h->s.stvec))
        return hvp_s_trap(h, cpu->trap_cause, cpu->trap_tval);
    struct hvp_vcpu_info *vi = hvp_vinfo(h->pv, h->id);
    if (!h->fault_entry || h->in_fault || !vi) {
        hv__vcpu_exit(h->vcpu, HV_EXIT_FAULT, 0);
        h->vcpu->exit.u.fault.cause = cpu->trap_cause;
        h->vcpu->exit.u.fault.tval = cpu->trap_tval;
        return HV_STEP_EXIT;
    }
    save_frame(cpu, &vi->fault_frame, cpu->trap_cause, cpu->trap_tval);
    vi->fault_frame.saved_mask = __atomic_load_n(&vi->upcall_mask, __ATOMIC_ACQUIRE);
    __atomic_store_n(&vi->upcall_mask, 1, __ATOMIC_RELEASE);
    h->in_fault = true;
    vi->in_fault = 1;
    enter(h, h->fault_entry, frame_gpa(h, true), cpu->trap_cause, cpu->trap_tval);
    h->vcpu->stats.exceptions++;
    return HV_STEP_OK;
}

/* ---- poll ---------------------------------------------------------------------------------- */

bool hvp_timer_check(struct hvp_vcpu *h)
{
    if (h->timer_deadline == UINT64_MAX)
        return false;
    if (hv__clock_ticks(&h->pv->vm->clock) < h->timer_deadline)
        return false;
    h->timer_deadline = UINT64_MAX;
    struct hvp_vcpu_info *vi = hvp_vinfo(h->pv, h->id);
    if (vi)
        vi->timer_deadline = UINT64_MAX;
    hvp_set_sip_self(h, MIP_STIP, true);    /* S-mode kernels: level until the next set_timer */
    hvp_raise_virq(h, HVP_VIRQ_TIMER);     /* ABI 1.x guests that bound it */
    return true;
}

/* Deterministic time advances only with instructions: poll exactly when the deadline is
 * due so a timer event lands on the same instruction in every run. */
static void schedule_timer_poll(struct hvp_vcpu *h)
{
    struct hv_clock *clk = &h->pv->vm->clock;
    struct hv_cpu *cpu = &h->vcpu->cpu;
    if (!clk->deterministic || h->timer_deadline == UINT64_MAX)
        return;
    uint64_t now = hv__clock_ticks(clk);
    uint64_t ipt = clk->insns_per_tick ? clk->insns_per_tick : 1;
    uint64_t d = h->timer_deadline > now ? h->timer_deadline - now : 0;
    if (d > POLL_SLICE / ipt)
        return;                         /* the regular slice polls first */
    /* The clock reaches the deadline when the VM's instruction total reaches deadline *
     * ipt, not d * ipt after this poll (now is rounded down): poll exactly there, wherever
     * this poll happened to be. d * ipt <= POLL_SLICE: no overflow. */
    uint64_t at = cpu->instret + d * ipt - hv__vm_instructions(h->pv->vm) % ipt;
    if (at < cpu->poll_at)
        cpu->poll_at = at;
}

static int poll(struct hv_cpu *cpu)
{
    struct hvp_vcpu *h = hvp_of(cpu);
    __atomic_store_n(&cpu->exit_request, 0, __ATOMIC_SEQ_CST);
    bool light = h->vcpu->light_poll && cpu->instret < cpu->poll_at;  /* see core/vm.h */
    h->vcpu->light_poll = false;
    if (!light)
        cpu->poll_at = cpu->instret + POLL_SLICE;
    /* A VM-wide stop (shutdown from another vCPU) wins over a kick, as on full: an
     * embedder that kicks every vCPU once the first one stopped still sees why. */
    int stop = atomic_load(&h->pv->stop_reason);
    if (stop)
        return hv__vcpu_exit(h->vcpu, (enum hv_exit_reason)stop, atomic_load(&h->pv->stop_code));
    if (atomic_exchange(&h->vcpu->kicked, 0))
        return hv__vcpu_exit(h->vcpu, HV_EXIT_KICK, 0);
    if (hv__vcpu_deadline_fire(h->vcpu))
        return hv__vcpu_exit(h->vcpu, HV_EXIT_DEADLINE, 0);
    hvp_sbi_poll(h);                    /* remote fences: before the next guest instruction */
    if (light)
        return HV_STEP_OK;
    hvp_timer_check(h);
    if (++h->polls % DEVICE_POLL_EVERY == 0)
        hvp_devices_poll(h);
    hvp_try_upcall(h);
    hvp_s_interrupt(h);
    schedule_timer_poll(h);
    return HV_STEP_OK;
}

const struct hv_cpu_policy hvp_policy = {
    .tlb_fill = tlb_fill,
    .mmio = mmio,
    .csr_read = hvp_csr_read,
    .csr_write = hvp_csr_write,
    .system = system_insn,
    .take_trap = take_trap,
    .poll = poll,
    .code_written = code_written,
    .fp_check = NULL,                   /* F/D always enabled: sstatus.FS is fixed Dirty */
};

/* The RAM window for direct access: the one writable RAM region at HVP_RAM_BASE covering the
 * VM's memory, or NULL (the embedder remapped it: the soft-TLB path keeps working). */
static uint8_t *direct_ram(struct hvp_vm *pv)
{
    struct hv_region *r = hv__mem_find(&pv->vm->mem, HVP_RAM_BASE);
    if (!r || r->kind != HV_REGION_RAM || !r->host || r->gpa != HVP_RAM_BASE ||
        r->size != pv->ram_size || (r->flags & HV_MEM_RAM) != HV_MEM_RAM)
        return NULL;
    return r->host;
}

void hvp_policy_sync(struct hvp_vcpu *h)
{
    struct hvp_vm *pv = h->pv;
    /* snap_base_gen != 0: rollback restores only the pages the dirty log lists. With
     * paging on (satp not Bare) va != gpa: the soft-TLB path translates. */
    uint8_t *host = pv->vm->snap_base_gen || hv__priv_paging(&h->s) ? NULL : direct_ram(pv);
    struct hv_cpu_policy *p = &h->policy;
    if (p->direct_host == host && p->direct_size == pv->ram_size)
        return;
    p->direct_base_gpa = HVP_RAM_BASE;
    p->direct_size = pv->ram_size;
    p->direct_host = host;
    hv__engine_code_written(&h->vcpu->cpu, 0, ~0ull);
}
