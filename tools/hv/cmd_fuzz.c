/* SPDX-License-Identifier: MIT */
/* hv fuzz — snapshot fuzzing of a guest (hv/fuzz.h) as an AFL++ target, or on given files.
 *
 * Under afl-fuzz (__AFL_SHM_ID set, forkserver pipes on fds 198/199) it speaks the forkserver
 * protocol of Debian 12's AFL++ 4.04c without forking per input: the hello announces the
 * edge-map size (64 KiB), then per input: read the 4-byte go word, report a pid, run the input (rollback + write + run), report
 * a wait status: 0 (clean), SIGSEGV (crash). The pid is a "decoy" child that only sleeps:
 * AFL kills the reported pid on its time-out, so a hang (budget used up) is reported by
 * waiting until AFL's timer fired and killed the decoy (status SIGKILL, which AFL counts as a
 * time-out), then a new decoy is started. The library is never killed. Signal handling and
 * process plumbing live here, not in libhv. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "hv_tool.h"

#define FORKSRV_FD 198
#define AFL_MAP_DEFAULT 65536u
#define INPUT_MAX_READ (1u << 20)

static void fuzz_usage(FILE *f)
{
    fprintf(f,
        "usage: hv fuzz [options] --kernel ELF --start LOC [FILE...]\n"
        "  Snapshot fuzzing: run the guest to LOC, checkpoint, then per input roll back,\n"
        "  write the input, run to --end and classify (docs/FUZZING.md). LOC is an ELF\n"
        "  symbol of the kernel or an address.\n"
        "  Under afl-fuzz:  afl-fuzz -i in -o out -- hv fuzz --kernel g.elf --start fuzz_start \\\n"
        "                     --end fuzz_end --input fuzz_input --input-len fuzz_input_len\n"
        "  (input from stdin, or put @@ in place of FILE). With FILE arguments and no\n"
        "  afl-fuzz: run each file once and print its classification; exit status 0 all\n"
        "  clean, 1 a crash, 2 a hang (crash wins), 125 error.\n"
        "  --backend full|para     (default full)\n"
        "  --engine jit|interp|lockstep   (default: the fastest)\n"
        "  --bios PATH|none        (default none: direct boot in M-mode)\n"
        "  --mem MiB               guest RAM (default 64)\n"
        "  --start LOC             checkpoint point (required)\n"
        "  --end LOC               clean end point (default: only the guest's exit)\n"
        "  --crash LOC             reaching LOC is a crash (e.g. a panic function)\n"
        "  --input LOC             where the input bytes go\n"
        "  --input-len LOC         where its length goes (uint32 LE)\n"
        "  --input-max N           truncate inputs to N bytes (default 4096)\n"
        "  --console               also feed the input to the guest console\n"
        "  --budget N              instructions per input before it is a hang (default 10M)\n"
        "  --no-coverage           do not maintain the edge map (measuring only)\n"
        "  --count N               without afl-fuzz: run each file N times (exec rate)\n"
        "  -v, --verbose           print each run's exit\n");
}

enum { F_BACKEND = 256, F_ENGINE, F_BIOS, F_KERNEL, F_MEM, F_START, F_END, F_CRASH, F_INPUT,
       F_INPUT_LEN, F_INPUT_MAX, F_CONSOLE, F_BUDGET, F_NOCOV, F_COUNT };

static const struct option fuzz_opts[] = {
    { "backend", required_argument, 0, F_BACKEND },
    { "engine", required_argument, 0, F_ENGINE },
    { "bios", required_argument, 0, F_BIOS },
    { "kernel", required_argument, 0, F_KERNEL },
    { "mem", required_argument, 0, F_MEM },
    { "start", required_argument, 0, F_START },
    { "end", required_argument, 0, F_END },
    { "crash", required_argument, 0, F_CRASH },
    { "input", required_argument, 0, F_INPUT },
    { "input-len", required_argument, 0, F_INPUT_LEN },
    { "input-max", required_argument, 0, F_INPUT_MAX },
    { "console", no_argument, 0, F_CONSOLE },
    { "budget", required_argument, 0, F_BUDGET },
    { "no-coverage", no_argument, 0, F_NOCOV },
    { "count", required_argument, 0, F_COUNT },
    { "verbose", no_argument, 0, 'v' },
    { "help", no_argument, 0, 'h' },
    { 0, 0, 0, 0 }
};

struct fuzz_tool {
    hv_vm *vm;
    hv_fuzz *fz;
    int verbose;
    const char *path;        /* input file (AFL's @@), or NULL: stdin */
    pid_t decoy;
    uint8_t *buf;
};

static const char *status_name(int s)
{
    return s == HV_FUZZ_CRASH ? "crash" : s == HV_FUZZ_HANG ? "hang" : "ok";
}

static int read_input(int fd, uint8_t *buf, size_t max, size_t *len)
{
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, max - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0 || (n += (size_t)r) == max)
            break;
    }
    *len = n;
    return 0;
}

static int read_file(const char *path, uint8_t *buf, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    int rc = read_input(fd, buf, max, len);
    close(fd);
    return rc;
}

/* ---- AFL++ forkserver -------------------------------------------------------------------- */

static pid_t start_decoy(void)
{
    pid_t p = fork();
    if (p == 0) {
        /* Hold none of afl-fuzz's pipes: if this server dies, afl-fuzz must see EOF. */
        for (int fd = 0; fd < 1024; fd++)
            close(fd);
        for (;;)
            pause();
    }
    return p;
}

static int write4(int fd, uint32_t v)
{
    return write(fd, &v, 4) == 4 ? 0 : -1;
}

static int read4(int fd, uint32_t *v)
{
    for (;;) {
        ssize_t r = read(fd, v, 4);
        if (r < 0 && errno == EINTR)
            continue;
        return r == 4 ? 0 : -1;
    }
}

/* AFL++ forkserver hello options (the 4.0x protocol): "options follow" and the map size,
 * encoded as (size - 1) << 1 in bits 1..23. Without it afl-fuzz 4.04c keeps its default
 * 8 MiB map and clears and scans all of it after every input (~1 ms). */
#define FS_OPT_ENABLED 0x80000001u
#define FS_OPT_MAPSIZE 0x40000000u
#define FS_OPT_MAX_MAPSIZE ((0x00fffffeu >> 1) + 1)

static int afl_loop(struct fuzz_tool *t, size_t map_size)
{
    uint32_t hello = 0;
    if (map_size > 1 && map_size <= FS_OPT_MAX_MAPSIZE)
        hello = FS_OPT_ENABLED | FS_OPT_MAPSIZE | (uint32_t)((map_size - 1) << 1);
    if (write4(FORKSRV_FD + 1, hello) < 0)
        return 0;                    /* not under afl-fuzz after all: nothing to do */
    for (;;) {
        uint32_t go;
        if (read4(FORKSRV_FD, &go) < 0)
            return 0;                /* afl-fuzz went away */
        /* A decoy AFL killed on an earlier time-out is replaced. */
        if (t->decoy <= 0 || waitpid(t->decoy, NULL, WNOHANG) == t->decoy)
            t->decoy = start_decoy();
        if (t->decoy < 0 || write4(FORKSRV_FD + 1, (uint32_t)t->decoy) < 0)
            return 125;
        size_t len = 0;
        int rc = t->path ? read_file(t->path, t->buf, INPUT_MAX_READ, &len)
                         : (lseek(0, 0, SEEK_SET), read_input(0, t->buf, INPUT_MAX_READ, &len));
        if (rc < 0) {
            fprintf(stderr, "hv fuzz: reading the input: %s\n", strerror(errno));
            return 125;
        }
        struct hv_fuzz_result res;
        rc = hv_fuzz_one(t->fz, t->buf, len, &res);
        if (rc == HV_EINTERNAL) {
            /* A libhv bug on this input: worth keeping, as a crash. */
            fprintf(stderr, "hv fuzz: internal error: %s\n", hv_vm_last_error(t->vm));
            res.status = HV_FUZZ_CRASH;
        } else if (rc < 0) {
            fprintf(stderr, "hv fuzz: %s: %s\n", hv_strerror(rc), hv_vm_last_error(t->vm));
            return 125;
        }
        uint32_t status = 0;
        if (res.status == HV_FUZZ_CRASH) {
            status = SIGSEGV;        /* "terminated by SIGSEGV": AFL saves it as a crash */
        } else if (res.status == HV_FUZZ_HANG) {
            /* Let AFL's timer fire: it kills the decoy, we report that death. */
            int ws = 0;
            while (waitpid(t->decoy, &ws, 0) < 0 && errno == EINTR)
                ;
            t->decoy = 0;
            status = (uint32_t)ws;
        }
        if (write4(FORKSRV_FD + 1, status) < 0)
            return 0;
    }
}

/* ---- files -------------------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int run_files(struct fuzz_tool *t, char **files, int n, uint64_t count)
{
    int worst = 0;
    for (int i = 0; i < n; i++) {
        size_t len = 0;
        if ((files ? read_file(files[i], t->buf, INPUT_MAX_READ, &len)
                   : read_input(0, t->buf, INPUT_MAX_READ, &len)) < 0) {
            fprintf(stderr, "hv fuzz: %s: %s\n", files ? files[i] : "stdin", strerror(errno));
            return 125;
        }
        struct hv_fuzz_result res;
        double t0 = now_s();
        for (uint64_t k = 0; k < count; k++) {
            int rc = hv_fuzz_one(t->fz, t->buf, len, &res);
            if (rc < 0) {
                fprintf(stderr, "hv fuzz: %s: %s\n", hv_strerror(rc), hv_vm_last_error(t->vm));
                return 125;
            }
        }
        double dt = now_s() - t0;
        printf("%s: %s (exit reason %d at pc %#llx, %llu instructions)",
               files ? files[i] : "stdin", status_name(res.status), res.exit.reason,
               (unsigned long long)res.exit.pc, (unsigned long long)res.instructions);
        if (count > 1)
            printf(", %.0f execs/s", (double)count / dt);
        printf("\n");
        int s = res.status == HV_FUZZ_CRASH ? 1 : res.status == HV_FUZZ_HANG ? 2 : 0;
        if (s == 1 || (s == 2 && worst == 0))
            worst = s;
    }
    return worst;
}

static void discard_output(void *opaque, const uint8_t *data, size_t len)
{
    (void)opaque, (void)data, (void)len;
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    *v = strtoull(s, &end, 0);
    return *s && !*end && !errno ? 0 : -1;
}

int hv_cmd_fuzz(int argc, char **argv)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.bios = "none";
    cfg.mem_size = 64ull << 20;
    cfg.deterministic = 1;
    cfg.serial.type = HV_CHARDEV_NULL;
    struct hv_fuzz_config fc;
    hv_fuzz_config_init(&fc);
    int nocov = 0, verbose = 0;
    uint64_t count = 1, v;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "vh", fuzz_opts, NULL)) != -1) {
        switch (c) {
        case F_BACKEND:
            if (!strcmp(optarg, "full"))
                cfg.backend = HV_BACKEND_FULL;
            else if (!strcmp(optarg, "para"))
                cfg.backend = HV_BACKEND_PARA;
            else
                goto bad;
            break;
        case F_ENGINE:
            if (!strcmp(optarg, "jit"))
                cfg.engine = HV_ENGINE_JIT;
            else if (!strcmp(optarg, "interp"))
                cfg.engine = HV_ENGINE_INTERP;
            else if (!strcmp(optarg, "lockstep"))
                cfg.engine = HV_ENGINE_LOCKSTEP;
            else
                goto bad;
            break;
        case F_BIOS: cfg.bios = optarg; break;
        case F_KERNEL: cfg.kernel = optarg; break;
        case F_MEM:
            if (parse_u64(optarg, &v) < 0 || !v)
                goto bad;
            cfg.mem_size = v << 20;
            break;
        case F_START: fc.start = optarg; break;
        case F_END: fc.end = optarg; break;
        case F_CRASH: fc.crash = optarg; break;
        case F_INPUT: fc.input = optarg; break;
        case F_INPUT_LEN: fc.input_len = optarg; break;
        case F_INPUT_MAX:
            if (parse_u64(optarg, &fc.input_max) < 0)
                goto bad;
            break;
        case F_CONSOLE: fc.console = 1; break;
        case F_BUDGET:
            if (parse_u64(optarg, &fc.budget) < 0)
                goto bad;
            break;
        case F_NOCOV: nocov = 1; break;
        case F_COUNT:
            if (parse_u64(optarg, &count) < 0 || !count)
                goto bad;
            break;
        case 'v': verbose = 1; break;
        case 'h': fuzz_usage(stdout); return 0;
        default: fuzz_usage(stderr); return 2;
        }
    }
    if (!cfg.kernel || !fc.start) {
        fprintf(stderr, "hv fuzz: --kernel and --start are required\n");
        fuzz_usage(stderr);
        return 2;
    }
    if (fc.console) {
        cfg.serial.type = HV_CHARDEV_BUFFER;        /* input fed by hv_fuzz_one */
        cfg.serial.on_output = discard_output;
    }

    /* AFL's shared-memory edge map, or a private one. */
    const char *shm = getenv("__AFL_SHM_ID");
    /* 64 KiB, reported to afl-fuzz in the hello so that it clears and scans only that
     * (afl-fuzz 4.04c otherwise uses 8 MiB and exports it as AFL_MAP_SIZE); a smaller
     * AFL_MAP_SIZE is honoured, rounded down to a power of two (hv_vm_set_coverage). */
    size_t map_size = AFL_MAP_DEFAULT;
    const char *ms = getenv("AFL_MAP_SIZE");
    if (ms && parse_u64(ms, &v) == 0 && v >= 64 && v < map_size) {
        map_size = 64;
        while (map_size * 2 <= v)
            map_size *= 2;
    }
    uint8_t *map = NULL;
    if (shm) {
        void *p = shmat(atoi(shm), NULL, 0);
        if (p == (void *)-1) {
            fprintf(stderr, "hv fuzz: shmat(__AFL_SHM_ID=%s): %s\n", shm, strerror(errno));
            return 125;
        }
        map = p;
    } else {
        map = calloc(1, map_size);
    }
    if (!nocov)
        fc.cov = map, fc.cov_size = map_size;

    struct fuzz_tool t = { .verbose = verbose };
    char err[512];
    int rc = hv_vm_create(&cfg, &t.vm, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "hv fuzz: %s\n", err);
        if (!shm)
            free(map);
        return 125;
    }
    rc = hv_fuzz_create(t.vm, &fc, &t.fz);
    if (rc < 0) {
        fprintf(stderr, "hv fuzz: %s (%s)\n", hv_vm_last_error(t.vm), hv_strerror(rc));
        hv_vm_destroy(t.vm);
        if (!shm)
            free(map);
        return 125;
    }
    t.buf = malloc(INPUT_MAX_READ);
    int status;
    struct stat st;
    if (shm && fstat(FORKSRV_FD, &st) == 0) {
        /* AFL's @@ puts the input file where FILE goes. */
        t.path = optind < argc ? argv[optind] : NULL;
        signal(SIGPIPE, SIG_IGN);
        status = afl_loop(&t, map_size);
        if (t.decoy > 0) {
            kill(t.decoy, SIGKILL);
            waitpid(t.decoy, NULL, 0);
        }
    } else {
        status = run_files(&t, optind < argc ? argv + optind : NULL,
                           optind < argc ? argc - optind : 1, count);
    }
    free(t.buf);
    hv_fuzz_destroy(t.fz);
    hv_vm_destroy(t.vm);
    if (!shm)
        free(map);
    return status;
bad:
    fprintf(stderr, "hv fuzz: bad value '%s'\n", optarg);
    return 2;
}
