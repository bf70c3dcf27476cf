"""A kravliggare written before the journal (schema version 1) still reads, and gets the journal
on its first write; its units keep the state they were written with (they cannot be replayed:
their inputs were never journaled). And the CLI path of a withdrawal and of a second plan.

What a handläggare checks: an old ledger opens, lists and takes new events; `demands aterkalla`
on a föreläggande gives the proposal back; `demands reject --ny-sista-dag` sets the next plan's
last day.
"""

import datetime as dt
import json
import sqlite3
from contextlib import closing

import pytest

from engine.errors import InputError
from engine.followup import demands, replay
from engine.followup.ledger import SCHEMA_VERSION, Ledger

from .support import run_cli, variant
from .test_ledger_helpers import (  # noqa: F401
    HSA,
    SUB_2024,
    register,
    scenario_books,
    scenario_rulebooks,
    submission_2023_without_plan,
)

D = dt.date


@pytest.fixture(scope="module")
def books(scenario_books):  # noqa: F811
    return scenario_books


def _version_1(path):
    """What kravkoll before the journal left: no inputs table, no events.input_id."""
    with closing(sqlite3.connect(path)) as db, db:
        for name in ("inputs_append_only_update", "inputs_append_only_delete"):
            db.execute(f"DROP TRIGGER {name}")
        db.execute("DROP INDEX inputs_unit")
        db.execute("DROP TABLE inputs")
        db.execute("ALTER TABLE events DROP COLUMN input_id")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")


def test_a_version_1_ledger_reads_and_is_upgraded_on_its_first_write(tmp_path, books, monkeypatch):
    path = tmp_path / "gammal.sqlite"
    with Ledger(path) as ledger, monkeypatch.context() as m:
        m.setattr(replay, "is_legacy", lambda *a: True)  # written in place, as before the journal
        register(ledger, books, submission_2023_without_plan(tmp_path), D(2024, 3, 15))
    _version_1(path)
    with Ledger(path, readonly=True) as ledger:
        assert ledger.inputs() == [] and replay.is_legacy(ledger, HSA)
        assert ledger.open_demand(HSA, "JHV-BEM-03").status == "kravd"
    plan = tmp_path / "plan.pdf"
    plan.write_bytes(b"plan")
    with Ledger(path) as ledger:  # a write: the journal is added, nothing else changes
        (c,) = demands.record_plan(ledger, HSA, ["JHV-BEM-03"], D(2024, 5, 1), str(plan))
        assert (c.before, c.after) == ("kravd", "inkommen")
        assert ledger.open_demand(HSA, "JHV-BEM-03").status == "inkommen"  # moved in place
        assert ledger.inputs() == []  # a legacy unit is not journaled (it cannot be replayed)
        # … and an earlier year after a later one is still refused there, with the reason
        register(ledger, books, SUB_2024, D(2025, 3, 14))
        resubmitted = variant(tmp_path, {"inlamnad": "2024-02-28"}, "ny-2023.yaml")
        with pytest.raises(InputError, match="före kravliggarens händelsejournal"):
            register(ledger, books, resubmitted, D(2025, 3, 20))
        assert ledger.inputs() == []
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] \
            == str(SCHEMA_VERSION)
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def ok(*args):
    proc = run_cli(*args, env={"COLUMNS": "250"})
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout.decode()


def test_withdrawal_and_a_second_plan_from_the_command_line(tmp_path):
    rulebooks = str(scenario_rulebooks(tmp_path / "rb"))
    sub = str(submission_2023_without_plan(tmp_path))
    led = ["--ledger", str(tmp_path / "l.sqlite")]
    plan = tmp_path / "plan.pdf"
    plan.write_bytes(b"plan 1")
    ok("demands", "register", sub, "--rulebooks", rulebooks, *led, "--as-of", "2024-03-15")
    ok("demands", "plan", HSA, "JHV-BEM-03", "JHV-INF-03", "JHV-INF-04", "--date", "2024-05-01",
       "--file", str(plan), *led)
    ok("demands", "reject", HSA, "JHV-BEM-03", "--date", "2024-05-20", "--note", "Saknar tidsplan",
       "--ny-sista-dag", "2024-06-30", *led)
    listing = json.loads(ok("demands", "list", HSA, *led, "--as-of", "2024-06-01", "--format", "json"))
    bem03 = next(d for d in listing["demands"] if d["rule_id"] == "JHV-BEM-03")
    assert bem03["deadline"] == "2024-06-30" and bem03["status_label"] == "handlingsplan underkänd"
    # the rejection makes a föreläggande possible (003 l.856–859); decided by mistake, withdrawn
    ok("demands", "forelaggande", HSA, "JHV-BEM-03", "--date", "2024-06-03", "--diarienummer",
       "RS/5/2024", *led)
    history = json.loads(ok("demands", "history", HSA, "JHV-BEM-03", *led, "--format", "json"))
    number = next(e["id"] for e in history["events"] if e["event"] == "forelaggande")
    ok("demands", "aterkalla", HSA, "JHV-BEM-03", "--handelse", str(number), "--reason",
       "Fel ärende", "--den", "2024-06-04", *led)
    listing = json.loads(ok("demands", "list", HSA, *led, "--as-of", "2024-06-05", "--format", "json"))
    bem03 = next(d for d in listing["demands"] if d["rule_id"] == "JHV-BEM-03")
    assert bem03["forelaggande"] is None and bem03["status"] == "inkommen"
    assert [p["trigger"] for p in bem03["proposals"]] == ["underkand_plan"]
    text = ok("demands", "history", HSA, "JHV-BEM-03", *led)
    assert "ÅTERKALLAD 2024-06-04: Fel ärende" in text
    # bad input: one clear Swedish message, exit 2
    proc = run_cli("demands", "approve", HSA, "JHV-BEM-03", "--date", "2024-06-05",
                   "--ny-sista-dag", "2024-07-01", *led)
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "--ny-sista-dag gäller en underkänd plan" in err
    assert "Traceback" not in err


def test_a_decision_given_twice_is_recorded_once(tmp_path):
    """The same föreläggande (same day, same diarienummer) typed again, as a handläggare who is
    unsure it went in does: one decision in the history, and the command says it was there."""
    rulebooks = str(scenario_rulebooks(tmp_path / "rb"))
    sub = str(submission_2023_without_plan(tmp_path))
    led = ["--ledger", str(tmp_path / "l.sqlite")]
    ok("demands", "register", sub, "--rulebooks", rulebooks, *led, "--as-of", "2024-03-15")
    plan = tmp_path / "plan.pdf"
    plan.write_bytes(b"plan 1")
    ok("demands", "plan", HSA, "JHV-BEM-03", "--date", "2024-05-01", "--file", str(plan), *led)
    ok("demands", "reject", HSA, "JHV-BEM-03", "--date", "2024-05-20", *led)
    decide = ("demands", "forelaggande", HSA, "JHV-BEM-03", "--date", "2024-06-03",
              "--diarienummer", "RS/7/2024", *led)
    ok(*decide)
    again = ok(*decide)
    assert "Föreläggandet RS/7/2024 är redan registrerat." in again
    history = json.loads(ok("demands", "history", HSA, "JHV-BEM-03", *led, "--format", "json"))
    assert [e["event"] for e in history["events"]].count("forelaggande") == 1
