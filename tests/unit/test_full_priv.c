/* SPDX-License-Identifier: MIT */
/* Unit tests for the full backend's run-loop behaviour seen through the public API: WFI that
 * can never wake (HALT), WFI woken by a kick or the timer, embedder MMIO exits and their
 * completion on re-entry, the SiFive test device, UART output, double faults, and register
 * access to CSRs and the privilege level. The ISA behaviour itself is covered by the guest
 * programs in tests/guest/isa. Guests are a few hand-encoded instructions in RAM. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hv/hv.h"

#define RAM 0x80000000ull
#define J_SELF 0x0000006fu                  /* j . */
#define WFI 0x10500073u

struct out_buf {
    char data[256];
    size_t len;
};

static void on_output(void *opaque, const uint8_t *data, size_t len)
{
    struct out_buf *b = opaque;
    for (size_t i = 0; i < len && b->len < sizeof(b->data) - 1; i++)
        b->data[b->len++] = (char)data[i];
}

static hv_vm *mkvm_out(struct out_buf *out)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.mem_size = 1 << 20;
    cfg.bios = "none";
    if (out) {
        cfg.serial.type = HV_CHARDEV_BUFFER;
        cfg.serial.on_output = on_output;
        cfg.serial.opaque = out;
    } else {
        cfg.serial.type = HV_CHARDEV_NULL;
    }
    hv_vm *vm = NULL;
    char err[512];
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), 0, "%s", err);
    return vm;
}

static hv_vcpu *load(hv_vm *vm, const uint32_t *code, size_t n)
{
    cr_assert_eq(hv_vm_mem_write(vm, RAM, code, n * 4), 0);
    hv_vcpu *cpu = NULL;
    cr_assert_eq(hv_vcpu_create(vm, 0, &cpu), 0);
    return cpu;
}

static uint64_t reg(hv_vcpu *cpu, unsigned r)
{
    uint64_t v = 0;
    cr_assert_eq(hv_vcpu_get_reg(cpu, r, &v), 0);
    return v;
}

Test(full_priv, reset_state_and_registers)
{
    hv_vm *vm = mkvm_out(NULL);
    static const uint32_t code[] = { J_SELF };
    hv_vcpu *cpu = load(vm, code, 1);
    cr_assert_eq(reg(cpu, HV_REG_PC), RAM);
    cr_assert_eq(reg(cpu, HV_REG_PRIV), 3);
    cr_assert_eq(reg(cpu, HV_REG_X(10)), 0);                    /* a0 = hartid */
    cr_assert_eq(reg(cpu, HV_REG_CSR(0x301)), 0x800000000014112dull);  /* misa */
    cr_assert_eq(reg(cpu, HV_REG_CSR(0x300)) & (3ull << 32), 2ull << 32);   /* UXL */
    cr_assert_eq(hv_vcpu_set_reg(cpu, HV_REG_CSR(0x340), 0x1234), 0);      /* mscratch */
    cr_assert_eq(reg(cpu, HV_REG_CSR(0x340)), 0x1234);
    cr_assert_eq(hv_vcpu_set_reg(cpu, HV_REG_CSR(0x341), 0x80000003), 0);  /* mepc */
    cr_assert_eq(reg(cpu, HV_REG_CSR(0x341)), 0x80000002);
    cr_assert_eq(hv_vcpu_set_reg(cpu, HV_REG_PRIV, 1), 0);
    cr_assert_eq(reg(cpu, HV_REG_PRIV), 1);
    cr_assert_eq(hv_vcpu_set_reg(cpu, HV_REG_PRIV, 2), HV_EINVAL);
    uint64_t v;
    cr_assert_eq(hv_vcpu_get_reg(cpu, HV_REG_CSR(0x123), &v), HV_ENOENT);
    cr_assert_eq(hv_vcpu_get_reg(cpu, HV_REG_CSR_BASE + 4096, &v), HV_ENOENT);
    hv_vm_destroy(vm);
}

Test(full_priv, wfi_that_can_never_wake_halts)
{
    hv_vm *vm = mkvm_out(NULL);
    static const uint32_t code[] = { WFI, J_SELF };
    hv_vcpu *cpu = load(vm, code, 2);
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(cpu, 0, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_HALT);
    cr_assert_eq(ex.pc, RAM + 4);                /* WFI retired: resuming continues after it */
    cr_assert_eq(hv_vcpu_run(cpu, 10, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
    cr_assert_eq(ex.pc, RAM + 4);
    hv_vm_destroy(vm);
}

/* sd a2, 0(a1) ; wfi ; j .   with a1 = mtimecmp, a2 = deadline, mie.MTIE set */
static const uint32_t wfi_timer[] = { 0x00c5b023u, WFI, J_SELF };

static hv_vcpu *timer_guest(hv_vm *vm, uint64_t deadline)
{
    hv_vcpu *cpu = load(vm, wfi_timer, 3);
    cr_assert_eq(hv_vcpu_set_reg(cpu, HV_REG_X(11), 0x2004000), 0);
    cr_assert_eq(hv_vcpu_set_reg(cpu, HV_REG_X(12), deadline), 0);
    cr_assert_eq(hv_vcpu_set_reg(cpu, HV_REG_CSR(0x304), 1u << 7), 0);
    return cpu;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

Test(full_priv, wfi_wakes_on_the_timer)
{
    hv_vm *vm = mkvm_out(NULL);
    hv_vcpu *cpu = timer_guest(vm, 200000);     /* mtime 200000 = 20 ms after creation */
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(cpu, 1000, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);    /* woke up and spun in `j .` */
    cr_assert_eq(ex.pc, RAM + 8);
    cr_assert(reg(cpu, HV_REG_CSR(0x344)) & (1u << 7), "MTIP pending after the wake-up");
    cr_assert_geq(reg(cpu, HV_REG_CSR(0xc01)), 200000);   /* time */
    hv_vm_destroy(vm);
}

static void *kicker(void *arg)
{
    usleep(30000);
    hv_vcpu_kick(arg);
    return NULL;
}

Test(full_priv, kick_ends_a_wfi_sleep)
{
    hv_vm *vm = mkvm_out(NULL);
    hv_vcpu *cpu = timer_guest(vm, ~0ull >> 1);  /* armed, but ~forever away */
    pthread_t th;
    pthread_create(&th, NULL, kicker, cpu);
    struct hv_exit ex;
    double t0 = now_s();
    cr_assert_eq(hv_vcpu_run(cpu, 0, &ex), 0);
    double dt = now_s() - t0;
    pthread_join(th, NULL);
    cr_assert_eq(ex.reason, HV_EXIT_KICK);
    cr_assert(dt < 0.5, "kick took %f s: the wake-up did not end the sleep", dt);
    hv_vm_destroy(vm);
}

Test(full_priv, embedder_mmio_exits_complete_on_reentry)
{
    hv_vm *vm = mkvm_out(NULL);
    cr_assert_eq(hv_vm_mmio_add(vm, 0x40000000, 0x1000, NULL, NULL), 0);
    static const uint32_t code[] = {
        0x400005b7u,        /* lui a1, 0x40000 */
        0x0085a503u,        /* lw a0, 8(a1) */
        0x00a5a823u,        /* sw a0, 16(a1) */
        J_SELF,
    };
    hv_vcpu *cpu = load(vm, code, 4);
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(cpu, 0, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_MMIO);
    cr_assert_eq(ex.u.mmio.gpa, 0x40000008);
    cr_assert_eq(ex.u.mmio.size, 4);
    cr_assert_eq(ex.u.mmio.is_write, 0);
    cr_assert_eq(ex.pc, RAM + 4);               /* the load has not retired */
    ex.u.mmio.data = 0x87654321;
    cr_assert_eq(hv_vcpu_run(cpu, 0, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_MMIO);
    cr_assert_eq(ex.u.mmio.gpa, 0x40000010);
    cr_assert_eq(ex.u.mmio.is_write, 1);
    cr_assert_eq(ex.u.mmio.data, 0x87654321);
    cr_assert_eq(ex.pc, RAM + 8);
    cr_assert_eq(reg(cpu, HV_REG_X(10)), 0xffffffff87654321ull);   /* lw sign-extends */
    cr_assert_eq(hv_vcpu_run(cpu, 20, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
    cr_assert_eq(ex.pc, RAM + 12);              /* the store completed exactly once */
    hv_vm_destroy(vm);
}

static struct hv_exit run_test_device(uint32_t lui, uint32_t addi)
{
    hv_vm *vm = mkvm_out(NULL);
    uint32_t code[] = {
        0x001005b7u,        /* lui a1, 0x100 (test device) */
        lui, addi,          /* a0 = value */
        0x00a5a023u,        /* sw a0, 0(a1) */
        J_SELF,
    };
    hv_vcpu *cpu = load(vm, code, 5);
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(cpu, 1000, &ex), 0);
    hv_vm_destroy(vm);
    return ex;
}

Test(full_priv, sifive_test_device)
{
    struct hv_exit ex = run_test_device(0x00005537u, 0x55550513u);    /* 0x5555 */
    cr_assert_eq(ex.reason, HV_EXIT_SHUTDOWN);
    cr_assert_eq(ex.u.shutdown.code, 0);
    ex = run_test_device(0x00073537u, 0x33350513u);                   /* 0x73333 */
    cr_assert_eq(ex.reason, HV_EXIT_SHUTDOWN);          /* fail with code 7: exit code 7 */
    cr_assert_eq(ex.u.shutdown.code, 7);
    ex = run_test_device(0x00007537u, 0x77750513u);                   /* 0x7777 */
    cr_assert_eq(ex.reason, HV_EXIT_REBOOT);
    ex = run_test_device(0x00001537u, 0x23450513u);                   /* 0x1234: ignored */
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
}

Test(full_priv, uart_transmits)
{
    struct out_buf out = { .len = 0 };
    hv_vm *vm = mkvm_out(&out);
    static const uint32_t code[] = {
        0x100005b7u,        /* lui a1, 0x10000 */
        0x04800513u,        /* li a0, 'H' */
        0x00a58023u,        /* sb a0, 0(a1) */
        0x06900513u,        /* li a0, 'i' */
        0x00a58023u,        /* sb a0, 0(a1) */
        0x0055c603u,        /* lbu a2, 5(a1)  (LSR) */
        J_SELF,
    };
    hv_vcpu *cpu = load(vm, code, 7);
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(cpu, 100, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
    cr_assert_eq(out.len, 2);
    cr_assert_eq(memcmp(out.data, "Hi", 2), 0);
    cr_assert_eq(reg(cpu, HV_REG_X(12)) & 0x60, 0x60);   /* THRE | TEMT */
    hv_vm_destroy(vm);
}

Test(full_priv, trap_into_a_missing_handler_is_a_fault)
{
    hv_vm *vm = mkvm_out(NULL);
    static const uint32_t code[] = { 0x00000000u };      /* illegal; mtvec = 0: nothing there */
    hv_vcpu *cpu = load(vm, code, 1);
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(cpu, 1000, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_FAULT);
    /* The real fault is reported (illegal instruction at RAM), not the fetch fault at
     * mtvec = 0 that taking it would cause; the trap is not taken (mcause untouched). */
    cr_assert_eq(ex.u.fault.cause, 2);
    cr_assert_eq(ex.pc, RAM);
    cr_assert_eq(reg(cpu, HV_REG_CSR(0x342)), 0);
    cr_assert_eq(reg(cpu, HV_REG_PC), RAM);
    hv_vm_destroy(vm);
}
