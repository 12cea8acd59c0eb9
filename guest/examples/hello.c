/* SPDX-License-Identifier: MIT */
/* The bundled default guest: prints a greeting and a small computation, then powers off with
 * exit code 0. One source, built for every flavour of the guest SDK. */
#include "hvguest.h"

static unsigned long collatz_steps(unsigned long n)
{
    unsigned long steps = 0;
    while (n != 1) {
        n = (n & 1) ? 3 * n + 1 : n / 2;
        steps++;
    }
    return steps;
}

int main(void)
{
    hv_guest_printf("Hello from a libhv guest!\n");
    unsigned long best = 0, arg = 0;
    for (unsigned long n = 1; n < 100000; n++) {
        unsigned long s = collatz_steps(n);
        if (s > best)
            best = s, arg = n;
    }
    hv_guest_printf("longest Collatz chain below 100000: %lu (%lu steps)\n", arg, best);
    return 0;
}
