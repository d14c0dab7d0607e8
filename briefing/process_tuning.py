"""How the GUI process is tuned for one GUI thread beside busy worker threads (no Qt here).

The settings were measured with bench/soak.py (the app for minutes with 50 symbols polled and
30 feeds refreshed): see each function.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

GUI_SWITCH_INTERVAL_S = 0.0002
_PYTHON_LANE = threading.RLock()
MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # glibc's mallopt parameter


def shorten_gil_turns() -> None:
    """Workers (feed parsing, tagging, yfinance) hold the GIL in turns of the switch interval while
    the GUI thread waits: 1 ms instead of Python's 5 halved the soak's p99 lateness (14 -> 5-7 ms).
    0.2 ms: the GUI thread gives up the GIL in every call into Qt and waits up to a turn to get it
    back, so code that makes many calls (a watchlist quote batch: ~700) waits that many turns. With
    two busy Python threads a 50-row batch took 67-76 ms median at 1 ms, 31-45 ms at 0.2 ms; two
    or three threads' pure-Python work took as long at either (bench-style runs, side by side)."""
    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)


def limit_malloc_arenas() -> bool:
    """At most two glibc malloc arenas, before any worker thread starts.

    glibc gives each thread that allocates concurrently an arena of its own (up to 8 per core),
    and freed memory stays in the arena it came from. In the soak, RSS grew 9-12 MB over a run
    without the limit and 1-8 MB with it; peaks were 263-298 MB without and 247-285 MB with (the
    spread between runs is not only the arenas). Left alone when MALLOC_ARENA_MAX is set (the
    user's choice) or libc is not glibc.
    Returns whether the limit was set."""
    if os.environ.get("MALLOC_ARENA_MAX") or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others: no mallopt
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt(_M_ARENA_MAX, MALLOC_ARENAS) == 1


@contextmanager
def loading_for_good() -> Iterator[None]:
    """Around imports on a worker: no garbage collection while they run, their objects frozen after.

    Imports create ~100,000 objects that live as long as the process. A full collection among
    them holds the GIL, so stops the GUI thread too, for 40-100 ms (seen in the soak during
    start-up's imports); frozen (gc.freeze), no later collection looks at them again.
    Collections stay off only if they were off before (another thread's import may overlap).
    They run in the `python_lane`: the price source's imports (~0.6 s) beside a panel's read left
    the GUI thread with a third of the GIL when the read's rows came (a 91 ms stall in a soak)."""
    with python_lane():
        collecting = gc.isenabled()
        gc.disable()
        try:
            yield
            gc.freeze()
        finally:
            if collecting:
                gc.enable()


@contextmanager
def python_lane() -> Iterator[None]:
    """Around a worker's Python-heavy step (a panel's read, a feed's parse, an event study, start-up
    imports): one such step runs at a time, the others wait for it (re-entrant on one thread).

    Two or three of them at once finished no sooner (the GIL runs one thread's Python at a time)
    and each took its share of the GIL from the GUI thread. In 30-second soaks (bench/soak.py,
    four runs each) the longest steady GUI stall was 15-67 ms without the lane, 17-26 ms with it.
    Network waits stay outside: a slow server never holds the lane."""
    with _PYTHON_LANE:
        yield
