"""`kravkoll test`: run the rulebook test cases and measure which rules they cover.

Each case's submission goes through the rulebook in force for it, exactly as `kravkoll check`
would choose and evaluate it; the outcome of every rule the case names is compared with the
outcome it expects. A rule is covered when some case makes it pass (an indicator whose level is
only a proposal: report its value, observation) and some case makes it fail (or miss data), each
as expected. Case files are in engine/gate/casefiles.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Console
from rich.markup import escape

from engine import ENGINE_NAME, __version__
from engine.errors import InputError, Problem
from engine.evaluate.evaluation import CheckResult, check
from engine.evaluate.findings import OBSERVED_KINDS, OUTCOME_LABELS, Finding
from engine.model.library import LoadedRulebook, load_library
from engine.model.rulebook import Rule
from engine.model.rulebook_basis import level_basis
from engine.read.numbers import format_number

from .casefiles import (
    CaseFolder,
    LoadedCaseFile,
    Settings,
    Variant,
    discover,
    load_case_file,
    load_settings,
)

SHORT = ("fail", "missing")  # outcomes that make a rule "fail" for coverage


@dataclass
class Check:
    """One expected outcome of one case, against what the rulebook gave."""

    rule_id: str
    expected: str
    line: int  # of the expectation in the case file
    finding: Finding

    @property
    def actual(self) -> str:
        return self.finding.outcome

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


@dataclass
class CaseResult:
    variant: Variant
    result: CheckResult
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


@dataclass
class RuleCoverage:
    book: LoadedRulebook
    rule: Rule
    line: int  # of the rule's id in the rulebook file
    seen: tuple[str, ...]  # outcomes cases expected for the rule and got

    @property
    def covered(self) -> bool:
        return self._judged in self.seen and any(o in self.seen for o in SHORT)

    @property
    def _judged(self) -> str:
        """What a case with the rule's data gives: pass, or, for an indicator whose level is
        only a proposal, its value (observation): it never passes or fails."""
        observed = (self.rule.kind in OBSERVED_KINDS
                    and level_basis(self.book.model, self.rule) == "forslag")
        return "observation" if observed else "pass"

    @property
    def lacking(self) -> str:
        need = []
        if self._judged not in self.seen:
            need.append("värde för dialogen (observation)" if self._judged == "observation"
                        else "uppfyllt (pass)")
        if not any(o in self.seen for o in SHORT):
            need.append("ej uppfyllt eller uppgift saknas (fail/missing)")
        return " och ".join(need)


@dataclass
class FolderRun:
    folder: str
    settings: Settings
    books: list[LoadedRulebook]
    files: list[LoadedCaseFile]
    cases: list[CaseResult]
    coverage: list[RuleCoverage] = field(default_factory=list)

    @property
    def percent(self) -> float:
        if not self.coverage:
            return 100.0
        return 100.0 * sum(1 for c in self.coverage if c.covered) / len(self.coverage)

    @property
    def threshold(self) -> float:
        return self.settings.model.coverage.threshold

    @property
    def coverage_ok(self) -> bool:
        return self.percent + 1e-9 >= self.threshold


@dataclass
class TestRun:
    folders: list[FolderRun]
    coverage_asked: bool

    @property
    def cases(self) -> list[CaseResult]:
        return [c for f in self.folders for c in f.cases]

    @property
    def failed(self) -> list[CaseResult]:
        return [c for c in self.cases if not c.ok]

    @property
    def ok(self) -> bool:
        if self.failed:
            return False
        return not self.coverage_asked or all(f.coverage_ok for f in self.folders)


def run(paths: list[str], coverage: bool = False) -> TestRun:
    folders = discover(paths)
    if not folders:
        raise InputError.single(", ".join(paths), "inga testfall hittades: lägg fallen i "
                                "<regelboksmapp>/tests/*.yaml (se README, Regelbokstester)")
    return TestRun([run_folder(f) for f in folders], coverage)


def run_folder(folder: CaseFolder, books: list[LoadedRulebook] | None = None,
               files: list[LoadedCaseFile] | None = None) -> FolderRun:
    """Run a folder's cases. `books` replaces the folder's rulebooks and `files` its loaded case
    files (a mutation test runs the same cases against many edited rulebooks)."""
    books = books if books is not None else load_library(folder.folder)
    files = files if files is not None else [load_case_file(p) for p in folder.case_files]
    cases = []
    for cf in files:
        cases.extend(_run_file(cf, books))
    out = FolderRun(folder.folder, load_settings(folder.folder), books, files, cases)
    out.coverage = _coverage(books, cases)
    return out


def _run_file(cf: LoadedCaseFile, books: list[LoadedRulebook]) -> list[CaseResult]:
    problems: list[Problem] = []
    if cf.model.rule and not any(b.model.rule(cf.model.rule) for b in books):
        problems.append(Problem(f"regeln {cf.model.rule} finns inte i någon regelbok i mappen",
                                "rule", cf.doc.locate(("rule",))[0]))
    results = []
    for v in cf.variants:
        result = check(v.submission, books)
        by_id = {f.rule_id: f for f in result.findings}
        checks = []
        for e in v.expect:
            if e.rule_id not in by_id:
                problems.append(Problem(
                    f"regeln {e.rule_id} finns inte i regelboken {result.rulebook.model.id}, som "
                    f"gäller för fallets årsbokslut (period {v.submission.model.period})",
                    f"cases[{v.index}].expect.{e.rule_id}", e.line))
                continue
            checks.append(Check(e.rule_id, e.outcome, e.line, by_id[e.rule_id]))
        results.append(CaseResult(v, result, checks))
    if problems:
        unique = {(p.line, p.path, p.message): p for p in problems}
        raise InputError(cf.path, [unique[k] for k in sorted(unique, key=lambda k: (k[0] or 0, k[1]))])
    return results


def _coverage(books: list[LoadedRulebook], cases: list[CaseResult]) -> list[RuleCoverage]:
    seen: dict[tuple[str, str], set[str]] = {}
    for c in cases:
        for chk in c.checks:
            if chk.ok:
                seen.setdefault((c.result.rulebook.sha256, chk.rule_id), set()).add(chk.expected)
    out = []
    for book in sorted(books, key=lambda b: (b.model.valid_from, b.path)):
        for i, rule in enumerate(book.model.rules):
            got = seen.get((book.sha256, rule.id), set())
            out.append(RuleCoverage(book, rule, book.doc.locate(("rules", i, "id"))[0] or 1,
                                    tuple(sorted(got))))
    return out


# --- Reports ---------------------------------------------------------------------------------


def _label(outcome: str) -> str:
    return f"{OUTCOME_LABELS.get(outcome, outcome)} ({outcome})"


def evidence_lines(chk: Check) -> list[str]:
    """What the rulebook saw, for a failed expectation: value, condition, computation, field."""
    f = chk.finding
    lines = [f"{chk.rule_id}: väntat {_label(chk.expected)}, fick {_label(chk.actual)}"]
    if f.outcome in ("not_applicable", "missing"):
        lines.append(f"  {f.explanation}")
    else:
        value = f.observed_text
        if f.derivation:
            value += f" = {f.derivation.rsplit(' = ', 1)[0]}" if " = " in f.derivation else ""
        lines.append(f"  Värde: {value}; krav: {f.expected}")
    if f.location.path:
        lines.append(f"  Fält: {f.location.path}")
    return lines


def render_rich(run: TestRun, console: Console, verbose: bool = False) -> None:
    for folder in run.folders:
        books = ", ".join(b.model.id for b in sorted(folder.books, key=lambda b: b.model.valid_from))
        console.print(f"[bold]kravkoll test[/] · {escape(folder.folder)}: {len(folder.files)} "
                      f"fallfiler, regelböcker {escape(books)}", soft_wrap=True)
        for cf in folder.files:
            mine = [c for c in folder.cases if c.variant.file == cf.path]
            bad = [c for c in mine if not c.ok]
            mark = "[red]✗[/]" if bad else "[green]✓[/]"
            n_checks = sum(len(c.checks) for c in mine)
            console.print(f"  {mark} {escape(cf.path)}  {len(mine)} fall, {n_checks} utfall"
                          + (f", [bold red]{len(bad)} misslyckades[/]" if bad else ""), soft_wrap=True)
            for c in mine:
                if c.ok and not verbose:
                    continue
                v = c.variant
                sign = "[green]✓[/]" if c.ok else "[bold red]✗[/]"
                console.print(f"    {sign} {escape(v.file)}:{v.line}  {escape(v.name)}", soft_wrap=True)
                if c.ok:
                    continue
                console.print(f"      [dim]Regelbok {escape(c.result.rulebook.model.id)}"
                              + (f", basårsbokslut {escape(v.base)}" if v.base else "") + "[/]",
                              soft_wrap=True)
                for chk in c.failed:
                    first, *rest = evidence_lines(chk)
                    console.print(f"      [bold]{escape(v.file)}:{chk.line}[/] {escape(first)}",
                                  soft_wrap=True)
                    for line in rest:
                        console.print(f"      {escape(line)}", soft_wrap=True)
        if run.coverage_asked:
            _coverage_rich(folder, console)
    n_checks = sum(len(c.checks) for c in run.cases)
    failed = run.failed
    summary = f"{len(run.cases)} fall, {n_checks} förväntade utfall"
    if failed:
        console.print(f"[bold red]{len(failed)} av {len(run.cases)} fall misslyckades[/] ({summary}).")
    else:
        console.print(f"[bold green]Alla fall gav väntat utfall[/] ({summary}).")
    if run.coverage_asked and not all(f.coverage_ok for f in run.folders):
        console.print("[bold red]Täckningen är under gränsen.[/]")


def _coverage_rich(folder: FolderRun, console: Console) -> None:
    covered = sum(1 for c in folder.coverage if c.covered)
    style = "green" if folder.coverage_ok else "bold red"
    console.print(f"  Täckning: [{style}]{covered} av {len(folder.coverage)} regler "
                  f"({format_number(round(folder.percent, 1), 1)} %)[/], gräns "
                  f"{format_number(int(folder.threshold) if folder.threshold.is_integer() else folder.threshold)} %"
                  + (f" ({escape(folder.settings.path)})" if folder.settings.path else
                     " (standard; ingen kravkoll.yaml)"), soft_wrap=True)
    for c in folder.coverage:
        if not c.covered:
            console.print(f"    {escape(c.book.path)}:{c.line}: {c.rule.id} saknar fall som ger "
                          f"{c.lacking}", soft_wrap=True)


def as_dict(run: TestRun) -> dict:
    folders = []
    for folder in run.folders:
        cases = []
        for c in folder.cases:
            v = c.variant
            cases.append({
                "file": v.file, "line": v.line, "name": v.name, "base": v.base, "ok": c.ok,
                "rulebook": c.result.rulebook.model.id,
                "checks": [{"rule": chk.rule_id, "line": chk.line, "expected": chk.expected,
                            "actual": chk.actual, "ok": chk.ok,
                            "observed": chk.finding.observed_text,
                            "condition": chk.finding.expected,
                            "derivation": chk.finding.derivation,
                            "explanation": chk.finding.explanation,
                            "field": chk.finding.location.path} for chk in c.checks],
            })
        folders.append({
            "folder": folder.folder,
            "settings": folder.settings.path,
            "rulebooks": [{"id": b.model.id, "path": b.path, "sha256": b.sha256}
                          for b in sorted(folder.books, key=lambda b: b.model.valid_from)],
            "case_files": [cf.path for cf in folder.files],
            "cases": cases,
            "coverage": {
                "percent": round(folder.percent, 2), "threshold": folder.threshold,
                "ok": folder.coverage_ok,
                "rules": [{"rulebook": c.book.model.id, "rule": c.rule.id, "line": c.line,
                           "seen": list(c.seen), "covered": c.covered} for c in folder.coverage],
            },
        })
    return {
        "engine": {"name": ENGINE_NAME, "version": __version__},
        "folders": folders,
        "summary": {"cases": len(run.cases), "failed": len(run.failed),
                    "checks": sum(len(c.checks) for c in run.cases),
                    "coverage_checked": run.coverage_asked, "ok": run.ok},
    }
