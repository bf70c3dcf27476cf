"""Every source's `section` names a real heading of the document it quotes, and its lines lie
under that heading: a handläggare (or an appeal) looking up "4.7 Kravuppfyllnad" finds it.

Seed 003's headings are numbered ("4.5 Kommunala särskilda boenden" l.596, "4.6 Översyn av krav
gällande IT-säkerhet" l.752, "4.7 Kravuppfyllnad" l.822); "Uppföljning och sanktioner" is no
heading of it. Seed 004's sections are the form's question numbers ("2.3.2 …" l.398).
"""

from __future__ import annotations

import re

import pytest

from .support import SHARED
from .test_sources import SEEDS

pytestmark = pytest.mark.skipif(not (SHARED / "seeds").is_dir(), reason="../shared/seeds finns inte här")

HEADING = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)*)\.?\s+(\S.*?)\s*$")


def headings(document: str) -> list[tuple[int, str, str]]:
    """(line, number, full heading) of the numbered headings of a seed, in order."""
    out = []
    lines = (SHARED / "seeds" / SEEDS[document]).read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines, 1):
        m = HEADING.match(line)
        if m and not m.group(2)[0].isdigit():
            out.append((n, m.group(1), f"{m.group(1)} {m.group(2)}"))
    return out


def span(lines: str) -> tuple[int, int]:
    """'l.410–412' -> (410, 412); 'l.653' -> (653, 653)."""
    numbers = [int(x) for x in re.findall(r"[0-9]+", lines)]
    return numbers[0], numbers[-1]


def sources(books):
    from engine.model.rulebook_refs import _sources

    for book in books:
        for source, path in _sources(book.model):
            yield f"{book.model.id}:{'.'.join(map(str, path))}", source
        for i, rule in enumerate(book.model.rules):
            if rule.decided is not None:
                yield f"{book.model.id}:rules.{i}.decided", rule.decided


def test_every_section_of_the_review_is_a_heading_of_it(books):
    """Seed 003: the section label is a heading, word for word, and the quoted lines follow it
    before the next heading of the same or a higher level."""
    found = headings("oversyn_2022")
    wrong = []
    for where, src in sources(books):
        if src.document != "oversyn_2022":
            continue
        at = [h for h in found if h[2] == src.section]
        if not at:
            wrong.append(f"{where}: '{src.section}' är ingen rubrik i källan")
            continue
        line, number, _ = at[0]
        later = [h[0] for h in found if h[0] > line and len(h[1].split(".")) <= len(number.split("."))]
        end = later[0] if later else 10**9
        first, last = span(src.lines)
        if not (line < first and last < end):
            wrong.append(f"{where}: {src.lines} ligger inte under rubriken '{src.section}' (l.{line})")
    assert wrong == []


def test_every_question_of_the_form_starts_its_section(books):
    """Seed 004: the section is the question's number and its lines lie within that question."""
    found = headings("arsbokslut_2023")
    # the form's headings are questions (2.3.2) and parts (2.4); "2 § …" quotes a law
    numbers = [(line, number) for line, number, text in found
               if "." in number and "§" not in text]
    wrong = []
    for where, src in sources(books):
        if src.document != "arsbokslut_2023":
            continue
        at = [line for line, number in numbers if number == src.section]
        if not at:
            wrong.append(f"{where}: fråga {src.section} finns inte i formuläret")
            continue
        following = [line for line, _ in numbers if line > at[0]]
        end = following[0] if following else 10**9
        first, last = span(src.lines)
        if not (at[0] <= first and last < end):
            wrong.append(f"{where}: {src.lines} ligger inte under fråga {src.section} (l.{at[0]})")
    assert wrong == []


def test_the_invented_heading_is_gone(books):
    labels = {src.section for _where, src in sources(books)}
    assert "Uppföljning och sanktioner" not in labels
    assert "4.7 Kravuppfyllnad" in labels
