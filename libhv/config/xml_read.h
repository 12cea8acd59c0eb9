/* SPDX-License-Identifier: MIT */
/* libhv config — what the domain XML reader's files share (xml_read.c: the document, the
 * helpers, <domain>/<os>/<hv:options>; xml_read_dev.c: <devices>). Internal. */
#ifndef HV_CONFIG_XML_READ_H
#define HV_CONFIG_XML_READ_H

#include <stddef.h>
#include <stdint.h>
#include <libxml/tree.h>
#include "hv/hv.h"

enum ns_kind { NS_CORE, NS_HV, NS_OTHER };

/* Reader state for one hv_config_from_xml call. */
struct xr {
    struct hv_config *cfg;
    char *err;
    size_t errlen;
    const xmlNode *root;
    int have_name, have_memory, have_os, have_os_type;
    uint64_t cur_mem;           /* <currentMemory>, checked against <memory> at the end */
    const xmlNode *cur_mem_node;
    int have_serial, have_console;
    struct hv_chardev_config console;
    /* The device being filled while its children are walked. */
    struct hv_chardev_config *chr;
    const char *chr_elem;       /* "serial" or "console", for messages */
    int chr_has_source;
    struct hv_disk_config *disk;
    int disk_memory, disk_has_source, disk_has_size;
    struct hv_net_config *nic;
    struct hv_net_hostfwd fwd;  /* <portForward> being read: protocol and host address */
};


typedef int (*elem_fn)(struct xr *x, xmlNode *n);

struct rule {
    enum ns_kind ns;
    const char *name;
    elem_fn fn;
};

const char *hv__xr_attr(const xmlNode *n, const char *name);
int hv__xr_check_attrs(struct xr *x, const xmlNode *n, const char *const *allowed);
const char *hv__xr_disp(const xmlNode *n, char *buf, size_t len);
int hv__xr_empty_elem(struct xr *x, const xmlNode *n, const char *const *allowed);
/* Set the error (naming the element's line) and return code. */
int hv__xr_fail(struct xr *x, const xmlNode *n, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int hv__xr_in_list(const char *const *list, const char *s);
int hv__xr_keep(struct xr *x, const xmlNode *n, const char *s, const char **dst);
int hv__xr_leaf_text(struct xr *x, const xmlNode *n, const char *const *allowed,
                     const char **out);
int hv__xr_mem_value(struct xr *x, const xmlNode *n, uint64_t *bytes);
int hv__xr_need_attr(struct xr *x, const xmlNode *n, const char *name, const char **out);
const char *hv__xr_nm(const xmlNode *n);
int hv__xr_parse_mac(const char *s, uint8_t mac[6]);
int hv__xr_parse_u64(const char *s, uint64_t *out);
int hv__xr_walk(struct xr *x, const xmlNode *parent, const struct rule *rules,
                const char *const *multi);
/* An empty element whose one attribute, `name`, is required: its value in *out. */
int hv__xr_one_attr(struct xr *x, const xmlNode *n, const char *name, const char **out);
int hv__xr_devices(struct xr *x, xmlNode *n);

#endif
