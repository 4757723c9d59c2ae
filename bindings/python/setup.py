"""Build step: bundle the repo's build/lib/libbt.so.0 inside the package; tag the wheel for the
platform (py3-none-linux_x86_64) since it carries a native library though no extension module."""

import os
import shutil
import sys

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

try:  # setuptools >= 70.1 ships bdist_wheel itself
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # older setuptools: the wheel package's (absent: no wheels to tag)
    try:
        from wheel.bdist_wheel import bdist_wheel
    except ImportError:
        bdist_wheel = None

HERE = os.path.dirname(os.path.abspath(__file__))
SONAME = "libbt.so.0"
# LIBBT_LIBRARY may point at a libbt.so elsewhere; default is the repo's build output.
SOURCE = os.environ.get("LIBBT_LIBRARY") or os.path.join(HERE, "..", "..", "build", "lib", SONAME)


class BuildPyWithLibrary(build_py):
    """Copies libbt.so.0 (following symlinks) into the built package."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # editable installs load the repo's build/lib (see libbt/_lib.py)
        src = os.path.realpath(SOURCE)
        if not os.path.isfile(src):
            sys.exit(
                f"libbt: {SOURCE} not found: run make first (at the repo top) to build "
                "build/lib/libbt.so, or set LIBBT_LIBRARY to a built libbt.so"
            )
        dst = os.path.join(self.build_lib, "libbt", SONAME)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(src, dst)  # copyfile follows symlinks: a real file in the wheel
        os.chmod(dst, 0o755)


class BinaryDistribution(Distribution):
    """Not pure: the wheel holds a platform-specific shared library."""

    def has_ext_modules(self):
        return True


cmdclass = {"build_py": BuildPyWithLibrary}

if bdist_wheel is not None:

    class PlatformWheel(bdist_wheel):
        """py3-none-<platform>: any Python 3 (ctypes, no C API use), this platform only."""

        def finalize_options(self):
            super().finalize_options()
            self.root_is_pure = False

        def get_tag(self):
            _, _, plat = super().get_tag()
            return "py3", "none", plat

    cmdclass["bdist_wheel"] = PlatformWheel

setup(distclass=BinaryDistribution, cmdclass=cmdclass)
