"""Writing files safely: to a temporary file beside the target, then renamed into place, so a
crash never leaves half a report; an existing file is kept unless overwriting is asked for."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import InputError


def write_atomic(path: str | Path, content: str | bytes, overwrite: bool = False) -> Path:
    target = Path(path)
    if target.exists() and not overwrite:
        raise InputError.single(str(target), "filen finns redan; ange --force för att skriva över den")
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise InputError.single(str(target), f"kan inte skriva filen här ({exc.strerror})") from None
    try:
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
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target
