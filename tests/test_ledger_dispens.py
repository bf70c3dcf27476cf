"""A dispens waives a rule for a unit until its end date, and not after."""

import datetime as dt

import pytest

from engine.errors import InputError
from engine.followup import demands

from .test_ledger_helpers import (  # noqa: F401
    HSA,
    SUB_2024,
    ledger,
    register,
    scenario_books,
    submission_2023_without_plan,
)

D = dt.date


@pytest.fixture(scope="module")
def books(scenario_books):
    return scenario_books


def grant(ledger, until, start=D(2024, 1, 1), rule="JHV-BEM-03", dnr="RS/77/2024"):
    return demands.grant_dispens(ledger, HSA, rule, dnr, "Rekrytering pågår; glesbygd.", start, until)


def outcome(r, rule_id):
    return next(f for f in r.findings if f.rule_id == rule_id).outcome


def test_a_finding_under_a_valid_dispens_is_waived_and_not_demanded(tmp_path, ledger, books):
    grant(ledger, until=D(2024, 12, 31))
    r = register(ledger, books, submission_2023_without_plan(tmp_path), D(2024, 3, 15))
    assert outcome(r, "JHV-BEM-03") == "waived"
    f = next(f for f in r.findings if f.rule_id == "JHV-BEM-03")
    assert "RS/77/2024" in f.explanation and "46,0 %" in f.explanation
    demanded = {c.rule_id for c in r.changes}
    assert "JHV-BEM-03" not in demanded and "JHV-INF-03" in demanded
    assert ledger.checks(HSA)[0].outcomes["JHV-BEM-03"] == "waived"


def test_the_last_day_of_a_dispens_still_counts(tmp_path, ledger, books):
    grant(ledger, until=D(2024, 3, 15))
    r = register(ledger, books, submission_2023_without_plan(tmp_path), D(2024, 3, 15))
    assert outcome(r, "JHV-BEM-03") == "waived"


def test_after_the_end_date_the_rule_is_judged_normally(tmp_path, ledger, books):
    grant(ledger, until=D(2024, 3, 14))
    r = register(ledger, books, submission_2023_without_plan(tmp_path), D(2024, 3, 15))
    assert outcome(r, "JHV-BEM-03") == "fail"
    assert "JHV-BEM-03" in {c.rule_id for c in r.changes}


def test_a_dispens_ended_early_no_longer_waives(tmp_path, ledger, books):
    grant(ledger, until=D(2025, 12, 31))
    d, new = demands.end_dispens(ledger, HSA, "JHV-BEM-03", "RS/77/2024", D(2024, 3, 1))
    assert new and d.last_day == D(2024, 2, 29)
    r = register(ledger, books, submission_2023_without_plan(tmp_path), D(2024, 3, 15))
    assert outcome(r, "JHV-BEM-03") == "fail"


def test_waived_one_year_judged_the_next_when_the_dispens_has_ended(tmp_path, ledger, books):
    grant(ledger, until=D(2024, 12, 31))
    register(ledger, books, submission_2023_without_plan(tmp_path), D(2024, 3, 15))
    r = register(ledger, books, SUB_2024, D(2025, 3, 14))
    c = next(c for c in r.changes if c.rule_id == "JHV-BEM-03")
    # no demand from 2023 to escalate: a new demand for the 2024 brist, with a plan stated
    assert (c.before, c.after, c.period, c.kind) == (None, "inkommen", 2024, "uppfoljning")


def test_a_dispens_does_not_turn_a_pass_into_waived(tmp_path, ledger, books):
    grant(ledger, until=D(2024, 12, 31), rule="JHV-BEM-01")
    r = register(ledger, books, submission_2023_without_plan(tmp_path), D(2024, 3, 15))
    assert outcome(r, "JHV-BEM-01") == "pass"


def test_granting_the_same_dispens_twice_changes_nothing_and_a_conflict_is_refused(ledger):
    _, new = grant(ledger, until=D(2024, 12, 31))
    _, again = grant(ledger, until=D(2024, 12, 31))
    assert new and not again
    with pytest.raises(InputError, match="andra uppgifter"):
        grant(ledger, until=D(2025, 6, 30))
    assert ledger.counts()["dispenser"] == 1


def test_dispens_input_is_checked(ledger):
    with pytest.raises(InputError, match="före startdatum"):
        grant(ledger, until=D(2023, 12, 31))
    with pytest.raises(InputError, match="motivering"):
        demands.grant_dispens(ledger, HSA, "JHV-BEM-03", "RS/1", "  ", D(2024, 1, 1), D(2024, 2, 1))
    with pytest.raises(InputError, match="ingen dispens"):
        demands.end_dispens(ledger, HSA, "JHV-BEM-03", "RS/404", D(2024, 3, 1))
    grant(ledger, until=D(2024, 6, 30))
    with pytest.raises(InputError, match="gäller bara till och med"):
        demands.end_dispens(ledger, HSA, "JHV-BEM-03", "RS/77/2024", D(2024, 8, 1))
