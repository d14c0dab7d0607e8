"""`briefing feeds ...`, `briefing refresh --news` and `briefing news ...` end to end (loopback feeds only)."""

from __future__ import annotations

import json
import time

import pytest

from briefing.cli import main
from feed_helpers import feed_server, rss, server  # noqa: F401

NOW = int(time.time())


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv):
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def profile(capsys, tmp_path):
    """A profile whose bundled default feeds (real sites) are removed: nothing here leaves loopback."""
    d = str(tmp_path / "profile")
    for f in run_json(capsys, "feeds", "list", "--data-dir", d):
        assert run(capsys, "feeds", "remove", str(f["id"]), "--data-dir", d)[0] == 0
    assert run_json(capsys, "feeds", "list", "--data-dir", d) == []
    return d


def test_feeds_add_edit_list_remove(capsys, profile):
    code, out, _ = run(capsys, "feeds", "add", "https://example.com/feed.xml", "--title", "Example", "--every", "15",
                       "--folder", "China / Tech", "--data-dir", profile)
    assert code == 0 and "added feed" in out
    (f,) = run_json(capsys, "feeds", "list", "--data-dir", profile)
    assert (f["title"], f["refresh_minutes"], f["folder"], f["state"]) == ("Example", 15, "China / Tech",
                                                                            "never fetched")
    assert run(capsys, "feeds", "edit", "Example", "--disable", "--title", "Renamed", "--data-dir", profile)[0] == 0
    (f,) = run_json(capsys, "feeds", "list", "--data-dir", profile)
    assert (f["title"], f["enabled"], f["state"]) == ("Renamed", False, "disabled")
    assert run(capsys, "feeds", "remove", "https://example.com/feed.xml", "--data-dir", profile)[0] == 0
    assert run_json(capsys, "feeds", "list", "--data-dir", profile) == []


@pytest.mark.parametrize("argv, message", [
    (["feeds", "add", "file:///etc/passwd"], "only http and https"),
    (["feeds", "add", "ftp://example.com/x"], "only http and https"),
    (["feeds", "remove", "nope"], "no feed 'nope'"),
    (["feeds", "edit", "nope", "--title", "x"], "no feed 'nope'"),
    (["feeds", "import-opml", "/nonexistent/file.opml"], "cannot read"),
    (["news", "list", "--company", "nokia"], "unknown company"),
    (["news", "show", "nope"], "no news item"),
    (["news", "mark-read"], "say which items"),
    (["news", "alerts", "remove", "9"], "give the number"),
])
def test_failures_are_one_line(capsys, profile, argv, message):
    code, _, err = run(capsys, *argv, "--data-dir", profile)
    assert code == 1 and message in err and err.count("\n") == 1


def test_import_the_real_ill_formed_opml_files(capsys, profile, shared_data):
    expected = {"awesome-rss-feeds__countries_Hong_Kong_SAR_China.opml": 5,
                "awesome-rss-feeds__recommended_Business_and_Economy.opml": 16,
                "awesome-rss-feeds__recommended_Tech.opml": 26}
    total = 0
    for name, n in expected.items():
        report = run_json(capsys, "feeds", "import-opml", str(shared_data / "opml" / name), "--data-dir", profile)
        assert report["added"] == n and "leniently" in report["warning"]
        total += n
    feeds = run_json(capsys, "feeds", "list", "--data-dir", profile)
    assert len(feeds) == total
    assert {f["folder"] for f in feeds} == {"Hong Kong SAR China", "Business & Economy", "Tech"}
    again = run_json(capsys, "feeds", "import-opml", str(shared_data / "opml" / "awesome-rss-feeds__recommended_"
                                                                        "Tech.opml"), "--data-dir", profile)
    assert again == {"added": 0, "already": 26, "skipped": [], "warning": again["warning"]}


def test_export_and_reimport_round_trip(capsys, profile, tmp_path):
    run(capsys, "feeds", "add", "https://a.example/rss", "--title", "A & B", "--folder", "News / 中文",
        "--data-dir", profile)
    run(capsys, "feeds", "add", "https://b.example/rss", "--data-dir", profile)
    out = tmp_path / "subs.opml"
    assert run_json(capsys, "feeds", "export-opml", str(out), "--data-dir", profile)["exported"] == 2
    other = str(tmp_path / "other")
    for f in run_json(capsys, "feeds", "list", "--data-dir", other):
        run(capsys, "feeds", "remove", str(f["id"]), "--data-dir", other)
    assert run_json(capsys, "feeds", "import-opml", str(out), "--data-dir", other)["warning"] is None
    feeds = {f["url"]: f for f in run_json(capsys, "feeds", "list", "--data-dir", other)}
    assert feeds["https://a.example/rss"]["title"] == "A & B" and feeds["https://a.example/rss"]["folder"] == "News / 中文"
    code, text, _ = run(capsys, "feeds", "export-opml", "-", "--data-dir", profile)
    assert code == 0 and "<opml" in text


def test_refresh_news_then_read_search_and_mark(capsys, profile, server):
    server.expect_request("/en").respond_with_data(rss([
        {"title": "Tencent adds Hunyuan model to WeChat search", "link": "https://n.example/1", "guid": "1",
         "date": NOW - 100},
        {"title": "Baidu unveils Ernie 5 at Wuhan event", "link": "https://n.example/2", "guid": "2",
         "date": NOW - 200}]), content_type="application/rss+xml")
    server.expect_request("/zh").respond_with_data(rss([
        {"title": "腾讯混元大模型接入微信搜一搜", "link": "https://z.example/1", "guid": "z1", "date": NOW - 150},
        {"title": "Baidu unveils Ernie 5 at Wuhan event", "link": "https://n.example/2?utm_source=zh", "guid": "z2",
         "date": NOW - 200}]), content_type="application/rss+xml")
    server.expect_request("/broken").respond_with_data("gone", status=404)
    for path in ("/en", "/zh", "/broken"):
        run(capsys, "feeds", "add", server.url_for(path), "--data-dir", profile)
    run(capsys, "news", "retention", "30", "--data-dir", profile)
    code, out, err = run(capsys, "refresh", "--news", "--data-dir", profile)
    assert code == 0, err
    assert "3 new item(s)" in out and "1 failed" in out and "HTTP 404" in out
    code, out, _ = run(capsys, "refresh", "--news", "--data-dir", profile)
    assert "0 feeds checked" in out and "3 not due yet" in out
    code, out, _ = run(capsys, "refresh", "--news", "--force", "--data-dir", profile)
    assert "unchanged" in out

    items = run_json(capsys, "news", "list", "--data-dir", profile)
    assert len(items) == 3
    baidu = next(i for i in items if i["title"].startswith("Baidu"))
    assert baidu["sources"] == 2 and baidu["companies"] == ["baidu"]
    assert [i["title"] for i in run_json(capsys, "news", "list", "--company", "腾讯", "--data-dir", profile)] == [
        "Tencent adds Hunyuan model to WeChat search", "腾讯混元大模型接入微信搜一搜"]
    assert [i["title"] for i in run_json(capsys, "news", "list", "--search", "混元", "--data-dir", profile)] == [
        "腾讯混元大模型接入微信搜一搜"]
    assert len(run_json(capsys, "news", "list", "--limit", "1", "--data-dir", profile)) == 1
    shown = run_json(capsys, "news", "show", baidu["id"], "--data-dir", profile)
    assert len(shown["sources"]) == 2
    assert run_json(capsys, "news", "mark-read", baidu["id"], "--data-dir", profile) == {"changed": 1}
    assert len(run_json(capsys, "news", "list", "--unread", "--data-dir", profile)) == 2
    assert run_json(capsys, "news", "mark-read", "--all", "--company", "tencent", "--data-dir", profile) == \
        {"changed": 2}
    assert run_json(capsys, "news", "list", "--unread", "--data-dir", profile) == []
    run(capsys, "news", "star", baidu["id"], "--data-dir", profile)
    assert [i["id"] for i in run_json(capsys, "news", "list", "--starred", "--data-dir", profile)] == [baidu["id"]]
    code, out, _ = run(capsys, "news", "list", "--data-dir", profile)
    assert code == 0 and "★" in out and "Wuhan" in out
    feeds = run_json(capsys, "feeds", "list", "--data-dir", profile)
    broken = next(f for f in feeds if f["url"].endswith("/broken"))
    assert broken["state"] == "error" and "not at this address" in broken["last_error"]


def test_alert_rules_and_retention(capsys, profile):
    assert run_json(capsys, "news", "alerts", "add", "company", "阿里巴巴", "--data-dir", profile) == [
        {"kind": "company", "value": "alibaba"}]
    rules = run_json(capsys, "news", "alerts", "add", "keyword", "export controls", "--data-dir", profile)
    assert len(rules) == 2
    assert run_json(capsys, "news", "alerts", "remove", "1", "--data-dir", profile) == [
        {"kind": "keyword", "value": "export controls"}]
    assert run_json(capsys, "news", "retention", "--data-dir", profile) == {"retention_days": 90}
    assert run_json(capsys, "news", "retention", "0", "--data-dir", profile) == {"retention_days": 0}


def test_refresh_news_refuses_demo_and_offline(capsys, tmp_path):
    code, _, err = run(capsys, "refresh", "--news", "--demo", "--data-dir", str(tmp_path / "demo"))
    assert code == 1 and "demo profile" in err
    code, _, err = run(capsys, "refresh", "--news", "--offline", "--data-dir", str(tmp_path / "p"))
    assert code == 1 and "--offline" in err
    assert run(capsys, "refresh", "--data-dir", str(tmp_path / "p"))[0] == 2
