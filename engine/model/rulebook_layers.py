"""Rulebooks built from other files: `include` (a shared layer, e.g. the national rules) and
`extends` (a year's rulebook written as the changes from the year before).

Both are resolved on the YAML data, before validation, so the rulebook the engine sees, `kravkoll
explain --rulebook` shows and the report hashes is one plain rulebook:

    include: [../nationellt/lagkrav.yaml]   # layers: documents, parameters, measures, rules
    extends: halsoval-2021.yaml             # the rulebook of the year before
    parameters: {...}                       # added, or replacing the one with the same name
    rules: [...]                            # replacing the rule with the same id, or added last
    insert_after: {JHV-SAB-02: [...]}       # rules added after a given rule
    remove: {rules: [...], parameters: [...]}

A layer file has `layer: <name>` instead of `id` and holds only the parts it shares. Paths are
relative to the including file. A rulebook's own entries win over what it includes or extends.
The hash of a resolved rulebook is the sha256 of its canonical JSON (sorted keys), so it changes
exactly when the resolved content does; a rulebook without include/extends keeps the hash of its
bytes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from engine.errors import InputError
from engine.read.yamlstrict import Document, load_file

MERGED = ("documents", "parameters", "sanctions", "measures")  # dicts merged by name
CHANGE_KEYS = ("include", "extends", "insert_after", "remove")
MAX_DEPTH = 8
# Files one rulebook may take in, counting every include and extends however often the same
# file recurs: six small files including each other many times would otherwise be read and
# merged an exponential number of times (issue 19).
MAX_INCLUDES = 64


class _Run:
    """One rulebook's resolution: each file loaded and resolved once, the includes counted."""

    def __init__(self, loaded: dict[Path, Document] | None = None):
        self.loaded: dict[Path, Document] = {} if loaded is None else loaded
        self.resolved: dict[Path, dict] = {}
        self.sources: dict[Path, list[str]] = {}
        self.count = 0


def is_layer(data: Any) -> bool:
    return isinstance(data, dict) and "layer" in data


def uses_layers(data: Any) -> bool:
    return isinstance(data, dict) and ("include" in data or "extends" in data)


def resolve(doc: Document, layers: dict[Path, Document] | None = None) -> Document:
    """The rulebook document with include/extends applied; the document itself when it has none.
    `layers`: the files already read by path, shared by the rulebooks of one library load (a
    layer or a base rulebook many of them take in is read once; nothing changes its data)."""
    if not uses_layers(doc.data):
        return doc
    run = _Run(layers)
    data = _resolved(doc, (Path(doc.file).resolve(),), run)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    out = Document(doc.file, data, *_positions(doc, data), doc.text,
                   hashlib.sha256(canonical.encode("utf-8")).hexdigest())
    listing = _Run()
    listing.loaded = run.loaded  # the same files, not read again
    out.sources = [doc.file, *_sources(doc, (Path(doc.file).resolve(),), listing)]
    return out


def _positions(doc: Document, data: dict) -> tuple[dict, dict]:
    """Where the resolved rulebook's values stand in the file: the file's own rules (written in
    `rules` or `insert_after`) moved to their place in the resolved list; inherited ones have
    no line of this file, so a message about them names the rule list (and the rule's id)."""
    own: dict[Any, tuple] = {}
    for k, rule in enumerate(doc.data.get("rules") or []):
        own[_rule_id(rule)] = ("rules", k)
    for anchor, added in (doc.data.get("insert_after") or {}).items():
        for k, rule in enumerate(added if isinstance(added, list) else []):
            own[_rule_id(rule)] = ("insert_after", anchor, k)
    moved = {rid: ("rules", i) for i, r in enumerate(data.get("rules") or [])
             if (rid := _rule_id(r)) in own}
    lengths = {len(src) for src in own.values()}
    result = []
    for table in (doc.positions, doc.key_positions):
        out = {p: v for p, v in table.items() if p[:1] not in (("rules",), ("insert_after",))}
        out[("rules",)] = table.get(("rules",)) or table.get(("insert_after",)) or (1, 1)
        under: dict[tuple, list] = {}  # the table's entries under each rule's path, in order
        for p, v in table.items():
            for n in lengths:
                if len(p) >= n:
                    under.setdefault(p[:n], []).append((p, v))
        for rid, to in moved.items():
            src = own[rid]
            for p, v in under.get(src, ()):
                out[to + p[len(src):]] = v
        result.append(out)
    return result[0], result[1]


def _load(base: Document, key: str, ref: Any, chain: tuple, run: _Run) -> tuple[Document, Path]:
    where = base.locate((key,))
    run.count += 1
    if run.count > MAX_INCLUDES:
        raise InputError.single(base.file, f"{key}: regelboken tar in fler än {MAX_INCLUDES} "
                                "filer (include och extends sammanlagt, samma fil räknas varje "
                                "gång); ta in varje lager en gång", key, *where)
    if not isinstance(ref, str) or not ref.endswith(".yaml"):
        raise InputError.single(base.file, f"{key}: förväntade en sökväg till en .yaml-fil "
                                "(relativ till regelboken)", key, *where)
    path = (Path(base.file).parent / ref).resolve()
    if path in chain:
        raise InputError.single(base.file, f"{key}: '{ref}' bildar en cirkel", key, *where)
    if len(chain) >= MAX_DEPTH:
        raise InputError.single(base.file, f"{key}: fler än {MAX_DEPTH} nivåer", key, *where)
    if path not in run.loaded:
        if not path.is_file():
            raise InputError.single(base.file, f"{key}: filen '{ref}' finns inte", key, *where)
        run.loaded[path] = load_file(path)
    return run.loaded[path], path


def _sources(doc: Document, chain: tuple, run: _Run) -> list[str]:
    out = []
    for key in ("extends", "include"):
        refs = doc.data.get(key)
        for ref in ([refs] if isinstance(refs, str) else refs or []):
            other, path = _load(doc, key, ref, chain, run)
            if path not in run.sources:
                run.sources[path] = (_sources(other, chain + (path,), run)
                                     if uses_layers(other.data) else [])
            out += [other.file, *run.sources[path]]
    return out


def _resolved_file(doc: Document, path: Path, chain: tuple, run: _Run) -> dict:
    """A file's resolved data, made once per rulebook however often it is taken in (a file
    resolved without a cycle has none whatever includes it)."""
    if path not in run.resolved:
        run.resolved[path] = _resolved(doc, chain + (path,), run) if uses_layers(doc.data) \
            else dict(doc.data)
    return run.resolved[path]


def _resolved(doc: Document, chain: tuple, run: _Run) -> dict:
    data = doc.data
    if not isinstance(data, dict):
        raise InputError.single(doc.file, "förväntade en regelbok (en mappning)", line=1)
    if "extends" in data:
        base_doc, path = _load(doc, "extends", data["extends"], chain, run)
        if is_layer(base_doc.data):
            raise InputError.single(doc.file, "extends: pekar på ett lager; använd include",
                                    "extends", *doc.locate(("extends",)))
        base = dict(_resolved_file(base_doc, path, chain, run))
    else:
        base = {}
    includes = data.get("include") or []
    if not isinstance(includes, list):
        raise InputError.single(doc.file, "include: förväntade en lista av filer", "include",
                                *doc.locate(("include",)))
    for ref in includes:
        layer_doc, path = _load(doc, "include", ref, chain, run)
        if not is_layer(layer_doc.data):
            raise InputError.single(doc.file, f"include: '{ref}' är inget lager (saknar layer:)",
                                    "include", *doc.locate(("include",)))
        layer = _resolved_file(layer_doc, path, chain, run)
        base = _merge(base, {k: v for k, v in layer.items() if k != "layer" and k != "title"},
                      layer_doc, keep_base=True)
    merged = _merge(base, {k: v for k, v in data.items() if k not in CHANGE_KEYS}, doc)
    merged = _insert(merged, data.get("insert_after") or {}, doc)
    return _remove(merged, data.get("remove") or {}, doc)


def _merge(base: dict, own: dict, doc: Document, keep_base: bool = False) -> dict:
    """own over base: named parts by name, rules by id (in place), other keys replaced. With
    keep_base (an included layer), a name both define is an error unless they agree."""
    out = dict(base)
    for key, value in own.items():
        if key in MERGED and isinstance(value, dict) and isinstance(out.get(key), dict):
            merged = dict(out[key])
            for name, part in value.items():
                if keep_base and name in merged and merged[name] != part:
                    raise InputError.single(doc.file, f"{key}.{name} finns redan med ett annat "
                                            "innehåll", key, *doc.locate((key, name)))
                merged[name] = part
            out[key] = merged
        elif key == "rules" and isinstance(value, list) and isinstance(out.get(key), list):
            rules = list(out[key])
            at = {_rule_id(r): i for i, r in enumerate(rules)}
            for rule in value:
                i = at.get(_rule_id(rule))
                if i is not None and keep_base:
                    raise InputError.single(doc.file, f"regel {_rule_id(rule)} finns redan",
                                            "rules", *doc.locate(("rules",)))
                if i is None:
                    at[_rule_id(rule)] = len(rules)
                    rules.append(rule)
                else:
                    rules[i] = rule
            out[key] = rules
        elif key in ("documents", "parameters", "sanctions", "measures", "rules") \
                and key in out and not isinstance(value, type(out[key])):
            raise InputError.single(doc.file, f"{key}: fel typ", key, *doc.locate((key,)))
        else:
            out[key] = value
    return out


def _rule_id(rule: Any) -> Any:
    return rule.get("id") if isinstance(rule, dict) else None


def _insert(data: dict, after: Any, doc: Document) -> dict:
    if not isinstance(after, dict):
        raise InputError.single(doc.file, "insert_after: förväntade regel-id: [regler]",
                                "insert_after", *doc.locate(("insert_after",)))
    rules = list(data.get("rules") or [])
    for anchor, added in after.items():
        ids = [_rule_id(r) for r in rules]
        if anchor not in ids:
            raise InputError.single(doc.file, f"insert_after: regeln {anchor} finns inte",
                                    f"insert_after.{anchor}", *doc.locate(("insert_after", anchor)))
        if not isinstance(added, list):
            raise InputError.single(doc.file, "insert_after: förväntade en lista av regler",
                                    f"insert_after.{anchor}", *doc.locate(("insert_after", anchor)))
        at = ids.index(anchor) + 1
        rules[at:at] = added
    return {**data, "rules": rules} if after else data


def _remove(data: dict, remove: Any, doc: Document) -> dict:
    if not isinstance(remove, dict):
        raise InputError.single(doc.file, "remove: förväntade t.ex. {rules: [id], parameters: "
                                "[namn]}", "remove", *doc.locate(("remove",)))
    out = dict(data)
    for key, names in remove.items():
        where = doc.locate(("remove", key))
        if key not in ("rules", *MERGED) or not isinstance(names, list):
            raise InputError.single(doc.file, f"remove: '{key}' kan inte tas bort (rules, "
                                    f"{', '.join(MERGED)}: en lista av namn)", f"remove.{key}", *where)
        for name in names:
            if key == "rules":
                if name not in [_rule_id(r) for r in out.get("rules") or []]:
                    raise InputError.single(doc.file, f"remove: regeln {name} finns inte",
                                            f"remove.{key}", *where)
                out["rules"] = [r for r in out["rules"] if _rule_id(r) != name]
            else:
                if name not in (out.get(key) or {}):
                    raise InputError.single(doc.file, f"remove: {key}.{name} finns inte",
                                            f"remove.{key}", *where)
                out[key] = {k: v for k, v in out[key].items() if k != name}
    return out
