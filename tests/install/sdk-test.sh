#!/bin/sh
# SPDX-License-Identifier: MIT
# Install libhv from BUILD_DIR into a temporary prefix, build an out-of-tree guest against
# the installed guest SDK (<prefix>/share/hv/guest) with riscv64-unknown-elf-gcc in both
# flavours, and run each with the installed `hv` on its backend: same output, exit 0.
set -eu
build=$1
command -v riscv64-unknown-elf-gcc >/dev/null || { echo "riscv64-unknown-elf-gcc missing (scripts/install-deps.sh installs it)"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
sdk=$prefix/share/hv/guest
for f in include/hvguest.h include/hvpara_guest.h link.ld lib/crt0.o lib/libhvguest-full.a \
         lib/libhvguest-para.a; do
    [ -f "$sdk/$f" ] || { echo "missing $sdk/$f"; exit 1; }
done
[ -f "$prefix/include/hv/para.h" ] || { echo "missing hv/para.h"; exit 1; }

cat > "$tmp/app.c" <<'C'
/* An out-of-tree SDK guest: console, clock, timer. */
#include "hvguest.h"
int main(void)
{
    uint64_t t0 = hv_guest_time_ns();
    hv_guest_sleep_ns(1000000);
    unsigned long sum = 0;
    for (unsigned long i = 1; i <= 1000; i++)
        sum += i * i;
    hv_guest_printf("out-of-tree guest: sum %lu, slept: %s\n", sum,
                    hv_guest_time_ns() - t0 >= 1000000 ? "yes" : "no");
    return 0;
}
C
for flavour in full para; do
    riscv64-unknown-elf-gcc -march=rv64gc -mabi=lp64d -mcmodel=medany -O2 -ffreestanding \
        -nostdlib -nostartfiles -static -I"$sdk/include" -I"$prefix/include" \
        -T "$sdk/link.ld" "$sdk/lib/crt0.o" "$tmp/app.c" "$sdk/lib/libhvguest-$flavour.a" \
        -lgcc -o "$tmp/app-$flavour.elf"
done
"$prefix/bin/hv" run --backend para --kernel "$tmp/app-para.elf" > "$tmp/para.out"
"$prefix/bin/hv" run --backend full --bios none --kernel "$tmp/app-full.elf" > "$tmp/full.out"
cat "$tmp/para.out"
cmp "$tmp/para.out" "$tmp/full.out"
grep -q "sum 333833500, slept: yes" "$tmp/para.out"
echo "installed SDK: both flavours built and ran with identical output"

# Hosted on picolibc (when installed): crt0-libc.o + libhvguest-libc.a on top of a flavour.
specs=/usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs
[ -f "$specs" ] || { echo "picolibc not installed: hosted SDK guests not checked"; exit 0; }
for f in lib/crt0-libc.o lib/libhvguest-libc.a; do
    [ -f "$sdk/$f" ] || { echo "missing $sdk/$f"; exit 1; }
done
cat > "$tmp/hosted.c" <<'C'
/* An out-of-tree hosted guest: stdio with floats, malloc, libm. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
int main(void)
{
    double *v = malloc(100 * sizeof(*v));
    double s = 0;
    for (int i = 0; i < 100; i++)
        s += v[i] = sqrt((double)i);
    printf("hosted guest: sum of roots %.6f\n", s);
    free(v);
    return 0;
}
C
for flavour in full para; do
    riscv64-unknown-elf-gcc -march=rv64gc -mabi=lp64d -mcmodel=medany -O2 \
        --specs="$specs" -nostartfiles -static -Wl,--no-warn-rwx-segments -I"$sdk/include" -I"$prefix/include" \
        -T "$sdk/link.ld" "$sdk/lib/crt0-libc.o" "$tmp/hosted.c" "$sdk/lib/libhvguest-libc.a" \
        "$sdk/lib/libhvguest-$flavour.a" -lm -o "$tmp/hosted-$flavour.elf"
done
"$prefix/bin/hv" run --backend para --kernel "$tmp/hosted-para.elf" > "$tmp/para.out"
"$prefix/bin/hv" run --backend full --bios none --kernel "$tmp/hosted-full.elf" > "$tmp/full.out"
cat "$tmp/para.out"
cmp "$tmp/para.out" "$tmp/full.out"
grep -q "hosted guest: sum of roots 661.462947" "$tmp/para.out"
echo "installed SDK: hosted (picolibc) guests built and ran with identical output"
