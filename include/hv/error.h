/* SPDX-License-Identifier: MIT */
/* libhv — error codes.
 * Every libhv call that can fail returns 0 (or a non-negative count) on success and a
 * negative HV_E* code on failure. The list below is the single source of truth: the enum,
 * hv_strerror() and hv_err_name() are all generated from it. */
#ifndef HV_ERROR_H
#define HV_ERROR_H

#include "hv/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(NAME, value, "description") — values are positive here and negated in the enum. */
#define HV_ERRORS(X)                                                          \
    X(EINVAL,    1, "invalid argument")                                       \
    X(ENOMEM,    2, "out of memory")                                          \
    X(ERANGE,    3, "value or address out of range")                          \
    X(EBUSY,     4, "resource busy")                                          \
    X(EIO,       5, "host I/O error")                                         \
    X(ENOENT,    6, "no such file or object")                                 \
    X(EFORMAT,   7, "malformed input (file, image, XML or snapshot)")         \
    X(ENOTSUP,   8, "operation or feature not supported")                     \
    X(EFAULT,    9, "guest address not mapped")                               \
    X(EEXIST,   10, "object already exists or overlaps an existing one")      \
    X(ESTATE,   11, "operation not valid in the current state")               \
    X(EGUEST,   12, "guest misbehaved (device or ring protocol violation)")   \
    X(EAGAIN,   13, "try again")                                              \
    X(ELIMIT,   14, "a configured limit was reached")                         \
    X(EINTERNAL,15, "internal error (a libhv bug)")

enum hv_error {
#define HV__ERR_ENUM(name, val, desc) HV_##name = -(val),
    HV_ERRORS(HV__ERR_ENUM)
#undef HV__ERR_ENUM
    HV__ERR_LAST_ = -16
};

/* Human-readable description of an HV_E* code (or of 0). Never NULL; unknown codes give
 * "unknown error". The string is static: do not free it. Thread-safe. */
HV_API const char *hv_strerror(int err);

/* Symbolic name ("HV_EINVAL") of an HV_E* code; "HV_OK" for 0, "HV_E?" if unknown. */
HV_API const char *hv_err_name(int err);

#ifdef __cplusplus
}
#endif
#endif
