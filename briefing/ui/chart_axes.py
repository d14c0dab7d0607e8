"""The chart's axes: time ticks in the exchange's (or a chosen) zone, a grid whose thin ticks are
filled rather than stroked, and the volume axis.

Imported only once the plot is built (pyqtgraph stays off the first-paint path).
"""

from __future__ import annotations

import math
from datetime import date, datetime, time as dtime, timedelta, tzinfo
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPicture, QTransform

from briefing.domain.bar_time import zone
from briefing.ui.chart_data import in_zone


class GridAxis(pg.AxisItem):
    """An axis that draws its grid lines opaque, pre-mixed with the plot's background. Qt's raster
    engine draws a translucent 1-pixel line 10-20x slower than an opaque one (58 grid lines:
    ~12-28 ms against ~1 ms into a 900x600 pixmap), and the grid is replayed at every frame that
    repaints the plot (a redraw, a crosshair move). The lines lie under the curves, so on the
    plain background they look the same as translucent ones. (Caching the axis as a pixmap on top
    of this measured no better: a blit of the plot-sized pixmap costs about what the lines do.)"""

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.background = QColor("white")
        self._pens: dict = {}
        self._lines: AxisLines | None = None  # the axis line and ticks of the cached picture, drawn by `paint`
        self.enableAutoSIPrefix(False)  # no unit label is shown: skip re-setting its HTML on every range change

    def set_background(self, colour) -> None:
        self.background = QColor(colour)
        self._pens.clear()
        self.picture = None
        self.update()

    def generateDrawSpecs(self, p):
        specs = super().generateDrawSpecs(p)
        if specs is None:
            return None
        axis, ticks, texts = specs
        return axis, [(self._opaque(pen), a, b) for pen, a, b in ticks], texts

    def paint(self, p, opt, widget) -> None:
        """The axis line and the ticks (grid lines) as `AxisLines` fills, then the labels
        from pyqtgraph's cached picture (which here holds only them)."""
        if self.picture is None:
            self._lines = None
            picture = QPicture()
            painter = QPainter(picture)
            try:
                if self.style["tickFont"]:
                    painter.setFont(self.style["tickFont"])
                specs = self.generateDrawSpecs(painter)
                if specs is not None:
                    self.drawPicture(painter, *specs)
            finally:
                painter.end()
            self.picture = picture
        if self._lines is not None:
            p.save()
            try:
                self._lines.paint(p)
            finally:
                p.restore()
        self.picture.play(p)

    def drawPicture(self, p, axisSpec, tickSpecs, textSpecs) -> None:
        """Record only the labels (as pyqtgraph does); the lines are kept for `paint`, which
        knows the device pixels they fall on."""
        self._lines = AxisLines(axisSpec, tickSpecs)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        if self.style["tickFont"] is not None:
            p.setFont(self.style["tickFont"])
        p.setPen(self.textPen())
        p.setClipRect(self.boundingRect().toAlignedRect())
        for rect, flags, text in textSpecs:
            p.drawText(rect, int(flags), text)

    def _opaque(self, pen: QPen) -> QPen:
        c = pen.color()
        key = (c.rgba(), pen.widthF())
        if c.alpha() == 255:
            return pen
        if key not in self._pens:
            a, bg = c.alphaF(), self.background
            mixed = QColor.fromRgbF(c.redF() * a + bg.redF() * (1 - a), c.greenF() * a + bg.greenF() * (1 - a),
                                    c.blueF() * a + bg.blueF() * (1 - a))
            self._pens[key] = QPen(pen)
            self._pens[key].setColor(mixed)
        return self._pens[key]


class AxisLines:
    """An axis line and its ticks, drawn as pyqtgraph's `AxisItem.drawPicture` draws them (aliased,
    in order) but each thin tick line as a filled rectangle of the same device pixels. Qt's
    cosmetic stroker plots a line pixel by pixel: ~50 grid lines took ~0.35 ms of every frame.
    An aliased 1-pixel line covers floor(device coordinate) from end to end, so the fill is
    pixel-identical; another pen, a slanted line or a rotated painter keeps the line. The fills
    are worked out once per device transform (they change on a resize, not per frame)."""

    def __init__(self, axis_spec, tick_specs) -> None:
        self.axis_spec = axis_spec
        self.tick_specs = tick_specs
        self._plan: list = []
        self._plan_for: tuple | None = None

    def paint(self, p: QPainter) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        pen, a, b = self.axis_spec
        p.setPen(pen)
        p.drawLine(a, b)
        t = p.deviceTransform()
        key = (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy())
        if key != self._plan_for:
            self._plan, self._plan_for = self._fills(t), key
        for rect, colour, pen, a, b in self._plan:
            if rect is not None:
                p.fillRect(rect, colour)
            else:
                p.setPen(pen)
                p.drawLine(a, b)

    def _fills(self, to_device: QTransform) -> list:
        """[(logical rect, colour, pen, a, b)]: a rect to fill, or None to draw the line a-b."""
        sx, sy, dx, dy = to_device.m11(), to_device.m22(), to_device.dx(), to_device.dy()
        straight = (to_device.type().value <= QTransform.TransformationType.TxScale.value and sx > 0 and sy > 0)
        kinds: dict[int, tuple[bool, QColor]] = {}  # by pen (a level's ticks share one): fillable, colour
        plan = []
        for pen, a, b in self.tick_specs:
            if id(pen) not in kinds:
                kinds[id(pen)] = (straight and _thin_solid(pen), pen.color())
            fillable, colour = kinds[id(pen)]
            ax, ay, bx, by = a.x(), a.y(), b.x(), b.y()
            rect = None
            if fillable and (ax == bx or ay == by):
                x0, x1 = math.floor(ax * sx + dx), math.floor(bx * sx + dx)
                y0, y1 = math.floor(ay * sy + dy), math.floor(by * sy + dy)
                x0, x1, y0, y1 = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
                rect = QRectF((x0 - dx) / sx, (y0 - dy) / sy, (x1 - x0 + 1) / sx, (y1 - y0 + 1) / sy)
            plan.append((rect, colour, pen, a, b))
        return plan


def _thin_solid(pen: QPen) -> bool:
    """A pen whose aliased line is one device pixel of one colour, both ends included (a flat cap
    leaves out the last pixel, a width of 0.5 draws differently: those keep the line)."""
    return (pen.style() == Qt.PenStyle.SolidLine and pen.brush().style() == Qt.BrushStyle.SolidPattern
            and pen.isCosmetic() and pen.widthF() in (0.0, 1.0) and pen.capStyle() != Qt.PenCapStyle.FlatCap)


class ExchangeTimeAxis(GridAxis):
    """The time axis. Daily ranges: dates of sessions, ticks at the exchange zone's day, month and
    year starts. Index mode (intraday): x is a bar position (no nights, weekends or lunch breaks);
    ticks mark session opens (labelled with the date) and new hours, in the display zone (None:
    the machine's zone), since round bar numbers fall on arbitrary times.

    Ticks are computed here with zoneinfo rather than by `pg.DateAxisItem`, whose per-tick
    QDateTime zone look-ups took ~30 ms of a 10-year range switch (cProfile).
    """

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.index_ts = None  # numpy array of UTC seconds, in index mode
        self.tz: tzinfo | None = zone("UTC")
        self._units: dict[float, tuple[str, int]] = {}
        self._marks: tuple[list[int], list[int]] | None = None

    def boundingRect(self) -> QRectF:
        """40 px wider on the left than pyqtgraph's (which ignores `hideOverlappingLabels` with a
        grid): a label centred on the first bar may reach under the left axis rather than vanish.
        (Not on the right: there the window's edge would cut it.)"""
        return super().boundingRect().adjusted(-40, 0, 0, 0)

    def set_zone(self, tz: tzinfo | None, index_ts) -> None:
        same_ts = index_ts is self.index_ts or (
            index_ts is not None and self.index_ts is not None and np.array_equal(index_ts, self.index_ts))
        if tz == self.tz and same_ts:
            return
        self.tz = tz
        self.index_ts = index_ts
        self._marks = None
        self.picture = None
        self.update()

    def index_marks(self) -> tuple[list[int], list[int]]:
        """Index mode: the positions of session opens and of each new hour within a session
        (in the display zone), found once per data set."""
        if self._marks is None:
            opens, hours, last_hour = [], [], None
            for i, t in enumerate(self.index_ts.tolist() if self.index_ts is not None else ()):
                hour = in_zone(t, self.tz).replace(minute=0, second=0)
                if i == 0 or t - prev > SESSION_GAP_S:
                    opens.append(i)
                elif hour != last_hour:
                    hours.append(i)
                prev, last_hour = t, hour
            self._marks = (opens, hours)
        return self._marks

    def tickValues(self, minVal, maxVal, size):
        if self.index_ts is None:
            levels = date_ticks(minVal, maxVal, size, self.tz or zone("UTC"))
            self._units = {spacing: unit for spacing, unit, _ in levels}
            return [(spacing, values) for spacing, _, values in levels]
        opens, hours = self.index_marks()
        px = size / max(maxVal - minVal, 1e-9)  # pixels per bar
        major = _thin([i for i in opens if minVal <= i <= maxVal], px, 95)
        minor = _thin([i for i in hours if minVal <= i <= maxVal], px, 45, major)
        if len(major) + len(minor) < 2:  # zoomed in between the marks: plain bar numbers
            return super().tickValues(minVal, maxVal, size)
        return [(100.0, major), (10.0, minor)]

    def tickStrings(self, values, scale, spacing):
        if self.index_ts is None:
            unit = self._units.get(spacing)
            if unit is None:  # a finer level: lines only, the labels would crowd
                return ["" for _ in values]
            return [date_label(in_zone(int(v), self.tz or zone("UTC")), unit) for v in values]
        ts = self.index_ts
        opens = set(self.index_marks()[0])
        out = []
        for v in values:
            i = int(round(v))
            if ts is None or i < 0 or i >= len(ts):
                out.append("")
                continue
            t = in_zone(int(ts[i]), self.tz)
            out.append(t.strftime("%d %b %H:%M") if i in opens else t.strftime("%H:%M"))
        return out


SESSION_GAP_S = 2 * 3600  # a longer pause between two bars of the axis starts a session (lunch is 65 min)


def _thin(marks: list[int], px_per_bar: float, room: float, taken: Sequence[int] = ()) -> list[int]:
    """Keep marks at least `room` pixels from the one kept before and from any in `taken`."""
    out: list[int] = []
    for i in marks:
        if (not out or (i - out[-1]) * px_per_bar >= room) and all(abs(i - k) * px_per_bar >= room for k in taken):
            out.append(i)
    return out


STEPS = (("day", 1), ("day", 2), ("week", 1), ("month", 1), ("month", 3), ("month", 6),
         ("year", 1), ("year", 2), ("year", 5), ("year", 10), ("year", 25))
UNIT_S = {"day": 86400, "week": 7 * 86400, "month": 30.44 * 86400, "year": 365.25 * 86400}
LABEL_PX = {"day": 60, "week": 60, "month": 45, "year": 45}  # room a label needs, with a gap


def date_ticks(lo: float, hi: float, px: float, tz) -> list[tuple[float, tuple[str, int] | None, list[int]]]:
    """Ticks of a date axis from lo to hi (UTC seconds) over `px` pixels: the coarsest step whose
    labels fit, then the step below it (lines only). [(spacing, unit or None, values)]."""
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo or px <= 0:
        return []
    per_px = (hi - lo) / px
    k = next((i for i, (u, n) in enumerate(STEPS) if UNIT_S[u] * n / per_px >= LABEL_PX[u]), len(STEPS) - 1)
    major = _step_ticks(lo, hi, STEPS[k], tz)
    out = [(UNIT_S[STEPS[k][0]] * STEPS[k][1], STEPS[k], major)]
    if k > 0:
        taken = set(major)
        minor = [t for t in _step_ticks(lo, hi, STEPS[k - 1], tz) if t not in taken]
        out.append((UNIT_S[STEPS[k - 1][0]] * STEPS[k - 1][1], None, minor))
    return out


def _step_ticks(lo: float, hi: float, step: tuple[str, int], tz, limit: int = 800) -> list[int]:
    unit, n = step
    lo = max(lo, -2e9)
    hi = min(hi, 4e9)
    if (hi - lo) / (UNIT_S[unit] * n) > limit:
        return []
    first = datetime.fromtimestamp(lo, tz).date()
    last = datetime.fromtimestamp(hi, tz).date()
    if unit == "year":
        days = [date(y, 1, 1) for y in range(first.year - first.year % n, last.year + 1, n)]
    elif unit == "month":
        months = range(first.year * 12 + (first.month - 1) // n * n, last.year * 12 + last.month, n)
        days = [date(m // 12, m % 12 + 1, 1) for m in months]
    else:
        start = first - timedelta(days=first.weekday()) if unit == "week" else first
        step_days = 7 * n if unit == "week" else n
        days = [start + timedelta(days=i) for i in range(0, (last - start).days + 1, step_days)]
    ticks = (int(datetime.combine(d, dtime(0), tz).timestamp()) for d in days)
    return [t for t in ticks if lo <= t <= hi]


def date_label(t: datetime, step: tuple[str, int]) -> str:
    unit, _ = step
    if unit == "year" or (unit == "month" and t.month == 1):
        return t.strftime("%Y")
    if unit == "month":
        return t.strftime("%b")
    return t.strftime("%d %b")


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
