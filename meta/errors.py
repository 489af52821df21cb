"""The project's exception hierarchy; the CLI maps these to exit codes (2 = bad input or environment)."""
from __future__ import annotations

import re
from dataclasses import dataclass

# characters that must never reach a terminal, a log or a report as they are: C0/C1 controls (ESC starts
# terminal escape sequences, NUL breaks XML), every Unicode format character (bidirectional overrides and isolates
# reorder what a reader sees, "Trojan Source"; zero-width spaces and joiners, a BOM inside text, soft hyphens, tag
# characters make two different strings look the same), line and paragraph separators, Hangul fillers (blank
# letters), and lone surrogates (not text at all; they break any UTF-8 output)
UNSAFE_CHARS = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\u3164\ud800-\udfff\ufeff\uffa0\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]")
MAX_SHOWN = 200  # problems listed one by one in a message; the rest are counted


def visible(text: str) -> str:
    """`text` with every unsafe character shown as an escape (\\u001b, \\u202e), so it can be printed (and
    JSON text stays valid JSON with the same meaning).

    Parameters
    ----------
    text : str
        The text.

    Returns
    -------
    str
        `text` with each unsafe character (UNSAFE_CHARS) replaced by its JSON-style escape, as above (a surrogate
        pair of escapes for a character beyond U+FFFF); other text unchanged.
    """
    return UNSAFE_CHARS.sub(_escape, text)


def _escape(m: re.Match) -> str:
    c = ord(m.group())
    if c > 0xFFFF:  # as a JSON surrogate pair, so escaped JSON stays JSON
        c -= 0x10000
        return f"\\u{0xD800 + (c >> 10):04x}\\u{0xDC00 + (c & 0x3FF):04x}"
    return f"\\u{c:04x}"


def number_text(x: float) -> str:
    """A number for a message, as typed: 12, 0.5, 1e+308 (never a 309-digit integer).

    Parameters
    ----------
    x : float
        The number (anything float() accepts).

    Returns
    -------
    str
        A whole number of magnitude below 1e15 without its ".0"; anything else as ``repr(float)`` (inf and nan
        included).
    """
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


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


class ProblemList(list):
    """A list of problems that keeps the first MAX_KEPT and only counts the rest (`more`), so a file with a
    million bad cells costs a counter, not a million objects."""

    MAX_KEPT = 10_000

    def __init__(self, *args):
        super().__init__(*args)
        self.more = 0

    def append(self, problem: CellProblem) -> None:
        """Keep `problem` while fewer than MAX_KEPT are kept, else count it in ``more``.

        Parameters
        ----------
        problem : CellProblem
            The problem.
        """
        if len(self) < self.MAX_KEPT:
            super().append(problem)
        else:
            self.more += 1

    def extend(self, problems) -> None:
        """Append each problem (see :meth:`append`).

        Parameters
        ----------
        problems : iterable of CellProblem
            The problems.
        """
        for p in problems:
            self.append(p)


class SchemaError(EvidenceError):
    """Input that does not fit its schema; carries every problem found, not just the first. The message lists
    the first MAX_SHOWN and counts the rest."""

    def __init__(self, problems: list[CellProblem] | tuple[CellProblem, ...], more: int = 0):
        self.problems = tuple(problems)
        self.more = more + getattr(problems, "more", 0)
        n = len(self.problems) + self.more
        head = f"{n:,} problem(s) in the input:"
        lines = [head, *("  " + str(p) for p in self.problems[:MAX_SHOWN])]
        if n > MAX_SHOWN:
            lines.append(f"  ... and {n - MAX_SHOWN:,} more")
        super().__init__("\n".join(lines))


class AnalysisError(EvidenceError):
    """A request that the statistics cannot honour (too few studies, a measure that does not fit...)."""


class OutputError(EvidenceError):
    """An output location evsynth must not write to (it would replace or delete what evsynth did not make)."""


class MissingDataWarning(UserWarning):
    """Studies with missing values were left out of an analysis (as metafor's "Studies with NAs omitted from
    model fitting"); the result lists them in `excluded` with the reason "missing"."""


class Interrupted(BaseException):
    """SIGTERM (or SIGINT) arrived: unwind, clean up temporary files, and exit 143 (or 130)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum
