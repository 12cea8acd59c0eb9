/* SPDX-License-Identifier: MIT */
/* libhv full backend — the software MMU: Bare or Sv39/Sv48 translation (the page walk and
 * its rules are priv/sv.h, shared with the para backend) with MPRV and menvcfg.PBMTE
 * applied, physical access checks against the memory map, soft-TLB refills (RAM/ROM only),
 * and device dispatch for MMIO.
 *
 * Choices (documented in docs/ARCHITECTURE.md):
 * - PMP registers are WARL storage only: no PMP checks are made (all of memory is
 *   accessible to every mode, as with an M-mode firmware that grants everything).
 * - Misaligned accesses are split into byte accesses by the engine's slow path, so they
 *   never raise misaligned exceptions; access-fault tval for device errors is the physical
 *   address (the engine passes only pa to the device hook). */
#include "backends/full/full.h"
#include "core/wait.h"
#include "priv/sv.h"

bool hvf_data_flat(struct hv_cpu *cpu)
{
    return cpu->priv == HV_PRIV_M && hvf_data_priv(hvf_hart_of(cpu), cpu) == HV_PRIV_M;
}

int hvf_tlb_fill(struct hv_cpu *cpu, uint64_t va, enum hv_access acc, uint64_t *mmio_pa,
                 bool *is_mmio)
{
    struct hvf_hart *h = hvf_hart_of(cpu);
    struct hvf_board *b = h->board;
    unsigned priv = acc == HV_ACC_EXEC ? cpu->priv : hvf_data_priv(h, cpu);
    uint64_t pa = va;
    unsigned types = 1u << acc;
    *is_mmio = false;
    h->vcpu->stats.tlb_misses++;

    if (priv != HV_PRIV_M && hv__priv_paging(&h->s)) {
        const struct hv_sv_walk w = { .satp = h->s.satp, .status = h->s.status, .priv = priv,
                                      .pbmte = (h->menvcfg & MENVCFG_PBMTE) != 0 };
        unsigned also = 0;
        int rc = hv__sv_translate(cpu, &b->vm->mem, &w, va, acc, &pa, &also);
        if (rc != HV_STEP_OK)
            return rc;
        types |= also;
    } else if (acc == HV_ACC_WRITE) {
        types |= 1u << HV_ACC_READ;
    }

    struct hv_region *r = hv__mem_find(&b->vm->mem, pa);
    if (!r)
        return hv__sv_access_fault(cpu, acc, va);
    if (r->kind == HV_REGION_MMIO) {
        if (acc == HV_ACC_EXEC)
            return hv__sv_access_fault(cpu, acc, va);
        *is_mmio = true;
        *mmio_pa = pa;
        return HV_STEP_OK;
    }
    if (!(r->flags & hv__sv_region_flag(acc)))
        return hv__sv_access_fault(cpu, acc, va);
    /* Stores to the HTIF tohost page take the device path so the write is seen. */
    if (acc == HV_ACC_WRITE && hvf_htif_page(b, pa)) {
        *is_mmio = true;
        *mmio_pa = pa;
        return HV_STEP_OK;
    }
    for (unsigned k = 0; k < 3; k++)
        if ((types & (1u << k)) && !(r->flags & hv__sv_region_flag((enum hv_access)k)))
            types &= ~(1u << k);
    if (hvf_htif_page(b, pa))
        types &= ~(1u << HV_ACC_WRITE);
    uint64_t ppage = pa & ~0xfffull;
    if (types & (1u << HV_ACC_WRITE))
        hv__mem_mark_dirty(&b->vm->mem, ppage, HV_PAGE_SIZE);
    hv__sv_tlb_install(cpu, va, r->host + (ppage - r->gpa), types);
    return HV_STEP_OK;
}

/* Device access at pa. Embedder regions without callbacks exit with HV_EXIT_MMIO; the
 * instruction is re-executed on the next run and that one access is completed from
 * vcpu->last_exit.u.mmio.data (reads) or dropped (writes, already reported). */
static int mmio_access(struct hv_cpu *cpu, uint64_t pa, unsigned size, uint64_t *val,
                       bool write)
{
    struct hvf_hart *h = hvf_hart_of(cpu);
    struct hvf_board *b = h->board;
    struct hv_vcpu *vcpu = h->vcpu;
    enum hv_access acc = write ? HV_ACC_WRITE : HV_ACC_READ;
    vcpu->stats.mmio_traps++;

    if (hv__mmio_complete(vcpu, &h->mmio, pa, size, val, write))
        return HV_STEP_OK;

    struct hv_region *r = hv__mem_find(&b->vm->mem, pa);
    if (!r)
        return hv__sv_access_fault(cpu, acc, pa);
    if (r->kind != HV_REGION_MMIO) {
        if (write && hvf_htif_page(b, pa))
            return hvf_htif_write(cpu, pa, size, *val);
        /* RAM reached through the device path (not expected): do the access directly. */
        int rc = write ? hv__mem_write(&b->vm->mem, pa, val, size)
                       : (*val = 0, hv__mem_read(&b->vm->mem, pa, val, size));
        return rc < 0 ? hv__sv_access_fault(cpu, acc, pa) : HV_STEP_OK;
    }
    struct hv_exit ex;
    int rc = hv__mmio_access(r, &h->mmio, &ex, pa, size, val, write);
    if (rc == 1) {
        hv__vcpu_exit(h->vcpu, HV_EXIT_MMIO, 0);
        h->vcpu->exit.u.mmio = ex.u.mmio;
        return HV_STEP_EXIT;
    }
    if (rc < 0)
        return hv__sv_access_fault(cpu, acc, pa);
    int stop = atomic_load(&b->stop_reason);
    if (stop)
        return hv__vcpu_exit(h->vcpu, (enum hv_exit_reason)stop, atomic_load(&b->stop_code));
    return HV_STEP_OK;
}

/* hv_config.time_exits: the host time of each device access goes into stats.exit_ns. */
int hvf_mmio(struct hv_cpu *cpu, uint64_t pa, unsigned size, uint64_t *val, bool write)
{
    struct hvf_hart *h = hvf_hart_of(cpu);
    if (!h->board->vm->cfg.time_exits)
        return mmio_access(cpu, pa, size, val, write);
    uint64_t t0 = hv__wait_now_ns();
    int rc = mmio_access(cpu, pa, size, val, write);
    h->vcpu->stats.exit_ns += hv__wait_now_ns() - t0;
    return rc;
}

void hvf_code_written(struct hv_cpu *cpu, uint64_t pa, uint64_t len)
{
    hv__engine_code_written(cpu, pa, len);
}
