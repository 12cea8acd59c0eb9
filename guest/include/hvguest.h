/* SPDX-License-Identifier: MIT */
/* libhv guest SDK — the small freestanding API a workload is written against. The same
 * source links against either flavour: bare-metal (full board: UART, SiFive test device)
 * or para (hypercalls). Hosted guests (built on picolibc, docs/GUESTS.md) may use standard
 * C besides: their stdio, time() and exit() go through these functions. */
#ifndef HVGUEST_H
#define HVGUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void hv_guest_platform_init(void);
void hv_guest_putc(char c);
void hv_guest_puts(const char *s);
/* The SDK's own printf (no libc needed): d i u x X o c s p %, '-' and '0' flags, width and
 * precision (or '*'), hh h l ll z j t; no floating point (link picolibc for that:
 * docs/GUESTS.md). The va_list form lets a program route its own printf-like calls here. */
int hv_guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int hv_guest_vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
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

/* Asynchronous block I/O: several requests in flight on one disk. submit queues a request
 * (the device does not see it yet); kick hands every queued request to the device at once
 * (para: one NOTIFY at most for the batch; full: one virtio QueueNotify); complete takes
 * one finished request and gives back the cookie it was submitted with. Per disk at most
 * HV_GUEST_BLK_QDEPTH requests are queued or in flight, each of 1..HV_GUEST_BLK_ASYNC_MAX
 * sectors; buf must stay untouched until the request completes. Completions may arrive in
 * any order. While requests are outstanding the synchronous calls above return -1 on that
 * disk. Requests in one kick may be executed in any order: do not put overlapping writes
 * (or a read of what another request writes) in one batch. */
#define HV_GUEST_BLK_QDEPTH 32u
#define HV_GUEST_BLK_ASYNC_MAX 128u                       /* sectors (64 KiB) */
/* 0, or -1: no such device, bad nsec, queue full (complete some requests first). */
int hv_guest_blk_submit(int dev, int write, uint64_t sector, void *buf, uint32_t nsec,
                        uint64_t cookie);
void hv_guest_blk_kick(int dev);
/* Waits for the next finished request (kicking queued ones first): 1 = it succeeded,
 * -1 = it failed (device error, out of range, read-only); *cookie (may be NULL) names it.
 * 0: nothing queued or in flight. */
int hv_guest_blk_complete(int dev, uint64_t *cookie);

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
