/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * libhv para drivers: <stddef.h> for include/hv/para.h inside the kernel (offsetof and
 * size_t come from the kernel's own headers; see shim/stdint.h).
 */
#ifndef HVPARA_SHIM_STDDEF_H
#define HVPARA_SHIM_STDDEF_H
#include <linux/stddef.h>
#include <linux/types.h>
#endif
