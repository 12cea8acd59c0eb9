#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`hv run --monitor PATH`: the monitor protocol over its unix socket while a guest runs.

monitor-test.py HV GUEST_ELF

GUEST_ELF is console_guest.c ("rx HH #N" for every byte on its console; stdin is a pipe
here, so the console is the plain stdio one). Checks every command (help, info status /
registers / stats, stop, cont, savevm, loadvm, break, quit), one reply line per command,
errors as "error: ...", blank lines ignored, reconnecting, and that quit ends hv with
status 0 and removes the socket. Prints ok/FAIL lines and exits non-zero on any failure."""
import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import time

HV, ELF = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="hv-monitor-")
SOCK = os.path.join(TMP, "mon.sock")
SNAP = os.path.join(TMP, "a b.snap")            # a file name with a space
failures = 0


def check(cond, what, detail=""):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures += 1
        for line in str(detail).splitlines()[-20:]:
            print("  | " + line)
    return cond


proc = subprocess.Popen([HV, "run", "--bios", "none", "--kernel", ELF, "--monitor", SOCK],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
guest_out = b""


def guest_expect(pattern, timeout=15):
    global guest_out
    end = time.time() + timeout
    while not re.search(pattern, guest_out):
        left = end - time.time()
        if left <= 0:
            return False
        r, _, _ = select.select([proc.stdout], [], [], min(left, 0.2))
        if r:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                return bool(re.search(pattern, guest_out))
            guest_out += chunk
    return True


def type_guest(data):
    proc.stdin.write(data)
    proc.stdin.flush()


class Monitor:
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(SOCK)
        self.f = self.s.makefile("rwb", buffering=0)

    def cmd(self, line):
        self.f.write(line.encode() + b"\n")
        return self.f.readline().decode().rstrip("\n")

    def close(self):
        self.f.close()
        self.s.close()


def fields(reply):
    return dict(kv.split("=", 1) for kv in reply.split()[1:] if "=" in kv)


check(guest_expect(rb"console-guest: ready"), "guest ready", guest_out)
for _ in range(100):
    if os.path.exists(SOCK):
        break
    time.sleep(0.05)
m = Monitor()

r = m.cmd("help")
check(r.startswith("ok commands: info registers"), "help", r)
r = m.cmd("info status")
check(r == "ok status=running vcpus=1", "info status: running", r)

type_guest(b"a")
check(guest_expect(rb"rx 61 #1"), "guest input", guest_out)
r = m.cmd("savevm " + SNAP)
check(r == "ok file=" + SNAP and os.path.getsize(SNAP) > 0, "savevm (file name with a space)", r)
type_guest(b"b")
check(guest_expect(rb"rx 62 #2"), "input after savevm", guest_out)

r = m.cmd("stop")
check(r == "ok status=stopped", "stop", r)
check(m.cmd("info status") == "ok status=stopped vcpus=1", "info status: stopped")
s1 = fields(m.cmd("info stats"))
type_guest(b"c")                                  # must wait: the vCPU is parked
time.sleep(0.4)
s2 = fields(m.cmd("info stats"))
for st in (s1, s2):
    st.pop("clock_ns", None)                      # host time: the clock keeps going
check(s1.get("hart0.instructions") and s1 == s2,
      "stopped: instructions do not advance (%s)" % s1.get("hart0.instructions"), (s1, s2))
check(not guest_expect(rb"rx 63", timeout=0.3), "stopped: the guest does not run", guest_out)
r = m.cmd("info registers")
f = fields(r)
check(r.startswith("ok ") and f.get("hart0.priv") == "M" and "hart0.pc" in f and
      "hart0.a0" in f and "hart0.mstatus" in f and "hart0.t6" in f,
      "info registers: pc, priv, x1..x31 by ABI name, CSRs", r)
check(m.cmd("info registers 0") == r, "info registers 0 (stopped: same values)")
check(m.cmd("stop") == "ok status=stopped", "stop is idempotent")

r = m.cmd("cont")
check(r == "ok status=running", "cont", r)
check(guest_expect(rb"rx 63 #3"), "cont: the guest reads the key typed while stopped", guest_out)
time.sleep(0.3)                                   # the 100 ms heartbeat runs instructions
s3 = fields(m.cmd("info stats"))
check(int(s3.get("hart0.instructions", 0)) > int(s2.get("hart0.instructions", 0)),
      "running: instructions advance", (s2, s3))

r = m.cmd("loadvm " + SNAP)
check(r == "ok file=" + SNAP, "loadvm", r)
type_guest(b"d")
check(guest_expect(rb"rx 64 #2"), "loadvm: the guest continues from the snapshot", guest_out)

r = m.cmd("break")
check(r == "ok", "break", r)
check(guest_expect(rb"break\nrx 00 #3"), "break: the guest sees LSR.BI and a NUL", guest_out)

for line, pat in (("info registers 7", r"^error: no hart '7' \(0\.\.0\)$"),
                  ("frobnicate", r"^error: unknown command 'frobnicate'"),
                  ("info", r"^error: info registers"),
                  ("savevm", r"^error: savevm needs a FILE$"),
                  ("loadvm " + os.path.join(TMP, "missing"), r"^error: .*missing: No such file"),
                  ("loadvm " + ELF, r"^error: ")):
    r = m.cmd(line)
    check(re.search(pat, r), "error reply for '%s'" % line.replace(TMP, "$TMP"), r)

# A blank line gets no reply: the next reply answers the next command.
m.f.write(b"\n   \n")
check(m.cmd("info status") == "ok status=running vcpus=1", "blank lines are ignored")

# One client at a time; the next one is served after the first disconnects.
m.close()
m = Monitor()
check(m.cmd("info status").startswith("ok status="), "a second connection is served")

# Several commands in one write: one reply line each, in order.
m.f.write(b"info status\nhelp\ninfo status\n")
replies = [m.f.readline().decode().rstrip("\n") for _ in range(3)]
check(replies[0].startswith("ok status") and replies[1].startswith("ok commands") and
      replies[2].startswith("ok status"), "pipelined commands: one reply each, in order", replies)

r = m.cmd("quit")
check(r == "ok", "quit", r)
try:
    rc = proc.wait(20)
except subprocess.TimeoutExpired:
    proc.kill()
    rc = proc.wait()
check(rc == 0, "quit: hv exits with status 0 (exit %s)" % rc)
check(not os.path.exists(SOCK), "the socket file is removed")

# Errors at start-up: the path exists and is not a socket.
open(os.path.join(TMP, "plain"), "w").close()
p = subprocess.run([HV, "run", "--bios", "none", "--kernel", ELF, "--monitor",
                    os.path.join(TMP, "plain")], stdin=subprocess.DEVNULL,
                   capture_output=True, timeout=20)
check(p.returncode == 125 and b"not a socket" in p.stderr,
      "--monitor on a regular file is refused (exit %s)" % p.returncode, p.stderr)

print("PASS" if failures == 0 else "%d FAILED" % failures)
sys.exit(1 if failures else 0)
