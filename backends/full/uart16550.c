/* libhv full backend — a minimal NS16550A-compatible UART at 0x10000000: THR writes go to
 * the serial chardev, RBR reads take pending input, LSR reports THRE|TEMT (transmitter
 * always empty) and DR. No interrupts and no FIFO model yet (the board's full model will
 * replace this file). */
#include "backends/full/full.h"

enum { UART_RBR_THR = 0, UART_IER = 1, UART_IIR_FCR = 2, UART_LCR = 3, UART_MCR = 4,
       UART_LSR = 5, UART_MSR = 6, UART_SCR = 7 };
#define LCR_DLAB 0x80u
#define LSR_DR 0x01u
#define LSR_THRE 0x20u
#define LSR_TEMT 0x40u

static int uart_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
    struct hvf_uart *u = opaque;
    struct hv_chardev *chr = u->board->vm->serial;
    uint8_t c = 0;
    switch (off) {
    case UART_RBR_THR:
        if (u->lcr & LCR_DLAB)
            c = u->dll;
        else if (chr)
            (void)hv__chardev_read(chr, &c, 1);
        break;
    case UART_IER: c = (u->lcr & LCR_DLAB) ? u->dlm : u->ier; break;
    case UART_IIR_FCR: c = 0x01; break;                  /* no interrupt pending */
    case UART_LCR: c = u->lcr; break;
    case UART_MCR: c = u->mcr; break;
    case UART_LSR:
        c = LSR_THRE | LSR_TEMT;
        if (chr && hv__chardev_pending(chr))
            c |= LSR_DR;
        break;
    case UART_MSR: c = 0xb0; break;                      /* CTS, DSR, DCD */
    case UART_SCR: c = u->scr; break;
    default: break;
    }
    *val = c;
    return 0;
}

static int uart_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
    struct hvf_uart *u = opaque;
    struct hv_chardev *chr = u->board->vm->serial;
    uint8_t c = (uint8_t)val;
    switch (off) {
    case UART_RBR_THR:
        if (u->lcr & LCR_DLAB)
            u->dll = c;
        else if (chr)
            (void)hv__chardev_write(chr, &c, 1);
        break;
    case UART_IER:
        if (u->lcr & LCR_DLAB)
            u->dlm = c;
        else
            u->ier = c & 0x0f;
        break;
    case UART_LCR: u->lcr = c; break;
    case UART_MCR: u->mcr = c & 0x1f; break;
    case UART_SCR: u->scr = c; break;
    default: break;
    }
    return 0;
}

const struct hv_mmio_ops hvf_uart_ops = { .read = uart_read, .write = uart_write };
