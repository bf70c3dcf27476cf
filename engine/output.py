"""Writing files safely: to a temporary file beside the target, then renamed into place, so a
crash never leaves half a report; an existing file is kept unless overwriting is asked for."""

from __future__ import annotations

import errno
import io
import json
import os
import sys
import tempfile
from pathlib import Path

from .errors import InputError

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


def dumps_json(data) -> str:
    """The project's JSON: sorted keys, two-space indent, UTF-8 as is, a final newline; no
    timestamps, so the same input gives the same bytes."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: str | Path, content: str | bytes, overwrite: bool = False) -> Path:
    target = Path(path)
    if target.is_dir():
        raise InputError.single(str(target), "är en mapp; ange ett filnamn")
    if target.exists() and not overwrite:
        raise InputError.single(str(target), "filen finns redan; ange --force för att skriva över den")
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    try:
        # mkstemp makes the file private (0600); a report is for colleagues: the umask decides.
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, target)
        else:
            # link() fails if the target appeared meanwhile: never overwrite by accident.
            try:
                os.link(tmp, target)
            except FileExistsError:
                raise InputError.single(str(target), "filen finns redan; ange --force för att "
                                        "skriva över den") from None
            os.unlink(tmp)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError):  # e.g. the disk filled up: nothing half written is left
            raise _cannot_write(target, exc) from None
        raise
    return target


def emit(content: str | bytes, output: str | None, force: bool = False) -> None:
    """A command's result: to the file --output names (safely), else to standard output."""
    if output:
        write_atomic(output, content, overwrite=force)
    elif isinstance(content, bytes):
        raise InputError.single(None, "formatet är binärt; ange en fil med --output")
    else:
        sys.stdout.write(content)


def emit_rich(draw, output: str | None, force: bool = False) -> None:
    """Draw on the terminal, or as plain text (no colour codes) into the file --output names."""
    from rich.console import Console

    if output:
        buffer = io.StringIO()
        draw(Console(file=buffer, width=100, no_color=True, force_terminal=False))
        write_atomic(output, buffer.getvalue(), overwrite=force)
    else:
        draw(Console())
