#!/bin/sh
# SPDX-License-Identifier: MIT
# The Python package as a user installs it, offline, with no environment variables at run
# time: cmake --install into a fresh prefix, then with Debian's python3 (and, for 1 only, the
# python3 on PATH if it is another one):
#   1. pip install PREFIX/share/libhv/python into a venv -> import libhv, run a guest;
#   2. pip install bindings/python (the repository) into a venv -> the same;
#   3. cmake --install with the venv itself as prefix (site-packages copy) -> the same;
#   4. a missing library -> LibraryNotFoundError naming what was tried and the fix.
# Usage: python-test.sh BUILD_DIR SOURCE_DIR GUEST.elf
set -eu
build=$1; src=$2; guest=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
[ -f "$prefix/share/libhv/python/libhv/_libpath.py" ] || { echo "no _libpath.py in share/"; exit 1; }
export PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1
unset HV_LIBRARY PYTHONPATH LD_LIBRARY_PATH 2>/dev/null || true

# A guest run from Python, outside any source tree: prints where the library came from.
cat > "$tmp/run.py" <<PY
import sys, libhv
with libhv.VM(backend="para", kernel=sys.argv[1], serial="buffer") as vm:
    ex = vm.vcpu(0).run()
    assert (ex.reason, ex.code) == ("shutdown", 0), ex
    assert b"Hello from a libhv guest!" in vm.output, vm.output
print("ok: libhv %s from %s ran %s" % (libhv.version(), libhv.library()._name, sys.argv[1]))
PY

pythons=/usr/bin/python3
other=$(command -v python3 || true)
if [ -n "$other" ] && [ "$(readlink -f "$other")" != "$(readlink -f /usr/bin/python3)" ]; then
    pythons="$pythons $other"
fi
n=0
for py in $pythons; do
    n=$((n + 1))
    echo "== $py ($("$py" --version 2>&1))"
    # 1. from the installed share/ copy
    "$py" -m venv "$tmp/v$n-share"
    "$tmp/v$n-share/bin/pip" install -q "$prefix/share/libhv/python"
    (cd "$tmp" && "$tmp/v$n-share/bin/python" "$tmp/run.py" "$guest") | tee "$tmp/out"
    grep -q "from $prefix/lib/libhv.so" "$tmp/out" || { echo "not the installed library"; exit 1; }
    [ "$n" -gt 1 ] && continue          # venvs are slow to make: the rest once is enough
    # 2. from the repository (records the repository's build tree)
    "$py" -m venv "$tmp/v$n-repo"
    "$tmp/v$n-repo/bin/pip" install -q "$src/bindings/python"
    (cd "$tmp" && "$tmp/v$n-repo/bin/python" "$tmp/run.py" "$guest")
    # 3. cmake --install into the venv: the site-packages copy
    "$py" -m venv --without-pip "$tmp/v$n-prefix"
    cmake --install "$build" --prefix "$tmp/v$n-prefix" >/dev/null
    (cd "$tmp" && "$tmp/v$n-prefix/bin/python" "$tmp/run.py" "$guest") | tee "$tmp/out"
    grep -q "from $tmp/v$n-prefix/lib/libhv.so" "$tmp/out" || { echo "not the venv's library"; exit 1; }
done

# 4. no library: the error says what was tried and how to fix it
if (cd "$tmp" && HV_LIBRARY="$tmp/nonexistent/libhv.so" "$tmp/v1-share/bin/python" \
        -c "import libhv; libhv.library()") 2> "$tmp/err"; then
    echo "a missing library did not raise"; exit 1
fi
cat "$tmp/err" | tail -4
grep -q "LibraryNotFoundError: cannot load libhv.so" "$tmp/err" &&
    grep -q "HV_LIBRARY: $tmp/nonexistent/libhv.so" "$tmp/err" && grep -q "Fix:" "$tmp/err" ||
    { echo "unclear error for a missing library"; exit 1; }
echo "python install: ok"
