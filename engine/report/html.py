"""`--format html`: one self-contained file for people: the länsöversikt, then one section per
unit with its findings and evidence. Swedish, prints on A4.

Self-contained means nothing is fetched when the file is opened: the CSS is inline, there is no
script and no web font, and the plots are inline SVG drawn here. SVG written by this module
rather than matplotlib: no 40 MB dependency (with numpy) for a handful of rectangles and dots,
the same bytes for the same input without fiddling with matplotlib's ids and metadata, Swedish
labels and number format throughout, and vector output that prints sharply.

Plots: the outcome matrix as a heat map (units × rules, a mark in every cell so that it reads in
grey print), and each indicator's distribution over the units with its level (målnivå, kravgräns)
as a line.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable, Iterator
from html import escape

from engine import ENGINE_NAME, __version__
from engine.evaluate.batch import Indicator, RulebookOverview, Summary, UnitRow
from engine.evaluate.evaluation import CheckResult
from engine.evaluate.findings import OUTCOME_LABELS, Finding, counts
from engine.model.rulebook import OP_WORDS
from engine.read.numbers import format_number
from engine.output import Piece, Spool

from .common import grouped, source_reference
from .kinds import KIND_HEADINGS, KIND_ORDER, KIND_VERB, dialogue_sentence

COLORS = {"pass": "#2e7d32", "fail": "#c62828", "partial": "#ef8f00", "missing": "#7b1fa2",
          "observation": "#3949ab", "not_applicable": "#d5d5d5", "waived": "#0277bd"}
MARKS = {"pass": "✓", "fail": "✗", "partial": "◐", "missing": "?", "observation": "◇",
         "not_applicable": "–", "waived": "≈"}
BAR_ORDER = ("pass", "waived", "partial", "fail", "missing", "observation", "not_applicable")
HEAT_ROWS_PER_BLOCK = 50  # one block of the heat map fits an A4 page

CSS = """
:root { --ink: #1d1d1f; --dim: #5f6368; --line: #d9d9de; --pass: #2e7d32; --fail: #c62828;
  --partial: #ef8f00; --missing: #7b1fa2; --na: #9e9e9e; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; color: var(--ink);
  font-size: 10.5pt; line-height: 1.4; margin: 0 auto; max-width: 190mm; padding: 8mm 6mm; }
h1 { font-size: 18pt; margin: 0 0 2mm; }
h2 { font-size: 13.5pt; margin: 8mm 0 2mm; border-bottom: 1.5px solid var(--ink); padding-bottom: 1mm; }
h3 { font-size: 11pt; margin: 5mm 0 1.5mm; }
p { margin: 1mm 0 2mm; }
.meta, .dim { color: var(--dim); }
.meta { font-size: 9pt; }
code, .id { white-space: nowrap; font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 8.8pt; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 3mm; }
th, td { text-align: left; vertical-align: top; padding: 1.2mm 1.5mm; border-bottom: 0.5px solid var(--line); }
th { font-size: 8.5pt; color: var(--dim); font-weight: normal; border-bottom: 1px solid var(--ink); }
td.num, th.num { text-align: right; white-space: nowrap; }
td.outcome b { white-space: nowrap; }
td.bar { width: 30mm; padding-top: 2mm; }
.figures { display: flex; gap: 3mm; margin: 3mm 0; }
.figure { flex: 1; border: 1px solid var(--line); border-radius: 2mm; padding: 2.5mm 3mm; }
.figure b { display: block; font-size: 17pt; }
.figure.bad b { color: var(--fail); } .figure.good b { color: var(--pass); }
.badge { display: inline-block; padding: 0.3mm 1.5mm; border-radius: 1mm;
  color: #fff; font-size: 8pt; white-space: nowrap; }
.o-pass { background: var(--pass); } .o-fail { background: var(--fail); }
.o-partial { background: var(--partial); } .o-missing { background: var(--missing); }
.o-not_applicable { background: var(--na); } .o-waived { background: #0277bd; }
.o-observation { background: #3949ab; }
.verdict { border-left: 2mm solid var(--pass); padding: 2mm 3mm; margin: 2mm 0 3mm; background: #f3f8f3; }
.verdict.fail { border-left-color: var(--fail); background: #fbf1f1; }
blockquote { margin: 1mm 0 1mm 2mm; padding-left: 2mm; border-left: 1px solid var(--line);
  font-style: italic; color: #333; }
table.findings { table-layout: fixed; }
table.findings col.o { width: 31mm; } table.findings col.r { width: 26mm; }
.finding td { font-size: 9.5pt; padding: 0.9mm 1.5mm; }
.finding .title { font-weight: bold; }
.shortfall .title { color: var(--fail); }
.evidence { margin-top: 0.5mm; }
.consequence { margin-top: 0.8mm; font-weight: bold; }
figure { margin: 2mm 0 4mm; }
figcaption { font-size: 9pt; color: var(--dim); }
svg { display: block; max-width: 100%; height: auto; }
svg text { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
nav ol { columns: 2; font-size: 9.5pt; padding-left: 5mm; }
a { color: inherit; }
.legend span { display: inline-block; margin-right: 3mm; font-size: 9pt; }
.legend i { display: inline-block; width: 3mm; height: 3mm; margin-right: 1mm; vertical-align: -0.3mm; }
.errors li { color: var(--fail); font-family: "DejaVu Sans Mono", monospace; font-size: 8.8pt;
  white-space: pre-wrap; }
footer { margin-top: 8mm; font-size: 8.5pt; color: var(--dim); border-top: 0.5px solid var(--line); }
@page { size: A4; margin: 14mm 12mm 14mm 12mm; }
details.tech { margin: 0.5mm 0; font-size: 8.5pt; color: var(--dim); }
details.tech summary { cursor: pointer; }
.print-only { display: none; }
.heat-legend { columns: 2; column-gap: 12mm; font-size: 8.5pt; padding-left: 7mm; margin: 0 0 3mm; }
.heat-legend li { break-inside: avoid; }
@media print {
  body { max-width: none; padding: 0; font-size: 9pt; }
  nav { display: none; }
  .print-only { display: block; }
  body:not(.med-enheter) section.unit, body:not(.med-enheter) section.appendix { display: none; }
  section.unit, section.appendix { break-before: page; }
  h2, h3 { break-after: avoid; }
  tr, figure, .verdict, .figures { break-inside: avoid; }
  a { text-decoration: none; }
}
"""


# --- the whole file -------------------------------------------------------------------------

def write(entries: Iterable, summary: Summary, with_units: bool = False,
          spool: Spool | None = None) -> Iterator[str | bytes]:
    """The report: overview first, then the units' sections (made where each was checked).
    The sections print only `with_units` (--med-enheter); on screen they are always there.
    The overview needs every unit, so the sections wait in a temporary file, not in memory:
    UTF-8 (formats._html_unit), written as they came (a section a worker spooled, an
    output.Piece, is copied from `spool` by the kernel) and never decoded here (a county's
    sections are tens of megabytes)."""
    with tempfile.TemporaryFile("w+b") as sections:
        for e in entries:
            if isinstance(e.rendered, Piece):
                sections.flush()
                spool.copy(e.rendered, sections.fileno())
            elif e.rendered:
                sections.write(e.rendered)
        overviews = summary.overviews()
        yield _head(summary, overviews, with_units)
        yield from _overview(summary, overviews, with_units)
        sections.flush()
        sections.seek(0)
        while chunk := sections.read(1 << 20):
            yield chunk
    yield _appendix(overviews)
    yield _foot(summary, overviews)


def unit_id(path: str) -> str:
    """The anchor of a unit's section, the same wherever it is computed."""
    return "u-" + hashlib.sha256(path.encode("utf-8")).hexdigest()[:12]


def _title(summary: Summary, overviews: list[RulebookOverview]) -> str:
    periods = ", ".join(str(p) for p in sorted({r.period for r in summary.rows}))
    regions = ", ".join(sorted({o.book.model.region for o in overviews}))
    if len(summary.rows) == 1 and not summary.errors:
        return f"Årsbokslut {periods} – {summary.rows[0].unit}"
    return f"Länsöversikt årsbokslut {periods}" + (f" – {regions}" if regions else "")


def _head(summary: Summary, overviews: list[RulebookOverview], with_units: bool = False) -> str:
    title = escape(_title(summary, overviews))
    body = '<body class="med-enheter">' if with_units else "<body>"
    return (f'<!DOCTYPE html>\n<html lang="sv">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="{ENGINE_NAME} {__version__}">\n'
            f"<title>{title}</title>\n<style>{CSS}</style>\n</head>\n{body}\n"
            f"<header>\n<h1>{title}</h1>\n")


def _foot(summary: Summary, overviews: list[RulebookOverview]) -> str:
    books = "; ".join(f"{escape(o.book.model.title)}, version {escape(o.book.model.version)}"
                      for o in overviews)
    return (f"<footer>\n<p>Skapad av {ENGINE_NAME} {__version__}. Regelbok: {books or '–'}. "
            "Regelbokens och årsbokslutens kontrollsummor står i bilagan och i varje "
            "enhets avsnitt. Samma indata ger samma fil (ingen tidsstämpel).</p>\n</footer>\n"
            "</body>\n</html>\n")


def _appendix(overviews: list[RulebookOverview]) -> str:
    """What an auditor or engine user looks up, kept out of the overview: the rulebook's id,
    file and hash, and each rule's number, id and source (with line numbers)."""
    out = ['<section class="appendix" id="bilaga">\n<h2>Bilaga: regelbok och regler</h2>\n']
    for ov in overviews:
        b = ov.book
        out.append(f'<p class="meta">{escape(b.model.title)}: {escape(b.model.id)} version '
                   f"{escape(b.model.version)}, gäller {b.model.valid_from}–{b.model.valid_to}, "
                   f"fil <code>{escape(b.path)}</code> sha256 <code>{b.sha256}</code></p>\n"
                   '<table>\n<thead><tr><th class="num">nr</th><th>regel-id</th><th>titel</th>'
                   "<th>källa</th></tr></thead>\n<tbody>\n")
        for s in ov.rules:
            out.append(f'<tr><td class="num">{s.index}</td><td class="id">{escape(s.rule.id)}'
                       f"</td><td>{escape(s.rule.title)}</td><td>{escape(_where(ov, s.rule))}</td></tr>\n")
        out.append("</tbody>\n</table>\n")
    out.append("</section>\n")
    return "".join(out)


def _where(ov: RulebookOverview, rule) -> str:
    """The rule's source as every report writes it (common.source_reference), with lines."""
    model = ov.book.model
    doc = model.documents.get(rule.source.document)
    return source_reference({"document_title": doc.title if doc else rule.source.document,
                             "section": rule.source.section, "lines": rule.source.lines,
                             "status": model.source_status(rule.source)})


# --- the länsöversikt -----------------------------------------------------------------------

def _overview(summary: Summary, overviews: list[RulebookOverview],
              with_units: bool = False) -> Iterator[str]:
    """The länsöversikt in pieces: its heat map has a row per unit, and a county's is large
    (at 10 000 units, one string of it was most of the HTML's peak memory)."""
    out: list[str] = []
    n, failing = len(summary.rows), len(summary.failing)
    books = ", ".join(f"{escape(o.book.model.title)} (version {escape(o.book.model.version)})"
                      for o in overviews)
    out.append(f'<p class="meta">{summary.files} årsbokslut · regelbok: {books or "–"} · '
               f"{ENGINE_NAME} {__version__}</p>\n</header>\n")
    out.append('<section id="sammanfattning">\n<h2>Sammanfattning</h2>\n<div class="figures">\n')
    out.append(_figure(n, "granskade årsbokslut", ""))
    out.append(_figure(n - failing, "enheter uppfyller alla krav", "good"))
    out.append(_figure(failing, "enheter ska lämna handlingsplan", "bad" if failing else "good"))
    out.append(_figure(len(summary.errors), "filer kunde inte läsas",
                       "bad" if summary.errors else ""))
    out.append("</div>\n")
    out.append(f"<p>{escape(dialogue_sentence(overviews))}</p>\n")
    if summary.rows and not with_units:
        out.append('<p class="print-only dim">Enheternas avsnitt och bilagan med regel-id och '
                   "källor skrivs inte ut; de finns i filen på skärmen. Skriv ut dem med "
                   "<code>kravkoll check MAPP --format html --med-enheter</code>.</p>\n")
    out.append(_toc(summary, overviews))
    out.append("</section>\n")
    for ov in overviews:
        out.append(_rules(ov, len(overviews) > 1))
        yield "".join(out)
        out = []
        yield from _heatmap_section(ov)
        out.append(_indicators(ov))
        out.append(_shortfalls(ov))
    if summary.errors:
        out.append('<section id="fel">\n<h2>Filer som inte kunde läsas</h2>\n'
                   "<p>Filerna nedan är inte granskade. Rätta dem och granska igen.</p>\n"
                   '<ul class="errors">\n')
        for e in summary.errors:
            out.append(f"<li>{escape(e.message)}</li>\n")
        out.append("</ul>\n</section>\n")
    yield "".join(out)


def _figure(value: int, label: str, kind: str) -> str:
    return f'<div class="figure {kind}"><b>{value}</b>{escape(label)}</div>\n'


def _toc(summary: Summary, overviews: list[RulebookOverview]) -> str:
    items = ['<li><a href="#regler">Krav och regler</a></li>',
             '<li><a href="#matris">Utfall per enhet och regel</a></li>',
             '<li><a href="#indikatorer">Indikatorer</a></li>',
             '<li><a href="#handlingsplan">Handlingsplan begärs</a></li>']
    if summary.errors:
        items.append('<li><a href="#fel">Filer som inte kunde läsas</a></li>')
    items.append('<li><a href="#bilaga">Bilaga: regelbok och regler</a></li>')
    for r in summary.rows:
        mark = " ✗" if r.shortfalls else ""
        items.append(f'<li><a href="#{unit_id(r.path)}">{escape(r.unit)}</a>{mark}</li>')
    return "<nav>\n<h3>Innehåll</h3>\n<ol>\n" + "\n".join(items) + "\n</ol>\n</nav>\n"


def _rules(ov: RulebookOverview, several: bool) -> str:
    out = ['<section id="regler">\n<h2>Krav och regler' +
           (f" – {escape(ov.book.model.id)}" if several else "") + "</h2>\n",
           f"<p>{len(ov.rows)} enheter granskade mot {escape(ov.book.model.title)}. Antal enheter "
           "per utfall; en regel som inte gäller enheten (t.ex. SÄBO utan SÄBO-uppdrag) räknas "
           "inte i nämnaren.</p>\n", _legend()]
    for kind in KIND_ORDER:
        stats = [s for s in ov.rules if s.rule.kind == kind]
        if not stats:
            continue
        out.append(f"<h3>{KIND_HEADINGS[kind]} ({len(stats)})</h3>\n<table>\n<thead><tr>"
                   '<th class="num">nr</th><th>regel</th><th>utfall</th>'
                   "<th></th></tr></thead>\n<tbody>\n")
        for s in stats:
            details = s.details()
            out.append(
                f'<tr><td class="num">{s.index}</td>'
                f"<td>{escape(s.rule.title)}</td>"
                f'<td class="outcome"><b>{escape(s.sentence())}</b>'
                + (f'<br><span class="dim">{escape(details)}</span>' if details else "")
                + f'</td><td class="bar">{_bar(s.counts)}</td></tr>\n')
        out.append("</tbody>\n</table>\n")
    out.append("</section>\n")
    return "".join(out)


def _legend() -> str:
    items = "".join(f'<span><i style="background:{COLORS[o]}"></i>{MARKS[o]} '
                    f"{OUTCOME_LABELS[o]}</span>" for o in ("pass", "partial", "fail", "missing", "not_applicable"))
    return f'<p class="legend">{items}</p>\n'


def _bar(c: dict[str, int], width: int = 110, height: int = 12) -> str:
    total = sum(c.values()) or 1
    x, parts = 0.0, []
    for o in BAR_ORDER:
        if not c[o]:
            continue
        w = c[o] / total * width
        parts.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" '
                     f'fill="{COLORS[o]}"><title>{c[o]} {OUTCOME_LABELS[o]}</title></rect>')
        x += w
    label = ", ".join(f"{c[o]} {OUTCOME_LABELS[o]}" for o in BAR_ORDER if c[o])
    return (f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{escape(label)}">' + "".join(parts) + "</svg>")


# --- heat map ---------------------------------------------------------------------------------

def _heatmap_section(ov: RulebookOverview) -> Iterator[str]:
    """The heat map a block at a time (a block fits a page; a county has hundreds)."""
    yield ('<section id="matris">\n<h2>Utfall per enhet och regel</h2>\n'
           "<p>En rad per enhet, en kolumn per regel: numrerade som i tabellen ovan och under "
           "figuren, grupperade efter område. Klicka på en enhet för dess avsnitt.</p>\n"
           + _legend())
    rows = ov.rows
    for start in range(0, len(rows), HEAT_ROWS_PER_BLOCK):
        block = rows[start:start + HEAT_ROWS_PER_BLOCK]
        yield f"<figure>{heatmap(ov, block)}</figure>\n"
    yield _column_legend(ov) + "</section>\n"


def _column_legend(ov: RulebookOverview) -> str:
    """The heat map's columns in words: number and title, by area."""
    items = []
    for s in ov.rules:
        items.append(f'<li value="{s.index}">{escape(s.rule.title)}</li>')
    return '<ol class="heat-legend">\n' + "\n".join(items) + "\n</ol>\n"


def heatmap(ov: RulebookOverview, rows: list[UnitRow]) -> str:
    cell, gap, label_w, top = 15, 5, 190, 34
    areas, xs, prev = [], [], None
    x = label_w
    for s in ov.rules:
        if prev is not None and s.rule.area != prev:
            x += gap
        if s.rule.area != prev:
            areas.append((s.rule.area, x))
        xs.append(x)
        x += cell
        prev = s.rule.area
    width = x + 8
    height = top + len(rows) * cell + 4
    p = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
         f'aria-label="Utfall per enhet och regel, {len(rows)} enheter">']
    # the area over its group of columns (cut to the group's width), the rule's number over
    # each column: both upright and as large as the unit names
    ends = [x for _, x in areas[1:]] + [x]
    for (area, start), end in zip(areas, ends):
        room = max(1, int((end - start - gap) / 6))
        label = area if len(area) <= room else area[:max(1, room - 1)] + "…"
        p.append(f'<text x="{start}" y="11" font-size="9" fill="#5f6368"><title>{escape(area)}'
                 f"</title>{escape(label)}</text>")
    for s, cx in zip(ov.rules, xs):
        p.append(f'<text x="{cx + (cell - 1) / 2:.1f}" y="{top - 6}" font-size="9" '
                 f'text-anchor="middle"><title>{escape(s.rule.title)}</title>{s.index}</text>')
    # What a cell's text repeats (the rule's number and title, the outcome's colour and mark)
    # is made once per column and outcome, not once per cell: a county has tens of thousands.
    columns = [(cx, f"{s.index} {escape(s.rule.title)}: ", f"{cx + (cell - 1) / 2:.1f}")
               for s, cx in zip(ov.rules, xs)]
    looks = {o: (f"{OUTCOME_LABELS[o]}</title>", COLORS[o],
                 f'fill="{"#555" if o == "not_applicable" else "#fff"}">{MARKS[o]}</text></g>')
             for o in OUTCOME_LABELS}
    for i, r in enumerate(rows):
        y = top + i * cell
        name = r.unit if len(r.unit) <= 34 else r.unit[:33] + "…"
        weight = ' font-weight="bold"' if r.shortfalls else ""
        p.append(f'<a href="#{unit_id(r.path)}"><text x="{label_w - 6}" y="{y + cell - 4}" '
                 f'font-size="9.5" text-anchor="end"{weight}>{escape(name)}</text></a>')
        unit = f"<g><title>{escape(r.unit)} · "
        rect = f'" y="{y}" width="{cell - 1}" height="{cell - 1}" fill="'
        mark = f'" y="{y + cell - 4}" font-size="9" text-anchor="middle" '
        for (cx, title, mid), o in zip(columns, r.outcomes):
            label, color, tail = looks[o]
            p.append(f'{unit}{title}{label}<rect x="{cx}{rect}{color}"/><text x="{mid}{mark}{tail}')
    p.append("</svg>")
    return "".join(p)


# --- indicators -------------------------------------------------------------------------------

def _indicators(ov: RulebookOverview) -> str:
    out = ['<section id="indikatorer">\n<h2>Indikatorer mot gränsvärden</h2>\n',
           "<p>Varje regel som jämför ett tal med en fast nivå: enheternas värden (en punkt per "
           "enhet) och nivån som en linje. Grönt når nivån, rött gör det inte.</p>\n"]
    for ind in ov.indicators:
        st = ind.stats()
        level = f"{ind.label} {OP_WORDS[ind.op]} {_num(ind.level, ind.unit)}"
        out.append(f"<figure>\n<h3>{ind.index}. {escape(ind.rule.title)}</h3>\n")
        if not st["n"]:
            out.append(f'<p class="dim">{escape(level)}: inga värden.</p>\n</figure>\n')
            continue
        out.append(distribution(ind))
        out.append(f"<figcaption>{escape(level.capitalize())}. {st['meeting']} av {st['n']} "
                   f"{KIND_VERB[ind.rule.kind]}. Median {_num(st['median'], ind.unit)}, "
                   f"min {_num(st['min'], ind.unit)}, max {_num(st['max'], ind.unit)}, "
                   f"medelvärde {_num(st['mean'], ind.unit)}.</figcaption>\n</figure>\n")
    out.append("</section>\n")
    return "".join(out)


def _num(value: float, unit: str) -> str:
    text = format_number(round(value, 1), 1)
    return f"{text} %" if unit == "procent" else text


def _ticks(lo: float, hi: float) -> list[float]:
    span = hi - lo
    for step in (1, 2, 5, 10, 20, 25, 50):
        if span / step <= 10:
            break
    first = (int(lo // step) + (0 if lo % step == 0 else 1)) * step
    out, t = [], first
    while t <= hi + 1e-9:
        out.append(t)
        t += step
    return out


def distribution(ind: Indicator) -> str:
    """Dots stacked over the value axis (a histogram bar per bin for many units), the level as
    a dashed line."""
    xs = ind.numbers
    lo, hi = min(xs + [ind.level]), max(xs + [ind.level])
    pad = max((hi - lo) * 0.04, 0.5)
    lo, hi = lo - pad, hi + pad
    width, left, right = 640, 12, 12
    plot_w = width - left - right

    def px(v: float) -> float:
        return left + (v - lo) / (hi - lo) * plot_w

    many = len(xs) > 120
    r = 4.2 if len(xs) <= 60 else 3
    step = 2 * r + 0.6
    bins: dict[int, list[tuple[str, str, float, str]]] = {}
    for item in sorted(ind.values, key=lambda t: (t[2], t[0])):
        b = int((px(item[2]) - left) // step)
        bins.setdefault(b, []).append(item)
    tallest = max(len(v) for v in bins.values())
    stack_h = (min(tallest, 40) * step) if not many else 90
    base = 14 + stack_h
    height = int(base + 30)
    p = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
         f'aria-label="Fördelning över enheterna av {escape(ind.rule.title)}">']
    p.append(f'<line x1="{left}" y1="{base:.1f}" x2="{width - right}" y2="{base:.1f}" '
             'stroke="#888" stroke-width="0.8"/>')
    for t in _ticks(lo, hi):
        x = px(t)
        p.append(f'<line x1="{x:.1f}" y1="{base:.1f}" x2="{x:.1f}" y2="{base + 4:.1f}" '
                 'stroke="#888"/>'
                 f'<text x="{x:.1f}" y="{base + 15:.1f}" font-size="9" text-anchor="middle" '
                 f'fill="#555">{format_number(t)}</text>')
    if many:
        top = max(len(v) for v in bins.values())
        for b, items in sorted(bins.items()):
            h = len(items) / top * stack_h
            meeting = sum(1 for *_, o in items if o == "pass")
            color = COLORS["pass"] if meeting * 2 >= len(items) else COLORS["fail"]
            x = left + b * step
            p.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{step - 0.6:.1f}" '
                     f'height="{h:.1f}" fill="{color}">'
                     f"<title>{len(items)} enheter</title></rect>")
    else:
        for b, items in sorted(bins.items()):
            for k, (_, unit, value, outcome) in enumerate(items[:40]):
                cx = left + b * step + step / 2
                cy = base - r - 1 - k * step
                color = COLORS["pass"] if outcome == "pass" else COLORS.get(outcome, COLORS["fail"])
                p.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r}" fill="{color}" '
                         f'fill-opacity="0.85"><title>{escape(unit)}: {_num(value, ind.unit)}'
                         f"</title></circle>")
    lx = px(ind.level)
    p.append(f'<line x1="{lx:.1f}" y1="6" x2="{lx:.1f}" y2="{base + 4:.1f}" stroke="#1d1d1f" '
             'stroke-width="1.4" stroke-dasharray="4 3"/>')
    anchor = "end" if lx > width * 0.7 else "start"
    dx = -4 if anchor == "end" else 4
    p.append(f'<text x="{lx + dx:.1f}" y="12" font-size="9.5" text-anchor="{anchor}" '
             f'font-weight="bold">{escape(ind.label)} {escape(OP_WORDS[ind.op])} '
             f"{_num(ind.level, ind.unit)}</text>")
    p.append("</svg>")
    return "".join(p)


# --- units with shortfalls --------------------------------------------------------------------

def _shortfalls(ov: RulebookOverview) -> str:
    rows = ov.shortfall_rows
    out = ['<section id="handlingsplan">\n<h2>Enheter med krav som inte uppfylls – '
           "handlingsplan begärs</h2>\n",
           '<p class="dim">Det finns ännu ingen kravliggare: listan bygger på denna granskning '
           "och visar de enheter som ska lämna handlingsplan.</p>\n"]
    if not rows:
        out.append("<p>Inga: alla enheter uppfyller kraven som gäller dem.</p>\n</section>\n")
        return "".join(out)
    out.append("<table>\n<thead><tr><th>enhet</th><th>krav</th><th>utfall</th></tr></thead>\n"
               "<tbody>\n")
    titles = {s.rule.id: s.rule.title for s in ov.rules}
    for r in rows:
        for k, s in enumerate(r.shortfalls):
            unit = f'<a href="#{unit_id(r.path)}"><b>{escape(r.unit)}</b></a>' if k == 0 else ""
            out.append(f"<tr><td>{unit}</td><td>{escape(titles.get(s.rule_id, ''))}</td>"
                       f'<td><span class="badge o-{s.outcome}">{OUTCOME_LABELS[s.outcome]}</span> '
                       f"{escape(s.observed_text)}; krav {escape(s.expected)}</td></tr>\n")
    out.append("</tbody>\n</table>\n</section>\n")
    return "".join(out)


# --- one unit ---------------------------------------------------------------------------------

def unit_section(result: CheckResult) -> str:
    """A unit's findings and evidence (made where the unit was checked)."""
    sub, model, book = result.submission, result.submission.model, result.rulebook
    e = model.enhet
    krav = [f for f in result.findings if f.kind == "krav"]
    short = [f for f in krav if f.is_shortfall]
    c = counts(result.findings)
    out = [f'<section class="unit" id="{unit_id(sub.path)}">\n<h2>{escape(e.namn)}</h2>\n']
    # a form without tilläggsuppdrag (Västerbotten's) has no such field
    uppdrag = ", ".join(getattr(e, "tillaggsuppdrag", None) or []) or "inga"
    out.append(f'<p class="meta">{escape(e.hsa_id)} · {escape(e.regi)} regi · tilläggsuppdrag: '
               f"{escape(uppdrag)} · verksamhetsår {model.period} · inlämnat "
               f"{model.inlamnad or 'okänt datum'} · bedömt per {result.as_of}</p>\n"
               '<details class="tech"><summary>Filer och kontrollsummor</summary>'
               f"Årsbokslut <code>{escape(sub.path)}</code> sha256 {sub.sha256[:12]} · regelbok "
               f"{escape(book.model.id)} version {escape(book.model.version)}</details>\n")
    summary = ", ".join(f"{c[o]} {OUTCOME_LABELS[o]}" for o in BAR_ORDER if c[o])
    if short:
        out.append(f'<div class="verdict fail"><b>{len(short)} av {len(krav)} krav uppfylls inte '
                   f"helt.</b> Handlingsplan begärs enligt regelboken.<br>"
                   f'<span class="dim">Samtliga regler: {summary}.</span></div>\n')
    else:
        out.append(f'<div class="verdict"><b>Alla {len(krav)} krav som gäller enheten uppfylls.'
                   f'</b><br><span class="dim">Samtliga regler: {summary}.</span></div>\n')
    for area, findings in grouped(result):
        out.append(f'<h3>{escape(area)}</h3>\n<table class="findings">\n'
                   '<colgroup><col class="o"><col class="r"><col></colgroup>\n<tbody>\n')
        for f in findings:
            out.append(_finding(f))
        out.append("</tbody>\n</table>\n")
    out.append("</section>\n")
    return "".join(out)


def _finding(f: Finding) -> str:
    shortfall = f.outcome in ("fail", "partial", "missing")
    cls = "finding shortfall" if shortfall and f.kind == "krav" else "finding"
    head = (f'<td><span class="badge o-{f.outcome}">{MARKS[f.outcome]} '
            f"{OUTCOME_LABELS[f.outcome]}</span></td>"
            f'<td><span class="dim">{f.marked_kind}'
            + (f"<br>fråga {escape(f.question)}" if f.question else "") + "</span></td>")
    body = [f'<div class="title">{escape(f.title)}</div>']
    if f.outcome in ("not_applicable", "missing"):
        body.append(f'<div class="evidence dim">{escape(f.explanation)}</div>')
    else:
        value = escape(f.observed_text)
        if f.derivation:
            value += f" = {escape(f.derivation.rsplit(' = ', 1)[0])}" if " = " in f.derivation \
                else f" ({escape(f.derivation)})"
        level = "nivå" if f.outcome == "observation" else "krav"  # a proposed level judges nothing
        body.append(f'<div class="evidence">Värde: {value}; {level}: {escape(f.expected)}</div>')
    if shortfall or f.outcome == "observation":
        body.append(f'<div class="dim">Källa: {escape(f.source["document_title"])}, '
                    f"{escape(f.source['section'])}</div>"
                    f"<blockquote>»{escape(f.source['quote'])}«</blockquote>")
        if f.consequence and f.consequence.get("text"):
            body.append(f'<div class="consequence">Följd: {escape(f.consequence["text"])}</div>')
    # for the handläggare who checks the engine: rule id, the field read, the source's lines
    tech = [f"regel <code>{escape(f.rule_id)}</code>"]
    if f.location.path and f.outcome != "not_applicable":
        where = (f"cell {f.location.cell}, " if f.location.cell else
                 f"rad {f.location.line}, " if f.location.line else "")
        tech.append(f"i årsbokslutet {where}<code>{escape(f.location.path)}</code>")
    if shortfall:
        tech.append(f"källa {escape(source_reference(f.source))}")
    body.append('<details class="tech"><summary>Detaljer</summary>' + " · ".join(tech)
                + "</details>")
    return f'<tr class="{cls}">{head}<td>{"".join(body)}</td></tr>\n'
