"""The ctypes structs match include/libbt.h field for field (checked with the C compiler)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO
from libbt import _lib

HEADER_DIR = REPO / "include"
STRUCTS = {
    "bt_add_torrent_params": _lib.AddTorrentParams,
    "struct bt_torrent_status": _lib.TorrentStatusStruct,  # no typedef: a function has the name
    "bt_alert": _lib.AlertStruct,
    "bt_create_params": _lib.CreateParams,
}


@pytest.mark.skipif(not shutil.which("cc") or not (HEADER_DIR / "libbt.h").exists(),
                    reason="needs cc and include/libbt.h")
def test_struct_layouts_match_the_header(tmp_path: Path) -> None:
    lines = ['#include <stdio.h>', '#include <stddef.h>', '#include "libbt.h"', "int main(void) {"]
    for cname, cls in STRUCTS.items():
        lines.append(f'printf("{cname} size %zu\\n", sizeof({cname}));')
        for fname, _ in cls._fields_:
            lines.append(f'printf("{cname} {fname} %zu\\n", offsetof({cname}, {fname}));')
    lines.append("return 0; }")
    src = tmp_path / "abi.c"
    src.write_text("\n".join(lines))
    exe = tmp_path / "abi"
    subprocess.run(["cc", "-std=c11", f"-I{HEADER_DIR}", str(src), "-o", str(exe)], check=True)
    c_layout = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    py_layout = []
    for cname, cls in STRUCTS.items():
        py_layout.append(f"{cname} size {_lib.ctypes.sizeof(cls)}")
        for fname, _ in cls._fields_:
            py_layout.append(f"{cname} {fname} {getattr(cls, fname).offset}")
    assert c_layout.splitlines() == py_layout


def test_every_header_function_is_declared() -> None:
    import re

    text = (HEADER_DIR / "libbt.h").read_text()
    names = set(re.findall(r"\b(bt_[a-z_]+)\s*\(", text)) - {"bt_alert_notify_fn"}
    # bt_session_set_alert_notify takes a C callback: deliberately unused (see README, alerts()).
    missing = names - set(_lib._PROTOTYPES) - {"bt_session_set_alert_notify"}
    assert not missing


def test_every_alert_type_has_its_class() -> None:
    import libbt
    from libbt.alerts import _CLASSES

    for t in libbt.AlertType:
        assert t in _CLASSES, f"{t} has no alert class"
        cls = _CLASSES[t][0]
        assert cls.__name__ in libbt.__all__ and getattr(libbt, cls.__name__) is cls
        # str(t) is libbt's own name for the number
        assert str(t) == libbt._cdll.bt_alert_type_name(int(t)).decode()
