"""The two CSV parsers (the csv module for evidence tables, pandas' C parser for study tables) read the same text
into the same cells: one dialect, declared once in evsynth.meta.inputs.csvtext."""
from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evsynth.meta.errors import SchemaError
from evsynth.meta.inputs.evidence import _read_csv
from evsynth.meta.inputs.tables import read_csv_text

CELL = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits + " .-", max_size=6),
    st.text(alphabet=string.ascii_letters + ' ,"\n\r', max_size=6).map(lambda s: '"' + s.replace('"', '""') + '"'),
).map(lambda s: s.lstrip(" "))  # a data cell never starts with spaces: those are the dialect's to skip
SPACE = st.sampled_from(["", " ", "  "])


def _text(rows: list[list[str]], spaces: list[str], newline: str) -> str:
    lines = [",".join(("a", "b", "c"))]
    for i, row in enumerate(rows):
        lines.append(",".join(spaces[(i + j) % len(spaces)] + cell for j, cell in enumerate(row)))
    return newline.join(lines) + newline


def _both(tmp_path, text: str):
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("utf-8"))
    problems: list = []
    table = _read_csv(path, "t", ("a", "b", "c"), lambda row: [], problems, tmp_path)
    try:
        frame = read_csv_text(path)
    except SchemaError:
        frame = None
    return table, problems, frame


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=5),
       spaces=st.lists(SPACE, min_size=1, max_size=3), newline=st.sampled_from(["\n", "\r\n"]))
def test_the_two_parsers_read_the_same_cells(tmp_path, rows, spaces, newline):
    table, problems, frame = _both(tmp_path, _text(rows, spaces, newline))
    wanted = [r for r in rows if any(c.strip('" ') for c in r)]  # blank records are skipped by both
    if table is None or frame is None or not wanted:
        return
    evidence = [[row[c] for c in ("a", "b", "c")] for row in table.rows]
    pandas = [["" if v != v else str(v) for v in r] for r in frame.itertuples(index=False)]
    assert evidence == pandas


@pytest.mark.parametrize("text, cells", [
    ('a,b,c\n "x, y",2,3\n', ["x, y", "2", "3"]),
    ('\ufeffa,b,c\n1, 2,3\n', ["1", "2", "3"]),
    ('a,b,c\r\n"multi\nline",3,"he said ""hi"""\r\n', ["multi\nline", "3", 'he said "hi"']),
    ('a,b,c\nNA,,#x\n', ["NA", "", "#x"]),
])
def test_known_cells(tmp_path, text, cells):
    table, problems, frame = _both(tmp_path, text)
    assert problems == []
    assert [table.rows[0][c] for c in "abc"] == cells
    assert [str(v) for v in next(frame.itertuples(index=False))] == cells


@pytest.mark.parametrize("text, line", [
    ("study,yi,vi\na,0.1,0.01\n\nb,0.2,x\n", 4),                      # a blank line before the bad row
    ('study,yi,vi\n"two\nlines",0.1,0.01\nb,0.2,x\n', 4),             # a quoted line break before it
    ("study,yi,vi\r\na,0.1,0.01\r\n,,\r\n  \r\nb,0.2,x\r\n", 5),       # a spreadsheet's blank record and a blank line
    ("study,yi,vi\na,0.1,0.01\nb,0.2,x", 3),                          # no final line break
])
def test_study_table_problems_name_the_line_the_record_is_on(tmp_path, text, line):
    from evsynth.meta.engine.choices import Measure
    from evsynth.meta.inputs.tables import load_table

    path = tmp_path / "t.csv"
    path.write_bytes(text.encode())
    with pytest.raises(SchemaError) as err:
        load_table(path, Measure("GEN"))
    [problem] = err.value.problems
    assert (problem.line, problem.column) == (line, "vi")


def test_blank_records_are_not_studies(tmp_path):
    from evsynth.meta.engine.choices import Measure
    from evsynth.meta.inputs.tables import load_table

    path = tmp_path / "t.csv"
    path.write_text("study,yi,vi\na,0.1,0.01\n,,\nb,0.2,0.02\n,,\n")
    table = load_table(path, Measure("GEN"))
    assert table.study == ("a", "b") and table.lines == (2, 4)
