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

int main(void)
{
    UART[FCR] = 0x01;                     /* FIFO on, trigger level 1 */
    UART[IER] = 0x05;                     /* received data + line status */
    *PLIC_PRIORITY(UART_IRQ) = 1;
    *PLIC_ENABLE_CTX0 = 1u << UART_IRQ;
    *PLIC_THRESHOLD_CTX0 = 0;
    unsigned long meie = MIE_MEIE;
    __asm__ volatile("csrs mie, %0" ::"r"(meie));
    hv_guest_printf("console-guest: ready\n");
    unsigned count = 0;
    for (;;) {
        uint8_t lsr;
        while ((lsr = UART[LSR]) & (LSR_DR | LSR_BI)) {
            if (lsr & LSR_BI)
                hv_guest_printf("break\n");
            if (lsr & LSR_DR) {
                uint8_t c = UART[RBR];
                hv_guest_printf("rx %02x #%u\n", c, ++count);
                if (c == 'Q')
                    return 3;
            }
        }
        hv_guest_timer_set(hv_guest_time_ns() + 100000000ull);   /* 100 ms heartbeat */
        hv_guest_wait();
    }
}
