/* SPDX-License-Identifier: MIT */
/* Example: instruction and time budgets. The same spinning guest is stopped once after an
 * exact number of instructions (hv_vcpu_run's budget) and once after 5 ms of virtual time
 * (hv_vcpu_set_deadline), in deterministic mode so the result is reproducible.
 * Concept: HV_EXIT_BUDGET is exact; HV_EXIT_DEADLINE comes at the next poll after the
 * virtual clock (hv_vm_clock_ns) passes the deadline. */
#include <stdio.h>
#include <hv/hv.h>

#define RAM 0x80000000ull

int main(void)
{
    static const uint32_t spin[] = { 0x00150513, 0xffdff06f };   /* addi a0,a0,1 ; j -4 */
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.mem_size = 1 << 20;
    cfg.bios = "none";
    cfg.serial.type = HV_CHARDEV_NULL;
    cfg.deterministic = 1;              /* time = retired instructions / 10 ticks of 100 ns */
    hv_vm *vm;
    char err[256];
    if (hv_vm_create(&cfg, &vm, err, sizeof err) < 0) {
        fprintf(stderr, "create: %s\n", err);
        return 1;
    }
    hv_vm_mem_write(vm, RAM, spin, sizeof spin);
    hv_vcpu *cpu;
    hv_vcpu_create(vm, 0, &cpu);
    hv_vcpu_set_reg(cpu, HV_REG_PC, RAM);

    struct hv_exit ex;
    hv_vcpu_run(cpu, 1001, &ex);                    /* exactly 1001 instructions */
    uint64_t a0;
    hv_vcpu_get_reg(cpu, HV_REG_X(10), &a0);
    printf("instruction budget: %s at pc %#llx, a0 = %llu\n",
           ex.reason == HV_EXIT_BUDGET ? "HV_EXIT_BUDGET" : "?", (unsigned long long)ex.pc,
           (unsigned long long)a0);
    int ok = ex.reason == HV_EXIT_BUDGET && a0 == 501 && ex.pc == RAM + 4;

    uint64_t start = hv_vm_clock_ns(vm);
    hv_vcpu_set_deadline(cpu, start + 5000000);     /* 5 ms of virtual time */
    hv_vcpu_run(cpu, 0, &ex);
    struct hv_stats st;
    hv_vcpu_get_stats(cpu, &st);
    printf("time budget: %s after %llu ns of virtual time (%llu instructions in total)\n",
           ex.reason == HV_EXIT_DEADLINE ? "HV_EXIT_DEADLINE" : "?",
           (unsigned long long)(hv_vm_clock_ns(vm) - start), (unsigned long long)st.instructions);
    ok = ok && ex.reason == HV_EXIT_DEADLINE && hv_vm_clock_ns(vm) >= start + 5000000;
    hv_vm_destroy(vm);
    return ok ? 0 : 1;
}
