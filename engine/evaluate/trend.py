"""Trends across years: each unit's indicators and krav over the years, the county's figure per
year, continuity and accessibility against the unit's own baseline, units ranked against the
county median.

Input is one folder (or survey export, or filled-in template) per year; the year is the period
of its årsbokslut. Units are matched across years by HSA-id (the name may change).

How things are matched across years (the choices, written down):
- A krav (any rule) is matched by its rule id; its title is the newest year's.
- An indicator is a numbered form question that holds a rate or an index (type percent, or
  unit index), matched by its field path: the forms of 2021 and 2022 extend the 2023 form, so
  the paths are the same. A field a year's form lacks is "uppgift saknas" that year, never a
  guess. The form's `<field>_foregaende_ar` questions are the unit's own value of the year
  before (the baseline of 2.3.6/2.3.7), not indicators of their own.
- An indicator computed by the rulebook (a rule comparing a measure, e.g. andel
  distriktssköterskor) is matched by the rule id, its value being the rule's observed number.
- The county figure of an indicator is the unweighted mean of the units' values (as the
  region's sammanställning reads, seed 004: "medelvärdet", DQ20), with min, median and max.
- Direction (is higher better?) comes from the rule that judges the indicator (`>=`: higher;
  `<`: lower); an indicator no rule judges is not ranked.
"""

from __future__ import annotations

import statistics
import unicodedata
from dataclasses import dataclass, field

from engine.errors import InputError
from engine.model.form import get_form
from engine.model.library import LoadedRulebook
from engine.model.rulebook import Rule, Rulebook
from engine.model.rulebook_refs import walk_expr
from engine.model.submission import read_path
from engine.read.names import name_key

from .evaluation import check, load_submission

BASELINE_SUFFIX = "_foregaende_ar"  # the form's field for the unit's own value the year before
MET = ("pass", "waived")


@dataclass(frozen=True)
class IndicatorDef:
    key: str  # field path, or rule id for a rulebook measure
    label: str  # "2.4.10 Tillgänglighet 0:an"
    unit: str  # "procent" or "index" (or the measure's unit)
    rule_id: str | None = None  # the rule that judges it (newest year)
    rule_title: str | None = None
    direction: int = 0  # +1 higher is better, -1 lower is better, 0 unknown (not ranked)
    baseline: str | None = None  # "kontinuitet" or "tillgänglighet": shown against the baseline
    target_change: float | None = None  # % increase the rulebook asks against the year before

    @property
    def is_percent(self) -> bool:
        return self.unit == "procent"


@dataclass(frozen=True)
class RuleDef:
    rule_id: str
    title: str
    kind: str
    area: str


@dataclass
class UnitYear:
    path: str
    name: str
    values: dict[str, float | None]  # indicator key -> value
    reported_before: dict[str, float | None]  # indicator key -> the unit's own value a year before
    outcomes: dict[str, str]  # rule id -> outcome


@dataclass
class UnitSeries:
    hsa_id: str
    name: str  # as in the newest year the unit reported
    years: dict[int, UnitYear] = field(default_factory=dict)

    def value(self, key: str, year: int) -> float | None:
        uy = self.years.get(year)
        return uy.values.get(key) if uy else None


@dataclass
class Trend:
    years: list[int]
    sources: dict[int, str]  # year -> the folder or file given
    rulebooks: dict[int, str]  # year -> rulebook id
    indicators: list[IndicatorDef]
    rules: list[RuleDef]
    units: list[UnitSeries]  # ordered by name

    # --- the county ---------------------------------------------------------------------------

    def values(self, key: str, year: int) -> list[float]:
        return [v for u in self.units if (v := u.value(key, year)) is not None]

    def county(self, key: str, year: int) -> dict:
        xs = self.values(key, year)
        if not xs:
            return {"n": 0, "mean": None, "median": None, "min": None, "max": None}
        return {"n": len(xs), "mean": round(statistics.fmean(xs), 6),
                "median": statistics.median(xs), "min": min(xs), "max": max(xs)}

    def rule_counts(self, rule_id: str, year: int) -> dict:
        """How many units meet the rule that year, of those it applies to."""
        outcomes = [uy.outcomes[rule_id] for u in self.units
                    if (uy := u.years.get(year)) and rule_id in uy.outcomes]
        in_scope = [o for o in outcomes if o != "not_applicable"]
        out = {"met": sum(o in MET for o in in_scope), "in_scope": len(in_scope),
               "checked": bool(outcomes)}
        observed = sum(o == "observation" for o in in_scope)
        if observed:  # values against a proposed level: counted, never "met" or not
            out["observed"] = observed
        return out

    # --- a unit against its own baseline -----------------------------------------------------

    def baseline(self, unit: UnitSeries, ind: IndicatorDef) -> dict | None:
        """The unit's first value in the series, its latest, and each year's change against
        the year before (the submitted value that year, else the one the unit reported)."""
        present = [(y, v) for y in self.years if (v := unit.value(ind.key, y)) is not None]
        if not present:
            return None
        (y0, v0), (y1, v1) = present[0], present[-1]
        steps = []
        for y in self.years:
            v = unit.value(ind.key, y)
            if v is None:
                continue
            before = unit.value(ind.key, y - 1)
            if before is None and (uy := unit.years.get(y)):
                before = uy.reported_before.get(ind.key)
            rel = change_percent(before, v)
            steps.append({"year": y, "value": v, "before": before, "change": _diff(before, v),
                          "change_percent": rel,
                          "target_met": (None if ind.target_change is None or rel is None
                                         else rel >= ind.target_change)})
        return {"first_year": y0, "first": v0, "last_year": y1, "last": v1,
                "change": _diff(v0, v1), "change_percent": change_percent(v0, v1), "steps": steps}

    # --- units against the county median ------------------------------------------------------

    def ranking(self, ind: IndicatorDef, year: int) -> list[dict]:
        """Units with a value that year, best first (ties share a rank), against the median."""
        median = self.county(ind.key, year)["median"]
        rows = [(u, v) for u in self.units if (v := u.value(ind.key, year)) is not None]
        sign = ind.direction or 1
        rows.sort(key=lambda r: (-sign * r[1], r[0].name))
        out, rank, last = [], 0, None
        for i, (u, v) in enumerate(rows):
            if v != last:
                rank, last = i + 1, v
            diff = _diff(median, v)
            better = None if not ind.direction or diff == 0 else (diff * ind.direction > 0)
            out.append({"rank": rank, "of": len(rows), "hsa_id": u.hsa_id, "unit": u.name,
                        "value": v, "median": median, "vs_median": diff, "better": better})
        return out

    def standing(self, year: int) -> list[dict]:
        """Per unit: for how many ranked indicators it is better, and worse, than the median."""
        ranked = [i for i in self.indicators if i.direction]
        counts = {u.hsa_id: {"better": 0, "worse": 0, "at": 0} for u in self.units}
        for ind in ranked:
            for r in self.ranking(ind, year):
                key = "at" if r["better"] is None else ("better" if r["better"] else "worse")
                counts[r["hsa_id"]][key] += 1
        rows = [{"hsa_id": u.hsa_id, "unit": u.name, **counts[u.hsa_id]}
                for u in self.units if year in u.years]
        rows.sort(key=lambda r: (-(r["better"] - r["worse"]), r["unit"]))
        return rows

    def unit(self, wanted: str) -> UnitSeries:
        """The unit named by HSA-id or name (as written, or without "Hälsocentralen")."""
        key = _plain(wanted)
        for u in self.units:
            names = {u.hsa_id, u.name, *(uy.name for uy in u.years.values())}
            keys = {_plain(n) for n in names}
            keys |= {k.removeprefix("halsocentralen ").strip() for k in keys}
            if key in keys:
                return u
        known = ", ".join(u.name for u in self.units[:5]) + (" …" if len(self.units) > 5 else "")
        raise InputError.single(None, f"--enhet: ingen enhet med namn eller HSA-id '{wanted}' "
                                f"finns i något av åren {', '.join(map(str, self.years))} "
                                f"(t.ex. {known})")


def _plain(name: str) -> str:
    """A name as typed on a command line: case, spacing and diacritics (å, ä, ö) ignored."""
    text = unicodedata.normalize("NFKD", name_key(name))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def change_percent(before: float | None, after: float | None) -> float | None:
    """The change in per cent of the earlier value (the +20 % of 2.3.6/2.3.7)."""
    if before is None or after is None or before == 0:
        return None
    return round((after - before) / before * 100, 6)


def _diff(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else round(after - before, 6)


# --- building a trend from folders -----------------------------------------------------------

@dataclass
class _Checked:
    path: str
    sub: object
    result: object


def build(inputs: list[tuple[str, list[str]]], books: list[LoadedRulebook],
          registered: dict[str, tuple[str, str]] | None = None) -> Trend:
    """Check every submission of every input (a folder or export, one per year, with the
    submission paths it holds) and line the years up. `registered` (path -> (sha256, why it
    is refused otherwise)) names files that must still be the very content a ledger recorded."""
    by_year: dict[int, list[_Checked]] = {}
    sources: dict[int, str] = {}
    for source, paths in inputs:
        checked = [_check(p, books, (registered or {}).get(p)) for p in paths]
        periods = sorted({c.sub.model.period for c in checked})
        if len(periods) > 1:
            raise InputError.single(source, "innehåller årsbokslut för flera år ("
                                    + ", ".join(map(str, periods)) + "); ange en mapp per år",
                                    "period")
        year = periods[0]
        if year in sources:
            raise InputError.single(source, f"är år {year}, som {sources[year]} redan är; ange "
                                    "en mapp per år", "period")
        sources[year] = source
        by_year[year] = checked
    years = sorted(by_year)
    units: dict[str, UnitSeries] = {}
    year_books: dict[int, Rulebook] = {}
    forms: dict[int, list] = {}
    for year in years:
        for c in by_year[year]:
            year_books.setdefault(year, c.result.rulebook.model)
            form = get_form(c.sub.model.formular).form
            if form.id not in {f.id for f in forms.get(year, [])}:
                forms.setdefault(year, []).append(form)
    indicators = _indicators(years, forms, year_books)
    for year in years:
        for c in by_year[year]:
            model = c.sub.model
            hsa = model.enhet.hsa_id
            series = units.setdefault(hsa, UnitSeries(hsa, model.enhet.namn))
            if year in series.years:
                raise InputError.single(c.path, f"enheten {hsa} finns två gånger år {year} "
                                        f"(också i {series.years[year].path})", "enhet.hsa_id")
            series.name = model.enhet.namn
            by_rule = {f.rule_id: f for f in c.result.findings}
            values, before = {}, {}
            for ind in indicators:
                if ind.key in by_rule:
                    values[ind.key] = _number(by_rule[ind.key].observed)
                else:
                    values[ind.key] = _number(read_path(model, ind.key))
                    before[ind.key] = _number(read_path(model, ind.key + BASELINE_SUFFIX))
            series.years[year] = UnitYear(c.path, model.enhet.namn, values, before,
                                          {f.rule_id: f.outcome for f in c.result.findings})
    rules: dict[str, RuleDef] = {}
    for year in years:  # the newest year's title wins
        for r in year_books[year].rules:
            rules[r.id] = RuleDef(r.id, r.title, r.kind, r.area)
    order = {r.id: i for i, r in enumerate(year_books[years[-1]].rules)}
    return Trend(years, sources, {y: b.id for y, b in year_books.items()}, indicators,
                 sorted(rules.values(), key=lambda r: (order.get(r.rule_id, len(order)), r.rule_id)),
                 sorted(units.values(), key=lambda u: (u.name.casefold(), u.hsa_id)))


def _check(path: str, books: list[LoadedRulebook],
           registered: tuple[str, str] | None = None) -> _Checked:
    sub = load_submission(path)
    if registered is not None and sub.sha256 != registered[0]:
        raise InputError.single(path, registered[1])
    return _Checked(path, sub, check(sub, books))


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _questions(qs):
    for q in qs:
        if q.items:
            continue  # a list of items (e.g. vacancies) is no indicator
        yield q


def _indicators(years: list[int], forms: dict[int, list], books: dict[int, Rulebook]) -> list[IndicatorDef]:
    """The indicators of the newest form first (in its order), then fields only older forms ask,
    then the rulebook's measures."""
    seen: dict[str, object] = {}
    for year in reversed(years):
        for form in forms[year]:
            fields = {q.field for q in form.questions}
            for q in _questions(form.questions):
                if q.field in seen or q.number is None:
                    continue
                is_rate = q.type == "percent" or (q.type == "number" and q.unit == "index")
                baseline_of = q.field.endswith(BASELINE_SUFFIX) and \
                    q.field.removesuffix(BASELINE_SUFFIX) in fields
                if is_rate and not baseline_of:
                    seen[q.field] = q
    newest = books[years[-1]]
    out = []
    for path, q in seen.items():
        rule, target = _judging_rule(newest, path)
        baseline = None
        if any(path + BASELINE_SUFFIX == q2.field for f in forms[years[-1]] for q2 in f.questions):
            baseline = "kontinuitet"
        elif rule is not None and rule.kind == "lag":
            baseline = "tillgänglighet"
        out.append(IndicatorDef(
            path, f"{q.number} {q.label or q.text}", "procent" if q.type == "percent" else "index",
            rule.id if rule else None, rule.title if rule else None, _direction(rule),
            baseline, target if baseline == "kontinuitet" else None))
    for year in reversed(years):
        book = books[year]
        for rule in book.rules:
            cmp = rule.check.compare
            if cmp is None or cmp.left.measure is None or any(i.key == rule.id for i in out):
                continue
            measure = book.measures[cmp.left.measure]
            if _reads_baseline(measure.formula):
                continue  # a change against the year before: shown in the baseline view
            out.append(IndicatorDef(rule.id, f"{rule.question + ' ' if rule.question else ''}"
                                    f"{measure.title}", measure.unit or "", rule.id, rule.title,
                                    _direction(rule)))
    return out


def _fields(expr) -> list[str]:
    return [e.field for e, _ in walk_expr(expr, ()) if e.field]


def _reads_baseline(expr) -> bool:
    return any(f.endswith(BASELINE_SUFFIX) for f in _fields(expr)) or any(
        e.previous for e, _ in walk_expr(expr, ()))


def _judging_rule(book: Rulebook, path: str) -> tuple[Rule | None, float | None]:
    """The rule that compares the field, directly or through a measure, and the level it asks
    (a parameter's value) when that is a change against the year before."""
    for rule in book.rules:
        cmp = rule.check.compare
        if cmp is None:
            continue
        if cmp.left.field == path:
            return rule, None
        if cmp.left.measure and path in _fields(book.measures[cmp.left.measure].formula):
            target = None
            if cmp.right.param and _reads_baseline(book.measures[cmp.left.measure].formula):
                target = float(book.parameters[cmp.right.param].value)
            return rule, target
    return None, None


def _direction(rule: Rule | None) -> int:
    if rule is None or rule.check.compare is None:
        return 0
    return {">=": 1, ">": 1, "<=": -1, "<": -1}.get(rule.check.compare.op, 0)
