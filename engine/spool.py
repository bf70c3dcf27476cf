"""A unit's rendered piece handed from a worker process to the writer through a file, not a pipe.

A county's JSON or HTML report is mostly the units' own pieces (tens of kilobytes each, made
where each unit was checked). Sent back through the pool's pipe, each is pickled, read in
pipe-sized chunks, joined and unpickled by the parent: 0.3 s of the parent's CPU for 1 200
units (a fifth of the floor). Written by the worker into a spool file instead, the parent only
names its place (a Piece) and the kernel copies it into the report (copy_file_range, sendfile);
the parent never holds the bytes.

Each worker appends to a file of its own in a private temporary folder and starts a new one
every SPOOL_FILE_BYTES; the parent deletes a worker's file once it has copied a piece from the
next (a worker's pieces are consumed in the order it wrote them, input order), so the spool
stays at about two files per worker however large the county. The folder goes with the run.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass

SPOOL_FILE_BYTES = 64 << 20


@dataclass(frozen=True, slots=True)
class Piece:
    """Where one rendered piece stands: the spool file (its worker and number), offset, length."""

    file: str
    worker: int
    number: int
    offset: int
    length: int


class Spool:
    """The parent's side: the folder, and the files it has open for reading."""

    def __init__(self) -> None:
        import tempfile  # here: engine/output.py names Piece for every run, a spool is rare

        self.folder = tempfile.mkdtemp(prefix="kravkoll-spool-")
        self._open: dict[int, tuple[int, int, str]] = {}  # worker -> (number, fd, file)

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for _, fd, _ in self._open.values():
            os.close(fd)
        self._open.clear()
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)

    def _fd(self, piece: Piece) -> int:
        held = self._open.get(piece.worker)
        if held is not None and held[0] == piece.number:
            return held[1]
        if held is not None:  # the worker has moved on: every piece of its last file was copied
            os.close(held[1])
            os.unlink(held[2])
        fd = os.open(piece.file, os.O_RDONLY)
        self._open[piece.worker] = (piece.number, fd, piece.file)
        return fd

    def read(self, piece: Piece) -> bytes:
        fd = self._fd(piece)
        data = os.pread(fd, piece.length, piece.offset)
        if len(data) != piece.length:
            raise OSError(f"spoolfilen {piece.file} är kortare än väntat")
        return data

    def copy(self, piece: Piece, out_fd: int) -> None:
        """The piece written to out_fd at its position (a file or a pipe), by the kernel where
        it can, else read and written."""
        fd = self._fd(piece)
        offset, left = piece.offset, piece.length
        for kernel_copy in _KERNEL_COPIES:
            try:
                while left:
                    done = kernel_copy(fd, out_fd, offset, left)
                    if done <= 0:
                        break
                    offset += done
                    left -= done
            except OSError as exc:
                if exc.errno not in _NOT_HERE or offset != piece.offset:
                    raise
                continue  # not between these two files: the next way, from the start
            if not left:
                return
        _write_all(out_fd, self.read(Piece(piece.file, piece.worker, piece.number, offset, left)))


def _copy_file_range(fd: int, out_fd: int, offset: int, count: int) -> int:
    return os.copy_file_range(fd, out_fd, count, offset)


def _sendfile(fd: int, out_fd: int, offset: int, count: int) -> int:
    return os.sendfile(out_fd, fd, offset, count)


_KERNEL_COPIES = tuple(f for f, name in ((_copy_file_range, "copy_file_range"),
                                         (_sendfile, "sendfile")) if hasattr(os, name))
# What a kernel copy answers when it cannot copy between these two kinds of file.
_NOT_HERE = {getattr(errno, n) for n in
             ("EXDEV", "EINVAL", "ENOSYS", "EOPNOTSUPP", "ENOTSUP", "EBADF", "ESPIPE")
             if hasattr(errno, n)}


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class Writer:
    """A worker's side: appends pieces to its spool file, a new file every SPOOL_FILE_BYTES."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.worker = os.getpid()
        self.number = -1
        self._fh = None
        self._file = ""

    def put(self, data: bytes) -> Piece:
        fh = self._fh
        if fh is None or fh.tell() >= SPOOL_FILE_BYTES:
            if fh is not None:
                fh.close()
            self.number += 1
            self._file = os.path.join(self.folder, f"{self.worker}-{self.number}")
            fh = self._fh = open(self._file, "xb")  # noqa: SIM115 - kept open across pieces
        offset = fh.tell()
        fh.write(data)
        return Piece(self._file, self.worker, self.number, offset, len(data))

    def flush(self) -> None:
        """Before the pieces are named to the parent: everything written is in the file."""
        if self._fh is not None:
            self._fh.flush()
