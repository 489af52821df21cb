"""A broken CSV gives the messages a reviewer acts on: one per cause, naming the file, the line and the column
where the fault is (an unclosed quote where it opened, not where the file ends), and no follow-on noise.

Each case breaks a copy of the shipped base (binary.csv, as a careless edit would) or a small study table for
`evsynth pool`, and asserts the exact problems (line, column, message) and that there are no others."""
from __future__ import annotations

import csv
import io
import shutil
import string
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from evsynth.cli.main import main
from evsynth.meta.engine.choices import Measure
from evsynth.meta.errors import SchemaError
from evsynth.meta.inputs.csvtext import csv_records
from evsynth.meta.inputs.evidence import load_base
from evsynth.meta.inputs.tables import load_table

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "evidence" / "baclofen"
TABLE = BASE / "tables" / "binary.csv"
LINES = TABLE.read_text(encoding="utf-8").split("\n")
ROW = 5  # addolorato2007-04: quote and notes quoted, the notes cell last on its line
HEADER = next(csv.reader(io.StringIO(LINES[0])))
W = len(HEADER)
UNCLOSED = "unclosed quote: the cell opened on line {line}, column '{col}' never closes (its quote is character {char} "


def _on_line(n: int, change):
    def mutate(text: str) -> str:
        lines = text.split("\n")
        lines[n - 1] = change(lines[n - 1])
        return "\n".join(lines)
    return mutate


def _problems(tmp_path: Path, mutate, table_lost: bool = False) -> list[tuple[int | None, str | None, str]]:
    """The problems `load_base` finds in binary.csv after `mutate`; the other files must have none (with
    `table_lost`, when binary.csv cannot be read at all, risk_of_bias.csv may still name its trials as unknown: a
    cross-check outside the CSV reader)."""
    base = tmp_path / "evidence" / "b"
    shutil.copytree(BASE, base)
    shutil.copy(BASE.parent / "grading.toml", base.parent / "grading.toml")
    path = base / "tables" / "binary.csv"
    text = path.read_text(encoding="utf-8")
    new = mutate(text)
    assert new != text
    path.write_bytes(new.encode("utf-8") if isinstance(new, str) else new)
    try:
        load_base(base)
    except SchemaError as err:
        others = [str(p) for p in err.problems if p.file != str(path) and not (
            table_lost and p.file.endswith("risk_of_bias.csv") and p.reason.endswith("which no table has"))]
        assert others == []
        return [(p.line, p.column, p.reason) for p in err.problems if p.file == str(path)]
    return []


def _last_quote(line: str) -> str:
    j = line.rindex('"')
    return line[:j] + line[j + 1:]


def _quote_cell_unclosed(line: str) -> str:
    """Drop the closing quote of the row's `quote` cell (the one before `derived` and `notes`)."""
    i = line.index(',"', line.index("secondary summary")) + 1
    j = line.index('",', i + 1)
    return line[:j] + line[j + 1:]


def test_the_shipped_table_is_what_the_cases_assume():
    cells = next(csv.reader(io.StringIO(LINES[ROW - 1])))
    assert cells[0] == "addolorato2007-04" and HEADER[-1] == "notes" and LINES[ROW - 1].endswith('"')
    assert cells[HEADER.index("route")] == "oral"


def test_an_unclosed_quote_is_named_where_it_opened_and_nothing_else(tmp_path):
    found = _problems(tmp_path, _on_line(ROW, _last_quote))
    char = LINES[ROW - 1].rindex(',"') + 2  # the notes cell's opening quote, from 1
    assert found == [(ROW, "notes", UNCLOSED.format(line=ROW, col="notes", char=char) + "of the line); as it stands, "
                      f"it runs on to line {ROW + 1}, where a quote that opens a cell is read as its end. Add the "
                      "closing quote at the end of the cell")]


def test_an_unclosed_quote_on_the_last_line_is_not_a_line_break_in_a_cell(tmp_path):
    last = len(LINES) - 1  # the text ends with a line break
    found = _problems(tmp_path, _on_line(last, _last_quote))
    char = LINES[last - 1].rindex(',"') + 2
    assert found == [(last, "notes", UNCLOSED.format(line=last, col="notes", char=char) + "of the line); the rest "
                      "of the file would be read into it. Add the closing quote at the end of the cell")]


def test_a_cell_closed_by_the_next_cells_opening_quote_is_unclosed(tmp_path):
    found = _problems(tmp_path, _on_line(ROW, _quote_cell_unclosed))
    line = _quote_cell_unclosed(LINES[ROW - 1])
    opened = line.index(',"', line.index("secondary summary")) + 2
    assert len(found) == 1
    assert found[0][:2] == (ROW, "quote")
    assert found[0][2].startswith(UNCLOSED.format(line=ROW, col="quote", char=opened) + "of the line); the quote at "
                                  "character ")
    assert "which opens the next cell, is read as its end" in found[0][2]


def test_an_undoubled_quote_inside_a_quoted_cell(tmp_path):
    found = _problems(tmp_path, _on_line(ROW, lambda s: s.replace('"Side effects', '"He said "no" Side effects')))
    assert len(found) == 1
    line, col, reason = found[0]
    assert (line, col) == (ROW, "quote")
    assert reason.startswith("a quote inside a quoted cell that is not doubled, or a missing comma: the cell in "
                             "column 'quote' opens at character")
    assert "'no\" Side effects wer' follows the closing quote" in reason


def test_text_after_a_closing_quote_is_not_glued_to_the_cell(tmp_path):
    found = _problems(tmp_path, _on_line(ROW, lambda s: s.replace('medication.",', 'medication."x,')))
    assert [(ln, col) for ln, col, _ in found] == [(ROW, "quote")]
    after = LINES[ROW - 1].split('medication.",', 1)[1]
    assert f"{('x,' + after)[:20]!r} follows the closing quote" in found[0][2]


@pytest.mark.parametrize("change, column, words", [
    (lambda s: s.replace(",oral,", ",oral, daily,", 1), "route",
     f"{W + 1} cells where the header has {W}: a comma inside the unquoted text of column 'route', between 'oral' "
     "and 'daily'; quote that cell, or remove the comma"),
    (lambda s: s.replace(",parallel RCT,", ",parallel RCT,,", 1), "design",
     f"{W + 1} cells where the header has {W}: an extra comma after column 'design' (an empty cell after 'parallel "
     "RCT'); without it, every cell fits its column"),
    (lambda s: s.replace(",parallel RCT,AUD,", ",parallel RCTAUD,", 1), "design",
     f"{W - 1} cells where the header has {W}: a comma missing in column 'design' ('parallel RCTAUD' reads as one "
     "cell); with it, every later cell fits its column"),
])
def test_a_comma_too_many_or_too_few_names_its_column(tmp_path, change, column, words):
    assert _problems(tmp_path, _on_line(ROW, change)) == [(ROW, column, words)]


def test_a_line_break_in_an_unquoted_cell_is_one_message(tmp_path):
    found = _problems(tmp_path, _on_line(ROW, lambda s: s.replace(",oral,", ",or\nal,", 1)))
    route = HEADER.index("route")
    assert found == [(ROW, "route", f"the row breaks off in this cell and goes on on line {ROW + 1} ({route + 1} + "
                      f"{W - route} cells, one split in two, where the header has {W}): a line break inside the cell; "
                      "join the two lines")]


def test_typographic_quotes_are_named(tmp_path):
    found = _problems(tmp_path, _on_line(ROW, lambda s: s.replace('"Side effects', "\u201cSide effects").replace(
        'medication.",', "medication.\u201d,")))
    assert found == [(ROW, None, f"{W + 1} cells where the header has {W}: the row holds typographic quotes "
                      "(\u201c \u201d), which CSV does not read as quotes; a cell holding a comma needs straight "
                      "double quotes (\")")]


@pytest.mark.parametrize("mutate, expected", [
    (_on_line(1, lambda s: s.replace("events_t", "evnets_t")),
     [(1, "evnets_t", "unknown column for a binary table; did you mean 'events_t' (which is missing)?")]),
    (_on_line(1, lambda s: s + ","),
     [(1, None, "the header ends with a comma: its last column has no name; remove the trailing comma")]),
    (lambda t: t.replace(",", ";"),
     [(1, None, "only one column found: its columns are separated by semicolons, but the delimiter must be a comma; "
                "save it as CSV with commas")]),
    (lambda t: t.replace(",", "\t"),
     [(1, None, "only one column found: its columns are separated by tabs, but the delimiter must be a comma; save it "
                "as CSV with commas")]),
    (lambda t: t.split("\n", 1)[1],
     [(1, None, f"the first line is not a header row: none of its {W} cells names a column of a binary table (it "
                "begins 'addolorato2002-02', 'addolorato2002', '', ''); the first line names the columns: "
                + ", ".join(HEADER))]),
    (lambda t: "\n".join([*t.split("\n")[:10], LINES[0], *t.split("\n")[10:]]),
     [(11, None, "repeats the header row (two files pasted together?); remove this line")]),
])
def test_a_broken_header_is_one_message(tmp_path, mutate, expected):
    assert _problems(tmp_path, mutate, table_lost=expected[0][0] == 1) == expected


def test_one_cell_one_message(tmp_path):
    found = _problems(tmp_path, _on_line(ROW, lambda s: s.replace(",oral,", ",or\x00al,", 1)))
    assert [(ln, col) for ln, col, _ in found] == [(ROW, "route")]  # not also "'or\x00al' is not one of ..."
    assert "U+0000" in found[0][2]


def test_two_causes_two_messages(tmp_path):
    found = _problems(tmp_path, lambda t: _on_line(ROW, _last_quote)(_on_line(3, lambda s: s.replace(
        ",oral,", ",orl,", 1))(t)))
    assert [(ln, col) for ln, col, _ in found] == [(3, "route"), (ROW, "notes")]
    assert found[1][2].startswith("unclosed quote")


@pytest.mark.parametrize("mutate", [
    lambda t: "\ufeff" + t,
    lambda t: t.replace("\n", "\r\n"),
    _on_line(ROW, lambda s: s.replace(',"Side', ', "Side')),  # a space before an opening quote
    _on_line(ROW, lambda s: s.replace('medication.",', 'medication." ,')),  # and after a closing one
])
def test_harmless_variants_read_the_same_rows(tmp_path, mutate):
    assert _problems(tmp_path, mutate) == []


# ---- study tables for `evsynth pool` (pandas): the same faults, the same messages ----

GOOD = ('study,events_t,n_t,events_c,n_c,notes\n"Smith 2001",3,20,8,19,"a note, with comma"\n'
        'Jones 2003,5,30,9,31,"another ""quoted"" note"\nLee 2010,2,15,4,14,plain\nKim 2012,7,40,10,41,"last, one"\n')


def _pool_problems(tmp_path: Path, text: str, measure: str = "RR") -> list[tuple[int | None, str | None, str]]:
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    try:
        load_table(path, Measure(measure))
    except SchemaError as err:
        assert all(p.file == str(path) for p in err.problems)
        return [(p.line, p.column, p.reason) for p in err.problems]
    return []


@pytest.mark.parametrize("text, expected", [
    (GOOD.replace('"last, one"', '"last, one'),
     [(5, "notes", UNCLOSED.format(line=5, col="notes", char=21) + "of the line); the rest of the file would be read "
                   "into it. Add the closing quote at the end of the cell")]),
    (GOOD.replace('"another ""quoted"" note"', '"another ""quoted"" note'),
     [(3, "notes", UNCLOSED.format(line=3, col="notes", char=22) + "of the line); as it stands, it runs on to line 5, "
                   "where a quote that opens a cell is read as its end. Add the closing quote at the end of the "
                   "cell")]),
    (GOOD.replace('"Smith 2001"', '"Smith 2001"x'),
     [(2, "study", "a quote inside a quoted cell that is not doubled, or a missing comma: the cell in column 'study' "
                   "opens at character 1, closes at character 12, and 'x,3,20,8,19,\"a note,' follows the closing "
                   "quote. Write each quote inside a quoted cell as two (\"\"), or add the comma after the closing "
                   "quote")]),
    (GOOD.replace("Jones 2003,5,30", "Jones 2003,,5,30"),
     [(3, "study", "7 cells where the header has 6: an extra comma after column 'study' (an empty cell after "
                   "'Jones 2003'); without it, every cell fits its column")]),
    (GOOD.replace('"a note, with comma"', '"a note, with comma",'),  # pandas would drop the cell without a word
     [(2, "notes", "7 cells where the header has 6: an extra comma after column 'notes' (an empty cell after 'a note, "
                   "with comma'); without it, every cell fits its column")]),
    (GOOD.replace("plain", "plain, text"),
     [(4, "notes", "7 cells where the header has 6: a comma inside the unquoted text of column 'notes', between "
                   "'plain' and 'text'; quote that cell, or remove the comma")]),
    (GOOD.replace("Lee 2010,2,15", "Lee 2010,2\n,15"),
     [(4, "events_t", "the row breaks off in this cell and goes on on line 5 (2 + 5 cells, one split in two, where "
                      "the header has 6): a line break inside the cell; join the two lines")]),
    (GOOD.replace("Lee 2010", "study,events_t,n_t,events_c,n_c,notes\nLee 2010"),
     [(4, None, "repeats the header row (two files pasted together?); remove this line")]),
    (GOOD.split("\n", 1)[1],
     [(1, None, "none of the columns RR needs (events_t, n_t, events_c, n_c) is in the header row, which reads: "
                "Smith 2001, 3, 20, 8, 19, a note, with comma; is the header row missing, or are the columns named "
                "otherwise (--columns)?")]),
    ("study,yi,vi\na,0.1,0.01\nb,0.2\nc,0.3,0.02\n",  # pandas would pad the row with a missing value
     [(3, None, "2 cells where the header has 3 (a missing or extra comma, or an unquoted comma?)")]),
    ("study,yi,vi\na,0.1,0.01\nb,0.20.3\nc,0.3,0.02\n",
     [(3, "yi", "2 cells where the header has 3: a comma missing in column 'yi' ('0.20.3' reads as one cell); with "
                "it, every later cell fits its column")]),
    ("study,yi,vi\na,0.1,0.01,\nb,0.2\nc,0.3,0.02\n",  # the two faults cancel out in a count of commas
     [(2, "vi", "4 cells where the header has 3: an extra comma after column 'vi' (an empty cell after '0.01'); "
                "without it, every cell fits its column"),
      (3, None, "2 cells where the header has 3 (a missing or extra comma, or an unquoted comma?)")]),
])
def test_study_table_faults_are_named_once(tmp_path, text, expected):
    measure = "GEN" if text.startswith("study,yi") else "RR"
    assert _pool_problems(tmp_path, text, measure) == expected


def test_pandas_never_takes_a_first_column_as_the_index(tmp_path):
    # every record with one cell more than the header: pandas' default would shift every column left by one
    text = "study,yi,vi\n" + "".join(f"s{i},0.{i},0.0{i + 1},\n" for i in range(1, 4))
    assert [(ln, col) for ln, col, _ in _pool_problems(tmp_path, text, "GEN")] == [(2, "vi"), (3, "vi"), (4, "vi")]


def test_a_good_study_table_reads_as_before(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(GOOD.replace('"Smith 2001"', '"Smith 2001" '), encoding="utf-8")
    table = load_table(path, Measure("RR"))
    assert table.study == ("Smith 2001", "Jones 2003", "Lee 2010", "Kim 2012") and table.lines == (2, 3, 4, 5)
    assert list(table.columns["n_c"]) == [19, 31, 14, 41]


def test_pool_exits_2_with_the_message(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(GOOD.replace('"last, one"', '"last, one'), encoding="utf-8")
    res = CliRunner().invoke(main, ["pool", str(path), "--measure", "RR"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert f"{path}, line 5, column 'notes': unclosed quote: the cell opened on line 5" in res.output
    assert "1 problem(s)" in res.output


# ---- the reader itself: the cells of every readable record are the csv module's ----

TEXT = st.text(alphabet='ab ,"\n', max_size=40)


@settings(max_examples=500, deadline=None)
@given(TEXT)
def test_records_without_faults_are_the_csv_modules_cells(text):
    records = list(csv_records(text))
    plain = list(csv.reader(io.StringIO(text, newline=""), skipinitialspace=True))
    if all(r.fault is None for r in records):
        assert [list(r.cells) for r in records] == plain
    for r in records:
        assert 1 <= r.line <= r.end
        if r.fault is not None:  # the line named holds the quote that opened the faulty cell
            line = io.StringIO(text, newline="").readlines()[r.fault.line - 1]
            assert line[r.fault.char - 1] == '"'


@pytest.mark.parametrize("text", ['a,"b', 'a,"b"c', 'a,"b\nc,d\n', '"a" b,c'])
def test_faulty_records_are_named(text):
    [record] = [r for r in csv_records(text) if r.fault is not None]
    assert record.line == 1 and record.fault.line == 1


@pytest.mark.parametrize("cell", [c for c in string.printable if c not in '"\r\n\x0b\x0c,'][:5])
def test_spaces_after_a_closing_quote_are_kept_as_the_csv_module_keeps_them(cell):
    text = f'x,y\n"{cell}"  ,2\n'
    assert [list(r.cells) for r in csv_records(text)] == list(csv.reader(io.StringIO(text), skipinitialspace=True))
