"""Hostile but plausible input for the kravliggare and what is printed from it.

1. Square brackets in a unit's name, a folder, a file or a reason are text, never rich markup:
   a handläggare sees `Hälsocentralen [nord]` exactly, and no command fails after the ledger
   was written.
2. A unit's own text in a letter (its name, its handlingsplan) cannot forge a heading, a due
   date in bold, a link or a <script>: in Markdown and in HTML it renders as the text it is.
3. Dates outside 1900–2199 on the command line are a Swedish usage message naming the option;
   a ledger that already holds such a date still works.
4. `--ledger` pointing at another program's SQLite file, or at a ledger of an unknown schema
   version or with a table missing, is refused and left byte for byte as it was.
5. SQLite failing after the ledger is open (locked, disk full, read-only) is a Swedish message,
   exit 2, and the ledger holds nothing half written.
6. Commands that only read never wait for a run that is writing.
"""

from __future__ import annotations

import datetime as dt
import html.parser
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from engine.cli.main import main
from engine.followup import ledger as ledger_module
from engine.followup import lifecycle

from .support import DELETE, EXAMPLE, RULEBOOKS, example_data, rulebook_text, run_cli, variant, with_changes, write_yaml

HSA = "SE2321000207-E00000000042"
OTHER = "SE2321000207-E00000000077"
WIDE = {"COLUMNS": "250"}  # no line is wrapped: the texts below are found whole


def no_crash(text: str) -> None:
    assert "Traceback" not in text and "internt fel" not in text, text


def ok(*args: str) -> str:
    run = run_cli(*args, env=WIDE)
    out, err = run.stdout.decode(), run.stderr.decode()
    no_crash(out + err)
    assert run.returncode == 0, err
    return out


def refused(*args: str) -> str:
    run = run_cli(*args, env=WIDE)
    out, err = run.stdout.decode(), run.stderr.decode()
    no_crash(out + err)
    assert run.returncode == 2, (args, out, err)
    return err


def dump(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as db:
        return list(db.iterdump())


# --- 1. Square brackets are text --------------------------------------------------------------

NAME = "Hälsocentralen [nord] [/x] [bold]fet[/bold] :fire:"  # and no emoji code


@pytest.fixture(scope="module")
def bracketed(tmp_path_factory):
    """A unit with brackets in its name, in a folder and files with brackets in theirs (a
    style that rich would silently swallow)."""
    folder = tmp_path_factory.mktemp("hc") / "Region [nord] [bold]"  # a path holds no '/' tag
    folder.mkdir()
    # no handlingsplan stated: JHV-BEM-03 (the example's krav shortfall) is demanded as a plan
    sub = variant(folder, {"enhet.namn": NAME, "bemanning.handlingsplaner": DELETE},
                  "arsbokslut [red]2023.yaml")
    plan = folder / "plan [red]v2[dim].pdf"
    plan.write_bytes(b"%PDF-1.4 plan\n")
    return {"folder": folder, "sub": sub, "plan": plan, "ledger": folder / "krav [italic].sqlite"}


def test_brackets_in_names_paths_and_reasons_are_printed_as_they_are(bracketed):
    """What a handläggare checks: the unit's name and the paths read exactly as written, in
    every command, and registering twice works (it used to fail after writing the ledger)."""
    folder, sub, plan = bracketed["folder"], str(bracketed["sub"]), bracketed["plan"]
    led = ["--ledger", str(bracketed["ledger"])]
    for _ in range(2):  # the re-run prints the same names ("already registered")
        out = ok("demands", "register", str(folder), "--rulebooks", str(RULEBOOKS), *led,
                 "--as-of", "2024-04-01")
        assert NAME in out and sub in out and str(bracketed["ledger"]) in out, out
    out = ok("demands", "list", *led, "--as-of", "2024-05-01")
    assert NAME in out and str(bracketed["ledger"]) in out, out
    out = ok("demands", "plan", HSA, "JHV-BEM-03", "--date", "2024-04-05", "--file", str(plan), *led)
    assert out.count(plan.name) == 2, out  # the heading and the reason in the table
    out = ok("demands", "approve", HSA, "JHV-BEM-03", "--date", "2024-04-10", "--diarienummer",
             "RS/[/x]/24", *led)
    assert "(diarienummer RS/[/x]/24)" in out, out
    out = ok("demands", "history", HSA, *led)
    assert str(bracketed["ledger"]) in out and plan.name in out and "RS/[/x]/24" in out, out
    out = ok("dispens", "grant", HSA, "JHV-BEM-03", "--reason", "[bold]skäl[/bold] [/]",
             "--diarienummer", "D[/x]1", "--from", "2024-04-01", "--until", "2024-12-31",
             "--rulebooks", str(RULEBOOKS), *led)
    out = ok("dispens", "list", *led, "--as-of", "2024-05-01")
    assert "D[/x]1" in out and "[bold]skäl[/bold] [/]" in out, out
    out = ok("demands", "letter", HSA, *led, "--as-of", "2024-05-01", "--out", str(folder / "brev [x]"))
    assert NAME in out


def test_brackets_in_the_check_report_and_the_county_overview(bracketed, tmp_path):
    """The report of one unit and the county overview show the name, the path and the
    rulebook's version (free text in a rulebook) as written."""
    folder, sub = bracketed["folder"], str(bracketed["sub"])
    book = tmp_path / "rb" / "jamtland" / "halsoval-2023.yaml"
    book.parent.mkdir(parents=True)
    text = rulebook_text(RULEBOOKS / "jamtland" / "halsoval-2023.yaml")
    book.write_text(text.replace('version: "2023.1"', 'version: "2023.1 [/x] [bold]"'), encoding="utf-8")
    for args in (["check", sub], ["check", str(folder), "-v"], ["check", sub, sub]):
        run = run_cli(*args, "--rulebooks", str(tmp_path / "rb"), env=WIDE)
        out = run.stdout.decode()
        no_crash(out + run.stderr.decode())
        assert run.returncode == 1, run.stderr.decode()
        assert NAME in out and "version 2023.1 [/x] [bold]" in out, (args, out)
        if args[1] == sub:
            assert sub in out, out


# --- 2. A unit's text cannot forge the letter's structure -------------------------------------

FORGED_NAME = "Hälsocentralen <b>Fet</b> *kursiv* [länk](http://example.org) # rubrik"
FORGED_PLAN = "\n".join([
    "Vi anställer fler.",
    "",
    "## 2. JHV-XXX-99 Förfalskad rubrik",
    "**Sista dag för handlingsplanen:** 2099-01-01",
    "<script>alert(1)</script>",
    "> ett förfalskat citat",
    "- en förfalskad punkt",
    "1. en förfalskad numrerad punkt",
    "| a | b |",
    "|---|---|",
    "```",
    "kod",
    "```",
    "    indragen kod",
    "[klicka här](http://example.org) och www.example.org",
    "Rubrik i två rader",
    "===",
])


@pytest.fixture(scope="module")
def forged_letter(tmp_path_factory):
    folder = tmp_path_factory.mktemp("brev")
    data = with_changes(example_data(), {"enhet.namn": FORGED_NAME})
    data["bemanning"]["handlingsplaner"]["distriktsskoterskor"] = FORGED_PLAN
    sub = write_yaml(folder / "forged.yaml", data)
    led = ["--ledger", str(folder / "l.sqlite")]
    ok("demands", "register", str(sub), "--rulebooks", str(RULEBOOKS), *led, "--as-of", "2024-04-01")
    ok("demands", "letter", HSA, *led, "--as-of", "2024-04-02", "--out", str(folder / "brev"))
    stem = folder / "brev" / f"{HSA}-2023-2024-04-02"
    return (stem.with_suffix(".md").read_text(encoding="utf-8"),
            stem.with_suffix(".html").read_text(encoding="utf-8"))


def _tokens(text: str) -> list:
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    out = []
    for tok in md.parse(text):
        out.append(tok)
        out.extend(tok.children or [])
    return out


def _plain(tokens) -> str:
    return "\n".join(t.content for t in tokens if t.type in ("text", "code_inline"))


def test_the_markdown_letter_shows_a_units_text_and_never_its_markup(forged_letter):
    """Rendered as Markdown (CommonMark with tables), the letter's headings, bold labels and
    quotes are only its own; the unit's lines are there, as text."""
    tokens = _tokens(forged_letter[0])
    kinds = {t.type for t in tokens}
    assert not kinds & {"html_block", "html_inline", "link_open", "fence", "code_block",
                        "code_inline", "table_open", "s_open", "ordered_list_open"}, kinds
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert not [h for h in headings if "Förfalskad" in h or "Rubrik i två rader" in h], headings
    strong = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "strong_open"]
    assert all(s.endswith(":") for s in strong) and not [s for s in strong if "2099" in s], strong
    emphasis = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "em_open"]
    assert emphasis == [], emphasis  # the letter makes no emphasis of its own
    quotes = [t for t in tokens if t.type == "blockquote_open"]
    assert "ett förfalskat citat" not in "".join(
        tokens[i + 2].content for i, t in enumerate(tokens) if t in quotes)
    text = _plain(tokens)
    for line in FORGED_PLAN.splitlines():
        assert line.strip() in text, line  # shown whole, as text
    assert FORGED_NAME in text


class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text, self._stack = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._stack.append(tag)

    def handle_endtag(self, tag):
        if self._stack:
            self._stack.pop()

    def handle_data(self, data):
        self.text.append((tuple(self._stack), data))


def test_the_html_letter_shows_a_units_text_and_never_its_markup(forged_letter):
    page = _Tags()
    page.feed(forged_letter[1])
    assert "script" not in page.tags and "a" not in page.tags and "b" not in page.tags
    h2 = [data for stack, data in page.text if stack and stack[-1] == "h2"]
    assert not [h for h in h2 if "Förfalskad" in h], h2
    text = "".join(data for _, data in page.text)
    assert "<script>alert(1)</script>" in text and FORGED_NAME in text


# --- 3. Dates out of range --------------------------------------------------------------------

@pytest.fixture(scope="module")
def registered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("datum")
    ledger = folder / "l.sqlite"
    ok("demands", "register", str(EXAMPLE), "--rulebooks", str(RULEBOOKS), "--ledger", str(ledger),
       "--as-of", "2024-04-01")
    ok("dispens", "grant", HSA, "JHV-BEM-03", "--reason", "r", "--diarienummer", "D1", "--from",
       "2024-04-01", "--until", "2024-12-31", "--rulebooks", str(RULEBOOKS), "--ledger", str(ledger))
    other = variant(folder, {"enhet.hsa_id": OTHER}, "annan.yaml")
    plan = folder / "plan.pdf"
    plan.write_bytes(b"%PDF-1.4\n")
    return {"folder": folder, "ledger": ledger, "other": other, "plan": plan, "dump": dump(ledger)}


def extreme_dates(f: dict) -> dict:
    rb = ["--rulebooks", str(RULEBOOKS)]
    return {
        "list --as-of 9999-12-31": (["demands", "list", "--as-of", "9999-12-31"], "--as-of"),
        "list --as-of 0001-01-01": (["demands", "list", "--as-of", "0001-01-01"], "--as-of"),
        "register --as-of 9999-12-31": (["demands", "register", str(f["other"]), *rb, "--as-of",
                                         "9999-12-31"], "--as-of"),
        "letter --as-of 9999-12-31": (["demands", "letter", HSA, "--as-of", "9999-12-31", "--out",
                                       str(f["folder"] / "brev")], "--as-of"),
        "plan --date 9999-12-30": (["demands", "plan", HSA, "JHV-BEM-03", "--date", "9999-12-30",
                                    "--file", str(f["plan"])], "--date"),
        "reject --date 9999-12-30": (["demands", "reject", HSA, "JHV-BEM-03", "--date", "9999-12-30"],
                                     "--date"),
        "rattelse --date 1899-12-31": (["demands", "rattelse", HSA, "JHV-BEM-03", "--date",
                                        "1899-12-31"], "--date"),
        "dispens end --date 0001-01-01": (["dispens", "end", HSA, "JHV-BEM-03", "--diarienummer", "D1",
                                           "--date", "0001-01-01"], "--date"),
        "dispens grant --from 0001-01-01": (["dispens", "grant", HSA, "JHV-BEM-03", "--reason", "r",
                                             "--diarienummer", "D2", "--from", "0001-01-01",
                                             "--until", "2024-12-31", *rb], "--from"),
        "dispens grant --until 9999-12-31": (["dispens", "grant", HSA, "JHV-BEM-03", "--reason", "r",
                                              "--diarienummer", "D3", "--until", "9999-12-31", *rb],
                                             "--until"),
        "dispens list --as-of 2200-01-01": (["dispens", "list", "--as-of", "2200-01-01"], "--as-of"),
    }


@pytest.mark.parametrize("name", sorted(extreme_dates({"other": "", "folder": Path("."), "plan": ""})))
def test_a_date_outside_1900_to_2199_is_refused_naming_the_option(registered, name):
    args, flag = extreme_dates(registered)[name]
    err = refused(*args, "--ledger", str(registered["ledger"]))
    assert f"{flag}: " in err and "ligger utanför de datum kravkoll godtar (1900-01-01–2199-12-31)" in err
    assert dump(registered["ledger"]) == registered["dump"]


def test_check_as_of_outside_the_window_is_refused():
    run = run_cli("check", str(EXAMPLE), "--rulebooks", str(RULEBOOKS), "--as-of", "9999-12-31")
    err = run.stderr.decode()
    assert run.returncode == 2 and "--as-of" in err and "1900-01-01–2199-12-31" in err, err


def test_a_ledger_that_already_holds_extreme_or_broken_dates_does_not_crash_later_commands(
        registered, tmp_path):
    """Ledgers written before the window: an ended dispens of 0001-01-01 (its last day is the
    day before) and a due date of 9999-12-31 still list; a date that is no date is 'damaged'."""
    ledger = tmp_path / "l.sqlite"
    ledger.write_bytes(registered["ledger"].read_bytes())
    with closing(sqlite3.connect(ledger)) as db, db:
        db.execute("UPDATE dispenser SET valid_from = '0001-01-01', ended = '0001-01-01'")
        db.execute("UPDATE demands SET due = '9999-12-31' WHERE rule_id = 'JHV-BEM-03'")
    led = ["--ledger", str(ledger)]
    out = ok("dispens", "list", *led, "--as-of", "2024-05-01")
    assert "0001-01-01 – 0001-01-01 (gäller inte)" in out
    ok("demands", "list", *led, "--as-of", "2199-12-31", "--format", "json")
    ok("demands", "letter", HSA, *led, "--as-of", "2199-12-31", "--out", str(tmp_path / "brev"))
    # a decision date is something that happened: one in the future is refused (issue 11) …
    err = refused("demands", "register", str(registered["other"]), "--rulebooks", str(RULEBOOKS),
                  *led, "--as-of", "2199-12-31")
    assert "ligger i framtiden" in err
    # … and today, with a due date of 9999-12-31 in the ledger, works
    ok("demands", "register", str(registered["other"]), "--rulebooks", str(RULEBOOKS), *led,
       "--as-of", dt.date.today().isoformat())
    with closing(sqlite3.connect(ledger)) as db, db:
        db.execute("UPDATE dispenser SET valid_to = '2024-13-45'")
    err = refused("dispens", "list", *led)
    assert f"{ledger}: kravliggaren är skadad och kan inte läsas ('2024-13-45' är inget datum)" in err


def test_date_arithmetic_near_the_end_of_the_calendar_does_not_overflow():
    """A föreläggande's frist from a huge rattelse_days, decided on the window's last day."""
    standing = lifecycle.Standing("1", "inkommen", 2023, dt.date(2199, 1, 1), None)
    event = lifecycle.Event("forelaggande", dt.date(2199, 12, 31), rattelse_days=10**9)
    (step,) = lifecycle.step([(standing, event)])
    assert step.after == "forelaggande" and step.frist == dt.date.max


# --- 4. Another program's SQLite file, an unknown schema version ------------------------------

def _foreign(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        db.execute("INSERT INTO notes (body) VALUES ('anteckning')")


def _meta_only(path: Path) -> None:  # another program with a table called meta
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        db.execute("INSERT INTO meta VALUES ('schema_version', '1')")


def _edited(sql: str):
    def make(path: Path, source: Path) -> None:
        path.write_bytes(source.read_bytes())
        with closing(sqlite3.connect(path)) as db, db:
            db.execute(sql)
    return make


UNUSABLE = {
    "another program's database": (lambda p, s: _foreign(p), "filen är en annan SQLite-databas, inte en kravliggare (tabeller: notes)"),
    "another program's meta table": (lambda p, s: _meta_only(p), "filen är en annan SQLite-databas"),
    "schema version 0": (_edited("UPDATE meta SET value = '0'"), "okänd schemaversion '0'"),
    "schema version 0.9x": (_edited("UPDATE meta SET value = '0.9x'"), "okänd schemaversion '0.9x'"),
    "schema version 4": (_edited("UPDATE meta SET value = '4'"), "schemaversion 4 är nyare"),
    "no schema version": (_edited("DELETE FROM meta"), "schemaversionen saknas"),
    "a table missing": (_edited("DROP TABLE plans"), "tabellen plans saknas"),
}


@pytest.mark.parametrize("kind", sorted(UNUSABLE))
def test_a_file_that_is_not_a_usable_ledger_is_refused_and_left_untouched(registered, tmp_path, kind):
    """What a user checks: pointing --ledger at the wrong file never changes that file (no
    tables added, not switched to WAL), whatever the command."""
    make, expected = UNUSABLE[kind]
    path = tmp_path / "fil.sqlite"
    make(path, registered["ledger"])
    before = path.read_bytes()
    rb = ["--rulebooks", str(RULEBOOKS)]
    for args in (["demands", "register", str(EXAMPLE), *rb, "--as-of", "2024-04-01"],
                 ["demands", "list"], ["demands", "history", HSA],
                 ["demands", "plan", HSA, "JHV-BEM-03", "--date", "2024-05-01", "--file",
                  str(registered["plan"])],
                 ["demands", "letter", HSA, "--out", str(tmp_path / "brev")],
                 ["dispens", "grant", HSA, "JHV-BEM-03", "--reason", "r", "--diarienummer", "D",
                  "--until", "2024-12-31", "--from", "2024-01-01", *rb],
                 ["dispens", "list"]):
        err = refused(*args, "--ledger", str(path))
        assert f"{path}: " in err and expected in err, (args, err)
        assert path.read_bytes() == before, args
        assert sorted(p.name for p in tmp_path.iterdir()) == ["fil.sqlite"], args


@pytest.mark.parametrize("kind", ["no file", "an empty file"])
def test_a_new_or_empty_file_still_becomes_a_ledger(tmp_path, kind):
    path = tmp_path / "ny" / "l.sqlite"
    if kind == "an empty file":
        path.parent.mkdir()
        path.write_bytes(b"")
    ok("demands", "register", str(EXAMPLE), "--rulebooks", str(RULEBOOKS), "--ledger", str(path),
       "--as-of", "2024-04-01")
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == ledger_module.APPLICATION_ID
        assert db.execute("SELECT COUNT(*) FROM inputs WHERE kind = 'check'").fetchone()[0] == 1
    assert "JHV-BEM-03" in ok("demands", "list", "--ledger", str(path), "--as-of", "2024-05-01")


# --- 5 and 6. SQLite failing after the ledger is open; readers never wait ------------------------

def cli(capsys, *args: str) -> tuple[int, str, str]:
    """The command in this process (so that SQLite can be made to fail on purpose)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def ledger_copy(registered, tmp_path, monkeypatch):
    path = tmp_path / "l.sqlite"
    path.write_bytes(registered["ledger"].read_bytes())
    monkeypatch.setattr(ledger_module, "BUSY_TIMEOUT_S", 0.2)
    return path


class Holder:
    """Another run holding the ledger's write lock (an uncommitted write transaction)."""

    def __init__(self, path: Path):
        self.db = sqlite3.connect(path, isolation_level=None, timeout=5)

    def take(self):
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("INSERT INTO meta VALUES ('held', 'ja')")

    def release(self):
        self.db.execute("ROLLBACK")
        self.db.close()


def _plan_args(registered, path: Path) -> list[str]:
    return ["demands", "plan", HSA, "JHV-BEM-03", "--date", "2024-05-01", "--file",
            str(registered["plan"]), "--ledger", str(path)]


def test_a_lock_taken_after_the_ledger_was_opened_is_a_swedish_message(registered, ledger_copy,
                                                                       capsys, monkeypatch):
    holder = Holder(ledger_copy)
    real = ledger_module.Ledger.write

    def write_after_another_run_took_the_lock(self):
        holder.take()
        return real(self)

    monkeypatch.setattr(ledger_module.Ledger, "write", write_after_another_run_took_the_lock)
    try:
        code, _, err = cli(capsys, *_plan_args(registered, ledger_copy))
    finally:
        holder.release()
    no_crash(err)
    assert code == 2 and f"{ledger_copy}: kravliggaren är låst av en annan körning" in err, err
    assert dump(ledger_copy) == registered["dump"]


def _failing_connections(monkeypatch, pragma: str) -> None:
    """Every read-write connection to a ledger gets `pragma` (read-only ones are left alone)."""
    real = ledger_module._connect

    def connect(target, uri):
        db = real(target, uri)
        if not uri:
            db.execute(pragma)
        return db

    monkeypatch.setattr(ledger_module, "_connect", connect)


@pytest.mark.parametrize("pragma, expected", [
    ("PRAGMA max_page_count = 1", "disken är full"),
    ("PRAGMA query_only = 1", "kravliggaren är skrivskyddad"),
])
def test_a_full_disk_or_a_read_only_ledger_is_a_swedish_message_and_nothing_half_written(
        registered, ledger_copy, capsys, monkeypatch, pragma, expected):
    _failing_connections(monkeypatch, pragma)
    register = ["demands", "register", str(registered["other"]), "--rulebooks", str(RULEBOOKS),
                "--ledger", str(ledger_copy), "--as-of", "2024-04-01"]
    # (a handlingsplan fits in the pages the ledger has: it needs no new page of a full disk)
    for args in [register] + ([_plan_args(registered, ledger_copy)] if "query_only" in pragma else []):
        code, _, err = cli(capsys, *args)
        no_crash(err)
        assert code == 2 and f"{ledger_copy}: {expected}" in err, (args, err)
        assert "database" not in err and "attempt" not in err, err  # no English
        assert dump(ledger_copy) == registered["dump"]


def test_a_read_only_ledger_file_is_a_swedish_message(registered, ledger_copy, capsys):
    ledger_copy.chmod(0o444)
    try:
        code, _, err = cli(capsys, *_plan_args(registered, ledger_copy))
    finally:
        ledger_copy.chmod(0o644)
    assert code == 2 and "skrivskydd" in err, err
    assert dump(ledger_copy) == registered["dump"]


def test_reading_commands_do_not_wait_for_a_run_that_is_writing(registered, ledger_copy, capsys):
    """With a busy timeout of 0.2 s and another run's write transaction open, every command
    that only reads still answers (it would otherwise wait for the lock, up to 60 s)."""
    holder = Holder(ledger_copy)
    holder.take()
    try:
        for args in (["demands", "list", "--as-of", "2024-05-01"], ["demands", "history", HSA],
                     ["demands", "letter", HSA, "--as-of", "2024-05-01", "--out",
                      str(ledger_copy.parent / "brev")],
                     ["dispens", "list", "--as-of", "2024-05-01"]):
            code, out, err = cli(capsys, *args, "--ledger", str(ledger_copy))
            assert code == 0, (args, err)
    finally:
        holder.release()
    assert dump(ledger_copy) == registered["dump"]


def test_demands_list_as_a_process_answers_while_another_run_writes(registered, tmp_path):
    path = tmp_path / "l.sqlite"
    path.write_bytes(registered["ledger"].read_bytes())
    holder = Holder(path)
    holder.take()
    try:
        start = time.monotonic()
        run = run_cli("demands", "list", "--ledger", str(path), "--as-of", "2024-05-01", timeout=30)
        elapsed = time.monotonic() - start
    finally:
        holder.release()
    assert run.returncode == 0, run.stderr.decode()
    assert elapsed < 5, elapsed  # not the 60 s busy timeout
