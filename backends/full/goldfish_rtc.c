/* SPDX-License-Identifier: MIT */
/* libhv full backend — the goldfish RTC as on QEMU's virt board: a 64-bit nanosecond
 * wall clock (reading TIME_LOW latches TIME_HIGH; writing TIME_LOW after TIME_HIGH sets
 * the time), one alarm and an interrupt. Time is the VM's virtual wall clock plus an
 * offset the guest sets, so deterministic VMs see deterministic time. Alarms are checked
 * on register access and by hvf_rtc_poll(). */
#include <pthread.h>
#include <stdlib.h>
#include "backends/full/devices.h"
#include "backends/full/full.h"
#include "backends/full/snapshot.h"

enum {
    R_TIME_LOW = 0x00, R_TIME_HIGH = 0x04, R_ALARM_LOW = 0x08, R_ALARM_HIGH = 0x0c,
    R_IRQ_ENABLED = 0x10, R_CLEAR_ALARM = 0x14, R_ALARM_STATUS = 0x18,
    R_CLEAR_INTERRUPT = 0x1c
};

struct hvf_rtc {
    struct hv_vm *vm;
    struct hv_irq_line irq;
    pthread_mutex_t lock;
    int64_t offset;                 /* guest time = virtual wall ns + offset */
    uint32_t time_high;             /* latched by TIME_LOW reads, staged by writes */
    uint64_t alarm;                 /* guest-time ns */
    uint32_t alarm_high;            /* staged by ALARM_HIGH writes */
    bool alarm_running, irq_pending, irq_enabled, irq_level;
    struct hv__logrl rl;            /* refusals logged (rate limit) */
};

static uint64_t now(const struct hvf_rtc *r)
{
    return hv__clock_wall_ns(&r->vm->clock) + (uint64_t)r->offset;
}

/* A change of level, or an alarm firing while the line is already high: each is a request
 * to the PLIC, which pends a source per signalled assertion (plic.c). */
static void update_irq(struct hvf_rtc *r, bool event)
{
    bool lvl = r->irq_pending && r->irq_enabled;
    if (lvl != r->irq_level || (lvl && event)) {
        r->irq_level = lvl;
        hv__irq_set(&r->irq, lvl);
    }
}

static void check_alarm(struct hvf_rtc *r)
{
    bool fired = false;
    if (r->alarm_running && now(r) >= r->alarm) {
        r->alarm_running = false;
        r->irq_pending = true;
        fired = true;
    }
    update_irq(r, fired);
}

static uint32_t reg_read(struct hvf_rtc *r, uint64_t off)
{
    uint64_t t;
    switch (off) {
    case R_TIME_LOW:
        t = now(r);
        r->time_high = (uint32_t)(t >> 32);
        return (uint32_t)t;
    case R_TIME_HIGH: return r->time_high;
    case R_ALARM_LOW: return (uint32_t)r->alarm;
    case R_ALARM_HIGH: return (uint32_t)(r->alarm >> 32);
    case R_IRQ_ENABLED: return r->irq_enabled;
    case R_ALARM_STATUS: return r->alarm_running;
    default: return 0;
    }
}

static void reg_write(struct hvf_rtc *r, uint64_t off, uint32_t val)
{
    uint64_t cur, want;
    switch (off) {
    case R_TIME_LOW:
        cur = now(r);
        want = ((uint64_t)r->time_high << 32) | val;
        r->offset += (int64_t)(want - cur);
        break;
    case R_TIME_HIGH: r->time_high = val; break;
    case R_ALARM_LOW:
        r->alarm = ((uint64_t)r->alarm_high << 32) | val;
        r->alarm_running = true;
        break;
    case R_ALARM_HIGH: r->alarm_high = val; break;
    case R_IRQ_ENABLED: r->irq_enabled = val & 1; break;
    case R_CLEAR_ALARM: r->alarm_running = false; break;
    case R_CLEAR_INTERRUPT: r->irq_pending = false; break;
    default:
        hv__log_limited(r->vm, &r->rl, HV__LOG_REFUSED, "goldfish-rtc", "offset %#llx: "
                        "write of %#x ignored: read-only or reserved",
                        (unsigned long long)off, val);
        break;
    }
}

static int bad_width(struct hvf_rtc *r, uint64_t off, unsigned size, const char *what)
{
    hv__log_limited(r->vm, &r->rl, HV__LOG_REFUSED, "goldfish-rtc", "offset %#llx: %u-byte "
                    "%s refused (32-bit aligned accesses only; access fault)",
                    (unsigned long long)off, size, what);
    return HV_EINVAL;
}

static int rtc_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
    struct hvf_rtc *r = opaque;
    if (size != 4 || (off & 3))
        return bad_width(r, off, size, "read");
    pthread_mutex_lock(&r->lock);
    *val = reg_read(r, off);
    check_alarm(r);
    pthread_mutex_unlock(&r->lock);
    return 0;
}

static int rtc_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
    struct hvf_rtc *r = opaque;
    if (size != 4 || (off & 3))
        return bad_width(r, off, size, "write");
    pthread_mutex_lock(&r->lock);
    reg_write(r, off, (uint32_t)val);
    check_alarm(r);
    pthread_mutex_unlock(&r->lock);
    return 0;
}

static const struct hv_mmio_ops rtc_ops = { .read = rtc_read, .write = rtc_write };

void hvf_rtc_poll(struct hvf_rtc *rtc)
{
    pthread_mutex_lock(&rtc->lock);
    check_alarm(rtc);
    pthread_mutex_unlock(&rtc->lock);
}

uint64_t hvf_rtc_next_deadline(struct hvf_rtc *rtc)
{
    pthread_mutex_lock(&rtc->lock);
    uint64_t d = UINT64_MAX;
    if (rtc->alarm_running) {
        uint64_t t = now(rtc), virt = hv__clock_ns(&rtc->vm->clock);
        d = rtc->alarm <= t ? virt : virt + (rtc->alarm - t);
    }
    pthread_mutex_unlock(&rtc->lock);
    return d;
}

int hvf_rtc_create(struct hv_vm *vm, uint64_t base, struct hv_irq_line irq,
                   struct hvf_rtc **out, char *err, size_t errlen)
{
    *out = NULL;
    struct hvf_rtc *r = calloc(1, sizeof(*r));
    if (!r)
        return hv__errf(err, errlen, HV_ENOMEM, "rtc: out of memory");
    r->vm = vm;
    r->irq = irq;
    pthread_mutex_init(&r->lock, NULL);
    int rc = hv__mem_add_mmio(&vm->mem, base, HVF_RTC_SIZE, &rtc_ops, r, err, errlen);
    if (rc < 0) {
        hvf_rtc_destroy(r);
        return rc;
    }
    *out = r;
    return 0;
}

void hvf_rtc_destroy(struct hvf_rtc *rtc)
{
    if (!rtc)
        return;
    pthread_mutex_destroy(&rtc->lock);
    free(rtc);
}

/* ---- snapshot ------------------------------------------------------------------------- */

/* The offset is relative to the VM's virtual wall clock, which the snapshot restores, so
 * the guest's time continues from the snapshot. Saved and loaded by the board through the
 * row (no vCPU runs then, and only vCPU threads touch the device). */
static const struct hv_snap_field rtc_fields[] = {
    HV_SNAP_INT_FIELD(struct hvf_rtc, offset),
    HV_SNAP_INT_FIELD(struct hvf_rtc, time_high),
    HV_SNAP_INT_FIELD(struct hvf_rtc, alarm),
    HV_SNAP_INT_FIELD(struct hvf_rtc, alarm_high),
    HV_SNAP_BOOL_FIELD(struct hvf_rtc, alarm_running),
    HV_SNAP_BOOL_FIELD(struct hvf_rtc, irq_pending),
    HV_SNAP_BOOL_FIELD(struct hvf_rtc, irq_enabled),
    HV_SNAP_BOOL_FIELD(struct hvf_rtc, irq_level),
};

static const struct hv_snap_desc rtc_snap = {
    .name = "rtc", .version = 1, .size = sizeof(struct hvf_rtc),
    .fields = rtc_fields, .nr_fields = sizeof rtc_fields / sizeof rtc_fields[0],
};

/* ---- board descriptor ------------------------------------------------------------------ */

static int rtc_create_dev(struct hvf_board *b, unsigned i, uint64_t base, void **state,
                          char *err, size_t errlen)
{
    return hvf_rtc_create(b->vm, base, hvf_plic_input(b->plic, HVF_IRQ_RTC),
                          (struct hvf_rtc **)state, err, errlen);
}

static void rtc_destroy_dev(struct hvf_board *b, void *state)
{
    hvf_rtc_destroy(state);
}

static void rtc_poll_dev(void *state)
{
    hvf_rtc_poll(state);
}

static uint64_t rtc_deadline_dev(void *state)
{
    return hvf_rtc_next_deadline(state);
}

static void rtc_fdt(struct hvf_fdt *f, const struct hvf_fdt_params *p, uint64_t base,
                    unsigned i)
{
    hvf_fdt_node_begin(f, "rtc", base, HVF_RTC_SIZE, HVF_IRQ_RTC);
    hvf_fdt_str(f, "compatible", "google,goldfish-rtc");
    hvf_fdt_end(f);
}

const struct hvf_device hvf_rtc_device = {
    .name = "rtc", .base = HVF_RTC_BASE, .size = HVF_RTC_SIZE,
    .create = rtc_create_dev, .destroy = rtc_destroy_dev, .poll = rtc_poll_dev,
    .deadline = rtc_deadline_dev, .snap = &rtc_snap, .fdt = rtc_fdt,
};
