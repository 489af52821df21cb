"""Atomic, reproducible outputs: a killed `evsynth run` leaves the previous build intact, and no command rewrites
the evidence."""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from evsynth.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "evidence" / "baclofen"


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_killing_a_run_leaves_the_previous_build(tmp_path):
    out = tmp_path / "build"
    first = CliRunner().invoke(main, ["run", "--evidence", str(BASE), "--out", str(out), "--quiet", "--no-figures"])
    assert first.exit_code in (0, 1), first.output
    before = digest(out)
    # a full run (figures take seconds); kill it while it draws
    proc = subprocess.Popen([sys.executable, "-m", "evsynth.cli.main", "run", "--evidence", str(BASE), "--out",
                             str(out), "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and not any(p.name.startswith(".evsynth-new-") and (p / "results.json").exists()
                                             for p in tmp_path.iterdir()):
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert digest(out) == before  # the previous build, byte for byte
    assert any(p.name.startswith(".evsynth-new-") for p in tmp_path.iterdir())  # the killed run's leftovers
    again = CliRunner().invoke(main, ["run", "--evidence", str(BASE), "--out", str(out), "--quiet", "--no-figures"])
    assert again.exit_code in (0, 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]  # the next run cleared them
    assert digest(out) == before


def test_no_command_rewrites_the_evidence(tmp_path):
    root = tmp_path / "evidence"
    shutil.copytree(BASE, root / "baclofen")
    shutil.copy(BASE.parent / "grading.toml", root / "grading.toml")
    base = root / "baclofen"
    before = digest(root)
    stamps = {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}
    runner = CliRunner()
    for args in (["validate", base], ["check", base], ["check", base, "--format", "json"],
                 ["run", "--evidence", base, "--out", tmp_path / "b", "--quiet", "--no-figures"],
                 ["diff", base, base], ["forest", "aud_abstinence", "--evidence", base, "--out", tmp_path / "f.svg"],
                 ["pool", base / "tables" / "binary.csv", "--measure", "RR", "--by", "outcome", "--format", "json"]):
        res = runner.invoke(main, [str(a) for a in args])
        assert "Traceback" not in res.output, args
    assert digest(root) == before
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()} == stamps
