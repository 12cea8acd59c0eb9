/* SPDX-License-Identifier: MIT */
/* libhv para backend — internal header of the hypercall dispatcher (hcall.c) and the SBI
 * extensions kept in sbi.c: one call in flight, what a handler did, and the per-extension
 * function tables the dispatcher walks. */
#ifndef HV_PARA_HCALL_H
#define HV_PARA_HCALL_H

#include "backends/para/para.h"

/* One call in flight: arguments in, sbiret out. */
struct call {
    struct hvp_vcpu *h;
    uint64_t eid, fid;
    uint64_t a[6];
    int64_t error;
    uint64_t value;
    bool batch;                 /* inside MULTICALL */
    bool legacy;                /* an SBI v0.1 call: the answer is a0 only */
};
#define LEGACY_EID_END 0x10u    /* EIDs below BASE are the v0.1 legacy calls */

/* What a handler did. */
enum { DONE = 0, EXIT = 1, JUMP = 2, AGAIN = 3 };
/* A JUMP handler sets h->vcpu->cpu.pc-to-be in jump_to; EXIT handlers recorded the exit;
 * AGAIN handlers recorded an exit before which the ECALL must not retire. */

typedef int (*call_fn)(struct call *c, uint64_t *jump_to);

#define NOBATCH 1u              /* refused inside MULTICALL (control flow or exits) */
struct fn_desc {
    call_fn fn;
    unsigned flags;
};
struct ext_desc {
    uint64_t eid;
    const struct fn_desc *fns;
    unsigned nr;
};

static inline int ret(struct call *c, int64_t error, uint64_t value)
{
    c->error = error;
    c->value = value;
    return DONE;
}

/* sbi.c: the extensions for S-mode kernels (IPI, RFENCE, HSM) and the legacy v0.1 calls
 * Linux's early console uses. Legacy EIDs 0x00..0x0F ignore a6 and answer in a0 only. */
extern const struct ext_desc hvp_sbi_ipi, hvp_sbi_rfence, hvp_sbi_hsm;
extern const struct ext_desc hvp_sbi_legacy[];
extern const unsigned hvp_sbi_nr_legacy;
/* TIME.set_timer and SRST.system_reset (hcall.c keeps their tables). */
int hvp_sbi_set_timer(struct call *c, uint64_t *jump_to);
int hvp_sbi_reset(struct call *c, uint64_t *jump_to);

#endif
