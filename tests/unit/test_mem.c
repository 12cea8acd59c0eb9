/* SPDX-License-Identifier: MIT */
/* Unit tests for libhv/mem: reservation, regions (overlap, range, alignment), lazily
 * committed large RAM, guards, copies across regions, dirty log, change notification. */
#include <criterion/criterion.h>
#include <setjmp.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include "mem/mem.h"

static char err[512];

static struct hv_mem mk(uint64_t window)
{
    struct hv_mem m;
    cr_assert_eq(hv__mem_init(&m, window, err, sizeof err), 0, "%s", err);
    return m;
}

Test(mem, window_is_power_of_two_with_guard)
{
    struct hv_mem m = mk(0x80000000ull + (256ull << 20));
    cr_assert_eq(m.window, 1ull << 32);
    cr_assert_eq(m.reserved, 2 * m.window);
    hv__mem_fini(&m);
    m = mk(0x80000000ull + (16ull << 30));      /* 16 GiB RAM: 18 GiB window -> 32 GiB */
    cr_assert_eq(m.window, 1ull << 35);
    hv__mem_fini(&m);
}

Test(mem, sixteen_gib_ram_is_reserved_lazily)
{
    struct hv_mem m = mk(0x80000000ull + (16ull << 30));
    cr_assert_eq(hv__mem_map(&m, 0x80000000, 16ull << 30, HV_REGION_RAM, HV_MEM_RAM, err,
                             sizeof err), 0, "%s", err);
    /* Touch one byte at each end; only those pages get committed. */
    uint8_t *lo = hv__mem_hva(&m, 0x80000000, 1), *hi = hv__mem_hva(&m, 0x80000000 + (16ull << 30) - 1, 1);
    cr_assert_not_null(lo);
    cr_assert_not_null(hi);
    *lo = 1;
    *hi = 2;
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size, resident;
    cr_assert_eq(fscanf(f, "%lu %lu", &size, &resident), 2);
    fclose(f);
    cr_assert_lt(resident * 4096ul, 1ul << 30, "resident %lu pages: RAM was committed", resident);
    hv__mem_fini(&m);
}

Test(mem, overlap_range_alignment_rejected)
{
    struct hv_mem m = mk(1ull << 32);
    cr_assert_eq(hv__mem_map(&m, 0x80000000, 0x100000, HV_REGION_RAM, HV_MEM_RAM, err, sizeof err), 0);
    cr_assert_eq(hv__mem_map(&m, 0x800ff000, 0x2000, HV_REGION_RAM, HV_MEM_RAM, err, sizeof err), HV_EEXIST);
    cr_assert(strstr(err, "overlaps"), "%s", err);
    cr_assert_eq(hv__mem_map(&m, 0x7ffff000, 0x2000, HV_REGION_RAM, HV_MEM_RAM, err, sizeof err), HV_EEXIST);
    cr_assert_eq(hv__mem_add_mmio(&m, 0x80000800, 8, NULL, NULL, err, sizeof err), HV_EEXIST);
    cr_assert_eq(hv__mem_map(&m, 0x1001, 0x1000, HV_REGION_RAM, HV_MEM_RAM, err, sizeof err), HV_EINVAL);
    cr_assert_eq(hv__mem_map(&m, 0x1000, 0, HV_REGION_RAM, HV_MEM_RAM, err, sizeof err), HV_EINVAL);
    cr_assert_eq(hv__mem_map(&m, 0xfffff000, 0x2000, HV_REGION_RAM, HV_MEM_RAM, err, sizeof err), HV_ERANGE);
    cr_assert_eq(hv__mem_map(&m, ~0xfffull, 0x1000, HV_REGION_RAM, HV_MEM_RAM, err, sizeof err), HV_ERANGE);
    /* Adjacent regions are fine. */
    cr_assert_eq(hv__mem_map(&m, 0x80100000, 0x1000, HV_REGION_ROM, HV_MEM_ROM, err, sizeof err), 0);
    cr_assert_eq(hv__mem_add_mmio(&m, 0x10000000, 0x100, NULL, NULL, err, sizeof err), 0);
    cr_assert_eq(m.nr_regions, 3);
    cr_assert(m.regions[0].gpa < m.regions[1].gpa && m.regions[1].gpa < m.regions[2].gpa);
    hv__mem_fini(&m);
}

Test(mem, find_and_hva_bounds)
{
    struct hv_mem m = mk(1ull << 32);
    hv__mem_map(&m, 0x1000, 0x1000, HV_REGION_ROM, HV_MEM_ROM, err, sizeof err);
    hv__mem_map(&m, 0x80000000, 0x10000, HV_REGION_RAM, HV_MEM_RAM, err, sizeof err);
    hv__mem_add_mmio(&m, 0x10000000, 0x100, NULL, NULL, err, sizeof err);
    cr_assert_null(hv__mem_find(&m, 0xfff));
    cr_assert_eq(hv__mem_find(&m, 0x1fff)->gpa, 0x1000);
    cr_assert_null(hv__mem_find(&m, 0x2000));
    cr_assert_eq(hv__mem_find(&m, 0x100000ff)->kind, HV_REGION_MMIO);
    cr_assert_eq(hv__mem_hva(&m, 0x80000000, 0x10000), m.base + 0x80000000);
    cr_assert_null(hv__mem_hva(&m, 0x80000001, 0x10000));   /* runs off the end */
    cr_assert_null(hv__mem_hva(&m, 0x10000000, 4));         /* MMIO has no host memory */
    cr_assert_null(hv__mem_hva(&m, 0x7fffffff, 2));
    cr_assert_null(hv__mem_hva(&m, ~0ull, 2));
    hv__mem_fini(&m);
}

static sigjmp_buf jb;
static void on_segv(int s) { siglongjmp(jb, 1); }

Test(mem, holes_and_guard_fault)
{
    struct hv_mem m = mk(1ull << 32);
    hv__mem_map(&m, 0x80000000, 0x10000, HV_REGION_RAM, HV_MEM_RAM, err, sizeof err);
    signal(SIGSEGV, on_segv);
    volatile uint8_t *targets[] = { m.base + 0x80010000, m.base + 0x7ffff000,
                                    m.base + m.window, m.base + m.window + m.window - 1 };
    for (unsigned i = 0; i < 4; i++) {
        if (sigsetjmp(jb, 1) == 0) {
            (void)*targets[i];
            cr_assert_fail("access %u outside mapped RAM did not fault", i);
        }
    }
    signal(SIGSEGV, SIG_DFL);
    hv__mem_fini(&m);
}

Test(mem, copy_across_adjacent_regions_and_faults)
{
    struct hv_mem m = mk(1ull << 32);
    hv__mem_map(&m, 0x80000000, 0x1000, HV_REGION_RAM, HV_MEM_RAM, err, sizeof err);
    hv__mem_map(&m, 0x80001000, 0x1000, HV_REGION_ROM, HV_MEM_ROM, err, sizeof err);
    uint8_t buf[64], out[64];
    for (int i = 0; i < 64; i++)
        buf[i] = (uint8_t)i;
    cr_assert_eq(hv__mem_write(&m, 0x80000fe0, buf, 64), 0);
    cr_assert_eq(hv__mem_read(&m, 0x80000fe0, out, 64), 0);
    cr_assert_arr_eq(buf, out, 64);
    /* A range that leaves memory fails as a whole and writes nothing. */
    memset(out, 0xee, sizeof out);
    cr_assert_eq(hv__mem_write(&m, 0x80001fe0, out, 64), HV_EFAULT);
    cr_assert_eq(hv__mem_read(&m, 0x80001fe0, buf, 32), 0);
    cr_assert_neq(buf[0], 0xee);
    cr_assert_eq(hv__mem_read(&m, ~0ull - 8, buf, 32), HV_EFAULT);
    cr_assert_eq(hv__mem_read(&m, 0x80000000, buf, 0), 0);
    hv__mem_fini(&m);
}

static void collect(void *opaque, uint64_t gpa)
{
    uint64_t *v = opaque;
    v[++v[0]] = gpa;
}

Test(mem, dirty_log)
{
    struct hv_mem m = mk(1ull << 32);
    hv__mem_map(&m, 0x80000000, 0x100000, HV_REGION_RAM, HV_MEM_RAM, err, sizeof err);
    cr_assert_eq(hv__mem_dirty_scan(&m, NULL, NULL, false), 0);
    uint32_t v = 1;
    hv__mem_write(&m, 0x80000ffe, &v, 4);          /* straddles pages 0 and 1 */
    hv__mem_mark_dirty(&m, 0x80040000, 1);
    cr_assert(hv__mem_is_dirty(&m, 0x80001000));
    cr_assert_not(hv__mem_is_dirty(&m, 0x80002000));
    uint64_t got[16] = { 0 };
    cr_assert_eq(hv__mem_dirty_scan(&m, collect, got, true), 3);
    cr_assert_eq(got[0], 3);
    cr_assert_eq(got[1], 0x80000000);
    cr_assert_eq(got[2], 0x80001000);
    cr_assert_eq(got[3], 0x80040000);
    cr_assert_eq(hv__mem_dirty_scan(&m, NULL, NULL, false), 0, "scan with clear must reset");
    hv__mem_fini(&m);
}

static void on_change(void *opaque, uint64_t gpa, uint64_t size)
{
    uint64_t *v = opaque;
    v[0]++;
    v[1] = gpa;
    v[2] = size;
}

Test(mem, change_notification_and_unmap)
{
    struct hv_mem m = mk(1ull << 32);
    uint64_t seen[3] = { 0 };
    m.notify = on_change;
    m.notify_opaque = seen;
    hv__mem_map(&m, 0x80000000, 0x2000, HV_REGION_RAM, HV_MEM_RAM, err, sizeof err);
    cr_assert_eq(seen[0], 1);
    *hv__mem_hva(&m, 0x80000000, 1) = 0x5a;
    cr_assert_eq(hv__mem_unmap(&m, 0x80000000, err, sizeof err), 0);
    cr_assert_eq(seen[0], 2);
    cr_assert_eq(seen[1], 0x80000000);
    cr_assert_eq(seen[2], 0x2000);
    cr_assert_null(hv__mem_hva(&m, 0x80000000, 1));
    cr_assert_eq(hv__mem_unmap(&m, 0x80000000, err, sizeof err), HV_ENOENT);
    /* Remapped memory is zero again. */
    hv__mem_map(&m, 0x80000000, 0x2000, HV_REGION_RAM, HV_MEM_RAM, err, sizeof err);
    cr_assert_eq(*hv__mem_hva(&m, 0x80000000, 1), 0);
    hv__mem_fini(&m);
}

Test(mem, region_limit)
{
    struct hv_mem m = mk(1ull << 32);
    for (unsigned i = 0; i < HV_MEM_MAX_REGIONS; i++)
        cr_assert_eq(hv__mem_add_mmio(&m, 0x10000000 + i * 0x1000, 0x100, NULL, NULL, err, sizeof err), 0);
    cr_assert_eq(hv__mem_add_mmio(&m, 0x20000000, 0x100, NULL, NULL, err, sizeof err), HV_ELIMIT);
    hv__mem_fini(&m);
}

/* Issue 17, item 7: lookups share no mutable cache. Device back-ends on several vCPU
 * threads look up ranges at once; a cache written by one thread (the old last_hit) could
 * make another thread read the wrong region's flags between its lookup and its check. Two
 * threads hammer a writable and a read-only region: each must always see its own region,
 * and the map itself must be byte-for-byte untouched by lookups. */
#include <pthread.h>

struct lookup_arg {
    struct hv_mem *m;
    uint64_t gpa;
    unsigned flags;
    unsigned wrong;
};

static void *lookup_loop(void *p)
{
    struct lookup_arg *a = p;
    for (unsigned i = 0; i < 2000000; i++) {
        const struct hv_region *r = NULL;
        if (!hv__mem_hva_region(a->m, a->gpa + (i & 0xff0), 16, &r) || r->flags != a->flags)
            a->wrong++;
    }
    return NULL;
}

Test(mem, lookups_share_no_mutable_state)
{
    struct hv_mem m = mk(0x80000000ull + (16ull << 20));
    cr_assert_eq(hv__mem_map(&m, 0x1000, 0x1000, HV_REGION_ROM, HV_MEM_READ | HV_MEM_EXEC, err,
                             sizeof err), 0, "%s", err);
    cr_assert_eq(hv__mem_map(&m, 0x80000000, 16ull << 20, HV_REGION_RAM, HV_MEM_RAM, err,
                             sizeof err), 0, "%s", err);
    static struct hv_mem before;
    memcpy(&before, &m, sizeof m);
    struct lookup_arg ram = { &m, 0x80001000, HV_MEM_RAM, 0 };
    struct lookup_arg rom = { &m, 0x1000, HV_MEM_READ | HV_MEM_EXEC, 0 };
    pthread_t t;
    pthread_create(&t, NULL, lookup_loop, &rom);
    lookup_loop(&ram);
    pthread_join(t, NULL);
    cr_assert_eq(ram.wrong, 0);
    cr_assert_eq(rom.wrong, 0);
    cr_assert_eq(memcmp(&before, &m, sizeof m), 0, "a lookup wrote the map");
    hv__mem_fini(&m);
}
