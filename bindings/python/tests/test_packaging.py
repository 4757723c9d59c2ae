"""The wheel bundles libbt.so.0, is tagged for the platform, and the build fails clearly
without the library."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import libbt
from conftest import PKG_ROOT


def _copy_source(dst: Path) -> Path:
    src = dst / "src"
    shutil.copytree(PKG_ROOT, src, ignore=shutil.ignore_patterns(
        "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", "tests", "*.so*"))
    return src


_NO_INDEX = ("Could not find a version that satisfies", "No matching distribution",
             "Failed to establish a new connection", "Temporary failure in name resolution")


def _pip_wheel(src: Path, out: Path, library: str) -> subprocess.CompletedProcess:
    """pip wheel with build isolation (it fetches setuptools and wheel from the index)."""
    env = dict(os.environ, LIBBT_LIBRARY=library, PIP_DISABLE_PIP_VERSION_CHECK="1")
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    if r.returncode != 0 and any(m in r.stdout + r.stderr for m in _NO_INDEX):
        pytest.skip("no package index reachable for the build requirements (setuptools, wheel)")
    return r


def test_wheel_is_platform_tagged_and_bundles_the_library(tmp_path: Path) -> None:
    src = _copy_source(tmp_path)
    r = _pip_wheel(src, tmp_path / "dist", str(libbt.library_path))
    assert r.returncode == 0, r.stderr[-2000:]
    wheels = list((tmp_path / "dist").glob("*.whl"))
    assert len(wheels) == 1
    assert wheels[0].name.endswith("-py3-none-linux_x86_64.whl"), wheels[0].name
    with zipfile.ZipFile(wheels[0]) as z:
        names = set(z.namelist())
        assert {"libbt/libbt.so.0", "libbt/py.typed", "libbt/__init__.py", "libbt/__main__.py"} <= names
        assert z.getinfo("libbt/libbt.so.0").file_size == os.path.getsize(
            os.path.realpath(libbt.library_path))
        wheel_meta = next(n for n in names if n.endswith(".dist-info/WHEEL"))
        assert "Root-Is-Purelib: false" in z.read(wheel_meta).decode()


def test_build_without_library_says_run_make_first(tmp_path: Path) -> None:
    src = _copy_source(tmp_path)
    r = _pip_wheel(src, tmp_path / "dist", str(tmp_path / "absent" / "libbt.so.0"))
    assert r.returncode != 0
    assert "run make first" in r.stdout + r.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="linux only")
def test_bundled_copy_is_loaded_first(tmp_path: Path) -> None:
    pkg = tmp_path / "libbt"
    shutil.copytree(PKG_ROOT / "libbt", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(os.path.realpath(libbt.library_path), pkg / "libbt.so.0")
    env = dict(os.environ, PYTHONPATH=str(tmp_path), LIBBT_LIBRARY="/nonexistent/libbt.so")
    r = subprocess.run([sys.executable, "-c", "import libbt; print(libbt.library_path)"],
                       env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(pkg / "libbt.so.0")


def test_missing_library_is_a_clear_import_error(tmp_path: Path) -> None:
    pkg = tmp_path / "libbt"
    shutil.copytree(PKG_ROOT / "libbt", pkg, ignore=shutil.ignore_patterns("__pycache__", "*.so*"))
    env = dict(os.environ, PYTHONPATH=str(tmp_path), LIBBT_LIBRARY="/nonexistent/libbt.so")
    r = subprocess.run([sys.executable, "-c", "import libbt"], env=env, cwd=tmp_path,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "ImportError" in r.stderr and "run `make`" in r.stderr
