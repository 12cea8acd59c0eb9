#!/bin/sh
# SPDX-License-Identifier: MIT
# Linux boot test: builds (or reuses the cached) Linux 6.1 Image with scripts/build-linux.sh,
# an initramfs whose /init is init.c (static, riscv64-linux-gnu-gcc) and a disk with a known
# pattern, then boots them on the full backend: OpenSBI (default fw_dynamic, or --bios) +
# Image + initrd, virtio blk/rng/net, goldfish RTC. The initramfs is the one both kernels
# and hv bench --linux use (guest/linux/bench/mkinitramfs.sh: /init plus /hvlbench).
# Passes when /init reports every check passed and the VM powers off with exit status 0. With ENGINE lockstep the translator is
# checked against the interpreter after every block of the whole boot, and the run must
# also log that every block agreed.
# With --user-net the NIC is user networking (libslirp, host-only): the script serves
# /hv-test.txt with python3's http.server on 127.0.0.1 (never any other address), /init
# fetches it from 10.0.2.2 and then accepts a connection on guest port 8080, which the
# script makes through a hostfwd on 127.0.0.1 and exchanges a line with. Servers are
# killed on exit.
# With --para it boots the para kernel (scripts/build-linux.sh --para) on the para backend
# instead: the same initramfs, /init and disk, the PV drivers (hvc0, blkfront, netfront, rtc),
# no entropy device (/init says "init: no hwrng on para"), power-off by SBI SRST.
# Usage: run.sh HV ENGINE [--para] [--user-net] [extra hv run args...]
set -eu
hv=$1; engine=$2; shift 2
para=
if [ "${1:-}" = "--para" ]; then
    para=1
    shift
fi
user_net=
if [ "${1:-}" = "--user-net" ]; then
    user_net=1
    shift
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
image=$("$root/scripts/build-linux.sh" ${para:+--para} | tail -n 1)
[ -f "$image" ] || { echo "run.sh: no kernel Image"; exit 1; }
. "$root/tests/guest/net/servers.sh"     # $work, helpers killed on exit, free_port
# Byte-identical every time (mtime, inode numbers): deterministic runs compare state hashes.
sh "$root/guest/linux/bench/mkinitramfs.sh" "$work/initrd.gz"
extra=""
if [ "$engine" = lockstep ]; then
    extra="instructions agree"
    set -- -v "$@"
fi
printf 'LIBHV-LINUX-DISK' > "$work/disk.img"
truncate -s 4M "$work/disk.img"
if [ -n "$para" ] && [ -z "$user_net" ]; then
    exec sh "$root/tests/guest/boot/expect.sh" \
        -e "Linux version 6\.1" -e "init: reached /init" -e "init: vda: pattern found" \
        -e "init: cpuinfo: .*rv64imafdc" -e "init: rtc0: 20" -e "init: no hwrng on para" \
        -e "init: all checks passed" -e "${extra:-all checks passed}" \
        -- "$hv" run --backend para --engine "$engine" --kernel "$image" \
           --initrd "$work/initrd.gz" --append "console=hvc0 earlycon=sbi" --mem 256M \
           --disk "$work/disk.img" --net loopback "$@"
fi
if [ -z "$user_net" ]; then
    exec sh "$root/tests/guest/boot/expect.sh" \
        -e "Linux version 6\.1" -e "init: reached /init" -e "init: vda: pattern found" \
        -e "init: cpuinfo: .*rv64imafdc" -e "init: rtc0: 20" -e "init: hwrng: " \
        -e "init: all checks passed" -e "${extra:-all checks passed}" \
        -- "$hv" run --engine "$engine" --kernel "$image" --initrd "$work/initrd.gz" \
           --append "console=ttyS0 earlycon=sbi" --mem 256M --disk "$work/disk.img" --rng \
           --net loopback "$@"
fi

# ---- --user-net: the HTTP server and the hostfwd peer, both on 127.0.0.1 ----
mkdir "$work/www"
token="libhv-user-net-ok-$$"
echo "$token" > "$work/www/hv-test.txt"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$work/www" > "$work/http.log" 2>&1 &
bg_started $!
i=0
until port=$(sed -n 's/^Serving HTTP on 127\.0\.0\.1 port \([0-9]*\).*/\1/p' "$work/http.log") &&
      [ -n "$port" ]; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "run.sh: http.server did not start"; exit 1; }
    sleep 0.1
done
hport=$(free_port tcp)
# Until the guest listens, slirp accepts on the host side and the guest refuses: retry.
python3 - "$hport" > "$work/peer.out" 2>&1 <<'PY' &
import socket, sys, time
end = time.time() + 600
while time.time() < end:
    try:
        c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
        c.sendall(b"hello from the host\n")
        data = c.makefile().readline()
        c.close()
        if data:
            print("peer got: " + data.strip())
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.5)
print("peer: no answer from the guest")
PY
peer=$!
bg_started $peer
status=0
sh "$root/tests/guest/boot/expect.sh" \
    -e "Linux version 6\.1" -e "init: reached /init" -e "init: net: eth0 is 10\.0\.2\.15" \
    -e "init: http: 200 from 10\.0\.2\.2:$port, body: $token" \
    -e "init: net: listening on port 8080" -e "init: hostfwd: got hello from the host" \
    -e "init: all checks passed" \
    -- "$hv" run --engine "$engine" --kernel "$image" --initrd "$work/initrd.gz" \
       --append "console=ttyS0 earlycon=sbi hvtest_http=$port hvtest_listen=8080" \
       --mem 256M --disk "$work/disk.img" --rng \
       --net "user,hostonly=on,hostfwd=tcp:127.0.0.1:$hport-:8080" "$@" || status=$?
wait "$peer" || true
cat "$work/peer.out"
[ $status -eq 0 ] || exit $status
grep -q "peer got: guest echo: hello from the host" "$work/peer.out" ||
    { echo "FAILED: the host side of the hostfwd got no echo"; exit 1; }
echo "user networking: HTTP from 127.0.0.1 and a hostfwd into the guest both worked"
