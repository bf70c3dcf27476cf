"""`kravkoll trend` in the terminal: one rich table per view (the long per-unit tables only for
one unit, --enhet; the county gets its summaries)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from engine.evaluate.trend import Trend, UnitSeries

from .trend_views import View, all_views, baseline_summary, county_indicators, county_rules, standing

STYLES = {"good": "green", "bad": "red", "": ""}


def draw(trend: Trend, console: Console, unit: UnitSeries | None = None) -> None:
    sources = ", ".join(f"{y}: {trend.sources[y]}" for y in trend.years)
    console.print(Text(f"Trend {trend.years[0]}–{trend.years[-1]} ({sources})", style="bold"))
    if unit is not None:
        views = all_views(trend, unit)[:3]
    else:
        views = [county_indicators(trend), county_rules(trend), baseline_summary(trend), standing(trend)]
    for view in views:
        _table(view, console)
    if unit is None:
        console.print(Text("Varje enhet: --enhet NAMN eller HSA-id; alla tabeller: --format xlsx "
                           "eller html.", style="dim"))


def _table(view: View, console: Console) -> None:
    table = Table(title=view.title, title_justify="left", show_lines=False, expand=False)
    for i, h in enumerate(view.headers):
        text = all(row[i].value is None and row[i].text != "–" for row in view.rows)
        table.add_column(h, justify="left" if text else "right", overflow="fold")
    for row in view.rows:
        table.add_row(*[Text(c.text, style=STYLES[c.tone]) for c in row])
    console.print(table)
    if view.note:
        console.print(Text(view.note, style="dim"))
    console.print()
