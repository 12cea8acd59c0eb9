/* SPDX-License-Identifier: MIT */
/* Console test guest (full board, bare metal, M-mode): reports every byte it receives as
 * "rx HH #N" (hex, N counts bytes since boot, so a restored snapshot shows in the count),
 * a break condition on the line as "break", and powers off with code 3 on 'Q'. Control
 * bytes (C-c 03, C-d 04, DEL 7f) are reported like any other, so a test can see they
 * reached the guest. Idles in WFI with the UART's receive and line-status interrupts
 * routed through the PLIC to MEIP (mstatus.MIE stays clear: WFI wakes, no trap). */
#include "hvguest.h"

#define UART ((volatile uint8_t *)0x10000000)
#define PLIC_PRIORITY(src) ((volatile uint32_t *)(0x0c000000ul + 4u * (src)))
#define PLIC_ENABLE_CTX0 ((volatile uint32_t *)0x0c002000ul)
#define PLIC_THRESHOLD_CTX0 ((volatile uint32_t *)0x0c200000ul)
#define UART_IRQ 10u
#define MIE_MEIE (1ul << 11)

enum { RBR = 0, IER = 1, FCR = 2, LSR = 5 };
#define LSR_DR 0x01u
#define LSR_BI 0x10u
#define LSR_THRE 0x20u

/* Reading LSR clears BI, and so does the THRE poll of a transmit: output goes through
 * out(), which keeps the BI it sees for the main loop (as Linux's 8250 driver keeps
 * lsr_saved_flags). */
static uint8_t saved_lsr;

static void out(char c)
{
    uint8_t lsr;
    while (!((lsr = UART[LSR]) & LSR_THRE))
        saved_lsr |= lsr & LSR_BI;
    saved_lsr |= lsr & LSR_BI;
    UART[RBR] = (uint8_t)c;
}

static void out_str(const char *s)
{
    while (*s)
        out(*s++);
}

static void out_rx(uint8_t c, unsigned count)
{
    static const char hex[] = "0123456789abcdef";
    char num[12];
    int n = 0;
    out_str("rx ");
    out(hex[c >> 4]);
    out(hex[c & 15]);
    out_str(" #");
    do
        num[n++] = (char)('0' + count % 10);
    while ((count /= 10) != 0);
    while (n)
        out(num[--n]);
    out('\n');
}

int main(void)
{
    UART[FCR] = 0x01;                     /* FIFO on, trigger level 1 */
    UART[IER] = 0x05;                     /* received data + line status */
    *PLIC_PRIORITY(UART_IRQ) = 1;
    *PLIC_ENABLE_CTX0 = 1u << UART_IRQ;
    *PLIC_THRESHOLD_CTX0 = 0;
    unsigned long meie = MIE_MEIE;
    __asm__ volatile("csrs mie, %0" ::"r"(meie));
    out_str("console-guest: ready\n");
    unsigned count = 0;
    for (;;) {
        uint8_t lsr;
        while ((lsr = UART[LSR] | saved_lsr) & (LSR_DR | LSR_BI)) {
            saved_lsr = 0;
            if (lsr & LSR_BI)
                out_str("break\n");
            if (lsr & LSR_DR) {
                uint8_t c = UART[RBR];
                out_rx(c, ++count);
                if (c == 'Q')
                    return 3;
            }
        }
        hv_guest_timer_set(hv_guest_time_ns() + 100000000ull);   /* 100 ms heartbeat */
        hv_guest_wait();
    }
}
