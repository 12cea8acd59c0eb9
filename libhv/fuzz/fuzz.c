/* SPDX-License-Identifier: MIT */
/* libhv fuzz — the snapshot fuzzing driver behind hv/fuzz.h: resolve the locations (ELF
 * symbols of the kernel or numbers), run to the start point once and checkpoint there, then
 * per input: roll back, write it, run under the budget and classify the exit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/vm.h"
#include "dev/dev.h"

#define DEFAULT_INPUT_MAX 4096u
#define DEFAULT_BUDGET 10000000ull
#define DEFAULT_BOOT_BUDGET 1000000000ull
#define SBI_ERR_NOT_SUPPORTED (-2)

struct hv_fuzz {
    struct hv_vm *vm;
    struct hv_vcpu *cpu;
    hv_checkpoint *cp;
    uint64_t end, crash, input, input_len;
    bool has_end, has_crash, has_input, has_len, console;
    uint64_t input_max, budget;
};

HV_API void hv_fuzz_config_init(struct hv_fuzz_config *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof(*cfg));
    cfg->input_max = DEFAULT_INPUT_MAX;
    cfg->budget = DEFAULT_BUDGET;
    cfg->boot_budget = DEFAULT_BOOT_BUDGET;
}

/* A number ("0x...", decimal) or a symbol of the kernel ELF (hv_vm_symbol); *size gets
 * the symbol's size (0 for a number or an unsized symbol). */
static int resolve(struct hv_vm *vm, const char *what, const char *loc, uint64_t *out,
                   uint64_t *size)
{
    char *endp;
    errno = 0;
    unsigned long long v = strtoull(loc, &endp, 0);
    *size = 0;
    if (*loc && !*endp && !errno) {
        *out = v;
        return 0;
    }
    int rc = hv_vm_symbol(vm, loc, out, size);
    if (rc < 0)
        return hv__vm_error(vm, rc, "fuzz: %s '%s': not a number nor a symbol of the kernel "
                            "(%s)", what, loc, hv_vm_last_error(vm));
    return 0;
}

/* Answer what a plain run would leave to the embedder so that the guest continues. */
static bool answer(struct hv_exit *ex)
{
    switch (ex->reason) {
    case HV_EXIT_KICK:
    case HV_EXIT_DEADLINE:
        return true;
    case HV_EXIT_HYPERCALL:
        ex->u.hypercall.ret_error = SBI_ERR_NOT_SUPPORTED;
        ex->u.hypercall.ret_value = 0;
        return true;
    case HV_EXIT_MMIO:
        ex->u.mmio.data = 0;         /* reads of unclaimed devices read 0 */
        return true;
    default:
        return false;
    }
}

static uint64_t instret(struct hv_vcpu *cpu)
{
    struct hv_stats st;
    hv_vcpu_get_stats(cpu, &st);
    return st.instructions;
}

/* Run until an exit `answer` cannot handle or `budget` more instructions retired. */
static int run(struct hv_fuzz *f, uint64_t budget, struct hv_exit *ex)
{
    uint64_t start = instret(f->cpu);
    memset(ex, 0, sizeof(*ex));
    for (;;) {
        uint64_t used = instret(f->cpu) - start;
        if (used >= budget) {
            ex->reason = HV_EXIT_BUDGET;
            ex->pc = f->cpu->cpu.pc;
            return 0;
        }
        int rc = hv_vcpu_run(f->cpu, budget - used, ex);
        if (rc < 0)
            return rc;
        if (!answer(ex))
            return 0;
    }
}

static int setup(struct hv_fuzz *f, const struct hv_fuzz_config *cfg)
{
    struct hv_vm *vm = f->vm;
    uint64_t start = 0, sz = 0, input_size = 0;
    int rc = resolve(vm, "start", cfg->start, &start, &sz);
    if (rc == 0 && cfg->end && (rc = resolve(vm, "end", cfg->end, &f->end, &sz)) == 0)
        f->has_end = true;
    if (rc == 0 && cfg->crash && (rc = resolve(vm, "crash", cfg->crash, &f->crash, &sz)) == 0)
        f->has_crash = true;
    if (rc == 0 && cfg->input &&
        (rc = resolve(vm, "input", cfg->input, &f->input, &input_size)) == 0)
        f->has_input = true;
    if (rc == 0 && cfg->input_len &&
        (rc = resolve(vm, "input length", cfg->input_len, &f->input_len, &sz)) == 0)
        f->has_len = true;
    if (rc < 0)
        return rc;
    /* Never write past the input symbol's own size. */
    if (input_size && f->input_max > input_size)
        f->input_max = input_size;

    /* Boot to the start point. */
    if ((rc = hv_vcpu_set_breakpoint(f->cpu, start)) < 0)
        return rc;
    struct hv_exit ex;
    rc = run(f, cfg->boot_budget, &ex);
    hv_vcpu_clear_breakpoint(f->cpu, start);
    if (rc < 0)
        return rc;
    if (ex.reason != HV_EXIT_BREAKPOINT || ex.pc != start)
        return hv__vm_error(vm, HV_ESTATE, "fuzz: the guest did not reach the start point "
                            "%#llx (exit reason %d at pc %#llx)", (unsigned long long)start,
                            ex.reason, (unsigned long long)ex.pc);
    if (f->has_end && (rc = hv_vcpu_set_breakpoint(f->cpu, f->end)) < 0)
        return rc;
    if (f->has_crash && (rc = hv_vcpu_set_breakpoint(f->cpu, f->crash)) < 0)
        return rc;
    if ((rc = hv_vm_checkpoint(vm, &f->cp)) < 0)
        return rc;
    /* Coverage from here on: boot code is not the target's. */
    if (cfg->cov && (rc = hv_vm_set_coverage(vm, cfg->cov, cfg->cov_size)) < 0)
        return rc;
    return 0;
}

HV_API int hv_fuzz_create(hv_vm *vm, const struct hv_fuzz_config *cfg, hv_fuzz **out)
{
    if (!vm || !cfg || !out)
        return HV_EINVAL;
    *out = NULL;
    if (!cfg->start)
        return hv__vm_error(vm, HV_EINVAL, "fuzz: a start point is required");
    if (vm->cfg.nr_vcpus > 1)
        return hv__vm_error(vm, HV_EINVAL, "fuzz: single-vCPU VMs only");
    struct hv_fuzz *f = calloc(1, sizeof(*f));
    if (!f)
        return HV_ENOMEM;
    f->vm = vm;
    f->console = cfg->console != 0;
    f->input_max = cfg->input_max ? cfg->input_max : DEFAULT_INPUT_MAX;
    f->budget = cfg->budget ? cfg->budget : DEFAULT_BUDGET;
    int rc = vm->vcpus[0] ? 0 : hv_vcpu_create(vm, 0, &f->cpu);
    if (vm->vcpus[0])
        f->cpu = vm->vcpus[0];
    if (rc == 0)
        rc = setup(f, cfg);
    if (rc < 0) {
        hv_fuzz_destroy(f);
        return rc;
    }
    *out = f;
    return 0;
}

static int classify(const struct hv_fuzz *f, const struct hv_exit *ex)
{
    switch (ex->reason) {
    case HV_EXIT_BREAKPOINT:
        if (f->has_crash && ex->pc == f->crash)
            return HV_FUZZ_CRASH;
        return HV_FUZZ_OK;               /* the end point */
    case HV_EXIT_SHUTDOWN:
        return ex->u.shutdown.code ? HV_FUZZ_CRASH : HV_FUZZ_OK;
    case HV_EXIT_REBOOT:
        return HV_FUZZ_OK;
    case HV_EXIT_BUDGET:
    case HV_EXIT_HALT:
        return HV_FUZZ_HANG;
    default:                             /* CRASH, FAULT, HOOK (a crash hook), WATCHPOINT */
        return HV_FUZZ_CRASH;
    }
}

HV_API int hv_fuzz_one(hv_fuzz *f, const void *data, size_t size, struct hv_fuzz_result *res)
{
    if (!f || !res || (!data && size))
        return HV_EINVAL;
    memset(res, 0, sizeof(*res));
    int rc = hv_vm_rollback(f->vm, f->cp);
    if (rc < 0)
        return rc;
    size_t n = size < f->input_max ? size : (size_t)f->input_max;
    if (f->has_input && n && (rc = hv_vcpu_mem_write(f->cpu, f->input, data, n)) < 0)
        return rc;
    if (f->has_len) {
        uint8_t le[4] = { (uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24) };
        if ((rc = hv_vcpu_mem_write(f->cpu, f->input_len, le, sizeof le)) < 0)
            return rc;
    }
    if (f->console && f->vm->serial) {
        /* Host-side console input is not part of the state a rollback restores: drop what
         * the previous input left unread, then queue this one. */
        uint8_t junk[256];
        while (hv__chardev_pending(f->vm->serial) &&
               hv__chardev_read(f->vm->serial, junk, sizeof junk))
            ;
        if (n && (rc = hv_vm_console_input(f->vm, data, n)) < 0)
            return rc;
    }
    uint64_t start = instret(f->cpu);
    rc = run(f, f->budget, &res->exit);
    res->instructions = instret(f->cpu) - start;
    if (rc < 0)
        return rc;
    if (res->exit.reason == HV_EXIT_INTERNAL)
        return HV_EINTERNAL;
    res->status = classify(f, &res->exit);
    return 0;
}

HV_API void hv_fuzz_destroy(hv_fuzz *f)
{
    if (!f)
        return;
    hv_checkpoint_free(f->cp);
    free(f);
}
