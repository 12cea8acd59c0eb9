/* SPDX-License-Identifier: MIT */
/* libhv guest SDK, para flavour for the para backend: console output buffered per line and
 * written with one DBCN console_write hypercall (DBCN console_write_byte would cost a
 * hypercall per character), exit through SRST, time from the time CSR (a user counter the
 * para ABI allows; 10 MHz, the same timebase as the full board's mtime). No CSR set-up: a
 * para guest has F/D enabled from the start. */
#include "hvguest.h"
#include "hvpara_guest.h"

#define LINE_MAX_BYTES 256

static char line[LINE_MAX_BYTES];
static unsigned line_len;

static void flush_line(void)
{
    unsigned done = 0;
    while (done < line_len) {
        struct hvp_sbiret r = hvp_console_write(line + done, line_len - done);
        if (r.error || r.value == 0)
            break;
        done += (unsigned)r.value;
    }
    line_len = 0;
}

void hv_guest_platform_init(void)
{
    line_len = 0;
}

void hv_guest_putc(char c)
{
    line[line_len++] = c;
    if (c == '\n' || line_len == LINE_MAX_BYTES)
        flush_line();
}

void hv_guest_exit(int code)
{
    flush_line();
    unsigned long reason = code == 0 ? HVP_SRST_REASON_NONE
                                     : HVP_SRST_REASON_EXIT_CODE | ((unsigned)code & 0xffffu);
    hvp_system_reset(HVP_SRST_TYPE_SHUTDOWN, reason);
    for (;;)
        hvp_sched_block();
}

uint64_t hv_guest_time_ns(void)
{
    return hvp_rdtime() * 100;
}
