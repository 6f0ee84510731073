/*
 * The subcommands of the `substrate` host tool.
 *
 * Each job lives in its own source file and is handed argv with argv[0] set
 * to the subcommand's name. A command returns the process exit status:
 * 0 for success, 1 for a failure it reported, 2 for a usage error.
 */
#ifndef SUBSTRATE_TOOLS_COMMANDS_H
#define SUBSTRATE_TOOLS_COMMANDS_H

int cmd_build(int argc, char **argv); /* system description -> bootable image */
int cmd_check(int argc, char **argv); /* system description -> report and policy verdict */
int cmd_fs(int argc, char **argv);    /* filesystem images: mkfs, ls, put, get, rm, mkdir, fsck */
int cmd_wasm(int argc, char **argv);  /* WebAssembly: run, spectest */

#endif
