"""The timeline's detail pane: one event (dates, body, summary, companies, source) or a flagged item."""

from __future__ import annotations

import html
from datetime import date

from briefing.domain import timeline as tl


def entry_html(entry: tl.TimelineEntry, names: dict[str, str], today: date) -> str:
    """Rich text for the detail pane; every field escaped, so a feed cannot inject markup."""
    esc = html.escape
    if entry.event is not None:
        e = entry.event
        dates = [f"announced {e.announced}" if e.announced else ""]
        days = tl.days_until_in_force(e, today)
        if e.effective:
            dates.append(f"in force {e.effective}" + (f" (<b>{tl.in_force_text(days)}</b>)" if days is not None else ""))
        origin = {"user": " · yours", "news": " · from the news"}.get(e.origin, "")
        parts = [f"<b>{esc(e.title_en)}</b>" + (f"<br>{esc(e.title_zh)}" if e.title_zh else ""),
                 f"<span style='color:gray'>{' · '.join(x for x in dates if x)} · {esc(e.body)} · "
                 f"{esc(entry.category_label)}{origin}</span>",
                 esc(e.summary)]
        if e.companies:
            parts.append("Hits: " + esc(", ".join(names.get(c, c) for c in e.companies)))
        if e.source_url.startswith(("http://", "https://")):
            parts.append(f"<a href='{esc(e.source_url, quote=True)}'>Source</a>")
        return "<br>".join(p for p in parts if p)
    c = entry.candidate
    link = (f"<br><a href='{esc(c.item.url, quote=True)}'>Open the story</a>"
            if c.item.url.startswith(("http://", "https://")) else "")
    return (f"<b>{esc(c.item.title)}</b><br><span style='color:gray'>from the news · {esc(c.item.source)} · "
            f"{entry.day or 'undated'}</span><br>Flagged as regulatory: {esc(c.verdict.reason)}{link}")
