/*
 * A small JSON reader for the spec-test command lists that wast2json
 * writes. It builds a tree of nodes in one arena-like allocation list and
 * never trusts the input: depth, lengths and escapes are all checked.
 */
#ifndef SUBSTRATE_TOOLS_WASM_JSON_H
#define SUBSTRATE_TOOLS_WASM_JSON_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_kind_t;

typedef struct json_node {
    json_kind_t kind;
    char *key;              /* member name inside an object */
    char *str;              /* string value, or a number's text */
    size_t len;             /* its length (strings may hold NUL) */
    bool truth;
    struct json_node *child; /* first element or member */
    struct json_node *next;  /* next sibling */
} json_node_t;

/* Parses text[0..len); NULL on error (with *error set). Free with json_free. */
json_node_t *json_parse(const char *text, size_t len, const char **error);
void json_free(json_node_t *n);
const json_node_t *json_get(const json_node_t *obj, const char *key);
const char *json_str(const json_node_t *obj, const char *key); /* a string member, or NULL */

#endif
