/* SPDX-License-Identifier: MIT */
/* libhv cpu — engine-neutral hart services: reset, soft-TLB maintenance, the memory slow
 * paths behind hv__cpu_load/store (TLB refill through the policy, MMIO, misaligned-access
 * emulation) and instruction fetch.
 *
 * Self-modifying code. Engines cache decoded/translated code keyed by host address. To see
 * stores into cached code without a check on every fast-path store, the soft-TLB keeps an
 * invariant: every WRITE tag that maps a host page the engine reports as a code page
 * (engine_hooks->is_code_page) carries HV_TLB_CODE. The engine establishes it when it starts
 * caching a page (hv__cpu_tlb_mark_code); this file keeps it after every refill (a policy
 * may fill several tags at once). The flag makes the fast path miss while the translation
 * stays valid, so a store to a code page costs one slow-path call but no page walk: the
 * slow path performs the store and calls engine_hooks->code_write(), and the engine drops
 * code only if the bytes written overlap it (it tracks code at sub-page granularity). Data
 * that shares a page with code — common in small programs — therefore never makes the
 * engine re-decode. When an engine drops a page's code it clears the flags again
 * (hv__cpu_tlb_unmark_code) and stores take the fast path. Stores by other harts (each hart has
 * its own TLB and engine) and by DMA are not observed: RISC-V requires FENCE.I on the
 * executing hart before it must see them, and FENCE.I drops the interpreter's whole cache
 * and makes the translator compare what it translated with memory (cpu/jit/jit.c).
 *
 * Misaligned loads and stores are emulated byte by byte, each byte translated on its own,
 * so an access that straddles a page faults when either page does. The reported tval is
 * the original (misaligned) virtual address, which the privileged spec allows. A store is
 * probed on both pages before any byte is written, so a faulting store writes nothing. */
#include <string.h>
#include "cpu/cpu.h"
#include "snapshot/stream.h"

#define PAGE_MASK (~0xfffull)

static void invalidate(struct hv_tlb_entry *e)
{
    e->tag[HV_ACC_READ] = HV_TLB_INVALID;
    e->tag[HV_ACC_WRITE] = HV_TLB_INVALID;
    e->tag[HV_ACC_EXEC] = HV_TLB_INVALID;
    e->addend = 0;
}

void hv__cpu_tlb_flush(struct hv_cpu *cpu)
{
    for (uint32_t u = 0; u < cpu->tlb_nused; u++)
        invalidate(&cpu->tlb[cpu->tlb_used[u]]);
    for (unsigned v = 0; v < HV_TLB_VICTIMS; v++)
        invalidate(&cpu->tlb_victim[v]);
    cpu->tlb_nused = 0;
    memset(cpu->tlb_used_bits, 0, sizeof(cpu->tlb_used_bits));
    if (cpu->engine_hooks && cpu->engine_hooks->tlb_flushed)
        cpu->engine_hooks->tlb_flushed(cpu);
}

void hv__cpu_tlb_drop_writes(struct hv_cpu *cpu)
{
    for (uint32_t u = 0; u < cpu->tlb_nused; u++)
        cpu->tlb[cpu->tlb_used[u]].tag[HV_ACC_WRITE] = HV_TLB_INVALID;
    for (unsigned v = 0; v < HV_TLB_VICTIMS; v++)
        cpu->tlb_victim[v].tag[HV_ACC_WRITE] = HV_TLB_INVALID;
}

#define CPU_SNAP_VERSION 1

void hv__cpu_snapshot_save(const struct hv_cpu *cpu, unsigned id, struct hv_snap_w *w)
{
    hv__snap_begin_idx(w, "cpu", id, CPU_SNAP_VERSION);
    for (unsigned i = 0; i < 32; i++)
        hv__snap_put_u64(w, i ? cpu->x[i] : 0);
    hv__snap_put_u64(w, cpu->pc);
    for (unsigned i = 0; i < 32; i++)
        hv__snap_put_u64(w, cpu->f[i]);
    hv__snap_put_u32(w, cpu->fflags);
    hv__snap_put_u32(w, cpu->frm);
    hv__snap_put_u32(w, cpu->priv);
    hv__snap_put_u64(w, cpu->instret);
    hv__snap_put_u64(w, cpu->reservation);
    hv__snap_put_u64(w, cpu->reservation_val);
    hv__snap_end(w);
}

int hv__cpu_snapshot_load(struct hv_cpu *cpu, unsigned id, const struct hv_snap_index *idx,
                          char *err, size_t errlen)
{
    struct hv_snap_r r;
    uint64_t x[32], f[32];
    hv__snap_r_open_idx(&r, idx, "cpu", id, CPU_SNAP_VERSION);
    for (unsigned i = 0; i < 32; i++)
        x[i] = hv__snap_get_u64(&r);
    uint64_t pc = hv__snap_get_u64(&r);
    for (unsigned i = 0; i < 32; i++)
        f[i] = hv__snap_get_u64(&r);
    uint32_t fflags = hv__snap_get_u32(&r), frm = hv__snap_get_u32(&r);
    uint32_t priv = hv__snap_get_u32(&r);
    uint64_t instret = hv__snap_get_u64(&r);
    uint64_t resv = hv__snap_get_u64(&r), resv_val = hv__snap_get_u64(&r);
    if (fflags > 0x1f || frm > 7)
        hv__snap_r_fail(&r, "fcsr fields out of range (fflags %#x, frm %u)", fflags, frm);
    if (priv != HV_PRIV_U && priv != HV_PRIV_S && priv != HV_PRIV_M)
        hv__snap_r_fail(&r, "privilege level %u", priv);
    if (x[0] != 0)
        hv__snap_r_fail(&r, "x0 is not zero");
    int rc = hv__snap_r_close(&r, err, errlen);
    if (rc < 0)
        return rc;
    memcpy(cpu->x, x, sizeof(x));
    memcpy(cpu->f, f, sizeof(f));
    cpu->pc = pc;
    cpu->fflags = fflags;
    cpu->frm = frm;
    cpu->priv = priv;
    cpu->instret = instret;
    cpu->poll_at = 0;                  /* poll at once: timers and interrupts changed */
    cpu->exit_request = 1;
    cpu->reservation = resv;
    cpu->reservation_val = resv_val;
    /* Hooks: the first instruction after a load is a block start, and the edge hash starts
     * afresh, whatever ran before (a fuzzer's rollback sees the same edges every time). */
    cpu->hk.fall = HV_HK_NOFALL;
    cpu->hk.cov_prev = 0;
    hv__cpu_tlb_flush(cpu);
    return 0;
}

void hv__cpu_reset(struct hv_cpu *cpu, uint64_t reset_pc)
{
    memset(cpu->x, 0, sizeof(cpu->x));
    memset(cpu->f, 0, sizeof(cpu->f));
    cpu->pc = reset_pc;
    cpu->fflags = 0;
    cpu->frm = 0;
    cpu->priv = HV_PRIV_M;
    cpu->reservation = HV_TLB_INVALID;
    cpu->reservation_val = 0;
    cpu->trap_cause = 0;
    cpu->trap_tval = 0;
    /* Every entry, whatever the used list says (a new hv_cpu is zero-filled). */
    for (unsigned i = 0; i < HV_TLB_SIZE; i++)
        invalidate(&cpu->tlb[i]);
    cpu->tlb_victim_next = 0;
    cpu->tlb_nused = 0;
    hv__cpu_tlb_flush(cpu);
}

static void set_code_flag_entry(struct hv_tlb_entry *e, uintptr_t host_page, bool code)
{
    uint64_t tag = e->tag[HV_ACC_WRITE];
    if (tag == HV_TLB_INVALID || (((tag & ~HV_TLB_FLAGS) + e->addend) & PAGE_MASK) != host_page)
        return;
    e->tag[HV_ACC_WRITE] = code ? (tag | HV_TLB_CODE) : (tag & ~HV_TLB_CODE);
}

static void set_code_flag(struct hv_cpu *cpu, uintptr_t host_page, bool code)
{
    for (unsigned v = 0; v < HV_TLB_VICTIMS; v++)
        set_code_flag_entry(&cpu->tlb_victim[v], host_page, code);
    for (uint32_t u = 0; u < cpu->tlb_nused; u++) {
        struct hv_tlb_entry *e = &cpu->tlb[cpu->tlb_used[u]];
        uint64_t tag = e->tag[HV_ACC_WRITE];
        if (tag == HV_TLB_INVALID || (((tag & ~HV_TLB_FLAGS) + e->addend) & PAGE_MASK) != host_page)
            continue;
        e->tag[HV_ACC_WRITE] = code ? (tag | HV_TLB_CODE) : (tag & ~HV_TLB_CODE);
    }
}

void hv__cpu_tlb_mark_code(struct hv_cpu *cpu, uintptr_t host_page)
{
    set_code_flag(cpu, host_page, true);
}

void hv__cpu_tlb_unmark_code(struct hv_cpu *cpu, uintptr_t host_page)
{
    set_code_flag(cpu, host_page, false);
}

static uint64_t access_fault(enum hv_access acc)
{
    switch (acc) {
    case HV_ACC_READ: return HV_EXC_LOAD_ACCESS;
    case HV_ACC_WRITE: return HV_EXC_STORE_ACCESS;
    default: return HV_EXC_INSN_ACCESS;
    }
}

static bool is_code_page(struct hv_cpu *cpu, uintptr_t host_page)
{
    return cpu->engine_hooks && cpu->engine_hooks->is_code_page(cpu, host_page);
}

static bool holds_other_page(const struct hv_tlb_entry *e, uint64_t page)
{
    bool valid = false;
    for (unsigned k = 0; k < 3; k++) {
        uint64_t t = e->tag[k] & ~HV_TLB_FLAGS;
        if (e->tag[k] == HV_TLB_INVALID)
            continue;
        if (t == page)
            return false;       /* the fill extends this entry: nothing to keep */
        valid = true;
    }
    return valid;
}

/* Before a refill overwrites e with `page`: keep what it held in a victim slot. */
static void evict(struct hv_cpu *cpu, struct hv_tlb_entry *e, uint64_t page)
{
    if (!holds_other_page(e, page))
        return;
    cpu->tlb_victim[cpu->tlb_victim_next] = *e;
    cpu->tlb_victim_next = (cpu->tlb_victim_next + 1) % HV_TLB_VICTIMS;
}

/* A victim that maps `page` for acc: swap it with e (which becomes the victim). */
static bool victim_swap(struct hv_cpu *cpu, struct hv_tlb_entry *e, uint64_t page,
                        enum hv_access acc)
{
    for (unsigned v = 0; v < HV_TLB_VICTIMS; v++) {
        struct hv_tlb_entry *x = &cpu->tlb_victim[v];
        uint64_t t = x->tag[acc] & ~HV_TLB_FLAGS;
        if (x->tag[acc] == HV_TLB_INVALID || t != page)
            continue;
        struct hv_tlb_entry tmp = *e;
        *e = *x;
        *x = tmp;
        return true;
    }
    return false;
}

/* Memory hooks (cpu.h): a page some read/write hook covers keeps no READ/WRITE tag, so
 * every access to it reaches the slow path, which reports it. Other pages stay fast. */
static void hk_filter(struct hv_cpu *cpu, struct hv_tlb_entry *e, uint64_t page)
{
    for (unsigned acc = HV_ACC_READ; acc <= HV_ACC_WRITE; acc++) {
        uint64_t tag = e->tag[acc];
        if ((tag & ~HV_TLB_FLAGS) == page && !(tag & HV_TLB_HOOKED) &&
            cpu->hk.ops->page_hooked(cpu, page, (uintptr_t)(page + e->addend),
                                     (enum hv_access)acc))
            e->tag[acc] |= HV_TLB_HOOKED;
    }
}

int hv__cpu_translate(struct hv_cpu *cpu, uint64_t va, enum hv_access acc,
                      struct hv_xlat *out)
{
    struct hv_tlb_entry *e = hv__tlb_entry(cpu, va);
    uint64_t page = va & PAGE_MASK;

    out->host = NULL;
    out->pa = 0;
    out->is_mmio = false;
    out->is_code = false;
    uint64_t tag = e->tag[acc] & ~HV_TLB_FLAGS;
    if (tag != page) {
        hv__cpu_tlb_note(cpu, (unsigned)(e - cpu->tlb));
        if (!victim_swap(cpu, e, page, acc)) {
            uint64_t pa = 0;
            bool mmio = false;
            evict(cpu, e, page);
            int r = cpu->policy->tlb_fill(cpu, va, acc, &pa, &mmio);
            if (r != HV_STEP_OK)
                return r;
            if (mmio) {
                out->is_mmio = true;
                out->pa = pa;
                return HV_STEP_OK;
            }
        }
        /* Keep the invariant whatever tags the fill set (see the header comment). */
        if ((e->tag[HV_ACC_WRITE] & ~HV_TLB_FAR) == page &&
            is_code_page(cpu, (va + e->addend) & PAGE_MASK))
            e->tag[HV_ACC_WRITE] |= HV_TLB_CODE;
        /* A policy that reports RAM must fill the entry; treat a broken fill as an access
         * fault rather than looping. */
        tag = e->tag[acc] & ~HV_TLB_FLAGS;
        if (tag != page)
            return hv__cpu_raise(cpu, access_fault(acc), va);
    }
    out->host = (void *)(uintptr_t)(va + e->addend);
    if (cpu->hk.mem)
        hk_filter(cpu, e, page);
    if (acc == HV_ACC_WRITE)
        out->is_code = (e->tag[HV_ACC_WRITE] & HV_TLB_CODE) != 0;
    return HV_STEP_OK;
}

static uint64_t read_host(const void *p, unsigned size)
{
    switch (size) {
    case 1: return *(const uint8_t *)p;
    case 2: return *(const uint16_t *)p;
    case 4: return *(const uint32_t *)p;
    default: return *(const uint64_t *)p;
    }
}

static void write_host(void *p, unsigned size, uint64_t val)
{
    switch (size) {
    case 1: *(uint8_t *)p = (uint8_t)val; break;
    case 2: *(uint16_t *)p = (uint16_t)val; break;
    case 4: *(uint32_t *)p = (uint32_t)val; break;
    default: *(uint64_t *)p = val; break;
    }
}

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* Hooks on a slow-path access (cpu.h): an access fault may be resolved by an
 * invalid-access hook (true: *val is the result), a completed access is reported. */
static bool hk_invalid(struct hv_cpu *cpu, int r, enum hv_access acc, uint64_t va,
                       unsigned size, uint64_t *val)
{
    if (r != HV_STEP_TRAP || !cpu->hk.invalid || cpu->trap_cause != access_fault(acc))
        return false;
    uint64_t v = 0;
    if (!cpu->hk.ops->invalid(cpu, acc, va, size, &v) && !cpu->hk.stop)
        return false;
    *val = v & size_mask(size);
    return true;
}

static void hk_mem(struct hv_cpu *cpu, enum hv_access acc, uint64_t va, const struct hv_xlat *x,
                   unsigned size, uint64_t val)
{
    cpu->hk.ops->mem(cpu, acc, va, (uintptr_t)x->host, x->pa, x->is_mmio, size,
                     val & size_mask(size));
}

/* One naturally aligned access that does not cross a page. */
static int load_aligned(struct hv_cpu *cpu, uint64_t va, unsigned size, uint64_t *val)
{
    struct hv_xlat x;
    int r = hv__cpu_translate(cpu, va, HV_ACC_READ, &x);
    if (r != HV_STEP_OK)
        return hk_invalid(cpu, r, HV_ACC_READ, va, size, val) ? HV_STEP_OK : r;
    if (x.is_mmio) {
        uint64_t v = 0;
        r = cpu->policy->mmio(cpu, x.pa, size, &v, false);
        if (r == HV_STEP_OK)
            *val = v & size_mask(size);
        else if (hk_invalid(cpu, r, HV_ACC_READ, va, size, val))
            return HV_STEP_OK;
        if (r == HV_STEP_OK && cpu->hk.mem)
            hk_mem(cpu, HV_ACC_READ, va, &x, size, *val);
        return r;
    }
    *val = read_host(x.host, size);
    if (cpu->hk.mem)
        hk_mem(cpu, HV_ACC_READ, va, &x, size, *val);
    return HV_STEP_OK;
}

static int store_aligned(struct hv_cpu *cpu, uint64_t va, unsigned size, uint64_t val)
{
    struct hv_xlat x;
    uint64_t ignored;
    int r = hv__cpu_translate(cpu, va, HV_ACC_WRITE, &x);
    if (r != HV_STEP_OK)
        return hk_invalid(cpu, r, HV_ACC_WRITE, va, size, &ignored) ? HV_STEP_OK : r;
    if (x.is_mmio) {
        uint64_t v = val & size_mask(size);
        r = cpu->policy->mmio(cpu, x.pa, size, &v, true);
        if (r != HV_STEP_OK && hk_invalid(cpu, r, HV_ACC_WRITE, va, size, &ignored))
            return HV_STEP_OK;
        if (r == HV_STEP_OK && cpu->hk.mem)
            hk_mem(cpu, HV_ACC_WRITE, va, &x, size, val);
        return r;
    }
    write_host(x.host, size, val);
    if (x.is_code)
        cpu->engine_hooks->code_write(cpu, (uintptr_t)x.host, size);
    if (cpu->hk.mem)
        hk_mem(cpu, HV_ACC_WRITE, va, &x, size, val);
    return HV_STEP_OK;
}

int hv__cpu_load_slow(struct hv_cpu *cpu, uint64_t va, unsigned size, uint64_t *val)
{
    if (!(va & (size - 1)))
        return load_aligned(cpu, va, size, val);
    /* Misaligned: little-endian byte assembly; rd is written only on full success. */
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t b;
        int r = load_aligned(cpu, va + i, 1, &b);
        if (r != HV_STEP_OK) {
            if (r == HV_STEP_TRAP)
                cpu->trap_tval = va;
            return r;
        }
        v |= b << (8 * i);
    }
    *val = v;
    return HV_STEP_OK;
}

int hv__cpu_store_slow(struct hv_cpu *cpu, uint64_t va, unsigned size, uint64_t val)
{
    if (!(va & (size - 1)))
        return store_aligned(cpu, va, size, val);
    /* Probe both pages first so that a fault on the second writes nothing. */
    struct hv_xlat x;
    int r = hv__cpu_translate(cpu, va, HV_ACC_WRITE, &x);
    if (r == HV_STEP_OK && ((va + size - 1) & PAGE_MASK) != (va & PAGE_MASK))
        r = hv__cpu_translate(cpu, va + size - 1, HV_ACC_WRITE, &x);
    if (r != HV_STEP_OK) {
        if (r == HV_STEP_TRAP)
            cpu->trap_tval = va;
        return r;
    }
    for (unsigned i = 0; i < size; i++) {
        r = store_aligned(cpu, va + i, 1, val >> (8 * i));
        if (r != HV_STEP_OK) {
            if (r == HV_STEP_TRAP)
                cpu->trap_tval = va;
            return r;
        }
    }
    return HV_STEP_OK;
}

/* One 16-bit instruction parcel; a fault reports the parcel's own address. */
static int fetch_parcel(struct hv_cpu *cpu, uint64_t va, uint16_t *out)
{
    struct hv_tlb_entry *e = hv__tlb_entry(cpu, va);
    if (e->tag[HV_ACC_EXEC] == (va & PAGE_MASK)) {
        memcpy(out, (const void *)(uintptr_t)(va + e->addend), 2);
        return HV_STEP_OK;
    }
    struct hv_xlat x;
    int r = hv__cpu_translate(cpu, va, HV_ACC_EXEC, &x);
    if (r != HV_STEP_OK)
        return r;
    if (x.is_mmio) {
        uint64_t v = 0;
        r = cpu->policy->mmio(cpu, x.pa, 2, &v, false);
        *out = (uint16_t)v;
        return r;
    }
    memcpy(out, x.host, 2);
    return HV_STEP_OK;
}

int hv__cpu_fetch(struct hv_cpu *cpu, uint64_t va, uint32_t *raw)
{
    uint16_t lo, hi;
    if (va & 1)
        return hv__cpu_raise(cpu, HV_EXC_INSN_MISALIGNED, va);
    int r = fetch_parcel(cpu, va, &lo);
    if (r != HV_STEP_OK)
        return r;
    if (hv__insn_len(lo) == 2) {
        *raw = lo;
        return HV_STEP_OK;
    }
    r = fetch_parcel(cpu, va + 2, &hi);
    if (r != HV_STEP_OK)
        return r;
    *raw = (uint32_t)lo | (uint32_t)hi << 16;
    return HV_STEP_OK;
}
