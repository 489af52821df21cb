"""Where evsynth may write, and replacing a build folder atomically.

evsynth never deletes or overwrites what it did not make. `--out` must be absent, an empty folder, or a previous
evsynth build: a folder whose every file is listed, with the SHA-256 it still has, in its manifest
(`.evsynth-build.json`, written by the build itself). Anything else is refused (a build of an evsynth that wrote
no manifest too: nothing proves its files unchanged, so the user removes it),
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
TEMP_MARKER = ".evsynth-temporary"  # inside a temporary folder while it is written; says which --out it is for
_TEMP = re.compile(r"\.evsynth-(new|old)-\d+-[a-z0-9_]{8}")
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
        hint = ("" if (real / MANIFEST).exists() else "; a build of an evsynth that wrote no manifest (before 0.2) "
                "is not recognised: remove it yourself if it is one")
        raise _refuse(out, f"holds files that evsynth did not make, or changed since ({shown}){hint}",
                      "evsynth replaces only an empty folder or one of its own untouched builds; move them, or "
                      "choose a new folder")


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
    """What in `folder` a build did not make, or changed since (empty when it is empty or an untouched build).
    A manifest vouches only for the files it lists with the SHA-256 they still have."""
    listed = _manifest_files(folder)
    foreign = []
    for rel in _walk(folder):
        if listed is not None:
            if rel.endswith("/"):
                ok = any(f.startswith(rel) for f in listed)
            else:
                ok = rel == MANIFEST or (rel in listed and _sha256(folder / rel) == listed[rel])
        else:  # no manifest (a build of an evsynth before 0.2, or not a build): nothing here is provably ours
            ok = False
        if not ok:
            foreign.append(rel)
            if len(foreign) > 5:
                break
    return foreign


def _sha256(path: Path) -> str | None:
    if path.is_symlink() or not path.is_file():
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _manifest_files(folder: Path) -> dict[str, str] | None:
    path = folder / MANIFEST
    if not path.is_file() or path.is_symlink():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        files = doc["files"]
        if doc.get("made_by") != "evsynth" or not isinstance(files, dict):
            return None
        return {str(k): str(v) for k, v in files.items()}
    except (OSError, ValueError, KeyError, TypeError):
        return None


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


def _temporary(parent: Path, kind: str, out: Path) -> Path:
    """A new temporary folder beside `out` (short name: any --out name fits), marked as evsynth's, for `out`."""
    tmp = Path(tempfile.mkdtemp(prefix=f".evsynth-{kind}-{os.getpid()}-", dir=parent))
    (tmp / TEMP_MARKER).write_text(json.dumps({"for": out.name}), encoding="utf-8")
    return tmp


def _is_ours(p: Path, out: Path) -> bool:
    """A leftover temporary folder of a run for `out`: marked for it, or holding nothing but an untouched build."""
    if not _TEMP.fullmatch(p.name) or p.is_symlink() or not p.is_dir():
        return False
    try:
        return json.loads((p / TEMP_MARKER).read_text(encoding="utf-8")).get("for") == out.name
    except (OSError, ValueError, AttributeError):
        return (p / MANIFEST).is_file() and not _foreign_files(p)


def _recover(parent: Path, out: Path) -> None:
    """Under the lock, every leftover of ours is a killed run's: restore a previous build that a kill left aside
    (only when --out is missing), then remove them. Folders that are not provably ours are never touched."""
    leftovers = [p for p in parent.iterdir() if _is_ours(p, out)]
    if not out.exists():
        for p in leftovers:
            aside = p / out.name
            if p.name.startswith(".evsynth-old-") and aside.is_dir() and not aside.is_symlink():
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
        tmp = _temporary(parent, "new", out)
        aside = None
        try:
            os.chmod(tmp, 0o755)  # mkdtemp makes it private; a build folder is for reading
            _checkpoint("created")
            try:
                write(tmp)
                (tmp / TEMP_MARKER).unlink()
                write_manifest(tmp, version)
            except OSError as exc:
                if exc.filename:
                    raise
                raise OSError(exc.errno, exc.strerror, f"{out} (while writing the new build)") from None
            _checkpoint("written")
            guard_out_dir(out, protect)  # once more: nothing of anyone's arrived at --out while the build was made
            with _signals_blocked():
                if not out.exists():
                    os.rename(tmp, out)
                elif _exchange(tmp, out):
                    _checkpoint("exchanged")  # tmp now holds the previous build
                else:
                    aside = _temporary(parent, "old", out)
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
    if real.exists() and not real.is_file():
        import stat as _stat

        kind = "a folder" if real.is_dir() else ("a FIFO" if _stat.S_ISFIFO(real.stat().st_mode) else "not a regular file")
        raise OutputError(f"{path}: is {kind}; evsynth writes only regular files and does not replace it")
    for p in protect:
        p = Path(p).resolve()
        if real == p and p.suffix == ".toml":
            raise OutputError(f"{path}: is the evidence base's rule set; outputs never replace an input; choose "
                              "another path")
        if _within(real, p):
            raise OutputError(f"{path}: lies inside the evidence base {p}; outputs never go into the base; choose "
                              "another path")
