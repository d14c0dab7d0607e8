"""The briefing's charts: described as plain data (`ChartSpec`), drawn by `briefing.ui.chart_render`.

One small chart per company (its Hong Kong and US lines, % change over one month) and one compare
chart of the watchlist over six months, both with numbered regulation-event markers. `render_all`
needs Qt and the GUI thread; everything else here is plain Python.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timezone

from briefing.domain.models import Company, Listing, RegulationEvent
from briefing.export import figures as fig
from briefing.export.model import ChartRef
from briefing.export.sessions import day_text
from briefing.ui.chart_render import ChartLine, ChartMarker, ChartSpec

COMPANY_MONTHS, COMPARE_MONTHS = 1, 6
COMPANY_SIZE, COMPARE_SIZE = (440, 215), (900, 300)
DEMO_MARK = "DEMO DATA"


def months_before(day: date, n: int) -> date:
    month = day.month - n
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def x_of(day: date) -> float:
    """Charts place a session at noon UTC of its date: HK and US closes of a day line up."""
    return float(datetime.combine(day, time(12), timezone.utc).timestamp())


def _markers(events: Sequence[RegulationEvent], start: date, end: date, company_ids: set[str]):
    chosen = sorted(
        (e for e in events if e.key_date and start <= e.key_date <= end
         and (not e.companies or not company_ids or company_ids & set(e.companies))),
        key=lambda e: (e.key_date, e.id),
    )
    markers = tuple(ChartMarker(x_of(e.key_date), str(i), f"{day_text(e.key_date)} · {e.title_en}")
                    for i, e in enumerate(chosen, start=1))
    legend = tuple((str(i), f"{day_text(e.key_date)} · {e.title_en}") for i, e in enumerate(chosen, start=1))
    return markers, legend


def _lines(listings: Sequence[tuple[str, Listing]], series_of: Callable[[str], list[fig.Session]],
           start: date, end: date) -> tuple[tuple[ChartLine, ...], list[str]]:
    lines, missing = [], []
    for label, listing in listings:
        window, values = fig.normalised(series_of(listing.symbol), start, end)
        if not window:
            missing.append(listing.symbol)
        lines.append(ChartLine(label, tuple(x_of(s.day) for s in window), tuple(round(v, 6) for v in values)))
    return tuple(lines), missing


def company_chart(company: Company, listings: Sequence[Listing], series_of, end: date,
                  events: Sequence[RegulationEvent], demo: bool) -> ChartRef:
    start = months_before(end, COMPANY_MONTHS)
    lines, missing = _lines([(l.symbol, l) for l in listings], series_of, start, end)
    markers, legend = _markers(events, start, end, {company.id})
    caption = f"% change from the first close on or after {day_text(start)}."
    if missing:
        caption += f" No prices in this period for {', '.join(missing)}."
    title = f"{company.display_name} — 1 month"
    spec = ChartSpec(title, lines, markers, watermark=DEMO_MARK if demo else "", show_title=True,
                     width=COMPANY_SIZE[0], height=COMPANY_SIZE[1])
    return ChartRef(f"company-{company.id}", title, caption, spec, legend)


def compare_chart(listings: Sequence[tuple[str, Listing]], series_of, end: date,
                  events: Sequence[RegulationEvent], company_ids: set[str], demo: bool) -> ChartRef:
    start = months_before(end, COMPARE_MONTHS)
    lines, missing = _lines(listings, series_of, start, end)
    markers, legend = _markers(events, start, end, company_ids)
    caption = (f"% change from the first close on or after {day_text(start)}; "
               "dashed lines mark the regulation events numbered below.")
    if missing:
        caption += f" No prices in this period for {', '.join(missing)}."
    title = "Watchlist — 6 months"
    spec = ChartSpec(title, lines, markers, watermark=DEMO_MARK if demo else "", show_title=True,
                     width=COMPARE_SIZE[0], height=COMPARE_SIZE[1])
    return ChartRef("compare", title, caption, spec, legend)


def render_all(charts: Sequence[ChartRef], scale: float = 2.0, progress=None) -> dict[str, bytes]:
    """Every chart as PNG bytes by key (GUI thread: pyqtgraph draws through Qt widgets)."""
    from briefing.ui.chart_render import render_png

    out = {}
    for i, chart in enumerate(charts):
        if progress is not None:
            progress(i, len(charts), chart.title)
        out[chart.key] = render_png(chart.spec, scale)
    return out
