/* SPDX-License-Identifier: MIT */
/* libhv full backend — the SiFive test finisher at 0x100000 (QEMU virt's "sifive,test0"
 * syscon): writing 0x5555 powers off (code 0), 0x3333 | code << 16 powers off with that
 * exit code (HV_EXIT_SHUTDOWN carries every exit code, as QEMU exits with it), 0x7777
 * requests a reboot. Other values are ignored; reads return 0. */
#include "backends/full/full.h"

#define FINISHER_FAIL 0x3333u
#define FINISHER_PASS 0x5555u
#define FINISHER_RESET 0x7777u

static int test_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
    *val = 0;
    return 0;
}

static int test_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
    struct hvf_board *b = opaque;
    if (off != 0)
        return 0;
    int code = (int)((val >> 16) & 0xffff);
    switch (val & 0xffff) {
    case FINISHER_PASS: hvf_board_stop(b, HV_EXIT_SHUTDOWN, 0); break;
    case FINISHER_FAIL: hvf_board_stop(b, HV_EXIT_SHUTDOWN, code); break;
    case FINISHER_RESET: hvf_board_stop(b, HV_EXIT_REBOOT, 0); break;
    default: break;
    }
    return 0;
}

static const struct hv_mmio_ops test_ops = { .read = test_read, .write = test_write };

/* ---- board descriptor ------------------------------------------------------------------ */

static int test_create(struct hvf_board *b, unsigned i, uint64_t base, void **state,
                       char *err, size_t errlen)
{
    int rc = hv__mem_add_mmio(&b->vm->mem, base, HVF_TEST_SIZE, &test_ops, b, err, errlen);
    *state = rc < 0 ? NULL : b;
    return rc;
}

/* The /poweroff and /reboot syscon nodes at the root refer to this one (fdt.c). */
static void test_fdt(struct hvf_fdt *f, const struct hvf_fdt_params *p, uint64_t base,
                     unsigned i)
{
    hvf_fdt_node_begin(f, "test", base, HVF_TEST_SIZE, 0);
    hvf_fdt_u32(f, "phandle", HVF_PH_TEST);
    HVF_FDT_STRS(f, "compatible", "sifive,test1\0sifive,test0\0syscon");
    hvf_fdt_end(f);
}

const struct hvf_device hvf_test_device = {
    .name = "test", .base = HVF_TEST_BASE, .size = HVF_TEST_SIZE,
    .create = test_create, .fdt = test_fdt,
};
