/* SPDX-License-Identifier: MIT */
/* libhv full backend — traps, interrupts and system instructions: trap entry with
 * medeleg/mideleg delegation and vectored tvec, MRET/SRET, ECALL/EBREAK, WFI (sleeps on a
 * futex until the next timer deadline or a wake-up, never spins), SFENCE.VMA/FENCE.I, and
 * the engine's poll hook (kicks, board stops, interrupt delivery). */
#include "backends/full/full.h"
#include "core/wait.h"

/* Instructions between two polls when nothing else asks for one: bounds the latency of
 * timer interrupts and kicks (~tens of microseconds in the interpreter). */
#define POLL_SLICE 4096u
/* Longest single WFI sleep. Every wake-up source (kicks and console input through the
 * vcpu_wake hook, device interrupt lines, CLINT writes) bumps the hart's futex word, so
 * this is only a safety net against a missed wake-up (ns). */
#define WFI_MAX_SLEEP_NS 1000000000ull

/* ---- trap entry -------------------------------------------------------------------------- */

/* The soft-TLB holds translations for one regime: the privilege (fetch and data; U-bit
 * pages), and in M-mode with MPRV set, MPP's. A trap or xRET that keeps the privilege with
 * MPRV clear on both sides keeps the regime: no flush (an interrupt taken and returned in
 * M-mode refilled 8 entries each time). */
static void switch_regime(struct hv_cpu *cpu, unsigned old_priv, uint64_t old_ms,
                          uint64_t new_ms)
{
    if (old_priv != cpu->priv || ((old_ms | new_ms) & MSTATUS_MPRV))
        hv__cpu_tlb_flush(cpu);
}

/* Sdtrig: a trap into M saves tcontrol.mte in mpte and clears it (M-mode triggers stop
 * firing, so the handler does not re-trigger); MRET restores it. */
static void trig_enter_m(struct hvf_hart *h)
{
    uint64_t tc = (h->tcontrol & TCONTROL_MTE) ? TCONTROL_MPTE : 0;
    if (tc != h->tcontrol) {
        h->tcontrol = tc;
        hvf_trig_sync(h);
    }
}

static void trig_mret(struct hvf_hart *h)
{
    uint64_t tc = (h->tcontrol & TCONTROL_MPTE) ? (TCONTROL_MPTE | TCONTROL_MTE) : 0;
    if (tc != h->tcontrol) {
        h->tcontrol = tc;
        hvf_trig_sync(h);
    }
}

static int enter_trap(struct hvf_hart *h, uint64_t cause, uint64_t tval)
{
    struct hv_cpu *cpu = &h->vcpu->cpu;
    bool irq = (cause & CAUSE_INTERRUPT) != 0;
    uint64_t code = cause & ~CAUSE_INTERRUPT;
    uint64_t deleg = irq ? h->mideleg : h->medeleg;
    bool to_s = cpu->priv <= HV_PRIV_S && code < 64 && ((deleg >> code) & 1);
    uint64_t target = hv__priv_tvec_target(to_s ? h->s.stvec : h->mtvec, cause);

    /* A fetch fault on the handler's own first instruction would loop forever: report it
     * as an unhandled guest fault instead (e.g. mtvec never set). An M-mode handler (no
     * translation) that is not executable memory cannot handle anything either: report
     * this fault, the real one, rather than the fetch fault at the vector that would
     * follow (a direct-boot program that traps before setting mtvec: pc 0). */
    if (!irq && (((code == HV_EXC_INSN_ACCESS || code == HV_EXC_INSN_PAGE) &&
                  cpu->pc == target) || (!to_s && !hvf_executable(h->board, target)))) {
        hv__vcpu_exit(h->vcpu, HV_EXIT_FAULT, 0);
        h->vcpu->exit.u.fault.cause = cause;
        h->vcpu->exit.u.fault.tval = tval;
        return HV_STEP_EXIT;
    }

    /* An exception raised by the handler's own first instruction re-enters that handler
     * without retiring anything: the hart livelocks, as hardware does. Such an entry
     * takes one tick of the instruction count (not of minstret: instret_off compensates,
     * as for idle time), so budgets, polls and deterministic time still advance and
     * hv_vcpu_run returns at its budget. Both engines take traps here, so they agree. */
    if (!irq && cpu->pc == target) {
        cpu->instret++;
        h->instret_off--;
    }

    uint64_t ms = h->s.status, old_ms = ms;
    unsigned old_priv = cpu->priv;
    if (to_s) {
        hv__priv_enter_s(cpu, &h->s, cause, tval);
    } else {
        h->mcause = cause;
        h->mepc = cpu->pc;
        h->mtval = tval;
        trig_enter_m(h);
        ms = (ms & ~(MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE)) |
             ((uint64_t)cpu->priv << MSTATUS_MPP_SHIFT) |
             ((ms & MSTATUS_MIE) ? MSTATUS_MPIE : 0);
        cpu->priv = HV_PRIV_M;
        h->s.status = ms;
        cpu->pc = target;
        cpu->reservation = HV_TLB_INVALID;
    }
    switch_regime(cpu, old_priv, old_ms, h->s.status);
    if (irq)
        h->vcpu->stats.interrupts++;
    else
        h->vcpu->stats.exceptions++;
    return HV_STEP_OK;
}

int hvf_take_trap(struct hv_cpu *cpu)
{
    return enter_trap(hvf_hart_of(cpu), cpu->trap_cause, cpu->trap_tval);
}

/* ---- interrupts ---------------------------------------------------------------------------- */

static const int irq_priority[] = { IRQ_MEI, IRQ_MSI, IRQ_MTI, IRQ_SEI, IRQ_SSI, IRQ_STI };

static int highest(uint64_t set)
{
    for (unsigned i = 0; i < sizeof(irq_priority) / sizeof(irq_priority[0]); i++)
        if ((set >> irq_priority[i]) & 1)
            return irq_priority[i];
    return -1;
}

int hvf_pending_irq(struct hvf_hart *h)
{
    struct hv_cpu *cpu = &h->vcpu->cpu;
    uint64_t pend = hvf_mip_read(h) & h->s.ie;
    if (!pend)
        return -1;
    /* M-level (not delegated): enabled below M, or in M with MIE. */
    uint64_t m = pend & ~h->mideleg;
    if (m && (cpu->priv < HV_PRIV_M || (h->s.status & MSTATUS_MIE)))
        return highest(m);
    /* Delegated: enabled below S, or in S with SIE; never in M (priv/smode.c). */
    return hv__priv_s_irq(pend & h->mideleg, cpu->priv, h->s.status);
}

/* ---- xRET ---------------------------------------------------------------------------------- */

static int do_mret(struct hvf_hart *h, struct hv_cpu *cpu)
{
    if (cpu->priv != HV_PRIV_M)
        return hv__priv_illegal(cpu);
    uint64_t ms = h->s.status;
    unsigned mpp = (unsigned)((ms & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT);
    ms = (ms & ~(MSTATUS_MIE | MSTATUS_MPP)) | ((ms & MSTATUS_MPIE) ? MSTATUS_MIE : 0) |
         MSTATUS_MPIE;                  /* MPP <- U (least privileged supported) */
    if (mpp != HV_PRIV_M)
        ms &= ~MSTATUS_MPRV;
    uint64_t old_ms = h->s.status;
    h->s.status = ms;
    cpu->priv = mpp;
    cpu->pc = h->mepc;
    trig_mret(h);
    cpu->reservation = HV_TLB_INVALID;
    switch_regime(cpu, HV_PRIV_M, old_ms, ms);
    cpu->exit_request = 1;              /* a pending interrupt may be enabled now */
    return HV_STEP_OK;
}

static int do_sret(struct hvf_hart *h, struct hv_cpu *cpu)
{
    if (cpu->priv == HV_PRIV_U || (cpu->priv == HV_PRIV_S && (h->s.status & MSTATUS_TSR)))
        return hv__priv_illegal(cpu);
    uint64_t old_ms = h->s.status;
    unsigned old_priv = cpu->priv;
    hv__priv_sret(cpu, &h->s);
    switch_regime(cpu, old_priv, old_ms, h->s.status);
    return HV_STEP_OK;
}

/* ---- WFI ------------------------------------------------------------------------------------ */

static uint64_t next_deadline(struct hvf_hart *h)
{
    uint64_t d = UINT64_MAX;
    if (h->s.ie & MIP_MTIP)
        d = atomic_load(&h->board->mtimecmp[h->id]);
    if ((h->menvcfg & MENVCFG_STCE) && (h->s.ie & MIP_STIP) && h->stimecmp < d)
        d = h->stimecmp;
    return d;
}

/* Can anything but the timer make an enabled interrupt pending while this hart sleeps? */
static bool other_wakers(const struct hvf_hart *h)
{
    /* Other harts can send IPIs through the CLINT; an interrupt controller can raise
     * MEIP/SEIP (hvf_set_hw_irq wakes the sleeper). */
    if (h->board->vm->cfg.nr_vcpus > 1)
        return true;
    return h->board->ext_irq_sources && (h->s.ie & (MIP_MEIP | MIP_SEIP));
}

static int do_wfi(struct hvf_hart *h, struct hv_cpu *cpu)
{
    /* U-mode WFI is illegal when S exists (time limit 0, as QEMU); TW makes S-mode WFI
     * illegal too. */
    if (cpu->priv == HV_PRIV_U || (cpu->priv == HV_PRIV_S && (h->s.status & MSTATUS_TW)))
        return hv__priv_illegal(cpu);
    struct hv_vm *vm = h->board->vm;
    for (;;) {
        uint32_t seen = hv__wait_seq(&h->wake);
        /* Devices first: host input or an expired alarm may raise an interrupt now. */
        hvf_platform_poll(h, false);
        if (hvf_mip_read(h) & h->s.ie) {
            cpu->exit_request = 1;      /* deliver it at the next block boundary */
            return HV_STEP_OK;
        }
        if (atomic_load(&h->vcpu->kicked) || atomic_load(&h->board->stop_reason) ||
            hv__vcpu_deadline_due(h->vcpu)) {
            cpu->exit_request = 1;      /* WFI completes; poll reports the exit */
            return HV_STEP_OK;
        }
        uint64_t deadline = next_deadline(h);
        /* Deterministic mode: time only advances with retired instructions, so an idle
         * hart fast-forwards its instruction count to the deadline (idle time counts as
         * executed instructions for the clock, not for minstret), never past the run's
         * budget. A deadline too far away for that counts as none. */
        uint64_t now = hvf_mtime(h->board), skip = 0;
        if (vm->clock.deterministic && deadline != UINT64_MAX) {
            /* mtime runs at an offset from the clock's ticks */
            uint64_t ticks = hv__clock_ticks(&vm->clock), d = deadline > now ? deadline - now : 0;
            skip = hv__clock_skip_insns(&vm->clock, ticks + d < ticks ? UINT64_MAX : ticks + d,
                                        cpu->instret);
            if (skip == UINT64_MAX)
                deadline = UINT64_MAX;
        }
        if (deadline == UINT64_MAX && !other_wakers(h)) {
            cpu->pc += 4;               /* WFI retires; resuming continues after it */
            return hv__vcpu_exit(h->vcpu, HV_EXIT_HALT, 0);
        }
        if (vm->clock.deterministic && deadline != UINT64_MAX) {
            uint64_t room = hv__clock_skip_room(cpu->instret, h->vcpu->stop_at);
            bool cut = skip >= room;
            if (cut)
                skip = room;
            cpu->instret += skip;
            h->instret_off -= skip;
            if (cut)                    /* the budget ends the run inside this WFI */
                return hv__vcpu_exit(h->vcpu, HV_EXIT_BUDGET, 0);
            cpu->exit_request = 1;
            return HV_STEP_OK;
        }
        uint64_t ns = WFI_MAX_SLEEP_NS;
        if (deadline != UINT64_MAX && deadline > now && (deadline - now) < ns / 100)
            ns = (deadline - now) * 100;
        uint64_t bound = hvf_platform_sleep_bound_ns(h->board);
        if (bound < ns)
            ns = bound ? bound : 1;
        if (deadline > now) {
            uint64_t t0 = hv__wait_now_ns();
            hv__wait(&h->wake, seen, ns);
            h->vcpu->stats.idle_ns += hv__wait_now_ns() - t0;
        }
    }
}

/* ---- cache-block operations (Zicbom, Zicboz) ------------------------------------------------ */

/* May the current mode use this cbo.* instruction? M always; S when menvcfg enables it; U
 * when menvcfg and senvcfg both do. cbo.inval with CBIE = 01 performs a flush, which is
 * the same thing here (no caches), so only "enabled at all" matters. */
static int cbo_allowed(struct hvf_hart *h, struct hv_cpu *cpu, unsigned op)
{
    uint64_t need = op == HV_OP_CBO_ZERO ? MENVCFG_CBZE
                  : op == HV_OP_CBO_INVAL ? MENVCFG_CBIE : MENVCFG_CBCFE;
    if (cpu->priv == HV_PRIV_M)
        return HV_STEP_OK;
    if (!(h->menvcfg & need) || (cpu->priv == HV_PRIV_U && !(h->s.senvcfg & need)))
        return hv__priv_illegal(cpu);
    return HV_STEP_OK;
}

/* ---- the system hook -------------------------------------------------------------------- */

int hvf_system(struct hv_cpu *cpu, const struct hv_insn *insn)
{
    struct hvf_hart *h = hvf_hart_of(cpu);
    switch (insn->op) {
    case HV_OP_ECALL:
        return hv__cpu_raise(cpu, cpu->priv == HV_PRIV_U ? HV_EXC_ECALL_U
                                  : cpu->priv == HV_PRIV_S ? HV_EXC_ECALL_S : HV_EXC_ECALL_M, 0);
    case HV_OP_EBREAK:
        return hv__cpu_raise(cpu, HV_EXC_BREAKPOINT, cpu->pc);
    case HV_OP_MRET:
        return do_mret(h, cpu);
    case HV_OP_SRET:
        return do_sret(h, cpu);
    case HV_OP_WFI:
        return do_wfi(h, cpu);
    case HV_OP_SFENCE_VMA:
    case HV_OP_SINVAL_VMA:
        /* Svinval: sinval.vma has sfence.vma's rules; flushing everything is always a
         * correct implementation of the address/ASID-selective forms. */
        if (cpu->priv == HV_PRIV_U || (cpu->priv == HV_PRIV_S && (h->s.status & MSTATUS_TVM)))
            return hv__priv_illegal(cpu);
        hv__cpu_tlb_flush(cpu);
        return HV_STEP_OK;
    case HV_OP_SFENCE_W_INVAL:
    case HV_OP_SFENCE_INVAL_IR:
        /* Orderings only (stores and page-table reads are never reordered here); illegal
         * in U-mode, and not subject to TVM. */
        return cpu->priv == HV_PRIV_U ? hv__priv_illegal(cpu) : HV_STEP_OK;
    case HV_OP_CBO_INVAL:
    case HV_OP_CBO_CLEAN:
    case HV_OP_CBO_FLUSH:
    case HV_OP_CBO_ZERO:
        return cbo_allowed(h, cpu, insn->op);
    case HV_OP_FENCE_I:
        return HV_STEP_OK;              /* the engine drops its own cached code */
    default:
        return hv__priv_illegal(cpu);
    }
}

/* ---- poll ----------------------------------------------------------------------------------- */

/* When to poll next. In deterministic mode time is a function of retired instructions, so
 * the instruction count at which the next enabled timer fires is known: poll exactly
 * there (the interrupt is then taken at a reproducible and precise point). */
static uint64_t next_poll(struct hvf_hart *h)
{
    struct hv_cpu *cpu = &h->vcpu->cpu;
    uint64_t at = cpu->instret + POLL_SLICE;
    const struct hv_clock *clk = &h->board->vm->clock;
    if (!clk->deterministic)
        return at;
    /* Devices are polled at instruction counts too (hart 0). */
    uint64_t dev = hvf_platform_next_poll_insn(h);
    if (dev > cpu->instret && dev < at)
        at = dev;
    uint64_t deadline = next_deadline(h), now = hvf_mtime(h->board);
    if (deadline == UINT64_MAX || deadline <= now)
        return at;
    uint64_t ipt = clk->insns_per_tick ? clk->insns_per_tick : 1;
    uint64_t delta = deadline - now;
    if (delta < POLL_SLICE / ipt) {
        uint64_t t = cpu->instret + delta * ipt - (hv__vm_instructions(h->board->vm) % ipt);
        if (t < at)
            at = t;
    }
    return at;
}

int hvf_poll(struct hv_cpu *cpu)
{
    struct hvf_hart *h = hvf_hart_of(cpu);
    __atomic_store_n(&cpu->exit_request, 0, __ATOMIC_SEQ_CST);
    bool light = h->vcpu->light_poll && cpu->instret < cpu->poll_at;
    h->vcpu->light_poll = false;
    if (!light)
        cpu->poll_at = next_poll(h);
    /* A board-wide stop (power-off from another hart) wins over a kick: an embedder that
     * kicks every vCPU once the first one stopped still sees why the board stopped. */
    int stop = atomic_load(&h->board->stop_reason);
    if (stop)
        return hv__vcpu_exit(h->vcpu, (enum hv_exit_reason)stop, atomic_load(&h->board->stop_code));
    if (atomic_exchange(&h->vcpu->kicked, 0))
        return hv__vcpu_exit(h->vcpu, HV_EXIT_KICK, 0);
    if (hv__vcpu_deadline_fire(h->vcpu))
        return hv__vcpu_exit(h->vcpu, HV_EXIT_DEADLINE, 0);
    if (light)
        return HV_STEP_OK;
    hvf_platform_poll(h, false);
    int irq = hvf_pending_irq(h);
    if (irq >= 0)
        return enter_trap(h, CAUSE_INTERRUPT | (uint64_t)irq, 0);
    return HV_STEP_OK;
}
