/* libhv full backend — the flattened device tree of the virt board, written with libfdt's
 * sequential-write API. Node names, compatibles and properties follow QEMU 7.2's virt
 * machine so OpenSBI, U-Boot and Linux find the devices they expect. */
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "backends/full/devices.h"

#define TIMEBASE_HZ 10000000u
#define UART_CLOCK_HZ 3686400u
#define CLINT_SIZE 0x10000ull
#define TEST_SIZE 0x1000ull
/* Canonical order: single letters, then Z extensions by their first letter's place in
 * the base order (i m a f d ... b k) and alphabetically, then S extensions. */
#define ISA_STRING "rv64imafdc_zicbom_zicbop_zicboz_zicond_zicsr_zifencei_zfh_zfhmin_" \
                   "zba_zbb_zbc_zbkb_zbkx_zbs_sdtrig_svinval_svpbmt"

/* Phandles: hart h's interrupt controller is 1 + h, the CPU node itself 1 + MAX + h. */
#define PH_INTC(h) (1u + (h))
#define PH_CPU(h) (1u + HV_MAX_VCPUS + (h))
#define PH_PLIC (1u + 2 * HV_MAX_VCPUS)
#define PH_TEST (PH_PLIC + 1)

/* libfdt calls return 0 or a negative FDT_ERR_*; the first failure sticks. */
struct w {
    void *fdt;
    int err;
};

static void chk(struct w *w, int rc)
{
    if (rc < 0 && !w->err)
        w->err = rc;
}

static void begin(struct w *w, const char *name) { chk(w, fdt_begin_node(w->fdt, name)); }
static void end(struct w *w) { chk(w, fdt_end_node(w->fdt)); }
static void prop_u32(struct w *w, const char *n, uint32_t v) { chk(w, fdt_property_u32(w->fdt, n, v)); }
static void prop_u64(struct w *w, const char *n, uint64_t v) { chk(w, fdt_property_u64(w->fdt, n, v)); }
static void prop_str(struct w *w, const char *n, const char *s) { chk(w, fdt_property_string(w->fdt, n, s)); }
static void prop_empty(struct w *w, const char *n) { chk(w, fdt_property(w->fdt, n, NULL, 0)); }

/* A string-list property from a NUL-separated literal of `len` bytes (with the last NUL). */
static void prop_strs(struct w *w, const char *n, const char *list, size_t len)
{
    chk(w, fdt_property(w->fdt, n, list, (int)len));
}
#define PROP_STRS(w, n, lit) prop_strs((w), (n), (lit), sizeof(lit))

static void prop_cells(struct w *w, const char *n, const uint32_t *cells, unsigned count)
{
    fdt32_t be[4 * HV_MAX_VCPUS];
    for (unsigned i = 0; i < count; i++)
        be[i] = cpu_to_fdt32(cells[i]);
    chk(w, fdt_property(w->fdt, n, be, (int)(count * sizeof(be[0]))));
}

/* reg = <addr size> with #address-cells = #size-cells = 2. */
static void prop_reg(struct w *w, uint64_t addr, uint64_t size)
{
    uint32_t c[4] = { (uint32_t)(addr >> 32), (uint32_t)addr, (uint32_t)(size >> 32),
                      (uint32_t)size };
    prop_cells(w, "reg", c, 4);
}

static void begin_at(struct w *w, const char *name, uint64_t addr)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s@%llx", name, (unsigned long long)addr);
    begin(w, buf);
}

static void cpus(struct w *w, const struct hvf_fdt_params *p)
{
    begin(w, "cpus");
    prop_u32(w, "#address-cells", 1);
    prop_u32(w, "#size-cells", 0);
    prop_u32(w, "timebase-frequency", TIMEBASE_HZ);
    for (unsigned h = 0; h < p->nr_harts; h++) {
        begin_at(w, "cpu", h);
        prop_u32(w, "phandle", PH_CPU(h));
        prop_str(w, "device_type", "cpu");
        prop_u32(w, "reg", h);
        prop_str(w, "status", "okay");
        prop_str(w, "compatible", "riscv");
        prop_str(w, "riscv,isa", ISA_STRING);
        prop_str(w, "mmu-type", p->sv39 ? "riscv,sv39" : "riscv,sv48");
        prop_u32(w, "riscv,cbom-block-size", HV_CBO_BLOCK);
        prop_u32(w, "riscv,cboz-block-size", HV_CBO_BLOCK);
        begin(w, "interrupt-controller");
        prop_u32(w, "#interrupt-cells", 1);
        prop_empty(w, "interrupt-controller");
        prop_str(w, "compatible", "riscv,cpu-intc");
        prop_u32(w, "phandle", PH_INTC(h));
        end(w);
        end(w);
    }
    begin(w, "cpu-map");
    begin(w, "cluster0");
    for (unsigned h = 0; h < p->nr_harts; h++) {
        char name[16];
        snprintf(name, sizeof(name), "core%u", h);
        begin(w, name);
        prop_u32(w, "cpu", PH_CPU(h));
        end(w);
    }
    end(w);
    end(w);
    end(w);
}

/* interrupts-extended = <intc(h) a intc(h) b> for every hart. */
static void irqs_extended(struct w *w, const struct hvf_fdt_params *p, uint32_t a, uint32_t b)
{
    uint32_t c[4 * HV_MAX_VCPUS];
    for (unsigned h = 0; h < p->nr_harts; h++) {
        c[4 * h] = PH_INTC(h);
        c[4 * h + 1] = a;
        c[4 * h + 2] = PH_INTC(h);
        c[4 * h + 3] = b;
    }
    prop_cells(w, "interrupts-extended", c, 4 * p->nr_harts);
}

static void plic_child(struct w *w, uint32_t irq)
{
    prop_u32(w, "interrupts", irq);
    prop_u32(w, "interrupt-parent", PH_PLIC);
}

static void soc(struct w *w, const struct hvf_fdt_params *p)
{
    begin(w, "soc");
    prop_u32(w, "#address-cells", 2);
    prop_u32(w, "#size-cells", 2);
    prop_str(w, "compatible", "simple-bus");
    prop_empty(w, "ranges");

    begin_at(w, "rtc", HVF_RTC_BASE);
    plic_child(w, HVF_IRQ_RTC);
    prop_reg(w, HVF_RTC_BASE, HVF_RTC_SIZE);
    prop_str(w, "compatible", "google,goldfish-rtc");
    end(w);

    begin_at(w, "serial", HVF_UART_BASE);
    plic_child(w, HVF_IRQ_UART);
    prop_u32(w, "clock-frequency", UART_CLOCK_HZ);
    prop_reg(w, HVF_UART_BASE, HVF_UART16550_SIZE);
    prop_str(w, "compatible", "ns16550a");
    end(w);

    begin_at(w, "test", HVF_TEST_BASE);
    prop_u32(w, "phandle", PH_TEST);
    prop_reg(w, HVF_TEST_BASE, TEST_SIZE);
    PROP_STRS(w, "compatible", "sifive,test1\0sifive,test0\0syscon");
    end(w);

    for (unsigned i = 0; i < HVF_VIRTIO_SLOTS; i++) {
        uint64_t base = HVF_VIRTIO_BASE + i * HVF_VIRTIO_STRIDE;
        begin_at(w, "virtio_mmio", base);
        plic_child(w, HVF_IRQ_VIRTIO0 + i);
        prop_reg(w, base, HVF_VIRTIO_STRIDE);
        prop_str(w, "compatible", "virtio,mmio");
        end(w);
    }

    begin_at(w, "plic", HVF_PLIC_BASE);
    prop_u32(w, "phandle", PH_PLIC);
    prop_u32(w, "riscv,ndev", HVF_PLIC_SOURCES - 1);
    prop_reg(w, HVF_PLIC_BASE, HVF_PLIC_SIZE);
    irqs_extended(w, p, 11, 9);           /* M external, S external */
    prop_empty(w, "interrupt-controller");
    PROP_STRS(w, "compatible", "sifive,plic-1.0.0\0riscv,plic0");
    prop_u32(w, "#address-cells", 0);
    prop_u32(w, "#interrupt-cells", 1);
    end(w);

    begin_at(w, "clint", HVF_CLINT_BASE);
    prop_reg(w, HVF_CLINT_BASE, CLINT_SIZE);
    irqs_extended(w, p, 3, 7);            /* M software, M timer */
    PROP_STRS(w, "compatible", "sifive,clint0\0riscv,clint0");
    end(w);

    end(w);
}

static void syscon_node(struct w *w, const char *name, const char *compat, uint32_t value)
{
    begin(w, name);
    prop_u32(w, "value", value);
    prop_u32(w, "offset", 0);
    prop_u32(w, "regmap", PH_TEST);
    prop_str(w, "compatible", compat);
    end(w);
}

static void chosen(struct w *w, const struct hvf_fdt_params *p)
{
    begin(w, "chosen");
    prop_str(w, "stdout-path", "/soc/serial@10000000");
    if (p->cmdline && p->cmdline[0])
        prop_str(w, "bootargs", p->cmdline);
    if (p->initrd_end > p->initrd_start) {
        prop_u64(w, "linux,initrd-start", p->initrd_start);
        prop_u64(w, "linux,initrd-end", p->initrd_end);
    }
    end(w);
}

static int build(void *buf, int size, const struct hvf_fdt_params *p)
{
    struct w w = { .fdt = buf };
    chk(&w, fdt_create(buf, size));
    chk(&w, fdt_finish_reservemap(buf));
    begin(&w, "");
    prop_u32(&w, "#address-cells", 2);
    prop_u32(&w, "#size-cells", 2);
    prop_str(&w, "compatible", "riscv-virtio");
    prop_str(&w, "model", "riscv-virtio,qemu");
    chosen(&w, p);
    begin(&w, "aliases");
    prop_str(&w, "serial0", "/soc/serial@10000000");
    end(&w);
    syscon_node(&w, "poweroff", "syscon-poweroff", 0x5555);
    syscon_node(&w, "reboot", "syscon-reboot", 0x7777);
    begin_at(&w, "memory", HVF_RAM_BASE);
    prop_str(&w, "device_type", "memory");
    prop_reg(&w, HVF_RAM_BASE, p->ram_size);
    end(&w);
    cpus(&w, p);
    soc(&w, p);
    end(&w);
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
