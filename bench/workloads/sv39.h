/* SPDX-License-Identifier: MIT */
/* Run a workload's measured function under Sv39 paging on the full board (S-mode, 4 KiB
 * pages over the first 64 MiB of RAM, devices identity-mapped by a gigapage), flat on para.
 * Every load and store of the workload then goes through the software MMU of the full
 * backend, which is what the "-sv39" variants measure. Include once, from the workload. */
#ifndef BENCH_SV39_H
#define BENCH_SV39_H

#include "hvguest.h"

#ifdef HV_GUEST_FULL
#define SV39_PTE_V 1u
#define SV39_PTE_R 2u
#define SV39_PTE_W 4u
#define SV39_PTE_X 8u
#define SV39_PTE_A 0x40u
#define SV39_PTE_D 0x80u
#define SV39_RAM_BASE 0x80000000ull
#define SV39_MAPPED (64ull << 20)

static uint64_t sv39_root[512] __attribute__((aligned(4096)));
static uint64_t sv39_l1[512] __attribute__((aligned(4096)));
static uint64_t sv39_l0[SV39_MAPPED >> 21][512] __attribute__((aligned(4096)));
static int (*sv39_work)(void);
static volatile int sv39_result;

static uint64_t sv39_pte(uint64_t pa, unsigned flags)
{
    return ((pa >> 12) << 10) | flags;
}

static void sv39_s_entry(void)
{
    sv39_result = sv39_work();
    __asm__ volatile("ecall");          /* back to M-mode, which exits */
    for (;;)
        ;
}

static void __attribute__((aligned(4))) sv39_m_trap(void)
{
    hv_guest_exit(sv39_result);
}

static int bench_sv39_run(int (*work)(void))
{
    extern char _end[];
    if ((uint64_t)_end > SV39_RAM_BASE + SV39_MAPPED) {
        hv_guest_printf("sv39: image too large for the mapped window\n");
        return 1;
    }
    unsigned leaf = SV39_PTE_V | SV39_PTE_R | SV39_PTE_W | SV39_PTE_X | SV39_PTE_A | SV39_PTE_D;
    sv39_root[0] = sv39_pte(0, SV39_PTE_V | SV39_PTE_R | SV39_PTE_W | SV39_PTE_A | SV39_PTE_D);
    sv39_root[2] = sv39_pte((uint64_t)sv39_l1, SV39_PTE_V);
    for (uint64_t t = 0; t < (SV39_MAPPED >> 21); t++) {
        sv39_l1[t] = sv39_pte((uint64_t)sv39_l0[t], SV39_PTE_V);
        for (uint64_t i = 0; i < 512; i++)
            sv39_l0[t][i] = sv39_pte(SV39_RAM_BASE + (t << 21) + (i << 12), leaf);
    }
    sv39_work = work;
    uint64_t satp = (8ull << 60) | ((uint64_t)sv39_root >> 12);
    uint64_t mpp_s = 1ull << 11, mpp_mask = 3ull << 11;
    /* PMP entry 0 grants S-mode everything; mret drops to S-mode with paging on. */
    __asm__ volatile("csrw pmpaddr0, %[all]\n"
                     "csrw pmpcfg0, %[napot]\n"
                     "csrw mtvec, %[trap]\n"
                     "csrw satp, %[satp]\n"
                     "sfence.vma\n"
                     "csrc mstatus, %[mask]\n"
                     "csrs mstatus, %[mpp]\n"
                     "csrw mepc, %[entry]\n"
                     "mret\n"
                     :
                     : [all] "r"(~0ull >> 10), [napot] "r"(0x1full), [trap] "r"(sv39_m_trap),
                       [satp] "r"(satp), [mask] "r"(mpp_mask), [mpp] "r"(mpp_s),
                       [entry] "r"(sv39_s_entry)
                     : "memory");
    return 1;
}
#else
static int bench_sv39_run(int (*work)(void))
{
    return work();
}
#endif

#endif
