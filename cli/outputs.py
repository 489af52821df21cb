"""Where evsynth may write, and replacing a build folder atomically.

evsynth never deletes or overwrites what it did not make. `--out` must be absent, an empty folder, or a previous
evsynth build: a folder whose every file is listed in its manifest (`.evsynth-build.json`, written by the build
itself), or a build of an earlier version (only results.json, report.* and figures/). Anything else is refused,
and so are the evidence base, a folder that contains it or lies inside it, the working folder and its parents,
and a symbolic link.

The new build is written into a temporary folder beside `--out` and swapped in with one atomic
renameat2(RENAME_EXCHANGE) where the system has it (Linux), so there is no moment without `--out`; elsewhere two
renames, with SIGINT/SIGTERM blocked between them, and a kill between them is repaired by the next run (the
previous build is restored, not deleted). One run at a time per parent folder (an advisory lock); a second is
told to wait. Leftover temporary folders of killed runs are removed by the next run.
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Callable, Iterator

from evsynth.meta.errors import OutputError

MANIFEST = ".evsynth-build.json"
LEGACY = re.compile(r"(results\.json|report\.html|report\.md|figures(/[A-Za-z0-9_\-]+)*(/[A-Za-z0-9_.\-]+\.(svg|png|pdf))?)")
KILL_AT = "EVSYNTH_TEST_KILL_AT"  # test hook: SIGKILL this process at the named step (tests of the swap)
NO_EXCHANGE = "EVSYNTH_TEST_NO_EXCHANGE"  # test hook: use the two-rename fallback


def _checkpoint(step: str) -> None:
    if os.environ.get(KILL_AT) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def _refuse(out: Path, why: str, todo: str) -> OutputError:
    return OutputError(f"--out {out}: {why}; {todo}")


def _within(a: Path, b: Path) -> bool:
    """a is b or lies inside b."""
    return a == b or b in a.parents


def guard_out_dir(out: Path, protect: tuple[Path, ...] = ()) -> None:
    """Refuse an output folder whose replacement could lose anything evsynth did not make."""
    out = Path(out)
    if out.is_symlink():
        raise _refuse(out, "is a symbolic link", "give the folder it points to, or another --out")
    real = out.resolve()
    todo = "choose a new folder (e.g. --out build)"
    if real == Path(real.anchor):
        raise _refuse(out, "is the root of the file system", todo)
    if real == Path.home().resolve():
        raise _refuse(out, "is your home folder", todo)
    cwd = Path.cwd().resolve()
    if _within(cwd, real):
        raise _refuse(out, "is the working folder or contains it, and a build replaces its --out", todo)
    for p in protect:
        p = Path(p).resolve()
        if _within(p, real):
            raise _refuse(out, f"is or contains the evidence base {p}", todo)
        if _within(real, p):
            raise _refuse(out, f"lies inside the evidence base {p}; outputs never go into the base", todo)
    if not real.exists():
        return
    if not real.is_dir():
        raise _refuse(out, "is a file, not a folder", todo)
    foreign = _foreign_files(real)
    if foreign:
        shown = ", ".join(foreign[:5]) + (" ..." if len(foreign) > 5 else "")
        raise _refuse(out, f"holds files that evsynth did not make ({shown})",
                      "evsynth replaces only an empty folder or one of its own builds; move them, or choose a new "
                      "folder")


def _walk(root: Path, limit: int = 100_000) -> Iterator[str]:
    """Relative paths of every file and folder under root (folders end with '/'), at most `limit`."""
    stack, seen = [root], 0
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            for e in sorted(entries, key=lambda e: e.name):
                rel = Path(e.path).relative_to(root).as_posix()
                seen += 1
                if seen > limit:
                    yield "(more than 100,000 entries)"
                    return
                if e.is_dir(follow_symlinks=False):
                    stack.append(Path(e.path))
                    yield rel + "/"
                else:
                    yield rel


def _foreign_files(folder: Path) -> list[str]:
    """What in `folder` a build did not make (empty when it is empty or a recognised build)."""
    listed = _manifest_files(folder)
    foreign = []
    for rel in _walk(folder):
        if listed is not None:
            ok = rel == MANIFEST or rel in listed or (rel.endswith("/") and any(f.startswith(rel) for f in listed))
        else:
            ok = bool(LEGACY.fullmatch(rel.rstrip("/"))) and _legacy_results(folder)
        if not ok:
            foreign.append(rel)
            if len(foreign) > 5:
                break
    return foreign


def _manifest_files(folder: Path) -> set[str] | None:
    path = folder / MANIFEST
    if not path.is_file() or path.is_symlink():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        files = doc["files"]
        if doc.get("made_by") != "evsynth" or not isinstance(files, dict):
            return None
        return set(files)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _legacy_results(folder: Path) -> bool:
    """A build made before manifests: its results.json is evsynth's."""
    try:
        doc = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        return isinstance(doc, dict) and "tool" in doc and "analyses" in doc
    except (OSError, ValueError):
        return False


def write_manifest(folder: Path, version: str) -> None:
    """List every file of the build with its SHA-256 (sorted, no date: builds stay byte-identical)."""
    files = {}
    for rel in _walk(folder):
        if not rel.endswith("/"):
            files[rel] = hashlib.sha256((folder / rel).read_bytes()).hexdigest()
    doc = {"made_by": "evsynth", "version": version, "files": dict(sorted(files.items()))}
    (folder / MANIFEST).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where the system cannot."""
    if os.environ.get(NO_EXCHANGE):
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends (the swap is then complete)."""
    sigs = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextlib.contextmanager
def _locked(parent: Path, out: Path) -> Iterator[None]:
    """One evsynth build at a time in this parent folder (flock on the folder itself: no lock file)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(parent, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(f"--out {out}: another evsynth run is writing there now; run again when it has "
                              "finished") from None
        yield
    finally:
        os.close(fd)


def _leftovers(parent: Path, name: str) -> list[Path]:
    pattern = re.compile(re.escape(f".{name}.") + r"(new|old)-\d+-[A-Za-z0-9_]+")
    return [p for p in parent.iterdir() if pattern.fullmatch(p.name) and p.is_dir() and not p.is_symlink()]


def _recover(parent: Path, out: Path) -> None:
    """Under the lock, every leftover is a killed run's: restore a previous build that a kill left aside (only
    when --out is missing), then remove the rest."""
    leftovers = _leftovers(parent, out.name)
    if not out.exists():
        for p in leftovers:
            aside = p / out.name
            if ".old-" in p.name and aside.is_dir():
                os.replace(aside, out)
                break
    for p in leftovers:
        shutil.rmtree(p, ignore_errors=True)


def prepare_out(out: Path, protect: tuple[Path, ...] = ()) -> None:
    """Before any work: refuse a forbidden --out, and repair what a killed run left (restore a previous build a
    kill left aside; remove temporary folders)."""
    guard_out_dir(out, protect)
    real = Path(out).resolve()
    if real.parent.is_dir():
        with _locked(real.parent, Path(out)):
            _recover(real.parent, real)


def replace_build(out: Path, write: Callable[[Path], None], version: str, protect: tuple[Path, ...] = ()) -> None:
    """Let `write` fill a new temporary folder beside `out`, add the manifest, and swap it in atomically; the
    previous build (if any) is removed only after the new one is in place."""
    out = Path(out)
    guard_out_dir(out, protect)
    out = out.resolve()
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    with _locked(parent, out):
        _recover(parent, out)
        guard_out_dir(out, protect)  # again under the lock: what is there now is what gets replaced
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-{os.getpid()}-", dir=parent))
        aside = None
        try:
            os.chmod(tmp, 0o755)  # mkdtemp makes it private; a build folder is for reading
            _checkpoint("created")
            try:
                write(tmp)
                write_manifest(tmp, version)
            except OSError as exc:
                if exc.filename:
                    raise
                raise OSError(exc.errno, exc.strerror, f"{out} (while writing the new build)") from None
            _checkpoint("written")
            with _signals_blocked():
                if not out.exists():
                    os.rename(tmp, out)
                elif _exchange(tmp, out):
                    _checkpoint("exchanged")  # tmp now holds the previous build
                else:
                    aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-{os.getpid()}-", dir=parent))
                    os.rename(out, aside / out.name)
                    _checkpoint("moved-aside")
                    os.rename(tmp, out)
                    _checkpoint("moved-in")
        finally:
            if aside is not None and not out.exists() and (aside / out.name).is_dir():
                os.replace(aside / out.name, out)  # the swap failed half-way: put the previous build back
            for p in (tmp, aside):
                if p is not None and p.exists():
                    shutil.rmtree(p, ignore_errors=True)


def guard_out_file(path: Path, protect: tuple[Path, ...] = ()) -> None:
    """An output file (a figure, a JUnit report) never goes into the evidence base."""
    real = Path(path).resolve()
    for p in protect:
        if _within(real, Path(p).resolve()):
            raise OutputError(f"{path}: lies inside the evidence base {Path(p).resolve()}; outputs never go into "
                              "the base; choose another path")
