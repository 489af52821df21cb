"""Computed derivations (issue 16, item 3): the grammar of `derived`, its functions against R, and the checks
`evsynth validate` runs on them, each with a bad base it catches (file, line, column) and a good one it accepts.

The bases are built here, small: a binary, a continuous, a generic and a trials table, one source per trial. The
columns come from meta/inputs/schema.py; a column these tests do not set takes the value of the first row of the
shipped table of that kind (so a column added to the schema later keeps a valid value)."""
from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from evsynth.cli.main import main
from evsynth.meta.errors import SchemaError
from evsynth.meta.inputs.derived import FUNCTIONS, describe, matches, parse_derived
from evsynth.meta.inputs.derived_functions import DerivationError
from evsynth.meta.inputs.derived_grammar import Blank, Cell, Direction, Number, Reference
from evsynth.meta.inputs.evidence import load_base, numbers_in
from evsynth.meta.inputs.quoted import CHECKED_NUMBERS, states_none
from evsynth.meta.inputs.schema import columns_of

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "evidence" / "baclofen" / "tables"
REF = json.loads((ROOT / "tests" / "reference" / "derived_reference.json").read_text())
REL = 1e-8  # the engine's conversions equal R's to this (closed forms; the JSON holds 15 significant digits)
BINARY = columns_of("binary")
NUMERIC = tuple(c for c in CHECKED_NUMBERS if c in BINARY)

FIXED = {"part_of": "", "arm": "", "design": "parallel RCT", "condition": "AUD", "liver_disease": "none",
         "route": "oral", "dose": "", "dose_unit": "", "dose_group": "not reported", "dose_text": "",
         "duration_weeks": "12", "comparator": "placebo", "outcome": "abstinence", "outcome_detail": "",
         "timepoint": "12 weeks", "timepoint_weeks": "12", "analysis_population": "ITT", "pmid": "", "url": "",
         "registry": "",
         "location": "abstract", "derived": "", "notes": "", "same_trial_as": "", "year": "2020"}


def _template(kind: str) -> dict[str, str]:
    path = SHIPPED / f"{kind}.csv"
    first = next(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))) if path.exists() else {}
    row = {c: first.get(c, "") for c in columns_of(kind)}
    row.update({c: v for c, v in FIXED.items() if c in row})
    row.update({c: "" for c in CHECKED_NUMBERS if c in row})
    row.update({c: "not assessed" for c in row if c.startswith("rob_")})
    return row


class Base:
    """A small evidence base in a folder: rows added by table kind, written on `path()`."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.tables: dict[str, list[dict[str, str]]] = {}

    def add(self, kind: str, study_id: str, **cells: str) -> int:
        """Add a row; returns the line it will be on."""
        trial = study_id.rsplit("-", 1)[0]
        row = _template(kind)
        row.update(study_id=study_id, trial=trial, study=f"Trial {trial}", source=trial,
                   doi=f"10.1000/{trial}")
        row.update(cells)
        self.tables.setdefault(kind, []).append(row)
        return len(self.tables[kind]) + 1

    def path(self) -> Path:
        (self.folder / "tables").mkdir(parents=True, exist_ok=True)
        bib = []
        for kind, rows in self.tables.items():
            buf = io.StringIO()
            w = csv.DictWriter(buf, fieldnames=columns_of(kind), lineterminator="\n")
            w.writeheader()
            w.writerows({c: r.get(c, "") for c in columns_of(kind)} for r in rows)
            (self.folder / "tables" / f"{kind}.csv").write_text(buf.getvalue(), encoding="utf-8")
            for r in rows:
                bib.append(f"@article{{{r['source']},\n  author = {{Author A}},\n  title = {{Trial {r['source']} "
                           f"of baclofen}},\n  journal = {{J Test}},\n  year = {{2020}},\n  doi = {{{r['doi']}}},\n"
                           "  type = {journal article},\n}\n")
        (self.folder / "sources.bib").write_text("\n".join(dict.fromkeys(bib)), encoding="utf-8")
        return self.folder

    def file(self, kind: str) -> str:
        return str(self.folder / "tables" / f"{kind}.csv")


@pytest.fixture
def base(tmp_path) -> Base:
    return Base(tmp_path / "base")


def problems(b: Base, write: bool = True) -> list:
    try:
        load_base(b.path() if write else b.folder)
    except SchemaError as exc:
        return list(exc.problems)
    return []


def expect(b: Base, kind: str, line: int, column: str, *words: str) -> str:
    """The one problem of the base: in `kind`'s table, at `line` and `column`, its reason holding `words`."""
    found = problems(b)
    assert len(found) == 1, "\n".join(map(str, found))
    p = found[0]
    assert (p.file, p.line, p.column) == (b.file(kind), line, column), str(p)
    for w in words:
        assert w in p.reason, f"{w!r} not in {p.reason!r}"
    text = str(p)
    assert f"{b.file(kind)}, line {line}, column '{column}'" in text
    return p.reason


def accepted(b: Base) -> None:
    found = problems(b)
    assert found == [], "\n".join(map(str, found))


def binary(b: Base, sid: str = "t2020-01", quote: str = "20 of 40 vs 10 of 40 abstinent", **cells) -> int:
    numbers = dict(events_t="20", n_t="40", events_c="10", n_c="40")
    numbers.update(cells)
    return b.add("binary", sid, quote=quote, **numbers)


# ------------------------------------------------------------------------------------------------ grammar
def test_parse_typed_assignments():
    p = parse_derived(" events_t = percent_of( 71 , 42 ) ;events_c=copy(@garbutt2021-01.n_t); n_t = copy(n_c)",
                      NUMERIC)
    assert p.errors == ()
    a, b, c = p.assignments
    assert (a.target, a.function, a.args) == ("events_t", "percent_of",
                                              (Number("71", Decimal("71")), Number("42", Decimal("42"))))
    assert a.text == "events_t = percent_of(71, 42)"
    assert b.args == (Reference("garbutt2021-01", "n_t"),)  # a study_id may hold dots and dashes
    assert c.args == (Cell("n_c"),)
    assert p.targets == {"events_t", "events_c", "n_t"}
    q = parse_derived("p = one_sided(0.04, -1); estimate = fivenum_mean(40, 12, 8, 17, _, _)", CHECKED_NUMBERS)
    assert q.errors == ()
    assert q.assignments[0].args[1] == Direction(-1)
    assert q.assignments[1].args[4:] == (Blank(), Blank())
    assert parse_derived("  ", NUMERIC) == parse_derived("", NUMERIC)
    assert parse_derived("", NUMERIC).assignments == ()
    assert parse_derived("n_t = copy(@x.y.z-1.n_t)", NUMERIC).assignments[0].args == (Reference("x.y.z-1", "n_t"),)


@pytest.mark.parametrize("text, words", [
    ("events_t = 20 - 17 = 3", "derived must be `column = function(arguments)`"),
    ("events_t = round(0.35 * 60) = 21 from '35%'", "explain in notes"),
    ("RR calculated by NCC-WCH.", "Not an assignment: 'RR calculated by NCC-WCH.'"),
    ("events_t = percentof(71, 42)", "unknown function 'percentof'; did you mean 'percent_of'?"),
    ("events_t = percent_of(71)", "percent_of(percent, n) takes 2 argument(s), got 1"),
    ("events_t = sum(71)", "takes at least 2 argument(s), got 1"),
    ("events_x = copy(71)", "unknown column 'events_x'; did you mean 'events_t'?"),
    ("events_t = copy(evnts_c)", "unknown column 'evnts_c'; did you mean 'events_c'?"),
    ("events_t = copy(mean_t)", "unknown column 'mean_t'"),  # not a column of a binary table
    ("events_t = copy(@t2020-01.dose)", "unknown column 'dose'"),
    ("events_t = copy(1); events_t = copy(2)", "events_t is computed twice"),
    ("events_t = copy(_)", "argument 1 (x) cannot be `_`"),
    ("events_t = copy()", "takes 1 argument(s), got 0"),
    ("events_t = sum(1, , 2)", "argument 2 (b) is empty"),
    ("events_t = sum(1, 2, )", "argument 3 (b) is empty"),
    ("events_t = copy(1 2)", "is not a number, a column, @study_id.column"),
    ("p = one_sided(0.04, 1)", "argument 2 (direction): a direction must be +1 or -1, not '1'"),
])
def test_parse_errors(text, words):
    p = parse_derived(text, NUMERIC + ("p",))
    assert any(words in e for e in p.errors), p.errors


def test_numbers_in_is_still_importable_from_evidence():
    assert numbers_in is not None and numbers_in("Twenty-eight (12%) and 0.50") >= {"28.0", "12.0", "0.5"}


def test_states_none():
    for q in ("No adverse events were observed.", "none led patients to discontinue", "neither group", "There were "
              "zero deaths", "patients did not discontinue", "without any seizure", "Nobody withdrew"):
        assert states_none(q), q
    for q in ("Two patients discontinued.", "Notably, 3 of 20 withdrew", "nonetheless 4 patients", "Zeroed at 4"):
        assert not states_none(q), q


# ------------------------------------------------------------------------------------------- the functions
@pytest.mark.parametrize("case", REF["cases"], ids=lambda c: f"{c['fn']}{tuple(c['args'])}")
def test_functions_equal_r(case):
    fn = FUNCTIONS[case["fn"]]
    args = tuple(None if a is None else (int(a) if p.kind == "direction" else Decimal(repr(a)))
                 for a, p in zip(case["args"], fn.params))
    got = fn.compute(args, "")
    assert isinstance(got, float) and not fn.exact
    assert got == pytest.approx(case["value"], rel=REL), (case, got)


def test_every_function_is_checked_against_r_or_exact():
    assert REF["meta"]["metafor"] >= "4"
    covered = {c["fn"] for c in REF["cases"]}
    assert {name for name, f in FUNCTIONS.items() if not f.exact} == covered


def _call(name: str, *args, quote: str = ""):
    fn = FUNCTIONS[name]
    values = tuple(a if isinstance(a, int) and p.kind == "direction" else (None if a is None else Decimal(a))
                   for a, p in zip(args, fn.params + (fn.params[-1:] * len(args) if fn.variadic else ())))
    return fn.compute(values, quote)


@pytest.mark.parametrize("name, args, want", [
    ("sum", ("40", "43", "37"), 120),
    ("sum", ("0.1", "0.2"), Fraction(3, 10)),  # exact: 0.1 + 0.2 in floats is 0.30000000000000004
    ("difference", ("20", "17"), 3),
    ("difference", ("1.5", "2.25"), Fraction(-3, 4)),
    ("percent_of", ("71", "42"), 30),  # 29.82 -> 30; 30/42 = 71.43% prints as 71%
    ("percent_of", ("29", "42"), 12),  # 12.18 -> 12; 28.57% prints as 29%
    ("percent_of", ("2", "125"), 3),  # 2.5 -> 3, half away from zero (Python's round(2.5) is 2); 2.4% prints as 2%
    ("percent_of", ("33.3", "30"), 10),
    ("percent_of", ("9.3", "430"), 40),  # 39.99 -> 40; 40/430 = 9.30%
    ("percent_of", ("0", "12"), 0),
    ("percent_of", ("100", "12"), 12),
    ("count_over_percent", ("21", "35"), 60),  # 21/60 = 35%; 21/59 = 35.6%, 21/61 = 34.4%
    ("count_over_percent", ("10", "33.3"), 30),
    ("proportion_to_percent", ("12", "40"), 30),
    ("proportion_to_percent", ("1", "3"), Fraction(100, 3)),
    ("percent_to_proportion", ("53",), Fraction(53, 100)),
    ("copy", ("17",), 17),
])
def test_exact_functions(name, args, want):
    got = _call(name, *args)
    assert isinstance(got, Fraction) and FUNCTIONS[name].exact
    assert got == want


@pytest.mark.parametrize("name, args, words", [
    ("percent_of", ("33.3", "31"), "33.3% of 31 fits no whole count (10/31 = 32.26% and 11/31 = 35.48%"),
    ("percent_of", ("50", "5"), "50% of 5 fits no whole count (2/5 = 40.00% and 3/5 = 60.00%"),  # 2.5 is no count
    ("percent_of", ("71", "42.5"), "n = 42.5 must be a whole number"),
    ("percent_of", ("171", "42"), "percent: 171 must lie in [0, 100]"),  # the engine's own check
    ("count_over_percent", ("5", "45.0"), "no whole n has 5/n print as 45.0%"),  # 11.10 < n < 11.12
    ("count_over_percent", ("200", "50"), "200/n prints as 50% for n = 397, 398, 399, 400, 401, 402, 403"),
    ("count_over_percent", ("0", "0"), "does not fix the total"),
    ("count_over_percent", ("5000", "50"), "is 50% of every n from"),
    ("proportion_to_percent", ("3", "0"), "n must be above 0"),
    ("se_to_sd", ("5.4", "1"), "n: 1 must be >= 2"),
    ("ci_to_sd", ("3.4", "1.2", "25"), "must have ci_low < ci_high"),
    ("ci_to_se", ("0.5", "-2.1"), "must have low < high"),
    ("log_ci_to_se", ("0.4", "0.52", "1.08"), "lies outside its CI"),
    ("fivenum_sd", ("40", "12", "8", None, None, None), "give both quartiles, or neither"),
    ("smd_se", ("0.5", "1", "20"), "n1 = 1 must be a whole number of at least 2"),
    ("none_reported", (), "the quote does not say there were none"),
])
def test_function_errors(name, args, words):
    with pytest.raises(DerivationError) as exc:
        _call(name, *args)
    assert words in str(exc.value)


def test_none_reported_reads_the_quote():
    assert _call("none_reported", quote="No serious adverse events occurred in either group.") == 0
    assert _call("one_sided", "0.04", 1) == pytest.approx(0.02) and _call("one_sided", "0.04", -1) == 0.98


@pytest.mark.parametrize("result, written, whole, ok", [
    (Fraction(30), "30", True, True),
    (Fraction(30), "31", True, False),
    (Fraction(61, 2), "30", True, False),  # a count is exact
    (34.99599977, "35", False, True),
    (34.99599977, "35.0", False, True),
    (34.99599977, "35.00", False, True),
    (34.99599977, "35.01", False, False),  # differs in the last decimal
    (34.99599977, "34.99", False, False),
    (34.99599977, "34.996", False, True),
    (34.99599977, "34.995", False, False),
    (Fraction(49, 20), "2.4", False, True),  # 2.45: a tie passes either way
    (Fraction(49, 20), "2.5", False, True),
    (Fraction(49, 20), "2.3", False, False),
    (Fraction(1, 3), "0.333", False, True),
    (Fraction(1, 3), "0.334", False, False),
    (0.1 + 0.2, "0.3", False, True),
    (13.000000000000002, "13", True, True),  # floating-point noise is not a digit
])
def test_matches(result, written, whole, ok):
    assert matches(result, written, whole) is ok


def test_describe():
    assert describe(Fraction(30), 0) == "30"
    assert describe(34.99599977, 2) == "35.00 (34.996)"
    assert describe(Fraction(1, 3), None) == "0.333333"
    assert describe(Fraction(5, 2), 0) == "3 (2.5)"  # half away from zero, as percent_of rounds


# ------------------------------------------------------------------------- the checks, on bases built here
def test_good_derivations_are_accepted(base):
    binary(base, "a2020-01", "71% of 42 on baclofen and 29% of 42 on placebo were abstinent",
           events_t="30", n_t="42", events_c="12", n_c="42",
           derived="events_t = percent_of(71, 42); events_c = percent_of(29, 42)")
    binary(base, "b2020-01", "Twenty were randomised to baclofen, 19 to placebo; 17 and 11 completed.",
           events_t="3", n_t="20", events_c="8", n_c="19",
           derived="events_t = difference(20, 17); events_c = difference(19, 11)")
    binary(base, "c2020-01", "No patient discontinued for an adverse event; 40 and 40 were randomised.",
           events_t="0", n_t="40", events_c="0", n_c="40", derived="events_t = none_reported(); "
           "events_c=none_reported()")
    binary(base, "d2020-01", "Of 125 patients on baclofen 2% had a seizure, against 1 of 120 on placebo.",
           events_t="3", n_t="125", events_c="1", n_c="120", derived="events_t = percent_of(2, 125)")
    base.add("continuous", "e2020-01", quote="Means (SE) were 12.1 (5.4) and 15.3 (5.5), 42 per group.",
             mean_t="12.1", sd_t="35.00", n_t="42", mean_c="15.3", sd_c="35.6", n_c="42",
             derived="sd_t = se_to_sd(5.4, 42); sd_c = se_to_sd(5.5, 42)")
    base.add("trials", "f2020-01", quote="40, 43 and 37 patients were randomised to the three arms.",
             n_total="120", derived="n_total = sum(40, 43, 37)")
    accepted(base)


def test_derived_must_parse(base):
    line = binary(base, quote="20 vs 10 abstinent (of 40 per arm)", derived="events_t = 20 - 0 (all of them)")
    expect(base, "binary", line, "derived", "derived must be `column = function(arguments)`", "explain in notes",
           "every number of the row is in its quote: move the text to notes")


def test_prose_names_the_numbers_it_leaves_unquoted(base):
    line = binary(base, quote="20 vs 10 abstinent", derived="n_t = n_c = 40 from the methods")
    expect(base, "binary", line, "derived", "Not an assignment", "not in the quote: n_t = 40, n_c = 40")


def test_unknown_function_named_at_derived(base):
    line = binary(base, quote="50% of 40 vs 10 of 40 abstinent", derived="events_t = percentof(50, 40)")
    reason = expect(base, "binary", line, "derived", "unknown function 'percentof'; did you mean 'percent_of'?",
                    "not in the quote: events_t = 20")
    base.tables["binary"][0]["quote"] = "20 of 40 vs 10 of 40 abstinent"
    reason = expect(base, "binary", line, "derived", "unknown function 'percentof'")
    assert "notes" not in reason and "not in the quote" not in reason


def test_argument_not_in_quote(base):
    line = binary(base, quote="71% of 42 on baclofen and 12 of 42 on placebo", events_t="30", n_t="42",
                  events_c="12", n_c="42", derived="events_t = percent_of(71, 42)")
    accepted(base)
    base.tables["binary"][0]["derived"] = "events_t = percent_of(70.5, 42)"
    expect(base, "binary", line, "events_t", "events_t = percent_of(70.5, 42): 70.5 is not in the row's quote")
    base.tables["binary"][0]["derived"] = "events_t = percent_of(70.5, 41.0)"
    expect(base, "binary", line, "events_t", "70.5 and 41.0 are not in the row's quote")


def test_result_differs_from_the_cell(base):
    line = binary(base, quote="71% of 42 vs 12 of 42", events_t="29", n_t="42", events_c="12", n_c="42",
                  derived="events_t = percent_of(71, 42)")
    expect(base, "binary", line, "events_t", "events_t = percent_of(71, 42) gives 30; the cell says 29",
           "a count must be exact")


def test_half_rounds_away_from_zero(base):
    line = binary(base, quote="2% of 125 vs 1 of 120", events_t="2", n_t="125", events_c="1", n_c="120",
                  derived="events_t = percent_of(2, 125)")
    expect(base, "binary", line, "events_t", "gives 3; the cell says 2")


def test_grim_inconsistent_percentage(base):
    line = binary(base, quote="33.3% of 31 vs 10 of 31", events_t="10", n_t="31", events_c="10", n_c="31",
                  derived="events_t = percent_of(33.3, 31)")
    expect(base, "binary", line, "events_t", "33.3% of 31 fits no whole count")


def test_result_differs_in_the_last_decimal(base):
    line = base.add("continuous", "e2020-01", quote="Means (SE) 12.1 (5.4) and 15.3 (5.5), 42 per group.",
                    mean_t="12.1", sd_t="35.01", n_t="42", mean_c="15.3", sd_c="35.6", n_c="42",
                    derived="sd_t = se_to_sd(5.4, 42); sd_c = se_to_sd(5.5, 42)")
    expect(base, "continuous", line, "sd_t", "sd_t = se_to_sd(5.4, 42) gives 35.00 (34.996); the cell says 35.01")
    base.tables["continuous"][0]["sd_t"] = "35.0"
    accepted(base)


def test_target_cell_empty(base):
    line = base.add("generic", "g2020-01", measure="MD", quote="MD -1.2 (95% CI -2.1 to 0.5)", estimate="-1.2",
                    ci_low="-2.1", ci_high="0.5", derived="se = ci_to_se(-2.1, 0.5)")
    expect(base, "generic", line, "se", "se = ci_to_se(-2.1, 0.5) gives 0.663277; the cell is empty: write the "
           "value")
    base.tables["generic"][0]["se"] = "0.66"
    accepted(base)


def test_required_target_cell_empty_is_one_message(base):
    line = base.add("continuous", "e2020-01", quote="Means (SE) 12.1 (5.4) and 15.3 (5.5), 42 per group.",
                    mean_t="12.1", sd_t="", n_t="42", mean_c="15.3", sd_c="35.6", n_c="42",
                    derived="sd_t = se_to_sd(5.4, 42); sd_c = se_to_sd(5.5, 42)")
    expect(base, "continuous", line, "sd_t", "is empty; this table kind needs it")


def test_engine_error_is_a_cell_problem(base):
    line = base.add("generic", "g2020-01", measure="RR", quote="RR 0.40 (95% CI 0.52 to 1.08)", estimate="0.40",
                    ci_low="0.52", ci_high="1.08", se="0.19", derived="se = log_ci_to_se(0.40, 0.52, 1.08)")
    problems_ = problems(base)
    assert any(p.line == line and p.column == "se" and "lies outside its CI" in p.reason for p in problems_), \
        problems_


def test_none_reported_needs_the_quote_to_say_so(base):
    line = binary(base, quote="Adverse events: 3 of 40 vs 40 on placebo", events_t="3", events_c="0",
                  derived="events_c = none_reported()")
    expect(base, "binary", line, "events_c", "the quote does not say there were none")
    base.tables["binary"][0]["quote"] = "Adverse events: 3 of 40 vs none of 40 on placebo"
    accepted(base)


def test_every_number_is_quoted_or_derived(base):
    line = binary(base, quote="78 randomised; 20 of 40 vs 10 abstinent", n_c="38")
    expect(base, "binary", line, "n_c", "38 is not in the row's quote and `derived` does not compute it")
    base.tables["binary"][0]["derived"] = "n_c = difference(78, n_t)"
    accepted(base)


def test_n_total_is_checked(base):
    line = base.add("trials", "f2020-01", quote="40 and 43 patients were randomised.", n_t="40", n_c="43",
                    n_total="83")
    expect(base, "trials", line, "n_total", "83 is not in the row's quote")
    base.tables["trials"][0]["derived"] = "n_total = sum(n_t, n_c)"
    accepted(base)
    base.tables["trials"][0]["n_total"] = "84"
    expect(base, "trials", line, "n_total", "n_total = sum(n_t, n_c) gives 83; the cell says 84")


def test_reference_across_tables(base):
    base.add("trials", "r2020-01", quote="Twenty patients were treated with baclofen and 19 with placebo.",
             n_t="20", n_c="19")
    line = binary(base, "r2020-02", quote="3 and 8 dropped out", events_t="3", n_t="20", events_c="8", n_c="19",
                  derived="n_t = copy(@r2020-01.n_t); n_c = copy(@r2020-01.n_c)")
    accepted(base)
    base.tables["binary"][0]["n_c"] = "18"
    expect(base, "binary", line, "n_c", "n_c = copy(@r2020-01.n_c) gives 19; the cell says 18")


def test_reference_to_an_unquoted_cell(base):
    other = base.add("trials", "r2020-01", quote="Twenty patients were treated with baclofen.", n_t="20", n_c="19")
    line = binary(base, "r2020-02", quote="3 and 8 dropped out", events_t="3", n_t="20", events_c="8", n_c="19",
                  derived="n_t = copy(@r2020-01.n_t); n_c = copy(@r2020-01.n_c)")
    found = problems(base)
    assert sorted((p.file, p.line, p.column) for p in found) == [(base.file("binary"), line, "n_c"),
                                                                 (base.file("trials"), other, "n_c")]
    mine = next(p for p in found if p.file == base.file("binary"))
    assert f"@r2020-01.n_c = 19 (trials.csv, line {other}) is neither in its row's quote nor derived there" \
        in mine.reason


def test_reference_to_an_unknown_row_or_column(base):
    base.add("trials", "r2020-01", quote="Twenty patients were treated with baclofen and 19 with placebo.",
             n_t="20", n_c="19")
    line = binary(base, "r2020-02", quote="3 of 20 and 8 dropped out", events_t="3", n_t="20", events_c="8",
                  n_c="19", derived="n_c = copy(@r2020-1.n_c)")
    expect(base, "binary", line, "derived", "no row has study_id 'r2020-1'; did you mean 'r2020-01'?")
    base.tables["binary"][0]["derived"] = "n_c = copy(@r2020-01.events_c)"
    expect(base, "binary", line, "derived", "r2020-01 is a row of trials.csv, which has no events_c column")
    base.tables["binary"][0]["derived"] = "n_c = copy(@r2020-01.n_total)"
    expect(base, "binary", line, "n_c", "@r2020-01.n_total (trials.csv, line 2) is empty")


def test_cycle_across_rows(base):
    first = binary(base, "a2020-01", quote="3 and 8 of 19 dropped out", events_t="3", n_t="20", events_c="8",
                   n_c="19", derived="n_t = copy(@b2020-01.n_t)")
    binary(base, "b2020-01", quote="4 and 7 of 19", events_t="4", n_t="20", events_c="7", n_c="19",
           derived="n_t = copy(@a2020-01.n_t)")
    expect(base, "binary", first, "n_t", "a circular derivation (a2020-01.n_t -> b2020-01.n_t -> a2020-01.n_t)",
           "one of these cells must be in its quote")


def test_cycle_in_one_row(base):
    line = binary(base, quote="3 and 8 dropped out", events_t="3", n_t="20", events_c="8", n_c="20",
                  derived="n_t = copy(n_c); n_c = copy(n_t)")
    expect(base, "binary", line, "n_t", "a circular derivation (t2020-01.n_t -> t2020-01.n_c -> t2020-01.n_t)")
    base.tables["binary"][0]["derived"] = "n_t = copy(n_t)"
    base.tables["binary"][0]["quote"] = "3 and 8 of 20 dropped out"
    expect(base, "binary", line, "n_t", "a circular derivation (t2020-01.n_t -> t2020-01.n_t)")


def test_chain_of_derivations_is_not_a_cycle(base):
    base.add("trials", "r2020-01", quote="Forty-two patients per group.", n_t="42", n_c="42")
    base.add("continuous", "r2020-02", quote="Means (SE) 12.1 (5.4) and 15.3 (5.5).", mean_t="12.1", sd_t="35.00",
             n_t="42", mean_c="15.3", sd_c="35.64", n_c="42",
             derived="n_t = copy(@r2020-01.n_t); n_c = copy(n_t); sd_t = se_to_sd(5.4, n_t); sd_c = se_to_sd(5.5, "
                     "n_c)")
    accepted(base)


def test_smd_chain_in_a_generic_row(base):
    line = base.add("generic", "g2020-01", measure="SMD", quote="t = 2.5 with 20 and 22 patients",
                    estimate="0.76", se="0.32", derived="estimate = smd_from_t(2.5, 20, 22); "
                                                        "se = smd_se(estimate, 20, 22)")
    accepted(base)  # estimate is used as written: g = 0.76, se = 0.319892 (R: 0.319830 from g = 0.757804)
    base.tables["generic"][0]["se"] = "0.31"
    expect(base, "generic", line, "se", "se = smd_se(estimate, 20, 22) gives 0.32 (0.319892); the cell says 0.31")


def test_one_cause_one_message(base):
    """A row whose `derived` does not parse is reported once, at `derived`: not again for its unquoted cells,
    nor in a row that references it."""
    bad = base.add("trials", "r2020-01", quote="Twenty on baclofen.", n_t="20", n_c="19", derived="n_c = 19 (see "
                   "methods)")
    binary(base, "r2020-02", quote="3 and 8 of 20 dropped out", events_t="3", n_t="20", events_c="8", n_c="19",
           derived="n_c = copy(@r2020-01.n_c)")
    found = problems(base)
    assert [(p.file, p.line, p.column) for p in found] == [(base.file("trials"), bad, "derived")], found


def test_validate_command_exits_2_naming_file_line_column(base):
    line = binary(base, quote="71% of 42 vs 12 of 42", events_t="29", n_t="42", events_c="12", n_c="42",
                  derived="events_t = percent_of(71, 42)")
    res = CliRunner().invoke(main, ["validate", str(base.path())])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert (f"{base.file('binary')}, line {line}, column 'events_t': events_t = percent_of(71, 42) gives 30; "
            "the cell says 29") in res.output


def test_readme_documents_every_function():
    readme = (ROOT / "evidence" / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Derived numbers", 1)[1].split("\n## ", 1)[0]
    for f in FUNCTIONS.values():
        assert f"`{f.signature}`" in section, f.signature
    assert "say how it was obtained" not in readme  # the free-text rule is gone


def test_absurd_precision_is_refused_quickly(base):
    """1e-999999999 is a finite float (0.0) that the table check lets through; as an exact fraction it would need
    a billion digits. Each place a written number becomes exact refuses it instead."""
    assert parse_derived("se = ci_to_se(1e-999999999, 0.5)", ("se",)).errors == (
        "se = ci_to_se(...): argument 1 (low): '1e-999999999' has more digits than a report prints (at most 30, "
        "exponent -30 to 12)",)
    binary(base, quote="20 of 40 vs 10 of 40; none of 30", events_t="20", derived="n_t = copy(@t2020-02.n)")
    base.add("proportions", "t2020-02", quote="1 of 30", events="1", n="30")
    base.tables["proportions"][0]["n"] = "3" + "0" * 40
    found = problems(base)
    assert any(p.column == "n_t" and "has more digits than a report prints" in p.reason for p in found), found
    base.tables["proportions"][0]["n"] = "30"
    base.tables["binary"][0]["n_t"] = "1e-999999999"
    found = problems(base)
    assert any(p.column == "n_t" and "has more digits than a report prints" in p.reason for p in found), found


def test_a_long_cycle_is_one_short_message(base):
    for i in range(10):
        binary(base, f"c{i}-01", quote="3 and 8 of 19 dropped out", events_t="3", n_t="20", events_c="8", n_c="19",
               derived=f"n_t = copy(@c{(i + 1) % 10}-01.n_t)", year=str(2000 + i))  # ten trials, not one
    reason = expect(base, "binary", 2, "n_t", "a circular derivation (c0-01.n_t -> c1-01.n_t -> c2-01.n_t -> "
                    "c3-01.n_t -> c4-01.n_t -> c5-01.n_t -> ... (10 cells in all) -> c0-01.n_t)")
    assert "c9-01" not in reason


def test_a_reference_into_a_table_that_could_not_be_read_is_not_reported(base):
    """One cause, one message: when trials.csv cannot be read (a broken header) or loses a row (a cell too many),
    the references to its rows are not reported as unknown study_ids; the reading fault is."""
    base.add("trials", "r2020-01", quote="Twenty patients were treated with baclofen and 19 with placebo.",
             n_t="20", n_c="19")
    binary(base, "r2020-02", quote="3 and 8 dropped out", events_t="3", n_t="20", events_c="8", n_c="57",
           derived="n_t = copy(@r2020-01.n_t); n_c = sum(@r2020-01.n_c, @r2020-01.n_c, @r2020-01.n_c)")
    accepted(base)
    path = Path(base.file("trials"))
    header, row = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text(header.replace("n_total", "n_totl") + "\n" + row, encoding="utf-8")
    found = problems(base, write=False)
    assert [(p.file, p.line) for p in found] == [(base.file("trials"), 1)], found
    path.write_text(header + "\n" + row.rstrip("\n") + ",extra\n", encoding="utf-8")
    found = problems(base, write=False)
    assert [(p.file, p.line) for p in found] == [(base.file("trials"), 2)], found
    # with every table read, the same unknown row is an error, named once however often the cell names it
    path.write_text(header + "\n" + row.replace("r2020-01", "r2020-09", 1), encoding="utf-8")
    found = problems(base, write=False)
    assert [(p.file, p.line, p.column) for p in found] == [(base.file("binary"), 2, "derived")] * 2, found
    assert [p.reason.split(": ", 1)[1] for p in found] == ["no row has study_id 'r2020-01'; did you mean "
                                                           "'r2020-09'?"] * 2


def test_negate_turns_a_difference_to_the_sign_rule_and_odds_ratio_refuses_a_zero_cell():
    assert _call("negate", "0.51") == Fraction(-51, 100) and _call("negate", "-2") == 2
    # the Lancet abstract of Addolorato 2007 prints OR 6.3 (95% CI 2.4 to 16.1) for 30/42 vs 12/42
    assert round(_call("odds_ratio", 30, 42, 12, 42), 1) == 6.3
    assert (round(_call("odds_ratio_low", 30, 42, 12, 42), 1), round(_call("odds_ratio_high", 30, 42, 12, 42), 1)) == (2.4, 16.1)
    with pytest.raises(DerivationError, match="empty cell"):
        _call("odds_ratio", 0, 20, 3, 20)
    with pytest.raises(DerivationError, match=r"events1 \(50\) is more than n1 \(42\)"):
        _call("odds_ratio_low", 50, 42, 12, 42)
