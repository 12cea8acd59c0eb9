/* SPDX-License-Identifier: MIT */
/* event — event delivery latency: a guest raises an event to itself and waits for its
 * handler to run, EVENT_OPS times. para: EVTCHN_OP send on an unbound port bound to this
 * vCPU -> upcall -> EVENT_RETURN (two hypercalls per op); full: a store to the CLINT msip of
 * hart 0 -> machine software interrupt -> trap handler clears msip -> mret (one trapped
 * MMIO store to raise, one to clear, and an interrupt taken). */
#include "bench.h"
#include "benchline.h"

#ifndef EVENT_OPS
#define EVENT_OPS 50000u
#endif

static volatile uint64_t delivered;

#ifdef HV_GUEST_PARA
#include "hvpara_guest.h"

static struct hvp_start_info si;
static struct hvp_shared_info *sh;
static uint32_t port;

void ev_upcall_entry(void);
void ev_on_event(void);
/* The hypervisor saved every integer register in the frame: call C, then EVENT_RETURN. */
__asm__(".globl ev_upcall_entry\n"
        "ev_upcall_entry:\n"
        "    call ev_on_event\n"
        "    li a7, 0x08485650\n"
        "    li a6, 2\n"
        "    ecall\n"
        "1:  j 1b\n");

void ev_on_event(void)
{
    struct hvp_vcpu_info *vi = &sh->vcpu[0];
    vi->upcall_pending = 0;
    uint64_t sel = __atomic_exchange_n(&vi->pending_sel, 0, __ATOMIC_SEQ_CST);
    while (sel) {
        unsigned w = (unsigned)__builtin_ctzll(sel);
        sel &= sel - 1;
        uint64_t bits = __atomic_exchange_n(&sh->evtchn_pending[w], 0, __ATOMIC_SEQ_CST);
        if (w == port / 64 && (bits >> (port % 64) & 1))
            delivered++;
    }
}

static int setup(void)
{
    if (hvp_get_start_info(&si).error || si.magic != HVP_START_MAGIC)
        return -1;
    sh = (struct hvp_shared_info *)(uintptr_t)si.shared_info_gpa;
    if (hvp_set_callbacks(ev_upcall_entry, 0))
        return -1;
    struct hvp_sbiret r = hvp_alloc_unbound(0);
    if (r.error)
        return -1;
    port = (uint32_t)r.value;
    return 0;
}

static inline void raise_event(void)
{
    hvp_evtchn_send(port);
}
#else
#define CLINT_MSIP0 ((volatile uint32_t *)0x2000000)
#define MIE_MSIE (1ul << 3)
#define MSTATUS_MIE (1ul << 3)

void ev_m_trap(void);
/* Machine software interrupt: clear msip, count, return. Saves the two registers it uses. */
__asm__(".align 4\n"
        ".globl ev_m_trap\n"
        "ev_m_trap:\n"
        "    addi sp, sp, -16\n"
        "    sd t0, 0(sp)\n"
        "    sd t1, 8(sp)\n"
        "    li t0, 0x2000000\n"
        "    sw zero, 0(t0)\n"
        "    la t0, delivered\n"
        "    ld t1, 0(t0)\n"
        "    addi t1, t1, 1\n"
        "    sd t1, 0(t0)\n"
        "    ld t0, 0(sp)\n"
        "    ld t1, 8(sp)\n"
        "    addi sp, sp, 16\n"
        "    mret\n");

static int setup(void)
{
    unsigned long mie = MIE_MSIE, mst = MSTATUS_MIE;
    __asm__ volatile("csrw mtvec, %0" ::"r"(ev_m_trap));
    __asm__ volatile("csrs mie, %0" ::"r"(mie));
    __asm__ volatile("csrs mstatus, %0" ::"r"(mst));
    return 0;
}

static inline void raise_event(void)
{
    *CLINT_MSIP0 = 1;
}
#endif

int main(void)
{
    if (setup() < 0) {
        hv_guest_printf("event: setup failed\n");
        return 1;
    }
    uint64_t t0 = hv_guest_time_ns();
    for (unsigned i = 0; i < EVENT_OPS; i++) {
        uint64_t before = delivered;
        raise_event();
        while (delivered == before)
            ;
    }
    uint64_t ns = hv_guest_time_ns() - t0;
    bench_line("event", EVENT_OPS, 0, ns);
    return bench_report("event", delivered, EVENT_OPS);
}
