/*
 * wasm_simd: the fixed-width SIMD proposal (v128) as standardised in
 * WebAssembly 2.0, for the compiler and the interpreter.
 *
 * A v128 value keeps the slot model: it occupies one frame slot like any
 * other value, holding its low 64 bits, and its high 64 bits live in the
 * same slot of a parallel "high" stack (wasm_store_t.stack_hi). Slot
 * numbers, frame sizes, calls and block results are therefore unchanged
 * for every type, and scalar code never touches the high stack.
 *
 * Every SIMD instruction compiles to one OP_SIMD instruction of
 * WASM_SIMD_CELLS cells:
 *   [OP_SIMD][sub | d][a | b][c | imm][u64 imm0][u64 imm1]
 * `sub` is the 0xFD sub-opcode (or one of the WASM_SIMD_X_* operations
 * below); d, a, b, c are frame slots; imm is a lane index or global index;
 * imm0 is a memory offset or the low half of a constant or shuffle
 * pattern, imm1 its high half.
 */
#ifndef SUBSTRATE_LIB_WASM_WASM_SIMD_H
#define SUBSTRATE_LIB_WASM_WASM_SIMD_H

#include "lib/wasm/wasm_impl.h"

#define WASM_SIMD_CELLS 6

/* Operations on v128 values that have no 0xFD opcode of their own. */
enum {
    WASM_SIMD_X_COPY = 0x100,   /* a -> d */
    WASM_SIMD_X_GLOBAL_GET,     /* global imm -> d */
    WASM_SIMD_X_GLOBAL_SET,     /* a -> global imm */
    WASM_SIMD_X_ZERO_HI,        /* a v128 local's high half starts at zero */
    WASM_SIMD_X_SELECT,         /* c ? a : b -> d */
    WASM_SIMD_X_COUNT,
};

/*
 * Runs the OP_SIMD instruction at pc with frame fp and its high half hi.
 * Returns the next instruction, or NULL for an out-of-bounds memory access,
 * the only way a SIMD instruction can fail (an out-parameter for the trap
 * would make the interpreter keep its result in memory).
 */
const wasm_cell_t *wasm_simd_step(const wasm_cell_t *pc, wasm_value_t *fp, wasm_value_t *hi,
                                  wasm_instance_t *inst, uint8_t *mem, uint64_t memsize);

#endif
