/* SPDX-License-Identifier: MIT */
/* A virtio driver the device refuses (full board, bare metal): it negotiates with the
 * virtio-rng in slot 0 asking for a feature the device never offered (bit 29 of word 0),
 * and checks that FEATURES_OK does not stick. (A driver that only leaves out
 * VIRTIO_F_VERSION_1 is accepted, as on QEMU.) `hv run -v` must log why (cli/virtio-refused-log). Exit 0
 * when refused as the spec requires, 1 otherwise. */
#include "hvguest.h"

#define VIO(off) ((volatile uint32_t *)(0x10001000ul + (off)))
enum { MAGIC = 0x00, DEVICE_ID = 0x08, DRV_FEAT = 0x20, DRV_FEAT_SEL = 0x24, STATUS = 0x70 };
#define ACKNOWLEDGE 1u
#define DRIVER 2u
#define FEATURES_OK 8u

int main(void)
{
    if (*VIO(MAGIC) != 0x74726976u || *VIO(DEVICE_ID) != 4) {
        hv_guest_printf("virtio_refuse: no virtio-rng in slot 0 (run with --rng)\n");
        return 1;
    }
    *VIO(STATUS) = 0;
    *VIO(STATUS) = ACKNOWLEDGE;
    *VIO(STATUS) = ACKNOWLEDGE | DRIVER;
    *VIO(DRV_FEAT_SEL) = 0;
    *VIO(DRV_FEAT) = 1u << 29;            /* never offered */
    *VIO(DRV_FEAT_SEL) = 1;
    *VIO(DRV_FEAT) = 1;                   /* VERSION_1 */
    *VIO(STATUS) = ACKNOWLEDGE | DRIVER | FEATURES_OK;
    if (*VIO(STATUS) & FEATURES_OK) {
        hv_guest_printf("virtio_refuse: FEATURES_OK accepted\n");
        return 1;
    }
    hv_guest_printf("virtio_refuse: FEATURES_OK refused\n");
    return 0;
}
