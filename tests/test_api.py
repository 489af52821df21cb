"""The public Python API (`from evsynth.meta import rma, ...`) against metafor, used as a notebook would use it.

The data are CSV files written by R's write.csv (tests/reference/make_api_reference.R): metadat's dat.bcg and
dat.nielweise2007 with some values set to NA and a free-text column, read here with pandas.read_csv as a user
would. metafor's results on the same files are in tests/reference/api_reference.json, with the R call of each.
Tolerances are those of test_reference_metafor.py.

Run `python -m tests.test_api` for the largest difference from metafor per quantity.
"""
from __future__ import annotations

import html.parser
import json
import math
import warnings
from pathlib import Path

import pandas as pd
import pytest

from evsynth.meta import (cumul, escalc, fragility, influence, leave1out, ranktest, regtest, rma, rma_mh, rma_peto,
                          trimfill, tsa)
from evsynth.meta.errors import AnalysisError, MissingDataWarning, SchemaError
from evsynth.meta.jsonable import clean
from tests.test_reference_metafor import ABS, CLOSED_FORM, ITERATIVE, PVALUE

HERE = Path(__file__).resolve().parent / "reference"
REF = json.loads((HERE / "api_reference.json").read_text())["fits"]
BCG = {"ai": "tpos", "bi": "tneg", "ci": "cpos", "di": "cneg"}  # dat.bcg's counts, in metafor's names


def notebook() -> dict:
    """What a user would type in a notebook: every result compared below, by the name of its metafor entry."""
    bcg = pd.read_csv(HERE / "api_bcg.csv")
    niel = pd.read_csv(HERE / "api_nielweise.csv")  # columns ai, n1i, ci, n2i: metafor's names, read directly
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingDataWarning)
        reml = rma(bcg, measure="RR", columns=BCG, slab="author")
        out = {
            "escalc_bcg_rr": escalc(bcg, measure="RR", columns=BCG),
            "escalc_niel_or": escalc(niel, measure="OR"),
            "rma_bcg_reml": reml,
            "rma_bcg_dl": rma(bcg, measure="RR", method="DL", columns=BCG, slab="author"),
            "rma_bcg_reml_knha": rma(bcg, measure="rr", method="reml", test="knha", columns=BCG, slab="author"),
            "rma_niel_or_reml": rma(niel, measure="OR", slab="author"),
            "mh_bcg_rr": rma_mh(bcg, measure="RR", columns=BCG, slab="author"),
            "mh_bcg_or": rma_mh(bcg, measure="OR", columns=BCG, slab="author"),
            "peto_bcg": rma_peto(bcg, columns=BCG, slab="author"),
            "mh_niel_or": rma_mh(niel, slab="author"),
            "peto_niel": rma_peto(niel, slab="author"),
            "leave1out_bcg_reml": leave1out(reml),
            "cumul_bcg_reml_year": cumul(reml, order="year"),
            "influence_bcg_reml": influence(reml),
            "regtest_bcg_reml": regtest(reml),
            "ranktest_bcg_reml": ranktest(reml),
            "trimfill_bcg_reml": trimfill(reml),
            "trimfill_niel_or_reml": trimfill(rma(niel, measure="OR", slab="author")),
            "mods_bcg_ablat_year": rma(bcg, measure="RR", columns=BCG, slab="author", mods=["ablat", "year"]),
            "mods_bcg_alloc": rma(bcg, measure="RR", columns=BCG, slab="author", mods=["alloc"]),
            "subgroups_bcg_alloc": rma(bcg, measure="RR", columns=BCG, slab="author", subgroup="alloc"),
        }
    return out


def comparisons() -> list[tuple[str, str, object, object, float]]:
    """(entry, quantity, ours, metafor's, relative tolerance) for every value compared."""
    got = notebook()
    rows: list[tuple[str, str, object, object, float]] = []

    def add(entry, pairs, tol, pvalues=()):
        want = REF[entry]
        for ours, theirs in pairs:
            rows.append((entry, theirs, ours, want[theirs], PVALUE if theirs in pvalues else tol))

    for entry in ("escalc_bcg_rr", "escalc_niel_or"):
        frame = got[entry]
        add(entry, [(frame["yi"].tolist(), "yi"), (frame["vi"].tolist(), "vi")], CLOSED_FORM)
    for entry in ("rma_bcg_reml", "rma_bcg_dl", "rma_bcg_reml_knha", "rma_niel_or_reml"):
        r = got[entry]
        tol = CLOSED_FORM if "_dl" in entry else ITERATIVE
        add(entry, [(r.k, "k"), (list(r.studies), "slab"), (r.estimate, "estimate"), (r.se, "se"),
                    (r.statistic, "zval"), (r.pvalue, "pval"), (r.ci_low, "ci_lb"), (r.ci_high, "ci_ub"),
                    (r.q, "QE"), (r.q_pvalue, "QEp"), (r.i2, "I2"), (r.h2, "H2"), (list(r.weights), "weights"),
                    (r.tau2, "tau2"), (r.tau2_se, "se_tau2"), (r.pi_low, "pi_lb"), (r.pi_high, "pi_ub")],
            tol, {"pval", "QEp"})
        add(entry, [(r.tau2_ci_low, "tau2_lb"), (r.tau2_ci_high, "tau2_ub"), (r.i2_ci_low, "I2_lb"),
                    (r.i2_ci_high, "I2_ub")], ITERATIVE)
        rows += [(entry, f"back {k}", getattr(r.back, ours), REF[entry]["back"][k], tol)
                 for ours, k in (("estimate", "estimate"), ("ci_low", "ci_lb"), ("ci_high", "ci_ub"))]
    for entry in ("mh_bcg_rr", "mh_bcg_or", "peto_bcg", "mh_niel_or", "peto_niel"):
        r = got[entry]
        add(entry, [(r.k, "k"), (list(r.studies), "slab"), (r.estimate, "estimate"), (r.se, "se"),
                    (r.statistic, "zval"), (r.pvalue, "pval"), (r.ci_low, "ci_lb"), (r.ci_high, "ci_ub"),
                    (r.q, "QE"), (r.q_pvalue, "QEp"), (r.i2, "I2"), (r.h2, "H2")], CLOSED_FORM, {"pval", "QEp"})
        if REF[entry]["CMH"] is not None:
            add(entry, [(r.extra["cmh"], "CMH"), (r.extra["cmh_pvalue"], "CMHp")], CLOSED_FORM, {"CMHp"})
    for entry in ("leave1out_bcg_reml", "cumul_bcg_reml_year"):
        t = got[entry]
        add(entry, [(list(t.index), "slab"), (t["estimate"].tolist(), "estimate"), (t["se"].tolist(), "se"),
                    (t["statistic"].tolist(), "zval"), (t["pvalue"].tolist(), "pval"),
                    (t["ci_low"].tolist(), "ci_lb"), (t["ci_high"].tolist(), "ci_ub"), (t["q"].tolist(), "Q"),
                    (t["q_pvalue"].tolist(), "Qp"), (t["tau2"].tolist(), "tau2"), (t["i2"].tolist(), "I2"),
                    (t["h2"].tolist(), "H2")], ITERATIVE, {"pval", "Qp"})
    t = got["influence_bcg_reml"]
    add("influence_bcg_reml", [(list(t.index), "slab"), (t["rstudent"].tolist(), "rstudent"),
                               (t["dffits"].tolist(), "dffits"), (t["cooks_d"].tolist(), "cook_d"),
                               (t["cov_ratio"].tolist(), "cov_r"), (t["tau2"].tolist(), "tau2_del"),
                               (t["q"].tolist(), "QE_del"), (t["hat"].tolist(), "hat"),
                               (t["weight"].tolist(), "weight"), (t["dfbetas"].tolist(), "dfbs"),
                               (t["influential"].tolist(), "inf")], ITERATIVE)
    e = got["regtest_bcg_reml"]
    add("regtest_bcg_reml", [(e.statistic, "zval"), (e.pvalue, "pval"), (e.limit_estimate, "est"),
                             (e.limit_ci_low, "ci_lb"), (e.limit_ci_high, "ci_ub")], ITERATIVE, {"pval"})
    b = got["ranktest_bcg_reml"]
    add("ranktest_bcg_reml", [(b.statistic, "tau"), (float(b.pvalue), "pval")], CLOSED_FORM, {"pval"})
    for entry in ("trimfill_bcg_reml", "trimfill_niel_or_reml"):
        tf = got[entry]
        f = tf.filled
        add(entry, [(tf.k0, "k0"), (tf.side, "side"), (f.estimate, "estimate"), (f.se, "se"), (f.ci_low, "ci_lb"),
                    (f.ci_high, "ci_ub"), (f.pvalue, "pval"), (f.tau2, "tau2"), (list(tf.filled_yi), "filled_yi"),
                    (list(tf.filled_vi), "filled_vi")], ITERATIVE, {"pval"})
    for entry in ("mods_bcg_ablat_year", "mods_bcg_alloc"):
        r = got[entry]
        c = r.coefficients
        add(entry, [(r.k, "k"), ([x.estimate for x in c], "beta"), ([x.se for x in c], "se"),
                    ([x.statistic for x in c], "zval"), ([x.pvalue for x in c], "pval"),
                    ([x.ci_low for x in c], "ci_lb"), ([x.ci_high for x in c], "ci_ub"), (r.qm, "QM"),
                    (r.qm_pvalue, "QMp"), (r.qe, "QE"), (r.qe_pvalue, "QEp"), (r.tau2, "tau2"), (r.i2, "I2"),
                    (r.r2, "R2")], ITERATIVE, {"pval", "QMp", "QEp"})
    s = got["subgroups_bcg_alloc"]
    want = REF["subgroups_bcg_alloc"]
    assert sorted(g.group for g in s.subgroups) == sorted(want["groups"])
    for g in s.subgroups:
        w = want["groups"][g.group]
        rows += [("subgroups_bcg_alloc", f"{g.group} {k}", getattr(g, ours), w[k], ITERATIVE)
                 for ours, k in (("k", "k"), ("estimate", "estimate"), ("se", "se"), ("ci_low", "ci_lb"),
                                 ("ci_high", "ci_ub"), ("tau2", "tau2"))]
    add("subgroups_bcg_alloc", [(s.q_between, "Q_between"), (s.q_between_pvalue, "Q_between_p")], ITERATIVE,
        {"Q_between_p"})
    return rows


def within(ours, theirs, rel: float) -> bool:
    """As test_reference_metafor.close: |ours - theirs| <= max(rel * |theirs|, ABS); NA where metafor has NA;
    labels, counts and flags equal."""
    if isinstance(theirs, list):
        return isinstance(ours, list) and len(ours) == len(theirs) and all(within(o, t, rel)
                                                                             for o, t in zip(ours, theirs))
    if theirs is None:
        return ours is None or (isinstance(ours, float) and math.isnan(ours))
    if isinstance(theirs, (str, bool)) or isinstance(ours, (str, bool)):
        return ours == theirs
    return ours is not None and not math.isnan(ours) and abs(ours - theirs) <= max(rel * abs(theirs), ABS)


def difference(ours, theirs) -> float:
    """The largest relative difference (absolute where metafor's value is 0), for the report."""
    if isinstance(theirs, list):
        return max((difference(o, t) for o, t in zip(ours, theirs)), default=0.0)
    if theirs is None or isinstance(theirs, (str, bool)):
        return 0.0 if within(ours, theirs, 0) else math.inf
    return abs(ours - theirs) / (abs(theirs) or 1.0)


@pytest.fixture(scope="module")
def compared():
    return comparisons()


@pytest.mark.parametrize("entry", sorted(REF))
def test_matches_metafor(entry, compared):
    rows = [r for r in compared if r[0] == entry]
    assert rows, f"nothing compared for {entry}"
    for _, quantity, ours, theirs, tol in rows:
        assert within(ours, theirs, tol), f"{entry} {quantity}: {ours} vs metafor {theirs}"


def test_every_metafor_value_is_compared(compared):
    """Each value of the reference (but the R calls, warnings and per-group blocks) is compared."""
    seen = {(e, q.split(" ")[-1] if e == "subgroups_bcg_alloc" else q) for e, q, *_ in compared}
    for entry, values in REF.items():
        for key, value in values.items():
            if key in ("call", "warnings", "groups", "coef_names", "back") or (key.startswith("CMH") and value is None):
                continue
            assert (entry, key) in seen, f"{entry} {key} is not compared"


# ---- what a notebook user sees ---------------------------------------------------------------------------------

def bcg() -> pd.DataFrame:
    return pd.read_csv(HERE / "api_bcg.csv")


def test_missing_values_are_omitted_with_a_warning_and_listed():
    with pytest.warns(MissingDataWarning, match=r"2 studies with missing values omitted.*'Rosenthal et al.1' "
                                                r"\(tpos\); 'Coetzee & Berjak' \(cneg\)") as record:
        res = rma(bcg(), measure="RR", columns=BCG, slab="author")
    assert record[0].filename == __file__  # the warning points at the caller's line, not at evsynth
    assert [(e.study, e.reason) for e in res.excluded] == [("Rosenthal et al.1", "missing"),
                                                          ("Coetzee & Berjak", "missing")]
    assert res.k == 11 and "Rosenthal et al.1" not in res.studies and "Rosenthal et al.2" in res.studies
    assert list(res.data.index) == [0, 1, 3, 4, 5, 6, 7, 9, 10, 11, 12]  # the rows fitted


def test_mantel_haenszel_lists_missing_and_double_zero_studies_in_row_order():
    niel = pd.read_csv(HERE / "api_nielweise.csv")
    with pytest.warns(MissingDataWarning):
        res = rma_mh(niel, measure="or", slab="author")
    assert [(e.study, e.reason.split(" ")[0]) for e in res.excluded] == [("Raad", "missing"), ("Yucel", "double-zero")]
    niel = niel.iloc[[14, 3] + [i for i in range(18) if i not in (3, 14)]]  # Yucel (double zero) before Raad (missing): row order is kept
    with pytest.warns(MissingDataWarning):
        for res in (rma(niel, measure="OR", drop00=True, slab="author"), rma_mh(niel, slab="author")):
            assert [e.study for e in res.excluded] == ["Yucel", "Raad"]
    with pytest.raises(AnalysisError, match="PETO"):
        rma_mh(niel, measure="PETO")
    with pytest.raises(AnalysisError, match="rma_mh"):
        rma(niel, measure="OR", method="MH")


def test_na_fail_refuses_naming_the_rows_and_columns():
    with pytest.raises(SchemaError) as info:
        rma(bcg(), measure="RR", columns=BCG, slab="author", na="fail")
    cells = [(p.file, p.column) for p in info.value.problems]
    assert cells == [("row 2", "tpos"), ("row 8", "cneg")]
    assert "row 2, column 'tpos': missing value" in str(info.value)
    with pytest.raises(SchemaError) as info:  # a moderator counts too
        rma(bcg().dropna(subset=["tpos", "cneg"]), measure="RR", columns=BCG, mods=["ablat"], na="fail")
    assert [(p.file, p.column) for p in info.value.problems] == [("row 6", "ablat")]
    for fit in (rma_mh, rma_peto, escalc):
        with pytest.raises(SchemaError):
            fit(bcg(), columns=BCG, na="fail", **({"measure": "RR"} if fit is escalc else {}))


def test_duplicate_labels_are_told_apart_as_metafor_does():
    # metafor 3.8-1: rma(yi, vi, slab = c("A", "A.1", "A", "C", "A", "B"))$slab
    # [1] "A.1.1" "A.1.2" "A.2"   "C"     "A.3"   "B"
    df = pd.DataFrame({"study": ["A", "A.1", "A", "C", "A", "B"], "yi": [0.1, 0.3, -0.2, 0.5, 0.0, 0.2],
                       "vi": [0.04, 0.05, 0.03, 0.06, 0.02, 0.05]})
    assert rma(df).studies == ("A.1.1", "A.1.2", "A.2", "C", "A.3", "B")
    res = rma(df.assign(label=["x", "y", "x", "z", "w", "y"]), slab="label")
    assert res.studies == ("x.1", "y.1", "x.2", "z", "w", "y.2")
    assert rma(df.drop(columns="study")).studies == ("1", "2", "3", "4", "5", "6")  # metafor's default labels


def test_errors_name_the_column_and_are_ours():
    df = bcg()
    df["tpos"] = df["tpos"].astype(object)
    df.loc[4, "tpos"] = "thirty-three"
    with pytest.raises(SchemaError) as info:
        rma(df, measure="RR", columns=BCG)
    (p,) = info.value.problems
    assert (p.file, p.column) == ("row 4", "tpos") and "'thirty-three' is not a number" in p.reason
    with pytest.raises(SchemaError) as info:  # no column for the control arm's size
        rma(bcg().drop(columns="cneg"), measure="RR", columns={"ai": "tpos", "bi": "tneg", "ci": "cpos"})
    assert [p.column for p in info.value.problems] == ["n_c"]
    assert "'n2i'" in str(info.value) and "'di'" in str(info.value)
    with pytest.raises(SchemaError) as info:  # a mapping to a column the table does not have
        rma(bcg(), measure="RR", columns={**BCG, "di": "cneeg"})
    assert [p.column for p in info.value.problems] == ["cneeg"] and "did you mean 'cneg'" in str(info.value)
    with pytest.raises(SchemaError) as info:  # an impossible count names the table's column
        rma(bcg().assign(cpos=[-1] + [5] * 12), measure="RR", columns=BCG)
    assert [(p.file, p.column) for p in info.value.problems] == [("row 0", "cpos")]
    assert "negative" in str(info.value)
    for bad, word in ((dict(measure="XYZ"), "XYZ"), (dict(measure="RR", method="MLE"), "MLE"),
                      (dict(measure="RR", test="t"), "test"), (dict(measure="RR", to="some"), "to"),
                      (dict(measure="RR", level=150), "level"), (dict(measure="RR", na="drop"), "na")):
        with pytest.raises(AnalysisError, match=word) as info:
            rma(bcg(), columns=BCG, **bad)
        assert not isinstance(info.value, (ValueError, KeyError))
    with pytest.raises(AnalysisError, match="measure"):
        rma(bcg(), columns=BCG)  # counts but no measure
    with pytest.raises(AnalysisError, match="subgroup"):
        rma(bcg(), measure="RR", columns=BCG, tau2_common=True)
    with pytest.raises(SchemaError, match="DataFrame"):
        rma([1, 2, 3], measure="RR")


def test_text_moderators_are_factors_and_factor_forces_one():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingDataWarning)
        text = rma(bcg(), measure="RR", columns=BCG, mods=["alloc"])
        forced = rma(bcg(), measure="RR", columns=BCG, mods=["factor(alloc)"])
    assert [c.name for c in text.coefficients] == ["intrcpt", "alloc[random]", "alloc[systematic]"]
    assert [c.estimate for c in text.coefficients] == [c.estimate for c in forced.coefficients]


GOLDEN = """\
Random-effects model (k = 11; tau^2 estimator: REML)

tau^2 (estimated amount of total heterogeneity): 0.3612 (SE = 0.2016)
tau (square root of estimated tau^2 value):      0.6010
tau^2 95% CI (Q-profile):                   [0.1360, 1.4456]
I^2 (total heterogeneity / total variability):   93.94% [85.38, 98.41]
H^2 (total variability / sampling variability):  16.51

Test for Heterogeneity: Q(df = 10) = 150.1637, p-val <.0001

Model Results (RR, log scale; test: z):

  estimate       se     zval     pval     ci.lb     ci.ub
   -0.7094   0.2046  -3.4666   0.0005   -1.1105   -0.3083
Prediction interval (metafor): [-1.9538, 0.5350]
Back-transformed (exp): 0.4919 [0.3294, 0.7347]; prediction interval [0.1417, 1.7074]

Excluded studies:
  Rosenthal et al.1: missing
  Coetzee & Berjak: missing"""


def test_print_shows_metafors_summary(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingDataWarning)
        res = rma(bcg(), measure="RR", columns=BCG, slab="author")
        res90 = rma(bcg(), measure="RR", columns=BCG, slab="author", level=90)
    print(res)
    assert capsys.readouterr().out == GOLDEN + "\n"
    assert repr(res) == str(res) == res.summary()
    assert "tau^2 90% CI (Q-profile)" in str(res90)
    # every JSON key is an attribute; the result is read-only
    d = res.to_dict()
    assert set(d) == {f for f in d if hasattr(res, f)}
    for key, value in d.items():
        assert clean(getattr(res, key)) == value, key
    assert res.estimate == d["estimate"] == pytest.approx(-0.7094311886) and res.ci_low == d["ci_low"]
    with pytest.raises(AttributeError):
        res.estimate = 0
    with pytest.raises(AttributeError):
        res.no_such_value  # noqa: B018


def test_the_cli_prints_the_same_summary(tmp_path):
    """`evsynth pool` renders with the library's summary: the same text as print(rma(...))."""
    from click.testing import CliRunner

    from evsynth.cli.main import main

    path = HERE / "api_nielweise.csv"
    cli = CliRunner().invoke(main, ["pool", str(path), "--measure", "OR", "--columns",
                                    "events_t=ai,n_t=n1i,events_c=ci,n_c=n2i", "--study-column", "author"])
    assert cli.exit_code == 0, cli.output
    with pytest.warns(MissingDataWarning):
        res = rma(pd.read_csv(path), measure="OR", slab="author")
    assert cli.stdout.strip() == str(res)
    assert "  Raad: missing" in cli.stdout and "line 5 (events_c)" in cli.stderr


class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: list = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs += attrs

    def handle_data(self, data):
        self.text += data


def test_repr_html_escapes_every_label():
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    df = pd.DataFrame({"study": [payload, "A & B", "C", "D", "E"], "yi": [0.1, 0.3, None, 0.5, 0.2],
                       "vi": [0.04, 0.05, 0.03, 0.06, 0.05], "g": [payload, payload, "x", "x", "<b>y</b>"],
                       "m": [1.0, 2.0, 3.0, 5.0, 4.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingDataWarning)
        fits = [rma(df), rma(df.iloc[[0, 1, 3, 4]].assign(study=[payload, payload, "z", "w"])),
                rma(df, mods=["m"]), rma(df, subgroup="g")]
    for fit in fits:
        page = fit._repr_html_()
        parser = _Tags()
        parser.feed(page)
        assert parser.tags <= {"div", "p", "strong", "table", "thead", "tbody", "tr", "th", "td", "ul", "li"}, page
        assert all(name == "class" for name, _ in parser.attrs)
        assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert payload in _text(fits[0]) and "A & B" in _text(fits[0])  # shown, as text
    assert "&lt;script&gt;" in fits[0]._repr_html_()
    assert f"{payload}: missing" not in _text(fits[0]) and "C: missing" in _text(fits[0])
    assert payload + ".1" in _text(fits[1])  # duplicates told apart, still escaped
    assert "&lt;b&gt;y&lt;/b&gt;" in fits[3]._repr_html_()


def _text(fit) -> str:
    parser = _Tags()
    parser.feed(fit._repr_html_())
    return parser.text


def test_escalc_output_feeds_rma_with_its_measure():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingDataWarning)
        dat = escalc(bcg(), measure="RR", columns=BCG)
        direct = rma(bcg(), measure="RR", columns=BCG, slab="author")
        via = rma(dat, slab="author")
    assert math.isnan(dat.loc[2, "yi"]) and math.isnan(dat.loc[8, "vi"]) and dat.loc[0, "note"] == \
        "first, and smallest"
    assert via.measure == "RR" and via.scale == "log"
    assert via.estimate == pytest.approx(direct.estimate, rel=1e-12)
    assert via.back.estimate == pytest.approx(direct.back.estimate, rel=1e-12)
    assert [e.study for e in via.excluded] == ["Rosenthal et al.1", "Coetzee & Berjak"]
    named = rma(dat.drop(columns=["tpos"]).dropna(subset=["yi"]), measure="RR", slab="author")  # yi/vi, named
    assert named.measure == "RR" and named.estimate == pytest.approx(direct.estimate, rel=1e-12)
    with pytest.raises(AnalysisError, match="RR effect sizes"):
        rma(dat.drop(columns=["tpos"]), measure="OR")


def test_cumul_takes_values_and_decreasing():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingDataWarning)
        res = rma(bcg(), measure="RR", columns=BCG, slab="author")
    by_column = cumul(res, order="year")
    by_values = cumul(res, order=bcg()["year"].tolist())
    assert by_column.equals(by_values)
    down = cumul(res, order="year", decreasing=True)
    assert list(down.index[:2]) == ["TPT Madras", "Hart & Sutherland"] and list(down["k"]) == list(range(1, 12))
    assert down["estimate"].iloc[-1] == pytest.approx(res.estimate, rel=1e-9)
    with pytest.raises(SchemaError, match="order"):
        cumul(res, order="no_such_column")
    with pytest.raises(AnalysisError, match="leave1out"):
        leave1out(rma(bcg().dropna(subset=["tpos", "cneg"]), measure="RR", columns=BCG, subgroup="alloc"))


def test_fragility_and_tsa_use_the_studies_the_model_used(tmp_path):
    """The API's fragility() and tsa() equal `evsynth fragility` / `evsynth tsa` on the same studies (the rows
    with no missing value, written with canonical columns)."""
    from click.testing import CliRunner

    from evsynth.cli.main import main

    df = bcg()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingDataWarning)
        res = rma(df, measure="RR", method="DL", columns=BCG, slab="author")
    kept = res.data
    canon = pd.DataFrame({"study": list(res.studies), "events_t": kept["tpos"].astype(int),
                          "n_t": (kept["tpos"] + kept["tneg"]).astype(int), "events_c": kept["cpos"].astype(int),
                          "n_c": (kept["cpos"] + kept["cneg"]).astype(int)})
    path = tmp_path / "kept.csv"
    canon.to_csv(path, index=False)
    base = [str(path), "--measure", "RR", "--method", "DL"]
    cli = CliRunner().invoke(main, ["fragility", *base])
    assert cli.exit_code == 0, cli.output
    assert fragility(res).to_dict() == json.loads(cli.stdout)
    cli = CliRunner().invoke(main, ["tsa", *base, "--rrr", "0.2"])
    assert cli.exit_code == 0, cli.output
    assert json.loads(json.dumps(tsa(res, rrr=0.2).to_dict())) == json.loads(cli.stdout)
    assert fragility(res).index is not None


def test_the_readme_example_runs_and_prints_what_it_shows(capsys, monkeypatch):
    readme = (HERE.parent.parent / "README.md").read_text()
    section = readme[readme.index("## Python API"):]
    code = section[section.index("```python\n") + 10:section.index("```\n", section.index("```python\n") + 10)]
    shown = section[section.index("shows (in a notebook"):]
    shown = shown[shown.index("```\n") + 4:shown.index("```\n", shown.index("```\n") + 4)]
    monkeypatch.chdir(HERE.parent.parent)
    with pytest.warns(MissingDataWarning):
        exec(compile(code, "README.md", "exec"), {})
    assert capsys.readouterr().out == shown == GOLDEN + "\n"


@pytest.mark.parametrize("name", ["escalc", "rma", "rma_mh", "rma_peto", "leave1out", "cumul", "influence", "regtest",
                                  "ranktest", "trimfill", "fragility", "tsa"])
def test_every_public_function_has_a_numpydoc_docstring(name):
    import evsynth.meta

    doc = getattr(evsynth.meta, name).__doc__ or ""
    for section in ("Parameters\n    ----------", "Returns\n    -------", "Raises\n    ------"):
        assert section in doc, f"{name}: no {section.splitlines()[0]} section"


if __name__ == "__main__":  # the agreement with metafor: the largest relative difference per quantity
    worst: dict[str, tuple[float, str]] = {}
    for entry, quantity, ours, theirs, tol in comparisons():
        name = quantity.split(" ")[-1] if entry.startswith("subgroups") else quantity
        kind = "p-value" if tol == PVALUE else "label/count" if isinstance(theirs, (str, bool, int)) or (
            isinstance(theirs, list) and theirs and isinstance(theirs[0], (str, bool))) else "value"
        d = difference(ours, theirs)
        if d >= worst.get(name, (-1.0, ""))[0]:
            worst[name] = (d, f"{entry}; {kind}")
    for name, (d, where) in sorted(worst.items()):
        print(f"{name:14} {d:.1e}  ({where})")
