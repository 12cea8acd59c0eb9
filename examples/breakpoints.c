/* SPDX-License-Identifier: MIT */
/* Example: breakpoints and single steps. A hand-written program calls a small "function"
 * three times; the embedder knows the function's address (it wrote the program), sets a
 * breakpoint there and counts the calls, reading the argument register at each stop.
 * Concept: hv_vcpu_set_breakpoint stops BEFORE the instruction, resuming executes it;
 * hv_vcpu_run(cpu, 1, ...) is a single step. */
#include <stdio.h>
#include <hv/hv.h>

#define RAM 0x80000000ull

int main(void)
{
    /* main:  li a0,1; jal double; li a0,2; jal double; li a0,3; jal double; j .
     * double (at +28): add a0,a0,a0; ret */
    static const uint32_t prog[] = {
        0x00100513, 0x018000ef, 0x00200513, 0x010000ef, 0x00300513, 0x008000ef, 0x0000006f,
        0x00a50533, 0x00008067,
    };
    const uint64_t fn = RAM + 7 * 4;
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
    hv_vm_mem_write(vm, RAM, prog, sizeof prog);
    hv_vcpu *cpu;
    hv_vcpu_create(vm, 0, &cpu);
    hv_vcpu_set_reg(cpu, HV_REG_PC, RAM);
    hv_vcpu_set_breakpoint(cpu, fn);

    int calls = 0;
    struct hv_exit ex;
    for (;;) {
        hv_vcpu_run(cpu, 1000, &ex);
        if (ex.reason != HV_EXIT_BREAKPOINT)
            break;                              /* the budget ends the spin at the end */
        uint64_t a0, ra;
        hv_vcpu_get_reg(cpu, HV_REG_X(10), &a0);
        hv_vcpu_get_reg(cpu, HV_REG_X(1), &ra);
        printf("call %d: double(%llu) from %#llx\n", ++calls, (unsigned long long)a0,
               (unsigned long long)(ra - 4));
        /* Step through the function one instruction at a time. */
        hv_vcpu_run(cpu, 1, &ex);
        hv_vcpu_get_reg(cpu, HV_REG_X(10), &a0);
        printf("  after one step: pc %#llx, a0 = %llu\n", (unsigned long long)ex.pc,
               (unsigned long long)a0);
    }
    uint64_t a0;
    hv_vcpu_get_reg(cpu, HV_REG_X(10), &a0);
    hv_vm_destroy(vm);
    return calls == 3 && a0 == 6 ? 0 : 1;
}
