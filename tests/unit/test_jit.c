/* SPDX-License-Identifier: MIT */
/* Unit tests for the binary translator: lockstep against the interpreter on the bench
 * workloads (both backends) and the ISA test programs (two identical machines, one run
 * block by block on the translator, one on the interpreter, compared after every block),
 * the engine statistics, and --trace output through the log callback. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "hv/hv.h"
#include "core/vm.h"
#include "cpu/jit/jit.h"
#include "jit_lockstep.h"

#define RAM 0x80000000ull
#define MEM (64ull << 20)

struct pair {
    hv_vm *vm[2];
    hv_vcpu *cpu[2];
};

static bool mem_equal(void *opaque)
{
    struct pair *p = opaque;
    const void *a = hv_vm_mem_ptr(p->vm[0], RAM, MEM), *b = hv_vm_mem_ptr(p->vm[1], RAM, MEM);
    return a && b && !memcmp(a, b, MEM);
}

static bool exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

static void lockstep_on(enum hv_backend backend, const char *elf, uint64_t max_insns)
{
    if (!exists(elf)) {
        cr_log_warn("%s not built: skipped", elf);
        return;
    }
    struct pair p;
    for (int i = 0; i < 2; i++) {
        struct hv_config cfg;
        hv_config_init(&cfg);
        cfg.backend = backend;
        cfg.mem_size = MEM;
        if (backend == HV_BACKEND_FULL)
            cfg.bios = "none";
        cfg.kernel = elf;
        cfg.serial.type = HV_CHARDEV_NULL;
        cfg.deterministic = 1;
        cfg.engine = i == 0 ? HV_ENGINE_JIT : HV_ENGINE_INTERP;
        char err[256];
        cr_assert_eq(hv_vm_create(&cfg, &p.vm[i], err, sizeof err), 0, "%s", err);
        cr_assert_eq(hv_vcpu_create(p.vm[i], 0, &p.cpu[i]), 0);
    }
    char err[512] = "";
    uint64_t blocks = 0;
    int rc = hv__jit_lockstep(&p.cpu[0]->cpu, &p.cpu[1]->cpu, max_insns, 20000, mem_equal, &p,
                              &blocks, err, sizeof err);
    cr_assert_eq(rc, 0, "%s: %s", elf, err);
    cr_assert(mem_equal(&p), "%s: memory differs at the end", elf);
    cr_assert_gt(blocks, 10);
    cr_log_info("%s: %llu blocks, %llu instructions in lockstep", elf, (unsigned long long)blocks,
                (unsigned long long)p.cpu[0]->cpu.instret);
    hv_vm_destroy(p.vm[0]);
    hv_vm_destroy(p.vm[1]);
}

static void lockstep(const char *elf, uint64_t max_insns)
{
    lockstep_on(HV_BACKEND_FULL, elf, max_insns);
}

#define ISA(name) HV_BUILD_DIR "/tests/guest/isa_" name ".elf"

/* The CPU suite's workloads, each built for both backends (build/bench/NAME-{full,para}.elf). */
static const char *const bench_names[] = { "intmix", "sort", "crc", "matmul", "bytecode",
                                           "ptrchase", "paging", "stackvm", "linklist",
                                           "lexer", "crc16", "mac16", "bintree", "qsortcb",
                                           "strops", "smallfn" };

static void lockstep_bench(enum hv_backend backend)
{
    for (unsigned i = 0; i < sizeof bench_names / sizeof bench_names[0]; i++) {
        char elf[512];
        snprintf(elf, sizeof elf, "%s/bench/%s-%s.elf", HV_BUILD_DIR, bench_names[i],
                 backend == HV_BACKEND_PARA ? "para" : "full");
        lockstep_on(backend, elf, 3000000);
    }
}

Test(jit, lockstep_bench_workloads, .timeout = 240)
{
    lockstep_bench(HV_BACKEND_FULL);
}

/* The same on the para backend: its translated code reads and writes guest RAM through the
 * direct window (RSI holding the window's host address, tr.h), the interpreter through
 * the soft-TLB. */
Test(jit, lockstep_para_bench_workloads, .timeout = 240)
{
    lockstep_bench(HV_BACKEND_PARA);
}

Test(jit, lockstep_isa_programs, .timeout = 240)
{
    static const char *const t[] = {
        ISA("rv64i_alu"), ISA("rv64i_branch"), ISA("rv64i_mem"), ISA("rv64i_w"), ISA("rv64m"),
        ISA("rv64a"), ISA("rvc"), ISA("rvf"), ISA("rvd"), ISA("zba"), ISA("zbb"), ISA("zbc"),
        ISA("zbs"), ISA("zicond"), ISA("csr_m"), ISA("csr_priv"), ISA("exceptions"),
        ISA("deleg"), ISA("xret"), ISA("fence_i"), ISA("vm_sv39"), ISA("vm_sv48"),
        ISA("vm_perm") };
    for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++)
        lockstep(t[i], 50000000);
}

struct logbuf {
    unsigned in, out;
};

static void logcb(void *opaque, enum hv_log_level level, const char *msg)
{
    struct logbuf *l = opaque;
    (void)level;
    if (!strncmp(msg, "IN: block", 9))
        l->in++;
    if (!strncmp(msg, "OUT: block", 10))
        l->out++;
}

Test(jit, trace_and_stats)
{
    /* addi a0,a0,1 ; addi a1,a1,-1 ; bnez a1,-8 ; ebreak-free end: j . */
    static const uint32_t prog[] = { 0x00150513, 0xfff58593, 0xfe059ce3, 0x0000006f };
    struct logbuf l = { 0, 0 };
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.mem_size = 1 << 20;
    cfg.bios = "none";
    cfg.serial.type = HV_CHARDEV_NULL;
    cfg.engine = HV_ENGINE_JIT;
    cfg.trace = HV_TRACE_IN_ASM | HV_TRACE_OUT_ASM;
    cfg.log = logcb;
    cfg.log_opaque = &l;
    cfg.log_level = HV_LOG_INFO;
    hv_vm *vm;
    char err[256];
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), 0, "%s", err);
    cr_assert_eq(hv_vm_mem_write(vm, RAM, prog, sizeof prog), 0);
    hv_vcpu *cpu;
    cr_assert_eq(hv_vcpu_create(vm, 0, &cpu), 0);
    hv_vcpu_set_reg(cpu, HV_REG_PC, RAM);
    hv_vcpu_set_reg(cpu, HV_REG_X(11), 1000);
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(cpu, 3000 + 5, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
    uint64_t a0, a1;
    hv_vcpu_get_reg(cpu, HV_REG_X(10), &a0);
    hv_vcpu_get_reg(cpu, HV_REG_X(11), &a1);
    cr_assert_eq(a0, 1000);
    cr_assert_eq(a1, 0);
    struct hv_stats st;
    hv_vcpu_get_stats(cpu, &st);
    cr_assert_eq(st.instructions, 3005);
    cr_assert_geq(st.blocks_translated, 2);
    cr_assert_geq(l.in, 2);
    cr_assert_eq(l.in, l.out);
    hv_vm_destroy(vm);
}
