"""The chart's cheaper drawing paints what pyqtgraph's would: grid lines as fills, cached event lines."""

from __future__ import annotations

from datetime import date

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPicture

from briefing.domain.bar_time import day_ts
from briefing.ui.chart_axes import AxisLines, ExchangeTimeAxis, GridAxis
from briefing.ui.chart_items import EventLines

NY = "America/New_York"


@pytest.fixture
def plot(qtbot):
    """A plot with the chart's axes and grid over ten years of daily points."""
    widget = pg.PlotWidget(axisItems={"bottom": ExchangeTimeAxis(orientation="bottom"),
                                      "left": GridAxis(orientation="left")})
    widget.showGrid(x=True, y=True, alpha=0.15)
    widget.getAxis("left").setStyle(maxTickLevel=1)
    xs = [day_ts(date(2015 + i // 12, i % 12 + 1, 1), NY) for i in range(120)]
    widget.plot(xs, [100 + (i % 17) * 3.5 for i in range(120)])
    qtbot.addWidget(widget)
    widget.resize(700, 450)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def render(axis, scale: float, offset: float, pyqtgraphs: bool) -> QImage:
    """The axis painted into an image of `scale` device pixels per pixel, shifted by `offset`:
    by the app (`GridAxis.paint`) or as pyqtgraph records and replays it (lines in its picture)."""
    image = QImage(800 * scale, 500 * scale, QImage.Format.Format_RGB32)
    image.setDevicePixelRatio(scale)
    image.fill(QColor("white"))
    p = QPainter(image)
    p.translate(axis.pos())
    p.translate(offset, offset)
    if pyqtgraphs:
        picture = QPicture()
        recorder = QPainter(picture)
        pg.AxisItem.drawPicture(axis, recorder, *axis.generateDrawSpecs(recorder))
        recorder.end()
        picture.play(p)
    else:
        axis.paint(p, None, None)
    p.end()
    return image


def test_grid_fills_cover_the_pixels_of_pyqtgraphs_lines(plot):
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        axis.picture = None
        for scale, offset in ((1, 0), (1, 0.5), (2, 0.3), (1.5, 0), (1, 0.3)):  # one plan per device transform
            assert render(axis, scale, offset, False) == render(axis, scale, offset, True), (side, scale, offset)


def test_grid_and_labels_follow_a_range_change(plot, qtbot):
    axis = plot.getAxis("bottom")
    before = render(axis, 1, 0, False)
    plot.setXRange(day_ts(date(2019, 1, 1), NY), day_ts(date(2020, 1, 1), NY), padding=0)
    qtbot.waitUntil(lambda: axis.picture is None or axis.range[0] > day_ts(date(2018, 12, 1), NY))
    after = render(axis, 1, 0, False)
    assert after != before and after == render(axis, 1, 0, True)
    picture = QPicture()
    p = QPainter(picture)
    _, _, texts = axis.generateDrawSpecs(p)
    p.end()
    assert "Jun" in [text for _, _, text in texts]  # months now, where years were


def test_event_lines_follow_the_view_and_their_events(plot, qtbot):
    lines = EventLines(pg.mkPen("#9e9e9e", style=pg.QtCore.Qt.PenStyle.DashLine))
    plot.addItem(lines, ignoreBounds=True)
    xs = [day_ts(date(y, 6, 1), NY) for y in (2016, 2018, 2020)]
    lines.set_lines(xs, ["a", "b", "c"])

    def drawn() -> QRectF:
        picture = QPicture()
        p = QPainter(picture)
        lines.paint(p)
        p.end()
        return QRectF(picture.boundingRect())

    plot.setXRange(day_ts(date(2015, 1, 1), NY), day_ts(date(2025, 1, 1), NY), padding=0)
    plot.setYRange(0, 200, padding=0)
    qtbot.waitUntil(lambda: lines.viewRect() is not None and lines.viewRect().height() == pytest.approx(200))
    assert lines.boundingRect().height() == pytest.approx(200)
    assert drawn().width() == pytest.approx(xs[2] - xs[0], rel=0.01)
    plot.setXRange(day_ts(date(2015, 1, 1), NY), day_ts(date(2019, 1, 1), NY), padding=0)  # 2020 out of view
    plot.setYRange(50, 120, padding=0)
    qtbot.waitUntil(lambda: lines.viewRect().height() == pytest.approx(70))
    assert lines.boundingRect().height() == pytest.approx(70)
    assert drawn().right() < xs[2] and drawn().width() == pytest.approx(xs[1] - xs[0], rel=0.01)
    lines.set_lines(xs[:1], ["a"])
    assert drawn().width() < 1e6 and lines.positions() == xs[:1]


@pytest.mark.parametrize("cap", [Qt.PenCapStyle.SquareCap, Qt.PenCapStyle.FlatCap, Qt.PenCapStyle.RoundCap])
@pytest.mark.parametrize("width, dash", [(1.0, False), (0.0, False), (0.5, False), (1.0, True)])
def test_any_tick_pen_paints_as_its_lines(qapp, cap, width, dash):
    """Pens whose fill would differ from the line (a flat cap, a width of 0.5, dashes) keep the line."""
    pen = QPen(QColor("#cbcbcb"))
    pen.setCosmetic(True)
    pen.setWidthF(width)
    pen.setCapStyle(cap)
    if dash:
        pen.setStyle(Qt.PenStyle.DashLine)
    ticks = [(pen, QPointF(3.3, 10 + i * 7.3), QPointF(50.6, 10 + i * 7.3)) for i in range(5)]
    ticks += [(pen, QPointF(5 + i * 9.7, 2.2), QPointF(5 + i * 9.7, 55.5)) for i in range(5)]
    axis = (QPen(QColor("black")), QPointF(0.5, 60.2), QPointF(60.7, 60.2))

    def image(fills: bool) -> QImage:
        out = QImage(70, 70, QImage.Format.Format_RGB32)
        out.fill(QColor("white"))
        p = QPainter(out)
        p.translate(0.4, 0.6)
        if fills:
            AxisLines(axis, ticks).paint(p)
        else:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            for line_pen, a, b in [axis, *ticks]:
                p.setPen(line_pen)
                p.drawLine(a, b)
        p.end()
        return out

    assert image(True) == image(False)
