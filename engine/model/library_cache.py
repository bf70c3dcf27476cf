"""The loaded rulebook library kept on disk between runs, so that checking one file does not
read, validate and cross-check every rulebook and form again (most of a single check's time).

Invisible by construction: an entry is used only when every file the load read has the same
bytes (sha256 of the content, not the modification time), the folders list the same files, the
engine code that loads (engine/model, engine/read, engine/*.py) is byte for byte the same, and
so are the Python, pydantic and PyYAML versions, the working folder and KRAVKOLL_FORMS. Only a
load that succeeded is stored: a broken rulebook or form is loaded, and refused, as always.
Anything wrong with the cache (missing, unreadable, read-only, corrupt, someone else's) means
a normal load; writing is atomic (a temporary file renamed into place) and never an error.

Where: $KRAVKOLL_CACHE_DIR, else $XDG_CACHE_HOME/kravkoll, else ~/.cache/kravkoll.
KRAVKOLL_CACHE=0 turns it off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
from collections.abc import Callable
from pathlib import Path

FORMAT = b"kravkoll-library-1"
MAX_ENTRIES = 16  # one per rulebook folder and working folder; the oldest go first
_CODE = Path(__file__).resolve().parents[1]  # engine/


def enabled() -> bool:
    return os.environ.get("KRAVKOLL_CACHE", "1").strip().lower() not in ("0", "no", "off", "false")


def folder() -> Path | None:
    """The cache folder; None when there is none to use (no home folder)."""
    if os.environ.get("KRAVKOLL_CACHE_DIR"):
        return Path(os.environ["KRAVKOLL_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kravkoll" if os.path.isabs(base) else None


def load(rulebooks: str | Path, candidates: Callable[[Path], list[Path]],
         load_uncached: Callable[[], list]) -> list:
    """load_uncached(), or what it gave before for exactly the same files. `candidates` lists
    the rulebook folder's files as the library does (before layers are set aside)."""
    from . import form

    where = folder() if enabled() else None
    if where is None or form._fixed is not None:  # forms held for a batch: the load reads those
        return load_uncached()
    try:
        key = _key(rulebooks)
        entry = where / f"library-{key[:40]}.pickle"
        found = _read(entry, key, rulebooks, candidates)
    except Exception:  # noqa: BLE001 - the cache only ever falls back to a normal load
        return load_uncached()
    if found is not None:
        return found
    return _load_and_store(rulebooks, candidates, load_uncached, key, entry)


def _key(rulebooks: str | Path) -> str:
    import pydantic_core
    import yaml
    from pydantic.version import VERSION

    h = hashlib.sha256(FORMAT)
    for part in (sys.version, VERSION, pydantic_core.__version__, yaml.__version__,
                 str(getattr(yaml, "__with_libyaml__", "")), os.getcwd(), str(rulebooks),
                 os.environ.get("KRAVKOLL_FORMS", "\0")):
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    for path in _code_files():
        h.update(str(path.relative_to(_CODE)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _code_files() -> list[Path]:
    """The code a library load runs: engine/*.py, engine/read, engine/model."""
    return sorted([*_CODE.glob("*.py"), *(_CODE / "read").glob("*.py"),
                   *(_CODE / "model").glob("*.py")])


# --- what the load read ------------------------------------------------------------------------


def _listing(rulebooks: str | Path, candidates) -> dict:
    from .form import default_folder

    root = Path(rulebooks)
    forms = default_folder()
    return {"rulebooks": [str(p) for p in candidates(root)] if root.is_dir()
            else [str(root)] if root.is_file() else None,
            "forms_root": str(forms),
            "forms": sorted(str(p) for p in forms.rglob("*.yaml")) if forms.is_dir() else None}


def _content(path: str) -> tuple[str, str] | None:
    """(sha256 of the bytes, the real folder it lies in: relative includes start there), or
    None when it is no regular file that can be read whole."""
    from engine.read.yamlstrict import MAX_BYTES

    try:  # without blocking: a named pipe is not waited for, it is no rulebook
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        with open(fd, "rb") as fh:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BYTES:
                return None
            raw = fh.read(MAX_BYTES + 1)
    except OSError:
        return None
    if len(raw) > MAX_BYTES:
        return None
    return hashlib.sha256(raw).hexdigest(), os.path.realpath(os.path.dirname(path) or ".")


def _load_and_store(rulebooks, candidates, load_uncached, key: str, entry: Path) -> list:
    """The load as always; stored when nothing it read changed while it ran."""
    from engine.read.yamlstrict import recording

    from .form import load_forms

    try:
        before = _listing(rulebooks, candidates)
        seen = {p: _content(p) for p in before["rulebooks"] or []}
        forms = load_forms()  # what the load's checks will find in the in-process cache
    except Exception:  # noqa: BLE001 - the load below says what is wrong, as it always did
        return load_uncached()
    with recording() as reads:
        books = load_uncached()  # raises as it always did: a failed load is never stored
    try:
        files = _made_from(seen, reads, forms)
        if (files is not None and load_forms() is forms
                and _listing(rulebooks, candidates) == before
                and sorted(f.path for f in forms.values()) == before["forms"]):
            manifest = {"listing": before, "files": files}
            _write(entry, key, pickle.dumps((manifest, books, forms),
                                            protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # noqa: BLE001 - not stored; the load itself succeeded
        pass
    return books


def _made_from(seen: dict, reads: list[tuple[str, str]], forms: dict) -> dict | None:
    """{file: its content now} when that is the content the load read, else None (a file
    changed while the load ran: store nothing)."""
    files = {}
    for path, content in seen.items():
        files[path] = _content(path)
        if content is None or files[path] != content:
            return None
    used = [*reads, *((f.path, f.doc.sha256 if f.doc else None) for f in forms.values())]
    for path, sha in used:
        if path not in files:
            files[path] = _content(path)
        if files[path] is None or files[path][0] != sha:
            return None
    return files


# --- the entry on disk -------------------------------------------------------------------------


def _trusted(st: os.stat_result) -> bool:
    """Ours and writable by no one else: an entry is unpickled, so no other user may have
    written it."""
    uid = getattr(os, "getuid", None)
    if uid is not None and st.st_uid != uid():
        return False
    return not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _head(key: str, body: bytes) -> bytes:
    """What an entry starts with: the format, its key and the sha256 of the pickle after it."""
    return FORMAT + b"\n" + key.encode() + b"\n" + hashlib.sha256(body).hexdigest().encode()


def _read(entry: Path, key: str, rulebooks, candidates) -> list | None:
    """The library of a valid entry whose files are all as they were, else None."""
    try:
        if not _trusted(os.stat(entry.parent)):
            return None
        fd = os.open(entry, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as fh:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or not _trusted(st):
                return None
            data = fh.read()
    except OSError:
        return None
    head, _, body = data.partition(b"\n\n")
    if head != _head(key, body):
        return None  # another format, another key, or not the bytes written (torn, corrupt)
    manifest, books, forms = pickle.loads(body)
    if _listing(rulebooks, candidates) != manifest["listing"]:
        return None
    for path, content in manifest["files"].items():
        if _content(path) != content:
            return None
    from .form import remember_forms

    remember_forms(Path(manifest["listing"]["forms_root"]), forms)
    return books


def _write(entry: Path, key: str, body: bytes) -> None:
    """Atomically, private to the user (0600 in a 0700 folder); a folder that cannot be
    written (read-only, full) leaves the cache as it was."""
    import tempfile  # here: a run that reads the cache writes nothing

    entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not _trusted(os.stat(entry.parent)):
        return
    fd, tmp = tempfile.mkstemp(prefix=".library-", suffix=".tmp", dir=entry.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(_head(key, body) + b"\n\n" + body)
        os.replace(tmp, entry)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _prune(entry.parent, keep=entry)


def _prune(where: Path, keep: Path) -> None:
    entries = []
    for path in where.glob("library-*.pickle"):
        try:
            entries.append((path.stat().st_mtime_ns, path))
        except OSError:
            continue
    entries.sort(reverse=True)
    for _mtime, path in entries[MAX_ENTRIES:]:
        if path != keep:
            try:
                path.unlink()
            except OSError:
                pass

