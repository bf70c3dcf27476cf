"""The rulebooks on disk: load them, check they do not overlap, pick the one in force.

A rulebook folder holds one folder per region; every `*.yaml` in it is a rulebook, except files
under a `tests/` folder (rulebook test cases) and `kravkoll.yaml` (folder settings).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import InputError, Problem
from engine.read.names import name_key
from engine.read.yamlstrict import Document, load_file

from .rulebook import Rulebook


@dataclass(frozen=True)
class LoadedRulebook:
    model: Rulebook
    path: str
    sha256: str
    doc: Document


DEFAULT_FOLDER = "rulebooks"


def default_folder() -> str:
    """./rulebooks when run from a project checkout, else the rulebooks beside the engine."""
    here = Path(DEFAULT_FOLDER)
    if here.is_dir():
        return str(here)
    return str(Path(__file__).resolve().parents[2] / DEFAULT_FOLDER)  # engine/model/ -> the root


def load_rulebook(path: str | Path, layers: dict | None = None) -> LoadedRulebook:
    """A rulebook that validates, whose names all exist and whose values fit where they are
    used; else InputError with each problem at its line, naming the rule it is in. include and
    extends are resolved first (rulebook_layers), so all checks see the resolved rulebook;
    `layers` holds the files they take in, read once for all the rulebooks of a library."""
    # imported here: a check whose library comes from the cache (library_cache.py) runs none
    from engine.read.validation import validate

    from .rulebook_layers import resolve
    from .rulebook_policy import policy_problems
    from .rulebook_refs import check_references
    from .rulebook_types import check_types, rule_problems

    doc = resolve(load_file(path), layers)
    try:
        model = validate(doc, Rulebook)
    except InputError as exc:
        raise InputError(exc.file, rule_problems(exc.problems, doc.data)) from None
    problems = check_references(model, doc) + [p for _code, p in check_types(model, doc)]
    if not problems:  # the policy reads names the references have shown to exist
        problems = policy_problems(model, doc)
    if problems:
        raise InputError(doc.file, rule_problems(problems, doc.data))
    return LoadedRulebook(model, str(path), doc.sha256, doc)


def rulebook_files(folder: str | Path) -> list[Path]:
    """The rulebooks of a folder: not test cases, folder settings or layers (files with
    `layer:` that rulebooks include)."""
    root = Path(folder)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise InputError.single(str(folder), "regelboksmappen finns inte")
    return [p for p in _candidates(root) if not _is_layer_file(p)]


def _candidates(root: Path) -> list[Path]:
    """Every YAML file of a rulebook folder but test cases and folder settings."""
    return sorted(p for p in root.rglob("*.yaml")
                  if "tests" not in p.relative_to(root).parts[:-1] and p.name != "kravkoll.yaml")


def _is_layer_file(path: Path) -> bool:
    """A layer says so on a line of its own before anything else (`layer: nationellt`); read
    that far only, so a folder listing does not parse every rulebook twice."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.strip() and not line.lstrip().startswith("#"):
                    return line.startswith("layer:")
    except OSError:
        return False
    return False


def load_library(folder: str | Path) -> list[LoadedRulebook]:
    """Every rulebook of the folder, each loaded as load_rulebook does, none overlapping
    another; what an earlier run loaded from exactly the same files when the library cache
    has it (library_cache.py: the same result, only faster)."""
    from .library_cache import load

    return load(folder, _candidates, lambda: _load_library(folder))


def _load_library(folder: str | Path) -> list[LoadedRulebook]:
    files = rulebook_files(folder)
    if not files:
        raise InputError.single(str(folder), "inga regelböcker (*.yaml) i mappen")
    layers: dict = {}
    books = [load_rulebook(p, layers) for p in files]
    problems = overlaps(books)
    if problems:
        raise InputError(str(folder), problems)
    return books


def region_of(book: LoadedRulebook) -> tuple[str, str]:
    """(region, vårdval) as compared: names that look alike are the same (read/names.py)."""
    return name_key(book.model.region), name_key(book.model.vardval)


def overlaps(books: list[LoadedRulebook]) -> list[Problem]:
    """Two rulebooks of one region and vårdval may not be in force on the same day."""
    problems = []
    ordered = sorted(books, key=lambda b: (region_of(b), b.model.valid_from, b.path))
    for a, b in zip(ordered, ordered[1:]):
        same = region_of(a) == region_of(b)
        if same and b.model.valid_from <= a.model.valid_to:
            line, col = b.doc.locate(("valid_from",))
            problems.append(Problem(
                f"{b.path} ({b.model.valid_from}–{b.model.valid_to}) överlappar {a.path} "
                f"({a.model.valid_from}–{a.model.valid_to}) för {a.model.region}",
                "valid_from", line, col))
    return problems


def period_dates(period: int) -> tuple[dt.date, dt.date]:
    return dt.date(period, 1, 1), dt.date(period, 12, 31)


def select(books: list[LoadedRulebook], submission: Any, file: str,
           locate=None) -> LoadedRulebook:
    """The rulebook in force for the submission's region, form and whole period (names are
    compared as a person reads them: read/names.py)."""
    region = submission.enhet.region
    regional = [b for b in books if name_key(b.model.region) == name_key(region)]
    where = locate or (lambda path: (None, None))
    if not regional:
        known = ", ".join(sorted({b.model.region for b in books}))
        raise InputError.single(file, f"ingen regelbok för regionen '{region}' (det finns för: {known})",
                                "enhet.region", *where(("enhet", "region")))
    start, end = period_dates(submission.period)
    in_force = [b for b in regional if b.model.covers(start, end)]
    if not in_force:
        spans = ", ".join(f"{b.model.valid_from}–{b.model.valid_to}"
                          for b in sorted(regional, key=lambda b: b.model.valid_from))
        raise InputError.single(file, f"ingen regelbok för {region} gäller för hela perioden "
                                f"{submission.period} (regelböckerna gäller {spans})",
                                "period", *where(("period",)))
    book = in_force[0]
    if name_key(submission.formular) not in {name_key(f) for f in book.model.forms}:
        raise InputError.single(file, f"formuläret '{submission.formular}' läses inte av regelboken "
                                f"{book.model.id}; förväntade {', '.join(book.model.forms)}",
                                "formular", *where(("formular",)))
    return book
