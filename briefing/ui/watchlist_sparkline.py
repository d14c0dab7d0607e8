"""The watchlist's 1-month column: a sparkline of daily closes (and today's price, while the session
runs), sorted and coloured by the month's change, drawn once into a image when its points change."""

from __future__ import annotations

from functools import lru_cache

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


def month_colour(points: tuple[float, ...] | None, red_up: bool):
    """The line's colour: the month's rise or fall in the user's up/down colours, or None (ink)."""
    return up_down(month_change(points), red_up)


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
                  foreground=lambda r: month_colour(points(r), red_up()),
                  sort_key=lambda r: month_change(points(r)), value=points)


def sparkline_picture(points: tuple[float, ...] | None, ink: QColor, size: QSize,
                      ratio: float = 1.0) -> QImage | None:
    """The points as a line scaled to `size` (logical pixels, drawn at the screen's `ratio`).

    Kept (the last few hundred): the watchlist's reader draws each batch's pictures on its worker
    thread first (`draw_ahead`), so the GUI thread finds them drawn."""
    if not points or len(points) < 2:
        return None
    return _sparkline_picture(tuple(points), ink.rgba(), size.width(), size.height(), ratio)


@lru_cache(maxsize=512)
def _sparkline_picture(points: tuple[float, ...], rgba: int, width: int, height: int, ratio: float) -> QImage:
    ink, size = QColor.fromRgba(rgba), QSize(width, height)
    image = QImage(size * ratio, QImage.Format.Format_ARGB32_Premultiplied)  # any thread; no app needed
    image.setDevicePixelRatio(ratio)
    image.fill(Qt.GlobalColor.transparent)
    left, bottom = 1.0, size.height() - 2.0
    tall, step = size.height() - 4.0, (size.width() - 2.0) / (len(points) - 1)
    low, high = min(points), max(points)
    scale = tall / ((high - low) or 1.0)
    line = QPolygonF([QPointF(left + i * step, bottom - (p - low) * scale) for i, p in enumerate(points)])
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(ink, 1.3))
        painter.drawPolyline(line)
    finally:
        painter.end()
    return image


def draw_ahead(rows: list[WatchlistRow], sparks: dict[str, tuple[float, ...]], red_up: bool, ink: QColor,
               ratio: float, size: QSize) -> None:
    """Worker thread: draw the pictures the watchlist's cells will show for these rows (its 52-week
    bar and 1-month line), so the GUI thread finds them kept. Drawn there, 100 pictures took 1,000
    calls into Qt, each giving up the GIL and waiting for it again while workers ran Python."""
    from briefing.ui.watchlist_columns import year_position, year_range_picture

    for r in rows:
        year_range_picture(year_position(r.quote), ink, size, ratio)
        points = sparks.get(r.listing.symbol)
        colour = month_colour(points, red_up)
        sparkline_picture(points, QColor(colour) if colour is not None else ink, size, ratio)
