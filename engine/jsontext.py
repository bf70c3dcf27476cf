"""The project's JSON text: the bytes of
`json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2)`, several times as fast, with one
difference: a NaN or infinity, which json.dumps writes as NaN or Infinity (not JSON, RFC 8259
section 6), is written as null. kravkoll never has one (read/numbers.py refuses them in every
input, expressions.py never divides by zero, rete.py refuses them in facts).

Most text comes from orjson (Rust), which writes indented, sorted JSON ten times as fast as the
standard library's pure-Python indenting encoder. Its text differs from json.dumps in two more
places, each caught: a float below 1e-4 in size (orjson writes 0.00001 or 1e-7 where Python
writes 1e-05 and 1e-07: seen as "0.0000" or a digit before "e-"), and an integer beyond 64 bits
or a type outside JSON's (orjson refuses them). Then the text is written here in Python: one
recursive function appending to a list, strings escaped by the C function the standard library
uses (json.encoder.encode_basestring), integers and floats by the same repr. Anything this does
not know exactly (a key that is not a string, a type outside JSON's, a subclass) is left to
json.dumps itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from json.encoder import c_make_encoder
from json.encoder import encode_basestring as _str  # the C escaper (ensure_ascii=False)

_INF = float("inf")
# Exactly these types (no subclass: an OrderedDict or a list subclass is a container to the C
# encoder, written at the wrong indent) make a container "flat".
_SCALARS = frozenset((str, int, float, bool, type(None)))

try:
    import orjson
except ImportError:  # an install without it still writes the same text, more slowly
    orjson = None

_ORJSON_OPTIONS = (orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS
                   | orjson.OPT_PASSTHROUGH_DATETIME) if orjson else 0
_DIGITS = frozenset(b"0123456789")


def _may_differ(raw: bytes) -> bool:
    """Whether orjson's text may hold a float written otherwise than by float.__repr__ (only
    floats below 1e-4 in size): "0.0000…" or a digit before "e-" (in a string too: then this
    module's writer is used for nothing). Plain searches: a regex took ten times as long."""
    if b"0.0000" in raw:
        return True
    i = raw.find(b"e-")
    while i != -1:
        if i and raw[i - 1] in _DIGITS:
            return True
        i = raw.find(b"e-", i + 2)
    return False


class _Unusual(Exception):
    """Something the fast path does not write exactly like json.dumps: use json.dumps."""


def _refuse(o):
    raise _Unusual


_flat_encoders: dict = {}


def _flat(o, inner: str) -> str:
    """A dict or list holding no container, by the C encoder: with the separator ",\n" + the
    indent of its items, its compact text is the indented text but for the brackets."""
    enc = _flat_encoders.get(inner)
    if enc is None:
        enc = _flat_encoders[inner] = c_make_encoder(None, _refuse, _str, None, ": ", "," + inner,
                                                     True, False, False)
    try:
        text = "".join(enc(o, 0))
    except ValueError:  # a NaN or infinity (allow_nan is off): item by item, written as null
        if type(o) is dict:
            items, brackets = [_str(k) + ": " + _scalar(o[k]) for k in _sorted_keys(o)], "{}"
        else:
            items, brackets = [_scalar(v) for v in o], "[]"
        return brackets[0] + inner + ("," + inner).join(items) + inner[:-2] + brackets[1]
    return text[0] + inner + text[1:-1] + inner[:-2] + text[-1]


def _sorted_keys(o: dict) -> list[str]:
    """A dict's keys in json.dumps' order; a key that is not text is _Unusual (json.dumps
    turns numbers into keys and sorts mixed keys its own way)."""
    keys = list(o)
    for k in keys:
        if type(k) is not str:
            raise _Unusual
    keys.sort()
    return keys


def _float(o: float) -> str:
    if o != o or o == _INF or o == -_INF:
        return "null"  # as orjson writes it: NaN and Infinity are not JSON
    return float.__repr__(o)


def _scalar(o) -> str:
    t = type(o)
    if t is str:
        return _str(o)
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    if t is int:
        return int.__repr__(o)
    if t is float:
        return _float(o)
    raise _Unusual


def _value(o, out: list, nl: str) -> None:
    t = type(o)
    if t is dict:
        if not o:
            out.append("{}")
            return
        inner = nl + "  "
        if _SCALARS.issuperset(map(type, o.values())):
            out.append(_flat(o, inner))
            return
        sep = "{" + inner
        for k in _sorted_keys(o):
            v = o[k]
            tv = type(v)
            if tv is dict or tv is list or tv is tuple:
                out.append(sep + _str(k) + ": ")
                _value(v, out, inner)
            else:
                out.append(sep + _str(k) + ": " + _scalar(v))
            sep = "," + inner
        out.append(nl + "}")
    elif t is list or t is tuple:
        if not o:
            out.append("[]")
            return
        inner = nl + "  "
        if _SCALARS.issuperset(map(type, o)):
            out.append(_flat(o, inner))
            return
        sep = "[" + inner
        for v in o:
            tv = type(v)
            if tv is dict or tv is list or tv is tuple:
                out.append(sep)
                _value(v, out, inner)
            else:
                out.append(sep + _scalar(v))
            sep = "," + inner
        out.append(nl + "]")
    else:
        out.append(_scalar(o))


def dumps(data, pad: str = "") -> str:
    """json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2), byte for byte; with
    `pad`, every line after the first is indented by it as well (an item nested in a larger
    document, whose first line the caller places)."""
    raw = _orjson(data, pad)
    if raw is not None:
        return raw.decode("utf-8")
    return _python(data, pad)


def dumps_bytes(data, pad: str = "") -> bytes:
    """dumps(data, pad) as UTF-8: a unit's JSON goes from the worker to the file as bytes,
    never decoded and encoded again on the way."""
    raw = _orjson(data, pad)
    return raw if raw is not None else _python(data, pad).encode("utf-8")


def array_pieces(items: Iterable[bytes], pad: str) -> Iterator[bytes]:
    """A JSON array whose closing bracket stands at `pad`, from items already written with
    dumps_bytes(item, pad + "  "): as dumps would write the list, given item by item."""
    inner = ("\n" + pad + "  ").encode("utf-8")
    sep = b"[" + inner
    for item in items:
        yield sep + item
        sep = b"," + inner
    yield b"[]" if sep[0] == ord("[") else ("\n" + pad + "]").encode("utf-8")


def _orjson(data, pad: str) -> bytes | None:
    if orjson is None:
        return None
    try:
        raw = orjson.dumps(data, _refuse, _ORJSON_OPTIONS)
    except (orjson.JSONEncodeError, _Unusual):
        return None
    if _may_differ(raw):
        return None
    return raw.replace(b"\n", b"\n" + pad.encode("utf-8")) if pad else raw


def _python(data, pad: str) -> str:
    out: list[str] = []
    try:
        _value(data, out, "\n" + pad)
    except (_Unusual, RecursionError):
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2)
        return text.replace("\n", "\n" + pad) if pad else text
    return "".join(out)


class Items:
    """A list written item by item and never held whole: `make()` gives the items anew each
    time it is called, `n` says how many (a county's units in the summary). pieces() writes
    it as a JSON array; anywhere else it is a list."""

    __slots__ = ("n", "make")

    def __init__(self, n: int, make):
        self.n, self.make = n, make

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        return iter(self.make())


def _listed(o):
    """o with every Items as a list (for the writers that need it whole)."""
    t = type(o)
    if t is Items:
        return [_listed(v) for v in o]
    if t is dict:
        return {k: _listed(v) for k, v in o.items()}
    if t is list or t is tuple:
        return t(_listed(v) for v in o)
    return o


def pieces(data, pad: str = "", big: int = 32, flush: int = 2048) -> Iterator[str]:
    """dumps(data, pad) in pieces, so that a large document (a county's summary) is never one
    string: containers are walked by a generator, a piece given after each item of a list
    longer than `big` (or of an Items); lists of scalars no longer than `big`, and containers
    below `big` items all through, by the fast path."""
    out: list[str] = []
    given = 0
    try:
        for _ in _walk(data, out, "\n" + pad, big):
            if len(out) >= flush:
                piece = "".join(out)
                out.clear()
                given += len(piece)
                yield piece
    except (_Unusual, RecursionError):
        # Rare (a type outside JSON's): the rest as json.dumps writes it. What was given is
        # the same as its beginning: the text is written left to right alike up to that point.
        yield dumps(_listed(data), pad)[given:]
        return
    yield "".join(out)


def _walked(v, big: int) -> bool:
    """Whether a value is walked by the generator rather than written whole."""
    tv = type(v)
    if tv is dict or tv is Items:
        return True
    if tv is list or tv is tuple:
        return len(v) > big or any(_walked(x, big) for x in v)
    return False


def _walk(o, out: list, nl: str, big: int) -> Iterator[None]:
    t = type(o)
    if t is dict:
        if not o:
            out.append("{}")
            return
        inner = nl + "  "
        sep = "{" + inner
        for k in _sorted_keys(o):
            v = o[k]
            out.append(sep + _str(k) + ": ")
            if _walked(v, big):
                yield from _walk(v, out, inner, big)
            else:
                _value(v, out, inner)
            sep = "," + inner
        out.append(nl + "}")
    elif t is list or t is tuple or t is Items:
        if not len(o):
            out.append("[]")
            return
        inner = nl + "  "
        sep = "[" + inner
        for v in o:
            out.append(sep)
            if _walked(v, big):
                yield from _walk(v, out, inner, big)
            else:
                _value(v, out, inner)
            sep = "," + inner
            yield None
        out.append(nl + "]")
    else:
        out.append(_scalar(o))
