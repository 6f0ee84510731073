/*
 * A small element tree read from XML with expat, for the system description
 * parser. Only what a `.system` file can hold is kept: elements, their
 * attributes and where each element starts. Text content other than white
 * space, DOCTYPE declarations and entity declarations are refused, so the
 * tree is all a later pass has to look at.
 *
 * Nodes live in one flat array and link to each other by index.
 */
#ifndef SUBSTRATE_TOOLS_SDF_XML_H
#define SUBSTRATE_TOOLS_SDF_XML_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SDF_XML_NONE UINT32_MAX
#define SDF_XML_MAX_DEPTH 64       /* deeper nesting is refused (63 PDs at most) */
#define SDF_XML_MAX_NODES 1000000u /* bounds memory on hostile input */

typedef struct {
    char *name;
    char *value;
} sdf_xml_attr_t;

typedef struct {
    char *name;
    sdf_xml_attr_t *attrs;
    size_t attr_count;
    uint32_t parent, first_child, last_child, next_sibling; /* SDF_XML_NONE when absent */
    uint32_t line, column;                                  /* 1-based */
} sdf_xml_node_t;

typedef struct {
    sdf_xml_node_t *nodes; /* nodes[0] is the root element */
    size_t count;
    size_t capacity;
} sdf_xml_t;

/*
 * Reads `len` bytes of XML. On success returns 0 and fills *out; on error
 * prints `FILE:LINE:COLUMN: error: ...` to diag, returns -1 and leaves *out
 * empty.
 */
int sdf_xml_read(const char *file_name, const char *buf, size_t len, sdf_xml_t *out, FILE *diag);
void sdf_xml_free(sdf_xml_t *xml);

/* The value of attribute `name` of node, or NULL. */
const char *sdf_xml_attr(const sdf_xml_node_t *node, const char *name);

#endif
