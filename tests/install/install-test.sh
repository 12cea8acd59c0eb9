#!/bin/sh
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

# 1. pkg-config
cc -std=c11 -Wall -Wextra -Werror $extra "$consumer/consumer.c" -o "$tmp/consumer-pc" $(pkg-config --cflags --libs hv)
"$tmp/consumer-pc" pkg-config

# 2. CMake package
cmake -S "$consumer" -B "$tmp/cb" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_FLAGS="$extra" >/dev/null
cmake --build "$tmp/cb" >/dev/null
"$tmp/cb/consumer" find_package
[ -x "$prefix/bin/hv" ] && "$prefix/bin/hv" version
