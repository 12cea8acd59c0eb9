/* SPDX-License-Identifier: MIT */
/* Unit tests for backends/full/fw_cfg.c on a whole full-backend VM: the items a guest driver
 * reads (signature, ID, RAM size, CPUs, command line, file directory) through the MMIO
 * registers with the byte order QEMU's MMIO fw_cfg uses, access-size rules, the device-tree
 * node, and the read position surviving a snapshot round trip. */
#include <criterion/criterion.h>
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "backends/full/full.h"

#define GUEST HV_BUILD_DIR "/tests/guest/boot/boot_board.elf"

static struct hv_vm *vm;

static void setup(void)
{
    if (access(GUEST, R_OK) != 0)
        cr_skip_test("%s not available", GUEST);
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.bios = "none";
    cfg.kernel = GUEST;
    cfg.cmdline = "console=ttyS0 quiet";
    cfg.nr_vcpus = 2;
    cfg.mem_size = 256ull << 20;
    cfg.serial.type = HV_CHARDEV_NULL;
    char err[256];
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), 0, "%s", err);
}

static void teardown(void)
{
    hv_vm_destroy(vm);
    vm = NULL;
}

TestSuite(fw_cfg, .init = setup, .fini = teardown);

static struct hv_region *region(void)
{
    struct hv_region *r = hv__mem_find(&vm->mem, HVF_FW_CFG_BASE);
    cr_assert(r && r->ops, "no fw_cfg window at %#llx", (unsigned long long)HVF_FW_CFG_BASE);
    return r;
}

/* As a little-endian guest does it: iowrite16be(key, base + 8). */
static void select_key(uint16_t key)
{
    struct hv_region *r = region();
    uint16_t be = (uint16_t)((key >> 8) | (key << 8));
    cr_assert_eq(r->ops->write(r->opaque, 8, 2, be), 0);
}

static uint64_t data(unsigned size)
{
    struct hv_region *r = region();
    uint64_t v = 0;
    cr_assert_eq(r->ops->read(r->opaque, 0, size, &v), 0);
    return v;
}

static void read_blob(uint16_t key, void *buf, size_t len)
{
    select_key(key);
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = (uint8_t)data(1);
}

Test(fw_cfg, signature_and_id)
{
    char sig[5] = { 0 };
    read_blob(0x00, sig, 4);
    cr_assert_str_eq(sig, "QEMU");
    select_key(0x00);
    cr_assert_eq(data(4), 0x554d4551u, "a 4-byte read returns the bytes in stream order");
    select_key(0x01);
    cr_assert_eq(data(4), 1u, "traditional interface, no DMA");
}

Test(fw_cfg, machine_items)
{
    select_key(0x03);
    cr_assert_eq(data(8), 256ull << 20);
    select_key(0x05);
    cr_assert_eq(data(2), 2u);
    select_key(0x14);
    uint64_t len = data(4);
    cr_assert_eq(len, strlen("console=ttyS0 quiet") + 1);
    char cmd[64] = { 0 };
    read_blob(0x15, cmd, len);
    cr_assert_str_eq(cmd, "console=ttyS0 quiet");
    uint8_t dir[4];
    read_blob(0x19, dir, 4);
    cr_assert_eq(dir[0] | dir[1] | dir[2] | dir[3], 0, "empty file directory");
    select_key(0x7fff);
    cr_assert_eq(data(8), 0u, "unknown items read as zeros");
    read_blob(0x00, dir, 4);
    cr_assert_eq(data(1), 0u, "reads past the end return 0");
}

Test(fw_cfg, access_rules)
{
    struct hv_region *r = region();
    uint64_t v;
    cr_assert_lt(r->ops->write(r->opaque, 8, 4, 0), 0, "the selector is 16 bits wide");
    cr_assert_lt(r->ops->read(r->opaque, 8, 1, &v), 0);
    cr_assert_eq(r->ops->write(r->opaque, 0, 1, 0x55), 0, "data writes are ignored");
    cr_assert_eq(r->ops->read(r->opaque, 16, 8, &v), 0);
    cr_assert_eq(v, 0u, "no DMA interface");
}

Test(fw_cfg, device_tree_node)
{
    struct hvf_board *b = vm->backend;
    cr_assert_neq(b->dtb_addr, 0u);
    uint8_t hdr[64];
    cr_assert_eq(hv_vm_mem_read(vm, b->dtb_addr, hdr, sizeof hdr), 0);
    size_t size = fdt_totalsize(hdr);
    void *dtb = malloc(size);
    cr_assert_eq(hv_vm_mem_read(vm, b->dtb_addr, dtb, size), 0);
    int node = fdt_path_offset(dtb, "/soc/fw-cfg@10100000");
    cr_assert_geq(node, 0, "no /soc/fw-cfg@10100000");
    cr_assert_eq(fdt_node_check_compatible(dtb, node, "qemu,fw-cfg-mmio"), 0);
    free(dtb);
}

Test(fw_cfg, read_position_in_snapshot)
{
    select_key(0x00);
    cr_assert_eq(data(1), 'Q');
    int fd = memfd_create("fw_cfg", 0);
    cr_assert_geq(fd, 0);
    cr_assert_eq(hv_vm_snapshot_save(vm, fd), 0, "%s", hv_vm_last_error(vm));
    select_key(0x01);
    cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
    cr_assert_eq(hv_vm_snapshot_load(vm, fd), 0, "%s", hv_vm_last_error(vm));
    close(fd);
    cr_assert_eq(data(1), 'E', "the snapshot restored key 0 at offset 1");
}
