"""Every directory the app writes to, resolved once.

The data directory holds the cache, the UI state (QSettings) and yfinance's own cache, so that
`--data-dir DIR` or `BRIEFING_DATA_DIR` moves *everything*: tests and a second profile never
touch the user's home.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from briefing import APP_ID

ENV_DATA_DIR = "BRIEFING_DATA_DIR"
CACHE_FILE = "briefing.sqlite3"
UI_STATE_FILE = "ui-state.ini"


@dataclass(frozen=True)
class Paths:
    """The directories of one profile."""

    data_dir: Path
    cache_dir: Path
    log_dir: Path

    @property
    def cache_file(self) -> Path:
        """The one SQLite cache."""
        return self.data_dir / CACHE_FILE

    @property
    def ui_state_file(self) -> Path:
        """QSettings (window geometry, dock layout), kept apart from the data."""
        return self.data_dir / UI_STATE_FILE

    @property
    def yfinance_cache_dir(self) -> Path:
        return self.cache_dir / "py-yfinance"

    def ensure(self) -> None:
        for d in (self.data_dir, self.cache_dir, self.log_dir):
            d.mkdir(parents=True, exist_ok=True)


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_ID, appauthor=False))


def demo_data_dir() -> Path:
    """`--demo` without `--data-dir` gets its own profile: demo data never mixes with real data."""
    return default_data_dir().parent / f"{APP_ID}-demo"


def resolve(data_dir: str | os.PathLike | None = None, *, demo: bool = False) -> Paths:
    """Resolve the profile: `--data-dir` wins, then `BRIEFING_DATA_DIR`, then platformdirs.

    With an explicit data directory the cache and logs live inside it; with the default one
    they follow the platform's conventions.
    """
    explicit = data_dir or os.environ.get(ENV_DATA_DIR)
    if explicit:
        root = Path(explicit).expanduser().resolve()
        return Paths(root, root / "cache", root / "logs")
    if demo:
        root = demo_data_dir()
        return Paths(root, root / "cache", root / "logs")
    import platformdirs

    return Paths(
        default_data_dir(),
        Path(platformdirs.user_cache_dir(APP_ID, appauthor=False)),
        Path(platformdirs.user_log_dir(APP_ID, appauthor=False)),
    )


def redirect_yfinance_cache(paths: Paths) -> None:
    """Point yfinance's timezone/cookie cache into our profile; call before its first fetch."""
    import yfinance
    from yfinance import cache

    paths.yfinance_cache_dir.mkdir(parents=True, exist_ok=True)
    setter = getattr(cache, "set_cache_location", None) or yfinance.set_tz_cache_location
    setter(str(paths.yfinance_cache_dir))
