"""`kravkoll explain RULE_ID`: a rule in words, for a handläggare or a rulebook author."""

from __future__ import annotations

from engine.model.rulebook import (
    BASIS_LABELS,
    KIND_LABELS,
    OP_WORDS,
    SOURCE_STATUS_LABELS,
    Compare,
    Expr,
    Rule,
    Rulebook,
)
from engine.model.rulebook_basis import level_params, rule_param_basis
from engine.model.sanctions import describe
from engine.read.numbers import format_number

from .findings import OBSERVED_KINDS

_OP_NAMES = {"add": "+", "sub": "−", "mul": "×", "div": "/"}


def expr_words(expr: Expr, book: Rulebook) -> str:
    if expr.value is not None:
        return format_number(expr.value)
    if expr.field:
        return f"fältet {expr.field}"
    if expr.param:
        p = book.parameters[expr.param]
        value = p.value.isoformat() if hasattr(p.value, "isoformat") else format_number(p.value)
        unit = " %" if p.unit == "procent" else f" {p.unit}" if p.unit not in ("datum", "antal") else ""
        return f"{p.title.lower()} ({value}{unit})"
    if expr.measure:
        return book.measures[expr.measure].title.lower()
    name, (a, b) = expr.operator
    return f"({expr_words(a, book)} {_OP_NAMES[name]} {expr_words(b, book)})"


def compare_words(cmp: Compare, book: Rulebook) -> str:
    text = f"{expr_words(cmp.left, book)} ska vara {OP_WORDS[cmp.op]} {expr_words(cmp.right, book)}"
    if cmp.partial_op:
        text += (f"; delvis uppfyllt om det i stället är {OP_WORDS[cmp.partial_op]} "
                 f"{expr_words(cmp.partial_right, book)}")
    return text


def _part_words(c, book: Rulebook) -> str:
    """One part of an any/all check, as a clause."""
    if c.compare:
        return compare_words(c.compare, book)
    if c.answer:
        return f"{c.answer.field} är {' eller '.join(c.answer.pass_)}"
    word, parts = ("någon av", c.any) if c.any else ("alla", c.all)
    return f"{word}: " + "; ".join(_part_words(p, book) for p in parts)


def condition_words(rule: Rule, book: Rulebook) -> list[str]:
    c = rule.check
    if c.any or c.all:  # a krav met by one of several answers, or by every comparison
        return [f"Uppfyllt när {_part_words(c, book)}."]
    if c.compare:
        lines = ["Uppfyllt när " + compare_words(c.compare, book) + "."]
        for e in (c.compare.left, c.compare.right):
            if e.measure:
                m = book.measures[e.measure]
                lines.append(f"{m.title} beräknas som {expr_words(m.formula, book)}."
                             + (f" {m.note}" if m.note else ""))
        return lines
    if c.answer:
        a = c.answer
        text = f"Uppfyllt när {a.field} är {' eller '.join(a.pass_)}"
        if a.partial:
            text += f"; delvis när det är {' eller '.join(a.partial)}"
        return [text + "; annars ej uppfyllt."]
    if c.all_answers:
        return [f"Uppfyllt när alla dessa är {' eller '.join(c.all_answers.pass_)}: "
                f"{', '.join(c.all_answers.fields)}; delvis när några är det."]
    rw = c.required_when
    if rw.when.compare:
        cond = compare_words(rw.when.compare, book)
    else:
        cond = f"{rw.when.answer_in.field} är {' eller '.join(rw.when.answer_in.in_)}"
    return [f"När {cond}, ska {rw.field} vara ifyllt; annars gäller regeln inte."]


def basis_words(rule: Rule, book: Rulebook) -> list[tuple[str, str]]:
    """What each value the rule uses rests on (design.md: every output says which basis it
    used): decided text, the region's recorded decision, or only the rulebook's proposal."""
    names = [n for n, _ in level_params(rule)]
    c = rule.consequence
    if c is not None and c.handlingsplan_days is not None and c.handlingsplan_days.param:
        names.append(c.handlingsplan_days.param)
    out = []
    for name in dict.fromkeys(n for n in names if n in book.parameters):
        p = book.parameters[name]
        value = p.value.isoformat() if hasattr(p.value, "isoformat") else format_number(p.value)
        basis = rule_param_basis(book, rule, name)
        text = f"{p.title} ({value}): {BASIS_LABELS[basis]}"
        if basis == "beslut":
            text += f" {p.beslut.datum.isoformat()}, dnr {p.beslut.diarienummer}."
        elif basis == "forslag" and rule.kind in OBSERVED_KINDS:
            text += (", inget beslut: enhetens värde redovisas för dialogen, utan att bedömas "
                     "som uppfyllt eller ej, tills regionen har beslutat nivån (beslut under "
                     "parametern).")
        elif basis == "forslag":
            text += (", inget beslut: används för påminnelser; kronor och rättigheter räknas "
                     "inte från värdet förrän regionen har beslutat det (beslut under "
                     "parametern).")
        else:
            text += "."
        out.append(("Grund", text))
    return out


def explain(rule: Rule, book: Rulebook) -> list[tuple[str, str]]:
    """(heading, text) pairs, in reading order."""
    doc = book.documents[rule.source.document]
    src = f"{doc.title}"
    if doc.reference:
        src += f" ({doc.reference})"
    src += f", {rule.source.section}"
    if rule.source.lines:
        src += f", {rule.source.lines}"
    status = book.source_status(rule.source)
    if status in SOURCE_STATUS_LABELS:
        src += f" [{SOURCE_STATUS_LABELS[status]}]"
    proposal = book.is_proposal(rule)
    out = [
        ("Regel", f"{rule.id}: {rule.title}" + (" [förslag]" if proposal else "")),
        ("Typ", KIND_LABELS[rule.kind] + ("" if rule.kind == "krav" else
                                          " (ingen handlingsplan eller vite; tas upp i dialogen)")),
        ("Område", rule.area + (f", årsbokslutets fråga {rule.question}" if rule.question else "")),
        ("Källa", src),
        ("Citat", f"»{rule.source.quote}«"),
    ]
    if proposal:
        out.append(("Status", "Förslag, inte beslutad text: en dialogpunkt utan handlingsplan, vite "
                              "eller uppsägning tills regelboken anger den beslutade texten (decided)."))
    if rule.source.assumption:
        out.append(("Antagande", rule.source.assumption))
    if rule.source.note:
        out.append(("Not", rule.source.note))
    if rule.decided is not None:
        d = rule.decided
        ddoc = book.documents[d.document]
        out.append(("Beslutad text", f"{ddoc.title}, {d.section}" + (f", {d.lines}" if d.lines else "")
                    + f": »{d.quote}«"))
        if d.assumption:
            out.append(("Antagande", d.assumption))
    scope = []
    if rule.scope.regi:
        scope.append(f"enheter i {' eller '.join(rule.scope.regi)} regi")
    if rule.scope.tillaggsuppdrag:
        scope.append(f"enheter med tilläggsuppdraget {rule.scope.tillaggsuppdrag}")
    out.append(("Gäller", " och ".join(scope) if scope else "alla enheter"))
    for line in condition_words(rule, book):
        out.append(("Villkor", line))
    out.extend(basis_words(rule, book))
    out.append(("Saknas uppgift", "Utfallet blir 'uppgift saknas', aldrig uppfyllt."))
    if rule.description:
        out.append(("Beskrivning", rule.description))
    c = rule.consequence
    if c:
        if c.handlingsplan_days is not None:
            e = c.handlingsplan_days
            days = book.parameters[e.param].value if e.param else e.value
            out.append(("Följd", f"Handlingsplan inom {format_number(days)} dagar från beslut."))
        if c.plan_for:
            out.append(("Följd", f"Ingen egen handlingsplan: planen är den som krävs för {c.plan_for}."))
        if c.handlingsplan_asks:
            out.append(("Handlingsplanen ska svara på", c.handlingsplan_asks))
        for name in c.sanctions:
            s = book.sanctions[name]
            out.append(("Sanktion", f"{s.title}: {describe(s)}."))
        if c.note:
            out.append(("Not", c.note))
    out.extend(followup_words(rule, book))
    out.append(("Regelbok", f"{book.id} version {book.version}, gäller {book.valid_from}–{book.valid_to}"))
    return out


def followup_words(rule: Rule, book: Rulebook) -> list[tuple[str, str]]:
    """What may follow a shortfall after the handlingsplan (förfrågningsunderlaget 4.7
    Kravuppfyllnad, 003 l.852–876): decided by the beställarenhet, proposed by kravkoll."""
    f, c = book.followup, rule.consequence
    if rule.kind != "krav" or f is None or c is None:
        return []
    if c.plan_for:
        return [("Uppföljning", f"Föreläggs inte och får inget vite för sig: följer {c.plan_for} "
                                "(en brist, en plan, ett vite).")]
    days = book.days(f.rattelse_days)
    cap = book.sanctions[f.rattelse_sanction]
    words = {"upprepad_brist": "bristen kvarstår ett senare år",
             "underkand_plan": "underkänd handlingsplan",
             "plan_ej_inkommen": "handlingsplan som inte kommit in i tid"}
    triggers = ", ".join(words[t.id] for t in f.forelaggande_triggers) or "inga"
    out = [("Uppföljning", "Föreläggande om rättelse och vite är beställarenhetens beslut "
                           "(förfrågningsunderlaget 4.7 Kravuppfyllnad, 003 l.856–861). kravkoll "
                           f"föreslår föreläggande vid: {triggers}; fristen bestäms i beslutet "
                           f"(annars {days} dagar, ett antagande i regelboken); vite efter "
                           f"fristen, {describe(cap)}.")]
    if rule.vasentlig is not None and rule.vasentlig.source is None:
        # no seed says which parts are väsentliga: the rulebook only proposes, a decision decides
        out.append(("Väsentlig brist (förslag)",
                    "Regelboken föreslår att bristen är väsentlig; regionen avgör det i sitt "
                    "beslut om föreläggande (--vasentlig), och först ett sådant beslut kan ge "
                    "rätt att säga upp avtalet om bristen inte rättas (003 l.874–876). "
                    f"{rule.vasentlig.assumption}"))
    elif rule.vasentlig is not None:
        out.append(("Väsentlig brist", f"Rättas bristen inte efter skriftligt påpekande får "
                                       f"regionen säga upp avtalet (003 l.874–876). "
                                       f"{rule.vasentlig.source.quote}"))
    if f.innehallande_sanction:
        s = book.sanctions[f.innehallande_sanction]
        out.append(("Saknas svaret", f"{s.title}: {describe(s)} (003 l.852–854)."))
    return out

