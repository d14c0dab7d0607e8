"""OPML subscription lists in and out. Reading is lenient: real exports are often not XML.

Files in the wild carry unescaped `&` and even `<em>` inside attribute values. We try the
standard parser first (after escaping bare ampersands), and if that still fails, read the
`<outline>` tags one by one, so one broken attribute costs nothing. Nested outlines become
folders ("News / China"); a folder's feeds keep it, deeper levels are joined by " / ".
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from briefing.domain.models import Feed

FOLDER_SEP = " / "
_BARE_AMP = re.compile(rb"&(?!(?:[A-Za-z][A-Za-z0-9._-]*|#[0-9]+|#[xX][0-9A-Fa-f]+);)")
_OUTLINE = re.compile(r"<(/?)outline\b", re.IGNORECASE)
_TAG_END = re.compile(r"(/?)>\s*(?=<|\Z)")  # a '>' inside a broken value is rarely followed by '<'
# a value runs to the quote that is followed by the next attribute or the tag's end: inner quotes survive
_ATTR = re.compile(r"([A-Za-z_:][-\w:.]*)\s*=\s*(?:\"(.*?)\"|'(.*?)')(?=\s+[A-Za-z_:][-\w:.]*\s*=|\s*/?>)", re.DOTALL)
_DECL_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")


class OpmlError(ValueError):
    """The file is not a subscription list at all."""


@dataclass(frozen=True)
class OpmlFeed:
    url: str
    title: str = ""
    folder: str = ""
    html_url: str = ""
    language: str = ""

    def as_feed(self) -> Feed:
        return Feed(url=self.url, title=self.title, folder=self.folder, html_url=self.html_url,
                    language=self.language)


@dataclass(frozen=True)
class OpmlImport:
    feeds: tuple[OpmlFeed, ...]
    title: str = ""
    warning: str | None = None  # the file was not well-formed; read leniently
    skipped: tuple[str, ...] = field(default=())  # outlines whose address is not http(s), in words


def _get(attrs: dict[str, str], name: str) -> str:
    for key, value in attrs.items():
        if key.lower() == name.lower():
            return value.strip()
    return ""


class _Collector:
    def __init__(self) -> None:
        self.feeds: list[OpmlFeed] = []
        self.skipped: list[str] = []
        self.seen: set[str] = set()

    def outline(self, attrs: dict[str, str], folders: list[str]) -> None:
        url = _get(attrs, "xmlUrl")
        title = _get(attrs, "title") or _get(attrs, "text")
        if not url:
            return
        if not url.lower().startswith(("http://", "https://")):
            self.skipped.append(f"{title or url[:60]}: not an http(s) address ({url[:60]})")
            return
        if url in self.seen:
            return
        self.seen.add(url)
        self.feeds.append(OpmlFeed(url, title, FOLDER_SEP.join(f for f in folders if f),
                                   _get(attrs, "htmlUrl"), _get(attrs, "language")))


def _walk(element: ET.Element, folders: list[str], out: _Collector) -> None:
    for child in element:
        if not isinstance(child.tag, str) or child.tag.split("}")[-1].lower() != "outline":
            continue
        attrs = dict(child.attrib)
        if _get(attrs, "xmlUrl"):
            out.outline(attrs, folders)
        name = _get(attrs, "title") or _get(attrs, "text")
        _walk(child, folders + ([name] if not _get(attrs, "xmlUrl") else []), out)


def _strict(data: bytes) -> tuple[_Collector, str]:
    root = ET.fromstring(_BARE_AMP.sub(b"&amp;", data))
    if root.tag.split("}")[-1].lower() != "opml":
        raise OpmlError(f"this is not an OPML file (its root element is <{root.tag}>)")
    out = _Collector()
    body = next((c for c in root if isinstance(c.tag, str) and c.tag.lower() == "body"), None)
    _walk(body if body is not None else root, [], out)
    head = next((c for c in root if isinstance(c.tag, str) and c.tag.lower() == "head"), None)
    title = (head.findtext("title") or "").strip() if head is not None else ""
    return out, title


def _decode(data: bytes) -> str:
    m = _DECL_ENCODING.match(data)
    for encoding in ([m.group(1).decode()] if m else []) + ["utf-8-sig"]:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def _tolerant(data: bytes) -> _Collector:
    """Read `<outline>` tags in order, tracking nesting, each tag on its own: a broken one costs nothing."""
    out = _Collector()
    stack: list[str | None] = []  # folder name for open outlines (None: a feed outline left open)
    text = _decode(data)
    for m in _OUTLINE.finditer(text):
        if m.group(1):
            if stack:
                stack.pop()
            continue
        end = _TAG_END.search(text, m.end())
        if end is None:
            break
        self_closing = end.group(1) == "/"
        tag = text[m.end():end.start()] + ("/>" if self_closing else ">")
        attrs = {a.group(1): html.unescape(a.group(2) if a.group(2) is not None else a.group(3))
                 for a in _ATTR.finditer(tag)}
        folders = [f for f in stack if f]
        if _get(attrs, "xmlUrl"):
            out.outline(attrs, folders)
            if not self_closing:
                stack.append(None)
        elif not self_closing:
            stack.append(_get(attrs, "title") or _get(attrs, "text") or None)
    return out


def read_opml(data: bytes) -> OpmlImport:
    """The feeds of an OPML file; raises OpmlError when there is nothing like OPML in it."""
    warning = None
    title = ""
    try:
        out, title = _strict(data)
        if _BARE_AMP.search(data):
            warning = "the file has unescaped '&' characters (not well-formed XML); read leniently"
    except ET.ParseError as exc:
        out = _tolerant(data)
        warning = f"the file is not well-formed XML ({exc}); read leniently"
        if not out.feeds and b"<opml" not in data[:4096].lower():
            raise OpmlError("this is not an OPML file (no <opml> element and no feed outlines)") from None
    return OpmlImport(tuple(out.feeds), title, warning, tuple(out.skipped))


def write_opml(feeds: list[Feed], title: str = "China AI Briefing subscriptions") -> bytes:
    """OPML 2.0 with one outline per feed, folders as nested outlines."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    folders: dict[tuple[str, ...], ET.Element] = {(): body}
    for feed in sorted(feeds, key=lambda f: (f.folder, f.title.casefold(), f.url)):
        path: tuple[str, ...] = ()
        for part in [p.strip() for p in feed.folder.split(FOLDER_SEP) if p.strip()]:
            parent = folders[path]
            path = path + (part,)
            if path not in folders:
                folders[path] = ET.SubElement(parent, "outline", text=part, title=part)
        attrs = {"type": "rss", "text": feed.title or feed.url, "title": feed.title or feed.url, "xmlUrl": feed.url}
        if feed.html_url:
            attrs["htmlUrl"] = feed.html_url
        if feed.language:
            attrs["language"] = feed.language
        ET.SubElement(folders[path], "outline", attrs)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode("utf-8") + b"\n"
