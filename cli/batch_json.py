"""The `pool --by --format json` text, its groups split across processes on a multi-core machine.

Each process pools one run of consecutive groups (`pool_records(..., part=(i, n))`) and encodes it; the parent
joins the runs in group order, so the text is byte-identical to a single process's. Children are forked after the
table is loaded (POSIX only); a child that fails is redone in the parent, so a failure costs time, not output.
"""
from __future__ import annotations

import json
import os
import signal

from evsynth.meta.processes import quiet_worker

# below this many table rows a second process costs more than it saves
PARALLEL_ROWS = 20_000


def default_jobs(rows: int) -> int:
    if rows < PARALLEL_ROWS or not hasattr(os, "fork"):
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


def batch_json(model: tuple, studies: bool, jobs: int, write) -> list[str]:
    """Write the JSON array of every group's record through `write` (part by part, in group order, so the whole
    text is never held at once); return the groups' error messages in group order."""
    out = _Joiner(write)
    if jobs <= 1 or not hasattr(os, "fork"):
        body, errors = _part(model, studies, (0, 1))
        out.add(body)
        out.close()
        return errors
    children = [_fork(model, studies, (i, jobs)) for i in range(1, jobs)]
    try:
        body, errors = _part(model, studies, (0, jobs))
        out.add(body)
        del body
        for i, (pid, fd) in enumerate(children, start=1):
            with os.fdopen(fd, "rb") as pipe:
                data = pipe.read()
            ok = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
            children[i - 1] = (0, -1)
            if ok:
                head, _, rest = data.partition(b"\n")
                del data
                part_errors = json.loads(head)
                out.add(rest.decode("utf-8"))
            else:
                body, part_errors = _part(model, studies, (i, jobs))
                out.add(body)
            errors.extend(part_errors)
    finally:
        for pid, fd in children:  # only left when the parent itself failed or was interrupted
            if pid:
                os.close(fd)
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                os.waitpid(pid, 0)
    out.close()
    return errors


class _Joiner:
    """Writes '[' part ',' part ... ']' as the parts arrive (empty parts skipped)."""

    def __init__(self, write) -> None:
        self.write, self.first = write, True
        write("[")

    def add(self, body: str) -> None:
        if body:
            self.write(body if self.first else "," + body)
            self.first = False

    def close(self) -> None:
        self.write("]\n")


def _part(model: tuple, studies: bool, part: tuple[int, int]) -> tuple[str, list[str]]:
    from evsynth.meta.engine.records import pool_records

    records = pool_records(*model, studies=studies, part=part)
    text = json.dumps(records, separators=(",", ":"), allow_nan=False, check_circular=False)
    return text[1:-1], [r["error"] for r in records if "error" in r]


def _fork(model: tuple, studies: bool, part: tuple[int, int]) -> tuple[int, int]:
    """Start a child that writes its errors (one JSON line) and then its records' text to a pipe."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 1
        try:
            quiet_worker()
            os.close(read)
            body, errors = _part(model, studies, part)
            with os.fdopen(write, "wb") as pipe:
                pipe.write(json.dumps(errors).encode("utf-8") + b"\n" + body.encode("utf-8"))
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    return pid, read
