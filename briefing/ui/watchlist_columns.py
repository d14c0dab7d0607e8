"""Extra watchlist columns (day range, 52-week range bar, HK-vs-ADR premium) and the header menu
that shows, hides and remembers columns."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QHeaderView, QMenu

from datetime import datetime, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from briefing.domain import formatting as fmt
from briefing.domain.models import Quote, WatchlistRow
from briefing.ui.table_model import RIGHT, Column

HEADER_KEY = "ui.watchlist_header"  # store setting: the header's saved state (hex)
EXCHANGE, LOCAL, BOTH = "exchange", "local", "both"  # the "ui.timezone_display" choices


def as_of_text(ts: int | None, exchange_tz: str, mode: str = EXCHANGE, local_zone: tzinfo | None = None) -> str:
    """When a quote was priced: in the exchange's zone, this machine's zone (`local_zone`, for
    tests), or both (the local date shown only when it differs from the exchange's)."""
    if ts is None:
        return "–"
    if mode == EXCHANGE or mode not in (LOCAL, BOTH):
        return fmt.local_time(ts, exchange_tz, "%m-%d %H:%M")
    local = datetime.fromtimestamp(ts, timezone.utc).astimezone(local_zone)
    if mode == LOCAL:
        return f"{local.strftime('%m-%d %H:%M')} {local.tzname()}"
    there = datetime.fromtimestamp(ts, timezone.utc).astimezone(ZoneInfo(exchange_tz))
    day = "%m-%d " if local.date() != there.date() else ""
    return f"{there.strftime('%m-%d %H:%M')} {there.tzname()} · {local.strftime(day + '%H:%M')} {local.tzname()}"


def year_position(q: Quote | None) -> float | None:
    """Where the last price sits in its 52-week range, 0 (low) … 1 (high); None if unknown."""
    if q is None or q.year_low is None or q.year_high is None or q.year_high <= q.year_low:
        return None
    return min(1.0, max(0.0, (q.last - q.year_low) / (q.year_high - q.year_low)))


def _day_range(r: WatchlistRow) -> str:
    q = r.quote
    if q is None or q.day_low is None or q.day_high is None:
        return "–"
    return f"{fmt.price(q.day_low)} – {fmt.price(q.day_high)}"


def _year_range(r: WatchlistRow) -> str:
    q = r.quote
    if q is None or q.year_low is None or q.year_high is None:
        return "–"
    return f"{fmt.price(q.year_low)} – {fmt.price(q.year_high)}"


def extra_columns(premiums: dict) -> list[Column[WatchlistRow]]:
    """Day range, 52-week range (drawn as a bar: `year_range_picture`; its text in the tooltip), and
    the premium."""
    def premium(r: WatchlistRow):
        return premiums.get(r.listing.symbol)

    return [
        Column("Day range", _day_range, RIGHT, sort_key=lambda r: r.quote and r.quote.day_low),
        Column("52-week range", lambda r: "" if year_position(r.quote) is not None else _year_range(r),
               tooltip=_year_range, sort_key=lambda r: year_position(r.quote), value=lambda r: year_position(r.quote)),
        Column("HK/ADR prem.", lambda r: fmt.percent(premium(r).value * 100) if premium(r) else "", RIGHT,
               tooltip=lambda r: premium(r).label() if premium(r) else "not dual-listed, or prices missing",
               sort_key=lambda r: premium(r).value if premium(r) else None),
    ]


def year_range_picture(pos: float | None, ink: QColor, size: QSize, ratio: float = 1.0) -> QImage | None:
    """The 52-week range as a thin bar with a tick at the last price (`pos`, 0 … 1).

    The tick moves by whole device pixels, so there are only as many pictures as pixels across:
    kept, rather than drawn again for each quote (~80 us each, 50-200 rows a batch)."""
    if pos is None:
        return None
    steps = max(1, round((size.width() - 6) * ratio))
    return _year_range_picture(round(pos * steps) / steps, ink.rgba(), size.width(), size.height(), ratio)


@lru_cache(maxsize=1024)
def _year_range_picture(pos: float, rgba: int, width: int, height: int, ratio: float) -> QImage:
    ink, size = QColor.fromRgba(rgba), QSize(width, height)
    image = QImage(size * ratio, QImage.Format.Format_ARGB32_Premultiplied)  # any thread; no app needed
    image.setDevicePixelRatio(ratio)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(0, 0, size.width(), size.height()).adjusted(3, 0, -3, 0)
        y = r.center().y()
        painter.setPen(QColor("#9e9e9e"))
        painter.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))
        painter.setBrush(ink)
        painter.setPen(Qt.PenStyle.NoPen)
        x = r.left() + pos * r.width()
        painter.drawRoundedRect(QRectF(x - 2, y - 5, 4, 10), 1, 1)
    finally:
        painter.end()
    return image


def install_header_menu(header: QHeaderView, on_change) -> None:
    """Right-click the header to show or hide columns; `on_change` is called after each change."""
    header.setSectionsMovable(True)
    header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def menu(pos) -> None:
        m = QMenu(header)
        model = header.model()
        for col in range(model.columnCount()):
            title = model.headerData(col, Qt.Orientation.Horizontal)
            act = m.addAction(str(title))
            act.setCheckable(True)
            act.setChecked(not header.isSectionHidden(col))
            act.setEnabled(col != 0)  # the name always shows
            act.toggled.connect(lambda on, c=col: (header.setSectionHidden(c, not on), on_change()))
        m.popup(header.mapToGlobal(pos))

    header.customContextMenuRequested.connect(menu)
    header.sectionResized.connect(lambda *_: on_change())
    header.sectionMoved.connect(lambda *_: on_change())
    header.sortIndicatorChanged.connect(lambda *_: on_change())
