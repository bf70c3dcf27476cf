"""Every quote in the project's rulebooks stands, word for word, in the source document it names."""

import re

import pytest

from .support import SHARED

SEEDS = {"arsbokslut_2023": "004_550c89f4d5fcb244.txt", "oversyn_2022": "003_1cd5a5c6937e99cd.txt",
         "fm_uppdrag_2024": "002_893a37414d0510f4.txt"}


def normal(text: str) -> str:
    """Fold the PDF extraction's line breaks, hyphenation and quote styles."""
    text = text.replace("”", '"').replace("“", '"')
    # "sjukskö-\n\nterskor", "typ 2-\ndiabetes": line breaks and hyphens carry no words
    return re.sub(r"[\s\-]+", "", text)


def quotes(books):
    from engine.model.rulebook_refs import _sources

    for book in books:
        for source, path in _sources(book.model):
            yield book.model.id, ".".join(map(str, path)), source


@pytest.mark.skipif(not (SHARED / "seeds").is_dir(), reason="../shared/seeds finns inte här")
def test_every_quote_is_verbatim_in_its_source(books):
    texts = {doc: normal((SHARED / "seeds" / name).read_text(encoding="utf-8"))
             for doc, name in SEEDS.items()}
    wrong = [f"{book}:{path}: {source.quote[:60]}" for book, path, source in quotes(books)
             if normal(source.quote) not in texts[source.document]]
    assert wrong == []


def test_every_rule_has_a_quote(books):
    for book in books:
        for r in book.model.rules:
            assert len(r.source.quote) > 20, r.id


def _seed_lines(document: str) -> list[str]:
    return (SHARED / "seeds" / SEEDS[document]).read_text(encoding="utf-8").split("\n")


def _cited(lines: str) -> tuple[int, int]:
    m = re.fullmatch(r"l\.(\d+)(?:–(\d+))?", lines)
    assert m, f"radhänvisningen {lines!r} ska skrivas l.N eller l.N–M"
    return int(m[1]), int(m[2] or m[1])


@pytest.mark.skipif(not (SHARED / "seeds").is_dir(), reason="../shared/seeds finns inte här")
def test_every_quote_lies_exactly_within_its_cited_lines(books):
    """A reader who opens the seed at the cited lines finds the whole quote there, beginning on
    the first cited line and ending on the last: not a line off (issue 20, item 7)."""
    texts = {doc: _seed_lines(doc) for doc in SEEDS}
    wrong = []
    for book, path, source in quotes(books):
        if source.lines is None:
            wrong.append(f"{book}:{path}: radnummer saknas")
            continue
        first, last = _cited(source.lines)
        seed = texts[source.document]

        def holds(a: int, b: int) -> bool:
            return normal(source.quote) in normal("\n".join(seed[a - 1:b]))

        if not holds(first, last):
            wrong.append(f"{book}:{path}: citatet står inte inom {source.lines}")
        elif holds(first + 1, last) or (last > first and holds(first, last - 1)):
            wrong.append(f"{book}:{path}: {source.lines} är vidare än citatet")
    assert wrong == []


@pytest.mark.skipif(not (SHARED / "seeds").is_dir(), reason="../shared/seeds finns inte här")
def test_the_exactness_check_sees_a_range_one_line_off():
    """The check above on known text: 003 l.870–871 holds JHV-LIS-01's quote, l.871–872 and
    l.869–871 do not hold it exactly (the listing rule's vite, 003 l.870–872)."""
    seed = _seed_lines("oversyn_2022")
    quote = normal("Om vårdgivaren inte uppfyller kravet på mottagande av patient enligt "
                   "listningsreglerna, utgår ett vite om 1 000 kr/person/vecka.")
    assert quote in normal("\n".join(seed[869:871]))
    assert quote not in normal("\n".join(seed[870:872]))
    assert quote in normal("\n".join(seed[868:871])) and quote in normal("\n".join(seed[869:871]))
