/* SPDX-License-Identifier: MIT */
/* libhv full backend — virtio-mmio version 2 transport and split virtqueues. One slot per
 * 4 KiB window; an empty slot answers device id 0. Everything the guest controls (queue
 * sizes, ring addresses, descriptor chains, avail indexes) is validated; a violation puts
 * the device in DEVICE_NEEDS_RESET instead of doing anything unbounded or out of RAM. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "backends/full/virtio_mmio.h"
#include "backends/full/full.h"
#include "backends/full/snapshot.h"

enum {
    R_MAGIC = 0x000, R_VERSION = 0x004, R_DEVICE_ID = 0x008, R_VENDOR_ID = 0x00c,
    R_DEV_FEATURES = 0x010, R_DEV_FEATURES_SEL = 0x014,
    R_DRV_FEATURES = 0x020, R_DRV_FEATURES_SEL = 0x024,
    R_QUEUE_SEL = 0x030, R_QUEUE_NUM_MAX = 0x034, R_QUEUE_NUM = 0x038,
    R_QUEUE_READY = 0x044, R_QUEUE_NOTIFY = 0x050,
    R_INT_STATUS = 0x060, R_INT_ACK = 0x064, R_STATUS = 0x070,
    R_QUEUE_DESC_LO = 0x080, R_QUEUE_DESC_HI = 0x084,
    R_QUEUE_DRIVER_LO = 0x090, R_QUEUE_DRIVER_HI = 0x094,
    R_QUEUE_DEVICE_LO = 0x0a0, R_QUEUE_DEVICE_HI = 0x0a4,
    R_CONFIG_GEN = 0x0fc, R_CONFIG = 0x100
};

#define MAGIC 0x74726976u        /* "virt" */
#define VENDOR_QEMU 0x554d4551u  /* "QEMU" */
#define INT_USED 1u
#define INT_CONFIG 2u

#define DESC_F_NEXT 1u
#define DESC_F_WRITE 2u
#define DESC_F_INDIRECT 4u
#define AVAIL_F_NO_INTERRUPT 1u

struct vq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct vq {
    uint32_t num;
    bool ready;
    uint64_t desc, avail, used;
    uint16_t last_avail;          /* next avail entry to take */
    uint16_t used_idx;            /* device's copy: the guest cannot move it */
};

struct hvf_virtio {
    struct hv_vm *vm;
    char name[48];                      /* "virtio-mmio@BASE (DEV)", for log messages */
    struct hv__logrl rl;                /* refusals logged (rate limit) */
    struct hv_irq_line irq;
    pthread_mutex_t lock;
    const struct hvf_virtio_ops *ops;   /* NULL: empty slot */
    void *dev;
    uint64_t dev_features, drv_features;
    uint32_t dev_features_sel, drv_features_sel, queue_sel;
    uint32_t status, int_status, config_gen;
    bool irq_level;
    struct vq vq[HVF_VQ_MAX_QUEUES];
    struct hvf_vq_seg chain[HVF_VQ_MAX_CHAIN];
};

/* Drive the line from InterruptStatus. As QEMU's transport, a new notification (used
 * buffers, configuration change) or an acknowledgement that leaves bits set signals the
 * line again even if it is already high: the PLIC pends a source per signalled assertion
 * (plic.c), so a driver that acknowledged only some bits is interrupted again. */
static void signal_irq(struct hvf_virtio *v, bool event)
{
    bool lvl = v->int_status != 0;
    if (lvl != v->irq_level || (lvl && event)) {
        v->irq_level = lvl;
        hv__irq_set(&v->irq, lvl);
    }
}

/* Log (rate-limited) a guest request the transport refuses or ignores, as
 * "virtio-mmio@BASE (DEV): REGISTER: reason". */
#define LOG_REFUSED(v, level, ...) \
    hv__log_limited((v)->vm, &(v)->rl, level, (v)->name, __VA_ARGS__)

void hvf_virtio_needs_reset(struct hvf_virtio *v, const char *why)
{
    if (v->status & HVF_VIRTIO_STATUS_NEEDS_RESET)
        return;
    LOG_REFUSED(v, HV_LOG_WARN, "%s; device needs reset", why);
    v->status |= HVF_VIRTIO_STATUS_NEEDS_RESET;
    v->int_status |= INT_CONFIG;
    signal_irq(v, true);
}

struct hv_vm *hvf_virtio_vm(const struct hvf_virtio *v) { return v->vm; }
uint64_t hvf_virtio_driver_features(const struct hvf_virtio *v) { return v->drv_features; }

uint32_t hvf_virtio_device_id(const struct hvf_virtio *v)
{
    return v->ops ? v->ops->device_id : 0;
}

/* ---- guest memory checks --------------------------------------------------------------- */

/* [gpa, gpa+len) inside one RAM region (writable if the device writes it). */
static bool ram_ok(struct hv_mem *mem, uint64_t gpa, uint64_t len, bool write)
{
    if (!len)
        len = 1;
    const struct hv_region *r;
    if (!hv__mem_hva_region(mem, gpa, len, &r))
        return false;
    return !write || (r->flags & HV_MEM_WRITE);
}

static uint64_t avail_bytes(uint32_t num) { return 6 + 2ull * num; }
static uint64_t used_bytes(uint32_t num) { return 6 + 8ull * num; }

/* Check a queue the driver wants enabled: size and ring placement. */
static const char *queue_check(struct hvf_virtio *v, const struct vq *q)
{
    uint32_t max = v->ops->queue_max;
    if (q->num == 0 || q->num > max || (q->num & (q->num - 1)))
        return "queue size not a power of two within QueueNumMax";
    if ((q->desc & 15) || (q->avail & 1) || (q->used & 3))
        return "misaligned ring";
    if (!ram_ok(&v->vm->mem, q->desc, 16ull * q->num, false) ||
        !ram_ok(&v->vm->mem, q->avail, avail_bytes(q->num), false) ||
        !ram_ok(&v->vm->mem, q->used, used_bytes(q->num), true))
        return "ring outside RAM";
    return NULL;
}

static bool queue_usable(struct hvf_virtio *v, unsigned qi)
{
    return v->ops && qi < v->ops->nr_queues && v->vq[qi].ready &&
           !(v->status & HVF_VIRTIO_STATUS_NEEDS_RESET);
}

/* Ring pointers are looked up on every use (one cached compare): the check at QueueReady
 * time already proved them inside RAM, and the memory map cannot change while vCPUs run. */
static uint16_t *avail_ring(struct hvf_virtio *v, struct vq *q)
{
    return (uint16_t *)hv__mem_hva(&v->vm->mem, q->avail, avail_bytes(q->num));
}

static uint8_t *used_ring(struct hvf_virtio *v, struct vq *q)
{
    return hv__mem_hva(&v->vm->mem, q->used, used_bytes(q->num));
}

/* ---- virtqueues ------------------------------------------------------------------------ */

bool hvf_vq_has_avail(struct hvf_virtio *v, unsigned qi)
{
    if (!queue_usable(v, qi))
        return false;
    struct vq *q = &v->vq[qi];
    uint16_t *av = avail_ring(v, q);
    return av && __atomic_load_n(&av[1], __ATOMIC_ACQUIRE) != q->last_avail;
}

static int chain_fail(struct hvf_virtio *v, const char *why)
{
    hvf_virtio_needs_reset(v, why);
    return HV_EGUEST;
}

static int add_seg(struct hvf_virtio *v, struct hvf_vq_chain *c, const struct vq_desc *d)
{
    bool w = d->flags & DESC_F_WRITE;
    if (!w && c->wlen)
        return chain_fail(v, "device-readable descriptor after a writable one");
    if (!d->len)
        return 0;
    if (!ram_ok(&v->vm->mem, d->addr, d->len, w))
        return chain_fail(v, "descriptor buffer outside RAM");
    if (c->nr >= HVF_VQ_MAX_CHAIN)
        return chain_fail(v, "descriptor chain too long");
    c->seg[c->nr++] = (struct hvf_vq_seg){ d->addr, d->len, w };
    if (w)
        c->wlen += d->len;
    else
        c->rlen += d->len;
    return 0;
}

/* Walk the chain starting at `head` of the queue's table, following at most one
 * indirect table. A table of n entries can hold no chain longer than n: a longer walk is
 * a loop. */
static int walk_chain(struct hvf_virtio *v, struct vq *q, uint16_t head, struct hvf_vq_chain *c)
{
    struct hv_mem *mem = &v->vm->mem;
    uint64_t table = q->desc;
    uint32_t table_len = q->num, idx = head, steps = 0;
    bool indirect = false;
    unsigned total = 0;
    for (;;) {
        if (idx >= table_len)
            return chain_fail(v, "descriptor index out of range");
        if (++steps > table_len || ++total > HVF_VQ_MAX_CHAIN)
            return chain_fail(v, "descriptor chain loops or is too long");
        struct vq_desc d;
        if (hv__mem_read(mem, table + 16ull * idx, &d, sizeof(d)) < 0)
            return chain_fail(v, "descriptor table outside RAM");
        if (d.flags & DESC_F_INDIRECT) {
            if (indirect || (d.flags & DESC_F_NEXT))
                return chain_fail(v, "bad indirect descriptor");
            if (!(v->drv_features & (1ull << HVF_VIRTIO_F_INDIRECT_DESC)))
                return chain_fail(v, "indirect descriptor not negotiated");
            if (d.len == 0 || (d.len & 15) || d.len / 16 > HVF_VQ_MAX_CHAIN ||
                !ram_ok(mem, d.addr, d.len, false))
                return chain_fail(v, "bad indirect table");
            indirect = true;
            table = d.addr;
            table_len = d.len / 16;
            idx = 0;
            steps = 0;
            continue;
        }
        int rc = add_seg(v, c, &d);
        if (rc < 0)
            return rc;
        if (!(d.flags & DESC_F_NEXT))
            return 0;
        idx = d.next;
    }
}

int hvf_vq_pop(struct hvf_virtio *v, unsigned qi, struct hvf_vq_chain *c)
{
    if (!queue_usable(v, qi))
        return 0;
    struct vq *q = &v->vq[qi];
    uint16_t *av = avail_ring(v, q);
    if (!av)
        return chain_fail(v, "avail ring vanished");
    uint16_t idx = __atomic_load_n(&av[1], __ATOMIC_ACQUIRE);
    if (idx == q->last_avail)
        return 0;
    if ((uint16_t)(idx - q->last_avail) > q->num)
        return chain_fail(v, "avail index moved more than the queue size");
    uint16_t head = __atomic_load_n(&av[2 + q->last_avail % q->num], __ATOMIC_RELAXED);
    *c = (struct hvf_vq_chain){ .head = head, .seg = v->chain };
    int rc = walk_chain(v, q, head, c);
    if (rc < 0)
        return rc;
    q->last_avail++;
    return 1;
}

void hvf_vq_push(struct hvf_virtio *v, unsigned qi, const struct hvf_vq_chain *c, uint32_t len)
{
    if (!queue_usable(v, qi))
        return;
    struct vq *q = &v->vq[qi];
    uint8_t *used = used_ring(v, q);
    if (!used)
        return;
    uint32_t elem[2] = { c->head, len };
    memcpy(used + 4 + 8ull * (q->used_idx % q->num), elem, sizeof(elem));
    q->used_idx++;
    /* The element must be visible before the index that publishes it. */
    __atomic_store_n((uint16_t *)(used + 2), q->used_idx, __ATOMIC_RELEASE);
    hv__mem_mark_dirty(&v->vm->mem, q->used, used_bytes(q->num));
}

void hvf_vq_interrupt(struct hvf_virtio *v, unsigned qi)
{
    if (!queue_usable(v, qi))
        return;
    /* Order the used-index store before reading the driver's suppression flag (the
     * driver does the mirror image), or a wakeup could be lost. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    uint16_t *av = avail_ring(v, &v->vq[qi]);
    if (av && (__atomic_load_n(&av[0], __ATOMIC_RELAXED) & AVAIL_F_NO_INTERRUPT))
        return;
    v->int_status |= INT_USED;
    signal_irq(v, true);
}

/* ---- chain byte streams ----------------------------------------------------------------- */

int hvf_vq_slice(const struct hvf_vq_chain *c, bool writable, uint64_t off, uint64_t len,
                 struct hv_blk_seg *out, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < c->nr && len; i++) {
        const struct hvf_vq_seg *s = &c->seg[i];
        if (s->write != writable)
            continue;
        if (off >= s->len) {
            off -= s->len;
            continue;
        }
        uint64_t take = s->len - off < len ? s->len - off : len;
        if (n >= max)
            return -1;
        out[n++] = (struct hv_blk_seg){ s->gpa + off, take };
        len -= take;
        off = 0;
    }
    return len ? -1 : (int)n;
}

static int stream_copy(struct hvf_virtio *v, const struct hvf_vq_chain *c, bool writable,
                       uint64_t off, void *buf, uint64_t len)
{
    uint8_t *b = buf;
    for (unsigned i = 0; i < c->nr && len; i++) {
        const struct hvf_vq_seg *s = &c->seg[i];
        if (s->write != writable)
            continue;
        if (off >= s->len) {
            off -= s->len;
            continue;
        }
        uint64_t take = s->len - off < len ? s->len - off : len;
        int rc = writable ? hv__mem_write(&v->vm->mem, s->gpa + off, b, take)
                          : hv__mem_read(&v->vm->mem, s->gpa + off, b, take);
        if (rc < 0)
            return rc;
        b += take;
        len -= take;
        off = 0;
    }
    return len ? HV_ERANGE : 0;
}

int hvf_vq_read(struct hvf_virtio *v, const struct hvf_vq_chain *c, uint64_t off, void *buf,
                uint64_t len)
{
    if (len > c->rlen || off > c->rlen - len)
        return HV_ERANGE;
    return stream_copy(v, c, false, off, buf, len);
}

int hvf_vq_write(struct hvf_virtio *v, const struct hvf_vq_chain *c, uint64_t off,
                 const void *buf, uint64_t len)
{
    if (len > c->wlen || off > c->wlen - len)
        return HV_ERANGE;
    return stream_copy(v, c, true, off, (void *)buf, len);
}

uint64_t hvf_virtio_config_bytes(const void *cfg, size_t cfglen, uint64_t off, unsigned size)
{
    const uint8_t *p = cfg;
    uint64_t val = 0;
    for (unsigned i = 0; i < size && i < 8; i++)
        if (off + i < cfglen)
            val |= (uint64_t)p[off + i] << (8 * i);
    return val;
}

/* ---- registers -------------------------------------------------------------------------- */

static void device_reset(struct hvf_virtio *v)
{
    memset(v->vq, 0, sizeof(v->vq));
    v->drv_features = 0;
    v->dev_features_sel = v->drv_features_sel = v->queue_sel = 0;
    v->status = 0;
    v->int_status = 0;
    signal_irq(v, false);
    if (v->ops && v->ops->reset)
        v->ops->reset(v->dev);
}

static void write_status(struct hvf_virtio *v, uint32_t val)
{
    if (val == 0) {
        device_reset(v);
        return;
    }
    if ((val & HVF_VIRTIO_STATUS_FEATURES_OK) && !(v->status & HVF_VIRTIO_STATUS_FEATURES_OK)) {
        /* Accept only a subset of what we offered. A driver that never acknowledged
         * VIRTIO_F_VERSION_1 (typically one that only ever writes feature word 0) is
         * accepted too, as QEMU's modern virtio-mmio device does: the spec lets a device
         * refuse such a driver ("may fail"), but drivers written against QEMU rely on it.
         * Nothing else changes for it: this transport has the version 2 register layout
         * either way, and on a little-endian hart the legacy ring and config formats are
         * the modern ones. The one legacy format kept is virtio-net's 10-byte header
         * (virtio_net.c), again as QEMU does. */
        uint64_t extra = v->drv_features & ~v->dev_features;
        if (extra) {
            val &= ~HVF_VIRTIO_STATUS_FEATURES_OK;
            LOG_REFUSED(v, HV__LOG_REFUSED, "Status: FEATURES_OK refused: driver features "
                        "%#llx include %#llx, which the device does not offer (offered %#llx)",
                        (unsigned long long)v->drv_features, (unsigned long long)extra,
                        (unsigned long long)v->dev_features);
        }
    }
    v->status = (val & 0xffu & ~HVF_VIRTIO_STATUS_NEEDS_RESET) |
                (v->status & HVF_VIRTIO_STATUS_NEEDS_RESET);
}

static void write_ready(struct hvf_virtio *v, struct vq *q, uint32_t val)
{
    if (!val) {
        q->ready = false;
        return;
    }
    if (q->ready)
        return;
    const char *why = queue_check(v, q);
    if (why) {
        hvf_virtio_needs_reset(v, why);
        return;
    }
    q->last_avail = q->used_idx = 0;
    q->ready = true;
}

static void set_half(uint64_t *r, bool high, uint32_t val)
{
    if (high)
        *r = (*r & 0xffffffffull) | ((uint64_t)val << 32);
    else
        *r = (*r & ~0xffffffffull) | val;
}

static void queue_reg_write(struct hvf_virtio *v, uint64_t off, uint32_t val)
{
    if (v->queue_sel >= v->ops->nr_queues) {
        LOG_REFUSED(v, HV__LOG_REFUSED, "queue register %#llx: write ignored: QueueSel %u, the "
                    "device has %u queues", (unsigned long long)off, v->queue_sel,
                    v->ops->nr_queues);
        return;
    }
    struct vq *q = &v->vq[v->queue_sel];
    if (off == R_QUEUE_READY) {
        write_ready(v, q, val);
        return;
    }
    if (q->ready) {                    /* layout is frozen while the queue runs */
        LOG_REFUSED(v, HV__LOG_REFUSED, "queue register %#llx: write ignored: queue %u is ready",
                    (unsigned long long)off, v->queue_sel);
        return;
    }
    switch (off) {
    case R_QUEUE_NUM: q->num = val; break;
    case R_QUEUE_DESC_LO: case R_QUEUE_DESC_HI: set_half(&q->desc, off & 4, val); break;
    case R_QUEUE_DRIVER_LO: case R_QUEUE_DRIVER_HI: set_half(&q->avail, off & 4, val); break;
    case R_QUEUE_DEVICE_LO: case R_QUEUE_DEVICE_HI: set_half(&q->used, off & 4, val); break;
    default: break;
    }
}

static uint32_t reg_read(struct hvf_virtio *v, uint64_t off)
{
    switch (off) {
    case R_MAGIC: return MAGIC;
    case R_VERSION: return 2;
    case R_DEVICE_ID: return v->ops ? v->ops->device_id : 0;
    case R_VENDOR_ID: return VENDOR_QEMU;
    default: break;
    }
    if (!v->ops)
        return 0;
    switch (off) {
    case R_DEV_FEATURES:
        return v->dev_features_sel < 2 ? (uint32_t)(v->dev_features >> (32 * v->dev_features_sel))
                                       : 0;
    case R_QUEUE_NUM_MAX:
        return v->queue_sel < v->ops->nr_queues ? v->ops->queue_max : 0;
    case R_QUEUE_READY:
        return v->queue_sel < v->ops->nr_queues && v->vq[v->queue_sel].ready;
    case R_INT_STATUS: return v->int_status;
    case R_STATUS: return v->status;
    case R_CONFIG_GEN: return v->config_gen;
    default: return 0;
    }
}

static void reg_write(struct hvf_virtio *v, uint64_t off, uint32_t val)
{
    if (!v->ops)
        return;
    switch (off) {
    case R_DEV_FEATURES_SEL: v->dev_features_sel = val; break;
    case R_DRV_FEATURES_SEL: v->drv_features_sel = val; break;
    case R_DRV_FEATURES:
        if (v->drv_features_sel < 2 && !(v->status & HVF_VIRTIO_STATUS_FEATURES_OK))
            set_half(&v->drv_features, v->drv_features_sel == 1, val);
        else if (v->drv_features_sel < 2)
            LOG_REFUSED(v, HV__LOG_REFUSED, "DriverFeatures: write ignored: FEATURES_OK is set");
        else if (val)
            LOG_REFUSED(v, HV__LOG_REFUSED, "DriverFeatures: bits %#x of word %u ignored: no "
                        "such features", val, v->drv_features_sel);
        break;
    case R_QUEUE_SEL: v->queue_sel = val; break;
    case R_QUEUE_NOTIFY:
        if (queue_usable(v, val))
            v->ops->notify(v, v->dev, val);
        else
            LOG_REFUSED(v, HV__LOG_REFUSED, "QueueNotify: queue %u ignored: %s", val,
                        val >= v->ops->nr_queues ? "no such queue"
                        : (v->status & HVF_VIRTIO_STATUS_NEEDS_RESET) ? "device needs reset"
                        : "queue not ready");
        break;
    case R_INT_ACK:
        v->int_status &= ~val;
        signal_irq(v, true);
        break;
    case R_STATUS: write_status(v, val); break;
    case R_QUEUE_NUM: case R_QUEUE_READY:
    case R_QUEUE_DESC_LO: case R_QUEUE_DESC_HI:
    case R_QUEUE_DRIVER_LO: case R_QUEUE_DRIVER_HI:
    case R_QUEUE_DEVICE_LO: case R_QUEUE_DEVICE_HI:
        queue_reg_write(v, off, val);
        break;
    default:
        LOG_REFUSED(v, HV__LOG_REFUSED, "register %#llx: write of %#x ignored: read-only or "
                    "reserved", (unsigned long long)off, val);
        break;
    }
}

static int bad_width(struct hvf_virtio *v, uint64_t off, unsigned size, bool write)
{
    LOG_REFUSED(v, HV__LOG_REFUSED, "register %#llx: %u-byte %s at this offset refused (access "
                "fault)", (unsigned long long)off, size, write ? "write" : "read");
    return HV_EINVAL;
}

static bool config_size_ok(uint64_t off, unsigned size)
{
    return (size == 1 || size == 2 || size == 4 || size == 8) && !(off & (size - 1));
}

static int vio_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
    struct hvf_virtio *v = opaque;
    *val = 0;
    if (off >= R_CONFIG) {
        if (!config_size_ok(off, size))
            return bad_width(v, off, size, false);
        pthread_mutex_lock(&v->lock);
        int rc = v->ops ? v->ops->config_read(v->dev, off - R_CONFIG, size, val) : 0;
        pthread_mutex_unlock(&v->lock);
        return rc;
    }
    if (size != 4 || (off & 3))
        return bad_width(v, off, size, false);
    pthread_mutex_lock(&v->lock);
    *val = reg_read(v, off);
    pthread_mutex_unlock(&v->lock);
    return 0;
}

static int vio_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
    struct hvf_virtio *v = opaque;
    if (off >= R_CONFIG) {
        if (!config_size_ok(off, size))
            return bad_width(v, off, size, true);
        pthread_mutex_lock(&v->lock);
        int rc = v->ops && v->ops->config_write
                     ? v->ops->config_write(v->dev, off - R_CONFIG, size, val) : 0;
        pthread_mutex_unlock(&v->lock);
        return rc;
    }
    if (size != 4 || (off & 3))
        return bad_width(v, off, size, true);
    pthread_mutex_lock(&v->lock);
    reg_write(v, off, (uint32_t)val);
    pthread_mutex_unlock(&v->lock);
    return 0;
}

static const struct hv_mmio_ops virtio_ops = { .read = vio_read, .write = vio_write };

/* ---- life cycle -------------------------------------------------------------------------- */

int hvf_virtio_create(struct hv_vm *vm, uint64_t base, struct hv_irq_line irq,
                      struct hvf_virtio **out, char *err, size_t errlen)
{
    *out = NULL;
    struct hvf_virtio *v = calloc(1, sizeof(*v));
    if (!v)
        return hv__errf(err, errlen, HV_ENOMEM, "virtio-mmio: out of memory");
    v->vm = vm;
    snprintf(v->name, sizeof(v->name), "virtio-mmio@%#llx (empty)", (unsigned long long)base);
    v->irq = irq;
    pthread_mutex_init(&v->lock, NULL);
    int rc = hv__mem_add_mmio(&vm->mem, base, HVF_VIRTIO_STRIDE, &virtio_ops, v, err, errlen);
    if (rc < 0) {
        hvf_virtio_destroy(v);
        return rc;
    }
    *out = v;
    return 0;
}

int hvf_virtio_attach(struct hvf_virtio *v, const struct hvf_virtio_ops *ops, void *dev,
                      uint64_t features, char *err, size_t errlen)
{
    if (v->ops)
        return hv__errf(err, errlen, HV_EBUSY, "virtio-mmio: slot already holds a device");
    if (ops->nr_queues == 0 || ops->nr_queues > HVF_VQ_MAX_QUEUES || ops->queue_max == 0 ||
        (ops->queue_max & (ops->queue_max - 1)))
        return hv__errf(err, errlen, HV_EINVAL, "virtio-%s: bad queue layout", ops->name);
    pthread_mutex_lock(&v->lock);
    v->ops = ops;
    v->dev = dev;
    char *paren = strrchr(v->name, '(');
    if (paren)
        snprintf(paren, sizeof(v->name) - (size_t)(paren - v->name), "(%s)", ops->name);
    v->dev_features = features | (1ull << HVF_VIRTIO_F_VERSION_1) |
                      (1ull << HVF_VIRTIO_F_INDIRECT_DESC);
    device_reset(v);
    pthread_mutex_unlock(&v->lock);
    return 0;
}

void hvf_virtio_poll(struct hvf_virtio *v)
{
    if (!v || !v->ops || !v->ops->poll)
        return;
    pthread_mutex_lock(&v->lock);
    v->ops->poll(v, v->dev);
    pthread_mutex_unlock(&v->lock);
}

void hvf_virtio_destroy(struct hvf_virtio *v)
{
    if (!v)
        return;
    if (v->ops && v->ops->destroy)
        v->ops->destroy(v->dev);
    pthread_mutex_destroy(&v->lock);
    free(v);
}

/* ---- snapshot ------------------------------------------------------------------------- */

#define VIRTIO_SNAP_VERSION 1

static void virtio_save(void *state, unsigned slot, struct hv_snap_w *w)
{
    struct hvf_virtio *v = state;
    pthread_mutex_lock(&v->lock);
    hv__snap_begin_idx(w, "virtio", slot, VIRTIO_SNAP_VERSION);
    hv__snap_put_u32(w, v->ops ? v->ops->device_id : 0);
    hv__snap_put_u64(w, v->dev_features);
    hv__snap_put_u64(w, v->drv_features);
    hv__snap_put_u32(w, v->dev_features_sel);
    hv__snap_put_u32(w, v->drv_features_sel);
    hv__snap_put_u32(w, v->queue_sel);
    hv__snap_put_u32(w, v->status);
    hv__snap_put_u32(w, v->int_status);
    hv__snap_put_u32(w, v->config_gen);
    hv__snap_put_bool(w, v->irq_level);
    for (unsigned i = 0; i < HVF_VQ_MAX_QUEUES; i++) {
        const struct vq *q = &v->vq[i];
        hv__snap_put_u32(w, q->num);
        hv__snap_put_bool(w, q->ready);
        hv__snap_put_u64(w, q->desc);
        hv__snap_put_u64(w, q->avail);
        hv__snap_put_u64(w, q->used);
        hv__snap_put_u16(w, q->last_avail);
        hv__snap_put_u16(w, q->used_idx);
    }
    if (v->ops && v->ops->save)
        v->ops->save(v->dev, w);
    hv__snap_end(w);
    pthread_mutex_unlock(&v->lock);
}

static int virtio_load(void *state, unsigned slot, const struct hv_snap_index *idx,
                       char *err, size_t errlen)
{
    struct hvf_virtio *v = state;
    struct hvf_virtio s;
    struct hv_snap_r r;
    hv__snap_r_open_idx(&r, idx, "virtio", slot, VIRTIO_SNAP_VERSION);
    uint32_t id = hv__snap_get_u32(&r);
    if (hv__snap_r_ok(&r) && id != hvf_virtio_device_id(v))
        hv__snap_r_fail(&r, "device id %u, this slot holds %u", id, hvf_virtio_device_id(v));
    s.dev_features = hv__snap_get_u64(&r);
    s.drv_features = hv__snap_get_u64(&r);
    s.dev_features_sel = hv__snap_get_u32(&r);
    s.drv_features_sel = hv__snap_get_u32(&r);
    s.queue_sel = hv__snap_get_u32(&r);
    s.status = hv__snap_get_u32(&r);
    s.int_status = hv__snap_get_u32(&r);
    s.config_gen = hv__snap_get_u32(&r);
    s.irq_level = hv__snap_get_bool(&r);
    s.ops = v->ops;
    s.vm = v->vm;
    if (hv__snap_r_ok(&r) && s.dev_features != v->dev_features)
        hv__snap_r_fail(&r, "device features %#llx differ from this device's %#llx",
                        (unsigned long long)s.dev_features,
                        (unsigned long long)v->dev_features);
    for (unsigned i = 0; i < HVF_VQ_MAX_QUEUES; i++) {
        struct vq *q = &s.vq[i];
        q->num = hv__snap_get_u32(&r);
        q->ready = hv__snap_get_bool(&r);
        q->desc = hv__snap_get_u64(&r);
        q->avail = hv__snap_get_u64(&r);
        q->used = hv__snap_get_u64(&r);
        q->last_avail = hv__snap_get_u16(&r);
        q->used_idx = hv__snap_get_u16(&r);
        const char *why = NULL;
        if (hv__snap_r_ok(&r) && q->ready &&
            (!v->ops || i >= v->ops->nr_queues || (why = queue_check(&s, q)) != NULL))
            hv__snap_r_fail(&r, "queue %u: %s", i, why ? why :
                            "ready but the device has no such queue");
    }
    if (hv__snap_r_ok(&r) && v->ops && v->ops->load)
        v->ops->load(v->dev, &r);
    int rc = hv__snap_r_close(&r, err, errlen);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&v->lock);
    v->drv_features = s.drv_features;
    v->dev_features_sel = s.dev_features_sel;
    v->drv_features_sel = s.drv_features_sel;
    v->queue_sel = s.queue_sel;
    v->status = s.status;
    v->int_status = s.int_status;
    v->config_gen = s.config_gen;
    v->irq_level = s.irq_level;    /* the PLIC's input level is in its own section */
    memcpy(v->vq, s.vq, sizeof(s.vq));
    pthread_mutex_unlock(&v->lock);
    return 0;
}

/* ---- board descriptor ------------------------------------------------------------------ */

/* Eight empty slots; platform.c attaches the configured devices afterwards. */
static int virtio_create_dev(struct hvf_board *b, unsigned i, uint64_t base, void **state,
                             char *err, size_t errlen)
{
    return hvf_virtio_create(b->vm, base, hvf_plic_input(b->plic, HVF_IRQ_VIRTIO0 + i),
                             (struct hvf_virtio **)state, err, errlen);
}

static void virtio_destroy_dev(struct hvf_board *b, void *state)
{
    hvf_virtio_destroy(state);
}

static void virtio_poll_dev(void *state)
{
    if (hvf_virtio_device_id(state))
        hvf_virtio_poll(state);
}

static void virtio_fdt(struct hvf_fdt *f, const struct hvf_fdt_params *p, uint64_t base,
                       unsigned i)
{
    hvf_fdt_node_begin(f, "virtio_mmio", base, HVF_VIRTIO_STRIDE, HVF_IRQ_VIRTIO0 + i);
    hvf_fdt_str(f, "compatible", "virtio,mmio");
    hvf_fdt_end(f);
}

const struct hvf_device hvf_virtio_device = {
    .name = "virtio", .base = HVF_VIRTIO_BASE, .size = HVF_VIRTIO_STRIDE,
    .stride = HVF_VIRTIO_STRIDE, .count = HVF_VIRTIO_SLOTS,
    .create = virtio_create_dev, .destroy = virtio_destroy_dev, .poll = virtio_poll_dev,
    .save = virtio_save, .load = virtio_load, .fdt = virtio_fdt,
};
