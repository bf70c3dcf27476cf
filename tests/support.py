"""Shared test helpers: paths, variants of the example submission, running the CLI as a process."""

from __future__ import annotations

import copy
import re
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXAMPLE = ROOT / "submissions" / "examples" / "2023" / "exempelbyn.yaml"
RULEBOOKS = ROOT / "rulebooks"
DELETE = object()


def example_data() -> dict:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def with_changes(data: dict, changes: dict) -> dict:
    """A deep copy of data with dotted-path changes applied (value DELETE removes the key)."""
    out = copy.deepcopy(data)
    for path, value in changes.items():
        parts = path.split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if value is DELETE:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = value
    return out


def write_yaml(path: Path, data) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def variant(tmp_path: Path, changes: dict, name: str = "variant.yaml") -> Path:
    return write_yaml(tmp_path / name, with_changes(example_data(), changes))


def run_cli(*args: str, cwd: Path = ROOT, timeout: float = 120, input: bytes | None = None,
            env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `kravkoll` as a separate process, the way a user does."""
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="80")
    full_env.pop("FORCE_COLOR", None)
    # kravkoll runs from its compiled bytecode, as an installation does: a shell that forbids
    # writing it (PYTHONDONTWRITEBYTECODE) would have every run compile every module (~0,1 s)
    full_env.pop("PYTHONDONTWRITEBYTECODE", None)
    if env:
        full_env.update(env)
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], cwd=cwd, capture_output=True,
                          timeout=timeout, input=input, env=full_env)


def copy_region(target: Path, region: str = "jamtland", whole: bool = True) -> Path:
    """A copy of one region's rulebook folder at `target`, with the shared layers its rulebooks
    include (`include: [../nationellt/…]`) copied beside it, as in rulebooks/. With `whole`, a
    rulebook written as changes (Jämtland 2023) is written out whole (`rulebook_text`), so that a
    test can edit any of its rules in its own file."""
    shutil.copytree(RULEBOOKS / region, target)
    if whole:
        for path in sorted((RULEBOOKS / region).glob("*.yaml")):
            text = rulebook_text(path)
            if text != path.read_text(encoding="utf-8"):
                (target / path.name).write_text(text, encoding="utf-8")
    return copy_layers(target)


def copy_layers(folder: Path) -> Path:
    """The shared layers (rulebooks/nationellt) beside `folder`, for a rulebook copied into it
    alone; returns the folder."""
    layers = folder.parent / "nationellt"
    if not layers.exists():
        shutil.copytree(RULEBOOKS / "nationellt", layers)
    return folder


def parse_submission(text: str):
    """A submission from YAML text, read and validated as `kravkoll check` does (file x.yaml)."""
    from engine.model.form import default_model
    Submission = default_model()
    from engine.read.validation import validate
    from engine.read.yamlstrict import load_text

    return validate(load_text(text, "x.yaml"), Submission)


def input_error(text: str) -> str:
    """The message a submission given as YAML text is refused with."""
    import pytest

    from engine.errors import InputError

    with pytest.raises(InputError) as info:
        parse_submission(text)
    return str(info.value)


# --- a rulebook written as changes (extends), written out whole ----------------------------------
#
# Jämtland 2023 is written as 2021 plus its differences. Tests that plant an error in "the 2023
# rulebook" by editing its text need every rule in one file, in the words and layout the authors
# wrote: `rulebook_text` gives that, built from the base's text and the change's text blocks
# (not from a YAML dump, which would lose the flow style the edits search for). It checks that
# the text resolves to exactly the rulebook the engine resolves the files to.

_TOP = re.compile(r"^([a-z_]+):")
_ENTRY = re.compile(r"^  ([a-z_0-9]+):")
_RULE = re.compile(r"^  - id: ([A-Z0-9-]+)")
_ANCHOR = re.compile(r"^  ([A-Z0-9-]+):")
_MERGED = ("documents", "parameters", "sanctions", "measures")


def _blocks(lines: list[str], pattern: re.Pattern) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """(lines before the first key, [(key, its lines)]): comment and blank lines just before a
    key belong to that key."""
    head: list[str] = []
    out: list[tuple[str, list[str]]] = []
    pending: list[str] = []
    for line in lines:
        m = pattern.match(line)
        if m:
            out.append((m.group(1), pending + [line]))
            pending = []
        elif line.strip() == "" or (line.lstrip().startswith("#") and
                                    len(line) - len(line.lstrip()) <= 2):
            pending.append(line)
        elif out:
            out[-1][1].extend(pending + [line])
            pending = []
        else:
            head.extend(pending + [line])
            pending = []
    if out:
        out[-1][1].extend(pending)
    else:
        head.extend(pending)
    return head, out


def _inner(block: list[str], pattern: re.Pattern) -> tuple[list[str], dict[str, list[str]]]:
    """A top-level block split into its key line (with what precedes it) and its entries."""
    at = next(i for i, line in enumerate(block) if _TOP.match(line))
    _, entries = _blocks(block[at + 1:], pattern)
    return block[:at + 1], dict(entries)


def _inline_includes(text: str, folder: Path) -> str:
    """`include: [layer.yaml]` replaced by the layer's documents and parameters (the shared
    layers hold only those), each put in its block unless the rulebook has its own."""
    lines = text.split("\n")
    at = next((i for i, line in enumerate(lines) if line.startswith("include:")), None)
    if at is None:
        return text
    includes = yaml.safe_load(lines[at])["include"]
    del lines[at]
    head, blocks = _blocks(lines, _TOP)
    blocks = [(k, list(b)) for k, b in blocks]
    for name in includes:
        layer_path = folder / name
        layer = _inline_includes(layer_path.read_text(encoding="utf-8"), layer_path.parent)
        for key, block in _blocks(layer.split("\n"), _TOP)[1]:
            if key not in _MERGED:
                continue
            _, entries = _inner(block, _ENTRY)
            target = next((b for k, b in blocks if k == key), None)
            if target is None:
                continue
            _, own = _inner(target, _ENTRY)
            while target and target[-1].strip() == "":
                target.pop()
            for entry, entry_lines in entries.items():
                if entry not in own:
                    target.extend(line for line in entry_lines if line.strip())
            target.append("")
    return "\n".join(head + [line for _k, b in blocks for line in b])


def rulebook_text(path: Path) -> str:
    """The text of the rulebook at `path` with all of it in one file: for a rulebook written
    with `extends`, the base's text with this file's entries and rules put in their places."""
    from engine.model.rulebook_layers import resolve
    from engine.read.yamlstrict import load_file, load_text

    text = path.read_text(encoding="utf-8")
    change = load_file(path).data
    if "extends" not in change:
        return text
    base_path = path.parent / change["extends"]
    base_head, base = _blocks(rulebook_text(base_path).split("\n"), _TOP)
    _, mine = _blocks(text.split("\n"), _TOP)
    mine_d = dict(mine)
    out = list(base_head)
    for key, block in base:
        if key in _MERGED and key in mine_d:
            head, entries = _inner(block, _ENTRY)
            _, new = _inner(mine_d[key], _ENTRY)
            out += head
            out += [line for name, lines in entries.items() for line in new.get(name, lines)]
            out += [line for name, lines in new.items() if name not in entries for line in lines]
        elif key == "rules":
            head, rules = _inner(block, _RULE)
            new = _inner(mine_d["rules"], _RULE)[1] if "rules" in mine_d else {}
            after = {}
            if "insert_after" in mine_d:
                for anchor, lines in _inner(mine_d["insert_after"], _ANCHOR)[1].items():
                    at = next(i for i, line in enumerate(lines) if _ANCHOR.match(line))
                    after[anchor] = _blocks(lines[at + 1:], _RULE)[1]
            out += head
            for rid, lines in rules.items():
                out += new.get(rid, lines)
                for _added_id, added in after.get(rid, []):
                    out += added
            out += [line for rid, lines in new.items() if rid not in rules for line in lines]
        elif key in mine_d:
            out += mine_d[key]
        else:
            out += block
    for key, block in mine:
        if key not in dict(base) and key not in ("extends", "insert_after", "remove"):
            out += block
    whole = _inline_includes("\n".join(out), base_path.parent)
    expected = resolve(load_file(path)).data
    got = resolve(load_text(whole, str(path))).data
    assert got == expected, f"rulebook_text({path}) löser inte upp till samma regelbok"
    return whole


def write_whole(path: Path, target: Path) -> Path:
    """Copy a rulebook as `shutil.copy` would (to a file or into a folder), written out whole
    (`rulebook_text`), with the shared layers it includes beside it (`copy_layers`)."""
    target = target / path.name if target.is_dir() else target
    target.write_text(rulebook_text(path), encoding="utf-8")
    copy_layers(target.parent)
    return target


def decided(book, name: str, datum: str = "2023-01-20", diarienummer: str = "RS/1/2023"):
    """The loaded rulebook with the region's decision recorded for parameter `name` (a test's
    decision: no seed records one), e.g. the årsbokslut's deadline the sources leave open."""
    from engine.model.library import LoadedRulebook
    from engine.model.rulebook import Beslut

    params = dict(book.model.parameters)
    params[name] = params[name].model_copy(update={"beslut": Beslut.model_validate(
        {"datum": datum, "diarienummer": diarienummer})})
    model = book.model.model_copy(update={"parameters": params})
    return LoadedRulebook(model, book.path, book.sha256[:-8] + "decided0", book.doc)
