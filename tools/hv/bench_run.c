/* SPDX-License-Identifier: MIT */
/* hv bench — one run of one workload: on libhv through the public API (a VM per run, serial
 * into a BUFFER chardev, hv_vcpu_get_stats at the end), under qemu-system-riscv64 as a
 * child process, or natively (the workload's host build, bench/native/NAME, as a child
 * process); then the checks: exit code, the checksum line, the "bench:" line, and the
 * disk image the block workloads wrote (bench/workloads/blkpattern.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bench_harness.h"
#include "../../bench/workloads/blkpattern.h"

#define OUTPUT_MAX (16u << 20)

/* The tool's own Ctrl-C plumbing (the library has none): the vCPU or child running now. */
static hv_vcpu *volatile cur_vcpu;
static volatile pid_t cur_child;
static volatile sig_atomic_t stop_requested;

void bench_interrupt(void)
{
    stop_requested = 1;
    hv_vcpu *v = cur_vcpu;
    if (v)
        hv_vcpu_kick(v);
    if (cur_child > 0)
        kill(cur_child, SIGTERM);
}

void bench_watch_vcpu(hv_vcpu *vcpu)
{
    cur_vcpu = vcpu;
}

int bench_interrupted(void)
{
    return stop_requested != 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void fail(struct bench_sample *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void fail(struct bench_sample *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
    s->status = BENCH_FAILED;
}

/* ---- captured console output ---------------------------------------------------------- */

struct outbuf {
    char *data;
    size_t len, cap;
    int truncated;
};

static void out_append(struct outbuf *o, const void *p, size_t n)
{
    if (o->len + n > OUTPUT_MAX) {
        o->truncated = 1;
        n = OUTPUT_MAX - o->len;
    }
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + n + 1)
            cap *= 2;
        char *d = realloc(o->data, cap);
        if (!d) {
            o->truncated = 1;
            return;
        }
        o->data = d;
        o->cap = cap;
    }
    memcpy(o->data + o->len, p, n);
    o->len += n;
    o->data[o->len] = 0;
}

static void on_output(void *opaque, const uint8_t *data, size_t len)
{
    out_append(opaque, data, len);
}

/* "bench: name=x ops=1 bytes=2 ns=3 disk_written=4" */
static void parse_bench_line(const char *line, struct bench_sample *s)
{
    s->has_line = 1;
    const char *p = line + strlen("bench:");
    while (*p && *p != '\n') {
        while (*p == ' ')
            p++;
        const char *eq = strchr(p, '=');
        const char *end = strpbrk(p, " \n");
        if (!eq || (end && eq > end))
            break;
        uint64_t v = strtoull(eq + 1, NULL, 10);
        size_t klen = (size_t)(eq - p);
        if (klen == 3 && !strncmp(p, "ops", 3))
            s->ops = v;
        else if (klen == 5 && !strncmp(p, "bytes", 5))
            s->bytes = v;
        else if (klen == 2 && !strncmp(p, "ns", 2))
            s->guest_ms = (double)v / 1e6;
        else if (klen == 12 && !strncmp(p, "disk_written", 12))
            s->disk_written = v;
        if (!end)
            break;
        p = end;
    }
}

/* Look through the output: the bench line, the checksum verdict, console line count. */
static void parse_output(const struct outbuf *o, const struct bench_wl_info *info,
                         struct bench_sample *s)
{
    int verdict = 0, mismatch = 0;
    uint64_t con_lines = 0;
    for (const char *line = o->data; line && *line;) {
        const char *nl = strchr(line, '\n');
        if (!strncmp(line, "bench:", 6))
            parse_bench_line(line, s);
        else if (!strncmp(line, "time: ns=", 9))
            s->guest_total_ms = (double)strtoull(line + 9, NULL, 0) / 1e6;
        else if (!strncmp(line, "con ", 4))
            con_lines++;
        const char *ck = strstr(line, ": checksum ");
        if (ck && (!nl || ck < nl)) {
            const char *e = nl ? nl : line + strlen(line);
            const char *v = ck + strlen(": checksum ");
            size_t vlen = strcspn(v, " \n");
            if (vlen < sizeof s->checksum)
                snprintf(s->checksum, sizeof s->checksum, "%.*s", (int)vlen, v);
            if (e - line >= 3 && !strncmp(e - 3, " ok", 3))
                verdict = 1;
            else
                mismatch = 1;
        }
        line = nl ? nl + 1 : NULL;
    }
    s->checksum_ok = verdict && !mismatch;
    if (s->status != BENCH_OK)
        return;
    if (o->truncated)
        fail(s, "console output over %u MiB", OUTPUT_MAX >> 20);
    else if (mismatch)
        fail(s, "checksum MISMATCH");
    else if (!verdict)
        fail(s, "no checksum line in the output");
    else if (!strcmp(info->name, "console") && s->has_line && con_lines != s->ops)
        fail(s, "console: %llu of %llu lines arrived", (unsigned long long)con_lines,
             (unsigned long long)s->ops);
}

void bench_parse_console(const char *text, int truncated, const struct bench_wl_info *info,
                         struct bench_sample *s)
{
    struct outbuf o = { .data = (char *)text, .len = strlen(text), .truncated = truncated };
    parse_output(&o, info, s);
}

/* ---- disk images ---------------------------------------------------------------------- */

static int make_disk(const char *path, uint64_t size, struct bench_sample *s)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
        fail(s, "disk image %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* Every written sector holds the pattern, everything after it is still zero. */
static void check_disk(const char *path, uint64_t size, struct bench_sample *s)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) < 0) {
        fail(s, "disk image %s: %s", path, strerror(errno));
        if (f)
            fclose(f);
        return;
    }
    if ((uint64_t)st.st_size != size) {
        fail(s, "disk image changed size: %lld bytes", (long long)st.st_size);
        fclose(f);
        return;
    }
    uint64_t sec[BLKPAT_WORDS];
    uint64_t nsec = size / BLKPAT_SECTOR, written = s->disk_written / BLKPAT_SECTOR;
    for (uint64_t n = 0; n < nsec; n++) {
        if (fread(sec, sizeof sec, 1, f) != 1) {
            fail(s, "disk image: short read at sector %llu", (unsigned long long)n);
            break;
        }
        for (unsigned w = 0; w < BLKPAT_WORDS; w++) {
            uint64_t want = n >= written ? 0 : w ? blkpat_word(w) : blkpat_tag(n);
            if (sec[w] != want) {
                fail(s, "disk image: sector %llu word %u is %#llx, expected %#llx",
                     (unsigned long long)n, w, (unsigned long long)sec[w],
                     (unsigned long long)want);
                fclose(f);
                return;
            }
        }
    }
    fclose(f);
}

/* ---- libhv ----------------------------------------------------------------------------- */

static int run_vcpu(hv_vm *vm, hv_vcpu *vcpu, unsigned timeout_s, struct bench_sample *s)
{
    hv_vcpu_set_deadline(vcpu, hv_vm_clock_ns(vm) + (uint64_t)timeout_s * 1000000000ull);
    cur_vcpu = vcpu;
    int interrupted = 0;
    for (;;) {
        struct hv_exit e;
        int rc = hv_vcpu_run(vcpu, 0, &e);
        if (rc < 0) {
            fail(s, "%s (%s)", hv_vm_last_error(vm), hv_strerror(rc));
            if (rc == HV_ENOTSUP)
                s->status = BENCH_UNSUPPORTED;
            break;
        }
        if (e.reason == HV_EXIT_KICK) {
            if (stop_requested) {
                interrupted = 1;
                fail(s, "interrupted");
                break;
            }
            continue;
        }
        if (e.reason == HV_EXIT_HYPERCALL) {    /* nobody claimed it: NOT_SUPPORTED */
            e.u.hypercall.ret_error = -2;
            continue;
        }
        if (e.reason == HV_EXIT_SHUTDOWN || e.reason == HV_EXIT_CRASH) {
            s->exit_code = e.u.shutdown.code;
            if (e.u.shutdown.code)
                fail(s, "guest exit code %d", e.u.shutdown.code);
        } else if (e.reason == HV_EXIT_DEADLINE) {
            fail(s, "timed out after %u s", timeout_s);
        } else if (e.reason == HV_EXIT_FAULT) {
            fail(s, "unhandled guest fault: cause %llu at pc %#llx",
                 (unsigned long long)e.u.fault.cause, (unsigned long long)e.pc);
        } else {
            fail(s, "vCPU stopped (exit reason %d at pc %#llx)%s%s", (int)e.reason,
                 (unsigned long long)e.pc, hv_vm_last_error(vm)[0] ? ": " : "",
                 hv_vm_last_error(vm));
        }
        break;
    }
    cur_vcpu = NULL;
    return interrupted ? -1 : 0;
}

static int run_libhv(const struct bench_job *job, const char *disk, struct bench_sample *s,
                     struct outbuf *out)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.backend = job->cfg->backend;
    cfg.engine = job->cfg->engine;
    cfg.name = "hv-bench";
    cfg.mem_size = job->mem_size;
    cfg.bios = "none";
    cfg.kernel = job->elf;
    cfg.serial.type = HV_CHARDEV_BUFFER;
    cfg.serial.on_output = on_output;
    cfg.serial.opaque = out;
    if (disk) {
        cfg.disks[0].path = disk;
        cfg.nr_disks = 1;
    }
    char err[512];
    hv_vm *vm = NULL;
    double t0 = now_ms();
    int rc = hv_vm_create(&cfg, &vm, err, sizeof err);
    if (rc < 0) {
        fail(s, "cannot create the VM: %s", err);
        if (rc == HV_ENOTSUP)
            s->status = BENCH_UNSUPPORTED;
        return 0;
    }
    hv_vcpu *vcpu;
    if (hv_vcpu_create(vm, 0, &vcpu) < 0) {
        fail(s, "vCPU: %s", hv_vm_last_error(vm));
        hv_vm_destroy(vm);
        return 0;
    }
    uint8_t *cov = NULL;
    if (job->cfg->coverage) {
        cov = calloc(1, 65536);
        if (!cov || hv_vm_set_coverage(vm, cov, 65536) < 0) {
            fail(s, "coverage: %s", hv_vm_last_error(vm));
            free(cov);
            hv_vm_destroy(vm);
            return 0;
        }
    }
    double t1 = now_ms();
    rc = run_vcpu(vm, vcpu, job->timeout_s, s);
    s->wall_ms = now_ms() - t1;
    s->create_ms = t1 - t0;
    if (hv_vcpu_get_stats(vcpu, &s->stats) == 0)
        s->has_stats = 1;
    hv_vm_destroy(vm);                 /* flushes the disk before it is checked */
    free(cov);
    return rc;
}

/* ---- QEMU and native: child processes -------------------------------------------------- */

/* Run argv[0] as a child with stdout and stderr captured into out, wall time from fork to
 * reaping it, killed at the job's timeout. */
static int run_child(const struct bench_job *job, const char *const *argv,
                     struct bench_sample *s, struct outbuf *out)
{
    const char *prog = argv[0];
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        fail(s, "pipe: %s", strerror(errno));
        return 0;
    }
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid < 0) {
        fail(s, "fork: %s", strerror(errno));
        close(pfd[0]);
        close(pfd[1]);
        return 0;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        execv(prog, (char *const *)argv);
        _exit(127);
    }
    cur_child = pid;
    close(pfd[1]);
    double deadline = t0 + job->timeout_s * 1e3;
    int timed_out = 0;
    char buf[65536];
    for (;;) {
        struct pollfd p = { .fd = pfd[0], .events = POLLIN };
        double left = deadline - now_ms();
        if (left <= 0) {
            timed_out = 1;
            kill(pid, SIGKILL);
            break;
        }
        int r = poll(&p, 1, (int)left + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue;
        ssize_t k = read(pfd[0], buf, sizeof buf);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        out_append(out, buf, (size_t)k);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    s->wall_ms = now_ms() - t0;
    cur_child = 0;
    close(pfd[0]);
    if (stop_requested) {
        fail(s, "interrupted");
        return -1;
    }
    if (timed_out)
        fail(s, "timed out after %u s", job->timeout_s);
    else if (WIFSIGNALED(st))
        fail(s, "%s killed by signal %d", job->cfg->label, WTERMSIG(st));
    else if (WEXITSTATUS(st) == 127)
        fail(s, "cannot execute %s", prog);
    else if (WEXITSTATUS(st)) {
        s->exit_code = WEXITSTATUS(st);
        fail(s, "%s exit status %d", job->cfg->label, WEXITSTATUS(st));
    }
    return 0;
}

static int run_qemu(const struct bench_job *job, const char *disk, struct bench_sample *s,
                    struct outbuf *out)
{
    char mem[32], drive[4200];
    snprintf(mem, sizeof mem, "%lluM", (unsigned long long)(job->mem_size >> 20));
    const char *argv[32];
    unsigned n = 0;
    argv[n++] = job->qemu;
    argv[n++] = "-M";
    argv[n++] = "virt";
    argv[n++] = "-bios";
    argv[n++] = "none";
    argv[n++] = "-kernel";
    argv[n++] = job->elf;
    argv[n++] = "-m";
    argv[n++] = mem;
    argv[n++] = "-display";
    argv[n++] = "none";
    argv[n++] = "-serial";
    argv[n++] = "stdio";
    argv[n++] = "-monitor";
    argv[n++] = "none";
    argv[n++] = "-no-reboot";
    if (disk) {
        /* The SDK drives virtio-mmio version 2; QEMU's default is the legacy transport. */
        snprintf(drive, sizeof drive, "file=%s,format=raw,if=none,id=d0,cache=writeback", disk);
        argv[n++] = "-global";
        argv[n++] = "virtio-mmio.force-legacy=false";
        argv[n++] = "-drive";
        argv[n++] = drive;
        argv[n++] = "-device";
        argv[n++] = "virtio-blk-device,drive=d0";
    }
    argv[n] = NULL;
    return run_child(job, argv, s, out);
}

/* The workload's host build: its output and exit status are checked like a guest's. */
static int run_native(const struct bench_job *job, struct bench_sample *s, struct outbuf *out)
{
    const char *argv[] = { job->elf, NULL };
    return run_child(job, argv, s, out);
}

int bench_run_one(const struct bench_job *job, struct bench_sample *s)
{
    memset(s, 0, sizeof *s);
    s->guest_ms = -1;
    s->guest_total_ms = -1;
    if (stop_requested) {
        fail(s, "interrupted");
        return -1;
    }
    char disk[4096];
    const char *dp = NULL;
    if (job->info->disk) {
        snprintf(disk, sizeof disk, "%s/disk%u.img", job->tmpdir, job->seq);
        if (make_disk(disk, job->disk_size, s) < 0)
            return 0;
        dp = disk;
    }
    struct outbuf out = { 0 };
    int rc = job->cfg->native ? run_native(job, s, &out)
             : job->cfg->qemu ? run_qemu(job, dp, s, &out) : run_libhv(job, dp, s, &out);
    if (rc == 0)
        parse_output(&out, job->info, s);
    if (rc == 0 && s->status == BENCH_OK && dp) {
        if (!s->disk_written)
            fail(s, "block workload reported no disk_written");
        else
            check_disk(dp, job->disk_size, s);
    }
    if (dp)
        unlink(dp);
    /* Keep the tail of the output in the error: it usually names the failing step. */
    if (s->status == BENCH_FAILED && out.len && strlen(s->err) < 60) {
        const char *tail = out.data + (out.len > 100 ? out.len - 100 : 0);
        const char *nl = strrchr(out.data, '\n');
        if (nl && nl == out.data + out.len - 1) {
            const char *prev = nl;
            while (prev > out.data && prev[-1] != '\n')
                prev--;
            tail = prev;
        }
        size_t used = strlen(s->err);
        snprintf(s->err + used, sizeof s->err - used, "; last output: %.*s",
                 (int)strcspn(tail, "\n"), tail);
    }
    free(out.data);
    return rc;
}
