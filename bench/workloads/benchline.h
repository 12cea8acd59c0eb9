/* SPDX-License-Identifier: MIT */
/* The machine-readable result line of the device and micro-benchmark workloads, parsed by
 * `hv bench` (tools/hv/bench_run.c): "bench: name=N ops=X bytes=Y ns=T [key=value...]".
 * ns is the guest-clock time of the measured section, so start-up is excluded everywhere
 * (including under QEMU, whose wall time includes its own start-up). */
#ifndef BENCHLINE_H
#define BENCHLINE_H

#include "hvguest.h"

static inline void bench_line(const char *name, uint64_t ops, uint64_t bytes, uint64_t ns)
{
    hv_guest_printf("bench: name=%s ops=%llu bytes=%llu ns=%llu\n", name,
                    (unsigned long long)ops, (unsigned long long)bytes,
                    (unsigned long long)ns);
}

#endif
