/*
 * XML to element tree, with expat.
 *
 * expat reports events; this file turns them into the flat tree of
 * sdf_xml.h. It owns every string in the tree. The reader refuses what a
 * system description never needs and what makes XML dangerous to read: a
 * DOCTYPE (and with it every entity declaration, so no entity expansion can
 * blow up), text between elements, nesting deeper than SDF_XML_MAX_DEPTH and
 * more than SDF_XML_MAX_NODES elements. The first problem stops the parse;
 * on any error the partly built tree is freed, so the caller sees either a
 * whole tree or nothing.
 */
#include "tools/sdf/sdf_xml.h"

#include <expat.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    XML_Parser parser;
    const char *file_name;
    FILE *diag;
    sdf_xml_t *xml;
    uint32_t current; /* open element, or SDF_XML_NONE */
    unsigned depth;
    bool failed;      /* an error has been reported */
} reader_t;

static char *copy_string(const char *s)
{
    size_t n = strlen(s);
    char *c = malloc(n + 1);
    if (c)
        memcpy(c, s, n + 1);
    return c;
}

/* Reports an error at the parser's current position and stops the parse. */
static void reader_fail(reader_t *r, const char *what)
{
    if (r->failed)
        return;
    r->failed = true;
    fprintf(r->diag, "%s:%lu:%lu: error: %s\n", r->file_name,
            (unsigned long)XML_GetCurrentLineNumber(r->parser),
            (unsigned long)XML_GetCurrentColumnNumber(r->parser) + 1, what);
    XML_StopParser(r->parser, XML_FALSE);
}

static void free_node(sdf_xml_node_t *n)
{
    free(n->name);
    for (size_t i = 0; i < n->attr_count; i++) {
        free(n->attrs[i].name);
        free(n->attrs[i].value);
    }
    free(n->attrs);
}

static bool fill_attrs(sdf_xml_node_t *n, const XML_Char **atts)
{
    size_t count = 0;
    while (atts[2 * count])
        count++;
    if (count == 0)
        return true;
    n->attrs = calloc(count, sizeof *n->attrs);
    if (!n->attrs)
        return false;
    for (size_t i = 0; i < count; i++) {
        n->attrs[i].name = copy_string(atts[2 * i]);
        n->attrs[i].value = copy_string(atts[2 * i + 1]);
        n->attr_count = i + 1;
        if (!n->attrs[i].name || !n->attrs[i].value)
            return false;
    }
    return true;
}

static void XMLCALL on_start(void *data, const XML_Char *name, const XML_Char **atts)
{
    reader_t *r = data;
    sdf_xml_t *xml = r->xml;
    if (r->failed)
        return;
    if (r->depth >= SDF_XML_MAX_DEPTH) {
        reader_fail(r, "elements are nested too deeply; a system description nests only "
                       "protection domains, at most 63 of them");
        return;
    }
    if (xml->count >= SDF_XML_MAX_NODES) {
        reader_fail(r, "too many elements; split the system or remove repeated elements");
        return;
    }
    if (xml->count == xml->capacity) {
        size_t cap = xml->capacity ? xml->capacity * 2 : 64;
        sdf_xml_node_t *grown = realloc(xml->nodes, cap * sizeof *grown);
        if (!grown) {
            reader_fail(r, "out of memory");
            return;
        }
        xml->nodes = grown;
        xml->capacity = cap;
    }
    uint32_t index = (uint32_t)xml->count;
    sdf_xml_node_t *n = &xml->nodes[index];
    memset(n, 0, sizeof *n);
    n->parent = r->current;
    n->first_child = n->last_child = n->next_sibling = SDF_XML_NONE;
    n->line = (uint32_t)XML_GetCurrentLineNumber(r->parser);
    n->column = (uint32_t)XML_GetCurrentColumnNumber(r->parser) + 1;
    xml->count++;
    n->name = copy_string(name);
    if (!n->name || !fill_attrs(n, atts)) {
        reader_fail(r, "out of memory");
        return;
    }
    if (r->current != SDF_XML_NONE) {
        sdf_xml_node_t *p = &xml->nodes[r->current];
        if (p->last_child == SDF_XML_NONE)
            p->first_child = index;
        else
            xml->nodes[p->last_child].next_sibling = index;
        p->last_child = index;
    }
    r->current = index;
    r->depth++;
}

static void XMLCALL on_end(void *data, const XML_Char *name)
{
    reader_t *r = data;
    (void)name;
    if (r->failed || r->current == SDF_XML_NONE)
        return;
    r->current = r->xml->nodes[r->current].parent;
    r->depth--;
}

static void XMLCALL on_text(void *data, const XML_Char *s, int len)
{
    reader_t *r = data;
    if (r->failed)
        return;
    /* Point at the offending character itself, not at the start of the chunk. */
    unsigned long line = XML_GetCurrentLineNumber(r->parser);
    unsigned long column = XML_GetCurrentColumnNumber(r->parser) + 1;
    for (int i = 0; i < len; i++) {
        if (s[i] == '\n') {
            line++;
            column = 1;
            continue;
        }
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') {
            r->failed = true;
            fprintf(r->diag, "%s:%lu:%lu: error: unexpected text; a system description holds "
                             "only elements and attributes, so put values in attributes or in "
                             "<!-- comments -->\n", r->file_name, line, column);
            XML_StopParser(r->parser, XML_FALSE);
            return;
        }
        column++;
    }
}

static void XMLCALL on_doctype(void *data, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    reader_fail(data, "DOCTYPE declarations are not allowed in a system description; remove it");
}

static void XMLCALL on_entity(void *data, const XML_Char *entity_name, int is_parameter_entity,
                              const XML_Char *value, int value_length, const XML_Char *base,
                              const XML_Char *system_id, const XML_Char *public_id,
                              const XML_Char *notation_name)
{
    (void)entity_name;
    (void)is_parameter_entity;
    (void)value;
    (void)value_length;
    (void)base;
    (void)system_id;
    (void)public_id;
    (void)notation_name;
    reader_fail(data, "entity declarations are not allowed in a system description; remove it");
}

void sdf_xml_free(sdf_xml_t *xml)
{
    for (size_t i = 0; i < xml->count; i++)
        free_node(&xml->nodes[i]);
    free(xml->nodes);
    memset(xml, 0, sizeof *xml);
}

static bool feed(reader_t *r, const char *buf, size_t len)
{
    /* XML_Parse takes an int length, so a huge buffer goes in slices. */
    do {
        size_t slice = len > (size_t)INT_MAX / 2 ? (size_t)INT_MAX / 2 : len;
        bool last = slice == len;
        if (XML_Parse(r->parser, buf, (int)slice, last) != XML_STATUS_OK)
            return false;
        buf += slice;
        len -= slice;
    } while (len > 0);
    return true;
}

int sdf_xml_read(const char *file_name, const char *buf, size_t len, sdf_xml_t *out, FILE *diag)
{
    memset(out, 0, sizeof *out);
    reader_t r = {.file_name = file_name, .diag = diag, .xml = out, .current = SDF_XML_NONE};
    r.parser = XML_ParserCreate(NULL);
    if (!r.parser) {
        fprintf(diag, "%s: error: out of memory\n", file_name);
        return -1;
    }
    XML_SetUserData(r.parser, &r);
    XML_SetElementHandler(r.parser, on_start, on_end);
    XML_SetCharacterDataHandler(r.parser, on_text);
    XML_SetStartDoctypeDeclHandler(r.parser, on_doctype);
    XML_SetEntityDeclHandler(r.parser, on_entity);

    bool ok = feed(&r, buf, len);
    if (!ok && !r.failed) {
        r.failed = true;
        fprintf(diag, "%s:%lu:%lu: error: malformed XML: %s; fix the XML syntax here\n",
                file_name, (unsigned long)XML_GetCurrentLineNumber(r.parser),
                (unsigned long)XML_GetCurrentColumnNumber(r.parser) + 1,
                XML_ErrorString(XML_GetErrorCode(r.parser)));
    }
    XML_ParserFree(r.parser);
    if (r.failed || out->count == 0) {
        if (!r.failed)
            fprintf(diag, "%s:1:1: error: no root element; a system description is one "
                          "<system> element\n", file_name);
        sdf_xml_free(out);
        return -1;
    }
    return 0;
}

const char *sdf_xml_attr(const sdf_xml_node_t *node, const char *name)
{
    for (size_t i = 0; i < node->attr_count; i++)
        if (strcmp(node->attrs[i].name, name) == 0)
            return node->attrs[i].value;
    return NULL;
}
