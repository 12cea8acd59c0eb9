/* SPDX-License-Identifier: MIT */
/* Issue 17 item 10: a 16550 driver written against QEMU, serviced from the PLIC interrupt
 * exactly as a well-known teaching OS does: the handler reads LSR and RHR while there is
 * input and writes THR while its output buffer has data, but never reads IIR. Once the
 * buffer is empty the THRE condition stays set in the UART (IIR would report it), and on
 * QEMU the driver still gets one interrupt per THR-empty event (QEMU's PLIC pends a source
 * when the device signals it; completing does not re-pend it), not an endless stream.
 * Every hart (NHARTS of them) enables the UART on its M-mode context, as that OS does on
 * S-mode, and prints a line through the buffered path. Checks: the UART interrupt is
 * delivered; UART claims <= THRE events (one per byte written plus the one from enabling
 * THRI); a quiet phase after all output sees at most two more; spurious claims bounded.
 * Prints a summary line; exit status 0 or the number of the failed check. */
#include "compat.h"

#ifndef NHARTS
#define NHARTS 1
#endif
#define TXBUF 32u
#define QUIET_SPINS 200000ul

static volatile int tx_lock;
static char tx_buf[TXBUF];
static volatile unsigned long tx_w, tx_r;
static volatile unsigned long thr_writes;   /* bytes written to THR: one THRE event each */
static volatile unsigned long traps, uart_claims, spurious, rx_bytes;
static volatile int go, arrived, printed;

static unsigned hartid(void)
{
    unsigned long h;
    __asm__ volatile("csrr %0, mhartid" : "=r"(h));
    return (unsigned)h;
}

/* Interrupts off on this hart, returning the previous mstatus.MIE. */
static unsigned long local_irq_save(void)
{
    unsigned long old;
    __asm__ volatile("csrrc %0, mstatus, %1" : "=r"(old) : "r"(MSTATUS_MIE));
    return old & MSTATUS_MIE;
}

static void local_irq_restore(unsigned long mie)
{
    if (mie)
        __asm__ volatile("csrs mstatus, %0" ::"r"(MSTATUS_MIE));
}

/* Send what the buffer holds while THR is empty (tx_lock held). Nothing to send: return,
 * IIR untouched. */
static void uartstart(void)
{
    for (;;) {
        if (tx_w == tx_r)
            return;
        if (!(rd8(UART + 5) & 0x20))
            return;
        char c = tx_buf[tx_r % TXBUF];
        tx_r++;
        __atomic_fetch_add(&thr_writes, 1, __ATOMIC_RELAXED);
        wr8(UART, (uint8_t)c);
    }
}

static void uartputc(char c)
{
    for (;;) {
        unsigned long mie = local_irq_save();
        spin_lock(&tx_lock);
        if (tx_w - tx_r < TXBUF) {
            tx_buf[tx_w % TXBUF] = c;
            tx_w++;
            uartstart();
            spin_unlock(&tx_lock);
            local_irq_restore(mie);
            return;
        }
        spin_unlock(&tx_lock);
        local_irq_restore(mie);
    }
}

static void uartputs(const char *s)
{
    while (*s)
        uartputc(*s++);
}

static void uartintr(void)
{
    while (rd8(UART + 5) & 0x01) {      /* LSR.DR: read RHR */
        (void)rd8(UART);
        __atomic_fetch_add(&rx_bytes, 1, __ATOMIC_RELAXED);
    }
    spin_lock(&tx_lock);
    uartstart();
    spin_unlock(&tx_lock);
}

void trap(unsigned long mcause);
void trap(unsigned long mcause)
{
    if (mcause != MCAUSE_MEI)
        guest_exit(90);
    __atomic_fetch_add(&traps, 1, __ATOMIC_RELAXED);
    unsigned ctx = ctx_m(hartid());
    uint32_t irq = rd32(PLIC_CLAIM(ctx));
    if (irq == UART_IRQ) {
        __atomic_fetch_add(&uart_claims, 1, __ATOMIC_RELAXED);
        uartintr();
    } else if (irq == 0) {
        __atomic_fetch_add(&spurious, 1, __ATOMIC_RELAXED);
    } else {
        guest_exit(91);                  /* nothing else is enabled */
    }
    if (irq)
        wr32(PLIC_CLAIM(ctx), irq);
}

static void summary(unsigned long events, unsigned long quiet)
{
    con_puts("compat-uart: harts=");
    con_putu(NHARTS);
    con_puts(" thre-events=");
    con_putu(events);
    con_puts(" uart-claims=");
    con_putu(uart_claims);
    con_puts(" spurious=");
    con_putu(spurious);
    con_puts(" quiet=");
    con_putu(quiet);
    con_puts("\n");
}

int main(unsigned hart);
int main(unsigned hart)
{
    if (hart >= NHARTS)
        for (;;)
            __asm__ volatile("wfi");
    if (hart == 0) {
        wr32(PLIC_PRIO(UART_IRQ), 1);
        wr8(UART + 1, 0x00);             /* IER: all off */
        wr8(UART + 3, 0x80);             /* DLAB */
        wr8(UART + 0, 0x03);
        wr8(UART + 1, 0x00);
        wr8(UART + 3, 0x03);             /* 8N1 */
        wr8(UART + 2, 0x07);             /* FIFOs on and reset */
        fence();
        __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
    } else {
        while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
            ;
    }
    wr32(PLIC_ENABLE(ctx_m(hart)), 1u << UART_IRQ);
    wr32(PLIC_THRESH(ctx_m(hart)), 0);
    irq_on();
    __atomic_fetch_add(&arrived, 1, __ATOMIC_ACQ_REL);
    if (hart != 0) {
        while (__atomic_load_n(&go, __ATOMIC_ACQUIRE) != 2)
            ;
        uartputs("compat-uart: hart ");
        uartputc((char)('0' + hart));
        uartputs(" here\n");
        __atomic_fetch_add(&printed, 1, __ATOMIC_ACQ_REL);
        for (;;)
            __asm__ volatile("wfi");
    }
    while (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) != NHARTS)
        ;
    /* Receive and transmit interrupts on. THR is empty, so this is a THRE event. */
    wr8(UART + 1, 0x03);
    __atomic_store_n(&go, 2, __ATOMIC_RELEASE);
    uartputs("compat-uart: interrupt-driven output from hart 0\n");
    while (__atomic_load_n(&printed, __ATOMIC_ACQUIRE) != NHARTS - 1)
        ;
    unsigned long events = __atomic_load_n(&thr_writes, __ATOMIC_ACQUIRE) + 1;
    unsigned long before = __atomic_load_n(&uart_claims, __ATOMIC_ACQUIRE);
    for (volatile unsigned long i = 0; i < QUIET_SPINS; i++)
        ;
    unsigned long quiet = __atomic_load_n(&uart_claims, __ATOMIC_ACQUIRE) - before;
    irq_off();
    wr8(UART + 1, 0x00);
    summary(events, quiet);
    if (uart_claims == 0)
        guest_exit(1);                   /* the UART interrupt never came */
    if (uart_claims > events)
        guest_exit(2);                   /* more interrupts than THRE events */
    if (quiet > 2)
        guest_exit(3);                   /* interrupts without any new event */
    if (spurious > (NHARTS - 1) * events + NHARTS)
        guest_exit(4);
    con_puts("compat-uart: ok\n");
    guest_exit(0);
}
