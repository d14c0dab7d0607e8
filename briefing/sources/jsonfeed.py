"""JSON Feed (jsonfeed.org, versions 1 and 1.1): the one common feed format feedparser 6 lacks."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from briefing.domain.html_text import html_to_text
from briefing.domain.tagging import CompanyTagger
from briefing.sources.http import FetchError


def looks_like_json(body: bytes, content_type: str) -> bool:
    return "json" in content_type.lower() or body.lstrip()[:1] in (b"{", b"\xef")


def _date(value) -> int | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp()) if 1990 <= dt.year <= 2100 else None


def parse_json_feed(body: bytes, url: str, tagger: CompanyTagger):
    from briefing.sources.feeds import CONTENT_CHARS, MAX_ENTRIES, SUMMARY_CHARS, ParsedFeed, _http_link, make_entry

    try:
        data = json.loads(body.decode("utf-8-sig", errors="replace"))
    except (ValueError, RecursionError):
        raise FetchError("not_feed", "this is not a feed: the JSON could not be read", url=url) from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith("https://jsonfeed.org/version/"):
        raise FetchError("not_feed", "this is not a feed: JSON, but not a JSON Feed", url=url)
    items = data.get("items") if isinstance(data.get("items"), list) else []
    entries = []
    for item in items[:MAX_ENTRIES]:
        if not isinstance(item, dict):
            continue
        html = str(item.get("content_html") or "")[:CONTENT_CHARS]
        text = str(item.get("content_text") or "")
        summary = html_to_text(str(item.get("summary") or "") or html or text, SUMMARY_CHARS)
        title = html_to_text(str(item.get("title") or ""), 500) or summary[:80] or "(untitled)"
        link = _http_link(str(item.get("url") or "")) or _http_link(str(item.get("external_url") or ""))
        author = item.get("author") if isinstance(item.get("author"), dict) else {}
        published = _date(item.get("date_published")) or _date(item.get("date_modified"))
        entries.append(make_entry(str(item.get("id") or ""), title, link, summary, html or text, published,
                                  str(author.get("name") or "")[:200], tagger))
    return ParsedFeed(title=html_to_text(str(data.get("title") or ""), 300),
                      html_url=_http_link(str(data.get("home_page_url") or "")), version="json1",
                      encoding="utf-8", entries=tuple(entries), raw=data)
