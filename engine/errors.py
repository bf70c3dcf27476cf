"""The error types for bad input: where it is (file, line, column, field) and what was expected;
UsageError, the kind of InputError that is a wrong command line rather than a wrong file.

Every message a person reads is Swedish. The CLI turns an InputError into one line on stderr and
exit code 2; nothing else in the engine prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Problem:
    message: str
    path: str = ""  # dotted field path, "" for the whole file
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    cell: str | None = None  # in a spreadsheet, instead of line and column: "Årsbokslut!C41"

    def render(self, file: str | None) -> str:
        if file is None and self.line is None and self.cell is None:
            return (f"fält '{self.path}': " if self.path else "") + self.message
        where = file or "<indata>"
        if self.cell is not None:
            where += f":{self.cell}"
        elif self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field_part = f" fält '{self.path}':" if self.path else ""
        return f"{where}:{field_part} {self.message}"


@dataclass
class InputError(Exception):
    """Bad input: a file that cannot be read, parsed or validated. Carries one or more problems."""

    file: str | None
    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def single(cls, file: str | None, message: str, path: str = "", line: int | None = None,
               column: int | None = None) -> "InputError":
        return cls(file, [Problem(message, path, line, column)])

    def __str__(self) -> str:
        return "\n".join(p.render(self.file) for p in self.problems)


class UsageError(InputError):
    """A command line that cannot be run as written: an unknown or missing option, a value of the
    wrong form (a date, a number, a choice), an output file that exists without --force. The CLI
    heads it "fel i användning" instead of "fel i indata"; the exit code is the same (2)."""
