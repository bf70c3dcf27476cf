"""Rulebooks that hold up on appeal: what `kravkoll lint` (and loading) refuse or warn about.

Each case mutates a copy of the real 2023 rulebook the way an author could, and states what a
rulebook author is told. The contract's text the checks guard (seed 003, Rapport översyn
vårdvalen 2022):
- l.769–817: the informationssäkerhet items are *proposals* ("Nedan visas förslag … inför
  2022"), and "Efter avstämning med regionens ansvariga jurist … går inte alla ovan nämnda
  synpunkter att ställa krav på" (l.814–817): a proposal alone carries no handlingsplan or vite.
- l.850–876: the sanctions are quoted from the förfrågningsunderlag in force in 2021 ("I
  förfrågningsunderlaget framkommer"); their use in another year, how weeks are counted and
  from which day a vite runs are the rulebook's choices and must be stated.
- l.836–838: the årsbokslut is submitted after the year ("lämnar årligen in"), so its deadline
  lies after the period.
- design.md, "No krona and no right without a decided basis": a level, deadline, time or frist
  the sources leave to the region (e.g. "Källorna anger inget datum för årsbokslutet") is the
  rulebook's proposal until the region's decision is recorded (beslut under the parameter). A
  handlingsplan or vite cannot rest on a proposed level (error, code grund); a value kronor or
  rights would be computed from is warned about, parameter by parameter, until decided.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.gate.lint import lint
from engine.model.library import load_rulebook

from .support import RULEBOOKS, run_cli, write_whole

BOOK_2023 = RULEBOOKS / "jamtland" / "halsoval-2023.yaml"


def mutated(tmp_path: Path, *edits: tuple[str, str, str]) -> Path:
    """A copy of the 2023 rulebook with (after, old, new) edits: the first `old` after `after`."""
    target = tmp_path / BOOK_2023.name
    write_whole(BOOK_2023, target)
    text = target.read_text(encoding="utf-8")
    for after, old, new in edits:
        i = text.index(old, text.index(after) if after else 0)
        text = text[:i] + new + text[i + len(old):]
    target.write_text(text, encoding="utf-8")
    return target


def coded(path: Path) -> list[tuple[str, str, str]]:
    """(severity, code, field) of every lint message."""
    return [(m.severity, m.code, m.path) for m in lint([str(path)]).messages]


# An informationssäkerhet proposal given a vite again: the state before the fix.
PROPOSAL_WITH_VITE = ("id: JHV-INF-03", "    kind: forslag\n", "    kind: krav\n")
PROPOSAL_VITE_CONSEQUENCE = ("id: JHV-INF-03", "      answer: {field: informationssakerhet.reservrutiner_kritiska_it_stod, pass: [ja]}\n",
                             "      answer: {field: informationssakerhet.reservrutiner_kritiska_it_stod, pass: [ja]}\n"
                             "    consequence:\n      sanctions: [vite_brist]\n")
DECIDED = ("id: JHV-INF-03", "    scope: {regi: [extern]}\n",
           "    scope: {regi: [extern]}\n    decided:\n      document: fu_2023\n"
           "      section: \"8.4 Informationssäkerhet\"\n"
           "      quote: \"Leverantören ska ta fram reservrutiner för kritiska IT-stöd.\"\n")
FU_DOCUMENT = ("", "documents:\n", "documents:\n  fu_2023:\n    title: Förfrågningsunderlag 2023\n")
# A level the rulebook only proposes, used by the krav JHV-BEM-03 (handlingsplan and vite).
PROPOSED_LEVEL = ("", "parameters:\n", "parameters:\n  antagen_niva:\n    title: Antagen nivå\n"
                  "    value: 50\n    unit: procent\n    assumption: Regelbokens val, ingen källa.\n")
BEM_03_ON_IT = ("id: JHV-BEM-03", "right: {param: andel_distriktsskoterskor_min}",
                "right: {param: antagen_niva}")
DECIDED_LEVEL = ("  antagen_niva:", "    assumption: Regelbokens val, ingen källa.\n",
                 "    assumption: Regelbokens val, ingen källa.\n"
                 "    beslut: {datum: 2023-01-20, diarienummer: RS/99/2023}\n")
# The deadline the sources do not give, decided by the region (a test's decision, not a seed's).
DECIDED_DEADLINE = ("  sista_inlamningsdag:", "    unit: datum\n",
                    "    unit: datum\n    beslut: {datum: 2023-01-20, diarienummer: RS/98/2023}\n")
# What kronor or rights would be computed from while they are proposals (003 l.856–868: the
# contract gives the vite, not the deadline, the time for a plan or the frist).
UNDECIDED = {("varning", "grund", "parameters.sista_inlamningsdag"),
             ("varning", "grund", "parameters.handlingsplan_dagar"),
             ("varning", "grund", "parameters.rattelse_dagar")}

CASES = {
    # a krav with vite resting on a proposal only (003 l.771–817)
    "proposal with vite": ([PROPOSAL_WITH_VITE, PROPOSAL_VITE_CONSEQUENCE],
                           [("fel", "beslut", "rules[24].source")]),
    # the same krav, once the rulebook names the decided text: no beslut error
    "proposal with its decided text": ([FU_DOCUMENT, PROPOSAL_WITH_VITE, PROPOSAL_VITE_CONSEQUENCE,
                                        DECIDED], []),
    # the form question read as the krav without saying so: a sammanställning alone
    "form read silently as a krav": ([("id: JHV-BEM-01", "      status: formular_aterger_krav\n", "")],
                                     [("fel", "beslut", "rules[4].source"),
                                      ("varning", "oanvand", "")]),
    # the reading stated as a status but without the interpretation
    "reading without assumption": ([("id: JHV-BEM-03", "      assumption: >-\n", "      note: >-\n")],
                                   [("fel", "antagande", "rules[6].source.status")]),
    # listningsvite: from which day and how weeks count is the rulebook's choice (003 l.870–872)
    "weekly vite without assumption": ([("  listningsvite:", "    assumption: >-\n      Hur veckor",
                                         "    # Hur veckor")],
                                       [("fel", "antagande", "sanctions.listningsvite")]),
    # the föreläggande's frist is the region's decision, not the contract's (003 l.856–860)
    "followup trigger without assumption": ([("  assumptions:", "    rattelse_days: >-\n", "    rattelse_dayz: >-\n")],
                                            [("fel", "antagande", "followup.rattelse_days"),
                                             ("fel", "antagande", "followup.assumptions.rattelse_dayz")]),
    # the quote says "mer än 50%" but the parameter says 60 (004 l.398–400)
    "number differs from the quote": ([("andel_specialister_min:", "    value: 50\n", "    value: 60\n")],
                                      [("varning", "tal", "parameters.andel_specialister_min.value"),
                                       ("varning", "tal", "rules[4].source.quote")]),
    # a sanction amount that is not the one quoted (5 000 kr/vecka, 003 l.866–867)
    "sanction amount differs from the quote": ([("  forseningsvite:", "    amount_kr: 5000\n", "    amount_kr: 6000\n")],
                                               [("varning", "tal", "sanctions.forseningsvite.amount_kr")]),
    # a 2024 copy that keeps the 2023 deadline: every 2024 unit would be 357 days late
    "deadline before the period ends": ([("", "valid_from: 2023-01-01\nvalid_to: 2023-12-31\n",
                                          "valid_from: 2024-01-01\nvalid_to: 2024-12-31\n")],
                                        [("fel", "inlamning", "parameters.sista_inlamningsdag.value")]),
    # a krav with handlingsplan and vite measured against a level no source gives
    "handlingsplan on a proposed level": ([PROPOSED_LEVEL, BEM_03_ON_IT],
                                          [("fel", "grund", "rules[6].check.compare.right")]),
    # the same level once the region has decided it: nothing to say
    "handlingsplan on a decided level": ([PROPOSED_LEVEL, BEM_03_ON_IT, DECIDED_LEVEL], []),
    # a vite quoted from a proposal (003 l.769–817 are proposals; l.856–860 is the FU's vite)
    "vite quoted from a proposal": ([("  vite_brist:", "      status: aterger_fu\n",
                                      "      status: forslag\n")],
                                    [("fel", "grund", "sanctions.vite_brist.source")]),
    # the deadline decided: förseningsvite may be computed from it, no warning for it
    "deadline decided by the region": ([DECIDED_DEADLINE],
                                       [("-", "grund", "parameters.sista_inlamningsdag")]),
}


@pytest.mark.parametrize("name", CASES)
def test_lint_tells_the_author(tmp_path, name):
    """Each case's messages beyond the 2023 rulebook's own warnings on its undecided values; a
    ("-", code, field) entry expects one of those warnings to be gone."""
    edits, expected = CASES[name]
    gone = {(s, c, p) for s, c, p in UNDECIDED if ("-", c, p) in expected}
    expected = [e for e in expected if e[0] != "-"]
    got = [(s, c, p) for s, c, p in coded(mutated(tmp_path, *edits))
           if not (c == "oanvand" and ("varning", "oanvand", "") in expected)]
    expected = [e for e in expected if e[1] != "oanvand"]
    assert UNDECIDED - gone <= set(got)
    assert not gone & set(got)
    assert sorted(m for m in got if m not in UNDECIDED) == sorted(expected)


def test_the_real_rulebooks_pass_these_checks():
    """No errors; the only warnings are the values the region has still to decide."""
    messages = lint([str(RULEBOOKS)]).messages
    assert [m.render() for m in messages if m.severity == "fel"] == []
    warned = {(m.file.split("rulebooks/")[-1], m.code, m.path) for m in messages}
    jamtland = {(f"jamtland/halsoval-{year}.yaml", "grund", f"parameters.{name}")
                for year in (2021, 2022, 2023)
                for name in ("sista_inlamningsdag", "handlingsplan_dagar", "rattelse_dagar")}
    assert warned == jamtland


def test_the_warning_says_what_would_be_computed_and_what_the_region_must_do():
    messages = [m for m in lint([str(BOOK_2023.parent)]).messages
                if m.file.endswith("2023.yaml") and m.path == "parameters.sista_inlamningsdag"]
    assert len(messages) == 1
    text = messages[0].text
    assert "förseningsvite för sen inlämning (JHV-INL-01)" in text
    assert "Regionen behöver besluta värdet" in text and "beslut: datum, diarienummer" in text


@pytest.mark.parametrize("name", ["proposal with vite", "form read silently as a krav",
                                  "deadline before the period ends",
                                  "handlingsplan on a proposed level", "vite quoted from a proposal"])
def test_loading_refuses_what_lint_calls_an_error_of_policy(tmp_path, name):
    """`kravkoll check` never runs on such a rulebook: exit 2 with the rulebook's line."""
    book = mutated(tmp_path, *CASES[name][0])
    with pytest.raises(InputError) as info:
        load_rulebook(book)
    assert info.value.problems[0].line is not None
    proc = run_cli("explain", "JHV-BEM-01", "--rulebooks", str(tmp_path))
    assert proc.returncode == 2, proc.stdout.decode() + proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode()
