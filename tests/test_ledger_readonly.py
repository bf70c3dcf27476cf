"""A kravliggare that cannot be written (issue 19): the commands that only read work on it —
a file without write permission, a read-only folder, a read-only file system — and leave
nothing beside it; a command that writes says "skrivskyddad" (exit 2) and changes nothing.

The tests run as root, which SQLite lets write a file without write permission: the ledger
therefore looks at the file's mode, its folder and its file system itself before it opens a
connection (ledger.read_only_reason), and the read-only case is also tested through the open
mode itself and through a read-only bind mount (where root cannot write either)."""

from __future__ import annotations

import shlex
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from engine.followup import ledger as ledger_module
from engine.followup.ledger import Ledger

from .support import EXAMPLE, ROOT, RULEBOOKS, run_cli

HSA = "SE2321000207-E00000000042"


@pytest.fixture(scope="module")
def registered(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("skrivskydd")
    ledger = folder / "l.sqlite"
    for args in (["demands", "register", str(EXAMPLE), "--rulebooks", str(RULEBOOKS),
                  "--as-of", "2024-03-01"],
                 ["demands", "forelaggande", HSA, "JHV-BEM-03", "--date", "2024-03-02",
                  "--diarienummer", "RS-2024:1", "--frist-dagar", "30"]):
        run = run_cli(*args, "--ledger", str(ledger))
        assert run.returncode == 0, run.stderr.decode()
    return ledger


def reads(ledger: Path, out: Path) -> list[list[str]]:
    """The commands that only read the ledger (the letter goes to another folder)."""
    at = ["--ledger", str(ledger)]
    return [["demands", "list", "--as-of", "2024-06-01", *at],
            ["demands", "list", "--all", "--as-of", "2024-06-01", "--format", "json", *at],
            ["demands", "history", HSA, *at],
            ["demands", "letter", HSA, "--as-of", "2024-06-01", "-o", str(out / "brev.md"),
             "--force", *at],
            ["dispens", "list", "--as-of", "2024-06-01", *at],
            ["demands", "verify", "--rulebooks", str(RULEBOOKS), *at],
            ["check", str(EXAMPLE), "--rulebooks", str(RULEBOOKS), "--format", "ledning",
             "--ledger", str(ledger), "-o", str(out / "ledning.html"), "--force"],
            ["trend", "--ledger", str(ledger), "--rulebooks", str(RULEBOOKS), "--format", "json",
             "-o", str(out / "trend.json"), "--force"]]


def writes(ledger: Path) -> list[list[str]]:
    at = ["--ledger", str(ledger)]
    return [["demands", "rattelse", HSA, "JHV-BEM-03", "--date", "2024-06-01", *at],
            ["demands", "forelaggande", HSA, "JHV-BEM-03", "--date", "2024-06-01",
             "--diarienummer", "RS-2", "--frist-dagar", "30", *at],
            ["dispens", "grant", HSA, "JHV-BEM-03", "--reason", "r", "--diarienummer", "D-1",
             "--from", "2024-01-01", "--until", "2024-12-31", "--rulebooks", str(RULEBOOKS), *at],
            ["demands", "register", str(EXAMPLE), "--rulebooks",
             str(RULEBOOKS), "--as-of", "2024-06-01", *at]]


def dump(path: Path) -> list[str]:
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)) as db:
        return list(db.iterdump())


def _check(ledger: Path, out: Path, before: bytes, results, named: Path | None = None) -> None:
    """`named`: the path the commands were given (another view of `ledger`)."""
    for args, (code, stdout, err) in results:
        assert "Traceback" not in err and "internt fel" not in err, (args, err)
        if args in writes(named or ledger):
            assert code == 2 and "kravliggaren är skrivskyddad" in err, (args, code, err)
        else:
            assert code in (0, 1), (args, code, err)  # check: 1 when a krav is not met
    assert ledger.read_bytes() == before
    assert sorted(p.name for p in ledger.parent.iterdir()) == [ledger.name]


def _run_all(ledger: Path, out: Path):
    results = []
    for args in reads(ledger, out) + writes(ledger):
        run = run_cli(*args)
        results.append((args, (run.returncode, run.stdout.decode(), run.stderr.decode())))
    return results


def _copied(registered, tmp_path):
    """A copy of the registered ledger in a folder of its own, an output folder, and the
    ledger's bytes before anything is run."""
    folder = tmp_path / "kl"
    folder.mkdir()
    ledger = folder / "l.sqlite"
    shutil.copy(registered, ledger)
    out = tmp_path / "ut"
    out.mkdir()
    return folder, ledger, out, ledger.read_bytes()


def test_a_ledger_file_without_write_permission(registered, tmp_path):
    folder, ledger, out, before = _copied(registered, tmp_path)
    ledger.chmod(0o444)
    try:
        _check(ledger, out, before, _run_all(ledger, out))
    finally:
        ledger.chmod(0o644)
    assert (out / "brev.md").exists() and (out / "ledning.html").exists()


def test_a_ledger_in_a_read_only_folder(registered, tmp_path):
    folder, ledger, out, before = _copied(registered, tmp_path)
    folder.chmod(0o555)
    try:
        _check(ledger, out, before, _run_all(ledger, out))
    finally:
        folder.chmod(0o755)


def _bind_mount_possible() -> bool:
    if not shutil.which("unshare") or not shutil.which("mount"):
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount --bind -o ro / /mnt"],
                           capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _bind_mount_possible(), reason="no mount namespace for a read-only bind")
def test_a_ledger_on_a_read_only_bind_mount_where_root_cannot_write_either(registered, tmp_path):
    source, view = tmp_path / "kl", tmp_path / "ro"
    source.mkdir()
    view.mkdir()
    shutil.copy(registered, source / "l.sqlite")
    out = tmp_path / "ut"
    out.mkdir()
    ledger = view / "l.sqlite"
    before = (source / "l.sqlite").read_bytes()
    commands = reads(ledger, out) + writes(ledger)
    script = [f"mount --bind -o ro {shlex.quote(str(source))} {shlex.quote(str(view))}"]
    for i, args in enumerate(commands):
        cmd = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "engine.cli", *args])
        script.append(f"{cmd} >{tmp_path}/out{i} 2>{tmp_path}/err{i}; echo $? >{tmp_path}/rc{i}")
    done = subprocess.run(["unshare", "-m", "sh", "-c", " && ".join(script[:1]) + "; "
                           + "; ".join(script[1:])], cwd=ROOT, capture_output=True,
                          env={**__import__("os").environ, "PYTHONPATH": str(ROOT),
                               "COLUMNS": "120"})
    assert done.returncode == 0, done.stderr.decode()
    results = [(args, (int((tmp_path / f"rc{i}").read_text()),
                       (tmp_path / f"out{i}").read_text(), (tmp_path / f"err{i}").read_text()))
               for i, args in enumerate(commands)]
    _check(source / "l.sqlite", out, before, results, named=ledger)
    assert "filsystemet är skrivskyddat" in results[len(reads(ledger, out))][1][2]


def test_a_read_only_ledger_is_opened_with_mode_ro_and_refuses_a_write_itself(registered,
                                                                              tmp_path,
                                                                              monkeypatch):
    ledger = tmp_path / "l.sqlite"
    shutil.copy(registered, ledger)
    opened = []
    real = ledger_module._connect

    def connect(target, uri):
        opened.append(target)
        return real(target, uri)

    monkeypatch.setattr(ledger_module, "_connect", connect)
    ledger.chmod(0o444)
    try:
        with Ledger(ledger, readonly=True) as led:
            assert opened[-1].endswith("?mode=ro&immutable=1"), opened
            assert led.checks()
            with pytest.raises(sqlite3.OperationalError):  # SQLite itself refuses: not root
                led._db.execute("INSERT INTO meta VALUES ('x', 'y')")
        with pytest.raises(Exception) as refused:
            Ledger(ledger)
        assert "kravliggaren är skrivskyddad (filen har ingen skrivrättighet)" in str(refused.value)
    finally:
        ledger.chmod(0o644)
    # a ledger that can be written is read as before: no mode=ro, which would leave -wal and
    # -shm files behind when it is the last connection to close
    with Ledger(ledger, readonly=True):
        assert "mode=ro" not in opened[-1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l.sqlite"]
    assert dump(ledger) == dump(registered)
