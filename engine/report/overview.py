"""The länsöversikt in the terminal: what a handläggare reads after `kravkoll check MAPP/`.

Per rulebook: how many units meet each krav, riktlinje, målnivå and lagkrav ("26 av 28 uppfyller
kravet"), the units × rules matrix of outcomes, each indicator's spread against its level, and
the units whose krav fall short (the ones a handlingsplan is asked from). Then the files that
could not be read. Plain text without colour codes when written to a file or a pipe. Names,
paths and titles are Text (or escaped), never read as markup.
"""

from __future__ import annotations

from rich.console import Console, Group

from .console import SafeConsole
from rich.markup import escape
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule as Line
from rich.table import Table
from rich.text import Text

from engine.evaluate.batch import Indicator, RulebookOverview, Summary
from engine.evaluate.findings import OUTCOME_LABELS
from engine.model.rulebook import OP_WORDS
from engine.read.numbers import format_number

from .kinds import KIND_HEADINGS, KIND_ORDER, KIND_VERB, dialogue_sentence
from .terminal import MARK, STYLE

# Wider than this many units, the matrix is left to csv, xlsx and html.
MATRIX_MAX_UNITS = 60
SPARK = " ▁▂▃▄▅▆▇█"


def render(summary: Summary, console: Console, source: str = "") -> None:
    overviews = summary.overviews()
    console.print(_header(summary, source))
    for ov in overviews:
        if len(overviews) > 1:
            console.print(Line(f"Regelbok {escape(ov.book.model.id)}", style="bold"))
        console.print(_book(ov))
        for kind in KIND_ORDER:
            stats = [s for s in ov.rules if s.rule.kind == kind]
            if stats:
                console.print(Line(f"[bold]{KIND_HEADINGS[kind]}[/] ({len(stats)})", align="left",
                                   style="dim"))
                console.print(_rule_table(stats))
        console.print(Line("[bold]Utfall per enhet och regel[/]", align="left", style="dim"))
        console.print(_matrix(ov))
        if ov.indicators:
            console.print(Line("[bold]Indikatorer mot gränsvärden[/]", align="left", style="dim"))
            for ind in ov.indicators:
                console.print(_indicator(ind))
        console.print(Line("[bold]Enheter med krav som inte uppfylls – handlingsplan begärs[/]",
                           align="left", style="dim"))
        console.print(_shortfalls(ov))
    if summary.errors:
        console.print(Line(f"[bold red]Filer som inte kunde läsas ({len(summary.errors)})[/]",
                           align="left", style="red"))
        for e in summary.errors:
            console.print(Padding(Text(e.message, style="red"), (0, 0, 0, 1)))
        console.print()
    console.print(_verdict(summary))


def _header(summary: Summary, source: str) -> Panel:
    n = len(summary.rows)
    lines = Text()
    lines.append(f"{summary.files} årsbokslut", style="bold")
    if source:
        lines.append(f" i {source}")
    lines.append(f"\n{n} granskade")
    if summary.errors:
        lines.append(f", {len(summary.errors)} kunde inte läsas", style="red")
    periods = sorted({r.period for r in summary.rows})
    if periods:
        lines.append(f" · verksamhetsår {', '.join(map(str, periods))}")
    return Panel(lines, title="kravkoll · länsöversikt", title_align="left")


def _book(ov: RulebookOverview) -> Text:
    b = ov.book.model
    t = Text()
    t.append(f"Regelbok: {b.title}\n")
    t.append(f"  {b.id} version {b.version}, gäller {b.valid_from}–{b.valid_to}\n", style="dim")
    t.append(f"  {ov.book.path} sha256 {ov.book.sha256[:12]}\n", style="dim")
    met = len(ov.rows) - len(ov.shortfall_rows)
    t.append(f"{met} av {len(ov.rows)} enheter uppfyller alla krav som gäller dem.")
    return t


def _rule_table(stats) -> Table:
    table = Table(show_header=True, header_style="dim", box=None, pad_edge=False, expand=False)
    table.add_column("", no_wrap=True)
    table.add_column("nr", justify="right", no_wrap=True)
    table.add_column("regel", no_wrap=True)
    table.add_column("utfall", no_wrap=True)
    table.add_column("titel", ratio=1)
    for s in stats:
        worst = next((o for o in ("fail", "missing", "partial", "observation") if s.counts[o]), None)
        mark = Text(MARK[worst], style=STYLE[worst]) if worst else (
            Text(MARK["pass"], style=STYLE["pass"]) if s.in_scope else Text(MARK["not_applicable"]))
        outcome = Text(s.sentence(), style="bold" if worst and s.rule.kind == "krav" else "")
        details = s.details()
        title = Text(s.rule.title)
        if details:
            title.append(f"\n{details}", style="dim")
        table.add_row(mark, str(s.index), Text(s.rule.id), outcome, title)
    return Padding(table, (0, 0, 1, 1))


def _matrix(ov: RulebookOverview):
    rows = ov.rows
    if len(rows) > MATRIX_MAX_UNITS:
        return Padding(Text(f"{len(rows)} enheter är för många för terminalen: se matrisen med "
                            "--format csv, xlsx eller html.", style="dim"), (0, 0, 1, 1))
    names = [r.unit for r in rows]
    width = min(32, max(len(n) for n in names))
    n_rules = len(ov.rules)

    def grouped(chars: list[Text]) -> Text:
        out = Text()
        for i, ch in enumerate(chars):
            if i and i % 10 == 0:
                out.append(" ")
            out.append(ch)
        return out

    lines = []
    tens = [Text(str((i + 1) // 10) if (i + 1) >= 10 else " ") for i in range(n_rules)]
    ones = [Text(str((i + 1) % 10)) for i in range(n_rules)]
    lines.append(Text(" " * (width + 2)) + grouped(tens))
    lines.append(Text(" " * (width + 2)) + grouped(ones))
    for r in rows:
        name = r.unit if len(r.unit) <= width else r.unit[: width - 1] + "…"
        line = Text(name.ljust(width) + "  ")
        line.append(grouped([Text(MARK[o], style=STYLE[o]) for o in r.outcomes]))
        if r.shortfalls:
            line.append(f"  {len(r.shortfalls)} krav", style="bold red")
        lines.append(line)
    legend = Text("Kolumnerna är reglernas nummer ovan. ", style="dim")
    for o in ("pass", "fail", "partial", "missing", "not_applicable"):
        legend.append(MARK[o], style=STYLE[o])
        legend.append(f" {OUTCOME_LABELS[o]}  ", style="dim")
    lines.append(legend)
    return Padding(Group(*lines), (0, 0, 1, 1))


def spark(ind: Indicator, bins: int = 30) -> tuple[str, float, float]:
    """A one-line histogram of the values with '│' at the level: (line, low, high)."""
    xs = ind.numbers
    lo, hi = min(xs + [ind.level]), max(xs + [ind.level])
    span = (hi - lo) or 1.0
    # Half a bin of room at each end: no value is clamped, and a value equal to the level lies
    # right of the marker.
    pad = span / (bins - 1) / 2
    lo, hi, span = lo - pad, hi + pad, span + 2 * pad
    counts = [0] * bins
    for x in xs:
        counts[min(bins - 1, int((x - lo) / span * bins))] += 1
    top = max(counts) or 1
    chars = [SPARK[0] if c == 0 else SPARK[max(1, round(c / top * (len(SPARK) - 1)))]
             for c in counts]
    at = min(bins, max(0, int((ind.level - lo) / span * bins)))
    return "".join(chars[:at]) + "│" + "".join(chars[at:]), lo + pad, hi - pad


def _number(value: float, unit: str) -> str:
    text = format_number(round(value, 1), 1)
    return f"{text} %" if unit == "procent" else text


def _indicator(ind: Indicator):
    head = Text()
    head.append(f"{ind.index:>2} {ind.rule.id} ", style="dim")
    head.append(ind.rule.title)
    st = ind.stats()
    level = f"{ind.label} {OP_WORDS[ind.op]} {_number(ind.level, ind.unit)}"
    if not st["n"]:
        return Padding(Group(head, Text(f"   {level}; inga värden", style="dim")), (0, 0, 1, 1))
    line, lo, hi = spark(ind)
    body = Text("   ")
    body.append(format_number(round(lo, 1), 1) + " ")
    body.append(line, style="cyan")
    body.append(" " + format_number(round(hi, 1), 1))
    facts = Text(f"   │ = {level} · {st['meeting']} av {st['n']} {KIND_VERB[ind.rule.kind]} · "
                 f"median {_number(st['median'], ind.unit)}", style="dim")
    return Padding(Group(head, body, facts), (0, 0, 1, 1))


def _shortfalls(ov: RulebookOverview):
    rows = ov.shortfall_rows
    note = Text("Ingen kravliggare ännu: listan bygger på denna granskning och visar de enheter "
                "som ska lämna handlingsplan.", style="dim")
    if not rows:
        return Padding(Group(Text("Inga: alla enheter uppfyller kraven som gäller dem.",
                                  style="green"), note), (0, 0, 1, 1))
    table = Table(show_header=True, header_style="dim", box=None, pad_edge=False)
    table.add_column("enhet", ratio=1)
    table.add_column("krav", no_wrap=True)
    table.add_column("utfall", ratio=1)
    for r in rows:
        first = True
        for s in r.shortfalls:
            label = OUTCOME_LABELS[s.outcome]
            table.add_row(Text(r.unit, style="bold") if first else "", Text(s.rule_id),
                          Text(f"{label}: {s.observed_text}, krav {s.expected}",
                               style=STYLE[s.outcome]))
            first = False
    return Padding(Group(table, note), (0, 0, 1, 1))


def _verdict(summary: Summary) -> Panel:
    n, failing = len(summary.rows), summary.failing
    text = Text()
    if failing:
        text.append(f"{len(failing)} av {n} enheter har krav som inte uppfylls helt",
                    style="bold red")
        text.append(" (handlingsplan begärs).")
        style = "red"
    elif n:
        text.append(f"Alla {n} enheter uppfyller kraven som gäller dem.", style="bold green")
        style = "green"
    else:
        text.append("Inga årsbokslut kunde granskas.", style="bold red")
        style = "red"
    if summary.errors:
        text.append(f"\n{len(summary.errors)} filer kunde inte läsas; rättade filer behöver "
                    "granskas igen.", style="red")
        style = "red"
    if any(ov.dialogue_rules for ov in summary.overviews()):
        text.append("\n" + dialogue_sentence(summary.overviews()))
    observed = [s for ov in summary.overviews() for s in ov.observed_rules]
    if observed:
        what = "indikator redovisas" if len(observed) == 1 else "indikatorer redovisas"
        text.append(f"\n{len(observed)} {what} som värden för dialogen: nivån är bara "
                    "regelbokens förslag, inget beslut.")
    return Panel(text, title="Bedömning", title_align="left", border_style=style)


def unit_text(result, width: int = 100, color_system: str | None = None) -> str:
    """One unit's full terminal report as text (made where the unit was checked, for -v)."""
    import io

    from . import terminal

    buffer = io.StringIO()
    console = SafeConsole(file=buffer, width=width, force_terminal=color_system is not None,
                      color_system=color_system, no_color=color_system is None)
    terminal.render(result, console, True)
    return buffer.getvalue()
