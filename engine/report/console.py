"""The rich console every terminal report is drawn on: it never writes a control character or a
bidi override that came from data.

Text from units and people (names, diarienummer, notes, file names) is validated on the way in
(engine/read/text_rules.py), but a ledger written by an older kravkoll, or a file name, may still
hold an escape character. rich passes ESC through (it strips only BEL, BS, VT, FF and CR), so a
unit's name could recolour the terminal, set its title or move the cursor. Here every string
rich is given is shown as text_rules.shown() writes it before it is laid out, and every segment
is checked once more before it is written (rich's own styling is added after that check).
Markup in data is the callers' business: they print data with markup=False or escape it.
"""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment

from engine.read.text_rules import is_safe, shown


class SafeConsole(Console):
    """A rich Console that writes data's control characters visibly (`\\x1b`, `\\u202e`)."""

    def render_str(self, text: str, *args, **kwargs):  # noqa: D102 - rich's hook
        return super().render_str(text if is_safe(text) else shown(text), *args, **kwargs)

    def _render_buffer(self, buffer):  # noqa: D102 - rich's last step before writing
        return super()._render_buffer(
            seg if seg.control or is_safe(seg.text) else Segment(shown(seg.text), seg.style)
            for seg in buffer)


def emit_rich(draw, output: str | None, force: bool = False) -> None:
    """engine.output.emit_rich on a SafeConsole: to the terminal, or as plain text into the
    file --output names."""
    from engine.output import emit_rich as emit

    emit(draw, output, force, console_type=SafeConsole)
