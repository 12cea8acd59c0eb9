#!/bin/sh
# SPDX-License-Identifier: MIT
# User networking with an SDK guest (udp.c): a UDP server this script starts on 127.0.0.1
# (never any other address) answers the guest's datagram to 10.0.2.2:PORT, then the script
# sends a datagram to the guest through a hostfwd on 127.0.0.1 and expects its answer.
# The NIC is host-only (no other destination, no DNS). Servers are killed on exit.
# usage: net-test.sh HV ELF BACKEND [hv run args...]
set -eu
hv=$1; elf=$2; backend=$3; shift 3
. "$(dirname "$0")/servers.sh"
tmp=$work

python3 - "$tmp/port" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
open(sys.argv[1] + ".tmp", "w").write("%d\n" % s.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.settimeout(60)
while True:
    data, peer = s.recvfrom(2048)
    s.sendto(b"pong: " + data, peer)
PY
bg_started $!
wait_for_file "$tmp/port" "net-test: the UDP server"
port=$(cat "$tmp/port")
hport=$(free_port udp)
printf '%s\n' "$port" > "$tmp/disk.img"
truncate -s 64K "$tmp/disk.img"

bios=
[ "$backend" = full ] && bios="--bios none"
timeout 60 "$hv" run --backend "$backend" $bios --kernel "$elf" --disk "$tmp/disk.img" \
    --net "user,hostonly=on,hostfwd=udp:127.0.0.1:$hport-:7777" "$@" > "$tmp/out" 2>&1 &
hvpid=$!
bg_started $hvpid
i=0
until grep -q "listening on port 7777" "$tmp/out"; do
    i=$((i + 1))
    if [ $i -ge 300 ] || ! kill -0 "$hvpid" 2>/dev/null; then
        echo "net-test: the guest never listened; output:"; cat "$tmp/out"; exit 1
    fi
    sleep 0.1
done
reply=$(python3 - "$hport" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for attempt in range(5):
    s.sendto(b"hello through the hostfwd", ("127.0.0.1", int(sys.argv[1])))
    try:
        print(s.recvfrom(2048)[0].decode())
        break
    except socket.timeout:
        pass
PY
)
status=0
wait "$hvpid" || status=$?
cat "$tmp/out"
echo "host got: $reply"
[ "$status" -eq 0 ] || { echo "net-test: hv exited with $status"; exit 1; }
grep -q "udp: reply from the host server: pong: ping from the guest" "$tmp/out"
grep -q "udp: hostfwd delivered: hello through the hostfwd" "$tmp/out"
[ "$reply" = "guest got it" ] || { echo "net-test: wrong or no answer through the hostfwd"; exit 1; }
echo "net-test: $backend: both directions over user networking worked"
