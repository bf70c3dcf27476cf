"""`demands register` does not check again what the ledger already holds (same content,
sha256): a re-run with nothing new costs little more than hashing the files, and prints what
it printed before.

What a user would check: registering the same folder twice changes nothing and says so for
each unit, in the same words and order as before; a file with new content is still checked;
a decision day before the inlämningsdag is still refused."""

from __future__ import annotations

import json
import shutil

from engine.evaluate import evaluation
from tests.support import ROOT, run_cli

FOLDER = ROOT / "submissions" / "jamtland" / "2023"


def _register_in_process(tmp_path):
    """`demands register` of the county folder in this process, as JSON. What this process held
    before the run is set aside from the garbage collector (gc.freeze): a test's collections
    then walk only what the run made, not the whole test process."""
    import gc

    from click.testing import CliRunner

    from engine.cli.commands import cli

    gc.collect()
    gc.freeze()
    try:
        return CliRunner().invoke(cli, ["demands", "register", str(FOLDER), "--ledger",
                                        str(tmp_path / "k.sqlite"), "--as-of", "2024-06-30",
                                        "--format", "json", "--rulebooks", str(ROOT / "rulebooks")])
    finally:
        gc.unfreeze()


def _register(folder, ledger, *extra):
    return run_cli("demands", "register", str(folder), "--ledger", str(ledger), "--as-of",
                   "2024-06-30", *extra)


def test_rerun_checks_nothing_and_says_the_same(tmp_path, monkeypatch):
    folder = tmp_path / "lan"
    shutil.copytree(FOLDER, folder)
    ledger = tmp_path / "kravliggare.sqlite"
    assert _register(folder, ledger, "--format", "json").returncode == 0
    # What the second run printed before: every unit checked again and found registered.
    # Built here in-process with the checking path forced, to compare with the fast path.
    from click.testing import CliRunner

    from engine.cli import register_known
    from engine.cli.commands import cli

    args = ["demands", "register", str(folder), "--ledger", str(ledger), "--as-of",
            "2024-06-30", "--format", "json", "--rulebooks", str(ROOT / "rulebooks")]
    checked: list = []
    real_check = evaluation.check
    monkeypatch.setattr(evaluation, "check", lambda *a, **k: checked.append(1) or real_check(*a, **k))
    rich = [a for a in args if a not in ("--format", "json")]
    fast, fast_rich = CliRunner().invoke(cli, args), CliRunner().invoke(cli, rich)
    assert checked == [], "a registered file was checked again"
    monkeypatch.setattr(register_known, "registered", lambda *a: {})
    slow, slow_rich = CliRunner().invoke(cli, args), CliRunner().invoke(cli, rich)
    assert len(checked) == 2 * len(list(folder.glob("*.yaml")))
    assert fast.exit_code == slow.exit_code == 0
    assert fast.output == slow.output
    assert fast_rich.output == slow_rich.output and "Redan registrerat" in fast_rich.output
    assert all(r["already"] for r in json.loads(fast.output)["registrations"])


def test_new_content_is_still_checked_and_a_bad_day_refused(tmp_path):
    folder = tmp_path / "lan"
    shutil.copytree(FOLDER, folder)
    ledger = tmp_path / "kravliggare.sqlite"
    assert _register(folder, ledger).returncode == 0
    one = sorted(folder.glob("*.yaml"))[0]
    one.write_text(one.read_text(encoding="utf-8") + "# rättad\n", encoding="utf-8")
    out = json.loads(_register(folder, ledger, "--format", "json").stdout)
    fresh = [r for r in out["registrations"] if not r["already"]]
    assert [r["submission"]["path"] for r in fresh] == [one.as_posix()]
    early = run_cli("demands", "register", str(folder), "--ledger", str(ledger), "--as-of",
                    "2023-01-01")
    assert early.returncode == 2
    assert "ligger före årsbokslutets inlämningsdag" in early.stderr.decode()


def test_results_are_not_held_together(tmp_path, monkeypatch):
    """A county's check results are let go one by one (memory stays flat for any size), and
    the output is the same as when all were kept."""
    import gc
    import weakref

    alive: list = []
    most = [0]
    real_check = evaluation.check

    def tracked(*a, **k):
        result = real_check(*a, **k)
        gc.collect()
        most[0] = max(most[0], sum(1 for r in alive if r() is not None))
        alive.append(weakref.ref(result))
        return result

    monkeypatch.setattr(evaluation, "check", tracked)
    out = _register_in_process(tmp_path)
    assert out.exit_code == 0, out.output
    assert len(alive) == len(list(FOLDER.glob("*.yaml")))
    assert most[0] <= 1, f"{most[0]} results were alive at once"
    regs = json.loads(out.output)["registrations"]
    assert len(regs) == len(alive) and not any(r["already"] for r in regs)


def test_a_units_checks_are_found_by_index(tmp_path):
    """Registering reads the unit's earlier checks for every submission: by an index, not a
    scan of every check in the ledger (which made a county's registration quadratic)."""
    import sqlite3

    from engine.followup.ledger import Ledger

    path = tmp_path / "k.sqlite"
    with Ledger(path, create=True):
        pass
    db = sqlite3.connect(path)
    plan = db.execute("EXPLAIN QUERY PLAN SELECT * FROM checks WHERE hsa_id = ?", ("x",)).fetchall()
    db.close()
    assert any("USING INDEX checks_unit" in row[-1] for row in plan), plan


def test_the_order_is_found_without_holding_the_parsed_submissions(tmp_path, monkeypatch):
    """Before registering, every new file is read for its unit, year and day (the order of
    registration): what is kept of each is that, not its parsed answers, or 50 000 units
    held 770 MB before the first was registered."""
    import gc
    import weakref

    alive: list = []
    most = [0]
    real_load = evaluation.load_submission

    def tracked(path):
        gc.collect()
        most[0] = max(most[0], sum(1 for r in alive if r() is not None))
        sub = real_load(path)
        alive.append(weakref.ref(sub.model))
        return sub

    monkeypatch.setattr(evaluation, "load_submission", tracked)
    out = _register_in_process(tmp_path)
    assert out.exit_code == 0, out.output
    units = len(list(FOLDER.glob("*.yaml")))
    assert len(alive) >= 2 * units  # read once for the order, once to be checked
    assert most[0] <= 2, f"{most[0]} of {units} parsed submissions were held at once"
