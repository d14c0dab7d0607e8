"""When two feed entries are the same story: canonical links, title keys and stable ids.

Feeds disagree about everything but the story: the same article arrives over http and https,
with `utm_*` tags, a trailing slash, or a " - Reuters" suffix on the title. Dedupe compares
what is left after those are taken away, so one story shows once with several sources.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import attrgetter
from urllib.parse import parse_qsl, urlencode, urlsplit

# Query parameters that only say where a click came from (never what the page is).
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "_hsenc", "_hsmi",
    "mkt_tok", "ref_src", "ref_url", "cmpid", "ocid", "smid", "ncid", "s_cid", "spm", "scm", "share_token",
    "guccounter", "guce_referrer", "guce_referrer_sig", "rss", "feature", "__twitter_impression",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "at_")

TITLE_THRESHOLD = 0.8  # Jaccard similarity of title tokens above which two titles are one story
MIN_TITLE_TOKENS = 4  # shorter titles ("Markets", "早报") are too generic to merge on
TITLE_WINDOW_S = 36 * 3600  # near-identical titles further apart than this are different stories
SAME_FEED_SLACK_S = 120  # within one feed a repeated title is the same entry only at the same time

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_]+(?:\.\d+)*", re.UNICODE)
_CJK_RUN = re.compile(rf"[{_CJK}]+")
# " - Reuters", " | SCMP", " – 36氪", "_新浪财经": a trailing outlet name, not part of the story
_SOURCE_SUFFIX = re.compile(r"\s+[-–—|｜]\s+[^-–—|｜]{1,40}$|[_｜|]\s*[^_｜|\s]{1,12}$")


_SIMPLE_URL = re.compile(r"(?i)https?://([a-z0-9.-]+)(/[^?#\s]*)?(?:\?([^#\s]*))?(#.*)?")
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.-]*")  # a query key that parse_qsl would not decode


def _only_tracking(query: str) -> bool:
    """True when every parameter of `query` is a tracking one (dropped), without decoding it."""
    for pair in query.split("&"):
        if not pair:
            continue  # parse_qsl skips empty pairs
        key = pair.split("=", 1)[0]
        if not _PLAIN_KEY.fullmatch(key):
            return False
        key = key.lower()
        if key not in TRACKING_PARAMS and not key.startswith(TRACKING_PREFIXES):
            return False
    return True


def canonical_url(url: str) -> str:
    """A comparison key for a web link, or "" when it is not an http(s) link.

    Scheme, host case, `www.`, default ports, fragments, trailing slashes and tracking
    parameters are dropped; the remaining query is sorted.
    """
    url = (url or "").strip()
    if not url:
        return ""
    # The common case (no port or user; no query but tracking tags like ?utm_source=rss): no urlsplit.
    simple = _SIMPLE_URL.fullmatch(url)
    if simple and simple.group(1) and (not simple.group(3) or _only_tracking(simple.group(3))):
        host = simple.group(1).lower().rstrip(".")
        host = host[4:] if host.startswith("www.") else host
        path = re.sub(r"/{2,}", "/", simple.group(2) or "/")
        return host + (path.rstrip("/") if len(path) > 1 else path)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    if len(path) > 1:
        path = path.rstrip("/")
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    ]
    key = host + path
    if query:
        key += "?" + urlencode(sorted(query))
    return key


def strip_source_suffix(title: str) -> str:
    """ "Baidu unveils Ernie 4.0 - Reuters" -> "Baidu unveils Ernie 4.0" (only when enough is left)."""
    stripped = _SOURCE_SUFFIX.sub("", title)
    return stripped if len(title_tokens_raw(stripped)) >= MIN_TITLE_TOKENS else title


def title_tokens_raw(title: str) -> list[str]:
    tokens: list[str] = []
    for tok in _TOKEN.findall(unicodedata.normalize("NFKC", title or "").casefold()):
        if _CJK_RUN.fullmatch(tok):
            tokens.extend([tok] if len(tok) < 2 else [tok[i : i + 2] for i in range(len(tok) - 1)])
        else:
            tokens.append(tok)
    return tokens


def title_tokens(title: str) -> tuple[str, ...]:
    """Words (case-folded, width-folded) and Chinese bigrams of a title without its outlet suffix."""
    title = unicodedata.normalize("NFKC", title or "").strip()
    stripped = _SOURCE_SUFFIX.sub("", title)  # as strip_source_suffix, tokenising each text only once
    tokens = title_tokens_raw(stripped)
    if stripped != title and len(tokens) < MIN_TITLE_TOKENS:
        tokens = title_tokens_raw(title)
    return tuple(tokens)


def title_key(tokens: Iterable[str]) -> str:
    """The exact-match form of a title: equal keys are the same headline."""
    return " ".join(tokens)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def entry_key(guid: str, link: str, title: str, summary: str, published: int | None) -> str:
    """A feed entry's identity within its feed: its guid, else its canonical link, else a hash."""
    guid = (guid or "").strip()
    if guid:
        return "g:" + guid[:500]
    canon = canonical_url(link)
    if canon:
        return "u:" + canon[:500]
    digest = hashlib.sha1(f"{title}\x00{summary}\x00{published}".encode("utf-8", "replace")).hexdigest()
    return "h:" + digest


def news_id(feed_id: int, key: str) -> str:
    """The stable id of the news item first made from entry `key` of feed `feed_id`."""
    return hashlib.sha1(f"{feed_id}\x00{key}".encode("utf-8", "replace")).hexdigest()[:20]


def title_windows(dates: Iterable[int], window_s: int = TITLE_WINDOW_S) -> list[tuple[int, int]]:
    """The spans of dates a near-identical title can match from: [d - w, d + w] around each date,
    overlapping or touching ones merged, in order.

    Loading stored titles from these spans only (not from the oldest to the newest date of a feed)
    keeps a feed with one old entry, or entries spread over years, from loading the whole cache.
    """
    spans: list[tuple[int, int]] = []
    for d in sorted(set(dates)):
        lo, hi = d - window_s, d + window_s
        if spans and lo <= spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], hi)
        else:
            spans.append((lo, hi))
    return spans


@dataclass(slots=True)
class _Indexed:
    id: str
    tokens: frozenset[str]
    published: int
    feed_ids: set[int] = field(default_factory=set)


_BY_ID = attrgetter("id")


class TitleIndex:
    """Near-identical title look-up over recent items, without comparing against all of them.

    If Jaccard(A, B) >= t then at most |B| - ceil(t*|B|) tokens of B are missing from A, so any
    |B| - ceil(t*|B|) + 1 tokens of B include one of A's. Items are indexed under every token and
    their time bucket (the window's width); a query probes only that many of its rarest tokens, in
    the neighbouring buckets only.
    """

    def __init__(self, threshold: float = TITLE_THRESHOLD, window_s: int = TITLE_WINDOW_S) -> None:
        self.threshold, self.window_s = threshold, window_s
        self._postings: defaultdict[tuple[str, int], list[_Indexed]] = defaultdict(list)  # (token, bucket) -> items
        self._by_key: defaultdict[str, list[_Indexed]] = defaultdict(list)
        self._items: dict[str, _Indexed] = {}
        # items per token: probing the rarest keeps candidate lists short (a defaultdict, so that
        # `sorted(key=df.__getitem__)` needs no Python-level key function)
        self._df: defaultdict[str, int] = defaultdict(int)

    def add(self, item_id: str, tokens: tuple[str, ...], published: int, feed_id: int | None, *,
            in_id_order: bool = False) -> None:
        """Index an item. Items with equal titles are tried in the order added, or in id order among
        the others so added (stored items: an index loaded in pieces answers as one loaded at once)."""
        token_set = frozenset(tokens)
        entry = _Indexed(item_id, token_set, published, {feed_id} if feed_id is not None else set())
        self._items[item_id] = entry
        same = self._by_key[title_key(tokens)]
        if in_id_order:
            bisect.insort(same, entry, key=_BY_ID)
        else:
            same.append(entry)
        if len(token_set) >= MIN_TITLE_TOKENS:
            bucket = published // self.window_s
            postings, df = self._postings, self._df
            for tok in token_set:
                postings[tok, bucket].append(entry)
                df[tok] += 1

    def __len__(self) -> int:
        """How many items are indexed (what a load cost)."""
        return len(self._items)

    def add_feed(self, item_id: str, feed_id: int) -> None:
        """`feed_id` now also carries item `item_id`."""
        if item_id in self._items:
            self._items[item_id].feed_ids.add(feed_id)

    def drop_feed(self, item_id: str, feed_id: int) -> None:
        """`feed_id` no longer carries item `item_id`."""
        if item_id in self._items:
            self._items[item_id].feed_ids.discard(feed_id)

    def order_by_id(self, key: str) -> None:
        """Put the items with title key `key` in id order, as stored items are (see `add`)."""
        if key in self._by_key:
            self._by_key[key].sort(key=_BY_ID)

    def _close_enough(self, e: _Indexed, published: int, feed_id: int | None) -> bool:
        if feed_id is not None and feed_id in e.feed_ids:  # a recurring title in one feed is a new entry
            return abs(e.published - published) <= SAME_FEED_SLACK_S
        return abs(e.published - published) <= self.window_s

    def match(self, tokens: tuple[str, ...], published: int, feed_id: int | None) -> str | None:
        """The id of an indexed item with a near-identical title close in time, if any."""
        if len(tokens) < MIN_TITLE_TOKENS:
            return None
        for e in self._by_key.get(title_key(tokens), ()):
            if self._close_enough(e, published, feed_id):
                return e.id
        postings = self._postings
        if not postings:  # nothing indexed yet (a first fetch into an empty window)
            return None
        query = frozenset(tokens)
        probe = len(query) - math.ceil(self.threshold * len(query)) + 1
        bucket = published // self.window_s

        buckets = (bucket - 1, bucket, bucket + 1)  # items whose date can be in the window
        empty: list[_Indexed] = []
        # ties go to the closest in time, then the smallest id: the answer depends only on the items
        # in the window, not on which tokens were probed or what else was loaded
        best, best_score, best_gap, seen = None, self.threshold, 0, set()
        window, slack = self.window_s, SAME_FEED_SLACK_S
        df = self._df
        for tok in sorted(query, key=df.__getitem__)[:probe]:
            for b in buckets:
                for e in postings.get((tok, b), empty):
                    gap = abs(e.published - published)
                    if gap > window or (gap > slack and feed_id in e.feed_ids) or e.id in seen:
                        continue  # too far apart (a repeated title in one feed must be at the same time)
                    seen.add(e.id)
                    score = jaccard(query, e.tokens)
                    if score > best_score or (score == best_score and (
                            best is None or (gap, e.id) < (best_gap, best))):
                        best, best_score, best_gap = e.id, score, gap
        return best
