/* SPDX-License-Identifier: MIT */
/* libhv core — the lockstep engine (HV_ENGINE_LOCKSTEP): the VM runs on the translator one
 * block at a time next to a hidden twin VM (same machine, reference interpreter) that
 * executes exactly as many instructions; after every block the two harts must agree on
 * every register and the key CSRs, and every RAM_EVERY blocks (and at every exit) on all
 * of guest RAM. Both VMs are deterministic, have their own devices and poll at the same
 * instruction counts, so device interrupts, timers and DMA happen at the same points in
 * both and any difference is the translator's. Breakpoints (set on the VM) stop both
 * before the instruction, like the other engines. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "core/vm.h"
#include "cpu/jit/jit.h"

#define RAM_EVERY (1u << 20)     /* blocks between whole-RAM comparisons */

/* Privileged state compared after every block (through the backend's get_reg). */
static const uint16_t lockstep_csrs[] = {
    0x300, 0x302, 0x303, 0x304, 0x305, 0x340, 0x341, 0x342, 0x343, 0x344, /* M */
    0x100, 0x105, 0x140, 0x141, 0x142, 0x143, 0x180,                      /* S */
};

void hv__lockstep_twin_config(const struct hv_vm *vm, struct hv_config *t)
{
    *t = vm->cfg;
    t->owned_ = NULL;
    t->engine = HV_ENGINE_INTERP;
    t->name = "lockstep-twin";
    memset(&t->serial, 0, sizeof(t->serial));
    t->serial.type = HV_CHARDEV_NULL;
    /* The twin reads the same disks but must never write them. */
    for (unsigned i = 0; i < t->nr_disks; i++)
        if (t->disks[i].path)
            t->disks[i].transient = 1;
    t->log = NULL;
    t->log_opaque = NULL;
    t->trace = 0;
}

int hv__lockstep_sync(struct hv_vm *vm)
{
    int fd = memfd_create("hv-lockstep", MFD_CLOEXEC);
    if (fd < 0)
        return hv__vm_error(vm, HV_EIO, "lockstep: memfd_create: %s", strerror(errno));
    int rc = hv_vm_snapshot_save(vm, fd);
    if (rc < 0) {
        close(fd);
        return rc;      /* the snapshot code set the error */
    }
    if (lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return hv__vm_error(vm, HV_EIO, "lockstep: lseek: %s", strerror(errno));
    }
    rc = hv_vm_snapshot_load(vm->twin, fd);
    close(fd);
    if (rc < 0)
        return hv__vm_error(vm, rc, "lockstep: copying the state into the twin: %s",
                            hv_vm_last_error(vm->twin));
    vm->twin_synced = true;
    return 0;
}

void hv__lockstep_begin(struct hv_vcpu *v, uint64_t stop_at)
{
    struct hv_vcpu *t = v->twin;
    t->exit_set = false;
    t->stop_at = stop_at;
    t->light_poll = t->vm->clock.deterministic && !t->cpu.exit_request;
    t->cpu.exit_request = 1;
}

int hv__lockstep_diff(const struct hv_cpu *a, const struct hv_cpu *b, char *err,
                          size_t errlen)
{
#define D(cond, ...) do { if (cond) return hv__errf(err, errlen, HV_EINTERNAL, __VA_ARGS__); } while (0)
    D(a->instret != b->instret, "instret %" PRIu64 " (jit) vs %" PRIu64, a->instret, b->instret);
    D(a->pc != b->pc, "pc %#" PRIx64 " (jit) vs %#" PRIx64 " at instret %" PRIu64, a->pc, b->pc,
      a->instret);
    for (unsigned i = 1; i < 32; i++)
        D(a->x[i] != b->x[i], "x%u %#" PRIx64 " (jit) vs %#" PRIx64 " at pc %#" PRIx64
          " instret %" PRIu64, i, a->x[i], b->x[i], a->pc, a->instret);
    for (unsigned i = 0; i < 32; i++)
        D(a->f[i] != b->f[i], "f%u %#" PRIx64 " (jit) vs %#" PRIx64 " at pc %#" PRIx64, i,
          a->f[i], b->f[i], a->pc);
    D(a->fflags != b->fflags || a->frm != b->frm, "fcsr %x/%x (jit) vs %x/%x at pc %#" PRIx64,
      a->fflags, a->frm, b->fflags, b->frm, a->pc);
    D(a->priv != b->priv, "priv %u (jit) vs %u at pc %#" PRIx64, a->priv, b->priv, a->pc);
#undef D
    return 0;
}

static int fail(struct hv_vcpu *v, const char *what)
{
    return hv__vm_error(v->vm, HV_EINTERNAL, "lockstep: %s (block %llu)", what,
                        (unsigned long long)v->ls_blocks);
}

static int compare_csrs(struct hv_vcpu *v)
{
    const struct hv_backend_ops *ops = v->vm->ops;
    if (!ops->get_reg)
        return 0;
    for (size_t i = 0; i < sizeof(lockstep_csrs) / sizeof(lockstep_csrs[0]); i++) {
        uint64_t a = 0, b = 0;
        int ra = ops->get_reg(v, HV_REG_CSR_BASE + lockstep_csrs[i], &a);
        int rb = ops->get_reg(v->twin, HV_REG_CSR_BASE + lockstep_csrs[i], &b);
        if (ra != rb || a != b) {
            char msg[160];
            snprintf(msg, sizeof msg, "CSR %#x %#llx (jit) vs %#llx at pc %#llx instret %llu",
                     lockstep_csrs[i], (unsigned long long)a, (unsigned long long)b,
                     (unsigned long long)v->cpu.pc, (unsigned long long)v->cpu.instret);
            return fail(v, msg);
        }
    }
    return 0;
}

static int compare_ram(struct hv_vcpu *v)
{
    struct hv_mem *ma = &v->vm->mem, *mb = &v->twin->vm->mem;
    v->ls_ram_checks++;
    v->ls_ram_at = v->ls_blocks;
    for (unsigned i = 0; i < ma->nr_regions; i++) {
        const struct hv_region *r = &ma->regions[i];
        if (!r->host)
            continue;
        const uint8_t *other = hv__mem_hva(mb, r->gpa, r->size);
        if (!other)
            return fail(v, "the twin's memory map differs");
        for (uint64_t off = 0; off < r->size; off += HV_PAGE_SIZE) {
            uint64_t n = r->size - off < HV_PAGE_SIZE ? r->size - off : HV_PAGE_SIZE;
            if (memcmp(r->host + off, other + off, n) == 0)
                continue;
            uint64_t k = 0;
            while (r->host[off + k] == other[off + k])
                k++;
            char msg[160];
            snprintf(msg, sizeof msg, "RAM differs at %#llx: %#x (jit) vs %#x, pc %#llx instret "
                     "%llu", (unsigned long long)(r->gpa + off + k), r->host[off + k],
                     other[off + k], (unsigned long long)v->cpu.pc,
                     (unsigned long long)v->cpu.instret);
            return fail(v, msg);
        }
    }
    return 0;
}

static int finish(struct hv_vcpu *v, int status)
{
    int rc = v->ls_blocks != v->ls_ram_at ? compare_ram(v) : 0;
    if (rc < 0)
        return rc;
    hv__log(v->vm, HV_LOG_INFO, "lockstep: %llu blocks and %llu instructions agree; RAM "
            "compared %llu times", (unsigned long long)v->ls_blocks,
            (unsigned long long)v->cpu.instret, (unsigned long long)v->ls_ram_checks);
    return status;
}

int hv__lockstep_run(struct hv_vcpu *v, uint64_t stop_at)
{
    struct hv_cpu *a = &v->cpu, *b = &v->twin->cpu;
    char err[HV__ERRLEN];
    for (;;) {
        if (a->instret >= stop_at)
            return HV_STEP_OK;
        /* Both poll at the same instruction counts: whenever either asks to. */
        if (a->exit_request || a->instret >= a->poll_at || b->exit_request ||
            b->instret >= b->poll_at) {
            if (a->policy->poll(a) == HV_STEP_EXIT) {
                /* The twin is polled again together with a on the next run; a deadline
                 * that stopped a has stopped the twin at the same point. */
                if (hv__vcpu_deadline_due(v->twin))
                    v->twin->deadline_ns = UINT64_MAX;
                return finish(v, HV_STEP_EXIT);
            }
            if (b->policy->poll(b) == HV_STEP_EXIT)
                return fail(v, "only the interpreter stopped at a poll");
            if (hv__lockstep_diff(a, b, err, sizeof err) < 0)
                return fail(v, err);
            if (a->instret >= stop_at)
                return HV_STEP_OK;
        }
        uint64_t n;
        int rj = hv__jit_exec_block(a, stop_at - a->instret, &n);
        if (a->dbg.hit)
            return HV_STEP_OK;      /* stopped before a breakpoint: the twin waits there too */
        /* n counts what the translator retired; a trap it took afterwards may have
         * ticked instret once more (a trap loop, backends/full/trap.c): the twin takes
         * that trap itself below. */
        int ri = hv__interp_run_nopoll(b, b->instret + n);
        if (ri == HV_STEP_OK && (rj == HV_STEP_TRAP || rj == HV_STEP_EXIT)) {
            /* The translator stopped at an instruction that trapped or exited without
             * retiring: the interpreter executes that instruction too. */
            ri = hv__interp_step(b);
            if (ri == HV_STEP_TRAP)
                ri = b->policy->take_trap(b);
        }
        v->ls_blocks++;
        if (hv__lockstep_diff(a, b, err, sizeof err) < 0)
            return fail(v, err);
        int rc = compare_csrs(v);
        if (rc < 0)
            return rc;
        if (a->hk.stop && rj != HV_STEP_EXIT)
            return HV_STEP_OK;      /* a hook stopped the translator: the twin is there too */
        bool ea = rj == HV_STEP_EXIT, eb = ri == HV_STEP_EXIT;
        if (ea != eb)
            return fail(v, ea ? "only the translator stopped" : "only the interpreter stopped");
        if (ea)
            return finish(v, HV_STEP_EXIT);
        if (v->ls_blocks % RAM_EVERY == 0 && (rc = compare_ram(v)) < 0)
            return rc;
    }
}
