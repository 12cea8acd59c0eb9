/* SPDX-License-Identifier: MIT */
/* Unit tests for libhv/config: defaults, hv_parse_size, domain XML parsing (valid and
 * invalid documents, with line numbers in the messages), entity-bomb resistance and the
 * to_xml -> from_xml round trip. Data files live in tests/data/xml/. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hv/hv.h"

#define NS "xmlns:hv='https://libhv.dev/xmlns/domain/1'"
#define DATA HV_TEST_DATA "/xml/"

static char errbuf[512];

static int parse(struct hv_config *cfg, const char *xml)
{
    errbuf[0] = '\0';
    return hv_config_from_xml(cfg, xml, strlen(xml), errbuf, sizeof(errbuf));
}

/* A valid domain whose lines 1-4 are fixed; `extra` starts on line 5 (devices etc.). */
static char *doc_with(const char *extra)
{
    static char buf[16384];
    snprintf(buf, sizeof(buf),
             "<domain type='hv' " NS ">\n"                  /* 1 */
             "  <name>t</name>\n"                           /* 2 */
             "  <memory unit='MiB'>64</memory>\n"           /* 3 */
             "  <os><type>hvm</type></os>\n"                /* 4 */
             "%s"                                           /* 5.. */
             "</domain>\n",
             extra);
    return buf;
}

/* Parse `xml`, expect `code`, a message starting "line N:" and containing `needle`. */
static void expect_fail(const char *xml, int code, long line, const char *needle)
{
    struct hv_config cfg;
    int rc = parse(&cfg, xml);
    cr_assert_eq(rc, code, "expected %s, got %s (%s)\n%s", hv_err_name(code), hv_err_name(rc),
                 errbuf, xml);
    char prefix[32];
    snprintf(prefix, sizeof(prefix), "line %ld:", line);
    cr_assert(strncmp(errbuf, prefix, strlen(prefix)) == 0, "message '%s' should start '%s'",
              errbuf, prefix);
    if (needle)
        cr_assert(strstr(errbuf, needle), "message '%s' should contain '%s'", errbuf, needle);
    /* A failed parse leaves a default config that owns nothing. */
    cr_assert_null(cfg.owned_);
    cr_assert_str_eq(cfg.name, "hv");
    hv_config_dispose(&cfg);
}

/* ---- defaults and dispose ------------------------------------------------------------ */

Test(config, defaults)
{
    struct hv_config c;
    memset(&c, 0xa5, sizeof(c));
    hv_config_init(&c);
    cr_assert_eq(c.size, sizeof(c));
    cr_assert_eq(c.backend, HV_BACKEND_FULL);
    cr_assert_eq(c.engine, HV_ENGINE_DEFAULT);
    cr_assert_str_eq(c.name, "hv");
    cr_assert_eq(c.mem_size, 128ull << 20);
    cr_assert_eq(c.nr_vcpus, 1);
    cr_assert_eq(c.serial.type, HV_CHARDEV_STDIO);
    cr_assert_null(c.serial.path);
    cr_assert_eq(c.on_poweroff, HV_ACTION_DESTROY);
    cr_assert_eq(c.on_reboot, HV_ACTION_DESTROY);
    cr_assert_eq(c.on_crash, HV_ACTION_DESTROY);
    cr_assert_eq(c.log_level, HV_LOG_WARN);
    cr_assert_eq(c.insns_per_tick, 10);
    cr_assert_eq(c.nr_disks, 0);
    cr_assert_eq(c.nr_nics, 0);
    cr_assert_null(c.bios);
    cr_assert_null(c.owned_);
}

Test(config, dispose_is_safe)
{
    struct hv_config c;
    hv_config_init(&c);
    hv_config_dispose(&c);
    hv_config_dispose(&c);
    hv_config_dispose(NULL);
    cr_assert_str_eq(c.name, "hv");
    cr_assert_null(c.owned_);
}

/* ---- hv_parse_size ------------------------------------------------------------------- */

Test(config, parse_size)
{
    static const struct { const char *s; uint64_t v; } ok[] = {
        {"4096", 4096}, {"0", 0}, {"4096B", 4096}, {"128K", 128 << 10}, {"128k", 128 << 10},
        {"128KiB", 128 << 10}, {"128KB", 128 << 10}, {"128M", 128ull << 20},
        {"2G", 2ull << 30}, {"2GiB", 2ull << 30}, {"1 GiB", 1ull << 30}, {"3T", 3ull << 40},
        {"1tib", 1ull << 40}, {" 7m ", 7ull << 20}, {"18446744073709551615", UINT64_MAX},
        {"16777215T", 16777215ull << 40},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        uint64_t v = 1;
        cr_assert_eq(hv_parse_size(ok[i].s, &v), 0, "'%s'", ok[i].s);
        cr_assert_eq(v, ok[i].v, "'%s' gave %llu", ok[i].s, (unsigned long long)v);
    }
    static const char *const bad[] = {"", " ", "G", "-1", "1.5G", "12Q", "1 GiBx", "1Gi",
                                      "0x10", "1 2", "1iB", "+5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t v = 77;
        cr_assert_eq(hv_parse_size(bad[i], &v), HV_EINVAL, "'%s'", bad[i]);
        cr_assert_eq(v, 77);
    }
    uint64_t v;
    cr_assert_eq(hv_parse_size("18446744073709551616", &v), HV_ERANGE);
    cr_assert_eq(hv_parse_size("16777216T", &v), HV_ERANGE);
    cr_assert_eq(hv_parse_size("99999999999999999999999G", &v), HV_ERANGE);
    cr_assert_eq(hv_parse_size(NULL, &v), HV_EINVAL);
    cr_assert_eq(hv_parse_size("1", NULL), HV_EINVAL);
}

/* ---- valid documents ----------------------------------------------------------------- */

Test(xml, full_domain)
{
    struct hv_config c;
    int rc = hv_config_from_xml_file(&c, DATA "full.xml", errbuf, sizeof(errbuf));
    cr_assert_eq(rc, 0, "%s", errbuf);
    static const uint8_t uuid[16] = {0xc7, 0xa5, 0xfd, 0xbd, 0xed, 0xaf, 0x94, 0x55,
                                     0x92, 0x6a, 0xd6, 0x5c, 0x16, 0xdb, 0x18, 0x09};
    cr_assert_eq(c.size, sizeof(c));
    cr_assert_str_eq(c.name, "demo");
    cr_assert_arr_eq(c.uuid, uuid, 16);
    cr_assert_eq(c.mem_size, 256ull << 20);
    cr_assert_eq(c.nr_vcpus, 2);
    cr_assert_eq(c.backend, HV_BACKEND_FULL);
    cr_assert_str_eq(c.bios, "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf");
    cr_assert_str_eq(c.kernel, "/path/Image");
    cr_assert_str_eq(c.initrd, "/path/initrd.gz");
    cr_assert_str_eq(c.cmdline, "console=ttyS0 root=/dev/vda");
    cr_assert_str_eq(c.dtb, "/path/x.dtb");
    cr_assert_eq(c.on_poweroff, HV_ACTION_DESTROY);
    cr_assert_eq(c.on_reboot, HV_ACTION_RESTART);
    cr_assert_eq(c.on_crash, HV_ACTION_PRESERVE);
    cr_assert_eq(c.nr_disks, 2);
    cr_assert_str_eq(c.disks[0].path, "/path/disk.img");
    cr_assert_eq(c.disks[0].readonly, 1);
    cr_assert_eq(c.disks[0].format, HV_DISK_RAW);
    cr_assert_str_eq(c.disks[0].target, "vda");
    cr_assert_str_eq(c.disks[0].serial, "abc");
    cr_assert_null(c.disks[1].path);
    cr_assert_eq(c.disks[1].mem_size, 16ull << 20);
    cr_assert_str_eq(c.disks[1].target, "vdb");
    cr_assert_eq(c.disks[1].readonly, 0);
    cr_assert_null(c.disks[1].serial);
    cr_assert_eq(c.serial.type, HV_CHARDEV_PTY);
    cr_assert_eq(c.nr_nics, 2);
    cr_assert_eq(c.nics[0].type, HV_NET_USER);
    static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    cr_assert_arr_eq(c.nics[0].mac, mac, 6);
    cr_assert_eq(c.nics[1].type, HV_NET_HUB);
    cr_assert_eq(c.nics[1].hub, 3);
    cr_assert_eq(c.rng, 1);
    cr_assert_eq(c.engine, HV_ENGINE_INTERP);
    cr_assert_eq(c.deterministic, 1);
    cr_assert_eq(c.rng_seed, 42);
    cr_assert_eq(c.insns_per_tick, 100);
    cr_assert_eq(c.log_level, HV_LOG_DEBUG);
    cr_assert_not_null(c.owned_);
    hv_config_dispose(&c);
    cr_assert_null(c.owned_);
    cr_assert_str_eq(c.name, "hv");
}

Test(xml, minimal_files)
{
    struct hv_config c;
    cr_assert_eq(hv_config_from_xml_file(&c, DATA "minimal-full.xml", errbuf, sizeof(errbuf)),
                 0, "%s", errbuf);
    cr_assert_eq(c.backend, HV_BACKEND_FULL);
    cr_assert_str_eq(c.name, "minimal-full");
    cr_assert_eq(c.mem_size, 64ull << 20);
    cr_assert_eq(c.nr_vcpus, 1);
    cr_assert_eq(c.serial.type, HV_CHARDEV_STDIO);
    cr_assert_null(c.bios);
    hv_config_dispose(&c);
    cr_assert_eq(hv_config_from_xml_file(&c, DATA "minimal-para.xml", errbuf, sizeof(errbuf)),
                 0, "%s", errbuf);
    cr_assert_eq(c.backend, HV_BACKEND_PARA);
    cr_assert_str_eq(c.name, "minimal-para");
    hv_config_dispose(&c);
}

Test(xml, para_types)
{
    static const char *const types[] = {"xen", "linux", " linux\n"};
    for (size_t i = 0; i < 3; i++) {
        char xml[512];
        snprintf(xml, sizeof(xml),
                 "<domain type='hv'><name>p</name><memory>1024</memory>"
                 "<os><type arch='riscv64' machine='virt'>%s</type></os></domain>",
                 types[i]);
        struct hv_config c;
        cr_assert_eq(parse(&c, xml), 0, "%s", errbuf);
        cr_assert_eq(c.backend, HV_BACKEND_PARA);
        cr_assert_eq(c.mem_size, 1024 * 1024, "default unit is KiB");
        hv_config_dispose(&c);
    }
}

Test(xml, every_unit)
{
    static const struct { const char *unit; uint64_t scale; } units[] = {
        {"b", 1}, {"bytes", 1}, {"KB", 1000}, {"k", 1024}, {"KiB", 1024},
        {"MB", 1000000}, {"M", 1ull << 20}, {"MiB", 1ull << 20},
        {"GB", 1000000000ull}, {"G", 1ull << 30}, {"GiB", 1ull << 30},
        {"TB", 1000000000000ull}, {"T", 1ull << 40}, {"TiB", 1ull << 40},
        {NULL, 1024}, /* no unit attribute: KiB, as in libvirt */
    };
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        char mem[128], xml[512];
        if (units[i].unit)
            snprintf(mem, sizeof(mem), "<memory unit='%s'>3</memory>", units[i].unit);
        else
            snprintf(mem, sizeof(mem), "<memory>3</memory>");
        snprintf(xml, sizeof(xml),
                 "<domain type='hv'><name>u</name>%s<os><type>hvm</type></os></domain>", mem);
        struct hv_config c;
        cr_assert_eq(parse(&c, xml), 0, "%s: %s", mem, errbuf);
        cr_assert_eq(c.mem_size, 3 * units[i].scale, "%s", mem);
        hv_config_dispose(&c);
    }
}

Test(xml, serial_types)
{
    static const struct { const char *xml; enum hv_chardev_type t; const char *path; } cases[] = {
        {"<serial type='stdio'/>", HV_CHARDEV_STDIO, NULL},
        {"<serial type='null'/>", HV_CHARDEV_NULL, NULL},
        {"<serial type='pty'/>", HV_CHARDEV_PTY, NULL},
        {"<serial type='pty'><source path='/dev/pts/4'/><target port='0'/></serial>",
         HV_CHARDEV_PTY, NULL},
        {"<serial type='file'><source path='/tmp/out.log'/></serial>", HV_CHARDEV_FILE,
         "/tmp/out.log"},
        {"<serial type='unix'><source mode='bind' path='/tmp/s.sock'/></serial>",
         HV_CHARDEV_SOCKET, "/tmp/s.sock"},
        {"<console type='null'/>", HV_CHARDEV_NULL, NULL},
        {"<console type='file'><source path='/tmp/c'/><target type='serial' port='0'/>"
         "</console>", HV_CHARDEV_FILE, "/tmp/c"},
        /* <serial> wins over <console>, in either order */
        {"<console type='null'/><serial type='pty'/>", HV_CHARDEV_PTY, NULL},
        {"<serial type='pty'/><console type='null'/>", HV_CHARDEV_PTY, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char extra[512];
        snprintf(extra, sizeof(extra), "<devices>%s</devices>\n", cases[i].xml);
        struct hv_config c;
        cr_assert_eq(parse(&c, doc_with(extra)), 0, "%s: %s", cases[i].xml, errbuf);
        cr_assert_eq(c.serial.type, cases[i].t, "%s", cases[i].xml);
        if (cases[i].path)
            cr_assert_str_eq(c.serial.path, cases[i].path);
        else
            cr_assert_null(c.serial.path, "%s", cases[i].xml);
        hv_config_dispose(&c);
    }
}

Test(xml, misc_valid)
{
    struct hv_config c;
    /* uuid without dashes, loader none, empty cmdline, comments, foreign namespaces and
     * notes are all fine. */
    const char *xml =
        "<?xml version='1.0'?>\n"
        "<!-- a comment -->\n"
        "<domain type='hv' xmlns:q='http://example.org/q' q:extra='ignored'>\n"
        "  <name>m &amp; m</name><title>t</title><description>d</description>\n"
        "  <uuid>C7A5FDBDEDAF9455926AD65C16DB1809</uuid>\n"
        "  <memory unit='GiB'> 1 </memory>\n"
        "  <currentMemory unit='MiB'>512</currentMemory>\n"
        "  <metadata><q:anything><deep/></q:anything></metadata>\n"
        "  <q:commandline><q:arg value='-x'/></q:commandline>\n"
        "  <os><type>hvm</type><loader>none</loader><cmdline></cmdline></os>\n"
        "  <devices><rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>\n"
        "    <interface type='loopback'/></devices>\n"
        "</domain>\n";
    cr_assert_eq(parse(&c, xml), 0, "%s", errbuf);
    cr_assert_str_eq(c.name, "m & m");
    cr_assert_eq(c.uuid[0], 0xc7);
    cr_assert_eq(c.uuid[15], 0x09);
    cr_assert_eq(c.mem_size, 1ull << 30);
    cr_assert_str_eq(c.bios, "none");
    cr_assert_str_eq(c.cmdline, "");
    cr_assert_eq(c.rng, 1);
    cr_assert_eq(c.nr_nics, 1);
    cr_assert_eq(c.nics[0].type, HV_NET_LOOPBACK);
    hv_config_dispose(&c);
    /* A NULL error buffer is allowed. */
    cr_assert_eq(hv_config_from_xml(&c, "<x/>", 4, NULL, 0), HV_EFORMAT);
    cr_assert_eq(hv_config_from_xml(&c, NULL, 0, errbuf, sizeof(errbuf)), HV_EINVAL);
    cr_assert_eq(hv_config_from_xml(NULL, xml, strlen(xml), errbuf, sizeof(errbuf)), HV_EINVAL);
}

Test(xml, user_network)
{
    struct hv_config c;
    const char *xml =
        "<domain type='hv' xmlns:hv='https://libhv.dev/xmlns/domain/1'>\n"
        "  <name>n</name><memory unit='MiB'>64</memory><os><type>hvm</type></os>\n"
        "  <devices><interface type='user'>\n"
        "    <hv:hostonly/>\n"
        "    <portForward proto='tcp' address='127.0.0.1'>\n"
        "      <range start='8080' to='80'/><range start='2222' to='22'/>\n"
        "    </portForward>\n"
        "    <portForward proto='udp'><range start='5353' to='53'/></portForward>\n"
        "  </interface></devices>\n"
        "</domain>\n";
    cr_assert_eq(parse(&c, xml), 0, "%s", errbuf);
    cr_assert_eq(c.nr_nics, 1);
    const struct hv_net_config *n = &c.nics[0];
    cr_assert_eq(n->type, HV_NET_USER);
    cr_assert_eq(n->host_only, 1);
    cr_assert_eq(n->nr_fwd, 3);
    cr_assert_eq(n->fwd[0].udp, 0);
    cr_assert_eq(n->fwd[0].host_addr, 0x7f000001u);
    cr_assert_eq(n->fwd[0].host_port, 8080);
    cr_assert_eq(n->fwd[0].guest_port, 80);
    cr_assert_eq(n->fwd[1].host_port, 2222);
    cr_assert_eq(n->fwd[1].guest_port, 22);
    cr_assert_eq(n->fwd[2].udp, 1);
    cr_assert_eq(n->fwd[2].host_addr, 0x7f000001u);
    cr_assert_eq(n->fwd[2].host_port, 5353);
    hv_config_dispose(&c);
}

/* ---- invalid documents --------------------------------------------------------------- */

Test(xml, unknown_element_and_attribute)
{
    expect_fail(doc_with("  <devices>\n    <foo/>\n  </devices>\n"), HV_EFORMAT, 6,
                "unknown element <foo> in <devices>");
    expect_fail(doc_with("  <bogus/>\n"), HV_EFORMAT, 5, "unknown element <bogus> in <domain>");
    expect_fail(doc_with("\n\n  <hv:options><hv:turbo/></hv:options>\n"), HV_EFORMAT, 7,
                "<hv:turbo>");
    expect_fail(doc_with("  <hv:bogus/>\n"), HV_EFORMAT, 5, "<hv:bogus>");
    expect_fail(doc_with("  <devices><disk type='file' cache='none'>\n"
                         "<source file='/x'/></disk></devices>\n"),
                HV_EFORMAT, 5, "unknown attribute 'cache' on <disk>");
    expect_fail(doc_with("  <vcpu placement='static'>1</vcpu>\n"), HV_EFORMAT, 5, "placement");
    expect_fail(doc_with("  <devices><disk><source file='/x'/>\n<readonly x='1'/></disk>"
                         "</devices>\n"), HV_EFORMAT, 6, "'x' on <readonly>");
    expect_fail(doc_with("  <devices>junk</devices>\n"), HV_EFORMAT, 5, "junk");
    expect_fail(doc_with("  <name>again</name>\n"), HV_EFORMAT, 5, "duplicate element <name>");
    expect_fail(doc_with("  <vcpu>1<x/></vcpu>\n"), HV_EFORMAT, 5, "<x>");
}

Test(xml, bad_unknown_element_file)
{
    struct hv_config c;
    int rc = hv_config_from_xml_file(&c, DATA "bad-unknown-element.xml", errbuf, sizeof(errbuf));
    cr_assert_eq(rc, HV_EFORMAT);
    cr_assert(strstr(errbuf, "bad-unknown-element.xml: line 8: unknown element <frobnicator>"),
              "%s", errbuf);
}

Test(xml, missing_file)
{
    struct hv_config c;
    int rc = hv_config_from_xml_file(&c, "/nonexistent/dir/dom.xml", errbuf, sizeof(errbuf));
    cr_assert_eq(rc, HV_ENOENT);
    cr_assert(strstr(errbuf, "/nonexistent/dir/dom.xml"), "%s", errbuf);
    cr_assert_null(c.owned_);
}

Test(xml, missing_required)
{
    expect_fail("<domain type='hv'>\n<memory>1</memory><os><type>hvm</type></os></domain>",
                HV_EFORMAT, 1, "<name>");
    expect_fail("\n<domain type='hv'>\n<name>a</name><os><type>hvm</type></os></domain>",
                HV_EFORMAT, 2, "<memory>");
    expect_fail("<domain type='hv'><name>a</name><memory>1</memory></domain>", HV_EFORMAT, 1,
                "<os>");
    expect_fail("<domain type='hv'><name>a</name><memory>1</memory>\n<os></os></domain>",
                HV_EFORMAT, 2, "<type>");
    expect_fail("<domain><name>a</name></domain>", HV_EFORMAT, 1, "'type'");
    expect_fail("<domain type='kvm'/>", HV_EINVAL, 1, "'kvm'");
    expect_fail("<dom type='hv'/>", HV_EFORMAT, 1, "<dom>");
}

Test(xml, invalid_values)
{
    struct { const char *extra; int code; long line; const char *needle; } cases[] = {
        {"  <vcpu>0</vcpu>\n", HV_EINVAL, 5, "'0'"},
        {"  <vcpu>two</vcpu>\n", HV_EINVAL, 5, "'two'"},
        {"\n  <vcpu>9</vcpu>\n", HV_ERANGE, 6, "'9'"},
        {"  <vcpu>99999999999999999999999</vcpu>\n", HV_ERANGE, 5, "99999"},
        {"  <uuid>not-a-uuid</uuid>\n", HV_EINVAL, 5, "'not-a-uuid'"},
        {"  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db18</uuid>\n", HV_EINVAL, 5, "d65c16db18"},
        {"  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db180900</uuid>\n", HV_EINVAL, 5, "uuid"},
        {"  <on_crash>coredump-destroy</on_crash>\n", HV_EINVAL, 5, "'coredump-destroy'"},
        {"  <on_reboot></on_reboot>\n", HV_EINVAL, 5, "on_reboot"},
        {"  <currentMemory unit='MiB'>65</currentMemory>\n", HV_EINVAL, 5, "currentMemory"},
        {"  <devices><interface type='user'>\n  <mac address='52:54:00:zz:34:56'/>"
         "</interface></devices>\n", HV_EINVAL, 6, "'52:54:00:zz:34:56'"},
        {"  <devices><interface type='user'><mac address='01:00:5e:00:00:01'/>"
         "</interface></devices>\n", HV_EINVAL, 5, "01:00:5e"},
        {"  <devices><interface type='user'><mac address='52:54:00:12:34'/>"
         "</interface></devices>\n", HV_EINVAL, 5, "mac"},
        {"  <devices><interface type='network'/></devices>\n", HV_ENOTSUP, 5, "'network'"},
        {"  <devices>\n<interface type='bridge'/></devices>\n", HV_ENOTSUP, 6, "'bridge'"},
        {"  <devices><interface type='wormhole'/></devices>\n", HV_EINVAL, 5, "'wormhole'"},
        {"  <devices><interface type='user'><hv:hub id='1'/></interface></devices>\n",
         HV_EFORMAT, 5, "hub"},
        {"  <devices><interface type='hub'><hv:hub id='x'/></interface></devices>\n",
         HV_EINVAL, 5, "'x'"},
        {"  <devices><interface type='user'>\n<portForward address='0.0.0.0'>"
         "<range start='1' to='2'/></portForward></interface></devices>\n", HV_EINVAL, 6,
         "only loopback"},
        {"  <devices><interface type='user'><portForward address='10.1.2.3'/></interface>"
         "</devices>\n", HV_EINVAL, 5, "'10.1.2.3'"},
        {"  <devices><interface type='user'><portForward proto='sctp'/></interface>"
         "</devices>\n", HV_EINVAL, 5, "'sctp'"},
        {"  <devices><interface type='user'><portForward><range start='0' to='22'/>"
         "</portForward></interface></devices>\n", HV_EINVAL, 5, "'0'"},
        {"  <devices><interface type='user'><portForward><range start='22'/>"
         "</portForward></interface></devices>\n", HV_EFORMAT, 5, "'to'"},
        {"  <devices><interface type='hub'><portForward/></interface></devices>\n",
         HV_EFORMAT, 5, "type 'user'"},
        {"  <devices><interface type='loopback'><hv:hostonly/></interface></devices>\n",
         HV_EFORMAT, 5, "type 'user'"},
        {"  <devices><disk type='block'/></devices>\n", HV_ENOTSUP, 5, "'block'"},
        {"  <devices><disk device='cdrom'/></devices>\n", HV_ENOTSUP, 5, "'cdrom'"},
        {"  <devices><disk><driver type='qcow2'/></disk></devices>\n", HV_ENOTSUP, 5, "qcow2"},
        {"  <devices><disk>\n</disk></devices>\n", HV_EFORMAT, 5, "<source"},
        {"  <devices><disk type='memory'></disk></devices>\n", HV_EFORMAT, 5, "hv:size"},
        {"  <devices><disk type='memory'><hv:size>0</hv:size></disk></devices>\n", HV_EINVAL,
         5, "'0'"},
        {"  <devices><disk><source file='/a'/><target dev='vda' bus='scsi'/></disk></devices>\n",
         HV_ENOTSUP, 5, "'scsi'"},
        {"  <devices><serial type='file'/></devices>\n", HV_EFORMAT, 5, "<source"},
        {"  <devices><serial type='unix'><source mode='connect' path='/s'/></serial>"
         "</devices>\n", HV_ENOTSUP, 5, "'connect'"},
        {"  <devices><serial type='tcp'/></devices>\n", HV_ENOTSUP, 5, "'tcp'"},
        {"  <devices><serial type='teletype'/></devices>\n", HV_EINVAL, 5, "'teletype'"},
        {"  <devices><serial type='null'/>\n<serial type='pty'/></devices>\n", HV_ELIMIT, 6,
         "one <serial>"},
        {"  <devices><serial type='null'><source path='/x'/></serial></devices>\n", HV_EFORMAT,
         5, "<source>"},
        {"  <devices><rng model='egd'/></devices>\n", HV_ENOTSUP, 5, "'egd'"},
        {"  <devices><rng model='virtio'/><rng model='virtio'/></devices>\n", HV_EFORMAT, 5,
         "duplicate"},
        {"  <hv:options><hv:engine>turbo</hv:engine></hv:options>\n", HV_EINVAL, 5, "'turbo'"},
        {"  <hv:options>\n<hv:deterministic seed='-1'/></hv:options>\n", HV_EINVAL, 6, "'-1'"},
        {"  <hv:options><hv:deterministic insns-per-tick='0'/></hv:options>\n", HV_EINVAL, 5,
         "insns-per-tick"},
        {"  <hv:options><hv:deterministic enabled='maybe'/></hv:options>\n", HV_EINVAL, 5,
         "'maybe'"},
        {"  <hv:options><hv:log level='loud'/></hv:options>\n", HV_EINVAL, 5, "'loud'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_fail(doc_with(cases[i].extra), cases[i].code, cases[i].line, cases[i].needle);
}

/* The <memory> and <os> lines live inside doc_with(), so these build their own documents. */
static char *mem_doc(const char *mem)
{
    static char buf[1024];
    snprintf(buf, sizeof(buf),
             "<domain type='hv'>\n  <name>m</name>\n  %s\n  <os><type>hvm</type></os>\n"
             "</domain>\n", mem);
    return buf;
}

static char *os_doc(const char *type)
{
    static char buf[1024];
    snprintf(buf, sizeof(buf),
             "<domain type='hv'>\n  <name>m</name>\n  <memory>1</memory>\n  <os>\n    %s\n"
             "  </os>\n</domain>\n", type);
    return buf;
}

Test(xml, invalid_memory_and_os)
{
    expect_fail(mem_doc("<memory>0</memory>"), HV_EINVAL, 3, "'0'");
    expect_fail(mem_doc("<memory unit='MiB'>lots</memory>"), HV_EINVAL, 3, "'lots'");
    expect_fail(mem_doc("<memory>-5</memory>"), HV_EINVAL, 3, "'-5'");
    expect_fail(mem_doc("<memory>1.5</memory>"), HV_EINVAL, 3, "'1.5'");
    expect_fail(mem_doc("<memory>99999999999999999999</memory>"), HV_ERANGE, 3,
                "99999999999999999999");
    expect_fail(mem_doc("<memory unit='TiB'>20000000</memory>"), HV_ERANGE, 3, "20000000");
    expect_fail(mem_doc("<memory unit='XB'>1</memory>"), HV_EINVAL, 3, "'XB'");
    expect_fail(mem_doc("<memory unit='Kib '>1</memory>"), HV_EINVAL, 3, "unit");
    expect_fail(mem_doc("<memory unit=''>1</memory>"), HV_EINVAL, 3, "unit");
    expect_fail(mem_doc("<memory dumpCore='on'>1</memory>"), HV_EFORMAT, 3, "dumpCore");
    expect_fail(os_doc("<type arch='x86_64'>hvm</type>"), HV_EINVAL, 5, "'x86_64'");
    expect_fail(os_doc("<type arch='riscv64' machine='pc'>hvm</type>"), HV_EINVAL, 5, "'pc'");
    expect_fail(os_doc("<type>exe</type>"), HV_EINVAL, 5, "'exe'");
    expect_fail(os_doc("<type>hvm</type><boot dev='hd'/>"), HV_EFORMAT, 5, "<boot>");
    expect_fail(os_doc("<type>hvm</type>\n<kernel></kernel>"), HV_EINVAL, 6, "<kernel>");
    expect_fail(os_doc("<type>hvm</type><type>hvm</type>"), HV_EFORMAT, 5, "duplicate");
}

Test(xml, too_many_devices)
{
    char extra[8192] = "  <devices>\n";
    for (int i = 0; i < HV_MAX_DISKS + 1; i++)
        strcat(extra, "    <disk><source file='/d'/></disk>\n");
    strcat(extra, "  </devices>\n");
    /* disks start on line 6; the (HV_MAX_DISKS+1)-th is the first too many */
    expect_fail(doc_with(extra), HV_ELIMIT, 6 + HV_MAX_DISKS, "too many disks");

    strcpy(extra, "  <devices>\n");
    for (int i = 0; i < HV_MAX_NICS + 1; i++)
        strcat(extra, "    <interface type='loopback'/>\n");
    strcat(extra, "  </devices>\n");
    expect_fail(doc_with(extra), HV_ELIMIT, 6 + HV_MAX_NICS, "too many interfaces");

    /* exactly the maximum is fine */
    strcpy(extra, "  <devices>\n");
    for (int i = 0; i < HV_MAX_DISKS; i++)
        strcat(extra, "    <disk><source file='/d'/></disk>\n");
    strcat(extra, "  </devices>\n");
    struct hv_config c;
    cr_assert_eq(parse(&c, doc_with(extra)), 0, "%s", errbuf);
    cr_assert_eq(c.nr_disks, HV_MAX_DISKS);
    hv_config_dispose(&c);
}

Test(xml, malformed)
{
    /* mismatched close tag on line 2 */
    expect_fail("<domain type='hv'>\n  <name>demo</nam>\n</domain>\n", HV_EFORMAT, 2,
                "malformed XML");
    /* <memory> never closed: detected when </domain> arrives on line 5 */
    expect_fail("<domain type='hv'>\n  <name>demo</name>\n  <memory>1024\n"
                "  <os><type>hvm</type></os>\n</domain>\n", HV_EFORMAT, 5, "memory");
    /* document cut short: the end of input is on line 4 */
    expect_fail("<domain type='hv'>\n  <name>demo</name>\n  <devices>\n", HV_EFORMAT, 4,
                "Premature end");
    expect_fail("", HV_EFORMAT, 1, "malformed XML");
    expect_fail("<domain type='hv'>\n<hv:options/></domain>", HV_EFORMAT, 2, "hv");
    expect_fail("<domain type='hv'><name>&undefined;</name></domain>", HV_EFORMAT, 1,
                "undefined");
}

Test(xml, billion_laughs, .timeout = 10)
{
    const char *bomb =
        "<?xml version='1.0'?>\n"
        "<!DOCTYPE domain [\n"
        " <!ENTITY lol 'lol'>\n"
        " <!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>\n"
        " <!ENTITY lol2 '&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'>\n"
        " <!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>\n"
        " <!ENTITY lol4 '&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;'>\n"
        " <!ENTITY lol5 '&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;'>\n"
        " <!ENTITY lol6 '&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;'>\n"
        " <!ENTITY lol7 '&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;'>\n"
        " <!ENTITY lol8 '&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;'>\n"
        " <!ENTITY lol9 '&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;'>\n"
        "]>\n"
        "<domain type='hv'><name>&lol9;</name><memory>1</memory>"
        "<os type='&lol9;'><type>hvm</type></os></domain>\n";
    expect_fail(bomb, HV_EFORMAT, 2, "DOCTYPE");
    /* external entities (XXE) are refused the same way, before anything is read */
    expect_fail("<!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>\n"
                "<domain type='hv'><name>&x;</name></domain>", HV_EFORMAT, 1, "DOCTYPE");
    expect_fail("\n\n<!DOCTYPE domain SYSTEM 'http://example.org/domain.dtd'>\n<domain/>",
                HV_EFORMAT, 3, "DOCTYPE");
}

/* ---- round trip ---------------------------------------------------------------------- */

static void assert_str_same(const char *a, const char *b, const char *field)
{
    if (!a || !b)
        cr_assert(a == b, "%s: %s vs %s", field, a ? a : "NULL", b ? b : "NULL");
    else
        cr_assert_str_eq(a, b, "%s", field);
}

/* Every field of struct hv_config except owned_ (and the log hook, which XML omits). */
static void assert_same(const struct hv_config *a, const struct hv_config *b)
{
    cr_assert_eq(a->size, b->size);
    cr_assert_eq(a->backend, b->backend);
    cr_assert_eq(a->engine, b->engine);
    assert_str_same(a->name, b->name, "name");
    cr_assert_arr_eq(a->uuid, b->uuid, 16);
    cr_assert_eq(a->mem_size, b->mem_size);
    cr_assert_eq(a->nr_vcpus, b->nr_vcpus);
    assert_str_same(a->bios, b->bios, "bios");
    assert_str_same(a->kernel, b->kernel, "kernel");
    assert_str_same(a->initrd, b->initrd, "initrd");
    assert_str_same(a->cmdline, b->cmdline, "cmdline");
    assert_str_same(a->dtb, b->dtb, "dtb");
    cr_assert_eq(a->serial.type, b->serial.type);
    assert_str_same(a->serial.path, b->serial.path, "serial.path");
    cr_assert_eq(a->serial.on_output, b->serial.on_output);
    cr_assert_eq(a->serial.opaque, b->serial.opaque);
    cr_assert_eq(a->nr_disks, b->nr_disks);
    for (unsigned i = 0; i < HV_MAX_DISKS; i++) {
        const struct hv_disk_config *x = &a->disks[i], *y = &b->disks[i];
        assert_str_same(x->path, y->path, "disk.path");
        cr_assert_eq(x->mem_size, y->mem_size, "disk %u mem_size", i);
        cr_assert_eq(x->readonly, y->readonly, "disk %u readonly", i);
        cr_assert_eq(x->format, y->format);
        assert_str_same(x->target, y->target, "disk.target");
        assert_str_same(x->serial, y->serial, "disk.serial");
    }
    cr_assert_eq(a->nr_nics, b->nr_nics);
    for (unsigned i = 0; i < HV_MAX_NICS; i++) {
        cr_assert_eq(a->nics[i].type, b->nics[i].type, "nic %u", i);
        cr_assert_arr_eq(a->nics[i].mac, b->nics[i].mac, 6, "nic %u mac", i);
        cr_assert_eq(a->nics[i].hub, b->nics[i].hub, "nic %u hub", i);
        cr_assert_eq(a->nics[i].host_only, b->nics[i].host_only, "nic %u host_only", i);
        cr_assert_eq(a->nics[i].nr_fwd, b->nics[i].nr_fwd, "nic %u nr_fwd", i);
        for (unsigned k = 0; k < a->nics[i].nr_fwd && k < HV_MAX_HOSTFWD; k++) {
            const struct hv_net_hostfwd *x = &a->nics[i].fwd[k], *y = &b->nics[i].fwd[k];
            cr_assert_eq(x->udp, y->udp, "nic %u fwd %u udp", i, k);
            cr_assert_eq(x->host_addr ? x->host_addr : 0x7f000001u, y->host_addr,
                         "nic %u fwd %u host_addr", i, k);
            cr_assert_eq(x->host_port, y->host_port, "nic %u fwd %u host_port", i, k);
            cr_assert_eq(x->guest_port, y->guest_port, "nic %u fwd %u guest_port", i, k);
        }
    }
    cr_assert_eq(a->rng, b->rng);
    cr_assert_eq(a->on_poweroff, b->on_poweroff);
    cr_assert_eq(a->on_reboot, b->on_reboot);
    cr_assert_eq(a->on_crash, b->on_crash);
    cr_assert_eq(a->deterministic, b->deterministic);
    cr_assert_eq(a->rng_seed, b->rng_seed);
    cr_assert_eq(a->insns_per_tick, b->insns_per_tick);
    cr_assert_eq(a->log, b->log);
    cr_assert_eq(a->log_opaque, b->log_opaque);
    cr_assert_eq(a->log_level, b->log_level);
    cr_assert_eq(a->hugepages, b->hugepages);
    cr_assert_eq(a->kernel_boot, b->kernel_boot);
}

static void round_trip(const struct hv_config *cfg)
{
    char *xml = NULL;
    cr_assert_eq(hv_config_to_xml(cfg, &xml), 0);
    cr_assert_not_null(xml);
    struct hv_config back;
    int rc = parse(&back, xml);
    cr_assert_eq(rc, 0, "%s\n%s", errbuf, xml);
    assert_same(cfg, &back);
    /* and the second generation is byte-identical */
    char *xml2 = NULL;
    cr_assert_eq(hv_config_to_xml(&back, &xml2), 0);
    cr_assert_str_eq(xml, xml2);
    free(xml2);
    free(xml);
    hv_config_dispose(&back);
}

Test(xml, round_trip_defaults)
{
    struct hv_config c;
    hv_config_init(&c);
    round_trip(&c);
}

Test(xml, round_trip_built_in_c)
{
    struct hv_config c;
    hv_config_init(&c);
    c.backend = HV_BACKEND_PARA;
    c.engine = HV_ENGINE_JIT;
    c.name = "it's <a> \"test\" & more";
    for (int i = 0; i < 16; i++)
        c.uuid[i] = (uint8_t)(i * 17 + 1);
    c.mem_size = (128ull << 20) + 4096;
    c.nr_vcpus = HV_MAX_VCPUS;
    c.bios = "none";
    c.kernel = "/k/Image";
    c.initrd = "/k/initrd";
    c.cmdline = "console=hvc0\tquiet\nx=\"1\" y='2' <&>";
    c.dtb = "/k/a b.dtb";
    c.serial.type = HV_CHARDEV_SOCKET;
    c.serial.path = "/run/hv/console.sock";
    c.disks[0] = (struct hv_disk_config){.path = "/img/root.img", .readonly = 1,
                                         .target = "vda", .serial = "ROOT-1"};
    c.disks[1] = (struct hv_disk_config){.mem_size = (3ull << 20) + 512};
    c.disks[2] = (struct hv_disk_config){.path = "/img/data.img", .serial = ""};
    c.disks[3] = (struct hv_disk_config){.mem_size = 1ull << 40, .target = "vdd"};
    c.nr_disks = 4;
    c.nics[0] = (struct hv_net_config){.type = HV_NET_USER,
                                       .mac = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef},
                                       .host_only = 1, .nr_fwd = 2};
    c.nics[0].fwd[0] = (struct hv_net_hostfwd){.host_addr = 0x7f000001u, .host_port = 2222,
                                               .guest_port = 22};
    c.nics[0].fwd[1] = (struct hv_net_hostfwd){.udp = 1, .host_addr = 0x7f000105u,
                                               .host_port = 5353, .guest_port = 53};
    c.nics[1] = (struct hv_net_config){.type = HV_NET_LOOPBACK};
    c.nics[2] = (struct hv_net_config){.type = HV_NET_HUB, .hub = 7};
    c.nics[3] = (struct hv_net_config){.type = HV_NET_HUB, .hub = 0,
                                       .mac = {0x02, 0, 0, 0, 0, 1}};
    c.nr_nics = 4;
    c.rng = 1;
    c.on_poweroff = HV_ACTION_RESTART;
    c.on_reboot = HV_ACTION_RESTART;
    c.on_crash = HV_ACTION_PRESERVE;
    c.deterministic = 1;
    c.rng_seed = UINT64_MAX;
    c.insns_per_tick = 100;
    c.log_level = HV_LOG_DEBUG;
    round_trip(&c);
}

Test(xml, hugepages)
{
    static const struct { const char *text; enum hv_hugepages v; } cases[] = {
        {"auto", HV_HUGEPAGES_AUTO}, {"on", HV_HUGEPAGES_ON}, {"off", HV_HUGEPAGES_OFF} };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char opt[128];
        snprintf(opt, sizeof opt, "  <hv:options><hv:hugepages>%s</hv:hugepages></hv:options>\n",
                 cases[i].text);
        struct hv_config c;
        cr_assert_eq(parse(&c, doc_with(opt)), 0, "%s", errbuf);
        cr_assert_eq(c.hugepages, cases[i].v);
        round_trip(&c);
        hv_config_dispose(&c);
    }
    expect_fail(doc_with("  <hv:options><hv:hugepages>maybe</hv:hugepages></hv:options>\n"),
                HV_EINVAL, 5, "'maybe'");
}

Test(xml, kernel_boot)
{
    static const struct { const char *text; enum hv_kernel_boot v; } cases[] = {
        {"auto", HV_KERNEL_BOOT_AUTO}, {"linux", HV_KERNEL_BOOT_LINUX},
        {"entry", HV_KERNEL_BOOT_ENTRY} };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char opt[128];
        snprintf(opt, sizeof opt,
                 "  <hv:options><hv:kernel-boot>%s</hv:kernel-boot></hv:options>\n",
                 cases[i].text);
        struct hv_config c;
        cr_assert_eq(parse(&c, doc_with(opt)), 0, "%s", errbuf);
        cr_assert_eq(c.kernel_boot, cases[i].v);
        round_trip(&c);
        hv_config_dispose(&c);
    }
    expect_fail(doc_with("  <hv:options><hv:kernel-boot>bios</hv:kernel-boot></hv:options>\n"),
                HV_EINVAL, 5, "'bios'");
}

Test(xml, round_trip_odd_parts)
{
    struct hv_config c;
    hv_config_init(&c);
    c.name = "x";
    c.mem_size = 1; /* written with unit='b' */
    c.engine = HV_ENGINE_INTERP;
    c.serial.type = HV_CHARDEV_FILE;
    c.serial.path = "/tmp/serial out.log";
    c.rng_seed = 5; /* a seed without deterministic mode must survive too */
    c.log_level = HV_LOG_ERROR;
    c.cmdline = "";
    round_trip(&c);

    static const enum hv_chardev_type types[] = {HV_CHARDEV_NULL, HV_CHARDEV_PTY,
                                                 HV_CHARDEV_STDIO};
    for (int i = 0; i < 3; i++) {
        hv_config_init(&c);
        c.serial.type = types[i];
        c.insns_per_tick = 3;
        c.mem_size = 3ull << 30;
        round_trip(&c);
    }
}

Test(xml, round_trip_from_file)
{
    struct hv_config c;
    cr_assert_eq(hv_config_from_xml_file(&c, DATA "full.xml", errbuf, sizeof(errbuf)), 0, "%s",
                 errbuf);
    round_trip(&c);
    hv_config_dispose(&c);
}

static void sink(void *opaque, const uint8_t *data, size_t len)
{
}

Test(xml, to_xml_rejects)
{
    struct hv_config c;
    char *xml = (char *)1;
    hv_config_init(&c);
    c.serial.type = HV_CHARDEV_BUFFER;
    c.serial.on_output = sink;
    cr_assert_eq(hv_config_to_xml(&c, &xml), HV_ENOTSUP);
    cr_assert_null(xml);

    hv_config_init(&c);
    c.name = NULL;
    cr_assert_eq(hv_config_to_xml(&c, &xml), HV_EINVAL);
    hv_config_init(&c);
    c.nr_vcpus = HV_MAX_VCPUS + 1;
    cr_assert_eq(hv_config_to_xml(&c, &xml), HV_EINVAL);
    hv_config_init(&c);
    c.serial.type = HV_CHARDEV_FILE; /* no path */
    cr_assert_eq(hv_config_to_xml(&c, &xml), HV_EINVAL);
    hv_config_init(&c);
    c.nr_disks = 1; /* neither path nor size */
    cr_assert_eq(hv_config_to_xml(&c, &xml), HV_EINVAL);
    hv_config_init(&c);
    c.kernel = "bad\001name";
    cr_assert_eq(hv_config_to_xml(&c, &xml), HV_EINVAL);
    /* user networking: forwards only on loopback, and only on user NICs */
    hv_config_init(&c);
    c.nr_nics = 1;
    c.nics[0] = (struct hv_net_config){ .type = HV_NET_USER, .nr_fwd = 1 };
    c.nics[0].fwd[0] = (struct hv_net_hostfwd){ .host_addr = 0x0a000001u, .host_port = 1,
                                                .guest_port = 2 };
    cr_assert_eq(hv_config_to_xml(&c, &xml), HV_EINVAL);
    c.nics[0].fwd[0].host_addr = 0;
    c.nics[0].fwd[0].guest_port = 0;
    cr_assert_eq(hv_config_to_xml(&c, &xml), HV_EINVAL);
    c.nics[0] = (struct hv_net_config){ .type = HV_NET_LOOPBACK, .host_only = 1 };
    cr_assert_eq(hv_config_to_xml(&c, &xml), HV_EINVAL);
    cr_assert_eq(hv_config_to_xml(NULL, &xml), HV_EINVAL);
    cr_assert_eq(hv_config_to_xml(&c, NULL), HV_EINVAL);
}

/* ---- concurrency: no shared parser state between calls --------------------------------- */

#include <pthread.h>

struct thr_arg {
    const char *good;
    int failures;
};

static void *parse_loop(void *p)
{
    struct thr_arg *a = p;
    for (int i = 0; i < 40; i++) {
        struct hv_config c;
        char err[256];
        if (hv_config_from_xml(&c, a->good, strlen(a->good), err, sizeof(err)) != 0 ||
            strcmp(c.name, "demo") != 0)
            a->failures++;
        hv_config_dispose(&c);
        const char *bad = "<domain type='hv'>\n\n<nope/></domain>";
        if (hv_config_from_xml(&c, bad, strlen(bad), err, sizeof(err)) != HV_EFORMAT ||
            strncmp(err, "line 3: unknown element <nope>", 30) != 0)
            a->failures++;
    }
    return NULL;
}

Test(xml, parallel_parses)
{
    FILE *f = fopen(DATA "full.xml", "rb");
    cr_assert_not_null(f);
    static char text[8192];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    pthread_t t[4];
    struct thr_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (struct thr_arg){text, 0};
        cr_assert_eq(pthread_create(&t[i], NULL, parse_loop, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        cr_assert_eq(args[i].failures, 0, "thread %d", i);
    }
}
