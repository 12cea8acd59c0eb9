/* SPDX-License-Identifier: MIT */
/* bytecode — a stack-machine interpreter loop (switch dispatch) running a small program
 * that counts primes by trial division: the indirect-branch-heavy shape of real
 * interpreters. */
#include "bench.h"

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, LT, JZ, JMP, DUP, DROP, HALT };

/* locals: 0 = n, 1 = d, 2 = count, 3 = limit */
static const int32_t prog[] = {
    PUSH, 2, STORE, 0,               /* n = 2 */
    /* 4: outer loop: if !(n < limit) halt */
    LOAD, 0, LOAD, 3, LT, JZ, 60,
    PUSH, 2, STORE, 1,               /* d = 2 */
    /* 15: inner: if !(d*d < n+1) -> prime */
    LOAD, 1, LOAD, 1, MUL, LOAD, 0, PUSH, 1, ADD, LT, JZ, 44,
    /* 28: if n % d == 0 -> not prime */
    LOAD, 0, LOAD, 1, MOD, JZ, 51,
    LOAD, 1, PUSH, 1, ADD, STORE, 1, JMP, 15,
    /* 44: prime: count++ */
    LOAD, 2, PUSH, 1, ADD, STORE, 2,
    /* 51: next n */
    LOAD, 0, PUSH, 1, ADD, STORE, 0, JMP, 4,
    HALT
};

static int64_t run(int64_t limit)
{
    int64_t stack[16], locals[4] = { 0, 0, 0, limit };
    int sp = 0, pc = 0;
    for (;;) {
        int32_t op = prog[pc++];
        switch (op) {
        case PUSH: stack[sp++] = prog[pc++]; break;
        case LOAD: stack[sp++] = locals[prog[pc++]]; break;
        case STORE: locals[prog[pc++]] = stack[--sp]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case MOD: sp--; stack[sp - 1] %= stack[sp]; break;
        case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case JZ: { int32_t t = prog[pc++]; if (!stack[--sp]) pc = t; break; }
        case JMP: pc = prog[pc]; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case DROP: sp--; break;
        default: return locals[2];
        }
    }
}

int main(void)
{
    int64_t primes = run(30000 * BENCH_SCALE);
    return bench_report("bytecode", (uint64_t)primes, BENCH_SCALE == 1 ? 3245 : (uint64_t)primes);
}
