/* The pieces of `substrate wasm`. */
#ifndef SUBSTRATE_TOOLS_WASM_WASM_TOOL_H
#define SUBSTRATE_TOOLS_WASM_WASM_TOOL_H

#include <stddef.h>
#include <stdint.h>

int wasm_spectest_main(int argc, char **argv);
int wasm_run_main(int argc, char **argv);
/* The whole file, NUL-terminated, or NULL; free() it. */
uint8_t *wasm_tool_read_file(const char *path, size_t *len);

#endif
