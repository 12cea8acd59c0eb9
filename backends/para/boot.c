/* SPDX-License-Identifier: MIT */
/* libhv para backend — the Linux boot protocol (docs/PARA-ABI.md section 13): a RISC-V
 * kernel Image at RAM base + its text_offset (2 MiB), the initrd and a device tree generated
 * with libfdt high in RAM below the reserved area; hart 0 enters S-mode at the kernel with
 * a0 = 0, a1 = the tree, the other harts wait for SBI HSM hart_start. */
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "backends/para/para.h"
#include "loader/loader.h"

#define DEFAULT_TEXT_OFFSET 0x200000ull
#define MAX_INITRD (1ull << 30)
#define DEFAULT_BOOTARGS "console=hvc0 earlycon=sbi"
/* Phandles: hart h's interrupt controller. */
#define PH_INTC(h) (1u + (h))

/* ---- the device tree ---------------------------------------------------------------------- */

/* libfdt's sequential-write calls return 0 or a negative FDT_ERR_*; the first one sticks. */
struct fdtw {
    void *fdt;
    int err;
};

static void chk(struct fdtw *w, int rc)
{
    if (rc < 0 && !w->err)
        w->err = rc;
}

static void begin(struct fdtw *w, const char *name) { chk(w, fdt_begin_node(w->fdt, name)); }
static void end(struct fdtw *w) { chk(w, fdt_end_node(w->fdt)); }
static void u32p(struct fdtw *w, const char *n, uint32_t v) { chk(w, fdt_property_u32(w->fdt, n, v)); }
static void u64p(struct fdtw *w, const char *n, uint64_t v) { chk(w, fdt_property_u64(w->fdt, n, v)); }
static void strp(struct fdtw *w, const char *n, const char *s) { chk(w, fdt_property_string(w->fdt, n, s)); }
static void emptyp(struct fdtw *w, const char *n) { chk(w, fdt_property(w->fdt, n, NULL, 0)); }

static void reg(struct fdtw *w, uint64_t addr, uint64_t size)
{
    fdt32_t c[4] = { cpu_to_fdt32((uint32_t)(addr >> 32)), cpu_to_fdt32((uint32_t)addr),
                     cpu_to_fdt32((uint32_t)(size >> 32)), cpu_to_fdt32((uint32_t)size) };
    chk(w, fdt_property(w->fdt, "reg", c, sizeof c));
}

static void begin_at(struct fdtw *w, const char *name, uint64_t addr)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s@%llx", name, (unsigned long long)addr);
    begin(w, buf);
}

static void cpus(struct fdtw *w, unsigned nr)
{
    begin(w, "cpus");
    u32p(w, "#address-cells", 1);
    u32p(w, "#size-cells", 0);
    u32p(w, "timebase-frequency", HV_TIMEBASE_HZ);
    for (unsigned h = 0; h < nr; h++) {
        begin_at(w, "cpu", h);
        strp(w, "device_type", "cpu");
        u32p(w, "reg", h);
        strp(w, "status", "okay");
        strp(w, "compatible", "riscv");
        /* The same unprivileged ISA as the full board's tree says; no Svpbmt/Svinval/Sdtrig
         * (the para machine has no such S-level extras). */
        strp(w, "riscv,isa", HV_ISA_STRING_UNPRIV "_sstc");
        strp(w, "mmu-type", "riscv,sv48");
        u32p(w, "riscv,cbom-block-size", HV_CBO_BLOCK);
        u32p(w, "riscv,cboz-block-size", HV_CBO_BLOCK);
        begin(w, "interrupt-controller");
        u32p(w, "#interrupt-cells", 1);
        emptyp(w, "interrupt-controller");
        strp(w, "compatible", "riscv,cpu-intc");
        u32p(w, "phandle", PH_INTC(h));
        end(w);
        end(w);
    }
    end(w);
}

/* The event-channel interrupt controller: S-external (9) of every hart, hart 0's first. */
static void hypervisor(struct fdtw *w, unsigned nr)
{
    fdt32_t c[2 * HV_MAX_VCPUS];
    for (unsigned h = 0; h < nr; h++) {
        c[2 * h] = cpu_to_fdt32(PH_INTC(h));
        c[2 * h + 1] = cpu_to_fdt32(9);
    }
    begin(w, "hypervisor");
    strp(w, "compatible", "libhv,para-evtchn");
    emptyp(w, "interrupt-controller");
    u32p(w, "#interrupt-cells", 1);
    chk(w, fdt_property(w->fdt, "interrupts-extended", c, (int)(2 * nr * sizeof(c[0]))));
    u32p(w, "libhv,abi-version", HVP_ABI_VERSION);
    end(w);
}

static int build(struct hvp_vm *pv, void *buf, int cap, const char *bootargs,
                 uint64_t initrd_start, uint64_t initrd_end)
{
    unsigned nr = pv->vm->cfg.nr_vcpus ? pv->vm->cfg.nr_vcpus : 1;
    struct fdtw w = { .fdt = buf };
    chk(&w, fdt_create(buf, cap));
    chk(&w, fdt_finish_reservemap(buf));
    begin(&w, "");
    u32p(&w, "#address-cells", 2);
    u32p(&w, "#size-cells", 2);
    strp(&w, "compatible", "libhv,para");
    strp(&w, "model", "libhv para");
    begin(&w, "chosen");
    strp(&w, "bootargs", bootargs);
    if (initrd_end > initrd_start) {
        u64p(&w, "linux,initrd-start", initrd_start);
        u64p(&w, "linux,initrd-end", initrd_end);
    }
    end(&w);
    cpus(&w, nr);
    begin_at(&w, "memory", HVP_RAM_BASE);
    strp(&w, "device_type", "memory");
    reg(&w, HVP_RAM_BASE, pv->ram_size);
    end(&w);
    begin(&w, "reserved-memory");
    u32p(&w, "#address-cells", 2);
    u32p(&w, "#size-cells", 2);
    emptyp(&w, "ranges");
    begin_at(&w, "hypervisor", pv->reserved_base);
    reg(&w, pv->reserved_base, HVP_RESERVED_SIZE);
    end(&w);
    end(&w);
    hypervisor(&w, nr);
    end(&w);
    chk(&w, fdt_finish(buf));
    return w.err;
}

int hvp_fdt_build(struct hvp_vm *pv, uint64_t initrd_start, uint64_t initrd_end,
                  void **blob, size_t *size)
{
    struct hv_vm *vm = pv->vm;
    const char *bootargs = vm->cfg.cmdline ? vm->cfg.cmdline : DEFAULT_BOOTARGS;
    *blob = NULL;
    *size = 0;
    for (size_t cap = 8192 + strlen(bootargs); cap <= (1u << 20); cap *= 2) {
        void *buf = malloc(cap);
        if (!buf)
            return hv__vm_error(vm, HV_ENOMEM, "para: out of memory for the device tree");
        int rc = build(pv, buf, (int)cap, bootargs, initrd_start, initrd_end);
        if (rc == 0) {
            fdt_pack(buf);
            *blob = buf;
            *size = fdt_totalsize(buf);
            return 0;
        }
        free(buf);
        if (rc != -FDT_ERR_NOSPACE)
            return hv__vm_error(vm, HV_EINTERNAL, "para: device tree: %s", fdt_strerror(rc));
    }
    return hv__vm_error(vm, HV_EINTERNAL, "para: device tree does not fit");
}

/* ---- placement ------------------------------------------------------------------------------ */

/* The tree at the top of RAM below the reserved area (8-byte aligned; a page is used), the
 * initrd page-aligned just below it; both above the kernel's end. */
static int place(struct hvp_vm *pv, uint64_t kernel_end)
{
    struct hv_vm *vm = pv->vm;
    const struct hv_config *cfg = &vm->cfg;
    void *initrd = NULL, *blob = NULL;
    size_t ilen = 0, size = 0;
    int rc;
    if (cfg->initrd && (rc = hv__file_read(cfg->initrd, MAX_INITRD, &initrd, &ilen,
                                           vm->last_error, sizeof(vm->last_error))) < 0)
        return rc;
    /* The initrd's properties have a fixed size: a first build gives the tree's size. */
    if ((rc = hvp_fdt_build(pv, initrd ? 1 : 0, initrd ? 1 + ilen : 0, &blob, &size)) < 0)
        goto out;
    uint64_t top = pv->reserved_base, fdt = 0, istart = 0;
    bool fits = size <= top - kernel_end;
    if (fits) {
        fdt = (top - size) & ~(uint64_t)(HV_PAGE_SIZE - 1);
        fits = fdt >= kernel_end && ilen <= fdt - kernel_end;
    }
    if (fits) {
        istart = initrd ? ((fdt - ilen) & ~(uint64_t)(HV_PAGE_SIZE - 1)) : fdt;
        fits = istart >= kernel_end;
    }
    if (!fits) {
        rc = hv__vm_error(vm, HV_ENOMEM, "para: the kernel (to %#llx), %zu bytes of initrd "
                          "and the device tree do not fit below %#llx (give the VM more "
                          "memory)", (unsigned long long)kernel_end, ilen,
                          (unsigned long long)top);
        goto out;
    }
    if (initrd) {
        free(blob);
        blob = NULL;
        if ((rc = hvp_fdt_build(pv, istart, istart + ilen, &blob, &size)) < 0 ||
            (rc = hv__mem_write(&vm->mem, istart, initrd, ilen)) < 0)
            goto out;
    }
    if ((rc = hv__mem_write(&vm->mem, fdt, blob, size)) < 0)
        goto out;
    pv->fdt_gpa = fdt;
out:
    if (rc < 0 && !vm->last_error[0])
        hv__vm_error(vm, rc, "para: cannot place the boot data in RAM");
    free(blob);
    free(initrd);
    return rc;
}

int hvp_boot_linux_loaded(struct hvp_vm *pv, uint64_t entry, uint64_t start, uint64_t end)
{
    int rc = place(pv, end);
    if (rc < 0)
        return rc;
    pv->linux_boot = true;
    pv->entry = entry;
    pv->start.kernel_start = start;
    pv->start.kernel_end = end;
    return 1;
}

int hvp_boot_linux(struct hvp_vm *pv, const void *image, size_t len, bool force)
{
    struct hv_vm *vm = pv->vm;
    struct hv_image_info info;
    int rc = hv__image_parse(image, len, &info, vm->last_error, sizeof(vm->last_error));
    if (rc == HV_ENOENT && !force)
        return 0;
    if (rc == HV_ENOENT)                /* a raw S-mode kernel: where Linux would be */
        info = (struct hv_image_info){ .text_offset = DEFAULT_TEXT_OFFSET, .image_size = len };
    else if (rc < 0)
        return rc;
    uint64_t base = HVP_RAM_BASE + (info.text_offset ? info.text_offset : DEFAULT_TEXT_OFFSET);
    uint64_t end = base + info.image_size;
    if (end > pv->reserved_base || end < base)
        return hv__vm_error(vm, HV_ERANGE, "para: kernel Image spans [%#llx, %#llx), past "
                            "the end of usable RAM at %#llx (give the VM more memory)",
                            (unsigned long long)base, (unsigned long long)end,
                            (unsigned long long)pv->reserved_base);
    if ((rc = hv__raw_load(&vm->mem, base, image, len, vm->last_error,
                           sizeof(vm->last_error))) < 0)
        return rc;
    return hvp_boot_linux_loaded(pv, base, base, end);
}
