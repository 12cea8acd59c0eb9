/* libhv guest SDK — a small printf: %d %i %u %x %lx %llx %ld %lu %lld %llu %s %c %p %%
 * with width and zero padding. Output goes through hv_guest_putc. */
#include <stdarg.h>
#include "hvguest.h"

void hv_guest_puts(const char *s)
{
    while (*s)
        hv_guest_putc(*s++);
}

static int put_num(unsigned long long v, unsigned base, int neg, int width, char pad)
{
    char buf[24];
    int n = 0, out = 0;
    do {
        unsigned d = (unsigned)(v % base);
        buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v);
    if (neg)
        buf[n++] = '-';
    for (; width > n; width--, out++)
        hv_guest_putc(pad);
    while (n)
        hv_guest_putc(buf[--n]), out++;
    return out;
}

int hv_guest_printf(const char *fmt, ...)
{
    va_list ap;
    int out = 0;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            hv_guest_putc(*fmt);
            out++;
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0, lng = 0;
        if (*fmt == '0')
            pad = '0', fmt++;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l')
            lng++, fmt++;
        switch (*fmt) {
        case 'd':
        case 'i': {
            long long v = lng ? va_arg(ap, long long) : va_arg(ap, int);
            out += put_num(v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v, 10,
                           v < 0, width, pad);
            break;
        }
        case 'u':
            out += put_num(lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned), 10, 0,
                           width, pad);
            break;
        case 'x':
            out += put_num(lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned), 16, 0,
                           width, pad);
            break;
        case 'p':
            hv_guest_puts("0x");
            out += 2 + put_num((unsigned long long)(uintptr_t)va_arg(ap, void *), 16, 0, width,
                               pad);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            for (; *s; s++, out++)
                hv_guest_putc(*s);
            break;
        }
        case 'c':
            hv_guest_putc((char)va_arg(ap, int));
            out++;
            break;
        case '%':
            hv_guest_putc('%');
            out++;
            break;
        default:
            hv_guest_putc('%');
            hv_guest_putc(*fmt);
            out += 2;
            if (!*fmt)
                fmt--;
        }
    }
    va_end(ap);
    return out;
}
