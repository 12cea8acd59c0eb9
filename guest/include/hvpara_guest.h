/* SPDX-License-Identifier: MIT */
/* libhv guest SDK, para flavour — hypercall stubs over the para ABI (include/hv/para.h):
 * one static inline `ecall` wrapper per call, returning the SBI pair {error, value}.
 * Spec: docs/PARA-ABI.md. Freestanding; include in guest code only. */
#ifndef HVPARA_GUEST_H
#define HVPARA_GUEST_H

#include <stdint.h>
#include "hv/para.h"

struct hvp_sbiret {
    long error;
    unsigned long value;
};

static inline struct hvp_sbiret hvp_ecall(unsigned long eid, unsigned long fid,
                                          unsigned long a0, unsigned long a1,
                                          unsigned long a2, unsigned long a3,
                                          unsigned long a4, unsigned long a5)
{
    register unsigned long r0 __asm__("a0") = a0;
    register unsigned long r1 __asm__("a1") = a1;
    register unsigned long r2 __asm__("a2") = a2;
    register unsigned long r3 __asm__("a3") = a3;
    register unsigned long r4 __asm__("a4") = a4;
    register unsigned long r5 __asm__("a5") = a5;
    register unsigned long r6 __asm__("a6") = fid;
    register unsigned long r7 __asm__("a7") = eid;
    __asm__ volatile("ecall"
                     : "+r"(r0), "+r"(r1)
                     : "r"(r2), "r"(r3), "r"(r4), "r"(r5), "r"(r6), "r"(r7)
                     : "memory");
    return (struct hvp_sbiret){ (long)r0, r1 };
}

#define HVP_CALL0(e, f) hvp_ecall(e, f, 0, 0, 0, 0, 0, 0)
#define HVP_CALL1(e, f, a) hvp_ecall(e, f, (unsigned long)(a), 0, 0, 0, 0, 0)

/* ---- standard SBI ------------------------------------------------------------------- */
static inline long hvp_probe_extension(unsigned long eid)
{
    return (long)HVP_CALL1(HVP_EID_BASE, HVP_BASE_PROBE_EXTENSION, eid).value;
}
static inline long hvp_set_timer(uint64_t deadline_ticks)
{
    return HVP_CALL1(HVP_EID_TIME, HVP_TIME_SET_TIMER, deadline_ticks).error;
}
static inline long hvp_system_reset(unsigned long type, unsigned long reason)
{
    return hvp_ecall(HVP_EID_SRST, HVP_SRST_SYSTEM_RESET, type, reason, 0, 0, 0, 0).error;
}
static inline struct hvp_sbiret hvp_console_write(const void *buf, unsigned long len)
{
    return hvp_ecall(HVP_EID_DBCN, HVP_DBCN_CONSOLE_WRITE, len, (unsigned long)buf, 0, 0, 0,
                     0);
}
static inline struct hvp_sbiret hvp_console_read(void *buf, unsigned long len)
{
    return hvp_ecall(HVP_EID_DBCN, HVP_DBCN_CONSOLE_READ, len, (unsigned long)buf, 0, 0, 0, 0);
}
static inline long hvp_console_write_byte(uint8_t b)
{
    return HVP_CALL1(HVP_EID_DBCN, HVP_DBCN_CONSOLE_WRITE_BYTE, b).error;
}

/* ---- the para extension -------------------------------------------------------------- */
static inline struct hvp_sbiret hvp_get_start_info(struct hvp_start_info *si)
{
    return hvp_ecall(HVP_EID_PARA, HVP_FID_GET_START_INFO, (unsigned long)si, sizeof(*si),
                     0, 0, 0, 0);
}
static inline long hvp_set_callbacks(void (*event)(void), void (*fault)(void))
{
    return hvp_ecall(HVP_EID_PARA, HVP_FID_SET_CALLBACKS, (unsigned long)event,
                     (unsigned long)fault, 0, 0, 0, 0).error;
}
/* Returns only on error (not inside a handler). */
static inline long hvp_event_return(void)
{
    return HVP_CALL0(HVP_EID_PARA, HVP_FID_EVENT_RETURN).error;
}
static inline struct hvp_sbiret hvp_evtchn_op(unsigned long op, unsigned long a1,
                                              unsigned long a2)
{
    return hvp_ecall(HVP_EID_PARA, HVP_FID_EVTCHN_OP, op, a1, a2, 0, 0, 0);
}
static inline struct hvp_sbiret hvp_bind_virq(unsigned virq, unsigned vcpu)
{
    return hvp_evtchn_op(HVP_EVTCHN_BIND_VIRQ, virq, vcpu);
}
static inline struct hvp_sbiret hvp_alloc_unbound(unsigned vcpu)
{
    return hvp_evtchn_op(HVP_EVTCHN_ALLOC_UNBOUND, vcpu, 0);
}
static inline long hvp_evtchn_send(uint32_t port)
{
    return hvp_evtchn_op(HVP_EVTCHN_SEND, port, 0).error;
}
static inline long hvp_evtchn_unmask(uint32_t port)
{
    return hvp_evtchn_op(HVP_EVTCHN_UNMASK, port, 0).error;
}
static inline long hvp_evtchn_close(uint32_t port)
{
    return hvp_evtchn_op(HVP_EVTCHN_CLOSE, port, 0).error;
}
static inline long hvp_sched_yield(void)
{
    return HVP_CALL1(HVP_EID_PARA, HVP_FID_SCHED_OP, HVP_SCHED_YIELD).error;
}
static inline long hvp_sched_block(void)
{
    return HVP_CALL1(HVP_EID_PARA, HVP_FID_SCHED_OP, HVP_SCHED_BLOCK).error;
}
static inline struct hvp_sbiret hvp_sched_poll(const uint32_t *ports, unsigned long n,
                                               uint64_t timeout_ticks)
{
    return hvp_ecall(HVP_EID_PARA, HVP_FID_SCHED_OP, HVP_SCHED_POLL, (unsigned long)ports, n,
                     timeout_ticks, 0, 0);
}
static inline struct hvp_sbiret hvp_multicall(struct hvp_multicall *calls, unsigned long n)
{
    return hvp_ecall(HVP_EID_PARA, HVP_FID_MULTICALL, (unsigned long)calls, n, 0, 0, 0, 0);
}
static inline long hvp_ring_connect(unsigned dev, void *ring, unsigned order, uint32_t port)
{
    return hvp_ecall(HVP_EID_PARA, HVP_FID_RING_CONNECT, dev, (unsigned long)ring, order, port,
                     0, 0).error;
}
static inline long hvp_notify(uint32_t port)
{
    return HVP_CALL1(HVP_EID_PARA, HVP_FID_NOTIFY, port).error;
}
static inline uint64_t hvp_wallclock_ns(void)
{
    return HVP_CALL0(HVP_EID_PARA, HVP_FID_WALLCLOCK).value;
}

/* Read the time CSR (10 MHz ticks since VM creation): a user counter, allowed in para. */
static inline uint64_t hvp_rdtime(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

#endif
