/* SPDX-License-Identifier: MIT */
/* libhv — run RISC-V RV64GC virtual machines inside an x86-64 Linux process, without KVM.
 * This umbrella header includes the whole public API. See README.md for a tour. */
#ifndef HV_HV_H
#define HV_HV_H

#include "hv/export.h"
#include "hv/error.h"
#include "hv/config.h"
#include "hv/vm.h"
#include "hv/snapshot.h"
#include "hv/hooks.h"
#include "hv/fuzz.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Run-time version: HV_VERSION of the library actually loaded. */
HV_API unsigned hv_version(void);
/* "MAJOR.MINOR.PATCH" of the library actually loaded. */
HV_API const char *hv_version_string(void);

#ifdef __cplusplus
}
#endif
#endif
