/* SPDX-License-Identifier: MIT */
/* libhv priv — supervisor-mode semantics shared by both backends: the S CSRs and their
 * WARL rules, S-mode trap entry, SRET and the S-level interrupt priority (privileged spec
 * 1.12, chapter 4). The callers own privilege checks (csr[9:8], TVM, TSR) and whatever
 * lies above S (M-mode on full, SBI on para). */
#include "priv/priv.h"

uint64_t hv__priv_legal_tvec(uint64_t old, uint64_t val)
{
    /* MODE is WARL over {Direct, Vectored}: reserved modes keep the old mode. */
    if ((val & 3) >= 2)
        val = (val & ~3ull) | (old & 3);
    return val;
}

uint64_t hv__priv_legal_envcfg(uint64_t val, uint64_t mask)
{
    val &= mask;
    if ((val & MENVCFG_CBIE) == (2ull << 4))
        val &= ~MENVCFG_CBIE;
    return val;
}

void hv__priv_status_write(struct hv_cpu *cpu, struct hv_priv_s *s, uint64_t val,
                          uint64_t mask)
{
    uint64_t old = s->status;
    uint64_t nv = (old & ~mask) | (val & mask);
    /* MPP is WARL over {U, S, M}: the reserved value 2 leaves the field unchanged. */
    if (((nv & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT) == 2)
        nv = (nv & ~MSTATUS_MPP) | (old & MSTATUS_MPP);
    s->status = nv;
    /* Translation depends on MPRV/MPP/SUM/MXR: drop cached permissions when they change. */
    uint64_t xlate = MSTATUS_MPRV | MSTATUS_MPP | MSTATUS_SUM | MSTATUS_MXR;
    if ((old ^ nv) & xlate)
        hv__cpu_tlb_flush(cpu);
    /* MIE/SIE may have enabled a pending interrupt: make the engine poll. */
    cpu->exit_request = 1;
}

bool hv__priv_satp_write(struct hv_cpu *cpu, struct hv_priv_s *s, uint64_t val)
{
    unsigned mode = (unsigned)(val >> SATP_MODE_SHIFT);
    /* WARL: a write selecting an unsupported mode has no effect at all. */
    if (mode != SATP_MODE_BARE && mode != SATP_MODE_SV39 && mode != SATP_MODE_SV48)
        return false;
    s->satp = val & ((0xfull << SATP_MODE_SHIFT) | SATP_ASID_MASK | SATP_PPN_MASK);
    hv__cpu_tlb_flush(cpu);
    cpu->exit_request = 1;
    return true;
}

int hv__priv_s_get(const struct hv_priv_s *s, unsigned csr, uint64_t deleg, uint64_t ip,
                  uint64_t *val)
{
    switch (csr) {
    case CSR_SSTATUS: *val = hv__priv_status_read(s->status) & SSTATUS_RMASK; return 0;
    case CSR_SIE: *val = s->ie & deleg; return 0;
    case CSR_STVEC: *val = s->stvec; return 0;
    case CSR_SCOUNTEREN: *val = s->scounteren; return 0;
    case CSR_SENVCFG: *val = s->senvcfg; return 0;
    case CSR_SSCRATCH: *val = s->sscratch; return 0;
    case CSR_SEPC: *val = s->sepc; return 0;
    case CSR_SCAUSE: *val = s->scause; return 0;
    case CSR_STVAL: *val = s->stval; return 0;
    case CSR_SIP: *val = ip & deleg; return 0;
    case CSR_SATP: *val = s->satp; return 0;
    default: return -1;
    }
}

int hv__priv_s_set(struct hv_cpu *cpu, struct hv_priv_s *s, unsigned csr, uint64_t deleg,
                  uint64_t val)
{
    switch (csr) {
    case CSR_SSTATUS: hv__priv_status_write(cpu, s, val, SSTATUS_WMASK); return 0;
    case CSR_SIE:
        s->ie = (s->ie & ~deleg) | (val & deleg & MIP_S_BITS);
        cpu->exit_request = 1;
        return 0;
    case CSR_STVEC: s->stvec = hv__priv_legal_tvec(s->stvec, val); return 0;
    case CSR_SCOUNTEREN: s->scounteren = val & 0xffffffffull; return 0;
    case CSR_SENVCFG: s->senvcfg = hv__priv_legal_envcfg(val, SENVCFG_WMASK); return 0;
    case CSR_SSCRATCH: s->sscratch = val; return 0;
    case CSR_SEPC: s->sepc = val & ~1ull; return 0;
    case CSR_SCAUSE: s->scause = val; return 0;
    case CSR_STVAL: s->stval = val; return 0;
    case CSR_SIP:
        /* Only SSIP is writable through sip, and only when delegated. */
        s->ip_sw = (s->ip_sw & ~(deleg & MIP_SSIP)) | (val & deleg & MIP_SSIP);
        cpu->exit_request = 1;
        return 0;
    case CSR_SATP: hv__priv_satp_write(cpu, s, val); return 0;
    default: return -1;
    }
}

void hv__priv_enter_s(struct hv_cpu *cpu, struct hv_priv_s *s, uint64_t cause, uint64_t tval)
{
    uint64_t ms = s->status;
    s->scause = cause;
    s->sepc = cpu->pc;
    s->stval = tval;
    ms = (ms & ~(MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE)) |
         (cpu->priv == HV_PRIV_S ? MSTATUS_SPP : 0) |
         ((ms & MSTATUS_SIE) ? MSTATUS_SPIE : 0);
    s->status = ms;
    cpu->priv = HV_PRIV_S;
    cpu->pc = hv__priv_tvec_target(s->stvec, cause);
    cpu->reservation = HV_TLB_INVALID;
}

void hv__priv_sret(struct hv_cpu *cpu, struct hv_priv_s *s)
{
    uint64_t ms = s->status;
    unsigned spp = (ms & MSTATUS_SPP) ? HV_PRIV_S : HV_PRIV_U;
    ms = (ms & ~(MSTATUS_SIE | MSTATUS_SPP | MSTATUS_MPRV)) |
         ((ms & MSTATUS_SPIE) ? MSTATUS_SIE : 0) | MSTATUS_SPIE;
    s->status = ms;
    cpu->priv = spp;
    cpu->pc = s->sepc;
    cpu->reservation = HV_TLB_INVALID;
    cpu->exit_request = 1;
}

int hv__priv_s_irq(uint64_t pending, unsigned priv, uint64_t status)
{
    static const int order[] = { IRQ_SEI, IRQ_SSI, IRQ_STI };
    if (!pending || priv > HV_PRIV_S || (priv == HV_PRIV_S && !(status & MSTATUS_SIE)))
        return -1;
    for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if ((pending >> order[i]) & 1)
            return order[i];
    return -1;
}

int hv__priv_illegal(struct hv_cpu *cpu)
{
    uint32_t raw = 0;
    if (hv__cpu_fetch(cpu, cpu->pc, &raw) != HV_STEP_OK)
        raw = 0;
    if ((raw & 3) != 3)
        raw &= 0xffff;
    return hv__cpu_raise(cpu, HV_EXC_ILLEGAL, raw);
}
