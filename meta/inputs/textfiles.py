"""Reading an input file's text safely, with clear errors, and a record of exactly what was read; writing an output
file atomically.

Only regular files are read: a FIFO, a device, a socket or a folder is refused before any byte is read (a FIFO
would block forever, /dev/zero never ends). The size limit is enforced while reading, not from `st_size` (which
is 0 for devices and pipes). Inside an evidence base (`root`), a symbolic link may point only to a file inside
the base. Every file read inside a `reading_log()` is recorded with the SHA-256 of the bytes that were parsed,
so results can name exactly the data they came from.

Kept free of numpy and pandas so that `evsynth validate` starts quickly.
"""
from __future__ import annotations

import contextlib
import contextvars
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from ..errors import CellProblem, SchemaError

MAX_BYTES = 200 * 1024 * 1024
_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileRead:
    """One file as it was read: its path, size and the SHA-256 of its bytes."""

    path: Path
    bytes: int
    sha256: str


_LOG: contextvars.ContextVar[list[FileRead] | None] = contextvars.ContextVar("evsynth_read_log", default=None)


@contextlib.contextmanager
def reading_log() -> Iterator[list[FileRead]]:
    """Collect every file `read_bytes_safely` reads inside the block (in the order read).

    Yields
    ------
    list of FileRead
        The log, filled as files are read; it keeps its entries after the block.
    """
    log: list[FileRead] = []
    token = _LOG.set(log)
    try:
        yield log
    finally:
        _LOG.reset(token)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def _fail(name: str, reason: str) -> SchemaError:
    return SchemaError([CellProblem(name, None, None, reason)])


def read_bytes_safely(path: str | Path, root: str | Path | None = None, limit: int | None = None) -> bytes:
    """The bytes of a regular file, at most `limit` (default MAX_BYTES) of them; with `root`, a symbolic link must
    stay inside it.

    Parameters
    ----------
    path : str or Path
        The file.
    root : str or Path, optional
        The evidence base's folder: a symbolic link, and the file's real path, must stay inside it.
    limit : int, optional
        The most bytes read (default MAX_BYTES, 200 MiB).

    Returns
    -------
    bytes
        The file's bytes (recorded in the active :func:`reading_log`, if any).

    Raises
    ------
    SchemaError
        The file does not exist, cannot be opened, is not a regular file, leaves `root`, or is larger than `limit`.
    """
    limit = MAX_BYTES if limit is None else limit
    p = Path(path)
    name = str(path)
    try:
        lst = os.lstat(p)
    except FileNotFoundError:
        raise _fail(name, "file not found") from None
    except OSError as exc:
        raise _fail(name, f"cannot be read: {exc.strerror}") from None
    if stat.S_ISLNK(lst.st_mode) and root is not None:
        try:
            target = p.resolve(strict=True)
        except (RuntimeError, OSError):  # a loop of links, or a link to nothing
            raise _fail(name, "is a symbolic link that loops or leads nowhere; copy the file in instead") from None
        if not target.is_relative_to(Path(root).resolve()):
            raise _fail(name, f"is a symbolic link to {target}, outside the evidence base; copy the file in instead")
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise _fail(name, "file not found (or a broken symbolic link)") from None
    except IsADirectoryError:
        raise _fail(name, "is a folder, not a file") from None
    except OSError as exc:
        raise _fail(name, f"cannot be opened: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _fail(name, f"is {_kind(st.st_mode)}, not a regular file; evidence is read only from files")
        if root is not None:
            # a hard or symbolic link swapped in between the checks still has to resolve inside the base
            real = Path(os.path.realpath(p))
            if not real.is_relative_to(Path(root).resolve()):
                raise _fail(name, f"resolves to {real}, outside the evidence base")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, _CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise _fail(name, f"is larger than the limit of {limit} bytes")
            chunks.append(chunk)
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    log = _LOG.get()
    if log is not None:
        log.append(FileRead(p, len(raw), hashlib.sha256(raw).hexdigest()))
    return raw


def read_text(path: str | Path, root: str | Path | None = None) -> str:
    """A file's text (UTF-8, BOM allowed), or a SchemaError naming the file: missing, not a regular file, a
    symbolic link out of `root`, too big, not UTF-8, or empty.

    Parameters
    ----------
    path : str or Path
        The file.
    root : str or Path, optional
        The evidence base's folder (see :func:`read_bytes_safely`).

    Returns
    -------
    str
        The decoded text, without its BOM.

    Raises
    ------
    SchemaError
        See above; a non-UTF-8 byte names its line.
    """
    name = str(path)
    raw = read_bytes_safely(path, root)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SchemaError([CellProblem(name, line, None, f"bytes are not UTF-8 (byte {exc.start}); save the file as "
                                       "UTF-8")]) from None
    if not text.strip():
        raise _fail(name, "file is empty")
    return text


def write_atomically(path: str | Path, write: Callable[[BinaryIO], None]) -> None:
    """Write a file through `write(fh)` into a new, uniquely named temporary file beside it (O_EXCL: never through a
    link someone planted), then rename it over `path`. An existing `path` that is not a regular file (a device, a
    FIFO, a folder) is refused; a symbolic link at `path` is replaced, never its target.

    Parameters
    ----------
    path : str or Path
        The file to write (its folder must exist).
    write : callable
        ``write(fh)`` writes the content to a binary file object.

    Raises
    ------
    OutputError
        `path` exists and is neither a regular file nor a symbolic link.
    """
    from ..errors import OutputError

    path = Path(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    if st is not None and not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
        raise OutputError(f"{path}: is {_kind(st.st_mode)}; evsynth writes only regular files and does not replace it")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:60]}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
