/*
 * wasm_simd_compile: validation and translation of the 0xFD (SIMD)
 * instructions. Not a header of its own: wasm_compile.c includes it once,
 * after its operand-stack and emission helpers, so the SIMD instructions
 * follow exactly the same validation algorithm and slot discipline as the
 * scalar ones without widening the compiler's interface.
 *
 * Every instruction becomes one OP_SIMD instruction (layout in
 * wasm_simd.h). Nothing here trusts the body: lane indices, shuffle
 * patterns, alignments and opcodes are all checked before anything is
 * emitted.
 */

/* Emits one OP_SIMD instruction. Dead code emits nothing. */
static bool simd_emit(cc_t *c, uint32_t sub, uint32_t d, uint32_t a, uint32_t b, uint32_t third, uint32_t imm,
                      uint64_t imm0, uint64_t imm1)
{
    c->m->uses_v128 = true;
    if (dead(c))
        return true;
    wasm_cell_t *p = emit(c, OP_SIMD, WASM_SIMD_CELLS);
    if (!p)
        return false;
    pair(&p[1], sub, d);
    pair(&p[2], a, b);
    pair(&p[3], third, imm);
    p[4].u64 = imm0;
    p[5].u64 = imm1;
    return true;
}

/*
 * At function entry: the interpreter zeroes the low halves of the locals,
 * the code zeroes the high halves of the v128 ones. Also records that the
 * module needs the high stack if v128 values cross its calls.
 */
static bool simd_func_entry(cc_t *c)
{
    for (uint32_t i = 0; i < c->ft->nparams + c->ft->nresults; i++)
        if (c->ft->types[i] == WASM_V128)
            c->m->uses_v128 = true;
    for (uint32_t i = c->ft->nparams; i < c->nlocals; i++)
        if (local_type(c, i) == WASM_V128 && !simd_emit(c, WASM_SIMD_X_ZERO_HI, i, 0, 0, 0, 0, 0, 0))
            return false;
    return true;
}

static uint32_t simd_dst(const cc_t *c) { return slot_of(c, c->nvs - 1); }

static bool simd_unary(cc_t *c, uint32_t sub, uint8_t in, uint8_t out)
{
    operand_t a;
    if (!pop(c, in, &a) || !push(c, out))
        return false;
    return simd_emit(c, sub, simd_dst(c), a.slot, 0, 0, 0, 0, 0);
}

static bool simd_binary(cc_t *c, uint32_t sub, uint8_t in2)
{
    operand_t a, b;
    if (!pop(c, in2, &b) || !pop(c, WASM_V128, &a) || !push(c, WASM_V128))
        return false;
    return simd_emit(c, sub, simd_dst(c), a.slot, b.slot, 0, 0, 0, 0);
}

static bool simd_lane(cc_t *c, uint32_t lanes, uint32_t *lane)
{
    uint8_t b;
    if (!rd_byte(&c->r, &b))
        return false;
    if (b >= lanes)
        return fail(c, "invalid lane index");
    *lane = b;
    return true;
}

/* Loads (incl. splat, extend and zero loads), stores and lane accesses. */
static bool simd_memory(cc_t *c, uint32_t sub, uint32_t natural, uint32_t lanes, bool is_store, bool has_lane)
{
    uint32_t off, lane = 0;
    operand_t addr, v = {WASM_V128, 0};
    if (!read_memarg(c, natural, &off))
        return false;
    if (has_lane && !simd_lane(c, lanes, &lane))
        return false;
    if ((is_store || has_lane) && !pop(c, WASM_V128, &v))
        return false;
    if (!pop(c, WASM_I32, &addr))
        return false;
    if (is_store)
        return simd_emit(c, sub, 0, addr.slot, v.slot, 0, lane, off, 0);
    if (!push(c, WASM_V128))
        return false;
    return simd_emit(c, sub, simd_dst(c), addr.slot, v.slot, 0, lane, off, 0);
}

static bool simd_bytes16(cc_t *c, uint64_t *lo, uint64_t *hi) { return rd_fixed64(&c->r, lo) && rd_fixed64(&c->r, hi); }

/* Operand shapes of 0x60..0xff: unary, binary, shift, test (v128 -> i32), or no instruction. */
static const char simd_shapes[161] = "uuuttbbuuuusssbb"
                                     "bbbbuubbbbubuuuu"
                                     "uubttbbuuuusssbb"
                                     "bbbbubbbbbxbbbbb"
                                     "uuxttxxuuuusssbx"
                                     "xbxxxbbbbbbxbbbb"
                                     "uuxttxxuuuusssbx"
                                     "xbxxxbbbbbbbbbbb"
                                     "uuxubbbbbbbbuuxu"
                                     "bbbbbbbbuuuuuuuu";

static bool simd_instruction(cc_t *c)
{
    static const uint8_t splat_type[6] = {WASM_I32, WASM_I32, WASM_I32, WASM_I64, WASM_F32, WASM_F64};
    /* extract/replace lane, 0x15..0x22: lanes and scalar type */
    static const uint8_t lane_count[14] = {16, 16, 16, 8, 8, 8, 4, 4, 2, 2, 4, 4, 2, 2};
    static const uint8_t lane_type[14] = {WASM_I32, WASM_I32, WASM_I32, WASM_I32, WASM_I32, WASM_I32, WASM_I32,
                                          WASM_I32, WASM_I64, WASM_I64, WASM_F32, WASM_F32, WASM_F64, WASM_F64};
    static const uint8_t replace[14] = {0, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
    uint32_t sub;
    uint64_t lo, hi;
    operand_t a, b, m;
    if (!rd_u32(&c->r, &sub))
        return false;
    c->m->uses_v128 = true;
    if (sub <= 0x06)
        return simd_memory(c, sub, sub == 0 ? 4 : 3, 0, false, false);
    if (sub <= 0x0a)
        return simd_memory(c, sub, sub - 0x07, 0, false, false);
    if (sub == 0x0b)
        return simd_memory(c, sub, 4, 0, true, false);
    if (sub == 0x0c) {
        if (!simd_bytes16(c, &lo, &hi) || !push(c, WASM_V128))
            return false;
        return simd_emit(c, sub, simd_dst(c), 0, 0, 0, 0, lo, hi);
    }
    if (sub == 0x0d) {
        uint8_t lanes[16];
        if (!simd_bytes16(c, &lo, &hi))
            return false;
        memcpy(lanes, &lo, 8);
        memcpy(lanes + 8, &hi, 8);
        for (int i = 0; i < 16; i++)
            if (lanes[i] >= 32)
                return fail(c, "invalid lane index");
        if (!pop(c, WASM_V128, &b) || !pop(c, WASM_V128, &a) || !push(c, WASM_V128))
            return false;
        return simd_emit(c, sub, simd_dst(c), a.slot, b.slot, 0, 0, lo, hi);
    }
    if (sub == 0x0e)
        return simd_binary(c, sub, WASM_V128);
    if (sub <= 0x14)
        return simd_unary(c, sub, splat_type[sub - 0x0f], WASM_V128);
    if (sub <= 0x22) {
        uint32_t k = sub - 0x15, lane;
        if (!simd_lane(c, lane_count[k], &lane))
            return false;
        if (!replace[k]) {
            if (!pop(c, WASM_V128, &a) || !push(c, lane_type[k]))
                return false;
            return simd_emit(c, sub, simd_dst(c), a.slot, 0, 0, lane, 0, 0);
        }
        if (!pop(c, lane_type[k], &b) || !pop(c, WASM_V128, &a) || !push(c, WASM_V128))
            return false;
        return simd_emit(c, sub, simd_dst(c), a.slot, b.slot, 0, lane, 0, 0);
    }
    if (sub <= 0x4c)
        return simd_binary(c, sub, WASM_V128);
    if (sub == 0x4d)
        return simd_unary(c, sub, WASM_V128, WASM_V128);
    if (sub <= 0x51)
        return simd_binary(c, sub, WASM_V128);
    if (sub == 0x52) {
        if (!pop(c, WASM_V128, &m) || !pop(c, WASM_V128, &b) || !pop(c, WASM_V128, &a) || !push(c, WASM_V128))
            return false;
        return simd_emit(c, sub, simd_dst(c), a.slot, b.slot, m.slot, 0, 0, 0);
    }
    if (sub == 0x53)
        return simd_unary(c, sub, WASM_V128, WASM_I32);
    if (sub <= 0x57)
        return simd_memory(c, sub, sub - 0x54, 16u >> (sub - 0x54), false, true);
    if (sub <= 0x5b)
        return simd_memory(c, sub, sub - 0x58, 16u >> (sub - 0x58), true, true);
    if (sub <= 0x5d)
        return simd_memory(c, sub, sub == 0x5c ? 2 : 3, 0, false, false);
    if (sub <= 0x5f)
        return simd_unary(c, sub, WASM_V128, WASM_V128);
    if (sub <= 0xff) {
        switch (simd_shapes[sub - 0x60]) {
        case 'u': return simd_unary(c, sub, WASM_V128, WASM_V128);
        case 'b': return simd_binary(c, sub, WASM_V128);
        case 's': return simd_binary(c, sub, WASM_I32);
        case 't': return simd_unary(c, sub, WASM_V128, WASM_I32);
        default: break;
        }
    }
    return rd_fail(&c->r, WASM_ERR_MALFORMED, "illegal opcode");
}
