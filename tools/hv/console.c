/* SPDX-License-Identifier: MIT */
/* hv run — the interactive console: when the serial port is stdio and stdin is a terminal,
 * the terminal is put in raw mode for the run (restored on every exit path, signals
 * included), guest output goes to stdout through a BUFFER chardev, and a thread reads
 * stdin byte by byte: an escape key (C-a by default) followed by a command letter controls
 * hv, everything else goes to the guest through hv_vm_console_input. The library's stdio
 * chardev never touches terminal modes, so all of this lives in the tool. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "hv_tool.h"

/* A guest write to a stuck terminal waits at most this long, then output is dropped (as the
 * library's stdio chardev does). */
#define OUTPUT_TIMEOUT_MS 1000
#define MONITOR_LINE 256
#define REPLY_SIZE 16384

/* Terminal state, process-wide because signal handlers restore it. */
static struct termios g_saved;
static volatile sig_atomic_t g_raw;         /* g_saved is valid and raw mode is on */

struct console {
    struct hv_tool_run *run;
    hv_vm *vm;
    int escape;
    const char *snap_file;
    int wake[2];                 /* self-pipe: ends the input thread */
    pthread_t tid;
    int started;
    int esc_pending;             /* the escape key was the last byte */
    int in_monitor;              /* keys go to the monitor line editor */
    char line[MONITOR_LINE];
    size_t line_len;
};

static struct console g_con = { .wake = { -1, -1 } };

void hv_console_restore_terminal(void)
{
    if (g_raw) {
        tcsetattr(STDIN_FILENO, TCSANOW, &g_saved);
        g_raw = 0;
    }
}

/* A crash of hv itself (not of the guest): put the terminal back, then die the same way. */
static void on_fatal_signal(int sig)
{
    hv_console_restore_terminal();
    signal(sig, SIG_DFL);
    raise(sig);
}

static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };

/* QEMU's raw mode for -nographic: no canonical input, no echo, no signal keys (C-c goes
 * to the guest), no flow control or CR/NL mapping on input; output post-processing stays
 * on so the tool's own "\n" messages start at column 0. */
static int enter_raw(void)
{
    struct termios t;
    if (tcgetattr(STDIN_FILENO, &g_saved) < 0)
        return -1;
    t = g_saved;
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_oflag |= OPOST;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    g_raw = 1;                   /* before the change: a signal in between restores */
    if (tcsetattr(STDIN_FILENO, TCSANOW, &t) < 0) {
        g_raw = 0;
        return -1;
    }
    return 0;
}

int hv_console_parse_escape(const char *s, int *out)
{
    if (!strcmp(s, "none")) {
        *out = HV_CONSOLE_NO_ESCAPE;
        return 0;
    }
    char c = 0;
    if (s[0] == '^' && s[1] && !s[2])
        c = s[1];
    else if ((s[0] == 'C' || s[0] == 'c') && s[1] == '-' && s[2] && !s[3])
        c = s[2];
    if (c) {
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c < '@' || c > '_')
            return -1;
        *out = c - '@';
        return 0;
    }
    if (s[0] && !s[1]) {
        *out = (unsigned char)s[0];
        return 0;
    }
    uint64_t v;                 /* strictly: no sign or blank (tool_util.c) */
    if (hv_tool_parse_u64(s, 0xff, &v) == 0) {
        *out = (int)v;
        return 0;
    }
    return -1;
}

/* "C-a" for control keys, the character otherwise. */
static const char *key_name(int key, char buf[8])
{
    if (key >= 1 && key <= 26)
        snprintf(buf, 8, "C-%c", key + 'a' - 1);
    else if (key < 0x20)
        snprintf(buf, 8, "C-%c", key + '@');
    else
        snprintf(buf, 8, "%c", key);
    return buf;
}

int hv_console_wanted(const struct hv_config *cfg)
{
    if (cfg->serial.type != HV_CHARDEV_STDIO || !isatty(STDIN_FILENO))
        return 0;
    /* A background job (`hv run ... &`) must not take the terminal from the shell: changing
     * its mode would stop hv with SIGTTOU. A terminal that is not our controlling one has
     * no foreground group for us (tcgetpgrp fails) and is ours to use. */
    pid_t fg = tcgetpgrp(STDIN_FILENO);
    return fg < 0 || fg == getpgrp();
}

/* Guest output, on a vCPU thread: to stdout, waiting a bounded time for a slow terminal. */
static void console_output(void *opaque, const uint8_t *data, size_t len)
{
    (void)opaque;
    size_t done = 0;
    int waited = 0;
    while (done < len) {
        ssize_t n = write(STDOUT_FILENO, data + done, len - done);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if ((n < 0 && errno != EAGAIN) || waited >= OUTPUT_TIMEOUT_MS)
            return;
        struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };
        poll(&p, 1, 10);
        waited += 10;
    }
}

void hv_console_prepare(struct hv_config *cfg)
{
    memset(&cfg->serial, 0, sizeof(cfg->serial));
    cfg->serial.type = HV_CHARDEV_BUFFER;
    cfg->serial.on_output = console_output;
}

/* Messages of the tool on the console go to stderr, on a line of their own. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("\nhv: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fflush(stderr);
}

/* Feed bytes to the guest; a full input queue (64 KiB the guest has not read) waits. */
static void to_guest(struct console *c, const uint8_t *buf, size_t len)
{
    if (!len)
        return;
    for (int tries = 0; hv_vm_console_input(c->vm, buf, len) == HV_ELIMIT; tries++) {
        if (tries == 1000) {
            say("guest is not reading its console: %zu bytes dropped", len);
            return;
        }
        usleep(1000);
    }
}

static void print_help(struct console *c)
{
    char k[8];
    key_name(c->escape, k);
    fprintf(stderr,
            "\nhv console escapes (%s, then one key):\n"
            "  %s x    quit hv (exit status 0)\n"
            "  %s h    this help\n"
            "  %s c    switch between the console and the monitor\n"
            "  %s b    send a break to the guest's serial port (16550 LSR.BI)\n"
            "  %s s    save a snapshot to %s\n"
            "  %s r    restore the snapshot from %s\n"
            "  %s t    print execution statistics\n"
            "  %s %s  send %s itself to the guest\n",
            k, k, k, k, k, k, c->snap_file, k, c->snap_file, k, k, k, k);
    fflush(stderr);
}

static void snapshot(struct console *c, int save)
{
    char cmd[4096], reply[1024];
    snprintf(cmd, sizeof(cmd), "%s %s", save ? "savevm" : "loadvm", c->snap_file);
    hv_monitor_exec(c->run, cmd, reply, sizeof(reply));   /* pauses the vCPUs itself */
    if (!strncmp(reply, "ok", 2))
        say("snapshot %s %s", save ? "saved to" : "restored from", c->snap_file);
    else
        say("snapshot %s %s: %s", save ? "save to" : "restore from", c->snap_file, reply);
}

static void toggle_monitor(struct console *c)
{
    c->in_monitor = !c->in_monitor;
    c->line_len = 0;
    if (c->in_monitor) {
        char k[8];
        fprintf(stderr, "\nhv monitor (%s c: back to the console); %s\n(hv) ",
                key_name(c->escape, k), hv_monitor_help);
    } else {
        fprintf(stderr, "\nhv: back to the console\n");
    }
    fflush(stderr);
}

static void escape_command(struct console *c, uint8_t b)
{
    switch (b) {
    case 'x': case 'X':
        say("quit");
        hv_tool_quit(c->run, 0);
        break;
    case 'h': case 'H': case '?':
        print_help(c);
        break;
    case 'c': case 'C':
        toggle_monitor(c);
        break;
    case 'b': case 'B':
        /* Said before the break goes out, so the guest's reaction never lands inside
         * this line on the terminal. */
        say("sending a break");
        if (hv_vm_console_break(c->vm) < 0)
            say("break: this backend's console has no line to break");
        break;
    case 's': case 'S':
        snapshot(c, 1);
        break;
    case 'r': case 'R':
        snapshot(c, 0);
        break;
    case 't': case 'T':
        if (hv_tool_pause(c->run) == 0) {
            fputc('\n', stderr);
            hv_tool_print_stats(c->run, stderr);
            fflush(stderr);
            hv_tool_resume(c->run);
        }
        break;
    default: {
        char k[8];
        say("unknown escape %#x; %s h lists them", b, key_name(c->escape, k));
        break;
    }
    }
}

/* The monitor's line editor: printable keys, Backspace/DEL, C-u (kill line), C-c (cancel),
 * Enter runs the line. */
static void monitor_key(struct console *c, uint8_t b)
{
    if (b == '\r' || b == '\n') {
        c->line[c->line_len] = 0;
        fputc('\n', stderr);
        static char reply[REPLY_SIZE];
        hv_monitor_exec(c->run, c->line, reply, sizeof(reply));
        if (reply[0])
            fprintf(stderr, "%s\n", reply);
        c->line_len = 0;
        if (c->in_monitor)
            fputs("(hv) ", stderr);
    } else if (b == 0x7f || b == 0x08) {
        if (c->line_len) {
            c->line_len--;
            fputs("\b \b", stderr);
        }
    } else if (b == 0x15 || b == 0x03) {
        c->line_len = 0;
        fputs(b == 0x03 ? "^C\n(hv) " : "\n(hv) ", stderr);
    } else if (b >= 0x20 && b < 0x7f && c->line_len + 1 < sizeof(c->line)) {
        c->line[c->line_len++] = (char)b;
        fputc(b, stderr);
    }
    fflush(stderr);
}

/* Route the bytes of one read: runs of guest input are sent together. */
static void handle_input(struct console *c, const uint8_t *buf, size_t n)
{
    size_t run = 0;                /* start of the pending guest bytes */
    for (size_t i = 0; i < n; i++) {
        uint8_t b = buf[i];
        if (c->esc_pending) {
            c->esc_pending = 0;
            run = i + 1;
            if (b == c->escape)
                to_guest(c, &b, 1);
            else
                escape_command(c, b);
            continue;
        }
        if (c->escape != HV_CONSOLE_NO_ESCAPE && b == c->escape) {
            to_guest(c, buf + run, i - run);
            c->esc_pending = 1;
            run = i + 1;
            continue;
        }
        if (c->in_monitor) {
            monitor_key(c, b);
            run = i + 1;
        }
    }
    if (!c->in_monitor && !c->esc_pending && run < n)
        to_guest(c, buf + run, n - run);
}

static void *input_main(void *arg)
{
    struct console *c = arg;
    while (hv_tool_wait_readable(STDIN_FILENO, c->wake[0])) {
        uint8_t buf[256];
        ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            break;                 /* the terminal hung up: no more input */
        handle_input(c, buf, (size_t)n);
    }
    return NULL;
}

static void restore_at_exit(void) { hv_console_restore_terminal(); }

int hv_console_start(struct hv_tool_run *r, const struct hv_console_opts *o)
{
    struct console *c = &g_con;
    c->run = r;
    c->vm = hv_tool_run_vm_of(r);
    c->escape = o->escape;
    c->snap_file = o->snap_file;
    c->esc_pending = c->in_monitor = 0;
    if (pipe2(c->wake, O_CLOEXEC) < 0) {
        fprintf(stderr, "hv run: console: %s\n", strerror(errno));
        return -1;
    }
    static int registered;
    if (!registered && atexit(restore_at_exit) == 0)
        registered = 1;
    struct sigaction sa = { .sa_handler = on_fatal_signal, .sa_flags = SA_RESETHAND };
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
        sigaction(fatal_signals[i], &sa, NULL);
    if (enter_raw() < 0) {
        fprintf(stderr, "hv run: console: cannot set raw mode: %s\n", strerror(errno));
        hv_console_stop();
        return -1;
    }
    if (pthread_create(&c->tid, NULL, input_main, c) != 0) {
        fprintf(stderr, "hv run: console: cannot start the input thread\n");
        hv_console_stop();
        return -1;
    }
    c->started = 1;
    return 0;
}

void hv_console_stop(void)
{
    struct console *c = &g_con;
    if (c->started) {
        ssize_t w = write(c->wake[1], "x", 1);
        (void)w;
        pthread_join(c->tid, NULL);
        c->started = 0;
    }
    for (int i = 0; i < 2; i++) {
        if (c->wake[i] >= 0)
            close(c->wake[i]);
        c->wake[i] = -1;
    }
    if (g_raw) {
        fflush(stdout);
        hv_console_restore_terminal();
    }
}
