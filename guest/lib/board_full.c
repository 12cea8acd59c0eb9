/* SPDX-License-Identifier: MIT */
/* libhv guest SDK, bare-metal flavour for the full backend's virt board: console on the
 * NS16550A UART at 0x10000000, exit through the SiFive test device at 0x100000, time from
 * the CLINT's mtime (M-mode) at 10 MHz. */
#include "hvguest.h"

#define UART0 ((volatile uint8_t *)0x10000000)
#define UART_THR 0
#define UART_LSR 5
#define LSR_THRE 0x20
#define SIFIVE_TEST ((volatile uint32_t *)0x100000)
#define CLINT_MTIME ((volatile uint64_t *)0x200bff8)

void hv_guest_platform_init(void)
{
    /* Enable the FPU (mstatus.FS = Initial) so compiled code may use F/D. */
    unsigned long fs = 1ul << 13;
    __asm__ volatile("csrs mstatus, %0" ::"r"(fs));
}

void hv_guest_putc(char c)
{
    while (!(UART0[UART_LSR] & LSR_THRE))
        ;
    UART0[UART_THR] = (uint8_t)c;
}

void hv_guest_exit(int code)
{
    *SIFIVE_TEST = code ? (0x3333u | ((uint32_t)code << 16)) : 0x5555u;
    for (;;)
        __asm__ volatile("wfi");
}

uint64_t hv_guest_time_ns(void)
{
    return *CLINT_MTIME * 100;
}
