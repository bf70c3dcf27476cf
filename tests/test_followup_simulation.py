"""Money and rights computed twice: owed.py/proposed.py (date arithmetic) and simulation.py (a
walk over the calendar, day by day). Every view is checked against the simulation; a
disagreement is a defect (exit code 3). Random scenarios run through both.

What the amounts rest on (seed 003 section 4.7): förseningsvite 5 000 kr per begun week and
handling, at most 50 000 kr (l.863–868); listningsvite 1 000 kr per person and week, at most
10 000 kr per person (l.870–872); a decided vite up to 50 000 kr per brist (l.859–861); the
right to terminate after 30 days from the written notice (l.874–876).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import InputError
from engine.evaluate.evaluation import check, load_submission
from engine.followup import demands, owed, replay, simulation
from engine.followup.ledger import Ledger
from engine.model.library import load_library

from .support import ROOT, variant
from .test_ledger_helpers import HSA, scenario_rulebooks

D = dt.date
START = D(2024, 3, 25)  # the beslutsdag of the check


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Checked submissions, once: a unit falling short of jour och beredskap (a handlingsplan),
    of distriktssköterskor (a handlingsplan in the same decision: one handling) and turning two
    persons away against the listningsregler (listningsvite), under rulebooks whose times the
    region has decided."""
    folder = tmp_path_factory.mktemp("sim")
    books = load_library(scenario_rulebooks(folder / "rulebooks"))
    path = variant(folder, {"verksamhet.jour_och_beredskap": "nej",
                            "bemanning.handlingsplaner": None,
                            "listning.nekade_listningar_i_strid_med_reglerna": 2})
    return check(load_submission(str(path)), books)


def _quietly(fn, *args, **kwargs):
    """Record an input; one the lifecycle refuses (a plan when none is asked for, vite inside
    the frist …) is simply not part of the scenario."""
    try:
        fn(*args, **kwargs)
    except InputError:
        pass


scenario = st.fixed_dictionaries({
    "plan": st.one_of(st.none(), st.integers(1, 150)),
    "plan_rules": st.sampled_from([["JHV-VER-01"], ["JHV-VER-01", "JHV-BEM-03"]]),
    "reject": st.one_of(st.none(), st.tuples(st.integers(1, 30),
                                             st.one_of(st.none(), st.integers(1, 60)))),
    "new_plan": st.one_of(st.none(), st.integers(1, 120)),
    "forelaggande": st.one_of(st.none(), st.tuples(st.integers(1, 200), st.integers(1, 90),
                                                   st.booleans())),
    "vite": st.one_of(st.none(), st.tuples(st.integers(1, 60), st.integers(1, 50000),
                                           st.sampled_from(["vecka", "manad", "engang"]))),
    "refusal": st.one_of(st.none(), st.tuples(st.integers(-20, 100), st.integers(1, 5))),
    "rattelse": st.one_of(st.none(), st.integers(1, 400)),
    "as_of": st.lists(st.integers(0, 500), min_size=1, max_size=4),
})


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(s=scenario)
def test_random_scenarios_agree_with_the_day_by_day_simulation(results, s):
    plan_file = Path(tempfile.mkdtemp()) / "plan.pdf"
    plan_file.write_bytes(b"plan")
    with Ledger(Path(tempfile.mkdtemp()) / "kravliggare.sqlite") as ledger:
        demands.register(ledger, results, START)
        day = START
        if s["plan"] is not None:
            day = START + dt.timedelta(days=s["plan"])
            _quietly(demands.record_plan, ledger, HSA, s["plan_rules"], day, str(plan_file))
            if s["reject"] is not None:
                after, due = s["reject"]
                day += dt.timedelta(days=after)
                _quietly(demands.record_decision, ledger, HSA, ["JHV-VER-01"], "underkand", day,
                         "RS/1/2024", new_due=day + dt.timedelta(days=due) if due else None)
                if s["new_plan"] is not None:
                    day += dt.timedelta(days=s["new_plan"])
                    _quietly(demands.record_plan, ledger, HSA, ["JHV-VER-01"], day,
                             str(plan_file))
        if s["forelaggande"] is not None:
            after, frist, vasentlig = s["forelaggande"]
            notice = START + dt.timedelta(days=after)
            day = max(day, notice)
            _quietly(demands.record_forelaggande, ledger, HSA, ["JHV-VER-01"], day, "RS/2/2024",
                     frist_days=frist, vasentlig=vasentlig)
            if s["vite"] is not None:
                after_frist, belopp, per = s["vite"]
                day += dt.timedelta(days=frist + after_frist)
                _quietly(demands.record_vite, ledger, HSA, ["JHV-VER-01"], day, belopp,
                         "RS/3/2024", per=per)
        if s["refusal"] is not None:
            offset, persons = s["refusal"]
            _quietly(demands.record_refusal, ledger, HSA, "JHV-LIS-01",
                     START + dt.timedelta(days=offset), persons)
        if s["rattelse"] is not None:
            day += dt.timedelta(days=s["rattelse"])
            _quietly(demands.record_rattelse, ledger, HSA, ["JHV-VER-01"], day, "RS/4/2024")
        for offset in s["as_of"]:
            as_of = START + dt.timedelta(days=offset)
            with ledger.read():
                vs = replay.views(ledger, as_of, HSA)  # raises Disagreement on any difference
            for v in vs:
                group = [w for w in vs if w.demand.check_id == v.demand.check_id
                         and w.demand.due == v.demand.due and w.demand.terms.get("late")]
                sim = simulation.expected(v, group or [v])
                assert sum(a.amount_kr for a in v.accruals) == sim.contract_kr + sim.decided_kr
                if v.termination:
                    notice = D.fromisoformat(v.termination["notice"])
                    # 003 l.874–876: never before day 31 after the notice
                    assert D.fromisoformat(v.termination["from"]) > notice + dt.timedelta(days=30)


def test_a_wrong_amount_is_an_internal_error(results, monkeypatch, tmp_path):
    # the check can fail: one krona too many in the views is caught
    with Ledger(tmp_path / "k.sqlite") as ledger:
        demands.register(ledger, results, START)
        real = owed.accruals

        def one_more(*args, **kwargs):
            return [owed.Accrual(**{**a.__dict__, "amount_kr": a.amount_kr + 1})
                    for a in real(*args, **kwargs)]

        monkeypatch.setattr(owed, "accruals", one_more)
        with ledger.read(), pytest.raises(simulation.Disagreement, match="dag-för-dag"):
            replay.views(ledger, D(2024, 7, 1), HSA)


def test_a_wrong_day_for_the_right_is_an_internal_error(results, monkeypatch, tmp_path):
    from engine.followup import proposed

    with Ledger(tmp_path / "k.sqlite") as ledger:
        demands.register(ledger, results, START)
        demands.record_forelaggande(ledger, HSA, ["JHV-VER-01"], D(2024, 6, 3), "RS/5/2024",
                                    frist_days=10, vasentlig=True)
        real = proposed.termination

        def a_day_early(v):
            t = real(v)
            if t:
                t = dict(t, **{"from": (D.fromisoformat(t["from"]) - dt.timedelta(days=1)).isoformat()})
            return t

        monkeypatch.setattr(proposed, "termination", a_day_early)
        with ledger.read(), pytest.raises(simulation.Disagreement, match="säga upp"):
            replay.views(ledger, D(2024, 7, 10), HSA)


def test_the_command_stops_with_exit_3_on_a_disagreement(results, tmp_path):
    with Ledger(tmp_path / "k.sqlite") as ledger:
        demands.register(ledger, results, START)
    code = ("import sys; import engine.followup.owed as o; real = o.accruals; "
            "o.accruals = lambda *a, **k: [o.Accrual(**{**x.__dict__, 'amount_kr': x.amount_kr + 1})"
            " for x in real(*a, **k)]; from engine.cli.main import main; sys.exit(main())")
    proc = subprocess.run([sys.executable, "-c", code, "demands", "list", "--ledger",
                           str(tmp_path / "k.sqlite"), "--as-of", "2024-07-01"],
                          capture_output=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert proc.returncode == 3, proc.stderr.decode()
    assert "dag-för-dag-simuleringen" in proc.stderr.decode()
    assert "fel i kravkoll" in proc.stderr.decode()
