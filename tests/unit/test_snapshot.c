/* SPDX-License-Identifier: MIT */
/* Unit tests for snapshots and checkpoints: the section stream (round trip, bounds checks,
 * errors naming the section), snapshot files (resume gives identical output and state on
 * both backends, refusals of corrupt / truncated / wrong-version / mismatched files leave the
 * VM unchanged), and checkpoint/rollback (guest stores through the soft-TLB fast path are
 * undone, host writes too, older checkpoints, repeated rollbacks). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "hv/hv.h"
#include "snapshot/stream.h"

#define RAM 0x80000000ull
#define MEM (1ull << 20)
#define DATA (RAM + 0x10000)
#define DATA2 (RAM + 0x20000)

/* ---- the section stream ---------------------------------------------------------------- */

Test(snap_stream, round_trip_and_bounds)
{
    struct hv_snap_w w;
    hv__snap_w_init_mem(&w);
    hv__snap_begin(&w, "alpha", 1);
    hv__snap_put_u8(&w, 0xab);
    hv__snap_put_u16(&w, 0x1234);
    hv__snap_put_u32(&w, 0xdeadbeef);
    hv__snap_put_u64(&w, 0x0102030405060708ull);
    hv__snap_put_bool(&w, true);
    hv__snap_end(&w);
    hv__snap_begin_idx(&w, "beta", 3, 2);
    hv__snap_put_bytes(&w, "xyz", 3);
    hv__snap_end(&w);
    cr_assert_not(hv__snap_w_failed(&w));

    struct hv_snap_index idx;
    char err[256];
    cr_assert_eq(hv__snap_index_build(&idx, w.buf, w.len, err, sizeof err), 0, "%s", err);
    cr_assert_eq(idx.n, 2);
    struct hv_snap_r r;
    hv__snap_r_open(&r, &idx, "alpha", 1);
    cr_assert_eq(hv__snap_get_u8(&r), 0xab);
    cr_assert_eq(hv__snap_get_u16(&r), 0x1234);
    cr_assert_eq(hv__snap_get_u32(&r), 0xdeadbeef);
    cr_assert_eq(hv__snap_get_u64(&r), 0x0102030405060708ull);
    cr_assert(hv__snap_get_bool(&r));
    cr_assert_eq(hv__snap_r_close(&r, err, sizeof err), 0, "%s", err);

    /* Reading past the end fails, names the section, and keeps returning zeros. */
    hv__snap_r_open(&r, &idx, "beta.3", 2);
    char buf[3];
    hv__snap_get_bytes(&r, buf, 3);
    cr_assert_eq(memcmp(buf, "xyz", 3), 0);
    cr_assert_eq(hv__snap_get_u64(&r), 0);
    cr_assert_eq(hv__snap_r_close(&r, err, sizeof err), HV_EFORMAT);
    cr_assert(strstr(err, "'beta.3'") && strstr(err, "truncated"), "%s", err);

    /* Trailing bytes, a newer version and a missing section are errors too. */
    hv__snap_r_open(&r, &idx, "alpha", 1);
    hv__snap_get_u8(&r);
    cr_assert_eq(hv__snap_r_close(&r, err, sizeof err), HV_EFORMAT);
    cr_assert(strstr(err, "trailing"), "%s", err);
    hv__snap_r_open(&r, &idx, "beta.3", 1);
    cr_assert_eq(hv__snap_r_close(&r, err, sizeof err), HV_EFORMAT);
    cr_assert(strstr(err, "version 2"), "%s", err);
    hv__snap_r_open(&r, &idx, "gamma", 1);
    cr_assert_eq(hv__snap_r_close(&r, err, sizeof err), HV_EFORMAT);
    cr_assert(strstr(err, "'gamma': missing"), "%s", err);
    hv__snap_index_free(&idx);

    /* Any truncation of the raw stream is caught by the framing check. */
    for (size_t cut = 1; cut < w.len; cut++) {
        int rc = hv__snap_index_build(&idx, w.buf, cut, err, sizeof err);
        if (rc == 0) {
            /* A cut exactly between sections is valid framing: only the first remains. */
            cr_assert_eq(idx.n, 1, "cut %zu", cut);
            hv__snap_index_free(&idx);
        } else {
            cr_assert_eq(rc, HV_EFORMAT);
        }
    }
    hv__snap_w_free(&w);
}

/* ---- guests ---------------------------------------------------------------------------- */

struct guest {
    hv_vm *vm;
    hv_vcpu *vcpu;
    char out[16384];
    size_t out_len;
};

static void on_output(void *opaque, const uint8_t *data, size_t len)
{
    struct guest *g = opaque;
    if (g->out_len + len > sizeof(g->out))
        len = sizeof(g->out) - g->out_len;
    memcpy(g->out + g->out_len, data, len);
    g->out_len += len;
}

static void cfg_for(struct hv_config *cfg, struct guest *g, enum hv_backend b)
{
    hv_config_init(cfg);
    cfg->backend = b;
    cfg->mem_size = MEM;
    cfg->bios = "none";
    cfg->serial.type = HV_CHARDEV_BUFFER;
    cfg->serial.on_output = on_output;
    cfg->serial.opaque = g;
}

static void start(struct guest *g, const struct hv_config *cfg)
{
    char err[512];
    g->out_len = 0;
    cr_assert_eq(hv_vm_create(cfg, &g->vm, err, sizeof err), 0, "hv_vm_create: %s", err);
    cr_assert_eq(hv_vcpu_create(g->vm, 0, &g->vcpu), 0);
}

static void stop(struct guest *g)
{
    hv_vm_destroy(g->vm);
    g->vm = NULL;
}

static uint64_t reg(struct guest *g, unsigned r)
{
    uint64_t v = 0;
    cr_assert_eq(hv_vcpu_get_reg(g->vcpu, r, &v), 0);
    return v;
}

static uint64_t mem64(struct guest *g, uint64_t gpa)
{
    uint64_t v = 0;
    cr_assert_eq(hv_vm_mem_read(g->vm, gpa, &v, 8), 0);
    return v;
}

static uint64_t hash(struct guest *g)
{
    uint64_t h = 0;
    cr_assert_eq(hv_vm_state_hash(g->vm, &h), 0);
    return h;
}

static struct hv_exit run(struct guest *g, uint64_t budget)
{
    struct hv_exit e;
    memset(&e, 0, sizeof e);
    cr_assert_eq(hv_vcpu_run(g->vcpu, budget, &e), 0);
    return e;
}

/* Run to the guest's end (shutdown or halt), answering unclaimed hypercalls. */
static struct hv_exit run_to_end(struct guest *g)
{
    struct hv_exit e;
    memset(&e, 0, sizeof e);
    for (int i = 0; i < 100000; i++) {
        cr_assert_eq(hv_vcpu_run(g->vcpu, 1000000, &e), 0);
        if (e.reason == HV_EXIT_HYPERCALL) {
            e.u.hypercall.ret_error = -2;
            continue;
        }
        if (e.reason != HV_EXIT_BUDGET && e.reason != HV_EXIT_KICK)
            return e;
    }
    cr_assert_fail("guest did not finish");
    return e;
}

/* addi a0,a0,1 ; sd a0,0(t0) ; sd a0,8(t1) ; j -12: counts and stores through the
 * soft-TLB fast path (after the first store to each page). */
static const uint32_t store_loop[] = { 0x00150513, 0x00a2b023, 0x00a33423, 0xff5ff06f };

static void load_store_loop(struct guest *g)
{
    cr_assert_eq(hv_vm_mem_write(g->vm, RAM, store_loop, sizeof store_loop), 0);
    cr_assert_eq(hv_vcpu_set_reg(g->vcpu, HV_REG_PC, RAM), 0);
    cr_assert_eq(hv_vcpu_set_reg(g->vcpu, 5, DATA), 0);     /* t0 */
    cr_assert_eq(hv_vcpu_set_reg(g->vcpu, 6, DATA2), 0);    /* t1 */
}

/* The full backend's snapshot hooks are wired in with the board's device set-up: skip until
 * they are there rather than fail. */
static void skip_unless_snapshots(struct guest *g)
{
    int fd = memfd_create("probe", 0);
    cr_assert_geq(fd, 0);
    int rc = hv_vm_snapshot_save(g->vm, fd);
    close(fd);
    if (rc == HV_ENOTSUP)
        cr_skip_test("%s", hv_vm_last_error(g->vm));
    cr_assert_eq(rc, 0, "%s", hv_vm_last_error(g->vm));
}

static int memfd(void)
{
    int fd = memfd_create("snap", 0);
    cr_assert_geq(fd, 0);
    return fd;
}

static void rewind_fd(int fd)
{
    cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
}

/* ---- snapshot files: resume ------------------------------------------------------------ */

/* Hand-coded guest: run N, save, run M; a fresh VM loads and runs M: identical state. */
static void resume_loop(enum hv_backend b, enum hv_engine eng_a, enum hv_engine eng_b)
{
    struct guest a, c;
    struct hv_config cfg;
    cfg_for(&cfg, &a, b);
    cfg.deterministic = 1;
    cfg.engine = eng_a;
    start(&a, &cfg);
    skip_unless_snapshots(&a);
    load_store_loop(&a);
    cr_assert_eq(run(&a, 12345).reason, HV_EXIT_BUDGET);
    int fd = memfd();
    cr_assert_eq(hv_vm_snapshot_save(a.vm, fd), 0, "%s", hv_vm_last_error(a.vm));
    uint64_t ns_at_save = hv_vm_clock_ns(a.vm);
    cr_assert_eq(run(&a, 54321).reason, HV_EXIT_BUDGET);

    cfg_for(&cfg, &c, b);
    cfg.deterministic = 1;
    cfg.engine = eng_b;
    start(&c, &cfg);
    rewind_fd(fd);
    cr_assert_eq(hv_vm_snapshot_load(c.vm, fd), 0, "%s", hv_vm_last_error(c.vm));
    cr_assert_eq(hv_vm_clock_ns(c.vm), ns_at_save, "deterministic time resumes exactly");
    cr_assert_eq(run(&c, 54321).reason, HV_EXIT_BUDGET);
    cr_assert_eq(reg(&c, 10), reg(&a, 10));
    cr_assert_eq(reg(&c, HV_REG_PC), reg(&a, HV_REG_PC));
    cr_assert_eq(mem64(&c, DATA), mem64(&a, DATA));
    cr_assert_eq(mem64(&c, DATA2 + 8), mem64(&a, DATA2 + 8));
    cr_assert_eq(hash(&c), hash(&a));
    cr_assert_eq(hv_vm_clock_ns(c.vm), hv_vm_clock_ns(a.vm));
    close(fd);
    stop(&a);
    stop(&c);
}

Test(snapshot, resume_loop_para) { resume_loop(HV_BACKEND_PARA, HV_ENGINE_INTERP, HV_ENGINE_INTERP); }
Test(snapshot, resume_loop_full) { resume_loop(HV_BACKEND_FULL, HV_ENGINE_INTERP, HV_ENGINE_INTERP); }
Test(snapshot, resume_loop_full_interp_to_jit)
{
    resume_loop(HV_BACKEND_FULL, HV_ENGINE_INTERP, HV_ENGINE_JIT);
}

/* An SDK guest with timers and console output (built when the RISC-V toolchain exists):
 * the restored run prints exactly what the original printed after the snapshot point and
 * ends in the same state. */
static void resume_sdk(enum hv_backend b, const char *elf, uint64_t at)
{
    if (access(elf, R_OK) != 0)
        cr_skip_test("%s not built", elf);
    struct guest a, c;
    struct hv_config cfg;
    cfg_for(&cfg, &a, b);
    cfg.mem_size = 64ull << 20;
    cfg.kernel = elf;
    cfg.deterministic = 1;
    cfg.rng = b == HV_BACKEND_FULL;
    start(&a, &cfg);
    skip_unless_snapshots(&a);
    struct hv_exit e = run(&a, at);
    cr_assert_eq(e.reason, HV_EXIT_BUDGET, "the guest must still run at %llu",
                 (unsigned long long)at);
    int fd = memfd();
    cr_assert_eq(hv_vm_snapshot_save(a.vm, fd), 0, "%s", hv_vm_last_error(a.vm));
    size_t mark = a.out_len;
    struct hv_exit ea = run_to_end(&a);

    cfg.serial.opaque = &c;
    start(&c, &cfg);
    rewind_fd(fd);
    cr_assert_eq(hv_vm_snapshot_load(c.vm, fd), 0, "%s", hv_vm_last_error(c.vm));
    struct hv_exit ec = run_to_end(&c);
    cr_assert_eq(ec.reason, ea.reason);
    cr_assert_eq(ec.u.shutdown.code, ea.u.shutdown.code);
    cr_assert_eq(c.out_len, a.out_len - mark, "restored output: '%.*s'", (int)c.out_len, c.out);
    cr_assert_eq(memcmp(c.out, a.out + mark, c.out_len), 0);
    cr_assert_eq(hash(&c), hash(&a));
    close(fd);
    stop(&a);
    stop(&c);
}

Test(snapshot, resume_sdk_timer_para)
{
    resume_sdk(HV_BACKEND_PARA, HV_BUILD_DIR "/guest/examples/timer-para.elf", 20000);
}

Test(snapshot, resume_sdk_timer_full)
{
    resume_sdk(HV_BACKEND_FULL, HV_BUILD_DIR "/guest/examples/timer-full.elf", 20000);
}

Test(snapshot, host_time_continues)
{
    struct guest a, c;
    struct hv_config cfg;
    cfg_for(&cfg, &a, HV_BACKEND_PARA);
    start(&a, &cfg);
    load_store_loop(&a);
    run(&a, 1000);
    usleep(20000);
    int fd = memfd();
    uint64_t t = hv_vm_clock_ns(a.vm);          /* the snapshot's time is later than t */
    cr_assert_eq(hv_vm_snapshot_save(a.vm, fd), 0);
    cr_assert_geq(t, 20000000ull);
    cfg.serial.opaque = &c;
    start(&c, &cfg);
    rewind_fd(fd);
    cr_assert_eq(hv_vm_snapshot_load(c.vm, fd), 0, "%s", hv_vm_last_error(c.vm));
    uint64_t t2 = hv_vm_clock_ns(c.vm);
    cr_assert_geq(t2, t, "time continues from the snapshot, not from VM creation (%llu < %llu)",
                  (unsigned long long)t2, (unsigned long long)t);
    cr_assert_lt(t2, t + 1000000000ull);
    close(fd);
    stop(&a);
    stop(&c);
}

/* ---- snapshot files: refusals ---------------------------------------------------------- */

static int saved_loop(struct guest *g, enum hv_backend b)
{
    struct hv_config cfg;
    cfg_for(&cfg, g, b);
    start(g, &cfg);
    load_store_loop(g);
    run(g, 5000);
    int fd = memfd();
    cr_assert_eq(hv_vm_snapshot_save(g->vm, fd), 0, "%s", hv_vm_last_error(g->vm));
    return fd;
}

static size_t slurp(int fd, uint8_t **buf)
{
    off_t len = lseek(fd, 0, SEEK_END);
    cr_assert_gt(len, 0);
    *buf = malloc((size_t)len);
    cr_assert_eq(pread(fd, *buf, (size_t)len, 0), len);
    return (size_t)len;
}

static int fd_of(const uint8_t *buf, size_t len)
{
    int fd = memfd();
    cr_assert_eq(write(fd, buf, len), (ssize_t)len);
    rewind_fd(fd);
    return fd;
}

/* A VM that a failed load must leave exactly as it was. */
static void expect_refused(struct guest *t, const uint8_t *buf, size_t len, int code,
                           const char *what)
{
    uint64_t before = hash(t);
    int fd = fd_of(buf, len);
    int rc = hv_vm_snapshot_load(t->vm, fd);
    close(fd);
    cr_assert_lt(rc, 0, "%s: load must fail", what);
    if (code)
        cr_assert_eq(rc, code, "%s: rc %d (%s)", what, rc, hv_vm_last_error(t->vm));
    cr_assert_neq(hv_vm_last_error(t->vm)[0], 0, "%s: an error message", what);
    cr_assert_eq(hash(t), before, "%s: the VM must be unchanged", what);
}

Test(snapshot, corrupt_files_are_refused)
{
    struct guest a, t;
    int fd = saved_loop(&a, HV_BACKEND_PARA);
    uint8_t *buf;
    size_t len = slurp(fd, &buf);
    close(fd);

    struct hv_config cfg;
    cfg_for(&cfg, &t, HV_BACKEND_PARA);
    start(&t, &cfg);
    load_store_loop(&t);
    run(&t, 777);
    /* A bit flip anywhere: header, compressed state, trailer. */
    for (size_t i = 0; i < len; i++) {
        buf[i] ^= (uint8_t)(1u << (i % 8));
        char what[64];
        snprintf(what, sizeof what, "bit flip at byte %zu of %zu", i, len);
        expect_refused(&t, buf, len, 0, what);
        buf[i] ^= (uint8_t)(1u << (i % 8));
    }
    /* Truncated anywhere. */
    for (size_t cut = 0; cut < len; cut += (cut < 128 ? 1 : 37)) {
        char what[64];
        snprintf(what, sizeof what, "truncated to %zu of %zu", cut, len);
        expect_refused(&t, buf, cut, HV_EFORMAT, what);
    }
    cr_assert(strstr(hv_vm_last_error(t.vm), "truncated"), "%s", hv_vm_last_error(t.vm));
    /* Unchanged file still loads. */
    int ok = fd_of(buf, len);
    cr_assert_eq(hv_vm_snapshot_load(t.vm, ok), 0, "%s", hv_vm_last_error(t.vm));
    close(ok);
    cr_assert_eq(hash(&t), hash(&a));
    free(buf);
    stop(&a);
    stop(&t);
}

Test(snapshot, wrong_version_and_magic)
{
    struct guest a;
    int fd = saved_loop(&a, HV_BACKEND_PARA);
    uint8_t *buf;
    size_t len = slurp(fd, &buf);
    close(fd);
    buf[8] = 7;                                  /* format version */
    expect_refused(&a, buf, len, HV_ENOTSUP, "format version 7");
    cr_assert(strstr(hv_vm_last_error(a.vm), "format version 7"), "%s",
              hv_vm_last_error(a.vm));
    buf[8] = 1;
    buf[0] = 'X';
    expect_refused(&a, buf, len, HV_EFORMAT, "magic");
    cr_assert(strstr(hv_vm_last_error(a.vm), "not a libhv snapshot"));
    free(buf);
    stop(&a);
}

Test(snapshot, machine_mismatch)
{
    struct guest a, t;
    int fd = saved_loop(&a, HV_BACKEND_PARA);
    uint8_t *buf;
    size_t len = slurp(fd, &buf);
    close(fd);
    struct hv_config cfg;

    cfg_for(&cfg, &t, HV_BACKEND_FULL);
    start(&t, &cfg);
    expect_refused(&t, buf, len, HV_ENOTSUP, "backend");
    cr_assert(strstr(hv_vm_last_error(t.vm), "snapshot is for backend para, this VM is full"),
              "%s", hv_vm_last_error(t.vm));
    stop(&t);

    cfg_for(&cfg, &t, HV_BACKEND_PARA);
    cfg.mem_size = 2 * MEM;
    start(&t, &cfg);
    expect_refused(&t, buf, len, HV_ESTATE, "RAM size");
    cr_assert(strstr(hv_vm_last_error(t.vm), "RAM size differs"));
    stop(&t);

    cfg_for(&cfg, &t, HV_BACKEND_PARA);
    cfg.deterministic = 1;
    start(&t, &cfg);
    expect_refused(&t, buf, len, HV_ESTATE, "config hash");
    cr_assert(strstr(hv_vm_last_error(t.vm), "config hash differs"));
    stop(&t);

    /* Same machine, but the vCPU was not created. */
    char err[256];
    cfg_for(&cfg, &t, HV_BACKEND_PARA);
    cr_assert_eq(hv_vm_create(&cfg, &t.vm, err, sizeof err), 0);
    int f2 = fd_of(buf, len);
    cr_assert_eq(hv_vm_snapshot_load(t.vm, f2), HV_ESTATE);
    cr_assert(strstr(hv_vm_last_error(t.vm), "create the same vCPUs"), "%s",
              hv_vm_last_error(t.vm));
    close(f2);
    stop(&t);
    free(buf);
    stop(&a);
}

/* ---- checkpoints ----------------------------------------------------------------------- */

/* The core correctness point: after a checkpoint, stores through write tags filled BEFORE
 * the checkpoint must still be seen by the dirty log and undone by a rollback. */
static void rollback_fast_path(enum hv_backend b, enum hv_engine eng)
{
    struct guest g;
    struct hv_config cfg;
    cfg_for(&cfg, &g, b);
    cfg.engine = eng;
    start(&g, &cfg);
    skip_unless_snapshots(&g);
    load_store_loop(&g);
    run(&g, 400);                      /* write tags for DATA and DATA2 are now cached */
    hv_checkpoint *cp = NULL;
    cr_assert_eq(hv_vm_checkpoint(g.vm, &cp), 0, "%s", hv_vm_last_error(g.vm));
    uint64_t a0 = reg(&g, 10), pc = reg(&g, HV_REG_PC), v = mem64(&g, DATA);
    uint64_t h = hash(&g);
    cr_assert_eq(v, a0);
    for (int i = 0; i < 200; i++) {
        run(&g, 1000 + (uint64_t)i);
        cr_assert_neq(mem64(&g, DATA), v);
        if (i % 3 == 0) {                      /* host writes are logged too */
            uint64_t junk = 0x5555;
            cr_assert_eq(hv_vm_mem_write(g.vm, RAM + 0x30000, &junk, 8), 0);
        }
        cr_assert_eq(hv_vm_rollback(g.vm, cp), 0, "%s", hv_vm_last_error(g.vm));
        cr_assert_eq(mem64(&g, DATA), v, "round %d: guest store through the fast path "
                     "was not rolled back", i);
        cr_assert_eq(mem64(&g, DATA2 + 8), v);
        cr_assert_eq(mem64(&g, RAM + 0x30000), 0);
        cr_assert_eq(reg(&g, 10), a0);
        cr_assert_eq(reg(&g, HV_REG_PC), pc);
        cr_assert_eq(hash(&g), h);
    }
    /* A second, newer checkpoint; rolling back to the older one restores everything. */
    run(&g, 5000);
    hv_checkpoint *cp2 = NULL;
    cr_assert_eq(hv_vm_checkpoint(g.vm, &cp2), 0);
    uint64_t h2 = hash(&g);
    run(&g, 5000);
    cr_assert_eq(hv_vm_rollback(g.vm, cp), 0);
    cr_assert_eq(hash(&g), h);
    cr_assert_eq(hv_vm_rollback(g.vm, cp2), 0);
    cr_assert_eq(hash(&g), h2);
    run(&g, 100);
    cr_assert_eq(hv_vm_rollback(g.vm, cp2), 0);
    cr_assert_eq(hash(&g), h2);
    hv_checkpoint_free(cp2);
    stop(&g);
    hv_checkpoint_free(cp);             /* after the VM is gone: allowed */
}

Test(checkpoint, fast_path_para) { rollback_fast_path(HV_BACKEND_PARA, HV_ENGINE_INTERP); }
Test(checkpoint, fast_path_full) { rollback_fast_path(HV_BACKEND_FULL, HV_ENGINE_INTERP); }
Test(checkpoint, fast_path_full_jit) { rollback_fast_path(HV_BACKEND_FULL, HV_ENGINE_JIT); }

/* The guest's code is replaced after the checkpoint: the rollback restores it and the
 * engine must not keep running the replaced code. */
static void code_rewritten(enum hv_backend b, enum hv_engine eng)
{
    struct guest g;
    struct hv_config cfg;
    cfg_for(&cfg, &g, b);
    cfg.engine = eng;
    start(&g, &cfg);
    skip_unless_snapshots(&g);
    load_store_loop(&g);
    run(&g, 100);
    hv_checkpoint *cp = NULL;
    cr_assert_eq(hv_vm_checkpoint(g.vm, &cp), 0);
    uint64_t a0 = reg(&g, 10);
    const uint32_t add2 = 0x00250513;       /* addi a0,a0,2 */
    cr_assert_eq(hv_vm_mem_write(g.vm, RAM, &add2, 4), 0);
    run(&g, 400);
    cr_assert_eq(hv_vm_rollback(g.vm, cp), 0);
    run(&g, 400);                            /* 100 iterations of 4 instructions */
    cr_assert_eq(reg(&g, 10), a0 + 100, "a0 %llu", (unsigned long long)reg(&g, 10));
    hv_checkpoint_free(cp);
    stop(&g);
}

Test(checkpoint, code_rewritten_para) { code_rewritten(HV_BACKEND_PARA, HV_ENGINE_INTERP); }
Test(checkpoint, code_rewritten_full) { code_rewritten(HV_BACKEND_FULL, HV_ENGINE_INTERP); }
Test(checkpoint, code_rewritten_full_jit) { code_rewritten(HV_BACKEND_FULL, HV_ENGINE_JIT); }

/* Two vCPUs (driven alternately from this thread): both come back, and a VM without the
 * second vCPU refuses the snapshot. */
Test(snapshot, two_vcpus)
{
    struct guest a, c;
    struct hv_config cfg;
    cfg_for(&cfg, &a, HV_BACKEND_PARA);
    cfg.nr_vcpus = 2;
    cfg.deterministic = 1;
    start(&a, &cfg);
    hv_vcpu *a1, *c1;
    cr_assert_eq(hv_vcpu_create(a.vm, 1, &a1), 0);
    load_store_loop(&a);
    cr_assert_eq(hv_vcpu_set_reg(a1, HV_REG_PC, RAM), 0);
    cr_assert_eq(hv_vcpu_set_reg(a1, 5, DATA + 0x100), 0);
    cr_assert_eq(hv_vcpu_set_reg(a1, 6, DATA2 + 0x100), 0);
    struct hv_exit e;
    cr_assert_eq(hv_vcpu_run(a1, 333, &e), 0);
    run(&a, 444);
    int fd = memfd();
    cr_assert_eq(hv_vm_snapshot_save(a.vm, fd), 0, "%s", hv_vm_last_error(a.vm));
    cr_assert_eq(hv_vcpu_run(a1, 1000, &e), 0);
    run(&a, 1000);

    cfg.serial.opaque = &c;
    start(&c, &cfg);
    rewind_fd(fd);
    cr_assert_eq(hv_vm_snapshot_load(c.vm, fd), HV_ESTATE, "vCPU 1 is missing");
    cr_assert_eq(hv_vcpu_create(c.vm, 1, &c1), 0);
    rewind_fd(fd);
    cr_assert_eq(hv_vm_snapshot_load(c.vm, fd), 0, "%s", hv_vm_last_error(c.vm));
    cr_assert_eq(hv_vcpu_run(c1, 1000, &e), 0);
    run(&c, 1000);
    cr_assert_eq(hash(&c), hash(&a));
    uint64_t x = 0, y = 0;
    hv_vcpu_get_reg(a1, 10, &x);
    hv_vcpu_get_reg(c1, 10, &y);
    cr_assert_eq(x, y);
    close(fd);
    stop(&a);
    stop(&c);
}

Test(checkpoint, errors)
{
    struct guest g, h;
    struct hv_config cfg;
    cfg_for(&cfg, &g, HV_BACKEND_PARA);
    start(&g, &cfg);
    cfg.serial.opaque = &h;
    start(&h, &cfg);
    hv_checkpoint *cp = NULL;
    cr_assert_eq(hv_vm_checkpoint(g.vm, &cp), 0);
    cr_assert_eq(hv_vm_rollback(h.vm, cp), HV_EINVAL);
    cr_assert_eq(hv_vm_rollback(g.vm, NULL), HV_EINVAL);
    cr_assert_eq(hv_vm_checkpoint(g.vm, NULL), HV_EINVAL);
    hv_checkpoint_free(NULL);
    hv_checkpoint_free(cp);
    stop(&g);
    stop(&h);
}
