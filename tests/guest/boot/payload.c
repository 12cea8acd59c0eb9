/* SPDX-License-Identifier: MIT */
/* S-mode payload for the OpenSBI boot tests (loaded at 0x80200000 behind fw_jump or
 * fw_dynamic): checks a1 points at a device tree, prints through the SBI console (DBCN when
 * the firmware has it, else the legacy putchar), takes a supervisor timer interrupt from
 * WFI via sbi_set_timer, starts every other hart with HSM hart_start (IPIs through the
 * CLINT), then powers off with SRST. Any failure prints "payload: FAIL ..." and shuts
 * down with the failure reason. */
#include <stdint.h>

#define EID_LEGACY_PUTCHAR 0x01
#define EID_BASE 0x10
#define EID_TIME 0x54494d45
#define EID_HSM 0x48534d
#define EID_SRST 0x53525354
#define EID_DBCN 0x4442434e
#define MAX_HARTS 8
#define TIMEBASE 10000000ull

struct sbiret {
    long error, value;
};

static struct sbiret sbi(long eid, long fid, long a0, long a1, long a2)
{
    register long r0 __asm__("a0") = a0;
    register long r1 __asm__("a1") = a1;
    register long r2 __asm__("a2") = a2;
    register long r6 __asm__("a6") = fid;
    register long r7 __asm__("a7") = eid;
    __asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
    return (struct sbiret){ r0, r1 };
}

static int have_dbcn;
static volatile int hart_up[MAX_HARTS];

static void put(const char *s)
{
    unsigned long n = 0;
    while (s[n])
        n++;
    if (have_dbcn) {
        sbi(EID_DBCN, 0, (long)n, (long)(uintptr_t)s, 0);
        return;
    }
    for (unsigned long i = 0; i < n; i++)
        sbi(EID_LEGACY_PUTCHAR, 0, s[i], 0, 0);
}

static void put_dec(unsigned long v)
{
    char buf[24];
    int i = 23;
    buf[i] = 0;
    do
        buf[--i] = (char)('0' + v % 10);
    while ((v /= 10) && i);
    put(&buf[i]);
}

static uint64_t rdtime(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

static void shutdown(int failed)
{
    sbi(EID_SRST, 0, 0 /* shutdown */, failed ? 1 : 0, 0);
    for (;;)
        __asm__ volatile("wfi");
}

static void fail(const char *what)
{
    put("payload: FAIL ");
    put(what);
    put("\n");
    shutdown(1);
}

/* sbi_set_timer 5 ms ahead, STIE on but SIE off: WFI must return once STIP is pending. */
static void timer_test(void)
{
    uint64_t start = rdtime();
    __asm__ volatile("csrs sie, %0" ::"r"(1ul << 5));
    sbi(EID_TIME, 0, (long)(start + TIMEBASE / 200), 0, 0);
    unsigned long sip = 0;
    for (int i = 0; i < 1000 && !(sip & (1ul << 5)); i++) {
        __asm__ volatile("wfi");
        __asm__ volatile("csrr %0, sip" : "=r"(sip));
    }
    uint64_t waited = rdtime() - start;
    if (!(sip & (1ul << 5)))
        fail("timer: STIP never pending");
    if (waited < TIMEBASE / 200)
        fail("timer: interrupt too early");
    sbi(EID_TIME, 0, -1, 0, 0);             /* clears STIP */
    __asm__ volatile("csrc sie, %0" ::"r"(1ul << 5));
    put("payload: timer interrupt after ");
    put_dec((unsigned long)(waited / (TIMEBASE / 1000000)));
    put(" us\n");
}

extern char _start2[];

static void start_harts(unsigned long self)
{
    unsigned started = 0;
    for (unsigned long h = 0; h < MAX_HARTS; h++) {
        if (h == self)
            continue;
        struct sbiret st = sbi(EID_HSM, 2 /* get_status */, (long)h, 0, 0);
        if (st.error)
            continue;                       /* no such hart */
        if (sbi(EID_HSM, 0 /* hart_start */, (long)h, (long)(uintptr_t)_start2, 0).error)
            fail("hsm: hart_start");
        uint64_t t0 = rdtime();
        while (!hart_up[h])
            if (rdtime() - t0 > 5 * TIMEBASE)
                fail("hsm: started hart never ran");
        put("payload: hart ");
        put_dec(h);
        put(" started\n");
        started++;
    }
    put("payload: ");
    put_dec(started + 1);
    put(" harts running\n");
}

void secondary(unsigned long hartid, unsigned long opaque)
{
    (void)opaque;
    if (hartid < MAX_HARTS)
        hart_up[hartid] = 1;
    sbi(EID_HSM, 1 /* hart_stop */, 0, 0, 0);
}

void main(unsigned long hartid, unsigned long dtb)
{
    struct sbiret r = sbi(EID_BASE, 3 /* probe_extension */, EID_DBCN, 0, 0);
    have_dbcn = !r.error && r.value;
    put("payload: S-mode on hart ");
    put_dec(hartid);
    put("\n");
    uint32_t magic = *(volatile uint32_t *)dtb;
    if (magic != 0xedfe0dd0u)               /* 0xd00dfeed big-endian */
        fail("a1 is not a device tree");
    put("payload: device tree ok\n");
    r = sbi(EID_BASE, 0 /* spec version */, 0, 0, 0);
    put("payload: SBI spec ");
    put_dec((unsigned long)(r.value >> 24) & 0x7f);
    put(".");
    put_dec((unsigned long)r.value & 0xffffff);
    put("\n");
    timer_test();
    start_harts(hartid);
    put("payload: done\n");
    shutdown(0);
}
