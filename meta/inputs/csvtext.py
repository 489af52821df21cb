"""The one CSV dialect of evsynth, shared by its two parsers.

Evidence tables (`.evidence`) are read row by row with the csv module: every row is checked as it is read and its
problems carry the line it started on, and `evsynth validate` loads no numpy. Study tables for pooling
(`.tables`) are read with pandas' C parser, which is 13 times faster on a batch of 100,000 analyses (2 million
rows: 0.47 s against 6.2 s, measured with benchmarks/bench.py's batch). Both read a cell the same way because both
take their options from here: comma-separated, double quotes (a doubled quote inside them), spaces after a comma
skipped, nothing read as missing by the parser itself (the callers decide what "NA" means). pandas pads a short
record and drops a first record's extra cells without a word, and reads a stray quote into the cell: the study-table
reader checks the shape itself (by counting commas when the text has no quotes; with quotes, by a strict pass of the
csv module, which costs about as much again as pandas' read).
tests/test_csvtext.py checks that the two agree on the same text.

Malformed quoting is never read silently: `csv_records` reads with the csv module's strict mode, and where it stops,
re-reads that record with a tokenizer of the same dialect that names the fault: a quote that opens a cell and never
closes (named at the line and character where it opened, not at the end of the file it would swallow), or text
after a cell's closing quote (a quote inside a quoted cell that is not doubled). Spaces after a closing quote are
allowed, and read as both parsers read them (kept in the cell). Reading goes on at the line after the fault, so one
missing quote gives one message.
"""
from __future__ import annotations

import bisect
import csv
import io
import itertools
from dataclasses import dataclass
from typing import Iterator, TextIO

SKIP_INITIAL_SPACE = True  # ` "a, b"` is the quoted cell `a, b`, as in R's read.csv(strip.white = TRUE)
# index_col=False: pandas would otherwise take the first column(s) as the index when the first record has more cells
# than the header, shifting every column by one without a word
PANDAS_OPTIONS = {"sep": ",", "quotechar": '"', "doublequote": True, "skipinitialspace": SKIP_INITIAL_SPACE,
                  "keep_default_na": False, "index_col": False}


def csv_rows(source: str | TextIO) -> "Iterator[list[str]]":
    """The records of a CSV text, or of a file opened with ``newline=""`` (a csv.reader: its `line_num` is the
    line the last record ended on).

    Parameters
    ----------
    source : str or file object
        The CSV text, or a text file opened with ``newline=""``.

    Returns
    -------
    Iterator of list of str
        The records, each a list of its cells as text (nothing converted; blank records are yielded too).
    """
    stream = io.StringIO(source, newline="") if isinstance(source, str) else source
    return csv.reader(stream, skipinitialspace=SKIP_INITIAL_SPACE)


def csv_header(source: str | TextIO) -> list[str]:
    """The first record of a CSV text or file, its names stripped ([] when there is none).

    Parameters
    ----------
    source : str or file object
        The CSV text, or a text file opened with ``newline=""`` (its first record is consumed).

    Returns
    -------
    list of str
        The column names, stripped of surrounding whitespace.
    """
    return [c.strip() for c in next(csv_rows(source), [])]


@dataclass(frozen=True)
class QuoteFault:
    """A record the dialect cannot read: a quote that opens a cell and never closes (``kind="unclosed"``: the file
    ends inside it, or a quote on a later line is read as its end), a cell closed on its own line by the quote that
    opens the next cell (``kind="next cell's quote"``: a comma before that quote, text after it), or another closing
    quote followed by text (``kind="text after quote"``: a quote inside a quoted cell not doubled, or a missing
    comma)."""

    kind: str
    line: int  # the line the cell's opening quote is on
    char: int  # the opening quote's character in that line (from 1)
    cell: int  # the cell's position in its record (from 0)
    runs_to: int | None = None  # unclosed: the line it runs on to, closed there by another cell's quote (None: EOF)
    closed: int | None = None  # text after quote: the closing quote's character in the line
    follows: str = ""  # text after quote: what follows the closing quote

    def message(self, column: str) -> str:
        """The fault for a reader, naming the cell's column as `column` (e.g. "column 'notes'").

        Parameters
        ----------
        column : str
            How to name the cell's column.

        Returns
        -------
        str
            What is wrong, where, and what to do.
        """
        if self.kind == "unclosed":
            rest = ("the rest of the file would be read into it" if self.runs_to is None else
                    f"as it stands, it runs on to line {self.runs_to}, where a quote that opens a cell is read as its "
                    "end")
            return (f"unclosed quote: the cell opened on line {self.line}, {column} never closes (its quote is "
                    f"character {self.char} of the line); {rest}. Add the closing quote at the end of the cell")
        if self.kind == "next cell's quote":
            return (f"unclosed quote: the cell opened on line {self.line}, {column} never closes (its quote is "
                    f"character {self.char} of the line); the quote at character {self.closed}, after a comma, which "
                    f"opens the next cell, is read as its end, and {self.follows!r} follows it. Add the closing quote "
                    "at the end of the cell (or, if that quote is part of the text, write it as two: \"\")")
        return (f"a quote inside a quoted cell that is not doubled, or a missing comma: the cell in {column} opens "
                f"at character {self.char}, closes at character {self.closed}, and {self.follows!r} follows the "
                "closing quote. Write each quote inside a quoted cell as two (\"\"), or add the comma after the "
                "closing quote")


@dataclass(frozen=True)
class Record:
    """One CSV record: the lines it spans and its cells, or why it cannot be read (`fault`, no cells)."""

    line: int  # the line it starts on (from 1)
    end: int  # the line it ends on
    cells: tuple[str, ...] = ()
    fault: QuoteFault | None = None


TYPOGRAPHIC_QUOTES = "\u201c\u201d\u201e\u201f\u00ab\u00bb"  # “ ” „ ‟ « »: not CSV quotes


def csv_records(text: str) -> Iterator[Record]:
    """The records of a CSV text, each with the lines it spans; a record with a quoting fault comes as a Record
    with `fault` set, and reading goes on at the line after the one where the faulty quote opened.

    Parameters
    ----------
    text : str
        The CSV text (without a byte-order mark).

    Returns
    -------
    Iterator of Record
        Every record in order, blank ones included (with no cells).
    """
    stream = io.StringIO(text, newline="")
    starts: list[int] = []  # where each line starts: found at the first fault, for the tokenizer
    k = 0  # the lines read before the current reader
    while True:
        reader = csv.reader(stream, skipinitialspace=SKIP_INITIAL_SPACE, strict=True)
        first = k
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error:
                starts = starts or [0, *itertools.accumulate(len(x) for x in io.StringIO(text, newline=""))]
                record = _tokenize(text, starts, first)
                k = record.end
                stream.seek(starts[k])
                yield record
                break
            yield Record(first + 1, k + reader.line_num, tuple(cells))
            first = k + reader.line_num


def _tokenize(text: str, starts: list[int], first: int) -> Record:
    """The record that begins at line index `first`, read character by character in the dialect (a quoted cell may
    be followed by spaces, kept as the csv module keeps them). A faulty record ends on the line its bad quote opened
    on: reading goes on at the next line."""
    i, n, cells = starts[first], len(text), []

    def line_of(pos: int) -> int:
        return bisect.bisect_right(starts, pos)  # 1-based line of a character position

    while True:
        while i < n and text[i] == " ":
            i += 1
        if i < n and text[i] == '"':
            opened, i, parts = i, i + 1, []
            ln = line_of(opened)
            char = opened - starts[ln - 1] + 1
            while True:
                j = text.find('"', i)
                if j < 0:
                    return Record(first + 1, ln, fault=QuoteFault("unclosed", ln, char, len(cells)))
                parts.append(text[i:j])
                if text.startswith('""', j):
                    parts.append('"')
                    i = j + 2
                    continue
                k = j + 1
                while k < n and text[k] == " ":
                    k += 1
                if k < n and text[k] not in ",\r\n":
                    if line_of(j) > ln:  # the quote that "closes" it opens a cell on a later line
                        return Record(first + 1, ln, fault=QuoteFault("unclosed", ln, char, len(cells), line_of(j)))
                    follows = text[k:k + 20].splitlines()[0]
                    b = j - 1
                    while b > opened and text[b] == " ":
                        b -= 1
                    kind = "next cell's quote" if b > opened and text[b] == "," else "text after quote"
                    return Record(first + 1, ln, fault=QuoteFault(kind, ln, char, len(cells),
                                                                  closed=j - starts[ln - 1] + 1, follows=follows))
                cells.append("".join(parts) + text[j + 1:k])
                i = k
                break
        else:
            j = i
            while j < n and text[j] not in ",\r\n":
                j += 1
            cells.append(text[i:j])
            i = j
        if i >= n or text[i] != ",":
            return Record(first + 1, line_of(min(i, n - 1)), tuple(cells))  # ends on the line its line break ends
        i += 1
