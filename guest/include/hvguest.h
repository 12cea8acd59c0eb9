/* libhv guest SDK — the small freestanding API a workload is written against. The same
 * source links against either flavour: bare-metal (full board: UART, SiFive test device)
 * or para (hypercalls). */
#ifndef HVGUEST_H
#define HVGUEST_H

#include <stddef.h>
#include <stdint.h>

void hv_guest_platform_init(void);
void hv_guest_putc(char c);
void hv_guest_puts(const char *s);
int hv_guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void hv_guest_exit(int code);
uint64_t hv_guest_time_ns(void);     /* guest-visible clock (10 MHz timebase) */

#endif
