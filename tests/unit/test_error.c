/* SPDX-License-Identifier: MIT */
/* Unit tests for the error codes: negative, distinct, named and described (X-macro). */
#include <criterion/criterion.h>
#include <string.h>
#include "hv/hv.h"

static const int all[] = {
#define X(name, val, desc) HV_##name,
    HV_ERRORS(X)
#undef X
};

Test(error, codes_are_negative_and_distinct)
{
    size_t n = sizeof(all) / sizeof(all[0]);
    cr_assert_geq(n, 10);
    for (size_t i = 0; i < n; i++) {
        cr_assert_lt(all[i], 0, "%s is not negative", hv_err_name(all[i]));
        for (size_t j = i + 1; j < n; j++)
            cr_assert_neq(all[i], all[j]);
    }
}

Test(error, names_and_strings)
{
    cr_assert_str_eq(hv_err_name(HV_EINVAL), "HV_EINVAL");
    cr_assert_str_eq(hv_err_name(HV_EFORMAT), "HV_EFORMAT");
    cr_assert_str_eq(hv_err_name(0), "HV_OK");
    cr_assert_str_eq(hv_err_name(-9999), "HV_E?");
    cr_assert_str_eq(hv_err_name(5), "HV_E?");
    cr_assert_str_eq(hv_strerror(0), "success");
    cr_assert_str_eq(hv_strerror(12345), "unknown error");
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        cr_assert_str_neq(hv_strerror(all[i]), "unknown error");
        cr_assert_eq(strncmp(hv_err_name(all[i]), "HV_E", 4), 0);
    }
}

Test(error, version)
{
    cr_assert_eq(hv_version(), HV_VERSION);
    cr_assert_str_eq(hv_version_string(), HV_VERSION_STRING);
    cr_assert_eq(HV_VERSION, HV_VERSION_MAJOR * 10000 + HV_VERSION_MINOR * 100 + HV_VERSION_PATCH);
}
