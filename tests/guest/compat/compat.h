/* SPDX-License-Identifier: MIT */
/* Shared helpers of the QEMU-compatibility guests (bare metal, M-mode, virt board): MMIO,
 * the PLIC's M-mode contexts, a polled console on the UART, a spinlock, and exit through
 * the SiFive test device (status 0 = pass, else the number of the failed check). */
#ifndef COMPAT_H
#define COMPAT_H

#include <stdint.h>

#define PLIC 0x0c000000ul
#define PLIC_PRIO(s) (PLIC + 4ul * (s))
#define PLIC_ENABLE(ctx) (PLIC + 0x2000ul + 0x80ul * (ctx))
#define PLIC_THRESH(ctx) (PLIC + 0x200000ul + 0x1000ul * (ctx))
#define PLIC_CLAIM(ctx) (PLIC_THRESH(ctx) + 4)
#define UART 0x10000000ul
#define UART_IRQ 10u
#define VIRTIO0 0x10001000ul
#define VIRTIO0_IRQ 1u
#define SIFIVE_TEST 0x100000ul

#define MIE_MEIE (1ul << 11)
#define MSTATUS_MIE (1ul << 3)
#define MCAUSE_MEI ((1ul << 63) | 11)

static inline uint32_t rd32(unsigned long a) { return *(volatile uint32_t *)a; }
static inline void wr32(unsigned long a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint8_t rd8(unsigned long a) { return *(volatile uint8_t *)a; }
static inline void wr8(unsigned long a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline void fence(void) { __asm__ volatile("fence rw, rw" ::: "memory"); }

static inline void irq_on(void)
{
    __asm__ volatile("csrs mie, %0" ::"r"(MIE_MEIE));
    __asm__ volatile("csrs mstatus, %0" ::"r"(MSTATUS_MIE));
}

static inline void irq_off(void)
{
    __asm__ volatile("csrc mstatus, %0" ::"r"(MSTATUS_MIE));
}

/* M-mode context of a hart: 2 * hartid (S-mode is 2 * hartid + 1). */
static inline unsigned ctx_m(unsigned hart) { return 2 * hart; }

static inline void spin_lock(volatile int *l)
{
    while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
        ;
}

static inline void spin_unlock(volatile int *l) { __atomic_store_n(l, 0, __ATOMIC_RELEASE); }

/* Polled output (interrupts of the caller off, or the UART's THRI off). */
static inline void con_putc(char c)
{
    while (!(rd8(UART + 5) & 0x20))
        ;
    wr8(UART, (uint8_t)c);
}

static inline void con_puts(const char *s)
{
    while (*s)
        con_putc(*s++);
}

static inline void con_putu(unsigned long v)
{
    char b[24];
    int n = 0;
    do {
        b[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        con_putc(b[--n]);
}

static inline __attribute__((noreturn)) void guest_exit(unsigned code)
{
    wr32(SIFIVE_TEST, code ? (0x3333u | (code << 16)) : 0x5555u);
    for (;;)
        __asm__ volatile("wfi");
}

#endif
