/* SPDX-License-Identifier: MIT */
/* Example: stopping a running vCPU from another thread. The guest spins forever; a second
 * thread calls hv_vcpu_kick after 50 ms and hv_vcpu_run returns HV_EXIT_KICK. Concept:
 * hv_vcpu_kick is safe from any thread; run-state rules (destroy refused while running). */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <hv/hv.h>

static void *kicker(void *arg)
{
    struct timespec ts = { 0, 50 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    hv_vcpu_kick(arg);
    return NULL;
}

int main(void)
{
    static const uint32_t spin[] = { 0x00150513, 0xffdff06f };   /* addi a0,a0,1 ; j -4 */
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
    hv_vm_mem_write(vm, 0x80000000, spin, sizeof spin);
    hv_vcpu *cpu;
    hv_vcpu_create(vm, 0, &cpu);
    hv_vcpu_set_reg(cpu, HV_REG_PC, 0x80000000);
    pthread_t t;
    pthread_create(&t, NULL, kicker, cpu);
    struct hv_exit ex;
    hv_vcpu_run(cpu, 0, &ex);
    pthread_join(t, NULL);
    uint64_t a0;
    hv_vcpu_get_reg(cpu, HV_REG_X(10), &a0);
    printf("stopped by %s after %llu loop iterations\n",
           ex.reason == HV_EXIT_KICK ? "kick" : "something else", (unsigned long long)a0);
    hv_vm_destroy(vm);
    return ex.reason == HV_EXIT_KICK ? 0 : 1;
}
