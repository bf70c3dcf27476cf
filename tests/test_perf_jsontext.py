"""engine.jsontext writes exactly json.dumps(ensure_ascii=False, sort_keys=True, indent=2), but
for NaN and Infinity, which are not JSON: null.

What a user would check: a JSON report, SARIF log or ledger export is byte for byte what it was
before the faster encoders (orjson, and this module's own writer where orjson's text would
differ), for any data: floats (repr, 1e-05, 1e-07, -0.0), integers beyond 64 bits, non-ASCII
and control characters, empty and nested containers, tuples, non-string keys, subclasses; and
valid JSON where json.dumps would write NaN or Infinity."""

from __future__ import annotations

import collections
import enum
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.jsontext import dumps, pieces


def _finite(data):
    """NaN and ±Infinity as None, in plain containers (what jsontext writes as null)."""
    if type(data) is float and (data != data or data in (float("inf"), float("-inf"))):
        return None
    if type(data) is dict:
        return {k: _finite(v) for k, v in data.items()}
    if type(data) in (list, tuple):
        return type(data)(_finite(v) for v in data)
    return data


def reference(data) -> str:
    return json.dumps(_finite(data), ensure_ascii=False, sort_keys=True, indent=2)


def test_not_a_number_is_written_as_null():
    text = dumps({"a": [float("nan"), 1.5], "b": float("inf"), "c": [[float("-inf")]]})
    assert json.loads(text) == {"a": [None, 1.5], "b": None, "c": [[None]]}
    assert "NaN" not in text and "Infinity" not in text


def test_floats_orjson_writes_otherwise_are_written_as_python_writes_them():
    for x in (1e-05, -1.0035973285916098e-09, 9.99e-05, 0.0001, 1e16, 1e22, 123456789.123):
        data = {"v": [x, {"w": x}], "text": "e-tjänster 0.00001"}
        assert dumps(data) == reference(data)
        assert repr(x) in dumps(data)
    assert dumps({"big": 2 ** 64, "neg": -2 ** 70}) == reference({"big": 2 ** 64, "neg": -2 ** 70})


scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
           | st.floats(min_value=-1e-3, max_value=1e-3) | st.text())
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.lists(inner, max_size=3).map(tuple)
                      | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(values)
def test_same_text_as_json_dumps(data):
    assert dumps(data) == reference(data)
    # nested as an item of a larger document (the batch JSON's "results")
    assert dumps(data, "    ") == reference(data).replace("\n", "\n    ")
    # in pieces (a county's summary), walked by the generator from the smallest size on
    assert "".join(pieces(data, "  ", big=1, flush=1)) == reference(data).replace("\n", "\n  ")


class Colour(str, enum.Enum):
    RED = "röd"


class Count(int):
    pass


class Items(list):
    pass


def test_edge_cases_are_written_as_json_dumps_writes_them():
    cases = [
        {"å": "ä\u2028ö\x00\x1f\"\\/", "b": [1.0, 1e-05, -0.0, 1e16, 0.1 + 0.2, float("nan"),
                                             float("inf"), float("-inf")]},
        {"a": {}, "b": [], "c": [{}], "d": [[], [[]]], "e": ()},
        {2: "number key", 1: "another"},  # json turns keys into strings, sorted as numbers
        {"enum": Colour.RED, "count": Count(3), Colour.RED: "enum key"},
        {"enum": Colour.RED, "count": Count(3)}, [Count(1), Colour.RED],
        [collections.OrderedDict(b=1, a=[2])], {"o": collections.OrderedDict(a=1)},
        {"l": Items([1, {"b": 2}])}, [Items([3])],
        "bare string", 12, None, [],
    ]
    for data in cases:
        assert dumps(data) == reference(data)
        whole = [list(range(5)), data]  # pieces given before an unusual value is met
        assert "".join(pieces(whole, big=2, flush=1)) == reference(whole)


def test_refuses_what_json_dumps_refuses():
    loop: list = []
    loop.append(loop)
    for bad in (loop, {"a": object()}, {"a": {1, 2}}):
        try:
            json.dumps(bad, ensure_ascii=False, sort_keys=True, indent=2)
        except (TypeError, ValueError) as exc:
            expected = type(exc)
        try:
            dumps(bad)
        except expected:
            continue
        raise AssertionError(f"{bad!r} was written")


def test_a_large_list_deep_inside_small_containers_is_given_in_pieces():
    """The batch summary holds one rulebook (a list of one) whose matrix lists every unit: the
    text must still come in pieces of bounded size, not as one string per rulebook."""
    from engine.jsontext import Items

    units = [{"path": f"enhet-{i}.yaml", "outcomes": ["pass", "fail"] * 5} for i in range(5000)]
    data = {"rulebooks": [{"id": "r", "matrix": {"units": units}}], "files": 5000}
    parts = list(pieces(data, "  "))
    assert "".join(parts) == reference(data).replace("\n", "\n  ")
    assert len(parts) > 10 and max(map(len, parts)) < len("".join(parts)) / 10
    made = []

    def make():
        made.append(1)
        return iter(units)

    lazy = {"rulebooks": [{"id": "r", "matrix": {"units": Items(len(units), make)}}],
            "files": 5000}
    assert "".join(pieces(lazy, "  ")) == "".join(parts)
    assert made == [1]  # walked once, item by item
    assert "".join(pieces({"none": Items(0, list)})) == reference({"none": []})
