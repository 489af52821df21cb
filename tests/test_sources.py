"""sources.bib: every entry's type (closed vocabulary, "did you mean"), a field without its comma, one publication
entered twice; rows resting on a secondary source must say so in their notes."""
from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from evsynth.cli.main import main
from evsynth.meta.errors import SchemaError
from evsynth.meta.inputs.bibtex import SOURCE_TYPES, read_bib
from evsynth.meta.inputs.evidence import load_base
from evsynth.meta.inputs.secondary import secondary_problems, secondary_source

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "evidence" / "baclofen"

GOOD = """@article{smith2001,
  type = {journal article},
  title = {A randomised trial of something},
  year = {2001},
}

@misc{news2002,
  type = {secondary: news},
  title = {Drug works, says paper},
  year = {2002},
  url = {https://news.example.org/drug-works},
}
"""


def bib(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.bib"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list:
    with pytest.raises(SchemaError) as exc:
        read_bib(bib(tmp_path, text))
    return exc.value.problems


def test_a_good_bib_reads_with_types_and_field_lines(tmp_path):
    entries = read_bib(bib(tmp_path, GOOD))
    assert entries["smith2001"].source_type == "journal article" and not entries["smith2001"].secondary
    assert entries["news2002"].secondary
    assert entries["smith2001"].field_lines == {"type": 2, "title": 3, "year": 4}
    assert entries["news2002"].field_lines["url"] == 11


def test_the_shipped_sources_all_have_a_valid_type():
    entries = read_bib(BASE / "sources.bib")
    counts = Counter(e.source_type for e in entries.values())
    assert set(counts) <= set(SOURCE_TYPES) and sum(counts.values()) == len(entries)
    assert counts == {"journal article": 150, "peer-reviewed review": 38, "secondary: news": 8,
                      "regulatory label": 4, "registry record": 4, "secondary: website": 4, "conference abstract": 3}
    assert entries["healio2016"].secondary and entries["neurosurgerynd"].secondary
    assert entries["agabio2023"].source_type == "peer-reviewed review"
    assert entries["garbutt2019"].source_type == "registry record"
    assert entries["intrathecalnda"].source_type == "regulatory label"


@pytest.mark.parametrize("value, hint", [
    ("Journal Article", "journal article"),
    ("Journal article", "journal article"),
    ("news", "secondary: news"),
    ("Secondary:website", "secondary: website"),
    ("systematic review", "peer-reviewed review"),
    ("registry", "registry record"),
    ("jornal article", "journal article"),
])
def test_a_near_miss_type_is_an_error_with_did_you_mean(tmp_path, value, hint):
    [p] = problems(tmp_path, GOOD.replace("type = {journal article}", "type = {" + value + "}"))
    assert p.file.endswith("sources.bib") and p.line == 2 and p.column == "smith2001"
    assert f"type {value!r} is not a source type" in p.reason and f"did you mean '{hint}'?" in p.reason


def test_an_unknown_type_without_a_close_match_lists_the_vocabulary(tmp_path):
    [p] = problems(tmp_path, GOOD.replace("type = {journal article}", "type = {podcast}"))
    assert "did you mean" not in p.reason and "allowed: journal article, registry record" in p.reason


def test_an_entry_without_type_is_an_error_on_its_own_line(tmp_path):
    [p] = problems(tmp_path, GOOD.replace("  type = {secondary: news},\n", ""))
    assert (p.line, p.column) == (7, "news2002") and "no 'type' field" in p.reason


def test_a_field_without_its_comma_is_caught_naming_both_lines(tmp_path):
    text = GOOD.replace("title = {A randomised trial of something},", "title = {A randomised trial of something}")
    [p] = problems(tmp_path, text)
    assert p.line == 4 and p.column == "smith2001"
    assert "no comma after field 'title' (line 3) before the text on line 4" in p.reason
    # the same on one line, and after a bare number
    [p] = problems(tmp_path, GOOD.replace("year = {2001},", "year = 2001 note = {x},"))
    assert p.line == 4 and "no comma after field 'year'" in p.reason


def test_a_trailing_comma_and_a_last_field_without_one_are_fine(tmp_path):
    entries = read_bib(bib(tmp_path, GOOD.replace("  year = {2001},\n}", "  year = {2001}\n}")))
    assert entries["smith2001"].fields["year"] == "2001"


@pytest.mark.parametrize("twin, what", [
    ("  doi = {https://doi.org/10.1000/ABC.1/},\n", "DOI"),
    ("  pmid = {0123456},\n", "PMID"),
    ("", "title and year"),
])
def test_one_publication_under_two_keys_is_reported(tmp_path, twin, what):
    first = {"DOI": "  doi = {10.1000/abc.1},\n", "PMID": "  pmid = {123456},\n"}.get(what, "")
    title = "A randomised trial of something" if what == "title and year" else "Other words entirely here"
    text = GOOD.replace("  year = {2001},\n", "  year = {2001},\n" + first, 1) + (
        "\n@article{smith2001b,\n  type = {journal article},\n  title = {" + title.upper() + "!},\n"
        "  year = {2001},\n" + twin + "}\n")
    [p] = problems(tmp_path, text)
    assert p.column == "smith2001b" and p.line == text[:text.index("@article{smith2001b")].count("\n") + 1
    assert f"the same publication as 'smith2001' (line 1): same {what}" in p.reason


def test_a_declared_duplicate_is_accepted_and_must_name_a_key(tmp_path):
    twin = ("\n@article{smith2001b,\n  type = {journal article},\n  duplicate_of = {smith2001},\n"
            "  title = {A randomised trial of something},\n  year = {2001},\n}\n")
    assert set(read_bib(bib(tmp_path, GOOD + twin))) == {"smith2001", "news2002", "smith2001b"}
    [p] = problems(tmp_path, GOOD + twin.replace("duplicate_of = {smith2001}", "duplicate_of = {smith2000}"))
    assert p.line == 16 and "duplicate_of names 'smith2000'" in p.reason


def test_short_titles_and_different_years_are_not_duplicates(tmp_path):
    more = ("\n@article{b,\n  type = {journal article},\n  title = {Drug works, says paper},\n  year = {2003},\n}\n"
            "\n@article{c,\n  type = {journal article},\n  title = {Editorial},\n  year = {2002},\n}\n"
            "\n@article{d,\n  type = {journal article},\n  title = {Editorial},\n  year = {2002},\n}\n")
    assert len(read_bib(bib(tmp_path, GOOD + more))) == 5


def copy_base(tmp_path: Path) -> Path:
    root = tmp_path / "evidence"
    shutil.copytree(BASE, root / "baclofen")
    shutil.copy(BASE.parent / "grading.toml", root / "grading.toml")
    return root / "baclofen"


def test_validate_names_file_line_and_key_of_a_bad_type(tmp_path):
    base = copy_base(tmp_path)
    bibfile = base / "sources.bib"
    text = bibfile.read_text(encoding="utf-8")
    bibfile.write_text(text.replace("@article{abel1994,\n  type = {journal article},",
                                    "@article{abel1994,\n  type = {Journal Article},"), encoding="utf-8")
    line = text[:text.index("@article{abel1994,")].count("\n") + 2
    res = CliRunner().invoke(main, ["validate", str(base)])
    assert res.exit_code == 2
    assert f"sources.bib, line {line}, column 'abel1994': type 'Journal Article' is not a source type; did you " \
           "mean 'journal article'?" in res.output


# --- rows resting on a secondary source ---------------------------------------------------------------------

def test_secondary_rows_of_the_shipped_base():
    base = load_base(BASE)
    flagged = {(t.name, r["study_id"]): secondary_source(r, base.sources).key
               for t in base.tables for r in t.rows if secondary_source(r, base.sources) is not None}
    assert len(flagged) == 11
    assert set(flagged.values()) == {"healio2016", "bu2017", "henderson2012", "veenstravanderweele2017",
                                     "neurosurgerynd", "bertholet2017", "saitz2008"}
    # a row citing a primary key but read at a secondary entry's url rests on that secondary source
    via_url = [k for k, v in flagged.items() if v == "saitz2008"]
    assert len(via_url) == 1 and via_url[0][0] == "binary.csv"
    # every one says so in its notes
    assert secondary_problems(base.tables, base.sources) == []


def test_a_secondary_row_without_notes_is_named_and_one_with_notes_is_accepted():
    base = load_base(BASE)
    table = next(t for t in base.tables if t.name == "trials.csv")
    i = next(i for i, r in enumerate(table.rows) if r["source"] == "healio2016")
    bad_row = {**table.rows[i], "notes": "per-arm counts from the news report"}
    bad = type(table)(table.name, table.path, table.kind, table.header, (bad_row,), (table.lines[i],))
    [p] = secondary_problems([bad], base.sources)
    assert (p.line, p.column) == (table.lines[i], "notes") and "'healio2016', type 'secondary: news'" in p.reason
    good = type(table)(table.name, table.path, table.kind, table.header, (table.rows[i],), (table.lines[i],))
    assert secondary_problems([good], base.sources) == []
    # a primary source's row needs nothing in its notes
    plain = next(r for r in table.rows if r["source"] == "addolorato2002")
    assert secondary_source({**plain, "notes": ""}, base.sources) is None
