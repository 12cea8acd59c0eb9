/* paging — random read-modify-writes over a 32 MiB array. On the full board the work runs in
 * S-mode under Sv39 with 4 KiB pages (every access goes through the software MMU; the array
 * spans 8192 pages, far more than the soft-TLB holds); the para flavour runs the same loop on
 * flat guest-physical memory. Comparing the two shows what paging isolation costs. */
#include "bench.h"

#define ARRAY_BYTES (32u << 20)
#define WORDS (ARRAY_BYTES / 8)
static uint64_t array[WORDS] __attribute__((aligned(4096)));

static int work(void)
{
    uint64_t s = 2024, sum = 0;
    for (uint64_t i = 0; i < WORDS; i += 512)        /* touch every page once */
        array[i] = i;
    for (long i = 0; i < 1000000L * BENCH_SCALE; i++) {
        uint64_t r = bench_rand(&s);
        uint64_t *p = &array[r % WORDS];
        *p += r >> 32;
        sum ^= *p + (uint64_t)i;
    }
    return bench_report("paging", sum, BENCH_SCALE == 1 ? 0x322294284ull : sum);
}

#ifdef HV_GUEST_FULL
/* Sv39: root table -> gigapage 0 (devices, identity) and, for RAM at 0x80000000, one level-1
 * table whose 32 entries point to level-0 tables mapping 64 MiB in 4 KiB pages. */
#define PTE_V 1u
#define PTE_R 2u
#define PTE_W 4u
#define PTE_X 8u
#define PTE_A 0x40u
#define PTE_D 0x80u
#define RAM_BASE 0x80000000ull
#define MAPPED (64ull << 20)
static uint64_t root[512] __attribute__((aligned(4096)));
static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l0[MAPPED >> 21][512] __attribute__((aligned(4096)));
static volatile int result;

static uint64_t pte(uint64_t pa, unsigned flags)
{
    return ((pa >> 12) << 10) | flags;
}

static void s_mode_entry(void)
{
    result = work();
    __asm__ volatile("ecall");          /* back to M-mode to exit */
    for (;;)
        ;
}

static void __attribute__((aligned(4))) m_trap(void)
{
    hv_guest_exit(result);
}

int main(void)
{
    extern char _end[];
    if ((uint64_t)_end > RAM_BASE + MAPPED)
        return bench_report("paging-setup", 0, 1);
    root[0] = pte(0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    root[2] = pte((uint64_t)l1, PTE_V);
    for (uint64_t t = 0; t < (MAPPED >> 21); t++) {
        l1[t] = pte((uint64_t)l0[t], PTE_V);
        for (uint64_t i = 0; i < 512; i++)
            l0[t][i] = pte(RAM_BASE + (t << 21) + (i << 12),
                           PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
    }
    uint64_t satp = (8ull << 60) | ((uint64_t)root >> 12);
    uint64_t mpp_s = 1ull << 11, mpp_mask = 3ull << 11;
    __asm__ volatile(
        "csrw pmpaddr0, %[all]\n"
        "csrw pmpcfg0, %[napot]\n"
        "csrw mtvec, %[trap]\n"
        "csrw satp, %[satp]\n"
        "sfence.vma\n"
        "csrc mstatus, %[mask]\n"
        "csrs mstatus, %[mpp]\n"
        "csrw mepc, %[entry]\n"
        "mret\n"
        :
        : [all] "r"(~0ull >> 10), [napot] "r"(0x1full), [trap] "r"(m_trap),
          [satp] "r"(satp), [mask] "r"(mpp_mask), [mpp] "r"(mpp_s), [entry] "r"(s_mode_entry)
        : "memory");
    return 1;
}
#else
int main(void)
{
    return work();
}
#endif
