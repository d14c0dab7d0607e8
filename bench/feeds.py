"""News pipeline costs, side by side in one run (loopback only, no internet):

1. ingest throughput vs `feedparser.parse` alone on the same bytes; goal >= 0.75x. "Ingest" is the app's
   own refresh of one feed (NewsRefresher with an HTTP client that hands back the bytes): hash, parse,
   normalise, tag, dedupe, store, exactly as a fetched feed goes in.
2. refreshing 30 unchanged feeds (304s) served from 30 loopback addresses; goal <= 1 s.
3. full-text search over 100,000 items (English, 2- and 4-character Chinese); goal <= 20 ms.

    python bench/feeds.py [--items 2000] [--runs 9] [--search-items 100000]
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
import threading
import time
from email.utils import format_datetime
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

EN = ["Baidu", "Alibaba", "Tencent", "SenseTime", "Xiaomi", "ByteDance", "Nvidia", "Huawei", "Regulators", "Investors"]
VERBS = ["unveils", "expands", "cuts prices of", "opens", "tests", "invests in", "launches", "reviews"]
THINGS = ["AI model", "cloud unit", "robotaxi service", "chip plan", "data centre", "app", "buyback", "search"]
ZH = ["百度", "阿里巴巴", "腾讯", "商汤", "小米", "华为", "监管机构", "投资者"]
ZH_VERBS = ["发布", "扩大", "下调", "开放", "测试", "投资", "推出", "审查"]
ZH_THINGS = ["大模型", "云业务", "无人驾驶服务", "芯片计划", "数据中心", "应用", "回购计划", "搜索服务"]
WORDS_EN = ("the market shares growth quarter revenue policy trade economy analysts said on in for with new data "
            "report year China Hong Kong Beijing Shanghai technology chips cloud model users sales rose fell "
            "percent billion yuan dollars according to company officials plan expected demand exports").split()
WORDS_ZH = ("市场 增长 季度 营收 政策 贸易 经济 分析师 表示 数据 报告 今年 北京 上海 技术 芯片 云计算 模型 用户 "
            "销售 上涨 下跌 百分之 亿元 美元 根据 公司 官员 计划 预计 需求 出口").split()
NOW = int(time.time())


def headline(rng: random.Random, i: int) -> str:
    """Like China tech feeds: a third in Chinese; names from a list that includes tracked companies."""
    if i % 3 == 0:
        return f"{rng.choice(ZH)}{rng.choice(ZH_VERBS)}{rng.choice(ZH_THINGS)}第{i}期"
    return f"{rng.choice(EN)} {rng.choice(VERBS)} {rng.choice(THINGS)} in round {i}"


def summary(rng: random.Random, i: int, title: str) -> str:
    """About 400 characters of ordinary words, the way feed summaries read."""
    if i % 3 == 0:
        return title + "。" + "".join(rng.choice(WORDS_ZH) for _ in range(60)) + "。"
    return title + ". " + " ".join(rng.choice(WORDS_EN) for _ in range(60)) + "."


def make_feed(n: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    items = []
    for i in range(n):
        title = headline(rng, i)
        date = format_datetime(datetime.fromtimestamp(NOW - i * 600, timezone.utc))
        body = escape(f"<p>{summary(rng, i, title)}</p>")
        items.append(f"<item><title>{escape(title)}</title><link>https://news.example.com/{seed}/{i}?utm_source=rss"
                     f"</link><guid>n-{seed}-{i}</guid><pubDate>{date}</pubDate><description>{body}</description>"
                     "</item>")
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Bench</title>'
            f"<link>https://news.example.com/</link><description>b</description>{''.join(items)}</channel></rss>"
            ).encode("utf-8")


class _BytesClient:
    """Stands in for the HTTP client: every GET answers 200 with the same feed bytes (no network)."""

    def __init__(self, body: bytes, headers: dict[str, str]) -> None:
        self.body, self.headers = body, headers

    def get(self, url, headers=None, **_):
        from briefing.sources.http import Response

        return Response(url=url, status=200, headers=dict(self.headers), body=self.body)

    def close(self) -> None:
        pass


def bench_ingest(n: int, runs: int) -> dict:
    """feedparser alone vs the app's own refresh of one feed (NewsRefresher: fetch_feed's hash and
    parse_feed, then store.news.ingest, fetch bookkeeping and prune), on the same bytes.

    The two are timed back to back in every run, alternating which goes first, so that noise from
    other processes falls on both; medians are reported, and the median of the per-run ratios.
    """
    import feedparser

    from briefing.domain.models import Feed
    from briefing.domain.tagging import default_tagger
    from briefing.services.news_refresh import NewsRefresher
    from briefing.store import Store
    from briefing.store.bootstrap import prepare

    body = make_feed(n)
    headers = {"content-type": "application/rss+xml; charset=utf-8"}
    client = _BytesClient(body, headers)
    default_tagger()  # built once per process in the app too

    def feedparser_alone() -> tuple[float, float]:
        t, c = time.perf_counter(), time.process_time()
        result = feedparser.parse(io.BytesIO(body), response_headers=headers)
        took = time.perf_counter() - t, time.process_time() - c
        assert len(result.entries) == n
        return took

    def ours(d: str, run: int) -> tuple[float, float]:
        store = Store.open(Path(d) / f"bench{run}.sqlite3")
        prepare(store)
        for f in store.feeds.all():
            store.feeds.update(f.id, enabled=False)
        feed = store.feeds.get(store.feeds.add(Feed("https://news.example.com/rss", "Bench")))
        refresher = NewsRefresher(store, client=client, politeness_s=0)
        t, c = time.perf_counter(), time.process_time()  # CPU of all threads (the fetch pool's, the writer's)
        report = refresher.refresh([feed], force=True)
        took = time.perf_counter() - t, time.process_time() - c
        assert not report.errors and len(report.new_ids) == n, report.outcomes
        refresher.close()
        store.close()
        return took

    fp, ing = [], []
    with tempfile.TemporaryDirectory() as d:
        feedparser_alone(), ours(d, -1)  # warm both
        for run in range(runs):
            if run % 2:
                ing.append(ours(d, run))
                fp.append(feedparser_alone())
            else:
                fp.append(feedparser_alone())
                ing.append(ours(d, run))
    out = {"items": n}
    for kind, i in (("wall", 0), ("cpu", 1)):  # CPU time: what other processes on the machine disturb least
        f, o = statistics.median(r[i] for r in fp), statistics.median(r[i] for r in ing)
        paired = [a[i] / b[i] for a, b in zip(fp, ing)]
        out[kind] = {"feedparser_s": f, "ingest_s": o, "feedparser_per_s": n / f, "ingest_per_s": n / o,
                     "ratio": f / o, "paired_ratio": statistics.median(paired), "range": (min(paired), max(paired)),
                     "best_ratio": min(r[i] for r in fp) / min(r[i] for r in ing)}
    return out


def bench_refresh(n_feeds: int = 30) -> dict:
    from briefing.domain.models import Feed
    from briefing.services.news_refresh import NewsRefresher
    from briefing.store import Store
    from briefing.store.bootstrap import prepare

    body = make_feed(20, seed=7)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.send_header("ETag", '"v1"')
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("ETag", '"v1"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    servers, hosts = [], []
    for i in range(n_feeds):  # one address per feed: the per-host politeness delay applies to each
        try:
            srv = ThreadingHTTPServer((f"127.0.0.{i + 2}", 0), Handler)
        except OSError:
            srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        hosts.append(f"{srv.server_address[0]}:{srv.server_address[1]}")
    distinct = len({h.split(":")[0] for h in hosts})
    with tempfile.TemporaryDirectory() as d:
        store = Store.open(Path(d) / "bench.sqlite3")
        prepare(store)
        for f in store.feeds.all():
            store.feeds.update(f.id, enabled=False)
        ids = [store.feeds.add(Feed(f"http://{h}/feed{i}.xml", f"Feed {i}")) for i, h in enumerate(hosts)]
        refresher = NewsRefresher(store)  # default politeness (1 s per host)
        first = refresher.refresh([store.feeds.get(i) for i in ids], force=True)
        assert not first.errors, first.errors
        times = []
        for _ in range(3):
            t = time.perf_counter()
            again = refresher.refresh([store.feeds.get(i) for i in ids], force=True)
            times.append(time.perf_counter() - t)
            assert all(o.outcome == "not_modified" for o in again.outcomes)
        refresher.close()
        store.close()
    for srv in servers:
        srv.shutdown()
    return {"feeds": n_feeds, "addresses": distinct, "seconds": statistics.median(times)}


def bench_search(n: int) -> dict:
    from briefing.domain.models import Feed
    from briefing.domain.news_identity import canonical_url, title_tokens
    from briefing.domain.news_records import FeedEntry
    from briefing.domain.tagging import default_tagger
    from briefing.store import Store
    from briefing.store.bootstrap import prepare

    rng = random.Random(3)
    tagger = default_tagger()
    with tempfile.TemporaryDirectory() as d:
        store = Store.open(Path(d) / "bench.sqlite3")
        prepare(store)
        fid = store.feeds.add(Feed("https://news.example.com/rss", "Bench"))
        t = time.perf_counter()
        batch = []
        for i in range(n):
            title = headline(rng, i)
            link = f"https://news.example.com/s/{i}"
            text = summary(rng, i, title)[:300]
            batch.append(FeedEntry(f"g:{i}", title, link, text, "", NOW - i * 30, "", canonical_url(link),
                                   title_tokens(title), tagger.tag(title, text)))
            if len(batch) == 5000:
                store.news.ingest(fid, batch, now=NOW, retention_days=0)
                batch = []
        if batch:
            store.news.ingest(fid, batch, now=NOW, retention_days=0)
        load_s = time.perf_counter() - t
        results = {}
        for query in ("Tencent", "腾讯", "无人驾驶", "Baidu robotaxi", "回购 Alibaba", "round 99999"):
            store.news.search(query, limit=200)  # warm the reader connection
            times = []
            for _ in range(7):
                t = time.perf_counter()
                found = store.news.search(query, limit=200)
                times.append(time.perf_counter() - t)
            results[query] = (statistics.median(times) * 1000, len(found))
        store.close()
    return {"items": n, "load_s": load_s, "queries": results}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--search-items", type=int, default=100_000)
    args = ap.parse_args()
    ing = bench_ingest(args.items, args.runs)
    ref = bench_refresh()
    sea = bench_search(args.search_items)
    print(f"1. ingest, {ing['items']}-item feed, the two timed back to back in each run (order alternating), "
          f"median of {args.runs}:")
    for kind, label in (("wall", "wall clock"), ("cpu", "CPU time")):
        r = ing[kind]
        print(f"   {label}:")
        for name, key in (("feedparser.parse alone", "feedparser"), ("refresh: parse+tag+dedupe+store", "ingest")):
            print(f"     {name:36}{r[key + '_s'] * 1000:7.0f} ms {r[key + '_per_s']:7.0f} items/s")
        lo, hi = r["range"]
        print(f"     ratio (feedparser alone / ours): {r['ratio']:.2f}x of medians, {r['paired_ratio']:.2f}x median"
              f" of per-run ratios (range {lo:.2f}-{hi:.2f}), {r['best_ratio']:.2f}x of best runs  (goal >= 0.75x)")
    print(f"2. refresh {ref['feeds']} unchanged feeds on {ref['addresses']} loopback addresses (all 304): "
          f"{ref['seconds'] * 1000:.0f} ms  (goal <= 1000 ms)")
    print(f"3. full-text search over {sea['items']} items (loaded in {sea['load_s']:.1f} s), median of 7:")
    for query, (ms, found) in sea["queries"].items():
        print(f"   {query!r:22}{ms:8.2f} ms  {found:4d} hits (limit 200)")
    worst = max(ms for ms, _ in sea["queries"].values())
    print(f"   slowest: {worst:.2f} ms  (goal <= 20 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
