/* SPDX-License-Identifier: MIT */
/* Shared by the para backend's unit tests (test_para*.c): the VM and vCPU under test (one
 * per test process, as Criterion runs each test in its own process) and the accessors
 * every one of them uses. Header-only, file-static. */
#ifndef HV_TEST_PARA_FIXTURE_H
#define HV_TEST_PARA_FIXTURE_H

#include <criterion/criterion.h>
#include "hv/hv.h"
#include "hv/para.h"

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

/* One para hypercall (EID HVP_EID_PARA, function fid, arguments a0..a3) from an `ecall; j .`
 * written at guest address `at`: run one instruction, return a0 (the error) and store a1
 * (the value) in *value when not NULL. */
static inline int64_t para_hypercall(uint64_t at, uint64_t fid, uint64_t a0, uint64_t a1,
                                     uint64_t a2, uint64_t a3, uint64_t *value)
{
    const uint32_t code[] = { 0x00000073u /* ecall */, 0x0000006fu /* j . */ };
    cr_assert_eq(hv_vm_mem_write(vm, at, code, sizeof code), 0);
    setreg(HV_REG_PC, at);
    setreg(17, HVP_EID_PARA);   /* a7 */
    setreg(16, fid);            /* a6 */
    setreg(10, a0);
    setreg(11, a1);
    setreg(12, a2);
    setreg(13, a3);
    struct hv_exit e;
    cr_assert_eq(hv_vcpu_run(vcpu, 1, &e), 0);
    cr_assert_eq(e.reason, HV_EXIT_BUDGET);
    if (value)
        *value = reg(11);
    return (int64_t)reg(10);
}

#endif
