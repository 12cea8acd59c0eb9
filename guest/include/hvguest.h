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

/* ---- devices (both flavours: para rings + hypercalls, or virtio-mmio on the full board).
 * Drivers initialise on first use and poll for completions; no interrupt handlers. ---- */

/* Block devices: 512-byte sectors; buffers are guest-physical (flat) memory. Calls return
 * 0 or -1 (device error, out of range, read-only, no such device). */
#define HV_GUEST_SECTOR 512u
int hv_guest_blk_count(void);
uint64_t hv_guest_blk_capacity(int dev);                  /* sectors; 0: no such device */
int hv_guest_blk_read(int dev, uint64_t sector, void *buf, uint32_t nsec);
int hv_guest_blk_write(int dev, uint64_t sector, const void *buf, uint32_t nsec);
int hv_guest_blk_flush(int dev);                          /* durable on the host */

/* The first NIC: whole Ethernet frames of 1..HV_GUEST_NET_MTU bytes. recv waits up to
 * timeout_ns (0: just look) and returns the frame length (truncated to maxlen), or 0. */
#define HV_GUEST_NET_MTU 1514u
int hv_guest_net_present(void);
int hv_guest_net_send(const void *frame, size_t len);      /* 0 or -1 */
size_t hv_guest_net_recv(void *buf, size_t maxlen, uint64_t timeout_ns);

/* One-shot timer on hv_guest_time_ns()'s clock: arm an absolute deadline (UINT64_MAX
 * disarms), then hv_guest_wait() sleeps (para: SCHED_OP poll; full: WFI with MTIE) until
 * the timer fires or a device event arrives. It may return early: re-check the clock. */
void hv_guest_timer_set(uint64_t deadline_ns);
void hv_guest_wait(void);
/* Sleep at least ns (timer + wait in a loop). */
void hv_guest_sleep_ns(uint64_t ns);

#endif
