"""The kravliggare keeps its promises: re-runs change nothing, a crash leaves nothing half
written, two runs at once do not duplicate a demand, and history is append-only."""

import datetime as dt
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from engine.errors import InputError
from engine.evaluate.evaluation import check, load_submission
from engine.followup import demands, replay
from engine.followup.ledger import Ledger
from engine.followup.unit_state import UnitState
from engine.model.library import load_library

from .support import ROOT
from .test_ledger_helpers import HSA, SUB_2024, scenario_rulebooks, submission_2023_without_plan

D = dt.date


@pytest.fixture(scope="module")
def rulebooks(tmp_path_factory):
    return scenario_rulebooks(tmp_path_factory.mktemp("rulebooks"))


@pytest.fixture(scope="module")
def books(rulebooks):
    return load_library(rulebooks)


def dump(path) -> dict:
    """Every row of every table, for comparing two ledgers."""
    db = sqlite3.connect(str(path))
    try:
        return {t: db.execute(f"SELECT * FROM {t} ORDER BY id").fetchall()
                for t in ("checks", "demands", "events", "plans", "dispenser")}
    finally:
        db.close()


def register(ledger, books, path, decided):
    return demands.register(ledger, check(load_submission(str(path)), books), decided)


def test_the_same_submission_twice_changes_nothing(tmp_path, books):
    sub = submission_2023_without_plan(tmp_path)
    path = tmp_path / "l.sqlite"
    with Ledger(path) as ledger:
        first = register(ledger, books, sub, D(2024, 3, 15))
    before = dump(path)
    with Ledger(path) as ledger:
        again = register(ledger, books, sub, D(2024, 3, 15))
        later = register(ledger, books, sub, D(2024, 9, 1))  # even with another decision date
    assert first.changes and not first.already
    assert again.already and later.already and again.changes == later.changes == []
    assert dump(path) == before


def test_recording_the_same_plan_decision_or_rattelse_twice_changes_nothing(tmp_path, books):
    path = tmp_path / "l.sqlite"
    plan = tmp_path / "plan.pdf"
    plan.write_bytes(b"plan")
    with Ledger(path) as ledger:
        register(ledger, books, submission_2023_without_plan(tmp_path), D(2024, 3, 15))
        demands.record_plan(ledger, HSA, ["JHV-BEM-03"], D(2024, 5, 31), str(plan))
        demands.record_decision(ledger, HSA, ["JHV-BEM-03"], "godkand", D(2024, 6, 10))
        demands.record_rattelse(ledger, HSA, ["JHV-INF-03"], D(2024, 6, 11))
    before = dump(path)
    with Ledger(path) as ledger:
        a = demands.record_plan(ledger, HSA, ["JHV-BEM-03"], D(2024, 5, 31), str(plan))
        b = demands.record_decision(ledger, HSA, ["JHV-BEM-03"], "godkand", D(2024, 6, 10))
        c = demands.record_rattelse(ledger, HSA, ["JHV-INF-03"], D(2024, 6, 11))
    assert all(x.noop for x in a + b + c)
    assert dump(path) == before


def test_an_exception_between_two_writes_leaves_nothing_behind(tmp_path, books, monkeypatch):
    # the check and its journal entry are written, then the fold (in memory, UnitState) fails
    # part-way: the file keeps nothing of the registration
    path = tmp_path / "l.sqlite"
    sub = submission_2023_without_plan(tmp_path)
    real = UnitState.add_demand
    calls = []

    def fail_on_second(self, **kw):
        calls.append(kw["rule_id"])
        if len(calls) == 2:
            raise RuntimeError("simulated crash after the first demand was written")
        return real(self, **kw)

    monkeypatch.setattr(UnitState, "add_demand", fail_on_second)
    with Ledger(path) as ledger:
        with pytest.raises(RuntimeError, match="simulated"):
            register(ledger, books, sub, D(2024, 3, 15))
        assert ledger.counts() == {"checks": 0, "demands": 0, "events": 0, "plans": 0, "dispenser": 0}
        assert ledger.inputs() == []
    monkeypatch.setattr(UnitState, "add_demand", real)
    with Ledger(path) as ledger:  # the re-run does the whole job, once
        r = register(ledger, books, sub, D(2024, 3, 15))
        assert len(r.changes) == 4
        assert replay.state(ledger).counts()["demands"] == 4 and ledger.counts()["checks"] == 1
        assert len(ledger.inputs()) == 1


def test_a_process_killed_mid_transaction_leaves_the_ledger_consistent(tmp_path, rulebooks, books):
    path = tmp_path / "l.sqlite"
    sub = submission_2023_without_plan(tmp_path)
    # a separate process that dies (no cleanup, no exception handling) right after writing
    # its second demand, inside the transaction
    script = textwrap.dedent(f"""
        import datetime as dt, os, sys
        sys.path.insert(0, {str(ROOT)!r})
        from engine.followup import demands
        from engine.evaluate.evaluation import check, load_submission
        from engine.followup.ledger import Ledger
        from engine.followup.unit_state import UnitState
        from engine.model.library import load_library
        real = UnitState.add_demand  # the fold's, in memory, inside the file's transaction
        n = []
        def die_after_second(self, **kw):
            out = real(self, **kw)
            n.append(1)
            if len(n) == 2:
                os._exit(9)
            return out
        UnitState.add_demand = die_after_second
        books = load_library({str(rulebooks)!r})
        with Ledger({str(path)!r}) as ledger:
            demands.register(ledger, check(load_submission({str(sub)!r}), books), dt.date(2024, 3, 15))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == 9, proc.stderr.decode()
    with Ledger(path) as ledger:
        assert ledger.counts()["demands"] == 0 and ledger.counts()["checks"] == 0
        assert ledger.inputs() == []
        r = register(ledger, books, sub, D(2024, 3, 15))
        assert len(r.changes) == 4
    db = sqlite3.connect(str(path))
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


def test_two_runs_at_once_do_not_duplicate_a_demand(tmp_path, rulebooks):
    path = tmp_path / "l.sqlite"
    sub = submission_2023_without_plan(tmp_path)
    args = ["-m", "engine.cli", "demands", "register", str(sub), "--rulebooks", str(rulebooks),
            "--ledger", str(path), "--as-of", "2024-03-15", "--format", "json"]
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "KRAVKOLL_CACHE": "0"}  # conftest.py
    procs = [subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for _ in range(3)]
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [e.decode() for _, e in outs]
    import json

    already = [json.loads(o)["registrations"][0]["already"] for o, _ in outs]
    assert sorted(already) == [False, True, True]
    with Ledger(path) as ledger:
        assert ledger.counts()["checks"] == 1 and len(ledger.inputs()) == 1
        assert replay.state(ledger).counts()["demands"] == 4


def test_the_database_refuses_to_move_a_status_backward(tmp_path, books):
    path = tmp_path / "l.sqlite"
    with Ledger(path) as ledger:
        register(ledger, books, submission_2023_without_plan(tmp_path), D(2024, 3, 15))
        state = replay.state(ledger, HSA)  # the demands derived from the journal
        d = state.open_demand(HSA, "JHV-BEM-03")
        with state.write():
            state.move(d, "forsenad", D(2024, 5, 15), "tick", "forsenad", "sen")
        with pytest.raises(RuntimeError, match="not forward"):
            with state.write():
                state.move(state.demand(d.id), "kravd", D(2024, 5, 16), "tick", "x", "bakåt")
    # the journal itself is append-only in the file
    file_db = sqlite3.connect(str(path))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        file_db.execute("UPDATE inputs SET date = '2020-01-01'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        file_db.execute("DELETE FROM inputs")
    file_db.close()
    # the derived state is the fold's, in memory (no database): its rows only move forward
    # (above), and a plan is decided once
    plan_id = None
    with state.write():
        plan_id = state.add_plan(d.id, D(2024, 5, 20), "plan.pdf", "0" * 64)
        state.decide_plan(plan_id, "godkand", D(2024, 5, 21), None, None)
        with pytest.raises(RuntimeError, match="already decided"):
            state.decide_plan(plan_id, "underkand", D(2024, 5, 22), None, None)


def test_events_are_applied_in_date_order_whatever_order_they_are_registered_in(tmp_path, books):
    # a decision dated before the plan arrived cannot be about that plan: refused, as it would
    # have been if registered on its day
    plan = tmp_path / "plan.pdf"
    plan.write_bytes(b"plan")
    with Ledger(tmp_path / "l.sqlite") as ledger:
        register(ledger, books, submission_2023_without_plan(tmp_path), D(2024, 3, 15))
        demands.record_plan(ledger, HSA, ["JHV-BEM-03"], D(2024, 5, 31), str(plan))
        with pytest.raises(InputError, match="ingen inkommen handlingsplan"):
            demands.record_decision(ledger, HSA, ["JHV-BEM-03"], "godkand", D(2024, 5, 1))
        assert [i.kind for i in ledger.inputs()] == ["check", "plan"]  # nothing written


def test_an_event_that_does_not_fit_the_status_is_refused(tmp_path, books):
    plan = tmp_path / "plan.pdf"
    plan.write_bytes(b"plan")
    with Ledger(tmp_path / "l.sqlite") as ledger:
        register(ledger, books, submission_2023_without_plan(tmp_path), D(2024, 3, 15))
        with pytest.raises(InputError, match="ingen inkommen handlingsplan"):
            demands.record_decision(ledger, HSA, ["JHV-BEM-03"], "godkand", D(2024, 4, 1))
        with pytest.raises(InputError, match="ingen kravpost"):
            demands.record_plan(ledger, HSA, ["JHV-BEM-01"], D(2024, 4, 1), str(plan))
        # one bad rule in a list: nothing of the command is written
        before = ledger.counts()
        with pytest.raises(InputError):
            demands.record_plan(ledger, HSA, ["JHV-BEM-03", "JHV-BEM-01"], D(2024, 4, 1), str(plan))
        assert ledger.counts() == before


def test_a_decision_date_before_the_submission_is_refused(tmp_path, books):
    with Ledger(tmp_path / "l.sqlite") as ledger:
        with pytest.raises(InputError, match="före årsbokslutets inlämningsdag"):
            register(ledger, books, SUB_2024, D(2025, 1, 1))


def test_a_file_that_is_not_a_ledger_is_an_input_error(tmp_path):
    bad = tmp_path / "not.sqlite"
    bad.write_text("hello, I am not a database\n" * 100)
    with pytest.raises(InputError, match="ingen kravliggare"):
        Ledger(bad)
    with pytest.raises(InputError, match="finns inte"):
        Ledger(tmp_path / "missing.sqlite", create=False)
