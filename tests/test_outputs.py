"""Never delete what evsynth did not make (issue 14): --out rules on real folders of user files, the atomic swap
killed at every step (with renameat2 and with the two-rename fallback), SIGINT/SIGTERM, one run at a time, and OS
errors (a full disk, a read-only folder) as exit 2 with one line."""
from __future__ import annotations

import errno
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from evsynth.cli import outputs
from evsynth.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "evidence" / "baclofen"
STEPS_EXCHANGE = ("created", "written", "exchanged")
STEPS_FALLBACK = ("created", "written", "moved-aside", "moved-in")


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def base(tmp_path) -> Path:
    root = tmp_path / "evidence"
    shutil.copytree(BASE, root / "baclofen")
    shutil.copy(BASE.parent / "grading.toml", root / "grading.toml")
    return root / "baclofen"


def user_files(folder: Path) -> dict[str, str]:
    (folder / "thesis").mkdir(parents=True, exist_ok=True)
    (folder / "thesis" / "chapter1.tex").write_text("\\chapter{Mine}")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff" + b"x" * 100)
    return digest(folder)


def run(args, cwd=None):
    old = os.getcwd()
    if cwd:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(main, [str(a) for a in args])
    finally:
        os.chdir(old)


@pytest.mark.parametrize("where", ["documents", "base", "base_parent", "inside_base", "cwd", "cwd_parent", "file",
                                   "symlink"])
def test_out_that_would_lose_user_files_is_refused(tmp_path, base, where):
    docs = tmp_path / "Documents"
    docs.mkdir()
    mine = user_files(docs)
    work = docs / "project"
    work.mkdir()
    everything = digest(tmp_path)
    target = {"documents": docs, "base": base, "base_parent": base.parent, "inside_base": base / "tables",
              "cwd": work, "cwd_parent": docs, "file": docs / "photo.jpg", "symlink": tmp_path / "link"}[where]
    if where == "symlink":
        (tmp_path / "link").symlink_to(docs)
    res = run(["run", "--evidence", base, "--out", target, "--quiet", "--no-figures"], cwd=work)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and "--out" in res.output
    if where != "file":  # (click itself refuses a file for a folder option, with its usage line)
        assert res.output.startswith("error: --out") and len(res.output.strip().splitlines()) == 1
    assert digest(docs) == mine  # the user's files, byte for byte
    assert digest(tmp_path) == everything  # and nothing else written anywhere
    assert not [p for p in tmp_path.rglob(".*new-*")]


def test_out_may_be_absent_empty_or_an_earlier_build(tmp_path, base):
    for out in (tmp_path / "new", tmp_path / "empty"):
        if out.name == "empty":
            out.mkdir()
        res = run(["run", "--evidence", base, "--out", out, "--quiet", "--no-figures"])
        assert res.exit_code in (0, 1), res.output
        manifest = (out / outputs.MANIFEST).read_text()
        listed = set(__import__("json").loads(manifest)["files"])
        assert listed == {"results.json", "report.html", "report.md"}
    again = run(["run", "--evidence", base, "--out", tmp_path / "new", "--quiet", "--no-figures"])
    assert again.exit_code in (0, 1)  # an earlier build is replaced
    (tmp_path / "new" / "notes.txt").write_text("I wrote this into the build folder")
    res = run(["run", "--evidence", base, "--out", tmp_path / "new", "--quiet", "--no-figures"])
    assert res.exit_code == 2 and "notes.txt" in res.output
    assert (tmp_path / "new" / "notes.txt").read_text() == "I wrote this into the build folder"


def test_a_build_without_a_manifest_is_not_replaced(tmp_path, base):
    """An evsynth before 0.2 wrote no manifest: nothing proves such a folder's files unchanged (a user's edited
    report, a photo in figures/), so it is refused with what to do."""
    out = tmp_path / "build"
    assert run(["run", "--evidence", base, "--out", out, "--quiet", "--no-figures"]).exit_code in (0, 1)
    (out / outputs.MANIFEST).unlink()  # as an older evsynth left it
    (out / "report.md").write_text("my edited report")
    res = run(["run", "--evidence", base, "--out", out, "--quiet", "--no-figures"])
    assert res.exit_code == 2 and "no manifest" in res.output and "remove it yourself" in res.output
    assert (out / "report.md").read_text() == "my edited report"


def test_a_manifest_cannot_vouch_for_files_it_does_not_list(tmp_path, base):
    out = tmp_path / "build"
    out.mkdir()
    (out / outputs.MANIFEST).write_text('{"made_by": "evsynth", "files": {"results.json": "x"}}')
    (out / "results.json").write_text("{}")
    (out / "diary.txt").write_text("private")
    res = run(["run", "--evidence", base, "--out", out, "--quiet", "--no-figures"])
    assert res.exit_code == 2 and "diary.txt" in res.output
    assert (out / "diary.txt").read_text() == "private"


def _variant(base: Path, title: str) -> None:
    path = base / "analyses.toml"
    text = path.read_text()
    path.write_text(text.replace('title = "Alcohol use disorder: abstinence, baclofen vs placebo (randomised trials)"',
                                 f'title = "{title}"', 1))


def _cli(args, env=None):
    return subprocess.run([sys.executable, "-m", "evsynth.cli.main", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


@pytest.mark.parametrize("mode, step", [("exchange", s) for s in STEPS_EXCHANGE]
                         + [("fallback", s) for s in STEPS_FALLBACK])
def test_killed_at_every_step_of_the_swap(tmp_path, base, mode, step):
    out = tmp_path / "build"
    env = {outputs.NO_EXCHANGE: "1"} if mode == "fallback" else {}
    assert _cli(["run", "--evidence", base, "--out", out, "--quiet", "--no-figures"], env).returncode in (0, 1)
    old = digest(out)
    _variant(base, "Second version")
    killed = _cli(["run", "--evidence", base, "--out", out, "--quiet", "--no-figures"],
                  env | {outputs.KILL_AT: step})
    assert killed.returncode == -signal.SIGKILL
    if out.exists():  # either the previous build or the new one, whole, never a mixture
        now = digest(out)
        new_title = "Second version" in (out / "report.md").read_text()
        assert now == old or new_title, step
        if new_title:
            assert set(now) == set(old)
    else:
        assert step == "moved-aside"  # the one step without --out, repaired by the next run
    # the next run (even one that stops at once on bad input) restores or cleans up, and never loses the build
    (base / "tables" / "binary.csv").write_text((base / "tables" / "binary.csv").read_text() + "broken,row\n")
    bad = _cli(["run", "--evidence", base, "--out", out, "--quiet", "--no-figures"], env)
    assert bad.returncode == 2
    assert out.is_dir() and (digest(out) == old or "Second version" in (out / "report.md").read_text())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "evidence"]


def _wait_for_temp(parent: Path, proc, what="results.json") -> None:
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if any(p.name.startswith(".evsynth-new-") and (p / what).exists() for p in parent.iterdir()):
            return
        time.sleep(0.05)
    raise AssertionError("the run ended before it could be interrupted")


@pytest.mark.parametrize("sig, code, group", [(signal.SIGTERM, 143, False), (signal.SIGINT, 130, False),
                                              (signal.SIGTERM, 143, True), (signal.SIGINT, 130, True)])
def test_interrupted_run_cleans_up_and_exits_130_or_143(tmp_path, base, sig, code, group):
    out = tmp_path / "build"
    assert _cli(["run", "--evidence", base, "--out", out, "--quiet", "--no-figures"]).returncode in (0, 1)
    before = digest(out)
    proc = subprocess.Popen([sys.executable, "-m", "evsynth.cli.main", "run", "--evidence", str(base), "--out",
                             str(out), "--quiet", "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    _wait_for_temp(tmp_path, proc)
    (os.killpg if group else os.kill)(proc.pid, sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert "Traceback" not in err and "Error" not in err, err  # no worker tracebacks either
    assert err.strip().splitlines() == [err.strip().splitlines()[0]] and err.startswith("interrupted:"), err
    assert digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "evidence"]


def test_a_second_run_while_one_writes_is_told_to_wait(tmp_path, base):
    import fcntl

    out = tmp_path / "build"
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a run in progress holds it
        res = run(["run", "--evidence", base, "--out", out, "--quiet", "--no-figures"])
    finally:
        os.close(fd)
    assert res.exit_code == 2 and "another evsynth run" in res.output
    assert not out.exists()


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "disk is full"), (errno.EROFS, "read-only"),
                                         (errno.EACCES, "permission denied")])
def test_os_errors_exit_2_with_the_path_and_keep_the_previous_build(tmp_path, base, monkeypatch, code, words):
    out = tmp_path / "build"
    assert run(["run", "--evidence", base, "--out", out, "--quiet", "--no-figures"]).exit_code in (0, 1)
    before = digest(out)
    real = Path.write_text

    def failing(self, *a, **k):
        if self.name == "report.md":
            raise OSError(code, os.strerror(code), str(self))
        return real(self, *a, **k)

    monkeypatch.setattr(Path, "write_text", failing)
    res = run(["run", "--evidence", base, "--out", out, "--quiet", "--no-figures"])
    assert res.exit_code == 2, res.output
    assert words in res.output and "report.md" in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1
    monkeypatch.setattr(Path, "write_text", real)
    assert digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "evidence"]


def _mount_tmpfs(where: Path, options: str) -> bool:
    where.mkdir()
    ok = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True).returncode
    return ok == 0


@pytest.mark.parametrize("options, words", [("size=64k", "disk is full"), ("ro,size=64k", "read-only")])
def test_a_real_full_or_read_only_file_system(tmp_path, base, options, words):
    mnt = tmp_path / "mnt"
    if not _mount_tmpfs(mnt, options):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        res = _cli(["run", "--evidence", base, "--out", mnt / "build", "--quiet", "--no-figures"])
        assert res.returncode == 2, res.stderr
        assert words in res.stderr and str(mnt) in res.stderr and "Traceback" not in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1
        assert not (mnt / "build").exists()
        assert not [p for p in mnt.iterdir()] or options.startswith("ro")
    finally:
        subprocess.run(["umount", str(mnt)])


def test_figure_paths_stay_inside_the_output_folder(tmp_path):
    from evsynth.figures.catalogue import inside

    assert inside(tmp_path, "figures/a/forest") == tmp_path / "figures/a/forest"
    for bad in ("figures/../../x", "../outside", "/etc/passwd", "figures/a/../../../x"):
        with pytest.raises(ValueError):
            inside(tmp_path, bad)


def test_planted_temporary_names_never_redirect_a_write(tmp_path, base):
    target = tmp_path / "precious.txt"
    target.write_text("mine")
    junit = tmp_path / "check.xml"
    for name in ("check.xml.tmp", ".check.xml.tmp"):
        (tmp_path / name).symlink_to(target)
    stem = tmp_path / "fig"
    for name in (".fig.svg.tmp", "fig.svg.tmp"):
        (tmp_path / name).symlink_to(target)
    assert run(["check", base, "--junit", junit]).exit_code in (0, 1)
    assert run(["forest", "aud_abstinence", "--evidence", base, "--out", stem, "--format", "svg"]).exit_code == 0
    assert target.read_text() == "mine"
    assert junit.read_text().startswith("<?xml") and (tmp_path / "fig.svg").stat().st_size > 1000


def test_a_changed_or_forged_build_is_not_replaced(tmp_path, base):
    out = tmp_path / "build"
    assert run(["run", "--evidence", base, "--out", out, "--quiet", "--no-figures"]).exit_code in (0, 1)
    (out / "report.md").write_text("my edits to the report")  # listed in the manifest, but changed since
    res = run(["run", "--evidence", base, "--out", out, "--quiet", "--no-figures"])
    assert res.exit_code == 2 and "report.md" in res.output
    assert (out / "report.md").read_text() == "my edits to the report"
    forged = tmp_path / "forged"
    forged.mkdir()
    (forged / "thesis.tex").write_text("years of work")
    (forged / outputs.MANIFEST).write_text('{"made_by": "evsynth", "files": {"thesis.tex": "0000"}}')
    res = run(["run", "--evidence", base, "--out", forged, "--quiet", "--no-figures"])
    assert res.exit_code == 2 and (forged / "thesis.tex").read_text() == "years of work"


def test_files_that_arrive_at_out_during_the_run_are_kept(tmp_path, base, monkeypatch):
    from evsynth.cli import report

    out = tmp_path / "build"
    assert run(["run", "--evidence", base, "--out", out, "--quiet", "--no-figures"]).exit_code in (0, 1)
    real = report.render

    def meanwhile(results, folder, *rest):  # the user saves a file into build/ while the run works
        (out / "saved-meanwhile.txt").write_text("do not lose me")
        return real(results, folder, *rest)

    monkeypatch.setattr(report, "render", meanwhile)
    res = run(["run", "--evidence", base, "--out", out, "--quiet", "--no-figures"])
    assert res.exit_code == 2 and "saved-meanwhile.txt" in res.output
    assert (out / "saved-meanwhile.txt").read_text() == "do not lose me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "evidence"]


def test_folders_that_only_look_like_leftovers_are_never_removed(tmp_path, base):
    for name in (".build.old-2024-backup", ".build.new-1-mine", ".evsynth-new-1-abcdefgh", ".evsynth-old-2-mine"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "keep.txt").write_text(name)
    assert run(["run", "--evidence", base, "--out", tmp_path / "build", "--quiet", "--no-figures"]).exit_code in (0, 1)
    for name in (".build.old-2024-backup", ".build.new-1-mine", ".evsynth-new-1-abcdefgh", ".evsynth-old-2-mine"):
        assert (tmp_path / name / "keep.txt").read_text() == name


def test_an_out_name_of_255_bytes_works(tmp_path, base):
    out = tmp_path / ("b" * 255)
    assert run(["run", "--evidence", base, "--out", out, "--quiet", "--no-figures"]).exit_code in (0, 1)
    assert (out / "results.json").is_file()


def test_a_killed_run_leaves_no_orphan_printing_tracebacks(tmp_path, base):
    out = tmp_path / "build"
    err = tmp_path / "stderr.txt"
    with open(err, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "evsynth.cli.main", "run", "--evidence", str(base), "--out",
                                 str(out), "--quiet", "--jobs", "2"], stdout=subprocess.DEVNULL, stderr=fh,
                                start_new_session=True)
        _wait_for_temp(tmp_path, proc, "figures")
        os.kill(proc.pid, signal.SIGKILL)  # the parent only: its workers must not live on
        proc.wait()
        time.sleep(3)
    assert "Traceback" not in err.read_text() and "BrokenPipe" not in err.read_text()
    alive = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert not alive


def test_a_full_disk_stops_the_figures_with_one_line(tmp_path, base):
    mnt = tmp_path / "mnt"
    if not _mount_tmpfs(mnt, "size=600k"):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        res = _cli(["run", "--evidence", base, "--out", mnt / "build", "--quiet", "--jobs", "2"])
        assert res.returncode == 2, res.stderr
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and "disk is full" in lines[0] and str(mnt) in lines[0], res.stderr
        assert not (mnt / "build").exists() and not list(mnt.iterdir())
    finally:
        subprocess.run(["umount", str(mnt)])


def test_a_closed_pipe_exits_141_quietly(tmp_path):
    big = tmp_path / "big.csv"  # an output far larger than a pipe's buffer, so the reader surely leaves first
    big.write_text("study,g,yi,vi\n" + "".join(f"s{i},g{i // 2},0.{i % 9 + 1},0.2\n" for i in range(20_000)))
    proc = subprocess.run(["bash", "-c", f"{sys.executable} -m evsynth.cli.main pool {big} --measure GEN --by g "
                           "--format table | head -1; exit ${PIPESTATUS[0]}"], capture_output=True, text=True)
    assert proc.returncode == 141 and "Traceback" not in proc.stderr and "error" not in proc.stderr, proc.stderr
    assert proc.stdout.strip()
