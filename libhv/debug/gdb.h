/* SPDX-License-Identifier: MIT */
/* libhv debug — internal interface of the GDB remote stub: the RSP packet layer (framing,
 * checksums, escaping, hex; pure functions) and the command interpreter, which works on a
 * struct hv_gdb without sockets so both are unit-testable (tests/unit/test_gdb_packet.c).
 * gdbstub.c adds the TCP server and the run loop (hv_gdb_open/serve/close). */
#ifndef HV_DEBUG_GDB_H
#define HV_DEBUG_GDB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/vm.h"

#define HV__GDB_PACKET_MAX 0x4000          /* advertised PacketSize (payload bytes) */

/* ---- packet layer ------------------------------------------------------------------------ */

/* Incremental receiver: feed bytes one at a time. */
struct hv__gdb_rx {
    int state;
    size_t len;
    bool overflow;             /* payload longer than buf: the packet is rejected */
    uint8_t sum, csum;
    char buf[HV__GDB_PACKET_MAX + 1];      /* payload as received (still escaped), NUL ended */
};

enum hv__gdb_rx_event {
    HV__GDB_RX_NONE = 0,       /* need more bytes */
    HV__GDB_RX_PACKET,         /* a packet with a good checksum is in buf[0..len) */
    HV__GDB_RX_BAD,            /* checksum mismatch or overflow: answer '-' */
    HV__GDB_RX_ACK,            /* '+' */
    HV__GDB_RX_NAK,            /* '-': resend the last packet */
    HV__GDB_RX_INTERRUPT       /* 0x03 outside a packet (Ctrl-C) */
};

void hv__gdb_rx_init(struct hv__gdb_rx *rx);
enum hv__gdb_rx_event hv__gdb_rx_byte(struct hv__gdb_rx *rx, uint8_t c);

/* Frame `payload` as $...#cs into out (escaping $ # } *); returns the length, or 0 if it
 * does not fit in cap. */
size_t hv__gdb_frame(const char *payload, size_t len, char *out, size_t cap);

/* Undo '}' escaping in place; returns the new length, or -1 for a dangling escape. */
long hv__gdb_unescape(char *buf, size_t len);

/* Hex helpers. hv__gdb_hex_decode returns the byte count or -1 (odd length, bad digit,
 * more than cap bytes). hv__gdb_parse_hex reads 1-16 hex digits at *p and advances it. */
void hv__gdb_hex_encode(const void *data, size_t n, char *out);
long hv__gdb_hex_decode(const char *hex, size_t len, void *out, size_t cap);
bool hv__gdb_parse_hex(const char **p, const char *end, uint64_t *val);

/* ---- the stub ---------------------------------------------------------------------------- */

/* Reply under construction (payload only; framing is done when sending). */
struct hv__gdb_reply {
    size_t len;
    bool overflow;
    char buf[2 * HV__GDB_PACKET_MAX + 64];
};

enum hv__gdb_action {
    HV__GDB_REPLY = 0,         /* send the reply and wait for the next packet */
    HV__GDB_CONTINUE,          /* resume all vCPUs (no reply until they stop) */
    HV__GDB_STEP,              /* one instruction on vCPU g->step_vcpu */
    HV__GDB_DETACH,            /* reply OK, drop breakpoints, let the guest run free */
    HV__GDB_KILL               /* stop serving */
};

struct hv_gdb {
    struct hv_vm *vm;
    unsigned nr;
    struct hv_vcpu *vcpus[HV_MAX_VCPUS];
    struct hv_exit exits[HV_MAX_VCPUS];    /* per vCPU: answers to hypercall exits travel here */
    unsigned cur_g, step_vcpu;             /* Hg thread (index), thread a step applies to */
    unsigned stopped;                      /* the vCPU the last stop is reported for */
    bool no_ack;
    char *xml;                             /* target description, built on first use */
    hv_checkpoint *cp;                     /* `monitor checkpoint` / `monitor rollback` */
    size_t xml_len;

    /* gdbstub.c: sockets, watcher thread */
    int listen_fd, client_fd;
    uint16_t port;
    struct hv__gdb_rx rx;
    char last[2 * HV__GDB_PACKET_MAX + 80];/* last framed packet, for '-' */
    size_t last_len;
    pthread_t watcher;
    bool watcher_started;
    pthread_mutex_t wlock;
    pthread_cond_t wcond;
    bool w_running, w_quit;
};

/* Bind to a VM (creates the vCPUs not yet created); no sockets. Returns 0 or HV_E*. */
int hv__gdb_attach(struct hv_gdb *g, struct hv_vm *vm);
void hv__gdb_detach_vm(struct hv_gdb *g);

/* Interpret one packet payload (as received, escaped). Returns an hv__gdb_action; for
 * HV__GDB_REPLY / DETACH the reply is in *r. */
int hv__gdb_command(struct hv_gdb *g, char *pkt, size_t len, struct hv__gdb_reply *r);

/* Stop reply for vCPU `idx` with signal `sig` ("T05thread:01;"). */
void hv__gdb_stop_reply(struct hv_gdb *g, unsigned idx, int sig, struct hv__gdb_reply *r);

#endif
