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
