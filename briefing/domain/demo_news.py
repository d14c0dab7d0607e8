"""Demo news items: invented headlines, labelled as demo, each linking to a real public source."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

from briefing.domain.models import NewsItem
from briefing.domain.registry import load_curated_events

FEED_TITLE = "Demo feed (not real news)"
NEWS_SOURCE = FEED_TITLE

IR_PAGES = {
    "baidu": "https://ir.baidu.com",
    "alibaba": "https://www.alibabagroup.com/en-US/ir",
    "tencent": "https://www.tencent.com/en-us/investors.html",
    "sensetime": "https://www.sensetime.com/en/investor-relations",
}
_ALL = ("baidu", "alibaba", "tencent", "sensetime")

# (title, what the item pretends to be about, companies, link: an IR page or a curated event id)
_NEWS = (
    ("Baidu shows an upgraded Ernie model at its developer conference",
     "A made-up product announcement.", ("baidu",), "baidu"),
    ("百度发布文心大模型新版本", "虚构的产品发布消息。", ("baidu",), "baidu"),
    ("Apollo Go robotaxi service adds another city, Baidu says",
     "A made-up expansion announcement.", ("baidu",), "baidu"),
    ("阿里云通义千问开源新一代模型", "虚构的模型开源消息。", ("alibaba",), "alibaba"),
    ("Alibaba quarterly results: cloud revenue growth accelerates on AI demand",
     "A made-up earnings headline.", ("alibaba",), "alibaba"),
    ("Alibaba lifts its three-year AI infrastructure spending plan",
     "A made-up capital spending headline.", ("alibaba",), "alibaba"),
    ("腾讯混元大模型接入更多微信功能", "虚构的产品更新消息。", ("tencent",), "tencent"),
    ("Tencent steps up share buybacks in Hong Kong",
     "A made-up buyback headline.", ("tencent",), "tencent"),
    ("Tencent Cloud cuts prices for Hunyuan model access",
     "A made-up pricing headline.", ("tencent",), "tencent"),
    ("商汤发布日日新大模型升级版", "虚构的模型升级消息。", ("sensetime",), "sensetime"),
    ("SenseTime says generative AI now its largest revenue line",
     "A made-up results headline.", ("sensetime",), "sensetime"),
    ("US Commerce Department reviews export rules for advanced computing chips",
     "A made-up policy headline; the link is background on earlier rules.",
     ("baidu", "alibaba", "tencent", "sensetime"), "us-bis-advanced-computing-update-2023"),
    ("美国调整先进计算芯片对华出口许可审查", "虚构的政策消息；链接为此前规则的背景资料。",
     ("baidu", "alibaba", "tencent"), "us-bis-advanced-computing-license-review-2026"),
    ("PCAOB says US inspectors keep full access to audits in mainland China and Hong Kong",
     "A made-up regulatory headline; the link is background.", ("baidu", "alibaba"),
     "us-pcaob-china-audit-protocol-2022"),
    ("网信办公布新一批生成式人工智能服务备案", "虚构的监管消息；链接为相关规则的背景资料。",
     _ALL, "cn-generative-ai-interim-measures-2023"),
    ("Platforms update watermark policies under China's AI content labelling rules",
     "A made-up compliance headline; the link is background.", _ALL,
     "cn-ai-content-labeling-measures-2025"),
    ("China pushes its global AI governance action plan at a Shanghai forum",
     "A made-up policy headline; the link is background.", _ALL,
     "cn-global-ai-governance-action-plan-2025"),
    ("港股科技股午后走强，腾讯、阿里巴巴领涨", "虚构的市场消息。", ("tencent", "alibaba"), "tencent"),
    ("Baidu and Alibaba ADRs slip in New York after a firm Hong Kong close",
     "A made-up market headline.", ("baidu", "alibaba"), "baidu"),
    ("商汤与车企合作推出智能座舱方案", "虚构的合作消息。", ("sensetime",), "sensetime"),
)


def _news_url(link: str, companies: tuple[str, ...]) -> str:
    if link in IR_PAGES:
        return IR_PAGES[link]
    event = next((e for e in load_curated_events() if e.id == link), None)
    if event is not None and event.source_url.startswith("https://"):
        return event.source_url
    return IR_PAGES[companies[0]]


def generate(rng, end: date) -> list[NewsItem]:
    """The demo news items, dated within the ten days before noon UTC on `end`."""
    latest = int(datetime.combine(end, time(12), timezone.utc).timestamp())
    ages = rng.uniform(0.0, 10 * 86_400, len(_NEWS)).tolist()
    items = []
    for i, ((title, about, companies, link), age) in enumerate(zip(_NEWS, ages), start=1):
        chinese = any("\u4e00" <= ch <= "\u9fff" for ch in title)
        summary = (f"演示条目，并非真实新闻。{about}（Demo item, not real news.）" if chinese
                   else f"Demo item, not real news. {about}")
        items.append(NewsItem(
            id=f"demo-news-{i:02d}", title=f"[Demo] {title}", url=_news_url(link, companies),
            summary=summary, published=latest - int(age),
            source=NEWS_SOURCE, companies=tuple(companies), is_demo=True,
        ))
    items.sort(key=lambda it: (-(it.published or 0), it.id))
    return items
