"""pyqtgraph pieces of the chart panel: candlesticks, the event lines, and the look-ups and
numbers of the crosshair readout (the axes are in `chart_axes`).

Imported only once the plot is built (pyqtgraph stays off the first-paint path).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QPainter, QPainterPath, QPicture

UP, DOWN = "#1a9c4a", "#d2323c"


class CandleItem(pg.GraphicsObject):
    """OHLC candlesticks drawn into one cached picture; `set_data` replaces the bars in place."""

    def __init__(self) -> None:
        super().__init__()
        self._picture = QPicture()
        self._rect = QRectF()
        self.count = 0
        self.colours = (UP, DOWN)  # rising, falling: as drawn last

    def set_data(self, x: Sequence[float], o: Sequence, h: Sequence, lo: Sequence, c: Sequence,
                 up: str = UP, down: str = DOWN) -> None:
        """Draw the bars (a missing open is the close; a missing high/low the body's end), rising
        ones in `up`, falling ones in `down`: one drawLines/drawRects call per colour."""
        self.colours = (up, down)
        n = min(len(x), len(c))
        xs = np.asarray(x, dtype=float)[:n]
        close = np.array(c[:n], dtype=float)

        def column(values, fill):
            col = np.array(values[:n], dtype=float) if len(values) >= n else np.full(n, np.nan)
            return np.where(np.isnan(col), fill, col)

        opens = column(o, close)
        highs = column(h, np.maximum(opens, close))
        lows = column(lo, np.minimum(opens, close))
        w = (float(np.min(np.diff(xs))) if n > 1 else 1.0) * 0.35
        rising = close >= opens
        self._picture = QPicture()
        p = QPainter(self._picture)
        for mask, colour in ((rising, up), (~rising, down)):
            bx, bo, bh, bl, bc = (a[mask].tolist() for a in (xs, opens, highs, lows, close))
            p.setPen(pg.mkPen(colour))
            p.setBrush(pg.mkBrush(colour))
            p.drawLines([QLineF(xi, li, xi, hi) for xi, li, hi in zip(bx, bl, bh)])
            p.drawRects([QRectF(xi - w, oi, 2 * w, ci - oi) for xi, oi, ci in zip(bx, bo, bc)])
        p.end()
        self.count = n
        self._rect = QRectF(self._picture.boundingRect())
        self.prepareGeometryChange()
        self.update()

    def paint(self, p, *args) -> None:
        p.drawPicture(0, 0, self._picture)

    def boundingRect(self) -> QRectF:
        return QRectF(self._picture.boundingRect())


class EventLines(pg.GraphicsObject):
    """The regulation events in range as one item: dashed lines across the view, and the event
    near the mouse as tooltip. An InfiniteLine per event (each recomputing its bounds on every
    view change) cost ~5 ms of a range switch with 40 events (cProfile); one item, one call."""

    def __init__(self, pen) -> None:
        super().__init__()
        self._pen = pen
        self._xs = np.empty(0)
        self._tips: list[str] = []
        self._drawn: tuple = (None, [])  # (the view they span, the lines drawn)
        self._bounds: QRectF | None = None  # until the view or the lines change (as pyqtgraph's viewRect)
        self.setAcceptHoverEvents(True)

    def set_lines(self, xs: Sequence[float], tips: Sequence[str]) -> None:
        self.prepareGeometryChange()
        order = np.argsort(np.asarray(xs, dtype=float), kind="stable")  # sorted: the hover looks up by x
        self._xs = np.asarray(xs, dtype=float)[order]
        self._tips = [tips[i] for i in order]
        self._drawn = (None, [])
        self._bounds = None
        self.update()

    def positions(self) -> list[float]:
        return [float(x) for x in self._xs]

    def viewTransformChanged(self) -> None:
        super().viewTransformChanged()
        self.prepareGeometryChange()  # the lines span the view's height
        self._bounds = None

    def _span(self) -> tuple[QRectF, float] | None:
        view = self.viewRect()
        px = self.pixelWidth()
        return (view, px) if view is not None and len(self._xs) else None

    def boundingRect(self) -> QRectF:
        """Asked twice a frame and worked out once per view (it was ~30 us each time)."""
        if self._bounds is None:
            span = self._span()
            if span is None:
                return QRectF()  # no view yet, or no lines: not kept, the view may come without a change
            view, px = span
            x0, x1 = float(self._xs[0]), float(self._xs[-1])  # sorted
            self._bounds = QRectF(x0 - 3 * px, view.top(), x1 - x0 + 6 * px, view.height())
        return QRectF(self._bounds)

    def shape(self) -> QPainterPath:
        """Only a few pixels either side of each line: hover and tooltips there, not between."""
        path = QPainterPath()
        span = self._span()
        if span is not None:
            view, px = span
            for x in self._xs:
                path.addRect(QRectF(x - 3 * px, view.top(), 6 * px, view.height()))
        return path

    def paint(self, p, *args) -> None:
        view = self.viewRect()
        if view is None or not len(self._xs):
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)  # vertical 1-px lines: sharper, ~half the cost
        p.setPen(self._pen)
        p.drawLines(self._lines_in(view))

    def _lines_in(self, view: QRectF) -> list[QLineF]:
        """The lines across `view`, kept until the view or the events change: a frame that only
        repaints (a redraw, a crosshair move) reuses them (building them was ~75 us a frame)."""
        key = (view.left(), view.top(), view.right(), view.bottom())
        if self._drawn[0] != key:
            xs = self._xs[(self._xs >= view.left()) & (self._xs <= view.right())].tolist()
            self._drawn = (key, [QLineF(x, view.top(), x, view.bottom()) for x in xs])
        return self._drawn[1]

    def hoverEvent(self, ev) -> None:
        if ev.isExit():
            return
        x = ev.pos().x()
        i = nearest(self._xs, x)
        near = i is not None and abs(self._xs[i] - x) <= 4 * (self.pixelWidth() or 0)
        self.setToolTip(self._tips[i] if near else "")


def nearest(xs: Sequence[float], x: float) -> int | None:
    """Index of the point of `xs` (sorted: a list or a numpy array) nearest to x."""
    if len(xs) == 0:
        return None
    i = int(np.searchsorted(xs, x))
    if i == 0:
        return 0
    if i == len(xs):
        return len(xs) - 1
    return i if xs[i] - x < x - xs[i - 1] else i - 1


def latest(xs: Sequence[float], x: float) -> int | None:
    """Index of the last point of `xs` (sorted) at or before x; None if all are after it."""
    i = int(np.searchsorted(xs, x, side="right")) - 1
    return i if i >= 0 else None


def fmt_num(v) -> str:
    if v is None:
        return "–"
    return f"{v:,.0f}" if abs(v) >= 10000 else f"{v:,.2f}"
