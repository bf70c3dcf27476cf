"""`--format sarif`: SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps).

For `check`, one run per rulebook: its rules (title, source, kind) in tool.driver.rules and one
result per rule and submission, pointing at the submission file and the line of the field the
rule read. A batch (`check FOLDER`) is the same log; a file that could not be read is a tool
execution notification. For `test`, one result per expected outcome of a case, pointing at the case file, and
(with --coverage) one per uncovered rule, pointing at the rule in the rulebook.

The level follows the rule's kind and outcome: a krav that is not met (fail, partial, missing) is
an error, a lag or riktlinje a warning, a målnivå a note; pass and not_applicable have level
none. An observation (an indicator whose level is only the rulebook's proposal) is kind
"review", level none: a value for a person to judge in the dialogue, neither pass nor fail. Fingerprints are sha256 of stable identities (rule, unit, period, field), so the same
finding keeps its fingerprint from run to run. No timestamps: same input, same bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import quote

from engine import ENGINE_NAME, __version__
from engine.evaluate.evaluation import CheckResult
from engine.evaluate.findings import OUTCOME_LABELS, PROPOSAL_MARK, SHORTFALLS, Finding
from engine.model.library import LoadedRulebook
from engine.model.rulebook import KIND_LABELS, SOURCE_STATUS_LABELS, Rule, Rulebook
from engine.output import dumps_json

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
KIND_LEVEL = {"krav": "error", "forslag": "note", "lag": "warning", "riktlinje": "warning",
              "malniva": "note", "dialog": "note"}
FINGERPRINT = "kravkoll/v1"


def uri(path: str) -> str:
    """A file path as a SARIF artifact URI: relative paths stay relative (POSIX separators)."""
    p = Path(path)
    if p.is_absolute():
        return p.as_uri()
    return quote(p.as_posix(), safe="/")


def fingerprint(*parts: object) -> str:
    return hashlib.sha256("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()


def kind_and_level(rule_kind: str, outcome: str) -> tuple[str, str]:
    if outcome in SHORTFALLS or outcome == "waived":
        return "fail", KIND_LEVEL[rule_kind]
    if outcome == "pass":
        return "pass", "none"
    if outcome == "observation":
        return "review", "none"
    return "notApplicable", "none"


def rule_descriptor(rule: Rule, book: Rulebook) -> dict:
    doc = book.documents[rule.source.document]
    src = rule.source
    where = f"{doc.title}, {src.section}" + (f" ({src.lines})" if src.lines else "")
    status = book.source_status(src)
    if status in SOURCE_STATUS_LABELS:
        where += f" [{SOURCE_STATUS_LABELS[status]}]"
    full = f"{rule.title}. {KIND_LABELS[rule.kind]}. Källa: {where}: »{src.quote}«"
    return {
        "id": rule.id,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": full},
        "help": {"text": full + (f" {rule.description}" if rule.description else "")},
        "defaultConfiguration": {"level": KIND_LEVEL[rule.kind]},
        "properties": {
            "kind": rule.kind,
            "kind_label": KIND_LABELS[rule.kind],
            "area": rule.area,
            "question": rule.question,
            "source": {"document": src.document, "document_title": doc.title,
                       "section": src.section, "quote": src.quote, "lines": src.lines,
                       "status": status},
            "proposal": book.is_proposal(rule),
            "tags": [rule.kind, rule.area],
        },
    }


def _driver(rules: list[dict]) -> dict:
    return {"name": ENGINE_NAME, "version": __version__, "semanticVersion": __version__,
            "rules": rules}


def _location(path: str, line: int | None, field: str | None = None) -> dict:
    loc: dict = {"physicalLocation": {"artifactLocation": {"uri": uri(path)},
                                      "region": {"startLine": max(1, line or 1)}}}
    if field:
        loc["logicalLocations"] = [{"fullyQualifiedName": field, "kind": "property"}]
    return loc


def _finding_message(f: Finding) -> str:
    text = f"{f.rule_id}{PROPOSAL_MARK if f.proposal else ''} {OUTCOME_LABELS[f.outcome]}: {f.title}. {f.explanation}"
    if f.derivation:
        text += f" Uträkning: {f.derivation}."
    if f.consequence and f.consequence.get("applies") and f.consequence.get("text"):
        text += f" Följd: {f.consequence['text']}"
    return text


def unit_results(r: CheckResult) -> list[dict]:
    """The SARIF results of one checked submission, one per rule of its rulebook."""
    index = {rule.id: i for i, rule in enumerate(r.rulebook.model.rules)}
    sub = r.submission.model
    out = []
    for f in r.findings:
        kind, level = kind_and_level(f.kind, f.outcome)
        result = {
            "ruleId": f.rule_id,
            "ruleIndex": index[f.rule_id],
            "kind": kind,
            "level": level,
            "message": {"text": _finding_message(f)},
            "locations": [_location(r.submission.path, f.location.line, f.location.path)],
            "partialFingerprints": {
                FINGERPRINT: fingerprint(f.rule_id, sub.enhet.hsa_id, sub.period, f.location.path)},
            "properties": {
                "outcome": f.outcome, "proposal": f.proposal, "observed": f.observed_text,
                "expected": f.expected,
                "derivation": f.derivation, "unit": sub.enhet.namn, "hsa_id": sub.enhet.hsa_id,
                "period": sub.period, "as_of": r.as_of.isoformat(),
                "consequence": (f.consequence or {}).get("text") if f.is_shortfall else None,
            },
        }
        if f.outcome == "waived":
            result["suppressions"] = [{"kind": "external", "status": "accepted"}]
        out.append(result)
    return out


def _run(book: LoadedRulebook | None, units: list[dict], notes: list[dict] | None = None) -> dict:
    """One run: a rulebook's rules and the results of the units checked against it.
    units: {"path", "sha256", "results"} in path order."""
    invocation: dict = {"executionSuccessful": True}
    if notes:
        invocation["toolExecutionNotifications"] = notes
    run: dict = {
        "tool": {"driver": _driver([rule_descriptor(rule, book.model) for rule in book.model.rules]
                                   if book else [])},
        "invocations": [invocation],
        "results": [res for u in units for res in u["results"]],
    }
    if book is not None:
        run["artifacts"] = (
            [{"location": {"uri": uri(book.path)}, "hashes": {"sha-256": book.sha256},
              "roles": ["analysisTarget"]}]
            + [{"location": {"uri": uri(u["path"])}, "hashes": {"sha-256": u["sha256"]},
                "roles": ["analysisTarget"]} for u in units])
        run["properties"] = {"rulebook": {"id": book.model.id, "version": book.model.version,
                                          "path": book.path, "sha256": book.sha256}}
    return run


def _unit(r: CheckResult) -> dict:
    return {"rulebook": r.rulebook.sha256, "path": r.submission.path,
            "sha256": r.submission.sha256, "results": unit_results(r)}


def _runs(units: list[dict], books: dict[str, LoadedRulebook], notes: list[dict]) -> list[dict]:
    groups: dict[str, list[dict]] = {}
    for u in units:
        groups.setdefault(u["rulebook"], []).append(u)
    order = sorted(groups, key=lambda sha: (books[sha].model.id, sha))
    runs = [_run(books[sha], sorted(groups[sha], key=lambda u: u["path"])) for sha in order]
    if notes:
        if runs:
            runs[0]["invocations"][0]["toolExecutionNotifications"] = notes
        else:
            runs = [_run(None, [], notes)]
    return runs


def check_runs(results: list[CheckResult]) -> list[dict]:
    return _runs([_unit(r) for r in results], {r.rulebook.sha256: r.rulebook for r in results}, [])


def render_check(results: list[CheckResult], **_) -> str:
    return dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": check_runs(results)})


def batch_unit(result: CheckResult) -> str:
    """A unit's piece of a batch (`kravkoll check FOLDER --format sarif`), made where it ran."""
    return json.dumps(_unit(result), ensure_ascii=False, sort_keys=True)


def batch_write(entries: Iterable, summary) -> Iterator[str]:
    """The batch as one SARIF log; a file that could not be read is a tool notification."""
    units, notes = [], []
    for entry in entries:
        if entry.error is not None:
            notes.append({"level": "error", "message": {"text": entry.error.message},
                          "locations": [{"physicalLocation": {
                              "artifactLocation": {"uri": uri(entry.error.path)}}}]})
        elif entry.rendered is not None:
            units.append(json.loads(entry.rendered))
    yield dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": _runs(units, summary.books, notes)})


def render_tests(run) -> str:
    """SARIF for `kravkoll test` (engine.rulebook_tests.TestRun)."""
    descriptors: dict[str, dict] = {}
    for folder in run.folders:
        for book in sorted(folder.books, key=lambda b: b.model.valid_from):
            for rule in book.model.rules:  # the newest rulebook describes a rule id
                descriptors[rule.id] = rule_descriptor(rule, book.model)
    ids = sorted(descriptors)
    index = {rid: i for i, rid in enumerate(ids)}
    results = []
    for folder in run.folders:
        for c in folder.cases:
            v = c.variant
            for chk in c.checks:
                f = chk.finding
                msg = (f"Fall '{v.name}': {chk.rule_id} väntat {chk.expected}, fick {chk.actual}. "
                       f"Värde: {f.observed_text}; krav: {f.expected}.")
                results.append({
                    "ruleId": chk.rule_id, "ruleIndex": index[chk.rule_id],
                    "kind": "pass" if chk.ok else "fail",
                    "level": "none" if chk.ok else "error",
                    "message": {"text": msg},
                    "locations": [_location(v.file, chk.line)],
                    "partialFingerprints": {FINGERPRINT: fingerprint("test", v.file, v.name,
                                                                     chk.rule_id)},
                    "properties": {"case": v.name, "base": v.base, "expected": chk.expected,
                                   "actual": chk.actual, "rulebook": c.result.rulebook.model.id},
                })
        if run.coverage_asked:
            for cov in folder.coverage:
                if cov.covered:
                    continue
                results.append({
                    "ruleId": cov.rule.id, "ruleIndex": index[cov.rule.id], "kind": "fail",
                    "level": "warning" if folder.coverage_ok else "error",
                    "message": {"text": f"{cov.rule.id} i {cov.book.model.id} saknar testfall som "
                                        f"ger {cov.lacking}."},
                    "locations": [_location(cov.book.path, cov.line)],
                    "partialFingerprints": {FINGERPRINT: fingerprint("coverage", cov.book.model.id,
                                                                     cov.rule.id)},
                })
    doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": _driver([descriptors[i] for i in ids])},
        "invocations": [{"executionSuccessful": True}],
        "results": results,
    }]}
    return dumps(doc)


def dumps(data) -> str:
    return dumps_json(data)
