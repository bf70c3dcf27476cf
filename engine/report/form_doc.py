"""A form as a document a person reads (`kravkoll schema FORM --format markdown|html`): title,
region and year, then every question in the form's order, grouped by section, with its printed
number, the verbatim text, what kind of answer it takes (type, unit, range or options), whether
it is required, and when another answer makes it required ("krävs om 2.2.6 … är delvis eller
nej").

The document is built once as plain data (`sections`) and written as Markdown or HTML, so the
two formats cannot say different things. The project commits the Markdown of every form under
docs/forms/ (tests/test_form_doc.py keeps them equal to what this prints).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from engine.model.form import TYPE_LABELS, Form, LoadedForm, Question
from engine.read.numbers import format_number

UNGROUPED = "Allmänt"  # the section of answers outside the form's groups (formular, period)


@dataclass
class Answer:
    """One answer field of a question: what it holds and the facts about it, in order."""

    label: str | None
    field: str
    facts: list[tuple[str, str]]
    items: list["Answer"] = field(default_factory=list)  # type items: each item's answers


@dataclass
class Entry:
    """A question as printed: its number and text, and its answer fields (one or several)."""

    number: str | None
    text: str
    line: int | None
    answers: list[Answer] = field(default_factory=list)


@dataclass
class Section:
    number: str | None
    title: str
    entries: list[Entry] = field(default_factory=list)


def _range(q: Question) -> str | None:
    if q.type == "percent":
        return "0–100"
    if q.type in ("number", "counts"):
        # a year is written as a year (2023), any other number the Swedish way (200 000)
        shown = str if q.kind == "verksamhetsar" else format_number
        low = shown(q.min) if q.min is not None else None
        high = shown(q.max) if q.max is not None else None
        whole = " (heltal)" if q.integer else ""
        if low is not None and high is not None:
            return f"{low}–{high}{whole}"
        if high is not None:
            return f"högst {high}{whole}"
        return f"minst {low}{whole}" if low is not None else None
    if q.type == "text" and (q.min_length is not None or q.max_length is not None):
        return f"{q.min_length or 0}–{q.max_length} tecken" if q.max_length else \
            f"minst {q.min_length} tecken"
    return None


def _asked(form: Form, path: str) -> str:
    """How a condition names the answer it reads: its number and label, and its field."""
    q = form.question(path)
    if q is None:
        return f"`{path}`"
    name = q.label or q.text
    return f"{q.number} ({name}, `{path}`)" if q.number else f"{name} (`{path}`)"


def _required(form: Form, q: Question) -> str:
    if q.required:
        return "ja"
    if q.when is not None:
        return f"om {_asked(form, q.when.field)} är {' eller '.join(q.when.in_)}"
    return "nej"


def _answer(form: Form, q: Question, prefix: str = "") -> Answer:
    facts = [("Typ", TYPE_LABELS[q.type])]
    unit = q.unit or ("procent" if q.type == "percent" else None)
    if unit:
        facts.append(("Enhet", unit))
    rng = _range(q)
    if rng:
        facts.append(("Tillåtet", rng))
    if q.options:
        facts.append(("Alternativ", ", ".join(f"`{o}`" for o in q.options)))
    facts.append(("Krävs", _required(form, q)))
    if q.after_year_of:
        facts.append(("Datum", f"efter verksamhetsåret (`{q.after_year_of}`)"))
    if q.help and q.help not in (q.text, q.label):
        facts.append(("Hjälp", q.help))
    if q.attribute:
        facts.append(("Enhetsuppgift", "regelböcker kan avgränsa regler efter svaret"))
    if q.fixed:
        facts.append(("Förifylls", "samma för alla enheter i formuläret"))
    items = [_answer(form, sub, f"{prefix}{q.field}[].") for sub in q.items or []]
    label = q.label if q.label and q.label != q.text else None
    return Answer(label if not prefix else (q.label or q.text), prefix + q.field, facts, items)


def sections(form: Form) -> list[Section]:
    """The form's questions grouped by section (the first part of the field path), sections in
    the order they first appear and questions in form order within them. Consecutive answers of
    one printed question (same number and text) are one entry."""
    out: dict[str, Section] = {}
    for q in form.questions:
        key = q.field.split(".", 1)[0] if "." in q.field else ""
        if key not in out:
            g = form.groups.get(key)
            out[key] = Section(g.number, g.title) if g else Section(None, UNGROUPED)
        entries = out[key].entries
        if not (entries and q.number and entries[-1].number == q.number
                and entries[-1].text == q.text):
            entries.append(Entry(q.number, q.text, q.line))
        entries[-1].answers.append(_answer(form, q))
    return list(out.values())


def _origin(loaded: LoadedForm) -> str:
    path = Path(loaded.path)
    return f"{path.parent.name}/{path.name}"


def _lead(loaded: LoadedForm) -> list[tuple[str, str]]:
    f = loaded.form
    lines = [("Formulär", f"`{f.id}`"), ("Region", f.region), ("Verksamhetsår", str(f.year))]
    if f.source is not None:
        src = f.source.title + (f" (`{f.source.file}`)" if f.source.file else "")
        lines.append(("Källa", src))
    if loaded.doc is not None and isinstance(loaded.doc.data, dict) and loaded.doc.data.get("extends"):
        lines.append(("Bygger på", f"`{loaded.doc.data['extends']}` (med ändringarna i formuläret)"))
    if f.note:
        lines.append(("Anmärkning", f.note))
    return lines


def _generated(loaded: LoadedForm, fmt: str) -> str:
    return (f"Skapad med `kravkoll schema {loaded.form.id} --format {fmt}` ur formuläret "
            f"`{_origin(loaded)}`. Ändra formuläret, inte det här dokumentet.")


# --- Markdown ------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*\[\]|])|<(?=[A-Za-z/!?])")


def _md(text: str) -> str:
    """Text as Markdown shows it verbatim: only what would start markup is escaped (a `<=` or
    `>70` in a question stays as written)."""
    return _MD_SPECIAL.sub(lambda m: "\\" + (m.group(1) or "<"), re.sub(r"\s+", " ", text))


def _md_value(value: str) -> str:
    """A fact's value: code spans (`field`) kept, the text between them escaped."""
    parts = value.split("`")
    return "".join(f"`{p}`" if i % 2 else _md(p) for i, p in enumerate(parts))


def _md_answer(a: Answer, indent: str) -> list[str]:
    head = f"**{_md(a.label)}** · " if a.label else ""
    out = [f"{indent}- {head}fält `{a.field}`"]
    out += [f"{indent}  - {name}: {_md_value(value)}" for name, value in a.facts]
    if a.items:
        out.append(f"{indent}  - Varje post har:")
        for item in a.items:
            out += _md_answer(item, indent + "    ")
    return out


def markdown(loaded: LoadedForm) -> str:
    f = loaded.form
    out = [f"# {_md(f.title)} {f.year} – {_md(f.region)}", ""]
    out += [f"- {name}: {_md_value(value)}" for name, value in _lead(loaded)]
    out += ["", _generated(loaded, "markdown"), ""]
    for s in sections(f):
        out += [f"## {s.number + ' ' if s.number else ''}{_md(s.title)}", ""]
        for e in s.entries:
            out.append(f"### {e.number + ' ' if e.number else ''}{_md(e.text)}")
            out.append("")
            if e.line is not None:
                out += [f"Rad {e.line} i källan.", ""]
            for a in e.answers:
                out += _md_answer(a, "")
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


# --- HTML ----------------------------------------------------------------------------------------

def _html_value(value: str) -> str:
    parts = value.split("`")
    return "".join(f"<code>{html.escape(p)}</code>" if i % 2 else html.escape(p)
                   for i, p in enumerate(parts))


def _html_answer(a: Answer) -> list[str]:
    head = f"<strong>{html.escape(a.label)}</strong> · " if a.label else ""
    out = [f"<li>{head}fält <code>{html.escape(a.field)}</code><ul>"]
    out += [f"<li>{html.escape(name)}: {_html_value(value)}</li>" for name, value in a.facts]
    if a.items:
        out.append("<li>Varje post har:<ul>")
        for item in a.items:
            out += _html_answer(item)
        out.append("</ul></li>")
    out.append("</ul></li>")
    return out


def html_document(loaded: LoadedForm) -> str:
    f = loaded.form
    title = html.escape(f"{f.title} {f.year} – {f.region}")
    out = ["<!DOCTYPE html>", '<html lang="sv">', "<head>", '<meta charset="utf-8">',
           f"<title>{title}</title>",
           "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
           "h3{font-size:1em;margin-top:1.5em}code{background:#f2f2f2}</style>",
           "</head>", "<body>", f"<h1>{title}</h1>", "<ul>"]
    out += [f"<li>{html.escape(name)}: {_html_value(value)}</li>" for name, value in _lead(loaded)]
    out += ["</ul>", f"<p>{_html_value(_generated(loaded, 'html'))}</p>"]
    for s in sections(f):
        out.append(f"<h2>{html.escape((s.number + ' ' if s.number else '') + s.title)}</h2>")
        for e in s.entries:
            out.append(f"<h3>{html.escape((e.number + ' ' if e.number else '') + e.text)}</h3>")
            if e.line is not None:
                out.append(f"<p>Rad {e.line} i källan.</p>")
            out.append("<ul>")
            for a in e.answers:
                out += _html_answer(a)
            out.append("</ul>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
