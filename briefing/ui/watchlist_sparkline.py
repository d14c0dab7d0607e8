"""The watchlist's 1-month column: a sparkline of daily closes (and today's price, while the session
runs), sorted and coloured by the month's change, drawn once into a image when its points change."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF

from briefing.domain import formatting as fmt
from briefing.domain.models import WatchlistRow
from briefing.ui.colors import up_down
from briefing.ui.table_model import Column

TITLE = "1 month"
MONTH_S = 31 * 86400
DAY_S = 86400


def month_closes(store, rows: list[WatchlistRow], now: float) -> dict[str, tuple[float, ...]]:
    """Each row's daily closes over the last month, oldest first, with its quote appended when it
    is newer than the last daily bar (worker thread). Adjusted closes where Yahoo gave them, so a
    dividend or split does not draw a cliff."""
    out = {}
    closes = store.prices.closes_since([r.listing.symbol for r in rows], int(now) - MONTH_S)
    for r in rows:
        bars = closes.get(r.listing.symbol, [])
        points = [close for _, close in bars]
        q = r.quote
        if q is not None and q.last is not None and (not bars or q.as_of >= bars[-1][0] + DAY_S):
            points.append(q.last)
        if len(points) >= 2:
            out[r.listing.symbol] = tuple(points)
    return out


def month_change(points: tuple[float, ...] | None) -> float | None:
    """The month's change in percent, or None without two points or from zero."""
    if not points or len(points) < 2 or not points[0]:
        return None
    return (points[-1] / points[0] - 1) * 100


def sparkline_column(sparks: dict[str, tuple[float, ...]], red_up) -> Column[WatchlistRow]:
    """`sparks` is read at each refresh (the model fills it); `red_up` is a callable."""
    def points(r: WatchlistRow):
        return sparks.get(r.listing.symbol)

    def tooltip(r: WatchlistRow) -> str:
        p = points(r)
        if p is None:
            return "no daily prices for the last month yet"
        return (f"1 month: {fmt.percent(month_change(p))} ({len(p)} points)\n"
                f"low {fmt.price(min(p))} · high {fmt.price(max(p))}")

    return Column(TITLE, lambda r: "", tooltip=tooltip,
                  foreground=lambda r: up_down(month_change(points(r)), red_up()),
                  sort_key=lambda r: month_change(points(r)), value=points)


def sparkline_picture(points: tuple[float, ...] | None, ink: QColor, size: QSize,
                      ratio: float = 1.0) -> QImage | None:
    """The points as a line scaled to `size` (logical pixels, drawn at the screen's `ratio`)."""
    if not points or len(points) < 2:
        return None
    image = QImage(size * ratio, QImage.Format.Format_ARGB32_Premultiplied)  # any thread; no app needed
    image.setDevicePixelRatio(ratio)
    image.fill(Qt.GlobalColor.transparent)
    left, bottom = 1.0, size.height() - 2.0
    height, step = size.height() - 4.0, (size.width() - 2.0) / (len(points) - 1)
    low, high = min(points), max(points)
    scale = height / ((high - low) or 1.0)
    line = QPolygonF([QPointF(left + i * step, bottom - (p - low) * scale) for i, p in enumerate(points)])
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(ink, 1.3))
        painter.drawPolyline(line)
    finally:
        painter.end()
    return image
