/* SPDX-License-Identifier: MIT */
/* Issue 17 item 9: a virtio-blk driver written against QEMU's virtio-mmio device, which
 * negotiates features the way a well-known teaching OS does: it reads DeviceFeatures and
 * writes DriverFeatures without ever selecting feature word 1 (so VIRTIO_F_VERSION_1 is
 * never acknowledged), sets FEATURES_OK and checks that it stuck. QEMU accepts this. The
 * driver then sets up queue 0 through the version 2 registers, and with PLIC interrupts
 * (M-mode context of hart 0) reads sector 1 (run.sh put a known string there), writes
 * sector 2 and reads it back. Exit status 0, or the number of the failed check. */
#include "compat.h"

#define R(off) (VIRTIO0 + (off))
enum {
    MAGIC = 0x000, VERSION = 0x004, DEVICE_ID = 0x008, VENDOR_ID = 0x00c,
    DEV_FEATURES = 0x010, DRV_FEATURES = 0x020, QUEUE_SEL = 0x030, QUEUE_NUM_MAX = 0x034,
    QUEUE_NUM = 0x038, QUEUE_READY = 0x044, QUEUE_NOTIFY = 0x050, INT_STATUS = 0x060,
    INT_ACK = 0x064, STATUS = 0x070, DESC_LO = 0x080, DESC_HI = 0x084, DRIVER_LO = 0x090,
    DRIVER_HI = 0x094, DEVICE_LO = 0x0a0, DEVICE_HI = 0x0a4
};
#define S_ACK 1u
#define S_DRIVER 2u
#define S_DRIVER_OK 4u
#define S_FEATURES_OK 8u
/* Feature bits such a driver turns off (all in word 0). */
#define F_BLK_RO 5
#define F_BLK_SCSI 7
#define F_BLK_CONFIG_WCE 11
#define F_BLK_MQ 12
#define F_ANY_LAYOUT 27
#define F_INDIRECT_DESC 28
#define F_EVENT_IDX 29

#define NUM 8u
#define D_NEXT 1u
#define D_WRITE 2u
#define BLK_T_IN 0u
#define BLK_T_OUT 1u

struct desc { uint64_t addr; uint32_t len; uint16_t flags, next; };
struct avail { uint16_t flags, idx, ring[NUM], unused; };
struct used_elem { uint32_t id, len; };
struct used { uint16_t flags, idx; struct used_elem ring[NUM]; };
struct blk_req { uint32_t type, reserved; uint64_t sector; };

static struct desc descs[NUM] __attribute__((aligned(4096)));
static struct avail avail __attribute__((aligned(4096)));
static struct used used __attribute__((aligned(4096)));
static struct blk_req req;
static uint8_t data[512] __attribute__((aligned(16)));
static volatile uint8_t status_byte;
static volatile unsigned long irqs, completions;
static uint16_t used_seen;

void trap(unsigned long mcause);
void trap(unsigned long mcause)
{
    if (mcause != MCAUSE_MEI)
        guest_exit(90);
    uint32_t irq = rd32(PLIC_CLAIM(ctx_m(0)));
    if (irq == VIRTIO0_IRQ) {
        irqs++;
        wr32(R(INT_ACK), rd32(R(INT_STATUS)) & 3);
        fence();
        while (used_seen != used.idx) {
            used_seen++;
            completions++;
        }
    } else if (irq != 0) {
        guest_exit(91);
    }
    if (irq)
        wr32(PLIC_CLAIM(ctx_m(0)), irq);
}

/* One request through descriptors 0 -> 1 -> 2; waits for its interrupt (bounded). */
static int rw(uint32_t type, uint64_t sector)
{
    unsigned long want = completions + 1;
    req = (struct blk_req){ .type = type, .sector = sector };
    status_byte = 0xff;
    descs[0] = (struct desc){ (uint64_t)(unsigned long)&req, sizeof(req), D_NEXT, 1 };
    descs[1] = (struct desc){ (uint64_t)(unsigned long)data, 512,
                              (uint16_t)(D_NEXT | (type == BLK_T_IN ? D_WRITE : 0)), 2 };
    descs[2] = (struct desc){ (uint64_t)(unsigned long)&status_byte, 1, D_WRITE, 0 };
    avail.ring[avail.idx % NUM] = 0;
    fence();
    avail.idx++;
    fence();
    wr32(R(QUEUE_NOTIFY), 0);
    /* Check and sleep with interrupts masked (WFI still wakes on a pending one), so an
     * interrupt taken between the check and the WFI cannot be slept through. */
    for (unsigned long spins = 0;; spins++) {
        irq_off();
        if (completions >= want)
            break;
        if (spins > 1000000)
            return -1;
        __asm__ volatile("wfi");
        irq_on();
    }
    irq_on();
    fence();
    return status_byte == 0 ? 0 : -2;
}

int main(unsigned hart);
int main(unsigned hart)
{
    if (hart != 0)
        for (;;)
            __asm__ volatile("wfi");
    if (rd32(R(MAGIC)) != 0x74726976u || rd32(R(VERSION)) != 2 || rd32(R(DEVICE_ID)) != 2 ||
        rd32(R(VENDOR_ID)) != 0x554d4551u)
        guest_exit(1);
    uint32_t status = 0;
    wr32(R(STATUS), status);
    status |= S_ACK;
    wr32(R(STATUS), status);
    status |= S_DRIVER;
    wr32(R(STATUS), status);
    /* Feature word 0 only: DeviceFeaturesSel and DriverFeaturesSel are never written. */
    uint32_t features = rd32(R(DEV_FEATURES));
    features &= ~((1u << F_BLK_RO) | (1u << F_BLK_SCSI) | (1u << F_BLK_CONFIG_WCE) |
                  (1u << F_BLK_MQ) | (1u << F_ANY_LAYOUT) | (1u << F_EVENT_IDX) |
                  (1u << F_INDIRECT_DESC));
    wr32(R(DRV_FEATURES), features);
    status |= S_FEATURES_OK;
    wr32(R(STATUS), status);
    if (!(rd32(R(STATUS)) & S_FEATURES_OK))
        guest_exit(2);                   /* the device refused FEATURES_OK */
    wr32(R(QUEUE_SEL), 0);
    if (rd32(R(QUEUE_READY)))
        guest_exit(3);
    if (rd32(R(QUEUE_NUM_MAX)) < NUM)
        guest_exit(4);
    wr32(R(QUEUE_NUM), NUM);
    wr32(R(DESC_LO), (uint32_t)(unsigned long)descs);
    wr32(R(DESC_HI), (uint32_t)((unsigned long)descs >> 32));
    wr32(R(DRIVER_LO), (uint32_t)(unsigned long)&avail);
    wr32(R(DRIVER_HI), (uint32_t)((unsigned long)&avail >> 32));
    wr32(R(DEVICE_LO), (uint32_t)(unsigned long)&used);
    wr32(R(DEVICE_HI), (uint32_t)((unsigned long)&used >> 32));
    wr32(R(QUEUE_READY), 1);
    status |= S_DRIVER_OK;
    wr32(R(STATUS), status);
    if (rd32(R(STATUS)) != (S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK))
        guest_exit(5);

    wr32(PLIC_PRIO(VIRTIO0_IRQ), 1);
    wr32(PLIC_ENABLE(ctx_m(0)), 1u << VIRTIO0_IRQ);
    wr32(PLIC_THRESH(ctx_m(0)), 0);
    irq_on();

    static const char want[] = "QEMU-STYLE-VIRTIO-NEGOTIATION";
    if (rw(BLK_T_IN, 1) < 0)
        guest_exit(6);
    for (unsigned i = 0; i < sizeof(want) - 1; i++)
        if (data[i] != (uint8_t)want[i])
            guest_exit(7);
    static const char mine[] = "written-by-the-legacy-driver";
    for (unsigned i = 0; i < 512; i++)
        data[i] = i < sizeof(mine) - 1 ? (uint8_t)mine[i] : (uint8_t)i;
    if (rw(BLK_T_OUT, 2) < 0)
        guest_exit(8);
    for (unsigned i = 0; i < 512; i++)
        data[i] = 0;
    if (rw(BLK_T_IN, 2) < 0)
        guest_exit(9);
    for (unsigned i = 0; i < 512; i++)
        if (data[i] != (i < sizeof(mine) - 1 ? (uint8_t)mine[i] : (uint8_t)i))
            guest_exit(10);
    irq_off();
    if (irqs < 3 || irqs > 6)
        guest_exit(11);                  /* one interrupt per request (a few spare) */
    con_puts("compat-virtio: ");
    con_putu(completions);
    con_puts(" requests, ");
    con_putu(irqs);
    con_puts(" interrupts, ok\n");
    guest_exit(0);
}
