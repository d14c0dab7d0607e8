"""Shared by the news tests: a loopback feed server and small feed documents."""

from __future__ import annotations

import threading
from email.utils import format_datetime
from datetime import datetime, timezone
from xml.sax.saxutils import escape

import pytest


def rss(items, title="Test feed", link="https://example.com/") -> bytes:
    """An RSS 2.0 document; items are dicts with title/link/guid/description/date (UTC seconds)."""
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{escape(title)}</title>'
             f"<link>{escape(link)}</link><description>d</description>"]
    for it in items:
        parts.append("<item>")
        if "title" in it:
            parts.append(f"<title>{escape(it['title'])}</title>")
        if "link" in it:
            parts.append(f"<link>{escape(it['link'])}</link>")
        if "guid" in it:
            parts.append(f'<guid isPermaLink="false">{escape(it["guid"])}</guid>')
        if "description" in it:
            parts.append(f"<description>{escape(it['description'])}</description>")
        if it.get("date") is not None:
            parts.append(f"<pubDate>{format_datetime(datetime.fromtimestamp(it['date'], timezone.utc))}</pubDate>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


class Release:
    """Lets slow handlers on the server wake up when a test ends (they wait on it, never sleep)."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def wait(self, seconds: float) -> bool:
        return self.event.wait(seconds)


@pytest.fixture(scope="module")
def feed_server():
    """A threaded loopback HTTP server (slow handlers do not block the others)."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def server(feed_server):
    feed_server.clear()
    release = Release()
    feed_server.release = release
    yield feed_server
    release.event.set()
    feed_server.clear()
