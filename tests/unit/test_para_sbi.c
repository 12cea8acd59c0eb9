/* SPDX-License-Identifier: MIT */
/* Unit tests for the para backend's SBI for S-mode kernels (backends/para/sbi.c) and the
 * Linux boot protocol (boot.c): a kernel Image at RAM + 2 MiB with the generated device tree
 * and initrd, HSM with really stopped harts, IPI and TIME as SSIP/STIP (seen through
 * retentive hart_suspend), RFENCE, the legacy console calls, and hostile arguments (each an
 * SBI error, never a host fault or hang). */
#include <criterion/criterion.h>
#include <libfdt.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hv/hv.h"
#include "hv/para.h"
#include "hv/snapshot.h"
#include "para_fixture.h"

#define RAM 0x80000000ull
#define MEM (8ull << 20)
#define KERNEL (RAM + 0x200000)
#define CODE (RAM + 0x8000)     /* hart 0's scratch code */
#define CODE1 (RAM + 0x9000)    /* hart 1's code after hart_start */
#define DATA (RAM + 0xa000)

#define ECALL 0x00000073u
#define JSELF 0x0000006fu
#define ITYPE(imm, rs1, f3, rd, op) \
    ((((uint32_t)(imm) & 0xfff) << 20) | ((rs1) << 15) | ((f3) << 12) | ((rd) << 7) | (op))
#define ADDI(rd, rs1, imm) ITYPE(imm, rs1, 0, rd, 0x13)
#define SD(rs2, rs1, imm) \
    (((((uint32_t)(imm) >> 5) & 0x7f) << 25) | ((rs2) << 20) | ((rs1) << 15) | (3 << 12) | \
     (((uint32_t)(imm) & 0x1f) << 7) | 0x23)
#define LUI(rd, imm20) ((((uint32_t)(imm20)) << 12) | ((rd) << 7) | 0x37)
#define AUIPC(rd, imm20) ((((uint32_t)(imm20)) << 12) | ((rd) << 7) | 0x17)
enum { A0 = 10, A1 = 11, A2 = 12, A3 = 13, A6 = 16, A7 = 17, T0 = 5 };

#define EID_LEGACY_PUTCHAR 0x01u
#define EID_LEGACY_GETCHAR 0x02u
#define EID_LEGACY_SHUTDOWN 0x08u

static char out[4096];
static size_t out_len;
static char image_path[64], initrd_path[64];
static hv_vcpu *vcpu1;

static void on_output(void *opaque, const uint8_t *data, size_t len)
{
    (void)opaque;
    if (out_len + len > sizeof(out))
        len = sizeof(out) - out_len;
    memcpy(out + out_len, data, len);
    out_len += len;
}

static void write_file(char *path, const char *tmpl, const void *data, size_t len)
{
    strcpy(path, tmpl);
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
}

/* A minimal RISC-V kernel Image: the 64-byte header (a jump over it, text_offset 2 MiB,
 * image_size with 64 KiB of "BSS", magic) and `j .`. */
static void make_image(void)
{
    uint8_t img[128] = { 0 };
    uint32_t j_over = 0x0400006fu;              /* j +64 */
    memcpy(img, &j_over, 4);
    uint64_t text_offset = 0x200000, image_size = 0x10000;
    memcpy(img + 0x08, &text_offset, 8);
    memcpy(img + 0x10, &image_size, 8);
    memcpy(img + 0x30, "RISCV\0\0\0", 8);
    memcpy(img + 0x38, "RSC\x05", 4);
    uint32_t jself = JSELF;
    memcpy(img + 0x40, &jself, 4);
    write_file(image_path, "/tmp/hv-para-image-XXXXXX", img, sizeof img);
    write_file(initrd_path, "/tmp/hv-para-initrd-XXXXXX", "INITRD-CONTENTS!", 16);
}

static void boot_linux_as(unsigned nr_vcpus, const char *cmdline, enum hv_kernel_boot kb)
{
    make_image();
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = HV_BACKEND_PARA;
    cfg.mem_size = MEM;
    cfg.nr_vcpus = nr_vcpus;
    cfg.kernel = image_path;
    cfg.initrd = initrd_path;
    cfg.cmdline = cmdline;
    cfg.kernel_boot = kb;
    cfg.serial.type = HV_CHARDEV_BUFFER;
    cfg.serial.on_output = on_output;
    char err[512];
    out_len = 0;
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), 0, "hv_vm_create: %s", err);
    cr_assert_eq(hv_vcpu_create(vm, 0, &vcpu), 0);
    if (nr_vcpus > 1)
        cr_assert_eq(hv_vcpu_create(vm, 1, &vcpu1), 0);
}

static void boot_linux(unsigned nr_vcpus, const char *cmdline)
{
    boot_linux_as(nr_vcpus, cmdline, HV_KERNEL_BOOT_AUTO);
}

static void fini(void)
{
    hv_vm_destroy(vm);
    vm = NULL;
    if (image_path[0])
        unlink(image_path);
    if (initrd_path[0])
        unlink(initrd_path);
}

struct sbiret { int64_t error; uint64_t value; struct hv_exit exit; };

/* One `ecall` at CODE on hart 0 with a7/a6/a0..a3 set; stop right after it. */
static struct sbiret hcall(uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2,
                           uint64_t a3)
{
    const uint32_t code[] = { ECALL, JSELF };
    cr_assert_eq(hv_vm_mem_write(vm, CODE, code, sizeof code), 0);
    setreg(HV_REG_PC, CODE);
    setreg(A7, eid);
    setreg(A6, fid);
    setreg(A0, a0);
    setreg(A1, a1);
    setreg(A2, a2);
    setreg(A3, a3);
    struct sbiret r;
    memset(&r, 0, sizeof r);
    cr_assert_eq(hv_vcpu_run(vcpu, 1, &r.exit), 0);
    r.error = (int64_t)reg(A0);
    r.value = reg(A1);
    return r;
}

#define HSM(fid, a0, a1, a2) hcall(HVP_EID_HSM, fid, a0, a1, a2, 0)

TestSuite(para_sbi, .fini = fini);

/* ---- the boot protocol ---------------------------------------------------------------------- */

Test(para_sbi, linux_boot_state_and_device_tree)
{
    boot_linux(2, NULL);
    cr_assert_eq(reg(HV_REG_PC), KERNEL);
    cr_assert_eq(reg(A0), 0);
    uint64_t fdt_gpa = reg(A1);
    cr_assert_gt(fdt_gpa, KERNEL + 0x10000, "the tree lies above the kernel's BSS");
    cr_assert_lt(fdt_gpa, RAM + MEM - HVP_RESERVED_SIZE);
    cr_assert_eq(fdt_gpa & 7, 0);
    const void *fdt = gptr(fdt_gpa, sizeof(struct fdt_header));
    cr_assert_eq(fdt_check_header(fdt), 0);
    fdt = gptr(fdt_gpa, fdt_totalsize(fdt));
    cr_assert_leq(fdt_gpa + fdt_totalsize(fdt), RAM + MEM - HVP_RESERVED_SIZE);

    int chosen = fdt_path_offset(fdt, "/chosen");
    cr_assert_geq(chosen, 0);
    cr_assert_str_eq(fdt_getprop(fdt, chosen, "bootargs", NULL), "console=hvc0 earlycon=sbi");
    const fdt64_t *is = fdt_getprop(fdt, chosen, "linux,initrd-start", NULL);
    const fdt64_t *ie = fdt_getprop(fdt, chosen, "linux,initrd-end", NULL);
    cr_assert(is && ie);
    fdt64_t is_be, ie_be;                   /* 4-byte aligned in the tree: copy them out */
    memcpy(&is_be, is, 8);
    memcpy(&ie_be, ie, 8);
    uint64_t istart = fdt64_to_cpu(is_be), iend = fdt64_to_cpu(ie_be);
    cr_assert_eq(iend - istart, 16);
    cr_assert_geq(istart, KERNEL + 0x10000);
    cr_assert_leq(iend, fdt_gpa);
    cr_assert_eq(memcmp(gptr(istart, 16), "INITRD-CONTENTS!", 16), 0);

    int cpu1 = fdt_path_offset(fdt, "/cpus/cpu@1");
    cr_assert_geq(cpu1, 0);
    cr_assert_lt(fdt_path_offset(fdt, "/cpus/cpu@2"), 0);
    const char *isa = fdt_getprop(fdt, cpu1, "riscv,isa", NULL);
    cr_assert(isa && !strncmp(isa, "rv64imafdc", 10), "%s", isa ? isa : "(none)");
    cr_assert(strstr(isa, "_sstc"), "para offers Sstc: %s", isa);
    cr_assert_str_eq(fdt_getprop(fdt, cpu1, "mmu-type", NULL), "riscv,sv48");
    int intc0 = fdt_path_offset(fdt, "/cpus/cpu@0/interrupt-controller");
    cr_assert_geq(intc0, 0);
    cr_assert_str_eq(fdt_getprop(fdt, intc0, "compatible", NULL), "riscv,cpu-intc");

    int hyp = fdt_node_offset_by_compatible(fdt, -1, "libhv,para-evtchn");
    cr_assert_geq(hyp, 0);
    int len = 0;
    const fdt32_t *ie_cells = fdt_getprop(fdt, hyp, "interrupts-extended", &len);
    cr_assert_eq(len, 2 * 2 * 4, "one <phandle 9> per hart");
    cr_assert_eq(fdt32_to_cpu(ie_cells[0]), fdt_get_phandle(fdt, intc0), "hart 0's first");
    cr_assert_eq(fdt32_to_cpu(ie_cells[1]), 9);

    int mem = fdt_path_offset(fdt, "/memory@80000000");
    const fdt32_t *r = fdt_getprop(fdt, mem, "reg", &len);
    cr_assert_eq(len, 16);
    cr_assert_eq(fdt32_to_cpu(r[3]), (uint32_t)MEM);
    int res = fdt_subnode_offset(fdt, fdt_path_offset(fdt, "/reserved-memory"), "hypervisor@807fc000");
    cr_assert_geq(res, 0);
    cr_assert_null(fdt_getprop(fdt, res, "no-map", NULL));

    /* Hart 0 runs, hart 1 waits for hart_start. */
    cr_assert_eq(HSM(HVP_HSM_HART_STATUS, 0, 0, 0).value, 0);
    struct sbiret s = HSM(HVP_HSM_HART_STATUS, 1, 0, 0);
    cr_assert_eq(s.error, 0);
    cr_assert_eq(s.value, 1 /* STOPPED */);
    struct hvp_start_info si;
    cr_assert_eq(hv_vm_mem_read(vm, RAM + MEM - HVP_RESERVED_SIZE, &si, sizeof si), 0);
    cr_assert_eq(si.kernel_start, KERNEL);
    cr_assert_eq(si.kernel_end, KERNEL + 0x10000);
}

Test(para_sbi, cmdline_reaches_bootargs_and_no_room_is_an_error)
{
    boot_linux(1, "console=hvc0 root=/dev/vda");
    const void *fdt = gptr(reg(A1), 64);
    fdt = gptr(reg(A1), fdt_totalsize(fdt));
    cr_assert_str_eq(fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"), "bootargs", NULL),
                     "console=hvc0 root=/dev/vda");
    hv_vm_destroy(vm);
    vm = NULL;
    /* An Image whose BSS runs into the reserved area is refused. */
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = HV_BACKEND_PARA;
    cfg.mem_size = 0x200000 + 0x8000;
    cfg.kernel = image_path;
    char err[256] = "";
    cr_assert_lt(hv_vm_create(&cfg, &vm, err, sizeof err), 0);
    cr_assert(strstr(err, "more memory"), "%s", err);
    vm = NULL;
}

Test(para_sbi, kernel_boot_entry_and_linux_override_the_magic)
{
    /* entry: the Image is an ABI 1.x raw image at the RAM base, every hart started. */
    boot_linux_as(2, NULL, HV_KERNEL_BOOT_ENTRY);
    cr_assert_eq(reg(HV_REG_PC), RAM);
    cr_assert_eq(reg(A1), RAM + MEM - HVP_RESERVED_SIZE, "a1 = start-info");
    cr_assert_eq(HSM(HVP_HSM_HART_STATUS, 1, 0, 0).value, 0);
    hv_vm_destroy(vm);
    vm = NULL;
    /* linux for a raw image without the magic: at RAM + 2 MiB with a device tree. */
    strcpy(image_path, "/tmp/hv-para-raw-XXXXXX");
    int fd = mkstemp(image_path);
    cr_assert_geq(fd, 0);
    uint32_t code[2] = { JSELF, JSELF };
    cr_assert_eq(write(fd, code, sizeof code), (ssize_t)sizeof code);
    close(fd);
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = HV_BACKEND_PARA;
    cfg.mem_size = MEM;
    cfg.nr_vcpus = 2;
    cfg.kernel = image_path;
    cfg.kernel_boot = HV_KERNEL_BOOT_LINUX;
    char err[256];
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), 0, "%s", err);
    cr_assert_eq(hv_vcpu_create(vm, 0, &vcpu), 0);
    cr_assert_eq(hv_vcpu_create(vm, 1, &vcpu1), 0);
    cr_assert_eq(reg(HV_REG_PC), KERNEL);
    cr_assert_eq(fdt_check_header(gptr(reg(A1), sizeof(struct fdt_header))), 0);
    cr_assert_eq(HSM(HVP_HSM_HART_STATUS, 1, 0, 0).value, 1);
}

Test(para_sbi, kernel_boot_linux_for_an_s_mode_elf)
{
    const char *elf = HV_BUILD_DIR "/guest/examples/hello-para.elf";
    if (access(elf, R_OK) != 0)
        cr_skip_test("%s not built", elf);
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = HV_BACKEND_PARA;
    cfg.mem_size = MEM;
    cfg.nr_vcpus = 2;
    cfg.kernel = elf;
    cfg.kernel_boot = HV_KERNEL_BOOT_LINUX;
    char err[256];
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), 0, "%s", err);
    cr_assert_eq(hv_vcpu_create(vm, 0, &vcpu), 0);
    cr_assert_eq(hv_vcpu_create(vm, 1, &vcpu1), 0);
    uint64_t pc = reg(HV_REG_PC);
    cr_assert_geq(pc, RAM);
    cr_assert_lt(pc, RAM + MEM);
    cr_assert_eq(reg(A0), 0);
    cr_assert_eq(fdt_check_header(gptr(reg(A1), sizeof(struct fdt_header))), 0);
    cr_assert_eq(HSM(HVP_HSM_HART_STATUS, 1, 0, 0).value, 1);
}

/* ---- HSM ------------------------------------------------------------------------------------- */

struct runner {
    hv_vcpu *v;
    struct hv_exit exit;
    int rc;
};

static void *run_thread(void *arg)
{
    struct runner *r = arg;
    r->rc = hv_vcpu_run(r->v, 0, &r->exit);
    return NULL;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

Test(para_sbi, hsm_start_runs_a_stopped_hart_and_stop_parks_it)
{
    boot_linux(2, NULL);
    /* Hart 1's code: store a0 and a1 at DATA, then stop. */
    const uint32_t code1[] = {
        AUIPC(T0, (uint32_t)((DATA - CODE1) >> 12)),
        SD(A0, T0, 0), SD(A1, T0, 8),
        LUI(A7, HVP_EID_HSM >> 12), ADDI(A7, A7, HVP_EID_HSM & 0xfff),
        ADDI(A6, 0, HVP_HSM_HART_STOP), ECALL, JSELF,
    };
    cr_assert_eq(hv_vm_mem_write(vm, CODE1, code1, sizeof code1), 0);
    struct runner r1 = { .v = vcpu1 };
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, run_thread, &r1), 0);
    sleep_ms(30);
    struct hv_stats st;
    cr_assert_eq(hv_vcpu_get_stats(vcpu1, &st), 0);
    cr_assert_eq(st.instructions, 0, "a stopped hart executes nothing");
    cr_assert_eq(HSM(HVP_HSM_HART_STATUS, 1, 0, 0).value, 1);

    struct sbiret s = HSM(HVP_HSM_HART_START, 1, CODE1, 0x1234);
    cr_assert_eq(s.error, 0);
    /* It runs, stores, stops itself: STOPPED again, its thread still inside hv_vcpu_run. */
    uint64_t got[2] = { 0, 0 };
    for (unsigned i = 0; i < 500 && got[1] != 0x1234; i++) {
        sleep_ms(2);
        cr_assert_eq(hv_vm_mem_read(vm, DATA, got, sizeof got), 0);
    }
    cr_assert_eq(got[0], 1, "a0 = hartid");
    cr_assert_eq(got[1], 0x1234, "a1 = opaque");
    for (unsigned i = 0; i < 500 && HSM(HVP_HSM_HART_STATUS, 1, 0, 0).value != 1; i++)
        sleep_ms(2);
    cr_assert_eq(HSM(HVP_HSM_HART_STATUS, 1, 0, 0).value, 1);
    /* A second start works the same way. */
    cr_assert_eq(hv_vm_mem_write(vm, DATA, (uint64_t[2]){ 0, 0 }, 16), 0);
    cr_assert_eq(HSM(HVP_HSM_HART_START, 1, CODE1, 0x5678).error, 0);
    for (unsigned i = 0; i < 500 && got[1] != 0x5678; i++) {
        sleep_ms(2);
        cr_assert_eq(hv_vm_mem_read(vm, DATA, got, sizeof got), 0);
    }
    cr_assert_eq(got[1], 0x5678);

    /* A kick gets the parked hart's thread out of hv_vcpu_run. */
    sleep_ms(10);
    cr_assert_eq(hv_vcpu_kick(vcpu1), 0);
    pthread_join(t, NULL);
    cr_assert_eq(r1.rc, 0);
    cr_assert_eq(r1.exit.reason, HV_EXIT_KICK);
}

Test(para_sbi, hsm_hostile_arguments)
{
    boot_linux(2, NULL);
    /* Not a hart of this VM. */
    const uint64_t bad_harts[] = { 2, 7, 8, 64, ~0ull, 1ull << 32 };
    for (unsigned i = 0; i < sizeof bad_harts / sizeof bad_harts[0]; i++) {
        cr_assert_eq(HSM(HVP_HSM_HART_START, bad_harts[i], KERNEL, 0).error,
                     HVP_SBI_ERR_INVALID_PARAM);
        cr_assert_eq(HSM(HVP_HSM_HART_STATUS, bad_harts[i], 0, 0).error,
                     HVP_SBI_ERR_INVALID_PARAM);
    }
    /* Start addresses outside RAM, misaligned, wrapping. */
    const uint64_t bad_pc[] = { 0, 0x1000, RAM + MEM, KERNEL + 1, ~0ull, ~0ull - 1, RAM - 2 };
    for (unsigned i = 0; i < sizeof bad_pc / sizeof bad_pc[0]; i++)
        cr_assert_eq(HSM(HVP_HSM_HART_START, 1, bad_pc[i], 0).error,
                     HVP_SBI_ERR_INVALID_ADDRESS, "pc %#llx", (unsigned long long)bad_pc[i]);
    cr_assert_eq(HSM(HVP_HSM_HART_STATUS, 1, 0, 0).value, 1, "still stopped");
    /* A running hart (the caller itself). */
    cr_assert_eq(HSM(HVP_HSM_HART_START, 0, KERNEL, 0).error, HVP_SBI_ERR_ALREADY_AVAILABLE);
    /* Started once: a second start before it ran is refused too. */
    cr_assert_eq(HSM(HVP_HSM_HART_START, 1, KERNEL, 0).error, 0);
    cr_assert_eq(HSM(HVP_HSM_HART_STATUS, 1, 0, 0).value, 2 /* START_PENDING */);
    cr_assert_eq(HSM(HVP_HSM_HART_START, 1, KERNEL, 0).error, HVP_SBI_ERR_ALREADY_AVAILABLE);
    /* Suspend types: reserved, platform-specific, non-retentive. */
    cr_assert_eq(HSM(HVP_HSM_HART_SUSPEND, 1, 0, 0).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(HSM(HVP_HSM_HART_SUSPEND, 0x0fffffff, 0, 0).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(HSM(HVP_HSM_HART_SUSPEND, 1ull << 32, 0, 0).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(HSM(HVP_HSM_HART_SUSPEND, 0x10000000, 0, 0).error, HVP_SBI_ERR_NOT_SUPPORTED);
    cr_assert_eq(HSM(HVP_HSM_HART_SUSPEND, 0x80000000, KERNEL, 0).error,
                 HVP_SBI_ERR_NOT_SUPPORTED);
    cr_assert_eq(HSM(9, 0, 0, 0).error, HVP_SBI_ERR_NOT_SUPPORTED);
    /* hart_stop and hart_suspend are refused inside a multicall. */
    struct hvp_multicall mc[2];
    memset(mc, 0, sizeof mc);
    mc[0].eid = HVP_EID_HSM;
    mc[0].fid = HVP_HSM_HART_STOP;
    mc[1].eid = HVP_EID_HSM;
    mc[1].fid = HVP_HSM_HART_STATUS;
    mc[1].args[0] = 1;
    cr_assert_eq(hv_vm_mem_write(vm, DATA, mc, sizeof mc), 0);
    cr_assert_eq(hcall(HVP_EID_PARA, HVP_FID_MULTICALL, DATA, 2, 0, 0).error, 0);
    cr_assert_eq(hv_vm_mem_read(vm, DATA, mc, sizeof mc), 0);
    cr_assert_eq(mc[0].error, HVP_SBI_ERR_DENIED);
    cr_assert_eq(mc[1].error, 0);
    cr_assert_eq(mc[1].value, 2);
}

/* The HSM state and a pending start travel in the snapshot: restored, the started hart
 * runs from where hart_start said. */
Test(para_sbi, hsm_state_in_snapshots)
{
    boot_linux(2, NULL);
    const uint32_t code1[] = {
        AUIPC(T0, (uint32_t)((DATA - CODE1) >> 12)), SD(A1, T0, 0), JSELF,
    };
    cr_assert_eq(hv_vm_mem_write(vm, CODE1, code1, sizeof code1), 0);
    FILE *stopped = tmpfile(), *pending = tmpfile();
    cr_assert(stopped && pending);
    cr_assert_eq(hv_vm_snapshot_save(vm, fileno(stopped)), 0);
    cr_assert_eq(HSM(HVP_HSM_HART_START, 1, CODE1, 0xabc).error, 0);
    cr_assert_eq(hv_vm_snapshot_save(vm, fileno(pending)), 0);
    /* Back to "stopped": a start is possible again, and the status says so. */
    cr_assert_eq(lseek(fileno(stopped), 0, SEEK_SET), 0);
    cr_assert_eq(hv_vm_snapshot_load(vm, fileno(stopped)), 0);
    cr_assert_eq(HSM(HVP_HSM_HART_STATUS, 1, 0, 0).value, 1);
    /* Forward to "start pending": hart 1 runs the saved start with the saved opaque. */
    cr_assert_eq(lseek(fileno(pending), 0, SEEK_SET), 0);
    cr_assert_eq(hv_vm_snapshot_load(vm, fileno(pending)), 0);
    cr_assert_eq(HSM(HVP_HSM_HART_STATUS, 1, 0, 0).value, 2);
    struct hv_exit e;
    cr_assert_eq(hv_vcpu_run(vcpu1, 3, &e), 0);
    cr_assert_eq(e.reason, HV_EXIT_BUDGET);
    uint64_t got = 0;
    cr_assert_eq(hv_vm_mem_read(vm, DATA, &got, 8), 0);
    cr_assert_eq(got, 0xabc);
    cr_assert_eq(HSM(HVP_HSM_HART_STATUS, 1, 0, 0).value, 0);
    fclose(stopped);
    fclose(pending);
}

Test(para_sbi, sdk_guests_start_every_hart)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = HV_BACKEND_PARA;
    cfg.mem_size = MEM;
    cfg.nr_vcpus = 2;
    char err[256];
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), 0, "%s", err);
    cr_assert_eq(hv_vcpu_create(vm, 0, &vcpu), 0);
    cr_assert_eq(hv_vcpu_create(vm, 1, &vcpu1), 0);
    cr_assert_eq(HSM(HVP_HSM_HART_STATUS, 1, 0, 0).value, 0);
    cr_assert_eq(HSM(HVP_HSM_HART_START, 1, RAM, 0).error, HVP_SBI_ERR_ALREADY_AVAILABLE);
    uint64_t a1 = 0;
    cr_assert_eq(hv_vcpu_get_reg(vcpu1, A1, &a1), 0);
    cr_assert_eq(a1, RAM + MEM - HVP_RESERVED_SIZE, "a1 = start-info, as in ABI 1.x");
}

/* ---- IPI, TIME, suspend -------------------------------------------------------------------- */

Test(para_sbi, ipi_and_timer_wake_a_retentive_suspend)
{
    boot_linux(2, NULL);
    setreg(HV_REG_CSR_BASE + 0x104, (1u << 1) | (1u << 5));     /* sie: SSIE, STIE */
    /* Nothing pending yet: a suspend sleeps until the timer (1 ms of VM time) fires. */
    uint64_t now = 0;
    cr_assert_eq(hv_vcpu_get_reg(vcpu, HV_REG_CSR_BASE + 0xc01, &now), 0);
    uint64_t deadline = now + 10000;
    cr_assert_eq(hcall(HVP_EID_TIME, 0, deadline, 0, 0, 0).error, 0);
    struct sbiret s = HSM(HVP_HSM_HART_SUSPEND, 0, 0, 0);
    cr_assert_eq(s.error, 0);
    cr_assert_eq(s.exit.reason, HV_EXIT_BUDGET);
    cr_assert_eq(hv_vcpu_get_reg(vcpu, HV_REG_CSR_BASE + 0xc01, &now), 0);
    cr_assert_geq(now, deadline, "woken by the timer, not before");
    /* STIP stays up until the next set_timer: a second suspend returns at once. */
    cr_assert_eq(HSM(HVP_HSM_HART_SUSPEND, 0, 0, 0).error, 0);
    cr_assert_eq(hcall(HVP_EID_TIME, 0, ~0ull, 0, 0, 0).error, 0);     /* lowers STIP */
    /* An IPI to itself (hart mask 1 at base 0) makes SSIP pending: no sleep either. */
    cr_assert_eq(hcall(HVP_EID_IPI, 0, 1, 0, 0, 0).error, 0);
    cr_assert_eq(HSM(HVP_HSM_HART_SUSPEND, 0, 0, 0).error, 0);
    cr_assert_eq(hcall(HVP_EID_IPI, 0, 0, ~0ull, 0, 0).error, 0);   /* base -1: all harts */
    cr_assert_eq(hcall(HVP_EID_IPI, 0, 0, 0, 0, 0).error, 0);       /* empty mask */
}

Test(para_sbi, suspend_with_nothing_to_wake_it_halts)
{
    boot_linux(1, NULL);
    setreg(HV_REG_CSR_BASE + 0x104, (1u << 1) | (1u << 5));     /* sie: SSIE, STIE */
    struct sbiret s = HSM(HVP_HSM_HART_SUSPEND, 0, 0, 0);
    cr_assert_eq(s.exit.reason, HV_EXIT_HALT);
    cr_assert_eq(s.error, 0);
    cr_assert_eq(s.exit.pc, CODE + 4, "resuming continues after the ecall");
}

Test(para_sbi, ipi_and_rfence_hostile_masks)
{
    boot_linux(2, NULL);
    const uint64_t masks[][2] = {
        { 4, 0 }, { 1ull << 63, 0 }, { ~0ull, 0 }, { 1, 2 }, { 1, 64 }, { 1, ~0ull - 1 },
        { 2, 1 }, { 1, 1ull << 40 },
    };
    for (unsigned i = 0; i < sizeof masks / sizeof masks[0]; i++) {
        cr_assert_eq(hcall(HVP_EID_IPI, 0, masks[i][0], masks[i][1], 0, 0).error,
                     HVP_SBI_ERR_INVALID_PARAM, "mask %#llx base %#llx",
                     (unsigned long long)masks[i][0], (unsigned long long)masks[i][1]);
        for (unsigned f = 0; f < 3; f++)
            cr_assert_eq(hcall(HVP_EID_RFENCE, f, masks[i][0], masks[i][1], 0, ~0ull).error,
                         HVP_SBI_ERR_INVALID_PARAM);
    }
    /* Valid masks, huge and wrapping ranges: one flush each, at once. */
    cr_assert_eq(hcall(HVP_EID_RFENCE, 0, 3, 0, 0, 0).error, 0);
    cr_assert_eq(hcall(HVP_EID_RFENCE, 1, 1, 1, 0, ~0ull).error, 0);
    cr_assert_eq(hcall(HVP_EID_RFENCE, 1, 0, ~0ull, ~0ull - 5, ~0ull).error, 0);
    cr_assert_eq(hcall(HVP_EID_RFENCE, 2, 3, 0, RAM, 1ull << 62).error, 0);
    cr_assert_eq(hcall(HVP_EID_RFENCE, 3, 3, 0, 0, 0).error, HVP_SBI_ERR_NOT_SUPPORTED);
    struct hv_exit e;
    cr_assert_eq(hv_vcpu_run(vcpu, 20, &e), 0);
    cr_assert_eq(e.reason, HV_EXIT_BUDGET);
}

Test(para_sbi, rfence_waits_for_a_running_target_only)
{
    boot_linux(2, NULL);
    const uint32_t loop[] = { JSELF };
    cr_assert_eq(hv_vm_mem_write(vm, CODE1, loop, sizeof loop), 0);
    struct runner r1 = { .v = vcpu1 };
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, run_thread, &r1), 0);
    /* Stopped (asleep inside hv_vcpu_run): it answers from its sleep. */
    sleep_ms(10);
    cr_assert_eq(hcall(HVP_EID_RFENCE, 1, 2, 0, 0, ~0ull).error, 0);
    /* Running a loop: it answers at its next poll. */
    cr_assert_eq(HSM(HVP_HSM_HART_START, 1, CODE1, 0).error, 0);
    sleep_ms(10);
    for (unsigned i = 0; i < 50; i++) {
        cr_assert_eq(hcall(HVP_EID_RFENCE, 0, 3, 0, 0, 0).error, 0);
        cr_assert_eq(hcall(HVP_EID_RFENCE, 2, 2, 0, RAM, 1ull << 40).error, 0);
    }
    struct hv_stats st;
    cr_assert_eq(hv_vcpu_kick(vcpu1), 0);
    pthread_join(t, NULL);
    cr_assert_eq(r1.exit.reason, HV_EXIT_KICK);
    cr_assert_eq(hv_vcpu_get_stats(vcpu1, &st), 0);
    cr_assert_gt(st.instructions, 0, "it ran between the fences");
    /* Outside hv_vcpu_run: nothing to wait for (it polls before it runs again). */
    cr_assert_eq(hcall(HVP_EID_RFENCE, 0, 2, 0, 0, 0).error, 0);
}

/* ---- BASE and legacy ---------------------------------------------------------------------- */

Test(para_sbi, probe_and_legacy_console)
{
    boot_linux(1, NULL);
    const uint64_t have[] = { HVP_EID_BASE, HVP_EID_TIME, HVP_EID_IPI, HVP_EID_RFENCE,
                              HVP_EID_HSM, HVP_EID_SRST, HVP_EID_DBCN, HVP_EID_PARA,
                              0x00, EID_LEGACY_PUTCHAR, EID_LEGACY_GETCHAR,
                              EID_LEGACY_SHUTDOWN };
    for (unsigned i = 0; i < sizeof have / sizeof have[0]; i++)
        cr_assert_eq(hcall(HVP_EID_BASE, HVP_BASE_PROBE_EXTENSION, have[i], 0, 0, 0).value, 1,
                     "EID %#llx", (unsigned long long)have[i]);
    cr_assert_eq(hcall(HVP_EID_BASE, HVP_BASE_GET_SPEC_VERSION, 0, 0, 0, 0).value, 2u << 24);

    /* v0.1 calls answer in a0 only; a6 is not looked at. */
    struct sbiret r = hcall(EID_LEGACY_PUTCHAR, 77, 'L', 0x5555, 0, 0);
    cr_assert_eq(r.error, 0);
    cr_assert_eq(r.value, 0x5555, "a1 unchanged");
    r = hcall(EID_LEGACY_PUTCHAR, 0, 0x100 + 'x', 0, 0, 0);
    cr_assert_eq(out_len, 2);
    cr_assert_eq(memcmp(out, "Lx", 2), 0);
    r = hcall(EID_LEGACY_GETCHAR, 0, 0, 0x77, 0, 0);
    cr_assert_eq(r.error, -1, "no input");
    cr_assert_eq(r.value, 0x77);
    cr_assert_eq(hv_vm_console_input(vm, "q", 1), 0);
    cr_assert_eq(hcall(EID_LEGACY_GETCHAR, 0, 0, 0, 0, 0).error, 'q');
    cr_assert_eq(hcall(0x00, 0, ~0ull, 0, 0, 0).error, 0);     /* legacy set_timer */
    r = hcall(EID_LEGACY_SHUTDOWN, 0, 0, 0, 0, 0);
    cr_assert_eq(r.exit.reason, HV_EXIT_SHUTDOWN);
    cr_assert_eq(r.exit.u.shutdown.code, 0);
}
