/*
 * The spec-test runner on its own, built under ASan and UBSan so the whole
 * core test suite doubles as a memory-safety test of lib/wasm.
 */
#include "tools/wasm/wasm_tool.h"

int main(int argc, char **argv) { return wasm_spectest_main(argc, argv); }
