"""One paths module: the data dir override moves everything, the library caches included."""

from __future__ import annotations

from pathlib import Path

from briefing import paths


def test_explicit_dir_wins_over_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.ENV_DATA_DIR, str(tmp_path / "env"))
    p = paths.resolve(tmp_path / "flag")
    assert p.data_dir == (tmp_path / "flag").resolve()
    assert p.cache_file.parent == p.data_dir and p.ui_state_file.parent == p.data_dir
    for d in (p.cache_dir, p.log_dir, p.yfinance_cache_dir):
        assert p.data_dir in d.parents


def test_environment_variable_is_used_without_flag(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.ENV_DATA_DIR, str(tmp_path / "env"))
    assert paths.resolve().data_dir == (tmp_path / "env").resolve()


def test_defaults_follow_platformdirs_and_demo_has_its_own_profile(isolated_dirs, monkeypatch):
    monkeypatch.delenv(paths.ENV_DATA_DIR)
    normal, demo = paths.resolve(), paths.resolve(demo=True)
    assert isolated_dirs in normal.data_dir.parents  # HOME/XDG point into the temp folder
    assert demo.data_dir != normal.data_dir and normal.data_dir not in demo.data_dir.parents


def test_yfinance_cache_follows_the_profile(tmp_path):
    import yfinance
    from yfinance import cache as yf_cache

    p = paths.resolve(tmp_path / "profile")
    paths.redirect_yfinance_cache(p)
    assert Path(yf_cache._TzDBManager.get_location()) == p.yfinance_cache_dir
    assert p.yfinance_cache_dir.is_dir()
    assert yfinance  # imported for its side effects above
