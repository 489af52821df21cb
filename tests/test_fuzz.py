"""Fuzzing the loaders and the estimators (hypothesis): no crash, only our errors, and no NaN without a note."""
from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evsynth.meta.review.analyses import load_analyses
from evsynth.meta.inputs.bibtex import read_bib
from evsynth.meta.engine.choices import Measure, Method, Test
from evsynth.meta.errors import AnalysisError, EvidenceError
from evsynth.meta.engine.pooling import pool_table
from evsynth.meta.inputs.tables import load_table

CELLS = st.one_of(st.sampled_from(["", "0", "-1", "1e400", "nan", "inf", "3.5", "abc", " 7 ", "1,5", '"x"',
                                   "10", "200"]),
                  st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(rows=st.lists(st.lists(CELLS, min_size=5, max_size=5), min_size=0, max_size=6),
       header=st.sampled_from(["study,events_t,n_t,events_c,n_c", "study,events_t,n_t,events_c",
                               "study;events_t;n_t;events_c;n_c", "study,events_t,n_t,events_c,n_c,extra"]))
def test_csv_loader_gives_a_table_or_our_error(tmp_path, rows, header):
    path = tmp_path / "f.csv"
    text = header + "\n" + "".join(",".join(c.replace("\n", " ").replace("\r", " ") for c in r) + "\n"
                                   for r in rows)
    path.write_text(text, encoding="utf-8")
    try:
        table = load_table(path, Measure.RR)
    except EvidenceError as exc:
        assert str(exc) and "f.csv" in str(exc)
        return
    for col in ("events_t", "n_t", "events_c", "n_c"):
        assert np.all(np.isfinite(table.columns[col]))


def loads_or_names_the_file(tmp_path, name: str, text: str, load) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    try:
        load(path)
    except EvidenceError as exc:
        assert name in str(exc)


@SETTINGS
@given(st.text(max_size=300))
def test_analyses_toml_loader_never_crashes(tmp_path, text):
    loads_or_names_the_file(tmp_path, "analyses.toml", text, load_analyses)


@SETTINGS
@given(st.text(alphabet=st.sampled_from(list("@article{key,title=}\n \"x1")), max_size=200))
def test_bibtex_parser_never_crashes(tmp_path, text):
    loads_or_names_the_file(tmp_path, "sources.bib", text, read_bib)


FLOATS = st.floats(min_value=-50, max_value=50, allow_nan=False)
VARS = st.floats(min_value=1e-10, max_value=1e6, allow_nan=False)


@SETTINGS
@given(data=st.lists(st.tuples(FLOATS, VARS), min_size=1, max_size=12),
       method=st.sampled_from([Method.REML, Method.DL, Method.PM, Method.ML, Method.SJ, Method.HE, Method.EB,
                               Method.FE]),
       test=st.sampled_from(list(Test)))
def test_estimators_give_numbers_or_say_why(data, method, test):
    y, v = zip(*data)
    try:
        r = pool_table({"yi": list(y), "vi": list(v)}, "GEN", method, test)
    except AnalysisError as exc:
        assert str(exc)
        return
    assert math.isfinite(r.estimate) and math.isfinite(r.se) and r.tau2 >= 0
    d = r.to_dict()
    silent = [k for k in ("ci_low", "ci_high", "pvalue", "i2", "q") if d.get(k) is None]
    assert not silent or r.notes, silent
