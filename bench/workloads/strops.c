/* SPDX-License-Identifier: MIT */
/* strops — the string functions of a small C library, written as byte loops the way
 * freestanding firmware and embedded libcs carry them (strlen, strcmp, strncmp, strchr,
 * strrchr, memcpy, strcpy, strcat, strstr, atoi, utoa), used the way a command shell or
 * config parser uses them: build "key=value" lines from a word list, split them at '=',
 * look keys up by comparing against a table, search substrings, convert numbers both ways. */
#include "bench.h"

#define LINES 256
#define LINE_MAX 64

static const char *const keys[] = { "baudrate", "parity", "stopbits", "timeout", "retries",
    "address", "hostname", "gateway", "netmask", "loglevel", "watchdog", "prescaler",
    "channel", "duty", "period", "mode" };
#define NKEYS (sizeof keys / sizeof keys[0])

static char lines[LINES][LINE_MAX];

BENCH_NOLIBCALL static size_t s_len(const char *s)
{
    const char *p = s;
    while (*p)
        p++;
    return (size_t)(p - s);
}

static int s_cmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

static int s_ncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            return 0;
    }
    return 0;
}

static const char *s_chr(const char *s, int c)
{
    for (; *s; s++)
        if (*s == (char)c)
            return s;
    return c ? 0 : s;
}

static const char *s_rchr(const char *s, int c)
{
    const char *last = 0;
    do {
        if (*s == (char)c)
            last = s;
    } while (*s++);
    return last;
}

BENCH_NOLIBCALL static void *m_cpy(void *d, const void *s, size_t n)
{
    uint8_t *dp = d;
    const uint8_t *sp = s;
    while (n--)
        *dp++ = *sp++;
    return d;
}

BENCH_NOLIBCALL static char *s_cpy(char *d, const char *s)
{
    char *r = d;
    while ((*d++ = *s++))
        ;
    return r;
}

static char *s_cat(char *d, const char *s)
{
    s_cpy(d + s_len(d), s);
    return d;
}

static const char *s_str(const char *h, const char *n)
{
    size_t nl = s_len(n);
    if (!nl)
        return h;
    for (; *h; h++)
        if (*h == *n && !s_ncmp(h, n, nl))
            return h;
    return 0;
}

static int32_t a_toi(const char *s)
{
    int neg = 0;
    int32_t v = 0;
    while (*s == ' ')
        s++;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return neg ? -v : v;
}

static char *u_toa(uint32_t v, char *buf)
{
    char tmp[12];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    char *p = buf;
    while (n)
        *p++ = tmp[--n];
    *p = 0;
    return buf;
}

int main(void)
{
    uint64_t s = 1234, sum = 0;
    for (int round = 0; round < 60 * BENCH_SCALE; round++) {
        /* build the lines: "key=value # comment" */
        for (unsigned i = 0; i < LINES; i++) {
            uint64_t r = bench_rand(&s);
            char num[12];
            char *l = lines[i];
            const char *k = keys[r % NKEYS];
            m_cpy(l, k, s_len(k) + 1);
            s_cat(l, "=");
            if (r & 0x100)
                s_cat(l, "-");
            s_cat(l, u_toa((uint32_t)(r >> 20) % 100000, num));
            if (r & 0x200) {
                s_cat(l, " # ");
                s_cat(l, keys[(r >> 12) % NKEYS]);
            }
        }
        /* parse them back */
        for (unsigned i = 0; i < LINES; i++) {
            char key[LINE_MAX], copy[LINE_MAX];
            s_cpy(copy, lines[i]);
            const char *eq = s_chr(copy, '=');
            if (!eq)
                return bench_report("strops", 0, 1);
            size_t klen = (size_t)(eq - copy);
            m_cpy(key, copy, klen);
            key[klen] = 0;
            unsigned idx = NKEYS;
            for (unsigned k = 0; k < NKEYS; k++)
                if (!s_cmp(key, keys[k])) {
                    idx = k;
                    break;
                }
            int32_t v = a_toi(eq + 1);
            const char *hash = s_rchr(copy, '#');
            const char *hit = s_str(copy, "time");
            sum = sum * 31 + idx * 100003u + (uint32_t)v + (hash ? (uint32_t)(hash - copy) : 7)
                  + (hit ? (uint32_t)(hit - copy) * 3 : 11) + s_len(copy);
        }
    }
    return bench_report("strops", sum, BENCH_SCALE == 1 ? 0x899a915c06c5d8acull : sum);
}
