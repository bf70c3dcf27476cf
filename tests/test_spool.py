"""A unit's rendered piece comes from a worker through a spool file (engine/output.py: Spool), and the
report is the same bytes whichever way it travelled and wherever it is written.

What a user checks: `kravkoll check MAPP --format json|html` with several workers gives the same
report as with one, to a file, to a pipe, appended to a file (`>>`); the temporary spool is gone
afterwards and never grows with the county (a worker's old spool files are deleted as the
report is written)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from engine import output as spool
from engine.evaluate import batch
from engine.output import write_pieces

from .support import ROOT, run_cli

COUNTY = ROOT / "submissions" / "jamtland" / "2023"


def _pieces(folder: str, texts: list[bytes]) -> list[spool.Piece]:
    writer = spool.SpoolWriter(folder)
    return [writer.put(t) for t in texts]


def test_pieces_are_copied_into_a_file_between_text(tmp_path):
    texts = [f"stycke {i} åäö\n".encode() * (i + 1) for i in range(5)]
    with spool.Spool() as sp:
        pieces = _pieces(sp.folder, texts)
        out = tmp_path / "rapport.txt"
        write_pieces(out, ["början\n", pieces[0], b"mitt\n", *pieces[1:], "slut\n"], spool=sp)
    assert out.read_bytes() == b"b\xc3\xb6rjan\n" + texts[0] + b"mitt\n" + b"".join(texts[1:]) \
        + b"slut\n"
    assert not Path(sp.folder).exists()


def test_a_piece_reaches_a_pipe_and_a_file_opened_for_appending(tmp_path):
    """Kernel copies refuse some pairs of files (copy_file_range into a pipe or an O_APPEND
    file): the piece is then sent or read and written, never lost."""
    data = os.urandom(200_000)
    with spool.Spool() as sp:
        (piece,) = _pieces(sp.folder, [data])
        read_end, write_end = os.pipe()
        got = bytearray()

        def drain():  # the reader at the other end (the piece is larger than a pipe holds)
            while chunk := os.read(read_end, 65536):
                got.extend(chunk)

        reader = threading.Thread(target=drain)
        reader.start()
        try:
            sp.copy(piece, write_end)
        finally:
            os.close(write_end)
            reader.join(timeout=30)
            os.close(read_end)
        assert bytes(got) == data
        target = tmp_path / "lagg-till.bin"
        target.write_bytes(b"redan\n")
        fd = os.open(target, os.O_WRONLY | os.O_APPEND)
        try:
            sp.copy(piece, fd)
        finally:
            os.close(fd)
    assert target.read_bytes() == b"redan\n" + data


def test_a_kernel_copy_that_fails_part_way_is_finished_by_the_next_way(tmp_path, monkeypatch):
    """A kernel copy can be refused with any error (sendfile into a file on macOS: ENOTSOCK; a
    sandbox: EPERM), also after part of the piece is copied: the rest comes the next way, and
    the output holds the piece once, whole."""
    calls = []

    def half_then_refuse(fd, out_fd, offset, count):
        calls.append(offset)
        if len(calls) == 1:
            return os.copy_file_range(fd, out_fd, count // 2, offset)
        raise OSError(errno.ENOTSOCK, "Socket operation on non-socket")

    def refuse(fd, out_fd, offset, count):
        raise OSError(errno.EPERM, "Operation not permitted")

    data = os.urandom(100_000)
    for copies in ((half_then_refuse, refuse), (refuse,), ()):
        calls.clear()
        monkeypatch.setattr(spool, "_KERNEL_COPIES", copies)
        with spool.Spool() as sp:
            (piece,) = _pieces(sp.folder, [data])
            out = tmp_path / f"ut-{len(copies)}.bin"
            with open(out, "wb") as fh:
                fh.write(b"<")
                fh.flush()
                sp.copy(piece, fh.fileno())
                fh.write(b">")
        assert out.read_bytes() == b"<" + data + b">", copies


def test_a_worker_that_cannot_spool_sends_its_pieces_as_bytes(tmp_path, monkeypatch):
    """A worker whose spool file cannot be written (a full disk) keeps each piece, and every
    later one, as bytes: nothing named to the parent is missing from a file."""
    monkeypatch.setattr(spool, "SPOOL_FILE_BYTES", 10)
    writer = spool.SpoolWriter(str(tmp_path))
    first = writer.put(b"a" * 20)
    assert isinstance(first, spool.Piece)
    real_open = os.open

    def full(path, *args, **kwargs):
        if str(path).startswith(str(tmp_path)):
            raise OSError(errno.ENOSPC, "No space left on device", path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", full)
    assert writer.put(b"b" * 20) == b"b" * 20  # the next file cannot be made
    monkeypatch.setattr(os, "open", real_open)
    assert writer.put(b"c") == b"c"  # and nothing more is spooled in this worker
    assert (tmp_path / os.path.basename(first.file)).read_bytes() == b"a" * 20


def test_a_spool_file_whose_name_cannot_be_deleted_is_still_read(monkeypatch):
    """A spool file's name is deleted when the parent opens it; where that is refused, the
    piece is still read, and the name goes with the folder."""
    monkeypatch.setattr(spool, "SPOOL_FILE_BYTES", 10)
    sp = spool.Spool()
    pieces = _pieces(sp.folder, [b"x" * 20, b"y" * 20])

    def refuse(path):
        raise PermissionError(errno.EACCES, "Permission denied", path)

    monkeypatch.setattr(os, "unlink", refuse)
    assert [sp.read(p) for p in pieces] == [b"x" * 20, b"y" * 20]
    monkeypatch.undo()
    assert len(os.listdir(sp.folder)) == 2
    sp.close()
    assert not Path(sp.folder).exists()


def test_a_workers_old_spool_files_are_deleted_as_the_report_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(spool, "SPOOL_FILE_BYTES", 1000)
    texts = [bytes([65 + i]) * 600 for i in range(6)]  # a new spool file every second piece
    with spool.Spool() as sp:
        pieces = _pieces(sp.folder, texts)
        assert len({p.file for p in pieces}) == 3
        out = tmp_path / "ut.bin"
        with open(out, "wb") as fh:
            for i, piece in enumerate(pieces):
                sp.copy(piece, fh.fileno())
                left = sorted(os.listdir(sp.folder))
                assert len(left) == 2 - i // 2, (i, left)  # a file's name goes when it is opened
    assert out.read_bytes() == b"".join(texts)


@pytest.mark.parametrize("fmt", ["json", "html"])
def test_a_county_report_is_the_same_from_workers_as_from_one_process(tmp_path, fmt):
    files = sorted(str(p) for p in COUNTY.glob("*.yaml"))
    env = {"TMPDIR": str(tmp_path)}  # the spool's folder, looked for afterwards
    one = run_cli("check", *files, "--format", fmt, "--workers", "1", "--as-of", "2024-06-30",
                  env=env)
    assert one.returncode in (0, 1), one.stderr.decode()
    to_file = tmp_path / f"rapport.{fmt}"
    two = run_cli("check", *files, "--format", fmt, "--workers", "2", "--as-of", "2024-06-30",
                  "-o", str(to_file), env=env)
    assert two.returncode == one.returncode, two.stderr.decode()
    assert to_file.read_bytes() == one.stdout
    piped = subprocess.run(
        f"{sys.executable} -m engine.cli check {' '.join(files)} --format {fmt} --workers 2 "
        f"--as-of 2024-06-30 | cat", shell=True, cwd=ROOT, capture_output=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path)), timeout=120)
    assert piped.stdout == one.stdout
    appended = tmp_path / "lagg-till"
    appended.write_bytes(b"")
    with open(appended, "ab") as fh:
        subprocess.run([sys.executable, "-m", "engine.cli", "check", *files, "--format", fmt,
                        "--workers", "2", "--as-of", "2024-06-30"], cwd=ROOT, stdout=fh,
                       env=dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path)),
                       timeout=120)
    assert appended.read_bytes() == one.stdout
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("kravkoll-spool-")]


def test_the_pieces_of_a_pooled_batch_come_as_spooled_places(tmp_path):
    """Through batch.run with a spool folder, the workers' pieces are Pieces (the first
    file, checked in the parent before the pool starts, stays bytes); read back they are what
    one process renders."""
    from engine.model.library import load_library
    from engine.report.formats import json_unit

    books = load_library(ROOT / "rulebooks")
    files = sorted(str(p) for p in COUNTY.glob("*.yaml"))[:5]
    alone = [e.rendered for e in batch.run(files, books, "rulebooks", None, 1, json_unit)]
    with spool.Spool() as sp:
        pooled = list(batch.run(files, books, "rulebooks", None, 2, json_unit, sp.folder))
        assert isinstance(pooled[0].rendered, bytes)
        assert all(isinstance(e.rendered, spool.Piece) for e in pooled[1:])
        assert [pooled[0].rendered] + [sp.read(e.rendered) for e in pooled[1:]] == alone


def test_without_a_temporary_folder_the_pieces_come_through_the_pipes(tmp_path, monkeypatch):
    """A machine where no spool folder can be made (a full or read-only temporary disk) still
    gets its county report: the workers' pieces then travel through the pool as bytes."""
    from engine.cli import batch_check
    from engine.cli.main import main

    def refused():
        raise PermissionError(13, "Permission denied", "/tmp")

    monkeypatch.setattr(batch_check, "Spool", refused)
    files = sorted(str(p) for p in COUNTY.glob("*.yaml"))
    out = tmp_path / "rapport.json"
    code = main(["check", *files, "--format", "json", "--workers", "2", "--as-of", "2024-06-30",
                 "-o", str(out)])
    one = run_cli("check", *files, "--format", "json", "--workers", "1", "--as-of", "2024-06-30")
    assert code == one.returncode
    assert out.read_bytes() == one.stdout
