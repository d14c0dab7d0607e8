"""The briefing model builder and the text writers need no Qt: only charts and the PDF do.

A fresh interpreter imports every Qt-free export module, builds the demo briefing and writes it
as CSV, HTML and Markdown (stand-in charts), then looks at `sys.modules`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from test_export_helpers import demo_cache_file  # noqa: F401

QT_FREE = ["briefing.export", "briefing.export.model", "briefing.export.build", "briefing.export.figures",
           "briefing.export.sessions", "briefing.export.sections", "briefing.export.charts",
           "briefing.export.writers", "briefing.export.files", "briefing.export.run", "briefing.ui.chart_render"]

SCRIPT = textwrap.dedent(
    """
    import importlib, json, sys
    from datetime import date, datetime
    from pathlib import Path
    from zoneinfo import ZoneInfo
    for name in json.loads(sys.argv[2]):
        importlib.import_module(name)
    from briefing.export.build import build_briefing
    from briefing.export.model import BriefingOptions
    from briefing.export.run import write
    from briefing.store import Store
    with Store.open(Path(sys.argv[1])) as store:
        b = build_briefing(store, BriefingOptions(day=date(2026, 1, 15)),
                           datetime(2026, 1, 16, 8, tzinfo=ZoneInfo("Asia/Hong_Kong")))
        charts = {c.key: b"png" for c in b.charts}
        for fmt in ("csv", "html", "md"):
            write(b, charts, fmt, Path(sys.argv[3]) / f"b.{fmt}")
    qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph"))
    print(json.dumps(qt))
    """
)


def test_builder_and_text_writers_load_no_qt(demo_cache_file, tmp_path):
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(demo_cache_file), json.dumps(QT_FREE), str(tmp_path)],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
    assert {p.name for p in tmp_path.iterdir()} >= {"b.csv", "b.html", "b.md"}


def test_modules_stay_small():
    from pathlib import Path

    import briefing

    root = Path(briefing.__file__).parent
    files = list((root / "export").glob("*.py")) + [root / "cli" / "export.py", root / "ui" / "export_dialog.py",
                                                     root / "ui" / "chart_render.py"]
    sizes = {f.name: len(f.read_text(encoding="utf-8").splitlines()) for f in files}
    assert max(sizes.values()) < 400, sizes
