/* SPDX-License-Identifier: MIT */
/* libhv full backend — boot images as on QEMU's virt board: the MROM at 0x1000 (reset
 * vector + OpenSBI fw_dynamic info), firmware at 0x80000000 and a kernel at 0x80200000, or a
 * direct boot (ELF started in M-mode at its entry); initrd and device tree high in RAM,
 * a0 = hartid, a1 = device tree for every flow. */
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>
#include "backends/full/full.h"
#include "backends/full/devices.h"
#include "loader/loader.h"

#define MROM_BASE 0x1000ull
#define MROM_SIZE 0xf000ull
#define KERNEL_OFFSET 0x200000ull          /* fw_jump's next address, 2 MiB aligned */
#define MAX_IMAGE (1ull << 30)
#define DTB_ALIGN 0x200000ull              /* as QEMU: 2 MiB below the top of RAM */
#define LOW_MEM_TOP 0xc0000000ull          /* keep boot data below 3 GiB */
#define DTB_SLACK 4096                     /* room to edit /chosen of a user's DTB */
#define DEFAULT_FIRMWARE "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"

#define FW_DYNAMIC_MAGIC 0x4942534full
#define FW_DYNAMIC_VERSION 2
#define NEXT_MODE_S 1

struct image {
    uint64_t entry;
    uint64_t end;                          /* first byte after the loaded image */
};

static struct hv_mem *mem_of(struct hvf_board *b) { return &b->vm->mem; }

/* Load one boot image: ELF at its addresses, or raw at `raw_gpa`. */
static int load_image(struct hvf_board *b, const char *path, uint64_t raw_gpa,
                      struct image *img, bool want_htif)
{
    struct hv_vm *vm = b->vm;
    void *data = NULL;
    size_t len = 0;
    int rc = hv__file_read(path, MAX_IMAGE, &data, &len, vm->last_error,
                           sizeof(vm->last_error));
    if (rc < 0)
        return rc;
    if (hv__elf_is_elf(data, len)) {
        struct hv_elf_info info;
        rc = hv__elf_load(&vm->mem, data, len, &info, vm->last_error, sizeof(vm->last_error));
        if (rc == 0 && path == vm->cfg.kernel)
            hv__vm_keep_symbols(vm, data, len);
        if (rc == 0) {
            img->entry = info.entry;
            img->end = info.highest;
            if (want_htif) {
                b->tohost = info.tohost;
                b->fromhost = info.fromhost;
            }
        }
    } else {
        rc = hv__raw_load(&vm->mem, raw_gpa, data, len, vm->last_error,
                          sizeof(vm->last_error));
        img->entry = raw_gpa;
        img->end = raw_gpa + len;
        /* A Linux Image spans its BSS too: nothing may be placed there. */
        struct hv_image_info info;
        if (rc == 0 && hv__image_parse(data, len, &info, NULL, 0) == 0)
            img->end = raw_gpa + info.image_size;
    }
    free(data);
    return rc;
}

/* ---- MROM ----------------------------------------------------------------------------------- */

/* QEMU virt's reset vector: a2 = &fw_dynamic info, a0 = mhartid, a1 = DTB, jump to the
 * firmware; the two dwords after the code are the start and DTB addresses. */
static int write_mrom(struct hvf_board *b, uint64_t start, uint64_t next_addr)
{
    uint32_t rom[10] = {
        0x00000297,                        /* 1: auipc t0, 0 */
        0x02828613,                        /*    addi  a2, t0, 40  (fw_dynamic info) */
        0xf1402573,                        /*    csrr  a0, mhartid */
        0x0202b583,                        /*    ld    a1, 32(t0)  (DTB) */
        0x0182b283,                        /*    ld    t0, 24(t0)  (start) */
        0x00028067,                        /*    jr    t0 */
        (uint32_t)start, (uint32_t)(start >> 32),
        (uint32_t)b->dtb_addr, (uint32_t)(b->dtb_addr >> 32),
    };
    uint64_t info[6] = { FW_DYNAMIC_MAGIC, FW_DYNAMIC_VERSION, next_addr, NEXT_MODE_S,
                         0 /* options */, 0 /* boot hart */ };
    if (hv__mem_write(mem_of(b), MROM_BASE, rom, sizeof rom) < 0 ||
        hv__mem_write(mem_of(b), MROM_BASE + sizeof rom, info, sizeof info) < 0)
        return hv__vm_error(b->vm, HV_EINTERNAL, "board: cannot write the MROM");
    return 0;
}

/* ---- device tree --------------------------------------------------------------------------- */

static uint64_t ram_top(const struct hvf_board *b)
{
    uint64_t top = HVF_RAM_BASE + b->vm->cfg.mem_size;
    return top > LOW_MEM_TOP ? LOW_MEM_TOP : top;
}

/* The generated tree, or the user's (cfg.dtb) with /chosen updated. */
static int make_dtb(struct hvf_board *b, uint64_t initrd_start, uint64_t initrd_end,
                    void **blob, size_t *size)
{
    struct hv_vm *vm = b->vm;
    const struct hv_config *cfg = &vm->cfg;
    if (!cfg->dtb) {
        struct hvf_fdt_params p = {
            .nr_harts = cfg->nr_vcpus ? cfg->nr_vcpus : 1,
            .ram_size = cfg->mem_size,
            .cmdline = cfg->cmdline,
            .initrd_start = initrd_start,
            .initrd_end = initrd_end,
            .virtio_populated = b->virtio_populated,
        };
        return hvf_fdt_build(&p, blob, size, vm->last_error, sizeof(vm->last_error));
    }
    void *data = NULL;
    size_t len = 0;
    int rc = hv__file_read(cfg->dtb, 1u << 24, &data, &len, vm->last_error,
                           sizeof(vm->last_error));
    if (rc < 0)
        return rc;
    if (len < sizeof(struct fdt_header) || fdt_check_header(data) != 0 ||
        fdt_totalsize(data) > len) {
        free(data);
        return hv__vm_error(vm, HV_EFORMAT, "%s: not a flattened device tree", cfg->dtb);
    }
    size_t cap = fdt_totalsize(data) + DTB_SLACK + (cfg->cmdline ? strlen(cfg->cmdline) : 0);
    void *t = malloc(cap);
    int node = -1;
    if (t && fdt_open_into(data, t, (int)cap) == 0) {
        node = fdt_path_offset(t, "/chosen");
        if (node < 0)
            node = fdt_add_subnode(t, 0, "chosen");
    }
    free(data);
    int e = node < 0 ? node : 0;
    if (!e && cfg->cmdline && cfg->cmdline[0])
        e = fdt_setprop_string(t, node, "bootargs", cfg->cmdline);
    if (!e && initrd_end > initrd_start) {
        e = fdt_setprop_u64(t, node, "linux,initrd-start", initrd_start);
        if (!e)
            e = fdt_setprop_u64(t, node, "linux,initrd-end", initrd_end);
    }
    if (!t || e || fdt_pack(t) != 0) {
        free(t);
        return hv__vm_error(vm, HV_EFORMAT, "%s: cannot update /chosen: %s", cfg->dtb,
                            t ? fdt_strerror(e) : "out of memory");
    }
    *blob = t;
    *size = fdt_totalsize(t);
    return 0;
}

/* Where a blob of `size` bytes goes: 2 MiB aligned below the top of (low) RAM as QEMU does,
 * or just 8-byte aligned at the very top when RAM is too small for that. 0: no room above
 * `floor`. */
static uint64_t place_high(uint64_t top, uint64_t size, uint64_t floor, uint64_t align)
{
    if (size > top - floor)
        return 0;
    /* The aligned spot only if it leaves at least half of the free RAM below it. */
    uint64_t a = (top - size) & ~(align - 1);
    if (a >= floor + (top - floor) / 2)
        return a;
    a = (top - size) & ~7ull;
    return a >= floor ? a : 0;
}

/* Initrd (page aligned) just below the DTB, DTB at the top; both above `floor` (the end of
 * the loaded images). */
static int place_dtb_initrd(struct hvf_board *b, uint64_t floor, bool required)
{
    struct hv_vm *vm = b->vm;
    const struct hv_config *cfg = &vm->cfg;
    void *initrd = NULL, *blob = NULL;
    size_t initrd_len = 0, size = 0;
    int rc;
    if (cfg->initrd &&
        (rc = hv__file_read(cfg->initrd, MAX_IMAGE, &initrd, &initrd_len, vm->last_error,
                            sizeof(vm->last_error))) < 0)
        return rc;
    /* First pass for the size (initrd properties have a fixed size whatever their value). */
    uint64_t istart = 0, iend = 0;
    if (initrd)
        istart = 1, iend = 1 + initrd_len;
    if ((rc = make_dtb(b, istart, iend, &blob, &size)) < 0)
        goto out;
    uint64_t top = ram_top(b);
    uint64_t dtb = place_high(top, size, floor, DTB_ALIGN);
    if (dtb && initrd) {
        uint64_t start = dtb >= initrd_len ? (dtb - initrd_len) & ~(HV_PAGE_SIZE - 1) : 0;
        if (start < floor) {
            rc = hv__vm_error(vm, HV_ENOMEM, "%s: %zu bytes do not fit in RAM above the "
                              "kernel (%llu MiB of RAM)", cfg->initrd, initrd_len,
                              (unsigned long long)(cfg->mem_size >> 20));
            goto out;
        }
        if ((rc = hv__mem_write(&vm->mem, start, initrd, initrd_len)) < 0)
            goto out;
        free(blob);
        blob = NULL;
        if ((rc = make_dtb(b, start, start + initrd_len, &blob, &size)) < 0)
            goto out;
        dtb = place_high(top, size, floor, DTB_ALIGN);
    }
    if (!dtb) {
        rc = 0;
        if (required)
            rc = hv__vm_error(vm, HV_ENOMEM, "board: no room for the device tree in %llu "
                              "MiB of RAM", (unsigned long long)(cfg->mem_size >> 20));
        else
            hv__log(vm, HV_LOG_WARN, "board: no room for the device tree; a1 = 0");
        goto out;
    }
    rc = hv__mem_write(&vm->mem, dtb, blob, size);
    if (rc == 0)
        b->dtb_addr = dtb;
out:
    if (rc < 0 && !vm->last_error[0])
        hv__vm_error(vm, rc, "board: cannot place the boot data in RAM");
    free(blob);
    free(initrd);
    return rc;
}

/* ---- boot flows ------------------------------------------------------------------------------- */

static bool direct_boot(const struct hv_config *cfg)
{
    if (cfg->bios)
        return !strcmp(cfg->bios, "none");
    return !cfg->kernel;          /* no firmware, no kernel: the embedder fills RAM */
}

/* `--bios none`: the kernel ELF (or raw image at the RAM base) starts in M-mode at its
 * entry; without a kernel, at the RAM base. */
static int boot_direct(struct hvf_board *b)
{
    const struct hv_config *cfg = &b->vm->cfg;
    struct image k = { .entry = HVF_RAM_BASE, .end = HVF_RAM_BASE };
    int rc;
    if (cfg->kernel && (rc = load_image(b, cfg->kernel, HVF_RAM_BASE, &k, true)) < 0)
        return rc;
    b->entry = k.entry;
    return place_dtb_initrd(b, k.end > HVF_RAM_BASE ? k.end : HVF_RAM_BASE,
                            cfg->initrd != NULL);
}

/* Firmware at the RAM base, the kernel at +2 MiB; harts start in the MROM. */
static int boot_firmware(struct hvf_board *b)
{
    struct hv_vm *vm = b->vm;
    const struct hv_config *cfg = &vm->cfg;
    const char *fw = cfg->bios ? cfg->bios : DEFAULT_FIRMWARE;
    struct image f = { 0 }, k = { .entry = HVF_RAM_BASE + KERNEL_OFFSET, .end = 0 };
    int rc;
    if (cfg->kernel && (rc = load_image(b, cfg->kernel, HVF_RAM_BASE + KERNEL_OFFSET, &k,
                                        false)) < 0)
        return rc;
    if ((rc = load_image(b, fw, HVF_RAM_BASE, &f, true)) < 0) {
        if (!cfg->bios) {
            char why[sizeof(vm->last_error)];
            memcpy(why, vm->last_error, sizeof why);
            return hv__vm_error(vm, rc, "default firmware: %s (install opensbi or give "
                                "--bios)", why);
        }
        return rc;
    }
    uint64_t floor = f.end > k.end ? f.end : k.end;
    if ((rc = place_dtb_initrd(b, floor, true)) < 0)
        return rc;
    b->entry = MROM_BASE;
    return write_mrom(b, f.entry, k.entry);
}

int hvf_boot_load(struct hvf_board *b)
{
    struct hv_vm *vm = b->vm;
    if (direct_boot(&vm->cfg))
        return boot_direct(b);
    /* The MROM only exists for firmware boots: a direct boot never runs it, and embedders
     * of a bare board expect nothing below the devices. A reboot finds it mapped. */
    if (!hv__mem_find(&vm->mem, MROM_BASE)) {
        int rc = hv__mem_map(&vm->mem, MROM_BASE, MROM_SIZE, HV_REGION_ROM, HV_MEM_ROM,
                             vm->last_error, sizeof(vm->last_error));
        if (rc < 0)
            return rc;
    }
    return boot_firmware(b);
}
