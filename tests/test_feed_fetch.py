"""Fetching feeds over loopback HTTP: conditional GET, redirects, limits, faults, each a per-feed error.

Time bounds are pytest-timeout marks (a hung fetch fails the test), never wall-clock asserts.
"""

from __future__ import annotations

import gzip
import shutil
import ssl
import subprocess
import zlib

import pytest
from werkzeug import Response

from briefing.domain.models import Feed
from briefing.services.news_refresh import DemoProfileError, HostPacer, NewsRefresher, interleave_by_host, is_due
from briefing.sources.http import FetchError, FetchLimits, HttpClient
from feed_helpers import feed_server, rss, server  # noqa: F401

NOW = 1_790_000_000
ITEMS = [{"title": "Baidu unveils Ernie 5 model at its Wuhan event", "link": "https://example.com/a?utm_source=rss",
          "guid": "a", "date": NOW - 3600, "description": "百度发布文心大模型"},
         {"title": "Tencent adds Hunyuan to WeChat search", "link": "https://example.com/b", "guid": "b",
          "date": NOW - 7200}]


def refresher(store, **kw) -> NewsRefresher:
    kw.setdefault("politeness_s", 0)
    kw.setdefault("clock", lambda: NOW)
    return NewsRefresher(store, **kw)


def add(store, server, path, title="", **kw) -> Feed:
    fid = store.feeds.add(Feed(server.url_for(path), title, **kw))
    return store.feeds.get(fid)


def run(store, feeds, **kw):
    r = refresher(store, **{k: v for k, v in kw.items() if k != "force"})
    try:
        return r.refresh([store.feeds.get(f.id) for f in feeds], force=kw.get("force", True))
    finally:
        r.close()


# ----- conditional GET ----------------------------------------------------------------------------
def test_etag_conditional_get_304_costs_nothing(server, store):
    body = rss(ITEMS)
    counts = {"200": 0, "304": 0}

    def handler(request):
        if request.headers.get("If-None-Match") == '"v1"':
            counts["304"] += 1
            return Response(status=304, headers={"ETag": '"v1"'})
        counts["200"] += 1
        return Response(body, content_type="application/rss+xml", headers={"ETag": '"v1"'})

    server.expect_request("/etag").respond_with_handler(handler)
    feed = add(store, server, "/etag")
    first = run(store, [feed])
    assert first.outcomes[0].outcome == "parsed" and len(first.new_ids) == 2
    for _ in range(3):
        again = run(store, [feed])
        assert again.outcomes[0].outcome == "not_modified" and again.new_ids == ()
    assert counts == {"200": 1, "304": 3}
    assert store.feeds.get(feed.id).etag == '"v1"'


def test_last_modified_conditional_get(server, store):
    stamp = "Wed, 21 Oct 2026 07:28:00 GMT"
    counts = {"304": 0}

    def handler(request):
        if request.headers.get("If-Modified-Since") == stamp:
            counts["304"] += 1
            return Response(status=304)
        return Response(rss(ITEMS), content_type="application/rss+xml", headers={"Last-Modified": stamp})

    server.expect_request("/lm").respond_with_handler(handler)
    feed = add(store, server, "/lm")
    run(store, [feed])
    run(store, [feed])
    assert counts["304"] == 1
    assert store.feeds.get(feed.id).last_modified == stamp


def test_server_ignoring_conditional_get_is_not_parsed_again(server, store):
    server.expect_request("/same").respond_with_data(rss(ITEMS), content_type="application/rss+xml")
    feed = add(store, server, "/same")
    assert run(store, [feed]).outcomes[0].outcome == "parsed"
    assert run(store, [feed]).outcomes[0].outcome == "unchanged"


# ----- redirects and schemes ------------------------------------------------------------------------
def test_redirects_are_followed_up_to_five(server, store):
    for i in range(5):
        server.expect_request(f"/r{i}").respond_with_response(Response(status=301 if i % 2 else 302,
                                                                        headers={"Location": f"/r{i + 1}"}))
    server.expect_request("/r5").respond_with_data(rss(ITEMS), content_type="application/rss+xml")
    report = run(store, [add(store, server, "/r0")])
    assert report.outcomes[0].outcome == "parsed" and len(report.new_ids) == 2


@pytest.mark.timeout(10)
def test_too_many_redirects_and_loops_are_errors(server, store):
    for i in range(6):
        server.expect_request(f"/s{i}").respond_with_response(Response(status=302, headers={"Location": f"/s{i + 1}"}))
    server.expect_request("/s6").respond_with_data(rss(ITEMS))
    server.expect_request("/loop-a").respond_with_response(Response(status=302, headers={"Location": "/loop-b"}))
    server.expect_request("/loop-b").respond_with_response(Response(status=307, headers={"Location": "/loop-a"}))
    report = run(store, [add(store, server, "/s0"), add(store, server, "/loop-a")])
    assert [o.outcome for o in report.outcomes] == ["error", "error"]
    assert all("too many redirects" in o.error for o in report.outcomes)


@pytest.mark.parametrize("target, words", [
    ("file:///etc/passwd", "file: address"),
    ("ftp://example.com/feed.xml", "ftp: address"),
    ("data:text/xml,<rss/>", "data: address"),
    ("javascript:alert(1)", "javascript: address"),
    ("gopher://example.com/", "gopher: address"),
])
def test_redirect_to_another_scheme_is_refused(server, store, target, words):
    server.expect_request("/go").respond_with_response(Response(status=302, headers={"Location": target}))
    report = run(store, [add(store, server, "/go")])
    assert report.outcomes[0].outcome == "error"
    assert words in report.outcomes[0].error and "only http and https" in report.outcomes[0].error
    assert store.news.items() == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "data:,x", "/relative", "feed://x"])
def test_non_http_feed_address_is_refused_without_a_request(store, url):
    fid = store.feeds.add(Feed(url, "bad"))
    report = run(store, [store.feeds.get(fid)])
    assert report.outcomes[0].outcome == "error" and "only http and https" in report.outcomes[0].error


# ----- size, time, compression -------------------------------------------------------------------
@pytest.mark.timeout(20)
def test_fifty_megabytes_are_refused_at_ten(server, store):
    server.expect_request("/declared").respond_with_data(b"<" * (50 * 1024 * 1024), content_type="application/xml")

    def stream(request):
        return Response((b"a" * (1024 * 1024) for _ in range(50)), content_type="application/rss+xml")

    server.expect_request("/chunked").respond_with_handler(stream)
    bomb = gzip.compress(b"<rss>" + b" " * (50 * 1024 * 1024))
    server.expect_request("/bomb").respond_with_data(bomb, headers={"Content-Encoding": "gzip"},
                                                     content_type="application/rss+xml")
    report = run(store, [add(store, server, p) for p in ("/declared", "/chunked", "/bomb")])
    assert [o.outcome for o in report.outcomes] == ["error"] * 3
    assert all("larger than 10 MB" in o.error for o in report.outcomes)


@pytest.mark.timeout(15)
def test_a_server_dribbling_one_byte_a_second_hits_the_deadline(server, store):
    def dribble(request):
        def body():
            for ch in rss(ITEMS):
                yield bytes([ch])
                if server.release.wait(1.0):
                    return
        return Response(body(), content_type="application/rss+xml")

    server.expect_request("/dribble").respond_with_handler(dribble)
    server.expect_request("/fine").respond_with_data(rss(ITEMS), content_type="application/rss+xml")
    client = HttpClient(FetchLimits(deadline=2.0, read_timeout=5.0))
    report = run(store, [add(store, server, "/dribble"), add(store, server, "/fine")], client=client)
    dribbled, fine = report.outcomes
    assert dribbled.outcome == "error" and "too slow" in dribbled.error and "2 s" in dribbled.error
    assert fine.outcome == "parsed" and fine.new == 2  # nothing else disturbed


@pytest.mark.timeout(15)
def test_a_server_that_never_answers_times_out(server, store):
    def silent(request):
        server.release.wait(30)
        return Response("late")

    server.expect_request("/silent").respond_with_handler(silent)
    client = HttpClient(FetchLimits(read_timeout=1.0, deadline=5.0))
    report = run(store, [add(store, server, "/silent")], client=client)
    assert report.outcomes[0].outcome == "error" and "stopped sending data" in report.outcomes[0].error


@pytest.mark.parametrize("encoding, pack", [("gzip", gzip.compress), ("deflate", zlib.compress)])
def test_compressed_responses(server, store, encoding, pack):
    seen = {}

    def handler(request):
        seen["accept"] = request.headers.get("Accept-Encoding", "")
        seen["ua"] = request.headers.get("User-Agent", "")
        return Response(pack(rss(ITEMS)), headers={"Content-Encoding": encoding}, content_type="application/rss+xml")

    server.expect_request("/z").respond_with_handler(handler)
    report = run(store, [add(store, server, "/z")])
    assert report.outcomes[0].outcome == "parsed" and len(report.new_ids) == 2
    assert "gzip" in seen["accept"] and "deflate" in seen["accept"]
    assert seen["ua"].startswith("ChinaAIBriefing/")


# ----- status codes, content types, TLS ---------------------------------------------------------------
@pytest.mark.parametrize("status, words", [(404, "not at this address"), (500, "internal error"),
                                           (410, "removed for good"), (503, "unavailable")])
def test_http_errors_in_plain_words(server, store, status, words):
    server.expect_request("/e").respond_with_data("nope", status=status)
    feed = add(store, server, "/e")
    report = run(store, [feed])
    assert report.outcomes[0].outcome == "error" and f"HTTP {status}" in report.outcomes[0].error
    assert words in report.outcomes[0].error
    saved = store.feeds.get(feed.id)
    assert saved.last_error == report.outcomes[0].error and saved.failures == 1


@pytest.mark.parametrize("ctype", ["text/html", "application/octet-stream", "text/plain", "image/png", ""])
def test_a_feed_with_a_wrong_content_type_is_still_read(server, store, ctype):
    server.expect_request("/ct").respond_with_data(rss(ITEMS), content_type=ctype or None)
    report = run(store, [add(store, server, "/ct")])
    assert report.outcomes[0].outcome == "parsed" and len(report.new_ids) == 2


@pytest.mark.parametrize("body, ctype, words", [
    (b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Hi</p></body></html>",
     "application/rss+xml", "web page (HTML)"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "image/png", "this is not a feed"),
    (b"", "application/rss+xml", "empty response"),
    (b'{"hello": "world"}', "application/json", "not a JSON Feed"),
])
def test_a_page_that_is_not_a_feed_is_a_clear_error(server, store, body, ctype, words):
    server.expect_request("/nf").respond_with_data(body, content_type=ctype)
    report = run(store, [add(store, server, "/nf")])
    assert report.outcomes[0].outcome == "error" and words in report.outcomes[0].error


@pytest.mark.timeout(15)
def test_tls_failure_is_a_per_feed_error(server, store):
    server.expect_request("/tls").respond_with_data(rss(ITEMS))
    fid = store.feeds.add(Feed(server.url_for("/tls").replace("http://", "https://"), "TLS"))
    report = run(store, [store.feeds.get(fid)])
    assert report.outcomes[0].outcome == "error" and "secure (TLS) connection failed" in report.outcomes[0].error


@pytest.mark.timeout(30)
@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_untrusted_certificate_is_refused(tmp_path, store):
    from pytest_httpserver import HTTPServer

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    tls = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    tls.start()
    try:
        tls.expect_request("/f").respond_with_data(rss(ITEMS))
        fid = store.feeds.add(Feed(tls.url_for("/f"), "self-signed"))
        assert fid and tls.url_for("/f").startswith("https://")
        report = run(store, [store.feeds.get(fid)])
        assert report.outcomes[0].outcome == "error" and "certificate is not trusted" in report.outcomes[0].error
    finally:
        tls.clear()
        tls.stop()


# ----- hostile documents ------------------------------------------------------------------------------
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
 <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<rss version="2.0"><channel><title>laughs</title><link>https://example.com/</link><description>x</description>
<item><title>Laugh &i;</title><link>https://example.com/laugh</link><guid>laugh</guid></item>
</channel></rss>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY net SYSTEM "http://127.0.0.1:9/x">]>
<rss version="2.0"><channel><title>xxe</title><link>https://example.com/</link><description>x</description>
<item><title>Secret &xxe; &net;</title><link>https://example.com/xxe</link><description>&xxe;</description></item>
</channel></rss>"""


@pytest.mark.timeout(30)
def test_billion_laughs_and_xxe_are_harmless(server, store):
    server.expect_request("/laughs").respond_with_data(BILLION_LAUGHS, content_type="application/rss+xml")
    server.expect_request("/xxe").respond_with_data(XXE, content_type="application/rss+xml")
    server.expect_request("/fine").respond_with_data(rss(ITEMS), content_type="application/rss+xml")
    report = run(store, [add(store, server, p) for p in ("/laughs", "/xxe", "/fine")])
    laughs, xxe, fine = report.outcomes
    for o in (laughs, xxe):  # read without expanding anything, or refused: either way per feed
        assert o.outcome == "error" or o.warning or o.new <= 1
    texts = " ".join(i.title + i.summary for i in store.news.items())
    assert "root:" not in texts and len(texts) < 100_000  # no file read, no billion a's
    assert fine.outcome == "parsed" and fine.new == 2


def test_javascript_links_in_items_are_dropped(server, store):
    doc = rss([{"title": "Click me for Alibaba news today", "link": "javascript:alert(document.cookie)",
                "guid": "js", "date": NOW, "description": '<a href="javascript:alert(1)">x</a> body'}])
    server.expect_request("/js").respond_with_data(doc, content_type="application/rss+xml")
    run(store, [add(store, server, "/js")])
    from briefing.domain.html_text import sanitize_html

    (item,) = store.news.items()
    assert item.url == "" and "javascript" not in sanitize_html(store.news.detail(item.id).content_html)
    assert item.companies == ("alibaba",) and "javascript" not in item.summary


# ----- dedupe across fetches ---------------------------------------------------------------------------
def test_a_feed_that_changes_its_guids_every_fetch_does_not_duplicate(server, store):
    fetches = {"n": 0}

    def handler(request):
        fetches["n"] += 1
        n = fetches["n"]
        return Response(rss([{**it, "guid": f"{it['guid']}-{n}"} for it in ITEMS]), content_type="application/rss+xml")

    server.expect_request("/churn").respond_with_handler(handler)
    feed = add(store, server, "/churn")
    for _ in range(4):
        run(store, [feed])
    assert len(store.news.items()) == 2
    assert store.db.query("SELECT count(*) FROM news_sources WHERE feed_id = ?", (feed.id,))[0][0] == 2


def test_changing_guids_and_links_still_collapse_on_the_title(server, store):
    fetches = {"n": 0}

    def handler(request):
        fetches["n"] += 1
        n = fetches["n"]
        return Response(rss([{**it, "guid": f"g{n}{i}", "link": f"https://example.com/s{n}/{i}"}
                             for i, it in enumerate(ITEMS)]), content_type="application/rss+xml")

    server.expect_request("/churn2").respond_with_handler(handler)
    feed = add(store, server, "/churn2")
    for _ in range(3):
        run(store, [feed])
    assert len(store.news.items()) == 2


def test_read_and_starred_survive_refreshes(server, store):
    docs = {"v": rss(ITEMS)}
    server.expect_request("/rs").respond_with_handler(lambda r: Response(docs["v"], content_type="application/rss+xml"))
    feed = add(store, server, "/rs")
    run(store, [feed])
    first = store.news.items()[0]
    store.news.set_flags(first.id, read=True, starred=True)
    docs["v"] = rss([{**ITEMS[0], "title": ITEMS[0]["title"] + " (updated)"}, ITEMS[1]])
    report = run(store, [feed])
    assert report.outcomes[0].updated == 1 and report.new_ids == ()
    again = next(i for i in store.news.items() if i.id == first.id)
    assert again.is_read and again.starred and again.title.endswith("(updated)")


# ----- scheduling pieces ---------------------------------------------------------------------------------
def test_is_due_follows_the_interval_and_backs_off_after_failures():
    f = Feed("https://x.example/feed", refresh_minutes=30, last_fetch=NOW)
    assert not is_due(f, NOW + 29 * 60) and is_due(f, NOW + 30 * 60)
    failing = Feed("https://x.example/feed", refresh_minutes=30, last_fetch=NOW, failures=2)
    assert not is_due(failing, NOW + 60 * 60) and is_due(failing, NOW + 120 * 60)
    assert is_due(Feed("https://x.example/new"), NOW)
    assert not is_due(Feed("https://x.example/off", enabled=False), NOW)


def test_host_pacer_spaces_requests_to_one_host():
    clock = {"t": 100.0}
    slept = []

    def sleep(s):
        slept.append(s)
        clock["t"] += s

    pacer = HostPacer(2.0, clock=lambda: clock["t"], sleep=sleep)
    assert pacer.wait("a.example") == 0
    assert pacer.wait("b.example") == 0  # another host: no wait
    assert pacer.wait("a.example") == pytest.approx(2.0)
    assert pacer.wait("a.example") == pytest.approx(2.0)
    assert slept == [pytest.approx(2.0), pytest.approx(2.0)]


def test_feeds_are_interleaved_by_host():
    feeds = [Feed(f"https://{h}.example/{i}") for h in ("a", "a", "a", "b", "c") for i in range(1)]
    order = [f.url.split("//")[1][0] for f in interleave_by_host(feeds)]
    assert order[:3] == ["a", "b", "c"]


def test_only_due_feeds_are_fetched(server, store):
    server.expect_request("/due").respond_with_data(rss(ITEMS), content_type="application/rss+xml")
    feed = add(store, server, "/due")
    r = refresher(store)
    r.refresh([store.feeds.get(feed.id)])
    again = r.refresh([store.feeds.get(feed.id)])  # same clock: not due
    assert again.outcomes == () and again.not_due == 1
    assert len(server.log) == 1


def test_demo_profile_never_fetches(store):
    store.settings.set("demo", True)
    with pytest.raises(DemoProfileError, match="demo"):
        refresher(store).refresh()


def test_fetch_error_reads_as_words():
    assert str(FetchError("http", "HTTP 404: the feed is not at this address")) == \
        "HTTP 404: the feed is not at this address"


def test_fetches_on_short_lived_threads_leave_no_session_behind(server, store):
    """One session per fetch, closed with it: a session per thread outlived the task pool's
    retired threads (the soak benchmark's long runs)."""
    import threading

    server.expect_request("/small").respond_with_data(rss(ITEMS), content_type="application/rss+xml")
    client = HttpClient()
    bodies = []
    for _ in range(12):
        t = threading.Thread(target=lambda: bodies.append(client.get(server.url_for("/small")).body))
        t.start()
        t.join(30)
    assert len(bodies) == 12 and all(b"<rss" in b for b in bodies)
    assert client._sessions == []


def test_feeds_are_fetched_together_but_parsed_one_at_a_time(server, store, monkeypatch):
    """Parsing holds the GIL: four threads parsing at once only take turns, and stall the GUI.
    The first parse waits until all four workers have their feed's bytes: without the lock, all
    four would then be parsing together."""
    import threading

    from briefing.sources import feeds as feeds_module

    real_parse = feeds_module.parse_feed
    lock = threading.Lock()
    state = {"now": 0, "most": 0, "calls": 0, "fetched": 0}
    four_fetched = threading.Event()

    class CountingClient(HttpClient):
        def get(self, *args, **kw):
            try:
                return super().get(*args, **kw)
            finally:
                with lock:
                    state["fetched"] += 1
                    if state["fetched"] >= 4:
                        four_fetched.set()

    def parse(*args, **kw):
        with lock:
            state["now"] += 1
            state["calls"] += 1
            state["most"] = max(state["most"], state["now"])
        try:
            assert four_fetched.wait(10), "the other workers' fetches did not arrive"
            return real_parse(*args, **kw)
        finally:
            with lock:
                state["now"] -= 1

    monkeypatch.setattr(feeds_module, "parse_feed", parse)
    feeds = []
    for i in range(8):
        server.expect_request(f"/f{i}").respond_with_data(rss(ITEMS), content_type="application/rss+xml")
        feeds.append(add(store, server, f"/f{i}"))
    report = run(store, feeds, max_workers=4, client=CountingClient())
    assert [o.outcome for o in report.outcomes] == ["parsed"] * 8
    assert state["calls"] == 8 and state["most"] == 1
