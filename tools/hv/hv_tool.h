/* hv tool — shared declarations of the command-line program's subcommands. */
#ifndef HV_TOOL_H
#define HV_TOOL_H

#include "hv/hv.h"

struct hv_tool_cmd {
    const char *name;
    const char *help;
    int (*fn)(int argc, char **argv);   /* argv[0] is the command name; returns exit status */
};

int hv_cmd_run(int argc, char **argv);
int hv_cmd_xml(int argc, char **argv);
int hv_cmd_bench(int argc, char **argv);     /* cmd_bench.c */
int hv_cmd_version(int argc, char **argv);

/* --net SPEC (net_opt.c): append a NIC to cfg ("none" removes them all). -1 with the
 * reason in why[len] when SPEC is malformed. */
int hv_tool_parse_net(const char *spec, struct hv_config *cfg, char *why, size_t len);

/* Run an already created VM to completion on one thread per vCPU (budget: instructions per
 * run call, 0 = none); prints nothing on success. Returns the process exit status: the
 * guest's exit code on power-off. */
int hv_tool_run_vm(hv_vm *vm, const struct hv_config *cfg, uint64_t budget, int stats);

/* Run an already created VM under the GDB stub listening on `listen` (gdb_run.c). */
int hv_tool_run_gdb(hv_vm *vm, const char *listen, int wait);

#endif
