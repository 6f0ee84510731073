/*
 * wasm_compile: validates one function body and translates it, in the same
 * single pass, into the interpreter's slot-addressed code (wasm_ops.h).
 *
 * Validation follows the specification's algorithm: an operand stack of
 * types and a stack of control frames, with a frame's stack becoming
 * polymorphic after an unconditional branch. Translation rides on it: the
 * value at operand height h lives in frame slot nlocals + h, except that a
 * value just read from a local (local.get, local.tee) stays "lazy" and
 * names the local's own slot until something could change that local or
 * control flow could merge. At every block boundary, branch and call all
 * lazy values are materialised, so control-flow joins always agree on
 * where each value lives.
 *
 * Code is emitted only while the current frame is reachable; branch
 * targets are kept as cell indices, patched at `end`, and turned into
 * addresses once the function's code stops moving.
 *
 * Never trusts the body: every immediate is range-checked and a function
 * that fails leaves no code behind.
 */
#include <string.h>

#include "lib/wasm/wasm_impl.h"
#include "lib/wasm/wasm_ops.h"
#include "lib/wasm/wasm_reader.h"
#include "lib/wasm/wasm_simd.h"

#define T_ANY 0 /* an operand of unknown type, from a polymorphic stack */

typedef struct {
    uint8_t type;
    uint32_t slot;
} operand_t;

enum { BT_EMPTY, BT_VAL, BT_TYPE };
enum { CTL_FUNC, CTL_BLOCK, CTL_LOOP, CTL_IF, CTL_ELSE };

typedef struct {
    uint8_t kind;
    uint8_t bt_kind;
    uint32_t bt; /* value type or type index */
    uint32_t height;
    bool unreachable;
    bool entry_dead;
    int64_t patches;    /* chain of cells waiting for this frame's end */
    size_t loop_pc;
    int64_t else_patch; /* an if's branch to its else, or -1 */
} frame_t;

typedef struct {
    wasm_module_t *m;
    wasm_funcdef_t *f;
    const wasm_functype_t *ft;
    wasm_reader_t r;
    const void *const *handlers;
    wasm_cell_t *code;
    size_t ncode, capcode;
    size_t *relocs;
    size_t nrelocs, caprelocs;
    operand_t *vs;
    size_t nvs, capvs;
    uint32_t max_height;
    frame_t *ctl;
    size_t nctl, capctl;
    uint32_t nlocals;
    bool oom;
    /* The last emitted instruction, for fusing it with the next one. */
    size_t last_start;
    int last_op;         /* -1 if none may be fused */
    int64_t last_dst;    /* cell * 2 + half holding its destination slot, or -1 */
    /* The instruction before it, for three-way fusions. */
    size_t prev_start;
    int prev_op;
    int64_t prev_dst;
    size_t barrier;      /* no fusion across a branch target at or after this cell */
} cc_t;

static bool fail(cc_t *c, const char *why) { return rd_fail(&c->r, WASM_ERR_INVALID, why); }
/* Defined with the SIMD instructions (wasm_simd_compile.h). */
static bool simd_emit(cc_t *c, uint32_t sub, uint32_t d, uint32_t a, uint32_t b, uint32_t third, uint32_t imm,
                      uint64_t imm0, uint64_t imm1);

static bool grow(cc_t *c, void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 64;
    while (ncap < need)
        ncap *= 2;
    void *np = wasm_realloc(*p, ncap * size);
    if (!np) {
        c->oom = true;
        return rd_fail(&c->r, WASM_ERR_NOMEM, "out of memory");
    }
    *p = np;
    *cap = ncap;
    return true;
}

static bool dead(const cc_t *c)
{
    const frame_t *f = &c->ctl[c->nctl - 1];
    return f->unreachable || f->entry_dead;
}

/* ---- Emission ---- */

static wasm_cell_t *emit_cells(cc_t *c, size_t n)
{
    if (!grow(c, (void **)&c->code, &c->capcode, c->ncode + n, sizeof *c->code))
        return NULL;
    wasm_cell_t *p = &c->code[c->ncode];
    memset(p, 0, n * sizeof *p);
    c->ncode += n;
    return p;
}

static wasm_cell_t *emit(cc_t *c, int op, size_t ncells)
{
    size_t start = c->ncode;
    wasm_cell_t *p = emit_cells(c, ncells);
    if (!p)
        return NULL;
    p[0].op = c->handlers[op];
    if (start != c->last_start || c->last_op < 0) {
        /* A new instruction after the last one (not a fused replacement of it). */
        c->prev_start = c->last_start;
        c->prev_op = c->last_op;
        c->prev_dst = c->last_dst;
    }
    c->last_start = start;
    c->last_op = op;
    c->last_dst = -1;
    return p;
}

static void pair(wasm_cell_t *cell, uint32_t a, uint32_t b)
{
    cell->u32[0] = a;
    cell->u32[1] = b;
}

/* Records that cell `at` holds a code index to be turned into an address. */
static bool reloc(cc_t *c, size_t at)
{
    if (!grow(c, (void **)&c->relocs, &c->caprelocs, c->nrelocs + 1, sizeof *c->relocs))
        return false;
    c->relocs[c->nrelocs++] = at;
    return true;
}

/* A branch to frame `depth` (0 = innermost) from cell `at`. */
static bool branch_target_ex(cc_t *c, size_t at, uint32_t depth, bool pays_fuel)
{
    frame_t *f = &c->ctl[c->nctl - 1 - depth];
    if (!reloc(c, at))
        return false;
    if (f->kind == CTL_LOOP) {
        /* A branch that pays its own fuel goes past the loop head's OP_LOOP. */
        c->code[at].u64 = f->loop_pc + (pays_fuel ? 1 : 0);
    } else {
        c->code[at].i64 = f->patches;
        f->patches = (int64_t)at;
    }
    return true;
}

static bool branch_target(cc_t *c, size_t at, uint32_t depth) { return branch_target_ex(c, at, depth, false); }

static void patch_chain(cc_t *c, int64_t head, size_t target)
{
    while (head >= 0) {
        int64_t next = c->code[head].i64;
        c->code[head].u64 = target;
        head = next;
    }
}

/* A branch target lands here: nothing before it may fuse with what follows. */
static void mark_label(cc_t *c)
{
    c->barrier = c->ncode;
    c->last_op = -1;
    c->last_dst = -1;
    c->prev_op = -1;
}

/* ---- Operand stack ---- */

static uint32_t slot_of(const cc_t *c, size_t height) { return c->nlocals + (uint32_t)height; }

static bool push(cc_t *c, uint8_t type)
{
    if (!grow(c, (void **)&c->vs, &c->capvs, c->nvs + 1, sizeof *c->vs))
        return false;
    c->vs[c->nvs].type = type;
    c->vs[c->nvs].slot = slot_of(c, c->nvs);
    c->nvs++;
    if (c->nvs > c->max_height)
        c->max_height = (uint32_t)c->nvs;
    return true;
}

/* Pushes a value that lives in slot `slot` (a local, or a value being retyped). */
static bool push_at(cc_t *c, uint8_t type, uint32_t slot)
{
    if (!push(c, type))
        return false;
    c->vs[c->nvs - 1].slot = slot;
    return true;
}

static bool type_ok(uint8_t have, uint8_t want) { return have == T_ANY || want == T_ANY || have == want; }

static bool pop(cc_t *c, uint8_t want, operand_t *out)
{
    frame_t *f = &c->ctl[c->nctl - 1];
    if (c->nvs == f->height) {
        if (!f->unreachable)
            return fail(c, "type mismatch");
        out->type = want;
        out->slot = slot_of(c, c->nvs);
        return true;
    }
    operand_t o = c->vs[--c->nvs];
    if (!type_ok(o.type, want))
        return fail(c, "type mismatch");
    if (o.type == T_ANY)
        o.type = want;
    *out = o;
    return true;
}

static bool is_ref(uint8_t t) { return t == WASM_FUNCREF || t == WASM_EXTERNREF; }

/* Emits a move from slot src to slot dst; two moves in a row become one instruction. */
static bool emit_copy(cc_t *c, uint32_t src, uint32_t dst)
{
    if (c->last_op == OP_COPY && c->last_start >= c->barrier && c->last_start + 2 == c->ncode) {
        wasm_cell_t first = c->code[c->last_start + 1];
        c->ncode = c->last_start;
        wasm_cell_t *p = emit(c, OP_COPY2, 3);
        if (!p)
            return false;
        p[1] = first;
        pair(&p[2], src, dst);
        return true;
    }
    wasm_cell_t *p = emit(c, OP_COPY, 2);
    if (!p)
        return false;
    pair(&p[1], src, dst);
    return true;
}

/* A move of a value of any type: a v128 carries its high half along (wasm_simd.h). */
static bool emit_copy_typed(cc_t *c, uint8_t type, uint32_t src, uint32_t dst)
{
    if (type == WASM_V128)
        return simd_emit(c, WASM_SIMD_X_COPY, dst, src, 0, 0, 0, 0, 0);
    return emit_copy(c, src, dst);
}

/* Moves a lazy value into its own stack slot. In dead code nothing runs, so nothing moves. */
static bool materialize_at(cc_t *c, size_t i)
{
    operand_t *o = &c->vs[i];
    uint32_t s = slot_of(c, i);
    if (o->slot == s || dead(c))
        return true;
    if (!emit_copy_typed(c, o->type, o->slot, s))
        return false;
    o->slot = s;
    return true;
}

static bool materialize_all(cc_t *c)
{
    for (size_t i = 0; i < c->nvs; i++)
        if (!materialize_at(c, i))
            return false;
    return true;
}

static bool materialize_local(cc_t *c, uint32_t local)
{
    for (size_t i = 0; i < c->nvs; i++)
        if (c->vs[i].slot == local && !materialize_at(c, i))
            return false;
    return true;
}

/* The last instruction's destination slot lives in cell `cell` (absolute), half `half`. */
static void set_dst(cc_t *c, size_t cell, int half) { c->last_dst = (int64_t)(cell * 2 + (size_t)half); }

/* ---- Block types and labels ---- */

static bool read_blocktype(cc_t *c, frame_t *f)
{
    if (c->r.p >= c->r.end)
        return rd_fail(&c->r, WASM_ERR_MALFORMED, "unexpected end");
    uint8_t b = *c->r.p;
    if (b == 0x40) {
        c->r.p++;
        f->bt_kind = BT_EMPTY;
        return true;
    }
    if (b & 0x40) {
        uint8_t t;
        if (!wasm_read_valtype(&c->r, &t))
            return false;
        f->bt_kind = BT_VAL;
        f->bt = t;
        return true;
    }
    int64_t idx;
    if (!rd_sleb(&c->r, 33, &idx))
        return false;
    if (idx < 0 || idx >= c->m->ntypes)
        return fail(c, "unknown type");
    f->bt_kind = BT_TYPE;
    f->bt = (uint32_t)idx;
    return true;
}

static uint32_t bt_nparams(const cc_t *c, const frame_t *f)
{
    return f->bt_kind == BT_TYPE ? c->m->types[f->bt].nparams : 0;
}

static uint32_t bt_nresults(const cc_t *c, const frame_t *f)
{
    return f->bt_kind == BT_TYPE ? c->m->types[f->bt].nresults : f->bt_kind == BT_VAL ? 1 : 0;
}

static uint8_t bt_param(const cc_t *c, const frame_t *f, uint32_t i) { return c->m->types[f->bt].types[i]; }

static uint8_t bt_result(const cc_t *c, const frame_t *f, uint32_t i)
{
    if (f->bt_kind == BT_VAL)
        return (uint8_t)f->bt;
    return wasm_functype_results(&c->m->types[f->bt])[i];
}

static uint32_t label_arity(const cc_t *c, const frame_t *f)
{
    return f->kind == CTL_LOOP ? bt_nparams(c, f) : bt_nresults(c, f);
}

static uint8_t label_type(const cc_t *c, const frame_t *f, uint32_t i)
{
    return f->kind == CTL_LOOP ? bt_param(c, f, i) : bt_result(c, f, i);
}

/* Checks that the top of the stack can feed frame f's label, without popping. */
static bool check_label_top(cc_t *c, const frame_t *f)
{
    const frame_t *cur = &c->ctl[c->nctl - 1];
    uint32_t n = label_arity(c, f);
    for (uint32_t i = 0; i < n; i++) {
        size_t depth = n - 1 - i; /* 0 = top */
        if (c->nvs < cur->height + depth + 1) {
            if (!cur->unreachable)
                return fail(c, "type mismatch");
            continue;
        }
        if (!type_ok(c->vs[c->nvs - 1 - depth].type, label_type(c, f, i)))
            return fail(c, "type mismatch");
    }
    return true;
}

static bool push_frame(cc_t *c, uint8_t kind, const frame_t *bt)
{
    if (!grow(c, (void **)&c->ctl, &c->capctl, c->nctl + 1, sizeof *c->ctl))
        return false;
    bool was_dead = c->nctl ? dead(c) : false;
    frame_t *f = &c->ctl[c->nctl++];
    *f = *bt;
    f->kind = kind;
    f->height = (uint32_t)c->nvs;
    f->unreachable = false;
    f->entry_dead = was_dead;
    f->patches = -1;
    f->else_patch = -1;
    f->loop_pc = 0;
    return true;
}

/* Pops a block's parameters, opens the frame and pushes them back inside it. */
static bool open_block(cc_t *c, uint8_t kind, frame_t *bt)
{
    uint32_t np = bt_nparams(c, bt);
    if (!materialize_all(c))
        return false;
    for (uint32_t i = np; i-- > 0;) {
        operand_t o;
        if (!pop(c, bt_param(c, bt, i), &o))
            return false;
    }
    if (!push_frame(c, kind, bt))
        return false;
    for (uint32_t i = 0; i < np; i++)
        if (!push(c, bt_param(c, bt, i)))
            return false;
    return true;
}

/* Checks the frame's results are exactly what is on its stack. */
static bool check_results(cc_t *c)
{
    frame_t *f = &c->ctl[c->nctl - 1];
    uint32_t n = bt_nresults(c, f);
    for (uint32_t i = n; i-- > 0;) {
        operand_t o;
        if (!pop(c, bt_result(c, f, i), &o))
            return false;
    }
    if (c->nvs != f->height)
        return fail(c, "type mismatch");
    return true;
}

/* Copies the top n values to the n slots starting at dst (ascending, which is safe: dst <= src). */
static bool emit_moves(cc_t *c, uint32_t n, uint32_t dst)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t src = c->vs[c->nvs - n + i].slot;
        if (src == dst + i)
            continue;
        if (!emit_copy_typed(c, c->vs[c->nvs - n + i].type, src, dst + i))
            return false;
    }
    return true;
}

static bool moves_needed(const cc_t *c, uint32_t n, uint32_t dst)
{
    for (uint32_t i = 0; i < n; i++)
        if (c->vs[c->nvs - n + i].slot != dst + i)
            return true;
    return false;
}

static uint32_t label_dst(const cc_t *c, const frame_t *f)
{
    return f->kind == CTL_FUNC ? 0 : slot_of(c, f->height);
}

/* Emits an unconditional branch to frame f, moves included. Live code only. */
static bool emit_branch(cc_t *c, uint32_t depth)
{
    frame_t *f = &c->ctl[c->nctl - 1 - depth];
    uint32_t n = label_arity(c, f);
    if (n > c->nvs)
        return true; /* only in dead code, where nothing is emitted */
    if (!emit_moves(c, n, label_dst(c, f)))
        return false;
    if (f->kind == CTL_FUNC)
        return emit(c, OP_RETURN, 1) != NULL;
    if (f->kind == CTL_LOOP) {
        /* A back edge pays the loop's fuel itself and skips the OP_LOOP at the head. */
        if (!emit(c, OP_LOOP_JMP, 2) || !reloc(c, c->ncode - 1))
            return false;
        c->code[c->ncode - 1].u64 = f->loop_pc + 1;
        return true;
    }
    if (!emit(c, OP_JMP, 2))
        return false;
    return branch_target(c, c->ncode - 1, depth);
}

/* ---- Numeric instructions ---- */

typedef struct {
    uint8_t in1, in2, out; /* in2 == 0 for unary */
} numsig_t;

static numsig_t num_sig(uint8_t op)
{
    const uint8_t I = WASM_I32, L = WASM_I64, F = WASM_F32, D = WASM_F64;
    if (op == 0x45) return (numsig_t){I, 0, I};
    if (op <= 0x4f) return (numsig_t){I, I, I};
    if (op == 0x50) return (numsig_t){L, 0, I};
    if (op <= 0x5a) return (numsig_t){L, L, I};
    if (op <= 0x60) return (numsig_t){F, F, I};
    if (op <= 0x66) return (numsig_t){D, D, I};
    if (op <= 0x69) return (numsig_t){I, 0, I};
    if (op <= 0x78) return (numsig_t){I, I, I};
    if (op <= 0x7b) return (numsig_t){L, 0, L};
    if (op <= 0x8a) return (numsig_t){L, L, L};
    if (op <= 0x91) return (numsig_t){F, 0, F};
    if (op <= 0x98) return (numsig_t){F, F, F};
    if (op <= 0x9f) return (numsig_t){D, 0, D};
    if (op <= 0xa6) return (numsig_t){D, D, D};
    switch (op) {
    case 0xa7: return (numsig_t){L, 0, I};
    case 0xa8: case 0xa9: return (numsig_t){F, 0, I};
    case 0xaa: case 0xab: return (numsig_t){D, 0, I};
    case 0xac: case 0xad: return (numsig_t){I, 0, L};
    case 0xae: case 0xaf: return (numsig_t){F, 0, L};
    case 0xb0: case 0xb1: return (numsig_t){D, 0, L};
    case 0xb2: case 0xb3: return (numsig_t){I, 0, F};
    case 0xb4: case 0xb5: return (numsig_t){L, 0, F};
    case 0xb6: return (numsig_t){D, 0, F};
    case 0xb7: case 0xb8: return (numsig_t){I, 0, D};
    case 0xb9: case 0xba: return (numsig_t){L, 0, D};
    case 0xbb: return (numsig_t){F, 0, D};
    case 0xbc: return (numsig_t){F, 0, I};
    case 0xbd: return (numsig_t){D, 0, L};
    case 0xbe: return (numsig_t){I, 0, F};
    case 0xbf: return (numsig_t){L, 0, D};
    case 0xc0: case 0xc1: return (numsig_t){I, 0, I};
    default: return (numsig_t){L, 0, L}; /* 0xc2..0xc4 */
    }
}

static numsig_t sat_sig(uint32_t n)
{
    static const numsig_t sig[8] = {
        {WASM_F32, 0, WASM_I32}, {WASM_F32, 0, WASM_I32}, {WASM_F64, 0, WASM_I32}, {WASM_F64, 0, WASM_I32},
        {WASM_F32, 0, WASM_I64}, {WASM_F32, 0, WASM_I64}, {WASM_F64, 0, WASM_I64}, {WASM_F64, 0, WASM_I64},
    };
    return sig[n];
}

/* True if the last instruction is still fusable and wrote exactly the slot `slot`. */
static bool last_wrote(const cc_t *c, int op, uint32_t slot)
{
    if (c->last_op != op || c->last_dst < 0 || c->last_start < c->barrier)
        return false;
    return c->code[c->last_dst / 2].u32[c->last_dst % 2] == slot;
}

static bool emit_unop(cc_t *c, int op, uint8_t in, uint8_t out)
{
    operand_t a;
    if (!pop(c, in, &a) || !push(c, out))
        return false;
    if (dead(c))
        return true;
    uint32_t d = slot_of(c, c->nvs - 1);
    wasm_cell_t *p = emit(c, op, 2);
    if (!p)
        return false;
    pair(&p[1], a.slot, d);
    set_dst(c, c->ncode - 1, 1);
    return true;
}

static bool emit_binop(cc_t *c, int op, uint8_t in, uint8_t out)
{
    operand_t a, b;
    if (!pop(c, in, &b) || !pop(c, in, &a) || !push(c, out))
        return false;
    if (dead(c))
        return true;
    uint32_t d = slot_of(c, c->nvs - 1);
    /* x op constant: one instruction with the constant inside it. */
    int imm_op = OP_IMM + (op - OP_NUM);
    if (op >= OP_NUM && op < OP_SAT && c->handlers[imm_op] != c->handlers[OP_UNREACHABLE] && b.slot == d + 1 &&
        last_wrote(c, OP_CONST, b.slot)) {
        uint64_t imm = c->code[c->last_start + 2].u64;
        c->ncode = c->last_start;
        wasm_cell_t *p = emit(c, imm_op, 3);
        if (!p)
            return false;
        pair(&p[1], a.slot, d);
        p[2].u64 = imm;
        set_dst(c, c->ncode - 2, 1);
        return true;
    }
    /*
     * A fresh i32 result that is an operand of the next i32.add or i32.xor:
     * (a + b) + c, c ^ rotl(x, k) and c ^ (x >> k) are one instruction each.
     */
    if ((op == OP_NUM + (0x6a - 0x45) || op == OP_NUM + (0x73 - 0x45)) && c->last_dst >= 0 &&
        c->last_start >= c->barrier) {
        uint32_t s = c->code[c->last_dst / 2].u32[c->last_dst % 2];
        uint32_t other = s == b.slot && b.slot == d + 1 ? a.slot : s == a.slot && a.slot == d ? b.slot : UINT32_MAX;
        int fused = -1;
        if (other != UINT32_MAX && other != s) {
            if (op == OP_NUM + (0x6a - 0x45) && c->last_op == op)
                fused = OP_ADD3;
            else if (op == OP_NUM + (0x73 - 0x45) && c->last_op == OP_IMM + (0x77 - 0x45))
                fused = OP_XOR_ROTL;
            else if (op == OP_NUM + (0x73 - 0x45) && c->last_op == OP_IMM + (0x76 - 0x45))
                fused = OP_XOR_SHRU;
        }
        if (fused == OP_ADD3) {
            wasm_cell_t first = c->code[c->last_start + 1];
            c->ncode = c->last_start;
            wasm_cell_t *p = emit(c, OP_ADD3, 3);
            if (!p)
                return false;
            p[1] = first;
            pair(&p[2], other, d);
            set_dst(c, c->ncode - 1, 1);
            return true;
        }
        if (fused >= 0) {
            uint32_t x = c->code[c->last_start + 1].u32[0];
            uint32_t k = (uint32_t)c->code[c->last_start + 2].u64 & 31;
            c->ncode = c->last_start;
            wasm_cell_t *p = emit(c, fused, 3);
            if (!p)
                return false;
            pair(&p[1], other, x);
            pair(&p[2], d, k);
            set_dst(c, c->ncode - 1, 0);
            return true;
        }
    }
    /* a + (x << k), the shape of array indexing: one instruction. */
    int shl_imm = OP_IMM + (0x74 - 0x45);
    if (op == OP_NUM + (0x6a - 0x45) && c->last_op == shl_imm && c->last_start >= c->barrier && c->last_dst >= 0) {
        uint32_t shifted = c->code[c->last_dst / 2].u32[c->last_dst % 2];
        uint32_t other = shifted == b.slot && b.slot == d + 1 ? a.slot : shifted == a.slot && a.slot == d ? b.slot : UINT32_MAX;
        if (other != UINT32_MAX && other != shifted) {
            uint32_t x = c->code[c->last_start + 1].u32[0];
            uint32_t k = (uint32_t)c->code[c->last_start + 2].u64 & 31;
            int add_imm = OP_IMM + (0x6a - 0x45);
            if (c->prev_op == add_imm && c->prev_dst >= 0 && c->prev_start >= c->barrier &&
                c->prev_start + 3 == c->last_start && other >= c->nlocals && x != other &&
                c->code[c->prev_dst / 2].u32[c->prev_dst % 2] == other) {
                /* (base + imm) + (x << k): the base's add joins in too. */
                uint32_t base = c->code[c->prev_start + 1].u32[0];
                uint32_t imm = (uint32_t)c->code[c->prev_start + 2].u64;
                c->ncode = c->prev_start;
                c->last_start = c->prev_start;
                c->prev_op = -1;
                wasm_cell_t *p = emit(c, OP_ADD_SHL_IMM, 4);
                if (!p)
                    return false;
                pair(&p[1], base, x);
                pair(&p[2], d, k);
                p[3].u64 = imm;
                c->prev_op = -1;
                set_dst(c, c->ncode - 2, 0);
                return true;
            }
            c->ncode = c->last_start;
            wasm_cell_t *p = emit(c, OP_ADD_SHL, 3);
            if (!p)
                return false;
            pair(&p[1], other, x);
            pair(&p[2], d, k);
            set_dst(c, c->ncode - 1, 0);
            return true;
        }
    }
    wasm_cell_t *p = emit(c, op, 3);
    if (!p)
        return false;
    pair(&p[1], a.slot, b.slot);
    pair(&p[2], d, 0);
    set_dst(c, c->ncode - 1, 0);
    return true;
}

static bool numeric(cc_t *c, int op, numsig_t sig)
{
    if (sig.in2)
        return emit_binop(c, op, sig.in1, sig.out);
    return emit_unop(c, op, sig.in1, sig.out);
}

/* ---- Conditional branches, fused with a preceding i32 comparison where possible ---- */

/* For i32 comparison opcodes 0x46..0x4f: the fused branch-if-true and its inverse. */
static int cmp_branch(uint8_t wasm_op, bool invert)
{
    static const int br[10] = {OP_BR_I32_EQ, OP_BR_I32_NE, OP_BR_I32_LT_S, OP_BR_I32_LT_U, OP_BR_I32_GT_S,
                               OP_BR_I32_GT_U, OP_BR_I32_LE_S, OP_BR_I32_LE_U, OP_BR_I32_GE_S, OP_BR_I32_GE_U};
    static const int inv[10] = {OP_BR_I32_NE, OP_BR_I32_EQ, OP_BR_I32_GE_S, OP_BR_I32_GE_U, OP_BR_I32_LE_S,
                                OP_BR_I32_LE_U, OP_BR_I32_GT_S, OP_BR_I32_GT_U, OP_BR_I32_LT_S, OP_BR_I32_LT_U};
    return invert ? inv[wasm_op - 0x46] : br[wasm_op - 0x46];
}

/*
 * Emits "branch if cond is true" (or false, when invert) and returns the
 * index of the cell that holds the target. The condition is in `cond_slot`.
 */
static bool emit_cond_branch(cc_t *c, uint32_t cond_slot, bool invert, size_t *target_cell)
{
    int op = c->last_op;
    if (op > OP_IMM && op <= OP_IMM + (0x4f - 0x45) && c->last_dst >= 0 && c->last_start >= c->barrier &&
        c->code[c->last_dst / 2].u32[c->last_dst % 2] == cond_slot && cond_slot >= c->nlocals &&
        c->code[c->last_start + 2].u64 <= UINT32_MAX) {
        /* A comparison with a constant: the constant moves into the branch. */
        uint8_t wop = (uint8_t)(op - OP_IMM + 0x45);
        uint32_t a = c->code[c->last_start + 1].u32[0];
        uint32_t imm = (uint32_t)c->code[c->last_start + 2].u64;
        c->ncode = c->last_start;
        wasm_cell_t *p = emit(c, cmp_branch(wop, invert) + (OP_BR_I32_LT_S_IMM - OP_BR_I32_LT_S), 3);
        if (!p)
            return false;
        pair(&p[1], a, imm);
        c->last_op = -1;
        *target_cell = c->ncode - 1;
        return reloc(c, *target_cell);
    }
    if (op >= OP_NUM && op <= OP_NUM + (0x4f - 0x45) && c->last_dst >= 0 &&
        c->last_start >= c->barrier && c->code[c->last_dst / 2].u32[c->last_dst % 2] == cond_slot &&
        cond_slot >= c->nlocals) {
        uint8_t wop = (uint8_t)(op - OP_NUM + 0x45);
        wasm_cell_t operands = c->code[c->last_start + 1];
        c->ncode = c->last_start;
        if (wop == 0x45) {
            wasm_cell_t *p = emit(c, invert ? OP_I32_BR_NEZ : OP_I32_BR_EQZ, 3);
            if (!p)
                return false;
            pair(&p[1], operands.u32[0], 0);
        } else {
            wasm_cell_t *p = emit(c, cmp_branch(wop, invert), 3);
            if (!p)
                return false;
            p[1] = operands;
        }
    } else {
        wasm_cell_t *p = emit(c, invert ? OP_BR_UNLESS : OP_BR_IF, 3);
        if (!p)
            return false;
        pair(&p[1], cond_slot, 0);
    }
    c->last_op = -1;
    *target_cell = c->ncode - 1;
    return reloc(c, *target_cell);
}

/* ---- Instructions ---- */

static uint8_t local_type(const cc_t *c, uint32_t i)
{
    return i < c->ft->nparams ? c->ft->types[i] : c->f->local_types[i - c->ft->nparams];
}

static bool read_memarg(cc_t *c, uint32_t natural, uint32_t *offset)
{
    uint32_t align;
    if (!rd_u32(&c->r, &align) || !rd_u32(&c->r, offset))
        return false;
    if (c->m->nmemories == 0)
        return fail(c, "unknown memory");
    if (align > natural)
        return fail(c, "alignment must not be larger than natural");
    return true;
}

static bool zero_byte(cc_t *c)
{
    uint8_t b;
    if (!rd_byte(&c->r, &b))
        return false;
    if (b != 0)
        return rd_fail(&c->r, WASM_ERR_MALFORMED, "zero byte expected");
    return true;
}

static bool load(cc_t *c, int op, uint32_t natural, uint8_t type)
{
    uint32_t off;
    operand_t a;
    if (!read_memarg(c, natural, &off) || !pop(c, WASM_I32, &a) || !push(c, type))
        return false;
    if (dead(c))
        return true;
    if (a.slot == slot_of(c, c->nvs - 1) && last_wrote(c, OP_ADD_SHL_IMM, a.slot) &&
        c->code[c->last_start + 3].u64 <= UINT32_MAX) {
        /* The address is a fresh base + imm + (x << k): fold it into the load. */
        wasm_cell_t operands = c->code[c->last_start + 1];
        uint32_t k = c->code[c->last_start + 2].u32[1];
        uint32_t imm = (uint32_t)c->code[c->last_start + 3].u64;
        c->ncode = c->last_start;
        wasm_cell_t *p = emit(c, op + (OP_LOAD8_S_IDXI - OP_LOAD8_S), 4);
        if (!p)
            return false;
        p[1] = operands;
        pair(&p[2], slot_of(c, c->nvs - 1), k);
        pair(&p[3], imm, off);
        set_dst(c, c->ncode - 2, 0);
        return true;
    }
    if (a.slot == slot_of(c, c->nvs - 1) && last_wrote(c, OP_ADD_SHL, a.slot)) {
        /* The address is a fresh a + (x << k): fold it into the load. */
        wasm_cell_t operands = c->code[c->last_start + 1];
        uint32_t k = c->code[c->last_start + 2].u32[1];
        c->ncode = c->last_start;
        wasm_cell_t *p = emit(c, op + (OP_LOAD8_S_IDX - OP_LOAD8_S), 4);
        if (!p)
            return false;
        p[1] = operands;
        pair(&p[2], slot_of(c, c->nvs - 1), k);
        p[3].u64 = off;
        set_dst(c, c->ncode - 2, 0);
        return true;
    }
    if (a.slot == slot_of(c, c->nvs - 1) && last_wrote(c, OP_IMM + (0x6a - 0x45), a.slot)) {
        /* The address is a fresh i32.add of a constant: fold it into the load. */
        uint32_t base = c->code[c->last_start + 1].u32[0];
        uint32_t imm = (uint32_t)c->code[c->last_start + 2].u64;
        c->ncode = c->last_start;
        wasm_cell_t *p = emit(c, op + (OP_LOAD8_S_ADDI - OP_LOAD8_S), 3);
        if (!p)
            return false;
        pair(&p[1], base, slot_of(c, c->nvs - 1));
        pair(&p[2], imm, off);
        set_dst(c, c->ncode - 2, 1);
        return true;
    }
    if (a.slot == slot_of(c, c->nvs - 1) && last_wrote(c, OP_NUM + (0x6a - 0x45), a.slot)) {
        /* The address is a fresh i32.add: fold it into the load. */
        wasm_cell_t operands = c->code[c->last_start + 1];
        c->ncode = c->last_start;
        wasm_cell_t *p = emit(c, op + (OP_LOAD8_S_ADD - OP_LOAD8_S), 4);
        if (!p)
            return false;
        p[1] = operands;
        pair(&p[2], slot_of(c, c->nvs - 1), 0);
        p[3].u64 = off;
        set_dst(c, c->ncode - 2, 0);
        return true;
    }
    wasm_cell_t *p = emit(c, op, 3);
    if (!p)
        return false;
    pair(&p[1], a.slot, slot_of(c, c->nvs - 1));
    p[2].u64 = off;
    set_dst(c, c->ncode - 2, 1);
    return true;
}

static bool store(cc_t *c, int op, uint32_t natural, uint8_t type)
{
    uint32_t off;
    operand_t a, v;
    if (!read_memarg(c, natural, &off) || !pop(c, type, &v) || !pop(c, WASM_I32, &a))
        return false;
    if (dead(c))
        return true;
    if (a.slot == slot_of(c, c->nvs) && v.slot != a.slot && last_wrote(c, OP_IMM + (0x6a - 0x45), a.slot)) {
        /* The address is a fresh i32.add of a constant and the value was ready before it: one store. */
        uint32_t base = c->code[c->last_start + 1].u32[0];
        uint32_t imm = (uint32_t)c->code[c->last_start + 2].u64;
        c->ncode = c->last_start;
        wasm_cell_t *p = emit(c, op + (OP_STORE8_ADDI - OP_STORE8), 3);
        if (!p)
            return false;
        pair(&p[1], base, v.slot);
        pair(&p[2], imm, off);
        return true;
    }
    wasm_cell_t *p = emit(c, op, 3);
    if (!p)
        return false;
    pair(&p[1], a.slot, v.slot);
    p[2].u64 = off;
    return true;
}

static bool op_const(cc_t *c, uint8_t type, uint64_t v)
{
    if (!push(c, type))
        return false;
    if (dead(c))
        return true;
    wasm_cell_t *p = emit(c, OP_CONST, 3);
    if (!p)
        return false;
    pair(&p[1], slot_of(c, c->nvs - 1), 0);
    p[2].u64 = v;
    set_dst(c, c->ncode - 2, 0);
    return true;
}

static bool local_set(cc_t *c, uint32_t x, bool tee)
{
    operand_t o;
    if (x >= c->nlocals)
        return fail(c, "unknown local");
    uint8_t t = local_type(c, x);
    if (!pop(c, t, &o))
        return false;
    if (!dead(c) && o.slot != x) {
        bool others = false;
        for (size_t i = 0; i < c->nvs; i++)
            others |= c->vs[i].slot == x;
        if (!others && o.slot == slot_of(c, c->nvs) && c->last_dst >= 0 && c->last_start >= c->barrier &&
            c->code[c->last_dst / 2].u32[c->last_dst % 2] == o.slot) {
            /* Retarget the producer to write the local directly. */
            c->code[c->last_dst / 2].u32[c->last_dst % 2] = x;
            c->last_dst = -1;
        } else {
            if (!materialize_local(c, x) || !emit_copy_typed(c, t, o.slot, x))
                return false;
        }
    }
    return tee ? push_at(c, t, x) : true;
}

static bool op_end(cc_t *c)
{
    frame_t *f = &c->ctl[c->nctl - 1];
    if (!materialize_all(c))
        return false;
    if (f->kind == CTL_IF) {
        /* No else: the false path skips the block, so the block must pass its parameters through. */
        uint32_t np = bt_nparams(c, f), nr = bt_nresults(c, f);
        bool same = np == nr;
        for (uint32_t i = 0; same && i < np; i++)
            same = bt_param(c, f, i) == bt_result(c, f, i);
        if (!same)
            return fail(c, "type mismatch");
    }
    if (f->kind == CTL_FUNC) {
        uint32_t n = bt_nresults(c, f);
        if (!dead(c) && c->nvs >= n && !emit_moves(c, n, 0))
            return false;
        if (!check_results(c))
            return false;
        if (!dead(c) && !emit(c, OP_RETURN, 1))
            return false;
        c->nctl--;
        return true;
    }
    if (!check_results(c))
        return false;
    mark_label(c);
    patch_chain(c, f->patches, c->ncode);
    if (f->else_patch >= 0)
        c->code[f->else_patch].u64 = c->ncode;
    frame_t done = *f;
    c->nctl--;
    for (uint32_t i = 0; i < bt_nresults(c, &done); i++)
        if (!push(c, bt_result(c, &done, i)))
            return false;
    return true;
}

static bool op_else(cc_t *c)
{
    frame_t *f = &c->ctl[c->nctl - 1];
    if (f->kind != CTL_IF)
        return fail(c, "else without if");
    if (!materialize_all(c) || !check_results(c))
        return false;
    if (!dead(c)) {
        if (!emit(c, OP_JMP, 2) || !branch_target(c, c->ncode - 1, 0))
            return false;
    }
    mark_label(c);
    if (f->else_patch >= 0)
        c->code[f->else_patch].u64 = c->ncode;
    f->else_patch = -1;
    f->kind = CTL_ELSE;
    f->unreachable = false;
    for (uint32_t i = 0; i < bt_nparams(c, f); i++)
        if (!push(c, bt_param(c, f, i)))
            return false;
    return true;
}

static bool op_br(cc_t *c, uint32_t depth)
{
    if (depth >= c->nctl)
        return fail(c, "unknown label");
    if (!materialize_all(c) || !check_label_top(c, &c->ctl[c->nctl - 1 - depth]))
        return false;
    if (!dead(c) && !emit_branch(c, depth))
        return false;
    frame_t *cur = &c->ctl[c->nctl - 1];
    c->nvs = cur->height;
    cur->unreachable = true;
    return true;
}

static bool op_br_if(cc_t *c, uint32_t depth)
{
    operand_t cond;
    if (depth >= c->nctl)
        return fail(c, "unknown label");
    if (!pop(c, WASM_I32, &cond))
        return false;
    frame_t *f = &c->ctl[c->nctl - 1 - depth];
    if (!check_label_top(c, f))
        return false;
    /* The values may go to the label and also stay: both must find them in the same slots. */
    uint32_t n = label_arity(c, f);
    frame_t *cur = &c->ctl[c->nctl - 1];
    if (c->nvs - cur->height < n) {
        /* Only on a polymorphic stack: the missing values appear, typed by the label. Dead code. */
        size_t missing = n - (c->nvs - cur->height);
        for (size_t i = 0; i < missing; i++)
            if (!push(c, T_ANY))
                return false;
        memmove(&c->vs[cur->height + missing], &c->vs[cur->height],
                (c->nvs - missing - cur->height) * sizeof *c->vs);
    }
    if (!materialize_all(c))
        return false;
    /* The label's types replace the operand types, which may have been unknown. */
    for (uint32_t i = 0; i < n; i++) {
        size_t at = c->nvs + i;
        if (at >= n && at - n >= c->ctl[c->nctl - 1].height)
            c->vs[at - n].type = label_type(c, f, i);
    }
    if (dead(c))
        return true;
    uint32_t dst = label_dst(c, f);
    size_t cell;
    if (f->kind != CTL_FUNC && !moves_needed(c, n, dst)) {
        if (!emit_cond_branch(c, cond.slot, false, &cell))
            return false;
        c->code[cell].u64 = 0;
        c->nrelocs--; /* branch_target records it again */
        return branch_target_ex(c, cell, depth, true); /* conditional branches pay fuel when taken */
    }
    if (!emit_cond_branch(c, cond.slot, true, &cell) || !emit_branch(c, depth))
        return false;
    mark_label(c);
    c->code[cell].u64 = c->ncode;
    return true;
}

static bool op_br_table(cc_t *c)
{
    uint32_t n;
    operand_t idx;
    if (!rd_u32(&c->r, &n))
        return false;
    if (n > (size_t)(c->r.end - c->r.p))
        return rd_fail(&c->r, WASM_ERR_MALFORMED, "unexpected end");
    uint32_t *depths = wasm_alloc_array((size_t)n + 1, sizeof *depths);
    if (!depths)
        return rd_fail(&c->r, WASM_ERR_NOMEM, "out of memory");
    bool ok = false;
    for (uint32_t i = 0; i <= n; i++) {
        if (!rd_u32(&c->r, &depths[i]))
            goto out;
        if (depths[i] >= c->nctl) {
            fail(c, "unknown label");
            goto out;
        }
    }
    if (!pop(c, WASM_I32, &idx) || !materialize_all(c))
        goto out;
    uint32_t arity = label_arity(c, &c->ctl[c->nctl - 1 - depths[n]]);
    for (uint32_t i = 0; i <= n; i++) {
        const frame_t *f = &c->ctl[c->nctl - 1 - depths[i]];
        if (label_arity(c, f) != arity) {
            fail(c, "type mismatch");
            goto out;
        }
        if (!check_label_top(c, f))
            goto out;
    }
    if (!dead(c) && c->nvs >= arity) {
        wasm_cell_t *p = emit(c, OP_BR_TABLE, 2 + (size_t)n + 1);
        if (!p)
            goto out;
        size_t table = c->ncode - (n + 1);
        pair(&c->code[table - 1], idx.slot, n);
        for (uint32_t i = 0; i <= n; i++) {
            const frame_t *f = &c->ctl[c->nctl - 1 - depths[i]];
            if (f->kind != CTL_FUNC && !moves_needed(c, arity, label_dst(c, f))) {
                if (!branch_target(c, table + i, depths[i]))
                    goto out;
                continue;
            }
            /* A stub that moves the values and branches. */
            mark_label(c);
            c->code[table + i].u64 = c->ncode;
            if (!reloc(c, table + i) || !emit_branch(c, depths[i]))
                goto out;
        }
    }
    frame_t *cur = &c->ctl[c->nctl - 1];
    c->nvs = cur->height;
    cur->unreachable = true;
    ok = true;
out:
    wasm_free(depths);
    return ok;
}

static bool op_call(cc_t *c, const wasm_functype_t *t, int op, uint32_t a, uint32_t b, const operand_t *index)
{
    if (!materialize_all(c))
        return false;
    for (uint32_t i = t->nparams; i-- > 0;) {
        operand_t o;
        if (!pop(c, t->types[i], &o))
            return false;
    }
    uint32_t argslot = slot_of(c, c->nvs);
    for (uint32_t i = 0; i < t->nresults; i++)
        if (!push(c, wasm_functype_results(t)[i]))
            return false;
    if (dead(c))
        return true;
    wasm_cell_t *p = emit(c, op, index ? 3 : 2);
    if (!p)
        return false;
    if (index) {
        pair(&p[1], a, b);
        pair(&p[2], argslot, index->slot);
    } else {
        pair(&p[1], a, argslot);
    }
    return true;
}

static bool op_select(cc_t *c, bool typed)
{
    operand_t cond, a, b;
    uint8_t t = T_ANY;
    if (typed) {
        uint32_t n;
        if (!rd_u32(&c->r, &n))
            return false;
        if (n != 1)
            return fail(c, "invalid result arity");
        if (!wasm_read_valtype(&c->r, &t))
            return false;
    }
    if (!pop(c, WASM_I32, &cond) || !pop(c, t, &b) || !pop(c, t, &a))
        return false;
    if (!typed) {
        if (is_ref(a.type) || is_ref(b.type))
            return fail(c, "type mismatch");
        if (a.type != T_ANY && b.type != T_ANY && a.type != b.type)
            return fail(c, "type mismatch");
        t = a.type != T_ANY ? a.type : b.type;
    }
    if (!push(c, t))
        return false;
    if (t == WASM_V128)
        return simd_emit(c, WASM_SIMD_X_SELECT, slot_of(c, c->nvs - 1), a.slot, b.slot, cond.slot, 0, 0, 0);
    if (dead(c))
        return true;
    wasm_cell_t *p = emit(c, OP_SELECT, 3);
    if (!p)
        return false;
    pair(&p[1], a.slot, b.slot);
    pair(&p[2], cond.slot, slot_of(c, c->nvs - 1));
    set_dst(c, c->ncode - 1, 1);
    return true;
}

/* Emits op with up to four 32-bit operands in two cells, after popping `npop` i32-ish operands. */
static bool emit4(cc_t *c, int op, uint32_t a, uint32_t b, uint32_t d, uint32_t e, size_t cells)
{
    if (dead(c))
        return true;
    wasm_cell_t *p = emit(c, op, cells);
    if (!p)
        return false;
    if (cells > 1)
        pair(&p[1], a, b);
    if (cells > 2)
        pair(&p[2], d, e);
    return true;
}

static bool check_table(cc_t *c, uint32_t t)
{
    return t < c->m->ntables ? true : fail(c, "unknown table");
}

static bool op_prefixed(cc_t *c)
{
    uint32_t sub, x, y;
    operand_t n, s, d, v;
    wasm_module_t *m = c->m;
    if (!rd_u32(&c->r, &sub))
        return false;
    if (sub <= 7)
        return numeric(c, OP_SAT + (int)sub, sat_sig(sub));
    switch (sub) {
    case 8: /* memory.init */
        if (!rd_u32(&c->r, &x) || !zero_byte(c))
            return false;
        if (!m->has_datacount)
            return rd_fail(&c->r, WASM_ERR_MALFORMED, "data count section required");
        if (m->nmemories == 0)
            return fail(c, "unknown memory");
        if (x >= m->datacount)
            return fail(c, "unknown data segment");
        if (!pop(c, WASM_I32, &n) || !pop(c, WASM_I32, &s) || !pop(c, WASM_I32, &d))
            return false;
        return emit4(c, OP_MEMORY_INIT, x, d.slot, s.slot, n.slot, 3);
    case 9: /* data.drop */
        if (!rd_u32(&c->r, &x))
            return false;
        if (!m->has_datacount)
            return rd_fail(&c->r, WASM_ERR_MALFORMED, "data count section required");
        if (x >= m->datacount)
            return fail(c, "unknown data segment");
        return emit4(c, OP_DATA_DROP, x, 0, 0, 0, 2);
    case 10: /* memory.copy */
        /* Two reserved bytes: the destination and the source memory. */
        if (!zero_byte(c))
            return false;
        if (!zero_byte(c))
            return false;
        if (m->nmemories == 0)
            return fail(c, "unknown memory");
        if (!pop(c, WASM_I32, &n) || !pop(c, WASM_I32, &s) || !pop(c, WASM_I32, &d))
            return false;
        return emit4(c, OP_MEMORY_COPY, d.slot, s.slot, n.slot, 0, 3);
    case 11: /* memory.fill */
        if (!zero_byte(c))
            return false;
        if (m->nmemories == 0)
            return fail(c, "unknown memory");
        if (!pop(c, WASM_I32, &n) || !pop(c, WASM_I32, &v) || !pop(c, WASM_I32, &d))
            return false;
        return emit4(c, OP_MEMORY_FILL, d.slot, v.slot, n.slot, 0, 3);
    case 12: /* table.init elem table */
        if (!rd_u32(&c->r, &y) || !rd_u32(&c->r, &x))
            return false;
        if (!check_table(c, x))
            return false;
        if (y >= m->nelems)
            return fail(c, "unknown elem segment");
        if (m->elems[y].type != m->tables[x].elem_type)
            return fail(c, "type mismatch");
        if (!pop(c, WASM_I32, &n) || !pop(c, WASM_I32, &s) || !pop(c, WASM_I32, &d))
            return false;
        if (dead(c))
            return true;
        {
            wasm_cell_t *p = emit(c, OP_TABLE_INIT, 4);
            if (!p)
                return false;
            pair(&p[1], x, y);
            pair(&p[2], d.slot, s.slot);
            pair(&p[3], n.slot, 0);
        }
        return true;
    case 13: /* elem.drop */
        if (!rd_u32(&c->r, &x))
            return false;
        if (x >= m->nelems)
            return fail(c, "unknown elem segment");
        return emit4(c, OP_ELEM_DROP, x, 0, 0, 0, 2);
    case 14: /* table.copy dst src */
        if (!rd_u32(&c->r, &x) || !rd_u32(&c->r, &y))
            return false;
        if (!check_table(c, x) || !check_table(c, y))
            return false;
        if (m->tables[x].elem_type != m->tables[y].elem_type)
            return fail(c, "type mismatch");
        if (!pop(c, WASM_I32, &n) || !pop(c, WASM_I32, &s) || !pop(c, WASM_I32, &d))
            return false;
        if (dead(c))
            return true;
        {
            wasm_cell_t *p = emit(c, OP_TABLE_COPY, 4);
            if (!p)
                return false;
            pair(&p[1], x, y);
            pair(&p[2], d.slot, s.slot);
            pair(&p[3], n.slot, 0);
        }
        return true;
    case 15: /* table.grow */
        if (!rd_u32(&c->r, &x) || !check_table(c, x))
            return false;
        if (!pop(c, WASM_I32, &n) || !pop(c, m->tables[x].elem_type, &v) || !push(c, WASM_I32))
            return false;
        return emit4(c, OP_TABLE_GROW, x, v.slot, n.slot, slot_of(c, c->nvs - 1), 3);
    case 16: /* table.size */
        if (!rd_u32(&c->r, &x) || !check_table(c, x) || !push(c, WASM_I32))
            return false;
        return emit4(c, OP_TABLE_SIZE, x, slot_of(c, c->nvs - 1), 0, 0, 2);
    case 17: /* table.fill */
        if (!rd_u32(&c->r, &x) || !check_table(c, x))
            return false;
        if (!pop(c, WASM_I32, &n) || !pop(c, m->tables[x].elem_type, &v) || !pop(c, WASM_I32, &d))
            return false;
        return emit4(c, OP_TABLE_FILL, x, d.slot, v.slot, n.slot, 3);
    default:
        return rd_fail(&c->r, WASM_ERR_MALFORMED, "illegal opcode");
    }
}

#include "lib/wasm/wasm_simd_compile.h"

static bool instruction(cc_t *c, uint8_t op)
{
    wasm_module_t *m = c->m;
    uint32_t x, y;
    operand_t a;
    frame_t bt;
    memset(&bt, 0, sizeof bt);
    switch (op) {
    case 0x00:
        if (!dead(c) && !emit(c, OP_UNREACHABLE, 1))
            return false;
        c->nvs = c->ctl[c->nctl - 1].height;
        c->ctl[c->nctl - 1].unreachable = true;
        return true;
    case 0x01:
        return true;
    case 0x02:
        return read_blocktype(c, &bt) && open_block(c, CTL_BLOCK, &bt);
    case 0x03:
        if (!read_blocktype(c, &bt) || !open_block(c, CTL_LOOP, &bt))
            return false;
        mark_label(c);
        c->ctl[c->nctl - 1].loop_pc = c->ncode;
        return dead(c) || emit(c, OP_LOOP, 1);
    case 0x04: {
        operand_t cond;
        if (!read_blocktype(c, &bt) || !pop(c, WASM_I32, &cond) || !open_block(c, CTL_IF, &bt))
            return false;
        if (dead(c))
            return true;
        /* The condition may have been a lazy local that open_block left alone: its slot is still right. */
        size_t cell;
        if (!emit_cond_branch(c, cond.slot, true, &cell))
            return false;
        c->ctl[c->nctl - 1].else_patch = (int64_t)cell;
        return true;
    }
    case 0x05:
        return op_else(c);
    case 0x0b:
        return op_end(c);
    case 0x0c:
        return rd_u32(&c->r, &x) && op_br(c, x);
    case 0x0d:
        return rd_u32(&c->r, &x) && op_br_if(c, x);
    case 0x0e:
        return op_br_table(c);
    case 0x0f:
        return op_br(c, c->nctl - 1);
    case 0x10:
        if (!rd_u32(&c->r, &x))
            return false;
        if (x >= m->nfuncs)
            return fail(c, "unknown function");
        return op_call(c, &m->types[m->func_types[x]], OP_CALL, x, 0, NULL);
    case 0x11:
        if (!rd_u32(&c->r, &y) || !rd_u32(&c->r, &x))
            return false;
        if (!check_table(c, x))
            return false;
        if (y >= m->ntypes)
            return fail(c, "unknown type");
        if (m->tables[x].elem_type != WASM_FUNCREF)
            return fail(c, "type mismatch");
        if (!pop(c, WASM_I32, &a))
            return false;
        return op_call(c, &m->types[y], OP_CALL_INDIRECT, y, x, &a);
    case 0x1a:
        return pop(c, T_ANY, &a);
    case 0x1b:
        return op_select(c, false);
    case 0x1c:
        return op_select(c, true);
    case 0x20:
        if (!rd_u32(&c->r, &x))
            return false;
        if (x >= c->nlocals)
            return fail(c, "unknown local");
        return push_at(c, local_type(c, x), x);
    case 0x21:
        return rd_u32(&c->r, &x) && local_set(c, x, false);
    case 0x22:
        return rd_u32(&c->r, &x) && local_set(c, x, true);
    case 0x23:
        if (!rd_u32(&c->r, &x))
            return false;
        if (x >= m->nglobals)
            return fail(c, "unknown global");
        if (!push(c, m->globals[x].type))
            return false;
        if (m->globals[x].type == WASM_V128)
            return simd_emit(c, WASM_SIMD_X_GLOBAL_GET, slot_of(c, c->nvs - 1), 0, 0, 0, x, 0, 0);
        if (!emit4(c, OP_GLOBAL_GET, x, slot_of(c, c->nvs - 1), 0, 0, 2))
            return false;
        if (!dead(c))
            set_dst(c, c->ncode - 1, 1);
        return true;
    case 0x24:
        if (!rd_u32(&c->r, &x))
            return false;
        if (x >= m->nglobals)
            return fail(c, "unknown global");
        if (!m->globals[x].mutable_)
            return fail(c, "global is immutable");
        if (!pop(c, m->globals[x].type, &a))
            return false;
        if (m->globals[x].type == WASM_V128)
            return simd_emit(c, WASM_SIMD_X_GLOBAL_SET, 0, a.slot, 0, 0, x, 0, 0);
        return emit4(c, OP_GLOBAL_SET, x, a.slot, 0, 0, 2);
    case 0x25:
        if (!rd_u32(&c->r, &x) || !check_table(c, x))
            return false;
        if (!pop(c, WASM_I32, &a) || !push(c, m->tables[x].elem_type))
            return false;
        return emit4(c, OP_TABLE_GET, x, a.slot, slot_of(c, c->nvs - 1), 0, 3);
    case 0x26: {
        operand_t v;
        if (!rd_u32(&c->r, &x) || !check_table(c, x))
            return false;
        if (!pop(c, m->tables[x].elem_type, &v) || !pop(c, WASM_I32, &a))
            return false;
        return emit4(c, OP_TABLE_SET, x, a.slot, v.slot, 0, 3);
    }
    case 0x28: return load(c, OP_LOAD32_U, 2, WASM_I32);
    case 0x29: return load(c, OP_LOAD64, 3, WASM_I64);
    case 0x2a: return load(c, OP_LOAD32_U, 2, WASM_F32);
    case 0x2b: return load(c, OP_LOAD64, 3, WASM_F64);
    case 0x2c: return load(c, OP_LOAD8_S, 0, WASM_I32);
    case 0x2d: return load(c, OP_LOAD8_U, 0, WASM_I32);
    case 0x2e: return load(c, OP_LOAD16_S, 1, WASM_I32);
    case 0x2f: return load(c, OP_LOAD16_U, 1, WASM_I32);
    case 0x30: return load(c, OP_LOAD8_S, 0, WASM_I64);
    case 0x31: return load(c, OP_LOAD8_U, 0, WASM_I64);
    case 0x32: return load(c, OP_LOAD16_S, 1, WASM_I64);
    case 0x33: return load(c, OP_LOAD16_U, 1, WASM_I64);
    case 0x34: return load(c, OP_LOAD32_S, 2, WASM_I64);
    case 0x35: return load(c, OP_LOAD32_U, 2, WASM_I64);
    case 0x36: return store(c, OP_STORE32, 2, WASM_I32);
    case 0x37: return store(c, OP_STORE64, 3, WASM_I64);
    case 0x38: return store(c, OP_STORE32, 2, WASM_F32);
    case 0x39: return store(c, OP_STORE64, 3, WASM_F64);
    case 0x3a: return store(c, OP_STORE8, 0, WASM_I32);
    case 0x3b: return store(c, OP_STORE16, 1, WASM_I32);
    case 0x3c: return store(c, OP_STORE8, 0, WASM_I64);
    case 0x3d: return store(c, OP_STORE16, 1, WASM_I64);
    case 0x3e: return store(c, OP_STORE32, 2, WASM_I64);
    case 0x3f:
        if (!zero_byte(c))
            return false;
        if (m->nmemories == 0)
            return fail(c, "unknown memory");
        if (!push(c, WASM_I32))
            return false;
        return emit4(c, OP_MEMORY_SIZE, slot_of(c, c->nvs - 1), 0, 0, 0, 2);
    case 0x40:
        if (!zero_byte(c))
            return false;
        if (m->nmemories == 0)
            return fail(c, "unknown memory");
        if (!pop(c, WASM_I32, &a) || !push(c, WASM_I32))
            return false;
        return emit4(c, OP_MEMORY_GROW, a.slot, slot_of(c, c->nvs - 1), 0, 0, 2);
    case 0x41: {
        int32_t v;
        return rd_s32(&c->r, &v) && op_const(c, WASM_I32, (uint32_t)v);
    }
    case 0x42: {
        int64_t v;
        return rd_s64(&c->r, &v) && op_const(c, WASM_I64, (uint64_t)v);
    }
    case 0x43: {
        uint32_t v;
        return rd_fixed32(&c->r, &v) && op_const(c, WASM_F32, v);
    }
    case 0x44: {
        uint64_t v;
        return rd_fixed64(&c->r, &v) && op_const(c, WASM_F64, v);
    }
    case 0xa7: case 0xbc: case 0xbd: case 0xbe: case 0xbf: {
        /* Same bits, new type: no code. */
        numsig_t sig = num_sig(op);
        if (!pop(c, sig.in1, &a))
            return false;
        return push_at(c, sig.out, a.slot);
    }
    case 0xd0: {
        uint8_t t;
        if (!rd_byte(&c->r, &t))
            return false;
        if (t != WASM_FUNCREF && t != WASM_EXTERNREF)
            return rd_fail(&c->r, WASM_ERR_MALFORMED, "malformed reference type");
        return op_const(c, t, 0);
    }
    case 0xd1:
        if (!pop(c, T_ANY, &a))
            return false;
        if (a.type != T_ANY && !is_ref(a.type))
            return fail(c, "type mismatch");
        if (!push(c, WASM_I32))
            return false;
        return emit4(c, OP_REF_IS_NULL, a.slot, slot_of(c, c->nvs - 1), 0, 0, 2);
    case 0xd2:
        if (!rd_u32(&c->r, &x))
            return false;
        if (x >= m->nfuncs)
            return fail(c, "unknown function");
        if (!m->declared_refs[x])
            return fail(c, "undeclared function reference");
        if (!push(c, WASM_FUNCREF))
            return false;
        return emit4(c, OP_REF_FUNC, x, slot_of(c, c->nvs - 1), 0, 0, 2);
    case 0xfc:
        return op_prefixed(c);
    case 0xfd:
        return simd_instruction(c);
    default:
        if (op >= 0x45 && op <= 0xc4)
            return numeric(c, OP_NUM + (op - 0x45), num_sig(op));
        return rd_fail(&c->r, WASM_ERR_MALFORMED, "illegal opcode");
    }
}

wasm_result_t wasm_compile_func(wasm_module_t *m, uint32_t index, const char **error)
{
    cc_t c;
    memset(&c, 0, sizeof c);
    wasm_funcdef_t *f = &m->funcs[index];
    c.m = m;
    c.f = f;
    c.ft = &m->types[f->type];
    c.r = (wasm_reader_t){f->body, f->body + f->body_len, WASM_OK, NULL};
    c.handlers = wasm_interp_handlers();
    c.nlocals = f->nlocals;
    c.last_op = -1;
    c.last_dst = -1;
    c.prev_op = -1;
    c.prev_dst = -1;
    frame_t top;
    memset(&top, 0, sizeof top);
    top.bt_kind = BT_TYPE;
    top.bt = f->type;
    bool ok = push_frame(&c, CTL_FUNC, &top) && simd_func_entry(&c);
    while (ok && c.nctl > 0) {
        uint8_t op;
        ok = rd_byte(&c.r, &op) && instruction(&c, op);
    }
    if (ok && c.r.p != c.r.end)
        ok = rd_fail(&c.r, WASM_ERR_MALFORMED, "section size mismatch");
    if (ok && c.ncode == 0)
        ok = emit(&c, OP_RETURN, 1) != NULL; /* a function that is all dead code still needs an exit */
    if (ok) {
        for (size_t i = 0; i < c.nrelocs; i++)
            c.code[c.relocs[i]].op = &c.code[c.code[c.relocs[i]].u64];
        f->code = c.code;
        f->code_len = c.ncode;
        uint32_t slots = c.nlocals + c.max_height;
        f->frame_slots = slots > c.ft->nresults ? slots : c.ft->nresults;
        c.code = NULL;
    }
    wasm_free(c.code);
    wasm_free(c.relocs);
    wasm_free(c.vs);
    wasm_free(c.ctl);
    if (ok)
        return WASM_OK;
    *error = c.r.error ? c.r.error : "invalid function";
    return c.r.result != WASM_OK ? c.r.result : WASM_ERR_INVALID;
}
