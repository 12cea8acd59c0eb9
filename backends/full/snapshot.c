/* SPDX-License-Identifier: MIT */
/* libhv full backend — snapshot hooks of the virt board: the board's own wiring state
 * ("board": PLIC output levels per hart, the deterministic device-poll point, a board-wide
 * stop), then the section of every device row that has one (device table, devices.h:
 * clint, plic, virtio.N, uart, rtc, fw_cfg), then hart.N. The devices serialize
 * themselves; this file walks the table and restores the interrupt wiring afterwards. Not
 * saved: disk contents and frames queued in the host network fabric (see
 * include/hv/snapshot.h); SiFive test and HTIF have no state. */
#include "backends/full/snapshot.h"

/* The board's own wiring state. */
static void board_check(struct hv_snap_r *r, const void *decoded, const void *live)
{
    const struct hvf_board *s = decoded, *b = live;
    if (s->virtio_populated != b->virtio_populated)
        hv__snap_r_fail(r, "virtio slots %#x populated, this VM has %#x", s->virtio_populated,
                        b->virtio_populated);
    if ((unsigned)s->stop_reason > HV_EXIT_INTERNAL)
        hv__snap_r_fail(r, "stop reason %u", (unsigned)s->stop_reason);
}

static const struct hv_snap_field board_fields[] = {
    { "ext_ip", HV_SNAP_INT, offsetof(struct hvf_board, ext_ip), 8, HV_MAX_VCPUS, 0,
      MIP_MEIP | MIP_SEIP },
    HV_SNAP_INT_FIELD(struct hvf_board, next_dev_poll),
    HV_SNAP_INT_FIELD(struct hvf_board, stop_reason),
    HV_SNAP_INT_FIELD(struct hvf_board, stop_code),
    HV_SNAP_INT_FIELD(struct hvf_board, virtio_populated),
};

static const struct hv_snap_desc board_snap = {
    .name = "board", .version = 1, .size = sizeof(struct hvf_board),
    .fields = board_fields, .nr_fields = sizeof board_fields / sizeof board_fields[0],
    .check = board_check,
};

/* A row's section through its own hooks or its field list. */
static void save_dev(const struct hvf_device *dev, unsigned i, void *state, struct hv_snap_w *w)
{
    if (dev->save)
        dev->save(state, i, w);
    else if (dev->snap)
        hv__snap_put_state(w, dev->snap, hvf_dev_count(dev) > 1 ? (int)i : -1, state);
}

static int load_dev(const struct hvf_device *dev, unsigned i, void *state,
                    const struct hv_snap_index *idx, char *err, size_t errlen)
{
    if (dev->load)
        return dev->load(state, i, idx, err, errlen);
    if (dev->snap)
        return hv__snap_get_state(idx, dev->snap, hvf_dev_count(dev) > 1 ? (int)i : -1, state,
                                  err, errlen);
    return 0;
}

int hvf_snapshot_save(struct hv_vm *vm, struct hv_snap_w *w)
{
    struct hvf_board *b = vm->backend;
    hv__snap_put_state(w, &board_snap, -1, b);
    for (unsigned d = 0; d < HVF_NR_DEVICES; d++) {
        const struct hvf_device *dev = hvf_devices[d];
        for (unsigned i = 0; i < hvf_dev_count(dev); i++)
            if (b->dev[d][i])
                save_dev(dev, i, b->dev[d][i], w);
    }
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
        if (b->harts[i])
            hvf_hart_save(b->harts[i], w);
    return w->err;
}

int hvf_snapshot_load(struct hv_vm *vm, const struct hv_snap_index *idx, char *err,
                      size_t errlen)
{
    struct hvf_board *b = vm->backend;
    /* A failure half-way is undone by the core (it re-applies its backup of the state). */
    int rc = hv__snap_get_state(idx, &board_snap, -1, b, err, errlen);
    if (rc < 0)
        return rc;
    /* Host mode polls on host time: poll at once. Deterministic: exactly where the
     * original run would have polled next. */
    if (!vm->clock.deterministic)
        atomic_store(&b->next_dev_poll, 0);
    for (unsigned d = 0; d < HVF_NR_DEVICES; d++) {
        const struct hvf_device *dev = hvf_devices[d];
        for (unsigned i = 0; i < hvf_dev_count(dev); i++)
            if (b->dev[d][i] && (rc = load_dev(dev, i, b->dev[d][i], idx, err, errlen)) < 0)
                return rc;
    }
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
        if (b->harts[i] && (rc = hvf_hart_load(b->harts[i], idx, err, errlen)) < 0)
            return rc;
    return 0;
}
