"""The command line: watchlist round trips, JSON output, doctor, exit codes, global options."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from briefing.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_watchlist_round_trip_with_json(capsys, tmp_path):
    d = str(tmp_path / "profile")
    assert run(capsys, "watchlist", "create", "HK only", "9988.HK", "0700.HK", "--data-dir", d)[0] == 0
    assert run(capsys, "watchlist", "add", "HK only", "0020.hk", "--data-dir", d)[0] == 0
    assert run(capsys, "watchlist", "remove", "HK only", "9988.HK", "--data-dir", d)[0] == 0
    assert run(capsys, "watchlist", "pin", "HK only", "--data-dir", d)[0] == 0
    assert run(capsys, "watchlist", "rename", "HK only", "Hong Kong", "--data-dir", d)[0] == 0
    code, out, _ = run(capsys, "watchlist", "list", "--json", "--data-dir", d)
    assert code == 0
    lists = json.loads(out)
    names = [w["name"] for w in lists]
    assert set(names) == {"China AI", "Hong Kong"}
    hk = next(w for w in lists if w["name"] == "Hong Kong")
    assert hk["symbols"] == ["0700.HK", "0020.HK"] and hk["pinned"] is True
    assert run(capsys, "watchlist", "unpin", "Hong Kong", "--data-dir", d)[0] == 0
    lists = json.loads(run(capsys, "watchlist", "list", "--json", "--data-dir", d)[1])
    assert lists[0]["name"] == "China AI"  # the only pinned list comes first
    assert run(capsys, "watchlist", "delete", "Hong Kong", "--data-dir", d)[0] == 0
    lists = json.loads(run(capsys, "watchlist", "list", "--json", "--data-dir", d)[1])
    assert [w["name"] for w in lists] == ["China AI"]


def test_global_options_before_or_after_the_subcommand(capsys, tmp_path):
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    run(capsys, "--data-dir", a, "watchlist", "create", "Before")
    run(capsys, "watchlist", "create", "After", "--data-dir", b)
    names_a = [w["name"] for w in json.loads(run(capsys, "--data-dir", a, "watchlist", "list", "--json")[1])]
    names_b = [w["name"] for w in json.loads(run(capsys, "watchlist", "list", "--json", "--data-dir", b)[1])]
    assert "Before" in names_a and "After" not in names_a
    assert "After" in names_b and "Before" not in names_b


def test_environment_variable_selects_the_profile(capsys, data_dir):
    run(capsys, "watchlist", "create", "From env")
    assert (data_dir / "briefing.sqlite3").exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["watchlist", "add", "China AI", "NOPE"], "unknown symbol NOPE"),
        (["watchlist", "create", "china ai"], "already exists"),
        (["watchlist", "pin", "Missing"], "no watchlist named 'Missing'"),
        (["watchlist", "remove", "China AI", "BABA", "BABA2"], "not in 'China AI': BABA2"),
    ],
)
def test_failures_are_one_line_and_exit_1(capsys, monkeypatch, tmp_path, argv, message):
    from yahoo_replay import NOT_FOUND_CHART, ReplayAdapter, Reply, replay_session, reset_yfinance

    from briefing.services import price_refresh
    from briefing.sources.yahoo import YahooSource

    reset_yfinance(tmp_path / "yfinance-cache")  # NOPE is checked with a (replayed) Yahoo that does not know it
    adapter = ReplayAdapter(default=lambda request: Reply(404, NOT_FOUND_CHART))
    monkeypatch.setattr(price_refresh, "yahoo_source_for", lambda paths, store: YahooSource(replay_session(adapter)))
    code, out, err = run(capsys, *argv)
    assert code == 1
    assert err.count("\n") == 1 and message in err and err.startswith("briefing: error:")


@pytest.mark.parametrize(
    "argv", [["watchlist"], ["watchlist", "frobnicate"], ["no-such-command"], ["watchlist", "add", "X"], ["--bogus"]]
)
def test_usage_errors_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_doctor_reports_paths_schema_integrity_and_counts(capsys, data_dir):
    code, out, _ = run(capsys, "doctor", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["data_dir"] == str(data_dir)
    assert report["integrity"] == "ok"
    assert report["schema_version"] == report["schema_latest"] >= 2
    assert report["rows"]["listings"] >= 7 and report["rows"]["events"] >= 30
    code, out, _ = run(capsys, "doctor")
    assert "schema version:" in out and "integrity: ok" in out


def test_a_newer_cache_is_refused_untouched(capsys, data_dir):
    import sqlite3

    data_dir.mkdir(parents=True)
    cache = data_dir / "briefing.sqlite3"
    conn = sqlite3.connect(cache)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    before = cache.read_bytes()
    code, _, err = run(capsys, "doctor")
    assert code == 1 and "schema version 999" in err
    assert cache.read_bytes() == before


def test_a_cache_that_is_not_sqlite_is_kept_and_replaced(capsys, data_dir):
    data_dir.mkdir(parents=True)
    (data_dir / "briefing.sqlite3").write_text("my notes, not a database")
    code, out, err = run(capsys, "doctor", "--json")
    assert code == 0
    assert "was kept as" in err
    kept = [p for p in data_dir.iterdir() if ".bad-" in p.name]
    assert len(kept) == 1 and kept[0].read_text() == "my notes, not a database"


def test_an_unwritable_data_dir_falls_back_to_a_temporary_cache(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, out, err = run(capsys, "doctor", "--json", "--data-dir", str(blocker / "sub"))
    assert code == 0
    report = json.loads(out)
    assert report["temporary"] is True and "nothing will be kept" in err
    assert not report["data_dir"].startswith(str(blocker))


def test_entry_point_runs_without_a_display(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "BRIEFING_DATA_DIR": str(tmp_path / "d")}
    proc = subprocess.run([sys.executable, "-m", "briefing", "watchlist", "list", "--json"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)[0]["name"] == "China AI"
    proc = subprocess.run([sys.executable, "-m", "briefing", "watchlist", "--nope"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2
