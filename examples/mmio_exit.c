/* SPDX-License-Identifier: MIT */
/* Example: KVM-style MMIO exits. An MMIO region registered without callbacks makes
 * hv_vcpu_run return HV_EXIT_MMIO on every access; the embedder emulates the device in its
 * own run loop and, for a read, puts the value in exit.u.mmio.data before running again.
 * Concept: hv_vm_mmio_add(vm, gpa, size, NULL, NULL) and completing loads on re-entry. The
 * same program runs on both backends: a para guest reaches the region through its direct
 * physical addressing, and the access traps out of the RAM window to the embedder. */
#include <stdio.h>
#include <hv/hv.h>

#define RAM 0x80000000ull
#define DEV 0x40000000ull

static int run(enum hv_backend backend)
{
    /* Guest: read the device's "next number" register (offset 8) three times, summing the
     * values, then write the sum to offset 0 and spin. */
    static const uint32_t prog[] = {
        0x400002b7, /* lui  t0, 0x40000 */
        0x00000513, /* li   a0, 0 */
        0x00300613, /* li   a2, 3 */
        0x0082b583, /* loop: ld a1, 8(t0) */
        0x00b50533, /* add  a0, a0, a1 */
        0xfff60613, /* addi a2, a2, -1 */
        0xfe061ae3, /* bnez a2, loop */
        0x00a2b023, /* sd   a0, 0(t0) */
        0x0000006f, /* j    . */
    };
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = backend;
    cfg.mem_size = 1 << 20;
    cfg.bios = backend == HV_BACKEND_FULL ? "none" : NULL;
    cfg.serial.type = HV_CHARDEV_NULL;
    hv_vm *vm;
    char err[256];
    if (hv_vm_create(&cfg, &vm, err, sizeof err) < 0) {
        fprintf(stderr, "create: %s\n", err);
        return 1;
    }
    hv_vm_mmio_add(vm, DEV, 0x1000, NULL, NULL);     /* no callbacks: exits */
    hv_vm_mem_write(vm, RAM, prog, sizeof prog);
    hv_vcpu *cpu;
    hv_vcpu_create(vm, 0, &cpu);
    hv_vcpu_set_reg(cpu, HV_REG_PC, RAM);

    uint64_t next = 10, written = 0;
    unsigned exits = 0;
    struct hv_exit ex = { 0 };
    while (!written) {
        if (hv_vcpu_run(cpu, 1000, &ex) < 0 || ex.reason != HV_EXIT_MMIO) {
            fprintf(stderr, "unexpected exit %d at %#llx\n", (int)ex.reason,
                    (unsigned long long)ex.pc);
            return 1;
        }
        exits++;
        if (ex.u.mmio.is_write)
            written = ex.u.mmio.data;              /* the guest reported its sum */
        else
            ex.u.mmio.data = next++;               /* answer the load: 10, 11, 12 */
    }
    printf("%s: %u MMIO exits; the guest summed 10+11+12 = %llu\n",
           backend == HV_BACKEND_FULL ? "full" : "para", exits, (unsigned long long)written);
    hv_vm_destroy(vm);
    return exits == 4 && written == 33 ? 0 : 1;
}

int main(void)
{
    return run(HV_BACKEND_FULL) | run(HV_BACKEND_PARA);
}
