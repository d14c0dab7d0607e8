"""Preferences declared once: defaults apply, bad stored values fall back, consumers read them."""

from __future__ import annotations

import logging

import pytest

from briefing.domain import preferences as prefs
from briefing.domain.preferences import OPTIONS, Preferences


def test_every_option_declared_once_with_a_valid_default():
    assert len({o.key for o in OPTIONS}) == len(OPTIONS)
    for o in OPTIONS:
        assert o.validate(o.default) == o.default, o.key
        assert o.label and o.help, o.key
        if o.choices:
            assert o.default in {v for v, _ in o.choices}


def test_the_issue_settings_are_all_declared():
    keys = set(prefs.BY_KEY)
    for key in (prefs.QUOTE_INTERVAL, prefs.FEED_CHECK_INTERVAL, prefs.REQUESTS_PER_MINUTE, prefs.UP_COLOURS,
                prefs.THEME, prefs.TIMEZONE_DISPLAY, prefs.DEFAULT_WATCHLIST, prefs.NEWS_RETENTION,
                prefs.BRIEFING_FORMAT, prefs.BRIEFING_NEWS_PER_COMPANY, prefs.TRAY_NOTIFICATIONS):
        assert key in keys
    assert prefs.option(prefs.TIMEZONE_DISPLAY).choices[2][0] == "both"


def test_defaults_apply_and_values_round_trip(store):
    p = Preferences.of(store)
    assert p.values() == {o.key: o.default for o in OPTIONS}
    p.set(prefs.QUOTE_INTERVAL, 30)
    p.set(prefs.UP_COLOURS, "red-up")
    assert Preferences.of(store).get(prefs.QUOTE_INTERVAL) == 30.0
    assert isinstance(Preferences.of(store).get(prefs.QUOTE_INTERVAL), float)
    assert Preferences.of(store).get(prefs.UP_COLOURS) == "red-up"
    assert store.settings.get("prices.quote_interval_s") == 30.0  # the key the poller always used


@pytest.mark.parametrize("key, value", [
    (prefs.QUOTE_INTERVAL, 1), (prefs.QUOTE_INTERVAL, "fast"), (prefs.REQUESTS_PER_MINUTE, 2.5),
    (prefs.THEME, "purple"), (prefs.TRAY_NOTIFICATIONS, "yes"), (prefs.NEWS_RETENTION, -1),
    (prefs.REQUESTS_PER_MINUTE, True),
])
def test_invalid_values_are_refused(store, key, value):
    p = Preferences.of(store)
    with pytest.raises(ValueError):
        p.set(key, value)
    assert store.settings.get(key) is None
    with pytest.raises(ValueError):
        p.update({prefs.UP_COLOURS: "red-up", key: value})
    assert store.settings.get(prefs.UP_COLOURS) is None  # nothing stored when one value is bad


def test_bad_stored_value_falls_back_to_default_with_a_log_line(store, caplog):
    store.settings.set(prefs.THEME, "purple")
    store.settings.set(prefs.REQUESTS_PER_MINUTE, "lots")
    with caplog.at_level(logging.WARNING, logger="briefing.domain.preferences"):
        assert Preferences.of(store).get(prefs.THEME) == "system"
        assert Preferences.of(store).get(prefs.REQUESTS_PER_MINUTE) == 60
    assert "ui.theme" in caplog.text and "prices.requests_per_minute" in caplog.text


def test_update_stores_only_changes(store):
    p = Preferences.of(store)
    changed = p.update({o.key: o.default for o in OPTIONS} | {prefs.NEWS_RETENTION: 30})
    assert changed == {prefs.NEWS_RETENTION: 30}
    assert store.settings.get(prefs.THEME) is None


def test_consumers_read_through_the_preferences(store):
    from briefing.services.price_refresh import PriceSettings

    store.settings.set(prefs.QUOTE_INTERVAL, 1)  # below the minimum: the default, not a hammering poller
    store.settings.set(prefs.REQUESTS_PER_MINUTE, 120)
    loaded = PriceSettings.load(store)
    assert loaded.quote_interval_s == 15.0 and loaded.requests_per_minute == 120
    assert loaded.history_years == 10  # undeclared ones still load as before


def test_news_refresh_uses_retention_and_politeness_preferences(store, monkeypatch):
    from briefing.services import news_refresh

    store.settings.set(prefs.NEWS_RETENTION, "forever")  # invalid: the default (90) applies
    store.settings.set(prefs.POLITENESS, 2.5)
    seen = {}

    class Pacer:
        def __init__(self, delay):
            seen["delay"] = delay

    monkeypatch.setattr(news_refresh, "HostPacer", Pacer)
    refresher = news_refresh.NewsRefresher(store)
    try:
        refresher.refresh(feeds=[])
    except Exception:  # noqa: BLE001 - only the values read before fetching matter here
        pass
    finally:
        refresher.close()
    assert seen.get("delay") == 2.5
