/* SPDX-License-Identifier: MIT */
/* Guest for the GDB stub test (tests/guest/gdb/gdb-test.sh): a function to break in, a
 * global to read, a string to find in memory, and a result that shows a register written
 * from gdb. Built for both SDK flavours. */
#include "hvguest.h"

volatile long counter = 5;
const char message[] = "gdb-can-read-this";

long __attribute__((noinline)) add_numbers(long a, long b)
{
    counter += 1;
    return a * 3 + b;
}

int main(void)
{
    long r = add_numbers(1, 2);
    hv_guest_printf("result=%ld counter=%ld %s\n", r, (long)counter, message);
    return 0;
}
