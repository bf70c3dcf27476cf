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


# Seed 002's headings are unnumbered; these are its headings (line: text) from the report's
# chapters on Uppdrag och regler, the ersättningsmodell and the uppföljningsplan, read off the
# seed, and the background chapter.
HEADINGS_002 = {
    1: "Bakgrund", 647: "Hälsovalets utformning som del i en större helhet",
    667: "Grundläggande förutsättningar och uppbyggnad av hälsoval primärvård i Västerbotten",
    821: "Analys gällande uppdrag och regler", 841: "Flera olika hälsoval inom länet",
    856: "Minskat primärvårdsuppdrag genom hälsovalet", 872: "Utökat primärvårdsuppdrag",
    897: "Lokal utveckling", 906: "Olika geografiska förutsättningar och ersättningsvillkor",
    931: "Filialer", 943: "Primärvårdens grunduppdrag i andra regioner",
    955: "Kompetensförsörjning och bemanning i primärvården",
    970: "Rekommendationer gällande uppdrag och regler för hälsoval primärvård",
    988: "Mål med justeringar i uppdrag och regler", 995: "Risker med justeringar i uppdrag och regler",
    1002: "Analys gällande ersättningsmodell", 1052: "Resultat av stimulansersättningar i vården",
    1081: "Nya arbetssätt och digitalisering", 1100: "Care need index",
    1118: "Kön som variabel i riskjusterad kapitering- och läkemedelsersättning",
    1134: "Princip för kostnadsansvar", 1146: "Välfärdsbrottslighet och manipulation",
    1155: "Samarbete mellan region och kommun",
    1171: "Rekommendationer gällande ersättningsmodell för hälsoval primärvård",
    1187: "Mål med justerad ersättningsmodell", 1194: "Risker med justerad ersättningsmodell",
    1203: "Analys gällande uppföljningsplan",
    1243: "Rekommendationer gällande uppföljningsplan för hälsoval primärvård",
    1263: "Mål med förändrad uppföljningsplan", 1273: "Risker med förändrad uppföljningsplan",
    1284: "Sammanfattning",
}


def test_the_headings_of_the_vasterbotten_report_are_read_off_the_seed():
    lines = (SHARED / "seeds" / SEEDS["fm_uppdrag_2024"]).read_text(encoding="utf-8").splitlines()
    for n, text in HEADINGS_002.items():
        heading = " ".join(x.strip() for x in lines[n - 1:n + 1])  # 667 wraps onto l.668
        assert heading.startswith(text) or lines[n - 1].strip() == text, (n, text)


def test_every_section_of_the_vasterbotten_report_is_the_heading_its_lines_stand_under(books):
    """Seed 002: the quote stands under the nearest heading above its first line, e.g. the
    vårdgaranti sentence (l.1075–1076) under "Resultat av stimulansersättningar i vården"
    (l.1052), not under the next heading, "Nya arbetssätt och digitalisering" (l.1081)."""
    wrong = []
    for where, src in sources(books):
        if src.document != "fm_uppdrag_2024":
            continue
        first, _last = span(src.lines)
        above = max(n for n in HEADINGS_002 if n < first)
        if HEADINGS_002[above] != src.section:
            wrong.append(f"{where}: {src.lines} står under '{HEADINGS_002[above]}' (l.{above}), "
                         f"inte '{src.section}'")
    assert wrong == []
