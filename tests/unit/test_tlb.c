/* SPDX-License-Identifier: MIT */
/* Unit tests for the soft-TLB services in libhv/cpu/cpu.c, under a minimal policy that maps
 * a handful of guest pages to host buffers and counts its fills: pages that share an index
 * are served from the victim entries instead of refilling each other; flushes and write-tag
 * drops reach the victims too; the used list makes a flush forget exactly what was filled. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "cpu/cpu.h"

#define SPAN ((uint64_t)HV_TLB_SIZE << 12)   /* pages SPAN apart share an index */
#define BASE 0x80000000ull

static uint8_t host[8][4096] __attribute__((aligned(4096)));
static unsigned fills[3];

static int fill(struct hv_cpu *cpu, uint64_t va, enum hv_access acc, uint64_t *pa, bool *mmio)
{
    (void)pa;
    *mmio = false;
    uint64_t page = va & ~0xfffull;
    uint64_t k = (page - BASE) / SPAN;
    if (page < BASE || (page - BASE) % SPAN || k >= 8)
        return hv__cpu_raise(cpu, HV_EXC_LOAD_PAGE, va);
    struct hv_tlb_entry *e = hv__tlb_entry(cpu, va);
    for (int t = 0; t < 3; t++)
        if (e->tag[t] != page)
            e->tag[t] = HV_TLB_INVALID;
    e->addend = (uint64_t)(uintptr_t)host[k] - page;
    e->tag[HV_ACC_READ] = e->tag[HV_ACC_WRITE] = page;
    fills[acc]++;
    return HV_STEP_OK;
}

static const struct hv_cpu_policy policy = { .tlb_fill = fill };

static struct hv_cpu *new_cpu(void)
{
    struct hv_cpu *cpu = calloc(1, sizeof(*cpu));
    cr_assert_not_null(cpu);
    cpu->policy = &policy;
    hv__cpu_reset(cpu, BASE);
    memset(fills, 0, sizeof fills);
    return cpu;
}

static uint8_t *at(struct hv_cpu *cpu, uint64_t va, enum hv_access acc)
{
    struct hv_xlat x;
    cr_assert_eq(hv__cpu_translate(cpu, va, acc, &x), HV_STEP_OK, "va %#llx",
                 (unsigned long long)va);
    return x.host;
}

Test(tlb, pages_sharing_an_index_come_back_from_the_victims)
{
    struct hv_cpu *cpu = new_cpu();
    for (int round = 0; round < 100; round++)
        for (uint64_t k = 0; k < 4; k++)
            cr_assert_eq(at(cpu, BASE + k * SPAN + 8, HV_ACC_READ), &host[k][8]);
    cr_assert_eq(fills[HV_ACC_READ], 4, "%u fills for 4 pages", fills[HV_ACC_READ]);
    /* More pages than victims + 1 for one index: now they do refill. */
    for (int round = 0; round < 3; round++)
        for (uint64_t k = 0; k < 8; k++)
            at(cpu, BASE + k * SPAN, HV_ACC_READ);
    cr_assert_leq(fills[HV_ACC_READ], 4 + 8 * 3);
    free(cpu);
}

Test(tlb, flush_and_write_drops_reach_the_victims)
{
    struct hv_cpu *cpu = new_cpu();
    at(cpu, BASE, HV_ACC_WRITE);
    at(cpu, BASE + SPAN, HV_ACC_WRITE);     /* evicts BASE into a victim */
    cr_assert_eq(fills[HV_ACC_WRITE], 2);
    hv__cpu_tlb_drop_writes(cpu);
    at(cpu, BASE, HV_ACC_WRITE);            /* the victim lost its write tag: a refill */
    cr_assert_eq(fills[HV_ACC_WRITE], 3);
    at(cpu, BASE + SPAN, HV_ACC_READ);      /* reads survive the drop */
    cr_assert_eq(fills[HV_ACC_READ], 0);
    hv__cpu_tlb_flush(cpu);
    cr_assert_eq(cpu->tlb_nused, 0);
    at(cpu, BASE, HV_ACC_READ);
    at(cpu, BASE + SPAN, HV_ACC_READ);
    cr_assert_eq(fills[HV_ACC_READ], 2, "a flush empties the victims too");
    free(cpu);
}

Test(tlb, flush_forgets_exactly_the_used_entries)
{
    struct hv_cpu *cpu = new_cpu();
    for (uint64_t k = 0; k < 8; k++)
        at(cpu, BASE + k * SPAN, HV_ACC_READ);
    cr_assert_geq(cpu->tlb_nused, 1);
    hv__cpu_tlb_flush(cpu);
    for (unsigned i = 0; i < HV_TLB_SIZE; i++)
        for (int t = 0; t < 3; t++)
            cr_assert_eq(cpu->tlb[i].tag[t], HV_TLB_INVALID, "entry %u tag %d", i, t);
    free(cpu);
}
