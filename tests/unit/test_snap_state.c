/* SPDX-License-Identifier: MIT */
/* Unit tests for the declarative state walker of libhv/snapshot/stream.c
 * (hv__snap_put_state / hv__snap_get_state): the payload equals the hand-written layout,
 * masks, constants and the check hook refuse a section without touching the state, and a
 * section of an older version leaves the fields it predates alone. */
#include <criterion/criterion.h>
#include <string.h>
#include "snapshot/stream.h"

struct dev {
    uint64_t a;
    uint32_t arr[3];
    uint8_t raw[5];
    bool flag;
    uint16_t later;            /* added in version 2 */
};

static const struct hv_snap_field fields[] = {
    HV_SNAP_CONST_FIELD("element count", 4, 3),
    HV_SNAP_INT_MASKED(struct dev, a, 0xffff),
    HV_SNAP_INT_ARRAY(struct dev, arr),
    HV_SNAP_BYTES_FIELD(struct dev, raw),
    HV_SNAP_BOOL_FIELD(struct dev, flag),
    { "later", HV_SNAP_INT, offsetof(struct dev, later), 2, 1, 2, 0 },
};

static void check(struct hv_snap_r *r, const void *decoded, const void *live)
{
    if (((const struct dev *)decoded)->arr[0] == 99)
        hv__snap_r_fail(r, "arr[0] may not be 99");
}

static const struct hv_snap_desc desc = {
    .name = "dev", .version = 2, .size = sizeof(struct dev), .fields = fields,
    .nr_fields = sizeof fields / sizeof fields[0], .check = check,
};

static const struct dev sample = { 0x1234, { 1, 2, 3 }, "abcd", true, 7 };

/* Load the single section of a raw stream into *d. */
static int load(const struct hv_snap_w *w, const struct hv_snap_desc *ds, struct dev *d,
                char *err)
{
    struct hv_snap_index idx;
    cr_assert_eq(hv__snap_index_build(&idx, w->buf, w->len, err, 256), 0, "%s", err);
    int rc = hv__snap_get_state(&idx, ds, 0, d, err, 256);
    hv__snap_index_free(&idx);
    return rc;
}

Test(snap_state, layout_matches_hand_written)
{
    struct hv_snap_w a, b;
    hv__snap_w_init_mem(&a);
    hv__snap_w_init_mem(&b);
    hv__snap_put_state(&a, &desc, 0, &sample);
    hv__snap_begin_idx(&b, "dev", 0, 2);
    hv__snap_put_u32(&b, 3);
    hv__snap_put_u64(&b, sample.a);
    for (unsigned i = 0; i < 3; i++)
        hv__snap_put_u32(&b, sample.arr[i]);
    hv__snap_put_bytes(&b, sample.raw, sizeof sample.raw);
    hv__snap_put_bool(&b, sample.flag);
    hv__snap_put_u16(&b, sample.later);
    hv__snap_end(&b);
    cr_assert_eq(a.len, b.len);
    cr_assert_eq(memcmp(a.buf, b.buf, a.len), 0);
    struct dev d = { 0 };
    char err[256];
    cr_assert_eq(load(&a, &desc, &d, err), 0, "%s", err);
    cr_assert_eq(memcmp(&d, &sample, sizeof d), 0);
    hv__snap_w_free(&a);
    hv__snap_w_free(&b);
}

Test(snap_state, invalid_values_change_nothing)
{
    struct dev bad = sample;
    bad.a = 0x10000;                                 /* outside the mask */
    struct hv_snap_w w;
    char err[256];
    struct dev d = { .a = 5 };
    hv__snap_w_init_mem(&w);
    hv__snap_put_state(&w, &desc, 0, &bad);
    cr_assert_lt(load(&w, &desc, &d, err), 0);
    cr_assert(strstr(err, "'dev.0'") && strstr(err, "a 0x10000"), "%s", err);
    cr_assert_eq(d.a, 5u, "state untouched");
    hv__snap_w_free(&w);

    bad = sample;
    bad.arr[0] = 99;                                 /* refused by the check hook */
    hv__snap_w_init_mem(&w);
    hv__snap_put_state(&w, &desc, 0, &bad);
    cr_assert_lt(load(&w, &desc, &d, err), 0);
    cr_assert(strstr(err, "may not be 99"), "%s", err);
    hv__snap_w_free(&w);

    struct hv_snap_field other[sizeof fields / sizeof fields[0]];
    memcpy(other, fields, sizeof fields);
    other[0].mask = 4;                               /* another element count */
    struct hv_snap_desc od = desc;
    od.fields = other;
    hv__snap_w_init_mem(&w);
    hv__snap_put_state(&w, &od, 0, &sample);
    cr_assert_lt(load(&w, &desc, &d, err), 0);
    cr_assert(strstr(err, "element count is 4"), "%s", err);
    hv__snap_w_free(&w);
}

Test(snap_state, older_version_keeps_newer_fields)
{
    struct hv_snap_desc v1 = desc;
    v1.version = 1;
    v1.nr_fields--;                                  /* what version 1 wrote */
    struct hv_snap_w w;
    hv__snap_w_init_mem(&w);
    hv__snap_put_state(&w, &v1, 0, &sample);
    struct dev d = { .later = 42 };
    char err[256];
    cr_assert_eq(load(&w, &desc, &d, err), 0, "%s", err);
    cr_assert_eq(d.a, sample.a);
    cr_assert_eq(d.later, 42, "a field newer than the section is left alone");
    hv__snap_w_free(&w);

    struct hv_snap_desc v3 = desc;                   /* a newer file: a clear error */
    v3.version = 3;
    hv__snap_w_init_mem(&w);
    hv__snap_put_state(&w, &v3, 0, &sample);
    cr_assert_lt(load(&w, &desc, &d, err), 0);
    cr_assert(strstr(err, "version 3 is not supported"), "%s", err);
    hv__snap_w_free(&w);
}
