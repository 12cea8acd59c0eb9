# SPDX-License-Identifier: MIT
"""A PEP 517 build backend for the libhv Python package, in the standard library only.

Why not setuptools: on Debian 12, setuptools' PEP 517 backend needs the `wheel` package,
which a fresh venv (and a non-Debian python3) does not have, and pip's build isolation
would download both. This backend has no requirements, so `pip install bindings/python`
works offline with any pip >= 20 and python >= 3.8, with or without build isolation.

It builds a pure-Python wheel of libhv/ and records where libhv.so is in libhv/_libpath.py,
so `import libhv` finds it without HV_LIBRARY:
- a copy installed by `cmake --install` (PREFIX/share/libhv/python) already has a
  _libpath.py naming PREFIX/lib/libhv.so.0: it is packaged as is;
- else HV_LIBRARY, if set while building, is recorded;
- else, built from a libhv repository (bindings/python), the repository's build tree
  (build*/lib/libhv.so.0, not sanitizer builds) is recorded when it exists;
- else nothing is recorded and the package searches at import time (libhv/__init__.py)."""
import base64
import glob
import hashlib
import io
import os
import re
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
TAG = "py3-none-any"


def _project():
    """name, version, description, requires-python from pyproject.toml's [project]."""
    with open(os.path.join(HERE, "pyproject.toml"), encoding="utf-8") as f:
        text = f.read()
    section = text.split("[project]", 1)[1].split("\n[", 1)[0]
    fields = dict(re.findall(r'^([a-z-]+)\s*=\s*"([^"]*)"', section, re.M))
    return fields["name"], fields["version"], fields.get("description", ""), \
        fields.get("requires-python", "")


def _recorded_library():
    if os.path.exists(os.path.join(HERE, "libhv", "_libpath.py")):
        return None                         # installed copy: its own record is packaged
    env = os.environ.get("HV_LIBRARY")
    if env:
        return os.path.abspath(env)
    root = os.path.dirname(os.path.dirname(HERE))
    for cand in sorted(glob.glob(os.path.join(root, "build*", "lib", "libhv.so.0"))):
        if "asan" not in cand:
            return cand
    return None


def _files():
    """(archive name, bytes) of the package."""
    out = []
    for path in sorted(glob.glob(os.path.join(HERE, "libhv", "*.py"))):
        with open(path, "rb") as f:
            out.append(("libhv/" + os.path.basename(path), f.read()))
    lib = _recorded_library()
    if lib:
        out.append(("libhv/_libpath.py",
                    ("# Written when this package was built: where libhv.so is.\n"
                     "LIBRARY = %r\n" % lib).encode()))
    return out


def _metadata():
    name, version, summary, requires = _project()
    readme = ""
    if os.path.exists(os.path.join(HERE, "README.md")):
        with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
            readme = f.read()
    head = ["Metadata-Version: 2.1", "Name: " + name, "Version: " + version,
            "Summary: " + summary, "License: MIT",
            "Classifier: License :: OSI Approved :: MIT License"]
    if requires:
        head.append("Requires-Python: " + requires)
    head.append("Description-Content-Type: text/markdown")
    return name, version, ("\n".join(head) + "\n\n" + readme).encode()


def _dist_info(name, version):
    return "%s-%s.dist-info" % (name, version)


def _wheel_meta():
    return ("Wheel-Version: 1.0\nGenerator: hv_build_backend\nRoot-Is-Purelib: true\n"
            "Tag: %s\n" % TAG).encode()


def _record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (arcname, digest, len(data))


# ---- PEP 517 hooks -------------------------------------------------------------------------

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    name, version, meta = _metadata()
    d = os.path.join(metadata_directory, _dist_info(name, version))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "METADATA"), "wb") as f:
        f.write(meta)
    with open(os.path.join(d, "WHEEL"), "wb") as f:
        f.write(_wheel_meta())
    return _dist_info(name, version)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name, version, meta = _metadata()
    info = _dist_info(name, version)
    entries = _files() + [(info + "/METADATA", meta), (info + "/WHEEL", _wheel_meta())]
    record = [_record_line(a, d) for a, d in entries] + [info + "/RECORD,,"]
    entries.append((info + "/RECORD", ("\n".join(record) + "\n").encode()))
    filename = "%s-%s-%s.whl" % (name, version, TAG)
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w",
                         zipfile.ZIP_DEFLATED) as z:
        for arcname, data in entries:
            z.writestr(zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return filename


def build_sdist(sdist_directory, config_settings=None):
    name, version, meta = _metadata()
    base = "%s-%s" % (name, version)
    filename = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz") as t:
        def add(arcname, data):
            ti = tarfile.TarInfo(base + "/" + arcname)
            ti.size = len(data)
            ti.mtime = 1577836800
            t.addfile(ti, io.BytesIO(data))
        for rel in ("pyproject.toml", "hv_build_backend.py", "README.md"):
            with open(os.path.join(HERE, rel), "rb") as f:
                add(rel, f.read())
        for path in sorted(glob.glob(os.path.join(HERE, "libhv", "*.py"))):
            with open(path, "rb") as f:
                add("libhv/" + os.path.basename(path), f.read())
        add("PKG-INFO", meta)
    return filename
