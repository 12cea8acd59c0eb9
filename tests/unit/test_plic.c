/* SPDX-License-Identifier: MIT */
/* Unit tests for backends/full/plic.c: priorities (WARL), pending bits, per-context
 * enables and thresholds, claim/complete with QEMU's gateway (a request per signalled
 * assertion, none from completing), tie-breaking, M/S contexts of two harts, every
 * context's output recomputed on claims, completes and enable changes, invalid offsets
 * and access sizes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "backends/full/devices.h"

#define PLIC HVF_PLIC_BASE
#define PRIO(s) (PLIC + 4ull * (s))
#define PENDING(w) (PLIC + 0x1000 + 4ull * (w))
#define ENABLE(c, w) (PLIC + 0x2000 + 0x80ull * (c) + 4ull * (w))
#define THRESH(c) (PLIC + 0x200000 + 0x1000ull * (c))
#define CLAIM(c) (THRESH(c) + 4)

static struct hv_vm *vm;
static struct hvf_plic *plic;
static int out_level[HVF_PLIC_MAX_CTX];
static int out_changes;

static void out_set(void *opaque, unsigned irq, int level)
{
    out_level[irq] = level;
    out_changes++;
}

static void setup(void)
{
    char err[256];
    vm = calloc(1, sizeof(*vm));
    hv_config_init(&vm->cfg);
    cr_assert_eq(hv__mem_init(&vm->mem, 1ull << 32, err, sizeof(err)), 0, "%s", err);
    hv__clock_init(&vm->clock, false, 0);
    struct hv_irq_line lines[4];
    for (unsigned c = 0; c < 4; c++)
        lines[c] = (struct hv_irq_line){ .set = out_set, .irq = c };
    cr_assert_eq(hvf_plic_create(vm, PLIC, 2, lines, &plic, err, sizeof(err)), 0, "%s", err);
}

static void teardown(void)
{
    hvf_plic_destroy(plic);
    hv__mem_fini(&vm->mem);
    free(vm);
}

TestSuite(plic, .init = setup, .fini = teardown);

static uint64_t rd(uint64_t gpa)
{
    struct hv_region *r = hv__mem_find(&vm->mem, gpa);
    cr_assert_not_null(r);
    uint64_t v = 0xdead;
    cr_assert_eq(r->ops->read(r->opaque, gpa - r->gpa, 4, &v), 0);
    return v;
}

static void wr(uint64_t gpa, uint64_t v)
{
    struct hv_region *r = hv__mem_find(&vm->mem, gpa);
    cr_assert_not_null(r);
    cr_assert_eq(r->ops->write(r->opaque, gpa - r->gpa, 4, v), 0);
}

static void line(unsigned src, int level)
{
    struct hv_irq_line l = hvf_plic_input(plic, src);
    hv__irq_set(&l, level);
}

Test(plic, priority_is_warl_3_bits)
{
    wr(PRIO(1), 0xffffffff);
    cr_assert_eq(rd(PRIO(1)), 7);
    wr(PRIO(95), 5);
    cr_assert_eq(rd(PRIO(95)), 5);
    wr(PRIO(0), 3);                      /* source 0 does not exist */
    cr_assert_eq(rd(PRIO(0)), 0);
    cr_assert_eq(rd(PRIO(96)), 0);       /* beyond the sources */
}

Test(plic, pending_visible_and_read_only)
{
    line(10, 1);
    cr_assert_eq(rd(PENDING(0)), 1u << 10);
    line(33, 1);
    cr_assert_eq(rd(PENDING(1)), 1u << 1);
    wr(PENDING(0), 0);
    cr_assert_eq(rd(PENDING(0)), 1u << 10);
    line(10, 0);                         /* withdrawn before a claim */
    cr_assert_eq(rd(PENDING(0)), 0);
}

/* Issue 17 item 10: completing a source whose line is still high does not pend it again
 * (QEMU's PLIC); only a new assertion signalled by the device does. */
Test(plic, complete_does_not_repend_a_line_still_high)
{
    wr(PRIO(10), 1);
    wr(ENABLE(0, 0), 1u << 10);
    cr_assert_eq(out_level[0], 0);
    line(10, 1);
    cr_assert_eq(out_level[0], 1);
    cr_assert_eq(out_level[1], 0, "S context not enabled");
    cr_assert_eq(rd(CLAIM(0)), 10);
    cr_assert_eq(out_level[0], 0);
    cr_assert_eq(rd(PENDING(0)), 0);
    cr_assert_eq(rd(CLAIM(0)), 0, "nothing else to claim");
    wr(CLAIM(0), 10);                    /* complete while still asserted */
    cr_assert_eq(out_level[0], 0, "no new request, no interrupt");
    cr_assert_eq(rd(PENDING(0)), 0);
    cr_assert_eq(rd(CLAIM(0)), 0);
    line(10, 1);                         /* the device signals a new event */
    cr_assert_eq(out_level[0], 1);
    cr_assert_eq(rd(PENDING(0)), 1u << 10);
    cr_assert_eq(rd(CLAIM(0)), 10);
    line(10, 0);
    wr(CLAIM(0), 10);
    cr_assert_eq(out_level[0], 0);
    cr_assert_eq(rd(PENDING(0)), 0);
}

/* A request signalled while the source is in service is kept and delivered once after
 * the completion (several coalesce into one); one withdrawn before then is not. */
Test(plic, request_while_in_service_after_complete)
{
    wr(PRIO(5), 1);
    wr(ENABLE(0, 0), 1u << 5);
    line(5, 1);
    cr_assert_eq(rd(CLAIM(0)), 5);
    line(5, 1);                          /* new events while in service */
    line(5, 1);
    cr_assert_eq(rd(PENDING(0)), 1u << 5, "the request is visible as pending");
    cr_assert_eq(out_level[0], 0, "but not claimable before the completion");
    cr_assert_eq(rd(CLAIM(0)), 0);
    wr(CLAIM(0), 5);
    cr_assert_eq(out_level[0], 1);
    cr_assert_eq(rd(CLAIM(0)), 5);
    wr(CLAIM(0), 5);
    cr_assert_eq(out_level[0], 0, "the requests coalesced into one");
    line(5, 1);
    cr_assert_eq(rd(CLAIM(0)), 5);
    line(5, 0);                          /* withdrawn while in service */
    line(5, 1);
    line(5, 0);
    wr(CLAIM(0), 5);
    cr_assert_eq(out_level[0], 0);
    cr_assert_eq(rd(PENDING(0)), 0);
}

/* A request not yet claimed is withdrawn when the device drops its line. */
Test(plic, deassert_withdraws_unclaimed_request)
{
    wr(PRIO(4), 1);
    wr(ENABLE(1, 0), 1u << 4);
    line(4, 1);
    cr_assert_eq(out_level[1], 1);
    line(4, 0);
    cr_assert_eq(out_level[1], 0);
    cr_assert_eq(rd(CLAIM(1)), 0);
}

/* Several contexts enabled for one source (all harts, as some guests do): every one is
 * interrupted, one claims, the others' outputs drop at that claim and come back only with
 * a new request; enable and threshold changes recompute every context. */
Test(plic, shared_source_across_harts)
{
    wr(PRIO(10), 1);
    wr(ENABLE(0, 0), 1u << 10);
    wr(ENABLE(2, 0), 1u << 10);
    line(10, 1);
    cr_assert_eq(out_level[0], 1);
    cr_assert_eq(out_level[2], 1);
    cr_assert_eq(rd(CLAIM(2)), 10);
    cr_assert_eq(out_level[0], 0, "claimed by the other hart");
    cr_assert_eq(out_level[2], 0);
    cr_assert_eq(rd(CLAIM(0)), 0, "a late claim finds nothing");
    line(10, 1);                         /* new event during service */
    cr_assert_eq(out_level[0], 0);
    wr(CLAIM(2), 10);
    cr_assert_eq(out_level[0], 1);
    cr_assert_eq(out_level[2], 1);
    wr(ENABLE(2, 0), 0);                 /* moved away from hart 1 */
    cr_assert_eq(out_level[2], 0);
    cr_assert_eq(out_level[0], 1);
    wr(THRESH(0), 1);
    cr_assert_eq(out_level[0], 0);
    wr(THRESH(0), 0);
    cr_assert_eq(rd(CLAIM(0)), 10);
    cr_assert_eq(out_level[0], 0);
    wr(CLAIM(0), 10);
    cr_assert_eq(out_level[0], 0);
    cr_assert_eq(out_level[2], 0);
}

Test(plic, priority_order_and_ties)
{
    wr(PRIO(3), 2);
    wr(PRIO(4), 2);
    wr(PRIO(7), 6);
    wr(ENABLE(0, 0), (1u << 3) | (1u << 4) | (1u << 7));
    line(4, 1);
    line(3, 1);
    line(7, 1);
    cr_assert_eq(rd(CLAIM(0)), 7);
    cr_assert_eq(rd(CLAIM(0)), 3, "tie goes to the lowest id");
    cr_assert_eq(rd(CLAIM(0)), 4);
    cr_assert_eq(rd(CLAIM(0)), 0);
}

Test(plic, threshold_masks)
{
    wr(PRIO(8), 3);
    wr(ENABLE(0, 0), 1u << 8);
    wr(THRESH(0), 3);
    cr_assert_eq(rd(THRESH(0)), 3);
    line(8, 1);
    cr_assert_eq(out_level[0], 0, "priority must exceed the threshold");
    cr_assert_eq(rd(CLAIM(0)), 0);
    wr(THRESH(0), 2);
    cr_assert_eq(out_level[0], 1);
    wr(THRESH(0), 0xff);
    cr_assert_eq(rd(THRESH(0)), 7);
    cr_assert_eq(out_level[0], 0);
}

Test(plic, priority_zero_never_interrupts)
{
    wr(ENABLE(0, 0), 1u << 9);
    line(9, 1);
    cr_assert_eq(out_level[0], 0);
    cr_assert_eq(rd(CLAIM(0)), 0);
}

Test(plic, contexts_per_hart_and_mode)
{
    wr(PRIO(1), 1);
    wr(PRIO(40), 1);
    wr(ENABLE(3, 0), 1u << 1);            /* hart 1 S-mode */
    wr(ENABLE(2, 1), 1u << 8);            /* hart 1 M-mode, source 40 */
    line(1, 1);
    line(40, 1);
    cr_assert_eq(out_level[0], 0);
    cr_assert_eq(out_level[1], 0);
    cr_assert_eq(out_level[2], 1);
    cr_assert_eq(out_level[3], 1);
    cr_assert_eq(rd(ENABLE(2, 1)), 1u << 8);
    cr_assert_eq(rd(CLAIM(3)), 1);
    cr_assert_eq(out_level[3], 0);
    cr_assert_eq(rd(CLAIM(2)), 40);
}

Test(plic, complete_rules)
{
    wr(PRIO(6), 1);
    wr(ENABLE(0, 0), 1u << 6);
    line(6, 1);
    wr(CLAIM(0), 6);                     /* not claimed yet: ignored */
    cr_assert_eq(rd(PENDING(0)), 1u << 6);
    cr_assert_eq(rd(CLAIM(0)), 6);
    wr(CLAIM(0), 0);                     /* invalid ids: ignored */
    wr(CLAIM(0), 96);
    wr(CLAIM(0), 0xffffffff);
    wr(CLAIM(1), 6);                     /* not enabled for context 1: ignored */
    line(6, 0);
    line(6, 1);
    cr_assert_eq(rd(CLAIM(0)), 0, "still in service");
    wr(CLAIM(0), 6);
    cr_assert_eq(rd(CLAIM(0)), 6, "the request made during service");
}

Test(plic, enable_bit0_hardwired)
{
    wr(ENABLE(0, 0), 0xffffffff);
    cr_assert_eq(rd(ENABLE(0, 0)), 0xfffffffe);
    wr(ENABLE(0, 3), 0xffffffff);        /* beyond 96 sources */
    cr_assert_eq(rd(ENABLE(0, 3)), 0);
}

Test(plic, invalid_offsets_and_contexts)
{
    cr_assert_eq(rd(PLIC + 0x1f00), 0);
    cr_assert_eq(rd(ENABLE(4, 0)), 0);   /* context 4 needs a third hart */
    wr(ENABLE(4, 0), 0xffffffff);
    cr_assert_eq(rd(THRESH(4)), 0);
    wr(THRESH(4), 1);
    cr_assert_eq(rd(CLAIM(4)), 0);
    cr_assert_eq(rd(THRESH(0) + 8), 0);
    cr_assert_eq(rd(PLIC + HVF_PLIC_SIZE - 4), 0);
}

Test(plic, access_size_rules)
{
    struct hv_region *r = hv__mem_find(&vm->mem, PLIC);
    uint64_t v;
    cr_assert_lt(r->ops->read(r->opaque, 4, 1, &v), 0);
    cr_assert_lt(r->ops->read(r->opaque, 4, 8, &v), 0);
    cr_assert_lt(r->ops->write(r->opaque, 4, 2, 1), 0);
    cr_assert_lt(r->ops->read(r->opaque, 5, 4, &v), 0, "misaligned");
}

Test(plic, bad_create_args)
{
    char err[128];
    struct hvf_plic *p2;
    cr_assert_eq(hvf_plic_create(vm, 0x20000000, 0, NULL, &p2, err, sizeof(err)), HV_EINVAL);
    cr_assert_eq(hvf_plic_create(vm, 0x20000000, HV_MAX_VCPUS + 1, NULL, &p2, err, sizeof(err)),
                 HV_EINVAL);
    /* Overlapping the existing PLIC. */
    cr_assert_lt(hvf_plic_create(vm, PLIC, 1, NULL, &p2, err, sizeof(err)), 0);
    cr_assert_null(p2);
    hvf_plic_destroy(NULL);
}

/* Ignored and refused accesses are logged (hv run -v), naming the register and the reason. */
static char last_log[512];
static unsigned nlog;

static void capture(void *opaque, enum hv_log_level level, const char *msg)
{
    (void)opaque;
    cr_assert_eq(level, HV_LOG_INFO);
    snprintf(last_log, sizeof(last_log), "%s", msg);
    nlog++;
}

Test(plic, refusals_are_logged)
{
    vm->cfg.log = capture;
    vm->cfg.log_level = HV_LOG_DEBUG;
    wr(CLAIM(1), 10);
    cr_assert_str_eq(last_log, "plic: context 1 complete: source 10 ignored: not claimed");
    wr(PENDING(0), 1);
    cr_assert_str_eq(last_log, "plic: offset 0x1000: write to the read-only pending array ignored");
    wr(THRESH(9), 1);
    cr_assert_str_eq(last_log, "plic: offset 0x209000: write to context 9 ignored: no such "
                     "context (4)");
    struct hv_region *r = hv__mem_find(&vm->mem, PLIC);
    uint64_t v;
    cr_assert_eq(r->ops->read(r->opaque, 4, 2, &v), HV_EINVAL);
    cr_assert(strstr(last_log, "plic: offset 0x4: 2-byte read refused"), "%s", last_log);
    cr_assert_eq(nlog, 4);
    vm->cfg.log = NULL;
    wr(PENDING(0), 1);
    cr_assert_eq(nlog, 4, "nothing without a log callback");
}
