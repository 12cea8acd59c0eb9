/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * libhv para drivers: <stdint.h> for include/hv/para.h inside the kernel. The ABI header is
 * freestanding C and includes <stdint.h>; the kernel builds with -nostdinc, and
 * <linux/types.h> already defines uint8_t .. uint64_t and int8_t .. int64_t.
 */
#ifndef HVPARA_SHIM_STDINT_H
#define HVPARA_SHIM_STDINT_H
#include <linux/types.h>
#endif
