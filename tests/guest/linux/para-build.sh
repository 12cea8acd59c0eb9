#!/bin/sh
# SPDX-License-Identifier: MIT
# Build check of the para kernel (not a boot test: booting needs the para backend's S-mode,
# steps 1-3 of issue 12): scripts/build-linux.sh --para builds (or reuses) the Image, and
# the Image and its System.map must contain the project's para drivers and none of the
# emulated-device drivers the full kernel uses. The build script itself refuses a build
# whose log shows a warning in drivers/libhv-para.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
image=$("$root/scripts/build-linux.sh" --para | tail -n 1)
dir=$(dirname "$image")
fail() { echo "para-build: FAIL $*"; exit 1; }
[ -s "$image" ] || fail "no Image at $image"
[ -s "$dir/System.map" ] || fail "no System.map next to $image"
[ -f "$dir/build.log" ] || fail "no build log next to $image"
echo "para-build: Image $image ($(wc -c < "$image") bytes)"
# The irqchip's device-tree match string is in the Image.
n=$(grep -c -a "libhv,para-evtchn" "$image" || true)
[ "$n" -ge 1 ] || fail "libhv,para-evtchn not in the Image"
# One function of each driver.
for sym in evtchn_handle_sei hvpara_ring_connect hvpcons_put_chars hvpblk_queue_rq \
           hvpnet_poll hvpnet_start_xmit hvprtc_read_time; do
    grep -q " $sym\$" "$dir/System.map" || fail "$sym not in System.map"
    echo "para-build: $sym present"
done
# No emulated-device drivers.
for sym in virtblk_probe virtnet_probe serial8250_init plic_init goldfish_rtc_probe; do
    if grep -q " $sym\$" "$dir/System.map"; then fail "$sym is in the para kernel"; fi
done
if grep -n "libhv-para.*warning" "$dir/build.log"; then fail "warnings in the para drivers"; fi
echo "para-build: ok"
