"""The CSV importer: every real file in shared/data/prices against an independent pandas read, the
dialects users have, bad rows reported by line, and `briefing import-prices`."""

from __future__ import annotations

import json
import math
from datetime import date

import pandas as pd
import pytest

from briefing.cli import main
from briefing.domain.bar_time import day_ts, ts_day
from briefing.sources.csv_prices import CsvFormatError, CsvPriceSource, read_price_csv

US = ("TCEHY", "MSFT", "NVDA", "GOOG", "BABA")


def zone_of(path) -> str:
    return "America/New_York" if any(path.name.startswith(s) for s in US) else "Asia/Hong_Kong"


def price_files(shared_data):
    return sorted((shared_data / "prices").glob("*/*.csv"))


def pandas_reading(path, tz: str) -> pd.DataFrame:
    """What the file holds, read by pandas alone, with the importer's documented rules applied."""
    df = pd.read_csv(path)
    raw = df.iloc[:, 0].astype(str)
    if raw.str.contains(r"\d[+-]\d\d:\d\d$").all():
        days = pd.to_datetime(raw, utc=True).dt.tz_convert(tz).dt.date
    else:
        days = pd.to_datetime(raw).dt.date
    df = df.assign(_day=days)
    df = df[df["Close"].notna()]
    if "Volume" in df:
        df = df[~(df["Volume"] < 0)]
    df = df.drop_duplicates("_day", keep="first")
    df = df.assign(_ts=[int(pd.Timestamp(d).tz_localize(tz).timestamp()) for d in df["_day"]])
    return df.sort_values("_ts")


def test_every_shared_file_matches_an_independent_pandas_read(shared_data):
    files = price_files(shared_data)
    assert len(files) >= 16
    for path in files:
        tz = zone_of(path)
        got = read_price_csv(path, tz=tz)
        want = pandas_reading(path, tz)
        assert [b.ts for b in got.bars] == want["_ts"].tolist(), path.name
        assert [b.close for b in got.bars] == want["Close"].tolist(), path.name
        assert [b.open for b in got.bars] == want["Open"].tolist(), path.name
        assert [b.volume for b in got.bars] == [int(v) for v in want["Volume"]], path.name
        if "Adj Close" in want:
            assert [b.adj_close for b in got.bars] == want["Adj Close"].tolist(), path.name
        else:
            assert all(b.adj_close is None for b in got.bars)
        if "Dividends" in want:
            divs = [(ts, v) for ts, v in zip(want["_ts"], want["Dividends"]) if v and not math.isnan(v)]
            assert [(a.ts, a.value) for a in got.actions if a.kind == "dividend"] == divs, path.name
        assert got.interval == ("1wk" if "weekly" in path.parent.name else "1d"), path.name


def test_the_one_empty_row_in_the_shared_files_is_reported_by_line(shared_data):
    got = read_price_csv(shared_data / "prices/yfinance_tests/1398-HK-1d-bad-div.csv", tz="Asia/Hong_Kong")
    assert [(b.line, b.reason) for b in got.bad_rows] == [(615, "empty prices")]
    assert len(got.bars) == 647


def test_hk_dates_with_offsets_are_the_hk_trading_day(shared_data):
    got = read_price_csv(shared_data / "prices/georgelikechen_portfolio/0700.HK.csv", tz="Asia/Hong_Kong")
    assert ts_day(got.bars[0].ts, "Asia/Hong_Kong") == date(2020, 1, 2)
    assert got.bars[0].ts == day_ts(date(2020, 1, 2), "Asia/Hong_Kong")


BAD = b"""Date,Open,High,Low,Close,Adj Close,Volume
2024-01-02,10,11,9,10.5,10.4,1000
2024-01-03,,,,,,
2024-01-04,10,11,9,null,null,null
2024-01-05,10,11,9,10.6,10.5,-5
2024-01-02,10,11,9,10.7,10.6,900
not a date,10,11,9,10.8,10.7,900
2024-01-08,10,eleven,9,10.9,10.8,900
2024-01-09,10,11,9,-1,10.8,900
2024-01-10,10,11,9,11.0,10.9,1100
"""


def test_bad_rows_are_reported_with_line_numbers_and_nothing_else_is_lost():
    got = read_price_csv(BAD, tz="America/New_York")
    assert [(b.line, b.reason.split(" (")[0]) for b in got.bad_rows] == [
        (3, "empty prices"), (4, "empty prices"), (5, "negative volume"), (6, "duplicate date 2024-01-02"),
        (7, "unreadable date 'not a date'"), (8, "a value is not a number"), (9, "a price is zero or negative")]
    assert [(ts_day(b.ts, "America/New_York"), b.close) for b in got.bars] == [
        (date(2024, 1, 2), 10.5), (date(2024, 1, 10), 11.0)]
    assert "first on line 2" in got.bad_rows[3].reason


def test_nasdaq_download_newest_first_with_dollars_and_month_first_dates():
    text = b"""Date,Close/Last,Volume,Open,High,Low
01/03/2024,$86.70,"17,000,123",$88.00,$88.50,$86.10
01/02/2024,$87.00,"15,000,000",$86.00,$87.50,$85.90
"""
    got = read_price_csv(text, tz="America/New_York")
    assert [(ts_day(b.ts, "America/New_York"), b.open, b.close, b.volume) for b in got.bars] == [
        (date(2024, 1, 2), 86.0, 87.0, 15_000_000), (date(2024, 1, 3), 88.0, 86.7, 17_000_123)]
    assert got.columns["close"] == "Close/Last"


def test_day_first_dates_semicolons_and_decimal_commas():
    text = "Datum;Close;Open;High;Low;Volume\n13/01/2024;10,5;10,1;10,9;10,0;100\n02/01/2024;9,5;9,1;9,9;9,0;100\n"
    text = text.replace("Datum", "Date").encode()
    got = read_price_csv(text, tz="Asia/Hong_Kong")
    assert [ts_day(b.ts, "Asia/Hong_Kong") for b in got.bars] == [date(2024, 1, 2), date(2024, 1, 13)]
    assert [b.close for b in got.bars] == [9.5, 10.5]


def test_month_name_dates_and_other_column_orders():
    text = b'"Date","Price","Open","High","Low","Vol."\n"Jan 03, 2024","70.10","70.00","71.00","69.50","15.18M"\n'
    got = read_price_csv(text, tz="America/New_York")
    assert got.bars[0].close == 70.10 and got.bars[0].volume == 15_180_000
    assert ts_day(got.bars[0].ts, "America/New_York") == date(2024, 1, 3)


def test_unusable_files_are_refused_clearly():
    with pytest.raises(CsvFormatError, match="no date column"):
        read_price_csv(b"a,b,c\n1,2,3\n", tz="UTC")
    with pytest.raises(CsvFormatError, match="no close column"):
        read_price_csv(b"Date,Open\n2024-01-02,1\n", tz="UTC")


def test_history_before_the_listing_belongs_to_another_company(shared_data):
    text = b"Date,Open,High,Low,Close,Volume\n2015-06-01,1,1,1,1,10\n2021-12-30,3.9,4,3.8,3.9,10\n2022-01-03,4,4.1,3.9,4.0,10\n"
    got = read_price_csv(text, tz="Asia/Hong_Kong", history_from=date(2021, 12, 30))
    assert [ts_day(b.ts, "Asia/Hong_Kong") for b in got.bars] == [date(2021, 12, 30), date(2022, 1, 3)]
    assert "another company" in got.notes[0]


def test_csv_source_answers_ranges(shared_data):
    src = CsvPriceSource(shared_data / "prices/DERIVED_from_yahoo_chart_json/NVDA_2021-02-01_2022-01-31.csv",
                         "NVDA", tz="America/New_York")
    h = src.history("NVDA", "1d", day_ts(date(2021, 7, 19), "America/New_York"),
                    day_ts(date(2021, 7, 22), "America/New_York"))
    assert [round(b.close, 2) for b in h.bars] == [18.78, 18.61, 19.41]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_prices_command(capsys, tmp_path, shared_data):
    d = str(tmp_path / "p")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(BAD)
    code, out, err = run(capsys, "import-prices", "BABA", str(bad), "--data-dir", d)
    assert code == 0
    assert "imported 2 daily bars of BABA" in out
    assert "line 3: empty prices" in out and "line 5: negative volume (-5)" in out
    code, out, _ = run(capsys, "import-prices", "0700.HK",
                       str(shared_data / "prices/georgelikechen_portfolio/0700.HK.csv"), "--json", "--data-dir", d)
    data = json.loads(out)
    assert code == 0 and data["imported"] == 1323 and data["bad_rows"] == [] and data["actions"] == 6
    code, out, _ = run(capsys, "prices", "0700.HK", "--start", "2025-05-20", "--end", "2025-05-22", "--offline",
                       "--json", "--data-dir", d)
    rows = json.loads(out)["bars"]
    assert [r["time"] for r in rows] == ["2025-05-20", "2025-05-21", "2025-05-22"] and rows[-1]["close"] == 515.5
    code, out, _ = run(capsys, "import-prices", "1398.HK",
                       str(shared_data / "prices/yfinance_tests/1398-HK-1d-bad-div.csv"), "--data-dir", d)
    assert code == 0 and "imported 647 daily bars of 1398.HK" in out and "line 615: empty prices" in out


def test_import_prices_errors(capsys, tmp_path):
    d = str(tmp_path / "p")
    code, _, err = run(capsys, "import-prices", "BABA", str(tmp_path / "missing.csv"), "--data-dir", d)
    assert code == 1 and err.startswith("briefing: error: no such file")
    odd = tmp_path / "odd.csv"
    odd.write_bytes(b"Date,Close\n2024-01-02,1\n")
    code, _, err = run(capsys, "import-prices", "SAP.DE", str(odd), "--data-dir", d)
    assert code == 1 and "--timezone" in err
    code, out, _ = run(capsys, "import-prices", "SAP.DE", str(odd), "--timezone", "Europe/Berlin", "--data-dir", d)
    assert code == 0 and "imported 1 daily bars" in out
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"Date,Close\n2024-01-02,\n")
    code, out, err = run(capsys, "import-prices", "BABA", str(empty), "--data-dir", d)
    assert code == 1 and "line 2: empty prices" in out and "no usable rows" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["import-prices", "BABA"])
    assert exit_info.value.code == 2
