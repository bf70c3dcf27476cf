"""Values a submission can hold but a hälsocentral cannot mean: absurd numbers, non-finite
numbers, parts that add up to more than their total, HSA-ids in look-alike digits and dates
outside the year reported on. Each is refused at reading with exit code 2 and a Swedish message
naming file, line, field and what is expected; nothing reaches the rules."""

from __future__ import annotations

import datetime as dt
import types
import typing
from decimal import Decimal

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from engine.errors import InputError
from engine.model.form import default_model
Submission = default_model()

from .support import (
    EXAMPLE,
    RULEBOOKS,
    example_data,
    input_error,
    parse_submission,
    run_cli,
    with_changes,
)

BASE = EXAMPLE.read_text(encoding="utf-8")
HUGE = "9" * 5000
FULLWIDTH_HSA = "SE２３２１０００２０７-E00000000042"
ARABIC_INDIC_HSA = "SE٢٣٢١٠٠٠٢٠٧-E00000000042"


load, error_of = parse_submission, input_error


def yaml_with(changes: dict, raw: dict | None = None) -> str:
    """The example with changes; `raw` values are written into the YAML text as they stand
    (unquoted), so the YAML reader types them the way a person's file would."""
    data = with_changes(example_data(), changes)
    marks = {}
    for i, (path, text) in enumerate((raw or {}).items()):
        marks[path] = (f"RAWVALUE{i}", text)
        data = with_changes(data, {path: f"RAWVALUE{i}"})
    out = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    for mark, text in marks.values():
        out = out.replace(mark, text)
    return out


def line_of(text: str, path: str) -> int:
    """1-based line of the dotted path's key in text: each key searched after its parent's."""
    lines, n = text.splitlines(), 0
    for part in path.split("."):
        while not lines[n].strip().startswith(f"{part}:"):
            n += 1
    return n + 1


def bare(annotation):
    """int for Annotated[int, ...]; the annotation itself otherwise."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def numeric_fields(model=Submission, prefix: str = "") -> list[str]:
    """Every numeric answer of the form as a dotted path (a dict of counts gets one key)."""
    out = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        options = typing.get_args(info.annotation) if typing.get_origin(info.annotation) in (
            typing.Union, types.UnionType) else (info.annotation,)
        for a in map(bare, options):
            if isinstance(a, type) and issubclass(a, BaseModel):
                out += numeric_fields(a, path + ".")
            elif typing.get_origin(a) is dict:
                if bare(typing.get_args(a)[1]) in (int, float):
                    out.append(path + ".lakare")
            elif a in (int, float):
                out.append(path)
    return out


NUMERIC = numeric_fields()


def test_the_walk_finds_the_numeric_answers():
    # a guard for the tests below: if the walk found nothing they would pass vacuously
    for path in ("forutsattningar.antal_listade", "period", "bemanning.vakanta_tjanster.lakare",
                 "bemanning.lakare_arsarbetare.totalt", "kvalitet.rehabkoordinator.omfattning_procent",
                 "sabo.nyinflyttade", "verksamhet.telefon.timmar_per_dag"):
        assert path in NUMERIC
    assert len(NUMERIC) > 30


# --- 1. numbers beyond what the form can mean ---------------------------------------------------

ABSURD = {
    "float 1.0e20": "1.0e20",
    "spaced 10^19": "'10 000 000 000 000 000 000'",
    "plain 10^19": "10000000000000000000",
    "5000 digits": HUGE,
    "5000 digits quoted": f"'{HUGE}'",
    "float overflowing to inf": "1.0e400",
    "5000 digits with a decimal": HUGE + ".5",
}


@pytest.mark.parametrize("path", NUMERIC)
@pytest.mark.parametrize("written", sorted(ABSURD))
def test_an_absurd_number_in_any_numeric_field_is_refused_at_its_line(path, written):
    text = yaml_with({}, {path: ABSURD[written]})
    msg = error_of(text)
    line = line_of(text, path)
    assert f"x.yaml:{line}:" in msg, msg
    assert f"fält '{path}'" in msg, msg
    assert "högst" in msg, msg  # says what is expected, not just "wrong"
    assert len(msg) < 400  # the 5000 digits are not echoed back


@pytest.mark.parametrize("written", [".nan", ".NaN", ".inf", "-.inf", ".Inf", "nan", "inf"])
@pytest.mark.parametrize("path", NUMERIC)
def test_non_finite_values_are_refused_in_every_numeric_field(path, written):
    msg = error_of(yaml_with({}, {path: written}))
    assert f"fält '{path}'" in msg, msg


@pytest.mark.parametrize("path,value", [
    ("forutsattningar.antal_listade", "10000000000000000000"),
    ("sabo.nyinflyttade", "10000000000000000000"),
    ("listning.nekade_listningar_i_strid_med_reglerna", "1.0e20"),
    ("forutsattningar.antal_listade", HUGE),
    ("verksamhet.vardkontakter", "'10 000 000 000 000 000 000'"),
])
def test_the_cli_refuses_absurd_counts_with_exit_2_not_an_internal_error(tmp_path, path, value):
    # before: exit 1 with the absurd count in the report, or exit 3 (overflow in the rule engine)
    bad = tmp_path / "stor.yaml"
    bad.write_text(yaml_with({}, {path: value}), encoding="utf-8")
    run = run_cli("check", str(bad), "--format", "json", timeout=60)
    err = run.stderr.decode()
    assert run.returncode == 2, err
    assert "Traceback" not in err and "internt fel" not in err and run.stdout == b""
    assert f"{bad}:" in err and f"fält '{path}'" in err and "högst" in err


@pytest.mark.parametrize("path,value", [
    # larger than any unit in the county (the largest lists 12 803) yet possible in a city
    ("forutsattningar.antal_listade", 60_000),
    ("verksamhet.patienter", 55_000),
    ("verksamhet.vardkontakter", 400_000),
    ("bemanning.lakare_arsarbetare.totalt", 40),
    ("verksamhet.akutbesok_per_1000_listade", 900),
    ("sabo.platser", 400),
])
def test_a_large_but_possible_unit_is_still_accepted(path, value):
    changes = {path: value}
    if path == "bemanning.lakare_arsarbetare.totalt":
        changes["bemanning.lakare_arsarbetare.at_bt_st"] = 4
    s = load(yaml_with(changes))
    obj = s
    for part in path.split("."):
        obj = getattr(obj, part)
    assert obj == value


# --- 2. parts within their total admit float rounding, nothing more ------------------------------

def lakare(totalt: str, at_bt_st: str, spec: str) -> str:
    return yaml_with({}, {"bemanning.lakare_arsarbetare.totalt": totalt,
                          "bemanning.lakare_arsarbetare.at_bt_st": at_bt_st,
                          "bemanning.lakare_arsarbetare.specialister_allmanmedicin": spec})


def test_a_share_of_1000_percent_is_not_let_through_by_the_tolerance():
    # 0.000000001 specialists of 0.0000000001 doctors left after AT/BT/ST: 1 000 %
    msg = error_of(lakare("7.0000000001", "7.0", "0.000000001"))
    assert "fält 'bemanning.lakare_arsarbetare'" in msg
    assert "tillsammans fler än totalt" in msg


def test_the_cli_does_not_report_a_1000_percent_share_as_met(tmp_path):
    bad = tmp_path / "andel.yaml"
    bad.write_text(lakare("7.0000000001", "7.0", "0.000000001"), encoding="utf-8")
    run = run_cli("check", str(bad), "--format", "json", timeout=60)
    assert run.returncode == 2, run.stdout.decode()[:2000]
    assert "tillsammans fler än totalt" in run.stderr.decode()


@pytest.mark.parametrize("totalt,at_bt_st,spec", [
    ("0.3", "0.1", "0.2"),      # 0.1 + 0.2 > 0.3 in binary floating point
    ("7.3", "2.1", "5.2"),      # 2.1 + 5.2 = 7.300000000000001
    ("10.0", "0", "10.0"),
])
def test_parts_that_add_up_exactly_are_accepted_despite_binary_rounding(totalt, at_bt_st, spec):
    lak = load(lakare(totalt, at_bt_st, spec)).bemanning.lakare_arsarbetare
    assert lak.totalt == float(totalt)


def test_parts_one_hundredth_over_the_total_are_refused():
    assert "tillsammans fler än totalt" in error_of(lakare("7.0", "2.0", "5.01"))


DECIMALS = st.decimals(min_value=0, max_value=60, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(totalt=DECIMALS, at_bt_st=DECIMALS, spec=DECIMALS)
def test_the_specialist_share_the_rules_see_is_never_above_100_percent(totalt, at_bt_st, spec):
    """Whatever two-decimal årsarbetare are written, either they are refused or the share of
    specialists (the measure of JHV-BEM-01) is at most 100 %: exactly when the written parts
    add up to no more than the written total are they accepted."""
    text = lakare(str(totalt), str(at_bt_st), str(spec))
    fits = spec <= totalt and at_bt_st <= totalt and at_bt_st + spec <= totalt
    try:
        lak = load(text).bemanning.lakare_arsarbetare
    except InputError:
        assert not fits
        return
    assert fits
    rest = Decimal(str(lak.totalt)) - Decimal(str(lak.at_bt_st))
    if rest:
        assert Decimal(str(lak.specialister_allmanmedicin)) / rest <= 1


# --- 3. HSA-ids are ASCII ---------------------------------------------------------------------------

@pytest.mark.parametrize("hsa", [FULLWIDTH_HSA, ARABIC_INDIC_HSA, "SE2321000207-E0000000004２",
                                 "SE232100020７-E00000000042"])
def test_an_hsa_id_in_look_alike_digits_is_refused_and_the_message_shows_the_form(hsa):
    text = BASE.replace("SE2321000207-E00000000042", hsa)
    msg = error_of(text)
    assert f"x.yaml:{line_of(text, 'hsa_id')}:" in msg and "fält 'enhet.hsa_id'" in msg
    assert "inget HSA-id" in msg and "SE2321000207-E00000000042" in msg and "0–9" in msg


def test_the_ascii_hsa_id_is_still_accepted():
    assert load(BASE).enhet.hsa_id == "SE2321000207-E00000000042"


def test_a_dispens_for_a_look_alike_hsa_id_is_refused_so_the_ledger_keeps_one_unit(tmp_path):
    ledger = tmp_path / "kravliggare.sqlite"
    run = run_cli("dispens", "grant", FULLWIDTH_HSA, "JHV-BEM-03", "--reason", "Rekrytering pågår.",
                  "--diarienummer", "RS/1/2024", "--from", "2024-01-01", "--until", "2024-12-31",
                  "--ledger", str(ledger), timeout=60)
    err = run.stderr.decode()
    assert run.returncode == 2, err + run.stdout.decode()
    assert "inget HSA-id" in err and "Traceback" not in err


@pytest.mark.parametrize("args", [
    ["demands", "list", ARABIC_INDIC_HSA],
    ["demands", "history", FULLWIDTH_HSA],
    ["demands", "history", "SE2321000207-E00000000042", "JHV-BEM-0ß"],  # 'ß'.upper() == 'SS'
])
def test_ledger_commands_take_ascii_ids_only(tmp_path, args):
    ledger = tmp_path / "kravliggare.sqlite"
    run = run_cli(*args, "--ledger", str(ledger), timeout=60)
    err = run.stderr.decode()
    assert run.returncode == 2, err
    assert ("inget HSA-id" in err or "inget regel-id" in err) and "Traceback" not in err


def test_letters_name_files_by_ascii_hsa_ids_only():
    from engine.cli.commands_ledger import HSA_ID as cli_pattern
    from engine.followup.letters import HSA_ID as letter_pattern

    for pattern in (cli_pattern, letter_pattern):
        assert pattern.fullmatch("SE2321000207-E00000000042")
        assert not pattern.fullmatch(FULLWIDTH_HSA) and not pattern.fullmatch(ARABIC_INDIC_HSA)


def test_a_time_in_look_alike_digits_is_refused():
    msg = error_of(BASE.replace('mandag: "08:00-17:00"', 'mandag: "08:0０-17:00"'))
    assert "fält 'verksamhet.oppettider.mandag'" in msg


def test_a_number_in_look_alike_digits_is_refused():
    msg = error_of(BASE.replace("antal_listade: 6412", "antal_listade: '６４１２'"))
    assert "fält 'forutsattningar.antal_listade'" in msg and "inte ett tal" in msg


def test_a_rulebook_question_number_in_look_alike_digits_is_refused(tmp_path):
    from engine.model.library import load_rulebook

    book = RULEBOOKS / "jamtland" / "halsoval-2023.yaml"
    bad = tmp_path / "regelbok.yaml"
    bad.write_text(book.read_text(encoding="utf-8").replace('question: "2.2.5"', 'question: "２.２.５"'),
                   encoding="utf-8")
    with pytest.raises(InputError, match="question"):
        load_rulebook(bad)


# --- 4. dates within the year reported on ----------------------------------------------------------

@pytest.mark.parametrize("day", ["2022-02-20", "2023-06-30", "2023-12-31"])
def test_an_arsbokslut_submitted_before_its_year_ends_is_refused(day):
    text = BASE.replace("inlamnad: 2024-02-23", f"inlamnad: {day}")
    msg = error_of(text)
    assert f"x.yaml:{line_of(text, 'inlamnad')}:" in msg and "fält 'inlamnad'" in msg
    assert "2023-12-31" in msg  # names the end of the period


def test_the_cli_refuses_a_year_typo_instead_of_passing_lamnat_i_tid(tmp_path):
    bad = tmp_path / "tidig.yaml"
    bad.write_text(BASE.replace("inlamnad: 2024-02-23", "inlamnad: 2022-02-20"), encoding="utf-8")
    run = run_cli("check", str(bad), "--format", "json", timeout=60)
    err = run.stderr.decode()
    assert run.returncode == 2, run.stdout.decode()[:500]
    assert f"{bad}:" in err and "fält 'inlamnad'" in err


@pytest.mark.parametrize("day", ["0001-02-20", "9999-12-31", "2034-02-23", "1923-02-23"])
def test_a_date_far_from_the_period_is_refused_with_the_window(day):
    msg = error_of(BASE.replace("inlamnad: 2024-02-23", f"inlamnad: {day}"))
    assert "fält 'inlamnad'" in msg and "2024-01-01" in msg


@pytest.mark.parametrize("day", ["2024-01-01", "2024-02-23", "2025-06-30", "2028-12-31"])
def test_on_time_and_late_submissions_are_read(day):
    s = load(BASE.replace("inlamnad: 2024-02-23", f"inlamnad: {day}"))
    assert s.inlamnad == dt.date.fromisoformat(day)


def test_a_missing_date_is_still_allowed():
    assert load(BASE.replace("inlamnad: 2024-02-23\n", "")).inlamnad is None
