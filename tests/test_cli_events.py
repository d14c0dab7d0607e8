"""`briefing events ...`: list with filters, add, import/export, study, flagged news."""

from __future__ import annotations

import json
from datetime import date

import pytest

from briefing.cli import main
from briefing.domain.models import NewsItem
from briefing.services.profile import open_profile


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def profile_dir(tmp_path):
    return str(tmp_path / "profile")


def test_list_filters_by_company_and_category(capsys, profile_dir):
    code, out, _ = run(capsys, "events", "list", "--company", "BABA", "--json", "--data-dir", profile_dir)
    assert code == 0
    rows = json.loads(out)
    assert rows and all("alibaba" in r["companies"] for r in rows)
    assert (rows[0]["announced"] or rows[0]["effective"]) >= (rows[-1]["announced"] or rows[-1]["effective"])
    same = json.loads(run(capsys, "events", "list", "--company", "阿里巴巴", "--json", "--data-dir", profile_dir)[1])
    assert same == rows
    code, out, _ = run(capsys, "events", "list", "--category", "US action", "--company", "sensetime",
                       "--data-dir", profile_dir)
    assert code == 0 and "us-ns-cmic-sensetime-2021" in out and "cn-" not in out
    code, _, err = run(capsys, "events", "list", "--company", "bytedance", "--data-dir", profile_dir)
    assert code == 1 and "unknown company 'bytedance'" in err


def test_add_then_list_yours(capsys, profile_dir):
    code, out, _ = run(capsys, "events", "add", "--title", "Draft rules on AI agents", "--announced", "2026-03-02",
                       "--effective", "2026-06-01", "--category", "China rule", "--body", "CAC",
                       "--company", "baidu", "--company", "Tencent", "--source", "https://example.org/agents",
                       "--json", "--data-dir", profile_dir)
    assert code == 0
    added = json.loads(out)
    assert added["id"] == "user-2026-03-02-draft-rules-on-ai-agents" and added["companies"] == ["baidu", "tencent"]
    rows = json.loads(run(capsys, "events", "list", "--origin", "user", "--json", "--data-dir", profile_dir)[1])
    assert [r["id"] for r in rows] == [added["id"]] and rows[0]["origin"] == "user"
    code, _, err = run(capsys, "events", "add", "--title", "x", "--announced", "2026-02-30", "--category", "china_rule",
                       "--source", "notaurl", "--data-dir", profile_dir)
    assert code == 1 and "no such day" in err and "not an http(s) URL" in err
    assert run(capsys, "events", "delete", added["id"], "--data-dir", profile_dir)[0] == 0
    assert run(capsys, "events", "delete", added["id"], "--data-dir", profile_dir)[0] == 1


def test_import_reports_bad_rows_and_export_round_trips(capsys, tmp_path, profile_dir):
    src = tmp_path / "mine.csv"
    src.write_text("title_en,announced,category,companies,source_url\n"
                   "First rule,2026-01-05,china_rule,alibaba,https://example.org/1\n"
                   "No source,2026-01-06,china_rule,alibaba,\n"
                   "Who,2026-01-07,china_rule,bytedance,https://example.org/3\n", encoding="utf-8")
    code, out, err = run(capsys, "events", "import", str(src), "--data-dir", profile_dir)
    assert code == 0 and "imported 1 events" in out and "skipped 2 rows" in out
    assert "row 2: missing source URL" in err and "row 3: unknown company 'bytedance'" in err
    exported = tmp_path / "mine.json"
    assert run(capsys, "events", "export", str(exported), "--origin", "user", "--data-dir", profile_dir)[0] == 0
    doc = json.loads(exported.read_text(encoding="utf-8"))
    assert [e["id"] for e in doc["events"]] == ["user-2026-01-05-first-rule"]
    other = str(tmp_path / "other")
    code, out, _ = run(capsys, "events", "import", str(exported), "--json", "--data-dir", other)
    assert code == 0 and json.loads(out)["imported"] == 1
    assert json.loads(run(capsys, "events", "import", str(exported), "--json", "--data-dir", other)[1])["unchanged"] == 1
    code, out, _ = run(capsys, "events", "export", "-", "--data-dir", other)
    assert code == 0 and len(json.loads(out)["events"]) == 41
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json", encoding="utf-8")
    code, _, err = run(capsys, "events", "import", str(bad), "--data-dir", profile_dir)
    assert code == 1 and "not valid JSON" in err
    assert run(capsys, "events", "import", str(tmp_path / "none.csv"), "--data-dir", profile_dir)[0] == 1


def test_study_prints_no_data_without_prices(capsys, profile_dir):
    code, out, _ = run(capsys, "events", "study", "cn-samr-alibaba-antitrust-fine-2021", "--data-dir", profile_dir)
    assert code == 0 and "9988.HK  2021-04-12" in out and "no data" in out and "0.0%" not in out
    code, _, err = run(capsys, "events", "study", "nope", "--data-dir", profile_dir)
    assert code == 1 and "no event 'nope'" in err
    code, _, err = run(capsys, "events", "study", "cn-pipl-2021", "--benchmark-hk", "XXXX.HK", "--data-dir", profile_dir)
    assert code == 1 and "unknown benchmark" in err


def test_study_json_on_real_prices(capsys, profile_dir, shared_data):
    from test_event_study import load_bars, pandas_window_return

    path = shared_data / "prices" / "georgelikechen_portfolio" / "9988.HK.csv"
    profile = open_profile(profile_dir)
    try:
        profile.store.prices.upsert_bars("9988.HK", "1d", load_bars(path), source="csv")
        profile.store.prices.upsert_bars("0700.HK", "1d", load_bars(path.with_name("0700.HK.csv")), source="csv")
    finally:
        profile.close()
    code, out, _ = run(capsys, "events", "study", "cn-samr-alibaba-antitrust-fine-2021", "--benchmark-hk", "0700.HK",
                       "--json", "--data-dir", profile_dir)
    assert code == 0
    data = json.loads(out)
    hk = next(l for l in data["listings"] if l["symbol"] == "9988.HK")
    assert hk["day0"] == "2021-04-12" and hk["benchmark"] == "0700.HK"
    w = {x["label"]: x for x in hk["windows"]}
    expect = pandas_window_return(path, date(2021, 4, 10), -1, 5)
    bench = pandas_window_return(path.with_name("0700.HK.csv"), date(2021, 4, 10), -1, 5)
    assert w["[-1,+5]"]["raw"] == pytest.approx(expect) and w["[-1,+5]"]["abnormal"] == pytest.approx(expect - bench)
    us = next(l for l in data["listings"] if l["symbol"] == "BABA")
    assert all(x["raw"] is None for x in us["windows"]) and us["benchmark"] == "KWEB"


def test_flagged_lists_regulatory_news(capsys, profile_dir):
    profile = open_profile(profile_dir)
    try:
        profile.store.news.upsert([NewsItem("a", "MIIT issues draft rules on humanoid robots"),
                                   NewsItem("b", "Alibaba shares rise")])
    finally:
        profile.close()
    code, out, _ = run(capsys, "events", "flagged", "--json", "--data-dir", profile_dir)
    assert code == 0
    rows = json.loads(out)
    assert [r["news_id"] for r in rows] == ["a"] and "MIIT" in rows[0]["why"]
