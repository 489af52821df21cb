"""`evsynth influence | bias | cumulative | fragility`: the JSON the issue names, equal to the library's values,
and bad input exiting 2 with a message naming it."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from evsynth.cli.main import main
from evsynth.meta.robustness import small_study as bias
from evsynth.meta.engine.choices import Measure, Method, Test
from evsynth.meta.engine.effects import compute_effects
from evsynth.meta.robustness.refits import influence
from evsynth.meta.engine.model import Model
from evsynth.meta.inputs.tables import load_table


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_influence_json(bcg_path):
    res = run("influence", bcg_path, "--measure", "RR", "--method", "REML", "--test", "knha")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    table = load_table(bcg_path, Measure.RR)
    lib = influence(table.columns, table.study, Model(Measure.RR, Method.REML, Test.KNHA))
    assert len(out) == 13
    assert list(out[0])[:13] == ["study", "estimate", "ci_low", "ci_high", "tau2", "q", "rstudent", "dffits",
                                 "cooks_d", "cov_ratio", "hat", "weight", "influential"]
    for row, s in zip(out, lib.studies):
        assert row["study"] == s.study
        assert row["rstudent"] == pytest.approx(s.rstudent, rel=1e-12)
        assert row["cooks_d"] == pytest.approx(s.cooks_d, rel=1e-12)
        assert row["influential"] is s.influential


def test_bias_json(bcg_path):
    res = run("bias", bcg_path, "--measure", "RR", "--method", "DL")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    for key in ("egger_z", "egger_p", "begg_tau", "begg_p", "trimfill_k0", "trimfill_side", "trimfill_estimate",
                "trimfill_ci_low", "trimfill_ci_high", "peters_p", "harbord_p"):
        assert key in out, key
    table = load_table(bcg_path, Measure.RR)
    e = compute_effects(Measure.RR, table.columns, table.study)
    assert out["egger_z"] == pytest.approx(bias.egger(e, Method.DL).statistic, rel=1e-12)
    tf = bias.trimfill(e, Method.DL)
    assert (out["trimfill_k0"], out["trimfill_side"]) == (tf.k0, tf.side)
    assert out["notes"] == []  # k = 13: no small-k warning


def test_bias_warns_below_ten_studies(tmp_path):
    path = tmp_path / "few.csv"
    path.write_text("study,yi,vi\n" + "".join(f"s{i},{0.1 * i},{0.02 + 0.01 * i}\n" for i in range(6)))
    res = run("bias", path, "--measure", "GEN")
    assert res.exit_code == 0, res.output
    assert any("fewer than 10 studies" in n for n in json.loads(res.output)["notes"])


def test_cumulative_orders_by_year(bcg_path):
    res = run("cumulative", bcg_path, "--measure", "RR", "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert [r["k"] for r in out] == list(range(1, 14))
    assert out[0]["study"].endswith("1948") and out[-1]["study"].endswith("1980")


def test_fragility_json(bcg_path):
    res = run("fragility", bcg_path, "--measure", "RR")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["significant"] is True and out["index"] >= 1
    assert out["quotient"] == pytest.approx(out["index"] / out["participants"])


@pytest.mark.parametrize("args, fragment", [
    (["influence", "FILE1", "--measure", "GEN"], "at least 2 studies"),
    (["influence", "FILE", "--measure", "OR", "--method", "MH"], "inverse-variance models"),
    (["fragility", "FILE", "--measure", "SMD"], "missing column"),
    (["cumulative", "FILE", "--measure", "OR", "--order", "yr"], "--order names a column"),
    (["cumulative", "FILEY", "--measure", "OR", "--order", "year"], "'unknown' is not a number"),
    (["bias", "FILE2", "--measure", "GEN"], "needs at least 3 studies"),
])
def test_bad_input_exits_2(tmp_path, args, fragment):
    files = {
        "FILE": "study,events_t,n_t,events_c,n_c\nA,4,50,9,50\nB,3,40,8,41\nC,5,60,11,60\n",
        "FILEY": "study,year,events_t,n_t,events_c,n_c\nA,2001,4,50,9,50\nB,unknown,3,40,8,41\n",
        "FILE1": "study,yi,vi\nA,0.1,0.2\n",
        "FILE2": "study,yi,vi\nA,0.1,0.2\nB,0.3,0.1\n",
    }
    for i, a in enumerate(args):
        if a in files:
            path = tmp_path / f"{a}.csv"
            path.write_text(files[a])
            args[i] = str(path)
    res = run(*args)
    assert res.exit_code == 2, res.output
    assert fragment in res.output and "Traceback" not in res.output


def test_tsa_json(bcg_path):
    res = run("tsa", bcg_path, "--measure", "RR", "--rrr", "0.3")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert len(out["studies"]) == len(out["z"]) == len(out["boundaries"]) == 13
    assert out["studies"][0].endswith("1948")  # ordered by year
    assert out["adjusted_required_information"] > out["required_information"] > 0
    assert any("pooled control-arm risk" in n for n in out["notes"])


@pytest.mark.parametrize("args, fragment", [
    (["--measure", "RR"], "--rrr"),
    (["--measure", "GEN", "--columns", "yi=events_t,vi=n_t"], "not a two-arm measure"),
    (["--measure", "RR", "--rrr", "1.5"], "1.5"),
])
def test_tsa_bad_input(bcg_path, args, fragment):
    res = run("tsa", bcg_path, *args)
    assert res.exit_code == 2 and fragment in res.output and "Traceback" not in res.output
