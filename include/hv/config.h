/* SPDX-License-Identifier: MIT */
/* libhv — VM configuration.
 * A struct hv_config describes one VM: backend, memory, vCPUs, boot images and devices.
 * Fill it with hv_config_init() (defaults), then set fields, or parse a libvirt-style
 * domain XML with hv_config_from_xml(). hv_vm_create() copies everything it needs, so a
 * config (and the strings it points to) only has to live until hv_vm_create() returns. */
#ifndef HV_CONFIG_H
#define HV_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include "hv/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Virtualization technique, fixed at VM creation. */
enum hv_backend {
    HV_BACKEND_FULL = 1, /* unmodified guests, emulated virt board, software MMU */
    HV_BACKEND_PARA = 2  /* modified guests: hypercalls, shared rings, direct memory */
};

/* How guest instructions are executed. */
enum hv_engine {
    HV_ENGINE_DEFAULT = 0, /* the fastest engine available for the backend */
    HV_ENGINE_INTERP = 1,  /* reference interpreter (the oracle) */
    HV_ENGINE_JIT = 2,     /* binary translator to x86-64 */
    /* Translator checked against the interpreter: the VM runs on the translator, one block
     * at a time, next to a hidden twin VM (same configuration, interpreter, serial output
     * discarded, disks transient) and compares registers and key CSRs after every block
     * and RAM periodically; the first difference stops the run with HV_EINTERNAL and a
     * message naming it. Full backend, one vCPU; implies deterministic mode. Slow: for
     * debugging the translator. Guest input (console, hub/user networks) is not mirrored
     * into the twin, so those are refused. */
    HV_ENGINE_LOCKSTEP = 3
};

/* Whether guest RAM is backed by the host's transparent huge pages (2 MiB). Huge pages
 * make a guest with a large working set miss the host TLB far less, but every touched
 * 2 MiB range then costs 2 MiB of host memory (a tiny guest touching its kernel and the top
 * of RAM: 4 MiB instead of a few pages) and a fault may stall on the host compacting
 * memory (tens of ms). */
enum hv_hugepages {
    HV_HUGEPAGES_AUTO = 0, /* default: huge pages for RAM of HV_HUGEPAGES_AUTO_MIN bytes or
                              more, 4 KiB pages for smaller VMs (many small VMs fit) */
    HV_HUGEPAGES_OFF = 1,  /* 4 KiB pages only (MADV_NOHUGEPAGE, even when the host's THP
                              mode is "always") */
    HV_HUGEPAGES_ON = 2    /* ask for huge pages whatever the size (MADV_HUGEPAGE) */
};

/* How the para backend starts a kernel (the full backend boots every kernel through its
 * firmware or directly in M-mode, and ignores this). */
enum hv_kernel_boot {
    HV_KERNEL_BOOT_AUTO = 0,   /* default: the Linux protocol for a RISC-V kernel Image (its
                                  header's magic), the ABI 1.x entry for anything else */
    HV_KERNEL_BOOT_LINUX = 1,  /* the Linux protocol also for an ELF (an S-mode kernel):
                                  hart 0 at the entry with a1 = the generated device tree,
                                  the other harts stopped until SBI HSM hart_start */
    HV_KERNEL_BOOT_ENTRY = 2   /* ABI 1.x: every hart at the entry, a1 = start-info */
};
#define HV_HUGEPAGES_AUTO_MIN (256ull << 20)

/* What happens when the guest powers off, reboots or crashes (libvirt's on_* elements). */
enum hv_lifecycle_action {
    HV_ACTION_DESTROY = 0, /* stop the VM: hv_vcpu_run() returns the exit to the caller */
    HV_ACTION_RESTART = 1, /* reset the board and boot again inside the library */
    HV_ACTION_PRESERVE = 2 /* stop, keep state for inspection (same as DESTROY for now) */
};

/* Host side of a character device (serial port, console). */
enum hv_chardev_type {
    HV_CHARDEV_NULL = 0,   /* output discarded, no input */
    HV_CHARDEV_STDIO = 1,  /* host stdin/stdout of the process */
    HV_CHARDEV_FILE = 2,   /* output appended to `path`, no input */
    HV_CHARDEV_BUFFER = 3, /* in memory; output is passed to `on_output`, input is fed with
                              hv_vm_console_input() */
    HV_CHARDEV_PTY = 4,    /* a new pseudo-terminal; its path is logged (HV_LOG_INFO)
                              and returned by hv_vm_chardev_name() */
    HV_CHARDEV_SOCKET = 5  /* unix stream socket at `path`, libhv listens (server) */
};

/* Called from the vCPU thread with guest output. `data` is valid only during the call. */
typedef void (*hv_output_fn)(void *opaque, const uint8_t *data, size_t len);

struct hv_chardev_config {
    enum hv_chardev_type type;
    const char *path;      /* FILE, SOCKET */
    hv_output_fn on_output; /* BUFFER */
    void *opaque;          /* passed to on_output */
};

enum hv_disk_format {
    HV_DISK_RAW = 0
};

struct hv_disk_config {
    const char *path;      /* host file; NULL with mem_size > 0 gives an in-memory disk */
    uint64_t mem_size;     /* size of an in-memory disk (bytes), when path is NULL */
    int readonly;          /* non-zero: guest writes fail with an I/O error */
    int transient;         /* non-zero: guest writes go to a private in-memory overlay and
                            * are dropped when the VM is destroyed; the file is opened
                            * read-only and never changes (libvirt's <transient/>) */
    enum hv_disk_format format;
    const char *target;    /* guest name hint ("vda"); informational */
    const char *serial;    /* device serial / id string returned by GET_ID; may be NULL */
};

enum hv_net_type {
    HV_NET_NONE = 0,
    HV_NET_LOOPBACK = 1, /* frames sent by the guest are delivered back to it */
    HV_NET_HUB = 2,      /* all NICs on the same hub id see each other's frames */
    HV_NET_USER = 3      /* user-mode networking (libslirp) when built with it */
};

#define HV_MAX_HOSTFWD 8

/* HV_NET_USER: a host port forwarded into the guest (QEMU's hostfwd). libhv listens on
 * host_addr:host_port and connects each accepted connection (or forwards each datagram) to
 * the guest's address 10.0.2.15, port guest_port. Only loopback host addresses are allowed:
 * hv_vm_create() refuses any other with HV_EINVAL. */
struct hv_net_hostfwd {
    int udp;               /* 0: TCP, non-zero: UDP */
    uint32_t host_addr;    /* IPv4, host byte order, in 127.0.0.0/8; 0 means 127.0.0.1 */
    uint16_t host_port;    /* 1..65535 */
    uint16_t guest_port;   /* 1..65535 */
};

struct hv_net_config {
    enum hv_net_type type;
    uint8_t mac[6];        /* all zero: derived from the VM uuid and NIC index */
    unsigned hub;          /* hub id for HV_NET_HUB */
    /* HV_NET_USER (user-mode networking, libslirp): the guest sits on 10.0.2.0/24 with the
     * gateway 10.0.2.2 (which stands for the host's 127.0.0.1), DNS 10.0.2.3 and DHCP
     * handing out 10.0.2.15. host_only non-zero: frames to any address outside 10.0.2.0/24
     * are dropped and DNS is off, so the guest reaches only the host's loopback. */
    int host_only;
    struct hv_net_hostfwd fwd[HV_MAX_HOSTFWD];
    unsigned nr_fwd;
};

enum hv_log_level { HV_LOG_ERROR = 0, HV_LOG_WARN = 1, HV_LOG_INFO = 2, HV_LOG_DEBUG = 3 };

/* Logging callback. Called from whatever thread logs; `msg` has no trailing newline and is
 * valid only during the call. The library never writes to stdout/stderr itself. */
#define HV_TRACE_IN_ASM 1u
#define HV_TRACE_OUT_ASM 2u

typedef void (*hv_log_fn)(void *opaque, enum hv_log_level level, const char *msg);

/* A network fabric that VMs of one process can share (hv_config.net_fabric): e.g. two VMs
 * with a HV_NET_HUB NIC on the same hub id exchange Ethernet frames. Reference-counted and
 * thread-safe: each VM created with it holds a reference until hv_vm_destroy, so the
 * creator may release its own at any time. */
typedef struct hv_net hv_net_fabric;
HV_API int hv_net_fabric_create(hv_net_fabric **out);
HV_API void hv_net_fabric_release(hv_net_fabric *fabric);

#define HV_MAX_VCPUS 8
#define HV_MAX_DISKS 8
#define HV_MAX_NICS 4

struct hv_config {
    uint32_t size;             /* sizeof(struct hv_config), set by hv_config_init */
    enum hv_backend backend;   /* default HV_BACKEND_FULL */
    enum hv_engine engine;     /* default HV_ENGINE_DEFAULT */
    const char *name;          /* default "hv" */
    uint8_t uuid[16];          /* all zero: none given */
    uint64_t mem_size;         /* guest RAM in bytes at 0x80000000; default 128 MiB */
    unsigned nr_vcpus;         /* default 1, at most HV_MAX_VCPUS */

    /* Boot. bios: firmware image path, NULL for the backend's default, "none" for none
     * (direct boot: the kernel is started in M-mode at its entry point). */
    const char *bios;
    const char *kernel;        /* ELF or raw image */
    const char *initrd;
    const char *cmdline;
    const char *dtb;           /* full backend: use this device tree instead of generating one */

    struct hv_chardev_config serial;  /* full: NS16550A UART; para: console ring + DBCN */
    struct hv_disk_config disks[HV_MAX_DISKS];
    unsigned nr_disks;
    struct hv_net_config nics[HV_MAX_NICS];
    unsigned nr_nics;
    int rng;                   /* non-zero: add an entropy device (virtio-rng / para rng) */

    enum hv_lifecycle_action on_poweroff, on_reboot, on_crash;

    /* Determinism: time is a pure function of retired instructions, rng is seeded. */
    int deterministic;
    uint64_t rng_seed;
    uint64_t insns_per_tick;   /* deterministic mode: retired instructions per 10 MHz tick */

    hv_log_fn log;
    void *log_opaque;
    enum hv_log_level log_level; /* messages above this level are not formatted; default WARN */
    /* Translator tracing (HV_TRACE_* flags, default 0): each translated block's guest code
     * (in_asm) and/or generated host code (out_asm) is logged at HV_LOG_INFO. */
    unsigned trace;
    /* Transparent huge pages for guest RAM (default HV_HUGEPAGES_AUTO). Advice to the host
     * kernel: a host with THP "never" gives 4 KiB pages whatever this says. */
    enum hv_hugepages hugepages;
    /* Para backend: the boot protocol of cfg.kernel (default HV_KERNEL_BOOT_AUTO). */
    enum hv_kernel_boot kernel_boot;
    /* Non-zero: each vCPU's stats time the handling of device-register accesses and
     * hypercalls (struct hv_stats.exit_ns; two clock reads per exit). Default 0. Not part
     * of the domain XML. */
    int time_exits;
    /* Network fabric for this VM's NICs: NULL (default) a private one; else a fabric from
     * hv_net_fabric_create, shared with every other VM given the same one: their hub NICs
     * (HV_NET_HUB) on the same hub id see each other's frames. Not part of the XML. */
    hv_net_fabric *net_fabric;

    void *owned_;              /* private: storage owned by hv_config_from_xml() */
};


/* Fill `cfg` with defaults. Always call this first: future fields get safe defaults. */
HV_API void hv_config_init(struct hv_config *cfg);

/* Free storage a config owns (strings from hv_config_from_xml). Safe on a config filled by
 * hv_config_init; the config is re-initialised afterwards. NULL is accepted. */
HV_API void hv_config_dispose(struct hv_config *cfg);

/* Parse a libvirt-style domain XML document (docs/XML.md) of `len` bytes into `cfg`, which
 * is first re-initialised. On failure returns a negative HV_E* code and, if `errbuf` is not
 * NULL, writes a message naming the line into it (NUL-terminated, truncated to errlen).
 * Strings in `cfg` are owned by it: release them with hv_config_dispose(). */
HV_API int hv_config_from_xml(struct hv_config *cfg, const char *xml, size_t len,
                              char *errbuf, size_t errlen);

/* Same, reading the document from a file. */
HV_API int hv_config_from_xml_file(struct hv_config *cfg, const char *path,
                                   char *errbuf, size_t errlen);

/* Serialise `cfg` as domain XML. On success *out is a NUL-terminated string the caller
 * frees with free(). Parsing the result gives an equal config (round trip). */
HV_API int hv_config_to_xml(const struct hv_config *cfg, char **out);

/* Parse a size such as "128M", "2G", "4096" (bytes) or "1 GiB". Suffixes are binary (K, KB
 * and KiB all mean 1024). Returns 0, HV_EINVAL (not a size) or HV_ERANGE (overflows 64 bits). */
HV_API int hv_parse_size(const char *text, uint64_t *out);

#ifdef __cplusplus
}
#endif
#endif
