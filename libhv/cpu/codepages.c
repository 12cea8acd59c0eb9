/* SPDX-License-Identifier: MIT */
/* libhv cpu — the set of host pages holding cached code (codepages.h). */
#include <stdlib.h>
#include "cpu/codepages.h"

#define PAGE_MASK (~(uintptr_t)0xfff)

static unsigned page_hash(uintptr_t page)
{
    return (unsigned)((page >> 12) ^ (page >> 22)) & ((1u << HV_CODE_PAGE_HASH_BITS) - 1);
}

/* Chunk bits (64-byte granularity) covering [off, off+len) within one page. */
static uint64_t chunk_bits(unsigned off, unsigned len)
{
    unsigned first = off / 64, last = (off + len - 1) / 64;
    uint64_t hi = last >= 63 ? ~0ull : (2ull << last) - 1;
    return hi & ~((1ull << first) - 1);
}

struct hv_code_page *hv__code_page_find(const struct hv_code_pages *s, uintptr_t page)
{
    struct hv_code_page *cp = s->hash[page_hash(page)];
    while (cp && cp->page != page)
        cp = cp->next;
    return cp;
}

struct hv_code_page *hv__code_page_add(struct hv_code_pages *s, struct hv_cpu *cpu,
                                       uintptr_t host, unsigned len)
{
    uintptr_t page = host & PAGE_MASK;
    struct hv_code_page *cp = hv__code_page_find(s, page);
    if (!cp) {
        cp = calloc(1, sizeof(*cp));
        if (!cp)
            return NULL;
        cp->page = page;
        unsigned h = page_hash(page);
        cp->next = s->hash[h];
        s->hash[h] = cp;
        /* From now on stores to this page reach the slow path (cpu.c). */
        hv__cpu_tlb_mark_code(cpu, page);
    }
    if (len)
        cp->chunks |= chunk_bits((unsigned)(host - page), len);
    return cp;
}

bool hv__code_page_overlaps(const struct hv_code_page *cp, unsigned off, unsigned len)
{
    return cp && len && (cp->chunks & chunk_bits(off, len)) != 0;
}

bool hv__code_pages_overlap(const struct hv_code_pages *s, uintptr_t host, unsigned len)
{
    if (!len)
        return false;
    uintptr_t page = host & PAGE_MASK, end_page = (host + len - 1) & PAGE_MASK;
    unsigned off = (unsigned)(host - page);
    if (end_page == page)
        return hv__code_page_overlaps(hv__code_page_find(s, page), off, len);
    return hv__code_page_overlaps(hv__code_page_find(s, page), off, 4096 - off) ||
           hv__code_page_overlaps(hv__code_page_find(s, end_page), 0,
                                  (unsigned)(host + len - end_page));
}

void hv__code_page_remove(struct hv_code_pages *s, struct hv_cpu *cpu, uintptr_t page)
{
    struct hv_code_page **pp = &s->hash[page_hash(page)];
    while (*pp && (*pp)->page != page)
        pp = &(*pp)->next;
    struct hv_code_page *cp = *pp;
    if (!cp)
        return;
    *pp = cp->next;
    free(cp->shadow);
    free(cp);
    hv__cpu_tlb_unmark_code(cpu, page);
}

void hv__code_pages_clear(struct hv_code_pages *s, struct hv_cpu *cpu,
                          void (*each)(struct hv_code_page *cp, void *opaque), void *opaque)
{
    for (unsigned i = 0; i < (1u << HV_CODE_PAGE_HASH_BITS); i++) {
        while (s->hash[i]) {
            struct hv_code_page *cp = s->hash[i];
            s->hash[i] = cp->next;
            if (each)
                each(cp, opaque);
            free(cp->shadow);
            free(cp);
        }
    }
    /* No page holds code now: drop every code flag from the soft-TLB (victims included). */
    for (uint32_t u = 0; u < cpu->tlb_nused; u++) {
        struct hv_tlb_entry *e = &cpu->tlb[cpu->tlb_used[u]];
        if (e->tag[HV_ACC_WRITE] != HV_TLB_INVALID)
            e->tag[HV_ACC_WRITE] &= ~HV_TLB_CODE;
    }
    for (unsigned v = 0; v < HV_TLB_VICTIMS; v++) {
        struct hv_tlb_entry *e = &cpu->tlb_victim[v];
        if (e->tag[HV_ACC_WRITE] != HV_TLB_INVALID)
            e->tag[HV_ACC_WRITE] &= ~HV_TLB_CODE;
    }
}
