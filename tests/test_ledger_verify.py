"""The journal's hash chain and `kravkoll demands verify` (issue 19): a clean ledger verifies
(exit 0); a payload changed with raw SQLite (its trigger dropped first), an input removed or a
link rewritten is found and named by its number (exit 1); a submission evaluated again that
gives another outcome than the journal holds is named with both outcomes; a ledger of the
previous version gets the chain for its inputs when it is upgraded."""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from engine.followup import journal_chain
from engine.followup.ledger import SCHEMA_VERSION, Ledger

from .support import EXAMPLE, RULEBOOKS, run_cli, variant

HSA = "SE2321000207-E00000000042"
OTHER = "SE2321000207-E00000000077"
WIDE = {"COLUMNS": "250"}


def run(*args: str):
    done = run_cli(*args, env=WIDE)
    err = done.stderr.decode()
    assert "Traceback" not in err and "internt fel" not in err, err
    return done.returncode, done.stdout.decode(), err


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    """Two units registered, a föreläggande and a dispens: four kinds of journal input."""
    folder = tmp_path_factory.mktemp("kedja")
    ledger = folder / "l.sqlite"
    other = variant(folder, {"enhet.hsa_id": OTHER, "enhet.namn": "Hälsocentralen Annanby"},
                    "annan.yaml")
    for args in (["demands", "register", str(EXAMPLE), str(other), "--rulebooks", str(RULEBOOKS),
                  "--as-of", "2024-03-01"],
                 ["demands", "forelaggande", HSA, "JHV-BEM-03", "--date", "2024-03-02",
                  "--diarienummer", "RS-2024:1", "--frist-dagar", "30"],
                 ["dispens", "grant", OTHER, "JHV-BEM-03", "--reason", "Rekrytering pågår",
                  "--diarienummer", "D-1", "--from", "2024-03-01", "--until", "2024-12-31",
                  "--rulebooks", str(RULEBOOKS)]):
        code, _, err = run(*args, "--ledger", str(ledger))
        assert code == 0, (args, err)
    return ledger


@pytest.fixture
def copy(clean, tmp_path) -> Path:
    """The clean ledger and the submission beside it (paths are as registered: absolute)."""
    target = tmp_path / "l.sqlite"
    shutil.copy(clean, target)
    return target


def verify(ledger: Path, *more: str):
    return run("demands", "verify", "--ledger", str(ledger), "--rulebooks", str(RULEBOOKS), *more)


def _raw(ledger: Path, *statements: tuple) -> None:
    with closing(sqlite3.connect(ledger)) as db:
        for sql, *args in statements:
            db.execute(sql, *args)
        db.commit()


def test_a_clean_ledger_verifies_with_exit_0(clean):
    code, out, _ = verify(clean)
    assert code == 0, out
    assert "Inga skillnader" in out and "2 årsbokslut granskade igen" in out, out
    code, out, _ = verify(clean, "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["clean"] and report["chain"] and report["differences"] == []
    assert report["checks_evaluated"] == 2 and report["inputs"] >= 3


def test_every_input_has_a_link_that_is_the_hash_of_the_previous_one_and_its_row(clean):
    with closing(sqlite3.connect(clean)) as db:
        rows = db.execute("SELECT id, hsa_id, kind, date, check_id, payload FROM inputs "
                          "ORDER BY id").fetchall()
        links = dict(db.execute("SELECT input_id, hash FROM journal_chain").fetchall())
    assert sorted(links) == [r[0] for r in rows]
    previous = journal_chain.GENESIS
    import hashlib

    for row in rows:
        canonical = json.dumps(dict(zip(("id", "hsa_id", "kind", "date", "check_id", "payload"),
                                        row)), ensure_ascii=False, sort_keys=True,
                               separators=(",", ":"))
        expected = hashlib.sha256((previous + "\n" + canonical).encode()).hexdigest()
        assert links[row[0]] == expected
        previous = expected


def test_a_payload_changed_with_raw_sqlite_is_found_and_its_row_named(copy):
    with closing(sqlite3.connect(copy)) as db:
        target = db.execute("SELECT id FROM inputs WHERE kind = 'forelaggande'").fetchone()[0]
    _raw(copy, ("DROP TRIGGER inputs_append_only_update",),
         ("UPDATE inputs SET payload = replace(payload, 'RS-2024:1', 'RS-2024:9') WHERE id = ?",
          (target,)))
    code, out, _ = verify(copy)
    assert code == 1, out
    line = next(t for t in out.splitlines() if t.startswith(f"│ {target} "))
    assert HSA in line and "forelaggande" in line and "2024-03-02" in line, out
    assert "kedjan bryts här" in out
    report = json.loads(verify(copy, "--format", "json")[1])
    assert [d["input"] for d in report["differences"]] == [target], report


def test_a_check_whose_findings_were_changed_is_named_with_both_outcomes(copy):
    with closing(sqlite3.connect(copy)) as db:
        check_input, payload = db.execute("SELECT id, payload FROM inputs WHERE kind = 'check' "
                                          "AND hsa_id = ?", (HSA,)).fetchone()
    data = json.loads(payload)
    for f in data["findings"]:
        if f["rule_id"] == "JHV-BEM-03":
            assert f["outcome"] == "fail"
            f["outcome"] = "pass"
    _raw(copy, ("DROP TRIGGER inputs_append_only_update",),
         ("UPDATE inputs SET payload = ? WHERE id = ?",
          (json.dumps(data, ensure_ascii=False, sort_keys=True), check_input)))
    report = json.loads(verify(copy, "--format", "json")[1])
    mine = [d for d in report["differences"] if d["input"] == check_input]
    whats = " | ".join(d["what"] for d in mine)
    assert "kedjan bryts här" in whats
    assert "JHV-BEM-03: uppfyllt i journalen, ej uppfyllt nu" in whats, whats
    assert all(d["input"] == check_input for d in report["differences"]), report


def test_a_changed_hash_or_a_removed_input_breaks_the_chain_where_it_was_changed(copy):
    with closing(sqlite3.connect(copy)) as db:
        ids = [r[0] for r in db.execute("SELECT id FROM inputs ORDER BY id")]
    # a forger who rewrites the first link breaks the second one's
    _raw(copy, ("DROP TRIGGER journal_chain_append_only_update",),
         ("UPDATE journal_chain SET hash = ? WHERE input_id = ?", ("f" * 64, ids[0])))
    report = json.loads(verify(copy, "--format", "json")[1])
    assert [d["input"] for d in report["differences"]] == ids[:2], report


def test_an_input_removed_is_found(copy):
    with closing(sqlite3.connect(copy)) as db:
        ids = [r[0] for r in db.execute("SELECT id FROM inputs ORDER BY id")]
    _raw(copy, ("DROP TRIGGER inputs_append_only_delete",), ("PRAGMA foreign_keys = OFF",),
         ("DELETE FROM inputs WHERE id = ?", (ids[1],)))
    code, out, _ = verify(copy)
    report = json.loads(verify(copy, "--format", "json")[1])
    assert code == 1
    assert {d["input"] for d in report["differences"]} == {ids[1], ids[2]}, report


def test_a_submission_changed_after_it_was_registered_is_said_not_passed(tmp_path):
    sub = variant(tmp_path, {}, "enhet.yaml")
    ledger = tmp_path / "l.sqlite"
    assert run("demands", "register", str(sub), "--rulebooks", str(RULEBOOKS), "--ledger",
               str(ledger), "--as-of", "2024-03-01")[0] == 0
    sub.write_text(sub.read_text(encoding="utf-8") + "\n# ändrad\n", encoding="utf-8")
    code, out, _ = verify(ledger)
    assert code == 1 and "har ändrats sedan det fördes in" in out, out
    sub.unlink()
    code, out, _ = verify(ledger, "--format", "json")
    (what,) = [d["what"] for d in json.loads(out)["differences"]]
    assert code == 1 and "kan inte läsas igen" in what and "filen finns inte" in what, what


def test_verify_of_a_ledger_that_is_not_there_is_exit_2(tmp_path):
    code, _, err = verify(tmp_path / "saknas.sqlite")
    assert code == 2 and "kravliggaren finns inte" in err, err


def test_upgrading_a_version_2_ledger_seals_the_inputs_it_has(clean, tmp_path):
    old = tmp_path / "l.sqlite"
    shutil.copy(clean, old)
    _raw(old, ("DROP TABLE journal_chain",),
         ("UPDATE meta SET value = '2' WHERE key = 'schema_version'",))
    code, out, _ = verify(old)  # read as it is: no chain yet, the re-evaluation still runs
    assert code == 0 and "ingen hashkedja ännu" in out, out
    with Ledger(old):  # a writing open upgrades it
        pass
    with closing(sqlite3.connect(old)) as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] \
            == str(SCHEMA_VERSION) == "3"
        upgraded = db.execute("SELECT * FROM journal_chain ORDER BY input_id").fetchall()
    with closing(sqlite3.connect(clean)) as db:
        assert upgraded == db.execute("SELECT * FROM journal_chain ORDER BY input_id").fetchall()
    assert verify(old)[0] == 0
    # and the chain goes on from there
    assert run("demands", "rattelse", HSA, "JHV-BEM-03", "--date", "2024-06-01", "--ledger",
               str(old))[0] == 0
    assert verify(old)[0] == 0


def test_verify_reads_a_read_only_ledger(clean, tmp_path):
    target = tmp_path / "l.sqlite"
    shutil.copy(clean, target)
    target.chmod(0o444)
    try:
        code, out, _ = verify(target)
    finally:
        target.chmod(0o644)
    assert code == 0, out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l.sqlite"]
