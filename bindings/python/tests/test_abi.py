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
    "bt_disk_stats": _lib.DiskStatsStruct,
    "bt_dht_stats": _lib.DhtStatsStruct,
    "bt_peer_info": _lib.PeerInfoStruct,
    "bt_web_seed_info": _lib.WebSeedInfoStruct,
}
VERSIONS = {  # struct -> its BT_*_VERSION macro
    "bt_add_torrent_params": "BT_ADD_TORRENT_PARAMS_VERSION",
    "struct bt_torrent_status": "BT_TORRENT_STATUS_VERSION",
    "bt_alert": "BT_ALERT_VERSION",
    "bt_create_params": "BT_CREATE_PARAMS_VERSION",
    "bt_disk_stats": "BT_DISK_STATS_VERSION",
    "bt_dht_stats": "BT_DHT_STATS_VERSION",
    "bt_peer_info": "BT_PEER_INFO_VERSION",
    "bt_web_seed_info": "BT_WEB_SEED_INFO_VERSION",
}


@pytest.mark.skipif(not shutil.which("cc") or not (HEADER_DIR / "libbt.h").exists(),
                    reason="needs cc and include/libbt.h")
def test_struct_layouts_match_the_header(tmp_path: Path) -> None:
    lines = ['#include <stdio.h>', '#include <stddef.h>', '#include "libbt.h"', "int main(void) {"]
    for cname, cls in STRUCTS.items():
        lines.append(f'printf("{cname} size %zu\\n", sizeof({cname}));')
        lines.append(f'printf("{cname} version %d\\n", {VERSIONS[cname]});')
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
        py_layout.append(f"{cname} version {cls().version}")
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


def test_structs_carry_their_version_and_libbt_refuses_a_missing_one(session, tmp_path: Path) -> None:
    import libbt
    from libbt._errors import make_error

    assert _lib.DiskStatsStruct().version == 1 and _lib.AddTorrentParams().version == 1
    d = _lib.DiskStatsStruct()
    d.version = 0  # what a struct zeroed the 0.2 way carries
    rc = _lib.lib.bt_session_disk_stats(session._h(), _lib.ctypes.byref(d))
    err = make_error(rc)
    assert isinstance(err, libbt.VersionError) and err.code == -13
    assert "bt_disk_stats version is 0" in str(err)
    assert session.disk_stats().cache_blocks > 0  # the binding sets it
