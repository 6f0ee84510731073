/*
 * `substrate wasm`: run WebAssembly command modules (WASI preview 1 subset)
 * and the core specification tests.
 */
#include <stdio.h>
#include <string.h>

#include "tools/substrate/commands.h"
#include "tools/wasm/wasm_tool.h"

static int usage(FILE *out)
{
    fprintf(out, "usage: substrate wasm run FILE.wasm [ARGS...]\n"
                 "       substrate wasm spectest [-v] FILE.json...\n"
                 "\n"
                 "run       run a WASI command module; its exit code is ours\n"
                 "spectest  run core test-suite command files converted by wast2json\n");
    return out == stdout ? 0 : 2;
}

int cmd_wasm(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return usage(stdout);
    if (strcmp(argv[1], "run") == 0)
        return wasm_run_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "spectest") == 0)
        return wasm_spectest_main(argc - 1, argv + 1);
    fprintf(stderr, "substrate wasm: unknown subcommand '%s'\n", argv[1]);
    return usage(stderr);
}
