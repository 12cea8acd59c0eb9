/* SPDX-License-Identifier: MIT */
/* U-Boot snapshot test: Debian's qemu-riscv64_smode U-Boot on OpenSBI fw_jump (full board),
 * driven from one thread through the public API. Boots to the prompt, sets an environment
 * variable, saves a snapshot; a fresh VM made from the same config loads it and the test
 * types commands into the restored U-Boot: the variable is still there, commands work.
 * The original VM answers the same command the same way.
 * Usage: uboot_snap FW_JUMP U_BOOT_BIN [interp|jit]. Exit status 0 = pass. */
#define _GNU_SOURCE
#include <hv/hv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

struct con {
    char buf[1 << 20];
    size_t len, cursor;
};

static void on_output(void *opaque, const uint8_t *data, size_t len)
{
    struct con *c = opaque;
    fwrite(data, 1, len, stdout);
    if (len > sizeof c->buf - 1 - c->len)
        len = sizeof c->buf - 1 - c->len;
    memcpy(c->buf + c->len, data, len);
    c->len += len;
    c->buf[c->len] = 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run until `what` appears after the cursor (then move past it); at most ~2e9 insns. */
static int expect(hv_vcpu *cpu, struct con *c, const char *what)
{
    for (int i = 0; i < 2000; i++) {
        char *hit = strstr(c->buf + c->cursor, what);
        if (hit) {
            c->cursor = (size_t)(hit - c->buf) + strlen(what);
            return 0;
        }
        struct hv_exit e;
        memset(&e, 0, sizeof e);
        if (hv_vcpu_run(cpu, 1000000, &e) < 0 ||
            (e.reason != HV_EXIT_BUDGET && e.reason != HV_EXIT_KICK)) {
            fprintf(stderr, "\nuboot_snap: FAIL: vCPU stopped (reason %d) waiting for \"%s\"\n",
                    (int)e.reason, what);
            return -1;
        }
    }
    fprintf(stderr, "\nuboot_snap: FAIL: no \"%s\"\n", what);
    return -1;
}

static int type(hv_vm *vm, hv_vcpu *cpu, struct con *c, const char *line, const char *answer)
{
    if (hv_vm_console_input(vm, line, strlen(line)) < 0) {
        fprintf(stderr, "uboot_snap: FAIL: console input: %s\n", hv_vm_last_error(vm));
        return -1;
    }
    if (expect(cpu, c, answer) < 0)
        return -1;
    return expect(cpu, c, "=> ");
}

static int create(const struct hv_config *cfg, hv_vm **vm, hv_vcpu **cpu)
{
    char err[512];
    if (hv_vm_create(cfg, vm, err, sizeof err) < 0) {
        fprintf(stderr, "uboot_snap: FAIL: %s\n", err);
        return -1;
    }
    return hv_vcpu_create(*vm, 0, cpu);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: uboot_snap FW_JUMP U_BOOT_BIN [interp|jit]\n");
        return 2;
    }
    static struct con ca, cb;
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = HV_BACKEND_FULL;
    cfg.bios = argv[1];
    cfg.kernel = argv[2];
    cfg.engine = argc > 3 && !strcmp(argv[3], "jit") ? HV_ENGINE_JIT : HV_ENGINE_INTERP;
    cfg.deterministic = 1;
    cfg.serial.type = HV_CHARDEV_BUFFER;
    cfg.serial.on_output = on_output;
    cfg.serial.opaque = &ca;
    hv_vm *a, *b;
    hv_vcpu *ca_cpu, *cb_cpu;
    double t0 = now();
    if (create(&cfg, &a, &ca_cpu) < 0 ||
        expect(ca_cpu, &ca, "Hit any key to stop autoboot") < 0 ||
        hv_vm_console_input(a, " ", 1) < 0 || expect(ca_cpu, &ca, "=> ") < 0 ||
        type(a, ca_cpu, &ca, "setenv snapvar before-snapshot\r", "\n") < 0)
        return 1;
    double t_prompt = now() - t0;

    int fd = memfd_create("uboot.snap", 0);
    double t1 = now();
    if (fd < 0 || hv_vm_snapshot_save(a, fd) < 0) {
        fprintf(stderr, "uboot_snap: FAIL: save: %s\n", hv_vm_last_error(a));
        return 1;
    }
    double t_save = now() - t1;
    off_t size = lseek(fd, 0, SEEK_CUR);

    /* The original goes on. */
    if (type(a, ca_cpu, &ca, "echo ${snapvar} original\r", "before-snapshot original") < 0)
        return 1;

    /* A fresh VM from the same config continues from the snapshot. */
    cfg.serial.opaque = &cb;
    if (create(&cfg, &b, &cb_cpu) < 0)
        return 1;
    lseek(fd, 0, SEEK_SET);
    t1 = now();
    if (hv_vm_snapshot_load(b, fd) < 0) {
        fprintf(stderr, "uboot_snap: FAIL: load: %s\n", hv_vm_last_error(b));
        return 1;
    }
    double t_load = now() - t1;
    printf("\n--- restored ---\n");
    if (type(b, cb_cpu, &cb, "echo ${snapvar} restored\r", "before-snapshot restored") < 0 ||
        type(b, cb_cpu, &cb, "version\r", "U-Boot 20") < 0 ||
        type(b, cb_cpu, &cb, "printenv snapvar\r", "snapvar=before-snapshot") < 0)
        return 1;
    fprintf(stderr, "\nuboot_snap: prompt after %.2f s; snapshot %lld KiB saved in %.1f ms, "
            "loaded in %.1f ms; restored U-Boot answered\n", t_prompt,
            (long long)size / 1024, t_save * 1e3, t_load * 1e3);
    close(fd);
    hv_vm_destroy(a);
    hv_vm_destroy(b);
    return 0;
}
