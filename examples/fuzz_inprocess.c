/* SPDX-License-Identifier: MIT */
/* Example: an in-process snapshot-fuzzing harness (hv/fuzz.h), libFuzzer style. A tiny
 * hand-written guest checks two input bytes and crashes (a store to address 0) on "XY".
 * hv_fuzz_create checkpoints at the start address; hv_fuzz_one rolls back, writes the input
 * and classifies the run. Build with -DHV_LIBFUZZER -fsanitize=fuzzer (clang) to let
 * libFuzzer drive LLVMFuzzerTestOneInput; by default main() runs a few inputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hv/hv.h>

#define RAM 0x80000000ull
#define INPUT (RAM + 0x1000)

static const uint32_t prog[] = {
    0x00001297,   /* auipc t0, 1       -> INPUT */
    0x0002c303,   /* lbu t1, 0(t0) */
    0x05800393,   /* li t2, 'X' */
    0x00731e63,   /* bne t1, t2, end */
    0x0012c303,   /* lbu t1, 1(t0) */
    0x05900393,   /* li t2, 'Y' */
    0x00731863,   /* bne t1, t2, end */
    0x00603023,   /* sd t1, 0(x0)      the planted bug */
    0x00000013,   /* nop */
    0x00000013,   /* nop */
    0x0000006f,   /* end: j . */
};

static hv_vm *vm;
static hv_fuzz *fz;
static uint8_t map[1 << 16];

static int setup(void)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.mem_size = 1 << 20;
    cfg.bios = "none";
    cfg.serial.type = HV_CHARDEV_NULL;
    cfg.deterministic = 1;
    hv_vcpu *cpu;
    char err[256];
    if (hv_vm_create(&cfg, &vm, err, sizeof err) < 0 || hv_vcpu_create(vm, 0, &cpu) < 0) {
        fprintf(stderr, "create: %s\n", err);
        return -1;
    }
    hv_vm_mem_write(vm, RAM, prog, sizeof prog);
    hv_vcpu_set_reg(cpu, HV_REG_PC, RAM);
    struct hv_fuzz_config fc;
    hv_fuzz_config_init(&fc);
    fc.start = "0x80000000";
    fc.end = "0x80000028";
    fc.input = "0x80001000";
    fc.input_max = 64;
    fc.budget = 10000;
    fc.cov = map;
    fc.cov_size = sizeof map;
    if (hv_fuzz_create(vm, &fc, &fz) < 0) {
        fprintf(stderr, "fuzz: %s\n", hv_vm_last_error(vm));
        return -1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fz && setup() < 0)
        abort();
    struct hv_fuzz_result res;
    memset(map, 0, sizeof map);
    if (hv_fuzz_one(fz, data, size, &res) < 0 || res.status == HV_FUZZ_CRASH)
        abort();                 /* how libFuzzer learns about a crash */
    return 0;
}

#ifndef HV_LIBFUZZER
int main(void)
{
    if (setup() < 0)
        return 1;
    static const char *const inputs[] = { "AB", "XA", "XY", "X", "XY!" };
    int crashes = 0;
    for (unsigned i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        struct hv_fuzz_result res;
        if (hv_fuzz_one(fz, inputs[i], strlen(inputs[i]), &res) < 0)
            return 1;
        printf("%-4s -> %s (exit reason %d, %llu instructions)\n", inputs[i],
               res.status == HV_FUZZ_CRASH ? "crash" : res.status == HV_FUZZ_HANG ? "hang" : "ok",
               res.exit.reason, (unsigned long long)res.instructions);
        crashes += res.status == HV_FUZZ_CRASH;
    }
    hv_fuzz_destroy(fz);
    hv_vm_destroy(vm);
    return crashes == 2 ? 0 : 1;
}
#endif
