/* SPDX-License-Identifier: MIT */
/* Unit tests for backends/full/uart16550_full.c: transmit, receive through the chardev,
 * divisor latch, FIFO and trigger levels, FCR resets, IIR priorities and the interrupt
 * line, loopback with MSR mirroring, overrun, access sizes. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "backends/full/devices.h"

#define U HVF_UART_BASE
enum { RBR = 0, IER = 1, IIR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

static struct hv_vm *vm;
static struct hv_chardev *chr;
static struct hvf_uart16550 *uart;
static uint8_t outbuf[256];
static size_t outlen;
static int irq_level;
static int irq_requests;        /* assertions signalled: each is a request to the PLIC */

static void on_output(void *opaque, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len && outlen < sizeof(outbuf); i++)
        outbuf[outlen++] = data[i];
}

static void irq_set(void *opaque, unsigned irq, int level)
{
    cr_assert_eq(irq, HVF_IRQ_UART);
    irq_level = level;
    if (level)
        irq_requests++;
}

static void setup(void)
{
    char err[256];
    vm = calloc(1, sizeof(*vm));
    hv_config_init(&vm->cfg);
    cr_assert_eq(hv__mem_init(&vm->mem, 1ull << 32, err, sizeof(err)), 0, "%s", err);
    hv__clock_init(&vm->clock, false, 0);
    struct hv_chardev_config cc = { .type = HV_CHARDEV_BUFFER, .on_output = on_output };
    cr_assert_eq(hv__chardev_open(&cc, &chr, err, sizeof(err)), 0, "%s", err);
    vm->serial = chr;
    struct hv_irq_line l = { .set = irq_set, .irq = HVF_IRQ_UART };
    cr_assert_eq(hvf_uart16550_create(vm, U, chr, l, &uart, err, sizeof(err)), 0, "%s", err);
}

static void teardown(void)
{
    hvf_uart16550_destroy(uart);
    hv__chardev_close(chr);
    hv__mem_fini(&vm->mem);
    free(vm);
}

TestSuite(uart, .init = setup, .fini = teardown);

static uint8_t rd(unsigned reg)
{
    struct hv_region *r = hv__mem_find(&vm->mem, U);
    uint64_t v = 0xdead;
    cr_assert_eq(r->ops->read(r->opaque, reg, 1, &v), 0);
    cr_assert_leq(v, 0xff);
    return (uint8_t)v;
}

static void wr(unsigned reg, uint8_t v)
{
    struct hv_region *r = hv__mem_find(&vm->mem, U);
    cr_assert_eq(r->ops->write(r->opaque, reg, 1, v), 0);
}

static void input(const char *s)
{
    cr_assert_eq(hv__chardev_push_input(chr, s, strlen(s)), 0);
}

Test(uart, transmit_and_lsr)
{
    cr_assert_eq(rd(LSR), 0x60, "THRE|TEMT, no data");
    wr(RBR, 'h');
    wr(RBR, 'i');
    cr_assert_eq(outlen, 2);
    cr_assert_eq(memcmp(outbuf, "hi", 2), 0);
    cr_assert_eq(rd(LSR) & 0x60, 0x60);
}

Test(uart, receive_from_chardev)
{
    input("ab");
    cr_assert_eq(rd(LSR) & 1, 1);
    cr_assert_eq(rd(RBR), 'a');
    cr_assert_eq(rd(RBR), 'b');
    cr_assert_eq(rd(LSR) & 1, 0);
    cr_assert_eq(rd(RBR), 0, "empty FIFO reads 0");
}

Test(uart, divisor_latch_and_scratch)
{
    wr(LCR, 0x83);
    wr(RBR, 0x01);                       /* DLL */
    wr(IER, 0x02);                       /* DLM */
    cr_assert_eq(rd(RBR), 0x01);
    cr_assert_eq(rd(IER), 0x02);
    cr_assert_eq(outlen, 0, "divisor writes are not output");
    wr(LCR, 0x03);
    cr_assert_eq(rd(LCR), 0x03);
    cr_assert_eq(rd(IER), 0, "IER untouched by DLM");
    wr(SCR, 0x5a);
    cr_assert_eq(rd(SCR), 0x5a);
}

Test(uart, iir_without_and_with_fifo)
{
    cr_assert_eq(rd(IIR), 0x01);
    wr(IIR, 0x01);                       /* FCR: enable FIFOs */
    cr_assert_eq(rd(IIR), 0xc1);
}

Test(uart, thre_interrupt)
{
    wr(IER, 0x02);
    cr_assert_eq(irq_level, 1, "enabling THRI with THR empty interrupts at once");
    cr_assert_eq(rd(IIR), 0x02);
    cr_assert_eq(irq_level, 0, "reading IIR acknowledges THRE");
    cr_assert_eq(rd(IIR), 0x01);
    wr(RBR, 'x');
    cr_assert_eq(irq_level, 1, "THR drained again");
    wr(IER, 0);
    cr_assert_eq(irq_level, 0);
}

/* Issue 17 item 10: a handler that reads LSR (and RHR when there is data) and writes THR
 * only when it has data, but never reads IIR. THRE stays reported in IIR, the line stays
 * high, yet only the THR-empty transitions are signalled to the PLIC: one request each,
 * none for LSR reads. */
Test(uart, thre_signalled_once_per_transition)
{
    irq_requests = 0;
    wr(IER, 0x03);                       /* RX + THRI, THR empty: a THRE event */
    cr_assert_eq(irq_level, 1);
    cr_assert_eq(irq_requests, 1);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(rd(LSR), 0x60);     /* handler: no data, nothing to send */
    cr_assert_eq(irq_requests, 1, "LSR reads are no events");
    cr_assert_eq(irq_level, 1, "THRE still reported");
    wr(RBR, 'a');                        /* one byte sent: THR full, then empty again */
    cr_assert_eq(irq_requests, 2);
    wr(RBR, 'b');
    cr_assert_eq(irq_requests, 3);
    cr_assert_eq(rd(LSR), 0x60);
    cr_assert_eq(rd(SCR), 0);
    cr_assert_eq(irq_requests, 3);
    cr_assert_eq(rd(IIR) & 0x0f, 0x02, "IIR still has THRE");
    cr_assert_eq(irq_level, 0, "until it is read");
    /* An RBR read re-evaluates the line (as QEMU): a request only while it is high. */
    cr_assert_eq(rd(RBR), 0);
    cr_assert_eq(irq_requests, 3);
    input("xy");
    cr_assert(hvf_uart16550_poll(uart));
    cr_assert_eq(irq_requests, 4, "new input");
    cr_assert(hvf_uart16550_poll(uart));
    cr_assert_eq(irq_requests, 4, "a poll without new input is no event");
    cr_assert_eq(rd(LSR) & 0x01, 1);
    cr_assert_eq(rd(RBR), 'x');
    cr_assert_eq(irq_requests, 5, "data left: the line is signalled again");
    cr_assert_eq(rd(RBR), 'y');
    cr_assert_eq(irq_level, 0);
    cr_assert_eq(irq_requests, 5);
}

Test(uart, rx_interrupt_via_poll)
{
    wr(IER, 0x01);
    cr_assert_eq(irq_level, 0);
    input("z");
    cr_assert(hvf_uart16550_poll(uart));
    cr_assert_eq(irq_level, 1);
    cr_assert_eq(rd(IIR) & 0x0f, 0x04);
    cr_assert_eq(rd(RBR), 'z');
    cr_assert_eq(irq_level, 0);
    cr_assert_not(hvf_uart16550_poll(uart));
}

Test(uart, rx_beats_thre_in_priority)
{
    wr(IER, 0x03);
    input("q");
    hvf_uart16550_poll(uart);
    cr_assert_eq(rd(IIR) & 0x0f, 0x04);
    rd(RBR);
    cr_assert_eq(rd(IIR) & 0x0f, 0x02);
}

Test(uart, fifo_and_trigger_level)
{
    wr(IIR, 0xc1);                       /* FIFO on, trigger 14 */
    wr(IER, 0x01);
    input("0123");
    hvf_uart16550_poll(uart);
    cr_assert_eq(rd(IIR), 0xcc, "below the trigger level: character timeout");
    input("456789abcdefghij");           /* 20 in total, 16 fit */
    hvf_uart16550_poll(uart);
    cr_assert_eq(rd(IIR), 0xc4);
    char got[21] = { 0 };
    for (int i = 0; i < 20; i++) {
        cr_assert_eq(rd(LSR) & 1, 1, "byte %d", i);
        got[i] = (char)rd(RBR);
    }
    cr_assert_str_eq(got, "0123456789abcdefghij");
    cr_assert_eq(rd(LSR) & 3, 0, "no data, no overrun (host input waits)");
}

Test(uart, fifo_disabled_holds_one_byte)
{
    input("xy");
    hvf_uart16550_poll(uart);
    cr_assert_eq(rd(RBR), 'x');
    cr_assert_eq(rd(RBR), 'y');
}

Test(uart, fcr_clears_rx)
{
    wr(IIR, 0x01);
    input("abc");
    hvf_uart16550_poll(uart);
    wr(IIR, 0x03);                       /* clear RX FIFO */
    cr_assert_eq(rd(LSR) & 1, 0);
}

Test(uart, loopback)
{
    wr(MCR, 0x10 | 0x02 | 0x08);         /* loop, RTS, OUT2 */
    cr_assert_eq(rd(MSR) & 0xf0, 0x10 | 0x80, "CTS <- RTS, DCD <- OUT2");
    input("host");                       /* ignored in loopback */
    wr(RBR, 'L');
    cr_assert_eq(outlen, 0, "loopback output does not leave the UART");
    cr_assert_eq(rd(LSR) & 1, 1);
    cr_assert_eq(rd(RBR), 'L');
    cr_assert_eq(rd(LSR) & 1, 0);
    wr(MCR, 0x10 | 0x01);                /* DTR only: CTS drops, DSR rises */
    uint8_t msr = rd(MSR);
    cr_assert_eq(msr & 0xf0, 0x20);
    cr_assert_eq(msr & 0x0b, 0x0b, "delta CTS, DSR and DCD");
    cr_assert_eq(rd(MSR) & 0x0f, 0, "deltas clear on read");
}

Test(uart, modem_status_interrupt)
{
    wr(IER, 0x08);
    cr_assert_eq(irq_level, 0);
    wr(MCR, 0x10);                       /* loopback: all lines drop */
    cr_assert_eq(irq_level, 1);
    cr_assert_eq(rd(IIR), 0x00);
    rd(MSR);
    cr_assert_eq(irq_level, 0);
}

Test(uart, overrun_in_loopback)
{
    wr(MCR, 0x10);
    wr(IER, 0x04);
    wr(RBR, '1');
    wr(RBR, '2');                        /* holding register full: overrun */
    cr_assert_eq(irq_level, 1);
    cr_assert_eq(rd(IIR), 0x06);
    uint8_t lsr = rd(LSR);
    cr_assert_eq(lsr & 3, 3);
    cr_assert_eq(rd(LSR) & 2, 0, "OE clears on read");
    cr_assert_eq(rd(RBR), '1');
}

Test(uart, access_sizes)
{
    struct hv_region *r = hv__mem_find(&vm->mem, U);
    uint64_t v;
    cr_assert_eq(r->ops->write(r->opaque, SCR, 4, 0x1234a5), 0);
    cr_assert_eq(r->ops->read(r->opaque, SCR, 4, &v), 0);
    cr_assert_eq(v, 0xa5);
    cr_assert_lt(r->ops->read(r->opaque, SCR, 2, &v), 0);
    cr_assert_lt(r->ops->write(r->opaque, 0, 8, 0), 0);
    cr_assert_eq(r->ops->read(r->opaque, 0x40, 1, &v), 0);
    cr_assert_eq(v, 0);
}

Test(uart, no_chardev)
{
    char err[128];
    struct hvf_uart16550 *u2;
    struct hv_irq_line none = { 0 };
    cr_assert_eq(hvf_uart16550_create(vm, 0x20000000, NULL, none, &u2, err, sizeof(err)), 0);
    struct hv_region *r = hv__mem_find(&vm->mem, 0x20000000);
    uint64_t v;
    cr_assert_eq(r->ops->write(r->opaque, 0, 1, 'x'), 0);
    cr_assert_eq(r->ops->read(r->opaque, 5, 1, &v), 0);
    cr_assert_eq(v, 0x60);
    cr_assert_not(hvf_uart16550_poll(u2));
    hvf_uart16550_destroy(u2);
}

/* hv_vm_console_break: a break condition arrives after the input queued before it, as a
 * NUL character with LSR.BI and a receiver-line-status interrupt (IER.RLSI). */
Test(uart, break_condition)
{
    wr(IIR, 0x01);                        /* FCR: FIFO on, trigger 1 */
    wr(IER, 0x05);                        /* RDI | RLSI */
    input("a");
    hv__chardev_send_break(chr);
    cr_assert_eq(rd(IIR) & 0x0f, 0x06, "line status has the highest priority");
    cr_assert_eq(irq_level, 1);
    uint8_t lsr = rd(LSR);
    cr_assert_eq(lsr & 0x11, 0x11, "BI and DR");
    cr_assert_eq(rd(LSR) & 0x10, 0, "BI clears on read");
    cr_assert_eq(rd(RBR), 'a');
    cr_assert_eq(rd(RBR), 0, "the break character");
    cr_assert_eq(rd(LSR) & 0x01, 0);
    cr_assert_eq(irq_level, 0);
    cr_assert(!hv__chardev_take_break(chr), "taken once");
}
