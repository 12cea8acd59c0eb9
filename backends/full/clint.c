/* SPDX-License-Identifier: MIT */
/* libhv full backend — CLINT (SiFive-compatible core-local interruptor): per-hart msip
 * (+0x0), mtimecmp (+0x4000) and the shared mtime (+0xbff8) at 10 MHz, derived from the
 * VM's virtual clock. MTIP is not stored: it is computed as mtime >= mtimecmp on read. */
#include "backends/full/full.h"
#include "core/wait.h"
#include "backends/full/snapshot.h"

#define CLINT_MSIP 0x0000u
#define CLINT_MTIMECMP 0x4000u
#define CLINT_MTIME 0xbff8u

uint64_t hvf_mtime(const struct hvf_board *b)
{
    return hv__clock_ticks(&b->vm->clock) + (uint64_t)atomic_load(&b->mtime_off);
}

void hvf_hart_wake(struct hvf_hart *h)
{
    if (!h)
        return;
    hv__cpu_request_exit(&h->vcpu->cpu);
    hv__wake(&h->wake);
}

void hvf_set_hw_irq(struct hvf_hart *h, uint64_t bit, bool level)
{
    if (!h)
        return;
    if (level)
        atomic_fetch_or(&h->hw_ip, bit);
    else
        atomic_fetch_and(&h->hw_ip, ~bit);
    hvf_hart_wake(h);
}

static struct hvf_hart *hart(struct hvf_board *b, uint64_t i)
{
    return i < HV_MAX_VCPUS ? b->harts[i] : NULL;
}

/* Merge a 4- or 8-byte write at byte offset `sub` (0 or 4) into a 64-bit register. */
static uint64_t merge64(uint64_t old, unsigned sub, unsigned size, uint64_t val)
{
    if (size == 8)
        return val;
    uint64_t mask = 0xffffffffull << (8 * sub);
    return (old & ~mask) | ((val & 0xffffffffull) << (8 * sub));
}

static int clint_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
    struct hvf_board *b = opaque;
    uint64_t reg, base;
    if (off < CLINT_MTIMECMP) {
        struct hvf_hart *h = hart(b, off / 4);
        *val = (h && (atomic_load(&h->hw_ip) & MIP_MSIP)) ? 1 : 0;
        return 0;
    }
    if (off >= CLINT_MTIME && off < CLINT_MTIME + 8) {
        base = CLINT_MTIME;
        reg = hvf_mtime(b);
    } else if (off < CLINT_MTIMECMP + 8 * HV_MAX_VCPUS) {
        base = CLINT_MTIMECMP + (off - CLINT_MTIMECMP) / 8 * 8;
        reg = atomic_load(&b->mtimecmp[(off - CLINT_MTIMECMP) / 8]);
    } else {
        *val = 0;
        return 0;
    }
    unsigned sub = (unsigned)(off - base);
    *val = size == 8 ? reg : (reg >> (8 * sub)) & (size == 4 ? 0xffffffffull : 0xffffull);
    return 0;
}

static int clint_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
    struct hvf_board *b = opaque;
    if (off < CLINT_MTIMECMP) {
        hvf_set_hw_irq(hart(b, off / 4), MIP_MSIP, val & 1);
        return 0;
    }
    if (off >= CLINT_MTIME && off < CLINT_MTIME + 8) {
        uint64_t nv = merge64(hvf_mtime(b), (unsigned)(off - CLINT_MTIME), size, val);
        atomic_store(&b->mtime_off, (int64_t)(nv - hv__clock_ticks(&b->vm->clock)));
        for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
            hvf_hart_wake(b->harts[i]);
        return 0;
    }
    if (off < CLINT_MTIMECMP + 8 * HV_MAX_VCPUS) {
        unsigned i = (unsigned)((off - CLINT_MTIMECMP) / 8);
        unsigned sub = (unsigned)((off - CLINT_MTIMECMP) % 8);
        atomic_store(&b->mtimecmp[i], merge64(atomic_load(&b->mtimecmp[i]), sub, size, val));
        hvf_hart_wake(b->harts[i]);    /* its WFI deadline and MTIP changed */
    }
    return 0;
}

static const struct hv_mmio_ops clint_ops = { .read = clint_read, .write = clint_write };

/* ---- snapshot ------------------------------------------------------------------------- */

/* mtime itself is the VM clock (restored by the core) plus the guest's offset. */
static const struct hv_snap_field clint_fields[] = {
    HV_SNAP_INT_ARRAY(struct hvf_board, mtimecmp),
    HV_SNAP_INT_FIELD(struct hvf_board, mtime_off),
};

static const struct hv_snap_desc clint_snap = {
    .name = "clint", .version = 1, .size = sizeof(struct hvf_board),
    .fields = clint_fields, .nr_fields = sizeof clint_fields / sizeof clint_fields[0],
};

/* ---- board descriptor ------------------------------------------------------------------ */

/* The CLINT's registers live in the board (the harts' timer checks read mtimecmp). */
static int clint_create(struct hvf_board *b, unsigned i, uint64_t base, void **state,
                        char *err, size_t errlen)
{
    for (unsigned h = 0; h < HV_MAX_VCPUS; h++)
        atomic_store(&b->mtimecmp[h], UINT64_MAX);
    atomic_store(&b->mtime_off, 0);
    int rc = hv__mem_add_mmio(&b->vm->mem, base, HVF_CLINT_SIZE, &clint_ops, b, err, errlen);
    *state = rc < 0 ? NULL : b;
    return rc;
}

static void clint_fdt(struct hvf_fdt *f, const struct hvf_fdt_params *p, uint64_t base,
                      unsigned i)
{
    hvf_fdt_begin_at(f, "clint", base);
    hvf_fdt_reg(f, base, HVF_CLINT_SIZE);
    hvf_fdt_irqs_extended(f, p, 3, 7);            /* M software, M timer */
    HVF_FDT_STRS(f, "compatible", "sifive,clint0\0riscv,clint0");
    hvf_fdt_end(f);
}

const struct hvf_device hvf_clint_device = {
    .name = "clint", .base = HVF_CLINT_BASE, .size = HVF_CLINT_SIZE,
    .create = clint_create, .snap = &clint_snap, .fdt = clint_fdt,
};
