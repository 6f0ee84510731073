/*
 * Reading and checking a system description (Microkit's `.system` XML) into
 * the model of sdf.h.
 *
 * Every function prints each problem it finds to `diag` as
 *     FILE:LINE:COLUMN: error: what is wrong; what to do
 * and returns non-zero; on error nothing it allocated is left behind and
 * *out is NULL.
 */
#ifndef SUBSTRATE_TOOLS_SDF_PARSE_H
#define SUBSTRATE_TOOLS_SDF_PARSE_H

#include <stddef.h>
#include <stdio.h>

#include "tools/sdf/sdf.h"

/* Reads, parses and validates the description in file `path`. */
int sdf_parse_file(const char *path, sdf_system_t **out, FILE *diag);

/*
 * The same, finding prefill files (memory_region prefill_path) in `dirs` as
 * sdf_resolve_images finds program images. A region with prefill_path and no
 * size then takes the file's length, rounded up to its page size. Without
 * search directories (sdf_parse_file), prefill files are looked for in the
 * current directory, and one that is missing is an error only for a region
 * that has no size; sdf_resolve_images looks for the rest.
 */
int sdf_parse_file_search(const char *path, const char *const *dirs, size_t ndirs,
                          sdf_system_t **out, FILE *diag);

/* The same for `len` bytes at `buf`; `file_name` is used in diagnostics. */
int sdf_parse_buffer(const char *file_name, const char *buf, size_t len, sdf_system_t **out,
                     FILE *diag);

/*
 * Fills every PD's program_image_path: an absolute program_image is used as
 * it is; a relative one is looked up in `dirs` in order (the builder's
 * --search-path), or in the current directory when ndirs is 0. A missing
 * image is an error naming the PD's line. Prefill files not found while
 * parsing are looked for too (see sdf_parse_file_search), and must exist.
 */
int sdf_resolve_images(sdf_system_t *sys, const char *const *dirs, size_t ndirs, FILE *diag);

/* Frees a system returned by the parser; NULL is allowed. */
void sdf_free(sdf_system_t *sys);

#endif
