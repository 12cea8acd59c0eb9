/* SPDX-License-Identifier: MIT */
/* libhv priv — the Sv39/Sv48 page walker shared by both backends: the privileged spec's
 * permission rules (U, SUM, MXR), superpage alignment, reserved bits, Svpbmt, hardware A/D
 * update, and the soft-TLB install. Static inline: every soft-TLB refill under paging runs
 * it, and as out-of-line calls it cost the full backend's TLB-miss-bound workload (bench
 * paging) about 3 % of CPU time.
 *
 * Choices (documented in docs/ARCHITECTURE.md):
 * - A/D bits are set by the walker in the PTE with an atomic compare-and-swap (the spec's
 *   "hardware update" option), never by raising a page fault.
 * - A write tag is only filled once the PTE's D bit is set (the caller marks the page dirty
 *   in the memory map's dirty log when it installs a write tag).
 * - Non-leaf PTEs with A, D or U set, and PTEs using reserved bits 60:54 or N (bit 63, no
 *   Svnapot) are page faults. Svpbmt: with pbmte the PBMT field (62:61) of a leaf may be
 *   PMA, NC or IO (memory types change nothing in an emulator: every access is already
 *   ordered and uncached as far as the guest can tell); the reserved value 3, a non-zero
 *   PBMT in a non-leaf PTE, or any PBMT while pbmte is clear is a page fault.
 * - A page-table access outside RAM/ROM (MMIO, unmapped) is an access fault for the
 *   access that walked. */
#ifndef HV_PRIV_SV_H
#define HV_PRIV_SV_H

#include "priv/priv.h"

#define HV_PTE_V (1ull << 0)
#define HV_PTE_R (1ull << 1)
#define HV_PTE_W (1ull << 2)
#define HV_PTE_X (1ull << 3)
#define HV_PTE_U (1ull << 4)
#define HV_PTE_A (1ull << 6)
#define HV_PTE_D (1ull << 7)
#define HV_PTE_RESERVED ((0x7full << 54) | (1ull << 63))
#define HV_PTE_PBMT (3ull << 61)
#define HV_PTE_PPN(pte) (((pte) >> 10) & ((1ull << 44) - 1))

/* One translation request. */
struct hv_sv_walk {
    uint64_t satp;          /* mode Sv39 or Sv48 */
    uint64_t status;        /* SUM and MXR are read from here (mstatus layout) */
    unsigned priv;          /* effective privilege of the access (U or S) */
    bool pbmte;             /* Svpbmt enabled (menvcfg.PBMTE on full) */
};

/* The region flag (HV_MEM_READ / WRITE / EXEC) an access type needs. */
static inline unsigned hv__sv_region_flag(enum hv_access acc)
{
    return acc == HV_ACC_READ ? HV_MEM_READ : acc == HV_ACC_WRITE ? HV_MEM_WRITE : HV_MEM_EXEC;
}

/* Raise the page fault / access fault of access type acc at va. */
static inline int hv__sv_page_fault(struct hv_cpu *cpu, enum hv_access acc, uint64_t va)
{
    static const uint64_t cause[3] = { HV_EXC_LOAD_PAGE, HV_EXC_STORE_PAGE, HV_EXC_INSN_PAGE };
    return hv__cpu_raise(cpu, cause[acc], va);
}

static inline int hv__sv_access_fault(struct hv_cpu *cpu, enum hv_access acc, uint64_t va)
{
    static const uint64_t cause[3] = { HV_EXC_LOAD_ACCESS, HV_EXC_STORE_ACCESS,
                                       HV_EXC_INSN_ACCESS };
    return hv__cpu_raise(cpu, cause[acc], va);
}

/* Leaf permission rules for one access type at effective privilege `priv`. */
static inline bool hv__sv_leaf_allows(uint64_t pte, enum hv_access acc, unsigned priv,
                                     uint64_t status)
{
    if (priv == HV_PRIV_U && !(pte & HV_PTE_U))
        return false;
    if (priv == HV_PRIV_S && (pte & HV_PTE_U)) {
        /* S never executes user pages; it reads/writes them only with SUM. */
        if (acc == HV_ACC_EXEC || !(status & MSTATUS_SUM))
            return false;
    }
    switch (acc) {
    case HV_ACC_READ: return (pte & HV_PTE_R) || ((status & MSTATUS_MXR) && (pte & HV_PTE_X));
    case HV_ACC_WRITE: return (pte & HV_PTE_W) != 0;
    default: return (pte & HV_PTE_X) != 0;
    }
}

/* Translate va for access `acc`. HV_STEP_OK: *pa set, *also = other access types (1 << acc)
 * the soft-TLB may cache for the page. Else HV_STEP_TRAP with the page fault (bad PTE,
 * permissions, non-canonical va) or access fault (page table outside RAM, A/D update in a
 * read-only region) raised on cpu with tval = va. A and D are set in the PTE with a
 * compare-and-swap (the spec's hardware update), the page marked dirty in mem. */
static inline int hv__sv_translate(struct hv_cpu *cpu, struct hv_mem *mem,
                                  const struct hv_sv_walk *w, uint64_t va,
                                  enum hv_access acc, uint64_t *pa, unsigned *also)
{
    unsigned levels = (w->satp >> SATP_MODE_SHIFT) == SATP_MODE_SV39 ? 3 : 4;
    unsigned vabits = 12 + 9 * levels;
    /* Virtual addresses must be sign-extended from the top implemented bit. */
    if ((uint64_t)((int64_t)(va << (64 - vabits)) >> (64 - vabits)) != va)
        return hv__sv_page_fault(cpu, acc, va);

retry:;
    uint64_t base = (w->satp & SATP_PPN_MASK) << 12;
    for (int i = (int)levels - 1; i >= 0; i--) {
        uint64_t pte_pa = base + ((va >> (12 + 9 * i)) & 0x1ff) * 8;
        uint64_t *slot = (uint64_t *)hv__mem_hva(mem, pte_pa, 8);
        if (!slot)
            return hv__sv_access_fault(cpu, acc, va);
        uint64_t pte = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
        if (!(pte & HV_PTE_V) || (!(pte & HV_PTE_R) && (pte & HV_PTE_W)) || (pte & HV_PTE_RESERVED))
            return hv__sv_page_fault(cpu, acc, va);
        uint64_t pbmt = pte & HV_PTE_PBMT;
        if (pbmt && (!w->pbmte || pbmt == HV_PTE_PBMT))
            return hv__sv_page_fault(cpu, acc, va);
        if (!(pte & (HV_PTE_R | HV_PTE_X))) {
            /* Pointer to the next level. */
            if (i == 0 || (pte & (HV_PTE_A | HV_PTE_D | HV_PTE_U | HV_PTE_PBMT)))
                return hv__sv_page_fault(cpu, acc, va);
            base = HV_PTE_PPN(pte) << 12;
            continue;
        }
        if (!hv__sv_leaf_allows(pte, acc, w->priv, w->status))
            return hv__sv_page_fault(cpu, acc, va);
        uint64_t ppn = HV_PTE_PPN(pte);
        if (i > 0 && (ppn & ((1ull << (9 * i)) - 1)))
            return hv__sv_page_fault(cpu, acc, va);    /* misaligned superpage */
        uint64_t need = HV_PTE_A | (acc == HV_ACC_WRITE ? HV_PTE_D : 0);
        if ((pte & need) != need) {
            struct hv_region *r = hv__mem_find(mem, pte_pa);
            if (!r || !(r->flags & HV_MEM_WRITE))
                return hv__sv_access_fault(cpu, acc, va);
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
        if (acc == HV_ACC_WRITE && hv__sv_leaf_allows(pte, HV_ACC_READ, w->priv, w->status))
            *also |= 1u << HV_ACC_READ;
        return HV_STEP_OK;
    }
    return hv__sv_page_fault(cpu, acc, va);
}

/* Install va -> host page in the soft-TLB for the access types in `types` (1 << acc).
 * Tags of another page or another translation in the entry are dropped. */
static inline void hv__sv_tlb_install(struct hv_cpu *cpu, uint64_t va, uint8_t *host_page,
                                     unsigned types)
{
    struct hv_tlb_entry *e = hv__tlb_entry(cpu, va);
    uint64_t vpage = va & ~0xfffull;
    uint64_t addend = (uint64_t)(uintptr_t)host_page - vpage;
    /* M-mode: HV_TLB_FAR on the data tags unless the addend is main RAM's (cpu.h). */
    uint64_t far = cpu->priv == HV_PRIV_M && cpu->tlb_near && addend != cpu->tlb_near ?
                   HV_TLB_FAR : 0;
    for (unsigned k = 0; k < 3; k++)
        if ((e->tag[k] & ~HV_TLB_FAR) != vpage || e->addend != addend)
            e->tag[k] = HV_TLB_INVALID;
    e->addend = addend;
    for (unsigned k = 0; k < 3; k++)
        if (types & (1u << k))
            e->tag[k] = vpage | (k == HV_ACC_EXEC ? 0 : far);
}

#endif
