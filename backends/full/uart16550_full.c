/* SPDX-License-Identifier: MIT */
/* libhv full backend — a complete NS16550A UART (reg-shift 0): divisor latch, 16-byte RX
 * FIFO with trigger levels, FCR resets, IIR priorities (line status > RX data / timeout >
 * THR empty > modem status), loopback through MCR, scratch register, and an interrupt
 * line. Transmission is instantaneous (THR goes straight to the chardev), so THRE/TEMT are
 * set again as soon as a byte is written. Input is pulled from the chardev when the guest
 * reads RBR/LSR/IIR and when the board calls hvf_uart16550_poll().
 *
 * The interrupt line is signalled as QEMU's serial device does: on the events that change
 * what the UART has to report (a THR write: THR full, then empty again; new input; IER and
 * FCR writes; an RBR read; an IIR read that acknowledged THRE; an LSR/MSR read that cleared
 * status), each signal with the line high being a new request to the PLIC (plic.c). Other
 * accesses, an LSR read without errors above all, signal nothing, so a driver that leaves
 * THRE set without reading IIR gets one interrupt per THR-empty transition. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "backends/full/devices.h"
#include "backends/full/full.h"
#include "backends/full/snapshot.h"

enum { REG_RBR = 0, REG_IER = 1, REG_IIR = 2, REG_LCR = 3, REG_MCR = 4, REG_LSR = 5,
       REG_MSR = 6, REG_SCR = 7 };

#define IER_RDI 0x01u      /* received data available */
#define IER_THRI 0x02u     /* THR empty */
#define IER_RLSI 0x04u     /* receiver line status */
#define IER_MSI 0x08u      /* modem status */

#define IIR_NO_INT 0x01u
#define IIR_MSI 0x00u
#define IIR_THRI 0x02u
#define IIR_RDI 0x04u
#define IIR_RLSI 0x06u
#define IIR_TIMEOUT 0x0cu
#define IIR_FIFO_ON 0xc0u

#define FCR_ENABLE 0x01u
#define FCR_CLEAR_RX 0x02u
#define FCR_CLEAR_TX 0x04u

#define LCR_DLAB 0x80u
#define MCR_DTR 0x01u
#define MCR_RTS 0x02u
#define MCR_OUT1 0x04u
#define MCR_OUT2 0x08u
#define MCR_LOOP 0x10u

#define LSR_DR 0x01u
#define LSR_OE 0x02u
#define LSR_BI 0x10u
#define LSR_THRE 0x20u
#define LSR_TEMT 0x40u

#define MSR_DCTS 0x01u
#define MSR_DDSR 0x02u
#define MSR_TERI 0x04u
#define MSR_DDCD 0x08u
#define MSR_CTS 0x10u
#define MSR_DSR 0x20u
#define MSR_RI 0x40u
#define MSR_DCD 0x80u
#define MSR_DELTAS 0x0fu

#define FIFO_SIZE 16u

struct hvf_uart16550 {
    struct hv_vm *vm;
    struct hv_chardev *chr;
    struct hv_irq_line irq;
    pthread_mutex_t lock;
    uint8_t ier, lcr, mcr, scr, dll, dlm, fcr, msr;
    uint8_t lsr_err;               /* OE latched until LSR is read */
    bool thr_ipending;             /* THRE interrupt armed until IIR read / THR write */
    bool irq_level;
    bool event;                    /* the access being handled is an interrupt event */
    uint8_t rx[FIFO_SIZE];
    unsigned rx_head, rx_count;
    struct hv__logrl rl;           /* refusals logged (rate limit) */
};

/* Log (rate-limited) a guest access the UART ignores or refuses. */
#define LOG_REFUSED(u, ...) \
    hv__log_limited((u)->vm, &(u)->rl, HV__LOG_REFUSED, "uart", __VA_ARGS__)

static unsigned rx_capacity(const struct hvf_uart16550 *u)
{
    return (u->fcr & FCR_ENABLE) ? FIFO_SIZE : 1;
}

static unsigned rx_trigger(const struct hvf_uart16550 *u)
{
    static const unsigned levels[4] = { 1, 4, 8, 14 };
    return (u->fcr & FCR_ENABLE) ? levels[u->fcr >> 6] : 1;
}

static void rx_push(struct hvf_uart16550 *u, uint8_t c)
{
    if (u->rx_count >= rx_capacity(u)) {
        u->lsr_err |= LSR_OE;      /* overrun: the new byte is lost */
        return;
    }
    u->rx[(u->rx_head + u->rx_count) % FIFO_SIZE] = c;
    u->rx_count++;
}

static uint8_t rx_pop(struct hvf_uart16550 *u)
{
    if (!u->rx_count)
        return 0;
    uint8_t c = u->rx[u->rx_head];
    u->rx_head = (u->rx_head + 1) % FIFO_SIZE;
    u->rx_count--;
    return c;
}

/* Top up the RX FIFO from the host (never in loopback: the line is disconnected then).
 * New input is an interrupt event. */
static void pull_input(struct hvf_uart16550 *u)
{
    if (!u->chr || (u->mcr & MCR_LOOP))
        return;
    unsigned room = rx_capacity(u) - u->rx_count;
    if (!room)
        return;
    uint8_t buf[FIFO_SIZE];
    size_t n = hv__chardev_read(u->chr, buf, room);
    for (size_t i = 0; i < n; i++)
        rx_push(u, buf[i]);
    if (n)
        u->event = true;
    /* A break (hv_vm_console_break) arrives as a NUL character with BI, as on the wire. */
    if (n < room && hv__chardev_take_break(u->chr)) {
        u->lsr_err |= LSR_BI;
        rx_push(u, 0);
        u->event = true;
    }
}

/* Interrupt identification by priority. Without a character timer, data below the trigger
 * level is reported at once as a character timeout (what a guest would see after 4 char
 * times of silence), so input is never stuck in the FIFO. */
static uint8_t iir_id(const struct hvf_uart16550 *u)
{
    if ((u->ier & IER_RLSI) && (u->lsr_err & (LSR_OE | LSR_BI)))
        return IIR_RLSI;
    if ((u->ier & IER_RDI) && u->rx_count)
        return u->rx_count >= rx_trigger(u) ? IIR_RDI : IIR_TIMEOUT;
    if ((u->ier & IER_THRI) && u->thr_ipending)
        return IIR_THRI;
    if ((u->ier & IER_MSI) && (u->msr & MSR_DELTAS))
        return IIR_MSI;
    return IIR_NO_INT;
}

/* Drive the line after an access or a poll: a change of level, or, with the line high, a
 * new request when the access was an interrupt event (see the top of the file). */
static void update_irq(struct hvf_uart16550 *u)
{
    bool lvl = iir_id(u) != IIR_NO_INT;
    bool event = u->event;
    u->event = false;
    if (lvl != u->irq_level || (lvl && event)) {
        u->irq_level = lvl;
        hv__irq_set(&u->irq, lvl);
    }
}

/* Modem status lines: in loopback they mirror MCR, otherwise a connected, ready cable. */
static void set_msr_lines(struct hvf_uart16550 *u)
{
    uint8_t lines;
    if (u->mcr & MCR_LOOP)
        lines = (uint8_t)(((u->mcr & MCR_RTS) ? MSR_CTS : 0) | ((u->mcr & MCR_DTR) ? MSR_DSR : 0) |
                          ((u->mcr & MCR_OUT1) ? MSR_RI : 0) | ((u->mcr & MCR_OUT2) ? MSR_DCD : 0));
    else
        lines = MSR_DCD | MSR_DSR | MSR_CTS;
    uint8_t old = u->msr;
    uint8_t delta = 0;
    if ((old ^ lines) & MSR_CTS)
        delta |= MSR_DCTS;
    if ((old ^ lines) & MSR_DSR)
        delta |= MSR_DDSR;
    if ((old ^ lines) & MSR_DCD)
        delta |= MSR_DDCD;
    if ((old & MSR_RI) && !(lines & MSR_RI))
        delta |= MSR_TERI;                   /* trailing edge of ring indicator */
    u->msr = (uint8_t)(lines | (old & MSR_DELTAS) | delta);
}

static void transmit(struct hvf_uart16550 *u, uint8_t c)
{
    if (u->mcr & MCR_LOOP)
        rx_push(u, c);
    else if (u->chr)
        (void)hv__chardev_write(u->chr, &c, 1);
    /* The byte left at once: THR is empty again and the THRE interrupt re-arms, a new
     * THR-empty event. */
    u->thr_ipending = true;
    u->event = true;
}

static uint8_t read_reg(struct hvf_uart16550 *u, unsigned reg)
{
    uint8_t v;
    switch (reg) {
    case REG_RBR:
        if (u->lcr & LCR_DLAB)
            return u->dll;
        pull_input(u);
        v = rx_pop(u);
        pull_input(u);
        u->event = true;                     /* as QEMU: the line is re-evaluated */
        return v;
    case REG_IER:
        return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
    case REG_IIR:
        pull_input(u);
        v = iir_id(u);
        if (v == IIR_THRI) {
            u->thr_ipending = false;         /* reading the THRE identification clears it */
            u->event = true;
        }
        return (uint8_t)(v | ((u->fcr & FCR_ENABLE) ? IIR_FIFO_ON : 0));
    case REG_LCR:
        return u->lcr;
    case REG_MCR:
        return u->mcr;
    case REG_LSR:
        pull_input(u);
        v = (uint8_t)(LSR_THRE | LSR_TEMT | u->lsr_err | (u->rx_count ? LSR_DR : 0));
        if (u->lsr_err)
            u->event = true;
        u->lsr_err = 0;                      /* error bits clear on read */
        return v;
    case REG_MSR:
        v = u->msr;
        if (v & MSR_DELTAS)
            u->event = true;
        u->msr &= (uint8_t)~MSR_DELTAS;
        return v;
    case REG_SCR:
        return u->scr;
    default:
        return 0;
    }
}

static void write_fcr(struct hvf_uart16550 *u, uint8_t v)
{
    /* Toggling the FIFO enable resets both FIFOs, as on the real part. */
    if ((v ^ u->fcr) & FCR_ENABLE)
        v |= FCR_CLEAR_RX | FCR_CLEAR_TX;
    if (v & FCR_CLEAR_RX) {
        u->rx_head = u->rx_count = 0;
        u->lsr_err &= (uint8_t)~LSR_OE;
    }
    if (v & FCR_CLEAR_TX)
        u->thr_ipending = true;              /* the (always empty) TX FIFO is empty */
    u->fcr = v & 0xc1u;                      /* keep enable + trigger level */
    u->event = true;
}

static void write_reg(struct hvf_uart16550 *u, unsigned reg, uint8_t v)
{
    switch (reg) {
    case REG_RBR:
        if (u->lcr & LCR_DLAB)
            u->dll = v;
        else
            transmit(u, v);
        break;
    case REG_IER:
        if (u->lcr & LCR_DLAB) {
            u->dlm = v;
            break;
        }
        /* Enabling THRI while THR is empty raises the interrupt at once (Linux's THRE
         * probe relies on it). */
        if (!(u->ier & IER_THRI) && (v & IER_THRI))
            u->thr_ipending = true;
        u->ier = v & 0x0fu;
        u->event = true;
        break;
    case REG_IIR:
        write_fcr(u, v);
        break;
    case REG_LCR:
        u->lcr = v;
        break;
    case REG_MCR: {
        uint8_t old = u->msr;
        u->mcr = v & 0x1fu;
        set_msr_lines(u);
        if (u->msr != old)
            u->event = true;                 /* loopback changed the modem status */
        break;
    }
    case REG_SCR:
        u->scr = v;
        break;
    default:                                 /* LSR, MSR: read-only */
        LOG_REFUSED(u, "%s: write of %#x ignored: read-only register",
                    reg == REG_LSR ? "LSR" : "MSR", v);
        break;
    }
}

static int uart_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
    struct hvf_uart16550 *u = opaque;
    if (size != 1 && size != 4) {
        LOG_REFUSED(u, "offset %#llx: %u-byte read refused (1 or 4 bytes; access fault)",
                    (unsigned long long)off, size);
        return HV_EINVAL;
    }
    *val = 0;
    if (off >= 8) {
        LOG_REFUSED(u, "offset %#llx: read beyond the 8 registers (reg-shift 0) reads 0",
                    (unsigned long long)off);
        return 0;
    }
    pthread_mutex_lock(&u->lock);
    *val = read_reg(u, (unsigned)off);
    update_irq(u);
    pthread_mutex_unlock(&u->lock);
    return 0;
}

static int uart_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
    struct hvf_uart16550 *u = opaque;
    if (size != 1 && size != 4) {
        LOG_REFUSED(u, "offset %#llx: %u-byte write refused (1 or 4 bytes; access fault)",
                    (unsigned long long)off, size);
        return HV_EINVAL;
    }
    if (off >= 8) {
        LOG_REFUSED(u, "offset %#llx: write of %#llx beyond the 8 registers (reg-shift 0) ignored",
                    (unsigned long long)off, (unsigned long long)val);
        return 0;
    }
    pthread_mutex_lock(&u->lock);
    write_reg(u, (unsigned)off, (uint8_t)val);
    update_irq(u);
    pthread_mutex_unlock(&u->lock);
    return 0;
}

static const struct hv_mmio_ops uart_ops = { .read = uart_read, .write = uart_write };

bool hvf_uart16550_poll(struct hvf_uart16550 *u)
{
    pthread_mutex_lock(&u->lock);
    pull_input(u);
    update_irq(u);
    bool lvl = u->irq_level;
    pthread_mutex_unlock(&u->lock);
    return lvl;
}

int hvf_uart16550_create(struct hv_vm *vm, uint64_t base, struct hv_chardev *chr,
                         struct hv_irq_line irq, struct hvf_uart16550 **out,
                         char *err, size_t errlen)
{
    *out = NULL;
    struct hvf_uart16550 *u = calloc(1, sizeof(*u));
    if (!u)
        return hv__errf(err, errlen, HV_ENOMEM, "uart: out of memory");
    u->vm = vm;
    u->chr = chr;
    u->irq = irq;
    u->msr = MSR_DCD | MSR_DSR | MSR_CTS;
    pthread_mutex_init(&u->lock, NULL);
    int rc = hv__mem_add_mmio(&vm->mem, base, HVF_UART16550_SIZE, &uart_ops, u, err, errlen);
    if (rc < 0) {
        hvf_uart16550_destroy(u);
        return rc;
    }
    *out = u;
    return 0;
}

void hvf_uart16550_destroy(struct hvf_uart16550 *uart)
{
    if (!uart)
        return;
    pthread_mutex_destroy(&uart->lock);
    free(uart);
}

/* ---- snapshot ------------------------------------------------------------------------- */

#define UART_SNAP_VERSION 1

static void uart_save(void *state, unsigned inst, struct hv_snap_w *w)
{
    struct hvf_uart16550 *u = state;
    pthread_mutex_lock(&u->lock);
    hv__snap_begin(w, "uart", UART_SNAP_VERSION);
    const uint8_t regs[8] = { u->ier, u->lcr, u->mcr, u->scr, u->dll, u->dlm, u->fcr, u->msr };
    hv__snap_put_bytes(w, regs, sizeof(regs));
    hv__snap_put_u8(w, u->lsr_err);
    hv__snap_put_bool(w, u->thr_ipending);
    hv__snap_put_bool(w, u->irq_level);
    hv__snap_put_u8(w, (uint8_t)u->rx_count);
    for (unsigned i = 0; i < u->rx_count; i++)         /* the RX FIFO, oldest first */
        hv__snap_put_u8(w, u->rx[(u->rx_head + i) % FIFO_SIZE]);
    hv__snap_end(w);
    pthread_mutex_unlock(&u->lock);
}

static int uart_load(void *state, unsigned inst, const struct hv_snap_index *idx, char *err,
                     size_t errlen)
{
    struct hvf_uart16550 *u = state;
    struct hv_snap_r r;
    uint8_t regs[8], rx[FIFO_SIZE];
    hv__snap_r_open(&r, idx, "uart", UART_SNAP_VERSION);
    hv__snap_get_bytes(&r, regs, sizeof(regs));
    uint8_t lsr_err = hv__snap_get_u8(&r);
    bool thr = hv__snap_get_bool(&r), level = hv__snap_get_bool(&r);
    unsigned count = hv__snap_get_u8(&r);
    if (count > FIFO_SIZE)
        hv__snap_r_fail(&r, "RX FIFO holds %u bytes (at most %u)", count, FIFO_SIZE);
    else
        hv__snap_get_bytes(&r, rx, count);
    int rc = hv__snap_r_close(&r, err, errlen);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&u->lock);
    u->ier = regs[0];
    u->lcr = regs[1];
    u->mcr = regs[2];
    u->scr = regs[3];
    u->dll = regs[4];
    u->dlm = regs[5];
    u->fcr = regs[6];
    u->msr = regs[7];
    u->lsr_err = lsr_err;
    u->thr_ipending = thr;
    u->irq_level = level;          /* the PLIC's input level is in its own section */
    memcpy(u->rx, rx, count);
    u->rx_head = 0;
    u->rx_count = count;
    pthread_mutex_unlock(&u->lock);
    return 0;
}

/* ---- board descriptor ------------------------------------------------------------------ */

#define UART_CLOCK_HZ 3686400u

static int uart_create_dev(struct hvf_board *b, unsigned i, uint64_t base, void **state,
                           char *err, size_t errlen)
{
    return hvf_uart16550_create(b->vm, base, b->vm->serial,
                                hvf_plic_input(b->plic, HVF_IRQ_UART),
                                (struct hvf_uart16550 **)state, err, errlen);
}

static void uart_destroy_dev(struct hvf_board *b, void *state)
{
    hvf_uart16550_destroy(state);
}

static void uart_poll_dev(void *state)
{
    (void)hvf_uart16550_poll(state);
}

/* Console input through hv_vm_console_input wakes the hart itself; other host input (stdio,
 * pty, socket) is only seen by polling. */
static uint64_t uart_deadline(void *state)
{
    struct hvf_uart16550 *u = state;
    enum hv_chardev_type t = u->vm->cfg.serial.type;
    if (t == HV_CHARDEV_NULL || t == HV_CHARDEV_FILE || t == HV_CHARDEV_BUFFER)
        return UINT64_MAX;
    return hv__clock_ns(&u->vm->clock) + HVF_DEV_SLEEP_NS;
}

static void uart_fdt(struct hvf_fdt *f, const struct hvf_fdt_params *p, uint64_t base,
                     unsigned i)
{
    hvf_fdt_node_begin(f, "serial", base, HVF_UART16550_SIZE, HVF_IRQ_UART);
    hvf_fdt_u32(f, "clock-frequency", UART_CLOCK_HZ);
    hvf_fdt_str(f, "compatible", "ns16550a");
    hvf_fdt_end(f);
}

const struct hvf_device hvf_uart_device = {
    .name = "uart", .base = HVF_UART_BASE, .size = HVF_UART16550_SIZE,
    .create = uart_create_dev, .destroy = uart_destroy_dev, .poll = uart_poll_dev,
    .deadline = uart_deadline, .save = uart_save, .load = uart_load, .fdt = uart_fdt,
};
