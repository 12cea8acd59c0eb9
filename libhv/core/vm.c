/* SPDX-License-Identifier: MIT */
/* libhv core — VM life cycle: configuration copy, backend selection, memory-map API,
 * last-error and logging. Backends build the platform in their vm_init hook. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/engine.h"
#include "core/vm.h"
#include "core/zalloc.h"
#include "loader/loader.h"

/* The backend registry: a const table, no mutable globals. */
static const struct {
    enum hv_backend id;
    const struct hv_backend_ops *ops;
} backends[] = {
    { HV_BACKEND_FULL, &hvf_backend_ops },
    { HV_BACKEND_PARA, &hvp_backend_ops },
};

int hv__vm_error(struct hv_vm *vm, int code, const char *fmt, ...)
{
    /* Formatted aside first: callers may pass the previous last error as an argument
     * ("...: %s", hv_vm_last_error(vm)), which must not be overwritten while it is read. */
    char msg[sizeof(vm->last_error)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    memcpy(vm->last_error, msg, sizeof(msg));
    hv__log(vm, HV_LOG_ERROR, "%s", vm->last_error);
    return code;
}

void hv__log(const struct hv_vm *vm, enum hv_log_level level, const char *fmt, ...)
{
    if (!vm || !vm->cfg.log || level > vm->cfg.log_level)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    vm->cfg.log(vm->cfg.log_opaque, level, msg);
}

void hv__log_limited(const struct hv_vm *vm, struct hv__logrl *rl, enum hv_log_level level,
                     const char *who, const char *fmt, ...)
{
    if (!hv__log_enabled(vm, level))
        return;
    unsigned n = atomic_fetch_add(&rl->seen, 1) + 1;
    if (n > HV__LOG_BURST && (n - HV__LOG_BURST) % HV__LOG_EVERY)
        return;
    char msg[1024];
    int len = snprintf(msg, sizeof(msg), "%s: ", who);
    va_list ap;
    va_start(ap, fmt);
    if (len >= 0 && (size_t)len < sizeof(msg))
        len += vsnprintf(msg + len, sizeof(msg) - (size_t)len, fmt, ap);
    va_end(ap);
    if (len < 0)
        return;
    if (n == HV__LOG_BURST && (size_t)len < sizeof(msg))
        snprintf(msg + len, sizeof(msg) - (size_t)len, " (further messages from this device: "
                 "1 in %u)", HV__LOG_EVERY);
    else if (n > HV__LOG_BURST && (size_t)len < sizeof(msg))
        snprintf(msg + len, sizeof(msg) - (size_t)len, " (%u similar messages skipped)",
                 HV__LOG_EVERY - 1);
    vm->cfg.log(vm->cfg.log_opaque, level, msg);
}

uint64_t hv__vm_instructions(const struct hv_vm *vm)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
        if (vm->vcpus[i])
            n += vm->vcpus[i]->cpu.instret;
    return n;
}

/* The memory map changed (only while no vCPU runs): cached translations of it — soft-TLB
 * entries holding host addends, pre-decoded or translated code — may be stale. */
static void mem_changed(void *opaque, uint64_t gpa, uint64_t size)
{
    struct hv_vm *vm = opaque;
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++) {
        struct hv_vcpu *v = vm->vcpus[i];
        if (!v)
            continue;
        hv__cpu_tlb_flush(&v->cpu);
        if (v->cpu.policy && v->cpu.policy->code_written)
            v->cpu.policy->code_written(&v->cpu, gpa, size);
    }
}

static uint64_t clock_insns(void *opaque)
{
    return hv__vm_instructions(opaque);
}

/* Deep-copy the strings of a config so the caller's may go away. All copies are kept in
 * one malloc'd block list hung off cfg.owned_ (freed in free_config_strings). */
struct strbuf {
    struct strbuf *next;
    char s[];
};

static int dup_str(struct hv_vm *vm, const char **field)
{
    if (!*field)
        return 0;
    size_t n = strlen(*field) + 1;
    struct strbuf *b = malloc(sizeof(*b) + n);
    if (!b)
        return HV_ENOMEM;
    memcpy(b->s, *field, n);
    b->next = vm->cfg.owned_;
    vm->cfg.owned_ = b;
    *field = b->s;
    return 0;
}

static void free_config_strings(struct hv_vm *vm)
{
    struct strbuf *b = vm->cfg.owned_;
    while (b) {
        struct strbuf *n = b->next;
        free(b);
        b = n;
    }
    vm->cfg.owned_ = NULL;
}

static int copy_config(struct hv_vm *vm, const struct hv_config *cfg)
{
    if (cfg->size != sizeof(struct hv_config))
        return hv__vm_error(vm, HV_EINVAL,
                            "config size %u does not match this library (%zu): call "
                            "hv_config_init()", cfg->size, sizeof(struct hv_config));
    vm->cfg = *cfg;
    vm->cfg.owned_ = NULL;
    const char **strs[] = { &vm->cfg.name, &vm->cfg.bios, &vm->cfg.kernel, &vm->cfg.initrd,
                            &vm->cfg.cmdline, &vm->cfg.dtb, &vm->cfg.serial.path };
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        if (dup_str(vm, strs[i]) < 0)
            return hv__vm_error(vm, HV_ENOMEM, "out of memory copying the config");
    for (unsigned i = 0; i < vm->cfg.nr_disks && i < HV_MAX_DISKS; i++) {
        struct hv_disk_config *d = &vm->cfg.disks[i];
        if (dup_str(vm, &d->path) < 0 || dup_str(vm, &d->target) < 0 ||
            dup_str(vm, &d->serial) < 0)
            return hv__vm_error(vm, HV_ENOMEM, "out of memory copying the config");
    }
    return 0;
}

static int validate_config(struct hv_vm *vm)
{
    const struct hv_config *c = &vm->cfg;
    if (c->nr_vcpus < 1 || c->nr_vcpus > HV_MAX_VCPUS)
        return hv__vm_error(vm, HV_EINVAL, "nr_vcpus %u out of range 1..%d", c->nr_vcpus,
                            HV_MAX_VCPUS);
    if (c->mem_size < HV_PAGE_SIZE || (c->mem_size & (HV_PAGE_SIZE - 1)))
        return hv__vm_error(vm, HV_EINVAL, "memory size %#llx must be a non-zero multiple of "
                            "4 KiB", (unsigned long long)c->mem_size);
    /* RAM starts at 2 GiB: its end must neither wrap nor pass the window's limit. */
    if (c->mem_size > HV_MEM_MAX_WINDOW - 0x80000000ull)
        return hv__vm_error(vm, HV_EINVAL, "memory size of %llu bytes is too large: at most "
                            "%llu GiB of guest RAM", (unsigned long long)c->mem_size,
                            (unsigned long long)((HV_MEM_MAX_WINDOW - 0x80000000ull) >> 30));
    if (c->nr_disks > HV_MAX_DISKS)
        return hv__vm_error(vm, HV_EINVAL, "%u disks: at most %d", c->nr_disks, HV_MAX_DISKS);
    if (c->hugepages != HV_HUGEPAGES_AUTO && c->hugepages != HV_HUGEPAGES_OFF &&
        c->hugepages != HV_HUGEPAGES_ON)
        return hv__vm_error(vm, HV_EINVAL, "unknown hugepages setting %d", (int)c->hugepages);
    if (c->nr_nics > HV_MAX_NICS)
        return hv__vm_error(vm, HV_EINVAL, "%u NICs: at most %d", c->nr_nics, HV_MAX_NICS);
    if (c->engine != HV_ENGINE_DEFAULT && c->engine != HV_ENGINE_INTERP &&
        c->engine != HV_ENGINE_JIT && c->engine != HV_ENGINE_LOCKSTEP)
        return hv__vm_error(vm, HV_EINVAL, "unknown engine %d", (int)c->engine);
    if (c->engine == HV_ENGINE_LOCKSTEP) {
        if (c->backend != HV_BACKEND_FULL)
            return hv__vm_error(vm, HV_ENOTSUP, "lockstep engine: full backend only");
        if (c->nr_vcpus != 1)
            return hv__vm_error(vm, HV_ENOTSUP, "lockstep engine: one vCPU only (%u given)",
                                c->nr_vcpus);
        for (unsigned i = 0; i < c->nr_nics; i++)
            if (c->nics[i].type == HV_NET_HUB || c->nics[i].type == HV_NET_USER)
                return hv__vm_error(vm, HV_ENOTSUP, "lockstep engine: NIC %u: hub and user "
                                    "networks bring outside input the twin cannot see", i);
    }
    return 0;
}

/* Open the host back-ends every backend uses: the serial chardev and the disks. */
static int open_backends(struct hv_vm *vm)
{
    char err[HV__ERRLEN];
    int rc = hv__chardev_open(&vm->cfg.serial, &vm->serial, err, sizeof(err));
    if (rc < 0)
        return hv__vm_error(vm, rc, "serial: %s", err);
    if (vm->cfg.serial.type == HV_CHARDEV_PTY)
        hv__log(vm, HV_LOG_INFO, "serial: pseudo-terminal %s", hv__chardev_name(vm->serial));
    for (unsigned i = 0; i < vm->cfg.nr_disks; i++) {
        rc = hv__blockdev_open(&vm->cfg.disks[i], &vm->disks[i], err, sizeof(err));
        if (rc < 0)
            return hv__vm_error(vm, rc, "disk %u: %s", i, err);
    }
    return 0;
}

HV_API int hv_vm_create(const struct hv_config *cfg, hv_vm **out, char *errbuf, size_t errlen)
{
    if (!cfg || !out)
        return hv__errf(errbuf, errlen, HV_EINVAL, "hv_vm_create: NULL argument");
    *out = NULL;
    struct hv_vm *vm = calloc(1, sizeof(*vm));
    if (!vm)
        return hv__errf(errbuf, errlen, HV_ENOMEM, "out of memory");
    pthread_mutex_init(&vm->lock, NULL);
    int rc = copy_config(vm, cfg);
    if (rc == 0)
        rc = validate_config(vm);
    if (rc == 0) {
        for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
            if (backends[i].id == vm->cfg.backend)
                vm->ops = backends[i].ops;
        if (!vm->ops)
            rc = hv__vm_error(vm, HV_ENOTSUP, "backend %d is not available in this build",
                              (int)vm->cfg.backend);
    }
    if (rc == 0) {
        /* Window: the highest guest-physical address the board uses is the end of RAM. */
        uint64_t top = 0x80000000ull + vm->cfg.mem_size;
        char err[HV__ERRLEN];
        rc = hv__mem_init(&vm->mem, top, err, sizeof(err));
        if (rc < 0)
            hv__vm_error(vm, rc, "%s", err);
        vm->mem.notify = mem_changed;
        vm->mem.notify_opaque = vm;
        vm->mem.huge_pages = vm->cfg.hugepages == HV_HUGEPAGES_ON ||
                             (vm->cfg.hugepages == HV_HUGEPAGES_AUTO &&
                              vm->cfg.mem_size >= HV_HUGEPAGES_AUTO_MIN);
    }
    /* Lockstep compares two runs of the same machine: time must be a function of the
     * instructions retired. */
    if (rc == 0 && vm->cfg.engine == HV_ENGINE_LOCKSTEP)
        vm->cfg.deterministic = 1;
    if (rc == 0) {
        hv__clock_init(&vm->clock, vm->cfg.deterministic != 0, vm->cfg.insns_per_tick);
        vm->clock.insns = clock_insns;
        vm->clock.insns_opaque = vm;
        rc = open_backends(vm);
    }
    if (rc == 0)
        rc = vm->ops->vm_init(vm);
    if (rc == 0 && vm->cfg.engine == HV_ENGINE_LOCKSTEP) {
        struct hv_config tc;
        char err[HV__ERRLEN];
        hv__lockstep_twin_config(vm, &tc);
        rc = hv_vm_create(&tc, &vm->twin, err, sizeof(err));
        if (rc < 0)
            hv__vm_error(vm, rc, "lockstep engine: twin VM: %s", err);
    }
    if (rc < 0) {
        hv__errf(errbuf, errlen, rc, "%s", vm->last_error[0] ? vm->last_error : hv_strerror(rc));
        vm->running = 0;
        hv_vm_destroy(vm);
        return rc;
    }
    *out = vm;
    return 0;
}

HV_API int hv_vm_destroy(hv_vm *vm)
{
    if (!vm)
        return 0;
    if (atomic_load(&vm->running) > 0)
        return hv__vm_error(vm, HV_EBUSY, "hv_vm_destroy: a vCPU is running");
    hv_vm_destroy(vm->twin);
    vm->twin = NULL;
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++) {
        struct hv_vcpu *v = vm->vcpus[i];
        if (!v)
            continue;
        if (vm->ops && vm->ops->vcpu_fini)
            vm->ops->vcpu_fini(v);
        hv__engine_fini(&v->cpu);
        hv__zfree(v, sizeof(*v));
    }
    if (vm->ops && vm->ops->vm_fini)
        vm->ops->vm_fini(vm);
    for (unsigned i = 0; i < HV_MAX_DISKS; i++) {
        if (vm->disks[i])
            hv__blockdev_flush(vm->disks[i]);
        hv__blockdev_close(vm->disks[i]);
    }
    hv__chardev_close(vm->serial);
    hv__elf_syms_free(vm->kernel_syms);
    hv__mem_fini(&vm->mem);
    free_config_strings(vm);
    pthread_mutex_destroy(&vm->lock);
    free(vm);
    return 0;
}

HV_API const char *hv_vm_last_error(const hv_vm *vm)
{
    return vm ? vm->last_error : "";
}

HV_API enum hv_backend hv_vm_backend(const hv_vm *vm)
{
    return vm->cfg.backend;
}

/* Map changes are refused while vCPUs run: engines cache translations of the map. */
static int check_stopped(struct hv_vm *vm, const char *what)
{
    if (atomic_load(&vm->running) > 0)
        return hv__vm_error(vm, HV_EBUSY, "%s: not allowed while a vCPU runs", what);
    return 0;
}

HV_API int hv_vm_mem_map(hv_vm *vm, uint64_t gpa, uint64_t size, unsigned flags)
{
    if (!vm)
        return HV_EINVAL;
    int rc = check_stopped(vm, "hv_vm_mem_map");
    if (rc < 0)
        return rc;
    if (!(flags & HV_MEM_READ) || (flags & ~(unsigned)HV_MEM_RAM))
        return hv__vm_error(vm, HV_EINVAL, "hv_vm_mem_map: bad flags %#x", flags);
    pthread_mutex_lock(&vm->lock);
    rc = hv__mem_map(&vm->mem, gpa, size,
                     (flags & HV_MEM_WRITE) ? HV_REGION_RAM : HV_REGION_ROM, flags,
                     vm->last_error, sizeof(vm->last_error));
    pthread_mutex_unlock(&vm->lock);
    return rc;
}

HV_API int hv_vm_mem_unmap(hv_vm *vm, uint64_t gpa)
{
    if (!vm)
        return HV_EINVAL;
    int rc = check_stopped(vm, "hv_vm_mem_unmap");
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&vm->lock);
    rc = hv__mem_unmap(&vm->mem, gpa, vm->last_error, sizeof(vm->last_error));
    pthread_mutex_unlock(&vm->lock);
    return rc;
}

HV_API int hv_vm_mem_read(hv_vm *vm, uint64_t gpa, void *buf, size_t len)
{
    if (!vm || (!buf && len))
        return HV_EINVAL;
    int rc = hv__mem_read(&vm->mem, gpa, buf, len);
    if (rc < 0)
        hv__vm_error(vm, rc, "hv_vm_mem_read: %#llx+%#zx is not guest memory",
                     (unsigned long long)gpa, len);
    return rc;
}

/* Host writes may overwrite guest code: the engines drop what they cached from the bytes
 * written (only pages holding cached code are looked at, so writing a fuzzer's input into
 * a data buffer keeps every translation). */
static void notify_code(struct hv_vm *vm, uint64_t gpa, size_t len)
{
    while (len) {
        size_t chunk = 4096 - (gpa & 4095);
        if (chunk > len)
            chunk = len;
        uint8_t *host = hv__mem_hva(&vm->mem, gpa, chunk);
        for (unsigned i = 0; host && i < HV_MAX_VCPUS; i++) {
            struct hv_cpu *cpu = vm->vcpus[i] ? &vm->vcpus[i]->cpu : NULL;
            const struct hv_engine_hooks *hk = cpu ? cpu->engine_hooks : NULL;
            if (hk && hk->is_code_page(cpu, (uintptr_t)host & ~(uintptr_t)4095))
                hk->code_write(cpu, (uintptr_t)host, (unsigned)chunk);
        }
        gpa += chunk;
        len -= chunk;
    }
}

HV_API int hv_vm_mem_write(hv_vm *vm, uint64_t gpa, const void *buf, size_t len)
{
    if (!vm || (!buf && len))
        return HV_EINVAL;
    int rc = hv__mem_write(&vm->mem, gpa, buf, len);
    if (rc < 0)
        return hv__vm_error(vm, rc, "hv_vm_mem_write: %#llx+%#zx is not guest memory",
                            (unsigned long long)gpa, len);
    hv__lockstep_dirty(vm);
    notify_code(vm, gpa, len);
    return 0;
}

HV_API void *hv_vm_mem_ptr(hv_vm *vm, uint64_t gpa, size_t len)
{
    return vm ? hv__mem_hva(&vm->mem, gpa, len) : NULL;
}

HV_API int hv_vm_mmio_add(hv_vm *vm, uint64_t gpa, uint64_t size,
                          const struct hv_mmio_ops *ops, void *opaque)
{
    if (!vm)
        return HV_EINVAL;
    int rc = check_stopped(vm, "hv_vm_mmio_add");
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&vm->lock);
    rc = hv__mem_add_mmio(&vm->mem, gpa, size, ops, opaque, vm->last_error,
                          sizeof(vm->last_error));
    pthread_mutex_unlock(&vm->lock);
    return rc;
}

void hv__vm_keep_symbols(struct hv_vm *vm, const void *image, size_t len)
{
    char err[HV__ERRLEN];
    hv__elf_syms_free(vm->kernel_syms);
    vm->kernel_syms = NULL;
    if (hv__elf_syms_copy(image, len, &vm->kernel_syms, err, sizeof(err)) < 0)
        hv__log(vm, HV_LOG_DEBUG, "kernel symbols: %s", err);
}

HV_API int hv_vm_symbol(hv_vm *vm, const char *name, uint64_t *addr, uint64_t *size)
{
    if (!vm || !name)
        return HV_EINVAL;
    uint64_t a = 0, s = 0;
    if (!vm->kernel_syms)
        return hv__vm_error(vm, HV_ENOENT, "hv_vm_symbol: no symbol table (%s)",
                            !vm->cfg.kernel ? "no kernel was loaded"
                            : "the kernel is not an ELF file or is stripped");
    if (hv__elf_syms_find(vm->kernel_syms, name, &a, &s) < 0)
        return hv__vm_error(vm, HV_ENOENT, "hv_vm_symbol: '%s' is not defined in %s", name,
                            vm->cfg.kernel);
    if (addr)
        *addr = a;
    if (size)
        *size = s;
    return 0;
}

HV_API const char *hv_vm_chardev_name(const hv_vm *vm)
{
    return vm ? hv__chardev_name(vm->serial) : "";
}

/* A vCPU sleeping in WFI or SCHED_OP block may be waiting for console input. */
static void wake_for_input(struct hv_vm *vm)
{
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++) {
        struct hv_vcpu *v = vm->vcpus[i];
        if (!v)
            continue;
        hv__cpu_request_exit(&v->cpu);
        if (vm->ops->vcpu_wake)
            vm->ops->vcpu_wake(v);
    }
}

HV_API int hv_vm_console_input(hv_vm *vm, const void *data, size_t len)
{
    if (!vm || (!data && len))
        return HV_EINVAL;
    if (!vm->serial)
        return HV_ENOTSUP;
    int rc = hv__chardev_push_input(vm->serial, data, len);
    if (rc < 0)
        return rc;
    wake_for_input(vm);
    return 0;
}

HV_API int hv_vm_console_break(hv_vm *vm)
{
    if (!vm)
        return HV_EINVAL;
    if (!vm->serial || vm->cfg.backend != HV_BACKEND_FULL)
        return HV_ENOTSUP;          /* no UART line (para console ring) */
    hv__chardev_send_break(vm->serial);
    wake_for_input(vm);
    return 0;
}
