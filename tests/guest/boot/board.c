/* SPDX-License-Identifier: MIT */
/* M-mode guest for the board wiring tests (tests/unit/test_board.c), direct boot at
 * 0x80000000; a2 (set by the test) selects the check. Each programs a device and the PLIC,
 * sleeps in WFI with MEIE on and MIE off (the interrupt wakes the hart without a trap),
 * then claims and completes the source at the PLIC. Result through the SiFive test device:
 * pass, or fail with the step number as the code.
 *   1: UART RX interrupt (the host types "hv!" while the hart sleeps); bytes -> RESULT
 *   2: virtio-blk read of sector 1 on slot 0 through the used-buffer interrupt; -> RESULT
 *   3: goldfish RTC alarm 2 ms ahead; elapsed ns -> RESULT */
#include <stdint.h>

#define TEST_DEV 0x100000ul
#define RTC 0x101000ul
#define PLIC 0xc000000ul
#define UART 0x10000000ul
#define VIRTIO0 0x10001000ul
#define RESULT ((volatile uint64_t *)0x80100000ul)   /* read back by the host */

#define R32(a) (*(volatile uint32_t *)(uintptr_t)(a))
#define R8(a) (*(volatile uint8_t *)(uintptr_t)(a))

static void finish(unsigned code)
{
    R32(TEST_DEV) = code ? 0x3333u | (code << 16) : 0x5555u;
    for (;;)
        __asm__ volatile("wfi");
}

static void check(int ok, unsigned step)
{
    if (!ok)
        finish(step);
}

/* Route `src` to hart 0's M context only; MEIE on, MIE off. */
static void plic_route(unsigned src)
{
    R32(PLIC + 4 * src) = 1;                        /* priority */
    R32(PLIC + 0x2000 + 4 * (src / 32)) = 1u << (src % 32);
    R32(PLIC + 0x200000) = 0;                       /* threshold */
    __asm__ volatile("csrc mstatus, %0" ::"r"(1ul << 3));
    __asm__ volatile("csrs mie, %0" ::"r"(1ul << 11));
}

static unsigned wait_claim(void)
{
    for (int i = 0; i < 100000; i++) {
        unsigned long mip;
        __asm__ volatile("wfi");
        __asm__ volatile("csrr %0, mip" : "=r"(mip));
        if (mip & (1ul << 11))
            return R32(PLIC + 0x200004);
    }
    return 0;
}

static void uart_rx(void)
{
    plic_route(10);
    R8(UART + 1) = 0x01;                           /* IER: received data available */
    uint64_t got = 0;
    unsigned n = 0;
    while (n < 3) {
        unsigned src = wait_claim();
        check(src == 10, 10);
        while (R8(UART + 5) & 1)                     /* LSR.DR */
            got |= (uint64_t)R8(UART) << (8 * n++);
        R32(PLIC + 0x200004) = src;                  /* complete */
    }
    *RESULT = got;
    check(!(R32(PLIC + 0x1000) & (1u << 10)), 11);   /* nothing pending any more */
}

/* ---- virtio-blk (legacy-free virtio-mmio version 2) ---------------------------------- */

struct desc { uint64_t addr; uint32_t len; uint16_t flags, next; };
struct req { uint32_t type, reserved; uint64_t sector; };

static struct desc descs[8] __attribute__((aligned(16)));
static struct { uint16_t flags, idx, ring[8], event; } avail __attribute__((aligned(4)));
static struct { uint16_t flags, idx; struct { uint32_t id, len; } ring[8]; uint16_t event; }
    used __attribute__((aligned(4)));
static struct req hdr;
static uint8_t data[512];
static volatile uint8_t status = 0xff;

static void blk_read(void)
{
    check(R32(VIRTIO0) == 0x74726976u && R32(VIRTIO0 + 4) == 2, 20);
    check(R32(VIRTIO0 + 8) == 2, 21);               /* block device in slot 0 */
    R32(VIRTIO0 + 0x70) = 0;
    R32(VIRTIO0 + 0x70) = 1 | 2;                    /* ACKNOWLEDGE | DRIVER */
    R32(VIRTIO0 + 0x24) = 1;
    R32(VIRTIO0 + 0x20) = 1;                        /* VIRTIO_F_VERSION_1 (bit 32) */
    R32(VIRTIO0 + 0x24) = 0;
    R32(VIRTIO0 + 0x20) = 0;
    R32(VIRTIO0 + 0x70) = 1 | 2 | 8;                /* FEATURES_OK */
    check(R32(VIRTIO0 + 0x70) & 8, 22);
    R32(VIRTIO0 + 0x30) = 0;
    check(R32(VIRTIO0 + 0x34) >= 8, 23);
    R32(VIRTIO0 + 0x38) = 8;
    R32(VIRTIO0 + 0x80) = (uint32_t)(uintptr_t)descs;
    R32(VIRTIO0 + 0x84) = 0;
    R32(VIRTIO0 + 0x90) = (uint32_t)(uintptr_t)&avail;
    R32(VIRTIO0 + 0x94) = 0;
    R32(VIRTIO0 + 0xa0) = (uint32_t)(uintptr_t)&used;
    R32(VIRTIO0 + 0xa4) = 0;
    R32(VIRTIO0 + 0x44) = 1;                        /* QueueReady */
    R32(VIRTIO0 + 0x70) = 1 | 2 | 8 | 4;            /* DRIVER_OK */
    plic_route(1);

    hdr = (struct req){ .type = 0 /* IN */, .sector = 1 };
    descs[0] = (struct desc){ (uintptr_t)&hdr, sizeof hdr, 1, 1 };
    descs[1] = (struct desc){ (uintptr_t)data, sizeof data, 1 | 2, 2 };
    descs[2] = (struct desc){ (uintptr_t)&status, 1, 2, 0 };
    avail.ring[0] = 0;
    __asm__ volatile("fence rw, rw");
    avail.idx = 1;
    __asm__ volatile("fence rw, rw");
    R32(VIRTIO0 + 0x50) = 0;                        /* QueueNotify */
    unsigned src = wait_claim();
    check(src == 1, 24);
    check(R32(VIRTIO0 + 0x60) & 1, 25);             /* used-buffer interrupt */
    R32(VIRTIO0 + 0x64) = 1;
    R32(PLIC + 0x200004) = src;
    check(used.idx == 1 && used.ring[0].id == 0, 26);
    check(status == 0, 27);
    uint64_t first = 0;
    for (int i = 0; i < 8; i++)
        first |= (uint64_t)data[i] << (8 * i);
    *RESULT = first;
}

/* ---- goldfish RTC --------------------------------------------------------------------- */

static uint64_t rtc_now(void)
{
    uint32_t lo = R32(RTC + 0x00);                  /* latches TIME_HIGH */
    return ((uint64_t)R32(RTC + 0x04) << 32) | lo;
}

static void rtc_alarm(void)
{
    plic_route(11);
    uint64_t start = rtc_now(), at = start + 2000000;
    R32(RTC + 0x10) = 1;                            /* IRQ_ENABLED */
    R32(RTC + 0x0c) = (uint32_t)(at >> 32);
    R32(RTC + 0x08) = (uint32_t)at;                 /* arms the alarm */
    unsigned src = wait_claim();
    uint64_t end = rtc_now();
    check(src == 11, 30);
    R32(RTC + 0x1c) = 1;                            /* CLEAR_INTERRUPT */
    R32(PLIC + 0x200004) = src;
    check(end >= at, 31);
    *RESULT = end - start;
}

void main(unsigned long hartid, unsigned long dtb, unsigned long mode)
{
    (void)dtb;
    check(hartid == 0, 1);
    switch (mode) {
    case 1: uart_rx(); break;
    case 2: blk_read(); break;
    case 3: rtc_alarm(); break;
    default: finish(2);
    }
    finish(0);
}

void secondary(unsigned long hartid)
{
    (void)hartid;
}
