/* SPDX-License-Identifier: MIT */
/* libhv debug — the GDB stub's command interpreter: one RSP packet in, one reply (or a
 * resume action) out. Registers follow GDB's RISC-V numbering (x0-x31, pc, f0-f31, then
 * CSR n as 65 + n, priv as 4161) and a target description with the cpu, fpu, csr and
 * virtual features; memory is guest-virtual; breakpoints use hv_vcpu_set_breakpoint. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "debug/gdb.h"

#define GDB_REG_PC 32
#define GDB_REG_F0 33
#define GDB_REG_CSR0 65
#define GDB_REG_PRIV (65 + 4096)
#define SIGTRAP_ 5

/* ---- reply helpers ----------------------------------------------------------------------- */

static void put(struct hv__gdb_reply *r, const char *s, size_t n)
{
    if (r->len + n >= sizeof(r->buf)) {
        r->overflow = true;
        return;
    }
    memcpy(r->buf + r->len, s, n);
    r->len += n;
    r->buf[r->len] = 0;
}

static void puts_(struct hv__gdb_reply *r, const char *s)
{
    put(r, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3))) putf(struct hv__gdb_reply *r,
                                                         const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        put(r, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void put_hex(struct hv__gdb_reply *r, const void *data, size_t n)
{
    if (r->len + 2 * n >= sizeof(r->buf)) {
        r->overflow = true;
        return;
    }
    hv__gdb_hex_encode(data, n, r->buf + r->len);
    r->len += 2 * n;
    r->buf[r->len] = 0;
}

static int error(struct hv__gdb_reply *r, int code)
{
    r->len = 0;
    putf(r, "E%02x", code & 0xff);
    return HV__GDB_REPLY;
}

static int ok(struct hv__gdb_reply *r)
{
    puts_(r, "OK");
    return HV__GDB_REPLY;
}

static bool starts(const char *pkt, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && !memcmp(pkt, prefix, n);
}

/* ---- target description ------------------------------------------------------------------ */

static const char *const xnames[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "fp", "s1", "a0", "a1", "a2", "a3",
    "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
    "t3", "t4", "t5", "t6"
};
static const char *const fnames[32] = {
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1",
    "fa2", "fa3", "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7",
    "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11"
};

/* CSRs offered to gdb when the backend has them (each is probed with get_reg). */
static const struct { unsigned num; const char *name; } csrs[] = {
    { 0x100, "sstatus" }, { 0x104, "sie" }, { 0x105, "stvec" }, { 0x106, "scounteren" },
    { 0x10a, "senvcfg" }, { 0x140, "sscratch" }, { 0x141, "sepc" }, { 0x142, "scause" },
    { 0x143, "stval" }, { 0x144, "sip" }, { 0x14d, "stimecmp" }, { 0x180, "satp" },
    { 0x300, "mstatus" }, { 0x301, "misa" }, { 0x302, "medeleg" }, { 0x303, "mideleg" },
    { 0x304, "mie" }, { 0x305, "mtvec" }, { 0x306, "mcounteren" }, { 0x30a, "menvcfg" },
    { 0x340, "mscratch" }, { 0x341, "mepc" }, { 0x342, "mcause" }, { 0x343, "mtval" },
    { 0x344, "mip" }, { 0xb00, "mcycle" }, { 0xb02, "minstret" }, { 0xc00, "cycle" },
    { 0xc01, "time" }, { 0xc02, "instret" }, { 0xf11, "mvendorid" }, { 0xf12, "marchid" },
    { 0xf13, "mimpid" }, { 0xf14, "mhartid" },
};

struct strbuf {
    char *s;
    size_t len, cap;
    bool oom;
};

static void sb_add(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct strbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = (b->cap + (size_t)n + 1) * 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

static int build_xml(struct hv_gdb *g)
{
    struct strbuf b = { .s = malloc(4096), .cap = 4096 };
    if (!b.s)
        return HV_ENOMEM;
    struct hv_vcpu *v = g->vcpus[0];
    sb_add(&b, "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
               "<target version=\"1.0\">\n<architecture>riscv:rv64</architecture>\n"
               "<feature name=\"org.gnu.gdb.riscv.cpu\">\n");
    for (unsigned i = 0; i < 32; i++)
        sb_add(&b, "<reg name=\"%s\" bitsize=\"64\" type=\"%s\" regnum=\"%u\"/>\n", xnames[i],
               i == 1 ? "code_ptr" : i == 2 ? "data_ptr" : "int", i);
    sb_add(&b, "<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"32\"/>\n"
               "</feature>\n<feature name=\"org.gnu.gdb.riscv.fpu\">\n");
    for (unsigned i = 0; i < 32; i++)
        sb_add(&b, "<reg name=\"%s\" bitsize=\"64\" type=\"ieee_double\" regnum=\"%u\"/>\n",
               fnames[i], GDB_REG_F0 + i);
    sb_add(&b, "<reg name=\"fflags\" bitsize=\"32\" type=\"int\" regnum=\"66\"/>\n"
               "<reg name=\"frm\" bitsize=\"32\" type=\"int\" regnum=\"67\"/>\n"
               "<reg name=\"fcsr\" bitsize=\"32\" type=\"int\" regnum=\"68\"/>\n"
               "</feature>\n<feature name=\"org.gnu.gdb.riscv.csr\">\n");
    for (size_t i = 0; i < sizeof(csrs) / sizeof(csrs[0]); i++) {
        uint64_t val;
        if (hv_vcpu_get_reg(v, HV_REG_CSR(csrs[i].num), &val) == 0)
            sb_add(&b, "<reg name=\"%s\" bitsize=\"64\" type=\"int\" regnum=\"%u\"/>\n",
                   csrs[i].name, GDB_REG_CSR0 + csrs[i].num);
    }
    sb_add(&b, "</feature>\n<feature name=\"org.gnu.gdb.riscv.virtual\">\n"
               "<reg name=\"priv\" bitsize=\"64\" type=\"int\" regnum=\"%u\"/>\n"
               "</feature>\n</target>\n", GDB_REG_PRIV);
    if (b.oom) {
        free(b.s);
        return HV_ENOMEM;
    }
    free(g->xml);
    g->xml = b.s;
    g->xml_len = b.len;
    return 0;
}

/* ---- registers --------------------------------------------------------------------------- */

/* GDB register number -> libhv register and its size in the protocol. */
static bool map_reg(uint64_t n, unsigned *reg, unsigned *size)
{
    *size = 8;
    if (n < 32)
        *reg = HV_REG_X((unsigned)n);
    else if (n == GDB_REG_PC)
        *reg = HV_REG_PC;
    else if (n >= GDB_REG_F0 && n < GDB_REG_F0 + 32)
        *reg = HV_REG_F((unsigned)(n - GDB_REG_F0));
    else if (n == GDB_REG_PRIV)
        *reg = HV_REG_PRIV;
    else if (n >= GDB_REG_CSR0 && n < GDB_REG_CSR0 + 4096) {
        unsigned csr = (unsigned)(n - GDB_REG_CSR0);
        *reg = HV_REG_CSR(csr);
        if (csr >= 1 && csr <= 3)
            *size = 4;
    } else
        return false;
    return true;
}

static struct hv_vcpu *cur(struct hv_gdb *g)
{
    return g->vcpus[g->cur_g < g->nr ? g->cur_g : 0];
}

static int cmd_read_regs(struct hv_gdb *g, struct hv__gdb_reply *r)
{
    struct hv_regs regs;
    if (hv_vcpu_get_regs(cur(g), &regs) < 0)
        return error(r, 1);
    put_hex(r, regs.x, sizeof(regs.x));
    put_hex(r, &regs.pc, 8);
    put_hex(r, regs.f, sizeof(regs.f));
    return HV__GDB_REPLY;
}

static int cmd_write_regs(struct hv_gdb *g, const char *p, size_t len, struct hv__gdb_reply *r)
{
    uint64_t raw[65];
    long n = hv__gdb_hex_decode(p, len, raw, sizeof(raw));
    if (n < 33 * 8 || n % 8)
        return error(r, 1);
    struct hv_regs regs;
    if (hv_vcpu_get_regs(cur(g), &regs) < 0)
        return error(r, 1);
    memcpy(regs.x, raw, sizeof(regs.x));
    regs.pc = raw[32];
    if (n == (long)sizeof(raw))
        memcpy(regs.f, raw + 33, sizeof(regs.f));
    return hv_vcpu_set_regs(cur(g), &regs) < 0 ? error(r, 1) : ok(r);
}

static int cmd_read_reg(struct hv_gdb *g, const char *p, const char *end,
                        struct hv__gdb_reply *r)
{
    uint64_t n, val;
    unsigned reg, size;
    if (!hv__gdb_parse_hex(&p, end, &n) || p != end || !map_reg(n, &reg, &size))
        return error(r, 1);
    if (hv_vcpu_get_reg(cur(g), reg, &val) < 0)
        return error(r, 1);
    put_hex(r, &val, size);                 /* little-endian host, little-endian target */
    return HV__GDB_REPLY;
}

static int cmd_write_reg(struct hv_gdb *g, const char *p, const char *end,
                         struct hv__gdb_reply *r)
{
    uint64_t n, val = 0;
    unsigned reg, size;
    if (!hv__gdb_parse_hex(&p, end, &n) || p == end || *p++ != '=' || !map_reg(n, &reg, &size))
        return error(r, 1);
    long got = hv__gdb_hex_decode(p, (size_t)(end - p), &val, 8);
    if (got != (long)size && got != 8)
        return error(r, 1);
    return hv_vcpu_set_reg(cur(g), reg, val) < 0 ? error(r, 1) : ok(r);
}

/* ---- memory ------------------------------------------------------------------------------ */

/* "addr,len" then `sep` (or the end when sep is 0). */
static bool parse_addr_len(const char **p, const char *end, char sep, uint64_t *addr,
                           uint64_t *len)
{
    if (!hv__gdb_parse_hex(p, end, addr) || *p == end || *(*p)++ != ',' ||
        !hv__gdb_parse_hex(p, end, len))
        return false;
    if (!sep)
        return *p == end;
    return *p < end && *(*p)++ == sep;
}

static int cmd_read_mem(struct hv_gdb *g, const char *p, const char *end,
                        struct hv__gdb_reply *r)
{
    uint64_t addr, len;
    uint8_t buf[HV__GDB_PACKET_MAX / 2];
    if (!parse_addr_len(&p, end, 0, &addr, &len))
        return error(r, 1);
    if (len > sizeof(buf) - 8)
        len = sizeof(buf) - 8;
    if (hv_vcpu_mem_read(cur(g), addr, buf, len) == 0) {
        put_hex(r, buf, len);
        return HV__GDB_REPLY;
    }
    /* Partly unmapped: answer the readable prefix (gdb accepts a short reply). */
    size_t n = 0;
    while (n < len && hv_vcpu_mem_read(cur(g), addr + n, buf + n, 1) == 0)
        n++;
    if (!n)
        return error(r, 0x0e);
    put_hex(r, buf, n);
    return HV__GDB_REPLY;
}

static int cmd_write_mem(struct hv_gdb *g, char *p, char *end, bool binary,
                         struct hv__gdb_reply *r)
{
    uint64_t addr, len;
    static const size_t cap = HV__GDB_PACKET_MAX;
    if (!parse_addr_len((const char **)&p, end, ':', &addr, &len) || len > cap)
        return error(r, 1);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return error(r, 0x0c);
    long n;
    if (binary) {
        n = hv__gdb_unescape(p, (size_t)(end - p));
        if (n >= 0 && (uint64_t)n == len)
            memcpy(buf, p, (size_t)n);
    } else {
        n = hv__gdb_hex_decode(p, (size_t)(end - p), buf, len);
    }
    int rc = n < 0 || (uint64_t)n != len ? -1 : hv_vcpu_mem_write(cur(g), addr, buf, len);
    free(buf);
    return rc < 0 ? error(r, rc == -1 ? 1 : 0x0e) : ok(r);
}

/* ---- breakpoints ------------------------------------------------------------------------- */

static int cmd_breakpoint(struct hv_gdb *g, const char *p, const char *end, bool set,
                          struct hv__gdb_reply *r)
{
    uint64_t type, addr, kind;
    if (!hv__gdb_parse_hex(&p, end, &type) || p == end || *p++ != ',' ||
        !hv__gdb_parse_hex(&p, end, &addr) || p == end || *p++ != ',' ||
        !hv__gdb_parse_hex(&p, end, &kind))
        return error(r, 1);
    if (type >= 2 && type <= 4) {
        /* Z2 write, Z3 read, Z4 access watchpoints: VM-wide (every vCPU). */
        static const int wt[] = { HV_WATCH_WRITE, HV_WATCH_READ, HV_WATCH_ACCESS };
        int rc = set ? hv_vm_set_watchpoint(g->vm, addr, kind ? kind : 1, wt[type - 2])
                     : hv_vm_clear_watchpoint(g->vm, addr, kind ? kind : 1, wt[type - 2]);
        return rc < 0 && rc != HV_ENOENT ? error(r, 0x0e) : ok(r);
    }
    if (type > 1)
        return HV__GDB_REPLY;               /* unknown kinds: not supported (empty reply) */
    for (unsigned i = 0; i < g->nr; i++) {
        int rc = set ? hv_vcpu_set_breakpoint(g->vcpus[i], addr)
                     : hv_vcpu_clear_breakpoint(g->vcpus[i], addr);
        if (rc < 0 && rc != HV_ENOENT)
            return error(r, 0x0e);
    }
    return ok(r);
}

/* ---- threads, resume ----------------------------------------------------------------------- */

/* Thread ids are vCPU index + 1; -1 and 0 mean "any". Returns the index, -1 for any,
 * -2 for an invalid id. */
static int parse_thread(const char *p, const char *end)
{
    if (end - p == 2 && p[0] == '-' && p[1] == '1')
        return -1;
    uint64_t t;
    if (!hv__gdb_parse_hex(&p, end, &t) || p != end)
        return -2;
    return t == 0 ? -1 : t > HV_MAX_VCPUS ? -2 : (int)t - 1;
}

static int cmd_set_thread(struct hv_gdb *g, const char *p, const char *end,
                          struct hv__gdb_reply *r)
{
    if (p == end)
        return error(r, 1);
    char op = *p++;
    int t = parse_thread(p, end);
    if (t == -2 || t >= (int)g->nr)
        return error(r, 1);
    if (op == 'g')
        g->cur_g = t < 0 ? g->stopped : (unsigned)t;
    else
        g->step_vcpu = t < 0 ? g->stopped : (unsigned)t;
    return ok(r);
}

/* c/s/C/S with an optional resume address: sets the pc of the vCPU concerned. */
static int resume(struct hv_gdb *g, const char *p, const char *end, bool step, bool sig,
                  struct hv__gdb_reply *r)
{
    uint64_t addr, signo;
    if (sig) {
        if (!hv__gdb_parse_hex(&p, end, &signo))
            return error(r, 1);
        if (p < end && *p == ';')
            p++;
    }
    if (p < end) {
        if (!hv__gdb_parse_hex(&p, end, &addr) || p != end)
            return error(r, 1);
        hv_vcpu_set_reg(g->vcpus[step ? g->step_vcpu : g->stopped], HV_REG_PC, addr);
    }
    return step ? HV__GDB_STEP : HV__GDB_CONTINUE;
}

/* vCont;action[:thread]... — a step for one thread wins (others stay stopped); else c. */
static int cmd_vcont(struct hv_gdb *g, const char *p, const char *end, struct hv__gdb_reply *r)
{
    bool cont = false;
    while (p < end) {
        if (*p++ != ';' || p == end)
            return error(r, 1);
        char a = *p++;
        if (a == 'C' || a == 'S') {
            uint64_t sig;
            if (!hv__gdb_parse_hex(&p, end, &sig))
                return error(r, 1);
        }
        int t = -1;
        if (p < end && *p == ':') {
            const char *q = ++p;
            while (p < end && *p != ';')
                p++;
            t = parse_thread(q, p);
            if (t == -2 || t >= (int)g->nr)
                return error(r, 1);
        }
        if (a == 's' || a == 'S') {
            g->step_vcpu = t < 0 ? g->stopped : (unsigned)t;
            return HV__GDB_STEP;
        }
        if (a == 'c' || a == 'C')
            cont = true;
        else
            return error(r, 1);
    }
    return cont ? HV__GDB_CONTINUE : error(r, 1);
}

/* ---- queries ------------------------------------------------------------------------------ */

static int cmd_xfer_features(struct hv_gdb *g, const char *p, const char *end,
                             struct hv__gdb_reply *r)
{
    static const char annex[] = "target.xml:";
    if ((size_t)(end - p) < sizeof(annex) - 1 || memcmp(p, annex, sizeof(annex) - 1))
        return error(r, 0);
    p += sizeof(annex) - 1;
    uint64_t off, len;
    if (!parse_addr_len(&p, end, 0, &off, &len))
        return error(r, 1);
    if (!g->xml && build_xml(g) < 0)
        return error(r, 0x0c);
    if (off >= g->xml_len) {
        puts_(r, "l");
        return HV__GDB_REPLY;
    }
    /* Every byte may need escaping when framed: stay within half the packet size. */
    uint64_t max = HV__GDB_PACKET_MAX / 2 - 4;
    if (len > max)
        len = max;
    size_t n = g->xml_len - off < len ? g->xml_len - off : len;
    puts_(r, off + n < g->xml_len ? "m" : "l");
    put(r, g->xml + off, n);
    return HV__GDB_REPLY;
}

/* ---- monitor commands (qRcmd) --------------------------------------------------------- */

static void sb_regs(struct strbuf *b, struct hv_vcpu *v, unsigned idx)
{
    struct hv_regs regs;
    if (hv_vcpu_get_regs(v, &regs) < 0)
        return;
    sb_add(b, "hart %u: pc %016llx priv %llu\n", idx, (unsigned long long)regs.pc,
           (unsigned long long)regs.priv);
    for (unsigned i = 1; i < 32; i++)
        sb_add(b, "%4s %016llx%s", xnames[i], (unsigned long long)regs.x[i],
               i % 4 == 3 ? "\n" : "  ");
    sb_add(b, "\n");
}

static void sb_stats(struct strbuf *b, struct hv_vcpu *v, unsigned idx)
{
    struct hv_stats st;
    if (hv_vcpu_get_stats(v, &st) < 0)
        return;
    sb_add(b, "hart %u: instructions %llu exits %llu exceptions %llu interrupts %llu "
           "tlb_misses %llu mmio %llu hypercalls %llu blocks_translated %llu\n", idx,
           (unsigned long long)st.instructions, (unsigned long long)st.exits,
           (unsigned long long)st.exceptions, (unsigned long long)st.interrupts,
           (unsigned long long)st.tlb_misses, (unsigned long long)st.mmio_traps,
           (unsigned long long)st.hypercalls, (unsigned long long)st.blocks_translated);
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* `monitor CMD`: the reply is CMD's output, hex encoded (or an error). */
static int cmd_monitor(struct hv_gdb *g, const char *p, const char *end,
                       struct hv__gdb_reply *r)
{
    char cmd[64];
    size_t n = 0;
    for (; p + 1 < end && n + 1 < sizeof cmd; p += 2) {
        int hi = hexval(p[0]), lo = hexval(p[1]);
        if (hi < 0 || lo < 0)
            return error(r, 1);
        cmd[n++] = (char)(hi << 4 | lo);
    }
    cmd[n] = 0;
    struct strbuf b = { 0 };
    if (!strcmp(cmd, "regs")) {
        for (unsigned i = 0; i < g->nr; i++)
            sb_regs(&b, g->vcpus[i], i);
    } else if (!strcmp(cmd, "stats")) {
        for (unsigned i = 0; i < g->nr; i++)
            sb_stats(&b, g->vcpus[i], i);
    } else if (!strcmp(cmd, "checkpoint")) {
        hv_checkpoint *cp = NULL;
        int rc = hv_vm_checkpoint(g->vm, &cp);
        if (rc < 0) {
            sb_add(&b, "checkpoint failed: %s\n", hv_vm_last_error(g->vm));
        } else {
            hv_checkpoint_free(g->cp);
            g->cp = cp;
            sb_add(&b, "checkpoint taken\n");
        }
    } else if (!strcmp(cmd, "rollback")) {
        int rc = g->cp ? hv_vm_rollback(g->vm, g->cp) : HV_ENOENT;
        if (rc < 0)
            sb_add(&b, "rollback failed: %s\n", g->cp ? hv_vm_last_error(g->vm)
                                                    : "no checkpoint (monitor checkpoint)");
        else
            sb_add(&b, "rolled back (registers changed: `maint flush register-cache`)\n");
    } else if (!strcmp(cmd, "hash")) {
        uint64_t h = 0;
        if (hv_vm_state_hash(g->vm, &h) == 0)
            sb_add(&b, "state hash %016llx\n", (unsigned long long)h);
    } else {
        sb_add(&b, "libhv monitor commands: regs (all harts), stats, checkpoint, rollback, "
               "hash\n");
    }
    if (!b.s || b.oom) {
        free(b.s);
        return error(r, 0x0c);
    }
    put_hex(r, b.s, b.len);
    free(b.s);
    return HV__GDB_REPLY;
}

static int cmd_query(struct hv_gdb *g, const char *pkt, size_t len, struct hv__gdb_reply *r)
{
    const char *end = pkt + len;
    if (starts(pkt, len, "qSupported")) {
        putf(r, "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;vContSupported+",
             HV__GDB_PACKET_MAX);
    } else if (starts(pkt, len, "qXfer:features:read:")) {
        return cmd_xfer_features(g, pkt + 20, end, r);
    } else if (len == 9 && starts(pkt, len, "qAttached")) {
        puts_(r, "1");
    } else if (starts(pkt, len, "qAttached:")) {
        puts_(r, "1");
    } else if (len == 2 && pkt[1] == 'C') {
        putf(r, "QC%x", g->stopped + 1);
    } else if (starts(pkt, len, "qfThreadInfo")) {
        puts_(r, "m");
        for (unsigned i = 0; i < g->nr; i++)
            putf(r, i ? ",%x" : "%x", i + 1);
    } else if (starts(pkt, len, "qsThreadInfo")) {
        puts_(r, "l");
    } else if (starts(pkt, len, "qSymbol")) {
        puts_(r, "OK");
    } else if (starts(pkt, len, "qRcmd,")) {
        return cmd_monitor(g, pkt + 6, end, r);
    }
    return HV__GDB_REPLY;                   /* unknown queries: empty reply */
}

void hv__gdb_stop_reply(struct hv_gdb *g, unsigned idx, int sig, struct hv__gdb_reply *r)
{
    r->len = 0;
    r->overflow = false;
    putf(r, "T%02xthread:%x;", sig & 0xff, idx + 1);
    const struct hv_exit *ex = &g->exits[idx];
    if (ex->reason == HV_EXIT_WATCHPOINT) {
        int t = g->vcpus[idx]->watch_type;
        putf(r, "%s:%llx;", t == HV_WATCH_ACCESS ? "awatch" : t == HV_WATCH_READ ? "rwatch"
                                                                                 : "watch",
             (unsigned long long)ex->u.watch.addr);
    }
}

/* ---- dispatch ---------------------------------------------------------------------------- */

int hv__gdb_command(struct hv_gdb *g, char *pkt, size_t len, struct hv__gdb_reply *r)
{
    r->len = 0;
    r->overflow = false;
    r->buf[0] = 0;
    if (!len)
        return HV__GDB_REPLY;
    char *end = pkt + len, *p = pkt + 1;
    int act = HV__GDB_REPLY;
    switch (pkt[0]) {
    case '?': hv__gdb_stop_reply(g, g->stopped, SIGTRAP_, r); break;
    case 'g': act = cmd_read_regs(g, r); break;
    case 'G': act = cmd_write_regs(g, p, (size_t)(end - p), r); break;
    case 'p': act = cmd_read_reg(g, p, end, r); break;
    case 'P': act = cmd_write_reg(g, p, end, r); break;
    case 'm': act = cmd_read_mem(g, p, end, r); break;
    case 'M': act = cmd_write_mem(g, p, end, false, r); break;
    case 'X': act = cmd_write_mem(g, p, end, true, r); break;
    case 'Z': act = cmd_breakpoint(g, p, end, true, r); break;
    case 'z': act = cmd_breakpoint(g, p, end, false, r); break;
    case 'H': act = cmd_set_thread(g, p, end, r); break;
    case 'T': act = parse_thread(p, end) >= 0 && parse_thread(p, end) < (int)g->nr
                    ? ok(r) : error(r, 1); break;
    case 'c': act = resume(g, p, end, false, false, r); break;
    case 's': act = resume(g, p, end, true, false, r); break;
    case 'C': act = resume(g, p, end, false, true, r); break;
    case 'S': act = resume(g, p, end, true, true, r); break;
    case 'D': ok(r); act = HV__GDB_DETACH; break;
    case 'k': act = HV__GDB_KILL; break;
    case 'q': act = cmd_query(g, pkt, len, r); break;
    case 'Q':
        if (len == 15 && starts(pkt, len, "QStartNoAckMode")) {
            g->no_ack = true;
            ok(r);
        }
        break;
    case 'v':
        if (len == 6 && starts(pkt, len, "vCont?"))
            puts_(r, "vCont;c;C;s;S");
        else if (starts(pkt, len, "vCont"))
            act = cmd_vcont(g, pkt + 5, end, r);
        else if (starts(pkt, len, "vKill"))
            act = HV__GDB_KILL;
        break;                          /* vMustReplyEmpty and the rest: empty */
    default:
        break;
    }
    if (r->overflow)
        return error(r, 0x0c);
    return act;
}

/* ---- binding to a VM --------------------------------------------------------------------- */

int hv__gdb_attach(struct hv_gdb *g, struct hv_vm *vm)
{
    g->vm = vm;
    g->nr = vm->cfg.nr_vcpus;
    for (unsigned i = 0; i < g->nr; i++) {
        if (vm->vcpus[i]) {
            g->vcpus[i] = vm->vcpus[i];
            continue;
        }
        int rc = hv_vcpu_create(vm, i, &g->vcpus[i]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

void hv__gdb_detach_vm(struct hv_gdb *g)
{
    free(g->xml);
    g->xml = NULL;
    hv_checkpoint_free(g->cp);
    g->cp = NULL;
}
