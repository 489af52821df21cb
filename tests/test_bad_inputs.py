"""A battery of malformed inputs: every one exits 2 with a message naming the file, the line and the field, shows
no traceback, and writes nothing (the previous build stays as it was, no temporary folder is left)."""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from evsynth.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "evidence" / "baclofen"


def set_cell(table: str, study_id: str, column: str, value: str):
    """A mutation: one cell of one row of tables/<table>.csv."""
    def change(base: Path) -> None:
        path = base / "tables" / f"{table}.csv"
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        col = rows[0].index(column)
        hit = [r for r in rows[1:] if r[0] == study_id]
        assert hit, study_id
        hit[0][col] = value
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        path.write_text(buf.getvalue(), encoding="utf-8")
    return change


def edit_text(rel: str, old: str, new: str, count: int = 1):
    def change(base: Path) -> None:
        path = base / rel if not rel.startswith("../") else base.parent / rel[3:]
        text = path.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, count), encoding="utf-8")
    return change


def append_text(rel: str, extra: str):
    def change(base: Path) -> None:
        path = base / rel if not rel.startswith("../") else base.parent / rel[3:]
        path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return change


def write_bytes(rel: str, data: bytes):
    def change(base: Path) -> None:
        (base / rel).write_bytes(data)
    return change


def header_and_first_row(table: str) -> tuple[str, str]:
    lines = (BASE / "tables" / f"{table}.csv").read_text(encoding="utf-8").splitlines()
    return lines[0], lines[1]


H, R1 = header_and_first_row("binary")
ROW = "addolorato2007-01"

# (case id, mutation, fragments the message must hold: file, line, field ...)
EVIDENCE_CASES = [
    ("text in a count", set_cell("binary", ROW, "n_t", "forty"), ["binary.csv", "line", "n_t"]),
    ("negative events", set_cell("binary", ROW, "events_t", "-3"), ["binary.csv", "line", "events_t"]),
    ("events above n", set_cell("binary", ROW, "events_t", "99"), ["binary.csv", "line", "events_t"]),
    ("zero participants", set_cell("binary", ROW, "n_c", "0"), ["binary.csv", "line", "n_c"]),
    ("NaN count", set_cell("binary", ROW, "events_c", "nan"), ["binary.csv", "line", "events_c"]),
    ("infinite count", set_cell("binary", ROW, "n_t", "inf"), ["binary.csv", "line", "n_t"]),
    ("huge number", set_cell("binary", ROW, "n_t", "1e400"), ["binary.csv", "line", "n_t"]),
    ("fractional count", set_cell("binary", ROW, "events_t", "3.5"), ["binary.csv", "line", "events_t"]),
    ("year in the future", set_cell("binary", ROW, "year", "3025"), ["binary.csv", "line", "year"]),
    ("unknown design", set_cell("binary", ROW, "design", "vibes"), ["binary.csv", "line", "design"]),
    ("source not in sources.bib", set_cell("binary", ROW, "source", "nosuchsource2099"),
     ["binary.csv", "line", "source"]),
    ("quote missing", set_cell("binary", ROW, "quote", ""), ["binary.csv", "line", "quote"]),
    ("no identifier", lambda b: [set_cell("binary", ROW, c, "")(b) for c in ("doi", "pmid", "url")],
     ["binary.csv", "line"]),
    ("negative dose", set_cell("binary", "garbutt2021-01", "dose", "-30"), ["binary.csv", "line", "dose"]),
    ("zero duration", set_cell("binary", ROW, "duration_weeks", "0"), ["binary.csv", "line", "duration_weeks"]),
    ("duplicate study_id", set_cell("binary", "addolorato2007-02", "study_id", ROW), ["binary.csv", "line",
                                                                                       "study_id"]),
    ("p-value above 1", set_cell("pvalues", "garbutt2010-01", "p", "1.5"), ["pvalues.csv", "line", "p"]),
    ("proportion events above n", set_cell("proportions", "hedley1975-01", "events", "36"),
     ["proportions.csv", "line", "events"]),
    ("part_of names no trial", set_cell("binary", ROW, "part_of", "ghosttrial1999"),
     ["binary.csv", "line", "part_of"]),
    ("part_of names itself", set_cell("binary", ROW, "part_of", "addolorato2007"),
     ["binary.csv", "line", "part_of"]),
    ("missing column", edit_text("tables/binary.csv", ",n_c,", ",n_cc,"), ["binary.csv", "line 1", "n_c"]),
    ("ragged row", append_text("tables/binary.csv", R1.replace(ROW, "extra1999-01") + ",surplus\n"),
     ["binary.csv", "line"]),
    ("not UTF-8", write_bytes("tables/trials.csv", H.encode() + b"\n\xff\xfe broken\n"), ["trials.csv", "line"]),
    ("header only", write_bytes("tables/continuous.csv",
                                (BASE / "tables" / "continuous.csv").read_bytes().split(b"\n")[0] + b"\n"),
     ["continuous.csv"]),
    ("semicolons", write_bytes("tables/binary.csv", H.replace(",", ";").encode() + b"\n"
                               + R1.replace(",", ";").encode() + b"\n"), ["binary.csv", "line 1"]),
    ("unknown table kind", write_bytes("tables/notes.csv", b"a,b\n1,2\n"), ["notes.csv"]),
    # analyses.toml
    ("analyses: not TOML", append_text("analyses.toml", "\n[analyses.broken\n"), ["analyses.toml", "line"]),
    ("analyses: unknown key", edit_text("analyses.toml", 'measure = "RR"\n', 'measure = "RR"\nmethdo = "DL"\n'),
     ["analyses.toml", "line", "methdo"]),
    ("analyses: bad measure", edit_text("analyses.toml", 'measure = "RR"', 'measure = "XYZ"'),
     ["analyses.toml", "line", "measure"]),
    ("analyses: method of the wrong type", edit_text("analyses.toml", 'measure = "PLO"\n',
                                                     'measure = "PLO"\nmethod = 7\n'),
     ["analyses.toml", "line", "method"]),
    ("analyses: filter selects nothing", edit_text("analyses.toml", 'outcome = "abstinence"',
                                                   'outcome = "abstinense"'),
     ["analyses.toml", "line", "did you mean 'abstinence'"]),
    ("analyses: by names no column", edit_text("analyses.toml", 'by = "dose_group"', 'by = "dosegroup"'),
     ["analyses.toml", "dosegroup"]),
    ("analyses: duplicated table", append_text("analyses.toml", '\n[analyses.aud_abstinence]\ntitle = "again"\n'),
     ["analyses.toml", "line"]),
    ("analyses: TSA out of range", edit_text("analyses.toml", "rrr = 0.2", "rrr = 2.5"),
     ["analyses.toml", "line", "rrr"]),
    ("analyses: override without reason", append_text(
        "analyses.toml", '\n[analyses.aud_dropout.grade]\nindirectness = { change = -1 }\n'),
     ["analyses.toml", "line", "grade"]),
    ("analyses: bad outcome_kind", edit_text("analyses.toml", 'outcome_kind = "harm"', 'outcome_kind = "bad"'),
     ["analyses.toml", "line", "outcome_kind"]),
    # claims.toml
    ("claims: unknown analysis", edit_text("claims.toml", 'analysis = "aud_abstinence_or"', 'analysis = "aud_nothing"'),
     ["claims.toml", "line", "analysis"]),
    ("claims: two expectations", edit_text("claims.toml", '"itb_tone_responders"\nat_least = 0.80',
                                                                  '"itb_tone_responders"\nat_least = 0.80\nlabel = "Strong"'),
     ["claims.toml", "line"]),
    ("claims: level above 1", edit_text("claims.toml", '"itb_tone_responders"\nat_least = 0.80',
                                                             '"itb_tone_responders"\nat_least = 1.8'),
     ["claims.toml", "line", "at_least"]),
    ("claims: reversed range", edit_text("claims.toml", "\nwithin = [0.70, 0.87]", "\nwithin = [0.87, 0.70]"),
     ["claims.toml", "line", "within"]),
    ("claims: unknown document table", edit_text("claims.toml", '\ntable = "uses"', '\ntable = "usage"'),
     ["claims.toml", "line", "table"]),
    ("claims: no text", edit_text("claims.toml", 'text = "Evidence for baclofen in spasticity is rated strong."\n',
                                  ""), ["claims.toml", "line", "text"]),
    ("claims: not TOML", append_text("claims.toml", "\n[claims.x\n"), ["claims.toml", "line"]),
    # grading.toml
    ("grading: threshold of the wrong type", edit_text("../grading.toml", "i2_no_concern = 30.0",
                                                       'i2_no_concern = "thirty"'),
     ["grading.toml", "line", "i2_no_concern"]),
    ("grading: missing threshold", edit_text("../grading.toml", "strong_min_rct = 3\n", ""),
     ["grading.toml", "strong_min_rct"]),
    ("grading: not TOML", append_text("../grading.toml", "\n[labels\n"), ["grading.toml", "line"]),
    # sources.bib
    ("bib: unbalanced braces", append_text("sources.bib", "\n@article{broken2020,\n  title = {never closed\n"),
     ["sources.bib", "line"]),
    ("bib: duplicate key", append_text("sources.bib", "\n@article{abel1994,\n  title = {again},\n}\n"),
     ["sources.bib", "line", "abel1994"]),
    ("bib: entry without a key", append_text("sources.bib", "\n@article{,\n  title = {no key},\n}\n"),
     ["sources.bib", "line"]),
    # issue 14: untrusted text, ids that would be paths, unvalidated TOML values, absurd numbers
    ("ESC in a cell", set_cell("binary", ROW, "study", "Addolorato\x1b[31m 2007"), ["binary.csv", "line", "study"]),
    ("bidi override in a cell", set_cell("binary", ROW, "notes", "see \u202etxt.exe"), ["binary.csv", "line", "notes"]),
    ("NUL byte in a table", append_text("tables/binary.csv", R1.replace(ROW, "nul1999-01").replace("Addolorato",
                                                                                                  "Addo\x00")),
     ["binary.csv", "line"]),
    ("a 100 KB study label", set_cell("binary", ROW, "study", "x" * 100_000), ["binary.csv", "line", "study"]),
    ("a URL that leaves its attribute", set_cell("binary", ROW, "url", 'https://x.org/"onmouseover="alert(1)'),
     ["binary.csv", "line", "url"]),
    ("a javascript: URL", set_cell("binary", ROW, "url", "javascript:alert(1)"), ["binary.csv", "line", "url"]),
    ("an absurd count", set_cell("binary", ROW, "n_t", "1e300"), ["binary.csv", "line", "n_t"]),
    ("analyses: an id that is a path", append_text(
        "analyses.toml", '\n[analyses."../../../../outside"]\ntitle = "x"\ntable = "binary"\nmeasure = "RR"\n'),
     ["analyses.toml", "line", "not a valid id"]),
    ("analyses: a quoted id with a space", append_text(
        "analyses.toml", '\n[analyses."two words"] # a comment\ntitle = "x"\ntable = "binary"\nmeasure = "RR"\n'),
     ["analyses.toml", "line", "not a valid id"]),
    ("analyses: arrays 5000 deep", append_text("analyses.toml", "\nx = " + "[" * 5000 + "]" * 5000 + "\n"),
     ["analyses.toml", "line", "nested"]),
    ("analyses: TSA value nan", edit_text("analyses.toml", "rrr = 0.20", "rrr = nan"),
     ["analyses.toml", "line", "rrr"]),
    ("analyses: a title with ESC", edit_text("analyses.toml", 'title = "Alcohol use disorder: abstinence, baclofen vs '
                                             'placebo (randomised trials)"', 'title = "x\\u001b[2J"'),
     ["analyses.toml", "line", "title"]),
    ("claims: min_studies as text", edit_text("claims.toml", "[claims.itb_tone_over_80]\n",
                                              '[claims.itb_tone_over_80]\nmin_studies = "two"\n'),
     ["claims.toml", "line", "min_studies"]),
    ("claims: min_studies infinite", edit_text("claims.toml", "[claims.itb_tone_over_80]\n",
                                               "[claims.itb_tone_over_80]\nmin_studies = inf\n"),
     ["claims.toml", "line", "min_studies"]),
    ("claims: doses_within with a string", edit_text("claims.toml", "doses_within = [5, 270]",
                                                     'doses_within = ["5", 270]'),
     ["claims.toml", "line", "doses_within"]),
    ("claims: an id that is a path", append_text("claims.toml", '\n[claims."../../x"]\ndocument = "a.txt"\n'
                                                 'section = "s"\ntext = "t"\nnot_checkable = "n"\n'),
     ["claims.toml", "line", "not a valid id"]),
    ("claims: a header with a trailing comment", edit_text(
        "claims.toml", "[claims.itb_tone_over_80]\n", "[claims.itb_tone_over_80]   # tone\nmin_studies = 0\n"),
     ["claims.toml", "line", "min_studies"]),
    ("claims: a document that is a path", edit_text("claims.toml", 'document = "001_6ad1292415944aad.txt"',
                                                    'document = "../../etc/passwd"'),
     ["claims.toml", "line", "document"]),
    ("grading: a probability above 1", edit_text("../grading.toml", "egger_p = 0.10", "egger_p = 10.0"),
     ["grading.toml", "line", "egger_p"]),
    ("bib: ESC in a field", append_text("sources.bib", "\n@article{esc2020,\n  title = {a \x1b[2J b},\n}\n"),
     ["sources.bib", "line", "esc2020"]),
    # the adversarial pass after the first fixes
    ("a zero-width space in a label", set_cell("binary", ROW, "study", "Addolorato\u200b 2007"),
     ["binary.csv", "line", "study"]),
    ("digits with an underscore", set_cell("binary", ROW, "n_t", "4_2"), ["binary.csv", "line", "n_t"]),
    ("Arabic-Indic digits", set_cell("binary", ROW, "n_t", "\u0664\u0662"), ["binary.csv", "line", "n_t"]),
    ("a PMID in full-width digits", set_cell("binary", ROW, "pmid", "\uff11\uff12\uff13"),
     ["binary.csv", "line", "pmid"]),
    ("a URL with user:password@", set_cell("binary", ROW, "url", "https://user:pw@evil.example/x"),
     ["binary.csv", "line", "url"]),
    ("an SD of 5e-324", set_cell("continuous", "addolorato2007-03", "sd_t", "5e-324"),
     ["continuous.csv", "line", "sd_t"]),
    ("analyses: keys of 20,000 dotted parts", append_text("analyses.toml", "\n[" + ".".join(["a"] * 20_000) + "]\n"),
     ["analyses.toml", "line", "dotted"]),
    ("analyses: a typo of [analyses.x]", append_text("analyses.toml", '\n[analysis.extra]\ntitle = "x"\n'),
     ["analyses.toml", "line", "analysis"]),
    ("analyses: ids differing only in case", append_text("analyses.toml", '\n[analyses.AUD_abstinence]\ntitle = "x"'
                                                         '\ntable = "binary"\nmeasure = "RR"\n'),
     ["analyses.toml", "line", "only in case"]),
    ("analyses: TSA rrr of 5e-324", edit_text("analyses.toml", "rrr = 0.20", "rrr = 5e-324"),
     ["analyses.toml", "line", "rrr"]),
    ("claims: a typo of [claims.x]", append_text("claims.toml", '\n[claim.extra]\ntext = "x"\n'),
     ["claims.toml", "line", "claim"]),
    ("claims: a label the rules never give", edit_text("claims.toml", 'label = "Strong"', 'label = "Banana"'),
     ["claims.toml", "line", "label"]),
    ("grading: an unknown section", append_text("../grading.toml", "\n[lables]\nx = 1\n"),
     ["grading.toml", "line", "lables"]),
    ("grading: a file that ends mid-value", append_text("../grading.toml", "\nx = "), ["grading.toml", "line"]),
    # the second adversarial pass
    ("analyses: keys of 20,000 dotted digit parts", append_text("analyses.toml", "\n[" + ".".join(["1"] * 20_000)
                                                                + "]\n"), ["analyses.toml", "line", "dotted"]),
    ("analyses: dotted keys inside an inline table", append_text(
        "analyses.toml", "\n[analyses.x]\ny = {" + ".".join(["a"] * 40) + " = 1}\n"), ["analyses.toml", "line"]),
    ("a soft hyphen in a label", set_cell("binary", ROW, "study", "Addo\u00adlorato 2007"),
     ["binary.csv", "line", "study"]),
    ("a tag character in notes", set_cell("binary", ROW, "notes", "x\U000e0041y"), ["binary.csv", "line", "notes"]),
    ("a Hangul filler in a label", set_cell("binary", ROW, "study", "Addolorato\u3164"), ["binary.csv", "line", "study"]),
    ("claims without the rule set", lambda b: (b.parent / "grading.toml").unlink(),
     ["claims.toml", "rule set", "grading.toml"]),
]


@pytest.fixture()
def base(tmp_path) -> Path:
    root = tmp_path / "evidence"
    shutil.copytree(BASE, root / "baclofen")
    shutil.copy(BASE.parent / "grading.toml", root / "grading.toml")
    return root / "baclofen"


def no_traceback(res) -> None:
    """Only our clean exit: no traceback printed and no exception other than SystemExit."""
    assert "Traceback" not in res.output, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)


@pytest.mark.parametrize("case, mutate, fragments", EVIDENCE_CASES, ids=[c[0] for c in EVIDENCE_CASES])
def test_bad_evidence_exits_2_naming_where_and_writes_nothing(base, tmp_path, case, mutate, fragments):
    from evsynth.cli.outputs import write_manifest

    out = tmp_path / "build"
    out.mkdir()
    (out / "previous.txt").write_text("the previous build")
    write_manifest(out, "0")  # an earlier build (its manifest lists its files)
    mutate(base)
    after_edit = {p.name: p.read_bytes() for p in base.rglob("*") if p.is_file()}
    res = CliRunner().invoke(main, ["run", "--evidence", str(base), "--out", str(out), "--quiet", "--no-figures"])
    assert res.exit_code == 2, (case, res.output)
    no_traceback(res)
    message = res.output
    for f in fragments:
        assert f in message, (case, f, message)
    if "line" in fragments:
        assert re.search(r"line \d+", message), message
    # nothing written: the previous build as it was, no temporary folder, the inputs untouched
    assert sorted(p.name for p in out.iterdir()) == [".evsynth-build.json", "previous.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "evidence"]
    assert {p.name: p.read_bytes() for p in base.rglob("*") if p.is_file()} == after_edit


CLI_CASES = [
    ("pool: unknown measure", ["pool", "{bcg}", "--measure", "XX"], ["XX"]),
    ("pool: level out of range", ["pool", "{bcg}", "--measure", "RR", "--level", "150"], ["--level"]),
    ("pool: bad --columns", ["pool", "{bcg}", "--measure", "RR", "--columns", "events_t"], ["--columns",
                                                                                            "events_t"]),
    ("pool: missing file", ["pool", "{tmp}/none.csv", "--measure", "RR"], ["none.csv"]),
    ("pool: a folder", ["pool", "{tmp}", "--measure", "RR"], []),
    ("pool: absurd size", ["pool", "{big}", "--measure", "GEN"], ["big.csv", "limit"]),
    ("bias: one study", ["bias", "{one}", "--measure", "GEN"], ["at least"]),
    ("forest: unknown analysis", ["forest", "no_such_analysis"], ["analyses.toml", "no_such_analysis"]),
    ("figure: unknown kind", ["figure", "violin", "aud_abstinence"], ["violin"]),
    ("run: zero jobs", ["run", "--jobs", "0", "--out", "{tmp}/out"], ["--jobs"]),
    ("check: not a folder", ["check", "{tmp}/nowhere"], ["nowhere"]),
    ("diff: missing snapshot", ["diff", "{tmp}/a.json", "{tmp}/b.json"], ["a.json"]),
    ("pool: engine dask without --by", ["pool", "{bcg}", "--measure", "RR", "--engine", "dask"], ["--by"]),
    ("pool: --level nan", ["pool", "{bcg}", "--measure", "RR", "--level", "nan"], ["--level"]),
    ("pool: --level 100", ["pool", "{bcg}", "--measure", "RR", "--level", "100"], ["--level"]),
    ("pool: --add nan", ["pool", "{bcg}", "--measure", "RR", "--add", "nan"], ["--add"]),
    ("pool: --add inf", ["pool", "{bcg}", "--measure", "RR", "--add", "inf"], ["--add"]),
    ("pool: an effect whose square overflows", ["pool", "{huge}", "--measure", "GEN"], ["huge.csv", "line 3", "yi"]),
    ("pool: a subnormal variance", ["pool", "{tiny}", "--measure", "GEN"], ["tiny.csv", "line 2", "vi"]),
    ("pool: a blank group", ["pool", "{blank}", "--measure", "GEN", "--by", "g"], ["blank.csv", "line 3", "g",
                                                                                   "--by-missing"]),
    ("pool: a FIFO", ["pool", "{fifo}", "--measure", "GEN"], ["fifo.csv", "FIFO"]),
    ("pool: /dev/zero", ["pool", "/dev/zero", "--measure", "GEN"], ["/dev/zero", "character device"]),
    ("run: --out is the working folder", ["run", "--out", ".", "--no-figures"], ["--out", "working folder"]),
    ("run: --out is the evidence base", ["run", "--evidence", "{base}", "--out", "{base}"], ["--out", "evidence base"]),
    ("run: --out inside the evidence base", ["run", "--evidence", "{base}", "--out", "{base}/tables/build"],
     ["--out", "inside the evidence base"]),
    ("run: --out holds user files", ["run", "--out", "{docs}", "--no-figures"], ["--out", "did not make", "letter"]),
    ("check: --junit into the evidence base", ["check", "{base}", "--junit", "{base}/claims.xml"], ["evidence base"]),
    ("forest: --out into the evidence base", ["forest", "aud_abstinence", "--evidence", "{base}", "--out",
                                              "{base}/f.svg"], ["evidence base"]),
    ("diff: a revision that looks like an option", ["diff", "--", "--output={tmp}/victim", "HEAD"], ["--output"]),
    ("diff: a snapshot of the wrong shape", ["diff", "{tmp}/snap.json", "{tmp}/snap.json"], ["snap.json", "analyses"]),
    ("diff: a snapshot of an older schema", ["diff", "{tmp}/old.json", "{tmp}/old.json"], ["old.json", "schema 1"]),
    ("diff: --evidence outside the revision", ["diff", "HEAD", "HEAD", "--evidence", "../../tmp"], ["--evidence"]),
    ("check: --junit over the rule set", ["check", "{base}", "--junit", "{base}/../grading.toml"], ["evidence base"]),
    ("check: --junit to a FIFO", ["check", "{base}", "--junit", "{fifo}"], ["FIFO"]),
    ("pool: a number with an underscore", ["pool", "{under}", "--measure", "GEN"], ["under.csv", "line 2", "yi"]),
    ("pool: a real group named (missing)", ["pool", "{missing}", "--measure", "GEN", "--by", "g", "--by-missing",
                                            "keep"], ["missing.csv", "line 2", "(missing)"]),
    ("pool: 1e308 is shown as 1e+308", ["pool", "{huge}", "--measure", "GEN"], ["1e+308"]),
    ("pool: a --study-column the file lacks", ["pool", "{one}", "--measure", "GEN", "--study-column", "name"],
     ["one.csv", "name"]),
    ("check: --junit over the rule set, named from inside the base", ["check", "{base}", "--junit",
                                                                       "{base}/tables/../../grading.toml"],
     ["rule set"]),
    ("diff: a snapshot with a lone surrogate and the wrong types", ["diff", "{tmp}/surrogate.json",
                                                                    "{tmp}/surrogate.json"], ["surrogate.json"]),
]


@pytest.mark.parametrize("case, args, fragments", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_bad_cli_use_exits_2(tmp_path, monkeypatch, case, args, fragments):
    from evsynth.meta.inputs import textfiles

    monkeypatch.setattr(textfiles, "MAX_BYTES", 20_000)
    big = tmp_path / "big.csv"
    big.write_text("study,yi,vi\n" + "".join(f"s{i},0.1,0.2\n" for i in range(2000)))
    one = tmp_path / "one.csv"
    one.write_text("study,yi,vi\na,0.1,0.2\n")
    (tmp_path / "huge.csv").write_text("study,yi,vi\na,0.1,0.2\nb,1e308,0.2\n")
    (tmp_path / "tiny.csv").write_text("study,yi,vi\na,0.1,5e-324\nb,0.2,0.2\n")
    (tmp_path / "blank.csv").write_text("study,g,yi,vi\na,x,0.1,0.2\nb,,0.2,0.3\n")
    os.mkfifo(tmp_path / "fifo.csv")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "letter.txt").write_text("my own words")
    (tmp_path / "victim").write_text("keep me")
    (tmp_path / "snap.json").write_text('{"schema_version": 2, "analyses": 5}')
    (tmp_path / "old.json").write_text('{"tool": "0.1.0", "analyses": [], "claims": []}')
    (tmp_path / "surrogate.json").write_text('{"schema_version": 2, "analyses": [{"id": "a\\ud800", "result": 7}], '
                                             '"claims": {}}')
    (tmp_path / "under.csv").write_text("study,yi,vi\na,3_0,0.1\nb,1,0.2\n")
    (tmp_path / "missing.csv").write_text("study,g,yi,vi\na,(missing),1,1\nb,,2,1\nc,x,3,1\n")
    root = tmp_path / "evidence"
    shutil.copytree(BASE, root / "baclofen")
    shutil.copy(BASE.parent / "grading.toml", root / "grading.toml")
    subs = {"{bcg}": str(ROOT / "evidence" / "examples" / "bcg.csv"), "{tmp}": str(tmp_path), "{big}": str(big),
            "{one}": str(one), "{huge}": str(tmp_path / "huge.csv"), "{tiny}": str(tmp_path / "tiny.csv"),
            "{blank}": str(tmp_path / "blank.csv"), "{fifo}": str(tmp_path / "fifo.csv"), "{docs}": str(docs),
            "{base}": str(root / "baclofen"), "{under}": str(tmp_path / "under.csv"),
            "{missing}": str(tmp_path / "missing.csv")}
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and not p.is_fifo()}
    monkeypatch.chdir(tmp_path)
    argv = []
    for a in args:
        for k, v in subs.items():
            a = a.replace(k, v)
        argv.append(a)
    res = CliRunner().invoke(main, argv)
    assert res.exit_code == 2, (case, res.output)
    no_traceback(res)
    for f in fragments:
        assert f in res.output, (case, f, res.output)
    assert not (tmp_path / "out").exists()
    # nothing the user had was changed or removed, and nothing was added
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and not p.is_fifo()} == before


def test_the_battery_is_large_enough():
    assert len(EVIDENCE_CASES) + len(CLI_CASES) >= 127
