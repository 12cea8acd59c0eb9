"""Build hook of the libhv Python package (metadata: pyproject.toml). It records where
libhv.so is in libhv/_libpath.py so `import libhv` finds it without HV_LIBRARY:

- a package copy installed by `cmake --install` (PREFIX/share/libhv/python) already has
  _libpath.py naming PREFIX/lib/libhv.so.0: it is kept;
- else HV_LIBRARY, if set while building, is recorded;
- else, building from a libhv repository (bindings/python), the repository's build tree
  (build/lib/libhv.so.0) is recorded when it exists;
- else nothing is recorded and the package searches at import time (libhv/__init__.py)."""
import glob
import os

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


def library_to_record():
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


class BuildPy(build_py):
    def run(self):
        super().run()
        lib = library_to_record()
        if lib:
            out = os.path.join(self.build_lib, "libhv", "_libpath.py")
            with open(out, "w") as f:
                f.write("# Written when this package was built: where libhv.so is.\n")
                f.write("LIBRARY = %r\n" % lib)


setup(cmdclass={"build_py": BuildPy})
