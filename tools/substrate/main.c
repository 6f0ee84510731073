/*
 * substrate: the project's host command-line tool.
 *
 * One binary with one subcommand per job, so the SDK ships a single program.
 * Invoked under the name `microkit` it behaves exactly as `substrate build`,
 * which keeps seL4 Microkit's command line working unchanged.
 *
 * A job whose sources are not part of this build is declared weak; it is then
 * reported as missing rather than failing the link of every other job.
 */
#include <stdio.h>
#include <string.h>

#include "tools/substrate/commands.h"

#pragma weak cmd_build
#pragma weak cmd_check
#pragma weak cmd_fs
#pragma weak cmd_wasm

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"build", cmd_build, "build a bootable image from a system description (Microkit's command line)"},
    {"check", cmd_check, "report a system's mappings, channels and information flows; check a policy"},
    {"fs", cmd_fs, "make, inspect and change filesystem images"},
    {"wasm", cmd_wasm, "run WebAssembly modules and the core specification tests"},
};

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int usage(FILE *out)
{
    fprintf(out, "usage: substrate COMMAND [ARGS...]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-6s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n`substrate COMMAND --help` describes one command.\n");
    return out == stdout ? 0 : 2;
}

static int run_command(const struct command *c, int argc, char **argv)
{
    if (!c->run) {
        fprintf(stderr, "substrate: the '%s' command is not part of this build\n", c->name);
        return 1;
    }
    return c->run(argc, argv);
}

int main(int argc, char **argv)
{
    if (argc > 0 && strcmp(base_name(argv[0]), "microkit") == 0) {
        argv[0] = "build";
        return run_command(&commands[0], argc, argv);
    }
    if (argc < 2)
        return usage(stderr);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)
        return usage(stdout);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return run_command(&commands[i], argc - 1, argv + 1);
    fprintf(stderr, "substrate: unknown command '%s'\n", argv[1]);
    return usage(stderr);
}
