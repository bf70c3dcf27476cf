"""Writing files safely: to a temporary file beside the target, then renamed into place, so a
crash never leaves half a report; an existing file is kept unless overwriting is asked for.
What is not a regular file (/dev/null, a named pipe, /dev/stdout) is written into, never
replaced by a file. A report made in pieces may take some of them from the workers' spool
files (Spool, at the end): the kernel copies those into it."""

from __future__ import annotations

import errno
import io
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from . import jsontext
from .errors import InputError, UsageError

# The operating system's (English) reasons, in Swedish.
_REASONS = {errno.EACCES: "behörighet saknas", errno.EPERM: "behörighet saknas",
            errno.ENOTDIR: "en del av sökvägen är en fil, inte en mapp",
            errno.EEXIST: "en del av sökvägen är en fil, inte en mapp",
            errno.EISDIR: "det finns en mapp med det namnet",
            errno.EROFS: "filsystemet är skrivskyddat", errno.ENOSPC: "disken är full",
            errno.EDQUOT: "diskkvoten är slut", errno.ENAMETOOLONG: "namnet är för långt",
            errno.ENOENT: "mappen finns inte och kan inte skapas",
            errno.ELOOP: "symboliska länkar i en slinga", errno.EIO: "läsfel på disken"}


def os_reason(exc: OSError) -> str:
    return _REASONS.get(exc.errno, f"fel {errno.errorcode.get(exc.errno, exc.errno)}")


def _cannot_write(target: Path, exc: OSError) -> InputError:
    return InputError.single(str(target), f"kan inte skriva filen här ({os_reason(exc)})")


# Written as \u escapes in JSON (the same value to every reader): DEL, the C1 controls (U+009B
# is a terminal's CSI) and the bidi controls (engine/read/text_rules.py), which JSON's own
# escaping leaves raw and a terminal would obey. Only an old ledger or a file name can hold one.
_JSON_INVISIBLE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def dumps_json(data) -> str:
    """The project's JSON: sorted keys, two-space indent, UTF-8 as is, a final newline; no
    timestamps, so the same input gives the same bytes."""
    text = jsontext.dumps(data)
    if _JSON_INVISIBLE.search(text):
        text = _JSON_INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text + "\n"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _stat(target: Path) -> os.stat_result | None:
    """The target as the system sees it through any links; None if nothing is there yet."""
    try:
        return os.stat(target)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _cannot_write(target, exc) from None


def _std_stream(st: os.stat_result) -> int | None:
    """1 or 2 when the target is this process's standard output or error (e.g. /dev/stdout, or
    the file the shell sends it to): the report must go through that open stream."""
    for fd in (1, 2):
        try:
            own = os.fstat(fd)
        except OSError:
            continue
        if (own.st_dev, own.st_ino) == (st.st_dev, st.st_ino):
            return fd
    return None


_NOT_A_FILE = {stat.S_IFBLK: "en blockenhet", stat.S_IFSOCK: "en socket"}


def check_target(path: str | Path, overwrite: bool = False) -> None:
    """Refuse, before any work is done, an output path that write_atomic would refuse."""
    _where(Path(path), overwrite)


def _where(target: Path, overwrite: bool) -> tuple[str, int | None]:
    """How to write to target: ("stream", fd), ("into", None) for a device or a named pipe
    (written into, never replaced: -o /dev/null stays /dev/null), or ("file", None)."""
    st = _stat(target)
    if st is None:
        return "file", None
    if stat.S_ISDIR(st.st_mode):
        raise UsageError.single(str(target), "är en mapp; ange ett filnamn")
    fd = _std_stream(st)
    if fd is not None:
        return "stream", fd
    if stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
        return "into", None
    if not stat.S_ISREG(st.st_mode):
        kind = _NOT_A_FILE.get(stat.S_IFMT(st.st_mode), "en särskild fil")
        raise UsageError.single(str(target), f"är ingen vanlig fil ({kind}); ange ett filnamn")
    if not overwrite:
        raise UsageError.single(str(target), _EXISTS)
    return "file", None


_EXISTS = "filen finns redan; ange --force för att skriva över den"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _write_into(target: Path, data: bytes) -> None:
    """Into a character device or a named pipe, as the shell's `>` does: no temporary file, no
    rename, no truncation (blocks until a pipe has a reader)."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_NOCTTY)
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    try:
        mode = os.fstat(fd).st_mode
        if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):  # swapped since it was looked at
            raise UsageError.single(str(target), "byttes ut under skrivningen; försök igen")
        _write_all(fd, data)
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    finally:
        os.close(fd)


def _write_stream(fd: int, data: bytes) -> None:
    for stream in (sys.stdout, sys.stderr):  # what was printed before comes first
        stream.flush()
    _write_all(fd, data)


def write_atomic(path: str | Path, content: str | bytes, overwrite: bool = False) -> Path:
    """Write content to path. A regular file is written whole or not at all: a temporary file
    beside it, renamed into place (through a symbolic link, the file it names is replaced,
    never the link). Devices, named pipes and the standard streams are written into."""
    target = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    how, fd = _where(target, overwrite)
    if how == "stream":
        _write_stream(fd, data)
        return target
    if how == "into":
        _write_into(target, data)
        return target
    return _write_file(target, overwrite, lambda fh: fh.write(data))


def write_pieces(path: str | Path, pieces: Iterable, overwrite: bool = False,
                 spool: Spool | None = None) -> Path:
    """Write a report made piece by piece without holding it whole: a regular file is streamed
    into its temporary file (renamed into place only when the last piece is written; if making
    a piece fails, nothing is left behind). Devices, pipes and the standard streams get it
    whole at the end, as write_atomic gives it. A piece is text, UTF-8 bytes or a Piece
    (copied from `spool` by the kernel, below)."""
    target = Path(path)
    how, _ = _where(target, overwrite)
    if how != "file":
        return write_atomic(target, b"".join(_utf8(p, spool) for p in pieces), overwrite)

    def write(fh) -> None:
        # Small pieces are gathered and written together (a syscall is not small); a large one
        # (a unit's JSON or HTML, tens of kilobytes) is written as it is, never copied to join.
        buffer: list[bytes] = []
        size = 0
        for piece in _made(pieces):
            if isinstance(piece, Piece):
                fh.write(b"".join(buffer))
                buffer, size = [], 0
                fh.flush()  # what came before stands in the file before the copy is put after it
                spool.copy(piece, fh.fileno())
                continue
            data = _utf8(piece)
            if len(data) >= 1 << 14:
                if buffer:
                    fh.write(b"".join(buffer))
                    buffer, size = [], 0
                fh.write(data)
                continue
            buffer.append(data)
            size += len(data)
            if size >= 1 << 20:
                fh.write(b"".join(buffer))
                buffer, size = [], 0
        fh.write(b"".join(buffer))

    return _write_file(target, overwrite, write)


def _utf8(piece, spool: Spool | None = None) -> bytes:
    if isinstance(piece, str):
        return piece.encode("utf-8")
    return spool.read(piece) if isinstance(piece, Piece) else piece


def write_stdout(pieces: Iterable, spool: Spool | None = None) -> None:
    """Pieces of text, UTF-8 bytes or Piece to standard output, in order, as they come."""
    out = sys.stdout
    raw = getattr(out, "buffer", None)
    utf8 = raw is not None and (out.encoding or "").lower().replace("-", "") == "utf8"
    fd = _fileno(raw) if utf8 else None
    for piece in pieces:
        if isinstance(piece, str):
            out.write(piece)
            continue
        if isinstance(piece, Piece):
            if fd is not None:
                out.flush()  # the text written before comes first
                raw.flush()
                spool.copy(piece, fd)
                continue
            piece = spool.read(piece)
        if utf8:
            out.flush()
            raw.write(piece)
        else:  # a stream in another encoding, or one without bytes (a test's capture)
            out.write(piece.decode("utf-8"))
    out.flush()


def _fileno(stream) -> int | None:
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return None


class _NotWritten(Exception):
    """Making a piece failed (not writing it): the original error, after the cleanup."""


def _made(pieces: Iterable):
    it = iter(pieces)
    while True:
        try:
            piece = next(it)
        except StopIteration:
            return
        except OSError as exc:  # not a write error: must not be reported as one
            raise _NotWritten() from exc
        yield piece


def _write_file(target: Path, overwrite: bool, write: Callable) -> Path:
    """A regular file through a temporary file beside it; write(fh) fills it."""
    import tempfile  # here: a report to stdout needs none (nor shutil, bz2, lzma with it)

    real = Path(os.path.realpath(target))
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        tmp_fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    try:
        # mkstemp makes the file private (0600); a report is for colleagues: the umask decides.
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(tmp_fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, real)
        else:
            # link() fails if the target appeared meanwhile: never overwrite by accident.
            try:
                os.link(tmp, real)
            except FileExistsError:
                raise UsageError.single(str(target), _EXISTS) from None
            os.unlink(tmp)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, _NotWritten):
            raise exc.__cause__ from None
        if isinstance(exc, OSError):  # e.g. the disk filled up: nothing half written is left
            raise _cannot_write(target, exc) from None
        raise
    return target


def emit(content: str | bytes, output: str | None, force: bool = False) -> None:
    """A command's result: to the file --output names (safely), else to standard output."""
    if output:
        write_atomic(output, content, overwrite=force)
    elif isinstance(content, bytes):
        raise UsageError.single(None, "formatet är binärt; ange en fil med --output")
    else:
        sys.stdout.write(content)


def emit_rich(draw, output: str | None, force: bool = False, console_type=None) -> None:
    """Draw on the terminal, or as plain text (no colour codes) into the file --output names.
    `console_type`: the rich Console class (the commands give engine.report.console's, which
    writes no control character from data)."""
    if console_type is None:
        from rich.console import Console as console_type

    if output:
        buffer = io.StringIO()
        draw(console_type(file=buffer, width=100, no_color=True, force_terminal=False))
        write_atomic(output, buffer.getvalue(), overwrite=force)
    else:
        draw(console_type())


# --- a unit's piece, from a worker process to the writer through a file -------------------------
# A county's JSON or HTML report is mostly the units' own pieces (tens of kilobytes each, made
# where each unit was checked). Sent back through the pool's pipe, each is pickled, read in
# pipe-sized chunks, joined and unpickled by the parent: 0.3 s of the parent's CPU for 1 200
# units (a fifth of the floor). Written by the worker into a spool file instead, the parent only
# names its place (a Piece) and the kernel copies it into the report (copy_file_range, sendfile);
# the parent never holds the bytes.
#
# Each worker appends to a file of its own in a private temporary folder and starts a new one
# every SPOOL_FILE_BYTES (4 MB, some fifty units). The parent deletes a file's name when it
# opens it (the first piece it takes from it) and closes it when it takes a piece from the
# worker's next file (a worker's pieces are taken in the order it wrote them, input order), so
# the spool holds a few files per worker however large the county. The folder goes with the
# run.

SPOOL_FILE_BYTES = 4 << 20


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
        import shutil

        try:
            while self._open:
                _, (_, fd, _) = self._open.popitem()
                try:
                    os.close(fd)
                except OSError:
                    pass
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _fd(self, piece: Piece) -> int:
        held = self._open.get(piece.worker)
        if held is not None and held[0] == piece.number:
            return held[1]
        if held is not None:  # the worker has moved on: every piece of its last file was copied
            del self._open[piece.worker]  # first: a failure below leaves nothing closed held
            os.close(held[1])
        fd = os.open(piece.file, os.O_RDONLY)
        self._open[piece.worker] = (piece.number, fd, piece.file)
        # Its name goes at once (the worker writes on through its own descriptor, this one
        # reads): a run that is killed leaves only the files not yet seen here behind. One
        # that cannot go now goes with the folder.
        try:
            os.unlink(piece.file)
        except OSError:
            pass
        return fd

    def read(self, piece: Piece) -> bytes:
        return self._read(self._fd(piece), piece.offset, piece.length, piece.file)

    @staticmethod
    def _read(fd: int, offset: int, length: int, file: str) -> bytes:
        data = os.pread(fd, length, offset)
        if len(data) != length:
            raise OSError(errno.EIO, "spoolfilen är kortare än väntat", file)
        return data

    def copy(self, piece: Piece, out_fd: int) -> None:
        """The piece written to out_fd at its position (a file or a pipe), by the kernel where
        it can, else read and written. A kernel copy that fails (this pair of files is not for
        it, a sandbox forbids it) leaves the output where its last copied byte ended: the rest
        is taken the next way, and a problem of the output itself is met again when written."""
        fd = self._fd(piece)
        offset, end = piece.offset, piece.offset + piece.length
        for kernel_copy in _KERNEL_COPIES:
            try:
                while offset < end:
                    done = kernel_copy(fd, out_fd, offset, end - offset)
                    if done <= 0:
                        break
                    offset += done
            except OSError:
                continue
            if offset == end:
                return
        _write_all(out_fd, self._read(fd, offset, end - offset, piece.file))


def _copy_file_range(fd: int, out_fd: int, offset: int, count: int) -> int:
    return os.copy_file_range(fd, out_fd, count, offset)


def _sendfile(fd: int, out_fd: int, offset: int, count: int) -> int:
    return os.sendfile(out_fd, fd, offset, count)


# Linux's: elsewhere sendfile writes only to a socket (macOS, BSD) and copy_file_range is absent.
_KERNEL_COPIES = ((_copy_file_range, _sendfile) if sys.platform.startswith("linux")
                  and hasattr(os, "copy_file_range") else ())
SPOOLS = hasattr(os, "pread")  # a platform without it (Windows) sends the pieces as bytes


class SpoolWriter:
    """A worker's side: writes each piece whole into its spool file (unbuffered: a piece named
    to the parent is in the file), a new file every SPOOL_FILE_BYTES. Once a write fails (a
    full disk), it spools nothing more: the piece, and every later one, stays bytes and travels
    through the pool's pipe."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.worker = os.getpid()
        self.number = -1
        self.broken = False
        self._fd: int | None = None
        self._size = 0
        self._file = ""

    def put(self, data: bytes) -> Piece | bytes:
        if self.broken:
            return data
        try:
            if self._fd is None or self._size >= SPOOL_FILE_BYTES:
                self._next_file()
            offset = self._size
            _write_all(self._fd, data)
            self._size += len(data)
        except OSError:
            self.broken = True
            return data
        return Piece(self._file, self.worker, self.number, offset, len(data))

    def _next_file(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
        self.number += 1
        self._file = os.path.join(self.folder, f"{self.worker}-{self.number}")
        self._fd = os.open(self._file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._size = 0
