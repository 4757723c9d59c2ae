#!/usr/bin/env python3
"""Reads `abidiff --leaf-changes-only` output on stdin and accepts only what the ABI rules
allow (docs/ABI.md): functions added, and versioned structs grown at their end (members
inserted at or after the old size). Anything else fails: a function removed or whose own
signature changed, a variable removed or changed, a member moved, removed, renamed or
retyped, a struct that shrank, any change to a type that is not a versioned struct.

Not an abidiff suppression file: a suppress_type with has_data_member_inserted_at = end also
hid a reordering (libabigail 2.2), so the rule is checked here, line by line.

Usage: abidiff -l OLD NEW | check_abidiff.py  (exit 0: compatible; 1: not, with the reason)
"""
import re
import sys

VERSIONED = {
    "bt_add_torrent_params", "bt_torrent_status", "bt_peer_info", "bt_web_seed_info",
    "bt_disk_stats", "bt_dht_stats", "bt_alert", "bt_create_params",
}

problems = []
struct = None  # the versioned struct whose change block we are in, and its old size
old_size = None
in_insertions = False
for raw in sys.stdin:
    line = raw.rstrip("\n")
    s = line.strip()
    if not s:
        continue
    m = re.match(r"Removed/Changed/Added (functions|variables) summary: (\d+) Removed(?: \(\d+ filtered out\))?, "
                 r"(\d+) Changed", s)
    if m:
        if m.group(2) != "0" or m.group(3) != "0":
            problems.append(f"{m.group(1)}: {s}")
        continue
    if s.startswith(("Leaf changes summary", "Changed leaf types summary")) or re.match(r"\d+ Added function", s):
        continue
    if s.startswith("[A] 'function"):  # an added function
        continue
    if not line.startswith(" "):  # the start of a changed type's block
        m = re.match(r"'(?:struct )?(\w+)' changed:$", s)
        struct, old_size, in_insertions = None, None, False
        if m and m.group(1) in VERSIONED:
            struct = m.group(1)
        else:
            problems.append(f"not allowed: {s}")
        continue
    if struct is None:
        problems.append(f"  {s}")
        continue
    m = re.match(r"type size changed from (\d+) to (\d+) \(in bits\)$", s)
    if m:
        old_size = int(m.group(1))
        if int(m.group(2)) <= old_size:
            problems.append(f"{struct}: {s}")
        continue
    if re.match(r"\d+ data member insertions?:$", s):
        in_insertions = True
        continue
    m = re.match(r"'.*', at offset (\d+) \(in bits\)", s)
    if m and in_insertions and old_size is not None and int(m.group(1)) >= old_size:
        continue
    problems.append(f"{struct}: {s}")

if problems:
    print("ABI change the rules do not allow (only appending to a versioned struct is):")
    for p in problems:
        print("  " + p)
    sys.exit(1)
