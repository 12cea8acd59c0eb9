/* SPDX-License-Identifier: MIT */
/* Unit tests for the lockstep engine (HV_ENGINE_LOCKSTEP, core/lockstep.c): a VM whose
 * translator is checked against a hidden interpreter twin after every block. Real guests
 * (the bench programs) run to their exit; differences planted in the twin's registers or
 * RAM must be reported naming what differs; the twin never writes the VM's disks. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hv/hv.h"
#include "core/vm.h"
#include "bench/workloads/blkpattern.h"

#define MEM (64ull << 20)
#define BENCH(name) HV_BUILD_DIR "/bench/" name "-full.elf"

struct logbuf {
    char text[4096];
};

static void log_fn(void *opaque, enum hv_log_level level, const char *msg)
{
    (void)level;
    struct logbuf *l = opaque;
    size_t n = strlen(l->text);
    snprintf(l->text + n, sizeof(l->text) - n, "%s\n", msg);
}

static bool built(const char *path)
{
    if (access(path, R_OK) == 0)
        return true;
    cr_log_warn("%s not built: skipped", path);
    return false;
}

static void config(struct hv_config *cfg, const char *elf, struct logbuf *log)
{
    hv_config_init(cfg);
    cfg->mem_size = MEM;
    cfg->bios = "none";
    cfg->kernel = elf;
    cfg->serial.type = HV_CHARDEV_NULL;
    cfg->engine = HV_ENGINE_LOCKSTEP;
    if (log) {
        cfg->log = log_fn;
        cfg->log_opaque = log;
        cfg->log_level = HV_LOG_INFO;
    }
}

static hv_vm *create(const struct hv_config *cfg, hv_vcpu **vcpu)
{
    hv_vm *vm;
    char err[256];
    cr_assert_eq(hv_vm_create(cfg, &vm, err, sizeof err), 0, "%s", err);
    cr_assert_eq(hv_vcpu_create(vm, 0, vcpu), 0, "%s", hv_vm_last_error(vm));
    return vm;
}

/* Run to the guest's own exit; returns hv_vcpu_run's result. */
static int run_to_exit(hv_vcpu *vcpu, struct hv_exit *ex)
{
    for (;;) {
        int rc = hv_vcpu_run(vcpu, 0, ex);
        if (rc < 0 || ex->reason != HV_EXIT_KICK)
            return rc;
    }
}

Test(lockstep, bench_programs_agree_to_the_end)
{
    static const char *const w[] = { BENCH("crc"), BENCH("sort"), BENCH("paging"),
                                     BENCH("matmul"), BENCH("timer-irq") };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        if (!built(w[i]))
            continue;
        struct logbuf log = { "" };
        struct hv_config cfg;
        config(&cfg, w[i], &log);
        hv_vcpu *vcpu;
        hv_vm *vm = create(&cfg, &vcpu);
        struct hv_exit ex;
        int rc = run_to_exit(vcpu, &ex);
        cr_assert_eq(rc, 0, "%s: %s", w[i], hv_vm_last_error(vm));
        cr_assert_eq(ex.reason, HV_EXIT_SHUTDOWN, "%s: exit %d", w[i], ex.reason);
        cr_assert_eq(ex.u.shutdown.code, 0, "%s: guest failed", w[i]);
        cr_assert(strstr(log.text, "instructions agree"), "%s: %s", w[i], log.text);
        hv_vm_destroy(vm);
    }
}

Test(lockstep, budget_stops_exactly_and_resumes)
{
    if (!built(BENCH("sort")))
        return;
    struct hv_config cfg;
    config(&cfg, BENCH("sort"), NULL);
    hv_vcpu *vcpu;
    hv_vm *vm = create(&cfg, &vcpu);
    struct hv_exit ex;
    for (int i = 1; i <= 5; i++) {
        cr_assert_eq(hv_vcpu_run(vcpu, 12345, &ex), 0, "%s", hv_vm_last_error(vm));
        cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
        struct hv_stats st;
        hv_vcpu_get_stats(vcpu, &st);
        cr_assert_eq(st.instructions, 12345ull * i);
        cr_assert_eq(vm->twin->vcpus[0]->cpu.instret, 12345ull * i);
    }
    cr_assert_eq(run_to_exit(vcpu, &ex), 0, "%s", hv_vm_last_error(vm));
    cr_assert_eq(ex.reason, HV_EXIT_SHUTDOWN);
    hv_vm_destroy(vm);
}

/* The crc program in lockstep, stopped after 50,000 instructions; NULL when not built. */
static hv_vm *crc_started(hv_vcpu **vcpu)
{
    if (!built(BENCH("crc")))
        return NULL;
    struct hv_config cfg;
    config(&cfg, BENCH("crc"), NULL);
    hv_vm *vm = create(&cfg, vcpu);
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(*vcpu, 50000, &ex), 0, "%s", hv_vm_last_error(vm));
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
    return vm;
}

Test(lockstep, register_difference_is_reported)
{
    hv_vcpu *vcpu;
    hv_vm *vm = crc_started(&vcpu);
    if (!vm)
        return;
    struct hv_exit ex;
    /* Behind the API's back (set_reg would re-copy the twin): the stack pointer. */
    vm->twin->vcpus[0]->cpu.x[2] ^= 0x10;
    int rc = run_to_exit(vcpu, &ex);
    cr_assert_eq(rc, HV_EINTERNAL, "rc %d", rc);
    cr_assert(strstr(hv_vm_last_error(vm), "lockstep: x2 "), "%s", hv_vm_last_error(vm));
    hv_vm_destroy(vm);
}

Test(lockstep, ram_difference_is_reported)
{
    hv_vcpu *vcpu;
    hv_vm *vm = crc_started(&vcpu);
    if (!vm)
        return;
    struct hv_exit ex;
    uint8_t *twin_ram = hv__mem_hva(&vm->twin->mem, 0x80000000ull + MEM - 64, 1);
    cr_assert_not_null(twin_ram);
    *twin_ram = 0x5a;           /* a byte the guest never touches */
    int rc = run_to_exit(vcpu, &ex);
    cr_assert_eq(rc, HV_EINTERNAL, "rc %d", rc);
    cr_assert(strstr(hv_vm_last_error(vm), "RAM differs at 0x83ffffc0"), "%s",
              hv_vm_last_error(vm));
    hv_vm_destroy(vm);
}

Test(lockstep, api_changes_are_copied_into_the_twin)
{
    hv_vcpu *vcpu;
    hv_vm *vm = crc_started(&vcpu);
    if (!vm)
        return;
    struct hv_exit ex;
    static const char junk[] = "written by the embedder between runs";
    cr_assert_eq(hv_vm_mem_write(vm, 0x80000000ull + MEM - 4096, junk, sizeof junk), 0);
    cr_assert_eq(run_to_exit(vcpu, &ex), 0, "%s", hv_vm_last_error(vm));
    cr_assert_eq(ex.reason, HV_EXIT_SHUTDOWN);
    hv_vm_destroy(vm);
}

Test(lockstep, unsupported_configurations_are_refused)
{
    struct hv_config cfg;
    config(&cfg, BENCH("crc"), NULL);
    hv_vm *vm = NULL;
    char err[256] = "";
    cfg.nr_vcpus = 2;
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), HV_ENOTSUP);
    cr_assert(strstr(err, "one vCPU"), "%s", err);
    cfg.nr_vcpus = 1;
    cfg.backend = HV_BACKEND_PARA;
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), HV_ENOTSUP);
    cr_assert(strstr(err, "full backend"), "%s", err);
    cfg.backend = HV_BACKEND_FULL;
    cfg.nr_nics = 1;
    cfg.nics[0].type = HV_NET_HUB;
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), HV_ENOTSUP);
    cr_assert(strstr(err, "hub"), "%s", err);
    cr_assert_null(vm);
}

/* The block workload writes 8 MiB through virtio-blk on both VMs; the disk file must hold
 * exactly what the guest wrote once (the twin's writes stay in its transient overlay). */
Test(lockstep, disk_io_agrees_and_only_the_vm_writes_the_file)
{
    if (!built(BENCH("blk-seq-4k")))
        return;
    char path[] = "/tmp/hv-lockstep-disk-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, 64 << 20), 0);
    struct hv_config cfg;
    config(&cfg, BENCH("blk-seq-4k"), NULL);
    cfg.nr_disks = 1;
    cfg.disks[0].path = path;
    hv_vcpu *vcpu;
    hv_vm *vm = create(&cfg, &vcpu);
    cr_assert(vm->twin->cfg.disks[0].transient, "the twin's disk must be transient");
    cr_assert_eq(vm->twin->cfg.serial.type, HV_CHARDEV_NULL);
    struct hv_exit ex;
    int rc = run_to_exit(vcpu, &ex);
    cr_assert_eq(rc, 0, "%s", hv_vm_last_error(vm));
    cr_assert_eq(ex.reason, HV_EXIT_SHUTDOWN);
    cr_assert_eq(ex.u.shutdown.code, 0);
    hv_vm_destroy(vm);
    /* 2048 requests of 8 sectors: every sector carries its tag. */
    uint8_t sec[BLKPAT_SECTOR];
    for (uint64_t s = 0; s < 2048 * 8; s += 997) {
        cr_assert_eq(pread(fd, sec, sizeof sec, (off_t)(s * BLKPAT_SECTOR)), (ssize_t)sizeof sec);
        uint64_t tag;
        memcpy(&tag, sec, 8);
        cr_assert_eq(tag, blkpat_tag(s), "sector %llu", (unsigned long long)s);
    }
    close(fd);
    unlink(path);
}

/* Breakpoints (hv_vcpu_set_breakpoint) stop a lockstep VM before the instruction, at the
 * same instruction count as the plain translator, and resuming continues in lockstep. */
Test(lockstep, breakpoints_stop_like_the_translator)
{
    if (!built(BENCH("sort")))
        return;
    /* Where the plain translator is after 7,000 instructions: the breakpoint. */
    struct hv_config cfg;
    config(&cfg, BENCH("sort"), NULL);
    cfg.engine = HV_ENGINE_JIT;
    hv_vcpu *ref;
    hv_vm *rvm = create(&cfg, &ref);
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(ref, 7000, &ex), 0);
    uint64_t bp;
    cr_assert_eq(hv_vcpu_get_reg(ref, HV_REG_PC, &bp), 0);
    hv_vm_destroy(rvm);
    uint64_t hits[2];
    for (int i = 0; i < 2; i++) {
        config(&cfg, BENCH("sort"), NULL);
        cfg.engine = i ? HV_ENGINE_LOCKSTEP : HV_ENGINE_JIT;
        hv_vcpu *vcpu;
        hv_vm *vm = create(&cfg, &vcpu);
        cr_assert_eq(hv_vcpu_set_breakpoint(vcpu, bp), 0);
        cr_assert_eq(hv_vcpu_run(vcpu, 0, &ex), 0, "%s", hv_vm_last_error(vm));
        cr_assert_eq(ex.reason, HV_EXIT_BREAKPOINT, "engine %d: exit %d", cfg.engine,
                     ex.reason);
        cr_assert_eq(ex.pc, bp);
        struct hv_stats st;
        hv_vcpu_get_stats(vcpu, &st);
        hits[i] = st.instructions;
        cr_assert_eq(hv_vcpu_clear_breakpoint(vcpu, bp), 0);
        cr_assert_eq(run_to_exit(vcpu, &ex), 0, "%s", hv_vm_last_error(vm));
        cr_assert_eq(ex.reason, HV_EXIT_SHUTDOWN);
        cr_assert_eq(ex.u.shutdown.code, 0);
        hv_vm_destroy(vm);
    }
    cr_assert_eq(hits[0], hits[1], "translator stopped at %llu, lockstep at %llu",
                 (unsigned long long)hits[0], (unsigned long long)hits[1]);
    cr_assert_leq(hits[1], 7000);
}
