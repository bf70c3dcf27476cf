"""Every help screen's usage line is Swedish: click's literal placeholders included."""

from __future__ import annotations

import click
import pytest

from engine.cli.main import main  # noqa: F401  (declares every command)
from engine.cli.commands import cli


def _commands(group: click.Group, path: tuple[str, ...] = ()):
    yield path
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # as help lists them: also commands loaded lazily
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from _commands(command, path + (name,))
        else:
            yield path + (name,)


@pytest.mark.parametrize("path", list(_commands(cli)), ids=lambda p: " ".join(p) or "kravkoll")
def test_usage_line_has_no_english_placeholder(path, capsys):
    assert main([*path, "--help"]) == 0
    usage = capsys.readouterr().out.splitlines()[0]
    assert usage.startswith("Användning: kravkoll")
    for english in ("[OPTIONS]", "COMMAND", "[ARGS]"):
        assert english not in usage, usage
