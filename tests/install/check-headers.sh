#!/bin/sh
# SPDX-License-Identifier: MIT
# Compile each public header alone, as C11 with pedantic warnings as errors, and as C++.
set -eu
inc=$1; cc=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0
for h in "$inc"/hv/*.h; do
    name=hv/$(basename "$h")
    printf '#include "%s"\n#include "%s"\nint hv_header_check_%s;\n' "$name" "$name" "$(basename "$h" .h)" > "$tmp/t.c"
    "$cc" -std=c11 -Wall -Wextra -Werror -pedantic -I"$inc" -c "$tmp/t.c" -o "$tmp/t.o"
    if command -v g++ >/dev/null 2>&1; then
        g++ -x c++ -std=c++11 -Wall -Wextra -Werror -pedantic -I"$inc" -c "$tmp/t.c" -o "$tmp/t.o"
    fi
    n=$((n + 1))
done
echo "$n public headers compile alone (C11 pedantic, C++11)"
[ "$n" -gt 0 ]
