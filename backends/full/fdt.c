/* SPDX-License-Identifier: MIT */
/* libhv full backend — the flattened device tree of the virt board, written with libfdt's
 * sequential-write API. Node names, compatibles and properties follow QEMU 7.2's virt
 * machine so OpenSBI, U-Boot and Linux find the devices they expect. */
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "backends/full/devices.h"

#define TIMEBASE_HZ 10000000u
/* The decoder's unprivileged extensions (cpu/cpu.h, shared with the para device tree),
 * then the S extensions of this machine (canonical order: S extensions last). */
#define ISA_STRING HV_ISA_STRING_UNPRIV "_sdtrig_svinval_svpbmt"

/* Phandles: hart h's interrupt controller is HVF_PH_INTC(h), the CPU node itself
 * 1 + MAX + h. */
#define PH_CPU(h) (1u + HV_MAX_VCPUS + (h))

/* libfdt calls return 0 or a negative FDT_ERR_*; the first failure sticks. */
struct hvf_fdt {
    void *fdt;
    int err;
};

static void chk(struct hvf_fdt *w, int rc)
{
    if (rc < 0 && !w->err)
        w->err = rc;
}

static void begin(struct hvf_fdt *w, const char *name) { chk(w, fdt_begin_node(w->fdt, name)); }
void hvf_fdt_end(struct hvf_fdt *w) { chk(w, fdt_end_node(w->fdt)); }

void hvf_fdt_u32(struct hvf_fdt *w, const char *n, uint32_t v)
{
    chk(w, fdt_property_u32(w->fdt, n, v));
}

static void prop_u64(struct hvf_fdt *w, const char *n, uint64_t v)
{
    chk(w, fdt_property_u64(w->fdt, n, v));
}

void hvf_fdt_str(struct hvf_fdt *w, const char *n, const char *s)
{
    chk(w, fdt_property_string(w->fdt, n, s));
}

void hvf_fdt_empty(struct hvf_fdt *w, const char *n)
{
    chk(w, fdt_property(w->fdt, n, NULL, 0));
}

void hvf_fdt_strs(struct hvf_fdt *w, const char *n, const char *list, size_t len)
{
    chk(w, fdt_property(w->fdt, n, list, (int)len));
}

static void prop_cells(struct hvf_fdt *w, const char *n, const uint32_t *cells, unsigned count)
{
    fdt32_t be[4 * HV_MAX_VCPUS];
    for (unsigned i = 0; i < count; i++)
        be[i] = cpu_to_fdt32(cells[i]);
    chk(w, fdt_property(w->fdt, n, be, (int)(count * sizeof(be[0]))));
}

void hvf_fdt_reg(struct hvf_fdt *w, uint64_t addr, uint64_t size)
{
    uint32_t c[4] = { (uint32_t)(addr >> 32), (uint32_t)addr, (uint32_t)(size >> 32),
                      (uint32_t)size };
    prop_cells(w, "reg", c, 4);
}

void hvf_fdt_begin_at(struct hvf_fdt *w, const char *name, uint64_t addr)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s@%llx", name, (unsigned long long)addr);
    begin(w, buf);
}

static void cpus(struct hvf_fdt *w, const struct hvf_fdt_params *p)
{
    begin(w, "cpus");
    hvf_fdt_u32(w, "#address-cells", 1);
    hvf_fdt_u32(w, "#size-cells", 0);
    hvf_fdt_u32(w, "timebase-frequency", TIMEBASE_HZ);
    for (unsigned h = 0; h < p->nr_harts; h++) {
        hvf_fdt_begin_at(w, "cpu", h);
        hvf_fdt_u32(w, "phandle", PH_CPU(h));
        hvf_fdt_str(w, "device_type", "cpu");
        hvf_fdt_u32(w, "reg", h);
        hvf_fdt_str(w, "status", "okay");
        hvf_fdt_str(w, "compatible", "riscv");
        hvf_fdt_str(w, "riscv,isa", ISA_STRING);
        hvf_fdt_str(w, "mmu-type", p->sv39 ? "riscv,sv39" : "riscv,sv48");
        hvf_fdt_u32(w, "riscv,cbom-block-size", HV_CBO_BLOCK);
        hvf_fdt_u32(w, "riscv,cboz-block-size", HV_CBO_BLOCK);
        begin(w, "interrupt-controller");
        hvf_fdt_u32(w, "#interrupt-cells", 1);
        hvf_fdt_empty(w, "interrupt-controller");
        hvf_fdt_str(w, "compatible", "riscv,cpu-intc");
        hvf_fdt_u32(w, "phandle", HVF_PH_INTC(h));
        hvf_fdt_end(w);
        hvf_fdt_end(w);
    }
    begin(w, "cpu-map");
    begin(w, "cluster0");
    for (unsigned h = 0; h < p->nr_harts; h++) {
        char name[16];
        snprintf(name, sizeof(name), "core%u", h);
        begin(w, name);
        hvf_fdt_u32(w, "cpu", PH_CPU(h));
        hvf_fdt_end(w);
    }
    hvf_fdt_end(w);
    hvf_fdt_end(w);
    hvf_fdt_end(w);
}

void hvf_fdt_irqs_extended(struct hvf_fdt *w, const struct hvf_fdt_params *p, uint32_t a,
                           uint32_t b)
{
    uint32_t c[4 * HV_MAX_VCPUS];
    for (unsigned h = 0; h < p->nr_harts; h++) {
        c[4 * h] = HVF_PH_INTC(h);
        c[4 * h + 1] = a;
        c[4 * h + 2] = HVF_PH_INTC(h);
        c[4 * h + 3] = b;
    }
    prop_cells(w, "interrupts-extended", c, 4 * p->nr_harts);
}

void hvf_fdt_plic_irq(struct hvf_fdt *w, uint32_t irq)
{
    hvf_fdt_u32(w, "interrupts", irq);
    hvf_fdt_u32(w, "interrupt-parent", HVF_PH_PLIC);
}

void hvf_fdt_node_begin(struct hvf_fdt *w, const char *name, uint64_t base, uint64_t size,
                        uint32_t irq)
{
    hvf_fdt_begin_at(w, name, base);
    if (irq)
        hvf_fdt_plic_irq(w, irq);
    hvf_fdt_reg(w, base, size);
}

/* Every instance of every row with a node, rows backwards (QEMU's virt lists its devices
 * in the reverse of their creation order). */
static void soc(struct hvf_fdt *w, const struct hvf_fdt_params *p)
{
    begin(w, "soc");
    hvf_fdt_u32(w, "#address-cells", 2);
    hvf_fdt_u32(w, "#size-cells", 2);
    hvf_fdt_str(w, "compatible", "simple-bus");
    hvf_fdt_empty(w, "ranges");
    for (unsigned d = HVF_NR_DEVICES; d-- > 0;) {
        const struct hvf_device *dev = hvf_devices[d];
        for (unsigned i = 0; i < hvf_dev_count(dev) && dev->fdt; i++)
            dev->fdt(w, p, dev->base + i * dev->stride, i);
    }
    hvf_fdt_end(w);
}

static void syscon_node(struct hvf_fdt *w, const char *name, const char *compat, uint32_t value)
{
    begin(w, name);
    hvf_fdt_u32(w, "value", value);
    hvf_fdt_u32(w, "offset", 0);
    hvf_fdt_u32(w, "regmap", HVF_PH_TEST);
    hvf_fdt_str(w, "compatible", compat);
    hvf_fdt_end(w);
}

static void chosen(struct hvf_fdt *w, const struct hvf_fdt_params *p)
{
    begin(w, "chosen");
    hvf_fdt_str(w, "stdout-path", "/soc/serial@10000000");
    if (p->cmdline && p->cmdline[0])
        hvf_fdt_str(w, "bootargs", p->cmdline);
    if (p->initrd_end > p->initrd_start) {
        prop_u64(w, "linux,initrd-start", p->initrd_start);
        prop_u64(w, "linux,initrd-end", p->initrd_end);
    }
    hvf_fdt_end(w);
}

static int build(void *buf, int size, const struct hvf_fdt_params *p)
{
    struct hvf_fdt w = { .fdt = buf };
    chk(&w, fdt_create(buf, size));
    chk(&w, fdt_finish_reservemap(buf));
    begin(&w, "");
    hvf_fdt_u32(&w, "#address-cells", 2);
    hvf_fdt_u32(&w, "#size-cells", 2);
    hvf_fdt_str(&w, "compatible", "riscv-virtio");
    hvf_fdt_str(&w, "model", "riscv-virtio,qemu");
    chosen(&w, p);
    begin(&w, "aliases");
    hvf_fdt_str(&w, "serial0", "/soc/serial@10000000");
    hvf_fdt_end(&w);
    syscon_node(&w, "poweroff", "syscon-poweroff", 0x5555);
    syscon_node(&w, "reboot", "syscon-reboot", 0x7777);
    hvf_fdt_begin_at(&w, "memory", HVF_RAM_BASE);
    hvf_fdt_str(&w, "device_type", "memory");
    hvf_fdt_reg(&w, HVF_RAM_BASE, p->ram_size);
    hvf_fdt_end(&w);
    cpus(&w, p);
    soc(&w, p);
    hvf_fdt_end(&w);
    chk(&w, fdt_finish(buf));
    return w.err;
}

int hvf_fdt_build(const struct hvf_fdt_params *p, void **blob, size_t *size,
                  char *err, size_t errlen)
{
    *blob = NULL;
    *size = 0;
    if (!p || p->nr_harts == 0 || p->nr_harts > HV_MAX_VCPUS)
        return hv__errf(err, errlen, HV_EINVAL, "fdt: bad number of harts");
    if (p->ram_size == 0)
        return hv__errf(err, errlen, HV_EINVAL, "fdt: no RAM");
    size_t cmdlen = p->cmdline ? strlen(p->cmdline) : 0;
    if (cmdlen > (1u << 20))
        return hv__errf(err, errlen, HV_EINVAL, "fdt: command line too long");
    /* Grow until it fits: the tree is a few KiB plus the command line. */
    for (size_t cap = 16384 + cmdlen; cap <= (4u << 20); cap *= 2) {
        void *buf = malloc(cap);
        if (!buf)
            return hv__errf(err, errlen, HV_ENOMEM, "fdt: out of memory");
        int rc = build(buf, (int)cap, p);
        if (rc == 0) {
            fdt_pack(buf);
            *size = fdt_totalsize(buf);
            *blob = buf;
            return 0;
        }
        free(buf);
        if (rc != -FDT_ERR_NOSPACE)
            return hv__errf(err, errlen, HV_EINTERNAL, "fdt: %s", fdt_strerror(rc));
    }
    return hv__errf(err, errlen, HV_EINTERNAL, "fdt: tree does not fit");
}
