"""Export cost: each format on the demo data, side by side with drawing the same charts alone.

In one process (imports and exchange calendars loaded by a warm-up export, as in the running
app), each format is exported several times and the medians printed: the whole export and its
steps (build the model, draw the charts, write the file), then the charts drawn on their own.
`--cold` also times `briefing export` as a fresh command (what cron pays). Goal: the PDF with its
charts within 1.5 s.

    python bench/export.py [--runs 5] [--cold]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DAY = date(2026, 1, 15)
NOW = datetime(2026, 1, 16, 8, 0, tzinfo=ZoneInfo("Asia/Hong_Kong"))
FORMATS = ("pdf", "html", "md", "csv")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cold", action="store_true", help="also time a fresh `briefing export --format pdf`")
    args = ap.parse_args()

    from briefing.export.build import build_briefing
    from briefing.export.model import BriefingOptions
    from briefing.export.run import export_briefing, render_charts
    from briefing.store import Store
    from briefing.store.demo_seed import seed_demo
    from briefing.ui.chart_render import ensure_app

    ensure_app()
    work = Path(tempfile.mkdtemp(prefix="briefing-bench-export-"))
    store = Store.open(work / "briefing.sqlite3")
    seed_demo(store, DAY)
    options = BriefingOptions(day=DAY)
    for fmt in FORMATS:  # warm-up: imports, calendars, fonts
        export_briefing(store, options, fmt, work / f"warm.{fmt}", now=NOW)

    steps: dict[str, dict[str, list[float]]] = {f: {"total": [], "build": [], "charts": [], "write": []} for f in FORMATS}
    charts_alone: list[float] = []
    briefing = build_briefing(store, options, NOW)
    for _ in range(args.runs):
        for fmt in FORMATS:
            result = export_briefing(store, options, fmt, work / f"b.{fmt}", now=NOW)
            for step, seconds in result.timings.items():
                steps[fmt][step].append(seconds)
        t0 = time.perf_counter()
        render_charts(briefing)
        charts_alone.append(time.perf_counter() - t0)
    store.close()

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:8.0f}"

    print(f"demo data, {DAY}, {len(briefing.charts)} charts, {args.runs} runs each, medians in ms (one warm process)")
    print(f"{'format':10}{'total':>8}{'build':>8}{'charts':>8}{'write':>8}")
    for fmt in FORMATS:
        s = steps[fmt]
        print(f"{fmt:10}{ms(s['total'])}{ms(s['build'])}{ms(s['charts'])}{ms(s['write'])}")
    print(f"{'charts alone':18}{'':8}{ms(charts_alone)}")
    pdf = statistics.median(steps["pdf"]["total"])
    print(f"PDF with its charts: {pdf * 1000:.0f} ms (goal <= 1500 ms): {'met' if pdf <= 1.5 else 'NOT met'}")

    if args.cold:
        env = dict(os.environ, BRIEFING_DATA_DIR=str(work))
        cmd = [sys.executable, "-m", "briefing", "export", "--date", DAY.isoformat(), "--format", "pdf",
               "--out", str(work / "cold.pdf")]
        subprocess.run(cmd, env=env, check=True, capture_output=True)  # warm the OS file cache
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            subprocess.run(cmd, env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
        print(f"cold `briefing export --format pdf` (new process, imports and calendars included): "
              f"{statistics.median(times) * 1000:.0f} ms median of 3")
    return 0


if __name__ == "__main__":
    sys.exit(main())
