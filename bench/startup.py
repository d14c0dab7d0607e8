"""Start-up cost: the app's first painted frame with cached watchlist rows vs a bare Qt window.

Both are launched alternately, several times, in one run (these machines are noisy), and the
ratio of the medians is printed. Goal: at most 2.5x.

    python bench/startup.py [--runs 7] [--platform offscreen|xcb]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

BARE = r"""
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QLabel
app = QApplication(sys.argv[:1])
w = QMainWindow(); w.setCentralWidget(QLabel("hello")); w.resize(1440, 900)
class Probe(QObject):
    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            print(f"first-paint {time.time():.6f}", flush=True)
            QTimer.singleShot(0, lambda: app.exit(0))
        return False
p = Probe(); w.centralWidget().installEventFilter(p)
w.show(); sys.exit(app.exec())
"""


def launch(argv: list[str], env: dict) -> float:
    start = time.time()
    out = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    for line in out.stdout.splitlines():
        if line.startswith("first-paint "):
            return float(line.split()[1]) - start
    raise RuntimeError(f"no first paint reported: rc={out.returncode} {out.stderr[-500:]}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    args = ap.parse_args()
    data = tempfile.mkdtemp(prefix="briefing-bench-")
    env = dict(os.environ, QT_QPA_PLATFORM=args.platform, BRIEFING_DATA_DIR=data)
    # Seed the cache once (demo data), so the app's rows come from a populated cache.
    subprocess.run([sys.executable, "-m", "briefing", "--demo", "doctor"], env=env, check=True,
                   capture_output=True, timeout=300)
    app_env = dict(env, BRIEFING_EXIT_AFTER_FIRST_PAINT="1")
    bare, app = [], []
    launch([sys.executable, "-c", BARE], env)  # warm the OS file cache for both
    launch([sys.executable, "-m", "briefing"], app_env)
    for _ in range(args.runs):
        bare.append(launch([sys.executable, "-c", BARE], env))
        app.append(launch([sys.executable, "-m", "briefing"], app_env))
    b, a = statistics.median(bare), statistics.median(app)
    print(f"platform: {args.platform}, runs: {args.runs} each, alternated")
    print(f"{'':28}{'median ms':>10}{'min ms':>10}{'max ms':>10}")
    print(f"{'bare QMainWindow':28}{b * 1000:10.0f}{min(bare) * 1000:10.0f}{max(bare) * 1000:10.0f}")
    print(f"{'briefing (rows from cache)':28}{a * 1000:10.0f}{min(app) * 1000:10.0f}{max(app) * 1000:10.0f}")
    print(f"ratio (median app / median bare): {a / b:.2f}x  (goal <= 2.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
