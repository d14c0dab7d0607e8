"""Launches the real app (`briefing.cli.main`, as the `briefing` command does) with a GUI-stall probe.

Used by bench/soak.py as the app's process:

    SOAK_PROBE_OUT=stall.json SOAK_SECONDS=600 python bench/soak_probe.py --data-dir DIR

The app has no stall probe of its own, so this wraps `briefing.app._make_app` (not edited: replaced
in this process only) to install, on the QApplication it makes:
- a precise 10 ms QTimer on the GUI thread; each beat's lateness is a stall;
- a watchdog thread that, while a beat is more than 40 ms overdue, takes one sample of the GUI
  thread's Python stack (and the innermost frames of the other busy threads), so a long stall says
  where it came from;
- with SOAK_STACK_DUMPS=1, faulthandler dumps of every thread when a beat is 250 ms late;
- a timer that quits the app `SOAK_SECONDS` after its event loop started (a normal quit: the app
  stops its poller and closes its cache as when the window is closed).
Results are written to `SOAK_PROBE_OUT` (JSON) every second and at quit. Phases: `start-up` until
the price poller is ready (its imports done, first jobs started), then `steady`.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

STALL_MS = 50.0
DUMP_AFTER_S = 0.25  # faulthandler dumps every thread's stack when the GUI thread is this late
SAMPLE_AFTER_MS = 40.0
KEEP_WORST = 25


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


class Probe:
    def __init__(self, app, out: Path, seconds: float, beat_ms: int = 10) -> None:
        from PySide6.QtCore import QObject, Qt, QTimer

        self.app, self.out, self.seconds, self.beat_ms = app, out, seconds, beat_ms
        self.t0 = time.perf_counter()
        self.loop_started: float | None = None
        self.steady_at: float | None = None
        self.last = None
        self.beats = 0
        self.hist = [0] * 1001  # lateness in whole ms, the last bucket is >= 1000 ms
        self.max_ms = {"start-up": 0.0, "steady": 0.0}
        self.over = {"start-up": 0, "steady": 0}
        self.worst: list[dict] = []
        self.pending_sample: dict | None = None
        self.gui_ident = threading.get_ident()
        self._watch_id = None
        self._stop = threading.Event()
        self.final = False
        # SOAK_TRACEMALLOC=1: Python allocations traced (slower); the growth after the first steady
        # minute is written at quit.
        self.trace = os.environ.get("SOAK_TRACEMALLOC") == "1"
        self.trace_base = None
        self.growth: list[str] = []
        if self.trace:
            import tracemalloc

            tracemalloc.start(1)
        # A crash prints every thread's stack on stderr. With SOAK_STACK_DUMPS=1, faulthandler's
        # watchdog (C code) also dumps every thread's stack when a beat is 250 ms late: it works even
        # when one thread holds the GIL throughout a stall (the Python watchdog cannot run then), but
        # it reads the other threads' frames unlocked, which CPython documents as unsafe: opt-in.
        import faulthandler

        faulthandler.enable()
        self.stack_dumps = os.environ.get("SOAK_STACK_DUMPS") == "1"
        self.dumps = open(out.with_name("stall-dumps.txt"), "w") if self.stack_dumps else None
        self._faulthandler = faulthandler
        self.holder = QObject()
        self.beat = QTimer(self.holder)
        self.beat.setTimerType(Qt.TimerType.PreciseTimer)
        self.beat.setInterval(beat_ms)
        self.beat.timeout.connect(self._on_beat)
        self.beat.start()
        self.tick = QTimer(self.holder)
        self.tick.setInterval(1000)
        self.tick.timeout.connect(self._each_second)
        self.tick.start()
        app.aboutToQuit.connect(self._on_quit)
        threading.Thread(target=self._watchdog, name="soak-watchdog", daemon=True).start()

    # ----- GUI thread ---------------------------------------------------------------------------
    def _phase(self) -> str:
        return "steady" if self.steady_at is not None else "start-up"

    def _on_beat(self) -> None:
        now = time.perf_counter()
        if self.last is None:
            self.loop_started = now
            from PySide6.QtCore import QTimer

            QTimer.singleShot(int(self.seconds * 1000), self.app.quit)
        else:
            if self.stack_dumps and self.beats % 5 == 0 and not self.final:
                self._faulthandler.dump_traceback_later(DUMP_AFTER_S, file=self.dumps)
            late = (now - self.last) * 1000 - self.beat_ms
            phase = self._phase()
            self.beats += 1
            self.hist[min(1000, max(0, int(late)))] += 1
            self.max_ms[phase] = max(self.max_ms[phase], late)
            if late > STALL_MS:
                self.over[phase] += 1
                sample, self.pending_sample = self.pending_sample, None
                self.worst.append({"at_s": round(self.last - self.t0, 2), "ms": round(late, 1), "phase": phase,
                                   "sample": sample})
                self.worst.sort(key=lambda w: -w["ms"])
                del self.worst[KEEP_WORST:]
            else:
                self.pending_sample = None
        self.last = now

    def _each_second(self) -> None:
        if self.steady_at is None and self._poller_ready():
            self.steady_at = time.perf_counter()
        if self.trace and self.trace_base is None and self.steady_at is not None \
                and time.perf_counter() - self.steady_at > 60:
            import tracemalloc

            self.trace_base = tracemalloc.take_snapshot()
        self.write()

    def _trace_growth(self) -> list[str]:
        """Where the Python heap grew between a minute into the steady phase and the quit."""
        import tracemalloc

        if self.trace_base is None:
            return []
        diff = tracemalloc.take_snapshot().compare_to(self.trace_base, "lineno")
        return [f"{d.size_diff / 1048576:+.1f} MB ({d.count_diff:+d} blocks) {d.traceback[0].filename.split('site-packages/')[-1]}"
                f":{d.traceback[0].lineno}" for d in diff[:15]]

    def _poller_ready(self) -> bool:
        from briefing.services.price_poller import PricePoller

        for w in self.app.topLevelWidgets():
            for child in w.children():
                if isinstance(child, PricePoller) and child.ready:
                    return True
        return False

    def _on_quit(self) -> None:
        self.final = True
        if self.trace:
            self.growth = self._trace_growth()
        self._stop.set()
        self.beat.stop()
        if self.dumps is not None:
            self._faulthandler.cancel_dump_traceback_later()
            self.dumps.flush()
        self.write()

    def p(self, q: float) -> float:
        total = sum(self.hist)
        if not total:
            return 0.0
        seen = 0
        for ms, n in enumerate(self.hist):
            seen += n
            if seen >= q * total:
                return float(ms)
        return 1000.0

    def write(self) -> None:
        status = {}
        try:
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith(("VmRSS:", "VmHWM:")):
                        k, v, _ = line.split()
                        status[k.rstrip(":")] = int(v) * 1024
        except OSError:
            pass
        rel = lambda t: None if t is None else round(t - self.t0, 2)  # noqa: E731
        data = {"final": self.final, "loop_started_s": rel(self.loop_started), "steady_s": rel(self.steady_at),
                "beat_ms": self.beat_ms, "beats": self.beats, "max_ms": self.max_ms, "over_50": self.over,
                "p50_ms": self.p(0.5), "p99_ms": self.p(0.99), "p999_ms": self.p(0.999), "worst": self.worst,
                "vm": status, "threads": threading.active_count(), "gui_thread": self.gui_ident,
                "heap_growth": self.growth}
        tmp = self.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.out)

    # ----- watchdog thread ----------------------------------------------------------------------
    def _watchdog(self) -> None:
        sampled_for = None
        while not self._stop.wait(0.005):
            last = self.last
            if last is None:
                continue
            overdue = (time.perf_counter() - last) * 1000 - self.beat_ms
            if overdue > SAMPLE_AFTER_MS and sampled_for != last:
                sampled_for = last
                self.pending_sample = self._sample(overdue)

    def _sample(self, overdue: float) -> dict:
        """The stacks as text. The frames are dropped before returning: holding another thread's
        frames would keep its locals (Qt wrappers among them) alive and free them on this thread."""
        frames = sys._current_frames()
        try:
            me = threading.get_ident()
            names = {t.ident: t.name for t in threading.enumerate()}
            others = {}
            for ident, frame in frames.items():
                if ident in (me, self.gui_ident) or frame.f_code.co_name in _IDLE:
                    continue
                others[names.get(ident, str(ident))] = _where(frame, 3)
            return {"overdue_ms": round(overdue, 1), "gui": _where(frames.get(self.gui_ident), 8), "others": others}
        finally:
            frame = None
            frames.clear()
            del frames


def main(argv: list[str]) -> int:
    out = Path(os.environ["SOAK_PROBE_OUT"])
    seconds = float(os.environ["SOAK_SECONDS"])
    beat_ms = int(os.environ.get("SOAK_BEAT_MS", "10"))
    here = str(Path(__file__).resolve().parent)
    sys.path[:] = [p for p in sys.path if not p or Path(p).resolve() != Path(here)]  # bench/ shadows nothing
    import briefing.app as app_mod

    make_app = app_mod._make_app
    probes = []

    def make_app_with_probe():
        app = make_app()
        if not probes:
            probes.append(Probe(app, out, seconds, beat_ms))
        return app

    app_mod._make_app = make_app_with_probe
    from briefing.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
