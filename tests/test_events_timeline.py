"""Event records: validation at load time, import/export, the user's edits and news decisions kept."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from briefing.domain import event_files
from briefing.domain import registry
from briefing.domain import timeline as tl
from briefing.domain.event_validation import (
    EventValidationError, RowProblem, event_from_record, events_from_json,
)
from briefing.domain.models import NewsItem, RegulationEvent
from briefing.domain.regulatory_news import classify

COMPANIES = {"baidu", "alibaba", "tencent", "sensetime"}
GOOD = {"id": "cn-test-rule", "announced": "2024-05-01", "effective": "2024-06-01", "body": "CAC",
        "title_en": "A test rule", "title_zh": "", "category": "china_rule", "companies": ["baidu"],
        "summary": "A rule for the test.", "source_url": "https://example.org/rule"}


# ----- validation ----------------------------------------------------------------------------------
def test_every_bundled_event_passes_validation_with_a_source_and_a_date():
    events, problems = registry.load_curated_events_checked()
    assert problems == ()
    assert len(events) >= 30
    for e in events:
        assert e.source_url.startswith(("http://", "https://")), e.id
        assert e.announced or e.effective, e.id
        assert set(e.companies) <= COMPANIES and e.companies, e.id
        assert e.summary and e.body and e.title_en, e.id


def test_the_bundled_file_has_every_field_the_issue_names():
    raw = json.loads(registry.read_resource("regulation_events.json"))
    for e in raw["events"]:
        assert {"id", "announced", "effective", "body", "title_en", "title_zh", "category", "companies",
                "summary", "source_url"} <= e.keys(), e["id"]


@pytest.mark.parametrize("change, reason", [
    ({"announced": "2024-13-01"}, "bad announced date '2024-13-01'"),
    ({"announced": "2024-02-30"}, "no such day"),
    ({"announced": "01/05/2024"}, "expected YYYY-MM-DD"),
    ({"announced": None, "effective": None}, "no date"),
    ({"companies": ["baidu", "bytedance"]}, "unknown company 'bytedance'"),
    ({"source_url": ""}, "missing source URL"),
    ({"source_url": "www.example.org/x"}, "not an http(s) URL"),
    ({"category": "gossip"}, "unknown category 'gossip'"),
    ({"effective": "2024-04-01"}, "before the announced date"),
    ({"title_en": ""}, "missing title"),
    ({"id": "has space"}, "may hold only"),
    ({"title_en": 42}, "title_en must be text"),
])
def test_a_bad_record_says_why(change, reason):
    with pytest.raises(EventValidationError) as info:
        event_from_record({**GOOD, **change}, companies=COMPANIES)
    assert reason in str(info.value)


def test_labels_and_chinese_only_titles_are_accepted():
    e = event_from_record({**GOOD, "category": "US action", "title_en": "", "title_zh": "新规"}, companies=COMPANIES)
    assert e.category == "us_action" and e.title_en == "新规" and e.title_zh == "新规"


def test_a_malformed_file_skips_bad_rows_and_says_which_and_why():
    doc = {"schema": 1, "events": [
        GOOD,
        {**GOOD, "id": "bad-date", "announced": "2021-02-30"},
        {**GOOD, "id": "who", "companies": ["nobody"]},
        {**GOOD, "id": "nosource", "source_url": None},
        "not even an object",
        {**GOOD, "id": "cn-test-rule"},  # duplicate of row 1
        {**GOOD, "id": "fine-too", "title_en": "Another"},
    ]}
    events, problems = events_from_json(json.dumps(doc), companies=COMPANIES)
    assert [e.id for e in events] == ["cn-test-rule", "fine-too"]
    assert [(p.row, p.event_id) for p in problems] == [(2, "bad-date"), (3, "who"), (4, "nosource"), (5, ""),
                                                      (6, "cn-test-rule")]
    text = [str(p) for p in problems]
    assert "row 2 (bad-date): bad announced date '2021-02-30' (no such day)" == text[0]
    assert "unknown company 'nobody'" in text[1] and "missing source URL" in text[2]
    assert "not an event object" in text[3] and "duplicate id" in text[4]
    assert events_from_json("{ nope", companies=COMPANIES)[1][0].row == 0


def test_the_app_starts_with_a_malformed_bundled_file(monkeypatch, tmp_path):
    """prepare() loads the good rows and records the bad ones; the profile opens as usual."""
    from briefing.services.profile import open_profile

    doc = {"schema": 1, "events": [GOOD, {**GOOD, "id": "broken", "announced": "2021-99-01"}]}
    real = registry.read_resource
    monkeypatch.setattr(registry, "read_resource",
                        lambda name: json.dumps(doc) if name == "regulation_events.json" else real(name))
    registry.load_curated_events_checked.cache_clear()
    try:
        profile = open_profile(str(tmp_path / "profile"))
        try:
            assert [e.id for e in profile.store.events.all()] == ["cn-test-rule"]
            problems = profile.store.settings.get("events_file_problems")
            assert problems == ["row 2 (broken): bad announced date '2021-99-01' (no such day)"]
        finally:
            profile.close()
    finally:
        registry.load_curated_events_checked.cache_clear()


# ----- files ----------------------------------------------------------------------------------------
def test_json_and_csv_round_trip():
    events = list(registry.load_curated_events())[:5]
    for fmt in event_files.FORMATS:
        text = event_files.dump(events, fmt)
        back, problems = event_files.parse(text, fmt, companies=COMPANIES, origin="curated")
        assert problems == [] and back == events, fmt


def test_csv_import_makes_ids_and_reports_bad_rows():
    text = ("title_en,announced,category,companies,source_url\n"
            "My own rule,2026-12-01,China rule,baidu; tencent,https://example.org/a\n"
            "Broken,2026-13-01,China rule,baidu,https://example.org/b\n"
            "My own rule,2026-12-01,policy_signal,,https://example.org/c\n")
    events, problems = event_files.parse(text, "csv", companies=COMPANIES,
                                         taken={"user-2026-12-01-my-own-rule"})
    assert [e.id for e in events] == ["user-2026-12-01-my-own-rule-2", "user-2026-12-01-my-own-rule-3"]
    assert events[0].companies == ("baidu", "tencent") and events[0].origin == "user"
    assert [p.row for p in problems] == [2] and "bad announced date" in problems[0].reason
    assert event_files.parse("id,foo\n", "csv", companies=COMPANIES)[1][0].row == 0


def test_format_from_the_file_name():
    assert event_files.format_for("x.CSV") == "csv" and event_files.format_for("x.txt", "json") == "json"
    with pytest.raises(ValueError):
        event_files.format_for("events.txt")


# ----- the cache ------------------------------------------------------------------------------------
def test_deleted_curated_events_stay_deleted_after_an_upgrade(store):
    victim = "cn-pipl-2021"
    store.events.delete(victim)
    store.events.load_curated(registry.load_curated_events())  # the next app version loads them again
    assert store.events.get(victim) is None
    assert victim in store.events.deleted_curated()
    # importing it on purpose brings it back (as the user's)
    original = next(e for e in registry.load_curated_events() if e.id == victim)
    assert store.events.save_many([original]) == 1
    assert store.events.get(victim) is not None and victim not in store.events.deleted_curated()


def test_save_many_skips_unchanged_events(store):
    curated = list(registry.load_curated_events())
    assert store.events.save_many(curated) == 0  # re-importing an export changes nothing
    edited = [RegulationEvent(**{**curated[0].__dict__, "summary": "Edited."})]
    assert store.events.save_many(edited) == 1
    store.events.load_curated(curated)
    assert store.events.get(curated[0].id).summary == "Edited."  # kept over the bundled text


def test_promotion_and_dismissal_are_persisted(tmp_path):
    from briefing.store import Store
    from briefing.store.bootstrap import prepare

    path = tmp_path / "cache.sqlite3"
    with Store.open(path) as s:
        prepare(s)
        items = [NewsItem("n1", "CAC issues draft measures on labelling AI content", url="https://e.org/1",
                          published=1_760_000_000, companies=("baidu",)),
                 NewsItem("n2", "US adds Chinese AI firms to the Entity List", url="https://e.org/2"),
                 NewsItem("n3", "Tencent shares rise after results")]
        s.news.upsert(items)
        found = tl.candidates(s.news.items(), set(s.events.news_decisions()))
        assert {c.item.id for c in found} == {"n1", "n2"}
        n1 = next(c for c in found if c.item.id == "n1")
        draft = tl.draft_event(n1, s.events.ids(), {"baidu"})
        s.events.promote_news("n1", draft)
        s.events.dismiss_news("n2")
    with Store.open(path) as s:  # a restart
        decisions = s.events.news_decisions()
        assert decisions["n1"].state == "promoted" and decisions["n1"].event_id == draft.id
        assert decisions["n2"].state == "dismissed" and decisions["n2"].event_id is None
        assert tl.candidates(s.news.items(), set(decisions)) == []
        promoted = s.events.get(draft.id)
        assert promoted.origin == "news" and promoted.source_url == "https://e.org/1"
        s.events.undo_news_decision("n2")
        assert [c.item.id for c in tl.candidates(s.news.items(), set(s.events.news_decisions()))] == ["n2"]


def test_the_draft_of_a_promoted_item():
    item = NewsItem("x", "网信办发布人工智能生成合成内容标识办法", url="https://e.org/zh", summary="摘要",
                    published=1_741_300_000, companies=("tencent", "bytedance"))
    cand = tl.NewsCandidate(item, classify(item.title))
    draft = tl.draft_event(cand, {"news-2025-03-06-news"}, COMPANIES)
    assert draft.title_zh == item.title and draft.title_en == ""
    assert draft.id == "news-2025-03-06-news-2" and draft.announced == date(2025, 3, 6)
    assert draft.category == "china_rule" and "CAC" in draft.body and draft.companies == ("tencent",)
    event_from_record({**event_files.record(draft)}, companies=COMPANIES)  # valid as it stands


# ----- the list -------------------------------------------------------------------------------------
def _events() -> list[RegulationEvent]:
    return list(registry.load_curated_events())


def test_filters_narrow_the_list():
    rows = tl.entries(_events(), [])
    assert rows[0].day >= rows[-1].day  # newest first
    only = lambda **kw: [r.key for r in rows if tl.TimelineFilter(**kw).accepts(r)]  # noqa: E731
    assert set(only(category="us_action")) == {e.id for e in _events() if e.category == "us_action"}
    assert all("sensetime" in r.companies for r in rows if r.key in only(company="sensetime"))
    assert "cn-samr-alibaba-antitrust-fine-2021" in only(body="samr")
    assert only(since=date(2025, 1, 1), until=date(2025, 1, 31)) == [
        "us-bis-ai-diffusion-rule-2025", "us-dod-1260h-tencent-2025"]
    assert only(text="antitrust alibaba") == ["cn-samr-alibaba-antitrust-fine-2021"]
    assert "cn-pipl-2021" in only(text="个人信息保护法")


def test_upcoming_dates_in_force():
    today = date(2025, 8, 20)
    soon = tl.upcoming(_events(), today)
    assert soon[0][0].id == "cn-ai-content-labeling-measures-2025" and soon[0][1] == 12
    assert tl.in_force_text(12) == "in force in 12 days"
    assert tl.in_force_text(1) == "in force tomorrow" and tl.in_force_text(0) == "in force today"
    later = today + timedelta(days=10_000)
    assert tl.upcoming(_events(), later) == []


def test_row_problem_text():
    assert str(RowProblem(0, "", "not valid JSON")) == "the file: not valid JSON"
