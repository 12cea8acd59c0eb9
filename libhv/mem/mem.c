/* SPDX-License-Identifier: MIT */
/* libhv mem — guest-physical address space: one PROT_NONE host reservation per VM, RAM/ROM
 * regions committed lazily inside it, MMIO regions as bookkeeping only, per-page dirty
 * bitmaps. See mem.h for the invariants. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "core/err.h"
#include "mem/mem.h"

#define HUGE_ALIGN ((size_t)2 << 20)

#define MIN_WINDOW (1ull << 32)
#define MAX_WINDOW HV_MEM_MAX_WINDOW   /* 1 TiB of guest-physical space is plenty */

static uint64_t round_pow2(uint64_t v)
{
    uint64_t p = MIN_WINDOW;
    while (p < v && p < MAX_WINDOW)
        p <<= 1;
    return p;
}

int hv__mem_init(struct hv_mem *mem, uint64_t window, char *err, size_t errlen)
{
    memset(mem, 0, sizeof(*mem));
    if (window > MAX_WINDOW)
        return hv__errf(err, errlen, HV_ERANGE,
                        "guest-physical window of %#llx bytes exceeds the 1 TiB limit",
                        (unsigned long long)window);
    mem->window = round_pow2(window);
    /* The guard after the window is as large as the window itself, so any address formed
     * as base + (gpa & (window - 1)) + offset with offset < window faults inside our own
     * reservation instead of touching foreign host memory. */
    mem->reserved = (size_t)(mem->window * 2);
    /* Aligned to 2 MiB (reserve a little more, trim both ends) so that RAM at an aligned
     * guest address can be backed by transparent huge pages (hv__mem_map). */
    size_t slack = HUGE_ALIGN;
    uint8_t *p = mmap(NULL, mem->reserved + slack, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return hv__errf(err, errlen, HV_ENOMEM, "cannot reserve %zu bytes of address space: %s",
                        mem->reserved, strerror(errno));
    uint8_t *base = (uint8_t *)(((uintptr_t)p + HUGE_ALIGN - 1) & ~(uintptr_t)(HUGE_ALIGN - 1));
    if (base > p)
        munmap(p, (size_t)(base - p));
    if ((size_t)(p + slack - base) > 0)
        munmap(base + mem->reserved, (size_t)(p + slack - base));
    mem->base = base;
    return 0;
}

void hv__mem_fini(struct hv_mem *mem)
{
    if (!mem->base)
        return;
    for (unsigned i = 0; i < mem->nr_regions; i++)
        free(mem->regions[i].dirty);
    munmap(mem->base, mem->reserved);
    memset(mem, 0, sizeof(*mem));
}

struct hv_region *hv__mem_find(struct hv_mem *mem, uint64_t gpa)
{
    unsigned lo = 0, hi = mem->nr_regions;
    while (lo < hi) {                 /* regions are sorted and disjoint */
        unsigned mid = (lo + hi) / 2;
        struct hv_region *r = &mem->regions[mid];
        if (gpa < r->gpa)
            hi = mid;
        else if (gpa - r->gpa >= r->size)
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}

static void notify(struct hv_mem *mem, uint64_t gpa, uint64_t size)
{
    if (mem->notify)
        mem->notify(mem->notify_opaque, gpa, size);
}

/* Validate [gpa, gpa+size) and find its insertion index; fails on overlap. */
static int check_range(struct hv_mem *mem, uint64_t gpa, uint64_t size, bool need_align,
                       unsigned *index, char *err, size_t errlen)
{
    if (size == 0)
        return hv__errf(err, errlen, HV_EINVAL, "region at %#llx has size 0",
                        (unsigned long long)gpa);
    if (need_align && ((gpa | size) & (HV_PAGE_SIZE - 1)))
        return hv__errf(err, errlen, HV_EINVAL,
                        "region %#llx+%#llx is not 4 KiB aligned", (unsigned long long)gpa,
                        (unsigned long long)size);
    if (gpa >= mem->window || size > mem->window - gpa)
        return hv__errf(err, errlen, HV_ERANGE,
                        "region %#llx+%#llx lies outside the %#llx-byte guest-physical window",
                        (unsigned long long)gpa, (unsigned long long)size,
                        (unsigned long long)mem->window);
    if (mem->nr_regions >= HV_MEM_MAX_REGIONS)
        return hv__errf(err, errlen, HV_ELIMIT, "too many memory regions (max %d)",
                        HV_MEM_MAX_REGIONS);
    unsigned i = 0;
    while (i < mem->nr_regions && mem->regions[i].gpa < gpa)
        i++;
    const struct hv_region *prev = i ? &mem->regions[i - 1] : NULL;
    const struct hv_region *next = i < mem->nr_regions ? &mem->regions[i] : NULL;
    if ((prev && prev->gpa + prev->size > gpa) || (next && gpa + size > next->gpa)) {
        const struct hv_region *o = (prev && prev->gpa + prev->size > gpa) ? prev : next;
        return hv__errf(err, errlen, HV_EEXIST,
                        "region %#llx+%#llx overlaps region %#llx+%#llx",
                        (unsigned long long)gpa, (unsigned long long)size,
                        (unsigned long long)o->gpa, (unsigned long long)o->size);
    }
    *index = i;
    return 0;
}

/* The map changed: point the lookup hint at the largest RAM region. */
static void update_hint(struct hv_mem *mem)
{
    mem->hint = 0;
    for (unsigned i = 0; i < mem->nr_regions; i++)
        if (mem->regions[i].kind == HV_REGION_RAM &&
            (mem->regions[mem->hint].kind != HV_REGION_RAM ||
             mem->regions[i].size > mem->regions[mem->hint].size))
            mem->hint = i;
}

static void insert_region(struct hv_mem *mem, unsigned i, const struct hv_region *r)
{
    memmove(&mem->regions[i + 1], &mem->regions[i],
            (mem->nr_regions - i) * sizeof(mem->regions[0]));
    mem->regions[i] = *r;
    mem->nr_regions++;
    update_hint(mem);
}

int hv__mem_map(struct hv_mem *mem, uint64_t gpa, uint64_t size, enum hv_region_kind kind,
                unsigned flags, char *err, size_t errlen)
{
    unsigned i = 0;
    int rc;
    if (kind != HV_REGION_RAM && kind != HV_REGION_ROM)
        return hv__errf(err, errlen, HV_EINVAL, "hv__mem_map: kind must be RAM or ROM");
    if ((rc = check_range(mem, gpa, size, true, &i, err, errlen)) < 0)
        return rc;
    uint64_t pages = size >> HV_PAGE_SHIFT;
    uint64_t *dirty = calloc((pages + 63) / 64, sizeof(uint64_t));
    if (!dirty)
        return hv__errf(err, errlen, HV_ENOMEM, "no memory for the dirty bitmap");
    /* Host protection is always read-write: the library writes ROM when loading images, and
     * guest write protection is enforced by the backends (flags), not by the host MMU. */
    void *p = mmap(mem->base + gpa, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    if (p == MAP_FAILED) {
        free(dirty);
        return hv__errf(err, errlen, HV_ENOMEM, "cannot map %#llx bytes of guest memory: %s",
                        (unsigned long long)size, strerror(errno));
    }
    /* Guest RAM on transparent huge pages where the VM wants them (cfg.hugepages) and the
     * host allows it (as QEMU does): a guest walking a large working set misses the host's
     * TLB far less (Sv39 paging workload: see docs/BENCHMARKS.md). Otherwise 4 KiB pages,
     * also on hosts whose THP mode is "always": a small VM then costs the pages it touches,
     * not 2 MiB per touched range, and never waits for the host to compact memory. Advice
     * only: failure or THP "never" changes nothing. */
    if (kind == HV_REGION_RAM && mem->huge_pages && size >= HUGE_ALIGN)
        (void)madvise(p, size, MADV_HUGEPAGE);
    else
        (void)madvise(p, size, MADV_NOHUGEPAGE);
    struct hv_region r = { .gpa = gpa, .size = size, .kind = kind, .flags = flags,
                           .host = p, .dirty = dirty };
    insert_region(mem, i, &r);
    notify(mem, gpa, size);
    return 0;
}

int hv__mem_add_mmio(struct hv_mem *mem, uint64_t gpa, uint64_t size,
                     const struct hv_mmio_ops *ops, void *opaque, char *err, size_t errlen)
{
    unsigned i = 0;
    int rc;
    if ((rc = check_range(mem, gpa, size, false, &i, err, errlen)) < 0)
        return rc;
    struct hv_region r = { .gpa = gpa, .size = size, .kind = HV_REGION_MMIO,
                           .flags = HV_MEM_READ | HV_MEM_WRITE, .ops = ops, .opaque = opaque };
    insert_region(mem, i, &r);
    notify(mem, gpa, size);
    return 0;
}

int hv__mem_unmap(struct hv_mem *mem, uint64_t gpa, char *err, size_t errlen)
{
    unsigned i = 0;
    for (i = 0; i < mem->nr_regions; i++)
        if (mem->regions[i].gpa == gpa)
            break;
    if (i == mem->nr_regions)
        return hv__errf(err, errlen, HV_ENOENT, "no region starts at %#llx",
                        (unsigned long long)gpa);
    struct hv_region r = mem->regions[i];
    if (r.host) {
        /* Put PROT_NONE back so the hole faults again and the pages return to the host. */
        mmap(r.host, r.size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
             -1, 0);
    }
    free(r.dirty);
    memmove(&mem->regions[i], &mem->regions[i + 1],
            (mem->nr_regions - i - 1) * sizeof(mem->regions[0]));
    mem->nr_regions--;
    memset(&mem->regions[mem->nr_regions], 0, sizeof(mem->regions[0]));
    update_hint(mem);
    notify(mem, r.gpa, r.size);
    return 0;
}

static void mark_region_dirty(struct hv_region *r, uint64_t off, uint64_t len)
{
    if (!r->dirty || len == 0)
        return;
    uint64_t first = off >> HV_PAGE_SHIFT, last = (off + len - 1) >> HV_PAGE_SHIFT;
    for (uint64_t p = first; p <= last; p++)
        r->dirty[p / 64] |= 1ull << (p % 64);
}

void hv__mem_mark_dirty(struct hv_mem *mem, uint64_t gpa, uint64_t len)
{
    while (len) {
        struct hv_region *r = hv__mem_find(mem, gpa);
        if (!r)
            return;
        uint64_t off = gpa - r->gpa, n = r->size - off < len ? r->size - off : len;
        mark_region_dirty(r, off, n);
        gpa += n;
        len -= n;
    }
}

/* Check that [gpa, gpa+len) is entirely RAM/ROM, possibly across adjacent regions. */
static bool range_is_memory(struct hv_mem *mem, uint64_t gpa, uint64_t len)
{
    if (len && gpa + len < gpa)
        return false;
    while (len) {
        struct hv_region *r = hv__mem_find(mem, gpa);
        if (!r || !r->host)
            return false;
        uint64_t off = gpa - r->gpa, n = r->size - off < len ? r->size - off : len;
        gpa += n;
        len -= n;
    }
    return true;
}

static int copy(struct hv_mem *mem, uint64_t gpa, void *buf, size_t len, bool write)
{
    if (!range_is_memory(mem, gpa, len))
        return HV_EFAULT;
    uint8_t *b = buf;
    while (len) {
        struct hv_region *r = hv__mem_find(mem, gpa);
        uint64_t off = gpa - r->gpa, n = r->size - off < len ? r->size - off : len;
        if (write) {
            memcpy(r->host + off, b, n);
            mark_region_dirty(r, off, n);
        } else {
            memcpy(b, r->host + off, n);
        }
        gpa += n;
        b += n;
        len -= n;
    }
    return 0;
}

int hv__mem_read(struct hv_mem *mem, uint64_t gpa, void *buf, size_t len)
{
    return copy(mem, gpa, buf, len, false);
}

int hv__mem_write(struct hv_mem *mem, uint64_t gpa, const void *buf, size_t len)
{
    return copy(mem, gpa, (void *)buf, len, true);
}

size_t hv__mem_dirty_scan(struct hv_mem *mem, hv_dirty_fn fn, void *opaque, bool clear)
{
    size_t count = 0;
    for (unsigned i = 0; i < mem->nr_regions; i++) {
        struct hv_region *r = &mem->regions[i];
        if (!r->dirty)
            continue;
        uint64_t words = ((r->size >> HV_PAGE_SHIFT) + 63) / 64;
        for (uint64_t w = 0; w < words; w++) {
            uint64_t bits = r->dirty[w];
            if (!bits)
                continue;
            if (clear)
                r->dirty[w] = 0;
            while (bits) {
                unsigned b = (unsigned)__builtin_ctzll(bits);
                bits &= bits - 1;
                count++;
                if (fn)
                    fn(opaque, r->gpa + ((w * 64 + b) << HV_PAGE_SHIFT));
            }
        }
    }
    return count;
}

bool hv__mem_is_dirty(struct hv_mem *mem, uint64_t gpa)
{
    struct hv_region *r = hv__mem_find(mem, gpa);
    if (!r || !r->dirty)
        return false;
    uint64_t p = (gpa - r->gpa) >> HV_PAGE_SHIFT;
    return (r->dirty[p / 64] >> (p % 64)) & 1;
}
