/* SPDX-License-Identifier: MIT */
/* libhv guest SDK — the hooks picolibc needs, wired to the SDK (either flavour): stdin,
 * stdout and stderr are one unbuffered stream on hv_guest_putc (no console input: reads
 * see end of file), _exit is hv_guest_exit, time() / gettimeofday() / clock() read
 * hv_guest_time_ns() (time since the machine started: there is no wall clock), and
 * hv_guest_libc_init (called by crt0 before main) points tp at the TLS block and runs the
 * constructors. malloc grows into [__heap_start, __heap_end) from the linker script. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>
#include "hvguest.h"

void hv_guest_libc_init(void);
void __libc_init_array(void);

static int console_put(char c, FILE *f)
{
    (void)f;
    hv_guest_putc(c);
    return (unsigned char)c;
}

static int console_get(FILE *f)
{
    (void)f;
    return _FDEV_EOF;
}

static FILE console = FDEV_SETUP_STREAM(console_put, console_get, NULL, _FDEV_SETUP_RW);
FILE *const stdin = &console;
FILE *const stdout = &console;
FILE *const stderr = &console;

void _exit(int code)
{
    hv_guest_exit(code);
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    (void)tz;
    uint64_t ns = hv_guest_time_ns();
    if (tv) {
        tv->tv_sec = (time_t)(ns / 1000000000u);
        tv->tv_usec = (suseconds_t)(ns % 1000000000u / 1000u);
    }
    return 0;
}

/* clock() sums the fields: all of the machine's time counts as the program's. */
clock_t times(struct tms *t)
{
    clock_t ticks = (clock_t)(hv_guest_time_ns() / (1000000000u / CLOCKS_PER_SEC));
    if (t)
        *t = (struct tms){ .tms_utime = ticks };
    return ticks;
}

extern char __tls_base[], __tbss_start[], __tbss_end[];

void hv_guest_libc_init(void)
{
    /* RISC-V TLS variant I: tp points at the block (.tdata, then .tbss); the program is
     * single-threaded, so the block is the one at its link address (.tbss was cleared with
     * .bss by crt0). */
    __asm__ volatile("mv tp, %0" ::"r"(__tls_base));
    __libc_init_array();
}
