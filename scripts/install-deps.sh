#!/bin/sh
# SPDX-License-Identifier: MIT
# Install the Debian 12 packages libhv needs to build and test. Idempotent: packages that
# are already installed are not fetched again. Usage: scripts/install-deps.sh [extra-pkg...]
set -eu
pkgs="build-essential cmake pkg-config git libxml2-dev zlib1g-dev libcapstone-dev
      libcriterion-dev libfdt-dev libslirp-dev libglib2.0-dev gcc-riscv64-unknown-elf
      binutils-riscv64-unknown-elf picolibc-riscv64-unknown-elf python3 python3-venv python3-pip
      gdb-multiarch
      opensbi u-boot-qemu qemu-system-misc device-tree-compiler dosfstools
      linux-source-6.1 gcc-riscv64-linux-gnu libc6-dev-riscv64-cross flex bison bc
      libssl-dev libelf-dev cpio xz-utils afl++ libunicorn-dev python3-unicorn $*"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
