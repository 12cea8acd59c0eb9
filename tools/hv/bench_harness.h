/* SPDX-License-Identifier: MIT */
/* hv bench — shared declarations of the benchmark harness: the configurations compared
 * (backend x engine, QEMU, or the workload built natively for the host), one run's sample,
 * the per workload x configuration cell with its summary, and the entry points of
 * bench_run.c, bench_report.c and bench_svg.c. */
#ifndef HV_BENCH_HARNESS_H
#define HV_BENCH_HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include "hv/hv.h"

#define BENCH_MAX_RUNS 50
#define BENCH_MAX_CONFIGS 8
#define BENCH_MAX_KV 8
#define BENCH_ERR 200

/* One column of the comparison. */
struct bench_config {
    char label[32];             /* "full", "para/jit", "qemu" */
    enum hv_backend backend;    /* the guest flavour it runs (QEMU: full) */
    enum hv_engine engine;
    int qemu;                   /* run under qemu-system-riscv64 instead of libhv */
    int native;                 /* run the host build of the workload as a process */
    int coverage;               /* libhv with a 64 KiB edge-coverage map (hv_vm_set_coverage) */
};

/* What a known workload needs; unknown names get { "other", no disk }. */
struct bench_wl_info {
    const char *name;
    const char *kind;           /* cpu, memory, io, console, irq, micro */
    int disk;                   /* needs a disk image */
    int quick;                  /* in the default --quick set */
    const char *what;           /* one line for the report */
};

enum bench_status { BENCH_OK = 0, BENCH_FAILED, BENCH_UNSUPPORTED };

/* One run of one workload on one configuration. */
struct bench_sample {
    enum bench_status status;
    double wall_ms;             /* libhv: the run loop; QEMU: the child process' lifetime */
    double create_ms;           /* libhv: hv_vm_create (loading included) */
    double guest_ms;            /* the guest's own measurement (bench line ns=), or -1 */
    double guest_total_ms;      /* guest clock at the result ("time: ns="), or -1 */
    int has_stats;              /* libhv only */
    struct hv_stats stats;
    int has_line;               /* a "bench:" line was found */
    uint64_t ops, bytes, disk_written;
    int checksum_ok;
    char checksum[24];          /* the value on the checksum line ("" if none) */
    int exit_code;
    char err[BENCH_ERR];
    /* Linux workloads (bench_linux.c): stats and wall_ms cover the measured section only
     * (between the guest's begin and end lines; the sum over both VMs for linux-net) */
    int linux_row;
    double run_ms;              /* the whole run: boot, section, power-off */
    double boot_ms;             /* host time from the run's start to the begin line */
    unsigned nvms;              /* VMs whose counters are summed (linux-net: 2) */
};

/* A workload x configuration: every run and the summary over them. */
struct bench_cell {
    enum bench_status status;
    char err[BENCH_ERR];
    unsigned nruns;
    struct bench_sample runs[BENCH_MAX_RUNS];
    /* summary (bench_summarize) */
    double med_ms, min_ms, max_ms, guest_ms;
    double guest_total_med_ms;  /* median guest clock at the result over the runs, or -1 */
    const struct bench_sample *rep;   /* the median run: its counters are reported */
    double mips, mb_s, ops_s, exits_per_op;
    uint64_t exits;             /* exit-equivalents: MMIO traps + hypercalls */
};

struct bench_workload {
    const char *name;
    struct bench_wl_info info;
    char elf[2][4096];          /* [0] -full.elf, [1] -para.elf; "" when not built */
    char native[4096];          /* native/NAME, the host build; "" when not built */
    struct bench_cell *cells;   /* [nconfigs] */
    char what[160];             /* info.what of a NAME-x10 variant */
    int linux_row;              /* a Linux workload: elf[] are the kernel Images */
    char why[2][BENCH_ERR];     /* Linux: why elf[k] is "" (no Image, does not boot) */
};

struct bench {
    struct bench_config cfg[BENCH_MAX_CONFIGS];
    unsigned ncfg;
    struct bench_workload *wl;
    unsigned nwl;
    unsigned runs;
    int quick;
    uint64_t mem_size, disk_size;
    unsigned timeout_s;
    const char *qemu;           /* path of qemu-system-riscv64, NULL if absent */
    const char *tmpdir;         /* scratch directory for disk images */
    const char *initrd;         /* Linux workloads' initramfs */
    char command[1024];         /* the command line, for the reports */
};

/* bench_run.c --------------------------------------------------------------------------- */
struct bench_job {
    const char *elf;            /* the guest ELF, or the native program */
    const struct bench_config *cfg;
    const struct bench_wl_info *info;
    uint64_t mem_size, disk_size;
    unsigned timeout_s;
    const char *qemu;
    const char *tmpdir;
    unsigned seq;               /* makes the disk image name unique */
    const char *initrd;         /* Linux workloads: the initramfs (elf is the kernel Image) */
    int quick;                  /* Linux workloads: the small operation counts */
};
/* Run one job and fill *s (status FAILED with s->err on any problem). Returns 0, or -1
 * when the user interrupted the run (Ctrl-C). */
int bench_run_one(const struct bench_job *job, struct bench_sample *s);
void bench_interrupt(void);          /* from the SIGINT handler: stop the current run */
int bench_interrupted(void);

/* The console text's checks (checksum line, "bench:" line): as after any run. */
void bench_parse_console(const char *text, int truncated, const struct bench_wl_info *info,
                         struct bench_sample *s);
/* SIGINT plumbing: the vCPU bench_interrupt kicks (NULL: none). */
void bench_watch_vcpu(hv_vcpu *vcpu);

/* bench_linux.c: the Linux workloads (hv bench --linux) ---------------------------------- */
struct bench_linux_wl {
    struct bench_wl_info info;  /* name "linux-...", kind "linux" */
    const char *arg;            /* hvlbench=ARG (NULL: boot only) */
    unsigned ops, quick_ops;    /* operations per run; 0: the program's default */
    int disk, net;              /* needs a scratch disk / a second VM (the echo side) */
};
extern const struct bench_linux_wl bench_linux_wls[];
extern const unsigned bench_linux_nwls;
const struct bench_linux_wl *bench_linux_find(const char *name);
/* Boot job->elf (a Linux Image) with job->initrd and run the workload: fills *s like
 * bench_run_one. Returns -1 when the user interrupted the run. */
int bench_linux_run_one(const struct bench_job *job, struct bench_sample *s);
/* The kernel Image of a flavour from scripts/build-linux.sh [--para] --print-path, or ""
 * with the reason in why. */
void bench_linux_image(int para, char *out, size_t n, char *why, size_t whylen);

/* bench_report.c ------------------------------------------------------------------------ */
void bench_summarize(struct bench *b);
void bench_print_table(const struct bench *b, FILE *f);
int bench_write_json(const struct bench *b, const char *path);
int bench_write_csv(const struct bench *b, const char *path);
int bench_write_plot(const struct bench *b, const char *path, char *msg, size_t msglen);
/* para/full speedup for one engine, 0 when either side is missing. */
double bench_ratio(const struct bench *b, const struct bench_workload *w, unsigned num,
                   unsigned den);

#endif
