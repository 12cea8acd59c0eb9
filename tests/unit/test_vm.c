/* SPDX-License-Identifier: MIT */
/* Unit tests for the core VM/vCPU API: creation errors, destroy(NULL), destroy refused while
 * a vCPU runs, kicks from another thread, registers, budgets, memory API, MMIO exits,
 * logging callback, kernel symbols, the serial chardev's name, the hugepages setting. Guests are a few hand-encoded RV64 instructions written into RAM. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hv/hv.h"

#define RAM 0x80000000ull

static hv_vm *mkvm(struct hv_config *cfg)
{
    hv_vm *vm = NULL;
    char err[512];
    cfg->serial.type = HV_CHARDEV_NULL;
    cfg->bios = "none";
    int rc = hv_vm_create(cfg, &vm, err, sizeof err);
    cr_assert_eq(rc, 0, "hv_vm_create: %s", err);
    return vm;
}

static void put32(hv_vm *vm, uint64_t gpa, const uint32_t *w, size_t n)
{
    cr_assert_eq(hv_vm_mem_write(vm, gpa, w, n * 4), 0);
}

Test(vm, destroy_null_and_bad_configs)
{
    cr_assert_eq(hv_vm_destroy(NULL), 0);
    struct hv_config cfg;
    hv_vm *vm = (hv_vm *)1;
    char err[256] = "";
    hv_config_init(&cfg);
    cfg.nr_vcpus = 0;
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), HV_EINVAL);
    cr_assert_null(vm);
    cr_assert(strstr(err, "nr_vcpus"), "%s", err);
    hv_config_init(&cfg);
    cfg.mem_size = 12345;
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), HV_EINVAL);
    hv_config_init(&cfg);
    cfg.size = 4;
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), HV_EINVAL);
    hv_config_init(&cfg);
    cfg.serial.type = HV_CHARDEV_NULL;
    cfg.kernel = "/nonexistent/kernel.elf";
    cr_assert_lt(hv_vm_create(&cfg, &vm, err, sizeof err), 0);
    cr_assert(strstr(err, "/nonexistent/kernel.elf"), "error must name the file: %s", err);
    cr_assert_eq(hv_vm_create(NULL, &vm, err, sizeof err), HV_EINVAL);
}

Test(vm, memory_api)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.mem_size = 1 << 20;
    hv_vm *vm = mkvm(&cfg);
    uint64_t v = 0x1122334455667788ull, r = 0;
    cr_assert_eq(hv_vm_mem_write(vm, RAM + 8, &v, 8), 0);
    cr_assert_eq(hv_vm_mem_read(vm, RAM + 8, &r, 8), 0);
    cr_assert_eq(r, v);
    cr_assert_eq(*(uint64_t *)hv_vm_mem_ptr(vm, RAM + 8, 8), v);
    cr_assert_null(hv_vm_mem_ptr(vm, RAM + (1 << 20) - 4, 8));
    cr_assert_eq(hv_vm_mem_read(vm, RAM + (1 << 20), &r, 1), HV_EFAULT);
    cr_assert(strstr(hv_vm_last_error(vm), "not guest memory"));
    cr_assert_eq(hv_vm_mem_map(vm, RAM, 0x1000, HV_MEM_RAM), HV_EEXIST);
    cr_assert_eq(hv_vm_mem_map(vm, 0x40000000, 0x10000, HV_MEM_RAM), 0);
    cr_assert_eq(hv_vm_mem_write(vm, 0x40000000, &v, 8), 0);
    cr_assert_eq(hv_vm_mem_unmap(vm, 0x40000000), 0);
    cr_assert_eq(hv_vm_mem_write(vm, 0x40000000, &v, 8), HV_EFAULT);
    cr_assert_eq(hv_vm_mem_map(vm, 0x40000000, 0x10000, 0), HV_EINVAL);
    hv_vm_destroy(vm);
}

/* addi a0, a0, 1 ; j -4  — counts forever */
static const uint32_t count_loop[] = { 0x00150513, 0xffdff06f };

Test(vm, budget_is_exact_and_registers)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.mem_size = 1 << 20;
    hv_vm *vm = mkvm(&cfg);
    put32(vm, RAM, count_loop, 2);
    hv_vcpu *cpu;
    hv_vcpu *other = (hv_vcpu *)1;
    cr_assert_eq(hv_vcpu_create(vm, 0, &cpu), 0);
    cr_assert_eq(hv_vcpu_create(vm, 0, &other), HV_EEXIST);
    cr_assert_null(other, "a failed create leaves *out NULL");
    cr_assert_eq(hv_vcpu_create(vm, 1, &other), HV_ERANGE);
    cr_assert_eq(hv_vcpu_set_reg(cpu, HV_REG_PC, RAM), 0);
    cr_assert_eq(hv_vcpu_set_reg(cpu, HV_REG_X(10), 0), 0);
    cr_assert_eq(hv_vcpu_set_reg(cpu, HV_REG_X(0), 5), 0);
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(cpu, 1001, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
    uint64_t a0, pc, x0;
    hv_vcpu_get_reg(cpu, HV_REG_X(10), &a0);
    hv_vcpu_get_reg(cpu, HV_REG_PC, &pc);
    hv_vcpu_get_reg(cpu, HV_REG_X(0), &x0);
    cr_assert_eq(a0, 501);             /* 1001 instructions: 501 addi, 500 jumps */
    cr_assert_eq(pc, RAM + 4);
    cr_assert_eq(ex.pc, RAM + 4);
    cr_assert_eq(x0, 0);
    struct hv_stats st;
    hv_vcpu_get_stats(cpu, &st);
    cr_assert_eq(st.instructions, 1001);
    cr_assert_eq(st.exits_by_reason[HV_EXIT_BUDGET], 1);
    cr_assert_eq(hv_vcpu_get_reg(cpu, 0x7fff0000, &a0), HV_ENOENT);
    hv_vm_destroy(vm);
}

struct runner {
    hv_vcpu *cpu;
    struct hv_exit ex;
    int rc;
    volatile int started;
};

static void *run_thread(void *arg)
{
    struct runner *r = arg;
    r->started = 1;
    r->rc = hv_vcpu_run(r->cpu, 0, &r->ex);
    return NULL;
}

Test(vm, destroy_refused_while_running_and_kick)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.mem_size = 1 << 20;
    hv_vm *vm = mkvm(&cfg);
    put32(vm, RAM, count_loop, 2);
    struct runner r = { 0 };
    cr_assert_eq(hv_vcpu_create(vm, 0, &r.cpu), 0);
    hv_vcpu_set_reg(r.cpu, HV_REG_PC, RAM);
    pthread_t t;
    pthread_create(&t, NULL, run_thread, &r);
    while (!r.started)
        usleep(1000);
    usleep(20000);
    cr_assert_eq(hv_vm_destroy(vm), HV_EBUSY);
    cr_assert_eq(hv_vm_mem_map(vm, 0x40000000, 0x1000, HV_MEM_RAM), HV_EBUSY);
    uint64_t v;
    cr_assert_eq(hv_vcpu_get_reg(r.cpu, HV_REG_PC, &v), HV_EBUSY);
    cr_assert_eq(hv_vcpu_kick(r.cpu), 0);
    pthread_join(t, NULL);
    cr_assert_eq(r.rc, 0);
    cr_assert_eq(r.ex.reason, HV_EXIT_KICK);
    /* The vCPU is usable after the kick: it runs on from where it stopped. (How far it got
     * before the kick depends on host load, so it is not asserted.) */
    uint64_t before, after;
    hv_vcpu_get_reg(r.cpu, HV_REG_X(10), &before);
    cr_assert_eq(hv_vcpu_run(r.cpu, 1000, &r.ex), 0);
    cr_assert_eq(r.ex.reason, HV_EXIT_BUDGET);
    hv_vcpu_get_reg(r.cpu, HV_REG_X(10), &after);
    cr_assert_eq(after - before, 500, "a0 %llu -> %llu", (unsigned long long)before,
                 (unsigned long long)after);
    /* A kick while stopped is reported by the next run at once. */
    hv_vcpu_kick(r.cpu);
    cr_assert_eq(hv_vcpu_run(r.cpu, 0, &r.ex), 0);
    cr_assert_eq(r.ex.reason, HV_EXIT_KICK);
    cr_assert_eq(hv_vm_destroy(vm), 0);
}

/* lui t0,0x40000 ; sw a0,0(t0) ; lw a1,4(t0) ; j . */
static const uint32_t mmio_prog[] = { 0x400002b7, 0x00a2a023, 0x0042a583, 0x0000006f };

/* A 1 MiB VM running mmio_prog, with an MMIO region without callbacks at 0x40000000. */
static hv_vm *mmio_vm(hv_vcpu **cpu)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.mem_size = 1 << 20;
    hv_vm *vm = mkvm(&cfg);
    put32(vm, RAM, mmio_prog, 4);
    cr_assert_eq(hv_vm_mmio_add(vm, 0x40000000, 0x1000, NULL, NULL), 0);
    cr_assert_eq(hv_vcpu_create(vm, 0, cpu), 0);
    hv_vcpu_set_reg(*cpu, HV_REG_PC, RAM);
    return vm;
}

Test(vm, unhandled_mmio_exits_to_caller)
{
    hv_vcpu *cpu;
    hv_vm *vm = mmio_vm(&cpu);
    hv_vcpu_set_reg(cpu, HV_REG_X(10), 0xabcd);
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(cpu, 100, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_MMIO);
    cr_assert_eq(ex.u.mmio.gpa, 0x40000000);
    cr_assert_eq(ex.u.mmio.is_write, 1);
    cr_assert_eq(ex.u.mmio.size, 4);
    cr_assert_eq(ex.u.mmio.data, 0xabcd);
    cr_assert_eq(hv_vcpu_run(cpu, 100, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_MMIO);
    cr_assert_eq(ex.u.mmio.gpa, 0x40000004);
    cr_assert_eq(ex.u.mmio.is_write, 0);
    ex.u.mmio.data = 0xfffffffe;       /* the load completes with this value, sign-extended */
    cr_assert_eq(hv_vcpu_run(cpu, 10, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
    uint64_t a1;
    hv_vcpu_get_reg(cpu, HV_REG_X(11), &a1);
    cr_assert_eq(a1, 0xfffffffffffffffeull);
    hv_vm_destroy(vm);
}

/* Issue 17, item 6: a checkpoint taken while an MMIO read waits for its answer does not
 * carry that read: after a rollback the load executes again and exits again, instead of
 * completing with whatever the next hv_vcpu_run is passed. */
Test(vm, rollback_repeats_a_pending_mmio_read)
{
    hv_vcpu *cpu;
    hv_vm *vm = mmio_vm(&cpu);
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(cpu, 100, &ex), 0);          /* the store */
    cr_assert_eq(hv_vcpu_run(cpu, 100, &ex), 0);          /* the load waits */
    cr_assert_eq(ex.reason, HV_EXIT_MMIO);
    cr_assert_eq(ex.u.mmio.is_write, 0);
    hv_checkpoint *cp;
    cr_assert_eq(hv_vm_checkpoint(vm, &cp), 0, "%s", hv_vm_last_error(vm));
    ex.u.mmio.data = 0x11;
    cr_assert_eq(hv_vcpu_run(cpu, 10, &ex), 0);
    uint64_t a1;
    hv_vcpu_get_reg(cpu, HV_REG_X(11), &a1);
    cr_assert_eq(a1, 0x11);
    for (unsigned round = 0; round < 2; round++) {
        cr_assert_eq(hv_vm_rollback(vm, cp), 0, "%s", hv_vm_last_error(vm));
        memset(&ex, 0x99, sizeof ex);   /* stale junk: must not become the read's data */
        cr_assert_eq(hv_vcpu_run(cpu, 100, &ex), 0);
        cr_assert_eq(ex.reason, HV_EXIT_MMIO, "round %u: exit %d", round, ex.reason);
        cr_assert_eq(ex.u.mmio.gpa, 0x40000004);
        cr_assert_eq(ex.u.mmio.is_write, 0);
        ex.u.mmio.data = 0x22 + round;
        cr_assert_eq(hv_vcpu_run(cpu, 10, &ex), 0);
        cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
        hv_vcpu_get_reg(cpu, HV_REG_X(11), &a1);
        cr_assert_eq(a1, 0x22 + round);
    }
    hv_checkpoint_free(cp);
    hv_vm_destroy(vm);
}

struct mmio_dev {
    uint64_t last_write;
    unsigned reads, writes;
};

static int dev_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
    struct mmio_dev *d = opaque;
    d->reads++;
    *val = 0x100 + off;
    return 0;
}

static int dev_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
    struct mmio_dev *d = opaque;
    d->writes++;
    d->last_write = val;
    return 0;
}

static const struct hv_mmio_ops dev_ops = { dev_read, dev_write };

Test(vm, mmio_callbacks_stay_in_library)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.mem_size = 1 << 20;
    hv_vm *vm = mkvm(&cfg);
    put32(vm, RAM, mmio_prog, 4);
    struct mmio_dev d = { 0 };
    cr_assert_eq(hv_vm_mmio_add(vm, 0x40000000, 0x1000, &dev_ops, &d), 0);
    hv_vcpu *cpu;
    hv_vcpu_create(vm, 0, &cpu);
    hv_vcpu_set_reg(cpu, HV_REG_PC, RAM);
    hv_vcpu_set_reg(cpu, HV_REG_X(10), 77);
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(cpu, 20, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
    cr_assert_eq(d.writes, 1);
    cr_assert_eq(d.last_write, 77);
    cr_assert_eq(d.reads, 1);
    uint64_t a1;
    hv_vcpu_get_reg(cpu, HV_REG_X(11), &a1);
    cr_assert_eq(a1, 0x104);
    hv_vm_destroy(vm);
}

static void count_log(void *opaque, enum hv_log_level level, const char *msg)
{
    (*(int *)opaque)++;
}

Test(vm, logging_callback_and_many_vms)
{
    int logged = 0;
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.mem_size = 1 << 20;
    cfg.log = count_log;
    cfg.log_opaque = &logged;
    hv_vm *vms[8];
    for (int i = 0; i < 8; i++)
        vms[i] = mkvm(&cfg);
    uint8_t b;
    hv_vm_mem_read(vms[3], 0, &b, 1);    /* fails: logged as an error */
    cr_assert_geq(logged, 1);
    /* VMs are independent: memory of one is not visible in another. */
    uint32_t v = 42, r = 0;
    hv_vm_mem_write(vms[0], RAM, &v, 4);
    hv_vm_mem_read(vms[1], RAM, &r, 4);
    cr_assert_eq(r, 0);
    for (int i = 0; i < 8; i++)
        cr_assert_eq(hv_vm_destroy(vms[i]), 0);
}

/* Regression: unmapping and remapping RAM must not leave stale soft-TLB entries or cached
 * code behind (the core flushes every vCPU on a map change). */
Test(vm, remap_flushes_cached_translations)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.mem_size = 1 << 20;
    hv_vm *vm = mkvm(&cfg);
    /* at 0x40000000: addi a0, a0, 1 ; j -4 */
    cr_assert_eq(hv_vm_mem_map(vm, 0x40000000, 0x1000, HV_MEM_RAM), 0);
    cr_assert_eq(hv_vm_mem_write(vm, 0x40000000, count_loop, sizeof count_loop), 0);
    hv_vcpu *cpu;
    hv_vcpu_create(vm, 0, &cpu);
    hv_vcpu_set_reg(cpu, HV_REG_PC, 0x40000000);
    struct hv_exit ex;
    hv_vcpu_run(cpu, 100, &ex);
    /* Remap the page with different code: addi a0, a0, 2 ; j -4 */
    cr_assert_eq(hv_vm_mem_unmap(vm, 0x40000000), 0);
    cr_assert_eq(hv_vm_mem_map(vm, 0x40000000, 0x1000, HV_MEM_RAM), 0);
    static const uint32_t by_two[] = { 0x00250513, 0xffdff06f };
    hv_vm_mem_write(vm, 0x40000000, by_two, sizeof by_two);
    hv_vcpu_set_reg(cpu, HV_REG_PC, 0x40000000);
    hv_vcpu_set_reg(cpu, HV_REG_X(10), 0);
    hv_vcpu_run(cpu, 10, &ex);
    uint64_t a0;
    hv_vcpu_get_reg(cpu, HV_REG_X(10), &a0);
    cr_assert_eq(a0, 10, "new code must run: a0=%llu", (unsigned long long)a0);
    hv_vm_destroy(vm);
}

/* ---- kernel symbols, the serial chardev's name, huge pages ------------------------------ */

static hv_vm *mkvm_kernel(enum hv_backend b, const char *kernel)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = b;
    cfg.mem_size = 16 << 20;
    cfg.kernel = kernel;
    hv_vm *vm = mkvm(&cfg);
    return vm;
}

Test(vm, symbol_lookup)
{
    static const char *const elfs[] = { HV_BUILD_DIR "/guest/examples/hello-full.elf",
                                        HV_BUILD_DIR "/guest/examples/hello-para.elf" };
    for (int i = 0; i < 2; i++) {
        if (access(elfs[i], R_OK) != 0)
            cr_skip_test("%s not built", elfs[i]);
        hv_vm *vm = mkvm_kernel(i ? HV_BACKEND_PARA : HV_BACKEND_FULL, elfs[i]);
        uint64_t main_addr = 0, main_size = 0, start = 0;
        cr_assert_eq(hv_vm_symbol(vm, "main", &main_addr, &main_size), 0, "%s",
                     hv_vm_last_error(vm));
        cr_assert_geq(main_addr, RAM);
        cr_assert_gt(main_size, 0, "a C function has a size");
        cr_assert_eq(hv_vm_symbol(vm, "_start", &start, NULL), 0);      /* size optional */
        uint64_t pc = 0;
        hv_vcpu *cpu;
        cr_assert_eq(hv_vcpu_create(vm, 0, &cpu), 0);
        cr_assert_eq(hv_vcpu_get_reg(cpu, HV_REG_PC, &pc), 0);
        cr_assert_eq(pc, start, "the entry point is _start");
        /* A breakpoint by name stops there. */
        cr_assert_eq(hv_vcpu_set_breakpoint(cpu, main_addr), 0);
        struct hv_exit ex;
        cr_assert_eq(hv_vcpu_run(cpu, 1000000, &ex), 0);
        cr_assert_eq(ex.reason, HV_EXIT_BREAKPOINT);
        cr_assert_eq(ex.pc, main_addr);
        cr_assert_eq(hv_vm_symbol(vm, "no_such_symbol", NULL, NULL), HV_ENOENT);
        cr_assert(strstr(hv_vm_last_error(vm), "no_such_symbol"), "%s", hv_vm_last_error(vm));
        cr_assert_eq(hv_vm_symbol(vm, NULL, NULL, NULL), HV_EINVAL);
        hv_vm_destroy(vm);
    }
    /* No kernel, or a raw image: no symbol table. */
    hv_vm *vm = mkvm_kernel(HV_BACKEND_PARA, NULL);
    cr_assert_eq(hv_vm_symbol(vm, "main", NULL, NULL), HV_ENOENT);
    cr_assert(strstr(hv_vm_last_error(vm), "no kernel"), "%s", hv_vm_last_error(vm));
    hv_vm_destroy(vm);
    char raw[] = "/tmp/hv-test-raw-XXXXXX";
    int fd = mkstemp(raw);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "\x13\x00\x00\x00", 4), 4);      /* nop */
    close(fd);
    vm = mkvm_kernel(HV_BACKEND_PARA, raw);
    cr_assert_eq(hv_vm_symbol(vm, "main", NULL, NULL), HV_ENOENT);
    cr_assert(strstr(hv_vm_last_error(vm), "not an ELF"), "%s", hv_vm_last_error(vm));
    hv_vm_destroy(vm);
    unlink(raw);
}

Test(vm, chardev_name)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    hv_vm *vm = mkvm(&cfg);                      /* null */
    cr_assert_str_eq(hv_vm_chardev_name(vm), "null");
    hv_vm_destroy(vm);
    cr_assert_str_eq(hv_vm_chardev_name(NULL), "");
    hv_config_init(&cfg);
    cfg.bios = "none";
    cfg.serial.type = HV_CHARDEV_PTY;
    char err[256];
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), 0, "%s", err);
    const char *name = hv_vm_chardev_name(vm);
    cr_assert(!strncmp(name, "/dev/pts/", 9), "%s", name);
    cr_assert_eq(access(name, R_OK | W_OK), 0, "the pty %s exists", name);
    hv_vm_destroy(vm);
}

/* The VmFlags of the host mapping that holds `p` (/proc/self/smaps): "hg" = MADV_HUGEPAGE,
 * "nh" = MADV_NOHUGEPAGE. */
static void vm_flags(const void *p, char *out, size_t len)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    cr_assert_not_null(f);
    char line[512];
    bool in = false;
    out[0] = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)        /* a mapping's header line */
            in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
        if (in && !strncmp(line, "VmFlags:", 8)) {
            snprintf(out, len, "%.200s", line + 8);
            break;
        }
    }
    fclose(f);
}

static void check_thp(enum hv_hugepages h, uint64_t mem, const char *want)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = HV_BACKEND_PARA;
    cfg.mem_size = mem;
    cfg.hugepages = h;
    hv_vm *vm = mkvm(&cfg);
    char flags[256];
    vm_flags(hv_vm_mem_ptr(vm, RAM, 1), flags, sizeof flags);
    cr_assert(strstr(flags, want), "hugepages %d, %llu MiB: VmFlags %s lack %s", (int)h,
              (unsigned long long)(mem >> 20), flags, want);
    hv_vm_destroy(vm);
}

Test(vm, hugepages_setting)
{
    check_thp(HV_HUGEPAGES_AUTO, 16 << 20, " nh");                 /* small: 4 KiB pages */
    check_thp(HV_HUGEPAGES_AUTO, HV_HUGEPAGES_AUTO_MIN, " hg");    /* large: huge pages */
    check_thp(HV_HUGEPAGES_ON, 16 << 20, " hg");
    check_thp(HV_HUGEPAGES_OFF, 1ull << 30, " nh");
    struct hv_config cfg;
    hv_config_init(&cfg);
    cr_assert_eq(cfg.hugepages, HV_HUGEPAGES_AUTO);
    cfg.hugepages = (enum hv_hugepages)7;
    cfg.serial.type = HV_CHARDEV_NULL;
    hv_vm *vm = NULL;
    char err[256];
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), HV_EINVAL);
    cr_assert(strstr(err, "hugepages"), "%s", err);
}
