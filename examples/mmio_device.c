/* SPDX-License-Identifier: MIT */
/* Example: a device written by the embedder. A guest program (a few RV64 instructions
 * written straight into guest RAM) stores to and loads from an MMIO region whose callbacks
 * live here; the accesses never leave hv_vcpu_run. Concept: hv_vm_mmio_add with ops. */
#include <stdio.h>
#include <string.h>
#include <hv/hv.h>

#define RAM 0x80000000ull
#define DEV 0x40000000ull

struct counter_dev {
    uint64_t value;       /* the device register: reads return it, writes add to it */
    unsigned accesses;
};

static int dev_read(void *opaque, uint64_t offset, unsigned size, uint64_t *value)
{
    struct counter_dev *d = opaque;
    d->accesses++;
    *value = offset == 0 ? d->value : 0;
    return 0;
}

static int dev_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    struct counter_dev *d = opaque;
    d->accesses++;
    if (offset == 0)
        d->value += value;
    return 0;
}

static const struct hv_mmio_ops counter_ops = { dev_read, dev_write };

int main(void)
{
    /* li t0, DEV ; li a0, 5 ; loop: sd a0, 0(t0) ; addi a0, a0, -1 ; bnez a0, loop ;
     * ld a1, 0(t0) ; ebreak */
    static const uint32_t prog[] = {
        0x400002b7, /* lui  t0, 0x40000 */
        0x00500513, /* li   a0, 5 */
        0x00a2b023, /* sd   a0, 0(t0) */
        0xfff50513, /* addi a0, a0, -1 */
        0xfe051ce3, /* bnez a0, -8 */
        0x0002b583, /* ld   a1, 0(t0) */
        0x0000006f, /* j    . */
    };
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.mem_size = 1 << 20;
    cfg.bios = "none";
    cfg.serial.type = HV_CHARDEV_NULL;
    hv_vm *vm;
    char err[256];
    if (hv_vm_create(&cfg, &vm, err, sizeof err) < 0) {
        fprintf(stderr, "create: %s\n", err);
        return 1;
    }
    struct counter_dev dev = { 0 };
    hv_vm_mmio_add(vm, DEV, 0x1000, &counter_ops, &dev);
    hv_vm_mem_write(vm, RAM, prog, sizeof prog);
    hv_vcpu *cpu;
    hv_vcpu_create(vm, 0, &cpu);
    hv_vcpu_set_reg(cpu, HV_REG_PC, RAM);
    struct hv_exit ex;
    hv_vcpu_run(cpu, 200, &ex);            /* the program ends in a tight loop */
    uint64_t a1;
    hv_vcpu_get_reg(cpu, HV_REG_X(11), &a1);
    printf("device register = %llu after %u accesses; guest read back %llu\n",
           (unsigned long long)dev.value, dev.accesses, (unsigned long long)a1);
    hv_vm_destroy(vm);
    return (dev.value == 15 && a1 == 15 && dev.accesses == 6) ? 0 : 1;
}
