"""Hostile command lines: where `-o` points, what `diff --base` passes to git, and every way
click can refuse a command line.

What a user checks: `-o /dev/null`, `-o fifo` and `-o /dev/stdout` write into what is there
and leave it as it was (a device, a pipe, the terminal's link); `--base` never reaches git as an
option; a wrong command line is answered in Swedish under "fel i användning", exit code 2.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from engine.cli.main import main

from .support import EXAMPLE, ROOT, RULEBOOKS, run_cli

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
    if reader.is_alive() and not received:  # nothing opened the pipe: let the reader go
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    reader.join(timeout=30)
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
    shutil.copy(RULEBOOKS / "jamtland" / "halsoval-2023.yaml", repo / "jamtland")
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
