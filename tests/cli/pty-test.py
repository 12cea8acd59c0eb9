#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""hv run --serial pty: the tool prints the pseudo-terminal's path on stderr ("hv: serial on
/dev/pts/N"); a user opening that path talks to the guest. Runs snapguest (it prints
"ready", echoes lines as "echo: LINE" and exits 0 on "quit") on one backend.
usage: pty-test.py HV GUEST.elf full|para"""
import os
import re
import select
import subprocess
import sys
import time
import tty

TIMEOUT = 60.0


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


class HangUp(Exception):
    """The other side closed (EOF, or EIO from a pty whose master is gone)."""


def read_until(fd, pattern, what, hangup_ok=False):
    """Read from fd until `pattern` (bytes regex) matches what was read; return it all."""
    buf = b""
    end = time.monotonic() + TIMEOUT
    while not re.search(pattern, buf):
        left = end - time.monotonic()
        if left <= 0:
            fail("timed out waiting for %s; got %r" % (what, buf))
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError as e:
                chunk = b""
                if not hangup_ok:
                    fail("reading %s: %s (got %r)" % (what, e, buf))
            if not chunk:
                if hangup_ok:
                    raise HangUp(buf)
                fail("end of file waiting for %s; got %r" % (what, buf))
            buf += chunk
    return buf


def main():
    hv, guest, backend = sys.argv[1:4]
    proc = subprocess.Popen([hv, "run", "--backend", backend, "--bios", "none", "--kernel", guest,
                             "--serial", "pty"] if backend == "full" else
                            [hv, "run", "--backend", backend, "--kernel", guest,
                             "--serial", "pty"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    try:
        err = read_until(proc.stderr.fileno(), rb"hv: serial on (\S+)\n", "the pty path")
        path = re.search(rb"hv: serial on (\S+)\n", err).group(1).decode()
        print("hv printed: serial on", path)
        if not path.startswith("/dev/pts/"):
            fail("not a pty path: %r" % path)
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(fd)                 # no echo, no CR/LF translation on our side either
        got = read_until(fd, rb"ready\n", "the guest's 'ready'")
        print("guest said:", got.decode(errors="replace").strip().splitlines()[-1])
        os.write(fd, b"hello pty\n")
        got = read_until(fd, rb"echo: hello pty\n", "the echoed line")
        print("guest echoed:", got.decode(errors="replace").strip())
        os.write(fd, b"quit\n")
        # The guest prints "bye" and powers off; hv then exits and closes the pty's master.
        # That hang-up can discard what the slave had not read yet, so "bye" may be lost:
        # the exit status 0 (the guest read "quit") is what proves the input arrived.
        try:
            read_until(fd, rb"bye\n", "the guest's 'bye'", hangup_ok=True)
            print("guest said: bye")
        except HangUp as e:
            print("pty hung up after %r (hv exited first)" % e.args[0])
        rc = proc.wait(timeout=TIMEOUT)
        os.close(fd)
        if rc != 0:
            fail("hv run exited %d; stderr %r" % (rc, proc.stderr.read()))
        print("ok: %s guest talked over %s, hv run exited 0" % (backend, path))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
