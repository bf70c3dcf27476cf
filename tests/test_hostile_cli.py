"""Hostile command lines: where `-o` points, what `diff --base` passes to git, and every way
click can refuse a command line.

What a user checks: `-o /dev/null`, `-o fifo` and `-o /dev/stdout` write into what is there
and leave it as it was (a device, a pipe, the terminal's link); `--base` never reaches git as an
option; a wrong command line is answered in Swedish under "fel i användning", exit code 2.
"""

from __future__ import annotations

import json
import os
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
