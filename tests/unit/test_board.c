/* SPDX-License-Identifier: MIT */
/* Board-level tests of the full backend's virt board wiring: device interrupts reach the
 * hart through the PLIC (UART RX, virtio-blk used buffer, RTC alarm — guest code in
 * tests/guest/boot/board.c), the generated device tree matches the config (libfdt), boot
 * data placement (initrd, DTB, MROM + fw_dynamic info) and the default-firmware error. */
#include <criterion/criterion.h>
#include <libfdt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hv/hv.h"

#define GUEST HV_BUILD_DIR "/tests/guest/boot/boot_board.elf"
#define PAYLOAD HV_BUILD_DIR "/tests/guest/boot/boot_payload.elf"
#define FW_JUMP "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf"
#define RESULT 0x80100000ull

static void need(const char *path)
{
    if (access(path, R_OK) != 0)
        cr_skip_test("%s not available", path);
}

static hv_vm *make_vm(struct hv_config *cfg)
{
    hv_vm *vm = NULL;
    char err[256];
    int rc = hv_vm_create(cfg, &vm, err, sizeof err);
    cr_assert_eq(rc, 0, "hv_vm_create: %s", err);
    return vm;
}

static void base_cfg(struct hv_config *cfg)
{
    hv_config_init(cfg);
    cfg->bios = "none";
    cfg->kernel = GUEST;
    cfg->serial.type = HV_CHARDEV_BUFFER;
    cfg->engine = HV_ENGINE_INTERP;
}

struct runner {
    hv_vcpu *cpu;
    struct hv_exit exit;
};

static void *run_thread(void *arg)
{
    struct runner *r = arg;
    do
        cr_assert_eq(hv_vcpu_run(r->cpu, 0, &r->exit), 0);
    while (r->exit.reason == HV_EXIT_KICK);
    return NULL;
}

static hv_vcpu *last_cpu;           /* run_guest's vCPU (for its stats) */

/* Run mode `mode` of the board guest; `during` runs on this thread while the vCPU runs. */
static uint64_t run_guest(hv_vm *vm, unsigned mode, void (*during)(hv_vm *))
{
    struct runner r = { 0 };
    cr_assert_eq(hv_vcpu_create(vm, 0, &r.cpu), 0, "%s", hv_vm_last_error(vm));
    last_cpu = r.cpu;
    cr_assert_eq(hv_vcpu_set_reg(r.cpu, HV_REG_X0 + 12, mode), 0);
    pthread_t th;
    pthread_create(&th, NULL, run_thread, &r);
    if (during)
        during(vm);
    pthread_join(th, NULL);
    cr_assert_eq(r.exit.reason, HV_EXIT_SHUTDOWN, "exit reason %d at pc %#llx",
                 (int)r.exit.reason, (unsigned long long)r.exit.pc);
    cr_assert_eq(r.exit.u.shutdown.code, 0, "guest failed at step %d",
                 r.exit.u.shutdown.code);
    uint64_t result = 0;
    cr_assert_eq(hv_vm_mem_read(vm, RESULT, &result, sizeof result), 0);
    return result;
}

static void type_later(hv_vm *vm)
{
    usleep(50000);                      /* let the hart reach WFI */
    cr_assert_eq(hv_vm_console_input(vm, "hv!", 3), 0);
}

Test(board, uart_rx_interrupt_through_plic)
{
    need(GUEST);
    struct hv_config cfg;
    base_cfg(&cfg);
    hv_vm *vm = make_vm(&cfg);
    uint64_t got = run_guest(vm, 1, type_later);
    cr_assert_eq(got, 'h' | ('v' << 8) | ('!' << 16), "received %#llx",
                 (unsigned long long)got);
    hv_vm_destroy(vm);
}

/* hv_stats.idle_ns counts the 50 ms the hart sleeps in WFI for console input; exit_ns the
 * device-register accesses, only with hv_config.time_exits. */
Test(board, stats_idle_and_exit_time)
{
    need(GUEST);
    for (int timed = 0; timed < 2; timed++) {
        struct hv_config cfg;
        base_cfg(&cfg);
        cfg.time_exits = timed;
        hv_vm *vm = make_vm(&cfg);
        uint64_t t0 = hv_vm_clock_ns(vm);
        run_guest(vm, 1, type_later);
        uint64_t wall = hv_vm_clock_ns(vm) - t0;
        struct hv_stats st;
        cr_assert_eq(hv_vcpu_get_stats(last_cpu, &st), 0);
        cr_assert_geq(st.idle_ns, 20000000, "idle %llu ns", (unsigned long long)st.idle_ns);
        cr_assert_lt(st.idle_ns, wall);
        cr_assert_gt(st.mmio_traps, 0);
        if (timed) {
            cr_assert_gt(st.exit_ns, 0);
            cr_assert_lt(st.exit_ns + st.idle_ns, wall + 1000000);
        } else {
            cr_assert_eq(st.exit_ns, 0, "exit time without time_exits");
        }
        hv_vm_destroy(vm);
    }
}

Test(board, virtio_blk_request_through_plic)
{
    need(GUEST);
    char path[] = "/tmp/hv-board-disk-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    char sector[1024] = { 0 };
    memcpy(sector + 512, "SECTOR-1", 8);
    cr_assert_eq(write(fd, sector, sizeof sector), (ssize_t)sizeof sector);
    cr_assert_eq(ftruncate(fd, 65536), 0);
    close(fd);
    struct hv_config cfg;
    base_cfg(&cfg);
    cfg.disks[0].path = path;
    cfg.nr_disks = 1;
    hv_vm *vm = make_vm(&cfg);
    uint64_t first = run_guest(vm, 2, NULL);
    hv_vm_destroy(vm);
    unlink(path);
    cr_assert_eq(memcmp(&first, "SECTOR-1", 8), 0, "read %#llx", (unsigned long long)first);
}

Test(board, rtc_alarm_interrupt)
{
    need(GUEST);
    struct hv_config cfg;
    base_cfg(&cfg);
    hv_vm *vm = make_vm(&cfg);
    uint64_t waited = run_guest(vm, 3, NULL);
    cr_assert_geq(waited, 2000000, "alarm after %llu ns", (unsigned long long)waited);
    cr_assert_lt(waited, 2000000000ull, "alarm after %llu ns", (unsigned long long)waited);
    hv_vm_destroy(vm);
}

/* ---- device tree ------------------------------------------------------------------------ */

static void *read_dtb(hv_vm *vm, hv_vcpu *cpu, uint64_t *addr)
{
    cr_assert_eq(hv_vcpu_get_reg(cpu, HV_REG_X0 + 11, addr), 0);
    cr_assert_neq(*addr, 0, "a1 holds no device tree");
    cr_assert_eq(*addr % 8, 0);
    struct fdt_header h;
    cr_assert_eq(hv_vm_mem_read(vm, *addr, &h, sizeof h), 0);
    cr_assert_eq(fdt_magic(&h), FDT_MAGIC);
    void *blob = malloc(fdt_totalsize(&h));
    cr_assert_eq(hv_vm_mem_read(vm, *addr, blob, fdt_totalsize(&h)), 0);
    cr_assert_eq(fdt_check_header(blob), 0);
    return blob;
}

/* Properties are only 4-byte aligned. */
static uint64_t be64_at(const void *p)
{
    fdt64_t v;
    memcpy(&v, p, sizeof v);
    return fdt64_to_cpu(v);
}

Test(board, device_tree_matches_config)
{
    need(GUEST);
    char initrd[] = "/tmp/hv-board-initrd-XXXXXX";
    int fd = mkstemp(initrd);
    cr_assert_geq(fd, 0);
    static char data[10000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)(i * 7);
    cr_assert_eq(write(fd, data, sizeof data), (ssize_t)sizeof data);
    close(fd);

    struct hv_config cfg;
    base_cfg(&cfg);
    cfg.mem_size = 256ull << 20;
    cfg.nr_vcpus = 2;
    cfg.cmdline = "console=ttyS0 hv.test=1";
    cfg.initrd = initrd;
    cfg.rng = 1;
    hv_vm *vm = make_vm(&cfg);
    hv_vcpu *cpu0, *cpu1;
    cr_assert_eq(hv_vcpu_create(vm, 0, &cpu0), 0);
    cr_assert_eq(hv_vcpu_create(vm, 1, &cpu1), 0);
    uint64_t dtb, dtb1, a0;
    void *fdt = read_dtb(vm, cpu0, &dtb);
    cr_assert_eq(hv_vcpu_get_reg(cpu1, HV_REG_X0 + 11, &dtb1), 0);
    cr_assert_eq(hv_vcpu_get_reg(cpu1, HV_REG_X0 + 10, &a0), 0);
    cr_assert_eq(dtb1, dtb, "every hart gets the same a1");
    cr_assert_eq(a0, 1, "a0 = hartid");
    cr_assert_lt(dtb, 0x80000000ull + cfg.mem_size);
    cr_assert_eq(dtb % 0x200000, 0, "DTB 2 MiB aligned high in RAM as on QEMU: %#llx",
                 (unsigned long long)dtb);

    int mem = fdt_path_offset(fdt, "/memory@80000000");
    cr_assert_geq(mem, 0);
    int len;
    const void *reg = fdt_getprop(fdt, mem, "reg", &len);
    cr_assert_eq(len, 16);
    cr_assert_eq(be64_at(reg), 0x80000000ull);
    cr_assert_eq(be64_at((const char *)reg + 8), cfg.mem_size);

    int cpus = fdt_path_offset(fdt, "/cpus"), n = 0, node;
    cr_assert_geq(cpus, 0);
    fdt_for_each_subnode(node, fdt, cpus) {
        const char *type = fdt_getprop(fdt, node, "device_type", NULL);
        if (type && !strcmp(type, "cpu"))
            n++;
    }
    cr_assert_eq(n, 2, "%d cpu nodes", n);

    int chosen = fdt_path_offset(fdt, "/chosen");
    cr_assert_geq(chosen, 0);
    cr_assert_str_eq(fdt_getprop(fdt, chosen, "bootargs", NULL), cfg.cmdline);
    const void *is = fdt_getprop(fdt, chosen, "linux,initrd-start", &len);
    cr_assert_not_null(is);
    const void *ie = fdt_getprop(fdt, chosen, "linux,initrd-end", NULL);
    cr_assert_not_null(ie);
    cr_assert_eq(len, 8);
    uint64_t start = be64_at(is), end = be64_at(ie);
    cr_assert_eq(end - start, sizeof data);
    cr_assert_eq(start % 4096, 0);
    cr_assert_leq(end, dtb, "initrd below the DTB");
    static char back[sizeof data];
    cr_assert_eq(hv_vm_mem_read(vm, start, back, sizeof back), 0);
    cr_assert_eq(memcmp(back, data, sizeof data), 0, "initrd contents in RAM");

    /* The virtio-rng in slot 0 is announced like QEMU: all eight slots present. */
    int vio = 0;
    fdt_for_each_subnode(node, fdt, fdt_path_offset(fdt, "/soc")) {
        const char *compat = fdt_getprop(fdt, node, "compatible", NULL);
        if (compat && !strcmp(compat, "virtio,mmio"))
            vio++;
    }
    cr_assert_eq(vio, 8);
    free(fdt);
    hv_vm_destroy(vm);
    unlink(initrd);
}

/* Firmware boot: harts start at the MROM, whose fw_dynamic info names the kernel. */
Test(board, mrom_reset_vector_and_fw_dynamic_info)
{
    need(FW_JUMP);
    need(PAYLOAD);
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.bios = FW_JUMP;
    cfg.kernel = PAYLOAD;
    cfg.serial.type = HV_CHARDEV_NULL;
    hv_vm *vm = make_vm(&cfg);
    hv_vcpu *cpu;
    cr_assert_eq(hv_vcpu_create(vm, 0, &cpu), 0);
    uint64_t pc;
    cr_assert_eq(hv_vcpu_get_reg(cpu, HV_REG_PC, &pc), 0);
    cr_assert_eq(pc, 0x1000);
    uint32_t rom[10];
    uint64_t info[6];
    cr_assert_eq(hv_vm_mem_read(vm, 0x1000, rom, sizeof rom), 0);
    cr_assert_eq(hv_vm_mem_read(vm, 0x1028, info, sizeof info), 0);
    cr_assert_eq(rom[0], 0x00000297u);               /* auipc t0, 0 */
    cr_assert_eq(rom[5], 0x00028067u);               /* jr t0 */
    cr_assert_eq(rom[6] | (uint64_t)rom[7] << 32, 0x80000000ull, "firmware entry");
    uint64_t dtb = rom[8] | (uint64_t)rom[9] << 32;
    uint32_t magic = 0;
    cr_assert_eq(hv_vm_mem_read(vm, dtb, &magic, 4), 0);
    cr_assert_eq(fdt32_to_cpu(magic), FDT_MAGIC);
    cr_assert_eq(info[0], 0x4942534full);
    cr_assert_eq(info[1], 2);
    cr_assert_eq(info[2], 0x80200000ull, "next_addr = the kernel");
    cr_assert_eq(info[3], 1, "next_mode = S");
    /* The guest runs the ROM, OpenSBI and the payload to a clean power-off. */
    struct hv_exit ex;
    do
        cr_assert_eq(hv_vcpu_run(cpu, 0, &ex), 0);
    while (ex.reason == HV_EXIT_KICK);
    cr_assert_eq(ex.reason, HV_EXIT_SHUTDOWN);
    cr_assert_eq(ex.u.shutdown.code, 0);
    hv_vm_destroy(vm);
}

Test(board, missing_firmware_is_named)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.bios = "/nonexistent/fw.bin";
    cfg.serial.type = HV_CHARDEV_NULL;
    hv_vm *vm = NULL;
    char err[256];
    cr_assert_lt(hv_vm_create(&cfg, &vm, err, sizeof err), 0);
    cr_assert(strstr(err, "/nonexistent/fw.bin"), "%s", err);
}
