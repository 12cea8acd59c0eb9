/* SPDX-License-Identifier: MIT */
/* Unit tests for the GDB stub without sockets: the packet layer (checksums, acks, Ctrl-C,
 * escaping, overflow, random garbage never crashes) and the command interpreter on a real
 * VM (registers, memory with hex and binary X payloads, breakpoints through the API, thread
 * queries, the target description, resume actions, malformed commands). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "debug/gdb.h"

static enum hv__gdb_rx_event feed(struct hv__gdb_rx *rx, const char *s, size_t n)
{
    enum hv__gdb_rx_event last = HV__GDB_RX_NONE;
    for (size_t i = 0; i < n; i++) {
        enum hv__gdb_rx_event e = hv__gdb_rx_byte(rx, (uint8_t)s[i]);
        if (e != HV__GDB_RX_NONE)
            last = e;
    }
    return last;
}

Test(gdb_packet, checksums_acks_and_interrupt)
{
    static struct hv__gdb_rx rx;
    hv__gdb_rx_init(&rx);
    cr_assert_eq(feed(&rx, "$g#67", 5), HV__GDB_RX_PACKET);
    cr_assert_eq(rx.len, 1);
    cr_assert_str_eq(rx.buf, "g");
    cr_assert_eq(feed(&rx, "$g#68", 5), HV__GDB_RX_BAD);
    cr_assert_eq(feed(&rx, "$g#6G", 5), HV__GDB_RX_BAD);
    cr_assert_eq(feed(&rx, "+", 1), HV__GDB_RX_ACK);
    cr_assert_eq(feed(&rx, "-", 1), HV__GDB_RX_NAK);
    cr_assert_eq(feed(&rx, "\x03", 1), HV__GDB_RX_INTERRUPT);
    /* Uppercase checksum digits, noise between packets, a restart inside a packet. */
    cr_assert_eq(feed(&rx, "xx$qC#B4", 8), HV__GDB_RX_PACKET);
    cr_assert_str_eq(rx.buf, "qC");
    cr_assert_eq(feed(&rx, "$abc$qC#b4", 10), HV__GDB_RX_PACKET);
    cr_assert_str_eq(rx.buf, "qC");
    /* An empty packet. */
    cr_assert_eq(feed(&rx, "$#00", 4), HV__GDB_RX_PACKET);
    cr_assert_eq(rx.len, 0);
}

Test(gdb_packet, overflow_is_rejected)
{
    static struct hv__gdb_rx rx;
    hv__gdb_rx_init(&rx);
    size_t n = HV__GDB_PACKET_MAX + 100;
    char *big = malloc(n + 5);
    big[0] = '$';
    memset(big + 1, 'a', n);
    uint8_t sum = (uint8_t)(n * 'a');
    snprintf(big + 1 + n, 4, "#%02x", sum);
    cr_assert_eq(feed(&rx, big, n + 4), HV__GDB_RX_BAD);
    free(big);
    cr_assert_eq(feed(&rx, "$g#67", 5), HV__GDB_RX_PACKET, "the receiver recovers");
}

Test(gdb_packet, frame_escape_roundtrip)
{
    char out[64];
    size_t n = hv__gdb_frame("OK", 2, out, sizeof out);
    cr_assert_eq(n, 6);
    cr_assert_eq(memcmp(out, "$OK#9a", 6), 0);
    /* Special characters are escaped; the receiver sees the escaped form and the checksum
     * covers it; unescaping restores the bytes. */
    const char raw[] = { 'a', '$', '#', '}', '*', 'b', 0 };
    n = hv__gdb_frame(raw, 7, out, sizeof out);
    cr_assert_gt(n, 0);
    static struct hv__gdb_rx rx;
    hv__gdb_rx_init(&rx);
    cr_assert_eq(feed(&rx, out, n), HV__GDB_RX_PACKET);
    long m = hv__gdb_unescape(rx.buf, rx.len);
    cr_assert_eq(m, 7);
    cr_assert_eq(memcmp(rx.buf, raw, 7), 0);
    cr_assert_eq(hv__gdb_frame("abcdef", 6, out, 8), 0, "too small");
    char dangling[] = "ab}";
    cr_assert_eq(hv__gdb_unescape(dangling, 3), -1);
}

Test(gdb_packet, hex_helpers)
{
    uint8_t b[4];
    cr_assert_eq(hv__gdb_hex_decode("0aFf10", 6, b, 4), 3);
    cr_assert_eq(b[0], 0x0a);
    cr_assert_eq(b[1], 0xff);
    cr_assert_eq(hv__gdb_hex_decode("0a1", 3, b, 4), -1);
    cr_assert_eq(hv__gdb_hex_decode("zz", 2, b, 4), -1);
    cr_assert_eq(hv__gdb_hex_decode("0011223344", 10, b, 4), -1, "too long for the buffer");
    char h[9] = "";
    hv__gdb_hex_encode("\x01\xab\x00\x7f", 4, h);
    cr_assert_str_eq(h, "01ab007f");
    const char *s = "80000000,4", *e = s + strlen(s);
    uint64_t v;
    cr_assert(hv__gdb_parse_hex(&s, e, &v));
    cr_assert_eq(v, 0x80000000);
    cr_assert_eq(*s, ',');
    const char *t = "12345678123456781", *te = t + strlen(t);
    cr_assert_not(hv__gdb_parse_hex(&t, te, &v), "more than 64 bits");
    const char *u = ",", *ue = u + 1;
    cr_assert_not(hv__gdb_parse_hex(&u, ue, &v));
}

Test(gdb_packet, random_bytes_never_crash)
{
    static struct hv__gdb_rx rx;
    hv__gdb_rx_init(&rx);
    unsigned seed = 12345;
    for (int i = 0; i < 200000; i++) {
        seed = seed * 1103515245u + 12345u;
        uint8_t c = (uint8_t)(seed >> 16);
        if ((seed >> 8) % 97 == 0)
            c = '$';
        enum hv__gdb_rx_event ev = hv__gdb_rx_byte(&rx, c);
        cr_assert_leq(rx.len, HV__GDB_PACKET_MAX);
        if (ev == HV__GDB_RX_PACKET)
            cr_assert_eq(rx.buf[rx.len], 0);
    }
}

/* ---- the command interpreter on a VM ------------------------------------------------------ */

#define RAM 0x80000000ull

static hv_vm *vm;
static struct hv_gdb *g;
static struct hv__gdb_reply *r;

static void setup(enum hv_backend backend)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = backend;
    cfg.mem_size = 1 << 20;
    cfg.bios = "none";
    cfg.nr_vcpus = 2;
    cfg.serial.type = HV_CHARDEV_NULL;
    char err[256];
    cr_assert_eq(hv_vm_create(&cfg, &vm, err, sizeof err), 0, "%s", err);
    g = calloc(1, sizeof(*g));
    r = calloc(1, sizeof(*r));
    cr_assert_eq(hv__gdb_attach(g, vm), 0);
    cr_assert_eq(g->nr, 2);
}

static void teardown(void)
{
    hv__gdb_detach_vm(g);
    free(g);
    free(r);
    hv_vm_destroy(vm);
}

/* Send one command (a C string, or `len` bytes); returns the action. */
static int cmd(const char *s)
{
    char buf[HV__GDB_PACKET_MAX + 1];
    size_t n = strlen(s);
    memcpy(buf, s, n + 1);
    return hv__gdb_command(g, buf, n, r);
}

static int cmd_n(const char *s, size_t n)
{
    char *buf = malloc(n + 1);
    memcpy(buf, s, n);
    buf[n] = 0;
    int a = hv__gdb_command(g, buf, n, r);
    free(buf);
    return a;
}

static void expect(const char *c, const char *reply)
{
    cr_assert_eq(cmd(c), HV__GDB_REPLY, "%s", c);
    cr_assert_str_eq(r->buf, reply, "%s -> %s", c, r->buf);
}

Test(gdb_cmd, registers)
{
    setup(HV_BACKEND_FULL);
    hv_vcpu_set_reg(g->vcpus[0], HV_REG_X(10), 0x1122334455667788ull);
    cr_assert_eq(cmd("g"), HV__GDB_REPLY);
    cr_assert_eq(r->len, 65 * 16);
    cr_assert_eq(memcmp(r->buf + 10 * 16, "8877665544332211", 16), 0);
    cr_assert_eq(memcmp(r->buf + 32 * 16, "0000008000000000", 16), 0, "pc");
    expect("pa", "8877665544332211");
    expect("P5=0100000000000000", "OK");
    uint64_t v;
    hv_vcpu_get_reg(g->vcpus[0], HV_REG_X(5), &v);
    cr_assert_eq(v, 1);
    expect("P20=0400008000000000", "OK");          /* pc */
    hv_vcpu_get_reg(g->vcpus[0], HV_REG_PC, &v);
    cr_assert_eq(v, RAM + 4);
    /* CSRs: 65 + 0x300 = mstatus; fcsr is 32 bits; priv. */
    cr_assert_eq(cmd("p341"), HV__GDB_REPLY);       /* 0x341 = 65 + 0x300 */
    cr_assert_eq(r->len, 16);
    expect("P43=2300000000000000", "OK");           /* 0x43 = 65 + 2: frm */
    hv_vcpu_get_reg(g->vcpus[0], HV_REG_CSR(2), &v);
    cr_assert_eq(v, 3);
    expect("p44", "60000000");                      /* fcsr = frm 3 << 5 */
    expect("p1041", "0300000000000000");            /* priv = M */
    expect("p2000", "E01");
    expect("pzz", "E01");
    expect("P5=01", "E01");
    /* G writes x and pc (and f when present); x0 stays 0. */
    char G[1 + 65 * 16 + 1];
    G[0] = 'G';
    for (int i = 0; i < 65 * 16; i++)
        G[1 + i] = '0';
    memcpy(G + 1 + 7 * 16, "0700000000000000", 16);
    memcpy(G + 1 + 32 * 16, "0800008000000000", 16);
    memcpy(G + 1, "ffffffffffffffff", 16);
    G[sizeof G - 1] = 0;
    expect(G, "OK");
    hv_vcpu_get_reg(g->vcpus[0], HV_REG_X(7), &v);
    cr_assert_eq(v, 7);
    hv_vcpu_get_reg(g->vcpus[0], HV_REG_PC, &v);
    cr_assert_eq(v, RAM + 8);
    hv_vcpu_get_reg(g->vcpus[0], HV_REG_X(0), &v);
    cr_assert_eq(v, 0);
    expect("G0011", "E01");
    /* Hg selects the vCPU registers are read from. */
    hv_vcpu_set_reg(g->vcpus[1], HV_REG_X(10), 0x42);
    expect("Hg2", "OK");
    expect("pa", "4200000000000000");
    expect("Hg3", "E01");
    expect("Hg-1", "OK");
    teardown();
}

Test(gdb_cmd, memory_hex_and_binary)
{
    setup(HV_BACKEND_FULL);
    expect("M80000100,4:deadbeef", "OK");
    expect("m80000100,4", "deadbeef");
    /* X with escaped binary bytes: } # $ * and a NUL. */
    const char x[] = "X80000200,5:}]}\x03}\x04}\x0a\x00";
    cr_assert_eq(cmd_n(x, sizeof x - 1), HV__GDB_REPLY);
    cr_assert_str_eq(r->buf, "OK");
    uint8_t b[5];
    hv_vm_mem_read(vm, RAM + 0x200, b, 5);
    cr_assert_eq(memcmp(b, "}#$*\0", 5), 0);
    expect("X80000200,0:", "OK");                   /* gdb's probe for X support */
    expect("X80000200,5:ab", "E01");                /* length mismatch */
    expect("X80000200,1:}", "E01");                 /* dangling escape */
    expect("M80000100,4:dead", "E01");
    expect("M80000100,4:zzzzzzzz", "E01");
    expect("m0,4", "E0e");                          /* unmapped */
    expect("m800ffffe,4", "0000");                  /* readable prefix only */
    expect("m80000100", "E01");
    expect("m,", "E01");
    expect("M", "E01");
    /* A huge length is clamped to the packet size. */
    cr_assert_eq(cmd("m80000000,100000"), HV__GDB_REPLY);
    cr_assert_lt(r->len, HV__GDB_PACKET_MAX);
    teardown();
}

Test(gdb_cmd, breakpoints_use_the_api)
{
    setup(HV_BACKEND_FULL);
    static const uint32_t loop[] = { 0x00150513, 0x00150513, 0x00150513, 0xff5ff06f };
    hv_vm_mem_write(vm, RAM, loop, sizeof loop);
    expect("Z0,80000008,4", "OK");
    uint32_t w;
    hv_vm_mem_read(vm, RAM + 8, &w, 4);
    cr_assert_eq(w, 0x00150513, "guest memory is not patched");
    struct hv_exit ex;
    cr_assert_eq(hv_vcpu_run(g->vcpus[0], 0, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_BREAKPOINT);
    cr_assert_eq(ex.pc, RAM + 8);
    cr_assert_eq(hv_vcpu_run(g->vcpus[1], 0, &ex), 0);
    cr_assert_eq(ex.reason, HV_EXIT_BREAKPOINT, "set on every vCPU");
    expect("z0,80000008,4", "OK");
    expect("z0,80000008,4", "OK");                  /* clearing twice is fine */
    expect("Z1,80000000,4", "OK");                  /* hardware breakpoints: the same */
    expect("Z2,80000000,4", "OK");                  /* watchpoints (hv_vm_set_watchpoint) */
    expect("z2,80000000,4", "OK");
    expect("Z3,80000000,8", "OK");
    expect("Z4,80000000,8", "OK");
    expect("z3,80000000,8", "OK");
    expect("z4,80000000,8", "OK");
    expect("Z5,80000000,4", "");                    /* unknown kinds: unsupported */
    expect("Z0,zz", "E01");
    expect("Z0,1", "E01");
    for (int i = 0; i < HV_MAX_BREAKPOINTS - 1; i++) {
        char c[40];
        snprintf(c, sizeof c, "Z0,%x,4", 0x90000000 + 4 * i);
        expect(c, "OK");
    }
    expect("Z0,a0000000,4", "E0e");                 /* the per-vCPU limit */
    teardown();
}

Test(gdb_cmd, queries_threads_and_resume)
{
    setup(HV_BACKEND_FULL);
    cr_assert_eq(cmd("qSupported:multiprocess+;swbreak+"), HV__GDB_REPLY);
    cr_assert(strstr(r->buf, "PacketSize=4000"));
    cr_assert(strstr(r->buf, "qXfer:features:read+"));
    cr_assert(strstr(r->buf, "QStartNoAckMode+"));
    expect("QStartNoAckMode", "OK");
    cr_assert(g->no_ack);
    expect("?", "T05thread:1;");
    expect("qAttached", "1");
    expect("qC", "QC1");
    expect("qfThreadInfo", "m1,2");
    expect("qsThreadInfo", "l");
    expect("T2", "OK");
    expect("T3", "E01");
    expect("vCont?", "vCont;c;C;s;S");
    expect("vMustReplyEmpty", "");
    expect("qUnknownThing", "");
    expect("", "");
    cr_assert_eq(cmd("c"), HV__GDB_CONTINUE);
    cr_assert_eq(cmd("s"), HV__GDB_STEP);
    cr_assert_eq(cmd("vCont;c"), HV__GDB_CONTINUE);
    cr_assert_eq(cmd("vCont;s:2;c"), HV__GDB_STEP);
    cr_assert_eq(g->step_vcpu, 1);
    cr_assert_eq(cmd("vCont;C05:1"), HV__GDB_CONTINUE);
    expect("vCont;x", "E01");
    expect("vCont;s:9", "E01");
    cr_assert_eq(cmd("s80000010"), HV__GDB_STEP);
    uint64_t pc;
    hv_vcpu_get_reg(g->vcpus[g->step_vcpu], HV_REG_PC, &pc);
    cr_assert_eq(pc, RAM + 0x10, "s ADDR resumes at ADDR");
    cr_assert_eq(cmd("D"), HV__GDB_DETACH);
    cr_assert_str_eq(r->buf, "OK");
    cr_assert_eq(cmd("k"), HV__GDB_KILL);
    cr_assert_eq(cmd("vKill;1"), HV__GDB_KILL);
    teardown();
}

/* The target description, read in chunks as gdb does; CSRs depend on the backend. */
static char *read_xml(void)
{
    static char xml[65536];
    size_t len = 0;
    for (;;) {
        char c[64];
        snprintf(c, sizeof c, "qXfer:features:read:target.xml:%zx,200", len);
        cr_assert_eq(cmd(c), HV__GDB_REPLY);
        cr_assert(r->buf[0] == 'm' || r->buf[0] == 'l', "%s", r->buf);
        memcpy(xml + len, r->buf + 1, r->len - 1);
        len += r->len - 1;
        if (r->buf[0] == 'l')
            break;
    }
    xml[len] = 0;
    return xml;
}

Test(gdb_cmd, target_description)
{
    setup(HV_BACKEND_FULL);
    char *xml = read_xml();
    cr_assert(strstr(xml, "<architecture>riscv:rv64</architecture>"));
    cr_assert(strstr(xml, "org.gnu.gdb.riscv.cpu"));
    cr_assert(strstr(xml, "org.gnu.gdb.riscv.fpu"));
    cr_assert(strstr(xml, "<reg name=\"mstatus\" bitsize=\"64\" type=\"int\" regnum=\"833\"/>"));
    cr_assert(strstr(xml, "name=\"satp\""));
    cr_assert(strstr(xml, "name=\"mcause\""));
    cr_assert(strstr(xml, "name=\"priv\""));
    expect("qXfer:features:read:other.xml:0,100", "E00");
    expect("qXfer:features:read:target.xml:zz", "E01");
    expect("qXfer:features:read:target.xml:100000,10", "l");
    teardown();
    setup(HV_BACKEND_PARA);
    xml = read_xml();
    cr_assert_null(strstr(xml, "mstatus"), "para has no machine CSRs");
    cr_assert(strstr(xml, "name=\"instret\""));
    teardown();
}

Test(gdb_cmd, malformed_commands_never_crash)
{
    setup(HV_BACKEND_PARA);
    static const char *const bad[] = {
        "m", "m,", "m,,", "M,:", "M1,1:", "X", "X1", "X1,", "X1,1", "p", "P", "P=", "P1=",
        "Z", "Z0", "Z0,", "z", "H", "Hx", "Hgzz", "T", "Tzz", "C", "Czz", "S", "vCont",
        "vCont;", "vCont;C", "vCont;cc", "qXfer:features:read:", "qXfer:features:read:target.xml:",
        "G", "Gzz", "\xff\xfe", "}}}}", "$#", "qSupported:\xff",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int a = cmd(bad[i]);
        cr_assert(a >= HV__GDB_REPLY && a <= HV__GDB_KILL);
        cr_assert_lt(r->len, sizeof r->buf);
    }
    /* Random printable garbage through the interpreter. */
    unsigned seed = 7;
    char buf[64];
    for (int i = 0; i < 20000; i++) {
        size_t n = 1 + i % 40;
        for (size_t k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            buf[k] = "mMXpPzZHTcsCSvqgG?:,;0123456789abcdef=-"[(seed >> 16) % 39];
        }
        buf[n] = 0;
        if (buf[0] == 'k' || buf[0] == 'D')
            continue;
        hv__gdb_command(g, buf, n, r);
    }
    teardown();
}
