/* SPDX-License-Identifier: MIT */
/* hv tool — shared declarations of the command-line program's subcommands. */
#ifndef HV_TOOL_H
#define HV_TOOL_H

#include <stdio.h>
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
int hv_cmd_fuzz(int argc, char **argv);      /* cmd_fuzz.c */

/* Parse a command-line number strictly (tool_util.c): decimal or 0x-hex digits only, at most
 * `max`. Returns 0, or -1 for a sign, blank, junk, overflow or a value above max. */
int hv_tool_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* RISC-V exception cause name; and a note on stderr when `kernel` (may be NULL) is not an
 * ELF file, so a fault right at the start is explained (tool_util.c). */
const char *hv_tool_cause_name(uint64_t cause);
void hv_tool_kernel_hint(const char *kernel);

/* --net SPEC (net_opt.c): append a NIC to cfg ("none" removes them all). -1 with the
 * reason in why[len] when SPEC is malformed. */
int hv_tool_parse_net(const char *spec, struct hv_config *cfg, char *why, size_t len);

/* Run an already created VM to completion on one thread per vCPU (budget: instructions per
 * run call, 0 = none); prints nothing on success. Returns the process exit status: the
 * guest's exit code on power-off. */
int hv_tool_run_vm(hv_vm *vm, const struct hv_config *cfg, uint64_t budget, int stats);

/* Run an already created VM under the GDB stub listening on `listen` (gdb_run.c). */
int hv_tool_run_gdb(hv_vm *vm, const char *listen, int wait);

/* ---- interactive runs: the run loop's controls (cmd_run.c) -------------------------------
 * `hv run` drives each vCPU on its own thread. The console (console.c) and the monitor
 * (monitor.c) act on the VM through these: a pause kicks every vCPU and waits until all of
 * them are parked outside hv_vcpu_run, so register, statistics and snapshot calls are
 * allowed until the matching resume. Pauses nest (the monitor's `stop` holds one). */
struct hv_tool_run;
hv_vm *hv_tool_run_vm_of(struct hv_tool_run *r);
unsigned hv_tool_run_nr_vcpus(struct hv_tool_run *r);
hv_vcpu *hv_tool_run_vcpu(struct hv_tool_run *r, unsigned i);
/* 0 once every vCPU is parked; -1 when the run is ending (nothing to resume then). */
int hv_tool_pause(struct hv_tool_run *r);
void hv_tool_resume(struct hv_tool_run *r);
/* The monitor's stop / cont: one pause held until `cont`; both idempotent. */
int hv_tool_user_stop(struct hv_tool_run *r);
void hv_tool_user_cont(struct hv_tool_run *r);
int hv_tool_user_stopped(struct hv_tool_run *r);
/* End the run; `hv run` exits with `status` (escape x, monitor quit). */
void hv_tool_quit(struct hv_tool_run *r, int status);
/* One line per vCPU of execution statistics ("vcpu0: instructions N exits N ..."), as
 * --stats prints them; the caller pauses (or the run is over). */
void hv_tool_print_stats(struct hv_tool_run *r, FILE *f);

/* ---- the monitor (monitor.c): one command per line, one reply line per command ------------ */
/* Execute one command line; the reply (no newline) is "ok" with optional " key=value"
 * fields, or "error: reason". Blank lines give an empty reply (nothing to send). */
void hv_monitor_exec(struct hv_tool_run *r, const char *line, char *reply, size_t len);
/* The commands, one line, for `help` and the console's monitor banner. */
extern const char hv_monitor_help[];
/* Serve the protocol on a unix stream socket at `path` (one client at a time, others wait)
 * on a thread of its own; prints the reason and returns -1 on failure. */
struct hv_monitor;
int hv_monitor_open(const char *path, struct hv_tool_run *r, struct hv_monitor **out);
/* Stop serving, remove the socket file; NULL accepted. */
void hv_monitor_close(struct hv_monitor *m);
/* Block until fd is readable (or hung up): 1; or until wake_fd is (a self-pipe written to
 * end a thread) or poll fails: 0. */
int hv_tool_wait_readable(int fd, int wake_fd);

/* ---- the interactive console (console.c) -------------------------------------------------
 * When the serial port is stdio and stdin is a terminal, `hv run` owns the terminal (the
 * library never touches terminal modes): the serial chardev becomes a BUFFER whose output
 * goes to stdout, a thread reads stdin in raw mode, handles the escape key and feeds the
 * rest to the guest with hv_vm_console_input. */
#define HV_CONSOLE_NO_ESCAPE (-1)
struct hv_console_opts {
    int escape;                 /* escape byte (default 0x01, C-a) or HV_CONSOLE_NO_ESCAPE */
    const char *snap_file;      /* where C-a s / C-a r save and restore */
};
/* Parse "^A", "C-a", "0x1d", a single character, or "none". -1 if invalid. */
int hv_console_parse_escape(const char *s, int *out);
/* Does this configuration get the interactive console (stdio serial, stdin a terminal)? */
int hv_console_wanted(const struct hv_config *cfg);
/* Turn cfg's stdio serial into the BUFFER the console feeds (before hv_vm_create). */
void hv_console_prepare(struct hv_config *cfg);
/* Raw mode on, input thread started; -1 (message printed) on failure. */
int hv_console_start(struct hv_tool_run *r, const struct hv_console_opts *o);
/* Input thread stopped, terminal restored (also called from every exit path). */
void hv_console_stop(void);
/* Put the terminal back as it was; async-signal-safe (for signal handlers). */
void hv_console_restore_terminal(void);

#endif
