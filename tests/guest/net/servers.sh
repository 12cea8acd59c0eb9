# SPDX-License-Identifier: MIT
# Sourced by the user-networking tests (tests/guest/net/net-test.sh, tests/guest/linux/run.sh
# --user-net): a work directory and background helpers that are cleaned up on exit, and
# free ports on the host's loopback. Everything here binds 127.0.0.1 only.
# After sourcing: $work is an empty directory; bg_started PID registers a helper to kill.
work=$(mktemp -d)
bg_pids=
cleanup() {
    for p in $bg_pids; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

bg_started() { bg_pids="$bg_pids $1"; }

# free_port tcp|udp: a port on 127.0.0.1 that was free a moment ago.
free_port() {
    python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' "$1"
}

# wait_for_file FILE WHAT: up to 10 s for FILE to be non-empty.
wait_for_file() {
    i=0
    while [ ! -s "$1" ]; do
        i=$((i + 1)); [ $i -lt 100 ] || { echo "$2 did not start"; exit 1; }
        sleep 0.1
    done
}
