/* SPDX-License-Identifier: MIT */
/* /init of the Linux boot test's initramfs (static riscv64 Linux program): checks what the
 * board gave the kernel — the virtio disk holds the test's pattern, /proc/cpuinfo's isa line,
 * the goldfish RTC reads a sane date, /dev/hwrng (virtio-rng) yields bytes, harts online —
 * prints a summary and powers off (exit 0 of `hv run`). A failed check prints
 * "init: FAIL ..." (the test script looks for it) and powers off too.
 * With hvtest_http=PORT hvtest_listen=GPORT on the kernel command line (run.sh --user-net)
 * it also tests user networking: eth0 gets slirp's 10.0.2.15/24, an HTTP GET of
 * /hv-test.txt from 10.0.2.2:PORT (the test's server on the host's 127.0.0.1) must return
 * the token, then it accepts one TCP connection on GPORT (the host reaches it through a
 * hostfwd) and answers the line it reads.
 * The same initramfs boots the para kernel (scripts/build-linux.sh --para): its devices are
 * the para front-ends (/dev/vda from blkfront, rtc0 from rtc_para, eth0 from netfront,
 * console hvc0) and it has no entropy device, so the hwrng check is skipped there
 * ("init: no hwrng on para"; recognised by the hvpara-blk platform driver in sysfs).
 * With hvlbench=NAME[,OPS] on the command line (hv bench --linux) it runs no checks: it
 * runs /hvlbench NAME [OPS] (guest/linux/bench/hvlbench.c) and powers off; NAME "boot"
 * only reports the uptime at /init. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/rtc.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PATTERN "LIBHV-LINUX-DISK"

static int failures;

static void fail(const char *what)
{
    printf("init: FAIL %s (%s)\n", what, strerror(errno));
    failures++;
}

static void mounts(void)
{
    mkdir("/dev", 0755);
    mkdir("/proc", 0755);
    mkdir("/sys", 0755);
    if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) < 0 && errno != EBUSY)
        fail("mount devtmpfs");
    if (mount("proc", "/proc", "proc", 0, NULL) < 0)
        fail("mount proc");
    if (mount("sysfs", "/sys", "sysfs", 0, NULL) < 0)
        fail("mount sysfs");
}

static void uptime(void)
{
    char buf[64] = { 0 };
    int fd = open("/proc/uptime", O_RDONLY);
    if (fd >= 0 && read(fd, buf, sizeof buf - 1) > 0)
        printf("init: reached /init, uptime %.*s s\n", (int)strcspn(buf, " "), buf);
    if (fd >= 0)
        close(fd);
}

static void disk(void)
{
    char blk[512];
    int fd = open("/dev/vda", O_RDONLY);
    if (fd < 0) {
        fail("open /dev/vda");
        return;
    }
    if (read(fd, blk, sizeof blk) != (ssize_t)sizeof blk)
        fail("read /dev/vda");
    else if (memcmp(blk, PATTERN, strlen(PATTERN)))
        fail("/dev/vda does not start with the pattern");
    else
        printf("init: vda: pattern found\n");
    close(fd);
}

static void cpuinfo(void)
{
    static char buf[8192];
    int fd = open("/proc/cpuinfo", O_RDONLY), harts = 0;
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (fd >= 0)
        close(fd);
    if (n <= 0) {
        fail("read /proc/cpuinfo");
        return;
    }
    buf[n] = 0;
    for (char *p = buf; (p = strstr(p, "processor")); p++)
        harts++;
    char *isa = strstr(buf, "isa\t");
    if (!isa) {
        fail("no isa line in /proc/cpuinfo");
        return;
    }
    isa[strcspn(isa, "\n")] = 0;
    printf("init: cpuinfo: %d hart(s), %s\n", harts, isa);
    if (!strstr(isa, "rv64imafdc"))
        fail("isa is not rv64imafdc");
}

static void rtc(void)
{
    struct rtc_time tm;
    int fd = open("/dev/rtc0", O_RDONLY);
    if (fd < 0) {
        fail("open /dev/rtc0");
        return;
    }
    if (ioctl(fd, RTC_RD_TIME, &tm) < 0)
        fail("RTC_RD_TIME");
    else {
        printf("init: rtc0: %04d-%02d-%02d %02d:%02d:%02d UTC\n", tm.tm_year + 1900,
               tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        if (tm.tm_year + 1900 < 2024) {
            errno = 0;
            fail("rtc0 reads a date before 2024");
        }
    }
    close(fd);
}

static void hwrng(void)
{
    unsigned char b[16];
    int fd = open("/dev/hwrng", O_RDONLY);
    struct stat st;
    /* The para kernel has no entropy device (PARA-ABI section 13); it is recognised by its
     * block front-end's driver. Only looked at when the open failed: full runs no new code. */
    if (fd < 0 && errno == ENOENT && stat("/sys/bus/platform/drivers/hvpara-blk", &st) == 0) {
        printf("init: no hwrng on para\n");
        return;
    }
    if (fd < 0) {
        fail("open /dev/hwrng");
        return;
    }
    ssize_t n = read(fd, b, sizeof b);
    close(fd);
    if (n != (ssize_t)sizeof b) {
        fail("read /dev/hwrng");
        return;
    }
    printf("init: hwrng: ");
    unsigned any = 0;
    for (int i = 0; i < 16; i++) {
        printf("%02x", b[i]);
        any |= b[i];
    }
    printf("\n");
    if (!any) {
        errno = 0;
        fail("hwrng returned zeros");
    }
}

/* The value of NAME=... on the kernel command line, 0 if absent. */
static unsigned cmdline_num(const char *name)
{
    char buf[1024] = { 0 };
    int fd = open("/proc/cmdline", O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    size_t len = strlen(name);
    for (char *p = buf; (p = strstr(p, name)); p += len)
        if ((p == buf || p[-1] == ' ') && p[len] == '=')
            return (unsigned)strtoul(p + len + 1, NULL, 10);
    return 0;
}

static int if_ioctl(int s, unsigned long req, struct ifreq *ifr, const char *what)
{
    if (ioctl(s, req, ifr) < 0) {
        fail(what);
        return -1;
    }
    return 0;
}

/* eth0 = 10.0.2.15/24, up (slirp's gateway 10.0.2.2 is on the link: no route needed). */
static int eth0_up(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) {
        fail("socket");
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "eth0");
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = inet_addr("10.0.2.15");
    int rc = if_ioctl(s, SIOCSIFADDR, &ifr, "SIOCSIFADDR eth0");
    sin->sin_addr.s_addr = inet_addr("255.255.255.0");
    if (!rc)
        rc = if_ioctl(s, SIOCSIFNETMASK, &ifr, "SIOCSIFNETMASK eth0");
    if (!rc)
        rc = if_ioctl(s, SIOCGIFFLAGS, &ifr, "SIOCGIFFLAGS eth0");
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (!rc)
        rc = if_ioctl(s, SIOCSIFFLAGS, &ifr, "SIOCSIFFLAGS eth0");
    close(s);
    if (!rc)
        printf("init: net: eth0 is 10.0.2.15/24\n");
    return rc;
}

static void timeouts(int s, int seconds)
{
    struct timeval tv = { .tv_sec = seconds };
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static void http_get(unsigned port)
{
    static char buf[4096];
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = inet_addr("10.0.2.2");
    timeouts(s, 20);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
        fail("http: connect to 10.0.2.2");
        if (s >= 0)
            close(s);
        return;
    }
    const char *req = "GET /hv-test.txt HTTP/1.0\r\nHost: 10.0.2.2\r\n\r\n";
    if (write(s, req, strlen(req)) != (ssize_t)strlen(req))
        fail("http: send the request");
    size_t len = 0;
    ssize_t n;
    while (len < sizeof buf - 1 && (n = read(s, buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)n;
    close(s);
    buf[len] = 0;
    char *body = strstr(buf, "\r\n\r\n");
    if (strncmp(buf, "HTTP/1.0 200", 12) || !body) {
        errno = 0;
        printf("init: http: response: %.80s\n", buf);
        fail("http: no 200 response");
        return;
    }
    body += 4;
    body[strcspn(body, "\r\n")] = 0;
    printf("init: http: 200 from 10.0.2.2:%u, body: %s\n", port, body);
}

static void serve_once(unsigned port)
{
    int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 1) < 0) {
        fail("hostfwd: listen");
        return;
    }
    printf("init: net: listening on port %u\n", port);
    fflush(stdout);
    struct pollfd p = { .fd = s, .events = POLLIN };
    int c = poll(&p, 1, 60000) == 1 ? accept(s, NULL, NULL) : -1;
    close(s);
    if (c < 0) {
        fail("hostfwd: no connection within 60 s");
        return;
    }
    timeouts(c, 20);
    char line[256];
    size_t len = 0;
    ssize_t n;
    while (len < sizeof line - 1 && (n = read(c, line + len, 1)) == 1 && line[len] != '\n')
        len++;
    line[len] = 0;
    char reply[300];
    int rn = snprintf(reply, sizeof reply, "guest echo: %s\n", line);
    if (write(c, reply, (size_t)rn) != rn)
        fail("hostfwd: reply");
    close(c);
    printf("init: hostfwd: got %s\n", line);
}

static void net(void)
{
    struct stat st;
    if (stat("/sys/class/net/eth0", &st) == 0)
        printf("init: net: eth0 present\n");
    else
        printf("init: net: no eth0\n");
    unsigned http = cmdline_num("hvtest_http"), listen_port = cmdline_num("hvtest_listen");
    if (!http && !listen_port)
        return;
    if (eth0_up() < 0)
        return;
    if (http)
        http_get(http);
    if (listen_port)
        serve_once(listen_port);
}

/* hvlbench=NAME[,OPS]: run the benchmark program instead of the checks. */
static int bench(void)
{
    char buf[1024] = { 0 }, name[64], ops[32] = "";
    int fd = open("/proc/cmdline", O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (fd >= 0)
        close(fd);
    char *p = n > 0 ? strstr(buf, "hvlbench=") : NULL;
    if (!p || (p != buf && p[-1] != ' '))
        return 0;
    p += strlen("hvlbench=");
    size_t len = strcspn(p, ", \n");
    snprintf(name, sizeof name, "%.*s", (int)len, p);
    if (p[len] == ',')
        snprintf(ops, sizeof ops, "%.*s", (int)strcspn(p + len + 1, " \n"), p + len + 1);
    printf("init: hvlbench %s%s%s\n", name, ops[0] ? " " : "", ops);
    fflush(stdout);
    if (strcmp(name, "boot")) {
        pid_t pid = fork();
        if (pid == 0) {
            char *argv[] = { "/hvlbench", name, ops[0] ? ops : NULL, NULL };
            execv(argv[0], argv);
            printf("init: FAIL exec /hvlbench (%s)\n", strerror(errno));
            _exit(127);
        }
        int st = 0;
        if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
            printf("init: FAIL hvlbench %s (status %#x)\n", name, st);
    }
    return 1;
}

int main(void)
{
    mounts();
    uptime();
    if (bench()) {
        fflush(stdout);
        sync();
        reboot(RB_POWER_OFF);
        return 0;
    }
    disk();
    cpuinfo();
    rtc();
    hwrng();
    net();
    if (failures)
        printf("init: %d check(s) FAILED\n", failures);
    else
        printf("init: all checks passed\n");
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
    return 0;
}
