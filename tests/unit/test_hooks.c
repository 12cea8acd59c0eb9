/* SPDX-License-Identifier: MIT */
/* Unit tests for the embedding hooks: breakpoints on both backends (hit before the
 * instruction, resume past it, clear, limit, inside an already cached block, single
 * steps), embedder hypercall handlers (claim, decline, override, catch-all, probe),
 * virtual-time deadlines (running, sleeping, deterministic, one-shot), bulk registers and
 * the guest-virtual memory view. Guests are a few hand-encoded RV64 instructions. */
#include <criterion/criterion.h>
#include <string.h>
#include "hv/hv.h"
#include "hv/para.h"

#define RAM 0x80000000ull
#define MEM (1ull << 20)

#define ITYPE(imm, rs1, f3, rd, op) \
    ((((uint32_t)(imm) & 0xfff) << 20) | ((rs1) << 15) | ((f3) << 12) | ((rd) << 7) | (op))
#define ADDI(rd, rs1, imm) ITYPE(imm, rs1, 0, rd, 0x13)
#define CSRRW(rd, csr, rs1) ITYPE(csr, rs1, 1, rd, 0x73)
#define SD(rs2, rs1, imm) \
    (((((uint32_t)(imm) >> 5) & 0x7f) << 25) | ((rs2) << 20) | ((rs1) << 15) | (3 << 12) | \
     (((uint32_t)(imm) & 0x1f) << 7) | 0x23)
#define LUI(rd, imm20) ((((uint32_t)(imm20)) << 12) | ((rd) << 7) | 0x37)
#define ECALL 0x00000073u
#define WFI 0x10500073u
enum { T0 = 5, T1 = 6, T2 = 7, A0 = 10, A1 = 11, A2 = 12, A6 = 16, A7 = 17 };

static uint32_t jal(unsigned rd, int32_t off)
{
    uint32_t i = (uint32_t)off;
    return (((i >> 20) & 1) << 31) | (((i >> 1) & 0x3ff) << 21) | (((i >> 11) & 1) << 20) |
           (((i >> 12) & 0xff) << 12) | (rd << 7) | 0x6f;
}

static hv_vm *vm;
static hv_vcpu *cpu;

static void boot(enum hv_backend backend, int deterministic)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = backend;
    cfg.mem_size = MEM;
    cfg.bios = "none";
    cfg.serial.type = HV_CHARDEV_NULL;
    cfg.deterministic = deterministic;
    char err[512];
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), 0, "%s", err);
    cr_assert_eq(hv_vcpu_create(vm, 0, &cpu), 0);
    cr_assert_eq(hv_vcpu_set_reg(cpu, HV_REG_PC, RAM), 0);
}

static void fini(void)
{
    cr_assert_eq(hv_vm_destroy(vm), 0);
    vm = NULL;
}

static void code(const uint32_t *w, size_t n)
{
    cr_assert_eq(hv_vm_mem_write(vm, RAM, w, n * 4), 0);
}

static uint64_t reg(unsigned r)
{
    uint64_t v = 0;
    cr_assert_eq(hv_vcpu_get_reg(cpu, r, &v), 0);
    return v;
}

static struct hv_exit run(uint64_t budget)
{
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(cpu, budget, &ex), 0);
    return ex;
}

/* Four increments of a0 and a jump back: the bp tests count a0 between stops. */
static const uint32_t loop4[] = { ADDI(A0, A0, 1), ADDI(A0, A0, 1), ADDI(A0, A0, 1),
                                  ADDI(A0, A0, 1), 0 };

static void load_loop4(void)
{
    uint32_t w[5];
    memcpy(w, loop4, sizeof w);
    w[4] = jal(0, -16);
    code(w, 5);
}

/* ---- breakpoints ------------------------------------------------------------------------ */

static void bp_hit_resume_clear(enum hv_backend b)
{
    boot(b, 0);
    load_loop4();
    cr_assert_eq(hv_vcpu_set_breakpoint(cpu, RAM + 8), 0);
    struct hv_exit ex = run(0);
    cr_assert_eq(ex.reason, HV_EXIT_BREAKPOINT);
    cr_assert_eq(ex.pc, RAM + 8);
    cr_assert_eq(reg(HV_REG_PC), RAM + 8);
    cr_assert_eq(reg(HV_REG_X(A0)), 2, "the breakpointed instruction must not have run");
    /* Resuming executes it and stops there again one loop iteration later. */
    ex = run(0);
    cr_assert_eq(ex.reason, HV_EXIT_BREAKPOINT);
    cr_assert_eq(ex.pc, RAM + 8);
    cr_assert_eq(reg(HV_REG_X(A0)), 6);
    /* Single step from the breakpoint executes exactly it. */
    ex = run(1);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
    cr_assert_eq(ex.pc, RAM + 12);
    cr_assert_eq(reg(HV_REG_X(A0)), 7);
    ex = run(1);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
    cr_assert_eq(ex.pc, RAM + 16);
    /* A second breakpoint; then clear both and the loop runs free. */
    cr_assert_eq(hv_vcpu_set_breakpoint(cpu, RAM + 0), 0);
    ex = run(0);
    cr_assert_eq(ex.reason, HV_EXIT_BREAKPOINT);
    cr_assert_eq(ex.pc, RAM);
    cr_assert_eq(hv_vcpu_clear_breakpoint(cpu, RAM + 8), 0);
    cr_assert_eq(hv_vcpu_clear_breakpoint(cpu, RAM + 8), HV_ENOENT);
    cr_assert_eq(hv_vcpu_clear_breakpoint(cpu, RAM), 0);
    uint64_t a0 = reg(HV_REG_X(A0));
    ex = run(1000);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
    cr_assert_eq(reg(HV_REG_X(A0)), a0 + 800);
    struct hv_stats st;
    cr_assert_eq(hv_vcpu_get_stats(cpu, &st), 0);
    cr_assert_eq(st.exits_by_reason[HV_EXIT_BREAKPOINT], 3);
    fini();
}

Test(hooks, breakpoint_full) { bp_hit_resume_clear(HV_BACKEND_FULL); }
Test(hooks, breakpoint_para) { bp_hit_resume_clear(HV_BACKEND_PARA); }

/* A breakpoint set after the block was cached (mid-block) and one at the very first
 * instruction of the run. */
static void bp_cached_and_entry(enum hv_backend b)
{
    boot(b, 0);
    load_loop4();
    struct hv_exit ex = run(52);            /* blocks are built and cached now */
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
    uint64_t pc = reg(HV_REG_PC);
    cr_assert_eq(pc, RAM + 8);              /* 52 = 10 * 5 + 2 instructions */
    cr_assert_eq(hv_vcpu_set_breakpoint(cpu, RAM + 12), 0);
    ex = run(0);
    cr_assert_eq(ex.reason, HV_EXIT_BREAKPOINT);
    cr_assert_eq(ex.pc, RAM + 12);
    cr_assert_eq(hv_vcpu_clear_breakpoint(cpu, RAM + 12), 0);
    /* A breakpoint where the run starts (not after a breakpoint exit) stops at once. */
    cr_assert_eq(hv_vcpu_set_breakpoint(cpu, RAM + 12), 0);
    struct hv_stats s0, s1;
    hv_vcpu_get_stats(cpu, &s0);
    ex = run(1);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET, "the step-over carries over to this run");
    cr_assert_eq(ex.pc, RAM + 16);
    cr_assert_eq(hv_vcpu_set_reg(cpu, HV_REG_PC, RAM + 12), 0);
    ex = run(0);
    /* Moving the pc to the same breakpoint after a step is a new arrival: it stops. */
    cr_assert_eq(ex.reason, HV_EXIT_BREAKPOINT);
    cr_assert_eq(ex.pc, RAM + 12);
    hv_vcpu_get_stats(cpu, &s1);
    cr_assert_eq(s1.instructions, s0.instructions + 1);
    fini();
}

Test(hooks, breakpoint_cached_block_full) { bp_cached_and_entry(HV_BACKEND_FULL); }
Test(hooks, breakpoint_cached_block_para) { bp_cached_and_entry(HV_BACKEND_PARA); }

Test(hooks, breakpoint_limit_and_errors)
{
    boot(HV_BACKEND_FULL, 0);
    for (unsigned i = 0; i < HV_MAX_BREAKPOINTS; i++)
        cr_assert_eq(hv_vcpu_set_breakpoint(cpu, RAM + 0x1000 + 4 * i), 0);
    cr_assert_eq(hv_vcpu_set_breakpoint(cpu, RAM + 0x1000), 0, "setting twice is a no-op");
    cr_assert_eq(hv_vcpu_set_breakpoint(cpu, RAM + 0x2000), HV_ELIMIT);
    cr_assert(strstr(hv_vm_last_error(vm), "breakpoints"));
    cr_assert_eq(hv_vcpu_clear_breakpoint(cpu, RAM + 0x1000), 0);
    cr_assert_eq(hv_vcpu_set_breakpoint(cpu, RAM + 0x2000), 0);
    cr_assert_eq(hv_vcpu_set_breakpoint(NULL, RAM), HV_EINVAL);
    cr_assert_eq(hv_vcpu_clear_breakpoint(cpu, 0x1234), HV_ENOENT);
    fini();
}

/* Breakpoints and an exact budget interact: the budget wins when it ends first. */
Test(hooks, budget_before_breakpoint)
{
    boot(HV_BACKEND_FULL, 0);
    load_loop4();
    cr_assert_eq(hv_vcpu_set_breakpoint(cpu, RAM + 12), 0);
    struct hv_exit ex = run(2);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
    cr_assert_eq(ex.pc, RAM + 8);
    ex = run(5);
    cr_assert_eq(ex.reason, HV_EXIT_BREAKPOINT);
    cr_assert_eq(ex.pc, RAM + 12);
    fini();
}

/* ---- hypercall handlers ----------------------------------------------------------------- */

struct seen {
    int calls;
    struct hv_hypercall last;
    int claim;
    int64_t err;
    uint64_t val;
};

static int handler(void *opaque, hv_vcpu *v, struct hv_hypercall *call)
{
    struct seen *s = opaque;
    s->calls++;
    s->last = *call;
    if (!s->claim)
        return 0;
    call->ret_error = s->err;
    call->ret_value = s->val;
    return 1;
}

/* One ecall with a7 = eid, a6 = fid, a0.. = args; returns the exit of a one-step run. */
static struct hv_exit ecall(uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1)
{
    uint32_t w[] = { ECALL, jal(0, 0) };
    code(w, 2);
    hv_vcpu_set_reg(cpu, HV_REG_PC, RAM);
    hv_vcpu_set_reg(cpu, HV_REG_X(A7), eid);
    hv_vcpu_set_reg(cpu, HV_REG_X(A6), fid);
    hv_vcpu_set_reg(cpu, HV_REG_X(A0), a0);
    hv_vcpu_set_reg(cpu, HV_REG_X(A1), a1);
    return run(1);
}

Test(hooks, hypercall_handler_claims_and_declines)
{
    boot(HV_BACKEND_PARA, 0);
    struct seen s = { .claim = 1, .err = 0, .val = 0x1234 };
    cr_assert_eq(hv_vm_set_hypercall_handler(vm, 0x0A000001, handler, &s, 0), 0);
    struct hv_exit ex = ecall(0x0A000001, 7, 11, 22);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET, "a claimed call does not exit");
    cr_assert_eq(s.calls, 1);
    cr_assert_eq(s.last.eid, 0x0A000001);
    cr_assert_eq(s.last.fid, 7);
    cr_assert_eq(s.last.args[0], 11);
    cr_assert_eq(s.last.args[1], 22);
    cr_assert_eq(reg(HV_REG_X(A0)), 0);
    cr_assert_eq(reg(HV_REG_X(A1)), 0x1234);
    cr_assert_eq(reg(HV_REG_PC), RAM + 4);
    /* Declining: the call goes out to the embedder as an exit. */
    s.claim = 0;
    ex = ecall(0x0A000001, 8, 0, 0);
    cr_assert_eq(ex.reason, HV_EXIT_HYPERCALL);
    cr_assert_eq(ex.u.hypercall.fid, 8);
    cr_assert_eq(s.calls, 2);
    /* A catch-all sees what the eid's own handler declined, and other eids. */
    struct seen any = { .claim = 1, .err = -3, .val = 5 };
    cr_assert_eq(hv_vm_set_hypercall_handler(vm, HV_HYPERCALL_ANY, handler, &any, 0), 0);
    ex = ecall(0x0A000001, 9, 0, 0);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
    cr_assert_eq(s.calls, 3);
    cr_assert_eq(any.calls, 1);
    cr_assert_eq((int64_t)reg(HV_REG_X(A0)), -3);
    ex = ecall(0x0B000000, 1, 0, 0);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
    cr_assert_eq(any.calls, 2);
    cr_assert_eq(any.last.eid, 0x0B000000);
    /* Removing. */
    cr_assert_eq(hv_vm_set_hypercall_handler(vm, HV_HYPERCALL_ANY, NULL, NULL, 0), 0);
    cr_assert_eq(hv_vm_set_hypercall_handler(vm, HV_HYPERCALL_ANY, NULL, NULL, 0), HV_ENOENT);
    ex = ecall(0x0B000000, 1, 0, 0);
    cr_assert_eq(ex.reason, HV_EXIT_HYPERCALL);
    fini();
}

Test(hooks, hypercall_handler_builtin_override_and_probe)
{
    boot(HV_BACKEND_PARA, 0);
    struct seen s = { .claim = 1, .err = 0, .val = 99 };
    /* Without the override flag a handler for BASE is never consulted. */
    cr_assert_eq(hv_vm_set_hypercall_handler(vm, HVP_EID_BASE, handler, &s, 0), 0);
    struct hv_exit ex = ecall(HVP_EID_BASE, HVP_BASE_GET_IMPL_ID, 0, 0);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
    cr_assert_eq(s.calls, 0);
    cr_assert_eq(reg(HV_REG_X(A1)), HVP_SBI_IMPL_ID);
    cr_assert_eq(hv_vm_set_hypercall_handler(vm, HVP_EID_BASE, handler, &s,
                                             HV_HYPERCALL_OVERRIDE), 0);
    ex = ecall(HVP_EID_BASE, HVP_BASE_GET_IMPL_ID, 0, 0);
    cr_assert_eq(s.calls, 1);
    cr_assert_eq(reg(HV_REG_X(A1)), 99);
    /* Declining an overridden call falls back to the built-in implementation. */
    s.claim = 0;
    ex = ecall(HVP_EID_BASE, HVP_BASE_GET_IMPL_ID, 0, 0);
    cr_assert_eq(s.calls, 2);
    cr_assert_eq(reg(HV_REG_X(A1)), HVP_SBI_IMPL_ID);
    cr_assert_eq(hv_vm_set_hypercall_handler(vm, HVP_EID_BASE, NULL, NULL, 0), 0);
    /* probe_extension sees embedder extensions. */
    cr_assert_eq(hv_vm_set_hypercall_handler(vm, 0x0C000000, handler, &s, 0), 0);
    ex = ecall(HVP_EID_BASE, HVP_BASE_PROBE_EXTENSION, 0x0C000000, 0);
    cr_assert_eq(reg(HV_REG_X(A1)), 1);
    ex = ecall(HVP_EID_BASE, HVP_BASE_PROBE_EXTENSION, 0x0D000000, 0);
    cr_assert_eq(reg(HV_REG_X(A1)), 0);
    /* The rule (vm.h, PARA-ABI.md §3): an eid with its own handler probes as present; the
     * catch-all answers calls but makes no eid present; removing the handler removes it. */
    cr_assert_eq(hv_vm_set_hypercall_handler(vm, HV_HYPERCALL_ANY, handler, &s, 0), 0);
    ex = ecall(HVP_EID_BASE, HVP_BASE_PROBE_EXTENSION, 0x0D000000, 0);
    cr_assert_eq(reg(HV_REG_X(A1)), 0, "a catch-all handler does not make eids present");
    cr_assert_eq(hv_vm_set_hypercall_handler(vm, HV_HYPERCALL_ANY, NULL, NULL, 0), 0);
    cr_assert_eq(hv_vm_set_hypercall_handler(vm, 0x0C000000, NULL, NULL, 0), 0);
    ex = ecall(HVP_EID_BASE, HVP_BASE_PROBE_EXTENSION, 0x0C000000, 0);
    cr_assert_eq(reg(HV_REG_X(A1)), 0, "a removed handler's eid is absent again");
    cr_assert_eq(hv_vm_set_hypercall_handler(vm, 0x0C000000, handler, &s, 0), 0);
    /* Errors: bad flags, the limit. */
    cr_assert_eq(hv_vm_set_hypercall_handler(vm, 1, handler, &s, 0x80), HV_EINVAL);
    for (unsigned i = 1; i < HV_MAX_HYPERCALL_HANDLERS; i++)
        cr_assert_eq(hv_vm_set_hypercall_handler(vm, 0x0E000000 + i, handler, &s, 0), 0);
    cr_assert_eq(hv_vm_set_hypercall_handler(vm, 0x0F000000, handler, &s, 0), HV_ELIMIT);
    cr_assert_eq(hv_vm_set_hypercall_handler(vm, 0x0E000001, handler, &s, 0), 0,
                 "replacing needs no new slot");
    fini();
    boot(HV_BACKEND_FULL, 0);
    cr_assert_eq(hv_vm_set_hypercall_handler(vm, 0x0A000001, handler, &s, 0), HV_ENOTSUP);
    fini();
}

/* ---- deadlines -------------------------------------------------------------------------- */

static void deadline_running(enum hv_backend b)
{
    boot(b, 0);
    load_loop4();
    uint64_t now = hv_vm_clock_ns(vm);
    cr_assert_eq(hv_vcpu_set_deadline(cpu, now + 2000000), 0);      /* 2 ms */
    struct hv_exit ex = run(0);
    cr_assert_eq(ex.reason, HV_EXIT_DEADLINE);
    cr_assert_geq(hv_vm_clock_ns(vm), now + 2000000);
    cr_assert_geq(ex.pc, RAM);
    cr_assert_leq(ex.pc, RAM + 16);
    cr_assert_eq(ex.pc, reg(HV_REG_PC));
    /* One-shot. */
    ex = run(100);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
    /* A deadline in the past exits before any instruction. */
    struct hv_stats s0, s1;
    hv_vcpu_get_stats(cpu, &s0);
    cr_assert_eq(hv_vcpu_set_deadline(cpu, 1), 0);
    ex = run(0);
    cr_assert_eq(ex.reason, HV_EXIT_DEADLINE);
    hv_vcpu_get_stats(cpu, &s1);
    cr_assert_eq(s1.instructions, s0.instructions);
    /* Disarmed. */
    cr_assert_eq(hv_vcpu_set_deadline(cpu, 1), 0);
    cr_assert_eq(hv_vcpu_set_deadline(cpu, HV_DEADLINE_NONE), 0);
    ex = run(100);
    cr_assert_eq(ex.reason, HV_EXIT_BUDGET);
    fini();
}

Test(hooks, deadline_full) { deadline_running(HV_BACKEND_FULL); }
Test(hooks, deadline_para) { deadline_running(HV_BACKEND_PARA); }

/* Deterministic time: the exit lands a bounded number of instructions after the deadline
 * (time = instructions / 10 ticks, 100 ns per tick). */
Test(hooks, deadline_deterministic)
{
    boot(HV_BACKEND_FULL, 1);
    load_loop4();
    cr_assert_eq(hv_vcpu_set_deadline(cpu, 1000000), 0);             /* 1 ms = 100000 insns */
    struct hv_exit ex = run(0);
    cr_assert_eq(ex.reason, HV_EXIT_DEADLINE);
    struct hv_stats s;
    hv_vcpu_get_stats(cpu, &s);
    cr_assert_geq(s.instructions, 100000);
    cr_assert_lt(s.instructions, 100000 + 4096 + 64);
    fini();
}

/* A vCPU asleep in WFI (timer armed far in the future) still reaches its deadline. */
Test(hooks, deadline_while_sleeping_in_wfi)
{
    boot(HV_BACKEND_FULL, 0);
    uint32_t w[] = { LUI(T0, 0x2004), SD(T1, T0, 0), CSRRW(0, 0x304, T2), WFI, jal(0, -4) };
    code(w, 5);
    hv_vcpu_set_reg(cpu, HV_REG_X(T1), UINT64_MAX / 2);   /* mtimecmp: far away */
    hv_vcpu_set_reg(cpu, HV_REG_X(T2), 0x80);             /* mie.MTIE */
    uint64_t now = hv_vm_clock_ns(vm);
    cr_assert_eq(hv_vcpu_set_deadline(cpu, now + 30000000), 0);     /* 30 ms */
    struct hv_exit ex = run(0);
    cr_assert_eq(ex.reason, HV_EXIT_DEADLINE);
    cr_assert_geq(hv_vm_clock_ns(vm), now + 30000000);
    struct hv_stats s;
    hv_vcpu_get_stats(cpu, &s);
    cr_assert_lt(s.instructions, 1000, "the vCPU slept (%llu instructions)",
                 (unsigned long long)s.instructions);
    fini();
}

/* ---- bulk registers ---------------------------------------------------------------------- */

Test(hooks, bulk_registers)
{
    boot(HV_BACKEND_FULL, 0);
    struct hv_regs r;
    cr_assert_eq(hv_vcpu_get_regs(cpu, &r), 0);
    cr_assert_eq(r.pc, RAM);
    cr_assert_eq(r.priv, 3);
    for (unsigned i = 0; i < 32; i++) {
        r.x[i] = 0x1000 + i;
        r.f[i] = 0x2000 + i;
    }
    r.pc = RAM + 0x40;
    r.fcsr = 0x3 | (2 << 5);
    r.priv = 1;
    cr_assert_eq(hv_vcpu_set_regs(cpu, &r), 0);
    cr_assert_eq(reg(HV_REG_X(0)), 0);
    cr_assert_eq(reg(HV_REG_X(31)), 0x101f);
    cr_assert_eq(reg(HV_REG_F(5)), 0x2005);
    cr_assert_eq(reg(HV_REG_PC), RAM + 0x40);
    cr_assert_eq(reg(HV_REG_CSR(0x001)), 3);
    cr_assert_eq(reg(HV_REG_CSR(0x002)), 2);
    cr_assert_eq(reg(HV_REG_PRIV), 1);
    struct hv_regs r2;
    cr_assert_eq(hv_vcpu_get_regs(cpu, &r2), 0);
    cr_assert_eq(r2.x[0], 0);
    r.x[0] = 0;
    cr_assert_eq(memcmp(&r, &r2, sizeof r), 0);
    r.priv = 2;
    cr_assert_eq(hv_vcpu_set_regs(cpu, &r), HV_EINVAL);
    cr_assert_eq(hv_vcpu_get_regs(NULL, &r), HV_EINVAL);
    fini();
    boot(HV_BACKEND_PARA, 0);
    cr_assert_eq(hv_vcpu_get_regs(cpu, &r), 0);
    cr_assert_eq(r.priv, 1);            /* para vCPUs boot in S-mode (PARA-ABI 1.2) */
    r.x[5] = 77;
    cr_assert_eq(hv_vcpu_set_regs(cpu, &r), 0);
    cr_assert_eq(reg(HV_REG_X(5)), 77);
    r.priv = 3;
    cr_assert_eq(hv_vcpu_set_regs(cpu, &r), HV_EINVAL);
    fini();
}

/* ---- the guest-virtual view of memory ------------------------------------------------------ */

Test(hooks, translate_and_virtual_memory)
{
    boot(HV_BACKEND_FULL, 0);
    uint64_t pa;
    cr_assert_eq(hv_vcpu_translate(cpu, RAM + 0x123, &pa), 0);
    cr_assert_eq(pa, RAM + 0x123, "M-mode is identity");
    /* Sv39: root at RAM+0x10000, one 4 KiB page va 0x40000000 -> RAM+0x20000 through a
     * level-1 and level-0 table, and a 1 GiB superpage va 0xC0000000 -> RAM. */
    uint64_t root = RAM + 0x10000, l1 = RAM + 0x11000, l0 = RAM + 0x12000;
    uint64_t pte;
    pte = ((l1 >> 12) << 10) | 1;
    hv_vm_mem_write(vm, root + 1 * 8, &pte, 8);
    pte = ((RAM >> 12) << 10) | 0xcf;                           /* V R W X A D */
    hv_vm_mem_write(vm, root + 3 * 8, &pte, 8);
    pte = ((l0 >> 12) << 10) | 1;
    hv_vm_mem_write(vm, l1 + 0, &pte, 8);
    pte = (((RAM + 0x20000) >> 12) << 10) | 0x07;               /* V R W, no A/D */
    hv_vm_mem_write(vm, l0 + 0, &pte, 8);
    cr_assert_eq(hv_vcpu_set_reg(cpu, HV_REG_CSR(0x180), (8ull << 60) | (root >> 12)), 0);
    cr_assert_eq(hv_vcpu_set_reg(cpu, HV_REG_PRIV, 1), 0);
    cr_assert_eq(hv_vcpu_translate(cpu, 0x40000010, &pa), 0);
    cr_assert_eq(pa, RAM + 0x20010);
    cr_assert_eq(hv_vcpu_translate(cpu, 0xC0001234, &pa), 0);
    cr_assert_eq(pa, RAM + 0x1234);
    cr_assert_eq(hv_vcpu_translate(cpu, 0x40001000, &pa), HV_EFAULT);
    cr_assert_eq(hv_vcpu_translate(cpu, 0x8000000000ull, &pa), HV_EFAULT, "not canonical");
    /* No side effects: A/D stay clear in the leaf. */
    hv_vm_mem_read(vm, l0, &pte, 8);
    cr_assert_eq(pte & 0xc0, 0);
    /* Virtual reads and writes, across the superpage. */
    cr_assert_eq(hv_vcpu_mem_write(cpu, 0x40000ffe, "hello", 5), HV_EFAULT);
    cr_assert_eq(hv_vcpu_mem_write(cpu, 0x40000ff0, "hello", 5), 0);
    char buf[6] = "";
    cr_assert_eq(hv_vm_mem_read(vm, RAM + 0x20ff0, buf, 5), 0);
    cr_assert_str_eq(buf, "hello");
    memset(buf, 0, sizeof buf);
    cr_assert_eq(hv_vcpu_mem_read(cpu, 0xC0020ff0, buf, 5), 0);
    cr_assert_str_eq(buf, "hello");
    fini();
    boot(HV_BACKEND_PARA, 0);
    cr_assert_eq(hv_vcpu_translate(cpu, RAM + 0x40, &pa), 0);
    cr_assert_eq(pa, RAM + 0x40);
    fini();
}
