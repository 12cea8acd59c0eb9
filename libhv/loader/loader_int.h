/* SPDX-License-Identifier: MIT */
/* libhv internal — helpers shared by the loader's source files (not used outside loader/).
 * Guest ranges are checked region by region so an image may span adjacent RAM/ROM regions,
 * matching what hv__mem_write accepts. */
#ifndef HV_LOADER_LOADER_INT_H
#define HV_LOADER_LOADER_INT_H

#include <stdbool.h>
#include <stdint.h>
#include "mem/mem.h"

/* True if every byte of [gpa, gpa+size) is RAM or ROM (possibly across several adjacent
 * regions). Otherwise false, with *bad = the first address that is not, and *is_mmio telling
 * whether it is MMIO (as opposed to unmapped). The caller has ruled out wrap-around. */
static inline bool hv__loader_range_ok(struct hv_mem *mem, uint64_t gpa, uint64_t size,
                                       uint64_t *bad, bool *is_mmio)
{
    while (size) {
        struct hv_region *r = hv__mem_find(mem, gpa);
        if (!r || !r->host) {
            *bad = gpa;
            *is_mmio = r != NULL;
            return false;
        }
        uint64_t room = r->size - (gpa - r->gpa);
        if (size <= room)
            return true;
        size -= room;
        gpa += room;
    }
    return true;
}

/* True if [off, off+size) lies inside a buffer of len bytes (no overflow for any input). */
static inline bool hv__loader_in_buf(size_t len, uint64_t off, uint64_t size)
{
    return off <= len && size <= len - off;
}

#endif
