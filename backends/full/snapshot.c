/* libhv full backend — snapshot hooks of the virt board: the board's own wiring state
 * ("board": PLIC output levels per hart, the deterministic device-poll point, a board-wide
 * stop), then the section of every device row that has one (device table, devices.h:
 * clint, plic, virtio.N, uart, rtc, fw_cfg), then hart.N. The devices serialize
 * themselves; this file walks the table and restores the interrupt wiring afterwards. Not
 * saved: disk contents and frames queued in the host network fabric (see
 * include/hv/snapshot.h); SiFive test and HTIF have no state. */
#include "backends/full/snapshot.h"

#define BOARD_SNAP_VERSION 1

int hvf_snapshot_save(struct hv_vm *vm, struct hv_snap_w *w)
{
    struct hvf_board *b = vm->backend;
    hv__snap_begin(w, "board", BOARD_SNAP_VERSION);
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
        hv__snap_put_u64(w, atomic_load(&b->ext_ip[i]));
    hv__snap_put_u64(w, atomic_load(&b->next_dev_poll));
    hv__snap_put_u32(w, (uint32_t)atomic_load(&b->stop_reason));
    hv__snap_put_u32(w, (uint32_t)atomic_load(&b->stop_code));
    hv__snap_put_u8(w, b->virtio_populated);
    hv__snap_end(w);
    for (unsigned d = 0; d < HVF_NR_DEVICES; d++) {
        const struct hvf_device *dev = hvf_devices[d];
        for (unsigned i = 0; i < hvf_dev_count(dev) && dev->save; i++)
            if (b->dev[d][i])
                dev->save(b->dev[d][i], i, w);
    }
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
        if (b->harts[i])
            hvf_hart_save(b->harts[i], w);
    return w->err;
}

struct board_state {
    uint64_t ext_ip[HV_MAX_VCPUS];
    uint64_t next_poll;
    uint32_t stop_reason, stop_code;
};

static int read_board(struct hvf_board *b, const struct hv_snap_index *idx,
                      struct board_state *s, char *err, size_t errlen)
{
    struct hv_snap_r r;
    hv__snap_r_open(&r, idx, "board", BOARD_SNAP_VERSION);
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
        s->ext_ip[i] = hv__snap_get_u64(&r) & (MIP_MEIP | MIP_SEIP);
    s->next_poll = hv__snap_get_u64(&r);
    s->stop_reason = hv__snap_get_u32(&r);
    s->stop_code = hv__snap_get_u32(&r);
    uint8_t populated = hv__snap_get_u8(&r);
    if (hv__snap_r_ok(&r) && populated != b->virtio_populated)
        hv__snap_r_fail(&r, "virtio slots %#x populated, this VM has %#x", populated,
                        b->virtio_populated);
    if (s->stop_reason > HV_EXIT_INTERNAL)
        hv__snap_r_fail(&r, "stop reason %u", s->stop_reason);
    return hv__snap_r_close(&r, err, errlen);
}

int hvf_snapshot_load(struct hv_vm *vm, const struct hv_snap_index *idx, char *err,
                      size_t errlen)
{
    struct hvf_board *b = vm->backend;
    struct board_state s;
    int rc = read_board(b, idx, &s, err, errlen);
    if (rc < 0)
        return rc;
    /* A failure half-way is undone by the core (it re-applies its backup of the state). */
    for (unsigned d = 0; d < HVF_NR_DEVICES; d++) {
        const struct hvf_device *dev = hvf_devices[d];
        for (unsigned i = 0; i < hvf_dev_count(dev) && dev->load; i++)
            if (b->dev[d][i] && (rc = dev->load(b->dev[d][i], i, idx, err, errlen)) < 0)
                return rc;
    }
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
        if (b->harts[i] && (rc = hvf_hart_load(b->harts[i], idx, err, errlen)) < 0)
            return rc;
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
        atomic_store(&b->ext_ip[i], s.ext_ip[i]);
    /* Host mode polls on host time: poll at once. Deterministic: exactly where the
     * original run would have polled next. */
    atomic_store(&b->next_dev_poll, vm->clock.deterministic ? s.next_poll : 0);
    atomic_store(&b->stop_code, (int)s.stop_code);
    atomic_store(&b->stop_reason, (int)s.stop_reason);
    return 0;
}
