"""Charts drawn headless by `briefing.ui.chart_render`: real pictures, the same bytes each time."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from PySide6.QtGui import QColor, QImage

from briefing.ui.chart_render import ChartLine, ChartMarker, ChartSpec, render_image, render_png

DAY = 86_400
XS = tuple(float(1_767_000_000 + i * DAY) for i in range(30))
SPEC = ChartSpec("Baidu — 1 month", (ChartLine("9888.HK", XS, tuple(float(i % 7) for i in range(30))),
                                      ChartLine("BIDU", XS, tuple(float(i % 5) for i in range(30)))),
                 (ChartMarker(XS[12], "1", "an event"),), watermark="DEMO DATA", show_title=True)


def _count(image: QImage, color: str, tolerance: int = 40) -> int:
    want = QColor(color)
    hits = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            c = image.pixelColor(x, y)
            if abs(c.red() - want.red()) + abs(c.green() - want.green()) + abs(c.blue() - want.blue()) < tolerance:
                hits += 1
    return hits


def test_chart_is_a_real_picture_with_lines_and_the_demo_mark(qapp):
    image = render_image(SPEC, scale=2.0)
    assert (image.width(), image.height()) == (880, 440)
    assert _count(image, "#2f6fdf") > 50 and _count(image, "#e07b00") > 50  # both lines drawn
    assert _count(image, "#d2323c") > 20  # the DEMO DATA mark
    assert _count(image, "#333333") > 50  # axes and their labels


def test_same_spec_same_bytes(qapp):
    assert render_png(SPEC) == render_png(SPEC)
    assert render_png(SPEC).startswith(b"\x89PNG")


def test_an_empty_chart_says_so(qapp):
    empty = ChartSpec("No data", (ChartLine("X", (), ()),))
    assert empty.is_empty
    assert render_png(empty).startswith(b"\x89PNG")


def test_many_charts_in_one_process_do_not_crash_it():
    """PySide6 6.12.0 on Python 3.11 drops a reference to None/True/False per call that returns one;
    pyqtgraph makes ~700 per chart, so the process aborts ("none_dealloc"). pyproject.toml keeps
    that release out; this fails if a PySide6 with the bug is installed again."""
    script = textwrap.dedent(
        """
        import os
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from briefing.ui.chart_render import ChartLine, ChartSpec, ensure_app, render_png
        ensure_app()
        xs = tuple(float(1_767_000_000 + i * 86_400) for i in range(40))
        spec = ChartSpec("t", (ChartLine("a", xs, tuple(float(i % 9) for i in range(40))),))
        for _ in range(60):
            render_png(spec, 1.0)
        from PySide6.QtCore import QObject, Signal
        class O(QObject):
            s = Signal()
        o = O()
        for _ in range(20_000):
            o.s.emit()
            o.setObjectName("x")
        print("ok")
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "ok"


def test_installed_pyside_keeps_none_and_bools_alive(qapp):
    """The in-process check behind the pin in pyproject.toml: Qt calls returning None or a bool
    must not drop references (PySide6 6.12.0 did, and the app aborted within minutes)."""
    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        ping = Signal()

    o = Emitter()
    before = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(500):
        o.setObjectName("x")
        o.signalsBlocked()
        o.ping.emit()
        o.blockSignals(False)
    after = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    # with the bug each count falls by 1000 (None) or 1000 (True/False); allow ordinary churn
    assert all(a > b - 100 for a, b in zip(after, before)), (before, after)
