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

/* Parse a command-line number strictly (tool_util.c): decimal or 0x-hex digits only, at most
 * `max`. Returns 0, or -1 for a sign, blank, junk, overflow or a value above max. */
int hv_tool_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* RISC-V exception cause name; and a note on stderr when `kernel` (may be NULL) is not an
 * ELF file, so a fault right at the start is explained (tool_util.c). */
const char *hv_tool_cause_name(uint64_t cause);
void hv_tool_kernel_hint(const char *kernel);

/* Run an already created VM to completion on one thread per vCPU (budget: instructions per
 * run call, 0 = none); prints nothing on success. Returns the process exit status: the
 * guest's exit code on power-off. */
int hv_tool_run_vm(hv_vm *vm, const struct hv_config *cfg, uint64_t budget, int stats);

/* Run an already created VM under the GDB stub listening on `listen` (gdb_run.c). */
int hv_tool_run_gdb(hv_vm *vm, const char *listen, int wait);

#endif
