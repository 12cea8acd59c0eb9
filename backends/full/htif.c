/* SPDX-License-Identifier: MIT */
/* libhv full backend — HTIF (Spike's host-target interface) for test programs: when the
 * kernel ELF has a `tohost` symbol, stores to its page take the device path (the soft-TLB
 * never caches a write tag for it), so every write is seen exactly when it happens.
 *   device 0, bit 0 set:   exit; code = value >> 1 (0 = pass) -> HV_EXIT_SHUTDOWN
 *   device 1, command 1:   putchar(value & 0xff) to the serial chardev; acknowledged by
 *                          clearing tohost and writing the response to fromhost
 * Other requests (device 0 syscall proxying) are not supported and are left untouched.
 * HTIF has no window of its own: the MMU sends stores to the tohost page here
 * (hvf_htif_page); boot.c finds the symbols when it loads the kernel. */
#include "backends/full/full.h"

int hvf_htif_write(struct hv_cpu *cpu, uint64_t pa, unsigned size, uint64_t val)
{
    struct hvf_hart *h = hvf_hart_of(cpu);
    struct hvf_board *b = h->board;
    struct hv_mem *mem = &b->vm->mem;
    if (hv__mem_write(mem, pa, &val, size) < 0)
        return hv__cpu_raise(cpu, HV_EXC_STORE_ACCESS, pa);
    /* Act when the store touches tohost's low word (where the command is completed). */
    if (pa + size <= b->tohost || pa >= b->tohost + 4)
        return HV_STEP_OK;
    uint64_t cmd = 0;
    if (hv__mem_read(mem, b->tohost, &cmd, 8) < 0 || cmd == 0)
        return HV_STEP_OK;
    unsigned dev = (unsigned)(cmd >> 56), op = (unsigned)((cmd >> 48) & 0xff);
    uint64_t payload = cmd & 0xffffffffffffull;
    if (dev == 0 && (payload & 1)) {
        int code = (int)(payload >> 1);
        hvf_board_stop(b, HV_EXIT_SHUTDOWN, code);
        return hv__vcpu_exit(h->vcpu, HV_EXIT_SHUTDOWN, code);
    }
    if (dev == 1 && op == 1) {
        uint8_t c = (uint8_t)payload;
        if (b->vm->serial)
            (void)hv__chardev_write(b->vm->serial, &c, 1);
        uint64_t zero = 0, resp = (cmd & ~0xffffffffffffull) | 0x100 | c;
        (void)hv__mem_write(mem, b->tohost, &zero, 8);
        if (b->fromhost)
            (void)hv__mem_write(mem, b->fromhost, &resp, 8);
    }
    return HV_STEP_OK;
}

/* ---- board descriptor ------------------------------------------------------------------ */

/* No window, no state beyond the symbol addresses (found again by the boot loader). */
static int htif_create(struct hvf_board *b, unsigned i, uint64_t base, void **state,
                       char *err, size_t errlen)
{
    b->tohost = b->fromhost = 0;
    *state = b;
    return 0;
}

const struct hvf_device hvf_htif_device = { .name = "htif", .create = htif_create };
