/* SPDX-License-Identifier: MIT */
/* libhv internal — zero-filled allocations for large per-vCPU tables (soft-TLB, translator
 * block pool and hash, jump cache). They come straight from mmap, not malloc: fresh
 * anonymous pages are zero without being written, so a table costs host memory only for
 * the pages a guest actually uses, every time. calloc gives that only for its first use of
 * fresh memory: once glibc has raised its mmap threshold (it does after the first large
 * free), calloc serves big blocks from recycled heap and memsets them whole, which made
 * each small VM's tables resident (examples/many_vms: +200 KiB per VM on a second round). */
#ifndef HV_CORE_ZALLOC_H
#define HV_CORE_ZALLOC_H

#include <stddef.h>
#include <sys/mman.h>

/* `size` zero bytes, or NULL. Free with hv__zfree(p, size) (the same size). */
static inline void *hv__zalloc(size_t size)
{
    void *p = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    /* Sparse by nature: with transparent huge pages "always", the first touch of a table
     * would zero a whole 2 MiB page inside the guest's run (hv bench saw 4-5 ms more on
     * short workloads, bimodally). Advice only. */
    (void)madvise(p, size ? size : 1, MADV_NOHUGEPAGE);
    return p;
}

static inline void hv__zfree(void *p, size_t size)
{
    if (p)
        munmap(p, size ? size : 1);
}

#endif
