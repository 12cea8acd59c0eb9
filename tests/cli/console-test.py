#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`hv run` as an interactive console, driven in a real pseudo-terminal.

console-test.py HV GUEST_ELF

GUEST_ELF is console_guest.c: it prints "rx HH #N" for every byte it receives. hv runs
with the pty slave as its controlling terminal and stdin/stdout/stderr; the test types
keys one at a time on the master side and checks that
  - keys reach the guest one by one, unechoed, C-c / C-d / DEL / CR included;
  - the escape commands work: C-a h help, t stats, b break, s/r snapshot, c monitor (with
    Backspace in its line editor), C-a C-a, x quit (exit status 0), another --escape key;
  - the terminal settings (termios and `stty -g`) are the same before and after, when hv
    quits, when the guest powers off with a failure code, when the budget runs out, and
    after SIGTERM, SIGHUP and SIGINT. (SIGKILL cannot be caught: nothing can restore the
    terminal then; `stty sane` or `reset` does.)
  - without a terminal (pipes) nothing changes: C-a is an ordinary byte.
Prints ok/FAIL lines and exits non-zero on any failure."""
import fcntl
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import termios
import time

HV, ELF = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="hv-console-")
failures = 0


def check(cond, what, detail=""):
    global failures
    if cond:
        print("ok   " + what)
    else:
        failures += 1
        print("FAIL " + what)
        if detail:
            for line in detail.splitlines()[-25:]:
                print("  | " + line)
    return cond


def stty_g(fd):
    return subprocess.run(["stty", "-g"], stdin=fd, capture_output=True, text=True).stdout.strip()


def make_ctty():
    # In the child, after setsid(): the pty slave (fd 0) becomes the controlling terminal,
    # so a signal key left enabled by mistake would signal hv.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Session:
    """hv run in a fresh pty (cooked, echoing: what a shell leaves behind)."""

    def __init__(self, extra=(), name="session"):
        self.name = name
        self.master, self.slave = os.openpty()
        self.attrs_before = termios.tcgetattr(self.slave)
        self.stty_before = stty_g(self.slave)
        args = [HV, "run", "--bios", "none", "--kernel", ELF,
                "--snapshot-file", os.path.join(TMP, name + ".snap")] + list(extra)
        self.proc = subprocess.Popen(args, stdin=self.slave, stdout=self.slave,
                                     stderr=self.slave, start_new_session=True,
                                     preexec_fn=make_ctty, close_fds=True)
        self.out = b""
        self.mark = 0

    def pump(self, timeout):
        r, _, _ = select.select([self.master], [], [], timeout)
        if r:
            try:
                self.out += os.read(self.master, 65536)
            except OSError:
                pass

    def expect(self, pattern, timeout=15):
        """Wait for a regex (bytes) after the previous match; True if seen."""
        rx = re.compile(pattern)
        end = time.time() + timeout
        while True:
            m = rx.search(self.out, self.mark)
            if m:
                self.mark = m.end()
                return True
            left = end - time.time()
            if left <= 0:
                return False
            self.pump(min(left, 0.2))

    def type(self, keys, delay=0.04):
        for b in keys:
            os.write(self.master, bytes([b]))
            time.sleep(delay)

    def see(self, keys, pattern, what):
        self.type(keys)
        return check(self.expect(pattern), "%s: %s" % (self.name, what),
                     self.out.decode(errors="replace"))

    def finish(self, want_status, what, timeout=20):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.pump(0.1)
        check(rc == want_status, "%s: %s (exit %s, wanted %s)" % (self.name, what, rc, want_status),
              self.out.decode(errors="replace"))
        attrs = termios.tcgetattr(self.slave)
        check(attrs == self.attrs_before, "%s: termios restored" % self.name,
              "before %r\nafter  %r" % (self.attrs_before, attrs))
        after = stty_g(self.slave)
        check(after == self.stty_before, "%s: stty -g identical" % self.name,
              "before %s\nafter  %s" % (self.stty_before, after))
        os.close(self.master)
        os.close(self.slave)


def ready(s):
    return check(s.expect(rb"console-guest: ready"), s.name + ": guest ready",
                 s.out.decode(errors="replace"))


# ---- 1. keys, escapes, the monitor, quit ----------------------------------------------------
s = Session(name="keys")
if ready(s):
    s.see(b"a", rb"rx 61 #1\r?\n", "a key reaches the guest without Enter")
    s.see(b"Z", rb"rx 5a #2", "second key")
    check(b"Z" not in s.out, "keys: the terminal does not echo typed keys")
    s.see(b"\x04", rb"rx 04 #3", "C-d reaches the guest")
    s.see(b"\x7f", rb"rx 7f #4", "Backspace (DEL) reaches the guest")
    s.see(b"\x03", rb"rx 03 #5", "C-c reaches the guest")
    check(s.proc.poll() is None, "keys: C-c did not stop hv")
    s.see(b"\r", rb"rx 0d #6", "Enter arrives as CR (no ICRNL)")
    s.see(b"\x01\x01", rb"rx 01 #7", "C-a C-a sends C-a")
    s.see(b"\x01h", rb"C-a x +quit hv", "C-a h prints the help")
    s.see(b"\x01t", rb"vcpu0: instructions \d+", "C-a t prints statistics")
    s.see(b"\x01b", rb"break\r?\nrx 00 #8", "C-a b: the guest sees a break (LSR.BI + NUL)")
    s.see(b"\x01s", rb"snapshot saved to", "C-a s saves a snapshot")
    s.see(b"k", rb"rx 6b #9", "input after the save")
    s.see(b"\x01r", rb"snapshot restored from", "C-a r restores it")
    s.see(b"m", rb"rx 6d #9", "the guest continues from the snapshot (count back to 8)")
    s.see(b"\x01c", rb"\(hv\) ", "C-a c enters the monitor")
    s.see(b"info statuz\x7fs\r", rb"ok status=running vcpus=1", "monitor: Backspace edits the line")
    s.see(b"info registers\r", rb"ok hart0\.pc=0x[0-9a-f]+ hart0\.priv=M hart0\.ra=",
          "monitor: info registers")
    s.see(b"bogus\r", rb"error: unknown command 'bogus'", "monitor: errors")
    s.see(b"\x01c", rb"back to the console", "C-a c leaves the monitor")
    s.see(b"n", rb"rx 6e #10", "keys go to the guest again")
    s.see(b"\x01q", rb"unknown escape", "an unknown escape is reported, not sent")
    s.type(b"\x01x")
s.finish(0, "C-a x quits with status 0")

# ---- 2. the guest powers off (failure code 3) -------------------------------------------------
s = Session(name="poweroff")
if ready(s):
    s.see(b"Q", rb"rx 51 #1", "Q reaches the guest")
s.finish(3, "guest exit code passed through")

# ---- 3. signals: the run unwinds, the terminal comes back, hv dies by the signal ---------------
for sig, status in ((signal.SIGTERM, -signal.SIGTERM), (signal.SIGHUP, -signal.SIGHUP),
                    (signal.SIGINT, 130)):
    s = Session(name=signal.Signals(sig).name)
    if ready(s):
        s.see(b"a", rb"rx 61 #1", "raw mode is on")
        s.proc.send_signal(sig)
    s.finish(status, "killed by %s" % signal.Signals(sig).name)

# ---- 4. the budget runs out ------------------------------------------------------------------
s = Session(extra=["--budget", "5000"], name="budget")
s.finish(124, "budget exit")

# ---- 5. another escape key ---------------------------------------------------------------------
s = Session(extra=["--escape", "^]"], name="escape")
if ready(s):
    s.see(b"\x01", rb"rx 01 #1", "C-a is an ordinary key with --escape ^]")
    s.see(b"\x1dh", rb"C-\] x +quit hv", "C-] h prints the help")
    s.type(b"\x1dx")
s.finish(0, "C-] x quits")

# ---- 6. no terminal: behaviour as before -----------------------------------------------------
p = subprocess.Popen([HV, "run", "--bios", "none", "--kernel", ELF], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
line = p.stdout.readline()
check(b"ready" in line, "pipe: guest ready", line.decode(errors="replace"))
p.stdin.write(b"\x01xQ")
p.stdin.flush()
try:
    out, _ = p.communicate(timeout=20)
except subprocess.TimeoutExpired:
    p.kill()
    out, _ = p.communicate()
check(b"rx 01 #1" in out and b"rx 78 #2" in out and p.returncode == 3,
      "pipe: C-a x is plain input when stdin is not a terminal (exit %s)" % p.returncode,
      out.decode(errors="replace"))

print("%s" % ("PASS" if failures == 0 else "%d FAILED" % failures))
sys.exit(1 if failures else 0)
