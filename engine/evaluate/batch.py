"""Check many årsbokslut in one run: a folder of a county's units, or several files.

Every file gives one entry, in the order of its path: the unit's compact row (outcome per rule,
the numbers the indicators need, the krav that fall short), optionally a rendered piece of the
report (the unit's JSON or HTML section, made where the check ran), or the Swedish message of why
the file could not be read. A file that cannot be read or validated never stops the batch; a
disagreement between durable_rules and its cross-check (crosscheck.py) does, with exit 3, since
then no answer of the engine can be trusted.

Large batches run in a pool of worker processes, one per CPU this process may use. Each
worker evaluates with its own durable_rules engine (compiled in the parent before a fork and
copied with the process, or compiled in the worker where processes are spawned; nothing of
durable_rules is pickled) and sends back plain data. Results
are taken in input order (`imap`), so the output is the same bytes whatever the scheduling and
whatever the number of workers.

Exit code of a batch (documented in `kravkoll check --help`):
0 every krav in scope is met in every unit; 1 at least one unit has a krav that is not met,
partly met or lacks data; 2 at least one file could not be read or validated (the others are
still reported); 3 an internal error in kravkoll for at least one file. The highest applies.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing as mp
import os
import statistics
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import InputError
from engine.exitcodes import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_SHORTFALL
from engine.jsontext import Items
from engine.model.library import LoadedRulebook
from engine.model.rulebook import Rule, Rulebook
from engine.model.rulebook_basis import level_basis

from .crosscheck import Disagreement
from .findings import ALL_OUTCOMES, OBSERVED_KINDS, SHORTFALLS

SUBMISSION_SUFFIXES = (".yaml", ".yml")
# Below this many files a pool costs more than it saves (a worker start is ~10 ms with fork,
# ~300 ms with spawn; a file takes ~5–10 ms).
POOL_THRESHOLD = 64
IN_FLIGHT = 4  # chunks asked of each worker ahead of the one being written


# --- what a batch produces ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Shortfall:
    """A krav the unit does not meet (fail, partial or missing): a handlingsplan is asked for."""

    rule_id: str
    outcome: str
    observed_text: str
    expected: str


@dataclass(frozen=True, slots=True)
class UnitRow:
    """One checked submission, compact: enough for the länsöversikt, the matrix and the plots."""

    path: str
    sha256: str
    unit: str
    hsa_id: str
    regi: str
    period: int
    inlamnad: str | None
    as_of: str
    rulebook: str  # sha256 of the rulebook the unit was checked against
    verdict: str
    outcomes: tuple[str, ...]  # one per rule, in rulebook order
    values: tuple[float | None, ...]  # the observed number of each rule, None if not a number
    shortfalls: tuple[Shortfall, ...]
    observations: int  # riktlinjer, målnivåer and lagkrav not met: points for the dialogue


@dataclass(frozen=True, slots=True)
class FileError:
    path: str
    kind: str  # "input": the file cannot be read or validated; "internal": a defect in kravkoll
    message: str  # Swedish, with file, line and field
    problems: tuple[dict, ...] = ()


@dataclass(frozen=True, slots=True)
class Entry:
    path: str
    row: UnitRow | None = None
    error: FileError | None = None
    rendered: object = None  # the format's piece for this unit if it asked for one: str, UTF-8
    # bytes, or an output.Piece (its place in a worker's spool file)


def row_of(result) -> UnitRow:
    """The compact row of a CheckResult."""
    sub, model = result.submission, result.submission.model
    values = []
    for f in result.findings:
        v = f.observed
        values.append(float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None)
    return UnitRow(
        path=sub.path, sha256=sub.sha256, unit=model.enhet.namn, hsa_id=model.enhet.hsa_id,
        regi=model.enhet.regi, period=model.period,
        inlamnad=model.inlamnad.isoformat() if model.inlamnad else None,
        as_of=result.as_of.isoformat(), rulebook=result.rulebook.sha256, verdict=result.verdict,
        outcomes=tuple(f.outcome for f in result.findings), values=tuple(values),
        shortfalls=tuple(Shortfall(f.rule_id, f.outcome, f.observed_text, f.expected)
                         for f in result.findings if f.is_shortfall),
        observations=sum(1 for f in result.findings
                         if f.kind != "krav" and f.outcome in SHORTFALLS),
    )


def error_of(path: str, exc: BaseException) -> FileError:
    from engine.read.yamlstrict import shown_name

    path = shown_name(path)  # a name with control characters or non-UTF-8 bytes, escaped
    if isinstance(exc, InputError):
        problems = tuple({"message": p.message, "path": p.path, "line": p.line, "column": p.column}
                         for p in exc.problems)
        return FileError(path, "input", str(exc), problems)
    from .rete import EngineError

    kind = "regelmotorn" if isinstance(exc, EngineError) else type(exc).__name__
    return FileError(path, "internal", f"{path}: internt fel ({kind}): {exc}. Detta är ett fel i "
                     "kravkoll, inte i indata.")


# --- which files ------------------------------------------------------------------------------

def is_batch(paths: list[str]) -> bool:
    """A folder, or more than one path: checked as a batch (a single file keeps its own report)."""
    return len(paths) != 1 or Path(paths[0]).is_dir()


def collect(paths: Iterable[str]) -> list[str]:
    """The submission files named by paths (folders are searched recursively for *.yaml and
    *.yml), each once, ordered by path. A path that does not exist is kept: it becomes an error
    entry of its own, so the rest of the batch is still checked."""
    found: set[str] = set()
    for arg in paths:
        p = Path(arg)
        if p.is_dir():
            files = [f for f in p.rglob("*") if f.suffix.lower() in SUBMISSION_SUFFIXES
                     and f.is_file() and not any(part.startswith(".") for part in
                                                 f.relative_to(p).parts)]
            if not files:
                raise InputError.single(str(arg), "mappen innehåller inga årsbokslut (*.yaml)")
            found.update(f.as_posix() for f in files)
        else:
            found.add(p.as_posix())
    return sorted(found)


# --- running ----------------------------------------------------------------------------------

@dataclass
class _Config:
    rulebooks: str  # the folder, for a worker that has to load them itself (spawn)
    as_of: dt.date | None
    render: Callable | None
    spool: str | None = None  # where a worker writes its rendered pieces (output.Spool)


_books: list[LoadedRulebook] | None = None  # this process's rulebooks (inherited on fork)
_config: _Config | None = None
_init_error: BaseException | None = None  # why this worker could not start, if it could not
_spool_writer = None  # this worker's output.SpoolWriter, made with its first piece


def _init_worker(config: _Config) -> None:
    """In a fresh worker: the rulebooks (loaded here where nothing was inherited). An error here
    becomes an error entry per file (a Pool whose initializer raises restarts workers for ever)."""
    global _books, _config, _init_error
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it ends the pool
    _config = config
    try:
        if _books is None:  # spawn: nothing was inherited
            from engine.model.library import load_library

            _books = load_library(config.rulebooks)
    except Exception as exc:
        _init_error = exc


def _check_one(path: str) -> Entry:
    from .evaluation import check, decide, load_submission

    try:
        if _init_error is not None:
            raise _init_error
        render = _config.render
        # Without a piece to render, only the row is made: the rules' decisions, not their
        # explanations (evaluation.decide: the same outcomes, values and expectations).
        result = (check if render else decide)(load_submission(path), _books, _config.as_of)
        rendered = render(result) if render else None
        if _config.spool is not None and isinstance(rendered, bytes):
            rendered = _spooled(rendered)
        return Entry(path, row_of(result), None, rendered)
    except Disagreement:  # the rule engine cannot be trusted for any file: stop (exit 3)
        raise
    except Exception as exc:  # one file never stops the batch
        return Entry(path, None, error_of(path, exc))


def _check_many(paths: list[str]) -> list[Entry]:
    return [_check_one(p) for p in paths]


def _spooled(data: bytes):
    """The piece written to this worker's spool file, or kept as it is if it cannot be (a full
    disk): then it travels through the pipe, as it would without a spool."""
    global _spool_writer
    from engine.output import SpoolWriter

    if _spool_writer is None:
        _spool_writer = SpoolWriter(_config.spool)
    return _spool_writer.put(data)


def usable_cpus() -> int:
    """The CPUs this process may run on (a container or `taskset` may allow fewer than the
    machine has)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def default_workers(n_files: int) -> int:
    if n_files < POOL_THRESHOLD:
        return 1
    return usable_cpus()


def run(paths: list[str], books: list[LoadedRulebook], rulebooks: str, as_of: dt.date | None = None,
        workers: int | None = None, render: Callable | None = None,
        spool: str | None = None) -> Iterator[Entry]:
    """Check every path; yields one Entry per path, in the order of `paths`.

    `render(result) -> str | bytes` is called where the check ran (a worker process for large
    batches), so it must be a module-level function (or a functools.partial of one). With a
    `spool` folder (engine/output.py), a piece a worker renders as bytes comes back as an
    output.Piece, which the caller copies (output.Spool) before it asks for the next entry.
    """
    from engine.model.form import fixed_forms

    with fixed_forms():  # every unit against the forms as they were when the batch began
        yield from once_per_unit(_run(paths, books, rulebooks, as_of, workers, render, spool))


def once_per_unit(entries: Iterable[Entry]) -> Iterator[Entry]:
    """The same unit and period twice in a batch (a resubmission saved beside the first, a
    copy): the second is an input error naming both files and is not counted (exit 2)."""
    from engine.read.yamlstrict import shown_name

    seen: dict[tuple[str, int], str] = {}
    for entry in entries:
        row = entry.row
        if row is not None:
            unit = (row.hsa_id.upper(), row.period)
            first = seen.setdefault(unit, entry.path)
            if first != entry.path:
                path = shown_name(entry.path)
                message = (f"{path}: samma enhet ({row.hsa_id}) och period ({row.period}) som "
                           f"{shown_name(first)}; varje enhet och år granskas en gång: ta bort "
                           "den ena filen")
                entry = Entry(entry.path, None, FileError(path, "input", message, (
                    {"message": message, "path": "enhet.hsa_id", "line": None, "column": None},)))
        yield entry


def _run(paths, books, rulebooks, as_of, workers, render, spool) -> Iterator[Entry]:
    global _books, _config
    n = workers or default_workers(len(paths))
    _books, _config = books, _Config(rulebooks, as_of, render)
    if n <= 1 or len(paths) < 2:
        for path in paths:
            yield _check_one(path)
        return
    config = _Config(rulebooks, as_of, render, spool)  # the workers' (here: pieces stay bytes)
    # fork shares the loaded rulebooks with the workers; elsewhere each worker loads them.
    methods = mp.get_all_start_methods()
    ctx = mp.get_context("fork" if "fork" in methods else "spawn")
    if ctx.get_start_method() == "fork":
        # The first file is checked here, before the fork: what its check makes once per
        # process (the form's pydantic validator, ~60 ms; the rules' texts and constants; the
        # rulebook's durable_rules engine and its cross-check, ~50 ms) is then inherited by
        # every worker instead of made again in each. An engine is the rule engine's memory and
        # nothing else (no thread, file or connection: rete.py drives it without a Host), so
        # each worker's copy is its own, as a ruleset compiled there would be.
        yield _check_one(paths[0])
        paths = paths[1:]
    else:
        _books = None
    sys.stdout.flush()
    sys.stderr.flush()
    # Chunks of files keep the pipes busy without holding much in memory; results come back in
    # input order whatever the scheduling.
    size = max(1, min(16, len(paths) // (n * 8) or 1))
    chunks = [paths[i:i + size] for i in range(0, len(paths), size)]
    # At most IN_FLIGHT chunks per worker are asked for ahead of the one being written: imap
    # would let the workers run ahead of a slower writer, with every finished unit's report
    # waiting in memory.
    # What the parent holds (rulebooks, forms, imported modules) is moved out of the garbage
    # collector's sight before the fork: a worker's collections then never walk it, and never
    # write to its pages (a copy of each page touched). -6 % CPU of a 1 200-unit check.
    gc.freeze()
    try:
        with ctx.Pool(n, initializer=_init_worker, initargs=(config,)) as pool:
            ahead = deque(pool.apply_async(_check_many, (c,)) for c in chunks[:n * IN_FLIGHT])
            for chunk in chunks[n * IN_FLIGHT:] + [None] * len(ahead):
                entries = ahead.popleft().get()
                if chunk is not None:
                    ahead.append(pool.apply_async(_check_many, (chunk,)))
                yield from entries
    finally:
        gc.unfreeze()


# --- the county at a glance -------------------------------------------------------------------

KIND_VERBS = {"krav": "uppfyller kravet", "forslag": "uppfyller förslaget",
              "riktlinje": "följer riktlinjen", "malniva": "når målnivån",
              "lag": "uppfyller lagkravet", "dialog": "besvarar frågan"}
LEVEL_LABELS = {"krav": "kravgräns", "forslag": "förslag", "riktlinje": "riktlinje",
                "malniva": "målnivå", "lag": "lagkrav", "dialog": "dialogfråga"}


@dataclass
class RuleStat:
    index: int  # 1-based position in the rulebook, the column number of the matrix
    rule: Rule
    counts: dict[str, int]

    @property
    def in_scope(self) -> int:
        return sum(self.counts.values()) - self.counts["not_applicable"]

    @property
    def met(self) -> int:
        return self.counts["pass"] + self.counts["waived"]

    def sentence(self) -> str:
        """'26 av 28 uppfyller kravet', or why no unit is counted."""
        if self.in_scope == 0:
            return "gäller ingen enhet"
        if self.counts["observation"]:  # the level is a proposal: values, not a verdict
            return (f"{self.counts['observation']} av {self.in_scope} värden för dialogen "
                    "(nivån är ett förslag)")
        return f"{self.met} av {self.in_scope} {KIND_VERBS[self.rule.kind]}"

    def details(self) -> str:
        parts = [f"{self.counts[o]} {label}" for o, label in (
            ("fail", "ej uppfyllt"), ("partial", "delvis"), ("missing", "uppgift saknas"),
            ("not_applicable", "ej tillämplig")) if self.counts[o]]
        return ", ".join(parts)


@dataclass
class Indicator:
    """A rule that compares a number with a fixed level: its spread over the units."""

    index: int
    rule: Rule
    op: str
    level: float
    unit: str
    rows: list[UnitRow]  # the rulebook's units; the values are read from them when asked for
    _stats: dict | None = field(default=None, repr=False)
    # the level is only the rulebook's proposal: the values are shown, no unit "meets" it
    proposed: bool = False

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self.rule.kind] + (" (förslag, inget beslut)" if self.proposed else "")

    def _counted(self) -> Iterator[UnitRow]:
        i = self.index - 1
        return (row for row in self.rows
                if row.values[i] is not None and row.outcomes[i] != "not_applicable")

    @property
    def values(self) -> list[tuple[str, str, float, str]]:
        """(path, unit name, value, outcome) of each unit with a value, in path order: made
        when asked for, not held (50 000 units × every indicator)."""
        i = self.index - 1
        return [(row.path, row.unit, row.values[i], row.outcomes[i]) for row in self._counted()]

    @property
    def numbers(self) -> list[float]:
        i = self.index - 1
        return [row.values[i] for row in self._counted()]

    def stats(self) -> dict:
        if self._stats is None:
            xs = self.numbers
            i = self.index - 1
            self._stats = (
                {"n": 0, "min": None, "median": None, "mean": None, "max": None, "meeting": 0}
                if not xs else
                {"n": len(xs), "min": min(xs), "median": statistics.median(xs),
                 "mean": round(statistics.fmean(xs), 6), "max": max(xs),
                 "meeting": sum(1 for row in self._counted() if row.outcomes[i] == "pass")})
        return dict(self._stats)


@dataclass
class RulebookOverview:
    """The länsöversikt for the units checked against one rulebook."""

    book: LoadedRulebook
    rows: list[UnitRow]
    rules: list[RuleStat]
    indicators: list[Indicator]

    @property
    def shortfall_rows(self) -> list[UnitRow]:
        return [r for r in self.rows if r.shortfalls]

    @property
    def dialogue_rules(self) -> list[RuleStat]:
        """Riktlinjer, målnivåer, lagkrav (every kind but krav) that some unit falls short of:
        the points for the dialogue, counted as rules (one målnivå missed by 28 units is one)."""
        return [s for s in self.rules if s.rule.kind != "krav"
                and any(s.counts[o] for o in SHORTFALLS)]

    @property
    def observed_rules(self) -> list[RuleStat]:
        """Indicators reported as values against a proposed level: for the dialogue, no verdict."""
        return [s for s in self.rules if s.counts["observation"]]


@dataclass
class Summary:
    """Everything a batch report shows besides the units' own pieces; built while entries stream."""

    books: dict[str, LoadedRulebook]
    rows: list[UnitRow] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    files: int = 0
    # One copy of each outcome tuple, number and text the rows repeat (rows arrive unpickled
    # from the workers, each with its own copies): a county's rows in a fraction of the memory.
    _shared: dict = field(default_factory=dict, repr=False)

    def add(self, entry: Entry) -> None:
        self.files += 1
        if entry.row is not None:
            self.rows.append(_compact(entry.row, self._shared))
        if entry.error is not None:
            self.errors.append(entry.error)

    @property
    def failing(self) -> list[UnitRow]:
        return [r for r in self.rows if r.verdict == "fail"]

    @property
    def exit_code(self) -> int:
        if any(e.kind == "internal" for e in self.errors):
            return EXIT_INTERNAL
        if self.errors:
            return EXIT_INPUT
        if self.failing:
            return EXIT_SHORTFALL
        return EXIT_OK

    def overviews(self) -> list[RulebookOverview]:
        """One länsöversikt per rulebook used, ordered by rulebook id."""
        by_book: dict[str, list[UnitRow]] = {}
        for row in self.rows:
            by_book.setdefault(row.rulebook, []).append(row)
        out = [overview(self.books[sha], rows) for sha, rows in by_book.items()]
        return sorted(out, key=lambda o: (o.book.model.id, o.book.sha256))


def _compact(row: UnitRow, shared: dict) -> UnitRow:
    """The row with the repeated parts replaced by the copies already held (equal values of
    the same type: 1 and 1.0 are kept apart)."""
    def one(value):
        return shared.setdefault((value.__class__, value), value)

    for name, value in (("outcomes", one(row.outcomes)),
                        ("values", one(tuple(one(v) for v in row.values))),
                        ("inlamnad", one(row.inlamnad)), ("as_of", one(row.as_of)),
                        ("rulebook", one(row.rulebook)), ("regi", one(row.regi)),
                        ("shortfalls", tuple(one(s) for s in row.shortfalls))):
        object.__setattr__(row, name, value)  # frozen for readers; this is its making
    return row


def overview(book: LoadedRulebook, rows: list[UnitRow]) -> RulebookOverview:
    model: Rulebook = book.model
    stats = []
    for i, rule in enumerate(model.rules):
        counts = {o: 0 for o in ALL_OUTCOMES}
        for row in rows:
            counts[row.outcomes[i]] += 1
        stats.append(RuleStat(i + 1, rule, counts))
    indicators = []
    for i, rule in enumerate(model.rules):
        level = _fixed_level(rule, model)
        if level is None:
            continue
        value, unit = level
        proposed = rule.kind in OBSERVED_KINDS and level_basis(model, rule) == "forslag"
        indicators.append(Indicator(i + 1, rule, rule.check.compare.op, value, unit, rows,
                                    proposed=proposed))
    return RulebookOverview(book, rows, stats, indicators)


def _fixed_level(rule: Rule, model: Rulebook) -> tuple[float, str] | None:
    """(level, unit) when the rule compares a number with a fixed percentage parameter."""
    cmp = rule.check.compare
    if cmp is None or cmp.right.param is None:
        return None
    p = model.parameters[cmp.right.param]
    if p.unit != "procent" or isinstance(p.value, dt.date):
        return None
    return float(p.value), p.unit


# --- as plain data (the batch JSON's "summary") -------------------------------------------------

def summary_dict(summary: Summary) -> dict:
    """The länsöversikt as plain data: sorted, no timestamps."""
    return {
        "files": summary.files,
        "checked": len(summary.rows),
        "unreadable": len(summary.errors),
        "exit_code": summary.exit_code,
        "units_meeting_all_krav": len(summary.rows) - len(summary.failing),
        "units_with_shortfalls": len(summary.failing),
        "rulebooks": [_overview_dict(o) for o in summary.overviews()],
        "errors": [{"path": e.path, "kind": e.kind, "message": e.message,
                    "problems": list(e.problems)} for e in summary.errors],
    }


def _overview_dict(ov: RulebookOverview) -> dict:
    m = ov.book.model
    short = ov.shortfall_rows
    return {
        "rulebook": {"id": m.id, "title": m.title, "version": m.version, "path": ov.book.path,
                     "sha256": ov.book.sha256},
        "units": len(ov.rows),
        "rules": [{"index": s.index, "rule_id": s.rule.id, "kind": s.rule.kind,
                   "title": s.rule.title, "area": s.rule.area, "question": s.rule.question,
                   "counts": s.counts, "in_scope": s.in_scope, "met": s.met,
                   "text": s.sentence()} for s in ov.rules],
        "indicators": [dict(ind.stats(), rule_id=ind.rule.id, kind=ind.rule.kind, op=ind.op,
                            level=ind.level, unit=ind.unit, label=ind.label)
                       for ind in ov.indicators],
        # A unit each: written one by one as the JSON is streamed, never held whole.
        "matrix": {"rules": [s.rule.id for s in ov.rules],
                   "units": Items(len(ov.rows), lambda: map(_matrix_unit, ov.rows))},
        # There is no ledger of demands yet: these are the units whose krav fall short in this
        # check, i.e. the ones a handlingsplan will be asked from.
        "handlingsplan_requested": Items(len(short), lambda: map(_requested, short)),
    }


def _matrix_unit(r: UnitRow) -> dict:
    return {"path": r.path, "unit": r.unit, "hsa_id": r.hsa_id, "verdict": r.verdict,
            "outcomes": list(r.outcomes)}


def _requested(r: UnitRow) -> dict:
    return {"path": r.path, "unit": r.unit, "hsa_id": r.hsa_id,
            "shortfalls": [{"rule_id": s.rule_id, "outcome": s.outcome,
                            "observed_text": s.observed_text, "expected": s.expected}
                           for s in r.shortfalls]}
