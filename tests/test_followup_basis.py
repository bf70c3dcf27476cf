"""No krona and no right without a decided basis (issue 20): what a handläggare checks in the
kravliggare with the shipped Jämtland rulebooks, whose last day for the årsbokslut, time for a
handlingsplan and default frist are the rulebook's assumptions (förslag), and with the same
rulebooks once the region has recorded its decisions (Parameter.beslut).

Seed 003 section 4.7 Kravuppfyllnad:
- l.852–854: incomplete information: the region "har rätt att innehålla" the linked ersättning;
- l.856–861: the region "kan" förelägga rättelse, and "får" take vite if rättelse is not made;
- l.863–868: förseningsvite "för varje handling" delivered late (nothing to correct afterwards);
- l.874–876: a party may terminate when the other "i väsentliga delar inte uppfyller
  avtalskraven och inte vidtar rättelse inom 30 dagar efter skriftligt påpekande".
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from engine.errors import InputError
from engine.evaluate.evaluation import check, load_submission
from engine.followup import demands, letters, replay
from engine.followup.ledger import Ledger
from engine.model.library import load_library

from .support import copy_region, run_cli, variant
from .test_ledger_helpers import ledger, register, with_region_decisions  # noqa: F401 (ledger: a fixture)

D = dt.date
UNIT = "SE2321000207-E00000000901"  # not the shared example's unit
NAME = "Hälsocentralen Norrbyn"


def unit_submission(tmp_path, changes: dict, name: str = "norrbyn.yaml"):
    return variant(tmp_path, {"enhet.hsa_id": UNIT, "enhet.namn": NAME, **changes}, name)


@pytest.fixture(scope="module")
def decided_books(tmp_path_factory):
    """The shipped Jämtland rulebooks after the region recorded its decisions of the last day,
    the time for a handlingsplan and the default frist (diarienummer RS/2023/101–103)."""
    folder = copy_region(tmp_path_factory.mktemp("beslut") / "jamtland")
    path = folder / "halsoval-2023.yaml"
    path.write_text(with_region_decisions(path.read_text(encoding="utf-8")), encoding="utf-8")
    return load_library(folder)


def view(ledger, rule_id, as_of):
    with ledger.read():
        return next(v for v in replay.views(ledger, as_of, UNIT) if v.demand.rule_id == rule_id)


def finding(books, path, rule_id):
    result = check(load_submission(str(path)), books)
    return next(f for f in result.findings if f.rule_id == rule_id)


# --- item 1: a late årsbokslut ----------------------------------------------------------------

def test_a_late_arsbokslut_gives_no_kronor_while_the_last_day_is_only_proposed(tmp_path, books, ledger):
    # 003 l.863–868: förseningsvite "för varje handling" – from a last day the sources do not
    # give (sista_inlamningsdag is an assumption), so no amount, the day shown as a förslag
    path = unit_submission(tmp_path, {"inlamnad": "2024-04-10"})
    f = finding(books, path, "JHV-INL-01")
    assert f.outcome == "fail"
    c = f.consequence
    assert c["accrued"] == []
    assert c["deadline"]["basis"] == "forslag" and c["deadline"]["date"] == "2024-02-29"
    assert "inget förseningsvite förrän regionen beslutat sista dag" in c["text"]
    assert "kr (" not in c["text"].split("Förseningsvitet räknas")[-1]

    register(ledger, books, path, D(2024, 4, 15))
    v = view(ledger, "JHV-INL-01", D(2024, 9, 1))
    assert v.vite_kr == 0 and v.accruals == []
    assert v.proposals == []  # a late delivery is not a brist to correct
    assert v.demand.terms["kind"] == "forsening"


def test_a_late_handling_gets_no_foreläggande(tmp_path, books, ledger):
    # 003 l.863–868 gives förseningsvite per handling, nothing more: nothing to put right
    register(ledger, books, unit_submission(tmp_path, {"inlamnad": "2024-03-20"}), D(2024, 3, 25))
    with pytest.raises(InputError, match="försenad handling.*003 l.863–868"):
        demands.record_forelaggande(ledger, UNIT, ["JHV-INL-01"], D(2024, 4, 2), "RS/9/2024",
                                    frist_days=30)


def test_a_late_arsbokslut_gives_forseningsvite_from_the_regions_decided_last_day(
        tmp_path, decided_books, ledger):
    # 41 days after 2024-02-29: 6 begun weeks × 5 000 kr (003 l.863–868), the day resting on
    # the region's decision RS/2023/103
    path = unit_submission(tmp_path, {"inlamnad": "2024-04-10"})
    f = finding(decided_books, path, "JHV-INL-01")
    (a,) = f.consequence["accrued"]
    assert (a["days_late"], a["weeks"], a["amount_kr"]) == (41, 6, 30000)
    assert a["basis"] == "beslut" and a["beslut"]["diarienummer"] == "RS/2023/103"
    register(ledger, decided_books, path, D(2024, 4, 15))
    v = view(ledger, "JHV-INL-01", D(2024, 9, 1))
    assert v.vite_kr == 30000
    assert v.accruals[0].grounds == "regionens beslut 2023-01-15 (RS/2023/103)"
    assert v.proposals == []


# --- item 3: the right to terminate -------------------------------------------------------------

def _forelagd(tmp_path, ledger, books, notice, frist_days, vasentlig):
    register(ledger, books, unit_submission(tmp_path, {"verksamhet.jour_och_beredskap": "nej"}),
             D(2024, 5, 2))
    demands.record_forelaggande(ledger, UNIT, ["JHV-VER-01"], notice, "RS/40/2024",
                                frist_days=frist_days, vasentlig=vasentlig)


def test_without_a_decision_of_vasentlig_the_rulebook_only_proposes_it(tmp_path, books, ledger):
    # JHV-VER-01 carries a `vasentlig` block in the rulebook: a proposal, never the right
    _forelagd(tmp_path, ledger, books, D(2024, 6, 3), 20, vasentlig=False)
    for day in (D(2024, 7, 3), D(2024, 7, 4), D(2025, 1, 1)):
        v = view(ledger, "JHV-VER-01", day)
        assert v.termination is None
        (p,) = [p for p in v.proposals if p["kind"] == "vasentlig"]
        assert "regionen kan besluta att bristen är väsentlig" in p["text"]
    proc = run_cli("demands", "list", UNIT, "--ledger", str(ledger.path), "--as-of", "2025-01-01")
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode()
    assert "säga upp avtalet från" not in out and "får säga upp" not in out
    text = letters.markdown(letters.compose(ledger, UNIT, D(2024, 7, 10)))
    assert "säga upp avtalet" not in text


@pytest.mark.parametrize("notice, frist_days, right_from", [
    # frist 45 days (to 2024-07-18) outlasts the 30 days (over 2024-07-03): frist + 1
    (D(2024, 6, 3), 45, D(2024, 7, 19)),
    # frist 10 days: notice + 31 (day 30, 2024-07-03, is still the unit's)
    (D(2024, 6, 3), 10, D(2024, 7, 4)),
    # another notice date, frist equal to the 30 days: notice + 31 = frist + 1
    (D(2024, 8, 20), 30, D(2024, 9, 20)),
])
def test_the_right_arises_on_the_later_of_notice_plus_31_and_frist_plus_1(
        tmp_path, books, ledger, notice, frist_days, right_from):
    # 003 l.874–876 "inte vidtar rättelse inom 30 dagar efter skriftligt påpekande"
    _forelagd(tmp_path, ledger, books, notice, frist_days, vasentlig=True)
    before = view(ledger, "JHV-VER-01", right_from - dt.timedelta(days=1))
    on = view(ledger, "JHV-VER-01", right_from)
    assert before.termination["from"] == right_from.isoformat() and not before.termination["arisen"]
    assert on.termination["arisen"] and on.termination["from"] == right_from.isoformat()
    assert on.termination["basis"] == f"regionens beslut {notice} (RS/40/2024)"
    assert not [p for p in on.proposals if p["kind"] == "vasentlig"]
    # the letter gives one date for the right, the same as the list
    text = letters.markdown(letters.compose(ledger, UNIT, right_from - dt.timedelta(days=1)))
    assert letters.day(right_from) in text
    wrong = [notice + dt.timedelta(days=n) for n in (29, 30)]
    assert not any(f"säga upp avtalet från den {letters.day(w)}" in text for w in wrong
                   if w != right_from)


def test_a_rattelse_ends_the_right(tmp_path, books, ledger):
    _forelagd(tmp_path, ledger, books, D(2024, 6, 3), 30, vasentlig=True)
    demands.record_rattelse(ledger, UNIT, ["JHV-VER-01"], D(2024, 7, 1), "RS/41/2024")
    assert view(ledger, "JHV-VER-01", D(2024, 8, 1)).termination is None


# --- item 4: a missing answer ------------------------------------------------------------------

def test_a_missing_answer_asks_for_a_komplettering_not_a_plan(tmp_path, books, ledger):
    # 003 l.852–854: ofullständiga uppgifter – the region has a right to withhold the linked
    # ersättning until they are supplied; no handlingsplan on the substance, nothing withheld
    # by kravkoll, no amount
    register(ledger, books, unit_submission(tmp_path, {"verksamhet.jour_och_beredskap": None}),
             D(2024, 3, 25))
    v = view(ledger, "JHV-VER-01", D(2024, 4, 1))
    assert v.demand.terms["kind"] == "komplettering"
    assert v.proposals == []
    assert v.withheld["right"] and not v.withheld["active"]
    assert "rätt att innehålla" in v.withheld["text"] and "inget belopp" in v.withheld["text"]
    text = letters.markdown(letters.compose(ledger, UNIT, D(2024, 4, 1)))
    assert "Komplettera årsbokslutet" in text
    assert "jour och beredskap" not in text.split("Vad enheten ska göra")[1].split("\n")[0]
    listing = json.loads(run_cli("demands", "list", UNIT, "--ledger", str(ledger.path),
                                 "--as-of", "2024-04-01", "--format", "json").stdout)
    (d,) = [d for d in listing["demands"] if d["rule_id"] == "JHV-VER-01"]
    assert d["kind"] == "komplettering" and d["vite_kr"] == 0
    assert d["deadline_basis"] == "förslag"


def test_the_completed_report_closes_the_komplettering(tmp_path, books, ledger):
    register(ledger, books, unit_submission(tmp_path, {"verksamhet.jour_och_beredskap": None}),
             D(2024, 3, 25))
    # the same period again, now with the answer
    register(ledger, books, unit_submission(tmp_path, {"verksamhet.jour_och_beredskap": "ja"},
                                            "norrbyn-komplett.yaml"), D(2024, 4, 20))
    v = view(ledger, "JHV-VER-01", D(2024, 5, 1))
    assert not v.open and v.withheld["right"] is False


# --- item 5: the times the region has not decided ---------------------------------------------

def test_a_plan_due_only_by_the_rulebooks_assumption_is_a_reminder_without_kronor(
        tmp_path, books, decided_books):
    path = unit_submission(tmp_path, {"verksamhet.jour_och_beredskap": "nej"})
    out = {}
    for label, library in (("forslag", books), ("beslut", decided_books)):
        with Ledger(tmp_path / f"{label}.sqlite") as led:
            register(led, library, path, D(2024, 3, 25))
            v = view(led, "JHV-VER-01", D(2024, 7, 1))
            out[label] = v
    # due 2024-05-24 (60 days): a reminder either way
    assert out["forslag"].deadline == out["beslut"].deadline == D(2024, 5, 24)
    assert out["forslag"].deadline_basis == "förslag"
    assert out["forslag"].vite_kr == 0
    assert any("inget förseningsvite förrän regionen beslutat" in n for n in out["forslag"].notes)
    # 38 days late: 6 begun weeks, capped at nothing (50 000 kr)
    assert out["beslut"].deadline_basis == "regionens beslut 2023-01-15 (RS/2023/101)"
    assert out["beslut"].vite_kr == 30000


def test_a_foreläggande_must_name_its_frist_while_the_default_is_only_proposed(tmp_path, books, ledger):
    # 003 l.856–859 leaves the frist to the region; rattelse_dagar (30) is an assumption
    register(ledger, books, unit_submission(tmp_path, {"verksamhet.jour_och_beredskap": "nej"}),
             D(2024, 3, 25))
    before = len(ledger.inputs(UNIT))
    with pytest.raises(InputError, match="--frist-dagar.*förslag"):
        demands.record_forelaggande(ledger, UNIT, ["JHV-VER-01"], D(2024, 6, 3), "RS/50/2024")
    proc = run_cli("demands", "forelaggande", UNIT, "JHV-VER-01", "--date", "2024-06-03",
                   "--diarienummer", "RS/50/2024", "--ledger", str(ledger.path))
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr
    assert "ange fristen för rättelse" in proc.stderr.decode()
    assert len(ledger.inputs(UNIT)) == before  # nothing written
    demands.record_forelaggande(ledger, UNIT, ["JHV-VER-01"], D(2024, 6, 3), "RS/50/2024",
                                frist_days=21)
    v = view(ledger, "JHV-VER-01", D(2024, 6, 10))
    assert v.demand.frist == D(2024, 6, 24)
    assert v.forelaggande["frist_basis"] == "regionens beslut 2024-06-03 (RS/50/2024)"


def test_the_decided_default_frist_is_used_and_named(tmp_path, decided_books, ledger):
    register(ledger, decided_books,
             unit_submission(tmp_path, {"verksamhet.jour_och_beredskap": "nej"}), D(2024, 3, 25))
    demands.record_forelaggande(ledger, UNIT, ["JHV-VER-01"], D(2024, 6, 3), "RS/51/2024")
    v = view(ledger, "JHV-VER-01", D(2024, 6, 10))
    assert v.demand.frist == D(2024, 7, 3)
    assert v.forelaggande["frist_basis"] == "regionens beslut 2023-01-15 (RS/2023/102)"
    assert v.deadline_basis == v.forelaggande["frist_basis"]


def test_a_new_plan_due_by_the_rejection_may_give_forseningsvite(tmp_path, books, ledger):
    # the rejection names the new plan's last day (--ny-sista-dag): the region's decision, so
    # förseningsvite per handling (003 l.866–867) runs from it even with a proposed 60 days
    register(ledger, books, unit_submission(tmp_path, {"verksamhet.jour_och_beredskap": "nej"}),
             D(2024, 3, 25))
    plan = tmp_path / "plan.pdf"
    plan.write_bytes(b"plan")
    demands.record_plan(ledger, UNIT, ["JHV-VER-01"], D(2024, 5, 1), str(plan))
    demands.record_decision(ledger, UNIT, ["JHV-VER-01"], "underkand", D(2024, 5, 10), "RS/60/2024",
                            new_due=D(2024, 6, 10))
    v = view(ledger, "JHV-VER-01", D(2024, 6, 20))  # 10 days late: 2 begun weeks
    assert v.vite_kr == 10000
    assert v.deadline_basis == "regionens beslut 2024-05-10 (RS/60/2024)"
    # without --ny-sista-dag the new last day is the rulebook's assumption: no kronor
    with Ledger(tmp_path / "utan.sqlite") as led:
        register(led, books, unit_submission(tmp_path, {"verksamhet.jour_och_beredskap": "nej"}),
                 D(2024, 3, 25))
        demands.record_plan(led, UNIT, ["JHV-VER-01"], D(2024, 5, 1), str(plan))
        demands.record_decision(led, UNIT, ["JHV-VER-01"], "underkand", D(2024, 5, 10),
                                "RS/61/2024")
        w = view(led, "JHV-VER-01", D(2024, 9, 20))
        assert w.vite_kr == 0 and w.deadline_basis == "förslag"
