"""The letter to a unit: what the beställarenhet has found and demands, in plain Swedish.

A verksamhetschef reads it once: for every open brist what was found (the rule's title and the
value the årsbokslut gave), what the contract says (the förfrågningsunderlag's section and its
words, [förslag] when the text is a proposal), what the unit must do and by when, and what
follows otherwise (förseningsvite, föreläggande, vite up to the cap, and the right to terminate
only when the ledger shows it); then the brister åtgärdade since the last check, the points for
the dialogue and the dispenser in force. Internal words of the ledger (status names, rule ids,
line numbers) stay out of the body: they are in the appendix "Underlag" at the end, which names
the submission as a person knows it (file name, period, the day it came in), never by a machine
path or a hash. "Vad avtalet säger" names the contract (the förfrågningsunderlag), and the text
that restates it (the årsbokslut's form, a report) only as where the quote is taken from. A
late handling (is_late_delivery) gets no "Rätta bristen" and no threat of föreläggande: the
contract gives förseningsvite per handling, nothing more (003 l.863–868).

Two steps, so that a change in the ledger's data touches one function: `gather` reads what a
unit's letter needs from the ledger (LetterData), `compose` writes the letter from it as a list
of blocks. The blocks are rendered here as Markdown and HTML (every text escaped: only the
letter makes headings, lists and emphasis), and as plain text; report/letter_docx.py and
report/letter_files.py render the same blocks as Word, PDF and an e-mail draft.

`write` (the older command form) puts .md and .html in reports/brev/<hsa-id>-<period>-<date>,
named from the HSA-id and never overwritten: a later letter the same day gets a counter.
"""

from __future__ import annotations

import base64
import datetime as dt
import html as _html
import re
from dataclasses import dataclass, field
from pathlib import Path

from engine import ENGINE_NAME, __version__
from engine.errors import InputError
from engine.model import sanctions
from engine.model.submission import HSA_ID_PATTERN
from engine.output import write_atomic
from engine.read.numbers import format_number
from engine.read.text_rules import one_line, shown

from .ledger import Ledger
from .lifecycle import BEFORE_FORELAGGANDE, PLAN_PHASE, is_plan_for, kind_of
from .owed import sanction_of
from .views import View, views
from .sender import PLACEHOLDER, Sender

HSA_ID = re.compile(HSA_ID_PATTERN)
DEFAULT_FOLDER = Path("reports") / "brev"
# Where the escalation stands in the contract (seed 003 section 4.7, l.852–876).
CONTRACT = "förfrågningsunderlaget, avsnitt 4.7 Kravuppfyllnad"
PROPOSAL = "[förslag]"
MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
          "oktober", "november", "december")
NUMBERS = ("noll", "ett", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "elva",
           "tolv")
KIND_WORDS = {"krav": "krav", "forslag": "förslag till krav", "riktlinje": "riktlinje",
              "malniva": "målnivå", "lag": "lagkrav", "dialog": "dialogfråga"}
PER = {"vecka": "per påbörjad vecka", "manad": "per påbörjad månad", "engang": "en gång"}
ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
# "(003 l.866–867)", "(l.410)" and ", 003 l.866–867)": line numbers of the seed, for the appendix
SEED_LINES = re.compile(r"\s*\((?:\d{3} )?l\.\s?[\d–-]+\)|,\s*(?:\d{3} )?l\.\s?[\d–-]+(?=\))")
PARTLY = re.compile(r"\s*\(delvis:[^)]*\)")


def kr(amount: int) -> str:
    return f"{format_number(amount)} kr"


def day(value) -> str:
    """A date as a Swedish letter writes it: '14 maj 2024'."""
    d = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _count(n: int, one: str, many: str) -> str:
    word = ("en" if one.endswith(("brist",)) else "ett") if n == 1 else (
        NUMBERS[n] if n < len(NUMBERS) else str(n))
    return f"{word} {one if n == 1 else many}"


def is_proposal(snapshot: dict) -> bool:
    """The rule rested on a proposal, not decided text, when the check was made (the check's
    `proposal`; a ledger written before that was kept reads it from the kind and the source)."""
    if "proposal" in snapshot:
        return bool(snapshot["proposal"])
    return snapshot.get("kind") == "forslag" or (snapshot.get("source") or {}).get("status") == "forslag"


# --- what a letter needs, read from the ledger -------------------------------------------------

@dataclass
class LetterData:
    """Everything a unit's letter says, as of a date: the one place that reads the ledger."""

    hsa_id: str
    unit_name: str
    region: str
    period: int
    as_of: dt.date
    check: object  # ledger.CheckRow: the latest check decided by the date
    open: list[View]
    closed: list[View]  # åtgärdade since the latest check
    dialogue: list[dict]
    dispenser: list
    titles: dict = field(default_factory=dict)  # rule id -> ”title”, of every demand and point

    @property
    def has_demands(self) -> bool:
        return bool(self.open or self.closed)


def gather(ledger: Ledger, hsa_id: str, as_of: dt.date) -> LetterData:
    from .replay import state

    with ledger.read():
        ledger = state(ledger, hsa_id)  # the unit as derived from its journal (replay.py)
        checks = [c for c in ledger.checks(hsa_id) if c.decided <= as_of]
        if not checks:
            raise InputError.single(None, f"kravliggaren har ingen granskning av {hsa_id} "
                                    f"till och med {as_of}")
        latest = max(checks, key=lambda c: (c.decided, c.period, c.id))
        all_views = views(ledger.demands(hsa_id), ledger.events(hsa_id=hsa_id), ledger.plans(),
                          ledger.dispenser(hsa_id), as_of)
        dispenser = [d for d in ledger.dispenser(hsa_id) if d.valid_on(as_of)]
    titles = {p["rule_id"]: f"”{p['title']}”" for p in latest.dialogue}
    titles.update({v.demand.rule_id: f"”{v.demand.finding.get('title')}”" for v in all_views})
    return LetterData(
        hsa_id, latest.unit_name, latest.region, latest.period, as_of, latest,
        [v for v in all_views if v.open],
        [v for v in all_views if not v.open and latest.decided <= v.since <= as_of],
        list(latest.dialogue), dispenser, titles)


def units_with_demands(ledger: Ledger, as_of: dt.date) -> list[LetterData]:
    """The letters `demands letter --all` writes: every unit checked by the date with an open
    demand or one åtgärdad since its latest check, in the order of their names."""
    with ledger.read():
        units = sorted({c.hsa_id for c in ledger.checks() if c.decided <= as_of})
    out = [gather(ledger, hsa, as_of) for hsa in units]
    return sorted((d for d in out if d.has_demands), key=lambda d: (d.unit_name.casefold(), d.hsa_id))


# --- the letter --------------------------------------------------------------------------------

@dataclass
class Letter:
    hsa_id: str
    unit_name: str
    period: int
    as_of: object
    region: str = ""
    sender: Sender | None = None
    diarienummer: list[str] = field(default_factory=list)
    blocks: list[tuple[str, object]] = field(default_factory=list)

    def add(self, kind: str, content) -> None:
        self.blocks.append((kind, content))

    @property
    def title(self) -> str:
        return f"Uppföljning av årsbokslut {self.period}"

    @property
    def subject(self) -> str:
        dnr = f" (dnr {', '.join(self.diarienummer)})" if self.diarienummer else ""
        return f"{self.title} – {self.unit_name}{dnr}"


def compose(ledger: Ledger, hsa_id: str, as_of, sender: Sender | None = None) -> Letter:
    return compose_from(gather(ledger, hsa_id, as_of), sender)


def compose_from(data: LetterData, sender: Sender | None = None) -> Letter:
    titles = data.titles
    letter = Letter(data.hsa_id, data.unit_name, data.period, data.as_of, data.region, sender,
                    _diarienummer(data))
    book = data.check.rulebook
    letter.add("letterhead", sender)
    meta = [("Till", f"{data.unit_name} (HSA-id {data.hsa_id})"), ("Datum", day(data.as_of))]
    if letter.diarienummer:
        meta.append(("Diarienummer", ", ".join(letter.diarienummer)))
    meta.append(("Handläggare", sender.handlaggare if sender else "[handläggare]"))
    letter.add("meta", meta)
    letter.add("h1", letter.title)
    intro = (f"Beställarenheten har gått igenom enhetens årsbokslut för verksamhetsåret "
             f"{data.period} och jämfört det med förfrågningsunderlaget ({book['title']}).")
    if data.open:
        letter.add("p", intro + f" Enheten uppfyller inte {_count(len(data.open), 'krav', 'krav')}"
                   " i förfrågningsunderlaget. Nedan beskriver vi för varje brist vad vi har sett, "
                   "vad avtalet säger, vad enheten behöver göra och när, och vad som händer annars.")
        for n, v in enumerate(data.open, 1):
            _item(letter, n, v, titles, book.get("title") or "förfrågningsunderlaget")
    else:
        letter.add("p", intro + f" Per den {day(data.as_of)} har enheten inga öppna krav.")
    if data.closed:
        letter.add("h2", "Åtgärdade brister")
        letter.add("p", "Följande brister är åtgärdade. Tack för att enheten har rättat dem.")
        letter.add("ul", [_closed_words(v) for v in data.closed])
    if data.dialogue:
        letter.add("h2", "Att ta upp vid dialoguppföljningen")
        letter.add("p", "Följande riktlinjer, målnivåer och lagkrav uppfylls inte helt. De leder "
                        "inte till krav på handlingsplan eller vite, men vi tar upp dem vid "
                        "dialoguppföljningen.")
        letter.add("ul", [_dialogue_words(p) for p in data.dialogue])
    if data.dispenser:
        letter.add("h2", "Dispenser")
        letter.add("ul", [f"{titles.get(d.rule_id, d.rule_id)}: dispens till och med den "
                          f"{day(d.last_day)} (dnr {d.diarienummer}). {d.justification}"
                          for d in data.dispenser])
    letter.add("signature", sender)
    letter.add("appendix", _underlag(data))
    return _safe_letter(letter)


def _safe_letter(letter: Letter) -> Letter:
    """Every text of the letter as every format can write it (read.text_rules): a control
    character or bidi override in a name, a diarienummer or a note of an older ledger is
    written visibly, never raw (docx and the e-mail's headers could not hold it at all). The
    name and the diarienummer, which go into the title, the subject and file names, stay one
    line."""
    letter.unit_name = one_line(letter.unit_name)
    letter.region = one_line(letter.region)
    letter.diarienummer = [one_line(d) for d in letter.diarienummer]
    letter.blocks = [(kind, _shown_all(content)) for kind, content in letter.blocks]
    return letter


def _shown_all(content):
    if isinstance(content, str):
        return shown(content)
    if isinstance(content, list):
        return [_shown_all(c) for c in content]
    if isinstance(content, tuple):
        return tuple(_shown_all(c) for c in content)
    return content  # the sender (validated when read) or None


def _humane(text: str, titles: dict[str, str]) -> str:
    """A line the ledger wrote for its own history, for a reader of the letter: dates in
    Swedish, rule ids as the rules' titles, no line numbers of the seed."""
    text = SEED_LINES.sub("", text)
    text = ISO_DAY.sub(lambda m: day(m.group(0)), text)
    for rule_id, title in sorted(titles.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(rule_id, title)
    return text


def _marked(snapshot: dict) -> str:
    return f"{snapshot.get('title')}" + (f" {PROPOSAL}" if is_proposal(snapshot) else "")


def _found(f: dict, period) -> str:
    """What the årsbokslut showed, as a sentence from the measured value and the level."""
    obs = str(f.get("observed_text") or "").replace("_", " ").strip()
    exp = PARTLY.sub("", str(f.get("expected") or "")).replace("_", " ").strip()
    if f.get("outcome") == "missing" or obs in ("", "saknas"):
        why = exp.split(", eftersom ", 1)[1] if ", eftersom " in exp else None
        return (f"Årsbokslutet för {period} saknar uppgiften" + (f", som krävs eftersom {why}" if why
                                                                  else "") + ".")
    if obs == "nej" and exp == "ja":
        return f"Enligt årsbokslutet för {period} uppfyller enheten inte kravet (svaret är nej)."
    if obs == "delvis":
        return f"Enligt årsbokslutet för {period} uppfyller enheten kravet bara delvis."
    text = f"Årsbokslutet för {period} anger {obs}; kravet är {exp}."
    if f.get("outcome") == "partial":
        text += " Kravet är alltså delvis uppfyllt."
    return text


def is_late_delivery(v: View) -> bool:
    """A brist whose only consequence is förseningsvite for a handling delivered late (an
    årsbokslut that came in after its last day, JHV-INL-01): it cannot be put right afterwards,
    and the contract gives förseningsvite per handling, nothing more (003 l.863–868)."""
    if kind_of(v.demand) == "forsening":  # the follow-up's own kind for a late handling
        return True
    named = [(s or {}).get("sanction") or {} for s in v.demand.terms.get("sanctions") or []]
    return (v.demand.kind == "brist" and bool(named)
            and all(s.get("interval") == "vecka" and "handling" in (s.get("per") or "") for s in named))


def _contract_words(src: dict, contract: str, decided: bool) -> str:
    """Where the krav stands: the contract (the förfrågningsunderlag), and the text the quote is
    taken from when that is another document that restates it (the årsbokslut's form, a report)."""
    doc, section = src.get("document_title"), src.get("section")
    status = src.get("status")
    if decided or status in (None, "beslutad"):
        return f"Kravet står i {doc}, avsnitt {section}."
    if status == "formular_aterger_krav":
        return (f"Kravet står i förfrågningsunderlaget ({contract}). Årsbokslutets fråga {section} "
                "återger det:")
    if status == "aterger_fu":
        return (f"Kravet står i förfrågningsunderlaget ({contract}). {doc}, avsnitt {section}, "
                "återger det:")
    if status == "lag":
        return f"Kravet följer av lag; {doc}, avsnitt {section}, återger den:"
    return f"Kravet står i förfrågningsunderlaget ({contract}); citatet är ur {doc}, avsnitt {section}:"


def _item(letter: Letter, n: int, v: View, titles: dict[str, str], contract: str) -> None:
    d, f, t = v.demand, v.demand.finding, v.demand.terms
    letter.add("h2", f"{n}. {_marked(f)}")
    late = is_late_delivery(v)
    rows = [("Vad vi har sett", _late_found(f, d.period) if late else " ".join(
        [_found(f, d.period)] + [_found(e.detail, e.detail["period"]) for e in v.events
                                 if e.event == "finding" and e.detail
                                 and e.detail.get("period", d.period) > d.period][-1:]))]
    # the decided text when the rule's source is a proposal that the region has since decided
    src = t.get("decided") or f.get("source") or {}
    said = _contract_words(src, contract, bool(t.get("decided")))
    if is_proposal(f):
        said += f" {PROPOSAL} Texten är ett förslag, ännu inte beslutad avtalstext."
    rows.append(("Vad avtalet säger", said))
    letter.add("dl", rows)
    if src.get("quote"):
        letter.add("quote", src["quote"])
    todo, deadline = _late_todo() if late else _todo(v, titles)
    rows = [("Vad enheten ska göra", todo)]
    if deadline:
        rows.append(("Senast", day(deadline) + (" (förslag: regionen har inte beslutat dagen)"
                                                 if v.deadline_basis == "förslag" else "")))
    otherwise = "" if late else _otherwise(v)  # a late handling: förseningsvite, nothing more
    if otherwise:
        rows.append(("Om det inte sker", otherwise))
    decisions = _decisions(v)
    if decisions:
        rows.append(("Beslut i ärendet", " ".join(decisions)))
    # the ledger's notes say how förseningsvite is counted (for the unit, while it runs) or
    # what the handläggare must record (not for the unit)
    notes = [_humane(x, titles) for x in v.notes if v.status in PLAN_PHASE and "'demands" not in x]
    money = [_accrual_words(a, v.as_of, titles) for a in v.accruals] + notes
    if v.withheld and v.withheld.get("right"):
        money.append(f"{_upper_first(v.withheld['text'])} ({CONTRACT}).")
    if money:
        rows.append(("Vite och avdrag", " ".join(money)))
    for e in v.events:
        r = v.register.get(e.id)
        note = (r.detail if r else (e.detail or {})).get("note")
        if note and not (r and r.withdrawn):
            rows.append((f"Anteckning {day(e.date)}", note))
    if v.dispens:
        rows.append(("Dispens", f"Till och med den {day(v.dispens.last_day)} (dnr "
                                f"{v.dispens.diarienummer}): {v.dispens.justification}"))
    letter.add("dl", rows)


def _late_found(f: dict, period) -> str:
    """A handling that came in late: the day it came and the last day, as dates."""
    came = ISO_DAY.fullmatch(str(f.get("observed_text") or "").strip())
    last = ISO_DAY.search(str(f.get("expected") or ""))
    if came and last:
        came = came.group(0)
        return (f"Årsbokslutet för {period} kom in den {day(came)}; sista dagen enligt regelboken "
                f"var den {day(last.group(0))}.")
    return _found(f, period)


def _late_todo() -> tuple[str, None]:
    return ("Inget att rätta i efterhand: handlingen har kommit in. För en handling som lämnas för "
            f"sent utgår förseningsvite ({CONTRACT}).", None)


def _todo(v: View, titles: dict[str, str]) -> tuple[str, dt.date | None]:
    """What the unit must do, and the day it must be done by (None: no date applies)."""
    d, t, s = v.demand, v.demand.terms, v.status
    asks = t.get("asks")
    what = (f" som beskriver {_lower_first(asks.strip()).rstrip('.')}" if asks
            else " som visar hur enheten ska uppfylla kravet")
    if d.kind == "handlingsplan" and s == "kravd":
        return f"Skicka en handlingsplan till beställarenheten{what}.", d.due
    if d.kind == "handlingsplan" and s == "forsenad":
        return (f"Handlingsplanen skulle ha kommit in senast den {day(d.due)} och har inte kommit "
                f"in. Skicka den till beställarenheten snarast; den ska beskriva"
                f"{what[len(' som beskriver'):] if asks else ' hur enheten ska uppfylla kravet'}.",
                None)
    if kind_of(d) == "komplettering" and s in PLAN_PHASE:
        return ("Komplettera årsbokslutet med uppgiften som saknas och skicka det till "
                "beställarenheten.", d.due)
    if s in PLAN_PHASE:
        note = f" {_humane(t['note'], titles)}" if t.get("note") else ""
        return f"Rätta bristen så att kravet uppfylls.{note}", None
    if s == "inkommen" and d.kind == "uppfoljning":
        plan = (d.finding.get("plan_text") or "").strip()
        return (f"Enheten har i årsbokslutet beskrivit en handlingsplan: ”{plan}” Vi följer upp "
                "den vid nästa dialoguppföljning." + (f" Den ska beskriva {_lower_first(asks)}" if asks else ""),
                None)
    p = v.plan
    if s == "inkommen" and p is not None and p.decision == "underkand" and p.decided and p.decided <= v.as_of:
        if v.deadline is not None:  # a new plan asked for: its own handling, its own last day
            return (f"Beställarenheten underkände den {day(p.decided)} handlingsplanen som kom in "
                    f"den {day(p.received)}. Skicka en ny handlingsplan{what}.", v.deadline)
        return (f"Beställarenheten underkände den {day(p.decided)} handlingsplanen som kom in den "
                f"{day(p.received)}. Rätta bristen så att kravet uppfylls; beställarenheten "
                "kontaktar enheten om hur det ska ske.", None)
    if s == "inkommen" and p is not None:
        return (f"Vi tog emot enhetens handlingsplan den {day(p.received)} och återkommer med "
                "beslut om den.", None)
    if s == "inkommen":
        return "Rätta bristen så att kravet uppfylls.", None
    if s == "godkand":
        when = next((e.date for e in v.events if e.to_status == "godkand"), v.since)
        return (f"Genomför handlingsplanen som beställarenheten godkände den {day(when)}. Kravet "
                "följs upp i nästa årsbokslut.", None)
    if s == "forelaggande" and d.frist and v.as_of <= d.frist:
        return (f"Beställarenheten har förelagt enheten att vidta rättelse: kravet ska vara "
                f"uppfyllt senast den {day(d.frist)}. Meddela beställarenheten när det är gjort.",
                d.frist)
    if s == "forelaggande":
        return (f"Fristen för rättelse gick ut den {day(d.frist)} utan att kravet uppfylldes. Rätta "
                "bristen snarast och meddela beställarenheten när det är gjort.", None)
    return ("Rätta bristen snarast och meddela beställarenheten när det är gjort; vitet löper "
            "tills rättelse sker.", None)


def _cap(v: View) -> str:
    r = sanction_of(v.demand.terms.get("rattelse"))
    return f", upp till högst {kr(r[1].amount_kr)} per brist" if r and r[1].amount_kr else ""


def _otherwise(v: View) -> str:
    """What follows if the unit does not act: only what the contract and the ledger show."""
    d, t, s = v.demand, v.demand.terms, v.status
    out = []
    late = sanction_of(t.get("late"))
    if d.kind == "handlingsplan" and s == "kravd" and late and v.deadline_basis != "förslag":
        out.append(f"Kommer handlingsplanen in för sent utgår förseningsvite enligt {CONTRACT}: "
                   f"{sanctions.describe(late[1])}.")
    if s in BEFORE_FORELAGGANDE and not is_plan_for(d) and kind_of(d) not in ("forsening",
                                                                              "komplettering"):
        why = {"upprepad_brist": "Eftersom kravet inte heller uppfylls i det senare årsbokslutet",
               "plan_ej_inkommen": "Eftersom handlingsplanen inte har kommit in",
               "underkand_plan": "Eftersom handlingsplanen underkändes"}
        reasons = [why[p["trigger"]] for p in v.proposals if p["trigger"] in why]
        lead = reasons[0] if reasons else "Uppfylls kravet inte"
        out.append(f"{lead} kan beställarenheten förelägga enheten att vidta rättelse och, om "
                   f"rättelse inte sker, ta ut vite tills rättelse sker{_cap(v)} ({CONTRACT}).")
    elif s == "forelaggande" and d.frist and v.as_of <= d.frist:
        out.append(f"Sker inte rättelse senast den {day(d.frist)} får regionen ta ut vite tills "
                   f"rättelse sker{_cap(v)} ({CONTRACT}).")
    elif s == "forelaggande":
        out.append(f"Eftersom rättelse inte har skett inom fristen kan regionen besluta om vite "
                   f"tills rättelse sker{_cap(v)} ({CONTRACT}).")
    elif s == "vite":
        out.append(f"Vitet löper tills rättelse sker ({CONTRACT}).")
    tm = v.termination
    if tm:
        if tm["arisen"]:
            out.append(f"Beställarenheten har beslutat att bristen är väsentlig, och den har inte "
                       f"rättats inom {tm['days']} dagar efter beställarenhetens skriftliga "
                       f"påpekande den {day(tm['notice'])}. Regionen "
                       f"har därför rätt att säga upp avtalet från den {day(tm['from'])} ({CONTRACT}).")
        else:
            frist = f" och inom fristen till den {day(tm['frist'])}" if tm.get("frist") else ""
            out.append(f"Beställarenheten har beslutat att bristen är väsentlig. Rättas den inte "
                       f"inom {tm['days']} dagar efter det skriftliga påpekandet den "
                       f"{day(tm['notice'])}{frist} får regionen säga upp avtalet från den "
                       f"{day(tm['from'])} ({CONTRACT}).")
    return " ".join(out)


def _dnr(detail: dict) -> str:
    return f" (dnr {detail['diarienummer']})" if detail.get("diarienummer") else ""


def _decisions(v: View) -> list[str]:
    """The beställarenhet's decisions on the demand, oldest first, each with its diarienummer."""
    out = []
    for r in sorted(v.register.values(), key=lambda r: (r.date, r.event.id)):
        e, det = r.event, r.detail
        if r.withdrawn:
            continue
        if e.event == "beslut":
            word = "godkändes" if det.get("decision") == "godkand" else "underkändes"
            out.append(f"Handlingsplanen {word} den {day(r.date)}{_dnr(det)}.")
        elif e.event == "plan" and e.rule == "ny_plan":  # after a rejected plan, in order
            out.append(f"En ny handlingsplan kom in den {day(r.date)}.")
        elif e.event == "forelaggande":
            frist = (v.forelaggande or {}).get("frist")
            out.append(f"Föreläggande om rättelse den {day(r.date)}{_dnr(det)}"
                       + (f", med frist till den {day(frist)}" if frist else "") + ".")
        elif e.event == "vite":
            out.append(f"Vite beslutat den {day(r.date)}{_dnr(det)}: {kr(int(det.get('belopp', 0)))} "
                       f"{PER.get(det.get('per'), '')}".rstrip() + " tills rättelse sker.")
        elif e.event == "fakturerat":
            out.append(f"Vite om {kr(int(det.get('belopp', 0)))} fakturerat den {day(r.date)}{_dnr(det)}.")
        elif e.event == "nekad_listning":
            out.append(f"Enheten nekade listning av {det.get('personer')} personer den "
                       f"{day(r.date)}{_dnr(det)}.")
    return out


def _diarienummer(data: LetterData) -> list[str]:
    found = sorted((r.date, r.event.id, r.detail["diarienummer"]) for v in data.open + data.closed
                   for r in v.register.values() if r.detail.get("diarienummer") and not r.withdrawn)
    return list(dict.fromkeys(dnr for _, _, dnr in found))


def _accrual_words(a, as_of, titles: dict[str, str]) -> str:
    per = f"Per den {day(as_of)}: "
    if a.decided:
        text = (f"vite enligt beslut, {kr(a.amount_kr)}" if a.unit == "gång" else
                f"vite enligt beslut, {a.weeks} {a.unit} × {kr(a.rate_kr)}")
        if a.unit != "gång":
            if a.cap_kr and a.weeks * a.rate_kr > a.cap_kr:
                text += f", högst {kr(a.cap_kr)}"
            text += f" = {kr(a.amount_kr)}"
        return per + text + "."
    text = f"{_lower_first(a.title)}, {_humane(a.basis, titles)}: {a.weeks} veckor × {kr(a.rate_kr)}"
    if a.persons > 1:
        text += f" × {a.persons} personer"
    if a.cap_kr and a.weeks * a.rate_kr > a.cap_kr:
        text += f", högst {kr(a.cap_kr)}" + (" per person" if a.persons > 1 else "")
    return per + text + f" = {kr(a.amount_kr)}."


def _closed_words(v: View) -> str:
    d = v.demand
    how = next((e for e in reversed(v.events) if e.to_status == "atgardad"), None)
    if how is not None and how.event == "rattelse":
        det = v.register[how.id].detail if how.id in v.register else (how.detail or {})
        text = f"{_marked(d.finding)}: rättelse konstaterad den {day(v.since)}{_dnr(det)}."
    elif how is not None and how.event == "finding" and how.detail:
        text = (f"{_marked(d.finding)}: uppfylls enligt årsbokslutet för "
                f"{how.detail.get('period', '')}.")
    else:
        text = f"{_marked(d.finding)}: åtgärdad den {day(v.since)}."
    if v.vite_kr:
        text += f" Vite som har löpt för bristen: {kr(v.vite_kr)}."
    return text


def _dialogue_words(p: dict) -> str:
    kind = KIND_WORDS.get(p.get("kind"), p.get("kind"))
    if "observed_text" in p:
        found = {"observed_text": p.get("observed_text"), "expected": p.get("expected"),
                 "outcome": p.get("outcome")}
    else:  # a ledger written before the dialogue kept the value and the level
        m = re.match(r"^[^:]*:\s*(.*?), krävs (.*?)\.?$", p.get("explanation") or "")
        found = {"observed_text": m.group(1) if m else "", "expected": m.group(2) if m else "",
                 "outcome": p.get("outcome")}
    obs = str(found["observed_text"] or "").replace("_", " ")
    exp = PARTLY.sub("", str(found["expected"] or "")).replace("_", " ")
    if found["outcome"] == "missing" or not obs:
        what = "uppgiften saknas i årsbokslutet."
    elif obs == "delvis":
        what = "följs bara delvis."
    elif obs == "nej" and exp == "ja":
        what = "uppfylls inte."
    elif " eller " in exp and not any(ch.isdigit() for ch in exp):
        what = f"årsbokslutet anger ”{obs}”."  # a choice among the form's options
    else:
        what = f"årsbokslutet anger {obs}; nivån är {exp}."
    return f"{_marked(p)} ({kind}): {what}"


def _underlag(data: LetterData) -> list[str]:
    """Where everything in the letter comes from, for the handläggare and an auditor, named as a
    person knows it (the file's name, the period, the day it came in), no machine paths or
    hashes: the kravliggare keeps those."""
    c = data.check
    name = re.split(r"[\\/]", c.submission_path)[-1]
    came = f", inlämnat {day(c.inlamnad)}" if c.inlamnad else ""
    out = [f"Årsbokslut för {data.period}: filen {name}{came}, granskat {day(c.decided)}.",
           f"Regelbok: {c.rulebook.get('title') or c.rulebook_id}, version "
           f"{c.rulebook.get('version')}."]
    titles = {(v.demand.finding.get("source") or {}).get("document"):
              (v.demand.finding.get("source") or {}).get("document_title")
              for v in data.open + data.closed}
    for v in data.open + data.closed:
        src = v.demand.finding.get("source") or {}
        out.append(f"{v.demand.rule_id} {v.demand.finding.get('title')}: {src.get('document_title')}, "
                   f"{src.get('section')}" + (f" ({src['lines']})" if src.get("lines") else "")
                   + f"; kravposten gäller årsbokslutet för {v.demand.period}.")
    sources = {}
    for v in data.open + data.closed:
        t = v.demand.terms
        for entry in [t.get("late"), t.get("rattelse"), t.get("innehallande"), *t.get("sanctions", [])]:
            src = ((entry or {}).get("sanction") or {}).get("source") or {}
            if src.get("section"):
                key = (src.get("document"), src.get("section"))
                sources.setdefault(key, set()).add(src.get("lines") or "")
    for (document, section), lines in sorted(sources.items()):
        shown = ", ".join(sorted(x for x in lines if x))
        out.append(f"Påföljder enligt {titles.get(document) or document}, {section}"
                   + (f" ({shown})" if shown else "") + ".")
    for p in data.dialogue:
        src = p.get("source") or {}
        out.append(f"{p['rule_id']} {p['title']}: {src.get('document_title')}, {src.get('section')}"
                   + (f" ({src['lines']})" if src.get("lines") else "") + ".")
    out.append(f"Beräknat per {data.as_of.isoformat()} av {ENGINE_NAME} {__version__} ur kravliggaren.")
    return out


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


def signature_lines(sender: Sender | None) -> list[str]:
    if sender is None:
        return ["Med vänliga hälsningar", "[handläggare]", PLACEHOLDER]
    return ["Med vänliga hälsningar", sender.handlaggare, f"{sender.bestallarenhet}, {sender.region}",
            f"Telefon {sender.telefon}", f"E-post {sender.epost}"]


def reply_lines(sender: Sender | None) -> list[str]:
    if sender is None:
        return []
    return ["Svar och handlingsplaner skickas till:", *sender.address_lines(), sender.epost]


def letterhead_lines(sender: Sender | None) -> list[str]:
    return [PLACEHOLDER] if sender is None else [sender.region, sender.bestallarenhet]


def markdown(letter: Letter) -> str:
    """Every text is escaped (md_text): the letter's structure is only what is made here, never
    a heading, list, link or HTML in a unit's name or answers."""
    out: list[str] = []
    for kind, content in letter.blocks:
        if kind == "letterhead":
            out.append("  \n".join(_md_line(x) for x in letterhead_lines(content)) + "\n")
        elif kind == "h1":
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
        elif kind == "signature":
            out.append("  \n".join(_md_line(x) for x in signature_lines(content)) + "\n")
            reply = reply_lines(content)
            if reply:
                out.append("  \n".join(_md_line(x) for x in reply) + "\n")
        elif kind == "appendix":
            out.append("---\n\n## Underlag\n")
            out.append("\n".join(f"- {_md_block(item, '  ', True)}" for item in content) + "\n")
    return "\n".join(out)


CSS = """
@page { size: A4; margin: 22mm 20mm 22mm 22mm; }
body { font-family: "Times New Roman", Georgia, serif; font-size: 11pt; line-height: 1.4;
       color: #000; max-width: 170mm; margin: 2em auto; }
h1 { font-size: 17pt; margin: 0.6em 0 0.8em; }
h2 { font-size: 12.5pt; margin: 1.4em 0 0.4em; break-after: avoid; page-break-after: avoid; }
section { break-inside: avoid; page-break-inside: avoid; }
table.head { width: 100%; margin-bottom: 1.5em; }
table.head td { vertical-align: top; }
.sender { text-align: right; }
.placeholder { color: #a00; font-weight: bold; }
table.meta td { padding: 0 0.8em 0.1em 0; vertical-align: top; }
table.meta td.k { font-weight: bold; }
p.label { font-weight: bold; margin: 0.5em 0 0; }
p.text { margin: 0 0 0 1.2em; }
blockquote { margin: 0.5em 1.2em; padding-left: 0.8em; border-left: 2px solid #888;
             font-style: italic; }
.signature { margin-top: 2em; }
.appendix { margin-top: 2.5em; border-top: 1px solid #888; font-size: 8.5pt; color: #333; }
.appendix h2 { font-size: 10pt; }
@media print { body { margin: 0; max-width: none; } }
""".strip()

# xhtml2pdf reads a subset of CSS: no max-width or auto margins; the embedded Source Sans Pro family
# (report/pdf.py) carries å, ä, ö, ”, –.
PDF_CSS = """
@page { size: a4 portrait; margin: 18mm 18mm 18mm 20mm; }
body { font-family: SourceSansPro; font-size: 9.5pt; line-height: 1.3; color: #000; }
h1 { font-size: 15pt; margin: 8pt 0 8pt 0; }
h2 { font-size: 11pt; margin: 12pt 0 3pt 0; -pdf-keep-with-next: true; }
table.head td { vertical-align: top; }
.sender { text-align: right; }
.placeholder { color: #a00; font-weight: bold; }
table.meta td { padding: 0 6pt 1pt 0; vertical-align: top; }
table.meta td.k { font-weight: bold; width: 28mm; }
p.label { font-weight: bold; margin: 4pt 0 0 0; -pdf-keep-with-next: true; }
p.text { margin: 0 0 0 10pt; }
blockquote { margin: 3pt 14pt 3pt 14pt; font-style: italic; color: #333; }
.signature { margin-top: 16pt; }
.appendix { margin-top: 18pt; font-size: 7.5pt; color: #333; }
.appendix h2 { font-size: 9pt; }
""".strip()


def _lines(lines: list[str]) -> str:
    return "<br>".join(_html.escape(x) for x in lines)


def html(letter: Letter, for_pdf: bool = False) -> str:
    e = _html.escape
    body: list[str] = []
    in_section = False
    for kind, content in letter.blocks:
        if kind in ("h2", "signature", "appendix") and in_section:
            body.append("</section>")
            in_section = False
        if kind == "letterhead":
            logo = (f'<img src="data:image/png;base64,{base64.b64encode(content.logo).decode()}" '
                    'alt="" height="48">' if content is not None and content.logo else "")
            cls = "sender" if content is not None else "sender placeholder"
            body.append(f'<table class="head"><tr><td>{logo}</td>'
                        f'<td class="{cls}">{_lines(letterhead_lines(content))}</td></tr></table>')
        elif kind == "h1":
            body.append(f"<h1>{e(content)}</h1>")
        elif kind == "h2":
            body.append("<section>")
            in_section = True
            body.append(f"<h2>{e(content)}</h2>")
        elif kind == "p":
            body.append(f"<p>{e(content)}</p>")
        elif kind == "meta":
            body.append('<table class="meta">' + "".join(
                f'<tr><td class="k">{e(k)}</td><td>{e(v)}</td></tr>' for k, v in content) + "</table>")
        elif kind == "dl":
            body.append("".join(f'<p class="label">{e(k)}</p><p class="text">{e(v)}</p>'
                                for k, v in content))
        elif kind == "quote":
            body.append(f"<blockquote>{e(str(content))}</blockquote>")
        elif kind == "ul":
            body.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in content) + "</ul>")
        elif kind == "signature":
            cls = "signature" if content is not None else "signature placeholder"
            body.append(f'<div class="{cls}"><p>{_lines(signature_lines(content))}</p>'
                        + (f"<p>{_lines(reply_lines(content))}</p>" if content else "") + "</div>")
        elif kind == "appendix":
            body.append('<div class="appendix"><h2>Underlag</h2><ul>'
                        + "".join(f"<li>{e(i)}</li>" for i in content) + "</ul></div>")
    if in_section:
        body.append("</section>")
    title = e(f"{letter.title} – {letter.unit_name}")
    return ("<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{title}</title>\n<style>\n{PDF_CSS if for_pdf else CSS}\n</style>\n</head>\n"
            "<body>\n" + "\n".join(body) + "\n</body>\n</html>\n")


def text(letter: Letter) -> str:
    """The letter as plain text (the text/plain part of an e-mail draft)."""
    out: list[str] = []
    for kind, content in letter.blocks:
        if kind == "letterhead":
            out.append("\n".join(letterhead_lines(content)))
        elif kind in ("h1", "h2"):
            out.append(f"{content}\n" + ("=" if kind == "h1" else "-") * len(content))
        elif kind == "p":
            out.append(content)
        elif kind in ("meta", "dl"):
            out.append("\n".join(f"{k}: {v}" for k, v in content))
        elif kind == "quote":
            out.append(f"  ”{content}”")
        elif kind == "ul":
            out.append("\n".join(f"- {i}" for i in content))
        elif kind == "signature":
            out.append("\n".join(signature_lines(content)))
            if content:
                out.append("\n".join(reply_lines(content)))
        elif kind == "appendix":
            out.append("Underlag\n--------\n" + "\n".join(f"- {i}" for i in content))
    return "\n\n".join(out) + "\n"


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
