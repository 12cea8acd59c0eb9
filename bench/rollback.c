/* SPDX-License-Identifier: MIT */
/* Snapshot and rollback benchmark (built as build/bench/rollback): for a 64 MiB and a 1 GiB
 * guest on each backend, how many run-a-little-then-roll-back cycles per second a fuzzing
 * harness gets (the guest dirties 16 pages per cycle through the soft-TLB fast path), what
 * a rollback alone costs, and how long a checkpoint, a snapshot save (to a file) and a
 * snapshot load take with a quarter of RAM holding data.
 * usage: rollback [SECONDS_PER_CASE (default 1)] [--quick] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hv/hv.h"

#define RAM 0x80000000ull
#define DATA (RAM + 0x100000)
#define PAGES_DIRTIED 16

static double clk(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Wall time, and this thread's CPU time (what the numbers would be on an idle machine). */
static double now(void) { return clk(CLOCK_MONOTONIC); }
static double cpu(void) { return clk(CLOCK_THREAD_CPUTIME_ID); }

static void die(const char *what, hv_vm *vm)
{
    fprintf(stderr, "rollback: %s: %s\n", what, vm ? hv_vm_last_error(vm) : "");
    exit(1);
}

/* sd a0,0(t0) ; add t0,t0,t1 ; addi a0,a0,1 ; j -12 — one page per 4 instructions. */
static const uint32_t code[] = { 0x00a2b023, 0x006282b3, 0x00150513, 0xff5ff06f };

/* A quarter of the pages hold pseudo-random data (what compression cannot shrink). */
static void fill_ram(hv_vm *vm, uint64_t mem)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (uint64_t off = 0x200000; off + 4096 <= mem; off += 4 * 4096) {
        uint64_t *p = hv_vm_mem_ptr(vm, RAM + off, 4096);
        for (unsigned i = 0; i < 512; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            p[i] = x;
        }
    }
}

static void run_cycle(hv_vcpu *v)
{
    struct hv_exit e;
    if (hv_vcpu_run(v, 4 * PAGES_DIRTIED, &e) < 0 || e.reason != HV_EXIT_BUDGET) {
        fprintf(stderr, "rollback: unexpected exit %d\n", (int)e.reason);
        exit(1);
    }
}

static void bench(enum hv_backend b, uint64_t mem, double secs)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = b;
    cfg.mem_size = mem;
    cfg.bios = "none";
    cfg.serial.type = HV_CHARDEV_NULL;
    hv_vm *vm;
    hv_vcpu *v;
    char err[512];
    if (hv_vm_create(&cfg, &vm, err, sizeof err) < 0) {
        fprintf(stderr, "rollback: %s\n", err);
        exit(1);
    }
    if (hv_vcpu_create(vm, 0, &v) < 0)
        die("vcpu", vm);
    fill_ram(vm, mem);
    hv_vm_mem_write(vm, RAM, code, sizeof code);
    hv_vcpu_set_reg(v, HV_REG_PC, RAM);
    hv_vcpu_set_reg(v, 5, DATA);
    hv_vcpu_set_reg(v, 6, 4096);

    double t0 = now();
    hv_checkpoint *cp;
    int rc = hv_vm_checkpoint(vm, &cp);
    if (rc == HV_ENOTSUP) {
        printf("%s: skipped: %s\n", b == HV_BACKEND_FULL ? "full" : "para",
               hv_vm_last_error(vm));
        hv_vm_destroy(vm);
        return;
    }
    if (rc < 0)
        die("checkpoint", vm);
    double t_cp = now() - t0;

    /* Cycles: run 64 instructions (16 pages dirtied), roll back. */
    unsigned long n = 0;
    double rb = 0, rb_cpu = 0;
    double c0 = cpu();
    t0 = now();
    double end = t0 + secs;
    do {
        for (int i = 0; i < 256; i++, n++) {
            run_cycle(v);
            double a = now(), ac = cpu();
            if (hv_vm_rollback(vm, cp) < 0)
                die("rollback", vm);
            rb += now() - a;
            rb_cpu += cpu() - ac;
        }
    } while (now() < end);
    double total = now() - t0, total_cpu = cpu() - c0;

    char path[] = "/tmp/hv-rollback-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        die("mkstemp", NULL);
    unlink(path);
    t0 = now();
    double sc = cpu();
    if (hv_vm_snapshot_save(vm, fd) < 0)
        die("snapshot save", vm);
    double t_save = now() - t0, c_save = cpu() - sc;
    off_t size = lseek(fd, 0, SEEK_CUR);
    lseek(fd, 0, SEEK_SET);
    t0 = now();
    sc = cpu();
    if (hv_vm_snapshot_load(vm, fd) < 0)
        die("snapshot load", vm);
    double t_load = now() - t0, c_load = cpu() - sc;
    close(fd);

    printf("%-4s %5llu MiB  cycles/s %7.0f (cpu %7.0f)  rollback %6.2f us (cpu %6.2f)  "
           "checkpoint %7.1f ms  save %7.1f ms (cpu %7.1f, %lld KiB)  load %7.1f ms "
           "(cpu %7.1f)\n",
           b == HV_BACKEND_FULL ? "full" : "para", (unsigned long long)(mem >> 20),
           (double)n / total, (double)n / total_cpu, rb / (double)n * 1e6,
           rb_cpu / (double)n * 1e6, t_cp * 1e3, t_save * 1e3, c_save * 1e3,
           (long long)size / 1024, t_load * 1e3, c_load * 1e3);
    fflush(stdout);
    hv_checkpoint_free(cp);
    hv_vm_destroy(vm);
}

int main(int argc, char **argv)
{
    double secs = 1.0;
    int quick = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else
            secs = atof(argv[i]);
    }
    if (secs <= 0)
        secs = 1.0;
    printf("guest dirties %d pages per cycle (64 instructions); 1/4 of RAM holds random "
           "data\n", PAGES_DIRTIED);
    static const enum hv_backend backends[] = { HV_BACKEND_PARA, HV_BACKEND_FULL };
    for (unsigned k = 0; k < 2; k++) {
        bench(backends[k], 64ull << 20, secs);
        if (!quick)
            bench(backends[k], 1ull << 30, secs);
    }
    return 0;
}
