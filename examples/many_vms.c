/* SPDX-License-Identifier: MIT */
/* Many small VMs in one process: create N VMs (default 1,000 of 16 MiB each) and keep them
 * all alive, run a tiny guest in each (it writes to a page of its RAM and powers off with
 * an exit code of its own), then destroy them all. Prints the host memory each VM costs
 * (resident set growth / N) and how long creating one takes.
 *
 *   many_vms [--count N] [--mem SIZE] [--backend para|full] [--hugepages auto|on|off]
 *            [--engine jit|interp]
 *            [--max-rss-kib K]     fail if a VM costs more than K KiB (default 1024) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <hv/hv.h>

#define RAM 0x80000000ull

static uint32_t i_type(int imm, unsigned rs1, unsigned f3, unsigned rd, unsigned op)
{
    return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
static uint32_t u_type(uint32_t imm20, unsigned rd, unsigned op)
{
    return imm20 << 12 | rd << 7 | op;
}
static uint32_t s_type(int imm, unsigned rs2, unsigned rs1, unsigned f3)
{
    uint32_t i = (uint32_t)imm & 0xfff;
    return (i >> 5) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (i & 31) << 7 | 0x23;
}
enum { T0 = 5, T1 = 6, A0 = 10, A1 = 11, A6 = 16, A7 = 17 };
enum { OP_IMM = 0x13, LUI = 0x37, AUIPC = 0x17 };

/* The guest: touch RAM + 1 MiB, then power off with exit code `code` (< 128). */
static size_t guest(enum hv_backend b, unsigned code, uint32_t *p)
{
    size_t n = 0;
    p[n++] = u_type(0x100, T0, AUIPC);                  /* t0 = RAM + 1 MiB */
    p[n++] = s_type(0, T0, T0, 3);                      /* sd t0, 0(t0) */
    if (b == HV_BACKEND_PARA) {                         /* SBI SRST, exit-code reason */
        p[n++] = u_type(0x53525, A7, LUI);
        p[n++] = i_type(0x354, A7, 0, A7, OP_IMM);      /* a7 = 0x53525354 */
        p[n++] = i_type(0, 0, 0, A6, OP_IMM);           /* a6 = 0: system_reset */
        p[n++] = i_type(0, 0, 0, A0, OP_IMM);           /* a0 = 0: shutdown */
        p[n++] = u_type(0xf0000, A1, LUI);
        p[n++] = i_type((int)code, A1, 0, A1, OP_IMM);  /* a1 = 0xF0000000 | code */
        p[n++] = 0x00000073;                            /* ecall */
    } else {                                            /* SiFive test finisher */
        p[n++] = u_type(0x100, T0, LUI);                /* t0 = 0x100000 */
        p[n++] = u_type(code << 4 | 3, T1, LUI);
        p[n++] = i_type(0x333, T1, 0, T1, OP_IMM);      /* t1 = code << 16 | 0x3333 */
        p[n++] = s_type(0, T1, T0, 2);                  /* sw t1, 0(t0) */
    }
    p[n++] = 0x0000006f;                                /* j . */
    return n;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double rss_mib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f || fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = 0;
    if (f)
        fclose(f);
    return (double)resident * (double)sysconf(_SC_PAGESIZE) / (1 << 20);
}

/* Lines of /proc/self/maps: each VM adds a few mappings, and a process may have at most
 * vm.max_map_count (65530 by default). */
static long mappings(void)
{
    long n = 0;
    int c;
    FILE *f = fopen("/proc/self/maps", "r");
    while (f && (c = getc(f)) != EOF)
        n += c == '\n';
    if (f)
        fclose(f);
    return n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    unsigned count = 1000;
    uint64_t mem = 16ull << 20, max_rss_kib = 1024;
#if defined(__SANITIZE_ADDRESS__)
    max_rss_kib = 8192;                 /* redzones and quarantine: not the real figure */
#endif
    enum hv_backend backend = HV_BACKEND_PARA;
    enum hv_hugepages huge = HV_HUGEPAGES_AUTO;
    enum hv_engine engine = HV_ENGINE_DEFAULT;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *o = argv[i], *v = argv[i + 1];
        if (!strcmp(o, "--count"))
            count = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(o, "--mem") && hv_parse_size(v, &mem) == 0)
            ;
        else if (!strcmp(o, "--backend"))
            backend = !strcmp(v, "full") ? HV_BACKEND_FULL : HV_BACKEND_PARA;
        else if (!strcmp(o, "--hugepages"))
            huge = !strcmp(v, "on") ? HV_HUGEPAGES_ON
                 : !strcmp(v, "off") ? HV_HUGEPAGES_OFF : HV_HUGEPAGES_AUTO;
        else if (!strcmp(o, "--engine"))
            engine = !strcmp(v, "interp") ? HV_ENGINE_INTERP : HV_ENGINE_JIT;
        else if (!strcmp(o, "--max-rss-kib"))
            max_rss_kib = strtoull(v, NULL, 10);
        else {
            fprintf(stderr, "many_vms: bad option %s\n", o);
            return 2;
        }
    }
    hv_vm **vms = calloc(count, sizeof(*vms));
    hv_vcpu **cpus = calloc(count, sizeof(*cpus));
    double *create_ms = calloc(count, sizeof(double));
    if (!vms || !cpus || !create_ms || !count)
        return 2;
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = backend;
    cfg.mem_size = mem;
    cfg.bios = backend == HV_BACKEND_FULL ? "none" : NULL;
    cfg.serial.type = HV_CHARDEV_NULL;
    cfg.hugepages = huge;
    cfg.engine = engine;

    double rss0 = rss_mib(), t0 = now_ms();
    for (unsigned i = 0; i < count; i++) {
        char err[256];
        uint32_t prog[16];
        size_t n = guest(backend, i % 128, prog);
        double t = now_ms();
        int rc = hv_vm_create(&cfg, &vms[i], err, sizeof err);
        if (rc == 0)
            rc = hv_vcpu_create(vms[i], 0, &cpus[i]);
        if (rc == 0)
            rc = hv_vm_mem_write(vms[i], RAM, prog, n * sizeof(prog[0]));
        create_ms[i] = now_ms() - t;
        if (rc < 0) {
            fprintf(stderr, "many_vms: VM %u: %s (%s)\n", i, vms[i] ? hv_vm_last_error(vms[i])
                    : err, hv_err_name(rc));
            return 1;
        }
    }
    double t1 = now_ms(), rss1 = rss_mib();
    for (unsigned i = 0; i < count; i++) {
        struct hv_exit ex;
        if (hv_vcpu_run(cpus[i], 1000, &ex) < 0 || ex.reason != HV_EXIT_SHUTDOWN ||
            ex.u.shutdown.code != (int)(i % 128)) {
            fprintf(stderr, "many_vms: VM %u stopped with reason %d code %d: %s\n", i,
                    (int)ex.reason, ex.u.shutdown.code, hv_vm_last_error(vms[i]));
            return 1;
        }
    }
    double t2 = now_ms(), rss2 = rss_mib();
    long maps = mappings();
    for (unsigned i = 0; i < count; i++)
        hv_vm_destroy(vms[i]);
    double t3 = now_ms(), rss3 = rss_mib();

    qsort(create_ms, count, sizeof(double), cmp_double);
    double per_vm_kib = (rss2 - rss0) * 1024 / count;
    printf("many_vms: %u %s VMs of %llu MiB alive at once (hugepages %s)\n", count,
           backend == HV_BACKEND_FULL ? "full" : "para", (unsigned long long)(mem >> 20),
           huge == HV_HUGEPAGES_ON ? "on" : huge == HV_HUGEPAGES_OFF ? "off" : "auto");
    printf("  create (VM + vCPU + program): total %.0f ms, per VM mean %.3f ms, median %.3f, "
           "p99 %.3f, max %.3f\n", t1 - t0, (t1 - t0) / count, create_ms[count / 2],
           create_ms[count * 99 / 100], create_ms[count - 1]);
    printf("  run all to power-off: %.0f ms; destroy all: %.0f ms\n", t2 - t1, t3 - t2);
    printf("  RSS: %.1f MiB before, %.1f after create (+%.0f KiB/VM), %.1f after running "
           "(+%.0f KiB/VM), %.1f after destroy\n", rss0, rss1, (rss1 - rss0) * 1024 / count,
           rss2, per_vm_kib, rss3);
    printf("  host mappings with all VMs alive: %ld (vm.max_map_count default 65530)\n", maps);
    free(vms);
    free(cpus);
    free(create_ms);
    if (per_vm_kib > (double)max_rss_kib) {
        fprintf(stderr, "many_vms: %.0f KiB per VM exceeds %llu KiB\n", per_vm_kib,
                (unsigned long long)max_rss_kib);
        return 1;
    }
    return 0;
}
