/* SPDX-License-Identifier: MIT */
/* libhv guest SDK — the freestanding printf (guests without libc): conversions d i u x X o
 * c s p %, flags '-' and '0', width and precision (numbers or '*'), length modifiers hh h l
 * ll z j t. No floating point: a guest that prints floats links picolibc (hosted flavour,
 * docs/GUESTS.md). Output goes through hv_guest_putc. */
#include <stdarg.h>
#include "hvguest.h"

void hv_guest_puts(const char *s)
{
    while (*s)
        hv_guest_putc(*s++);
}

struct spec {
    int left;          /* '-': pad on the right */
    char pad;          /* ' ' or '0' (ignored with '-' or a precision) */
    int width;
    int prec;          /* -1: none */
};

static int pad_out(int n, char c)
{
    for (int i = 0; i < n; i++)
        hv_guest_putc(c);
    return n > 0 ? n : 0;
}

/* body[len] with the spec's width; zeros after the sign when zero-padding. */
static int emit(const struct spec *sp, const char *sign, const char *body, int len)
{
    int slen = 0;
    while (sign[slen])
        slen++;
    int fill = sp->width - slen - len, out = 0;
    if (!sp->left && sp->pad != '0')
        out += pad_out(fill, ' ');
    for (int i = 0; i < slen; i++, out++)
        hv_guest_putc(sign[i]);
    if (!sp->left && sp->pad == '0')
        out += pad_out(fill, '0');
    for (int i = 0; i < len; i++, out++)
        hv_guest_putc(body[i]);
    if (sp->left)
        out += pad_out(fill, ' ');
    return out;
}

static int put_num(const struct spec *sp, unsigned long long v, unsigned base, int upper,
                   const char *sign)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24], buf[48];
    int n = 0;
    while (v) {
        tmp[n++] = digits[v % base];
        v /= base;
    }
    int want = sp->prec < 0 ? 1 : (sp->prec < 40 ? sp->prec : 40);   /* %.0d of 0 prints "" */
    int len = 0;
    for (int z = want - n; z > 0; z--)
        buf[len++] = '0';
    while (n)
        buf[len++] = tmp[--n];
    return emit(sp, sign, buf, len);
}

static unsigned long long get_unsigned(va_list *ap, int lng)
{
    switch (lng) {
    case -2: return (unsigned char)va_arg(*ap, unsigned);
    case -1: return (unsigned short)va_arg(*ap, unsigned);
    case 0: return va_arg(*ap, unsigned);
    case 1: return va_arg(*ap, unsigned long);
    default: return va_arg(*ap, unsigned long long);
    }
}

static long long get_signed(va_list *ap, int lng)
{
    switch (lng) {
    case -2: return (signed char)va_arg(*ap, int);
    case -1: return (short)va_arg(*ap, int);
    case 0: return va_arg(*ap, int);
    case 1: return va_arg(*ap, long);
    default: return va_arg(*ap, long long);
    }
}

int hv_guest_vprintf(const char *fmt, va_list ap_in)
{
    va_list ap;
    va_copy(ap, ap_in);
    int out = 0;
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            hv_guest_putc(*fmt);
            out++;
            continue;
        }
        const char *start = fmt++;
        struct spec sp = { 0, ' ', 0, -1 };
        for (;; fmt++) {
            if (*fmt == '-')
                sp.left = 1;
            else if (*fmt == '0')
                sp.pad = '0';
            else
                break;
        }
        if (*fmt == '*') {
            sp.width = va_arg(ap, int);
            if (sp.width < 0)
                sp.left = 1, sp.width = -sp.width;
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            sp.width = sp.width * 10 + (*fmt++ - '0');
        if (*fmt == '.') {
            fmt++;
            sp.prec = 0;
            if (*fmt == '*') {
                sp.prec = va_arg(ap, int);
                fmt++;
            }
            while (*fmt >= '0' && *fmt <= '9')
                sp.prec = sp.prec * 10 + (*fmt++ - '0');
            if (sp.prec >= 0)
                sp.pad = ' ';   /* C: a precision turns off zero padding of integers */
        }
        int lng = 0;
        if (*fmt == 'h')
            lng = -1, fmt++;
        if (*fmt == 'h')
            lng = -2, fmt++;
        while (*fmt == 'l')
            lng++, fmt++;
        if (*fmt == 'z' || *fmt == 'j' || *fmt == 't')
            lng = 2, fmt++;
        switch (*fmt) {
        case 'd':
        case 'i': {
            long long v = get_signed(&ap, lng);
            out += put_num(&sp, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v,
                           10, 0, v < 0 ? "-" : "");
            break;
        }
        case 'u':
            out += put_num(&sp, get_unsigned(&ap, lng), 10, 0, "");
            break;
        case 'x':
        case 'X':
            out += put_num(&sp, get_unsigned(&ap, lng), 16, *fmt == 'X', "");
            break;
        case 'o':
            out += put_num(&sp, get_unsigned(&ap, lng), 8, 0, "");
            break;
        case 'p':
            out += put_num(&sp, (unsigned long long)(uintptr_t)va_arg(ap, void *), 16, 0,
                           "0x");
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int len = 0;
            while (s[len] && (sp.prec < 0 || len < sp.prec))
                len++;
            sp.pad = ' ';
            out += emit(&sp, "", s, len);
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            sp.pad = ' ';
            out += emit(&sp, "", &c, 1);
            break;
        }
        case '%':
            hv_guest_putc('%');
            out++;
            break;
        default:
            /* Unknown conversion: print it as written. */
            for (const char *p = start; p <= fmt && *p; p++, out++)
                hv_guest_putc(*p);
            if (!*fmt)
                fmt--;
        }
    }
    va_end(ap);
    return out;
}

int hv_guest_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int out = hv_guest_vprintf(fmt, ap);
    va_end(ap);
    return out;
}
