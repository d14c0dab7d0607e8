"""`briefing export`: runs with no display, exits 0 and prints the path; clear errors otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from briefing.cli import main
from test_export_helpers import demo_cache_file  # noqa: F401


@pytest.fixture
def demo_profile(demo_cache_file, tmp_path) -> Path:
    """A --data-dir holding the seeded demo cache (so no test waits for seeding)."""
    d = tmp_path / "profile"
    d.mkdir()
    shutil.copy(demo_cache_file, d / "briefing.sqlite3")
    return d


def headless_env(data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["BRIEFING_DATA_DIR"] = str(data_dir)
    return env


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["pdf", "md"])
def test_exports_with_no_display_and_prints_the_path(demo_profile, tmp_path, fmt):
    out = tmp_path / "out" / f"daily.{fmt}"
    proc = subprocess.run(
        [sys.executable, "-m", "briefing", "export", "--date", "2026-01-15", "--format", fmt, "--out", str(out)],
        capture_output=True, text=True, env=headless_env(demo_profile), timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{out}\n"
    assert out.exists() and out.stat().st_size > 1000
    if fmt == "md":
        assert (tmp_path / "out" / "daily_files" / "compare.png").exists()


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_csv_in_process_prints_only_the_path(capsys, demo_profile, tmp_path):
    code, out, err = run(capsys, "export", "--data-dir", str(demo_profile), "--date", "2026-01-15",
                         "--out", str(tmp_path / "t.csv"))
    assert code == 0, err
    assert out == f"{tmp_path / 't.csv'}\n"
    assert (tmp_path / "t.csv").read_text().startswith("date,watchlist,symbol,")


def test_a_folder_gets_the_default_name_and_notes_go_to_stderr(capsys, demo_profile, tmp_path):
    code, out, err = run(capsys, "export", "--data-dir", str(demo_profile), "--date", "2026-01-10",
                         "--format", "csv", "--watchlist", "us adrs", "--out", f"{tmp_path}/")
    assert code == 0, err
    assert out.strip() == str(tmp_path / "briefing-2026-01-10-us-adrs.csv")
    assert "briefing: note: US markets were closed on Sat 10 Jan 2026 (weekend)" in err


@pytest.mark.parametrize("argv, code, message", [
    (["--format", "pdf", "--out", "x.html"], 2, "--out x.html is not a .pdf file"),
    (["--out", "notes.txt"], 2, "say which format to write to notes.txt"),
    (["--refresh", "--offline", "--format", "csv"], 2, "--refresh needs the network, and --offline was given"),
    (["--refresh", "--demo", "--format", "csv"], 1, "the demo profile never fetches real data"),
    (["--date", "2999-01-01", "--format", "csv"], 1, "2999-01-01 is in the future"),
    (["--watchlist", "Nope", "--format", "csv"], 1, "no watchlist named 'Nope' (watchlists: China AI, HK lines, US ADRs)"),
])
def test_errors_are_one_line(capsys, demo_profile, tmp_path, argv, code, message):
    got, out, err = run(capsys, "export", "--data-dir", str(demo_profile), *argv)
    assert got == code
    assert out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_bad_date_is_a_usage_error(capsys, demo_profile):
    with pytest.raises(SystemExit) as exit_:
        main(["export", "--data-dir", str(demo_profile), "--date", "15/01/2026"])
    assert exit_.value.code == 2
    assert "not a date: '15/01/2026' (use YYYY-MM-DD)" in capsys.readouterr().err


def test_unwritable_path_is_one_clear_error(capsys, demo_profile, tmp_path):
    (tmp_path / "file").write_text("x")
    code, out, err = run(capsys, "export", "--data-dir", str(demo_profile), "--format", "csv",
                         "--date", "2026-01-15", "--out", str(tmp_path / "file" / "b.csv"))
    assert code == 1 and out == ""
    assert err == f"briefing: error: cannot write {tmp_path / 'file' / 'b.csv'}: a part of the path is a file, not a folder\n"
