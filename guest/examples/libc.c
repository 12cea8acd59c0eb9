/* SPDX-License-Identifier: MIT */
/* A hosted guest on picolibc: the standard C library in a libhv guest, on either backend —
 * printf with floating point, malloc/free, string.h, qsort, strtod, libm, errno and
 * time(). Built with hv_add_sdk_guest(... LIBC); its output is checked byte for byte
 * (tests/guest/examples/libc.expected). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    printf("hello from picolibc: argc=%d argv=%s\n", argc, argv ? "set" : "NULL");
    printf("floats: %f %.3f %e %g %g\n", 3.14159265358979, 2.0 / 3.0, 6.02214076e23, 0.0001,
           1e-5);
    printf("flags: [%-6d] [%6d] [%06.2f] [%X] [%o] [%+d] [%.3s]\n", 42, 42, 3.14159, 0xBEEFu,
           8u, 7, "abcdef");
    printf("math: sqrt(2)=%.12f sin(1)=%.9f exp(1)=%.9f pow(2,0.5)=%.6f\n", sqrt(2.0),
           sin(1.0), exp(1.0), pow(2.0, 0.5));

    /* malloc: a growing array of doubles, sorted, summed; many small blocks freed and
     * reused. */
    size_t n = 1000;
    double *v = malloc(n * sizeof(*v));
    if (!v) {
        printf("malloc failed\n");
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = (double)((i * 7919) % 1000) / 8.0;
    qsort(v, n, sizeof(*v), cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    printf("malloc: %zu doubles sorted: min %.3f max %.3f sum %.2f\n", n, v[0], v[n - 1], sum);
    v = realloc(v, 4 * n * sizeof(*v));
    printf("realloc: %s, first %.3f\n", v ? "ok" : "failed", v ? v[0] : 0.0);
    free(v);
    unsigned long total = 0;
    for (int round = 0; round < 100; round++) {
        char *blocks[32];
        for (int i = 0; i < 32; i++) {
            blocks[i] = malloc((size_t)(16 + i * 24));
            if (!blocks[i]) {
                printf("malloc failed in round %d\n", round);
                return 1;
            }
            memset(blocks[i], 'a' + i % 26, (size_t)(16 + i * 24));
            total += (size_t)(16 + i * 24);
        }
        for (int i = 0; i < 32; i++)
            free(blocks[i]);
    }
    printf("malloc: %lu bytes in 3200 blocks allocated and freed\n", total);

    char buf[64];
    snprintf(buf, sizeof buf, "%s-%d-%.1f", "pi", 3, 3.14);
    char copy[64];
    strcpy(copy, buf);
    strcat(copy, "!");
    printf("string: %s len %zu cmp %d chr %s\n", copy, strlen(copy), strcmp(buf, copy) < 0,
           strchr(copy, '3'));
    char *end;
    double d = strtod("  -12.5e-1xyz", &end);
    printf("strtod: %g rest \"%s\" atoi %d\n", d, end, atoi("1234"));
    errno = 0;                        /* errno is thread-local: crt0 set up tp */
    long big = strtol("99999999999999999999", NULL, 10);
    printf("errno: strtol overflow gives %s, errno %s; log(-1) is %s\n",
           big == LONG_MAX ? "LONG_MAX" : "?", errno == ERANGE ? "ERANGE" : "not ERANGE",
           isnan(log(-1.0)) ? "nan" : "a number");
    time_t t = time(NULL);
    printf("time: %s\n", t >= 0 ? "ok" : "failed");
    fprintf(stderr, "stderr: goes to the console too\n");
    return 0;
}
