"""`kravkoll diff`: what an edit of a rulebook does to the units, before it is merged.

Every submission in a folder is checked against the old and the new rulebook directly (the
validity period is not used to choose: both rulebooks are applied as given, to every submission
of their region whose form both read). The report lists, per unit and rule, the old outcome
against the new, counts the changes per rule and transition, and names what changed in the
rulebook itself (parameters, rules added, removed or edited). The old rulebook can be a file or
a git revision of the new one (`--base REV`, read with `git show REV:path`).
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from engine import identity
from engine.errors import InputError, UsageError
from engine.evaluate.evaluation import LoadedSubmission, check_against, load_submission
from engine.evaluate.findings import OUTCOME_LABELS
from engine.model.library import LoadedRulebook, load_rulebook, region_of
from engine.model.rulebook_layers import resolve
from engine.model.rulebook import Rulebook
from engine.model.rulebook_refs import check_references
from engine.output import dumps_json
from engine.read.names import same_name
from engine.read.validation import validate
from engine.read.yamlstrict import decode, load_text

ABSENT = "—"  # a rule the rulebook does not have


def rulebook_from_text(text: str, name: str) -> LoadedRulebook:
    """A rulebook read from text (e.g. `git show`), validated like a rulebook file."""
    doc = resolve(load_text(text, name))  # include/extends: read beside `name`, as they are now
    model = validate(doc, Rulebook)
    problems = check_references(model, doc)
    if problems:
        raise InputError(name, problems)
    return LoadedRulebook(model, name, hashlib.sha256(text.encode("utf-8")).hexdigest(), doc)


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)
    except FileNotFoundError:
        raise UsageError.single(None, "--base: git finns inte på datorn; ange den gamla "
                                "regelboken som en fil i stället") from None


def _end_of_options(cwd: Path) -> list[str]:
    """["--end-of-options"] where git knows it (2.24 and later), else nothing: the value is
    already known not to start with '-'."""
    out = _git(["--version"], cwd).stdout.decode("ascii", "replace")
    found = re.search(r"(\d+)\.(\d+)", out)
    return ["--end-of-options"] if found and tuple(map(int, found.groups())) >= (2, 24) else []


def verify_revision(rev: str, cwd: Path) -> str:
    """The commit `rev` names in the repository at cwd, as a full hash. Checked before git is
    asked anything else, so that a value like `--output=X` never reaches git as an option."""
    if not rev or rev.startswith("-") or any(c.isspace() or ord(c) < 32 for c in rev):
        raise UsageError.single(None, f"--base: '{rev}' är ingen git-version (t.ex. origin/main "
                                "eller en commit); den får inte vara tom eller börja med '-'")
    proc = _git(["rev-parse", "--verify", "--quiet", *_end_of_options(cwd), f"{rev}^{{commit}}"],
                cwd)
    if proc.returncode != 0:
        where = ("ligger inte i ett git-förråd" if proc.returncode == 128
                 else "har ingen sådan commit i sitt git-förråd")
        raise UsageError.single(None, f"--base: '{rev}' är ingen git-version här: mappen {cwd} "
                                f"{where}")
    return proc.stdout.decode("ascii").strip()


def rulebook_at_revision(rev: str, path: str) -> LoadedRulebook:
    """The rulebook file `path` as it was at git revision `rev`."""
    p = Path(path)
    if not p.is_file():
        raise InputError.single(path, "regelboken finns inte")
    cwd = p.parent.resolve()
    commit = verify_revision(rev, cwd)
    proc = _git(["show", f"{commit}:./{p.name}"], cwd)
    if proc.returncode != 0:
        raise InputError.single(path, f"kan inte läsa regelboken i git-versionen '{rev}' (filen "
                                "finns inte i den versionen)")
    return rulebook_from_text(decode(proc.stdout, f"{rev}:{path}"), f"{rev}:{path}")


@dataclass
class RuleChange:
    rule_id: str
    title: str
    kind: str
    old: str  # outcome, or ABSENT
    new: str
    old_text: str  # observed value as the old rulebook read it
    new_text: str
    new_expected: str


@dataclass
class UnitImpact:
    path: str
    name: str
    hsa_id: str
    period: int
    old_verdict: str
    new_verdict: str
    changes: list[RuleChange]


@dataclass
class Impact:
    old: LoadedRulebook
    new: LoadedRulebook
    units: list[UnitImpact]
    skipped: list[tuple[str, str]]  # (submission path, why)
    edits: list[str] = field(default_factory=list)  # what changed in the rulebook, in words

    @property
    def changed(self) -> list[UnitImpact]:
        return [u for u in self.units if u.changes]

    def per_rule(self) -> list[tuple[str, str, str, int]]:
        """(rule id, old, new, number of units), sorted."""
        counts: dict[tuple[str, str, str], int] = {}
        for u in self.units:
            for c in u.changes:
                key = (c.rule_id, c.old, c.new)
                counts[key] = counts.get(key, 0) + 1
        return [(r, o, n, k) for (r, o, n), k in sorted(counts.items())]


def submission_files(folder: str) -> list[str]:
    p = Path(folder)
    if p.is_file():
        return [folder]
    if not p.is_dir():
        raise InputError.single(folder, "mappen med årsbokslut finns inte")
    files = sorted(str(f) for f in p.rglob("*.yaml") if f.is_file())
    if not files:
        raise InputError.single(folder, "inga årsbokslut (*.yaml) i mappen")
    return files


def diff(old: LoadedRulebook, new: LoadedRulebook, submissions: list[str]) -> Impact:
    if region_of(old) != region_of(new):
        raise InputError.single(new.path, f"regelböckerna gäller olika regioner eller vårdval "
                                f"({old.model.region} / {new.model.region})")
    units, skipped = [], []
    for path in submissions:
        sub = load_submission(path)
        why = _skip_reason(sub, old, new)
        if why:
            skipped.append((path, why))
            continue
        units.append(_unit(sub, old, new))
    return Impact(old, new, units, skipped, rulebook_edits(old.model, new.model))


def _skip_reason(sub: LoadedSubmission, old: LoadedRulebook, new: LoadedRulebook) -> str | None:
    m = sub.model
    if not same_name(m.enhet.region, new.model.region):
        return f"annan region ({m.enhet.region})"
    refused = [b.model.id for b in (old, new)
               if not any(same_name(m.formular, f) for f in b.model.forms)]
    if refused:
        return f"formuläret {m.formular} läses inte av {' och '.join(dict.fromkeys(refused))}"
    return None


def _unit(sub: LoadedSubmission, old: LoadedRulebook, new: LoadedRulebook) -> UnitImpact:
    a, b = check_against(sub, old), check_against(sub, new)
    fa = {f.rule_id: f for f in a.findings}
    fb = {f.rule_id: f for f in b.findings}
    order = [f.rule_id for f in b.findings] + [r for r in fa if r not in fb]
    changes = []
    for rid in order:
        x, y = fa.get(rid), fb.get(rid)
        ox, oy = (x.outcome if x else ABSENT), (y.outcome if y else ABSENT)
        if ox != oy:
            ref = y or x
            changes.append(RuleChange(rid, ref.title, ref.kind, ox, oy,
                                      x.observed_text if x else "", y.observed_text if y else "",
                                      y.expected if y else ""))
    m = sub.model
    return UnitImpact(sub.path, m.enhet.namn, m.enhet.hsa_id, m.period, a.verdict, b.verdict, changes)


def rulebook_edits(old: Rulebook, new: Rulebook) -> list[str]:
    """What changed between two rulebooks, in words a reviewer can check against the diff."""
    out = []
    for name in sorted(set(old.parameters) | set(new.parameters)):
        a, b = old.parameters.get(name), new.parameters.get(name)
        if a is None:
            out.append(f"ny parameter {name} = {_v(b.value)}")
        elif b is None:
            out.append(f"parametern {name} ({_v(a.value)}) är borttagen")
        elif a.value != b.value:
            out.append(f"parametern {name}: {_v(a.value)} → {_v(b.value)}")
        elif a != b:
            out.append(f"parametern {name}: ändrad beskrivning eller källa")
    ra = {r.id: r for r in old.rules}
    rb = {r.id: r for r in new.rules}
    for rid in sorted(set(ra) | set(rb)):
        a, b = ra.get(rid), rb.get(rid)
        if a is None:
            out.append(f"ny regel {rid}: {b.title}")
        elif b is None:
            out.append(f"regeln {rid} är borttagen: {a.title}")
        elif a != b:
            parts = [k for k in ("title", "kind", "area", "source", "scope", "check", "consequence")
                     if getattr(a, k) != getattr(b, k)]
            out.append(f"regeln {rid}: ändrad {', '.join(parts) or 'text'}")
    for part in ("measures", "sanctions"):
        if getattr(old, part) != getattr(new, part):
            names = sorted(n for n in set(getattr(old, part)) | set(getattr(new, part))
                           if getattr(old, part).get(n) != getattr(new, part).get(n))
            label = "mått" if part == "measures" else "sanktioner"
            out.append(f"ändrade {label}: {', '.join(names)}")
    return out


def _v(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


# --- Reports ---------------------------------------------------------------------------------


def _o(outcome: str) -> str:
    return OUTCOME_LABELS.get(outcome, "finns inte" if outcome == ABSENT else outcome)


def _summary(impact: Impact) -> str:
    n, k = len(impact.units), len(impact.changed)
    verdicts = sum(1 for u in impact.units if u.old_verdict != u.new_verdict)
    text = f"{k} av {n} enheter får ändrat utfall på minst en regel"
    if verdicts:
        text += f"; {verdicts} får ändrad samlad bedömning"
    if impact.skipped:
        text += f"; {len(impact.skipped)} årsbokslut hoppades över"
    return text + "."


def render_rich(impact: Impact, console: Console) -> None:
    console.print(f"[bold]kravkoll diff[/] {escape(impact.old.path)} → {escape(impact.new.path)}",
                  soft_wrap=True)
    for e in impact.edits:
        console.print(f"  • {escape(e)}")
    if not impact.edits:
        console.print("  [dim]Regelböckerna har samma regler och parametrar.[/]")
    for u in impact.changed:
        console.print(f"\n[bold]{escape(u.name)}[/] {u.hsa_id} {u.period}  [dim]{escape(u.path)}[/]",
                      soft_wrap=True)
        if u.old_verdict != u.new_verdict:
            console.print(f"  Samlad bedömning: {_verdict(u.old_verdict)} → {_verdict(u.new_verdict)}")
        for c in u.changes:
            value = f"  [dim]({escape(c.new_text or c.old_text)}; krav: {escape(c.new_expected)})[/]" \
                if c.new_expected else ""
            console.print(f"  {c.rule_id}: {_o(c.old)} → [bold]{_o(c.new)}[/]{value}", soft_wrap=True)
    rows = impact.per_rule()
    if rows:
        table = Table(title="Ändrade utfall per regel", title_justify="left")
        for col in ("regel", "före", "efter", "enheter"):
            table.add_column(col, justify="right" if col == "enheter" else "left")
        for rid, old, new, k in rows:
            table.add_row(rid, _o(old), _o(new), str(k))
        console.print()
        console.print(table)
    for path, why in impact.skipped:
        console.print(f"[dim]Hoppade över {escape(path)}: {escape(why)}[/]")
    console.print(f"\n{_summary(impact)}")


def _verdict(v: str) -> str:
    return "alla krav uppfylls" if v == "pass" else "krav uppfylls inte"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(impact: Impact) -> str:
    lines = [f"### kravkoll diff: `{impact.old.path}` → `{impact.new.path}`", "",
             f"**{_summary(impact)}**", ""]
    if impact.edits:
        lines += ["Ändringar i regelboken:", ""] + [f"- {_md(e)}" for e in impact.edits] + [""]
    rows = impact.per_rule()
    if rows:
        lines += ["| regel | före | efter | enheter |", "|---|---|---|---:|"]
        lines += [f"| {r} | {_o(o)} | {_o(n)} | {k} |" for r, o, n, k in rows] + [""]
        lines += ["<details><summary>Per enhet</summary>", "",
                  "| enhet | HSA-id | år | regel | före | efter | värde |",
                  "|---|---|---|---|---|---|---|"]
        for u in impact.changed:
            for c in u.changes:
                lines.append(f"| {_md(u.name)} | {u.hsa_id} | {u.period} | {c.rule_id} | {_o(c.old)} "
                             f"| {_o(c.new)} | {_md(c.new_text or c.old_text)} |")
        lines += ["", "</details>", ""]
    if impact.skipped:
        lines += ["Hoppade över: " + "; ".join(f"`{p}` ({_md(w)})" for p, w in impact.skipped), ""]
    return "\n".join(lines)


def as_dict(impact: Impact) -> dict:
    def book(b: LoadedRulebook) -> dict:
        return {"id": b.model.id, "version": b.model.version, "path": b.path, "sha256": b.sha256}

    return {
        "engine": identity(),
        "old": book(impact.old), "new": book(impact.new),
        "edits": impact.edits,
        "units": [{"path": u.path, "name": u.name, "hsa_id": u.hsa_id, "period": u.period,
                   "old_verdict": u.old_verdict, "new_verdict": u.new_verdict,
                   "changes": [{"rule": c.rule_id, "title": c.title, "kind": c.kind,
                                "old": None if c.old == ABSENT else c.old,
                                "new": None if c.new == ABSENT else c.new,
                                "old_observed": c.old_text, "new_observed": c.new_text}
                               for c in u.changes]} for u in impact.units],
        "skipped": [{"path": p, "reason": w} for p, w in impact.skipped],
        "summary": {"units": len(impact.units), "changed": len(impact.changed),
                    "verdict_changed": sum(1 for u in impact.units if u.old_verdict != u.new_verdict),
                    "skipped": len(impact.skipped),
                    "per_rule": [{"rule": r, "old": None if o == ABSENT else o,
                                  "new": None if n == ABSENT else n, "units": k}
                                 for r, o, n, k in impact.per_rule()]},
    }


def render_json(impact: Impact) -> str:
    return dumps_json(as_dict(impact))


def load_pair(args: tuple[str, ...], base: str | None) -> tuple[LoadedRulebook, LoadedRulebook, str]:
    """(old, new, submissions folder) from the command line's arguments."""
    if base is not None:
        if len(args) != 2:
            raise UsageError.single(None, "med --base anges NY_REGELBOK och MAPP_MED_ÅRSBOKSLUT "
                                    f"(fick {len(args)} argument)")
        new_path, folder = args
        return rulebook_at_revision(base, new_path), load_rulebook(new_path), folder
    if len(args) != 3:
        raise UsageError.single(None, "ange GAMMAL_REGELBOK NY_REGELBOK MAPP_MED_ÅRSBOKSLUT, eller "
                                f"--base REV NY_REGELBOK MAPP_MED_ÅRSBOKSLUT (fick {len(args)} argument)")
    old_path, new_path, folder = args
    return load_rulebook(old_path), load_rulebook(new_path), folder
