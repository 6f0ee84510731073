/*
 * libFuzzer target for the spec-test JSON reader (tools/wasm/json.c), the
 * parser `substrate wasm spectest` runs on wast2json's command lists.
 *
 * Any input must parse or be refused with an error message, without a crash,
 * a leak or undefined behaviour. An accepted document must be a well-formed
 * tree: known kinds, NUL-terminated strings of the stated length, members
 * (and only members) with keys, no deeper than the reader's limit, and
 * every lookup the spec-test runner makes on it must be safe.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/wasm/json.h"

static void check_tree(const json_node_t *n, bool in_object, int depth)
{
    if (depth > 70)
        abort(); /* the reader's depth limit is 64 */
    if (n->kind > JSON_OBJECT)
        abort();
    if (in_object != (n->key != NULL))
        abort();
    if (n->kind == JSON_STRING || n->kind == JSON_NUMBER) {
        if (n->str == NULL || n->str[n->len] != '\0')
            abort();
        if (n->kind == JSON_NUMBER && strlen(n->str) != n->len)
            abort();
    }
    if (n->kind != JSON_ARRAY && n->kind != JSON_OBJECT && n->child != NULL)
        abort();
    for (const json_node_t *c = n->child; c; c = c->next)
        check_tree(c, n->kind == JSON_OBJECT, depth + 1);
    /* The runner's lookups: command fields, then values inside them. */
    if (n->kind == JSON_OBJECT) {
        static const char *const keys[] = {"type", "value", "filename", "line", "name", "as", "action",
                                           "expected", "args", "field", "module", "commands"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            const json_node_t *m = json_get(n, keys[i]);
            const char *s = json_str(n, keys[i]);
            if (s && (m == NULL || m->kind != JSON_STRING || s != m->str))
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *error = NULL;
    json_node_t *root = json_parse((const char *)data, size, &error);
    if (root == NULL) {
        if (error == NULL || error[0] == '\0')
            abort();
        return 0;
    }
    /* A NUL byte is never JSON outside a string; the reader must not take one. */
    if (root->kind == JSON_NUMBER && memchr(data, 0, size) != NULL)
        abort();
    check_tree(root, false, 0);
    json_free(root);
    return 0;
}
