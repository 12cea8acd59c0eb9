/* SPDX-License-Identifier: MIT */
/* Para guest test: the ABI end to end from C through the guest SDK — start-info, probing,
 * an upcall entry written in C, the timer VIRQ waking SCHED_OP block, an event sent to
 * itself, a multicall, a fault handler that skips an illegal instruction, wallclock.
 * Prints "para events: ok" and exits 0 on success, else exits with the failing step. */
#include "hvguest.h"
#include "hvpara_guest.h"

static struct hvp_start_info si;
static struct hvp_shared_info *sh;
static volatile unsigned events, faults;
static volatile uint64_t last_cause;
static uint32_t timer_port, self_port;
static volatile unsigned seen[4];

/* Entry stubs: the hypervisor saved every integer register in the frame (a0), so a C
 * function can run directly on the interrupted stack; EVENT_RETURN restores the frame. */
void upcall_entry(void);
void fault_entry(void);
__asm__(".globl upcall_entry\n"
        "upcall_entry:\n"
        "    call on_event\n"
        "    j 1f\n"
        ".globl fault_entry\n"
        "fault_entry:\n"
        "    call on_fault\n"
        "1:  li a7, 0x08485650\n"
        "    li a6, 2\n"
        "    ecall\n"
        "2:  j 2b\n");

void on_event(struct hvp_frame *f, uint64_t cause);
void on_fault(struct hvp_frame *f, uint64_t cause, uint64_t tval);

void on_event(struct hvp_frame *f, uint64_t cause)
{
    struct hvp_vcpu_info *vi = &sh->vcpu[0];
    (void)f;
    last_cause = cause;
    vi->upcall_pending = 0;
    uint64_t sel = __atomic_exchange_n(&vi->pending_sel, 0, __ATOMIC_SEQ_CST);
    while (sel) {
        unsigned w = (unsigned)__builtin_ctzll(sel);
        sel &= sel - 1;
        uint64_t bits = __atomic_exchange_n(&sh->evtchn_pending[w], 0, __ATOMIC_SEQ_CST) &
                        ~sh->evtchn_mask[w];
        while (bits) {
            unsigned port = w * 64 + (unsigned)__builtin_ctzll(bits);
            bits &= bits - 1;
            if (port == timer_port)
                seen[0]++;
            else if (port == self_port)
                seen[1]++;
            events++;
        }
    }
}

void on_fault(struct hvp_frame *f, uint64_t cause, uint64_t tval)
{
    last_cause = cause;
    faults++;
    f->pc += 4;                         /* skip the faulting (32-bit) instruction */
    (void)tval;
}

static void check(int ok, int step)
{
    if (!ok) {
        hv_guest_printf("para events: step %d failed\n", step);
        hv_guest_exit(step);
    }
}

int main(void)
{
    check(hvp_probe_extension(HVP_EID_PARA) == 1, 1);
    struct hvp_sbiret r = hvp_get_start_info(&si);
    check(r.error == 0 && si.magic == HVP_START_MAGIC, 2);
    check(si.abi_version >> 16 == HVP_ABI_MAJOR, 3);
    sh = (struct hvp_shared_info *)(uintptr_t)si.shared_info_gpa;
    check(sh->magic == HVP_SHARED_MAGIC, 4);
    check(hvp_set_callbacks(upcall_entry, fault_entry) == 0, 5);

    /* Timer: bind the VIRQ, arm 1 ms ahead, block until the upcall has run. */
    r = hvp_bind_virq(HVP_VIRQ_TIMER, 0);
    check(r.error == 0, 6);
    timer_port = (uint32_t)r.value;
    uint64_t t0 = hvp_rdtime();
    check(hvp_set_timer(t0 + 10000) == 0, 7);
    while (!seen[0])
        hvp_sched_block();
    check(hvp_rdtime() >= t0 + 10000, 8);
    check(last_cause == HVP_CAUSE_EVENT, 9);

    /* An event sent to itself arrives as an upcall right after the send. */
    r = hvp_alloc_unbound(0);
    check(r.error == 0, 10);
    self_port = (uint32_t)r.value;
    check(hvp_evtchn_send(self_port) == 0, 11);
    check(seen[1] == 1, 12);

    /* Multicall: three calls, one hypercall. */
    static struct hvp_multicall mc[3] = {
        { .eid = HVP_EID_BASE, .fid = HVP_BASE_GET_SPEC_VERSION },
        { .eid = HVP_EID_PARA, .fid = HVP_FID_WALLCLOCK },
        { .eid = HVP_EID_PARA, .fid = HVP_FID_EVTCHN_OP, .args = { HVP_EVTCHN_SEND } },
    };
    mc[2].args[1] = self_port;
    r = hvp_multicall(mc, 3);
    check(r.error == 0 && r.value == 3, 13);
    check(mc[0].value == (2u << 24) && mc[1].value > 0 && mc[2].error == 0, 14);
    check(seen[1] == 2, 15);

    /* An M-mode instruction is a fault (the vCPU runs in S, ABI 1.2); the handler skips it. */
    __asm__ volatile(".option push\n.option norvc\nmret\n.option pop");
    check(faults == 1 && last_cause == 2, 16);

    check(hvp_wallclock_ns() > 1700000000ull * 1000000000ull, 17);
    check(hvp_event_return() == HVP_SBI_ERR_INVALID_STATE, 18);
    hv_guest_printf("para events: ok (%u events, %u faults)\n", events, faults);
    return 0;
}
