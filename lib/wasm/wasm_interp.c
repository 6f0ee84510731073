/*
 * wasm_interp: runs compiled code (wasm_ops.h).
 *
 * One function, one loop: direct-threaded dispatch through the handler
 * address in each instruction's first cell, with the program counter,
 * frame pointer, memory base and size and the fuel counter in locals the
 * compiler can keep in registers. Calls between WebAssembly functions do
 * not recurse in C; they push a wasm_frame_t on the store's frame stack,
 * whose size is the call-depth limit. The value stack is checked once per
 * call against the callee's frame size, so no instruction inside a
 * function needs a stack check.
 *
 * Every memory access checks address + offset + size against the current
 * memory size in 64-bit arithmetic, which cannot overflow. Any error
 * leaves through `trap`, which records nothing but the reason; the store
 * stays usable for the next call.
 */
#include <string.h>

#include "lib/wasm/wasm_float.h"
#include "lib/wasm/wasm_impl.h"
#include "lib/wasm/wasm_ops.h"
#include "lib/wasm/wasm_simd.h"

static wasm_result_t interp(wasm_store_t *s, wasm_func_t *entry, const void *const **table_out);

const void *const *wasm_interp_handlers(void)
{
    const void *const *table = NULL;
    interp(NULL, NULL, &table);
    return table;
}

wasm_result_t wasm_interp_run(wasm_store_t *s, wasm_func_t *f) { return interp(s, f, NULL); }

static inline uint64_t u32v(uint32_t v) { return v; }
static inline uint64_t i32v(int32_t v) { return (uint32_t)v; }

#define O1A (pc[1].u32[0])
#define O1B (pc[1].u32[1])
#define O2A (pc[2].u32[0])
#define O2B (pc[2].u32[1])
#define O3A (pc[3].u32[0])
/*
 * Labels as values are a GNU C extension that static checkers cannot parse;
 * they see an equivalent that type-checks but does not dispatch.
 */
#ifdef __CPPCHECK__
#define L(label) NULL
#define NEXT() return WASM_OK
#else
#define L(label) (&&label) /* NOLINT(bugprone-macro-parentheses): a label, not an expression */
#define NEXT() goto *pc->op  /* NOLINT(bugprone-macro-parentheses) */
#endif
#define TRAP(code)                                                                                 \
    do {                                                                                           \
        result = (code);                                                                           \
        goto trap;                                                                                 \
    } while (0)
/*
 * One unit of fuel. Taken conditional branches pay it (they may be a loop's
 * back edge, which then skips the loop's own check), as do loop heads, back
 * edges and function entries.
 */
#define FUEL_TICK()                                                                                \
    do {                                                                                           \
        if (__builtin_expect(fuel-- == 0, 0)) {                                                    \
            if (fuel_enabled) {                                                                    \
                fuel = 0;                                                                          \
                TRAP(WASM_TRAP_FUEL);                                                              \
            }                                                                                      \
            fuel = UINT64_MAX;                                                                     \
        }                                                                                          \
    } while (0)
#define RELOAD_MEMORY()                                                                            \
    do {                                                                                           \
        wasm_memory_t *m_ = inst->memory;                                                          \
        mem = m_ ? m_->data : NULL;                                                                \
        memsize = m_ ? m_->size : 0;                                                               \
    } while (0)

/* Binary operators: [op][a|b][d], and with an immediate right operand: [op][a|d][imm]. */
#define BIN(lbl, T, get, put, expr)                                                                \
    lbl: {                                                                                         \
        T a = get(fp[O1A]);                                                                        \
        T b = get(fp[O1B]);                                                                        \
        (void)a, (void)b;                                                                          \
        fp[O2A] = put(expr);                                                                       \
        pc += 3;                                                                                   \
        NEXT();                                                                                    \
    }                                                                                              \
    lbl##_imm: {                                                                                   \
        T a = get(fp[O1A]);                                                                        \
        T b = get(pc[2].u64);                                                                      \
        (void)a, (void)b;                                                                          \
        fp[O1B] = put(expr);                                                                       \
        pc += 3;                                                                                   \
        NEXT();                                                                                    \
    }
/* Unary operators: [op][a|d]. */
#define UN(lbl, T, get, put, expr)                                                                 \
    lbl: {                                                                                         \
        T a = get(fp[O1A]);                                                                        \
        fp[O1B] = put(expr);                                                                       \
        pc += 2;                                                                                   \
        NEXT();                                                                                    \
    }
#define GI32(v) ((uint32_t)(v))
#define GS32(v) ((int32_t)(uint32_t)(v))
#define GI64(v) ((uint64_t)(v))
#define GS64(v) ((int64_t)(v))
#define GF32(v) wf32_get(v)
#define GF64(v) wf64_get(v)
#define PI32(v) u32v((uint32_t)(v))
#define PI64(v) ((uint64_t)(v))
#define PF32(v) wf32_put(v)
#define PF64(v) wf64_put(v)
#define PBOOL(v) ((uint64_t)((v) ? 1 : 0))

/* Loads and stores: [op][addr|d-or-value][offset]. */
#define EA(n)                                                                                      \
    uint64_t ea = (uint64_t)(uint32_t)fp[O1A] + pc[2].u64;                                         \
    if (ea + (n) > memsize)                                                                        \
        TRAP(WASM_TRAP_MEMORY_OOB);
#define LOAD(lbl, n, T, conv)                                                                      \
    lbl: {                                                                                         \
        EA(n);                                                                                     \
        T v;                                                                                       \
        memcpy(&v, mem + ea, n);                                                                   \
        fp[O1B] = conv(v);                                                                         \
        pc += 3;                                                                                   \
        NEXT();                                                                                    \
    }                                                                                              \
    lbl##_ADD: {                                                                                   \
        /* The address is an i32.add of two slots: [op][a|b][d][offset]. */                        \
        uint64_t ea = (uint64_t)(uint32_t)((uint32_t)fp[O1A] + (uint32_t)fp[O1B]) + pc[3].u64;     \
        if (ea + (n) > memsize)                                                                    \
            TRAP(WASM_TRAP_MEMORY_OOB);                                                            \
        T v;                                                                                       \
        memcpy(&v, mem + ea, n);                                                                   \
        fp[O2A] = conv(v);                                                                         \
        pc += 4;                                                                                   \
        NEXT();                                                                                    \
    }                                                                                              \
    lbl##_IDXI: {                                                                                  \
        /* The address is a + imm + (b << k): [op][a|b][d|k][imm|offset]. */                       \
        uint32_t base_ = (uint32_t)fp[O1A] + pc[3].u32[0] + ((uint32_t)fp[O1B] << O2B);            \
        uint64_t ea = (uint64_t)base_ + pc[3].u32[1];                                              \
        if (ea + (n) > memsize)                                                                    \
            TRAP(WASM_TRAP_MEMORY_OOB);                                                            \
        T v;                                                                                       \
        memcpy(&v, mem + ea, n);                                                                   \
        fp[O2A] = conv(v);                                                                         \
        pc += 4;                                                                                   \
        NEXT();                                                                                    \
    }                                                                                              \
    lbl##_ADDI: {                                                                                  \
        /* The address is an i32.add of a slot and a constant: [op][a|d][imm|offset]. */           \
        uint64_t ea = (uint64_t)(uint32_t)((uint32_t)fp[O1A] + O2A) + O2B;                         \
        if (ea + (n) > memsize)                                                                    \
            TRAP(WASM_TRAP_MEMORY_OOB);                                                            \
        T v;                                                                                       \
        memcpy(&v, mem + ea, n);                                                                   \
        fp[O1B] = conv(v);                                                                         \
        pc += 3;                                                                                   \
        NEXT();                                                                                    \
    }                                                                                              \
    lbl##_IDX: {                                                                                   \
        /* The address is a + (b << k): [op][a|b][d|k][offset]. */                                 \
        uint32_t base_ = (uint32_t)fp[O1A] + ((uint32_t)fp[O1B] << O2B);                           \
        uint64_t ea = (uint64_t)base_ + pc[3].u64;                                                 \
        if (ea + (n) > memsize)                                                                    \
            TRAP(WASM_TRAP_MEMORY_OOB);                                                            \
        T v;                                                                                       \
        memcpy(&v, mem + ea, n);                                                                   \
        fp[O2A] = conv(v);                                                                         \
        pc += 4;                                                                                   \
        NEXT();                                                                                    \
    }
#define STORE(lbl, n, T)                                                                           \
    lbl: {                                                                                         \
        EA(n);                                                                                     \
        T v = (T)fp[O1B];                                                                          \
        memcpy(mem + ea, &v, n);                                                                   \
        pc += 3;                                                                                   \
        NEXT();                                                                                    \
    }                                                                                              \
    lbl##_ADDI: {                                                                                  \
        /* The address is an i32.add of a slot and a constant: [op][a|v][imm|offset]. */           \
        uint64_t ea = (uint64_t)(uint32_t)((uint32_t)fp[O1A] + O2A) + O2B;                         \
        if (ea + (n) > memsize)                                                                    \
            TRAP(WASM_TRAP_MEMORY_OOB);                                                            \
        T v = (T)fp[O1B];                                                                          \
        memcpy(mem + ea, &v, n);                                                                   \
        pc += 3;                                                                                   \
        NEXT();                                                                                    \
    }
#define CBR(lbl, T, get, cond)                                                                     \
    lbl: {                                                                                         \
        T a = get(fp[O1A]);                                                                        \
        T b = get(fp[O1B]);                                                                        \
        if (cond) {                                                                                \
            FUEL_TICK();                                                                           \
            pc = pc[2].op;                                                                         \
        } else {                                                                                   \
            pc += 3;                                                                               \
        }                                                                                          \
        NEXT();                                                                                    \
    }                                                                                              \
    lbl##_IMM: {                                                                                   \
        T a = get(fp[O1A]);                                                                        \
        T b = get(O1B);                                                                            \
        if (cond) {                                                                                \
            FUEL_TICK();                                                                           \
            pc = pc[2].op;                                                                         \
        } else {                                                                                   \
            pc += 3;                                                                               \
        }                                                                                          \
        NEXT();                                                                                    \
    }

/* Without libgcc: the freestanding build has no __popcountdi2. */
static inline uint64_t popcount64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (x * 0x0101010101010101ull) >> 56;
}

static bool check_table_range(const wasm_table_t *t, uint32_t at, uint32_t n)
{
    return (uint64_t)at + n <= t->size;
}

static wasm_result_t interp(wasm_store_t *s, wasm_func_t *entry, const void *const **table_out)
{
    static const void *const table[OP_COUNT] = {
        /* In WASM_FIXED_OPS order. */
        L(op_UNREACHABLE), L(op_JMP), L(op_BR_IF), L(op_BR_UNLESS), L(op_BR_TABLE), L(op_CALL), L(op_CALL_INDIRECT), L(op_RETURN), L(op_COPY), L(op_CONST), L(op_SELECT), L(op_LOOP), L(op_GLOBAL_GET), L(op_GLOBAL_SET), L(op_LOAD8_S), L(op_LOAD8_U), L(op_LOAD16_S), L(op_LOAD16_U), L(op_LOAD32_S), L(op_LOAD32_U), L(op_LOAD64), L(op_STORE8), L(op_STORE16), L(op_STORE32), L(op_STORE64), L(op_MEMORY_SIZE), L(op_MEMORY_GROW), L(op_MEMORY_INIT), L(op_DATA_DROP), L(op_MEMORY_COPY), L(op_MEMORY_FILL), L(op_TABLE_GET), L(op_TABLE_SET), L(op_TABLE_SIZE), L(op_TABLE_GROW), L(op_TABLE_FILL), L(op_TABLE_COPY), L(op_TABLE_INIT), L(op_ELEM_DROP), L(op_REF_FUNC), L(op_REF_IS_NULL), L(op_I32_BR_EQZ), L(op_I32_BR_NEZ), L(op_BR_I32_LT_S), L(op_BR_I32_LT_U), L(op_BR_I32_GE_S), L(op_BR_I32_GE_U), L(op_BR_I32_EQ), L(op_BR_I32_NE), L(op_BR_I32_GT_S), L(op_BR_I32_GT_U), L(op_BR_I32_LE_S), L(op_BR_I32_LE_U), L(op_BR_I32_LT_S_IMM), L(op_BR_I32_LT_U_IMM), L(op_BR_I32_GE_S_IMM), L(op_BR_I32_GE_U_IMM), L(op_BR_I32_EQ_IMM), L(op_BR_I32_NE_IMM), L(op_BR_I32_GT_S_IMM), L(op_BR_I32_GT_U_IMM), L(op_BR_I32_LE_S_IMM), L(op_BR_I32_LE_U_IMM), L(op_LOAD8_S_ADD), L(op_LOAD8_U_ADD), L(op_LOAD16_S_ADD), L(op_LOAD16_U_ADD), L(op_LOAD32_S_ADD), L(op_LOAD32_U_ADD), L(op_LOAD64_ADD), L(op_ADD_SHL), L(op_LOAD8_S_IDX), L(op_LOAD8_U_IDX), L(op_LOAD16_S_IDX), L(op_LOAD16_U_IDX), L(op_LOAD32_S_IDX), L(op_LOAD32_U_IDX), L(op_LOAD64_IDX), L(op_LOOP_JMP), L(op_ADD_SHL_IMM), L(op_LOAD8_S_IDXI), L(op_LOAD8_U_IDXI), L(op_LOAD16_S_IDXI), L(op_LOAD16_U_IDXI), L(op_LOAD32_S_IDXI), L(op_LOAD32_U_IDXI), L(op_LOAD64_IDXI),
        L(op_LOAD8_S_ADDI), L(op_LOAD8_U_ADDI), L(op_LOAD16_S_ADDI), L(op_LOAD16_U_ADDI), L(op_LOAD32_S_ADDI), L(op_LOAD32_U_ADDI), L(op_LOAD64_ADDI), L(op_STORE8_ADDI), L(op_STORE16_ADDI), L(op_STORE32_ADDI), L(op_STORE64_ADDI), L(op_COPY2), L(op_ADD3), L(op_XOR_ROTL), L(op_XOR_SHRU),
        L(op_45), L(op_46), L(op_47), L(op_48), L(op_49), L(op_4a), L(op_4b), L(op_4c), L(op_4d), L(op_4e), L(op_4f), L(op_50), L(op_51), L(op_52), L(op_53), L(op_54), L(op_55), L(op_56), L(op_57), L(op_58), L(op_59), L(op_5a), L(op_5b), L(op_5c), L(op_5d), L(op_5e), L(op_5f), L(op_60), L(op_61), L(op_62), L(op_63), L(op_64), L(op_65), L(op_66), L(op_67), L(op_68), L(op_69), L(op_6a), L(op_6b), L(op_6c), L(op_6d), L(op_6e), L(op_6f), L(op_70), L(op_71), L(op_72), L(op_73), L(op_74), L(op_75), L(op_76), L(op_77), L(op_78), L(op_79), L(op_7a), L(op_7b), L(op_7c), L(op_7d), L(op_7e), L(op_7f), L(op_80), L(op_81), L(op_82), L(op_83), L(op_84), L(op_85), L(op_86), L(op_87), L(op_88), L(op_89), L(op_8a), L(op_8b), L(op_8c), L(op_8d), L(op_8e), L(op_8f), L(op_90), L(op_91), L(op_92), L(op_93), L(op_94), L(op_95), L(op_96), L(op_97), L(op_98), L(op_99), L(op_9a), L(op_9b), L(op_9c), L(op_9d), L(op_9e), L(op_9f), L(op_a0), L(op_a1), L(op_a2), L(op_a3), L(op_a4), L(op_a5), L(op_a6), L(op_UNREACHABLE), L(op_a8), L(op_a9), L(op_aa), L(op_ab), L(op_ac), L(op_ad), L(op_ae), L(op_af), L(op_b0), L(op_b1), L(op_b2), L(op_b3), L(op_b4), L(op_b5), L(op_b6), L(op_b7), L(op_b8), L(op_b9), L(op_ba), L(op_bb), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_c0), L(op_c1), L(op_c2), L(op_c3), L(op_c4),
        L(op_sat0), L(op_sat1), L(op_sat2), L(op_sat3), L(op_sat4), L(op_sat5), L(op_sat6), L(op_sat7),
        L(op_UNREACHABLE), L(op_46_imm), L(op_47_imm), L(op_48_imm), L(op_49_imm), L(op_4a_imm), L(op_4b_imm), L(op_4c_imm), L(op_4d_imm), L(op_4e_imm), L(op_4f_imm), L(op_UNREACHABLE), L(op_51_imm), L(op_52_imm), L(op_53_imm), L(op_54_imm), L(op_55_imm), L(op_56_imm), L(op_57_imm), L(op_58_imm), L(op_59_imm), L(op_5a_imm), L(op_5b_imm), L(op_5c_imm), L(op_5d_imm), L(op_5e_imm), L(op_5f_imm), L(op_60_imm), L(op_61_imm), L(op_62_imm), L(op_63_imm), L(op_64_imm), L(op_65_imm), L(op_66_imm), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_6a_imm), L(op_6b_imm), L(op_6c_imm), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_71_imm), L(op_72_imm), L(op_73_imm), L(op_74_imm), L(op_75_imm), L(op_76_imm), L(op_77_imm), L(op_78_imm), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_7c_imm), L(op_7d_imm), L(op_7e_imm), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_83_imm), L(op_84_imm), L(op_85_imm), L(op_86_imm), L(op_87_imm), L(op_88_imm), L(op_89_imm), L(op_8a_imm), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_92_imm), L(op_93_imm), L(op_94_imm), L(op_95_imm), L(op_96_imm), L(op_97_imm), L(op_98_imm), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_a0_imm), L(op_a1_imm), L(op_a2_imm), L(op_a3_imm), L(op_a4_imm), L(op_a5_imm), L(op_a6_imm), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE), L(op_UNREACHABLE),
        L(op_SIMD),
    };
    if (table_out || !s || !entry) {
        if (table_out)
            *table_out = table;
        return WASM_OK;
    }

    wasm_result_t result = WASM_OK;
    wasm_value_t *const stack_end = s->stack + s->limits.stack_slots;
    wasm_frame_t *frame = s->frames;
    wasm_frame_t *const frame_limit = s->frames + s->limits.max_call_depth;
    const bool fuel_enabled = s->fuel_enabled;
    uint64_t fuel = fuel_enabled ? s->fuel : UINT64_MAX;
    wasm_value_t *fp = s->stack;
    wasm_instance_t *inst = entry->inst;
    const wasm_cell_t *pc = NULL, *ret_pc;
    uint8_t *mem = NULL;
    uint64_t memsize = 0;
    wasm_func_t *callee = entry;
    wasm_value_t *new_fp = s->stack;

    /* The bottom frame returns to nowhere: reaching it ends the run. */
    frame->ret_pc = NULL;
    frame->fp = fp;
    frame->inst = inst;
    ret_pc = NULL;
    goto do_call;

op_UNREACHABLE:
    TRAP(WASM_TRAP_UNREACHABLE);
op_JMP:
    pc = pc[1].op;
    NEXT();
op_BR_IF:
    if ((uint32_t)fp[O1A]) {
        FUEL_TICK();
        pc = pc[2].op;
    } else {
        pc += 3;
    }
    NEXT();
op_BR_UNLESS:
op_I32_BR_EQZ:
    if (!(uint32_t)fp[O1A]) {
        FUEL_TICK();
        pc = pc[2].op;
    } else {
        pc += 3;
    }
    NEXT();
op_I32_BR_NEZ:
    if ((uint32_t)fp[O1A]) {
        FUEL_TICK();
        pc = pc[2].op;
    } else {
        pc += 3;
    }
    NEXT();
    CBR(op_BR_I32_EQ, uint32_t, GI32, a == b)
    CBR(op_BR_I32_NE, uint32_t, GI32, a != b)
    CBR(op_BR_I32_LT_S, int32_t, GS32, a < b)
    CBR(op_BR_I32_LT_U, uint32_t, GI32, a < b)
    CBR(op_BR_I32_GT_S, int32_t, GS32, a > b)
    CBR(op_BR_I32_GT_U, uint32_t, GI32, a > b)
    CBR(op_BR_I32_LE_S, int32_t, GS32, a <= b)
    CBR(op_BR_I32_LE_U, uint32_t, GI32, a <= b)
    CBR(op_BR_I32_GE_S, int32_t, GS32, a >= b)
    CBR(op_BR_I32_GE_U, uint32_t, GI32, a >= b)
op_BR_TABLE: {
    uint32_t i = (uint32_t)fp[O1A], n = O1B;
    pc = pc[2 + (i < n ? i : n)].op;
    NEXT();
}
op_LOOP:
    if (__builtin_expect(fuel-- == 0, 0)) {
        if (fuel_enabled) {
            fuel = 0;
            TRAP(WASM_TRAP_FUEL);
        }
        fuel = UINT64_MAX;
    }
    pc += 1;
    NEXT();
op_LOOP_JMP:
    /* A loop's back edge: the fuel check of op_LOOP, then straight past it. */
    if (__builtin_expect(fuel-- == 0, 0)) {
        if (fuel_enabled) {
            fuel = 0;
            TRAP(WASM_TRAP_FUEL);
        }
        fuel = UINT64_MAX;
    }
    pc = pc[1].op;
    NEXT();
op_ADD_SHL:
    fp[O2A] = u32v((uint32_t)fp[O1A] + ((uint32_t)fp[O1B] << O2B));
    pc += 3;
    NEXT();
op_ADD_SHL_IMM:
    fp[O2A] = u32v((uint32_t)fp[O1A] + (uint32_t)pc[3].u64 + ((uint32_t)fp[O1B] << O2B));
    pc += 4;
    NEXT();
op_COPY:
    fp[O1B] = fp[O1A];
    pc += 2;
    NEXT();
op_COPY2:
    /* Two moves in order: [op][s1|d1][s2|d2]. */
    fp[O1B] = fp[O1A];
    fp[O2B] = fp[O2A];
    pc += 3;
    NEXT();
op_ADD3:
    /* Two i32.adds in a row, the first one's result feeding the second: [op][a|b][c|d]. */
    fp[O2B] = u32v((uint32_t)fp[O1A] + (uint32_t)fp[O1B] + (uint32_t)fp[O2A]);
    pc += 3;
    NEXT();
op_XOR_ROTL: {
    /* a ^ rotl(x, k), k in 0..31: [op][a|x][d|k]. */
    uint32_t x = (uint32_t)fp[O1B], k = O2B;
    fp[O2A] = u32v((uint32_t)fp[O1A] ^ ((x << k) | (x >> ((32 - k) & 31))));
    pc += 3;
    NEXT();
}
op_XOR_SHRU:
    /* a ^ (x >> k), k in 0..31: [op][a|x][d|k]. */
    fp[O2A] = u32v((uint32_t)fp[O1A] ^ ((uint32_t)fp[O1B] >> O2B));
    pc += 3;
    NEXT();
op_CONST:
    fp[O1A] = pc[2].u64;
    pc += 3;
    NEXT();
op_SELECT:
    fp[O2B] = (uint32_t)fp[O2A] ? fp[O1A] : fp[O1B];
    pc += 3;
    NEXT();
op_GLOBAL_GET:
    fp[O1B] = inst->globals[O1A]->value;
    pc += 2;
    NEXT();
op_GLOBAL_SET:
    inst->globals[O1A]->value = fp[O1B];
    pc += 2;
    NEXT();

op_CALL:
    callee = inst->funcs[O1A];
    new_fp = fp + O1B;
    ret_pc = pc + 2;
    goto do_call;
op_CALL_INDIRECT: {
    const wasm_table_t *t = inst->tables[O1B];
    uint32_t i = (uint32_t)fp[O2B];
    if (i >= t->size)
        TRAP(WASM_TRAP_UNDEFINED_ELEMENT);
    callee = (wasm_func_t *)(uintptr_t)t->elems[i];
    if (!callee)
        TRAP(WASM_TRAP_UNINITIALIZED_ELEMENT);
    const wasm_functype_t *want = &inst->module->types[O1A];
    if (callee->type != want && !wasm_functype_equal(callee->type, want))
        TRAP(WASM_TRAP_INDIRECT_TYPE);
    new_fp = fp + O2A;
    ret_pc = pc + 3;
    goto do_call;
}
do_call:
    if (callee->host) {
        s->fuel = fuel;
        result = callee->host(callee->host_ctx, inst, new_fp, new_fp);
        if (result != WASM_OK)
            goto trap;
        if (!ret_pc)
            goto done;
        pc = ret_pc;
        RELOAD_MEMORY();
        NEXT();
    } else {
        const wasm_funcdef_t *def = callee->def;
        if (frame + 1 >= frame_limit || def->frame_slots > (size_t)(stack_end - new_fp))
            TRAP(WASM_TRAP_CALL_DEPTH);
        if (__builtin_expect(fuel-- == 0, 0)) {
            if (fuel_enabled) {
                fuel = 0;
                TRAP(WASM_TRAP_FUEL);
            }
            fuel = UINT64_MAX;
        }
        frame++;
        frame->ret_pc = ret_pc;
        frame->fp = fp;
        frame->inst = inst;
        fp = new_fp;
        uint32_t np = callee->type->nparams;
        if (def->nlocals > np)
            memset(fp + np, 0, (size_t)(def->nlocals - np) * sizeof *fp);
        inst = callee->inst;
        RELOAD_MEMORY();
        pc = def->code;
        NEXT();
    }
op_SIMD:
    /* v128 values keep their high halves in the parallel stack_hi (wasm_simd.h). */
    pc = wasm_simd_step(pc, fp, s->stack_hi + (fp - s->stack), inst, mem, memsize);
    if (!pc)
        TRAP(WASM_TRAP_MEMORY_OOB); /* the only way a SIMD instruction fails */
    NEXT();
op_RETURN:
    pc = frame->ret_pc;
    fp = frame->fp;
    inst = frame->inst;
    frame--;
    if (!pc)
        goto done;
    RELOAD_MEMORY();
    NEXT();

    LOAD(op_LOAD8_S, 1, int8_t, (uint64_t)(int64_t))
    LOAD(op_LOAD8_U, 1, uint8_t, (uint64_t))
    LOAD(op_LOAD16_S, 2, int16_t, (uint64_t)(int64_t))
    LOAD(op_LOAD16_U, 2, uint16_t, (uint64_t))
    LOAD(op_LOAD32_S, 4, int32_t, (uint64_t)(int64_t))
    LOAD(op_LOAD32_U, 4, uint32_t, (uint64_t))
    LOAD(op_LOAD64, 8, uint64_t, (uint64_t))
    STORE(op_STORE8, 1, uint8_t)
    STORE(op_STORE16, 2, uint16_t)
    STORE(op_STORE32, 4, uint32_t)
    STORE(op_STORE64, 8, uint64_t)

op_MEMORY_SIZE:
    fp[O1A] = inst->memory->pages;
    pc += 2;
    NEXT();
op_MEMORY_GROW: {
    int64_t old = wasm_memory_grow(s, inst->memory, (uint32_t)fp[O1A]);
    fp[O1B] = i32v((int32_t)old);
    RELOAD_MEMORY();
    pc += 2;
    NEXT();
}
op_MEMORY_INIT:
    result = wasm_memory_init_seg(inst, O1A, (uint32_t)fp[O1B], (uint32_t)fp[O2A], (uint32_t)fp[O2B]);
    if (result != WASM_OK)
        goto trap;
    pc += 3;
    NEXT();
op_DATA_DROP:
    inst->data_dropped[O1A] = 1;
    pc += 2;
    NEXT();
op_MEMORY_COPY: {
    uint64_t d = (uint32_t)fp[O1A], src = (uint32_t)fp[O1B], n = (uint32_t)fp[O2A];
    if (d + n > memsize || src + n > memsize)
        TRAP(WASM_TRAP_MEMORY_OOB);
    memmove(mem + d, mem + src, n);
    pc += 3;
    NEXT();
}
op_MEMORY_FILL: {
    uint64_t d = (uint32_t)fp[O1A], n = (uint32_t)fp[O2A];
    if (d + n > memsize)
        TRAP(WASM_TRAP_MEMORY_OOB);
    memset(mem + d, (uint8_t)fp[O1B], n);
    pc += 3;
    NEXT();
}
op_TABLE_GET: {
    const wasm_table_t *t = inst->tables[O1A];
    uint32_t i = (uint32_t)fp[O1B];
    if (i >= t->size)
        TRAP(WASM_TRAP_TABLE_OOB);
    fp[O2A] = t->elems[i];
    pc += 3;
    NEXT();
}
op_TABLE_SET: {
    wasm_table_t *t = inst->tables[O1A];
    uint32_t i = (uint32_t)fp[O1B];
    if (i >= t->size)
        TRAP(WASM_TRAP_TABLE_OOB);
    t->elems[i] = fp[O2A];
    pc += 3;
    NEXT();
}
op_TABLE_SIZE:
    fp[O1B] = inst->tables[O1A]->size;
    pc += 2;
    NEXT();
op_TABLE_GROW: {
    int64_t old = wasm_table_grow(s, inst->tables[O1A], (uint32_t)fp[O2A], fp[O1B]);
    fp[O2B] = i32v((int32_t)old);
    pc += 3;
    NEXT();
}
op_TABLE_FILL: {
    wasm_table_t *t = inst->tables[O1A];
    uint32_t i = (uint32_t)fp[O1B], n = (uint32_t)fp[O2B];
    wasm_value_t v = fp[O2A];
    if (!check_table_range(t, i, n))
        TRAP(WASM_TRAP_TABLE_OOB);
    for (uint32_t k = 0; k < n; k++)
        t->elems[i + k] = v;
    pc += 3;
    NEXT();
}
op_TABLE_COPY: {
    wasm_table_t *dt = inst->tables[O1A], *st = inst->tables[O1B];
    uint32_t d = (uint32_t)fp[O2A], src = (uint32_t)fp[O2B], n = (uint32_t)fp[O3A];
    if (!check_table_range(dt, d, n) || !check_table_range(st, src, n))
        TRAP(WASM_TRAP_TABLE_OOB);
    memmove(dt->elems + d, st->elems + src, (size_t)n * sizeof *dt->elems);
    pc += 4;
    NEXT();
}
op_TABLE_INIT:
    result = wasm_table_init_seg(inst, O1A, O1B, (uint32_t)fp[O2A], (uint32_t)fp[O2B], (uint32_t)fp[O3A]);
    if (result != WASM_OK)
        goto trap;
    pc += 4;
    NEXT();
op_ELEM_DROP:
    inst->elem_dropped[O1A] = 1;
    pc += 2;
    NEXT();
op_REF_FUNC:
    fp[O1B] = (uint64_t)(uintptr_t)inst->funcs[O1A];
    pc += 2;
    NEXT();
op_REF_IS_NULL:
    fp[O1B] = fp[O1A] == 0;
    pc += 2;
    NEXT();

    /* i32 comparisons */
    UN(op_45, uint32_t, GI32, PBOOL, a == 0)
    BIN(op_46, uint32_t, GI32, PBOOL, a == b)
    BIN(op_47, uint32_t, GI32, PBOOL, a != b)
    BIN(op_48, int32_t, GS32, PBOOL, a < b)
    BIN(op_49, uint32_t, GI32, PBOOL, a < b)
    BIN(op_4a, int32_t, GS32, PBOOL, a > b)
    BIN(op_4b, uint32_t, GI32, PBOOL, a > b)
    BIN(op_4c, int32_t, GS32, PBOOL, a <= b)
    BIN(op_4d, uint32_t, GI32, PBOOL, a <= b)
    BIN(op_4e, int32_t, GS32, PBOOL, a >= b)
    BIN(op_4f, uint32_t, GI32, PBOOL, a >= b)
    /* i64 comparisons */
    UN(op_50, uint64_t, GI64, PBOOL, a == 0)
    BIN(op_51, uint64_t, GI64, PBOOL, a == b)
    BIN(op_52, uint64_t, GI64, PBOOL, a != b)
    BIN(op_53, int64_t, GS64, PBOOL, a < b)
    BIN(op_54, uint64_t, GI64, PBOOL, a < b)
    BIN(op_55, int64_t, GS64, PBOOL, a > b)
    BIN(op_56, uint64_t, GI64, PBOOL, a > b)
    BIN(op_57, int64_t, GS64, PBOOL, a <= b)
    BIN(op_58, uint64_t, GI64, PBOOL, a <= b)
    BIN(op_59, int64_t, GS64, PBOOL, a >= b)
    BIN(op_5a, uint64_t, GI64, PBOOL, a >= b)
    /* float comparisons */
    BIN(op_5b, float, GF32, PBOOL, a == b)
    BIN(op_5c, float, GF32, PBOOL, a != b)
    BIN(op_5d, float, GF32, PBOOL, a < b)
    BIN(op_5e, float, GF32, PBOOL, a > b)
    BIN(op_5f, float, GF32, PBOOL, a <= b)
    BIN(op_60, float, GF32, PBOOL, a >= b)
    BIN(op_61, double, GF64, PBOOL, a == b)
    BIN(op_62, double, GF64, PBOOL, a != b)
    BIN(op_63, double, GF64, PBOOL, a < b)
    BIN(op_64, double, GF64, PBOOL, a > b)
    BIN(op_65, double, GF64, PBOOL, a <= b)
    BIN(op_66, double, GF64, PBOOL, a >= b)
    /* i32 arithmetic */
    UN(op_67, uint32_t, GI32, PI32, a ? (uint32_t)__builtin_clz(a) : 32u)
    UN(op_68, uint32_t, GI32, PI32, a ? (uint32_t)__builtin_ctz(a) : 32u)
    UN(op_69, uint32_t, GI32, PI32, (uint32_t)popcount64(a))
    BIN(op_6a, uint32_t, GI32, PI32, a + b)
    BIN(op_6b, uint32_t, GI32, PI32, a - b)
    BIN(op_6c, uint32_t, GI32, PI32, a * b)
op_6d: {
    int32_t a = GS32(fp[O1A]), b = GS32(fp[O1B]);
    if (b == 0)
        TRAP(WASM_TRAP_DIV_ZERO);
    if (a == INT32_MIN && b == -1)
        TRAP(WASM_TRAP_INT_OVERFLOW);
    fp[O2A] = i32v(a / b);
    pc += 3;
    NEXT();
}
op_6e: {
    uint32_t a = GI32(fp[O1A]), b = GI32(fp[O1B]);
    if (b == 0)
        TRAP(WASM_TRAP_DIV_ZERO);
    fp[O2A] = u32v(a / b);
    pc += 3;
    NEXT();
}
op_6f: {
    int32_t a = GS32(fp[O1A]), b = GS32(fp[O1B]);
    if (b == 0)
        TRAP(WASM_TRAP_DIV_ZERO);
    fp[O2A] = b == -1 ? 0 : i32v(a % b);
    pc += 3;
    NEXT();
}
op_70: {
    uint32_t a = GI32(fp[O1A]), b = GI32(fp[O1B]);
    if (b == 0)
        TRAP(WASM_TRAP_DIV_ZERO);
    fp[O2A] = u32v(a % b);
    pc += 3;
    NEXT();
}
    BIN(op_71, uint32_t, GI32, PI32, a & b)
    BIN(op_72, uint32_t, GI32, PI32, a | b)
    BIN(op_73, uint32_t, GI32, PI32, a ^ b)
    BIN(op_74, uint32_t, GI32, PI32, a << (b & 31))
    BIN(op_75, int32_t, GS32, PI32, a >> (b & 31))
    BIN(op_76, uint32_t, GI32, PI32, a >> (b & 31))
    BIN(op_77, uint32_t, GI32, PI32, (a << (b & 31)) | (a >> ((32 - (b & 31)) & 31)))
    BIN(op_78, uint32_t, GI32, PI32, (a >> (b & 31)) | (a << ((32 - (b & 31)) & 31)))
    /* i64 arithmetic */
    UN(op_79, uint64_t, GI64, PI64, a ? (uint64_t)__builtin_clzll(a) : 64u)
    UN(op_7a, uint64_t, GI64, PI64, a ? (uint64_t)__builtin_ctzll(a) : 64u)
    UN(op_7b, uint64_t, GI64, PI64, popcount64(a))
    BIN(op_7c, uint64_t, GI64, PI64, a + b)
    BIN(op_7d, uint64_t, GI64, PI64, a - b)
    BIN(op_7e, uint64_t, GI64, PI64, a * b)
op_7f: {
    int64_t a = GS64(fp[O1A]), b = GS64(fp[O1B]);
    if (b == 0)
        TRAP(WASM_TRAP_DIV_ZERO);
    if (a == INT64_MIN && b == -1)
        TRAP(WASM_TRAP_INT_OVERFLOW);
    fp[O2A] = (uint64_t)(a / b);
    pc += 3;
    NEXT();
}
op_80: {
    uint64_t a = fp[O1A], b = fp[O1B];
    if (b == 0)
        TRAP(WASM_TRAP_DIV_ZERO);
    fp[O2A] = a / b;
    pc += 3;
    NEXT();
}
op_81: {
    int64_t a = GS64(fp[O1A]), b = GS64(fp[O1B]);
    if (b == 0)
        TRAP(WASM_TRAP_DIV_ZERO);
    fp[O2A] = b == -1 ? 0 : (uint64_t)(a % b);
    pc += 3;
    NEXT();
}
op_82: {
    uint64_t a = fp[O1A], b = fp[O1B];
    if (b == 0)
        TRAP(WASM_TRAP_DIV_ZERO);
    fp[O2A] = a % b;
    pc += 3;
    NEXT();
}
    BIN(op_83, uint64_t, GI64, PI64, a & b)
    BIN(op_84, uint64_t, GI64, PI64, a | b)
    BIN(op_85, uint64_t, GI64, PI64, a ^ b)
    BIN(op_86, uint64_t, GI64, PI64, a << (b & 63))
    BIN(op_87, int64_t, GS64, PI64, a >> (b & 63))
    BIN(op_88, uint64_t, GI64, PI64, a >> (b & 63))
    BIN(op_89, uint64_t, GI64, PI64, (a << (b & 63)) | (a >> ((64 - (b & 63)) & 63)))
    BIN(op_8a, uint64_t, GI64, PI64, (a >> (b & 63)) | (a << ((64 - (b & 63)) & 63)))
    /* f32 arithmetic; sign operations work on the bits so NaN payloads pass through */
    UN(op_8b, uint64_t, GI64, PI64, a & 0x7fffffffu)
    UN(op_8c, uint64_t, GI64, PI64, (a ^ 0x80000000u) & 0xffffffffu)
    UN(op_8d, float, GF32, PF32, wf32_ceil(a))
    UN(op_8e, float, GF32, PF32, wf32_floor(a))
    UN(op_8f, float, GF32, PF32, wf32_trunc(a))
    UN(op_90, float, GF32, PF32, wf32_nearest(a))
    UN(op_91, float, GF32, PF32, __builtin_sqrtf(a))
    BIN(op_92, float, GF32, PF32, a + b)
    BIN(op_93, float, GF32, PF32, a - b)
    BIN(op_94, float, GF32, PF32, a * b)
    BIN(op_95, float, GF32, PF32, a / b)
    BIN(op_96, float, GF32, PF32, wf32_min(a, b))
    BIN(op_97, float, GF32, PF32, wf32_max(a, b))
    BIN(op_98, uint64_t, GI64, PI64, (a & 0x7fffffffu) | (b & 0x80000000u))
    /* f64 arithmetic */
    UN(op_99, uint64_t, GI64, PI64, a & 0x7fffffffffffffffull)
    UN(op_9a, uint64_t, GI64, PI64, a ^ 0x8000000000000000ull)
    UN(op_9b, double, GF64, PF64, wf64_ceil(a))
    UN(op_9c, double, GF64, PF64, wf64_floor(a))
    UN(op_9d, double, GF64, PF64, wf64_trunc(a))
    UN(op_9e, double, GF64, PF64, wf64_nearest(a))
    UN(op_9f, double, GF64, PF64, __builtin_sqrt(a))
    BIN(op_a0, double, GF64, PF64, a + b)
    BIN(op_a1, double, GF64, PF64, a - b)
    BIN(op_a2, double, GF64, PF64, a * b)
    BIN(op_a3, double, GF64, PF64, a / b)
    BIN(op_a4, double, GF64, PF64, wf64_min(a, b))
    BIN(op_a5, double, GF64, PF64, wf64_max(a, b))
    BIN(op_a6, uint64_t, GI64, PI64, (a & 0x7fffffffffffffffull) | (b & 0x8000000000000000ull))

    /* Conversions. Trapping truncations check NaN first, then range. */
#define TRUNC(lbl, F, get, lo, hi, T, put)                                                         \
    lbl: {                                                                                         \
        F a = get(fp[O1A]);                                                                        \
        if (a != a)                                                                                \
            TRAP(WASM_TRAP_INVALID_CONVERSION);                                                    \
        if (!(a > (lo) && a < (hi)))                                                               \
            TRAP(WASM_TRAP_INT_OVERFLOW);                                                          \
        fp[O1B] = put((T)a);                                                                       \
        pc += 2;                                                                                   \
        NEXT();                                                                                    \
    }
#define TRUNC_SAT(lbl, F, get, lo, hi, T, put, minv, maxv)                                         \
    lbl: {                                                                                         \
        F a = get(fp[O1A]);                                                                        \
        T r;                                                                                       \
        if (a != a)                                                                                \
            r = 0;                                                                                 \
        else if (!(a > (lo)))                                                                      \
            r = (minv);                                                                            \
        else if (!(a < (hi)))                                                                      \
            r = (maxv);                                                                            \
        else                                                                                       \
            r = (T)a;                                                                              \
        fp[O1B] = put(r);                                                                          \
        pc += 2;                                                                                   \
        NEXT();                                                                                    \
    }
    TRUNC(op_a8, float, GF32, -2147483904.0f, 2147483648.0f, int32_t, i32v)
    TRUNC(op_a9, float, GF32, -1.0f, 4294967296.0f, uint32_t, u32v)
    TRUNC(op_aa, double, GF64, -2147483649.0, 2147483648.0, int32_t, i32v)
    TRUNC(op_ab, double, GF64, -1.0, 4294967296.0, uint32_t, u32v)
    UN(op_ac, int32_t, GS32, PI64, (int64_t)a)
    UN(op_ad, uint32_t, GI32, PI64, (uint64_t)a)
    TRUNC(op_ae, float, GF32, -9223373136366403584.0f, 9223372036854775808.0f, int64_t, PI64)
    TRUNC(op_af, float, GF32, -1.0f, 18446744073709551616.0f, uint64_t, PI64)
    TRUNC(op_b0, double, GF64, -9223372036854777856.0, 9223372036854775808.0, int64_t, PI64)
    TRUNC(op_b1, double, GF64, -1.0, 18446744073709551616.0, uint64_t, PI64)
    UN(op_b2, int32_t, GS32, PF32, (float)a)
    UN(op_b3, uint32_t, GI32, PF32, (float)a)
    UN(op_b4, int64_t, GS64, PF32, (float)a)
    UN(op_b5, uint64_t, GI64, PF32, (float)a)
    UN(op_b6, double, GF64, PF32, (float)a)
    UN(op_b7, int32_t, GS32, PF64, (double)a)
    UN(op_b8, uint32_t, GI32, PF64, (double)a)
    UN(op_b9, int64_t, GS64, PF64, (double)a)
    UN(op_ba, uint64_t, GI64, PF64, (double)a)
    UN(op_bb, float, GF32, PF64, (double)a)
    UN(op_c0, uint32_t, GI32, PI32, (int32_t)(int8_t)a)
    UN(op_c1, uint32_t, GI32, PI32, (int32_t)(int16_t)a)
    UN(op_c2, uint64_t, GI64, PI64, (int64_t)(int8_t)a)
    UN(op_c3, uint64_t, GI64, PI64, (int64_t)(int16_t)a)
    UN(op_c4, uint64_t, GI64, PI64, (int64_t)(int32_t)a)
    TRUNC_SAT(op_sat0, float, GF32, -2147483904.0f, 2147483648.0f, int32_t, i32v, INT32_MIN, INT32_MAX)
    TRUNC_SAT(op_sat1, float, GF32, -1.0f, 4294967296.0f, uint32_t, u32v, 0, UINT32_MAX)
    TRUNC_SAT(op_sat2, double, GF64, -2147483649.0, 2147483648.0, int32_t, i32v, INT32_MIN, INT32_MAX)
    TRUNC_SAT(op_sat3, double, GF64, -1.0, 4294967296.0, uint32_t, u32v, 0, UINT32_MAX)
    TRUNC_SAT(op_sat4, float, GF32, -9223373136366403584.0f, 9223372036854775808.0f, int64_t, PI64, INT64_MIN, INT64_MAX)
    TRUNC_SAT(op_sat5, float, GF32, -1.0f, 18446744073709551616.0f, uint64_t, PI64, 0, UINT64_MAX)
    TRUNC_SAT(op_sat6, double, GF64, -9223372036854777856.0, 9223372036854775808.0, int64_t, PI64, INT64_MIN, INT64_MAX)
    TRUNC_SAT(op_sat7, double, GF64, -1.0, 18446744073709551616.0, uint64_t, PI64, 0, UINT64_MAX)

trap:
done:
    if (fuel_enabled)
        s->fuel = fuel;
    return result;
}
