/* Native shim of the guest SDK API: lets bench/workloads build as ordinary host programs, so
 * the bench can report "fraction of native speed" for the same source. */
#ifndef HVGUEST_NATIVE_H
#define HVGUEST_NATIVE_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#define hv_guest_printf printf
#endif
