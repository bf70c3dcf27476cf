"""Check one submission against the rulebook in force: facts → rule engine (checked by the
interpreter of crosscheck.py) → findings."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from engine.errors import InputError
from engine.model import sanctions
from engine.model.library import LoadedRulebook, select
from engine.model.rulebook import KIND_LABELS, Rule, Rulebook, basis_decides, basis_words
from engine.model.rulebook_basis import level_basis
from engine.model.form import validate_submission
from engine.model.submission import path_parts
from engine.read.numbers import format_number
from engine.read.yamlstrict import Document, load_file

from .compile import compile_rulebook
from .crosscheck import RulebookCheck
from .factkey import KeyedFacts
from .facts import RuleFact, build_facts
from .previous_year import find_previous, uses_previous
from .findings import OBSERVED_KINDS, PROPOSED_LEVEL, Decided, Finding, Location, verdict
from .memo import ByIdentity
from .rete import RuleEngine

_engines: dict[str, RuleEngine] = {}
_checks: dict[str, RulebookCheck] = {}


def engine_for(book: LoadedRulebook) -> RuleEngine:
    """One compiled engine per rulebook content, reused for every submission of a run, with the
    interpreter that checks its answers (crosscheck.py) built from the same compiled rules."""
    if book.sha256 not in _engines:
        compiled = compile_rulebook(book.model)
        _checks[book.sha256] = RulebookCheck(compiled)
        _engines[book.sha256] = RuleEngine(book.sha256[:12], compiled)
    return _engines[book.sha256]


def evaluate(book: LoadedRulebook, facts: list[RuleFact]) -> dict[str, str]:
    """{rule id: outcome}, as durable_rules decides it; every outcome is checked by the
    interpreter, and a disagreement stops the run (crosscheck.Disagreement, exit 3). Each
    fact's key (factkey.py) is made once here and handed to both: each keeps its own memory."""
    engine = engine_for(book)
    plain = KeyedFacts([rf.fact for rf in facts])
    outcomes = engine.evaluate(plain)
    _checks[book.sha256].verify(plain, outcomes)
    return outcomes


@dataclass
class LoadedSubmission:
    model: Any  # the pydantic model of the submission's form
    path: str
    sha256: str
    doc: Document
    previous: Any = None  # the unit's årsbokslut of the year before (its model), when given
    search_previous: bool = True  # look for it beside the file (not for a rulebook test case)


@dataclass
class CheckResult:
    submission: LoadedSubmission
    rulebook: LoadedRulebook
    as_of: dt.date
    findings: list[Finding]  # or list[Decided] (decide: what a county row needs)

    @property
    def verdict(self) -> str:
        return verdict(self.findings)


EXPORT_ROW = "#rad="  # "export.xlsx#rad=3@arsbokslut-2023": one unit of a survey export
SHEET = "#blad="  # "...@arsbokslut-2023#blad=Svar": the sheet named with --blad


def export_row_path(file: str, row: int, form_id: str, sheet: str | None = None) -> str:
    return f"{file}{EXPORT_ROW}{row}@{form_id}" + (f"{SHEET}{sheet}" if sheet is not None else "")


def sheet_path(file: str, sheet: str | None) -> str:
    """A workbook with the sheet to read (--blad), as a path load_submission takes."""
    return file if sheet is None else f"{file}{SHEET}{sheet}"


def export_paths(paths: list[str], form_id: str, sheet: str | None = None) -> list[str]:
    """Each unit row of the survey exports, as a path `check` loads one unit from; a filled-in
    template given with --form is its one unit."""
    from engine.model.form import get_form
    from engine.model.form_cells import export_rows
    from engine.read.workbook import read_table

    form = get_form(form_id)
    out = []
    for path in paths:
        if not Path(path).is_file():
            table = read_table(path)  # says what is wrong with the path
        table = read_once(path, read_table)  # read once: the units are loaded from the same copy
        if template_of(table, form, sheet):
            out.append(sheet_path(path, sheet))
            continue
        rows = export_rows(table, form, sheet)
        if not rows:
            raise InputError.single(path, "exporten har rubriker men inga rader med enheter")
        out.extend(export_row_path(path, r, form.form.id, sheet) for r in rows)
    return out


def template_of(table, form, sheet: str | None) -> bool:
    """Whether the file is a filled-in template (not an export); one of another form than
    --form is refused."""
    from engine.model.form_cells import is_template, template_form_id

    if not table.workbook or not is_template(table, sheet):
        return False
    named = template_form_id(table, sheet)
    if named is not None and named != form.form.id:
        raise InputError.single(table.file, f"arbetsboken är en ifylld mall av formuläret "
                                f"{named}, inte {form.form.id} (--form)")
    return True


def load_submission(path: str) -> LoadedSubmission:
    """A YAML submission, a filled-in template (.xlsx) or one row of a survey export."""
    from engine.read.suffixes import TABLE_SUFFIXES  # not workbook: a YAML file needs no xlsx

    if EXPORT_ROW in path or SHEET in path or path.lower().endswith(TABLE_SUFFIXES):
        return _load_cells(path)
    doc = load_file(path)
    if not isinstance(doc.data, dict):
        raise InputError.single(path, "förväntade ett årsbokslut (en mappning med enhet, period …) "
                                "men filen innehåller något annat", line=1)
    model = validate_submission(doc)
    return LoadedSubmission(model, path, doc.sha256, doc)


def _load_cells(path: str) -> LoadedSubmission:
    from engine.model.form import get_form
    from engine.model.form_cells import from_template, validate_cells
    from engine.read.workbook import read_table

    if EXPORT_ROW in path:
        file, rest = path.split(EXPORT_ROW, 1)
        row, form_id = rest.split("@", 1)
        form_id, _, sheet = form_id.partition(SHEET)
        return _export_unit(read_once(file, read_table), get_form(form_id), int(row), sheet or None,
                            file)
    file, _, sheet = path.partition(SHEET)
    table = read_table(file)
    if not table.workbook:
        raise InputError.single(table.file, "en CSV-fil är en enkätexport: ange formuläret "
                                "med --form (t.ex. --form arsbokslut-2023)")
    doc, form = from_template(table, sheet or None)
    return LoadedSubmission(validate_cells(doc, form), doc.file, doc.sha256, doc)


def _export_unit(table, form, row: int, sheet: str | None, file: str) -> LoadedSubmission:
    from engine.model.form_cells import from_export_row, validate_cells

    doc = from_export_row(table, form, row, sheet)
    doc.file = path_label(file, row)
    # each unit of an export its own content hash: the export's, its sheet and row
    doc.sha256 = hashlib.sha256(f"{doc.sha256}:{doc.sheet}:{row}".encode()).hexdigest()
    return LoadedSubmission(validate_cells(doc, form), doc.file, doc.sha256, doc)


def load_table(table, form_id: str | None = None,
               sheet: str | None = None) -> list[LoadedSubmission | InputError]:
    """Every unit of a workbook or CSV export already read (engine.read.workbook.read_bytes,
    e.g. an upload): a filled-in template is one unit; an export (form_id) one per visible row,
    each a LoadedSubmission or the InputError of its row. What makes the whole file unusable
    (no such sheet, an unknown column, the same unit twice) is raised."""
    from engine.model.form import get_form
    from engine.model.form_cells import (export_rows, from_template, is_template,
                                         template_form_id, validate_cells)

    if table.workbook and is_template(table, sheet):
        named = template_form_id(table, sheet)
        if form_id is not None and named is not None and named != form_id:
            raise InputError.single(table.file, f"arbetsboken är en ifylld mall av formuläret "
                                    f"{named}, inte {form_id}")
        doc, form = from_template(table, sheet)
        return [LoadedSubmission(validate_cells(doc, form), doc.file, doc.sha256, doc)]
    if form_id is None:
        raise InputError.single(table.file, "filen är ingen ifylld mall; en enkätexport läses "
                                "med formuläret angivet (--form)")
    form = get_form(form_id)
    out: list[LoadedSubmission | InputError] = []
    for row in export_rows(table, form, sheet):
        try:
            out.append(_export_unit(table, form, row, sheet, table.file))
        except InputError as exc:
            out.append(exc)
    return out


def path_label(file: str, row: int) -> str:
    return f"{file} rad {row}"


_tables: dict = {}


def read_once(file: str, read):
    """A survey export is read once per process, not once per unit (nor again for its units
    after `check --form` listed them)."""
    import os

    try:
        st = os.stat(file)
    except OSError:
        raise InputError.single(file, "filen finns inte längre") from None
    key = (os.path.realpath(file), st.st_mtime_ns, st.st_size)
    if key not in _tables:
        _tables.clear()
        _tables[key] = read(file)
    return _tables[key]


def default_as_of(submission: Any) -> dt.date:
    """The reference date when none is given: the day the årsbokslut was submitted, else the
    last day of its period. Never the system clock, so a report can be reproduced."""
    return submission.inlamnad or dt.date(submission.period, 12, 31)


def check(sub: LoadedSubmission, books: list[LoadedRulebook], as_of: dt.date | None = None) -> CheckResult:
    """Check against the rulebook in force for the submission's region, form and period."""
    return check_against(sub, select(books, sub.model, sub.path, sub.doc.locate), as_of)


def check_against(sub: LoadedSubmission, book: LoadedRulebook, as_of: dt.date | None = None) -> CheckResult:
    """Check against the given rulebook, whatever its validity period (`kravkoll diff`)."""
    facts, outcomes = _decide(sub, book)
    plans = _plans_of(book.model)
    doc = sub.doc
    cell = getattr(doc, "cell", None)  # a spreadsheet: the answer's cell, not a line
    findings = [_finding(rf, outcomes[rf.rule.id], plans[id(rf.rule)], book.model, doc, cell)
                for rf in facts]
    return CheckResult(sub, book, as_of or default_as_of(sub.model), findings)


def decide(sub: LoadedSubmission, books: list[LoadedRulebook],
           as_of: dt.date | None = None) -> CheckResult:
    """`check` without the explanations: each rule's Decided (outcome, value and expectation,
    exactly as its Finding has them), for what needs only those (the county's rows: csv, xlsx,
    ledning). The texts, consequences and places a Finding adds are most of a check's work
    after the facts."""
    book = select(books, sub.model, sub.path, sub.doc.locate)
    facts, outcomes = _decide(sub, book)
    plans = _plans_of(book.model)
    decided = [Decided(rf.rule.id, rf.rule.kind,
                       *_judged(rf.evidence, outcomes[rf.rule.id], plans[id(rf.rule)]))
               for rf in facts]
    return CheckResult(sub, book, as_of or default_as_of(sub.model), decided)


def _decide(sub: LoadedSubmission, book: LoadedRulebook) -> tuple[list[RuleFact], dict[str, str]]:
    """Each rule's fact and the rule engine's outcome for it."""
    previous = sub.previous
    if previous is None and sub.search_previous and uses_previous(book.model):
        previous = find_previous(sub.path, sub.model, load_submission)
    facts = build_facts(book.model, sub.model, previous)
    return facts, evaluate(book, facts)


class _Plan:
    """What every finding of one rule says whatever the unit, made once per rulebook and rule:
    its source (one dict shared by the findings: read, never changed), whether it rests on a
    proposal, whether it is an indicator whose level is only proposed (its value is reported,
    not judged), its consequence's fixed part and the sentence for a unit out of its scope."""

    __slots__ = ("rule", "head", "source", "proposal", "observed_only", "static", "kind_label",
                 "not_applicable")

    def __init__(self, rule: Rule, rulebook: Rulebook):
        self.rule = rule
        self.head = (rule.id, rule.kind, rule.title, rule.area, rule.question)
        self.source, self.proposal, self.observed_only = _rule_terms(rule, rulebook)
        self.static = (_static_consequence(rule, rulebook) if rule.consequence is not None
                       else None)
        self.kind_label = KIND_LABELS[rule.kind]
        self.not_applicable = _not_applicable(rule)


_plans = ByIdentity()


def _plans_of(rulebook: Rulebook) -> dict[int, _Plan]:
    """{id(rule): its plan} for the rulebook's rules, made once per rulebook (the memory keeps
    the rulebook, and so its rules, alive: their ids stay theirs)."""
    return _plans.get((rulebook,), lambda: {id(r): _Plan(r, rulebook) for r in rulebook.rules})


_JUDGED = frozenset(("pass", "fail", "partial"))
_NO_CONSEQUENCE = frozenset(("pass", "not_applicable", "waived"))  # as _consequence says, when
# the rule has none: not a shortfall and not an observation
# _finding passes these by position: a field added to Finding, or moved, must be added here too
_FINDING_FIELDS = ("rule_id", "kind", "title", "area", "question", "outcome", "observed",
                   "observed_text", "expected", "explanation", "derivation", "fields", "location",
                   "source", "consequence", "missing", "proposal")
if tuple(f.name for f in fields(Finding)) != _FINDING_FIELDS:  # pragma: no cover
    raise ImportError("evaluation._finding skickar Findings fält i ordning: uppdatera den")


def _judged(ev, outcome: str, plan: _Plan) -> tuple[str, object, str, str]:
    """The outcome as reported, the value observed, its text and the expectation: an
    indicator whose level is only proposed is an observation, never judged; a rule that does
    not apply shows no value. The one place a Finding and a Decided get these from."""
    expected = ev.expected
    if plan.observed_only and outcome in _JUDGED:
        outcome, expected = "observation", f"{ev.expected} ({PROPOSED_LEVEL})"
    return (outcome, ev.observed if outcome != "not_applicable" else None, ev.observed_text,
            expected)


def _finding(rf: RuleFact, outcome: str, plan: _Plan, rulebook: Rulebook, doc,
             cell) -> Finding:
    ev = rf.evidence
    at = path_parts(ev.path) if ev.path else None
    line = None if at is None or cell else doc.locate(at)[0]
    outcome, observed, observed_text, expected = _judged(ev, outcome, plan)
    # Positional, in the order of Finding's fields (a call with 17 keywords costs twice this)
    return Finding(
        *plan.head,  # rule_id, kind, title, area, question
        outcome,
        observed,
        observed_text,
        expected,
        _explain(plan, outcome, ev),  # explanation
        ev.derivation,
        ev.fields,
        Location(ev.path, line, cell(at) if cell and at else None),  # location
        plan.source,
        # consequence: none for a rule without one that was met or did not apply
        None if plan.static is None and outcome in _NO_CONSEQUENCE
        else _consequence(plan, outcome, rf, rulebook),
        ev.missing if outcome == "missing" else [],  # missing
        plan.proposal,
    )


def _rule_terms(rule: Rule, rulebook: Rulebook) -> tuple[dict, bool, bool]:
    """A rule's source (document, section, quote …), whether it rests on a proposal and whether
    it is an indicator whose level is only proposed."""
    doc = rulebook.documents[rule.source.document]
    source = {"document": rule.source.document, "document_title": doc.title,
              "document_status": doc.status, "section": rule.source.section,
              "status": rulebook.source_status(rule.source),
              "quote": rule.source.quote, "lines": rule.source.lines,
              "note": rule.source.note}
    observed_only = (rule.kind in OBSERVED_KINDS
                     and level_basis(rulebook, rule) == "forslag")
    return source, rulebook.is_proposal(rule), observed_only


def _not_applicable(rule: Rule) -> str:
    s = rule.scope
    if s.tillaggsuppdrag:
        return f"Gäller bara enheter med tilläggsuppdraget {s.tillaggsuppdrag}."
    if s.regi:
        return f"Gäller bara enheter i {' eller '.join(s.regi)} regi."
    return "Villkoret för kravet är inte uppfyllt, så kravet gäller inte."


_LABELS = {"pass": "uppfyllt", "fail": "inte uppfyllt", "partial": "delvis uppfyllt"}


def _explain(plan: _Plan, outcome: str, ev) -> str:
    if outcome == "not_applicable":
        return plan.not_applicable
    if outcome == "missing":
        return "Uppgift saknas: " + "; ".join(ev.missing) + ". Saknade uppgifter räknas aldrig som uppfyllt."
    if outcome == "observation":
        return (f"Värde för dialogen: {ev.observed_text}. Nivån, {ev.expected}, är {PROPOSED_LEVEL}: "
                "värdet bedöms inte som uppfyllt eller ej uppfyllt förrän regionen har beslutat nivån.")
    return f"{plan.kind_label} {_LABELS[outcome]}: {ev.observed_text}, krävs {ev.expected}."


_DIALOG = {"applies": True, "handlingsplan": None, "sanctions": [], "accrued": [],
           "text": "Tas upp i dialoguppföljningen (inte ett krav: ingen handlingsplan eller vite)."}

_SHORTFALL = frozenset(("fail", "partial", "missing"))


def _consequence(plan: _Plan, outcome: str, rf: RuleFact, rulebook: Rulebook) -> dict | None:
    rule = plan.rule
    shortfall = outcome in _SHORTFALL
    if outcome == "observation":
        return dict(_OBSERVATION)
    static = plan.static
    if static is None:
        if rule.kind == "krav" or not shortfall:
            return None
        return dict(_PROPOSAL) if plan.proposal else dict(_DIALOG)
    out = dict(static, applies=rule.kind == "krav" and shortfall, accrued=[])
    overdue = _overdue_days(rf) if out["applies"] and outcome == "fail" else 0
    if overdue > 0:
        parts = [static["text"]] if static["text"] else []
        # förseningsvite (003 l.863–868) only from a last day that decided text or a recorded
        # region decision gives: a day the rulebook only assumes is a proposal, shown as such
        deadline = _deadline(rule, rulebook)
        out["deadline"] = deadline
        if not basis_decides(deadline):
            parts.append(f"{overdue} dagar efter sista dagen {deadline['date']}, som är ett "
                         "förslag (regionen har inte beslutat sista dag): inget förseningsvite "
                         "förrän regionen beslutat sista dag.")
            out["text"] = " ".join(parts)
            return out
        for name in rule.consequence.sanctions:
            s = rulebook.sanctions[name]
            if s.interval == "vecka":
                a = {"sanction": name, "days_late": overdue, "weeks": sanctions.weeks(overdue, s.weeks),
                     "amount_kr": sanctions.accrued_kr(s, overdue), "deadline": deadline["date"],
                     "basis": deadline["basis"],
                     **({"beslut": deadline["beslut"]} if "beslut" in deadline else {})}
                out["accrued"].append(a)
                parts.append(f"{overdue} dagar för sent ({a['weeks']} veckor): "
                             f"{format_number(a['amount_kr'])} kr (sista dag {deadline['date']}: "
                             f"{deadline['words']}).")
        out["text"] = " ".join(parts)
    return out


_PROPOSAL = dict(_DIALOG, text="Förslag, inte beslutad text: tas upp i dialoguppföljningen (ingen "
                               "handlingsplan, vite eller uppsägning förrän regelboken anger den "
                               "beslutade texten).")

_OBSERVATION = dict(_DIALOG, text="Värde för dialogen: nivån är regelbokens förslag, inget beslut "
                                   "(ingen bedömning, handlingsplan eller vite förrän regionen "
                                   "beslutat nivån).")


def _static_consequence(rule: Rule, rulebook: Rulebook) -> dict:
    """What a rule's consequence says whatever the outcome (the text and sanction terms are
    most of the cost of a finding otherwise): made once per rule and rulebook, in its plan."""
    c = rule.consequence
    days = rulebook.days(c.handlingsplan_days)
    named = [(n, rulebook.sanctions[n]) for n in c.sanctions]
    parts = []
    if days is not None:
        # a time the rulebook only assumes is a reminder, not a deadline with förseningsvite
        proposed = rulebook.days_basis(c.handlingsplan_days) == "forslag"
        parts.append(f"Handlingsplan inom {days} dagar från beslut"
                     + (" (förslag: regionen har inte beslutat tiden)." if proposed else "."))
    if c.plan_for:
        parts.append(f"Ingen egen handlingsplan: planen är den som krävs för {c.plan_for}.")
    parts += [f"{s.title}: {sanctions.describe(s)}." for _n, s in named]
    if c.note:
        parts.append(c.note)
    return {
        "handlingsplan": {"days": days, "asks": c.handlingsplan_asks} if days is not None else None,
        "plan_for": c.plan_for,
        "sanctions": [sanctions.as_dict(n, s) for n, s in named],
        "text": " ".join(parts)}


def _deadline(rule: Rule, rulebook: Rulebook) -> dict:
    """The last day a date comparison holds the submission to, and what it rests on."""
    right = rule.check.compare.right
    record = rulebook.basis_record(right) if right.param else {"basis": "kalla", "param": None}
    value = rulebook.parameters[right.param].value if right.param else right.value
    return dict(record, date=str(value), words=basis_words(record))


def _overdue_days(rf: RuleFact) -> int:
    """Days past a date limit, for a failed date comparison (e.g. the årsbokslut deadline)."""
    cmp = rf.rule.check.compare
    if cmp is None or not isinstance(rf.evidence.observed, str):
        return 0
    try:
        dt.date.fromisoformat(rf.evidence.observed)
    except ValueError:
        return 0
    return abs(int(rf.evidence.diff or 0))
