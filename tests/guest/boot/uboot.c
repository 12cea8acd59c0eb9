/* SPDX-License-Identifier: MIT */
/* U-Boot boot test: Debian's qemu-riscv64_smode U-Boot on OpenSBI fw_jump, embedded through
 * libhv's API with a buffer console. Types at the prompt like a user would and checks the
 * answers: `version`, virtio-blk scan/info, reading a block holding a known pattern from a
 * disk file this test creates, writing a block and finding it in the file afterwards,
 * `reset` with on_reboot = restart (the board reboots inside libhv) and reading it back.
 * Usage: uboot FW_JUMP U_BOOT_BIN [interp|jit]. Exit status 0 = pass. Prints the output and
 * the seconds from start to the U-Boot banner and prompt. */
#include <hv/hv.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DISK_SIZE (1u << 20)
#define PATTERN "LIBHV-BOOT-DISK-"           /* 16 bytes: one md.b line */

struct console {
    pthread_mutex_t lock;
    char buf[1 << 20];
    size_t len;
    size_t cursor;                          /* expect() searches from here */
};

static struct console con = { .lock = PTHREAD_MUTEX_INITIALIZER };
static atomic_int vcpu_done;
static struct hv_exit last_exit;
static double t0;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_output(void *opaque, const uint8_t *data, size_t len)
{
    (void)opaque;
    fwrite(data, 1, len, stdout);
    fflush(stdout);
    pthread_mutex_lock(&con.lock);
    if (len > sizeof con.buf - 1 - con.len)
        len = sizeof con.buf - 1 - con.len;
    memcpy(con.buf + con.len, data, len);
    con.len += len;
    con.buf[con.len] = 0;
    pthread_mutex_unlock(&con.lock);
}

static void *vcpu_main(void *arg)
{
    hv_vcpu *cpu = arg;
    for (;;) {
        if (hv_vcpu_run(cpu, 0, &last_exit) < 0 || last_exit.reason != HV_EXIT_KICK ||
            atomic_load(&vcpu_done))
            break;
    }
    atomic_store(&vcpu_done, 1);
    return NULL;
}

/* Wait until `what` appears after the cursor; move the cursor past it. */
static int expect(const char *what, double timeout)
{
    double end = now() + timeout;
    for (;;) {
        pthread_mutex_lock(&con.lock);
        char *hit = strstr(con.buf + con.cursor, what);
        if (hit)
            con.cursor = (size_t)(hit - con.buf) + strlen(what);
        pthread_mutex_unlock(&con.lock);
        if (hit)
            return 0;
        if (now() > end || atomic_load(&vcpu_done)) {
            fprintf(stderr, "\nuboot: FAIL: no \"%s\" within %.0f s%s\n", what, timeout,
                    atomic_load(&vcpu_done) ? " (the vCPU stopped)" : "");
            return -1;
        }
        usleep(2000);
    }
}

static int type(hv_vm *vm, const char *line, const char *answer, double timeout)
{
    if (hv_vm_console_input(vm, line, strlen(line)) < 0) {
        fprintf(stderr, "uboot: FAIL: console input: %s\n", hv_vm_last_error(vm));
        return -1;
    }
    if (expect(answer, timeout) < 0)
        return -1;
    return expect("=> ", timeout);
}

static int make_disk(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    static char zero[DISK_SIZE];
    memcpy(zero, PATTERN, 16);
    int ok = fwrite(zero, 1, sizeof zero, f) == sizeof zero;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static int check_written(const char *path)
{
    char blk[16] = { 0 };
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    int ok = fseek(f, 2 * 512, SEEK_SET) == 0 && fread(blk, 1, 16, f) == 16;
    fclose(f);
    return ok && !memcmp(blk, "AAAAAAAAAAAAAAAA", 16) ? 0 : -1;
}

static int session(hv_vm *vm, const char *disk)
{
    if (expect("OpenSBI v", 120) < 0)
        return -1;
    double sbi = now() - t0;
    if (expect("U-Boot 20", 120) < 0)
        return -1;
    double banner = now() - t0;
    if (expect("Hit any key to stop autoboot", 120) < 0)
        return -1;
    hv_vm_console_input(vm, " ", 1);
    if (expect("=> ", 60) < 0)
        return -1;
    double prompt = now() - t0;
    if (type(vm, "version\r", "riscv64-linux-gnu-gcc", 60) < 0 ||
        type(vm, "virtio scan\r", "\n", 60) < 0 ||
        type(vm, "virtio info\r", "Capacity: 1.0 MB", 60) < 0 ||
        type(vm, "virtio read 0x84000000 0 1\r", "1 blocks read: OK", 60) < 0 ||
        type(vm, "md.b 0x84000000 0x10\r", PATTERN, 60) < 0 ||
        type(vm, "mw.b 0x84000000 0x41 0x10\r", "\n", 60) < 0 ||
        type(vm, "virtio write 0x84000000 2 1\r", "1 blocks written: OK", 60) < 0)
        return -1;
    if (check_written(disk) < 0) {
        fprintf(stderr, "uboot: FAIL: block 2 of the disk file does not hold the write\n");
        return -1;
    }
    /* `reset` (SBI SRST reboot -> SiFive test 0x7777) with on_reboot = restart: the board is
     * reset inside libhv and boots again; the disk still works afterwards. */
    double before = now() - t0;
    hv_vm_console_input(vm, "reset\r", 6);
    if (expect("OpenSBI v", 120) < 0 || expect("Hit any key to stop autoboot", 120) < 0)
        return -1;
    hv_vm_console_input(vm, " ", 1);
    if (expect("=> ", 60) < 0 || type(vm, "virtio scan\r", "\n", 60) < 0 ||
        type(vm, "mw.b 0x84000000 0 0x10\r", "\n", 60) < 0 ||   /* RAM survives reset */
        type(vm, "virtio read 0x84000000 2 1\r", "1 blocks read: OK", 60) < 0 ||
        type(vm, "md.b 0x84000000 0x10\r", "AAAAAAAAAAAAAAAA", 60) < 0)
        return -1;
    fprintf(stderr, "\nuboot: reboot to prompt %.2f s\n", now() - t0 - before);
    fprintf(stderr, "\nuboot: OpenSBI banner %.2f s, U-Boot banner %.2f s, prompt %.2f s, "
            "session done %.2f s\n", sbi, banner, prompt, now() - t0);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: uboot FW_JUMP U_BOOT_BIN [interp|jit]\n");
        return 2;
    }
    char disk[] = "/tmp/hv-uboot-disk-XXXXXX";
    int fd = mkstemp(disk);
    if (fd < 0 || (close(fd), make_disk(disk)) < 0) {
        perror("uboot: disk");
        return 1;
    }
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.bios = argv[1];
    cfg.kernel = argv[2];
    cfg.engine = argc > 3 && !strcmp(argv[3], "jit") ? HV_ENGINE_JIT : HV_ENGINE_INTERP;
    cfg.serial.type = HV_CHARDEV_BUFFER;
    cfg.serial.on_output = on_output;
    cfg.disks[0].path = disk;
    cfg.nr_disks = 1;
    cfg.on_reboot = HV_ACTION_RESTART;
    hv_vm *vm;
    hv_vcpu *cpu;
    char err[256];
    t0 = now();
    if (hv_vm_create(&cfg, &vm, err, sizeof err) < 0) {
        fprintf(stderr, "uboot: FAIL: %s\n", err);
        unlink(disk);
        return 1;
    }
    if (hv_vcpu_create(vm, 0, &cpu) < 0) {
        fprintf(stderr, "uboot: FAIL: %s\n", hv_vm_last_error(vm));
        return 1;
    }
    pthread_t th;
    pthread_create(&th, NULL, vcpu_main, cpu);
    int rc = session(vm, disk);
    atomic_store(&vcpu_done, 1);
    hv_vcpu_kick(cpu);
    pthread_join(th, NULL);
    if (rc == 0 && last_exit.reason != HV_EXIT_KICK) {
        fprintf(stderr, "uboot: FAIL: the vCPU stopped: reason %d at pc %#llx\n",
                (int)last_exit.reason, (unsigned long long)last_exit.pc);
        rc = -1;
    }
    hv_vm_destroy(vm);
    unlink(disk);
    return rc < 0 ? 1 : 0;
}
