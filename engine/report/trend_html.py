"""`kravkoll trend --format html`: one self-contained page, a line chart per indicator as inline
SVG (the county's mean, its min–max band and, with --enhet, the unit), then the views as tables.
No script and no external file: it opens offline and prints as it shows."""

from __future__ import annotations

from html import escape

from engine.evaluate.trend import IndicatorDef, Trend, UnitSeries
from engine.read.numbers import format_number

from .trend_views import View, all_views, decimals, years_text

W, H = 340, 190
LEFT, RIGHT, TOP, BOTTOM = 48, 14, 12, 28
COUNTY, UNIT, BAND = "#1f5f8b", "#c0392b", "#d6e6f2"

CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ccc}
p.lead{color:#555;margin:0 0 12px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:14px}
figure{margin:0;border:1px solid #ddd;border-radius:4px;padding:8px;break-inside:avoid}
figcaption{font-size:13px;font-weight:bold;margin-bottom:2px}
figcaption span{display:block;font-weight:normal;color:#555;font-size:12px}
table{border-collapse:collapse;font-size:12.5px;margin-bottom:6px}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f3f3f3}
td.good{color:#1d6b2f}td.bad{color:#a52a1a;font-weight:bold}
p.note{font-size:12px;color:#555;max-width:900px}
.legend{font-size:12px;color:#444;margin:4px 0 10px}
.legend i{display:inline-block;width:18px;height:3px;vertical-align:middle;margin:0 4px 0 12px}
@media print{body{margin:10mm}}
"""


def html_page(trend: Trend, unit: UnitSeries | None = None) -> str:
    who = f"{unit.name} ({unit.hsa_id})" if unit else "Länet"
    sources = ", ".join(f"{y}: {escape(trend.sources[y])}" for y in trend.years)
    parts = [
        "<!DOCTYPE html>", '<html lang="sv"><head><meta charset="utf-8">',
        f"<title>Trend {years_text(trend)} – {escape(who)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Trend {years_text(trend)}: {escape(who)}</h1>",
        f'<p class="lead">{len(trend.units)} enheter; årsbokslut {sources}.</p>',
        "<h2>Indikatorer över åren</h2>",
        '<div class="legend">'
        f'<i style="background:{COUNTY}"></i>länets medelvärde'
        f'<i style="background:{BAND};height:10px"></i>lägsta–högsta enhet'
        + (f'<i style="background:{UNIT}"></i>{escape(unit.name)}' if unit else "") + "</div>",
        '<div class="charts">',
    ]
    for ind in trend.indicators:
        parts.append(_figure(trend, ind, unit))
    parts.append("</div>")
    for view in all_views(trend, unit):
        parts.append(_table(view))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _figure(trend: Trend, ind: IndicatorDef, unit: UnitSeries | None) -> str:
    caption = escape(ind.label) + (f"<span>{escape(ind.rule_title)}</span>" if ind.rule_title else "")
    return f"<figure><figcaption>{caption}</figcaption>{chart(trend, ind, unit)}</figure>"


def chart(trend: Trend, ind: IndicatorDef, unit: UnitSeries | None = None) -> str:
    """A line chart of the indicator over the years as an SVG element."""
    ys = trend.years
    stats = [trend.county(ind.key, y) for y in ys]
    mean = [s["mean"] for s in stats]
    lows = [s["min"] for s in stats]
    highs = [s["max"] for s in stats]
    own = [unit.value(ind.key, y) for y in ys] if unit else []
    known = [v for v in [*mean, *lows, *highs, *own] if v is not None]
    lo, hi = (min(known), max(known)) if known else (0.0, 1.0)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    pad = (hi - lo) * 0.08
    lo, hi = lo - pad, hi + pad
    if ind.is_percent:
        lo, hi = max(0.0, lo), min(100.0, hi)
    inset = 22  # the first and last point clear of the scale and the edge
    pw, ph = W - LEFT - RIGHT - 2 * inset, H - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + inset + (pw / 2 if len(ys) == 1 else pw * i / (len(ys) - 1))

    def y(v: float) -> float:
        return TOP + ph * (1 - (v - lo) / (hi - lo))

    d = decimals(ind)
    label = escape(f"{ind.label}: länets medelvärde " + ", ".join(
        f"{yr} {format_number(round(m, d), d) if m is not None else 'uppgift saknas'}"
        for yr, m in zip(ys, mean)))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'viewBox="0 0 {W} {H}" role="img" aria-label="{label}"><title>{label}</title>']
    for k in range(3):  # grid lines and the scale
        v = lo + (hi - lo) * k / 2
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                   'stroke="#e5e5e5"/>')
        out.append(f'<text x="{LEFT - 4}" y="{y(v) + 4:.1f}" font-size="10" text-anchor="end" '
                   f'fill="#666">{escape(format_number(round(v, d), d))}</text>')
    for i, yr in enumerate(ys):
        out.append(f'<text x="{x(i):.1f}" y="{H - 8}" font-size="11" text-anchor="middle" '
                   f'fill="#444">{yr}</text>')
    band = [(i, lo_, hi_) for i, (lo_, hi_) in enumerate(zip(lows, highs)) if lo_ is not None]
    if len(band) > 1:
        pts = [f"{x(i):.1f},{y(h):.1f}" for i, _, h in band] + \
              [f"{x(i):.1f},{y(lv):.1f}" for i, lv, _ in reversed(band)]
        out.append(f'<polygon points="{" ".join(pts)}" fill="{BAND}" opacity="0.7"/>')
    out += _line(mean, x, y, COUNTY, d, own)
    if unit:
        out += _line(own, x, y, UNIT, d, mean, dashed=True, ties_below=True)
    out.append("</svg>")
    return "".join(out)


def _line(values, x, y, colour: str, d: int, other: list, dashed: bool = False,
          ties_below: bool = False) -> list[str]:
    """A series as a line with its values written beside the points: below a point where the
    other line lies above it, so that the two lines' labels do not overlap."""
    pts = [(i, v) for i, v in enumerate(values) if v is not None]
    out = []
    if len(pts) > 1:
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        out.append(f'<polyline points="{" ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in pts)}" '
                   f'fill="none" stroke="{colour}" stroke-width="2.2"{dash}/>')
    for i, v in pts:
        out.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.2" fill="{colour}"/>')
        o = other[i] if i < len(other) else None
        below = o is not None and (v < o or (ties_below and v == o))
        ty = y(v) + 14 if below else y(v) - 7
        out.append(f'<text x="{x(i):.1f}" y="{ty:.1f}" font-size="10" text-anchor="middle" '
                   f'fill="{colour}">{escape(format_number(round(v, d), d))}</text>')
    return out


def _table(view: View) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in view.headers)
    rows = []
    for row in view.rows:
        cells = "".join(f'<td class="{c.tone}">{escape(c.text)}</td>' if c.tone
                        else f"<td>{escape(c.text)}</td>" for c in row)
        rows.append(f"<tr>{cells}</tr>")
    note = f'<p class="note">{escape(view.note)}</p>' if view.note else ""
    return (f"<h2>{escape(view.title)}</h2><table><thead><tr>{head}</tr></thead><tbody>"
            + "".join(rows) + f"</tbody></table>{note}")

