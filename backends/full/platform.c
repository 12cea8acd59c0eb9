/* SPDX-License-Identifier: MIT */
/* libhv full backend — the virt board's devices wired together: the device table
 * (devices.h: every device's row, walked to create, tear down, poll and bound WFI sleeps),
 * the PLIC's contexts driving MEIP/SEIP of the harts, the eight virtio-mmio slots populated
 * (disks, NICs, rng in that order); device polling from the harts' poll hooks and WFI
 * sleeps at a bounded rate (or at instruction counts, in deterministic mode). */
#include <stdlib.h>
#include <string.h>
#include "backends/full/full.h"
#include "backends/full/devices.h"
#include "dev/net.h"

/* Host-time period of device polling (host input, received frames, RTC alarms). */
#define DEV_POLL_NS 1000000ull
/* Deterministic mode: hart 0 polls devices every this many retired instructions. */
#define DEV_POLL_INSNS 65536ull

#define HVF_DEV_PTR_(n) &hvf_##n##_device,
const struct hvf_device *const hvf_devices[HVF_NR_DEVICES] = { HVF_DEVICES(HVF_DEV_PTR_) };
#undef HVF_DEV_PTR_

/* ---- PLIC outputs -> harts ------------------------------------------------------------ */

void hvf_platform_sync_hart(struct hvf_board *b, unsigned id)
{
    if (id >= HV_MAX_VCPUS)
        return;
    struct hvf_hart *h = b->harts[id];
    if (!h)
        return;
    uint64_t lv = atomic_load(&b->ext_ip[id]);
    uint64_t cur = atomic_load(&h->hw_ip) & (MIP_MEIP | MIP_SEIP);
    if ((lv ^ cur) & MIP_MEIP)
        hvf_set_hw_irq(h, MIP_MEIP, (lv & MIP_MEIP) != 0);
    if ((lv ^ cur) & MIP_SEIP)
        hvf_set_hw_irq(h, MIP_SEIP, (lv & MIP_SEIP) != 0);
}

/* Context 2h is hart h's M-mode external interrupt, 2h+1 its S-mode one. The PLIC calls
 * this under its lock, so calls are serialised; the level is recorded first so that a hart
 * created later (vCPUs come after vm_init) picks it up. */
void hvf_platform_ext_irq(void *opaque, unsigned ctx, int level)
{
    struct hvf_board *b = opaque;
    unsigned hart = ctx / 2;
    uint64_t bit = (ctx & 1) ? MIP_SEIP : MIP_MEIP;
    if (hart >= HV_MAX_VCPUS)
        return;
    if (level)
        atomic_fetch_or(&b->ext_ip[hart], bit);
    else
        atomic_fetch_and(&b->ext_ip[hart], ~bit);
    hvf_platform_sync_hart(b, hart);
}

/* ---- creation --------------------------------------------------------------------------- */

/* 52:54:00 (QEMU's prefix) + three bytes from the VM uuid, or QEMU's 12:34:56 without one;
 * the NIC index is added to the last byte. */
static void default_mac(const struct hv_config *cfg, unsigned k, uint8_t mac[6])
{
    static const uint8_t zero[16];
    uint32_t h = 0x123456;
    if (memcmp(cfg->uuid, zero, sizeof zero)) {
        h = 2166136261u;                       /* FNV-1a */
        for (unsigned i = 0; i < 16; i++)
            h = (h ^ cfg->uuid[i]) * 16777619u;
    }
    mac[0] = 0x52;
    mac[1] = 0x54;
    mac[2] = 0x00;
    mac[3] = (uint8_t)(h >> 16);
    mac[4] = (uint8_t)(h >> 8);
    mac[5] = (uint8_t)(h + k);
}

static int create_virtio_devices(struct hvf_board *b, char *err, size_t errlen)
{
    struct hv_vm *vm = b->vm;
    const struct hv_config *cfg = &vm->cfg;
    unsigned slot = 0;
    int rc;
    for (unsigned k = 0; k < cfg->nr_disks && k < HV_MAX_DISKS; k++, slot++) {
        if (slot >= HVF_NR_VIRTIO)
            return hv__errf(err, errlen, HV_ELIMIT, "board: more than %u virtio devices",
                            HVF_NR_VIRTIO);
        if ((rc = hvf_virtio_blk_attach(hvf_board_virtio(b, slot), vm->disks[k],
                                        cfg->disks[k].serial, err, errlen)) < 0)
            return rc;
        b->virtio_populated |= (uint8_t)(1u << slot);
    }
    for (unsigned k = 0; k < cfg->nr_nics && k < HV_MAX_NICS; k++, slot++) {
        if (slot >= HVF_NR_VIRTIO)
            return hv__errf(err, errlen, HV_ELIMIT, "board: more than %u virtio devices",
                            HVF_NR_VIRTIO);
        if (!b->net && (rc = hv__net_create(&b->net, cfg->net_fabric, err, errlen)) < 0)
            return rc;
        if ((rc = hv__netdev_open(b->net, &cfg->nics[k], &b->netdevs[k], err, errlen)) < 0)
            return rc;
        uint8_t mac[6];
        static const uint8_t zero[6];
        if (memcmp(cfg->nics[k].mac, zero, 6))
            memcpy(mac, cfg->nics[k].mac, 6);
        else
            default_mac(cfg, k, mac);
        if ((rc = hvf_virtio_net_attach(hvf_board_virtio(b, slot), b->netdevs[k], mac, err,
                                        errlen)) < 0)
            return rc;
        b->virtio_populated |= (uint8_t)(1u << slot);
    }
    if (cfg->rng) {
        if (slot >= HVF_NR_VIRTIO)
            return hv__errf(err, errlen, HV_ELIMIT, "board: more than %u virtio devices",
                            HVF_NR_VIRTIO);
        if ((rc = hvf_virtio_rng_attach(hvf_board_virtio(b, slot), cfg->deterministic != 0,
                                        cfg->rng_seed, err, errlen)) < 0)
            return rc;
        b->virtio_populated |= (uint8_t)(1u << slot);
    }
    return 0;
}

int hvf_platform_create(struct hvf_board *b, char *err, size_t errlen)
{
    for (unsigned d = 0; d < HVF_NR_DEVICES; d++) {
        const struct hvf_device *dev = hvf_devices[d];
        for (unsigned i = 0; i < hvf_dev_count(dev) && dev->create; i++) {
            int rc = dev->create(b, i, dev->base + i * dev->stride, &b->dev[d][i], err,
                                 errlen);
            if (rc < 0)
                return rc;
        }
    }
    return create_virtio_devices(b, err, errlen);
}

/* Rows backwards: the virtio slots go before the netdevs they borrow and the PLIC after
 * the devices holding lines into it. */
int hvf_platform_destroy(struct hvf_board *b, bool unmap, char *err, size_t errlen)
{
    int rc = 0;
    for (unsigned d = HVF_NR_DEVICES; d-- > 0;) {
        const struct hvf_device *dev = hvf_devices[d];
        for (unsigned i = 0; i < hvf_dev_count(dev); i++) {
            if (!b->dev[d][i])
                continue;
            if (dev->destroy)
                dev->destroy(b, b->dev[d][i]);
            b->dev[d][i] = NULL;
            uint64_t base = dev->base + i * dev->stride;
            int u = unmap && dev->size ? hv__mem_unmap(&b->vm->mem, base, err, errlen) : 0;
            if (u < 0 && rc == 0)
                rc = u;
        }
        if (d == HVF_DEV_virtio) {
            for (unsigned k = 0; k < HV_MAX_NICS; k++) {
                if (b->netdevs[k])
                    hv__netdev_close(b->netdevs[k]);
                b->netdevs[k] = NULL;
            }
            hv__net_destroy(b->net);
            b->net = NULL;
            b->virtio_populated = 0;
        }
    }
    b->plic = NULL;
    return rc;
}

/* ---- polling ----------------------------------------------------------------------------- */

static void poll_devices(struct hvf_board *b)
{
    for (unsigned d = 0; d < HVF_NR_DEVICES; d++) {
        const struct hvf_device *dev = hvf_devices[d];
        for (unsigned i = 0; i < hvf_dev_count(dev) && dev->poll; i++)
            if (b->dev[d][i])
                dev->poll(b->dev[d][i]);
    }
}

uint64_t hvf_platform_next_poll_insn(struct hvf_hart *h)
{
    struct hvf_board *b = h->board;
    if (!b->vm->clock.deterministic || h->id != 0)
        return UINT64_MAX;
    return atomic_load(&b->next_dev_poll);
}

void hvf_platform_poll(struct hvf_hart *h, bool force)
{
    struct hvf_board *b = h->board;
    if (b->vm->clock.deterministic) {
        /* Only at instruction counts of hart 0, so that a run is reproducible. */
        uint64_t insn = h->vcpu->cpu.instret, due = atomic_load(&b->next_dev_poll);
        if (h->id != 0 || (!force && insn < due))
            return;
        atomic_store(&b->next_dev_poll, (insn / DEV_POLL_INSNS + 1) * DEV_POLL_INSNS);
        poll_devices(b);
        return;
    }
    if (atomic_load_explicit(&b->poll_now, memory_order_relaxed) &&
        atomic_exchange(&b->poll_now, false))
        force = true;
    uint64_t now = hv__host_monotonic_ns(), due = atomic_load(&b->next_dev_poll);
    if (!force && now < due)
        return;
    /* One poller per period, whichever hart gets there first. */
    if (!atomic_compare_exchange_strong(&b->next_dev_poll, &due, now + DEV_POLL_NS) && !force)
        return;
    poll_devices(b);
}

void hvf_board_poll_soon(struct hvf_board *b)
{
    atomic_store(&b->poll_now, true);
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
        hvf_hart_wake(b->harts[i]);
}

uint64_t hvf_platform_sleep_bound_ns(struct hvf_board *b)
{
    uint64_t bound = UINT64_MAX, now = hv__clock_ns(&b->vm->clock);
    for (unsigned d = 0; d < HVF_NR_DEVICES; d++) {
        const struct hvf_device *dev = hvf_devices[d];
        for (unsigned i = 0; i < hvf_dev_count(dev) && dev->deadline; i++) {
            uint64_t t = b->dev[d][i] ? dev->deadline(b->dev[d][i]) : UINT64_MAX;
            if (t != UINT64_MAX && (t > now ? t - now : 0) < bound)
                bound = t > now ? t - now : 0;
        }
    }
    /* Frames from the host network fabric are only seen by polling. */
    if (b->net && bound > HVF_DEV_SLEEP_NS)
        bound = HVF_DEV_SLEEP_NS;
    /* User networking: slirp's host sockets are only seen by polling. */
    for (unsigned k = 0; k < HV_MAX_NICS; k++)
        if (hv__netdev_needs_poll(b->netdevs[k]) && bound > DEV_POLL_NS)
            bound = DEV_POLL_NS;
    return bound;
}
