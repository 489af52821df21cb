"""Run time and peak memory of `evsynth run` against the number of studies k in one analysis and against the
number of analyses, and of `evsynth validate` on inputs that used to cost quadratic time (issue 14): a
sources.bib of 200,000 entries, an analyses.toml of 8,000 analyses, a table with 100,000 extra columns, 100,000
bad rows. Prints a table; nothing is asserted (speed lives here, not in tests).

    python benchmarks/costs.py [--quick]
"""
from __future__ import annotations

import argparse
import csv
import io
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "evidence" / "baclofen"


def make_base(folder: Path, k: int, analyses: int) -> Path:
    """A base with one binary table of k two-arm trials and `analyses` analyses of it."""
    base = folder / "b"
    (base / "tables").mkdir(parents=True)
    shutil.copy(BASE.parent / "grading.toml", folder / "grading.toml")
    shutil.copy(BASE / "sources.bib", base / "sources.bib")
    rows = list(csv.DictReader(io.StringIO((BASE / "tables" / "binary.csv").read_text(encoding="utf-8"))))
    template = next(r for r in rows if r["study_id"] == "addolorato2007-01")
    rng = random.Random(1)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(template), lineterminator="\n")
    w.writeheader()
    for i in range(k):
        n = rng.randint(20, 200)
        p = rng.uniform(0.1, 0.6)
        w.writerow(template | {"study_id": f"s{i}", "trial": f"t{i}", "study": f"Study {i}", "year": 2000 + i % 20,
                               "n_t": n, "n_c": n, "events_t": int(n * p), "events_c": int(n * p * 0.8),
                               "derived": "synthetic benchmark row"})
    (base / "tables" / "binary.csv").write_text(buf.getvalue(), encoding="utf-8")
    (base / "analyses.toml").write_text("".join(
        f'[analyses.a{j}]\ntitle = "A {j}"\ntable = "binary"\nwhere = {{ outcome = "abstinence" }}\nmeasure = "RR"\n\n'
        for j in range(analyses)), encoding="utf-8")
    return base


def measure(args: list[str], code: str | None = None) -> tuple[float, float, int]:
    """Wall seconds, peak resident MB (GNU time) and exit code of `evsynth ARGS` (or of python -c CODE)."""
    t = time.perf_counter()
    cmd = [sys.executable, "-c", code] if code else [sys.executable, "-m", "evsynth.cli.main", *args]
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - t
    kb = int(proc.stderr.strip().splitlines()[-1])
    return wall, kb / 1024, proc.returncode


def row(label: str, args: list[str], code: str | None = None) -> None:
    wall, mb, code = measure(args, code)
    print(f"{label:<48} {wall:8.2f} s {mb:8.0f} MB   exit {code}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sizes")
    quick = ap.parse_args().quick
    print(f"{'case':<48} {'time':>10} {'peak RSS':>11}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for k in ((100, 1000, 5000) if quick else (100, 1000, 5000, 20000)):
            base = make_base(tmp / f"k{k}", k, 1)
            row(f"run --no-figures, 1 analysis, k = {k}", ["run", "--evidence", str(base), "--out",
                                                           str(tmp / f"out{k}"), "--quiet", "--no-figures"])
        for n in ((1, 10, 100) if quick else (1, 10, 100, 400)):
            base = make_base(tmp / f"a{n}", 20, n)
            row(f"run --no-figures, {n} analyses of k = 20", ["run", "--evidence", str(base), "--out",
                                                              str(tmp / f"outa{n}"), "--quiet", "--no-figures"])
        n_load = 8000 if not quick else 2000
        base = make_base(tmp / "load", 20, n_load)
        row(f"load analyses.toml of {n_load:,} analyses", [],
            f"from evsynth.meta.review.analyses import load_analyses; load_analyses({str(base / 'analyses.toml')!r})")
        big = make_base(tmp / "bib", 5, 1)
        n_bib = 200_000 if not quick else 20_000
        with open(big / "sources.bib", "a", encoding="utf-8") as fh:
            for i in range(n_bib):
                fh.write(f"@article{{extra{i},\n  type = {{journal article}},\n  title = {{Title {i}}},\n"
                         f"  year = {{2000}},\n}}\n")
        row(f"validate, sources.bib with {n_bib:,} more entries", ["validate", str(big)])
        wide = make_base(tmp / "wide", 5, 1)
        path = wide / "tables" / "binary.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        n_cols = 100_000 if not quick else 10_000
        path.write_text(lines[0] + "".join(f",x{i}" for i in range(n_cols)) + "\n" + lines[1] + "\n",
                        encoding="utf-8")
        row(f"validate, a table with {n_cols:,} extra columns (exit 2)", ["validate", str(wide)])
        bad = make_base(tmp / "bad", 5, 1)
        path = bad / "tables" / "binary.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        n_bad = 100_000 if not quick else 10_000
        path.write_text(lines[0] + "\n" + "\n".join(lines[1].replace("s0,t0,", f"b{i},t{i},", 1).replace(",Study 0,", ",,")
                                                    for i in range(n_bad)) + "\n", encoding="utf-8")
        row(f"validate, {n_bad:,} rows each with an error (exit 2)", ["validate", str(bad)])


if __name__ == "__main__":
    main()
