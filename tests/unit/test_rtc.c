/* SPDX-License-Identifier: MIT */
/* Unit tests for backends/full/goldfish_rtc.c on a deterministic clock driven by a fake
 * instruction counter: time registers (LOW latches HIGH), setting the time, alarms firing
 * through poll and on arming, one interrupt request per alarm, IRQ enable / clear,
 * CLEAR_ALARM, next deadline. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include "backends/full/devices.h"

#define RTC HVF_RTC_BASE
enum { TIME_LOW = 0x00, TIME_HIGH = 0x04, ALARM_LOW = 0x08, ALARM_HIGH = 0x0c,
       IRQ_ENABLED = 0x10, CLEAR_ALARM = 0x14, ALARM_STATUS = 0x18, CLEAR_INTERRUPT = 0x1c };

static struct hv_vm *vm;
static struct hvf_rtc *rtc;
static uint64_t insns;
static int irq_level;
static int irq_requests;        /* assertions signalled: each is a request to the PLIC */

static uint64_t fake_insns(void *opaque) { return insns; }
static void irq_set(void *opaque, unsigned irq, int level)
{
    irq_level = level;
    if (level)
        irq_requests++;
}

static void setup(void)
{
    char err[256];
    vm = calloc(1, sizeof(*vm));
    hv_config_init(&vm->cfg);
    cr_assert_eq(hv__mem_init(&vm->mem, 1ull << 32, err, sizeof(err)), 0, "%s", err);
    hv__clock_init(&vm->clock, true, 10);       /* 10 insns = one 100 ns tick */
    vm->clock.insns = fake_insns;
    insns = 0;
    struct hv_irq_line l = { .set = irq_set, .irq = HVF_IRQ_RTC };
    cr_assert_eq(hvf_rtc_create(vm, RTC, l, &rtc, err, sizeof(err)), 0, "%s", err);
}

static void teardown(void)
{
    hvf_rtc_destroy(rtc);
    hv__mem_fini(&vm->mem);
    free(vm);
}

TestSuite(rtc, .init = setup, .fini = teardown);

static uint32_t rd(unsigned off)
{
    struct hv_region *r = hv__mem_find(&vm->mem, RTC);
    uint64_t v;
    cr_assert_eq(r->ops->read(r->opaque, off, 4, &v), 0);
    return (uint32_t)v;
}

static void wr(unsigned off, uint32_t v)
{
    struct hv_region *r = hv__mem_find(&vm->mem, RTC);
    cr_assert_eq(r->ops->write(r->opaque, off, 4, v), 0);
}

static uint64_t read_time(void)
{
    uint64_t lo = rd(TIME_LOW);
    return lo | ((uint64_t)rd(TIME_HIGH) << 32);
}

#define EPOCH_NS (1735689600ull * 1000000000ull)

Test(rtc, time_follows_virtual_wall_clock)
{
    cr_assert_eq(read_time(), EPOCH_NS);
    insns = 1000;                                /* 100 ticks = 10 us */
    cr_assert_eq(read_time(), EPOCH_NS + 10000);
}

Test(rtc, low_latches_high)
{
    /* HIGH stays what the last LOW read saw, even if time moved across a 2^32 boundary. */
    uint32_t lo = rd(TIME_LOW);
    uint32_t hi = rd(TIME_HIGH);
    insns += 10ull * 50000000;                   /* +5 s: the low word wraps */
    cr_assert_eq(rd(TIME_HIGH), hi);
    cr_assert_neq(rd(TIME_LOW), lo);
    cr_assert_neq(rd(TIME_HIGH), hi);
}

Test(rtc, set_time)
{
    uint64_t want = 0x0000001234567800ull;
    wr(TIME_HIGH, (uint32_t)(want >> 32));
    wr(TIME_LOW, (uint32_t)want);
    cr_assert_eq(read_time(), want);
    insns += 10;
    cr_assert_eq(read_time(), want + 100);
}

Test(rtc, alarm_fires_on_poll)
{
    uint64_t at = read_time() + 1000;
    wr(IRQ_ENABLED, 1);
    cr_assert_eq(rd(IRQ_ENABLED), 1);
    wr(ALARM_HIGH, (uint32_t)(at >> 32));
    wr(ALARM_LOW, (uint32_t)at);
    cr_assert_eq(rd(ALARM_STATUS), 1);
    cr_assert_eq(rd(ALARM_LOW), (uint32_t)at);
    cr_assert_eq(rd(ALARM_HIGH), (uint32_t)(at >> 32));
    cr_assert_eq(hvf_rtc_next_deadline(rtc), 1000);
    hvf_rtc_poll(rtc);
    cr_assert_eq(irq_level, 0);
    insns += 99;                                 /* 990 ns */
    hvf_rtc_poll(rtc);
    cr_assert_eq(irq_level, 0);
    insns += 1;
    hvf_rtc_poll(rtc);
    cr_assert_eq(irq_level, 1);
    cr_assert_eq(rd(ALARM_STATUS), 0);
    cr_assert_eq(hvf_rtc_next_deadline(rtc), UINT64_MAX);
    wr(CLEAR_INTERRUPT, 1);
    cr_assert_eq(irq_level, 0);
}

Test(rtc, past_alarm_fires_at_once)
{
    wr(IRQ_ENABLED, 1);
    wr(ALARM_HIGH, 0);
    wr(ALARM_LOW, 5);
    cr_assert_eq(irq_level, 1);
    cr_assert_eq(rd(ALARM_STATUS), 0);
}

/* The PLIC pends a source per signalled assertion (plic.c): an alarm firing while the
 * previous one is still unacknowledged is a new request; reads and polls are not. */
Test(rtc, each_alarm_is_a_request)
{
    irq_requests = 0;
    wr(IRQ_ENABLED, 1);
    wr(ALARM_HIGH, 0);
    wr(ALARM_LOW, 5);
    cr_assert_eq(irq_requests, 1);
    hvf_rtc_poll(rtc);
    (void)read_time();
    cr_assert_eq(irq_requests, 1);
    wr(ALARM_LOW, 6);                            /* fires at once, line still high */
    cr_assert_eq(irq_level, 1);
    cr_assert_eq(irq_requests, 2);
    wr(CLEAR_INTERRUPT, 1);
    cr_assert_eq(irq_level, 0);
    cr_assert_eq(irq_requests, 2);
}

Test(rtc, irq_enable_gates_line)
{
    wr(ALARM_HIGH, 0);
    wr(ALARM_LOW, 5);
    cr_assert_eq(irq_level, 0, "pending but disabled");
    wr(IRQ_ENABLED, 1);
    cr_assert_eq(irq_level, 1);
    wr(IRQ_ENABLED, 0);
    cr_assert_eq(irq_level, 0);
}

Test(rtc, clear_alarm)
{
    uint64_t at = read_time() + 100;
    wr(IRQ_ENABLED, 1);
    wr(ALARM_HIGH, (uint32_t)(at >> 32));
    wr(ALARM_LOW, (uint32_t)at);
    wr(CLEAR_ALARM, 1);
    cr_assert_eq(rd(ALARM_STATUS), 0);
    insns += 1000;
    hvf_rtc_poll(rtc);
    cr_assert_eq(irq_level, 0);
}

Test(rtc, access_rules)
{
    struct hv_region *r = hv__mem_find(&vm->mem, RTC);
    uint64_t v;
    cr_assert_lt(r->ops->read(r->opaque, 0, 8, &v), 0);
    cr_assert_lt(r->ops->read(r->opaque, 1, 4, &v), 0);
    cr_assert_eq(rd(0x40), 0);
    wr(0x40, 1);
}
