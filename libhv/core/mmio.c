/* SPDX-License-Identifier: MIT */
/* libhv core — embedder MMIO regions (hv_vm_mmio_add) as both backends dispatch them: the
 * region's callbacks, or a KVM-style HV_EXIT_MMIO whose access is completed when the
 * instruction re-executes on the next run. The backends find the region and turn the
 * results into their own faults and exits (full: mmu.c, para: policy.c). */
#include "core/vm.h"

bool hv__mmio_complete(struct hv_vcpu *v, struct hv__mmio_pending *p, uint64_t pa,
                       unsigned size, uint64_t *val, bool write)
{
    if (!p->active)
        return false;
    p->active = false;
    if (p->pa != pa || p->size != size || p->write != write)
        return false;
    if (!write) {
        uint64_t d = v->last_exit.u.mmio.data;
        *val = size == 8 ? d : d & ((1ull << (8 * size)) - 1);
    }
    return true;
}

int hv__mmio_access(const struct hv_region *r, struct hv__mmio_pending *p,
                    struct hv_exit *exit, uint64_t pa, unsigned size, uint64_t *val,
                    bool write)
{
    if (!r->ops) {
        *p = (struct hv__mmio_pending){ .active = true, .write = write, .size = size,
                                        .pa = pa };
        exit->reason = HV_EXIT_MMIO;
        exit->u.mmio.gpa = pa;
        exit->u.mmio.size = size;
        exit->u.mmio.is_write = write;
        exit->u.mmio.data = write ? *val : 0;
        return 1;
    }
    uint64_t off = pa - r->gpa;
    if (write)
        return r->ops->write ? r->ops->write(r->opaque, off, size, *val) : 0;
    *val = 0;
    return r->ops->read ? r->ops->read(r->opaque, off, size, val) : 0;
}
