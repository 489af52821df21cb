"""Exit codes, each meaning one thing, and the one place that turns a failure into a message and a code.

    0    ok
    1    a documented claim fails (`evsynth check`, `evsynth run`)
    2    bad input, bad usage, or an environment problem (disk full, read-only folder, unreachable scheduler):
         one message naming the file, line and column, or the path or address; nothing is written
    130  interrupted by SIGINT (Ctrl-C); 143 terminated by SIGTERM: temporary files removed, the previous output kept
    141  the reader of the output went away (`evsynth check | head`), as a SIGPIPE would end a shell tool

No traceback is shown unless `--debug` is given (before the command).
"""
from __future__ import annotations

import errno
import functools
import signal
import sys
from typing import Callable

import click

EXIT_OK, EXIT_CLAIM_FAILED, EXIT_BAD_INPUT = 0, 1, 2
EXIT_SIGINT, EXIT_SIGTERM, EXIT_SIGPIPE = 130, 143, 141

_OS_HINTS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exhausted",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOENT: "no such file or folder",
    errno.ECONNREFUSED: "connection refused",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ETIMEDOUT: "timed out",
}


def _debug() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and (ctx.find_root().obj or {}).get("debug"))


def echo(text: str = "", err: bool = False, nl: bool = True) -> None:
    """click.echo for everything evsynth prints: each line with its control characters and direction overrides
    shown as escapes, so data can never drive the terminal (colours, cursor moves, a reversed line)."""
    from evsynth.meta.errors import visible

    click.echo("\n".join(visible(line) for line in str(text).split("\n")), err=err, nl=nl)


def _say(message: str) -> None:
    echo(message, err=True)


def os_message(exc: OSError) -> str:
    """One line naming what failed and where."""
    what = _OS_HINTS.get(exc.errno or -1, exc.strerror or type(exc).__name__)
    where = " -> ".join(str(f) for f in (exc.filename, exc.filename2) if f)
    return f"{what}: {where}" if where else f"{what} ({exc})"


_RECEIVED: list[int] = []  # the interrupting signals received, so that an error they cause reads as what it is


def interrupted(signum: int) -> int:
    _say("interrupted: " + ("SIGTERM" if signum == signal.SIGTERM else "SIGINT")
         + "; nothing was written (temporary files removed, earlier outputs kept)")
    return EXIT_SIGTERM if signum == signal.SIGTERM else EXIT_SIGINT


def _leave(code: int) -> None:
    """Exit after an interruption. Cleanup has run (the `finally` blocks); an interpreter shutting down while a
    signal left an extension module half-initialised or a pool thread half-stopped can abort, so leave at once."""
    import os

    if not _RECEIVED:  # raised in the program (a test, a KeyboardInterrupt of its own): an ordinary exit
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def handle_errors(func: Callable) -> Callable:
    """Run a command: our errors exit 2 with their message, OS errors exit 2 with the path, an interruption exits
    130/143 after cleanup, and anything unexpected exits 2 with one line (--debug shows the traceback)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from evsynth.meta.errors import EvidenceError, Interrupted

        try:
            return func(*args, **kwargs)
        except (SystemExit, click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            _leave(interrupted(signal.SIGINT))
        except BrokenPipeError:  # `evsynth check | head`: the reader left; say nothing more, as SIGPIPE would
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_SIGPIPE)
        except Interrupted as exc:
            _leave(interrupted(exc.signum))
        except Exception as exc:  # noqa: BLE001 - the one place every failure becomes a message and exit 2
            if _RECEIVED:  # e.g. an ImportError "initialization failed": a signal arrived inside an import
                _leave(interrupted(_RECEIVED[-1]))
            if _debug():
                raise
            if isinstance(exc, EvidenceError):
                _say(f"error: {exc}")
            elif isinstance(exc, OSError):
                _say(f"error: {os_message(exc)}")
            elif isinstance(exc, MemoryError):
                _say("error: out of memory; the input is too large for this machine")
            else:
                _say(f"error: unexpected {type(exc).__name__}: {exc} (this is a bug in evsynth; run "
                     "`evsynth --debug ...` for the traceback and report it)")
            sys.exit(EXIT_BAD_INPUT)

    return wrapper


def _terminate(signum, frame):
    from evsynth.meta.errors import Interrupted

    _RECEIVED.append(signum)
    raise Interrupted(signum)


def _interrupt(signum, frame):
    _RECEIVED.append(signum)
    raise KeyboardInterrupt


def install_signal_handlers() -> None:
    """SIGTERM unwinds like Ctrl-C does (so `finally` blocks remove temporary folders), then exits 143."""
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, _interrupt)
