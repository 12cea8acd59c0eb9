/* SPDX-License-Identifier: MIT */
/* Example: serving a guest's custom hypercall from the embedder. A para guest asks for
 * "the answer" through an extension libhv does not know (EID 0x0A000042); the handler
 * claims the call and returns a value, which the guest stores in memory. A second,
 * unknown extension is declined and reaches hv_vcpu_run as HV_EXIT_HYPERCALL.
 * Concept: hv_vm_set_hypercall_handler (para backend), claim (1) or decline (0). */
#include <stdio.h>
#include <hv/hv.h>

#define RAM 0x80000000ull
#define EID_ANSWER 0x0A000042

static int answer(void *opaque, hv_vcpu *vcpu, struct hv_hypercall *call)
{
    int *count = opaque;
    (*count)++;
    if (call->fid != 0)
        return 0;                       /* only function 0 is ours */
    call->ret_error = 0;
    call->ret_value = 42 + call->args[0];
    return 1;
}

int main(void)
{
    /* lui a7,0x0A000; addi a7,a7,0x42; li a6,0; li a0,100; ecall;
     * sd a1,0(s1); li a6,1; ecall; j .     (s1 = result address, set below) */
    static const uint32_t prog[] = {
        0x0a0008b7, 0x04288893, 0x00000813, 0x06400513, 0x00000073,
        0x00b4b023, 0x00100813, 0x00000073, 0x0000006f,
    };
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = HV_BACKEND_PARA;
    cfg.mem_size = 1 << 20;
    cfg.serial.type = HV_CHARDEV_NULL;
    hv_vm *vm;
    char err[256];
    if (hv_vm_create(&cfg, &vm, err, sizeof err) < 0) {
        fprintf(stderr, "create: %s\n", err);
        return 1;
    }
    int count = 0;
    hv_vm_set_hypercall_handler(vm, EID_ANSWER, answer, &count, 0);
    hv_vm_mem_write(vm, RAM, prog, sizeof prog);
    hv_vcpu *cpu;
    hv_vcpu_create(vm, 0, &cpu);
    hv_vcpu_set_reg(cpu, HV_REG_PC, RAM);
    hv_vcpu_set_reg(cpu, HV_REG_X(9), RAM + 0x1000);
    struct hv_exit ex;
    hv_vcpu_run(cpu, 0, &ex);
    uint64_t stored = 0;
    hv_vm_mem_read(vm, 0x80001000, &stored, 8);
    printf("guest stored %llu; the declined call exited with %s (fid %llu)\n",
           (unsigned long long)stored,
           ex.reason == HV_EXIT_HYPERCALL ? "HV_EXIT_HYPERCALL" : "something else",
           (unsigned long long)ex.u.hypercall.fid);
    hv_vm_destroy(vm);
    return stored == 142 && ex.reason == HV_EXIT_HYPERCALL && count == 2 ? 0 : 1;
}
