#!/bin/sh
# SPDX-License-Identifier: MIT
# Configure and build libhv into ./build (Release with debug info). Extra arguments are
# passed to cmake's configure step, e.g. scripts/build.sh -DHV_SANITIZE=ON -B build-asan
set -eu
cd "$(dirname "$0")/.."
dir=build
for a in "$@"; do case $a in -B*) dir=${a#-B};; esac; done
cmake -S . -B "$dir" -DHV_WERROR=ON "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
