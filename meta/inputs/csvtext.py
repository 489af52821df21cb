"""The one CSV dialect of evsynth, shared by its two parsers.

Evidence tables (`.evidence`) are read row by row with the csv module: every row is checked as it is read and its
problems carry the line it started on, and `evsynth validate` loads no numpy. Study tables for pooling
(`.tables`) are read with pandas' C parser, which is 13 times faster on a batch of 100,000 analyses (2 million
rows: 0.47 s against 6.2 s, measured with benchmarks/bench.py's batch). Both read a cell the same way because both
take their options from here: comma-separated, double quotes (a doubled quote inside them), spaces after a comma
skipped, nothing read as missing by the parser itself (the callers decide what "NA" means).
tests/test_csvtext.py checks that the two agree on the same text.
"""
from __future__ import annotations

import csv
import io
from typing import Iterator, TextIO

SKIP_INITIAL_SPACE = True  # ` "a, b"` is the quoted cell `a, b`, as in R's read.csv(strip.white = TRUE)
PANDAS_OPTIONS = {"sep": ",", "quotechar": '"', "doublequote": True, "skipinitialspace": SKIP_INITIAL_SPACE,
                  "keep_default_na": False}


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
