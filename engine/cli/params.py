"""Command-line values that are text, checked by the rules every text follows
(engine/read/text_rules.py) before a command runs: a diarienummer, a name or a note with a
control character, a bidi override or (where a line is expected) a line break is a usage error
(exit 2) naming the option, and never reaches the kravliggare or a letter."""

from __future__ import annotations

import click

from engine.read import text_rules


class TextParam(click.ParamType):
    """A text option or argument of one kind: text_rules.BLOCK, LINE or IDENT."""

    def __init__(self, kind: str, name: str = "text"):
        self.kind = kind
        self.name = name

    def convert(self, value, param, ctx):  # noqa: D102 - click's hook
        if not isinstance(value, str):
            return value
        try:
            return text_rules.check(value, self.kind)
        except text_rules.TextRefused as exc:
            self.fail(str(exc), param, ctx)


BLOCK = TextParam(text_rules.BLOCK)  # --note, --reason: may have several lines
LINE = TextParam(text_rules.LINE)  # a name, a region
IDENT = TextParam(text_rules.IDENT)  # a diarienummer, an HSA-id, a rule or form id
