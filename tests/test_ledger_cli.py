"""The kravliggare commands run as a user runs them: a separate process, Swedish messages, exit
codes, the as-of date always printed, and the two-year scenario end to end."""

import json
import re

import pytest

from .support import run_cli
from .test_ledger_helpers import (
    HSA,
    SUB_2024,
    SUB_2025,
    scenario_rulebooks,
    submission_2023_without_plan,
)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    rulebooks = scenario_rulebooks(folder / "rulebooks")
    sub_2023 = submission_2023_without_plan(folder)
    plan = folder / "handlingsplan-exempelbyn.pdf"
    plan.write_bytes(b"%PDF-1.4 plan\n")
    return {"folder": folder, "rulebooks": str(rulebooks), "sub_2023": str(sub_2023),
            "plan": str(plan)}


def ok(*args, **kw):
    proc = run_cli(*args, **kw)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout.decode()


def as_json(*args):
    return json.loads(ok(*args, "--format", "json"))


def test_the_scenario_through_the_command_line(setup, tmp_path):
    led = ["--ledger", str(tmp_path / "kravliggare.sqlite")]
    rb = ["--rulebooks", setup["rulebooks"]]
    out = ok("demands", "register", setup["sub_2023"], *rb, *led, "--as-of", "2024-03-15")
    assert "beslutsdag 2024-03-15" in out and "handlingsplan senast 2024-05-14" in out

    out = ok("demands", "plan", HSA, "JHV-BEM-03", "--date", "2024-05-31", "--file", setup["plan"], *led)
    assert "försenad → inkommen" in out

    data = as_json("demands", "list", HSA, *led, "--as-of", "2024-06-01")
    assert data["as_of"] == "2024-06-01"
    bem03 = next(d for d in data["demands"] if d["rule_id"] == "JHV-BEM-03")
    # 17 days late, begun weeks: 3 × 5 000 kr = 15 000 kr
    assert bem03["vite_kr"] == 15000 and bem03["vite"][0]["weeks"] == 3
    assert bem03["plan"]["received"] == "2024-05-31" and bem03["status"] == "inkommen"

    ok("demands", "approve", HSA, "JHV-BEM-03", "--date", "2024-06-10", "--diarienummer", "RS/1/24", *led)
    ok("demands", "register", str(SUB_2024), *rb, *led, "--as-of", "2025-03-14")
    data = as_json("demands", "list", *led, "--as-of", "2025-03-20")
    bem03 = next(d for d in data["demands"] if d["rule_id"] == "JHV-BEM-03")
    # 003 l.856–859 "kan regionen … förelägga": proposed, not decided
    assert bem03["status"] == "godkand"
    assert [p["kind"] for p in bem03["proposals"]] == ["forelaggande"]
    assert bem03["proposals"][0]["text"].startswith("föreslås: föreläggande om rättelse")
    # the unit named by its name; the decision with its own frist
    out = ok("demands", "forelaggande", "Hälsocentralen Exempelbyn", "JHV-BEM-03", "JHV-INF-04",
             "--date", "2025-03-20", "--diarienummer", "RS/7/25", "--frist-dagar", "21", *led)
    assert "frist: 21 dagar enligt beslutet" in out and "2025-04-10" in out
    ok("demands", "vite", HSA, "JHV-BEM-03", "--date", "2025-04-11", "--belopp", "20000",
       "--diarienummer", "RS/9/25", *led)
    ok("demands", "register", str(SUB_2025), *rb, *led, "--as-of", "2026-03-13")
    data = as_json("demands", "list", HSA, *led, "--as-of", "2026-03-13", "--all")
    status = {d["rule_id"]: d["status"] for d in data["demands"]}
    assert status["JHV-BEM-03"] == "atgardad" and status["JHV-INF-04"] == "forelaggande"

    history = as_json("demands", "history", HSA, "JHV-BEM-03", *led)["events"]
    moves = [e["to_status"] for e in history if e["from_status"] != e["to_status"]]
    assert moves == ["kravd", "forsenad", "inkommen", "godkand", "forelaggande", "vite", "atgardad"]


def test_list_output_is_reproducible_and_names_its_date(setup, tmp_path):
    led = ["--ledger", str(tmp_path / "l.sqlite")]
    ok("demands", "register", setup["sub_2023"], "--rulebooks", setup["rulebooks"], *led,
       "--as-of", "2024-03-15")
    a = ok("demands", "list", *led, "--as-of", "2024-07-01", "--format", "json")
    b = ok("demands", "list", *led, "--as-of", "2024-07-01", "--format", "json")
    assert a == b
    text = ok("demands", "list", *led, "--as-of", "2024-07-01")
    assert "Krav per 2024-07-01" in text and "försenad*" in text
    # without --as-of: today, printed
    text = ok("demands", "list", *led)
    assert re.search(r"Krav per \d{4}-\d{2}-\d{2}", text)


def test_register_twice_reports_already_registered(setup, tmp_path):
    led = ["--ledger", str(tmp_path / "l.sqlite")]
    args = ("demands", "register", setup["sub_2023"], "--rulebooks", setup["rulebooks"], *led,
            "--as-of", "2024-03-15")
    first = json.loads(ok(*args, "--format", "json"))
    second = json.loads(ok(*args, "--format", "json"))
    assert not first["registrations"][0]["already"] and second["registrations"][0]["already"]
    assert second["registrations"][0]["changes"] == []
    assert "Redan registrerat" in ok(*args)


def test_dispens_commands(setup, tmp_path):
    led = ["--ledger", str(tmp_path / "l.sqlite")]
    out = ok("dispens", "grant", HSA, "jhv-bem-03", "--reason", "Glesbygd", "--diarienummer",
             "RS/5/2024", "--from", "2024-01-01", "--until", "2024-12-31", *led)
    assert "beviljad" in out and "2024-01-01" in out
    data = json.loads(ok("demands", "register", setup["sub_2023"], "--rulebooks", setup["rulebooks"],
                         *led, "--as-of", "2024-03-15", "--format", "json"))
    assert data["registrations"][0]["waived"] == ["JHV-BEM-03"]
    out = ok("dispens", "end", HSA, "JHV-BEM-03", "--diarienummer", "RS/5/2024", "--date", "2024-06-01", *led)
    assert "avslutad" in out and "2024-05-31" in out
    out = ok("dispens", "list", *led, "--as-of", "2024-07-01")
    assert "Dispenser per 2024-07-01" in out and "gäller inte" in out


@pytest.mark.parametrize("args, message", [
    (("demands", "list", "--ledger", "{tmp}/saknas.sqlite"), "kravliggaren finns inte"),
    (("demands", "list", "../../etc", "--ledger", "{tmp}/l.sqlite"), "är inget HSA-id"),
    (("demands", "list", "--as-of", "2024-13-01", "--ledger", "{tmp}/l.sqlite"), "är inget datum"),
    (("demands", "plan", HSA, "JHV-BEM-03", "--date", "2024-05-31", "--file", "{tmp}/nej.pdf",
      "--ledger", "{tmp}/l.sqlite"), "filen finns inte"),
    (("demands", "approve", HSA, "JHV-BEM-03", "--date", "2024-06-01", "--ledger", "{tmp}/l.sqlite"),
     "ingen kravpost"),
    (("demands", "letter", HSA, "--ledger", "{tmp}/l.sqlite", "--as-of", "2024-06-01"),
     "ingen granskning"),
    (("dispens", "grant", HSA, "JHV-BEM-99", "--reason", "x", "--diarienummer", "1", "--until",
      "2024-12-31", "--ledger", "{tmp}/l.sqlite"), "ingen regel med id JHV-BEM-99"),
    (("demands", "plan", HSA, "inte ett id", "--date", "2024-05-31", "--file", "x",
      "--ledger", "{tmp}/l.sqlite"), "är inget regel-id"),
])
def test_bad_input_gives_one_swedish_message_and_exit_2(tmp_path, args, message):
    from engine.followup.ledger import Ledger

    Ledger(tmp_path / "l.sqlite").close()  # an empty ledger
    proc = run_cli(*(a.replace("{tmp}", str(tmp_path)) for a in args))
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert message in err and "Traceback" not in err


def test_help_is_swedish():
    out = ok("demands", "--help")
    assert "Krav på handlingsplan" in out and "register" in out and "letter" in out
    assert "Granska årsbokslut" in ok("demands", "register", "--help")
