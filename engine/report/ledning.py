"""`--format ledning`: the county's year on at most four A4 pages, for leadership.

A written summary generated from the figures (in the style of the county's own "Sammanfattning":
"Samtliga hälsocentraler uppfyller …; två … har ombetts skriva handlingsplan"), the krav with how
many units meet them, the indicators against their levels with the county's spread, open demands
and vite from the kravliggare (when given), and the change since the year before (when given).

Readers are not engine users: rules are named by their titles, never by id; no field paths,
hashes or source line numbers. Counts are of units per rule, never of findings. The CSS is the
subset both Chromium and xhtml2pdf (engine/report/pdf.py) understand: tables, no flex, no CSS
variables, no SVG, and the embedded Source Sans Pro family (engine/report/pdf.py) for å, ä, ö and
the Sami letters.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html import escape

from engine import ENGINE_NAME, __version__
from engine.evaluate.batch import Indicator, RulebookOverview, Summary
from engine.followup.lifecycle import STATUS_LABELS, kind_of
from engine.model.rulebook import OP_WORDS
from engine.read.numbers import format_number
from engine.read.text_rules import shown

from .words import capital, count, listing, noun, number

NAMED_UNITS_MAX = 4  # more units than this are counted in a sentence, not named
LEDGER_ROWS_MAX = 25  # more open demands than this are summed up (the full list: demands list)
INDICATOR_SENTENCES = 3  # the indicators furthest from their level get a sentence each
CHANGE_SENTENCES = 4  # the largest changes since the year before get a sentence each
KRAV_KINDS = ("krav", "forslag")
OTHER_KINDS = ("riktlinje", "malniva", "lag")
KIND_NAMES = {"riktlinje": "riktlinje", "malniva": "målnivå", "lag": "lagkrav",
              "krav": "krav", "forslag": "förslag till krav"}
# how a unit meets a rule of each kind, in the sentences and the tables
KIND_PASSIVE = {"riktlinje": "följs", "malniva": "nås", "lag": "uppfylls", "krav": "uppfylls",
                "forslag": "uppfylls"}

CSS = """
@page { size: A4; margin: 14mm 14mm 14mm 14mm; }
body { font-family: SourceSansPro, "Source Sans Pro", "DejaVu Sans", Arial, sans-serif; font-size: 9pt;
  line-height: 1.35; color: #1d1d1f; margin: 0; }
h1 { font-size: 16pt; margin: 0 0 1mm 0; }
h2 { font-size: 11.5pt; margin: 5mm 0 1.5mm 0; padding-bottom: 0.5mm;
  border-bottom: 1px solid #1d1d1f; }
h3 { font-size: 10pt; margin: 3mm 0 1mm 0; }
p { margin: 0 0 2mm 0; }
.meta, .note { color: #5f6368; font-size: 8pt; }
.summary p { font-size: 10pt; line-height: 1.45; }
table { border-collapse: collapse; width: 100%; margin: 0 0 2mm 0; }
th, td { text-align: left; vertical-align: top; padding: 0.8mm 1.2mm; border-bottom: 0.5px solid #d9d9de; }
th { font-size: 7.5pt; color: #5f6368; font-weight: normal; border-bottom: 1px solid #1d1d1f; }
td.n, th.n { text-align: right; white-space: nowrap; }
td.bad { color: #c62828; font-weight: bold; }
td.good { color: #2e7d32; }
tr { page-break-inside: avoid; break-inside: avoid; }
h2, h3 { page-break-after: avoid; break-after: avoid; }
@media screen { body { max-width: 182mm; margin: 0 auto; padding: 8mm; } }
"""


# --- inputs besides the county's own summary ---------------------------------------------------

@dataclass(frozen=True)
class LedgerFacts:
    """The kravliggare as of a date: every demand's view (views.views), read by the CLI."""

    as_of: dt.date
    views: list


@dataclass(frozen=True)
class Previous:
    """The year before: the county summary of the previous folder."""

    summary: Summary

    @property
    def period(self) -> int:
        return max(r.period for r in self.summary.rows)

    def overview_for(self, ov: RulebookOverview) -> RulebookOverview | None:
        """The previous year's overview of the same region (rules matched by id)."""
        same = [o for o in self.summary.overviews() if o.book.model.region == ov.book.model.region]
        return same[0] if same else None


@dataclass(frozen=True)
class Then:
    """One rule in the year before: how many units met it, and the median of its values."""

    met: int
    in_scope: int
    median: float | None


def previous_figures(prev: RulebookOverview | None) -> dict[str, Then]:
    if prev is None:
        return {}
    out = {}
    for i, s in enumerate(prev.rules):
        values = [r.values[i] for r in prev.rows
                  if r.values[i] is not None and r.outcomes[i] != "not_applicable"]
        out[s.rule.id] = Then(s.met, s.in_scope, statistics.median(values) if values else None)
    return out


# --- numbers as people read them ----------------------------------------------------------------

def num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    v = round(value, 1)
    text = format_number(int(abs(v))) if float(v).is_integer() else format_number(abs(v), 1)
    text = ("−" if v < 0 else "") + text  # a real minus sign, as in print
    return f"{text}\u00a0%" if unit == "procent" else text  # "50 %" never split over lines


def points(delta: float) -> str:
    """'3 procentenheter', '1 procentenhet', '1,5 procentenheter'."""
    v = round(abs(delta), 1)
    word = "procentenhet" if v == 1 else "procentenheter"
    return f"{num(v)} {word}"


def kr(amount: int) -> str:
    return f"{format_number(amount)} kr"


def quoted(title: str) -> str:
    return f"»{title}«"


def units_text(n: int, names: list[str]) -> str:
    """'två hälsocentraler (A och B)', or just the count when there are many."""
    text = count(n, "hälsocentral")
    if names and len(names) <= NAMED_UNITS_MAX:
        text += f" ({listing(names)})"
    return text


# --- the summary in words -----------------------------------------------------------------------

def _all_units(n: int) -> str:
    if n == 1:
        return "Hälsocentralen"
    if n == 2:
        return "Båda hälsocentralerna"
    return f"Samtliga {n} hälsocentraler"


def _short_units(ov: RulebookOverview, index: int, outcomes: tuple[str, ...]) -> list[str]:
    return [r.unit for r in ov.rows if r.outcomes[index] in outcomes]


def _asked(facts: LedgerFacts | None, ov: RulebookOverview, rule_id: str, units: list[str]) -> int:
    """How many of these units the kravliggare has asked about this rule: a demand for this
    year, or one from an earlier year that is still open (the same shortfall followed up)."""
    if facts is None:
        return 0
    period = max(r.period for r in ov.rows)
    hsa = {r.hsa_id for r in ov.rows if r.unit in units}
    return len({v.demand.hsa_id for v in facts.views
                if v.demand.rule_id == rule_id and v.demand.hsa_id in hsa
                and (v.demand.period == period or (v.open and v.demand.period < period))})


def krav_sentences(ov: RulebookOverview, facts: LedgerFacts | None) -> list[str]:
    n = len(ov.rows)
    krav = [s for s in ov.rules if s.rule.kind == "krav" and s.in_scope]
    if not krav:
        return []
    short = [s for s in krav if s.met < s.in_scope]
    out = []
    if not short:
        out.append(f"{_all_units(n)} uppfyller alla {count(len(krav), 'krav')} som gäller dem.")
        return out
    met_all = len(krav) - len(short)
    whole = n - len(ov.shortfall_rows)
    if n == 1:
        out.append("Hälsocentralen uppfyller inte samtliga krav som gäller den.")
    elif whole == 0:
        out.append(f"Ingen av de {count(n, 'hälsocentral')} uppfyller samtliga krav som gäller dem.")
    else:
        out.append(f"{capital(number(whole))} av {count(n, 'hälsocentral')} uppfyller samtliga "
                   "krav som gäller dem.")
    if met_all:
        out.append(f"{capital(number(met_all, True))} av de {count(len(krav), 'krav')} som "
                   f"granskas uppfylls av alla hälsocentraler som de gäller.")
    for s in short:
        i = s.index - 1
        failing = _short_units(ov, i, ("fail", "partial"))
        missing = _short_units(ov, i, ("missing",))
        parts = []
        if failing:
            parts.append(f"uppfylls inte av {units_text(len(failing), failing)}")
        if missing:
            parts.append(f"{units_text(len(missing), missing)} har inte lämnat uppgift")
        sentence = f"Kravet {quoted(s.rule.title)} " + " och ".join(parts)
        affected = failing + missing
        asked = _asked(facts, ov, s.rule.id, affected)
        if facts is None:
            who = "Den" if len(affected) == 1 else "De"
            sentence += f"; {who.lower()} ska enligt förfrågningsunderlaget lämna handlingsplan."
        elif asked == len(affected):
            sentence += (", som har ombetts skriva handlingsplan." if len(affected) == 1 else
                         "; samtliga har ombetts skriva handlingsplan." if len(affected) > 2 else
                         "; båda har ombetts skriva handlingsplan.")
        elif asked:
            sentence += f"; {number(asked)} av dem har ombetts skriva handlingsplan."
        else:
            sentence += "; i kravliggaren finns ännu ingen begäran om handlingsplan."
        out.append(sentence)
    return out


def forslag_sentence(ov: RulebookOverview) -> str | None:
    props = [s for s in ov.rules if s.rule.kind == "forslag" and s.in_scope]
    if not props:
        return None
    short = [s for s in props if s.met < s.in_scope]
    total = count(len(props), "förslag")
    if not short:
        return (f"De {total} till krav som ännu inte är beslutade [förslag] uppfylls av alla "
                "hälsocentraler som de gäller." if len(props) > 1 else
                "Förslaget till krav som ännu inte är beslutat [förslag] uppfylls av alla "
                "hälsocentraler som det gäller.")
    return (f"Av {total} till krav som ännu inte är beslutade [förslag] uppfylls "
            f"{number(len(props) - len(short), True)} av alla hälsocentraler som de gäller.")


def _level(ind: Indicator) -> str:
    return f"{OP_WORDS[ind.op]} {num(ind.level, ind.unit)}"


def indicator_sentences(ov: RulebookOverview) -> list[str]:
    inds = [i for i in ov.indicators if i.stats()["n"] and i.rule.kind in OTHER_KINDS]
    if not inds:
        return []
    inds.sort(key=lambda i: (i.stats()["meeting"] / i.stats()["n"], i.index))
    out = []
    for ind in inds[:INDICATOR_SENTENCES]:
        st = ind.stats()
        subject = {"malniva": "Målnivån", "lag": "Lagkravet", "riktlinje": "Riktlinjen",
                   "krav": "Kravet", "forslag": "Förslaget"}[ind.rule.kind]
        passive = KIND_PASSIVE[ind.rule.kind]
        meeting = (f"{passive} inte av någon hälsocentral" if st["meeting"] == 0 else
                   f"{passive} av {_all_units(st['n']).lower()}" if st["meeting"] == st["n"] else
                   f"{passive} av {number(st['meeting'])} av {count(st['n'], 'hälsocentral')}")
        out.append(f"{subject} {quoted(ind.rule.title)} ({_level(ind)}) {meeting}; länets "
                   f"median är {num(st['median'], ind.unit)}.")
    rest = len([i for i in ov.indicators if i.stats()["n"]]) - min(len(inds), INDICATOR_SENTENCES)
    if rest > 0:
        out.append(f"{capital(count(rest, 'indikator'))} till mot fasta nivåer redovisas i "
                   "tabellen nedan.")
    return out


def dialogue_sentence(ov: RulebookOverview) -> str | None:
    """How many RULES (riktlinjer, målnivåer, lagkrav) some unit falls short of: the points for
    the dialogue. Rules, not findings: 28 units short of one målnivå is one point."""
    rules = [s for s in ov.rules if s.rule.kind in OTHER_KINDS and s.in_scope]
    # an indicator against a proposed level has values, not a verdict: counted apart
    observed = [s for s in rules if s.counts["observation"]]
    rules = [s for s in rules if not s.counts["observation"]]
    short = [s for s in rules if s.met < s.in_scope]
    values = ""
    if observed:
        what = "indikator redovisas" if len(observed) == 1 else "indikatorer redovisas"
        values = (f" {capital(number(len(observed)))} {what} som värden för dialogen, eftersom "
                  "nivån bara är ett förslag som regionen inte har beslutat.")
    if not rules:
        return values.strip() or None
    if not short:
        return ("Samtliga riktlinjer, målnivåer och lagkrav följs av alla hälsocentraler som de "
                "gäller." + values)
    return (f"{capital(number(len(short)))} av {len(rules)} riktlinjer, målnivåer och lagkrav "
            f"följs inte av alla hälsocentraler; de tas upp i dialogen med enheterna (ingen "
            "handlingsplan eller vite)." + values)


def change_sentences(ov: RulebookOverview, prev: RulebookOverview | None,
                     then: dict[str, Then], prev_period: int) -> list[str]:
    if prev is None:
        return [f"Föregående års underlag ({prev_period}) har ingen regelbok för samma region; "
                "ingen jämförelse görs."]
    out = []
    met_now = len(ov.rows) - len(ov.shortfall_rows)
    met_then = len(prev.rows) - len(prev.shortfall_rows)
    out.append(f"Jämfört med {prev_period}: {number(met_now)} av "
               f"{count(len(ov.rows), 'hälsocentral')} uppfyller samtliga krav, mot "
               f"{number(met_then)} av {number(len(prev.rows))} året före.")
    for s in ov.rules:
        t = then.get(s.rule.id)
        if s.rule.kind != "krav" or not s.in_scope or t is None or not t.in_scope:
            continue
        if s.met * t.in_scope != t.met * s.in_scope:  # the share changed
            out.append(f"Kravet {quoted(s.rule.title)} uppfylls av {number(s.met)} av "
                       f"{number(s.in_scope)}, mot {number(t.met)} av {number(t.in_scope)} "
                       "året före.")
    changes = []
    for ind in ov.indicators:
        t = then.get(ind.rule.id)
        st = ind.stats()
        if t is None or t.median is None or not st["n"]:
            continue
        delta = st["median"] - t.median
        if abs(delta) >= 0.5:
            changes.append((abs(delta), ind.index, ind, delta, t.median, st["median"]))
    changes.sort(key=lambda c: (-c[0], c[1]))
    for _, _, ind, delta, before, now in changes[:CHANGE_SENTENCES]:
        way = "ökat" if delta > 0 else "minskat"
        if ind.unit == "procent":
            size = points(delta)
        else:
            size = num(abs(delta))
        out.append(f"Medianen för {quoted(ind.rule.title)} har {way} med {size} "
                   f"(från {num(before, ind.unit)} till {num(now, ind.unit)}).")
    if not changes and ov.indicators:
        out.append("Indikatorernas medianer har inte ändrats med en halv procentenhet eller mer.")
    return out


def unread_sentence(previous: Previous) -> str | None:
    errors = len(previous.summary.errors)
    if not errors:
        return None
    return (f"{capital(count(errors, 'årsbokslut'))} från {previous.period} kunde inte läsas och "
            "ingår inte i jämförelsen.")


def ledger_sentences(facts: LedgerFacts, regions: set[str]) -> list[str]:
    views = [v for v in facts.views if v.demand.region in regions]
    open_views = [v for v in views if v.open]
    day = facts.as_of.isoformat()
    if not open_views:
        out = [f"I kravliggaren finns per {day} inga öppna krav."]
    else:
        units = {v.demand.hsa_id for v in open_views}
        late = [v for v in open_views if v.status == "forsenad"]
        text = (f"I kravliggaren finns per {day} {count(len(open_views), 'krav')} som inte är "
                f"åtgärdade, hos {count(len(units), 'hälsocentral')}")
        if late:
            text += (f"; för {count(len(late), 'krav')} har handlingsplanen inte kommit in i tid")
        out = [text + "."]
    decided = sum(a.amount_kr for v in views for a in v.accruals if a.decided)
    decided_units = {v.demand.hsa_id for v in views if any(a.decided for a in v.accruals)}
    accrued = sum(a.amount_kr for v in views for a in v.accruals if not a.decided)
    invoiced = sum(v.invoiced_kr for v in views)
    if decided:
        out.append(f"Beslutat vite uppgår till {kr(decided)} för "
                   f"{count(len(decided_units), 'hälsocentral')}.")
    if accrued:
        out.append(f"{'Därutöver har' if decided else 'Hittills har'} vite enligt avtalet "
                   f"(till exempel för en försenad handlingsplan) runnit upp med {kr(accrued)}.")
    if invoiced:
        out.append(f"Fakturerat vite: {kr(invoiced)}.")
    if not (decided or accrued or invoiced):
        out.append("Inget vite är beslutat eller upplupet.")
    return out


# --- the document -------------------------------------------------------------------------------

def write(entries: Iterable, summary: Summary, previous: Previous | None = None,
          ledger: LedgerFacts | None = None) -> Iterator[str]:
    for _ in entries:  # the summary is complete once every unit is checked
        pass
    yield render(summary, previous, ledger)


def render(summary: Summary, previous: Previous | None = None,
           ledger: LedgerFacts | None = None) -> str:
    """The page; a control character from data (an old ledger's name, a file name) is written
    visibly (text_rules.shown), never raw into the HTML or the PDF made from it."""
    return shown(_render(summary, previous, ledger))


def _render(summary: Summary, previous: Previous | None = None,
            ledger: LedgerFacts | None = None) -> str:
    overviews = summary.overviews()
    periods = sorted({r.period for r in summary.rows})
    regions = sorted({o.book.model.region for o in overviews})
    title = (f"Årsbokslut {', '.join(map(str, periods))} – sammanfattning för ledningen"
             if periods else "Årsbokslut – sammanfattning för ledningen")
    out = [f'<!DOCTYPE html>\n<html lang="sv">\n<head>\n<meta charset="utf-8">\n'
           f'<meta name="generator" content="{ENGINE_NAME} {__version__}">\n'
           f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
           f"<h1>{escape(title)}</h1>\n"]
    meta = [", ".join(regions)] if regions else []
    n = len(summary.rows)
    meta.append(f"{n} {noun(n, 'hälsocentral')} {'granskad' if n == 1 else 'granskade'}")
    if summary.errors:
        meta.append(f"{count(len(summary.errors), 'årsbokslut')} kunde inte läsas")
    for o in overviews:
        meta.append(f"{o.book.model.title}, version {o.book.model.version}")
    if ledger is not None:
        meta.append(f"kravliggaren per {ledger.as_of.isoformat()}")
    meta.append(f"{ENGINE_NAME} {__version__}")
    out.append(f'<p class="meta">{escape(" · ".join(meta))}</p>\n')
    if not overviews:
        out.append("<p>Inga årsbokslut kunde granskas.</p>\n</body>\n</html>\n")
        return "".join(out)

    figures = []
    for ov in overviews:
        prev_ov = previous.overview_for(ov) if previous else None
        figures.append((ov, prev_ov, previous_figures(prev_ov)))

    out.append('<h2>Sammanfattning</h2>\n<div class="summary">\n')
    for ov, prev_ov, then in figures:
        if len(overviews) > 1:
            out.append(f"<h3>{escape(ov.book.model.title)}</h3>\n")
        for paragraph in _paragraphs(summary, ov, prev_ov, then, previous, ledger):
            if paragraph:
                out.append(f"<p>{escape(' '.join(paragraph))}</p>\n")
    if ledger is not None:
        out.append(f"<p>{escape(' '.join(ledger_sentences(ledger, set(regions))))}</p>\n")
    out.append("</div>\n")

    for ov, prev_ov, then in figures:
        heading = f" – {ov.book.model.title}" if len(overviews) > 1 else ""
        out.append(_krav_table(ov, then, previous, heading))
        out.append(_indicator_table(ov, then, previous, heading))
        out.append(_other_table(ov, then, previous, heading))
    if ledger is not None:
        out.append(_ledger_table(ledger, overviews, set(regions)))
    out.append('<p class="note">Antal avser hälsocentraler per regel. Uppgift saknas: '
               "årsbokslutet svarar inte på frågan. En regel som inte gäller en hälsocentral "
               "(t.ex. SÄBO utan SÄBO-uppdrag) räknas inte. Varje hälsocentrals utfall, med "
               "källor och citat, finns i länsöversikten (kravkoll check MAPP --format html)."
               "</p>\n</body>\n</html>\n")
    return "".join(out)


def _paragraphs(summary, ov, prev_ov, then, previous, ledger) -> list[list[str]]:
    n = len(ov.rows)
    period = max(r.period for r in ov.rows)
    intro = [f"{'Årsbokslutet' if n == 1 else 'Årsboksluten'} för {period} från "
             f"{count(n, 'hälsocentral')} har granskats mot {ov.book.model.title}."]
    if summary.errors:
        intro.append(f"{capital(count(len(summary.errors), 'årsbokslut'))} kunde inte läsas och "
                     "ingår inte i sammanställningen.")
    krav = krav_sentences(ov, ledger)
    forslag = forslag_sentence(ov)
    if forslag:
        krav.append(forslag)
    others = indicator_sentences(ov)
    dialogue = dialogue_sentence(ov)
    if dialogue:
        others.append(dialogue)
    paragraphs = [intro, krav, others]
    if previous is not None:
        paragraphs.append(change_sentences(ov, prev_ov, then, previous.period)
                          + [x for x in [unread_sentence(previous)] if x])
    return paragraphs


def _then(t: Then | None) -> str:
    if t is None or not t.in_scope:
        return "–"
    return f"{t.met} av {t.in_scope}"


def _krav_table(ov: RulebookOverview, then: dict[str, Then], previous: Previous | None,
                heading: str) -> str:
    stats = [s for s in ov.rules if s.rule.kind in KRAV_KINDS]
    if not stats:
        return ""
    shown = [s for s in stats if s.in_scope]
    wide = 52 if previous is not None else 62
    head = (f'<tr><th width="{wide}%">Krav</th><th class="n">Uppfyllt</th>'
            '<th class="n">Inte uppfyllt</th><th class="n">Uppgift saknas</th>'
            '<th class="n">Gäller inte</th>')
    if previous is not None:
        head += f'<th class="n">Uppfyllt {previous.period}</th>'
    out = [f"<h2>Krav{escape(heading)}</h2>\n<table>\n<thead>{head}</tr></thead>\n<tbody>\n"]
    for s in shown:
        c = s.counts
        short = c["fail"] + c["partial"]
        mark = " [förslag]" if s.rule.kind == "forslag" else ""
        row = (f"<tr><td>{escape(s.rule.title)}{mark}</td>"
               f'<td class="n">{s.met}</td>'
               f'<td class="n{" bad" if short else ""}">{short}</td>'
               f'<td class="n{" bad" if c["missing"] else ""}">{c["missing"]}</td>'
               f'<td class="n">{c["not_applicable"]}</td>')
        if previous is not None:
            row += f'<td class="n">{_then(then.get(s.rule.id))}</td>'
        out.append(row + "</tr>\n")
    out.append("</tbody>\n</table>\n")
    idle = len(stats) - len(shown)
    if idle:
        out.append(f'<p class="note">{capital(count(idle, "krav"))} gällde ingen hälsocentral '
                   "detta år (till exempel handlingsplan som bara krävs när ett annat krav inte "
                   "uppfylls) och visas inte.</p>\n")
    plans = ov.shortfall_rows
    if plans:
        titles = {s.rule.id: s.rule.title for s in ov.rules}
        out.append("<h3>Hälsocentraler som ska lämna handlingsplan</h3>\n<table>\n<thead><tr>"
                   '<th width="35%">Hälsocentral</th><th>Krav som inte uppfylls</th></tr>'
                   "</thead>\n<tbody>\n")
        for r in plans:
            names = "; ".join(titles.get(s.rule_id, "") for s in r.shortfalls)
            out.append(f"<tr><td>{escape(r.unit)}</td><td>{escape(names)}</td></tr>\n")
        out.append("</tbody>\n</table>\n")
    return "".join(out)


def _indicator_table(ov: RulebookOverview, then: dict[str, Then], previous: Previous | None,
                     heading: str) -> str:
    inds = [i for i in ov.indicators if i.stats()["n"]]
    if not inds:
        return ""
    wide = 36 if previous is not None else 46
    head = (f'<tr><th width="{wide}%">Indikator</th><th width="17%">Nivå</th>'
            '<th class="n">Når nivån</th><th class="n">Min</th>'
            '<th class="n">Median</th><th class="n">Max</th>')
    if previous is not None:
        head += f'<th class="n">Median {previous.period}</th><th class="n">Förändring</th>'
    out = [f"<h2>Indikatorer mot nivåerna{escape(heading)}</h2>\n"
           "<p>Länets spridning: lägsta värde, median och högsta värde bland hälsocentralerna, "
           "och hur många som når nivån.</p>\n"
           f"<table>\n<thead>{head}</tr></thead>\n<tbody>\n"]
    for ind in inds:
        st = ind.stats()
        cls = "good" if st["meeting"] == st["n"] else "bad" if st["meeting"] * 2 < st["n"] else ""
        row = (f"<tr><td>{escape(ind.rule.title)}</td>"
               f"<td>{escape(KIND_NAMES[ind.rule.kind])} {escape(_level(ind))}</td>"
               f'<td class="n {cls}">{st["meeting"]} av {st["n"]}</td>'
               f'<td class="n">{num(st["min"], ind.unit)}</td>'
               f'<td class="n">{num(st["median"], ind.unit)}</td>'
               f'<td class="n">{num(st["max"], ind.unit)}</td>')
        if previous is not None:
            t = then.get(ind.rule.id)
            before = t.median if t else None
            delta = "–" if before is None else _signed(st["median"] - before, ind.unit)
            row += f'<td class="n">{num(before, ind.unit)}</td><td class="n">{delta}</td>'
        out.append(row + "</tr>\n")
    out.append("</tbody>\n</table>\n")
    return "".join(out)


def _signed(delta: float, unit: str) -> str:
    v = round(delta, 1)
    if v == 0:
        return "±0"
    text = ("+" if v > 0 else "−") + num(abs(v))
    return text + (" p.e." if unit == "procent" else "")


def _other_table(ov: RulebookOverview, then: dict[str, Then], previous: Previous | None,
                 heading: str) -> str:
    levels = {i.rule.id for i in ov.indicators if i.stats()["n"]}
    stats = [s for s in ov.rules if s.rule.kind in OTHER_KINDS and s.in_scope
             and s.rule.id not in levels]
    if not stats:
        return ""
    wide = 52 if previous is not None else 60
    head = (f'<tr><th width="{wide}%">Riktlinje, målnivå eller lagkrav</th><th>Slag</th>'
            '<th class="n">Följs av</th><th class="n">Inte</th><th class="n">Uppgift saknas</th>')
    if previous is not None:
        head += f'<th class="n">Följdes {previous.period}</th>'
    out = [f"<h2>Riktlinjer, målnivåer och lagkrav{escape(heading)}</h2>\n"
           f"<table>\n<thead>{head}</tr></thead>\n<tbody>\n"]
    for s in stats:
        c = s.counts
        short = c["fail"] + c["partial"]
        if c["observation"]:  # the level is only proposed: values for the dialogue, no verdict
            followed, short_cell = f"{c['observation']} värden, nivån är ett förslag", "–"
        else:
            followed, short_cell = f"{s.met} av {s.in_scope}", str(short)
        row = (f"<tr><td>{escape(s.rule.title)}</td><td>{escape(KIND_NAMES[s.rule.kind])}</td>"
               f'<td class="n">{followed}</td><td class="n">{short_cell}</td>'
               f'<td class="n">{c["missing"]}</td>')
        if previous is not None:
            row += f'<td class="n">{_then(then.get(s.rule.id))}</td>'
        out.append(row + "</tr>\n")
    out.append("</tbody>\n</table>\n")
    return "".join(out)


def _ledger_table(facts: LedgerFacts, overviews: list[RulebookOverview], regions: set[str]) -> str:
    titles = {s.rule.id: s.rule.title for ov in overviews for s in ov.rules}
    views = [v for v in facts.views if v.demand.region in regions
             and (v.open or any(a.decided for a in v.accruals) or v.invoiced)]
    out = [f"<h2>Öppna krav och vite per {facts.as_of.isoformat()}</h2>\n"]
    if not views:
        out.append("<p>Kravliggaren har inga öppna krav och inget beslutat vite.</p>\n")
        return "".join(out)
    views.sort(key=lambda v: (v.demand.unit_name, v.demand.period,
                              titles.get(v.demand.rule_id, "")))
    out.append('<table>\n<thead><tr><th width="20%">Hälsocentral</th><th width="30%">Krav</th>'
               '<th class="n">År</th><th width="17%">Läge</th><th>Sista dag</th>'
               '<th class="n" width="16%">Vite</th></tr></thead>\n<tbody>\n')
    for v in views[:LEDGER_ROWS_MAX]:
        d = v.demand
        title = d.finding.get("title") or titles.get(d.rule_id) or "krav"
        decided = sum(a.amount_kr for a in v.accruals if a.decided)
        accrued = sum(a.amount_kr for a in v.accruals if not a.decided)
        vite = []
        if decided:
            vite.append(f"beslutat {kr(decided)}")
        if accrued:
            vite.append(f"upplupet {kr(accrued)}")
        if v.invoiced:
            vite.append(f"fakturerat {kr(v.invoiced_kr)}")
        state = _state(v)
        out.append(f"<tr><td>{escape(d.unit_name)}</td><td>{escape(title)}</td>"
                   f'<td class="n">{d.period}</td><td>{escape(state)}</td>'
                   f"<td>{v.deadline.isoformat() if v.deadline else '–'}</td>"
                   f'<td class="n">{escape(", ".join(vite) or "–")}</td></tr>\n')
    out.append("</tbody>\n</table>\n")
    rest = len(views) - LEDGER_ROWS_MAX
    if rest > 0:
        out.append(f'<p class="note">Ytterligare {count(rest, "krav")} visas inte här; hela '
                   "förteckningen: kravkoll demands list.</p>\n")
    return "".join(out)


def _state(v) -> str:
    """Where a demand stands, in words for a reader outside the follow-up."""
    kind = kind_of(v.demand)
    if v.status == "kravd":
        return {"brist": "rättelse begärd", "komplettering": "komplettering begärd",
                "forsening": "försenad handling"}.get(kind, "handlingsplan begärd")
    if v.status == "forsenad":
        return "komplettering försenad" if kind == "komplettering" else "handlingsplan försenad"
    if v.status == "inkommen":
        return ("handlingsplan underkänd" if v.status_label == "handlingsplan underkänd"
                else "handlingsplan inkommen, ej bedömd")
    if v.status == "godkand":
        return "handlingsplan godkänd, åtgärd pågår"
    return STATUS_LABELS.get(v.status, v.status)
