/* SPDX-License-Identifier: MIT */
/* libhv core — error strings and names, generated from the HV_ERRORS X-macro, plus the
 * internal message formatter every layer uses. */
#include <stdarg.h>
#include <stdio.h>
#include "hv/hv.h"
#include "core/err.h"

HV_API const char *hv_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
#define HV__ERR_STR(name, val, desc) case -(val): return desc;
        HV_ERRORS(HV__ERR_STR)
#undef HV__ERR_STR
    default:
        return "unknown error";
    }
}

HV_API const char *hv_err_name(int err)
{
    switch (err) {
    case 0:
        return "HV_OK";
#define HV__ERR_NAME(name, val, desc) case -(val): return "HV_" #name;
        HV_ERRORS(HV__ERR_NAME)
#undef HV__ERR_NAME
    default:
        return "HV_E?";
    }
}

int hv__errf(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

HV_API unsigned hv_version(void)
{
    return HV_VERSION;
}

HV_API const char *hv_version_string(void)
{
    return HV_VERSION_STRING;
}
