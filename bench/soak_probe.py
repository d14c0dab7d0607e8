"""Launches the real app (`briefing.cli.main`, as the `briefing` command does) for bench/soak.py.

    SOAK_PROBE_OUT=stall.json SOAK_SAMPLES_OUT=samples.json SOAK_SECONDS=600 python bench/soak_probe.py --data-dir DIR

Nothing of the app is replaced; this process adds, from outside:
- the app's own GUI-stall log: `BRIEFING_STALL_LOG=SOAK_PROBE_OUT` (briefing/ui/stall_probe.py, a
  precise 10 ms timer on the GUI thread; JSON every second and at quit);
- a sampler thread that looks at the main (GUI) thread's Python stack every 5 ms: while the main
  thread is idle its innermost frame is `run_gui` at `app.exec()`; when one call out of the event
  loop has run for more than 40 ms, it samples that stack (and the innermost frames of the other
  busy threads) once, so a long stall in the log can be matched, by time, to where it was. Pure-C++
  work (layout, painting) shows as idle here; a thread holding the GIL throughout blocks the sampler;
- a quit SOAK_SECONDS after the event loop started (SIGUSR2 to itself; the handler calls
  `QCoreApplication.quit()` on the GUI thread: the app stops its poller and closes its cache as when
  the window is closed);
- `kill -USR1 PID` prints every thread's stack on stderr (faulthandler), for a hung app;
- with SOAK_TRACEMALLOC=1, Python allocations traced; where the heap grew from 90 s after the loop
  started to the quit;
- every garbage collection of 5 ms or more, in any thread, with its generation: a collection holds
  the GIL throughout, so one in a worker stalls the GUI as long as one on the GUI thread;
- with SOAK_GC_CENSUS=1, halfway through the run (at most 120 s in): the objects a full collection
  would look at (not frozen by gc.freeze()), counted by type, the 25 commonest;
- with SOAK_ENTRIES=1, every call from Qt into Python on the GUI thread counted, by function, with its
  wall time (a profile hook on that thread only; it slows the GUI's Python). Each entry takes the GIL,
  and while a worker runs Python each one can wait a whole switch interval for it: the count is what a
  paint or a signal costs the GUI when workers are busy.
The samples (and the loop's start time) are written to SOAK_SAMPLES_OUT when the app returns.
"""

from __future__ import annotations

import faulthandler
import json
import linecache
import os
import signal
import sys
import threading
import time
from pathlib import Path

SAMPLE_AFTER_MS = 40.0
QUIT_SIGNAL = signal.SIGUSR2
KEEP_SAMPLES = 200
GC_LOG_MS = 5.0
LONG_ENTRY_MS = 20.0


def _where(frame, depth: int) -> list[str]:
    out = []
    while frame is not None and len(out) < depth:
        code = frame.f_code
        path = code.co_filename
        for marker in ("site-packages/", "/briefing/", "/bench/", "/lib/python3"):
            if marker in path:
                path = path.split(marker, 1)[1] if marker != "/briefing/" else "briefing/" + path.split(marker, 1)[1]
                break
        out.append(f"{path}:{frame.f_lineno} {code.co_name}")
        frame = frame.f_back
    return out


_IDLE = ("wait", "_wait_for_tstate_lock", "get", "select", "poll", "accept", "_worker", "serve_forever")


def _in_event_loop(frame) -> bool:
    """The main thread is idle in Qt's event loop: its innermost Python frame is run_gui's exec()."""
    return (frame is not None and frame.f_code.co_name == "run_gui"
            and ".exec()" in linecache.getline(frame.f_code.co_filename, frame.f_lineno))


class Sampler:
    def __init__(self, seconds: float, trace: bool, census: bool = False) -> None:
        self.seconds, self.trace, self.census = seconds, trace, census
        self.gc_census: dict = {}
        self.main = threading.main_thread().ident
        self.loop_started: float | None = None  # time.time()
        self.samples: list[dict] = []
        self.trace_base = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="soak-sampler", daemon=True)

    def start(self) -> Sampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)

    def _run(self) -> None:
        busy_since, busy_frame, sampled = None, None, False
        quit_at = base_at = census_at = None
        while not self._stop.wait(0.005):
            frames = sys._current_frames()
            try:
                frame = frames.get(self.main)
                now = time.time()
                if _in_event_loop(frame):
                    if self.loop_started is None:
                        self.loop_started = now
                        quit_at, base_at = now + self.seconds, now + min(90.0, self.seconds / 4)
                        census_at = now + min(120.0, self.seconds / 2) if self.census else None
                    if busy_since is not None and sampled:
                        self.samples[-1]["busy_ms"] = round((now - busy_since) * 1000, 1)
                    busy_since, busy_frame, sampled = None, None, False
                elif self.loop_started is not None:
                    outer = _outer_call(frame)
                    key = None if outer is None else (id(outer), outer.f_code)  # not the frame: no locals kept
                    outer = None
                    if key != busy_frame:  # a new call out of the event loop
                        if sampled and busy_since is not None:
                            self.samples[-1]["busy_ms"] = round((now - busy_since) * 1000, 1)
                        busy_since, busy_frame, sampled = now, key, False
                    elif busy_since is not None and not sampled and (now - busy_since) * 1000 > SAMPLE_AFTER_MS:
                        sampled = True
                        self.samples.append(self._sample(frames, busy_since, now))
                        del self.samples[:-KEEP_SAMPLES]
                frame = None
            finally:
                frames.clear()
                del frames
            if quit_at is not None and time.time() >= quit_at:
                quit_at = None
                # Not app.quit() from here: this thread would hold the GIL inside Qt's post-event lock
                # while the GUI thread, holding that lock, waits for the GIL (seen: a hang). A signal
                # runs its Python handler on the main thread at its next bytecode (the beat: <= 10 ms).
                os.kill(os.getpid(), QUIT_SIGNAL)
            if census_at is not None and time.time() >= census_at:
                census_at = None
                self.gc_census = _gc_census()
            if self.trace and base_at is not None and time.time() >= base_at:
                import tracemalloc

                base_at = None
                self.trace_base = tracemalloc.take_snapshot()

    def _sample(self, frames, since: float, now: float) -> dict:
        """The stacks as text; no frame is kept (that would keep another thread's locals alive)."""
        me = threading.get_ident()
        names = {t.ident: t.name for t in threading.enumerate()}
        others = {}
        for ident, frame in frames.items():
            if ident in (me, self.main) or frame.f_code.co_name in _IDLE:
                continue
            others[names.get(ident, str(ident))] = _where(frame, 3)
        return {"since_unix": round(since, 3), "busy_ms": round((now - since) * 1000, 1),
                "gui": _where(frames.get(self.main), 8), "others": others}

    def heap_growth(self) -> list[str]:
        import tracemalloc

        if self.trace_base is None:
            return []
        diff = tracemalloc.take_snapshot().compare_to(self.trace_base, "lineno")
        return [f"{d.size_diff / 1048576:+.1f} MB ({d.count_diff:+d} blocks) "
                f"{d.traceback[0].filename.split('site-packages/')[-1]}:{d.traceback[0].lineno}" for d in diff[:15]]


def _gc_census(top: int = 25) -> dict:
    """What a full collection scans now: tracked objects outside gc.freeze()'s permanent generation."""
    import gc
    from collections import Counter

    objects = gc.get_objects()
    kinds = Counter(type(o).__qualname__ for o in objects)
    census = {"tracked": len(objects), "frozen": gc.get_freeze_count(), "top": kinds.most_common(top)}
    objects.clear()
    return census


class CollectionLog:
    """gc.callbacks hook: the collections that took GC_LOG_MS or more (when, how long, which thread)."""

    def __init__(self) -> None:
        self.long: list[dict] = []
        self._started: dict[int, float] = {}

    def __call__(self, phase: str, info: dict) -> None:
        me = threading.get_ident()
        if phase == "start":
            self._started[me] = time.perf_counter()
            return
        began = self._started.pop(me, None)
        if began is None:
            return
        ms = (time.perf_counter() - began) * 1000
        if ms >= GC_LOG_MS and len(self.long) < 5000:
            self.long.append({"end_unix": round(time.time(), 3), "ms": round(ms, 1), "gen": info["generation"],
                              "collected": info["collected"], "thread": threading.current_thread().name})


class EntryCounter:
    """sys.setprofile hook for the main thread: counts calls made straight from the event loop
    (their caller is run_gui's `app.exec()`), per function, and their wall time."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.wall: dict[str, float] = {}
        self.longest: dict[str, float] = {}
        self.long: list[dict] = []  # the entries of LONG_ENTRY_MS or more
        self._top = None
        self._t0 = 0.0

    def __call__(self, frame, event, arg) -> None:
        if event == "call" and self._top is None:
            back = frame.f_back
            if back is not None and back.f_code.co_name == "run_gui":
                code = frame.f_code
                self._top = frame
                self._key = f"{_where(frame, 1)[0].rsplit(':', 1)[0]}:{code.co_firstlineno} {code.co_qualname}"
                if code.co_name == "_deliver_next":  # TaskRunner: which task's result is delivered
                    runner = frame.f_locals.get("self")
                    arrived = getattr(runner, "_arrived", None)
                    token = arrived[0][0] if arrived else None
                    self._key += f" [{getattr(runner, '_callbacks', {}).get(token, ('?',))[0]}]"
                self._t0 = time.perf_counter()
        elif event == "return" and frame is self._top:
            self._top = None
            took = time.perf_counter() - self._t0
            self.counts[self._key] = self.counts.get(self._key, 0) + 1
            self.wall[self._key] = self.wall.get(self._key, 0.0) + took
            self.longest[self._key] = max(self.longest.get(self._key, 0.0), took)
            if took * 1000 >= LONG_ENTRY_MS and len(self.long) < 5000:
                self.long.append({"end_unix": round(time.time(), 3), "ms": round(took * 1000, 1), "where": self._key})

    def table(self) -> list[dict]:
        return sorted(({"where": k, "calls": n, "wall_ms": round(self.wall[k] * 1000, 1),
                        "longest_ms": round(self.longest[k] * 1000, 1)}
                       for k, n in self.counts.items()), key=lambda e: -e["calls"])


def _outer_call(frame):
    """The frame called from run_gui (the event loop's current callback), or the innermost one."""
    while frame is not None and frame.f_back is not None and frame.f_back.f_code.co_name != "run_gui":
        frame = frame.f_back
    return frame


def _quit(*_args) -> None:
    from PySide6.QtCore import QCoreApplication

    QCoreApplication.quit()  # on the main (GUI) thread: a normal quit, as when the window is closed


def main(argv: list[str]) -> int:
    seconds = float(os.environ["SOAK_SECONDS"])
    samples_out = Path(os.environ["SOAK_SAMPLES_OUT"]) if os.environ.get("SOAK_SAMPLES_OUT") else None
    os.environ["BRIEFING_STALL_LOG"] = os.environ["SOAK_PROBE_OUT"]
    trace = os.environ.get("SOAK_TRACEMALLOC") == "1"
    here = str(Path(__file__).resolve().parent)
    sys.path[:] = [p for p in sys.path if not p or Path(p).resolve() != Path(here)]  # bench/ shadows nothing
    faulthandler.enable()  # a crash prints every thread's stack on stderr
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1 PID`: every stack, now (a hang)
    if trace:
        import tracemalloc

        tracemalloc.start(1)
    signal.signal(QUIT_SIGNAL, _quit)
    sampler = Sampler(seconds, trace, os.environ.get("SOAK_GC_CENSUS") == "1").start()
    import gc

    collections = CollectionLog()
    gc.callbacks.append(collections)
    entries = EntryCounter() if os.environ.get("SOAK_ENTRIES") == "1" else None
    if entries is not None:
        sys.setprofile(entries)  # this (the GUI) thread only
    from briefing.cli import main as cli_main

    try:
        code = cli_main(argv)
    finally:
        sys.setprofile(None)
        sampler.stop()
        if samples_out is not None:
            samples_out.write_text(json.dumps({"loop_started_unix": sampler.loop_started, "samples": sampler.samples,
                                               "heap_growth": sampler.heap_growth() if trace else [],
                                               "entries": entries.table() if entries else [],
                                               "long_entries": entries.long if entries else [],
                                               "collections": collections.long,
                                               "gc_census": sampler.gc_census}))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
