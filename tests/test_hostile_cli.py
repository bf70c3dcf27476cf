"""Hostile command lines: where `-o` points, what `diff --base` passes to git, and every way
click can refuse a command line.

What a user checks: `-o /dev/null`, `-o fifo` and `-o /dev/stdout` write into what is there
and leave it as it was (a device, a pipe, the terminal's link); `--base` never reaches git as an
option; a wrong command line is answered in Swedish under "fel i användning", exit code 2.
"""

from __future__ import annotations

import ast
import json
import re
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from engine.cli.main import main

from .support import EXAMPLE, ROOT, RULEBOOKS, run_cli, write_whole

# The example's JSON report; the same arguments in a process and in this one give the same bytes.
CHECK_JSON = ["check", str(EXAMPLE), "--rulebooks", str(RULEBOOKS), "--format", "json"]


def no_crash(text: str) -> None:
    assert "Traceback" not in text and "internt fel" not in text, text


@pytest.fixture(scope="module")
def report_json() -> bytes:
    """The example's JSON report as `check` writes it to standard output."""
    run = run_cli(*CHECK_JSON)
    assert run.returncode == 1, run.stderr.decode()
    assert json.loads(run.stdout)["verdict"] == "fail"  # the example falls short of three krav
    return run.stdout


def check_to(target: str, *extra: str) -> int:
    return main([*CHECK_JSON, "-o", target, *extra])


# --- 1. -o into special files -------------------------------------------------------------------

@pytest.mark.parametrize("force", [[], ["--force"]])
def test_output_into_a_fifo_writes_into_it_and_keeps_the_fifo(tmp_path, report_json, force):
    fifo = tmp_path / "rapport.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    code = check_to(str(fifo), *force)
    reader.join(timeout=10)
    if reader.is_alive():  # nothing ever opened the pipe for writing: let the reader go
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=10)
    assert code == 1
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still a pipe, not a regular file
    assert received == [report_json]
    assert sorted(os.listdir(tmp_path)) == [fifo.name]  # no temporary file left beside it


def _char_device_clone(tmp_path: Path) -> Path | None:
    """A private copy of /dev/null (same device numbers), where the system lets us make one."""
    clone = tmp_path / "null"
    try:
        os.mknod(clone, stat.S_IFCHR | 0o666, os.stat("/dev/null").st_rdev)
    except (PermissionError, OSError):
        return None
    return clone


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_output_into_dev_null_keeps_it_a_character_device(tmp_path, capsys, force):
    # Where /dev is writable (root in a container) a defect would replace the machine's
    # /dev/null; so the same write goes to a private clone first, and must leave it a device.
    clone = _char_device_clone(tmp_path)
    if clone is not None:
        assert check_to(str(clone), *force) == 1, capsys.readouterr().err
        assert stat.S_ISCHR(os.lstat(clone).st_mode)
    elif os.access("/dev", os.W_OK):
        pytest.skip("kan inte skapa en egen teckenenhet att pröva på först")
    assert check_to("/dev/null", *force) == 1, capsys.readouterr().err
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_a_block_device_or_socket_is_refused_not_replaced(tmp_path, capsys):
    import socket

    sock_path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        code = check_to(str(sock_path), "--force")
    err = capsys.readouterr().err
    assert code == 2 and "är ingen vanlig fil" in err, err
    assert stat.S_ISSOCK(os.lstat(sock_path).st_mode)


def _run_with_stdout_file(args: list[str], out: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with open(out, "wb") as fh:
        return subprocess.run([sys.executable, "-m", "engine.cli", *args], cwd=ROOT, stdout=fh,
                              stderr=subprocess.PIPE, env=env, timeout=120)


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_output_to_a_stdout_link_writes_into_standard_output(tmp_path, report_json, force):
    """`-o /dev/stdout` while the shell sends standard output to a file: the report goes into
    that file through the open stream; the link stays a link."""
    alias = tmp_path / "stdout"  # a private /dev/stdout, tried first (see the /dev/null test)
    alias.symlink_to("/proc/self/fd/1")
    targets = [str(alias)]
    if Path("/dev/stdout").is_symlink():
        targets.append("/dev/stdout")
    targets.append("/proc/self/fd/1")
    for target in targets:
        out = tmp_path / "ut.json"
        run = _run_with_stdout_file([*CHECK_JSON, "-o", target, *force], out)
        err = run.stderr.decode()
        no_crash(err)
        assert os.path.islink(alias), "the link was replaced by a regular file"
        assert run.returncode == 1, (target, err)
        assert out.read_bytes() == report_json, target


def test_output_to_a_stdout_link_on_a_pipe_writes_into_the_pipe(tmp_path, report_json):
    alias = tmp_path / "stdout"
    alias.symlink_to("/proc/self/fd/1")
    run = run_cli(*CHECK_JSON, "-o", str(alias), "--force")
    assert run.returncode == 1, run.stderr.decode()
    assert os.path.islink(alias)
    assert run.stdout == report_json


def test_force_through_a_symlink_replaces_the_file_it_names_and_keeps_the_link(tmp_path, report_json):
    real = tmp_path / "rapporter" / "senaste.json"
    real.parent.mkdir()
    real.write_text("gammal rapport\n")
    link = tmp_path / "länk.json"
    link.symlink_to(real)
    assert check_to(str(link), "--force") == 1
    assert link.is_symlink() and real.read_bytes() == report_json
    assert sorted(os.listdir(real.parent)) == [real.name]  # the temporary file was renamed


# --- 2. diff --base: the value is a revision, never an option to git ----------------------------

@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A git repository holding the 2023 rulebook, committed once."""
    if shutil.which("git") is None:
        pytest.skip("git saknas")
    repo = tmp_path_factory.mktemp("repo")
    (repo / "jamtland").mkdir()
    write_whole(RULEBOOKS / "jamtland" / "halsoval-2023.yaml", repo / "jamtland")
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "regelbok"]):
        subprocess.run(["git", "-c", "user.email=ci@example.invalid", "-c", "user.name=ci", *args],
                       cwd=repo, check=True, capture_output=True)
    return repo


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if ".git" not in p.parts}


HOSTILE_BASES = {
    # git show --output=X:./name writes a file (here into the folder "X:." made for it)
    "an option that writes a file": "--output={trap}",
    "a short option": "-o{trap}",
    "an option git's rev-parse knows": "--git-dir={trap}",
    "the end of options": "--end-of-options",
    "empty": "",
    "a revision that does not exist": "finns-inte",
    "a path inside a revision": "HEAD:jamtland",
    "a tree, not a commit": "HEAD^{{tree}}",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_BASES))
def test_diff_base_is_checked_as_a_revision_before_git_runs_it(repo, tmp_path, name):
    trap = tmp_path / "fälla"
    Path(f"{trap}:.").mkdir()
    before = files_under(repo) | files_under(tmp_path)
    value = HOSTILE_BASES[name].format(trap=trap)
    run = run_cli("diff", f"--base={value}", str(repo / "jamtland" / "halsoval-2023.yaml"),
                  "submissions/jamtland/2023")
    err = run.stderr.decode()
    assert files_under(repo) | files_under(tmp_path) == before  # nothing written anywhere
    no_crash(run.stdout.decode() + err)
    assert run.returncode == 2, err
    assert err.startswith("kravkoll: fel i användning\n--base: "), err
    assert "git:" not in err and "fatal" not in err  # said in Swedish, not passed on from git


def test_diff_base_accepts_a_revision_by_name_and_by_hash(repo):
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, check=True,
                          text=True).stdout.strip()
    book = str(repo / "jamtland" / "halsoval-2023.yaml")
    for rev in ("HEAD", head[:12], "HEAD~0"):
        run = run_cli("diff", "--base", rev, book, "submissions/jamtland/2023", "--format", "json")
        assert run.returncode == 0, (rev, run.stderr.decode())
        data = json.loads(run.stdout)
        assert data["old"]["path"] == f"{rev}:{book}" and data["edits"] == []  # unchanged book


# --- 3. A wrong command line: Swedish, under "fel i användning", for every command --------------

def click_msgids() -> set[str]:
    """Every text the installed click looks up through gettext, read from its source."""
    import click

    found = set()
    for source in Path(click.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("_", "ngettext")):
                found |= {a.value for a in node.args
                          if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return found


# Texts click shows only to a programmer (a badly declared command) or from features kravkoll
# does not use (shell completion, an editor, colours, Windows consoles).
NEVER_SHOWN = {
    "Name '{name}' defined twice",
    "Could not determine name for option with declarations {decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument "
    "instead? Did you mean to pass '--{name}'?",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.",
    "Boolean option {decl!r} cannot use the same flag for true/false.",
    "Invalid start character for option ({option})",
    "Unknown standard stream '{name}'",
    "Unknown color {colour!r}",
    "Choice({choices})",
    "Windows error: {error}",
    "{editor}: Editing failed",
    "{editor}: Editing failed: {e}",
    "Couldn't detect Bash version, shell completion is not supported.",
    "Shell completion is not supported for Bash versions older than 4.4.",
    "d",
}


def click_english_words() -> set[str]:
    """The English words of click's texts (and its type names), less those Swedish shares."""
    words = set()
    for msgid in click_msgids() - NEVER_SHOWN:
        text = re.sub(r"\{[^}]*\}|%\(\w+\)s", " ", msgid)
        words |= {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)}
    return (words | {"integer", "float"}) - {"argument", "extra", "standard", "version", "start"}


def test_every_text_click_can_show_a_user_has_a_swedish_translation():
    from engine.cli.click_sv import SWEDISH

    assert sorted(click_msgids() - NEVER_SHOWN - set(SWEDISH)) == []


HSA = "SE2321000207-E00000000042"
EX = str(EXAMPLE)
BOOK = str(RULEBOOKS / "jamtland" / "halsoval-2023.yaml")

# (command line, a fragment the message must hold: what was wrong). {tmp}: a fresh folder
# holding finns.json (an existing file).
BAD_COMMAND_LINES = [
    (["nope"], "'nope'"),
    (["chek", EX], "'check'"),  # a suggestion
    (["--nope"], "'--nope'"),
    (["--version=1"], "'--version'"),
    (["check"], "SUBMISSION"),
    (["check", EX, "--nope"], "'--nope'"),
    (["check", EX, "-Z"], "'-Z'"),
    (["check", EX, "--formt", "json"], "'--format'"),
    (["check", EX, "--format", "pdf"], "'pdf'"),
    (["check", EX, "--format"], "'--format'"),
    (["check", EX, "--workers", "0"], "'--workers'"),
    (["check", EX, "--workers", "många"], "'många'"),
    (["check", EX, "--workers", "1,5"], "'1,5'"),
    (["check", EX, "--as-of", "31/3/2024"], "'31/3/2024'"),
    (["check", EX, "--as-of", "2024-02-30"], "'2024-02-30'"),
    # Python 3.11's fromisoformat reads these as dates; a person did not mean them so.
    (["check", EX, "--as-of", "20240331"], "'20240331'"),
    (["check", EX, "--as-of", "2024-W13-7"], "'2024-W13-7'"),
    (["check", EX, "--verbose=ja"], "'--verbose'"),
    (["check", EX, "--force=ja"], "'--force'"),
    (["check", EX, "-o"], "'-o'"),
    (["check", EX, "--format", "json", "-o", "{tmp}/finns.json"], "filen finns redan"),
    (["check", EX, "-o", "{tmp}/finns.json"], "filen finns redan"),
    (["check", str(EXAMPLE.parent), "-o", "{tmp}/finns.json"], "filen finns redan"),
    (["check", EX, "--format", "json", "-o", "{tmp}", "--force"], "är en mapp"),
    (["check", "{tmp}/saknas.yaml", "-o", "{tmp}/finns.json"], "filen finns redan"),  # first
    (["check", EX, "--format", "xlsx"], "binärt"),
    (["check", str(EXAMPLE.parent), "--format", "xlsx"], "binärt"),
    (["explain"], "regel-id"),  # RULE_ID is optional since --rulebook ID; one of them is needed
    (["explain", "JHV-BEM-03", "extra"], "extra"),
    (["explain", "JHV-BEM-03", "--period", "tjugo"], "'tjugo'"),
    (["explain", "JHV-BEM-03", "--period"], "'--period'"),
    (["explain", "JHV-BEM-03", "--nope"], "'--nope'"),
    (["schema", "arsbokslut-2023", "extra"], "extra"),  # schema takes one FORM since forms are data
    (["schema", "--format", "pdf"], "'pdf'"),  # json, markdown and html are its formats
    (["schema", "--format"], "'--format'"),
    (["test", "--format", "xml"], "'xml'"),
    (["test", "--coverage=ja"], "'--coverage'"),
    (["test", "-o"], "'-o'"),
    (["test", "--nope"], "'--nope'"),
    (["lint", "--format", "sarif"], "'sarif'"),
    (["lint", "--output"], "'--output'"),
    (["lint", "-x"], "'-x'"),
    (["lint", "-o", "{tmp}/finns.json"], "filen finns redan"),
    (["lint", "{tmp}/saknas", "-o", "{tmp}/finns.json"], "filen finns redan"),
    (["test", "{tmp}/saknas", "-o", "{tmp}/finns.json"], "filen finns redan"),
    (["diff"], "GAMMAL_REGELBOK"),
    (["diff", BOOK], "GAMMAL_REGELBOK"),
    (["diff", "--base", "HEAD", BOOK], "--base"),
    (["diff", "--format", "html", BOOK, BOOK, EX], "'html'"),
    (["diff", BOOK, "--base"], "'--base'"),
    (["diff", "--fail-on-change=ja"], "'--fail-on-change'"),
    (["diff", "--base=-x", BOOK, EX], "--base"),
    (["diff", BOOK, BOOK, EX, "-o", "{tmp}/finns.json"], "filen finns redan"),
    (["diff", "{tmp}/saknas.yaml", BOOK, EX, "-o", "{tmp}/finns.json"], "filen finns redan"),
    (["demands", "nope"], "'nope'"),
    (["demands", "registr"], "'register'"),
    (["demands", "register"], "SUBMISSIONS"),
    (["demands", "register", EX, "--as-of", "igår"], "'igår'"),
    (["demands", "register", EX, "--format", "csv"], "'csv'"),
    (["demands", "list", "--as-of", "1 april"], "'1 april'"),
    (["demands", "list", "--as-of", "20240401"], "'20240401'"),
    (["demands", "list", "x1"], "'x1'"),  # a word with digits is meant as an HSA-id (a name is looked up)
    (["demands", "list", "--all=ja"], "'--all'"),
    (["demands", "list", HSA, "extra"], "extra"),
    (["demands", "history"], "HSA-ID|NAMN"),
    (["demands", "history", HSA, "JHV-BEM-03", "extra"], "extra"),
    (["demands", "history", HSA, "inte ett id"], "'inte ett id'"),
    (["demands", "plan", HSA, "JHV-BEM-03", "--date", "2024-05-01"], "'--file'"),
    (["demands", "plan", HSA, "--date", "2024-05-01", "--file", "x"], "RULE_IDS"),
    (["demands", "plan", HSA, "JHV-BEM-03", "--date", "maj", "--file", "x"], "'maj'"),
    (["demands", "approve", HSA, "JHV-BEM-03"], "'--date'"),
    (["demands", "reject", HSA], "RULE_IDS"),
    (["demands", "rattelse", HSA, "JHV-BEM-03", "--date"], "'--date'"),
    (["demands", "letter"], "HSA-ID|NAMN"),
    (["demands", "letter", HSA, "--as-of", "x"], "'x'"),
    (["dispens", "lista"], "'list'"),
    (["dispens", "grant", HSA], "RULE_ID"),
    (["dispens", "grant", HSA, "JHV-INF-03", "--reason", "r", "--diarienummer", "d"],
     "'--until'"),
    (["dispens", "grant", HSA, "JHV-INF-03", "--reason", "r", "--diarienummer", "d", "--until",
      "2025-13-01", "--ledger", "{tmp}/kravliggare.sqlite"], "'2025-13-01'"),
    (["dispens", "end", HSA, "JHV-INF-03", "--date", "2025-01-01"], "'--diarienummer'"),
    (["dispens", "list", "--as-of", "imorgon"], "'imorgon'"),
    (["dispens", "list", HSA, "extra"], "extra"),
]


def english_in(message: str, words: set[str]) -> list[str]:
    """English words left once the user's own text (quoted values, flags, paths) is taken out."""
    own = re.sub(r"'[^']*'|\"[^\"]*\"|--?[\w-]+|\S*/\S*", " ", message)
    return sorted({w for w in re.findall(r"\w+", own) if w.lower() in words})


@pytest.fixture(scope="module")
def english_words() -> set[str]:
    return click_english_words()


@pytest.mark.parametrize("argv, fragment", BAD_COMMAND_LINES,
                         ids=[" ".join(a).replace(str(ROOT), ".") for a, _ in BAD_COMMAND_LINES])
def test_a_wrong_command_line_is_a_swedish_usage_error(tmp_path, capsys, english_words, argv,
                                                        fragment):
    (tmp_path / "finns.json").write_text("tidigare\n")
    code = main([a.format(tmp=tmp_path) for a in argv])
    out, err = capsys.readouterr()
    no_crash(out + err)
    assert code == 2, err
    assert err.startswith("kravkoll: fel i användning\n"), err
    assert fragment in err, err
    assert english_in(err, english_words) == [], err
    assert out == ""  # nothing but the message
    assert (tmp_path / "finns.json").read_text() == "tidigare\n"


def test_input_errors_keep_their_heading(tmp_path, capsys):
    broken = tmp_path / "trasig.yaml"
    broken.write_text("period: [\n")
    assert main(["check", str(broken)]) == 2
    assert capsys.readouterr().err.startswith("kravkoll: fel i indata\n")
