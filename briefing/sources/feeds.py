"""RSS/Atom/RDF (and JSON Feed) fetching and normalising: bytes in, `FeedEntry` records out.

We fetch (see `http`), feedparser parses the bytes with the response headers (so it picks the
right encoding: GB2312/GBK/GB18030, Big5, UTF-16/32, Latin-1...), and each entry is normalised:
UTC dates, http(s) links only, plain-text summary, a stable entry key, company tags.
Ill-formed XML keeps the entries feedparser's loose mode recovers and records a warning; a page
that is not a feed is an error that says so. Entry HTML is stored as the feed sent it and is
never shown unsanitised (see `parse_feed`).
"""

from __future__ import annotations

import calendar
import hashlib
import io
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from briefing.domain.html_text import html_to_text
from briefing.domain.models import Feed
from briefing.domain.news_identity import canonical_url, entry_key, title_tokens
from briefing.domain.news_records import FeedEntry
from briefing.domain.tagging import CompanyTagger, default_tagger
from briefing.sources.http import FetchError, HttpClient

ACCEPT = ("application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.9, "
          "text/xml;q=0.9, application/feed+json;q=0.8, application/json;q=0.5, */*;q=0.1")
MAX_ENTRIES = 5000
SUMMARY_CHARS = 1000
CONTENT_CHARS = 200_000
_MIN_YEAR, _MAX_YEAR = 1990, 2100


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    html_url: str
    version: str  # feedparser's name for the format (rss20, atom10...) or "json1"
    encoding: str
    entries: tuple[FeedEntry, ...]
    warning: str | None = None  # the feed is ill-formed; its entries were read anyway
    raw: Any = field(default=None, repr=False, compare=False)  # feedparser's result, for diagnostics


@dataclass(frozen=True)
class FeedFetch:
    """The outcome of fetching one feed: new entries, nothing new (304 / same bytes), or an error."""

    feed_id: int | None
    url: str
    outcome: str  # parsed | not_modified | unchanged | error
    parsed: ParsedFeed | None = None
    error: str | None = None
    error_kind: str = ""
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    final_url: str = ""
    elapsed: float = 0.0
    status: int | None = None


def conditional_headers(feed: Feed) -> dict[str, str]:
    headers = {"Accept": ACCEPT}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    return headers


def fetch_feed(client: HttpClient, feed: Feed, tagger: CompanyTagger | None = None, *,
               parse_gate: AbstractContextManager = nullcontext()) -> FeedFetch:
    """Conditional GET of `feed`, then parse unless the server (304) or the bytes say nothing changed.

    The parse runs inside `parse_gate`: fetchers on several threads pass one lock, so they wait for
    the network together but parse one at a time (parsing is Python that holds the GIL; several
    threads parsing at once only take turns, and slow the app's GUI thread as much again).
    Never raises for anything the network or the feed does: that is an `error` outcome.
    """
    try:
        resp = client.get(feed.url, conditional_headers(feed))
    except FetchError as exc:
        return FeedFetch(feed.id, feed.url, "error", error=exc.message, error_kind=exc.kind, status=exc.status)
    etag = resp.headers.get("etag") or (feed.etag if resp.not_modified else None)
    modified = resp.headers.get("last-modified") or (feed.last_modified if resp.not_modified else None)
    common = dict(etag=etag, last_modified=modified, final_url=resp.url, elapsed=resp.elapsed, status=resp.status)
    if resp.not_modified:
        return FeedFetch(feed.id, feed.url, "not_modified", content_hash=feed.content_hash, **common)
    digest = hashlib.sha256(resp.body).hexdigest()[:32]
    if feed.content_hash and digest == feed.content_hash:  # a server that ignores conditional GET
        return FeedFetch(feed.id, feed.url, "unchanged", content_hash=digest, **common)
    try:
        with parse_gate:
            parsed = parse_feed(resp.body, resp.headers, resp.url, tagger)
    except FetchError as exc:
        return FeedFetch(feed.id, feed.url, "error", error=exc.message, error_kind=exc.kind, **common)
    except Exception as exc:  # noqa: BLE001 - a parser crash is this feed's problem, not the refresh's
        return FeedFetch(feed.id, feed.url, "error", error=f"the feed could not be read ({type(exc).__name__}: "
                                                            f"{str(exc)[:120]})", error_kind="parser", **common)
    return FeedFetch(feed.id, feed.url, "parsed", parsed=parsed, content_hash=digest, **common)


def parse_feed(body: bytes, headers: dict[str, str] | None = None, url: str = "",
               tagger: CompanyTagger | None = None) -> ParsedFeed:
    """Parse feed bytes; raises FetchError(kind="not_feed") for anything that is not a feed."""
    import feedparser

    headers = {k.lower(): v for k, v in (headers or {}).items()}
    if not body.strip():
        raise FetchError("not_feed", "the server sent an empty response, not a feed", url=url)
    given = dict(headers)  # no content-location of our own: resolving every link costs feedparser a
    given.pop("content-encoding", None)  # quarter of its time; `normalise` resolves the few relative ones
    # feedparser's own HTML passes (sanitising, resolving relative links inside content) are off: they
    # more than double its time, and nothing shows feed HTML without the reader's nh3 allow-list
    # (news_reader.sanitize), which resolves relative links against the item; lists and the search
    # index get plain text (html_to_text).
    result = feedparser.parse(io.BytesIO(body), response_headers=given, sanitize_html=False,
                              resolve_relative_uris=False)
    tagger = tagger or default_tagger()
    if not result.get("version") and not result.get("entries"):
        from briefing.sources.jsonfeed import looks_like_json, parse_json_feed

        if looks_like_json(body, headers.get("content-type", "")):
            return parse_json_feed(body, url, tagger)
        raise FetchError("not_feed", _not_a_feed(body, headers), url=url)
    feed = result.get("feed", {})
    base = urljoin(url, headers.get("content-location", "")) if url else ""
    entries = [normalise(e, tagger, base) for e in result.get("entries", [])[:MAX_ENTRIES]]
    warning = describe_bozo(result.get("bozo_exception")) if result.get("bozo") else None
    return ParsedFeed(
        title=html_to_text(feed.get("title", ""), 300), html_url=_http_link(feed.get("link", "")),
        version=result.get("version", ""), encoding=result.get("encoding", ""), entries=tuple(entries),
        warning=warning, raw=result,
    )


def _not_a_feed(body: bytes, headers: dict[str, str]) -> str:
    head = body[:2048].lstrip().lower()
    ctype = headers.get("content-type", "").split(";")[0].strip()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or ctype == "text/html":
        return "this is not a feed: the address gives a web page (HTML), not RSS or Atom"
    kind = f" ({ctype})" if ctype else ""
    return f"this is not a feed{kind}: no RSS, Atom or JSON Feed content was found"


def describe_bozo(exc: BaseException | None) -> str:
    """feedparser's complaint about a feed, in words; the entries were kept."""
    name = type(exc).__name__ if exc is not None else ""
    text = str(exc or "").strip()
    if name == "SAXParseException":
        line = getattr(exc, "getLineNumber", lambda: None)()
        where = f" at line {line}" if line else ""
        return f"the feed is not well-formed XML ({text.split(':')[-1].strip() or 'syntax error'}{where}); " \
               "its entries were read leniently"
    if name == "CharacterEncodingOverride":
        return f"the feed's declared encoding is wrong ({text}); read anyway"
    if name == "CharacterEncodingUnknown":
        return "the feed's character encoding could not be determined; some characters may be wrong"
    if name == "NonXMLContentType":
        return f"the server labels the feed wrongly ({text}); read anyway"
    return f"the feed has problems ({name}: {text[:120]}); read what could be read"


def _http_link(link: str, base: str = "") -> str:
    """`link` if it is http(s) (relative links resolved against `base`), else ""."""
    link = (link or "").strip()
    if base and link and ":" not in link.split("/", 1)[0]:  # relative: no scheme before the first slash
        link = urljoin(base, link)
    return link if link[:8].lower().startswith(("http://", "https://")) else ""


def _entry_link(e: Any, base: str = "") -> str:
    link = _http_link(e.get("link", ""), base)
    if link:
        return link
    for alt in e.get("links", ()) or ():
        if alt.get("rel", "alternate") == "alternate" and _http_link(alt.get("href", ""), base):
            return _http_link(alt["href"], base)
    if e.get("guidislink") or str(e.get("id", "")).lower().startswith(("http://", "https://")):
        return _http_link(e.get("id", ""))
    return ""


def _entry_date(e: Any) -> int | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = dict.get(e, key)  # not e.get(): feedparser maps missing keys with a DeprecationWarning
        if parsed:
            try:
                ts = calendar.timegm(parsed)
            except (TypeError, ValueError, OverflowError):
                continue
            if _MIN_YEAR <= parsed[0] <= _MAX_YEAR:
                return int(ts)
    return None


def _entry_html(e: Any) -> str:
    for content in e.get("content", ()) or ():
        if "html" in (content.get("type") or "") and content.get("value"):
            return content["value"][:CONTENT_CHARS]
    for content in e.get("content", ()) or ():
        if content.get("value"):
            return content["value"][:CONTENT_CHARS]
    return (e.get("summary") or "")[:CONTENT_CHARS]


def normalise(e: Any, tagger: CompanyTagger, base: str = "") -> FeedEntry:
    """One feedparser entry as a `FeedEntry` (never raises on missing fields)."""
    get = e.get if not isinstance(e, dict) else lambda k, d=None: dict.get(e, k, d)  # skip feedparser's key map
    link = _entry_link(e, base)
    summary_html = get("summary") or ""
    html = _entry_html(e) if get("content") else summary_html[:CONTENT_CHARS]
    summary = html_to_text(summary_html or html, SUMMARY_CHARS)
    title = html_to_text(get("title") or "", 500) or (summary[:80] if summary else "") or "(untitled)"
    published = _entry_date(e)
    guid = str(get("id") or "")
    return make_entry(guid, title, link, summary, html, published, str(get("author") or "")[:200], tagger)


def make_entry(guid: str, title: str, link: str, summary: str, html: str, published: int | None, author: str,
               tagger: CompanyTagger) -> FeedEntry:
    return FeedEntry(
        entry_key=entry_key(guid, link, title, summary, published), title=title, url=link, summary=summary,
        content_html=html, published=published, author=author, canonical_url=canonical_url(link),
        title_tokens=title_tokens(title), companies=tagger.tag(title, summary),
    )
