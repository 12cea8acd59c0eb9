/* SPDX-License-Identifier: MIT */
/* Unit tests for backends/full/fdt.c: decode the generated device tree with libfdt and
 * check every node the virt board's guests rely on (cpus and their interrupt controllers,
 * memory, CLINT/PLIC wiring, UART, virtio slots, RTC, test/syscon, chosen), optional
 * properties, argument errors, and (when dtc is installed) a round trip through dtc. */
#include <criterion/criterion.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "backends/full/devices.h"

static void *blob;
static size_t blob_size;

static void build(const struct hvf_fdt_params *p)
{
    char err[256];
    free(blob);
    blob = NULL;
    cr_assert_eq(hvf_fdt_build(p, &blob, &blob_size, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(fdt_check_header(blob), 0);
    cr_assert_eq(fdt_totalsize(blob), blob_size);
}

static void cleanup(void)
{
    free(blob);
    blob = NULL;
}

TestSuite(fdt, .fini = cleanup);

static int node(const char *path)
{
    int off = fdt_path_offset(blob, path);
    cr_assert_geq(off, 0, "missing node %s", path);
    return off;
}

static const char *str(const char *path, const char *prop)
{
    const char *s = fdt_getprop(blob, node(path), prop, NULL);
    cr_assert_not_null(s, "%s:%s", path, prop);
    return s;
}

/* Property as big-endian cells; returns the number of cells. */
static int cells(const char *path, const char *prop, uint32_t *out, int max)
{
    int len;
    const fdt32_t *p = fdt_getprop(blob, node(path), prop, &len);
    cr_assert_not_null(p, "%s:%s", path, prop);
    cr_assert_eq(len % 4, 0);
    int n = len / 4;
    cr_assert_leq(n, max);
    for (int i = 0; i < n; i++)
        out[i] = fdt32_to_cpu(p[i]);
    return n;
}

static uint32_t u32(const char *path, const char *prop)
{
    uint32_t v[2];
    cr_assert_eq(cells(path, prop, v, 2), 1, "%s:%s is one cell", path, prop);
    return v[0];
}

static bool has(const char *path, const char *prop)
{
    return fdt_getprop(blob, node(path), prop, NULL) != NULL;
}

static const struct hvf_fdt_params two_harts = {
    .nr_harts = 2,
    .ram_size = 256ull << 20,
    .cmdline = "console=ttyS0 earlycon",
    .initrd_start = 0x88000000,
    .initrd_end = 0x88100000,
};

Test(fdt, root_and_memory)
{
    build(&two_harts);
    cr_assert_str_eq(str("/", "compatible"), "riscv-virtio");
    cr_assert_str_eq(str("/", "model"), "riscv-virtio,qemu");
    cr_assert_eq(u32("/", "#address-cells"), 2);
    cr_assert_eq(u32("/", "#size-cells"), 2);
    cr_assert_str_eq(str("/memory@80000000", "device_type"), "memory");
    uint32_t reg[4];
    cr_assert_eq(cells("/memory@80000000", "reg", reg, 4), 4);
    cr_assert_eq(reg[0], 0);
    cr_assert_eq(reg[1], 0x80000000u);
    cr_assert_eq(reg[2], 0);
    cr_assert_eq(reg[3], 256u << 20);
}

Test(fdt, cpus)
{
    build(&two_harts);
    cr_assert_eq(u32("/cpus", "timebase-frequency"), 10000000);
    cr_assert_eq(u32("/cpus", "#address-cells"), 1);
    cr_assert_eq(u32("/cpus", "#size-cells"), 0);
    for (unsigned h = 0; h < 2; h++) {
        char path[64], ic[96];
        snprintf(path, sizeof(path), "/cpus/cpu@%u", h);
        snprintf(ic, sizeof(ic), "%s/interrupt-controller", path);
        cr_assert_str_eq(str(path, "device_type"), "cpu");
        cr_assert_eq(u32(path, "reg"), h);
        cr_assert_str_eq(str(path, "compatible"), "riscv");
        cr_assert_str_eq(str(path, "status"), "okay");
        cr_assert_str_eq(str(path, "mmu-type"), "riscv,sv48");
        const char *isa = str(path, "riscv,isa");
        cr_assert_eq(strncmp(isa, "rv64imafdc", 10), 0, "Linux 6.1 wants rv64 + letters: %s", isa);
        static const char *const ext[] = { "_zicbom", "_zicboz", "_zicbop", "_zfh", "_zfhmin",
                                           "_zbkb", "_zbkx", "_svpbmt", "_svinval", "_sdtrig" };
        for (size_t k = 0; k < sizeof(ext) / sizeof(ext[0]); k++)
            cr_assert_not_null(strstr(isa, ext[k]), "%s lacks %s", isa, ext[k]);
        cr_assert_eq(u32(path, "riscv,cbom-block-size"), 64);
        cr_assert_eq(u32(path, "riscv,cboz-block-size"), 64);
        cr_assert_str_eq(str(ic, "compatible"), "riscv,cpu-intc");
        cr_assert_eq(u32(ic, "#interrupt-cells"), 1);
        cr_assert(has(ic, "interrupt-controller"));
        uint32_t ph = u32(ic, "phandle");
        cr_assert_eq(fdt_node_offset_by_phandle(blob, ph), node(ic));
    }
    cr_assert_lt(fdt_path_offset(blob, "/cpus/cpu@2"), 0);
    cr_assert_geq(fdt_path_offset(blob, "/cpus/cpu-map/cluster0/core1"), 0);
}

Test(fdt, sv39_option)
{
    struct hvf_fdt_params p = two_harts;
    p.sv39 = true;
    build(&p);
    cr_assert_str_eq(str("/cpus/cpu@0", "mmu-type"), "riscv,sv39");
}

static uint32_t intc_phandle(unsigned h)
{
    char ic[64];
    snprintf(ic, sizeof(ic), "/cpus/cpu@%u/interrupt-controller", h);
    return u32(ic, "phandle");
}

Test(fdt, clint_and_plic)
{
    build(&two_harts);
    uint32_t i0 = intc_phandle(0), i1 = intc_phandle(1), c[16];
    cr_assert_eq(fdt_node_check_compatible(blob, node("/soc/clint@2000000"), "sifive,clint0"), 0);
    cr_assert_eq(fdt_node_check_compatible(blob, node("/soc/clint@2000000"), "riscv,clint0"), 0);
    cr_assert_eq(cells("/soc/clint@2000000", "interrupts-extended", c, 16), 8);
    uint32_t want_clint[8] = { i0, 3, i0, 7, i1, 3, i1, 7 };
    cr_assert_eq(memcmp(c, want_clint, sizeof(want_clint)), 0);

    const char *plic = "/soc/plic@c000000";
    cr_assert_eq(fdt_node_check_compatible(blob, node(plic), "sifive,plic-1.0.0"), 0);
    cr_assert_eq(fdt_node_check_compatible(blob, node(plic), "riscv,plic0"), 0);
    cr_assert_eq(u32(plic, "riscv,ndev"), 95);
    cr_assert_eq(u32(plic, "#interrupt-cells"), 1);
    cr_assert(has(plic, "interrupt-controller"));
    cr_assert_eq(cells(plic, "interrupts-extended", c, 16), 8);
    uint32_t want_plic[8] = { i0, 11, i0, 9, i1, 11, i1, 9 };
    cr_assert_eq(memcmp(c, want_plic, sizeof(want_plic)), 0);
    uint32_t reg[4];
    cells(plic, "reg", reg, 4);
    cr_assert_eq(reg[1], 0xc000000);
    cr_assert_eq(reg[3], 0x600000);
    cr_assert_str_eq(str("/soc", "compatible"), "simple-bus");
    cr_assert(has("/soc", "ranges"));
}

Test(fdt, devices_on_the_plic)
{
    build(&two_harts);
    uint32_t plic = u32("/soc/plic@c000000", "phandle");
    const char *uart = "/soc/serial@10000000";
    cr_assert_str_eq(str(uart, "compatible"), "ns16550a");
    cr_assert_eq(u32(uart, "clock-frequency"), 3686400);
    cr_assert_eq(u32(uart, "interrupts"), 10);
    cr_assert_eq(u32(uart, "interrupt-parent"), plic);
    const char *rtc = "/soc/rtc@101000";
    cr_assert_str_eq(str(rtc, "compatible"), "google,goldfish-rtc");
    cr_assert_eq(u32(rtc, "interrupts"), 11);
    cr_assert_eq(u32(rtc, "interrupt-parent"), plic);
    for (unsigned i = 0; i < 8; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/soc/virtio_mmio@%x", 0x10001000u + 0x1000u * i);
        cr_assert_str_eq(str(path, "compatible"), "virtio,mmio");
        cr_assert_eq(u32(path, "interrupts"), 1 + i);
        cr_assert_eq(u32(path, "interrupt-parent"), plic);
        uint32_t reg[4];
        cells(path, "reg", reg, 4);
        cr_assert_eq(reg[1], 0x10001000u + 0x1000u * i);
        cr_assert_eq(reg[3], 0x1000);
    }
}

Test(fdt, test_device_and_syscon)
{
    build(&two_harts);
    const char *t = "/soc/test@100000";
    int len;
    const char *compat = fdt_getprop(blob, node(t), "compatible", &len);
    static const char want[] = "sifive,test1\0sifive,test0\0syscon";
    cr_assert_eq(len, (int)sizeof(want));
    cr_assert_eq(memcmp(compat, want, sizeof(want)), 0);
    uint32_t ph = u32(t, "phandle");
    cr_assert_str_eq(str("/poweroff", "compatible"), "syscon-poweroff");
    cr_assert_eq(u32("/poweroff", "regmap"), ph);
    cr_assert_eq(u32("/poweroff", "offset"), 0);
    cr_assert_eq(u32("/poweroff", "value"), 0x5555);
    cr_assert_str_eq(str("/reboot", "compatible"), "syscon-reboot");
    cr_assert_eq(u32("/reboot", "regmap"), ph);
    cr_assert_eq(u32("/reboot", "value"), 0x7777);
}

Test(fdt, chosen)
{
    build(&two_harts);
    cr_assert_str_eq(str("/chosen", "stdout-path"), "/soc/serial@10000000");
    cr_assert_str_eq(str("/chosen", "bootargs"), "console=ttyS0 earlycon");
    uint32_t c[2];
    cr_assert_eq(cells("/chosen", "linux,initrd-start", c, 2), 2);
    cr_assert_eq(((uint64_t)c[0] << 32) | c[1], 0x88000000ull);
    cells("/chosen", "linux,initrd-end", c, 2);
    cr_assert_eq(((uint64_t)c[0] << 32) | c[1], 0x88100000ull);
    cr_assert_str_eq(fdt_get_alias(blob, "serial0"), "/soc/serial@10000000");

    struct hvf_fdt_params p = { .nr_harts = 1, .ram_size = 128ull << 20 };
    build(&p);
    cr_assert_not(has("/chosen", "bootargs"));
    cr_assert_not(has("/chosen", "linux,initrd-start"));
}

Test(fdt, one_hart_plic_contexts)
{
    struct hvf_fdt_params p = { .nr_harts = 1, .ram_size = 128ull << 20 };
    build(&p);
    uint32_t c[16];
    cr_assert_eq(cells("/soc/plic@c000000", "interrupts-extended", c, 16), 4);
    cr_assert_eq(c[1], 11);
    cr_assert_eq(c[3], 9);
}

Test(fdt, eight_harts_long_cmdline)
{
    char cmd[5000];
    memset(cmd, 'a', sizeof(cmd) - 1);
    cmd[sizeof(cmd) - 1] = 0;
    struct hvf_fdt_params p = { .nr_harts = 8, .ram_size = 8ull << 30, .cmdline = cmd };
    build(&p);
    cr_assert_eq(strlen(str("/chosen", "bootargs")), sizeof(cmd) - 1);
    node("/cpus/cpu@7");
    uint32_t reg[4];
    cells("/memory@80000000", "reg", reg, 4);
    cr_assert_eq(reg[2], 2);
    cr_assert_eq(reg[3], 0);
}

Test(fdt, bad_params)
{
    char err[128];
    void *b = (void *)1;
    size_t sz = 1;
    struct hvf_fdt_params p = { .nr_harts = 0, .ram_size = 1 << 20 };
    cr_assert_eq(hvf_fdt_build(&p, &b, &sz, err, sizeof(err)), HV_EINVAL);
    cr_assert_null(b);
    p.nr_harts = HV_MAX_VCPUS + 1;
    cr_assert_eq(hvf_fdt_build(&p, &b, &sz, err, sizeof(err)), HV_EINVAL);
    p.nr_harts = 1;
    p.ram_size = 0;
    cr_assert_eq(hvf_fdt_build(&p, &b, &sz, err, sizeof(err)), HV_EINVAL);
    cr_assert_eq(hvf_fdt_build(NULL, &b, &sz, err, sizeof(err)), HV_EINVAL);
}

static const char *find_dtc(void)
{
    static const char *const paths[] = { "/usr/bin/dtc", "/usr/local/bin/dtc" };
    for (unsigned i = 0; i < 2; i++)
        if (access(paths[i], X_OK) == 0)
            return paths[i];
    return NULL;
}

Test(fdt, dtc_decodes_the_blob)
{
    const char *dtc = find_dtc();
    if (!dtc)
        cr_skip_test("dtc not installed (package device-tree-compiler)");
    build(&two_harts);
    char dtb[] = "/tmp/hv-fdt-XXXXXX";
    int fd = mkstemp(dtb);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, blob, blob_size), (ssize_t)blob_size);
    close(fd);
    char cmd[256], dts[64];
    snprintf(dts, sizeof(dts), "%s.dts", dtb);
    snprintf(cmd, sizeof(cmd), "%s -q -I dtb -O dts -o %s %s", dtc, dts, dtb);
    int rc = system(cmd);
    unlink(dtb);
    cr_assert_eq(rc, 0, "dtc failed");
    FILE *f = fopen(dts, "r");
    cr_assert_not_null(f);
    char text[65536];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = 0;
    fclose(f);
    unlink(dts);
    cr_assert_not_null(strstr(text, "riscv-virtio,qemu"));
    cr_assert_not_null(strstr(text, "virtio_mmio@10008000"));
    cr_assert_not_null(strstr(text, "sifive,plic-1.0.0"));
}
