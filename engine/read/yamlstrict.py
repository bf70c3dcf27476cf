"""Strict YAML for files written by people: keeps line numbers and closes YAML's traps.

- Only plain scalars that are unambiguous become numbers: `0123` stays the string "0123",
  `12:30` stays "12:30", `yes`/`no`/`on`/`off` stay strings. `true`/`false`, `null`/`~`/empty,
  decimal integers and decimal floats are typed; ISO dates stay strings for pydantic to parse.
- Duplicate keys, anchors, aliases, merge keys and explicit tags (`!!python/...`) are errors,
  so a file can neither hide a second value nor expand into a memory bomb nor run code.
- Size and nesting depth are bounded.
- Every value's position is kept: `Document.locate(path)` gives (line, column), 1-based.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode, SequenceNode
from yaml.resolver import Resolver

from engine.errors import InputError

from .numbers import MAX_DIGITS
from .text_rules import BIDI_CONTROLS, refused_char

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 40

_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[-+]?(0|[1-9][0-9]*)\.[0-9]+([eE][-+]?[0-9]+)?$")
_NULL = {"", "~", "null", "Null", "NULL"}
_BOOL = {"true": True, "True": True, "false": False, "False": False}
# What the YAML reader refuses in the file itself, refused also when a quoted escape ("\0",
# "\x01", "\e") writes it: no control character reaches a report, an XML file or a worksheet.
# Nor a bidi override, embedding or isolate (text_rules.py), in any YAML file kravkoll reads.
_CONTROL = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff{BIDI_CONTROLS}]")


class _StrictComposer(Composer):
    """A composer that refuses aliases and anchors (nothing is shared, nothing expands) and
    nesting deeper than MAX_DEPTH."""

    def compose_node(self, parent, index):  # noqa: D102 - PyYAML hook
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused("alias (*namn) är inte tillåtet", event.start_mark)
        event = self.peek_event()
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _Refused(f"ankare (&{anchor}) är inte tillåtet", event.start_mark)
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(f"för djup nästling (mer än {MAX_DEPTH} nivåer)", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


if hasattr(yaml, "_yaml"):
    class _Loader(_StrictComposer, yaml._yaml.CParser, SafeConstructor, Resolver):
        """libyaml's parser (about 7 times faster than PyYAML's) under our strict composer."""

        def __init__(self, stream):
            yaml._yaml.CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
else:  # pragma: no cover - PyYAML built without libyaml
    class _Loader(_StrictComposer, yaml.SafeLoader):
        """PyYAML's own parser under our strict composer."""


class _TooDeep(Exception):
    """The fast composer built a tree deeper than MAX_DEPTH: the strict one says where."""


def _compose_fast(text: str):
    """libyaml's C composer (the marks are kept), for a text where it cannot differ from the
    strict one: no '&' or '*' anywhere, so no anchor or alias can be in it. Nesting is bounded
    in _build. None when the text is not for it or anything goes wrong; then the strict
    composer reads the file again and gives its own message for the first problem."""
    if _CLoader is None or "&" in text or "*" in text:
        return None
    loader = _CLoader(text)
    try:
        return loader.get_single_node()
    except Exception:
        return None
    finally:
        loader.dispose()


class _FastResolver(Resolver):
    """The tags the strict reader can tell apart, without YAML 1.1's regular expressions per
    scalar: _build only asks whether a tag is allowed, and _scalar types plain scalars by its
    own rules. The one implicit tag it refuses, merge (a plain `<<`), is given as before."""

    def resolve(self, kind, value, implicit):  # noqa: D102 - PyYAML hook
        if kind is ScalarNode:
            return _MERGE_TAG if implicit[0] and value == "<<" else _STR_TAG
        return _SEQ_TAG if kind is SequenceNode else _MAP_TAG


_CLoader = None
if hasattr(yaml, "_yaml"):
    class _CLoader(yaml._yaml.CParser, SafeConstructor, _FastResolver):
        """libyaml's parser and composer."""

        def __init__(self, stream):
            yaml._yaml.CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            _FastResolver.__init__(self)

        # libyaml's composer calls these two around every node; with no path resolvers
        # registered they do nothing, and C callables that do nothing cost a third of a
        # Python method each (slice(parent, index) and tuple() are made and dropped).
        descend_resolver = slice
        ascend_resolver = tuple


class _Refused(Exception):
    def __init__(self, message: str, mark):
        super().__init__(message)
        self.message = message
        self.mark = mark


@dataclass
class Document:
    """A loaded YAML file: its plain data and where each value stands in the file."""

    file: str
    data: Any
    positions: dict[tuple, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[tuple, tuple[int, int]] = field(default_factory=dict)
    text: str = ""
    sha256: str = ""  # of the bytes read (set by load_file): the content a report names

    def locate(self, path: tuple) -> tuple[int | None, int | None]:
        """Line and column of the value at path, or of its nearest existing parent."""
        path = tuple(path)
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), (1, 1))

    def locate_key(self, path: tuple) -> tuple[int | None, int | None]:
        """Line and column of the key itself (for unknown-key messages)."""
        return self.key_positions.get(tuple(path)) or self.locate(path)


def decode(raw: bytes, file: str) -> str:
    """Bytes to text: UTF-8 (a byte-order mark is dropped), else Windows-1252 when that reads cleanly."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # Files saved from Word/Excel on Windows: cp1252 is a superset of Latin-1 for letters.
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise InputError.single(file, "filen är varken UTF-8 eller Windows-1252/Latin-1; "
                                    "spara den som UTF-8") from exc
    if "\x00" in text:
        raise InputError.single(file, "filen innehåller NUL-tecken och är inte en textfil")
    return text.replace("\r\n", "\n").replace("\r", "\n")


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ufffe\uffff]")


def shown_name(path: str | Path) -> str:
    """A path as text any report can hold: bytes that are not UTF-8 and control characters
    (a newline too) written as escapes, e.g. 'h\\xe4lsa.yaml'."""
    name = str(path)
    try:
        text = os.fsencode(name).decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        text = name.encode("utf-8", "backslashreplace").decode("utf-8")
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def load_file(path: str | Path, max_bytes: int = MAX_BYTES) -> Document:
    p = Path(path)
    name = str(path)
    if shown_name(name) != name:  # the name would break every message and report it is in
        raise InputError.single(shown_name(name), "sökvägen innehåller kontrolltecken eller byte "
                                "som inte är UTF-8; byt namn på filen eller mappen")
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise InputError.single(name, f"filen är {size} byte; största tillåtna storlek är "
                                    f"{max_bytes} byte")
        with p.open("rb") as fh:  # at most one byte too many: /dev/zero or a pipe never ends
            raw = fh.read(max_bytes + 1)
        if len(raw) > max_bytes:
            raise InputError.single(name, f"filen är större än {max_bytes} byte, den största "
                                    "tillåtna storleken")
    except FileNotFoundError:
        raise InputError.single(name, "filen finns inte") from None
    except IsADirectoryError:
        raise InputError.single(name, "är en mapp, inte en fil") from None
    except PermissionError:
        raise InputError.single(name, "filen kan inte läsas (behörighet saknas)") from None
    except OSError as exc:  # a name too long, a loop of links, a read error
        from engine.output import os_reason

        raise InputError.single(name, f"filen kan inte läsas ({os_reason(exc)})") from None
    doc = load_text(decode(raw, name), name)
    doc.sha256 = hashlib.sha256(raw).hexdigest()  # the bytes read once: a pipe is not read twice
    if _reads is not None:
        _reads.append((name, doc.sha256))
    return doc


_reads: list[tuple[str, str]] | None = None


@contextmanager
def recording() -> Iterator[list[tuple[str, str]]]:
    """(file, sha256 of its bytes) of every file load_file reads within the block: what a
    result was made from exactly (the library cache keys on it, engine/model/library_cache.py)."""
    global _reads
    outer, _reads = _reads, []
    try:
        yield _reads
    finally:
        mine, _reads = _reads, outer
        if outer is not None:
            outer.extend(mine)


def load_text(text: str, file: str) -> Document:
    if not text.strip():
        raise InputError.single(file, "filen är tom")
    node = _compose_fast(text)
    if node is not None:
        doc = Document(file=file, data=None, text=text)
        # No control character in the text, and no backslash to write one as an escape: then
        # no value holds one, and the values need not be searched one by one.
        controls = "\\" in text or _CONTROL.search(text) is not None
        try:
            doc.data = _build(node, (), doc, controls)
            return doc
        except (_TooDeep, InputError):
            pass  # read again strictly: its first problem is the one reported, as it always was
    loader = None
    try:
        loader = _Loader(text)  # the reader refuses control characters already here
        node = loader.get_single_node()
    except _Refused as exc:
        raise InputError.single(file, exc.message, line=exc.mark.line + 1,
                                column=exc.mark.column + 1) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or ""
        # libyaml >= 0.2.5 (PyYAML 6.0.3+) stops deep nesting in its own parser, before our
        # composer sees it: the same refusal as ours, in the same words.
        what = (f"för djup nästling (mer än {MAX_DEPTH} nivåer)"
                if problem.startswith("exceeded maximum nesting depth")
                else "ogiltig YAML: " + _swedish_yaml_problem(problem))
        raise InputError.single(file, what,
                                line=mark.line + 1 if mark else None,
                                column=mark.column + 1 if mark else None) from None
    except yaml.reader.ReaderError:
        raise InputError.single(file, "otillåtet tecken (kontrolltecken hör inte hemma i en "
                                "textfil)") from None
    except yaml.YAMLError as exc:
        raise InputError.single(file, f"ogiltig YAML: {exc}") from None
    except RecursionError:
        raise InputError.single(file, "för djup nästling") from None
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        raise InputError.single(file, "filen är tom (den innehåller bara kommentarer)")
    doc = Document(file=file, data=None, text=text)
    doc.data = _build(node, (), doc)
    return doc


def _swedish_yaml_problem(problem: str) -> str:
    known = {
        "found character '\\t' that cannot start any token": "tabbtecken kan inte användas för indrag",
        "found character that cannot start any token": "ett tecken som inte kan inleda ett värde "
                                                        "(tabbtecken i indrag, eller @ eller ` först?)",
        "mapping values are not allowed": "kolon på fel ställe (saknas citattecken runt värdet?)",
        "could not find expected ':'": "kolon saknas efter nyckeln",
        "did not find expected key": "nyckel saknas här (fel indrag?)",
        "did not find expected ',' or ']'": "komma eller ] saknas i listan",
        "did not find expected ',' or '}'": "komma eller } saknas i mappningen",
        "did not find expected node content": "ett värde saknas",
        "expected the node content, but found '<stream end>'": "filen tar slut mitt i ett värde",
        "found unexpected end of stream": "filen tar slut mitt i ett värde (saknas ett citattecken?)",
        "found undefined tag handle": "okänd tagg",
        "block sequence entries are not allowed in this context": "listpunkt på fel ställe",
        "did not find expected '-' indicator": "listpunkt saknas (fel indrag?)",
        "found undefined alias": "okänt alias",
        "expected <block end>, but found '-'": "listpunkt på fel indragsnivå",
        "expected a single document in the stream": "filen innehåller flera YAML-dokument",
        "but found another document": "filen innehåller flera YAML-dokument (---)",
        "did not find expected <document start>": "oväntat tecken efter slutet av dokumentet",
        "found duplicate %YAML directive": "%YAML-direktivet förekommer två gånger",
    }
    for en, sv in known.items():
        if problem.startswith(en):
            return sv
    return f"YAML-tolken säger: {problem}"


_SCALAR_TAGS = {"tag:yaml.org,2002:" + t for t in
                ("str", "int", "float", "bool", "null", "timestamp", "value")}
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAGS, _MAP_TAGS = frozenset({_SEQ_TAG}), frozenset({_MAP_TAG})
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _build(node, path: tuple, doc: Document, controls: bool = True) -> Any:
    """The value of a node composed by libyaml, with every position recorded; `controls`:
    whether values may hold a control character (then each is searched)."""
    if len(path) >= MAX_DEPTH:  # only after the fast composer: the strict one stops earlier
        raise _TooDeep
    mark = node.start_mark
    line, col = mark.line + 1, mark.column + 1
    doc.positions[path] = (line, col)
    kind = node.__class__
    if node.tag not in (_SCALAR_TAGS if kind is ScalarNode
                        else _SEQ_TAGS if kind is SequenceNode else _MAP_TAGS):
        # Explicit tags (!!python/object, !!binary, !custom) could construct objects: refused.
        raise InputError.single(doc.file, f"taggen {node.tag.replace('tag:yaml.org,2002:', '!!')} "
                                "är inte tillåten", dotted(path), line, col)
    if kind is ScalarNode:
        if controls:
            _refuse_control(node, path, doc)
        return _scalar(node)
    if kind is SequenceNode:
        return [_build(child, path + (i,), doc, controls) for i, child in enumerate(node.value)]
    out: dict[str, Any] = {}
    for key_node, value_node in node.value:
        kmark = key_node.start_mark
        kpos = (kmark.line + 1, kmark.column + 1)
        if key_node.__class__ is not ScalarNode:
            raise InputError.single(doc.file, "en nyckel måste vara en enkel text", dotted(path), *kpos)
        if controls:
            _refuse_control(key_node, path, doc)
        if key_node.value == "<<":
            raise InputError.single(doc.file, "sammanslagningsnyckeln '<<' är inte tillåten",
                                    dotted(path), *kpos)
        key = str(key_node.value)
        if key in out:
            first = doc.key_positions.get(path + (key,), (None, None))[0]
            raise InputError.single(doc.file, f"nyckeln '{key}' förekommer två gånger "
                                    f"(först på rad {first})", dotted(path + (key,)), *kpos)
        doc.key_positions[path + (key,)] = kpos
        out[key] = _build(value_node, path + (key,), doc, controls)
    return out


def _refuse_control(node: ScalarNode, path: tuple, doc: Document) -> None:
    bad = _CONTROL.search(node.value)
    if bad:
        raise InputError.single(doc.file, refused_char(bad.group(), bad.start()), dotted(path),
                                node.start_mark.line + 1, node.start_mark.column + 1)


def _scalar(node: ScalarNode) -> Any:
    value = node.value
    if node.style is not None and node.style != "":
        return value  # quoted or block scalar: always a string
    # Plain scalars are resolved by our own narrow rules, not YAML 1.1's.
    if value in _NULL:
        return None
    if value in _BOOL:
        return _BOOL[value]
    if _INT.match(value):
        # Longer stays text (int() fails past 4 300 digits): a number field refuses it by its bound.
        return int(value) if len(value.lstrip("+-")) <= MAX_DIGITS else value
    if _FLOAT.match(value):
        return float(value)
    return value


def dotted(path: tuple) -> str:
    """('bemanning', 'lakare', 0) -> 'bemanning.lakare[0]'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
