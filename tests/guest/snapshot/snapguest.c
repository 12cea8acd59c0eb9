/* SPDX-License-Identifier: MIT */
/* Snapshot/determinism test guest (both flavours): prints ticks with the guest clock after
 * timer sleeps, 16 bytes from virtio-rng when the full board has one, then echoes console
 * input line by line ("echo: LINE") until it reads "quit". In deterministic mode every
 * byte of its output is a function of its input; a run restored from a snapshot taken
 * during the ticks prints exactly the rest of what the original run prints. */
#include "hvguest.h"
#ifdef HV_GUEST_FULL
#include "../../../guest/lib/virtio.h"
#endif

#ifdef HV_GUEST_FULL
#define UART ((volatile uint8_t *)0x10000000ul)

/* Polled NS16550A receive: -1 when no byte is waiting. */
static int getc_nb(void)
{
    return (UART[5] & 1) ? UART[0] : -1;
}

static struct vio_queue rngq;
static uint8_t rngbuf[16];

static void print_rng(void)
{
    struct vio_dev d;
    if (vio_find(&d, 4, 0, 0) < 0 || vio_queue_init(&d, 0, &rngq) < 0) {
        hv_guest_printf("rng: none\n");
        return;
    }
    vio_driver_ok(&d);
    rngq.desc[0] = (struct vio_desc){ (uint64_t)(uintptr_t)rngbuf, sizeof rngbuf,
                                      VIO_DESC_F_WRITE, 0 };
    vio_submit(&d, 0, &rngq, 0);
    uint32_t id, len;
    while (!vio_used(&rngq, &id, &len))
        ;
    hv_guest_printf("rng:");
    for (uint32_t i = 0; i < len; i++)
        hv_guest_printf(" %02x", rngbuf[i]);
    hv_guest_printf("\n");
}
#else
#include "hv/para.h"

static int getc_nb(void)
{
    static uint8_t c;
    register uint64_t a0 asm("a0") = 1, a1 asm("a1") = (uint64_t)(uintptr_t)&c, a2 asm("a2") = 0;
    register uint64_t a6 asm("a6") = HVP_DBCN_CONSOLE_READ, a7 asm("a7") = HVP_EID_DBCN;
    asm volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a6), "r"(a7) : "memory");
    return (a0 == 0 && a1 == 1) ? c : -1;
}

static void print_rng(void)
{
    hv_guest_printf("rng: none\n");
}
#endif

int main(void)
{
    hv_guest_printf("snapguest: start\n");
    for (unsigned i = 0; i < 8; i++) {
        hv_guest_sleep_ns(200000ull * (i + 1));
        hv_guest_printf("tick %u t=%llu\n", i, (unsigned long long)hv_guest_time_ns());
    }
    print_rng();
    hv_guest_printf("ready\n");
    char line[80];
    unsigned n = 0;
    for (;;) {
        int c = getc_nb();
        if (c < 0)
            continue;
        if (c == '\r')
            continue;
        if (c != '\n') {
            if (n < sizeof(line) - 1)
                line[n++] = (char)c;
            continue;
        }
        line[n] = 0;
        n = 0;
        if (line[0] == 'q' && line[1] == 'u' && line[2] == 'i' && line[3] == 't' && !line[4])
            break;
        hv_guest_printf("echo: %s\n", line);
    }
    hv_guest_printf("bye\n");
    return 0;
}
