"""End-to-end benchmark (not a test): start-up, `evsynth check`, the whole `evsynth run`, and batches of 100,000
meta-analyses (k = 20, REML + Hartung-Knapp) from CSV, Parquet and on a local Dask cluster, with the peak memory
of the whole process tree; ratios against a previous release's figures.

    python benchmarks/e2e.py [--evsynth PATH] [--analyses 100000] [--repeat 3] [--previous benchmarks/previous.json]
                             [--save FILE]

Needs the project installed (`pip install -e '.[test]'`; Parquet and Dask figures need the extras).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pss(pid: int) -> int:
    """Proportional set size (bytes): shared pages, such as a forked child's copy-on-write view of the table,
    counted once across the processes that share them (RSS would count them in each)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss(pid: int) -> int:
    """Memory (PSS, bytes) of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(d.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += _pss(p)
        todo += children.get(p, [])
    return total


def timed(cmd: list[str], cwd: Path | None = None, memory: bool = False) -> tuple[float, int, int]:
    """(wall seconds, peak tree memory in bytes, exit code) of one run."""
    peak = 0
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if memory:
        done = threading.Event()

        def sample():
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss(proc.pid))
                time.sleep(0.05)
        th = threading.Thread(target=sample)
        th.start()
    code = proc.wait()
    elapsed = time.perf_counter() - t
    if memory:
        done.set()
        th.join()
    return elapsed, peak, code


def best(cmd, repeat, cwd=None, memory=False, ok=(0,)):
    runs = [timed(cmd, cwd, memory) for _ in range(repeat)]
    for _, _, code in runs:
        if code not in ok:
            raise SystemExit(f"{' '.join(map(str, cmd))} exited {code}")
    return min(r[0] for r in runs), max(r[1] for r in runs)


def make_batch(path: Path, analyses: int, k: int) -> None:
    """bench.py's batch as CSV, and as Parquet beside it when pyarrow is installed."""
    import pandas as pd

    from bench import make_batch as make_csv  # benchmarks/ is on sys.path when this script runs

    make_csv(path, analyses, k)
    if _has("pyarrow"):
        pd.read_csv(path).to_parquet(path.with_suffix(".parquet"))


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--evsynth", default=shutil.which("evsynth") or "evsynth")
    ap.add_argument("--analyses", type=int, default=100_000)
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--previous", type=Path, default=ROOT / "benchmarks" / "previous.json")
    ap.add_argument("--save", type=Path, default=None)
    ap.add_argument("--root", type=Path, default=ROOT, help="checkout whose evidence check and run use")
    ap.add_argument("--label", default="this run", help="label stored with --save")
    args = ap.parse_args()
    root = args.root
    ev = args.evsynth
    figures: dict[str, float] = {}

    figures["help_s"], _ = best([ev, "--help"], max(5, args.repeat))
    figures["check_s"], _ = best([ev, "check"], args.repeat, cwd=root, ok=(0, 1))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "build"
        figures["run_s"], figures["run_peak_mb"] = best([ev, "run", "--quiet", "--out", str(out)], max(1, args.repeat - 1),
                                                        cwd=root, memory=True, ok=(0, 1))
        figures["run_peak_mb"] /= 2**20
        stages = subprocess.run([ev, "run", "--quiet", "--timings", "--out", str(out)], cwd=root,
                                capture_output=True, text=True).stderr
        csv = Path(tmp) / "batch.csv"
        for n in sorted({args.analyses // 4, args.analyses // 2, args.analyses}):
            make_batch(csv, n, args.k)
            cmd = [ev, "pool", str(csv), "--measure", "GEN", "--method", "REML", "--test", "knha", "--by", "group",
                   "--format", "json"]
            t, peak = best(cmd, 1 if n != args.analyses else args.repeat, memory=True)
            figures[f"batch_{n}_s"], figures[f"batch_{n}_peak_mb"] = t, peak / 2**20
            if n == args.analyses:
                optional = []
                if csv.with_suffix(".parquet").exists():
                    optional.append(("batch_parquet", [ev, "pool", str(csv.with_suffix(".parquet"))] + cmd[3:],
                                     args.repeat))
                if _has("distributed"):
                    optional.append(("batch_dask_local", cmd + ["--engine", "dask"], 1))
                for name, c, rep in optional:
                    try:
                        t, peak = best(c, rep, memory=True)
                    except SystemExit as exc:  # a version without Parquet or Dask
                        print(f"skipped {name}: {exc}", file=sys.stderr)
                        continue
                    figures[f"{name}_s"], figures[f"{name}_peak_mb"] = t, peak / 2**20
    previous = json.loads(args.previous.read_text()) if args.previous.is_file() else {}
    prev = previous.get("figures", {})
    print(f"evsynth end-to-end benchmark ({os.cpu_count()} cores; previous: {previous.get('label', 'none')})")
    print(f"{'figure':<28}{'now':>12}{'previous':>12}{'ratio':>9}")
    for key, value in figures.items():
        unit = "MB" if key.endswith("_mb") else "s"
        old = prev.get(key)
        ratio = f"{old / value:.2f}x" if old and value else "-"
        old_text = f"{old:.3f} {unit}" if old else "-"
        print(f"{key:<28}{value:>10.3f} {unit:<2}{old_text:>11}{ratio:>9}")
    print("ratio = previous / now (above 1: faster or smaller now)")
    print("evsynth run --timings:\n" + "\n".join("  " + line for line in stages.strip().splitlines()))
    if args.save:
        args.save.write_text(json.dumps({"label": args.label, "figures": figures}, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main())
