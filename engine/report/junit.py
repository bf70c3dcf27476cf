"""`--format junit`: JUnit XML for test dashboards (Jenkins, GitLab, GitHub test reporters).

Written to the strict Ant schema (windyroad JUnit.xsd): for `check`, one testsuite per
submission and one testcase per rule; a rule not met (fail, partial, missing) is a <failure>
carrying the evidence, a rule that does not apply is <skipped>; in a batch (`check FOLDER`) a
file that cannot be read is a suite whose one testcase is an <error>. For `test`, one testsuite per
case file and one testcase per expected outcome (and, with --coverage, one suite of rules).

The schema requires a timestamp and a hostname. kravkoll never reads the clock: the timestamp
is the reference date (as-of) of the check at midnight, and the hostname is "localhost", so the
same input gives the same bytes. Times are 0.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator

from engine import ENGINE_NAME, __version__
from engine.evaluate.evaluation import CheckResult
from engine.evaluate.findings import OUTCOME_LABELS, SHORTFALLS, Finding
from engine.read.text_rules import shown


def _token(text: str) -> str:
    """xs:token: no line breaks or tabs, single spaces, no leading or trailing space."""
    return " ".join(str(text).split()) or "-"


def _suite(parent: ET.Element, index: int, name: str, package: str, timestamp: str) -> ET.Element:
    return ET.SubElement(parent, "testsuite", {
        "name": _token(name), "timestamp": timestamp, "hostname": "localhost",
        "tests": "0", "failures": "0", "errors": "0", "skipped": "0", "time": "0",
        "package": _token(package), "id": str(index)})


def _properties(suite: ET.Element, props: list[tuple[str, str]]) -> None:
    el = ET.SubElement(suite, "properties")
    for name, value in props:
        ET.SubElement(el, "property", {"name": name, "value": "" if value is None else str(value)})


def _case(suite: ET.Element, name: str, classname: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", {"name": _token(name), "classname": _token(classname),
                                             "time": "0"})


def _close(suite: ET.Element) -> None:
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
    ET.SubElement(suite, "system-out")
    ET.SubElement(suite, "system-err")


def _stamp(date) -> str:
    return f"{date.isoformat()}T00:00:00"


def _evidence(f: Finding, path: str) -> str:
    lines = [f"{f.rule_id} {f.marked_kind.lower()}: {f.title}",
             f"Utfall: {OUTCOME_LABELS[f.outcome]} ({f.outcome})",
             f"Värde: {f.observed_text}; krav: {f.expected}"]
    if f.derivation:
        lines.append(f"Uträkning: {f.derivation}")
    if f.outcome == "missing":
        lines.append(f.explanation)
    if f.location.path:
        where = f"{path}:{f.location.line}" if f.location.line else path
        lines.append(f"I årsbokslutet: {where} ({f.location.path})")
    src = f.source
    lines.append(f"Källa: {src['document_title']}, {src['section']}: »{src['quote']}«")
    if f.consequence and f.consequence.get("text"):
        lines.append(f"Följd: {f.consequence['text']}")
    return "\n".join(lines) + "\n"


def suite_of(r: CheckResult, parent: ET.Element, index: int) -> ET.Element:
    """The testsuite of one checked submission: one testcase per rule of its rulebook."""
    sub, book = r.submission.model, r.rulebook
    suite = _suite(parent, index, f"{sub.enhet.namn} {sub.period}", f"{ENGINE_NAME}.{book.model.id}",
                   _stamp(r.as_of))
    _properties(suite, [
        ("engine", f"{ENGINE_NAME} {__version__}"),
        ("rulebook", book.model.id), ("rulebook_version", book.model.version),
        ("rulebook_sha256", book.sha256),
        ("submission", r.submission.path), ("submission_sha256", r.submission.sha256),
        ("hsa_id", sub.enhet.hsa_id), ("period", str(sub.period)),
        ("as_of", r.as_of.isoformat()), ("verdict", r.verdict),
    ])
    for f in r.findings:
        case = _case(suite, f"{f.rule_id} {f.title}", f"{book.model.id}.{f.area}")
        if f.outcome in SHORTFALLS:
            el = ET.SubElement(case, "failure", {
                "type": f"{f.kind}.{f.outcome}",
                "message": f"{f.marked_kind} {OUTCOME_LABELS[f.outcome]}: "
                           f"{f.observed_text}, krävs {f.expected}"})
            el.text = _evidence(f, r.submission.path)
        elif f.outcome in ("not_applicable", "waived", "observation"):
            # an observation is not judged (its level is a proposal): skipped, with its value
            ET.SubElement(case, "skipped", {"message": f.explanation})
    _close(suite)
    return suite


def render_check(results: list[CheckResult], **_) -> str:
    root = ET.Element("testsuites")
    for i, r in enumerate(sorted(results, key=lambda r: r.submission.path)):
        suite_of(r, root, i)
    return _dump(root)


def batch_unit(result: CheckResult) -> str:
    """A unit's piece of a batch (`kravkoll check FOLDER --format junit`), made where it ran."""
    return shown(ET.tostring(suite_of(result, ET.Element("testsuites"), 0), encoding="unicode"))


def batch_write(entries: Iterable, summary) -> Iterator[str]:
    """The batch as one <testsuites>; a file that could not be read is a suite with an <error>."""
    root = ET.Element("testsuites")
    errors = []
    for entry in entries:
        if entry.error is not None:
            errors.append(entry.error)
        elif entry.rendered is not None:
            suite = ET.fromstring(entry.rendered)
            suite.set("id", str(len(root)))
            root.append(suite)
    stamp = min((row.as_of for row in summary.rows), default="1970-01-01") + "T00:00:00"
    for e in errors:
        suite = _suite(root, len(root), e.path, f"{ENGINE_NAME}.inlasning", stamp)
        _properties(suite, [("submission", e.path)])
        case = _case(suite, f"läsa {e.path}", "inläsning")
        el = ET.SubElement(case, "error", {"type": e.kind, "message": e.message.splitlines()[0]})
        el.text = e.message + "\n"
        _close(suite)
        suite.set("errors", "1")
    yield _dump(root)


def render_tests(run) -> str:
    """JUnit for `kravkoll test` (engine.rulebook_tests.TestRun)."""
    from engine.gate.rulebook_tests import evidence_lines

    root = ET.Element("testsuites")
    index = 0
    for folder in run.folders:
        for cf in folder.files:
            mine = [c for c in folder.cases if c.variant.file == cf.path]
            dates = sorted(c.result.as_of for c in mine)
            suite = _suite(root, index, cf.path, f"{ENGINE_NAME}.test.{folder.folder}",
                           _stamp(dates[0]))
            index += 1
            _properties(suite, [("engine", f"{ENGINE_NAME} {__version__}"), ("case_file", cf.path),
                                ("label", cf.label)])
            for c in mine:
                v = c.variant
                for chk in c.checks:
                    case = _case(suite, f"{v.name} · {chk.rule_id}", f"{cf.label}")
                    if not chk.ok:
                        el = ET.SubElement(case, "failure", {
                            "type": "utfall",
                            "message": f"{chk.rule_id}: väntat {chk.expected}, fick {chk.actual}"})
                        el.text = (f"{v.file}:{chk.line}: fall '{v.name}' (regelbok "
                                   f"{c.result.rulebook.model.id}"
                                   + (f", basårsbokslut {v.base}" if v.base else "") + ")\n"
                                   + "\n".join(evidence_lines(chk)) + "\n")
            _close(suite)
        if run.coverage_asked:
            dates = sorted(c.result.as_of for c in folder.cases)
            suite = _suite(root, index, f"täckning {folder.folder}",
                           f"{ENGINE_NAME}.coverage.{folder.folder}", _stamp(dates[0]))
            index += 1
            _properties(suite, [("percent", f"{folder.percent:.2f}"),
                                ("threshold", f"{folder.threshold:g}")])
            for cov in folder.coverage:
                case = _case(suite, f"{cov.rule.id} {cov.rule.title}", cov.book.model.id)
                if not cov.covered:
                    el = ET.SubElement(case, "failure", {
                        "type": "täckning", "message": f"saknar fall som ger {cov.lacking}"})
                    el.text = f"{cov.book.path}:{cov.line}: {cov.rule.id}\n"
            _close(suite)
    return _dump(root)


def _dump(root: ET.Element) -> str:
    ET.indent(root, space="  ")
    # ElementTree writes a control character as it is, which no XML 1.0 reader accepts: every
    # one is written visibly (text_rules.shown), in the whole document at once.
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            + shown(ET.tostring(root, encoding="unicode")) + "\n")
