"""The letter to a unit: what the beställarenhet demands, in Swedish, one letter per unit.

For every open demand: the brist with the rulebook's source quote, what the handlingsplan must
answer, the due date and the sanction if late (or the föreläggande's frist and what follows),
and the vite run up by the letter's date. Then the riktlinjer and målnivåer to raise in the
dialogue, the demands åtgärdade since the last check, and the dispenser in force.

The letter is built once as a list of blocks and written as Markdown and as HTML with print CSS
for A4; in both every text is escaped (a unit's name, its answers, file names, notes), so only
the letter itself makes headings, lists and emphasis (print or save as PDF from a browser). No PDF library: the ones that render HTML to PDF
need native libraries (cairo, pango) or a browser, a heavy dependency for a letter a
handläggare opens and prints anyway.

Files go to reports/brev/<hsa-id>-<period>-<date>.md/.html, named from the HSA-id (checked
against its pattern, never from free text such as the unit's name) and never overwritten: a
later letter the same day gets a counter (-2, -3 …).
"""

from __future__ import annotations

import html as _html
import re
from dataclasses import dataclass, field
from pathlib import Path

from engine import ENGINE_NAME, __version__
from engine.errors import InputError
from engine.evaluate.findings import OUTCOME_LABELS
from engine.model import sanctions
from engine.model.rulebook import KIND_LABELS
from engine.model.submission import HSA_ID_PATTERN
from engine.output import write_atomic
from engine.read.numbers import format_number

from .ledger import Ledger
from .lifecycle import AFTER_FORELAGGANDE, PLAN_PHASE, View, sanction_of, views

HSA_ID = re.compile(HSA_ID_PATTERN)
DEFAULT_FOLDER = Path("reports") / "brev"


def kr(amount: int) -> str:
    return f"{format_number(amount)} kr"


@dataclass
class Letter:
    hsa_id: str
    unit_name: str
    period: int
    as_of: object
    blocks: list[tuple[str, object]] = field(default_factory=list)

    def add(self, kind: str, content) -> None:
        self.blocks.append((kind, content))


def _plan_words(n: int, p, as_of) -> str:
    words = f"{n}: kom in {p.received}"
    if p.decided and p.decided <= as_of:
        words += f", {'godkänd' if p.decision == 'godkand' else 'underkänd'} {p.decided}"
        if p.note:
            words += f" ({p.note})"
    return words


def compose(ledger: Ledger, hsa_id: str, as_of) -> Letter:
    from .replay import state

    with ledger.read():
        ledger = state(ledger, hsa_id)  # the unit as derived from its journal
        checks = [c for c in ledger.checks(hsa_id) if c.decided <= as_of]
        if not checks:
            raise InputError.single(None, f"kravliggaren har ingen granskning av {hsa_id} "
                                    f"till och med {as_of}")
        latest = max(checks, key=lambda c: (c.decided, c.period, c.id))
        demands = ledger.demands(hsa_id)
        all_views = views(demands, ledger.events(hsa_id=hsa_id), ledger.plans(),
                          ledger.dispenser(hsa_id), as_of)
        dispenser = [d for d in ledger.dispenser(hsa_id) if d.valid_on(as_of)]
    open_views = [v for v in all_views if v.open]
    closed = [v for v in all_views if not v.open and latest.decided <= v.since <= as_of]
    letter = Letter(hsa_id, latest.unit_name, latest.period, as_of)
    book = latest.rulebook
    letter.add("h1", f"Uppföljning av årsbokslut {latest.period}")
    letter.add("meta", [("Till", f"{latest.unit_name} (HSA-id {hsa_id})"),
                        ("Från", f"Beställarenheten, {latest.region}"),
                        ("Datum", as_of.isoformat()),
                        ("Gäller", f"Årsbokslut för verksamhetsåret {latest.period}, granskat "
                                   f"mot {book['title']} (version {book['version']})")])
    if open_views:
        letter.add("p", f"Beställarenheten har följt upp enhetens årsbokslut mot "
                        f"förfrågningsunderlaget. Nedan står de krav som enheten inte uppfyller "
                        f"({len(open_views)} st), med var kravet står, vad som krävs av enheten, "
                        f"när det ska vara gjort och vad som följer annars. Belopp är beräknade "
                        f"per {as_of}.")
        for n, v in enumerate(open_views, 1):
            _item(letter, n, v)
    else:
        letter.add("p", f"Beställarenheten har följt upp enhetens årsbokslut mot "
                        f"förfrågningsunderlaget. Per {as_of} har enheten inga öppna krav.")
    if closed:
        letter.add("h2", "Åtgärdade krav")
        letter.add("ul", [f"{v.demand.rule_id} {v.demand.finding.get('title')} (från "
                          f"{v.demand.period}): åtgärdat {v.since}." for v in closed])
    if latest.dialogue:
        letter.add("h2", "Att ta upp i dialoguppföljningen")
        letter.add("p", "Följande riktlinjer, målnivåer och lagkrav uppfylls inte helt. De ger "
                        "inget krav på handlingsplan eller vite, men tas upp vid dialogen.")
        letter.add("ul", [f"{p['rule_id']} {p['title']} ({KIND_LABELS.get(p['kind'], p['kind']).lower()}, "
                          f"{OUTCOME_LABELS.get(p['outcome'], p['outcome'])}): {p['explanation']}"
                          for p in latest.dialogue])
    if dispenser:
        letter.add("h2", "Dispenser")
        letter.add("ul", [f"{d.rule_id}: dispens {d.diarienummer} till och med {d.last_day}. "
                          f"{d.justification}" for d in dispenser])
    letter.add("footer", f"Beräknat per {as_of} av {ENGINE_NAME} {__version__} ur kravliggaren. "
                         f"Regelbok {latest.rulebook_id} (sha256 {latest.rulebook_sha256[:12]}); "
                         f"årsbokslut sha256 {latest.submission_sha256[:12]}.")
    return letter


def _item(letter: Letter, n: int, v: View) -> None:
    d, f, t = v.demand, v.demand.finding, v.demand.terms
    letter.add("h2", f"{n}. {d.rule_id} {f.get('title')}")
    rows = [("Status", f"{v.status_label} (sedan {v.since})"),
            ("Bedömning", f"Årsbokslutet för {d.period}: {f.get('explanation')}")]
    later = [e.detail for e in v.events if e.event == "finding" and e.detail]
    if later:
        rows.append(("Senare bedömning", f"Årsbokslutet för {later[-1]['period']}: "
                                         f"{later[-1]['explanation']}"))
    src = f.get("source") or {}
    where = f"{src.get('document_title')}, avsnitt {src.get('section')}"
    if src.get("lines"):
        where += f" ({src['lines']})"
    rows.append(("Kravet står i", where))
    letter.add("dl", rows)
    letter.add("quote", src.get("quote") or "")
    rows = []
    late = sanction_of(t.get("late"))
    if d.kind == "handlingsplan" and v.status in PLAN_PHASE:
        if t.get("asks"):
            rows.append(("Handlingsplanen ska besvara", t["asks"]))
        rows.append(("Sista dag för handlingsplanen", d.due.isoformat()))
        if late:
            rows.append(("Om handlingsplanen kommer in för sent",
                         f"{late[1].title}: {sanctions.describe(late[1])}."))
    elif d.kind == "uppfoljning" and v.status in ("inkommen",):
        rows.append(("Enhetens handlingsplan (ur årsbokslutet)", f.get("plan_text") or ""))
        text = "Handlingsplanen följs upp vid nästa dialoguppföljning."
        if t.get("asks"):
            text += f" Den ska besvara: {t['asks']}"
        rows.append(("Uppföljning", text))
    elif v.status == "inkommen" and v.plan:
        rows.append(("Handlingsplan", f"Kom in {v.plan.received}; beställarenheten återkommer med beslut."))
    elif v.status == "inkommen" and v.plan is None and d.kind != "uppfoljning":
        pass
    elif v.status == "godkand":
        when = next((e.date for e in v.events if e.to_status == "godkand"), v.since)
        rows.append(("Handlingsplan", f"Godkänd {when}. Kravet följs upp i nästa årsbokslut; uppfylls "
                                      "det inte då kan beställarenheten förelägga enheten att "
                                      "vidta rättelse (förfrågningsunderlaget 4.7 Kravuppfyllnad)."))
    elif d.kind == "brist" and v.status in PLAN_PHASE:
        rows.append(("Krävs", "Rättelse: kravet ska uppfyllas." + (f" {t['note']}" if t.get("note") else "")))
    if len(v.plans) > 1:  # after a rejected plan, a new one: each in order, with its decision
        rows.append(("Handlingsplaner", "; ".join(_plan_words(n, p, v.as_of)
                                                  for n, p in enumerate(v.plans, start=1))))
    if v.status in AFTER_FORELAGGANDE:
        rows.extend(_forelaggande_rows(v))
    for a in v.accruals:
        rows.append((f"{a.title} per {v.as_of}", _accrual_words(a)))
    if v.vite_max and v.status == "forelaggande":
        rows.append(("Tak för vite", f"{v.vite_max['text']}; beloppet beslutas efter bristens "
                                     "art och omfattning (4.7 Kravuppfyllnad)."))
    if v.withheld:
        w = v.withheld
        state = (f"från {w['from']} tills uppgiften lämnas" if w["active"]
                 else f"{w['from']}–{w['until']} (uppgiften har lämnats)")
        rows.append((w["title"], f"{w['text'][0].upper()}{w['text'][1:]}; {state} "
                                 "(4.7 Kravuppfyllnad)."))
    for p in v.proposals:
        rows.append(("Föreslås (beslutas av beställarenheten)",
                     _upper_first(p["text"][len("föreslås: "):]) + f" (sedan {p['since']}). "
                     "Förslaget är inget beslut."))
    if v.termination:
        rows.append(("Uppsägning" if v.termination["arisen"] else "Om rättelse inte sker",
                     v.termination["text"]))
    for i in v.invoiced:
        rows.append(("Fakturerat vite", f"{kr(i['belopp'])} {i['date']}"
                     + (f" ({i['diarienummer']})" if i.get("diarienummer") else "")
                     + f"; beräknat per {v.as_of}: {kr(v.vite_kr)}."))
    for n in v.notes:
        rows.append(("Not", n))
    for e in v.events:
        r = v.register.get(e.id)
        note = (r.detail if r else (e.detail or {})).get("note")
        if note and not (r and r.withdrawn):
            rows.append((f"Anteckning {e.date}", note))
    if v.dispens:
        rows.append(("Dispens", f"{v.dispens.diarienummer} till och med {v.dispens.last_day}: "
                                f"{v.dispens.justification}"))
    if rows:
        letter.add("dl", rows)


def _forelaggande_rows(v: View) -> list[tuple[str, str]]:
    d, f = v.demand, v.forelaggande or {}
    r = sanction_of(d.terms.get("rattelse"))
    ceiling = f", upp till högst {kr(r[1].amount_kr)} per brist" if r else ""
    decided = f.get("decided", False)
    how = (f"Beställarenheten beslutade {f.get('date')}"
           + (f" ({f['diarienummer']})" if f.get("diarienummer") else "")
           if decided else f"Föreläggande {f.get('date', v.since)}")
    frist = ""
    if f.get("frist_kalla") == "regelbok":
        frist = " (fristen är regelbokens, beslutet angav ingen)"
    rows = []
    if v.status == "forelaggande":
        rows.append(("Föreläggande om rättelse (beslutat)" if decided else "Föreläggande om rättelse",
                     f"{how} att förelägga enheten att vidta rättelse senast {d.frist}{frist}: "
                     f"kravet ska vara uppfyllt. Sker inte rättelse får regionen ta ut vite tills "
                     f"rättelse sker{ceiling} (förfrågningsunderlaget 4.7 Kravuppfyllnad)."))
    else:
        vite = next((e for e in v.events if e.event == "vite" and e.to_status == "vite"), None)
        det = (v.register[vite.id].detail if vite is not None and vite.id in v.register else {})
        text = f"{how}; rättelse skedde inte inom fristen {d.frist}."
        if det:
            text += (f" Beställarenheten beslutade {vite.date}"
                     + (f" ({det['diarienummer']})" if det.get("diarienummer") else "")
                     + f" vite om {kr(int(det['belopp']))} "
                     + {"vecka": "per påbörjad vecka", "manad": "per påbörjad månad"}.get(det.get("per"), "")
                     + " tills rättelse sker (4.7 Kravuppfyllnad).")
        else:
            text += f" Regionen får ta ut vite tills rättelse sker{ceiling}."
        rows.append(("Föreläggande och vite (beslutat)" if det else "Föreläggande om rättelse",
                     text.replace("  ", " ")))
    return rows


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _accrual_words(a) -> str:
    if a.decided:
        text = f"{a.basis}: " + (f"{kr(a.rate_kr)}" if a.unit == "gång"
                                 else f"{a.weeks} {a.unit} × {kr(a.rate_kr)}")
        if a.cap_kr and a.weeks * a.rate_kr > a.cap_kr:
            text += f", högst {kr(a.cap_kr)}"
        return text + f" = {kr(a.amount_kr)}."
    text = f"{a.basis}: {a.weeks} veckor × {kr(a.rate_kr)}"
    if a.persons > 1:
        text += f" × {a.persons} personer"
    if a.cap_kr and a.weeks * a.rate_kr > a.cap_kr:
        text += f", högst {kr(a.cap_kr)}" + (" per person" if a.persons > 1 else "")
    return text + f" = {kr(a.amount_kr)}."


# --- rendering ---------------------------------------------------------------------------------

# Markdown and HTML specials anywhere in a line: escaped with a backslash (CommonMark lets any
# ASCII punctuation be escaped), so `**`, `<script>`, `[x](y)`, `|`, backticks, e-mail
# autolinks (@) and math ($, in some renderers) stay text.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>&|~#@$])")
# What starts a block only at the beginning of a line: a list (-, +, 1. or 1)), a setext
# underline (=), a quote (> is escaped above) or a heading (# above).
_MD_LINE_START = re.compile(r"^([-+=]|\d+(?=[.)]))")
_AUTOLINK = re.compile(r"(?i)(?<=\w)(://)|\b(www)(\.)")


def _md_escape(line: str, line_start: bool) -> str:
    line = _MD_INLINE.sub(r"\\\1", line)
    line = _AUTOLINK.sub(lambda m: "\\:\\/\\/" if m.group(1) else "www\\.", line)
    if line_start:
        line = _MD_LINE_START.sub(lambda m: m.group(1) + "\\" if m.group(1).isdigit()
                                  else "\\" + m.group(1), line)
    return line


def md_text(text, first_starts: bool = True) -> list[str]:
    """Text as Markdown that renders exactly as the text: one escaped string per non-empty line
    (a blank line would end the block it stands in; leading spaces would make code). Every line
    but the first starts a Markdown line; the first does when `first_starts`."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()] or [""]
    return [_md_escape(line, first_starts or i > 0) for i, line in enumerate(lines)]


def _md_line(text) -> str:
    """A heading, a label or a meta line: one line, after the text that starts it."""
    return " ".join(_md_escape(line.strip(), False) for line in str(text).splitlines()
                    if line.strip())


def _md_block(text, indent: str, first_starts: bool) -> str:
    """Lines in one block: hard line breaks, later lines indented to stay in the block."""
    return ("  \n" + indent).join(md_text(text, first_starts))


def markdown(letter: Letter) -> str:
    """Every text is escaped (md_text): the letter's structure is only what is made here, never
    a heading, list, link or HTML in a unit's name or answers."""
    out: list[str] = []
    for kind, content in letter.blocks:
        if kind == "h1":
            out.append(f"# {_md_line(content)}\n")
        elif kind == "h2":
            out.append(f"## {_md_line(content)}\n")
        elif kind == "p":
            out.append(f"{_md_block(content, '', True)}\n")
        elif kind == "meta":
            out.append("\n".join(f"**{_md_line(k)}:** {_md_line(v)}  " for k, v in content).rstrip() + "\n")
        elif kind == "dl":
            out.append("\n".join(f"- **{_md_line(k)}:** {_md_block(v, '  ', False)}" for k, v in content) + "\n")
        elif kind == "quote":
            out.append("\n".join(f"> {line}" for line in md_text(content)) + "\n")
        elif kind == "ul":
            out.append("\n".join(f"- {_md_block(item, '  ', True)}" for item in content) + "\n")
        elif kind == "footer":
            out.append(f"---\n\n_{_md_line(content)}_\n")
    return "\n".join(out)


CSS = """
@page { size: A4; margin: 22mm 20mm 22mm 22mm; }
body { font-family: "Times New Roman", Georgia, serif; font-size: 11pt; line-height: 1.4;
       color: #000; max-width: 170mm; margin: 2em auto; }
h1 { font-size: 17pt; margin: 0 0 0.8em; }
h2 { font-size: 12.5pt; margin: 1.4em 0 0.4em; break-after: avoid; page-break-after: avoid; }
section { break-inside: avoid; page-break-inside: avoid; }
dl.meta { display: grid; grid-template-columns: 6em 1fr; gap: 0.1em 0.8em; margin-bottom: 1.2em; }
dl.meta dt { font-weight: bold; }
dl.meta dd { margin: 0; }
dl.item dt { font-weight: bold; margin-top: 0.35em; }
dl.item dd { margin: 0 0 0 1.2em; }
blockquote { margin: 0.5em 1.2em; padding-left: 0.8em; border-left: 2px solid #888;
             font-style: italic; }
footer { margin-top: 2em; border-top: 1px solid #888; padding-top: 0.5em; font-size: 9pt;
         color: #333; }
@media print { body { margin: 0; max-width: none; } }
""".strip()


def html(letter: Letter) -> str:
    e = _html.escape
    body: list[str] = []
    in_section = False
    for kind, content in letter.blocks:
        if kind == "h2" and in_section:
            body.append("</section>")
            in_section = False
        if kind == "h1":
            body.append(f"<h1>{e(content)}</h1>")
        elif kind == "h2":
            body.append("<section>")
            in_section = True
            body.append(f"<h2>{e(content)}</h2>")
        elif kind == "p":
            body.append(f"<p>{e(content)}</p>")
        elif kind == "meta":
            body.append('<dl class="meta">' + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in content)
                        + "</dl>")
        elif kind == "dl":
            body.append('<dl class="item">' + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in content)
                        + "</dl>")
        elif kind == "quote":
            body.append(f"<blockquote>{e(str(content))}</blockquote>")
        elif kind == "ul":
            body.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in content) + "</ul>")
        elif kind == "footer":
            if in_section:
                body.append("</section>")
                in_section = False
            body.append(f"<footer>{e(content)}</footer>")
    if in_section:
        body.append("</section>")
    title = e(f"Uppföljning av årsbokslut {letter.period} – {letter.unit_name}")
    return ("<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{title}</title>\n<style>\n{CSS}\n</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def write(letter: Letter, folder: str | Path = DEFAULT_FOLDER) -> tuple[Path, Path]:
    """Write the letter as .md and .html; never overwrite an earlier letter."""
    if not HSA_ID.fullmatch(letter.hsa_id):
        raise InputError.single(None, f"'{letter.hsa_id}' är inget HSA-id; brevets filnamn "
                                "bildas av HSA-id")
    folder = Path(folder)
    stem = f"{letter.hsa_id}-{letter.period}-{letter.as_of.isoformat()}"
    md, page = markdown(letter), html(letter)
    for n in range(1, 1000):
        name = stem if n == 1 else f"{stem}-{n}"
        md_path, html_path = folder / f"{name}.md", folder / f"{name}.html"
        if md_path.exists() or html_path.exists():
            continue
        try:
            write_atomic(md_path, md, overwrite=False)
        except InputError:
            if md_path.exists():  # another run took the name meanwhile
                continue
            raise  # the folder cannot be written: say why, not "too many letters"
        try:
            write_atomic(html_path, page, overwrite=False)
        except InputError:
            if html_path.exists():
                continue
            raise
        return md_path, html_path
    raise InputError.single(str(folder), f"för många brev för {letter.hsa_id} samma dag")
