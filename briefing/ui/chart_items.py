"""pyqtgraph pieces of the chart panel: candlesticks, the exchange-zone time axis, the readout text.

Imported only once the plot is built (pyqtgraph stays off the first-paint path).
"""

from __future__ import annotations

import bisect
from datetime import datetime
from typing import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainter, QPicture

from briefing.domain.bar_time import zone

UP, DOWN = "#1a9c4a", "#d2323c"


class CandleItem(pg.GraphicsObject):
    """OHLC candlesticks drawn into one cached picture; `set_data` replaces the bars in place."""

    def __init__(self) -> None:
        super().__init__()
        self._picture = QPicture()
        self._rect = QRectF()
        self.count = 0

    def set_data(self, x: Sequence[float], o: Sequence, h: Sequence, lo: Sequence, c: Sequence,
                 up: str = UP, down: str = DOWN) -> None:
        self._picture = QPicture()
        p = QPainter(self._picture)
        w = (min(b - a for a, b in zip(x, x[1:])) if len(x) > 1 else 1.0) * 0.35
        pens = {True: pg.mkPen(up), False: pg.mkPen(down)}
        brushes = {True: pg.mkBrush(up), False: pg.mkBrush(down)}
        n = 0
        for xi, oi, hi, li, ci in zip(x, o, h, lo, c):
            oi = ci if oi is None else oi
            hi = max(oi, ci) if hi is None else hi
            li = min(oi, ci) if li is None else li
            rising = ci >= oi
            p.setPen(pens[rising])
            p.drawLine(QPointF(xi, li), QPointF(xi, hi))
            p.setBrush(brushes[rising])
            p.drawRect(QRectF(xi - w, oi, 2 * w, ci - oi))
            n += 1
        p.end()
        self.count = n
        self._rect = QRectF(self._picture.boundingRect())
        self.prepareGeometryChange()
        self.update()

    def paint(self, p, *args) -> None:
        p.drawPicture(0, 0, self._picture)

    def boundingRect(self) -> QRectF:
        return QRectF(self._picture.boundingRect())


class ExchangeTimeAxis(pg.DateAxisItem):
    """Dates in the exchange's zone; in index mode x is the bar number (no nights, weekends or
    lunch breaks) and each tick is labelled with that bar's exchange-zone time."""

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.index_ts: list[int] | None = None
        self.tz = "UTC"

    def set_zone(self, tz: str, at_ts: int | None, index_ts: list[int] | None) -> None:
        if (tz, index_ts) == (self.tz, self.index_ts) and self.utcOffset is not None:
            return
        self.tz = tz
        self.index_ts = index_ts
        off = zone(tz).utcoffset(datetime.fromtimestamp(at_ts or 0, zone(tz)))
        self.utcOffset = -int(off.total_seconds()) if off is not None else 0
        self.picture = None
        self.update()

    def tickValues(self, minVal, maxVal, size):
        if self.index_ts is None:
            return super().tickValues(minVal, maxVal, size)
        return pg.AxisItem.tickValues(self, minVal, maxVal, size)

    def tickStrings(self, values, scale, spacing):
        if self.index_ts is None:
            return super().tickStrings(values, scale, spacing)
        ts = self.index_ts
        out = []
        for v in values:
            i = int(round(v))
            if not ts or i < 0 or i >= len(ts):
                out.append("")
                continue
            t = datetime.fromtimestamp(ts[i], zone(self.tz))
            out.append(t.strftime("%d %b %H:%M") if spacing >= 40 else t.strftime("%H:%M"))
        return out


def nearest(xs: Sequence[float], x: float) -> int | None:
    """Index of the point of `xs` (sorted) nearest to x."""
    if not xs:
        return None
    i = bisect.bisect_left(xs, x)
    if i == 0:
        return 0
    if i == len(xs):
        return len(xs) - 1
    return i if xs[i] - x < x - xs[i - 1] else i - 1


def fmt_num(v) -> str:
    if v is None:
        return "–"
    return f"{v:,.0f}" if abs(v) >= 10000 else f"{v:,.2f}"


def compact(v: float) -> str:
    """A volume as 950, 12K, 3.4M, 1.2B."""
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(v) >= div:
            return f"{v / div:.3g}{suffix}"
    return f"{v:.0f}"


class VolumeAxis(pg.AxisItem):
    """The volume pane's axis: 12K, 3.4M rather than 3e+06."""

    def tickStrings(self, values, scale, spacing):
        return [compact(v * scale) for v in values]
