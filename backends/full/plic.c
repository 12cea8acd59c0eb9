/* SPDX-License-Identifier: MIT */
/* libhv full backend — SiFive PLIC as on QEMU's virt board: 96 sources (0 = none), 3-bit
 * priorities, per-context enables / threshold / claim-complete, two contexts per hart
 * (M then S).
 *
 * Gateway (QEMU's sifive_plic, which guests written against the virt board rely on): every
 * assertion a device signals is a request and sets the source's pending bit, also while
 * the line was already high and also while the source is in service (it becomes claimable
 * after the completion); a deassertion withdraws a request not yet claimed. A claim moves
 * the request into service; completing ends the service but does not by itself pend the
 * source again, even if its line is still high. A level-triggered gateway would re-pend
 * it, so a device condition the driver leaves set (a 16550's THR-empty with a handler that
 * never reads IIR, issue 17) would interrupt endlessly; on QEMU it interrupts once per
 * event. The devices therefore signal each new event (uart16550_full.c, virtio_mmio.c,
 * goldfish_rtc.c), as QEMU's do. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "backends/full/devices.h"
#include "backends/full/full.h"
#include "backends/full/snapshot.h"

#define NWORDS ((HVF_PLIC_SOURCES + 31) / 32)
#define PRIO_MASK 7u

#define PENDING_BASE 0x1000u
#define ENABLE_BASE 0x2000u
#define ENABLE_STRIDE 0x80u
#define CONTEXT_BASE 0x200000u
#define CONTEXT_STRIDE 0x1000u

struct hvf_plic {
    struct hv_vm *vm;
    pthread_mutex_t lock;
    unsigned nr_ctx;
    uint32_t priority[HVF_PLIC_SOURCES];
    uint32_t level[NWORDS];          /* input line state */
    uint32_t pending[NWORDS];        /* requests not yet claimed */
    uint32_t in_service[NWORDS];     /* claimed, not yet completed */
    uint32_t enable[HVF_PLIC_MAX_CTX][NWORDS];
    uint32_t threshold[HVF_PLIC_MAX_CTX];
    struct hv_irq_line out[HVF_PLIC_MAX_CTX];
    bool out_level[HVF_PLIC_MAX_CTX];
    struct hv__logrl rl;             /* refusals logged (rate limit) */
};

/* Log (rate-limited) a guest access the PLIC ignores or refuses. */
#define LOG_REFUSED(p, ...) \
    hv__log_limited((p)->vm, &(p)->rl, HV__LOG_REFUSED, "plic", __VA_ARGS__)

static bool bit(const uint32_t *w, unsigned i) { return (w[i / 32] >> (i % 32)) & 1u; }
static void set_bit(uint32_t *w, unsigned i, bool v)
{
    if (v)
        w[i / 32] |= 1u << (i % 32);
    else
        w[i / 32] &= ~(1u << (i % 32));
}

/* Highest-priority pending, enabled source not in service, above the context's threshold
 * (ties: lowest id), or 0. */
static unsigned best_source(const struct hvf_plic *p, unsigned ctx)
{
    unsigned best = 0;
    uint32_t best_prio = p->threshold[ctx];
    for (unsigned w = 0; w < NWORDS; w++) {
        uint32_t cand = p->pending[w] & ~p->in_service[w] & p->enable[ctx][w];
        while (cand) {
            unsigned i = w * 32 + (unsigned)__builtin_ctz(cand);
            cand &= cand - 1;
            if (p->priority[i] > best_prio) {
                best_prio = p->priority[i];
                best = i;
            }
        }
    }
    return best;
}

/* Recompute every context's output and drive the lines that changed. */
static void update(struct hvf_plic *p)
{
    for (unsigned c = 0; c < p->nr_ctx; c++) {
        bool lvl = best_source(p, c) != 0;
        if (lvl != p->out_level[c]) {
            p->out_level[c] = lvl;
            hv__irq_set(&p->out[c], lvl);
        }
    }
}

static void input_set(void *opaque, unsigned src, int level)
{
    struct hvf_plic *p = opaque;
    if (src == 0 || src >= HVF_PLIC_SOURCES)
        return;
    pthread_mutex_lock(&p->lock);
    set_bit(p->level, src, level != 0);
    /* Each assertion is a request (see the top of the file); a deassertion withdraws the
     * request not yet claimed. */
    set_bit(p->pending, src, level != 0);
    update(p);
    pthread_mutex_unlock(&p->lock);
}

struct hv_irq_line hvf_plic_input(struct hvf_plic *plic, unsigned source)
{
    return (struct hv_irq_line){ .set = input_set, .opaque = plic, .irq = source };
}

static uint32_t claim(struct hvf_plic *p, unsigned ctx)
{
    unsigned src = best_source(p, ctx);
    if (!src)
        return 0;
    set_bit(p->pending, src, false);
    set_bit(p->in_service, src, true);
    update(p);
    return src;
}

static void complete(struct hvf_plic *p, unsigned ctx, uint32_t src)
{
    /* Ignored unless the source is valid, in service and enabled for this context (the
     * PLIC spec's rule for a complete that does not match a claim). A line still high
     * does not pend the source again: only a request signalled since the claim does. */
    if (src == 0 || src >= HVF_PLIC_SOURCES || !bit(p->in_service, src) ||
        !bit(p->enable[ctx], src)) {
        LOG_REFUSED(p, "context %u complete: source %u ignored: %s", ctx, src,
                    src == 0 || src >= HVF_PLIC_SOURCES ? "no such source"
                    : !bit(p->in_service, src) ? "not claimed" : "not enabled for this context");
        return;
    }
    set_bit(p->in_service, src, false);
    update(p);
}

static uint32_t reg_read(struct hvf_plic *p, uint64_t off)
{
    if (off < PENDING_BASE) {
        unsigned src = (unsigned)(off / 4);
        return src < HVF_PLIC_SOURCES ? p->priority[src] : 0;
    }
    if (off < ENABLE_BASE) {
        unsigned w = (unsigned)((off - PENDING_BASE) / 4);
        return w < NWORDS ? p->pending[w] : 0;
    }
    if (off < CONTEXT_BASE) {
        unsigned ctx = (unsigned)((off - ENABLE_BASE) / ENABLE_STRIDE);
        unsigned w = (unsigned)((off - ENABLE_BASE) % ENABLE_STRIDE / 4);
        return ctx < p->nr_ctx && w < NWORDS ? p->enable[ctx][w] : 0;
    }
    unsigned ctx = (unsigned)((off - CONTEXT_BASE) / CONTEXT_STRIDE);
    unsigned reg = (unsigned)((off - CONTEXT_BASE) % CONTEXT_STRIDE);
    if (ctx >= p->nr_ctx) {
        LOG_REFUSED(p, "offset %#llx: read of context %u: no such context (%u), reads 0",
                    (unsigned long long)off, ctx, p->nr_ctx);
        return 0;
    }
    if (reg == 0)
        return p->threshold[ctx];
    if (reg == 4)
        return claim(p, ctx);
    return 0;
}

static void reg_write(struct hvf_plic *p, uint64_t off, uint32_t val)
{
    if (off < PENDING_BASE) {
        unsigned src = (unsigned)(off / 4);
        if (src > 0 && src < HVF_PLIC_SOURCES)
            p->priority[src] = val & PRIO_MASK;
        else if (val)
            LOG_REFUSED(p, "priority of source %u: write of %#x ignored: no such source", src, val);
        update(p);
        return;
    }
    if (off < ENABLE_BASE) {                     /* pending bits are read-only */
        LOG_REFUSED(p, "offset %#llx: write to the read-only pending array ignored",
                    (unsigned long long)off);
        return;
    }
    if (off < CONTEXT_BASE) {
        unsigned ctx = (unsigned)((off - ENABLE_BASE) / ENABLE_STRIDE);
        unsigned w = (unsigned)((off - ENABLE_BASE) % ENABLE_STRIDE / 4);
        if (ctx >= p->nr_ctx || w >= NWORDS) {
            if (val)
                LOG_REFUSED(p, "offset %#llx: enable write %#x ignored: %s",
                            (unsigned long long)off, val, ctx >= p->nr_ctx ? "no such context"
                            : "no such sources");
            return;
        }
        p->enable[ctx][w] = w == 0 ? val & ~1u : val;    /* source 0 does not exist */
        update(p);
        return;
    }
    unsigned ctx = (unsigned)((off - CONTEXT_BASE) / CONTEXT_STRIDE);
    unsigned reg = (unsigned)((off - CONTEXT_BASE) % CONTEXT_STRIDE);
    if (ctx >= p->nr_ctx) {
        LOG_REFUSED(p, "offset %#llx: write to context %u ignored: no such context (%u)",
                    (unsigned long long)off, ctx, p->nr_ctx);
        return;
    }
    if (reg == 0) {
        p->threshold[ctx] = val & PRIO_MASK;
        update(p);
    } else if (reg == 4) {
        complete(p, ctx, val);
    } else {
        LOG_REFUSED(p, "context %u register %#x: write ignored: reserved", ctx, reg);
    }
}

static int bad_width(struct hvf_plic *p, uint64_t off, unsigned size, const char *what)
{
    LOG_REFUSED(p, "offset %#llx: %u-byte %s refused (32-bit aligned accesses only; access fault)",
                (unsigned long long)off, size, what);
    return HV_EINVAL;
}

static int plic_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
    struct hvf_plic *p = opaque;
    if (size != 4 || (off & 3))
        return bad_width(p, off, size, "read");
    pthread_mutex_lock(&p->lock);
    *val = reg_read(p, off);
    pthread_mutex_unlock(&p->lock);
    return 0;
}

static int plic_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
    struct hvf_plic *p = opaque;
    if (size != 4 || (off & 3))
        return bad_width(p, off, size, "write");
    pthread_mutex_lock(&p->lock);
    reg_write(p, off, (uint32_t)val);
    pthread_mutex_unlock(&p->lock);
    return 0;
}

static const struct hv_mmio_ops plic_ops = { .read = plic_read, .write = plic_write };

int hvf_plic_create(struct hv_vm *vm, uint64_t base, unsigned nr_harts,
                    const struct hv_irq_line *ctx_out, struct hvf_plic **out,
                    char *err, size_t errlen)
{
    *out = NULL;
    if (nr_harts == 0 || nr_harts > HV_MAX_VCPUS)
        return hv__errf(err, errlen, HV_EINVAL, "plic: %u harts (1..%u)", nr_harts,
                        HV_MAX_VCPUS);
    struct hvf_plic *p = calloc(1, sizeof(*p));
    if (!p)
        return hv__errf(err, errlen, HV_ENOMEM, "plic: out of memory");
    p->vm = vm;
    p->nr_ctx = 2 * nr_harts;
    if (ctx_out)
        memcpy(p->out, ctx_out, p->nr_ctx * sizeof(p->out[0]));
    pthread_mutex_init(&p->lock, NULL);
    int rc = hv__mem_add_mmio(&vm->mem, base, HVF_PLIC_SIZE, &plic_ops, p, err, errlen);
    if (rc < 0) {
        hvf_plic_destroy(p);
        return rc;
    }
    *out = p;
    return 0;
}

void hvf_plic_destroy(struct hvf_plic *plic)
{
    if (!plic)
        return;
    pthread_mutex_destroy(&plic->lock);
    free(plic);
}

/* ---- snapshot ------------------------------------------------------------------------- */

#define PLIC_SNAP_VERSION 1

static void plic_save(void *state, unsigned inst, struct hv_snap_w *w)
{
    struct hvf_plic *p = state;
    pthread_mutex_lock(&p->lock);
    hv__snap_begin(w, "plic", PLIC_SNAP_VERSION);
    hv__snap_put_u32(w, p->nr_ctx);
    for (unsigned i = 0; i < HVF_PLIC_SOURCES; i++)
        hv__snap_put_u32(w, p->priority[i]);
    for (unsigned i = 0; i < NWORDS; i++) {
        hv__snap_put_u32(w, p->level[i]);
        hv__snap_put_u32(w, p->pending[i]);
        hv__snap_put_u32(w, p->in_service[i]);
    }
    for (unsigned c = 0; c < p->nr_ctx; c++) {
        for (unsigned i = 0; i < NWORDS; i++)
            hv__snap_put_u32(w, p->enable[c][i]);
        hv__snap_put_u32(w, p->threshold[c]);
        hv__snap_put_bool(w, p->out_level[c]);
    }
    hv__snap_end(w);
    pthread_mutex_unlock(&p->lock);
}

/* The output levels are restored without driving the lines: the harts' MEIP/SEIP are part
 * of the same snapshot. */
static int plic_load(void *state, unsigned inst, const struct hv_snap_index *idx, char *err,
                     size_t errlen)
{
    struct hvf_plic *p = state;
    struct hvf_plic s;
    struct hv_snap_r r;
    hv__snap_r_open(&r, idx, "plic", PLIC_SNAP_VERSION);
    if (hv__snap_get_u32(&r) != p->nr_ctx && hv__snap_r_ok(&r))
        hv__snap_r_fail(&r, "context count differs (VM has %u)", p->nr_ctx);
    for (unsigned i = 0; i < HVF_PLIC_SOURCES; i++)
        s.priority[i] = hv__snap_get_u32(&r) & PRIO_MASK;
    for (unsigned i = 0; i < NWORDS; i++) {
        s.level[i] = hv__snap_get_u32(&r);
        s.pending[i] = hv__snap_get_u32(&r);
        s.in_service[i] = hv__snap_get_u32(&r);
    }
    for (unsigned c = 0; c < p->nr_ctx; c++) {
        for (unsigned i = 0; i < NWORDS; i++)
            s.enable[c][i] = hv__snap_get_u32(&r);
        s.threshold[c] = hv__snap_get_u32(&r) & PRIO_MASK;
        s.out_level[c] = hv__snap_get_bool(&r);
    }
    int rc = hv__snap_r_close(&r, err, errlen);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&p->lock);
    memcpy(p->priority, s.priority, sizeof(s.priority));
    memcpy(p->level, s.level, sizeof(s.level));
    memcpy(p->pending, s.pending, sizeof(s.pending));
    memcpy(p->in_service, s.in_service, sizeof(s.in_service));
    for (unsigned c = 0; c < p->nr_ctx; c++) {
        memcpy(p->enable[c], s.enable[c], sizeof(s.enable[c]));
        p->threshold[c] = s.threshold[c];
        p->out_level[c] = s.out_level[c];
    }
    pthread_mutex_unlock(&p->lock);
    return 0;
}

/* ---- board descriptor ------------------------------------------------------------------ */

/* Context c drives MEIP (even c) / SEIP (odd c) of hart c/2 through the board. */
static int plic_create_dev(struct hvf_board *b, unsigned i, uint64_t base, void **state,
                           char *err, size_t errlen)
{
    unsigned harts = b->vm->cfg.nr_vcpus ? b->vm->cfg.nr_vcpus : 1;
    struct hv_irq_line ctx[HVF_PLIC_MAX_CTX];
    for (unsigned c = 0; c < 2 * harts; c++)
        ctx[c] = (struct hv_irq_line){ .set = hvf_platform_ext_irq, .opaque = b, .irq = c };
    int rc = hvf_plic_create(b->vm, base, harts, ctx, &b->plic, err, errlen);
    if (rc < 0)
        return rc;
    b->ext_irq_sources = true;
    *state = b->plic;
    return 0;
}

static void plic_destroy_dev(struct hvf_board *b, void *state)
{
    hvf_plic_destroy(state);
}

static void plic_fdt(struct hvf_fdt *f, const struct hvf_fdt_params *p, uint64_t base,
                     unsigned i)
{
    hvf_fdt_begin_at(f, "plic", base);
    hvf_fdt_u32(f, "phandle", HVF_PH_PLIC);
    hvf_fdt_u32(f, "riscv,ndev", HVF_PLIC_SOURCES - 1);
    hvf_fdt_reg(f, base, HVF_PLIC_SIZE);
    hvf_fdt_irqs_extended(f, p, 11, 9);           /* M external, S external */
    hvf_fdt_empty(f, "interrupt-controller");
    HVF_FDT_STRS(f, "compatible", "sifive,plic-1.0.0\0riscv,plic0");
    hvf_fdt_u32(f, "#address-cells", 0);
    hvf_fdt_u32(f, "#interrupt-cells", 1);
    hvf_fdt_end(f);
}

const struct hvf_device hvf_plic_device = {
    .name = "plic", .base = HVF_PLIC_BASE, .size = HVF_PLIC_SIZE,
    .create = plic_create_dev, .destroy = plic_destroy_dev, .save = plic_save,
    .load = plic_load, .fdt = plic_fdt,
};
