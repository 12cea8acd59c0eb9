/* SPDX-License-Identifier: MIT */
/* hv run --gdb PORT [--gdb-wait]: run the VM under libhv's GDB stub (127.0.0.1 only) and
 * turn its final exit into the same process exit status as a normal run. */
#include <stdio.h>
#include "hv_tool.h"

int hv_tool_run_gdb(hv_vm *vm, const char *listen, int wait)
{
    hv_gdb *gdb;
    int rc = hv_gdb_open(vm, listen, &gdb);
    if (rc < 0) {
        fprintf(stderr, "hv run: %s\n", hv_vm_last_error(vm));
        return 125;
    }
    fprintf(stderr, "hv run: gdb stub listening on 127.0.0.1:%d%s\n", hv_gdb_port(gdb),
            wait ? " (waiting for gdb)" : "");
    struct hv_exit ex;
    rc = hv_gdb_serve(gdb, wait, &ex);
    hv_gdb_close(gdb);
    if (rc < 0) {
        fprintf(stderr, "hv run: gdb stub: %s (%s)\n", hv_vm_last_error(vm), hv_strerror(rc));
        return 125;
    }
    int code = ex.u.shutdown.code;
    switch (ex.reason) {
    case HV_EXIT_SHUTDOWN:
    case HV_EXIT_CRASH:
        return code == 0 ? 0 : (code & 0xff) ? code & 0xff : 1;
    case HV_EXIT_REBOOT:
        return 0;
    case HV_EXIT_KICK:
        fprintf(stderr, "hv run: killed from gdb at pc %#llx\n", (unsigned long long)ex.pc);
        return 137;
    default:
        fprintf(stderr, "hv run: vCPU stopped (exit reason %d) at pc %#llx\n", (int)ex.reason,
                (unsigned long long)ex.pc);
        return 125;
    }
}
