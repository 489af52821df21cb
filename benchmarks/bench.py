"""Benchmark (not a test): batch pooling throughput and the CLI's start-up time.

    python benchmarks/bench.py [--analyses 10000] [--k 20] [--repeat 3] [--metafor-ms 4.0]

Needs the project installed (`pip install -e .`), and Rscript with metafor for the metafor figures.

Prints meta-analyses per second for REML + Hartung-Knapp through `evsynth pool --by` (whole process: CSV in,
JSON out), the in-process engine alone, and `evsynth --help`; and the ratio against metafor's rma() in a loop
(measured here with Rscript when available, else the --metafor-ms figure).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def make_batch(path: Path, analyses: int, k: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    v = rng.uniform(0.01, 0.5, size=(analyses, k))
    tau2 = rng.uniform(0, 0.3, size=(analyses, 1))
    y = rng.normal(0.2, np.sqrt(v + tau2))
    frame = pd.DataFrame({
        "group": np.repeat(np.arange(analyses), k),
        "study": np.tile(np.arange(k), analyses),
        "yi": y.ravel(), "vi": v.ravel(),
    })
    frame.to_csv(path, index=False)


def best_of(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return min(times)


def metafor_run(csv: Path, n: int, out: Path) -> float | None:
    """ms per rma() over the first n groups (metafor's own loop, no start-up); writes each tau^2 to `out`."""
    if not shutil.which("Rscript"):
        return None
    code = (
        f"suppressMessages(library(metafor)); d <- read.csv('{csv}'); g <- split(d, d$group)[1:{n}];"
        "fits <- vector('list', length(g));"
        "t <- system.time(for (i in seq_along(g)) fits[[i]] <- try(rma(yi, vi, data = g[[i]], method = 'REML',"
        " test = 'knha'), silent = TRUE))[['elapsed']];"
        # the timed fits use metafor's defaults; for the comparison, refit with a tight threshold (untimed), since
        # Fisher scoring's default stop (a change < 1e-5) can leave tau^2 up to ~1e-4 short where it converges slowly
        "tau2 <- sapply(g, function(x) { f <- try(rma(yi, vi, data = x, method = 'REML', test = 'knha',"
        " control = list(threshold = 1e-10, maxiter = 1000)), silent = TRUE);"
        " if (inherits(f, 'try-error')) NA else f$tau2 });"
        f"write.csv(data.frame(group = names(g), tau2 = tau2), '{out}', row.names = FALSE);"
        f"cat(1000 * t / {n})"
    )
    res = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True)
    try:
        return float(res.stdout.strip())
    except ValueError:
        return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--analyses", type=int, default=10000)
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--metafor-ms", type=float, default=None, help="metafor ms per rma() if R is not here")
    args = ap.parse_args()
    exe = shutil.which("evsynth") or str(Path(sys.executable).with_name("evsynth"))
    n = args.analyses
    with tempfile.TemporaryDirectory() as tmp:
        csv, csv2 = Path(tmp) / "batch.csv", Path(tmp) / "batch2.csv"
        make_batch(csv, n, args.k)
        make_batch(csv2, 2 * n, args.k)
        out = Path(tmp) / "out.json"

        def cmd(path):
            return ["sh", "-c", f"'{exe}' pool '{path}' --measure GEN --method REML --test knha --by group "
                                f"--format json > '{out}'"]

        whole2 = best_of(cmd(csv2), args.repeat)
        whole = best_of(cmd(csv), args.repeat)
        ours = json.loads(out.read_text())

        from evsynth.meta.engine.choices import Measure, Method, Test
        from evsynth.meta.engine.records import pool_records
        from evsynth.meta.inputs.tables import load_table

        t = time.perf_counter()
        table = load_table(csv, Measure.GEN, group_by=("group",))
        pool_records(table, Measure.GEN, Method.REML, Test.KNHA, ("group",))
        engine = time.perf_counter() - t
        help_s = best_of([exe, "--help"], max(args.repeat, 5))
        tau_file = Path(tmp) / "tau2.csv"
        ms = args.metafor_ms if args.metafor_ms is not None else metafor_run(csv, min(500, n), tau_file)
        agree = None
        if tau_file.exists():
            ref = pd.read_csv(tau_file).dropna()
            mine = np.array([ours[int(g)]["tau2"] for g in ref["group"]])
            theirs = ref["tau2"].to_numpy()
            diff = np.abs(mine - theirs)
            same = (diff <= 1e-8) | (diff <= 1e-6 * np.abs(theirs))
            agree = (len(ref), int(same.sum()), float(diff.max()))

    per = 1000 * whole / n
    marginal = 1000 * (whole2 - whole) / n
    print(f"batch: REML+knha meta-analyses of k={args.k}, `evsynth pool --by group --format json` (best of {args.repeat})")
    print(f"  whole process, {n} analyses:     {whole:.3f} s = {per:.4f} ms/analysis = {n / whole:,.0f}/s")
    print(f"  whole process, {2 * n} analyses:     {whole2:.3f} s")
    print(f"  marginal cost per analysis:       {marginal:.4f} ms (start-up excluded, as in metafor's loop)")
    print(f"  engine only (load + pool_records): {engine:.3f} s = {n / engine:,.0f}/s")
    if ms is not None:
        print(f"  metafor rma() in a loop:           {ms:.3f} ms/analysis")
        print(f"  ratio metafor / evsynth, whole process incl. start-up: {ms / per:.1f}x")
        print(f"  ratio metafor / evsynth, per additional analysis:      {ms / marginal:.1f}x")
    if agree is not None:
        print(f"  tau^2 vs metafor (refitted with threshold 1e-10) on {agree[0]} analyses it fitted: {agree[1]} agree "
              f"within 1e-6 relative (or 1e-8); max |difference| {agree[2]:.1e}")
    print(f"start-up: evsynth --help {help_s * 1000:.0f} ms")


if __name__ == "__main__":
    main()
