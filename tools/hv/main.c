/* SPDX-License-Identifier: MIT */
/* hv — the libhv command-line program: run a VM from flags or domain XML, check XML, print
 * the version. Subcommands live in their own files (cmd_*.c) and are dispatched from here. */
#include <stdio.h>
#include <string.h>
#include "hv/hv.h"
#include "hv_tool.h"

static const struct hv_tool_cmd commands[] = {
    { "run", "run a VM (from flags or a domain XML file)", hv_cmd_run },
    { "xml", "check or convert domain XML", hv_cmd_xml },
    { "fuzz", "snapshot-fuzz a guest (an AFL++ target, or on files)", hv_cmd_fuzz },
    { "bench", "benchmark workloads on each backend side by side", hv_cmd_bench },
    { "version", "print the libhv version", hv_cmd_version },
};

static void usage(FILE *f)
{
    fprintf(f, "usage: hv <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\n'hv <command> --help' describes a command's options.\n");
}

int hv_cmd_version(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: hv version\nPrint the version of the libhv library in use.\n");
        return 0;
    }
    printf("hv %s (libhv %s, API %d.%d.%d)\n", HV_VERSION_STRING, hv_version_string(),
           HV_VERSION_MAJOR, HV_VERSION_MINOR, HV_VERSION_PATCH);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version"))
        return hv_cmd_version(1, argv);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "hv: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
