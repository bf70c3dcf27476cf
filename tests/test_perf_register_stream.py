"""`demands register --format json` writes its registrations from a spool, piece by piece: the
document is the same as the project's JSON of the whole list (sorted keys, two-space indent, a
final newline), for none, one and several registrations.

What a user would check: the JSON of a register run parses to the registrations of the files
given, in registration order, and reads as every other kravkoll JSON is written."""

from __future__ import annotations

import datetime as dt
import json

from engine import identity
from engine.jsontext import dumps_bytes
from engine.output import dumps_json
from engine.report.demands_table import changes_json_pieces

from .support import run_cli, variant


def _whole(entries, day, path):
    return dumps_json({"engine": identity(), "as_of": day.isoformat(), "ledger": path,
                       "registrations": entries}).encode("utf-8")


def test_the_pieces_are_the_whole_document():
    day = dt.date(2024, 12, 31)
    cases = [[], [{}], [{"submission": {"path": "å.yaml", "period": 2023}, "changes": []}],
             [{"a": [1, 2.5, None, {"b": "x"}]}, {"a": []}, {"z": "\"citat\" \\ ny\nrad"}]]
    for entries in cases:
        pieces = changes_json_pieces((dumps_bytes(e, "    ") for e in entries), day,
                                     "/tmp/kravliggare ö.sqlite")
        assert b"".join(pieces) == _whole(entries, day, "/tmp/kravliggare ö.sqlite")


def test_a_register_run_gives_each_file_once_in_order(tmp_path):
    files = [variant(tmp_path, {"enhet.hsa_id": f"SE2321000207-E0000000030{i}",
                                "enhet.namn": f"Hälsocentralen {name}"}, f"hc{i}.yaml")
             for i, name in enumerate(["Ås", "Öje", "Lit"])]
    ledger = tmp_path / "kravliggare.sqlite"
    proc = run_cli("demands", "register", *map(str, files), "--ledger", str(ledger),
                   "--as-of", "2024-12-31", "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout
    data = json.loads(out)
    assert out == _whole(data["registrations"], dt.date(2024, 12, 31), str(ledger))
    units = [r["submission"]["unit"] for r in data["registrations"]]
    assert sorted(units) == ["Hälsocentralen Lit", "Hälsocentralen Ås", "Hälsocentralen Öje"]
    assert all(r["already"] is False for r in data["registrations"])
