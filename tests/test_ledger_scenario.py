"""The contract's follow-up, step by step: seed 003 section 4.7 Kravuppfyllnad (l.852–876),
followed with the shared example's unit from 2023 to 2025.

Each step cites the line of the contract it follows. kravkoll proposes; the beställarenhet
decides (föreläggande, vite); the right to terminate is shown as the region's right.
"""

import datetime as dt
import sqlite3
from contextlib import closing

import pytest

from engine.errors import InputError, UsageError
from engine.followup import demands, replay, views

from .test_ledger_helpers import (  # noqa: F401
    EXAMPLE,
    HSA,
    SUB_2024,
    SUB_2025,
    ledger,
    register,
    scenario_books,
    submission_2023_without_plan,
)

D = dt.date

# Each scenario runs several times in one process: the same input must give the same answer
# whatever ran before it.
pytestmark = pytest.mark.repeat(3)


@pytest.fixture(scope="module")
def books(scenario_books):
    return scenario_books


def view(ledger, as_of):
    with ledger.read():
        state = replay.state(ledger)  # the demands as derived from the journal
        vs = views.views(state.demands(), state.events(), state.plans(),
                             state.dispenser(), as_of)
    return {v.demand.rule_id: v for v in vs}


def plan_file(tmp_path, name="handlingsplan.pdf"):
    p = tmp_path / name
    p.write_bytes(b"%PDF-1.4 handlingsplan " + name.encode() + b"\n")
    return str(p)


def test_the_contract_step_by_step(tmp_path, ledger, books):
    # --- 2023, decision 2024-03-15: the dialogue asks for a handlingsplan (003 l.834–835
    # "uppföljningsdialog som ibland kan resultera i krav på en handlingsplan") -----------------
    r = register(ledger, books, submission_2023_without_plan(tmp_path), D(2024, 3, 15))
    new = {c.rule_id: c for c in r.changes}
    assert sorted(new) == ["JHV-BEM-03", "JHV-BEM-04", "JHV-INF-03", "JHV-INF-04"]
    assert new["JHV-BEM-03"].due == D(2024, 5, 14)  # 2024-03-15 + handlingsplan_dagar 60
    assert new["JHV-BEM-04"].kind == "brist"  # plan_for JHV-BEM-03: the same brist's plan

    # --- one handlingsplan covering three krav, 77 days late: förseningsvite "för varje
    # handling" (l.866–867): one handling, one vite, not three ---------------------------------
    doc = plan_file(tmp_path)
    demands.record_plan(ledger, HSA, ["JHV-BEM-03", "JHV-INF-03", "JHV-INF-04"], D(2024, 7, 30), doc)
    v = view(ledger, D(2024, 8, 1))
    # 2024-07-30 − 2024-05-14 = 77 days; ⌈77/7⌉ = 11 weeks × 5 000 kr = 55 000 → cap 50 000 kr
    (late,) = v["JHV-BEM-03"].accruals
    assert (late.days, late.weeks, late.amount_kr) == (77, 11, 50000)
    assert v["JHV-INF-03"].vite_kr == 0 and v["JHV-INF-04"].vite_kr == 0
    assert sum(x.vite_kr for x in v.values()) == 50000
    # while the plan was missing (l.863–865 "inte i tid levererar"), kravkoll proposed a
    # föreläggande (the trigger plan_ej_inkommen): a proposal, the status stays försenad
    before = view(ledger, D(2024, 7, 1))["JHV-BEM-03"]
    assert before.status == "forsenad"
    assert [p["trigger"] for p in before.proposals] == ["plan_ej_inkommen"]
    assert before.proposals[0]["text"].startswith("föreslås: föreläggande om rättelse")

    # a plan_for rule never escalates on its own: no proposal, no föreläggande, no vite
    assert view(ledger, D(2024, 7, 1))["JHV-BEM-04"].proposals == []
    with pytest.raises(InputError, match="följer det kravet"):
        demands.record_forelaggande(ledger, HSA, ["JHV-BEM-04"], D(2024, 8, 1), "RS/1/24")

    demands.record_decision(ledger, HSA, ["JHV-BEM-03", "JHV-INF-03", "JHV-INF-04"], "godkand",
                            D(2024, 8, 20), "RS/2/2024")

    # --- 2024, decision 2025-03-14: still 48 %. "Om regionen efter utredning, som
    # kommunicerats med vårdgivare, konstaterar brister … kan regionen … förelägga" (l.856–859):
    # recorded and proposed, never decided by kravkoll ------------------------------------------
    r = register(ledger, books, SUB_2024, D(2025, 3, 14))
    again = {c.rule_id: c for c in r.changes if c.before == c.after}
    assert {"JHV-BEM-03", "JHV-INF-04"} <= set(again)
    assert "Föreslås: föreläggande om rättelse" in again["JHV-BEM-03"].reason
    v = view(ledger, D(2025, 3, 14))
    assert v["JHV-BEM-03"].status == "godkand"
    assert [p["trigger"] for p in v["JHV-BEM-03"].proposals] == ["upprepad_brist"]
    assert not [c for c in r.changes if c.after == "forelaggande"]

    # --- the beställarenhet decides: föreläggande with the rulebook's frist (an assumption,
    # not the termination clause), and one with its own frist, marked väsentlig ---------------
    (c,) = [c for c in demands.record_forelaggande(ledger, HSA, ["JHV-BEM-03"], D(2025, 3, 20),
                                                   "RS/7/2025") if c.after == "forelaggande"]
    assert c.frist == D(2025, 4, 19)  # 2025-03-20 + rattelse_dagar 30
    (c,) = [c for c in demands.record_forelaggande(ledger, HSA, ["JHV-INF-04"], D(2025, 3, 20),
                                                   "RS/8/2025", frist_days=45, vasentlig=True)
            if c.after == "forelaggande"]
    assert c.frist == D(2025, 5, 4)  # 2025-03-20 + 45 days, as decided
    f = view(ledger, D(2025, 3, 20))["JHV-INF-04"].forelaggande
    assert (f["decided"], f["frist_kalla"], f["vasentlig"]) == (True, "beslut", True)

    # --- "Om rättelse inte vidtas får regionen ta ut vite tills dess rättelse sker" (l.859–860)
    with pytest.raises(InputError, match="fristen för rättelse går ut 2025-04-19"):
        demands.record_vite(ledger, HSA, ["JHV-BEM-03"], D(2025, 4, 19), 10000, "RS/9/2025")
    after_frist = view(ledger, D(2025, 4, 20))["JHV-BEM-03"]
    assert after_frist.status == "forelaggande"  # nothing automatic after the frist
    assert [p["kind"] for p in after_frist.proposals] == ["vite"]
    # "upp till högst 50 000 kr/brist" (l.860–861)
    with pytest.raises(UsageError, match="50000 kr per brist"):
        demands.record_vite(ledger, HSA, ["JHV-BEM-03"], D(2025, 4, 22), 60000, "RS/9/2025")
    demands.record_vite(ledger, HSA, ["JHV-BEM-03"], D(2025, 4, 22), 10000, "RS/9/2025",
                        per="vecka")
    v = view(ledger, D(2025, 5, 6))["JHV-BEM-03"]
    # 14 days after the decision: 2 begun weeks × 10 000 kr = 20 000 kr (and the 2024
    # förseningsvite of 50 000 kr is still owed)
    decided = next(a for a in v.accruals if a.decided)
    assert (decided.weeks, decided.amount_kr) == (2, 20000)
    assert view(ledger, D(2025, 12, 1))["JHV-BEM-03"].status == "vite"
    assert next(a for a in view(ledger, D(2025, 12, 1))["JHV-BEM-03"].accruals
                if a.decided).amount_kr == 50000  # the cap per brist

    # --- "Part kan säga upp avtalet om andre parten i väsentliga delar inte uppfyller
    # avtalskraven och inte vidtar rättelse inom 30 dagar efter skriftligt påpekande"
    # (l.874–876): a right (never a status) from the later of the notice + 31 days (day 30 is
    # still the unit's: 2025-04-20) and the day after the decided frist (2025-05-04 + 1)
    early = view(ledger, D(2025, 4, 20))["JHV-INF-04"].termination
    assert (early["arisen"], early["from"]) == (False, "2025-05-05")
    assert not view(ledger, D(2025, 5, 4))["JHV-INF-04"].termination["arisen"]
    right = view(ledger, D(2025, 5, 5))["JHV-INF-04"]
    assert right.termination["arisen"] and right.status == "forelaggande"
    assert right.termination["text"].startswith("Regionen får säga upp avtalet från 2025-05-05")
    assert view(ledger, D(2025, 5, 5))["JHV-BEM-03"].termination is None  # not väsentlig

    # --- rättelse stops the vite ("tills dess rättelse sker") ---------------------------------
    demands.record_rattelse(ledger, HSA, ["JHV-BEM-03"], D(2025, 5, 6), "RS/10/2025")
    stopped = view(ledger, D(2025, 12, 1))["JHV-BEM-03"]
    assert not stopped.open
    assert next(a for a in stopped.accruals if a.decided).amount_kr == 20000

    # --- 2025: e-utbildningen still partial: still föreläggande, no uppsägningsrisk status --
    register(ledger, books, SUB_2025, D(2026, 3, 13))
    final = view(ledger, D(2026, 3, 13))
    assert final["JHV-INF-04"].status == "forelaggande"
    assert final["JHV-INF-04"].termination["arisen"]
    # one demand per brist, followed across three years
    assert replay.state(ledger).counts()["demands"] == 4


def test_a_rejected_plan_is_a_proposal_not_a_foreleggande(tmp_path, ledger, books):
    register(ledger, books, submission_2023_without_plan(tmp_path), D(2024, 3, 15))
    demands.record_plan(ledger, HSA, ["JHV-BEM-03"], D(2024, 5, 1), plan_file(tmp_path))
    (c,) = demands.record_decision(ledger, HSA, ["JHV-BEM-03"], "underkand", D(2024, 5, 20),
                                   note="Planen saknar tidsplan")
    assert (c.before, c.after) == ("inkommen", "inkommen")
    v = view(ledger, D(2024, 5, 20))["JHV-BEM-03"]
    assert v.status_label == "handlingsplan underkänd"
    assert [p["trigger"] for p in v.proposals] == ["underkand_plan"]
    assert "Anteckning: Planen saknar tidsplan" in [e for e in replay.state(ledger).events()
                                                    if e.rule == "plan_underkand"][0].reason


def test_a_ledger_with_the_old_uppsagningsrisk_status_still_reads(tmp_path, ledger, books,
                                                                 monkeypatch):
    # a unit written the way kravkoll kept demands before the journal (legacy: moved in place)
    with monkeypatch.context() as m:
        m.setattr(replay, "is_legacy", lambda *a: True)
        register(ledger, books, submission_2023_without_plan(tmp_path), D(2024, 3, 15))
    assert ledger.inputs() == [] and ledger.demands()
    demands.record_forelaggande(ledger, HSA, ["JHV-INF-03"], D(2024, 8, 1), "RS/1/2024")
    demands.record_vite(ledger, HSA, ["JHV-INF-03"], D(2024, 9, 2), 5000, "RS/2/2024")
    d = ledger.open_demand(HSA, "JHV-INF-03")
    path = ledger.path
    with closing(sqlite3.connect(path)) as db, db:  # what an older kravkoll wrote
        db.execute("UPDATE demands SET status = 'uppsagningsrisk' WHERE id = ?", (d.id,))
        db.execute("INSERT INTO events (demand_id, date, from_status, to_status, event, rule, "
                   "reason) VALUES (?, '2024-10-01', 'vite', 'uppsagningsrisk', 'finding', "
                   "'uppsagningsrisk', 'gammal status')", (d.id,))
    v = view(ledger, D(2024, 10, 2))["JHV-INF-03"]
    assert v.status == "vite"  # read as the status it followed
    changes = demands.record_rattelse(ledger, HSA, ["JHV-INF-03"], D(2024, 10, 3))
    assert changes[-1].after == "atgardad"


def test_a_stated_plan_is_followed_up_at_the_dialogue(ledger, books):
    # the shared example states a handlingsplan for distriktssköterskor (2.3.3)
    r = register(ledger, books, EXAMPLE, D(2024, 3, 15))
    c = next(c for c in r.changes if c.rule_id == "JHV-BEM-03")
    assert (c.kind, c.after, c.due) == ("uppfoljning", "inkommen", None)
    state = replay.state(ledger, HSA)
    d = state.open_demand(HSA, "JHV-BEM-03")
    assert d.finding["plan_text"].startswith("Två sjuksköterskor påbörjar")
    assert "JHV-BEM-04" not in {c.rule_id for c in r.changes}
    assert view(ledger, D(2025, 1, 1))["JHV-BEM-03"].vite_kr == 0
    assert state.plan(d.id).received == D(2024, 2, 23)
    (c,) = demands.record_decision(ledger, HSA, ["JHV-BEM-03"], "godkand", D(2024, 9, 20))
    assert (c.before, c.after) == ("inkommen", "godkand")
    (again,) = demands.record_decision(ledger, HSA, ["JHV-BEM-03"], "godkand", D(2024, 9, 20))
    assert again.noop


def test_riktlinjer_and_malnivaer_are_dialogue_points_not_demands(ledger, books):
    r = register(ledger, books, EXAMPLE, D(2024, 3, 15))
    demanded = {c.rule_id for c in r.changes}
    assert not demanded & {"JHV-MAL-01", "JHV-SAB-01", "JHV-SAB-02", "JHV-VER-02"}
    check_row = ledger.checks(HSA)[0]
    assert {p["rule_id"] for p in check_row.dialogue} >= {"JHV-MAL-01", "JHV-SAB-01", "JHV-VER-02"}


def test_a_late_arsbokslut_gives_forseningsvite(tmp_path, ledger, books):
    from .support import variant

    # l.863–868: årsberättelser not delivered in time, 5 000 kr/vecka
    late = variant(tmp_path, {"inlamnad": "2024-03-18"}, "late.yaml")
    r = register(ledger, books, late, D(2024, 3, 20))
    c = next(c for c in r.changes if c.rule_id == "JHV-INL-01")
    assert (c.kind, c.after, c.due) == ("forsening", "kravd", None)  # a late handling (issue 20)
    # 2024-03-18 − 2024-02-29 = 18 days late; ⌈18/7⌉ = 3 weeks × 5 000 kr = 15 000 kr
    (a,) = view(ledger, D(2024, 6, 1))["JHV-INL-01"].accruals
    assert (a.days, a.weeks, a.amount_kr) == (18, 3, 15000)


def test_listningsvite_runs_from_the_recorded_refusal(tmp_path, ledger, books):
    from .support import variant

    # l.870–872: 1 000 kr/person/vecka, at most 10 000 kr/person and tillfälle
    sub = variant(tmp_path, {"listning.nekade_listningar_i_strid_med_reglerna": 2}, "lis.yaml")
    register(ledger, books, sub, D(2024, 3, 15))
    v = view(ledger, D(2024, 3, 25))["JHV-LIS-01"]
    assert not [a for a in v.accruals if a.sanction == "listningsvite"]
    assert any("datum för nekad listning saknas" in n for n in v.notes)
    demands.record_refusal(ledger, HSA, None, D(2024, 3, 1), 2)
    # from 2024-03-01: 24 days → ⌈24/7⌉ = 4 weeks × 1 000 kr × 2 persons = 8 000 kr
    (a,) = [a for a in view(ledger, D(2024, 3, 25))["JHV-LIS-01"].accruals
            if a.sanction == "listningsvite"]
    assert (a.persons, a.weeks, a.amount_kr) == (2, 4, 8000)
    # after 20 weeks: at most 10 000 kr per person → 20 000 kr
    (a,) = [a for a in view(ledger, D(2024, 7, 20))["JHV-LIS-01"].accruals
            if a.sanction == "listningsvite"]
    assert a.amount_kr == 20000


def test_innehallande_for_a_missing_answer_until_it_is_supplied(tmp_path, ledger, books):
    from .support import DELETE, variant

    # l.852–854: "rätt att innehålla den ersättning som är kopplad till dessa uppgifter i
    # avvaktan på att fullständiga eller riktiga uppgifter lämnas"
    sub = variant(tmp_path, {"listning.nekade_listningar_i_strid_med_reglerna": DELETE}, "m.yaml")
    register(ledger, books, sub, D(2024, 3, 15))
    # The text gives the region a right, not an amount or a decision (issue 20, item 4): shown
    # as the region's right while the answer is missing, never as ersättning withheld.
    w = view(ledger, D(2024, 4, 1))["JHV-LIS-01"].withheld
    assert w["right"] and not w["active"] and w["from"] == "2024-03-15" and w["amount_kr"] is None
    assert "rätt att innehålla den ersättning som är kopplad till uppgiften" in w["text"]
    demands.record_rattelse(ledger, HSA, ["JHV-LIS-01"], D(2024, 4, 10))
    w = view(ledger, D(2024, 5, 1))["JHV-LIS-01"].withheld
    assert (w["right"], w["active"], w["until"]) == (False, False, "2024-04-10")
