#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""License tags: every source file the project writes carries an SPDX-License-Identifier
line near its top. The library and tools are MIT (LICENSE); Linux drivers under guest/linux
are GPL-2.0 OR MIT and say so themselves. Usage:
  scripts/spdx.py --check   list files without a tag (exit 1 if any)
  scripts/spdx.py --add     add "SPDX-License-Identifier: MIT" where it is missing"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TAG = "SPDX-License-Identifier:"
# Comment syntax per file kind: (prefix, suffix).
C_STYLE = ("/* ", " */")
HASH = ("# ", "")
KINDS = {".c": C_STYLE, ".h": C_STYLE, ".S": C_STYLE, ".def": C_STYLE, ".inc": C_STYLE,
         ".ld": C_STYLE, ".sh": HASH, ".py": HASH, ".cmake": HASH, ".gdb": HASH,
         ".toml": HASH}
NAMES = {"CMakeLists.txt": HASH, "run": HASH}
# Data and generated material: no tag.
SKIP_DIRS = ("tests/data/",)


def kind(path):
    base = os.path.basename(path)
    if base in NAMES and (base != "run" or path.startswith(".ci/")):
        return NAMES[base]
    return KINDS.get(os.path.splitext(base)[1])


def files():
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.split()
    for p in out:
        if p.startswith(SKIP_DIRS) or kind(p) is None:
            continue
        yield p


def has_tag(text):
    return TAG in "\n".join(text.splitlines()[:5])


def add(path, text):
    pre, suf = kind(path)
    line = f"{pre}{TAG} MIT{suf}\n"
    lines = text.splitlines(keepends=True)
    # Keep a shebang first.
    at = 1 if lines and lines[0].startswith("#!") else 0
    lines.insert(at, line)
    return "".join(lines)


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "--check"
    missing = []
    for p in files():
        full = os.path.join(ROOT, p)
        with open(full, encoding="utf-8") as f:
            text = f.read()
        if has_tag(text):
            continue
        if mode == "--add":
            with open(full, "w", encoding="utf-8") as f:
                f.write(add(p, text))
        else:
            missing.append(p)
    for p in missing:
        print(f"no SPDX-License-Identifier: {p}")
    print(f"spdx: {len(missing)} file(s) without a license tag")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
