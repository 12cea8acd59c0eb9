/* SPDX-License-Identifier: MIT */
/* An out-of-tree program using only the installed public API: version check, a config
 * parsed from domain XML and serialised back, guest memory through a real VM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hv/hv.h>

static const char xml[] =
    "<domain type='hv'><name>consumer</name><memory unit='MiB'>16</memory>"
    "<os><type arch='riscv64' machine='virt'>hvm</type><loader>none</loader></os>"
    "<devices><serial type='null'/></devices></domain>";

int main(int argc, char **argv)
{
    if (hv_version() / 100 != HV_VERSION / 100) {
        fprintf(stderr, "header %s vs library %s\n", HV_VERSION_STRING, hv_version_string());
        return 1;
    }
    struct hv_config cfg;
    char err[256];
    if (hv_config_from_xml(&cfg, xml, strlen(xml), err, sizeof err) < 0) {
        fprintf(stderr, "xml: %s\n", err);
        return 1;
    }
    char *out = NULL;
    if (hv_config_to_xml(&cfg, &out) < 0 || !strstr(out, "consumer")) {
        fprintf(stderr, "to_xml failed\n");
        return 1;
    }
    free(out);
    hv_vm *vm;
    int rc = hv_vm_create(&cfg, &vm, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "create: %s (%s)\n", err, hv_err_name(rc));
        return 1;
    }
    const char msg[] = "hello from outside";
    char back[sizeof msg];
    if (hv_vm_mem_write(vm, 0x80001000, msg, sizeof msg) < 0 ||
        hv_vm_mem_read(vm, 0x80001000, back, sizeof back) < 0 || memcmp(msg, back, sizeof msg)) {
        fprintf(stderr, "guest memory round trip failed: %s\n", hv_vm_last_error(vm));
        return 1;
    }
    if (hv_vm_mem_read(vm, 0x80000000 + (16u << 20), back, 1) != HV_EFAULT) {
        fprintf(stderr, "read past RAM did not fail\n");
        return 1;
    }
    hv_vm_destroy(vm);
    hv_config_dispose(&cfg);
    printf("consumer (%s): libhv %s ok\n", argc > 1 ? argv[1] : "?", hv_version_string());
    return 0;
}
