/* SPDX-License-Identifier: MIT */
/* hv xml — validate a domain XML file (--check) or print it normalised (--dump: parse, then
 * serialise the resulting config, which shows how libhv understood it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hv_tool.h"

static void xml_usage(FILE *f)
{
    fprintf(f, "usage: hv xml --check FILE...\n"
               "       hv xml --dump FILE\n"
               "  --check   validate each domain XML file; errors name the line\n"
               "  --dump    print the configuration libhv reads from FILE, as XML\n");
}

int hv_cmd_xml(int argc, char **argv)
{
    if (argc < 3) {
        if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            xml_usage(stdout);
            return 0;
        }
        xml_usage(stderr);
        return 2;
    }
    int dump = !strcmp(argv[1], "--dump");
    if (!dump && strcmp(argv[1], "--check")) {
        xml_usage(stderr);
        return 2;
    }
    int status = 0;
    for (int i = 2; i < argc; i++) {
        struct hv_config cfg;
        char err[512];
        int rc = hv_config_from_xml_file(&cfg, argv[i], err, sizeof(err));
        if (rc < 0) {
            fprintf(stderr, "%s\n", err);     /* the message names the file */
            status = 1;
            continue;
        }
        if (dump) {
            char *xml = NULL;
            rc = hv_config_to_xml(&cfg, &xml);
            if (rc < 0) {
                fprintf(stderr, "%s: cannot serialise: %s\n", argv[i], hv_strerror(rc));
                status = 1;
            } else {
                fputs(xml, stdout);
                free(xml);
            }
        } else {
            printf("%s: ok\n", argv[i]);
        }
        hv_config_dispose(&cfg);
    }
    return status;
}
