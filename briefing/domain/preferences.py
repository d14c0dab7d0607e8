"""User preferences, declared once: key, type, default, label, help and bounds or choices.

Values live in the cache's key/value settings (`store.settings`) under the keys the services have
always used, so existing caches keep their values. `Preferences.get` applies the default when a key
is unset, and falls back to it (with a log line) when a stored value is of the wrong type or out of
bounds. No Qt here: the settings dialog (briefing/ui/settings_dialog.py) is generated from `OPTIONS`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Option:
    """One user setting: what it is called, its type and default, and what values it accepts."""

    key: str
    type: type
    default: Any
    label: str
    help: str = ""
    section: str = "General"
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    suffix: str = ""
    check: Callable[[Any], Any] | None = None  # extra validation of text: raises ValueError
    placeholder: str = ""

    def validate(self, value: Any) -> Any:
        """Return `value` converted to this option's type, or raise ValueError."""
        if self.type is bool:
            if not isinstance(value, bool):
                raise ValueError(f"{self.key}: expected true or false, got {value!r}")
            return value
        if self.type in (int, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{self.key}: expected a number, got {value!r}")
            if self.type is int and float(value) != int(value):
                raise ValueError(f"{self.key}: expected a whole number, got {value!r}")
            value = self.type(value)
            if self.minimum is not None and value < self.minimum:
                raise ValueError(f"{self.key}: {value} is below the minimum {self.minimum:g}")
            if self.maximum is not None and value > self.maximum:
                raise ValueError(f"{self.key}: {value} is above the maximum {self.maximum:g}")
            return value
        if not isinstance(value, str):
            raise ValueError(f"{self.key}: expected text, got {value!r}")
        if self.choices and value not in {v for v, _ in self.choices}:
            raise ValueError(f"{self.key}: {value!r} is not one of {', '.join(v for v, _ in self.choices)}")
        if self.check is not None:
            try:
                self.check(value)
            except ValueError as exc:
                raise ValueError(f"{self.label}: {exc}") from None
        return value


QUOTE_INTERVAL = "prices.quote_interval_s"
REQUESTS_PER_MINUTE = "prices.requests_per_minute"
FEED_CHECK_INTERVAL = "news.check_every_s"
POLITENESS = "news.politeness_seconds"
NEWS_RETENTION = "news.retention_days"
UP_COLOURS = "ui.up_colours"
THEME = "ui.theme"
TIMEZONE_DISPLAY = "ui.timezone_display"
DEFAULT_WATCHLIST = "ui.default_watchlist"
BRIEFING_FORMAT = "briefing.format"
BRIEFING_NEWS_PER_COMPANY = "briefing.news_per_company"
TRAY_NOTIFICATIONS = "alerts.tray_notifications"
PRICE_MOVE_PCT = "alerts.price_move_pct"
PRICE_MOVE_SYMBOLS = "alerts.price_move_symbols"


def _thresholds(text: str) -> None:
    from briefing.domain.price_alerts import parse_thresholds

    parse_thresholds(text)


OPTIONS: tuple[Option, ...] = (
    Option(QUOTE_INTERVAL, float, 15.0, "Refresh quotes every", "How often live quotes are asked for "
           "while a market is open.", "Refresh", 5, 3600, suffix=" s"),
    Option(FEED_CHECK_INTERVAL, float, 60.0, "Look for due news feeds every", "Each feed keeps its own "
           "interval (Feed manager); this is how often the app checks which feeds are due.", "Refresh",
           30, 3600, suffix=" s"),
    Option(REQUESTS_PER_MINUTE, int, 60, "Request budget", "The most price requests sent to Yahoo in "
           "one minute; refreshes wait rather than exceed it.", "Refresh", 1, 600, suffix=" per minute"),
    Option(POLITENESS, float, 1.0, "Pause between requests to one news site",
           "Feeds on the same host are fetched at least this far apart.", "Refresh", 0, 30, suffix=" s"),
    Option(THEME, str, "system", "Theme", "Follow the system's light or dark setting, or pick one.",
           "Appearance", choices=(("system", "System"), ("light", "Light"), ("dark", "Dark"))),
    Option(UP_COLOURS, str, "green-up", "Price colours", "Green for a rise (Western convention) or red "
           "for a rise (as Chinese markets show it).", "Appearance",
           choices=(("green-up", "Green up, red down"), ("red-up", "Red up, green down"))),
    Option(TIMEZONE_DISPLAY, str, "exchange", "Show times in", "Exchange time (Hong Kong or New York), "
           "your local time, or both.", "Appearance",
           choices=(("exchange", "Exchange time"), ("local", "Local time"), ("both", "Both"))),
    Option(DEFAULT_WATCHLIST, str, "", "Watchlist at start", "Empty: the one shown last time.",
           "Appearance"),
    Option(NEWS_RETENTION, int, 90, "Keep unstarred news for", "Older unstarred items are deleted after "
           "a refresh; starred items are kept forever. 0 keeps everything.", "News", 0, 3650, suffix=" days"),
    Option(TRAY_NOTIFICATIONS, bool, True, "Show alert notifications in the tray",
           "Notify when news matches an alert rule or a price moves beyond its threshold.", "Alerts"),
    Option(PRICE_MOVE_PCT, float, 5.0, "Alert when a price moves beyond", "Change from the previous "
           "close, up or down, for every symbol in the cache; 0 turns price alerts off.", "Alerts", 0, 50,
           suffix=" %"),
    Option(PRICE_MOVE_SYMBOLS, str, "", "Per-symbol thresholds", "Overrides for some symbols, as "
           "SYMBOL=PERCENT separated by commas (0 turns a symbol off).", "Alerts", check=_thresholds,
           placeholder="9988.HK=3, BIDU=4.5"),
    Option(BRIEFING_FORMAT, str, "pdf", "Default briefing format", "The format File > Export daily "
           "briefing starts with.", "Briefing",
           choices=(("pdf", "PDF"), ("html", "HTML"), ("md", "Markdown"), ("csv", "CSV"))),
    Option(BRIEFING_NEWS_PER_COMPANY, int, 5, "News items per company", "How many headlines each "
           "company gets in the daily briefing.", "Briefing", 0, 50),
)
BY_KEY: dict[str, Option] = {o.key: o for o in OPTIONS}
assert len(BY_KEY) == len(OPTIONS), "an option is declared twice"


def option(key: str) -> Option:
    try:
        return BY_KEY[key]
    except KeyError:
        raise KeyError(f"no such preference: {key}") from None


def sections() -> list[tuple[str, list[Option]]]:
    """The options grouped by section, in declaration order."""
    out: dict[str, list[Option]] = {}
    for o in OPTIONS:
        out.setdefault(o.section, []).append(o)
    return list(out.items())


class Preferences:
    """Typed access to the declared options over a key/value `settings` (get/set of JSON values)."""

    def __init__(self, settings) -> None:
        self._settings = settings

    @classmethod
    def of(cls, store) -> Preferences:
        return cls(store.settings)

    def get(self, key: str) -> Any:
        opt = option(key)
        stored = self._settings.get(key, None)
        if stored is None:
            return opt.default
        try:
            return opt.validate(stored)
        except ValueError as exc:
            log.warning("ignoring the stored setting %s (using the default %r): %s", key, opt.default, exc)
            return opt.default

    def set(self, key: str, value: Any) -> Any:
        """Validate and store `value`; raises ValueError (nothing stored) when it is not acceptable."""
        value = option(key).validate(value)
        self._settings.set(key, value)
        return value

    def values(self) -> dict[str, Any]:
        return {o.key: self.get(o.key) for o in OPTIONS}

    def update(self, values: dict[str, Any]) -> dict[str, Any]:
        """Store the values that changed (all validated first); returns those changed."""
        checked = {k: option(k).validate(v) for k, v in values.items()}
        changed = {k: v for k, v in checked.items() if self.get(k) != v}
        for k, v in changed.items():
            self._settings.set(k, v)
        return changed
