/* SPDX-License-Identifier: MIT */
/* lexer — a table-driven state machine over text, the shape of tokenizers, protocol parsers
 * and command-line scanners: a byte -> character-class table, a [state][class] transition
 * table whose entries also say "the token ends before this byte", and per-token
 * bookkeeping (counts per kind, a hash of kinds, lengths and identifier text). The input is
 * generated C-like source: identifiers, decimal and hex numbers, string literals with
 * escapes, line and block comments, operators and white space. */
#include "bench.h"

#define TEXT (24 * 1024)

enum cls { C_END, C_SPACE, C_NL, C_ALPHA, C_DIGIT, C_QUOTE, C_BSLASH, C_SLASH, C_STAR,
           C_OP, C_OTHER, NCLASS };
enum st { S_START, S_IDENT, S_NUMBER, S_STRING, S_STR_ESC, S_STR_END, S_SLASH, S_LINE,
          S_BLOCK, S_BLOCK_STAR, S_BLOCK_END, S_OP, S_SPACE, S_ERROR, NSTATE };
#define EMIT 0x80               /* the token in the current state ends before this byte */

static uint8_t cls_of[256];
static uint8_t next_of[NSTATE][NCLASS];
static char text[TEXT + 1];

static void set_row(enum st s, uint8_t dflt)
{
    for (int c = 0; c < NCLASS; c++)
        next_of[s][c] = dflt;
}

static void build_tables(void)
{
    for (int c = 0; c < 256; c++)
        cls_of[c] = C_OTHER;
    cls_of[0] = C_END;
    cls_of[' '] = cls_of['\t'] = cls_of['\r'] = C_SPACE;
    cls_of['\n'] = C_NL;
    for (int c = 'a'; c <= 'z'; c++)
        cls_of[c] = cls_of[c - 'a' + 'A'] = C_ALPHA;
    cls_of['_'] = C_ALPHA;
    for (int c = '0'; c <= '9'; c++)
        cls_of[c] = C_DIGIT;
    cls_of['"'] = C_QUOTE;
    cls_of['\\'] = C_BSLASH;
    cls_of['/'] = C_SLASH;
    cls_of['*'] = C_STAR;
    for (const char *p = "+-<>=;,(){}[]&|!%^~.:?"; *p; p++)
        cls_of[(uint8_t)*p] = C_OP;

    set_row(S_START, S_ERROR);
    next_of[S_START][C_SPACE] = next_of[S_START][C_NL] = S_SPACE;
    next_of[S_START][C_ALPHA] = S_IDENT;
    next_of[S_START][C_DIGIT] = S_NUMBER;
    next_of[S_START][C_QUOTE] = S_STRING;
    next_of[S_START][C_SLASH] = S_SLASH;
    next_of[S_START][C_STAR] = next_of[S_START][C_OP] = S_OP;
    /* every state but START: a byte that does not continue the token ends it */
    for (int s = S_IDENT; s < NSTATE; s++)
        set_row((enum st)s, EMIT);
    next_of[S_IDENT][C_ALPHA] = next_of[S_IDENT][C_DIGIT] = S_IDENT;
    next_of[S_NUMBER][C_DIGIT] = next_of[S_NUMBER][C_ALPHA] = S_NUMBER;   /* 0x1f, 10u */
    set_row(S_STRING, S_STRING);
    next_of[S_STRING][C_QUOTE] = S_STR_END;
    next_of[S_STRING][C_BSLASH] = S_STR_ESC;
    next_of[S_STRING][C_NL] = next_of[S_STRING][C_END] = S_ERROR;
    set_row(S_STR_ESC, S_STRING);
    next_of[S_STR_ESC][C_END] = S_ERROR;
    next_of[S_SLASH][C_SLASH] = S_LINE;
    next_of[S_SLASH][C_STAR] = S_BLOCK;
    set_row(S_LINE, S_LINE);
    next_of[S_LINE][C_NL] = next_of[S_LINE][C_END] = EMIT;
    set_row(S_BLOCK, S_BLOCK);
    next_of[S_BLOCK][C_STAR] = S_BLOCK_STAR;
    next_of[S_BLOCK][C_END] = S_ERROR;
    set_row(S_BLOCK_STAR, S_BLOCK);
    next_of[S_BLOCK_STAR][C_STAR] = S_BLOCK_STAR;
    next_of[S_BLOCK_STAR][C_SLASH] = S_BLOCK_END;
    next_of[S_BLOCK_STAR][C_END] = S_ERROR;
    next_of[S_OP][C_OP] = S_OP;                         /* ==, <=, ++, -> */
    next_of[S_SPACE][C_SPACE] = next_of[S_SPACE][C_NL] = S_SPACE;
    set_row(S_ERROR, S_ERROR);
    next_of[S_ERROR][C_NL] = next_of[S_ERROR][C_END] = EMIT;
}

/* ---- input ---------------------------------------------------------------------------- */

static const char *const words[] = { "count", "buffer", "index", "next", "value", "len",
    "status", "flags", "head", "tail", "i", "j", "tmp", "result", "offset", "node" };
static const char *const ops[] = { "=", "==", "+", "-", "*", "<", "<=", ";", ",", "(", ")",
    "{", "}", "->", "++", "&&" };

static unsigned put(unsigned at, const char *s)
{
    while (*s && at < TEXT)
        text[at++] = *s++;
    return at;
}

static void make_text(void)
{
    uint64_t s = 4711;
    unsigned at = 0;
    while (at < TEXT - 64) {
        uint64_t r = bench_rand(&s);
        switch (r & 15) {
        case 0: case 1: case 2: case 3:
            at = put(at, words[(r >> 8) & 15]);
            if (r & 0x10000)
                text[at++] = (char)('0' + (r >> 20) % 10);
            break;
        case 4: case 5: {
            char num[24];
            unsigned n = 0;
            uint32_t v = (uint32_t)(r >> 32) % 100000;
            if (r & 0x100) {
                num[n++] = '0';
                num[n++] = 'x';
                do { num[n++] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v);
            } else {
                do { num[n++] = (char)('0' + v % 10); v /= 10; } while (v);
            }
            num[n] = 0;
            at = put(at, num);
            break;
        }
        case 6:
            at = put(at, "\"");
            at = put(at, words[(r >> 8) & 15]);
            at = put(at, r & 0x1000 ? " \\\"x\\\" " : " %d\\n");
            at = put(at, "\"");
            break;
        case 7:
            at = put(at, r & 0x100 ? "// " : "/* ");
            at = put(at, words[(r >> 12) & 15]);
            at = put(at, " the ");
            at = put(at, words[(r >> 16) & 15]);
            at = put(at, r & 0x100 ? "\n" : " **/");
            break;
        case 8: case 9: case 10: case 11:
            at = put(at, ops[(r >> 8) & 15]);
            break;
        default:
            at = put(at, (r >> 8) & 7 ? " " : "\n    ");
            break;
        }
    }
    text[at] = 0;
}

/* ---- the scanner ---------------------------------------------------------------------- */

struct stats {
    uint32_t count[NSTATE];
    uint64_t hash;
};

static void scan(const char *p, struct stats *st)
{
    unsigned state = S_START;
    const char *start = p;
    uint32_t ident = 0;
    for (;;) {
        uint8_t ch = (uint8_t)*p;
        uint8_t n = next_of[state][cls_of[ch]];
        if ((n & EMIT) || !ch) {        /* the end of the text ends any token */
            if (state != S_START) {
                unsigned len = (unsigned)(p - start);
                st->count[state]++;
                st->hash = st->hash * 33 + state * 64 + len;
                if (state == S_IDENT)
                    st->hash ^= ident;
            }
            if (!ch)
                return;
            state = S_START;            /* rescan this byte from the start state */
            start = p;
            ident = 0;
            continue;
        }
        if (n == S_IDENT)
            ident = ident * 31 + ch;
        state = n;
        p++;
    }
}

int main(void)
{
    build_tables();
    make_text();
    struct stats st = { { 0 }, 0 };
    for (int round = 0; round < 32 * BENCH_SCALE; round++) {
        scan(text, &st);
    }
    uint64_t sum = st.hash;
    for (int s = 0; s < NSTATE; s++)
        sum = sum * 1000003 + st.count[s];
    return bench_report("lexer", sum, BENCH_SCALE == 1 ? 0xc81fbd6f06ce18c0ull : sum);
}
