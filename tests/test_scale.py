"""Batches: the same bytes one at a time, in one batch, in forked parts, from Parquet and on a Dask cluster."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from evsynth.cli.main import main
from evsynth.meta.engine import distributions as dist
from evsynth.meta.engine.choices import Measure, Method, Test
from evsynth.meta.engine.records import pool_records
from evsynth.meta.inputs.tables import load_table


def make_batch(path, groups: int, seed: int = 3) -> pd.DataFrame:
    """Groups of 2 to 40 studies, tau² from 0 to 0.5: Q statistics in every region of the chi-square code."""
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(groups):
        k = int(rng.integers(2, 41))
        v = rng.uniform(0.005, 0.6, k)
        y = rng.normal(rng.normal(0, 0.5), np.sqrt(v + rng.uniform(0, 0.5)))
        rows += [{"group": f"g{g}", "study": f"s{i}", "yi": y[i], "vi": v[i]} for i in range(k)]
    frame = pd.DataFrame(rows)
    frame.to_csv(path, index=False)
    return frame


def pool_json(*args) -> str:
    res = CliRunner().invoke(main, ["pool", *map(str, args)])
    assert res.exit_code == 0, res.output
    return res.stdout


@pytest.mark.parametrize("method,test", [("REML", "knha"), ("DL", "z"), ("PM", "knha")])
def test_a_batch_gives_the_bits_of_one_at_a_time(tmp_path, method, test):
    frame = make_batch(tmp_path / "b.csv", 120)
    batch = json.loads(pool_json(tmp_path / "b.csv", "--measure", "GEN", "--method", method, "--test", test,
                                 "--by", "group", "--format", "json"))
    for i, (g, rows) in enumerate(frame.groupby("group", sort=False)):
        rows.to_csv(tmp_path / "one.csv", index=False)
        t = load_table(tmp_path / "one.csv", Measure.GEN, None, ("group",))
        one = pool_records(t, Measure.GEN, Method(method), Test(test), ("group",))[0]
        assert json.loads(json.dumps(one)) == batch[i], g


def test_distribution_functions_do_not_depend_on_their_batch_mates():
    """Each value is computed on its own (scipy.special's ufuncs are elementwise), so a group's p-values and
    critical values are the same alone or in any batch, laid out as the batched fit lays them out."""
    rng = np.random.default_rng(11)
    df = rng.integers(1, 80, 400).astype(float)
    x = df * rng.uniform(0.2, 3.0, 400)
    t = rng.normal(0, 4, 400)
    a = rng.uniform(1e-6, 0.5, 400)
    funcs = {
        "chi2_sf": lambda s: dist.chi2_sf(x[s], df[s]),
        "t_sf": lambda s: dist.t_sf(np.abs(t[s])[:, None], df[s][:, None]),
        "f_sf": lambda s: dist.f_sf(x[s] / df[s], df[s], df[::-1][s]),
        "t_isf": lambda s: dist.t_isf(a[s], df[s]),
        "chi2_isf": lambda s: dist.chi2_isf(a[s], df[s]),
        "chi2_ppf": lambda s: dist.chi2_ppf(a[s], df[s]),
        "norm_sf": lambda s: dist.norm_sf(t[s]),
        "norm_isf": lambda s: dist.norm_isf(a[s]),
    }
    for name, f in funcs.items():
        together = np.ravel(f(slice(None)))
        for i in range(0, 400, 7):
            assert np.ravel(f(slice(i, i + 1)))[0] == together[i], (name, i)


def test_forked_parts_and_parquet_give_the_same_bytes(tmp_path):
    frame = make_batch(tmp_path / "b.csv", 200)
    args = ["--measure", "GEN", "--by", "group", "--format", "json", "--test", "knha"]
    one = pool_json(tmp_path / "b.csv", *args, "--jobs", "1")
    assert pool_json(tmp_path / "b.csv", *args, "--jobs", "3") == one
    pytest.importorskip("pyarrow")
    frame.to_parquet(tmp_path / "b.parquet")
    assert pool_json(tmp_path / "b.parquet", *args) == one


def test_dask_engine_on_a_local_cluster_gives_the_same_bytes(tmp_path):
    pytest.importorskip("dask.distributed")
    make_batch(tmp_path / "b.csv", 150)
    args = ["--measure", "GEN", "--by", "group", "--format", "json", "--test", "knha"]
    one = pool_json(tmp_path / "b.csv", *args, "--jobs", "1")
    assert pool_json(tmp_path / "b.csv", *args, "--engine", "dask", "--jobs", "2", "--partitions", "7") == one


def test_dask_engine_needs_a_batch(tmp_path):
    make_batch(tmp_path / "b.csv", 3)
    res = CliRunner().invoke(main, ["pool", str(tmp_path / "b.csv"), "--measure", "GEN", "--engine", "dask"])
    assert res.exit_code == 2 and "--by" in res.output and "Traceback" not in res.output
