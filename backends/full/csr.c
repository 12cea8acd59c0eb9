/* SPDX-License-Identifier: MIT */
/* libhv full backend — the CSR file of an RV64 M/S/U hart (privileged spec 1.12): access
 * rules (privilege from csr[9:8], read-only from csr[11:10], TVM, counter enables, Sstc,
 * FS), WARL legalisation of every writable field, and the side effects of writes (TLB
 * flush, interrupt re-evaluation). Unknown CSRs raise illegal instruction. */
#include <stdlib.h>
#include <string.h>
#include "backends/full/full.h"
#include "backends/full/snapshot.h"

/* ---- counters -------------------------------------------------------------------------- */

static uint64_t read_cycle(const struct hvf_hart *h)
{
    /* No cycle model: one cycle per retired instruction. */
    if (h->mcountinhibit & 1)
        return h->cycle_frozen;
    return h->vcpu->cpu.instret + h->cycle_off;
}

static uint64_t read_instret(const struct hvf_hart *h)
{
    if (h->mcountinhibit & 4)
        return h->instret_frozen;
    return h->vcpu->cpu.instret + h->instret_off;
}

static void write_mcountinhibit(struct hvf_hart *h, uint64_t val)
{
    uint64_t cy = read_cycle(h), ir = read_instret(h);
    h->mcountinhibit = val & 5;           /* CY and IR; no HPM counters to inhibit */
    h->cycle_frozen = cy;
    h->instret_frozen = ir;
    h->cycle_off = cy - h->vcpu->cpu.instret;
    h->instret_off = ir - h->vcpu->cpu.instret;
}

/* ---- status and interrupt views ---------------------------------------------------------- */

uint64_t hvf_mstatus_read(const struct hvf_hart *h)
{
    return hv__priv_status_read(h->s.status);
}

uint64_t hvf_mip_read(struct hvf_hart *h)
{
    struct hvf_board *b = h->board;
    uint64_t ip = h->s.ip_sw & MIP_S_BITS;
    uint64_t now = hvf_mtime(b);
    if (h->menvcfg & MENVCFG_STCE) {
        /* Sstc: STIP is a pure function of time and stimecmp. */
        ip &= ~MIP_STIP;
        if (now >= h->stimecmp)
            ip |= MIP_STIP;
    }
    if (now >= atomic_load(&b->mtimecmp[h->id]))
        ip |= MIP_MTIP;
    return ip | atomic_load(&h->hw_ip);
}

/* ---- PMP: WARL storage only (no checks are made, see mmu.c) ---------------------------- */

static bool pmp_locked(const struct hvf_hart *h, unsigned i)
{
    return h->pmpcfg[i] & 0x80;
}

static void write_pmpcfg(struct hvf_hart *h, unsigned reg, uint64_t val)
{
    for (unsigned k = 0; k < 8; k++) {
        unsigned i = (reg / 2) * 8 + k;    /* pmpcfg2 holds entries 8..15 */
        if (pmp_locked(h, i))
            continue;
        uint8_t c = (uint8_t)(val >> (8 * k)) & 0x9f;   /* bits 6:5 reserved, read 0 */
        if ((c & 3) == 2)               /* W without R is reserved: drop W */
            c &= (uint8_t)~2;
        h->pmpcfg[i] = c;
    }
}

static void write_pmpaddr(struct hvf_hart *h, unsigned i, uint64_t val)
{
    if (pmp_locked(h, i))
        return;
    /* A locked TOR entry also locks the address register below it. */
    if (i + 1 < HVF_PMP_ENTRIES && pmp_locked(h, i + 1) && ((h->pmpcfg[i + 1] >> 3) & 3) == 1)
        return;
    h->pmpaddr[i] = val & ((1ull << 54) - 1);
}

static uint64_t read_pmpcfg(const struct hvf_hart *h, unsigned reg)
{
    uint64_t v = 0;
    for (unsigned k = 0; k < 8; k++)
        v |= (uint64_t)h->pmpcfg[(reg / 2) * 8 + k] << (8 * k);
    return v;
}

/* ---- Sdtrig: trigger module --------------------------------------------------------------
 * HVF_TRIGGERS triggers, each of type 2 (mcontrol) or 6 (mcontrol6) with action 0
 * (breakpoint exception), or 15 (disabled, the reset state). Implemented fields: match 0
 * (equal), 1 (NAPOT), 2 (>=), 3 (<), the m/s/u enables and execute/store/load; the rest is
 * WARL 0 (no debug mode, chaining, data/value select, timing after, sizes, hit bits),
 * tdata3 reads 0. M-mode triggers fire only while tcontrol.mte is set (a trap into M
 * clears it, saving it in mpte; MRET restores it), so a handler is not re-triggered. */
#define TDATA1_TYPE_SHIFT 60
#define TRIG_MCONTROL 2ull
#define TRIG_MCONTROL6 6ull
#define TRIG_DISABLED 15ull
#define TDATA1_MATCH_SHIFT 7
#define TDATA1_M (1ull << 6)
#define TDATA1_S (1ull << 4)
#define TDATA1_U (1ull << 3)
#define TDATA1_EXLS 7ull                /* execute, store, load */
#define MCONTROL_MASKMAX (63ull << 53)  /* NAPOT ranges up to 2^63 bytes */
/* tinfo: version 1 (Sdtrig 1.0) and the supported types. */
#define TINFO_VALUE ((1ull << 24) | (1ull << TRIG_MCONTROL) | (1ull << TRIG_MCONTROL6) | \
                     (1ull << TRIG_DISABLED))

static uint64_t legal_tdata1(uint64_t v)
{
    uint64_t type = v >> TDATA1_TYPE_SHIFT;
    if (type != TRIG_MCONTROL && type != TRIG_MCONTROL6)
        return TRIG_DISABLED << TDATA1_TYPE_SHIFT;
    uint64_t match = (v >> TDATA1_MATCH_SHIFT) & 15;
    uint64_t keep = v & (TDATA1_M | TDATA1_S | TDATA1_U | TDATA1_EXLS);
    uint64_t r = type << TDATA1_TYPE_SHIFT | keep | (match <= 3 ? match : 0) << TDATA1_MATCH_SHIFT;
    if (type == TRIG_MCONTROL)
        r |= MCONTROL_MASKMAX;
    /* action (15:12) is WARL 0: only the breakpoint exception is implemented */
    return r;
}

/* [lo, hi] matched by a trigger; false when it matches nothing. */
static bool trig_range(uint64_t tdata1, uint64_t tdata2, uint64_t *lo, uint64_t *hi)
{
    switch ((tdata1 >> TDATA1_MATCH_SHIFT) & 15) {
    case 0:
        *lo = *hi = tdata2;
        return true;
    case 1: {                           /* NAPOT: trailing ones give the size */
        unsigned ones = (unsigned)__builtin_ctzll(~tdata2 | (1ull << 63));
        uint64_t mask = ones >= 63 ? ~0ull : (2ull << ones) - 1;
        *lo = tdata2 & ~mask;
        *hi = tdata2 | mask;
        return true;
    }
    case 2:
        *lo = tdata2;
        *hi = ~0ull;
        return true;
    default:                            /* 3: less than */
        *lo = 0;
        *hi = tdata2 - 1;
        return tdata2 != 0;
    }
}

void hvf_trig_sync(struct hvf_hart *h)
{
    struct hv_cpu *cpu = &h->vcpu->cpu;
    unsigned n = 0;
    for (unsigned i = 0; i < HVF_TRIGGERS; i++) {
        uint64_t d1 = h->tdata1[i];
        if ((d1 >> TDATA1_TYPE_SHIFT) == TRIG_DISABLED || !(d1 & TDATA1_EXLS))
            continue;
        uint8_t privs = (uint8_t)(((d1 & TDATA1_U) ? 1u << HV_PRIV_U : 0) |
                                  ((d1 & TDATA1_S) ? 1u << HV_PRIV_S : 0) |
                                  ((d1 & TDATA1_M) && (h->tcontrol & TCONTROL_MTE)
                                   ? 1u << HV_PRIV_M : 0));
        struct hv_cpu_watch *w = &cpu->watch[n];
        if (!privs || !trig_range(d1, h->tdata2[i], &w->lo, &w->hi))
            continue;
        w->kinds = (uint8_t)(((d1 & 4) ? HV_WATCH_EXEC : 0) | ((d1 & 2) ? HV_WATCH_STORE : 0) |
                             ((d1 & 1) ? HV_WATCH_LOAD : 0));
        w->privs = privs;
        w->action = HV_WATCH_EXC;
        n++;
    }
    _Static_assert(HVF_TRIGGERS <= HV_CPU_MAX_WATCHES, "every trigger needs a watch slot");
    /* Engines look at nr_watch whenever they choose how to run the next instruction, and
     * every caller runs between instructions (a CSR write ends its block). */
    cpu->nr_watch = n;
}

static void trig_reset(struct hvf_hart *h)
{
    h->tselect = 0;
    h->tcontrol = 0;
    for (unsigned i = 0; i < HVF_TRIGGERS; i++) {
        h->tdata1[i] = TRIG_DISABLED << TDATA1_TYPE_SHIFT;
        h->tdata2[i] = 0;
    }
    hvf_trig_sync(h);
}

/* ---- raw get/set (no privilege checks) ------------------------------------------------ */

int hvf_csr_get(struct hvf_hart *h, unsigned csr, uint64_t *val)
{
    struct hv_cpu *cpu = &h->vcpu->cpu;
    /* sip reads the whole pending state (timer and lines): only computed when asked. */
    if (csr != CSR_SIP && hv__priv_s_get(&h->s, csr, h->mideleg, 0, val) == 0)
        return 0;
    if (csr >= CSR_HPMCOUNTER3 && csr <= CSR_HPMCOUNTER31) { *val = 0; return 0; }
    if (csr >= CSR_MHPMCOUNTER3 && csr <= CSR_MHPMCOUNTER31) { *val = 0; return 0; }
    if (csr >= CSR_MHPMEVENT3 && csr <= CSR_MHPMEVENT31) { *val = 0; return 0; }
    if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG15) {
        if (csr & 1)                   /* odd pmpcfg registers do not exist on RV64 */
            return -1;
        *val = read_pmpcfg(h, csr - CSR_PMPCFG0);
        return 0;
    }
    if (csr >= CSR_PMPADDR0 && csr <= CSR_PMPADDR63) {
        *val = h->pmpaddr[csr - CSR_PMPADDR0];
        return 0;
    }
    switch (csr) {
    case CSR_FFLAGS: *val = cpu->fflags & 0x1f; return 0;
    case CSR_FRM: *val = cpu->frm & 7; return 0;
    case CSR_FCSR: *val = (cpu->fflags & 0x1f) | ((cpu->frm & 7) << 5); return 0;
    case CSR_CYCLE: case CSR_MCYCLE: *val = read_cycle(h); return 0;
    case CSR_INSTRET: case CSR_MINSTRET: *val = read_instret(h); return 0;
    case CSR_TIME: *val = hvf_mtime(h->board); return 0;
    case CSR_SIP: *val = hvf_mip_read(h) & h->mideleg; return 0;
    case CSR_STIMECMP: *val = h->stimecmp; return 0;
    case CSR_MVENDORID: case CSR_MARCHID: case CSR_MIMPID: case CSR_MCONFIGPTR:
        *val = 0; return 0;
    case CSR_MHARTID: *val = h->id; return 0;
    case CSR_MSTATUS: *val = hvf_mstatus_read(h); return 0;
    case CSR_MISA: *val = MISA_VALUE; return 0;
    case CSR_MEDELEG: *val = h->medeleg; return 0;
    case CSR_MIDELEG: *val = h->mideleg; return 0;
    case CSR_MIE: *val = h->s.ie; return 0;
    case CSR_MTVEC: *val = h->mtvec; return 0;
    case CSR_MCOUNTEREN: *val = h->mcounteren; return 0;
    case CSR_MENVCFG: *val = h->menvcfg; return 0;
    case CSR_MCOUNTINHIBIT: *val = h->mcountinhibit; return 0;
    case CSR_MSCRATCH: *val = h->mscratch; return 0;
    case CSR_MEPC: *val = h->mepc; return 0;
    case CSR_MCAUSE: *val = h->mcause; return 0;
    case CSR_MTVAL: *val = h->mtval; return 0;
    case CSR_MIP: *val = hvf_mip_read(h); return 0;
    case CSR_TSELECT: *val = h->tselect; return 0;
    case CSR_TDATA1: *val = h->tdata1[h->tselect]; return 0;
    case CSR_TDATA2: *val = h->tdata2[h->tselect]; return 0;
    case CSR_TDATA3: *val = 0; return 0;
    case CSR_TINFO: *val = TINFO_VALUE; return 0;
    case CSR_TCONTROL: *val = h->tcontrol; return 0;
    default: return -1;
    }
}

static void set_fs_dirty(struct hvf_hart *h)
{
    h->s.status |= MSTATUS_FS;
}

int hvf_csr_set(struct hvf_hart *h, unsigned csr, uint64_t val)
{
    struct hv_cpu *cpu = &h->vcpu->cpu;
    if ((csr >= CSR_MHPMCOUNTER3 && csr <= CSR_MHPMCOUNTER31) ||
        (csr >= CSR_MHPMEVENT3 && csr <= CSR_MHPMEVENT31))
        return 0;                      /* WARL 0: no HPM events implemented */
    if (hv__priv_s_set(cpu, &h->s, csr, h->mideleg, val) == 0)
        return 0;
    if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG15) {
        if (csr & 1)
            return -1;
        write_pmpcfg(h, csr - CSR_PMPCFG0, val);
        return 0;
    }
    if (csr >= CSR_PMPADDR0 && csr <= CSR_PMPADDR63) {
        write_pmpaddr(h, csr - CSR_PMPADDR0, val);
        return 0;
    }
    switch (csr) {
    case CSR_FFLAGS: cpu->fflags = val & 0x1f; set_fs_dirty(h); return 0;
    case CSR_FRM: cpu->frm = val & 7; set_fs_dirty(h); return 0;
    case CSR_FCSR:
        cpu->fflags = val & 0x1f;
        cpu->frm = (val >> 5) & 7;
        set_fs_dirty(h);
        return 0;
    case CSR_MCYCLE:
        if (h->mcountinhibit & 1)
            h->cycle_frozen = val;
        h->cycle_off = val - cpu->instret;
        return 0;
    case CSR_MINSTRET:
        if (h->mcountinhibit & 4)
            h->instret_frozen = val;
        h->instret_off = val - cpu->instret;
        return 0;
    case CSR_STIMECMP: h->stimecmp = val; cpu->exit_request = 1; return 0;
    case CSR_MSTATUS: hv__priv_status_write(cpu, &h->s, val, MSTATUS_WMASK); return 0;
    case CSR_MISA: return 0;           /* fixed: writes ignored */
    case CSR_MEDELEG: h->medeleg = val & MEDELEG_WMASK; return 0;
    case CSR_MIDELEG:
        h->mideleg = val & MIP_S_BITS;   /* M-level interrupts cannot be delegated */
        cpu->exit_request = 1;
        return 0;
    case CSR_MIE: h->s.ie = val & MIP_ALL; cpu->exit_request = 1; return 0;
    case CSR_MTVEC: h->mtvec = hv__priv_legal_tvec(h->mtvec, val); return 0;
    case CSR_MCOUNTEREN: h->mcounteren = val & 0xffffffffull; return 0;
    case CSR_MENVCFG:
        /* PBMTE changes how PTEs read: drop cached translations. */
        if ((h->menvcfg ^ val) & MENVCFG_PBMTE)
            hv__cpu_tlb_flush(cpu);
        h->menvcfg = hv__priv_legal_envcfg(val, SENVCFG_WMASK | MENVCFG_PBMTE | MENVCFG_STCE);
        cpu->exit_request = 1;
        return 0;
    case CSR_MCOUNTINHIBIT: write_mcountinhibit(h, val); return 0;
    case CSR_MSCRATCH: h->mscratch = val; return 0;
    case CSR_MEPC: h->mepc = val & ~1ull; return 0;
    case CSR_MCAUSE: h->mcause = val; return 0;
    case CSR_MTVAL: h->mtval = val; return 0;
    case CSR_MIP: {
        /* M writes SSIP, SEIP (OR'd with the external line on read) and STIP unless Sstc
         * drives it from stimecmp. MSIP/MTIP/MEIP come from devices: read-only here. */
        uint64_t wm = MIP_SSIP | MIP_SEIP | ((h->menvcfg & MENVCFG_STCE) ? 0 : MIP_STIP);
        h->s.ip_sw = (h->s.ip_sw & ~wm) | (val & wm);
        cpu->exit_request = 1;
        return 0;
    }
    case CSR_TSELECT:
        if (val < HVF_TRIGGERS)         /* WARL: other values leave it unchanged */
            h->tselect = val;
        return 0;
    case CSR_TDATA1:
        h->tdata1[h->tselect] = legal_tdata1(val);
        hvf_trig_sync(h);
        return 0;
    case CSR_TDATA2:
        h->tdata2[h->tselect] = val;
        hvf_trig_sync(h);
        return 0;
    case CSR_TDATA3: case CSR_TINFO:
        return 0;                       /* WARL 0 / read-only */
    case CSR_TCONTROL:
        h->tcontrol = val & (TCONTROL_MTE | TCONTROL_MPTE);
        hvf_trig_sync(h);
        return 0;
    case CSR_CYCLE: case CSR_TIME: case CSR_INSTRET: case CSR_MVENDORID: case CSR_MARCHID:
    case CSR_MIMPID: case CSR_MHARTID: case CSR_MCONFIGPTR:
        return 0;                      /* read-only; the policy hook rejects guest writes */
    default: return -1;
    }
}

/* ---- access rules for guest instructions ------------------------------------------------ */

/* Counter CSRs (cycle/time/instret/hpmcounterN) in S/U are gated by mcounteren/scounteren. */
static bool counter_allowed(const struct hvf_hart *h, unsigned priv, unsigned csr)
{
    unsigned bit = csr & 31;
    if (priv == HV_PRIV_M)
        return true;
    if (!((h->mcounteren >> bit) & 1))
        return false;
    return priv == HV_PRIV_S || ((h->s.scounteren >> bit) & 1);
}

/* Everything except the privilege-level and read-only rules, which depend only on the
 * CSR number and are checked by the callers. */
static bool access_allowed(struct hvf_hart *h, unsigned priv, unsigned csr)
{
    if (csr >= CSR_CYCLE && csr <= CSR_HPMCOUNTER31)
        return counter_allowed(h, priv, csr);
    switch (csr) {
    case CSR_FFLAGS: case CSR_FRM: case CSR_FCSR:
        return (h->s.status & MSTATUS_FS) != 0;
    case CSR_SATP:
        return !(priv == HV_PRIV_S && (h->s.status & MSTATUS_TVM));
    case CSR_STIMECMP:
        if (priv == HV_PRIV_M)
            return true;
        return (h->menvcfg & MENVCFG_STCE) && (h->mcounteren & 2);
    default:
        return true;
    }
}

int hvf_csr_read(struct hv_cpu *cpu, unsigned csr, uint64_t *val)
{
    struct hvf_hart *h = hvf_hart_of(cpu);
    if (((csr >> 8) & 3) > cpu->priv || !access_allowed(h, cpu->priv, csr))
        return hv__priv_illegal(cpu);
    if (hvf_csr_get(h, csr, val) < 0)
        return hv__priv_illegal(cpu);
    return HV_STEP_OK;
}

int hvf_csr_write(struct hv_cpu *cpu, unsigned csr, uint64_t val)
{
    struct hvf_hart *h = hvf_hart_of(cpu);
    if (((csr >> 10) & 3) == 3 || ((csr >> 8) & 3) > cpu->priv ||
        !access_allowed(h, cpu->priv, csr))
        return hv__priv_illegal(cpu);
    /* The writing instruction retires after the write: without this it would count itself
     * and the next read would return the value written + 1 (the spec wants the value). */
    if ((csr == CSR_MCYCLE && !(h->mcountinhibit & 1)) ||
        (csr == CSR_MINSTRET && !(h->mcountinhibit & 4)))
        val -= 1;
    /* mip reads SEIP as the software bit OR the PLIC's line, but only the software bit
     * takes part in a CSRRS/CSRRC read-modify-write (privileged spec, mip): bits the
     * instruction does not modify keep their software value. Otherwise an M-mode
     * `csrs mip, SSIP` (OpenSBI injecting an IPI) while the line is high would latch SEIP
     * in software, an external interrupt that no claim can clear (issue 17 item 3). */
    if (csr == CSR_MIP)
        val = (val & cpu->csr_wmask) | (h->s.ip_sw & ~cpu->csr_wmask);
    if (hvf_csr_set(h, csr, val) < 0)
        return hv__priv_illegal(cpu);
    return HV_STEP_OK;
}

/* FP instructions and FP CSRs: FS = Off makes them illegal; writes mark the state dirty. */
int hvf_fp_check(struct hv_cpu *cpu, bool writes_fp_state)
{
    struct hvf_hart *h = hvf_hart_of(cpu);
    if (!(h->s.status & MSTATUS_FS))
        return hv__priv_illegal(cpu);
    if (writes_fp_state)
        h->s.status |= MSTATUS_FS;
    return HV_STEP_OK;
}

void hvf_hart_reset(struct hvf_hart *h)
{
    struct hv_cpu *cpu = &h->vcpu->cpu;
    /* mstatus: MIE = MPRV = 0 (spec), FS = Off like QEMU's virt; MPP = M. */
    memset(&h->s, 0, sizeof(h->s));
    h->s.status = MSTATUS_MPP;
    h->medeleg = h->mideleg = 0;
    h->mtvec = h->mepc = h->mcause = h->mtval = h->mscratch = 0;
    h->mcounteren = h->mcountinhibit = h->menvcfg = 0;
    h->stimecmp = ~0ull;
    h->cycle_off = h->instret_off = 0u - cpu->instret;
    h->cycle_frozen = h->instret_frozen = 0;
    for (unsigned i = 0; i < HVF_PMP_ENTRIES; i++) {
        h->pmpcfg[i] = 0;
        h->pmpaddr[i] = 0;
    }
    atomic_store(&h->hw_ip, 0);
    h->vcpu->exit_set = false;
    h->mmio.active = false;
    trig_reset(h);
}

/* ---- snapshot ------------------------------------------------------------------------- */

#define HART(m) HV_SNAP_INT_FIELD(struct hvf_hart, m)

/* Version 1: the CSR file in a fixed order behind a count (26), PMP, the device-driven mip
 * bits and an embedder MMIO access in flight (re-executed on the next run). Version 2
 * appends the Sdtrig state (tselect, tcontrol, then tdata1/tdata2 of each trigger in turn),
 * read by hand after the list: the pairs interleave, and a version-1 section resets it. */
static const struct hv_snap_field hart_fields[] = {
    HV_SNAP_CONST_FIELD("CSR count", 4, 26),
    HV_SNAP_INT_MASKED(struct hvf_hart, s.status, MSTATUS_WMASK),
    HART(medeleg), HART(mideleg), HART(s.ie), HART(s.ip_sw), HART(mtvec), HART(s.stvec),
    HART(mepc), HART(s.sepc), HART(mcause), HART(s.scause), HART(mtval), HART(s.stval),
    HART(mscratch), HART(s.sscratch), HART(s.satp), HART(mcounteren), HART(s.scounteren),
    HART(mcountinhibit), HART(menvcfg), HART(s.senvcfg), HART(stimecmp), HART(cycle_off),
    HART(instret_off), HART(cycle_frozen), HART(instret_frozen),
    HV_SNAP_BYTES_FIELD(struct hvf_hart, pmpcfg),
    HV_SNAP_INT_ARRAY(struct hvf_hart, pmpaddr),
    HART(hw_ip),
    HV_SNAP_BOOL_FIELD(struct hvf_hart, mmio.active),
    HV_SNAP_BOOL_FIELD(struct hvf_hart, mmio.write),
    HART(mmio.size),
    HART(mmio.pa),
};
#undef HART
#define NR_HART_FIELDS (sizeof hart_fields / sizeof hart_fields[0])
#define HART_SNAP_VERSION 2

static void hart_check(struct hv_snap_r *r, const struct hvf_hart *h)
{
    uint64_t mode = h->s.satp >> SATP_MODE_SHIFT;
    if (mode != SATP_MODE_BARE && mode != SATP_MODE_SV39 && mode != SATP_MODE_SV48)
        hv__snap_r_fail(r, "satp mode %llu", (unsigned long long)mode);
    unsigned size = h->mmio.size;
    if (h->mmio.active && size != 1 && size != 2 && size != 4 && size != 8)
        hv__snap_r_fail(r, "pending MMIO access of size %u", size);
}

void hvf_hart_save(struct hvf_hart *h, struct hv_snap_w *w)
{
    hv__snap_begin_idx(w, "hart", h->id, HART_SNAP_VERSION);
    hv__snap_put_fields(w, hart_fields, NR_HART_FIELDS, h);
    hv__snap_put_u64(w, h->tselect);
    hv__snap_put_u64(w, h->tcontrol);
    for (unsigned i = 0; i < HVF_TRIGGERS; i++) {
        hv__snap_put_u64(w, h->tdata1[i]);
        hv__snap_put_u64(w, h->tdata2[i]);
    }
    hv__snap_end(w);
}

int hvf_hart_load(struct hvf_hart *h, const struct hv_snap_index *idx, char *err,
                  size_t errlen)
{
    struct hv_snap_r r;
    struct hvf_hart *s = malloc(sizeof(*s));     /* the decoded copy */
    if (!s)
        return hv__errf(err, errlen, HV_ENOMEM, "snapshot: out of memory");
    memcpy(s, h, sizeof(*s));
    hv__snap_r_open_idx(&r, idx, "hart", h->id, HART_SNAP_VERSION);
    hv__snap_get_fields(&r, hart_fields, NR_HART_FIELDS, s);
    if (hv__snap_r_ok(&r))
        hart_check(&r, s);
    s->tselect = s->tcontrol = 0;
    for (unsigned i = 0; i < HVF_TRIGGERS; i++) {
        s->tdata1[i] = TRIG_DISABLED << TDATA1_TYPE_SHIFT;
        s->tdata2[i] = 0;
    }
    if (hv__snap_r_ok(&r) && r.sect->version >= 2) {
        s->tselect = hv__snap_get_u64(&r);
        s->tcontrol = hv__snap_get_u64(&r);
        for (unsigned i = 0; i < HVF_TRIGGERS; i++) {
            s->tdata1[i] = hv__snap_get_u64(&r);
            s->tdata2[i] = hv__snap_get_u64(&r);
            if (legal_tdata1(s->tdata1[i]) != s->tdata1[i])
                hv__snap_r_fail(&r, "trigger %u: tdata1 %#llx", i,
                                (unsigned long long)s->tdata1[i]);
        }
        if (s->tselect >= HVF_TRIGGERS || (s->tcontrol & ~(TCONTROL_MTE | TCONTROL_MPTE)))
            hv__snap_r_fail(&r, "tselect %llu / tcontrol %#llx",
                            (unsigned long long)s->tselect, (unsigned long long)s->tcontrol);
    }
    int rc = hv__snap_r_close(&r, err, errlen);
    if (rc == 0) {
        hv__snap_copy_fields(h, s, hart_fields, NR_HART_FIELDS);
        h->tselect = s->tselect;
        h->tcontrol = s->tcontrol;
        memcpy(h->tdata1, s->tdata1, sizeof(h->tdata1));
        memcpy(h->tdata2, s->tdata2, sizeof(h->tdata2));
        h->vcpu->exit_set = false;
        hvf_trig_sync(h);
    }
    free(s);
    return rc;
}
