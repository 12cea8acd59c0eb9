/* SPDX-License-Identifier: MIT */
/* libhv para backend — snapshot state of the para platform (para.h's per-VM and per-vCPU
 * structs): event-channel ports and VIRQ bindings, the authoritative start-info copy with
 * the device list, each device's ring connection and the back-end's private ring indices,
 * a VM-wide stop, and per vCPU the upcall/fault entries and flags, the timer and pending
 * control transfers, the virtual S/U-mode state and the SBI HSM state (version 2).
 * Shared-info, the console ring and the rings themselves live in guest RAM and travel with
 * it. Not saved: a net back-end's partially gathered tx frame and
 * frames queued in the host fabric (dropped, i.e. packet loss); disk contents. */
#include <stdlib.h>
#include <string.h>
#include "backends/para/para.h"
#include "snapshot/stream.h"

#define VM_VERSION 1
/* vCPU version 2 (ABI 1.2): the virtual S/U-mode state and SBI HSM. */
#define VCPU_VERSION 2

/* A device's entry in "para.vm", after its type (u16): the ring connection and the
 * back-end's private ring state. */
static const struct hv_snap_field dev_fields[] = {
    HV_SNAP_INT_FIELD(struct hvp_dev, ring_gpa),
    HV_SNAP_INT_FIELD(struct hvp_dev, order),
    HV_SNAP_INT_FIELD(struct hvp_dev, port),
    HV_SNAP_INT_FIELD(struct hvp_dev, req_cons),
    HV_SNAP_INT_FIELD(struct hvp_dev, rsp_prod),
    HV_SNAP_BOOL_FIELD(struct hvp_dev, broken),
};
#define NR_DEV_FIELDS (sizeof dev_fields / sizeof dev_fields[0])

static void save_vm(struct hvp_vm *pv, struct hv_snap_w *w)
{
    hv__snap_begin(w, "para.vm", VM_VERSION);
    pthread_mutex_lock(&pv->lock);
    /* The port table up to its last used port, in one piece (4 bytes a port: state,
     * vCPU, detail LE): rollbacks read it back thousands of times a second. */
    unsigned used = HVP_NR_PORTS;
    while (used > 0 && pv->ports[used - 1].state == HVP_PORT_FREE)
        used--;
    hv__snap_put_u32(w, used);
    uint8_t *pb = malloc(4 * HVP_NR_PORTS);
    if (!pb) {
        pthread_mutex_unlock(&pv->lock);
        hv__snap_w_fail(w, HV_ENOMEM, "para snapshot: out of memory");
        return;
    }
    for (unsigned p = 0; p < used; p++) {
        pb[4 * p] = pv->ports[p].state;
        pb[4 * p + 1] = pv->ports[p].vcpu;
        pb[4 * p + 2] = (uint8_t)pv->ports[p].detail;
        pb[4 * p + 3] = (uint8_t)(pv->ports[p].detail >> 8);
    }
    hv__snap_put_bytes(w, pb, 4 * used);
    free(pb);
    for (unsigned v = 0; v < HV_MAX_VCPUS; v++)
        for (unsigned q = 0; q < HVP_NR_VIRQS; q++)
            hv__snap_put_u16(w, pv->virq[v][q]);
    hv__snap_put_u32(w, (uint32_t)sizeof(pv->start));
    hv__snap_put_bytes(w, &pv->start, sizeof(pv->start));
    hv__snap_put_u32(w, pv->nr_devs);
    for (unsigned i = 0; i < pv->nr_devs; i++) {
        struct hvp_dev *d = &pv->devs[i];
        pthread_mutex_lock(&d->lock);
        hv__snap_put_u16(w, d->ops->type);
        hv__snap_put_fields(w, dev_fields, NR_DEV_FIELDS, d);
        pthread_mutex_unlock(&d->lock);
    }
    pthread_mutex_unlock(&pv->lock);
    hv__snap_put_u32(w, (uint32_t)atomic_load(&pv->stop_reason));
    hv__snap_put_u32(w, (uint32_t)atomic_load(&pv->stop_code));
    hv__snap_end(w);
}

static int load_vm(struct hvp_vm *pv, const struct hv_snap_index *idx, char *err,
                   size_t errlen)
{
    /* Large: the port table alone is 16 KiB. */
    const size_t ports_sz = sizeof(struct hvp_port) * HVP_NR_PORTS;
    struct hvp_port *ports = malloc(ports_sz);
    struct hvp_start_info *start = calloc(1, sizeof(*start));
    struct hvp_dev devs[HVP_MAX_DEVICES];       /* decoded entries (fields only) */
    uint16_t virq[HV_MAX_VCPUS][HVP_NR_VIRQS];
    struct hv_snap_r r;
    if (!ports || !start) {
        free(ports);
        free(start);
        return hv__errf(err, errlen, HV_ENOMEM, "para snapshot: out of memory");
    }
    unsigned nv = pv->vm->cfg.nr_vcpus;
    hv__snap_r_open(&r, idx, "para.vm", VM_VERSION);
    unsigned used = hv__snap_get_u32(&r);
    if (used > HVP_NR_PORTS)
        hv__snap_r_fail(&r, "%u ports (at most %u)", used, HVP_NR_PORTS);
    const uint8_t *pb = hv__snap_get_ptr(&r, 4ull * used);
    for (unsigned p = 0; pb && p < used; p++) {
        ports[p].state = pb[4 * p];
        ports[p].vcpu = pb[4 * p + 1];
        ports[p].detail = (uint16_t)(pb[4 * p + 2] | pb[4 * p + 3] << 8);
        if (ports[p].state > HVP_PORT_DEVICE || (ports[p].state && ports[p].vcpu >= nv) ||
            (p == 0 && ports[p].state)) {
            hv__snap_r_fail(&r, "port %u: state %u on vCPU %u", p, ports[p].state,
                            ports[p].vcpu);
            break;
        }
    }
    for (unsigned v = 0; v < HV_MAX_VCPUS; v++)
        for (unsigned q = 0; q < HVP_NR_VIRQS; q++) {
            virq[v][q] = hv__snap_get_u16(&r);
            if (virq[v][q] >= HVP_NR_PORTS)
                hv__snap_r_fail(&r, "VIRQ %u of vCPU %u bound to port %u", q, v, virq[v][q]);
        }
    if (hv__snap_get_u32(&r) != sizeof(*start))
        hv__snap_r_fail(&r, "start-info size differs (another para ABI)");
    hv__snap_get_bytes(&r, start, sizeof(*start));
    if (hv__snap_r_ok(&r) && (start->magic != HVP_START_MAGIC ||
                              start->ram_size != pv->ram_size ||
                              start->nr_devices != pv->nr_devs))
        hv__snap_r_fail(&r, "start-info does not describe this VM");
    if (hv__snap_get_u32(&r) != pv->nr_devs && hv__snap_r_ok(&r))
        hv__snap_r_fail(&r, "device count differs (VM has %u)", pv->nr_devs);
    for (unsigned i = 0; i < pv->nr_devs && hv__snap_r_ok(&r); i++) {
        struct hvp_dev *d = &pv->devs[i];
        struct hvp_dev *s = &devs[i];
        hv__snap_copy_fields(s, d, dev_fields, NR_DEV_FIELDS);
        uint16_t type = hv__snap_get_u16(&r);
        hv__snap_get_fields(&r, dev_fields, NR_DEV_FIELDS, s);
        if (!hv__snap_r_ok(&r))
            break;
        if (type != d->ops->type)
            hv__snap_r_fail(&r, "device %u is of type %u, the VM's of type %u", i, type,
                            d->ops->type);
        else if (s->order > d->ops->max_order || s->port >= HVP_NR_PORTS ||
                 (s->ring_gpa && ((s->ring_gpa & (HV_PAGE_SIZE - 1)) ||
                                  !hvp_ram(pv, s->ring_gpa, HV_PAGE_SIZE << s->order))))
            hv__snap_r_fail(&r, "device %u: ring %#llx order %u port %u invalid", i,
                            (unsigned long long)s->ring_gpa, s->order, s->port);
    }
    uint32_t stop_reason = hv__snap_get_u32(&r), stop_code = hv__snap_get_u32(&r);
    if (stop_reason > HV_EXIT_INTERNAL)
        hv__snap_r_fail(&r, "stop reason %u", stop_reason);
    int rc = hv__snap_r_close(&r, err, errlen);
    if (rc == 0) {
        pthread_mutex_lock(&pv->lock);
        memcpy(pv->ports, ports, used * sizeof(ports[0]));
        memset(pv->ports + used, 0, ports_sz - used * sizeof(ports[0]));
        memcpy(pv->virq, virq, sizeof(virq));
        pv->start = *start;
        for (unsigned i = 0; i < pv->nr_devs; i++) {
            struct hvp_dev *d = &pv->devs[i];
            pthread_mutex_lock(&d->lock);
            hv__snap_copy_fields(d, &devs[i], dev_fields, NR_DEV_FIELDS);
            if (d->ops->restored)
                d->ops->restored(d);
            pthread_mutex_unlock(&d->lock);
        }
        pthread_mutex_unlock(&pv->lock);
        atomic_store(&pv->stop_reason, (int)stop_reason);
        atomic_store(&pv->stop_code, (int)stop_code);
    }
    free(ports);
    free(start);
    return rc;
}

#define VCPU(m) HV_SNAP_INT_FIELD(struct hvp_vcpu, m)
#define VCPU_S(m, valid) { #m, HV_SNAP_INT, offsetof(struct hvp_vcpu, m), \
                           HV_SNAP_MEMBER_SIZE_(struct hvp_vcpu, m), 1, 2, (valid) }
static const struct hv_snap_field vcpu_fields[] = {
    VCPU(event_entry), VCPU(fault_entry),
    HV_SNAP_BOOL_FIELD(struct hvp_vcpu, in_upcall), HV_SNAP_BOOL_FIELD(struct hvp_vcpu, in_fault),
    VCPU(timer_deadline), VCPU(stimecmp),
    HV_SNAP_BOOL_FIELD(struct hvp_vcpu, hcall_pending),
    HV_SNAP_BOOL_FIELD(struct hvp_vcpu, jump_pending),
    VCPU(jump_pc), VCPU(polls),
    /* Version 2: the virtual S/U-mode (smode.c); the privilege is in the cpu section. */
    VCPU_S(s.status, SSTATUS_WMASK), VCPU_S(s.ie, MIP_S_BITS), VCPU_S(s.ip_sw, MIP_SSIP),
    VCPU_S(s.stvec, 0), VCPU_S(s.sepc, 0), VCPU_S(s.scause, 0), VCPU_S(s.stval, 0),
    VCPU_S(s.sscratch, 0), VCPU_S(s.satp, 0), VCPU_S(s.scounteren, 0xffffffffull),
    VCPU_S(s.senvcfg, SENVCFG_WMASK), VCPU_S(sip_hw, MIP_SSIP | MIP_STIP),
    HV_SNAP_INT_MASKED(struct hvp_vcpu, hsm, 7), VCPU(hsm_pc), VCPU(hsm_opaque),
};
#undef VCPU
#undef VCPU_S

static void vcpu_check(struct hv_snap_r *r, const void *decoded, const void *live)
{
    const struct hvp_vcpu *h = decoded;
    (void)live;
    uint64_t mode = h->s.satp >> SATP_MODE_SHIFT;
    if (mode != SATP_MODE_BARE && mode != SATP_MODE_SV39 && mode != SATP_MODE_SV48)
        hv__snap_r_fail(r, "satp mode %llu", (unsigned long long)mode);
    if ((h->s.stvec & 3) >= 2 || (h->s.sepc & 1) || !(h->s.status & MSTATUS_FS))
        hv__snap_r_fail(r, "stvec %#llx / sepc %#llx / sstatus %#llx",
                        (unsigned long long)h->s.stvec, (unsigned long long)h->s.sepc,
                        (unsigned long long)h->s.status);
}

static const struct hv_snap_desc vcpu_snap = {
    .name = "para.vcpu", .version = VCPU_VERSION, .size = sizeof(struct hvp_vcpu),
    .fields = vcpu_fields, .nr_fields = sizeof vcpu_fields / sizeof vcpu_fields[0],
    .check = vcpu_check,
};

static void save_vcpu(struct hvp_vcpu *h, struct hv_snap_w *w)
{
    hv__snap_put_state(w, &vcpu_snap, (int)h->id, h);
}

/* A version-1 section (ABI 1.0/1.1) predates the virtual S-mode: its vCPU ran as "U" with
 * no privileged state, which is today's S-mode at reset. */
static int load_vcpu(struct hvp_vcpu *h, const struct hv_snap_index *idx, uint32_t version,
                     char *err, size_t errlen)
{
    int rc = hv__snap_get_state(idx, &vcpu_snap, (int)h->id, h, err, errlen);
    if (rc < 0)
        return rc;
    if (version < 2)
        hvp_smode_reset(h);
    h->vcpu->exit_set = false;          /* (the cpu section's load flushed the soft-TLB) */
    return 0;
}

int hvp_snapshot_save(struct hv_vm *vm, struct hv_snap_w *w)
{
    struct hvp_vm *pv = vm->backend;
    save_vm(pv, w);
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
        if (pv->vcpus[i])
            save_vcpu(pv->vcpus[i], w);
    return w->err;
}

int hvp_snapshot_load(struct hv_vm *vm, const struct hv_snap_index *idx, char *err,
                      size_t errlen)
{
    struct hvp_vm *pv = vm->backend;
    /* vCPU sections first: they cannot fail half-way through the VM-wide state. */
    uint32_t version[HV_MAX_VCPUS] = { 0 };
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++) {
        if (!pv->vcpus[i])
            continue;
        struct hv_snap_r r;
        hv__snap_r_open_idx(&r, idx, "para.vcpu", i, VCPU_VERSION);
        if (!hv__snap_r_ok(&r))
            return hv__errf(err, errlen, r.err, "%s", r.msg);
        version[i] = r.sect->version;
    }
    int rc = load_vm(pv, idx, err, errlen);
    for (unsigned i = 0; i < HV_MAX_VCPUS && rc == 0; i++)
        if (pv->vcpus[i])
            rc = load_vcpu(pv->vcpus[i], idx, version[i], err, errlen);
    return rc;
}

/* The reserved area (start-info, shared-info with event bits and vCPU info, console ring)
 * and connected rings are written by the host without the dirty log. */
void hvp_snapshot_host_pages(struct hv_vm *vm)
{
    struct hvp_vm *pv = vm->backend;
    hv__mem_mark_dirty(&vm->mem, pv->reserved_base, HVP_RESERVED_SIZE);
    for (unsigned i = 0; i < pv->nr_devs; i++)
        if (pv->devs[i].ring_gpa)
            hv__mem_mark_dirty(&vm->mem, pv->devs[i].ring_gpa,
                               HV_PAGE_SIZE << pv->devs[i].order);
}
