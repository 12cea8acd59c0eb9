/* Shared by the para backend's unit tests (test_para*.c): the VM and vCPU under test (one
 * per test process, as Criterion runs each test in its own process) and the accessors
 * every one of them uses. Header-only, file-static. */
#ifndef HV_TEST_PARA_FIXTURE_H
#define HV_TEST_PARA_FIXTURE_H

#include <criterion/criterion.h>
#include "hv/hv.h"

static hv_vm *vm;
static hv_vcpu *vcpu;

/* Host pointer to guest RAM [gpa, gpa+len); fails the test when it is not RAM. */
static inline void *gptr(uint64_t gpa, size_t len)
{
    void *p = hv_vm_mem_ptr(vm, gpa, len);
    cr_assert_not_null(p);
    return p;
}

static inline uint64_t reg(unsigned r)
{
    uint64_t v = 0;
    cr_assert_eq(hv_vcpu_get_reg(vcpu, r, &v), 0);
    return v;
}

static inline void setreg(unsigned r, uint64_t v)
{
    cr_assert_eq(hv_vcpu_set_reg(vcpu, r, v), 0);
}

#endif
