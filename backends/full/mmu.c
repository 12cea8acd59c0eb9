/* SPDX-License-Identifier: MIT */
/* libhv full backend — the software MMU: Bare/Sv39/Sv48 page walks with the privileged
 * spec's permission rules (U/SUM/MXR, MPRV), hardware A/D update, physical access checks
 * against the memory map, soft-TLB refills (RAM/ROM only), and device dispatch for MMIO.
 *
 * Choices (documented in docs/ARCHITECTURE.md):
 * - A/D bits are set by the walker in the PTE with an atomic compare-and-swap (the spec's
 *   "hardware update" option), never by raising a page fault.
 * - A write tag is only filled once the PTE's D bit is set; filling it marks the page dirty
 *   in the memory map's dirty log (stores through the soft-TLB do not mark it again).
 * - PMP registers are WARL storage only: no PMP checks are made (all of memory is
 *   accessible to every mode, as with an M-mode firmware that grants everything).
 * - Non-leaf PTEs with A, D or U set, and PTEs using reserved bits 60:54 or N (bit 63, no
 *   Svnapot) are page faults. Svpbmt: with menvcfg.PBMTE the PBMT field (62:61) of a leaf
 *   may be PMA, NC or IO (memory types change nothing in an emulator: every access is
 *   already ordered and uncached as far as the guest can tell); the reserved value 3, a
 *   non-zero PBMT in a non-leaf PTE, or any PBMT while PBMTE is clear is a page fault.
 * - Misaligned accesses are split into byte accesses by the engine's slow path, so they
 *   never raise misaligned exceptions; access-fault tval for device errors is the physical
 *   address (the engine passes only pa to the device hook). */
#include "backends/full/full.h"
#include "core/wait.h"

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PTE_RESERVED ((0x7full << 54) | (1ull << 63))
#define PTE_PBMT (3ull << 61)
#define PTE_PPN(pte) (((pte) >> 10) & ((1ull << 44) - 1))

static int page_fault(struct hv_cpu *cpu, enum hv_access acc, uint64_t va)
{
    static const uint64_t cause[3] = { HV_EXC_LOAD_PAGE, HV_EXC_STORE_PAGE, HV_EXC_INSN_PAGE };
    return hv__cpu_raise(cpu, cause[acc], va);
}

static int access_fault(struct hv_cpu *cpu, enum hv_access acc, uint64_t va)
{
    static const uint64_t cause[3] = { HV_EXC_LOAD_ACCESS, HV_EXC_STORE_ACCESS,
                                       HV_EXC_INSN_ACCESS };
    return hv__cpu_raise(cpu, cause[acc], va);
}

/* Leaf permission rules for one access type at effective privilege `priv`. */
static bool leaf_allows(uint64_t pte, enum hv_access acc, unsigned priv, uint64_t mstatus)
{
    if (priv == HV_PRIV_U && !(pte & PTE_U))
        return false;
    if (priv == HV_PRIV_S && (pte & PTE_U)) {
        /* S never executes user pages; it reads/writes them only with SUM. */
        if (acc == HV_ACC_EXEC || !(mstatus & MSTATUS_SUM))
            return false;
    }
    switch (acc) {
    case HV_ACC_READ: return (pte & PTE_R) || ((mstatus & MSTATUS_MXR) && (pte & PTE_X));
    case HV_ACC_WRITE: return (pte & PTE_W) != 0;
    default: return (pte & PTE_X) != 0;
    }
}

/* Translate va; on success *pa is set and *also holds a bitmask of other access types
 * (1 << acc) the soft-TLB may cache for the same page. */
static int walk(struct hvf_hart *h, uint64_t va, enum hv_access acc, unsigned priv,
                uint64_t *pa, unsigned *also)
{
    struct hv_cpu *cpu = &h->vcpu->cpu;
    struct hv_mem *mem = &h->board->vm->mem;
    unsigned levels = (h->satp >> SATP_MODE_SHIFT) == SATP_MODE_SV39 ? 3 : 4;
    unsigned vabits = 12 + 9 * levels;
    /* Virtual addresses must be sign-extended from the top implemented bit. */
    if ((uint64_t)((int64_t)(va << (64 - vabits)) >> (64 - vabits)) != va)
        return page_fault(cpu, acc, va);

retry:;
    uint64_t base = (h->satp & SATP_PPN_MASK) << 12;
    for (int i = (int)levels - 1; i >= 0; i--) {
        uint64_t pte_pa = base + ((va >> (12 + 9 * i)) & 0x1ff) * 8;
        uint64_t *slot = (uint64_t *)hv__mem_hva(mem, pte_pa, 8);
        if (!slot)
            return access_fault(cpu, acc, va);
        uint64_t pte = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
        if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W)) || (pte & PTE_RESERVED))
            return page_fault(cpu, acc, va);
        uint64_t pbmt = pte & PTE_PBMT;
        if (pbmt && (!(h->menvcfg & MENVCFG_PBMTE) || pbmt == PTE_PBMT))
            return page_fault(cpu, acc, va);
        if (!(pte & (PTE_R | PTE_X))) {
            /* Pointer to the next level. */
            if (i == 0 || (pte & (PTE_A | PTE_D | PTE_U | PTE_PBMT)))
                return page_fault(cpu, acc, va);
            base = PTE_PPN(pte) << 12;
            continue;
        }
        if (!leaf_allows(pte, acc, priv, h->mstatus))
            return page_fault(cpu, acc, va);
        uint64_t ppn = PTE_PPN(pte);
        if (i > 0 && (ppn & ((1ull << (9 * i)) - 1)))
            return page_fault(cpu, acc, va);          /* misaligned superpage */
        uint64_t need = PTE_A | (acc == HV_ACC_WRITE ? PTE_D : 0);
        if ((pte & need) != need) {
            struct hv_region *r = hv__mem_find(mem, pte_pa);
            if (!r || !(r->flags & HV_MEM_WRITE))
                return access_fault(cpu, acc, va);
            if (!__atomic_compare_exchange_n(slot, &pte, pte | need, false, __ATOMIC_ACQ_REL,
                                             __ATOMIC_ACQUIRE))
                goto retry;                           /* changed under us: walk again */
            hv__mem_mark_dirty(mem, pte_pa, 8);
            pte |= need;
        }
        uint64_t mask = (1ull << (12 + 9 * i)) - 1;
        *pa = ((ppn << 12) & ~mask) | (va & mask);
        *also = 0;
        /* A store also opens the page for loads; a load never opens it for stores (the
         * write tag marks the page dirty, so it is only filled by a store). */
        if (acc == HV_ACC_WRITE && leaf_allows(pte, HV_ACC_READ, priv, h->mstatus))
            *also |= 1u << HV_ACC_READ;
        return HV_STEP_OK;
    }
    return page_fault(cpu, acc, va);
}

static unsigned region_flag(enum hv_access acc)
{
    return acc == HV_ACC_READ ? HV_MEM_READ : acc == HV_ACC_WRITE ? HV_MEM_WRITE : HV_MEM_EXEC;
}

/* Install va -> host page in the soft-TLB for the access types in `types`. Tags that
 * belong to another page (or another translation) are dropped: an entry has one addend. */
static void tlb_install(struct hv_cpu *cpu, uint64_t va, uint8_t *host_page, unsigned types)
{
    struct hv_tlb_entry *e = hv__tlb_entry(cpu, va);
    uint64_t vpage = va & ~0xfffull;
    uint64_t addend = (uint64_t)(uintptr_t)host_page - vpage;
    for (unsigned k = 0; k < 3; k++)
        if (e->tag[k] != vpage || e->addend != addend)
            e->tag[k] = HV_TLB_INVALID;
    e->addend = addend;
    for (unsigned k = 0; k < 3; k++)
        if (types & (1u << k))
            e->tag[k] = vpage;
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

    if (priv != HV_PRIV_M && (h->satp >> SATP_MODE_SHIFT) != SATP_MODE_BARE) {
        unsigned also = 0;
        int rc = walk(h, va, acc, priv, &pa, &also);
        if (rc != HV_STEP_OK)
            return rc;
        types |= also;
    } else if (acc == HV_ACC_WRITE) {
        types |= 1u << HV_ACC_READ;
    }

    struct hv_region *r = hv__mem_find(&b->vm->mem, pa);
    if (!r)
        return access_fault(cpu, acc, va);
    if (r->kind == HV_REGION_MMIO) {
        if (acc == HV_ACC_EXEC)
            return access_fault(cpu, acc, va);
        *is_mmio = true;
        *mmio_pa = pa;
        return HV_STEP_OK;
    }
    if (!(r->flags & region_flag(acc)))
        return access_fault(cpu, acc, va);
    /* Stores to the HTIF tohost page take the device path so the write is seen. */
    if (acc == HV_ACC_WRITE && hvf_htif_page(b, pa)) {
        *is_mmio = true;
        *mmio_pa = pa;
        return HV_STEP_OK;
    }
    for (unsigned k = 0; k < 3; k++)
        if ((types & (1u << k)) && !(r->flags & region_flag((enum hv_access)k)))
            types &= ~(1u << k);
    if (hvf_htif_page(b, pa))
        types &= ~(1u << HV_ACC_WRITE);
    uint64_t ppage = pa & ~0xfffull;
    if (types & (1u << HV_ACC_WRITE))
        hv__mem_mark_dirty(&b->vm->mem, ppage, HV_PAGE_SIZE);
    tlb_install(cpu, va, r->host + (ppage - r->gpa), types);
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
        return access_fault(cpu, acc, pa);
    if (r->kind != HV_REGION_MMIO) {
        if (write && hvf_htif_page(b, pa))
            return hvf_htif_write(cpu, pa, size, *val);
        /* RAM reached through the device path (not expected): do the access directly. */
        int rc = write ? hv__mem_write(&b->vm->mem, pa, val, size)
                       : (*val = 0, hv__mem_read(&b->vm->mem, pa, val, size));
        return rc < 0 ? access_fault(cpu, acc, pa) : HV_STEP_OK;
    }
    struct hv_exit ex;
    int rc = hv__mmio_access(r, &h->mmio, &ex, pa, size, val, write);
    if (rc == 1) {
        hv__vcpu_exit(h->vcpu, HV_EXIT_MMIO, 0);
        h->vcpu->exit.u.mmio = ex.u.mmio;
        return HV_STEP_EXIT;
    }
    if (rc < 0)
        return access_fault(cpu, acc, pa);
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
