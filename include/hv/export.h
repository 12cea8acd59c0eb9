/* SPDX-License-Identifier: MIT */
/* libhv — symbol visibility and version macros shared by every public header. */
#ifndef HV_EXPORT_H
#define HV_EXPORT_H

#define HV_VERSION_MAJOR 0
#define HV_VERSION_MINOR 1
#define HV_VERSION_PATCH 0
/* Encoded as MAJOR*10000 + MINOR*100 + PATCH; compare with hv_version() at run time. */
#define HV_VERSION (HV_VERSION_MAJOR * 10000 + HV_VERSION_MINOR * 100 + HV_VERSION_PATCH)
#define HV__STR2(x) #x
#define HV__STR(x) HV__STR2(x)
#define HV_VERSION_STRING \
    HV__STR(HV_VERSION_MAJOR) "." HV__STR(HV_VERSION_MINOR) "." HV__STR(HV_VERSION_PATCH)

#if defined(HV_BUILDING_LIBRARY) && defined(__GNUC__)
#define HV_API __attribute__((visibility("default")))
#else
#define HV_API
#endif

#endif
