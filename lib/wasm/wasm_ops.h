/*
 * The interpreter's internal instruction set, shared by the compiler (which
 * emits it) and the interpreter (which runs it).
 *
 * Code is an array of 64-bit cells: a handler address, then the operands.
 * Operands name frame slots (32-bit indices from the frame pointer), so the
 * interpreter has no operand-stack pointer at all: the compiler knows every
 * stack height statically and gives each value a fixed slot. Local reads
 * cost nothing (an operand can name the local's own slot), and a result can
 * be written straight into a local.
 *
 * Numeric instructions keep their WebAssembly opcode: OP_NUM + (opcode -
 * 0x45) for 0x45..0xc4, and OP_SAT + n for the saturating truncations.
 * A binary operator whose right operand is a constant becomes OP_IMM +
 * (opcode - 0x45), with the constant in the instruction.
 */
#ifndef SUBSTRATE_LIB_WASM_WASM_OPS_H
#define SUBSTRATE_LIB_WASM_WASM_OPS_H

#define WASM_FIXED_OPS(X)                                                                          \
    X(UNREACHABLE) X(JMP) X(BR_IF) X(BR_UNLESS) X(BR_TABLE) X(CALL) X(CALL_INDIRECT) X(RETURN)       \
    X(COPY) X(CONST) X(SELECT) X(LOOP) X(GLOBAL_GET) X(GLOBAL_SET)                                   \
    X(LOAD8_S) X(LOAD8_U) X(LOAD16_S) X(LOAD16_U) X(LOAD32_S) X(LOAD32_U) X(LOAD64)                  \
    X(STORE8) X(STORE16) X(STORE32) X(STORE64)                                                       \
    X(MEMORY_SIZE) X(MEMORY_GROW) X(MEMORY_INIT) X(DATA_DROP) X(MEMORY_COPY) X(MEMORY_FILL)          \
    X(TABLE_GET) X(TABLE_SET) X(TABLE_SIZE) X(TABLE_GROW) X(TABLE_FILL) X(TABLE_COPY) X(TABLE_INIT)  \
    X(ELEM_DROP) X(REF_FUNC) X(REF_IS_NULL)                                                          \
    /* Fused forms the compiler picks for common sequences. */                                     \
    X(I32_BR_EQZ) X(I32_BR_NEZ) X(BR_I32_LT_S) X(BR_I32_LT_U)        \
    X(BR_I32_GE_S) X(BR_I32_GE_U) X(BR_I32_EQ) X(BR_I32_NE) X(BR_I32_GT_S) X(BR_I32_GT_U)          \
    X(BR_I32_LE_S) X(BR_I32_LE_U) X(BR_I32_LT_S_IMM) X(BR_I32_LT_U_IMM) X(BR_I32_GE_S_IMM)         \
    X(BR_I32_GE_U_IMM) X(BR_I32_EQ_IMM) X(BR_I32_NE_IMM) X(BR_I32_GT_S_IMM) X(BR_I32_GT_U_IMM)     \
    X(BR_I32_LE_S_IMM) X(BR_I32_LE_U_IMM) X(LOAD8_S_ADD) X(LOAD8_U_ADD) X(LOAD16_S_ADD)            \
    X(LOAD16_U_ADD) X(LOAD32_S_ADD) X(LOAD32_U_ADD) X(LOAD64_ADD) X(ADD_SHL) X(LOAD8_S_IDX)        \
    X(LOAD8_U_IDX) X(LOAD16_S_IDX) X(LOAD16_U_IDX) X(LOAD32_S_IDX) X(LOAD32_U_IDX) X(LOAD64_IDX)   \
    X(LOOP_JMP) X(ADD_SHL_IMM) X(LOAD8_S_IDXI) X(LOAD8_U_IDXI) X(LOAD16_S_IDXI) X(LOAD16_U_IDXI)      \
    X(LOAD32_S_IDXI) X(LOAD32_U_IDXI) X(LOAD64_IDXI)                                                 \
    X(LOAD8_S_ADDI) X(LOAD8_U_ADDI) X(LOAD16_S_ADDI) X(LOAD16_U_ADDI) X(LOAD32_S_ADDI)             \
    X(LOAD32_U_ADDI) X(LOAD64_ADDI) X(STORE8_ADDI) X(STORE16_ADDI) X(STORE32_ADDI) X(STORE64_ADDI)  \
    X(COPY2) X(ADD3) X(XOR_ROTL) X(XOR_SHRU)

enum {
#define WASM_OP_ENUM(name) OP_##name,
    WASM_FIXED_OPS(WASM_OP_ENUM)
#undef WASM_OP_ENUM
    OP_NUM,
    OP_SAT = OP_NUM + (0xc4 - 0x45 + 1),
    /* Binary operators whose second operand is an immediate: OP_IMM + (opcode - 0x45). */
    OP_IMM = OP_SAT + 8,
    /* Every v128 instruction: one handler that calls into wasm_simd.c (wasm_simd.h). */
    OP_SIMD = OP_IMM + (0xc4 - 0x45 + 1),
    OP_COUNT,
};

#endif
