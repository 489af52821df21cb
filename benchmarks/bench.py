"""Benchmark (not a test): batch pooling throughput and the CLI's start-up time.

    python benchmarks/bench.py [--analyses 10000] [--k 20] [--repeat 3] [--metafor-ms 4.0]

Prints meta-analyses per second for REML + Hartung-Knapp through `evsynth pool --by` (whole process: CSV in,
JSON out), the in-process engine alone, and `evsynth --help`; and the ratio against metafor's rma() in a loop
(measured here with Rscript when available, else the --metafor-ms figure).
"""
from __future__ import annotations

import argparse
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


def metafor_ms(csv: Path, n: int) -> float | None:
    if not shutil.which("Rscript"):
        return None
    code = (
        f"suppressMessages(library(metafor)); d <- read.csv('{csv}'); g <- split(d, d$group)[1:{n}];"
        "t <- system.time(for (x in g) try(rma(yi, vi, data = x, method = 'REML', test = 'knha'), silent = TRUE))"
        "[['elapsed']];"
        f"cat(1000 * t / {n})"
    )
    out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True)
    try:
        return float(out.stdout.strip())
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
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "batch.csv"
        make_batch(csv, args.analyses, args.k)
        cmd = [exe, "pool", str(csv), "--measure", "GEN", "--method", "REML", "--test", "knha", "--by", "group",
               "--format", "json"]
        whole = best_of(cmd, args.repeat)

        from evsynth.meta.batch import pool_groups
        from evsynth.meta.choices import Measure, Method, Test
        from evsynth.meta.tables import load_table

        table = load_table(csv, Measure.GEN, group_by=("group",))
        t = time.perf_counter()
        pool_groups(table, Measure.GEN, Method.REML, Test.KNHA, ("group",))
        engine = time.perf_counter() - t
        help_s = best_of([exe, "--help"], max(args.repeat, 5))
        ms = args.metafor_ms if args.metafor_ms is not None else metafor_ms(csv, min(500, args.analyses))

    per = 1000 * whole / args.analyses
    print(f"batch: {args.analyses} REML+knha meta-analyses of k={args.k}")
    print(f"  evsynth pool --by (whole process): {whole:.3f} s = {per:.4f} ms/analysis = {args.analyses / whole:,.0f}/s")
    print(f"  engine only (load + pool_groups):  {engine:.3f} s = {args.analyses / engine:,.0f}/s")
    if ms is not None:
        print(f"  metafor rma() in a loop:           {ms:.3f} ms/analysis")
        print(f"  ratio metafor / evsynth (per analysis, whole process): {ms / per:.1f}x")
    print(f"start-up: evsynth --help {help_s * 1000:.0f} ms")


if __name__ == "__main__":
    main()
