"""Forked worker processes that stay quiet: Ctrl-C and SIGTERM are the parent's to handle."""
from __future__ import annotations

import ctypes
import signal


def quiet_worker() -> None:
    """In a forked worker: ignore Ctrl-C (the parent stops the pool), die silently on SIGTERM (which the parent's
    pool sends when it stops), and on Linux die with the parent, so an interrupted or killed run leaves no orphan
    printing tracebacks into a closed pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (AttributeError, OSError):
        pass
