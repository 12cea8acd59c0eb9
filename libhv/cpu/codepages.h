/* SPDX-License-Identifier: MIT */
/* libhv cpu — the host pages holding an engine's cached code, and which 64-byte chunks of
 * each hold it. Shared by the interpreter's block cache and the translator for cpu.c's
 * self-modifying-code protocol: a page's soft-TLB write tags are flagged while it holds
 * code (stores to it take the slow path), and a store only invalidates when the bytes it
 * writes overlap code, so data sharing a page with code costs a slow-path store but no
 * re-translation. */
#ifndef HV_CPU_CODEPAGES_H
#define HV_CPU_CODEPAGES_H

#include <stdbool.h>
#include <stdint.h>
#include "cpu/cpu.h"

#define HV_CODE_PAGE_HASH_BITS 10

struct hv_code_page {
    uintptr_t page;             /* host address of the page */
    uint64_t chunks;            /* bit i: bytes [64i, 64i+64) of the page hold cached code */
    struct hv_code_page *next;  /* hash chain */
    void *blocks;               /* the engine's own list of what it cached from the page */
    uint8_t *shadow;            /* NULL, or a 4 KiB copy of the page's code chunks as they
                                 * were when cached (an engine's own; freed with the page) */
};

struct hv_code_pages {
    struct hv_code_page *hash[1u << HV_CODE_PAGE_HASH_BITS];
};

/* The page record for host page `page`, or NULL. */
struct hv_code_page *hv__code_page_find(const struct hv_code_pages *s, uintptr_t page);

/* Record [host, host+len) (within one page) as cached code; a page seen for the first time
 * gets its soft-TLB write tags flagged. Returns the page record, NULL when out of memory
 * (the caller must then not cache the code). */
struct hv_code_page *hv__code_page_add(struct hv_code_pages *s, struct hv_cpu *cpu,
                                       uintptr_t host, unsigned len);

/* Do bytes [off, off+len) of the page (off + len <= 4096) overlap recorded code? */
bool hv__code_page_overlaps(const struct hv_code_page *cp, unsigned off, unsigned len);

/* Does a store of len bytes at host (possibly across a page end) overlap recorded code? */
bool hv__code_pages_overlap(const struct hv_code_pages *s, uintptr_t host, unsigned len);

/* Forget one page (the caller dropped what it cached from it) and unflag its write tags. */
void hv__code_page_remove(struct hv_code_pages *s, struct hv_cpu *cpu, uintptr_t page);

/* Forget every page; no page holds code any more, so every code flag goes. `each` (may be
 * NULL) sees each page record first, for the caller's own per-page state. */
void hv__code_pages_clear(struct hv_code_pages *s, struct hv_cpu *cpu,
                          void (*each)(struct hv_code_page *cp, void *opaque), void *opaque);

#endif
