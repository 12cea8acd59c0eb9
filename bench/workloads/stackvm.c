/* SPDX-License-Identifier: MIT */
/* stackvm — the inner loop of an embedded scripting engine: a byte-coded stack machine with
 * 34 dense opcodes dispatched by one switch (a jump table: one indirect jump per opcode),
 * 8- and 16-bit immediates, locals, byte and halfword loads/stores to a VM heap, and
 * CALL/RET on a separate return stack. The programs are assembled at start-up by a small
 * two-pass assembler (labels, fix-ups) and run many times: fill and hash a byte array,
 * Collatz step counts through a called subroutine, and a bubble pass over 16-bit words. */
#include "bench.h"

enum {
    OP_NOP, OP_PUSH8, OP_PUSH16, OP_LDL, OP_STL, OP_ADD, OP_SUB, OP_MUL, OP_AND, OP_OR,
    OP_XOR, OP_SHL, OP_SHR, OP_NEG, OP_NOT, OP_DUP, OP_SWAP, OP_DROP, OP_OVER, OP_LT,
    OP_EQ, OP_GT, OP_JMP, OP_JZ, OP_JNZ, OP_LDB, OP_STB, OP_LDH, OP_STH, OP_CALL, OP_RET,
    OP_INC, OP_DEC, OP_HALT
};

#define HEAP 8192
#define CODE 1024

struct vm {
    int32_t stack[64];
    int32_t locals[16];
    uint16_t rstack[16];
    uint8_t heap[HEAP];
};

/* ---- the assembler -------------------------------------------------------------------- */

static uint8_t code[CODE];
static unsigned emit_at;
static int label_at[32];
static struct { unsigned at, label; } fixups[64];
static unsigned nfix;

static void op(uint8_t o) { code[emit_at++] = o; }
static void op8(uint8_t o, int v) { op(o); code[emit_at++] = (uint8_t)v; }
static void push(int v)
{
    if (v >= -128 && v < 128) {
        op8(OP_PUSH8, v);
    } else {
        op(OP_PUSH16);
        code[emit_at++] = (uint8_t)v;
        code[emit_at++] = (uint8_t)(v >> 8);
    }
}
static void label(unsigned l) { label_at[l] = (int)emit_at; }
static void jump(uint8_t o, unsigned l)
{
    op(o);
    fixups[nfix].at = emit_at;
    fixups[nfix++].label = l;
    emit_at += 2;
}
static void asm_link(void)
{
    for (unsigned i = 0; i < nfix; i++) {
        unsigned t = (unsigned)label_at[fixups[i].label];
        code[fixups[i].at] = (uint8_t)t;
        code[fixups[i].at + 1] = (uint8_t)(t >> 8);
    }
}

/* Labels */
enum { L_FILL, L_FILL_END, L_HASH, L_HASH_END, L_COLL_LOOP, L_COLL_END, L_COLLATZ,
       L_C_LOOP, L_C_ODD, L_C_NEXT, L_C_DONE, L_BUB, L_BUB_END, L_BUB_KEEP, L_MAIN_END };

/* locals: 0 i, 1 h, 2 n (collatz argument), 3 steps, 4 seed, 5 total, 6 a, 7 b */
static unsigned assemble(void)
{
    /* fill: heap[i] = (i * 7 + seed) & 0xff for i < 4096 */
    push(0); op8(OP_STL, 0);
    label(L_FILL);
    op8(OP_LDL, 0); push(4096); op(OP_LT); jump(OP_JZ, L_FILL_END);
    op8(OP_LDL, 0); push(7); op(OP_MUL); op8(OP_LDL, 4); op(OP_ADD);
    op8(OP_LDL, 0); op(OP_STB);
    op8(OP_INC, 0); jump(OP_JMP, L_FILL);
    label(L_FILL_END);
    /* hash: h = (h * 31) ^ heap[i], 16-bit halves folded every step */
    push(0); op8(OP_STL, 0); push(1); op8(OP_STL, 1);
    label(L_HASH);
    op8(OP_LDL, 0); push(4096); op(OP_LT); jump(OP_JZ, L_HASH_END);
    op8(OP_LDL, 1); push(31); op(OP_MUL); op8(OP_LDL, 0); op(OP_LDB); op(OP_XOR);
    op(OP_DUP); push(16); op(OP_SHR); op(OP_XOR); op8(OP_STL, 1);
    op8(OP_INC, 0); jump(OP_JMP, L_HASH);
    label(L_HASH_END);
    op8(OP_LDL, 1); op8(OP_LDL, 5); op(OP_ADD); op8(OP_STL, 5);
    /* collatz steps for n = 1..300, through a subroutine */
    push(1); op8(OP_STL, 0);
    label(L_COLL_LOOP);
    op8(OP_LDL, 0); push(301); op(OP_LT); jump(OP_JZ, L_COLL_END);
    op8(OP_LDL, 0); op8(OP_LDL, 4); op(OP_ADD); op8(OP_STL, 2);
    jump(OP_CALL, L_COLLATZ);
    op8(OP_LDL, 5); op(OP_ADD); op8(OP_STL, 5);
    op8(OP_INC, 0); jump(OP_JMP, L_COLL_LOOP);
    label(L_COLL_END);
    /* one bubble pass over 1024 halfwords at heap[4096..6144) */
    push(0); op8(OP_STL, 0);
    label(L_BUB);
    op8(OP_LDL, 0); push(2046); op(OP_LT); jump(OP_JZ, L_BUB_END);
    op8(OP_LDL, 0); push(4096); op(OP_ADD); op(OP_LDH); op8(OP_STL, 6);
    op8(OP_LDL, 0); push(4098); op(OP_ADD); op(OP_LDH); op8(OP_STL, 7);
    op8(OP_LDL, 6); op8(OP_LDL, 7); op(OP_GT); jump(OP_JZ, L_BUB_KEEP);
    op8(OP_LDL, 7); op8(OP_LDL, 0); push(4096); op(OP_ADD); op(OP_STH);
    op8(OP_LDL, 6); op8(OP_LDL, 0); push(4098); op(OP_ADD); op(OP_STH);
    label(L_BUB_KEEP);
    op8(OP_INC, 0); op8(OP_INC, 0); jump(OP_JMP, L_BUB);
    label(L_BUB_END);
    jump(OP_JMP, L_MAIN_END);

    /* collatz(n = local 2): pushes the step count */
    label(L_COLLATZ);
    push(0); op8(OP_STL, 3);
    label(L_C_LOOP);
    op8(OP_LDL, 2); push(1); op(OP_EQ); jump(OP_JNZ, L_C_DONE);
    op8(OP_LDL, 2); push(1); op(OP_AND); jump(OP_JNZ, L_C_ODD);
    op8(OP_LDL, 2); push(1); op(OP_SHR); op8(OP_STL, 2); jump(OP_JMP, L_C_NEXT);
    label(L_C_ODD);
    op8(OP_LDL, 2); op(OP_DUP); op(OP_DUP); op(OP_ADD); op(OP_ADD); push(1); op(OP_ADD);
    op8(OP_STL, 2);
    label(L_C_NEXT);
    op8(OP_INC, 3); jump(OP_JMP, L_C_LOOP);
    label(L_C_DONE);
    op8(OP_LDL, 3); op(OP_RET);

    label(L_MAIN_END);
    op8(OP_LDL, 5); op(OP_HALT);
    asm_link();
    return emit_at;
}

/* ---- the interpreter ------------------------------------------------------------------ */

static int32_t run(struct vm *m, int32_t seed)
{
    int32_t *sp = m->stack;         /* points past the top */
    uint16_t *rsp = m->rstack;
    unsigned pc = 0;
    m->locals[4] = seed;
    m->locals[5] = 0;
    for (;;) {
        uint8_t o = code[pc++];
        int32_t a, b;
        switch (o) {
        case OP_NOP: break;
        case OP_PUSH8: *sp++ = (int8_t)code[pc++]; break;
        case OP_PUSH16:
            *sp++ = (int16_t)(code[pc] | code[pc + 1] << 8);
            pc += 2;
            break;
        case OP_LDL: *sp++ = m->locals[code[pc++] & 15]; break;
        case OP_STL: m->locals[code[pc++] & 15] = *--sp; break;
        case OP_ADD: b = *--sp; sp[-1] += b; break;
        case OP_SUB: b = *--sp; sp[-1] -= b; break;
        case OP_MUL: b = *--sp; sp[-1] = (int32_t)((uint32_t)sp[-1] * (uint32_t)b); break;
        case OP_AND: b = *--sp; sp[-1] &= b; break;
        case OP_OR: b = *--sp; sp[-1] |= b; break;
        case OP_XOR: b = *--sp; sp[-1] ^= b; break;
        case OP_SHL: b = *--sp; sp[-1] = (int32_t)((uint32_t)sp[-1] << (b & 31)); break;
        case OP_SHR: b = *--sp; sp[-1] = (int32_t)((uint32_t)sp[-1] >> (b & 31)); break;
        case OP_NEG: sp[-1] = -sp[-1]; break;
        case OP_NOT: sp[-1] = ~sp[-1]; break;
        case OP_DUP: sp[0] = sp[-1]; sp++; break;
        case OP_SWAP: a = sp[-1]; sp[-1] = sp[-2]; sp[-2] = a; break;
        case OP_DROP: sp--; break;
        case OP_OVER: sp[0] = sp[-2]; sp++; break;
        case OP_LT: b = *--sp; sp[-1] = sp[-1] < b; break;
        case OP_EQ: b = *--sp; sp[-1] = sp[-1] == b; break;
        case OP_GT: b = *--sp; sp[-1] = sp[-1] > b; break;
        case OP_JMP: pc = code[pc] | code[pc + 1] << 8; break;
        case OP_JZ:
            pc = *--sp ? pc + 2 : (unsigned)(code[pc] | code[pc + 1] << 8);
            break;
        case OP_JNZ:
            pc = *--sp ? (unsigned)(code[pc] | code[pc + 1] << 8) : pc + 2;
            break;
        case OP_LDB: sp[-1] = m->heap[sp[-1] & (HEAP - 1)]; break;
        case OP_STB: a = *--sp; b = *--sp; m->heap[a & (HEAP - 1)] = (uint8_t)b; break;
        case OP_LDH: {
            unsigned at = (unsigned)sp[-1] & (HEAP - 2);
            sp[-1] = (int16_t)(m->heap[at] | m->heap[at + 1] << 8);
            break;
        }
        case OP_STH: {
            a = *--sp;
            b = *--sp;
            unsigned at = (unsigned)a & (HEAP - 2);
            m->heap[at] = (uint8_t)b;
            m->heap[at + 1] = (uint8_t)(b >> 8);
            break;
        }
        case OP_CALL:
            *rsp++ = (uint16_t)(pc + 2);
            pc = code[pc] | code[pc + 1] << 8;
            break;
        case OP_RET: pc = *--rsp; break;
        case OP_INC: m->locals[code[pc++] & 15]++; break;
        case OP_DEC: m->locals[code[pc++] & 15]--; break;
        case OP_HALT: return sp[-1];
        default: return -1;
        }
    }
}

int main(void)
{
    static struct vm m;
    assemble();
    uint64_t s = 31337;
    for (unsigned i = 4096; i < 6144; i++)
        m.heap[i] = (uint8_t)bench_rand(&s);
    uint64_t sum = 0;
    for (int round = 0; round < 4 * BENCH_SCALE; round++)
        sum = sum * 0x9e3779b1u + (uint32_t)run(&m, round * 13 + 1);
    for (unsigned i = 4096; i < 6144; i += 2)
        sum += (uint64_t)(m.heap[i] | m.heap[i + 1] << 8) * i;
    return bench_report("stackvm", sum, BENCH_SCALE == 1 ? 0x7b91de9455744505ull : sum);
}
