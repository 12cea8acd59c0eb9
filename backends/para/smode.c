/* SPDX-License-Identifier: MIT */
/* libhv para backend — the virtual S/U-mode of a para vCPU, on the shared privileged layer
 * (priv/): S-mode CSRs with no M-mode above them (M CSRs are illegal; every interrupt is
 * S-level), architectural traps into S, SRET, SFENCE.VMA, and Sv39/Sv48 translation through
 * the shared walker. satp Bare keeps the identity mapping of policy.c (and the translator's
 * direct RAM window); paging turns the window off (hvp_policy_sync).
 *
 * Choices (docs/PARA-ABI.md §1):
 * - sstatus.FS is always Dirty (F/D always enabled, no FS tracking cost); writes to FS are
 *   ignored, SD reads 1.
 * - scounteren resets to CY|TM|IR (7): there is no firmware to set it, and user programs
 *   under a kernel that never writes it can still read time. cycle and instret are the
 *   vCPU's retired-instruction count, time the VM clock; hpmcounters do not exist.
 * - No Svpbmt (PBMT bits are reserved: page fault), no Sstc (stimecmp is illegal: the
 *   timer is SBI TIME), no Sdtrig; sip.STIP and SSIP may also be raised by the SBI layer
 *   through sip_hw. */
#include <string.h>
#include "backends/para/para.h"
#include "priv/sv.h"

/* cycle, time, instret: bit i of scounteren enables counter CSR 0xc00 + i in U-mode. */
#define COUNTERS_MASK 7u

void hvp_smode_reset(struct hvp_vcpu *h)
{
    struct hv_cpu *cpu = &h->vcpu->cpu;
    memset(&h->s, 0, sizeof(h->s));
    h->s.status = MSTATUS_FS;
    h->s.scounteren = COUNTERS_MASK;
    atomic_store(&h->sip_hw, 0);
    cpu->priv = HV_PRIV_S;
}

uint64_t hvp_sip(struct hvp_vcpu *h)
{
    uint64_t ip = (h->s.ip_sw & MIP_SSIP) |
                  (atomic_load_explicit(&h->sip_hw, memory_order_acquire) & (MIP_SSIP | MIP_STIP));
    struct hvp_vcpu_info *vi = hvp_vinfo(h->pv, h->id);
    if (vi && __atomic_load_n(&vi->upcall_pending, __ATOMIC_ACQUIRE) &&
        !__atomic_load_n(&vi->upcall_mask, __ATOMIC_ACQUIRE))
        ip |= MIP_SEIP;
    return ip;
}

/* The soft-TLB holds one regime: with paging on, U and S see different permissions (U
 * bit, SUM), so a privilege change drops it; Bare is the same identity map for both. */
static void regime_switch(struct hvp_vcpu *h, unsigned old_priv)
{
    struct hv_cpu *cpu = &h->vcpu->cpu;
    if (old_priv != cpu->priv && hv__priv_paging(&h->s))
        hv__cpu_tlb_flush(cpu);
}

static void enter_s(struct hvp_vcpu *h, uint64_t cause, uint64_t tval)
{
    struct hv_cpu *cpu = &h->vcpu->cpu;
    unsigned old_priv = cpu->priv;
    hv__priv_enter_s(cpu, &h->s, cause, tval);
    regime_switch(h, old_priv);
}

bool hvp_s_interrupt(struct hvp_vcpu *h)
{
    if (!h->s.ie)
        return false;
    struct hv_cpu *cpu = &h->vcpu->cpu;
    int irq = hv__priv_s_irq(hvp_sip(h) & h->s.ie, cpu->priv, h->s.status);
    if (irq < 0)
        return false;
    enter_s(h, CAUSE_INTERRUPT | (uint64_t)irq, 0);
    h->vcpu->stats.interrupts++;
    return true;
}

int hvp_s_trap(struct hvp_vcpu *h, uint64_t cause, uint64_t tval)
{
    struct hv_cpu *cpu = &h->vcpu->cpu;
    uint64_t target = hv__priv_tvec_target(h->s.stvec, cause);
    /* A fetch fault on the handler's own first instruction would loop forever (stvec on
     * an unmapped or non-executable page): report it as an unhandled guest fault. */
    if ((cause == HV_EXC_INSN_ACCESS || cause == HV_EXC_INSN_PAGE) && cpu->pc == target) {
        hv__vcpu_exit(h->vcpu, HV_EXIT_FAULT, 0);
        h->vcpu->exit.u.fault.cause = cause;
        h->vcpu->exit.u.fault.tval = tval;
        return HV_STEP_EXIT;
    }
    /* Any other exception raised by the handler's first instruction re-enters it without
     * retiring anything: the vCPU livelocks, as hardware does. Each entry takes one tick of
     * the instruction count so budgets, polls and deterministic time still advance (as on
     * the full backend). */
    if (cpu->pc == target)
        cpu->instret++;
    enter_s(h, cause, tval);
    h->vcpu->stats.exceptions++;
    return HV_STEP_OK;
}

/* ---- CSRs ---------------------------------------------------------------------------------- */

int hvp_csr_get(struct hvp_vcpu *h, unsigned csr, uint64_t *val)
{
    struct hv_cpu *cpu = &h->vcpu->cpu;
    switch (csr) {
    case CSR_FFLAGS: *val = cpu->fflags & 0x1f; return 0;
    case CSR_FRM: *val = cpu->frm & 7; return 0;
    case CSR_FCSR: *val = (cpu->fflags & 0x1f) | ((cpu->frm & 7) << 5); return 0;
    case CSR_CYCLE: case CSR_INSTRET: *val = cpu->instret; return 0;
    case CSR_TIME: *val = hv__clock_ticks(&h->pv->vm->clock); return 0;
    default:
        if (hv__priv_s_get(&h->s, csr, MIP_S_BITS, csr == CSR_SIP ? hvp_sip(h) : 0, val) == 0)
            return 0;
        return HV_ENOENT;
    }
}

int hvp_csr_set(struct hvp_vcpu *h, unsigned csr, uint64_t val)
{
    struct hv_cpu *cpu = &h->vcpu->cpu;
    switch (csr) {
    case CSR_FFLAGS: cpu->fflags = (uint32_t)val & 0x1f; return 0;
    case CSR_FRM: cpu->frm = (uint32_t)val & 7; return 0;
    case CSR_FCSR:
        cpu->fflags = (uint32_t)val & 0x1f;
        cpu->frm = (uint32_t)(val >> 5) & 7;
        return 0;
    case CSR_SSTATUS:
        hv__priv_status_write(cpu, &h->s, val, SSTATUS_WMASK & ~MSTATUS_FS);
        return 0;
    case CSR_SIP:
        /* SSIP is the only writable bit; clearing it also clears an SBI-raised IPI. */
        if (val & MIP_SSIP) {
            h->s.ip_sw |= MIP_SSIP;
        } else {
            h->s.ip_sw &= ~MIP_SSIP;
            atomic_fetch_and(&h->sip_hw, ~MIP_SSIP);
        }
        cpu->exit_request = 1;
        return 0;
    case CSR_SATP: {
        bool was = hv__priv_paging(&h->s);
        hv__priv_satp_write(cpu, &h->s, val);
        if (was != hv__priv_paging(&h->s))
            hvp_policy_sync(h);         /* the direct window is off while paging is on */
        return 0;
    }
    default:
        return hv__priv_s_set(cpu, &h->s, csr, MIP_S_BITS, val) == 0 ? 0 : HV_ENOENT;
    }
}

int hvp_csr_read(struct hv_cpu *cpu, unsigned csr, uint64_t *val)
{
    struct hvp_vcpu *h = hvp_of(cpu);
    if (((csr >> 8) & 3) > cpu->priv)
        return hv__priv_illegal(cpu);
    if (csr >= CSR_CYCLE && csr <= CSR_HPMCOUNTER31 && cpu->priv == HV_PRIV_U &&
        !((h->s.scounteren >> (csr & 31)) & 1))
        return hv__priv_illegal(cpu);
    return hvp_csr_get(h, csr, val) == 0 ? HV_STEP_OK : hv__priv_illegal(cpu);
}

int hvp_csr_write(struct hv_cpu *cpu, unsigned csr, uint64_t val)
{
    struct hvp_vcpu *h = hvp_of(cpu);
    if (((csr >> 10) & 3) == 3 || ((csr >> 8) & 3) > cpu->priv)
        return hv__priv_illegal(cpu);
    /* sip: a CSRRS/CSRRC that does not modify SSIP leaves it alone (the read value may
     * carry an SBI-raised SSIP that the instruction did not mean to latch). */
    if (csr == CSR_SIP && !(cpu->csr_wmask & MIP_SSIP))
        return HV_STEP_OK;
    return hvp_csr_set(h, csr, val) == 0 ? HV_STEP_OK : hv__priv_illegal(cpu);
}

/* ---- system instructions ------------------------------------------------------------------ */

int hvp_s_system(struct hv_cpu *cpu, const struct hv_insn *insn)
{
    struct hvp_vcpu *h = hvp_of(cpu);
    if (cpu->priv == HV_PRIV_U)
        return hv__priv_illegal(cpu);
    switch (insn->op) {
    case HV_OP_SRET: {
        unsigned old_priv = cpu->priv;
        hv__priv_sret(cpu, &h->s);
        regime_switch(h, old_priv);
        return HV_STEP_OK;
    }
    case HV_OP_WFI:
        return hvp_wfi(h);
    case HV_OP_SFENCE_VMA:
    case HV_OP_SINVAL_VMA:
        /* Flushing everything is a correct implementation of every selective form. */
        hv__cpu_tlb_flush(cpu);
        return HV_STEP_OK;
    case HV_OP_SFENCE_W_INVAL:
    case HV_OP_SFENCE_INVAL_IR:
        return HV_STEP_OK;              /* orderings only */
    default:
        return hv__priv_illegal(cpu);            /* MRET and anything else: no M-mode */
    }
}

/* ---- memory with paging on ------------------------------------------------------------------ */

int hvp_s_tlb_fill(struct hv_cpu *cpu, uint64_t va, enum hv_access acc, uint64_t *mmio_pa,
                   bool *is_mmio)
{
    struct hvp_vcpu *h = hvp_of(cpu);
    struct hv_mem *mem = &h->pv->vm->mem;
    const struct hv_sv_walk w = { .satp = h->s.satp, .status = h->s.status,
                                  .priv = cpu->priv, .pbmte = false };
    uint64_t pa = 0;
    unsigned also = 0;
    *is_mmio = false;
    h->vcpu->stats.tlb_misses++;
    int rc = hv__sv_translate(cpu, mem, &w, va, acc, &pa, &also);
    if (rc != HV_STEP_OK)
        return rc;
    struct hv_region *r = hv__mem_find(mem, pa);
    if (r && r->kind == HV_REGION_MMIO && acc != HV_ACC_EXEC) {
        *is_mmio = true;
        *mmio_pa = pa;
        return HV_STEP_OK;
    }
    if (!r || r->kind == HV_REGION_MMIO || !r->host || !(r->flags & hv__sv_region_flag(acc)))
        return hv__sv_access_fault(cpu, acc, va);
    unsigned types = (1u << acc) | also;
    for (unsigned k = 0; k < 3; k++)
        if ((types & (1u << k)) && !(r->flags & hv__sv_region_flag((enum hv_access)k)))
            types &= ~(1u << k);
    uint64_t ppage = pa & ~0xfffull;
    if (types & (1u << HV_ACC_WRITE))
        hv__mem_mark_dirty(mem, ppage, HV_PAGE_SIZE);
    hv__sv_tlb_install(cpu, va, r->host + (ppage - r->gpa), types);
    return HV_STEP_OK;
}
