/* SPDX-License-Identifier: MIT */
/* libhv para backend — the back-end side of the generic request/response ring used by the
 * block and net devices (Xen ring.h semantics, layout in hv/para.h). The back-end keeps its
 * own consumer/producer indices in struct hvp_dev and never trusts the guest's copies: a
 * req_prod more than one ring ahead breaks the device, rsp_prod is always rewritten from
 * the private index. */
#include "backends/para/para.h"

bool hvp_ring_map(struct hvp_vm *pv, const struct hvp_dev *d, uint32_t slot_size,
                  struct hvp_bring *r)
{
    if (!d->ring_gpa || d->broken)
        return false;
    uint64_t bytes = (uint64_t)HV_PAGE_SIZE << d->order;
    uint8_t *base = hvp_ram(pv, d->ring_gpa, bytes);
    if (!base)
        return false;
    r->hdr = (struct hvp_ring_hdr *)base;
    r->slots = base + sizeof(struct hvp_ring_hdr);
    r->nr = hvp_ring_slots(d->order, slot_size);
    r->slot_size = slot_size;
    return r->nr != 0;
}

int64_t hvp_ring_pending(const struct hvp_dev *d, const struct hvp_bring *r)
{
    uint32_t prod = __atomic_load_n(&r->hdr->req_prod, __ATOMIC_ACQUIRE);
    uint32_t n = prod - d->req_cons;
    return n > r->nr ? -1 : (int64_t)n;
}

bool hvp_ring_final_check(struct hvp_dev *d, const struct hvp_bring *r)
{
    __atomic_store_n(&r->hdr->req_event, d->req_cons + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return __atomic_load_n(&r->hdr->req_prod, __ATOMIC_ACQUIRE) != d->req_cons;
}

bool hvp_ring_push(struct hvp_vm *pv, struct hvp_dev *d, const struct hvp_bring *r,
                   uint32_t old)
{
    uint32_t new = d->rsp_prod;
    if (new == old)
        return false;
    __atomic_store_n(&r->hdr->rsp_prod, new, __ATOMIC_RELEASE);
    hv__mem_mark_dirty(&pv->vm->mem, d->ring_gpa, (uint64_t)HV_PAGE_SIZE << d->order);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    uint32_t event = __atomic_load_n(&r->hdr->rsp_event, __ATOMIC_ACQUIRE);
    return (uint32_t)(new - event) < (uint32_t)(new - old);
}

void hvp_ring_break(struct hvp_vm *pv, struct hvp_dev *d, const char *why)
{
    if (d->broken)
        return;
    d->broken = true;
    hv__log(pv->vm, HV_LOG_WARN, "para device %u: %s; device broken until reconnected",
            d->id, why);
}

void hvp_ring_reset(struct hvp_vm *pv, struct hvp_dev *d)
{
    d->req_cons = 0;
    d->rsp_prod = 0;
    d->broken = false;
    struct hvp_ring_hdr *hdr = hvp_ram(pv, d->ring_gpa, sizeof(*hdr));
    if (hdr)
        __atomic_store_n(&hdr->req_event, 1, __ATOMIC_RELEASE);
}
