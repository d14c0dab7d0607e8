"""Text writers: the briefing as HTML (self-contained), Markdown and CSV (no Qt).

HTML and Markdown come from the Jinja2 templates in `templates/`; one HTML template serves the
browser file and the PDF (`print=True`: the subset of HTML/CSS that Qt's text engine lays out,
charts in a table instead of a CSS grid). Charts are passed in as PNG bytes (HTML: data: URIs) or
as names (Markdown: files beside it; PDF: resources of the text document).
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Callable
from functools import cache

from briefing.domain import formatting as fmt
from briefing.export.model import Briefing, MarketRow
from briefing.ui.chart_render import line_color


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:+.2f}%"


def updown(value: float | None) -> str:
    if value is None or round(value, 2) == 0:
        return "flat"
    return "up" if value > 0 else "down"


def ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def position(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}%"


def price(value: float | None) -> str:
    return fmt.price(value)


def web_link(url: str) -> str:
    """`url` when it is an http(s) link, else "": a feed's `javascript:` link never becomes clickable."""
    url = (url or "").strip()
    return url if url.lower().startswith(("https://", "http://")) and not any(c in url for c in ' "<>`') else ""


def md_escape(text: str) -> str:
    """Text safe inside a Markdown paragraph or table cell (no accidental links, emphasis, pipes)."""
    out = []
    for ch in str(text):
        out.append("\\" + ch if ch in "\\`*_[]<>|#" else ch)
    return "".join(out).replace("\n", " ")


@cache
def environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("briefing.export", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(pct=pct, updown=updown, ratio=ratio, position=position, price=price,
                       volume=fmt.volume, md=md_escape, link=web_link)
    env.globals["line_color"] = line_color
    return env


def _css(name: str) -> str:
    from importlib import resources

    return resources.files("briefing.export").joinpath("templates", name).read_text(encoding="utf-8")


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def html(briefing: Briefing, charts: dict[str, bytes]) -> str:
    """One self-contained HTML file: inline CSS, charts as data: URIs, no script, opens offline."""
    return environment().get_template("briefing.html.j2").render(
        b=briefing, print=False, css=_css("style.css"), chart_src=lambda key: data_uri(charts[key]),
        has_chart=lambda key: key in charts)


def print_html(briefing: Briefing, chart_src: Callable[[str], str], has_chart: Callable[[str], bool],
               width_px: int) -> str:
    """The HTML that Qt's text engine lays out for the PDF (and the dialog's preview)."""
    return environment().get_template("briefing.html.j2").render(
        b=briefing, print=True, css=_css("print.css"), chart_src=chart_src, has_chart=has_chart,
        page_width=width_px)


def markdown(briefing: Briefing, chart_files: dict[str, str]) -> str:
    """Markdown (GitHub flavour: tables); charts are image links to the PNG files beside it."""
    return environment().get_template("briefing.md.j2").render(
        b=briefing, chart_src=lambda key: chart_files[key], has_chart=lambda key: key in chart_files)


CSV_COLUMNS = (
    "date", "watchlist", "symbol", "name", "exchange", "currency", "session", "close", "change_1d_pct",
    "change_5d_pct", "change_mtd_pct", "change_ytd_pct", "volume", "volume_avg20", "volume_vs_avg20",
    "low_52w", "high_52w", "position_52w_pct", "premium_pct", "missing", "source",
)


def _num(value: float | None, digits: int = 4) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _csv_row(b: Briefing, r: MarketRow) -> list[str]:
    return [
        b.header.day.isoformat(), b.header.watchlist, r.symbol, r.name, r.exchange, r.currency,
        r.session.isoformat() if r.session else "", _num(r.close), _num(r.change_1d), _num(r.change_5d),
        _num(r.change_mtd), _num(r.change_ytd), "" if r.volume is None else str(r.volume),
        _num(r.volume_avg20, 1), _num(r.volume_ratio), _num(r.low_52w), _num(r.high_52w),
        _num(r.position_52w, 2), _num(r.premium), "; ".join(r.missing), r.source,
    ]


def csv_text(briefing: Briefing) -> str:
    """The market table, one row per listing, plain numbers (percent in percent), UTF-8."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in briefing.rows:
        w.writerow(_csv_row(briefing, r))
    return buf.getvalue()
