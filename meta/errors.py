"""The project's exception hierarchy; the CLI maps these to exit codes (2 = bad input or environment)."""
from __future__ import annotations

import re
from dataclasses import dataclass

# characters that must never reach a terminal, a log or a report as they are: C0/C1 controls (ESC starts
# terminal escape sequences, NUL breaks XML), bidirectional overrides and isolates (they reorder what a reader
# sees, "Trojan Source"), and the Unicode line and paragraph separators
UNSAFE_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
MAX_SHOWN = 200  # problems listed one by one in a message; the rest are counted


def visible(text: str) -> str:
    """`text` with every unsafe character shown as an escape (\\x1b, \\u202e), so it can be printed."""
    return UNSAFE_CHARS.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                            else f"\\u{ord(m.group()):04x}", text)


class EvidenceError(Exception):
    """Base class of every error evsynth raises on purpose."""


@dataclass(frozen=True)
class CellProblem:
    """One bad cell (or file, or column): where it is and why it is wrong."""

    file: str
    line: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return visible(f"{where}: {self.reason}")


class SchemaError(EvidenceError):
    """Input that does not fit its schema; carries every problem found, not just the first. The message lists
    the first MAX_SHOWN and counts the rest."""

    def __init__(self, problems: list[CellProblem] | tuple[CellProblem, ...]):
        self.problems = tuple(problems)
        n = len(self.problems)
        head = f"{n} problem(s) in the input:"
        lines = [head, *("  " + str(p) for p in self.problems[:MAX_SHOWN])]
        if n > MAX_SHOWN:
            lines.append(f"  ... and {n - MAX_SHOWN:,} more")
        super().__init__("\n".join(lines))


class AnalysisError(EvidenceError):
    """A request that the statistics cannot honour (too few studies, a measure that does not fit...)."""


class OutputError(EvidenceError):
    """An output location evsynth must not write to (it would replace or delete what evsynth did not make)."""


class Interrupted(BaseException):
    """SIGTERM (or SIGINT) arrived: unwind, clean up temporary files, and exit 143 (or 130)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum
