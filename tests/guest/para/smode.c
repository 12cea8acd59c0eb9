/* SPDX-License-Identifier: MIT */
/* Para guest test: the virtual S/U-mode (PARA-ABI §1, §6). The guest boots in S-mode and
 * checks the reset state; installs stvec and takes an illegal instruction and a breakpoint
 * architecturally; goes to U-mode with SRET and comes back with ECALL (cause 8); U counter
 * access per scounteren; SSIP through sip with sie.SSIE and sstatus.SIE (WFI returns on a
 * pending enabled interrupt even with SIE clear); the timer VIRQ as SEIP waking WFI;
 * Sv39: identity gigapage, a load page fault on an unmapped page, a store page fault on a
 * read-only page, SUM, A/D update by the walker, U code on a U page, satp WARL (Sv57 leaves
 * satp unchanged); paging off again. Prints "para smode: ok" and exits 0, else exits with
 * the failing step. */
#include "hvguest.h"
#include "hvpara_guest.h"

#define SSTATUS_SIE (1ull << 1)
#define SSTATUS_SPP (1ull << 8)
#define SSTATUS_FS (3ull << 13)
#define SSTATUS_SUM (1ull << 18)
#define SIP_SSIP (1ull << 1)
#define SIE_SSIE (1ull << 1)
#define SIE_SEIE (1ull << 9)
#define INTR (1ull << 63)

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)

#define csr_read(c) ({ uint64_t v_; __asm__ volatile("csrr %0, " #c : "=r"(v_)); v_; })
#define csr_write(c, v) __asm__ volatile("csrw " #c ", %0" :: "r"((uint64_t)(v)) : "memory")
#define csr_set(c, v) __asm__ volatile("csrs " #c ", %0" :: "r"((uint64_t)(v)) : "memory")
#define csr_clear(c, v) __asm__ volatile("csrc " #c ", %0" :: "r"((uint64_t)(v)) : "memory")

/* Saved registers of the interrupted context: x1..x31 at [i - 1] (x2 = the old sp). */
struct regs {
    uint64_t x[31];
    uint64_t pad;
};

static volatile uint64_t last_cause, last_tval, last_epc, last_spp;
static volatile unsigned traps, irqs, ssi_irqs, sei_irqs;
static struct hvp_shared_info *sh;

void trap_entry(void);
void on_trap(struct regs *r);
uint64_t go_user(uint64_t pc);
void u_code(void);
void u_rdtime(void);

/* The trap stub saves every register but sp on the interrupted stack, calls on_trap and
 * returns with SRET. go_user(pc) enters U-mode at pc; the U code's ECALL comes back to
 * go_user's caller (on_trap sets sepc = ra, SPP = S) with a0 = the U code's a0. The U code
 * sits on its own page (U mappings under Sv39) and touches neither ra nor sp. */
__asm__(".text\n"
        ".balign 4\n"
        ".globl trap_entry\n"
        "trap_entry:\n"
        "    addi sp, sp, -256\n"
        "    sd x1, 0(sp)\n"
        "    sd x3, 16(sp)\n  sd x4, 24(sp)\n  sd x5, 32(sp)\n  sd x6, 40(sp)\n"
        "    sd x7, 48(sp)\n  sd x8, 56(sp)\n  sd x9, 64(sp)\n  sd x10, 72(sp)\n"
        "    sd x11, 80(sp)\n sd x12, 88(sp)\n sd x13, 96(sp)\n sd x14, 104(sp)\n"
        "    sd x15, 112(sp)\n sd x16, 120(sp)\n sd x17, 128(sp)\n sd x18, 136(sp)\n"
        "    sd x19, 144(sp)\n sd x20, 152(sp)\n sd x21, 160(sp)\n sd x22, 168(sp)\n"
        "    sd x23, 176(sp)\n sd x24, 184(sp)\n sd x25, 192(sp)\n sd x26, 200(sp)\n"
        "    sd x27, 208(sp)\n sd x28, 216(sp)\n sd x29, 224(sp)\n sd x30, 232(sp)\n"
        "    sd x31, 240(sp)\n"
        "    addi t0, sp, 256\n"
        "    sd t0, 8(sp)\n"
        "    mv a0, sp\n"
        "    call on_trap\n"
        "    ld x1, 0(sp)\n"
        "    ld x3, 16(sp)\n  ld x4, 24(sp)\n  ld x5, 32(sp)\n  ld x6, 40(sp)\n"
        "    ld x7, 48(sp)\n  ld x8, 56(sp)\n  ld x9, 64(sp)\n  ld x10, 72(sp)\n"
        "    ld x11, 80(sp)\n ld x12, 88(sp)\n ld x13, 96(sp)\n ld x14, 104(sp)\n"
        "    ld x15, 112(sp)\n ld x16, 120(sp)\n ld x17, 128(sp)\n ld x18, 136(sp)\n"
        "    ld x19, 144(sp)\n ld x20, 152(sp)\n ld x21, 160(sp)\n ld x22, 168(sp)\n"
        "    ld x23, 176(sp)\n ld x24, 184(sp)\n ld x25, 192(sp)\n ld x26, 200(sp)\n"
        "    ld x27, 208(sp)\n ld x28, 216(sp)\n ld x29, 224(sp)\n ld x30, 232(sp)\n"
        "    ld x31, 240(sp)\n"
        "    addi sp, sp, 256\n"
        "    sret\n"
        ".globl go_user\n"
        "go_user:\n"
        "    csrw sepc, a0\n"
        "    li t0, 0x120\n"            /* SPP = U, SPIE = 0: S resumes with SIE = 0 */
        "    csrc sstatus, t0\n"
        "    sret\n"
        ".balign 4096\n"
        ".globl u_code\n"
        "u_code:\n"
        "    li a0, 42\n"
        "    ecall\n"
        ".globl u_rdtime\n"
        "u_rdtime:\n"
        "    li a0, 0\n"
        "    .option push\n    .option norvc\n"
        "    rdtime a0\n"
        "    .option pop\n"
        "    ecall\n"
        ".balign 4096\n");

void on_trap(struct regs *r)
{
    uint64_t cause = csr_read(scause);
    last_cause = cause;
    last_tval = csr_read(stval);
    last_epc = csr_read(sepc);
    last_spp = (csr_read(sstatus) & SSTATUS_SPP) != 0;
    if (cause & INTR) {
        irqs++;
        if (cause == (INTR | 1)) {
            ssi_irqs++;
            csr_clear(sip, SIP_SSIP);
        } else if (cause == (INTR | 9)) {
            /* The level is "upcall pending and not masked": acknowledge the events. */
            sei_irqs++;
            struct hvp_vcpu_info *vi = &sh->vcpu[0];
            vi->upcall_pending = 0;
            uint64_t sel = __atomic_exchange_n(&vi->pending_sel, 0, __ATOMIC_SEQ_CST);
            while (sel) {
                unsigned w = (unsigned)__builtin_ctzll(sel);
                sel &= sel - 1;
                __atomic_exchange_n(&sh->evtchn_pending[w], 0, __ATOMIC_SEQ_CST);
            }
        }
        return;
    }
    traps++;
    if (cause == 8) {                   /* ECALL from U: back to go_user's caller in S */
        csr_write(sepc, r->x[0]);
        csr_set(sstatus, SSTATUS_SPP);
        return;
    }
    csr_write(sepc, last_epc + 4);      /* every faulting test instruction is 32-bit */
}

static void check(int ok, int step)
{
    if (!ok) {
        hv_guest_printf("para smode: step %d failed (scause %llx stval %llx sepc %llx, "
                        "%u traps, %u interrupts)\n", step, (unsigned long long)last_cause,
                        (unsigned long long)last_tval, (unsigned long long)last_epc, traps,
                        irqs);
        hv_guest_exit(step);
    }
}

/* Page tables: root, one level-1 and one level-0 table for the test window at 1 GiB. */
static uint64_t root[512] __attribute__((aligned(4096)));
static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l0[512] __attribute__((aligned(4096)));
static uint64_t data_ro[512] __attribute__((aligned(4096)));
static uint64_t data_user[512] __attribute__((aligned(4096)));
static uint64_t data_ad[512] __attribute__((aligned(4096)));
#define WIN 0x40000000ull

static uint64_t leaf(const void *p, uint64_t flags)
{
    return (((uint64_t)(uintptr_t)p >> 12) << 10) | flags | PTE_V;
}

static uint64_t table(const void *p)
{
    return (((uint64_t)(uintptr_t)p >> 12) << 10) | PTE_V;
}

static uint64_t load(uint64_t va)
{
    uint64_t v = 0;
    __asm__ volatile(".option push\n.option norvc\nld %0, 0(%1)\n.option pop"
                     : "+r"(v) : "r"(va) : "memory");
    return v;
}

static void store(uint64_t va, uint64_t v)
{
    __asm__ volatile(".option push\n.option norvc\nsd %0, 0(%1)\n.option pop"
                     :: "r"(v), "r"(va) : "memory");
}

int main(void)
{
    struct hvp_start_info si;
    check(hvp_get_start_info(&si).error == 0, 1);
    sh = (struct hvp_shared_info *)(uintptr_t)si.shared_info_gpa;

    /* Reset state: S-mode (sstatus is readable), SIE = 0, FS Dirty, sie = stvec = satp = 0. */
    uint64_t ss = csr_read(sstatus);
    check(!(ss & SSTATUS_SIE) && (ss & SSTATUS_FS) == SSTATUS_FS && (int64_t)ss < 0, 2);
    check(csr_read(sie) == 0 && csr_read(stvec) == 0 && csr_read(satp) == 0, 3);
    csr_write(stvec, (uint64_t)(uintptr_t)trap_entry);
    check(csr_read(stvec) == (uint64_t)(uintptr_t)trap_entry, 4);

    /* Illegal instruction (no M-mode: MRET) and a breakpoint, taken in S. */
    __asm__ volatile(".option push\n.option norvc\nmret\n.option pop");
    check(traps == 1 && last_cause == 2 && last_tval == 0x30200073 && last_spp == 1, 5);
    __asm__ volatile(".option push\n.option norvc\nebreak\n.option pop");
    check(traps == 2 && last_cause == 3 && last_tval == last_epc, 6);
    /* M-mode CSRs do not exist. */
    __asm__ volatile(".option push\n.option norvc\ncsrr t0, mstatus\n.option pop" ::: "t0");
    check(traps == 3 && last_cause == 2, 7);
    /* ECALL from S is still a hypercall. */
    check(hvp_probe_extension(HVP_EID_PARA) == 1, 8);

    /* U-mode and back; counters in U per scounteren. */
    check(go_user((uint64_t)(uintptr_t)u_code) == 42, 9);
    check(traps == 4 && last_cause == 8 && last_spp == 0, 10);
    check(csr_read(scounteren) == 7, 11);
    check(go_user((uint64_t)(uintptr_t)u_rdtime) != 0, 12);
    csr_write(scounteren, 0);
    check(go_user((uint64_t)(uintptr_t)u_rdtime) == 0, 13);
    check(traps == 7, 14);                      /* ecall, ecall, illegal rdtime, ecall */
    csr_write(scounteren, 7);

    /* SSIP: pending but not taken while SIE = 0; WFI still returns; taken once SIE = 1. */
    csr_write(sie, SIE_SSIE);
    csr_set(sip, SIP_SSIP);
    check(irqs == 0 && (csr_read(sip) & SIP_SSIP), 15);
    __asm__ volatile("wfi");
    check(irqs == 0, 16);
    csr_set(sstatus, SSTATUS_SIE);
    check(irqs == 1 && ssi_irqs == 1 && last_cause == (INTR | 1), 17);
    check(!(csr_read(sip) & SIP_SSIP), 18);

    /* Events as SEIP: the timer VIRQ wakes WFI, the interrupt is taken after it. */
    struct hvp_sbiret r = hvp_bind_virq(HVP_VIRQ_TIMER, 0);
    check(r.error == 0, 19);
    sh->vcpu[0].upcall_mask = 0;
    csr_write(sie, SIE_SSIE | SIE_SEIE);
    uint64_t t0 = hvp_rdtime();
    check(hvp_set_timer(t0 + 10000) == 0, 20);
    while (!sei_irqs)
        __asm__ volatile("wfi");
    check(hvp_rdtime() >= t0 + 10000 && last_cause == (INTR | 9), 21);
    csr_clear(sstatus, SSTATUS_SIE);
    csr_write(sie, 0);

    /* Sv39: RAM identity-mapped by one gigapage (S only), a test window at 1 GiB. */
    uint64_t ram = si.ram_base ? si.ram_base : 0x80000000ull;
    root[ram >> 30] = leaf((void *)(uintptr_t)ram, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
    root[WIN >> 30] = table(l1);
    l1[0] = table(l0);
    /* page 0 unmapped */
    l0[1] = leaf(data_ro, PTE_R | PTE_A);
    l0[2] = leaf(data_user, PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
    l0[3] = leaf(data_ad, PTE_R | PTE_W);                       /* A and D clear */
    l0[4] = leaf((void *)u_code, PTE_R | PTE_X | PTE_U | PTE_A);
    data_ro[0] = 0x1234;
    data_user[0] = 0x5678;
    uint64_t sv39 = (8ull << 60) | ((uint64_t)(uintptr_t)root >> 12);
    csr_write(satp, sv39);
    __asm__ volatile("sfence.vma" ::: "memory");
    check(csr_read(satp) == sv39, 22);
    hv_guest_printf("para smode: paging on\n");     /* hypercalls take physical addresses */

    unsigned t = traps;
    check(load(WIN) == 0 && traps == t + 1 && last_cause == 13 && last_tval == WIN, 23);
    check(load(WIN + 0x1000) == 0x1234 && traps == t + 1, 24);
    store(WIN + 0x1008, 1);
    check(traps == t + 2 && last_cause == 15 && last_tval == WIN + 0x1008, 25);
    check(data_ro[1] == 0, 26);
    /* SUM: S reads a U page only with SUM set. */
    check(load(WIN + 0x2000) == 0 && traps == t + 3 && last_cause == 13, 27);
    csr_set(sstatus, SSTATUS_SUM);
    check(load(WIN + 0x2000) == 0x5678 && traps == t + 3, 28);
    csr_clear(sstatus, SSTATUS_SUM);
    check(load(WIN + 0x2000) == 0 && traps == t + 4, 29);
    /* The walker sets A on a load and D on a store. */
    check(load(WIN + 0x3000) == 0 && traps == t + 4 && (l0[3] & PTE_A) && !(l0[3] & PTE_D), 30);
    store(WIN + 0x3010, 77);
    check(traps == t + 4 && (l0[3] & PTE_D) && data_ad[2] == 77, 31);
    /* U code on a U page: to U and back under paging. */
    check(go_user(WIN + 0x4000) == 42 && last_cause == 8 && traps == t + 5, 32);
    /* satp WARL: Sv57 (mode 10) is not supported, the write leaves satp unchanged. */
    csr_write(satp, (10ull << 60) | 0x1234);
    check(csr_read(satp) == sv39, 33);

    /* Paging off: identity again, the window is gone. */
    csr_write(satp, 0);
    __asm__ volatile("sfence.vma" ::: "memory");
    check(csr_read(satp) == 0, 34);
    check(load(ram) == *(volatile uint64_t *)(uintptr_t)ram, 35);

    hv_guest_printf("para smode: ok (%u traps, %u interrupts)\n", traps, irqs);
    return 0;
}
