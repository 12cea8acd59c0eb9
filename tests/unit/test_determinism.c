/* SPDX-License-Identifier: MIT */
/* Deterministic mode: a run cut into budget slices is the same run as the uncut one
 * (issue 17, item 5). Each SDK example guest runs once without a budget and then again cut
 * into slices of several sizes; the console output, the final pc, instret, every integer
 * register and a hash of guest RAM must be identical, on both backends and both engines. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hv/hv.h"

#define RAM (16ull << 20)
#define OUT_MAX 4096

struct outcome {
    char out[OUT_MAX];
    size_t len;
    enum hv_exit_reason reason;
    int code;
    uint64_t pc, instret, x[32], ram_hash;
    unsigned runs;
};

static void on_output(void *opaque, const uint8_t *data, size_t len)
{
    struct outcome *o = opaque;
    for (size_t i = 0; i < len && o->len < OUT_MAX - 1; i++)
        o->out[o->len++] = (char)data[i];
}

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* Run `elf` to its end, `slice` instructions per hv_vcpu_run (0: one uncut run). */
static void run(const char *elf, enum hv_backend backend, enum hv_engine engine,
                uint64_t slice, struct outcome *o)
{
    memset(o, 0, sizeof(*o));
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = backend;
    cfg.engine = engine;
    cfg.mem_size = RAM;
    cfg.bios = backend == HV_BACKEND_FULL ? "none" : NULL;
    cfg.kernel = elf;
    cfg.deterministic = 1;
    cfg.serial.type = HV_CHARDEV_BUFFER;
    cfg.serial.on_output = on_output;
    cfg.serial.opaque = o;
    hv_vm *vm;
    char err[256];
    int rc = hv_vm_create(&cfg, &vm, err, sizeof err);
    cr_assert_eq(rc, 0, "%s: %s", elf, err);
    hv_vcpu *cpu;
    cr_assert_eq(hv_vcpu_create(vm, 0, &cpu), 0);
    struct hv_exit ex;
    memset(&ex, 0, sizeof ex);
    do {
        cr_assert_eq(hv_vcpu_run(cpu, slice, &ex), 0, "%s", hv_vm_last_error(vm));
        o->runs++;
        cr_assert_lt(o->runs, 10000000u, "%s never finished", elf);
    } while (ex.reason == HV_EXIT_BUDGET || ex.reason == HV_EXIT_KICK);
    o->reason = ex.reason;
    o->code = ex.u.shutdown.code;
    hv_vcpu_get_reg(cpu, HV_REG_PC, &o->pc);
    for (unsigned i = 1; i < 32; i++)
        hv_vcpu_get_reg(cpu, i, &o->x[i]);
    struct hv_stats st;
    hv_vcpu_get_stats(cpu, &st);
    o->instret = st.instructions;
    static uint8_t page[65536];
    o->ram_hash = 0xcbf29ce484222325ull;
    for (uint64_t a = 0; a < RAM; a += sizeof page) {
        cr_assert_eq(hv_vm_mem_read(vm, 0x80000000ull + a, page, sizeof page), 0);
        o->ram_hash = fnv(o->ram_hash, page, sizeof page);
    }
    hv_vm_destroy(vm);
}

static void same_when_sliced(const char *name, enum hv_backend backend, enum hv_engine engine)
{
    char elf[512];
    snprintf(elf, sizeof elf, "%s/guest/examples/%s-%s.elf", HV_BUILD_DIR, name,
             backend == HV_BACKEND_FULL ? "full" : "para");
    static struct outcome whole, cut;
    run(elf, backend, engine, 0, &whole);
    cr_assert(whole.reason == HV_EXIT_SHUTDOWN || whole.reason == HV_EXIT_CRASH,
              "%s: exit %d", elf, whole.reason);
    /* Odd sizes cut blocks, polls and sleeps at many different places. */
    static const uint64_t slices[] = { 1, 977, 4093, 65537, 1000003 };
    unsigned failed = 0;
    for (unsigned s = 0; s < sizeof slices / sizeof slices[0]; s++) {
        if (slices[s] == 1 && whole.instret > 3000000)
            continue;                   /* single-stepping a long run: slow, adds nothing */
        run(elf, backend, engine, slices[s], &cut);
        const char *what = NULL;
        if (cut.len != whole.len || memcmp(cut.out, whole.out, whole.len))
            what = "console output";
        else if (cut.reason != whole.reason || cut.code != whole.code)
            what = "exit";
        else if (cut.instret != whole.instret)
            what = "instret";
        else if (cut.pc != whole.pc || memcmp(cut.x, whole.x, sizeof cut.x))
            what = "registers";
        else if (cut.ram_hash != whole.ram_hash)
            what = "RAM";
        if (what) {
            cr_log_error("%s, slices of %llu: %s differs (instret %llu vs %llu uncut)",
                         elf, (unsigned long long)slices[s], what,
                         (unsigned long long)cut.instret, (unsigned long long)whole.instret);
            failed++;
        }
    }
    cr_assert_eq(failed, 0, "%s: %u slice sizes diverge from the uncut run", elf, failed);
}

#define CASE(guest, be, eng)                                                                \
    Test(determinism, guest##_##be##_##eng, .timeout = 240)                                 \
    {                                                                                       \
        same_when_sliced(#guest, HV_BACKEND_##be, HV_ENGINE_##eng);                         \
    }

CASE(timer, FULL, INTERP)
CASE(timer, FULL, JIT)
CASE(timer, PARA, INTERP)
CASE(timer, PARA, JIT)
CASE(hello, FULL, INTERP)
CASE(hello, FULL, JIT)
CASE(hello, PARA, JIT)
