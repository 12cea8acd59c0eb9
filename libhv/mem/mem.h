/* SPDX-License-Identifier: MIT */
/* libhv internal — the guest-physical address space of one VM.
 * One host reservation (PROT_NONE, MAP_NORESERVE) covers the whole guest-physical window,
 * so host address = base + gpa for every RAM/ROM byte; RAM is committed lazily by the host
 * kernel on first touch. Unmapped holes and the guard after the window stay PROT_NONE, so a
 * stray access through `base` faults instead of reaching other host memory. Regions (RAM,
 * ROM, MMIO) never overlap. Every region tracks dirty pages in a bitmap. */
#ifndef HV_MEM_MEM_H
#define HV_MEM_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hv/error.h"
#include "hv/vm.h"

#define HV_PAGE_SHIFT 12
#define HV_PAGE_SIZE (1ull << HV_PAGE_SHIFT)
#define HV_MEM_MAX_REGIONS 64

enum hv_region_kind { HV_REGION_RAM = 1, HV_REGION_ROM = 2, HV_REGION_MMIO = 3 };

struct hv_region {
    uint64_t gpa, size;
    enum hv_region_kind kind;
    unsigned flags;                  /* HV_MEM_READ/WRITE/EXEC */
    uint8_t *host;                   /* RAM/ROM: base + gpa; MMIO: NULL */
    uint64_t *dirty;                 /* RAM/ROM: one bit per page */
    const struct hv_mmio_ops *ops;   /* MMIO: NULL means exit to the embedder */
    void *opaque;
};

/* Called after the map changes (region added or removed) so backends can drop cached
 * translations. gpa/size describe the changed range. */
typedef void (*hv_mem_notify_fn)(void *opaque, uint64_t gpa, uint64_t size);

struct hv_mem {
    uint8_t *base;                   /* host address of gpa 0 */
    uint64_t window;                 /* size of the guest-physical window (power of two) */
    size_t reserved;                 /* bytes reserved = window + guard */
    struct hv_region regions[HV_MEM_MAX_REGIONS]; /* sorted by gpa */
    unsigned nr_regions;
    /* Index of the largest RAM region: the first place a lookup tries. Written only when
     * the map changes (never while a vCPU runs), so lookups from several vCPU threads and
     * device back-ends share no mutable state. */
    unsigned hint;
    hv_mem_notify_fn notify;
    void *notify_opaque;
    /* RAM regions of 2 MiB or more ask the host for transparent huge pages; when false
     * every region asks for 4 KiB pages (the VM's resolved cfg.hugepages). */
    bool huge_pages;
};

/* The guest-physical window's limit: RAM starts at 2 GiB on both boards, so guest RAM can
 * be at most HV_MEM_MAX_WINDOW - 2 GiB. */
#define HV_MEM_MAX_WINDOW (1ull << 40)

/* Reserve a window of at least `window` bytes (rounded up to a power of two, at least
 * 4 GiB) plus a guard of the same size. Nothing is committed. */
int hv__mem_init(struct hv_mem *mem, uint64_t window, char *err, size_t errlen);
void hv__mem_fini(struct hv_mem *mem);

/* Add a RAM/ROM region (zero-filled, committed on first touch) or an MMIO region. */
int hv__mem_map(struct hv_mem *mem, uint64_t gpa, uint64_t size, enum hv_region_kind kind,
                unsigned flags, char *err, size_t errlen);
int hv__mem_add_mmio(struct hv_mem *mem, uint64_t gpa, uint64_t size,
                     const struct hv_mmio_ops *ops, void *opaque, char *err, size_t errlen);
/* Remove the region starting at gpa; RAM is returned to the host (madvise/mmap). */
int hv__mem_unmap(struct hv_mem *mem, uint64_t gpa, char *err, size_t errlen);

/* Region containing gpa, or NULL. */
struct hv_region *hv__mem_find(struct hv_mem *mem, uint64_t gpa);

/* Host pointer for [gpa, gpa+len) when the whole range is inside one RAM/ROM region, else
 * NULL; *region (if not NULL) is set to that region. Does not mark dirty. The fast path is
 * one compare against the main RAM region. */
static inline uint8_t *hv__mem_hva_region(struct hv_mem *mem, uint64_t gpa, uint64_t len,
                                          const struct hv_region **region)
{
    const struct hv_region *r = &mem->regions[mem->hint];
    if (!(mem->nr_regions && r->host && gpa - r->gpa < r->size &&
          len <= r->size - (gpa - r->gpa))) {
        r = hv__mem_find(mem, gpa);
        if (!r || !r->host || len > r->size - (gpa - r->gpa))
            return NULL;
    }
    if (region)
        *region = r;
    return r->host + (gpa - r->gpa);
}

static inline uint8_t *hv__mem_hva(struct hv_mem *mem, uint64_t gpa, uint64_t len)
{
    return hv__mem_hva_region(mem, gpa, len, NULL);
}

/* Mark [gpa, gpa+len) dirty (no-op outside RAM/ROM). */
void hv__mem_mark_dirty(struct hv_mem *mem, uint64_t gpa, uint64_t len);

/* Copy to/from guest memory; the whole range must be RAM/ROM (may span regions).
 * Writes mark pages dirty. Returns 0 or HV_EFAULT (nothing copied). */
int hv__mem_read(struct hv_mem *mem, uint64_t gpa, void *buf, size_t len);
int hv__mem_write(struct hv_mem *mem, uint64_t gpa, const void *buf, size_t len);

/* Dirty log: call fn for each dirty page (gpa), then clear the log if `clear`. Returns the
 * number of dirty pages. */
typedef void (*hv_dirty_fn)(void *opaque, uint64_t gpa);
size_t hv__mem_dirty_scan(struct hv_mem *mem, hv_dirty_fn fn, void *opaque, bool clear);
bool hv__mem_is_dirty(struct hv_mem *mem, uint64_t gpa);

#endif
