/* SPDX-License-Identifier: MIT */
/* Unit tests for the para backend: hypercalls driven from hand-encoded RV64 code (mostly a
 * single `ecall` with registers set through the API), event upcalls and EVENT_RETURN, faults
 * and the fault entry, timers and SCHED_OP, multicall, the console ring, embedder-handled
 * hypercalls, and hostile arguments (every one must give an SBI error or a guest fault). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include "hv/hv.h"
#include "hv/para.h"
#include "para_fixture.h"

#define RAM 0x80000000ull
#define MEM (1ull << 20)
#define RESERVED (RAM + MEM - HVP_RESERVED_SIZE)
#define START_GPA (RESERVED + HVP_START_INFO_OFFSET)
#define SHARED_GPA (RESERVED + HVP_SHARED_INFO_OFFSET)
#define CONSOLE_GPA (RESERVED + HVP_CONSOLE_RING_OFFSET)
#define DATA (RAM + 0x8000)      /* scratch buffers for tests */

/* ---- RV64 encodings ---------------------------------------------------------------------- */
#define ECALL 0x00000073u
#define EBREAK 0x00100073u
#define JSELF 0x0000006fu        /* j . */
#define MRET 0x30200073u
#define SRET 0x10200073u
#define WFI 0x10500073u
#define SFENCE 0x12000073u
#define ITYPE(imm, rs1, f3, rd, op) \
    ((((uint32_t)(imm) & 0xfff) << 20) | ((rs1) << 15) | ((f3) << 12) | ((rd) << 7) | (op))
#define ADDI(rd, rs1, imm) ITYPE(imm, rs1, 0, rd, 0x13)
#define LD(rd, rs1, imm) ITYPE(imm, rs1, 3, rd, 0x03)
#define CSRRS(rd, csr, rs1) ITYPE(csr, rs1, 2, rd, 0x73)
#define CSRRW(rd, csr, rs1) ITYPE(csr, rs1, 1, rd, 0x73)
#define SD(rs2, rs1, imm) \
    (((((uint32_t)(imm) >> 5) & 0x7f) << 25) | ((rs2) << 20) | ((rs1) << 15) | (3 << 12) | \
     (((uint32_t)(imm) & 0x1f) << 7) | 0x23)
#define SB(rs2, rs1, imm) \
    (((((uint32_t)(imm) >> 5) & 0x7f) << 25) | ((rs2) << 20) | ((rs1) << 15) | (0 << 12) | \
     (((uint32_t)(imm) & 0x1f) << 7) | 0x23)
#define LUI(rd, imm20) ((((uint32_t)(imm20)) << 12) | ((rd) << 7) | 0x37)
#define JALR(rd, rs1, imm) ITYPE(imm, rs1, 0, rd, 0x67)
enum { A0 = 10, A1 = 11, A2 = 12, A3 = 13, A4 = 14, A6 = 16, A7 = 17, S0 = 8, S1 = 9, T0 = 5, T3 = 28 };

/* ---- harness ----------------------------------------------------------------------------- */
static char out[8192];
static size_t out_len;

static void on_output(void *opaque, const uint8_t *data, size_t len)
{
    (void)opaque;
    if (out_len + len > sizeof(out))
        len = sizeof(out) - out_len;
    memcpy(out + out_len, data, len);
    out_len += len;
}


static void boot_cfg(struct hv_config *cfg)
{
    char err[512];
    out_len = 0;
    int rc = hv_vm_create(cfg, &vm, err, sizeof err);
    cr_assert_eq(rc, 0, "hv_vm_create: %s", err);
    cr_assert_eq(hv_vcpu_create(vm, 0, &vcpu), 0);
}

static void init_cfg(struct hv_config *cfg)
{
    hv_config_init(cfg);
    cfg->backend = HV_BACKEND_PARA;
    cfg->mem_size = MEM;
    cfg->serial.type = HV_CHARDEV_BUFFER;
    cfg->serial.on_output = on_output;
}

static void boot(void)
{
    struct hv_config cfg;
    init_cfg(&cfg);
    boot_cfg(&cfg);
}

static void fini(void)
{
    hv_vm_destroy(vm);
    vm = NULL;
}

static void put(uint64_t gpa, const uint32_t *w, size_t n)
{
    cr_assert_eq(hv_vm_mem_write(vm, gpa, w, n * 4), 0);
}

static struct hv_exit run(uint64_t budget)
{
    struct hv_exit e;
    memset(&e, 0, sizeof e);
    cr_assert_eq(hv_vcpu_run(vcpu, budget, &e), 0);
    return e;
}

struct sbiret { int64_t error; uint64_t value; struct hv_exit exit; };

/* Execute one `ecall` at RAM base with a7/a6/a0..a5 set; stop right after it. */
static struct sbiret hcall(uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2,
                           uint64_t a3)
{
    const uint32_t code[] = { ECALL, JSELF };
    put(RAM, code, 2);
    setreg(HV_REG_PC, RAM);
    setreg(A7, eid);
    setreg(A6, fid);
    setreg(A0, a0);
    setreg(A1, a1);
    setreg(A2, a2);
    setreg(13, a3);
    struct sbiret r;
    r.exit = run(1);
    r.error = (int64_t)reg(A0);
    r.value = reg(A1);
    return r;
}

#define PV(fid, a0, a1, a2, a3) hcall(HVP_EID_PARA, fid, a0, a1, a2, a3)
#define EVT(op, a, b) PV(HVP_FID_EVTCHN_OP, op, a, b, 0)

static struct hvp_shared_info *shared(void)
{
    struct hvp_shared_info *sh = hv_vm_mem_ptr(vm, SHARED_GPA, HVP_SHARED_INFO_SIZE);
    cr_assert_not_null(sh);
    return sh;
}

/* li a7, HVP_EID_PARA; li a6, fid; ecall (5 instructions). */
static void emit_pv_call(uint32_t *w, unsigned fid)
{
    w[0] = LUI(A7, HVP_EID_PARA >> 12);
    w[1] = ADDI(A7, A7, HVP_EID_PARA & 0xfff);
    w[2] = ADDI(A6, 0, fid);
    w[3] = ECALL;
}

TestSuite(para, .fini = fini);

/* ---- boot state -------------------------------------------------------------------------- */

Test(para, boot_state_and_start_info)
{
    struct hv_config cfg;
    init_cfg(&cfg);
    cfg.cmdline = "console=hvc0 quiet";
    boot_cfg(&cfg);
    cr_assert_eq(reg(HV_REG_PC), RAM);
    cr_assert_eq(reg(A0), 0);
    cr_assert_eq(reg(A1), START_GPA);
    /* ABI 1.2: a para vCPU boots in the virtual S-mode, the kernel of its VM (it used to be
     * reported as U, when no privilege levels existed on para). */
    cr_assert_eq(reg(HV_REG_PRIV), 1);
    struct hvp_start_info si;
    cr_assert_eq(hv_vm_mem_read(vm, START_GPA, &si, sizeof si), 0);
    cr_assert_eq(si.magic, HVP_START_MAGIC);
    cr_assert_eq(si.abi_version, HVP_ABI_VERSION);
    cr_assert_eq(si.size, sizeof si);
    cr_assert_eq(si.ram_base, RAM);
    cr_assert_eq(si.ram_size, MEM);
    cr_assert_eq(si.reserved_base, RESERVED);
    cr_assert_eq(si.shared_info_gpa, SHARED_GPA);
    cr_assert_eq(si.timebase_hz, 10000000);
    cr_assert_eq(si.nr_ports, HVP_NR_PORTS);
    cr_assert_str_eq(si.cmdline, "console=hvc0 quiet");
    cr_assert_eq(si.nr_devices, 1);
    cr_assert_eq(si.devices[0].type, HVP_DEV_CONSOLE);
    cr_assert_eq(si.devices[0].ring_gpa, CONSOLE_GPA);
    cr_assert(si.devices[0].flags & HVP_DEVF_CONNECTED);
    cr_assert_eq(si.devices[0].event_port, 1);
    cr_assert_eq(shared()->magic, HVP_SHARED_MAGIC);

    /* GET_START_INFO copies the same thing, truncated to the buffer size. */
    struct sbiret r = PV(HVP_FID_GET_START_INFO, DATA, sizeof si, 0, 0);
    cr_assert_eq(r.error, 0);
    cr_assert_eq(r.value, sizeof si);
    struct hvp_start_info copy;
    cr_assert_eq(hv_vm_mem_read(vm, DATA, &copy, sizeof copy), 0);
    cr_assert_eq(memcmp(&copy, &si, sizeof si), 0);
    uint64_t marker = 0x1111111111111111ull;
    cr_assert_eq(hv_vm_mem_write(vm, DATA + 0x1000 + 8, &marker, 8), 0);
    r = PV(HVP_FID_GET_START_INFO, DATA + 0x1000, 8, 0, 0);
    cr_assert_eq(r.error, 0);
    uint64_t after = 0;
    cr_assert_eq(hv_vm_mem_read(vm, DATA + 0x1000 + 8, &after, 8), 0);
    cr_assert_eq(after, marker, "truncated copy must not write past the buffer");
}

Test(para, bios_refused_and_kernel_must_avoid_reserved_area)
{
    struct hv_config cfg;
    init_cfg(&cfg);
    cfg.bios = "/some/firmware.bin";
    char err[256] = "";
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), HV_ENOTSUP);
    cr_assert(strstr(err, "firmware"), "%s", err);
    init_cfg(&cfg);
    cfg.mem_size = 16384;
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), HV_EINVAL);
    vm = NULL;
}

/* ---- standard SBI -------------------------------------------------------------------------- */

Test(para, base_extension)
{
    boot();
    struct sbiret r = hcall(HVP_EID_BASE, HVP_BASE_GET_SPEC_VERSION, 0, 0, 0, 0);
    cr_assert_eq(r.error, 0);
    cr_assert_eq(r.value, (2u << 24));
    cr_assert_eq(hcall(HVP_EID_BASE, HVP_BASE_GET_IMPL_ID, 0, 0, 0, 0).value, HVP_SBI_IMPL_ID);
    cr_assert_eq(hcall(HVP_EID_BASE, HVP_BASE_GET_IMPL_VERSION, 0, 0, 0, 0).value, HV_VERSION);
    const uint64_t have[] = { HVP_EID_BASE, HVP_EID_TIME, HVP_EID_SRST, HVP_EID_DBCN,
                              HVP_EID_PARA, HVP_EID_IPI, HVP_EID_RFENCE, HVP_EID_HSM };
    for (unsigned i = 0; i < 8; i++)
        cr_assert_eq(hcall(HVP_EID_BASE, HVP_BASE_PROBE_EXTENSION, have[i], 0, 0, 0).value, 1);
    cr_assert_eq(hcall(HVP_EID_BASE, HVP_BASE_PROBE_EXTENSION, 0x4E41434C, 0, 0, 0).value, 0);
    cr_assert_eq(hcall(HVP_EID_BASE, HVP_BASE_PROBE_EXTENSION, 0x05, 0, 0, 0).value, 0);
    for (unsigned f = HVP_BASE_GET_MVENDORID; f <= HVP_BASE_GET_MIMPID; f++) {
        r = hcall(HVP_EID_BASE, f, 0, 0, 0, 0);
        cr_assert_eq(r.error, 0);
        cr_assert_eq(r.value, 0);
    }
    cr_assert_eq(hcall(HVP_EID_BASE, 99, 0, 0, 0, 0).error, HVP_SBI_ERR_NOT_SUPPORTED);
    cr_assert_eq(PV(77, 0, 0, 0, 0).error, HVP_SBI_ERR_NOT_SUPPORTED);
    struct hv_stats st;
    cr_assert_eq(hv_vcpu_get_stats(vcpu, &st), 0);
    cr_assert_geq(st.hypercalls, 14);
}

Test(para, dbcn_console)
{
    boot();
    cr_assert_eq(hv_vm_mem_write(vm, DATA, "hello, para\n", 12), 0);
    struct sbiret r = hcall(HVP_EID_DBCN, HVP_DBCN_CONSOLE_WRITE, 12, DATA, 0, 0);
    cr_assert_eq(r.error, 0);
    cr_assert_eq(r.value, 12);
    r = hcall(HVP_EID_DBCN, HVP_DBCN_CONSOLE_WRITE_BYTE, '!', 0, 0, 0);
    cr_assert_eq(r.error, 0);
    cr_assert_eq(out_len, 13);
    cr_assert_eq(memcmp(out, "hello, para\n!", 13), 0);
    cr_assert_eq(r.exit.reason, HV_EXIT_BUDGET);
    cr_assert_eq(r.exit.pc, RAM + 4);

    /* Input pushed by the embedder is read with console_read. */
    cr_assert_eq(hv_vm_console_input(vm, "xyz", 3), 0);
    r = hcall(HVP_EID_DBCN, HVP_DBCN_CONSOLE_READ, 16, DATA + 64, 0, 0);
    cr_assert_eq(r.error, 0);
    cr_assert_eq(r.value, 3);
    char in[3];
    cr_assert_eq(hv_vm_mem_read(vm, DATA + 64, in, 3), 0);
    cr_assert_eq(memcmp(in, "xyz", 3), 0);
    r = hcall(HVP_EID_DBCN, HVP_DBCN_CONSOLE_READ, 16, DATA + 64, 0, 0);
    cr_assert_eq(r.value, 0);
}

Test(para, srst_exit_codes)
{
    boot();
    struct sbiret r = hcall(HVP_EID_SRST, 0, HVP_SRST_TYPE_SHUTDOWN, HVP_SRST_REASON_NONE, 0, 0);
    cr_assert_eq(r.exit.reason, HV_EXIT_SHUTDOWN);
    cr_assert_eq(r.exit.u.shutdown.code, 0);
    fini();
    boot();
    r = hcall(HVP_EID_SRST, 0, HVP_SRST_TYPE_SHUTDOWN, HVP_SRST_REASON_SYSFAIL, 0, 0);
    cr_assert_eq(r.exit.reason, HV_EXIT_CRASH);
    cr_assert_eq(r.exit.u.shutdown.code, 1);
    fini();
    boot();
    r = hcall(HVP_EID_SRST, 0, HVP_SRST_TYPE_SHUTDOWN, HVP_SRST_REASON_EXIT_CODE | 42, 0, 0);
    cr_assert_eq(r.exit.reason, HV_EXIT_SHUTDOWN);      /* an exit code is a power-off */
    cr_assert_eq(r.exit.u.shutdown.code, 42);
    fini();
    boot();
    r = hcall(HVP_EID_SRST, 0, HVP_SRST_TYPE_COLD_REBOOT, 0, 0, 0);
    cr_assert_eq(r.exit.reason, HV_EXIT_REBOOT);
    fini();
    boot();
    r = hcall(HVP_EID_SRST, 0, HVP_SRST_TYPE_WARM_REBOOT, 0, 0, 0);
    cr_assert_eq(r.exit.reason, HV_EXIT_REBOOT);
    fini();
    boot();
    r = hcall(HVP_EID_SRST, 0, 7, 0, 0, 0);
    cr_assert_eq(r.error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(r.exit.reason, HV_EXIT_BUDGET);
    r = hcall(HVP_EID_SRST, 0, 0, 0x12345, 0, 0);
    cr_assert_eq(r.error, HVP_SBI_ERR_INVALID_PARAM);
}

Test(para, wallclock_and_time_csr)
{
    struct hv_config cfg;
    init_cfg(&cfg);
    cfg.deterministic = 1;
    boot_cfg(&cfg);
    struct sbiret r = PV(HVP_FID_WALLCLOCK, 0, 0, 0, 0);
    cr_assert_eq(r.error, 0);
    /* Deterministic epoch 2025-01-01T00:00Z plus a few instructions. */
    cr_assert_geq(r.value, 1735689600ull * 1000000000ull);
    cr_assert_lt(r.value, 1735689601ull * 1000000000ull);
    fini();
    boot();
    r = PV(HVP_FID_WALLCLOCK, 0, 0, 0, 0);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    cr_assert_lt(r.value > now ? r.value - now : now - r.value, 5000000000ull);
    /* rdtime, rdcycle, fcsr are allowed; a write to a counter is not. */
    const uint32_t code[] = { CSRRS(A0, 0xc01, 0), CSRRS(A1, 0xc00, 0), CSRRW(A2, 0x003, A0),
                              JSELF };
    put(RAM, code, 4);
    setreg(HV_REG_PC, RAM);
    struct hv_exit e = run(3);
    cr_assert_eq(e.reason, HV_EXIT_BUDGET);
    cr_assert_eq(e.pc, RAM + 12);
}

/* ---- the embedder's hypercalls ------------------------------------------------------------- */

Test(para, unknown_eid_exits_to_embedder)
{
    boot();
    struct sbiret r = hcall(0x0A000001, 5, 11, 22, 33, 44);
    cr_assert_eq(r.exit.reason, HV_EXIT_HYPERCALL);
    cr_assert_eq(r.exit.u.hypercall.eid, 0x0A000001);
    cr_assert_eq(r.exit.u.hypercall.fid, 5);
    cr_assert_eq(r.exit.u.hypercall.args[0], 11);
    cr_assert_eq(r.exit.u.hypercall.args[3], 44);
    cr_assert_eq(r.exit.pc, RAM + 4);
    /* Answer it: the result appears in a0/a1 when the vCPU resumes. */
    struct hv_exit e = r.exit;
    e.u.hypercall.ret_error = 0;
    e.u.hypercall.ret_value = 4242;
    cr_assert_eq(hv_vcpu_run(vcpu, 1, &e), 0);
    cr_assert_eq(e.reason, HV_EXIT_BUDGET);
    cr_assert_eq(reg(A0), 0);
    cr_assert_eq(reg(A1), 4242);
    /* Resuming with the exit untouched leaves NOT_SUPPORTED. */
    r = hcall(0x0A000002, 0, 0, 0, 0, 0);
    cr_assert_eq(r.exit.reason, HV_EXIT_HYPERCALL);
    e = r.exit;
    cr_assert_eq(hv_vcpu_run(vcpu, 1, &e), 0);
    cr_assert_eq((int64_t)reg(A0), HVP_SBI_ERR_NOT_SUPPORTED);
}

/* Issue 17, item 6: a checkpoint taken while a hypercall waits for the embedder's answer
 * does not carry the wait: after a rollback the ECALL executes again with the same
 * arguments and exits again, whatever the next hv_vcpu_run is passed. */
Test(para, rollback_repeats_a_pending_hypercall)
{
    boot();
    struct sbiret r = hcall(0x0A000001, 5, 11, 22, 33, 44);
    cr_assert_eq(r.exit.reason, HV_EXIT_HYPERCALL);
    hv_checkpoint *cp;
    cr_assert_eq(hv_vm_checkpoint(vm, &cp), 0, "%s", hv_vm_last_error(vm));
    struct hv_exit e = r.exit;
    e.u.hypercall.ret_error = 0;
    e.u.hypercall.ret_value = 1;
    cr_assert_eq(hv_vcpu_run(vcpu, 1, &e), 0);
    cr_assert_eq(reg(A1), 1);
    cr_assert_eq(hv_vm_rollback(vm, cp), 0, "%s", hv_vm_last_error(vm));
    memset(&e, 0x5a, sizeof e);         /* stale junk: must not answer the call */
    cr_assert_eq(hv_vcpu_run(vcpu, 1, &e), 0);
    cr_assert_eq(e.reason, HV_EXIT_HYPERCALL, "exit %d", e.reason);
    cr_assert_eq(e.u.hypercall.eid, 0x0A000001);
    cr_assert_eq(e.u.hypercall.fid, 5);
    cr_assert_eq(e.u.hypercall.args[0], 11);
    cr_assert_eq(e.u.hypercall.args[3], 44);
    cr_assert_eq(e.pc, RAM + 4);
    e.u.hypercall.ret_error = 0;
    e.u.hypercall.ret_value = 2;
    cr_assert_eq(hv_vcpu_run(vcpu, 1, &e), 0);
    cr_assert_eq(reg(A0), 0);
    cr_assert_eq(reg(A1), 2);
    hv_checkpoint_free(cp);
}

/* ---- events ---------------------------------------------------------------------------------- */

/* Offset of saved register xN in struct hvp_frame. */
#define FX(n) (32 + 8 * (n))

/* Handler at RAM+0x400: clear upcall_pending; count in the frame's s0 and put the cause in
 * its s1 (EVENT_RETURN restores every register from the frame, so editing the frame is how a
 * handler changes the interrupted context); clobber t3; EVENT_RETURN. */
static void put_event_handler(void)
{
    uint32_t h[16];
    unsigned n = 0;
    h[n++] = SB(0, A0, -64);            /* vcpu_info.upcall_pending = 0 (frame at +64) */
    h[n++] = LD(T0, A0, FX(S0));
    h[n++] = ADDI(T0, T0, 1);
    h[n++] = SD(T0, A0, FX(S0));
    h[n++] = SD(A1, A0, FX(S1));        /* frame s1 = cause */
    h[n++] = ADDI(T3, 0, 7);
    emit_pv_call(&h[n], HVP_FID_EVENT_RETURN);
    n += 4;
    h[n++] = JSELF;
    put(RAM + 0x400, h, n);
}

Test(para, event_send_upcall_and_return)
{
    boot();
    put_event_handler();
    cr_assert_eq(PV(HVP_FID_SET_CALLBACKS, RAM + 0x400, 0, 0, 0).error, 0);
    struct sbiret r = EVT(HVP_EVTCHN_ALLOC_UNBOUND, 0, 0);
    cr_assert_eq(r.error, 0);
    uint32_t port = (uint32_t)r.value;
    cr_assert_gt(port, 1);
    cr_assert_eq(HVP_EVTCHN_STATUS_STATE(EVT(HVP_EVTCHN_STATUS, port, 0).value),
                 HVP_PORT_UNBOUND);

    /* main at RAM+0x100: send to the port, then t0 = 5 and spin. */
    uint32_t m[8];
    emit_pv_call(m, HVP_FID_EVTCHN_OP);
    m[4] = ADDI(T0, 0, 5);
    m[5] = JSELF;
    put(RAM + 0x100, m, 6);
    setreg(HV_REG_PC, RAM + 0x100);
    setreg(A0, HVP_EVTCHN_SEND);
    setreg(A1, port);
    setreg(T3, 0x1234);
    setreg(S0, 0);
    setreg(S1, 0);
    struct hv_exit e = run(40);
    cr_assert_eq(e.reason, HV_EXIT_BUDGET);
    cr_assert_eq(e.pc, RAM + 0x114, "pc %#llx", (unsigned long long)e.pc);
    cr_assert_eq(reg(S0), 1, "the handler ran once");
    cr_assert_eq(reg(S1), HVP_CAUSE_EVENT);
    cr_assert_eq(reg(T0), 5);
    cr_assert_eq(reg(T3), 0x1234, "EVENT_RETURN restores every register");
    cr_assert_eq(reg(A0), 0, "the SEND's sbiret survives the upcall");
    struct hvp_shared_info *sh = shared();
    cr_assert(sh->evtchn_pending[port / 64] & (1ull << (port % 64)));
    cr_assert_eq(sh->vcpu[0].upcall_mask, 0);
    cr_assert_eq(sh->vcpu[0].in_upcall, 0);
    cr_assert_eq(sh->vcpu[0].event_frame.pc, RAM + 0x110);
    struct hv_stats st;
    hv_vcpu_get_stats(vcpu, &st);
    cr_assert_eq(st.interrupts, 1);

    /* Masked port: pending but no upcall; UNMASK re-raises it. */
    sh->evtchn_pending[port / 64] = 0;
    sh->evtchn_mask[port / 64] |= 1ull << (port % 64);
    r = EVT(HVP_EVTCHN_SEND, port, 0);
    cr_assert_eq(r.error, 0);
    cr_assert_eq(sh->vcpu[0].upcall_pending, 0);
    cr_assert_eq(reg(S0), 1);
    r = EVT(HVP_EVTCHN_UNMASK, port, 0);
    cr_assert_eq(sh->vcpu[0].upcall_pending, 1);
    setreg(HV_REG_PC, RAM + 0x114);
    e = run(20);
    cr_assert_eq(reg(S0), 2, "unmasking delivered the event that arrived while masked");

    /* EVENT_RETURN outside an upcall is an error, not a crash. */
    r = PV(HVP_FID_EVENT_RETURN, 0, 0, 0, 0);
    cr_assert_eq(r.error, HVP_SBI_ERR_INVALID_STATE);
    cr_assert_eq(EVT(HVP_EVTCHN_CLOSE, port, 0).error, 0);
    cr_assert_eq(EVT(HVP_EVTCHN_SEND, port, 0).error, HVP_SBI_ERR_INVALID_PARAM);
}

Test(para, upcall_mask_defers_delivery)
{
    boot();
    put_event_handler();
    cr_assert_eq(PV(HVP_FID_SET_CALLBACKS, RAM + 0x400, 0, 0, 0).error, 0);
    uint32_t port = (uint32_t)EVT(HVP_EVTCHN_ALLOC_UNBOUND, 0, 0).value;
    struct hvp_shared_info *sh = shared();
    sh->vcpu[0].upcall_mask = 1;
    setreg(S0, 0);
    EVT(HVP_EVTCHN_SEND, port, 0);
    run(20);
    cr_assert_eq(reg(S0), 0, "masked upcalls are not delivered");
    sh->vcpu[0].upcall_mask = 0;
    const uint32_t spin[] = { JSELF };
    put(RAM + 0x200, spin, 1);
    setreg(HV_REG_PC, RAM + 0x200);
    run(20);
    cr_assert_eq(reg(S0), 1);
}

/* ---- timers and scheduling ----------------------------------------------------------------- */

Test(para, timer_wakes_block)
{
    boot();
    struct sbiret r = EVT(HVP_EVTCHN_BIND_VIRQ, HVP_VIRQ_TIMER, 0);
    cr_assert_eq(r.error, 0);
    uint32_t port = (uint32_t)r.value;
    cr_assert_eq(EVT(HVP_EVTCHN_BIND_VIRQ, HVP_VIRQ_TIMER, 0).error,
                 HVP_SBI_ERR_ALREADY_AVAILABLE);
    uint64_t now = reg(HV_REG_CSR(0xc01));
    uint64_t deadline = now + 20000;     /* 2 ms */
    cr_assert_eq(hcall(HVP_EID_TIME, 0, deadline, 0, 0, 0).error, 0);
    r = PV(HVP_FID_SCHED_OP, HVP_SCHED_BLOCK, 0, 0, 0);
    cr_assert_eq(r.exit.reason, HV_EXIT_BUDGET);
    cr_assert_eq(r.error, 0);
    cr_assert_geq(reg(HV_REG_CSR(0xc01)), deadline);
    struct hvp_shared_info *sh = shared();
    cr_assert(sh->evtchn_pending[port / 64] & (1ull << (port % 64)));
    cr_assert_eq(sh->vcpu[0].upcall_pending, 1);
    cr_assert_eq(sh->vcpu[0].timer_deadline, UINT64_MAX, "a fired timer is disarmed");

    /* Nothing armed, nothing else could wake it: HALT, and resuming continues after. */
    sh->vcpu[0].upcall_pending = 0;
    r = PV(HVP_FID_SCHED_OP, HVP_SCHED_BLOCK, 0, 0, 0);
    cr_assert_eq(r.exit.reason, HV_EXIT_HALT);
    cr_assert_eq(r.exit.pc, RAM + 4);
}

Test(para, deterministic_timer_skips_idle_time)
{
    struct hv_config cfg;
    init_cfg(&cfg);
    cfg.deterministic = 1;
    boot_cfg(&cfg);
    uint32_t port = (uint32_t)EVT(HVP_EVTCHN_BIND_VIRQ, HVP_VIRQ_TIMER, 0).value;
    uint64_t deadline = reg(HV_REG_CSR(0xc01)) + 10000000;   /* one virtual second */
    hcall(HVP_EID_TIME, 0, deadline, 0, 0, 0);
    /* hcall() runs one instruction: the budget ends the skip at once, inside the call
     * (the ECALL does not retire, so resuming sleeps on; the budget stays exact). */
    struct hv_stats st0, st1;
    hv_vcpu_get_stats(vcpu, &st0);
    struct sbiret r = PV(HVP_FID_SCHED_OP, HVP_SCHED_BLOCK, 0, 0, 0);
    cr_assert_eq(r.exit.reason, HV_EXIT_BUDGET);
    cr_assert_eq(r.exit.pc, RAM, "the ECALL retired: the sleep was cut short");
    hv_vcpu_get_stats(vcpu, &st1);
    cr_assert_eq(st1.instructions, st0.instructions + 1);
    cr_assert_lt(reg(HV_REG_CSR(0xc01)), deadline);
    /* A budget larger than the second (10^8 instructions) sees the sleep end. */
    struct hv_exit e;
    memset(&e, 0, sizeof e);
    cr_assert_eq(hv_vcpu_run(vcpu, 200000000, &e), 0);
    cr_assert_eq(e.reason, HV_EXIT_BUDGET);
    cr_assert_eq(e.pc, RAM + 4);
    hv_vcpu_get_stats(vcpu, &st0);
    cr_assert_eq(st0.instructions, st1.instructions + 200000000);
    cr_assert_geq(reg(HV_REG_CSR(0xc01)), deadline);
    cr_assert(shared()->evtchn_pending[port / 64] & (1ull << (port % 64)));
}

Test(para, sched_poll_and_yield)
{
    boot();
    cr_assert_eq(PV(HVP_FID_SCHED_OP, HVP_SCHED_YIELD, 0, 0, 0).error, 0);
    uint32_t port = (uint32_t)EVT(HVP_EVTCHN_ALLOC_UNBOUND, 0, 0).value;
    cr_assert_eq(hv_vm_mem_write(vm, DATA, &port, 4), 0);
    uint64_t now = reg(HV_REG_CSR(0xc01));
    struct sbiret r = PV(HVP_FID_SCHED_OP, HVP_SCHED_POLL, DATA, 1, now + 5000);
    cr_assert_eq(r.error, 0);
    cr_assert_eq(r.value, 0, "timed out");
    cr_assert_geq(reg(HV_REG_CSR(0xc01)), now + 5000);
    /* A pending (even masked) port ends the poll at once. */
    shared()->evtchn_mask[0] |= 1ull << port;
    EVT(HVP_EVTCHN_SEND, port, 0);
    r = PV(HVP_FID_SCHED_OP, HVP_SCHED_POLL, DATA, 1, UINT64_MAX);
    cr_assert_eq(r.error, 0);
    cr_assert_eq(r.value, 1);
    /* Bad arguments. */
    cr_assert_eq(PV(HVP_FID_SCHED_OP, HVP_SCHED_POLL, DATA, 0, 0).error,
                 HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(PV(HVP_FID_SCHED_OP, HVP_SCHED_POLL, DATA, 1000, 0).error,
                 HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(PV(HVP_FID_SCHED_OP, HVP_SCHED_POLL, 0x1000, 1, 0).error,
                 HVP_SBI_ERR_INVALID_ADDRESS);
    cr_assert_eq(PV(HVP_FID_SCHED_OP, HVP_SCHED_POLL, RAM + MEM - 4, 2, 0).error,
                 HVP_SBI_ERR_INVALID_ADDRESS);
    uint32_t bad = 4000;
    cr_assert_eq(hv_vm_mem_write(vm, DATA, &bad, 4), 0);
    cr_assert_eq(PV(HVP_FID_SCHED_OP, HVP_SCHED_POLL, DATA, 1, 0).error,
                 HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(PV(HVP_FID_SCHED_OP, 9, 0, 0, 0).error, HVP_SBI_ERR_NOT_SUPPORTED);
}

/* ---- multicall ----------------------------------------------------------------------------- */

Test(para, multicall_batches)
{
    boot();
    struct hvp_multicall mc[5];
    memset(mc, 0, sizeof mc);
    mc[0].eid = HVP_EID_BASE;
    mc[0].fid = HVP_BASE_GET_SPEC_VERSION;
    mc[1].eid = HVP_EID_PARA;
    mc[1].fid = HVP_FID_WALLCLOCK;
    mc[2].eid = HVP_EID_PARA;
    mc[2].fid = HVP_FID_EVENT_RETURN;       /* control flow: refused */
    mc[3].eid = 0x0A000001;                 /* embedder extension: not in a batch */
    mc[4].eid = HVP_EID_DBCN;
    mc[4].fid = HVP_DBCN_CONSOLE_WRITE_BYTE;
    mc[4].args[0] = 'M';
    for (unsigned i = 0; i < 5; i++)
        mc[i].error = 99;
    cr_assert_eq(hv_vm_mem_write(vm, DATA, mc, sizeof mc), 0);
    struct sbiret r = PV(HVP_FID_MULTICALL, DATA, 5, 0, 0);
    cr_assert_eq(r.exit.reason, HV_EXIT_BUDGET);
    cr_assert_eq(r.error, 0);
    cr_assert_eq(r.value, 5);
    cr_assert_eq(hv_vm_mem_read(vm, DATA, mc, sizeof mc), 0);
    cr_assert_eq(mc[0].error, 0);
    cr_assert_eq(mc[0].value, 2u << 24);
    cr_assert_eq(mc[1].error, 0);
    cr_assert_gt(mc[1].value, 1700000000ull * 1000000000ull);
    cr_assert_eq(mc[2].error, HVP_SBI_ERR_DENIED);
    cr_assert_eq(mc[3].error, HVP_SBI_ERR_NOT_SUPPORTED);
    cr_assert_eq(mc[4].error, 0);
    cr_assert_eq(out_len, 1);
    cr_assert_eq(out[0], 'M');

    /* Nesting, sleeping and stopping are refused per entry. */
    mc[0].eid = HVP_EID_PARA;
    mc[0].fid = HVP_FID_MULTICALL;
    mc[0].args[0] = DATA;
    mc[0].args[1] = 1;
    mc[1].eid = HVP_EID_PARA;
    mc[1].fid = HVP_FID_SCHED_OP;
    mc[1].args[0] = HVP_SCHED_BLOCK;
    mc[2].eid = HVP_EID_SRST;
    mc[2].fid = 0;
    cr_assert_eq(hv_vm_mem_write(vm, DATA, mc, sizeof mc), 0);
    r = PV(HVP_FID_MULTICALL, DATA, 3, 0, 0);
    cr_assert_eq(r.exit.reason, HV_EXIT_BUDGET);
    cr_assert_eq(hv_vm_mem_read(vm, DATA, mc, sizeof mc), 0);
    cr_assert_eq(mc[0].error, HVP_SBI_ERR_DENIED);
    cr_assert_eq(mc[1].error, HVP_SBI_ERR_DENIED);
    cr_assert_eq(mc[2].error, HVP_SBI_ERR_DENIED);
}

/* ---- faults ------------------------------------------------------------------------------- */

static void expect_fault(uint32_t insn, uint64_t cause, uint64_t tval)
{
    const uint32_t code[] = { insn, JSELF };
    put(RAM + 0x100, code, 2);
    setreg(HV_REG_PC, RAM + 0x100);
    struct hv_exit e = run(10);
    cr_assert_eq(e.reason, HV_EXIT_FAULT, "insn %#x: exit %d", insn, e.reason);
    cr_assert_eq(e.u.fault.cause, cause, "insn %#x: cause %llu", insn,
                 (unsigned long long)e.u.fault.cause);
    cr_assert_eq(e.u.fault.tval, tval, "insn %#x: tval %#llx", insn,
                 (unsigned long long)e.u.fault.tval);
    cr_assert_eq(e.pc, RAM + 0x100);
}

Test(para, privileged_instructions_fault_without_entry)
{
    boot();
    /* The vCPU runs in S-mode (ABI 1.2): M-mode instructions and CSRs do not exist. SRET,
     * WFI and SFENCE.VMA are S-mode's (test para.smode_instructions). */
    expect_fault(MRET, 2, MRET);
    expect_fault(CSRRS(A0, 0x300, 0), 2, CSRRS(A0, 0x300, 0));     /* csrr a0, mstatus */
    expect_fault(CSRRS(A0, 0x304, 0), 2, CSRRS(A0, 0x304, 0));     /* csrr a0, mie */
    expect_fault(CSRRW(0, 0xc01, A0), 2, CSRRW(0, 0xc01, A0));     /* counters read-only */
    expect_fault(EBREAK, 3, RAM + 0x100);
    setreg(A1, 0x1000);
    expect_fault(LD(A0, A1, 0), 5, 0x1000);                          /* outside RAM */
    setreg(A1, RAM + MEM);
    expect_fault(SD(A0, A1, 0), 7, RAM + MEM);
    /* Jumping outside RAM: instruction access fault at the target. */
    const uint32_t jmp[] = { JALR(0, A1, 0) };
    put(RAM + 0x100, jmp, 1);
    setreg(A1, 0x2000);
    setreg(HV_REG_PC, RAM + 0x100);
    struct hv_exit e = run(10);
    cr_assert_eq(e.reason, HV_EXIT_FAULT);
    cr_assert_eq(e.u.fault.cause, 1);
    cr_assert_eq(e.pc, 0x2000);
}

/* Sstc: stimecmp arms the vCPU's timer like SBI TIME set_timer, without a hypercall. A
 * deadline in the past raises STIP at the next poll (the CSR write ends the block); a write
 * of all ones lowers it; the CSR reads back what was written. */
Test(para, sstc_stimecmp_arms_the_timer)
{
    boot();
    const uint32_t code[] = {
        CSRRW(0, 0x14d, A0),            /* stimecmp = 0: due */
        CSRRS(A1, 0x144, 0),            /* a1 = sip: STIP */
        CSRRS(A2, 0x14d, 0),            /* a2 = stimecmp */
        CSRRW(0, 0x14d, A3),            /* stimecmp = ~0: never */
        CSRRS(A4, 0x144, 0),            /* a4 = sip: no STIP */
        EBREAK,
    };
    put(RAM + 0x100, code, 6);
    setreg(A0, 0);
    setreg(A3, ~0ull);
    setreg(HV_REG_PC, RAM + 0x100);
    struct hv_exit e = run(100);
    cr_assert_eq(e.reason, HV_EXIT_FAULT);
    cr_assert_eq(e.u.fault.cause, 3);
    uint64_t a1 = reg(A1), a2 = reg(A2), a4 = reg(A4);
    cr_assert_eq(a1 & (1u << 5), 1u << 5, "sip %#llx", (unsigned long long)a1);
    cr_assert_eq(a2, 0);
    cr_assert_eq(a4 & (1u << 5), 0, "sip %#llx", (unsigned long long)a4);
}

Test(para, fault_entry_and_return)
{
    boot();
    /* Fault handler at RAM+0x600: frame s0 = cause, s1 = tval, frame pc += 4, EVENT_RETURN. */
    uint32_t h[16];
    unsigned n = 0;
    h[n++] = SD(A1, A0, FX(S0));
    h[n++] = SD(A2, A0, FX(S1));
    h[n++] = LD(T0, A0, 0);
    h[n++] = ADDI(T0, T0, 4);
    h[n++] = SD(T0, A0, 0);
    h[n++] = ADDI(T3, 0, 99);           /* clobbered: EVENT_RETURN restores it */
    emit_pv_call(&h[n], HVP_FID_EVENT_RETURN);
    n += 4;
    put(RAM + 0x600, h, n);
    cr_assert_eq(PV(HVP_FID_SET_CALLBACKS, 0, RAM + 0x600, 0, 0).error, 0);
    const uint32_t m[] = { MRET, ADDI(A0, 0, 5), JSELF };
    put(RAM + 0x100, m, 3);
    setreg(HV_REG_PC, RAM + 0x100);
    setreg(T3, 0x55);
    struct hv_exit e = run(30);
    cr_assert_eq(e.reason, HV_EXIT_BUDGET);
    cr_assert_eq(reg(S0), 2);
    cr_assert_eq(reg(S1), MRET);
    cr_assert_eq(reg(A0), 5, "resumed after the faulting instruction");
    cr_assert_eq(reg(T3), 0x55);
    struct hvp_shared_info *sh = shared();
    cr_assert_eq(sh->vcpu[0].fault_frame.cause, 2);
    cr_assert_eq(sh->vcpu[0].in_fault, 0);
    cr_assert_eq(sh->vcpu[0].upcall_mask, 0, "the mask before the fault is restored");
    struct hv_stats st;
    hv_vcpu_get_stats(vcpu, &st);
    cr_assert_eq(st.exceptions, 1);

    /* A fault inside the fault handler is a double fault: out to the embedder. */
    const uint32_t bad[] = { EBREAK };
    put(RAM + 0x600, bad, 1);
    setreg(HV_REG_PC, RAM + 0x100);
    e = run(30);
    cr_assert_eq(e.reason, HV_EXIT_FAULT);
    cr_assert_eq(e.u.fault.cause, 3);
    cr_assert_eq(e.pc, RAM + 0x600);
}

/* ---- console ring ------------------------------------------------------------------------ */

Test(para, console_ring_notify)
{
    boot();
    struct hvp_console_ring *r = hv_vm_mem_ptr(vm, CONSOLE_GPA, sizeof(*r));
    cr_assert_not_null(r);
    memcpy(r->out, "ring!\n", 6);
    r->out_prod = 6;
    cr_assert_eq(PV(HVP_FID_NOTIFY, 1, 0, 0, 0).error, 0);
    cr_assert_eq(out_len, 6);
    cr_assert_eq(memcmp(out, "ring!\n", 6), 0);
    cr_assert_eq(r->out_cons, 6);
    /* Input reaches the ring on the next kick. */
    hv_vm_console_input(vm, "in", 2);
    cr_assert_eq(EVT(HVP_EVTCHN_SEND, 1, 0).error, 0);
    cr_assert_eq(r->in_prod, 2);
    cr_assert_eq(memcmp(r->in, "in", 2), 0);
    /* Bogus indices from the guest: resynchronised, nothing written out. */
    r->out_prod = 0x7fffffff;
    cr_assert_eq(PV(HVP_FID_NOTIFY, 1, 0, 0, 0).error, 0);
    cr_assert_eq(out_len, 6);
    cr_assert_eq(r->out_cons, 0x7fffffff);

    /* Reconnect the console to a guest-chosen page and port. */
    uint32_t port = (uint32_t)EVT(HVP_EVTCHN_ALLOC_UNBOUND, 0, 0).value;
    cr_assert_eq(PV(HVP_FID_RING_CONNECT, 0, DATA, 0, port).error, 0);
    struct hvp_console_ring *r2 = hv_vm_mem_ptr(vm, DATA, sizeof(*r2));
    memcpy(r2->out, "two\n", 4);
    r2->out_prod = 4;
    cr_assert_eq(PV(HVP_FID_NOTIFY, port, 0, 0, 0).error, 0);
    cr_assert_eq(out_len, 10);
    cr_assert_eq(HVP_EVTCHN_STATUS_STATE(EVT(HVP_EVTCHN_STATUS, 1, 0).value),
                 HVP_PORT_UNBOUND, "the old console port is released");
    struct hvp_start_info si;
    PV(HVP_FID_GET_START_INFO, DATA + 0x1000, sizeof si, 0, 0);
    cr_assert_eq(hv_vm_mem_read(vm, DATA + 0x1000, &si, sizeof si), 0);
    cr_assert_eq(si.devices[0].ring_gpa, DATA);
    cr_assert_eq(si.devices[0].event_port, port);
}

/* ---- hostile arguments ------------------------------------------------------------------ */

Test(para, hostile_arguments)
{
    boot();
    /* DBCN: outside RAM, wrapping around 2^64, too long, high half set. */
    cr_assert_eq(hcall(HVP_EID_DBCN, 0, 16, 0x1000, 0, 0).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(hcall(HVP_EID_DBCN, 0, 0x20, ~0ull - 0xf, 0, 0).error,
                 HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(hcall(HVP_EID_DBCN, 0, ~0ull, RAM, 0, 0).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(hcall(HVP_EID_DBCN, 0, MEM, RAM + 1, 0, 0).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(hcall(HVP_EID_DBCN, 0, 4, RAM, 1, 0).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(hcall(HVP_EID_DBCN, 1, 4, RAM + MEM - 2, 0, 0).error,
                 HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(out_len, 0);
    /* Event ports out of range or unused. */
    const uint64_t ports[] = { 0, HVP_NR_PORTS, HVP_NR_PORTS + 1, ~0ull, 4000 };
    for (unsigned i = 0; i < 5; i++) {
        cr_assert_eq(EVT(HVP_EVTCHN_SEND, ports[i], 0).error, HVP_SBI_ERR_INVALID_PARAM);
        cr_assert_eq(EVT(HVP_EVTCHN_CLOSE, ports[i], 0).error, HVP_SBI_ERR_INVALID_PARAM);
        cr_assert_eq(EVT(HVP_EVTCHN_UNMASK, ports[i], 0).error, HVP_SBI_ERR_INVALID_PARAM);
        cr_assert_eq(PV(HVP_FID_NOTIFY, ports[i], 0, 0, 0).error, HVP_SBI_ERR_INVALID_PARAM);
    }
    cr_assert_eq(EVT(HVP_EVTCHN_BIND_VIRQ, 99, 0).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(EVT(HVP_EVTCHN_BIND_VIRQ, HVP_VIRQ_TIMER, 7).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(EVT(HVP_EVTCHN_ALLOC_UNBOUND, 9, 0).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(EVT(HVP_EVTCHN_BIND_VCPU, 1, 5).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(EVT(77, 1, 0).error, HVP_SBI_ERR_NOT_SUPPORTED);
    /* Multicall: huge count, pointers outside RAM, crossing the end, wrapping. */
    cr_assert_eq(PV(HVP_FID_MULTICALL, DATA, 1000000, 0, 0).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(PV(HVP_FID_MULTICALL, DATA, ~0ull, 0, 0).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(PV(HVP_FID_MULTICALL, 0x10, 1, 0, 0).error, HVP_SBI_ERR_INVALID_ADDRESS);
    cr_assert_eq(PV(HVP_FID_MULTICALL, RAM + MEM - 80, 2, 0, 0).error,
                 HVP_SBI_ERR_INVALID_ADDRESS);
    cr_assert_eq(PV(HVP_FID_MULTICALL, ~0ull - 7, 1, 0, 0).error, HVP_SBI_ERR_INVALID_ADDRESS);
    cr_assert_eq(PV(HVP_FID_MULTICALL, DATA + 3, 1, 0, 0).error, HVP_SBI_ERR_INVALID_ADDRESS);
    /* EVENT_RETURN when not in an upcall. */
    cr_assert_eq(PV(HVP_FID_EVENT_RETURN, 0, 0, 0, 0).error, HVP_SBI_ERR_INVALID_STATE);
    /* Start-info into memory that is not RAM, or across its end. */
    cr_assert_eq(PV(HVP_FID_GET_START_INFO, 0x1000, 4096, 0, 0).error,
                 HVP_SBI_ERR_INVALID_ADDRESS);
    cr_assert_eq(PV(HVP_FID_GET_START_INFO, RAM + MEM - 16, 4096, 0, 0).error,
                 HVP_SBI_ERR_INVALID_ADDRESS);
    cr_assert_eq(PV(HVP_FID_GET_START_INFO, ~0ull - 15, 4096, 0, 0).error,
                 HVP_SBI_ERR_INVALID_ADDRESS);
    cr_assert_eq(PV(HVP_FID_GET_START_INFO, DATA, ~0ull, 0, 0).error, 0);   /* clamped */
    /* Callbacks must be executable RAM and 2-byte aligned. */
    cr_assert_eq(PV(HVP_FID_SET_CALLBACKS, 0x1000, 0, 0, 0).error, HVP_SBI_ERR_INVALID_ADDRESS);
    cr_assert_eq(PV(HVP_FID_SET_CALLBACKS, 0, RAM + 1, 0, 0).error,
                 HVP_SBI_ERR_INVALID_ADDRESS);
    /* RING_CONNECT: unknown device, unaligned/outside ring, order too big, bad port. */
    uint32_t port = (uint32_t)EVT(HVP_EVTCHN_ALLOC_UNBOUND, 0, 0).value;
    cr_assert_eq(PV(HVP_FID_RING_CONNECT, 5, DATA, 0, port).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(PV(HVP_FID_RING_CONNECT, 0, DATA + 8, 0, port).error,
                 HVP_SBI_ERR_INVALID_ADDRESS);
    cr_assert_eq(PV(HVP_FID_RING_CONNECT, 0, RAM + MEM, 0, port).error,
                 HVP_SBI_ERR_INVALID_ADDRESS);
    cr_assert_eq(PV(HVP_FID_RING_CONNECT, 0, DATA, 40, port).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(PV(HVP_FID_RING_CONNECT, 0, DATA, 0, 3000).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(PV(HVP_FID_RING_CONNECT, 0, DATA, 0, ~0ull).error, HVP_SBI_ERR_INVALID_PARAM);
    /* SBI for S-mode kernels (more in unit/test_para_sbi): harts that do not exist, a
     * running hart, start addresses outside RAM, masks beyond the harts, huge fences. */
    cr_assert_eq(hcall(HVP_EID_HSM, HVP_HSM_HART_START, 1, RAM, 0, 0).error,
                 HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(hcall(HVP_EID_HSM, HVP_HSM_HART_START, ~0ull, RAM, 0, 0).error,
                 HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(hcall(HVP_EID_HSM, HVP_HSM_HART_START, 0, RAM, 0, 0).error,
                 HVP_SBI_ERR_ALREADY_AVAILABLE);
    cr_assert_eq(hcall(HVP_EID_HSM, HVP_HSM_HART_STATUS, 1ull << 40, 0, 0, 0).error,
                 HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(hcall(HVP_EID_IPI, 0, ~0ull, 0, 0, 0).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(hcall(HVP_EID_IPI, 0, 1, 1, 0, 0).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(hcall(HVP_EID_RFENCE, 1, 1, 0, 0, ~0ull).error, 0);
    cr_assert_eq(hcall(HVP_EID_RFENCE, 2, 0, ~0ull, ~0ull, ~0ull).error, 0);
    cr_assert_eq(hcall(HVP_EID_RFENCE, 0, 2, 0, 0, 0).error, HVP_SBI_ERR_INVALID_PARAM);
    cr_assert_eq(hcall(0x02, 0, 0, 0, 0, 0).error, -1);          /* legacy getchar: none */
    /* A disarmed timer and a past deadline are both fine. */
    cr_assert_eq(hcall(HVP_EID_TIME, 0, ~0ull, 0, 0, 0).error, 0);
    cr_assert_eq(hcall(HVP_EID_TIME, 0, 0, 0, 0, 0).error, 0);
    /* Shared-info scribbled over by the guest: the hypervisor keeps its own state. */
    memset(shared(), 0xff, HVP_SHARED_INFO_SIZE);
    cr_assert_eq(PV(HVP_FID_EVENT_RETURN, 0, 0, 0, 0).error, HVP_SBI_ERR_INVALID_STATE);
    cr_assert_eq(EVT(HVP_EVTCHN_SEND, port, 0).error, 0);
    struct hv_exit e = run(50);
    cr_assert_eq(e.reason, HV_EXIT_BUDGET);
}

static void *kick_later(void *arg)
{
    struct timespec ts = { 0, 50 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    hv_vcpu_kick(arg);
    return NULL;
}

Test(para, kick_interrupts_block)
{
    struct hv_config cfg;
    init_cfg(&cfg);
    cfg.nr_vcpus = 2;                   /* another vCPU could wake it: no HALT */
    boot_cfg(&cfg);
    const uint32_t code[] = { ECALL, JSELF };
    put(RAM, code, 2);
    setreg(HV_REG_PC, RAM);
    setreg(A7, HVP_EID_PARA);
    setreg(A6, HVP_FID_SCHED_OP);
    setreg(A0, HVP_SCHED_BLOCK);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, kick_later, vcpu), 0);
    struct hv_exit e = run(0);
    pthread_join(t, NULL);
    cr_assert_eq(e.reason, HV_EXIT_KICK);
    cr_assert_eq(e.pc, RAM + 4, "the block returned (spuriously) before the kick exit");
    cr_assert_eq(reg(A0), 0);
}
