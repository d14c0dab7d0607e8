"""Plain text from feed HTML: for the list, the full-text index, tagging and alerts.

Feeds put HTML in summaries (already sanitised by feedparser); the list and the search index
want words only. Display is another matter: the reader pane sanitises HTML itself.
"""

from __future__ import annotations

import html
import re

_DROP = re.compile(r"<(script|style|head|template)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_BLOCK = re.compile(r"</?(?:p|div|br|li|ul|ol|h[1-6]|tr|td|th|table|blockquote|pre|hr|figure|figcaption)\b[^>]*>",
                    re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
# Whitespace runs become one space. Only runs that change are matched (a lone space is left alone), and
# only when there is one: a sub() per ordinary space was most of this module's time.
_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u3000]{2,}|[\t\r\f\v\u00a0\u3000]")
_ODD_SPACE = re.compile(r"[\t\r\f\v\u00a0\u3000]")


def html_to_text(markup: str, limit: int | None = None) -> str:
    """The words of `markup`, entities decoded, whitespace collapsed; cut at `limit` characters."""
    if not markup:
        return ""
    if "<" in markup:
        text = _COMMENT.sub(" ", _DROP.sub(" ", markup))
        text = _TAG.sub("", _BLOCK.sub("\n", text))
    else:
        text = markup
    text = html.unescape(text) if "&" in text else text
    if "  " in text or _ODD_SPACE.search(text):
        text = _SPACE.sub(" ", text)
    if "\n" in text:  # a whitespace run holding a line break becomes one line break (`\s*\n\s*` -> `\n`)
        text = "\n".join(line for line in map(str.strip, text.split("\n")) if line)
    text = text.strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


# ----- HTML to show ----------------------------------------------------------------------------------
SAFE_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "li", "ol", "p", "pre", "q",
    "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul"})
SAFE_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"},
                   "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_IMG_SRC = re.compile(r"<img\b[^>]*?\bsrc=\"(https?://[^\"]+)\"", re.IGNORECASE)


def sanitize_html(markup: str, *, images: bool = False, base: str = "") -> str:
    """Feed HTML reduced to harmless formatting (nh3 allow-list: no scripts, styles, forms, frames,
    event attributes; links http/https/mailto only). Relative links resolve against `base`;
    `<img>` is kept only when `images`."""
    import nh3

    relative = ("rewrite_with_base", base) if base.lower().startswith(("http://", "https://")) else "deny"
    return nh3.clean(markup or "", tags=set(SAFE_TAGS | ({"img"} if images else set())), attributes=SAFE_ATTRIBUTES,
                     url_schemes=set(LINK_SCHEMES), link_rel="noopener noreferrer nofollow", strip_comments=True,
                     url_relative=relative)


def image_urls(markup: str, base: str = "", limit: int = 20) -> list[str]:
    """The http(s) images the sanitised markup would show, in order, at most `limit`."""
    found = _IMG_SRC.findall(sanitize_html(markup, images=True, base=base))
    return list(dict.fromkeys(html.unescape(u) for u in found))[:limit]
