"""Shared test helpers: paths, variants of the example submission, running the CLI as a process."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXAMPLE = ROOT / "submissions" / "examples" / "2023" / "exempelbyn.yaml"
RULEBOOKS = ROOT / "rulebooks"
DELETE = object()


def example_data() -> dict:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def with_changes(data: dict, changes: dict) -> dict:
    """A deep copy of data with dotted-path changes applied (value DELETE removes the key)."""
    out = copy.deepcopy(data)
    for path, value in changes.items():
        parts = path.split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if value is DELETE:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = value
    return out


def write_yaml(path: Path, data) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def variant(tmp_path: Path, changes: dict, name: str = "variant.yaml") -> Path:
    return write_yaml(tmp_path / name, with_changes(example_data(), changes))


def run_cli(*args: str, cwd: Path = ROOT, timeout: float = 120, input: bytes | None = None,
            env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `kravkoll` as a separate process, the way a user does."""
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="80")
    full_env.pop("FORCE_COLOR", None)
    if env:
        full_env.update(env)
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], cwd=cwd, capture_output=True,
                          timeout=timeout, input=input, env=full_env)


def copy_region(target: Path, region: str = "jamtland") -> Path:
    """A copy of one region's rulebook folder at `target`, with the shared layers its rulebooks
    include (`include: [../nationellt/…]`) copied beside it, as in rulebooks/."""
    shutil.copytree(RULEBOOKS / region, target)
    return copy_layers(target)


def copy_layers(folder: Path) -> Path:
    """The shared layers (rulebooks/nationellt) beside `folder`, for a rulebook copied into it
    alone; returns the folder."""
    layers = folder.parent / "nationellt"
    if not layers.exists():
        shutil.copytree(RULEBOOKS / "nationellt", layers)
    return folder


def parse_submission(text: str):
    """A submission from YAML text, read and validated as `kravkoll check` does (file x.yaml)."""
    from engine.model.submission import Submission
    from engine.read.validation import validate
    from engine.read.yamlstrict import load_text

    return validate(load_text(text, "x.yaml"), Submission)


def input_error(text: str) -> str:
    """The message a submission given as YAML text is refused with."""
    import pytest

    from engine.errors import InputError

    with pytest.raises(InputError) as info:
        parse_submission(text)
    return str(info.value)
