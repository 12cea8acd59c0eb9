/* SPDX-License-Identifier: MIT */
/* libhv internal — error-message helpers shared by every layer.
 * Modules that can fail take (char *err, size_t errlen): a caller-owned buffer that receives
 * one line naming the cause. The VM passes its last-error buffer; tests pass their own. */
#ifndef HV_CORE_ERR_H
#define HV_CORE_ERR_H

#include <stddef.h>
#include "hv/error.h"

#define HV__ERRLEN 512

/* Format a message into err (if not NULL) and return `code` (a negative HV_E*). */
int hv__errf(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
