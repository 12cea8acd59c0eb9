/* /init of the Linux boot test's initramfs (static riscv64 Linux program): checks what the
 * board gave the kernel — the virtio disk holds the test's pattern, /proc/cpuinfo's isa line,
 * the goldfish RTC reads a sane date, /dev/hwrng (virtio-rng) yields bytes, harts online —
 * prints a summary and powers off (exit 0 of `hv run`). A failed check prints
 * "init: FAIL ..." (the test script looks for it) and powers off too. */
#include <errno.h>
#include <fcntl.h>
#include <linux/rtc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
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

static void net(void)
{
    struct stat st;
    if (stat("/sys/class/net/eth0", &st) == 0)
        printf("init: net: eth0 present\n");
    else
        printf("init: net: no eth0\n");
}

int main(void)
{
    mounts();
    uptime();
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
