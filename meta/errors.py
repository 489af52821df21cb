"""The project's exception hierarchy; the CLI maps these to exit codes (2 = bad input)."""
from __future__ import annotations

from dataclasses import dataclass


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
        return f"{where}: {self.reason}"


class SchemaError(EvidenceError):
    """Input that does not fit its schema; carries every problem found, not just the first."""

    def __init__(self, problems: list[CellProblem] | tuple[CellProblem, ...]):
        self.problems = tuple(problems)
        head = f"{len(self.problems)} problem(s) in the input:"
        super().__init__("\n".join([head, *("  " + str(p) for p in self.problems)]))


class AnalysisError(EvidenceError):
    """A request that the statistics cannot honour (too few studies, a measure that does not fit...)."""


class UsageError(EvidenceError):
    """Options that contradict each other or name unknown things."""
