"""The report a handläggare reads in the terminal: Swedish, grouped by area, readable at 80
columns, and plain text (no colour codes) when written to a file or a pipe. What comes from a
submission or a rulebook is escaped or a Text, never read as markup."""

from __future__ import annotations

from rich.console import Console, Group
from rich.markup import escape
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule as Line
from rich.text import Text

from engine.evaluate.evaluation import CheckResult
from engine.evaluate.findings import OUTCOME_LABELS, Finding, counts

from .common import grouped, source_reference

STYLE = {"pass": "green", "fail": "bold red", "partial": "yellow", "missing": "magenta",
         "observation": "blue", "not_applicable": "dim", "waived": "cyan"}
MARK = {"pass": "✓", "fail": "✗", "partial": "◐", "missing": "?", "observation": "◇",
        "not_applicable": "–", "waived": "≈"}


def render(result: CheckResult, console: Console, verbose: bool = False) -> None:
    console.print(_header(result))
    for area, findings in grouped(result):
        console.print(Line(Text(area, style="bold"), align="left", style="dim"))
        for f in findings:
            console.print(_finding(f, result, verbose))
    console.print(_verdict(result))


def _header(result: CheckResult) -> Panel:
    s, b = result.submission.model, result.rulebook.model
    lines = [
        f"[bold]{escape(s.enhet.namn)}[/]  {escape(s.enhet.hsa_id)}, {escape(s.enhet.regi)} regi",
        f"Verksamhetsår {s.period}, inlämnat {s.inlamnad or 'okänt datum'}, bedömt per {result.as_of}",
        f"Regelbok: {escape(b.title)}",
        f"  {escape(b.id)} version {escape(b.version)}, gäller {b.valid_from}–{b.valid_to}",
        f"[dim]Årsbokslut {escape(result.submission.path)} sha256 {result.submission.sha256[:12]}, "
        f"regelbok sha256 {result.rulebook.sha256[:12]}[/]",
    ]
    # emoji=False: ":fire:" in a unit's name is text too, not an emoji
    return Panel(Text.from_markup("\n".join(lines), emoji=False),
                 title="kravkoll · granskning av årsbokslut", title_align="left")


def _finding(f: Finding, result: CheckResult, verbose: bool):
    style = STYLE[f.outcome]
    shortfall = f.outcome in ("fail", "partial", "missing")
    head = Text()
    head.append(f"{MARK[f.outcome]} ", style=style)
    label = OUTCOME_LABELS[f.outcome]
    head.append(label.upper() if f.outcome in ("fail", "missing") else label, style=style)
    head.append(f"  {f.rule_id} · {f.marked_kind}" + (f" {f.question}" if f.question else ""),
                style="dim" if not shortfall else "")
    head.append("\n")
    head.append(f.title, style="bold" if shortfall else "")
    details = []
    if f.outcome == "not_applicable":
        details.append(Text(f.explanation, style="dim"))
    elif f.outcome == "missing":
        details.append(Text(f.explanation, style="magenta"))
    else:
        value = f.observed_text
        if f.derivation:
            value += f" = {f.derivation.rsplit(' = ', 1)[0]}" if " = " in f.derivation else f" ({f.derivation})"
        # an observation's level is a proposal, not a krav the value is judged against
        line = f"Värde: {value}; {'nivå' if f.outcome == 'observation' else 'krav'}: {f.expected}"
        if f.location.cell and not shortfall:
            line += f" · cell {f.location.cell}"
        elif f.location.line and not shortfall:
            line += f" · rad {f.location.line}"
        details.append(Text(line))
    if shortfall and f.location.path:
        where = (f"cell {f.location.cell}, " if f.location.cell else
                 f"rad {f.location.line}, " if f.location.line else "")
        details.append(Text(f"I årsbokslutet: {where}{f.location.path}", style="dim"))
    dialogue = shortfall or f.outcome == "observation"  # a point to raise, with its source
    if dialogue or verbose:
        details.append(Text(f"Källa: {source_reference(f.source)}", style="cyan"))
        details.append(Text(f"  »{f.source['quote']}«", style="italic"))
    if dialogue and f.consequence and f.consequence.get("text"):
        details.append(Text(f"Följd: {f.consequence['text']}", style="bold" if f.kind == "krav" else ""))
    return Padding(Group(head, Padding(Group(*details), (0, 0, 0, 2))), (0, 0, 1, 1))


def _verdict(result: CheckResult) -> Panel:
    c = counts(result.findings)
    krav = [f for f in result.findings if f.kind == "krav"]
    short = [f for f in krav if f.is_shortfall]
    parts = [f"{c[o]} {OUTCOME_LABELS[o]}" for o in ("pass", "fail", "partial", "missing",
                                                     "observation", "not_applicable", "waived")
             if c[o]]
    summary = ", ".join(parts)
    if short:
        ids = escape(", ".join(f.rule_id for f in short))
        text = (f"[bold red]{len(short)} av {len(krav)} krav uppfylls inte helt[/] ({ids}).\n"
                f"Handlingsplan krävs enligt regelboken. Samtliga regler: {summary}.")
        style = "red"
    else:
        text = f"[bold green]Alla {len(krav)} krav i regelboken uppfylls.[/] Samtliga regler: {summary}."
        style = "green"
    observations = [f for f in result.findings
                    if f.kind != "krav" and f.outcome in ("fail", "partial", "missing", "observation")]
    if observations:
        text += (f"\n{len(observations)} riktlinjer, målnivåer och lagkrav att ta upp i "
                 "dialoguppföljningen.")
    return Panel(text, title="Bedömning", title_align="left", border_style=style)
