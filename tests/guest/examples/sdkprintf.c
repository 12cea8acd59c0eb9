/* SPDX-License-Identifier: MIT */
/* The freestanding SDK (no libc): crt0 passes argc = 0 and argv = NULL, and
 * hv_guest_printf / hv_guest_vprintf handle flags, width, precision and every integer
 * conversion. Output checked byte for byte against sdkprintf.expected on both backends. */
#include "hvguest.h"

static int log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A program's own printf-like function routed into the SDK (the va_list form). */
static int log_line(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = hv_guest_printf("log: ");
    n += hv_guest_vprintf(fmt, ap);
    va_end(ap);
    hv_guest_putc('\n');
    return n + 1;
}

int main(int argc, char **argv)
{
    hv_guest_printf("crt0: argc=%d argv=%s\n", argc, argv ? "set" : "NULL");
    hv_guest_printf("[%d] [%5d] [%-5d] [%05d] [%-05d] [%.3d] [%8.3d] [%d]\n", -42, -42, -42,
                    -42, 42, 7, -7, 0);
    hv_guest_printf("[%x] [%X] [%08X] [%o] [%lu] [%llx] [%zu] [%hhu] [%hd]\n", 0xbeefu,
                    0xbeefu, 0xabcu, 8u, 4000000000ul, 0x123456789abcdefull, (size_t)77,
                    (unsigned char)300u, (short)70000);
    hv_guest_printf("[%s] [%8s] [%-8s] [%.2s] [%*d] [%-*d] [%.*s] [%c] [%-3c] [%%]\n", "str",
                    "right", "left", "precision", 6, 1, 6, 2, 3, "abcdef", 'x', 'y');
    hv_guest_printf("[%p] [%s]\n", (void *)0x1234, (const char *)0);
    int n = log_line("%s %d %X", "routed", 16, 255u);
    hv_guest_printf("log_line wrote %d characters\n", n);
    return argc == 0 && argv == 0 ? 0 : 1;
}
