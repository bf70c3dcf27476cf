"""The views of `kravkoll trend` as plain tables, shared by the terminal, HTML and xlsx outputs:
the county's indicators and krav per year, each unit against its own baseline, the units ranked
against the county median and, for one unit (--enhet), its own figures beside the county's.

A cell carries the text a person reads and, where there is one, the number (for xlsx)."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.evaluate.findings import OUTCOME_LABELS
from engine.evaluate.trend import IndicatorDef, Trend, UnitSeries
from engine.model.rulebook import KIND_LABELS
from engine.read.numbers import format_number

MINUS = "−"


@dataclass(frozen=True)
class Cell:
    text: str
    value: float | int | None = None
    tone: str = ""  # "good", "bad" or "": how a renderer may colour it


@dataclass
class View:
    key: str  # sheet name (at most 31 characters)
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""


def decimals(ind: IndicatorDef) -> int:
    return 1 if ind.is_percent else 2


def shown(ind: IndicatorDef, value: float | None) -> Cell:
    if value is None:
        return Cell("–")
    return Cell(format_number(round(value, decimals(ind)), decimals(ind))
                + (" %" if ind.is_percent else ""), value)


def change(ind: IndicatorDef, diff: float | None) -> Cell:
    """+3,0 procentenheter; an index in hundredths as the seed writes it ("motsvarande 5
    procentenheter" for 0,05): −0,05."""
    if diff is None:
        return Cell("–")
    d = decimals(ind)
    text = format_number(abs(round(diff, d)), d)
    sign = "+" if round(diff, d) > 0 else (MINUS if round(diff, d) < 0 else "±")
    unit = " p.e." if ind.is_percent else ""
    tone = "" if not ind.direction or round(diff, d) == 0 else (
        "good" if diff * ind.direction > 0 else "bad")
    return Cell(f"{sign}{text}{unit}", round(diff, 6), tone)


def percent_change(value: float | None) -> Cell:
    if value is None:
        return Cell("–")
    sign = "+" if round(value, 1) > 0 else (MINUS if round(value, 1) < 0 else "±")
    return Cell(f"{sign}{format_number(abs(round(value, 1)), 1)} %", round(value, 6))


def counted(n: int) -> Cell:
    """A count: its digits, and the number for sorting and spreadsheets."""
    return Cell(str(n), n)


def years_text(trend: Trend) -> str:
    return f"{trend.years[0]}–{trend.years[-1]}" if len(trend.years) > 1 else str(trend.years[0])


# --- the county --------------------------------------------------------------------------------

def county_indicators(trend: Trend) -> View:
    ys = trend.years
    headers = ["indikator", *map(str, ys)]
    if len(ys) > 1:
        headers.append(f"förändring {ys[-2]}–{ys[-1]}")
    if len(ys) > 2:
        headers.append(f"förändring {ys[0]}–{ys[-1]}")
    headers.append(f"spridning {ys[-1]}")
    view = View("Län indikatorer", f"Länet: indikatorer {years_text(trend)} (medelvärde av "
                "enheterna)", headers)
    for ind in trend.indicators:
        means = [trend.county(ind.key, y)["mean"] for y in ys]
        last = trend.county(ind.key, ys[-1])
        row = [Cell(ind.label), *[shown(ind, m) for m in means]]
        if len(ys) > 1:
            row.append(change(ind, _d(means[-2], means[-1])))
        if len(ys) > 2:
            row.append(change(ind, _d(means[0], means[-1])))
        row.append(Cell(f"{shown(ind, last['min']).text} – {shown(ind, last['max']).text}")
                   if last["n"] else Cell("–"))
        view.rows.append(row)
    view.note = ("Länets värde är det ovägda medelvärdet av enheternas värden. Förändring i "
                 "procentenheter (p.e.) för andelar, i indexenheter för kontinuitetsindex.")
    return view


def county_rules(trend: Trend) -> View:
    view = View("Län krav", f"Länet: krav och riktlinjer {years_text(trend)} (antal enheter som uppfyller)",
                ["regel", "typ", *map(str, trend.years)])
    for r in trend.rules:
        cells = []
        for y in trend.years:
            c = trend.rule_counts(r.rule_id, y)
            if not c["checked"]:
                cells.append(Cell("gällde inte"))
            elif not c["in_scope"]:
                cells.append(Cell("ingen enhet"))
            elif c.get("observed"):  # the level is a proposal: values for the dialogue
                cells.append(Cell(f"{c['observed']} värden (nivån är ett förslag)"))
            else:
                cells.append(Cell(f"{c['met']} av {c['in_scope']}", c["met"],
                                  "good" if c["met"] == c["in_scope"] else "bad"))
        view.rows.append([Cell(r.title), Cell(KIND_LABELS.get(r.kind, r.kind)), *cells])
    return view


def baseline(trend: Trend, units: list[UnitSeries]) -> View:
    ys = trend.years
    view = View("Baslinje", "Kontinuitet och tillgänglighet mot enhetens egen baslinje",
                ["enhet", "indikator", "baslinje", *map(str, ys), "förändring mot baslinjen",
                 "förändring i %", f"mot året före, {ys[-1]}", "målet +20 %"])
    for u in units:
        for ind in trend.indicators:
            if not ind.baseline:
                continue
            b = trend.baseline(u, ind)
            if b is None:
                continue
            last = b["steps"][-1]
            met = last["target_met"]
            view.rows.append([
                Cell(u.name), Cell(ind.label), Cell(str(b["first_year"])),
                *[shown(ind, u.value(ind.key, y)) for y in ys],
                change(ind, b["change"]), percent_change(b["change_percent"]),
                percent_change(last["change_percent"]),
                Cell("–" if met is None else ("nått" if met else "inte nått"), None,
                     "" if met is None else ("good" if met else "bad"))])
    view.note = ("Baslinjen är enhetens första år i serien. Målet (2.3.6/2.3.7, JHV-MAL-07/08) är "
                 "en ökning av kontinuitetsindex med minst 20 % mot enhetens värde året före; "
                 "året före är det årsbokslutet enheten lämnade då, annars värdet den själv angav.")
    return view


def baseline_summary(trend: Trend) -> View:
    """Per baseline indicator: how many units reach the target, how many rose since baseline."""
    y = trend.years[-1]
    view = View("Baslinje länet", f"Kontinuitet och tillgänglighet mot enheternas baslinje, {y}",
                ["indikator", "enheter", "ökat mot baslinjen", "minskat mot baslinjen",
                 "nått målet +20 % mot året före"])
    for ind in trend.indicators:
        if not ind.baseline:
            continue
        rows = [b for u in trend.units if (b := trend.baseline(u, ind)) and b["last_year"] == y]
        up = sum(1 for b in rows if (b["change"] or 0) > 0)
        down = sum(1 for b in rows if (b["change"] or 0) < 0)
        met = [b["steps"][-1]["target_met"] for b in rows]
        view.rows.append([Cell(ind.label), counted(len(rows)),
                          counted(up), counted(down),
                          Cell("–") if ind.target_change is None else
                          Cell(f"{sum(1 for m in met if m)} av {sum(1 for m in met if m is not None)}",
                               sum(1 for m in met if m))])
    return view


def standing(trend: Trend) -> View:
    y = trend.years[-1]
    ranked = [i for i in trend.indicators if i.direction]
    view = View("Rangordning", f"Enheterna mot länets median {y} ({len(ranked)} indikatorer med riktning)",
                ["plats", "enhet", "bättre än medianen", "sämre än medianen", "lika med medianen"])
    rank, last = 0, None
    for i, r in enumerate(trend.standing(y)):
        score = r["better"] - r["worse"]
        if score != last:
            rank, last = i + 1, score
        view.rows.append([counted(rank), Cell(r["unit"]), counted(r["better"]),
                          counted(r["worse"]), counted(r["at"])])
    view.note = ("Rangordnat efter antal indikatorer där enheten är bättre än länets median minus "
                 "antal där den är sämre. Bara indikatorer som en regel bedömer har en riktning "
                 "(högre eller lägre är bättre).")
    return view


def rankings(trend: Trend) -> View:
    y = trend.years[-1]
    view = View("Rangordning per indikator", f"Rangordning per indikator {y}",
                ["indikator", "plats", "enhet", "värde", "länets median", "mot medianen"])
    for ind in trend.indicators:
        if not ind.direction:
            continue
        for r in trend.ranking(ind, y):
            view.rows.append([Cell(ind.label), Cell(f"{r['rank']} av {r['of']}", r["rank"]),
                              Cell(r["unit"]), shown(ind, r["value"]), shown(ind, r["median"]),
                              change(ind, r["vs_median"])])
    return view


# --- one unit -----------------------------------------------------------------------------------

def unit_indicators(trend: Trend, u: UnitSeries) -> View:
    ys = trend.years
    y = ys[-1]
    view = View("Enhet indikatorer", f"{u.name} ({u.hsa_id}): indikatorer {years_text(trend)}",
                ["indikator", *map(str, ys), f"länet {y}", f"mot medianen {y}", f"plats {y}"])
    for ind in trend.indicators:
        place = next((r for r in trend.ranking(ind, y) if r["hsa_id"] == u.hsa_id), None)
        view.rows.append([
            Cell(ind.label), *[shown(ind, u.value(ind.key, yr)) for yr in ys],
            shown(ind, trend.county(ind.key, y)["mean"]),
            change(ind, place["vs_median"]) if place else Cell("–"),
            Cell(f"{place['rank']} av {place['of']}", place["rank"]) if place and ind.direction
            else Cell("–")])
    return view


def unit_rules(trend: Trend, u: UnitSeries) -> View:
    view = View("Enhet krav", f"{u.name}: krav och riktlinjer {years_text(trend)}",
                ["regel", "typ", *map(str, trend.years)])
    for r in trend.rules:
        cells = []
        for y in trend.years:
            uy = u.years.get(y)
            if uy is None:
                cells.append(Cell("inget årsbokslut"))
            elif r.rule_id not in uy.outcomes:
                cells.append(Cell("gällde inte"))
            else:
                o = uy.outcomes[r.rule_id]
                cells.append(Cell(OUTCOME_LABELS[o], None, "good" if o in ("pass", "waived") else (
                    "bad" if o in ("fail", "partial", "missing") else "")))
        view.rows.append([Cell(r.title), Cell(KIND_LABELS.get(r.kind, r.kind)), *cells])
    return view


def all_views(trend: Trend, unit: UnitSeries | None = None) -> list[View]:
    if unit is not None:
        return [unit_indicators(trend, unit), unit_rules(trend, unit), baseline(trend, [unit]),
                county_indicators(trend)]
    return [county_indicators(trend), county_rules(trend), baseline_summary(trend),
            baseline(trend, trend.units), standing(trend), rankings(trend)]


def _d(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else b - a
