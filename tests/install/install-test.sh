#!/bin/sh
# SPDX-License-Identifier: MIT
# Install libhv from BUILD_DIR into a temporary prefix, then build and run the consumer
# program twice: with pkg-config and with CMake find_package(hv).
set -eu
build=$1; consumer=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(ls -d "$prefix"/lib*/ | head -1)
export PKG_CONFIG_PATH="$libdir/pkgconfig"
export LD_LIBRARY_PATH="$libdir"

extra=${HV_CONSUMER_CFLAGS:-}      # sanitizer builds: the consumer needs the same runtimes

# 1. pkg-config. PKG_CONFIG_LIBDIR replaces the system search path: only the prefix's hv.pc
# is visible, as on a machine without libxml2-dev/libcapstone-dev (whose .pc files libhv's
# public headers do not need).
cflags=$(PKG_CONFIG_LIBDIR="$libdir/pkgconfig" pkg-config --cflags hv) ||
    { echo "pkg-config --cflags hv fails without the dependencies' .pc files"; exit 1; }
libs=$(PKG_CONFIG_LIBDIR="$libdir/pkgconfig" pkg-config --libs hv) ||
    { echo "pkg-config --libs hv fails without the dependencies' .pc files"; exit 1; }
echo "pkg-config --cflags hv (only hv.pc visible): $cflags"
case "$cflags" in *libxml2*|*capstone*) echo "hv.pc still adds dependency include dirs"; exit 1;; esac
cc -std=c11 -Wall -Wextra -Werror $extra "$consumer/consumer.c" -o "$tmp/consumer-pc" $cflags $libs
"$tmp/consumer-pc" pkg-config
# Static: Libs.private carries the dependencies as plain -l flags.
static_libs=$(PKG_CONFIG_LIBDIR="$libdir/pkgconfig" pkg-config --static --libs hv |
    sed "s|-lhv |$libdir/libhv.a |")
cc -std=c11 -Wall -Wextra -Werror $extra "$consumer/consumer.c" -o "$tmp/consumer-pc-static" \
    $cflags $static_libs
"$tmp/consumer-pc-static" pkg-config-static

# 2. CMake package
cmake -S "$consumer" -B "$tmp/cb" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_FLAGS="$extra" >/dev/null
cmake --build "$tmp/cb" >/dev/null
"$tmp/cb/consumer" find_package
"$tmp/cb/consumer_static" find_package-static
# The exported static target must not carry this machine's absolute library paths.
if grep -n '/usr/lib' "$libdir"/cmake/hv/hvTargets*.cmake; then
    echo "hvTargets.cmake hard-codes host library paths"; exit 1
fi
[ -x "$prefix/bin/hv" ] && "$prefix/bin/hv" version
