/* SPDX-License-Identifier: MIT */
/* Soft-TLB refills on a real guest (the victim entries and the table size themselves are
 * unit-tested in test_tlb.c): memstream copies between two 8 MiB buffers, which with a
 * direct-mapped table smaller than their distance made every access refill the entry the
 * previous one evicted (1.6 M refills with 1024 entries and no victims). Both engines, and
 * under Sv39, must compute the right checksum (exit code 0) and refill about once per page
 * per pass. */
#include <criterion/criterion.h>
#include <unistd.h>
#include "hv/hv.h"

#define ELF(name) HV_BUILD_DIR "/bench/" name "-full.elf"

static void run(const char *elf, enum hv_engine engine)
{
    if (access(elf, R_OK) != 0) {
        cr_log_warn("%s not built: skipped", elf);
        return;
    }
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.mem_size = 64ull << 20;
    cfg.bios = "none";
    cfg.kernel = elf;
    cfg.serial.type = HV_CHARDEV_NULL;
    cfg.engine = engine;
    hv_vm *vm;
    hv_vcpu *vcpu;
    char err[256];
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), 0, "%s", err);
    cr_assert_eq(hv_vcpu_create(vm, 0, &vcpu), 0);
    struct hv_exit ex;
    do
        cr_assert_eq(hv_vcpu_run(vcpu, 0, &ex), 0, "%s", hv_vm_last_error(vm));
    while (ex.reason == HV_EXIT_KICK);
    cr_assert_eq(ex.reason, HV_EXIT_SHUTDOWN);
    cr_assert_eq(ex.u.shutdown.code, 0, "%s: wrong checksum", elf);
    struct hv_stats st;
    hv_vcpu_get_stats(vcpu, &st);
    cr_log_info("%s engine %d: %llu refills", elf, engine, (unsigned long long)st.tlb_misses);
    cr_assert_lt(st.tlb_misses, 200000, "%s: %llu soft-TLB refills", elf,
                 (unsigned long long)st.tlb_misses);
    hv_vm_destroy(vm);
}

Test(tlb_victim, streaming_two_buffers_refills_once_per_page, .timeout = 120)
{
    run(ELF("memstream"), HV_ENGINE_INTERP);
    run(ELF("memstream"), HV_ENGINE_JIT);
    run(ELF("memstream-sv39"), HV_ENGINE_JIT);   /* the same under Sv39: walks saved */
}
