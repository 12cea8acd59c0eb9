/* SPDX-License-Identifier: MIT */
/* libhv cpu/x86 — the code cache: memory that generated host code is written to and run
 * from. One shared-memory object is mapped twice, a read-write view for the emitter and a
 * read-execute view for the CPU, so no page is ever writable and executable at once (W^X).
 *
 * Ownership: one cache per translator instance, and the translator is per vCPU, so a cache
 * is only ever written and executed by its vCPU's thread and needs no locking. Allocation
 * is a bump pointer; when it is full the whole cache is flushed (QEMU-style) and the
 * generation counter advances: anything that remembers a code pointer also remembers the
 * generation it was taken in and drops the pointer when hv__cc_generation() differs.
 *
 * Patching already-emitted code (block chaining) goes through the RW view. x86 keeps the
 * instruction cache coherent with data stores, and the executing thread is the one that
 * patches, so no serialisation is needed. If a cache were ever shared between vCPU threads
 * (cross-modifying code), a patch would only be safe as one atomic store to a naturally
 * aligned 4-byte displacement (hv__x86_jmp_patchable() emits such jumps): other threads
 * then see either the old or the new target, never a torn one; anything longer needs the
 * SDM's cross-modifying-code protocol (stop the other threads, or make them execute a
 * serialising instruction after the write). */
#ifndef HV_CPU_X86_CODECACHE_H
#define HV_CPU_X86_CODECACHE_H

#include <stddef.h>
#include <stdint.h>
#include "cpu/x86/emit.h"

/* Which backing objects hv__cc_init may use (tests force the fallbacks with these). */
enum {
    HV_CC_NO_MEMFD = 1,     /* skip memfd_create */
    HV_CC_NO_SHM = 2,       /* skip shm_open */
    HV_CC_NO_TMPFILE = 4    /* skip the unlinked temporary file */
};

struct hv__cc {
    uint8_t *rw;            /* writable view (emit and patch here) */
    uint8_t *rx;            /* executable view (run here) */
    size_t size;            /* bytes in each view (a page multiple) */
    size_t used;            /* bump pointer: [0, used) holds code */
    size_t filled;          /* [0, filled) has been filled with int3 (or holds code) */
    uint64_t generation;    /* advanced by every flush; starts at 1 */
    uint64_t flushes;
    const char *backing;    /* "memfd", "shm" or "tmpfile" (static string) */
};

/* Create a cache of at least `size` bytes (rounded up to pages). `flags` from the enum
 * above, normally 0. Fails with HV_ENOMEM / HV_ENOTSUP (no backing object can be mapped
 * executable; never falls back to an RWX mapping) and a message in err. */
int hv__cc_init(struct hv__cc *cc, size_t size, unsigned flags, char *err, size_t errlen);

/* Unmap both views. Accepts a zeroed or already-finalised cache. */
void hv__cc_fini(struct hv__cc *cc);

/* Drop all code: the bump pointer returns to 0 and the generation advances. The freed
 * bytes are filled with int3 so a stale jump into them traps instead of running new code. */
void hv__cc_flush(struct hv__cc *cc);

static inline uint64_t hv__cc_generation(const struct hv__cc *cc)
{
    return cc->generation;
}

/* Reserve n bytes aligned to `align` (a power of two); returns the RW address, or NULL when
 * the cache is full (the caller flushes and retries). */
void *hv__cc_alloc(struct hv__cc *cc, size_t n, size_t align);

/* Start a block: b covers all remaining space (16-byte aligned start) and executes at the
 * corresponding RX address. Nothing is reserved until hv__cc_commit(). */
void hv__cc_begin(struct hv__cc *cc, struct hv__x86_buf *b);

/* Finish a block begun with hv__cc_begin: reserve what was emitted and return the block's
 * RX entry address, or NULL when b overflowed or is invalid (nothing is reserved; on
 * overflow the caller flushes and translates again). */
void *hv__cc_commit(struct hv__cc *cc, const struct hv__x86_buf *b);

/* RW <-> RX address of the same byte. */
static inline void *hv__cc_rx(const struct hv__cc *cc, const void *rw)
{
    return cc->rx + ((const uint8_t *)rw - cc->rw);
}

static inline void *hv__cc_rw(const struct hv__cc *cc, const void *rx)
{
    return cc->rw + ((const uint8_t *)rx - cc->rx);
}

static inline int hv__cc_contains_rx(const struct hv__cc *cc, const void *rx)
{
    const uint8_t *p = (const uint8_t *)rx;
    return p >= cc->rx && p < cc->rx + cc->used;
}

/* Re-point the rel32 displacement at RX address `field` (4 bytes, ending its jump/call) to
 * RX address `target`. Returns 0, or HV_ERANGE if field is outside the cache's code or the
 * target is out of rel32 reach. An aligned field is written with one atomic store. */
int hv__cc_patch_rel32(struct hv__cc *cc, uintptr_t field, uintptr_t target);

#endif
