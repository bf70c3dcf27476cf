"""The strict YAML reader takes libyaml's C composer when it cannot differ from the strict one,
and gives exactly the same data, positions and refusals either way.

What a user would check: a file reads the same and a bad file gets the same Swedish message
(line, column, field) as before the faster reader: anchors and aliases, nesting beyond 40
levels (also when another problem comes later or earlier in the file), duplicate keys, tags."""

from __future__ import annotations

import pytest

from engine.errors import InputError
from engine.read import yamlstrict
from tests.support import EXAMPLE


def _strict_only(monkeypatch):
    monkeypatch.setattr(yamlstrict, "_compose_fast", lambda text: None)


def _outcome(text: str):
    try:
        doc = yamlstrict.load_text(text, "f.yaml")
    except InputError as exc:
        return ("refused", str(exc))
    return ("read", doc.data, doc.positions, doc.key_positions)


DEEP = "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 45)) + "  " * 45 + "v: 1\n"
CASES = {
    "example": EXAMPLE.read_text(encoding="utf-8"),
    "flow and block": "a: [1, 2, {b: c}]\nd:\n  - e: 1.5\n    f: '0123'\n  - null\n",
    "duplicate key": "a: 1\nb: 2\na: 3\n",
    "tag": "a: !!python/object:os.system x\n",
    "anchor": "a: &x 1\nb: 2\n",
    "alias": "a: &x [1]\nb: *x\n",
    "star in a string": "a: '*ej alias*'\nb: 'R&D'\n",
    "deep block": DEEP,
    "deep flow": "a: " + "[" * 60 + "]" * 60 + "\n",
    "deep then syntax error": DEEP + "b: [\n",
    "duplicate key then deep": "x: 1\nx: 2\n" + DEEP,
    "syntax error": "a: b: c\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "comments only": "# bara en kommentar\n",
    "control character": 'a: "\\x01"\n',
    "merge key": "a:\n  <<: {b: 1}\n",
    "merge value": "a: <<\n",
    "quoted merge value": "a: '<<'\nb: =\nc: 2001-12-14\nd: 0x1F\ne: .inf\nf: ''\ng: ~\n",
    "non-specific tag": "a: ! 12\nb: !!str 1\nc: !!int '2'\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_reader_gives_what_the_strict_one_gives(name, monkeypatch):
    fast = _outcome(CASES[name])
    _strict_only(monkeypatch)
    strict = _outcome(CASES[name])
    assert fast == strict


def test_fast_composer_is_used_for_an_ordinary_file(monkeypatch):
    """Otherwise the speed-up is silently lost (e.g. a libyaml without the C composer)."""
    used = []
    real = yamlstrict._compose_fast
    monkeypatch.setattr(yamlstrict, "_compose_fast", lambda text: used.append(1) or real(text))
    monkeypatch.setattr(yamlstrict._Loader, "get_single_node",
                        lambda self: pytest.fail("strict composer used for an ordinary file"))
    yamlstrict.load_text(CASES["example"], "f.yaml")
    assert used
